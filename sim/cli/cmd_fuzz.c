/*
** cmd_fuzz.c — 'dsim fuzz SCENARIO --seeds A..B': runs a scenario over many
** seeds in worker processes and reports the failing ones, each with the
** command that reproduces it.
**
** Workers are forked children; each runs its seeds one after another on a
** single thread, so every run is exactly the run 'dsim run --seed N' makes.
** The parent hands out seed indices over a pipe per worker (two in flight
** per worker, so none idles) and reads result lines back; a worker that
** dies (a failed assertion is a finding too) turns its current seed into an
** "error" result, its prefetched seed goes back to the queue, and a new
** worker takes its place. Result lines go to --out in seed order, whatever
** the number of jobs, so the file is the same with --jobs 1 and --jobs 8.
** '--shard i/n' keeps the seeds whose offset from A is i-1 modulo n: the
** shards of a range are disjoint and cover it. '--stop-after K' stops
** handing out seeds after K failures (more may finish with several jobs).
** When the first four seeds all fail to run, the scenario itself is bad:
** no more seeds are handed out and the exit status is 2.
** The results file starts with a header (fuzz_common.h: scenario, params,
** range, shard, build). Failing seeds are printed as they are found (the
** first FUZZ_LISTED_MAX; the summary lists as many, the results file holds
** them all). A worker killed by a signal has its seed retried once in a
** fresh worker (a kill from outside is not a finding); a second death makes
** it an error result. SIGINT or SIGTERM stops the campaign: workers are
** killed, the results in seed order so far are kept, and the summary says
** how far it got and prints the command that resumes it (--resume, which
** reads the results file back and goes on after its last seed).
** A progress line (seeds, seeds/s, failures, ETA) is drawn on stderr only
** when stderr is a terminal. Host time is read through hosttime.h only.
** Memory stays bounded whatever the range: results wait for their turn in
** a ring of 'window' slots (seed indices [flushed, flushed + window)), no
** seed beyond the ring is handed out, and only failing lines are kept for
** the summary. Every seed out of order is one some worker holds or held
** (in flight, or back in the queue after a death), so a ring of a few
** times jobs * FUZZ_INFLIGHT never stalls the workers for long.
** Bounds: at most FUZZ_JOBS_MAX workers and FUZZ_SEEDS_MAX seeds per call.
*/
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "cmd.h"
#include "dsim.h"
#include "fuzz_common.h"
#include "hosttime.h"
#include "version.h"

#define FUZZ_JOBS_MAX 256
#define FUZZ_SEEDS_MAX 1000000000000ULL
#define FUZZ_INFLIGHT 2
#define FUZZ_LISTED_MAX 20   /* failing seeds printed (as found, and in the summary) */

/* Set by the SIGINT/SIGTERM handler, read by the main loop: the one
** file-scope mutable, because a signal handler has no other way in. */
static volatile sig_atomic_t fuzz_stop_signal;

static void on_stop_signal(int sig)
{
    fuzz_stop_signal = sig;
}

static const char help[] =
    "usage: dsim fuzz SCENARIO --seeds A..B [options]\n"
    "  --seeds A..B    the seeds to run (inclusive)\n"
    "  --jobs J        worker processes (default: 1)\n"
    "  --shard i/n     run only slice i of n (1 <= i <= n): seeds A+i-1, A+i-1+n, ...\n"
    "  --stop-after K  stop after K failing seeds\n"
    "  --out FILE      write a header and one JSON result line per seed, in seed order\n"
    "  --resume        with --out: keep the seeds FILE already holds, run the rest\n"
    "  -D key=value    scenario parameter or protocol option, for every seed\n"
    "  --json          print the summary as one JSON object\n"
    "A progress line shows on a terminal. Failing seeds are printed as they are found,\n"
    "each with the command that reproduces it (the first 20; --out keeps them all);\n"
    "merge result files of many shards with dsim report. Ctrl-C stops the campaign,\n"
    "keeps what is done and prints the command that resumes it.\n"
    "exit status: 0 every seed passed, 1 some seed failed a check, 2 bad input, or seeds\n"
    "whose scenario errored (Lua error, limit, no c:check) and none failed a check,\n"
    "3 internal error, 4 interrupted before every seed ran (and none failed)\n";

typedef struct fuzz_args {
    const char *scenario, *out;
    uint64_t lo, hi, shard_i, shard_n, stop_after;
    int jobs;
    bool json, have_seeds, resume;
    json_t *params;
} fuzz_args;

static int parse(int argc, char **argv, fuzz_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(help, stdout);
            return -1;
        } else if (strcmp(o, "--seeds") == 0) {
            if (!fuzz_parse_range(next, &a->lo, &a->hi))
                return args_usage_error("fuzz", "--seeds wants A..B with A <= B, got '%s'", next ? next : "");
            a->have_seeds = true;
            i++;
        } else if (strcmp(o, "--jobs") == 0 || strcmp(o, "-j") == 0) {
            if (!args_u64(next, &x) || x < 1 || x > FUZZ_JOBS_MAX)
                return args_usage_error("fuzz", "--jobs wants 1..%d, got '%s'", FUZZ_JOBS_MAX, next ? next : "");
            a->jobs = (int)x;
            i++;
        } else if (strcmp(o, "--shard") == 0) {
            if (!fuzz_parse_shard(next, &a->shard_i, &a->shard_n))
                return args_usage_error("fuzz", "--shard wants i/n with 1 <= i <= n, got '%s'", next ? next : "");
            i++;
        } else if (strcmp(o, "--stop-after") == 0) {
            if (!args_u64(next, &a->stop_after) || a->stop_after < 1)
                return args_usage_error("fuzz", "--stop-after wants a number >= 1, got '%s'", next ? next : "");
            i++;
        } else if (strcmp(o, "--out") == 0) {
            if (!next)
                return args_usage_error("fuzz", "--out wants a file name");
            a->out = next;
            i++;
        } else if (strcmp(o, "-D") == 0 || strncmp(o, "-D", 2) == 0) {
            if (!args_define(a->params, o[2] ? o + 2 : next))
                return EXIT_USAGE;
            i += o[2] ? 0 : 1;
        } else if (strcmp(o, "--json") == 0) {
            a->json = true;
        } else if (strcmp(o, "--resume") == 0) {
            a->resume = true;
        } else if (o[0] == '-') {
            return args_usage_error("fuzz", "unknown option '%s'", o);
        } else if (a->scenario) {
            return args_usage_error("fuzz", "one scenario at a time (got '%s' and '%s')", a->scenario, o);
        } else {
            a->scenario = o;
        }
    }
    if (!a->scenario)
        return args_usage_error("fuzz", "which scenario? e.g. dsim fuzz scenarios/fuzz/single.lua --seeds 1..100");
    if (!a->have_seeds)
        return args_usage_error("fuzz", "--seeds A..B is required");
    if (a->resume && !a->out)
        return args_usage_error("fuzz", "--resume continues a results file: give it with --out FILE");
    return 0;
}

/* ---- workers -------------------------------------------------------------- */

typedef struct worker {
    pid_t pid;
    int to_fd, from_fd;        /* seed indices out, result lines in */
    uint64_t inflight[FUZZ_INFLIGHT];
    int inflight_len;
    char *buf;                 /* partial line */
    size_t buf_len, buf_cap;
} worker;

typedef struct campaign {
    const fuzz_args *a;
    uint64_t count;            /* seeds in this shard */
    char **ring;               /* [idx % window]: the result line, or NULL */
    uint64_t window;
    char **fails;              /* lines of failing seeds (fail or error), owned */
    uint64_t fails_len, fails_cap;
    uint64_t next, done, failed, errors, flushed;
    uint64_t *requeue;         /* indices of dead workers' prefetched seeds */
    uint64_t requeue_len;      /* <= jobs * FUZZ_INFLIGHT: each was in flight */
    uint64_t *retried;         /* indices already retried after a worker's death */
    uint64_t retried_len, retried_cap;
    uint64_t streamed;         /* failing seeds printed as found */
    uint64_t resumed;          /* seeds a --resume found already done */
    const char *build;         /* version_build(): in the header and summary */
    bool interrupted;
    FILE *out;
    worker w[FUZZ_JOBS_MAX];
    double t0, last_progress;
    bool tty;
} campaign;

static uint64_t seed_of(const campaign *c, uint64_t idx)
{
    return c->a->lo + (c->a->shard_i - 1) + idx * c->a->shard_n;
}

static bool write_all(int fd, const void *p, size_t len)
{
    const char *b = p;
    while (len > 0) {
        ssize_t n = write(fd, b, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        b += n;
        len -= (size_t)n;
    }
    return true;
}

static void worker_main(const fuzz_args *a, const campaign *c, int in, int out)
{
    uint64_t idx;
    for (;;) {
        ssize_t n = read(in, &idx, sizeof idx);
        if (n == 0)
            break;
        if (n != (ssize_t)sizeof idx) {
            if (n < 0 && errno == EINTR)
                continue;
            break;
        }
        uint64_t seed = seed_of(c, idx);
        fuzz_outcome o;
        fuzz_run(a->scenario, seed, a->params, NULL, &o);
        json_t *line = fuzz_result_line(a->scenario, seed, a->params, &o);
        char *s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
        bool ok = s && write_all(out, s, strlen(s)) && write_all(out, "\n", 1);
        free(s);
        json_decref(line);
        fuzz_outcome_free(&o);
        if (!ok)
            break;
    }
}

static int worker_spawn(campaign *c, worker *w)
{
    int down[2], up[2];
    if (pipe(down) != 0)
        return -1;
    if (pipe(up) != 0) {
        close(down[0]);
        close(down[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        signal(SIGINT, SIG_IGN);   /* Ctrl-C reaches the whole group: the parent decides */
        signal(SIGTERM, SIG_DFL);
        close(down[1]);
        close(up[0]);
        for (int j = 0; j < c->a->jobs; j++) {   /* other workers' pipes */
            if (c->w[j].pid > 0 && &c->w[j] != w) {
                close(c->w[j].to_fd);
                close(c->w[j].from_fd);
            }
        }
        worker_main(c->a, c, down[0], up[1]);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    *w = (worker){.pid = pid, .to_fd = down[1], .from_fd = up[0]};
    return 0;
}

static bool take_index(campaign *c, uint64_t *idx)
{
    bool stopping = (c->a->stop_after && c->failed + c->errors >= c->a->stop_after) ||
                    fuzz_stop_signal != 0;
    bool broken = c->done >= 4 && c->errors == c->done;   /* the scenario itself is bad */
    if (stopping || broken)
        return false;
    if (c->requeue_len > 0) {
        *idx = c->requeue[--c->requeue_len];
        return true;
    }
    if (c->next >= c->count || c->next >= c->flushed + c->window)
        return false;   /* done, or the ring is full: wait for the oldest seed */
    *idx = c->next++;
    return true;
}

static void feed(campaign *c, worker *w)
{
    uint64_t idx;
    while (w->pid > 0 && w->inflight_len < FUZZ_INFLIGHT && take_index(c, &idx)) {
        if (!write_all(w->to_fd, &idx, sizeof idx)) {
            DSIM_ASSERT(c->requeue_len < (uint64_t)c->a->jobs * FUZZ_INFLIGHT);
            c->requeue[c->requeue_len++] = idx;
            return;
        }
        w->inflight[w->inflight_len++] = idx;
    }
}

/* ---- results -------------------------------------------------------------- */

/* Writes the results that are next in seed order; with 'all' (the end,
** after --stop-after) also those behind seeds that never ran. */
static void flush_lines(campaign *c, bool all)
{
    while (c->flushed < c->next && (c->ring[c->flushed % c->window] || all)) {
        char **slot = &c->ring[c->flushed % c->window];
        if (*slot && c->out)
            fprintf(c->out, "%s\n", *slot);
        free(*slot);
        *slot = NULL;
        c->flushed++;
    }
    if (c->out)
        fflush(c->out);
}

/* Prints a failing seed as it is found (the first FUZZ_LISTED_MAX). */
static void stream_failure(campaign *c, const char *text)
{
    if (c->a->json)
        return;
    if (c->streamed == FUZZ_LISTED_MAX) {
        printf("(more failing seeds are counted, not printed%s%s)\n",
               c->a->out ? "; all are in " : ": --out FILE keeps them all",
               c->a->out ? c->a->out : "");
    }
    if (c->streamed++ >= FUZZ_LISTED_MAX)
        return;
    json_t *line = json_loads(text, 0, NULL);
    const char *st = json_string_value(json_object_get(line, "status"));
    const char *kind = json_string_value(json_object_get(line, "kind"));
    if (c->tty)
        fprintf(stderr, "\r\033[K");
    printf("%-5s seed %-8lld %s   # %s\n", st ? st : "?",
           (long long)json_integer_value(json_object_get(line, "seed")),
           json_string_value(json_object_get(line, "command")),
           kind ? kind : json_string_value(json_object_get(line, "detail")));
    fflush(stdout);
    json_decref(line);
}

static void record(campaign *c, uint64_t idx, char *line, int status)
{
    DSIM_ASSERT(idx < c->count && idx >= c->flushed && idx < c->flushed + c->window);
    DSIM_ASSERT(!c->ring[idx % c->window]);
    c->ring[idx % c->window] = line;
    if (status != FUZZ_PASS) {
        if (c->fails_len == c->fails_cap) {
            c->fails_cap = c->fails_cap ? c->fails_cap * 2 : 64;
            c->fails = realloc(c->fails, c->fails_cap * sizeof *c->fails);
            DSIM_ASSERT(c->fails != NULL);
        }
        c->fails[c->fails_len++] = strdup(line);
        stream_failure(c, line);
    }
    c->done++;
    c->failed += status == FUZZ_FAIL;
    c->errors += status == FUZZ_ERROR;
    flush_lines(c, false);
}

static void on_line(campaign *c, worker *w, char *text)
{
    json_t *line = json_loads(text, 0, NULL);
    uint64_t seed = (uint64_t)json_integer_value(json_object_get(line, "seed"));
    const char *st = json_string_value(json_object_get(line, "status"));
    int status = st && strcmp(st, "fail") == 0 ? FUZZ_FAIL : st && strcmp(st, "error") == 0 ? FUZZ_ERROR : FUZZ_PASS;
    json_decref(line);
    DSIM_ASSERT(w->inflight_len > 0 && seed_of(c, w->inflight[0]) == seed);
    uint64_t idx = w->inflight[0];
    memmove(w->inflight, w->inflight + 1, sizeof(uint64_t) * (size_t)--w->inflight_len);
    record(c, idx, strdup(text), status);
}

/* A worker's pipe closed: its first in-flight seed killed it (an error
** result), the others go back to the queue; a new worker replaces it. */
static void on_death(campaign *c, worker *w)
{
    int st = 0;
    waitpid(w->pid, &st, 0);
    close(w->to_fd);
    close(w->from_fd);
    free(w->buf);
    for (int i = 0; i < w->inflight_len; i++) {
        if (i > 0) {
            DSIM_ASSERT(c->requeue_len < (uint64_t)c->a->jobs * FUZZ_INFLIGHT);
            c->requeue[c->requeue_len++] = w->inflight[i];
            continue;
        }
        uint64_t seed = seed_of(c, w->inflight[0]);
        bool again = false;
        for (uint64_t r = 0; r < c->retried_len; r++)
            again = again || c->retried[r] == w->inflight[0];
        if (WIFSIGNALED(st) && !again) {   /* killed from outside? once more, in a fresh worker */
            if (c->retried_len == c->retried_cap) {
                c->retried_cap = c->retried_cap ? 2 * c->retried_cap : 16;
                c->retried = realloc(c->retried, c->retried_cap * sizeof *c->retried);
                DSIM_ASSERT(c->retried != NULL);
            }
            c->retried[c->retried_len++] = w->inflight[0];
            DSIM_ASSERT(c->requeue_len < (uint64_t)c->a->jobs * FUZZ_INFLIGHT);
            c->requeue[c->requeue_len++] = w->inflight[0];
            continue;
        }
        char detail[160];
        if (WIFSIGNALED(st))
            snprintf(detail, sizeof detail, "the run died of signal %d twice, in two fresh workers "
                     "(an assertion?)", WTERMSIG(st));
        else
            snprintf(detail, sizeof detail, "the worker exited with status %d", WEXITSTATUS(st));
        char *cmd = fuzz_command(c->a->scenario, seed, c->a->params);
        json_t *line = json_pack("{s:I, s:s, s:{}, s:s, s:i, s:n, s:s, s:s, s:O, s:s}", "seed", (json_int_t)seed,
                                 "status", "error", "verdicts", "fingerprint", "", "faults", 0, "violation",
                                 "detail", detail, "scenario", c->a->scenario, "params", c->a->params,
                                 "command", cmd);
        free(cmd);
        json_object_set_new(line, "version", json_string(version_release()));
        json_object_set_new(line, "build", json_string(version_build()));
        record(c, w->inflight[0], json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER), FUZZ_ERROR);
        json_decref(line);
    }
    *w = (worker){.pid = -1};
}

static void on_readable(campaign *c, worker *w)
{
    char chunk[65536];
    ssize_t n = read(w->from_fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) {
        on_death(c, w);
        return;
    }
    if (w->buf_len + (size_t)n + 1 > w->buf_cap) {
        w->buf_cap = (w->buf_len + (size_t)n + 1) * 2;
        w->buf = realloc(w->buf, w->buf_cap);
        DSIM_ASSERT(w->buf != NULL);
    }
    memcpy(w->buf + w->buf_len, chunk, (size_t)n);
    w->buf_len += (size_t)n;
    w->buf[w->buf_len] = 0;
    char *start = w->buf, *nl;
    while ((nl = strchr(start, '\n')) != NULL) {
        *nl = 0;
        on_line(c, w, start);
        start = nl + 1;
    }
    w->buf_len -= (size_t)(start - w->buf);
    memmove(w->buf, start, w->buf_len + 1);
}

static void progress(campaign *c, bool final)
{
    if (!c->tty)
        return;
    double now = host_seconds();
    if (!final && now - c->last_progress < 0.2)
        return;
    c->last_progress = now;
    double el = now - c->t0, rate = el > 0 ? (double)c->done / el : 0;
    double eta = rate > 0 ? (double)(c->count - c->done) / rate : 0;
    fprintf(stderr, "\r\033[Kfuzz: %" PRIu64 "/%" PRIu64 " seeds  %.1f seeds/s  %" PRIu64 " failed  ETA %.0fs",
            c->done, c->count, rate, c->failed + c->errors, eta);
    if (final)
        fprintf(stderr, "\r\033[K");
    fflush(stderr);
}

/* The main loop: feed every live worker, wait for lines, replace the dead. */
static int run_campaign(campaign *c)
{
    int jobs = c->a->jobs;
    for (int j = 0; j < jobs; j++)
        if (worker_spawn(c, &c->w[j]) != 0)
            return -1;
    for (;;) {
        int live = 0;
        struct pollfd pf[FUZZ_JOBS_MAX];
        int who[FUZZ_JOBS_MAX];
        for (int j = 0; j < jobs; j++) {
            worker *w = &c->w[j];
            bool want = c->requeue_len > 0 || c->next < c->count;
            if (w->pid <= 0 && want && !(c->a->stop_after && c->failed + c->errors >= c->a->stop_after) &&
                !(c->done >= 4 && c->errors == c->done))
                if (worker_spawn(c, w) != 0)
                    return -1;
            feed(c, w);
            if (w->pid > 0 && w->inflight_len > 0) {
                pf[live] = (struct pollfd){.fd = w->from_fd, .events = POLLIN};
                who[live++] = j;
            }
        }
        if (live == 0 || fuzz_stop_signal != 0)
            break;
        int n = poll(pf, (nfds_t)live, 200);
        if (n < 0 && errno != EINTR)
            return -1;
        for (int i = 0; i < live && n > 0; i++)
            if (pf[i].revents)
                on_readable(c, &c->w[who[i]]);
        progress(c, false);
    }
    c->interrupted = fuzz_stop_signal != 0;
    for (int j = 0; j < jobs; j++) {
        worker *w = &c->w[j];
        if (w->pid <= 0)
            continue;
        if (c->interrupted)
            kill(w->pid, SIGKILL);   /* its seeds in flight are dropped: resume reruns them */
        close(w->to_fd);   /* EOF: the worker exits */
        close(w->from_fd);
        waitpid(w->pid, NULL, 0);
        free(w->buf);
        w->pid = -1;
    }
    progress(c, true);
    return 0;
}

/* ---- the summary ------------------------------------------------------------ */

static uint64_t line_seed(const char *s)
{
    const char *p = strstr(s, "\"seed\":");   /* the first key of every line */
    return p ? strtoull(p + 7, NULL, 10) : 0;
}

static int by_seed(const void *x, const void *y)
{
    uint64_t a = line_seed(*(char *const *)x), b = line_seed(*(char *const *)y);
    return a < b ? -1 : a > b;
}

/* The command that goes on where an interrupted campaign stopped: with
** --out, the same campaign with --resume; without, the seeds not kept (the
** same slice: from a seed of shard i, shard 1 of n walks the same seeds). */
static char *resume_command(const campaign *c)
{
    const fuzz_args *a = c->a;
    char *scen = fuzz_quote(a->scenario), *out = a->out ? fuzz_quote(a->out) : NULL;
    char head[256];
    uint64_t from = c->flushed < c->count ? seed_of(c, c->flushed) : a->hi;
    int n = snprintf(head, sizeof head, " --seeds %" PRIu64 "..%" PRIu64, a->out ? a->lo : from, a->hi);
    if (a->shard_n > 1)
        n += snprintf(head + n, sizeof head - (size_t)n, " --shard %" PRIu64 "/%" PRIu64,
                      a->out ? a->shard_i : 1, a->shard_n);
    if (a->jobs > 1)
        snprintf(head + n, sizeof head - (size_t)n, " --jobs %d", a->jobs);
    char *run = fuzz_command(a->scenario, 0, a->params);   /* for its quoted -D list */
    const char *defs = strstr(run, " --seed 0");
    defs = defs ? defs + strlen(" --seed 0") : "";
    size_t need = strlen(scen) + strlen(head) + strlen(defs) + (out ? strlen(out) : 0) + 48;
    char *cmd = malloc(need);
    DSIM_ASSERT(cmd != NULL);
    snprintf(cmd, need, "dsim fuzz %s%s%s%s%s%s", scen, head, defs, out ? " --out " : "",
             out ? out : "", out ? " --resume" : "");
    free(run);
    free(scen);
    free(out);
    return cmd;
}

static json_t *summary_json(campaign *c, double wall_s)
{
    json_t *failed = json_array(), *errors = json_array(), *repro = json_array();
    if (c->fails_len > 1)
        qsort(c->fails, c->fails_len, sizeof *c->fails, by_seed);
    for (uint64_t i = 0; i < c->fails_len; i++) {
        json_t *line = json_loads(c->fails[i], 0, NULL);
        bool fail = strcmp(json_string_value(json_object_get(line, "status")), "fail") == 0;
        json_array_append(fail ? failed : errors, json_object_get(line, "seed"));
        json_t *kind = fail ? json_incref(json_object_get(line, "violation")) : json_string("error");
        json_array_append_new(repro, json_pack("{s:O, s:o, s:O, s:O}", "seed", json_object_get(line, "seed"),
            "violation", kind, "detail", json_object_get(line, "detail"), "command", json_object_get(line, "command")));
        json_decref(line);
    }
    char shard[48];
    snprintf(shard, sizeof shard, "%" PRIu64 "/%" PRIu64, c->a->shard_i, c->a->shard_n);
    json_t *s = json_pack("{s:s, s:[I,I], s:s, s:s, s:I, s:I, s:o, s:o, s:i, s:f, s:f, s:o}",
        "scenario", c->a->scenario, "range", (json_int_t)c->a->lo, (json_int_t)c->a->hi, "shard", shard,
        "build", c->build, "seeds", (json_int_t)c->count, "done", (json_int_t)c->done, "failed", failed,
        "errors", errors, "jobs", c->a->jobs, "wall_s", wall_s,
        "seeds_per_s", wall_s > 0 ? (double)(c->done - c->resumed) / wall_s : 0.0, "reproduce", repro);
    if (c->resumed > 0)
        json_object_set_new(s, "resumed", json_integer((json_int_t)c->resumed));
    json_object_set_new(s, "version", json_string(version_release()));
    if (c->a->out)
        json_object_set_new(s, "out", json_string(c->a->out));
    if (c->interrupted) {
        char *cmd = resume_command(c);
        json_object_set_new(s, "interrupted", json_true());
        json_object_set_new(s, "kept", json_integer((json_int_t)c->flushed));
        json_object_set_new(s, "resume", json_string(cmd));
        free(cmd);
    }
    return s;
}

static void print_summary(const json_t *s)
{
    printf("scenario     %s\n", json_string_value(json_object_get(s, "scenario")));
    printf("seeds        %lld of %lld run (range %lld..%lld, shard %s), %d jobs\n",
           (long long)json_integer_value(json_object_get(s, "done")),
           (long long)json_integer_value(json_object_get(s, "seeds")),
           (long long)json_integer_value(json_array_get(json_object_get(s, "range"), 0)),
           (long long)json_integer_value(json_array_get(json_object_get(s, "range"), 1)),
           json_string_value(json_object_get(s, "shard")), (int)json_integer_value(json_object_get(s, "jobs")));
    printf("speed        %.1f seeds/s (%.2f s)\n", json_real_value(json_object_get(s, "seeds_per_s")),
           json_real_value(json_object_get(s, "wall_s")));
    json_t *repro = json_object_get(s, "reproduce");
    size_t n = json_array_size(json_object_get(s, "failed"));
    size_t errors = json_array_size(json_object_get(s, "errors"));
    const char *out = json_string_value(json_object_get(s, "out"));
    printf("failed       %zu%s", n, n == 0 ? "\n" : n <= FUZZ_LISTED_MAX ? ", reproduce each with:\n" : "");
    if (n > FUZZ_LISTED_MAX)
        printf(", the first %d by seed (%s%s):\n", FUZZ_LISTED_MAX,
               out ? "all are in " : "--out FILE keeps them all", out ? out : "");
    size_t i, listed = 0;
    json_t *r;
    json_array_foreach(repro, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "violation")), "error") == 0)
            continue;
        if (listed++ == FUZZ_LISTED_MAX)
            break;
        printf("  %s   # %s, dsim %s build %s\n", json_string_value(json_object_get(r, "command")),
               json_string_value(json_object_get(r, "violation")),
               json_string_value(json_object_get(s, "version")), json_string_value(json_object_get(s, "build")));
    }
    if (errors > 0)   /* scenario errors (a Lua error(), a limit, no c:check) are not bugs found */
        printf("errors       %zu (the scenario did not run to a verdict; not bugs):\n", errors);
    listed = 0;
    json_array_foreach(repro, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "violation")), "error") != 0)
            continue;
        if (listed++ == FUZZ_LISTED_MAX)
            break;
        printf("  %s\n      %s\n", json_string_value(json_object_get(r, "command")),
               json_string_value(json_object_get(r, "detail")));
    }
    if (json_is_true(json_object_get(s, "interrupted"))) {
        printf("interrupted  after %lld seeds; %lld kept in seed order%s%s\n",
               (long long)json_integer_value(json_object_get(s, "done")),
               (long long)json_integer_value(json_object_get(s, "kept")), out ? " in " : "", out ? out : "");
        printf("resume with  %s\n", json_string_value(json_object_get(s, "resume")));
    }
}

/* --resume: reads the results file back. Its header must be this
** campaign's; its result lines are the first K seeds of the slice in order
** (fuzz writes nothing else); a torn last line is dropped. The file is
** rewritten with what is kept and left open for appending. Returns -1, -2
** when there is no file yet (a fresh start), or an exit status. */
static int resume_from(campaign *c, const json_t *header)
{
    const char *path = c->a->out;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -2;   /* nothing to resume: a new file */
    char *buf = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = -1;
    json_t *kept = json_array();
    while (rc < 0 && getline(&buf, &cap, f) > 0) {
        lineno++;
        json_t *v = buf[strlen(buf) - 1] == '\n' ? json_loads(buf, 0, NULL) : NULL;
        if (v == NULL)   /* a torn last line (the process was killed mid-write) */
            break;
        if (lineno == 1) {
            if (!fuzz_is_header(v) || !json_equal(v, (json_t *)header)) {
                char *want = json_dumps(header, JSON_COMPACT | JSON_PRESERVE_ORDER);
                rc = args_usage_error("fuzz", "--resume: %s:1: expected the header of this campaign "
                                      "(%s): another scenario, range, shard, -D or build", path, want);
                free(want);
            }
        } else if (!json_is_integer(json_object_get(v, "seed")) || c->flushed >= c->count ||
                   (uint64_t)json_integer_value(json_object_get(v, "seed")) != seed_of(c, c->flushed)) {
            rc = args_usage_error("fuzz", "--resume: %s:%ld: expected the result of seed %" PRIu64,
                                  path, lineno, c->flushed < c->count ? seed_of(c, c->flushed) : c->a->hi);
        } else {
            const char *st = json_string_value(json_object_get(v, "status"));
            int status = st && strcmp(st, "fail") == 0 ? FUZZ_FAIL
                       : st && strcmp(st, "error") == 0 ? FUZZ_ERROR : FUZZ_PASS;
            json_array_append(kept, v);
            c->flushed++;
            c->done++;
            c->failed += status == FUZZ_FAIL;
            c->errors += status == FUZZ_ERROR;
            if (status != FUZZ_PASS) {
                if (c->fails_len == c->fails_cap) {
                    c->fails_cap = c->fails_cap ? c->fails_cap * 2 : 64;
                    c->fails = realloc(c->fails, c->fails_cap * sizeof *c->fails);
                    DSIM_ASSERT(c->fails != NULL);
                }
                c->fails[c->fails_len++] = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
            }
        }
        json_decref(v);
    }
    free(buf);
    fclose(f);
    c->next = c->resumed = c->flushed;
    if (rc < 0 && !(c->out = fopen(path, "w")))
        rc = args_usage_error("fuzz", "cannot write '%s'", path);
    size_t i;
    json_t *v;
    if (rc < 0) {
        char *h = json_dumps(header, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(c->out, "%s\n", h);
        free(h);
        json_array_foreach(kept, i, v) {
            char *t = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fprintf(c->out, "%s\n", t);
            free(t);
        }
        fflush(c->out);
    }
    json_decref(kept);
    return rc;
}

static int open_out(campaign *c)
{
    const fuzz_args *a = c->a;
    if (!a->out)
        return -1;
    json_t *header = fuzz_results_header(a->scenario, a->params, a->lo, a->hi, a->shard_i,
                                         a->shard_n, c->build);
    int rc = a->resume ? resume_from(c, header) : -2;
    if (rc == -2 && !(c->out = fopen(a->out, "w"))) {
        rc = args_usage_error("fuzz", "cannot write '%s'", a->out);
    } else if (rc == -2) {   /* a fresh file: the header first */
        char *h = json_dumps(header, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(c->out, "%s\n", h);
        fflush(c->out);
        free(h);
        rc = -1;
    }
    json_decref(header);
    return rc;
}

static void free_campaign(campaign *c)
{
    for (uint64_t i = 0; i < c->fails_len; i++)
        free(c->fails[i]);
    free(c->fails);
    for (uint64_t i = 0; c->ring && i < c->window; i++)
        free(c->ring[i]);
    free(c->ring);
    free(c->requeue);
    free(c->retried);
}

int cmd_fuzz(int argc, char **argv)
{
    fuzz_args a = {.jobs = 1, .shard_i = 1, .shard_n = 1, .params = json_object()};
    int rc = parse(argc, argv, &a);
    if (rc != 0) {
        json_decref(a.params);
        return rc < 0 ? EXIT_PASS : rc;
    }
    FILE *probe = fopen(a.scenario, "r");
    if (!probe) {
        json_decref(a.params);
        return args_usage_error("fuzz", "cannot read the scenario '%s'", a.scenario);
    }
    fclose(probe);
    campaign c = {.a = &a, .tty = isatty(STDERR_FILENO)};
    c.build = version_build();
    uint64_t span = a.hi - a.lo + 1;   /* 0 when the range is all of uint64 */
    c.count = a.shard_i - 1 < span ? (span - (a.shard_i - 1) + a.shard_n - 1) / a.shard_n : 0;
    if (span == 0 || c.count > FUZZ_SEEDS_MAX) {
        json_decref(a.params);
        return args_usage_error("fuzz", "at most %llu seeds per call (use --shard)", FUZZ_SEEDS_MAX);
    }
    if (c.count > 0 && (uint64_t)a.jobs > c.count)
        a.jobs = (int)c.count;   /* no idle workers */
    if ((rc = open_out(&c)) >= 0) {
        free_campaign(&c);
        json_decref(a.params);
        return rc;
    }
    c.window = (uint64_t)a.jobs * FUZZ_INFLIGHT * 8 + 64;
    c.ring = calloc(c.window, sizeof *c.ring);
    c.requeue = calloc((size_t)a.jobs * FUZZ_INFLIGHT + 1, sizeof *c.requeue);
    DSIM_ASSERT(c.ring && c.requeue);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction stop = {.sa_handler = on_stop_signal}, old_int, old_term;
    sigemptyset(&stop.sa_mask);
    fuzz_stop_signal = 0;
    sigaction(SIGINT, &stop, &old_int);
    sigaction(SIGTERM, &stop, &old_term);
    c.t0 = host_seconds();
    rc = run_campaign(&c);
    double wall_s = host_seconds() - c.t0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    flush_lines(&c, !c.interrupted);   /* interrupted: only the seeds in order, for --resume */
    if (c.out && fclose(c.out) != 0)
        rc = -1;
    json_t *s = summary_json(&c, wall_s);
    if (rc != 0) {
        fprintf(stderr, "dsim fuzz: %s\n", strerror(errno));
        rc = EXIT_INTERNAL;
    } else if (c.done > 0 && c.errors == c.done) {
        json_t *first = json_loads(c.fails_len ? c.fails[0] : "{}", 0, NULL);
        fprintf(stderr, "dsim fuzz: every seed failed to run: %s\n",
                json_string_value(json_object_get(first, "detail")));
        json_decref(first);
        rc = EXIT_USAGE;
    } else {   /* a found bug first; scenario errors are errors, never bugs */
        rc = c.failed > 0 ? EXIT_VIOLATION : c.errors > 0 ? EXIT_USAGE
             : c.interrupted ? EXIT_UNKNOWN : EXIT_PASS;
    }
    if (a.json) {
        char *t = json_dumps(s, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", t);
        free(t);
    } else if (!(c.done > 0 && c.errors == c.done)) {
        print_summary(s);
    }
    json_decref(s);
    free_campaign(&c);
    json_decref(a.params);
    return rc;
}

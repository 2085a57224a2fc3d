/*
** causal_bench.c — the causal part of 'dsim bench check': deterministic
** register histories of 10^3, 10^4 and 10^5 operations (8 sessions, 100
** keys) generated from a seed, written to a temporary file, then read and
** parsed, then checked for CC, CM and CCv, each timed on the host clock
** (hosttime.h).
**
** The generator models replicas of one write log: a write appends to the
** log and its session then sees the whole log; a read returns the last
** write of its key in the prefix of the log its session sees, and a session
** sometimes moves its prefix forward. Prefixes only grow, so the history is
** sequentially consistent (order every operation by the log position it
** saw), hence CC, CM and CCv all hold: the checker does its full work and
** finds nothing. Reads often miss recent writes, so co is far from total and
** hb_o gains derived edges.
**
** Figures (issue 4), each the best of BENCH_REPEAT rounds: check_ms covers
** all three criteria in one analysis (the history built once); cc_ms, cm_ms
** and ccv_ms time each criterion alone, each from the parsed history;
** parse_ms is reading the file plus
** parsing it.
*/
#include "causal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_assert.h"
#include "hosttime.h"

enum { BENCH_SESSIONS = 8, BENCH_KEYS = 100 };

static uint64_t bench_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t bench_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(bench_next(s) % n);
}

typedef struct gen {
    uint32_t *log_key;        /* the write log: key and value of each entry */
    uint32_t *key_pos;        /* per key: log positions, ascending */
    uint32_t *key_count, *key_cap_start;
    uint32_t log_len;
    uint32_t view[BENCH_SESSIONS];
} gen;

/* The value a read of 'key' returns with a view of 'prefix' log entries:
** the last write of the key below the prefix (values are log positions
** plus one, unique), or 0 (null). */
static uint32_t gen_read(const gen *g, uint32_t key, uint32_t prefix)
{
    const uint32_t *pos = g->key_pos + g->key_cap_start[key];
    uint32_t lo = 0, hi = g->key_count[key];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (pos[mid] < prefix)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? 0 : pos[lo - 1] + 1;
}

static int emit(FILE *f, uint32_t s, const char *fn, uint32_t key, uint32_t value,
                uint64_t *t)
{
    char v[16];
    if (value)
        snprintf(v, sizeof v, "%u", value);
    else
        snprintf(v, sizeof v, "null");
    int a = fprintf(f, "{\"process\":%u,\"type\":\"invoke\",\"f\":\"%s\",\"key\":\"k%u\","
                    "\"value\":%s,\"time\":%llu}\n", s, fn, key,
                    fn[0] == 'w' ? v : "null", (unsigned long long)(*t += 1000));
    int b = fprintf(f, "{\"process\":%u,\"type\":\"ok\",\"f\":\"%s\",\"key\":\"k%u\","
                    "\"value\":%s,\"time\":%llu}\n", s, fn, key, v,
                    (unsigned long long)(*t += 1000));
    return a < 0 || b < 0 ? -1 : 0;
}

/* Writes a history of 'n_ops' operations to 'f'. Returns 0 or -1. */
int causal_bench_generate(FILE *f, uint64_t seed, uint32_t n_ops)
{
    gen g = {0};
    /* 'key_pos' holds every key's write positions in one array, key k's
    ** slice starting at key_cap_start[k], sized by its count of writes. */
    g.key_count = calloc(BENCH_KEYS, sizeof *g.key_count);
    g.key_cap_start = calloc(BENCH_KEYS, sizeof *g.key_cap_start);
    g.key_pos = malloc(((size_t)n_ops + 1) * sizeof *g.key_pos);
    uint32_t *key_of = malloc(((size_t)n_ops + 1) * sizeof *key_of);
    uint8_t *is_write = malloc((size_t)n_ops + 1);
    int rc = -1;
    if (!g.key_count || !g.key_cap_start || !g.key_pos || !key_of || !is_write)
        goto out;
    /* First draw each operation's kind and key, to size the per-key slices. */
    uint64_t s = seed;
    for (uint32_t i = 0; i < n_ops; i++) {
        is_write[i] = bench_below(&s, 2) == 0;
        key_of[i] = bench_below(&s, BENCH_KEYS);
        g.key_count[key_of[i]] += is_write[i];
    }
    for (uint32_t k = 1; k < BENCH_KEYS; k++)
        g.key_cap_start[k] = g.key_cap_start[k - 1] + g.key_count[k - 1];
    memset(g.key_count, 0, BENCH_KEYS * sizeof *g.key_count);
    uint64_t t = 0;
    rc = 0;
    for (uint32_t i = 0; i < n_ops && rc == 0; i++) {
        uint32_t se = bench_below(&s, BENCH_SESSIONS), key = key_of[i];
        if (is_write[i]) {
            CHECK_ASSERT(g.key_count[key] < (key + 1 < BENCH_KEYS ? g.key_cap_start[key + 1] : n_ops) -
                                            g.key_cap_start[key]);
            g.key_pos[g.key_cap_start[key] + g.key_count[key]++] = g.log_len;
            uint32_t value = ++g.log_len;    /* log position + 1 */
            g.view[se] = g.log_len;
            rc = emit(f, se, "write", key, value, &t);
        } else {
            CHECK_ASSERT(g.view[se] <= g.log_len);
            if (bench_below(&s, 4) == 0)     /* catch up part of the way */
                g.view[se] += bench_below(&s, g.log_len - g.view[se] + 1);
            rc = emit(f, se, "read", key, gen_read(&g, key, g.view[se]), &t);
        }
    }
out:
    free(g.key_count);
    free(g.key_cap_start);
    free(g.key_pos);
    free(key_of);
    free(is_write);
    return rc;
}

/* Reads the whole of 'f' (from its start) into a malloc'ed buffer. */
static char *slurp(FILE *f, size_t *len)
{
    if (fseek(f, 0, SEEK_END) != 0)
        return NULL;
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        return NULL;
    char *buf = malloc((size_t)size + 1);
    if (buf == NULL)
        return NULL;
    *len = fread(buf, 1, (size_t)size, f);
    buf[*len] = '\0';
    return buf;
}

/* Times one analysis of 'criteria' from the parsed history; ms or -1. */
static double time_check_once(const hist *hh, unsigned criteria, bool *valid)
{
    char err[256];
    double t0 = host_seconds();
    causal_history h;
    if (causal_from_hist(&h, hh, err, sizeof err) != 0)
        return -1;
    causal_result r;
    int rc = causal_analyse(&h, criteria, &r);
    double ms = (host_seconds() - t0) * 1e3;
    *valid = rc == 0 && causal_holds(&r, criteria);
    causal_result_free(&r);
    causal_history_free(&h);
    return rc == 0 ? ms : -1;
}

/* Rounds of measurements: each round times every size once (read + parse,
** then each analysis), and each figure keeps its best round. Interleaving
** the sizes exposes them to the same load on a shared machine, so their
** ratio stays meaningful; the best of rounds drops preemption, which only
** ever adds. */
enum { BENCH_REPEAT = 5, BENCH_FIGURES = 5 };   /* parse, all, cc, cm, ccv */

typedef struct bench_size {
    uint32_t n_ops;
    FILE *f;                         /* the generated history */
    double best[BENCH_FIGURES];      /* ms; < 0 until measured */
    bool valid;
} bench_size;

/* One round for one size. Returns 0, or -1 on failure. */
static int bench_round(bench_size *b)
{
    static const unsigned criteria[BENCH_FIGURES] = {0, CAUSAL_ALL, CAUSAL_CC, CAUSAL_CM,
                                                     CAUSAL_CCV};
    char err[256];
    size_t len = 0;
    double t0 = host_seconds();
    char *text = slurp(b->f, &len);
    hist *hh = text ? hist_read(text, len, "bench-causal", HIST_FMT_JSON, err, sizeof err)
                    : NULL;
    double ms[BENCH_FIGURES] = {(host_seconds() - t0) * 1e3};
    free(text);
    if (hh == NULL)
        return -1;
    b->valid = true;
    for (int i = 1; i < BENCH_FIGURES; i++) {
        bool valid = false;
        ms[i] = time_check_once(hh, criteria[i], &valid);
        b->valid = b->valid && valid;
        if (ms[i] < 0) {
            hist_free(hh);
            return -1;
        }
    }
    hist_free(hh);
    for (int i = 0; i < BENCH_FIGURES; i++)
        if (b->best[i] < 0 || ms[i] < b->best[i])
            b->best[i] = ms[i];
    return 0;
}

static json_t *bench_size_json(const bench_size *b)
{
    return json_pack("{s:I, s:f, s:f, s:[sss], s:f, s:f, s:f, s:b, s:I, s:I, s:I}",
                     "ops", (json_int_t)b->n_ops, "parse_ms", b->best[0],
                     "check_ms", b->best[1], "criteria", "cc", "cm", "ccv",
                     "cc_ms", b->best[2], "cm_ms", b->best[3], "ccv_ms", b->best[4],
                     "valid", b->valid, "sessions", (json_int_t)BENCH_SESSIONS,
                     "keys", (json_int_t)BENCH_KEYS, "rounds", (json_int_t)BENCH_REPEAT);
}

json_t *causal_bench_json(uint64_t seed, const uint32_t *sizes, size_t n_sizes)
{
    bench_size *b = calloc(n_sizes + 1, sizeof *b);
    int rc = b ? 0 : -1;
    for (size_t i = 0; i < n_sizes && rc == 0; i++) {
        b[i].n_ops = sizes[i];
        for (int k = 0; k < BENCH_FIGURES; k++)
            b[i].best[k] = -1;
        b[i].f = tmpfile();
        if (b[i].f == NULL || causal_bench_generate(b[i].f, seed + i, sizes[i]) != 0 ||
            fflush(b[i].f) != 0)
            rc = -1;
    }
    for (int round = 0; round < BENCH_REPEAT && rc == 0; round++)
        for (size_t i = 0; i < n_sizes && rc == 0; i++)
            rc = bench_round(&b[i]);
    json_t *list = rc == 0 ? json_array() : NULL;
    for (size_t i = 0; i < n_sizes && list != NULL; i++)
        json_array_append_new(list, bench_size_json(&b[i]));
    for (size_t i = 0; b != NULL && i < n_sizes; i++)
        if (b[i].f != NULL)
            fclose(b[i].f);
    free(b);
    return list;
}

json_t *causal_bench_default(void)
{
    static const uint32_t sizes[] = {1000, 10000, 100000};
    return causal_bench_json(0xd5e1c0de, sizes, sizeof sizes / sizeof sizes[0]);
}

void causal_bench_print(const json_t *list, FILE *out)
{
    if (list == NULL) {
        fprintf(out, "causal checker: the benchmark failed (out of memory or temp file)\n");
        return;
    }
    fprintf(out, "causal checker, generated histories (8 sessions, 100 keys, best of %d "
            "interleaved rounds)\n", BENCH_REPEAT);
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e) {
        double parse = json_real_value(json_object_get(e, "parse_ms"));
        double check = json_real_value(json_object_get(e, "check_ms"));
        fprintf(out, "  %7lld ops  read+parse %8.2f ms  cc+cm+ccv %8.2f ms (%.2fx)  "
                "cc %7.2f  cm %7.2f  ccv %7.2f ms%s\n",
                (long long)json_integer_value(json_object_get(e, "ops")), parse, check,
                parse > 0 ? check / parse : 0.0,
                json_real_value(json_object_get(e, "cc_ms")),
                json_real_value(json_object_get(e, "cm_ms")),
                json_real_value(json_object_get(e, "ccv_ms")),
                json_is_true(json_object_get(e, "valid")) ? "" : "  WRONG VERDICT");
    }
}

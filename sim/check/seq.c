/*
** seq.c — 'check_sequential': sequential consistency of a differentiated
** read/write register history (one total order of all operations that
** respects each session's program order and in which every read returns
** the last write of its key, or nil when there is none).
**
** Input semantics are the causal checker's (causal_hist.c): ok operations
** count, fail ones are dropped, an info write happened iff it was read
** (an unread one can always be placed last, so dropping it is exact).
**
** Deciding it is NP-complete, so:
** 1. First the causal patterns (causal.h): sequential consistency implies
**    CC, CM and CCv, so any pattern is a violation, with its witness.
** 2. Then a depth-first search over schedules. A state is the next
**    operation of each session plus the current write of each key. Reads
**    never branch: a read whose value is current is taken at once (values
**    are unique, so once current it stays current until the next write of
**    its key, and taking it earlier delays nothing), and a state where a
**    session's next read can never become current again is dead. Only
**    writes branch, earliest invoked first, and a write may not overwrite
**    a value that some read still to come returns. Dead states are
**    memoised by two independent 64-bit Zobrist hashes of the state, kept
**    incrementally; a collision (odds about states^2 / 2^128) could only
**    prune a live branch, that is turn an ok into a violation, never give
**    a false ok.
**    A violation reports the longest prefix found and, at its end, the next
**    operation of each session: after that prefix none of them can come
**    next.
** 3. The search is bounded by 'budget' (states, host seconds): at the bound
**    the verdict is "unknown", never ok. Without any bound it stops after
**    SEQ_STATES_DEFAULT states, so a hard history cannot run forever. The
**    stack is explicit (no recursion): a schedule is as deep as the history
**    is long.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "causal.h"
#include "check.h"
#include "check_assert.h"
#include "hosttime.h"

enum { SEQ_STATES_DEFAULT = 10000000 };

typedef struct seq_trail { uint32_t session; uint32_t key; int32_t old; } seq_trail;
typedef struct seq_frame { uint32_t mark; uint32_t next; } seq_frame;

typedef struct seq {
    const causal_history *h;
    uint32_t *head;          /* per session: operations taken */
    int32_t *cur;            /* per key: current write, -1 for nil */
    uint32_t *readers_left;  /* per write: reads of it not taken yet */
    uint32_t *nil_left;      /* per key: reads of nil not taken yet */
    uint32_t taken;
    uint64_t h1, h2;         /* Zobrist hashes of (head, cur) */
    seq_trail *trail;        /* undo log: one entry per operation taken */
    uint32_t n_trail;
    seq_frame *frames;
    uint32_t n_frames;
    uint64_t *memo;          /* pairs (h1, h2); (0, 0) is empty */
    size_t memo_cap, memo_count;
    uint64_t states;
    uint32_t best_taken;     /* the longest prefix reached, for the report */
    uint32_t *best_head;     /* and each session's next operation there */
} seq;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t z(uint64_t salt, uint64_t a, uint64_t b)
{
    return mix64(salt ^ mix64(a * 0x9e3779b97f4a7c15ULL + b + 1));
}

static void hash_head(seq *q, uint32_t s, uint32_t v)
{
    q->h1 ^= z(0x1111, s, v);
    q->h2 ^= z(0x2222, s, v);
}

static void hash_cur(seq *q, uint32_t key, int32_t w)
{
    q->h1 ^= z(0x3333, key, (uint32_t)w);
    q->h2 ^= z(0x4444, key, (uint32_t)w);
}

/* Takes the next operation of session 's' (logging it for undo). */
static void take(seq *q, uint32_t s)
{
    CHECK_ASSERT(q->head[s] < causal_session_len(q->h, s));
    CHECK_ASSERT(q->n_trail == q->taken);
    CHECK_ASSERT(q->taken < q->h->n_ops);
    const causal_op *op = &q->h->ops[causal_id(q->h, s, q->head[s])];
    seq_trail t = {s, UINT32_MAX, 0};
    if (op->is_write) {
        t.key = op->key;
        t.old = q->cur[op->key];
        hash_cur(q, op->key, t.old);
        q->cur[op->key] = (int32_t)causal_id(q->h, s, q->head[s]);
        hash_cur(q, op->key, q->cur[op->key]);
    }
    else if (op->writer >= 0)
        q->readers_left[op->writer]--;
    else
        q->nil_left[op->key]--;
    hash_head(q, s, q->head[s]);
    q->head[s]++;
    hash_head(q, s, q->head[s]);
    q->taken++;
    q->trail[q->n_trail++] = t;
}

static void undo_to(seq *q, uint32_t mark)
{
    CHECK_ASSERT(mark <= q->n_trail);
    CHECK_ASSERT(q->n_trail == q->taken);
    while (q->n_trail > mark) {
        seq_trail t = q->trail[--q->n_trail];
        hash_head(q, t.session, q->head[t.session]);
        q->head[t.session]--;
        hash_head(q, t.session, q->head[t.session]);
        const causal_op *op = &q->h->ops[causal_id(q->h, t.session, q->head[t.session])];
        if (!op->is_write && op->writer >= 0)
            q->readers_left[op->writer]++;
        else if (!op->is_write)
            q->nil_left[op->key]++;
        if (t.key != UINT32_MAX) {
            hash_cur(q, t.key, q->cur[t.key]);
            q->cur[t.key] = t.old;
            hash_cur(q, t.key, t.old);
        }
        q->taken--;
    }
}

static int32_t head_op(const seq *q, uint32_t s)
{
    uint32_t len = q->h->session_start[s + 1] - q->h->session_start[s];
    return q->head[s] < len ? (int32_t)causal_id(q->h, s, q->head[s]) : -1;
}

static bool op_done(const seq *q, int32_t id)
{
    const causal_op *op = &q->h->ops[id];
    return op->pos < q->head[op->session];
}

/* Takes every read that is current; returns false when some session's
** next read can never be current again (the state is dead). */
static bool settle(seq *q)
{
    for (uint32_t s = 0; s < q->h->n_sessions; s++)
        for (int32_t id; (id = head_op(q, s)) >= 0 && !q->h->ops[id].is_write;) {
            const causal_op *op = &q->h->ops[id];
            int32_t c = q->cur[op->key];
            if (c == op->writer) {
                CHECK_ASSERT(op->writer < 0 || q->readers_left[op->writer] > 0);
                take(q, s);
                continue;
            }
            if (op->writer < 0 || op_done(q, op->writer))
                return false;   /* overwritten for good, or nil after a write */
            break;              /* waits for its writer */
        }
    return true;
}

/* The memo is an open-addressing set of (h1, h2 | 1) pairs; (0, 0) marks
** an empty slot (h2 | 1 is never 0). */
static size_t memo_slot(const uint64_t *memo, size_t cap, uint64_t h1, uint64_t h2)
{
    size_t j = (size_t)(h1 ^ (h2 >> 7)) & (cap - 1);
    while ((memo[2 * j] | memo[2 * j + 1]) &&
           !(memo[2 * j] == h1 && memo[2 * j + 1] == h2))
        j = (j + 1) & (cap - 1);
    return j;
}

static bool memo_has(const seq *q)
{
    if (q->memo_cap == 0)
        return false;
    size_t j = memo_slot(q->memo, q->memo_cap, q->h1, q->h2 | 1);
    return q->memo[2 * j + 1] != 0;
}

static int memo_add(seq *q)
{
    if (2 * (q->memo_count + 1) > q->memo_cap) {
        size_t cap = q->memo_cap ? q->memo_cap * 2 : 1024;
        uint64_t *m = calloc(2 * cap, sizeof *m);
        if (m == NULL)
            return -1;
        for (size_t i = 0; i < q->memo_cap; i++)
            if (q->memo[2 * i + 1] != 0) {
                size_t j = memo_slot(m, cap, q->memo[2 * i], q->memo[2 * i + 1]);
                m[2 * j] = q->memo[2 * i];
                m[2 * j + 1] = q->memo[2 * i + 1];
            }
        free(q->memo);
        q->memo = m;
        q->memo_cap = cap;
    }
    size_t j = memo_slot(q->memo, q->memo_cap, q->h1, q->h2 | 1);
    if (q->memo[2 * j + 1] == 0)
        q->memo_count++;
    q->memo[2 * j] = q->h1;
    q->memo[2 * j + 1] = q->h2 | 1;
    return 0;
}

/* The i-th (0-based) enabled write heading a session, in input order (the
** order the operations were invoked): trying the earliest first follows
** real time, which on recorded histories is usually close to a witness.
** A write is enabled unless it would overwrite a value that some read still
** to come returns (that read could never be placed). Returns the session,
** or -1 when there are at most i. O(sessions * i). */
static int32_t nth_write(const seq *q, uint32_t i)
{
    const causal_history *h = q->h;
    uint32_t prev_index = 0;
    int32_t found = -1;
    for (uint32_t rank = 0; rank <= i; rank++) {
        found = -1;
        uint32_t best = UINT32_MAX;
        for (uint32_t s = 0; s < h->n_sessions; s++) {
            int32_t id = head_op(q, s);
            if (id < 0 || !h->ops[id].is_write)
                continue;
            const causal_op *op = &h->ops[id];
            int32_t c = q->cur[op->key];
            if (c >= 0 ? q->readers_left[c] > 0 : q->nil_left[op->key] > 0)
                continue;
            if ((rank == 0 || op->index > prev_index) && op->index < best) {
                best = op->index;
                found = (int32_t)s;
            }
        }
        if (found < 0)
            return -1;
        prev_index = best;
    }
    return found;
}

/* Tries the enabled writes from the frame's next rank on; the first that
** leads to a live, unseen state is pushed. Returns 1 pushed, 0 none left. */
static int branch(seq *q, seq_frame *f)
{
    for (int32_t s; (s = nth_write(q, f->next)) >= 0;) {
        f->next++;
        uint32_t mark = q->n_trail;
        take(q, (uint32_t)s);
        q->states++;
        if (settle(q) && !memo_has(q)) {
            q->frames[q->n_frames++] = (seq_frame){mark, 0};
            return 1;
        }
        undo_to(q, mark);
    }
    return 0;
}

/* The search. Returns CHECK_OK, CHECK_VIOLATION or CHECK_UNKNOWN, or -1
** when out of memory. */
static int search(seq *q, const check_budget *given)
{
    check_budget fallback = {SEQ_STATES_DEFAULT, 0};
    const check_budget *b = given;
    if (b == NULL || (b->states_max == 0 && !(b->seconds_max > 0)))
        b = &fallback;
    double t0 = host_seconds();
    q->frames[q->n_frames++] = (seq_frame){0, 0};
    if (!settle(q))
        return CHECK_VIOLATION;
    while (q->n_frames > 0) {
        if (q->taken > q->best_taken || q->states == 0) {
            q->best_taken = q->taken;
            memcpy(q->best_head, q->head, q->h->n_sessions * sizeof *q->head);
        }
        if (q->taken == q->h->n_ops)
            return CHECK_OK;
        if (b->states_max && q->states >= b->states_max)
            return CHECK_UNKNOWN;
        if (b->seconds_max > 0 && (q->states & 1023) == 0 &&
            host_seconds() - t0 > b->seconds_max)
            return CHECK_UNKNOWN;
        seq_frame *f = &q->frames[q->n_frames - 1];
        if (branch(q, f))
            continue;
        if (memo_add(q) != 0)
            return -1;
        undo_to(q, f->mark);
        q->n_frames--;
    }
    return CHECK_VIOLATION;
}

static void seq_free(seq *q)
{
    free(q->head);
    free(q->best_head);
    free(q->cur);
    free(q->readers_left);
    free(q->nil_left);
    free(q->trail);
    free(q->frames);
    free(q->memo);
}

static check_verdict report_search(const causal_history *h, int v, const seq *q,
                                   json_t *report)
{
    const char *verdict = v == CHECK_OK ? "ok" : v == CHECK_UNKNOWN ? "unknown" : "violated";
    char text[512];
    snprintf(text, sizeof text, "sequential: %s (%llu states searched; the longest "
             "sequential prefix found takes %u of %u operations)\n", verdict,
             (unsigned long long)q->states, q->best_taken, h->n_ops);
    json_object_set_new(report, "valid", v == CHECK_OK ? json_true()
                                         : v == CHECK_UNKNOWN ? json_string("unknown")
                                                              : json_false());
    json_object_set_new(report, "states", json_integer((json_int_t)q->states));
    json_object_set_new(report, "longest_prefix", json_integer(q->best_taken));
    json_t *stuck = json_array();
    char *all = NULL;
    size_t all_len = 0;
    FILE *f = v == CHECK_VIOLATION ? open_memstream(&all, &all_len) : NULL;
    if (f != NULL)
        fprintf(f, "%s  after that prefix, no sequential order continues with any of "
                "the sessions' next operations:\n", text);
    for (uint32_t s = 0; v == CHECK_VIOLATION && s < h->n_sessions; s++) {
        if (q->best_head[s] >= causal_session_len(h, s))
            continue;
        uint32_t id = causal_id(h, s, q->best_head[s]);
        json_array_append_new(stuck, causal_op_json(h, id));
        char op[256];
        causal_op_text(h, id, op, sizeof op);
        if (f != NULL)
            fprintf(f, "    %s\n", op);
    }
    if (f != NULL)
        fclose(f);
    json_object_set_new(report, "next_at_longest_prefix", stuck);
    json_object_set_new(report, "text", json_string(all ? all : text));
    free(all);
    return (check_verdict)v;
}

/* Any causal pattern refutes sequential consistency: report the first. */
static bool report_pattern(const causal_history *h, const causal_result *r, json_t *report)
{
    for (int p = 0; p < CAUSAL_PATTERN_COUNT; p++) {
        if (!r->found[p])
            continue;
        char text[512];
        snprintf(text, sizeof text, "sequential: violated (not even causal: %s)\n",
                 causal_pattern_name((causal_pattern)p));
        json_object_set_new(report, "valid", json_false());
        json_object_set_new(report, "pattern", causal_witness_json(h, &r->w[p]));
        json_object_set_new(report, "text", json_string(text));
        return true;
    }
    return false;
}

static check_verdict seq_run(const causal_history *h, const check_budget *budget,
                             json_t *report, char *err, size_t err_cap)
{
    causal_result r;
    if (causal_analyse(h, CAUSAL_ALL, &r) != 0) {
        snprintf(err, err_cap, "out of memory");
        return CHECK_BAD_INPUT;
    }
    bool refuted = report_pattern(h, &r, report);
    causal_result_free(&r);
    if (refuted)
        return CHECK_VIOLATION;
    seq q = {0};
    q.h = h;
    q.head = calloc(h->n_sessions + 1, sizeof *q.head);
    q.best_head = calloc(h->n_sessions + 1, sizeof *q.best_head);
    q.cur = malloc((h->n_keys + 1) * sizeof *q.cur);
    q.trail = malloc((h->n_ops + 1) * sizeof *q.trail);
    q.frames = malloc((h->n_ops + 2) * sizeof *q.frames);
    q.readers_left = calloc(h->n_ops + 1, sizeof *q.readers_left);
    q.nil_left = calloc(h->n_keys + 1, sizeof *q.nil_left);
    int v = -1;
    if (q.head && q.best_head && q.cur && q.trail && q.frames && q.readers_left &&
        q.nil_left) {
        for (uint32_t id = 0; id < h->n_ops; id++)
            if (!h->ops[id].is_write && h->ops[id].writer >= 0)
                q.readers_left[h->ops[id].writer]++;
            else if (!h->ops[id].is_write)
                q.nil_left[h->ops[id].key]++;
        for (uint32_t k = 0; k < h->n_keys; k++) {
            q.cur[k] = -1;
            hash_cur(&q, k, -1);
        }
        v = search(&q, budget);
    }
    check_verdict out = CHECK_BAD_INPUT;
    if (v < 0)
        snprintf(err, err_cap, "out of memory");
    else
        out = report_search(h, v, &q, report);
    seq_free(&q);
    return out;
}

check_verdict check_sequential(const char *text, size_t len, const char *source,
                               const char *format, const check_budget *budget,
                               json_t *report, char *err, size_t err_cap)
{
    hist *hh;
    causal_history h;
    if (causal_load(text, len, source, format, &hh, &h, err, err_cap) != 0)
        return CHECK_BAD_INPUT;
    json_object_set_new(report, "model", json_string("sequential"));
    json_object_set_new(report, "source", json_string(hh->source));
    json_object_set_new(report, "ops", json_integer(h.n_ops));
    check_verdict v = seq_run(&h, budget, report, err, err_cap);
    causal_history_free(&h);
    hist_free(hh);
    return v;
}

/* For tests: the same on a history built in memory. */
check_verdict seq_check_history(const causal_history *h, const check_budget *budget,
                                json_t *report, char *err, size_t err_cap)
{
    return seq_run(h, budget, report, err, err_cap);
}

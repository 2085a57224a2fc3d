/*
** txn_bench.c — the txn part of 'dsim bench check': list-append histories
** of 10^4, 10^5 and 10^6 transactions (4 micro-operations each, 10
** processes), generated from a seed, written to a temporary file as dsim
** JSON lines, then read and parsed, then checked for strict
** serializability (every pass of the search runs: ww/wr/rw, process,
** real time), each timed on the host clock (hosttime.h).
**
** The generator is a store that runs each transaction atomically when it
** completes: every process has one transaction outstanding, a step picks a
** process at random and either invokes its next transaction or completes
** the outstanding one. Half the micro-operations read, half append; keys
** come from a pool of 100 live keys and each key retires after 16 appends
** (Jepsen's list-append rotates keys the same way, so reads stay short).
** The history is strict-serializable, so the checker does its whole work
** and must answer ok.
**
** Figures: wall and CPU time (CPU: less disturbed by a loaded machine);
** best of BENCH_ROUNDS rounds for the two smaller sizes (rounds
** interleave the sizes so they share the machine's load), one round for
** 10^6; the peak RSS after each size (sizes run in increasing order, so
** it is that size's peak); the check's CPU time per transaction relative
** to 10^4's (near 1 when the cost grows linearly).
*/
#include <stdlib.h>
#include <string.h>

#include "hosttime.h"
#include "txn.h"

enum { BENCH_PROCESSES = 10, BENCH_LIVE_KEYS = 100, BENCH_KEY_APPENDS = 16, BENCH_MOPS = 4,
       BENCH_ROUNDS = 3 };

static uint64_t bench_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

enum { KEY_CAP = BENCH_KEY_APPENDS + 64 };   /* outstanding appends may land late */

typedef struct bkey { uint32_t n; uint32_t v[KEY_CAP]; } bkey;

typedef struct bmop { bool read; uint32_t key, val; } bmop;

/* Keys by id (a retired key keeps its list for transactions still
** outstanding on it); 'live' holds the ids new transactions draw from. */
typedef struct bstore {
    bkey *keys;
    size_t keys_count, keys_cap;
    uint32_t live[BENCH_LIVE_KEYS];
    uint32_t next_val;
} bstore;

static int new_key(bstore *st, uint32_t *id)
{
    if (st->keys_count == st->keys_cap) {
        size_t cap = st->keys_cap ? st->keys_cap * 2 : 1024;
        bkey *k = realloc(st->keys, cap * sizeof *k);
        if (k == NULL)
            return -1;
        st->keys = k;
        st->keys_cap = cap;
    }
    st->keys[st->keys_count].n = 0;
    *id = (uint32_t)st->keys_count++;
    return 0;
}

static void put_mops(FILE *f, const bstore *st, const bmop *m, bool done)
{
    fputc('[', f);
    for (int j = 0; j < BENCH_MOPS; j++) {
        if (j)
            fputc(',', f);
        if (!m[j].read) {
            fprintf(f, "[\"append\",%u,%u]", m[j].key, m[j].val);
            continue;
        }
        if (!done) {
            fprintf(f, "[\"r\",%u,null]", m[j].key);
            continue;
        }
        const bkey *k = &st->keys[m[j].key];
        fprintf(f, "[\"r\",%u,[", m[j].key);
        for (uint32_t i = 0; i < m[j].val; i++)   /* 'val': the read's length */
            fprintf(f, i ? ",%u" : "%u", k->v[i]);
        fputs("]]", f);
    }
    fputc(']', f);
}

/* Runs 'm' atomically at its completion: reads see the key's list,
** appends extend it. Then live keys with enough appends retire. */
static int apply(bstore *st, bmop *m)
{
    for (int j = 0; j < BENCH_MOPS; j++) {
        bkey *k = &st->keys[m[j].key];
        if (m[j].read)
            m[j].val = k->n;
        else if (k->n < KEY_CAP)
            k->v[k->n++] = m[j].val;
    }
    for (int i = 0; i < BENCH_LIVE_KEYS; i++)
        if (st->keys[st->live[i]].n >= BENCH_KEY_APPENDS && new_key(st, &st->live[i]) != 0)
            return -1;
    return 0;
}

static void draw(bstore *st, bmop *m, uint64_t *seed)
{
    for (int j = 0; j < BENCH_MOPS; j++) {
        uint32_t slot = (uint32_t)(bench_next(seed) % BENCH_LIVE_KEYS);
        m[j] = (bmop){.read = bench_next(seed) & 1, .key = st->live[slot]};
        if (!m[j].read)
            m[j].val = ++st->next_val;
    }
}

int txn_bench_write(FILE *f, size_t count, int processes, uint64_t seed)
{
    bstore st = {0};
    bmop (*m)[BENCH_MOPS] = calloc((size_t)processes, sizeof *m);
    bool *busy = calloc((size_t)processes, sizeof *busy);
    int rc = m && busy ? 0 : -1;
    for (uint32_t i = 0; i < BENCH_LIVE_KEYS && rc == 0; i++)
        rc = new_key(&st, &st.live[i]);
    size_t invoked = 0, completed = 0;
    int64_t t = 0;
    while (completed < count && rc == 0) {
        int p = (int)(bench_next(&seed) % (uint64_t)processes);
        t += 1000;
        if (!busy[p] && invoked == count)
            continue;
        fprintf(f, "{\"process\":%d,\"type\":\"%s\",\"f\":\"txn\",\"value\":", p,
                busy[p] ? "ok" : "invoke");
        if (!busy[p]) {
            draw(&st, m[p], &seed);
            invoked++;
        } else {
            rc = apply(&st, m[p]);
            completed++;
        }
        put_mops(f, &st, m[p], busy[p]);
        busy[p] = !busy[p];
        fprintf(f, ",\"time\":%lld}\n", (long long)t);
    }
    free(st.keys);
    free(m);
    free(busy);
    return rc == 0 && !ferror(f) ? 0 : -1;
}

typedef struct bench_size {
    size_t txns;
    FILE *f;
    double parse_ms, check_ms;   /* best round; < 0 until measured */
    double check_cpu_ms;         /* CPU time of the best check round */
    double parse_cpu_ms;         /* CPU time of the best parse round */
    long rss_kb;
    bool valid;
} bench_size;

static char *slurp(FILE *f, size_t *len)
{
    if (fseek(f, 0, SEEK_END) != 0)
        return NULL;
    long size = ftell(f);
    char *buf = size >= 0 && fseek(f, 0, SEEK_SET) == 0 ? malloc((size_t)size + 1) : NULL;
    if (buf != NULL)
        *len = fread(buf, 1, (size_t)size, f);
    return buf;
}

static int bench_round(bench_size *b)
{
    char err[256];
    size_t len = 0;
    double t0 = host_seconds(), c0 = host_cpu_seconds();
    char *text = slurp(b->f, &len);
    hist *h = text ? hist_read(text, len, "bench-txn", HIST_FMT_JSON, err, sizeof err) : NULL;
    double t1 = host_seconds(), c1 = host_cpu_seconds();
    free(text);
    if (h == NULL)
        return -1;
    txn_result r;
    check_verdict v = txn_check_hist(h, TXN_WL_APPEND, "strict-serializable", NULL, NULL, &r,
                                     err, sizeof err);
    double t2 = host_seconds(), c2 = host_cpu_seconds();
    hist_free(h);
    if (v == CHECK_BAD_INPUT)
        return -1;
    b->valid = v == CHECK_OK;
    double pm = (t1 - t0) * 1e3, cm = (t2 - t1) * 1e3;
    if (b->parse_ms < 0 || pm < b->parse_ms) {
        b->parse_ms = pm;
        b->parse_cpu_ms = (c1 - c0) * 1e3;
    }
    if (b->check_ms < 0 || cm < b->check_ms) {
        b->check_ms = cm;
        b->check_cpu_ms = (c2 - c1) * 1e3;
    }
    b->rss_kb = host_peak_rss_kb();
    return 0;
}

json_t *txn_bench_default(void)
{
    static const size_t sizes[] = {10000, 100000, 1000000};
    enum { N = sizeof sizes / sizeof sizes[0] };
    bench_size b[N];
    int rc = 0;
    for (size_t i = 0; i < N; i++) {
        b[i] = (bench_size){.txns = sizes[i], .parse_ms = -1, .check_ms = -1};
        b[i].f = rc == 0 ? tmpfile() : NULL;
        if (b[i].f == NULL || txn_bench_write(b[i].f, sizes[i], BENCH_PROCESSES, 0x7a11 + i) != 0)
            rc = -1;
    }
    for (int round = 0; round < BENCH_ROUNDS && rc == 0; round++)
        for (size_t i = 0; i + 1 < N && rc == 0; i++)
            rc = bench_round(&b[i]);
    rc = rc ? rc : bench_round(&b[N - 1]);   /* 10^6: one round */
    json_t *list = rc == 0 ? json_array() : NULL;
    for (size_t i = 0; i < N && list != NULL; i++) {
        double per = b[i].check_cpu_ms / (double)b[i].txns;
        double per0 = b[0].check_cpu_ms / (double)b[0].txns;
        json_array_append_new(list, json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:b, s:i, s:i}",
                                              "txns", (json_int_t)b[i].txns, "parse_ms",
                                              b[i].parse_ms, "parse_cpu_ms", b[i].parse_cpu_ms,
                                              "check_ms", b[i].check_ms,
                                              "check_cpu_ms", b[i].check_cpu_ms,
                                              "check_per_txn_vs_1e4",
                                              per0 > 0 ? per / per0 : 0.0, "peak_rss_kb",
                                              (json_int_t)b[i].rss_kb, "valid", b[i].valid,
                                              "processes", BENCH_PROCESSES, "mops", BENCH_MOPS));
    }
    for (size_t i = 0; i < N; i++)
        if (b[i].f != NULL)
            fclose(b[i].f);
    return list;
}

void txn_bench_print(const json_t *list, FILE *out)
{
    if (list == NULL) {
        fprintf(out, "txn checker: the benchmark failed (out of memory or temp file)\n");
        return;
    }
    fprintf(out, "txn checker, generated list-append histories (%d processes, %d micro-ops per "
            "transaction), strict-serializable (all passes)\n", BENCH_PROCESSES, BENCH_MOPS);
    size_t i;
    const json_t *e;
    json_array_foreach(list, i, e)
        fprintf(out, "  %8lld txns  read+parse %8.1f ms (CPU %8.1f)  check %8.1f ms (CPU %8.1f)  "
                "CPU per txn %.2fx of 10^4's  peak RSS %5.0f MiB%s\n",
                (long long)json_integer_value(json_object_get(e, "txns")),
                json_real_value(json_object_get(e, "parse_ms")),
                json_real_value(json_object_get(e, "parse_cpu_ms")),
                json_real_value(json_object_get(e, "check_ms")),
                json_real_value(json_object_get(e, "check_cpu_ms")),
                json_real_value(json_object_get(e, "check_per_txn_vs_1e4")),
                (double)json_integer_value(json_object_get(e, "peak_rss_kb")) / 1024,
                json_is_true(json_object_get(e, "valid")) ? "" : "  WRONG VERDICT");
}

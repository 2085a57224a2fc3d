/*
** test_txn_oracle.c — the transactional isolation checker against a
** brute-force oracle, on thousands of small random histories.
**
** How: a random execution of 2 to 6 transactions (1 to 3 processes, 1 to
** 3 keys, 1 to 3 micro-operations each) is simulated: every transaction
** has an invocation, a completion and a commit point between them; the
** applied ones run in commit order against a store. Anomalies are planted
** at random: a transaction reads a stale snapshot of a key (read skew,
** write skew, lost updates), its commit point falls outside its interval
** (a real-time violation only), a failed transaction is applied anyway
** (aborted read), a read result is corrupted (garbage, missing or
** duplicated element). Some transactions end as info (applied or not, at
** random; the process retires) or fail. The history is written as dsim
** JSON lines and checked by the checker under test. The oracle tries every
** serial order of the ok transactions, with each info one in or out,
** replaying the micro-operations on a store (for strict serializability,
** only orders that respect real time).
**
** List-append: the checker's serializable and strict-serializable verdicts
** must equal the oracle's on every history (the inference is exact).
** Rw-register: the checker must never report a violation the oracle does
** not confirm (the inference is sound, not complete). Seeds are fixed;
** both verdicts must be common, so the test cannot pass vacuously.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "txn.h"

enum { TXNS_MAX = 6, MOPS_MAX = 3, KEYS_MAX = 3, LIST_MAX = 24, HISTORIES = 3000 };

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int pick(uint64_t *s, int n) { return (int)(next_rand(s) % (uint64_t)n); }

typedef struct list { int n; int v[LIST_MAX]; } list;

typedef struct gmop {
    int kind;      /* 0 read, 1 append / write */
    int key, val;
    list r;        /* read result (rw: n = 0 nil, else v[0]) */
} gmop;

typedef struct gtxn {
    int process, status;   /* 0 ok, 1 fail, 2 info */
    bool applied;
    int start, end, commit;
    int invoke_pos, complete_pos;   /* event positions; complete -1 if none */
    int nm;
    gmop m[MOPS_MAX];
} gtxn;

typedef struct gen {
    bool rw;
    int n, keys;
    gtxn t[TXNS_MAX];
} gen;

/* --- the simulated execution ----------------------------------------------- */

static void gen_shape(gen *g, uint64_t *s)
{
    int procs = 1 + pick(s, 3), clock[3] = {0, 0, 0}, id[3] = {0, 1, 2}, value = 0;
    g->n = 2 + pick(s, TXNS_MAX - 1);
    g->keys = 1 + pick(s, KEYS_MAX);
    for (int i = 0; i < g->n; i++) {
        gtxn *t = &g->t[i];
        int p = pick(s, procs), r = pick(s, 10);
        *t = (gtxn){.process = id[p], .status = r == 0 ? 1 : r == 1 ? 2 : 0};
        t->start = clock[p] + pick(s, 4);
        t->end = t->start + 1 + pick(s, 6);
        clock[p] = t->end + 1;
        if (t->status == 2)
            id[p] = 10 + i;   /* info: the process retires */
        t->applied = t->status == 0 || (t->status == 2 && pick(s, 2)) ||
                     (t->status == 1 && pick(s, 15) == 0);
        t->commit = pick(s, 8) ? t->start + pick(s, t->end - t->start + 1) : pick(s, 40);
        t->nm = 1 + pick(s, MOPS_MAX);
        for (int j = 0; j < t->nm; j++)
            t->m[j] = (gmop){.kind = pick(s, 2), .key = pick(s, g->keys), .val = ++value};
    }
}

/* Runs the applied transactions in commit order; each sees, per key, the
** store or (sometimes) a stale prefix of it, plus its own writes. */
static void gen_run(gen *g, uint64_t *s)
{
    list store[KEYS_MAX] = {{0}};
    int order[TXNS_MAX];
    for (int i = 0; i < g->n; i++)
        order[i] = i;
    for (int i = 1; i < g->n; i++)   /* insertion sort by commit point */
        for (int j = i; j > 0 && g->t[order[j]].commit < g->t[order[j - 1]].commit; j--) {
            int x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    for (int i = 0; i < g->n; i++) {
        gtxn *t = &g->t[order[i]];
        if (!t->applied)
            continue;
        list view[KEYS_MAX];
        for (int k = 0; k < g->keys; k++) {
            view[k] = store[k];
            if (store[k].n > 0 && pick(s, 3) == 0)
                view[k].n = pick(s, store[k].n);   /* strictly older */
        }
        for (int j = 0; j < t->nm; j++) {
            gmop *m = &t->m[j];
            list *v = &view[m->key], *st = &store[m->key];
            if (m->kind == 0) {
                m->r = *v;
                if (g->rw)
                    m->r = (list){.n = v->n > 0, .v = {v->n > 0 ? v->v[v->n - 1] : 0}};
                continue;
            }
            if (v->n < LIST_MAX)
                v->v[v->n++] = m->val;
            if (st->n < LIST_MAX)
                st->v[st->n++] = m->val;
        }
    }
}

/* Sometimes corrupts one read of an ok transaction. */
static void gen_corrupt(gen *g, uint64_t *s)
{
    if (pick(s, 25) != 0)
        return;
    gtxn *t = &g->t[pick(s, g->n)];
    gmop *m = &t->m[pick(s, t->nm)];
    if (t->status != 0 || m->kind != 0)
        return;
    int how = pick(s, 3);
    if (g->rw && how == 0)
        m->r = (list){.n = 1, .v = {999}};
    else if (how == 0 && m->r.n < LIST_MAX)
        m->r.v[m->r.n++] = 999;                       /* garbage */
    else if (how == 1 && m->r.n > 0)
        m->r.v[pick(s, m->r.n)] = m->r.v[m->r.n - 1];   /* duplicate or changed */
    else if (m->r.n > 0)
        m->r.n--;                                       /* a shorter read */
}

/* --- the history text ------------------------------------------------------- */

static int put(char *buf, int cap, int n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + n, n < cap ? (size_t)(cap - n) : 0, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && n + k < cap);
    return n + k;
}

static int put_value(const gen *g, const gmop *m, bool result, char *buf, int cap, int n)
{
    const char *f = m->kind == 0 ? "r" : g->rw ? "w" : "append";
    n = put(buf, cap, n, "[\"%s\",%d,", f, m->key);
    if (m->kind == 1)
        return put(buf, cap, n, "%d]", m->val);
    if (!result)
        return put(buf, cap, n, "null]");
    if (g->rw)
        return m->r.n ? put(buf, cap, n, "%d]", m->r.v[0]) : put(buf, cap, n, "null]");
    n = put(buf, cap, n, "[");
    for (int i = 0; i < m->r.n; i++)
        n = put(buf, cap, n, "%s%d", i ? "," : "", m->r.v[i]);
    return put(buf, cap, n, "]]");
}

/* Events in time order (invocations first at equal times, then by index);
** records each transaction's positions. */
static int gen_text(gen *g, char *buf, int cap)
{
    int ev[2 * TXNS_MAX], ne = 0, n = 0;
    for (int i = 0; i < g->n; i++) {
        ev[ne++] = 2 * i;
        ev[ne++] = 2 * i + 1;
    }
    for (int i = 1; i < ne; i++)
        for (int j = i; j > 0; j--) {
            int a = ev[j - 1], b = ev[j];
            int ta = (a & 1) ? g->t[a / 2].end : g->t[a / 2].start;
            int tb = (b & 1) ? g->t[b / 2].end : g->t[b / 2].start;
            if (ta < tb || (ta == tb && ((a & 1) < (b & 1) || ((a & 1) == (b & 1) && a < b))))
                break;
            ev[j - 1] = b;
            ev[j] = a;
        }
    static const char *const type[] = {"ok", "fail", "info"};
    for (int e = 0; e < ne; e++) {
        gtxn *t = &g->t[ev[e] / 2];
        bool done = ev[e] & 1;
        if (done)
            t->complete_pos = t->status == 2 ? -1 : e;
        else
            t->invoke_pos = e;
        n = put(buf, cap, n, "{\"process\":%d,\"type\":\"%s\",\"f\":\"txn\",\"value\":[",
                t->process, done ? type[t->status] : "invoke");
        for (int j = 0; j < t->nm; j++) {
            n = j ? put(buf, cap, n, ",") : n;
            n = put_value(g, &t->m[j], done && t->status == 0, buf, cap, n);
        }
        n = put(buf, cap, n, "]}\n");
    }
    return n;
}

/* --- the oracle --------------------------------------------------------------- */

typedef struct oracle {
    const gen *g;
    bool strict;
    list store[KEYS_MAX];
} oracle;

static bool list_eq(const list *a, const list *b)
{
    return a->n == b->n && memcmp(a->v, b->v, (size_t)a->n * sizeof a->v[0]) == 0;
}

/* Applies t (checking its reads when ok); false when a read disagrees. */
static bool replay(oracle *o, const gtxn *t)
{
    for (int j = 0; j < t->nm; j++) {
        const gmop *m = &t->m[j];
        list *st = &o->store[m->key];
        if (m->kind == 1) {
            if (o->g->rw)
                st->n = 1, st->v[0] = m->val;
            else
                st->v[st->n++] = m->val;
            continue;
        }
        if (t->status == 0 && !list_eq(&m->r, st))
            return false;
    }
    return true;
}

static bool search(oracle *o, unsigned placed)
{
    const gen *g = o->g;
    bool all_ok = true;
    for (int i = 0; i < g->n; i++)
        all_ok = all_ok && (g->t[i].status != 0 || (placed >> i & 1));
    if (all_ok)
        return true;
    for (int i = 0; i < g->n; i++) {
        const gtxn *t = &g->t[i];
        if ((placed >> i & 1) || t->status == 1)
            continue;
        bool ready = true;
        for (int u = 0; u < g->n && o->strict; u++)
            ready = ready && !(g->t[u].status == 0 && !(placed >> u & 1) &&
                               g->t[u].complete_pos < t->invoke_pos);
        if (!ready)
            continue;
        list saved[KEYS_MAX];
        memcpy(saved, o->store, sizeof saved);
        bool ok = replay(o, t) && search(o, placed | 1u << i);
        memcpy(o->store, saved, sizeof saved);
        if (ok)
            return true;
    }
    return false;
}

static bool oracle_holds(const gen *g, bool strict)
{
    oracle o = {.g = g, .strict = strict};
    return search(&o, 0);
}

/* --- the comparison ------------------------------------------------------------ */

/* Every edge of every reported cycle has its reason in words. */
static void check_explanations(const json_t *report, const char *text)
{
    const char *name;
    const json_t *list;
    json_object_foreach((json_t *)json_object_get(report, "anomalies"), name, list) {
        size_t i, j;
        const json_t *ex, *st;
        json_array_foreach(list, i, ex) {
            json_array_foreach(json_object_get(ex, "steps"), j, st) {
                const char *why = json_string_value(json_object_get(st, "why"));
                if (why == NULL || strlen(why) < 40 || strstr(why, " < T") == NULL ||
                    why[strlen(why) - 1] != ')')
                    fail_msg("%s: edge without a reason: %s\n%s", name, why ? why : "?", text);
            }
            if (json_object_get(ex, "steps") == NULL && json_object_get(ex, "why") == NULL)
                fail_msg("%s: no explanation\n%s", name, text);
        }
    }
}

typedef struct tally { int ser_ok, ser_bad, strict_ok, strict_bad, missed; } tally;

static void check_one(uint64_t seed, bool rw, tally *tl)
{
    uint64_t s = seed;
    gen g = {.rw = rw};
    gen_shape(&g, &s);
    gen_run(&g, &s);
    gen_corrupt(&g, &s);
    char text[16384], err[512];
    int len = gen_text(&g, text, sizeof text);
    hist *h = hist_read(text, (size_t)len, "random", HIST_FMT_JSON, err, sizeof err);
    if (h == NULL)
        fail_msg("seed %llu: %s", (unsigned long long)seed, err);
    txn_result res;
    json_t *report = seed % 4 == 0 ? json_object() : NULL;   /* explanations too, often */
    check_verdict v = txn_check_hist(h, rw ? TXN_WL_RW : TXN_WL_APPEND,
                                     "serializable,strict-serializable", NULL, report, &res, err,
                                     sizeof err);
    hist_free(h);
    check_explanations(report, text);
    json_decref(report);
    if (v == CHECK_BAD_INPUT)
        fail_msg("seed %llu: %s\n%s", (unsigned long long)seed, err, text);
    assert_int_equal(res.unknown, 0);
    bool ser = !(res.found & txn_model_find("serializable")->forbidden);
    bool strict = !(res.found & txn_model_find("strict-serializable")->forbidden);
    bool ser_o = oracle_holds(&g, false), strict_o = oracle_holds(&g, true);
    bool wrong = rw ? (!ser && ser_o) || (!strict && strict_o)
                    : ser != ser_o || strict != strict_o;
    if (wrong)
        fail_msg("seed %llu (%s): checker serializable=%d strict=%d, oracle %d %d (found %#x)\n%s",
                 (unsigned long long)seed, rw ? "rw" : "append", ser, strict, ser_o, strict_o,
                 res.found, text);
    tl->ser_ok += ser_o;
    tl->ser_bad += !ser_o;
    tl->strict_ok += strict_o;
    tl->strict_bad += !strict_o;
    tl->missed += ser != ser_o || strict != strict_o;
}

static void test_txn_list_append_agrees_with_every_serial_order(void **state)
{
    (void)state;
    tally tl = {0};
    for (uint64_t i = 0; i < HISTORIES; i++)
        check_one(1000 + i, false, &tl);
    print_message("list-append: serializable %d ok / %d not; strict %d ok / %d not\n", tl.ser_ok,
                  tl.ser_bad, tl.strict_ok, tl.strict_bad);
    assert_true(tl.ser_ok > HISTORIES / 10 && tl.ser_bad > HISTORIES / 20);
    assert_true(tl.strict_ok > HISTORIES / 10 && tl.strict_bad > tl.ser_bad);
}

static void test_txn_rw_register_never_reports_a_violation_the_oracle_denies(void **state)
{
    (void)state;
    tally tl = {0};
    for (uint64_t i = 0; i < HISTORIES; i++)
        check_one(50000 + i, true, &tl);
    print_message("rw-register: serializable %d ok / %d not; strict %d ok / %d not; "
                  "checker undecided-as-ok on %d\n", tl.ser_ok, tl.ser_bad, tl.strict_ok,
                  tl.strict_bad, tl.missed);
    assert_true(tl.ser_ok > HISTORIES / 10 && tl.ser_bad > HISTORIES / 20);
    assert_true(tl.missed < tl.ser_bad + tl.strict_bad);   /* it finds most */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txn_list_append_agrees_with_every_serial_order),
        cmocka_unit_test(test_txn_rw_register_never_reports_a_violation_the_oracle_denies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

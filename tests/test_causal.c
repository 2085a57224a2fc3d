/*
** test_causal.c — the causal-consistency checker (sim/check/causal*.c).
**
** Covers: the example histories of figure 2 of Bouajjani, Enea, Guerraoui
** and Hamza (POPL 2017) with the paper's classification; one history per
** bad pattern; a cross-check of the bad-pattern checker against a brute
** force written from the definitions (test_causal_bf.c) on thousands of
** random tiny histories (up to 8 operations, 2 or 3 sessions, 1 or 2 keys),
** first quantifying over every causal order (up to 5 operations), then over
** (po U rf)+; the input semantics of 'check_causal' (fail dropped, info
** writes kept iff read, duplicate values refused) and its report.
**
** Histories are written in a small notation: sessions separated by '|',
** operations by spaces, each a letter w or r, a key letter, and a value
** (0 is the initial value): "wx1 rx2 | wx2 rx1".
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "causal.h"
#include "test_causal_bf.h"

static const char *const key_names[] = {"x", "y", "z"};

typedef struct tiny {
    bf_hist bf;
    causal_input_op in[BF_OPS_MAX];
} tiny;

static void tiny_fill_inputs(tiny *t);

/* Parses the notation above into both representations. */
static void tiny_parse(tiny *t, const char *text)
{
    memset(t, 0, sizeof *t);
    int session = 0, pos = 0;
    for (const char *p = text; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        if (*p == '|') {
            session++;
            pos = 0;
            p++;
            continue;
        }
        int i = t->bf.n++;
        assert_true(i < BF_OPS_MAX);
        assert_true(p[0] == 'w' || p[0] == 'r');
        char *end;
        long v = strtol(p + 2, &end, 10);
        t->bf.is_write[i] = p[0] == 'w';
        t->bf.key[i] = p[1] - 'x';
        assert_in_range(t->bf.key[i], 0, 2);
        t->bf.value[i] = (int)v;
        t->bf.session[i] = session;
        t->bf.pos[i] = pos++;
        p = end;
    }
    tiny_fill_inputs(t);
}

/* Every edge of a witness must hold in the history: po links two operations
** of one session in order, rf a write to a read of it, cf and hb two writes
** of one key with a read that justifies them; a cycle closes on itself. */
static void check_witness(const causal_history *h, const causal_witness *w)
{
    assert_true(w->n > 0);
    bool cycle = w->pattern == CAUSAL_CYCLIC_CO || w->pattern == CAUSAL_CYCLIC_HB ||
                 w->pattern == CAUSAL_CYCLIC_CF;
    for (uint32_t i = 0; i < w->n; i++) {
        assert_true(w->ops[i] < h->n_ops);
        if (w->edges[i] == CAUSAL_E_NONE)
            continue;
        assert_true(cycle || i + 1 < w->n);
        const causal_op *a = &h->ops[w->ops[i]], *b = &h->ops[w->ops[(i + 1) % w->n]];
        switch (w->edges[i]) {
        case CAUSAL_E_PO:
            assert_true(a->session == b->session && a->pos < b->pos);
            break;
        case CAUSAL_E_RF:
            assert_true(!b->is_write && b->writer == (int32_t)w->ops[i]);
            break;
        case CAUSAL_E_CF:
        case CAUSAL_E_HB:
            assert_true(a->is_write && b->is_write && a->key == b->key);
            if (w->vias[i] >= 0)
                assert_int_equal(h->ops[w->vias[i]].writer, (int32_t)w->ops[(i + 1) % w->n]);
            break;
        default:
            break;
        }
    }
}

/* Runs the bad-pattern checker on all three criteria. */
static bf_verdict run_checker(const tiny *t, causal_result *out)
{
    causal_history h;
    char err[256];
    assert_int_equal(causal_build(&h, t->in, (size_t)t->bf.n, 3, (const char **)key_names,
                                  NULL, "tiny", err, sizeof err), 0);
    causal_result r;
    assert_int_equal(causal_analyse(&h, CAUSAL_ALL, &r), 0);
    for (int p = 0; p < CAUSAL_PATTERN_COUNT; p++)
        if (r.found[p])
            check_witness(&h, &r.w[p]);
    bf_verdict v = {causal_holds(&r, CAUSAL_CC), causal_holds(&r, CAUSAL_CM),
                    causal_holds(&r, CAUSAL_CCV)};
    if (out != NULL)
        *out = r;
    else
        causal_result_free(&r);
    causal_history_free(&h);
    /* Again with so many (unused) keys that the (key, session) index is not
    ** built: the plain per-key searches must give the same verdicts. */
    assert_int_equal(causal_build(&h, t->in, (size_t)t->bf.n, 5000, NULL, NULL, "tiny", err,
                                  sizeof err), 0);
    assert_null(h.key_session_start);
    assert_int_equal(causal_analyse(&h, CAUSAL_ALL, &r), 0);
    assert_true(causal_holds(&r, CAUSAL_CC) == v.cc && causal_holds(&r, CAUSAL_CM) == v.cm &&
                causal_holds(&r, CAUSAL_CCV) == v.ccv);
    causal_result_free(&r);
    causal_history_free(&h);
    return v;
}

static void expect(const char *text, bool cc, bool cm, bool ccv)
{
    tiny t;
    tiny_parse(&t, text);
    bf_verdict v = run_checker(&t, NULL);
    bf_verdict b = bf_decide(&t.bf, false);
    if (v.cc != cc || v.cm != cm || v.ccv != ccv || b.cc != cc || b.cm != cm ||
        b.ccv != ccv)
        fail_msg("%s: expected cc=%d cm=%d ccv=%d, checker %d %d %d, brute force %d %d %d",
                 text, cc, cm, ccv, v.cc, v.cm, v.ccv, b.cc, b.cm, b.ccv);
}

static bool has_pattern(const char *text, causal_pattern p)
{
    tiny t;
    tiny_parse(&t, text);
    causal_result r;
    run_checker(&t, &r);
    bool found = r.found[p];
    causal_result_free(&r);
    return found;
}

/* --- the paper's figure 2 ------------------------------------------------ */

static void test_figure_2a_is_cm_but_not_ccv(void **state)
{
    (void)state;
    expect("wx1 rx2 | wx2 rx1", true, true, false);
    assert_true(has_pattern("wx1 rx2 | wx2 rx1", CAUSAL_CYCLIC_CF));
}

static void test_figure_2b_is_ccv_but_not_cm(void **state)
{
    (void)state;
    const char *h = "wz1 wx1 wy1 | wx2 rz0 ry1 rx2";
    expect(h, true, false, true);
    assert_true(has_pattern(h, CAUSAL_WRITE_HB_INIT_READ));
}

static void test_figure_2c_is_cc_but_neither_cm_nor_ccv(void **state)
{
    (void)state;
    const char *h = "wx1 | wx2 rx1 rx2";
    expect(h, true, false, false);
    assert_true(has_pattern(h, CAUSAL_CYCLIC_HB));
    assert_true(has_pattern(h, CAUSAL_CYCLIC_CF));
}

static void test_figure_2d_is_cm_and_ccv_but_not_sequential(void **state)
{
    (void)state;
    const char *h = "wx1 ry0 wy1 rx1 | wx2 ry0 wy2 rx2";
    expect(h, true, true, true);
    tiny t;
    tiny_parse(&t, h);
    assert_false(bf_sequential(&t.bf));
}

/* --- one history per pattern --------------------------------------------- */

static void test_each_pattern_is_found_on_its_smallest_example(void **state)
{
    (void)state;
    assert_true(has_pattern("rx1 wx1 | wx2 rx2", CAUSAL_CYCLIC_CO));
    assert_true(has_pattern("wx1 rx0", CAUSAL_WRITE_CO_INIT_READ));
    assert_true(has_pattern("wx1 rx2", CAUSAL_THIN_AIR_READ));
    assert_true(has_pattern("wx1 wy1 | ry1 wx2 | rx2 rx1", CAUSAL_WRITE_CO_READ));
    expect("rx1 wx1 | wx2 rx2", false, false, false);
    expect("wx1 wy1 | ry1 wx2 | rx2 rx1", false, false, false);
    expect("wx1 rx1 | wx2 rx2 rx1", true, true, true);
}

static void test_a_cyclic_co_witness_is_a_cycle_of_po_and_rf(void **state)
{
    (void)state;
    tiny t;
    tiny_parse(&t, "rx1 wy1 | ry1 wx1");
    causal_result r;
    run_checker(&t, &r);
    assert_true(r.found[CAUSAL_CYCLIC_CO]);
    causal_witness *w = &r.w[CAUSAL_CYCLIC_CO];
    assert_int_equal(w->n, 4);
    int rf = 0, po = 0;
    for (uint32_t i = 0; i < w->n; i++) {
        rf += w->edges[i] == CAUSAL_E_RF;
        po += w->edges[i] == CAUSAL_E_PO;
    }
    assert_int_equal(rf, 2);
    assert_int_equal(po, 2);
    causal_result_free(&r);
}

/* --- random cross-checks ------------------------------------------------- */

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int pick(uint64_t *s, int n)
{
    return (int)(next_rand(s) % (uint64_t)n);
}

/* The checker's inputs, in program order within each session. */
static void tiny_fill_inputs(tiny *t)
{
    int m = 0;
    for (int p = 0; p < BF_OPS_MAX; p++)
        for (int i = 0; i < t->bf.n; i++)
            if (t->bf.pos[i] == p)
                t->in[m++] = (causal_input_op){t->bf.session[i], t->bf.is_write[i], false,
                                               (uint32_t)t->bf.key[i],
                                               (uint32_t)t->bf.value[i], (uint32_t)i + 1,
                                               (uint32_t)i, NULL};
    assert_int_equal(m, t->bf.n);
}

/* A random differentiated history: op types and keys first, then each read
** returns the initial value, any write's value of its key (earlier or
** later), or rarely a value nobody wrote. */
static void random_tiny(tiny *t, uint64_t *s, int ops_max)
{
    memset(t, 0, sizeof *t);
    int n = ops_max / 2 + pick(s, ops_max - ops_max / 2 + 1);
    int sessions = 2 + (pick(s, 3) == 0), keys = 1 + (pick(s, 3) != 0);
    int count[3] = {0}, written[2] = {0};
    t->bf.n = n;
    for (int i = 0; i < n; i++) {
        t->bf.session[i] = pick(s, sessions);
        t->bf.pos[i] = count[t->bf.session[i]]++;
        t->bf.key[i] = pick(s, keys);
        t->bf.is_write[i] = pick(s, 100) < 45;
        if (t->bf.is_write[i])
            t->bf.value[i] = ++written[t->bf.key[i]];
    }
    for (int i = 0; i < n; i++) {
        if (t->bf.is_write[i])
            continue;
        int k = t->bf.key[i], roll = pick(s, 100);
        t->bf.value[i] = roll < 2 ? 9 : roll < 30 || !written[k] ? 0
                                                     : 1 + pick(s, written[k]);
    }
    tiny_fill_inputs(t);
}

/* A history of replicas that apply each other's writes in any order: each
** session reads its own replica, writes to it, and now and then applies one
** write of another session it has not applied yet (possibly out of causal
** order). Mostly causally consistent, with every kind of near miss. */
static void replica_tiny(tiny *t, uint64_t *s, int ops_max)
{
    memset(t, 0, sizeof *t);
    int n = 3 + pick(s, ops_max - 2), sessions = 2 + pick(s, 2), keys = 1 + pick(s, 2);
    int count[3] = {0}, written[2] = {0}, mem[3][2] = {{0}};
    bool applied[3][BF_OPS_MAX] = {{false}};
    for (int i = 0; i < n; i++) {
        int se = pick(s, sessions);
        for (int tries = pick(s, 3); tries > 0; tries--) {
            int w = pick(s, i + 1);
            if (w < i && t->bf.is_write[w] && t->bf.session[w] != se && !applied[se][w]) {
                applied[se][w] = true;
                mem[se][t->bf.key[w]] = t->bf.value[w];
            }
        }
        t->bf.session[i] = se;
        t->bf.pos[i] = count[se]++;
        t->bf.key[i] = pick(s, keys);
        t->bf.is_write[i] = pick(s, 100) < 50;
        if (t->bf.is_write[i]) {
            t->bf.value[i] = ++written[t->bf.key[i]];
            mem[se][t->bf.key[i]] = t->bf.value[i];
        } else {
            t->bf.value[i] = mem[se][t->bf.key[i]];
        }
        t->bf.n = i + 1;
    }
    tiny_fill_inputs(t);
}

/* Replicas that agree on one order of writes (the order they were made):
** each session sees a growing set of writes (its own, and others it
** learns, often with their session's earlier writes), and a read returns
** the latest write of its key that the session sees. That is causal
** convergence when what a session sees is causally closed; it often breaks
** causal memory, and sometimes causal consistency. */
static void arb_tiny(tiny *t, uint64_t *s, int ops_max)
{
    memset(t, 0, sizeof *t);
    int n = ops_max / 2 + pick(s, ops_max - ops_max / 2 + 1);
    int sessions = 2 + (pick(s, 3) == 0), keys = 1 + (pick(s, 4) != 0);
    int count[3] = {0}, written[2] = {0};
    bool sees[3][BF_OPS_MAX] = {{false}};
    for (int i = 0; i < n; i++) {
        int se = pick(s, sessions), w = pick(s, i + 1);
        if (w < i && t->bf.is_write[w] && pick(s, 2)) {
            bool closed = pick(s, 10) < 7;
            for (int v = 0; v <= w; v++)
                if (v == w || (closed && t->bf.session[v] == t->bf.session[w]))
                    sees[se][v] |= t->bf.is_write[v];
        }
        t->bf.session[i] = se;
        t->bf.pos[i] = count[se]++;
        t->bf.key[i] = pick(s, keys);
        t->bf.is_write[i] = pick(s, 100) < 50;
        if (t->bf.is_write[i]) {
            t->bf.value[i] = ++written[t->bf.key[i]];
            sees[se][i] = true;
        } else {
            t->bf.value[i] = 0;
            for (int v = 0; v < i; v++)
                if (sees[se][v] && t->bf.key[v] == t->bf.key[i])
                    t->bf.value[i] = t->bf.value[v];
        }
        t->bf.n = i + 1;
    }
    tiny_fill_inputs(t);
}

/* Neighbours of the histories that separate the criteria: start from one
** of them and apply one to three random edits (a read returns another
** value, two operations swap, an operation moves to another session, one is
** dropped). Keeps 1 or 2 keys and unique written values. */
static void mutant_tiny(tiny *t, uint64_t *s)
{
    static const char *const seeds[] = {
        "wx1 rx2 | wx2 rx1", "wx1 | wx2 rx1 rx2", "wx1 ry0 wy1 rx1 | wx2 ry0 wy2 rx2",
        "wy1 wx1 wy2 | wx2 ry0 ry2 rx2", "wx1 wy1 | ry1 wx2 | rx2 rx1",
        "wy1 wx1 | wx2 ry0 ry1 rx2",
    };
    tiny_parse(t, seeds[pick(s, (int)(sizeof seeds / sizeof seeds[0]))]);
    bf_hist *h = &t->bf;
    for (int edits = 1 + pick(s, 3); edits > 0; edits--) {
        int i = pick(s, h->n), j = pick(s, h->n), what = pick(s, 4);
        if (what == 0 && !h->is_write[i]) {
            int top = 0;
            for (int w = 0; w < h->n; w++)
                if (h->is_write[w] && h->key[w] == h->key[i] && h->value[w] > top)
                    top = h->value[w];
            h->value[i] = pick(s, top + 1);
        } else if (what == 1 && h->session[i] == h->session[j]) {
            int a = h->pos[i];
            h->pos[i] = h->pos[j];
            h->pos[j] = a;
        } else if (what == 2) {
            h->session[i] = pick(s, 3);
            h->pos[i] = 100 + pick(s, 100);
        } else if (what == 3 && h->n > 2) {
            h->n--;
            h->session[i] = h->session[h->n];
            h->pos[i] = h->pos[h->n];
            h->is_write[i] = h->is_write[h->n];
            h->key[i] = h->key[h->n];
            h->value[i] = h->value[h->n];
        }
    }
    /* Renumber positions densely (order by old position, then index). */
    int pos[BF_OPS_MAX];
    for (int i = 0; i < h->n; i++) {
        pos[i] = 0;
        for (int j = 0; j < h->n; j++)
            if (h->session[j] == h->session[i] &&
                (h->pos[j] < h->pos[i] || (h->pos[j] == h->pos[i] && j < i)))
                pos[i]++;
    }
    memcpy(h->pos, pos, sizeof pos);
    tiny_fill_inputs(t);
}

static void describe(const tiny *t, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int s = 0; s < 3; s++)
        for (int p = 0; p < BF_OPS_MAX; p++)
            for (int i = 0; i < t->bf.n; i++)
                if (t->bf.session[i] == s && t->bf.pos[i] == p)
                    len += (size_t)snprintf(buf + len, cap - len, "%s%c%c%d ",
                                            p == 0 && len ? "| " : "",
                                            t->bf.is_write[i] ? 'w' : 'r',
                                            'x' + t->bf.key[i], t->bf.value[i]);
}

typedef struct tally { int cc_not_cm, cm_not_ccv, ccv_not_cm, all, none; } tally;

static void cross_check(uint64_t seed, int histories, int ops_max, bool exhaustive,
                        tally *tl)
{
    uint64_t s = seed;
    for (int k = 0; k < histories; k++) {
        tiny t;
        if (k % 4 == 0)
            random_tiny(&t, &s, ops_max);
        else if (k % 4 == 1)
            replica_tiny(&t, &s, ops_max);
        else if (k % 4 == 2 || ops_max < 8)
            arb_tiny(&t, &s, ops_max);
        else
            mutant_tiny(&t, &s);
        bf_verdict v = run_checker(&t, NULL);
        bf_verdict b = bf_decide(&t.bf, exhaustive);
        if (v.cc != b.cc || v.cm != b.cm || v.ccv != b.ccv) {
            char text[256];
            describe(&t, text, sizeof text);
            fail_msg("history %d '%s': checker cc=%d cm=%d ccv=%d, definitions %d %d %d",
                     k, text, v.cc, v.cm, v.ccv, b.cc, b.cm, b.ccv);
        }
        if (exhaustive) {
            bf_verdict m = bf_decide(&t.bf, false);
            assert_true(m.cc == b.cc && m.cm == b.cm && m.ccv == b.ccv);
        }
        tl->cc_not_cm += b.cc && !b.cm;
        tl->cm_not_ccv += b.cm && !b.ccv;
        tl->ccv_not_cm += b.ccv && !b.cm;
        tl->all += b.cc && b.cm && b.ccv;
        tl->none += !b.cc;
    }
}

static void test_checker_agrees_with_every_causal_order_up_to_5_ops(void **state)
{
    (void)state;
    tally tl = {0};
    cross_check(0xc0ffee, 1500, 5, true, &tl);
    print_message("exhaustive co: %d cc-not-cm, %d cm-not-ccv, %d ccv-not-cm, "
                  "%d all, %d not cc\n", tl.cc_not_cm, tl.cm_not_ccv, tl.ccv_not_cm,
                  tl.all, tl.none);
    assert_true(tl.cc_not_cm > 0 && tl.cm_not_ccv > 0 && tl.none > 0);
}

static void test_checker_agrees_with_definitions_on_5000_tiny_histories(void **state)
{
    (void)state;
    tally tl = {0};
    cross_check(0x5eed, 5000, 8, false, &tl);
    print_message("tiny histories: %d cc-not-cm, %d cm-not-ccv, %d ccv-not-cm, "
                  "%d all, %d not cc\n", tl.cc_not_cm, tl.cm_not_ccv, tl.ccv_not_cm,
                  tl.all, tl.none);
    assert_true(tl.cc_not_cm > 20 && tl.cm_not_ccv > 20 && tl.ccv_not_cm > 0);
    assert_true(tl.all > 100 && tl.none > 100);
}

/* --- check_causal on text ------------------------------------------------ */

static check_verdict run_text(const char *text, const char *criterion, json_t **report,
                              char *err, size_t cap)
{
    *report = json_object();
    return check_causal(text, strlen(text), "t.jsonl", "json", criterion, *report, err,
                        cap);
}

#define OP(p, t, f, k, v) "{\"process\":" #p ",\"type\":\"" t "\",\"f\":\"" f \
                          "\",\"key\":\"" k "\",\"value\":" v "}\n"

static void test_figure_2a_as_json_reports_cyclic_cf_for_ccv_only(void **state)
{
    (void)state;
    const char *text =
        OP(0, "invoke", "write", "x", "1") OP(0, "ok", "write", "x", "1")
        OP(1, "invoke", "write", "x", "2") OP(1, "ok", "write", "x", "2")
        OP(0, "invoke", "read", "x", "null") OP(0, "ok", "read", "x", "2")
        OP(1, "invoke", "read", "x", "null") OP(1, "ok", "read", "x", "1");
    json_t *rep;
    char err[256];
    assert_int_equal(run_text(text, "all", &rep, err, sizeof err), CHECK_VIOLATION);
    json_t *crit = json_object_get(rep, "criteria");
    assert_true(json_is_true(json_object_get(json_object_get(crit, "cc"), "valid")));
    assert_true(json_is_true(json_object_get(json_object_get(crit, "cm"), "valid")));
    json_t *ccv = json_object_get(crit, "ccv");
    assert_true(json_is_false(json_object_get(ccv, "valid")));
    json_t *pat = json_array_get(json_object_get(ccv, "patterns"), 0);
    assert_string_equal(json_string_value(json_object_get(pat, "pattern")), "CyclicCF");
    assert_true(json_array_size(json_object_get(pat, "ops")) >= 2);
    assert_non_null(strstr(json_string_value(json_object_get(rep, "text")), "CyclicCF"));
    json_decref(rep);
    assert_int_equal(run_text(text, "cm", &rep, err, sizeof err), CHECK_OK);
    json_decref(rep);
}

static void test_duplicate_written_value_is_refused_naming_key_and_value(void **state)
{
    (void)state;
    const char *text =
        OP(0, "invoke", "write", "k7", "5") OP(0, "ok", "write", "k7", "5")
        OP(1, "invoke", "write", "k7", "5") OP(1, "ok", "write", "k7", "5");
    json_t *rep;
    char err[256];
    assert_int_equal(run_text(text, "cc", &rep, err, sizeof err), CHECK_BAD_INPUT);
    assert_non_null(strstr(err, "\"k7\""));
    assert_non_null(strstr(err, "value 5"));
    assert_non_null(strstr(err, "t.jsonl:3"));
    json_decref(rep);
}

static void test_info_write_counts_only_when_read_and_fail_is_dropped(void **state)
{
    (void)state;
    /* The info write of 1 is read, so it happened; the failed write of 2 did
    ** not, so reading 2 is a thin-air read. */
    const char *ok =
        OP(0, "invoke", "write", "x", "1") OP(0, "info", "write", "x", "1")
        OP(1, "invoke", "read", "x", "null") OP(1, "ok", "read", "x", "1")
        OP(2, "invoke", "write", "x", "3") OP(2, "info", "write", "x", "3");
    json_t *rep;
    char err[256];
    assert_int_equal(run_text(ok, "all", &rep, err, sizeof err), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(rep, "ops")), 2);
    json_decref(rep);
    const char *bad =
        OP(0, "invoke", "write", "x", "2") OP(0, "fail", "write", "x", "2")
        OP(1, "invoke", "read", "x", "null") OP(1, "ok", "read", "x", "2");
    assert_int_equal(run_text(bad, "cc", &rep, err, sizeof err), CHECK_VIOLATION);
    assert_non_null(strstr(json_string_value(json_object_get(rep, "text")), "ThinAirRead"));
    json_decref(rep);
}

static void test_unknown_criterion_and_cas_are_bad_input(void **state)
{
    (void)state;
    json_t *rep;
    char err[256];
    assert_int_equal(run_text("", "linear", &rep, err, sizeof err), CHECK_BAD_INPUT);
    json_decref(rep);
    const char *cas = OP(0, "invoke", "cas", "x", "[1,2]") OP(0, "ok", "cas", "x", "[1,2]");
    assert_int_equal(run_text(cas, "cc", &rep, err, sizeof err), CHECK_BAD_INPUT);
    assert_non_null(strstr(err, "t.jsonl:1"));
    json_decref(rep);
}

static void test_sessions_are_numbered_by_process_id_whatever_their_order(void **state)
{
    (void)state;
    /* Processes 5, -1, -7 appear in that order; -1 reads what 5 wrote. */
    causal_input_op in[] = {
        {5, true, false, 0, 1, 1, 0, NULL}, {-1, false, false, 0, 1, 2, 1, NULL},
        {-7, true, false, 0, 2, 3, 2, NULL}, {5, false, false, 0, 1, 4, 3, NULL},
        {-1, false, false, 0, 2, 5, 4, NULL},
    };
    causal_history h;
    char err[256];
    assert_int_equal(causal_build(&h, in, 5, 1, (const char **)key_names, NULL, "t", err,
                                  sizeof err), 0);
    assert_int_equal(h.n_sessions, 3);
    assert_int_equal(h.session_process[0], -7);
    assert_int_equal(h.session_process[1], -1);
    assert_int_equal(h.session_process[2], 5);
    for (uint32_t id = 0; id < h.n_ops; id++)
        assert_int_equal(h.ops[id].index, id);   /* ids keep the input order */
    assert_int_equal(causal_id(&h, 2, 1), 3);
    assert_int_equal(h.ops[1].writer, 0);
    assert_int_equal(h.ops[4].writer, 2);
    causal_result r;
    assert_int_equal(causal_analyse(&h, CAUSAL_ALL, &r), 0);
    assert_true(causal_holds(&r, CAUSAL_ALL));
    causal_result_free(&r);
    causal_history_free(&h);
}

static void test_bench_histories_satisfy_all_three_and_report_times(void **state)
{
    (void)state;
    const uint32_t sizes[] = {1000, 5000};
    json_t *list = causal_bench_json(7, sizes, 2);
    assert_non_null(list);
    assert_int_equal(json_array_size(list), 2);
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        assert_int_equal(json_integer_value(json_object_get(e, "ops")), sizes[i]);
        assert_true(json_is_true(json_object_get(e, "valid")));
        assert_true(json_real_value(json_object_get(e, "parse_ms")) > 0);
        assert_true(json_real_value(json_object_get(e, "check_ms")) > 0);
        assert_int_equal(json_array_size(json_object_get(e, "criteria")), 3);
    }
    json_decref(list);
}

static void test_bench_generator_is_deterministic(void **state)
{
    (void)state;
    char *text[2];
    size_t len[2];
    for (int k = 0; k < 2; k++) {
        FILE *f = open_memstream(&text[k], &len[k]);
        assert_non_null(f);
        assert_int_equal(causal_bench_generate(f, 123, 3000), 0);
        fclose(f);
    }
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(text[0], text[1], len[0]);
    free(text[0]);
    free(text[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figure_2a_is_cm_but_not_ccv),
        cmocka_unit_test(test_figure_2b_is_ccv_but_not_cm),
        cmocka_unit_test(test_figure_2c_is_cc_but_neither_cm_nor_ccv),
        cmocka_unit_test(test_figure_2d_is_cm_and_ccv_but_not_sequential),
        cmocka_unit_test(test_each_pattern_is_found_on_its_smallest_example),
        cmocka_unit_test(test_a_cyclic_co_witness_is_a_cycle_of_po_and_rf),
        cmocka_unit_test(test_checker_agrees_with_every_causal_order_up_to_5_ops),
        cmocka_unit_test(test_checker_agrees_with_definitions_on_5000_tiny_histories),
        cmocka_unit_test(test_figure_2a_as_json_reports_cyclic_cf_for_ccv_only),
        cmocka_unit_test(test_duplicate_written_value_is_refused_naming_key_and_value),
        cmocka_unit_test(test_info_write_counts_only_when_read_and_fail_is_dropped),
        cmocka_unit_test(test_unknown_criterion_and_cas_are_bad_input),
        cmocka_unit_test(test_sessions_are_numbered_by_process_id_whatever_their_order),
        cmocka_unit_test(test_bench_histories_satisfy_all_three_and_report_times),
        cmocka_unit_test(test_bench_generator_is_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

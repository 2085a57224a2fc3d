/*
** test_lin_diff.c — the linearizability search against a brute-force
** permutation checker, on thousands of small random histories per model.
**
** How: a random concurrent execution is simulated for each model (1 to 6
** processes, up to 7 operations, each with a call, a linearization point
** and a return at distinct times), the true results are computed by a
** reference implementation written here (not the model files), and the
** history is written as dsim JSON lines. Some operations end as info (they
** took effect or not, at random; the process retires), some as fail (they
** did not happen), and a third of the histories get one result corrupted,
** so both verdicts are common. A quarter of the histories start with up to
** 110 state-preserving operations in a row (reads of the initial state, or
** acquire/release pairs), so that the search's set windows move across
** 64-bit words. The checker under test reads the text;
** the brute force enumerates every order of the prepared operations that
** respects real time (an info operation may also be left out) and steps
** the model. Both must agree on every history. Seeds are fixed. The brute
** force sees every operation: the model's 'prune' (info operations shown
** irrelevant) is tested by this too. Each history's full report (as
** 'dsim check' builds it) must also equal the one of the prefix-recording
** search alone, with no budget and with a budget of 1 to 12 states
** ('compare_reports'; every history of a model with a 'doomed' test, a
** quarter of the others, where the report runs one search either way).
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
#include "lin.h"

enum { OPS_MAX = 7, HISTORIES = 2500, PREFIX_MAX = 110 };

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int pick(uint64_t *s, int n) { return (int)(next_rand(s) % (uint64_t)n); }

/* --- brute force -------------------------------------------------------- */

typedef struct brute { lin_ctx *c; const lin_model *m; const lin_op *ops; size_t n; } brute;

/* Done operations, up to 128 (histories get a prefix of up to 100 reads
** so that the memo's set windows cross word boundaries). */
typedef struct mask { uint64_t w[2]; } mask;

static bool has(mask m, size_t i) { return (m.w[i / 64] >> (i % 64)) & 1; }

static mask with(mask m, size_t i)
{
    m.w[i / 64] |= (uint64_t)1 << (i % 64);
    return m;
}

static bool bf_rec(brute *b, mask done, lin_state s)
{
    bool only_unknown = true;
    uint64_t min_ret = UINT64_MAX;
    for (size_t i = 0; i < b->n; i++) {
        if (has(done, i))
            continue;
        if (b->ops[i].ret_pos < LIN_POS_INF)
            only_unknown = false;
        if (b->ops[i].ret_pos < min_ret)
            min_ret = b->ops[i].ret_pos;
    }
    if (only_unknown)
        return true;   /* the rest may never have happened */
    for (size_t i = 0; i < b->n; i++) {
        lin_state nx;
        if (has(done, i) || b->ops[i].call_pos > min_ret)
            continue;
        if (b->m->step(b->c, s, &b->ops[i], &nx) && bf_rec(b, with(done, i), nx))
            return true;
        if (b->ops[i].optional && bf_rec(b, with(done, i), s))
            return true;   /* it never happened */
    }
    return false;
}

/* The explanation of a failing partition, checked by brute force: the
** core, with every other operation called before the block relaxed
** (optional; read-only ones left out) and later ones dropped, fails; and
** relaxing any one more core operation makes it pass (1-minimal). */
static void check_core(lin_ctx *c, const lin_model *m, const lin_part *p)
{
    lin_limits lim = {0};
    lin_outcome o;
    assert_int_equal(lin_search(c, m, p->ops, p->count, &lim, true, &o), 0);
    assert_int_equal(o.result, LIN_FAIL);
    uint32_t *keep;
    size_t kn;
    bool minimal;
    assert_int_equal(lin_explain(c, m, p->ops, p->count, o.block_op, 0, &keep, &kn, &minimal), 0);
    assert_true(minimal);
    assert_true(kn >= 1);
    uint64_t limit = p->ops[o.block_op].ret_pos;
    for (size_t extra = 0; extra <= kn; extra++) {   /* extra == kn: none relaxed */
        lin_op ops[OPS_MAX + PREFIX_MAX * 2];
        size_t n = 0;
        for (size_t i = 0; i < p->count && p->ops[i].call_pos < limit; i++) {
            bool core = false;
            for (size_t j = 0; j < kn; j++)
                core |= keep[j] == i && j != extra;
            if (!core && p->ops[i].readonly)
                continue;
            ops[n] = p->ops[i];
            ops[n++].optional = !core;
        }
        brute b = {c, m, ops, n};
        assert_int_equal(bf_rec(&b, (mask){{0, 0}}, m->init(c)), extra < kn);
    }
    free(keep);
    free(o.prefix);
}

static bool brute_ok(lin_ctx *c, const lin_model *m, const lin_parts *ps)
{
    for (size_t p = 0; p < ps->count; p++) {
        brute b = {c, m, ps->parts[p].ops, ps->parts[p].count};
        assert_true(b.n <= 128);
        if (!bf_rec(&b, (mask){{0, 0}}, m->init(c)))
            return false;
    }
    return true;
}

/* --- random executions ---------------------------------------------------- */

typedef struct sim_op {
    int process, call, lin, ret;   /* times; distinct */
    char f[16], value[64], result[72];
    char key[8];
    int status;                    /* 0 ok, 1 fail, 2 info */
} sim_op;

/* Reference state for every model: a few small integers and a string. */
typedef struct ref { int reg[2]; char str[2][64]; int set; int q[16], qn; int held; } ref;

static void gen_op(uint64_t *r, const char *model, sim_op *o)
{
    int v = pick(r, 5);   /* values nobody reads make info writes prunable */
    const char *reg_f[] = {"read", "write", "cas"};
    o->value[0] = '\0';
    snprintf(o->value, sizeof o->value, "null");
    if (strcmp(model, "register") == 0 || strcmp(model, "cas-register") == 0) {
        snprintf(o->f, sizeof o->f, "%s", reg_f[pick(r, model[0] == 'r' ? 2 : 3)]);
        if (strcmp(o->f, "write") == 0)
            snprintf(o->value, sizeof o->value, "%d", v);
        if (strcmp(o->f, "cas") == 0)
            snprintf(o->value, sizeof o->value, "[%d,%d]", v, pick(r, 3));
    } else if (strcmp(model, "kv") == 0) {
        const char *f[] = {"get", "put", "append"};
        snprintf(o->f, sizeof o->f, "%s", f[pick(r, 3)]);
        if (o->f[0] != 'g')
            snprintf(o->value, sizeof o->value, "\"%c\"", "abcde"[v]);
    } else if (strcmp(model, "counter") == 0) {
        snprintf(o->f, sizeof o->f, "%s", pick(r, 2) ? "read" : "add");
        if (o->f[0] == 'a')
            snprintf(o->value, sizeof o->value, "%d", v + 1);
    } else if (strcmp(model, "set") == 0) {
        snprintf(o->f, sizeof o->f, "%s", pick(r, 2) ? "read" : "add");
        if (o->f[0] == 'a')
            snprintf(o->value, sizeof o->value, "%d", v);
    } else if (strcmp(model, "queue") == 0) {
        snprintf(o->f, sizeof o->f, "%s", pick(r, 2) ? "dequeue" : "enqueue");
        if (o->f[0] == 'e')
            snprintf(o->value, sizeof o->value, "%d", v);
    } else {
        snprintf(o->f, sizeof o->f, "%s", pick(r, 2) ? "acquire" : "release");
    }
    snprintf(o->key, sizeof o->key, "%s", strcmp(model, "kv") == 0 && pick(r, 2) ? "k1" : "k0");
}

/* Applies 'o' at its linearization point; sets its result or marks it
** failed (it did not happen: a cas that did not match, a lock that was
** held). */
static void apply(ref *s, sim_op *o)
{
    int k = o->key[1] - '0', v = atoi(o->value[0] == '[' ? o->value + 1 : o->value);
    const char *f = o->f;
    snprintf(o->result, sizeof o->result, "%s", o->value);
    if (strcmp(f, "read") == 0 && s->reg[k] != -2) {
        if (s->reg[k] == -1)
            snprintf(o->result, sizeof o->result, "null");
        else
            snprintf(o->result, sizeof o->result, "%d", s->reg[k]);
    } else if (strcmp(f, "write") == 0) {
        s->reg[k] = v;
    } else if (strcmp(f, "cas") == 0) {
        int to = atoi(strchr(o->value, ',') + 1);
        if (s->reg[k] == v)
            s->reg[k] = to;
        else
            o->status = 1;
    } else if (strcmp(f, "get") == 0) {
        snprintf(o->result, sizeof o->result, "\"%s\"", s->str[k]);
    } else if (strcmp(f, "put") == 0 || strcmp(f, "append") == 0) {
        if (f[0] == 'p')
            s->str[k][0] = '\0';
        size_t n = strlen(s->str[k]);
        if (n + 2 < sizeof s->str[k]) {
            s->str[k][n] = o->value[1];
            s->str[k][n + 1] = '\0';
        }
    } else if (strcmp(f, "add") == 0) {
        s->set = s->reg[0] == -2 ? s->set | (1 << v) : s->set + v;
    } else if (strcmp(f, "enqueue") == 0) {
        s->q[s->qn++] = v;
    } else if (strcmp(f, "dequeue") == 0) {
        if (s->qn == 0) {
            snprintf(o->result, sizeof o->result, "null");
        } else {
            snprintf(o->result, sizeof o->result, "%d", s->q[0]);
            memmove(s->q, s->q + 1, (size_t)--s->qn * sizeof s->q[0]);
        }
    } else if (strcmp(f, "acquire") == 0 || strcmp(f, "release") == 0) {
        bool acq = f[0] == 'a';
        if (s->held == acq)
            o->status = 1;
        else
            s->held = acq;
    }
}

/* A read of the counter or the set (they share f "read" with registers;
** 'reg[0] == -2' marks the set, 'reg[1] == -2' the counter). */
static void read_other(ref *s, sim_op *o)
{
    if (s->reg[0] == -2) {
        size_t n = 0;
        n += (size_t)snprintf(o->result + n, sizeof o->result - n, "[");
        for (int b = 0, first = 1; b < 8; b++)
            if (s->set & (1 << b)) {
                n += (size_t)snprintf(o->result + n, sizeof o->result - n, "%s%d", first ? "" : ",", b);
                first = 0;
            }
        snprintf(o->result + n, sizeof o->result - n, "]");
    } else {
        snprintf(o->result, sizeof o->result, "%d", s->set);
    }
}

static int by_lin(const void *a, const void *b)
{
    return ((const sim_op *)a)->lin - ((const sim_op *)b)->lin;
}

/* Builds the operations of one random execution into 'ops'; returns n. */
static int simulate(uint64_t *r, const char *model, sim_op *ops)
{
    int nproc = 1 + pick(r, 6), n = 1 + pick(r, OPS_MAX);
    int last_ret[6] = {0}, gen[6] = {0};
    for (int i = 0; i < n; i++) {
        sim_op *o = &ops[i];
        int p = pick(r, nproc);
        memset(o, 0, sizeof *o);
        gen_op(r, model, o);
        o->call = last_ret[p] + 1 + pick(r, 40);
        o->lin = o->call + 1 + pick(r, 40);
        o->ret = o->lin + 1 + pick(r, 40);
        last_ret[p] = o->ret;
        o->process = p + 10 * gen[p];
        o->call = o->call * 8 + p;   /* distinct times across processes */
        o->lin = o->lin * 8 + p;
        o->ret = o->ret * 8 + p;
        int dice = pick(r, 20);
        if (dice < 3) {
            o->status = 2;   /* info: the process retires */
            gen[p]++;
        } else if (dice < 5) {
            o->status = 1;   /* fail: rejected, did not happen */
        }
    }
    qsort(ops, (size_t)n, sizeof *ops, by_lin);
    bool counter = strcmp(model, "counter") == 0, set = strcmp(model, "set") == 0;
    ref s = {.reg = {set ? -2 : -1, counter ? -2 : -1}};
    for (int i = 0; i < n; i++) {
        bool applied = ops[i].status == 0 || (ops[i].status == 2 && pick(r, 2));
        if (!applied)
            continue;
        if ((counter || set) && strcmp(ops[i].f, "read") == 0)
            read_other(&s, &ops[i]);
        else
            apply(&s, &ops[i]);
    }
    return n;
}

/* One result made wrong, or (mutex) one refused operation claimed ok. */
static void corrupt(uint64_t *r, sim_op *ops, int n)
{
    int i = pick(r, n);
    sim_op *o = &ops[i];
    if (o->status == 1 && (strcmp(o->f, "acquire") == 0 || strcmp(o->f, "release") == 0 ||
                           strcmp(o->f, "cas") == 0)) {
        o->status = 0;
        snprintf(o->result, sizeof o->result, "%s", o->value);
        return;
    }
    if (o->status != 0)
        return;
    if (strcmp(o->f, "read") == 0 || strcmp(o->f, "dequeue") == 0)
        snprintf(o->result, sizeof o->result, "%s",
                 o->result[0] == '[' ? "[1]" : strcmp(o->result, "1") == 0 ? "2" : "1");
    else if (strcmp(o->f, "get") == 0)
        snprintf(o->result, sizeof o->result, "\"%s\"", pick(r, 2) ? "ab" : "c");
}

typedef struct event { int time; const sim_op *op; bool call; } event;

static int by_time(const void *a, const void *b)
{
    return ((const event *)a)->time - ((const event *)b)->time;
}

/* Writes the history as dsim JSON lines into 'buf'. */
/* 'count' operations that leave the state as it was, one after the other,
** by process 99, before everything else (no "time": not compared). */
static size_t prefix(const char *model, int count, bool keyed, char *buf, size_t cap)
{
    const char *key = keyed ? "\"key\":\"k0\"," : "";
    const char *f = "read", *out = "null";
    if (strcmp(model, "kv") == 0)
        f = "get", out = "\"\"";
    else if (strcmp(model, "counter") == 0)
        out = "0";
    else if (strcmp(model, "set") == 0)
        out = "[]";
    else if (strcmp(model, "queue") == 0)
        f = "dequeue";
    size_t len = 0;
    for (int i = 0; i < count && len < cap; i++) {
        bool mutex = strcmp(model, "mutex") == 0;
        const char *g = mutex ? (i % 2 ? "release" : "acquire") : f;
        len += (size_t)snprintf(buf + len, cap - len,
                                "{\"process\":99,\"type\":\"invoke\",\"f\":\"%s\",%s\"value\":null}\n"
                                "{\"process\":99,\"type\":\"ok\",\"f\":\"%s\",%s\"value\":%s}\n",
                                g, key, g, key, mutex ? "null" : out);
    }
    return len;
}

static void to_json(const char *model, const sim_op *ops, int n, bool keyed, int pre, char *buf,
                    size_t cap)
{
    static const char *const types[] = {"ok", "fail", "info"};
    event ev[2 * OPS_MAX];
    for (int i = 0; i < n; i++) {
        ev[2 * i] = (event){ops[i].call, &ops[i], true};
        ev[2 * i + 1] = (event){ops[i].ret, &ops[i], false};
    }
    qsort(ev, (size_t)(2 * n), sizeof *ev, by_time);
    buf[0] = '\0';
    size_t len = prefix(model, pre, keyed, buf, cap);
    for (int i = 0; i < 2 * n && len < cap; i++) {
        const sim_op *o = ev[i].op;
        char key[32] = "";
        if (keyed)
            snprintf(key, sizeof key, "\"key\":\"%s\",", o->key);
        bool read = strcmp(o->f, "read") == 0 || strcmp(o->f, "get") == 0 ||
                    strcmp(o->f, "dequeue") == 0;
        const char *v = ev[i].call ? (read ? "null" : o->value)
                        : o->status == 0 ? o->result : read ? "null" : o->value;
        len += (size_t)snprintf(buf + len, cap - len,
                                "{\"process\":%d,\"type\":\"%s\",\"f\":\"%s\",%s\"value\":%s,\"time\":%d}\n",
                                o->process, ev[i].call ? "invoke" : types[o->status], o->f, key,
                                v, ev[i].time);
    }
    (void)model;
}

/* --- the report's two searches ------------------------------------------- */

/* The state counts of a report (the whole, and per partition, in order). */
static size_t report_states(const json_t *r, uint64_t *st, size_t cap)
{
    size_t n = 0, i;
    json_t *p;
    st[n++] = (uint64_t)json_integer_value(json_object_get(r, "states"));
    json_array_foreach(json_object_get(r, "partitions"), i, p) {
        assert_true(n < cap);
        st[n++] = (uint64_t)json_integer_value(json_object_get(p, "states"));
    }
    return n;
}

static char *dump_without_states(json_t *r)
{
    size_t i;
    json_t *p;
    json_object_del(r, "states");
    json_array_foreach(json_object_get(r, "partitions"), i, p)
        json_object_del(p, "states");
    return json_dumps(r, JSON_PRESERVE_ORDER | JSON_COMPACT);
}

/* The report of 'dsim check' (the verdict-only search first, then the
** prefix-recording one unless the history passed: lin_check.c,
** 'decide_report') against the report of the recording search alone (how
** every report was built before): the same bytes, but that the states of
** a linearizable history may be fewer (never more). With a budget of
** 'states_max' states a partition (0: none), a history the recording
** search left unknown may come out linearizable (the budget now counts the
** first search's states), but only if the brute force says it is ('expect'):
** a budget never gives a false ok. */
static void compare_reports(const char *model, const char *text, bool expect,
                            uint64_t states_max, int h)
{
    check_budget b = {.states_max = states_max};
    char err[256];
    json_t *now = json_object(), *old = json_object();
    check_verdict v = check_linearizable_opts(text, strlen(text), "random", "json", model, &b,
                                              &(check_lin_options){0}, now, err, sizeof err);
    check_verdict w = check_linearizable_opts(text, strlen(text), "random", "json", model, &b,
                                              &(check_lin_options){.recording_only = true},
                                              old, err, sizeof err);
    if (v == CHECK_OK && !expect)
        fail_msg("model %s history %d budget %llu: a false ok\n%s", model, h,
                 (unsigned long long)states_max, text);
    if (v != w && !(states_max > 0 && v == CHECK_OK && w == CHECK_UNKNOWN))
        fail_msg("model %s history %d budget %llu: verdict %d, the recording search's %d\n%s",
                 model, h, (unsigned long long)states_max, (int)v, (int)w, text);
    uint64_t sn[130], so[130];
    size_t nn = report_states(now, sn, 130), no = report_states(old, so, 130);
    assert_int_equal(nn, no);
    for (size_t i = 0; i < nn && v == w; i++)
        if (v == CHECK_OK ? sn[i] > so[i] : sn[i] != so[i])
            fail_msg("model %s history %d: states %llu, the recording search's %llu\n%s", model,
                     h, (unsigned long long)sn[i], (unsigned long long)so[i], text);
    char *a = dump_without_states(now), *o = dump_without_states(old);
    if (v == w && strcmp(a, o) != 0)
        fail_msg("model %s history %d: the reports differ\n%s\n%s\n%s", model, h, a, o, text);
    free(a);
    free(o);
    json_decref(now);
    json_decref(old);
}

/* Runs HISTORIES random histories of 'model'; both checkers must agree. */
static void differential(const char *model, uint64_t seed)
{
    const char *env = getenv("LIN_DIFF_HISTORIES");   /* longer local runs */
    int histories = env ? atoi(env) : HISTORIES;
    const lin_model *m = lin_model_find(model);
    assert_non_null(m);
    uint64_t r = seed;
    int fails = 0, oks = 0;
    bool keyable = strcmp(model, "kv") == 0 || strstr(model, "register") != NULL;
    for (int h = 0; h < histories; h++) {
        sim_op ops[OPS_MAX];
        char text[32768], err[256];
        int n = simulate(&r, model, ops);
        if (pick(&r, 3) == 0)
            corrupt(&r, ops, n);
        int pre = pick(&r, 4) == 0 ? 2 * pick(&r, PREFIX_MAX / 2 + 1) : 0;
        if (strcmp(model, "mutex") == 0)
            pre = 0;   /* acquire/release pairs are not read-only: see check_core */
        to_json(model, ops, n, keyable && pick(&r, 2), pre, text, sizeof text);
        hist *hs = hist_read(text, strlen(text), "random", HIST_FMT_JSON, err, sizeof err);
        if (hs == NULL)
            fail_msg("%s\n%s", err, text);
        lin_ctx c;
        lin_parts ps;
        lin_model unpruned = *m;   /* the brute force sees every operation */
        unpruned.prune = NULL;
        assert_int_equal(lin_ctx_init(&c, hs), 0);
        if (lin_partition(&c, &unpruned, &ps, err, sizeof err) != 0)
            fail_msg("%s\n%s", err, text);
        bool expect = brute_ok(&c, m, &ps);
        for (size_t i = 0; i < ps.count && !expect; i++) {
            brute b = {&c, m, ps.parts[i].ops, ps.parts[i].count};
            if (b.n > OPS_MAX + 2)
                continue;   /* with a prefix: relaxed ops would make 2^50 orders */
            if (!bf_rec(&b, (mask){{0, 0}}, m->init(&c)))
                check_core(&c, m, &ps.parts[i]);
        }
        lin_parts_free(&ps);
        lin_ctx_free(&c);
        check_verdict v = lin_check_hist(hs, m, NULL, NULL, err, sizeof err);
        if (v != (expect ? CHECK_OK : CHECK_VIOLATION))
            fail_msg("model %s history %d: brute force says %s, checker %d\n%s", model, h,
                     expect ? "ok" : "violation", (int)v, text);
        expect ? oks++ : fails++;
        hist_free(hs);
        if (m->doomed != NULL || h % 4 == 0) {   /* without one, a single search */
            compare_reports(model, text, expect, 0, h);
            compare_reports(model, text, expect, 1 + (uint64_t)(h % 12), h);
        }
    }
    /* both verdicts must be well represented, or the test proves little */
    assert_true(oks > histories / 10);
    assert_true(fails > histories / 20);
}

static void test_lin_register_agrees_with_brute_force(void **st) { (void)st; differential("register", 1); }
static void test_lin_cas_register_agrees_with_brute_force(void **st) { (void)st; differential("cas-register", 2); }
static void test_lin_kv_agrees_with_brute_force(void **st) { (void)st; differential("kv", 3); }
static void test_lin_counter_agrees_with_brute_force(void **st) { (void)st; differential("counter", 4); }
static void test_lin_set_agrees_with_brute_force(void **st) { (void)st; differential("set", 5); }
static void test_lin_queue_agrees_with_brute_force(void **st) { (void)st; differential("queue", 6); }
static void test_lin_mutex_agrees_with_brute_force(void **st) { (void)st; differential("mutex", 7); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lin_register_agrees_with_brute_force),
        cmocka_unit_test(test_lin_cas_register_agrees_with_brute_force),
        cmocka_unit_test(test_lin_kv_agrees_with_brute_force),
        cmocka_unit_test(test_lin_counter_agrees_with_brute_force),
        cmocka_unit_test(test_lin_set_agrees_with_brute_force),
        cmocka_unit_test(test_lin_queue_agrees_with_brute_force),
        cmocka_unit_test(test_lin_mutex_agrees_with_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

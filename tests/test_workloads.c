/*
** test_workloads.c — unit tests of the workload registry (sim/kernel/
** workload*.c), the reference store (store.c) and the history encodings,
** without a running world.
**
** Generators are driven directly with a client stream: the same seed must
** give the same operations, another seed others; Elle's txn generator
** keeps its lengths and rotates keys. The store is driven with hand-made
** operations: counters, lists, queues, transactions applied whole or not
** at all, and digests that depend on contents only. The resize workload's
** message queue between clients. Encodings: the bytes a request carries
** (a session token only when there is one), the history values of every workload (with results),
** and the EDN writer.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "world.h"

#define OPS 300

static void draw(const workload *wl, workload_cfg *cfg, uint64_t seed, dsim_op *ops, int n)
{
    workload_state *st = calloc(1, sizeof *st);
    rng r;
    rng_stream(&r, seed, "client", 0);
    for (int i = 0; i < n; i++) {
        memset(&ops[i], 0, sizeof ops[i]);
        wl->generate(cfg, st, &r, DSIM_MS(i), &ops[i]);
    }
    free(st);
}

static workload_cfg defaults_of(const workload *wl)
{
    workload_cfg cfg = {.name = wl->name};
    workload_defaults(wl, &cfg);
    return cfg;
}

static void test_every_generator_gives_the_same_operations_for_the_same_seed(void **st)
{
    (void)st;
    static dsim_op a[OPS], b[OPS], c[OPS];
    for (int i = 0; workloads[i]; i++) {
        workload_cfg cfg = defaults_of(workloads[i]);
        draw(workloads[i], &cfg, 7, a, OPS);
        draw(workloads[i], &cfg, 7, b, OPS);
        draw(workloads[i], &cfg, 8, c, OPS);
        assert_memory_equal(a, b, sizeof a);
        assert_memory_not_equal(a, c, sizeof a);
    }
}

static void test_written_values_are_unique_per_key(void **st)
{
    (void)st;
    static dsim_op ops[OPS];
    const char *const names[] = {"set", "list-append", "queue", "txn-append", "txn-rw", NULL};
    for (int k = 0; names[k]; k++) {
        const workload *wl = workload_find(names[k]);
        workload_cfg cfg = defaults_of(wl);
        draw(wl, &cfg, 3, ops, OPS);
        int64_t last[DSIM_STORE_KEYS] = {0};
        for (int i = 0; i < OPS; i++) {
            dsim_mop one = {.f = ops[i].f, .key = ops[i].key, .value = ops[i].value};
            const dsim_mop *m = ops[i].f == DSIM_F_TXN ? ops[i].mops : &one;
            uint32_t n = ops[i].f == DSIM_F_TXN ? ops[i].mops_len : 1;
            for (uint32_t j = 0; j < n; j++) {
                if (m[j].f != DSIM_F_APPEND && m[j].f != DSIM_F_WRITE)
                    continue;
                assert_true(m[j].value > last[m[j].key]);   /* counts up, so never repeats */
                last[m[j].key] = m[j].value;
            }
        }
    }
}

static void test_counter_subtracts_when_asked(void **st)
{
    (void)st;
    static dsim_op ops[OPS];
    const workload *wl = workload_find("counter");
    workload_cfg cfg = defaults_of(wl);
    draw(wl, &cfg, 5, ops, OPS);
    for (int i = 0; i < OPS; i++)
        assert_true(ops[i].f == DSIM_F_READ || (ops[i].value >= 1 && ops[i].value <= 5));
    cfg.negative = 50;
    draw(wl, &cfg, 5, ops, OPS);
    int negative = 0;
    for (int i = 0; i < OPS; i++)
        negative += ops[i].f == DSIM_F_ADD && ops[i].value < 0;
    assert_true(negative > 20);
}

static void test_queue_only_dequeues_once_draining(void **st)
{
    (void)st;
    static dsim_op ops[OPS];
    const workload *wl = workload_find("queue");
    workload_cfg cfg = defaults_of(wl);
    cfg.drain_ms = 100;   /* draw() gives operation i the time i ms */
    draw(wl, &cfg, 5, ops, OPS);
    for (int i = 100; i < OPS; i++)
        assert_int_equal(ops[i].f, DSIM_F_DEQUEUE);
}

static void test_txn_generator_keeps_lengths_and_rotates_keys(void **st)
{
    (void)st;
    static dsim_op ops[OPS];
    const workload *wl = workload_find("txn-append");
    workload_cfg cfg = defaults_of(wl);
    cfg.txn_min = 2, cfg.txn_max = 3, cfg.keys = 2, cfg.writes_per_key = 4, cfg.read_pct = 0;
    draw(wl, &cfg, 11, ops, 40);
    int writes[DSIM_STORE_KEYS] = {0};
    uint32_t key_max = 0;
    for (int i = 0; i < 40; i++) {
        assert_int_equal(ops[i].f, DSIM_F_TXN);
        assert_true(ops[i].mops_len >= 2 && ops[i].mops_len <= 3);
        for (uint32_t j = 0; j < ops[i].mops_len; j++) {
            assert_int_equal(ops[i].mops[j].f, DSIM_F_APPEND);
            writes[ops[i].mops[j].key]++;
            if (ops[i].mops[j].key > key_max)
                key_max = ops[i].mops[j].key;
        }
    }
    for (uint32_t k = 0; k < DSIM_STORE_KEYS; k++)
        assert_true(writes[k] <= 4);   /* a key retires after 4 writes */
    assert_true(key_max >= 20);        /* >= 80 appends over keys of 4 writes each */
}

static dsim_status apply(dsim_store *s, dsim_f f, uint32_t key, int64_t v, dsim_result *r)
{
    dsim_op op = {.f = f, .key = key, .value = v};
    return dsim_store_apply(s, &op, r);
}

static void test_store_counts_appends_dequeues_and_reads_lists(void **st)
{
    (void)st;
    dsim_store *s = calloc(1, sizeof *s);
    dsim_result *r = malloc(sizeof *r);
    assert_int_equal(apply(s, DSIM_F_READ, 0, 0, r), DSIM_OK);
    assert_true(r->value == DSIM_NIL);
    apply(s, DSIM_F_ADD, 0, 5, r);
    apply(s, DSIM_F_ADD, 0, -2, r);
    apply(s, DSIM_F_READ, 0, 0, r);
    assert_int_equal(r->value, 3);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(apply(s, DSIM_F_APPEND, 1, i * 10, r), DSIM_OK);
    apply(s, DSIM_F_READ_LIST, 1, 0, r);
    assert_int_equal(r->len, 3);
    assert_int_equal(r->words[0], 10);
    assert_int_equal(r->words[2], 30);
    apply(s, DSIM_F_DEQUEUE, 1, 0, r);
    assert_int_equal(r->value, 10);
    apply(s, DSIM_F_DEQUEUE, 1, 0, r);
    apply(s, DSIM_F_DEQUEUE, 1, 0, r);
    apply(s, DSIM_F_DEQUEUE, 1, 0, r);
    assert_true(r->value == DSIM_NIL);   /* empty */
    assert_int_equal(apply(s, DSIM_F_WRITE, DSIM_STORE_KEYS, 1, r), DSIM_FAIL);
    free(r);
    free(s);
}

static void test_store_applies_a_transaction_whole_or_not_at_all(void **st)
{
    (void)st;
    dsim_store *s = calloc(1, sizeof *s);
    dsim_result *r = malloc(sizeof *r);
    dsim_op t = {.f = DSIM_F_TXN, .mops_len = 3};
    t.mops[0] = (dsim_mop){DSIM_F_APPEND, 4, 1};
    t.mops[1] = (dsim_mop){DSIM_F_READ_LIST, 4, DSIM_NIL};
    t.mops[2] = (dsim_mop){DSIM_F_READ, 5, DSIM_NIL};
    assert_int_equal(dsim_store_apply(s, &t, r), DSIM_OK);
    /* per micro-op: append 0; read-list 1 [1]; read 1 nil */
    assert_int_equal(r->len, 5);
    assert_int_equal(r->words[0], 0);
    assert_int_equal(r->words[1], 1);
    assert_int_equal(r->words[2], 1);
    assert_int_equal(r->words[3], 1);
    assert_true(r->words[4] == DSIM_NIL);
    uint64_t before = dsim_store_digest(s);
    t.mops[1] = (dsim_mop){DSIM_F_APPEND, DSIM_STORE_KEYS, 2};   /* out of bounds */
    assert_int_equal(dsim_store_apply(s, &t, r), DSIM_FAIL);
    assert_int_equal(dsim_store_digest(s), before);   /* the first append was not applied */
    assert_false(dsim_op_readonly(&t));
    t.mops_len = 1;
    t.mops[0] = (dsim_mop){DSIM_F_READ_LIST, 4, DSIM_NIL};
    assert_true(dsim_op_readonly(&t));
    free(r);
    free(s);
}

static void test_store_digest_depends_on_contents_only(void **st)
{
    (void)st;
    dsim_store *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    apply(a, DSIM_F_WRITE, 1, 7, NULL);
    apply(a, DSIM_F_APPEND, 2, 1, NULL);
    apply(b, DSIM_F_APPEND, 2, 1, NULL);
    apply(b, DSIM_F_WRITE, 1, 3, NULL);
    assert_int_not_equal(dsim_store_digest(a), dsim_store_digest(b));
    apply(b, DSIM_F_WRITE, 1, 7, NULL);
    assert_int_equal(dsim_store_digest(a), dsim_store_digest(b));
    apply(a, DSIM_F_APPEND, 2, 9, NULL);
    assert_int_not_equal(dsim_store_digest(a), dsim_store_digest(b));
    free(a);
    free(b);
}

/* dsim_store_copy gives what '*dst = *src' gives, byte for byte, whether
** the destination held more than the source (its old cells are zeroed) or
** less, and whatever lies past the source's prefix. */
static void test_store_copy_equals_a_whole_copy(void **st)
{
    (void)st;
    dsim_store *big = calloc(1, sizeof *big), *small = calloc(1, sizeof *small);
    dsim_store *dst = calloc(1, sizeof *dst), *src = malloc(sizeof *src);
    for (int i = 0; i < 300; i++)
        apply(big, DSIM_F_APPEND, (uint32_t)(i % 7), i, NULL);
    apply(small, DSIM_F_WRITE, 3, 42, NULL);
    apply(small, DSIM_F_APPEND, 4, 1, NULL);
    assert_true(dsim_store_bytes(big) > dsim_store_bytes(small));
    dsim_store_copy(dst, big);   /* grows */
    assert_memory_equal(dst, big, sizeof *dst);
    memset(src, 0xa5, sizeof *src);   /* garbage past the prefix is not copied */
    memcpy(src, small, dsim_store_bytes(small));
    dsim_store_copy(dst, src);   /* shrinks: the cells past it are zero again */
    assert_memory_equal(dst, small, sizeof *dst);
    assert_int_equal(dsim_store_digest(dst), dsim_store_digest(small));
    dsim_store_copy(dst, dst);
    assert_memory_equal(dst, small, sizeof *dst);
    free(big);
    free(small);
    free(dst);
    free(src);
}

static void test_a_plain_request_carries_no_micro_op_tail(void **st)
{
    (void)st;
    dsim_op op = {.f = DSIM_F_WRITE};
    assert_int_equal(dsim_op_bytes(&op), 48);   /* as before payloads existed */
    op.token = 7;   /* a session token travels only when there is one */
    assert_int_equal(dsim_op_bytes(&op), offsetof(dsim_op, mops));
    op.token = 0;
    op.f = DSIM_F_TXN;
    op.mops_len = 2;
    assert_int_equal(dsim_op_bytes(&op), offsetof(dsim_op, mops) + 2 * sizeof(dsim_mop));
}

/* The resize workload's queue: an acknowledged upload queues a message
** (with its token), a resizer idles on an empty queue, takes the message
** with the token when 'carry' is on, and a failed resize puts it back. */
static void test_resize_passes_messages_between_clients(void **st)
{
    (void)st;
    const workload *wl = workload_find("resize");
    workload_cfg cfg = defaults_of(wl);
    cfg.count = 2;
    cfg.carry = 1;
    workload_state *ws = calloc(1, sizeof *ws);
    rng r;
    rng_stream(&r, 1, "client", 0);
    assert_true(wl->idle(&cfg, ws, 1));    /* nothing queued: the resizer waits */
    assert_false(wl->idle(&cfg, ws, 0));
    dsim_op up = {.client = 0};
    wl->generate(&cfg, ws, &r, 0, &up);
    assert_int_equal(up.f, DSIM_F_WRITE);
    assert_int_equal(up.value, 1);
    wl->done(&cfg, ws, &up, false, 0);     /* a failed upload sends nothing */
    assert_true(wl->idle(&cfg, ws, 1));
    wl->done(&cfg, ws, &up, true, 42);
    assert_false(wl->idle(&cfg, ws, 1));
    dsim_op rs = {.client = 1, .token = 5};
    wl->generate(&cfg, ws, &r, 0, &rs);
    assert_int_equal(rs.f, DSIM_F_READ);
    assert_int_equal(rs.key, up.key);
    assert_int_equal(rs.value, 1);          /* the announced version */
    assert_int_equal(rs.token, 42);         /* the message's token */
    assert_true(wl->idle(&cfg, ws, 1));
    wl->done(&cfg, ws, &rs, false, 0);      /* redelivered */
    assert_false(wl->idle(&cfg, ws, 1));
    dsim_op again = {.client = 1};
    wl->generate(&cfg, ws, &r, 0, &again);
    assert_int_equal(again.token, 42);
    assert_int_equal(again.value, 1);
    free(ws);
}

static char *value_text(const char *name, const dsim_op *op, const dsim_result *r)
{
    wl_text t = {0};
    workload_find(name)->value(op, r, &t);
    return t.p;
}

static void test_history_values_take_jepsen_and_elle_shapes(void **st)
{
    (void)st;
    dsim_result *r = calloc(1, sizeof *r);
    dsim_op t = {.f = DSIM_F_TXN, .mops_len = 2};
    t.mops[0] = (dsim_mop){DSIM_F_APPEND, 3, 1};
    t.mops[1] = (dsim_mop){DSIM_F_READ_LIST, 4, DSIM_NIL};
    char *s = value_text("txn-append", &t, NULL);
    assert_string_equal(s, "[[\"append\",3,1],[\"r\",4,null]]");
    free(s);
    r->len = 4;
    r->words[0] = 0, r->words[1] = 2, r->words[2] = 5, r->words[3] = 6;
    s = value_text("txn-append", &t, r);
    assert_string_equal(s, "[[\"append\",3,1],[\"r\",4,[5,6]]]");
    free(s);
    t.mops[0] = (dsim_mop){DSIM_F_WRITE, 3, 1};
    t.mops[1] = (dsim_mop){DSIM_F_READ, 4, DSIM_NIL};
    r->len = 3;
    r->words[0] = 0, r->words[1] = 1, r->words[2] = DSIM_NIL;
    s = value_text("txn-rw", &t, r);
    assert_string_equal(s, "[[\"w\",3,1],[\"r\",4,null]]");
    free(s);
    dsim_op read = {.f = DSIM_F_READ_LIST};
    r->len = 2;
    r->words[0] = 1, r->words[1] = 2;
    s = value_text("set", &read, r);
    assert_string_equal(s, "[1,2]");
    free(s);
    dsim_op add = {.f = DSIM_F_ADD, .value = -3};
    s = value_text("counter", &add, NULL);
    assert_string_equal(s, "-3");
    free(s);
    dsim_op cread = {.f = DSIM_F_READ};
    r->value = DSIM_NIL;
    s = value_text("counter", &cread, r);
    assert_string_equal(s, "0");   /* a counter never added reads 0 */
    free(s);
    free(r);
}

static void test_edn_writer_gives_keywords_and_vectors(void **st)
{
    (void)st;
    const char *in = "{\"process\":0,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"append\",3,1],[\"r\",4,[1]]],\"time\":5}\n"
                     "\n"
                     "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k1\",\"value\":null,\"time\":6}\n";
    char err[128];
    size_t len = 0;
    char *out = check_history_to_edn(in, strlen(in), &len, err, sizeof err);
    assert_non_null(out);
    assert_string_equal(out, "{:process 0, :type :ok, :f :txn, :value [[:append 3 1] [:r 4 [1]]], :time 5}\n"
                             "{:process 1, :type :invoke, :f :read, :key \"k1\", :value nil, :time 6}\n");
    assert_int_equal(len, strlen(out));
    free(out);
    assert_null(check_history_to_edn("nope\n", 5, &len, err, sizeof err));
    assert_string_equal(err, "history:1: expected one JSON object per line");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_generator_gives_the_same_operations_for_the_same_seed),
        cmocka_unit_test(test_written_values_are_unique_per_key),
        cmocka_unit_test(test_counter_subtracts_when_asked),
        cmocka_unit_test(test_queue_only_dequeues_once_draining),
        cmocka_unit_test(test_txn_generator_keeps_lengths_and_rotates_keys),
        cmocka_unit_test(test_store_counts_appends_dequeues_and_reads_lists),
        cmocka_unit_test(test_store_applies_a_transaction_whole_or_not_at_all),
        cmocka_unit_test(test_store_digest_depends_on_contents_only),
        cmocka_unit_test(test_store_copy_equals_a_whole_copy),
        cmocka_unit_test(test_a_plain_request_carries_no_micro_op_tail),
        cmocka_unit_test(test_resize_passes_messages_between_clients),
        cmocka_unit_test(test_history_values_take_jepsen_and_elle_shapes),
        cmocka_unit_test(test_edn_writer_gives_keywords_and_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

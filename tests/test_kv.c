/*
** test_kv.c — the replicated state machine ('dsim_kv', sim/kernel/kv.c):
** exactly-once under retries, stale seqs, clients without a session
** (untracked, or refused under DSIM_KV_STRICT, never an assertion), the
** digest (equal states equal, different states different), a refused op
** refused again when a copy comes later (dsim_refuse), and the
** encoding (a prefix round trip; bad bytes are refused, not asserted).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kernel_fixture.h"

typedef struct kv_fixture {
    dsim_world *w;
    dsim_kv a, b;
    dsim_result r;
} kv_fixture;

static int setup(void **st)
{
    kv_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->w = probe_world(1, 0, 1);
    dsim_kv_init(&f->w->nodes[0], &f->a, 0);
    dsim_kv_init(&f->w->nodes[0], &f->b, 0);
    *st = f;
    return 0;
}

static int teardown(void **st)
{
    kv_fixture *f = *st;
    world_free(f->w);
    free(f);
    return 0;
}

static dsim_op op_of(int32_t client, uint64_t seq, dsim_f fn, uint32_t key, int64_t value)
{
    dsim_op op;
    memset(&op, 0, sizeof op);
    op.id = seq * 1000 + (uint64_t)(uint32_t)client;
    op.client = client;
    op.seq = seq;
    op.f = fn;
    op.key = key;
    op.value = value;
    return op;
}

static int64_t read_key(const dsim_kv *kv, uint32_t key)
{
    dsim_op op = op_of(0, 0, DSIM_F_READ, key, 0);
    dsim_result r;
    assert_int_equal(dsim_kv_read(kv, &op, &r), DSIM_OK);
    return r.value;
}

static void test_a_retried_add_is_applied_once_and_answered_with_the_kept_result(void **st)
{
    kv_fixture *f = *st;
    dsim_status s;
    dsim_op add = op_of(3, 1, DSIM_F_ADD, 7, 5);
    assert_int_equal(dsim_kv_apply(&f->a, &add, &s, &f->r), DSIM_KV_APPLIED);
    assert_int_equal(s, DSIM_OK);
    for (int retry = 0; retry < 3; retry++) {
        add.id += 1;   /* a retry is a new message with the same (client, seq) */
        assert_int_equal(dsim_kv_apply(&f->a, &add, &s, &f->r), DSIM_KV_REPEAT);
        assert_int_equal(s, DSIM_OK);
    }
    assert_int_equal(read_key(&f->a, 7), 5);
    int64_t value = -1;
    assert_int_equal(dsim_kv_seen(&f->a, &add, &s, &value), DSIM_KV_REPEAT);
    dsim_op next = op_of(3, 2, DSIM_F_ADD, 7, 5);
    assert_int_equal(dsim_kv_seen(&f->a, &next, &s, &value), DSIM_KV_NEW);
    assert_int_equal(read_key(&f->a, 7), 5);   /* seen changes nothing */
}

static void test_a_repeat_gets_the_first_status_and_value_not_a_new_one(void **st)
{
    kv_fixture *f = *st;
    dsim_status s;
    dsim_op w = op_of(0, 1, DSIM_F_WRITE, 1, 10);
    assert_int_equal(dsim_kv_apply(&f->a, &w, &s, &f->r), DSIM_KV_APPLIED);
    dsim_op cas = op_of(1, 1, DSIM_F_CAS, 1, 99);   /* fails: the register holds 10 */
    cas.value2 = 11;
    assert_int_equal(dsim_kv_apply(&f->a, &cas, &s, &f->r), DSIM_KV_APPLIED);
    assert_int_equal(s, DSIM_FAIL);
    dsim_op deq = op_of(2, 1, DSIM_F_DEQUEUE, 2, 0);
    dsim_op app = op_of(0, 2, DSIM_F_APPEND, 2, 42);
    assert_int_equal(dsim_kv_apply(&f->a, &app, &s, &f->r), DSIM_KV_APPLIED);
    assert_int_equal(dsim_kv_apply(&f->a, &deq, &s, &f->r), DSIM_KV_APPLIED);
    assert_int_equal(f->r.value, 42);
    assert_int_equal(dsim_kv_apply(&f->a, &app, &s, &f->r), DSIM_KV_REPEAT);   /* not appended twice */
    assert_int_equal(dsim_kv_apply(&f->a, &deq, &s, &f->r), DSIM_KV_REPEAT);
    assert_int_equal(s, DSIM_OK);
    assert_int_equal(f->r.value, 42);   /* the kept value: the list is empty now */
    int64_t value = 0;
    assert_int_equal(dsim_kv_seen(&f->a, &cas, &s, &value), DSIM_KV_REPEAT);
    assert_int_equal(s, DSIM_FAIL);     /* the cas failed once: it stays failed */
}

static void test_a_result_with_words_is_not_kept_for_a_repeat(void **st)
{
    kv_fixture *f = *st;
    dsim_status s;
    dsim_op app = op_of(5, 1, DSIM_F_APPEND, 4, 1);
    assert_int_equal(dsim_kv_apply(&f->a, &app, &s, &f->r), DSIM_KV_APPLIED);
    dsim_op rl = op_of(5, 2, DSIM_F_READ_LIST, 4, 0);
    assert_int_equal(dsim_kv_apply(&f->a, &rl, &s, &f->r), DSIM_KV_APPLIED);
    assert_int_equal(f->r.len, 1);
    assert_int_equal(dsim_kv_apply(&f->a, &rl, &s, &f->r), DSIM_KV_REPEAT_WORDS);
    assert_int_equal(f->r.len, 0);
}

static void test_an_older_seq_is_stale_fails_and_changes_nothing(void **st)
{
    kv_fixture *f = *st;
    dsim_status s;
    dsim_op w2 = op_of(9, 2, DSIM_F_WRITE, 3, 2);
    dsim_op w1 = op_of(9, 1, DSIM_F_WRITE, 3, 1);
    assert_int_equal(dsim_kv_apply(&f->a, &w2, &s, &f->r), DSIM_KV_APPLIED);
    uint64_t d = dsim_kv_digest(&f->a);
    assert_int_equal(dsim_kv_apply(&f->a, &w1, &s, &f->r), DSIM_KV_STALE);
    assert_int_equal(s, DSIM_FAIL);
    assert_int_equal(f->r.value, 0);
    assert_int_equal(read_key(&f->a, 3), 2);
    assert_true(dsim_kv_digest(&f->a) == d);
    int64_t value;
    assert_int_equal(dsim_kv_seen(&f->a, &w1, &s, &value), DSIM_KV_STALE);
}

static void test_clients_without_a_session_are_untracked_or_refused_when_strict(void **st)
{
    kv_fixture *f = *st;
    dsim_status s;
    int32_t bad[] = {-1, DSIM_KV_CLIENTS, DSIM_KV_CLIENTS + 1000, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dsim_op add = op_of(bad[i], 1, DSIM_F_ADD, 0, 1);
        assert_int_equal(dsim_kv_apply(&f->a, &add, &s, &f->r), DSIM_KV_UNTRACKED);
        assert_int_equal(dsim_kv_apply(&f->a, &add, &s, &f->r), DSIM_KV_UNTRACKED);   /* again */
    }
    assert_int_equal(read_key(&f->a, 0), 10);
    dsim_kv strict;
    dsim_kv_init(&f->w->nodes[0], &strict, DSIM_KV_STRICT);
    uint64_t d = dsim_kv_digest(&strict);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dsim_op add = op_of(bad[i], 1, DSIM_F_ADD, 0, 1);
        int64_t value = 5;
        assert_int_equal(dsim_kv_seen(&strict, &add, &s, &value), DSIM_KV_REFUSED);
        assert_int_equal(dsim_kv_apply(&strict, &add, &s, &f->r), DSIM_KV_REFUSED);
        assert_int_equal(s, DSIM_FAIL);
    }
    assert_true(dsim_kv_digest(&strict) == d);
    assert_int_equal(read_key(&strict, 0), DSIM_NIL);
    dsim_op key = op_of(0, 1, DSIM_F_WRITE, DSIM_STORE_KEYS + 5, 1);   /* a forged key fails */
    assert_int_equal(dsim_kv_apply(&strict, &key, &s, &f->r), DSIM_KV_APPLIED);
    assert_int_equal(s, DSIM_FAIL);
}

static void test_equal_states_have_equal_digests_whatever_the_history(void **st)
{
    kv_fixture *f = *st;
    dsim_status s;
    assert_true(dsim_kv_digest(&f->a) == dsim_kv_digest(&f->b));
    dsim_op x = op_of(1, 1, DSIM_F_WRITE, 1, 7), y = op_of(2, 1, DSIM_F_WRITE, 2, 8);
    dsim_kv_apply(&f->a, &x, &s, &f->r);
    dsim_kv_apply(&f->a, &y, &s, &f->r);
    dsim_kv_apply(&f->b, &y, &s, &f->r);
    assert_true(dsim_kv_digest(&f->a) != dsim_kv_digest(&f->b));
    dsim_kv_apply(&f->b, &x, &s, &f->r);
    dsim_kv_apply(&f->b, &x, &s, &f->r);   /* a repeat changes nothing */
    assert_true(dsim_kv_digest(&f->a) == dsim_kv_digest(&f->b));
    /* same store, different sessions: different digests */
    dsim_op w = op_of(3, 1, DSIM_F_WRITE, 1, 7);
    dsim_kv_apply(&f->a, &w, &s, &f->r);
    assert_int_equal(read_key(&f->a, 1), read_key(&f->b, 1));
    assert_true(dsim_kv_digest(&f->a) != dsim_kv_digest(&f->b));
    /* same sessions, different store */
    dsim_op w2 = op_of(3, 1, DSIM_F_WRITE, 1, 6);
    dsim_kv_apply(&f->b, &w2, &s, &f->r);
    assert_true(dsim_kv_digest(&f->a) != dsim_kv_digest(&f->b));
}

static void test_the_prefix_round_trips_and_bad_bytes_are_refused(void **st)
{
    kv_fixture *f = *st;
    dsim_status s;
    for (uint64_t i = 1; i <= 40; i++) {
        dsim_op app = op_of((int32_t)(i % 7), i, DSIM_F_APPEND, (uint32_t)(i % 5), (int64_t)i);
        dsim_kv_apply(&f->a, &app, &s, &f->r);
    }
    size_t len = dsim_kv_bytes(&f->a);
    assert_true(len < sizeof(dsim_kv));
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    memcpy(buf, &f->a, len);
    dsim_kv *c = calloc(1, sizeof *c);
    assert_non_null(c);
    memcpy(c, buf, len);
    assert_int_equal(dsim_kv_check(c, len), 0);
    assert_int_equal(dsim_kv_bytes(c), len);
    assert_true(dsim_kv_digest(c) == dsim_kv_digest(&f->a));
    assert_memory_equal(c, &f->a, len);
    /* the copy goes on like the original: a repeat is still a repeat */
    dsim_op again = op_of(5, 40, DSIM_F_APPEND, 0, 40);
    assert_int_equal(dsim_kv_apply(c, &again, &s, &f->r), DSIM_KV_REPEAT);
    assert_int_equal(dsim_kv_check(c, len - 1), -1);   /* short */
    assert_int_equal(dsim_kv_check(c, len + 8), -1);   /* long */
    assert_int_equal(dsim_kv_check(c, 3), -1);
    assert_int_equal(dsim_kv_check(c, sizeof(dsim_kv) + 1), -1);
    uint8_t *raw = (uint8_t *)c;
    raw[0] ^= 1;   /* another version */
    assert_int_equal(dsim_kv_check(c, len), -1);
    raw[0] ^= 1;
    raw[4] = 0x80;   /* unknown flags */
    assert_int_equal(dsim_kv_check(c, len), -1);
    raw[4] = 0;
    /* a store header claiming more cells than there are */
    size_t store_at = 16 + 24 * DSIM_KV_CLIENTS;
    memset(raw + store_at + 8, 0xff, 4);
    assert_int_equal(dsim_kv_check(c, len), -1);
    dsim_kv *zero = calloc(1, sizeof *zero);
    assert_non_null(zero);
    assert_int_equal(dsim_kv_check(zero, len), -1);   /* never initialised */
    assert_true(dsim_kv_digest(zero) == 0);             /* inspected before boot */
    free(zero);
    free(c);
    free(buf);
}

static void test_init_starts_from_the_workloads_initial_state(void **st)
{
    kv_fixture *f = *st;
    assert_true(dsim_kv_digest(&f->a) == dsim_kv_digest(&f->b));
    assert_int_equal(read_key(&f->a, 0), DSIM_NIL);   /* register: nothing */
    dsim_store s;
    dsim_store_init(&f->w->nodes[0], &s);
    assert_true(dsim_kv_digest(&f->a) != dsim_store_digest(&s));   /* sessions count */
}

static void test_a_leader_answers_a_retry_from_the_session_and_drops_a_stale_one(void **st)
{
    kv_fixture *f = *st;
    dsim_world *w = probe_world(1, DSIM_KV_CLIENTS + 2, 1);   /* clients past the sessions too */
    probe_boot_all(w);
    dsim_node *n = &w->nodes[0];
    dsim_kv *kv = calloc(1, sizeof *kv);
    assert_non_null(kv);
    dsim_kv_init(n, kv, DSIM_KV_STRICT);
    dsim_status s;
    dsim_op w1 = op_of(1, 1, DSIM_F_WRITE, 0, 5), w2 = op_of(1, 2, DSIM_F_WRITE, 0, 6);
    dsim_op app = op_of(2, 1, DSIM_F_APPEND, 5, 9), rl = op_of(2, 2, DSIM_F_READ_LIST, 5, 0);
    dsim_kv_apply(kv, &w2, &s, &f->r);
    dsim_kv_apply(kv, &app, &s, &f->r);
    dsim_kv_apply(kv, &rl, &s, &f->r);
    uint64_t sent = w->msg_id_next;
    dsim_op next = op_of(1, 3, DSIM_F_WRITE, 0, 7);
    assert_false(dsim_kv_answer_seen(n, kv, &next));   /* new: log it */
    assert_int_equal(w->msg_id_next, sent);
    assert_true(dsim_kv_answer_seen(n, kv, &w1));      /* stale: dropped, no answer */
    assert_int_equal(w->msg_id_next, sent);
    assert_true(dsim_kv_answer_seen(n, kv, &rl));      /* words not kept: no answer */
    assert_int_equal(w->msg_id_next, sent);
    assert_true(dsim_kv_answer_seen(n, kv, &w2));      /* a retry: the kept answer */
    assert_int_equal(w->msg_id_next, sent + 1);
    dsim_op unknown = op_of(DSIM_KV_CLIENTS + 1, 1, DSIM_F_WRITE, 0, 1);   /* no session: strict */
    assert_true(dsim_kv_answer_seen(n, kv, &unknown));   /* refused: DSIM_FAIL */
    assert_int_equal(w->msg_id_next, sent + 2);
    free(kv);
    world_free(w);
}

/* A leader that refused an op (dsim_refuse: a full log, too few replicas)
** refuses a copy that arrives later, when there would be room: the network
** duplicates requests, and the first answer said "never applied"
** (replication.lua -D mode=isr seed 142134 applied such a copy). A crash
** clears the memory (and drops what was in flight to the node). */
static void test_a_refused_op_stays_refused_when_a_copy_comes_later(void **st)
{
    kv_fixture *f = *st;
    dsim_world *w = probe_world(1, 2, 1);
    probe_boot_all(w);
    dsim_node *n = &w->nodes[0];
    dsim_kv *kv = calloc(1, sizeof *kv);
    assert_non_null(kv);
    dsim_kv_init(n, kv, 0);
    dsim_status s;
    dsim_op w1 = op_of(1, 1, DSIM_F_WRITE, 0, 5), w2 = op_of(1, 2, DSIM_F_WRITE, 0, 6);
    dsim_op w3 = op_of(1, 3, DSIM_F_WRITE, 0, 7), other = op_of(0, 1, DSIM_F_WRITE, 0, 8);
    dsim_kv_apply(kv, &w1, &s, &f->r);
    uint64_t sent = w->msg_id_next;
    dsim_refuse(n, &w3);                               /* answered DSIM_FAIL */
    assert_int_equal(w->msg_id_next, sent + 1);
    assert_true(dsim_kv_answer_seen(n, kv, &w3));      /* its copy: the same answer */
    assert_int_equal(w->msg_id_next, sent + 2);
    assert_true(dsim_kv_answer_seen(n, kv, &w2));      /* older, never applied: no answer */
    assert_int_equal(w->msg_id_next, sent + 2);
    assert_false(dsim_kv_answer_seen(n, kv, &other));  /* another client's: new */
    dsim_op w4 = op_of(1, 4, DSIM_F_WRITE, 0, 9);
    assert_false(dsim_kv_answer_seen(n, kv, &w4));     /* the client moved on: new */
    dsim_crash(w, 0, false);
    dsim_restart(w, 0, 0);
    assert_false(dsim_kv_answer_seen(n, kv, &w3));     /* a restarted node forgot */
    free(kv);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_retried_add_is_applied_once_and_answered_with_the_kept_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_repeat_gets_the_first_status_and_value_not_a_new_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_result_with_words_is_not_kept_for_a_repeat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_older_seq_is_stale_fails_and_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clients_without_a_session_are_untracked_or_refused_when_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equal_states_have_equal_digests_whatever_the_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_prefix_round_trips_and_bad_bytes_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_leader_answers_a_retry_from_the_session_and_drops_a_stale_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_starts_from_the_workloads_initial_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_refused_op_stays_refused_when_a_copy_comes_later, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

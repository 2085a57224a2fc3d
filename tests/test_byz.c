/*
** test_byz.c — the generic Byzantine behaviours the kernel acts out in
** dsim_send (sim/kernel/byzantine.c), for a protocol that knows nothing of
** them: node 0 sends numbered 8-byte messages to every other node (control
** "burst"), the others count and sum what arrives.
**   silent: nothing arrives, every send is still counted as sent;
**   mute_to {peers = {2}}: node 1 (0-based) gets nothing, the others all;
**   replay {rate = 1}: more arrives than was sent, and every extra is a copy
**   of an earlier message (its number was sent before);
**   corrupt {rate = 1}: every message arrives changed in 1..3 bits;
**   bad parameters are refused with a message; an honest run draws nothing
**   from the stream "byzantine" (same fingerprint as a run that never made
**   a node Byzantine), and a Byzantine run is the same in two worlds of one
**   seed.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "kernel_fixture.h"

#define SEEN_MAX 4096

typedef struct bz_state {
    uint64_t next;              /* sender: the next number */
    int got;                    /* receiver: messages */
    int last_from;              /* receiver: the sender of the last one */
    uint64_t seen[SEEN_MAX];    /* receiver: the numbers, in order */
} bz_state;

static void bz_start(dsim_node *n) { (void)n; }
static void bz_timer(dsim_node *n, uint32_t kind, uint64_t arg) { (void)n, (void)kind, (void)arg; }

static void bz_message(dsim_node *n, int from, const dsim_msg *m)
{
    bz_state *s = dsim_state(n);
    DSIM_ASSERT(m->len == 8);
    uint64_t x;
    memcpy(&x, m->data, 8);
    s->last_from = from;
    if (s->got < SEEN_MAX)
        s->seen[s->got] = x;
    s->got++;
}

/* control "burst" {"count": k}: k messages to every other node. */
static int bz_control(dsim_node *n, const char *verb, const json_t *args, json_t *result)
{
 (void)result;
    bz_state *s = dsim_state(n);
    if (strcmp(verb, "forge") == 0) {   /* {"as": a, "to": b}: one message in a's name */
        dsim_send_as(n, (int)json_integer_value(json_object_get(args, "as")),
                     (int)json_integer_value(json_object_get(args, "to")), 0, &s->next, 8);
        return 0;
    }
    int k = (int)json_integer_value(json_object_get(args, "count"));
    for (int i = 0; i < k; i++, s->next++)
        for (int to = 0; to < dsim_node_count(dsim_world_of(n)); to++)
            if (to != dsim_id(n))
                dsim_send(n, to, 0, &s->next, 8);
    return 0;
}

static const dsim_protocol bz_protocol = {
    .name = "bz", .summary = "test Byzantine behaviours", .state_size = sizeof(bz_state),
    .options = probe_options, .start = bz_start, .on_message = bz_message,
    .on_timer = bz_timer, .control = bz_control, .validates_input = true,
};

static dsim_world *bz_world_forge(uint64_t seed, bool forge)
{
    char err[256];
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &bz_protocol;
    cfg.nodes = 4;
    cfg.seed = seed;
    cfg.net_forge = forge;
    dsim_world *w = world_create(&cfg, err, sizeof err);
    assert_non_null(w);
    world_start(w);
    return w;
}

static dsim_world *bz_world(uint64_t seed) { return bz_world_forge(seed, false); }

/* Node 0 acts out 'b' with 'params' (JSON text, or NULL) and sends 'k'
** rounds; the world runs until everything has arrived. */
static dsim_world *bz_run(uint64_t seed, const char *b, const char *params, int k)
{
    dsim_world *w = bz_world(seed);
    char err[160] = "";
    if (b) {
        json_t *p = params ? json_loads(params, 0, NULL) : NULL;
        assert_true(dsim_byzantine_set(w, 0, b, p, err, sizeof err) != 0);
        json_decref(p);
    }
    json_t *result = json_object();
    assert_int_equal(dsim_control(w, 0, "burst", json_pack("{s:i}", "count", k), result), 0);
    json_decref(result);
    world_run(w, DSIM_MS(5000));
    return w;
}

static bz_state *st_of(dsim_world *w, int node) { return dsim_state(dsim_node_at(w, node)); }

static void test_silent(void **st)
{
    (void)st;
    dsim_world *w = bz_run(1, "silent", NULL, 50);
    for (int i = 1; i < 4; i++)
        assert_int_equal(st_of(w, i)->got, 0);
    assert_int_equal(st_of(w, 0)->next, 50);
    world_free(w);
}

static void test_mute_to(void **st)
{
    (void)st;
    dsim_world *w = bz_run(1, "mute_to", "{\"peers\": [2]}", 50);
    assert_int_equal(st_of(w, 1)->got, 0);   /* node 2 of the scenario */
    assert_int_equal(st_of(w, 2)->got, 50);
    assert_int_equal(st_of(w, 3)->got, 50);
    world_free(w);
}

static void test_replay(void **st)
{
    (void)st;
    dsim_world *w = bz_run(1, "replay", "{\"rate\": 1}", 50);
    int extra = 0;
    for (int i = 1; i < 4; i++) {
        bz_state *s = st_of(w, i);
        extra += s->got - 50;
        for (int j = 0; j < s->got; j++)
            assert_true(s->seen[j] < 50);   /* only what it sent, never made up */
    }
    assert_true(extra >= 100);   /* one copy per send after the first (to someone) */
    world_free(w);
}

static void test_corrupt(void **st)
{
    (void)st;
    dsim_world *w = bz_run(1, "corrupt", "{\"rate\": 1}", 50);
    for (int i = 1; i < 4; i++) {
        bz_state *s = st_of(w, i);
        assert_int_equal(s->got, 50);
        int changed = 0;
        for (int j = 0; j < s->got; j++) {
            int bits = 64;   /* the distance to the closest number it sent */
            for (uint64_t v = 0; v < 50; v++) {
                int b = __builtin_popcountll(s->seen[j] ^ v);
                bits = b < bits ? b : bits;
            }
            assert_true(bits <= 3);
            changed += s->seen[j] >= 50;   /* a flip above bit 5 */
        }
        assert_true(changed >= 35);
    }
    world_free(w);
}

static void test_bad_params(void **st)
{
    (void)st;
    dsim_world *w = bz_world(2);
    char err[160] = "";
    const char *bad[][2] = {
        {"silent", "{\"rate\": 1}"}, {"mute_to", "{}"}, {"mute_to", "{\"peers\": [5]}"},
        {"mute_to", "{\"peers\": \"x\"}"}, {"replay", "{\"rate\": 2}"}, {"corrupt", "{\"peers\": [1]}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *p = json_loads(bad[i][1], 0, NULL);
        err[0] = '\0';
        assert_int_equal(dsim_byzantine_set(w, 0, bad[i][0], p, err, sizeof err), 0);
        assert_non_null(strstr(err, bad[i][0]));
        json_decref(p);
    }
    assert_null(dsim_byzantine(dsim_node_at(w, 0)));
    assert_false(dsim_byzantine_ever(dsim_node_at(w, 0)));   /* refused spells leave no mark */
    assert_true(dsim_byzantine_set(w, 0, "replay", NULL, err, sizeof err) != 0);   /* rate 0.3 */
    assert_true(dsim_byzantine_ever(dsim_node_at(w, 0)));
    assert_true(json_number_value(json_object_get(dsim_byzantine_params(dsim_node_at(w, 0)), "rate")) == 0.3);
    world_free(w);
}

static void test_corrupt_needs_validation(void **st)
{
    (void)st;
    static const dsim_protocol trusting = {
        .name = "trusting", .summary = "asserts on its input", .state_size = sizeof(bz_state),
        .options = probe_options, .start = bz_start, .on_message = bz_message, .on_timer = bz_timer,
    };
    char err[256] = "";
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &trusting;
    cfg.nodes = 3;
    dsim_world *w = world_create(&cfg, err, sizeof err);
    assert_non_null(w);
    world_start(w);
    assert_false(dsim_byzantine_known(w, "corrupt"));
    assert_true(dsim_byzantine_known(w, "replay"));
    assert_int_equal(dsim_byzantine_set(w, 0, "corrupt", NULL, err, sizeof err), 0);
    assert_non_null(strstr(err, "'corrupt' needs a protocol that checks its messages"));
    world_free(w);
}

/* dsim_send_as: dropped on authenticated channels, delivered in the other
** node's name when the scenario allows forging. */
static void test_send_as(void **st)
{
    (void)st;
    for (int forge = 0; forge <= 1; forge++) {
        dsim_world *w = bz_world_forge(4, forge);
        char err[160];
        assert_true(dsim_byzantine_set(w, 0, "silent", NULL, err, sizeof err) != 0);
        json_t *result = json_object();
        assert_int_equal(dsim_control(w, 0, "forge", json_pack("{s:i, s:i}", "as", 2, "to", 3), result), 0);
        json_decref(result);
        world_run(w, DSIM_MS(1000));
        assert_int_equal(st_of(w, 3)->got, forge);
        if (forge)
            assert_int_equal(st_of(w, 3)->last_from, 2);
        world_free(w);
    }
}

static void test_deterministic(void **st)
{
    (void)st;
    dsim_world *a = bz_run(9, "corrupt", "{\"rate\": 0.5}", 30), *b = bz_run(9, "corrupt", "{\"rate\": 0.5}", 30);
    assert_true(a->fingerprint == b->fingerprint);
    dsim_world *h1 = bz_run(9, NULL, NULL, 30);
    dsim_world *h2 = bz_world(9);   /* Byzantine then honest before sending: the same run */
    char err[160];
    uint32_t t = dsim_byzantine_set(h2, 0, "corrupt", NULL, err, sizeof err);
    assert_true(dsim_honest(h2, 0, t));
    assert_true(dsim_byzantine_ever(dsim_node_at(h2, 0)));   /* honest again, not loyal */
    assert_false(dsim_byzantine_ever(dsim_node_at(h2, 1)));
    json_t *result = json_object();
    assert_int_equal(dsim_control(h2, 0, "burst", json_pack("{s:i}", "count", 30), result), 0);
    json_decref(result);
    world_run(h2, DSIM_MS(5000));
    for (int i = 1; i < 4; i++)
        assert_memory_equal(st_of(h1, i)->seen, st_of(h2, i)->seen, sizeof(uint64_t) * 30);
    assert_true(a->fingerprint != h1->fingerprint);
    world_free(a);
    world_free(b);
    world_free(h1);
    world_free(h2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_silent),      cmocka_unit_test(test_mute_to),
        cmocka_unit_test(test_replay),      cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_bad_params),  cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_corrupt_needs_validation), cmocka_unit_test(test_send_as),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

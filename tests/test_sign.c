/*
** test_sign.c — signatures and the Byzantine state (sim/kernel/byzantine.c):
** a node's signature verifies as its own and as nobody else's; any change
** of a byte or of the length fails; 200,000 guessed tags all fail; keys are
** the same in two worlds of one seed and differ across seeds; signing runs
** inside a node's callback (here 'control'). Byzantine behaviours: a
** generic or protocol-listed name is accepted, an unknown one refused with
** a message; honest() with an old token does nothing; the behaviour
** survives a crash.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "kernel_fixture.h"

typedef struct sign_state { dsim_sig last; } sign_state;

static void sign_start(dsim_node *n) { (void)n; }
static void sign_message(dsim_node *n, int from, const dsim_msg *m) { (void)n, (void)from, (void)m; }
static void sign_timer(dsim_node *n, uint32_t kind, uint64_t arg) { (void)n, (void)kind, (void)arg; }

/* control "sign" {"text": s}: signs the text as this node into the state. */
static int sign_control(dsim_node *n, const char *verb, const json_t *args, json_t *result)
{
    (void)verb, (void)result;
    const char *text = json_string_value(json_object_get(args, "text"));
    sign_state *s = dsim_state(n);
    s->last = dsim_sign(n, text, (uint32_t)strlen(text));
    return 0;
}

static const char *const lies[] = {"equivocate", NULL};

static const dsim_protocol sign_protocol = {
    .name = "signer", .summary = "test signatures", .state_size = sizeof(sign_state),
    .options = probe_options, .start = sign_start, .on_message = sign_message,
    .on_timer = sign_timer, .control = sign_control, .byzantine = lies,
};

static dsim_world *sign_world(uint64_t seed)
{
    char err[256];
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &sign_protocol;
    cfg.nodes = 4;
    cfg.seed = seed;
    dsim_world *w = world_create(&cfg, err, sizeof err);
    assert_non_null(w);
    world_start(w);
    return w;
}

static dsim_sig sign_as(dsim_world *w, int node, const char *text)
{
    json_t *result = json_object();
    assert_int_equal(dsim_control(w, node, "sign", json_pack("{s:s}", "text", text), result), 0);
    json_decref(result);
    return ((sign_state *)dsim_state(dsim_node_at(w, node)))->last;
}

static void test_signature_is_its_signers_alone(void **st)
{
    (void)st;
    dsim_world *w = sign_world(7);
    const char *text = "pre-prepare v=1 n=3";
    uint32_t len = (uint32_t)strlen(text);
    dsim_sig s = sign_as(w, 1, text);
    dsim_node *other = dsim_node_at(w, 3);
    assert_true(dsim_verify(other, 1, text, len, &s));
    for (int signer = 0; signer < 4; signer++)
        if (signer != 1)
            assert_false(dsim_verify(other, signer, text, len, &s));
    assert_false(dsim_verify(other, -1, text, len, &s));
    assert_false(dsim_verify(other, 4, text, len, &s));
    assert_false(dsim_verify(other, 1, text, len - 1, &s));   /* a shorter message */
    char changed[64];
    for (uint32_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(changed, text, len);
            changed[i] = (char)(changed[i] ^ (1 << bit));
            assert_false(dsim_verify(other, 1, changed, len, &s));
        }
    world_free(w);
}

static void test_guessed_tags_fail(void **st)
{
    (void)st;
    dsim_world *w = sign_world(11);
    dsim_node *n = dsim_node_at(w, 0);
    dsim_sig real = sign_as(w, 2, "commit");
    for (int i = 0; i < 200000; i++) {
        dsim_sig guess = {{dsim_rand(n), dsim_rand(n)}};
        if (i % 2)
            guess.tag[0] = real.tag[0];   /* half the tag right is not enough */
        assert_false(dsim_verify(n, 2, "commit", 6, &guess));
    }
    world_free(w);
}

static void test_keys_follow_the_seed(void **st)
{
    (void)st;
    dsim_world *a = sign_world(5), *b = sign_world(5), *c = sign_world(6);
    dsim_sig sa = sign_as(a, 0, "x"), sb = sign_as(b, 0, "x"), sc = sign_as(c, 0, "x");
    assert_memory_equal(&sa, &sb, sizeof sa);
    assert_memory_not_equal(&sa, &sc, sizeof sa);
    dsim_sig empty = sign_as(a, 0, "");
    assert_true(dsim_verify(dsim_node_at(a, 1), 0, NULL, 0, &empty));
    world_free(a);
    world_free(b);
    world_free(c);
}

static void test_byzantine_state(void **st)
{
    (void)st;
    dsim_world *w = sign_world(3);
    char err[160] = "";
    dsim_node *n = dsim_node_at(w, 2);
    assert_null(dsim_byzantine(n));
    assert_int_equal(json_object_size(dsim_byzantine_params(n)), 0);
    assert_int_equal(dsim_byzantine_set(w, 2, "double_vote", NULL, err, sizeof err), 0);
    assert_non_null(strstr(err, "unknown Byzantine behaviour 'double_vote'"));
    uint32_t t1 = dsim_byzantine_set(w, 2, "silent", NULL, err, sizeof err);
    assert_true(t1 != 0);
    assert_string_equal(dsim_byzantine(n), "silent");
    json_t *p = json_pack("{s:i}", "seq", 4);
    uint32_t t2 = dsim_byzantine_set(w, 2, "equivocate", p, err, sizeof err);
    json_decref(p);
    assert_true(t2 != 0 && t2 != t1);
    assert_int_equal(json_integer_value(json_object_get(dsim_byzantine_params(n), "seq")), 4);
    assert_false(dsim_honest(w, 2, t1));   /* an older spell's end */
    assert_string_equal(dsim_byzantine(n), "equivocate");
    assert_true(dsim_crash(w, 2, false) != 0);
    assert_true(dsim_restart(w, 2, 0));
    assert_string_equal(dsim_byzantine(n), "equivocate");   /* survives the crash */
    assert_true(dsim_honest(w, 2, t2));
    assert_null(dsim_byzantine(n));
    assert_false(dsim_honest(w, 2, 0));
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_is_its_signers_alone),
        cmocka_unit_test(test_guessed_tags_fail),
        cmocka_unit_test(test_keys_follow_the_seed),
        cmocka_unit_test(test_byzantine_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

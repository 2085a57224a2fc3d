/*
** test_logfilter.c — unit tests of the --log filters (sim/logfilter.c).
**
** Events are built as the trace builds them (jansson objects with the
** kernel's field names); each test states one rule of the filter language:
** same key ORs, different keys AND, 'node' means any endpoint field, a
** trailing '*' is a prefix, integers compare by their decimal text, and
** malformed or unknown terms are errors that name the problem.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "logfilter.h"

static json_t *deliver(const char *from, const char *to, const char *msg)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:i, s:s}", "t", (json_int_t)1000, "ev", "deliver",
                     "from", from, "to", to, "id", 7, "msg", msg);
}

static bool matches(const char *spec, json_t *e)
{
    char err[256];
    logfilter *f = logfilter_parse(spec, err, sizeof err);
    assert_non_null(f);
    bool m = logfilter_match(f, e);
    logfilter_free(f);
    return m;
}

static void test_logfilter_null_filter_passes_everything(void **state)
{
    (void)state;
    json_t *e = deliver("n1", "n2", "AppendEntries");
    assert_true(logfilter_match(NULL, e));
    json_decref(e);
}

static void test_logfilter_node_matches_any_endpoint_field(void **state)
{
    (void)state;
    json_t *e = deliver("n1", "n2", "AppendEntries");
    json_t *timer = json_pack("{s:I, s:s, s:s, s:i}", "t", (json_int_t)5, "ev", "timer", "node", "n2", "kind", 1);
    json_t *op = json_pack("{s:I, s:s, s:s}", "t", (json_int_t)5, "ev", "op", "client", "c3");
    assert_true(matches("node:n1", e));
    assert_true(matches("node:n2", e));
    assert_false(matches("node:n3", e));
    assert_true(matches("node:n2", timer));
    assert_true(matches("node:c3", op));
    assert_false(matches("node:n1", op));
    json_decref(e), json_decref(timer), json_decref(op);
}

static void test_logfilter_same_key_ors_different_keys_and(void **state)
{
    (void)state;
    json_t *e = deliver("n1", "n2", "AppendEntries");
    assert_true(matches("ev:send,ev:deliver", e));
    assert_true(matches("node:n1,ev:deliver,msg:AppendEntries", e));
    assert_false(matches("node:n1,ev:send", e));
    assert_false(matches("node:n1,ev:deliver,msg:RequestVote", e));
    assert_true(matches("node:n3,node:n1,msg:RequestVote,msg:AppendEntries", e));
    json_decref(e);
}

static void test_logfilter_star_is_a_prefix_and_integers_match_as_text(void **state)
{
    (void)state;
    json_t *e = deliver("n1", "n2", "AppendEntries");
    assert_true(matches("msg:Append*", e));
    assert_false(matches("msg:Vote*", e));
    assert_true(matches("id:7", e));
    assert_false(matches("id:70", e));
    assert_false(matches("why:loss", e));   /* a missing field never matches */
    json_decref(e);
}

static void test_logfilter_rejects_malformed_and_unknown_terms(void **state)
{
    (void)state;
    char err[256];
    static const char *const bad[] = {"", "node", "node:", ":n1", "nod:n1", "ev:deliver,,node:n1",
                                      "ev:deliver,", NULL};
    for (int i = 0; bad[i]; i++) {
        err[0] = 0;
        assert_null(logfilter_parse(bad[i], err, sizeof err));
        assert_true(strlen(err) > 0);
    }
    assert_null(logfilter_parse("nod:n1", err, sizeof err));
    assert_non_null(strstr(err, "unknown key 'nod'"));
    char longv[200];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = 0;
    memcpy(longv, "msg:", 4);
    assert_null(logfilter_parse(longv, err, sizeof err));
}

static void test_logfilter_bounds_the_number_of_terms(void **state)
{
    (void)state;
    char spec[2048] = "", err[256];
    for (int i = 0; i < 65; i++)
        strcat(spec, i ? ",ev:x" : "ev:x");
    assert_null(logfilter_parse(spec, err, sizeof err));
    assert_non_null(strstr(err, "too many"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logfilter_null_filter_passes_everything),
        cmocka_unit_test(test_logfilter_node_matches_any_endpoint_field),
        cmocka_unit_test(test_logfilter_same_key_ors_different_keys_and),
        cmocka_unit_test(test_logfilter_star_is_a_prefix_and_integers_match_as_text),
        cmocka_unit_test(test_logfilter_rejects_malformed_and_unknown_terms),
        cmocka_unit_test(test_logfilter_bounds_the_number_of_terms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

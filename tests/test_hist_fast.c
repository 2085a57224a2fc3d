/*
** test_hist_fast.c — the JSON-lines reader's fast path (lines in the exact
** shape dsim writes) gives the same events as the general path (jansson):
** each line is read once as written and once with a space added after
** the first comma, which the fast path refuses; the two histories must
** match event by event. Also: near-misses fall back and still read right,
** and malformed lines are still bad input with their line number.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"

static const char *const lines[] = {
    "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":3,\"time\":1200000}",
    "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":3,\"time\":1350000,\"node\":\"n2\"}",
    "{\"process\":1,\"type\":\"invoke\",\"f\":\"cas\",\"key\":\"k2\",\"value\":[3,-4],\"time\":1400000}",
    "{\"process\":1,\"type\":\"info\",\"f\":\"cas\",\"key\":\"k2\",\"value\":[3,-4],\"time\":1900000}",
    "{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k0\",\"value\":null,\"time\":2000000}",
    "{\"process\":2,\"type\":\"ok\",\"f\":\"read\",\"key\":\"k0\",\"value\":null,\"time\":2100000}",
    "{\"process\":3,\"type\":\"invoke\",\"f\":\"read\",\"value\":null,\"time\":2200000}",
    "{\"process\":3,\"type\":\"fail\",\"f\":\"read\",\"value\":123456789012345678,\"time\":2300000}",
    /* near misses: a string value, a 19-digit number, an escape, extra key */
    "{\"process\":4,\"type\":\"invoke\",\"f\":\"put\",\"key\":\"x\",\"value\":\"a b\",\"time\":2400000}",
    "{\"process\":4,\"type\":\"ok\",\"f\":\"put\",\"key\":\"x\",\"value\":1234567890123456789,\"time\":2500000}",
    "{\"process\":5,\"type\":\"invoke\",\"f\":\"w\\u0041\",\"value\":1,\"time\":2600000}",
    "{\"process\":5,\"type\":\"ok\",\"f\":\"wA\",\"value\":1,\"time\":2700000,\"extra\":1}",
};

static char *join(bool spaced)
{
    static char buf[4096];
    size_t n = 0;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const char *l = lines[i], *comma = strchr(l, ',');
        size_t head = spaced ? (size_t)(comma - l + 1) : strlen(l);
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%.*s%s%s\n", (int)head, l,
                              spaced ? " " : "", spaced ? l + head : "");
    }
    return buf;
}

static void test_fast_and_general_paths_read_the_same_events(void **st)
{
    (void)st;
    char err[256], a_text[4096], b_text[4096];
    snprintf(a_text, sizeof a_text, "%s", join(false));
    snprintf(b_text, sizeof b_text, "%s", join(true));
    hist *a = hist_read(a_text, strlen(a_text), "a", HIST_FMT_JSON, err, sizeof err);
    assert_non_null(a);
    hist *b = hist_read(b_text, strlen(b_text), "b", HIST_FMT_JSON, err, sizeof err);
    assert_non_null(b);
    assert_int_equal(a->count, sizeof lines / sizeof lines[0]);
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        const hist_event *x = &a->events[i], *y = &b->events[i];
        char vx[128], vy[128];
        hist_value_format(x->value, vx, sizeof vx);
        hist_value_format(y->value, vy, sizeof vy);
        assert_int_equal(x->process, y->process);
        assert_int_equal(x->type, y->type);
        assert_string_equal(x->f, y->f);
        assert_true((x->key == NULL) == (y->key == NULL));
        if (x->key)
            assert_string_equal(x->key, y->key);
        assert_string_equal(vx, vy);
        assert_int_equal(x->time, y->time);
        assert_int_equal(x->line, y->line);
        assert_true((x->node == NULL) == (y->node == NULL));
        if (x->node)
            assert_string_equal(x->node, y->node);
    }
    assert_string_equal(a->events[1].node, "n2");   /* the serving node, both ways */
    assert_null(a->events[0].node);
    assert_string_equal(a->events[10].f, "wA");   /* the escape went the slow way */
    hist_free(a);
    hist_free(b);
}

static void test_malformed_lines_stay_bad_input_with_their_line(void **st)
{
    (void)st;
    char err[256];
    const char *text = "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null,\"time\":1}\n"
                       "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":01,\"time\":2}\n";
    hist *h = hist_read(text, strlen(text), "bad.jsonl", HIST_FMT_JSON, err, sizeof err);
    assert_null(h);
    assert_non_null(strstr(err, "bad.jsonl:2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_and_general_paths_read_the_same_events),
        cmocka_unit_test(test_malformed_lines_stay_bad_input_with_their_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

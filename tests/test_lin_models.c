/*
** test_lin_models.c — hand-made histories for every model and the edge
** cases of the linearizability checker, through 'check_linearizable'
** (readers, pairing, partitions, search and report together), plus the
** bad inputs that must be refused with their line number.
**
** Each history is a few dsim JSON lines (or EDN, or etcd log lines) whose
** verdict is known by reasoning; the comment on each says why.
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

/* "P TYPE F VALUE" shorthand -> one JSON line (VALUE is JSON text). */
#define EV(p, type, f, v) "{\"process\":" #p ",\"type\":\"" type "\",\"f\":\"" f "\",\"value\":" v "}\n"
#define EVK(p, type, f, k, v) \
    "{\"process\":" #p ",\"type\":\"" type "\",\"f\":\"" f "\",\"key\":\"" k "\",\"value\":" v "}\n"

static check_verdict check_fmt(const char *model, const char *format, const char *text,
                               const check_budget *b, json_t **report, char *err, size_t cap)
{
    json_t *r = json_object();
    err[0] = '\0';
    check_verdict v = check_linearizable(text, strlen(text), "history", format, model, b, r,
                                         err, cap);
    if (report != NULL)
        *report = r;
    else
        json_decref(r);
    return v;
}

static check_verdict check(const char *model, const char *text)
{
    char err[512];
    check_verdict v = check_fmt(model, "auto", text, NULL, NULL, err, sizeof err);
    if (v == CHECK_BAD_INPUT)
        print_message("bad input: %s\n", err);
    return v;
}

/* The error of a bad input must start with "history:LINE:". */
static void assert_bad_at(const char *model, const char *format, const char *text, int line)
{
    char err[512], want[32];
    check_verdict v = check_fmt(model, format, text, NULL, NULL, err, sizeof err);
    assert_int_equal(v, CHECK_BAD_INPUT);
    snprintf(want, sizeof want, "history:%d:", line);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("expected '%s...', got '%s'", want, err);
}

static void test_lin_empty_history_is_linearizable(void **st)
{
    (void)st;
    assert_int_equal(check("register", ""), CHECK_OK);
    assert_int_equal(check("kv", "\n\n"), CHECK_OK);
}

static void test_lin_read_of_the_initial_value(void **st)
{
    (void)st;
    /* nil before any write: fine */
    assert_int_equal(check("register", EV(0, "invoke", "read", "null") EV(0, "ok", "read", "null")
                                       EV(0, "invoke", "write", "1") EV(0, "ok", "write", "1")),
                     CHECK_OK);
    /* nil after a write completed: stale */
    assert_int_equal(check("register", EV(0, "invoke", "write", "1") EV(0, "ok", "write", "1")
                                       EV(1, "invoke", "read", "null") EV(1, "ok", "read", "null")),
                     CHECK_VIOLATION);
}

static void test_lin_one_process_only(void **st)
{
    (void)st;
    const char *ok = EV(0, "invoke", "write", "1") EV(0, "ok", "write", "1")
                     EV(0, "invoke", "read", "null") EV(0, "ok", "read", "1")
                     EV(0, "invoke", "write", "2") EV(0, "ok", "write", "2")
                     EV(0, "invoke", "read", "null") EV(0, "ok", "read", "2");
    const char *bad = EV(0, "invoke", "write", "1") EV(0, "ok", "write", "1")
                      EV(0, "invoke", "write", "2") EV(0, "ok", "write", "2")
                      EV(0, "invoke", "read", "null") EV(0, "ok", "read", "1");
    assert_int_equal(check("register", ok), CHECK_OK);
    assert_int_equal(check("register", bad), CHECK_VIOLATION);
}

static void test_lin_info_write_that_must_be_placed(void **st)
{
    (void)st;
    /* only the info write of 5 can explain the read of 5 */
    assert_int_equal(check("register", EV(0, "invoke", "write", "5") EV(0, "info", "write", "5")
                                       EV(1, "invoke", "read", "null") EV(1, "ok", "read", "5")),
                     CHECK_OK);
    /* an invocation never completed counts as info too */
    assert_int_equal(check("register", EV(0, "invoke", "write", "5")
                                       EV(1, "invoke", "read", "null") EV(1, "ok", "read", "5")),
                     CHECK_OK);
    /* but it cannot take effect before its invocation */
    assert_int_equal(check("register", EV(1, "invoke", "read", "null") EV(1, "ok", "read", "5")
                                       EV(0, "invoke", "write", "5") EV(0, "info", "write", "5")),
                     CHECK_VIOLATION);
}

static void test_lin_info_write_that_must_not_be_placed(void **st)
{
    (void)st;
    /* placing the info write of 9 anywhere would break a read: it never happened */
    assert_int_equal(check("register", EV(0, "invoke", "write", "1") EV(0, "ok", "write", "1")
                                       EV(1, "invoke", "write", "9") EV(1, "info", "write", "9")
                                       EV(0, "invoke", "read", "null") EV(0, "ok", "read", "1")
                                       EV(2, "invoke", "read", "null") EV(2, "ok", "read", "1")),
                     CHECK_OK);
    /* an info acquire of a held lock never happened */
    assert_int_equal(check("mutex", EV(0, "invoke", "acquire", "null") EV(0, "ok", "acquire", "null")
                                    EV(1, "invoke", "acquire", "null") EV(1, "info", "acquire", "null")),
                     CHECK_OK);
}

static void test_lin_writes_of_equal_values(void **st)
{
    (void)st;
    /* two writes of 1: the read of 1 after the write of 2 is explained by
    ** the second write of 1, which is concurrent with the write of 2 */
    assert_int_equal(check("register", EV(0, "invoke", "write", "1") EV(0, "ok", "write", "1")
                                       EV(1, "invoke", "write", "2") EV(2, "invoke", "write", "1")
                                       EV(1, "ok", "write", "2") EV(2, "ok", "write", "1")
                                       EV(0, "invoke", "read", "null") EV(0, "ok", "read", "1")),
                     CHECK_OK);
    /* ... but not when both writes of 1 finished before the write of 2 began */
    assert_int_equal(check("register", EV(0, "invoke", "write", "1") EV(0, "ok", "write", "1")
                                       EV(2, "invoke", "write", "1") EV(2, "ok", "write", "1")
                                       EV(1, "invoke", "write", "2") EV(1, "ok", "write", "2")
                                       EV(0, "invoke", "read", "null") EV(0, "ok", "read", "1")),
                     CHECK_VIOLATION);
}

static void test_lin_a_cas_that_failed(void **st)
{
    (void)st;
    /* dsim/Jepsen: fail means it did not happen, so the register stays 1 */
    assert_int_equal(check("cas-register", EV(0, "invoke", "write", "1") EV(0, "ok", "write", "1")
                                           EV(0, "invoke", "cas", "[1,2]") EV(0, "fail", "cas", "[1,2]")
                                           EV(0, "invoke", "read", "null") EV(0, "ok", "read", "1")),
                     CHECK_OK);
    /* an ok cas swapped: reading the old value after it is stale */
    assert_int_equal(check("cas-register", EV(0, "invoke", "write", "1") EV(0, "ok", "write", "1")
                                           EV(0, "invoke", "cas", "[1,2]") EV(0, "ok", "cas", "[1,2]")
                                           EV(1, "invoke", "read", "null") EV(1, "ok", "read", "1")),
                     CHECK_VIOLATION);
    /* an ok cas whose from value was never there */
    assert_int_equal(check("cas-register", EV(0, "invoke", "cas", "[7,2]") EV(0, "ok", "cas", "[7,2]")),
                     CHECK_VIOLATION);
}

static void test_lin_etcd_fail_cas_returned_false(void **st)
{
    (void)st;
    char err[512];
    /* etcd log: ':fail :cas' is a cas that returned false; here the register was 1 = from */
    const char *bad = "INFO  jepsen.util - 0\t:invoke\t:write\t1\n"
                      "INFO  jepsen.util - 0\t:ok\t:write\t1\n"
                      "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]\n"
                      "INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]\n";
    const char *ok = "INFO  jepsen.util - 0\t:invoke\t:write\t3\n"
                     "INFO  jepsen.util - 0\t:ok\t:write\t3\n"
                     "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]\n"
                     "INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]\n"
                     "INFO  jepsen.util - 2\t:invoke\t:read\tnil\n"
                     "INFO  jepsen.util - 2\t:fail\t:read\t:timed-out\n"
                     "INFO  jepsen.util - 3\t:invoke\t:write\t4\n"
                     "INFO  jepsen.util - 3\t:info\t:write\t:timed-out\n"
                     "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
                     "INFO  jepsen.util - 0\t:ok\t:read\t4\n";
    assert_int_equal(check_fmt("cas-register", "etcd", bad, NULL, NULL, err, sizeof err),
                     CHECK_VIOLATION);
    assert_int_equal(check_fmt("cas-register", "auto", ok, NULL, NULL, err, sizeof err), CHECK_OK);
}

static void test_lin_keys_are_checked_apart(void **st)
{
    (void)st;
    json_t *r;
    char err[512];
    const char *h = EVK(0, "invoke", "write", "a", "1") EVK(0, "ok", "write", "a", "1")
                    EVK(1, "invoke", "write", "b", "2") EVK(1, "ok", "write", "b", "2")
                    EVK(0, "invoke", "read", "a", "null") EVK(0, "ok", "read", "a", "1")
                    EVK(1, "invoke", "read", "b", "null") EVK(1, "ok", "read", "b", "1");
    assert_int_equal(check_fmt("register", "json", h, NULL, &r, err, sizeof err), CHECK_VIOLATION);
    assert_int_equal(json_integer_value(json_object_get(r, "partitions_total")), 2);
    assert_int_equal(json_integer_value(json_object_get(r, "partitions_failed")), 1);
    json_t *parts = json_object_get(r, "partitions");
    assert_true(json_is_true(json_object_get(json_array_get(parts, 0), "valid")));
    json_t *b = json_array_get(parts, 1);
    assert_string_equal(json_string_value(json_object_get(b, "key")), "b");
    /* the core: nothing ever wrote 1 to key b, so the read alone */
    assert_int_equal(json_array_size(json_object_get(b, "core")), 1);
    assert_true(json_is_object(json_object_get(b, "prefix")));
    json_decref(r);
}

static void test_lin_kv_get_put_append(void **st)
{
    (void)st;
    assert_int_equal(check("kv", EVK(0, "invoke", "append", "x", "\"a\"") EVK(0, "ok", "append", "x", "\"a\"")
                                 EVK(1, "invoke", "append", "x", "\"b\"") EVK(1, "ok", "append", "x", "\"b\"")
                                 EVK(2, "invoke", "get", "x", "null") EVK(2, "ok", "get", "x", "\"ab\"")
                                 EVK(2, "invoke", "put", "x", "\"z\"") EVK(2, "ok", "put", "x", "\"z\"")
                                 EVK(2, "invoke", "get", "x", "null") EVK(2, "ok", "get", "x", "\"z\"")),
                     CHECK_OK);
    assert_int_equal(check("kv", EVK(0, "invoke", "append", "x", "\"a\"") EVK(0, "ok", "append", "x", "\"a\"")
                                 EVK(1, "invoke", "append", "x", "\"b\"") EVK(1, "ok", "append", "x", "\"b\"")
                                 EVK(2, "invoke", "get", "x", "null") EVK(2, "ok", "get", "x", "\"ba\"")),
                     CHECK_VIOLATION);
    /* a missing key reads as "" */
    assert_int_equal(check("kv", EVK(0, "invoke", "get", "y", "null") EVK(0, "ok", "get", "y", "\"\"")),
                     CHECK_OK);
}

static void test_lin_counter_set_queue_mutex(void **st)
{
    (void)st;
    assert_int_equal(check("counter", EV(0, "invoke", "add", "2") EV(1, "invoke", "add", "3")
                                      EV(0, "ok", "add", "2") EV(2, "invoke", "read", "null")
                                      EV(2, "ok", "read", "5") EV(1, "ok", "add", "3")),
                     CHECK_OK);
    assert_int_equal(check("counter", EV(0, "invoke", "add", "2") EV(0, "ok", "add", "2")
                                      EV(2, "invoke", "read", "null") EV(2, "ok", "read", "3")),
                     CHECK_VIOLATION);
    assert_int_equal(check("set", EV(0, "invoke", "add", "1") EV(0, "ok", "add", "1")
                                  EV(1, "invoke", "add", "2") EV(1, "ok", "add", "2")
                                  EV(2, "invoke", "read", "null") EV(2, "ok", "read", "[2,1,1]")),
                     CHECK_OK);
    assert_int_equal(check("set", EV(0, "invoke", "add", "1") EV(0, "ok", "add", "1")
                                  EV(2, "invoke", "read", "null") EV(2, "ok", "read", "[]")),
                     CHECK_VIOLATION);
    /* removes: a removed element is gone, an info remove may or may not be */
    assert_int_equal(check("set", EV(0, "invoke", "add", "1") EV(0, "ok", "add", "1")
                                  EV(1, "invoke", "remove", "1") EV(1, "ok", "remove", "1")
                                  EV(2, "invoke", "read", "null") EV(2, "ok", "read", "[]")
                                  EV(0, "invoke", "add", "1") EV(0, "ok", "add", "1")
                                  EV(2, "invoke", "read", "null") EV(2, "ok", "read", "[1]")),
                     CHECK_OK);
    assert_int_equal(check("set", EV(0, "invoke", "add", "1") EV(0, "ok", "add", "1")
                                  EV(1, "invoke", "remove", "1") EV(1, "ok", "remove", "1")
                                  EV(2, "invoke", "read", "null") EV(2, "ok", "read", "[1]")),
                     CHECK_VIOLATION);
    assert_int_equal(check("set", EV(0, "invoke", "add", "1") EV(0, "ok", "add", "1")
                                  EV(1, "invoke", "remove", "1") EV(1, "info", "remove", "1")
                                  EV(2, "invoke", "read", "null") EV(2, "ok", "read", "[1]")
                                  EV(2, "invoke", "read", "null") EV(2, "ok", "read", "[]")),
                     CHECK_OK);
    assert_int_equal(check("queue", EV(0, "invoke", "enqueue", "1") EV(0, "ok", "enqueue", "1")
                                    EV(0, "invoke", "enqueue", "2") EV(0, "ok", "enqueue", "2")
                                    EV(1, "invoke", "dequeue", "null") EV(1, "ok", "dequeue", "1")
                                    EV(1, "invoke", "dequeue", "null") EV(1, "ok", "dequeue", "2")
                                    EV(1, "invoke", "dequeue", "null") EV(1, "ok", "dequeue", "null")),
                     CHECK_OK);
    assert_int_equal(check("queue", EV(0, "invoke", "enqueue", "1") EV(0, "ok", "enqueue", "1")
                                    EV(0, "invoke", "enqueue", "2") EV(0, "ok", "enqueue", "2")
                                    EV(1, "invoke", "dequeue", "null") EV(1, "ok", "dequeue", "2")),
                     CHECK_VIOLATION);
    assert_int_equal(check("mutex", EV(0, "invoke", "acquire", "null") EV(0, "ok", "acquire", "null")
                                    EV(1, "invoke", "acquire", "null") EV(1, "ok", "acquire", "null")),
                     CHECK_VIOLATION);
    assert_int_equal(check("mutex", EV(0, "invoke", "acquire", "null") EV(0, "ok", "acquire", "null")
                                    EV(1, "invoke", "acquire", "null") EV(0, "invoke", "release", "null")
                                    EV(0, "ok", "release", "null") EV(1, "ok", "acquire", "null")),
                     CHECK_OK);
}

static void test_lin_edn_independent_tuples(void **st)
{
    (void)st;
    char err[512];
    json_t *r;
    const char *h = "{:process 0, :type :invoke, :f :write, :value [:x 1]}\n"
                    "{:process 0, :type :ok, :f :write, :value [:x 1]}\n"
                    "{:process :nemesis, :type :info, :f :start, :value nil}\n"
                    "{:process 1, :type :invoke, :f :read, :value [:y nil]}\n"
                    "{:process 1, :type :ok, :f :read, :value [:y 1]}\n";
    assert_int_equal(check_fmt("register", "auto", h, NULL, &r, err, sizeof err), CHECK_VIOLATION);
    assert_string_equal(json_string_value(json_object_get(r, "format")), "edn");
    assert_int_equal(json_integer_value(json_object_get(r, "partitions_total")), 2);
    json_decref(r);
    /* Jepsen's set workload reads sets: #{...} */
    const char *set = "{:process 0, :type :invoke, :f :add, :value 3}\n"
                      "{:process 0, :type :ok, :f :add, :value 3}\n"
                      "{:process 0, :type :invoke, :f :read, :value nil}\n"
                      "{:process 0, :type :ok, :f :read, :value #{3}}\n";
    assert_int_equal(check_fmt("set", "edn", set, NULL, NULL, err, sizeof err), CHECK_OK);
}

/* Many concurrent info writes and no reads that settle them: a tiny state
** budget cannot finish, and the answer must be unknown, never ok. */
static void test_lin_budget_ends_in_unknown(void **st)
{
    (void)st;
    char text[8192], err[512];
    size_t n = 0;
    for (int p = 0; p < 12; p++)
        n += (size_t)snprintf(text + n, sizeof text - n, EV(%d, "invoke", "write", "%d"), p, p);
    for (int p = 0; p < 12; p++)
        n += (size_t)snprintf(text + n, sizeof text - n, EV(%d, "ok", "write", "%d"), p, p);
    snprintf(text + n, sizeof text - n, EV(20, "invoke", "read", "null") EV(20, "ok", "read", "99"));
    check_budget b = {.states_max = 50};
    json_t *r;
    assert_int_equal(check_fmt("register", "json", text, &b, &r, err, sizeof err), CHECK_UNKNOWN);
    assert_string_equal(json_string_value(json_object_get(r, "valid")), "unknown");
    json_decref(r);
    /* with no budget the same history is decided */
    assert_int_equal(check_fmt("register", "json", text, NULL, NULL, err, sizeof err),
                     CHECK_VIOLATION);
}

/* 50 000 operations on one key: the memo keeps only the window of each
** linearized set, so this is decided, not cut short by the memory cap. */
static void test_lin_long_history_is_decided(void **st)
{
    (void)st;
    enum { ROUNDS = 25000 };
    size_t cap = (size_t)ROUNDS * 4 * 64, n = 0;
    char *text = malloc(cap), err[512];
    assert_non_null(text);
    for (int i = 1; i <= ROUNDS; i++)
        n += (size_t)snprintf(text + n, cap - n,
                              EV(0, "invoke", "write", "%d") EV(1, "invoke", "read", "null")
                              EV(0, "ok", "write", "%d") EV(1, "ok", "read", "%d"), i, i, i);
    json_t *r;
    assert_int_equal(check_fmt("register", "json", text, NULL, &r, err, sizeof err), CHECK_OK);
    assert_true(json_integer_value(json_object_get(r, "states")) < 4 * ROUNDS);
    json_decref(r);
    free(text);
}

/* Jepsen's and Knossos's EDN shapes, and :time never decides anything. */
static void test_lin_edn_as_jepsen_and_knossos_write_it(void **st)
{
    (void)st;
    /* a vector of maps spread over lines, comments, discards, tags, sets */
    const char *vec =
        "; a comment\n"
        "[{:process 0,\n  :type :invoke, :f :write, :value 1, :time 50}\n"
        " {:process :nemesis, :type :info, :f :start, :value {:cut #{\"n1\"}}}\n"
        " #_ {:process 5, :type :ok}\n"
        " {:process 0, :type :ok, :f :write, :value 1, :time 40,\n"
        "  :at #inst \"2020-01-01T00:00:00Z\", :latency 1.5, :my.ns/tag :x/y}\n"
        " {:process 1, :type :invoke, :f :read, :value nil}\n"
        " {:process 1, :type :ok, :f :read, :value 1}]\n";
    assert_int_equal(check("register", vec), CHECK_OK);
    /* Jepsen 0.3 records, one per line; time goes backwards */
    assert_int_equal(check("register",
        "#jepsen.history.Op{:index 0, :time 9, :type :invoke, :process 0, :f :write, :value 2}\n"
        "#jepsen.history.Op{:index 1, :time 3, :type :ok, :process 0, :f :write, :value 2}\n"),
        CHECK_OK);
    /* :index orders the operations when every one has it */
    const char *shuffled =
        "({:index 1, :process 0, :type :ok, :f :write, :value 1}\n"
        " {:index 0, :process 0, :type :invoke, :f :write, :value 1}\n"
        " {:index 3, :process 1, :type :ok, :f :read, :value 1}\n"
        " {:index 2, :process 1, :type :invoke, :f :read, :value nil})\n";
    assert_int_equal(check("register", shuffled), CHECK_OK);
    /* JSON lines whose time goes backwards: display only */
    assert_int_equal(check("register",
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"time\":200}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":null,\"time\":100}\n"),
        CHECK_OK);
}

/* Knossos starts its register at 0; --initial says so. */
static void test_lin_initial_value_of_a_register(void **st)
{
    (void)st;
    const char *h = "[{:process 0, :type :invoke, :f :read, :value nil}\n"
                    " {:process 0, :type :ok, :f :read, :value 0}\n"
                    " {:process 0, :type :invoke, :f :cas, :value [0 1]}\n"
                    " {:process 0, :type :ok, :f :cas, :value [0 1]}]\n";
    char err[512];
    check_lin_options zero = {.initial = "0"}, nil = {.initial = "nil"}, bad = {.initial = "[0"};
    json_t *r = json_object();
    assert_int_equal(check_linearizable_opts(h, strlen(h), "history", "auto", "cas-register",
                                             NULL, &zero, r, err, sizeof err), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "initial")), 0);
    assert_int_equal(check_linearizable_opts(h, strlen(h), "history", "auto", "cas-register",
                                             NULL, &nil, r, err, sizeof err), CHECK_VIOLATION);
    assert_int_equal(check("cas-register", h), CHECK_VIOLATION);
    assert_int_equal(check_linearizable_opts(h, strlen(h), "history", "auto", "cas-register",
                                             NULL, &bad, r, err, sizeof err), CHECK_BAD_INPUT);
    assert_int_equal(check_linearizable_opts(h, strlen(h), "history", "auto", "counter",
                                             NULL, &zero, r, err, sizeof err), CHECK_BAD_INPUT);
    json_decref(r);
}

static void test_lin_bad_input_names_the_line(void **st)
{
    (void)st;
    /* malformed JSON on line 2 */
    assert_bad_at("register", "json", EV(0, "invoke", "read", "null") "{\"process\":0,\n", 2);
    /* malformed EDN on line 1 */
    assert_bad_at("register", "edn", "{:process 0, :type :invoke, :f :read, :value [1 2}\n", 1);
    /* a completion without an invoke */
    assert_bad_at("register", "json", EV(0, "invoke", "read", "null") EV(0, "ok", "read", "null")
                                      EV(0, "ok", "read", "null"), 3);
    /* two outstanding operations on one process */
    assert_bad_at("register", "json", EV(0, "invoke", "read", "null") EV(0, "invoke", "write", "1"), 2);
    /* an operation the model does not know (cas is not a plain register's) */
    assert_bad_at("register", "json", EV(0, "invoke", "write", "1") EV(0, "ok", "write", "1")
                                      EV(0, "invoke", "cas", "[1,2]") EV(0, "ok", "cas", "[1,2]"), 3);
    /* integers beyond 64 bits are refused, never clamped (EDN and JSON) */
    assert_bad_at("register", "edn",
                  "{:process 0, :type :invoke, :f :write, :value 1}\n"
                  "{:process 0, :type :ok, :f :write, :value 99999999999999999999999999999N}\n", 2);
    assert_bad_at("register", "edn",
                  "{:process 0, :type :invoke, :f :write, :value 9223372036854775808}\n", 1);
    assert_bad_at("register", "json",
                  "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":99999999999999999999999}\n", 1);
    /* a value no model holds, where an operation needs it */
    assert_bad_at("register", "edn", "[{:process 0, :type :invoke, :f :write,\n :value {:a 1}}]", 1);
    /* an unclosed vector of operations: the line where the input ended */
    assert_bad_at("register", "edn", "[{:process 0, :type :invoke, :f :read}\n\n", 3);
    /* an etcd line that is not one */
    assert_bad_at("cas-register", "etcd", "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nhello\n", 2);
    /* unknown model and format */
    char err[256];
    assert_int_equal(check_fmt("stack", "json", "", NULL, NULL, err, sizeof err), CHECK_BAD_INPUT);
    assert_int_equal(check_fmt("register", "yaml", "", NULL, NULL, err, sizeof err), CHECK_BAD_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lin_empty_history_is_linearizable),
        cmocka_unit_test(test_lin_read_of_the_initial_value),
        cmocka_unit_test(test_lin_one_process_only),
        cmocka_unit_test(test_lin_info_write_that_must_be_placed),
        cmocka_unit_test(test_lin_info_write_that_must_not_be_placed),
        cmocka_unit_test(test_lin_writes_of_equal_values),
        cmocka_unit_test(test_lin_a_cas_that_failed),
        cmocka_unit_test(test_lin_etcd_fail_cas_returned_false),
        cmocka_unit_test(test_lin_keys_are_checked_apart),
        cmocka_unit_test(test_lin_kv_get_put_append),
        cmocka_unit_test(test_lin_counter_set_queue_mutex),
        cmocka_unit_test(test_lin_edn_independent_tuples),
        cmocka_unit_test(test_lin_budget_ends_in_unknown),
        cmocka_unit_test(test_lin_long_history_is_decided),
        cmocka_unit_test(test_lin_edn_as_jepsen_and_knossos_write_it),
        cmocka_unit_test(test_lin_initial_value_of_a_register),
        cmocka_unit_test(test_lin_bad_input_names_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

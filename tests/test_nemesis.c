/*
** test_nemesis.c — unit tests of the schedule generator (faults/nemesis.c).
**
** Drawing is a pure function of (config, seed, nodes): checked by drawing
** twice. Every drawn schedule must pass the checker that guards forced
** schedules, lie inside [start, stop], be sorted, and never put two faults
** on one slot at once (one partition at a time, one process fault per
** node). Swarm testing must vary the kinds used across seeds. The checker
** must reject entries that do not fit the cluster or make no sense.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"

static nemesis_cfg all_kinds(void)
{
    nemesis_cfg c = {.start_ms = 100, .stop_ms = 20000, .recovery_ms = 1000, .interval_ms = 100,
                     .swarm = true, .quiet = true, .kinds = json_object()};
    for (int i = 0; fault_kinds[i]; i++)
        json_object_set_new(c.kinds, fault_kinds[i]->name, json_object());
    return c;
}

static json_t *draw(nemesis_cfg *c, uint64_t seed, int nodes)
{
    char err[256];
    json_t *s = nemesis_draw(c, seed, nodes, err, sizeof err);
    assert_non_null(s);
    return s;
}

static void test_nemesis_same_seed_draws_the_same_schedule(void **state)
{
    (void)state;
    nemesis_cfg c = all_kinds();
    for (uint64_t seed = 1; seed <= 20; seed++) {
        json_t *a = draw(&c, seed, 5), *b = draw(&c, seed, 5);
        assert_true(json_equal(a, b));
        json_decref(a);
        json_decref(b);
    }
    json_decref(c.kinds);
}

static void test_nemesis_drawn_schedules_are_valid_sorted_and_bounded(void **state)
{
    (void)state;
    nemesis_cfg c = all_kinds();
    for (uint64_t seed = 1; seed <= 50; seed++) {
        json_t *s = draw(&c, seed, 5);
        char err[256];
        json_t *copy = json_deep_copy(s);
        assert_int_equal(nemesis_check(copy, 5, err, sizeof err), 0);
        assert_true(json_equal(copy, s));   /* already sorted */
        json_decref(copy);
        int64_t last = 0, partition_end = 0, process_end[6] = {0};
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(s, "faults"), i, e) {
            int64_t at = json_integer_value(json_object_get(e, "at_ms"));
            int64_t end = at + json_integer_value(json_object_get(e, "dur_ms"));
            const char *kind = json_string_value(json_object_get(e, "kind"));
            assert_true(at >= last && at >= 100 && end <= 20000);
            last = at;
            if (strcmp(kind, "partition") == 0) {
                assert_true(at >= partition_end);
                partition_end = end + 1;
            } else if ((strcmp(kind, "crash") == 0 || strcmp(kind, "pause") == 0) &&
                       !json_is_string(json_object_get(e, "node"))) {   /* "leader": resolved later */
                json_int_t n = json_integer_value(json_object_get(e, "node"));
                assert_true(n >= 1 && n <= 5);
                assert_true(at >= process_end[n]);
                process_end[n] = end + 1;
            }
        }
        json_decref(s);
    }
    json_decref(c.kinds);
}

static void test_nemesis_swarm_varies_the_kinds_across_seeds(void **state)
{
    (void)state;
    nemesis_cfg c = all_kinds();
    json_t *seen = json_object();
    for (uint64_t seed = 1; seed <= 20; seed++) {
        json_t *s = draw(&c, seed, 3);
        char *k = json_dumps(json_object_get(s, "swarm"), JSON_COMPACT | JSON_SORT_KEYS);
        json_object_set_new(seen, k, json_true());
        free(k);
        json_decref(s);
    }
    assert_true(json_object_size(seen) >= 15);
    json_decref(seen);
    c.swarm = false;   /* without swarm every kind is used */
    json_t *s = draw(&c, 7, 3);
    size_t kinds = 0;
    while (fault_kinds[kinds])
        kinds++;
    assert_int_equal(json_object_size(json_object_get(s, "swarm")), kinds);
    json_decref(s);
    json_decref(c.kinds);
}

static int check_one(const char *entry, int nodes)
{
    char text[512], err[256];
    snprintf(text, sizeof text, "{\"start_ms\": 0, \"stop_ms\": 1000, \"until_ms\": 2000, \"faults\": [%s]}", entry);
    json_t *s = json_loads(text, 0, NULL);
    assert_non_null(s);
    int rc = nemesis_check(s, nodes, err, sizeof err);
    json_decref(s);
    return rc;
}

static void test_nemesis_check_rejects_entries_that_do_not_fit(void **state)
{
    (void)state;
    assert_int_equal(check_one("{\"at_ms\": 10, \"kind\": \"crash\", \"dur_ms\": 5, \"node\": 3, \"tear\": true}", 3), 0);
    assert_int_equal(check_one("{\"at_ms\": 10, \"kind\": \"crash\", \"dur_ms\": 5, \"node\": 4}", 3), -1);
    assert_int_equal(check_one("{\"at_ms\": 10, \"kind\": \"bogus\", \"dur_ms\": 5}", 3), -1);
    assert_int_equal(check_one("{\"at_ms\": 990, \"kind\": \"pause\", \"dur_ms\": 50, \"node\": 1}", 3), -1);
    assert_int_equal(check_one("{\"at_ms\": 10, \"kind\": \"partition\", \"dur_ms\": 5, \"shape\": \"ring\"}", 2), -1);
    assert_int_equal(check_one("{\"at_ms\": 10, \"kind\": \"partition\", \"dur_ms\": 5, \"shape\": \"halves\", "
                               "\"groups\": [[1], [2, 9]]}", 3), -1);
    assert_int_equal(check_one("{\"at_ms\": 10, \"kind\": \"clock\", \"dur_ms\": 5, \"node\": \"leader\", "
                               "\"mode\": \"drift\", \"ppm\": 900000}", 3), -1);
    assert_int_equal(check_one("{\"at_ms\": 10, \"kind\": \"net\", \"dur_ms\": 5, \"mode\": \"loss\", \"p\": 0.5}", 3), 0);
    assert_int_equal(check_one("{\"at_ms\": 10, \"kind\": \"disk\", \"dur_ms\": 0, \"node\": 2, \"reads\": 0}", 3), -1);
}

static void test_nemesis_params_reject_unknown_names_and_modes(void **state)
{
    (void)state;
    char err[256];
    json_t *given = json_pack("{s:i}", "bogus", 1);
    assert_null(nemesis_params(fault_kind_find("crash"), given, err, sizeof err));
    json_decref(given);
    given = json_pack("{s:[s]}", "modes", "sideways");
    assert_null(nemesis_params(fault_kind_find("partition"), given, err, sizeof err));
    json_decref(given);
    given = json_pack("{s:[i,i]}", "dur", 5, 10);
    json_t *p = nemesis_params(fault_kind_find("pause"), given, err, sizeof err);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(p, "dur"), 1)), 10);
    json_decref(p);
    json_decref(given);
}

static void test_nemesis_every_kind_is_named_and_documented(void **state)
{
    (void)state;
    char names[256] = "";
    for (int i = 0; fault_kinds[i]; i++) {
        const fault_kind *k = fault_kinds[i];
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", k->name);
        assert_ptr_equal(fault_kind_find(k->name), k);
        assert_non_null(k->summary);
        assert_non_null(k->fields);
        assert_non_null(k->check);
        assert_non_null(k->start);
        for (const fault_param *p = k->params; p->name; p++) {
            json_t *def = json_loads(p->def, JSON_DECODE_ANY, NULL);
            assert_non_null(def);   /* defaults are JSON */
            json_decref(def);
        }
    }
    char joined[256];
    assert_string_equal(names, fault_kind_names(joined, sizeof joined));
}

/* The byzantine kind: opt-in, and never more than 'max' spells at once;
** adding it to a scenario's kinds leaves the other kinds' draws alone only
** when it is not named (old scenarios keep their schedules). */
static void test_nemesis_byzantine_is_opt_in_and_bounded(void **state)
{
    (void)state;
    const fault_kind *k = fault_kind_find("byzantine");
    assert_non_null(k);
    assert_true(k->opt_in);
    for (int i = 0; fault_kinds[i]; i++)   /* twins is opt-in too: it needs a cluster with twins */
        if (fault_kinds[i] != k && strcmp(fault_kinds[i]->name, "twins") != 0)
            assert_false(fault_kinds[i]->opt_in);
    assert_true(fault_kind_find("twins")->opt_in);
    for (int max = 1; max <= 3; max++) {
        nemesis_cfg c = {.start_ms = 100, .stop_ms = 20000, .recovery_ms = 1000, .interval_ms = 100,
                         .swarm = false, .quiet = true, .kinds = json_object()};
        json_object_set_new(c.kinds, "byzantine",
                            json_pack("{s:i, s:[s,s], s:[i,i]}", "max", max, "behaviours", "silent",
                                      "mute_to", "dur", 500, 3000));
        int most = 0;
        for (uint64_t seed = 1; seed <= 20; seed++) {
            json_t *s = draw(&c, seed, 5);
            json_t *f = json_object_get(s, "faults");
            size_t i, j;
            json_t *e, *g;
            json_array_foreach(f, i, e) {
                const char *b = json_string_value(json_object_get(e, "behaviour"));
                assert_true(strcmp(b, "silent") == 0 || strcmp(b, "mute_to") == 0);
                json_t *peers = json_object_get(json_object_get(e, "params"), "peers");
                if (strcmp(b, "mute_to") == 0)   /* other nodes only, at least one */
                    assert_true(json_array_size(peers) >= 1);
                json_int_t at = json_integer_value(json_object_get(e, "at_ms"));
                int held = 0;
                json_array_foreach(f, j, g) {
                    json_int_t a = json_integer_value(json_object_get(g, "at_ms"));
                    held += a <= at && at <= a + json_integer_value(json_object_get(g, "dur_ms"));
                }
                assert_true(held <= max);
                most = held > most ? held : most;
            }
            json_decref(s);
        }
        assert_int_equal(most, max);   /* the bound is reached, not only kept */
        json_decref(c.kinds);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nemesis_same_seed_draws_the_same_schedule),
        cmocka_unit_test(test_nemesis_drawn_schedules_are_valid_sorted_and_bounded),
        cmocka_unit_test(test_nemesis_swarm_varies_the_kinds_across_seeds),
        cmocka_unit_test(test_nemesis_check_rejects_entries_that_do_not_fit),
        cmocka_unit_test(test_nemesis_params_reject_unknown_names_and_modes),
        cmocka_unit_test(test_nemesis_every_kind_is_named_and_documented),
        cmocka_unit_test(test_nemesis_byzantine_is_opt_in_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

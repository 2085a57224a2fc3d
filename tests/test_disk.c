/*
** test_disk.c — unit tests of the simulated disk (sim/disk.c).
**
** Checks the fsync contract from disk.h: reads see unsynced writes; a crash
** keeps exactly what was synced (puts, deletes, appends, truncates and
** compactions alike); a torn crash leaves the last write reading CORRUPT
** while synced records stay intact; read faults hit exactly 'count' reads;
** buffers too small still report the full length. A randomized test
** compares the disk against a model that keeps a durable and a current copy.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "disk.h"

/* The value of 'key' as a string, or "<missing>" / "<corrupt>". */
static const char *get_str(disk *d, const char *key, char *buf, uint32_t cap)
{
    uint32_t len = 0;
    int rc = disk_get(d, key, buf, cap - 1, &len);
    if (rc == DISK_MISSING)
        return "<missing>";
    if (rc == DISK_CORRUPT)
        return "<corrupt>";
    assert_int_equal(rc, DISK_OK);
    assert_true(len < cap);
    buf[len] = 0;
    return buf;
}

static const char *read_str(disk *d, uint64_t index, char *buf, uint32_t cap)
{
    uint32_t len = 0;
    int rc = disk_read(d, index, buf, cap - 1, &len);
    if (rc == DISK_MISSING)
        return "<missing>";
    if (rc == DISK_CORRUPT)
        return "<corrupt>";
    assert_true(len < cap);
    buf[len] = 0;
    return buf;
}

static void put_str(disk *d, const char *key, const char *val)
{
    disk_put(d, key, val, (uint32_t)strlen(val));
}

static uint64_t append_str(disk *d, const char *val)
{
    return disk_append(d, val, (uint32_t)strlen(val));
}

static void test_disk_reads_see_unsynced_writes(void **state)
{
    (void)state;
    disk *d = disk_new();
    char b[64];
    assert_string_equal(get_str(d, "term", b, sizeof b), "<missing>");
    put_str(d, "term", "3");
    assert_string_equal(get_str(d, "term", b, sizeof b), "3");
    put_str(d, "term", "4");
    assert_string_equal(get_str(d, "term", b, sizeof b), "4");
    assert_int_equal(append_str(d, "a"), 1);
    assert_int_equal(append_str(d, "b"), 2);
    assert_string_equal(read_str(d, 2, b, sizeof b), "b");
    assert_string_equal(read_str(d, 3, b, sizeof b), "<missing>");
    assert_string_equal(read_str(d, 0, b, sizeof b), "<missing>");
    assert_int_equal(disk_unsynced(d), 4);
    disk_sync(d);
    assert_int_equal(disk_unsynced(d), 0);
    disk_free(d);
}

static void test_disk_crash_loses_unsynced_puts_and_appends_and_keeps_synced(void **state)
{
    (void)state;
    disk *d = disk_new();
    char b[64];
    put_str(d, "term", "1");
    put_str(d, "vote", "n2");
    append_str(d, "e1");
    disk_sync(d);
    put_str(d, "term", "2");      /* overwrite */
    put_str(d, "commit", "7");    /* new key */
    disk_del(d, "vote");          /* delete */
    append_str(d, "e2");
    disk_crash(d, false);
    assert_string_equal(get_str(d, "term", b, sizeof b), "1");
    assert_string_equal(get_str(d, "vote", b, sizeof b), "n2");
    assert_string_equal(get_str(d, "commit", b, sizeof b), "<missing>");
    assert_int_equal(disk_last(d), 1);
    assert_string_equal(read_str(d, 1, b, sizeof b), "e1");
    assert_string_equal(read_str(d, 2, b, sizeof b), "<missing>");
    assert_int_equal(disk_unsynced(d), 0);
    assert_int_equal(disk_bytes(d), strlen("term1vote") + strlen("n2") + strlen("e1"));
    /* The next append reuses the lost index. */
    assert_int_equal(append_str(d, "e2'"), 2);
    disk_free(d);
}

static void test_disk_unsynced_truncate_and_compact_are_undone_by_crash(void **state)
{
    (void)state;
    disk *d = disk_new();
    char b[64], want[16];
    for (int i = 1; i <= 10; i++) {
        snprintf(want, sizeof want, "e%d", i);
        append_str(d, want);
    }
    disk_sync(d);
    disk_truncate(d, 6);
    assert_int_equal(disk_last(d), 5);
    assert_int_equal(append_str(d, "x6"), 6);
    disk_compact(d, 3);
    assert_int_equal(disk_first(d), 4);
    assert_string_equal(read_str(d, 3, b, sizeof b), "<missing>");
    disk_crash(d, false);
    assert_int_equal(disk_first(d), 1);
    assert_int_equal(disk_last(d), 10);
    for (int i = 1; i <= 10; i++) {
        snprintf(want, sizeof want, "e%d", i);
        assert_string_equal(read_str(d, (uint64_t)i, b, sizeof b), want);
    }
    /* Synced, they stay. */
    disk_truncate(d, 9);
    disk_compact(d, 2);
    disk_sync(d);
    disk_crash(d, true);
    assert_int_equal(disk_first(d), 3);
    assert_int_equal(disk_last(d), 8);
    assert_string_equal(read_str(d, 8, b, sizeof b), "e8");
    disk_free(d);
}

static void test_disk_torn_last_write_reads_corrupt_while_synced_records_are_fine(void **state)
{
    (void)state;
    disk *d = disk_new();
    char b[64];
    append_str(d, "e1");
    append_str(d, "e2");
    put_str(d, "term", "5");
    disk_sync(d);
    append_str(d, "e3");
    append_str(d, "e4-torn");
    disk_crash(d, true);
    /* e3 is lost; the torn e4 landed after the last synced record. */
    assert_int_equal(disk_last(d), 3);
    assert_string_equal(read_str(d, 1, b, sizeof b), "e1");
    assert_string_equal(read_str(d, 2, b, sizeof b), "e2");
    assert_string_equal(read_str(d, 3, b, sizeof b), "<corrupt>");
    assert_string_equal(read_str(d, 3, b, sizeof b), "<corrupt>");   /* stays bad */
    assert_string_equal(get_str(d, "term", b, sizeof b), "5");
    /* A torn put: the key reads corrupt, other keys are fine. */
    put_str(d, "term", "6");
    disk_crash(d, true);
    assert_string_equal(get_str(d, "term", b, sizeof b), "<corrupt>");
    put_str(d, "term", "7");   /* rewriting repairs it */
    assert_string_equal(get_str(d, "term", b, sizeof b), "7");
    /* An empty record tears too. */
    disk_sync(d);
    disk_append(d, NULL, 0);
    disk_crash(d, true);
    assert_string_equal(read_str(d, 4, b, sizeof b), "<corrupt>");
    /* A delete is not torn: the crash undoes it whole. */
    disk_del(d, "term");
    disk_crash(d, true);
    assert_string_equal(get_str(d, "term", b, sizeof b), "7");
    disk_free(d);
}

static void test_disk_corrupt_reads_fail_exactly_count_reads(void **state)
{
    (void)state;
    disk *d = disk_new();
    char b[64];
    put_str(d, "k", "v");
    append_str(d, "e1");
    disk_corrupt_reads(d, 3);
    /* Reads of missing records do not consume a fault. */
    assert_string_equal(get_str(d, "absent", b, sizeof b), "<missing>");
    assert_string_equal(read_str(d, 9, b, sizeof b), "<missing>");
    assert_string_equal(get_str(d, "k", b, sizeof b), "<corrupt>");
    assert_string_equal(read_str(d, 1, b, sizeof b), "<corrupt>");
    assert_string_equal(get_str(d, "k", b, sizeof b), "<corrupt>");
    assert_string_equal(get_str(d, "k", b, sizeof b), "v");   /* data unharmed */
    assert_string_equal(read_str(d, 1, b, sizeof b), "e1");
    disk_free(d);
}

static void test_disk_get_with_small_buffer_returns_full_length(void **state)
{
    (void)state;
    disk *d = disk_new();
    put_str(d, "k", "hello world");
    char b[4] = "xxx";
    uint32_t len = 0;
    assert_int_equal(disk_get(d, "k", b, 3, &len), DISK_OK);
    assert_int_equal(len, 11);
    assert_memory_equal(b, "hel", 3);
    assert_int_equal(disk_get(d, "k", NULL, 0, &len), DISK_OK);
    assert_int_equal(len, 11);
    append_str(d, "record");
    assert_int_equal(disk_read(d, 1, b, 2, &len), DISK_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(b, "re", 2);
    disk_free(d);
}

static void test_disk_first_and_last_follow_appends_truncates_and_compaction(void **state)
{
    (void)state;
    disk *d = disk_new();
    char b[64];
    assert_int_equal(disk_first(d), 1);
    assert_int_equal(disk_last(d), 0);
    for (int i = 0; i < 100; i++)
        append_str(d, "e");
    assert_int_equal(disk_last(d), 100);
    disk_compact(d, 40);
    assert_int_equal(disk_first(d), 41);
    assert_int_equal(disk_last(d), 100);
    disk_compact(d, 10);   /* already gone: no-op */
    assert_int_equal(disk_first(d), 41);
    disk_truncate(d, 91);
    assert_int_equal(disk_last(d), 90);
    disk_truncate(d, 500);   /* beyond the end: no-op */
    assert_int_equal(disk_last(d), 90);
    disk_compact(d, 1000);   /* clamped to last: the log is empty */
    assert_int_equal(disk_first(d), 91);
    assert_int_equal(disk_last(d), 90);
    assert_int_equal(append_str(d, "next"), 91);
    assert_string_equal(read_str(d, 91, b, sizeof b), "next");
    disk_truncate(d, 3);   /* below first: drops what is held, not more */
    assert_int_equal(disk_first(d), 91);
    assert_int_equal(disk_last(d), 90);
    disk_sync(d);
    disk_crash(d, false);
    assert_int_equal(disk_first(d), 91);
    assert_int_equal(disk_last(d), 90);
    disk_free(d);
}

static void test_disk_keys_of_255_bytes_and_large_values_round_trip(void **state)
{
    (void)state;
    disk *d = disk_new();
    char key[256];
    memset(key, 'k', 255);
    key[255] = 0;
    uint32_t n = 16u << 20;
    unsigned char *val = malloc(n), *out = malloc(n);
    assert_non_null(val);
    assert_non_null(out);
    for (uint32_t i = 0; i < n; i++)
        val[i] = (unsigned char)(i * 31 + 7);
    disk_put(d, key, val, n);
    disk_sync(d);
    uint32_t len = 0;
    assert_int_equal(disk_get(d, key, out, n, &len), DISK_OK);
    assert_int_equal(len, n);
    assert_memory_equal(out, val, n);
    assert_int_equal(disk_bytes(d), 255 + (uint64_t)n);
    disk_del(d, key);
    assert_int_equal(disk_bytes(d), 0);
    free(val);
    free(out);
    disk_free(d);
}

/* ---- randomized comparison with a two-copy model ------------------------ */

enum { MODEL_KEYS = 8, MODEL_LOG = 4096 };

typedef struct model {
    int kv[MODEL_KEYS];        /* value, or -1 when absent */
    int log[MODEL_LOG];        /* value at index i */
    uint64_t first, last;
} model;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static void model_step(disk *d, model *cur, uint64_t *rs, int *counter)
{
    char key[16];
    int k = (int)(lcg(rs) % MODEL_KEYS), v = (*counter)++;
    snprintf(key, sizeof key, "k%d", k);
    switch (lcg(rs) % 6) {
    case 0: disk_put(d, key, &v, sizeof v); cur->kv[k] = v; break;
    case 1: disk_del(d, key); cur->kv[k] = -1; break;
    case 2:
    case 3:
        if (cur->last + 1 < MODEL_LOG) {
            assert_int_equal(disk_append(d, &v, sizeof v), ++cur->last);
            cur->log[cur->last] = v;
        }
        break;
    case 4: {
        uint64_t from = cur->last + 1 - lcg(rs) % 3;
        disk_truncate(d, from);
        if (from < cur->first)
            from = cur->first;   /* truncating below first drops what is held */
        if (from <= cur->last)
            cur->last = from - 1;
        break;
    }
    default: {
        uint64_t upto = cur->first + lcg(rs) % 3 - 1;
        disk_compact(d, upto);
        if (upto >= cur->first && cur->last >= cur->first)
            cur->first = (upto < cur->last ? upto : cur->last) + 1;
        break;
    }
    }
}

static void model_compare(disk *d, const model *m)
{
    char key[16];
    int v;
    uint32_t len;
    for (int k = 0; k < MODEL_KEYS; k++) {
        snprintf(key, sizeof key, "k%d", k);
        int rc = disk_get(d, key, &v, sizeof v, &len);
        assert_int_equal(rc, m->kv[k] < 0 ? DISK_MISSING : DISK_OK);
        if (rc == DISK_OK)
            assert_int_equal(v, m->kv[k]);
    }
    assert_int_equal(disk_first(d), m->first);
    assert_int_equal(disk_last(d), m->last);
    for (uint64_t i = m->first; i <= m->last; i++) {
        assert_int_equal(disk_read(d, i, &v, sizeof v, &len), DISK_OK);
        assert_int_equal(v, m->log[i]);
    }
}

static void test_disk_matches_durable_and_current_model_over_random_ops(void **state)
{
    (void)state;
    disk *d = disk_new();
    model cur, dur;
    memset(&cur, 0, sizeof cur);
    for (int k = 0; k < MODEL_KEYS; k++)
        cur.kv[k] = -1;
    cur.first = 1;
    cur.last = 0;
    dur = cur;
    uint64_t rs = 4242;
    int counter = 0;
    for (int step = 0; step < 20000; step++) {
        uint64_t what = lcg(&rs) % 20;
        if (what == 0) {
            disk_sync(d);
            dur = cur;
        } else if (what == 1) {
            disk_crash(d, false);
            cur = dur;
        } else {
            model_step(d, &cur, &rs, &counter);
        }
        model_compare(d, &cur);
    }
    disk_free(d);
}

/* What a crash would lose, as the crash line of the trace reports it. */
static void test_disk_unsynced_describe_counts_writes_and_names_keys_once(void **st)
{
    (void)st;
    disk *d = disk_new();
    assert_non_null(d);
    disk_unsynced_info u;
    disk_put(d, "a", "1", 1);
    disk_sync(d);
    disk_unsynced_describe(d, &u);
    assert_int_equal(u.puts + u.dels + u.appends + u.truncates + u.compacts, 0);
    assert_int_equal(u.keys_len, 0);
    disk_put(d, "b", "2", 1);
    disk_put(d, "a", "3", 1);
    disk_put(d, "b", "4", 1);
    disk_del(d, "a");
    disk_append(d, "x", 1);
    disk_unsynced_describe(d, &u);
    assert_int_equal(u.puts, 3);
    assert_int_equal(u.dels, 1);
    assert_int_equal(u.appends, 1);
    assert_int_equal(u.keys_len, 2);
    assert_string_equal(u.keys[0], "b");   /* in the order first written */
    assert_string_equal(u.keys[1], "a");
    assert_int_equal(u.keys_more, 0);
    assert_int_equal(disk_unsynced(d), 5);
    for (int k = 0; k < DISK_LOST_KEYS_MAX + 3; k++) {
        char key[8];
        snprintf(key, sizeof key, "k%d", k);
        disk_put(d, key, "v", 1);
    }
    disk_unsynced_describe(d, &u);
    assert_int_equal(u.keys_len, DISK_LOST_KEYS_MAX);
    assert_int_equal(u.keys_more, 5);
    disk_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disk_reads_see_unsynced_writes),
        cmocka_unit_test(test_disk_crash_loses_unsynced_puts_and_appends_and_keeps_synced),
        cmocka_unit_test(test_disk_unsynced_truncate_and_compact_are_undone_by_crash),
        cmocka_unit_test(test_disk_torn_last_write_reads_corrupt_while_synced_records_are_fine),
        cmocka_unit_test(test_disk_corrupt_reads_fail_exactly_count_reads),
        cmocka_unit_test(test_disk_get_with_small_buffer_returns_full_length),
        cmocka_unit_test(test_disk_first_and_last_follow_appends_truncates_and_compaction),
        cmocka_unit_test(test_disk_keys_of_255_bytes_and_large_values_round_trip),
        cmocka_unit_test(test_disk_matches_durable_and_current_model_over_random_ops),
        cmocka_unit_test(test_disk_unsynced_describe_counts_writes_and_names_keys_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
** test_script_chunk.c — a scenario is compiled once per process and its
** chunk reused (script.c, "the scenario's chunk"): a second run of the same
** file gives the same result and the same error positions, a file changed
** between runs (even to the same length) runs its new text, and a file that
** stops compiling reports its syntax error as before.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "script.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Runs 'path' for seed 1 and returns its message (error) or "" (a result). */
static void run(const char *path, char *msg, size_t cap)
{
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    script_config cfg = {.path = path, .seed = 1, .params = NULL, .out = null};
    script_result r;
    script_run(&cfg, &r);
    snprintf(msg, cap, "%s", r.error ? r.message : "");
    script_result_free(&r);
    fclose(null);
}

static void test_a_changed_file_runs_its_new_text(void **st)
{
    (void)st;
    char path[] = "/tmp/dsim_chunk_XXXXXX.lua";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    close(fd);
    char a[1100], b[1100];
    write_file(path, "local x = 1\nerror('first')\n");
    run(path, a, sizeof a);
    run(path, b, sizeof b);   /* from the kept chunk */
    assert_non_null(strstr(a, "first"));
    assert_non_null(strstr(a, ":2:"));   /* the position survives compiling apart */
    assert_string_equal(a, b);
    write_file(path, "local x = 1\nerror('other')\n");   /* same length, new bytes */
    run(path, b, sizeof b);
    assert_non_null(strstr(b, "other"));
    write_file(path, "local x = = 1\n");   /* no longer compiles */
    run(path, b, sizeof b);
    assert_non_null(strstr(b, path));
    assert_non_null(strstr(b, ":1:"));
    write_file(path, "local x = 1\n\nerror('third')\n");
    run(path, b, sizeof b);
    assert_non_null(strstr(b, "third"));
    assert_non_null(strstr(b, ":3:"));
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_changed_file_runs_its_new_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

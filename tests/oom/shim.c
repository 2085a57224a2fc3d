/*
** shim.c — an LD_PRELOAD library for tests/oom_cli.sh: the allocation
** numbered DSIM_OOM_AT (1-based, counting malloc, calloc and realloc of the
** whole process) fails with ENOMEM; every other one goes to glibc. With
** DSIM_OOM_COUNT=FILE it writes how many allocations the run made.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t a, size_t b);
void *__libc_realloc(void *p, size_t n);

static long count, fail_at = -2;

static int fail_now(void)
{
    if (fail_at == -2) {
        const char *s = getenv("DSIM_OOM_AT");
        fail_at = s ? atol(s) : -1;
    }
    if (++count == fail_at) {
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t n) { return fail_now() ? NULL : __libc_malloc(n); }
void *calloc(size_t a, size_t b) { return fail_now() ? NULL : __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { return fail_now() ? NULL : __libc_realloc(p, n); }

__attribute__((destructor)) static void report_count(void)
{
    const char *path = getenv("DSIM_OOM_COUNT");
    long n = count;
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "%ld\n", n);
        fclose(f);
    }
}

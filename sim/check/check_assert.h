/*
** check_assert.h — the checkers' always-on assertion.
**
** sim/check may not include the kernel's headers (a checker runs on a
** history from anywhere), so it cannot use DSIM_ASSERT; plain assert()
** would vanish under NDEBUG, and a checker that goes on after a broken
** invariant gives a wrong verdict silently. CHECK_ASSERT is on in every
** build: it prints the expression, file and line, and aborts (exit 3 is
** the command's "internal error"; an abort is louder still).
** Split compound conditions so the message names the one that failed.
*/
#ifndef DSIM_CHECK_ASSERT_H
#define DSIM_CHECK_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

static inline _Noreturn void check_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "dsim: checker assertion failed: %s (%s:%d)\n", expr, file, line);
    fflush(stderr);
    abort();
}

#define CHECK_ASSERT(e) ((e) ? (void)0 : check_assert_fail(#e, __FILE__, __LINE__))

#endif

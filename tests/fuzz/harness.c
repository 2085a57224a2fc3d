/*
** harness.c — helpers for the harnesses (harness.h).
*/
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *harness_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        abort();
    if (size)
        memcpy(t, data, size);
    t[size] = '\0';
    return t;
}

const char *harness_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[256];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/dsim-fuzz-%ld%s", dir && *dir ? dir : "/tmp", (long)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    return path;
}

FILE *harness_null(void)
{
    static FILE *null;
    if (!null)
        null = fopen("/dev/null", "w");
    if (!null)
        abort();
    return null;
}

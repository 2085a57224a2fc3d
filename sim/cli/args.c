/*
** args.c — see args.h.
*/
#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

bool args_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool args_define(json_t *params, const char *kv)
{
    const char *eq = kv ? strchr(kv, '=') : NULL;
    if (!eq || eq == kv) {
        fprintf(stderr, "dsim: -D wants key=value, got '%s'\n", kv ? kv : "");
        return false;
    }
    char key[128];
    size_t len = (size_t)(eq - kv);
    if (len >= sizeof key) {
        fprintf(stderr, "dsim: -D key too long: '%s'\n", kv);
        return false;
    }
    memcpy(key, kv, len);
    key[len] = 0;
    json_object_set_new(params, key, json_string(eq + 1));
    return true;
}

int args_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "dsim %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see: dsim %s --help)\n", cmd);
    return EXIT_USAGE;
}

/*
** script_where.c — where an error in a table argument points: at the line
** of the field itself when the scenario's source shows it, else at the
** line of the call.
**
** Lua keeps no line for a table constructor's fields, so the line is found
** in the source text: from the calling line, the first '{' opens the
** argument table; a field 'k' is the first "k =" at the table's own depth
** (or inside the table of field 'outer' when the field sits one level
** down, as dsim.cluster's limits.events does). Comments and strings are
** skipped; the scan ends where the argument table closes and reads at
** most SCRIPT_SOURCE_MAX bytes. When anything is unsure (a chunk that is
** not a file, a field built by code, a table passed in a variable) the
** call's own line stands, as luaL_error would give it.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "script_int.h"

#define SCRIPT_SOURCE_MAX (1 << 20)

typedef struct scan {
    const char *start, *p, *end;
    int line;
    int depth;
} scan;

/* Skips a comment or a string at 'sc->p' (counting lines); false when
** there is none there. */
static bool skip_quoted(scan *sc)
{
    const char *p = sc->p;
    if (p + 1 < sc->end && p[0] == '-' && p[1] == '-') {
        while (p < sc->end && *p != '\n')
            p++;
    } else if (*p == '"' || *p == '\'') {
        char q = *p++;
        while (p < sc->end && *p != q && *p != '\n')
            p += (*p == '\\' && p + 1 < sc->end) ? 2 : 1;
        p += p < sc->end && *p == q;
    } else if (p + 1 < sc->end && p[0] == '[' && p[1] == '[') {
        const char *close = NULL;
        for (const char *q = p + 2; q + 1 < sc->end && !close; q++)
            if (q[0] == ']' && q[1] == ']')
                close = q + 2;
        for (p += 2; p < (close ? close : sc->end); p++)
            sc->line += *p == '\n';
    } else {
        return false;
    }
    sc->p = p;
    return true;
}

/* True when the name 'k' followed by '=' (not '==') starts at 'sc->p'. */
static bool key_here(const scan *sc, const char *k)
{
    size_t len = strlen(k);
    const char *p = sc->p;
    if ((size_t)(sc->end - p) < len || memcmp(p, k, len) != 0)
        return false;
    if (p > sc->start && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.'))
        return false;
    p += len;
    while (p < sc->end && (*p == ' ' || *p == '\t'))
        p++;
    return p + 1 < sc->end && p[0] == '=' && p[1] != '=';
}

/* Scans to field 'k' at 'depth' (1: the argument table itself); its line,
** or 0. Leaves 'sc' just after the key when found. */
static int find_key(scan *sc, const char *k, int depth)
{
    while (sc->p < sc->end) {
        if (skip_quoted(sc))
            continue;
        char c = *sc->p;
        if (sc->depth == depth && key_here(sc, k)) {
            sc->p += strlen(k);
            return sc->line;
        }
        sc->line += c == '\n';
        sc->depth += (c == '{') - (c == '}');
        sc->p++;
        if (c == '}' && sc->depth < depth)
            return 0;   /* the table closed without the key */
    }
    return 0;
}

/* The line of field 'k' (under field 'outer' when not NULL) of the table
** argument of the call on line 'from' of 'src', or 0. */
static int field_line(const char *src, size_t len, int from, const char *outer, const char *k)
{
    DSIM_ASSERT(from >= 1);
    DSIM_ASSERT(k != NULL);
    scan sc = {.start = src, .p = src, .end = src + len, .line = 1};
    while (sc.p < sc.end && sc.line < from)
        sc.line += *sc.p++ == '\n';
    while (sc.p < sc.end && *sc.p != '{') {
        if (!skip_quoted(&sc)) {
            sc.line += *sc.p == '\n';
            sc.p++;
        }
    }
    if (sc.p == sc.end || sc.line > from + 1)
        return 0;   /* no table argument near the call */
    if (outer && find_key(&sc, outer, 1) == 0)
        return 0;
    return find_key(&sc, k, outer ? 2 : 1);
}

/* The field's table in 'what': "dsim.cluster limits" -> "limits"; none
** for a top-level table ("dsim.cluster", "c:clock"). */
static const char *outer_of(const char *what)
{
    const char *sp = strrchr(what, ' ');
    return sp ? sp + 1 : NULL;
}

static int line_in_file(const char *path, int from, const char *outer, const char *k)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *buf = malloc(SCRIPT_SOURCE_MAX);
    size_t len = buf ? fread(buf, 1, SCRIPT_SOURCE_MAX, f) : 0;
    fclose(f);
    int line = buf ? field_line(buf, len, from, outer, k) : 0;
    free(buf);
    return line;
}

void script_field_error(lua_State *L, const char *what, const char *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_Debug ar;
    if (!lua_getstack(L, 1, &ar) || !lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) {
        lua_error(L);   /* no Lua caller to point at */
        return;
    }
    int line = ar.source[0] == '@' ? line_in_file(ar.source + 1, ar.currentline, outer_of(what), k) : 0;
    DSIM_ASSERT(line == 0 || line >= ar.currentline);   /* a field follows its call */
    lua_pushfstring(L, "%s:%d: %s", ar.short_src, line > 0 ? line : ar.currentline, msg);
    lua_error(L);
}

/*
** script_match.c — the matcher behind string.find, string.match,
** string.gmatch and string.gsub for scenarios (script_strlib.c): Lua 5.4's
** pattern language with a step budget.
**
** Lua's own matcher runs in C, where the instruction hook does not count,
** and backtracks: string.find(("a"):rep(2000), ("a-"):rep(6) .. "b") runs
** for hours. These functions implement the same language (classes, sets,
** anchors, captures and position captures, back-references, %b, %f, the
** quantifiers * + - ?) and charge every step of the search to the
** scenario's instruction budget ('script_charge'), so a pathological
** pattern ends the run with the usual budget error at the line that
** called it.
**
** Written for dsim after the semantics of Lua 5.4 (lstrlib.c, MIT licence,
** Copyright (C) 1994-2022 Lua.org, PUC-Rio); tests/fuzz/fuzz_match.c checks
** that results equal the library's own on generated patterns and subjects,
** and tests/scenarios/match.lua pins ordinary uses.
**
** Invariants: 'match' recurses at most MATCH_DEPTH_MAX deep ("pattern too
** complex", as Lua); the subject and pattern are Lua strings kept alive by
** the stack (or by gmatch's upvalues), so reading their terminating NUL,
** as Lua's matcher does at the end, is safe.
*/
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "script_int.h"
#include "script_match.h"


void smatch_step(match_state *ms, uint64_t n)
{
    ms->steps += n;
    if (ms->steps >= STEPS_FLUSH) {
        uint64_t k = ms->steps;
        ms->steps = 0;
        script_charge(ms->L, k);
    }
}

void smatch_flush(match_state *ms)
{
    uint64_t k = ms->steps;
    ms->steps = 0;
    if (k)
        script_charge(ms->L, k);
}

static int check_capture(match_state *ms, int l)
{
    l -= '1';
    if (l < 0 || l >= ms->level || ms->capture[l].len == CAP_UNFINISHED)
        return luaL_error(ms->L, "invalid capture index %%%d", l + 1);
    return l;
}

static int capture_to_close(match_state *ms)
{
    int level = ms->level;
    for (level--; level >= 0; level--)
        if (ms->capture[level].len == CAP_UNFINISHED)
            return level;
    return luaL_error(ms->L, "invalid pattern capture");
}

/* The end of the single-character class that starts at 'p'. */
static const char *class_end(match_state *ms, const char *p)
{
    switch (*p++) {
    case ESC:
        if (p == ms->p_end)
            luaL_error(ms->L, "malformed pattern (ends with '%%')");
        return p + 1;
    case '[':
        if (*p == '^')
            p++;
        do {   /* look for the ']' */
            if (p == ms->p_end)
                luaL_error(ms->L, "malformed pattern (missing ']')");
            if (*(p++) == ESC && p < ms->p_end)
                p++;   /* an escape such as '%]' */
        } while (*p != ']');
        return p + 1;
    default:
        return p;
    }
}

static int match_class(int c, int cl)
{
    int res;
    switch (tolower(cl)) {
    case 'a': res = isalpha(c); break;
    case 'c': res = iscntrl(c); break;
    case 'd': res = isdigit(c); break;
    case 'g': res = isgraph(c); break;
    case 'l': res = islower(c); break;
    case 'p': res = ispunct(c); break;
    case 's': res = isspace(c); break;
    case 'u': res = isupper(c); break;
    case 'w': res = isalnum(c); break;
    case 'x': res = isxdigit(c); break;
    case 'z': res = c == 0; break;   /* deprecated in Lua 5.2, still there */
    default: return cl == c;
    }
    if (isupper(cl))
        res = !res;
    return res;
}

/* 'p' is at the '[' of a set whose ']' is at 'ec'. */
static int match_bracket_class(int c, const char *p, const char *ec)
{
    int sig = 1;
    if (*(p + 1) == '^') {
        sig = 0;
        p++;
    }
    while (++p < ec) {
        if (*p == ESC) {
            p++;
            if (match_class(c, (unsigned char)*p))
                return sig;
        } else if (*(p + 1) == '-' && p + 2 < ec) {
            p += 2;
            if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p)
                return sig;
        } else if ((unsigned char)*p == c) {
            return sig;
        }
    }
    return !sig;
}

static int single_match(match_state *ms, const char *s, const char *p, const char *ep)
{
    if (s >= ms->src_end)
        return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case ESC: return match_class(c, (unsigned char)*(p + 1));
    case '[': return match_bracket_class(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match_balance(match_state *ms, const char *s, const char *p)
{
    if (p >= ms->p_end - 1)
        luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= ms->src_end || *s != *p)
        return NULL;
    int b = *p, e = *(p + 1), cont = 1;
    while (++s < ms->src_end) {
        smatch_step(ms, 1);
        if (*s == e) {
            if (--cont == 0)
                return s + 1;
        } else if (*s == b) {
            cont++;
        }
    }
    return NULL;
}

static const char *max_expand(match_state *ms, const char *s, const char *p, const char *ep)
{
    ptrdiff_t i = 0;
    while (single_match(ms, s + i, p, ep)) {
        smatch_step(ms, 1);
        i++;
    }
    for (; i >= 0; i--) {   /* try with the longest repetition first */
        const char *res = smatch_run(ms, s + i, ep + 1);
        if (res)
            return res;
    }
    return NULL;
}

static const char *min_expand(match_state *ms, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *res = smatch_run(ms, s, ep + 1);
        if (res)
            return res;
        if (!single_match(ms, s, p, ep))
            return NULL;
        s++;
    }
}

static const char *start_capture(match_state *ms, const char *s, const char *p, ptrdiff_t what)
{
    if (ms->level >= MATCH_CAPTURES_MAX)
        luaL_error(ms->L, "too many captures");
    ms->capture[ms->level].init = s;
    ms->capture[ms->level].len = what;
    ms->level++;
    const char *res = smatch_run(ms, s, p);
    if (!res)
        ms->level--;   /* undo the capture */
    return res;
}

static const char *end_capture(match_state *ms, const char *s, const char *p)
{
    int l = capture_to_close(ms);
    ms->capture[l].len = s - ms->capture[l].init;
    const char *res = smatch_run(ms, s, p);
    if (!res)
        ms->capture[l].len = CAP_UNFINISHED;
    return res;
}

static const char *match_capture(match_state *ms, const char *s, int l)
{
    l = check_capture(ms, l);
    size_t len = (size_t)ms->capture[l].len;   /* a position capture: huge, never fits */
    if ((size_t)(ms->src_end - s) < len)
        return NULL;
    smatch_step(ms, 1 + len / 16);
    return memcmp(ms->capture[l].init, s, len) == 0 ? s + len : NULL;
}

/* The default case of 'match': a single-character class, maybe with a
** quantifier. Returns the end of the match or NULL; '*next_p' gets the
** pattern to continue with when the caller should loop instead. */
static const char *match_default(match_state *ms, const char *s, const char **pp, bool *again)
{
    const char *p = *pp;
    const char *ep = class_end(ms, p);
    *again = false;
    if (!single_match(ms, s, p, ep)) {
        if (*ep == '*' || *ep == '?' || *ep == '-') {   /* accepts an empty match */
            *pp = ep + 1;
            *again = true;
            return s;
        }
        return NULL;
    }
    switch (*ep) {
    case '?': {
        const char *res = smatch_run(ms, s + 1, ep + 1);
        if (res)
            return res;
        *pp = ep + 1;
        *again = true;
        return s;
    }
    case '+': return max_expand(ms, s + 1, p, ep);
    case '*': return max_expand(ms, s, p, ep);
    case '-': return min_expand(ms, s, p, ep);
    default:
        *pp = ep;
        *again = true;
        return s + 1;
    }
}

const char *smatch_run(match_state *ms, const char *s, const char *p)
{
    if (ms->depth_left-- == 0)
        luaL_error(ms->L, "pattern too complex");
    for (;;) {
        smatch_step(ms, 1);
        if (p == ms->p_end)
            break;
        bool again = false;
        switch (*p) {
        case '(':
            if (*(p + 1) == ')')
                s = start_capture(ms, s, p + 2, CAP_POSITION);
            else
                s = start_capture(ms, s, p + 1, CAP_UNFINISHED);
            break;
        case ')':
            s = end_capture(ms, s, p + 1);
            break;
        case '$':
            if (p + 1 != ms->p_end) {
                s = match_default(ms, s, &p, &again);
                break;
            }
            s = s == ms->src_end ? s : NULL;
            break;
        case ESC:
            switch (*(p + 1)) {
            case 'b':
                s = match_balance(ms, s, p + 2);
                if (s) {
                    p += 4;
                    again = true;
                }
                break;
            case 'f': {
                p += 2;
                if (*p != '[')
                    luaL_error(ms->L, "missing '[' after '%%f' in pattern");
                const char *ep = class_end(ms, p);
                int previous = s == ms->src_init ? '\0' : (unsigned char)*(s - 1);
                int current = s < ms->src_end ? (unsigned char)*s : '\0';
                if (!match_bracket_class(previous, p, ep - 1) &&
                    match_bracket_class(current, p, ep - 1)) {
                    p = ep;
                    again = true;
                } else {
                    s = NULL;
                }
                break;
            }
            case '0': case '1': case '2': case '3': case '4':
            case '5': case '6': case '7': case '8': case '9':
                s = match_capture(ms, s, (unsigned char)*(p + 1));
                if (s) {
                    p += 2;
                    again = true;
                }
                break;
            default:
                s = match_default(ms, s, &p, &again);
                break;
            }
            break;
        default:
            s = match_default(ms, s, &p, &again);
            break;
        }
        if (!again || !s)
            break;
    }
    ms->depth_left++;
    return s;
}

/* ---- captures ---------------------------------------------------------- */

/* Capture 'i' (or the whole match s..e when there are none): its start in
** '*cap' and its length, or CAP_POSITION with the position pushed. */
ptrdiff_t smatch_get_capture(match_state *ms, int i, const char *s, const char *e, const char **cap)
{
    if (i >= ms->level) {
        if (i != 0)
            luaL_error(ms->L, "invalid capture index %%%d", i + 1);
        *cap = s;
        return e - s;
    }
    ptrdiff_t len = ms->capture[i].len;
    *cap = ms->capture[i].init;
    if (len == CAP_UNFINISHED)
        luaL_error(ms->L, "unfinished capture");
    else if (len == CAP_POSITION)
        lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
    return len;
}

void smatch_push_capture(match_state *ms, int i, const char *s, const char *e)
{
    const char *cap;
    ptrdiff_t len = smatch_get_capture(ms, i, s, e, &cap);
    if (len != CAP_POSITION)
        lua_pushlstring(ms->L, cap, (size_t)len);
}

int smatch_push_captures(match_state *ms, const char *s, const char *e)
{
    int n = (ms->level == 0 && s) ? 1 : ms->level;
    luaL_checkstack(ms->L, n, "too many captures");
    for (int i = 0; i < n; i++)
        smatch_push_capture(ms, i, s, e);
    return n;
}

/* ---- the library functions ---------------------------------------------- */

void smatch_prep(match_state *ms, lua_State *L, const char *s, size_t ls, const char *p,
                       size_t lp)
{
    ms->L = L;
    ms->src_init = s;
    ms->src_end = s + ls;
    ms->p_end = p + lp;
    ms->steps = 0;
}

void smatch_reprep(match_state *ms)
{
    ms->level = 0;
    ms->depth_left = MATCH_DEPTH_MAX;
}

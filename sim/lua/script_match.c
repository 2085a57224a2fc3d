/*
** script_match.c — string.find, string.match, string.gmatch and
** string.gsub for scenarios: Lua 5.4's pattern language with a step budget.
**
** Lua's own matcher runs in C, where the instruction hook does not count,
** and backtracks: string.find(("a"):rep(2000), ("a-"):rep(6) .. "b") runs
** for hours. These functions implement the same language (classes, sets,
** anchors, captures and position captures, back-references, %b, %f, the
** quantifiers * + - ?) and the same API rules (negative and out-of-range
** 'init', plain find, gmatch's 'init' and empty-match rule, gsub's string,
** table and function replacements and its limit), and charge every step of
** the search to the scenario's instruction budget ('script_charge'), so a
** pathological pattern ends the run with the usual budget error at the
** line that called it.
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

#define MATCH_CAPTURES_MAX 32   /* LUA_MAXCAPTURES */
#define MATCH_DEPTH_MAX 200     /* MAXCCALLS in lstrlib.c */
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define ESC '%'
#define SPECIALS "^$*+?.([%-"
#define STEPS_FLUSH 4096        /* steps are charged to the budget in batches */

typedef struct match_state {
    const char *src_init, *src_end, *p_end;
    lua_State *L;
    int depth_left;
    int level;                  /* captures open or closed */
    uint64_t steps;             /* not yet charged */
    struct {
        const char *init;
        ptrdiff_t len;
    } capture[MATCH_CAPTURES_MAX];
} match_state;

static const char *match(match_state *ms, const char *s, const char *p);

static void step(match_state *ms, uint64_t n)
{
    ms->steps += n;
    if (ms->steps >= STEPS_FLUSH) {
        uint64_t k = ms->steps;
        ms->steps = 0;
        script_charge(ms->L, k);
    }
}

static void flush_steps(match_state *ms)
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
        step(ms, 1);
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
        step(ms, 1);
        i++;
    }
    for (; i >= 0; i--) {   /* try with the longest repetition first */
        const char *res = match(ms, s + i, ep + 1);
        if (res)
            return res;
    }
    return NULL;
}

static const char *min_expand(match_state *ms, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *res = match(ms, s, ep + 1);
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
    const char *res = match(ms, s, p);
    if (!res)
        ms->level--;   /* undo the capture */
    return res;
}

static const char *end_capture(match_state *ms, const char *s, const char *p)
{
    int l = capture_to_close(ms);
    ms->capture[l].len = s - ms->capture[l].init;
    const char *res = match(ms, s, p);
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
    step(ms, 1 + len / 16);
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
        const char *res = match(ms, s + 1, ep + 1);
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

static const char *match(match_state *ms, const char *s, const char *p)
{
    if (ms->depth_left-- == 0)
        luaL_error(ms->L, "pattern too complex");
    for (;;) {
        step(ms, 1);
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
static ptrdiff_t get_capture(match_state *ms, int i, const char *s, const char *e, const char **cap)
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

static void push_capture(match_state *ms, int i, const char *s, const char *e)
{
    const char *cap;
    ptrdiff_t len = get_capture(ms, i, s, e, &cap);
    if (len != CAP_POSITION)
        lua_pushlstring(ms->L, cap, (size_t)len);
}

static int push_captures(match_state *ms, const char *s, const char *e)
{
    int n = (ms->level == 0 && s) ? 1 : ms->level;
    luaL_checkstack(ms->L, n, "too many captures");
    for (int i = 0; i < n; i++)
        push_capture(ms, i, s, e);
    return n;
}

/* ---- the library functions ---------------------------------------------- */

static void prep_state(match_state *ms, lua_State *L, const char *s, size_t ls, const char *p,
                       size_t lp)
{
    ms->L = L;
    ms->src_init = s;
    ms->src_end = s + ls;
    ms->p_end = p + lp;
    ms->steps = 0;
}

static void reprep_state(match_state *ms)
{
    ms->level = 0;
    ms->depth_left = MATCH_DEPTH_MAX;
}

/* A relative initial position: negative counts from the end; 0 is 1. */
static size_t pos_relative(lua_Integer pos, size_t len)
{
    if (pos > 0)
        return (size_t)pos;
    if (pos == 0)
        return 1;
    if (pos < -(lua_Integer)len)
        return 1;
    return len + (size_t)pos + 1;
}

static bool no_specials(const char *p, size_t l)
{
    size_t upto = 0;
    do {
        if (strpbrk(p + upto, SPECIALS))
            return false;
        upto += strlen(p + upto) + 1;   /* the pattern may contain '\0' */
    } while (upto <= l);
    return true;
}

static const char *mem_find(match_state *ms, const char *s1, size_t l1, const char *s2, size_t l2)
{
    if (l2 == 0)
        return s1;
    if (l2 > l1)
        return NULL;
    l2--;   /* the first character is found by memchr */
    l1 -= l2;
    const char *init;
    while (l1 > 0 && (init = memchr(s1, *s2, l1)) != NULL) {
        step(ms, 1 + l2 / 16);
        init++;
        if (memcmp(init, s2 + 1, l2) == 0)
            return init - 1;
        l1 -= (size_t)(init - s1);
        s1 = init;
    }
    return NULL;
}

static int find_aux(lua_State *L, bool find)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = pos_relative(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    match_state ms;
    if (find && (lua_toboolean(L, 4) || no_specials(p, lp))) {
        prep_state(&ms, L, s, ls, p, lp);
        const char *s2 = mem_find(&ms, s + init, ls - init, p, lp);
        flush_steps(&ms);
        if (s2) {
            lua_pushinteger(L, (s2 - s) + 1);
            lua_pushinteger(L, (lua_Integer)((size_t)(s2 - s) + lp));
            return 2;
        }
    } else {
        const char *s1 = s + init;
        bool anchor = *p == '^';
        if (anchor) {
            p++;
            lp--;
        }
        prep_state(&ms, L, s, ls, p, lp);
        do {
            reprep_state(&ms);
            const char *res = match(&ms, s1, p);
            if (res) {
                flush_steps(&ms);
                if (find) {
                    lua_pushinteger(L, (s1 - s) + 1);
                    lua_pushinteger(L, res - s);
                    return push_captures(&ms, NULL, 0) + 2;
                }
                return push_captures(&ms, s1, res);
            }
        } while (s1++ < ms.src_end && !anchor);
        flush_steps(&ms);
    }
    luaL_pushfail(L);
    return 1;
}

static int l_find(lua_State *L) { return find_aux(L, true); }
static int l_match(lua_State *L) { return find_aux(L, false); }

typedef struct gmatch_state {
    const char *src, *p, *lastmatch;
    match_state ms;
} gmatch_state;

static int gmatch_aux(lua_State *L)
{
    gmatch_state *gm = lua_touserdata(L, lua_upvalueindex(3));
    gm->ms.L = L;
    gm->ms.steps = 0;
    for (const char *src = gm->src; src <= gm->ms.src_end; src++) {
        reprep_state(&gm->ms);
        const char *e = match(&gm->ms, src, gm->p);
        if (e && e != gm->lastmatch) {
            flush_steps(&gm->ms);
            gm->src = gm->lastmatch = e;
            return push_captures(&gm->ms, src, e);
        }
    }
    flush_steps(&gm->ms);
    return 0;
}

static int l_gmatch(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = pos_relative(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2);   /* the strings stay alive as upvalues */
    gmatch_state *gm = lua_newuserdatauv(L, sizeof *gm, 0);
    if (init > ls)
        init = ls + 1;   /* starts after the end: no match */
    prep_state(&gm->ms, L, s, ls, p, lp);
    gm->src = s + init;
    gm->p = p;
    gm->lastmatch = NULL;
    lua_pushcclosure(L, gmatch_aux, 3);
    return 1;
}

static void add_string(match_state *ms, luaL_Buffer *b, const char *s, const char *e)
{
    lua_State *L = ms->L;
    size_t l;
    const char *news = lua_tolstring(L, 3, &l);
    const char *p;
    while ((p = memchr(news, ESC, l)) != NULL) {
        luaL_addlstring(b, news, (size_t)(p - news));
        p++;   /* the character after the '%' */
        if (*p == ESC) {
            luaL_addchar(b, *p);
        } else if (*p == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*p)) {
            const char *cap;
            ptrdiff_t len = get_capture(ms, *p - '1', s, e, &cap);
            if (len == CAP_POSITION)
                luaL_addvalue(b);
            else
                luaL_addlstring(b, cap, (size_t)len);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", ESC);
        }
        l -= (size_t)(p + 1 - news);
        news = p + 1;
    }
    luaL_addlstring(b, news, l);
}

/* Adds the replacement of the match s..e; false when the original text is
** kept (a function or table gave false or nil). */
static bool add_value(match_state *ms, luaL_Buffer *b, const char *s, const char *e, int tr)
{
    lua_State *L = ms->L;
    switch (tr) {
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int n = push_captures(ms, s, e);
        lua_call(L, n, 1);
        break;
    }
    case LUA_TTABLE:
        push_capture(ms, 0, s, e);
        lua_gettable(L, 3);
        break;
    default:
        add_string(ms, b, s, e);
        return true;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return false;
    }
    if (!lua_isstring(L, -1))
        luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return true;
}

static int l_gsub(lua_State *L)
{
    size_t srcl, lp;
    const char *src = luaL_checklstring(L, 1, &srcl);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *lastmatch = NULL;
    int tr = lua_type(L, 3);
    lua_Integer max_s = luaL_optinteger(L, 4, (lua_Integer)srcl + 1);
    bool anchor = *p == '^';
    lua_Integer n = 0;
    bool changed = false;
    luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION ||
                     tr == LUA_TTABLE, 3, "string/function/table");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (anchor) {
        p++;
        lp--;
    }
    match_state ms;
    prep_state(&ms, L, src, srcl, p, lp);
    while (n < max_s) {
        reprep_state(&ms);
        const char *e = match(&ms, src, p);
        if (e && e != lastmatch) {
            n++;
            flush_steps(&ms);   /* a function replacement runs Lua code */
            changed = add_value(&ms, &b, src, e, tr) || changed;
            src = lastmatch = e;
        } else if (src < ms.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor)
            break;
    }
    flush_steps(&ms);
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

void script_match_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"find", l_find}, {"match", l_match}, {"gmatch", l_gmatch}, {"gsub", l_gsub},
        {NULL, NULL},
    };
    lua_getglobal(L, "string");
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
}

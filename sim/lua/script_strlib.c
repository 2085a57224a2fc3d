/*
** script_strlib.c — string.find, string.match, string.gmatch and
** string.gsub for scenarios, on the budgeted matcher of script_match.c:
** the same API rules as Lua 5.4's (negative and out-of-range 'init',
** plain find, gmatch's 'init' and empty-match rule, gsub's string, table
** and function replacements and its limit).
*/
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "script_int.h"
#include "script_match.h"

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
        smatch_step(ms, 1 + l2 / 16);
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
        smatch_prep(&ms, L, s, ls, p, lp);
        const char *s2 = mem_find(&ms, s + init, ls - init, p, lp);
        smatch_flush(&ms);
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
        smatch_prep(&ms, L, s, ls, p, lp);
        do {
            smatch_reprep(&ms);
            const char *res = smatch_run(&ms, s1, p);
            if (res) {
                smatch_flush(&ms);
                if (find) {
                    lua_pushinteger(L, (s1 - s) + 1);
                    lua_pushinteger(L, res - s);
                    return smatch_push_captures(&ms, NULL, 0) + 2;
                }
                return smatch_push_captures(&ms, s1, res);
            }
        } while (s1++ < ms.src_end && !anchor);
        smatch_flush(&ms);
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
        smatch_reprep(&gm->ms);
        const char *e = smatch_run(&gm->ms, src, gm->p);
        if (e && e != gm->lastmatch) {
            smatch_flush(&gm->ms);
            gm->src = gm->lastmatch = e;
            return smatch_push_captures(&gm->ms, src, e);
        }
    }
    smatch_flush(&gm->ms);
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
    smatch_prep(&gm->ms, L, s, ls, p, lp);
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
            ptrdiff_t len = smatch_get_capture(ms, *p - '1', s, e, &cap);
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
        int n = smatch_push_captures(ms, s, e);
        lua_call(L, n, 1);
        break;
    }
    case LUA_TTABLE:
        smatch_push_capture(ms, 0, s, e);
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
    smatch_prep(&ms, L, src, srcl, p, lp);
    while (n < max_s) {
        smatch_reprep(&ms);
        const char *e = smatch_run(&ms, src, p);
        if (e && e != lastmatch) {
            n++;
            smatch_flush(&ms);   /* a function replacement runs Lua code */
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
    smatch_flush(&ms);
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

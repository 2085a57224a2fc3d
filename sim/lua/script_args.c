/*
** script_args.c — the argument helpers every cluster method shares: the
** cluster itself, times in milliseconds, nodes ("n1" or 1), endpoints
** (nodes and clients "c1"), tables with known fields, typed fields, latency
** models. Each helper raises a Lua error naming what was wrong; none
** changes the world.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "luajson.h"
#include "script_int.h"

script *script_cluster_arg(lua_State *L)
{
    luaL_checkudata(L, 1, SCRIPT_CLUSTER_MT);
    script *s = script_of(L);
    DSIM_ASSERT(s->w != NULL);
    return s;
}

int64_t script_ms_arg(lua_State *L, int idx, const char *what)
{
    lua_Number ms = luaL_checknumber(L, idx);
    if (!(ms >= 0) || ms > 1e12)
        luaL_error(L, "%s must be a time in milliseconds >= 0, got %f", what, (double)ms);
    return (int64_t)llround(ms * 1e6);
}

/* A node named 1..N or "nK"; returns the 0-based id. */
int script_node_arg(lua_State *L, int idx, dsim_world *w)
{
    lua_Integer k = 0;
    if (lua_isinteger(L, idx))
        k = lua_tointeger(L, idx);
    else if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        char *end;
        if (s[0] == 'n')
            k = strtol(s + 1, &end, 10);
        if (s[0] != 'n' || *end)
            k = 0;
    }
    if (k < 1 || k > w->nodes_len)
        return luaL_error(L, "bad node %s: nodes are 1..%d or \"n1\"..\"n%d\"",
                          luaL_tolstring(L, idx, NULL), w->nodes_len, w->nodes_len);
    return (int)k - 1;
}

/* A node as above, or a client "cK"; returns the endpoint. */
int script_endpoint_arg(lua_State *L, int idx, dsim_world *w)
{
    if (lua_type(L, idx) == LUA_TSTRING && lua_tostring(L, idx)[0] == 'c') {
        char *end;
        long k = strtol(lua_tostring(L, idx) + 1, &end, 10);
        if (*end || k < 1 || k > w->clients_len)
            return luaL_error(L, "bad client %s: clients are \"c1\"..\"c%d\"",
                              lua_tostring(L, idx), w->clients_len);
        return w->nodes_len + (int)k - 1;
    }
    return script_node_arg(L, idx, w);
}

/* Errors when table 't' has a key that is not in 'allowed'. */
void script_only_keys(lua_State *L, int t, const char *what, const char *const *allowed)
{
    t = lua_absindex(L, t);
    lj_sorted_keys(L, t);
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
        bool ok = false;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int j = 0; allowed[j] && !ok; j++)
                ok = strcmp(allowed[j], lua_tostring(L, -1)) == 0;
        if (!ok) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (int j = 0; allowed[j]; j++) {
                luaL_addstring(&b, j ? ", " : "");
                luaL_addstring(&b, allowed[j]);
            }
            luaL_pushresult(&b);
            luaL_error(L, "%s: unknown field '%s' (known: %s)", what,
                       luaL_tolstring(L, -2, NULL), lua_tostring(L, -2));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

lua_Number script_num_field(lua_State *L, int t, const char *k, lua_Number def,
                            lua_Number lo, lua_Number hi, const char *what)
{
    int ty = lua_getfield(L, t, k);
    lua_Number x = def;
    if (ty != LUA_TNIL) {
        if (ty != LUA_TNUMBER)
            luaL_error(L, "%s: '%s' must be a number", what, k);
        x = lua_tonumber(L, -1);
        if (!(x >= lo && x <= hi))
            luaL_error(L, "%s: '%s' must be between %f and %f, got %f", what, k, lo, hi, x);
    }
    lua_pop(L, 1);
    return x;
}

lua_Integer script_int_field(lua_State *L, int t, const char *k, lua_Integer def,
                             lua_Integer lo, lua_Integer hi, const char *what)
{
    int ty = lua_getfield(L, t, k);
    lua_Integer x = def;
    if (ty != LUA_TNIL) {
        if (!lua_isinteger(L, -1))
            luaL_error(L, "%s: '%s' must be an integer", what, k);
        x = lua_tointeger(L, -1);
        if (x < lo || x > hi)
            luaL_error(L, "%s: '%s' must be from %I to %I, got %I", what, k, lo, hi, x);
    }
    lua_pop(L, 1);
    return x;
}

const char *script_str_field(lua_State *L, int t, const char *k, const char *def, const char *what)
{
    int ty = lua_getfield(L, t, k);
    const char *s = def;
    if (ty != LUA_TNIL) {
        if (ty != LUA_TSTRING)
            luaL_error(L, "%s: '%s' must be a string", what, k);
        s = lua_tostring(L, -1);
    }
    lua_pop(L, 1);   /* the string stays alive in the table */
    return s;
}

bool latency_from_lua(lua_State *L, int idx, latency_model *m)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Number x = lua_tonumber(L, idx);
        if (!(x >= 0 && x <= 3.6e6))
            return false;
        *m = (latency_model){.kind = LATENCY_CONSTANT, .a = (int64_t)llround(x * 1e6)};
        return true;
    }
    if (!lua_istable(L, idx))
        return false;
    static const char *const kinds[] = {"constant", "uniform", "normal", "lognormal", "pareto", NULL};
    static const latency_kind ks[] = {LATENCY_CONSTANT, LATENCY_UNIFORM, LATENCY_NORMAL,
                                      LATENCY_LOGNORMAL, LATENCY_PARETO};
    lua_getfield(L, idx, "kind");
    lua_getfield(L, idx, "a");
    lua_getfield(L, idx, "b");
    const char *kind = lua_tostring(L, -3);
    lua_Number a = lua_tonumber(L, -2), b = lua_tonumber(L, -1);
    lua_pop(L, 3);
    for (int i = 0; kind && kinds[i]; i++) {
        if (strcmp(kinds[i], kind) != 0)
            continue;
        m->kind = ks[i];
        m->a = (int64_t)llround(a * 1e6);
        /* sigma and shape are dimensionless: thousandths, see latency.h */
        m->b = (ks[i] == LATENCY_LOGNORMAL || ks[i] == LATENCY_PARETO) ? (int64_t)llround(b * 1000)
                                                                       : (int64_t)llround(b * 1e6);
        return a >= 0 && b >= 0 && a <= 3.6e6 && b <= 3.6e6;
    }
    return false;
}

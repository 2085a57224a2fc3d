/*
** script_args.c — the argument helpers every cluster method shares: the
** cluster itself, times in milliseconds, nodes ("n1" or 1), endpoints
** (nodes and clients "c1"), tables with known fields, typed fields, latency
** models. Each helper raises a Lua error naming what was wrong; none
** changes the world.
*/
#include <math.h>
#include <stdio.h>
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
    if (s->closing)   /* a finalizer in lua_close: the run was handed off */
        luaL_error(L, "the scenario has finished: the cluster cannot be used any more");
    return s;
}

int64_t script_ms_arg(lua_State *L, int idx, const char *what)
{
    lua_Number ms = luaL_checknumber(L, idx);
    if (!(ms >= 0) || ms > 1e12)
        luaL_error(L, "%s must be a time in milliseconds >= 0, got %f", what, (double)ms);
    return (int64_t)llround(ms * 1e6);
}

bool script_whole(lua_State *L, int idx, lua_Integer *out)
{
    if (lua_isinteger(L, idx)) {
        *out = lua_tointeger(L, idx);
        return true;
    }
    lua_Number x = lua_tonumber(L, idx);
    return lua_type(L, idx) == LUA_TNUMBER && x == floor(x) && lua_numbertointeger(x, out);
}

/* A node named 1..N (an integral float too) or "nK"; the 0-based id. */
int script_node_in(lua_State *L, int idx, int nodes)
{
    lua_Integer k = 0;
    if (lua_isnoneornil(L, idx))
        return luaL_error(L, "bad node nil: no node was given (c:leader() is nil while no node "
                             "leads); nodes are 1..%d or \"n1\"..\"n%d\"", nodes, nodes);
    if (lua_type(L, idx) == LUA_TNUMBER && !script_whole(L, idx, &k))
        k = 0;
    else if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        char *end = NULL;
        if (s[0] == 'n')
            k = strtol(s + 1, &end, 10);
        if (s[0] != 'n' || *end)
            k = 0;
    }
    if (k < 1 || k > nodes)
        return luaL_error(L, "bad node %s: nodes are 1..%d or \"n1\"..\"n%d\"",
                          script_tolstring(L, idx, NULL), nodes, nodes);
    return (int)k - 1;
}

/* "nK'": identity K's twin instance (cluster twins); its slot, or -1 when
** the argument is not of that form. */
static int twin_slot_arg(lua_State *L, int idx, dsim_world *w)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        return -1;
    const char *s = lua_tostring(L, idx);
    size_t len = strlen(s);
    if (len < 3 || s[0] != 'n' || s[len - 1] != '\'')
        return -1;
    char *end = NULL;
    long k = strtol(s + 1, &end, 10);
    int slot = k >= 1 && k <= dsim_node_count(w) && end == s + len - 1 ? dsim_twin_slot(w, (int)k - 1) : -1;
    if (slot < 0)
        return luaL_error(L, "bad node %s: n%d has no twin (dsim.cluster{twins = ...})", s, (int)k);
    return slot;
}

int script_node_arg(lua_State *L, int idx, dsim_world *w)
{
    int twin = twin_slot_arg(L, idx, w);
    return twin >= 0 ? twin : script_node_in(L, idx, dsim_node_count(w));
}

/* A node as above, or a client "cK"; the endpoint. */
int script_endpoint_in(lua_State *L, int idx, int nodes, int clients)
{
    if (lua_type(L, idx) == LUA_TSTRING && lua_tostring(L, idx)[0] == 'c') {
        char *end;
        long k = strtol(lua_tostring(L, idx) + 1, &end, 10);
        if (*end || k < 1 || k > clients)
            return luaL_error(L, "bad client %s: clients are \"c1\"..\"c%d\"",
                              lua_tostring(L, idx), clients);
        return nodes + (int)k - 1;
    }
    return script_node_in(L, idx, nodes);
}

int script_endpoint_arg(lua_State *L, int idx, dsim_world *w)
{
    int twin = twin_slot_arg(L, idx, w);
    if (twin >= 0)
        return dsim_slot_endpoint(w, twin);
    return script_endpoint_in(L, idx, dsim_node_count(w), dsim_client_count(w));
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
            /* A string key quoted, any other named by its type: never an
            ** address (a table key would print one). */
            int key = lua_gettop(L) - 1;
            if (lua_type(L, key) == LUA_TSTRING)
                lua_pushfstring(L, "'%s'", lua_tostring(L, key));
            else if (lua_type(L, key) == LUA_TNUMBER)
                lua_pushfstring(L, "[%s]", lua_tostring(L, key));   /* a copy converts */
            else
                lua_pushfstring(L, "of type %s", luaL_typename(L, key));
            const char *name = lua_type(L, key) == LUA_TSTRING ? lua_tostring(L, key)
                                                                : lua_tostring(L, -1);
            script_field_error(L, what, name, "%s: unknown field %s (known: %s)", what,
                               lua_tostring(L, -1), lua_tostring(L, key + 1));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

/* A number as a user wrote it: 5.5, 1e+300, 0.001. */
static const char *num_text(double x, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.14g", x);
    return buf;
}

lua_Number script_num_field(lua_State *L, int t, const char *k, lua_Number def,
                            lua_Number lo, lua_Number hi, const char *what)
{
    int ty = lua_getfield(L, t, k);
    lua_Number x = def;
    if (ty != LUA_TNIL) {
        if (ty != LUA_TNUMBER)
            script_field_error(L, what, k, "%s: '%s' must be a number, got %s", what, k, luaL_typename(L, -1));
        x = lua_tonumber(L, -1);
        char b1[32], b2[32], b3[32];
        if (!(x >= lo && x <= hi))
            script_field_error(L, what, k, "%s: '%s' must be from %s to %s, got %s", what, k,
                               num_text(lo, b1, sizeof b1), num_text(hi, b2, sizeof b2),
                               num_text(x, b3, sizeof b3));
    }
    lua_pop(L, 1);
    return x;
}

/* Integral floats count as integers (a user writes 5e7 for fifty million). */
lua_Integer script_int_field(lua_State *L, int t, const char *k, lua_Integer def,
                             lua_Integer lo, lua_Integer hi, const char *what)
{
    int ty = lua_getfield(L, t, k);
    lua_Integer x = def;
    if (ty != LUA_TNIL) {
        if (ty != LUA_TNUMBER)
            script_field_error(L, what, k, "%s: '%s' must be a whole number, got %s", what, k,
                               luaL_typename(L, -1));
        lua_Number f = lua_tonumber(L, -1);
        char buf[32];
        if (!script_whole(L, -1, &x) && f == floor(f))
            script_field_error(L, what, k, "%s: '%s' must be from %I to %I, got %s", what, k,
                               (LUAI_UACINT)lo, (LUAI_UACINT)hi, num_text(f, buf, sizeof buf));
        if (!script_whole(L, -1, &x))
            script_field_error(L, what, k, "%s: '%s' must be a whole number, got %s", what, k,
                               num_text(f, buf, sizeof buf));
        if (x < lo || x > hi)
            script_field_error(L, what, k, "%s: '%s' must be from %I to %I, got %I", what, k,
                               (LUAI_UACINT)lo, (LUAI_UACINT)hi, (LUAI_UACINT)x);
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
            script_field_error(L, what, k, "%s: '%s' must be a string, got %s", what, k, luaL_typename(L, -1));
        s = lua_tostring(L, -1);
    }
    lua_pop(L, 1);   /* the string stays alive in the table */
    return s;
}

/* False when the value is not a latency spec ('err' empty) or its
** parameters are bad ('err' says which, from latency_from_ms). */
bool latency_from_lua(lua_State *L, int idx, latency_model *m, char *err, size_t cap)
{
    idx = lua_absindex(L, idx);
    err[0] = '\0';
    if (lua_type(L, idx) == LUA_TNUMBER)
        return latency_from_ms(LATENCY_CONSTANT, lua_tonumber(L, idx), 0, m, err, (unsigned)cap);
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
    bool nums = lua_type(L, -2) == LUA_TNUMBER && lua_type(L, -1) != LUA_TSTRING;
    lua_pop(L, 3);
    for (int i = 0; kind && nums && kinds[i]; i++) {
        if (strcmp(kinds[i], kind) != 0)
            continue;
        return latency_from_ms(ks[i], a, b, m, err, (unsigned)cap);
    }
    return false;
}

/*
** luajson.c — conversions between Lua values and JSON, and the sorted
** 'pairs'/'next' that scenarios get instead of Lua's own.
**
** Lua 5.4 seeds its string hash from the time and from addresses, so the
** order in which 'pairs' visits string keys changes from run to run. Every
** table walk here, and every 'pairs' a scenario makes, visits keys in one
** fixed order: integers and other numbers ascending, then strings in byte
** order, then booleans (false first). Keys of other types (tables,
** functions) have no stable order; they come last, in Lua's own order, and
** that is documented as a limitation.
*/
#include "luajson.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

static int key_rank(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER: return 0;
    case LUA_TSTRING: return 1;
    case LUA_TBOOLEAN: return 2;
    default: return 3;
    }
}

/* Compares the keys at indices a and b (absolute): <0, 0, >0. */
static int key_cmp(lua_State *L, int a, int b)
{
    int ra = key_rank(L, a), rb = key_rank(L, b);
    if (ra != rb)
        return ra - rb;
    if (ra == 0) {
        if (lua_compare(L, a, b, LUA_OPLT))
            return -1;
        return lua_compare(L, b, a, LUA_OPLT) ? 1 : 0;
    }
    if (ra == 1) {
        size_t la, lb;
        const char *sa = lua_tolstring(L, a, &la), *sb = lua_tolstring(L, b, &lb);
        int c = memcmp(sa, sb, la < lb ? la : lb);
        return c ? c : (la < lb ? -1 : la > lb);
    }
    if (ra == 2)
        return lua_toboolean(L, a) - lua_toboolean(L, b);
    return 0;
}

/* Pushes a new array of the keys of table 't', sorted (insertion sort on
** the Lua stack would be quadratic; this sorts an index array instead). */
void lj_sorted_keys(lua_State *L, int t)
{
    t = lua_absindex(L, t);
    lua_newtable(L);
    int keys = lua_gettop(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++n);
    }
    /* Shell sort by key_cmp: no recursion, no allocation. */
    for (lua_Integer gap = n / 2; gap > 0; gap /= 2) {
        for (lua_Integer i = gap + 1; i <= n; i++) {
            lua_rawgeti(L, keys, i);
            int v = lua_gettop(L);
            lua_Integer j = i;
            while (j > gap) {
                lua_rawgeti(L, keys, j - gap);
                if (key_cmp(L, lua_gettop(L), v) <= 0) {
                    lua_pop(L, 1);
                    break;
                }
                lua_rawseti(L, keys, j);
                j -= gap;
            }
            lua_rawseti(L, keys, j);
        }
    }
}

/* Iterator of sorted pairs: upvalue 1 the key array, 2 the table, 3 index. */
static int sorted_iter(lua_State *L)
{
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(3)) + 1;
    lua_pushinteger(L, i);
    lua_replace(L, lua_upvalueindex(3));
    if (lua_rawgeti(L, lua_upvalueindex(1), i) == LUA_TNIL)
        return 1;
    lua_pushvalue(L, -1);
    lua_gettable(L, lua_upvalueindex(2));
    return 2;
}

static int sorted_pairs(lua_State *L)
{
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);
        return 3;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lj_sorted_keys(L, 1);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, sorted_iter, 3);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* next(t, k) in sorted order: O(n log n) a call, for scripts that call
** 'next' directly (pairs above is the fast path). */
static int sorted_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    lj_sorted_keys(L, 1);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 3), i = 1;
    if (!lua_isnil(L, 2)) {
        for (i = 1; i <= n; i++) {
            lua_rawgeti(L, 3, i);
            bool eq = lua_rawequal(L, -1, 2);
            lua_pop(L, 1);
            if (eq)
                break;
        }
        if (i > n)
            return luaL_error(L, "invalid key to 'next'");
        i++;
    }
    if (i > n) {
        lua_pushnil(L);
        return 1;
    }
    lua_rawgeti(L, 3, i);
    lua_pushvalue(L, -1);
    lua_gettable(L, 1);
    return 2;
}

void lj_open_sorted_pairs(lua_State *L)
{
    lua_pushcfunction(L, sorted_pairs);
    lua_setglobal(L, "pairs");
    lua_pushcfunction(L, sorted_next);
    lua_setglobal(L, "next");
}

void lj_push_json(lua_State *L, const json_t *v)
{
    luaL_checkstack(L, 4, "JSON too deep");
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        lua_newtable(L);
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            lj_push_json(L, x);
            lua_setfield(L, -2, k);
        }
        return;
    }
    case JSON_ARRAY: {
        lua_newtable(L);
        for (size_t i = 0; i < json_array_size(v); i++) {
            lj_push_json(L, json_array_get(v, i));
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        return;
    }
    case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); return;
    case JSON_INTEGER: lua_pushinteger(L, json_integer_value(v)); return;
    case JSON_REAL: lua_pushnumber(L, json_real_value(v)); return;
    case JSON_TRUE: lua_pushboolean(L, 1); return;
    case JSON_FALSE: lua_pushboolean(L, 0); return;
    case JSON_NULL: lua_pushnil(L); return;
    }
}

static bool is_sequence(lua_State *L, int t, lua_Integer *len)
{
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
            lua_pop(L, 1);
            return false;
        }
        n++;
    }
    *len = n;
    return n == (lua_Integer)lua_rawlen(L, t);
}

json_t *lj_to_json(lua_State *L, int idx, int depth)
{
    idx = lua_absindex(L, idx);
    if (depth > 32)
        return NULL;
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return json_null();
    case LUA_TBOOLEAN: return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            return json_integer(lua_tointeger(L, idx));
        return isfinite(lua_tonumber(L, idx)) ? json_real(lua_tonumber(L, idx)) : NULL;
    case LUA_TSTRING: return json_string(lua_tostring(L, idx));
    case LUA_TTABLE: break;
    default: return NULL;
    }
    lua_Integer len;
    if (is_sequence(L, idx, &len) && len > 0) {
        json_t *a = json_array();
        for (lua_Integer i = 1; i <= len; i++) {
            lua_rawgeti(L, idx, i);
            json_t *x = lj_to_json(L, -1, depth + 1);
            lua_pop(L, 1);
            if (!x) {
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, x);
        }
        return a;
    }
    json_t *o = json_object();
    lj_sorted_keys(L, idx);
    int keys = lua_gettop(L);
    for (lua_Integer i = 1; lua_rawgeti(L, keys, i) != LUA_TNIL; i++) {
        lua_pushvalue(L, -1);
        lua_gettable(L, idx);
        json_t *x = lj_to_json(L, -1, depth + 1);
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        lua_pop(L, 2);
        if (!x || !k) {
            json_decref(x);
            json_decref(o);
            lua_pop(L, 1);
            return NULL;
        }
        json_object_set_new(o, k, x);
    }
    lua_pop(L, 2);   /* the nil from rawgeti and the key array */
    return o;
}

/*
** luajson.c — conversions between Lua values and JSON, and the sorted
** 'pairs'/'next' that scenarios get instead of Lua's own.
**
** Lua 5.4 seeds its string hash from the time and from addresses, so the
** order in which 'pairs' visits string keys changes from run to run. Every
** table walk here, and every 'pairs' a scenario makes, visits keys in one
** fixed order: integers and other numbers ascending, then strings in byte
** order, then booleans (false first), then tables, functions, userdata and
** threads, each in creation order (serials from script_alloc.c: never an
** address).
*/
#include "luajson.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "script_int.h"

/* One key, reduced to what the order needs. Keys of one table are
** distinct, so the order is total and qsort's result is unique. */
typedef struct key_rec {
    int rank;             /* 0 number, 1 string, 2 boolean, 3 other */
    int type;             /* lua_type, for rank 3 */
    bool is_int;
    lua_Integer i;
    double d;
    const char *s;        /* kept alive by the key array */
    size_t len;
    uint64_t serial;      /* creation serial (rank 3) */
    lua_Integer slot;     /* index in the unsorted key array */
} key_rec;

/* Integer 'i' against float 'f' (not NaN), exactly. */
static int int_float_cmp(lua_Integer i, double f)
{
    if (f >= 0x1p63)
        return -1;
    if (f < -0x1p63)
        return 1;
    double fl = floor(f);
    lua_Integer fi = (lua_Integer)fl;
    if (i < fi || (i == fi && fl < f))
        return -1;
    return i == fi && fl == f ? 0 : 1;
}

static int rec_cmp(const void *pa, const void *pb)
{
    const key_rec *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank - b->rank;
    switch (a->rank) {
    case 0:
        if (a->is_int && b->is_int)
            return (a->i > b->i) - (a->i < b->i);
        if (!a->is_int && !b->is_int)
            return (a->d > b->d) - (a->d < b->d);
        return a->is_int ? int_float_cmp(a->i, b->d) : -int_float_cmp(b->i, a->d);
    case 1: {
        int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
        return c ? c : (a->len > b->len) - (a->len < b->len);
    }
    case 2:
        return (int)a->is_int - (int)b->is_int;
    default:
        if (a->type != b->type)
            return a->type - b->type;
        return (a->serial > b->serial) - (a->serial < b->serial);
    }
}

static void rec_of(lua_State *L, int idx, key_rec *r)
{
    int t = lua_type(L, idx);
    *r = (key_rec){.type = t};
    switch (t) {
    case LUA_TNUMBER:
        r->is_int = lua_isinteger(L, idx);
        if (r->is_int)
            r->i = lua_tointeger(L, idx);
        else
            r->d = lua_tonumber(L, idx);
        return;
    case LUA_TSTRING:
        r->rank = 1;
        r->s = lua_tolstring(L, idx, &r->len);
        return;
    case LUA_TBOOLEAN:
        r->rank = 2;
        r->is_int = lua_toboolean(L, idx);
        return;
    default:
        r->rank = 3;
        r->serial = script_key_serial(L, idx);   /* never an address */
        return;
    }
}

/* Pushes a new array of the keys of table 't', sorted: numbers ascending,
** then strings in byte order, then false and true, then tables,
** functions, userdata and threads each in creation order. O(n log n):
** the keys are reduced to C records and sorted by qsort. */
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
    key_rec *recs = lua_newuserdatauv(L, sizeof(key_rec) * (size_t)(n ? n : 1), 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, keys, i);
        rec_of(L, -1, &recs[i - 1]);
        recs[i - 1].slot = i;
        lua_pop(L, 1);   /* the string stays alive in 'keys' */
    }
    qsort(recs, (size_t)n, sizeof *recs, rec_cmp);
    lua_createtable(L, (int)(n < INT32_MAX ? n : 0), 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, keys, recs[i - 1].slot);
        lua_rawseti(L, -2, i);
    }
    lua_replace(L, keys);
    lua_pop(L, 1);   /* the records */
}

/* ---- snapshots: sorted order at O(1) amortised per step ------------------
**
** A table walked by 'pairs' or 'next' gets a snapshot, kept in a weak-keyed
** registry table: {sorted keys, key -> position}. A snapshot stays valid
** while every key of the table is in it (keys deleted since are skipped at
** visit time); starting a walk checks that in one pass, O(n) with no
** sorting, and re-sorts only when a key was inserted. 'next(t, k)' is then
** one lookup and a step. Lua leaves the order undefined when a walk
** inserts keys; here the walk goes on over the snapshot it started with
** (for 'pairs') or the one in place (for 'next'), deterministically.
** Trade-off: 'next(t)' on a non-empty table costs O(n) (the check), as
** Lua's own does on a table emptied from the front. */

#define SNAP_KEY "dsim.snapshots"

/* True when every key of table 't' is in the position map 'pos'. */
static bool snapshot_covers(lua_State *L, int t, int pos)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, pos) == LUA_TNIL) {
            lua_pop(L, 2);
            return false;
        }
        lua_pop(L, 1);
    }
    return true;
}

/* Pushes the snapshot of table 't' (index 1 the sorted keys, 2 the
** position map); with 'check', one that covers every key 't' has now. */
static int snapshot_push(lua_State *L, int t, bool check)
{
    t = lua_absindex(L, t);
    if (lua_getfield(L, LUA_REGISTRYINDEX, SNAP_KEY) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, SNAP_KEY);
    }
    int snaps = lua_gettop(L);
    lua_pushvalue(L, t);
    if (lua_rawget(L, snaps) == LUA_TTABLE) {
        lua_rawgeti(L, -1, 2);
        bool ok = !check || snapshot_covers(L, t, lua_gettop(L));
        lua_pop(L, 1);
        if (ok) {
            lua_remove(L, snaps);
            return lua_gettop(L);
        }
    }
    lua_pop(L, 1);
    lua_createtable(L, 2, 0);
    lj_sorted_keys(L, t);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    lua_createtable(L, 0, (int)(n < INT32_MAX ? n : 0));
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -2, i);
        lua_pushinteger(L, i);
        lua_rawset(L, -3);
    }
    lua_rawseti(L, -3, 2);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, t);
    lua_pushvalue(L, -2);
    lua_rawset(L, snaps);
    lua_remove(L, snaps);
    return lua_gettop(L);
}

/* Pushes the first key after position 'i' of the sorted keys at 'keys'
** that table 't' still holds, and its value; returns 2 (and the key's
** position in '*i'), or 1 (nil). */
static int next_after(lua_State *L, int t, int keys, lua_Integer *i)
{
    for (;;) {
        if (lua_rawgeti(L, keys, ++*i) == LUA_TNIL)
            return 1;
        lua_pushvalue(L, -1);
        if (lua_rawget(L, t) != LUA_TNIL)
            return 2;
        lua_pop(L, 2);
    }
}

/* Iterator of sorted pairs: upvalue 1 the key array, 2 the table, 3 the
** position reached. A key deleted during the walk is skipped. */
static int sorted_iter(lua_State *L)
{
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(3));
    int n = next_after(L, lua_upvalueindex(2), lua_upvalueindex(1), &i);
    lua_pushinteger(L, i);
    lua_replace(L, lua_upvalueindex(3));
    return n;
}

static int sorted_pairs(lua_State *L)
{
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);
        return 3;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    int snap = snapshot_push(L, 1, true);
    lua_rawgeti(L, snap, 1);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, sorted_iter, 3);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* next(t, k) in sorted order, O(1) amortised per step of a walk. */
static int sorted_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) {
        int snap = snapshot_push(L, 1, true);
        lua_rawgeti(L, snap, 1);
        lua_Integer i = 0;
        return next_after(L, 1, lua_gettop(L), &i);
    }
    for (int pass = 0; pass < 2; pass++) {
        int snap = snapshot_push(L, 1, pass == 1);
        lua_rawgeti(L, snap, 2);
        lua_pushvalue(L, 2);
        if (lua_rawget(L, -2) != LUA_TNIL) {
            lua_Integer i = lua_tointeger(L, -1);
            lua_rawgeti(L, snap, 1);
            return next_after(L, 1, lua_gettop(L), &i);
        }
        lua_settop(L, 2);
    }
    return luaL_error(L, "invalid key to 'next'");
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
        /* Sized for its keys: filling an empty table rehashes at 1, 2, 4...
        ** (most of the cost of handing an event to c:on). Key order is no
        ** one's business: pairs and next are sorted. */
        size_t keys = json_object_size(v);
        lua_createtable(L, 0, keys < INT32_MAX ? (int)keys : 0);
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

/*
** luajson.h — Lua <-> JSON conversions and deterministic table order.
*/
#ifndef DSIM_LUAJSON_H
#define DSIM_LUAJSON_H

#include <jansson.h>
#include <lua.h>

/* Pushes an array of the keys of the table at 't' in the fixed order. */
void lj_sorted_keys(lua_State *L, int t);
/* Replaces the globals 'pairs' and 'next' with sorted-order versions. */
void lj_open_sorted_pairs(lua_State *L);
void lj_push_json(lua_State *L, const json_t *v);
/* A new JSON value, or NULL when the value has no JSON form (functions,
** non-string keys in a map, too deep). Maps come out with sorted keys. */
json_t *lj_to_json(lua_State *L, int idx, int depth);

#endif

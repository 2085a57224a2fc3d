/*
** script_lib.c — dsim.lib(name): the scenario library, compiled into the
** binary (the Lua files of scenarios/lib, by tools/embed.c), so that scenarios share
** code a sandbox without 'require' would make them copy: the fuzz
** scenarios' fault source and liveness phase. A module runs once per run,
** in the run's sandbox, and dsim.lib returns what it returned, the same
** value to every caller. Nothing is read from disk at run time: a scenario
** behaves the same wherever it is copied.
*/
#include <string.h>

#include <lauxlib.h>

#include "script_int.h"

static const char *const LIBS_KEY = "dsim.lib";

int script_dsim_lib(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    int i = script_lib_find(name);
    if (i < 0) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int k = 0; script_lib_name(k); k++) {
            luaL_addstring(&b, k ? ", " : "");
            luaL_addstring(&b, script_lib_name(k));
        }
        luaL_pushresult(&b);
        return luaL_error(L, "dsim.lib: no module '%s' (the modules: %s)", name, lua_tostring(L, -1));
    }
    if (lua_getfield(L, LUA_REGISTRYINDEX, LIBS_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, LIBS_KEY);
    }
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;   /* already run in this run */
    lua_pop(L, 1);
    if (script_load_lib(L, i) != LUA_OK)
        return lua_error(L);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {   /* a module that returns nothing is kept as true */
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

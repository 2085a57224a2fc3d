/*
** script_dsim.c — the global 'dsim' table of a scenario: dsim.cluster,
** dsim.param (a -D value converted to the default's type), the latency
** models (dsim.constant ... dsim.pareto, validated at the call so the
** error names its line) and dsim.seed.
*/
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "latency.h"
#include "script_int.h"

/* dsim.param(name, default): the -D value, converted to the default's type. */
static int l_param(lua_State *L)
{
    script *s = script_of(L);
    const char *name = luaL_checkstring(L, 1);
    json_object_set_new(s->params_used, name, json_true());
    const char *v = json_string_value(json_object_get(s->cfg->params, name));
    if (!v) {
        lua_settop(L, 2);
        return 1;
    }
    switch (lua_type(L, 2)) {
    case LUA_TNUMBER: {
        if (!lua_stringtonumber(L, v))
            return luaL_error(L, "-D %s=%s: a number was expected", name, v);
        if (!isfinite(lua_tonumber(L, -1)))
            return luaL_error(L, "-D %s=%s: a finite number was expected", name, v);
        return 1;
    }
    case LUA_TBOOLEAN:
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
            return luaL_error(L, "-D %s=%s: true or false was expected", name, v);
        lua_pushboolean(L, strcmp(v, "true") == 0);
        return 1;
    default:
        lua_pushstring(L, v);
        return 1;
    }
}

/* dsim.constant(ms) ... dsim.pareto(min, shape): a latency model as a
** table {kind, a, b}, checked here (the line of the call is the error's)
** and again where a net table takes it (a hand-made table). */
static int latency_table(lua_State *L, latency_kind kind, int nargs)
{
    lua_Number a = luaL_checknumber(L, 1), b = nargs > 1 ? luaL_checknumber(L, 2) : 0;
    latency_model m;
    char err[160];
    if (!latency_from_ms(kind, a, b, &m, err, sizeof err))
        return luaL_error(L, "dsim.%s: %s", latency_name(kind), err);
    lua_newtable(L);
    lua_pushstring(L, latency_name(kind));
    lua_setfield(L, -2, "kind");
    lua_pushnumber(L, a);
    lua_setfield(L, -2, "a");
    if (nargs > 1) {
        lua_pushnumber(L, b);
        lua_setfield(L, -2, "b");
    }
    return 1;
}

static int l_constant(lua_State *L) { return latency_table(L, LATENCY_CONSTANT, 1); }
static int l_uniform(lua_State *L) { return latency_table(L, LATENCY_UNIFORM, 2); }
static int l_normal(lua_State *L) { return latency_table(L, LATENCY_NORMAL, 2); }
static int l_lognormal(lua_State *L) { return latency_table(L, LATENCY_LOGNORMAL, 2); }
static int l_pareto(lua_State *L) { return latency_table(L, LATENCY_PARETO, 2); }

void script_open_dsim(lua_State *L, const script_config *cfg)
{
    static const luaL_Reg fns[] = {
        {"cluster", cluster_new}, {"param", l_param}, {"lib", script_dsim_lib},
        {"constant", l_constant}, {"uniform", l_uniform},   {"normal", l_normal},
        {"lognormal", l_lognormal}, {"pareto", l_pareto},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    lua_pushinteger(L, (lua_Integer)cfg->seed);
    lua_setfield(L, -2, "seed");
    lua_setglobal(L, "dsim");
    cluster_open(L);
}

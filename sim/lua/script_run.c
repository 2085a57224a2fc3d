/*
** script_run.c — scheduling, running and judging: c:at, c:after, c:every,
** c:on (protocol events reach Lua just after the event that emitted them),
** c:run and c:check. A Lua error inside a callback stops the world; c:run
** then raises it with the callback's file and line.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "luajson.h"
#include "script_int.h"


/* Runs the Lua function on the stack under its 'nargs' arguments (all
** consumed); an error stops the world. */
static void call_lua(dsim_world *w, int nargs)
{
    script *s = w->hook_ctx;
    lua_State *L = s->L;
    DSIM_ASSERT(s->w == w);
    DSIM_ASSERT(lua_gettop(L) > nargs && lua_isfunction(L, -1 - nargs));
    int top = lua_gettop(L) - nargs - 1;   /* what the caller had below the function */
    lua_pushcfunction(L, script_error_handler);
    lua_insert(L, -2 - nargs);
    if (lua_pcall(L, nargs, 0, top + 1) != LUA_OK)
        world_fail(w, "%s", lua_tostring(L, -1));
    lua_settop(L, top);
}

/* A c:at, c:after or c:every callback, in registry slot 'ref': a one-shot
** one lets go of its slot once it ran. */
static void fire(dsim_world *w, uint64_t ref, uint64_t every_ns)
{
    DSIM_ASSERT(ref <= INT32_MAX);
    if (every_ns > 0)
        dsim_call_at(w, dsim_now(w) + (int64_t)every_ns, fire, ref, every_ns);
    lua_State *L = ((script *)w->hook_ctx)->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, (int)ref);
    call_lua(w, 0);
    if (every_ns == 0)
        luaL_unref(L, LUA_REGISTRYINDEX, (int)ref);
}

static void schedule_fn(lua_State *L, script *s, int64_t at, int fn_idx, int64_t every)
{
    luaL_checktype(L, fn_idx, LUA_TFUNCTION);
    if (at < dsim_now(s->w))
        luaL_error(L, "time %f ms is in the past (now %f ms)", (double)at / 1e6, (double)dsim_now(s->w) / 1e6);
    lua_pushvalue(L, fn_idx);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    DSIM_ASSERT(ref > 0);   /* a function is never nil: a real reference */
    DSIM_ASSERT(every >= 0);
    dsim_call_at(s->w, at, fire, (uint64_t)ref, (uint64_t)every);
}

static int c_at(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int64_t at = script_ms_arg(L, 2, "c:at time");
    schedule_fn(L, s, at, 3, 0);
    return 0;
}

static int c_after(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int64_t d = script_ms_arg(L, 2, "c:after delay");
    schedule_fn(L, s, dsim_now(s->w) + d, 3, 0);
    return 0;
}

static int c_every(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int64_t every = script_ms_arg(L, 2, "c:every interval");
    if (every <= 0)
        return luaL_error(L, "c:every interval must be > 0");
    int64_t first = lua_isnoneornil(L, 4) ? dsim_now(s->w) + every : script_ms_arg(L, 4, "c:every start");
    schedule_fn(L, s, first, 3, every);
    return 0;
}

static int c_on(lua_State *L)
{
    script *s = script_cluster_arg(L);
    const char *name = luaL_checkstring(L, 2);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->on_table);
    if (lua_getfield(L, -1, name) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, name);
    }
    lua_pushvalue(L, 3);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    s->w->on_emit = emit_to_lua;   /* events reach Lua only once someone listens */
    return 0;
}

void emit_to_lua(dsim_world *w, int node, int ep, const char *name, const json_t *fields)
{
    script *s = w->hook_ctx;
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->on_table);
    int handlers = lua_getfield(L, -1, name) == LUA_TTABLE ? lua_gettop(L) : 0;
    for (lua_Integer i = 1; handlers && !w->failed; i++) {
        if (lua_rawgeti(L, handlers, i) == LUA_TNIL) {
            lua_pop(L, 1);
            break;
        }
        if (fields)   /* the fields, then "name" and "node" over them */
            lj_push_json(L, fields);
        else
            lua_newtable(L);
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
        lua_pushinteger(L, node + 1);
        lua_setfield(L, -2, "node");
        if (ep != node) {   /* a twin instance: which one acted */
            char buf[16];
            lua_pushstring(L, endpoint_name(w, ep, buf, sizeof buf));
            lua_setfield(L, -2, "instance");
        }
        call_lua(w, 1);   /* the handler under its event table */
    }
    lua_pop(L, 2);
}

static int c_run(lua_State *L)
{
    script *s = script_cluster_arg(L);
    dsim_world *w = s->w;
    if (s->running)
        return luaL_error(L, "c:run cannot be called from inside a running callback");
    /* A verdict covers the whole run: running on after c:check would leave
    ** operations no check judged (a false pass), so it is an error. */
    if (s->res->checked)
        return luaL_error(L, "c:run after c:check: a verdict must cover the whole run "
                             "(check once, after the last c:run)");
    int64_t until;
    if (lua_type(L, 2) == LUA_TNUMBER) {
        until = script_ms_arg(L, 2, "c:run time");
    } else {
        static const char *const keys[] = {"until_ms", "for_ms", NULL};
        luaL_checktype(L, 2, LUA_TTABLE);
        script_only_keys(L, 2, "c:run", keys);
        double u = script_num_field(L, 2, "until_ms", NAN, 0, 1e12, "c:run");
        double f = script_num_field(L, 2, "for_ms", NAN, 0, 1e12, "c:run");
        if (isnan(u) == isnan(f))
            return luaL_error(L, "c:run wants until_ms or for_ms");
        until = isnan(u) ? dsim_now(w) + (int64_t)llround(f * 1e6) : (int64_t)llround(u * 1e6);
    }
    if (until < dsim_now(w))
        return luaL_error(L, "c:run until %f ms is in the past (now %f ms)", (double)until / 1e6,
                          (double)dsim_now(w) / 1e6);
    world_start(w);
    s->running = true;
    bool ok = world_run(w, until);
    s->running = false;
    if (!ok)
        return luaL_error(L, "%s", w->error);
    return 0;
}

static int c_check(lua_State *L)
{
    script *s = script_cluster_arg(L);
    dsim_world *w = s->w;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
    lua_newtable(L);
    int out = lua_gettop(L);
    bool all_ok = true;
    json_t *args = json_object();   /* named fields are check arguments */
    lj_sorted_keys(L, 2);
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
        if (lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, -1);
            lua_gettable(L, 2);
            json_t *v = lj_to_json(L, -1, 0);
            if (!v) {
                json_decref(args);
                return luaL_error(L, "c:check: option '%s' has no JSON form", lua_tostring(L, -2));
            }
            json_object_set_new(args, lua_tostring(L, -2), v);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        const char *name = lua_tostring(L, -1);
        const script_check *chk = script_check_find(name);
        if (!chk) {
            char known[1024];
            json_decref(args);
            return luaL_error(L, "c:check: unknown check '%s' (known: %s)", name ? name : "?",
                              script_check_names(known, sizeof known));
        }
        char err[512] = "";
        json_t *r = chk->fn(w, name, args, err, sizeof err);
        if (!r) {
            json_decref(args);
            return luaL_error(L, "c:check %s: %s", name, err);
        }
        if (json_is_string(json_object_get(r, "valid")))
            s->res->unknown = true;   /* "unknown": the budget ran out */
        if (json_is_false(json_object_get(r, "valid"))) {
            all_ok = false;
            s->res->violation = true;
        }
        json_object_set_new(s->res->verdicts, name, r);
        lj_push_json(L, r);
        lua_setfield(L, out, name);
        lua_pop(L, 1);
    }
    json_decref(args);
    s->res->checked = true;
    lua_pushboolean(L, all_ok);
    lua_setfield(L, out, "valid");
    return 1;
}

const luaL_Reg script_run_methods[] = {
    {"at", c_at}, {"after", c_after}, {"every", c_every}, {"on", c_on},
    {"run", c_run}, {"check", c_check},
    {NULL, NULL},
};

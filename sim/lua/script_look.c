/*
** script_look.c — looking at the run: c:state, c:leader, c:now, c:stats,
** c:clients, c:history, c:nodes. None of them changes the world.
*/
#include <string.h>

#include <lauxlib.h>

#include "luajson.h"
#include "script_int.h"

/* c:state(n [, key]): the node's 'inspect' table, or the one value 'key'
** of it (nil when absent). "status" is the kernel's: asked alone it costs no
** inspect, which a fuzz scenario that asks it at every crash notices. */
static int c_state(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int n = script_node_arg(L, 2, s->w);
    const char *key = luaL_optstring(L, 3, NULL);
    if (key && strcmp(key, "status") == 0) {
        lua_pushstring(L, node_status_name((int)dsim_node_status_of(s->w, n)));
        return 1;
    }
    json_t *o = json_object();
    dsim_inspect(s->w, n, o);
    const json_t *v = key ? json_object_get(o, key) : o;
    if (v)
        lj_push_json(L, v);
    else
        lua_pushnil(L);
    json_decref(o);
    return 1;
}

/* c:leader(): the node that orders writes now (dsim_leader, the lookup the
** nemesis's "leader" uses too), or nil while there is none. */
static int c_leader(lua_State *L)
{
    int n = dsim_leader(script_cluster_arg(L)->w);
    if (n < 0)
        lua_pushnil(L);
    else
        lua_pushinteger(L, n + 1);
    return 1;
}

static int c_now(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)dsim_now(script_cluster_arg(L)->w) / 1e6);
    return 1;
}

static int c_stats(lua_State *L)
{
    dsim_world *w = script_cluster_arg(L)->w;
    json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
        "events", (json_int_t)w->stats.events, "sent", (json_int_t)w->stats.sent,
        "delivered", (json_int_t)w->stats.delivered, "dropped", (json_int_t)w->stats.dropped,
        "duplicated", (json_int_t)w->stats.duplicated, "invoked", (json_int_t)w->stats.ops_invoked,
        "ok", (json_int_t)w->stats.ops_ok, "fail", (json_int_t)w->stats.ops_fail,
        "info", (json_int_t)w->stats.ops_info);
    lj_push_json(L, o);
    json_decref(o);
    return 1;
}

/* c:workload(): {name, model, checks = {...}, missing = {...}} of the run's
** workload, so a scenario can ask for its default checks:
** c:check(c:workload().checks). 'checks' holds those this build has,
** 'missing' the others. */
static int c_workload(lua_State *L)
{
    script *s = script_cluster_arg(L);
    const workload *wl = s->w->wl;
    lua_createtable(L, 0, 3);
    lua_pushstring(L, wl ? wl->name : s->w->workload.name);
    lua_setfield(L, -2, "name");
    if (wl && wl->model) {
        lua_pushstring(L, wl->model);
        lua_setfield(L, -2, "model");
    }
    lua_newtable(L);   /* checks: the default checks this build has */
    lua_newtable(L);   /* missing: the others (the txn checker before it lands) */
    for (int i = 0, have = 0, miss = 0; wl && wl->checks[i]; i++) {
        bool known = script_check_find(wl->checks[i]) != NULL;
        lua_pushstring(L, wl->checks[i]);
        lua_rawseti(L, known ? -3 : -2, known ? ++have : ++miss);
    }
    lua_setfield(L, -3, "missing");
    lua_setfield(L, -2, "checks");
    return 1;
}

/* c:clients(): per client {process, ok, busy, last_ok_ms}, for liveness
** checks without scanning the history. */
static int c_clients(lua_State *L)
{
    dsim_world *w = script_cluster_arg(L)->w;
    lua_createtable(L, dsim_client_count(w), 0);
    for (int c = 0; c < dsim_client_count(w); c++) {
        json_t *o = client_stats(w, c);
        lj_push_json(L, o);
        json_decref(o);
        lua_rawseti(L, -2, c + 1);
    }
    return 1;
}

static int c_history(lua_State *L)
{
    dsim_world *w = script_cluster_arg(L)->w;
    lua_pushlstring(L, w->hist ? w->hist : "", w->hist_len);
    return 1;
}

static int c_nodes(lua_State *L)
{
    lua_pushinteger(L, dsim_node_count(script_cluster_arg(L)->w));
    return 1;
}

const luaL_Reg script_look_methods[] = {
    {"state", c_state}, {"leader", c_leader}, {"now", c_now}, {"stats", c_stats},
    {"clients", c_clients}, {"workload", c_workload}, {"history", c_history}, {"nodes", c_nodes},
    {NULL, NULL},
};

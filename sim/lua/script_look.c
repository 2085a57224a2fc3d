/*
** script_look.c — looking at the run: c:state, c:leader, c:now, c:stats,
** c:clients, c:history, c:nodes. None of them changes the world.
*/
#include <lauxlib.h>

#include "luajson.h"
#include "script_int.h"

static int c_state(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int n = script_node_arg(L, 2, s->w);
    json_t *o = json_object();
    dsim_inspect(s->w, n, o);
    lj_push_json(L, o);
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
    {"clients", c_clients}, {"history", c_history}, {"nodes", c_nodes},
    {NULL, NULL},
};

/*
** script_faults.c — the verbs that change the run: partition shapes, pause,
** resume, crash, restart, clocks, links (c:net), and administrative
** commands to the protocol (c:control, c:add_node, c:remove_node), and
** Byzantine behaviour (c:byzantine, c:honest).
**
** Each verb is a thin adapter: it reads and checks every argument, then
** calls the one kernel operation of sim/dsim_ops.h that makes the change
** (the same one the fault kinds of faults/ call), which mixes the
** fingerprint and writes the trace. No verb touches the world's fields.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "luajson.h"
#include "script_int.h"

static int c_partition(lua_State *L)
{
    script *s = script_cluster_arg(L);
    dsim_world *w = s->w;
    luaL_checktype(L, 2, LUA_TTABLE);
    int eps = dsim_endpoint_count(w);
    int *group_of = lua_newuserdatauv(L, sizeof(int) * (size_t)eps, 0);   /* freed by GC */
    for (int e = 0; e < eps; e++)
        group_of[e] = -1;
    lua_Integer groups = (lua_Integer)lua_rawlen(L, 2);
    if (groups < 1)
        return luaL_error(L, "c:partition wants a list of groups, e.g. {{1, 2}, {3, 4, 5}}");
    /* an empty group ({} or {nil, 2}) labels no endpoint, so it is no group */
    for (lua_Integer g = 1; g <= groups; g++) {
        if (lua_rawgeti(L, 2, g) != LUA_TTABLE)
            return luaL_error(L, "c:partition: group %d must be a list of nodes", (int)g);
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            int ep = script_endpoint_arg(L, -1, w);
            DSIM_ASSERT(ep < eps);
            if (group_of[ep] >= 0)
                return luaL_error(L, "c:partition: %s is in two groups", lua_tostring(L, -1));
            group_of[ep] = (int)(g - 1);
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
    dsim_partition_groups(w, group_of);
    return 0;
}

static int c_heal(lua_State *L) { dsim_partition_heal(script_cluster_arg(L)->w); return 0; }
static int c_ring(lua_State *L)
{
    script *s = script_cluster_arg(L);
    if (dsim_node_count(s->w) < 3)
        return luaL_error(L, "c:ring needs at least 3 nodes");
    dsim_partition_ring(s->w);
    return 0;
}

static int c_isolate(lua_State *L)
{
    script *s = script_cluster_arg(L);
    dsim_partition_isolate(s->w, script_node_in(L, 2, dsim_node_count(s->w)));
    return 0;
}

static int c_bridge(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int nodes = dsim_node_count(s->w);
    if (nodes < 3)
        return luaL_error(L, "c:bridge needs at least 3 nodes");
    dsim_partition_bridge(s->w, lua_isnoneornil(L, 2) ? nodes / 2 : script_node_in(L, 2, nodes));
    return 0;
}

static int c_cut(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int a = script_endpoint_arg(L, 2, s->w), b = script_endpoint_arg(L, 3, s->w);
    if (a == b)
        return luaL_error(L, "c:cut wants two different endpoints");
    dsim_partition_cut(s->w, a, b);
    return 0;
}

/* c:pause(n [, ms]): a node that is not up is left as it is. */
static int c_pause(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int n = script_node_arg(L, 2, s->w);
    int64_t dur = lua_isnoneornil(L, 3) ? -1 : script_ms_arg(L, 3, "c:pause duration");
    dsim_pause(s->w, n, dur);
    return 0;
}

static int c_resume(lua_State *L)
{
    script *s = script_cluster_arg(L);
    dsim_resume(s->w, script_node_arg(L, 2, s->w), 0);
    return 0;
}

static int c_crash(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int n = script_node_arg(L, 2, s->w);
    bool tear = false;
    if (!lua_isnoneornil(L, 3)) {
        static const char *const keys[] = {"tear", NULL};
        luaL_checktype(L, 3, LUA_TTABLE);
        script_only_keys(L, 3, "c:crash", keys);
        lua_getfield(L, 3, "tear");
        tear = lua_toboolean(L, -1);
    }
    if (dsim_crash(s->w, n, tear) == 0)   /* a no-op is likely a scenario mistake */
        world_warn(s->w, "c:crash(%d) ignored: n%d is already crashed", n + 1, n + 1);
    return 0;
}

/* Before the first c:run a restart just marks the node up: it boots with
** the others. */
static int c_restart(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int n = script_node_arg(L, 2, s->w);
    if (!dsim_restart(s->w, n, 0))   /* a no-op is likely a scenario mistake */
        world_warn(s->w, "c:restart(%d) ignored: n%d is %s, not crashed", n + 1, n + 1,
                   dsim_node_status_of(s->w, n) == DSIM_NODE_PAUSED ? "paused" : "up");
    return 0;
}

/* c:clock(n, {drift, mono_drift, wall_drift, offset, step}): 'drift' sets
** both drifts; the specific ones override it. */
static int c_clock(lua_State *L)
{
    static const char *const keys[] = {"drift", "mono_drift", "wall_drift", "offset", "step", NULL};
    script *s = script_cluster_arg(L);
    int n = script_node_arg(L, 2, s->w);
    luaL_checktype(L, 3, LUA_TTABLE);
    script_only_keys(L, 3, "c:clock", keys);
    double lim = DSIM_DRIFT_PPM_MAX;
    double drift = script_num_field(L, 3, "drift", NAN, -lim, lim, "c:clock");
    double mono = script_num_field(L, 3, "mono_drift", drift, -lim, lim, "c:clock");
    double wall = script_num_field(L, 3, "wall_drift", drift, -lim, lim, "c:clock");
    double offset = script_num_field(L, 3, "offset", NAN, -1e9, 1e9, "c:clock");
    double step = script_num_field(L, 3, "step", NAN, -1e9, 1e9, "c:clock");
    dsim_clock_set c = {
        .mono_drift_set = !isnan(mono), .mono_drift_ppm = isnan(mono) ? 0 : (int64_t)llround(mono),
        .wall_drift_set = !isnan(wall), .wall_drift_ppm = isnan(wall) ? 0 : (int64_t)llround(wall),
        .wall_offset_set = !isnan(offset),
        .wall_offset_ns = isnan(offset) ? 0 : (int64_t)llround(offset * 1e6),
        .step_set = !isnan(step), .step_ns = isnan(step) ? 0 : (int64_t)llround(step * 1e6),
    };
    dsim_clock_change(s->w, n, &c);
    return 0;
}

/* Endpoints listed at field 'k' of table 't' (all nodes and clients when
** absent) into 'out'; returns how many. */
static int endpoint_list(lua_State *L, int t, const char *k, int nodes, int clients, int *out)
{
    int len = 0, eps = nodes + clients;
    if (lua_getfield(L, t, k) == LUA_TNIL) {
        for (int e = 0; e < eps; e++)
            out[len++] = e;
    } else if (lua_istable(L, -1)) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL && len < eps; i++) {
            out[len++] = script_endpoint_in(L, -1, nodes, clients);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else {
        out[len++] = script_endpoint_in(L, -1, nodes, clients);
    }
    lua_pop(L, 1);
    return len;
}

void script_net_parse(lua_State *L, int t, const char *what, int nodes, int clients, script_net *out)
{
    static const char *const keys[] = {"latency", "drop", "dup", "fifo", "from", "to", NULL};
    t = lua_absindex(L, t);
    luaL_checktype(L, t, LUA_TTABLE);
    script_only_keys(L, t, what, keys);
    *out = (script_net){0};
    dsim_link_set *c = &out->set;
    c->latency_set = lua_getfield(L, t, "latency") != LUA_TNIL;
    char why[160];
    if (c->latency_set && !latency_from_lua(L, -1, &c->latency, why, sizeof why))
        script_field_error(L, what, "latency", "%s: 'latency' must be milliseconds or dsim.uniform(lo, hi) "
                           "and the like (lo <= hi, lognormal sigma <= 10, pareto shape >= 0.001)%s%s",
                           what, why[0] ? ": " : "", why);
    lua_pop(L, 1);
    c->drop = script_num_field(L, t, "drop", NAN, 0, 1, what);
    c->dup = script_num_field(L, t, "dup", NAN, 0, 1, what);
    c->drop_set = !isnan(c->drop);
    c->dup_set = !isnan(c->dup);
    int fifo = lua_getfield(L, t, "fifo");
    if (fifo != LUA_TNIL && fifo != LUA_TBOOLEAN)
        script_field_error(L, what, "fifo", "%s: 'fifo' must be true or false", what);
    c->fifo_set = fifo != LUA_TNIL;
    c->fifo = lua_toboolean(L, -1);
    bool all = lua_getfield(L, t, "from") == LUA_TNIL;
    all = lua_getfield(L, t, "to") == LUA_TNIL && all;
    lua_pop(L, 3);
    if (all)
        return;
    int eps = nodes + clients;
    DSIM_ASSERT(nodes >= 1);
    out->from = lua_newuserdatauv(L, sizeof(int) * (size_t)eps * 2, 0);   /* stays on the stack */
    out->to = out->from + eps;
    out->from_len = endpoint_list(L, t, "from", nodes, clients, out->from);
    out->to_len = endpoint_list(L, t, "to", nodes, clients, out->to);
    DSIM_ASSERT(out->from_len <= eps);
    DSIM_ASSERT(out->to_len <= eps);
}

static int c_net(lua_State *L)
{
    script *s = script_cluster_arg(L);
    script_net net;
    script_net_parse(L, 2, "c:net", dsim_node_count(s->w), dsim_client_count(s->w), &net);
    char err[256];
    if (dsim_net_change(s->w, &net.set, net.from, net.from_len, net.to, net.to_len, err, sizeof err) != 0)
        return luaL_error(L, "c:net: %s", err);
    return 0;
}

/* Sends an administrative command to node 'n'; returns its result table. */
static int control_node(lua_State *L, script *s, int n, const char *verb, json_t *args)
{
    json_t *result = json_object();
    int rc = dsim_control(s->w, n, verb, args, result);
    if (rc != 0) {
        const char *why = json_string_value(json_object_get(result, "error"));
        if (rc == -2)
            lua_pushstring(L, why);
        else
            lua_pushfstring(L, "control %s on n%d: %s", verb, n + 1, why ? why : "refused");
        json_decref(result);
        return lua_error(L);
    }
    lj_push_json(L, result);
    json_decref(result);
    return 1;
}

/* c:control(n, verb [, args]) */
static int c_control(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int n = script_node_arg(L, 2, s->w);
    const char *verb = luaL_checkstring(L, 3);
    json_t *args = lua_isnoneornil(L, 4) ? json_object() : lj_to_json(L, 4, 0);
    if (!args)
        return luaL_error(L, "c:control: arguments have no JSON form");
    return control_node(L, s, n, verb, args);
}

/* c:add_node(k) / c:remove_node(k): a membership change through the leader
** (dsim_leader) or the node given as 'via'. */
static int membership(lua_State *L, const char *verb)
{
    script *s = script_cluster_arg(L);
    int k = script_node_in(L, 2, dsim_node_count(s->w));
    int via = lua_isnoneornil(L, 3) ? dsim_leader(s->w) : script_node_arg(L, 3, s->w);
    if (via < 0)
        return luaL_error(L, "c:%s: there is no leader now; pass the node to ask", verb);
    return control_node(L, s, via, verb, json_pack("{s:i}", "node", k + 1));
}

static int c_add_node(lua_State *L) { return membership(L, "add_node"); }
static int c_remove_node(lua_State *L) { return membership(L, "remove_node"); }

/* c:byzantine(n, behaviour [, params]): a generic behaviour or one of the
** protocol's (dsim list protocols); an unknown one or bad parameters are the
** scenario's mistake, reported at its line. */
static int c_byzantine(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int n = script_node_in(L, 2, dsim_node_count(s->w));   /* an identity: a twin instance runs honest code */
    const char *behaviour = luaL_checkstring(L, 3);
    json_t *params = NULL;
    if (!lua_isnoneornil(L, 4)) {
        luaL_checktype(L, 4, LUA_TTABLE);
        params = lj_to_json(L, 4, 0);
        if (json_is_array(params) && json_array_size(params) == 0) {   /* {} */
            json_decref(params);
            params = json_object();
        }
        if (!json_is_object(params)) {
            json_decref(params);
            return luaL_error(L, "c:byzantine: parameters must be a table of name = value");
        }
    }
    char err[256];
    uint32_t token = dsim_byzantine_set(s->w, n, behaviour, params, err, sizeof err);
    json_decref(params);
    if (token == 0)
        return luaL_error(L, "c:byzantine(%d): %s", n + 1, err);
    return 0;
}

static int c_honest(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int n = script_node_in(L, 2, dsim_node_count(s->w));
    if (!dsim_honest(s->w, n, 0))   /* a no-op is likely a scenario mistake */
        world_warn(s->w, "c:honest(%d) ignored: n%d is not Byzantine", n + 1, n + 1);
    return 0;
}

const luaL_Reg script_fault_methods[] = {
    {"partition", c_partition}, {"heal", c_heal}, {"isolate", c_isolate}, {"cut", c_cut},
    {"bridge", c_bridge}, {"ring", c_ring}, {"pause", c_pause}, {"resume", c_resume},
    {"crash", c_crash}, {"restart", c_restart}, {"clock", c_clock}, {"net", c_net},
    {"control", c_control}, {"add_node", c_add_node}, {"remove_node", c_remove_node},
    {"byzantine", c_byzantine}, {"honest", c_honest}, {NULL, NULL},
};

/*
** script_faults.c — the verbs that change the run: partition shapes, pause,
** resume, crash, restart, clocks, links (c:net), and administrative
** commands to the protocol (c:control, c:add_node, c:remove_node).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "luajson.h"
#include "partition.h"
#include "script_int.h"

static int c_partition(lua_State *L)
{
    script *s = script_cluster_arg(L);
    dsim_world *w = s->w;
    luaL_checktype(L, 2, LUA_TTABLE);
    int eps = w->net.endpoints;
    int *group_of = lua_newuserdatauv(L, sizeof(int) * (size_t)eps, 0);   /* freed by GC */
    for (int e = 0; e < eps; e++)
        group_of[e] = -1;
    lua_Integer groups = (lua_Integer)lua_rawlen(L, 2);
    if (groups < 1)
        return luaL_error(L, "c:partition wants a list of groups, e.g. {{1, 2}, {3, 4, 5}}");
    for (lua_Integer g = 1; g <= groups; g++) {
        if (lua_rawgeti(L, 2, g) != LUA_TTABLE)
            return luaL_error(L, "c:partition: group %d must be a list of nodes", (int)g);
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            int ep = script_endpoint_arg(L, -1, w);
            if (group_of[ep] >= 0)
                return luaL_error(L, "c:partition: %s is in two groups", lua_tostring(L, -1));
            group_of[ep] = (int)g - 1;
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
    partition_groups(w, group_of);
    return 0;
}

static int c_heal(lua_State *L) { partition_heal(script_cluster_arg(L)->w); return 0; }
static int c_ring(lua_State *L) { partition_ring(script_cluster_arg(L)->w); return 0; }

static int c_isolate(lua_State *L)
{
    script *s = script_cluster_arg(L);
    partition_isolate(s->w, script_node_arg(L, 2, s->w));
    return 0;
}

static int c_bridge(lua_State *L)
{
    script *s = script_cluster_arg(L);
    if (s->w->nodes_len < 3)
        return luaL_error(L, "c:bridge needs at least 3 nodes");
    partition_bridge(s->w, lua_isnoneornil(L, 2) ? s->w->nodes_len / 2 : script_node_arg(L, 2, s->w));
    return 0;
}

static int c_cut(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int a = script_endpoint_arg(L, 2, s->w), b = script_endpoint_arg(L, 3, s->w);
    if (a == b)
        return luaL_error(L, "c:cut wants two different endpoints");
    partition_cut(s->w, a, b);
    return 0;
}

static void resume_event(dsim_world *w, int node, int64_t after)
{
    queue_item it = {.kind = EV_RESUME, .node = node, .peer = -1, .a = w->nodes[node].pause_gen};
    world_push(w, w->now + after, &it);
}

static int c_pause(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int n = script_node_arg(L, 2, s->w);
    int64_t dur = lua_isnoneornil(L, 3) ? -1 : script_ms_arg(L, 3, "c:pause duration");
    if (s->w->nodes[n].status != NODE_UP)
        return 0;
    node_pause(&s->w->nodes[n]);
    if (dur >= 0)
        resume_event(s->w, n, dur);
    return 0;
}

static int c_resume(lua_State *L)
{
    script *s = script_cluster_arg(L);
    node_resume(&s->w->nodes[script_node_arg(L, 2, s->w)]);
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
    node_crash(&s->w->nodes[n], tear);
    return 0;
}

static int c_restart(lua_State *L)
{
    script *s = script_cluster_arg(L);
    int n = script_node_arg(L, 2, s->w);
    if (s->started)
        node_restart(&s->w->nodes[n]);
    else if (s->w->nodes[n].status == NODE_CRASHED)
        s->w->nodes[n].status = NODE_UP;   /* boots with the others */
    return 0;
}

static int c_clock(lua_State *L)
{
    static const char *const keys[] = {"drift", "mono_drift", "wall_drift", "offset", "step", NULL};
    script *s = script_cluster_arg(L);
    dsim_world *w = s->w;
    int n = script_node_arg(L, 2, w);
    luaL_checktype(L, 3, LUA_TTABLE);
    script_only_keys(L, 3, "c:clock", keys);
    double lim = CLOCK_DRIFT_PPM_MAX;
    double drift = script_num_field(L, 3, "drift", NAN, -lim, lim, "c:clock");
    double mono = script_num_field(L, 3, "mono_drift", drift, -lim, lim, "c:clock");
    double wall = script_num_field(L, 3, "wall_drift", drift, -lim, lim, "c:clock");
    double offset = script_num_field(L, 3, "offset", NAN, -1e9, 1e9, "c:clock");
    double step = script_num_field(L, 3, "step", NAN, -1e9, 1e9, "c:clock");
    nclock *c = &w->nodes[n].clock;
    json_t *e = trace_event(w, "clock");
    char buf[16];
    if (e)
        json_object_set_new(e, "node", json_string(endpoint_name(w, n, buf, sizeof buf)));
    if (!isnan(mono))
        clock_set_mono_drift(c, w->now, (int64_t)llround(mono));
    if (!isnan(wall))
        clock_set_wall_drift(c, w->now, (int64_t)llround(wall));
    if (!isnan(offset))
        clock_set_wall_offset(c, w->now, (int64_t)llround(offset * 1e6));
    if (!isnan(step))
        clock_step_wall(c, w->now, (int64_t)llround(step * 1e6));
    world_fp(w, 0xc10c ^ (uint64_t)n);
    world_fp(w, (uint64_t)clock_wall(c, w->now));
    if (e) {
        json_object_set_new(e, "mono_drift_ppm", json_integer(c->mono_drift_ppm));
        json_object_set_new(e, "wall_drift_ppm", json_integer(c->wall_drift_ppm));
        json_object_set_new(e, "wall_minus_true_ns", json_integer(clock_wall(c, w->now) - w->now));
        if (!isnan(step))
            json_object_set_new(e, "step_ns", json_integer((json_int_t)llround(step * 1e6)));
        trace_emit(w, e);
    }
    return 0;
}

/* Endpoints listed at field 'k' of table 't' (all nodes and clients when
** absent) into 'out'; returns how many. */
static int endpoint_list(lua_State *L, int t, const char *k, dsim_world *w, int *out)
{
    int len = 0;
    if (lua_getfield(L, t, k) == LUA_TNIL) {
        for (int e = 0; e < w->net.endpoints; e++)
            out[len++] = e;
    } else if (lua_istable(L, -1)) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL && len < w->net.endpoints; i++) {
            out[len++] = script_endpoint_arg(L, -1, w);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else {
        out[len++] = script_endpoint_arg(L, -1, w);
    }
    lua_pop(L, 1);
    return len;
}

/* Applies a net table {latency, drop, dup, fifo, from, to}: without from
** and to it changes the default link, otherwise the listed links. */
void script_net_table(lua_State *L, int t, script *s, bool at_start)
{
    static const char *const keys[] = {"latency", "drop", "dup", "fifo", "from", "to", NULL};
    dsim_world *w = s->w;
    luaL_checktype(L, t, LUA_TTABLE);
    script_only_keys(L, t, at_start ? "dsim.cluster net" : "c:net", keys);
    latency_model lat;
    bool has_lat = lua_getfield(L, t, "latency") != LUA_TNIL;
    if (has_lat && !latency_from_lua(L, -1, &lat))
        luaL_error(L, "net: 'latency' must be milliseconds or dsim.uniform(lo, hi) and the like");
    lua_pop(L, 1);
    double drop = script_num_field(L, t, "drop", NAN, 0, 1, "net");
    double dup = script_num_field(L, t, "dup", NAN, 0, 1, "net");
    int fifo = lua_getfield(L, t, "fifo");
    bool fifo_on = lua_toboolean(L, -1);
    lua_pop(L, 1);
    bool all = lua_getfield(L, t, "from") == LUA_TNIL;
    all = lua_getfield(L, t, "to") == LUA_TNIL && all;
    lua_pop(L, 2);
    int *from = lua_newuserdatauv(L, sizeof(int) * (size_t)w->net.endpoints * 2, 0);
    int *to = from + w->net.endpoints;
    int nf = endpoint_list(L, t, "from", w, from), nt = endpoint_list(L, t, "to", w, to);
    if (fifo != LUA_TNIL)
        net_set_fifo(w, fifo_on);
    for (int i = 0; i < (all ? 1 : nf); i++) {
        for (int j = 0; j < (all ? 1 : nt); j++) {
            int li = all ? 0 : (w->net.link_profile ? w->net.link_profile[from[i] * w->net.endpoints + to[j]] : 0);
            net_profile p = w->net.profiles[li];
            if (has_lat)
                p.latency = lat;
            if (!isnan(drop))
                p.drop = drop;
            if (!isnan(dup))
                p.dup = dup;
            if (all) {
                w->net.profiles[0] = p;
                continue;
            }
            int idx = net_profile_add(w, &p);
            if (idx < 0)
                luaL_error(L, "net: too many distinct link settings (at most %d)", WORLD_PROFILES_MAX);
            net_set_link_profile(w, from[i], to[j], idx);
        }
    }
    lua_pop(L, 1);
    json_t *e = trace_event(w, "net");
    if (e) {
        char buf[64];
        if (has_lat) {
            latency_format(&lat, buf, sizeof buf);
            json_object_set_new(e, "latency", json_string(buf));
        }
        if (!isnan(drop))
            json_object_set_new(e, "drop", json_real(drop));
        if (!isnan(dup))
            json_object_set_new(e, "dup", json_real(dup));
        if (fifo != LUA_TNIL)
            json_object_set_new(e, "fifo", json_boolean(fifo_on));
        json_object_set_new(e, "links", json_string(all ? "all" : "some"));
        trace_emit(w, e);
    }
    world_fp_bytes(w, "net", 3);
}

static int c_net(lua_State *L)
{
    script_net_table(L, 2, script_cluster_arg(L), false);
    return 0;
}


/* Sends an administrative command to node 'n'; returns its result table. */
static int control_node(lua_State *L, script *s, int n, const char *verb, json_t *args)
{
    dsim_world *w = s->w;
    if (!w->proto->control) {
        json_decref(args);
        return luaL_error(L, "protocol '%s' takes no control commands", w->proto->name);
    }
    if (w->nodes[n].status == NODE_CRASHED) {
        json_decref(args);
        return luaL_error(L, "control %s: node n%d is crashed", verb, n + 1);
    }
    json_t *result = json_object();
    world_fp_bytes(w, verb, strlen(verb));
    int rc = w->proto->control(&w->nodes[n], verb, args, result);
    json_decref(args);
    if (rc != 0) {
        const char *why = json_string_value(json_object_get(result, "error"));
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
** (or the node given as 'via'). */
static int membership(lua_State *L, const char *verb)
{
    script *s = script_cluster_arg(L);
    int k = script_node_arg(L, 2, s->w);
    int via;
    if (lua_isnoneornil(L, 3)) {
        lua_pushcfunction(L, script_leader);
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        if (lua_isnil(L, -1))
            return luaL_error(L, "c:%s: there is no leader now; pass the node to ask", verb);
        via = (int)lua_tointeger(L, -1) - 1;
    } else {
        via = script_node_arg(L, 3, s->w);
    }
    return control_node(L, s, via, verb, json_pack("{s:i}", "node", k + 1));
}

static int c_add_node(lua_State *L) { return membership(L, "add_node"); }
static int c_remove_node(lua_State *L) { return membership(L, "remove_node"); }

const luaL_Reg script_fault_methods[] = {
    {"partition", c_partition}, {"heal", c_heal}, {"isolate", c_isolate}, {"cut", c_cut},
    {"bridge", c_bridge}, {"ring", c_ring}, {"pause", c_pause}, {"resume", c_resume},
    {"crash", c_crash}, {"restart", c_restart}, {"clock", c_clock}, {"net", c_net},
    {"control", c_control}, {"add_node", c_add_node}, {"remove_node", c_remove_node},
    {NULL, NULL},
};

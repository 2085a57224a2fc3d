/*
** script_cluster.c — dsim.cluster{...}: reads the cluster's table and makes
** the world; and the cluster object's method table, gathered from the
** files that implement the methods (script_run.c, script_faults.c,
** script_look.c, script_nemesis.c).
**
** Rules every method keeps: it checks all of its arguments before it
** changes anything; nodes are named 1..N or "n1".."nN", clients "c1".."cC";
** times are milliseconds (numbers) of true virtual time; a time in the past
** or a negative one is an error. Only one cluster per scenario.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "luajson.h"
#include "script_int.h"

/* The clients table: the fields every workload has, then the chosen
** workload's own parameters (workload.h), each checked against its bounds. */
static void parse_workload(lua_State *L, int t, workload_cfg *wl)
{
    static const char *const common[] = {"count", "workload", "rate", "timeout", "redirects",
                                         "stop", "send", "replies", "retransmit", NULL};
    const char *what = "dsim.cluster clients";
    *wl = (workload_cfg){.name = "register", .rate_per_s = 20, .timeout_ns = DSIM_MS(500),
                         .redirects_max = 5, .replies_min = 1};
    workload_defaults(workload_find(wl->name), wl);
    if (lua_isnil(L, t))
        return;
    luaL_checktype(L, t, LUA_TTABLE);
    wl->name = script_str_field(L, t, "workload", "register", what);
    const workload *def = workload_find(wl->name);
    if (def == NULL) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int i = 0; workloads[i]; i++) {
            luaL_addstring(&b, i ? ", " : "");
            luaL_addstring(&b, workloads[i]->name);
        }
        luaL_pushresult(&b);
        luaL_error(L, "%s: unknown workload '%s' (known: %s)", what, wl->name, lua_tostring(L, -1));
    }
    const char *allowed[32];
    int n = 0;
    for (int i = 0; common[i]; i++)
        allowed[n++] = common[i];
    for (const workload_param *p = def->params; p->name && n < 31; p++)
        allowed[n++] = p->name;
    allowed[n] = NULL;
    script_only_keys(L, t, what, allowed);
    workload_defaults(def, wl);
    wl->count = (int)script_int_field(L, t, "count", 0, 0, WORLD_CLIENTS_MAX, what);
    wl->rate_per_s = (int64_t)script_num_field(L, t, "rate", 20, 0, 1e6, what);
    wl->timeout_ns = (int64_t)llround(script_num_field(L, t, "timeout", 500, 0.001, 3.6e6, what) * 1e6);
    wl->redirects_max = (int)script_int_field(L, t, "redirects", 5, 0, 100, what);
    wl->stop_ns = (int64_t)llround(script_num_field(L, t, "stop", 0, 0, 1e12, what) * 1e6);
    const char *send = script_str_field(L, t, "send", client_send_modes[0], what);
    for (wl->send = 0; client_send_modes[wl->send] && strcmp(client_send_modes[wl->send], send); )
        wl->send++;
    if (client_send_modes[wl->send] == NULL)
        luaL_error(L, "%s: 'send' must be %s, %s, %s or %s, got '%s'", what, client_send_modes[0],
                   client_send_modes[1], client_send_modes[2], client_send_modes[3], send);
    wl->replies_min = (int)script_int_field(L, t, "replies", 1, 1, WORLD_NODES_MAX, what);
    wl->retransmit_ns = (int64_t)llround(script_num_field(L, t, "retransmit", 0, 0, 3.6e6, what) * 1e6);
    for (const workload_param *p = def->params; p->name; p++)
        *workload_param_slot(wl, p) = (int)script_int_field(L, t, p->name, p->def, p->min, p->max, what);
    char err[256];
    if (def->validate && def->validate(wl, err, sizeof err) != 0)
        luaL_error(L, "%s: %s", what, err);
}

static void parse_limits(lua_State *L, int t, world_limits *lim)
{
    static const char *const keys[] = {"events", "time", "instructions", "memory", NULL};
    const char *what = "dsim.cluster limits";
    if (lua_isnil(L, t))
        return;
    luaL_checktype(L, t, LUA_TTABLE);
    script_only_keys(L, t, what, keys);
    lim->events_max = (uint64_t)script_int_field(L, t, "events", (lua_Integer)lim->events_max,
                                                 1, (lua_Integer)1 << 40, what);
    lim->time_ns_max = (int64_t)llround(script_num_field(L, t, "time", (double)lim->time_ns_max / 1e6,
                                                         1, 1e12, what) * 1e6);
    lim->lua_instructions_max = (uint64_t)script_int_field(L, t, "instructions",
        (lua_Integer)lim->lua_instructions_max, 1000, (lua_Integer)1 << 50, what);
    /* Bytes of Lua memory (script_alloc.c), from 1 MiB to 1 TiB. */
    script *s = script_of(L);
    s->mem_max = (size_t)script_num_field(L, t, "memory", (double)s->mem_max, 1048576.0,
                                          1099511627776.0, what);
}

/* Protocol options from the table at 't', overridden by -D for names the
** protocol knows (those -D names count as read). */
static json_t *gather_options(lua_State *L, int t, script *s, const dsim_protocol *p)
{
    json_t *given = json_object();
    if (!lua_isnil(L, t)) {
        luaL_checktype(L, t, LUA_TTABLE);
        json_decref(given);
        given = lj_to_json(L, t, 0);
        if (!json_is_object(given)) {
            json_decref(given);
            luaL_error(L, "dsim.cluster: 'options' must be a table of name = value");
        }
    }
    const char *k;
    json_t *v;
    json_object_foreach(s->cfg->params, k, v) {
        bool known = strcmp(k, "bug") == 0;
        for (const dsim_option *o = p->options; !known && o && o->name; o++)
            known = strcmp(o->name, k) == 0;
        if (known) {
            json_object_set(given, k, v);
            json_object_set_new(s->params_used, k, json_true());
        }
    }
    return given;
}

/* "every" (the default), "off", or every N events; N may be written as
** an integral float (1e3). */
static int parse_invariants(lua_State *L, int t)
{
    if (lua_isnil(L, t))
        return 1;
    if (lua_type(L, t) == LUA_TSTRING && strcmp(lua_tostring(L, t), "every") == 0)
        return 1;
    if (lua_type(L, t) == LUA_TSTRING && strcmp(lua_tostring(L, t), "off") == 0)
        return 0;
    lua_Integer n = 0;
    if (lua_type(L, t) == LUA_TNUMBER && script_whole(L, t, &n) && n >= 1 && n <= 1000000000)
        return (int)n;
    script_field_error(L, "dsim.cluster", "invariants",
                       "dsim.cluster: 'invariants' must be \"every\", \"off\" or a number of "
                       "events from 1 to 1000000000");
    return 0;
}

/* net = {forge = true, ...}: a Byzantine node may forge the sender
** (dsim_send_as). Replaces the table at 't' with a copy without 'forge',
** for script_net_parse (c:net takes no 'forge': it is fixed for the run). */
static void net_forge(lua_State *L, int t, world_config *cfg)
{
    luaL_checktype(L, t, LUA_TTABLE);
    int ty = lua_getfield(L, t, "forge");
    if (ty != LUA_TNIL && ty != LUA_TBOOLEAN)
        script_field_error(L, "dsim.cluster net", "forge", "dsim.cluster net: 'forge' must be true or false");
    cfg->net_forge = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_newtable(L);
    for (lua_pushnil(L); lua_next(L, t) != 0;) {
        bool skip = lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "forge") == 0;
        if (skip) {
            lua_pop(L, 1);
            continue;
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    lua_replace(L, t);
}

/* Reads the cluster's table at 1 into 'cfg' (the kernel's defaults under
** it); raises a Lua error on the first bad field, having changed nothing.
** Leaves what 'cfg' borrows (options, endpoint lists) on the stack. */
static void parse_cluster(lua_State *L, script *s, world_config *cfg)
{
    static const char *const keys[] = {"protocol", "nodes", "options", "net", "clients",
                                       "invariants", "limits", "twins", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    script_only_keys(L, 1, "dsim.cluster", keys);
    world_config_defaults(cfg);
    const char *pname = script_str_field(L, 1, "protocol", "single", "dsim.cluster");
    cfg->protocol = dsim_protocol_find(pname);
    if (!cfg->protocol)
        script_field_error(L, "dsim.cluster", "protocol",
                           "dsim.cluster: unknown protocol '%s' (see: dsim list)", pname);
    cfg->nodes = (int)script_int_field(L, 1, "nodes", 3, 1, WORLD_NODES_MAX, "dsim.cluster");
    cfg->seed = s->cfg->seed;
    if (lua_getfield(L, 1, "twins") != LUA_TNIL) {   /* twins = {"n1", ...}: docs/DESIGN.md "Twins" */
        int t = lua_gettop(L);
        if (!lua_istable(L, t))
            script_field_error(L, "dsim.cluster", "twins", "dsim.cluster: 'twins' must be a list of nodes, "
                               "e.g. {\"n1\"}");
        int len = (int)lua_rawlen(L, t);
        if (len > cfg->nodes)
            script_field_error(L, "dsim.cluster", "twins", "dsim.cluster: 'twins' lists %d nodes of %d",
                               len, cfg->nodes);
        int *ids = lua_newuserdatauv(L, sizeof(int) * (size_t)(len ? len : 1), 0);   /* stays on the stack */
        for (int i = 0; i < len; i++) {
            lua_rawgeti(L, t, i + 1);
            ids[i] = script_node_in(L, -1, cfg->nodes);
            lua_pop(L, 1);
        }
        cfg->twins = ids;
        cfg->twins_len = len;
    }
    lua_getfield(L, 1, "clients");
    parse_workload(L, lua_gettop(L), &cfg->workload);
    lua_getfield(L, 1, "limits");
    parse_limits(L, lua_gettop(L), &cfg->limits);
    lua_getfield(L, 1, "invariants");
    cfg->invariants_every = parse_invariants(L, lua_gettop(L));
    if (lua_getfield(L, 1, "net") != LUA_TNIL) {
        script_net net;
        net_forge(L, lua_gettop(L), cfg);
        script_net_parse(L, lua_gettop(L), "dsim.cluster net", cfg->nodes, cfg->workload.count, &net);
        cfg->net_given = true;
        cfg->net_set = net.set;
        cfg->net_from = net.from;
        cfg->net_from_len = net.from_len;
        cfg->net_to = net.to;
        cfg->net_to_len = net.to_len;
    }
    cfg->trace = s->cfg->trace;
    cfg->log = s->cfg->log;
    cfg->log_color = s->cfg->log_color;
    cfg->log_filter = s->cfg->log_filter;
    cfg->fault_log = s->cfg->fault_log;
    cfg->scenario = s->cfg->path;
    cfg->params = s->cfg->params;
    cfg->hook_ctx = s;
}

/* dsim.cluster{...}: the configuration read whole, then the world made
** from it in one call. */
int cluster_new(lua_State *L)
{
    script *s = script_of(L);
    if (s->w)
        return luaL_error(L, "dsim.cluster: a scenario makes one cluster");
    if (s->closing)
        return luaL_error(L, "dsim.cluster: the scenario has finished");
    world_config cfg;
    parse_cluster(L, s, &cfg);
    lua_getfield(L, 1, "options");
    json_t *given = gather_options(L, lua_gettop(L), s, cfg.protocol);
    cfg.options = given;
    char err[512];
    s->w = world_create(&cfg, err, sizeof err);
    json_decref(given);
    if (!s->w)
        return luaL_error(L, "dsim.cluster: %s", err);
    DSIM_ASSERT(dsim_node_count(s->w) == cfg.nodes);
    DSIM_ASSERT(dsim_client_count(s->w) == cfg.workload.count);
    lua_newuserdatauv(L, 1, 0);
    luaL_setmetatable(L, SCRIPT_CLUSTER_MT);
    return 1;
}

/* The method tables, one per file; each ends in {NULL, NULL}. */
static const luaL_Reg *const method_tables[] = {
    script_run_methods, script_fault_methods, script_look_methods, script_nemesis_methods, NULL,
};

void cluster_open(lua_State *L)
{
    luaL_newmetatable(L, SCRIPT_CLUSTER_MT);
    lua_newtable(L);
    for (int i = 0; method_tables[i]; i++)
        luaL_setfuncs(L, method_tables[i], 0);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, "cluster");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
}

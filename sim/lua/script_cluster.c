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

static void parse_limits(lua_State *L, int t, dsim_world *w)
{
    static const char *const keys[] = {"events", "time", "instructions", NULL};
    const char *what = "dsim.cluster limits";
    if (lua_isnil(L, t))
        return;
    luaL_checktype(L, t, LUA_TTABLE);
    script_only_keys(L, t, what, keys);
    w->limits.events_max = (uint64_t)script_int_field(L, t, "events", (lua_Integer)w->limits.events_max,
                                               1, (lua_Integer)1 << 40, what);
    w->limits.time_ns_max = (int64_t)llround(script_num_field(L, t, "time", (double)w->limits.time_ns_max / 1e6,
                                                       1, 1e12, what) * 1e6);
    w->limits.lua_instructions_max = (uint64_t)script_int_field(L, t, "instructions",
        (lua_Integer)w->limits.lua_instructions_max, 1000, (lua_Integer)1 << 50, what);
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

static void apply_invariants(lua_State *L, int t, dsim_world *w)
{
    if (lua_isnil(L, t)) {
        w->invariants_every = 1;
    } else if (lua_type(L, t) == LUA_TSTRING && strcmp(lua_tostring(L, t), "every") == 0) {
        w->invariants_every = 1;
    } else if (lua_type(L, t) == LUA_TSTRING && strcmp(lua_tostring(L, t), "off") == 0) {
        w->invariants_every = 0;
    } else if (lua_isinteger(L, t) && lua_tointeger(L, t) >= 1 && lua_tointeger(L, t) <= 1000000000) {
        w->invariants_every = (int)lua_tointeger(L, t);
    } else {
        luaL_error(L, "dsim.cluster: 'invariants' must be \"every\", \"off\" or a number of events");
    }
}


int cluster_new(lua_State *L)
{
    static const char *const keys[] = {"protocol", "nodes", "options", "net", "clients",
                                       "invariants", "limits", NULL};
    script *s = script_of(L);
    if (s->w)
        return luaL_error(L, "dsim.cluster: a scenario makes one cluster");
    luaL_checktype(L, 1, LUA_TTABLE);
    script_only_keys(L, 1, "dsim.cluster", keys);
    const char *pname = script_str_field(L, 1, "protocol", "single", "dsim.cluster");
    const dsim_protocol *p = dsim_protocol_find(pname);
    if (!p)
        return luaL_error(L, "dsim.cluster: unknown protocol '%s' (see: dsim list)", pname);
    lua_Integer nodes = script_int_field(L, 1, "nodes", 3, 1, WORLD_NODES_MAX, "dsim.cluster");
    workload_cfg wl;
    lua_getfield(L, 1, "clients");
    parse_workload(L, lua_gettop(L), &wl);
    lua_getfield(L, 1, "options");
    json_t *given = gather_options(L, lua_gettop(L), s, p);
    char err[512];
    dsim_world *w = world_new(p, (int)nodes, s->cfg->seed, err, sizeof err);
    if (!w) {
        json_decref(given);
        return luaL_error(L, "dsim.cluster: %s", err);
    }
    s->w = w;
    w->hook_ctx = s;
    int rc = options_build(w, given, err, sizeof err);
    json_decref(given);
    if (rc != 0)
        return luaL_error(L, "dsim.cluster: %s", err);
    if (clients_init(w, &wl, err, sizeof err) != 0)
        return luaL_error(L, "dsim.cluster: %s", err);
    if (p->validate && p->validate(w, err, sizeof err) != 0)
        return luaL_error(L, "dsim.cluster: protocol '%s': %s", p->name, err);
    lua_getfield(L, 1, "limits");
    parse_limits(L, lua_gettop(L), w);
    lua_getfield(L, 1, "invariants");
    apply_invariants(L, lua_gettop(L), w);
    lua_getfield(L, 1, "net");
    if (!lua_isnil(L, -1))
        script_net_table(L, lua_gettop(L), s, true);
    w->trace = s->cfg->trace;
    w->log = s->cfg->log;
    w->log_color = s->cfg->log_color;
    w->log_filter = s->cfg->log_filter;
    trace_header(w, s->cfg->path, s->cfg->params);
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

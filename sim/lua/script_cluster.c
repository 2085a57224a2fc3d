/*
** script_cluster.c — the cluster object of the scenario API:
** dsim.cluster{...} and its methods (at, after, every, on, partition, heal,
** isolate, cut, bridge, ring, pause, resume, crash, restart, clock, net,
** run, check, leader, state, now, stats, history).
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
#include "partition.h"
#include "script_int.h"

#define CLUSTER_MT "dsim.cluster"

static script *cluster_check(lua_State *L)
{
    luaL_checkudata(L, 1, CLUSTER_MT);
    script *s = script_of(L);
    DSIM_ASSERT(s->w != NULL);
    return s;
}

/* ---- argument helpers ------------------------------------------------- */

static int64_t ms_to_ns(lua_State *L, int idx, const char *what)
{
    lua_Number ms = luaL_checknumber(L, idx);
    if (!(ms >= 0) || ms > 1e12)
        luaL_error(L, "%s must be a time in milliseconds >= 0, got %f", what, (double)ms);
    return (int64_t)llround(ms * 1e6);
}

/* A node named 1..N or "nK"; returns the 0-based id. */
static int node_arg(lua_State *L, int idx, dsim_world *w)
{
    lua_Integer k = 0;
    if (lua_isinteger(L, idx))
        k = lua_tointeger(L, idx);
    else if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        char *end;
        if (s[0] == 'n')
            k = strtol(s + 1, &end, 10);
        if (s[0] != 'n' || *end)
            k = 0;
    }
    if (k < 1 || k > w->nodes_len)
        return luaL_error(L, "bad node %s: nodes are 1..%d or \"n1\"..\"n%d\"",
                          luaL_tolstring(L, idx, NULL), w->nodes_len, w->nodes_len);
    return (int)k - 1;
}

/* A node as above, or a client "cK"; returns the endpoint. */
static int endpoint_arg(lua_State *L, int idx, dsim_world *w)
{
    if (lua_type(L, idx) == LUA_TSTRING && lua_tostring(L, idx)[0] == 'c') {
        char *end;
        long k = strtol(lua_tostring(L, idx) + 1, &end, 10);
        if (*end || k < 1 || k > w->clients_len)
            return luaL_error(L, "bad client %s: clients are \"c1\"..\"c%d\"",
                              lua_tostring(L, idx), w->clients_len);
        return w->nodes_len + (int)k - 1;
    }
    return node_arg(L, idx, w);
}

/* Errors when table 't' has a key that is not in 'allowed'. */
static void only_keys(lua_State *L, int t, const char *what, const char *const *allowed)
{
    t = lua_absindex(L, t);
    lj_sorted_keys(L, t);
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
        bool ok = false;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int j = 0; allowed[j] && !ok; j++)
                ok = strcmp(allowed[j], lua_tostring(L, -1)) == 0;
        if (!ok) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (int j = 0; allowed[j]; j++) {
                luaL_addstring(&b, j ? ", " : "");
                luaL_addstring(&b, allowed[j]);
            }
            luaL_pushresult(&b);
            luaL_error(L, "%s: unknown field '%s' (known: %s)", what,
                       luaL_tolstring(L, -2, NULL), lua_tostring(L, -2));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

static lua_Number num_field(lua_State *L, int t, const char *k, lua_Number def,
                            lua_Number lo, lua_Number hi, const char *what)
{
    int ty = lua_getfield(L, t, k);
    lua_Number x = def;
    if (ty != LUA_TNIL) {
        if (ty != LUA_TNUMBER)
            luaL_error(L, "%s: '%s' must be a number", what, k);
        x = lua_tonumber(L, -1);
        if (!(x >= lo && x <= hi))
            luaL_error(L, "%s: '%s' must be between %f and %f, got %f", what, k, lo, hi, x);
    }
    lua_pop(L, 1);
    return x;
}

static lua_Integer int_field(lua_State *L, int t, const char *k, lua_Integer def,
                             lua_Integer lo, lua_Integer hi, const char *what)
{
    int ty = lua_getfield(L, t, k);
    lua_Integer x = def;
    if (ty != LUA_TNIL) {
        if (!lua_isinteger(L, -1))
            luaL_error(L, "%s: '%s' must be an integer", what, k);
        x = lua_tointeger(L, -1);
        if (x < lo || x > hi)
            luaL_error(L, "%s: '%s' must be from %I to %I, got %I", what, k, lo, hi, x);
    }
    lua_pop(L, 1);
    return x;
}

static const char *str_field(lua_State *L, int t, const char *k, const char *def, const char *what)
{
    int ty = lua_getfield(L, t, k);
    const char *s = def;
    if (ty != LUA_TNIL) {
        if (ty != LUA_TSTRING)
            luaL_error(L, "%s: '%s' must be a string", what, k);
        s = lua_tostring(L, -1);
    }
    lua_pop(L, 1);   /* the string stays alive in the table */
    return s;
}

bool latency_from_lua(lua_State *L, int idx, latency_model *m)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Number x = lua_tonumber(L, idx);
        if (!(x >= 0 && x <= 3.6e6))
            return false;
        *m = (latency_model){.kind = LATENCY_CONSTANT, .a = (int64_t)llround(x * 1e6)};
        return true;
    }
    if (!lua_istable(L, idx))
        return false;
    static const char *const kinds[] = {"constant", "uniform", "normal", "lognormal", "pareto", NULL};
    static const latency_kind ks[] = {LATENCY_CONSTANT, LATENCY_UNIFORM, LATENCY_NORMAL,
                                      LATENCY_LOGNORMAL, LATENCY_PARETO};
    lua_getfield(L, idx, "kind");
    lua_getfield(L, idx, "a");
    lua_getfield(L, idx, "b");
    const char *kind = lua_tostring(L, -3);
    lua_Number a = lua_tonumber(L, -2), b = lua_tonumber(L, -1);
    lua_pop(L, 3);
    for (int i = 0; kind && kinds[i]; i++) {
        if (strcmp(kinds[i], kind) != 0)
            continue;
        m->kind = ks[i];
        m->a = (int64_t)llround(a * 1e6);
        /* sigma and shape are dimensionless: thousandths, see latency.h */
        m->b = (ks[i] == LATENCY_LOGNORMAL || ks[i] == LATENCY_PARETO) ? (int64_t)llround(b * 1000)
                                                                       : (int64_t)llround(b * 1e6);
        return a >= 0 && b >= 0 && a <= 3.6e6 && b <= 3.6e6;
    }
    return false;
}

/* ---- making the cluster ----------------------------------------------- */

/* The clients table: the fields every workload has, then the chosen
** workload's own parameters (workload.h), each checked against its bounds. */
static void parse_workload(lua_State *L, int t, workload_cfg *wl)
{
    static const char *const common[] = {"count", "workload", "rate", "timeout", "redirects",
                                         "stop", NULL};
    const char *what = "dsim.cluster clients";
    *wl = (workload_cfg){.name = "register", .rate_per_s = 20, .timeout_ns = DSIM_MS(500),
                         .redirects_max = 5};
    workload_defaults(workload_find(wl->name), wl);
    if (lua_isnil(L, t))
        return;
    luaL_checktype(L, t, LUA_TTABLE);
    wl->name = str_field(L, t, "workload", "register", what);
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
    only_keys(L, t, what, allowed);
    workload_defaults(def, wl);
    wl->count = (int)int_field(L, t, "count", 0, 0, WORLD_CLIENTS_MAX, what);
    wl->rate_per_s = (int64_t)num_field(L, t, "rate", 20, 0, 1e6, what);
    wl->timeout_ns = (int64_t)llround(num_field(L, t, "timeout", 500, 0.001, 3.6e6, what) * 1e6);
    wl->redirects_max = (int)int_field(L, t, "redirects", 5, 0, 100, what);
    wl->stop_ns = (int64_t)llround(num_field(L, t, "stop", 0, 0, 1e12, what) * 1e6);
    for (const workload_param *p = def->params; p->name; p++)
        *workload_param_slot(wl, p) = (int)int_field(L, t, p->name, p->def, p->min, p->max, what);
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
    only_keys(L, t, what, keys);
    w->limits.events_max = (uint64_t)int_field(L, t, "events", (lua_Integer)w->limits.events_max,
                                               1, (lua_Integer)1 << 40, what);
    w->limits.time_ns_max = (int64_t)llround(num_field(L, t, "time", (double)w->limits.time_ns_max / 1e6,
                                                       1, 1e12, what) * 1e6);
    w->limits.lua_instructions_max = (uint64_t)int_field(L, t, "instructions",
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

static void net_table(lua_State *L, int t, script *s, bool at_start);
static void emit_to_lua(dsim_world *w, int node, const char *name, json_t *fields);

int cluster_new(lua_State *L)
{
    static const char *const keys[] = {"protocol", "nodes", "options", "net", "clients",
                                       "invariants", "limits", NULL};
    script *s = script_of(L);
    if (s->w)
        return luaL_error(L, "dsim.cluster: a scenario makes one cluster");
    luaL_checktype(L, 1, LUA_TTABLE);
    only_keys(L, 1, "dsim.cluster", keys);
    const char *pname = str_field(L, 1, "protocol", "single", "dsim.cluster");
    const dsim_protocol *p = dsim_protocol_find(pname);
    if (!p)
        return luaL_error(L, "dsim.cluster: unknown protocol '%s' (see: dsim list)", pname);
    lua_Integer nodes = int_field(L, 1, "nodes", 3, 1, WORLD_NODES_MAX, "dsim.cluster");
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
        net_table(L, lua_gettop(L), s, true);
    w->trace = s->cfg->trace;
    w->log = s->cfg->log;
    w->log_color = s->cfg->log_color;
    w->log_filter = s->cfg->log_filter;
    trace_header(w, s->cfg->path, s->cfg->params);
    lua_newuserdatauv(L, 1, 0);
    luaL_setmetatable(L, CLUSTER_MT);
    return 1;
}

/* ---- scheduling and callbacks ------------------------------------------ */

/* Runs the Lua function in registry slot 'ref'; an error stops the world. */
static void call_lua(dsim_world *w, int ref, int nargs_on_stack)
{
    script *s = w->hook_ctx;
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_insert(L, -1 - nargs_on_stack);
    lua_pushcfunction(L, script_error_handler);
    lua_insert(L, -2 - nargs_on_stack);
    int base = lua_gettop(L) - nargs_on_stack - 1;
    if (lua_pcall(L, nargs_on_stack, 0, base) != LUA_OK)
        world_fail(w, "%s", lua_tostring(L, -1));
    lua_settop(L, base - 1);
}

static void fire(dsim_world *w, uint64_t ref, uint64_t every_ns)
{
    if (every_ns > 0)
        world_call_at(w, w->now + (int64_t)every_ns, fire, ref, every_ns);
    call_lua(w, (int)ref, 0);
}

static void schedule_fn(lua_State *L, script *s, int64_t at, int fn_idx, int64_t every)
{
    luaL_checktype(L, fn_idx, LUA_TFUNCTION);
    if (at < s->w->now)
        luaL_error(L, "time %f ms is in the past (now %f ms)", (double)at / 1e6, (double)s->w->now / 1e6);
    lua_pushvalue(L, fn_idx);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    world_call_at(s->w, at, fire, (uint64_t)ref, (uint64_t)every);
}

static int c_at(lua_State *L)
{
    script *s = cluster_check(L);
    int64_t at = ms_to_ns(L, 2, "c:at time");
    schedule_fn(L, s, at, 3, 0);
    return 0;
}

static int c_after(lua_State *L)
{
    script *s = cluster_check(L);
    int64_t d = ms_to_ns(L, 2, "c:after delay");
    schedule_fn(L, s, s->w->now + d, 3, 0);
    return 0;
}

static int c_every(lua_State *L)
{
    script *s = cluster_check(L);
    int64_t every = ms_to_ns(L, 2, "c:every interval");
    if (every <= 0)
        return luaL_error(L, "c:every interval must be > 0");
    int64_t first = lua_isnoneornil(L, 4) ? s->w->now + every : ms_to_ns(L, 4, "c:every start");
    schedule_fn(L, s, first, 3, every);
    return 0;
}

static int c_on(lua_State *L)
{
    script *s = cluster_check(L);
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

static void emit_to_lua(dsim_world *w, int node, const char *name, json_t *fields)
{
    (void)node;
    script *s = w->hook_ctx;
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->on_table);
    int handlers = lua_getfield(L, -1, name) == LUA_TTABLE ? lua_gettop(L) : 0;
    for (lua_Integer i = 1; handlers && !w->failed; i++) {
        if (lua_rawgeti(L, handlers, i) == LUA_TNIL) {
            lua_pop(L, 1);
            break;
        }
        int ref = luaL_ref(L, LUA_REGISTRYINDEX);
        lj_push_json(L, fields);
        call_lua(w, ref, 1);
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
    }
    lua_pop(L, 2);
}

/* ---- faults ----------------------------------------------------------- */

static int c_partition(lua_State *L)
{
    script *s = cluster_check(L);
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
            int ep = endpoint_arg(L, -1, w);
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

static int c_heal(lua_State *L) { partition_heal(cluster_check(L)->w); return 0; }
static int c_ring(lua_State *L) { partition_ring(cluster_check(L)->w); return 0; }

static int c_isolate(lua_State *L)
{
    script *s = cluster_check(L);
    partition_isolate(s->w, node_arg(L, 2, s->w));
    return 0;
}

static int c_bridge(lua_State *L)
{
    script *s = cluster_check(L);
    if (s->w->nodes_len < 3)
        return luaL_error(L, "c:bridge needs at least 3 nodes");
    partition_bridge(s->w, lua_isnoneornil(L, 2) ? s->w->nodes_len / 2 : node_arg(L, 2, s->w));
    return 0;
}

static int c_cut(lua_State *L)
{
    script *s = cluster_check(L);
    int a = endpoint_arg(L, 2, s->w), b = endpoint_arg(L, 3, s->w);
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
    script *s = cluster_check(L);
    int n = node_arg(L, 2, s->w);
    int64_t dur = lua_isnoneornil(L, 3) ? -1 : ms_to_ns(L, 3, "c:pause duration");
    if (s->w->nodes[n].status != NODE_UP)
        return 0;
    node_pause(&s->w->nodes[n]);
    if (dur >= 0)
        resume_event(s->w, n, dur);
    return 0;
}

static int c_resume(lua_State *L)
{
    script *s = cluster_check(L);
    node_resume(&s->w->nodes[node_arg(L, 2, s->w)]);
    return 0;
}

static int c_crash(lua_State *L)
{
    script *s = cluster_check(L);
    int n = node_arg(L, 2, s->w);
    bool tear = false;
    if (!lua_isnoneornil(L, 3)) {
        static const char *const keys[] = {"tear", NULL};
        luaL_checktype(L, 3, LUA_TTABLE);
        only_keys(L, 3, "c:crash", keys);
        lua_getfield(L, 3, "tear");
        tear = lua_toboolean(L, -1);
    }
    node_crash(&s->w->nodes[n], tear);
    return 0;
}

static int c_restart(lua_State *L)
{
    script *s = cluster_check(L);
    int n = node_arg(L, 2, s->w);
    if (s->started)
        node_restart(&s->w->nodes[n]);
    else if (s->w->nodes[n].status == NODE_CRASHED)
        s->w->nodes[n].status = NODE_UP;   /* boots with the others */
    return 0;
}

static int c_clock(lua_State *L)
{
    static const char *const keys[] = {"drift", "mono_drift", "wall_drift", "offset", "step", NULL};
    script *s = cluster_check(L);
    dsim_world *w = s->w;
    int n = node_arg(L, 2, w);
    luaL_checktype(L, 3, LUA_TTABLE);
    only_keys(L, 3, "c:clock", keys);
    double lim = CLOCK_DRIFT_PPM_MAX;
    double drift = num_field(L, 3, "drift", NAN, -lim, lim, "c:clock");
    double mono = num_field(L, 3, "mono_drift", drift, -lim, lim, "c:clock");
    double wall = num_field(L, 3, "wall_drift", drift, -lim, lim, "c:clock");
    double offset = num_field(L, 3, "offset", NAN, -1e9, 1e9, "c:clock");
    double step = num_field(L, 3, "step", NAN, -1e9, 1e9, "c:clock");
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
            out[len++] = endpoint_arg(L, -1, w);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else {
        out[len++] = endpoint_arg(L, -1, w);
    }
    lua_pop(L, 1);
    return len;
}

/* Applies a net table {latency, drop, dup, fifo, from, to}: without from
** and to it changes the default link, otherwise the listed links. */
static void net_table(lua_State *L, int t, script *s, bool at_start)
{
    static const char *const keys[] = {"latency", "drop", "dup", "fifo", "from", "to", NULL};
    dsim_world *w = s->w;
    luaL_checktype(L, t, LUA_TTABLE);
    only_keys(L, t, at_start ? "dsim.cluster net" : "c:net", keys);
    latency_model lat;
    bool has_lat = lua_getfield(L, t, "latency") != LUA_TNIL;
    if (has_lat && !latency_from_lua(L, -1, &lat))
        luaL_error(L, "net: 'latency' must be milliseconds or dsim.uniform(lo, hi) and the like");
    lua_pop(L, 1);
    double drop = num_field(L, t, "drop", NAN, 0, 1, "net");
    double dup = num_field(L, t, "dup", NAN, 0, 1, "net");
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
    net_table(L, 2, cluster_check(L), false);
    return 0;
}

/* ---- running and judging ---------------------------------------------- */

static void ensure_started(script *s)
{
    if (s->started)
        return;
    s->started = true;
    for (int i = 0; i < s->w->nodes_len; i++)
        if (s->w->nodes[i].status == NODE_UP)
            node_boot(&s->w->nodes[i]);
    clients_start(s->w);
}

static int c_run(lua_State *L)
{
    script *s = cluster_check(L);
    dsim_world *w = s->w;
    if (s->running)
        return luaL_error(L, "c:run cannot be called from inside a running callback");
    int64_t until;
    if (lua_type(L, 2) == LUA_TNUMBER) {
        until = ms_to_ns(L, 2, "c:run time");
    } else {
        static const char *const keys[] = {"until_ms", "for_ms", NULL};
        luaL_checktype(L, 2, LUA_TTABLE);
        only_keys(L, 2, "c:run", keys);
        double u = num_field(L, 2, "until_ms", NAN, 0, 1e12, "c:run");
        double f = num_field(L, 2, "for_ms", NAN, 0, 1e12, "c:run");
        if (isnan(u) == isnan(f))
            return luaL_error(L, "c:run wants until_ms or for_ms");
        until = isnan(u) ? w->now + (int64_t)llround(f * 1e6) : (int64_t)llround(u * 1e6);
    }
    if (until < w->now)
        return luaL_error(L, "c:run until %f ms is in the past (now %f ms)", (double)until / 1e6,
                          (double)w->now / 1e6);
    ensure_started(s);
    s->running = true;
    bool ok = world_run(w, until);
    s->running = false;
    if (!ok)
        return luaL_error(L, "%s", w->error);
    return 0;
}

static int c_check(lua_State *L)
{
    script *s = cluster_check(L);
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
        world_check_fn fn = name ? checks_find(name) : NULL;
        if (!fn) {
            json_decref(args);
            return luaL_error(L, "c:check: unknown check '%s' (known: %s)", name ? name : "?", checks_names());
        }
        char err[512] = "";
        json_t *r = fn(w, args, err, sizeof err);
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

static int c_state(lua_State *L)
{
    script *s = cluster_check(L);
    int n = node_arg(L, 2, s->w);
    json_t *o = json_object();
    node_inspect(&s->w->nodes[n], o);
    lj_push_json(L, o);
    json_decref(o);
    return 1;
}

/* The node that 'inspect' calls "leader" with the highest term, or nil. */
static int c_leader(lua_State *L)
{
    script *s = cluster_check(L);
    int best = -1;
    json_int_t best_term = -1;
    for (int i = 0; i < s->w->nodes_len; i++) {
        dsim_node *n = &s->w->nodes[i];
        if (n->status != NODE_UP || !s->w->proto->inspect)
            continue;
        json_t *o = json_object();
        s->w->proto->inspect(n, o);
        const char *role = json_string_value(json_object_get(o, "role"));
        json_int_t term = json_integer_value(json_object_get(o, "term"));
        if (role && strcmp(role, "leader") == 0 && term > best_term) {
            best = i;
            best_term = term;
        }
        json_decref(o);
    }
    if (best < 0)
        lua_pushnil(L);
    else
        lua_pushinteger(L, best + 1);
    return 1;
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
    script *s = cluster_check(L);
    int n = node_arg(L, 2, s->w);
    const char *verb = luaL_checkstring(L, 3);
    json_t *args = lua_isnoneornil(L, 4) ? json_object() : lj_to_json(L, 4, 0);
    if (!args)
        return luaL_error(L, "c:control: arguments have no JSON form");
    return control_node(L, s, n, verb, args);
}

static int c_leader(lua_State *L);

/* c:add_node(k) / c:remove_node(k): a membership change through the leader
** (or the node given as 'via'). */
static int membership(lua_State *L, const char *verb)
{
    script *s = cluster_check(L);
    int k = node_arg(L, 2, s->w);
    int via;
    if (lua_isnoneornil(L, 3)) {
        lua_pushcfunction(L, c_leader);
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        if (lua_isnil(L, -1))
            return luaL_error(L, "c:%s: there is no leader now; pass the node to ask", verb);
        via = (int)lua_tointeger(L, -1) - 1;
    } else {
        via = node_arg(L, 3, s->w);
    }
    return control_node(L, s, via, verb, json_pack("{s:i}", "node", k + 1));
}

static int c_add_node(lua_State *L) { return membership(L, "add_node"); }
static int c_remove_node(lua_State *L) { return membership(L, "remove_node"); }

static int c_now(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)cluster_check(L)->w->now / 1e6);
    return 1;
}

static int c_stats(lua_State *L)
{
    dsim_world *w = cluster_check(L)->w;
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

/* c:workload(): {name, model, checks = {...}} of the run's workload, so a
** scenario can ask for its default checks: c:check(c:workload().checks). */
static int c_workload(lua_State *L)
{
    script *s = cluster_check(L);
    const workload *wl = s->w->wl;
    lua_createtable(L, 0, 3);
    lua_pushstring(L, wl ? wl->name : s->w->workload.name);
    lua_setfield(L, -2, "name");
    if (wl && wl->model) {
        lua_pushstring(L, wl->model);
        lua_setfield(L, -2, "model");
    }
    lua_newtable(L);
    for (int i = 0; wl && wl->checks[i]; i++) {
        lua_pushstring(L, wl->checks[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "checks");
    return 1;
}

/* c:clients(): per client {process, ok, busy, last_ok_ms}, for liveness
** checks without scanning the history. */
static int c_clients(lua_State *L)
{
    dsim_world *w = cluster_check(L)->w;
    lua_createtable(L, w->clients_len, 0);
    for (int c = 0; c < w->clients_len; c++) {
        json_t *o = client_stats(w, c);
        lj_push_json(L, o);
        json_decref(o);
        lua_rawseti(L, -2, c + 1);
    }
    return 1;
}

static int c_history(lua_State *L)
{
    dsim_world *w = cluster_check(L)->w;
    lua_pushlstring(L, w->hist ? w->hist : "", w->hist_len);
    return 1;
}

static int c_nodes(lua_State *L)
{
    lua_pushinteger(L, cluster_check(L)->w->nodes_len);
    return 1;
}

void cluster_open(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"at", c_at}, {"after", c_after}, {"every", c_every}, {"on", c_on},
        {"partition", c_partition}, {"heal", c_heal}, {"isolate", c_isolate},
        {"cut", c_cut}, {"bridge", c_bridge}, {"ring", c_ring},
        {"pause", c_pause}, {"resume", c_resume}, {"crash", c_crash}, {"restart", c_restart},
        {"clock", c_clock}, {"net", c_net}, {"run", c_run}, {"check", c_check},
        {"state", c_state}, {"leader", c_leader}, {"now", c_now}, {"stats", c_stats},
        {"history", c_history}, {"nodes", c_nodes}, {"control", c_control}, {"clients", c_clients},
        {"workload", c_workload},
        {"add_node", c_add_node}, {"remove_node", c_remove_node},
        {"nemesis", c_nemesis},
        {NULL, NULL},
    };
    luaL_newmetatable(L, CLUSTER_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, "cluster");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
}

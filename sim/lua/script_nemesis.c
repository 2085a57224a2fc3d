/*
** script_nemesis.c — c:nemesis{...}, the scenario's door to the fault
** schedule generator (faults/nemesis.c).
**
**   local until = c:nemesis { faults = {"partition", "crash"}, interval = 300,
**                             start = 500, stop = 8000, recovery = 2000 }
**   c:run { until_ms = until }
**
** 'faults' is a list of kind names, or a table kind = {parameters} (see
** 'dsim list faults'), or "all". The schedule is drawn from the run's seed
** (stream "nemesis"), unless the run was given one to replay
** (script_config.schedule: dsim replay, dsim shrink), or the scenario gives
** its own list of entries as 'schedule' (pinned regression scenarios). The
** schedule that runs is kept for the run's summary ("schedule"). Returns
** the time the run should end (ms) — a replayed schedule may end earlier —
** and the number of faults. One nemesis per cluster.
** Lifetime: the nemesis record is a Lua userdata anchored in the registry,
** so it lives until lua_close, after the last c:run.
*/
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "fault.h"
#include "luajson.h"
#include "script_int.h"

#define NEMESIS_MT "dsim.nemesis"
#define NEMESIS_KEY "dsim.nemesis.record"

static int nemesis_gc(lua_State *L)
{
    nemesis *nm = luaL_checkudata(L, 1, NEMESIS_MT);
    nemesis_free(nm);
    return 0;
}

static int64_t ms_arg(lua_State *L, int t, const char *k, int64_t def, int64_t lo)
{
    int ty = lua_getfield(L, t, k);
    int64_t v = def;
    if (ty != LUA_TNIL) {
        lua_Number x = lua_tonumber(L, -1);
        if (ty != LUA_TNUMBER || !(x >= (lua_Number)lo) || x > 1e12)
            luaL_error(L, "c:nemesis: '%s' must be milliseconds >= %d", k, (int)lo);
        v = (int64_t)llround(x);
    }
    lua_pop(L, 1);
    return v;
}

static bool bool_arg(lua_State *L, int t, const char *k, bool def)
{
    int ty = lua_getfield(L, t, k);
    bool v = ty == LUA_TNIL ? def : lua_toboolean(L, -1);
    if (ty != LUA_TNIL && ty != LUA_TBOOLEAN)
        luaL_error(L, "c:nemesis: '%s' must be true or false", k);
    lua_pop(L, 1);
    return v;
}

/* The 'faults' field as {kind: {params}}; a new object, or a Lua error. */
static json_t *kinds_arg(lua_State *L, int t)
{
    json_t *kinds = json_object();
    lua_getfield(L, t, "faults");
    if (lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "all") == 0) {
        for (int i = 0; fault_kinds[i]; i++)
            if (!fault_kinds[i]->opt_in)
                json_object_set_new(kinds, fault_kinds[i]->name, json_object());
    } else if (lua_istable(L, -1)) {
        json_t *given = lj_to_json(L, -1, 0);
        size_t i;
        json_t *v;
        const char *k;
        if (json_is_array(given)) {
            json_array_foreach(given, i, v)
                if (json_is_string(v))
                    json_object_set_new(kinds, json_string_value(v), json_object());
                else
                    json_object_set_new(kinds, "(not a name)", json_object());
        } else if (json_is_object(given)) {
            json_object_foreach(given, k, v)
                json_object_set_new(kinds, k, json_is_object(v) ? json_incref(v) : json_object());
        }
        json_decref(given);
    } else {
        json_decref(kinds);
        char known[256];
        luaL_error(L, "c:nemesis: 'faults' must be a list of kinds, a table kind = {...}, or \"all\" "
                      "(kinds: %s)", fault_kind_names(known, sizeof known));
    }
    lua_pop(L, 1);
    if (json_object_size(kinds) == 0) {
        json_decref(kinds);
        char known[256];
        luaL_error(L, "c:nemesis: no fault kinds given (kinds: %s)", fault_kind_names(known, sizeof known));
    }
    return kinds;
}

/* A schedule from the scenario's own 'schedule' list of entries. */
static json_t *given_schedule(lua_State *L, int t, int64_t start, int64_t recovery)
{
    json_t *faults = lj_to_json(L, -1, 0);
    lua_pop(L, 1);
    if (!json_is_array(faults)) {
        json_decref(faults);
        luaL_error(L, "c:nemesis: 'schedule' must be a list of {at_ms=, kind=, dur_ms=, ...}");
    }
    int64_t end = start;
    size_t i;
    json_t *e;
    json_array_foreach(faults, i, e) {
        json_t *at = json_object_get(e, "at_ms"), *dur = json_object_get(e, "dur_ms");
        int64_t x = json_integer_value(at) + json_integer_value(dur);
        end = x > end ? x : end;
    }
    int64_t stop = ms_arg(L, t, "stop", end, 0);
    return json_pack("{s:I, s:I, s:I, s:o, s:o}", "start_ms", (json_int_t)start, "stop_ms", (json_int_t)stop,
                     "until_ms", (json_int_t)(stop + recovery), "swarm", json_object(), "faults", faults);
}

/* The byzantine kind's 'behaviours': the protocol's and the generic ones
** when not given; each given one known to this protocol. 0, or -1 with a
** message in 'err'. */
static int byzantine_defaults(dsim_world *w, json_t *kinds, char *err, size_t cap)
{
    json_t *p = json_object_get(kinds, "byzantine");
    if (!p)
        return 0;
    json_t *list = json_object_get(p, "behaviours");
    if (list && json_is_array(list) && json_array_size(list) > 0) {
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v)
            if (!json_is_string(v) || !dsim_byzantine_known(w, json_string_value(v))) {
                snprintf(err, cap, "byzantine: unknown behaviour '%s' for this protocol (see: dsim "
                         "list protocols; corrupt needs a protocol that validates its input)",
                         json_is_string(v) ? json_string_value(v) : "(not a name)");
                return -1;
            }
        return 0;
    }
    json_t *all = json_array();
    const char *const *own = dsim_byzantine_own(w);
    for (int i = 0; own && own[i]; i++)
        json_array_append_new(all, json_string(own[i]));
    for (int i = 0; dsim_byzantine_generic[i]; i++)
        if (dsim_byzantine_known(w, dsim_byzantine_generic[i]))
            json_array_append_new(all, json_string(dsim_byzantine_generic[i]));
    json_object_set_new(p, "behaviours", all);
    return 0;
}

static int c_nemesis(lua_State *L)
{
    static const char *const keys[] = {"faults", "interval", "start", "stop", "recovery", "swarm",
                                       "quiet", "schedule", NULL};
    luaL_checkudata(L, 1, "dsim.cluster");
    script *s = script_of(L);
    dsim_world *w = s->w;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, LUA_REGISTRYINDEX, NEMESIS_KEY);
    if (!lua_isnil(L, -1))
        return luaL_error(L, "c:nemesis: one nemesis per cluster");
    lua_pop(L, 1);
    lj_sorted_keys(L, 2);
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
        bool ok = false;
        for (int j = 0; keys[j] && lua_type(L, -1) == LUA_TSTRING; j++)
            ok = ok || strcmp(keys[j], lua_tostring(L, -1)) == 0;
        if (!ok)
            return luaL_error(L, "c:nemesis: unknown field '%s' (known: faults, interval, start, stop, "
                                 "recovery, swarm, quiet, schedule)", script_tolstring(L, -1, NULL));
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    int64_t now_ms = (dsim_now(w) + DSIM_MS(1) - 1) / DSIM_MS(1);
    nemesis_cfg cfg = {.start_ms = ms_arg(L, 2, "start", now_ms, 0)};
    cfg.stop_ms = ms_arg(L, 2, "stop", cfg.start_ms + 10000, 0);
    cfg.recovery_ms = ms_arg(L, 2, "recovery", 2000, 0);
    cfg.interval_ms = ms_arg(L, 2, "interval", 500, 1);
    cfg.swarm = bool_arg(L, 2, "swarm", true);
    cfg.quiet = bool_arg(L, 2, "quiet", true);
    if (cfg.start_ms < now_ms || cfg.stop_ms < cfg.start_ms)
        return luaL_error(L, "c:nemesis: want now (%d ms) <= start <= stop", (int)now_ms);
    char err[512] = "";
    json_t *schedule = NULL;
    if (s->cfg->schedule) {
        schedule = json_deep_copy(s->cfg->schedule);
        if (nemesis_check(schedule, dsim_node_count(w), err, sizeof err) != 0) {
            json_decref(schedule);
            return luaL_error(L, "c:nemesis: the schedule given does not match this scenario: %s", err);
        }
    } else if (lua_getfield(L, 2, "schedule") != LUA_TNIL) {
        schedule = given_schedule(L, 2, cfg.start_ms, cfg.recovery_ms);
        if (nemesis_check(schedule, dsim_node_count(w), err, sizeof err) != 0) {
            json_decref(schedule);
            return luaL_error(L, "c:nemesis: schedule: %s", err);
        }
    } else {
        lua_pop(L, 1);
        cfg.kinds = kinds_arg(L, 2);
        if (byzantine_defaults(w, cfg.kinds, err, sizeof err) != 0) {
            json_decref(cfg.kinds);
            return luaL_error(L, "c:nemesis: %s", err);
        }
        schedule = nemesis_draw(&cfg, dsim_seed(w), dsim_node_count(w), err, sizeof err);
        json_decref(cfg.kinds);
        if (!schedule)
            return luaL_error(L, "c:nemesis: %s", err);
    }
    nemesis *nm = lua_newuserdatauv(L, sizeof *nm, 0);
    memset(nm, 0, sizeof *nm);
    if (luaL_newmetatable(L, NEMESIS_MT)) {
        lua_pushcfunction(L, nemesis_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    if (nemesis_init(nm, w, schedule, err, sizeof err) != 0)
        return luaL_error(L, "c:nemesis: %s", err);
    lua_setfield(L, LUA_REGISTRYINDEX, NEMESIS_KEY);
    lua_pushnumber(L, (lua_Number)json_integer_value(json_object_get(nm->schedule, "until_ms")));
    lua_pushinteger(L, nm->len);
    return 2;
}

const luaL_Reg script_nemesis_methods[] = {
    {"nemesis", c_nemesis},
    {NULL, NULL},
};

json_t *nemesis_summary(script *s)
{
    lua_State *L = s->L;
    lua_getfield(L, LUA_REGISTRYINDEX, NEMESIS_KEY);
    nemesis *nm = lua_isnil(L, -1) ? NULL : luaL_checkudata(L, -1, NEMESIS_MT);
    lua_pop(L, 1);
    return nm && nm->schedule ? json_deep_copy(nm->schedule) : NULL;
}

/*
** script.c — the Lua 5.4 sandbox a scenario runs in, the 'dsim' table, and
** the run of one scenario from load to result.
**
** The sandbox (unless --unsafe): base, table, string, math, utf8 and
** coroutine libraries only; no io, os, package/require, dofile, loadfile,
** and 'load' takes text chunks only. Determinism: 'math.random' draws from
** the run's "lua" stream, 'pairs'/'next' visit keys in sorted order,
** 'tostring' of a table or function never shows an address, and an
** instruction budget (counted by a hook every SCRIPT_HOOK_COUNT
** instructions) stops runaway scripts with an error.
** Every error reaches the caller as "FILE:LINE: message" and exit 2.
*/
#include "script.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "luajson.h"
#include "script_int.h"
#include "version.h"

/* ---- sandbox ---------------------------------------------------------- */

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    script *s = script_of(L);
    s->instructions += SCRIPT_HOOK_COUNT;
    uint64_t max = s->w ? s->w->limits.lua_instructions_max : 100000000;
    if (s->instructions > max)
    {
        /* In a hook, level 0 is the Lua function that was running. */
        luaL_where(L, 0);
        lua_pushfstring(L, "instruction budget of %I Lua instructions exhausted "
                           "(a runaway script? raise limits.instructions)", (lua_Integer)max);
        lua_concat(L, 2);
        lua_error(L);
    }
}

static int l_random(lua_State *L)
{
    script *s = script_of(L);
    int n = lua_gettop(L);
    if (n == 0) {
        lua_pushnumber(L, rng_unit(&s->rng));
        return 1;
    }
    lua_Integer lo = 1, hi = luaL_checkinteger(L, 1);
    if (n >= 2) {
        lo = hi;
        hi = luaL_checkinteger(L, 2);
    }
    luaL_argcheck(L, lo <= hi, n, "interval is empty");
    lua_pushinteger(L, rng_range(&s->rng, lo, hi));
    return 1;
}

static int l_randomseed(lua_State *L)
{
    return luaL_error(L, "math.randomseed is not available: the run's seed (--seed) decides");
}

static int l_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    int t = lua_type(L, 1);
    if ((t == LUA_TTABLE || t == LUA_TFUNCTION || t == LUA_TUSERDATA || t == LUA_TTHREAD) &&
        !luaL_getmetafield(L, 1, "__tostring") && !luaL_getmetafield(L, 1, "__name")) {
        lua_pushstring(L, lua_typename(L, t));   /* never an address */
        return 1;
    }
    lua_settop(L, 1);
    luaL_tolstring(L, 1, NULL);
    return 1;
}

static int l_print(lua_State *L)
{
    script *s = script_of(L);
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        lua_pushcfunction(L, l_tostring);
        lua_pushvalue(L, i);
        lua_call(L, 1, 1);
        fprintf(s->cfg->out, "%s%s", i > 1 ? "\t" : "", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    fputc('\n', s->cfg->out);
    return 0;
}

static int l_load(lua_State *L)
{
    size_t len;
    const char *chunk = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    if (luaL_loadbufferx(L, chunk, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    return 1;
}

static void open_libs(lua_State *L, bool unsafe)
{
    if (unsafe) {
        luaL_openlibs(L);
    } else {
        static const luaL_Reg libs[] = {
            {LUA_GNAME, luaopen_base},       {LUA_TABLIBNAME, luaopen_table},
            {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
            {LUA_UTF8LIBNAME, luaopen_utf8},  {LUA_COLIBNAME, luaopen_coroutine},
            {NULL, NULL},
        };
        for (const luaL_Reg *l = libs; l->func; l++) {
            luaL_requiref(L, l->name, l->func, 1);
            lua_pop(L, 1);
        }
        static const char *const removed[] = {"dofile", "loadfile", NULL};
        for (int i = 0; removed[i]; i++) {
            lua_pushnil(L);
            lua_setglobal(L, removed[i]);
        }
        lua_pushcfunction(L, l_load);
        lua_setglobal(L, "load");
    }
    lua_getglobal(L, "math");
    lua_pushcfunction(L, l_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, l_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_tostring);
    lua_setglobal(L, "tostring");
    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");
    lj_open_sorted_pairs(L);
}

/* ---- the dsim table --------------------------------------------------- */

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

static int latency_table(lua_State *L, const char *kind, int nargs)
{
    lua_newtable(L);
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "kind");
    for (int i = 1; i <= nargs; i++) {
        lua_Number x = luaL_checknumber(L, i);
        luaL_argcheck(L, x >= 0, i, "must not be negative");
        lua_pushnumber(L, x);
        lua_setfield(L, -2, i == 1 ? "a" : "b");
    }
    return 1;
}

static int l_constant(lua_State *L) { return latency_table(L, "constant", 1); }
static int l_uniform(lua_State *L)
{
    luaL_argcheck(L, luaL_checknumber(L, 1) <= luaL_checknumber(L, 2), 2, "hi must be >= lo");
    return latency_table(L, "uniform", 2);
}
static int l_normal(lua_State *L) { return latency_table(L, "normal", 2); }
static int l_lognormal(lua_State *L) { return latency_table(L, "lognormal", 2); }
static int l_pareto(lua_State *L)
{
    luaL_argcheck(L, luaL_checknumber(L, 2) > 0, 2, "shape must be > 0");
    return latency_table(L, "pareto", 2);
}

static void open_dsim(lua_State *L, const script_config *cfg)
{
    static const luaL_Reg fns[] = {
        {"cluster", cluster_new}, {"param", l_param},
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

/* ---- the run ----------------------------------------------------------- */

/* The message handler of every protected call into the scenario: keeps a
** string error ("FILE:LINE: message") and names one that is not. */
int script_error_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    lua_pushstring(L, msg ? msg : "(error object is not a string)");
    return 1;
}

static void check_params(script *s)
{
    const char *k;
    json_t *v;
    json_object_foreach(s->cfg->params, k, v) {
        if (json_object_get(s->params_used, k))
            continue;
        snprintf(s->res->message, sizeof s->res->message,
                 "%s: unknown parameter -D %s (neither read by the scenario with dsim.param "
                 "nor an option of its protocol)", s->cfg->path, k);
        s->res->error = true;
        return;
    }
}

static json_t *summary_of(script *s)
{
    dsim_world *w = s->w;
    char fp[24];
    snprintf(fp, sizeof fp, "%016" PRIx64, w->fingerprint);
    json_t *verdicts = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(s->res->verdicts, k, v) {
        json_t *valid = json_object_get(v, "valid");
        json_object_set_new(verdicts, k, json_string(json_is_true(valid) ? "ok"
                                                     : json_is_false(valid) ? "fail" : "unknown"));
    }
    json_t *summary = json_pack("{s:I, s:s, s:s, s:i, s:i, s:f, s:I, s:{s:I,s:I,s:I,s:I}, s:{s:I,s:I,s:I,s:I}, s:o, s:s}",
        "seed", (json_int_t)w->seed, "scenario", s->cfg->path, "protocol", w->proto->name,
        "nodes", w->nodes_len, "clients", w->clients_len,
        "sim_ms", (double)w->now / 1e6, "events", (json_int_t)w->stats.events,
        "messages", "sent", (json_int_t)w->stats.sent, "delivered", (json_int_t)w->stats.delivered,
        "dropped", (json_int_t)w->stats.dropped, "duplicated", (json_int_t)w->stats.duplicated,
        "ops", "invoked", (json_int_t)w->stats.ops_invoked, "ok", (json_int_t)w->stats.ops_ok,
        "fail", (json_int_t)w->stats.ops_fail, "info", (json_int_t)w->stats.ops_info,
        "verdicts", verdicts, "fingerprint", fp);
    /* With the scenario and the seed, the -D parameters and the build make
    ** the summary alone enough to reproduce the run. */
    json_object_set_new(summary, "params", s->cfg->params ? json_deep_copy(s->cfg->params) : json_object());
    return version_stamp(summary);
}

static void finish(script *s)
{
    script_result *r = s->res;
    if (!r->error)
        check_params(s);
    if (!s->w)
        return;
    r->summary = summary_of(s);
    json_t *schedule = nemesis_summary(s);
    if (schedule)
        json_object_set_new(r->summary, "schedule", schedule);
    trace_verdicts(s->w, r->verdicts);
    trace_summary(s->w, r->summary);
    if (s->w->hist) {
        r->history = s->w->hist;
        r->history_len = s->w->hist_len;
        s->w->hist = NULL;
    }
}

void script_run(const script_config *cfg, script_result *r)
{
    memset(r, 0, sizeof *r);
    r->verdicts = json_object();
    script s = {.cfg = cfg, .res = r, .params_used = json_object()};
    rng_stream(&s.rng, cfg->seed, "lua", 0);
    lua_State *L = luaL_newstate();
    if (!L) {
        snprintf(r->message, sizeof r->message, "out of memory starting Lua");
        r->error = true;
        json_decref(s.params_used);
        return;
    }
    s.L = L;
    *(script **)lua_getextraspace(L) = &s;
    open_libs(L, cfg->unsafe);
    open_dsim(L, cfg);
    lua_newtable(L);
    s.on_table = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, SCRIPT_HOOK_COUNT);
    lua_pushcfunction(L, script_error_handler);
    int st = luaL_loadfilex(L, cfg->path, "t");
    if (st == LUA_OK)
        st = lua_pcall(L, 0, 0, 1);
    if (st != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        snprintf(r->message, sizeof r->message, "%s", msg ? msg : "unknown Lua error");
        if (st == LUA_ERRFILE)
            snprintf(r->message, sizeof r->message, "%s: cannot read the scenario file", cfg->path);
        r->error = true;
    }
    finish(&s);
    lua_close(L);
    world_free(s.w);
    json_decref(s.params_used);
}

void script_result_free(script_result *r)
{
    json_decref(r->verdicts);
    json_decref(r->summary);
    free(r->history);
    memset(r, 0, sizeof *r);
}

/*
** script.c — the Lua 5.4 sandbox a scenario runs in, the 'dsim' table, and
** the run of one scenario from load to result.
**
** The sandbox (unless --unsafe): base, table, string, math, utf8 and
** coroutine libraries only; no io, os, package/require, dofile, loadfile,
** and 'load' takes text chunks only. Determinism: 'math.random' draws from
** the run's "lua" stream, 'pairs'/'next' visit keys in sorted order
** (luajson.c; objects by creation serial, script_alloc.c), and no address
** is ever visible: 'tostring', string.format's '%s' and error messages name
** types ('script_tolstring'), '%p' is refused. Bounds: an instruction
** budget (counted by a hook every SCRIPT_HOOK_COUNT instructions, and by
** the pattern matcher's steps, script_match.c) and a memory limit (the
** allocator, script_alloc.c) stop runaway scripts with an error.
** Every error reaches the caller as "FILE:LINE: message" and exit 2; the
** host refusing memory is an internal error (exit 3).
**
** Invariant: once 'finish' has handed off the history and summary
** ('closing'), no Lua code runs: the finalizers lua_close calls stop at
** their first call or instruction (closed_hook), so nothing drives the
** world after its results are out.
*/
#include "script.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "luajson.h"
#include "script_int.h"
#include "version.h"

/* ---- sandbox ---------------------------------------------------------- */

/* Pushes the message that ends the run: the memory limit was hit (at
** 'mem_where') or the instruction budget is spent. 'level' names the
** position otherwise: 0 in a hook (the running Lua function), 1 in a C
** function. */
static void push_budget_message(lua_State *L, int level, uint64_t max)
{
    script *s = script_of(L);
    if (s->mem_over && s->mem_where[0])
        lua_pushstring(L, s->mem_where);
    else
        luaL_where(L, level);
    if (s->mem_over)
        lua_pushfstring(L, "memory limit of %I bytes exceeded (a runaway script? raise "
                           "limits.memory)", (lua_Integer)s->mem_max);
    else
        lua_pushfstring(L, "instruction budget of %I Lua instructions exhausted "
                           "(a runaway script? raise limits.instructions)", (lua_Integer)max);
    lua_concat(L, 2);
}

static void budget_error(lua_State *L, int level, uint64_t max)
{
    push_budget_message(L, level, max);
    lua_error(L);
}

static uint64_t instructions_max(const script *s)
{
    return s->w ? s->w->limits.lua_instructions_max : 100000000;
}

void script_charge(lua_State *L, uint64_t steps)
{
    script *s = script_of(L);
    s->instructions += steps;
    if (s->mem_over || s->instructions > instructions_max(s))
        budget_error(L, 1, instructions_max(s));
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    script *s = script_of(L);
    s->instructions += SCRIPT_HOOK_COUNT;
    if (s->mem_over || s->instructions > instructions_max(s))
        budget_error(L, 0, instructions_max(s));
}

/* Once the run is handed off, any Lua code left (finalizers in lua_close)
** stops at its first call or instruction. */
static void closed_hook(lua_State *L, lua_Debug *ar)
{
    /* With --unsafe, the io library's finalizers close files: C functions
    ** may run then (dsim's own refuse: 'closing'). */
    if (script_of(L)->cfg->unsafe && ar->event == LUA_HOOKCALL && lua_getinfo(L, "S", ar) &&
        strcmp(ar->what, "C") == 0)
        return;
    luaL_error(L, "the scenario has finished: nothing may run after it");
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

const char *script_tolstring(lua_State *L, int idx, size_t *len)
{
    idx = lua_absindex(L, idx);
    if (luaL_callmeta(L, idx, "__tostring")) {
        if (!lua_isstring(L, -1))
            luaL_error(L, "'__tostring' must return a string");
        return lua_tolstring(L, -1, len);
    }
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TBOOLEAN:
    case LUA_TNUMBER:
    case LUA_TSTRING:
        return luaL_tolstring(L, idx, len);
    default: {
        /* Lua's own form is "NAME: 0x55..." or "table: 0x55...": the name
        ** alone, never the address. */
        int t = luaL_getmetafield(L, idx, "__name");
        if (t == LUA_TSTRING)
            return lua_tolstring(L, -1, len);
        if (t != LUA_TNIL)
            lua_pop(L, 1);
        lua_pushstring(L, luaL_typename(L, idx));
        return lua_tolstring(L, -1, len);
    }
    }
}

static int l_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    script_tolstring(L, 1, NULL);
    return 1;
}

/* string.format with '%s' of a table (or function, userdata, thread)
** written as 'tostring' writes it, and '%p' refused: both would show an
** address. The original is upvalue 1; it still checks the format. */
static int l_format(lua_State *L)
{
    size_t len;
    const char *f = luaL_checklstring(L, 1, &len);
    int top = lua_gettop(L), arg = 1;
    for (size_t i = 0; i < len; i++) {
        if (f[i] != '%')
            continue;
        if (++i >= len)
            break;
        if (f[i] == '%')
            continue;
        while (i < len && f[i] && strchr("-+ #0", f[i]))
            i++;
        while (i < len && f[i] >= '0' && f[i] <= '9')
            i++;
        if (i < len && f[i] == '.')
            for (i++; i < len && f[i] >= '0' && f[i] <= '9'; i++) {
            }
        if (i >= len)
            break;
        arg++;
        if (f[i] == 'p')
            return luaL_error(L, "string.format: '%%p' is not available in a scenario "
                                 "(it would show an address)");
        int t = lua_type(L, arg);
        if (f[i] == 's' && arg <= top && t != LUA_TSTRING && t != LUA_TNUMBER) {
            script_tolstring(L, arg, NULL);
            lua_replace(L, arg);
            lua_settop(L, top);
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, top, 1);
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
    lua_getglobal(L, "string");
    lua_getfield(L, -1, "format");
    lua_pushcclosure(L, l_format, 1);
    lua_setfield(L, -2, "format");
    lua_pop(L, 1);
    script_match_open(L);
    lua_pushcfunction(L, l_tostring);
    lua_setglobal(L, "tostring");
    lua_pushcfunction(L, l_print);
    lua_setglobal(L, "print");
    lj_open_sorted_pairs(L);
}

/* ---- the run ----------------------------------------------------------- */

/* The message handler of every protected call into the scenario: keeps a
** string error ("FILE:LINE: message"); an error object that is not a
** string gets the position of the innermost Lua function and its
** '__tostring' or its type ("error object is a table value"). */
int script_error_handler(lua_State *L)
{
    script *s = script_of(L);
    if (s->mem_over) {   /* whatever the error says, the limit is the cause */
        push_budget_message(L, 1, instructions_max(s));
        return 1;
    }
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING || t == LUA_TNUMBER) {
        lua_pushstring(L, lua_tostring(L, 1));
        return 1;
    }
    lua_Debug ar;
    int level = 1;
    while (lua_getstack(L, level, &ar) && lua_getinfo(L, "l", &ar) && ar.currentline <= 0)
        level++;
    luaL_where(L, level);
    /* '__tostring' runs protected: an error in it must not become "error
    ** in error handling" without a position. */
    if (luaL_getmetafield(L, 1, "__tostring") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING) {
            lua_concat(L, 2);
            return 1;
        }
    }
    lua_settop(L, 2);
    lua_pushfstring(L, "error object is a %s value (not a string)", luaL_typename(L, 1));
    lua_concat(L, 2);
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
    r->faults = json_incref(s->w->faults);
    r->warnings = json_incref(s->w->warnings);
    if (s->w->hist) {
        r->history = s->w->hist;
        r->history_len = s->w->hist_len;
        s->w->hist = NULL;
    }
}

static int panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "dsim: internal error: unprotected Lua error: %s\n", msg ? msg : "?");
    return 0;   /* Lua aborts */
}

/* Calibrates the allocator, opens the libraries and the dsim table. */
static int setup(lua_State *L)
{
    script *s = script_of(L);
    script_alloc_calibrate(L);
    open_libs(L, s->cfg->unsafe);
    script_open_dsim(L, s->cfg);
    script_alloc_number_functions(L);
    lua_newtable(L);
    s->on_table = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* The message of a failed load or call at top level. */
static void top_error(script *s, int st)
{
    script_result *r = s->res;
    const char *msg = lua_tostring(s->L, -1);
    r->error = true;
    if (st == LUA_ERRFILE)
        snprintf(r->message, sizeof r->message, "%s: cannot read the scenario file", s->cfg->path);
    else if (s->host_oom && !s->mem_over) {
        snprintf(r->message, sizeof r->message, "%s: out of memory (the host refused an "
                 "allocation)", s->cfg->path);
        r->internal = true;
    } else if (s->mem_over)
        snprintf(r->message, sizeof r->message, "%smemory limit of %zu bytes exceeded (a runaway "
                 "script? raise limits.memory)", s->mem_where[0] ? s->mem_where : s->cfg->path,
                 s->mem_max);
    else
        snprintf(r->message, sizeof r->message, "%s", msg ? msg : "unknown Lua error");
}

void script_run(const script_config *cfg, script_result *r)
{
    memset(r, 0, sizeof *r);
    r->verdicts = json_object();
    script s = {.cfg = cfg, .res = r, .params_used = json_object(),
                .mem_max = SCRIPT_MEMORY_DEFAULT};
    rng_stream(&s.rng, cfg->seed, "lua", 0);
    lua_State *L = lua_newstate(script_alloc, &s);
    if (!L) {
        snprintf(r->message, sizeof r->message, "%s: out of memory starting Lua", cfg->path);
        r->error = true;
        r->internal = true;
        json_decref(s.params_used);
        return;
    }
    s.L = L;
    lua_atpanic(L, panic);
    *(script **)lua_getextraspace(L) = &s;
    /* Setting up allocates: protected, so running out of memory here is an
    ** error like any other, not a panic. */
    lua_pushcfunction(L, setup);
    int st = lua_pcall(L, 0, 0, 0);
    if (st == LUA_OK) {
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, SCRIPT_HOOK_COUNT);
        lua_pushcfunction(L, script_error_handler);
        st = script_load_chunk(L, cfg->path);
    }
    if (st == LUA_OK)
        st = lua_pcall(L, 0, 0, 1);
    s.mem_over = s.mem_over || (st == LUA_ERRMEM && s.mem_retry);
    if (st != LUA_OK || s.mem_over || s.host_oom)
        top_error(&s, st);
    finish(&s);
    /* The run is handed off: finalizers that lua_close runs must not
    ** drive the world (its history is gone) or print into the output. */
    s.closing = true;
    lua_sethook(L, closed_hook, LUA_MASKCALL | LUA_MASKCOUNT, 1);
    lua_close(L);
    world_free(s.w);
    json_decref(s.params_used);
}

void script_result_free(script_result *r)
{
    json_decref(r->verdicts);
    json_decref(r->summary);
    json_decref(r->faults);
    json_decref(r->warnings);
    free(r->history);
    memset(r, 0, sizeof *r);
}

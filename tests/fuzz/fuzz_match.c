/*
** fuzz_match.c — the sandbox's bounded pattern matcher against Lua 5.4's
** own: the input is split at the first NUL byte into subject and pattern
** (the rest of the input is the initial position); find, match, gmatch
** and gsub must give the same results and the same errors, and a
** pathological pattern must end in the budget error instead of a hang.
*/
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "harness.h"
#include "script_int.h"

static lua_State *L;
static script S;
static int compare_ref;   /* compare_lua, compiled once */

/* The comparison itself uses only Lua's own functions (N): once ours has
** spent the budget, any call of it raises the budget error again. */
static const char compare_lua[] =
    "local N, B, s, p, i = ...\n"
    "local function run(f, ...) RESET() return table.pack(pcall(f, ...)) end\n"
    "local function gm(f, s, p, i) local out = {} for a, b in f(s, p, i) do\n"
    "  out[#out + 1] = tostring(a) .. '|' .. tostring(b) if #out > 20 then break end end\n"
    "  return table.concat(out, ',') end\n"
    "local function same(a, b) if a.n ~= b.n then return false end\n"
    "  for k = 1, a.n do if a[k] ~= b[k] then return false end end return true end\n"
    "local function cmp(a, b)\n"
    "  if not b[1] and N.find(tostring(b[2]), 'instruction budget', 1, true) then return end\n"
    "  if not same(a, b) then error('differs: ' .. string.format('%q %q', s, p)) end end\n"
    "cmp(run(N.find, s, p, i), run(B.find, s, p, i))\n"
    "cmp(run(N.match, s, p, i), run(B.match, s, p, i))\n"
    "cmp(run(gm, N.gmatch, s, p, i), run(gm, B.gmatch, s, p, i))\n"
    "cmp(run(N.gsub, s, p, '<%0%1>'), run(B.gsub, s, p, '<%0%1>'))\n";

static int reset_budget(lua_State *l)
{
    script_of(l)->instructions = 100000000 - 100000;
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    L = luaL_newstate();
    S = (script){.mem_max = SCRIPT_MEMORY_DEFAULT};
    *(script **)lua_getextraspace(L) = &S;
    luaL_openlibs(L);
    lua_getglobal(L, "string");
    lua_newtable(L);
    static const char *const names[] = {"find", "match", "gmatch", "gsub", NULL};
    for (int k = 0; names[k]; k++) {
        lua_getfield(L, -2, names[k]);
        lua_setfield(L, -2, names[k]);
    }
    lua_setglobal(L, "NATIVE");
    lua_pop(L, 1);
    script_match_open(L);
    lua_register(L, "RESET", reset_budget);
    if (luaL_loadstring(L, compare_lua) != LUA_OK)
        __builtin_trap();
    compare_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!L)
        LLVMFuzzerInitialize(NULL, NULL);
    /* Lua's own matcher has no bound: keep inputs where it ends quickly. */
    if (size > 64)
        return 0;
    const char *nul = memchr(data, 0, size);
    if (!nul)
        return 0;
    size_t ls = (size_t)(nul - (const char *)data);
    const char *p = nul + 1;
    const char *nul2 = memchr(p, 0, size - ls - 1);
    size_t lp = nul2 ? (size_t)(nul2 - p) : size - ls - 1;
    /* A pattern with several quantifiers can make Lua's own matcher run
    ** for hours on a short subject; only ours is bounded. */
    int quant = 0;
    for (size_t k = 0; k < lp; k++)
        quant += p[k] == '*' || p[k] == '+' || p[k] == '-' || p[k] == '?';
    if (quant > 3)
        return 0;
    int top = lua_gettop(L);
    /* A hundred thousand steps of budget (the default is 10^8): enough for any
    ** input this short that Lua's own matcher finishes quickly. */
    S.instructions = 100000000 - 100000;
    lua_rawgeti(L, LUA_REGISTRYINDEX, compare_ref);
    lua_getglobal(L, "NATIVE");
    lua_getglobal(L, "string");
    lua_pushlstring(L, (const char *)data, ls);
    lua_pushlstring(L, p, lp);
    if (nul2 && nul2 + 1 < (const char *)data + size)
        lua_pushinteger(L, (signed char)nul2[1]);
    else
        lua_pushnil(L);
    if (lua_pcall(L, 5, 0, 0) != LUA_OK) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        __builtin_trap();   /* a difference from Lua is a finding */
    }
    lua_settop(L, top);
    /* Free this input's garbage now: with as many frees as allocations,
    ** libFuzzer skips its leak check (a heap scan that cost more than the
    ** input, and that it turns off for good after 1,000 attempts). */
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}

/*
** test_match.c — the sandbox's bounded pattern matcher (sim/lua/script_match.c)
** against Lua 5.4's own string.find, match, gmatch and gsub: the same
** results and the same errors on fixed cases and on generated patterns and
** subjects (a deterministic generator), and the step budget ending a
** pathological match.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <lauxlib.h>
#include <lualib.h>

#include "script_int.h"

/* The comparison runs in Lua: N holds the library's functions, string.*
** ours. Returns the number of differences (the first few are printed). */
static const char compare_lua[] =
    "local N, B = ...\n"
    "local function run(f, ...) return table.pack(pcall(f, ...)) end\n"
    "local function gm(f, s, p, i) local out = {} for a, b, c in f(s, p, i) do\n"
    "  out[#out + 1] = tostring(a) .. '|' .. tostring(b) .. '|' .. tostring(c)\n"
    "  if #out > 50 then break end end return table.concat(out, ',') end\n"
    "local function same(a, b) if a.n ~= b.n then return false end\n"
    "  for i = 1, a.n do if a[i] ~= b[i] then return false end end return true end\n"
    "local bad = 0\n"
    "local function cmp(what, a, b)\n"
    "  if not same(a, b) then bad = bad + 1\n"
    "    if bad <= 5 then print('DIFF ' .. what, table.unpack(a, 1, a.n)) print('  ours', table.unpack(b, 1, b.n)) end\n"
    "  end end\n"
    "local function case(s, p, i)\n"
    "  RESET()\n"
    "  local d = string.format('%q %q %s', s, p, tostring(i))\n"
    "  cmp('find ' .. d, run(N.find, s, p, i), run(B.find, s, p, i))\n"
    "  cmp('plain ' .. d, run(N.find, s, p, i, true), run(B.find, s, p, i, true))\n"
    "  cmp('match ' .. d, run(N.match, s, p, i), run(B.match, s, p, i))\n"
    "  cmp('gmatch ' .. d, run(gm, N.gmatch, s, p, i), run(gm, B.gmatch, s, p, i))\n"
    "  cmp('gsub ' .. d, run(N.gsub, s, p, '<%0%1>', i), run(B.gsub, s, p, '<%0%1>', i))\n"
    "  cmp('gsubf ' .. d, run(N.gsub, s, p, function(x) return x == 'a' and 'A' or nil end),\n"
    "      run(B.gsub, s, p, function(x) return x == 'a' and 'A' or nil end))\n"
    "  cmp('gsubt ' .. d, run(N.gsub, s, p, {a = 'T', b = false}), run(B.gsub, s, p, {a = 'T', b = false}))\n"
    "  cmp('gsubbad ' .. d, run(N.gsub, s, p, '%x'), run(B.gsub, s, p, '%x'))\n"
    "end\n"
    "local fixed = {\n"
    "  {'hello world', 'o w'}, {'hello world', 'l+'}, {'hello', '^h(.-)o$'}, {'key = value', '(%w+)%s*=%s*(%w+)'},\n"
    "  {'f(a(b)c)d', '%b()'}, {'THE (quick) fox', '%f[%a]%a+'}, {'abcabc', '(a)(b)c%1%2'}, {'aaa', 'a-'},\n"
    "  {'', ''}, {'', 'x*'}, {'abc', ''}, {'abc', '()'}, {'a.b', '%.'}, {'a]b', '[]]'}, {'a-b', '[a-]'},\n"
    "  {'x', '[%'}, {'x', '%'}, {'x', '[a'}, {'x', '(x'}, {'x', 'x)'}, {'x', '%1'}, {'x', '%b'}, {'x', '%fx'},\n"
    "  {'abc', 'b', -1}, {'abc', 'b', -10}, {'abc', 'b', 10}, {'abc', 'b', 4}, {'abc', '', 4}, {'abc', '', 5},\n"
    "  {'a\\0b', '%z'}, {'a\\0b', '\\0'}, {'a\\0b', '[\\0]'}, {'one two  three', '%s*'}, {'x=1, y=2', '(%w+)=(%w+)'},\n"
    "  {('a'):rep(40), '(((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))'},\n"
    "  {'abc', '$'}, {'abc', '^'}, {'a$c', 'a$c'}, {'^a', '^^a'}, {'hello', '[^%s]+'}, {'2024-01-02', '(%d+)-(%d+)-(%d+)'},\n"
    "}\n"
    "for _, c in ipairs(fixed) do case(c[1], c[2], c[3]) end\n"
    "local seed = 12345\n"
    "local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 end\n"
    "local toks = {'a', 'b', 'c', '.', '%a', '%d', '%s', '%W', '[ab]', '[^a]', '[a-c]', '[%d%s]', '*', '+', '-', '?',\n"
    "  '(', ')', '()', '%1', '%2', '^', '$', '%b()', '%bab', '%f[%w]', '%f[^a]', '%', '[', ']', '1', ' ', '%%', '%.'}\n"
    "local chars = {'a', 'b', 'c', '(', ')', '1', ' ', '.', '%', 'A'}\n"
    "for n = 1, COUNT do\n"
    "  local p, s = {}, {}\n"
    "  for k = 1, rnd(6) - 1 do p[#p + 1] = toks[rnd(#toks)] end\n"
    "  for k = 1, rnd(12) - 1 do s[#s + 1] = chars[rnd(#chars)] end\n"
    "  local i = rnd(4) == 1 and (rnd(9) - 5) or nil\n"
    "  case(table.concat(s), table.concat(p), i)\n"
    "end\n"
    "return bad\n";

/* Each case starts with a fresh budget. */
static int reset_budget(lua_State *L)
{
    script_of(L)->instructions = 0;
    return 0;
}

static lua_State *state_with_both(script *s)
{
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    *s = (script){.mem_max = SCRIPT_MEMORY_DEFAULT};
    *(script **)lua_getextraspace(L) = s;
    luaL_openlibs(L);
    lua_getglobal(L, "string");
    lua_newtable(L);
    static const char *const names[] = {"find", "match", "gmatch", "gsub", NULL};
    for (int i = 0; names[i]; i++) {
        lua_getfield(L, -2, names[i]);
        lua_setfield(L, -2, names[i]);
    }
    lua_setglobal(L, "NATIVE");
    lua_pop(L, 1);
    script_match_open(L);
    lua_register(L, "RESET", reset_budget);
    return L;
}

static void test_match_results_equal_lua_on_fixed_and_generated_cases(void **state)
{
    (void)state;
    script s;
    lua_State *L = state_with_both(&s);
    lua_pushinteger(L, 20000);
    lua_setglobal(L, "COUNT");
    assert_int_equal(luaL_loadstring(L, compare_lua), LUA_OK);
    lua_getglobal(L, "NATIVE");
    lua_getglobal(L, "string");
    if (lua_pcall(L, 2, 1, 0) != LUA_OK)
        fail_msg("%s", lua_tostring(L, -1));
    assert_int_equal(lua_tointeger(L, -1), 0);
    lua_close(L);
}

static void test_match_backtracking_ends_in_the_budget_error(void **state)
{
    (void)state;
    script s;
    lua_State *L = state_with_both(&s);
    int rc = luaL_dostring(L, "return string.find(('a'):rep(2000), ('a-'):rep(6) .. 'b')");
    assert_int_not_equal(rc, LUA_OK);
    assert_non_null(strstr(lua_tostring(L, -1), "instruction budget"));
    assert_true(s.instructions > 100000000);
    lua_close(L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_results_equal_lua_on_fixed_and_generated_cases),
        cmocka_unit_test(test_match_backtracking_ends_in_the_budget_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

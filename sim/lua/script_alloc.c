/*
** script_alloc.c — the allocator of a scenario's Lua state: the memory
** limit ('limits.memory') and the creation serial of every object a
** script can use as a table key without a natural order (tables,
** functions, userdata, threads).
**
** Every block carries a 16-byte header in front of what Lua sees. For a
** table, closure, userdata or thread the header holds the object's
** creation serial (1, 2, 3 ... in allocation order, which is a function of
** the script alone) and a check word; other blocks hold zeros. Sorted
** 'pairs' orders such keys by (type, serial) instead of by address, so no
** address decides anything a script can see (luajson.c).
**
** Memory accounting counts the sizes Lua asks for (headers excluded), so
** the limit trips at the same allocation on every run. A refusal records
** the scenario's line (the main thread's innermost Lua frame: the hook
** saves the pc every instruction, so the line is exact) and sets
** 'mem_over'; from then on the budget hook ends the run, so a script
** cannot catch the error with pcall and carry on.
**
** Finding the header from a value: 'lua_topointer' is the block itself for
** tables and closures; for threads and userdata it points inside the
** block at an offset that 'script_alloc_calibrate' measures once at start
** (it depends on Lua's struct layout, which is not ours to assume).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "luajson.h"
#include "script_int.h"

typedef struct mem_hdr {
    uint64_t serial;   /* creation serial, 0 for blocks that are not objects */
    uint64_t check;    /* serial ^ block address ^ MEM_MAGIC for objects */
} mem_hdr;

#define MEM_MAGIC 0x5eed5e71a15eed00ull

_Static_assert(sizeof(mem_hdr) == 16, "the header keeps malloc's 16-byte alignment");

static bool is_object_type(size_t osize)
{
    return osize == LUA_TTABLE || osize == LUA_TFUNCTION || osize == LUA_TUSERDATA ||
           osize == LUA_TTHREAD;
}

/* Writes "FILE:LINE:" of the innermost Lua frame of the main thread. Safe
** inside the allocator: 'lua_getstack' and 'lua_getinfo' with "Sl" read
** the call stack and allocate nothing. */
static void where_now(script *s)
{
    lua_Debug ar;
    s->mem_where[0] = '\0';
    if (!s->L)
        return;
    for (int level = 0; level < 64 && lua_getstack(s->L, level, &ar); level++) {
        if (!lua_getinfo(s->L, "Sl", &ar) || ar.currentline <= 0)
            continue;
        snprintf(s->mem_where, sizeof s->mem_where, "%s:%d: ", ar.short_src, ar.currentline);
        return;
    }
}

/* Over the limit. Lua answers a refusal with an emergency full collection
** and the same request again: only a refused retry ends the run, so garbage
** alone never trips the limit. A refusal that Lua does not retry (it
** cannot collect at that moment) ends the run at the next allocation. */
static void *refuse(script *s, void *ptr, size_t osize, size_t nsize)
{
    if (s->mem_retry && s->mem_retry_ptr == ptr && s->mem_retry_osize == osize &&
        s->mem_retry_nsize == nsize) {
        s->mem_retry = false;
        s->mem_over = true;
        return NULL;
    }
    where_now(s);
    s->mem_retry = true;
    s->mem_retry_ptr = ptr;
    s->mem_retry_osize = osize;
    s->mem_retry_nsize = nsize;
    return NULL;
}

#ifdef DSIM_ALLOC_FAIL_HOOK
/* Test builds only: tests/test_alloc_sweep.c compiles this file with the
** hook and fails the allocation numbered 'script_alloc_fail_nth' (counted
** in 'script_alloc_count', 1-based). Release builds carry none of it. */
long script_alloc_fail_nth, script_alloc_count;
#endif

void *script_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    script *s = ud;
    if (nsize == 0) {
        if (ptr) {
            DSIM_ASSERT(s->mem_used >= osize);
            s->mem_used -= osize;
            free((mem_hdr *)ptr - 1);
        }
        return NULL;
    }
    size_t old = ptr ? osize : 0;
    /* Growing past the limit is refused; shrinking never is (Lua assumes
    ** a shrink cannot fail). */
    if (nsize > old && (s->mem_used > s->mem_max || nsize - old > s->mem_max - s->mem_used ||
                        nsize > SIZE_MAX - sizeof(mem_hdr)))
        return refuse(s, ptr, osize, nsize);
    if (s->mem_retry) {
        /* The refused request came back and fits now, or Lua gave up on
        ** it (the error was raised) and moved on. */
        bool retried = s->mem_retry_ptr == ptr && s->mem_retry_osize == osize &&
                       s->mem_retry_nsize == nsize;
        s->mem_retry = false;
        s->mem_over = !retried;
    }
    mem_hdr *h = NULL;
#ifdef DSIM_ALLOC_FAIL_HOOK
    if (++script_alloc_count != script_alloc_fail_nth)
#endif
        h = realloc(ptr ? (mem_hdr *)ptr - 1 : NULL, nsize + sizeof(mem_hdr));
    if (!h) {
        s->host_oom = true;   /* not the script's limit: an internal error */
        return NULL;
    }
    if (!ptr) {
        *h = (mem_hdr){0, 0};
        if (is_object_type(osize)) {
            h->serial = ++s->serial_next;
            h->check = h->serial ^ (uint64_t)(uintptr_t)(h + 1) ^ MEM_MAGIC;
            s->last_object = h + 1;
        }
    } else if (h->serial) {
        /* Objects are never resized by Lua 5.4; keep the check valid anyway. */
        h->check = h->serial ^ (uint64_t)(uintptr_t)(h + 1) ^ MEM_MAGIC;
    }
    s->mem_used = s->mem_used - old + nsize;
    return h + 1;
}

static uint64_t serial_of_block(const void *block)
{
    const mem_hdr *h = (const mem_hdr *)block - 1;
    DSIM_ASSERT(h->serial != 0);
    DSIM_ASSERT((h->check ^ h->serial ^ (uint64_t)(uintptr_t)block) == MEM_MAGIC);
    return h->serial;
}

/* Number of user values of the full userdata at 'idx' (probed: the API
** has no direct query). */
static int user_values(lua_State *L, int idx)
{
    int n = 0;
    while (n < 255) {
        int t = lua_getiuservalue(L, idx, n + 1);
        lua_pop(L, 1);
        if (t == LUA_TNONE)
            break;
        n++;
    }
    return n;
}

void script_alloc_calibrate(lua_State *L)
{
    script *s = script_of(L);
    lua_newthread(L);
    s->thread_off = (const char *)lua_topointer(L, -1) - (const char *)s->last_object;
    lua_pop(L, 1);
    ptrdiff_t off[3];
    for (int uv = 0; uv < 3; uv++) {
        lua_newuserdatauv(L, 8, uv);
        off[uv] = (const char *)lua_topointer(L, -1) - (const char *)s->last_object;
        lua_pop(L, 1);
    }
    s->ud_off0 = off[0];
    s->ud_off1 = off[1];
    s->ud_off_per = off[2] - off[1];
    DSIM_ASSERT(s->thread_off >= 0 && s->ud_off0 >= 0 && s->ud_off1 >= 0 && s->ud_off_per > 0);
}

/* Light C functions are not allocated; the ones a script can reach are
** numbered once at start, in the sorted order of the globals. */
static void number_light(lua_State *L, int reg, int idx)
{
    idx = lua_absindex(L, idx);
    if (!lua_iscfunction(L, idx) || lua_getupvalue(L, idx, 1) != NULL) {
        if (lua_iscfunction(L, idx))
            lua_pop(L, 1);
        return;
    }
    lua_pushvalue(L, idx);
    if (lua_rawget(L, reg) == LUA_TNIL) {
        lua_pushvalue(L, idx);
        lua_pushinteger(L, (lua_Integer)++script_of(L)->serial_next);
        lua_rawset(L, reg);
    }
    lua_pop(L, 1);
}

void script_alloc_number_functions(lua_State *L)
{
    script *s = script_of(L);
    lua_newtable(L);
    int reg = lua_gettop(L);
    lua_pushglobaltable(L);
    lj_sorted_keys(L, -1);
    for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
        lua_pushvalue(L, -1);
        lua_rawget(L, -4);
        number_light(L, reg, -1);
        if (lua_type(L, -1) == LUA_TTABLE) {
            lj_sorted_keys(L, -1);
            for (lua_Integer j = 1; lua_rawgeti(L, -1, j) != LUA_TNIL; j++) {
                lua_pushvalue(L, -1);
                lua_rawget(L, -4);
                number_light(L, reg, -1);
                lua_pop(L, 2);
            }
            lua_pop(L, 2);
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 3);
    /* Iterators that library functions return. */
    static const char *const iters[] = {
        "return ipairs({})", "return utf8.codes('')", "return utf8.codes('', true)", NULL,
    };
    for (int i = 0; iters[i]; i++) {
        if (luaL_dostring(L, iters[i]) == LUA_OK && lua_gettop(L) > reg)
            number_light(L, reg, reg + 1);
        lua_settop(L, reg);
    }
    s->light_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

uint64_t script_key_serial(lua_State *L, int idx)
{
    script *s = script_of(L);
    idx = lua_absindex(L, idx);
    const void *p = lua_topointer(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TTABLE:
        return serial_of_block(p);
    case LUA_TFUNCTION:
        if (lua_iscfunction(L, idx) && lua_getupvalue(L, idx, 1) == NULL) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, s->light_ref);
            lua_pushvalue(L, idx);
            lua_rawget(L, -2);
            uint64_t n = (uint64_t)lua_tointeger(L, -1);
            lua_pop(L, 2);
            if (n == 0)
                luaL_error(L, "a C function that the sandbox does not know is used as a table "
                              "key: its place in sorted order is not defined");
            return n;
        }
        if (lua_iscfunction(L, idx))
            lua_pop(L, 1);   /* the upvalue */
        return serial_of_block(p);
    case LUA_TTHREAD:
        return serial_of_block((const char *)p - s->thread_off);
    case LUA_TUSERDATA: {
        int uv = user_values(L, idx);
        ptrdiff_t off = uv == 0 ? s->ud_off0 : s->ud_off1 + (ptrdiff_t)(uv - 1) * s->ud_off_per;
        return serial_of_block((const char *)p - off);
    }
    default:
        return luaL_error(L, "a %s value has no place in sorted order", luaL_typename(L, idx));
    }
}

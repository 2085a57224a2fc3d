/*
** script_chunk.c — loading the scenario. A scenario is compiled in a
** scratch Lua state and the run's state loads the compiled chunk: the run never sees the parser's allocations (tables,
** buffers), so its memory accounting and creation serials (script_alloc.c)
** are the same whether the chunk was compiled for it or earlier. One
** process runs a file for many seeds (fuzz, bench, shrink): the compiled
** chunk is kept with the text it came from and reused while the file
** holds the same bytes. A file that cannot be read or compiled is loaded
** as text in the run's state, so its error reads as it always did.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "script_int.h"

typedef struct chunk_buf {
    char *p;
    size_t len, cap;
} chunk_buf;

static struct {
    char *path, *text, *code;
    size_t text_len, code_len;
} chunk_cache;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    chunk_buf b = {0};
    for (;;) {
        if (b.cap - b.len < 4096) {
            size_t cap = b.cap ? 2 * b.cap : 16384;
            char *p = realloc(b.p, cap);
            if (!p) {
                free(b.p);
                fclose(f);
                return NULL;
            }
            b.p = p;
            b.cap = cap;
        }
        size_t n = fread(b.p + b.len, 1, b.cap - b.len, f);
        b.len += n;
        if (n == 0)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p ? b.p : malloc(1);
}

static int chunk_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    chunk_buf *b = ud;
    if (b->cap - b->len < sz) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap - b->len < sz)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q)
            return 1;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, sz);
    b->len += sz;
    return 0;
}

/* Compiles 'path' (whose bytes are 'text') into the cache; false when it
** does not compile, is out of memory, or changed meanwhile. */
static bool chunk_compile(const char *path, char *text, size_t text_len)
{
    lua_State *C = luaL_newstate();
    if (!C)
        return false;
    chunk_buf code = {0};
    bool ok = luaL_loadfilex(C, path, "t") == LUA_OK && lua_dump(C, chunk_writer, &code, 0) == 0;
    lua_close(C);
    size_t again_len = 0;
    char *again = ok ? read_all(path, &again_len) : NULL;
    ok = ok && again && again_len == text_len && memcmp(again, text, text_len) == 0;
    free(again);
    char *p = ok ? strdup(path) : NULL;
    if (!p) {
        free(code.p);
        return false;
    }
    free(chunk_cache.path);
    free(chunk_cache.text);
    free(chunk_cache.code);
    chunk_cache.path = p;
    chunk_cache.text = text;
    chunk_cache.text_len = text_len;
    chunk_cache.code = code.p;
    chunk_cache.code_len = code.len;
    return true;
}

int script_load_chunk(lua_State *L, const char *path)
{
    size_t len = 0;
    char *text = read_all(path, &len);
    bool cached = text && chunk_cache.path && strcmp(chunk_cache.path, path) == 0 &&
                  chunk_cache.text_len == len && memcmp(chunk_cache.text, text, len) == 0;
    if (cached)
        free(text);
    else if (!text || !chunk_compile(path, text, len)) {
        free(text);
        return luaL_loadfilex(L, path, "t");
    }
    return luaL_loadbufferx(L, chunk_cache.code, chunk_cache.code_len, path, "b");
}

/* ---- the scenario library (dsim.lib): compiled once per process too ----- */

extern const char *const script_lib_names[];
extern const unsigned char *const script_lib_texts[];
extern const size_t script_lib_lens[];

static chunk_buf lib_code[16];

int script_lib_find(const char *name)
{
    for (int i = 0; script_lib_names[i]; i++)
        if (strcmp(script_lib_names[i], name) == 0)
            return i;
    return -1;
}

const char *script_lib_name(int i)
{
    DSIM_ASSERT(i >= 0);
    return script_lib_names[i];
}

int script_load_lib(lua_State *L, int i)
{
    DSIM_ASSERT(i >= 0 && i < (int)(sizeof lib_code / sizeof lib_code[0]));
    DSIM_ASSERT(script_lib_names[i] != NULL);
    char chunkname[128];
    snprintf(chunkname, sizeof chunkname, "@scenarios/lib/%s.lua", script_lib_names[i]);
    if (!lib_code[i].p) {   /* in a scratch state, as the scenario is */
        lua_State *C = luaL_newstate();
        chunk_buf code = {0};
        bool ok = C && luaL_loadbufferx(C, (const char *)script_lib_texts[i], script_lib_lens[i],
                                        chunkname, "t") == LUA_OK &&
                  lua_dump(C, chunk_writer, &code, 0) == 0;
        if (C)
            lua_close(C);
        if (!ok) {   /* out of memory: compile it here, as a file that failed to */
            free(code.p);
            return luaL_loadbufferx(L, (const char *)script_lib_texts[i], script_lib_lens[i], chunkname, "t");
        }
        lib_code[i] = code;
    }
    return luaL_loadbufferx(L, lib_code[i].p, lib_code[i].len, chunkname, "b");
}

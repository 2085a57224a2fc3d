/*
** script_int.h — shared by script.c (the sandbox and the run) and
** the files of the cluster object (script_cluster.c, script_args.c,
** script_run.c, script_faults.c, script_look.c, script_nemesis.c).
*/
#ifndef DSIM_SCRIPT_INT_H
#define DSIM_SCRIPT_INT_H

#include <stddef.h>

#include <lua.h>
#include <lauxlib.h>

#include "rng.h"
#include "script.h"
#include "world.h"

typedef struct script {
    const script_config *cfg;
    script_result *res;
    lua_State *L;
    rng rng;                  /* math.random's stream ("lua") */
    dsim_world *w;            /* the cluster's world, once made */
    bool running;             /* inside c:run */
    uint64_t instructions;    /* executed, in units of the hook's count */
    json_t *params_used;      /* -D names the script read */
    int on_table;             /* registry ref: name -> list of handlers */
    bool closing;             /* finish() handed the run off: nothing may drive
                                 the world again (finalizers run in lua_close) */
    /* script_alloc.c: memory limit and creation serials */
    size_t mem_used, mem_max; /* bytes Lua holds; limits.memory */
    bool mem_over;            /* an allocation was refused: the run ends */
    bool host_oom;            /* the host's allocator failed: exit 3 */
    bool mem_retry;           /* a refused request Lua may retry after a GC */
    void *mem_retry_ptr;
    size_t mem_retry_osize, mem_retry_nsize;
    char mem_where[256];      /* "FILE:LINE: " of the refused allocation */
    uint64_t serial_next;     /* the last creation serial handed out */
    void *last_object;        /* the last object block (calibration only) */
    ptrdiff_t thread_off, ud_off0, ud_off1, ud_off_per;
    int light_ref;            /* registry ref: light C function -> serial */
} script;

#define SCRIPT_MEMORY_DEFAULT ((size_t)1 << 30)

#define SCRIPT_HOOK_COUNT 1000

static inline script *script_of(lua_State *L)
{
    return *(script **)lua_getextraspace(L);
}

/* script.c: message handler for lua_pcall into scenario code */
int script_error_handler(lua_State *L);
/* script.c: pushes a string form of the value at 'idx' that never shows an
** address (the sandbox's 'tostring'); returns it. For error messages. */
const char *script_tolstring(lua_State *L, int idx, size_t *len);

/* script_alloc.c: the lua_Alloc of a scenario state ('ud' is the script). */
void *script_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
/* Measures where lua_topointer points inside thread and userdata blocks. */
void script_alloc_calibrate(lua_State *L);
/* Numbers the light C functions reachable from the globals. */
void script_alloc_number_functions(lua_State *L);
/* The creation serial of the table, function, userdata or thread at 'idx'
** (errors for a value that has none). Decides sorted order of such keys. */
uint64_t script_key_serial(lua_State *L, int idx);

/* script_match.c: string.find, match, gmatch and gsub with a step budget
** (charged to the instruction budget) in place of Lua's own. */
void script_match_open(lua_State *L);
/* Charges 'steps' to the instruction budget; errors when it is spent. */
void script_charge(lua_State *L, uint64_t steps);

/* script_dsim.c: the global 'dsim' table (cluster, param, latency models,
** seed), and the cluster's metatable. */
void script_open_dsim(lua_State *L, const script_config *cfg);

#define SCRIPT_CLUSTER_MT "dsim.cluster"

/* script_cluster.c: dsim.cluster{...} and the cluster's metatable */
int cluster_new(lua_State *L);
void cluster_open(lua_State *L);

/* The cluster's methods, one table per file, each ending in {NULL, NULL}:
** script_run.c (at, after, every, on, run, check), script_faults.c
** (partition ... net, control, add_node, remove_node), script_look.c
** (state, leader, now, stats, clients, history, nodes), script_nemesis.c. */
extern const luaL_Reg script_run_methods[];
extern const luaL_Reg script_fault_methods[];
extern const luaL_Reg script_look_methods[];
extern const luaL_Reg script_nemesis_methods[];

/* script_nemesis.c: the schedule that ran, for the summary (a new
** reference), or NULL when the scenario has no nemesis. */
json_t *nemesis_summary(script *s);

/* script_args.c: argument helpers; each raises a Lua error naming what was
** wrong and changes nothing. Integral floats (5e7) count as integers. */
script *script_cluster_arg(lua_State *L);   /* argument 1 is the cluster */
int64_t script_ms_arg(lua_State *L, int idx, const char *what);   /* ms -> ns */
bool script_whole(lua_State *L, int idx, lua_Integer *out);       /* an integral number */
int script_node_in(lua_State *L, int idx, int nodes);             /* 0-based node */
int script_node_arg(lua_State *L, int idx, dsim_world *w);
int script_endpoint_in(lua_State *L, int idx, int nodes, int clients);   /* node or client */
int script_endpoint_arg(lua_State *L, int idx, dsim_world *w);
/* 'what' names the table in messages ("dsim.cluster limits", "c:clock");
** its last word after a space is the field holding it (script_where.c). */
void script_only_keys(lua_State *L, int t, const char *what, const char *const *allowed);
lua_Number script_num_field(lua_State *L, int t, const char *k, lua_Number def,
                            lua_Number lo, lua_Number hi, const char *what);
lua_Integer script_int_field(lua_State *L, int t, const char *k, lua_Integer def,
                             lua_Integer lo, lua_Integer hi, const char *what);
const char *script_str_field(lua_State *L, int t, const char *k, const char *def, const char *what);
/* Latency spec at 'idx' (number or dsim.uniform(...) table) -> model. */
bool latency_from_lua(lua_State *L, int idx, latency_model *m, char *err, size_t cap);

/* A net table {latency, drop, dup, fifo, from, to} read whole: the change,
** and the links it names (from and to NULL: the default link). */
typedef struct script_net {
    dsim_link_set set;
    int *from, *to;            /* in a userdata left on the stack */
    int from_len, to_len;
} script_net;
void script_net_parse(lua_State *L, int t, const char *what, int nodes, int clients, script_net *out);

/* script_where.c: raises "FILE:LINE: message" with the line of field 'k'
** of the table argument 'what' names when the source shows it, else the
** calling line. */
void script_field_error(lua_State *L, const char *what, const char *k, const char *fmt, ...);

/* script_run.c: hands protocol events to the c:on handlers */
/* script_chunk.c: pushes the scenario's main function compiled once per
** process (reused while the file is unchanged), or an error message, as
** luaL_loadfilex does. */
int script_load_chunk(lua_State *L, const char *path);
/* The scenario library (scenarios/lib, compiled in): the index of
** module 'name' or -1; its name; loads module 'i' as a chunk (compiled
** once per process), like script_load_chunk. */
int script_lib_find(const char *name);
const char *script_lib_name(int i);
int script_load_lib(lua_State *L, int i);
/* dsim.lib(name) (script_lib.c). */
int script_dsim_lib(lua_State *L);
void emit_to_lua(dsim_world *w, int node, int ep, const char *name, const json_t *fields);

#endif

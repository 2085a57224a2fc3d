/*
** script_int.h — shared by script.c (the sandbox and the run) and
** the files of the cluster object (script_cluster.c, script_args.c,
** script_run.c, script_faults.c, script_look.c, script_nemesis.c).
*/
#ifndef DSIM_SCRIPT_INT_H
#define DSIM_SCRIPT_INT_H

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
} script;

#define SCRIPT_HOOK_COUNT 1000

static inline script *script_of(lua_State *L)
{
    return *(script **)lua_getextraspace(L);
}

/* script.c: message handler for lua_pcall into scenario code */
int script_error_handler(lua_State *L);

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
bool latency_from_lua(lua_State *L, int idx, latency_model *m);

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
void emit_to_lua(dsim_world *w, int node, const char *name, json_t *fields);

#endif

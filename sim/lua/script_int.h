/*
** script_int.h — shared by script.c (the sandbox and the run) and
** script_cluster.c (the cluster object's methods). Not for protocols.
*/
#ifndef DSIM_SCRIPT_INT_H
#define DSIM_SCRIPT_INT_H

#include <lua.h>

#include "rng.h"
#include "script.h"
#include "world.h"

typedef struct script {
    const script_config *cfg;
    script_result *res;
    lua_State *L;
    rng rng;                  /* math.random's stream ("lua") */
    dsim_world *w;            /* the cluster's world, once made */
    bool started;             /* nodes booted, clients started */
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

/* script_cluster.c */
int cluster_new(lua_State *L);
void cluster_open(lua_State *L);
/* script_nemesis.c: c:nemesis{...}; the schedule that ran, for the
** summary (a new reference), or NULL when the scenario has no nemesis. */
int c_nemesis(lua_State *L);
json_t *nemesis_summary(script *s);
/* Latency spec at 'idx' (number or dsim.uniform(...) table) -> model. */
bool latency_from_lua(lua_State *L, int idx, latency_model *m);

#endif

/*
** fault.h — fault kinds and the nemesis that schedules them.
**
** A fault kind is a module (faults/<kind>.c) with a documented parameter
** table, a 'draw' that makes one schedule entry from the nemesis's RNG, a
** 'check' that validates an entry given from outside (a replayed or shrunk
** schedule), and 'start'/'stop' that act on the world only through the
** kernel's operations (sim/dsim_ops.h: dsim_partition_*, dsim_crash,
** dsim_clock_change, dsim_links_replace ...); no kernel header is seen
** here, so a kind is a thin adapter from a schedule entry to one operation. Kinds are listed in 'fault_kinds' (registry.c), in the order the
** nemesis draws them and 'dsim list faults' prints them.
**
** A schedule is data (JSON), so it can be stored in a run's summary, edited,
** shrunk and forced back into a run:
**   {"start_ms": S, "stop_ms": E, "until_ms": U, "swarm": {...},
**    "faults": [{"at_ms": T, "kind": K, "dur_ms": D, ...fields of K}, ...]}
** Times are whole milliseconds of true virtual time; entries are sorted by
** 'at_ms'; every fault ends by 'stop_ms', where a final recovery heals
** whatever is left; 'until_ms' >= 'stop_ms' is where the run should end.
** Nodes are 1-based, as in Lua; a node field may be "leader", resolved when
** the fault starts (dsim_leader: the node 'inspect' calls leader with the
** highest term, else the first it calls primary or server; c:leader() is
** the same lookup).
** Invariants: applying a schedule consumes no randomness, so a run with a
** forced schedule equal to the drawn one has the same fingerprint; drawing
** uses only the "nemesis" stream, so adding a fault kind shifts no other
** stream.
*/
#ifndef DSIM_FAULT_H
#define DSIM_FAULT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "dsim_ops.h"

/* One parameter of a fault kind, as c:nemesis takes it and docs print it.
** 'def' is the default as JSON text; its JSON type is the parameter's type
** (number, [lo, hi] range, list of names, list of nodes). */
typedef struct fault_param {
    const char *name;
    const char *def;
    const char *help;
} fault_param;

/* What one fault occupies while it lasts; the nemesis never draws two
** faults on one slot at once (a forced schedule may, and stays safe). */
typedef enum fault_slot {
    FAULT_SLOT_NONE,        /* instantaneous */
    FAULT_SLOT_NETWORK,     /* the reachability matrix (one shape at a time) */
    FAULT_SLOT_LINKS,       /* link profiles (loss, dup, delay) */
    FAULT_SLOT_PROCESS,     /* one node: crashed or paused */
    FAULT_SLOT_CLOCK,       /* one node's clocks */
    FAULT_SLOT_BYZANTINE,   /* one node's behaviour; the kind's 'max' bounds how many at once */
} fault_slot;

typedef struct nemesis nemesis;

/* What a kind's 'draw' gets: the stream, the kind's parameters (defaults
** merged with the scenario's), the modes the swarm left on, the swarm's
** intensity in (0, 1], the chosen node (1-based, or 0 for none) and the
** longest duration that fits the current window. */
typedef struct fault_draw {
    rng *r;
    int nodes;
    const json_t *params;
    const json_t *modes;
    double intensity;
    int node;
    int64_t dur_ms_max;
} fault_draw;

typedef struct fault_kind {
    const char *name;
    const char *summary;
    const fault_param *params;      /* {NULL} terminated */
    const char *const *modes;       /* NULL terminated, or NULL: one mode */
    const char *fields;             /* the schedule entry's fields, for docs */
    fault_slot slot;
    bool per_node;                  /* the nemesis picks a node for it */
    bool opt_in;                    /* drawn only when named: "all" leaves it out */
    /* Fills the kind's fields of 'e' ("dur_ms" included). */
    void (*draw)(const fault_draw *d, json_t *e);
    /* 0, or -1 with a message: 'e' is not a valid entry for 'nodes'. */
    int (*check)(const json_t *e, int nodes, char *err, size_t cap);
    void (*start)(nemesis *nm, int idx, const json_t *e);
    void (*stop)(nemesis *nm, int idx, const json_t *e);   /* may be NULL */
    /* A later step of a running fault (fault_tick_at); may be NULL. */
    void (*tick)(nemesis *nm, int idx, const json_t *e, uint32_t arg);
} fault_kind;

extern const fault_kind *const fault_kinds[];   /* NULL terminated */
const fault_kind *fault_kind_find(const char *name);
/* "partition, crash, ...", from the table, into 'buf'; returns 'buf'. */
const char *fault_kind_names(char *buf, size_t cap);
/* 'dsim list faults': every kind with its parameters and entry fields. */
int fault_list(FILE *f, bool as_json);

/* ---- the nemesis (nemesis.c) ------------------------------------------ */

typedef struct nemesis_cfg {
    int64_t start_ms, stop_ms, recovery_ms, interval_ms;
    bool swarm;       /* each seed draws which kinds, modes, intensities */
    bool quiet;       /* quiet periods between bursts of faults */
    json_t *kinds;    /* kind name -> parameters given (object), owned */
} nemesis_cfg;

/* The run-time record of the schedule being applied. */
struct nemesis {
    dsim_world *w;
    json_t *schedule;        /* owned */
    int len;
    int *target;             /* per entry: resolved node (0-based) or -1 */
    uint32_t *gen;           /* per entry: what 'stop' must still find */
    bool *active;
    uint32_t partition_gen;  /* bumps with every shape the nemesis sets */
    dsim_link *net_base;     /* link settings before the first link fault, or NULL */
    int net_base_len;
    bool *clock_touched;     /* per node */
};

/* Draws a schedule for 'cfg' from 'seed' for a cluster of 'nodes'; a new
** schedule object, or NULL with a message. */
json_t *nemesis_draw(const nemesis_cfg *cfg, uint64_t seed, int nodes, char *err, size_t cap);
/* Validates a given schedule against a cluster of 'nodes' and sorts it. */
int nemesis_check(json_t *schedule, int nodes, char *err, size_t cap);
/* Merges a kind's given parameters with its defaults; NULL with a message
** on an unknown name or a wrong type. */
json_t *nemesis_params(const fault_kind *k, const json_t *given, char *err, size_t cap);
/* Starts applying 'schedule' (taking ownership) to 'w' from now on; the
** record must live as long as the world runs. */
int nemesis_init(nemesis *nm, dsim_world *w, json_t *schedule, char *err, size_t cap);
void nemesis_free(nemesis *nm);

/* ---- helpers for the kinds (nemesis.c) -------------------------------- */

/* The node an entry names, resolved now (0-based), or -1 (no such node). */
int fault_node(nemesis *nm, const json_t *e);
/* Traces {"ev": "fault", "kind", "phase", ...entry fields} and mixes the
** fault into the fingerprint. */
void fault_trace(nemesis *nm, int idx, const json_t *e, const char *phase, int node);
/* Schedules the 'tick' of entry 'idx''s kind with 'arg' at true time 'at'. */
void fault_tick_at(nemesis *nm, int64_t at, int idx, uint32_t arg);
/* Draw helpers: a duration from a [lo, hi] parameter capped by the window,
** a mode among the swarm's, a number field. */
int64_t fault_draw_dur(const fault_draw *d, const char *param);
const char *fault_draw_mode(const fault_draw *d);
double fault_num(const json_t *o, const char *k, double def);
int fault_check_node(const json_t *e, const char *field, int nodes, char *err, size_t cap);
/* The node ids 1..nodes a "nodes" parameter allows (all when empty). */
int fault_eligible(const json_t *params, int nodes, int *out);
/* Net: recompute link profiles from the base and every active link fault. */
void fault_net_apply(nemesis *nm);
void fault_clock_reset(nemesis *nm, int node);

#endif

/*
** kernel_fixture.h — a tiny protocol and helpers for the kernel's unit
** tests: worlds made in C without a script, with a protocol that records
** what it saw so a test can assert on it.
**
** The "probe" protocol: every message it receives is appended to a log in
** the state block (type, sender, true time, payload word); every timer
** likewise (kind, arg). Message type 1 asks the receiver to reply with
** type 2. Its state is zeroed on crash like any protocol's, and 'start'
** counts boots in the disk (key "boots"), so a restart is visible.
*/
#ifndef DSIM_KERNEL_FIXTURE_H
#define DSIM_KERNEL_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "world.h"

#define PROBE_LOG_MAX 16384

typedef struct probe_entry {
    int kind;        /* 'm' message, 't' timer */
    int from;        /* sender, or timer kind */
    int64_t t;       /* true time it ran */
    uint64_t word;   /* payload word, or timer arg */
} probe_entry;

typedef struct probe_state {
    int len;
    uint32_t boots;
    probe_entry log[PROBE_LOG_MAX];
} probe_state;

static inline void probe_record(dsim_node *n, int kind, int from, uint64_t word)
{
    probe_state *s = dsim_state(n);
    DSIM_ASSERT(s->len < PROBE_LOG_MAX);
    s->log[s->len++] = (probe_entry){kind, from, dsim_now(dsim_world_of(n)), word};
}

static inline void probe_start(dsim_node *n)
{
    probe_state *s = dsim_state(n);
    uint32_t boots = 0, len;
    dsim_disk_get(n, "boots", &boots, sizeof boots, &len);
    boots++;
    dsim_disk_put(n, "boots", &boots, sizeof boots);
    dsim_disk_sync(n);
    s->boots = boots;
}

static inline void probe_message(dsim_node *n, int from, const dsim_msg *m)
{
    uint64_t word = 0;
    memcpy(&word, m->data, m->len < sizeof word ? m->len : sizeof word);
    probe_record(n, 'm', from, word);
    if (m->type == 1)
        dsim_send(n, from, 2, &word, sizeof word);
}

static inline void probe_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    probe_record(n, 't', (int)kind, arg);
}

static inline void probe_request(dsim_node *n, const dsim_op *op)
{
    /* reads answer with the key; writes "redirect" to node 1 unless on 1 */
    if (op->f == DSIM_F_WRITE && dsim_id(n) != 1)
        dsim_reply(n, op, DSIM_REDIRECT, 1);
    else if (op->f != DSIM_F_CAS)
        dsim_reply(n, op, DSIM_OK, (int64_t)op->key);
    /* cas: never answered, so the client times out */
}

static const dsim_option probe_options[] = {{NULL, 0, NULL, NULL, NULL, 0, 0}};

static const dsim_protocol probe_protocol = {
    .name = "probe", .summary = "test probe", .state_size = sizeof(probe_state),
    .options = probe_options, .start = probe_start, .on_message = probe_message,
    .on_timer = probe_timer, .on_request = probe_request,
};

/* A world of 'nodes' probes and 'clients' clients (workload "register",
** rate 0 unless set later), options built, nothing booted. */
static inline dsim_world *probe_world(int nodes, int clients, uint64_t seed)
{
    char err[256];
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &probe_protocol;
    cfg.nodes = nodes;
    cfg.seed = seed;
    cfg.invariants_every = 0;
    cfg.workload = (workload_cfg){.name = "register", .count = clients, .rate_per_s = 0,
                                  .timeout_ns = DSIM_MS(100), .keys = 1, .read_pct = 100,
                                  .redirects_max = 3};
    dsim_world *w = world_create(&cfg, err, sizeof err);
    DSIM_ASSERT(w != NULL);
    return w;
}

static inline void probe_boot_all(dsim_world *w)
{
    for (int i = 0; i < w->nodes_len; i++)
        node_boot(&w->nodes[i]);
}

static inline probe_state *probe_of(dsim_world *w, int id)
{
    return dsim_state(&w->nodes[id]);
}

#endif

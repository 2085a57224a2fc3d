/*
** repl_persist.c — what a replica keeps on its disk, and recovery.
**
** On disk: "meta0"/"meta1" hold the configuration (epoch, leader, chain,
** ISR, members) in turn with a sequence number, so a torn newest record
** (never synced, never acted on) leaves the one before; "snap0"/"snap1" the
** latest two snapshots in turn (only the used prefix of the store); and one
** key "e<lsn>" per log entry of the window. A sync covers all of them at
** once: a crash keeps exactly the state of the last sync. Recovery reads
** the newest intact meta and snapshot, then entries snap+1, snap+2, ...
** until one is missing, torn, or of an older epoch than the one before it
** (a stale record, never part of a synced log).
** The chained hash of every entry is recomputed here, never taken from a
** message: equal hashes at an LSN mean equal logs up to it.
** Callers sync ('dsim_disk_sync') before they send anything that depends
** on what they wrote.
*/
#include <stdio.h>
#include <stdlib.h>

#include "repl.h"

typedef struct repl_meta {
    uint64_t seq;
    repl_config cfg;
} repl_meta;

static void entry_key(char *buf, size_t cap, uint64_t lsn)
{
    snprintf(buf, cap, "e%llu", (unsigned long long)lsn);
}

bool repl_epoch_hash_at(repl_state *s, uint64_t lsn, uint64_t *epoch, uint64_t *hash)
{
    if (lsn == s->snap) {
        *epoch = s->snap_epoch;
        *hash = s->snap_hash;
        return true;
    }
    const repl_entry *e = repl_entry_at(s, lsn);
    if (!e)
        return false;
    *epoch = e->epoch;
    *hash = e->hash;
    return true;
}

static uint64_t entry_hash(uint64_t prev, const repl_entry *e)
{
    uint64_t h = repl_mix(repl_mix(prev, e->lsn), e->epoch);
    h = repl_mix(h, e->kind);
    if (e->now || e->rnd)   /* a row image (repl_stmt.c) */
        h = repl_mix(repl_mix(h, (uint64_t)e->now), (uint64_t)e->rnd);
    const unsigned char *p = (const unsigned char *)&e->op;
    size_t len = dsim_op_bytes(&e->op);
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return repl_mix(h, 1);
}

void repl_persist_config(dsim_node *n)
{
    repl_state *s = repl_of(n);
    repl_meta m = {.seq = ++s->meta_seq, .cfg = s->cfg};
    dsim_disk_put(n, m.seq & 1 ? "meta1" : "meta0", &m, sizeof m);
}

void repl_log_append(dsim_node *n, repl_entry *e)
{
    repl_state *s = repl_of(n);
    DSIM_ASSERT(e->lsn == s->last + 1);
    DSIM_ASSERT(s->last - s->snap < REPL_LOG_MAX);
    uint64_t prev_epoch, prev_hash;
    DSIM_ASSERT(repl_epoch_hash_at(s, s->last, &prev_epoch, &prev_hash));
    DSIM_ASSERT(e->epoch >= prev_epoch || !s->opt.epochs || dsim_bug(n, "no_epoch_check"));
    e->hash = entry_hash(prev_hash, e);
    e->pad = 0;
    s->log[e->lsn % REPL_LOG_MAX] = *e;
    s->last = e->lsn;
    char key[32];
    entry_key(key, sizeof key, e->lsn);
    dsim_disk_put(n, key, e, (uint32_t)(offsetof(repl_entry, op) + dsim_op_bytes(&e->op)));
}

void repl_log_truncate(dsim_node *n, uint64_t from)
{
    repl_state *s = repl_of(n);
    DSIM_ASSERT(from > s->snap);
    for (uint64_t l = from; l <= s->last; l++) {
        char key[32];
        entry_key(key, sizeof key, l);
        dsim_disk_del(n, key);
    }
    if (from <= s->last)
        s->last = from - 1;
    if (s->match_ok > s->last)
        s->match_ok = s->last;
    if (s->commit > s->last)   /* a committed entry replaced: the invariants report it */
        s->commit = s->last;
}

size_t repl_snapshot_bytes(const repl_snapshot *snap)
{
    _Static_assert(offsetof(repl_snapshot, kv) + sizeof(dsim_kv) == sizeof(repl_snapshot), "kv is last");
    return offsetof(repl_snapshot, kv) + dsim_kv_bytes(&snap->kv);
}

/* Writes 'snap' to the older slot and drops the entry records it covers
** (all of them when 'drop_log'); synced. */
static void persist_snapshot(dsim_node *n, const repl_snapshot *snap, uint64_t old_snap, uint64_t drop_to)
{
    repl_state *s = repl_of(n);
    s->snap_slot ^= 1;
    dsim_disk_put(n, s->snap_slot ? "snap1" : "snap0", snap, (uint32_t)repl_snapshot_bytes(snap));
    for (uint64_t l = old_snap + 1; l <= drop_to; l++) {
        char key[32];
        entry_key(key, sizeof key, l);
        dsim_disk_del(n, key);
    }
    dsim_disk_sync(n);
}

/* A snapshot of the applied state; the window keeps what follows it. */
void repl_take_snapshot(dsim_node *n)
{
    repl_state *s = repl_of(n);
    if (s->applied <= s->snap)
        return;
    repl_snapshot *snap = calloc(1, sizeof *snap);
    DSIM_ASSERT(snap != NULL);
    snap->lsn = s->applied;
    DSIM_ASSERT(repl_epoch_hash_at(s, s->applied, &snap->epoch, &snap->hash));
    memcpy(&snap->kv, &s->kv, dsim_kv_bytes(&s->kv));
    uint64_t old = s->snap;
    s->snap = snap->lsn;
    s->snap_epoch = snap->epoch;
    s->snap_hash = snap->hash;
    persist_snapshot(n, snap, old, snap->lsn);
    free(snap);
}

/* Installs a snapshot shipped by the upstream node: the log after it is
** kept when it continues the same history, else dropped. */
void repl_install_snapshot(dsim_node *n, const repl_snapshot *snap)
{
    repl_state *s = repl_of(n);
    uint64_t ep, h;
    bool keep = snap->lsn < s->last && repl_epoch_hash_at(s, snap->lsn, &ep, &h) &&
                ep == snap->epoch && h == snap->hash;
    uint64_t old = s->snap, old_last = s->last;
    s->snap = snap->lsn;
    s->snap_epoch = snap->epoch;
    s->snap_hash = snap->hash;
    if (!keep)
        s->last = snap->lsn;
    memcpy(&s->kv, &snap->kv, sizeof s->kv);
    s->applied = snap->lsn;
    if (s->commit < snap->lsn)
        s->commit = snap->lsn;
    persist_snapshot(n, snap, old, keep ? snap->lsn : old_last);
    s->ring_lsn[s->ring_next % REPL_RING] = s->applied;
    s->ring_digest[s->ring_next++ % REPL_RING] = dsim_kv_digest(&s->kv);
    if (s->waiting_len)
        repl_wake_reads(n);
}

/* Forgets every entry and the state: a replica whose applied state went
** past what its new upstream holds (an unsafe mode lost entries) starts
** over from a snapshot. */
void repl_reset(dsim_node *n)
{
    repl_state *s = repl_of(n);
    for (uint64_t l = s->snap + 1; l <= s->last; l++) {
        char key[32];
        entry_key(key, sizeof key, l);
        dsim_disk_del(n, key);
    }
    dsim_disk_del(n, "snap0");
    dsim_disk_del(n, "snap1");
    s->snap = s->snap_epoch = s->snap_hash = s->last = 0;
    s->applied = s->commit = s->match_ok = 0;
    dsim_kv_init(n, &s->kv, 0);
    dsim_disk_sync(n);
}

int repl_read_snapshot(dsim_node *n, repl_snapshot *snap)
{
    repl_state *s = repl_of(n);
    int found = -1;
    repl_snapshot *x = malloc(sizeof *x);
    DSIM_ASSERT(x != NULL);
    for (int k = 0; k < 2; k++) {
        uint32_t len;
        memset(x, 0, sizeof *x);
        if (dsim_disk_get_retry(n, k ? "snap1" : "snap0", x, sizeof *x, &len) == DSIM_DISK_OK &&
            len > offsetof(repl_snapshot, kv) && dsim_kv_check(&x->kv, len - offsetof(repl_snapshot, kv)) == 0 &&
            (found < 0 || x->lsn > snap->lsn)) {
            memcpy(snap, x, sizeof *x);
            s->snap_slot = k;
            found = 0;
        }
    }
    free(x);
    return found;
}

static void recover_meta(dsim_node *n, repl_state *s)
{
    s->meta_seq = 0;
    for (int k = 0; k < 2; k++) {
        repl_meta m;
        uint32_t len;
        if (dsim_disk_get_retry(n, k ? "meta1" : "meta0", &m, sizeof m, &len) == DSIM_DISK_OK && len == sizeof m &&
            m.seq > s->meta_seq) {
            s->meta_seq = m.seq;
            s->cfg = m.cfg;
        }
    }
}

/* Rebuilds the node from its disk alone ('cfg' holds the first-boot
** configuration when the disk has none). */
void repl_recover(dsim_node *n)
{
    repl_state *s = repl_of(n);
    recover_meta(n, s);
    repl_snapshot *snap = calloc(1, sizeof *snap);
    DSIM_ASSERT(snap != NULL);
    if (repl_read_snapshot(n, snap) == 0) {
        s->snap = snap->lsn;
        s->snap_epoch = snap->epoch;
        s->snap_hash = snap->hash;
        memcpy(&s->kv, &snap->kv, sizeof s->kv);
    } else {
        dsim_kv_init(n, &s->kv, 0);   /* the workload's initial state (bank) */
    }
    free(snap);
    s->last = s->applied = s->commit = s->snap;
    uint64_t prev_epoch = s->snap_epoch, prev_hash = s->snap_hash;
    for (uint64_t l = s->snap + 1; l - s->snap <= REPL_LOG_MAX; l++) {
        char key[32];
        repl_entry e;
        uint32_t len;
        memset(&e, 0, sizeof e);
        entry_key(key, sizeof key, l);
        if (dsim_disk_get_retry(n, key, &e, sizeof e, &len) != DSIM_DISK_OK || len < offsetof(repl_entry, op) ||
            e.lsn != l || e.epoch < prev_epoch)
            break;
        if (len != offsetof(repl_entry, op) + dsim_op_bytes(&e.op))
            break;
        e.hash = entry_hash(prev_hash, &e);
        s->log[l % REPL_LOG_MAX] = e;
        s->last = l;
        prev_epoch = e.epoch;
        prev_hash = e.hash;
    }
}

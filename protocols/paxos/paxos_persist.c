/*
** paxos_persist.c — what a Paxos node keeps on its disk, and recovery.
**
** On disk: keys "hard0" and "hard1" hold (promised, round_max) in turn,
** each with a sequence number, so a torn newest write (never synced, so
** never acted on) leaves the one before intact (Raft's scheme); keys
** "snap0" and "snap1" hold the latest two snapshots in turn; the disk log
** holds accepted entries (paxos_entry), appended as they are accepted. A
** slot may appear more than once: the later record wins (an acceptor only
** accepts ballots at or above its promise, so later is never lower).
** A snapshot rewrites the log: every record goes and the window's entries
** above the snapshot are appended again, synced together with it, so a
** crash before the sync undoes all of it.
**
** The rule: the promise and every accepted entry reach the disk and are
** synced before the acceptor answers (callers sync before they send).
** Reads that fail their checksum are read again (transient read faults);
** a record that fails DSIM_DISK_READ_TRIES times is taken as torn (absent).
** Planted bug 'no_persist_promise': the promise is written as 0, so a
** restarted acceptor forgets what it promised (it keeps what it accepted).
*/
#include <stdio.h>

#include "paxos.h"

typedef struct paxos_hard {
    uint64_t promised, round_max, seq;
} paxos_hard;

void paxos_persist_hard(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    paxos_hard h = {.promised = s->promised, .round_max = s->round_max, .seq = ++s->hard_seq};
    if (dsim_bug(n, "no_persist_promise"))
        h.promised = 0;
    dsim_disk_put(n, h.seq & 1 ? "hard1" : "hard0", &h, sizeof h);
}

/* Rewrites the disk log as the window's entries, one record per slot, and
** syncs: re-accepted slots leave older records behind, and without
** snapshots (or in the single-decree variant) nothing else drops them. */
static void rewrite_log(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    dsim_disk_truncate(n, dsim_disk_first(n));
    s->disk_records = 0;
    for (uint64_t i = s->snap + 1; i <= s->last; i++) {
        const paxos_entry *e = paxos_entry_at(s, i);
        if (e) {
            dsim_disk_append(n, e, sizeof *e);
            s->disk_records++;
        }
    }
    dsim_disk_sync(n);
}

/* Puts 'e' in the window and appends it to the disk log; the caller
** syncs. A record equal to the one held is not written again. */
void paxos_store(dsim_node *n, const paxos_entry *e)
{
    paxos_state *s = paxos_of(n);
    DSIM_ASSERT(e->slot > s->snap && e->slot <= s->snap + PAXOS_LOG_MAX && e->ballot > 0);
    paxos_entry *have = &s->log[e->slot % PAXOS_LOG_MAX];
    if (have->slot == e->slot && have->ballot == e->ballot &&
        paxos_cmd_hash(&have->cmd) == paxos_cmd_hash(&e->cmd))
        return;
    /* 'have->ballot <= e->ballot' holds unless a promise was forgotten
    ** (planted bug 'no_persist_promise'): the Promises invariant reports it */
    if (have->slot == e->slot && e->slot <= s->ghost_checked_commit)
        s->ghost_checked_commit = e->slot - 1;   /* the checker looks again */
    if (e->slot <= s->ghost_checked_accepted)
        s->ghost_checked_accepted = e->slot - 1;
    *have = *e;
    if (e->slot > s->last)
        s->last = e->slot;
    dsim_disk_append(n, e, sizeof *e);
    if (++s->disk_records > 4 * PAXOS_LOG_MAX)
        rewrite_log(n);
}

/* Rewrites the disk: snapshot 'snap' in the other key, the log reduced to
** the window's entries above it; synced. Memory follows: the window
** drops every slot <= snap->slot. */
void paxos_persist_snapshot(dsim_node *n, const paxos_snapshot *snap)
{
    paxos_state *s = paxos_of(n);
    DSIM_ASSERT(snap->slot > s->snap);
    s->snap_slot_key ^= 1;
    dsim_disk_put(n, s->snap_slot_key ? "snap1" : "snap0", snap, (uint32_t)paxos_snapshot_bytes(snap));
    uint64_t old = s->snap;
    s->snap = snap->slot;
    if (s->last < s->snap)
        s->last = s->snap;
    for (uint64_t i = old + 1; i <= s->snap && i <= old + PAXOS_LOG_MAX; i++) {
        paxos_entry *e = &s->log[i % PAXOS_LOG_MAX];
        if (e->slot == i)
            memset(e, 0, sizeof *e);
    }
    rewrite_log(n);
}

static void recover_hard(dsim_node *n, paxos_state *s)
{
    static const char *const keys[2] = {"hard0", "hard1"};
    for (int k = 0; k < 2; k++) {
        paxos_hard h;
        uint32_t len;
        if (dsim_disk_get_retry(n, keys[k], &h, sizeof h, &len) == DSIM_DISK_OK && len == sizeof h &&
            h.seq > s->hard_seq) {
            s->hard_seq = h.seq;
            s->promised = h.promised;
            s->round_max = h.round_max;
        }
    }
}

/* The newer of the two snapshots into the state machine; false when
** there is none. A snapshot is stored as a prefix (paxos_snapshot_bytes). */
static bool recover_snapshot(dsim_node *n, paxos_state *s)
{
    paxos_snapshot *x = malloc(sizeof *x);
    DSIM_ASSERT(x != NULL);
    bool found = false;
    for (int k = 0; k < 2; k++) {
        uint32_t len;
        memset(x, 0, sizeof *x);
        if (dsim_disk_get_retry(n, k ? "snap1" : "snap0", x, sizeof *x, &len) == DSIM_DISK_OK &&
            len > offsetof(paxos_snapshot, kv) && dsim_kv_check(&x->kv, len - offsetof(paxos_snapshot, kv)) == 0 &&
            (!found || x->slot > s->snap)) {
            s->snap = x->slot;
            s->kv = x->kv;
            s->snap_slot_key = k;
            found = true;
        }
    }
    free(x);
    return found;
}

/* Rebuilds the node from its disk alone. A record that fails its checksum
** ends the log (an unsynced tail, or a torn write): it and the rest go. */
void paxos_recover(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    recover_hard(n, s);
    if (!recover_snapshot(n, s))
        dsim_kv_init(n, &s->kv, 0);   /* the workload's initial state (bank) */
    s->commit = s->applied = s->last = s->snap;
    uint64_t last = dsim_disk_last(n);
    for (uint64_t d = dsim_disk_first(n); d <= last && d > 0; d++) {
        paxos_entry e;
        uint32_t len;
        if (dsim_disk_read_retry(n, d, &e, sizeof e, &len) != DSIM_DISK_OK || len != sizeof e) {
            dsim_disk_truncate(n, d);
            break;
        }
        s->disk_records++;
        if (e.slot <= s->snap || e.slot > s->snap + PAXOS_LOG_MAX || e.ballot == 0)
            continue;
        s->log[e.slot % PAXOS_LOG_MAX] = e;
        if (e.slot > s->last)
            s->last = e.slot;
    }
}

/* For scripted set-ups (control "set_log", demo P3): replaces the disk
** with the given accepted slots, each {slot, value} (a write of 'value' to
** the last key by no client), accepted at 'ballot'; a value of 0 is a no-op. */
void paxos_write_log(dsim_node *n, const json_t *slots, uint64_t ballot)
{
    paxos_state *s = paxos_of(n);
    dsim_disk_truncate(n, dsim_disk_first(n));
    dsim_disk_del(n, "snap0");
    dsim_disk_del(n, "snap1");
    memset(s->log, 0, sizeof s->log);
    s->snap = s->last = s->commit = s->applied = 0;
    size_t i;
    json_t *x;
    json_array_foreach(slots, i, x) {
        paxos_entry e = {.slot = (uint64_t)json_integer_value(json_array_get(x, 0)), .ballot = ballot};
        int64_t v = json_integer_value(json_array_get(x, 1));
        e.cmd.kind = v ? PAXOS_C_OP : PAXOS_C_NOOP;
        e.cmd.op.client = -1;
        e.cmd.op.f = DSIM_F_WRITE;
        e.cmd.op.key = PAXOS_KEYS_MAX - 1;   /* a key no workload uses unless it asks for all */
        e.cmd.op.value = v;
        e.cmd.op.id = (uint64_t)v;
        if (e.slot >= 1 && e.slot <= PAXOS_LOG_MAX)
            paxos_store(n, &e);
    }
    if (paxos_round(ballot) > s->round_max)
        s->round_max = paxos_round(ballot);
    if (ballot > s->promised)
        s->promised = ballot;
    paxos_persist_hard(n);
    dsim_disk_sync(n);
}

/*
** zab_log.c — zxids, epochs and the in-memory history: lookups by
** position and by zxid, appends, truncation, and the choice of how a
** leader synchronises a follower (DIFF, TRUNC or SNAP).
**
** The window holds positions (snap_pos, last_pos] in a ring of ZAB_LOG_MAX
** slots; below it only the snapshot's zxid is known. zxids strictly
** increase along the history, so a zxid is found by binary search. These
** functions touch memory only; zab_persist.c mirrors changes on disk.
*/
#include "zab.h"

bool zab_vote_better(const zab_vote *a, const zab_vote *b)
{
    if (a->epoch != b->epoch)
        return a->epoch > b->epoch;
    if (a->zxid != b->zxid)
        return a->zxid > b->zxid;
    return a->id > b->id;
}

/* A new leader proposes one more than the highest epoch any member of its
** quorum accepted: no member has promised it to anyone else. */
uint64_t zab_next_epoch(uint64_t max_accepted)
{
    DSIM_ASSERT(max_accepted < 0xffffffffu);
    return max_accepted + 1;
}

const zab_entry *zab_entry_at(const zab_state *s, uint64_t pos)
{
    if (pos <= s->snap_pos || pos > s->last_pos)
        return NULL;
    const zab_entry *e = &s->log[pos % ZAB_LOG_MAX];
    DSIM_ASSERT(e->pos == pos);
    return e;
}

uint64_t zab_zxid_at(const zab_state *s, uint64_t pos)
{
    if (pos == s->snap_pos)
        return s->snap_zxid;
    const zab_entry *e = zab_entry_at(s, pos);
    return e ? e->zxid : 0;
}

uint64_t zab_last_zxid(const zab_state *s)
{
    return zab_zxid_at(s, s->last_pos);
}

/* The last position whose zxid is <= 'zxid' (snap_pos when none in the
** window is). */
uint64_t zab_pos_floor(const zab_state *s, uint64_t zxid)
{
    uint64_t lo = s->snap_pos, hi = s->last_pos;   /* answer in [lo, hi] */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (zab_zxid_at(s, mid) <= zxid)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The position holding 'zxid', or 0 (the snapshot's own counts). */
uint64_t zab_pos_of(const zab_state *s, uint64_t zxid)
{
    uint64_t p = zab_pos_floor(s, zxid);
    return zab_zxid_at(s, p) == zxid ? p : 0;
}

bool zab_log_full(const zab_state *s)
{
    return s->last_pos - s->snap_pos >= ZAB_LOG_MAX - 1;
}

void zab_log_push(zab_state *s, const zab_entry *e)
{
    DSIM_ASSERT(e->pos == s->last_pos + 1);
    DSIM_ASSERT(!zab_log_full(s));
    DSIM_ASSERT(e->zxid > zab_last_zxid(s));
    DSIM_ASSERT(e->len <= ZAB_TXN_MAX);
    s->log[e->pos % ZAB_LOG_MAX] = *e;
    s->last_pos = e->pos;
}

void zab_log_cut(zab_state *s, uint64_t from_pos)
{
    DSIM_ASSERT(from_pos > s->snap_pos);
    if (from_pos <= s->last_pos)
        s->last_pos = from_pos - 1;
}

uint64_t zab_entry_hash(const zab_entry *e)
{
    uint64_t h = zab_mix(0x7ab, e->zxid);
    h = zab_mix(h, e->cookie);
    h = zab_mix(h, ((uint64_t)(uint32_t)e->origin << 32) | e->len);
    for (uint32_t i = 0; i < e->len; i += 8) {
        uint64_t w = 0;
        memcpy(&w, e->data + i, e->len - i < 8 ? e->len - i : 8);
        h = zab_mix(h, w);
    }
    return h;
}

/* The leader's choice (ZooKeeper's LearnerHandler): a follower whose last
** zxid the leader holds gets the rest (DIFF); one that holds proposals the
** leader does not (an older epoch's, never committed) first truncates to
** the leader's last zxid below them (TRUNC, then DIFF); one that is behind
** the snapshot, or whose committed prefix the leader cannot vouch for,
** gets the whole state (SNAP). */
int zab_sync_mode(const zab_state *s, uint64_t f_last, uint64_t f_commit, uint64_t *trunc)
{
    *trunc = 0;
    if (f_last < s->snap_zxid)
        return ZAB_SYNC_SNAP;
    if (f_last == s->snap_zxid || zab_pos_of(s, f_last) != 0)
        return ZAB_SYNC_DIFF;
    uint64_t t = zab_zxid_at(s, zab_pos_floor(s, f_last));
    if (t < f_commit)
        return ZAB_SYNC_SNAP;
    *trunc = t;
    return ZAB_SYNC_TRUNC;
}

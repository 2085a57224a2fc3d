/*
** raft_log.c — the in-memory log window: lookups, appends, truncation,
** chain hashes, the current configuration, and the up-to-date rule.
**
** The window holds indices (snap_index, last_index] in a ring of
** RAFT_LOG_MAX slots. Below the window only the snapshot's last index,
** term and chain are known. These functions touch memory only;
** raft_persist.c mirrors every change on disk.
*/
#include "raft.h"

const raft_entry *raft_entry_at(const raft_state *s, uint64_t index)
{
    if (index <= s->snap_index || index > s->last_index)
        return NULL;
    const raft_entry *e = &s->log[index % RAFT_LOG_MAX];
    DSIM_ASSERT(e->index == index);
    return e;
}

/* The term of 'index': the snapshot's at its boundary, 0 before the log
** starts or where the term is no longer known (compacted). */
uint64_t raft_term_at(const raft_state *s, uint64_t index)
{
    if (index == s->snap_index)
        return s->snap_term;
    const raft_entry *e = raft_entry_at(s, index);
    return e ? e->term : 0;
}

uint64_t raft_chain_at(const raft_state *s, uint64_t index)
{
    if (index == s->snap_index)
        return s->snap_chain;
    const raft_entry *e = raft_entry_at(s, index);
    return e ? e->chain : 0;
}

uint64_t raft_last_term(const raft_state *s)
{
    return raft_term_at(s, s->last_index);
}

/* The chain of entry 'e' after a prefix whose chain is 'prev'. Every field
** that makes the entry what it is goes in; 'chain' itself does not. */
uint64_t raft_entry_chain(uint64_t prev, const raft_entry *e)
{
    uint64_t h = raft_mix(prev, e->term);
    h = raft_mix(h, e->index);
    h = raft_mix(h, ((uint64_t)e->kind << 32) | e->members);
    h = raft_mix(h, e->op.id);
    h = raft_mix(h, ((uint64_t)(uint32_t)e->op.client << 32) | (uint32_t)e->op.f);
    h = raft_mix(h, e->op.seq);
    h = raft_mix(h, e->op.key);
    h = raft_mix(h, (uint64_t)e->op.value);
    return raft_mix(h, (uint64_t)e->op.value2);
}

bool raft_log_full(const raft_state *s)
{
    return s->last_index - s->snap_index >= RAFT_LOG_MAX;
}

/* Appends 'e' at last_index + 1, computing its chain from the local
** prefix: a follower never trusts the chain it was sent. */
void raft_log_push(raft_state *s, const raft_entry *e)
{
    DSIM_ASSERT(!raft_log_full(s));
    DSIM_ASSERT(e->index == s->last_index + 1);
    raft_entry *slot = &s->log[e->index % RAFT_LOG_MAX];
    *slot = *e;
    slot->chain = raft_entry_chain(raft_chain_at(s, s->last_index), e);
    s->last_index = e->index;
    if (e->kind == RAFT_E_CONFIG) {
        s->members = e->members;
        s->config_index = e->index;
    }
}

/* Drops indices >= 'from' (never the snapshot). */
void raft_log_cut(raft_state *s, uint64_t from)
{
    DSIM_ASSERT(from > s->snap_index);
    if (from > s->last_index)
        return;
    s->last_index = from - 1;
    if (s->config_index >= from)
        raft_config_refresh(s);
}

/* The configuration is the latest config entry in the log, whether or not
** it is committed (dissertation §4.1), else the snapshot's. */
void raft_config_refresh(raft_state *s)
{
    for (uint64_t i = s->last_index; i > s->snap_index; i--) {
        const raft_entry *e = raft_entry_at(s, i);
        if (e->kind == RAFT_E_CONFIG) {
            s->members = e->members;
            s->config_index = i;
            return;
        }
    }
    s->members = s->snap_members;
    s->config_index = s->snap_index;
}

/* The election restriction (§5.4.1): a candidate's log is at least as
** up-to-date as ours when its last term is higher, or equal with an index
** at least ours. */
bool raft_up_to_date(const raft_state *s, uint64_t last_term, uint64_t last_index)
{
    uint64_t my_term = raft_last_term(s);
    if (last_term != my_term)
        return last_term > my_term;
    return last_index >= s->last_index;
}

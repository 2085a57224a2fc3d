/*
** dynamo_sync.c — what makes replicas converge in the background:
** hinted handoff and Merkle-tree anti-entropy (read repair lives with the
** coordinator, dynamo_coord.c).
**
** Hinted handoff: every 'hint_retry' a fallback sends each hint it holds
** to its home replica (Handoff); the home replica merges and syncs it and
** answers with the digest of what it received; the fallback deletes the
** hint only when that digest is still the hint's (a newer hint for the
** same key waits for the next round). A home replica that is down or cut
** off simply does not answer: the hint stays, on disk, until it returns.
** Anti-entropy: every 'anti_entropy' a node picks a peer and sends it the
** Merkle tree of the keys both replicate (DYN_MERKLE_LEAVES leaves over
** contiguous key ranges; a leaf hashes its keys' record digests, a parent
** its two children). The peer compares it with its own tree top-down,
** descending only into differing subtrees, pushes its records of the
** differing leaves' keys to the sender and asks for the sender's (Pull).
** Both sides merge, so each round repairs the pair in both directions.
** "overwrite" has no order to merge by, so anti-entropy is off with it.
** Restore (control "restore"): an operator replaces a failed replica's
** data with one peer's copy, as a replacement node streams each range
** from one replica. The node drops its records (memory and disk) and
** sends the peer a Pull of the keys they share; the peer pushes them. If
** that peer was stale, fewer than w replicas may now hold the newest
** acknowledged write (demo S19): nothing checks that the source was
** current; anti-entropy and read repair mend it only later.
*/
#include <stdio.h>

#include "dynamo.h"

void dyn_send_rec(dsim_node *n, int to, uint32_t type, uint32_t id, uint32_t key, int hint_for,
                  const dyn_rec *r)
{
    char buf[sizeof(dyn_msg_hdr) + sizeof(dyn_rec)];
    dyn_msg_hdr h = {.id = id, .key = key, .hint_for = hint_for};
    uint32_t len = dyn_rec_bytes(r);
    DSIM_ASSERT(len <= sizeof(dyn_rec) && r->nsib <= DYN_SIBS_MAX);
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, r, len);
    dsim_send(n, to, type, buf, (uint32_t)sizeof h + len);
}

typedef struct dyn_handoff_ack {
    dyn_msg_hdr h;
    uint64_t digest;
} dyn_handoff_ack;

void dyn_on_hints_timer(dsim_node *n)
{
    dyn_state *s = dyn_of(n);
    for (int home = 0; home < s->cfg.nodes; home++)
        for (uint32_t k = 0; k < (uint32_t)s->cfg.keys; k++) {
            if (!s->hint[home][k])
                continue;
            if (!dyn_hint_get(n, home, k, &s->scratch)) {
                dyn_hint_drop(n, home, k);   /* torn or unreadable: never acknowledged */
                continue;
            }
            dyn_send_rec(n, home, DYN_MSG_HANDOFF, 0, k, home, &s->scratch);
        }
    dyn_restore_ask(n);
    dsim_timer(n, DYN_T_HINTS, 0, s->cfg.hint_retry_ns);
}

void dyn_on_handoff(dsim_node *n, int from, const dsim_msg *m)
{
    dyn_state *s = dyn_of(n);
    DSIM_ASSERT(m->len >= sizeof(dyn_msg_hdr) + offsetof(dyn_rec, words));
    dyn_msg_hdr h;
    memcpy(&h, m->data, sizeof h);
    DSIM_ASSERT(h.key < (uint32_t)s->cfg.keys && h.hint_for == dsim_id(n));
    dyn_rec *in = &s->scratch;
    memset(in, 0, sizeof *in);
    memcpy(in, (const char *)m->data + sizeof h, m->len - sizeof h);
    DSIM_ASSERT(m->len - sizeof h == dyn_rec_bytes(in));
    DSIM_ASSERT(dyn_ring_is_home(&s->ring, h.key, s->cfg.n, dsim_id(n)));
    dyn_store_put(n, h.key, in);   /* synced before the answer */
    dyn_handoff_ack a = {.h = h, .digest = dyn_rec_digest(in)};
    dsim_send(n, from, DYN_MSG_HANDOFF_R, &a, sizeof a);
}

void dyn_on_handoff_reply(dsim_node *n, int from, const dsim_msg *m)
{
    dyn_state *s = dyn_of(n);
    DSIM_ASSERT(m->len == sizeof(dyn_handoff_ack));
    dyn_handoff_ack a;
    memcpy(&a, m->data, sizeof a);
    DSIM_ASSERT(a.h.hint_for == from && a.h.key < (uint32_t)s->cfg.keys);
    if (!s->hint[from][a.h.key] || !dyn_hint_get(n, from, a.h.key, &s->scratch) ||
        dyn_rec_digest(&s->scratch) != a.digest)
        return;
    dyn_hint_drop(n, from, a.h.key);
    s->handoffs++;
    dsim_emit(n, "handoff", json_pack("{s:i, s:i}", "home", from + 1, "key", (int)a.h.key));
}

static int leaf_of(const dyn_state *s, uint32_t key)
{
    return (int)(key * DYN_MERKLE_LEAVES / (uint32_t)s->cfg.keys);
}

static bool shared(const dyn_state *s, uint32_t key, int a, int b)
{
    return dyn_ring_is_home(&s->ring, key, s->cfg.n, a) && dyn_ring_is_home(&s->ring, key, s->cfg.n, b);
}

/* tree[1] is the root, tree[i]'s children 2i and 2i+1, leaves from
** DYN_MERKLE_LEAVES; tree[0] is unused (0). */
void dyn_merkle(dsim_node *n, int peer, uint64_t tree[2 * DYN_MERKLE_LEAVES])
{
    dyn_state *s = dyn_of(n);
    int me = dsim_id(n);
    memset(tree, 0, 2 * DYN_MERKLE_LEAVES * sizeof *tree);
    for (int l = 0; l < DYN_MERKLE_LEAVES; l++)
        tree[DYN_MERKLE_LEAVES + l] = dyn_hash64((uint64_t)l);
    for (uint32_t k = 0; k < (uint32_t)s->cfg.keys; k++)
        if (shared(s, k, me, peer)) {
            uint64_t *leaf = &tree[DYN_MERKLE_LEAVES + leaf_of(s, k)];
            *leaf = dyn_hash64(*leaf ^ dyn_rec_digest(&s->store[k]));
        }
    for (int i = DYN_MERKLE_LEAVES - 1; i >= 1; i--)
        tree[i] = dyn_hash64(tree[2 * i] ^ dyn_hash64(tree[2 * i + 1]));
}

typedef struct dyn_tree_msg { uint64_t tree[2 * DYN_MERKLE_LEAVES]; } dyn_tree_msg;
/* A key mask; 'all': push the empty records too (a restore awaits each). */
typedef struct dyn_pull_msg { uint32_t keys; uint32_t all; } dyn_pull_msg;

void dyn_on_ae_timer(dsim_node *n)
{
    dyn_state *s = dyn_of(n);
    if (s->cfg.nodes > 1) {
        int peer = (int)dsim_rand_range(n, 0, s->cfg.nodes - 2);
        if (peer >= dsim_id(n))
            peer++;
        dyn_tree_msg t;
        dyn_merkle(n, peer, t.tree);
        s->ae_rounds++;
        dsim_send(n, peer, DYN_MSG_TREE, &t, sizeof t);
    }
    dsim_timer(n, DYN_T_AE, 0, s->cfg.ae_ns);
}

static void push_keys(dsim_node *n, int to, uint32_t mask, bool all)
{
    dyn_state *s = dyn_of(n);
    for (uint32_t k = 0; k < (uint32_t)s->cfg.keys; k++)
        if ((mask & (1u << k)) && (all || s->store[k].nsib > 0))
            dyn_send_rec(n, to, DYN_MSG_PUT, 0, k, -1, &s->store[k]);
}

void dyn_on_tree(dsim_node *n, int from, const dsim_msg *m)
{
    dyn_state *s = dyn_of(n);
    DSIM_ASSERT(m->len == sizeof(dyn_tree_msg));
    dyn_tree_msg theirs;
    memcpy(&theirs, m->data, sizeof theirs);
    uint64_t mine[2 * DYN_MERKLE_LEAVES];
    dyn_merkle(n, from, mine);
    /* descend: a node is visited only when its parent differs */
    bool differs[2 * DYN_MERKLE_LEAVES] = {false};
    for (int i = 1; i < 2 * DYN_MERKLE_LEAVES; i++)
        differs[i] = (i == 1 || differs[i / 2]) && mine[i] != theirs.tree[i];
    uint32_t mask = 0;
    int count = 0;
    for (uint32_t k = 0; k < (uint32_t)s->cfg.keys; k++)
        if (differs[DYN_MERKLE_LEAVES + leaf_of(s, k)] && shared(s, k, dsim_id(n), from)) {
            mask |= 1u << k;
            count++;
        }
    if (mask == 0)
        return;
    s->ae_keys += (uint64_t)count;
    push_keys(n, from, mask, false);
    dyn_pull_msg p = {.keys = mask};
    dsim_send(n, from, DYN_MSG_PULL, &p, sizeof p);
    dsim_emit(n, "antientropy", json_pack("{s:i, s:i}", "peer", from + 1, "keys", count));
}

void dyn_on_pull(dsim_node *n, int from, const dsim_msg *m)
{
    DSIM_ASSERT(m->len == sizeof(dyn_pull_msg));
    dyn_pull_msg p;
    memcpy(&p, m->data, sizeof p);
    push_keys(n, from, p.keys, p.all != 0);
}

void dyn_restore_ask(dsim_node *n)
{
    dyn_state *s = dyn_of(n);
    if (s->restoring.keys == 0)
        return;
    dyn_pull_msg p = {.keys = s->restoring.keys, .all = 1};
    dsim_send(n, s->restoring.from, DYN_MSG_PULL, &p, sizeof p);
}

int dyn_restore(dsim_node *n, int peer)
{
    dyn_state *s = dyn_of(n);
    DSIM_ASSERT(peer >= 0 && peer < s->cfg.nodes && peer != dsim_id(n));
    uint32_t mask = 0;
    int count = 0;
    for (uint32_t k = 0; k < (uint32_t)s->cfg.keys; k++) {
        char name[32];
        snprintf(name, sizeof name, "k%u", k);
        memset(&s->store[k], 0, sizeof s->store[k]);
        dsim_disk_del(n, name);
        if (shared(s, k, dsim_id(n), peer)) {
            mask |= 1u << k;
            count++;
        }
    }
    s->restoring.keys = mask;
    s->restoring.from = peer;
    dyn_restoring_save(n);   /* syncs the deletions too */
    dyn_restore_ask(n);
    dsim_emit(n, "restore", json_pack("{s:i, s:i}", "from", peer + 1, "keys", count));
    return count;
}

void dyn_restore_got(dsim_node *n, int from, uint32_t key)
{
    dyn_state *s = dyn_of(n);
    if (from != s->restoring.from || !(s->restoring.keys & (1u << key)))
        return;
    s->restoring.keys &= ~(1u << key);
    dyn_restoring_save(n);
}

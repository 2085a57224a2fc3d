/*
** kv.c — the replicated state machine ('dsim_kv' in dsim.h): the reference
** store plus exactly-once client sessions, written once for every
** protocol that replicates client operations (Raft, Multi-Paxos, ZAB,
** primary-backup, PBFT).
**
** Exactly-once (Raft dissertation §6.3): every client op carries (client,
** seq); the state machine keeps, per client, the last seq it applied and
** that op's status and value. An op whose seq is not newer is not applied
** again: the same seq gets the kept result, an older one is stale. So a
** request that is logged twice (duplicated by the network, retried, or
** proposed again by a new leader) changes the store once. A result with
** words (a list read, a transaction) is not kept: a repeat gets its status
** and value only, and the protocols do not answer with it.
**
** Invariants:
** - 'session_digest' is the sum of a hash of (client, seq) over every
**   session, kept up to date by every change; the digest is it plus the
**   store's, so equal states have equal digests whatever their history.
** - The layout is the encoding: header, sessions, then the store, whose
**   used prefix ends the contents ('dsim_kv_bytes'). 'version' names the
**   layout; a kv that was never initialised has version 0, and every
**   function but 'dsim_kv_check' and 'dsim_kv_digest' (0: a node's zeroed
**   state, inspected before it booted) asserts it was.
** - Nothing here asserts on an op's client id or key: they may come from
**   a Byzantine peer. An id without a session is applied untracked, or
**   refused under DSIM_KV_STRICT; a bad key fails in the store.
*/
#include <string.h>

#include "world.h"

#define KV_VERSION 0x31564b44u   /* "DKV1" */

typedef struct kv_session {
    uint64_t seq;        /* the last seq applied for this client (0: none) */
    int64_t value;       /* its result's value */
    int32_t status;      /* its dsim_status */
    int32_t words;       /* its result had words (not kept) */
} kv_session;

typedef struct kv_in {
    uint32_t version;    /* KV_VERSION */
    uint32_t flags;      /* DSIM_KV_STRICT or 0 */
    uint64_t session_digest;
    kv_session session[DSIM_KV_CLIENTS];
    dsim_store store;    /* last: its used prefix ends the contents */
} kv_in;

_Static_assert(sizeof(kv_session) == 24, "kv_session has no padding: it is hashed and sent as bytes");
_Static_assert(sizeof(kv_in) == sizeof(dsim_kv), "dsim_kv is exactly kv_in");
_Static_assert(offsetof(kv_in, store) + sizeof(dsim_store) == sizeof(kv_in), "the store is last");
_Static_assert(offsetof(kv_in, store) == 16 + 24 * DSIM_KV_CLIENTS, "kv_in has no padding");

static uint64_t mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15u + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 31);
}

static uint64_t session_hash(int32_t client, uint64_t seq)
{
    return mix(mix(0x5e55, (uint64_t)(uint32_t)client), seq);
}

static kv_in *in_of(dsim_kv *kv)
{
    kv_in *k = (kv_in *)kv;
    DSIM_ASSERT(k->version == KV_VERSION);   /* dsim_kv_init was called */
    return k;
}

static const kv_in *cin_of(const dsim_kv *kv)
{
    const kv_in *k = (const kv_in *)kv;
    DSIM_ASSERT(k->version == KV_VERSION);
    return k;
}

void dsim_kv_init(dsim_node *n, dsim_kv *kv, unsigned flags)
{
    DSIM_ASSERT((flags & ~DSIM_KV_STRICT) == 0);
    kv_in *k = (kv_in *)kv;
    memset(k, 0, offsetof(kv_in, store));
    k->version = KV_VERSION;
    k->flags = flags;
    dsim_store_init(n, &k->store);
    for (int c = 0; c < DSIM_KV_CLIENTS; c++)
        k->session_digest += session_hash(c, 0);
}

/* The verdict for 'op' against the sessions, without applying it; '*ses'
** gets the client's session (NULL: none). */
static dsim_kv_verdict judge(const kv_in *k, const dsim_op *op, dsim_status *st, int64_t *value,
                             const kv_session **ses)
{
    *ses = NULL;
    if (op->client < 0 || op->client >= DSIM_KV_CLIENTS) {
        if (k->flags & DSIM_KV_STRICT) {
            *st = DSIM_FAIL;
            *value = 0;
            return DSIM_KV_REFUSED;
        }
        return DSIM_KV_NEW;
    }
    const kv_session *s = &k->session[op->client];
    *ses = s;
    if (op->seq > s->seq)
        return DSIM_KV_NEW;
    if (op->seq < s->seq) {
        *st = DSIM_FAIL;
        *value = 0;
        return DSIM_KV_STALE;
    }
    *st = (dsim_status)s->status;
    *value = s->value;
    return s->words ? DSIM_KV_REPEAT_WORDS : DSIM_KV_REPEAT;
}

dsim_kv_verdict dsim_kv_seen(const dsim_kv *kv, const dsim_op *op, dsim_status *st, int64_t *value)
{
    const kv_session *ses;
    return judge(cin_of(kv), op, st, value, &ses);
}

static bool has_session(const dsim_op *op)
{
    return op->client >= 0 && op->client < DSIM_KV_CLIENTS;
}

void dsim_refuse(dsim_node *n, const dsim_op *op)
{
    if (has_session(op) && op->seq > n->refused_seq[op->client])
        n->refused_seq[op->client] = op->seq;
    dsim_reply(n, op, DSIM_FAIL, 0);
}

bool dsim_kv_answer_seen(dsim_node *n, const dsim_kv *kv, const dsim_op *op)
{
    dsim_status st;
    int64_t value;
    switch (dsim_kv_seen(kv, op, &st, &value)) {
    case DSIM_KV_NEW:
        /* refused here before (seq-wise not applied): the same answer
        ** for the same op, none for an older one (its client moved on) */
        if (!has_session(op) || op->seq > n->refused_seq[op->client])
            return false;
        if (op->seq == n->refused_seq[op->client])
            dsim_reply(n, op, DSIM_FAIL, 0);
        return true;
    case DSIM_KV_REPEAT:
    case DSIM_KV_REFUSED:
        dsim_reply(n, op, st, value);
        return true;
    default:   /* REPEAT_WORDS, STALE: no answer */
        return true;
    }
}

dsim_kv_verdict dsim_kv_apply(dsim_kv *kv, const dsim_op *op, dsim_status *st, dsim_result *r)
{
    kv_in *k = in_of(kv);
    const kv_session *seen;
    r->value = 0;
    r->len = 0;
    dsim_kv_verdict v = judge(k, op, st, &r->value, &seen);
    if (v != DSIM_KV_NEW)
        return v;
    *st = dsim_store_apply(&k->store, op, r);
    if (seen == NULL)
        return DSIM_KV_UNTRACKED;
    kv_session *s = &k->session[op->client];
    DSIM_ASSERT(s == seen && op->seq > s->seq);
    k->session_digest -= session_hash(op->client, s->seq);
    *s = (kv_session){.seq = op->seq, .value = r->value, .status = (int32_t)*st, .words = r->len > 0};
    k->session_digest += session_hash(op->client, s->seq);
    return DSIM_KV_APPLIED;
}

dsim_status dsim_kv_read(const dsim_kv *kv, const dsim_op *op, dsim_result *r)
{
    return dsim_store_read(&cin_of(kv)->store, op, r);
}

uint64_t dsim_kv_digest(const dsim_kv *kv)
{
    const kv_in *k = (const kv_in *)kv;
    if (k->version == 0)   /* a zeroed state block: the node never booted ('inspect') */
        return 0;
    k = cin_of(kv);
    return k->session_digest + dsim_store_digest(&k->store);
}

_Static_assert(offsetof(kv_in, store) + DSIM_STORE_HEAD_BYTES == DSIM_KV_HEAD_BYTES,
               "dsim_kv_bytes and dsim_kv_check read the head only");

void dsim_kv_copy(dsim_kv *dst, const dsim_kv *src)
{
    const kv_in *s = cin_of(src);
    kv_in *d = (kv_in *)dst;   /* initialised, or a zeroed state block */
    if (d == s)
        return;
    memcpy(d, s, offsetof(kv_in, store));
    dsim_store_copy(&d->store, &s->store);
}

size_t dsim_kv_bytes(const dsim_kv *kv)
{
    return offsetof(kv_in, store) + dsim_store_bytes(&cin_of(kv)->store);
}

int dsim_kv_check(const dsim_kv *kv, size_t len)
{
    const kv_in *k = (const kv_in *)kv;
    if (len < offsetof(kv_in, store) + 64 || len > sizeof *k)
        return -1;   /* not even the store's header */
    if (k->version != KV_VERSION || (k->flags & ~DSIM_KV_STRICT) != 0)
        return -1;
    size_t store = store_bytes_checked(&k->store);
    return store != 0 && offsetof(kv_in, store) + store == len ? 0 : -1;
}

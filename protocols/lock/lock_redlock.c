/*
** lock_redlock.c — the Redlock algorithm on the client side: the same SET
** NX PX goes to 'servers' independent lock servers; the client holds the
** lock when 'quorum' of them (a majority by default) granted it and the time
** left, validity = ttl - elapsed - drift allowance, is still positive. A
** failed attempt (too few votes by 'acquire_timeout', or no validity left)
** releases on every server and retries after 'retry' ms: a fixed delay lets
** a 2/2/1 split repeat for ever (L5a), a random one breaks the symmetry.
** The client gives the lock up when its validity runs out on its own
** monotonic clock; a pause stops that timer as well.
** There is no token: the servers are independent, nothing orders grants.
*/
#include <string.h>

#include "lock.h"

static int popcount(uint32_t x)
{
    int k = 0;
    for (; x; x &= x - 1)
        k++;
    return k;
}

static void send_all(dsim_node *n, lock_client *c, uint32_t op)
{
    int servers = lock_servers(n);
    DSIM_ASSERT(servers <= LOCK_SERVERS_MAX);
    for (int i = 0; i < servers; i++) {
        lock_msg m;
        memset(&m, 0, sizeof m);
        m.op = op;
        m.client = dsim_id(n);
        m.round = c->round;
        m.value = c->value;
        m.ttl_ns = dsim_opt_ms(n, "ttl");
        m.seq = c->attempt;
        lock_send(n, i, &m);
    }
}

void lock_redlock_acquire(dsim_node *n, lock_client *c)
{
    DSIM_ASSERT(c->phase == PH_ACQUIRING);
    c->granted_mask = c->answered_mask = 0;
    c->start_mono_ns = dsim_mono(n);
    c->attempt++;
    /* A fresh random-like value per attempt, as Redlock asks: a delayed
    ** release of a failed attempt cannot delete a later attempt's keys. */
    c->value = (c->round * LOCK_NODES_MAX + dsim_id(n) + 1) * 1024 + (c->attempt & 1023);
    send_all(n, c, OP_SET);
    c->req++;
    dsim_timer(n, T_REQ_TIMEOUT, c->req, dsim_opt_ms(n, "acquire_timeout"));
}

void lock_redlock_release(dsim_node *n, lock_client *c)
{
    send_all(n, c, OP_DEL_IF);
}

static void attempt_failed(dsim_node *n, lock_client *c, const char *why)
{
    c->req++;   /* the deadline of this attempt is stale now */
    dsim_emit(n, "redlock_failed", json_pack("{s:i, s:i, s:i, s:s}", "client", dsim_id(n) + 1,
              "votes", popcount(c->granted_mask), "answers", popcount(c->answered_mask), "why", why));
    lock_redlock_release(n, c);
    /* Late votes of this attempt must not count once it has failed: they
    ** would add to a majority that the release has already undone. */
    c->attempt++;
    c->granted_mask = c->answered_mask = 0;
    lock_client_retry(n, c);
}

void lock_redlock_deadline(dsim_node *n, lock_client *c)
{
    DSIM_ASSERT(c->phase == PH_ACQUIRING);
    attempt_failed(n, c, "timeout");
}

void lock_redlock_reply(dsim_node *n, lock_client *c, int from, const lock_msg *m)
{
    if (c->phase != PH_ACQUIRING || m->round != c->round || m->aux != OP_SET || m->seq != c->attempt)
        return;
    DSIM_ASSERT(from >= 0 && from < lock_servers(n));
    uint32_t bit = 1u << from;
    if (c->answered_mask & bit)
        return;   /* a duplicate, or an answer from an earlier attempt */
    c->answered_mask |= bit;
    if (m->status == LOCK_OK)
        c->granted_mask |= bit;
    if (popcount(c->granted_mask) >= lock_quorum(n)) {
        int64_t ttl = dsim_opt_ms(n, "ttl");
        int64_t drift = ttl / 100 * dsim_opt_int(n, "drift_pct") + DSIM_MS(2);
        int64_t validity = ttl - (dsim_mono(n) - c->start_mono_ns) - drift;
        if (validity <= 0) {
            attempt_failed(n, c, "no_validity_left");
            return;
        }
        c->req++;
        c->validity_ns = validity;
        lock_client_granted(n, c, 0);
        c->validity_timer = dsim_timer(n, T_VALIDITY, (uint64_t)c->round, validity);
        return;
    }
    if (popcount(c->answered_mask) == lock_servers(n))
        attempt_failed(n, c, "split_vote");
}

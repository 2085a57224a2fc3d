/*
** ml_repl.c — asynchronous replication between leaders and to followers.
**
** An update a node applies goes on to its downstream nodes (ml_topo.c)
** once it is synced ('ops' delivery). A receiver drops what it holds
** already (seq <= vc[origin]), withholds what is not deliverable yet
** (ml_deliverable: per-origin order, and with causal delivery the
** update's dependencies), applies the rest, releases what became
** deliverable, syncs, and acknowledges with its vector clock. Every
** 'gossip' ms a leader sends its whole replica to each downstream node
** whose acknowledged clock is behind: at once with 'state' delivery, and
** with 'ops' delivery when the acknowledgement still lacks what the
** leader held a tick ago (a lost or withheld update is repaired by state).
*/
#include <string.h>

#include "multileader.h"

static void send_ack(dsim_node *n, ml_state *s, int to)
{
    dsim_send(n, to, MSG_ACK, &s->d.vc, sizeof s->d.vc);
}

static void forward(dsim_node *n, ml_state *s, const ml_rop *r, int from)
{
    int down[ML_NODES_MAX];
    int k = ml_downstream(&s->conf, dsim_cluster_size(n), dsim_id(n), down);
    for (int i = 0; i < k; i++)
        if (ml_forwards(&s->conf, dsim_cluster_size(n), dsim_id(n), r, from, down[i]))
            dsim_send(n, down[i], MSG_OP, r, sizeof *r);
}

void ml_local_update(dsim_node *n, ml_state *s, const ml_rop *r)
{
    if (s->conf.ops)
        forward(n, s, r, -1);
}

/* Applies every withheld update that became deliverable; the applied ones
** are appended to 'out' (to be forwarded once synced). */
static void release(dsim_node *n, ml_state *s, ml_rop *out, int *out_n, int *from_of, int from)
{
    bool progress = true;
    while (progress) {
        progress = false;
        for (uint32_t i = 0; i < s->pending_n; i++) {
            ml_rop *r = &s->pending[i];
            bool stale = r->seq <= s->d.vc.c[r->origin];
            if (!stale && !ml_deliverable(s, r))
                continue;
            if (!stale && ml_apply(n, s, r) && *out_n < ML_PENDING + 1) {
                from_of[*out_n] = from;
                out[(*out_n)++] = *r;
            }
            s->pending[i] = s->pending[--s->pending_n];
            memset(&s->pending[s->pending_n], 0, sizeof s->pending[0]);
            progress = true;
            break;
        }
    }
}

static bool withheld(const ml_state *s, const ml_rop *r)
{
    for (uint32_t i = 0; i < s->pending_n; i++)
        if (s->pending[i].origin == r->origin && s->pending[i].seq == r->seq)
            return true;
    return false;
}

void ml_on_op(dsim_node *n, ml_state *s, int from, const ml_rop *r)
{
    DSIM_ASSERT(r->origin < (uint32_t)dsim_cluster_size(n));
    ml_rop done[ML_PENDING + 1];
    int from_of[ML_PENDING + 1], k = 0;
    if (r->seq > s->d.vc.c[r->origin] && !withheld(s, r)) {
        if (ml_deliverable(s, r)) {
            if (ml_apply(n, s, r)) {
                from_of[k] = from;
                done[k++] = *r;
            }
            release(n, s, done, &k, from_of, from);
        } else if (s->pending_n < ML_PENDING) {
            s->pending[s->pending_n++] = *r;
            s->withheld++;
            dsim_emit(n, "withheld", json_pack("{s:i, s:i, s:i}", "origin", (int)r->origin + 1,
                                               "seq", (int)r->seq, "from", from + 1));
        }
    }
    ml_persist(n, s);
    for (int i = 0; i < k; i++)
        forward(n, s, &done[i], from_of[i]);
    send_ack(n, s, from);
}

void ml_on_state(dsim_node *n, ml_state *s, int from, const uint8_t *buf, uint32_t len)
{
    ml_data *d = (ml_data *)(void *)s->buf;   /* scratch: the decoded replica */
    _Static_assert(sizeof s->buf >= sizeof(ml_data), "the scratch holds a replica");
    if (!ml_decode(buf, len, d))
        return;   /* not a replica (a corrupting Byzantine sender): ignored */
    ml_merge(n, s, d);
    ml_rop done[ML_PENDING + 1];
    int from_of[ML_PENDING + 1], k = 0;
    release(n, s, done, &k, from_of, from);
    ml_persist(n, s);
    for (int i = 0; i < k; i++)
        forward(n, s, &done[i], from_of[i]);
    send_ack(n, s, from);
}

void ml_on_ack(dsim_node *n, ml_state *s, int from, const vclock *vc)
{
    (void)n;
    DSIM_ASSERT(from >= 0 && from < ML_NODES_MAX);
    vc_join(&s->ack[from], vc);
}

void ml_gossip(dsim_node *n, ml_state *s)
{
    ml_failover_tick(n, s);
    int down[ML_NODES_MAX];
    int k = ml_downstream(&s->conf, dsim_cluster_size(n), dsim_id(n), down);
    const vclock *want = s->conf.ops ? &s->prev : &s->d.vc;
    uint32_t len = 0;
    for (int i = 0; i < k; i++) {
        if (vc_leq(want, &s->ack[down[i]]))
            continue;
        if (len == 0)
            len = ml_encode(&s->d, s->buf, sizeof s->buf);
        dsim_send(n, down[i], MSG_STATE, s->buf, len);
    }
    s->prev = s->d.vc;
    dsim_timer(n, TIMER_GOSSIP, 0, s->conf.gossip_ns);
}

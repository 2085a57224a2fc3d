/*
** ml_failover.c — a follower takes over its data centre.
**
** The leader of a data centre is its lowest id until an operator (control
** "failover" at a follower, as an orchestrator would after the leader
** failed) makes that follower the leader, at the next epoch of the data
** centre. It serves from its replicated state: what the old leader had
** acknowledged but not yet replicated to it (replication inside a data
** centre is asynchronous too) is not there. The new leader announces
** itself (MSG_LEADER: data centre, leader, epoch) to every node at once
** and on every gossip tick, so a node that was down or cut off learns it
** later; a node adopts a higher epoch, remembers it on disk, and from then
** forwards, replicates and routes by it. Two failovers of one data centre
** can take the same epoch (the second follower had not heard of the
** first: the multi-leader fuzz scenario's seed 41 with -D failover=true):
** then the higher node id wins, so every node ends with one view, the
** largest (epoch, leader) it heard, and the loser steps down.
** The old leader's pending writes are kept, not lost: a node that issued
** updates of its own and no longer leads (it learns so when it comes back
** and hears the announcement) sends its replica to its data centre's
** leader every gossip tick until that leader's acknowledgement covers it;
** the merge is a join, so the writes join the new leader's history, late.
** Until the old leader hears of the new one both take writes, as two
** origins: CRDTs merge them like any two leaders' updates. A run without a
** failover sends nothing here and stores nothing ("leaders" on disk).
*/
#include <string.h>

#include "multileader.h"

typedef struct ml_leader_msg {
    uint32_t dc;
    uint32_t leader;
    uint32_t epoch;
    uint32_t pad;
} ml_leader_msg;

static void leaders_save(dsim_node *n, ml_state *s)
{
    struct { int32_t leader[ML_NODES_MAX]; uint32_t epoch[ML_NODES_MAX]; } rec;
    for (int d = 0; d < ML_NODES_MAX; d++) {
        rec.leader[d] = s->conf.leader[d];
        rec.epoch[d] = s->conf.epoch[d];
    }
    dsim_disk_put(n, "leaders", &rec, sizeof rec);
    dsim_disk_sync(n);
}

void ml_leaders_load(dsim_node *n, ml_state *s)
{
    struct { int32_t leader[ML_NODES_MAX]; uint32_t epoch[ML_NODES_MAX]; } rec;
    uint32_t len = 0;
    int rc = dsim_disk_get_retry(n, "leaders", &rec, sizeof rec, &len);
    if (rc != DSIM_DISK_OK || len != sizeof rec)
        return;   /* never changed (or a torn first write: never synced, so never acted on) */
    int nodes = dsim_cluster_size(n);
    for (int d = 0; d < s->conf.dcs; d++) {
        DSIM_ASSERT(rec.leader[d] >= 0 && rec.leader[d] < nodes && ml_dc_of(&s->conf, nodes, rec.leader[d]) == d);
        s->conf.leader[d] = rec.leader[d];
        s->conf.epoch[d] = rec.epoch[d];
    }
}

static void announce(dsim_node *n, ml_state *s, int dc)
{
    ml_leader_msg m = {.dc = (uint32_t)dc, .leader = (uint32_t)s->conf.leader[dc], .epoch = s->conf.epoch[dc]};
    for (int to = 0; to < dsim_cluster_size(n); to++)
        if (to != dsim_id(n))
            dsim_send(n, to, MSG_LEADER, &m, sizeof m);
}

int ml_failover(dsim_node *n, ml_state *s, json_t *result)
{
    int nodes = dsim_cluster_size(n), me = dsim_id(n), dc = ml_dc_of(&s->conf, nodes, me);
    if (ml_is_leader(&s->conf, nodes, me)) {
        json_object_set_new(result, "error", json_string("failover: this node leads its data centre already"));
        return -1;
    }
    int old = s->conf.leader[dc];
    s->conf.leader[dc] = me;
    s->conf.epoch[dc]++;
    leaders_save(n, s);
    announce(n, s, dc);
    if (!s->ticking)   /* a follower has no gossip timer */
        dsim_timer(n, TIMER_GOSSIP, 0, s->conf.gossip_ns);
    dsim_emit(n, "failover", json_pack("{s:i, s:i, s:i}", "dc", dc + 1, "from", old + 1,
                                       "epoch", (int)s->conf.epoch[dc]));
    json_object_set_new(result, "epoch", json_integer(s->conf.epoch[dc]));
    json_object_set_new(result, "vc", json_integer(s->d.vc.c[old]));
    return 0;
}

void ml_on_leader(dsim_node *n, ml_state *s, int from, const uint8_t *buf, uint32_t len)
{
    (void)from;
    ml_leader_msg m;
    int nodes = dsim_cluster_size(n);
    if (len != sizeof m)
        return;
    memcpy(&m, buf, sizeof m);
    if (m.dc >= (uint32_t)s->conf.dcs || m.leader >= (uint32_t)nodes ||
        ml_dc_of(&s->conf, nodes, (int)m.leader) != (int)m.dc || m.epoch < s->conf.epoch[m.dc] ||
        (m.epoch == s->conf.epoch[m.dc] && (int)m.leader <= s->conf.leader[m.dc]))
        return;   /* not newer than this node's view: (epoch, leader) ordered */
    bool was = ml_is_leader(&s->conf, nodes, dsim_id(n));
    s->conf.leader[m.dc] = (int)m.leader;
    s->conf.epoch[m.dc] = m.epoch;
    leaders_save(n, s);
    if (was && !ml_is_leader(&s->conf, nodes, dsim_id(n)))
        dsim_emit(n, "stepdown", json_pack("{s:i, s:i}", "leader", (int)m.leader + 1, "epoch", (int)m.epoch));
}

void ml_failover_tick(dsim_node *n, ml_state *s)
{
    int nodes = dsim_cluster_size(n), me = dsim_id(n), dc = ml_dc_of(&s->conf, nodes, me);
    if (ml_is_leader(&s->conf, nodes, me)) {
        if (s->conf.epoch[dc] > 0)
            announce(n, s, dc);
        return;
    }
    int l = s->conf.leader[dc];
    if (s->d.vc.c[me] == 0 || vc_leq(&s->d.vc, &s->ack[l]))
        return;   /* nothing of its own that the leader lacks */
    uint32_t len = ml_encode(&s->d, s->buf, sizeof s->buf);
    dsim_send(n, l, MSG_STATE, s->buf, len);
}

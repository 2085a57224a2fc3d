/*
** zab_election.c — fast leader election (ZooKeeper's FastLeaderElection).
**
** A LOOKING server votes for itself, (currentEpoch, last zxid, id), and
** sends a notification to every server; it adopts any better vote it hears
** in its round (votes ordered by epoch, then zxid, then id: zab_vote_better)
** and sends again. A newer round wipes the tally. When a quorum of voters'
** latest votes of this round equal its own, it waits 'finalize' for a
** better one and then decides: the voted server LEADS, the rest FOLLOW (or
** OBSERVE: observers never count and never win). A server that hears from
** servers already out of the election (FOLLOWING, LEADING) joins their
** leader once a quorum of them agree on it and the leader itself says it
** leads. Every server out of the election answers a LOOKING one with the
** vote it decided on. Lost notifications are resent every 'notify'.
**
** The election only picks a prospective leader: whether it leads is up to
** discovery (zab_leader.c), which also checks that no quorum member's
** history is newer than the leader's.
*/
#include "zab.h"

static zab_vote self_vote(dsim_node *n)
{
    zab_state *s = zab_of(n);
    return (zab_vote){.epoch = s->current_epoch, .zxid = zab_last_zxid(s), .id = dsim_id(n)};
}

static void send_notify(dsim_node *n, int to)
{
    zab_state *s = zab_of(n);
    zab_notify m = {.vote = s->vote, .round = s->round, .state = (uint32_t)s->role,
                    .observer = zab_is_observer(s, dsim_id(n))};
    dsim_send(n, to, ZAB_MSG_NOTIFY, &m, sizeof m);
}

static void broadcast_notify(dsim_node *n)
{
    zab_state *s = zab_of(n);
    for (int p = 0; p < s->cfg.servers; p++)
        if (p != dsim_id(n))
            send_notify(n, p);
}

static void arm_notify(dsim_node *n)
{
    zab_state *s = zab_of(n);
    dsim_timer_cancel(n, s->notify_timer);
    int64_t j = dsim_rand_range(n, s->cfg.notify_ns / 2, s->cfg.notify_ns * 3 / 2);
    s->notify_timer = dsim_timer(n, ZAB_T_NOTIFY, 0, j);
}

const char *zab_role_name(const zab_state *s)
{
    switch (s->role) {
    case ZAB_LEADING:
        return s->established ? "leader" : "looking";
    case ZAB_FOLLOWING:
        return "follower";
    case ZAB_OBSERVING:
        return "observer";
    default:
        return "looking";
    }
}

/* Starts (or restarts) the election: a new round, a vote for itself. */
void zab_look(dsim_node *n)
{
    zab_state *s = zab_of(n);
    zab_drop_clients(n);
    s->role = ZAB_LOOKING;
    s->phase = ZAB_P_NONE;
    s->established = false;
    s->leader_id = ZAB_NONE;
    s->conn = 0;
    s->round++;
    s->elections++;
    s->vote = self_vote(n);
    memset(s->recv_round, 0, sizeof s->recv_round);
    s->oob_seen = 0;
    memset(s->peer, 0, sizeof s->peer);
    s->recv[dsim_id(n)] = s->vote;
    s->recv_round[dsim_id(n)] = s->round;
    dsim_timer_cancel(n, s->decide_timer);
    s->decide_timer = 0;
    broadcast_notify(n);
    arm_notify(n);
}

static bool quorum_for(const zab_state *s, const zab_vote *v)
{
    uint32_t set = 0;
    for (int i = 0; i < s->cfg.voters; i++)
        if (s->recv_round[i] == s->round && zab_vote_eq(&s->recv[i], v))
            set |= 1u << i;
    return zab_quorum(s, set);
}

static void decide(dsim_node *n, int leader)
{
    zab_state *s = zab_of(n);
    dsim_timer_cancel(n, s->notify_timer);
    dsim_timer_cancel(n, s->decide_timer);
    s->notify_timer = s->decide_timer = 0;
    if (leader == dsim_id(n))
        zab_lead(n);
    else
        zab_follow(n, leader);
}

void zab_on_notify_timer(dsim_node *n)
{
    zab_state *s = zab_of(n);
    s->notify_timer = 0;
    if (s->role != ZAB_LOOKING)
        return;
    broadcast_notify(n);
    arm_notify(n);
}

void zab_on_decide_timer(dsim_node *n)
{
    zab_state *s = zab_of(n);
    s->decide_timer = 0;
    if (s->role == ZAB_LOOKING && quorum_for(s, &s->vote) && !zab_is_observer(s, dsim_id(n)))
        decide(n, s->vote.id);
}

/* A server out of the election: join its leader when a quorum of voters
** out of the election vote for it and it says it leads. */
static void on_out_of_election(dsim_node *n, int from, const zab_notify *m)
{
    zab_state *s = zab_of(n);
    s->oob[from] = m->vote;
    s->oob_state[from] = m->state;
    s->oob_seen |= 1u << from;
    int leader = m->vote.id;
    if (leader < 0 || leader >= s->cfg.voters || leader == dsim_id(n))
        return;
    if (!((s->oob_seen >> leader) & 1u) || s->oob_state[leader] != ZAB_LEADING ||
        !zab_vote_eq(&s->oob[leader], &m->vote))
        return;
    uint32_t set = 0;
    for (int i = 0; i < s->cfg.voters; i++)
        if (((s->oob_seen >> i) & 1u) && zab_vote_eq(&s->oob[i], &m->vote))
            set |= 1u << i;
    if (zab_is_observer(s, dsim_id(n)) || zab_quorum(s, set)) {
        s->vote = m->vote;
        s->round = m->round > s->round ? m->round : s->round;
        decide(n, leader);
    }
}

void zab_on_notify(dsim_node *n, int from, const zab_notify *m)
{
    zab_state *s = zab_of(n);
    if (from < 0 || from >= s->cfg.servers || from >= ZAB_NODES_MAX)
        return;
    if (s->role != ZAB_LOOKING) {   /* tell a looking server whom we follow */
        if (m->state == ZAB_LOOKING)
            send_notify(n, from);
        return;
    }
    if (m->state != ZAB_LOOKING) {
        on_out_of_election(n, from, m);
        return;
    }
    if (m->observer || zab_is_observer(s, dsim_id(n))) {
        if (m->observer)
            send_notify(n, from);
        return;   /* observers' votes never count; observers only listen */
    }
    if (m->round > s->round) {
        s->round = m->round;
        memset(s->recv_round, 0, sizeof s->recv_round);
        zab_vote mine = self_vote(n);
        s->vote = zab_vote_better(&m->vote, &mine) ? m->vote : mine;
        broadcast_notify(n);
    } else if (m->round < s->round) {
        send_notify(n, from);
        return;
    } else if (zab_vote_better(&m->vote, &s->vote)) {
        s->vote = m->vote;
        broadcast_notify(n);
    }
    /* Within a round a server's vote only gets better: a late, older
    ** notification (the network may reorder) does not replace a newer one. */
    if (s->recv_round[from] != s->round || zab_vote_better(&m->vote, &s->recv[from]))
        s->recv[from] = m->vote;
    s->recv_round[from] = s->round;
    s->recv[dsim_id(n)] = s->vote;
    s->recv_round[dsim_id(n)] = s->round;
    if (quorum_for(s, &s->vote) && !s->decide_timer)
        s->decide_timer = dsim_timer(n, ZAB_T_DECIDE, 0, s->cfg.finalize_ns);
}

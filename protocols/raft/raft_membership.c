/*
** raft_membership.c — configurations and the scenario's 'control' verbs.
**
** A configuration is the set of voting members (a bit mask). It lives in
** RAFT_E_CONFIG entries and takes effect on every node as soon as the
** entry is in its log, committed or not (dissertation §4.1).
** Safe changes add or remove one server at a time: the leader refuses a
** change while another is uncommitted, and before it has committed an
** entry of its own term (the fix Ongaro posted to raft-dev in 2015).
** Any two majorities of configurations that differ by one server overlap.
** 'set_config' is the unsafe direct switch, kept for the membership demo:
** it replaces the members in one step, so the old and the new
** configuration can elect two leaders in one term.
** A leader that removed itself steps down once the removal commits.
**
** Verbs (c:control(n, verb, args), c:add_node(k), c:remove_node(k)):
**   campaign                 start an election now on node n
**   transfer    {node=k}     leadership transfer to k (TimeoutNow)
**   add_node    {node=k}     single-server change, through the leader
**   remove_node {node=k}
**   set_config  {members={...}}  direct switch (unsafe, for teaching)
**   propose     {key=, value=}   the leader appends a write with no client
**   set_log     {terms={...}, term=T}  before the run: the node's disk log
**   liveness_failed {why="..."}  a scenario's liveness check failed: the
**                            invariants check reports it (a scenario has no
**                            verdict of its own to fail)
*/
#include <stdio.h>

#include "raft.h"

static int refuse(json_t *result, const char *why)
{
    json_object_set_new(result, "error", json_string(why));
    return -1;
}

/* The 1-based node number at args[key], as a 0-based id; -1 when bad. */
static int node_arg(dsim_node *n, const json_t *args, const char *key)
{
    json_t *v = json_object_get(args, key);
    if (!json_is_integer(v))
        return -1;
    json_int_t k = json_integer_value(v);
    return k >= 1 && k <= dsim_cluster_size(n) ? (int)k - 1 : -1;
}

static bool committed_in_term(const raft_state *s)
{
    return raft_term_at(s, s->commit) == s->term;
}

/* Appends 'e' as the leader, replicates it and reports its index. */
static int lead_append(dsim_node *n, raft_entry *e, json_t *result)
{
    raft_state *s = raft_of(n);
    if (s->role != RAFT_LEADER)
        return refuse(result, "not the leader");
    if (raft_log_full(s))
        return refuse(result, "the log is full");
    e->term = s->term;
    e->index = s->last_index + 1;
    uint32_t before = s->members;
    raft_append(n, e);
    dsim_disk_sync(n);
    for (int p = 0; p < dsim_cluster_size(n); p++) {
        if (raft_is_member(s, p) && !((before >> p) & 1u)) {
            s->next[p] = e->index;   /* a newcomer: start near the end */
            s->match[p] = 0;
        }
    }
    raft_broadcast(n);
    raft_advance_commit(n);
    json_object_set_new(result, "index", json_integer((json_int_t)e->index));
    json_object_set_new(result, "term", json_integer((json_int_t)e->term));
    return 0;
}

static int change_one(dsim_node *n, const json_t *args, json_t *result, bool add)
{
    raft_state *s = raft_of(n);
    int k = node_arg(n, args, "node");
    if (k < 0)
        return refuse(result, "wants {node = k} with k a node number");
    if (s->role != RAFT_LEADER)
        return refuse(result, "not the leader");
    if (s->config_index > s->commit)
        return refuse(result, "a membership change is still uncommitted");
    if (!committed_in_term(s))
        return refuse(result, "the leader has not committed an entry of its term yet");
    if (add == raft_is_member(s, k))
        return refuse(result, add ? "already a member" : "not a member");
    uint32_t members = add ? s->members | (1u << k) : s->members & ~(1u << k);
    if (!members)
        return refuse(result, "a configuration needs a member");
    raft_entry e = {.kind = RAFT_E_CONFIG, .members = members};
    return lead_append(n, &e, result);
}

static int set_config(dsim_node *n, const json_t *args, json_t *result)
{
    json_t *list = json_object_get(args, "members");
    uint32_t members = 0;
    size_t i;
    json_t *v;
    if (!json_is_array(list) || json_array_size(list) == 0)
        return refuse(result, "wants {members = {k, ...}}");
    json_array_foreach(list, i, v) {
        json_int_t k = json_is_integer(v) ? json_integer_value(v) : 0;
        if (k < 1 || k > dsim_cluster_size(n))
            return refuse(result, "members are node numbers");
        members |= 1u << (k - 1);
    }
    raft_entry e = {.kind = RAFT_E_CONFIG, .members = members};
    return lead_append(n, &e, result);
}

static int transfer(dsim_node *n, const json_t *args, json_t *result)
{
    raft_state *s = raft_of(n);
    int k = node_arg(n, args, "node");
    if (k < 0 || k == dsim_id(n) || !raft_is_member(s, k))
        return refuse(result, "wants {node = k}, another member");
    if (s->role != RAFT_LEADER)
        return refuse(result, "not the leader");
    s->transfer_to = k;
    s->lease_off = true;   /* the target will not wait for our lease */
    s->lease_until_mono = 0;
    if (s->match[k] == s->last_index) {
        raft_timeout_now tn = {.term = s->term};
        dsim_send(n, k, RAFT_MSG_TIMEOUT_NOW, &tn, sizeof tn);
        s->transfer_to = RAFT_NONE;
    } else {
        raft_send_append(n, k);
    }
    return 0;
}

static int propose(dsim_node *n, const json_t *args, json_t *result)
{
    json_t *key = json_object_get(args, "key"), *value = json_object_get(args, "value");
    if (!json_is_integer(key) || !json_is_integer(value) || json_integer_value(key) < 0 ||
        json_integer_value(key) >= RAFT_KEYS_MAX)
        return refuse(result, "wants {key = k, value = v} with integers");
    raft_entry e = {.kind = RAFT_E_OP};
    e.op.client = -1;
    e.op.f = DSIM_F_WRITE;
    e.op.key = (uint32_t)json_integer_value(key);
    e.op.value = json_integer_value(value);
    return lead_append(n, &e, result);
}

static int set_log(dsim_node *n, const json_t *args, json_t *result)
{
    json_t *terms = json_object_get(args, "terms"), *term = json_object_get(args, "term");
    uint64_t t[RAFT_LOG_MAX];
    size_t i;
    json_t *v;
    if (raft_of(n)->started)
        return refuse(result, "set_log is for scripted setups before c:run");
    if (!json_is_array(terms) || json_array_size(terms) > RAFT_LOG_MAX || !json_is_integer(term))
        return refuse(result, "wants {terms = {t1, t2, ...}, term = T}");
    uint64_t prev = 0;
    json_array_foreach(terms, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)prev || json_integer_value(v) < 1)
            return refuse(result, "terms must be a non-decreasing list of positive integers");
        t[i] = prev = (uint64_t)json_integer_value(v);
    }
    if (json_integer_value(term) < (json_int_t)prev)
        return refuse(result, "term must be at least the last entry's term");
    raft_write_log(n, t, (int)json_array_size(terms), (uint64_t)json_integer_value(term));
    return 0;
}

int raft_control(dsim_node *n, const char *verb, const json_t *args, json_t *result)
{
    raft_state *s = raft_of(n);
    if (strcmp(verb, "set_log") == 0)
        return set_log(n, args, result);
    if (strcmp(verb, "liveness_failed") == 0) {
        const char *why = json_string_value(json_object_get(args, "why"));
        snprintf(s->liveness, sizeof s->liveness, "%s", why ? why : "(no reason given)");
        return 0;
    }
    if (!s->started)
        return refuse(result, "the node has not started; call this after c:run began");
    if (strcmp(verb, "campaign") == 0) {
        if (!raft_is_member(s, dsim_id(n)))
            return refuse(result, "not a member");
        s->prevoting = false;
        raft_campaign(n, false);
        return 0;
    }
    if (strcmp(verb, "transfer") == 0)
        return transfer(n, args, result);
    if (strcmp(verb, "add_node") == 0 || strcmp(verb, "remove_node") == 0)
        return change_one(n, args, result, verb[0] == 'a');
    if (strcmp(verb, "set_config") == 0)
        return set_config(n, args, result);
    if (strcmp(verb, "propose") == 0)
        return propose(n, args, result);
    return refuse(result, "unknown verb (campaign, transfer, add_node, remove_node, set_config, "
                          "propose, set_log)");
}

/* After the commit index moved: a leader outside its committed
** configuration steps down. */
void raft_after_config_commit(dsim_node *n)
{
    raft_state *s = raft_of(n);
    if (s->role == RAFT_LEADER && s->config_index <= s->commit && !raft_is_member(s, dsim_id(n)))
        raft_become_follower(n, s->term, RAFT_NONE);
}

/*
** script_check.c — the checks a scenario can ask for with c:check{...}, by name.
**
** Each entry turns what the run left behind (the client history as JSON
** lines, the protocol's emitted events, the nodes' inspected state, the
** invariant record) into a report: a JSON object with at least "valid":
** true, false or "unknown". History checkers live in sim/check/ and see
** text only; this file is the one place that hands them the run.
** Adding a check: one function and one row in 'script_checks' (its name,
** summary and options are what 'dsim list checks' and c:check's errors
** print: they are written nowhere else).
*/
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "txn.h"
#include "script.h"
#include "world.h"

static json_t *check_invariants(dsim_world *w, const char *name, const json_t *args, char *err, size_t cap)
{
    (void)name;
    (void)args, (void)err, (void)cap;
    if (!w->proto->invariants)
        return json_pack("{s:b, s:s}", "valid", 1, "note", "the protocol defines no invariants");
    if (w->invariants_every == 0)
        return json_pack("{s:s, s:s}", "valid", "unknown", "note", "invariant checking was off");
    if (!w->invariant_violation)
        return json_pack("{s:b, s:I}", "valid", 1, "checks", (json_int_t)w->stats.invariant_checks);
    return json_pack("{s:b, s:s, s:f}", "valid", 0, "violation", w->invariant_violation,
                     "t_ms", (double)w->invariant_violation_t / 1e6);
}

static check_budget budget_of(const json_t *args)
{
    check_budget b = {0, 0};
    json_t *s = json_object_get(args, "budget_states"), *t = json_object_get(args, "budget_seconds");
    if (json_is_integer(s) && json_integer_value(s) > 0)
        b.states_max = (uint64_t)json_integer_value(s);
    if (json_is_number(t))
        b.seconds_max = json_number_value(t);
    return b;
}

static json_t *check_lin(dsim_world *w, const char *name, const json_t *args, char *err, size_t cap)
{
    (void)name;
    json_t *report = json_object();
    check_budget budget = budget_of(args);
    const char *model = json_string_value(json_object_get(args, "model"));
    if (model == NULL)
        model = w->wl ? w->wl->model : NULL;
    if (model == NULL) {
        json_decref(report);
        snprintf(err, cap, "workload '%s' has no linearizability model (name one: model = ...)",
                 w->workload.name);
        return NULL;
    }
    check_verdict v = check_linearizable(w->hist ? w->hist : "", w->hist_len, "history", "json",
                                         model, &budget,
                                         report, err, cap);
    if (v == CHECK_BAD_INPUT) {
        json_decref(report);
        return NULL;
    }
    return report;
}

/* Mutual exclusion of lock holders from the emitted events; the end of the
** run goes along as "t_end" for the liveness argument. */
static json_t *check_mutex_run(dsim_world *w, const char *name, const json_t *args, char *err, size_t cap)
{
    (void)name;
    json_t *a = json_is_object(args) ? json_deep_copy(args) : json_object();
    json_object_set_new(a, "t_end", json_integer((json_int_t)w->now));
    json_t *report = json_object();
    check_verdict v = check_mutex(world_emitted(w), a, report);
    json_decref(a);
    if (v == CHECK_BAD_INPUT) {
        snprintf(err, cap, "%s", json_string_value(json_object_get(report, "error")));
        json_decref(report);
        return NULL;
    }
    return report;
}

/* ZooKeeper's guarantees from the emitted zk_op events (sim/check/zk_check.c). */
static json_t *check_zk_run(dsim_world *w, const char *name, const json_t *args, char *err, size_t cap)
{
    (void)name;
    json_t *report = json_object();
    if (check_zk(world_emitted(w), args, report, err, cap) == CHECK_BAD_INPUT) {
        json_decref(report);
        return NULL;
    }
    return report;
}

static json_t *text_check(dsim_world *w, const json_t *args, char *err, size_t cap, bool causal)
{
    json_t *report = json_object();
    const char *crit = json_string_value(json_object_get(args, "criterion"));
    check_budget budget = budget_of(args);
    check_verdict v = causal
        ? check_causal(w->hist ? w->hist : "", w->hist_len, "history", "json", crit ? crit : "all",
                       report, err, cap)
        : check_sequential(w->hist ? w->hist : "", w->hist_len, "history", "json", &budget,
                           report, err, cap);
    if (v == CHECK_BAD_INPUT) {
        json_decref(report);
        return NULL;
    }
    return report;
}

/* Causal consistency (CC, CM, CCv; option criterion = "cc"|"cm"|"ccv"|"all"). */
static json_t *check_causal_run(dsim_world *w, const char *name, const json_t *args, char *err, size_t cap)
{
    (void)name;
    return text_check(w, args, err, cap, true);
}

static json_t *check_sequential_run(dsim_world *w, const char *name, const json_t *args, char *err, size_t cap)
{
    (void)name;
    return text_check(w, args, err, cap, false);
}

/* Convergence: every up node's replica state must be equal. The state is
** the "kv" object of the protocol's inspect, or else its "state_digest";
** option nodes = {...} limits the comparison to those nodes (1-based);
** held = true compares each key among the replicas that list it. */
static json_t *check_convergence_run(dsim_world *w, const char *name, const json_t *args, char *err, size_t cap)
{
    (void)name;
    json_t *only = json_object_get(args, "nodes");
    json_t *replicas = json_array();
    for (int i = 0; i < w->nodes_len; i++) {
        bool wanted = !json_is_array(only);
        size_t j;
        json_t *x;
        json_array_foreach(only, j, x)
            wanted = wanted || json_integer_value(x) == i + 1;
        if (!wanted || w->nodes[i].status == NODE_CRASHED)
            continue;
        json_t *o = json_object();
        node_inspect(&w->nodes[i], o);
        json_t *kv = json_object_get(o, "kv");
        json_t *digest = json_object_get(o, "state_digest");
        if (json_is_object(kv))
            json_array_append(replicas, kv);
        else if (digest)
            json_array_append_new(replicas, json_pack("{s:O}", "state_digest", digest));
        json_decref(o);
    }
    if (json_array_size(replicas) == 0) {
        snprintf(err, cap, "protocol '%s' shows no replica state (\"kv\" or \"state_digest\" in inspect)",
                 w->proto->name);
        json_decref(replicas);
        return NULL;
    }
    json_t *report = json_object();
    check_convergence_held(replicas, json_is_true(json_object_get(args, "held")), report);
    json_decref(replicas);
    return report;
}

/* Consensus on one value from the history: 'write v' proposes (ok: v was
** chosen), 'read' learns. */
static json_t *check_consensus_run(dsim_world *w, const char *name, const json_t *args, char *err,
                                   size_t cap)
{
    (void)name, (void)args;
    json_t *report = json_object();
    check_verdict v = check_consensus(w->hist ? w->hist : "", w->hist_len, "history", report, err, cap);
    if (v == CHECK_BAD_INPUT) {
        json_decref(report);
        return NULL;
    }
    return report;
}

/* Transactional isolation (issue 13): every consistency model of txn.h is
** a check name ("serializable", "snapshot-isolation", ...; the row below
** stands for all of them), judged on the run's history. A history of other
** operations (read, write, cas) is an error naming its first line: the txn
** checks need txn-append or txn-rw histories, and a silent pass would be
** false. An empty history holds (nothing to refute). */
static json_t *check_txn_run(dsim_world *w, const char *name, const json_t *args, char *err,
                             size_t cap)
{
    json_t *report = json_object();
    check_budget budget = budget_of(args);
    check_verdict v = check_txn(w->hist ? w->hist : "", w->hist_len, "history", "json", NULL,
                                name, &budget, report, err, cap);
    if (v == CHECK_BAD_INPUT) {
        json_decref(report);
        return NULL;
    }
    return report;
}

/* The workload checkers of check.h on the run's history ("counter",
** "set-full" with option linearizable = true|false, "total-queue"). */
static json_t *workload_check(dsim_world *w, const json_t *args, char *err, size_t cap, char which)
{
    json_t *report = json_object();
    const char *text = w->hist ? w->hist : "";
    check_verdict v = which == 'c' ? check_counter(text, w->hist_len, "history", "json", report, err, cap)
        : which == 's' ? check_set_full(text, w->hist_len, "history", "json",
                                        json_is_true(json_object_get(args, "linearizable")), report,
                                        err, cap)
        : which == 'l' ? check_lost_update(text, w->hist_len, "history", "json",
                                           json_is_true(json_object_get(args, "every_read")), report,
                                           err, cap)
        : which == 'r' ? check_resize(text, w->hist_len, "history", "json", report, err, cap)
        : check_total_queue(text, w->hist_len, "history", "json", report, err, cap);
    if (v == CHECK_BAD_INPUT) {
        json_decref(report);
        return NULL;
    }
    return report;
}

/* Jepsen's bank checker (issue 12): the total is option 'total', else the
** bank workload's accounts x balance, else the first read's sum; option
** negative = true allows negative balances. */
static json_t *check_bank_run(dsim_world *w, const char *name, const json_t *args, char *err,
                              size_t cap)
{
    (void)name;
    json_t *report = json_object();
    const json_t *t = json_object_get(args, "total");
    int64_t total = json_is_integer(t) ? (int64_t)json_integer_value(t)
        : w->wl && strcmp(w->wl->name, "bank") == 0
            ? (int64_t)w->workload.accounts * w->workload.balance : -1;
    check_verdict v = check_bank(w->hist ? w->hist : "", w->hist_len, "history", "json", total,
                                 json_is_true(json_object_get(args, "negative")), report, err, cap);
    if (v == CHECK_BAD_INPUT) {
        json_decref(report);
        return NULL;
    }
    return report;
}

/* Session guarantees per Jepsen process (issue 17): RYW, MR, MW, WFR and
** consistent prefix of the run's register/kv/txn-rw history. */
static json_t *check_session_run(dsim_world *w, const char *name, const json_t *args, char *err,
                                 size_t cap)
{
    (void)name, (void)args;
    json_t *report = json_object();
    check_verdict v = check_session(w->hist ? w->hist : "", w->hist_len, "history", "json", report,
                                    err, cap);
    if (v == CHECK_BAD_INPUT) {
        json_decref(report);
        return NULL;
    }
    return report;
}

static json_t *check_counter_run(dsim_world *w, const char *name, const json_t *args, char *err,
                                 size_t cap)
{
    (void)name;
    return workload_check(w, args, err, cap, 'c');
}

static json_t *check_set_full_run(dsim_world *w, const char *name, const json_t *args, char *err,
                                  size_t cap)
{
    (void)name;
    return workload_check(w, args, err, cap, 's');
}

static json_t *check_lost_update_run(dsim_world *w, const char *name, const json_t *args, char *err,
                                     size_t cap)
{
    (void)name;
    return workload_check(w, args, err, cap, 'l');
}

static json_t *check_resize_run(dsim_world *w, const char *name, const json_t *args, char *err,
                                 size_t cap)
{
    (void)name;
    return workload_check(w, args, err, cap, 'r');
}

static json_t *check_total_queue_run(dsim_world *w, const char *name, const json_t *args, char *err,
                                     size_t cap)
{
    (void)name;
    return workload_check(w, args, err, cap, 'q');
}

const script_check script_checks[] = {
    {"linearizable", check_lin,
     "the client history is linearizable (per key; the workload's model unless 'model')",
     "model (a 'dsim list models' linearizability model), budget_states, budget_seconds"},
    {"invariants", check_invariants,
     "the protocol's invariants held at every check (the cluster's 'invariants' field)", ""},
    {"zk", check_zk_run,
     "ZooKeeper's guarantees from the zk kv clients' events: reads and writes sequentially "
     "consistent, writes and reads after sync linearizable", ""},
    {"mutex", check_mutex_run,
     "mutual exclusion from the lock events: no two holders wrote, no stale fencing token accepted",
     "fencing (bool; default: whether tokens were seen), liveness_ms, fifo (bool), "
     "wakeups_per_acquire_max"},
    {"causal", check_causal_run,
     "causal consistency of the register history (CC, CM, CCv by bad patterns)",
     "criterion (cc, cm, ccv or all; default all)"},
    {"sequential", check_sequential_run,
     "sequential consistency of the register history (search with memoisation)",
     "budget_states, budget_seconds"},
    {"convergence", check_convergence_run,
     "every up replica holds the same state (inspect's \"kv\", else \"state_digest\")",
     "nodes (list of 1-based nodes to compare; default all), held (bool: compare each key only "
     "among the replicas that list it, for partitioned stores; default false)"},
    {"consensus", check_consensus_run,
     "one value decided: every client that learnt a value (ok write v, or read v) learnt the same, "
     "and some client proposed it", ""},
    {"counter", check_counter_run,
     "every read of the counter lies between the acknowledged and the attempted sums (Jepsen)", ""},
    {"set-full", check_set_full_run,
     "no acknowledged add is lost from the set; with linearizable, none is missed by a later read",
     "linearizable (bool; default false)"},
    {"lost-update", check_lost_update_run,
     "no acknowledged register write is forgotten: the last read after it never returns a value it "
     "overwrote (last-write-wins loses writes)",
     "every_read (bool: judge every read after the write, for stores without stale reads; default false)"},
    {"total-queue", check_total_queue_run,
     "every dequeued value was enqueued, none twice, none acknowledged lost (after a drain)", ""},
    {"bank", check_bank_run,
     "every read of all balances sums to the total and shows no negative balance (Jepsen's bank)",
     "total (integer; default: the bank workload's accounts x balance), negative (bool: allowed)"},
    {"resize", check_resize_run,
     "every thumbnail is made from the image version its queue message announced, or a newer one "
     "(the resize workload, demo C5)", ""},
    {"session", check_session_run,
     "session guarantees per client process: read-your-writes, monotonic reads and writes, "
     "writes-follow-reads, consistent prefix (register, kv, txn-rw histories)", ""},
    {"serializable", check_txn_run,
     "transactional isolation of a txn history (Elle's anomalies); every consistency model "
     "of 'dsim check --help' is a check name too (snapshot-isolation, strict-serializable, ...)",
     "budget_states, budget_seconds"},
    {NULL, NULL, NULL, NULL},
};

const script_check *script_check_find(const char *name)
{
    for (const script_check *c = script_checks; name && c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    for (const script_check *c = script_checks; name && c->name; c++)
        if (c->fn == check_txn_run && txn_model_find(name) != NULL)
            return c;   /* the txn row stands for every consistency model */
    return NULL;
}

const char *script_check_names(char *buf, size_t cap)
{
    DSIM_ASSERT(cap > 0);
    buf[0] = '\0';
    size_t used = 0;
    for (const script_check *c = script_checks; c->name && used < cap; c++) {
        int n = snprintf(buf + used, cap - used, "%s%s", c == script_checks ? "" : ", ", c->name);
        used += n > 0 ? (size_t)n : 0;
    }
    return buf;
}

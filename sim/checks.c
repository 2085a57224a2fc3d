/*
** checks.c — the checks a scenario can ask for with c:check{...}, by name.
**
** Each entry turns what the run left behind (the client history as JSON
** lines, the protocol's emitted events, the nodes' inspected state, the
** invariant record) into a report: a JSON object with at least "valid":
** true, false or "unknown". History checkers live in sim/check/ and see
** text only; this file is the one place that hands them the run.
** Adding a check: one function and one row in 'checks'.
*/
#include <stdio.h>
#include <string.h>

#include "check/check.h"
#include "world.h"

static json_t *check_invariants(dsim_world *w, const json_t *args, char *err, size_t cap)
{
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

static json_t *check_lin(dsim_world *w, const json_t *args, char *err, size_t cap)
{
    json_t *report = json_object();
    check_budget budget = budget_of(args);
    const char *model = json_string_value(json_object_get(args, "model"));
    check_verdict v = check_linearizable(w->hist ? w->hist : "", w->hist_len, "history", "json",
                                         model ? model : workload_model(&w->workload), &budget,
                                         report, err, cap);
    if (v == CHECK_BAD_INPUT) {
        json_decref(report);
        return NULL;
    }
    return report;
}

/* Mutual exclusion of lock holders from the emitted events; the end of the
** run goes along as "t_end" for the liveness argument. */
static json_t *check_mutex_run(dsim_world *w, const json_t *args, char *err, size_t cap)
{
    json_t *a = json_is_object(args) ? json_deep_copy(args) : json_object();
    json_object_set_new(a, "t_end", json_integer((json_int_t)w->now));
    json_t *report = json_object();
    check_verdict v = check_mutex(w->emitted, a, report);
    json_decref(a);
    if (v == CHECK_BAD_INPUT) {
        snprintf(err, cap, "%s", json_string_value(json_object_get(report, "error")));
        json_decref(report);
        return NULL;
    }
    return report;
}

typedef struct check_entry {
    const char *name;
    world_check_fn fn;
} check_entry;

static const check_entry checks[] = {
    {"linearizable", check_lin},
    {"invariants", check_invariants},
    {"mutex", check_mutex_run},
    {NULL, NULL},
};

world_check_fn checks_find(const char *name)
{
    for (const check_entry *c = checks; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c->fn;
    return NULL;
}

const char *checks_names(void)
{
    return "linearizable, invariants, mutex";
}

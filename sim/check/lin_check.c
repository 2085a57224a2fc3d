/*
** lin_check.c — 'check_linearizable': read, partition per key, search each
** partition, explain each failing one, and build the JSON report.
**
** A NULL 'report' asks for the verdict only: no explanation is computed.
**
** Verdict: a violation if any partition fails (even when others ran out of
** budget: one proven failure is enough); else unknown if any partition ran
** out of budget; else ok. An empty history is linearizable.
**
** Report (keys owned here):
**   valid: true | false | "unknown", checker: "linearizable", model, format,
**   source, ops, dropped, states, partitions_total, partitions_failed,
**   partitions_unknown, partitions: [ {key, ops, valid, states, and when
**   false: fails_at (the operation whose completion no linearization
**   reaches), core (operations that cannot be linearized together),
**   core_minimal, prefix: {events, end_line, ops, linearization}, why:
**   {state, state_op, set_by, needs, ended_by, legal_there} (lin_why.c)} ].
**   Partitions that passed are listed too; with more than 'PARTS_LISTED'
**   partitions only the failing and unknown ones are.
** An operation in the report: {index, process, f, value, result, status,
** invoke_line, complete_line, node (when the history names the node that
** served it), invoke_time, complete_time}.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_assert.h"
#include "hosttime.h"
#include "lin.h"

enum { PARTS_LISTED = 64 };

static json_t *value_json(const hist_value *v)
{
    switch (v->kind) {
    case HIST_NIL: return json_null();
    case HIST_BOOL: return json_boolean(v->i);
    case HIST_INT: return json_integer((json_int_t)v->i);
    case HIST_STR: return json_stringn(v->s, v->len);
    case HIST_KEYWORD: {
        char buf[128];
        snprintf(buf, sizeof buf, ":%s", v->s);
        return json_string(buf);
    }
    case HIST_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->len; i++)
            json_array_append_new(a, value_json(v->items[i]));
        return a;
    }
    }
    return json_null();
}

static json_t *op_json(const hist *h, const lin_parts *ps, uint32_t src)
{
    static const char *const status[] = {"ok", "fail", "info", "open"};
    const hist_op *op = &ps->hops[src];
    const hist_event *inv = &h->events[op->invoke];
    const hist_event *cmp = op->complete != HIST_NO_EVENT ? &h->events[op->complete] : NULL;
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(src));
    json_object_set_new(o, "process", json_integer(inv->process));
    json_object_set_new(o, "f", json_string(inv->f));
    if (inv->key != NULL)
        json_object_set_new(o, "key", json_string(inv->key));
    json_object_set_new(o, "value", value_json(inv->value));
    json_object_set_new(o, "result", cmp && op->status == HIST_OP_OK ? value_json(cmp->value)
                                                                      : json_null());
    json_object_set_new(o, "status", json_string(status[op->status]));
    json_object_set_new(o, "invoke_line", json_integer(inv->line));
    json_object_set_new(o, "complete_line", cmp ? json_integer(cmp->line) : json_null());
    if (cmp != NULL && cmp->node != NULL)
        json_object_set_new(o, "node", json_string(cmp->node));
    if (inv->time >= 0)
        json_object_set_new(o, "invoke_time", json_integer(inv->time));
    if (cmp != NULL && cmp->time >= 0)
        json_object_set_new(o, "complete_time", json_integer(cmp->time));
    return o;
}

/* The state account (lin_why.c) as {state, state_op, set_by, needs,
** ended_by, legal_there}; operations as in the core. */
static json_t *why_json(const hist *h, const lin_parts *ps, const lin_part *p,
                        const lin_why_out *w)
{
    json_t *o = json_object();
    json_object_set_new(o, "state", json_string(w->state));
    if (w->anchor >= 0)
        json_object_set_new(o, "state_op", op_json(h, ps, p->ops[w->anchor].src));
    if (w->set_by >= 0)
        json_object_set_new(o, "set_by", op_json(h, ps, p->ops[w->set_by].src));
    if (w->ended_by >= 0) {
        json_object_set_new(o, "needs", json_string(w->needs));
        json_object_set_new(o, "ended_by", op_json(h, ps, p->ops[w->ended_by].src));
    }
    json_object_set_new(o, "legal_there", json_boolean(w->legal_there));
    return o;
}

/* Adds the explanation of a failing partition to 'pj'. -1 on OOM. */
static int explain(lin_ctx *c, const lin_model *m, const lin_parts *ps, const lin_part *p,
                   const lin_outcome *o, double deadline, json_t *pj)
{
    const lin_op *blk = &p->ops[o->block_op];
    json_object_set_new(pj, "fails_at", op_json(c->h, ps, blk->src));
    json_t *prefix = json_object(), *lin = json_array();
    uint32_t end_line = blk->ret_pos > 0 ? c->h->events[blk->ret_pos - 1].line : 0;
    json_object_set_new(prefix, "events", json_integer((json_int_t)blk->ret_pos));
    json_object_set_new(prefix, "end_line", json_integer(end_line));
    json_object_set_new(prefix, "ops", json_integer((json_int_t)o->prefix_count));
    for (size_t i = 0; i < o->prefix_count; i++)
        json_array_append_new(lin, json_integer(p->ops[o->prefix[i]].src));
    json_object_set_new(prefix, "linearization", lin);
    /* the model's state after the prefix: what the blocked operation met */
    lin_state st = m->init(c);
    for (size_t i = 0; i < o->prefix_count; i++) {
        lin_state next = st;
        bool legal = m->step(c, st, &p->ops[o->prefix[i]], &next);
        CHECK_ASSERT(legal);   /* a linearization: every step is legal */
        (void)legal;
        st = next;
    }
    char buf[512];
    m->describe(c, st, buf, sizeof buf);
    json_object_set_new(prefix, "state", json_string(buf));
    json_object_set_new(pj, "prefix", prefix);
    uint32_t *keep = NULL;
    size_t kn = 0;
    bool minimal = false;
    if (lin_explain(c, m, p->ops, p->count, o->block_op, deadline, &keep, &kn, &minimal) != 0)
        return -1;
    json_t *core = json_array();
    for (size_t i = 0; i < kn; i++)
        json_array_append_new(core, op_json(c->h, ps, p->ops[keep[i]].src));
    json_object_set_new(pj, "core", core);
    json_object_set_new(pj, "core_minimal", json_boolean(minimal));
    lin_why_out why;
    int rc = lin_why(c, m, p->ops, p->count, o->prefix, o->prefix_count, o->block_op, keep, kn,
                     &why);
    if (rc == 0 && why.ok)
        json_object_set_new(pj, "why", why_json(c->h, ps, p, &why));
    free(keep);
    return rc;
}

typedef struct tally { size_t failed, unknown; uint64_t states; } tally;

/* Takes the outcome of run 'r' into 'res' (copying the prefix, which the
** run owns) and frees the run. -1 on OOM. */
static int settle(lin_run **r, const lin_outcome *o, lin_outcome *res, tally *t)
{
    *res = *o;
    res->prefix = NULL;
    if (o->prefix_count > 0) {
        res->prefix = malloc(o->prefix_count * sizeof *res->prefix);
        if (res->prefix == NULL)
            return -1;
        memcpy(res->prefix, o->prefix, o->prefix_count * sizeof *res->prefix);
    }
    t->states += o->states;
    t->failed += o->result == LIN_FAIL;
    t->unknown += o->result == LIN_UNKNOWN;
    lin_run_free(*r);
    *r = NULL;
    return 0;
}

/* Decides the partitions in rounds: every undecided partition's search
** goes on until its memo holds 1024 states, then 4096, ... (x4 each
** round, capped by the caller's 'states_max'; a partition left alone gets
** the whole budget at once). The searches are resumed, not restarted, so
** a round costs only its new states. This finds the cheapest proof of a
** violation first (like checking partitions in parallel and stopping at
** the first failure) while staying deterministic. The live searches share
** LIN_MEMO_BYTES_MAX; a search stopped by its share goes on in a later
** round if others finished, and a round where no search moves ends the
** checking (unknown). After a round that proved a violation, the
** undecided partitions stay LIN_UNKNOWN with 'undecided' set. Returns 0,
** or -1 on OOM. */
static int decide(lin_ctx *c, const lin_model *m, const lin_parts *ps, const lin_limits *lim,
                  bool want_prefix, lin_outcome *res, bool *undecided, tally *t)
{
    size_t n = ps->count, left = n;
    lin_run **runs = calloc(n + 1, sizeof *runs);
    int rc = runs ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        res[i] = (lin_outcome){.result = LIN_UNKNOWN};
        undecided[i] = true;
        runs[i] = lin_run_new(c, m, ps->parts[i].ops, ps->parts[i].count, want_prefix);
        rc = runs[i] ? 0 : -1;
    }
    bool progress = true;
    for (uint64_t round = 1024; rc == 0 && left > 0 && t->failed == 0 && progress; round *= 4) {
        bool last = left <= 1 || (lim->states_max != 0 && round >= lim->states_max);
        uint64_t budget = last ? lim->states_max : round;
        size_t memo_share = LIN_MEMO_BYTES_MAX / left;   /* live memos share the cap */
        progress = false;
        for (size_t i = 0; i < n && rc == 0; i++) {
            lin_outcome o;
            if (!undecided[i])
                continue;
            uint64_t before = res[i].states;
            rc = lin_run_continue(runs[i], budget, memo_share, lim->deadline, &o);
            if (rc != 0)
                break;
            progress |= o.states > before || o.result != LIN_UNKNOWN;
            bool timed_out = lim->deadline > 0 && host_seconds() > lim->deadline;
            if (o.result != LIN_UNKNOWN || last || timed_out) {
                undecided[i] = false;
                left--;
                rc = settle(&runs[i], &o, &res[i], t);
            } else {
                res[i] = (lin_outcome){.result = LIN_UNKNOWN, .states = o.states};
            }
        }
    }
    for (size_t i = 0; runs != NULL && i < n; i++) {
        if (runs[i] != NULL) {   /* a violation elsewhere, or no memory left */
            t->states += res[i].states;
            t->unknown++;
            undecided[i] = t->failed > 0;
        }
        lin_run_free(runs[i]);
    }
    free(runs);
    return rc;
}

/* The report of partition 'i', with the explanation when it failed. */
static int part_report(lin_ctx *c, const lin_model *m, const lin_parts *ps, size_t i,
                       const lin_outcome *o, bool undecided, const lin_limits *lim,
                       json_t *parts)
{
    const lin_part *p = &ps->parts[i];
    json_t *pj = json_object();
    json_object_set_new(pj, "key", p->key ? json_string(p->key) : json_null());
    json_object_set_new(pj, "ops", json_integer((json_int_t)p->count));
    json_object_set_new(pj, "states", json_integer((json_int_t)o->states));
    json_object_set_new(pj, "valid", o->result == LIN_OK     ? json_true()
                                     : o->result == LIN_FAIL ? json_false()
                                                             : json_string("unknown"));
    if (o->result == LIN_UNKNOWN)
        json_object_set_new(pj, "reason", json_string(
            undecided ? "not decided: a violation was proven in another partition first"
                      : "budget exhausted (states, seconds or memory)"));
    json_array_append_new(parts, pj);
    if (o->result != LIN_FAIL)
        return 0;
    /* with a deadline, explaining gets at least half a second past it */
    double deadline = lim->deadline > 0 ? lim->deadline : 0;
    if (deadline > 0 && deadline < host_seconds() + 0.5)
        deadline = host_seconds() + 0.5;
    return explain(c, m, ps, p, o, deadline, pj);
}

static void summary(json_t *report, const lin_model *m, const hist *h, const lin_parts *ps,
                    const tally *t, hist_format fmt)
{
    json_object_set_new(report, "checker", json_string("linearizable"));
    json_object_set_new(report, "valid", t->failed ? json_false()
                                         : t->unknown ? json_string("unknown") : json_true());
    json_object_set_new(report, "model", json_string(m->name));
    json_object_set_new(report, "format", json_string(hist_format_name(fmt)));
    json_object_set_new(report, "source", json_string(h->source));
    json_object_set_new(report, "ops", json_integer((json_int_t)ps->hop_count));
    json_object_set_new(report, "dropped", json_integer((json_int_t)ps->dropped));
    json_object_set_new(report, "states", json_integer((json_int_t)t->states));
    json_object_set_new(report, "partitions_total", json_integer((json_int_t)ps->count));
    json_object_set_new(report, "partitions_failed", json_integer((json_int_t)t->failed));
    json_object_set_new(report, "partitions_unknown", json_integer((json_int_t)t->unknown));
}

/* Keeps only the failing and unknown partitions when there are many. */
static json_t *trim_parts(json_t *parts)
{
    if (json_array_size(parts) <= PARTS_LISTED)
        return parts;
    json_t *kept = json_array();
    size_t i;
    json_t *pj;
    json_array_foreach(parts, i, pj)
        if (!json_is_true(json_object_get(pj, "valid")))
            json_array_append(kept, pj);
    json_decref(parts);
    return kept;
}

static lin_limits limits_of(const check_budget *b)
{
    lin_limits lim = {0};
    if (b != NULL) {
        lim.states_max = b->states_max;
        lim.deadline = b->seconds_max > 0 ? host_seconds() + b->seconds_max : 0;
    }
    return lim;
}

/* Decides 'ps' for a report: the verdict-only search first (it cuts
** doomed states, see lin_search.c), and only when it did not prove every
** partition linearizable, the search that records the longest prefix,
** from scratch and as it always ran, whose outcomes replace the first
** ones: a failing or undecided report is the same one, its states
** included, as that search alone gives; a linearizable one differs only by
** counting the first search's states. Both searches get the same budget
** (the deadline is one for both), so a budget that stops the first one
** leaves the verdict to the second, which never answers ok without a
** linearization either. Without a 'doomed' test the two searches are
** the same search, so only the second runs; 'recording_only' (the tests
** compare the two ways) skips the first one always. Returns 0, or -1 on
** OOM. */
static int decide_report(lin_ctx *c, const lin_model *m, const lin_parts *ps,
                         const lin_limits *lim, bool recording_only, lin_outcome *res,
                         bool *undecided, tally *t)
{
    if (!recording_only && m->doomed != NULL) {
        int rc = decide(c, m, ps, lim, false, res, undecided, t);
        if (rc != 0 || (t->failed == 0 && t->unknown == 0))
            return rc;
        for (size_t i = 0; i < ps->count; i++)
            free(res[i].prefix);   /* none: a verdict-only search records no prefix */
        *t = (tally){0};
    }
    return decide(c, m, ps, lim, true, res, undecided, t);
}

static check_verdict run_checks(lin_ctx *c, const lin_model *m, hist_format fmt,
                                const check_budget *budget, bool recording_only,
                                json_t *report, char *err, size_t cap)
{
    lin_parts ps;
    if (lin_partition(c, m, &ps, err, cap) != 0)
        return CHECK_BAD_INPUT;
    lin_limits lim = limits_of(budget);
    tally t = {0};
    json_t *parts = json_array();
    lin_outcome *res = calloc(ps.count + 1, sizeof *res);
    bool *undecided = calloc(ps.count + 1, sizeof *undecided);
    int rc = !res || !undecided ? -1
             : report != NULL   ? decide_report(c, m, &ps, &lim, recording_only, res, undecided, &t)
                                : decide(c, m, &ps, &lim, false, res, undecided, &t);
    for (size_t i = 0; i < ps.count && rc == 0 && report != NULL; i++)
        rc = part_report(c, m, &ps, i, &res[i], undecided[i], &lim, parts);
    for (size_t i = 0; res != NULL && i < ps.count; i++)
        free(res[i].prefix);
    free(res);
    free(undecided);
    if (report != NULL) {
        summary(report, m, c->h, &ps, &t, fmt);
        json_object_set_new(report, "partitions", trim_parts(parts));
    } else {
        json_decref(parts);
    }
    lin_parts_free(&ps);
    if (rc != 0) {
        snprintf(err, cap, "%s: out of memory", c->h->source);
        return CHECK_BAD_INPUT;
    }
    return t.failed ? CHECK_VIOLATION : t.unknown ? CHECK_UNKNOWN : CHECK_OK;
}

check_verdict check_linearizable(const char *text, size_t len, const char *source,
                                 const char *format, const char *model,
                                 const check_budget *budget, json_t *report,
                                 char *err, size_t err_cap)
{
    return check_linearizable_opts(text, len, source, format, model, budget, NULL, report,
                                   err, err_cap);
}

/* A :txn operation is a multi-register transaction (Knossos's
** multi-register data): not a model of this checker. NULL when none. */
static const hist_event *first_txn(const hist *h)
{
    for (size_t i = 0; i < h->count; i++)
        if (strcmp(h->events[i].f, "txn") == 0)
            return &h->events[i];
    return NULL;
}

check_verdict check_linearizable_opts(const char *text, size_t len, const char *source,
                                      const char *format, const char *model,
                                      const check_budget *budget,
                                      const check_lin_options *opts, json_t *report,
                                      char *err, size_t err_cap)
{
    hist_format fmt = HIST_FMT_AUTO;
    const lin_model *m = model ? lin_model_find(model) : NULL;
    const char *initial = opts != NULL ? opts->initial : NULL;
    if (source == NULL)
        source = "history";
    if (format != NULL && hist_format_parse(format, &fmt) != 0) {
        snprintf(err, err_cap, "%s: unknown format '%s' (expected auto, json, edn, etcd or kv)",
                 source, format);
        return CHECK_BAD_INPUT;
    }
    if (m == NULL) {
        snprintf(err, err_cap, "%s: unknown model '%s' (expected register, cas-register, kv, "
                 "counter, set, queue, mutex or list-append)", source, model ? model : "(none)");
        return CHECK_BAD_INPUT;
    }
    if (initial != NULL && m != &lin_model_register && m != &lin_model_cas_register) {
        snprintf(err, err_cap, "%s: --initial applies to the register and cas-register models, "
                 "not %s", source, m->name);
        return CHECK_BAD_INPUT;
    }
    hist *h = hist_read(text, len, source, fmt, err, err_cap);
    if (h == NULL)
        return CHECK_BAD_INPUT;
    if (fmt == HIST_FMT_AUTO)
        fmt = hist_detect(text, len);
    const hist_event *txn = first_txn(h);
    lin_ctx c;
    check_verdict v = CHECK_BAD_INPUT;
    if (txn != NULL) {
        snprintf(err, err_cap, "%s:%u: expected operations of the %s model, got "
                   ":txn (a multi-register transaction): transactions are the transactional "
                   "checker's business, not a linearizable register's", source, txn->line, m->name);
    } else if (lin_ctx_init(&c, h) != 0) {
        snprintf(err, err_cap, "%s: out of memory", source);
    } else {
        if (initial != NULL && (c.initial = hist_parse_value(h, initial, err, err_cap)) == NULL) {
            size_t n = strlen(err);
            snprintf(err + n, err_cap - n, " (--initial)");
        } else {
            v = run_checks(&c, m, fmt, budget, opts != NULL && opts->recording_only, report,
                           err, err_cap);
            if (report != NULL && initial != NULL) {
                char buf[256];
                hist_value_format(c.initial, buf, sizeof buf);
                json_object_set_new(report, "initial", json_loads(buf, JSON_DECODE_ANY, NULL));
            }
        }
        lin_ctx_free(&c);
    }
    hist_free(h);
    return v;
}

check_verdict lin_check_hist(hist *h, const lin_model *m, const check_budget *budget,
                             uint64_t *states, char *err, size_t cap)
{
    lin_ctx c;
    lin_parts ps;
    if (lin_ctx_init(&c, h) != 0 || lin_partition(&c, m, &ps, err, cap) != 0) {
        lin_ctx_free(&c);
        return CHECK_BAD_INPUT;
    }
    lin_limits lim = limits_of(budget);
    tally t = {0};
    lin_outcome *res = calloc(ps.count + 1, sizeof *res);
    bool *undecided = calloc(ps.count + 1, sizeof *undecided);
    int rc = res && undecided ? decide(&c, m, &ps, &lim, false, res, undecided, &t) : -1;
    free(res);
    free(undecided);
    uint64_t total = t.states;
    size_t failed = t.failed, unknown = t.unknown;
    if (states != NULL)
        *states = total;
    lin_parts_free(&ps);
    lin_ctx_free(&c);
    if (rc != 0) {
        snprintf(err, cap, "%s: out of memory", h->source);
        return CHECK_BAD_INPUT;
    }
    return failed ? CHECK_VIOLATION : unknown ? CHECK_UNKNOWN : CHECK_OK;
}

check_verdict lin_report_hist(hist *h, const lin_model *m, hist_format fmt,
                              const check_budget *budget, bool recording_only, json_t *report,
                              char *err, size_t cap)
{
    lin_ctx c;
    if (lin_ctx_init(&c, h) != 0) {
        snprintf(err, cap, "%s: out of memory", h->source);
        return CHECK_BAD_INPUT;
    }
    check_verdict v = run_checks(&c, m, fmt, budget, recording_only, report, err, cap);
    lin_ctx_free(&c);
    return v;
}

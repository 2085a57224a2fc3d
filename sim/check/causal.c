/*
** causal.c — 'check_causal': reads a history, runs the bad-pattern analysis
** (causal_co.c, causal_cm.c) for CC, CM and/or CCv, and reports each
** criterion's verdict with the witness of every pattern found, in JSON
** (the report object) and in text (its "text" member).
**
** Which patterns decide which criterion (Bouajjani et al., POPL 2017):
**   CC  = no CyclicCO, WriteCOInitRead, ThinAirRead, WriteCORead
**   CM  = CC and no WriteHBInitRead, CyclicHB
**   CCv = CC and no CyclicCF
** When co itself is cyclic no other pattern is looked for (co is not an
** order, so the others are not defined); otherwise every pattern of the
** requested criteria is looked for and at most one witness of each kept.
*/
#include "causal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_assert.h"
#include "hosttime.h"

static const char *const pattern_names[CAUSAL_PATTERN_COUNT] = {
    "CyclicCO", "WriteCOInitRead", "ThinAirRead", "WriteCORead",
    "WriteHBInitRead", "CyclicHB", "CyclicCF",
};

/* One sentence per pattern for the text report. */
static const char *const pattern_why[CAUSAL_PATTERN_COUNT] = {
    "program order and read-from form a cycle",
    "a read returns the initial value although a write of its key is in its causal past",
    "a read returns a value that no write wrote",
    "a read returns a value that was overwritten in its causal past",
    "a read returns the initial value although a write of its key happened-before "
    "it in the view of o (hb_o)",
    "the happened-before relation hb_o of o is cyclic",
    "causal order and the conflict order between writes form a cycle",
};

static const char *const edge_names[] = {"", "po", "rf", "co", "hb", "cf"};

const char *causal_pattern_name(causal_pattern p)
{
    return p < CAUSAL_PATTERN_COUNT ? pattern_names[p] : "?";
}

static const unsigned pattern_criteria[CAUSAL_PATTERN_COUNT] = {
    CAUSAL_ALL, CAUSAL_ALL, CAUSAL_ALL, CAUSAL_ALL, CAUSAL_CM, CAUSAL_CM, CAUSAL_CCV,
};

bool causal_holds(const causal_result *r, unsigned criterion)
{
    for (int p = 0; p < CAUSAL_PATTERN_COUNT; p++)
        if (r->found[p] && (pattern_criteria[p] & criterion))
            return false;
    return true;
}

void causal_result_free(causal_result *r)
{
    for (int p = 0; p < CAUSAL_PATTERN_COUNT; p++)
        causal_witness_free(&r->w[p]);
    memset(r, 0, sizeof *r);
}

int causal_analyse(const causal_history *h, unsigned criteria, causal_result *r)
{
    CHECK_ASSERT(criteria != 0);
    CHECK_ASSERT((criteria & ~(unsigned)CAUSAL_ALL) == 0);
    CHECK_ASSERT((uint64_t)h->n_ops * h->n_sessions <= CAUSAL_VC_WORDS_MAX);
    memset(r, 0, sizeof *r);
    uint32_t *vc = malloc(((size_t)h->n_ops * h->n_sessions + 1) * sizeof *vc);
    if (vc == NULL)
        return -1;
    double t0 = host_seconds();
    int rc = causal_co_clocks(h, vc, &r->w[CAUSAL_CYCLIC_CO]);
    if (rc == 1) {
        r->found[CAUSAL_CYCLIC_CO] = true;
        free(vc);
        return 0;
    }
    if (rc == 0)
        rc = causal_cc_patterns(h, vc, r);
    double t1 = host_seconds();
    r->ms[0] = (t1 - t0) * 1e3;
    if (rc == 0 && (criteria & CAUSAL_CM))
        rc = causal_cm_patterns(h, vc, r);
    double t2 = host_seconds();
    r->ms[1] = (t2 - t1) * 1e3;
    if (rc == 0 && (criteria & CAUSAL_CCV))
        rc = causal_cf_pattern(h, vc, r);
    r->ms[2] = (host_seconds() - t2) * 1e3;
    free(vc);
    return rc == 0 ? 0 : -1;
}

/* --- reporting ----------------------------------------------------------- */

static void value_text(const causal_history *h, uint32_t id, char *buf, size_t cap)
{
    const causal_op *op = &h->ops[id];
    if (op->hv != NULL)
        hist_value_format(op->hv, buf, cap);
    else if (op->value == 0)
        snprintf(buf, cap, "null");
    else
        snprintf(buf, cap, "%u", op->value);
}

json_t *causal_op_json(const causal_history *h, uint32_t id)
{
    const causal_op *op = &h->ops[id];
    char val[256];
    value_text(h, id, val, sizeof val);
    json_t *v = json_loads(val, JSON_DECODE_ANY, NULL);
    const char *key = h->key_names[op->key];
    return json_pack("{s:I, s:I, s:s, s:o, s:o, s:I}", "index", (json_int_t)op->index,
                     "process", (json_int_t)h->session_process[op->session],
                     "f", op->is_write ? "write" : "read",
                     "key", key[0] ? json_string(key) : json_null(),
                     "value", v ? v : json_string(val), "line", (json_int_t)op->line);
}

void causal_op_text(const causal_history *h, uint32_t id, char *buf, size_t cap)
{
    const causal_op *op = &h->ops[id];
    char val[128];
    value_text(h, id, val, sizeof val);
    const char *key = h->key_names[op->key];
    int n = snprintf(buf, cap, "%s%s%s %s (process %lld", op->is_write ? "write" : "read",
                     key[0] ? " " : "", key, val,
                     (long long)h->session_process[op->session]);
    if (n >= 0 && (size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, op->line ? ", line %u)" : ", op %u)",
                 op->line ? op->line : op->index);
}

json_t *causal_witness_json(const causal_history *h, const causal_witness *w)
{
    json_t *ops = json_array(), *edges = json_array();
    for (uint32_t i = 0; i < w->n; i++) {
        json_array_append_new(ops, causal_op_json(h, w->ops[i]));
        if (w->edges[i] == CAUSAL_E_NONE)
            continue;
        json_t *e = json_pack("{s:s, s:I, s:I}", "kind", edge_names[w->edges[i]],
                              "from", (json_int_t)i, "to", (json_int_t)((i + 1) % w->n));
        if (w->vias[i] >= 0)
            json_object_set_new(e, "via", causal_op_json(h, (uint32_t)w->vias[i]));
        json_array_append_new(edges, e);
    }
    json_t *j = json_pack("{s:s, s:s, s:o, s:o}", "pattern", pattern_names[w->pattern],
                          "explanation", pattern_why[w->pattern], "ops", ops,
                          "edges", edges);
    if (w->o >= 0)
        json_object_set_new(j, "o", causal_op_json(h, (uint32_t)w->o));
    return j;
}

/* A growable text buffer; on allocation failure it stops growing. */
typedef struct tbuf { char *s; size_t len, cap; } tbuf;

static void tb_put(tbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 256) + n;
        char *p = realloc(b->s, cap);
        if (p == NULL)
            return;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

static void witness_text(const causal_history *h, const causal_witness *w, tbuf *b)
{
    char line[512], op[256];
    snprintf(line, sizeof line, "  %s: %s\n", pattern_names[w->pattern],
             pattern_why[w->pattern]);
    tb_put(b, line);
    if (w->o >= 0) {
        causal_op_text(h, (uint32_t)w->o, op, sizeof op);
        snprintf(line, sizeof line, "    o = %s\n", op);
        tb_put(b, line);
    }
    for (uint32_t i = 0; i < w->n; i++) {
        causal_op_text(h, w->ops[i], op, sizeof op);
        const char *e = edge_names[w->edges[i]];
        snprintf(line, sizeof line, "    %s%s%s%s\n", op, e[0] ? "  -" : "", e,
                 e[0] ? (i + 1 == w->n ? "-> (back to the first)" : "->") : "");
        tb_put(b, line);
        if (w->vias[i] >= 0) {
            causal_op_text(h, (uint32_t)w->vias[i], op, sizeof op);
            snprintf(line, sizeof line, "      (because of %s)\n", op);
            tb_put(b, line);
        }
    }
}

/* Fills report["criteria"][name] and the text for one criterion. */
static bool report_criterion(const causal_history *h, const causal_result *r,
                             unsigned crit, const char *name, json_t *criteria, tbuf *b)
{
    bool ok = causal_holds(r, crit);
    json_t *c = json_pack("{s:b}", "valid", ok);
    json_t *pats = json_array();
    char line[128];
    snprintf(line, sizeof line, "%s: %s\n", name, ok ? "ok" : "VIOLATED");
    tb_put(b, line);
    for (int p = 0; p < CAUSAL_PATTERN_COUNT; p++) {
        if (!r->found[p] || !(pattern_criteria[p] & crit))
            continue;
        json_array_append_new(pats, causal_witness_json(h, &r->w[p]));
        witness_text(h, &r->w[p], b);
    }
    json_object_set_new(c, "patterns", pats);
    json_object_set_new(criteria, name, c);
    return ok;
}

static int parse_criterion(const char *name, unsigned *out)
{
    static const struct { const char *name; unsigned bits; } table[] = {
        {"cc", CAUSAL_CC}, {"cm", CAUSAL_CM}, {"ccv", CAUSAL_CCV}, {"all", CAUSAL_ALL},
        {NULL, 0},
    };
    for (int i = 0; table[i].name != NULL; i++)
        if (!strcmp(table[i].name, name ? name : "all")) {
            *out = table[i].bits;
            return 0;
        }
    return -1;
}

/* Fills 'report' from an analysis; returns whether all criteria hold. */
static bool causal_report(const causal_history *h, const causal_result *r,
                          unsigned crit, json_t *report)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        {CAUSAL_CC, "cc"}, {CAUSAL_CM, "cm"}, {CAUSAL_CCV, "ccv"},
    };
    json_t *criteria = json_object();
    tbuf b = {0};
    bool ok = true;
    for (int i = 0; i < 3; i++)
        if (crit & names[i].bit)
            ok &= report_criterion(h, r, names[i].bit, names[i].name, criteria, &b);
    json_object_set_new(report, "model", json_string("causal"));
    json_object_set_new(report, "valid", json_boolean(ok));
    json_object_set_new(report, "criteria", criteria);
    json_object_set_new(report, "ops", json_integer(h->n_ops));
    json_object_set_new(report, "sessions", json_integer(h->n_sessions));
    json_object_set_new(report, "text", json_string(b.s ? b.s : ""));
    free(b.s);
    return ok;
}

check_verdict check_causal(const char *text, size_t len, const char *source,
                           const char *format, const char *criterion,
                           json_t *report, char *err, size_t err_cap)
{
    unsigned crit;
    if (parse_criterion(criterion, &crit) != 0) {
        snprintf(err, err_cap, "unknown criterion '%s' (cc, cm, ccv or all)", criterion);
        return CHECK_BAD_INPUT;
    }
    hist *hh;
    causal_history h;
    if (causal_load(text, len, source, format, &hh, &h, err, err_cap) != 0)
        return CHECK_BAD_INPUT;
    json_object_set_new(report, "source", json_string(hh->source));
    causal_result r;
    check_verdict v;
    if (causal_analyse(&h, crit, &r) != 0) {
        snprintf(err, err_cap, "%s: out of memory", hh->source);
        v = CHECK_BAD_INPUT;
    } else {
        v = causal_report(&h, &r, crit, report) ? CHECK_OK : CHECK_VIOLATION;
    }
    causal_result_free(&r);
    causal_history_free(&h);
    hist_free(hh);
    return v;
}

void causal_print_text(const json_t *report, FILE *out)
{
    const json_t *valid = json_object_get(report, "valid");
    fprintf(out, "%s: %s %s (%lld operations)\n",
            json_string_value(json_object_get(report, "source")) ?
                json_string_value(json_object_get(report, "source")) : "history",
            json_string_value(json_object_get(report, "model")),
            json_is_true(valid) ? "ok" : json_is_false(valid) ? "VIOLATED"
                                                              : "UNKNOWN: budget exhausted",
            (long long)json_integer_value(json_object_get(report, "ops")));
    const char *text = json_string_value(json_object_get(report, "text"));
    fputs(text ? text : "", out);
}

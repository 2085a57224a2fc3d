/*
** trace.c — the run's trace (JSON lines) and its readable log.
**
** Line 1 is a header (format version, dsim's version and build id,
** scenario, seed, protocol, sizes, options), then one line per kernel event ("t" true ns, "ev" kind, then
** the event's fields), a "verdict" line per check report, then a summary
** line (docs/trace.md). Keys keep insertion order, so
** the same run gives byte-identical trace files. Tracing only observes:
** nothing here touches the fingerprint, an RNG stream or the queue, so a
** run gives the same fingerprint with tracing on or off.
** The log (--log) prints the same events as aligned lines, coloured when
** the output is a terminal.
*/
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "logfilter.h"
#include "version.h"
#include "world.h"

const char *endpoint_name(const dsim_world *w, int ep, char *buf, size_t cap)
{
    DSIM_ASSERT(ep >= 0);
    DSIM_ASSERT(ep < w->net.endpoints);
    int slot = world_ep_slot(w, ep);
    if (slot >= 0 && slot < w->nodes_len)
        snprintf(buf, cap, "n%d", ep + 1);
    else if (slot >= 0)   /* a twin: its identity's name, primed */
        snprintf(buf, cap, "n%d'", w->nodes[slot].id + 1);
    else
        snprintf(buf, cap, "c%d", ep - w->nodes_len + 1);
    return buf;
}

/* Event kinds the failure report lists as faults (world.h 'faults'). */
static bool is_fault_ev(const char *ev)
{
    static const char *const kinds[] = {"crash", "restart", "pause", "resume", "partition",
                                        "heal", "clock", "net", "fault", "byzantine", "honest", NULL};
    /* Asked for every event while tracing is off ("op", "deliver", ...):
    ** the first letter rules most names out before any strcmp. */
    if (!ev || !strchr("bcfhnpr", ev[0]))
        return false;
    for (int i = 0; kinds[i]; i++)
        if (kinds[i][0] == ev[0] && strcmp(ev, kinds[i]) == 0)
            return true;
    return false;
}

json_t *trace_event(dsim_world *w, const char *ev)
{
    DSIM_ASSERT(ev != NULL);
    if (!trace_on(w) && !(w->fault_log && is_fault_ev(ev)))
        return NULL;
    json_t *e = json_pack("{s:I, s:s}", "t", (json_int_t)w->now, "ev", ev);
    DSIM_ASSERT(e != NULL);
    return e;
}

static const char *color_of(const char *ev)
{
    DSIM_ASSERT(ev != NULL);
    if (strcmp(ev, "drop") == 0 || strcmp(ev, "crash") == 0 || strcmp(ev, "invariant") == 0)
        return "\033[31m";
    if (strcmp(ev, "deliver") == 0 || strcmp(ev, "restart") == 0 || strcmp(ev, "resume") == 0)
        return "\033[32m";
    if (strcmp(ev, "op") == 0 || strcmp(ev, "emit") == 0 || strcmp(ev, "role") == 0)
        return "\033[36m";
    if (strcmp(ev, "partition") == 0 || strcmp(ev, "heal") == 0 || strcmp(ev, "pause") == 0 ||
        strcmp(ev, "clock") == 0 || strcmp(ev, "net") == 0)
        return "\033[33m";
    return "";
}

/* One readable line: time, where, what, then the remaining fields. */
static void log_line(dsim_world *w, json_t *e)
{
    const char *ev = json_string_value(json_object_get(e, "ev"));
    DSIM_ASSERT(ev != NULL);   /* every event comes from trace_event */
    DSIM_ASSERT(w->log != NULL);
    const char *where = strcmp(ev, "op") == 0 ? NULL : json_string_value(json_object_get(e, "node"));
    if (!where)
        where = json_string_value(json_object_get(e, "from"));
    if (!where)
        where = json_string_value(json_object_get(e, "client"));
    const char *col = w->log_color ? color_of(ev) : "";
    fprintf(w->log, "%12.3fms  %-5s %s%-9s%s", (double)json_integer_value(json_object_get(e, "t")) / 1e6,
            where ? where : "-", col, ev, *col ? "\033[0m" : "");
    const char *key;
    json_t *v;
    json_object_foreach(e, key, v) {
        if (strcmp(key, "t") == 0 || strcmp(key, "ev") == 0 ||
            (where && json_is_string(v) && strcmp(json_string_value(v), where) == 0 &&
             (strcmp(key, "node") == 0 || strcmp(key, "from") == 0 || strcmp(key, "client") == 0)))
            continue;
        if (strcmp(key, "to") == 0) {
            fprintf(w->log, " -> %s", json_string_value(v));
            continue;
        }
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        fprintf(w->log, " %s=%s", key, s ? s : "?");
        free(s);
    }
    fputc('\n', w->log);
}

void trace_emit(dsim_world *w, json_t *e)
{
    if (!e)
        return;
    bool fault = w->fault_log && is_fault_ev(json_string_value(json_object_get(e, "ev")));
    DSIM_ASSERT(trace_on(w) || fault);   /* trace_event gives NULL when off, but for kept faults */
    DSIM_ASSERT(json_is_integer(json_object_get(e, "t")));
    if (fault) {
        if (!w->faults)
            w->faults = json_array();
        if (json_array_size(w->faults) < WORLD_FAULTS_MAX)
            json_array_append(w->faults, e);
        else
            w->faults_more++;
    }
    if (w->trace) {
        json_dumpf(e, w->trace, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', w->trace);
    }
    if (w->log && logfilter_match(w->log_filter, e))
        log_line(w, e);
    json_decref(e);
}

void trace_header(dsim_world *w, const char *scenario, json_t *params)
{
    if (!w->trace)
        return;
    DSIM_ASSERT(scenario != NULL);
    json_t *h = json_pack("{s:i, s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:O, s:O}",
                          "dsim_trace", 1, "version", version_release(), "build", version_build(),
                          "scenario", scenario, "seed", (json_int_t)w->seed,
                          "protocol", w->proto->name, "nodes", w->nodes_len,
                          "clients", w->clients_len, "options", w->options,
                          "params", params ? params : json_null());
    DSIM_ASSERT(h != NULL);
    if (w->twins_len > 0) {   /* the identities with a twin instance, in slot order (the viewer's lanes) */
        json_t *twins = json_array();
        char buf[16];
        for (int k = 0; k < w->twins_len; k++)
            json_array_append_new(twins, json_string(endpoint_name(w, w->nodes[w->nodes_len + k].id, buf, sizeof buf)));
        json_object_set_new(h, "twins", twins);
    }
    json_dumpf(h, w->trace, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', w->trace);
    json_decref(h);
}

void trace_summary(dsim_world *w, json_t *summary)
{
    if (!w->trace)
        return;
    DSIM_ASSERT(json_is_object(summary));
    json_t *s = json_pack("{s:O}", "summary", summary);
    DSIM_ASSERT(s != NULL);
    json_dumpf(s, w->trace, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', w->trace);
    json_decref(s);
}

/* The full report of each check, just before the summary line (which has
** only the verdict strings): the viewer reads the counterexample from it.
** Written to the trace file only, never to the log. */
void trace_verdicts(dsim_world *w, const json_t *verdicts)
{
    if (!w->trace)
        return;
    DSIM_ASSERT(json_is_object(verdicts));
    const char *name;
    json_t *report;
    json_object_foreach((json_t *)verdicts, name, report) {
        DSIM_ASSERT(json_is_object(report));
        json_t *valid = json_object_get(report, "valid");
        json_t *e = json_pack("{s:I, s:s, s:s, s:O, s:O}", "t", (json_int_t)w->now, "ev", "verdict",
                              "check", name, "valid", valid ? valid : json_null(), "report", report);
        json_dumpf(e, w->trace, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', w->trace);
        json_decref(e);
    }
}

/*
** report.c — the short human report of failed checks (report.h).
**
** 'report_verdicts' picks a printer by check name (linearizable,
** invariants, mutex); any other check prints its "text", "explain" or
** "violation" field (at most GENERIC_LINES lines), or its JSON on one line.
** Each printer keeps to a screen: at most OPS_SHOWN operations,
** FAULTS_SHOWN faults and PARTS_SHOWN partitions (the failed before the
** undecided), then says where the rest is. Sentences are wrapped at
** WRAP_COLUMNS.
**
** The linearizability printer puts the checker's account (lin_why.c) in
** words: the state after the last core operation and the write that made
** it, and why the blocked operation cannot follow. Two inferences join it
** to the run's faults: a write acknowledged by a node that then crashed
** with unsynced writes, before syncing again, was lost; a stale answer from
** a node on the other side of a partition from the one that acknowledged
** the newer write was served across the cut.
**
** Faults come from the run (report_ctx.faults: crash, restart, pause,
** resume, partition, heal, clock, net, nemesis entries) as trace lines.
** The window of a counterexample is the span of its operations; a fault is
** shown when it falls in the window, or before it and is still in effect
** at its start (a crashed or paused node, a partition not yet healed).
** Times print in milliseconds with one decimal, as the viewer shows them.
*/
#include "report.h"
#include "session.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { OPS_SHOWN = 8, FAULTS_SHOWN = 8, PARTS_SHOWN = 2, GENERIC_LINES = 24 };

#define NS_PER_MS 1e6

static long long int_of(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

static const char *str_of(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static bool has_time(const json_t *op, const char *k)
{
    return json_is_integer(json_object_get(op, k));
}

static double ms_of(const json_t *op, const char *k)
{
    return (double)int_of(op, k) / NS_PER_MS;
}

/* A value as compact JSON text into 'buf'. */
static const char *value_text(const json_t *v, char *buf, size_t cap)
{
    char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    snprintf(buf, cap, "%s", s ? s : "null");
    free(s);
    return buf;
}

/* "c3" (dsim's clients: process p belongs to client p mod clients) or "p10". */
static const char *who(const json_t *op, const report_ctx *ctx, char *buf, size_t cap)
{
    long long p = int_of(op, "process");
    if (ctx->clients > 0 && p >= 0)
        snprintf(buf, cap, "c%lld", p % ctx->clients + 1);
    else
        snprintf(buf, cap, "process %lld", p);
    return buf;
}

/* "write of 295", "read", "cas 3->4", "add 2": the operation without its result. */
static const char *what(const json_t *op, char *buf, size_t cap)
{
    const char *f = str_of(op, "f");
    const json_t *v = json_object_get(op, "value");
    char a[64], b[64];
    if (json_is_array(v) && json_array_size(v) == 2 && strcmp(f, "cas") == 0)
        snprintf(buf, cap, "cas %s->%s", value_text(json_array_get(v, 0), a, sizeof a),
                 value_text(json_array_get(v, 1), b, sizeof b));
    else if (json_is_null(v) || v == NULL)
        snprintf(buf, cap, "%s", f);
    else
        snprintf(buf, cap, "%s%s %s", f, strcmp(f, "write") == 0 ? " of" : "",
                 value_text(v, a, sizeof a));
    return buf;
}

/* "c3's write of 295" */
static const char *phrase(const json_t *op, const report_ctx *ctx, char *buf, size_t cap)
{
    char w[32], x[160];
    snprintf(buf, cap, "%s's %s", who(op, ctx, w, sizeof w), what(op, x, sizeof x));
    return buf;
}

/* One aligned line: client, process, operation and result, interval, status, node. */
static void print_op_line(FILE *out, const json_t *op, const report_ctx *ctx)
{
    char w[32], x[160], r[64], opr[240], iv[64];
    const char *status = str_of(op, "status");
    const json_t *res = json_object_get(op, "result");
    bool shows_result = strcmp(status, "ok") == 0 && res != NULL &&
                        !json_equal((json_t *)res, json_object_get(op, "value"));
    snprintf(opr, sizeof opr, "%s%s%s", what(op, x, sizeof x), shows_result ? " -> " : "",
             shows_result ? value_text(res, r, sizeof r) : "");
    if (has_time(op, "complete_time"))
        snprintf(iv, sizeof iv, "%.1f-%.1f ms", ms_of(op, "invoke_time"), ms_of(op, "complete_time"));
    else if (has_time(op, "invoke_time"))
        snprintf(iv, sizeof iv, "%.1f- ms", ms_of(op, "invoke_time"));
    else if (ctx->lines)
        iv[0] = '\0';   /* the line numbers follow */
    else
        snprintf(iv, sizeof iv, "lines %lld-%lld", int_of(op, "invoke_line"), int_of(op, "complete_line"));
    if (ctx->clients > 0)
        fprintf(out, "    %-3s p%-4lld ", who(op, ctx, w, sizeof w), int_of(op, "process"));
    else
        fprintf(out, "    process %-4lld ", int_of(op, "process"));
    fprintf(out, "%-18s %-20s %s", opr, iv, status);
    if (json_is_string(json_object_get(op, "node")))
        fprintf(out, " from %s", str_of(op, "node"));
    if (ctx->lines && json_is_integer(json_object_get(op, "complete_line")))
        fprintf(out, ", lines %lld-%lld", int_of(op, "invoke_line"), int_of(op, "complete_line"));
    else if (ctx->lines)
        fprintf(out, ", line %lld", int_of(op, "invoke_line"));
    if (strcmp(status, "info") == 0 || strcmp(status, "open") == 0)
        fputs(" (outcome unknown)", out);
    fputc('\n', out);
}

/* Prints 'text' indented by 'indent' spaces, wrapped at WRAP_COLUMNS. */
enum { WRAP_COLUMNS = 80 };
static void print_wrapped(FILE *out, int indent, const char *text)
{
    const char *p = text;
    while (*p) {
        int width = WRAP_COLUMNS - indent, len = (int)strcspn(p, "\n");
        if (len > width) {   /* break at the last space that fits */
            int cut = width;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            len = cut > 0 ? cut : len;
        }
        fprintf(out, "%*s%.*s\n", indent, "", len, p);
        p += len;
        if (*p == '\n') {   /* the text's own line break: keep the next line's indent */
            p++;
            continue;
        }
        while (*p == ' ')
            p++;
    }
}

/* Paragraphs are written to memory, then wrapped ('print_wrapped'). */
static FILE *para_open(char **buf, size_t *len)
{
    *buf = NULL;
    return open_memstream(buf, len);
}

static void para_print(FILE *out, FILE *m, char **buf)
{
    if (m == NULL)
        return;
    if (fclose(m) == 0 && *buf != NULL)
        print_wrapped(out, 2, *buf);
    free(*buf);
}

/* ---- faults ------------------------------------------------------------- */

typedef struct window {
    int64_t from_ns, to_ns;
    bool set;
} window;

static void window_add(window *w, const json_t *op)
{
    const char *keys[] = {"invoke_time", "complete_time"};
    for (int i = 0; op && i < 2; i++) {
        if (!has_time(op, keys[i]))
            continue;
        int64_t t = int_of(op, keys[i]);
        if (!w->set || t < w->from_ns)
            w->from_ns = t;
        if (!w->set || t > w->to_ns)
            w->to_ns = t;
        w->set = true;
    }
}

static bool is_cut(const json_t *e)
{
    return strcmp(str_of(e, "ev"), "partition") == 0 && strcmp(str_of(e, "shape"), "cut") == 0 &&
           json_array_size(json_object_get(e, "link")) == 2;
}

/* "crash n1: 7 unsynced disk writes lost (keys k0), last sync 2450.0 ms" */
static void fault_text(const json_t *e, char *buf, size_t cap)
{
    const char *ev = str_of(e, "ev"), *node = str_of(e, "node");
    char extra[256] = "";
    if (strcmp(ev, "crash") == 0) {
        const json_t *lost = json_object_get(e, "lost");
        long long writes = int_of(lost, "writes");
        size_t n = 0, i;
        const json_t *k;
        if (writes > 0) {
            n += (size_t)snprintf(extra + n, sizeof extra - n, ": %lld unsynced disk write%s lost",
                                  writes, writes == 1 ? "" : "s");
            json_array_foreach(json_object_get(lost, "keys"), i, k)
                if (n < sizeof extra)
                    n += (size_t)snprintf(extra + n, sizeof extra - n, "%s%s",
                                          i ? " " : json_array_size(json_object_get(lost, "keys")) > 1
                                                        || int_of(lost, "keys_more") ? " (keys " : " (key ",
                                          json_string_value(k));
            if (json_array_size(json_object_get(lost, "keys")) > 0 && n < sizeof extra)
                n += (size_t)snprintf(extra + n, sizeof extra - n, "%s)",
                                      int_of(lost, "keys_more") > 0 ? " ..." : "");
            if (int_of(lost, "appends") > 0 && n < sizeof extra)
                n += (size_t)snprintf(extra + n, sizeof extra - n, ", %lld log appends",
                                      int_of(lost, "appends"));
        } else if (lost != NULL) {
            n += (size_t)snprintf(extra, sizeof extra, ": nothing unsynced");
        }
        if (has_time(e, "last_sync") && n < sizeof extra)
            snprintf(extra + n, sizeof extra - n, "; last sync %.1f ms", ms_of(e, "last_sync"));
        snprintf(buf, cap, "crash %s%s%s", node, extra,
                 json_is_true(json_object_get(e, "tear")) ? " (torn last write)" : "");
    } else if (is_cut(e)) {
        const json_t *link = json_object_get(e, "link");
        snprintf(buf, cap, "one-way cut %s->%s", json_string_value(json_array_get(link, 0)),
                 json_string_value(json_array_get(link, 1)));
    } else if (strcmp(ev, "partition") == 0) {   /* "partition {n1 n2} | {n3 n4 n5}" */
        const json_t *groups = json_object_get(e, "groups"), *g, *x;
        size_t n = (size_t)snprintf(buf, cap, "%s", strcmp(str_of(e, "shape"), "groups") == 0
                                                        ? "partition" : str_of(e, "shape"));
        size_t gi, xi;
        json_array_foreach(groups, gi, g) {
            json_array_foreach(g, xi, x)
                if (n < cap)
                    n += (size_t)snprintf(buf + n, cap - n, "%s%s", xi ? " " : gi ? " | {" : " {",
                                          json_string_value(x));
            if (n < cap)
                n += (size_t)snprintf(buf + n, cap - n, "}");
        }
        if (json_is_array(json_object_get(e, "bridge")) && n < cap)
            snprintf(buf + n, cap - n, " through %s",
                     json_string_value(json_array_get(json_object_get(e, "bridge"), 0)));
    } else if (strcmp(ev, "clock") == 0) {
        if (has_time(e, "step_ns"))
            snprintf(buf, cap, "clock %s stepped %+.1f ms", node, ms_of(e, "step_ns"));
        else
            snprintf(buf, cap, "clock %s: drift %lld ppm, offset %+.1f ms", node,
                     int_of(e, "mono_drift_ppm"), ms_of(e, "wall_minus_true_ns"));
    } else if (strcmp(ev, "byzantine") == 0) {   /* "byzantine n3: mute_to {"peers":[1]}" */
        char *s = json_object_size(json_object_get(e, "params")) > 0
                      ? json_dumps(json_object_get(e, "params"), JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        snprintf(buf, cap, "byzantine %s: %s%s%s", node, str_of(e, "behaviour"), s ? " " : "", s ? s : "");
        free(s);
    } else if (strcmp(ev, "invariant") == 0) {
        snprintf(buf, cap, "invariant violated: %s", str_of(e, "violation"));
    } else if (strcmp(ev, "net") == 0 || strcmp(ev, "fault") == 0) {
        json_t *c = json_deep_copy(e);
        json_object_del(c, "t");
        json_object_del(c, "ev");
        char *s = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
        snprintf(buf, cap, "%s %s", ev, s ? s : "");
        free(s);
        json_decref(c);
    } else {
        snprintf(buf, cap, "%s%s%s", ev, *node ? " " : "", node);
    }
}

/* Is 'e' (before the window) still in effect at the window's start? */
static bool in_effect(const json_t *faults, size_t idx, int64_t at_ns)
{
    const json_t *e = json_array_get(faults, idx);
    const char *ev = str_of(e, "ev"), *node = str_of(e, "node");
    const char *ends = strcmp(ev, "crash") == 0 ? "restart"
                       : strcmp(ev, "pause") == 0 ? "resume"
                       : strcmp(ev, "byzantine") == 0 ? "honest"
                       : strcmp(ev, "partition") == 0 ? "heal" : NULL;
    if (ends == NULL)
        return false;
    for (size_t j = idx + 1; j < json_array_size(faults); j++) {
        const json_t *f = json_array_get(faults, j);
        if (int_of(f, "t") > at_ns)
            break;
        bool same = strcmp(ev, "partition") == 0 ? strcmp(str_of(f, "ev"), "partition") == 0 ||
                                                       strcmp(str_of(f, "ev"), "heal") == 0
                                                 : strcmp(str_of(f, "node"), node) == 0 &&
                                                       (strcmp(str_of(f, "ev"), ends) == 0 ||
                                                        strcmp(str_of(f, "ev"), ev) == 0);
        if (same)
            return false;
    }
    return true;
}

/* Lists the faults in 'w' (and those in effect at its start), one line
** each (cuts made at the same time share one); when there are more than
** FAULTS_SHOWN, the last ones, nearest the failure. */
static void print_faults(FILE *out, const json_t *faults, window w)
{
    if (faults == NULL || !w.set)
        return;   /* a history alone (dsim check), or a report without times */
    if (!json_is_array(faults)) {
        fputs("  No faults in that window.\n", out);
        return;
    }
    enum { LINE_CAP = 560 };
    char lines[FAULTS_SHOWN][LINE_CAP];   /* a ring of the last lines */
    size_t count = 0, i;
    const json_t *e, *last = NULL;
    char text[LINE_CAP - 40] = "";
    json_array_foreach(faults, i, e) {
        int64_t t = int_of(e, "t");
        if (strcmp(str_of(e, "ev"), "fault") == 0 || (strcmp(str_of(e, "ev"), "net") == 0 && t == 0))
            continue;   /* the nemesis's entry (its effect has its own line); the initial network */
        if (t > w.to_ns || (t < w.from_ns && !in_effect(faults, i, w.from_ns)))
            continue;
        size_t n = strlen(text);
        if (last && is_cut(last) && is_cut(e) && int_of(last, "t") == t && n + 30 < sizeof text) {
            const json_t *link = json_object_get(e, "link");   /* cuts made together: one line */
            snprintf(text + n, sizeof text - n, ", %s->%s", json_string_value(json_array_get(link, 0)),
                     json_string_value(json_array_get(link, 1)));
            continue;
        }
        if (last)
            snprintf(lines[count++ % FAULTS_SHOWN], LINE_CAP, "%7.1f ms  %s", ms_of(last, "t"), text);
        last = e;
        fault_text(e, text, sizeof text);
    }
    if (last)
        snprintf(lines[count++ % FAULTS_SHOWN], LINE_CAP, "%7.1f ms  %s", ms_of(last, "t"), text);
    if (count == 0) {
        fputs("  No faults in or before that window.\n", out);
        return;
    }
    fprintf(out, "  Faults in and before that window (%.1f-%.1f ms):\n", (double)w.from_ns / NS_PER_MS,
            (double)w.to_ns / NS_PER_MS);
    size_t first = count > FAULTS_SHOWN ? count - FAULTS_SHOWN : 0;
    if (first > 0)
        fprintf(out, "    ... %zu earlier (--trace FILE, or the viewer)\n", first);
    for (size_t k = first; k < count; k++)
        fprintf(out, "    %s\n", lines[k % FAULTS_SHOWN]);
}

/* When the write that made the state was acknowledged by a node that then
** crashed with unsynced writes, before syncing again: says it was lost. */
static void print_lost_write(FILE *out, const json_t *write, const json_t *faults,
                             const report_ctx *ctx)
{
    const char *node = str_of(write, "node");
    if (!*node || !has_time(write, "complete_time") || !json_is_array(faults))
        return;
    int64_t acked = int_of(write, "complete_time");
    size_t i;
    const json_t *e;
    json_array_foreach(faults, i, e) {
        if (int_of(e, "t") < acked || strcmp(str_of(e, "ev"), "crash") != 0 ||
            strcmp(str_of(e, "node"), node) != 0)
            continue;
        if (int_of(json_object_get(e, "lost"), "writes") == 0 ||
            (has_time(e, "last_sync") && int_of(e, "last_sync") >= acked))
            return;   /* the next crash of that node lost nothing of it */
        char p[200];
        char *buf;
        size_t len;
        FILE *m = para_open(&buf, &len);
        if (m != NULL)
            fprintf(m, "So %s was lost: %s acknowledged it at %.1f ms without syncing it to disk, "
                       "then crashed at %.1f ms, which drops unsynced writes.",
                    phrase(write, ctx, p, sizeof p), node, (double)acked / NS_PER_MS, ms_of(e, "t"));
        para_print(out, m, &buf);
        return;
    }
}

/* Index of the group of 'name' in a partition event, -1 when in none. */
static int side_of(const json_t *e, const char *name)
{
    size_t gi, xi;
    const json_t *g, *x;
    json_array_foreach(json_object_get(e, "groups"), gi, g)
        json_array_foreach(g, xi, x)
            if (strcmp(json_string_value(x), name) == 0)
                return (int)gi;
    return -1;
}

/* When the node that answered 'stale' and the node that acknowledged
** 'newer' were on two sides of a partition in effect when 'stale' was
** invoked: says so (a stale read from a minority). */
static void print_split(FILE *out, const json_t *stale, const json_t *newer, const json_t *faults,
                        const report_ctx *ctx)
{
    const char *a = str_of(stale, "node"), *b = str_of(newer, "node");
    if (!*a || !*b || strcmp(a, b) == 0 || !json_is_array(faults) || !has_time(stale, "invoke_time"))
        return;
    int64_t at = int_of(stale, "invoke_time");
    const json_t *cut = NULL, *e;
    size_t i;
    json_array_foreach(faults, i, e) {   /* the partition in effect at 'at' */
        if (int_of(e, "t") > at)
            break;
        const char *ev = str_of(e, "ev");
        if (strcmp(ev, "heal") == 0 || (strcmp(ev, "partition") == 0 && !is_cut(e)))
            cut = strcmp(ev, "heal") == 0 ? NULL : e;
    }
    int sa = cut ? side_of(cut, a) : -1, sb = cut ? side_of(cut, b) : -1;
    if (sa < 0 || sb < 0 || sa == sb)
        return;
    char p1[200], p2[200], *buf;
    size_t len;
    FILE *m = para_open(&buf, &len);
    if (m != NULL)
        fprintf(m, "%s, which answered %s, was cut off from %s, which acknowledged %s, by the "
                   "partition at %.1f ms.", a, phrase(stale, ctx, p1, sizeof p1), b,
                phrase(newer, ctx, p2, sizeof p2), ms_of(cut, "t"));
    para_print(out, m, &buf);
}

/* ---- linearizability --------------------------------------------------- */

/* "The register was 295 after c1's write of 295 (ok from n1 at 2489.4 ms); c2's read
** saw it at 2500.6 ms. c3's read returned 290, a value overwritten at
** 2401.2 ms by c1's write of 291." */
static void print_why(FILE *out, const json_t *p, const char *model, const report_ctx *ctx)
{
    const json_t *why = json_object_get(p, "why"), *blk = json_object_get(p, "fails_at");
    if (why == NULL)
        return;
    const json_t *key = json_object_get(p, "key"), *set_by = json_object_get(why, "set_by");
    const json_t *seen = json_object_get(why, "state_op"), *ended = json_object_get(why, "ended_by");
    char name[80], a[200], b[200], *buf;
    size_t len;
    if (json_is_string(key))
        snprintf(name, sizeof name, "Key %s", json_string_value(key));
    else
        snprintf(name, sizeof name, "The %s", strstr(model, "register") ? "register"
                                              : strcmp(model, "mutex") == 0 ? "lock" : model);
    FILE *m = para_open(&buf, &len);
    if (m == NULL)
        return;
    fprintf(m, "%s was %s", name, str_of(why, "state"));
    if (set_by != NULL && strcmp(str_of(set_by, "status"), "ok") != 0) {
        fprintf(m, " after %s (its outcome is unknown: in this order it took effect)",
                phrase(set_by, ctx, a, sizeof a));
    } else if (set_by != NULL) {
        fprintf(m, " after %s (ok%s%s", phrase(set_by, ctx, a, sizeof a),
                *str_of(set_by, "node") ? " from " : "", str_of(set_by, "node"));
        if (has_time(set_by, "complete_time"))
            fprintf(m, " at %.1f ms", ms_of(set_by, "complete_time"));
        fputc(')', m);
    } else {
        fputs(" (the initial state)", m);
    }
    if (seen != NULL && !json_equal((json_t *)seen, (json_t *)set_by) &&
        strcmp(str_of(seen, "f"), "read") == 0) {
        fprintf(m, "; %s saw it", phrase(seen, ctx, a, sizeof a));
        if (has_time(seen, "complete_time"))
            fprintf(m, " at %.1f ms", ms_of(seen, "complete_time"));
    }
    fputc('.', m);
    para_print(out, m, &buf);
    if ((m = para_open(&buf, &len)) == NULL)
        return;
    bool read = strcmp(str_of(blk, "f"), "read") == 0;
    phrase(blk, ctx, a, sizeof a);
    char at[48] = "";
    if (ended != NULL && has_time(ended, "complete_time"))
        snprintf(at, sizeof at, " at %.1f ms", ms_of(ended, "complete_time"));
    if (ended != NULL && read)
        fprintf(m, "%s returned %s, a value overwritten%s by %s.", a,
                value_text(json_object_get(blk, "result"), b, sizeof b), at,
                phrase(ended, ctx, name, sizeof name));
    else if (ended != NULL)
        fprintf(m, "%s needs the state %s, which ended%s with %s.", a, str_of(why, "needs"), at,
                phrase(ended, ctx, name, sizeof name));
    else if (json_is_true(json_object_get(why, "legal_there")))
        fprintf(m, "%s fits that state, but no order of the operations before it admits it "
                   "in real time.", a);
    else
        fprintf(m, "%s fits no state the history reached.", a);
    para_print(out, m, &buf);
}

static void print_failed_part(FILE *out, const json_t *p, const char *model,
                              const report_ctx *ctx)
{
    const json_t *core = json_object_get(p, "core"), *blk = json_object_get(p, "fails_at");
    const json_t *why = json_object_get(p, "why"), *op;
    size_t n = json_array_size(core), i;
    bool blk_in_core = false;
    fprintf(out, "  %s %zu operation%s cannot %s happened as observed, whatever the\n"
                 "  other operations did%s:\n",
            n == 1 ? "This" : "These", n, n == 1 ? "" : "s", n == 2 ? "both have" : n == 1 ? "have" : "all have",
            json_is_true(json_object_get(p, "core_minimal")) ? " (a minimal set)" : "");
    window w = {0};
    json_array_foreach(core, i, op) {
        if (i < OPS_SHOWN)
            print_op_line(out, op, ctx);
        blk_in_core |= json_equal((json_t *)op, (json_t *)blk);
        window_add(&w, op);
    }
    if (n > OPS_SHOWN)
        fprintf(out, "    ... %zu more (--json)\n", n - OPS_SHOWN);
    if (!blk_in_core) {
        fputs("  The search stopped at:\n", out);
        print_op_line(out, blk, ctx);
    }
    window_add(&w, blk);
    window_add(&w, json_object_get(why, "set_by"));
    window_add(&w, json_object_get(why, "ended_by"));
    print_why(out, p, model, ctx);
    const json_t *prefix = json_object_get(p, "prefix");
    if (ctx->lines && prefix != NULL)
        fprintf(out, "  Longest linearizable prefix: the first %lld events (to line %lld), "
                     "%lld operations.\n", int_of(prefix, "events"), int_of(prefix, "end_line"),
                int_of(prefix, "ops"));
    print_faults(out, ctx->faults, w);
    if (json_object_get(why, "set_by") != NULL)
        print_lost_write(out, json_object_get(why, "set_by"), ctx->faults, ctx);
    if (json_object_get(why, "ended_by") != NULL)
        print_split(out, blk, json_object_get(why, "ended_by"), ctx->faults, ctx);
}

void report_linearizable(FILE *out, const json_t *report, const report_ctx *ctx)
{
    const json_t *valid = json_object_get(report, "valid");
    long long parts = int_of(report, "partitions_total");
    long long failed = int_of(report, "partitions_failed");
    long long unknown = int_of(report, "partitions_unknown");
    fprintf(out, "linearizable: %s (model %s, %lld operations",
            json_is_true(valid) ? "ok" : json_is_false(valid) ? "FAILED" : "UNKNOWN, budget exhausted",
            str_of(report, "model"), int_of(report, "ops"));
    if (parts > 1)
        fprintf(out, "; %lld keys: %lld failed, %lld unknown", parts, failed, unknown);
    fputs(")\n", out);
    report_lin_parts(out, report, ctx);
}

/* The failed keys first, since they carry the explanation, then the
** undecided ones; PARTS_SHOWN in all, and a count of the rest. */
void report_lin_parts(FILE *out, const json_t *report, const report_ctx *ctx)
{
    long long parts = int_of(report, "partitions_total");
    const char *model = str_of(report, "model");
    size_t i, shown = 0, more_failed = 0, more_unknown = 0;
    const json_t *p;
    for (int failed_pass = 1; failed_pass >= 0; failed_pass--) {
        json_array_foreach(json_object_get(report, "partitions"), i, p) {
            const json_t *pv = json_object_get(p, "valid"), *key = json_object_get(p, "key");
            if (json_is_true(pv) || json_is_false(pv) != failed_pass)
                continue;
            if (shown == PARTS_SHOWN) {
                *(failed_pass ? &more_failed : &more_unknown) += 1;
                continue;
            }
            shown++;
            if (json_is_string(key) || parts > 1)
                fprintf(out, "  Key %s (%lld operations): %s\n", json_is_string(key) ? json_string_value(key) : "-",
                        int_of(p, "ops"), failed_pass ? "not linearizable" : str_of(p, "reason"));
            if (failed_pass)
                print_failed_part(out, p, model, ctx);
            else if (!json_is_string(key) && parts <= 1)
                fprintf(out, "  Undecided: %s.\n  Not a pass; a bigger budget may decide it.\n",
                        str_of(p, "reason"));
        }
    }
    if (more_failed + more_unknown > 0)
        fprintf(out, "  ... %zu more key%s: %zu not linearizable, %zu undecided (--json)\n",
                more_failed + more_unknown, more_failed + more_unknown == 1 ? "" : "s", more_failed,
                more_unknown);
}

/* ---- the other checks --------------------------------------------------- */

static void print_invariants(FILE *out, const json_t *report, const report_ctx *ctx)
{
    double t_ms = json_number_value(json_object_get(report, "t_ms"));
    /* the violation on one line, as the protocol wrote it: people grep for it */
    fprintf(out, "invariants: FAILED at %.1f ms\n  %s\n", t_ms, str_of(report, "violation"));
    int64_t t = (int64_t)(t_ms * NS_PER_MS);
    print_faults(out, ctx->faults, (window){.from_ns = t > 1000 * 1000000LL ? t - 1000 * 1000000LL : 0,
                                            .to_ns = t, .set = true});
}

static void print_mutex(FILE *out, const json_t *report, const report_ctx *ctx)
{
    fprintf(out, "mutex: FAILED (%lld violation%s)\n", int_of(report, "violation_count"),
            int_of(report, "violation_count") == 1 ? "" : "s");
    size_t i, j;
    const json_t *v, *x;
    window w = {0};
    json_array_foreach(json_object_get(report, "violations"), i, v) {
        if (i < 3)   /* one line, as the checker wrote it: people grep for it */
            fprintf(out, "  %s\n", str_of(v, "explain"));
        if (json_is_number(json_object_get(v, "requested_ms")) &&
            json_is_number(json_object_get(v, "waited_ms"))) {   /* a stuck waiter: until now */
            json_t *op = json_pack("{s:I}", "invoke_time", (json_int_t)((
                json_number_value(json_object_get(v, "requested_ms")) +
                json_number_value(json_object_get(v, "waited_ms"))) * NS_PER_MS));
            window_add(&w, op);
            json_decref(op);
        }
        const char *spans[] = {"acquired_ms", "writes_ms", "requested_ms"};
        for (int s = 0; s < 3; s++) {
            const json_t *a = json_object_get(v, spans[s]);
            json_t *one = json_is_number(a) ? json_pack("[O]", a) : json_incref((json_t *)a);
            json_array_foreach(one, j, x) {
                json_t *op = json_pack("{s:I}", "invoke_time",
                                       (json_int_t)(json_number_value(x) * NS_PER_MS));
                window_add(&w, op);
                json_decref(op);
            }
            json_decref(one);
        }
    }
    if (json_array_size(json_object_get(report, "violations")) > 3)
        fprintf(out, "  ... %zu more (--json)\n", json_array_size(json_object_get(report, "violations")) - 3);
    print_faults(out, ctx->faults, w);
}

/* Any other check: its own sentence(s), or its JSON on one line. */
static void print_generic(FILE *out, const char *name, const json_t *report)
{
    const json_t *valid = json_object_get(report, "valid");
    fprintf(out, "%s: %s\n", name, json_is_false(valid) ? "FAILED" : "UNKNOWN (not a pass)");
    const char *fields[] = {"text", "explain", "violation", "reason", "note", NULL};
    for (int i = 0; fields[i]; i++) {
        const char *s = json_string_value(json_object_get(report, fields[i]));
        if (s == NULL)
            continue;
        int lines = 0;   /* at most GENERIC_LINES lines of its text */
        const char *cut = s;
        while (*cut && lines < GENERIC_LINES)
            lines += *cut++ == '\n';
        char *head = strndup(s, (size_t)(cut - s));
        print_wrapped(out, 2, head ? head : "");
        free(head);
        if (*cut)
            fputs("  ... (--json for the rest)\n", out);
        return;
    }
    char *s = json_dumps(report, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fprintf(out, "  %.400s%s\n", s ? s : "", s && strlen(s) > 400 ? " ... (--json)" : "");
    free(s);
}

void report_verdicts(FILE *out, const json_t *verdicts, const report_ctx *ctx)
{
    const char *name;
    const json_t *r;
    bool failed = false;
    json_object_foreach((json_t *)verdicts, name, r) {
        const json_t *valid = json_object_get(r, "valid");
        if (json_is_true(valid))
            continue;
        failed |= json_is_false(valid);
        fputc('\n', out);
        if (strcmp(name, "linearizable") == 0 && json_object_get(r, "partitions"))
            report_linearizable(out, r, ctx);
        else if (strcmp(name, "invariants") == 0 && json_is_false(valid))
            print_invariants(out, r, ctx);
        else if (strcmp(name, "mutex") == 0 && json_is_false(valid))
            print_mutex(out, r, ctx);
        else if (strcmp(name, "session") == 0 && json_is_false(valid))
            session_print_text(r, out);   /* sim/check/session_print.c */
        else
            print_generic(out, name, r);
    }
    if (failed && ctx->repro)
        fprintf(out, "\nreproduce: %s\n", ctx->repro);
    if (failed && ctx->repro && ctx->build)
        fprintf(out, "           # with %s\n", ctx->build);
    if (failed && ctx->more)
        fprintf(out, "more:      %s\n", ctx->more);
}

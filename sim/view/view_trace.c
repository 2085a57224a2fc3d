/*
** view_trace.c — see view_trace.h.
**
** One pass over the lines. Sends wait in 'sends' (found by message id
** through a small open-addressing map) until their deliveries and drops
** arrive; a send that never arrives anywhere becomes an in-flight record
** at the end. Open intervals (a crash without its restart, an operation
** without its completion, a partition without its heal) are closed at
** 't_end', the run's end from the summary line (or the last event).
** History line k is the k-th "op" event (history.c writes both at once),
** which is how a checker's counterexample ('invoke_line') finds its bar.
*/
#include "view_trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- id -> index map ------------------------------------------------------ */

typedef struct idmap {
    uint64_t *keys;            /* key + 1; 0: empty slot */
    size_t *vals;
    size_t cap, len;           /* cap: a power of two, at most half full */
} idmap;

static size_t idmap_slot(const idmap *m, uint64_t key)
{
    uint64_t h = (key + 1) * 0x9e3779b97f4a7c15ull;
    size_t i = (size_t)(h >> 17) & (m->cap - 1);
    while (m->keys[i] != 0 && m->keys[i] != key + 1)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static bool idmap_put(idmap *m, uint64_t key, size_t val)
{
    if ((m->len + 1) * 2 > m->cap) {
        idmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 1024;
        m->keys = calloc(m->cap, sizeof *m->keys);
        m->vals = calloc(m->cap, sizeof *m->vals);
        if (!m->keys || !m->vals) {
            free(m->keys), free(m->vals);
            *m = old;
            return false;
        }
        m->len = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i])
                idmap_put(m, old.keys[i] - 1, old.vals[i]);
        free(old.keys), free(old.vals);
    }
    size_t i = idmap_slot(m, key);
    if (!m->keys[i])
        m->len++;
    m->keys[i] = key + 1;
    m->vals[i] = val;
    return true;
}

static bool idmap_get(const idmap *m, uint64_t key, size_t *val)
{
    if (!m->cap)
        return false;
    size_t i = idmap_slot(m, key);
    if (!m->keys[i])
        return false;
    *val = m->vals[i];
    return true;
}

static void idmap_free(idmap *m)
{
    free(m->keys), free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- growable arrays ------------------------------------------------------- */

static void *grow(void *p, size_t *cap, size_t len, size_t elem)
{
    if (len < *cap)
        return p;
    size_t ncap = *cap ? *cap * 2 : 256;
    void *q = realloc(p, ncap * elem);
    if (q)
        *cap = ncap;
    return q;
}

#define PUSH(vt, arr, rec)                                                                    \
    do {                                                                                      \
        void *q_ = grow((vt)->arr, &(vt)->arr##_cap, (vt)->arr##_len, sizeof *(vt)->arr);      \
        if (!q_)                                                                              \
            return -1;                                                                        \
        (vt)->arr = q_;                                                                       \
        (vt)->arr[(vt)->arr##_len++] = (rec);                                                 \
    } while (0)

/* ---- the loader ------------------------------------------------------------ */

typedef struct send_rec {
    vt_msg msg;                /* fate VT_INFLIGHT until something arrives */
    uint32_t arrivals;
} send_rec;

typedef struct loader {
    view_trace *vt;
    send_rec *sends;
    size_t sends_len, sends_cap;
    idmap send_of;             /* message id -> sends[] */
    idmap op_of;               /* op id -> spans[] */
    int64_t *op_lines;         /* k-th "op" event -> its op id */
    size_t op_lines_len, op_lines_cap;
    long *crash_open, *pause_open, *role_open, *byz_open;   /* per node: spans[] or -1 */
    long *part_open;           /* open partition spans */
    size_t part_open_len, part_open_cap;
    int64_t t_last;
} loader;

int view_lane_of(const view_trace *vt, const char *name)
{
    if (!name || (name[0] != 'n' && name[0] != 'c'))
        return -1;
    char *end;
    long k = strtol(name + 1, &end, 10);
    if (k < 1)
        return -1;
    if (name[0] == 'n' && end[0] == '\'' && end[1] == '\0') {   /* a twin instance */
        for (int t = 0; t < vt->nodes - vt->ids; t++)
            if (vt->twin_id[t] == k - 1)
                return vt->ids + t;
        return -1;
    }
    if (*end)
        return -1;
    if (name[0] == 'n')
        return k <= vt->ids ? (int)k - 1 : -1;
    return k <= vt->clients ? vt->nodes + (int)k - 1 : -1;
}

const char *view_lane_name(const view_trace *vt, int lane, char *buf, size_t cap)
{
    if (lane < vt->ids)
        snprintf(buf, cap, "n%d", lane + 1);
    else if (lane < vt->nodes)
        snprintf(buf, cap, "n%d'", vt->twin_id[lane - vt->ids] + 1);
    else
        snprintf(buf, cap, "c%d", lane - vt->nodes + 1);
    return buf;
}

static const char *str(const json_t *e, const char *key)
{
    const char *s = json_string_value(json_object_get(e, key));
    return s ? s : "";
}

static int lane(const loader *ld, const json_t *e, const char *key)
{
    return view_lane_of(ld->vt, json_string_value(json_object_get(e, key)));
}

static int span_open(loader *ld, int32_t ln, uint8_t kind, const char *label, long *slot)
{
    view_trace *vt = ld->vt;
    vt_span s = {.t0 = ld->t_last, .t1 = -1, .lane = ln, .kind = kind, .op_id = -1};
    snprintf(s.label, sizeof s.label, "%s", label);
    PUSH(vt, spans, s);
    if (slot)
        *slot = (long)vt->spans_len - 1;
    return 0;
}

static void span_close(loader *ld, long *slot)
{
    if (*slot >= 0)
        ld->vt->spans[*slot].t1 = ld->t_last;
    *slot = -1;
}

static int on_msg(loader *ld, const json_t *e, const char *ev)
{
    view_trace *vt = ld->vt;
    json_t *idj = json_object_get(e, "id");
    if (!json_is_integer(idj))
        return 0;
    uint64_t id = (uint64_t)json_integer_value(idj);
    size_t si;
    if (strcmp(ev, "send") == 0) {
        send_rec r = {.msg = {.t_send = ld->t_last, .t_end = -1, .from = lane(ld, e, "from"),
                              .to = lane(ld, e, "to"), .fate = VT_INFLIGHT}};
        snprintf(r.msg.name, sizeof r.msg.name, "%s", str(e, "msg"));
        void *q = grow(ld->sends, &ld->sends_cap, ld->sends_len, sizeof *ld->sends);
        if (!q)
            return -1;
        ld->sends = q;
        ld->sends[ld->sends_len] = r;
        return idmap_put(&ld->send_of, id, ld->sends_len++) ? 0 : -1;
    }
    if (strcmp(ev, "dup") == 0 || !idmap_get(&ld->send_of, id, &si))
        return 0;
    send_rec *r = &ld->sends[si];
    vt_msg m = r->msg;
    m.t_end = ld->t_last;
    m.fate = strcmp(ev, "deliver") == 0 ? VT_DELIVER : VT_DROP;
    m.dup = json_is_true(json_object_get(e, "dup"));
    r->arrivals++;
    PUSH(vt, msgs, m);
    return 0;
}

static int on_op(loader *ld, const json_t *e)
{
    view_trace *vt = ld->vt;
    int64_t id = json_integer_value(json_object_get(e, "op"));
    void *q = grow(ld->op_lines, &ld->op_lines_cap, ld->op_lines_len, sizeof *ld->op_lines);
    if (!q)
        return -1;
    ld->op_lines = q;
    ld->op_lines[ld->op_lines_len++] = id;
    const char *type = str(e, "type");
    char *val = json_dumps(json_object_get(e, "value"), JSON_COMPACT | JSON_ENCODE_ANY);
    char label[VT_LABEL_MAX];
    int rc = 0;
    if (strcmp(type, "invoke") == 0) {
        const char *key = str(e, "key");
        snprintf(label, sizeof label, "%s%s%s %s", key, *key ? " " : "", str(e, "f"),
                 val && strcmp(val, "null") != 0 ? val : "");
        long slot;
        rc = span_open(ld, lane(ld, e, "client"), VT_SPAN_OP, label, &slot);
        if (rc == 0) {
            vt->spans[slot].status = VT_OP_OPEN;
            vt->spans[slot].op_id = id;
            rc = idmap_put(&ld->op_of, (uint64_t)id, (size_t)slot) ? 0 : -1;
        }
    } else {
        size_t si;
        if (idmap_get(&ld->op_of, (uint64_t)id, &si)) {
            vt_span *s = &vt->spans[si];
            s->t1 = ld->t_last;
            s->status = strcmp(type, "ok") == 0 ? VT_OP_OK : strcmp(type, "fail") == 0 ? VT_OP_FAIL
                                                                                       : VT_OP_INFO;
            if (s->status == VT_OP_OK && strcmp(str(e, "f"), "read") == 0 && val) {
                const char *key = str(e, "key");
                snprintf(s->label, sizeof s->label, "%s%sread %s", key, *key ? " " : "", val);
            }
        }
    }
    free(val);
    return rc;
}

static int on_partition(loader *ld, const json_t *e, bool heal)
{
    view_trace *vt = ld->vt;
    const char *shape = str(e, "shape");
    if (heal || strcmp(shape, "cut") != 0) {
        for (size_t i = 0; i < ld->part_open_len; i++)
            span_close(ld, &ld->part_open[i]);
        ld->part_open_len = 0;
    }
    if (heal)
        return 0;
    json_t *groups = json_object_get(e, "groups");
    size_t gi;
    json_t *g;
    char label[VT_LABEL_MAX];
    if (strcmp(shape, "cut") == 0) {
        json_t *link = json_object_get(e, "link");
        snprintf(label, sizeof label, "cut %s->%s", json_string_value(json_array_get(link, 0)),
                 json_string_value(json_array_get(link, 1)));
        groups = NULL;
        int from = view_lane_of(vt, json_string_value(json_array_get(link, 0)));
        void *q = grow(ld->part_open, &ld->part_open_cap, ld->part_open_len, sizeof *ld->part_open);
        if (!q)
            return -1;
        ld->part_open = q;
        if (span_open(ld, from, VT_SPAN_PARTITION, label, &ld->part_open[ld->part_open_len]) != 0)
            return -1;
        ld->part_open_len++;
        return 0;
    }
    if (!json_is_array(groups)) {   /* ring and other shapes: one band over all nodes */
        void *q = grow(ld->part_open, &ld->part_open_cap, ld->part_open_len, sizeof *ld->part_open);
        if (!q)
            return -1;
        ld->part_open = q;
        snprintf(label, sizeof label, "%s", shape);
        if (span_open(ld, -1, VT_SPAN_PARTITION, label, &ld->part_open[ld->part_open_len]) != 0)
            return -1;
        ld->part_open_len++;
        return 0;
    }
    json_array_foreach(groups, gi, g) {
        size_t mi;
        json_t *member;
        json_array_foreach(g, mi, member) {
            int ln = view_lane_of(vt, json_string_value(member));
            if (ln < 0)
                continue;
            void *q = grow(ld->part_open, &ld->part_open_cap, ld->part_open_len, sizeof *ld->part_open);
            if (!q)
                return -1;
            ld->part_open = q;
            snprintf(label, sizeof label, "%s side %c", shape, (char)('A' + gi % 26));
            long *slot = &ld->part_open[ld->part_open_len];
            if (span_open(ld, ln, VT_SPAN_PARTITION, label, slot) != 0)
                return -1;
            vt->spans[*slot].status = (uint8_t)gi;
            ld->part_open_len++;
        }
    }
    return 0;
}

static int mark(loader *ld, int32_t ln, uint8_t kind, const char *label)
{
    view_trace *vt = ld->vt;
    vt_mark m = {.t = ld->t_last, .lane = ln, .kind = kind};
    snprintf(m.label, sizeof m.label, "%s", label);
    PUSH(vt, marks, m);
    return 0;
}

static int on_node(loader *ld, const json_t *e, const char *ev)
{
    int n = lane(ld, e, "node");
    if (n < 0 || n >= ld->vt->nodes)
        return 0;
    char label[VT_LABEL_MAX];
    if (strcmp(ev, "crash") == 0) {
        span_close(ld, &ld->role_open[n]);
        span_close(ld, &ld->pause_open[n]);
        json_int_t lost = json_integer_value(json_object_get(json_object_get(e, "lost"), "writes"));
        if (lost > 0 && lost < 1000000)   /* what the disk dropped (docs/trace.md, "crash") */
            snprintf(label, sizeof label, "crashed: lost %d unsynced write%s", (int)lost,
                     lost == 1 ? "" : "s");
        else
            snprintf(label, sizeof label, "crashed");
        return ld->crash_open[n] >= 0 ? 0 : span_open(ld, n, VT_SPAN_CRASHED, label, &ld->crash_open[n]);
    }
    if (strcmp(ev, "restart") == 0) {
        span_close(ld, &ld->crash_open[n]);
        return 0;
    }
    if (strcmp(ev, "pause") == 0)
        return ld->pause_open[n] >= 0 ? 0 : span_open(ld, n, VT_SPAN_PAUSED, "paused", &ld->pause_open[n]);
    if (strcmp(ev, "resume") == 0) {
        span_close(ld, &ld->pause_open[n]);
        return 0;
    }
    if (strcmp(ev, "byzantine") == 0) {   /* a Byzantine spell: a band like a fault's */
        span_close(ld, &ld->byz_open[n]);
        snprintf(label, sizeof label, "byzantine: %s", str(e, "behaviour"));
        return span_open(ld, n, VT_SPAN_BYZANTINE, label, &ld->byz_open[n]);
    }
    if (strcmp(ev, "honest") == 0) {
        span_close(ld, &ld->byz_open[n]);
        return 0;
    }
    if (strcmp(ev, "role") == 0) {
        span_close(ld, &ld->role_open[n]);
        json_t *term = json_object_get(e, "term");
        if (json_is_integer(term))
            snprintf(label, sizeof label, "%s t%" JSON_INTEGER_FORMAT, str(e, "role"), json_integer_value(term));
        else
            snprintf(label, sizeof label, "%s", str(e, "role"));
        return span_open(ld, n, VT_SPAN_ROLE, label, &ld->role_open[n]);
    }
    if (strcmp(ev, "timer") == 0) {
        snprintf(label, sizeof label, "timer %" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(e, "kind")));
        return mark(ld, n, VT_MARK_TIMER, label);
    }
    if (strcmp(ev, "clock") == 0) {
        json_t *step = json_object_get(e, "step_ns");
        if (json_is_integer(step))
            snprintf(label, sizeof label, "clock step %+.0fms", (double)json_integer_value(step) / 1e6);
        else
            snprintf(label, sizeof label, "clock %+.0fms", (double)json_integer_value(json_object_get(e, "wall_minus_true_ns")) / 1e6);
        return mark(ld, n, VT_MARK_CLOCK, label);
    }
    if (strcmp(ev, "emit") == 0)
        return mark(ld, n, VT_MARK_EMIT, str(e, "name"));
    return 0;
}

static int on_event(loader *ld, const json_t *e)
{
    const char *ev = str(e, "ev");
    ld->vt->events++;
    if (strcmp(ev, "send") == 0 || strcmp(ev, "deliver") == 0 || strcmp(ev, "drop") == 0 ||
        strcmp(ev, "dup") == 0)
        return on_msg(ld, e, ev);
    if (strcmp(ev, "op") == 0)
        return on_op(ld, e);
    if (strcmp(ev, "partition") == 0 || strcmp(ev, "heal") == 0)
        return on_partition(ld, e, ev[0] == 'h');
    if (strcmp(ev, "invariant") == 0)
        return mark(ld, -1, VT_MARK_INVARIANT, str(e, "violation"));
    if (strcmp(ev, "verdict") == 0)
        return json_array_append(ld->vt->verdicts, (json_t *)e) == 0 ? 0 : -1;
    return on_node(ld, e, ev);
}

static int on_header(view_trace *vt, const json_t *h, char *err, size_t cap)
{
    if (!json_is_integer(json_object_get(h, "dsim_trace"))) {
        snprintf(err, cap, "line 1: not a dsim trace (no \"dsim_trace\" header; make one with "
                           "dsim run SCENARIO --trace FILE)");
        return -1;
    }
    json_int_t version = json_integer_value(json_object_get(h, "dsim_trace"));
    if (version != 1) {   /* trace.c writes version 1; a later one may mean other fields */
        snprintf(err, cap, "line 1: dsim_trace: expected version 1 (the one this dsim reads), "
                           "got %lld", (long long)version);
        return -1;
    }
    vt->nodes = (int)json_integer_value(json_object_get(h, "nodes"));
    vt->clients = (int)json_integer_value(json_object_get(h, "clients"));
    vt->seed = (uint64_t)json_integer_value(json_object_get(h, "seed"));
    snprintf(vt->scenario, sizeof vt->scenario, "%s", str(h, "scenario"));
    snprintf(vt->protocol, sizeof vt->protocol, "%s", str(h, "protocol"));
    if (vt->nodes < 0 || vt->nodes > 100000 || vt->clients < 0 || vt->clients > 100000) {
        snprintf(err, cap, "line 1: bad node or client count");
        return -1;
    }
    vt->ids = vt->nodes;
    const json_t *twins = json_object_get(h, "twins");   /* lanes after the identities' */
    size_t i;
    json_t *v;
    json_array_foreach(twins, i, v) {
        const char *n = json_string_value(v);
        long k = n && n[0] == 'n' ? strtol(n + 1, NULL, 10) : 0;
        if (i >= VT_TWINS_MAX || k < 1 || k > vt->ids) {
            snprintf(err, cap, "line 1: bad twins (at most %d, each a node n1..n%d)", VT_TWINS_MAX, vt->ids);
            return -1;
        }
        vt->twin_id[vt->nodes++ - vt->ids] = (int)k - 1;
    }
    return 0;
}

/* Marks the operations that a failing verdict's report names by history
** line ('invoke_line'), wherever they sit in the report. Bounded by the
** report's depth (reports are a few levels deep; deeper is ignored). */
static void mark_counterexample(loader *ld, const json_t *j, int depth)
{
    if (depth > 16)
        return;
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) mark_counterexample(ld, v, depth + 1);
        return;
    }
    if (!json_is_object(j))
        return;
    json_t *line = json_object_get(j, "invoke_line");
    size_t si;
    if (json_is_integer(line) && json_integer_value(line) >= 1 &&
        (size_t)json_integer_value(line) <= ld->op_lines_len &&
        idmap_get(&ld->op_of, (uint64_t)ld->op_lines[json_integer_value(line) - 1], &si) &&
        !ld->vt->spans[si].counterexample) {
        ld->vt->spans[si].counterexample = true;
        ld->vt->counterexample_ops++;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v) mark_counterexample(ld, v, depth + 1);
}

static int finish(loader *ld)
{
    view_trace *vt = ld->vt;
    if (vt->t_end < ld->t_last)
        vt->t_end = ld->t_last;
    for (size_t i = 0; i < ld->sends_len; i++)
        if (ld->sends[i].arrivals == 0) {
            vt_msg m = ld->sends[i].msg;
            m.t_end = vt->t_end;
            PUSH(vt, msgs, m);
        }
    for (size_t i = 0; i < vt->spans_len; i++)
        if (vt->spans[i].t1 < 0)
            vt->spans[i].t1 = vt->t_end;
    size_t i;
    json_t *v;
    json_array_foreach(vt->verdicts, i, v)
        if (json_is_false(json_object_get(v, "valid")))
            mark_counterexample(ld, json_object_get(v, "report"), 0);
    return 0;
}

static int load_lines(loader *ld, const char *text, size_t len, char *err, size_t cap)
{
    view_trace *vt = ld->vt;
    size_t pos = 0, lineno = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        lineno++;
        if (end > pos) {
            json_error_t je;
            json_t *e = json_loadb(text + pos, end - pos, 0, &je);
            if (!e) {
                snprintf(err, cap, "line %zu: %s", lineno, je.text);
                return -1;
            }
            int rc = 0;
            if (lineno == 1) {
                rc = on_header(vt, e, err, cap);
                if (rc == 0) {
                    size_t n = (size_t)vt->nodes;
                    ld->crash_open = malloc((n + 1) * sizeof(long));
                    ld->pause_open = malloc((n + 1) * sizeof(long));
                    ld->role_open = malloc((n + 1) * sizeof(long));
                    ld->byz_open = malloc((n + 1) * sizeof(long));
                    if (!ld->crash_open || !ld->pause_open || !ld->role_open || !ld->byz_open)
                        rc = -1;
                    for (size_t k = 0; rc == 0 && k < n; k++)
                        ld->crash_open[k] = ld->pause_open[k] = ld->role_open[k] = ld->byz_open[k] = -1;
                }
            } else if (json_object_get(e, "summary")) {
                json_t *ms = json_object_get(json_object_get(e, "summary"), "sim_ms");
                /* A time the viewer can draw: 0..9e12 ms keeps ns in int64_t. */
                if (json_is_number(ms) && json_number_value(ms) >= 0 && json_number_value(ms) <= 9e12)
                    vt->t_end = (int64_t)(json_number_value(ms) * 1e6 + 0.5);
            } else {
                json_t *t = json_object_get(e, "t");
                if (json_is_integer(t) && json_integer_value(t) > ld->t_last)
                    ld->t_last = json_integer_value(t);
                rc = on_event(ld, e);
            }
            json_decref(e);
            if (rc != 0) {
                if (!*err)
                    snprintf(err, cap, "line %zu: out of memory", lineno);
                return -1;
            }
        }
        pos = end + 1;
    }
    if (lineno == 0) {
        snprintf(err, cap, "empty trace");
        return -1;
    }
    return finish(ld);
}

int view_trace_load(view_trace *vt, const char *text, size_t len, char *err, size_t cap)
{
    memset(vt, 0, sizeof *vt);
    vt->verdicts = json_array();
    *err = 0;
    loader ld = {.vt = vt};
    int rc = vt->verdicts ? load_lines(&ld, text, len, err, cap) : -1;
    if (rc != 0 && !*err)
        snprintf(err, cap, "out of memory");
    free(ld.sends);
    idmap_free(&ld.send_of);
    idmap_free(&ld.op_of);
    free(ld.op_lines);
    free(ld.crash_open), free(ld.pause_open), free(ld.role_open), free(ld.byz_open);
    free(ld.part_open);
    return rc;
}

void view_trace_free(view_trace *vt)
{
    free(vt->msgs);
    free(vt->spans);
    free(vt->marks);
    json_decref(vt->verdicts);
    memset(vt, 0, sizeof *vt);
}

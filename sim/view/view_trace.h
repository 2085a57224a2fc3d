/*
** view_trace.h — a trace read into compact records for drawing (view_svg.c).
**
** Lanes: 0..nodes-1 are n1..nN, nodes..nodes+clients-1 are c1..cM (the
** kernel's endpoint order). Messages pair a send with each of its
** deliveries and drops (a duplicate is delivered twice: two records).
** Spans are intervals on a lane (node down or paused, role, client
** operation, partition side); marks are instants (timer, clock change,
** protocol event, invariant violation). Open intervals end at 't_end'.
*/
#ifndef DSIM_VIEW_TRACE_H
#define DSIM_VIEW_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum { VT_DELIVER = 0, VT_DROP = 1, VT_INFLIGHT = 2 };
enum { VT_SPAN_CRASHED = 0, VT_SPAN_PAUSED, VT_SPAN_ROLE, VT_SPAN_OP, VT_SPAN_PARTITION, VT_SPAN_BYZANTINE };
enum { VT_OP_OK = 0, VT_OP_FAIL, VT_OP_INFO, VT_OP_OPEN };
enum { VT_MARK_TIMER = 0, VT_MARK_CLOCK, VT_MARK_EMIT, VT_MARK_INVARIANT };

#define VT_LABEL_MAX 48

typedef struct vt_msg {
    int64_t t_send, t_end;     /* t_end: delivery, drop, or the run's end */
    int32_t from, to;          /* lanes */
    uint8_t fate;              /* VT_DELIVER, VT_DROP, VT_INFLIGHT */
    bool dup;
    char name[VT_LABEL_MAX];
} vt_msg;

typedef struct vt_span {
    int64_t t0, t1;
    int32_t lane;              /* -1: every node lane */
    uint8_t kind;              /* VT_SPAN_* */
    uint8_t status;            /* ops: VT_OP_*; partitions: side index */
    bool counterexample;       /* an operation the checker reported */
    int64_t op_id;             /* ops: the kernel's op id */
    char label[VT_LABEL_MAX];
} vt_span;

typedef struct vt_mark {
    int64_t t;
    int32_t lane;              /* -1: every lane */
    uint8_t kind;              /* VT_MARK_* */
    char label[VT_LABEL_MAX];
} vt_mark;

#define VT_TWINS_MAX 64

typedef struct view_trace {
    int nodes, clients;        /* node lanes: the identities, then their twins' instances */
    int ids;                   /* identities: lanes 0..ids-1 (nodes - ids twins after them) */
    int twin_id[VT_TWINS_MAX]; /* lane ids + k is identity twin_id[k]'s twin ("n1'") */
    int64_t t_end;
    uint64_t seed;
    char scenario[256], protocol[64];
    vt_msg *msgs;
    size_t msgs_len, msgs_cap;
    vt_span *spans;
    size_t spans_len, spans_cap;
    vt_mark *marks;
    size_t marks_len, marks_cap;
    size_t events;             /* event lines read */
    size_t counterexample_ops; /* spans marked 'counterexample' */
    json_t *verdicts;          /* the "verdict" lines, in order */
} view_trace;

/* Reads trace text; 0, or -1 with 'err' ("line N: ..."). Free with
** view_trace_free even after an error. */
int view_trace_load(view_trace *vt, const char *text, size_t len, char *err, size_t cap);
void view_trace_free(view_trace *vt);
/* "n3" -> 2, "n1'" (a twin) -> its lane, "c1" -> nodes; -1 when not a
** lane of this trace. */
int view_lane_of(const view_trace *vt, const char *name);
/* The lane's name ("n3", "n1'", "c1") into 'buf'; returns 'buf'. */
const char *view_lane_name(const view_trace *vt, int lane, char *buf, size_t cap);

#endif

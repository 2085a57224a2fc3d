/*
** view_svg.c — a static SVG drawing of a time window of a run: the same
** space-time diagram as the HTML viewer, without interaction, for slides
** and the README.
**
** Layout: a label column, then time left to right; one lane per node
** (n1..nN) then per client (c1..cM). Whatever overlaps the window is
** written and clipped to the plot, so an arrow that starts before the
** window still shows its end. Every drawn thing carries a class the tests
** count: "lane", "arrow" (one per delivery, "arrow dup" for a duplicate's
** delivery), "drop", "inflight", "op ok|fail|info|open" (plus "cx" for the
** checker's counterexample), "state crashed|paused", "role", "partition",
** "timer", "clock", "emit", "invariant"; operation bars carry their label
** ("oplabel"), and role, crash and partition labels come last, with a
** halo, so no arrow runs over them. Colours are the viewer's.
*/
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "view.h"
#include "view_trace.h"

#define SVG_LABEL_W 64.0
#define SVG_TOP 44.0
#define SVG_NODE_H 34.0
#define SVG_CLIENT_H 24.0
#define SVG_RIGHT 36.0

#define SVG_ROLES_EXTRA 5

typedef struct svg {
    FILE *out;
    const view_trace *vt;
    int64_t t0, t1;
    double width;
    char roles[SVG_ROLES_EXTRA][24];   /* roles without a colour, by first appearance */
    int roles_len;
} svg;

static double lane_top(const svg *s, int lane)
{
    int n = s->vt->nodes;
    return lane < n ? SVG_TOP + lane * SVG_NODE_H : SVG_TOP + n * SVG_NODE_H + (lane - n) * SVG_CLIENT_H;
}

static double lane_h(const svg *s, int lane) { return lane < s->vt->nodes ? SVG_NODE_H : SVG_CLIENT_H; }
static double lane_y(const svg *s, int lane) { return lane_top(s, lane) + lane_h(s, lane) / 2; }
static double plot_bottom(const svg *s) { return lane_top(s, s->vt->nodes + s->vt->clients); }

static double xt(const svg *s, int64_t t)
{
    return SVG_LABEL_W + (double)(t - s->t0) / (double)(s->t1 - s->t0) * s->width;
}

static bool overlaps(const svg *s, int64_t a, int64_t b) { return b >= s->t0 && a <= s->t1; }

static void text_escaped(FILE *out, const char *t)
{
    for (; *t; t++) {
        switch (*t) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default:
            if ((unsigned char)*t >= 0x20 || *t == '\t')
                fputc(*t, out);
        }
    }
}

/* The viewer's role colours (tools/viewer/viewer.js): named roles have
** their own; others take the next pale fill of 'extra' in order of first
** appearance ('note_roles'), distinct from each other, from the named
** roles, the crashed and paused states and the partition stripes. */
static const char *const role_extra[SVG_ROLES_EXTRA] = {"#88cec7", "#f9c1d4", "#d19ada", "#9de5ee",
                                                        "#f596b6"};

static size_t role_len(const char *label)
{
    const char *p = strstr(label, " (");
    return p ? (size_t)(p - label) : strlen(label);
}

static bool role_is(const char *label, const char *name)
{
    return role_len(label) == strlen(name) && strncmp(label, name, strlen(name)) == 0;
}

static const char *role_fill(const svg *s, const char *label)
{
    static const char *const named[][2] = {
        {"leader", "#f6d365"}, {"primary", "#f6d365"}, {"candidate", "#fbb583"},
        {"precandidate", "#fde0c5"}, {"follower", "#cfe3f7"}, {"backup", "#cfe3f7"},
        {"learner", "#dcedc8"}, {"observer", "#e1d5f0"}, {NULL, NULL}};
    for (int i = 0; named[i][0]; i++)
        if (role_is(label, named[i][0]))
            return named[i][1];
    for (int i = 0; i < s->roles_len; i++)
        if (role_is(label, s->roles[i]))
            return role_extra[i];
    return "#e4e4e4";
}

static void note_roles(svg *s)
{
    for (size_t i = 0; i < s->vt->spans_len && s->roles_len < SVG_ROLES_EXTRA; i++) {
        const vt_span *sp = &s->vt->spans[i];
        if (sp->kind != VT_SPAN_ROLE || strcmp(role_fill(s, sp->label), "#e4e4e4") != 0 ||
            role_len(sp->label) >= sizeof s->roles[0])
            continue;
        snprintf(s->roles[s->roles_len++], sizeof s->roles[0], "%.*s", (int)role_len(sp->label),
                 sp->label);
    }
}

/* Partition sides are saturated stripes (as in the viewer), never fills. */
static const char *const side_fill[] = {"#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457"};

static void draw_lanes(const svg *s)
{
    const view_trace *vt = s->vt;
    for (int l = 0; l < vt->nodes + vt->clients; l++) {
        char name[16];
        view_lane_name(vt, l, name, sizeof name);
        double top = lane_top(s, l), h = lane_h(s, l);
        fprintf(s->out, "<g class=\"lane\" data-lane=\"%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\" fill=\"%s\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#999\" stroke-width=\"1\"/><text x=\"8\" y=\"%.1f\" class=\"label\">%s</text></g>\n",
                name, SVG_LABEL_W, top, s->width, h, l % 2 ? "#fafafa" : "#f2f2f2", SVG_LABEL_W,
                lane_y(s, l), SVG_LABEL_W + s->width, lane_y(s, l), lane_y(s, l) + 4, name);
    }
}

static void draw_axis(const svg *s)
{
    double span_ms = (double)(s->t1 - s->t0) / 1e6;
    double raw = span_ms / 10, step = pow(10, floor(log10(raw)));
    if (raw / step >= 5)
        step *= 5;
    else if (raw / step >= 2)
        step *= 2;
    double first = ceil((double)s->t0 / 1e6 / step) * step;
    fprintf(s->out, "<g class=\"axis\">\n");
    for (int i = 0; i < 64; i++) {
        double ms = first + i * step;
        if (ms * 1e6 > (double)s->t1 + 0.5)
            break;
        double x = xt(s, (int64_t)llround(ms * 1e6));
        fprintf(s->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g ms</text>\n",
                x, SVG_TOP - 6, x, plot_bottom(s), x, SVG_TOP - 9, ms);
    }
    fprintf(s->out, "</g>\n");
}

/* The operation's label inside its bar ("write 3", "read → 3"), cut to
** the bar's width (about 5.2 px a character at 9 px). */
static void op_label(const svg *s, const vt_span *sp, double x0, double w)
{
    double lx = fmax(x0, SVG_LABEL_W) + 2;
    double fits = (x0 + w - lx - 2) / 5.2;   /* a bar far off the page is huge: clamp before int */
    if (!(fits >= 3))
        return;
    char text[128];
    int room = fits < (double)sizeof text ? (int)fits : (int)sizeof text;
    snprintf(text, sizeof text, "%s", sp->label);
    if ((int)strlen(text) > room) {   /* cut on a character boundary, then '…' */
        int cut = room - 1;
        while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
            cut--;
        snprintf(text + cut, sizeof text - (size_t)cut, "\u2026");
    }
    fprintf(s->out, "<text class=\"oplabel\" x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"#fff\">", lx,
            lane_y(s, sp->lane) + 3);
    text_escaped(s->out, text);
    fprintf(s->out, "</text>\n");
}

static void draw_spans(const svg *s)
{
    static const char *const op_class[] = {"ok", "fail", "info", "open"};
    static const char *const op_fill[] = {"#4caf50", "#e53935", "#ffa726", "#9e9e9e"};
    const view_trace *vt = s->vt;
    for (size_t i = 0; i < vt->spans_len; i++) {
        const vt_span *sp = &vt->spans[i];
        if (!overlaps(s, sp->t0, sp->t1))
            continue;
        double x0 = xt(s, sp->t0), x1 = xt(s, sp->t1), w = fmax(x1 - x0, 1.5);
        double top = sp->lane >= 0 ? lane_top(s, sp->lane) : SVG_TOP;
        double h = sp->lane >= 0 ? lane_h(s, sp->lane) : vt->nodes * SVG_NODE_H;
        FILE *o = s->out;
        switch (sp->kind) {
        case VT_SPAN_ROLE:
            fprintf(o, "<rect class=\"role\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                    "fill-opacity=\"0.8\">",
                    x0, top + 2, w, h - 4, role_fill(s, sp->label));
            break;
        case VT_SPAN_CRASHED:
            fprintf(o, "<rect class=\"state crashed\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"url(#hatch)\">", x0, top + 1, w, h - 2);
            break;
        case VT_SPAN_PAUSED:
            fprintf(o, "<rect class=\"state paused\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"#b0bec5\" fill-opacity=\"0.7\">", x0, top + 1, w, h - 2);
            break;
        case VT_SPAN_PARTITION:
            if (sp->lane >= 0)
                fprintf(o, "<rect class=\"partition\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"5\" "
                        "fill=\"%s\">", x0, top + h - 6, w, side_fill[sp->status % 6]);
            else
                fprintf(o, "<rect class=\"partition\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        "fill=\"#606060\" fill-opacity=\"0.1\">", x0, top, w, h);
            break;
        case VT_SPAN_BYZANTINE:   /* a red band along the top of the node's lane */
            fprintf(o, "<rect class=\"byzantine\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"5\" "
                    "fill=\"#aa00ff\">", x0, top + 1, w);
            break;
        case VT_SPAN_OP: {
            double y = lane_y(s, sp->lane);
            fprintf(o, "<rect class=\"op %s%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\" rx=\"2\" "
                    "fill=\"%s\"%s>", op_class[sp->status % 4], sp->counterexample ? " cx" : "", x0, y - 5, w,
                    op_fill[sp->status % 4], sp->counterexample ? " stroke=\"#b00020\" stroke-width=\"3\"" : "");
            break;
        }
        default:
            continue;
        }
        fprintf(o, "<title>");
        text_escaped(o, sp->label);
        fprintf(o, " %.3f..%.3f ms</title></rect>\n", (double)sp->t0 / 1e6, (double)sp->t1 / 1e6);
        if (sp->kind == VT_SPAN_OP)
            op_label(s, sp, x0, w);
    }
}

/* The labels of roles, crashes and partition sides, written after the
** arrows with a white halo, so no arrow runs over their text. */
static void draw_span_labels(const svg *s)
{
    const view_trace *vt = s->vt;
    for (size_t i = 0; i < vt->spans_len; i++) {
        const vt_span *sp = &vt->spans[i];
        if (!overlaps(s, sp->t0, sp->t1) || sp->lane < 0 ||
            (sp->kind != VT_SPAN_ROLE && sp->kind != VT_SPAN_CRASHED && sp->kind != VT_SPAN_PARTITION &&
             sp->kind != VT_SPAN_BYZANTINE))
            continue;
        double x0 = xt(s, sp->t0), w = xt(s, sp->t1) - x0;
        double top = lane_top(s, sp->lane), h = lane_h(s, sp->lane);
        if (w <= 60)
            continue;
        bool crashed = sp->kind == VT_SPAN_CRASHED;
        fprintf(s->out, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"%s\"%s>",
                fmax(x0, SVG_LABEL_W) + 3, sp->kind == VT_SPAN_PARTITION ? top + h - 8
                                           : sp->kind == VT_SPAN_BYZANTINE ? top + 22 : top + 11,
                crashed ? "#fff" : "#333",
                crashed ? "" : " stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\"");
        text_escaped(s->out, sp->label);
        fprintf(s->out, "</text>\n");
    }
}

static void draw_msgs(const svg *s)
{
    const view_trace *vt = s->vt;
    for (size_t i = 0; i < vt->msgs_len; i++) {
        const vt_msg *m = &vt->msgs[i];
        if (m->from < 0 || m->to < 0 || !overlaps(s, m->t_send, m->t_end))
            continue;
        double x0 = xt(s, m->t_send), y0 = lane_y(s, m->from);
        double x1 = xt(s, m->t_end), y1 = lane_y(s, m->to);
        bool client = m->from >= vt->nodes || m->to >= vt->nodes;
        const char *col = client ? "#607d8b" : "#1e64c8";
        FILE *o = s->out;
        if (m->fate == VT_DELIVER) {
            if (m->from == m->to)
                y1 = y0 + 6;
            fprintf(o, "<line class=\"arrow%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"1\"%s marker-end=\"url(#head)\">", m->dup ? " dup" : "", x0, y0, x1, y1,
                    m->dup ? "#8e24aa" : col, m->dup ? " stroke-dasharray=\"4 2\"" : "");
        } else if (m->fate == VT_DROP) {
            if (m->t_end == m->t_send) {
                x1 = x0 + 8;
                y1 = y0 + (y1 - y0) * 0.3;
            }
            fprintf(o, "<g class=\"drop\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e53935\" "
                    "stroke-width=\"1\"/><path d=\"M%.1f %.1fl6 6m0 -6l-6 6\" stroke=\"#e53935\" stroke-width=\"2\"/>",
                    x0, y0, x1, y1, x1 - 3, y1 - 3);
        } else {
            fprintf(o, "<line class=\"inflight\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-dasharray=\"2 3\">", x0, y0, x1, y0 + (y1 - y0) * 0.5, col);
        }
        fprintf(o, "<title>");
        text_escaped(o, m->name);
        fprintf(o, " %s%s %.3f-&gt;%.3f ms</title></%s>\n", m->fate == VT_DROP ? "dropped" : "",
                m->dup ? " (duplicate)" : "", (double)m->t_send / 1e6, (double)m->t_end / 1e6,
                m->fate == VT_DROP ? "g" : "line");
    }
}

static void draw_marks(const svg *s)
{
    const view_trace *vt = s->vt;
    for (size_t i = 0; i < vt->marks_len; i++) {
        const vt_mark *m = &vt->marks[i];
        if (m->t < s->t0 || m->t > s->t1)
            continue;
        double x = xt(s, m->t);
        FILE *o = s->out;
        if (m->kind == VT_MARK_INVARIANT) {
            fprintf(o, "<line class=\"invariant\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#b00020\" "
                    "stroke-width=\"2\" stroke-dasharray=\"6 3\">", x, SVG_TOP, x, plot_bottom(s));
            fprintf(o, "<title>invariant: ");
            text_escaped(o, m->label);
            fprintf(o, "</title></line>\n");
            continue;
        }
        if (m->lane < 0)
            continue;
        double top = lane_top(s, m->lane), y = lane_y(s, m->lane);
        if (m->kind == VT_MARK_TIMER)
            fprintf(o, "<path class=\"timer\" d=\"M%.1f %.1fl-3 -5h6z\" fill=\"#455a64\">", x, top + lane_h(s, m->lane) - 2);
        else if (m->kind == VT_MARK_CLOCK)
            fprintf(o, "<g class=\"clock\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#fff\" stroke=\"#6a1b9a\" "
                    "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#6a1b9a\">", x, y, x + 7, top + 10);
        else
            fprintf(o, "<circle class=\"emit\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#00897b\">", x, top + 6);
        if (m->kind == VT_MARK_CLOCK) {
            text_escaped(o, m->label);
            fprintf(o, "</text></g>\n");
            continue;
        }
        fprintf(o, "<title>");
        text_escaped(o, m->label);
        fprintf(o, "</title></%s>\n", m->kind == VT_MARK_TIMER ? "path" : "circle");
    }
}

int view_svg_write(FILE *out, const char *text, size_t len, const view_svg_opts *o, char *err, size_t cap)
{
    view_trace vt;
    if (view_trace_load(&vt, text, len, err, cap) != 0) {
        view_trace_free(&vt);
        return -1;
    }
    svg s = {.out = out, .vt = &vt, .t0 = o->from_ns, .t1 = o->to_ns >= 0 ? o->to_ns : vt.t_end,
             .width = o->width_px};
    if (s.t1 <= s.t0) {
        snprintf(err, cap, "the window %.3f..%.3f ms is empty (the run ends at %.3f ms)",
                 (double)s.t0 / 1e6, (double)s.t1 / 1e6, (double)vt.t_end / 1e6);
        view_trace_free(&vt);
        return -1;
    }
    double w = SVG_LABEL_W + s.width + SVG_RIGHT, h = plot_bottom(&s) + 12;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
            "font-family=\"sans-serif\" font-size=\"11\" data-from-ns=\"%" PRId64 "\" data-to-ns=\"%" PRId64 "\">\n"
            "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" "
            "markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"context-stroke\"/>"
            "</marker><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#5d4037\"/><line x1=\"0\" "
            "y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#e53935\" stroke-width=\"3\"/></pattern>"
            "<clipPath id=\"plot\"><rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%.0f\"/></clipPath></defs>\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n<text x=\"8\" y=\"16\" font-size=\"13\" "
            "font-weight=\"bold\">", w, h, w, h, s.t0, s.t1, SVG_LABEL_W, s.width + 1, h);
    text_escaped(out, vt.scenario);
    fprintf(out, " (seed %" PRIu64 ", ", vt.seed);
    text_escaped(out, vt.protocol);
    fprintf(out, ")</text>\n");
    draw_lanes(&s);
    draw_axis(&s);
    fprintf(out, "<g clip-path=\"url(#plot)\">\n");
    note_roles(&s);
    draw_spans(&s);
    draw_msgs(&s);
    draw_marks(&s);
    draw_span_labels(&s);
    fprintf(out, "</g>\n</svg>\n");
    view_trace_free(&vt);
    if (ferror(out)) {
        snprintf(err, cap, "error writing the SVG");
        return -1;
    }
    return 0;
}

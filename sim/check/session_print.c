/*
** session_print.c — the session-guarantees verdict as one screen: which
** guarantees the history keeps, and for each violated one the operations
** and the chain of "comes before" that closes on itself.
*/
#include <stdio.h>
#include <string.h>

#include "session.h"

static void print_ops(const json_t *ops, FILE *out)
{
    size_t i;
    const json_t *op;
    json_array_foreach(ops, i, op) {
        const char *key = json_string_value(json_object_get(op, "key"));
        const char *node = json_string_value(json_object_get(op, "node"));
        fprintf(out, "    p%-4lld %-5s %s%s%-12s line %-5lld%s%s\n",
                (long long)json_integer_value(json_object_get(op, "process")),
                json_string_value(json_object_get(op, "f")), key ? key : "", key ? " " : "",
                json_string_value(json_object_get(op, "value")),
                (long long)json_integer_value(json_object_get(op, "line")),
                node ? " ok from " : "", node ? node : "");
    }
}

static void print_one(const char *name, const json_t *r, FILE *out)
{
    fprintf(out, "%s: VIOLATED\n", name);
    print_ops(json_object_get(r, "ops"), out);
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(r, "edges"), i, e)
        fprintf(out, "      %s\n", json_string_value(json_object_get(e, "why")));
    const char *gap = json_string_value(json_object_get(r, "gap"));
    if (gap)
        fprintf(out, "      so %s\n", gap);
    else
        fprintf(out, "      a cycle: no order of these versions lets %s hold\n", name);
}

static void names(const char *label, const json_t *list, FILE *out)
{
    size_t i;
    const json_t *n;
    fprintf(out, "  %-9s", label);
    json_array_foreach(list, i, n)
        fprintf(out, "%s%s", i ? ", " : " ", json_string_value(n));
    fprintf(out, "%s\n", json_array_size(list) ? "" : " none");
}

void session_print_text(const json_t *report, FILE *out)
{
    const json_t *g = json_object_get(report, "guarantees");
    bool valid = json_is_true(json_object_get(report, "valid"));
    long long sessions = (long long)json_integer_value(json_object_get(report, "sessions"));
    fprintf(out, "%s: session guarantees %s (%lld operations, %lld session%s, %lld versions)\n",
            json_string_value(json_object_get(report, "source")), valid ? "kept" : "VIOLATED",
            (long long)json_integer_value(json_object_get(report, "ops")), sessions,
            sessions == 1 ? "" : "s", (long long)json_integer_value(json_object_get(report, "versions")));
    names("kept:", json_object_get(report, "kept"), out);
    names("violated:", json_object_get(report, "violated"), out);
    if (json_is_false(json_object_get(json_object_get(g, "together"), "valid")))
        fprintf(out, "  together: the four (RYW, MR, MW, WFR) cannot all hold\n");
    if (!json_is_true(json_object_get(json_object_get(g, "consistent-prefix"), "tested")))
        fprintf(out, "  (consistent-prefix: not tested, no operation read two keys at once)\n");
    for (int k = 0; k < SESSION_G_COUNT; k++) {
        const json_t *r = json_object_get(g, session_names[k]);
        if (json_is_false(json_object_get(r, "valid")))
            print_one(session_names[k], r, out);
    }
    const json_t *t = json_object_get(g, "together");
    if (json_is_false(json_object_get(t, "valid")) && json_array_size(json_object_get(report, "violated")) == 0)
        print_one("the four guarantees together", t, out);
}

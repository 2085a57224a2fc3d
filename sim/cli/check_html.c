/*
** check_html.c — see check_html.h. The page's data: every operation of
** the history paired as the checker pairs them ('hist_pair'), with its
** invoke and completion positions in event order (the x axis: :time is
** display only and may go backwards), plus the checker's report, whose
** operation 'index' fields are the same pairing's indices.
*/
#include "check_html.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "view.h"

enum { PAGE_OPS_MAX = 200000 };   /* a bigger history is refused: the page would not open */

bool check_html_is_history(const char *text, size_t len)
{
    size_t n = len < 4096 ? len : 4096;
    const char *nl = memchr(text, '\n', n);
    size_t first = nl ? (size_t)(nl - text) : n;
    for (size_t i = 0; i + 10 <= first; i++)
        if (memcmp(text + i, "dsim_trace", 10) == 0)
            return false;
    return true;
}

static json_t *value_json(const hist_value *v)
{
    char small[256];
    size_t need = hist_value_format(v, small, sizeof small);
    if (need < sizeof small)
        return json_loads(small, JSON_DECODE_ANY, NULL);
    char *big = malloc(need + 1);
    if (big == NULL)
        return json_null();
    hist_value_format(v, big, need + 1);
    json_t *j = json_loads(big, JSON_DECODE_ANY, NULL);
    free(big);
    return j ? j : json_null();
}

static json_t *ops_json(const hist *h, const hist_op *ops, size_t n)
{
    static const char *const status[] = {"ok", "fail", "info", "open"};
    json_t *all = json_array();
    for (size_t i = 0; i < n; i++) {
        const hist_event *inv = &h->events[ops[i].invoke];
        const hist_event *cmp = ops[i].complete != HIST_NO_EVENT ? &h->events[ops[i].complete] : NULL;
        json_t *o = json_pack("{s:I, s:I, s:s, s:o, s:o, s:s, s:I, s:o, s:I, s:o}",
            "index", (json_int_t)i, "process", (json_int_t)inv->process, "f", inv->f,
            "value", value_json(inv->value),
            "result", cmp && ops[i].status == HIST_OP_OK ? value_json(cmp->value) : json_null(),
            "status", status[ops[i].status], "call", (json_int_t)ops[i].invoke,
            "ret", cmp ? json_integer((json_int_t)ops[i].complete) : json_null(),
            "invoke_line", (json_int_t)inv->line,
            "complete_line", cmp ? json_integer(cmp->line) : json_null());
        if (inv->key)
            json_object_set_new(o, "key", json_string(inv->key));
        if (inv->time >= 0)
            json_object_set_new(o, "invoke_time", json_integer(inv->time));
        if (cmp && cmp->time >= 0)
            json_object_set_new(o, "complete_time", json_integer(cmp->time));
        json_array_append_new(all, o);
    }
    return all;
}

int check_html_write(const char *path, const char *text, size_t len, const char *source,
                     const char *format, const json_t *report, char *err, size_t cap)
{
    hist_format fmt = HIST_FMT_AUTO;
    if (hist_format_parse(format ? format : "auto", &fmt) != 0) {
        snprintf(err, cap, "%s: unknown format '%s'", source, format);
        return -1;
    }
    hist *h = hist_read(text, len, source, fmt, err, cap);
    if (h == NULL)
        return -1;
    hist_op *ops = NULL;
    size_t n = 0;
    if (hist_pair(h, &ops, &n, err, cap) != 0) {
        hist_free(h);
        return -1;
    }
    int rc = -1;
    if (n > PAGE_OPS_MAX) {
        snprintf(err, cap, "%s: %zu operations: the page draws at most %d", source, n, PAGE_OPS_MAX);
    } else {
        json_t *data = json_pack("{s:s, s:I, s:o, s:O}", "source", source, "events",
                                 (json_int_t)h->count, "ops", ops_json(h, ops, n),
                                 "report", report ? (json_t *)report : json_null());
        char *dump = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER);
        bool to_stdout = strcmp(path, "-") == 0;
        FILE *out = to_stdout ? stdout : fopen(path, "w");
        if (dump == NULL) {
            snprintf(err, cap, "out of memory");
        } else if (out == NULL) {
            snprintf(err, cap, "cannot write '%s': %s", path, strerror(errno));
        } else {
            rc = view_history_write(out, dump, source, err, cap);
            if (!to_stdout && fclose(out) != 0 && rc == 0) {
                snprintf(err, cap, "error writing '%s'", path);
                rc = -1;
            }
        }
        free(dump);
        json_decref(data);
    }
    free(ops);
    hist_free(h);
    return rc;
}

/*
** view_html.c — the self-contained HTML page of a run.
**
** The page is tools/viewer/template.html with its markers filled in:
** {{TITLE}} (HTML-escaped), {{WINDOW}} (the first view, "from_ns,to_ns"
** or empty for the whole run), {{CSS}} and {{JS}} (the viewer, compiled into
** the binary), {{TRACE}} (the trace lines as compact rows, see
** 'put_trace'). The trace is
** checked by reading it fully first (view_trace_load), so a page is never
** written for a file that is not a trace. Inside the <script> element the
** text must never contain "</script" or "<!--": every '<' is written as
** the JSON escape \u003c, which can only occur inside JSON strings, so the
** data stays the same JSON.
*/
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"
#include "view_assets.h"
#include "view_trace.h"

char *view_read_file(const char *path, size_t *len, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, cap, "cannot read '%s'", path);
        return NULL;
    }
    size_t n = 0, bufcap = 1 << 16;
    char *buf = malloc(bufcap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, bufcap - n, f);
        n += got;
        if (n < bufcap)
            break;
        char *nb = realloc(buf, bufcap * 2 + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        bufcap *= 2;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(err, cap, bad ? "error reading '%s'" : "out of memory reading '%s'", path);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static void put_escaped_html(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* Writes 'text' ('len' bytes) with every '<' as \u003c (see the top comment). */
static void put_json_text(FILE *out, const char *text, size_t len)
{
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '<')
            continue;
        fwrite(text + run, 1, i - run, out);
        fputs("\\u003c", out);
        run = i + 1;
    }
    fwrite(text + run, 1, len - run, out);
}

static void put_json(FILE *out, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    if (s)
        put_json_text(out, s, strlen(s));
    else
        fputs("null", out);
    free(s);
}

/* The trace in the page, compacted. Most of a trace's bytes are its keys
** and a few values that repeat on every line, so each line becomes a row
** [shape, values...] and the shapes are written once at the end:
**   {"rows":[[0,220208,"c24",1,23,1],...],
**    "shapes":[{"k":["t","ev","client","op","process","type","f","value"],
**               "c":{"ev":"op","type":"invoke","f":"write"}},...]}
** A shape is the line's keys in order plus the values of the keys in
** 'const_keys' (event kind, message name, operation type and function,
** drop reason) when they are strings; the row holds the other values in
** key order. "t" is written as the difference from the previous row's
** "t" (rows are in time order, so the numbers stay short). Lines past
** SHAPES_MAX distinct shapes, or with a "t" that is not an integer, stay
** objects (and restart the difference at their "t"). Together this makes
** the page of a big run about a third of the trace's size, and the browser
** parses arrays faster than objects. The viewer undoes it ('decodeRows'). */
#define SHAPES_MAX 4096
#define SHAPE_TEXT_MAX 2048

static const char *const const_keys[] = {"ev", "msg", "type", "f", "why", NULL};

typedef struct shapes {
    char *sig[SHAPES_MAX];     /* "key\n...\n" then "=key\tjson\n" per constant */
    size_t len;
    json_int_t t_prev;
} shapes;

static bool is_const(const char *key, const json_t *v)
{
    if (!json_is_string(v) || json_string_length(v) > 64)
        return false;
    for (int i = 0; const_keys[i]; i++)
        if (strcmp(key, const_keys[i]) == 0)
            return true;
    return false;
}

static bool sig_add(char *buf, size_t *n, const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    if (*n + la + lb + lc + 1 >= SHAPE_TEXT_MAX)
        return false;
    memcpy(buf + *n, a, la), memcpy(buf + *n + la, b, lb), memcpy(buf + *n + la + lb, c, lc);
    *n += la + lb + lc;
    buf[*n] = 0;
    return true;
}

/* The row's shape, or -1 when it has none (the line stays an object): a
** key the signature cannot hold ('\n', '\t', or a leading '=', which marks
** the constants) has none. */
static long shape_of(shapes *sh, const json_t *o)
{
    char buf[SHAPE_TEXT_MAX] = "";
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
        if (strchr(k, '\n') || strchr(k, '\t') || k[0] == '=' || !sig_add(buf, &n, k, "\n", ""))
            return -1;
    json_object_foreach((json_t *)o, k, v) {
        if (!is_const(k, v))
            continue;
        char *js = json_dumps(v, JSON_ENCODE_ANY);
        bool ok = js && !strchr(js, '\n') && sig_add(buf, &n, "=", k, "\t") && sig_add(buf, &n, js, "\n", "");
        free(js);
        if (!ok)
            return -1;
    }
    for (size_t i = 0; i < sh->len; i++)
        if (strcmp(sh->sig[i], buf) == 0)
            return (long)i;
    if (sh->len == SHAPES_MAX || !(sh->sig[sh->len] = strdup(buf)))
        return -1;
    return (long)sh->len++;
}

static void put_row(FILE *out, shapes *sh, const json_t *o)
{
    json_t *t = json_object_get(o, "t");
    json_int_t delta;   /* times are written as deltas: only when one fits */
    bool fits = !t || (json_is_integer(t) &&
                       !__builtin_sub_overflow(json_integer_value(t), sh->t_prev, &delta));
    long id = json_is_object(o) && fits ? shape_of(sh, o) : -1;
    if (id < 0) {
        put_json(out, o);
        if (json_is_integer(t))
            sh->t_prev = json_integer_value(t);
        return;
    }
    fprintf(out, "[%ld", id);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        if (is_const(k, v))
            continue;
        fputc(',', out);
        if (v == t) {
            fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(t) - sh->t_prev);
            sh->t_prev = json_integer_value(t);
        } else {
            put_json(out, v);
        }
    }
    fputc(']', out);
}

/* Writes one JSON string from 'len' bytes at 's' ('<'-escaped). */
static void put_string(FILE *out, const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    put_json(out, j);
    json_decref(j);
}

static void put_shapes(FILE *out, shapes *sh)
{
    fputs("\"shapes\":[", out);
    for (size_t i = 0; i < sh->len; i++) {
        fputs(i ? ",\n{\"k\":[" : "\n{\"k\":[", out);
        const char *p = sh->sig[i];
        for (int j = 0; *p && *p != '='; j++) {
            const char *nl = strchr(p, '\n');
            if (j)
                fputc(',', out);
            put_string(out, p, (size_t)(nl - p));
            p = nl + 1;
        }
        fputs("],\"c\":{", out);
        for (int j = 0; *p == '='; j++) {
            const char *tab = strchr(p, '\t'), *nl = strchr(tab, '\n');
            if (j)
                fputc(',', out);
            put_string(out, p + 1, (size_t)(tab - p - 1));
            fputc(':', out);
            put_json_text(out, tab + 1, (size_t)(nl - tab - 1));
            p = nl + 1;
        }
        fputs("}}", out);
        free(sh->sig[i]);
    }
    fputs("]}", out);
}

/* The trace lines (already checked by view_trace_load) as rows. */
static int put_trace(FILE *out, const char *text, size_t len, char *err, size_t cap)
{
    shapes *sh = calloc(1, sizeof *sh);
    if (!sh) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    fputs("{\"rows\":[\n", out);
    bool first = true;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (end > pos) {
            json_t *o = json_loadb(text + pos, end - pos, 0, NULL);
            if (!first)
                fputs(",\n", out);
            first = false;
            if (o)
                put_row(out, sh, o);
            else
                fputs("null", out);
            json_decref(o);
        }
        pos = end + 1;
    }
    fputs("\n],", out);
    put_shapes(out, sh);
    free(sh);
    return 0;
}

int view_html_write(FILE *out, const char *text, size_t len, const char *title, int64_t from_ns,
                    int64_t to_ns, char *err, size_t cap)
{
    view_trace vt;
    int rc = view_trace_load(&vt, text, len, err, cap);
    view_trace_free(&vt);
    if (rc != 0)
        return -1;
    const char *t = (const char *)view_asset_template_html;
    for (;;) {
        const char *m = strstr(t, "{{");
        if (!m) {
            fputs(t, out);
            break;
        }
        fwrite(t, 1, (size_t)(m - t), out);
        if (strncmp(m, "{{TITLE}}", 9) == 0)
            put_escaped_html(out, title);
        else if (strncmp(m, "{{WINDOW}}", 10) == 0) {
            if (to_ns >= 0)
                fprintf(out, "%" PRId64 ",%" PRId64, from_ns, to_ns);
        }
        else if (strncmp(m, "{{CSS}}", 7) == 0)
            fwrite(view_asset_viewer_css, 1, view_asset_viewer_css_len, out);
        else if (strncmp(m, "{{JS}}", 6) == 0)
            fwrite(view_asset_viewer_js, 1, view_asset_viewer_js_len, out);
        else if (strncmp(m, "{{TRACE}}", 9) == 0) {
            if (put_trace(out, text, len, err, cap) != 0)
                return -1;
        } else {
            fputs("{{", out);
            t = m + 2;
            continue;
        }
        t = strstr(m, "}}") + 2;
    }
    if (ferror(out)) {
        snprintf(err, cap, "error writing the page");
        return -1;
    }
    return 0;
}

int view_html_after_run(const char *trace_path, const char *mem, size_t len, const char *html_path)
{
    char err[512];
    char *owned = NULL;
    if (!mem) {
        if (!(owned = view_read_file(trace_path, &len, err, sizeof err))) {
            fprintf(stderr, "dsim run: --html: %s\n", err);
            return -1;
        }
        mem = owned;
    }
    FILE *out = fopen(html_path, "w");
    int rc = -1;
    if (!out) {
        snprintf(err, sizeof err, "cannot write '%s'", html_path);
    } else {
        rc = view_html_write(out, mem, len, html_path, 0, -1, err, sizeof err);
        if (fclose(out) != 0 && rc == 0) {
            snprintf(err, sizeof err, "error writing '%s'", html_path);
            rc = -1;
        }
    }
    if (rc != 0)
        fprintf(stderr, "dsim run: --html: %s\n", err);
    free(owned);
    return rc;
}

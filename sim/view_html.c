/*
** view_html.c — the self-contained HTML page of a run.
**
** The page is tools/viewer/template.html with its markers filled in:
** {{TITLE}} (HTML-escaped), {{CSS}} and {{JS}} (the viewer, compiled into
** the binary), {{TRACE}} (the trace lines as compact rows, see
** 'put_trace'). The trace is
** checked by reading it fully first (view_trace_load), so a page is never
** written for a file that is not a trace. Inside the <script> element the
** text must never contain "</script" or "<!--": every '<' is written as
** the JSON escape \u003c, which can only occur inside JSON strings, so the
** data stays the same JSON.
*/
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

/* The trace in the page, compacted: most of a trace's bytes are its keys,
** repeated on every line, so each line becomes a row [shape, values...]
** where 'shape' indexes a list of key lists written once at the end:
** {"rows":[[0,12,"send",...],...],"shapes":[["t","ev","from",...],...]}.
** That halves the page of a big run, and the browser parses arrays faster
** than objects. Lines past SHAPES_MAX distinct shapes stay objects. */
#define SHAPES_MAX 4096

typedef struct shapes {
    char *keys[SHAPES_MAX];    /* the key list, joined by '\n' */
    size_t len;
} shapes;

static long shape_of(shapes *sh, const json_t *o)
{
    char buf[2048];
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        size_t kl = strlen(k);
        if (n + kl + 2 > sizeof buf)
            return -1;
        memcpy(buf + n, k, kl);
        n += kl;
        buf[n++] = '\n';
    }
    buf[n] = 0;
    for (size_t i = 0; i < sh->len; i++)
        if (strcmp(sh->keys[i], buf) == 0)
            return (long)i;
    if (sh->len == SHAPES_MAX || !(sh->keys[sh->len] = strdup(buf)))
        return -1;
    return (long)sh->len++;
}

static void put_row(FILE *out, shapes *sh, const json_t *o)
{
    long id = json_is_object(o) ? shape_of(sh, o) : -1;
    if (id < 0) {
        put_json(out, o);
        return;
    }
    fprintf(out, "[%ld", id);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        fputc(',', out);
        put_json(out, v);
    }
    fputc(']', out);
}

static void put_shapes(FILE *out, shapes *sh)
{
    fputs("\"shapes\":[", out);
    for (size_t i = 0; i < sh->len; i++) {
        fputs(i ? ",\n[" : "\n[", out);
        const char *k = sh->keys[i];
        for (int j = 0; *k; j++) {
            const char *nl = strchr(k, '\n');
            json_t *name = json_stringn(k, (size_t)(nl - k));
            if (j)
                fputc(',', out);
            put_json(out, name);
            json_decref(name);
            k = nl + 1;
        }
        fputc(']', out);
        free(sh->keys[i]);
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

int view_html_write(FILE *out, const char *text, size_t len, const char *title, char *err, size_t cap)
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
        rc = view_html_write(out, mem, len, html_path, err, sizeof err);
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

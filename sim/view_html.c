/*
** view_html.c — the self-contained HTML page of a run.
**
** The page is tools/viewer/template.html with its markers filled in:
** {{TITLE}} (HTML-escaped), {{CSS}} and {{JS}} (the viewer, compiled into
** the binary), {{TRACE}} (the trace lines as one JSON array). The trace is
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

/* The trace lines as one JSON array, '<' escaped (see the top comment). */
static void put_trace(FILE *out, const char *text, size_t len)
{
    fputs("[\n", out);
    bool first = true;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (end > pos) {
            if (!first)
                fputs(",\n", out);
            first = false;
            size_t run = pos;
            for (size_t i = pos; i < end; i++) {
                if (text[i] != '<')
                    continue;
                fwrite(text + run, 1, i - run, out);
                fputs("\\u003c", out);
                run = i + 1;
            }
            fwrite(text + run, 1, end - run, out);
        }
        pos = end + 1;
    }
    fputs("\n]", out);
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
        else if (strncmp(m, "{{TRACE}}", 9) == 0)
            put_trace(out, text, len);
        else {
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

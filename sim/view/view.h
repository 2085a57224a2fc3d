/*
** view.h — drawing a run from its trace: 'dsim view' and 'dsim run --html'.
**
** Two outputs. The HTML page is self-contained (the viewer's script and
** style, tools/viewer/, are compiled into the binary; the trace is inlined
** as compact JSON rows), draws on a canvas in the browser and needs no network.
** The SVG is a static drawing of a time window, computed here in C, for
** slides and the README. Both read the trace format of docs/trace.md.
*/
#ifndef DSIM_VIEW_H
#define DSIM_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads a whole file into a NUL-terminated buffer (the caller frees it);
** NULL with a message in 'err'. */
char *view_read_file(const char *path, size_t *len, char *err, size_t cap);

/* Writes the HTML page for the trace text 'text' ('len' bytes) to 'out'.
** 'title' names the page; the page opens on the window from_ns..to_ns
** (to_ns < 0: the whole run). 0, or -1 with a message in 'err' when the
** trace is not a dsim trace. */
int view_html_write(FILE *out, const char *text, size_t len, const char *title,
                    int64_t from_ns, int64_t to_ns, char *err, size_t cap);

/* For 'dsim run --html': the trace is in 'mem' ('len' bytes) or, when
** 'mem' is NULL, in the file 'trace_path'. Prints its own error; 0 or -1. */
int view_html_after_run(const char *trace_path, const char *mem, size_t len, const char *html_path);

/* The timeline page of a checked history (tools/viewer/history.html):
** 'data_json' is its data (an object with "ops", "events", "source" and
** the checker's "report", or null), 'title' names the page. 0, or -1 with
** a message in 'err'. */
int view_history_write(FILE *out, const char *data_json, const char *title, char *err, size_t cap);

typedef struct view_svg_opts {
    int64_t from_ns, to_ns;   /* the time window; to_ns < 0: the end of the run */
    int width_px;             /* drawing width of the time axis */
} view_svg_opts;

/* Writes an SVG drawing of the trace's window to 'out'; 0 or -1 with 'err'. */
int view_svg_write(FILE *out, const char *text, size_t len, const view_svg_opts *o,
                   char *err, size_t cap);

#endif

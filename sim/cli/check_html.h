/*
** check_html.h — the timeline page of a history, for 'dsim check --html'
** (with the checker's report) and 'dsim view HISTORY' (without).
*/
#ifndef DSIM_CHECK_HTML_H
#define DSIM_CHECK_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Is 'text' a history rather than a dsim trace (no "dsim_trace" header)? */
bool check_html_is_history(const char *text, size_t len);

/* Reads history 'text' ('format': auto, json, edn, etcd, kv) and writes its
** page to 'path' ('-': stdout) with 'report' (a checker's report; NULL: not
** checked). 0, or -1 with "SOURCE:LINE: ..." or the I/O error in 'err'. */
int check_html_write(const char *path, const char *text, size_t len, const char *source,
                     const char *format, const json_t *report, char *err, size_t cap);

#endif

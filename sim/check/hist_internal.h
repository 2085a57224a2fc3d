/*
** hist_internal.h — what the history readers (hist_*.c) share and nothing
** else includes: arena allocation and the error formatter.
*/
#ifndef DSIM_HIST_INTERNAL_H
#define DSIM_HIST_INTERNAL_H

#include "hist.h"

/* Arena memory owned by 'h', 16-byte aligned, freed by 'hist_free'. */
void *hist_alloc(hist *h, size_t size);
/* "SOURCE:LINE: message" (line 0: "SOURCE: message") into 'err'. */
void hist_error(char *err, size_t cap, const char *source, uint32_t line,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* One reader per format; each returns 0 or -1 with 'err' set. */
int hist_read_json(hist *h, const char *text, size_t len, char *err, size_t cap);
int hist_read_edn(hist *h, const char *text, size_t len, char *err, size_t cap);
int hist_read_etcd(hist *h, const char *text, size_t len, char *err, size_t cap);

#endif

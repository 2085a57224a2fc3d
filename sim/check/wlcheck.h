/*
** wlcheck.h — what the workload checkers (counter bounds, set-full,
** total-queue) share: a history read, paired, and its operations' values.
** Internal to sim/check; the entry points are in check.h.
*/
#ifndef DSIM_WLCHECK_H
#define DSIM_WLCHECK_H

#include <stdbool.h>

#include "check.h"
#include "hist.h"

typedef struct wlcheck_hist {
    hist *h;
    hist_op *ops;        /* ordered by invoke index */
    size_t count;
} wlcheck_hist;

/* Reads 'text' in 'format' ("auto", "json", "edn", ...) and pairs it.
** Returns 0, or -1 with "SOURCE[:LINE]: what" in 'err'. */
int wlcheck_load(const char *text, size_t len, const char *source, const char *format,
                 wlcheck_hist *out, char *err, size_t cap);
void wlcheck_free(wlcheck_hist *w);
bool wlcheck_f_is(const wlcheck_hist *w, const hist_op *op, const char *f);
const hist_value *wlcheck_invoke_value(const wlcheck_hist *w, const hist_op *op);
/* The completion's value (nil when open). */
const hist_value *wlcheck_result_value(const wlcheck_hist *w, const hist_op *op);
/* Event positions: invoke index, and completion index (or SIZE_MAX when open). */
size_t wlcheck_done(const hist_op *op);
/* "SOURCE:LINE" of the op's invoke, for reports. */
json_t *wlcheck_where(const wlcheck_hist *w, const hist_op *op);
/* Fails with 'err' when 'v' is not an integer: "SOURCE:LINE: expected ...". */
int wlcheck_int(const wlcheck_hist *w, const hist_op *op, const hist_value *v, const char *what,
                int64_t *out, char *err, size_t cap);

#endif

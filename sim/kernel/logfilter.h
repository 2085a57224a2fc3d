/*
** logfilter.h — which events 'dsim run --log=FILTERS' prints.
**
** A filter list is "key:value,key:value,...". Terms with the same key are
** alternatives (OR); terms with different keys must all hold (AND). So
** "node:n1,node:n2,ev:deliver" prints deliveries that involve n1 or n2.
** 'node' matches an event's node, from, to or client field (the event
** involves that endpoint); every other key matches the event's top-level
** field of that name. A value ending in '*' matches as a prefix
** ("msg:Append*"). Filters only choose lines to print; they never change
** the run or the trace.
*/
#ifndef DSIM_LOGFILTER_H
#define DSIM_LOGFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef struct logfilter logfilter;

/* Parses 'spec'; NULL with a message in 'err' when a term is malformed or
** names an unknown key. The caller frees the result with logfilter_free. */
logfilter *logfilter_parse(const char *spec, char *err, size_t cap);
void logfilter_free(logfilter *f);
/* Does trace event 'e' pass? A NULL filter passes everything. */
bool logfilter_match(const logfilter *f, const json_t *e);
/* The keys a filter may use, for help texts: "node, ev, msg, ...". */
const char *logfilter_keys(void);

#endif

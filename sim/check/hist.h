/*
** hist.h — a parsed client history and the readers that build one.
**
** A history is the list of events a set of clients recorded, in Jepsen's
** shape: each event has a process, a type (invoke, ok, fail, info), an
** operation name 'f', an optional key and a value. The readers accept
** dsim JSON lines (DESIGN.md), Jepsen EDN, and the two formats of
** Porcupine's test suite (its Jepsen etcd logs and its KV logs).
**
** Invariants
** - Strings ('f', 'key', string values) are interned per history: equal
**   text gives the same pointer, stable until 'hist_free'.
** - Values are hash-consed: equal values (same kind, same content,
**   recursively) are the same 'hist_value' node and have the same 'id'.
**   'id' 0 is always nil. Nodes never move until 'hist_free'.
** - Events keep file order; 'line' is the 1-based source line (0 for
**   events built in memory).
**
** Conventions of the Porcupine etcd reader (see the corpus README):
** ':fail :cas' there is a real response, so the reader records it as an ok
** cas whose completion value is the boolean false ("the cas returned
** false"); ':fail :read :timed-out' becomes an info read. Checkers read an
** ok cas completion with value false as "did not swap" and any other ok cas
** completion as "swapped". A 'fail' event, in every other format, means the
** operation did not happen.
*/
#ifndef DSIM_HIST_H
#define DSIM_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hist_type { HIST_INVOKE, HIST_OK, HIST_FAIL, HIST_INFO } hist_type;

typedef enum hist_kind {
    HIST_NIL, HIST_BOOL, HIST_INT, HIST_STR, HIST_KEYWORD, HIST_LIST
} hist_kind;

typedef struct hist_value {
    hist_kind kind;
    uint32_t id;          /* equal values <=> equal ids; nil is 0 */
    int64_t i;            /* HIST_INT; HIST_BOOL: 0 or 1 */
    const char *s;        /* HIST_STR, HIST_KEYWORD (without ':'), interned */
    size_t len;           /* string length, or list length */
    const struct hist_value *const *items;   /* HIST_LIST: 'len' items */
} hist_value;

typedef struct hist_event {
    int64_t process;
    hist_type type;
    const char *f;             /* interned, never NULL */
    const char *key;           /* interned, NULL when the event has no key */
    const hist_value *value;   /* never NULL (nil node when absent) */
    int64_t time;              /* -1 when absent; only for display */
    uint32_t line;             /* 1-based source line, 0 when built in memory */
    const char *node;          /* interned: the node that served a completion
                                  (dsim's "node"); NULL when absent. Display only */
} hist_event;

typedef struct hist_arena hist_arena;   /* private to hist_*.c */

typedef struct hist {
    hist_event *events;
    size_t count;
    const char *source;        /* name used in messages, interned */
    hist_arena *arena;         /* owns strings, values and 'events' */
} hist;

typedef enum hist_format {
    HIST_FMT_AUTO, HIST_FMT_JSON, HIST_FMT_EDN, HIST_FMT_ETCD, HIST_FMT_KV
} hist_format;

/* "auto", "json", "edn", "etcd", "kv" -> format; -1 when unknown. */
int hist_format_parse(const char *name, hist_format *out);
const char *hist_format_name(hist_format fmt);
/* Guesses the format from the first non-blank line ('HIST_FMT_JSON' when
** nothing matches, so the JSON reader reports the error). */
hist_format hist_detect(const char *text, size_t len);

/* Parses 'text' in 'fmt' (AUTO detects). Returns NULL on bad input, with
** "SOURCE:LINE: what was expected" in 'err'. The caller frees with
** 'hist_free'. Pure syntax: pairing and model checks come later. */
hist *hist_read(const char *text, size_t len, const char *source, hist_format fmt,
                char *err, size_t err_cap);

/* One value written as EDN or JSON text ("0", "nil", "null", "\"a\"",
** "[1 2]"), owned by 'h'; NULL with "SOURCE: expected ..." in 'err' when
** 'text' is not exactly one such value. For options like --initial. */
const hist_value *hist_parse_value(hist *h, const char *text, char *err, size_t cap);

/* An empty history, for building one in memory (tests, converters). */
hist *hist_new(const char *source);
void hist_free(hist *h);

/* Constructors; results are owned by 'h'. NULL only when out of memory. */
const char *hist_intern(hist *h, const char *s, size_t len);
const hist_value *hist_nil(hist *h);
const hist_value *hist_bool(hist *h, bool b);
const hist_value *hist_int(hist *h, int64_t i);
const hist_value *hist_str(hist *h, const char *s, size_t len);
const hist_value *hist_keyword(hist *h, const char *s, size_t len);
const hist_value *hist_list(hist *h, const hist_value *const *items, size_t n);
/* Appends an event ('f' and 'key' are interned here; key may be NULL;
** value NULL means nil). Returns 0, or -1 when out of memory. */
int hist_add(hist *h, int64_t process, hist_type type, const char *f, const char *key,
             const hist_value *value, int64_t time, uint32_t line);

/* Sets the node that served the last event added (display only). 0, or -1
** when out of memory. */
int hist_set_node(hist *h, const char *node, size_t len);

/* Writes 'v' as JSON text (nil -> null, keyword -> ":kw" string) into
** 'buf'; returns the length it needed (snprintf convention). */
size_t hist_value_format(const hist_value *v, char *buf, size_t cap);
const char *hist_type_name(hist_type t);

/* --- operations: invocations paired with their completions ------------- */

typedef enum hist_status {
    HIST_OP_OK,     /* completed: it happened, with the completion's value */
    HIST_OP_FAIL,   /* completed: it did not happen */
    HIST_OP_INFO,   /* completed with info: may or may not have happened */
    HIST_OP_OPEN    /* never completed: treated like info */
} hist_status;

#define HIST_NO_EVENT ((size_t)-1)

typedef struct hist_op {
    size_t invoke;        /* index of the invoke event */
    size_t complete;      /* index of the completion, HIST_NO_EVENT when open */
    hist_status status;
} hist_op;

/* Pairs each invoke with the next completion of the same process, in event
** order. Bad input (returns -1, "SOURCE:LINE: ..." in 'err'): a completion
** without an invoke, an invoke while the process has one outstanding, a
** completion whose 'f' or 'key' differs from its invoke's. 'time' is not
** looked at (it is display only: Knossos's own histories have times out of
** order). '*ops' is malloc'ed, ordered
** by invoke index; the caller frees it. Returns 0 on success. */
int hist_pair(const hist *h, hist_op **ops, size_t *count, char *err, size_t err_cap);

#endif

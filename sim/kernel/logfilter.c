/*
** logfilter.c — see logfilter.h.
**
** A parsed filter is a small array of terms (at most LOGFILTER_TERMS_MAX),
** each naming one key of 'keys' and a value. Matching walks the keys in
** table order: a key with terms must have one term that matches, a key
** without terms does not constrain. That is the "same key ORs, different
** keys AND" rule, in O(keys * terms) per event, fine for a log meant to be
** read by a person.
*/
#include "logfilter.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsim.h"

#define LOGFILTER_TERMS_MAX 64
#define LOGFILTER_VALUE_MAX 64

/* 'node' is special (any endpoint field); the rest are field names. */
static const char *const keys[] = {
    "node", "ev", "msg", "from", "to", "client", "kind", "role", "term", "f", "type",
    "why", "name", "shape", "op", "process", "id", "key", NULL,
};
enum { KEY_NODE = 0 };

typedef struct term {
    int key;                              /* index into 'keys' */
    bool prefix;                          /* value ended in '*' */
    char value[LOGFILTER_VALUE_MAX];
} term;

struct logfilter {
    int len;
    term terms[LOGFILTER_TERMS_MAX];
};

_Static_assert(sizeof keys / sizeof keys[0] - 1 <= 32, "a small, fixed key table");

const char *logfilter_keys(void)
{
    DSIM_ASSERT(keys[KEY_NODE] != NULL);
    return "node (node, from, to or client), ev, msg, from, to, client, kind, role, term, "
           "f, type, why, name, shape, op, process, id, key";
}

static int key_index(const char *k, size_t len)
{
    DSIM_ASSERT(k != NULL);
    for (int i = 0; keys[i]; i++)
        if (strlen(keys[i]) == len && strncmp(keys[i], k, len) == 0)
            return i;
    return -1;
}

/* Parses one "key:value" term of 'len' bytes at 's' into 't'. */
static bool parse_term(const char *s, size_t len, term *t, char *err, size_t cap)
{
    DSIM_ASSERT(t != NULL);
    const char *colon = memchr(s, ':', len);
    if (!colon || colon == s || colon == s + len - 1) {
        snprintf(err, cap, "log filter '%.*s' is not key:value (keys: %s)", (int)len, s,
                 logfilter_keys());
        return false;
    }
    t->key = key_index(s, (size_t)(colon - s));
    if (t->key < 0) {
        snprintf(err, cap, "log filter '%.*s': unknown key '%.*s' (keys: %s)", (int)len, s,
                 (int)(colon - s), s, logfilter_keys());
        return false;
    }
    size_t vlen = len - (size_t)(colon - s) - 1;
    if (vlen >= sizeof t->value) {
        snprintf(err, cap, "log filter '%.*s': value too long", (int)len, s);
        return false;
    }
    DSIM_ASSERT(vlen >= 1);   /* the colon is not last */
    memcpy(t->value, colon + 1, vlen);
    t->value[vlen] = 0;
    t->prefix = t->value[vlen - 1] == '*';
    if (t->prefix)
        t->value[vlen - 1] = 0;
    return true;
}

logfilter *logfilter_parse(const char *spec, char *err, size_t cap)
{
    if (!spec || !*spec) {
        snprintf(err, cap, "empty log filter (keys: %s)", logfilter_keys());
        return NULL;
    }
    logfilter *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    const char *s = spec;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (f->len == LOGFILTER_TERMS_MAX) {
            snprintf(err, cap, "too many log filter terms (at most %d)", LOGFILTER_TERMS_MAX);
            break;
        }
        if (!parse_term(s, len, &f->terms[f->len], err, cap))
            break;
        f->len++;
        DSIM_ASSERT(f->len <= LOGFILTER_TERMS_MAX);
        if (!comma)
            return f;
        s = comma + 1;
    }
    free(f);
    return NULL;
}

void logfilter_free(logfilter *f)
{
    free(f);
}

static bool value_matches(const term *t, const json_t *v)
{
    DSIM_ASSERT(t->key >= 0);
    char num[32];
    const char *s;
    if (json_is_string(v)) {
        s = json_string_value(v);
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = num;
    } else {
        return false;
    }
    return t->prefix ? strncmp(s, t->value, strlen(t->value)) == 0 : strcmp(s, t->value) == 0;
}

static bool term_matches(const term *t, const json_t *e)
{
    DSIM_ASSERT(json_is_object(e));
    if (t->key != KEY_NODE)
        return value_matches(t, json_object_get(e, keys[t->key]));
    static const char *const endpoint_fields[] = {"node", "from", "to", "client", NULL};
    for (int i = 0; endpoint_fields[i]; i++)
        if (value_matches(t, json_object_get(e, endpoint_fields[i])))
            return true;
    return false;
}

bool logfilter_match(const logfilter *f, const json_t *e)
{
    if (!f)
        return true;
    DSIM_ASSERT(f->len >= 1);
    DSIM_ASSERT(f->len <= LOGFILTER_TERMS_MAX);
    for (int k = 0; keys[k]; k++) {
        bool constrained = false, any = false;
        for (int i = 0; i < f->len && !any; i++) {
            if (f->terms[i].key != k)
                continue;
            constrained = true;
            any = term_matches(&f->terms[i], e);
        }
        if (constrained && !any)
            return false;
    }
    return true;
}

/*
** options.c — a protocol's typed options: validation and lookup.
**
** 'options_build' checks every given option against the protocol's table
** (unknown names, wrong types and out-of-range values are errors), fills
** in defaults, and stores the result in 'w->options' in table order:
** INT and BOOL as JSON integers and booleans, STR as strings, MS as a real
** number of milliseconds, MS_RANGE as [lo, hi] in milliseconds. Every
** protocol also takes "bug": one of its planted bugs, or "none".
** Values given as strings (from -D on the command line) are parsed by type.
*/
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

static bool parse_number(json_t *v, double *out)
{
    DSIM_ASSERT(out != NULL);
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return *s && !*end && errno == 0 && isfinite(*out);   /* "nan" and "inf" are not numbers */
}

static bool parse_range(json_t *v, double *lo, double *hi)
{
    DSIM_ASSERT(lo != NULL);
    DSIM_ASSERT(hi != NULL);
    if (json_is_array(v) && json_array_size(v) == 2)
        return parse_number(json_array_get(v, 0), lo) && parse_number(json_array_get(v, 1), hi);
    if (json_is_string(v) && strchr(json_string_value(v), ',')) {
        const char *s = json_string_value(v);
        char *end;
        *lo = strtod(s, &end);
        if (end == s || *end != ',')
            return false;
        const char *t = end + 1;
        *hi = strtod(t, &end);
        return end != t && !*end && isfinite(*lo) && isfinite(*hi);
    }
    if (parse_number(v, lo)) {
        *hi = *lo;
        return true;
    }
    return false;
}

static json_t *parse_bool(json_t *v)
{
    DSIM_ASSERT(v != NULL);
    if (json_is_boolean(v))
        return json_incref(v);
    const char *s = json_string_value(v);
    if (s && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0))
        return json_true();
    if (s && (strcmp(s, "false") == 0 || strcmp(s, "0") == 0))
        return json_false();
    return NULL;
}

/* Parses one value of option 'o'; NULL with a message in 'err' when bad. */
static json_t *parse_one(const dsim_option *o, json_t *v, char *err, size_t cap)
{
    DSIM_ASSERT(o->name != NULL);
    if (o->type != DSIM_OPT_BOOL && o->type != DSIM_OPT_STR)
        DSIM_ASSERT(o->min <= o->max);
    double x, y;
    switch (o->type) {
    case DSIM_OPT_INT:
        if (!parse_number(v, &x) || x != floor(x) || x < (double)o->min || x > (double)o->max) {
            snprintf(err, cap, "option '%s' wants an integer from %lld to %lld", o->name,
                     (long long)o->min, (long long)o->max);
            return NULL;
        }
        return json_integer((json_int_t)x);
    case DSIM_OPT_BOOL: {
        json_t *b = parse_bool(v);
        if (!b)
            snprintf(err, cap, "option '%s' wants true or false", o->name);
        return b;
    }
    case DSIM_OPT_STR: {
        const char *s = json_string_value(v);
        if (!s) {
            snprintf(err, cap, "option '%s' wants a string", o->name);
            return NULL;
        }
        for (int i = 0; o->choices && o->choices[i]; i++)
            if (strcmp(o->choices[i], s) == 0)
                return json_string(s);
        if (!o->choices)
            return json_string(s);
        snprintf(err, cap, "option '%s' does not take '%s'", o->name, s);
        return NULL;
    }
    case DSIM_OPT_MS:
        if (!parse_number(v, &x) || x < (double)o->min || x > (double)o->max) {
            snprintf(err, cap, "option '%s' wants milliseconds from %lld to %lld", o->name,
                     (long long)o->min, (long long)o->max);
            return NULL;
        }
        return json_real(x);
    case DSIM_OPT_MS_RANGE:
        if (!parse_range(v, &x, &y) || x > y || x < (double)o->min || y > (double)o->max) {
            snprintf(err, cap, "option '%s' wants {lo, hi} milliseconds with %lld <= lo <= hi <= %lld",
                     o->name, (long long)o->min, (long long)o->max);
            return NULL;
        }
        return json_pack("[f,f]", x, y);
    }
    snprintf(err, cap, "option '%s' has an unknown type", o->name);
    return NULL;
}

static int check_bug(dsim_world *w, json_t *v, char *err, size_t cap)
{
    DSIM_ASSERT(v != NULL);
    const char *s = json_string_value(v);
    if (!s) {
        snprintf(err, cap, "option 'bug' wants a string");
        return -1;
    }
    bool known = strcmp(s, "none") == 0;
    for (int i = 0; !known && w->proto->bugs && w->proto->bugs[i]; i++)
        known = strcmp(w->proto->bugs[i], s) == 0;
    if (!known) {
        size_t len = (size_t)snprintf(err, cap, "protocol '%s' has no planted bug '%s'; it has: none",
                                      w->proto->name, s);
        for (int i = 0; w->proto->bugs && w->proto->bugs[i] && len < cap; i++)
            len += (size_t)snprintf(err + len, cap - len, ", %s", w->proto->bugs[i]);
        return -1;
    }
    snprintf(w->bug, sizeof w->bug, "%s", s);
    DSIM_ASSERT(w->bug[0] != 0);
    return 0;
}

static const dsim_option *find(const dsim_protocol *p, const char *name)
{
    DSIM_ASSERT(p != NULL);
    DSIM_ASSERT(name != NULL);
    for (const dsim_option *o = p->options; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

int options_build(dsim_world *w, json_t *given, char *err, size_t cap)
{
    DSIM_ASSERT(json_is_object(given));
    DSIM_ASSERT(json_object_size(w->options) == 0);
    const char *key;
    json_t *v;
    snprintf(w->bug, sizeof w->bug, "none");
    json_object_foreach(given, key, v) {
        if (strcmp(key, "bug") == 0) {
            if (check_bug(w, v, err, cap) != 0)
                return -1;
        } else if (!find(w->proto, key)) {
            snprintf(err, cap, "protocol '%s' has no option '%s' (see: dsim list)", w->proto->name, key);
            return -1;
        }
    }
    for (const dsim_option *o = w->proto->options; o && o->name; o++) {
        json_t *g = json_object_get(given, o->name);
        json_t *def = json_string(o->def);
        json_t *val = parse_one(o, g ? g : def, err, cap);
        json_decref(def);
        if (!val)
            return -1;
        json_object_set_new(w->options, o->name, val);
    }
    json_object_set_new(w->options, "bug", json_string(w->bug));
    DSIM_ASSERT(json_object_get(w->options, "bug") != NULL);
    return 0;
}

static json_t *get(dsim_node *n, const char *name, dsim_option_type type)
{
    const dsim_option *o = find(n->w->proto, name);
    DSIM_ASSERT(o != NULL);   /* the protocol asks for an option it declared */
    DSIM_ASSERT(o->type == type);
    json_t *v = json_object_get(n->w->options, name);
    DSIM_ASSERT(v != NULL);
    return v;
}

int64_t dsim_opt_int(dsim_node *n, const char *name)
{
    return json_integer_value(get(n, name, DSIM_OPT_INT));
}

bool dsim_opt_bool(dsim_node *n, const char *name)
{
    return json_is_true(get(n, name, DSIM_OPT_BOOL));
}

const char *dsim_opt_str(dsim_node *n, const char *name)
{
    return json_string_value(get(n, name, DSIM_OPT_STR));
}

int64_t dsim_opt_ms(dsim_node *n, const char *name)
{
    return (int64_t)llround(json_real_value(get(n, name, DSIM_OPT_MS)) * 1e6);
}

void dsim_opt_range(dsim_node *n, const char *name, int64_t *lo_ns, int64_t *hi_ns)
{
    json_t *v = get(n, name, DSIM_OPT_MS_RANGE);
    DSIM_ASSERT(json_array_size(v) == 2);
    *lo_ns = (int64_t)llround(json_real_value(json_array_get(v, 0)) * 1e6);
    *hi_ns = (int64_t)llround(json_real_value(json_array_get(v, 1)) * 1e6);
}

bool dsim_bug(dsim_node *n, const char *name)
{
    DSIM_ASSERT(name != NULL && name[0] != '\0');
    return n->w->bug[0] != '\0' && strcmp(n->w->bug, name) == 0;   /* most runs plant none */
}

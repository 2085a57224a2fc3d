/*
** converge.c — 'check_convergence': after healing and quiescence, every
** replica holds the same state.
**
** Input: a JSON array with one object per replica, in node order, each a
** map from key to value (its final state). Two replicas agree on a key when
** both hold it with equal JSON values (json_equal), or neither holds it.
** The report names the first key, in byte order of key names, on which some
** replica differs from replica 0, with every replica's value there (null
** when absent), so the verdict does not depend on object iteration order.
** Bad input (not an array of objects) gives CHECK_BAD_INPUT.
** 'check_convergence_held' is the same for partitioned stores, where each
** replica lists only the keys it replicates (a Dynamo ring): a key is
** compared only among the replicas that list it (null: listed, absent).
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* All keys of all replicas, sorted, duplicates removed; NULL on OOM. */
static const char **all_keys(const json_t *replicas, size_t *count)
{
    size_t n = 0, i;
    const json_t *r;
    json_array_foreach(replicas, i, r)
        n += json_object_size(r);
    const char **keys = malloc((n + 1) * sizeof *keys);
    if (keys == NULL)
        return NULL;
    n = 0;
    json_array_foreach(replicas, i, r) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)r, k, v)
            keys[n++] = k;
    }
    qsort(keys, n, sizeof *keys, cmp_str);
    size_t m = 0;
    for (i = 0; i < n; i++)
        if (m == 0 || strcmp(keys[m - 1], keys[i]) != 0)
            keys[m++] = keys[i];
    *count = m;
    return keys;
}

static bool same(const json_t *a, const json_t *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return json_equal(a, b);
}

/* Fills the report for the first differing key 'key'; 'base' is the
** replica the others are compared with. */
static void report_difference(const json_t *replicas, const char *key, size_t base, bool held,
                              json_t *report)
{
    json_t *values = json_array();
    size_t i, first_other = base;
    const json_t *r;
    const json_t *v0 = json_object_get(json_array_get(replicas, base), key);
    json_array_foreach(replicas, i, r) {
        const json_t *v = json_object_get(r, key);
        json_array_append_new(values, v ? json_deep_copy(v) : json_null());
        if (first_other == base && (v || !held) && !same(v, v0))
            first_other = i;
    }
    char *a = v0 ? json_dumps(v0, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    const json_t *vo = json_object_get(json_array_get(replicas, first_other), key);
    char *b = vo ? json_dumps(vo, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    char text[512];
    snprintf(text, sizeof text, "convergence: VIOLATED: key \"%s\": replica %zu holds %s, "
             "replica %zu holds %s\n", key, base + 1, a ? a : "nothing", first_other + 1,
             b ? b : "nothing");
    free(a);
    free(b);
    json_object_set_new(report, "valid", json_false());
    json_object_set_new(report, "key", json_string(key));
    json_object_set_new(report, "replicas", json_pack("[I, I]", (json_int_t)base,
                                                      (json_int_t)first_other));
    json_object_set_new(report, "values", values);
    json_object_set_new(report, "text", json_string(text));
}

check_verdict check_convergence(const json_t *replicas, json_t *report)
{
    return check_convergence_held(replicas, false, report);
}

check_verdict check_convergence_held(const json_t *replicas, bool held, json_t *report)
{
    json_object_set_new(report, "model", json_string("convergence"));
    size_t i;
    const json_t *r;
    bool shaped = json_is_array(replicas);
    if (shaped)
        json_array_foreach(replicas, i, r)
            shaped = shaped && json_is_object(r);
    if (!shaped) {
        json_object_set_new(report, "valid", json_false());
        json_object_set_new(report, "error",
                            json_string("replicas must be an array of key -> value objects"));
        return CHECK_BAD_INPUT;
    }
    size_t n_keys = 0;
    const char **keys = all_keys(replicas, &n_keys);
    if (keys == NULL)
        return CHECK_BAD_INPUT;
    for (size_t k = 0; k < n_keys; k++) {
        size_t base = 0;   /* held: the first replica that lists the key */
        while (held && json_object_get(json_array_get(replicas, base), keys[k]) == NULL)
            base++;
        const json_t *first = json_array_get(replicas, base);
        json_array_foreach(replicas, i, r) {
            const json_t *v = json_object_get(r, keys[k]);
            if ((v != NULL || !held) && !same(v, json_object_get(first, keys[k]))) {
                report_difference(replicas, keys[k], base, held, report);
                free(keys);
                return CHECK_VIOLATION;
            }
        }
    }
    free(keys);
    char text[128];
    snprintf(text, sizeof text, "convergence: ok (%zu replicas agree on %zu keys)\n",
             json_array_size(replicas), n_keys);
    json_object_set_new(report, "valid", json_true());
    json_object_set_new(report, "keys", json_integer((json_int_t)n_keys));
    json_object_set_new(report, "text", json_string(text));
    return CHECK_OK;
}

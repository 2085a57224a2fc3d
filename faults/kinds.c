/*
** kinds.c — the fault kind registry, in the order the nemesis draws kinds
** and 'dsim list faults' prints them. Adding a kind: one file with its
** 'fault_kind', one 'extern' line and one row here, one line in
** faults/meson.build, and its row in docs/faults.md.
*/
#include <stdlib.h>
#include <string.h>

#include "fault.h"

extern const fault_kind fault_partition, fault_crash, fault_pause, fault_clock, fault_net, fault_disk,
    fault_byzantine, fault_twins;

/* New kinds go last: the swarm draws over the enabled kinds in this order. */
const fault_kind *const fault_kinds[] = {
    &fault_partition, &fault_crash, &fault_pause, &fault_clock, &fault_net, &fault_disk,
    &fault_byzantine, &fault_twins, NULL,
};

const fault_kind *fault_kind_find(const char *name)
{
    for (int i = 0; name && fault_kinds[i]; i++)
        if (strcmp(fault_kinds[i]->name, name) == 0)
            return fault_kinds[i];
    return NULL;
}

/* The names joined from the table (so they never drift from it); cut
** short when 'cap' is too small. */
const char *fault_kind_names(char *buf, size_t cap)
{
    DSIM_ASSERT(cap > 0);
    buf[0] = '\0';
    for (size_t i = 0, used = 0; fault_kinds[i] && used < cap; i++) {
        int n = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", fault_kinds[i]->name);
        used += n > 0 ? (size_t)n : 0;
    }
    return buf;
}

static json_t *kind_json(const fault_kind *k)
{
    json_t *params = json_array();
    for (const fault_param *p = k->params; p->name; p++)
        json_array_append_new(params, json_pack("{s:s, s:s, s:s}", "name", p->name, "default", p->def,
                                                "help", p->help));
    return json_pack("{s:s, s:s, s:o, s:s}", "name", k->name, "summary", k->summary, "params", params,
                     "fields", k->fields);
}

int fault_list(FILE *f, bool as_json)
{
    json_t *all = json_array();
    for (int i = 0; fault_kinds[i]; i++)
        json_array_append_new(all, kind_json(fault_kinds[i]));
    if (as_json) {
        char *s = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(f, "%s\n", s);
        free(s);
        json_decref(all);
        return 0;
    }
    fprintf(f, "fault kinds for c:nemesis { faults = {...} } (see docs/faults.md):\n");
    size_t i, j;
    json_t *k, *p;
    json_array_foreach(all, i, k) {
        fprintf(f, "%s — %s\n", json_string_value(json_object_get(k, "name")),
                json_string_value(json_object_get(k, "summary")));
        json_array_foreach(json_object_get(k, "params"), j, p)
            fprintf(f, "    %-10s default %-44s %s\n", json_string_value(json_object_get(p, "name")),
                    json_string_value(json_object_get(p, "default")), json_string_value(json_object_get(p, "help")));
        fprintf(f, "    schedule entry: at_ms, kind, dur_ms; %s\n", json_string_value(json_object_get(k, "fields")));
        if (strcmp(json_string_value(json_object_get(k, "name")), "byzantine") == 0) {
            fprintf(f, "    behaviours: each protocol's own (dsim list protocols) and the generic ones:");
            for (int g = 0; dsim_byzantine_generic[g]; g++)
                fprintf(f, " %s", dsim_byzantine_generic[g]);
            fprintf(f, "\n      silent: sends nothing; mute_to {peers}: drops what it sends to peers;\n"
                       "      replay {rate}: re-sends copies of its earlier messages; corrupt {rate}: flips bits\n");
        }
    }
    json_decref(all);
    return 0;
}

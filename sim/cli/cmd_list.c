/*
** cmd_list.c — 'dsim list': the protocols the registry holds, with their
** options (type, default, help) and planted bugs. '--json' for tools.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "args.h"
#include "cmd.h"
#include "dsim.h"
#include "fault.h"
#include "world.h"

static const char *const type_names[] = {"int", "bool", "string", "ms", "ms-range"};

static json_t *protocol_json(const dsim_protocol *p)
{
    json_t *opts = json_array(), *bugs = json_array();
    for (const dsim_option *o = p->options; o && o->name; o++)
        json_array_append_new(opts, json_pack("{s:s, s:s, s:s, s:s}", "name", o->name,
                                              "type", type_names[o->type], "default", o->def,
                                              "help", o->help));
    for (int i = 0; p->bugs && p->bugs[i]; i++)
        json_array_append_new(bugs, json_string(p->bugs[i]));
    return json_pack("{s:s, s:s, s:o, s:o}", "name", p->name, "summary", p->summary,
                     "options", opts, "bugs", bugs);
}

int cmd_list(int argc, char **argv)
{
    bool as_json = false, faults = false, wls = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: dsim list [protocols | faults | workloads] [--json]\n");
            return EXIT_PASS;
        } else if (strcmp(argv[i], "faults") == 0) {
            faults = true;
        } else if (strcmp(argv[i], "workloads") == 0) {
            wls = true;
        } else if (strcmp(argv[i], "protocols") != 0) {
            return args_usage_error("list", "unknown argument '%s'", argv[i]);
        }
    }
    if (faults)
        return fault_list(stdout, as_json) == 0 ? EXIT_PASS : EXIT_INTERNAL;
    if (wls)
        return workload_list(stdout, as_json) == 0 ? EXIT_PASS : EXIT_INTERNAL;
    json_t *all = json_array();
    for (int i = 0; dsim_protocols[i]; i++)
        json_array_append_new(all, protocol_json(dsim_protocols[i]));
    if (as_json) {
        char *s = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
    } else {
        size_t i;
        json_t *p;
        json_array_foreach(all, i, p) {
            printf("%s — %s\n", json_string_value(json_object_get(p, "name")),
                   json_string_value(json_object_get(p, "summary")));
            size_t j;
            json_t *o;
            json_array_foreach(json_object_get(p, "options"), j, o)
                printf("    %-22s %-8s default %-10s %s\n", json_string_value(json_object_get(o, "name")),
                       json_string_value(json_object_get(o, "type")),
                       json_string_value(json_object_get(o, "default")),
                       json_string_value(json_object_get(o, "help")));
            printf("    %-22s %-8s default %-10s planted bugs:", "bug", "string", "none");
            json_t *b;
            json_array_foreach(json_object_get(p, "bugs"), j, b)
                printf(" %s", json_string_value(b));
            printf("\n");
        }
    }
    json_decref(all);
    return EXIT_PASS;
}

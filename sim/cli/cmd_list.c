/*
** cmd_list.c — 'dsim list [SUBJECT] [--json]': what the registries hold.
**
** Every subject reads its own registry and nothing else: protocols
** ('dsim_protocols': options, planted bugs, events, inspect keys), fault
** kinds ('fault_kinds'), history models ('dsim check' models, from the
** checkers' tables) and the checks c:check knows ('script_checks'). No name
** or summary is typed here, so a listing cannot drift from what runs.
** '--json' prints the same content as one array, for tools.
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
#include "script.h"

static const char *const type_names[] = {"int", "bool", "string", "ms", "ms-range"};

static json_t *protocol_json(const dsim_protocol *p)
{
    json_t *opts = json_array(), *bugs = json_array(), *events = json_array();
    for (const dsim_option *o = p->options; o && o->name; o++)
        json_array_append_new(opts, json_pack("{s:s, s:s, s:s, s:s}", "name", o->name,
                                              "type", type_names[o->type], "default", o->def,
                                              "help", o->help));
    for (int i = 0; p->bugs && p->bugs[i]; i++)
        json_array_append_new(bugs, json_string(p->bugs[i]));
    for (const dsim_event *e = p->events; e && e->name; e++)
        json_array_append_new(events, json_pack("{s:s, s:s, s:s}", "name", e->name, "fields",
                                                e->fields, "help", e->help));
    json_t *byz = json_array();   /* its own Byzantine behaviours, then the kernel's */
    for (int i = 0; p->byzantine && p->byzantine[i]; i++)
        json_array_append_new(byz, json_string(p->byzantine[i]));
    for (int i = 0; dsim_byzantine_generic[i]; i++)   /* corrupt: see dsim_protocol.validates_input */
        if (p->validates_input || strcmp(dsim_byzantine_generic[i], "corrupt") != 0)
            json_array_append_new(byz, json_string(dsim_byzantine_generic[i]));
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "name", p->name, "summary", p->summary,
                     "options", opts, "bugs", bugs, "events", events, "byzantine", byz);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static json_t *protocols_json(void)
{
    json_t *all = json_array();
    for (int i = 0; dsim_protocols[i]; i++)
        json_array_append_new(all, protocol_json(dsim_protocols[i]));
    return all;
}

static void print_protocol(const json_t *p)
{
    printf("%s — %s\n", str(p, "name"), str(p, "summary"));
    size_t j;
    json_t *o;
    json_array_foreach(json_object_get(p, "options"), j, o)
        printf("    %-22s %-8s default %-10s %s\n", str(o, "name"), str(o, "type"), str(o, "default"),
               str(o, "help"));
    printf("    %-22s %-8s default %-10s planted bugs:", "bug", "string", "none");
    json_array_foreach(json_object_get(p, "bugs"), j, o)
        printf(" %s", json_string_value(o));
    printf("\n    Byzantine behaviours (c:byzantine(n, name [, params])):");
    json_array_foreach(json_object_get(p, "byzantine"), j, o)
        printf(" %s", json_string_value(o));
    printf("\n");
    json_t *events = json_object_get(p, "events");
    if (json_array_size(events) > 0)
        printf("  events (c:on(name, fn) gets the fields and node):\n");
    json_array_foreach(events, j, o)
        printf("    %-22s {%s}\n    %-22s %s\n", str(o, "name"), str(o, "fields"), "", str(o, "help"));
}

static void print_protocols(const json_t *all)
{
    size_t i;
    json_t *p;
    json_array_foreach(all, i, p)
        print_protocol(p);
}

static void print_models(const json_t *all)
{
    printf("models of 'dsim check --model M' (and c:check{\"linearizable\", model = M}):\n");
    size_t i;
    json_t *m;
    json_array_foreach(all, i, m)
        printf("  %-14s %-12s %s\n", str(m, "name"), str(m, "checker"), str(m, "summary"));
}

static json_t *checks_json(void)
{
    json_t *all = json_array();
    for (const script_check *c = script_checks; c->name; c++)
        json_array_append_new(all, json_pack("{s:s, s:s, s:s}", "name", c->name, "summary",
                                             c->summary, "options", c->options));
    return all;
}

static void print_checks(const json_t *all)
{
    printf("checks of c:check{\"name\", ..., option = value}:\n");
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c) {
        printf("  %-13s %s\n", str(c, "name"), str(c, "summary"));
        if (str(c, "options")[0])
            printf("  %-13s options: %s\n", "", str(c, "options"));
    }
}

/* Prints 'all' (taken) as JSON or through 'print'. */
static int emit(json_t *all, bool as_json, void (*print)(const json_t *all))
{
    if (as_json) {
        char *s = json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
    } else {
        print(all);
    }
    json_decref(all);
    return EXIT_PASS;
}

static int list_protocols(bool as_json) { return emit(protocols_json(), as_json, print_protocols); }
static int list_models(bool as_json) { return emit(check_models_json(), as_json, print_models); }
static int list_checks(bool as_json) { return emit(checks_json(), as_json, print_checks); }
/* Workloads print themselves from their registry (sim/kernel/workload.c). */
static int list_workloads(bool as_json)
{
    return workload_list(stdout, as_json) == 0 ? EXIT_PASS : EXIT_INTERNAL;
}
/* Fault kinds print themselves (faults/kinds.c). */
static int list_faults(bool as_json)
{
    return fault_list(stdout, as_json) == 0 ? EXIT_PASS : EXIT_INTERNAL;
}

typedef struct list_subject {
    const char *name;
    int (*run)(bool as_json);
    const char *summary;
} list_subject;

static const list_subject subjects[] = {
    {"protocols", list_protocols, "protocols: options, planted bugs, events"},
    {"faults", list_faults, "fault kinds of c:nemesis and their parameters"},
    {"models", list_models, "history models of dsim check"},
    {"checks", list_checks, "checks of c:check and their options"},
    {"workloads", list_workloads, "client workloads: parameters, default checks and model"},
    {NULL, NULL, NULL},
};

static int usage(void)
{
    printf("usage: dsim list [SUBJECT] [--json]\n\nsubjects (default %s):\n", subjects[0].name);
    for (const list_subject *s = subjects; s->name; s++)
        printf("  %-10s %s\n", s->name, s->summary);
    return EXIT_PASS;
}

int cmd_list(int argc, char **argv)
{
    bool as_json = false;
    const list_subject *subject = NULL;
    for (int i = 1; i < argc; i++) {
        const list_subject *s = subjects;
        while (s->name && strcmp(s->name, argv[i]) != 0)
            s++;
        if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage();
        else if (s->name && !subject)
            subject = s;
        else
            return args_usage_error("list", "unknown argument '%s' (dsim list --help)", argv[i]);
    }
    return (subject ? subject : &subjects[0])->run(as_json);
}

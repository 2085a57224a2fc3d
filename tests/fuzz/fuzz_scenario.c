/*
** fuzz_scenario.c — the scenario front end: the input drives a small
** grammar of Lua scenarios (a cluster with fuzzed fields, then statements:
** faults at fuzzed times and nodes, runs, checks, nemesis, handlers,
** pattern and table probes, each maybe under pcall), written to a scratch
** file and run by script_run as 'dsim run' would. Values come from lists
** of edge cases (NaN, infinities, huge and tiny numbers, bad node names,
** tables where strings belong). Every input must end in a verdict or an
** error message: no crash, no sanitizer report, no hang (the cluster's
** limits keep each run small).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "script.h"

typedef struct gen {
    const uint8_t *d;
    size_t n, i;
    char *out;
    size_t len, cap;
    int depth;
} gen;

static unsigned pick(gen *g, unsigned k)
{
    return g->i < g->n ? g->d[g->i++] % k : 0;
}

static void put(gen *g, const char *s)
{
    size_t l = strlen(s);
    if (g->len + l + 1 > g->cap) {
        g->cap = (g->len + l + 1) * 2;
        g->out = realloc(g->out, g->cap);
        if (!g->out)
            abort();
    }
    memcpy(g->out + g->len, s, l + 1);
    g->len += l;
}

#define ONE_OF(g, ...)                                                   \
    do {                                                                 \
        static const char *const opts_[] = {__VA_ARGS__};                \
        put(g, opts_[pick(g, sizeof opts_ / sizeof opts_[0])]);          \
    } while (0)

/* One of 'old' choices from one byte, as before more were added; a second
** byte extends the last of them to itself and the 'more' new ones. So an
** input of the corpus keeps its scenario unless it takes that last choice. */
static unsigned pick_more(gen *g, unsigned old, unsigned more)
{
    unsigned r = pick(g, old);
    return r + 1 < old ? r : old - 1 + pick(g, more + 1);
}

/* ONE_OF whose first 'old' options were the list before the rest came. */
#define ONE_OF_MORE(g, old, ...)                                         \
    do {                                                                 \
        static const char *const opts_[] = {__VA_ARGS__};                \
        unsigned n_ = sizeof opts_ / sizeof opts_[0];                    \
        put(g, opts_[pick_more(g, old, n_ - (old))]);                    \
    } while (0)

static void num(gen *g)
{
    ONE_OF(g, "0", "1", "5", "10", "100", "250.5", "1000", "3000", "-1", "(0/0)", "math.huge",
           "-math.huge", "1e300", "2^53", "2^63", "math.maxinteger", "math.mininteger", "1e-300",
           "0.0004", "20", "50", "400", "\"7\"", "{}", "nil", "true");
}

static void small(gen *g)
{
    ONE_OF(g, "0", "1", "5", "10", "50", "100", "200", "500", "1000", "2000");
}

static void node(gen *g)
{
    ONE_OF(g, "1", "2", "3", "1", "2", "3", "4", "5", "0", "-1", "\"n1\"", "\"n2\"", "\"n9\"",
           "\"c1\"", "\"x\"", "{}", "1.5", "math.maxinteger", "nil", "\"n\"", "\"n-1\"");
}

static void latency(gen *g)
{
    switch (pick(g, 6)) {
    case 0: put(g, "dsim.constant("); num(g); put(g, ")"); break;
    case 1: put(g, "dsim.uniform("); small(g); put(g, ", "); num(g); put(g, ")"); break;
    case 2: put(g, "dsim.normal("); small(g); put(g, ", "); num(g); put(g, ")"); break;
    case 3: put(g, "dsim.lognormal("); small(g); put(g, ", "); num(g); put(g, ")"); break;
    case 4: put(g, "dsim.pareto("); num(g); put(g, ", "); num(g); put(g, ")"); break;
    default: num(g); break;
    }
}

static void fault(gen *g)
{
    switch (pick_more(g, 13, 2)) {
    case 0: put(g, "c:partition { {"); node(g); put(g, ", "); node(g); put(g, "}, {"); node(g); put(g, "} }"); break;
    case 1: put(g, "c:isolate("); node(g); put(g, ")"); break;
    case 2: put(g, "c:cut("); node(g); put(g, ", "); node(g); put(g, ")"); break;
    case 3: put(g, "c:bridge("); node(g); put(g, ")"); break;
    case 4: put(g, "c:ring()"); break;
    case 5: put(g, "c:heal()"); break;
    case 6: put(g, "c:pause("); node(g); put(g, ", "); num(g); put(g, ")"); break;
    case 7: put(g, "c:resume("); node(g); put(g, ")"); break;
    case 8: put(g, "c:crash("); node(g); ONE_OF(g, ")", ", { tear = true })", ", { tear = 1 })", ", { bogus = 1 })"); break;
    case 9: put(g, "c:restart("); node(g); put(g, ")"); break;
    case 10:
        put(g, "c:clock("); node(g); put(g, ", { ");
        ONE_OF(g, "drift", "mono_drift", "wall_drift", "offset", "step", "bogus");
        put(g, " = "); num(g); put(g, " })");
        break;
    case 11:
        put(g, "c:net { latency = "); latency(g); put(g, ", drop = "); num(g);
        ONE_OF(g, "", ", from = {1}", ", to = {2, \"c1\"}", ", fifo = true", ", dup = 0.5");
        put(g, " }");
        break;
    case 12: put(g, "c:control("); node(g); put(g, ", \"status\", {})"); break;
    case 13:
        put(g, "c:byzantine("); node(g); put(g, ", ");
        ONE_OF(g, "\"silent\"", "\"traitor\"", "\"corrupt\"", "\"replay\"", "\"bogus\"", "\"mute_to\", { peers = {2} }");
        put(g, ")");
        break;
    default: put(g, "c:honest("); node(g); put(g, ")"); break;
    }
}

static void statement(gen *g)
{
    bool protect = pick(g, 2);
    if (protect)
        put(g, "pcall(function() ");
    switch (pick(g, 14)) {
    case 0: case 1: case 2:
        put(g, "c:at("); num(g); put(g, ", function() "); fault(g); put(g, " end)"); break;
    case 3: fault(g); break;
    case 4: put(g, "c:run { "); ONE_OF(g, "until_ms", "for_ms", "bogus"); put(g, " = "); num(g); put(g, " }"); break;
    case 5: put(g, "c:run { for_ms = "); small(g); put(g, " }"); break;
    case 6:
        put(g, "local t = { "); num(g); put(g, ", x = "); num(g); put(g, ", [{}] = 1, [print] = 2, [\"k\"] = {} } ");
        put(g, "for k, v in pairs(t) do print(k, v) end for k in next, t do t[k] = nil end");
        break;
    case 7:
        put(g, "print(string.find(string.rep(\"ab\", "); small(g); put(g, "), ");
        ONE_OF(g, "\"(a-)-b\"", "\"%b()\"", "\"[%a]+$\"", "\"((a)\"", "\"%f[%w]%w+\"", "(\"a-\"):rep(5)..\"c\"", "\"[\"");
        put(g, "))");
        break;
    case 8:
        put(g, "c:nemesis { faults = { ");
        ONE_OF_MORE(g, 5, "\"partition\", \"crash\"", "partition = {}, clock = {}", "\"pause\", \"net\"", "bogus = {}",
                    "\"disk\"", "\"byzantine\"", "\"crash\", \"pause\", \"clock\"", "\"twins\"");
        put(g, " }, interval = "); num(g); put(g, ", stop = "); num(g); put(g, " }");
        break;
    case 9: put(g, "c:on(\"leader\", function(ev) print(tostring(ev), ev.node) end)"); break;
    case 10: put(g, "print(c:state("); node(g); put(g, "), c:leader(), c:now(), #c:history())"); break;
    case 11: put(g, "print(string.format(\"%s %d %5.1f\", {}, "); num(g); put(g, ", "); num(g); put(g, "))"); break;
    case 12: put(g, "print(c:stats().events, #c:clients())"); break;
    default:
        put(g, "setmetatable({}, { __gc = function() ");
        fault(g);
        put(g, " end })");
        break;
    }
    if (protect)
        put(g, " end)");
    put(g, "\n");
}

static void scenario(gen *g)
{
    put(g, "local c = dsim.cluster { protocol = ");
    ONE_OF_MORE(g, 5, "\"single\"", "\"single\"", "\"raft\"", "\"lock\"", "\"bogus\"", "\"paxos\"", "\"zab\"",
                "\"replication\"", "\"pbft\"", "\"generals\"", "\"dynamo\"", "\"multileader\"");
    put(g, ", nodes = ");
    ONE_OF_MORE(g, 8, "3", "3", "3", "5", "1", "0", "40", "2.5", "4", "7");
    put(g, ", clients = { count = ");
    ONE_OF(g, "2", "2", "4", "0", "-1");
    put(g, ", workload = ");
    ONE_OF(g, "\"kv\"", "\"kv\"", "\"register\"", "\"cas-register\"", "\"bogus\"");
    put(g, ", rate = ");
    ONE_OF(g, "50", "50", "100", "0", "1e300", "(0/0)");
    put(g, ", timeout = ");
    ONE_OF(g, "300", "300", "1", "(0/0)", "math.huge");
    put(g, " }, net = { latency = ");
    if (pick(g, 4) == 0)
        latency(g);
    else
        put(g, "dsim.uniform(1, 5)");
    put(g, " }, invariants = ");
    ONE_OF(g, "\"every\"", "\"every\"", "\"off\"", "10", "0", "(0/0)");
    /* Small limits: a run long enough for elections, faults and checks,
    ** short enough that the input, not the simulated time, is the cost. */
    put(g, ", limits = { events = 10000, instructions = 200000, time = 2000, memory = 16 * 1048576 } }\n");
    unsigned n = pick(g, 16);
    for (unsigned k = 0; k < n; k++)
        statement(g);
    put(g, "c:run { until_ms = ");
    ONE_OF(g, "400", "1200", "c:now()", "c:now() + 1");
    put(g, " }\nreturn c:check { ");
    ONE_OF(g, "\"linearizable\"", "\"invariants\"", "\"convergence\"", "\"causal\"", "\"sequential\"",
           "\"mutex\"", "\"bogus\"", "\"linearizable\", budget_states = 1000", "\"linearizable\", \"invariants\"");
    put(g, " }\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gen g = {.d = data, .n = size};
    put(&g, "");
    scenario(&g);
    if (getenv("DSIM_FUZZ_SHOW"))   /* the generated scenario, to reproduce a finding */
        fputs(g.out, stderr);
    const char *path = harness_file((const uint8_t *)g.out, g.len, ".lua");
    json_t *params = json_object();
    uint64_t seed = size ? data[size - 1] : 1;
    script_config cfg = {.path = path, .seed = seed, .params = params, .out = harness_null()};
    script_result r;
    script_run(&cfg, &r);
    script_result_free(&r);
    json_decref(params);
    unlink(path);
    free(g.out);
    return 0;
}

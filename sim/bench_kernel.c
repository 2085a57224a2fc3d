/*
** bench_kernel.c — 'dsim bench kernel': how fast the kernel moves messages,
** as a ratio against a bare push/pop loop on the same queue in the same run.
**
** The workload ("flood"): every node starts with an equal share of a fixed
** pending set of messages; each delivery sends one new message to a random
** node, so the number in flight stays constant. No faults, no tracing, no
** invariants. The reference: the same queue, the same pending-set size, pop
** one and push one with a latency drawn the same way, nothing else.
** Figures are host time (release build); quote the ratio, which holds when
** the machine's speed drifts. A third run keeps 100,000 messages in flight
** on 1,000 nodes and reports the process's peak memory.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "hosttime.h"
#include "world.h"

typedef struct flood_state { uint64_t received; } flood_state;

static void flood_send(dsim_node *n)
{
    uint64_t payload[2] = {dsim_rand(n), 0};
    dsim_send(n, (int)dsim_rand_range(n, 0, dsim_cluster_size(n) - 1), 0, payload, sizeof payload);
}

static void flood_start(dsim_node *n)
{
    int64_t share = dsim_opt_int(n, "pending") / dsim_cluster_size(n);
    int64_t extra = dsim_id(n) < dsim_opt_int(n, "pending") % dsim_cluster_size(n);
    for (int64_t i = 0; i < share + extra; i++)
        flood_send(n);
}

static void flood_message(dsim_node *n, int from, const dsim_msg *m)
{
    (void)from;
    (void)m;
    ((flood_state *)dsim_state(n))->received++;
    flood_send(n);
}

static void flood_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    (void)n, (void)kind, (void)arg;
}

static const dsim_option flood_options[] = {
    {"pending", DSIM_OPT_INT, "10000", "messages in flight", NULL, 1, 10000000},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const dsim_protocol flood = {
    .name = "flood", .summary = "benchmark: constant in-flight set, random destinations",
    .state_size = sizeof(flood_state), .options = flood_options,
    .start = flood_start, .on_message = flood_message, .on_timer = flood_timer,
};

typedef struct bench_run {
    int nodes;
    int64_t pending;
    uint64_t delivered;
    double delivered_per_s, bare_per_s;
    long peak_rss_kb;
} bench_run;

/* Runs the flood on 'nodes' nodes for 'sim_ms' of virtual time. */
static int run_flood(int nodes, int64_t pending, int64_t sim_ms, bench_run *out)
{
    char err[256], num[32];
    dsim_world *w = world_new(&flood, nodes, 42, err, sizeof err);
    if (!w) {
        fprintf(stderr, "dsim bench kernel: %s\n", err);
        return EXIT_INTERNAL;
    }
    workload_cfg none = {.name = "register", .keys = 1};
    snprintf(num, sizeof num, "%" PRId64, pending);
    json_t *given = json_pack("{s:s}", "pending", num);
    if (clients_init(w, &none, err, sizeof err) != 0 || options_build(w, given, err, sizeof err) != 0) {
        fprintf(stderr, "dsim bench kernel: %s\n", err);
        json_decref(given);
        world_free(w);
        return EXIT_INTERNAL;
    }
    json_decref(given);
    double t0 = host_seconds();
    for (int i = 0; i < nodes; i++)
        node_boot(&w->nodes[i]);
    bool ok = world_run(w, DSIM_MS(sim_ms));
    double secs = host_seconds() - t0;
    *out = (bench_run){.nodes = nodes, .pending = pending, .delivered = w->stats.delivered,
                       .delivered_per_s = (double)w->stats.delivered / secs,
                       .peak_rss_kb = host_peak_rss_kb()};
    world_free(w);
    return ok ? 0 : EXIT_INTERNAL;
}

/* The reference loop: same queue, same pending size, same latency draw. */
static double run_bare(int64_t pending, uint64_t ops)
{
    queue q;
    rng r;
    rng_stream(&r, 42, "bare", 0);
    latency_model lat = {.kind = LATENCY_UNIFORM, .a = DSIM_MS(1), .b = DSIM_MS(5)};
    if (queue_init(&q, (uint32_t)pending * 2) != 0)
        return 0;
    for (int64_t i = 0; i < pending; i++) {
        queue_item it = {.kind = EV_DELIVER, .a = (uint64_t)i};
        queue_push(&q, latency_sample(&lat, &r), &it);
    }
    double t0 = host_seconds();
    uint64_t sink = 0;
    for (uint64_t i = 0; i < ops; i++) {
        queue_item it;
        int64_t t;
        queue_pop(&q, &t, &it);
        sink += it.a;
        queue_push(&q, t + latency_sample(&lat, &r), &it);
    }
    double secs = host_seconds() - t0;
    queue_free(&q);
    return sink == 1 ? 0 : (double)ops / secs;   /* 'sink' keeps the loop */
}

int bench_kernel(int argc, char **argv)
{
    bool as_json = false;
    int64_t sim_ms = 600;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (strcmp(argv[i], "--quick") == 0)
            sim_ms = 30;
        else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: dsim bench kernel [--json] [--quick]\n");
            return EXIT_PASS;
        } else
            return args_usage_error("bench kernel", "unknown option '%s'", argv[i]);
    }
    bench_run runs[3];
    const int sizes[2] = {5, 1000};
    for (int k = 0; k < 2; k++) {
        int rc = run_flood(sizes[k], 10000, sim_ms, &runs[k]);
        if (rc)
            return rc;
        runs[k].bare_per_s = run_bare(10000, runs[k].delivered);
    }
    int rc = run_flood(1000, 100000, sim_ms / 10 + 1, &runs[2]);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (int k = 0; k < 2; k++)
        json_array_append_new(list, json_pack("{s:i, s:I, s:I, s:f, s:f, s:f, s:I}",
            "nodes", runs[k].nodes, "pending", (json_int_t)runs[k].pending,
            "delivered", (json_int_t)runs[k].delivered, "delivered_per_s", runs[k].delivered_per_s,
            "bare_per_s", runs[k].bare_per_s, "ratio", runs[k].delivered_per_s / runs[k].bare_per_s,
            "peak_rss_kb", (json_int_t)runs[k].peak_rss_kb));
    json_t *o = json_pack("{s:o, s:{s:i, s:I, s:I}}", "runs", list, "memory", "nodes", 1000,
                          "in_flight", (json_int_t)100000, "peak_rss_kb", (json_int_t)runs[2].peak_rss_kb);
    if (as_json) {
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
    } else {
        for (int k = 0; k < 2; k++)
            printf("%5d nodes, %lld pending: %10.0f delivered/s, bare queue %10.0f/s, ratio %.2f\n",
                   runs[k].nodes, (long long)runs[k].pending, runs[k].delivered_per_s,
                   runs[k].bare_per_s, runs[k].delivered_per_s / runs[k].bare_per_s);
        printf("1000 nodes, 100000 in flight: peak RSS %ld KiB\n", runs[2].peak_rss_kb);
    }
    json_decref(o);
    return EXIT_PASS;
}

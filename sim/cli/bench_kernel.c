/*
** bench_kernel.c — 'dsim bench kernel': how fast the kernel moves messages,
** as a ratio against a bare push/pop loop on the same queue in the same run,
** and that loop's ratio to the same loop on a calendar queue (Brown 1988,
** bench_calendar.c), the practical limit of an event loop on this workload.
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
#include "bench_calendar.h"
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
    double delivered_per_s, bare_per_s, ratio;
    double calendar_per_s, calendar_ratio;   /* kernel / calendar loop */
    long peak_rss_kb;
} bench_run;

#define BENCH_ROUNDS 9

typedef struct bare_loop {
    queue q;
    calendar *cal;
    rng rc;
    rng r;
    latency_model lat;
    uint64_t sink;
} bare_loop;

/* The reference: the same queue, the same pending size, the same latency
** draw; pop one, push one, nothing else. */
static int bare_init(bare_loop *b, int64_t pending)
{
    rng_stream(&b->r, 42, "bare", 0);
    b->lat = (latency_model){.kind = LATENCY_UNIFORM, .a = DSIM_MS(1), .b = DSIM_MS(5)};
    b->sink = 0;
    rng_stream(&b->rc, 42, "bare", 0);
    b->cal = calendar_new((uint32_t)pending * 2);
    if (!b->cal)
        return -1;
    if (queue_init(&b->q, (uint32_t)pending * 2) != 0) {
        calendar_free(b->cal);
        return -1;
    }
    for (int64_t i = 0; i < pending; i++) {
        queue_item it = {.kind = EV_DELIVER, .a = (uint64_t)i};
        queue_push(&b->q, latency_sample(&b->lat, &b->r), &it);
        if (calendar_push(b->cal, latency_sample(&b->lat, &b->rc), &it) != 0) {
            calendar_free(b->cal);
            queue_free(&b->q);
            return -1;
        }
    }
    return 0;
}

/* The same loop on the calendar queue. */
__attribute__((noinline)) static double calendar_run(bare_loop *b, uint64_t ops)
{
    double t0 = host_seconds();
    for (uint64_t i = 0; i < ops; i++) {
        queue_item it;
        int64_t t;
        calendar_pop(b->cal, &t, &it);
        b->sink += it.a;
        calendar_push(b->cal, t + latency_sample(&b->lat, &b->rc), &it);
    }
    return host_seconds() - t0;
}

/* Not inlined, so instruction counters can tell the two loops apart. */
__attribute__((noinline)) static double bare_run(bare_loop *b, uint64_t ops)
{
    double t0 = host_seconds();
    for (uint64_t i = 0; i < ops; i++) {
        queue_item it;
        int64_t t;
        queue_pop(&b->q, &t, &it);
        b->sink += it.a;
        queue_push(&b->q, t + latency_sample(&b->lat, &b->r), &it);
    }
    return host_seconds() - t0;
}

static dsim_world *flood_world(int nodes, int64_t pending)
{
    char err[256], num[32];
    snprintf(num, sizeof num, "%" PRId64, pending);
    json_t *given = json_pack("{s:s}", "pending", num);
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &flood;
    cfg.nodes = nodes;
    cfg.seed = 42;
    cfg.options = given;
    cfg.invariants_every = 0;   /* the flood has none */
    dsim_world *w = world_create(&cfg, err, sizeof err);
    json_decref(given);
    if (!w) {
        fprintf(stderr, "dsim bench kernel: %s\n", err);
        return NULL;
    }
    world_start(w);
    return w;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs the flood on 'nodes' nodes for 'sim_ms' of virtual time in rounds,
** each followed by the bare loop for as many events as the round
** delivered; the ratio is the median of the rounds' ratios, so a drift in
** the machine's speed hits both sides of each pair alike. */
static int run_pair(int nodes, int64_t pending, int64_t sim_ms, bench_run *out)
{
    dsim_world *w = flood_world(nodes, pending);
    bare_loop b;
    if (!w || bare_init(&b, pending) != 0) {
        world_free(w);
        return EXIT_INTERNAL;
    }
    double ratios[BENCH_ROUNDS], cal_ratios[BENCH_ROUNDS], kernel_s = 0, bare_s = 0, cal_s = 0;
    uint64_t done = 0;
    bool ok = true;
    for (int r = 0; r < BENCH_ROUNDS && ok; r++) {
        double t0 = host_seconds();
        ok = world_run(w, DSIM_MS(sim_ms) * (r + 1) / BENCH_ROUNDS);
        double k = host_seconds() - t0;
        uint64_t n = w->stats.delivered - done;
        done = w->stats.delivered;
        double bs = bare_run(&b, n);
        double cs = calendar_run(&b, n);
        kernel_s += k;
        bare_s += bs;
        cal_s += cs;
        ratios[r] = bs / k;
        cal_ratios[r] = cs / k;
    }
    qsort(ratios, BENCH_ROUNDS, sizeof ratios[0], cmp_double);
    qsort(cal_ratios, BENCH_ROUNDS, sizeof cal_ratios[0], cmp_double);
    *out = (bench_run){.nodes = nodes, .pending = pending, .delivered = done,
                       .delivered_per_s = (double)done / kernel_s,
                       .bare_per_s = b.sink == 1 ? 0 : (double)done / bare_s,
                       .ratio = ratios[BENCH_ROUNDS / 2],
                       .calendar_per_s = b.sink == 1 ? 0 : (double)done / cal_s,
                       .calendar_ratio = cal_ratios[BENCH_ROUNDS / 2],
                       .peak_rss_kb = host_peak_rss_kb()};
    queue_free(&b.q);
    calendar_free(b.cal);
    world_free(w);
    return ok ? 0 : EXIT_INTERNAL;
}

/* Keeps 'pending' messages in flight for a short while: peak memory. */
static int run_memory(int nodes, int64_t pending, bench_run *out)
{
    dsim_world *w = flood_world(nodes, pending);
    if (!w)
        return EXIT_INTERNAL;
    bool ok = world_run(w, DSIM_MS(20));
    *out = (bench_run){.nodes = nodes, .pending = pending, .delivered = w->stats.delivered,
                       .peak_rss_kb = host_peak_rss_kb()};
    world_free(w);
    return ok ? 0 : EXIT_INTERNAL;
}

int bench_kernel(int argc, char **argv)
{
    bool as_json = false;
    int64_t sim_ms = 900;
    int only_nodes = 0;   /* --nodes N: that one pair, no memory run (for profilers) */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (strcmp(argv[i], "--quick") == 0)
            sim_ms = 45;
        else if (strcmp(argv[i], "--nodes") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end != 0 || v < 1 || v > WORLD_NODES_MAX)
                return args_usage_error("bench kernel", "--nodes takes 1 to %d, got '%s'",
                                        WORLD_NODES_MAX, argv[i]);
            only_nodes = (int)v;
        } else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: dsim bench kernel [--json] [--quick] [--nodes N]\n"
                   "  --nodes N  only the run on N nodes, no memory run (for profilers:\n"
                   "             valgrind --tool=callgrind dsim bench kernel --quick --nodes 1000)\n");
            return EXIT_PASS;
        } else
            return args_usage_error("bench kernel", "unknown option '%s'", argv[i]);
    }
    if (only_nodes > 0) {
        bench_run one;
        int rc = run_pair(only_nodes, 10000, sim_ms, &one);
        if (rc)
            return rc;
        printf("%5d nodes, %lld pending: %" PRIu64 " delivered, %10.0f delivered/s, bare queue %10.0f/s "
               "(ratio %.2f), calendar queue %10.0f/s (ratio %.2f)\n", one.nodes,
               (long long)one.pending, one.delivered, one.delivered_per_s, one.bare_per_s, one.ratio,
               one.calendar_per_s, one.calendar_ratio);
        return EXIT_PASS;
    }
    bench_run runs[3];
    const int sizes[2] = {5, 1000};
    for (int k = 0; k < 2; k++) {
        int rc = run_pair(sizes[k], 10000, sim_ms, &runs[k]);
        if (rc)
            return rc;
    }
    int rc = run_memory(1000, 100000, &runs[2]);
    if (rc)
        return rc;
    json_t *list = json_array();
    for (int k = 0; k < 2; k++)
        json_array_append_new(list, json_pack("{s:i, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:I}",
            "nodes", runs[k].nodes, "pending", (json_int_t)runs[k].pending,
            "delivered", (json_int_t)runs[k].delivered, "delivered_per_s", runs[k].delivered_per_s,
            "bare_per_s", runs[k].bare_per_s, "ratio", runs[k].ratio,
            "calendar_per_s", runs[k].calendar_per_s, "calendar_ratio", runs[k].calendar_ratio,
            "peak_rss_kb", (json_int_t)runs[k].peak_rss_kb));
    json_t *o = json_pack("{s:o, s:{s:i, s:I, s:I, s:I}}", "runs", list, "memory", "nodes", 1000,
                          "in_flight", (json_int_t)100000, "delivered", (json_int_t)runs[2].delivered,
                          "peak_rss_kb", (json_int_t)runs[2].peak_rss_kb);
    if (as_json) {
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
    } else {
        for (int k = 0; k < 2; k++)
            printf("%5d nodes, %lld pending: %10.0f delivered/s, bare queue %10.0f/s (ratio %.2f), "
                   "calendar queue %10.0f/s (ratio %.2f); medians of %d interleaved rounds\n",
                   runs[k].nodes, (long long)runs[k].pending, runs[k].delivered_per_s,
                   runs[k].bare_per_s, runs[k].ratio, runs[k].calendar_per_s,
                   runs[k].calendar_ratio, BENCH_ROUNDS);
        printf("1000 nodes, 100000 in flight: peak RSS %ld KiB\n", runs[2].peak_rss_kb);
    }
    json_decref(o);
    return EXIT_PASS;
}

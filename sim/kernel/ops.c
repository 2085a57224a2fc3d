/*
** ops.c — the kernel's operations on a running world (dsim_ops.h): links,
** processes, clocks, disks, administrative commands, the leader lookup,
** and the accessors a front end may use. Partition shapes live in
** partition.c.
**
** Each operation is the one place its change is made, and keeps the
** contract of dsim_ops.h: arguments asserted (callers check user input),
** the change mixed into the fingerprint, a trace event when tracing, no
** randomness drawn. The fingerprint words are the ones the Lua verbs and
** fault kinds mixed before they shared these functions, so pinned runs
** keep their fingerprints.
*/
#include <stdlib.h>
#include <string.h>

#include "world.h"

_Static_assert(DSIM_DRIFT_PPM_MAX == CLOCK_DRIFT_PPM_MAX, "one drift bound for Lua, faults, clocks");

static dsim_node *node_of(dsim_world *w, int node)
{
    DSIM_ASSERT(node >= 0);
    DSIM_ASSERT(node < w->slots_len);   /* a slot: twins too */
    return &w->nodes[node];
}

/* ---- looking ------------------------------------------------------------- */

uint64_t dsim_seed(const dsim_world *w) { return w->seed; }
int dsim_client_count(const dsim_world *w) { return w->clients_len; }
int dsim_endpoint_count(const dsim_world *w) { return w->net.endpoints; }
int dsim_slot_count(const dsim_world *w) { return w->slots_len; }

int dsim_twin_slot(const dsim_world *w, int node)
{
    DSIM_ASSERT(node >= 0 && node < w->nodes_len);
    int t = w->nodes[node].twin;
    DSIM_ASSERT(t < 0 || t >= w->nodes_len);
    return t;
}

int dsim_slot_endpoint(const dsim_world *w, int slot)
{
    DSIM_ASSERT(slot >= 0 && slot < w->slots_len);
    return w->nodes[slot].ep;
}

dsim_node_status dsim_node_status_of(const dsim_world *w, int node)
{
    DSIM_ASSERT(node >= 0);
    DSIM_ASSERT(node < w->slots_len);
    return (dsim_node_status)w->nodes[node].status;
}

const char *dsim_endpoint_name(const dsim_world *w, int ep, char *buf, size_t cap)
{
    DSIM_ASSERT(ep >= 0);
    DSIM_ASSERT(ep < w->net.endpoints);
    return endpoint_name(w, ep, buf, cap);
}

void dsim_inspect(dsim_world *w, int node, json_t *out)
{
    DSIM_ASSERT(json_is_object(out));
    node_inspect(node_of(w, node), out);
}

/* One pass over the up nodes: the highest-term "leader" (the first of
** equal terms), else the first "primary" or "server". The role set is
** documented in dsim_ops.h and the README (c:leader). */
int dsim_leader(dsim_world *w)
{
    int best = -1, other = -1;
    json_int_t best_term = -1;
    for (int i = 0; i < w->nodes_len && w->proto->inspect; i++) {
        dsim_node *n = &w->nodes[i];
        if (n->status != NODE_UP || !n->booted)
            continue;
        json_t *o = NULL;
        const char *role;
        json_int_t term;
        if (w->proto->role) {   /* the same answer without building inspect's object */
            int64_t t = -1;
            role = w->proto->role(n, &t);
            term = t < 0 ? 0 : (json_int_t)t;
        } else {
            o = json_object();
            w->proto->inspect(n, o);
            role = json_string_value(json_object_get(o, "role"));
            term = json_integer_value(json_object_get(o, "term"));
        }
        if (role && strcmp(role, "leader") == 0 && term > best_term) {
            best = i;
            best_term = term;
        } else if (role && other < 0 && (strcmp(role, "primary") == 0 || strcmp(role, "server") == 0)) {
            other = i;
        }
        json_decref(o);
    }
    int found = best >= 0 ? best : other;
    DSIM_ASSERT(found >= -1);
    DSIM_ASSERT(found < w->nodes_len);
    return found;
}

/* ---- links ----------------------------------------------------------------- */

static void trace_net_change(dsim_world *w, const dsim_link_set *c, bool all)
{
    DSIM_ASSERT(c != NULL);
    json_t *e = trace_event(w, "net");
    if (!e)
        return;
    char buf[64];
    if (c->latency_set) {
        latency_format(&c->latency, buf, sizeof buf);
        json_object_set_new(e, "latency", json_string(buf));
    }
    if (c->drop_set)
        json_object_set_new(e, "drop", json_real(c->drop));
    if (c->dup_set)
        json_object_set_new(e, "dup", json_real(c->dup));
    if (c->fifo_set)
        json_object_set_new(e, "fifo", json_boolean(c->fifo));
    json_object_set_new(e, "links", json_string(all ? "all" : "some"));
    trace_emit(w, e);
}

static dsim_link link_changed(dsim_link p, const dsim_link_set *c)
{
    if (c->latency_set)
        p.latency = c->latency;
    if (c->drop_set)
        p.drop = c->drop;
    if (c->dup_set)
        p.dup = c->dup;
    DSIM_ASSERT(p.drop >= 0);
    DSIM_ASSERT(p.dup >= 0);
    return p;
}

int dsim_net_change(dsim_world *w, const dsim_link_set *c, const int *from, int from_len,
                    const int *to, int to_len, char *err, size_t cap)
{
    bool all = from == NULL;
    DSIM_ASSERT((from == NULL) == (to == NULL));
    DSIM_ASSERT(!c->drop_set || c->drop >= 0);
    DSIM_ASSERT(!c->drop_set || c->drop <= 1);
    DSIM_ASSERT(!c->dup_set || c->dup >= 0);
    DSIM_ASSERT(!c->dup_set || c->dup <= 1);
    if (c->fifo_set)
        net_set_fifo(w, c->fifo);
    if (all)
        w->net.profiles[0] = link_changed(w->net.profiles[0], c);
    for (int i = 0; !all && i < from_len; i++) {
        for (int j = 0; j < to_len; j++) {
            int li = w->net.link_profile ? w->net.link_profile[from[i] * w->net.endpoints + to[j]] : 0;
            dsim_link p = link_changed(w->net.profiles[li], c);
            int idx = net_profile_add(w, &p);
            if (idx < 0) {
                snprintf(err, cap, "too many distinct link settings (at most %d)", WORLD_PROFILES_MAX);
                return -1;
            }
            net_set_link_profile(w, from[i], to[j], idx);
        }
    }
    trace_net_change(w, c, all);
    world_fp_bytes(w, "net", 3);
    return 0;
}

int dsim_links_len(const dsim_world *w)
{
    DSIM_ASSERT(w->net.profiles_len >= 1);
    DSIM_ASSERT(w->net.profiles_len <= WORLD_PROFILES_MAX);
    return w->net.profiles_len;
}

dsim_link dsim_link_at(const dsim_world *w, int i)
{
    DSIM_ASSERT(i >= 0);
    DSIM_ASSERT(i < w->net.profiles_len);
    return w->net.profiles[i];
}

void dsim_links_replace(dsim_world *w, const dsim_link *links, int len, const char *why)
{
    DSIM_ASSERT(len >= 1);
    DSIM_ASSERT(len <= w->net.profiles_len);
    for (int i = 0; i < len; i++)
        w->net.profiles[i] = links[i];
    world_fp_bytes(w, "net", 3);
    json_t *ev = trace_event(w, "net");
    if (!ev)
        return;
    char buf[64];
    const dsim_link *p = &w->net.profiles[0];
    latency_format(&p->latency, buf, sizeof buf);
    json_object_set_new(ev, "latency", json_string(buf));
    json_object_set_new(ev, "drop", json_real(p->drop));
    json_object_set_new(ev, "dup", json_real(p->dup));
    json_object_set_new(ev, "links", json_string("all"));
    json_object_set_new(ev, "fault", json_string(why));
    trace_emit(w, ev);
}

/* ---- processes ------------------------------------------------------------- */

uint32_t dsim_crash(dsim_world *w, int node, bool tear)
{
    dsim_node *n = node_of(w, node);
    if (n->status == NODE_CRASHED)
        return 0;
    node_crash(n, tear);
    DSIM_ASSERT(n->status == NODE_CRASHED);
    DSIM_ASSERT(n->incarnation != 0);
    return n->incarnation;
}

bool dsim_restart(dsim_world *w, int node, uint32_t token)
{
    dsim_node *n = node_of(w, node);
    if (n->status != NODE_CRASHED || (token != 0 && n->incarnation != token))
        return false;
    if (!w->started) {
        n->status = NODE_UP;   /* boots with the others at the first run */
        return true;
    }
    node_restart(n);
    DSIM_ASSERT(n->status != NODE_CRASHED);
    DSIM_ASSERT(token == 0 || n->incarnation == token);   /* a restart keeps the incarnation */
    return true;
}

uint32_t dsim_pause(dsim_world *w, int node, int64_t dur_ns)
{
    dsim_node *n = node_of(w, node);
    if (n->status != NODE_UP)
        return 0;
    node_pause(n);
    DSIM_ASSERT(n->status == NODE_PAUSED);
    DSIM_ASSERT(n->pause_gen != 0);
    if (dur_ns >= 0) {
        queue_item it = {.kind = EV_RESUME, .node = node, .peer = -1, .a = n->pause_gen};
        world_push(w, w->now + dur_ns, &it);
    }
    return n->pause_gen;
}

bool dsim_resume(dsim_world *w, int node, uint32_t token)
{
    dsim_node *n = node_of(w, node);
    if (n->status != NODE_PAUSED || (token != 0 && n->pause_gen != token))
        return false;
    node_resume(n);
    DSIM_ASSERT(n->status == NODE_UP);
    return true;
}

/* ---- clocks ---------------------------------------------------------------- */

void dsim_clock_change(dsim_world *w, int node, const dsim_clock_set *c)
{
    nclock *k = &node_of(w, node)->clock;
    DSIM_ASSERT(!c->mono_drift_set || llabs(c->mono_drift_ppm) <= DSIM_DRIFT_PPM_MAX);
    DSIM_ASSERT(!c->wall_drift_set || llabs(c->wall_drift_ppm) <= DSIM_DRIFT_PPM_MAX);
    if (c->mono_drift_set)
        clock_set_mono_drift(k, w->now, c->mono_drift_ppm);
    if (c->wall_drift_set)
        clock_set_wall_drift(k, w->now, c->wall_drift_ppm);
    if (c->wall_offset_set)
        clock_set_wall_offset(k, w->now, c->wall_offset_ns);
    if (c->step_set)
        clock_step_wall(k, w->now, c->step_ns);
    world_fp(w, 0xc10c ^ (uint64_t)node);
    world_fp(w, (uint64_t)clock_wall(k, w->now));
    json_t *e = trace_event(w, "clock");
    if (!e)
        return;
    char buf[16];
    json_object_set_new(e, "node", json_string(endpoint_name(w, node_of(w, node)->ep, buf, sizeof buf)));
    json_object_set_new(e, "mono_drift_ppm", json_integer(k->mono_drift_ppm));
    json_object_set_new(e, "wall_drift_ppm", json_integer(k->wall_drift_ppm));
    json_object_set_new(e, "wall_minus_true_ns", json_integer(clock_wall(k, w->now) - w->now));
    if (c->step_set)
        json_object_set_new(e, "step_ns", json_integer(c->step_ns));
    trace_emit(w, e);
}

void dsim_clock_resync(dsim_world *w, int node)
{
    dsim_clock_set c = {.mono_drift_set = true, .wall_drift_set = true, .wall_offset_set = true};
    dsim_clock_change(w, node, &c);
    DSIM_ASSERT(clock_wall(&w->nodes[node].clock, w->now) == w->now);
}

/* ---- disks and protocols ------------------------------------------------------ */

void dsim_disk_fail_reads(dsim_world *w, int node, uint32_t reads)
{
    DSIM_ASSERT(reads > 0);
    disk_corrupt_reads(node_of(w, node)->disk, reads);
}

int dsim_control(dsim_world *w, int node, const char *verb, json_t *args, json_t *result)
{
    dsim_node *n = node_of(w, node);
    DSIM_ASSERT(verb != NULL);
    DSIM_ASSERT(json_is_object(result));
    char why[160];
    if (!w->proto->control || n->status == NODE_CRASHED) {
        if (!w->proto->control)
            snprintf(why, sizeof why, "protocol '%s' takes no control commands", w->proto->name);
        else
            snprintf(why, sizeof why, "control %s: node n%d is crashed", verb, node + 1);
        json_object_set_new(result, "error", json_string(why));
        json_decref(args);
        return -2;
    }
    world_fp_bytes(w, verb, strlen(verb));
    int was = world_enter(w, node);
    int rc = w->proto->control(n, verb, args, result);
    world_leave(w, was);
    json_decref(args);
    return rc != 0 ? -1 : 0;
}

/* ---- scheduling and recording ------------------------------------------------- */

void dsim_call_at(dsim_world *w, int64_t at_ns, dsim_call_fn fn, uint64_t a, uint64_t b)
{
    world_call_at(w, at_ns, fn, a, b);
}

void dsim_fp(dsim_world *w, uint64_t x) { world_fp(w, x); }
void dsim_fp_bytes(dsim_world *w, const void *p, size_t len) { world_fp_bytes(w, p, len); }
json_t *dsim_trace_event(dsim_world *w, const char *ev) { return trace_event(w, ev); }
void dsim_trace_emit(dsim_world *w, json_t *e) { trace_emit(w, e); }

/*
** partition.c — partition shapes over the reachability matrix of net.c
** (the network operations of dsim_ops.h).
**
** Every shape except 'cut' replaces the previous one (heal, then apply), as
** Jepsen's nemesis replaces its grudge; 'cut' adds one directed cut so
** several compose. Clients take part only where a shape names them:
** 'groups' lets a listed client reach its own group alone, and 'isolate'
** cuts a node from clients too. Each shape is written to the trace as data
** ("shape", and "groups" where there are sides; a bridge's two halves)
** for the viewer.
*/
#include <stdlib.h>

#include "world.h"

static json_t *names_of(const dsim_world *w, const int *eps, int len)
{
    DSIM_ASSERT(len >= 0);
    DSIM_ASSERT(eps != NULL || len == 0);
    json_t *a = json_array();
    char buf[16];
    for (int i = 0; i < len; i++)
        json_array_append_new(a, json_string(endpoint_name(w, eps[i], buf, sizeof buf)));
    return a;
}

/* Twins in a shape that names identities only (oneway, isolate, bridge,
** ring): each twin instance's links copy its identity's first instance's,
** so the shape holds for the identity whichever instance acts; only
** 'groups' and 'cut' place a twin on its own (docs/DESIGN.md "Twins"). */
static void twins_follow(dsim_world *w)
{
    for (int t = w->nodes_len; t < w->slots_len; t++) {
        int ep = w->nodes[t].ep, id = w->nodes[t].id;
        for (int e = 0; e < w->net.endpoints; e++) {
            if (e == ep || e == id)
                continue;
            int o = world_ep_slot(w, e) >= w->nodes_len ? w->nodes[w->nodes[world_ep_slot(w, e)].id].ep : e;
            net_set_cut(w, ep, e, !net_reachable(w, id, o));
            net_set_cut(w, e, ep, !net_reachable(w, o, id));
        }
    }
}

static void trace_shape(dsim_world *w, json_t *shape)
{
    DSIM_ASSERT(json_is_string(json_object_get(shape, "shape")));
    world_fp_bytes(w, "partition", 9);
    json_t *e = trace_event(w, "partition");
    if (e) {
        json_object_update(e, shape);
        trace_emit(w, e);
    }
    net_set_shape(w, shape);
    DSIM_ASSERT(w->net.shape == shape);
}

static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* 'group_of[ep]' is a group label >= 0, or -1: a node not listed joins one
** extra group of all unlisted nodes, a client not listed reaches everyone.
** Labels need not be dense (the nemesis's halves of a one-node cluster use
** label 1 alone): the groups are numbered 0, 1, ... in label order. */
void dsim_partition_groups(dsim_world *w, const int *group_of)
{
    int eps = w->net.endpoints;
    int *labels = malloc(sizeof(int) * (size_t)eps);   /* the distinct labels, sorted */
    DSIM_ASSERT(labels != NULL);
    int extra = 0;
    for (int e = 0; e < eps; e++) {
        DSIM_ASSERT(group_of[e] >= -1);
        if (group_of[e] >= 0)
            labels[extra++] = group_of[e];
    }
    qsort(labels, (size_t)extra, sizeof(int), int_cmp);
    int distinct = 0;
    for (int i = 0; i < extra; i++)
        if (distinct == 0 || labels[distinct - 1] != labels[i])
            labels[distinct++] = labels[i];
    extra = distinct;
    DSIM_ASSERT(extra <= eps);
    net_heal(w);
    int *g = malloc(sizeof(int) * (size_t)eps);   /* every node's group; clients may stay -1 */
    DSIM_ASSERT(g != NULL);
    for (int e = 0; e < eps; e++) {
        if (group_of[e] >= 0) {
            const int *at = bsearch(&group_of[e], labels, (size_t)extra, sizeof(int), int_cmp);
            DSIM_ASSERT(at != NULL);
            g[e] = (int)(at - labels);
        } else {
            g[e] = e < w->nodes_len ? extra : -1;
        }
    }
    free(labels);
    for (int e = 0; e < eps; e++) {   /* an unlisted twin instance joins its identity's group */
        int slot = world_ep_slot(w, e);
        if (slot >= w->nodes_len && g[e] < 0)
            g[e] = g[w->nodes[slot].id];
    }
    for (int a = 0; a < eps; a++)
        for (int b = 0; b < eps; b++)
            if (g[a] >= 0 && g[b] >= 0 && g[a] != g[b])
                net_set_cut(w, a, b, true);
    json_t *shape = json_pack("{s:s}", "shape", "groups");
    json_t *groups = json_array();
    int *members = malloc(sizeof(int) * (size_t)eps);
    DSIM_ASSERT(members != NULL);
    for (int k = 0; k <= extra; k++) {
        int len = 0;
        for (int e = 0; e < eps; e++)
            if (g[e] == k)
                members[len++] = e;
        if (len > 0)
            json_array_append_new(groups, names_of(w, members, len));
    }
    free(members);
    free(g);
    json_object_set_new(shape, "groups", groups);
    trace_shape(w, shape);
}

void dsim_partition_oneway(dsim_world *w, const int *side_of)
{
    DSIM_ASSERT(side_of != NULL);
    net_heal(w);
    for (int a = 0; a < w->nodes_len; a++)
        for (int b = 0; b < w->nodes_len; b++)
            if (side_of[a] == 0 && side_of[b] == 1)
                net_set_cut(w, a, b, true);
    json_t *groups = json_array();
    int *members = malloc(sizeof(int) * (size_t)w->nodes_len);
    DSIM_ASSERT(members != NULL);
    for (int side = 0; side < 2; side++) {
        int len = 0;
        for (int a = 0; a < w->nodes_len; a++)
            if (side_of[a] == side)
                members[len++] = a;
        json_array_append_new(groups, names_of(w, members, len));
    }
    free(members);
    twins_follow(w);
    trace_shape(w, json_pack("{s:s, s:o}", "shape", "oneway", "groups", groups));
}

void dsim_partition_isolate(dsim_world *w, int node)
{
    DSIM_ASSERT(node >= 0);
    DSIM_ASSERT(node < w->nodes_len);
    net_heal(w);
    for (int e = 0; e < w->net.endpoints; e++) {
        net_set_cut(w, node, e, true);
        net_set_cut(w, e, node, true);
    }
    if (w->net.endpoints > 1)
        DSIM_ASSERT(!net_reachable(w, node, node == 0 ? 1 : 0));
    twins_follow(w);
    json_t *shape = json_pack("{s:s}", "shape", "isolate");
    json_object_set_new(shape, "groups", json_pack("[o]", names_of(w, &node, 1)));
    trace_shape(w, shape);
}

void dsim_partition_cut(dsim_world *w, int from, int to)
{
    DSIM_ASSERT(from != to);
    net_set_cut(w, from, to, true);
    DSIM_ASSERT(!net_reachable(w, from, to));
    int pair[2] = {from, to};
    json_t *shape = json_pack("{s:s}", "shape", "cut");
    json_object_set_new(shape, "link", names_of(w, pair, 2));
    trace_shape(w, shape);
}

/* Two halves of the other nodes that cannot reach each other; 'bridge'
** reaches both. */
void dsim_partition_bridge(dsim_world *w, int bridge)
{
    int n = w->nodes_len;
    DSIM_ASSERT(n >= 3);
    DSIM_ASSERT(bridge >= 0);
    DSIM_ASSERT(bridge < n);
    int *group_of = malloc(sizeof(int) * (size_t)w->net.endpoints);
    DSIM_ASSERT(group_of != NULL);
    for (int e = 0; e < w->net.endpoints; e++)
        group_of[e] = -1;
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (i == bridge)
            continue;
        group_of[i] = k < (n - 1) / 2 ? 0 : 1;
        k++;
    }
    net_heal(w);
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            if (group_of[a] >= 0 && group_of[b] >= 0 && group_of[a] != group_of[b])
                net_set_cut(w, a, b, true);
    twins_follow(w);
    json_t *shape = json_pack("{s:s}", "shape", "bridge");
    json_t *groups = json_array();   /* the two halves, for the viewer */
    int *members = malloc(sizeof(int) * (size_t)n);
    DSIM_ASSERT(members != NULL);
    for (int g = 0; g < 2; g++) {
        int len = 0;
        for (int i = 0; i < n; i++)
            if (group_of[i] == g)
                members[len++] = i;
        json_array_append_new(groups, names_of(w, members, len));
    }
    free(members);
    free(group_of);
    json_object_set_new(shape, "groups", groups);
    json_object_set_new(shape, "bridge", names_of(w, &bridge, 1));
    trace_shape(w, shape);
}

/* Majorities ring: node i hears only the majority window of the ring that
** is centred on it, so every node sees a majority and no two see the same
** one. The cut is directed (i drops what comes from outside its window). */
void dsim_partition_ring(dsim_world *w)
{
    int n = w->nodes_len;
    int m = n / 2 + 1;
    DSIM_ASSERT(n >= 3);   /* c:ring and the nemesis check it */
    DSIM_ASSERT(m <= n);
    net_heal(w);
    for (int i = 0; i < n; i++) {
        int lo = i - (m - 1) / 2;
        for (int j = 0; j < n; j++) {
            int d = ((j - lo) % n + n) % n;
            if (d >= m)
                net_set_cut(w, j, i, true);
        }
    }
    twins_follow(w);
    trace_shape(w, json_pack("{s:s}", "shape", "ring"));
}

void dsim_partition_heal(dsim_world *w)
{
    net_heal(w);
    DSIM_ASSERT(w->net.shape == NULL);
    world_fp_bytes(w, "heal", 4);
    json_t *e = trace_event(w, "heal");
    if (e)
        trace_emit(w, e);
}

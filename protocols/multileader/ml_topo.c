/*
** ml_topo.c — data centres and the replication graph.
**
** Data centre d (0-based) holds the nodes [d*N/D, (d+1)*N/D): consecutive
** ids, sizes differing by one at most; its lowest id leads it until a
** failover (ml_failover.c) makes another of its nodes the leader. Leaders
** replicate to each other over the topology:
**   all-to-all  every leader to every other; an update is sent only by its
**               origin (no relaying, so paths differ and one update can
**               overtake another);
**   ring        leader of d to leader of d+1 (mod D); an update is relayed
**               until the next hop would be its origin;
**   star        the leader of the first data centre is the hub: spokes send
**               to it, it relays to every other spoke.
** A leader also relays every update it applies to its own followers.
*/
#include "multileader.h"

int ml_dc_of(const ml_conf *c, int nodes, int id)
{
    DSIM_ASSERT(id >= 0 && id < nodes);
    for (int d = 0; d < c->dcs; d++)
        if (id < (d + 1) * nodes / c->dcs)
            return d;
    DSIM_ASSERT(!"a node outside every data centre");
    return -1;
}

int ml_leader_of_dc(const ml_conf *c, int nodes, int dc)
{
    DSIM_ASSERT(dc >= 0 && dc < c->dcs);
    DSIM_ASSERT(c->leader[dc] >= 0 && c->leader[dc] < nodes && ml_dc_of(c, nodes, c->leader[dc]) == dc);
    return c->leader[dc];
}

bool ml_is_leader(const ml_conf *c, int nodes, int id)
{
    return ml_leader_of_dc(c, nodes, ml_dc_of(c, nodes, id)) == id;
}

/* The leaders 'id' (a leader) sends to over the topology. */
static int peers(const ml_conf *c, int nodes, int id, int *out)
{
    int dc = ml_dc_of(c, nodes, id), k = 0;
    if (c->dcs == 1)
        return 0;
    if (c->topology == TOPO_RING) {
        out[k++] = ml_leader_of_dc(c, nodes, (dc + 1) % c->dcs);
    } else if (c->topology == TOPO_STAR && dc != 0) {
        out[k++] = ml_leader_of_dc(c, nodes, 0);
    } else {
        for (int d = 0; d < c->dcs; d++)
            if (d != dc)
                out[k++] = ml_leader_of_dc(c, nodes, d);
    }
    return k;
}

int ml_downstream(const ml_conf *c, int nodes, int id, int *out)
{
    if (!ml_is_leader(c, nodes, id))
        return 0;
    int k = peers(c, nodes, id, out);
    int dc = ml_dc_of(c, nodes, id);
    for (int m = 0; m < nodes; m++)   /* the rest of its data centre */
        if (m != id && ml_dc_of(c, nodes, m) == dc)
            out[k++] = m;
    DSIM_ASSERT(k <= ML_NODES_MAX);
    return k;
}

bool ml_forwards(const ml_conf *c, int nodes, int id, const ml_rop *r, int from, int to)
{
    DSIM_ASSERT(to != id);
    if (to == from || to == (int)r->origin)
        return false;
    if (ml_dc_of(c, nodes, to) == ml_dc_of(c, nodes, id))
        return true;   /* my own followers get everything */
    if (c->topology == TOPO_ALL)
        return (int)r->origin == id;
    if (c->topology == TOPO_RING)   /* relay until the next hop is the origin's DC */
        return ml_dc_of(c, nodes, to) != ml_dc_of(c, nodes, (int)r->origin);
    /* star: a spoke sends its own; the hub relays to the others */
    return (int)r->origin == id || ml_dc_of(c, nodes, id) == 0;
}

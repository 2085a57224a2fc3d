/*
** dynamo_ring.c — consistent hashing with virtual nodes.
**
** Every node owns 'vnodes' tokens at positions hash(node, i) on a 64-bit
** ring; a key sits at hash(key). Its preference list is the walk clockwise
** from the key's position (the first token at or after it, wrapping), each
** node taken at its first token: the first 'n' are the key's home
** replicas, the rest its fallbacks in order. Every node computes the same
** ring from the options alone (no randomness, no messages), so the ring is
** fixed for a run. Ties of positions (astronomically rare) sort by node.
** Data centres (option 'dcs'): nodes of consecutive ids, [d*N/D, (d+1)*N/D)
** for data centre d; then a key's home replicas are the first n/dcs nodes
** of each data centre along the walk (Cassandra's NetworkTopologyStrategy),
** and its fallbacks the other nodes in walk order.
*/
#include "dynamo.h"

/* SplitMix64's finalizer: a bijection that spreads nearby inputs. */
uint64_t dyn_hash64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t token_pos(int node, int i)
{
    return dyn_hash64(0x746f6b656eULL ^ ((uint64_t)node << 32 | (uint64_t)i));
}

static uint64_t key_pos(uint32_t key)
{
    return dyn_hash64(0x6b6579ULL << 40 ^ key);
}

void dyn_ring_build(dyn_ring *ring, int nodes, int vnodes)
{
    DSIM_ASSERT(nodes >= 1 && nodes <= DYN_NODES_MAX);
    DSIM_ASSERT(vnodes >= 1 && vnodes <= DYN_VNODES_MAX);
    ring->len = 0;
    ring->nodes = nodes;
    ring->dcs = 1;
    ring->per_dc = 0;
    for (int nd = 0; nd < nodes; nd++)
        for (int i = 0; i < vnodes; i++) {
            /* insertion sort: at most 576 tokens, once per boot */
            uint64_t p = token_pos(nd, i);
            int j = ring->len++;
            while (j > 0 && (ring->pos[j - 1] > p || (ring->pos[j - 1] == p && ring->node[j - 1] > nd))) {
                ring->pos[j] = ring->pos[j - 1];
                ring->node[j] = ring->node[j - 1];
                j--;
            }
            ring->pos[j] = p;
            ring->node[j] = nd;
        }
    for (int j = 1; j < ring->len; j++)
        DSIM_ASSERT(ring->pos[j - 1] <= ring->pos[j]);
}

int dyn_ring_pref(const dyn_ring *ring, uint32_t key, int *pref, int cap)
{
    DSIM_ASSERT(ring->len > 0);
    uint64_t p = key_pos(key);
    int lo = 0, hi = ring->len;   /* first token with pos >= p */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (ring->pos[mid] < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    int count = 0, walk[DYN_NODES_MAX];
    uint32_t seen = 0;
    for (int k = 0; k < ring->len && count < DYN_NODES_MAX; k++) {
        int nd = ring->node[(lo + k) % ring->len];
        if (seen & (1u << nd))
            continue;
        seen |= 1u << nd;
        walk[count++] = nd;
    }
    DSIM_ASSERT(count == ring->nodes);
    int out = 0;
    if (ring->dcs > 1) {   /* per_dc homes of each data centre first, in walk order */
        int taken[DYN_NODES_MAX] = {0};
        uint32_t home = 0;
        for (int i = 0; i < count && out < cap; i++) {
            int d = dyn_dc_of(ring->nodes, ring->dcs, walk[i]);
            if (taken[d] < ring->per_dc) {
                taken[d]++;
                home |= 1u << walk[i];
                pref[out++] = walk[i];
            }
        }
        for (int i = 0; i < count && out < cap; i++)
            if (!(home & (1u << walk[i])))
                pref[out++] = walk[i];
        return out;
    }
    for (int i = 0; i < count && out < cap; i++)
        pref[out++] = walk[i];
    return out;
}

int dyn_dc_of(int nodes, int dcs, int node)
{
    DSIM_ASSERT(node >= 0 && node < nodes && dcs >= 1 && dcs <= nodes);
    for (int d = 0; d < dcs; d++)
        if (node < (d + 1) * nodes / dcs)
            return d;
    DSIM_ASSERT(!"a node outside every data centre");
    return -1;
}

void dyn_ring_place(dyn_ring *ring, int dcs, int n)
{
    DSIM_ASSERT(dcs >= 1 && dcs <= ring->nodes && n % dcs == 0);
    for (int d = 0; d < dcs; d++)   /* each data centre holds its share */
        DSIM_ASSERT((d + 1) * ring->nodes / dcs - d * ring->nodes / dcs >= n / dcs);
    ring->dcs = dcs;
    ring->per_dc = n / dcs;
}

bool dyn_ring_is_home(const dyn_ring *ring, uint32_t key, int n_replicas, int node)
{
    int pref[DYN_NODES_MAX];
    int len = dyn_ring_pref(ring, key, pref, DYN_NODES_MAX);
    DSIM_ASSERT(n_replicas <= len);
    for (int i = 0; i < n_replicas; i++)
        if (pref[i] == node)
            return true;
    return false;
}

/*
** byzantine.c — signatures and Byzantine behaviour.
**
** Signatures: each node's private key is two words drawn from the stream
** "sign" of the run's seed and the node's id, so keys are the same in every
** run of a seed and no protocol can see them (dsim.h exposes no seed and no
** key). A signature is SipHash-2-4 with 128-bit output (Aumasson and
** Bernstein, 2012) keyed with the signer's key over the bytes: only the
** kernel can compute it, and dsim_sign computes it only for the node whose
** callback is running, so a node cannot sign as another. Signing draws no
** randomness and touches no fingerprint: adding signatures to a protocol's
** messages changes its runs only through the bytes it sends.
**
** Byzantine behaviour is a name and a parameter object on the node; it
** survives crashes (it is what the node is). The kernel validates the name
** against its generic behaviours and the protocol's 'byzantine' table.
*/
#include <string.h>

#include "rng.h"
#include "world.h"

const char *const dsim_byzantine_generic[] = {"silent", "mute_to", "replay", "corrupt", NULL};

/* ---- SipHash-2-4, 128-bit output ----------------------------------------- */

static inline uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                                   \
    do {                                                                           \
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);                  \
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                                     \
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                                     \
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);                  \
    } while (0)

static uint64_t load_le(const uint8_t *p, size_t n)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)p[i] << (8 * i);
    return x;
}

static dsim_sig siphash128(const uint64_t key[2], const void *data, uint32_t len)
{
    const uint8_t *p = data;
    uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL, v1 = key[1] ^ 0x646f72616e646f6dULL;
    uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL, v3 = key[1] ^ 0x7465646279746573ULL;
    v1 ^= 0xee;
    size_t whole = len - len % 8;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = load_le(p + i, 8);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = ((uint64_t)len << 56) | load_le(p + whole, len % 8);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xee;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    dsim_sig s;
    s.tag[0] = v0 ^ v1 ^ v2 ^ v3;
    v1 ^= 0xdd;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    s.tag[1] = v0 ^ v1 ^ v2 ^ v3;
    return s;
}

void byzantine_init(dsim_node *n)
{
    rng r;
    rng_stream(&r, n->w->seed, "sign", (uint64_t)n->id);
    n->sign_key[0] = rng_next(&r);
    n->sign_key[1] = rng_next(&r);
    n->byz[0] = '\0';
    n->byz_params = json_object();
}

dsim_sig dsim_sign(dsim_node *n, const void *data, uint32_t len)
{
    DSIM_ASSERT(n != NULL);
    DSIM_ASSERT(data != NULL || len == 0);
    DSIM_ASSERT(n->w->acting == n->id);   /* only the running node signs, as itself */
    return siphash128(n->sign_key, len ? data : "", len);
}

bool dsim_verify(dsim_node *n, int signer, const void *data, uint32_t len, const dsim_sig *sig)
{
    DSIM_ASSERT(n != NULL && sig != NULL);
    DSIM_ASSERT(data != NULL || len == 0);
    if (signer < 0 || signer >= n->w->nodes_len)
        return false;
    dsim_sig s = siphash128(n->w->nodes[signer].sign_key, len ? data : "", len);
    return s.tag[0] == sig->tag[0] && s.tag[1] == sig->tag[1];
}

/* ---- behaviour ------------------------------------------------------------- */

const char *dsim_byzantine(const dsim_node *n)
{
    return n->byz[0] ? n->byz : NULL;
}

const json_t *dsim_byzantine_params(const dsim_node *n)
{
    DSIM_ASSERT(json_is_object(n->byz_params));
    return n->byz_params;
}

static bool listed(const char *const *names, const char *name)
{
    for (int i = 0; names && names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static void trace_change(dsim_world *w, int node, const char *ev, const char *behaviour)
{
    json_t *e = trace_event(w, ev);
    DSIM_ASSERT(e != NULL);   /* a fault event is always made */
    char buf[16];
    json_object_set_new(e, "node", json_string(endpoint_name(w, node, buf, sizeof buf)));
    if (behaviour)
        json_object_set_new(e, "behaviour", json_string(behaviour));
    trace_emit(w, e);
}

uint32_t dsim_byzantine_set(dsim_world *w, int node, const char *behaviour, json_t *params,
                            char *err, size_t cap)
{
    DSIM_ASSERT(node >= 0 && node < w->nodes_len);
    DSIM_ASSERT(behaviour != NULL);
    DSIM_ASSERT(params == NULL || json_is_object(params));
    dsim_node *n = &w->nodes[node];
    if (!listed(dsim_byzantine_generic, behaviour) && !listed(w->proto->byzantine, behaviour)) {
        snprintf(err, cap, "unknown Byzantine behaviour '%s' for protocol '%s'", behaviour,
                 w->proto->name);
        return 0;
    }
    if (strlen(behaviour) >= sizeof n->byz) {
        snprintf(err, cap, "Byzantine behaviour name '%s' is too long", behaviour);
        return 0;
    }
    snprintf(n->byz, sizeof n->byz, "%s", behaviour);
    json_decref(n->byz_params);
    n->byz_params = params ? json_incref(params) : json_object();
    n->byz_gen++;
    if (n->byz_gen == 0)
        n->byz_gen = 1;
    world_fp(w, 0xb1ab ^ (uint64_t)node);
    world_fp_bytes(w, behaviour, strlen(behaviour));
    trace_change(w, node, "byzantine", behaviour);
    return n->byz_gen;
}

bool dsim_honest(dsim_world *w, int node, uint32_t token)
{
    DSIM_ASSERT(node >= 0 && node < w->nodes_len);
    dsim_node *n = &w->nodes[node];
    if (!n->byz[0] || (token != 0 && token != n->byz_gen))
        return false;
    n->byz[0] = '\0';
    json_decref(n->byz_params);
    n->byz_params = json_object();
    n->byz_gen++;
    if (n->byz_gen == 0)
        n->byz_gen = 1;
    world_fp(w, 0x40e57 ^ (uint64_t)node);
    trace_change(w, node, "honest", NULL);
    return true;
}

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
** against its generic behaviours and the protocol's 'byzantine' table, and
** the parameters of its generic ones. It acts the generic ones out on the
** way out of dsim_send, for any protocol:
**   silent   sends nothing, replies to clients included (every send is
**            traced, then dropped with why "byzantine")
**   mute_to  drops what it sends to the nodes in params.peers (1-based)
**   replay   sends as usual and, with probability params.rate (0.3) after
**            each send, also a copy of one of its last BYZ_SENT_MAX
**            messages, to the node it first went to, under a new id
**   corrupt  with probability params.rate (0.3) flips 1..3 payload bits
** Their randomness comes from the node's stream "byzantine", drawn only
** while the node is Byzantine: an honest run draws nothing from it, so it
** is the same run it was before Byzantine behaviour existed.
** Threat model: a Byzantine node runs any code under its own identity; it
** cannot sign as another node, forge the sender of a message (the network
** stamps it), or touch another node's state, disk or clock.
*/
#include <stdlib.h>
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
    n->byz_gen = 0;
    n->byz_params = json_object();
    rng_stream(&n->byz_rng, n->w->seed, "byzantine", (uint64_t)n->id);
    n->byz_sent = NULL;
}

#define BYZ_SENT_MAX 16

typedef struct byz_msg {
    int to;
    uint32_t type, len;
    uint8_t *data;
} byz_msg;

struct byz_sent {   /* a ring of the node's last sends (replay) */
    int len, next;
    byz_msg m[BYZ_SENT_MAX];
};

void byzantine_free(dsim_node *n)
{
    json_decref(n->byz_params);
    n->byz_params = NULL;
    if (n->byz_sent)
        for (int i = 0; i < n->byz_sent->len; i++)
            free(n->byz_sent->m[i].data);
    free(n->byz_sent);
    n->byz_sent = NULL;
}

dsim_sig dsim_sign(dsim_node *n, const void *data, uint32_t len)
{
    DSIM_ASSERT(n != NULL);
    DSIM_ASSERT(data != NULL || len == 0);
    DSIM_ASSERT(n->w->acting == n->slot);   /* only the running node signs, as itself */
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

/* A client's private key, from the run's seed like a node's (a stream of
** its own: no node's key or stream moves). */
static void client_key(const dsim_world *w, int client, uint64_t key[2])
{
    DSIM_ASSERT(client >= 0 && client < w->clients_len);
    rng r;
    rng_stream(&r, w->seed, "client-sign", (uint64_t)client);
    key[0] = rng_next(&r);
    key[1] = rng_next(&r);
}

/* The client signed its request when it sent it; the signature is a pure
** function of its key and the bytes, so the kernel makes it when the node
** asks, which costs nothing for protocols that never ask. */
dsim_sig dsim_request_sig(dsim_node *n, const dsim_op *op)
{
    dsim_world *w = n->w;
    DSIM_ASSERT(w->acting == n->slot);   /* inside this node's on_request */
    DSIM_ASSERT(w->request != NULL);
    DSIM_ASSERT(op == w->request || memcmp(op, w->request, dsim_op_bytes(op)) == 0);
    uint64_t key[2];
    client_key(w, w->request->client, key);
    return siphash128(key, w->request, (uint32_t)dsim_op_bytes(w->request));
}

bool dsim_verify_request(dsim_node *n, const dsim_op *op, const dsim_sig *sig)
{
    DSIM_ASSERT(n != NULL && op != NULL && sig != NULL);
    if (op->client < 0 || op->client >= n->w->clients_len || op->f >= DSIM_F_COUNT_ ||
        op->mops_len > DSIM_MOPS_MAX)
        return false;
    uint64_t key[2];
    client_key(n->w, op->client, key);
    dsim_sig s = siphash128(key, op, (uint32_t)dsim_op_bytes(op));
    return s.tag[0] == sig->tag[0] && s.tag[1] == sig->tag[1];
}

/* ---- behaviour ------------------------------------------------------------- */

const char *dsim_byzantine(const dsim_node *n)
{
    return n->byz[0] ? n->byz : NULL;
}

bool dsim_byzantine_ever(const dsim_node *n)
{
    if (n->twin >= 0)   /* a twinned identity equivocates: Byzantine all run long */
        return true;
    return n->byz_gen != 0;   /* bumps on every spell's start and end, from 0 */
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

/* ---- the generic behaviours on the send path -------------------------------- */

static bool peer_listed(const json_t *peers, int node)
{
    size_t i;
    json_t *v;
    json_array_foreach(peers, i, v)
        if (json_integer_value(v) == node + 1)
            return true;
    return false;
}

static void remember(dsim_node *n, int to, uint32_t type, const void *data, uint32_t len)
{
    if (!n->byz_sent) {
        n->byz_sent = calloc(1, sizeof *n->byz_sent);
        DSIM_ASSERT(n->byz_sent != NULL);
    }
    struct byz_sent *s = n->byz_sent;
    byz_msg *m = &s->m[s->next];
    if (s->len < BYZ_SENT_MAX)
        s->len++;
    else
        free(m->data);
    m->to = to;
    m->type = type;
    m->len = len;
    m->data = malloc(len ? len : 1);
    DSIM_ASSERT(m->data != NULL);
    if (len)
        memcpy(m->data, data, len);
    s->next = (s->next + 1) % BYZ_SENT_MAX;
    DSIM_ASSERT(s->len <= BYZ_SENT_MAX);
}

void byzantine_send(dsim_node *n, int to, uint32_t type, const void *data, uint32_t len, uint64_t id)
{
    dsim_world *w = n->w;
    DSIM_ASSERT(n->byz[0] != '\0');
    double rate = json_number_value(json_object_get(n->byz_params, "rate"));
    if (strcmp(n->byz, "silent") == 0) {
        net_send_dropped(w, n->ep, to, MSG_PROTOCOL, type, data, len, id, "byzantine");
    } else if (strcmp(n->byz, "mute_to") == 0) {
        if (peer_listed(json_object_get(n->byz_params, "peers"), to))
            net_send_dropped(w, n->ep, to, MSG_PROTOCOL, type, data, len, id, "byzantine");
        else
            net_send_node(w, n->ep, to, MSG_PROTOCOL, type, data, len, id);
    } else if (strcmp(n->byz, "replay") == 0) {
        net_send_node(w, n->ep, to, MSG_PROTOCOL, type, data, len, id);
        if (n->byz_sent && n->byz_sent->len > 0 && rng_chance(&n->byz_rng, rate)) {
            const byz_msg *m = &n->byz_sent->m[rng_below(&n->byz_rng, (uint64_t)n->byz_sent->len)];
            net_send_node(w, n->ep, m->to, MSG_PROTOCOL, m->type, m->data, m->len, w->msg_id_next++);
        }
        remember(n, to, type, data, len);
    } else if (strcmp(n->byz, "corrupt") == 0 && len > 0 && rng_chance(&n->byz_rng, rate)) {
        uint8_t *copy = malloc(len);
        DSIM_ASSERT(copy != NULL);
        memcpy(copy, data, len);
        int flips = (int)rng_range(&n->byz_rng, 1, 3);
        for (int i = 0; i < flips; i++) {
            uint64_t bit = rng_below(&n->byz_rng, (uint64_t)len * 8);
            copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        net_send_node(w, n->ep, to, MSG_PROTOCOL, type, copy, len, id);
        free(copy);
    } else {   /* a protocol's own behaviour, or a corrupt send left whole */
        net_send_node(w, n->ep, to, MSG_PROTOCOL, type, data, len, id);
    }
}

/* The generic behaviours' parameters: known keys, the right types, and
** their defaults filled in. 0, or -1 with a message. */
static int generic_params(dsim_world *w, const char *b, json_t *p, char *err, size_t cap)
{
    const char *allowed = strcmp(b, "mute_to") == 0 ? "peers"
                          : (strcmp(b, "replay") == 0 || strcmp(b, "corrupt") == 0) ? "rate" : "";
    const char *k;
    json_t *v;
    json_object_foreach(p, k, v) {
        if (strcmp(k, allowed) != 0) {
            snprintf(err, cap, "Byzantine behaviour '%s': unknown parameter '%s'%s%s", b, k,
                     allowed[0] ? " (known: " : " (it takes none)", allowed[0] ? allowed : "");
            if (allowed[0])
                strncat(err, ")", cap - strlen(err) - 1);
            return -1;
        }
    }
    if (strcmp(allowed, "rate") == 0) {
        json_t *r = json_object_get(p, "rate");
        if (r && (!json_is_number(r) || json_number_value(r) < 0 || json_number_value(r) > 1)) {
            snprintf(err, cap, "Byzantine behaviour '%s': 'rate' must be a probability 0..1", b);
            return -1;
        }
        if (!r)
            json_object_set_new(p, "rate", json_real(0.3));
    }
    if (strcmp(allowed, "peers") == 0) {
        json_t *l = json_object_get(p, "peers");
        size_t i;
        bool ok = json_is_array(l) && json_array_size(l) > 0;
        json_array_foreach(l, i, v)
            ok = ok && json_is_integer(v) && json_integer_value(v) >= 1 &&
                 json_integer_value(v) <= w->nodes_len;
        if (!ok) {
            snprintf(err, cap, "Byzantine behaviour 'mute_to': 'peers' must be a list of nodes 1..%d",
                     w->nodes_len);
            return -1;
        }
    }
    return 0;
}

bool dsim_byzantine_known(const dsim_world *w, const char *behaviour)
{
    if (strcmp(behaviour, "corrupt") == 0 && !w->proto->validates_input)
        return false;   /* see dsim_protocol.validates_input */
    return listed(dsim_byzantine_generic, behaviour) || listed(w->proto->byzantine, behaviour);
}

const char *const *dsim_byzantine_own(const dsim_world *w)
{
    return w->proto->byzantine;
}

static void trace_change(dsim_world *w, int node, const char *ev, const char *behaviour, const json_t *params)
{
    json_t *e = trace_event(w, ev);
    if (!e)
        return;   /* neither traced nor kept for a report */
    char buf[16];
    json_object_set_new(e, "node", json_string(endpoint_name(w, node, buf, sizeof buf)));
    if (behaviour)
        json_object_set_new(e, "behaviour", json_string(behaviour));
    if (params && json_object_size(params) > 0)
        json_object_set_new(e, "params", json_deep_copy(params));
    trace_emit(w, e);
}

uint32_t dsim_byzantine_set(dsim_world *w, int node, const char *behaviour, json_t *params,
                            char *err, size_t cap)
{
    DSIM_ASSERT(node >= 0 && node < w->nodes_len);
    DSIM_ASSERT(behaviour != NULL);
    DSIM_ASSERT(params == NULL || json_is_object(params));
    dsim_node *n = &w->nodes[node];
    if (strcmp(behaviour, "corrupt") == 0 && !w->proto->validates_input) {
        snprintf(err, cap, "protocol '%s' trusts the bytes it receives (its 'validates_input' is "
                 "off): 'corrupt' needs a protocol that checks its messages", w->proto->name);
        return 0;
    }
    if (!dsim_byzantine_known(w, behaviour)) {
        snprintf(err, cap, "unknown Byzantine behaviour '%s' for protocol '%s'", behaviour,
                 w->proto->name);
        return 0;
    }
    if (strlen(behaviour) >= sizeof n->byz) {
        snprintf(err, cap, "Byzantine behaviour name '%s' is too long", behaviour);
        return 0;
    }
    json_t *p = params ? json_deep_copy(params) : json_object();
    DSIM_ASSERT(p != NULL);
    if (listed(dsim_byzantine_generic, behaviour) && generic_params(w, behaviour, p, err, cap) != 0) {
        json_decref(p);
        return 0;
    }
    snprintf(n->byz, sizeof n->byz, "%s", behaviour);
    json_decref(n->byz_params);
    n->byz_params = p;
    n->byz_gen++;
    if (n->byz_gen == 0)
        n->byz_gen = 1;
    world_fp(w, 0xb1ab ^ (uint64_t)node);
    world_fp_bytes(w, behaviour, strlen(behaviour));
    trace_change(w, node, "byzantine", behaviour, n->byz_params);
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
    trace_change(w, node, "honest", NULL, NULL);
    return true;
}

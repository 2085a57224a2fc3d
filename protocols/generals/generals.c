/*
** generals.c — the Byzantine generals with oral messages, OM(1) (Lamport,
** Shostak and Pease, "The Byzantine Generals Problem", 1982).
**
** n1 is the commander, n2 .. nN the lieutenants. At boot the commander
** sends its order (option 'order': attack or retreat) to every lieutenant.
** A lieutenant relays the order it received to every other lieutenant
** ("n1 said v"). At 'decide' ms after boot each lieutenant takes the
** majority of the commander's order and the relayed ones; a missing value
** counts as retreat, and so does a tie. Messages are oral: unsigned, so a
** lieutenant cannot tell a lying relay from a lying commander.
** The two interactive-consistency conditions (IC1: the loyal lieutenants
** decide alike; IC2: when the commander is loyal they decide its order)
** hold with one traitor among N >= 4 generals and fail with N = 3: the
** paper's "no solution with fewer than 3m+1 generals". They are judged
** from the global view ('invariants', c:check{"invariants"}) once every
** loyal lieutenant has decided; loyal means never Byzantine in the run
** (dsim_byzantine_ever: a spell may end before the check).
** Byzantine behaviour 'traitor' (c:byzantine): a traitorous commander
** orders attack to even-numbered lieutenants and retreat to the odd ones;
** a traitorous lieutenant relays the opposite of the order it received.
** Behaviour 'forger': a traitor that also sends relays in the other
** lieutenants' names (dsim_send_as; delivered only when the scenario sets
** dsim.cluster{net = {forge = true}}).
** Every message is checked before use (length, sender, value), so the
** kernel's "corrupt" behaviour applies ('validates_input'): a garbled value
** counts as none. A crash is not part of the problem (one round, nothing
** to recover): a general that crashed is a faulty one, silent for the rest
** of the run. It knows it crashed by the one record it keeps on disk, set
** at its first boot. The invariants skip it, as they skip a general that
** is down (its state block is zeroed).
*/
#include <stdio.h>
#include <string.h>

#include "dsim.h"

#define GENERALS_MAX 16
#define COMMANDER 0

enum { MSG_ORDER = 0, MSG_RELAY = 1 };
enum { T_DECIDE = 1 };
enum { RETREAT = 0, ATTACK = 1, NONE = -1 };

typedef struct gen_msg {
    int32_t value;
} gen_msg;

typedef struct gen_state {
    int32_t heard[GENERALS_MAX];   /* [0]: the commander's order; [j]: j's relay; NONE */
    int32_t decision;              /* NONE until decided */
    bool crashed;                  /* booted before: faulty, silent */
} gen_state;

typedef struct gen_ghost {         /* the judge's record: every decision */
    char violation[256];
} gen_ghost;

static const dsim_option options[] = {
    {"order", DSIM_OPT_STR, "attack", "the commander's order (when loyal)",
     (const char *const[]){"attack", "retreat", NULL}, 0, 0},
    {"decide", DSIM_OPT_MS, "100", "when lieutenants decide, ms after boot", NULL, 1, 100000},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static bool behaves(const dsim_node *n, const char *how)
{
    const char *b = dsim_byzantine(n);
    return b != NULL && strcmp(b, how) == 0;
}

/* Both lie in what they relay (or order); a forger also forges. */
static bool traitor(const dsim_node *n)
{
    return behaves(n, "traitor") || behaves(n, "forger");
}

/* A forger lieutenant, at boot: to every other lieutenant j, "retreat" as
** the relay of every lieutenant k other than j and itself, sent as k
** (dsim_send_as). Oral messages assume the receiver knows who sent a
** message (the paper's A2): without forging allowed by the scenario, the
** channels drop these, and the forger is a plain traitor. */
static void forge_relays(dsim_node *n)
{
    gen_msg lie = {.value = RETREAT};
    for (int j = 1; j < dsim_cluster_size(n); j++)
        for (int k = 1; k < dsim_cluster_size(n); k++)
            if (j != dsim_id(n) && k != dsim_id(n) && k != j)
                dsim_send_as(n, k, j, MSG_RELAY, &lie, sizeof lie);
}

static int order_of(dsim_node *n)
{
    return strcmp(dsim_opt_str(n, "order"), "attack") == 0 ? ATTACK : RETREAT;
}

static void start(dsim_node *n)
{
    gen_state *s = dsim_state(n);
    for (int i = 0; i < GENERALS_MAX; i++)
        s->heard[i] = NONE;
    s->decision = NONE;
    uint32_t len;
    char mark;
    if (dsim_disk_get(n, "booted", &mark, sizeof mark, &len) != DSIM_DISK_MISSING) {
        s->crashed = true;   /* a torn or corrupt mark was written all the same */
        return;
    }
    dsim_disk_put(n, "booted", "1", 1);
    dsim_disk_sync(n);
    if (dsim_id(n) != COMMANDER) {
        if (behaves(n, "forger"))
            forge_relays(n);
        dsim_timer(n, T_DECIDE, 0, dsim_opt_ms(n, "decide"));
        return;
    }
    for (int to = 1; to < dsim_cluster_size(n); to++) {
        gen_msg m = {.value = order_of(n)};
        if (traitor(n))
            m.value = to % 2 == 0 ? ATTACK : RETREAT;   /* n3, n5, ...: attack */
        dsim_send(n, to, MSG_ORDER, &m, sizeof m);
    }
}

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    gen_state *s = dsim_state(n);
    if (m->len != sizeof(gen_msg) || from < 0 || from >= GENERALS_MAX)
        return;   /* garbled (validates_input): no value */
    gen_msg g;
    memcpy(&g, m->data, sizeof g);
    if (dsim_id(n) == COMMANDER || s->crashed || s->decision != NONE ||
        (g.value != ATTACK && g.value != RETREAT))
        return;   /* a garbled value is no value */
    if (m->type == MSG_ORDER && from == COMMANDER && s->heard[0] == NONE) {
        s->heard[0] = g.value;
        gen_msg relay = {.value = traitor(n) ? 1 - g.value : g.value};
        for (int to = 1; to < dsim_cluster_size(n); to++)
            if (to != dsim_id(n))
                dsim_send(n, to, MSG_RELAY, &relay, sizeof relay);
    } else if (m->type == MSG_RELAY && from != COMMANDER && s->heard[from] == NONE) {
        s->heard[from] = g.value;
    }
}

static void on_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    (void)arg;
    gen_state *s = dsim_state(n);
    DSIM_ASSERT(kind == T_DECIDE && dsim_id(n) != COMMANDER);
    int attack = 0, retreat = 0;
    for (int j = 0; j < dsim_cluster_size(n); j++) {
        if (j == dsim_id(n))
            continue;   /* heard[0] is the commander's order; its own slot is unused */
        if (s->heard[j] == ATTACK)
            attack++;
        else
            retreat++;   /* retreat, or nothing heard */
    }
    s->decision = attack > retreat ? ATTACK : RETREAT;
    dsim_emit(n, "decide", json_pack("{s:i, s:s}", "node", dsim_id(n) + 1,
                                     "value", s->decision == ATTACK ? "attack" : "retreat"));
}

static void inspect(dsim_node *n, json_t *out)
{
    gen_state *s = dsim_state(n);
    json_object_set_new(out, "role", json_string(dsim_id(n) == COMMANDER ? "commander" : "lieutenant"));
    if (s->crashed)
        json_object_set_new(out, "crashed", json_true());   /* faulty from then on */
    if (dsim_id(n) != COMMANDER && s->decision != NONE)
        json_object_set_new(out, "decision", json_string(s->decision == ATTACK ? "attack" : "retreat"));
}

static void describe(const dsim_msg *m, json_t *out)
{
    gen_msg g;
    if (m->len != sizeof g)
        return;
    memcpy(&g, m->data, sizeof g);
    json_object_set_new(out, "value", json_string(g.value == ATTACK ? "attack" : g.value == RETREAT ? "retreat" : "?"));
}

/* Loyal: never Byzantine, never crashed, and up. */
static bool loyal(dsim_node *n)
{
    return !dsim_byzantine_ever(n) && dsim_is_up(n) && !((const gen_state *)dsim_state(n))->crashed;
}

/* IC1 and IC2 over the loyal lieutenants that have decided. */
static const char *invariants(dsim_world *w)
{
    gen_ghost *g = dsim_checker_state(w);
    if (g->violation[0])
        return g->violation;
    int nodes = dsim_node_count(w), first = -1, first_value = NONE;
    dsim_node *c = dsim_node_at(w, COMMANDER);
    bool loyal_commander = loyal(c);
    for (int i = 1; i < nodes; i++) {
        dsim_node *n = dsim_node_at(w, i);
        const gen_state *s = dsim_state(n);
        if (!loyal(n) || s->decision == NONE)
            continue;
        if (first < 0) {
            first = i;
            first_value = s->decision;
        } else if (s->decision != first_value) {
            snprintf(g->violation, sizeof g->violation,
                     "IC1 (agreement): loyal lieutenants n%d and n%d decided %s and %s", first + 1, i + 1,
                     first_value == ATTACK ? "attack" : "retreat", s->decision == ATTACK ? "attack" : "retreat");
            return g->violation;
        }
        if (loyal_commander && s->decision != order_of(c)) {
            snprintf(g->violation, sizeof g->violation,
                     "IC2 (validity): the commander n1 is loyal and ordered %s, but loyal n%d decided %s",
                     order_of(c) == ATTACK ? "attack" : "retreat", i + 1,
                     s->decision == ATTACK ? "attack" : "retreat");
            return g->violation;
        }
    }
    return NULL;
}

static int validate(dsim_world *w, char *err, size_t cap)
{
    int nodes = dsim_node_count(w);
    if (nodes < 3 || nodes > GENERALS_MAX) {
        snprintf(err, cap, "generals: want 3..%d nodes (a commander and its lieutenants)", GENERALS_MAX);
        return -1;
    }
    return 0;
}

static const char *const msg_names[] = {"Order", "Relay", NULL};
static const char *const byzantine[] = {"traitor", "forger", NULL};
static const dsim_event events[] = {
    {"decide", "node: node, value: string", "a lieutenant decided 'attack' or 'retreat'"},
    {NULL, NULL, NULL},
};

const dsim_protocol generals_protocol = {
    .name = "generals",
    .summary = "Byzantine generals, oral messages OM(1): n1 commands, IC1/IC2 judged as invariants",
    .state_size = sizeof(gen_state),
    .options = options,
    .msg_names = msg_names,
    .start = start,
    .on_message = on_message,
    .on_timer = on_timer,
    .inspect = inspect,
    .describe = describe,
    .invariants = invariants,
    .validate = validate,
    .events = events,
    .checker_state_size = sizeof(gen_ghost),
    .byzantine = byzantine,
    .validates_input = true,
};

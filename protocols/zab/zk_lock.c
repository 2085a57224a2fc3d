/*
** zk_lock.c — the lock, herd, election and barrier recipes of a client node
** (decisions in zk_recipe.c; the connection and session in zk_client.c).
**
** A round of the lock (herd, election) recipe, with the 'mutex' check's
** events (protocols/lock/lock.h):
**   lock_request -> children(parent) -> [create "c<id>-r<round>-" ephemeral
**   sequential] -> children -> lowest? lock_acquired : exists(predecessor,
**   watch) / wait for the parent's children watch (herd) -> on the event
**   (lock_wakeup) children again ...
**   holding: work, set the protected znode ZK_RESOURCE to (round, token)
**   (the server that applies it reports a storage_write), lock_released
**   "done", delete the entry, think, next round.
** An election's leader keeps leading (writing every 'work') until its
** session ends. After a reconnect the client looks for its entry by its
** prefix before creating one, and deletes any second entry of its own and
** any of an earlier round of this boot (a create whose answer was lost may
** be applied after the client looked, or after its round ended). A
** barrier round creates an entry under "/b<k>" and goes through when the
** parent has 'barrier' entries (barrier_entered).
*/
#include <stdio.h>
#include <string.h>

#include "zk.h"

#define ROUND_SPAN 100000          /* rounds: boot * span + n */

static int64_t draw(dsim_node *n, const char *option)
{
    int64_t lo, hi;
    dsim_opt_range(n, option, &lo, &hi);
    return lo >= hi ? lo : dsim_rand_range(n, lo, hi);
}

static void parent_path(const zk_client *c, char out[ZK_PATH_MAX])
{
    memset(out, 0, ZK_PATH_MAX);
    if (c->recipe == ZK_R_BARRIER)
        snprintf(out, ZK_PATH_MAX, "/b%lld", (long long)(c->rounds_done + 1));
    else if (c->recipe == ZK_R_ELECTION)
        snprintf(out, ZK_PATH_MAX, "/election");
    else
        snprintf(out, ZK_PATH_MAX, "/lock");
}

/* 'parent' + "/" + 'name' into 'out'; both are bounded well below the sum. */
static void join(const char *parent, const char *name, char out[ZK_PATH_MAX])
{
    size_t plen = strnlen(parent, ZK_PATH_MAX), nlen = strnlen(name, ZK_NAME_MAX);
    DSIM_ASSERT(plen + 1 + nlen < ZK_PATH_MAX);
    memset(out, 0, ZK_PATH_MAX);
    memcpy(out, parent, plen);
    out[plen] = '/';
    memcpy(out + plen + 1, name, nlen);
}

static void prefix_of(dsim_node *n, const zk_client *c, char out[ZK_NAME_MAX])
{
    memset(out, 0, ZK_NAME_MAX);
    snprintf(out, ZK_NAME_MAX, "c%d-r%lld-", dsim_id(n) + 1, (long long)c->round);
}

/* True for an entry of mine from an earlier round of this boot: "c<id>-r"
** then a round other than the current one whose boot is this one. */
static bool orphan(dsim_node *n, const zk_client *c, const char *name)
{
    char mine[ZK_NAME_MAX];
    int len = snprintf(mine, sizeof mine, "c%d-r", dsim_id(n) + 1);
    DSIM_ASSERT(len > 0 && (size_t)len < sizeof mine);
    if (strncmp(name, mine, (size_t)len) != 0)
        return false;
    long long round = 0;
    const char *p = name + len;
    for (; *p >= '0' && *p <= '9' && round < ROUND_SPAN * (c->boot + 1); p++)
        round = round * 10 + (*p - '0');
    return *p == '-' && round != c->round && round / ROUND_SPAN == c->boot;
}

static void client_emit(dsim_node *n, const char *name, const zk_client *c, json_t *fields)
{
    if (!fields)
        fields = json_object();
    json_object_set_new(fields, "client", json_integer(dsim_id(n) + 1));
    if (strcmp(name, "lock_wakeup") != 0)
        json_object_set_new(fields, "round", json_integer(c->round));
    dsim_emit(n, name, fields);
}

static void list(dsim_node *n, zk_client *c)
{
    char parent[ZK_PATH_MAX];
    parent_path(c, parent);
    c->phase = ZK_CP_LIST;
    bool watch = c->recipe == ZK_R_HERD || c->recipe == ZK_R_BARRIER;
    zk_client_send(n, c, ZK_OP_CHILDREN, parent, 0, watch, NULL, 0);
}

void zk_lock_begin(dsim_node *n, zk_client *c)
{
    int64_t rounds = dsim_opt_int(n, "rounds");
    if (rounds > 0 && c->rounds_done >= rounds) {
        c->phase = ZK_CP_IDLE;
        return;
    }
    c->round = c->boot * ROUND_SPAN + c->rounds_done + 1;
    memset(c->entry, 0, sizeof c->entry);
    c->holding = false;
    if (c->recipe != ZK_R_BARRIER)
        client_emit(n, "lock_request", c, NULL);
    c->in_round = true;
    list(n, c);
}

/* Stops believing, for reason 'why'; the entry is forgotten. */
void zk_lock_lose(dsim_node *n, zk_client *c, const char *why)
{
    if (c->holding)
        client_emit(n, "lock_released", c, json_pack("{s:s}", "why", why));
    c->holding = false;
    memset(c->entry, 0, sizeof c->entry);
}

static void end_round(dsim_node *n, zk_client *c)
{
    c->rounds_done++;
    c->in_round = false;
    c->phase = ZK_CP_IDLE;
    dsim_timer(n, ZK_CT_THINK, (uint64_t)c->round, draw(n, "think"));
}

static void acquired(dsim_node *n, zk_client *c, uint32_t count)
{
    if (c->recipe == ZK_R_BARRIER) {
        client_emit(n, "barrier_entered", c, json_pack("{s:i}", "count", (int)count));
        end_round(n, c);
        return;
    }
    c->phase = ZK_CP_HOLD;
    if (!c->holding) {
        c->holding = true;
        client_emit(n, "lock_acquired", c, json_pack("{s:I}", "token", (json_int_t)c->token));
    }
    dsim_timer(n, ZK_CT_WORK, (uint64_t)c->round, draw(n, "work"));
}

static void on_children(dsim_node *n, zk_client *c, const zk_reply *r)
{
    char parent[ZK_PATH_MAX];
    parent_path(c, parent);
    if (r->err == ZK_NONODE) {
        c->phase = ZK_CP_PARENT;
        zk_client_send(n, c, ZK_OP_CREATE, parent, 0, false, NULL, 0);
        return;
    }
    DSIM_ASSERT(r->err == ZK_OK);
    uint32_t count = r->count < ZK_REPLY_NAMES_MAX ? r->count : ZK_REPLY_NAMES_MAX;
    char names[ZK_REPLY_NAMES_MAX][ZK_PATH_MAX];
    memset(names, 0, sizeof names);
    for (uint32_t i = 0; i < count; i++)
        memcpy(names[i], r->names[i], strnlen(r->names[i], ZK_NAME_MAX));
    /* My entries: normally one. A create whose answer was lost can still
    ** be applied after the client looked and made another, even after its
    ** round ended; the lowest of this round's is mine, any other of this
    ** round's or of an earlier round of this boot is deleted first (it
    ** would block every waiter while the session lives: zk.lua seed
    ** 157437). An earlier boot's go with that boot's session. */
    char prefix[ZK_NAME_MAX];
    prefix_of(n, c, prefix);
    int lowest = -1, extra = -1;
    for (uint32_t i = 0; i < count; i++) {
        if (orphan(n, c, names[i])) {
            extra = (int)i;
            continue;
        }
        if (strncmp(names[i], prefix, strlen(prefix)) != 0)
            continue;
        if (lowest < 0 || strcmp(names[i], names[lowest]) < 0) {
            if (lowest >= 0)
                extra = lowest;
            lowest = (int)i;
        } else {
            extra = (int)i;
        }
    }
    if (extra >= 0) {
        c->phase = ZK_CP_DEDUP;
        join(parent, names[extra], c->watching);
        zk_client_send(n, c, ZK_OP_DELETE, c->watching, 0, false, NULL, 0);
        return;
    }
    if (lowest >= 0 && strcmp(c->entry, names[lowest]) != 0) {
        memset(c->entry, 0, sizeof c->entry);
        memcpy(c->entry, names[lowest], strnlen(names[lowest], ZK_NAME_MAX - 1));
    }
    if (!c->entry[0]) {
        {
            char path[ZK_PATH_MAX];
            join(parent, prefix, path);
            c->phase = ZK_CP_CREATE;
            zk_client_send(n, c, ZK_OP_CREATE, path, ZK_EPHEMERAL | ZK_SEQUENTIAL, false, NULL, 0);
            return;
        }
    }
    size_t elen = strlen(c->entry);
    c->token = 0;
    for (size_t i = elen >= ZK_SEQ_DIGITS ? elen - ZK_SEQ_DIGITS : 0; i < elen; i++)
        c->token = c->token * 10 + (uint64_t)(c->entry[i] - '0');
    uint32_t barrier = (uint32_t)dsim_opt_int(n, "barrier");
    if (barrier == 0)
        barrier = (uint32_t)(dsim_cluster_size(n) - zk_client_servers(n));
    switch (zk_recipe_step(c->recipe, parent, (const char (*)[ZK_PATH_MAX])names, count,
                           c->entry, barrier, c->watching)) {
    case ZK_STEP_GONE:
        /* my entry went with my session: the next request will say so */
        zk_lock_lose(n, c, "gone");
        list(n, c);
        return;
    case ZK_STEP_HOLD:
        acquired(n, c, r->count);
        return;
    case ZK_STEP_WATCH:
        c->phase = ZK_CP_EXISTS;
        zk_client_send(n, c, ZK_OP_EXISTS, c->watching, 0, true, NULL, 0);
        return;
    case ZK_STEP_WATCH_PARENT:
        c->phase = ZK_CP_WAIT;
        return;
    }
}

static void write_resource(dsim_node *n, zk_client *c)
{
    c->phase = ZK_CP_WRITE;
    int64_t rec[2] = {c->round, (int64_t)c->token};   /* who writes: the server reports it */
    zk_client_send(n, c, ZK_OP_SET, ZK_RESOURCE, 0, false, rec, sizeof rec);
}

/* The holder's write was applied (the server reported it to the mutex
** check when it applied it: an answer can reach a paused client late). */
static void wrote(dsim_node *n, zk_client *c)
{
    if (c->recipe == ZK_R_ELECTION) {
        acquired(n, c, 0);   /* a leader leads on */
        return;
    }
    zk_lock_lose(n, c, "done");
    c->phase = ZK_CP_RELEASE;
    zk_client_send(n, c, ZK_OP_DELETE, c->watching, 0, false, NULL, 0);
}

void zk_lock_reply(dsim_node *n, zk_client *c, const zk_reply *r)
{
    switch (r->op) {
    case ZK_OP_CREATE:
        if (c->phase == ZK_CP_WRITE) {
            if (r->err == ZK_OK)
                wrote(n, c);   /* the resource made, with my value */
            else
                write_resource(n, c);
            return;
        }
        if (c->phase == ZK_CP_CREATE && r->err == ZK_OK) {
            const char *slash = strrchr(r->path, '/');
            memset(c->entry, 0, sizeof c->entry);
            memcpy(c->entry, slash + 1, strnlen(slash + 1, ZK_NAME_MAX - 1));
        }
        list(n, c);   /* parent made (or there), entry made: look again */
        return;
    case ZK_OP_CHILDREN:
        on_children(n, c, r);
        return;
    case ZK_OP_EXISTS:
        if (r->err == ZK_NONODE)
            list(n, c);   /* the predecessor went before the watch was set */
        else
            c->phase = ZK_CP_WAIT;
        return;
    case ZK_OP_SET:
        DSIM_ASSERT(c->phase == ZK_CP_WRITE);
        if (r->err == ZK_NONODE) {
            int64_t rec[2] = {c->round, (int64_t)c->token};
            zk_client_send(n, c, ZK_OP_CREATE, ZK_RESOURCE, 0, false, rec, sizeof rec);
            return;
        }
        wrote(n, c);
        return;
    case ZK_OP_DELETE:
        if (c->phase == ZK_CP_DEDUP)
            list(n, c);   /* a duplicate entry gone: look again */
        else
            end_round(n, c);
        return;
    default:
        return;
    }
}

/* Reconnected to another server with the same session: pick up where it
** was (its watches stayed with the old server). */
void zk_lock_resume(dsim_node *n, zk_client *c)
{
    if (c->phase == ZK_CP_WRITE)
        write_resource(n, c);
    else if (c->phase == ZK_CP_RELEASE)
        zk_client_send(n, c, ZK_OP_DELETE, c->watching, 0, false, NULL, 0);
    else if (c->phase != ZK_CP_HOLD && c->phase != ZK_CP_IDLE)
        list(n, c);
}

/* A watch fired. */
void zk_lock_event(dsim_node *n, zk_client *c)
{
    if (c->phase != ZK_CP_WAIT)
        return;   /* a watch of an earlier step: the client is already looking */
    c->wakeups++;
    client_emit(n, "lock_wakeup", c, NULL);
    list(n, c);
}

/* The work of a holder is done: write the resource, then release. */
void zk_lock_work(dsim_node *n, zk_client *c, uint64_t round)
{
    if (round != (uint64_t)c->round || c->phase != ZK_CP_HOLD || !c->holding)
        return;
    /* the release deletes this path; kept in 'watching', which is free now */
    char parent[ZK_PATH_MAX];
    parent_path(c, parent);
    join(parent, c->entry, c->watching);
    write_resource(n, c);
}

void zk_lock_think(dsim_node *n, zk_client *c, uint64_t round)
{
    if (round == (uint64_t)c->round && c->phase == ZK_CP_IDLE && c->session)
        zk_lock_begin(n, c);
}

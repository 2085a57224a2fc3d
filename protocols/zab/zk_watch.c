/*
** zk_watch.c — one server's one-shot watches, as ZooKeeper keeps them: a
** watch belongs to the server the client is connected to, is set by a read
** (get/exists: a data watch, children: a child watch) and fires once, at
** the server, when that server applies a transaction that changes what was
** read. Firing happens inside 'zk_on_apply', before the server answers the
** transaction's own request and before it serves any later read, and the
** events go down the same numbered client channel as replies: a client
** therefore sees the event before it can see the new data (ZooKeeper's
** ordering guarantee).
**
** Which change fires which watch (ZooKeeper's table):
**   created 'p'          data watches on 'p'              NodeCreated
**   deleted 'p'          data and child watches on 'p'    NodeDeleted
**   data of 'p'          data watches on 'p'              NodeDataChanged
**   children of 'p'      child watches on 'p'             NodeChildrenChanged
** The table is bounded (ZK_WATCHES_MAX) and kept in the order watches were
** set, so the events of one change go out in a deterministic order.
*/
#include <string.h>

#include "dsim.h"
#include "zk.h"

bool zk_watch_add(zk_watches *ws, int client, uint8_t kind, const char *path)
{
    DSIM_ASSERT(kind == ZK_W_DATA || kind == ZK_W_CHILD);
    DSIM_ASSERT(ws->count <= ZK_WATCHES_MAX);
    for (uint32_t i = 0; i < ws->count; i++)
        if (ws->w[i].client == client && ws->w[i].kind == kind &&
            strncmp(ws->w[i].path, path, ZK_PATH_MAX) == 0)
            return true;
    if (ws->count == ZK_WATCHES_MAX)
        return false;
    zk_watch *w = &ws->w[ws->count++];
    memset(w, 0, sizeof *w);
    w->client = client;
    w->kind = kind;
    memcpy(w->path, path, strnlen(path, ZK_PATH_MAX - 1));
    return true;
}

static void remove_at(zk_watches *ws, uint32_t i)
{
    DSIM_ASSERT(i < ws->count);
    memmove(&ws->w[i], &ws->w[i + 1], (ws->count - i - 1) * sizeof ws->w[0]);
    ws->count--;
    memset(&ws->w[ws->count], 0, sizeof ws->w[0]);
}

/* Fires the watches of 'kind' on 'path' as event 'type'. */
static uint32_t fire(zk_watches *ws, uint8_t kind, const char *path, uint8_t type,
                     zk_fired *out, uint32_t n)
{
    for (uint32_t i = 0; i < ws->count;) {
        zk_watch *w = &ws->w[i];
        if (w->kind != kind || strncmp(w->path, path, ZK_PATH_MAX) != 0) {
            i++;
            continue;
        }
        DSIM_ASSERT(n < ZK_WATCHES_MAX);
        out[n].client = w->client;
        out[n].type = type;
        out[n].zxid = 0;
        memcpy(out[n].path, w->path, ZK_PATH_MAX);
        n++;
        remove_at(ws, i);
    }
    return n;
}

uint32_t zk_watch_fire(zk_watches *ws, const zk_effect *e, zk_fired *out)
{
    uint32_t n = 0;
    if (e->err != ZK_OK)
        return 0;
    for (uint32_t c = 0; c < e->changed_count; c++) {
        const zk_change *ch = &e->changed[c];
        switch (ch->kind) {
        case ZK_CH_CREATED:
            n = fire(ws, ZK_W_DATA, ch->path, ZK_EV_CREATED, out, n);
            break;
        case ZK_CH_DELETED:
            n = fire(ws, ZK_W_DATA, ch->path, ZK_EV_DELETED, out, n);
            n = fire(ws, ZK_W_CHILD, ch->path, ZK_EV_DELETED, out, n);
            break;
        case ZK_CH_DATA:
            n = fire(ws, ZK_W_DATA, ch->path, ZK_EV_DATA, out, n);
            break;
        case ZK_CH_CHILDREN:
            n = fire(ws, ZK_W_CHILD, ch->path, ZK_EV_CHILDREN, out, n);
            break;
        default:
            DSIM_ASSERT(!"a change kind");
        }
    }
    return n;
}

void zk_watch_drop_client(zk_watches *ws, int client)
{
    for (uint32_t i = 0; i < ws->count;)
        if (ws->w[i].client == client)
            remove_at(ws, i);
        else
            i++;
}

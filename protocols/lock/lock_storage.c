/*
** lock_storage.c — the protected resource: a storage server that lock
** holders write to inside their critical section.
**
** Without fencing it accepts every write. With 'fencing' it keeps the
** highest token it has accepted and rejects a write with a lower one, or
** with the same one from another client (a service that handed the same
** token out twice cannot be trusted to order those two). The highest token
** is fsync'ed before the write is acknowledged, so a crash of the storage
** server cannot make it forget and accept a stale write afterwards.
** Every write, accepted or not, is an event 'storage_write' for the mutex
** checker; that record is the ground truth of what reached the resource.
*/
#include <string.h>

#include "lock.h"

void lock_storage_start(dsim_node *n, lock_state *s)
{
    lock_storage *st = &s->u.storage;
    int64_t rec[2] = {0, -1};
    int rc = lock_disk_read(n, "token_max", rec, sizeof rec);
    if (rc == DSIM_DISK_CORRUPT) {
        /* Without the highest token any stale write could pass: reject all. */
        s->broken = true;
        dsim_emit(n, "disk_unreadable", json_pack("{s:s}", "record", "token_max"));
    }
    st->token_max = rc == DSIM_DISK_OK ? rec[0] : 0;
    st->token_client = rc == DSIM_DISK_OK ? (int32_t)rec[1] : -1;
}

static bool stale(const lock_storage *st, int from, int64_t token)
{
    return token < st->token_max || (token == st->token_max && from != st->token_client);
}

void lock_storage_message(dsim_node *n, lock_state *s, int from, const lock_msg *m)
{
    lock_storage *st = &s->u.storage;
    bool fencing = dsim_opt_bool(n, "fencing");
    DSIM_ASSERT(m->op == OP_WRITE);
    DSIM_ASSERT(m->client == from);
    bool ok = (!fencing || !stale(st, from, m->token)) && !(fencing && s->broken);
    if (ok && fencing && m->token > st->token_max) {
        st->token_max = m->token;
        st->token_client = from;
        int64_t rec[2] = {st->token_max, st->token_client};
        dsim_disk_put(n, "token_max", rec, sizeof rec);
        dsim_disk_sync(n);
    }
    if (ok)
        st->accepted++;
    else
        st->rejected++;
    dsim_emit(n, "storage_write", json_pack("{s:i, s:I, s:I, s:b, s:b, s:I}", "client", from + 1,
              "round", (json_int_t)m->round, "token", (json_int_t)m->token, "accepted", ok,
              "fencing", fencing, "token_max", (json_int_t)st->token_max));
    lock_msg r;
    memset(&r, 0, sizeof r);
    r.op = OP_WRITE_ACK;
    r.status = ok ? LOCK_OK : LOCK_STALE;
    r.client = m->client;
    r.round = m->round;
    r.token = m->token;
    lock_send(n, from, &r);
}

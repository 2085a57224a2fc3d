/*
** zab_describe.c — what a ZAB server shows (inspect) and what its
** messages say in traces (describe).
**
** inspect: role (leader only once established; a prospective leader is
** still "looking"), term = the epoch of that role, the epochs on disk, the
** last and committed zxids as numbers and as "epoch.counter", the state
** digest (compared by the convergence check).
*/
#include <inttypes.h>
#include <stdio.h>

#include "zab.h"

static json_t *zxid_text(uint64_t z)
{
    char b[48];
    snprintf(b, sizeof b, "%" PRIu64 ".%" PRIu64, zab_epoch_of(z), zab_counter_of(z));
    return json_string(b);
}

json_t *zab_zxid_json(uint64_t zxid)
{
    return zxid_text(zxid);
}

static json_t *ji(uint64_t v) { return json_integer((json_int_t)v); }

void zab_inspect(dsim_node *n, json_t *out)
{
    zab_state *s = zab_of(n);
    char digest[24];
    snprintf(digest, sizeof digest, "%016" PRIx64, zab_kv_digest(&s->kv));
    uint64_t term = s->role == ZAB_LOOKING ? s->current_epoch : (s->epoch ? s->epoch : s->current_epoch);
    json_object_set_new(out, "role", json_string(zab_role_name(s)));
    json_object_set_new(out, "term", ji(term));
    json_object_set_new(out, "accepted_epoch", ji(s->accepted_epoch));
    json_object_set_new(out, "current_epoch", ji(s->current_epoch));
    json_object_set_new(out, "last_zxid", ji(zab_last_zxid(s)));
    json_object_set_new(out, "commit_zxid", ji(s->commit_zxid));
    json_object_set_new(out, "last", zxid_text(zab_last_zxid(s)));
    json_object_set_new(out, "committed", zxid_text(s->commit_zxid));
    json_object_set_new(out, "applied", zxid_text(s->applied_zxid));
    json_object_set_new(out, "log_length", ji(s->last_pos - s->snap_pos));
    json_object_set_new(out, "snapshot", zxid_text(s->snap_zxid));
    json_object_set_new(out, "leader", s->leader_id >= 0 ? json_integer(s->leader_id + 1) : json_null());
    json_object_set_new(out, "elections", ji(s->elections));
    json_object_set_new(out, "state_digest", json_string(digest));
    static const char *const phases[] = {"election", "discovery", "synchronisation", "broadcast"};
    json_object_set_new(out, "phase", json_string(phases[s->phase]));
}

static void put_chan(const dsim_msg *m, json_t *out)
{
    zab_chan ch;
    memcpy(&ch, m->data, sizeof ch);
    json_object_set_new(out, "epoch", ji(ch.epoch));
    json_object_set_new(out, "seq", ji(ch.seq));
}

void zab_describe(const dsim_msg *m, json_t *out)
{
    switch (m->type) {
    case ZAB_MSG_NOTIFY: {
        zab_notify v;
        memcpy(&v, m->data, sizeof v);
        static const char *const st[] = {"looking", "leading", "following", "observing"};
        json_object_set_new(out, "vote", json_integer(v.vote.id + 1));
        json_object_set_new(out, "epoch", ji(v.vote.epoch));
        json_object_set_new(out, "zxid", zxid_text(v.vote.zxid));
        json_object_set_new(out, "round", ji(v.round));
        json_object_set_new(out, "state", json_string(st[v.state & 3]));
        return;
    }
    case ZAB_MSG_FOLLOWERINFO: {
        zab_finfo f;
        memcpy(&f, m->data, sizeof f);
        json_object_set_new(out, "accepted_epoch", ji(f.accepted_epoch));
        json_object_set_new(out, "last", zxid_text(f.last_zxid));
        return;
    }
    case ZAB_MSG_LEADERINFO: {
        zab_linfo l;
        memcpy(&l, m->data, sizeof l);
        json_object_set_new(out, "epoch", ji(l.epoch));
        return;
    }
    case ZAB_MSG_ACKEPOCH: {
        zab_ackepoch a;
        memcpy(&a, m->data, sizeof a);
        json_object_set_new(out, "epoch", ji(a.epoch));
        json_object_set_new(out, "current_epoch", ji(a.current_epoch));
        json_object_set_new(out, "last", zxid_text(a.last_zxid));
        return;
    }
    case ZAB_MSG_SYNC: {
        zab_sync_head h;
        memcpy(&h, m->data, sizeof h);
        static const char *const modes[] = {"DIFF", "TRUNC", "SNAP"};
        put_chan(m, out);
        json_object_set_new(out, "mode", json_string(modes[h.mode % 3]));
        if (h.mode == ZAB_SYNC_TRUNC)
            json_object_set_new(out, "to", zxid_text(h.trunc_zxid));
        if (h.mode == ZAB_SYNC_DIFF)
            json_object_set_new(out, "entries", json_integer(h.count));
        return;
    }
    case ZAB_MSG_NEWLEADER: {
        zab_newleader nl;
        memcpy(&nl, m->data, sizeof nl);
        put_chan(m, out);
        json_object_set_new(out, "last", zxid_text(nl.last_zxid));
        return;
    }
    case ZAB_MSG_PROPOSAL: {
        zab_entry e;
        memcpy(&e, (const uint8_t *)m->data + sizeof(zab_chan), sizeof e);
        put_chan(m, out);
        json_object_set_new(out, "zxid", zxid_text(e.zxid));
        json_object_set_new(out, "txn", json_integer(e.len ? e.data[0] : 0));
        return;
    }
    case ZAB_MSG_UPTODATE:
    case ZAB_MSG_COMMIT:
    case ZAB_MSG_PING: {
        zab_commit c;
        memcpy(&c, m->data, sizeof c);
        put_chan(m, out);
        json_object_set_new(out, "zxid", zxid_text(c.zxid));
        return;
    }
    case ZAB_MSG_ACK:
    case ZAB_MSG_PINGACK: {
        zab_ack a;
        memcpy(&a, m->data, sizeof a);
        json_object_set_new(out, "epoch", ji(a.epoch));
        json_object_set_new(out, "zxid", zxid_text(a.zxid));
        if (a.newleader)
            json_object_set_new(out, "newleader", json_true());
        return;
    }
    case ZAB_MSG_SYNCREQ: {
        zab_syncreq r;
        memcpy(&r, m->data, sizeof r);
        json_object_set_new(out, "epoch", ji(r.epoch));
        return;
    }
    default:
        return;
    }
}

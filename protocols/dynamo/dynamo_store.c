/*
** dynamo_store.c — the replica's records and the fallback's hints, on disk.
**
** Disk layout (the node's key-value store, dsim_disk_put/get):
**   "k<key>"          this replica's record of 'key' (dyn_rec bytes)
**   "h<home>.<key>"   a hint: a record held for home replica 'home'
**   "o<key>"          this coordinator's own counter state for 'key'
**                     (counter "vv": its P and N sums; register "vv": the
**                     largest version vector entry it issued)
**   "c<client>"       the last update seq of 'client' (exactly-once updates)
**   "restoring"       keys still awaited from a restore's peer, and the peer
** Everything is synced before the node acknowledges what depends on it
** (bug hint_not_persisted: a fallback keeps hints in memory only, in
** 'vhint' while there is room, so a crash of the fallback loses writes it
** acknowledged). On boot the node reloads
** all of it from its disk alone; a read that fails its checksum is retried
** (the disk fault fails a few reads, not the data), and a record still
** unreadable is treated as lost (anti-entropy restores it from a peer).
*/
#include <stdio.h>

#include "dynamo.h"

/* Reads a record named 'name' into 'out'; false (and 'out' empty) when
** missing or unreadable. */
static bool load_rec(dsim_node *n, const char *name, dyn_rec *out)
{
    uint32_t len = 0;
    memset(out, 0, sizeof *out);
    if (dsim_disk_get_retry(n, name, out, sizeof *out, &len) != DSIM_DISK_OK || len < offsetof(dyn_rec, words) ||
        len != dyn_rec_bytes(out) || out->nsib > DYN_SIBS_MAX) {
        memset(out, 0, sizeof *out);
        return false;
    }
    return true;
}

void dyn_store_load(dsim_node *n)
{
    dyn_state *s = dyn_of(n);
    char name[32];
    for (int k = 0; k < s->cfg.keys; k++) {
        snprintf(name, sizeof name, "k%d", k);
        load_rec(n, name, &s->store[k]);
        snprintf(name, sizeof name, "o%d", k);
        uint32_t len = 0;
        if (dsim_disk_get_retry(n, name, s->own[k], sizeof s->own[k], &len) != DSIM_DISK_OK || len != sizeof s->own[k])
            memset(s->own[k], 0, sizeof s->own[k]);
        for (int h = 0; h < s->cfg.nodes; h++) {
            snprintf(name, sizeof name, "h%d.%d", h, k);
            uint32_t hl = 0;
            uint64_t probe;
            /* present unless missing (a short buffer still finds it; an
            ** unreadable one is dropped when its delivery cannot load it) */
            s->hint[h][k] = dsim_disk_get_retry(n, name, &probe, sizeof probe, &hl) != DSIM_DISK_MISSING;
        }
    }
    uint32_t rl = 0;
    if (dsim_disk_get_retry(n, "restoring", &s->restoring, sizeof s->restoring, &rl) != DSIM_DISK_OK ||
        rl != sizeof s->restoring || s->restoring.from < 0 || s->restoring.from >= s->cfg.nodes)
        memset(&s->restoring, 0, sizeof s->restoring);
    for (int c = 0; c < DYN_CLIENTS_MAX; c++) {
        snprintf(name, sizeof name, "c%d", c);
        uint32_t len = 0;
        if (dsim_disk_get_retry(n, name, &s->seq[c], sizeof s->seq[c], &len) != DSIM_DISK_OK || len != sizeof s->seq[c])
            s->seq[c] = 0;
    }
}

bool dyn_merge(dsim_node *n, dyn_rec *into, const dyn_rec *from)
{
    dyn_state *s = dyn_of(n);
    return dyn_rec_merge(into, from, s->cfg.abd ? DYN_LWW : s->cfg.mode, s->cfg.type, s->cfg.nodes,
                         dsim_bug(n, "vv_merge_min"));
}

bool dyn_store_put(dsim_node *n, uint32_t key, const dyn_rec *in)
{
    dyn_state *s = dyn_of(n);
    DSIM_ASSERT(key < (uint32_t)s->cfg.keys);
    if (!dyn_merge(n, &s->store[key], in))
        return false;
    char name[32];
    snprintf(name, sizeof name, "k%u", key);
    dsim_disk_put(n, name, &s->store[key], dyn_rec_bytes(&s->store[key]));
    dsim_disk_sync(n);
    return true;
}

/* The in-memory hint of (home, key) with the bug, or NULL. */
static dyn_rec *vhint(dyn_state *s, int home, uint32_t key, bool make)
{
    for (int i = 0; i < DYN_VHINTS_MAX; i++)
        if (s->vhint[i].used && s->vhint[i].home == home && s->vhint[i].key == key)
            return &s->vhint[i].rec;
    for (int i = 0; make && i < DYN_VHINTS_MAX; i++)
        if (!s->vhint[i].used) {
            s->vhint[i].used = true;
            s->vhint[i].home = home;
            s->vhint[i].key = key;
            memset(&s->vhint[i].rec, 0, sizeof s->vhint[i].rec);
            return &s->vhint[i].rec;
        }
    return NULL;
}

bool dyn_hint_get(dsim_node *n, int home, uint32_t key, dyn_rec *out)
{
    dyn_state *s = dyn_of(n);
    char name[32];
    const dyn_rec *mem = vhint(s, home, key, false);
    if (mem != NULL) {
        memset(out, 0, sizeof *out);
        memcpy(out, mem, dyn_rec_bytes(mem));
        return true;
    }
    if (!s->hint[home][key]) {
        memset(out, 0, sizeof *out);
        return false;
    }
    snprintf(name, sizeof name, "h%d.%u", home, key);
    return load_rec(n, name, out);
}

void dyn_hint_put(dsim_node *n, int home, uint32_t key, const dyn_rec *in)
{
    dyn_state *s = dyn_of(n);
    dyn_rec tmp;
    dyn_hint_get(n, home, key, &tmp);
    dyn_merge(n, &tmp, in);
    s->hint[home][key] = true;
    dyn_rec *mem = dsim_bug(n, "hint_not_persisted") ? vhint(s, home, key, true) : NULL;
    if (mem != NULL) {   /* the bug: acknowledged from memory alone */
        memcpy(mem, &tmp, dyn_rec_bytes(&tmp));
        return;
    }
    char name[32];
    snprintf(name, sizeof name, "h%d.%u", home, key);
    dsim_disk_put(n, name, &tmp, dyn_rec_bytes(&tmp));
    dsim_disk_sync(n);
}

void dyn_hint_drop(dsim_node *n, int home, uint32_t key)
{
    dyn_state *s = dyn_of(n);
    char name[32];
    for (int i = 0; i < DYN_VHINTS_MAX; i++)
        if (s->vhint[i].used && s->vhint[i].home == home && s->vhint[i].key == key)
            s->vhint[i].used = false;
    snprintf(name, sizeof name, "h%d.%u", home, key);
    dsim_disk_del(n, name);
    dsim_disk_sync(n);
    s->hint[home][key] = false;
}

int dyn_hints_pending(const dyn_state *s)
{
    int count = 0;
    for (int h = 0; h < DYN_NODES_MAX; h++)
        for (int k = 0; k < DYN_KEYS_MAX; k++)
            count += s->hint[h][k];
    return count;
}

void dyn_own_save(dsim_node *n, uint32_t key)
{
    dyn_state *s = dyn_of(n);
    char name[32];
    snprintf(name, sizeof name, "o%u", key);
    dsim_disk_put(n, name, s->own[key], sizeof s->own[key]);
    dsim_disk_sync(n);
}

void dyn_seq_save(dsim_node *n, int client)
{
    dyn_state *s = dyn_of(n);
    char name[32];
    snprintf(name, sizeof name, "c%d", client);
    dsim_disk_put(n, name, &s->seq[client], sizeof s->seq[client]);
    dsim_disk_sync(n);
}

void dyn_restoring_save(dsim_node *n)
{
    dyn_state *s = dyn_of(n);
    if (s->restoring.keys == 0)
        dsim_disk_del(n, "restoring");
    else
        dsim_disk_put(n, "restoring", &s->restoring, sizeof s->restoring);
    dsim_disk_sync(n);
}

void dyn_local_read(dsim_node *n, uint32_t key, dyn_rec *out)
{
    dyn_state *s = dyn_of(n);
    memcpy(out, &s->store[key], dyn_rec_bytes(&s->store[key]));
    memset((char *)out + dyn_rec_bytes(out), 0, sizeof *out - dyn_rec_bytes(out));
    for (int h = 0; h < s->cfg.nodes; h++)
        if (s->hint[h][key]) {
            dyn_rec tmp;
            if (dyn_hint_get(n, h, key, &tmp))
                dyn_merge(n, out, &tmp);
        }
}

/*
** zk_snap.c — the znode tree as bytes, for the broadcast's snapshots and
** state digest: 'zk_tree_save' writes a header and the used znodes and
** sessions; 'zk_tree_load' takes only bytes that keep every invariant of
** zk_tree.c (sorted unique valid paths, parents present, children counted,
** ephemerals childless and owned by an open session), so a corrupt or
** foreign snapshot is refused instead of trusted; 'zk_tree_digest' hashes
** the content (unused bytes are zero, so equal trees hash equal).
*/
#include <string.h>

#include "dsim.h"
#include "zk.h"

#define SAVE_MAGIC 0x5a4b5431u   /* "ZKT1" */

typedef struct save_header {
    uint32_t magic;
    uint32_t count;
    uint32_t session_count;
    uint32_t pad_;
    uint64_t session_next;
    uint64_t zxid;
} save_header;

/* ---- snapshots ---------------------------------------------------------- */

size_t zk_tree_save_bytes_max(void)
{
    return sizeof(save_header) + sizeof(((zk_tree *)0)->nodes) + sizeof(((zk_tree *)0)->sessions);
}

size_t zk_tree_save(const zk_tree *t, uint8_t *buf, size_t cap)
{
    size_t need = sizeof(save_header) + t->count * sizeof(zk_znode) +
                  t->session_count * sizeof(zk_session);
    if (cap < need)
        return 0;
    save_header h = {.magic = SAVE_MAGIC, .count = t->count, .session_count = t->session_count,
                     .session_next = t->session_next, .zxid = t->zxid};
    size_t at = 0;
    memcpy(buf + at, &h, sizeof h);
    at += sizeof h;
    memcpy(buf + at, t->nodes, t->count * sizeof(zk_znode));
    at += t->count * sizeof(zk_znode);
    memcpy(buf + at, t->sessions, t->session_count * sizeof(zk_session));
    at += t->session_count * sizeof(zk_session);
    DSIM_ASSERT(at == need);
    return at;
}

/* The invariants of the header comment, on bytes that came from outside. */
static bool tree_check(const zk_tree *t)
{
    if (t->count < 1 || strcmp(t->nodes[0].path, "/") != 0)
        return false;
    for (uint32_t i = 0; i < t->count; i++) {
        const zk_znode *z = &t->nodes[i];
        if (memchr(z->path, 0, ZK_PATH_MAX) == NULL || !zk_path_valid(z->path) ||
            z->stat.data_len > ZK_DATA_MAX)
            return false;
        if (i > 0 && strcmp(t->nodes[i - 1].path, z->path) >= 0)
            return false;
        if (z->stat.ephemeral_owner && (z->stat.num_children || !zk_tree_session(t, z->stat.ephemeral_owner)))
            return false;
        if (i > 0) {
            char parent[ZK_PATH_MAX];
            memset(parent, 0, sizeof parent);
            const char *slash = strrchr(z->path, '/');
            memcpy(parent, z->path, slash == z->path ? 1 : (size_t)(slash - z->path));
            if (zk_tree_exists(t, parent, NULL) != ZK_OK)
                return false;
        }
        /* count the children without trusting num_children */
        uint32_t n = 0;
        size_t plen = strlen(z->path);
        for (uint32_t j = i + 1; j < t->count; j++) {
            const char *c = t->nodes[j].path;
            if (strncmp(c, z->path, plen) == 0 && (plen == 1 || c[plen] == '/') &&
                strchr(c + (plen == 1 ? 1 : plen + 1), '/') == NULL)
                n++;
        }
        if (n != z->stat.num_children)
            return false;
    }
    for (uint32_t s = 1; s < t->session_count; s++)
        if (t->sessions[s - 1].id >= t->sessions[s].id)
            return false;
    if (t->session_count && t->sessions[t->session_count - 1].id >= t->session_next)
        return false;
    return true;
}

bool zk_tree_load(zk_tree *t, const uint8_t *buf, size_t len)
{
    save_header h;
    if (len < sizeof h)
        return false;
    memcpy(&h, buf, sizeof h);
    if (h.magic != SAVE_MAGIC || h.count < 1 || h.count > ZK_ZNODES_MAX ||
        h.session_count > ZK_SESSIONS_MAX)
        return false;
    size_t need = sizeof h + h.count * sizeof(zk_znode) + h.session_count * sizeof(zk_session);
    if (len != need)
        return false;
    zk_tree tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.count = h.count;
    tmp.session_count = h.session_count;
    tmp.session_next = h.session_next;
    tmp.zxid = h.zxid;
    memcpy(tmp.nodes, buf + sizeof h, h.count * sizeof(zk_znode));
    memcpy(tmp.sessions, buf + sizeof h + h.count * sizeof(zk_znode),
           h.session_count * sizeof(zk_session));
    if (!tree_check(&tmp))
        return false;
    *t = tmp;
    return true;
}

uint64_t zk_tree_digest(const zk_tree *t)
{
    /* FNV-1a over the saved form: the content only (unused bytes are zero). */
    uint64_t h = 1469598103934665603ull;
    const uint8_t *parts[3] = {(const uint8_t *)t->nodes, (const uint8_t *)t->sessions, NULL};
    size_t lens[3] = {t->count * sizeof(zk_znode), t->session_count * sizeof(zk_session), 0};
    uint64_t head[3] = {t->count, t->session_count, t->session_next};
    for (size_t i = 0; i < sizeof head; i++) {
        h ^= ((const uint8_t *)head)[i];
        h *= 1099511628211ull;
    }
    for (int p = 0; parts[p]; p++)
        for (size_t i = 0; i < lens[p]; i++) {
            h ^= parts[p][i];
            h *= 1099511628211ull;
        }
    return h;
}

/*
** dynamo_version.c — version vectors and the merge of key records.
**
** Pure functions of their arguments (no node, no kernel state), so that
** tests/test_dynamo.c can check them alone.
** - Version vectors order versions causally: a before b when every entry
**   of a is <= b's and one is smaller; equal; or concurrent. Merge is the
**   pointwise max (bug vv_merge_min: the min, which forgets what one side
**   saw: a PN-counter's slots lose increments, a context stops covering
**   the siblings it was read from).
** - A register record under "vv" keeps every version that no other
**   version dominates (the siblings), sorted by 'dyn_sib_cmp' so equal sets
**   have equal bytes and digests. At most DYN_SIBS_MAX: past the bound the
**   smallest siblings are dropped (stated loss; the fuzz scenario's clients
**   are too few to reach it).
** - Counters and sets under "vv" are state-based CRDTs: slots merge by the
**   version vector merge, elements by union; one sibling always.
** - "lww" (and abd) keeps the record with the larger (ts, by); "overwrite"
**   takes whatever arrives.
*/
#include <inttypes.h>
#include <stdio.h>

#include "dynamo.h"

dyn_order dyn_vv_compare(const dyn_vv *a, const dyn_vv *b)
{
    bool less = false, more = false;
    for (int i = 0; i < DYN_NODES_MAX; i++) {
        less = less || a->c[i] < b->c[i];
        more = more || a->c[i] > b->c[i];
    }
    if (less && more)
        return DYN_CONCURRENT;
    return less ? DYN_BEFORE : more ? DYN_AFTER : DYN_EQUAL;
}

static void merge_u64(uint64_t *into, const uint64_t *from, size_t len, bool min_bug)
{
    for (size_t i = 0; i < len; i++)
        if (min_bug ? from[i] < into[i] : from[i] > into[i])
            into[i] = from[i];
}

void dyn_vv_merge(dyn_vv *into, const dyn_vv *from, bool min_bug)
{
    merge_u64(into->c, from->c, DYN_NODES_MAX, min_bug);
}

int dyn_sib_cmp(const dyn_sib *a, const dyn_sib *b)
{
    for (int i = 0; i < DYN_NODES_MAX; i++)
        if (a->vv.c[i] != b->vv.c[i])
            return a->vv.c[i] < b->vv.c[i] ? -1 : 1;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    if (a->by != b->by)
        return a->by < b->by ? -1 : 1;
    return a->value < b->value ? -1 : a->value > b->value;
}

uint64_t dyn_rec_digest(const dyn_rec *r)
{
    uint64_t h = dyn_hash64((uint64_t)r->nsib << 32 | r->len);
    for (uint32_t i = 0; i < r->nsib; i++) {
        const dyn_sib *s = &r->sib[i];
        for (int k = 0; k < DYN_NODES_MAX; k++)
            h = dyn_hash64(h ^ s->vv.c[k]);
        h = dyn_hash64(h ^ (uint64_t)s->ts);
        h = dyn_hash64(h ^ (uint64_t)(uint32_t)s->by);
        h = dyn_hash64(h ^ (uint64_t)s->value);
    }
    for (uint32_t i = 0; i < r->len; i++)
        h = dyn_hash64(h ^ (uint64_t)r->words[i]);
    return h;
}

static void copy_rec(dyn_rec *into, const dyn_rec *from)
{
    memcpy(into, from, dyn_rec_bytes(from));
}

/* Register siblings under "vv": keep what nothing else dominates. */
static void merge_siblings(dyn_rec *into, const dyn_rec *from)
{
    dyn_sib all[2 * DYN_SIBS_MAX];
    uint32_t n = 0;
    for (uint32_t i = 0; i < into->nsib; i++)
        all[n++] = into->sib[i];
    for (uint32_t i = 0; i < from->nsib; i++)
        all[n++] = from->sib[i];
    dyn_sib keep[2 * DYN_SIBS_MAX];
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool drop = false;
        for (uint32_t j = 0; j < n && !drop; j++) {
            dyn_order o = dyn_vv_compare(&all[i].vv, &all[j].vv);
            /* dominated, or an equal version already kept (a duplicate) */
            drop = o == DYN_BEFORE || (o == DYN_EQUAL && j < i);
        }
        if (!drop) {
            uint32_t k = m++;   /* insertion sort by dyn_sib_cmp */
            while (k > 0 && dyn_sib_cmp(&keep[k - 1], &all[i]) > 0) {
                keep[k] = keep[k - 1];
                k--;
            }
            keep[k] = all[i];
        }
    }
    uint32_t skip = m > DYN_SIBS_MAX ? m - DYN_SIBS_MAX : 0;
    memset(into->sib, 0, sizeof into->sib);
    into->nsib = m - skip;
    for (uint32_t i = 0; i < into->nsib; i++)
        into->sib[i] = keep[skip + i];
}

/* Sorted union of two sorted element lists, capped at DYN_WORDS_MAX. */
static void set_union(dyn_rec *into, const dyn_rec *from)
{
    int64_t out[DYN_WORDS_MAX];
    uint32_t i = 0, j = 0, k = 0;
    while ((i < into->len || j < from->len) && k < DYN_WORDS_MAX) {
        if (j >= from->len || (i < into->len && into->words[i] < from->words[j]))
            out[k++] = into->words[i++];
        else if (i >= into->len || from->words[j] < into->words[i])
            out[k++] = from->words[j++];
        else {
            out[k++] = into->words[i++];
            j++;
        }
    }
    memcpy(into->words, out, k * sizeof *out);
    into->len = k;
}

bool dyn_rec_merge(dyn_rec *into, const dyn_rec *from, dyn_mode mode, dyn_type type, int nodes,
                   bool min_bug)
{
    if (from->nsib == 0)
        return false;
    uint64_t before = dyn_rec_digest(into);
    if (into->nsib == 0 || mode == DYN_OVERWRITE) {
        copy_rec(into, from);
        return dyn_rec_digest(into) != before;
    }
    if (mode == DYN_LWW) {
        const dyn_sib *a = &into->sib[0], *b = &from->sib[0];
        bool newer = b->ts != a->ts ? b->ts > a->ts
                   : b->by != a->by ? b->by > a->by
                   : dyn_rec_digest(from) > before;
        if (newer)
            copy_rec(into, from);
        return newer;
    }
    if (type == DYN_REGISTER) {
        merge_siblings(into, from);
    } else {
        DSIM_ASSERT(into->nsib == 1 && from->nsib == 1);
        dyn_vv_merge(&into->sib[0].vv, &from->sib[0].vv, min_bug);
        if (type == DYN_COUNTER) {
            DSIM_ASSERT(into->len == 2 * (uint32_t)nodes && from->len == into->len);
            merge_u64((uint64_t *)into->words, (const uint64_t *)from->words, into->len, min_bug);
        } else {
            set_union(into, from);
        }
    }
    return dyn_rec_digest(into) != before;
}

int64_t dyn_rec_value(const dyn_rec *r, dyn_mode mode, dyn_type type, int nodes)
{
    if (type == DYN_COUNTER) {
        if (r->nsib == 0)
            return 0;
        if (mode != DYN_VV)
            return r->sib[0].value;
        int64_t sum = 0;
        for (int i = 0; i < nodes; i++)
            sum += r->words[i] - r->words[nodes + i];
        return sum;
    }
    int64_t best = DSIM_NIL;
    for (uint32_t i = 0; i < r->nsib; i++)
        if (best == DSIM_NIL || r->sib[i].value > best)
            best = r->sib[i].value;
    return best;
}

bool dyn_set_add(dyn_rec *r, int64_t e)
{
    uint32_t i = 0;
    while (i < r->len && r->words[i] < e)
        i++;
    if (i < r->len && r->words[i] == e)
        return true;
    if (r->len >= DYN_WORDS_MAX)
        return false;
    memmove(&r->words[i + 1], &r->words[i], (r->len - i) * sizeof *r->words);
    r->words[i] = e;
    r->len++;
    return true;
}

void dyn_rec_text(const dyn_rec *r, dyn_mode mode, dyn_type type, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
#define DYN_PUT(...) do { if (at < cap) at += (size_t)snprintf(buf + at, cap - at, __VA_ARGS__); } while (0)
    for (uint32_t i = 0; i < r->nsib; i++) {
        const dyn_sib *s = &r->sib[i];
        DYN_PUT("%s", i ? "|" : "");
        if (type == DYN_REGISTER || mode != DYN_VV)
            DYN_PUT("%" PRId64, s->value);
        if (mode == DYN_VV) {
            DYN_PUT("@");
            for (int k = 0; k < DYN_NODES_MAX; k++)
                DYN_PUT("%s%" PRIu64, k ? "." : "", s->vv.c[k]);
        } else {
            DYN_PUT("@%" PRId64 ":%d", s->ts, s->by);
        }
    }
    if (type != DYN_REGISTER && r->len > 0) {
        DYN_PUT(" [");
        for (uint32_t i = 0; i < r->len; i++)
            DYN_PUT("%s%" PRId64, i ? "," : "", r->words[i]);
        DYN_PUT("]");
    }
#undef DYN_PUT
}

/*
** bench_calendar.c — a bare calendar queue (Brown, "Calendar queues: a fast
** O(1) priority queue implementation for the simulation event set problem",
** CACM 31(10), 1988), the reference that 'dsim bench kernel' quotes as the
** practical limit of an event loop on its workload.
**
** Buckets of width 'width' cover one "year" of nbuckets * width ns; each
** bucket holds its events in a singly linked list sorted by (time, seq), so
** events with equal times pop in push order (FIFO ties, as the kernel's
** queue promises). Pop scans from the current bucket for an event that
** falls in the current year's slot, and falls back to a direct search when a
** whole year is empty. The size doubles or halves with the event count and
** the width is re-estimated from the gaps between the next events, as in
** Brown's paper. Items are pooled in one array (no allocation per push).
** It is a reference loop only: not used by the kernel, no cancellation.
*/
#include <stdlib.h>
#include <string.h>

#include "bench_calendar.h"

#define NONE UINT32_MAX

typedef struct cal_item {
    int64_t t;
    uint64_t seq;
    uint32_t next;
    queue_item it;
} cal_item;

struct calendar {
    cal_item *items;
    uint32_t cap, free_head;
    uint32_t *bucket;          /* heads, NONE when empty */
    uint32_t nbuckets;         /* a power of two */
    int64_t width;             /* ns per bucket, >= 1 */
    uint32_t cur;              /* the bucket where the last pop was */
    int64_t cur_top;           /* end of 'cur''s slot in the current year */
    uint32_t len;
    uint64_t seq_next;
};

static uint32_t bucket_of(const calendar *c, int64_t t)
{
    return (uint32_t)((uint64_t)(t / c->width) & (c->nbuckets - 1));
}

static void insert(calendar *c, uint32_t i)
{
    cal_item *x = &c->items[i];
    uint32_t *link = &c->bucket[bucket_of(c, x->t)];
    while (*link != NONE && (c->items[*link].t < x->t ||
                             (c->items[*link].t == x->t && c->items[*link].seq < x->seq)))
        link = &c->items[*link].next;
    x->next = *link;
    *link = i;
}

static void set_cursor(calendar *c, int64_t t)
{
    c->cur = bucket_of(c, t);
    c->cur_top = (t / c->width + 1) * c->width;
}

/* The earliest event by a direct search of every bucket's head. */
static uint32_t direct_min(const calendar *c)
{
    uint32_t best = NONE;
    for (uint32_t b = 0; b < c->nbuckets; b++) {
        uint32_t h = c->bucket[b];
        if (h != NONE && (best == NONE || c->items[h].t < c->items[best].t ||
                          (c->items[h].t == c->items[best].t && c->items[h].seq < c->items[best].seq)))
            best = h;
    }
    return best;
}

static uint32_t take_min(calendar *c)
{
    for (uint32_t scanned = 0; scanned < c->nbuckets; scanned++) {
        uint32_t h = c->bucket[c->cur];
        if (h != NONE && c->items[h].t < c->cur_top) {
            c->bucket[c->cur] = c->items[h].next;
            return h;
        }
        c->cur = (c->cur + 1) & (c->nbuckets - 1);
        c->cur_top += c->width;
    }
    uint32_t h = direct_min(c);   /* a whole year was empty: jump */
    set_cursor(c, c->items[h].t);
    c->bucket[c->cur] = c->items[h].next;
    return h;
}

/* Re-lays the calendar with 'nbuckets' buckets and a width of three times
** the mean gap between the next few events (Brown's estimate). */
static int resize(calendar *c, uint32_t nbuckets)
{
    enum { SAMPLE = 25 };
    uint32_t *nb = malloc(sizeof *nb * nbuckets);
    if (!nb)
        return -1;   /* nothing changed */
    uint32_t got[SAMPLE], n = 0;
    while (n < SAMPLE && n < c->len && c->nbuckets)
        got[n++] = take_min(c);
    int64_t width = c->width;
    if (n >= 2) {
        int64_t gap = (c->items[got[n - 1]].t - c->items[got[0]].t) / (int64_t)(n - 1);
        width = gap > 0 ? 3 * gap : 1;
    }
    /* every other event, collected from the old buckets */
    uint32_t rest = NONE;
    for (uint32_t b = 0; b < c->nbuckets; b++)
        for (uint32_t h = c->bucket[b], nx; h != NONE; h = nx) {
            nx = c->items[h].next;
            c->items[h].next = rest;
            rest = h;
        }
    free(c->bucket);
    c->bucket = nb;
    c->nbuckets = nbuckets;
    c->width = width;
    for (uint32_t b = 0; b < nbuckets; b++)
        nb[b] = NONE;
    for (uint32_t h = rest, nx; h != NONE; h = nx) {
        nx = c->items[h].next;
        insert(c, h);
    }
    for (uint32_t k = 0; k < n; k++)
        insert(c, got[k]);
    if (n)
        set_cursor(c, c->items[got[0]].t);
    return 0;
}

calendar *calendar_new(uint32_t cap)
{
    calendar *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->items = malloc(sizeof *c->items * cap);
    c->bucket = malloc(sizeof *c->bucket * 2);
    c->cap = cap;
    c->width = 1;
    c->nbuckets = 2;
    if (!c->items || !c->bucket) {
        calendar_free(c);
        return NULL;
    }
    c->bucket[0] = c->bucket[1] = NONE;
    for (uint32_t i = 0; i < cap; i++)
        c->items[i].next = i + 1 < cap ? i + 1 : NONE;
    c->free_head = cap ? 0 : NONE;
    return c;
}

void calendar_free(calendar *c)
{
    if (!c)
        return;
    free(c->items);
    free(c->bucket);
    free(c);
}

int calendar_push(calendar *c, int64_t t, const queue_item *it)
{
    if (c->free_head == NONE)
        return -1;
    uint32_t i = c->free_head;
    c->free_head = c->items[i].next;
    c->items[i] = (cal_item){.t = t, .seq = c->seq_next++, .it = *it};
    insert(c, i);
    if (c->len == 0 || t < c->cur_top - c->width)
        set_cursor(c, t);   /* earlier than the cursor: start there */
    c->len++;
    if (c->len > 2 * c->nbuckets)
        return resize(c, 2 * c->nbuckets);
    return 0;
}

bool calendar_pop(calendar *c, int64_t *t, queue_item *out)
{
    if (c->len == 0)
        return false;
    uint32_t i = take_min(c);
    *t = c->items[i].t;
    *out = c->items[i].it;
    c->items[i].next = c->free_head;
    c->free_head = i;
    c->len--;
    if (c->nbuckets > 2 && c->len < c->nbuckets / 2)
        (void)resize(c, c->nbuckets / 2);   /* on failure it stays as it was, still correct */
    return true;
}

uint32_t calendar_len(const calendar *c)
{
    return c->len;
}

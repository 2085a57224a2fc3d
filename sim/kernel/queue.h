/*
** queue.h — the kernel's event queue: pooled events ordered by (time, seq).
**
** Events with equal times pop in the order they were pushed (a sequence
** counter breaks ties). Events live in a pool of 64-byte slots; the near
** future is a ring of time buckets, the far future a heap (queue.c). A
** push returns a handle that cancels the event in O(1) without touching
** the ordering structure (the event is marked and skipped when it reaches
** the front); a stale handle (popped, cancelled or reused slot) is
** recognised by its generation and ignored.
** Capacity grows by doubling up to 'capacity_max' live events; at the bound
** a push fails and returns 0, and the caller reports an event-limit error.
*/
#ifndef DSIM_QUEUE_H
#define DSIM_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct queue_item {
    uint32_t kind;      /* what to do: the world's event kind */
    int32_t node;       /* target node or endpoint */
    int32_t peer;       /* other endpoint, or -1 */
    uint32_t aux;       /* small extra (timer kind, incarnation) */
    uint64_t a;         /* free for the caller */
    uint64_t b;         /* free for the caller */
    void *ptr;          /* free for the caller (message buffer) */
} queue_item;

typedef struct queue_slot queue_slot;   /* private */
typedef struct queue_key queue_key;     /* private */

typedef struct queue {
    queue_slot *slots;   /* private: payload pool, one 64-byte line per event */
    void *slots_mem;     /* private: its allocation; 'slots' is 'slots_off' bytes in */
    uint32_t slots_off;
    uint32_t cap, cap_max;
    uint32_t free_head;  /* private: free slots, linked through their 'next' */
    uint32_t free_len;
    uint32_t live;       /* events pending and not cancelled */
    uint32_t stored;     /* private: slots not free (pending or cancelled) */
    /* near tier: a ring of buckets, 2^shift ns wide, unsorted lists */
    uint32_t *bucket;    /* private: list heads */
    uint64_t *bits;      /* private: one bit per non-empty bucket */
    uint32_t nb, nb_cap; /* private: buckets in use (a power of two), allocated */
    uint32_t shift;      /* private */
    uint64_t cur;        /* private: the bucket number of the run list */
    uint32_t run_head, run_tail;   /* private: the sorted run list */
    /* far tier: a 4-ary heap of 16-byte keys */
    queue_key *heap;     /* private */
    void *heap_mem;      /* private: its allocation (cache-line aligned) */
    uint32_t heap_len;   /* private */
    uint32_t slot_bits;  /* private: low bits of a heap key's order word */
    uint64_t ops_since_rebuild;   /* private */
    uint64_t seq_next;
    uint64_t seq_limit;  /* private: seq_next reaching it renumbers (tests lower it) */
} queue;

int queue_init(queue *q, uint32_t capacity_max);   /* 0, or -1 out of memory */
void queue_free(queue *q);
/* Returns a nonzero handle, or 0 when the queue holds 'capacity_max' live
** events (or out of memory). */
uint64_t queue_push(queue *q, int64_t time, const queue_item *item);
bool queue_cancel(queue *q, uint64_t handle);
/* Pops the earliest event; false when empty. */
bool queue_pop(queue *q, int64_t *time, queue_item *out);
/* Pops the earliest event if its time is at most 'until'; false otherwise. */
bool queue_pop_until(queue *q, int64_t until, int64_t *time, queue_item *out);
int64_t queue_peek_time(queue *q);                 /* INT64_MAX when empty */
uint32_t queue_len(const queue *q);                /* live events */

#endif

/*
** disk.h — a node's durable storage: a key-value store and an append-only
** log, both with fsync semantics.
**
** Reads see every write, synced or not. 'disk_sync' makes all writes so far
** durable. 'disk_crash' throws away what was not synced; with 'tear' the
** last unsynced write lands half-written, so reading it fails its checksum.
** 'disk_corrupt_reads' makes the next 'count' reads of existing records fail
** their checksum (a read fault, not a change to the data).
** Every record carries a checksum; a failed one reads as DISK_CORRUPT.
*/
#ifndef DSIM_DISK_H
#define DSIM_DISK_H

#include <stdbool.h>
#include <stdint.h>

enum { DISK_OK = 0, DISK_MISSING = -1, DISK_CORRUPT = -2 };

typedef struct disk disk;

disk *disk_new(void);                /* NULL when out of memory */
void disk_free(disk *d);
void disk_put(disk *d, const char *key, const void *val, uint32_t len);
/* Copies at most 'cap' bytes; '*len' gets the full length. */
int disk_get(disk *d, const char *key, void *buf, uint32_t cap, uint32_t *len);
void disk_del(disk *d, const char *key);
uint64_t disk_append(disk *d, const void *rec, uint32_t len);   /* index from 1 */
int disk_read(disk *d, uint64_t index, void *buf, uint32_t cap, uint32_t *len);
void disk_truncate(disk *d, uint64_t from);   /* drops indices >= from */
void disk_compact(disk *d, uint64_t upto);    /* drops indices <= upto */
uint64_t disk_first(const disk *d);           /* first held, or last + 1 */
uint64_t disk_last(const disk *d);            /* 0 when nothing appended ever */
void disk_sync(disk *d);
void disk_crash(disk *d, bool tear);
void disk_corrupt_reads(disk *d, uint32_t count);
uint32_t disk_unsynced(const disk *d);        /* writes not yet synced */

/* What a crash now would lose: the unsynced writes by kind, and up to
** DISK_LOST_KEYS_MAX distinct keys of unsynced puts and deletes, in the
** order first written. Key pointers are valid until the next write, sync or
** crash. For reports only: reading it changes nothing. */
#define DISK_LOST_KEYS_MAX 8
typedef struct disk_unsynced_info {
    uint32_t puts, dels, appends, truncates, compacts;
    const char *keys[DISK_LOST_KEYS_MAX];
    uint32_t keys_len;          /* of 'keys' */
    uint32_t keys_more;         /* distinct keys past DISK_LOST_KEYS_MAX */
} disk_unsynced_info;
void disk_unsynced_describe(const disk *d, disk_unsynced_info *out);
uint64_t disk_bytes(const disk *d);           /* bytes held, for stats */

#endif

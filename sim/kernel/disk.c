/*
** disk.c — a node's durable storage: a key-value store and an append-only
** log with fsync semantics; see disk.h.
**
** Design. The disk holds one "current" image (what reads see) and an undo
** journal of every write since the last sync. The durable image is the
** current one with the journal undone, so:
** - 'disk_sync' forgets the journal (frees the old values it kept): the
**   current image becomes durable, in time proportional to the journal;
** - 'disk_crash' undoes the journal newest first, restoring the durable
**   image; with 'tear' the last write, if it was a put or an append, is then
**   re-applied half-written: the second half of its bytes is garbage while
**   its stored checksum is the one of the intended bytes, so a read fails
**   its CRC32C check. Deletes, truncates and compactions are metadata
**   updates: a crash undoes them whole and never tears them.
** Keys are kept in an array sorted by 'strcmp' (binary search), and the log in
** an array indexed from 'log_first'; nothing observable depends on hash or
** pointer order. Memory is the data held plus what the journal keeps for
** undo, which is proportional to the writes since the last sync.
**
** Invariants:
** - Every record pointer has exactly one owner: the current image (a key or
**   a log position) or one journal entry (an overwritten or dropped record).
** - kv[0 .. kv_len) is strictly increasing by 'strcmp'.
** - The log holds indices log_first .. log_first + log_count - 1 at
**   log[log_head ..]; 'disk_last' is log_first + log_count - 1 (0 before
**   the first append); 'disk_first' is log_first, which is last + 1 when
**   the log is empty.
** - 'bytes' is the sum of key and record lengths in the current image.
**
** Out of memory inside a write is an assertion failure: the simulated disk
** has no error path to report it through, and a run that cannot hold its
** data is broken anyway.
*/
#include "disk.h"

#include <stdlib.h>
#include <string.h>

#include "dsim.h"

#define DISK_KEY_BYTES_MAX 255
#define DISK_VALUE_BYTES_MAX (16u << 20)

/* CRC32C (Castagnoli, reflected polynomial 0x82f63b78). */
static const uint32_t crc32c_table[256] = {
    0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
    0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
    0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
    0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
    0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
    0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
    0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
    0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
    0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
    0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
    0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
    0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
    0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
    0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
    0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
    0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
    0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
    0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
    0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
    0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
    0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
    0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
    0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
    0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
    0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
    0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
    0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
    0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
    0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
    0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
    0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
    0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
    0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
    0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
    0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
    0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
    0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
    0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
    0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
    0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
    0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
    0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
    0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

typedef struct disk_rec {
    uint32_t len;
    uint32_t crc;              /* CRC32C of the intended 'data' */
    unsigned char data[];
} disk_rec;

typedef struct kv_entry {
    char *key;
    disk_rec *rec;
} kv_entry;

typedef enum undo_kind { UNDO_PUT, UNDO_DEL, UNDO_APPEND, UNDO_TRUNCATE, UNDO_COMPACT } undo_kind;

typedef struct undo {
    undo_kind kind;
    char *key;        /* PUT, DEL: the key (owned) */
    disk_rec *old;    /* PUT: value before, or NULL; DEL: the value deleted */
    disk_rec **recs;  /* TRUNCATE, COMPACT: the records dropped, by index */
    uint64_t count;   /* of 'recs' */
} undo;

struct disk {
    kv_entry *kv;
    size_t kv_len, kv_cap;
    disk_rec **log;
    uint64_t log_head, log_count, log_cap, log_first;
    undo *journal;
    size_t journal_len, journal_cap;
    uint32_t corrupt_reads;   /* pending read faults */
    uint64_t bytes;
};

_Static_assert(sizeof crc32c_table / sizeof crc32c_table[0] == 256, "one entry per byte value");

/* The log's invariants: its window lies in the array, and 'disk_last' is
** log_first + count - 1 (log_first >= 1, so last >= 0). */
static void log_check(const disk *d)
{
    DSIM_ASSERT(d->log_head + d->log_count <= d->log_cap);
    DSIM_ASSERT(d->log_first >= 1);
}

/* The table, a byte at a time: the reference, and the path of CPUs
** without the instruction below. */
static uint32_t crc32c_bytes(uint32_t c, const unsigned char *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        c = crc32c_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
/* SSE4.2's crc32 instruction computes the same CRC32C step (reflected,
** no pre- or post-inversion), eight bytes at a time: snapshots of a few
** kilobytes are written and read back on every snapshot and restart, and
** the byte loop above was a tenth of a Raft fuzz run's time. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t c, const unsigned char *p, uint32_t len)
{
    uint64_t c64 = c;
    for (; len >= 8; len -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, sizeof w);
        c64 = _mm_crc32_u64(c64, w);
    }
    uint32_t c32 = (uint32_t)c64;
    for (; len > 0; len--, p++)
        c32 = _mm_crc32_u8(c32, *p);
    return c32;
}

static bool crc32c_has_hw(void)
{
    static int has = -1;   /* a property of the host, the same all run long */
    if (has < 0) {
        __builtin_cpu_init();
        has = __builtin_cpu_supports("sse4.2") ? 1 : 0;
        if (has == 1) {   /* both paths give the same checksum, or no run starts */
            unsigned char probe[67];
            for (unsigned i = 0; i < sizeof probe; i++)
                probe[i] = (unsigned char)(i * 37u + 11u);
            for (uint32_t n = 0; n <= sizeof probe; n += 5)
                DSIM_ASSERT(crc32c_hw(0xffffffffu, probe, n) == crc32c_bytes(0xffffffffu, probe, n));
        }
    }
    return has == 1;
}
#else
static uint32_t crc32c_hw(uint32_t c, const unsigned char *p, uint32_t len) { return crc32c_bytes(c, p, len); }
static bool crc32c_has_hw(void) { return false; }
#endif

static uint32_t crc32c(const unsigned char *p, uint32_t len)
{
    DSIM_ASSERT(p != NULL || len == 0);
    uint32_t c = 0xffffffffu;
    c = crc32c_has_hw() ? crc32c_hw(c, p, len) : crc32c_bytes(c, p, len);
    return c ^ 0xffffffffu;
}

/* realloc that treats running out of memory as fatal (see the file comment). */
static void *disk_realloc(void *p, size_t size)
{
    void *q = realloc(p, size == 0 ? 1 : size);
    DSIM_ASSERT(q != NULL);
    return q;
}

static disk_rec *rec_new(const void *data, uint32_t len)
{
    DSIM_ASSERT(len <= DISK_VALUE_BYTES_MAX);
    DSIM_ASSERT(data != NULL || len == 0);
    disk_rec *r = disk_realloc(NULL, sizeof *r + len);
    r->len = len;
    if (len > 0)
        memcpy(r->data, data, len);
    r->crc = crc32c(r->data, len);
    return r;
}

/* A copy of 'src' as a torn write leaves it: the first half of the bytes
** landed, the rest is garbage (inverted), and the header holds the checksum
** of the intended bytes. Should the garbage happen to match that checksum,
** or there be no bytes at all, the header itself is torn instead. */
static disk_rec *rec_torn(const disk_rec *src)
{
    disk_rec *r = rec_new(src->data, src->len);
    for (uint32_t i = src->len / 2; i < src->len; i++)
        r->data[i] = (unsigned char)~r->data[i];
    if (crc32c(r->data, r->len) == r->crc)
        r->crc ^= 1;
    DSIM_ASSERT(crc32c(r->data, r->len) != r->crc);
    return r;
}

/* Verifies a record as it is read. A pending read fault flips one bit of the
** checksum as read back, so the comparison below is what rejects it. */
static bool rec_check(disk *d, const disk_rec *r)
{
    DSIM_ASSERT(r != NULL);
    uint32_t crc_read = r->crc;
    if (d->corrupt_reads > 0) {
        d->corrupt_reads--;
        crc_read ^= 1;
    }
    return crc32c(r->data, r->len) == crc_read;
}

/* Copies a record out under the header's contract: at most 'cap' bytes,
** '*len' gets the full length (0 unless DISK_OK). */
static int rec_read(disk *d, const disk_rec *r, void *buf, uint32_t cap, uint32_t *len)
{
    DSIM_ASSERT(d != NULL);
    if (len != NULL)
        *len = 0;
    if (r == NULL)
        return DISK_MISSING;
    if (!rec_check(d, r))
        return DISK_CORRUPT;
    uint32_t n = r->len < cap ? r->len : cap;
    DSIM_ASSERT(buf != NULL || n == 0);
    if (n > 0)
        memcpy(buf, r->data, n);
    if (len != NULL)
        *len = r->len;
    return DISK_OK;
}

disk *disk_new(void)
{
    disk *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->log_first = 1;
    DSIM_ASSERT(disk_last(d) == 0);
    return d;
}

static void undo_release(undo *u)
{
    DSIM_ASSERT(u != NULL);
    DSIM_ASSERT(u->recs != NULL || u->count == 0);
    free(u->key);
    free(u->old);
    for (uint64_t i = 0; i < u->count; i++)
        free(u->recs[i]);
    free(u->recs);
    memset(u, 0, sizeof *u);
}

void disk_free(disk *d)
{
    if (d == NULL)
        return;
    DSIM_ASSERT(d->journal_len <= d->journal_cap);
    DSIM_ASSERT(d->kv_len <= d->kv_cap);
    for (size_t i = 0; i < d->journal_len; i++)
        undo_release(&d->journal[i]);
    for (size_t i = 0; i < d->kv_len; i++) {
        free(d->kv[i].key);
        free(d->kv[i].rec);
    }
    for (uint64_t i = 0; i < d->log_count; i++)
        free(d->log[d->log_head + i]);
    free(d->journal);
    free(d->kv);
    free(d->log);
    free(d);
}

/* ---- the key-value image ------------------------------------------------ */

static void check_key(const char *key)
{
    DSIM_ASSERT(key != NULL);
    DSIM_ASSERT(strlen(key) <= DISK_KEY_BYTES_MAX);
}

/* Binary search: the position of 'key', or where it would be inserted. */
static size_t kv_find(const disk *d, const char *key, bool *found)
{
    DSIM_ASSERT(key != NULL);
    size_t lo = 0, hi = d->kv_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(d->kv[mid].key, key);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    DSIM_ASSERT(lo <= d->kv_len);
    DSIM_ASSERT(lo == d->kv_len || strcmp(d->kv[lo].key, key) > 0);   /* sorted: insert here */
    return lo;
}

/* Inserts a new entry at position 'pos'; takes ownership of 'key', 'rec'. */
static void kv_insert_at(disk *d, size_t pos, char *key, disk_rec *rec)
{
    DSIM_ASSERT(pos <= d->kv_len);
    if (d->kv_len == d->kv_cap) {
        d->kv_cap = d->kv_cap ? d->kv_cap * 2 : 8;
        d->kv = disk_realloc(d->kv, d->kv_cap * sizeof *d->kv);
    }
    DSIM_ASSERT(key != NULL);
    memmove(&d->kv[pos + 1], &d->kv[pos], (d->kv_len - pos) * sizeof *d->kv);
    d->kv[pos] = (kv_entry){ key, rec };
    d->kv_len++;
    DSIM_ASSERT(d->kv_len <= d->kv_cap);
    d->bytes += strlen(key) + rec->len;
}

/* Removes the entry at 'pos' and hands its key and record to the caller. */
static kv_entry kv_remove_at(disk *d, size_t pos)
{
    DSIM_ASSERT(pos < d->kv_len);
    kv_entry e = d->kv[pos];
    memmove(&d->kv[pos], &d->kv[pos + 1], (d->kv_len - pos - 1) * sizeof *d->kv);
    d->kv_len--;
    d->bytes -= strlen(e.key) + e.rec->len;
    return e;
}

/* Sets 'key' to 'rec' (owned) and returns the record it replaces, or NULL. */
static disk_rec *kv_set(disk *d, const char *key, disk_rec *rec)
{
    bool found;
    size_t pos = kv_find(d, key, &found);
    if (!found) {
        kv_insert_at(d, pos, strdup(key), rec);
        DSIM_ASSERT(d->kv[pos].key != NULL);
        return NULL;
    }
    disk_rec *old = d->kv[pos].rec;
    DSIM_ASSERT(old != rec);
    d->kv[pos].rec = rec;
    d->bytes = d->bytes - old->len + rec->len;
    return old;
}

/* ---- the log image ------------------------------------------------------ */

/* Makes room for 'front' records before the head and 'back' after the tail. */
static void log_reserve(disk *d, uint64_t front, uint64_t back)
{
    if (d->log_head >= front && d->log_head + d->log_count + back <= d->log_cap)
        return;
    uint64_t need = front + d->log_count + back;
    if (need > d->log_cap) {
        uint64_t cap = d->log_cap ? d->log_cap : 16;
        while (cap < need)
            cap *= 2;
        d->log = disk_realloc(d->log, cap * sizeof *d->log);
        d->log_cap = cap;
    }
    memmove(&d->log[front], &d->log[d->log_head], d->log_count * sizeof *d->log);
    d->log_head = front;
    DSIM_ASSERT(d->log_head >= front);
    DSIM_ASSERT(d->log_head + d->log_count + back <= d->log_cap);
}

static void log_push(disk *d, disk_rec *rec)
{
    DSIM_ASSERT(rec != NULL);
    log_reserve(d, 0, 1);
    d->log[d->log_head + d->log_count++] = rec;
    d->bytes += rec->len;
    DSIM_ASSERT(d->log_head + d->log_count <= d->log_cap);
}

static disk_rec *log_pop(disk *d)
{
    DSIM_ASSERT(d->log_count > 0);
    disk_rec *rec = d->log[d->log_head + --d->log_count];
    DSIM_ASSERT(d->bytes >= rec->len);
    d->bytes -= rec->len;
    return rec;
}

/* Moves 'count' records starting at position 'pos' into a new array. */
static disk_rec **log_take(disk *d, uint64_t pos, uint64_t count)
{
    DSIM_ASSERT(pos + count <= d->log_count);
    disk_rec **recs = disk_realloc(NULL, count * sizeof *recs);
    memcpy(recs, &d->log[d->log_head + pos], count * sizeof *recs);
    for (uint64_t i = 0; i < count; i++)
        d->bytes -= recs[i]->len;
    return recs;
}

/* ---- the journal -------------------------------------------------------- */

static void journal_add(disk *d, undo u)
{
    DSIM_ASSERT(u.kind <= UNDO_COMPACT);
    DSIM_ASSERT(d->journal_len <= d->journal_cap);
    if (d->journal_len == d->journal_cap) {
        d->journal_cap = d->journal_cap ? d->journal_cap * 2 : 16;
        d->journal = disk_realloc(d->journal, d->journal_cap * sizeof *d->journal);
    }
    d->journal[d->journal_len++] = u;
}

/* Undoes one journal entry against the current image and frees it. */
static void undo_apply(disk *d, undo *u)
{
    switch (u->kind) {
    case UNDO_PUT:
        if (u->old != NULL) {
            free(kv_set(d, u->key, u->old));
        } else {
            bool found;
            size_t pos = kv_find(d, u->key, &found);
            DSIM_ASSERT(found);
            kv_entry e = kv_remove_at(d, pos);
            free(e.key);
            free(e.rec);
        }
        u->old = NULL;
        break;
    case UNDO_DEL: {
        bool found;
        size_t pos = kv_find(d, u->key, &found);
        DSIM_ASSERT(!found);
        kv_insert_at(d, pos, u->key, u->old);
        u->key = NULL;
        u->old = NULL;
        break;
    }
    case UNDO_APPEND:
        free(log_pop(d));
        break;
    case UNDO_TRUNCATE:
        for (uint64_t i = 0; i < u->count; i++)
            log_push(d, u->recs[i]);
        u->count = 0;
        break;
    case UNDO_COMPACT:
        log_reserve(d, u->count, 0);
        d->log_head -= u->count;
        memcpy(&d->log[d->log_head], u->recs, u->count * sizeof *u->recs);
        d->log_count += u->count;
        d->log_first -= u->count;
        for (uint64_t i = 0; i < u->count; i++)
            d->bytes += u->recs[i]->len;
        u->count = 0;
        break;
    }
    undo_release(u);
}

/* ---- the API ------------------------------------------------------------ */

void disk_put(disk *d, const char *key, const void *val, uint32_t len)
{
    check_key(key);
    disk_rec *old = kv_set(d, key, rec_new(val, len));
    char *key_copy = strdup(key);
    DSIM_ASSERT(key_copy != NULL);
    journal_add(d, (undo){ .kind = UNDO_PUT, .key = key_copy, .old = old });
    DSIM_ASSERT(d->journal_len > 0);
}

int disk_get(disk *d, const char *key, void *buf, uint32_t cap, uint32_t *len)
{
    check_key(key);
    bool found;
    size_t pos = kv_find(d, key, &found);
    DSIM_ASSERT(!found || pos < d->kv_len);
    return rec_read(d, found ? d->kv[pos].rec : NULL, buf, cap, len);
}

/* Deleting a missing key changes nothing and is not journaled. */
void disk_del(disk *d, const char *key)
{
    check_key(key);
    bool found;
    size_t pos = kv_find(d, key, &found);
    if (!found)
        return;
    kv_entry e = kv_remove_at(d, pos);
    DSIM_ASSERT(e.key != NULL);
    journal_add(d, (undo){ .kind = UNDO_DEL, .key = e.key, .old = e.rec });
}

uint64_t disk_append(disk *d, const void *rec, uint32_t len)
{
    uint64_t last = disk_last(d);
    log_push(d, rec_new(rec, len));
    journal_add(d, (undo){ .kind = UNDO_APPEND });
    DSIM_ASSERT(disk_last(d) == last + 1);
    return disk_last(d);
}

int disk_read(disk *d, uint64_t index, void *buf, uint32_t cap, uint32_t *len)
{
    const disk_rec *r = NULL;
    log_check(d);
    if (index >= d->log_first && index - d->log_first < d->log_count)
        r = d->log[d->log_head + (index - d->log_first)];
    return rec_read(d, r, buf, cap, len);
}

/* Drops indices >= 'from'. A 'from' below 'disk_first' drops every record
** held (compacted indices stay compacted); one past 'disk_last' is a no-op. */
void disk_truncate(disk *d, uint64_t from)
{
    if (from < d->log_first)
        from = d->log_first;
    uint64_t keep = from - d->log_first;
    if (keep >= d->log_count)
        return;
    uint64_t count = d->log_count - keep;
    disk_rec **recs = log_take(d, keep, count);
    d->log_count = keep;
    journal_add(d, (undo){ .kind = UNDO_TRUNCATE, .recs = recs, .count = count });
    DSIM_ASSERT(disk_last(d) == from - 1);
}

/* Drops indices <= 'upto', clamped to 'disk_last': compaction never moves
** 'disk_last', so afterwards 'disk_first' is at most last + 1. */
void disk_compact(disk *d, uint64_t upto)
{
    if (upto < d->log_first || d->log_count == 0)
        return;
    uint64_t count = upto - d->log_first + 1;
    if (count > d->log_count)
        count = d->log_count;
    disk_rec **recs = log_take(d, 0, count);
    d->log_head += count;
    d->log_count -= count;
    d->log_first += count;
    journal_add(d, (undo){ .kind = UNDO_COMPACT, .recs = recs, .count = count });
    DSIM_ASSERT(d->log_first <= disk_last(d) + 1);
    log_check(d);
}

uint64_t disk_first(const disk *d)
{
    log_check(d);
    return d->log_first;
}

uint64_t disk_last(const disk *d)
{
    log_check(d);
    return d->log_first + d->log_count - 1;
}

void disk_sync(disk *d)
{
    for (size_t i = 0; i < d->journal_len; i++)
        undo_release(&d->journal[i]);
    d->journal_len = 0;
    DSIM_ASSERT(disk_unsynced(d) == 0);
}

/* The torn copy of the last unsynced write, when it is a put or an append;
** '*key' gets a copy of a put's key. NULL when there is nothing to tear. */
static disk_rec *crash_torn_copy(const disk *d, char **key)
{
    *key = NULL;
    if (d->journal_len == 0)
        return NULL;
    const undo *last = &d->journal[d->journal_len - 1];
    if (last->kind == UNDO_APPEND) {
        DSIM_ASSERT(d->log_count > 0);
        return rec_torn(d->log[d->log_head + d->log_count - 1]);
    }
    if (last->kind != UNDO_PUT)
        return NULL;
    bool found;
    size_t pos = kv_find(d, last->key, &found);
    DSIM_ASSERT(found);
    *key = strdup(last->key);
    DSIM_ASSERT(*key != NULL);
    return rec_torn(d->kv[pos].rec);
}

void disk_crash(disk *d, bool tear)
{
    char *torn_key = NULL;
    disk_rec *torn = tear ? crash_torn_copy(d, &torn_key) : NULL;
    for (size_t i = d->journal_len; i > 0; i--)
        undo_apply(d, &d->journal[i - 1]);
    d->journal_len = 0;
    /* The torn write is what the platter holds now: durable, and corrupt. */
    if (torn != NULL && torn_key != NULL)
        free(kv_set(d, torn_key, torn));
    else if (torn != NULL)
        log_push(d, torn);
    free(torn_key);
    DSIM_ASSERT(d->journal_len == 0);
    log_check(d);
}

void disk_corrupt_reads(disk *d, uint32_t count)
{
    DSIM_ASSERT(d != NULL);
    d->corrupt_reads = count;
}

uint32_t disk_unsynced(const disk *d)
{
    return d->journal_len > UINT32_MAX ? UINT32_MAX : (uint32_t)d->journal_len;
}

void disk_unsynced_describe(const disk *d, disk_unsynced_info *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < d->journal_len; i++) {
        const undo *u = &d->journal[i];
        switch (u->kind) {
        case UNDO_PUT: out->puts++; break;
        case UNDO_DEL: out->dels++; break;
        case UNDO_APPEND: out->appends++; break;
        case UNDO_TRUNCATE: out->truncates++; break;
        case UNDO_COMPACT: out->compacts++; break;
        }
        if (u->kind != UNDO_PUT && u->kind != UNDO_DEL)
            continue;
        bool seen = false;
        for (uint32_t k = 0; k < out->keys_len && !seen; k++)
            seen = strcmp(out->keys[k], u->key) == 0;
        if (seen)
            continue;
        if (out->keys_len < DISK_LOST_KEYS_MAX)
            out->keys[out->keys_len++] = u->key;
        else
            out->keys_more++;   /* may count a key twice past the cap: "at least" */
    }
}

uint64_t disk_bytes(const disk *d)
{
    DSIM_ASSERT(d != NULL);
    return d->bytes;
}

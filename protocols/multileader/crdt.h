/*
** crdt.h — the CRDTs of the multi-leader protocol, as pure data.
**
** Every type is fixed-size plain bytes (no pointers, zeroed when empty), so
** a replica copies them into messages and disk records as they are. Each
** has a state-based merge (a join: commutative, associative, idempotent;
** tests/test_crdt.c checks the laws on random states) and the updates a
** leader makes locally. Operation-based delivery ships one update as a
** small state of its own ('ml_rop' in multileader.h) and merges it the
** same way, so the two deliveries share one lattice.
**
**   vclock      vector clock: per origin node, how many of its updates
**   mvreg       MV-Register (siblings: the concurrent versions), and the
**               LWW-Register (one version, by (wall, node, seq))
**   pncounter   G-Counter (p only) and PN-Counter (p and n per node)
**   orset       OR-Set: (element, tag) adds, a removed mark per tag
**
** A 'bug' argument selects a planted bug of the merge (multileader.h).
*/
#ifndef ML_CRDT_H
#define ML_CRDT_H

#include <stdbool.h>
#include <stdint.h>

#define ML_NODES_MAX 8       /* nodes of a cluster (vector clock width) */
#define ML_SET_TAGS 512      /* tags of one OR-Set (adds, removed or not) */

/* ---- vector clocks ------------------------------------------------------ */

typedef struct vclock {
    uint32_t c[ML_NODES_MAX];
} vclock;

typedef enum vc_order { VC_EQUAL, VC_BEFORE, VC_AFTER, VC_CONCURRENT } vc_order;

vc_order vc_compare(const vclock *a, const vclock *b);
bool vc_leq(const vclock *a, const vclock *b);      /* a <= b entry-wise */
void vc_join(vclock *a, const vclock *b);           /* a := max(a, b) */

/* ---- registers ---------------------------------------------------------- */

/* One written version: value, the writer's wall clock, the writer and its
** update number, and the writer's vector clock after the write. */
typedef struct mv_version {
    int64_t value;
    int64_t wall;
    uint32_t node;
    uint32_t seq;
    vclock vc;
} mv_version;

/* Siblings are pairwise concurrent, sorted by (node, seq); one origin's
** writes are ordered, so there are at most ML_NODES_MAX of them. */
typedef struct mvreg {
    uint32_t n;
    uint32_t pad_;
    mv_version v[ML_NODES_MAX];
} mvreg;

/* MV-Register: 'ver' replaces every sibling it dominates; a sibling that
** dominates it or equals it keeps it out. */
void mv_merge_version(mvreg *r, const mv_version *ver);
void mv_merge(mvreg *r, const mvreg *other);
/* The sibling a read returns: the largest (wall, node, seq); the value,
** or 'nil' when the register was never written. */
int64_t mv_read(const mvreg *r, int64_t nil);

/* LWW-Register: one version, the largest (wall, node, seq) wins; returns
** true when 'ver' won, false when it lost (or was already there). */
bool lww_merge_version(mvreg *r, const mv_version *ver);
void lww_merge(mvreg *r, const mvreg *other);
/* Whether 'a' beats 'b' in last-writer-wins order. */
bool lww_newer(const mv_version *a, const mv_version *b);

/* ---- counters ----------------------------------------------------------- */

typedef struct pncounter {
    int64_t p[ML_NODES_MAX];
    int64_t n[ML_NODES_MAX];
} pncounter;

/* Adds 'delta' at 'node' (a G-Counter keeps n zero: the caller refuses
** negative deltas). */
void pn_add(pncounter *c, int node, int64_t delta);
int64_t pn_value(const pncounter *c);
/* Entry-wise max; with 'bug_sum' (gcounter_sum_merge) entry-wise sum. */
void pn_merge(pncounter *c, const pncounter *other, bool bug_sum);

/* ---- OR-Set ------------------------------------------------------------- */

typedef struct orset_tag {
    int64_t elem;
    uint32_t node;
    uint32_t seq : 31;
    uint32_t removed : 1;
} orset_tag;

typedef struct orset {
    uint32_t n;
    uint32_t pad_;
    orset_tag t[ML_SET_TAGS];   /* sorted by (node, seq) */
} orset;

/* Adds 'elem' with the unique tag (node, seq); false when the set is full. */
bool orset_add(orset *s, int64_t elem, uint32_t node, uint32_t seq);
/* Observed remove: marks removed the tags of 'elem' that 'ctx' covers
** (seq <= ctx[node]); returns how many it marked. */
int orset_remove(orset *s, int64_t elem, const vclock *ctx);
/* Union of tags, removed marks or-ed; false when the union does not fit
** (then 's' is unchanged). With 'bug_remove_wins' (orset_remove_wins) an
** element with a removed tag loses every tag, seen by the remove or not. */
bool orset_merge(orset *s, const orset *other, bool bug_remove_wins);
bool orset_contains(const orset *s, int64_t elem);
/* The live elements, ascending, without repeats; returns how many ('out'
** holds at least ML_SET_TAGS). */
uint32_t orset_read(const orset *s, int64_t *out);

#endif

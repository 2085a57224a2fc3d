/*
** test_crdt.c — unit tests of the multileader protocol's CRDTs
** (protocols/multileader/crdt.h): vector clock comparison, and the merge
** laws of every CRDT (commutative, associative, idempotent) on random
** states that replicas reach by random updates and merges, so the states
** are the ones a run can produce. The planted merge bugs break a law or
** the add-wins rule, and the tests say so: a law test that cannot fail
** would prove nothing. Also the protocol's pure decisions: when a
** withheld update may be delivered (causal delivery, and the planted
** causal_skip), and where the topologies send an update.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crdt.h"
#include "multileader.h"

#define REPLICAS 4
#define ROUNDS 300

static uint64_t rnd_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    uint64_t z = (rnd_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* ---- vector clocks ------------------------------------------------------ */

static void test_vc_compare(void **state)
{
    (void)state;
    vclock a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(vc_compare(&a, &b), VC_EQUAL);
    b.c[1] = 2;
    assert_int_equal(vc_compare(&a, &b), VC_BEFORE);
    assert_int_equal(vc_compare(&b, &a), VC_AFTER);
    a.c[0] = 1;
    assert_int_equal(vc_compare(&a, &b), VC_CONCURRENT);
    assert_int_equal(vc_compare(&b, &a), VC_CONCURRENT);
    assert_false(vc_leq(&a, &b));
    vclock j = a;
    vc_join(&j, &b);
    assert_true(vc_leq(&a, &j) && vc_leq(&b, &j));
    assert_int_equal(j.c[0], 1);
    assert_int_equal(j.c[1], 2);
    /* on random clocks: compare agrees with leq both ways */
    for (int i = 0; i < 2000; i++) {
        for (int k = 0; k < ML_NODES_MAX; k++) {
            a.c[k] = (uint32_t)(rnd() % 3);
            b.c[k] = (uint32_t)(rnd() % 3);
        }
        vc_order o = vc_compare(&a, &b);
        bool ab = vc_leq(&a, &b), ba = vc_leq(&b, &a);
        assert_int_equal(o, ab && ba ? VC_EQUAL : ab ? VC_BEFORE : ba ? VC_AFTER : VC_CONCURRENT);
    }
}

/* ---- MV- and LWW-registers: replicas write and merge at random ---------- */

typedef struct reg_replica {
    vclock vc;
    mvreg r;
} reg_replica;

static void reg_states(reg_replica *rep, bool lww)
{
    memset(rep, 0, REPLICAS * sizeof *rep);
    for (int step = 0; step < 40; step++) {
        int i = (int)(rnd() % REPLICAS), j = (int)(rnd() % REPLICAS);
        if (rnd() % 2) {
            rep[i].vc.c[i]++;
            mv_version v;
            memset(&v, 0, sizeof v);
            v.value = (int64_t)(rnd() % 1000);
            v.wall = (int64_t)(rnd() % 50);   /* clocks collide and disagree */
            v.node = (uint32_t)i;
            v.seq = rep[i].vc.c[i];
            v.vc = rep[i].vc;
            if (lww)
                lww_merge_version(&rep[i].r, &v);
            else
                mv_merge_version(&rep[i].r, &v);
        } else if (i != j) {
            vc_join(&rep[i].vc, &rep[j].vc);
            if (lww)
                lww_merge(&rep[i].r, &rep[j].r);
            else
                mv_merge(&rep[i].r, &rep[j].r);
        }
    }
}

static void reg_merge(mvreg *a, const mvreg *b, bool lww)
{
    if (lww)
        lww_merge(a, b);
    else
        mv_merge(a, b);
}

static void check_reg_laws(bool lww)
{
    reg_replica rep[REPLICAS];
    for (int round = 0; round < ROUNDS; round++) {
        reg_states(rep, lww);
        const mvreg *a = &rep[0].r, *b = &rep[1].r, *c = &rep[2].r;
        mvreg ab = *a, ba = *b, aa = *a, abc = *a, bc = *b;
        reg_merge(&ab, b, lww);
        reg_merge(&ba, a, lww);
        assert_memory_equal(&ab, &ba, sizeof ab);       /* commutative */
        reg_merge(&aa, a, lww);
        assert_memory_equal(&aa, a, sizeof aa);         /* idempotent */
        reg_merge(&abc, b, lww);
        reg_merge(&abc, c, lww);
        reg_merge(&bc, c, lww);
        mvreg a_bc = *a;
        reg_merge(&a_bc, &bc, lww);
        assert_memory_equal(&abc, &a_bc, sizeof abc);   /* associative */
        /* siblings are pairwise concurrent */
        for (uint32_t i = 0; i < abc.n; i++)
            for (uint32_t k = i + 1; k < abc.n; k++)
                assert_int_equal(vc_compare(&abc.v[i].vc, &abc.v[k].vc), VC_CONCURRENT);
    }
}

static void test_mvreg_laws(void **state) { (void)state; check_reg_laws(false); }
static void test_lwwreg_laws(void **state) { (void)state; check_reg_laws(true); }

static void test_mvreg_keeps_concurrent_and_drops_seen(void **state)
{
    (void)state;
    mvreg r;
    memset(&r, 0, sizeof r);
    mv_version a, b, c;
    memset(&a, 0, sizeof a), memset(&b, 0, sizeof b), memset(&c, 0, sizeof c);
    a.value = 1, a.node = 0, a.seq = 1, a.vc.c[0] = 1, a.wall = 10;
    b.value = 2, b.node = 1, b.seq = 1, b.vc.c[1] = 1, b.wall = 5;
    mv_merge_version(&r, &a);
    mv_merge_version(&r, &b);
    assert_int_equal(r.n, 2);                 /* concurrent: siblings */
    assert_int_equal(mv_read(&r, -1), 1);     /* the newer wall clock reads */
    c.value = 3, c.node = 2, c.seq = 1, c.vc.c[0] = 1, c.vc.c[1] = 1, c.vc.c[2] = 1, c.wall = 0;
    mv_merge_version(&r, &c);                 /* saw both: replaces both */
    assert_int_equal(r.n, 1);
    assert_int_equal(mv_read(&r, -1), 3);
    /* LWW: the later write by true time loses to a faster clock */
    mvreg l;
    memset(&l, 0, sizeof l);
    assert_true(lww_merge_version(&l, &a));
    assert_false(lww_merge_version(&l, &c));  /* c saw a, but its clock is behind */
    assert_int_equal(mv_read(&l, -1), 1);
}

/* ---- counters ----------------------------------------------------------- */

static void counter_states(pncounter *rep, bool bug)
{
    memset(rep, 0, REPLICAS * sizeof *rep);
    for (int step = 0; step < 40; step++) {
        int i = (int)(rnd() % REPLICAS), j = (int)(rnd() % REPLICAS);
        if (rnd() % 2)
            pn_add(&rep[i], i, (int64_t)(rnd() % 11) - 5);
        else if (i != j)
            pn_merge(&rep[i], &rep[j], bug);
    }
}

static void test_pncounter_laws(void **state)
{
    (void)state;
    pncounter rep[REPLICAS];
    for (int round = 0; round < ROUNDS; round++) {
        counter_states(rep, false);
        pncounter ab = rep[0], ba = rep[1], aa = rep[0], abc = rep[0], bc = rep[1];
        pn_merge(&ab, &rep[1], false);
        pn_merge(&ba, &rep[0], false);
        assert_memory_equal(&ab, &ba, sizeof ab);
        pn_merge(&aa, &rep[0], false);
        assert_memory_equal(&aa, &rep[0], sizeof aa);
        pn_merge(&abc, &rep[1], false);
        pn_merge(&abc, &rep[2], false);
        pn_merge(&bc, &rep[2], false);
        pncounter a_bc = rep[0];
        pn_merge(&a_bc, &bc, false);
        assert_memory_equal(&abc, &a_bc, sizeof abc);
    }
    /* every replica converges to the sum of all adds */
    pncounter c;
    memset(&c, 0, sizeof c);
    pn_add(&c, 0, 5);
    pn_add(&c, 0, -2);
    pncounter d;
    memset(&d, 0, sizeof d);
    pn_add(&d, 1, 4);
    pn_merge(&c, &d, false);
    pn_merge(&c, &d, false);   /* a duplicate changes nothing */
    assert_int_equal(pn_value(&c), 7);
}

static void test_gcounter_sum_merge_is_not_idempotent(void **state)
{
    (void)state;
    pncounter c;
    memset(&c, 0, sizeof c);
    pn_add(&c, 0, 3);
    pncounter dup = c;
    pn_merge(&c, &dup, true);   /* the planted bug: a duplicate counts again */
    assert_int_equal(pn_value(&c), 6);
}

/* ---- OR-Set ------------------------------------------------------------- */

typedef struct set_replica {
    vclock vc;
    orset s;
} set_replica;

static void set_states(set_replica *rep, bool bug)
{
    memset(rep, 0, REPLICAS * sizeof *rep);
    for (int step = 0; step < 40; step++) {
        int i = (int)(rnd() % REPLICAS), j = (int)(rnd() % REPLICAS);
        int64_t elem = (int64_t)(rnd() % 4);
        uint64_t roll = rnd() % 3;
        if (roll == 0) {
            rep[i].vc.c[i]++;
            assert_true(orset_add(&rep[i].s, elem, (uint32_t)i, rep[i].vc.c[i]));
        } else if (roll == 1) {
            rep[i].vc.c[i]++;
            orset_remove(&rep[i].s, elem, &rep[i].vc);
        } else if (i != j) {
            vc_join(&rep[i].vc, &rep[j].vc);
            assert_true(orset_merge(&rep[i].s, &rep[j].s, bug));
        }
    }
}

static void test_orset_laws(void **state)
{
    (void)state;
    set_replica rep[REPLICAS];
    for (int round = 0; round < ROUNDS; round++) {
        set_states(rep, false);
        orset *ab = malloc(sizeof *ab), *ba = malloc(sizeof *ba), *x = malloc(sizeof *x),
              *y = malloc(sizeof *y);
        *ab = rep[0].s, *ba = rep[1].s;
        orset_merge(ab, &rep[1].s, false);
        orset_merge(ba, &rep[0].s, false);
        assert_memory_equal(ab, ba, sizeof *ab);
        *x = rep[0].s;
        orset_merge(x, &rep[0].s, false);
        assert_memory_equal(x, &rep[0].s, sizeof *x);
        *x = *ab;                       /* (a b) c */
        orset_merge(x, &rep[2].s, false);
        *y = rep[1].s;                  /* a (b c) */
        orset_merge(y, &rep[2].s, false);
        *ab = rep[0].s;
        orset_merge(ab, y, false);
        assert_memory_equal(x, ab, sizeof *x);
        free(ab), free(ba), free(x), free(y);
    }
}

/* A remove deletes the adds it saw, not a concurrent one (add wins); the
** planted bug orset_remove_wins deletes both. */
static void check_add_wins(bool bug)
{
    orset *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    vclock va, vb;
    memset(&va, 0, sizeof va), memset(&vb, 0, sizeof vb);
    va.c[0] = 1;
    orset_add(a, 7, 0, 1);            /* n1 adds 7 */
    orset_merge(b, a, bug);           /* n2 sees it */
    vb = va;
    vb.c[1] = 1;
    assert_int_equal(orset_remove(b, 7, &vb), 1);   /* n2 removes what it saw */
    va.c[0] = 2;
    orset_add(a, 7, 0, 2);            /* n1 adds 7 again, concurrently */
    orset_merge(a, b, bug);
    orset_merge(b, a, bug);
    assert_int_equal(orset_contains(a, 7), !bug);
    assert_int_equal(orset_contains(b, 7), !bug);
    int64_t out[ML_SET_TAGS];
    assert_int_equal(orset_read(a, out), bug ? 0 : 1);
    free(a), free(b);
}

static void test_orset_add_wins(void **state) { (void)state; check_add_wins(false); }
static void test_orset_remove_wins_bug_loses_the_add(void **state) { (void)state; check_add_wins(true); }

static void test_orset_full_refuses(void **state)
{
    (void)state;
    orset *s = calloc(1, sizeof *s), *t = calloc(1, sizeof *t);
    for (uint32_t i = 0; i < ML_SET_TAGS; i++)
        assert_true(orset_add(s, (int64_t)i, 0, i + 1));
    assert_false(orset_add(s, 9999, 1, 1));
    assert_true(orset_add(t, 9999, 1, 1));
    orset before = *s;
    assert_false(orset_merge(s, t, false));   /* does not fit: unchanged */
    assert_memory_equal(s, &before, sizeof before);
    free(s), free(t);
}

/* ---- causal delivery and topologies (multileader.h) -------------------- */

static void test_causal_delivery_waits_for_dependencies(void **state)
{
    (void)state;
    ml_state *s = calloc(1, sizeof *s);
    s->d.vc.c[0] = 1;                 /* holds n1's first update */
    ml_rop r;
    memset(&r, 0, sizeof r);
    r.origin = 1, r.seq = 1;
    r.deps.c[0] = 2;                  /* n2's update saw n1's second */
    s->conf.causal = false;
    assert_true(ml_deliverable(s, &r));     /* FIFO per origin only */
    s->conf.causal = true;
    assert_false(ml_deliverable(s, &r));    /* withheld until n1's second arrives */
    s->conf.bug_causal_skip = true;
    assert_true(ml_deliverable(s, &r));     /* the planted off-by-one lets it through */
    s->conf.bug_causal_skip = false;
    s->d.vc.c[0] = 2;
    assert_true(ml_deliverable(s, &r));
    r.seq = 2;                              /* a gap in n2's own order: never */
    assert_false(ml_deliverable(s, &r));
    s->conf.causal = false;
    assert_false(ml_deliverable(s, &r));
    free(s);
}

static void test_topologies(void **state)
{
    (void)state;
    ml_conf c;
    memset(&c, 0, sizeof c);
    c.dcs = 3;                               /* 6 nodes: DCs {0,1} {2,3} {4,5} */
    c.leader[0] = 0, c.leader[1] = 2, c.leader[2] = 4;   /* the lowest of each (ml_conf_read) */
    int out[ML_NODES_MAX];
    assert_true(ml_is_leader(&c, 6, 0) && ml_is_leader(&c, 6, 2) && ml_is_leader(&c, 6, 4));
    assert_false(ml_is_leader(&c, 6, 5));
    assert_int_equal(ml_dc_of(&c, 6, 5), 2);
    assert_int_equal(ml_downstream(&c, 6, 5, out), 0);   /* followers send nothing */
    ml_rop r;
    memset(&r, 0, sizeof r);
    c.topology = TOPO_ALL;
    assert_int_equal(ml_downstream(&c, 6, 0, out), 3);
    assert_int_equal(out[0], 2), assert_int_equal(out[1], 4), assert_int_equal(out[2], 1);
    r.origin = 2;
    assert_false(ml_forwards(&c, 6, 0, &r, 2, 4));      /* all-to-all: only the origin sends */
    assert_true(ml_forwards(&c, 6, 0, &r, 2, 1));       /* but a leader feeds its followers */
    c.topology = TOPO_RING;
    assert_int_equal(ml_downstream(&c, 6, 2, out), 2);
    assert_int_equal(out[0], 4), assert_int_equal(out[1], 3);
    r.origin = 0;
    assert_true(ml_forwards(&c, 6, 2, &r, 0, 4));       /* relayed around the ring */
    assert_false(ml_forwards(&c, 6, 4, &r, 2, 0));      /* ... until the next hop is its origin */
    c.topology = TOPO_STAR;
    assert_int_equal(ml_downstream(&c, 6, 2, out), 2);  /* a spoke: the hub and its follower */
    assert_int_equal(out[0], 0);
    r.origin = 2;
    assert_true(ml_forwards(&c, 6, 0, &r, 2, 4));       /* the hub relays to the other spokes */
    assert_false(ml_forwards(&c, 6, 0, &r, 2, 2));      /* never back */
    r.origin = 4;
    assert_false(ml_forwards(&c, 6, 2, &r, 0, 0));      /* a spoke relays nobody else's */
    c.leader[0] = 1;                                    /* failover: n2 leads DC 1 */
    assert_true(ml_is_leader(&c, 6, 1));
    assert_false(ml_is_leader(&c, 6, 0));
    assert_int_equal(ml_downstream(&c, 6, 0, out), 0);  /* the old leader sends nothing */
    c.topology = TOPO_ALL;
    assert_int_equal(ml_downstream(&c, 6, 1, out), 3);  /* the other leaders, then its follower */
    assert_int_equal(out[0], 2), assert_int_equal(out[1], 4), assert_int_equal(out[2], 0);
    assert_int_equal(ml_downstream(&c, 6, 2, out), 3);  /* others send to the new leader */
    assert_int_equal(out[0], 1), assert_int_equal(out[1], 4), assert_int_equal(out[2], 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vc_compare),
        cmocka_unit_test(test_mvreg_laws),
        cmocka_unit_test(test_lwwreg_laws),
        cmocka_unit_test(test_mvreg_keeps_concurrent_and_drops_seen),
        cmocka_unit_test(test_pncounter_laws),
        cmocka_unit_test(test_gcounter_sum_merge_is_not_idempotent),
        cmocka_unit_test(test_orset_laws),
        cmocka_unit_test(test_orset_add_wins),
        cmocka_unit_test(test_orset_remove_wins_bug_loses_the_add),
        cmocka_unit_test(test_orset_full_refuses),
        cmocka_unit_test(test_causal_delivery_waits_for_dependencies),
        cmocka_unit_test(test_topologies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

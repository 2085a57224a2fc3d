/*
** test_pbft.c — unit tests of the PBFT protocol (protocols/pbft/): quorum
** arithmetic (n = 3f+1; two quorums of 2f+1 meet in a correct replica,
** the planted bug's 2f quorums need not), the validation of prepared
** certificates and view changes (every part checked: a prepare from the
** primary, a repeated signer, another digest, a view too high, one forged
** signature: each refused), a forged signature always rejected (100,000
** guessed tags; the planted bug 'unsigned_view_change' lets them through),
** a request without its client's signature refused (guessed, altered,
** made up, relayed with a forged signature),
** the new primary's choice of O (the highest view's certificate per seq,
** null requests in gaps, nothing with 'no_prepared_proof'), options
** validated (n = 5 refused), Byzantine behaviours set from C
** (dsim_byzantine_set): a lying view change is refused by the others, and
** an equivocating primary is replaced by a view change while the correct
** replicas keep agreement and the clients (f+1 identical replies) get
** answers.
** Signing needs the acting node (dsim_sign asserts it): the tests set the
** world's 'acting' around their calls, as a callback would be.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "kernel_fixture.h"
#include "pbft.h"
#include "workload.h"

extern const dsim_protocol pbft_protocol;

static dsim_world *make(int nodes, const char *bug, int clients, char *err, size_t cap)
{
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &pbft_protocol;
    cfg.nodes = nodes;
    cfg.seed = 9;
    json_t *opts = json_object();
    if (bug)
        json_object_set_new(opts, "bug", json_string(bug));
    cfg.options = opts;
    if (clients) {
        workload_defaults(workload_find("kv"), &cfg.workload);
        cfg.workload.name = "kv";
        cfg.workload.count = clients;
        cfg.workload.rate_per_s = 40;
        cfg.workload.timeout_ns = DSIM_MS(1000);
        cfg.workload.redirects_max = 5;
        cfg.workload.send = CLIENT_SEND_ALL;
        cfg.workload.replies_min = (nodes - 1) / 3 + 1;
        cfg.workload.retransmit_ns = DSIM_MS(250);
        cfg.workload.keys = 4;
    }
    cfg.invariants_every = clients ? 1 : 0;
    dsim_world *w = world_create(&cfg, err, cap);
    json_decref(opts);
    if (w)
        world_start(w);
    return w;
}

static dsim_world *world4(const char *bug)
{
    char err[256];
    dsim_world *w = make(4, bug, 1, err, sizeof err);   /* one client: requests are signed */
    assert_non_null(w);
    return w;
}

/* Runs 'fn' as node 'id' would in a callback (dsim_sign checks it). */
#define AS(w, id) for (int was_ = (w)->acting, once_ = ((w)->acting = (id), 1); once_; \
                       once_ = 0, (w)->acting = was_)

/* The client's signature of 'op', as the kernel gives it to a node in
** on_request (dsim_request_sig asserts it is asked there). */
static dsim_sig client_sig(dsim_world *w, const dsim_op *op)
{
    dsim_sig s;
    const dsim_op *was = w->request;
    w->request = op;
    AS(w, 0) s = dsim_request_sig(dsim_node_at(w, 0), op);
    w->request = was;
    return s;
}

static pbft_cert cert_for(dsim_world *w, uint64_t view, uint64_t seq, int64_t value)
{
    pbft_cert c;
    memset(&c, 0, sizeof c);
    int primary = (int)(view % 4);
    c.pp = (pbft_pp){.view = view, .seq = seq, .from = primary};
    c.pp.op.id = (uint64_t)value;
    c.pp.op.client = 0;
    c.pp.op.seq = (uint64_t)value;
    c.pp.op.f = DSIM_F_WRITE;
    c.pp.op.value = value;
    c.pp.digest = pbft_op_digest(&c.pp.op);
    c.pp.csig = client_sig(w, &c.pp.op);
    AS(w, primary) pbft_sign_pp(dsim_node_at(w, primary), &c.pp);
    int k = 0;
    for (int p = 0; p < 4 && k < 2; p++) {
        if (p == primary)
            continue;
        c.prep[k] = (pbft_vote){.view = view, .seq = seq, .digest = c.pp.digest, .from = p,
                                .type = PBFT_MSG_PREPARE};
        AS(w, p) pbft_sign_vote(dsim_node_at(w, p), &c.prep[k]);
        k++;
    }
    return c;
}

static void test_pbft_quorums(void **st)
{
    (void)st;
    for (int n = 1; n <= 13; n++) {
        int f = pbft_faults_tolerated(n);
        if (n == 4 || n == 7 || n == 10 || n == 13) {
            assert_int_equal(f, (n - 1) / 3);
            int q = pbft_quorum(f, false);
            assert_int_equal(q, 2 * f + 1);
            assert_true(2 * q - n >= f + 1);     /* two quorums share a correct replica */
            assert_true(n - f >= q);             /* f silent: a quorum is still there */
            assert_int_equal(pbft_ckpt_quorum(f, false), 2 * f + 1);
            int bad = pbft_quorum(f, true);
            assert_int_equal(bad, 2 * f);
            assert_true(2 * bad - n <= f);       /* the bug's quorums may meet only in liars */
            assert_int_equal(pbft_ckpt_quorum(f, true) - f, 1);   /* f+1: one correct */
        } else {
            assert_int_equal(f, -1);
        }
    }
}

static void test_pbft_refuses_n_not_3f_plus_1(void **st)
{
    (void)st;
    char err[256] = "";
    assert_null(make(5, NULL, 0, err, sizeof err));
    assert_non_null(strstr(err, "n = 3f+1"));
    assert_null(make(3, NULL, 0, err, sizeof err));
    dsim_world *w = make(7, NULL, 0, err, sizeof err);
    assert_non_null(w);
    assert_int_equal(pbft_of(dsim_node_at(w, 0))->cfg.q, 5);
    world_free(w);
}

static void test_pbft_certificate_validation(void **st)
{
    (void)st;
    dsim_world *w = world4(NULL);
    dsim_node *n = dsim_node_at(w, 3);
    pbft_cert good = cert_for(w, 1, 5, 77);
    assert_true(pbft_cert_valid(n, &good, 2));
    assert_false(pbft_cert_valid(n, &good, 1));          /* not below the new view */
    pbft_cert c = good;
    c.prep[1] = c.prep[0];                               /* one signer twice */
    assert_false(pbft_cert_valid(n, &c, 2));
    c = good;
    c.prep[0].from = 1;                                  /* the primary's own prepare */
    assert_false(pbft_cert_valid(n, &c, 2));
    c = good;
    c.pp.op.value = 78;                                  /* the digest names another request */
    assert_false(pbft_cert_valid(n, &c, 2));
    c = good;
    c.prep[1].digest ^= 1;
    assert_false(pbft_cert_valid(n, &c, 2));
    c = good;
    c.pp.from = 2;                                       /* not the view's primary */
    assert_false(pbft_cert_valid(n, &c, 2));
    world_free(w);
}

/* Clients sign their requests: a pre-prepare whose request lacks its
** client's signature is refused, whatever the primary signs, so a
** primary can neither make a request up nor alter one; a relayed request
** with a forged signature is not taken, one with the client's is. */
static void test_pbft_forged_client_signature_rejected(void **st)
{
    (void)st;
    dsim_world *w = world4(NULL);
    dsim_node *n = dsim_node_at(w, 3), *primary = dsim_node_at(w, 1);
    pbft_cert good = cert_for(w, 1, 5, 77);
    assert_true(pbft_pp_valid(n, &good.pp));
    assert_true(dsim_verify_request(n, &good.pp.op, &good.pp.csig));
    pbft_pp pp = good.pp;                                /* a guessed client signature */
    pp.csig.tag[0] ^= 1;
    AS(w, 1) pbft_sign_pp(primary, &pp);
    assert_false(pbft_pp_valid(n, &pp));
    pp = good.pp;                                        /* a request the client never sent */
    pp.op.value = 1234;
    pp.digest = pbft_op_digest(&pp.op);
    AS(w, 1) pbft_sign_pp(primary, &pp);
    assert_false(pbft_pp_valid(n, &pp));
    pp = good.pp;                                        /* another client's name on it */
    pp.op.client = 1;
    pp.digest = pbft_op_digest(&pp.op);
    AS(w, 1) pbft_sign_pp(primary, &pp);
    assert_false(pbft_pp_valid(n, &pp));
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 100000; i++) {                   /* guessed tags never pass */
        x = x * 6364136223846793005u + 1442695040888963407u;
        dsim_sig guess = {{x, x ^ (x >> 17)}};
        assert_false(dsim_verify_request(n, &good.pp.op, &guess));
    }
    pbft_state *s0 = pbft_of(dsim_node_at(w, 0));       /* relayed to the primary of view 0 */
    pbft_req r = {.op = good.pp.op, .csig = good.pp.csig};
    r.csig.tag[1] ^= 4;
    AS(w, 0) pbft_on_relayed(dsim_node_at(w, 0), 2, &r);
    assert_int_equal(s0->pending_len, 0);
    r.csig = good.pp.csig;
    AS(w, 0) pbft_on_relayed(dsim_node_at(w, 0), 2, &r);
    assert_int_equal(s0->sent[PBFT_MSG_PRE_PREPARE] > 0 || s0->pending_len == 1, 1);
    world_free(w);
}

static void test_pbft_forged_signatures_rejected(void **st)
{
    (void)st;
    dsim_world *w = world4(NULL), *bug = world4("unsigned_view_change");
    pbft_cert good = cert_for(w, 1, 5, 77);
    dsim_node *n = dsim_node_at(w, 3), *nb = dsim_node_at(bug, 3);
    for (int i = 0; i < 100000; i++) {
        pbft_cert c = good;
        dsim_sig guess = {{dsim_rand(n), i % 2 ? good.prep[1].sig.tag[1] : dsim_rand(n)}};
        switch (i % 3) {
        case 0: c.pp.sig = guess; break;
        case 1: c.prep[0].sig = guess; break;
        default: c.prep[1].sig = guess; break;
        }
        assert_false(pbft_cert_valid(n, &c, 2));
        if (i % 3 == 0)
            assert_false(pbft_pp_valid(n, &c.pp));
        else
            assert_false(pbft_vote_valid(n, &c.prep[i % 3 - 1], PBFT_MSG_PREPARE));
        if (i < 10)
            assert_true(pbft_cert_valid(nb, &c, 2));     /* the planted bug believes it */
    }
    /* a signed PREPARE is no COMMIT */
    pbft_vote v = good.prep[0];
    v.type = PBFT_MSG_COMMIT;
    assert_false(pbft_vote_valid(n, &v, PBFT_MSG_COMMIT));
    world_free(w);
    world_free(bug);
}

static void test_pbft_view_change_validation(void **st)
{
    (void)st;
    dsim_world *w = world4(NULL);
    pbft_vc *vc = calloc(1, sizeof *vc);
    assert_non_null(vc);
    vc->view = 2;
    vc->from = 2;
    vc->cert[0] = cert_for(w, 1, 1, 10);
    vc->cert[1] = cert_for(w, 1, 2, 11);
    vc->ncert = 2;
    AS(w, 2) pbft_sign_vc(dsim_node_at(w, 2), vc);
    dsim_node *n = dsim_node_at(w, 0);
    assert_true(pbft_vc_valid(n, vc, pbft_vc_bytes(vc)));
    assert_false(pbft_vc_valid(n, vc, pbft_vc_bytes(vc) - 1));   /* a short message */
    vc->from = 3;                                                  /* someone else's */
    assert_false(pbft_vc_valid(n, vc, pbft_vc_bytes(vc)));
    vc->from = 2;
    vc->cert[1].prep[0].sig.tag[0] ^= 1;   /* signed by the sender, a forged prepare inside */
    AS(w, 2) pbft_sign_vc(dsim_node_at(w, 2), vc);
    assert_false(pbft_vc_valid(n, vc, pbft_vc_bytes(vc)));
    /* a stable checkpoint needs 2f+1 signed CHECKPOINTs */
    vc->ncert = 0;
    vc->stable_seq = 8;
    vc->stable_digest = 42;
    for (int p = 0; p < 2; p++) {
        vc->proof[p] = (pbft_ckpt){.seq = 8, .digest = 42, .from = p};
        AS(w, p) pbft_sign_ckpt(dsim_node_at(w, p), &vc->proof[p]);
    }
    vc->nckpt = 2;
    AS(w, 2) pbft_sign_vc(dsim_node_at(w, 2), vc);
    assert_false(pbft_vc_valid(n, vc, pbft_vc_bytes(vc)));         /* f+1 is not a proof */
    vc->proof[2] = (pbft_ckpt){.seq = 8, .digest = 42, .from = 3};
    AS(w, 3) pbft_sign_ckpt(dsim_node_at(w, 3), &vc->proof[2]);
    vc->nckpt = 3;
    AS(w, 2) pbft_sign_vc(dsim_node_at(w, 2), vc);
    assert_true(pbft_vc_valid(n, vc, pbft_vc_bytes(vc)));
    free(vc);
    world_free(w);
}

static void test_pbft_new_view_choice(void **st)
{
    (void)st;
    dsim_world *w = world4(NULL);
    pbft_vc *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b), *c = calloc(1, sizeof *c);
    assert_true(a && b && c);
    a->view = b->view = c->view = 3;
    a->cert[0] = cert_for(w, 1, 1, 10);     /* seq 1 prepared in view 1 ... */
    a->cert[1] = cert_for(w, 1, 3, 30);
    a->ncert = 2;
    b->cert[0] = cert_for(w, 2, 1, 11);     /* ... and again in view 2: view 2 wins */
    b->ncert = 1;
    const pbft_vc *vcs[3] = {a, b, c};
    pbft_pp o[PBFT_LOG_MAX];
    uint64_t min_s, min_d;
    uint32_t k = pbft_compute_o(vcs, 3, 3, 3, false, o, &min_s, &min_d);
    assert_int_equal(k, 3);
    assert_int_equal(min_s, 0);
    assert_int_equal(o[0].op.value, 11);
    assert_int_equal(o[0].view, 3);
    assert_int_equal(o[0].from, 3);
    assert_true(o[1].null_req && o[1].digest == PBFT_NULL_DIGEST);   /* a gap */
    assert_int_equal(o[2].op.value, 30);
    c->stable_seq = 2;                      /* a checkpoint above seq 1 */
    k = pbft_compute_o(vcs, 3, 3, 3, false, o, &min_s, &min_d);
    assert_int_equal(min_s, 2);
    assert_int_equal(k, 1);
    assert_int_equal(o[0].seq, 3);
    k = pbft_compute_o(vcs, 3, 3, 3, true, o, &min_s, &min_d);   /* no_prepared_proof */
    assert_int_equal(k, 0);
    free(a);
    free(b);
    free(c);
    world_free(w);
}

static void test_pbft_lying_view_change_refused(void **st)
{
    (void)st;
    dsim_world *w = world4(NULL);
    char err[160];
    json_t *claim = json_pack("{s:s}", "mode", "claim");
    assert_true(dsim_byzantine_set(w, 1, "lie_view_change", claim, err, sizeof err) != 0);
    json_decref(claim);
    pbft_state *liar = pbft_of(dsim_node_at(w, 1));
    liar->last_exec = 3;   /* so it has seqs to lie about */
    json_t *res = json_object();
    assert_int_equal(dsim_control(w, 1, "view_change", NULL, res), 0);
    json_decref(res);
    const pbft_vc *vc = &liar->vcs[1];
    assert_true(vc->ncert >= 1);            /* it claims certificates it never had */
    assert_false(pbft_vc_valid(dsim_node_at(w, 0), vc, pbft_vc_bytes(vc)));
    world_free(w);
}

static void test_pbft_equivocating_primary_replaced(void **st)
{
    (void)st;
    char err[256];
    dsim_world *w = make(4, NULL, 2, err, sizeof err);
    assert_non_null(w);
    assert_true(dsim_byzantine_set(w, 0, "equivocate", NULL, err, sizeof err) != 0);
    world_run(w, DSIM_SEC(4));
    assert_null(pbft_invariants(w));
    uint64_t exec = UINT64_MAX;
    for (int i = 1; i < 4; i++) {
        pbft_state *s = pbft_of(dsim_node_at(w, i));
        assert_true(s->view >= 1);          /* the equivocator lost its view */
        if (s->last_exec < exec)
            exec = s->last_exec;
    }
    assert_true(exec >= 20);                /* and the correct replicas went on */
    assert_true(w->stats.ops_ok >= 20);     /* f+1 = 2 identical replies each */
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pbft_quorums),
        cmocka_unit_test(test_pbft_refuses_n_not_3f_plus_1),
        cmocka_unit_test(test_pbft_certificate_validation),
        cmocka_unit_test(test_pbft_forged_signatures_rejected),
        cmocka_unit_test(test_pbft_forged_client_signature_rejected),
        cmocka_unit_test(test_pbft_view_change_validation),
        cmocka_unit_test(test_pbft_new_view_choice),
        cmocka_unit_test(test_pbft_lying_view_change_refused),
        cmocka_unit_test(test_pbft_equivocating_primary_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

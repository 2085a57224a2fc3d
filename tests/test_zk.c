/*
** test_zk.c — unit tests of the coordination service's pure parts
** (protocols/zab/zk_*.c): the znode tree (every operation and every error,
** sequential numbering, ephemeral cleanup when a session closes, snapshot
** round trip and digest), the per-server watch table and the recipes'
** decisions. The functions under test touch only memory: each test drives
** them directly, transactions applied in zxid order as the broadcast would.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zk.h"

typedef struct fixture {
    zk_tree t;
    uint64_t zxid;
    uint32_t xid;   /* request numbers, as a client counts them */
    zk_effect e;
} fixture;

static fixture *fx_new(void)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    zk_tree_init(&f->t);
    return f;
}

/* Applies 'x' as the next transaction; one without a request number gets
** the next one. */
static int apply(fixture *f, zk_txn x)
{
    if (x.xid == 0)
        x.xid = ++f->xid;
    uint8_t buf[ZK_TXN_BYTES];
    assert_int_equal(zk_txn_encode(&x, buf, sizeof buf), ZK_TXN_BYTES);
    zk_tree_apply(&f->t, buf, sizeof buf, ++f->zxid, &f->e);
    return f->e.err;
}

static zk_txn txn(uint8_t kind, const char *path)
{
    zk_txn x;
    memset(&x, 0, sizeof x);
    x.kind = kind;
    x.version = -1;
    strncpy(x.path, path, ZK_PATH_MAX - 1);
    return x;
}

static int create(fixture *f, const char *path, uint8_t flags, uint64_t session, const char *data)
{
    zk_txn x = txn(ZK_TXN_CREATE, path);
    x.flags = flags;
    x.session = session;
    x.data_len = (uint8_t)strlen(data);
    memcpy(x.data, data, x.data_len);
    return apply(f, x);
}

static int del(fixture *f, const char *path, int32_t version)
{
    zk_txn x = txn(ZK_TXN_DELETE, path);
    x.version = version;
    return apply(f, x);
}

static int set(fixture *f, const char *path, int32_t version, const char *data)
{
    zk_txn x = txn(ZK_TXN_SET, path);
    x.version = version;
    x.data_len = (uint8_t)strlen(data);
    memcpy(x.data, data, x.data_len);
    return apply(f, x);
}

static uint64_t open_session(fixture *f, int client)
{
    zk_txn x = txn(ZK_TXN_SESSION_OPEN, "");
    x.arg = 1000000000;
    x.client = client;
    assert_int_equal(apply(f, x), ZK_OK);
    return f->e.session;
}

static int close_session(fixture *f, uint64_t session)
{
    zk_txn x = txn(ZK_TXN_SESSION_CLOSE, "");
    x.session = session;
    return apply(f, x);
}

static bool changed(const zk_effect *e, uint8_t kind, const char *path)
{
    for (uint32_t i = 0; i < e->changed_count; i++)
        if (e->changed[i].kind == kind && strcmp(e->changed[i].path, path) == 0)
            return true;
    return false;
}

static void test_create_then_get_exists_and_children(void **state)
{
    (void)state;
    fixture *f = fx_new();
    assert_int_equal(create(f, "/app", 0, 0, "cfg"), ZK_OK);
    assert_string_equal(f->e.path, "/app");
    assert_true(changed(&f->e, ZK_CH_CREATED, "/app"));
    assert_true(changed(&f->e, ZK_CH_CHILDREN, "/"));
    assert_int_equal(create(f, "/app/b", 0, 0, ""), ZK_OK);
    assert_int_equal(create(f, "/app/a", 0, 0, "x"), ZK_OK);
    assert_int_equal(create(f, "/app-x", 0, 0, ""), ZK_OK);   /* sorts between /app and /app/a */
    uint8_t data[ZK_DATA_MAX];
    zk_stat st;
    assert_int_equal(zk_tree_get(&f->t, "/app", data, sizeof data, &st), ZK_OK);
    assert_int_equal(st.data_len, 3);
    assert_memory_equal(data, "cfg", 3);
    assert_int_equal(st.version, 0);
    assert_int_equal(st.num_children, 2);
    assert_int_equal(st.cversion, 2);
    assert_int_equal(st.czxid, 1);
    assert_int_equal(st.pzxid, 3);
    assert_int_equal(zk_tree_exists(&f->t, "/app/a", NULL), ZK_OK);
    assert_int_equal(zk_tree_exists(&f->t, "/nope", NULL), ZK_NONODE);
    char names[4][ZK_PATH_MAX];
    uint32_t n;
    assert_int_equal(zk_tree_children(&f->t, "/app", names, 4, &n), ZK_OK);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a");
    assert_string_equal(names[1], "b");
    assert_int_equal(zk_tree_children(&f->t, "/", names, 4, &n), ZK_OK);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "app");
    assert_string_equal(names[1], "app-x");
    assert_int_equal(zk_tree_znode_count(&f->t), 5);
    free(f);
}

static void test_create_errors_are_zookeepers(void **state)
{
    (void)state;
    fixture *f = fx_new();
    assert_int_equal(create(f, "/a", 0, 0, ""), ZK_OK);
    assert_int_equal(create(f, "/a", 0, 0, ""), ZK_NODEEXISTS);
    assert_int_equal(create(f, "/x/y", 0, 0, ""), ZK_NONODE);
    assert_int_equal(create(f, "/", 0, 0, ""), ZK_BADARGUMENTS);
    assert_int_equal(create(f, "a", 0, 0, ""), ZK_BADARGUMENTS);
    assert_int_equal(create(f, "/a/", 0, 0, ""), ZK_BADARGUMENTS);
    assert_int_equal(create(f, "/a//b", 0, 0, ""), ZK_BADARGUMENTS);
    /* an ephemeral needs a live session and can have no children */
    assert_int_equal(create(f, "/e", ZK_EPHEMERAL, 42, ""), ZK_SESSIONEXPIRED);
    uint64_t s = open_session(f, 3);
    assert_int_equal(create(f, "/e", ZK_EPHEMERAL, s, ""), ZK_OK);
    assert_int_equal(create(f, "/e/c", 0, 0, ""), ZK_NOCHILDRENFOREPHEMERALS);
    /* a failed transaction changes nothing but the zxid */
    uint64_t d = zk_tree_digest(&f->t);
    assert_int_equal(create(f, "/a", 0, 0, ""), ZK_NODEEXISTS);
    assert_int_equal(f->e.changed_count, 0);
    assert_int_equal(zk_tree_digest(&f->t), d);
    assert_int_equal(f->t.zxid, f->zxid);
    free(f);
}

static void test_sequential_names_use_a_10_digit_parent_counter(void **state)
{
    (void)state;
    fixture *f = fx_new();
    assert_int_equal(create(f, "/lock", 0, 0, ""), ZK_OK);
    uint64_t s = open_session(f, 4);
    assert_int_equal(create(f, "/lock/n-", ZK_EPHEMERAL | ZK_SEQUENTIAL, s, ""), ZK_OK);
    assert_string_equal(f->e.path, "/lock/n-0000000000");
    assert_int_equal(create(f, "/lock/n-", ZK_SEQUENTIAL, 0, ""), ZK_OK);
    assert_string_equal(f->e.path, "/lock/n-0000000001");
    assert_int_equal(del(f, "/lock/n-0000000001", -1), ZK_OK);
    /* the counter is the parent's and never goes back */
    assert_int_equal(create(f, "/lock/other", 0, 0, ""), ZK_OK);
    assert_int_equal(create(f, "/lock/n-", ZK_SEQUENTIAL, 0, ""), ZK_OK);
    assert_string_equal(f->e.path, "/lock/n-0000000002");
    /* another parent counts on its own */
    assert_int_equal(create(f, "/q", 0, 0, ""), ZK_OK);
    assert_int_equal(create(f, "/q/", ZK_SEQUENTIAL, 0, ""), ZK_BADARGUMENTS);
    assert_int_equal(create(f, "/q/x", ZK_SEQUENTIAL, 0, ""), ZK_OK);
    assert_string_equal(f->e.path, "/q/x0000000000");
    /* the longest name that fits its suffix is taken, one byte more is refused */
    char longp[ZK_PATH_MAX];
    memset(longp, 'a', sizeof longp);
    longp[0] = '/';
    longp[ZK_PATH_MAX - ZK_SEQ_DIGITS - 1] = 0;
    assert_int_equal(create(f, longp, ZK_SEQUENTIAL, 0, ""), ZK_OK);
    assert_int_equal(strlen(f->e.path), ZK_PATH_MAX - 1);
    memset(longp, 'a', sizeof longp);
    longp[0] = '/';
    longp[ZK_PATH_MAX - ZK_SEQ_DIGITS] = 0;
    assert_int_equal(create(f, longp, ZK_SEQUENTIAL, 0, ""), ZK_BADARGUMENTS);
    free(f);
}

static void test_delete_checks_version_and_children(void **state)
{
    (void)state;
    fixture *f = fx_new();
    assert_int_equal(create(f, "/a", 0, 0, ""), ZK_OK);
    assert_int_equal(create(f, "/a/b", 0, 0, ""), ZK_OK);
    assert_int_equal(del(f, "/a", -1), ZK_NOTEMPTY);
    assert_int_equal(del(f, "/a/b", 1), ZK_BADVERSION);
    assert_int_equal(del(f, "/a/b", 0), ZK_OK);
    assert_true(changed(&f->e, ZK_CH_DELETED, "/a/b"));
    assert_true(changed(&f->e, ZK_CH_CHILDREN, "/a"));
    assert_int_equal(del(f, "/a/b", -1), ZK_NONODE);
    assert_int_equal(del(f, "/", -1), ZK_BADARGUMENTS);
    assert_int_equal(set(f, "/a", -1, "v"), ZK_OK);
    assert_int_equal(del(f, "/a", 0), ZK_BADVERSION);
    assert_int_equal(del(f, "/a", 1), ZK_OK);
    assert_int_equal(zk_tree_znode_count(&f->t), 1);
    free(f);
}

static void test_set_bumps_the_version_conditionally(void **state)
{
    (void)state;
    fixture *f = fx_new();
    assert_int_equal(set(f, "/a", -1, "v"), ZK_NONODE);
    assert_int_equal(create(f, "/a", 0, 0, "v0"), ZK_OK);
    assert_int_equal(set(f, "/a", 0, "v1"), ZK_OK);
    assert_int_equal(f->e.stat.version, 1);
    assert_true(changed(&f->e, ZK_CH_DATA, "/a"));
    assert_int_equal(set(f, "/a", 0, "v2"), ZK_BADVERSION);
    assert_int_equal(set(f, "/a", -1, "v22"), ZK_OK);
    uint8_t data[ZK_DATA_MAX];
    zk_stat st;
    assert_int_equal(zk_tree_get(&f->t, "/a", data, sizeof data, &st), ZK_OK);
    assert_int_equal(st.version, 2);
    assert_int_equal(st.mzxid, f->zxid);
    assert_int_equal(st.data_len, 3);
    assert_memory_equal(data, "v22", 3);
    free(f);
}

static void test_closing_a_session_deletes_its_ephemerals(void **state)
{
    (void)state;
    fixture *f = fx_new();
    assert_int_equal(create(f, "/lock", 0, 0, ""), ZK_OK);
    uint64_t a = open_session(f, 3), b = open_session(f, 4);
    assert_true(a != b);
    assert_int_equal(zk_tree_session(&f->t, b)->client, 4);
    assert_int_equal(create(f, "/lock/n-", ZK_EPHEMERAL | ZK_SEQUENTIAL, a, ""), ZK_OK);
    assert_int_equal(create(f, "/lock/n-", ZK_EPHEMERAL | ZK_SEQUENTIAL, b, ""), ZK_OK);
    assert_int_equal(create(f, "/a-owned", ZK_EPHEMERAL, a, ""), ZK_OK);
    assert_int_equal(create(f, "/kept", 0, 0, ""), ZK_OK);
    assert_int_equal(close_session(f, a), ZK_OK);
    assert_int_equal(f->e.client, 3);
    assert_true(changed(&f->e, ZK_CH_DELETED, "/lock/n-0000000000"));
    assert_true(changed(&f->e, ZK_CH_DELETED, "/a-owned"));
    assert_true(changed(&f->e, ZK_CH_CHILDREN, "/lock"));
    assert_false(changed(&f->e, ZK_CH_DELETED, "/lock/n-0000000001"));
    assert_int_equal(zk_tree_exists(&f->t, "/lock/n-0000000000", NULL), ZK_NONODE);
    assert_int_equal(zk_tree_exists(&f->t, "/lock/n-0000000001", NULL), ZK_OK);
    assert_int_equal(zk_tree_exists(&f->t, "/kept", NULL), ZK_OK);
    assert_null(zk_tree_session(&f->t, a));
    assert_int_equal(close_session(f, a), ZK_SESSIONEXPIRED);
    assert_int_equal(create(f, "/x", ZK_EPHEMERAL, a, ""), ZK_SESSIONEXPIRED);
    free(f);
}

static void test_bounds_fail_cleanly(void **state)
{
    (void)state;
    fixture *f = fx_new();
    char p[ZK_PATH_MAX];
    for (int i = 1; i < ZK_ZNODES_MAX; i++) {
        snprintf(p, sizeof p, "/n%03d", i);
        assert_int_equal(create(f, p, 0, 0, ""), ZK_OK);
    }
    uint64_t d = zk_tree_digest(&f->t);
    assert_int_equal(create(f, "/one-more", 0, 0, ""), ZK_OUTOFSPACE);
    assert_int_equal(zk_tree_digest(&f->t), d);
    for (int i = 0; i < ZK_SESSIONS_MAX; i++)
        open_session(f, i);
    zk_txn x = txn(ZK_TXN_SESSION_OPEN, "");
    x.arg = 1;
    assert_int_equal(apply(f, x), ZK_OUTOFSPACE);
    /* bytes that are not a transaction */
    uint8_t junk[ZK_TXN_BYTES] = {1};
    zk_tree_apply(&f->t, junk, sizeof junk, ++f->zxid, &f->e);
    assert_int_equal(f->e.err, ZK_BADARGUMENTS);
    zk_tree_apply(&f->t, junk, 3, ++f->zxid, &f->e);
    assert_int_equal(f->e.err, ZK_BADARGUMENTS);
    free(f);
}

static void test_save_load_round_trip_keeps_the_digest(void **state)
{
    (void)state;
    fixture *f = fx_new();
    assert_int_equal(create(f, "/lock", 0, 0, "L"), ZK_OK);
    uint64_t s = open_session(f, 5);
    assert_int_equal(create(f, "/lock/n-", ZK_EPHEMERAL | ZK_SEQUENTIAL, s, "me"), ZK_OK);
    assert_int_equal(set(f, "/lock", 0, "LL"), ZK_OK);
    size_t cap = zk_tree_save_bytes_max();
    uint8_t *buf = malloc(cap);
    size_t len = zk_tree_save(&f->t, buf, cap);
    assert_true(len > 0);
    assert_int_equal(zk_tree_save(&f->t, buf, len - 1), 0);
    zk_tree *u = calloc(1, sizeof *u);
    assert_true(zk_tree_load(u, buf, len));
    assert_int_equal(zk_tree_digest(u), zk_tree_digest(&f->t));
    assert_int_equal(u->zxid, f->t.zxid);
    assert_non_null(zk_tree_session(u, s));
    /* the counters came along: the next sequential and session continue */
    fixture *g = fx_new();
    g->t = *u;
    g->zxid = f->zxid;
    assert_int_equal(create(g, "/lock/n-", ZK_SEQUENTIAL, 0, ""), ZK_OK);
    assert_string_equal(g->e.path, "/lock/n-0000000001");
    assert_int_equal(open_session(g, 1), s + 1);
    /* different content, different digest */
    assert_true(zk_tree_digest(&g->t) != zk_tree_digest(&f->t));
    /* bad bytes are refused and leave the tree alone */
    uint64_t du = zk_tree_digest(u);
    assert_false(zk_tree_load(u, buf, len - 1));
    buf[0] ^= 1;
    assert_false(zk_tree_load(u, buf, len));
    buf[0] ^= 1;
    zk_tree *bad = calloc(1, sizeof *bad);
    *bad = f->t;
    bad->nodes[1].stat.num_children = 7;   /* a broken invariant */
    size_t blen = zk_tree_save(bad, buf, cap);
    assert_false(zk_tree_load(u, buf, blen));
    assert_int_equal(zk_tree_digest(u), du);
    free(bad);
    free(g);
    free(u);
    free(buf);
    free(f);
}

static void test_digest_is_of_the_content_and_its_stats(void **state)
{
    (void)state;
    fixture *f = fx_new(), *g = fx_new();
    assert_int_equal(create(f, "/a", 0, 0, ""), ZK_OK);
    assert_int_equal(create(f, "/b", 0, 0, ""), ZK_OK);
    assert_int_equal(create(g, "/b", 0, 0, ""), ZK_OK);
    assert_int_equal(create(g, "/a", 0, 0, ""), ZK_OK);
    /* czxids differ, so the digests do: the digest is of the content with
    ** its stats, as ZooKeeper's; two histories with equal stats agree */
    assert_true(zk_tree_digest(&f->t) != zk_tree_digest(&g->t));
    fixture *h = fx_new();
    assert_int_equal(create(h, "/a", 0, 0, ""), ZK_OK);
    assert_int_equal(create(h, "/b", 0, 0, ""), ZK_OK);
    assert_int_equal(zk_tree_digest(&f->t), zk_tree_digest(&h->t));
    free(f);
    free(g);
    free(h);
}


static void test_a_write_from_an_older_connection_is_refused(void **state)
{
    (void)state;
    fixture *f = fx_new();
    assert_int_equal(create(f, "/lock", 0, 0, ""), ZK_OK);
    uint64_t s = open_session(f, 3);
    zk_txn x = txn(ZK_TXN_CREATE, "/lock/c3-");
    x.flags = ZK_EPHEMERAL | ZK_SEQUENTIAL;
    x.session = s;
    x.conn_seq = 2;   /* the client reconnected and created again */
    assert_int_equal(apply(f, x), ZK_OK);
    x.conn_seq = 1;   /* its first create, forwarded late by a slow server */
    assert_int_equal(apply(f, x), ZK_SESSIONMOVED);
    assert_int_equal(f->e.changed_count, 0);
    x.conn_seq = 2;
    assert_int_equal(apply(f, x), ZK_OK);   /* the same connection goes on */
    assert_string_equal(zk_err_name(ZK_SESSIONMOVED), "SESSIONMOVED");
    free(f);
}

/* A network's copy of a write request reaches the leader twice: the copy,
** applied after a later write of another client, must not undo it
** (zk.lua seed 308835: a set applied again overwrote the newer value). */
static void test_a_copy_of_an_applied_write_is_refused(void **state)
{
    (void)state;
    fixture *f = fx_new();
    assert_int_equal(create(f, "/k", 0, 0, "0"), ZK_OK);
    uint64_t a = open_session(f, 1), b = open_session(f, 2);
    zk_txn x = txn(ZK_TXN_SET, "/k");
    x.session = a;
    x.conn_seq = 1;
    x.xid = 7;
    x.data_len = 1;
    x.data[0] = 'a';
    assert_int_equal(apply(f, x), ZK_OK);
    zk_txn y = x;
    y.session = b;
    y.data[0] = 'b';
    assert_int_equal(apply(f, y), ZK_OK);
    assert_int_equal(apply(f, x), ZK_SESSIONMOVED);   /* the copy */
    assert_int_equal(f->e.changed_count, 0);
    uint8_t data[ZK_DATA_MAX];
    zk_stat st;
    assert_int_equal(zk_tree_get(&f->t, "/k", data, sizeof data, &st), ZK_OK);
    assert_int_equal(data[0], 'b');
    x.xid = 8;   /* its next request goes through */
    assert_int_equal(apply(f, x), ZK_OK);
    free(f);
}

static void test_watches_fire_once_in_zookeepers_table(void **state)
{
    (void)state;
    fixture *f = fx_new();
    zk_watches *ws = calloc(1, sizeof *ws);
    zk_fired out[ZK_WATCHES_MAX];
    assert_true(zk_watch_add(ws, 3, ZK_W_DATA, "/a"));     /* exists on a missing node */
    assert_true(zk_watch_add(ws, 3, ZK_W_DATA, "/a"));     /* again: still one */
    assert_true(zk_watch_add(ws, 4, ZK_W_CHILD, "/"));
    assert_int_equal(ws->count, 2);
    assert_int_equal(create(f, "/a", 0, 0, ""), ZK_OK);
    uint32_t n = zk_watch_fire(ws, &f->e, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].client, 3);
    assert_int_equal(out[0].type, ZK_EV_CREATED);
    assert_string_equal(out[0].path, "/a");
    assert_int_equal(out[1].client, 4);
    assert_int_equal(out[1].type, ZK_EV_CHILDREN);
    assert_string_equal(out[1].path, "/");
    assert_int_equal(ws->count, 0);
    /* one-shot: the next change fires nothing */
    assert_int_equal(set(f, "/a", -1, "x"), ZK_OK);
    assert_int_equal(zk_watch_fire(ws, &f->e, out), 0);
    /* data change, deletion (data and child watches), failed txns fire nothing */
    assert_true(zk_watch_add(ws, 5, ZK_W_DATA, "/a"));
    assert_int_equal(set(f, "/a", 7, "y"), ZK_BADVERSION);
    assert_int_equal(zk_watch_fire(ws, &f->e, out), 0);
    assert_int_equal(set(f, "/a", -1, "y"), ZK_OK);
    assert_int_equal(zk_watch_fire(ws, &f->e, out), 1);
    assert_int_equal(out[0].type, ZK_EV_DATA);
    assert_true(zk_watch_add(ws, 5, ZK_W_DATA, "/a"));
    assert_true(zk_watch_add(ws, 6, ZK_W_CHILD, "/a"));
    assert_true(zk_watch_add(ws, 7, ZK_W_DATA, "/b"));
    assert_int_equal(del(f, "/a", -1), ZK_OK);
    n = zk_watch_fire(ws, &f->e, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].type, ZK_EV_DELETED);
    assert_int_equal(out[1].type, ZK_EV_DELETED);
    assert_int_equal(out[1].client, 6);
    assert_int_equal(ws->count, 1);
    zk_watch_drop_client(ws, 7);
    assert_int_equal(ws->count, 0);
    /* a session's expiry fires the watches on its ephemerals */
    uint64_t s = open_session(f, 8);
    assert_int_equal(create(f, "/e", ZK_EPHEMERAL, s, ""), ZK_OK);
    assert_true(zk_watch_add(ws, 9, ZK_W_DATA, "/e"));
    assert_int_equal(close_session(f, s), ZK_OK);
    assert_int_equal(zk_watch_fire(ws, &f->e, out), 1);
    assert_int_equal(out[0].client, 9);
    assert_int_equal(out[0].type, ZK_EV_DELETED);
    /* the bound: a full table refuses, and says so */
    for (int i = 0; i < ZK_WATCHES_MAX; i++)
        assert_true(zk_watch_add(ws, i, ZK_W_DATA, "/x"));
    assert_false(zk_watch_add(ws, 999, ZK_W_DATA, "/x"));
    free(ws);
    free(f);
}

static zk_step step(zk_recipe_kind r, const char *const *kids, uint32_t count, const char *mine,
                    uint32_t barrier_n, char *watch)
{
    char names[8][ZK_PATH_MAX];
    memset(names, 0, sizeof names);
    for (uint32_t i = 0; i < count; i++)
        strcpy(names[i], kids[i]);
    return zk_recipe_step(r, "/lock", (const char (*)[ZK_PATH_MAX])names, count, mine, barrier_n, watch);
}

static void test_recipes_decide_from_the_children(void **state)
{
    (void)state;
    /* the suffix orders the entries, not the clients' prefixes */
    const char *kids[] = {"c3-0000000005", "c4-0000000009", "c9-0000000002"};
    char watch[ZK_PATH_MAX];
    assert_int_equal(step(ZK_R_LOCK, kids, 3, "c9-0000000002", 0, watch), ZK_STEP_HOLD);
    assert_int_equal(step(ZK_R_LOCK, kids, 3, "c4-0000000009", 0, watch), ZK_STEP_WATCH);
    assert_string_equal(watch, "/lock/c3-0000000005");   /* the predecessor, not the holder */
    assert_int_equal(step(ZK_R_ELECTION, kids, 3, "c3-0000000005", 0, watch), ZK_STEP_WATCH);
    assert_string_equal(watch, "/lock/c9-0000000002");
    assert_int_equal(step(ZK_R_HERD, kids, 3, "c4-0000000009", 0, watch), ZK_STEP_WATCH_PARENT);
    assert_int_equal(step(ZK_R_HERD, kids, 3, "c9-0000000002", 0, watch), ZK_STEP_HOLD);
    assert_int_equal(step(ZK_R_LOCK, kids, 3, "c3-0000000003", 0, watch), ZK_STEP_GONE);
    assert_int_equal(step(ZK_R_BARRIER, kids, 3, "c4-0000000009", 4, watch), ZK_STEP_WATCH_PARENT);
    assert_int_equal(step(ZK_R_BARRIER, kids, 3, "c4-0000000009", 3, watch), ZK_STEP_HOLD);
    assert_int_equal(zk_recipe_parse("herd"), ZK_R_HERD);
    assert_int_equal((int)zk_recipe_parse("mutex"), -1);
    assert_string_equal(zk_recipe_name(ZK_R_BARRIER), "barrier");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_then_get_exists_and_children),
        cmocka_unit_test(test_create_errors_are_zookeepers),
        cmocka_unit_test(test_sequential_names_use_a_10_digit_parent_counter),
        cmocka_unit_test(test_delete_checks_version_and_children),
        cmocka_unit_test(test_set_bumps_the_version_conditionally),
        cmocka_unit_test(test_closing_a_session_deletes_its_ephemerals),
        cmocka_unit_test(test_bounds_fail_cleanly),
        cmocka_unit_test(test_save_load_round_trip_keeps_the_digest),
        cmocka_unit_test(test_digest_is_of_the_content_and_its_stats),
        cmocka_unit_test(test_a_write_from_an_older_connection_is_refused),
        cmocka_unit_test(test_a_copy_of_an_applied_write_is_refused),
        cmocka_unit_test(test_watches_fire_once_in_zookeepers_table),
        cmocka_unit_test(test_recipes_decide_from_the_children),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

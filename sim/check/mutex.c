/*
** mutex.c — the 'mutex' checker: mutual exclusion of lock holders, judged
** by what reached the protected resource.
**
** Input: the run's emitted protocol events, a JSON array of
** {t, node, name, fields} in the order they happened ('t' in true ns).
** It reads these names (see protocols/lock/lock.h), ignoring all others:
**   lock_request  {client, round}           a client starts waiting
**   lock_acquired {client, round, token?}   from here it believes it holds
**   lock_released {client, round, why}      from here it does not
**   storage_write {client, round, token, accepted, fencing, write?}
**   lock_wakeup   {client}                  a waiter was woken
** A session is one (client, round): believed from its 'lock_acquired' to
** its 'lock_released' (or the end of the run). A request or acquisition
** after that release starts another session of the same round; a write
** belongs to the session granted its token. A replicated resource may
** report one write from each replica: writes with the same 'write' id are
** one, judged at its first report (when it took effect).
**
** Verdicts:
** - Without fencing ("plain"): two sessions of different clients whose
**   beliefs overlap from time o, each with a write accepted at or after o,
**   are a violation: both believed they held the lock and both wrote. A
**   write that was accepted before the other session began is history, not
**   a conflict (the holder wrote, then lost the lock unawares).
** - With fencing (args.fencing, or any write that says fencing=true), the
**   storage is the arbiter: an accepted write whose token is lower than one
**   accepted before it, or equal to it from another client, is a violation.
** - Either way, an accepted write from a session that never acquired, or
**   one whose token is not the token its session was granted (a forged
**   token: the storage took a number the lock service never gave it).
** - Optional, by argument: 'liveness_ms': a request still waiting after
**   that long (counted to args.t_end, the end of the run, in ns) while its
**   client made no newer request; 'wakeups_per_acquire_max': the herd
**   effect, woken waiters per acquisition; 'fifo': acquisitions in the
**   order of their tokens (for a queue lock, whose tokens follow arrival).
** The report lists up to MUTEX_REPORT_MAX violations, earliest first, each
** naming the clients (n3), tokens, rounds and times in ms, and "explain".
** Cost: O(S^2) over S sessions for the overlap pairs; a lock run has few.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MUTEX_REPORT_MAX 10
#define MUTEX_T_NONE INT64_MAX

typedef struct msession {
    int64_t client, round;
    int64_t request_t, acquired_t, released_t;   /* MUTEX_T_NONE: never */
    int64_t token;
    bool has_token;
    int64_t write_first_t, write_last_t;         /* accepted writes */
} msession;

typedef struct mutex_run {
    msession *s;
    size_t len, cap;
    json_t *violations;          /* [{t_ns, v}] before sorting */
    int64_t writes_accepted, writes_rejected, wakeups, acquisitions;
    bool fencing_seen;
} mutex_run;

static double ms(int64_t t) { return (double)t / 1e6; }

static int64_t int_field(const json_t *o, const char *k, int64_t def)
{
    const json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : json_is_real(v) ? (int64_t)json_real_value(v) : def;
}

/* The latest session of (client, round), or a new one when there is none,
** or when 'again' and the latest has been released: a client may ask again
** in the same round after losing the lock (the ZooKeeper recipe does after
** its session expired), and that holding is judged apart from the first.
** NULL when out of memory. */
static msession *session_of(mutex_run *r, int64_t client, int64_t round, bool again)
{
    for (size_t i = r->len; i-- > 0;)
        if (r->s[i].client == client && r->s[i].round == round) {
            if (!again || r->s[i].released_t == MUTEX_T_NONE)
                return &r->s[i];
            break;
        }
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        msession *p = realloc(r->s, cap * sizeof *p);
        if (!p)
            return NULL;
        r->s = p;
        r->cap = cap;
    }
    msession *s = &r->s[r->len++];
    *s = (msession){client, round, MUTEX_T_NONE, MUTEX_T_NONE, MUTEX_T_NONE, 0, false,
                    MUTEX_T_NONE, MUTEX_T_NONE};
    return s;
}

/* The session a write of (client, round) belongs to: the one granted its
** token (a write sent in an earlier holding of the round may land late),
** else the latest. */
static msession *write_session(mutex_run *r, int64_t client, int64_t round, const json_t *token)
{
    for (size_t i = r->len; json_is_integer(token) && i-- > 0;)
        if (r->s[i].client == client && r->s[i].round == round && r->s[i].has_token &&
            r->s[i].token == json_integer_value(token))
            return &r->s[i];
    return session_of(r, client, round, false);
}

static void violation(mutex_run *r, int64_t t, json_t *v, const char *explain)
{
    json_object_set_new(v, "explain", json_string(explain));
    json_array_append_new(r->violations, json_pack("{s:I, s:o}", "t", (json_int_t)t, "v", v));
}

static json_t *client_name(int64_t client)
{
    char buf[24];
    snprintf(buf, sizeof buf, "n%lld", (long long)client);
    return json_string(buf);
}

static void token_text(const msession *s, char *buf, size_t cap)
{
    if (s->has_token)
        snprintf(buf, cap, "token %lld, ", (long long)s->token);
    else
        buf[0] = 0;
}

/* ---- reading the events ---------------------------------------------- */

static void read_write(mutex_run *r, int64_t t, const json_t *f, msession *s)
{
    if (json_is_true(json_object_get(f, "fencing")))
        r->fencing_seen = true;
    if (!json_is_true(json_object_get(f, "accepted"))) {
        r->writes_rejected++;
        return;
    }
    r->writes_accepted++;
    if (s->write_first_t == MUTEX_T_NONE)
        s->write_first_t = t;
    s->write_last_t = t;
    if (s->acquired_t == MUTEX_T_NONE || t < s->acquired_t) {
        char e[256];
        snprintf(e, sizeof e, "n%lld wrote at %.3f ms (round %lld) without having acquired the lock",
                 (long long)s->client, ms(t), (long long)s->round);
        violation(r, t, json_pack("{s:s, s:[o], s:f}", "kind", "write_without_lock", "clients",
                  client_name(s->client), "t_ms", ms(t)), e);
    }
    json_t *tok = json_object_get(f, "token");
    if (s->has_token && json_is_integer(tok) && json_integer_value(tok) != s->token) {
        char e[256];
        snprintf(e, sizeof e, "n%lld wrote at %.3f ms with token %lld, but was granted %lld: a forged "
                 "token, and the storage accepted it", (long long)s->client, ms(t),
                 (long long)json_integer_value(tok), (long long)s->token);
        violation(r, t, json_pack("{s:s, s:[o], s:[I,I], s:f}", "kind", "forged_token", "clients",
                  client_name(s->client), "tokens", (json_int_t)s->token, json_integer_value(tok),
                  "t_ms", ms(t)), e);
    }
}

/* Builds the sessions; returns false on a malformed event ('why' says). */
static bool read_events(mutex_run *r, const json_t *events, char *why, size_t cap)
{
    size_t i;
    const json_t *e;
    json_array_foreach(events, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const json_t *f = json_object_get(e, "fields");
        int64_t t = int_field(e, "t", -1);
        if (!name || t < 0) {
            snprintf(why, cap, "event %zu has no name or no time 't'", i);
            return false;
        }
        if (strcmp(name, "lock_wakeup") == 0) {
            r->wakeups++;
            continue;
        }
        bool known = strcmp(name, "lock_request") == 0 || strcmp(name, "lock_acquired") == 0 ||
                     strcmp(name, "lock_released") == 0 || strcmp(name, "storage_write") == 0;
        if (!known)
            continue;
        int64_t client = int_field(f, "client", int_field(e, "node", -1));
        int64_t round = int_field(f, "round", -1);
        if (client < 0 || round < 0) {
            snprintf(why, cap, "event %zu (%s) has no client or round", i, name);
            return false;
        }
        bool again = strcmp(name, "lock_request") == 0 || strcmp(name, "lock_acquired") == 0;
        msession *s = strcmp(name, "storage_write") == 0
                          ? write_session(r, client, round, json_object_get(f, "token"))
                          : session_of(r, client, round, again);
        if (!s) {
            snprintf(why, cap, "out of memory");
            return false;
        }
        if (strcmp(name, "lock_request") == 0) {
            s->request_t = t;
        } else if (strcmp(name, "lock_acquired") == 0) {
            s->acquired_t = t;
            r->acquisitions++;
            s->has_token = json_is_integer(json_object_get(f, "token"));
            s->token = int_field(f, "token", 0);
        } else if (strcmp(name, "lock_released") == 0) {
            s->released_t = t;
        } else {
            if (!s->has_token && json_is_integer(json_object_get(f, "token")) && s->acquired_t == MUTEX_T_NONE)
                s->token = int_field(f, "token", 0);
            read_write(r, t, f, s);
        }
    }
    return true;
}

/* The events with every write once: a replicated resource may report one
** write from each replica, with the same 'write' id; the first report is
** when it took effect, and the later ones are dropped. A new array holding
** references, or NULL when out of memory. */
static json_t *first_reports(const json_t *events)
{
    json_t *out = json_array();
    int64_t *ids = NULL;
    size_t n = 0, cap = 0, i;
    const json_t *e;
    bool oom = out == NULL;
    json_array_foreach(events, i, e) {
        if (oom)
            break;
        const json_t *f = json_object_get(e, "fields");
        const json_t *id = json_object_get(f, "write");
        const char *name = json_string_value(json_object_get(e, "name"));
        if (name && strcmp(name, "storage_write") == 0 && json_is_integer(id)) {
            bool seen = false;
            for (size_t j = 0; j < n && !seen; j++)
                seen = ids[j] == json_integer_value(id);
            if (seen)
                continue;
            if (n == cap) {
                int64_t *p = realloc(ids, (cap = cap ? 2 * cap : 64) * sizeof *p);
                if (p == NULL) {
                    oom = true;
                    break;
                }
                ids = p;
            }
            ids[n++] = json_integer_value(id);
        }
        oom = json_array_append(out, (json_t *)e) != 0;
    }
    free(ids);
    if (oom) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* ---- the rules ----------------------------------------------------------- */

static void plain_pair(mutex_run *r, const msession *a, const msession *b)
{
    int64_t o = a->acquired_t > b->acquired_t ? a->acquired_t : b->acquired_t;
    int64_t end = a->released_t < b->released_t ? a->released_t : b->released_t;
    if (o >= end || a->write_last_t == MUTEX_T_NONE || b->write_last_t == MUTEX_T_NONE)
        return;
    if (a->write_last_t < o || b->write_last_t < o)
        return;
    /* the moment both had written within the overlap */
    int64_t wa = a->write_first_t >= o ? a->write_first_t : a->write_last_t;
    int64_t wb = b->write_first_t >= o ? b->write_first_t : b->write_last_t;
    int64_t t = wa > wb ? wa : wb;
    char ta[48], tb[48], e[512];
    token_text(a, ta, sizeof ta);
    token_text(b, tb, sizeof tb);
    snprintf(e, sizeof e, "n%lld (%sacquired at %.3f ms) and n%lld (%sacquired at %.3f ms) both "
             "believed they held the lock from %.3f ms, and the storage accepted writes from both "
             "(n%lld at %.3f ms, n%lld at %.3f ms)",
             (long long)a->client, ta, ms(a->acquired_t), (long long)b->client, tb, ms(b->acquired_t),
             ms(o), (long long)a->client, ms(wa), (long long)b->client, ms(wb));
    json_t *v = json_pack("{s:s, s:[o,o], s:[I,I], s:[f,f], s:[f,f], s:f}", "kind", "overlap",
                          "clients", client_name(a->client), client_name(b->client),
                          "rounds", (json_int_t)a->round, (json_int_t)b->round,
                          "acquired_ms", ms(a->acquired_t), ms(b->acquired_t),
                          "writes_ms", ms(wa), ms(wb), "overlap_from_ms", ms(o));
    if (a->has_token && b->has_token)
        json_object_set_new(v, "tokens", json_pack("[I,I]", (json_int_t)a->token, (json_int_t)b->token));
    violation(r, t, v, e);
}

static void check_plain(mutex_run *r)
{
    for (size_t i = 0; i < r->len; i++) {
        const msession *a = &r->s[i];
        if (a->acquired_t == MUTEX_T_NONE || a->write_last_t == MUTEX_T_NONE)
            continue;
        for (size_t j = i + 1; j < r->len; j++) {
            const msession *b = &r->s[j];
            if (b->client != a->client && b->acquired_t != MUTEX_T_NONE)
                plain_pair(r, a, b);
        }
    }
}

/* Fencing: replays the accepted writes in storage order. */
static void check_fencing(mutex_run *r, const json_t *events)
{
    int64_t max = INT64_MIN, max_client = -1, max_t = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(events, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const json_t *f = json_object_get(e, "fields");
        if (!name || strcmp(name, "storage_write") != 0 || !json_is_true(json_object_get(f, "accepted")))
            continue;
        int64_t t = int_field(e, "t", 0), token = int_field(f, "token", 0);
        int64_t client = int_field(f, "client", int_field(e, "node", -1));
        if (max != INT64_MIN && (token < max || (token == max && client != max_client))) {
            const char *kind = token < max ? "stale_token_accepted" : "token_reused";
            char txt[512];
            snprintf(txt, sizeof txt, "the storage accepted n%lld's write with token %lld at %.3f ms "
                     "after accepting n%lld's token %lld at %.3f ms%s", (long long)client,
                     (long long)token, ms(t), (long long)max_client, (long long)max, ms(max_t),
                     token < max ? ": a stale holder wrote" : ": the same token went to two clients");
            violation(r, t, json_pack("{s:s, s:[o,o], s:[I,I], s:[f,f]}", "kind", kind, "clients",
                      client_name(max_client), client_name(client), "tokens", (json_int_t)max,
                      (json_int_t)token, "writes_ms", ms(max_t), ms(t)), txt);
            continue;
        }
        if (token > max || max == INT64_MIN) {
            max = token;
            max_client = client;
            max_t = t;
        }
    }
}

static void check_liveness(mutex_run *r, int64_t limit_ns, int64_t t_end, json_t *report)
{
    int64_t wait_max = 0;
    for (size_t i = 0; i < r->len; i++) {
        const msession *s = &r->s[i];
        if (s->request_t == MUTEX_T_NONE)
            continue;
        bool abandoned = false;   /* the client moved on to a newer round */
        for (size_t j = i + 1; j < r->len && !abandoned; j++)
            abandoned = r->s[j].client == s->client && r->s[j].request_t != MUTEX_T_NONE;
        int64_t until = s->acquired_t != MUTEX_T_NONE ? s->acquired_t : abandoned ? s->request_t : t_end;
        int64_t wait = until - s->request_t;
        if (wait > wait_max)
            wait_max = wait;
        if (wait <= limit_ns)
            continue;
        char e[256];
        bool got = s->acquired_t != MUTEX_T_NONE;
        snprintf(e, sizeof e, "n%lld asked for the lock at %.3f ms and %s %.3f ms later (limit %.3f ms)",
                 (long long)s->client, ms(s->request_t), got ? "got it only" : "was still waiting",
                 ms(wait), ms(limit_ns));
        violation(r, s->request_t + limit_ns, json_pack("{s:s, s:[o], s:f, s:f}", "kind",
                  got ? "slow_acquire" : "stuck", "clients", client_name(s->client),
                  "requested_ms", ms(s->request_t), "waited_ms", ms(wait)), e);
    }
    json_object_set_new(report, "wait_max_ms", json_real(ms(wait_max)));
}

/* FIFO: sessions in acquisition order must carry increasing tokens. */
static void check_fifo(mutex_run *r)
{
    const msession *prev = NULL;
    for (size_t i = 0; i < r->len; i++) {
        const msession *s = NULL;
        for (size_t j = 0; j < r->len; j++) {   /* the next acquisition after 'prev' */
            const msession *x = &r->s[j];
            if (x->acquired_t == MUTEX_T_NONE || !x->has_token)
                continue;
            bool after = !prev || x->acquired_t > prev->acquired_t ||
                         (x->acquired_t == prev->acquired_t && x > prev);
            bool sooner = !s || x->acquired_t < s->acquired_t;
            if (after && sooner)
                s = x;
        }
        if (!s)
            return;
        if (prev && s->token < prev->token) {
            char e[256];
            snprintf(e, sizeof e, "n%lld (token %lld) acquired at %.3f ms, after n%lld (token %lld) at "
                     "%.3f ms: not in arrival order", (long long)s->client, (long long)s->token,
                     ms(s->acquired_t), (long long)prev->client, (long long)prev->token, ms(prev->acquired_t));
            violation(r, s->acquired_t, json_pack("{s:s, s:[o,o], s:[I,I]}", "kind", "unfair", "clients",
                      client_name(prev->client), client_name(s->client), "tokens",
                      (json_int_t)prev->token, (json_int_t)s->token), e);
        }
        prev = s;
    }
}

static int by_time(const void *pa, const void *pb)
{
    int64_t a = int_field(*(json_t *const *)pa, "t", 0), b = int_field(*(json_t *const *)pb, "t", 0);
    return a < b ? -1 : a > b;
}

/* Sorts the violations by time (stable by input order) into the report. */
static void report_violations(mutex_run *r, json_t *report)
{
    size_t n = json_array_size(r->violations);
    json_t **v = n ? malloc(n * sizeof *v) : NULL;
    for (size_t i = 0; i < n; i++) {
        v[i] = json_array_get(r->violations, i);
        json_object_set_new(v[i], "i", json_integer((json_int_t)i));
    }
    /* qsort is not stable: break ties on the input index */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && (by_time(&v[j - 1], &v[j]) > 0 ||
             (by_time(&v[j - 1], &v[j]) == 0 && int_field(v[j - 1], "i", 0) > int_field(v[j], "i", 0))); j--) {
            json_t *x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    json_t *out = json_array();
    for (size_t i = 0; i < n && i < MUTEX_REPORT_MAX; i++)
        json_array_append(out, json_object_get(v[i], "v"));
    if (n > 0)
        json_object_set(report, "explain", json_object_get(json_object_get(v[0], "v"), "explain"));
    json_object_set_new(report, "violations", out);
    json_object_set_new(report, "violation_count", json_integer((json_int_t)n));
    free(v);
}

check_verdict check_mutex(const json_t *events, const json_t *args, json_t *report)
{
    char why[128];
    if (!json_is_array(events)) {
        json_object_set_new(report, "valid", json_string("unknown"));
        json_object_set_new(report, "error", json_string("mutex: the events are not a JSON array"));
        return CHECK_BAD_INPUT;
    }
    json_t *own = first_reports(events);
    if (own == NULL) {
        json_object_set_new(report, "valid", json_string("unknown"));
        json_object_set_new(report, "error", json_string("mutex: out of memory"));
        return CHECK_BAD_INPUT;
    }
    events = own;
    mutex_run r = {.violations = json_array()};
    if (!read_events(&r, events, why, sizeof why)) {
        json_decref(own);
        free(r.s);
        json_decref(r.violations);
        json_object_set_new(report, "valid", json_string("unknown"));
        json_object_set_new(report, "error", json_string(why));
        return CHECK_BAD_INPUT;
    }
    const json_t *fa = json_object_get(args, "fencing");
    bool fencing = json_is_boolean(fa) ? json_is_true(fa) : r.fencing_seen;
    if (fencing)
        check_fencing(&r, events);
    else
        check_plain(&r);
    const json_t *live = json_object_get(args, "liveness_ms");
    if (json_is_number(live))
        check_liveness(&r, (int64_t)(json_number_value(live) * 1e6), int_field(args, "t_end", 0), report);
    if (json_is_true(json_object_get(args, "fifo")))
        check_fifo(&r);
    const json_t *herd = json_object_get(args, "wakeups_per_acquire_max");
    double per = r.acquisitions ? (double)r.wakeups / (double)r.acquisitions : 0;
    if (json_is_number(herd) && per > json_number_value(herd)) {
        char e[256];
        snprintf(e, sizeof e, "%lld wakeups for %lld acquisitions (%.2f each, limit %.2f): waiters are "
                 "woken that cannot take the lock (the herd effect)", (long long)r.wakeups,
                 (long long)r.acquisitions, per, json_number_value(herd));
        violation(&r, INT64_MAX, json_pack("{s:s, s:I, s:I}", "kind", "herd", "wakeups",
                  (json_int_t)r.wakeups, "acquisitions", (json_int_t)r.acquisitions), e);
    }
    bool ok = json_array_size(r.violations) == 0;
    json_object_set_new(report, "valid", json_boolean(ok));
    json_object_set_new(report, "mode", json_string(fencing ? "fencing" : "plain"));
    json_object_set_new(report, "sessions", json_integer((json_int_t)r.acquisitions));
    json_object_set_new(report, "writes_accepted", json_integer(r.writes_accepted));
    json_object_set_new(report, "writes_rejected", json_integer(r.writes_rejected));
    json_object_set_new(report, "wakeups", json_integer(r.wakeups));
    if (!ok)
        report_violations(&r, report);
    free(r.s);
    json_decref(r.violations);
    json_decref(own);
    return ok ? CHECK_OK : CHECK_VIOLATION;
}

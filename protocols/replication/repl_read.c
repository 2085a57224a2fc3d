/*
** repl_read.c — reads a replica answers from its own applied state, and
** session tokens (option 'session_token': read-your-writes by position).
**
** With 'session_token' every answer carries the LSN of the state it shows:
** a write's or a logged read's entry, a local read's applied LSN. The
** client keeps the highest it was given and sends it with each later
** operation (dsim_op.token). A replica asked to read locally with a token
** above its applied LSN does not answer stale data: it holds the read
** until it has applied that LSN (a wait, not a redirect: the lagging
** follower still serves, only later), then answers with its state. At
** most REPL_WAIT_MAX reads wait; a newer one evicts the oldest unanswered
** (its client has timed out or will). A waiting read is volatile: a crash
** forgets it and the client times out.
** What the token promises: the answer reflects every entry up to the
** token's LSN, so a session sees its own writes and never reads backwards
** (read-your-writes, monotonic reads). In modes that keep acknowledged
** entries across failover (sync, chain, isr with min_insync >= 2) an LSN
** names one entry forever; in async a promotion may reuse an LSN for
** another entry, and the token then promises only the position.
*/
#include <stdlib.h>

#include "repl.h"

uint32_t repl_token(const repl_state *s, uint64_t lsn)
{
    DSIM_ASSERT(lsn <= UINT32_MAX);
    return s->opt.session_token ? (uint32_t)lsn : 0;
}

static void answer_local(dsim_node *n, const dsim_op *op)
{
    repl_state *s = repl_of(n);
    dsim_result *res = malloc(sizeof *res);
    DSIM_ASSERT(res != NULL);
    dsim_status st = dsim_kv_read(&s->kv, op, res);
    dsim_reply_token(n, op, st, res, repl_token(s, s->applied));
    free(res);
}

void repl_read_local(dsim_node *n, const dsim_op *op)
{
    repl_state *s = repl_of(n);
    if (!s->opt.session_token || op->token <= s->applied) {
        answer_local(n, op);
        return;
    }
    if (s->waiting_len == REPL_WAIT_MAX) {   /* the oldest waiter gives way */
        memmove(&s->waiting[0], &s->waiting[1], (REPL_WAIT_MAX - 1) * sizeof s->waiting[0]);
        s->waiting_len--;
    }
    s->waiting[s->waiting_len++] = *op;
}

void repl_wake_reads(dsim_node *n)
{
    repl_state *s = repl_of(n);
    uint32_t keep = 0;
    for (uint32_t i = 0; i < s->waiting_len; i++) {
        if (s->waiting[i].token <= s->applied)
            answer_local(n, &s->waiting[i]);
        else
            s->waiting[keep++] = s->waiting[i];
    }
    s->waiting_len = keep;
}

/*
** fuzz_check.c — every checker 'dsim check' can run, on one history: the
** first byte picks the checker (the linearizability models of the
** checker's own registry, causal, sequential, session, lost-update, the
** transactional checker's workloads under every consistency model, and
** the workload checks: counter, set-full, total-queue, bank, resize); the
** rest is the history in any format (auto-detected). Budgets keep a run
** short; an input must end in a verdict or a message.
*/
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "harness.h"
#include "lin.h"
#include "txn.h"

/* The checkers past the linearizability models, in a fixed order. */
enum { C_CAUSAL, C_SEQUENTIAL, C_SESSION, C_LOST, C_LOST_EVERY, C_TXN_APPEND, C_TXN_RW,
       C_COUNTER, C_SET_FULL, C_SET_FULL_LIN, C_QUEUE, C_BANK, C_RESIZE, C_COUNT_ };

static check_verdict run_other(int which, const char *text, size_t len, const check_budget *budget,
                               json_t *report, char *err, size_t cap)
{
    switch (which) {
    case C_CAUSAL: return check_causal(text, len, "fuzz", "auto", "all", report, err, cap);
    case C_SEQUENTIAL: return check_sequential(text, len, "fuzz", "auto", budget, report, err, cap);
    case C_SESSION: return check_session(text, len, "fuzz", "auto", report, err, cap);
    case C_LOST:
    case C_LOST_EVERY:
        return check_lost_update(text, len, "fuzz", "auto", which == C_LOST_EVERY, report, err, cap);
    case C_TXN_APPEND:
    case C_TXN_RW:   /* every model the txn checker knows, at once */
        return check_txn(text, len, "fuzz", "auto", which == C_TXN_APPEND ? "txn-append" : "txn-rw",
                         "read-uncommitted,read-committed,repeatable-read,snapshot-isolation,"
                         "serializable,strong-session-serializable,strict-serializable",
                         budget, report, err, cap);
    case C_COUNTER: return check_counter(text, len, "fuzz", "auto", report, err, cap);
    case C_SET_FULL:
    case C_SET_FULL_LIN:
        return check_set_full(text, len, "fuzz", "auto", which == C_SET_FULL_LIN, report, err, cap);
    case C_QUEUE: return check_total_queue(text, len, "fuzz", "auto", report, err, cap);
    case C_BANK: return check_bank(text, len, "fuzz", "auto", -1, false, report, err, cap);
    case C_RESIZE: return check_resize(text, len, "fuzz", "auto", report, err, cap);
    }
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const lin_model *const *lin = lin_models();
    size_t nlin = 0;
    while (lin[nlin])
        nlin++;
    size_t pick = data[0] % (nlin + C_COUNT_);
    char *text = harness_text(data + 1, size - 1);
    json_t *report = json_object();
    char err[512];
    check_budget budget = {.states_max = 20000};
    if (pick < nlin)
        check_linearizable(text, size - 1, "fuzz", "auto", lin[pick]->name, &budget, report, err,
                           sizeof err);
    else
        run_other((int)(pick - nlin), text, size - 1, &budget, report, err, sizeof err);
    json_decref(report);
    free(text);
    return 0;
}

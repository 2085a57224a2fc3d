/*
** fuzz_check.c — every model of 'dsim check' on one history: the first
** byte picks the model (the linearizability models, causal, sequential,
** session),
** the rest is the history in any format (auto-detected). Budgets keep a
** run short; an input must end in a verdict or a message.
*/
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "harness.h"

static const char *const models[] = {"register", "cas-register", "kv", "counter", "set",
                                     "queue", "mutex", "causal", "sequential", "session"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *model = models[data[0] % (sizeof models / sizeof models[0])];
    char *text = harness_text(data + 1, size - 1);
    json_t *report = json_object();
    char err[512];
    check_budget budget = {.states_max = 20000};
    if (strcmp(model, "causal") == 0)
        check_causal(text, size - 1, "fuzz", "auto", "all", report, err, sizeof err);
    else if (strcmp(model, "session") == 0)
        check_session(text, size - 1, "fuzz", "auto", report, err, sizeof err);
    else if (strcmp(model, "sequential") == 0)
        check_sequential(text, size - 1, "fuzz", "auto", &budget, report, err, sizeof err);
    else
        check_linearizable(text, size - 1, "fuzz", "auto", model, &budget, report, err, sizeof err);
    json_decref(report);
    free(text);
    return 0;
}

/*
** fuzz_hist.c — the history readers: JSON lines (fast path and general),
** Jepsen EDN, Porcupine's etcd and KV logs; built once per format
** (FUZZ_FORMAT), then pairing. Bad input must come back as a message,
** never a crash, a hang or a leak.
*/
#include <stdlib.h>

#include "harness.h"
#include "hist.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT HIST_FMT_JSON
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = harness_text(data, size);
    char err[512];
    hist *h = hist_read(text, size, "fuzz", FUZZ_FORMAT, err, sizeof err);
    if (h) {
        hist_op *ops = NULL;
        size_t n = 0;
        if (hist_pair(h, &ops, &n, err, sizeof err) == 0)
            free(ops);
        hist_free(h);
    }
    free(text);
    return 0;
}

/*
** fuzz_schedule.c — 'dsim replay' of a schedule file: the input is the
** record (seed, params, schedule) that 'dsim shrink' writes; it is replayed
** against tests/fuzz/schedule.lua (a record's own scenario path is not
** followed: a fuzzer must not run arbitrary files). A bad schedule must be
** refused with a message, a good one must run to a verdict.
*/
#include <stdlib.h>

#include <jansson.h>

#include "harness.h"
#include "script.h"

#ifndef FUZZ_SOURCE_DIR
#define FUZZ_SOURCE_DIR "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *rec = json_loadb((const char *)data, size, 0, NULL);
    json_t *schedule = json_object_get(rec, "schedule");
    json_t *params = json_object_get(rec, "params");
    if (!json_is_object(schedule) || (params && !json_is_object(params))) {
        json_decref(rec);
        return 0;
    }
    json_t *no_params = json_object();
    script_config cfg = {.path = FUZZ_SOURCE_DIR "/tests/fuzz/schedule.lua",
                         .seed = (uint64_t)json_integer_value(json_object_get(rec, "seed")),
                         .params = params ? params : no_params, .out = harness_null(),
                         .schedule = schedule};
    script_result r;
    script_run(&cfg, &r);
    script_result_free(&r);
    json_decref(no_params);
    json_decref(rec);
    return 0;
}

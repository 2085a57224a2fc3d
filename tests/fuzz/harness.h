/*
** harness.h — what every harness in tests/fuzz/ shares. Each harness is one
** LLVMFuzzerTestOneInput over one reader of untrusted input; built with
** clang -fsanitize=fuzzer it is a libFuzzer target (tools/dsim fuzz),
** built with the suite's compiler and standalone.c it replays a corpus
** (the seeds and every input that once failed) in the ordinary test run.
**
** A harness must never write outside its temporary file, never print (a
** reader's messages go to buffers), and must free everything: libFuzzer
** reports leaks.
*/
#ifndef DSIM_HARNESS_H
#define DSIM_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A NUL-terminated copy of the input (readers take text), malloc'ed. */
char *harness_text(const uint8_t *data, size_t size);
/* Writes the input to this process's scratch file; returns its path. */
const char *harness_file(const uint8_t *data, size_t size, const char *suffix);
/* A FILE that discards what is written (opened once). */
FILE *harness_null(void);

#endif

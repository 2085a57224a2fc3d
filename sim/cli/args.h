/*
** args.h — small helpers shared by the command files: number parsing with
** clear errors, -D key=value collection.
*/
#ifndef DSIM_ARGS_H
#define DSIM_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

/* Parses a whole unsigned 64-bit number (decimal or 0x hex). */
bool args_u64(const char *s, uint64_t *out);
/* Adds "key=value" to 'params'; false (with a message on stderr) if bad. */
bool args_define(json_t *params, const char *kv);
/* Prints "dsim CMD: MESSAGE" and a pointer to --help; returns exit 2. */
int args_usage_error(const char *cmd, const char *fmt, ...);

#endif

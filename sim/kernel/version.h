/*
** version.h — which dsim this is: the release, and a build id that tells
** two binaries apart when they may run differently.
**
** The build id is "COMMIT.FLAGS": the git commit of the sources (with
** "-dirty-H" when the tree had uncommitted changes, H a checksum of them;
** "unknown" when built outside a git checkout) and a checksum of the
** compiler and the flags that can change behaviour (tools/version_c.sh
** writes the data at build time). Two runs of one seed are promised the
** same fingerprint only by the same build, so every summary, trace header,
** fuzz result and schedule file carries it, and replay and report warn when
** a file was recorded by another build.
*/
#ifndef DSIM_VERSION_H
#define DSIM_VERSION_H

#include <jansson.h>

const char *version_release(void);  /* "0.1.0": the meson project version */
const char *version_commit(void);   /* "94ad02a1b2c3", "...-dirty-1a2b3c4d" or "unknown" */
const char *version_build(void);    /* "COMMIT.FLAGS", the id files record */
const char *version_flags(void);    /* the text FLAGS is a checksum of */

/* Adds "version" and "build" to object 'o'; returns 'o'. */
json_t *version_stamp(json_t *o);

#endif

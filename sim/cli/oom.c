/*
** oom.c — the dsim command's answer to running out of memory: a clear
** message and exit status 3 (internal error), wherever it happens.
**
** The libraries under sim/ report a failed allocation where they can (a
** checker's error, an unknown verdict, a Lua "out of memory" error); many
** places cannot do anything useful with it (a trace line, a report field),
** and a half-built answer printed with exit 0 would be a lie. So the
** command links its own code with '-Wl,--wrap=' for malloc, calloc,
** realloc and the libc calls that allocate inside (fopen, fopen64, strdup, strndup,
** open_memstream, getline; meson.build) and hands jansson the same
** allocator: any failed allocation of a nonzero size ends the run at once with
** "dsim: out of memory" on stderr and status 3. Lua's allocations go
** through sim/lua/script_alloc.c, which enforces the scenario's own
** 'limits.memory' before asking for memory, so a script over its limit
** still gets its catchable Lua error; only the host refusing memory ends
** here. A file the run opened for writing ("w") is removed on the way out,
** so no half-written trace, history, page or result file is left looking
** like a finished one (only by the process that opened it: a fuzz worker
** never removes its parent's). tests/oom_cli.sh fails every allocation of
** a few runs in turn.
*/
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *p, size_t n);
FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);
FILE *__real_fopen64(const char *path, const char *mode);
FILE *__wrap_fopen64(const char *path, const char *mode);
char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
char *__wrap_strndup(const char *s, size_t n);
FILE *__real_open_memstream(char **buf, size_t *len);
FILE *__wrap_open_memstream(char **buf, size_t *len);
ssize_t __real_getline(char **line, size_t *cap, FILE *f);
ssize_t __wrap_getline(char **line, size_t *cap, FILE *f);

/* The files this process opened for writing: removed if memory runs out.
** Fixed storage: nothing may be allocated on the way out. */
enum { WRITTEN_MAX = 16 };
static struct {
    pid_t pid;
    char path[PATH_MAX];
} written[WRITTEN_MAX];
static int written_len;

static void note_written(const char *path, const char *mode)
{
    if (mode[0] != 'w' || strcmp(path, "/dev/null") == 0 || strlen(path) >= PATH_MAX)
        return;
    for (int i = 0; i < written_len; i++)
        if (strcmp(written[i].path, path) == 0)
            return;
    if (written_len == WRITTEN_MAX)
        return;
    written[written_len].pid = getpid();
    memcpy(written[written_len].path, path, strlen(path) + 1);
    written_len++;
}

/* Writes without allocating (stdio may need a buffer) and ends at once:
** atexit handlers and buffered output could allocate again. */
static _Noreturn void out_of_memory(void)
{
    static const char msg[] = "dsim: out of memory\n";
    fflush(stdout);   /* best effort: what was printed so far stays whole */
    for (int i = 0; i < written_len; i++)
        if (written[i].pid == getpid())
            unlink(written[i].path);
    ssize_t rc = write(2, msg, sizeof msg - 1);
    (void)rc;
    _exit(EXIT_INTERNAL);
}

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    if (!p && n)
        out_of_memory();
    return p;
}

void *__wrap_calloc(size_t count, size_t size)
{
    void *p = __real_calloc(count, size);
    if (!p && count && size)
        out_of_memory();
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    void *q = __real_realloc(p, n);
    if (!q && n)
        out_of_memory();
    return q;
}

/* libc allocates inside these; their failure is not a missing file */
FILE *__wrap_fopen(const char *path, const char *mode)
{
    FILE *f = __real_fopen(path, mode);
    if (!f && errno == ENOMEM)
        out_of_memory();
    if (f)
        note_written(path, mode);
    return f;
}

/* what 'fopen' becomes where large files are on (_FILE_OFFSET_BITS=64) */
FILE *__wrap_fopen64(const char *path, const char *mode)
{
    FILE *f = __real_fopen64(path, mode);
    if (!f && errno == ENOMEM)
        out_of_memory();
    if (f)
        note_written(path, mode);
    return f;
}

FILE *__wrap_open_memstream(char **buf, size_t *len)
{
    FILE *f = __real_open_memstream(buf, len);
    if (!f)
        out_of_memory();
    return f;
}

char *__wrap_strdup(const char *s)
{
    char *d = __real_strdup(s);
    if (!d)
        out_of_memory();
    return d;
}

char *__wrap_strndup(const char *s, size_t n)
{
    char *d = __real_strndup(s, n);
    if (!d)
        out_of_memory();
    return d;
}

/* -1 is also the end of the file: only ENOMEM set by this very call counts */
ssize_t __wrap_getline(char **line, size_t *cap, FILE *f)
{
    errno = 0;
    ssize_t r = __real_getline(line, cap, f);
    if (r < 0 && errno == ENOMEM)
        out_of_memory();
    return r;
}

static void *json_alloc(size_t n)
{
    return __wrap_malloc(n);
}

void oom_install(void)
{
    json_set_alloc_funcs(json_alloc, free);
}

/*
** script_match.h — the pattern matcher of script_match.c, shared with the
** string library functions of script_strlib.c (internal to sim/lua).
** Every step of a search is charged to the scenario's instruction budget.
*/
#ifndef DSIM_SCRIPT_MATCH_H
#define DSIM_SCRIPT_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#define MATCH_CAPTURES_MAX 32   /* LUA_MAXCAPTURES */
#define MATCH_DEPTH_MAX 200     /* MAXCCALLS in lstrlib.c */
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define ESC '%'
#define SPECIALS "^$*+?.([%-"
#define STEPS_FLUSH 4096        /* steps are charged to the budget in batches */

typedef struct match_state {
    const char *src_init, *src_end, *p_end;
    lua_State *L;
    int depth_left;
    int level;                  /* captures open or closed */
    uint64_t steps;             /* not yet charged */
    struct {
        const char *init;
        ptrdiff_t len;
    } capture[MATCH_CAPTURES_MAX];
} match_state;

/* Sets up 'ms' for subject s[0..ls) and pattern p[0..lp); then, before
** each attempt, smatch_reprep. */
void smatch_prep(match_state *ms, lua_State *L, const char *s, size_t ls, const char *p, size_t lp);
void smatch_reprep(match_state *ms);
/* The end of the match of pattern 'p' at subject position 's', or NULL. */
const char *smatch_run(match_state *ms, const char *s, const char *p);
/* Charges 'n' steps (in batches); smatch_flush charges what is left. */
void smatch_step(match_state *ms, uint64_t n);
void smatch_flush(match_state *ms);
/* Capture 'i' (or the whole match s..e when there are none): its start in
** '*cap' and its length, or CAP_POSITION with the position pushed. */
ptrdiff_t smatch_get_capture(match_state *ms, int i, const char *s, const char *e, const char **cap);
void smatch_push_capture(match_state *ms, int i, const char *s, const char *e);
/* Pushes every capture (the whole match when there are none); their count. */
int smatch_push_captures(match_state *ms, const char *s, const char *e);

#endif

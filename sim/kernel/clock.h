/*
** clock.h — a node's clocks, as functions of true virtual time.
**
** The monotonic clock runs at rate (1 + drift_ppm / 10^6) and never steps;
** changing its drift re-anchors it so it stays continuous. The wall clock has
** its own drift, an offset, and steps forward or backward. All arithmetic is
** integer (128-bit intermediates), so clocks agree across compilers.
*/
#ifndef DSIM_CLOCK_H
#define DSIM_CLOCK_H

#include <stdint.h>

#define CLOCK_DRIFT_PPM_MAX 500000   /* |drift| bound: half or 1.5 times speed */

typedef struct nclock {
    int64_t mono_anchor_true, mono_anchor;   /* mono(t) from this anchor */
    int64_t mono_drift_ppm;
    int64_t wall_anchor_true, wall_anchor;   /* wall(t) from this anchor */
    int64_t wall_drift_ppm;
} nclock;

void clock_init(nclock *c);                  /* mono = wall = true time */
int64_t clock_mono(const nclock *c, int64_t now);
int64_t clock_wall(const nclock *c, int64_t now);
/* True-time delay after which 'mono' has advanced by 'mono_delay' (>= 0),
** rounded up so a timer never fires early on its own clock. */
int64_t clock_true_delay(const nclock *c, int64_t mono_delay);
void clock_set_mono_drift(nclock *c, int64_t now, int64_t ppm);
void clock_set_wall_drift(nclock *c, int64_t now, int64_t ppm);
void clock_step_wall(nclock *c, int64_t now, int64_t delta_ns);   /* may be < 0 */
/* Sets wall(now) = true(now) + offset. */
void clock_set_wall_offset(nclock *c, int64_t now, int64_t offset_ns);

#endif

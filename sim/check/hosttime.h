/*
** hosttime.h — the one door to the host's clock.
**
** Simulation never reads host time; benchmarks, wall-time figures in
** summaries and checker budgets in seconds do, and only through here.
** A CI grep forbids 'time(', 'clock_gettime(' and 'rand(' in every other
** source file.
*/
#ifndef DSIM_HOSTTIME_H
#define DSIM_HOSTTIME_H

/* Seconds on the host's monotonic clock since an arbitrary origin. */
double host_seconds(void);
/* CPU seconds this process used (all threads): on a loaded machine a
** figure the other processes disturb less than wall time. */
double host_cpu_seconds(void);
/* Peak resident set size of this process in KiB (0 when unknown). */
long host_peak_rss_kb(void);

#endif

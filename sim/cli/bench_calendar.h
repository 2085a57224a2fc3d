/*
** bench_calendar.h — a bare calendar queue with FIFO ties (Brown 1988), the
** reference loop of 'dsim bench kernel'. Not part of the kernel.
*/
#ifndef DSIM_BENCH_CALENDAR_H
#define DSIM_BENCH_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#include "queue.h"

typedef struct calendar calendar;

/* A calendar for at most 'cap' pending events; NULL out of memory. */
calendar *calendar_new(uint32_t cap);
void calendar_free(calendar *c);
/* 0, or -1 when full or out of memory. */
int calendar_push(calendar *c, int64_t t, const queue_item *it);
/* The earliest event (ties in push order); false when empty. */
bool calendar_pop(calendar *c, int64_t *t, queue_item *out);
uint32_t calendar_len(const calendar *c);

#endif

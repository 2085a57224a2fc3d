/*
** partition.h — partition shapes: groups, isolate, one-way cut, bridge,
** majorities ring, heal. See partition.c for the rules.
*/
#ifndef DSIM_PARTITION_H
#define DSIM_PARTITION_H

#include "dsim.h"

void partition_groups(dsim_world *w, const int *group_of);
void partition_isolate(dsim_world *w, int node);
void partition_cut(dsim_world *w, int from, int to);
void partition_bridge(dsim_world *w, int bridge);
void partition_ring(dsim_world *w);
void partition_heal(dsim_world *w);

#endif

/*
** registry.c — the protocol registry: every protocol the dsim command
** knows, in the order 'dsim list' prints them. Adding a protocol is one
** 'extern' line and one table entry here, and a subdir in meson.build.
*/
#include <string.h>

#include "dsim.h"

extern const dsim_protocol single_protocol;
extern const dsim_protocol raft_protocol;
extern const dsim_protocol lock_protocol;
extern const dsim_protocol paxos_protocol;
extern const dsim_protocol replication_protocol;
extern const dsim_protocol dynamo_protocol;
extern const dsim_protocol zab_protocol;
extern const dsim_protocol generals_protocol;

const dsim_protocol *const dsim_protocols[] = {
    &single_protocol,
    &raft_protocol,
    &lock_protocol,
    &paxos_protocol,
    &replication_protocol,
    &dynamo_protocol,
    &zab_protocol,
    &generals_protocol,
    NULL,
};

const dsim_protocol *dsim_protocol_find(const char *name)
{
    for (int i = 0; dsim_protocols[i]; i++)
        if (strcmp(dsim_protocols[i]->name, name) == 0)
            return dsim_protocols[i];
    return NULL;
}

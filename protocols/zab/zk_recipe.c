/*
** zk_recipe.c — the decisions of the client recipes, from the children of
** the recipe's parent node (ZooKeeper's "Recipes and Solutions"):
**   lock      each client creates an ephemeral sequential entry; the lowest
**             holds the lock; any other sets an exists-watch on the entry
**             just below its own (its predecessor), so one release wakes
**             one waiter;
**   herd      the same, but every waiter watches the parent's children:
**             every release wakes every waiter (the herd effect);
**   election  the lock's shape: the lowest entry leads, the others watch
**             their predecessor and take over when it goes;
**   barrier   every client creates an entry; all enter once 'barrier_n'
**             entries exist, waiting on a children-watch of the parent.
** An entry is named "<client's prefix><10-digit suffix>": the prefix lets
** a client find its own entry after a create whose answer was lost
** (ZooKeeper's protected create), the suffix orders the entries, whatever
** the prefixes. The functions read only their arguments.
*/
#include <string.h>

#include "dsim.h"
#include "zk.h"

const char *const zk_recipe_names[] = {"none", "lock", "herd", "election", "barrier", "kv", NULL};

zk_recipe_kind zk_recipe_parse(const char *name)
{
    for (int i = 0; zk_recipe_names[i]; i++)
        if (strcmp(zk_recipe_names[i], name) == 0)
            return (zk_recipe_kind)i;
    return (zk_recipe_kind)-1;
}

const char *zk_recipe_name(zk_recipe_kind r)
{
    DSIM_ASSERT(r >= ZK_R_NONE && r <= ZK_R_KV);
    return zk_recipe_names[r];
}

static const char *suffix(const char *name)
{
    size_t len = strlen(name);
    return len >= ZK_SEQ_DIGITS ? name + len - ZK_SEQ_DIGITS : name;
}

zk_step zk_recipe_step(zk_recipe_kind r, const char *parent, const char (*names)[ZK_PATH_MAX],
                       uint32_t count, const char *mine, uint32_t barrier_n,
                       char watch[ZK_PATH_MAX])
{
    DSIM_ASSERT(r != ZK_R_NONE && r != ZK_R_KV);
    int me = -1;
    for (uint32_t i = 0; i < count; i++)
        if (strcmp(names[i], mine) == 0)
            me = (int)i;
    if (me < 0)
        return ZK_STEP_GONE;
    if (r == ZK_R_BARRIER)
        return count >= barrier_n ? ZK_STEP_HOLD : ZK_STEP_WATCH_PARENT;
    /* the predecessor: the highest suffix below mine */
    const char *my = suffix(mine);
    int pred = -1;
    for (uint32_t i = 0; i < count; i++) {
        const char *s = suffix(names[i]);
        if (strcmp(s, my) < 0 && (pred < 0 || strcmp(s, suffix(names[pred])) > 0))
            pred = (int)i;
    }
    if (pred < 0)
        return ZK_STEP_HOLD;
    if (r == ZK_R_HERD)
        return ZK_STEP_WATCH_PARENT;
    size_t plen = strlen(parent), nlen = strlen(names[pred]);
    DSIM_ASSERT(plen + 1 + nlen < ZK_PATH_MAX);
    memset(watch, 0, ZK_PATH_MAX);
    memcpy(watch, parent, plen);
    watch[plen] = '/';
    memcpy(watch + plen + 1, names[pred], nlen);
    return ZK_STEP_WATCH;
}

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
** Entries share one prefix and a 10-digit suffix, so byte order is
** creation order. The functions read only their arguments.
*/
#include <string.h>

#include "dsim.h"
#include "zk.h"

static const char *const recipe_names[] = {"none", "lock", "herd", "election", "barrier", NULL};

zk_recipe_kind zk_recipe_parse(const char *name)
{
    for (int i = 0; recipe_names[i]; i++)
        if (strcmp(recipe_names[i], name) == 0)
            return (zk_recipe_kind)i;
    return (zk_recipe_kind)-1;
}

const char *zk_recipe_name(zk_recipe_kind r)
{
    DSIM_ASSERT(r >= ZK_R_NONE && r <= ZK_R_BARRIER);
    return recipe_names[r];
}

zk_step zk_recipe_step(zk_recipe_kind r, const char *parent, const char (*names)[ZK_PATH_MAX],
                       uint32_t count, const char *mine, uint32_t barrier_n,
                       char watch[ZK_PATH_MAX])
{
    DSIM_ASSERT(r != ZK_R_NONE);
    int me = -1;
    for (uint32_t i = 0; i < count; i++) {
        DSIM_ASSERT(i == 0 || strcmp(names[i - 1], names[i]) < 0);
        if (strcmp(names[i], mine) == 0)
            me = (int)i;
    }
    if (me < 0)
        return ZK_STEP_GONE;
    if (r == ZK_R_BARRIER)
        return count >= barrier_n ? ZK_STEP_HOLD : ZK_STEP_WATCH_PARENT;
    if (me == 0)
        return ZK_STEP_HOLD;
    if (r == ZK_R_HERD)
        return ZK_STEP_WATCH_PARENT;
    size_t plen = strlen(parent), nlen = strlen(names[me - 1]);
    DSIM_ASSERT(plen + 1 + nlen < ZK_PATH_MAX);
    memset(watch, 0, ZK_PATH_MAX);
    memcpy(watch, parent, plen);
    watch[plen] = '/';
    memcpy(watch + plen + 1, names[me - 1], nlen);
    return ZK_STEP_WATCH;
}

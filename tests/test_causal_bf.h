/*
** test_causal_bf.h — a brute-force decision procedure for CC, CM and CCv,
** written from the definitions of Bouajjani, Enea, Guerraoui and Hamza
** (POPL 2017), for tiny histories (at most BF_OPS_MAX operations, at most
** BF_KEYS_MAX keys). It shares no code with the checker in sim/check.
*/
#ifndef TEST_CAUSAL_BF_H
#define TEST_CAUSAL_BF_H

#include <stdbool.h>
#include <stdint.h>

enum { BF_OPS_MAX = 8, BF_KEYS_MAX = 3 };

typedef struct bf_hist {
    int n;
    int session[BF_OPS_MAX], pos[BF_OPS_MAX];
    bool is_write[BF_OPS_MAX];
    int key[BF_OPS_MAX];
    int value[BF_OPS_MAX];        /* 0: the initial value */
} bf_hist;

typedef struct bf_verdict { bool cc, cm, ccv; } bf_verdict;

/* Decides the three criteria. 'exhaustive': quantify over every strict
** partial order containing po (n <= 5 only); otherwise over the single
** causal order (po U rf)+ (see test_causal_bf.c for why that suffices). */
bf_verdict bf_decide(const bf_hist *h, bool exhaustive);

/* Sequential consistency by enumerating interleavings. */
bool bf_sequential(const bf_hist *h);

#endif

#!/usr/bin/env bash
# lint_determinism.sh — no source file but sim/check/hosttime.c may read the host
# clock or the C library's random generator: rand(, srand(, random(,
# time(, clock_gettime(, gettimeofday(, clock(. Simulation time comes from
# the world, randomness from its named streams.
set -u
src=${DSIM_SOURCE:?DSIM_SOURCE is not set}
cd "$src" || exit 1
hits=$(grep -rnE '(^|[^a-zA-Z0-9_.>])(s?rand|random|time|clock_gettime|gettimeofday|clock)\(' \
        --include='*.c' --include='*.h' sim protocols faults 2>/dev/null |
       grep -v '^sim/check/hosttime\.c:' | grep -vE ':[0-9]+:\s*(/?\*|//)')
if [ -n "$hits" ]; then
    echo "forbidden host time or randomness outside sim/check/hosttime.c:"
    echo "$hits"
    exit 1
fi
echo "lint_determinism: ok"

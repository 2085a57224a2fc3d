/*
** fuzz_common.c — see fuzz_common.h.
*/
#include "fuzz_common.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "dsim.h"
#include "script.h"
#include "version.h"

static void first_violation(const json_t *verdicts, fuzz_outcome *o)
{
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)verdicts, name, v) {
        if (!json_is_false(json_object_get(v, "valid")))
            continue;
        snprintf(o->violation, sizeof o->violation, "%s", name);
        static const char *const fields[] = {"violation", "explanation", "message", "reason", "error", NULL};
        for (int i = 0; fields[i]; i++) {
            const char *s = json_string_value(json_object_get(v, fields[i]));
            if (s) {
                snprintf(o->detail, sizeof o->detail, "%s", s);
                break;
            }
        }
        snprintf(o->kind, sizeof o->kind, "%s", name);
        const char *colon = strchr(o->detail, ':');
        size_t len = colon ? (size_t)(colon - o->detail) : 0;
        bool named = len > 0 && len < 48 && strcspn(o->detail, "0123456789") > len;
        if (named)
            snprintf(o->kind, sizeof o->kind, "%s: %.*s", name, (int)len, o->detail);
        return;
    }
}

void fuzz_run(const char *scenario, uint64_t seed, const json_t *params, const json_t *schedule,
              fuzz_outcome *out)
{
    memset(out, 0, sizeof *out);
    FILE *devnull = fopen("/dev/null", "w");
    script_config cfg = {.path = scenario, .seed = seed, .params = (json_t *)params,
                         .out = devnull ? devnull : stderr, .schedule = schedule};
    script_result r;
    script_run(&cfg, &r);
    if (devnull)
        fclose(devnull);
    if (r.summary) {
        out->summary = json_incref(r.summary);
        snprintf(out->fingerprint, sizeof out->fingerprint, "%s",
                 json_string_value(json_object_get(r.summary, "fingerprint")));
    }
    if (r.error || !r.summary) {
        out->status = FUZZ_ERROR;
        snprintf(out->detail, sizeof out->detail, "%s",
                 r.error ? r.message : "the scenario made no cluster");
    } else if (!r.checked) {   /* a run that judged nothing cannot pass */
        out->status = FUZZ_ERROR;
        snprintf(out->detail, sizeof out->detail, "%s never calls c:check: nothing was judged",
                 scenario);
    } else if (r.violation) {
        out->status = FUZZ_FAIL;
        first_violation(r.verdicts, out);
    }
    script_result_free(&r);
}

void fuzz_outcome_free(fuzz_outcome *o)
{
    json_decref(o->summary);
    memset(o, 0, sizeof *o);
}

int fuzz_faults(const json_t *summary)
{
    return (int)json_array_size(json_object_get(json_object_get(summary, "schedule"), "faults"));
}

static const char *const status_names[] = {"pass", "fail", "error"};

json_t *fuzz_result_line(const char *scenario, uint64_t seed, const json_t *params, const fuzz_outcome *o)
{
    json_t *line = json_pack("{s:I, s:s}", "seed", (json_int_t)seed, "status", status_names[o->status]);
    version_stamp(line);
    json_t *verdicts = json_object_get(o->summary, "verdicts");
    json_object_set_new(line, "verdicts", verdicts ? json_incref(verdicts) : json_object());
    json_object_set_new(line, "fingerprint", json_string(o->fingerprint));
    json_object_set_new(line, "faults", json_integer(fuzz_faults(o->summary)));
    json_object_set_new(line, "violation", o->violation[0] ? json_string(o->violation) : json_null());
    if (o->kind[0])
        json_object_set_new(line, "kind", json_string(o->kind));
    if (o->status == FUZZ_PASS)
        return line;
    char *cmd = fuzz_command(scenario, seed, params);
    json_object_set_new(line, "detail", json_string(o->detail));
    json_object_set_new(line, "scenario", json_string(scenario));
    json_object_set_new(line, "params", json_deep_copy(params));
    json_object_set_new(line, "command", json_string(cmd));
    free(cmd);
    json_t *summary = o->summary;
    if (summary) {
        json_object_set(line, "protocol", json_object_get(summary, "protocol"));
        json_object_set(line, "nodes", json_object_get(summary, "nodes"));
        json_t *s = json_object_get(summary, "schedule");
        if (s)
            json_object_set(line, "schedule", s);
    }
    return line;
}

typedef struct strbuf {
    char *b;
    size_t len, cap;
} strbuf;

static void raw(strbuf *sb, const char *s)
{
    size_t n = strlen(s);
    if (sb->len + n + 1 > sb->cap) {
        sb->cap = (sb->len + n + 1) * 2;
        sb->b = realloc(sb->b, sb->cap);
        DSIM_ASSERT(sb->b != NULL);
    }
    memcpy(sb->b + sb->len, s, n + 1);
    sb->len += n;
}

/* Appends 's', single-quoted when it holds anything a shell reads. */
static void quoted(strbuf *sb, const char *s)
{
    bool plain = *s != 0;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=,:+@%", *p))
            plain = false;
    if (plain) {
        raw(sb, s);
        return;
    }
    raw(sb, "'");
    for (const char *p = s; *p; p++) {
        char c[2] = {*p, 0};
        raw(sb, *p == '\'' ? "'\\''" : c);
    }
    raw(sb, "'");
}

char *fuzz_quote(const char *s)
{
    strbuf sb = {0};
    quoted(&sb, s);
    return sb.b;
}

char *fuzz_command(const char *scenario, uint64_t seed, const json_t *params)
{
    strbuf sb = {0};
    char num[32];
    snprintf(num, sizeof num, "%" PRIu64, seed);
    raw(&sb, "dsim run ");
    quoted(&sb, scenario);
    raw(&sb, " --seed ");
    raw(&sb, num);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)params, k, v) {
        char kv[512];
        snprintf(kv, sizeof kv, "%s=%s", k, json_is_string(v) ? json_string_value(v) : "");
        raw(&sb, " -D ");
        quoted(&sb, kv);
    }
    return sb.b;
}

bool fuzz_parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
    if (!s)
        return false;
    const char *dots = strstr(s, "..");
    char a[64];
    if (!dots)
        return args_u64(s, lo) && (*hi = *lo, true);
    size_t n = (size_t)(dots - s);
    if (n == 0 || n >= sizeof a)
        return false;
    memcpy(a, s, n);
    a[n] = 0;
    return args_u64(a, lo) && args_u64(dots + 2, hi) && *lo <= *hi;
}

bool fuzz_parse_shard(const char *s, uint64_t *i, uint64_t *n)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    char a[64];
    if (!slash || slash == s || (size_t)(slash - s) >= sizeof a)
        return false;
    memcpy(a, s, (size_t)(slash - s));
    a[slash - s] = 0;
    return args_u64(a, i) && args_u64(slash + 1, n) && *i >= 1 && *i <= *n;
}

bool fuzz_build_differs(const char *cmd, const char *file, const json_t *rec)
{
    const char *build = json_string_value(json_object_get(rec, "build"));
    if (!build || strcmp(build, version_build()) == 0)
        return false;
    const char *release = json_string_value(json_object_get(rec, "version"));
    fprintf(stderr, "dsim %s: warning: %s was recorded by dsim %s, build %s; this is dsim %s, build %s: "
            "the same seed may run differently\n", cmd, file, release ? release : "?", build,
            version_release(), version_build());
    return true;
}

bool fuzz_write_json(const char *path, const json_t *v)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = json_dumpf(v, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0;
    ok = fputc('\n', f) != EOF && ok;
    return fclose(f) == 0 && ok;
}

json_t *fuzz_results_header(const char *scenario, const json_t *params, uint64_t lo, uint64_t hi,
                            uint64_t shard_i, uint64_t shard_n, const char *build)
{
    char shard[48];
    snprintf(shard, sizeof shard, "%" PRIu64 "/%" PRIu64, shard_i, shard_n);
    return json_pack("{s:i, s:s, s:O, s:[I,I], s:s, s:s, s:s}", "dsim_results", 1, "scenario",
                     scenario, "params", params, "range", (json_int_t)lo, (json_int_t)hi, "shard",
                     shard, "version", version_release(), "build", build);
}

bool fuzz_is_header(const json_t *line)
{
    return json_is_integer(json_object_get(line, "dsim_results"));
}

/*
** cmd_view.c — 'dsim view TRACE -o PAGE.html | DRAWING.svg': draws a run
** from its trace (dsim run --trace). The HTML page is interactive and
** self-contained; the SVG is a static drawing of a time window
** (--from-ms/--to-ms) for slides. The output's extension picks the format
** unless --format says. Exit status: 0 written, 2 bad input or usage.
*/
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "check_html.h"
#include "cmd.h"
#include "view.h"

static const char help[] =
    "usage: dsim view TRACE -o OUTPUT [options]\n"
    "  -o FILE         PAGE.html (interactive, self-contained) or DRAWING.svg (static);\n"
    "                  '-' writes to standard output (then --format is needed)\n"
    "  --format F      html or svg (default: from the output's extension)\n"
    "  --from-ms MS    start of the time window (default 0; HTML: the first view)\n"
    "  --to-ms MS      end of the time window (default: the end of the run)\n"
    "  --width PX      SVG: width of the time axis in pixels (default 1200)\n"
    "make a trace with: dsim run SCENARIO --trace run.jsonl (or dsim run ... --html run.html)\n"
    "A history (dsim JSON lines, Jepsen EDN, ...) instead of a trace is drawn as a\n"
    "timeline per process (HTML only; dsim check --html adds the checker's verdict).\n";

typedef struct view_args {
    const char *trace, *out, *format;
    view_svg_opts svg;
} view_args;

static bool parse_ms(const char *s, int64_t *ns)
{
    if (!s || !*s)
        return false;
    char *end;
    double ms = strtod(s, &end);
    if (*end || !(ms >= 0 && ms <= 9e12))   /* NaN fails both comparisons */
        return false;
    *ns = (int64_t)(ms * 1e6 + 0.5);
    return true;
}

static int parse(int argc, char **argv, view_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(help, stdout);
            return -1;
        } else if (strcmp(o, "-o") == 0 || strcmp(o, "--format") == 0) {
            if (!next)
                return args_usage_error("view", "%s wants a value", o);
            *(o[1] == 'o' ? &a->out : &a->format) = next;
            i++;
        } else if (strcmp(o, "--from-ms") == 0 || strcmp(o, "--to-ms") == 0) {
            if (!parse_ms(next, o[2] == 'f' ? &a->svg.from_ns : &a->svg.to_ns))
                return args_usage_error("view", "%s wants milliseconds >= 0, got '%s'", o, next ? next : "");
            i++;
        } else if (strcmp(o, "--width") == 0) {
            uint64_t w;
            if (!args_u64(next, &w) || w < 100 || w > 100000)
                return args_usage_error("view", "--width wants 100..100000 pixels, got '%s'", next ? next : "");
            a->svg.width_px = (int)w;
            i++;
        } else if (o[0] == '-' && o[1]) {
            return args_usage_error("view", "unknown option '%s'", o);
        } else if (a->trace) {
            return args_usage_error("view", "one trace at a time (got '%s' and '%s')", a->trace, o);
        } else {
            a->trace = o;
        }
    }
    if (!a->trace)
        return args_usage_error("view", "which trace? e.g. dsim view run.jsonl -o run.html");
    if (!a->out)
        return args_usage_error("view", "where to? -o run.html or -o run.svg");
    if (!a->format) {
        const char *dot = strrchr(a->out, '.');
        a->format = dot && (strcmp(dot, ".svg") == 0) ? "svg"
                  : dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0) ? "html" : NULL;
        if (!a->format)
            return args_usage_error("view", "cannot tell the format of '%s': name it .html or .svg, "
                                    "or say --format html|svg", a->out);
    }
    if (strcmp(a->format, "svg") != 0 && strcmp(a->format, "html") != 0)
        return args_usage_error("view", "--format is html or svg, not '%s'", a->format);
    if (a->svg.to_ns >= 0 && a->svg.to_ns <= a->svg.from_ns)
        return args_usage_error("view", "--to-ms must be after --from-ms");
    return 0;
}

int cmd_view(int argc, char **argv)
{
    view_args a = {.svg = {.from_ns = 0, .to_ns = -1, .width_px = 1200}};
    int rc = parse(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? EXIT_PASS : rc;
    char err[512];
    size_t len;
    char *text = view_read_file(a.trace, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "dsim view: %s\n", err);
        return EXIT_USAGE;
    }
    if (check_html_is_history(text, len)) {
        if (a.format[0] == 's') {
            free(text);
            return args_usage_error("view", "%s is a history, not a trace: a history draws as HTML "
                                    "(-o PAGE.html)", a.trace);
        }
        rc = check_html_write(a.out, text, len, a.trace, "auto", NULL, err, sizeof err);
        free(text);
        if (rc != 0) {
            fprintf(stderr, "dsim view: %s is neither a dsim trace (its first line has no "
                    "\"dsim_trace\") nor a history: %s\n", a.trace, err);
            return EXIT_USAGE;
        }
        return EXIT_PASS;
    }
    bool to_stdout = strcmp(a.out, "-") == 0;
    FILE *out = to_stdout ? stdout : fopen(a.out, "w");
    if (!out) {
        free(text);
        fprintf(stderr, "dsim view: cannot write '%s'\n", a.out);
        return EXIT_USAGE;
    }
    rc = a.format[0] == 's' ? view_svg_write(out, text, len, &a.svg, err, sizeof err)
                            : view_html_write(out, text, len, a.trace, a.svg.from_ns, a.svg.to_ns, err,
                                              sizeof err);
    if (!to_stdout && fclose(out) != 0 && rc == 0) {
        snprintf(err, sizeof err, "error writing '%s'", a.out);
        rc = -1;
    }
    free(text);
    if (rc != 0) {
        fprintf(stderr, "dsim view: %s: %s\n", a.trace, err);
        if (!to_stdout)
            remove(a.out);
        return EXIT_USAGE;
    }
    return EXIT_PASS;
}

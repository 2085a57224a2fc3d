/*
** view_history.c — the page of a checked history ('dsim check --html',
** 'dsim view HISTORY'): tools/viewer/history.html, compiled in, with the
** page's data (JSON: the operations and the checker's report; the command
** line builds it) and its title written in.
**
** Invariant: nothing the data holds can end the inline <script> element:
** every "</" is written as "<\/", which JSON reads back as the same text.
*/
#include <stdio.h>
#include <string.h>

#include "view.h"
#include "view_assets.h"

/* Writes 'text' with "</" as "<\/". */
static void put_json(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (p[0] == '<' && p[1] == '/')
            fputs("<\\", out);
        else
            fputc(*p, out);
    }
}

static void put_html(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*p, out);
        }
    }
}

int view_history_write(FILE *out, const char *data_json, const char *title, char *err, size_t cap)
{
    const char *page = (const char *)view_asset_history_html;
    const char *t = strstr(page, "<title>DSIM_TITLE</title>");
    const char *d = strstr(page, ">DSIM_DATA</script>");
    if (t == NULL || d == NULL || d < t) {   /* the template lost its markers: a build error */
        snprintf(err, cap, "internal: the history page template has no DSIM_TITLE/DSIM_DATA");
        return -1;
    }
    t += strlen("<title>");
    d += 1;
    fwrite(page, 1, (size_t)(t - page), out);
    put_html(out, title);
    t += strlen("DSIM_TITLE");
    fwrite(t, 1, (size_t)(d - t), out);
    put_json(out, data_json);
    d += strlen("DSIM_DATA");
    fputs(d, out);
    if (ferror(out)) {
        snprintf(err, cap, "error writing the page");
        return -1;
    }
    return 0;
}

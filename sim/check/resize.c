/*
** resize.c — 'check_resize': every thumbnail was made from the image its
** message announced, or a newer one (demo C5, cross_channel_resize; the
** "resize" workload).
**
** A history of "upload" (a write of an image's next version) and "resize"
** (the invoke's value: the version the queue's message announced; an ok
** completion's: the version the resizer read, null for none). A resize
** is stale when it read an older version than announced: the message
** came through the queue faster than the image through replication, and
** the thumbnail is made from an image that was already replaced. Stale is
** permanent when it is the image's last resize and its last acknowledged
** upload was announced: no later message will ever fix the thumbnail.
** Trade-off: one pass over the operations and one per image (a run holds
** a few images).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wlcheck.h"

#define RESIZE_EXAMPLES_MAX 8
#define RESIZE_IMAGES_MAX 64

typedef struct image {
    const char *key;              /* interned; NULL: the history has no keys */
    int64_t uploaded;             /* highest acknowledged upload */
    int64_t last_announced, last_read;   /* the latest ok resize (by completion) */
    size_t last_done;
    bool resized;
} image;

static image *image_of(image *im, size_t *n, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (im[i].key == key)
            return &im[i];
    if (*n == RESIZE_IMAGES_MAX)
        return NULL;
    im[*n] = (image){.key = key};
    return &im[(*n)++];
}

check_verdict check_resize(const char *text, size_t len, const char *source, const char *format,
                           json_t *report, char *err, size_t cap)
{
    wlcheck_hist w;
    if (wlcheck_load(text, len, source ? source : "history", format, &w, err, cap) != 0)
        return CHECK_BAD_INPUT;
    image im[RESIZE_IMAGES_MAX];
    size_t n_im = 0, resizes = 0, stale = 0;
    json_t *examples = json_array();
    check_verdict v = CHECK_OK;
    for (size_t i = 0; i < w.count && v == CHECK_OK; i++) {
        const hist_op *op = &w.ops[i];
        bool up = wlcheck_f_is(&w, op, "upload");
        if (!up && !wlcheck_f_is(&w, op, "resize")) {
            snprintf(err, cap, "%s:%u: expected an upload or a resize, got '%s'", w.h->source,
                     w.h->events[op->invoke].line, w.h->events[op->invoke].f);
            v = CHECK_BAD_INPUT;
            break;
        }
        image *x = image_of(im, &n_im, w.h->events[op->invoke].key);
        int64_t announced, got = 0;
        if (x == NULL) {
            snprintf(err, cap, "%s: more than %d images", w.h->source, RESIZE_IMAGES_MAX);
            v = CHECK_BAD_INPUT;
            break;
        }
        if (op->status != HIST_OP_OK)
            continue;
        if (wlcheck_int(&w, op, wlcheck_invoke_value(&w, op), up ? "version uploaded" : "version announced",
                        &announced, err, cap) != 0) {
            v = CHECK_BAD_INPUT;
            break;
        }
        if (up) {
            if (announced > x->uploaded)
                x->uploaded = announced;
            continue;
        }
        const hist_value *r = wlcheck_result_value(&w, op);
        if (r->kind != HIST_NIL && wlcheck_int(&w, op, r, "version read", &got, err, cap) != 0) {
            v = CHECK_BAD_INPUT;
            break;
        }
        resizes++;
        if (!x->resized || wlcheck_done(op) > x->last_done) {
            x->resized = true;
            x->last_done = wlcheck_done(op);
            x->last_announced = announced;
            x->last_read = got;
        }
        if (got >= announced)
            continue;
        if (stale++ < RESIZE_EXAMPLES_MAX) {
            json_t *e = json_object();
            json_object_set_new(e, "image", json_string(x->key ? x->key : ""));
            json_object_set_new(e, "announced", json_integer(announced));
            json_object_set_new(e, "read", r->kind == HIST_NIL ? json_null() : json_integer(got));
            json_object_set_new(e, "at", wlcheck_where(&w, op));
            json_array_append_new(examples, e);
        }
    }
    if (v == CHECK_OK) {
        json_object_set_new(report, "valid", json_boolean(stale == 0));
        json_object_set_new(report, "resizes", json_integer((json_int_t)resizes));
        json_object_set_new(report, "stale", json_integer((json_int_t)stale));
        json_t *permanent = json_array();
        for (size_t i = 0; i < n_im; i++) {
            const image *x = &im[i];
            if (!x->resized || x->last_read >= x->last_announced || x->last_announced != x->uploaded)
                continue;
            char line[160];
            snprintf(line, sizeof line, "%s: the image is at version %lld, its thumbnail stays made from %lld",
                     x->key ? x->key : "the image", (long long)x->uploaded, (long long)x->last_read);
            json_array_append_new(permanent, json_string(line));
        }
        json_object_set_new(report, "permanent", permanent);
        if (stale) {
            json_object_set_new(report, "rule", json_string(
                "every thumbnail is made from the version its message announced, or a newer one"));
            json_object_set_new(report, "examples", json_incref(examples));
        }
        v = stale ? CHECK_VIOLATION : CHECK_OK;
    }
    json_decref(examples);
    wlcheck_free(&w);
    return v;
}

/*
** fuzz_trace.c — the viewer's trace reader and both writers ('dsim view'
** to SVG and HTML), output discarded. The first byte picks the time
** window, so windows at the edges of a run are tried too, and the writer.
*/
#include <stdlib.h>

#include "harness.h"
#include "view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int64_t from_ns = (int64_t)(data[0] & 0x0f) * 50000000, to_ns = data[0] & 0x10 ? -1 : from_ns + 1000000000;
    char *text = harness_text(data + 1, size - 1);
    char err[512];
    view_svg_opts o = {.from_ns = from_ns, .to_ns = to_ns, .width_px = 400};
    /* Bits 5-7 pick the writers: 0 both (the seeds), odd SVG, even HTML;
    ** each writer reads the trace again, so one per input is twice as fast. */
    unsigned which = data[0] >> 5;
    if (which == 0 || which % 2 == 1)
        view_svg_write(harness_null(), text, size - 1, &o, err, sizeof err);
    if (which % 2 == 0)
        view_html_write(harness_null(), text, size - 1, "fuzz", from_ns, to_ns, err, sizeof err);
    free(text);
    return 0;
}

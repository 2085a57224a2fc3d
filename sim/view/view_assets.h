/*
** view_assets.h — the viewer's files, compiled into the binary by
** tools/embed.c (a meson custom_target; see sim/view/meson.build).
** Each array is NUL-terminated; '_len' excludes the NUL.
*/
#ifndef DSIM_VIEW_ASSETS_H
#define DSIM_VIEW_ASSETS_H

#include <stddef.h>

extern const unsigned char view_asset_template_html[], view_asset_viewer_css[],
    view_asset_viewer_js[], view_asset_history_html[];
extern const size_t view_asset_template_html_len, view_asset_viewer_css_len,
    view_asset_viewer_js_len, view_asset_history_html_len;

#endif

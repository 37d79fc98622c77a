/* evox-histogram-view-private.h: the histogram view's pointer and key handling, for tests. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-histogram-view.h"

G_BEGIN_DECLS

/* What the gestures call, in widget coordinates. drag_begin returns TRUE when (x, y) grabbed a
 * phase edge or band; update and end move it; cancel puts back the range the drag began with
 * (and returns FALSE when no drag was under way). */
gboolean    _evox_histogram_view_drag_begin  (EvoxHistogramView *self,
                                              double             x,
                                              double             y);
void        _evox_histogram_view_drag_update (EvoxHistogramView *self,
                                              double             x,
                                              double             y);
void        _evox_histogram_view_drag_end    (EvoxHistogramView *self,
                                              double             x,
                                              double             y);
gboolean    _evox_histogram_view_drag_cancel (EvoxHistogramView *self);
/* The cursor the pointer gets at (x, y) when no drag is under way: "col-resize" at a phase
 * edge, "grab" inside a band, NULL elsewhere. */
const char *_evox_histogram_view_cursor_at   (EvoxHistogramView *self,
                                              double             x,
                                              double             y);
/* The key handler; TRUE when the key was used. */
gboolean    _evox_histogram_view_key_pressed (EvoxHistogramView *self,
                                              guint              keyval,
                                              GdkModifierType    state);

/* The colour of scan `series` in per-layer mode as drawn now (0 .. n_series - 1). */
GdkRGBA     _evox_histogram_view_get_series_color (EvoxHistogramView *self,
                                                   guint              series);

/* Whether the axis reads in decades (log10 data or a log mapping), and the hover text of bar
 * `bin` (NULL without bars): both follow the shown channel's value meaning. */
gboolean    _evox_histogram_view_get_decades      (EvoxHistogramView *self);
char       *_evox_histogram_view_dup_bin_text     (EvoxHistogramView *self,
                                                   guint              bin);

G_END_DECLS

/* evox-histogram-view-private.h: the histogram view's pointer and key handling, for tests. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-histogram-view.h"

G_BEGIN_DECLS

/* What the gestures call, in widget coordinates. drag_begin returns TRUE when (x, y) grabbed a
 * phase edge or band (or an opacity point, see _press); update and end move it; cancel puts back the range the drag began with
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
/* A press of the primary button at (x, y) with the modifiers `state`, the n_press-th of a
 * multiple click: drag_begin is a single press without modifiers. While the Volume view's
 * opacity curve is shown (view Volume, colour-map source) it takes, in this order: a point's
 * handle; with Ctrl or as a double click, a new point under the pointer; a phase edge; the
 * curve's line (a new point there); a phase band. A point added by the press is held as if
 * grabbed, and Escape (drag_cancel) takes it away again. */
gboolean    _evox_histogram_view_press       (EvoxHistogramView *self,
                                              double             x,
                                              double             y,
                                              GdkModifierType    state,
                                              guint              n_press);
/* A right-click at (x, y): removes the point whose handle is there (TRUE), else FALSE. */
gboolean    _evox_histogram_view_secondary_press (EvoxHistogramView *self,
                                                  double             x,
                                                  double             y);
/* Whether the opacity curve is drawn now; the plot's rectangle in widget coordinates (FALSE
 * when nothing is plotted): opacity 0 at its bottom, 1 at its top; the point Delete removes
 * (the last one pressed or dragged), or -1. */
gboolean    _evox_histogram_view_get_curve_shown    (EvoxHistogramView *self);
gboolean    _evox_histogram_view_get_plot           (EvoxHistogramView *self,
                                                     graphene_rect_t   *plot);
int         _evox_histogram_view_get_selected_point (EvoxHistogramView *self);
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

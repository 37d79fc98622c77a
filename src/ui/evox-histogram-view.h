/* evox-histogram-view.h: the live histogram of a document's volume, with colour bar and range. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"

G_BEGIN_DECLS

#define EVOX_TYPE_HISTOGRAM_VIEW (evox_histogram_view_get_type ())
G_DECLARE_FINAL_TYPE (EvoxHistogramView, evox_histogram_view, EVOX, HISTOGRAM_VIEW, GtkWidget)

/* Properties: document (EvoxDocument), n-bins (uint, the most bars to draw, default 128).
 *
 * With the whole-data source the bars count the document's basis (evox_document_get_basis_
 * histogram): for an SSRM stack the measured scans or the interpolated volume, named in a caption
 * over the plot.
 *
 * Each visible phase of the document is a band over the bars. Dragging an edge moves it, dragging
 * inside a band moves the band, either selects the phase; Escape during a drag puts the range
 * back; with a phase selected, Left and Right (Shift: ten times) move its last-dragged edge by
 * one bar.
 *
 * While the document's view is Volume and its volume style takes colours from the colour map,
 * the style's opacity curve is drawn over the bars on the value axis (points as handles, opacity
 * 0..1 up the right side) and edited there: drag a handle (value and opacity); Ctrl+click, a
 * double click or a click on the line adds a point; right-click or Delete removes one. A press
 * on a handle takes the point even over a phase edge; elsewhere phase edges come before the
 * line, the line before phase bands.
 *
 * Property dragging (boolean, read-only): a phase or an opacity point is being dragged (the
 * window renders the canvas at interactive quality meanwhile). */
GtkWidget     *evox_histogram_view_new                 (void);
void           evox_histogram_view_set_document        (EvoxHistogramView *self,
                                                        EvoxDocument      *document);
EvoxDocument  *evox_histogram_view_get_document        (EvoxHistogramView *self);
guint          evox_histogram_view_get_n_bins          (EvoxHistogramView *self);
/* Integer data gets whole values per bar, so it may draw fewer bars than asked for. */
void           evox_histogram_view_set_n_bins          (EvoxHistogramView *self,
                                                        guint              n_bins);

/* Property zoom (boolean): the value axis spans the document's display range (Low..High), and a
 * tenth of its width beyond either end, instead of the data's range, binned afresh, so narrow peaks get the plot's width; phase edges are dragged on
 * that axis. It follows the colour range as it changes. Energy maps (quantity "energy") turn it
 * on when they are shown, other quantities off; the user's choice stays while the kind of
 * quantity does. */
gboolean       evox_histogram_view_get_zoom            (EvoxHistogramView *self);
void           evox_histogram_view_set_zoom            (EvoxHistogramView *self,
                                                        gboolean           zoom);
/* TRUE when the axis is zoomed now (zoom on, a volume, and a display range to zoom to); then
 * n_left and n_right (may be NULL) are the voxels of the counted data below and above the axis
 * (0 with the current-slice source, whose off-axis voxels are not counted). */
gboolean       evox_histogram_view_get_outside         (EvoxHistogramView *self,
                                                        double            *n_left,
                                                        double            *n_right);

/* What is drawn, for tests and overlays. The counts are the total over all series; n_bins, lo
 * and hi (the outer bin edges as stored values) may be NULL. NULL without a volume. The array
 * stays valid until the document changes. */
const double  *evox_histogram_view_get_counts          (EvoxHistogramView *self,
                                                        guint             *n_bins,
                                                        double            *lo,
                                                        double            *hi);
/* The value axis's title ("Value · Ni" on a channel of several), NULL without a volume. */
const char    *evox_histogram_view_get_title           (EvoxHistogramView *self);
/* TRUE when the bins are spaced evenly in log10 of the stored value (linear data shown with a
 * log mapping); otherwise they are spaced evenly in the stored value. */
gboolean       evox_histogram_view_get_log_bins        (EvoxHistogramView *self);
/* 0 without a volume; the number of measured scans in per-layer mode (histogram-per-layer with
 * the whole-data source, the measured basis and at least two scans), each scan a series (stacked,
 * or lines with log counts); else 1. */
guint          evox_histogram_view_get_n_series        (EvoxHistogramView *self);
/* The counts of one series (n_bins values). */
const double  *evox_histogram_view_get_series          (EvoxHistogramView *self,
                                                        guint              series);
/* Widget x of a stored value on the value axis, or NAN when nothing is plotted. */
double         evox_histogram_view_value_to_x          (EvoxHistogramView *self,
                                                        double             value);
/* Where the colour bar lies in widget coordinates; FALSE when nothing is plotted. */
gboolean       evox_histogram_view_get_colorbar_bounds (EvoxHistogramView *self,
                                                        graphene_rect_t   *bounds);
/* Widget x of the lo (hi FALSE) or hi edge of phase `phase` of the document's list as drawn:
 * at the value itself, or half a value outside it for integer data so that the band covers the
 * bars of its first and last values. FALSE when the edge is not drawn (no volume, no such phase,
 * a hidden phase, or an edge off the plotted axis). */
gboolean       evox_histogram_view_get_phase_edge_x    (EvoxHistogramView *self,
                                                        guint              phase,
                                                        gboolean           hi,
                                                        double            *x);
/* How many stretches of the value axis are flagged because two or more visible phases share
 * them (0 without a volume). */
guint          evox_histogram_view_get_n_overlaps      (EvoxHistogramView *self);

G_END_DECLS

/* evox-curve-figure.h: mean curves with +-1 std bands drawn with cairo, without a window, for
 * figures (PNG, SVG, PDF) and for the panel beside an exported image. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "evox-clusters.h"
#include "evox-image.h"

G_BEGIN_DECLS

/* Draws as the Clusters page's curve plot does: the bands (the curve's colour at
 * EVOX_CURVE_FIGURE_BAND_ALPHA) under the means, dots on the points of curves with at most 16
 * points, axes spanning the data (y widened to whole steps of a four-step axis), axis titles,
 * and a legend of the curves' names beside the plot. Text and lines scale with the figure's
 * height, so a figure at twice the height reads the same at twice the resolution. */
#define EVOX_TYPE_CURVE_FIGURE (evox_curve_figure_get_type ())
G_DECLARE_FINAL_TYPE (EvoxCurveFigure, evox_curve_figure, EVOX, CURVE_FIGURE, GObject)

#define EVOX_CURVE_FIGURE_BAND_ALPHA 0.22

EvoxCurveFigure *evox_curve_figure_new             (const char        *x_title,
                                                    const char        *y_title);
/* One visible cluster a curve: the clusters' abscissae (1..d without), names and colours; the
 * x title as the Clusters page gives it. NULL when the clusters have no features (d = 0) or no
 * cluster is visible. */
EvoxCurveFigure *evox_curve_figure_new_from_clusters (EvoxClusters    *clusters);
/* The x title of the clusters' curves, the Clusters page's and the figure's: the clusters' own
 * axis title (an energy), else `feature` ("Feature", or its translation) followed by the
 * features' numbers and names while there are at most 6, since ticks between them mean
 * nothing. */
char            *evox_curve_figure_axis_title      (EvoxClusters      *clusters,
                                                    const char        *feature);
/* n points of x, mean and std (copied; std may be NULL for no band); colour "#rrggbb";
 * non-finite points are gaps. */
void             evox_curve_figure_add_curve       (EvoxCurveFigure   *self,
                                                    const double      *x,
                                                    const double      *mean,
                                                    const double      *std,
                                                    guint              n,
                                                    const char        *color,
                                                    const char        *label);
guint            evox_curve_figure_get_n_curves    (EvoxCurveFigure   *self);

/* The size of the panel drawn beside an image of image_height pixels. */
void             evox_curve_figure_panel_size      (int                image_height,
                                                    int               *width,
                                                    int               *height);
/* Where data point (x, y) falls in a width x height figure, in pixels from its top left. */
gboolean         evox_curve_figure_data_to_pixel   (EvoxCurveFigure   *self,
                                                    int                width,
                                                    int                height,
                                                    double             x,
                                                    double             y,
                                                    double            *px,
                                                    double            *py);
/* Draws into cr over (0, 0, width, height) in user units; the background is left as it is. */
void             evox_curve_figure_draw            (EvoxCurveFigure   *self,
                                                    cairo_t           *cr,
                                                    int                width,
                                                    int                height);
/* Straight RGBA, rows top to bottom, on white (or on transparent); NULL when cairo cannot make
 * an image that large (a side over 32767, or no memory). */
guint8          *evox_curve_figure_render_rgba     (EvoxCurveFigure   *self,
                                                    int                width,
                                                    int                height,
                                                    gboolean           transparent);
/* A new RGBA image of (width + the panel's width) x height: the image, then the figure on the
 * right at evox_curve_figure_panel_size (); NULL as for render_rgba (). */
guint8          *evox_curve_figure_attach          (EvoxCurveFigure   *self,
                                                    const guint8      *rgba,
                                                    int                width,
                                                    int                height,
                                                    gboolean           transparent,
                                                    int               *out_width);
/* Writes the figure alone: .png (on white), .svg (vector; a <title> and <desc> carry the axis
 * titles and the legend's names as text) or .pdf, never half-written. Errors as
 * evox_image_write (): EVOX_ERROR_ARGUMENT for another extension, EVOX_ERROR_EXISTS... */
gboolean         evox_curve_figure_write           (EvoxCurveFigure   *self,
                                                    const char        *path,
                                                    int                width,
                                                    int                height,
                                                    EvoxImageWriteFlags flags,
                                                    GError           **error);

G_END_DECLS

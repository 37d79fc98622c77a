/* evox-plot.h: a compact x/y plot of line series or histogram bars, drawn with GtkSnapshot. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EVOX_TYPE_PLOT (evox_plot_get_type ())
G_DECLARE_FINAL_TYPE (EvoxPlot, evox_plot, EVOX, PLOT, GtkWidget)

/* The axes span the data: x over every line's points and the bar edges, y over the lines' values
 * (widened to whole tick steps) or from 0 to the tallest bar. Non-finite points are gaps. Hovering
 * shows the nearest point (or the bar under the pointer) in a tooltip. */
GtkWidget *evox_plot_new             (void);
/* Axis titles (NULL for none); they also name the values in the hover readout. */
void       evox_plot_set_axes        (EvoxPlot      *self,
                                      const char    *x_title,
                                      const char    *y_title);
/* Text shown in an empty plot (default: "No data"). */
void       evox_plot_set_placeholder (EvoxPlot      *self,
                                      const char    *text);
/* Drops every line, the bars and the markers. */
void       evox_plot_clear           (EvoxPlot      *self);
/* Adds a line through n points (copied); label (may be NULL) names it in the legend and the
 * readout. Returns the line's index for evox_plot_set_line_points(). */
guint      evox_plot_add_line        (EvoxPlot      *self,
                                      const double  *x,
                                      const double  *y,
                                      guint          n,
                                      const GdkRGBA *color,
                                      const char    *label);
/* A filled band between lo and hi over x (n points each, copied), drawn under the lines, e.g.
 * a mean +- 1 std in a semi-transparent colour. Non-finite points are gaps. */
void       evox_plot_add_band        (EvoxPlot      *self,
                                      const double  *x,
                                      const double  *lo,
                                      const double  *hi,
                                      guint          n,
                                      const GdkRGBA *color);
/* For tests: how many bands and lines the plot holds, and line `line`'s y values (x and n may
 * be NULL). */
guint         evox_plot_get_n_bands  (EvoxPlot      *self);
guint         evox_plot_get_n_lines  (EvoxPlot      *self);
const double *evox_plot_get_line     (EvoxPlot      *self,
                                      guint          line,
                                      const double **x,
                                      guint         *n);
/* Draws a dot at each point of line `line`. */
void       evox_plot_set_line_points (EvoxPlot      *self,
                                      guint          line,
                                      gboolean       points);
/* Histogram bars: bin i spans [edges[i], edges[i + 1]] with height counts[i] (n_bins + 1
 * increasing edges, copied). n_bins 0 removes the bars. */
void       evox_plot_set_bars        (EvoxPlot      *self,
                                      const double  *edges,
                                      const double  *counts,
                                      guint          n_bins,
                                      const GdkRGBA *color);
/* A vertical reference line at x (e.g. at 0 for shifts), drawn when inside the x range. */
void       evox_plot_add_marker      (EvoxPlot      *self,
                                      double         x);
/* The same with a label beside it near the bottom (labelled markers stack a row each from the
 * bottom up; NULL: none) and a colour (NULL: the foreground's). */
void       evox_plot_add_labelled_marker (EvoxPlot      *self,
                                          double         x,
                                          const char    *label,
                                          const GdkRGBA *color);
/* For tests: the markers in order, and marker `index`'s x and label (may be NULL). */
guint      evox_plot_get_n_markers   (EvoxPlot      *self);
double     evox_plot_get_marker      (EvoxPlot      *self,
                                      guint          index,
                                      const char   **label);

/* The bars' counts (NULL without bars); edges and n_bins may be NULL. */
const double *evox_plot_get_bars     (EvoxPlot      *self,
                                      const double **edges,
                                      guint         *n_bins);
/* Whether the plot holds something to draw. */
gboolean   evox_plot_has_data        (EvoxPlot      *self);
/* The axes' data ranges (as drawn). FALSE when empty. */
gboolean   evox_plot_get_ranges      (EvoxPlot      *self,
                                      double        *x0,
                                      double        *x1,
                                      double        *y0,
                                      double        *y1);
/* For tests: the rows of the legend at the current width and the rectangle its entries cover,
 * in widget coordinates. */
guint      evox_plot_get_legend      (EvoxPlot        *self,
                                      graphene_rect_t *bounds);
/* Where data point (x, y) lies in widget coordinates for the current size; FALSE when empty or
 * not yet allocated. */
gboolean   evox_plot_data_to_widget  (EvoxPlot      *self,
                                      double         x,
                                      double         y,
                                      double        *widget_x,
                                      double        *widget_y);
/* The hover readout for the pointer at widget point (x, y), as the tooltip shows it; NULL when
 * nothing is near. */
char      *evox_plot_dup_readout     (EvoxPlot      *self,
                                      double         x,
                                      double         y);

G_END_DECLS

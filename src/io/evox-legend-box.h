/* evox-legend-box.h: the one way Evox draws a legend: a translucent dark box of rows, each a
 * colour swatch and a line of white text (the RGB composite's channels, phases, clusters). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double      rgb[3];   /* the swatch, straight RGB 0..1 */
  const char *text;
  const char *value;    /* right-aligned in a column of its own (a fraction); NULL for none */
} EvoxLegendRow;

/* Sizes in pixels at scale 1, multiplied by scale. */
#define EVOX_LEGEND_BOX_PADDING 6.0
#define EVOX_LEGEND_BOX_SWATCH 12.0
#define EVOX_LEGEND_BOX_GAP 6.0
#define EVOX_LEGEND_BOX_COLUMN_GAP 12.0   /* between the names and the values' column */

/* The box of n rows with text of font_pixels (already scaled) at scale: its width and height
 * (rounded up to whole pixels) and the height of one row. */
void _evox_legend_box_measure    (const EvoxLegendRow *rows,
                                  guint                n,
                                  double               font_pixels,
                                  double               scale,
                                  double              *width,
                                  double              *height,
                                  double              *row_height);
/* The x of the values' right edge in a box of the given width (from _evox_legend_box_measure). */
double _evox_legend_box_get_value_right (double width,
                                         double scale);
/* Row i's swatch in the box: x, y, width, height from its top left. */
void _evox_legend_box_get_swatch (const EvoxLegendRow *rows,
                                  guint                n,
                                  guint                i,
                                  double               font_pixels,
                                  double               scale,
                                  double               rect[4]);
/* Sets white text with its logical box's top at y and its left edge at x, or its right edge at x
 * when right is TRUE (the values' column) (an SVG writer makes <text> of it). */
typedef void (*EvoxLegendBoxTextFunc) (cairo_t    *cr,
                                       const char *text,
                                       double      font_pixels,
                                       double      x,
                                       double      y,
                                       gboolean    right,
                                       gpointer    user_data);

/* Draws the box with its top left at (0, 0) of cr's user space; the texts with pango, or through
 * show_text when it is not NULL. */
void _evox_legend_box_draw       (const EvoxLegendRow   *rows,
                                  guint                  n,
                                  cairo_t               *cr,
                                  double                 font_pixels,
                                  double                 scale,
                                  EvoxLegendBoxTextFunc  show_text,
                                  gpointer               user_data);

G_END_DECLS

/* evox-rgb-legend.h: the RGB composite's legend (a swatch, channel, range and unit per colour),
 * drawn with cairo for the canvas and into exported images. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <cairo.h>
#include <glib-object.h>

#include "evox-document.h"

G_BEGIN_DECLS

#define EVOX_TYPE_RGB_LEGEND (evox_rgb_legend_get_type ())
G_DECLARE_FINAL_TYPE (EvoxRgbLegend, evox_rgb_legend, EVOX, RGB_LEGEND, GObject)

/* Room between the legend and the image's corner, in pixels at scale 1. */
#define EVOX_RGB_LEGEND_MARGIN 12

EvoxRgbLegend *evox_rgb_legend_new               (void);
/* The document's composite as the canvas shows it; NULL while the composite is off. */
EvoxRgbLegend *evox_rgb_legend_new_from_document (EvoxDocument  *document);
/* Row `slot` (0 red, 1 green, 2 blue): NULL label removes it. */
void           evox_rgb_legend_set_row           (EvoxRgbLegend *self,
                                                  guint          slot,
                                                  const char    *label,
                                                  double         lo,
                                                  double         hi,
                                                  const char    *unit);
guint          evox_rgb_legend_get_n_rows        (EvoxRgbLegend *self);
/* The row's text, e.g. "R  Mn  0 – 12 ug/cm^2"; NULL for a row not set. */
char          *evox_rgb_legend_dup_text          (EvoxRgbLegend *self,
                                                  guint          slot);
/* The box's size in pixels at `scale` (text, swatches and padding all scale with it). */
void           evox_rgb_legend_get_size          (EvoxRgbLegend *self,
                                                  double         scale,
                                                  int           *width,
                                                  int           *height);
/* Where slot's swatch lies in the box: x, y, width, height from its top left; FALSE for a row
 * not set. */
gboolean       evox_rgb_legend_get_swatch        (EvoxRgbLegend *self,
                                                  guint          slot,
                                                  double         scale,
                                                  double         rect[4]);
/* Draws the box with its top left at (0, 0) of cr's user space. */
void           evox_rgb_legend_draw              (EvoxRgbLegend *self,
                                                  cairo_t       *cr,
                                                  double         scale);
/* Draws the box over straight RGBA pixels (rows top to bottom) at the top-left corner,
 * EVOX_RGB_LEGEND_MARGIN * scale in; what does not fit is cut off. FALSE when cairo cannot
 * make the box (out of memory): the pixels are unchanged. */
gboolean       evox_rgb_legend_draw_onto         (EvoxRgbLegend *self,
                                                  guint8        *rgba,
                                                  int            width,
                                                  int            height,
                                                  double         scale);

G_END_DECLS

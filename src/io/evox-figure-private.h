/* evox-figure-private.h: what the figure's tests measure inside the painter (the scale bar's
 * length and bar, the colour bar's bar and ticks), and drawing onto pixels for `evox render`. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-figure.h"

G_BEGIN_DECLS

/* The scale bar's length in nm (the overlays' or the automatic one), its label, and the bar
 * (x, y, width, height in the image); FALSE when no scale bar can be drawn (no nm per pixel). */
gboolean  _evox_figure_get_scale_bar   (EvoxFigure *self,
                                        int         width,
                                        int         height,
                                        double      scale,
                                        double     *length_nm,
                                        char      **label,
                                        double      bar[4]);

typedef struct
{
  double  value;   /* on the colour bar's axis: the quantity, or log10 of it for log mappings */
  double  y;       /* in the image */
  char   *label;
} EvoxFigureTick;

/* The colour bar's bar (x, y, width, height in the image; t = 1 at its top) and its labelled
 * ticks (an array of EvoxFigureTick, labels owned by the array); FALSE when it is not shown. */
gboolean  _evox_figure_get_colorbar    (EvoxFigure *self,
                                        int         width,
                                        int         height,
                                        double      scale,
                                        double      bar[4],
                                        GArray    **ticks);
/* The colour bar's title ("Resistance (Ω)"), NULL without a colour bar. */
const char *_evox_figure_get_colorbar_title (EvoxFigure *self);
/* The legend's rows' texts (the names), NULL-terminated (transfer container: the strings are the
 * figure's). */
const char **_evox_figure_get_legend_texts  (EvoxFigure *self);
/* The rows' right column ("40.0 %"; "" for a row without one), as the texts. */
const char **_evox_figure_get_legend_values (EvoxFigure *self);
/* Row i's swatch colour, straight RGB 0..1. */
void         _evox_figure_get_legend_swatch (EvoxFigure *self,
                                             guint       i,
                                             double      rgb[3]);

/* Draws the overlays over straight RGBA pixels (rows top to bottom) in place; FALSE when cairo
 * has no memory for them (the pixels are unchanged). */
gboolean  _evox_figure_draw_onto       (EvoxFigure   *self,
                                        guint8       *rgba,
                                        int           width,
                                        int           height,
                                        double        scale);

G_END_DECLS

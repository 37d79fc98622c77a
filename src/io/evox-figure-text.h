/* evox-figure-text.h: text as Evox's drawn figures and legends set it, so a box measured on one
 * cairo surface is the box drawn on another (PNG, SVG, the canvas). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <pango/pangocairo.h>

G_BEGIN_DECLS

/* A layout on cr in Sans of `pixels` (absolute size), with unhinted metrics: the same text has
 * the same extent at every resolution and on every surface. */
PangoLayout *evox_figure_text_layout_new (cairo_t *cr,
                                          double   pixels);

G_END_DECLS

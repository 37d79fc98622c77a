/* evox-figure-box.h: the Display page's Figure section: which overlays the canvas and exports
 * carry, their font size, the scale bar's length, and new labels. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"

G_BEGIN_DECLS

#define EVOX_TYPE_FIGURE_BOX (evox_figure_box_get_type ())
G_DECLARE_FINAL_TYPE (EvoxFigureBox, evox_figure_box, EVOX, FIGURE_BOX, GtkWidget)

/* The four checks are the window's win.show-scale-bar, win.show-colorbar, win.show-legend and
 * win.show-axes, "Add Label" its win.add-label (insensitive outside a window); the font size spin
 * is bound to the overlays' font-size; the scale bar's length (a spin that reads "auto" at 0 and
 * a unit, nm or µm) to its scale-bar-length in nm. */
void evox_figure_box_set_document (EvoxFigureBox *self,
                                   EvoxDocument  *document);

G_END_DECLS

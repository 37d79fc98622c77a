/* evox-composite-legend.h: the RGB composite's legend in a corner of the canvas. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"

G_BEGIN_DECLS

#define EVOX_TYPE_COMPOSITE_LEGEND (evox_composite_legend_get_type ())
G_DECLARE_FINAL_TYPE (EvoxCompositeLegend, evox_composite_legend, EVOX, COMPOSITE_LEGEND,
                      GtkWidget)

/* Shows the document's composite legend (EvoxRgbLegend, as exports draw it) while the composite
 * is on, and hides itself otherwise. */
void evox_composite_legend_set_document (EvoxCompositeLegend *self,
                                         EvoxDocument        *document);

G_END_DECLS

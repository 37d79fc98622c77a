/* evox-composite-box.h: the Display page's RGB composite controls. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"

G_BEGIN_DECLS

#define EVOX_TYPE_COMPOSITE_BOX (evox_composite_box_get_type ())
G_DECLARE_FINAL_TYPE (EvoxCompositeBox, evox_composite_box, EVOX, COMPOSITE_BOX, GtkWidget)

/* Follows and edits the document's composite: the switch and "Phase colours over the
 * composite" are bound to "composite" and "composite-phases"; each colour's drop-down lists
 * "None" and the volume's channels, its entries the slot's range (a new channel starts at its
 * default range; an emptied entry goes back to it). Insensitive for volumes of one channel. */
void evox_composite_box_set_document (EvoxCompositeBox *self,
                                      EvoxDocument     *document);

G_END_DECLS

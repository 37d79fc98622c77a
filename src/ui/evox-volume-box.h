/* evox-volume-box.h: the Display page's Volume section (the document's volume style). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"

G_BEGIN_DECLS

#define EVOX_TYPE_VOLUME_BOX (evox_volume_box_get_type ())
G_DECLARE_FINAL_TYPE (EvoxVolumeBox, evox_volume_box, EVOX, VOLUME_BOX, GtkWidget)

/* Follows and edits the document's volume style: mode, colour source (Phases and Clusters
 * insensitive, with a tooltip, while the document has none), iso level (a slider and a spin
 * over the data range, in log10 numbers where the data or the mapping is logarithmic; only in
 * iso mode), opacity scale, show slices, mark measured layers (SSRM stacks only), the clip box
 * (a low and a high slider per axis, as fractions of the extent, with the voxels kept beside
 * them) and the actions volume.reset-clip and volume.reset-curve (the curve 0..0.1 over the
 * display range).
 *
 * Property dragging (boolean, read-only): a slider of the section is held down (the window
 * renders the canvas at interactive quality meanwhile). */
void     evox_volume_box_set_document (EvoxVolumeBox *self,
                                       EvoxDocument  *document);
gboolean evox_volume_box_get_dragging (EvoxVolumeBox *self);

G_END_DECLS

/* evox-xanes-panel.h: the XANES page: edge-energy and elemental maps of the document's stack,
 * computed off the main thread, listed, shown and exported. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"
#include "evox-xanes.h"

G_BEGIN_DECLS

#define EVOX_TYPE_XANES_PANEL (evox_xanes_panel_get_type ())
G_DECLARE_FINAL_TYPE (EvoxXanesPanel, evox_xanes_panel, EVOX, XANES_PANEL, GtkWidget)

/* Properties: available (boolean, read-only: the document's stack is a scan along the energy
 * axis, _evox_volume_is_energy_scan; the window shows the page only then), busy (boolean,
 * read-only: a computation runs).
 * Signal "params-changed": the XANES parameters the page shows changed (the Spectra page
 * normalises with them).
 * Actions: xanes.compute (evox_xanes_maps with the normalised stack, then the maps are added to
 * the document and edge_energy shown), xanes.compute-elements (evox_elements_maps, added the
 * same way), xanes.stop, xanes.export-maps (asks where: .h5, or one TIFF per map),
 * xanes.show-map (u: a channel of the maps, shown). */
GtkWidget    *evox_xanes_panel_new            (void);
void          evox_xanes_panel_set_document   (EvoxXanesPanel  *self,
                                               EvoxDocument    *document);
gboolean      evox_xanes_panel_get_available  (EvoxXanesPanel  *self);
gboolean      evox_xanes_panel_is_busy        (EvoxXanesPanel  *self);

/* The parameters the page's fields say (edge, pre and post ranges, nnorm, mask k; with_norm
 * TRUE). FALSE with EVOX_ERROR_ARGUMENT naming the field that does not parse. */
gboolean      evox_xanes_panel_get_params     (EvoxXanesPanel  *self,
                                               EvoxXanesParams *params,
                                               GError         **error);

/* Writes the document's maps as the export action does once a path is chosen
 * (evox_maps_write: .h5, or a TIFF per map and the normalised stack as PREFIX_norm.tif).
 * EVOX_ERROR_ARGUMENT without maps. */
gboolean      evox_xanes_panel_export_maps    (EvoxXanesPanel  *self,
                                               const char      *path,
                                               gboolean         overwrite,
                                               GError         **error);

/* For tests: the error shown (NULL for none), the summary line, and the pairs field. */
const char   *evox_xanes_panel_get_error      (EvoxXanesPanel  *self);
const char   *evox_xanes_panel_get_summary    (EvoxXanesPanel  *self);

G_END_DECLS

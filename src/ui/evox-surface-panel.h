/* evox-surface-panel.h: the surfaces of a document: add, look, smoothing, clipping, budget. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"
#include "evox-surface-row.h"

G_BEGIN_DECLS

#define EVOX_TYPE_SURFACE_PANEL (evox_surface_panel_get_type ())
G_DECLARE_FINAL_TYPE (EvoxSurfacePanel, evox_surface_panel, EVOX, SURFACE_PANEL, GtkWidget)

/* Actions: surfaces.add-phase (i: phase index), surfaces.add-level (the typed level),
 * surfaces.add-particle (the selected particle), surfaces.add-particles (every particle),
 * surfaces.stop (cancel the running build). */
GtkWidget      *evox_surface_panel_new          (void);
void            evox_surface_panel_set_document (EvoxSurfacePanel *self,
                                                 EvoxDocument     *document);
/* The row of surface index, for tests; NULL past the end. */
EvoxSurfaceRow *evox_surface_panel_get_row      (EvoxSurfacePanel *self,
                                                 guint             index);
/* Types text into the level entry, for tests. */
void            _evox_surface_panel_set_level_text (EvoxSurfacePanel *self,
                                                    const char       *text);
/* The error line as shown ("" when hidden), for tests. */
const char     *_evox_surface_panel_get_error    (EvoxSurfacePanel *self);

G_END_DECLS

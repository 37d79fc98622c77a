/* evox-display-panel.h: side panel for colours, display range, view, slices and SSRM layers. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>
#include "evox-document.h"

G_BEGIN_DECLS

#define EVOX_TYPE_DISPLAY_PANEL (evox_display_panel_get_type ())
G_DECLARE_FINAL_TYPE (EvoxDisplayPanel, evox_display_panel, EVOX, DISPLAY_PANEL, GtkWidget)

GtkWidget    *evox_display_panel_new          (void);
void          evox_display_panel_set_document (EvoxDisplayPanel *self,
                                               EvoxDocument     *document);
/* The Volume section (an EvoxVolumeBox), shown while the view is Volume. */
GtkWidget    *evox_display_panel_get_volume_box (EvoxDisplayPanel *self);
/* A 256 x 1 texture of a colour map, for previews (cached). */
GdkTexture   *evox_colormap_texture           (const char       *name);

G_END_DECLS

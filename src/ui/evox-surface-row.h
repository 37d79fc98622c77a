/* evox-surface-row.h: one surface of the surfaces panel: look, build state and measurements. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-document.h"

G_BEGIN_DECLS

#define EVOX_TYPE_SURFACE_ROW (evox_surface_row_get_type ())
G_DECLARE_FINAL_TYPE (EvoxSurfaceRow, evox_surface_row, EVOX, SURFACE_ROW, GtkWidget)

/* Actions: surface.export (activates win.export-surface with the surface's index),
 * surface.rebuild, surface.remove. */
GtkWidget    *evox_surface_row_new         (EvoxDocument   *document,
                                            EvoxSurface    *surface);
EvoxSurface  *evox_surface_row_get_surface (EvoxSurfaceRow *self);
/* The measurement line as shown, for tests. */
const char   *evox_surface_row_get_stats   (EvoxSurfaceRow *self);

G_END_DECLS

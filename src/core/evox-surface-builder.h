/* evox-surface-builder.h: builds the stale surfaces of a list, one at a time, off the main thread. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>
#include "evox-labels.h"
#include "evox-surface.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* How long the specs must stay still before a rebuild starts: a threshold being dragged costs
 * nothing but the shader highlight until the drag pauses. */
#define EVOX_SURFACE_BUILDER_DELAY_MS 300

#define EVOX_TYPE_SURFACE_BUILDER (evox_surface_builder_get_type ())
G_DECLARE_FINAL_TYPE (EvoxSurfaceBuilder, evox_surface_builder, EVOX, SURFACE_BUILDER, GObject)

/* Watches surfaces: whenever one is stale and nothing has changed for the delay, the first stale
 * surface is built with evox_isosurface_build_async () on a worker thread, and its mesh replaced
 * on the main thread when done. A surface whose spec changes while it builds, or that leaves the
 * list, has its build cancelled. Property busy (boolean, read-only): a build runs or is due. */
EvoxSurfaceBuilder *evox_surface_builder_new        (EvoxSurfaceList    *surfaces);
/* The volume surfaces are built from (NULL: nothing is built); every surface goes stale. */
void                evox_surface_builder_set_volume (EvoxSurfaceBuilder *self,
                                                     EvoxVolume         *volume);
/* The labels PARTICLE and PARTICLES surfaces are built from (NULL: from the volume's values). */
void                evox_surface_builder_set_labels (EvoxSurfaceBuilder *self,
                                                     EvoxLabels         *labels);
void                evox_surface_builder_set_delay  (EvoxSurfaceBuilder *self,
                                                     guint               delay_ms);
gboolean            evox_surface_builder_get_busy   (EvoxSurfaceBuilder *self);
/* Stops the running build, if any, at the user's request: its surface fails with "Cancelled"
 * and stays so until its spec changes or it is marked stale again. */
void                evox_surface_builder_cancel     (EvoxSurfaceBuilder *self);

G_END_DECLS

/* evox-overlay-geometry.c: how the overlays of a picture map to the volume (nm per pixel, axes)
 * (contract placeholder: the "overlays" work of issue 15 replaces this file). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-renderer.h"

void
evox_renderer_get_overlay_geometry (EvoxRenderer        *self,
                                    int                  width,
                                    int                  height,
                                    EvoxOverlayGeometry *geometry)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (geometry != NULL);

  memset (geometry, 0, sizeof *geometry);
  geometry->area[2] = width;
  geometry->area[3] = height;
}

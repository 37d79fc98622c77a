/* evox-display.h: how values become colours (colour maps, mapping, range) and which view shows them. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>
#include "evox-types.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_VIEW_SLICES,   /* three orthogonal slices in 3D with the bounding box */
  EVOX_VIEW_SLICE_X,  /* one 2D slice, looking along x */
  EVOX_VIEW_SLICE_Y,
  EVOX_VIEW_SLICE_Z,
  EVOX_VIEW_STACK,    /* every layer as a translucent plane (SSRM stacks) */
  EVOX_VIEW_QUAD,     /* 2x2: the z, y and x slices in 2D and the three slices in 3D */
  EVOX_VIEW_VOLUME,   /* ray-cast volume rendering (EvoxVolumeStyle), with surfaces and, on
                       * request, the three slices */
} EvoxView;

#define EVOX_VIEW_LAST EVOX_VIEW_VOLUME

/* Mapping of the physical quantity onto the colour map. For log10-stored data "log" is linear in
 * the stored numbers and "linear" maps 10^value. */
typedef enum
{
  EVOX_MAPPING_LINEAR,
  EVOX_MAPPING_LOG,
} EvoxMapping;

/* What the shader applies to a stored value before scaling it into [lo, hi]. */
typedef enum
{
  EVOX_TRANSFER_IDENTITY,
  EVOX_TRANSFER_LOG10,
  EVOX_TRANSFER_EXP10,
} EvoxTransfer;

GType          evox_view_get_type           (void) G_GNUC_CONST;
GType          evox_mapping_get_type        (void) G_GNUC_CONST;
#define EVOX_TYPE_VIEW (evox_view_get_type ())
#define EVOX_TYPE_MAPPING (evox_mapping_get_type ())

const char    *evox_view_to_string          (EvoxView       view);
gboolean       evox_view_from_string        (const char    *name,
                                             EvoxView      *view);

EvoxTransfer   evox_transfer_for            (EvoxValueScale scale,
                                             EvoxMapping    mapping);
double         evox_transfer_apply          (EvoxTransfer   transfer,
                                             double         value);
/* Colour-map coordinate of a stored value: 0 at lo, 1 at hi (not clamped); NaN where undefined
 * (non-finite values, log of values <= 0). lo and hi are stored values. */
double         evox_display_coordinate      (EvoxTransfer   transfer,
                                             double         lo,
                                             double         hi,
                                             double         value);

/* The smallest 1, 2 or 5 times a power of ten that is >= x (> 0): tick steps, default factors. */
double         evox_nice_ceil               (double         x);

/* Colour maps: 256 RGB entries each, sampled from the published tables. */
const char * const *evox_colormap_list_names (void);
gboolean       evox_colormap_exists         (const char    *name);
/* The table of a known map; NULL for unknown names. */
const guint8 (*evox_colormap_get_table      (const char    *name))[3];
/* Nearest-entry colour at coordinate t, clamped to [0, 1]. */
void           evox_colormap_sample         (const char    *name,
                                             double         t,
                                             guint8         rgb[3]);
/* A readable name for menus ("Viridis", "Grey", "Cool-warm (diverging)"). */
const char    *evox_colormap_get_title      (const char    *name);

G_END_DECLS

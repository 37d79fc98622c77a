/* evox-ssrm-stack.h: measured SSRM scans at their depths to a regular grid of layers. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-volume.h"

G_BEGIN_DECLS

/* Interpolated layers beyond this are no more data, only memory and list rows: a few scans
 * microns apart at a 10 nm step stay well inside it. */
#define EVOX_SSRM_MAX_LAYERS 100000u

/* One measured scan: nx * ny values (NaN where missing), at depth z_nm. */
typedef struct
{
  double  z_nm;
  char   *label;
  float  *values;
} EvoxScanInput;

EvoxVolume *evox_ssrm_stack_new (gsize            nx,
                                 gsize            ny,
                                 EvoxScanInput   *scans,
                                 guint            n_scans,
                                 double           dz_nm,
                                 double           pixel_size_nm,
                                 EvoxValueScale   scale,
                                 GError         **error);
EvoxVolume *evox_ssrm_stack_new_with_progress (gsize            nx,
                                               gsize            ny,
                                               EvoxScanInput   *scans,
                                               guint            n_scans,
                                               double           dz_nm,
                                               double           pixel_size_nm,
                                               EvoxValueScale   scale,
                                               EvoxProgress    *progress,
                                               GCancellable    *cancellable,
                                               GError         **error);

G_END_DECLS

/* evox-profile-csv.h: a line profile as a CSV file (distance, x, y, z, value). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-profile.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* The header names the unit of each column: `distance_nm,x_nm,y_nm,z_nm,value_UNIT` (value_log10_
 * UNIT for log10 data, plain `value` without a unit); lengths are in px (voxel steps) instead of
 * nm while the volume's voxel size is unknown. Numbers read back as the same doubles; NaN is
 * `nan`. */
char     *evox_profile_csv_format (const EvoxProfile *profile,
                                   EvoxVolume        *volume);
/* Written under a temporary name and renamed when complete (never half a file); an existing file
 * is kept unless overwrite. */
gboolean  evox_profile_csv_write  (const char        *path,
                                   const EvoxProfile *profile,
                                   EvoxVolume        *volume,
                                   gboolean           overwrite,
                                   GError           **error);

G_END_DECLS

/* evox-interface-area.c: specific surface area of the interface between two phases. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-interface-area.h"
#include "evox-labels.h"
#include "evox-types.h"

/* A particle's Crofton estimate counts, along each lattice line, the changes between "in the
 * particle" and "not in it". Between two phases a line may pass a -> c -> b through a third
 * phase: that is two other interfaces, not this one, so only direct a/b neighbours count. Every
 * a/b change is one crossing of the interface by the line, and the Cauchy-Crofton formula turns
 * crossings per direction into area exactly as for a particle; with b the complement of a inside
 * the volume the estimate is the particle's area less the volume faces. */

/**
 * evox_interface_area:
 * @progress: (nullable): stage "Interface area"
 */
gboolean
evox_interface_area (const guint8       *phases,
                     const gsize         dims[3],
                     const double        spacing[3],
                     guint8              a,
                     guint8              b,
                     EvoxInterfaceArea  *result,
                     EvoxProgress       *progress,
                     GCancellable       *cancellable,
                     GError            **error)
{
  const gsize nx = dims[0], ny = dims[1], nz = dims[2];
  const gsize n = nx * ny * nz;
  int dir[13][3];
  double factors[13];
  guint64 crossings[13] = { 0 };
  guint64 voxels_a = 0, voxels_b = 0;
  double voxel_volume;
  EvoxWorkMonitor monitor;

  g_return_val_if_fail (dims != NULL && spacing != NULL && result != NULL, FALSE);
  g_return_val_if_fail (n == 0 || phases != NULL, FALSE);

  memset (result, 0, sizeof *result);
  if (a == b)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "An interface needs two different phases");
      return FALSE;
    }
  if (!(spacing[0] > 0.0 && spacing[1] > 0.0 && spacing[2] > 0.0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Surface area needs a positive voxel spacing");
      return FALSE;
    }
  _evox_crofton_factors (spacing, dir, factors);

  evox_progress_set_stage (progress, "Interface area", 0.0, 1.0);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0, nz);
#pragma omp parallel reduction(+:voxels_a, voxels_b)
  {
    guint64 local[13] = { 0 };

#pragma omp for schedule(dynamic, 1)
    for (gsize z = 0; z < nz; z++)
      {
        if (_evox_work_monitor_stopped (&monitor))
          continue;
        for (gsize y = 0; y < ny; y++)
          {
            const guint8 *row = phases + (z * ny + y) * nx;

            for (gsize x = 0; x < nx; x++)
              {
                voxels_a += row[x] == a;
                voxels_b += row[x] == b;
              }
            for (guint d = 0; d < 13; d++)
              {
                gssize y2 = (gssize) y + dir[d][1], z2 = (gssize) z + dir[d][2];
                gssize dx = dir[d][0];
                const guint8 *row2;
                gsize x0, x1;
                guint64 count = 0;

                if (y2 < 0 || y2 >= (gssize) ny || z2 < 0 || z2 >= (gssize) nz)
                  continue;
                row2 = phases + ((gsize) z2 * ny + (gsize) y2) * nx;
                /* x + dx must stay inside the row. */
                x0 = dx < 0 ? 1 : 0;
                x1 = dx > 0 ? nx - 1 : nx;
                for (gsize x = x0; x < x1; x++)
                  {
                    guint8 p = row[x], q = row2[(gssize) x + dx];

                    count += (p == a && q == b) | (p == b && q == a);
                  }
                local[d] += count;
              }
          }
        _evox_work_monitor_step (&monitor, 1);
      }
#pragma omp critical
    for (guint d = 0; d < 13; d++)
      crossings[d] += local[d];
  }
  if (_evox_work_monitor_stopped (&monitor))
    return !g_cancellable_set_error_if_cancelled (cancellable, error);

  voxel_volume = spacing[0] * spacing[1] * spacing[2];
  memcpy (result->crossings, crossings, sizeof crossings);
  result->voxels_a = voxels_a;
  result->voxels_b = voxels_b;
  for (guint d = 0; d < 13; d++)
    result->area_nm2 += factors[d] * (double) crossings[d];
  result->volume_nm3 = (double) n * voxel_volume;
  result->per_volume = n > 0 ? result->area_nm2 / result->volume_nm3 : NAN;
  result->per_volume_a = voxels_a > 0 ? result->area_nm2 / (voxels_a * voxel_volume) : NAN;
  result->per_volume_b = voxels_b > 0 ? result->area_nm2 / (voxels_b * voxel_volume) : NAN;
  return TRUE;
}

/* evox-ssrm-stack.c: measured SSRM scans to a regular grid of layers, interpolated per pixel. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-ssrm-stack.h"

static int
compare_depth (gconstpointer a,
               gconstpointer b)
{
  const EvoxScanInput *sa = a, *sb = b;
  return (sa->z_nm > sb->z_nm) - (sa->z_nm < sb->z_nm);
}

static void
free_scans (EvoxScanInput *scans,
            guint          n_scans)
{
  for (guint i = 0; i < n_scans; i++)
    {
      g_clear_pointer (&scans[i].values, g_free);
      g_clear_pointer (&scans[i].label, g_free);
    }
}

static gboolean
check_parameters (EvoxScanInput  *scans,
                  guint           n_scans,
                  double          dz_nm,
                  double          pixel_size_nm,
                  GError        **error)
{
  if (n_scans == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "no scans to stack");
      return FALSE;
    }
  if (!(isfinite (dz_nm) && dz_nm > 0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "layer step dz must be a positive number of nm, not %g", dz_nm);
      return FALSE;
    }
  if (!(isfinite (pixel_size_nm) && pixel_size_nm > 0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "pixel size must be a positive number of nm, not %g", pixel_size_nm);
      return FALSE;
    }
  for (guint i = 0; i < n_scans; i++)
    if (!isfinite (scans[i].z_nm))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "scan %s has no valid depth", scans[i].label ? scans[i].label : "?");
        return FALSE;
      }
  return TRUE;
}

/* Depths closer than this are one depth: a grid layer there is the scan itself. */
static double
depth_tolerance (double dz_nm)
{
  return 1e-6 * MAX (dz_nm, 1.0);
}

static void
interpolate_layer (float       *out,
                   const float *above,
                   const float *below,
                   double       weight,
                   gsize        n)
{
#pragma omp parallel for schedule(static) if (n > 65536)
  for (gsize i = 0; i < n; i++)
    out[i] = (float) ((1.0 - weight) * above[i] + weight * below[i]);
}

/**
 * evox_ssrm_stack_new:
 * @scans: (transfer full): the measured scans in any order; their values and labels are taken
 *   over whether or not this succeeds
 *
 * Builds layers every dz from the shallowest scan down to the deepest (the last layer is the last
 * grid step that does not pass the deepest scan). A layer at a scan's depth is that scan's values
 * exactly and marked measured; others are linear per pixel between the two bracketing scans, so a
 * NaN in either gives NaN. The scans themselves are kept in the volume at their true depths.
 */
EvoxVolume *
evox_ssrm_stack_new (gsize            nx,
                     gsize            ny,
                     EvoxScanInput   *scans,
                     guint            n_scans,
                     double           dz_nm,
                     double           pixel_size_nm,
                     EvoxValueScale   scale,
                     GError         **error)
{
  return evox_ssrm_stack_new_with_progress (nx, ny, scans, n_scans, dz_nm, pixel_size_nm, scale,
                                            NULL, NULL, error);
}

/**
 * evox_ssrm_stack_new_with_progress:
 * @progress: (nullable): where to report, as the stage "Interpolating SSRM layers"
 * @cancellable: (nullable): checked before every layer
 *
 * evox_ssrm_stack_new(), reporting per layer and stopping with %G_IO_ERROR_CANCELLED when
 * cancelled.
 */
EvoxVolume *
evox_ssrm_stack_new_with_progress (gsize            nx,
                                   gsize            ny,
                                   EvoxScanInput   *scans,
                                   guint            n_scans,
                                   double           dz_nm,
                                   double           pixel_size_nm,
                                   EvoxValueScale   scale,
                                   EvoxProgress    *progress,
                                   GCancellable    *cancellable,
                                   GError         **error)
{
  g_autoptr(EvoxVolume) volume = NULL;
  gsize layer_size = nx * ny;
  double z_top, z_bottom, tolerance = depth_tolerance (dz_nm);
  double steps;
  gsize nz;
  float *data;

  g_return_val_if_fail (scans != NULL || n_scans == 0, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  evox_progress_set_stage (progress, "Interpolating SSRM layers", 0.0, 1.0);
  if (!check_parameters (scans, n_scans, dz_nm, pixel_size_nm, error))
    goto fail;

  qsort (scans, n_scans, sizeof *scans, compare_depth);
  for (guint i = 1; i < n_scans; i++)
    if (scans[i].z_nm - scans[i - 1].z_nm < tolerance)
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "scans %s and %s are both at depth %g nm",
                     scans[i - 1].label, scans[i].label, scans[i].z_nm);
        goto fail;
      }

  z_top = scans[0].z_nm;
  z_bottom = scans[n_scans - 1].z_nm;
  steps = floor ((z_bottom - z_top) / dz_nm + 1e-9);
  if (steps + 1 > EVOX_SSRM_MAX_LAYERS)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "scans at %g and %g nm with a %g nm step need %.0f layers, more than the %u "
                   "a stack may have (choose a larger step)", z_top, z_bottom, dz_nm, steps + 1,
                   EVOX_SSRM_MAX_LAYERS);
      goto fail;
    }
  nz = (gsize) steps + 1;

  volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_F32, error);
  if (volume == NULL)
    goto fail;
  data = evox_volume_get_data_mut (volume, 0);

  for (gsize z = 0, above = 0; z < nz; z++)
    {
      double depth = z_top + (double) z * dz_nm;
      float *out = data + z * layer_size;
      EvoxLayer layer = { .z_nm = depth, .scan = -1, .scan_below = -1 };

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto fail;
      evox_progress_update (progress, (double) z / (double) nz);
      while (above + 1 < n_scans && scans[above + 1].z_nm <= depth + tolerance)
        above++;
      if (fabs (scans[above].z_nm - depth) <= tolerance)
        {
          layer.measured = TRUE;
          layer.scan = (int) above;
          memcpy (out, scans[above].values, layer_size * sizeof (float));
        }
      else
        {
          g_assert (above + 1 < n_scans);
          layer.scan = (int) above;
          layer.scan_below = (int) above + 1;
          layer.weight = (depth - scans[above].z_nm) / (scans[above + 1].z_nm - scans[above].z_nm);
          interpolate_layer (out, scans[above].values, scans[above + 1].values, layer.weight,
                             layer_size);
        }
      evox_volume_set_layer (volume, z, &layer);
    }

  for (guint i = 0; i < n_scans; i++)
    {
      g_autofree char *label = scans[i].label ? g_strdup (scans[i].label)
                                              : g_strdup_printf ("scan %u", i);
      evox_volume_add_scan (volume, scans[i].z_nm, label, g_steal_pointer (&scans[i].values));
    }
  free_scans (scans, n_scans);

  evox_volume_set_spacing (volume, (double[3]) { pixel_size_nm, pixel_size_nm, dz_nm });
  evox_volume_set_origin (volume, (double[3]) { 0.0, 0.0, z_top });
  evox_volume_set_values (volume, scale, "resistance", "ohm");
  evox_volume_set_channel_info (volume, 0, scale == EVOX_SCALE_LOG10 ? "log10 R" : "R", NAN);
  evox_volume_set_metadata (volume, "format", "ssrm");
  evox_volume_freeze (volume);
  evox_progress_update (progress, 1.0);
  return g_steal_pointer (&volume);

fail:
  free_scans (scans, n_scans);
  return NULL;
}

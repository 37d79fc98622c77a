/* evox-bench-tomo.c: times the tomography projector, back-projector and SIRT (10 iterations) on
 * one 256-pixel slice from 180 angles; run with OMP_NUM_THREADS=1 or 2. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evox-tomo.h"

int
main (void)
{
  const guint nx = 256, n_angles = 180, reps = 5;
  g_autofree double *theta = g_new (double, n_angles);
  g_autofree float *slice = g_new0 (float, nx * nx);
  g_autofree float *sinogram = g_new (float, nx * n_angles);
  g_autofree float *back = g_new0 (float, nx * nx);
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxTiltSeries) series = evox_tilt_series_new (nx, 1, n_angles, &error);
  EvoxReconParams params = { EVOX_RECON_FILTER_RAMP, NAN, 10 };

  if (series == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  for (guint a = 0; a < n_angles; a++)
    theta[a] = series->theta[a] = G_PI * a / n_angles;
  /* A disc of radius 100 with a checkerboard of 8-pixel squares on it. */
  for (guint y = 0; y < nx; y++)
    for (guint x = 0; x < nx; x++)
      {
        double dx = x - 127.5, dy = y - 127.5;

        if (dx * dx + dy * dy < 100 * 100)
          slice[y * nx + x] = 1.0f + 0.5f * ((x / 8 + y / 8) % 2);
      }

  gint64 t0 = g_get_monotonic_time ();
  for (guint r = 0; r < reps; r++)
    evox_tomo_project_slice (slice, nx, n_angles, theta, NAN, sinogram);
  gint64 t1 = g_get_monotonic_time ();
  for (guint r = 0; r < reps; r++)
    evox_tomo_backproject_slice (sinogram, nx, n_angles, theta, NAN, back);
  gint64 t2 = g_get_monotonic_time ();
  memcpy (series->data, sinogram, (gsize) nx * n_angles * sizeof (float));
  g_autoptr (EvoxVolume) volume = evox_tomo_reconstruct (series, &params, NULL, NULL, &error);
  gint64 t3 = g_get_monotonic_time ();
  if (volume == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("256 px slice, 180 angles: project %.1f ms, back-project %.1f ms, SIRT 10 iterations "
          "%.1f ms\n", (t1 - t0) / 1e3 / reps, (t2 - t1) / 1e3 / reps, (t3 - t2) / 1e3);
  return 0;
}

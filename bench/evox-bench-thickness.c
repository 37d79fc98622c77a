/* evox-bench-thickness.c: times local thickness (and percolation, interface area) of one phase of a
 * TIFF volume and writes the map as raw float32 for bench/thickness_ref.py to compare. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "evox-interface-area.h"
#include "evox-local-thickness.h"
#include "evox-percolation.h"
#include "evox-tiff.h"
#include "evox-types.h"

/* Usage: evox-bench-thickness FILE LO HI RUNS [MAP.f32]
 * Prints `record key=value ...` lines (run-bench.py's format): the best of RUNS (wall time,
 * and separately the CPU time of all threads, which a loaded machine disturbs less) for the
 * local thickness of lo <= v <= hi (unit spacing, voxels), its summary, then one run each of
 * 6-connected percolation and of the interface area between the phase and the rest. */
/* CPU seconds of every thread of the process so far (user + system). */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_auto (EvoxLargeBuffer) mask = NULL;
  g_autofree float *map = NULL;
  g_autoptr (EvoxPercolation) perc = NULL;
  const double unit[3] = { 1, 1, 1 };
  EvoxSizeSummary summary;
  EvoxInterfaceArea area;
  double lo, hi, best = INFINITY, best_cpu = INFINITY, t0, c0;
  gsize dims[3], n;
  int runs;

  if (argc < 5)
    {
      fprintf (stderr, "usage: %s FILE LO HI RUNS [MAP.f32]\n", argv[0]);
      return 2;
    }
  lo = g_ascii_strtod (argv[2], NULL);
  hi = g_ascii_strtod (argv[3], NULL);
  runs = MAX (1, atoi (argv[4]));
  volume = evox_tiff_read (argv[1], NULL, NULL, &error);
  if (volume == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  mask = _evox_range_mask (volume, 0, lo, hi, &error);
  if (mask == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  map = g_new (float, n);
  for (int r = 0; r < runs; r++)
    {
      t0 = g_get_monotonic_time ();
      c0 = cpu_seconds ();
      if (!evox_local_thickness (mask, dims, unit, map, NULL, NULL, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      best = MIN (best, (g_get_monotonic_time () - t0) / 1e6);
      best_cpu = MIN (best_cpu, cpu_seconds () - c0);
    }
  t0 = g_get_monotonic_time ();
  evox_size_summary_compute (map, n, &summary);
  printf ("thickness seconds=%.4f cpu_seconds=%.4f summary_seconds=%.4f voxels=%"
          G_GUINT64_FORMAT " mean=%.6f d10=%.6f d50=%.6f d90=%.6f max=%.6f\n", best, best_cpu,
          (g_get_monotonic_time () - t0) / 1e6, summary.count, summary.mean, summary.d10,
          summary.d50, summary.d90, summary.max);

  t0 = g_get_monotonic_time ();
  perc = evox_percolation_compute (mask, dims, EVOX_CONNECTIVITY_6, NULL, NULL, &error);
  if (perc == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("percolation seconds=%.4f both_x=%.6f one_x=%.6f isolated_x=%.6f both_z=%.6f\n",
          (g_get_monotonic_time () - t0) / 1e6,
          evox_percolation_get_fraction (perc, 0, EVOX_PERCOLATION_BOTH),
          evox_percolation_get_fraction (perc, 0, EVOX_PERCOLATION_ONE_FACE),
          evox_percolation_get_fraction (perc, 0, EVOX_PERCOLATION_ISOLATED),
          evox_percolation_get_fraction (perc, 2, EVOX_PERCOLATION_BOTH));

  t0 = g_get_monotonic_time ();
  if (!evox_interface_area (mask, dims, unit, 1, 0, &area, NULL, NULL, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  printf ("interface seconds=%.4f area=%.3f per_volume=%.6f\n",
          (g_get_monotonic_time () - t0) / 1e6, area.area_nm2, area.per_volume);

  if (argc > 5)
    {
      FILE *f = fopen (argv[5], "wb");

      if (f == NULL || fwrite (map, sizeof (float), n, f) != n || fclose (f) != 0)
        {
          fprintf (stderr, "%s: cannot write the map\n", argv[5]);
          return 1;
        }
    }
  return 0;
}

/* evox-bench-tortuosity.c: times evox_tortuosity_compute on a TIFF phase (run-bench.py --tortuosity). */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#ifdef HAVE_OPENMP
#include <omp.h>
#endif

#include "evox-tiff.h"
#include "evox-tortuosity.h"

/* One line on stdout, `tortuosity` then key=value fields, as evox-bench prints its records;
 * with --history FILE the residual after each iteration of the last run, one a line. */

static int     opt_runs = 1;
static char   *opt_axis = NULL;
static char   *opt_range = NULL;
static double  opt_tolerance = EVOX_TORTUOSITY_DEFAULT_TOLERANCE;
static char   *opt_history = NULL;
static char   *opt_second = NULL;
static gboolean opt_jacobi = FALSE;

static const GOptionEntry entries[] = {
  { "runs", 'n', 0, G_OPTION_ARG_INT, &opt_runs, "Timed solves; the best is reported", "N" },
  { "axis", 0, 0, G_OPTION_ARG_STRING, &opt_axis, "x, y or z (default x)", "AXIS" },
  { "range", 0, 0, G_OPTION_ARG_STRING, &opt_range, "The phase's stored values (default 0:0)",
    "LO:HI" },
  { "tolerance", 0, 0, G_OPTION_ARG_DOUBLE, &opt_tolerance,
    "Relative residual to stop at (default 1e-6)", "T" },
  { "history", 0, 0, G_OPTION_ARG_FILENAME, &opt_history,
    "Write the residual history of the last run here", "FILE" },
  { "second", 0, 0, G_OPTION_ARG_STRING, &opt_second,
    "A second phase of relative diffusivity D2 (stored values)", "LO:HI:D2" },
  { "jacobi", 0, 0, G_OPTION_ARG_NONE, &opt_jacobi, "Precondition with the diagonal", NULL },
  { NULL }
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxTortuosity) result = NULL;
  EvoxTortuosityParams params;
  double lo = 0.0, hi = 0.0, best = INFINITY;
  g_autoptr(GString) runs = g_string_new (NULL);
  gsize dims[3];
  int threads = 1;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || opt_runs < 1)
    {
      fprintf (stderr, "usage: evox-bench-tortuosity [--runs N] [--axis x|y|z] [--range LO:HI] "
               "[--tolerance T] [--history FILE] [--second LO:HI:D2] [--jacobi] FILE\n");
      return 2;
    }
  evox_tortuosity_params_init (&params);
  params.tolerance = opt_tolerance;
  if (opt_axis != NULL && !evox_flow_axis_from_string (opt_axis, &params.axis))
    {
      fprintf (stderr, "evox-bench-tortuosity: --axis takes x, y or z\n");
      return 2;
    }
  if (opt_range != NULL && sscanf (opt_range, "%lf:%lf", &lo, &hi) != 2)
    {
      fprintf (stderr, "evox-bench-tortuosity: --range takes LO:HI\n");
      return 2;
    }
  if (opt_second != NULL &&
      sscanf (opt_second, "%lf:%lf:%lf", &params.second_lo, &params.second_hi,
              &params.second_diffusivity) != 3)
    {
      fprintf (stderr, "evox-bench-tortuosity: --second takes LO:HI:D2\n");
      return 2;
    }
  params.second_phase = opt_second != NULL;
  if (opt_jacobi)
    params.preconditioner = EVOX_TORTUOSITY_JACOBI;
#ifdef HAVE_OPENMP
  threads = omp_get_max_threads ();
#endif
  volume = evox_tiff_read (argv[1], NULL, NULL, &error);
  if (volume == NULL)
    {
      fprintf (stderr, "evox-bench-tortuosity: %s\n", error->message);
      return 1;
    }
  evox_volume_get_dims (volume, dims);

  for (int r = 0; r < opt_runs; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      double s;

      g_clear_object (&result);
      result = evox_tortuosity_compute (volume, 0, lo, hi, &params, NULL, NULL, &error);
      if (result == NULL)
        {
          fprintf (stderr, "evox-bench-tortuosity: %s\n", error->message);
          return 1;
        }
      s = (g_get_monotonic_time () - t0) / 1e6;
      best = MIN (best, s);
      g_string_append_printf (runs, "%s%.3f", r > 0 ? "," : "", s);
    }

  if (opt_history != NULL)
    {
      guint n_values;
      const double *history = evox_tortuosity_get_residual_history (result, &n_values);
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; i < n_values; i++)
        g_string_append_printf (text, "%.6e\n", history[i]);
      if (!g_file_set_contents (opt_history, text->str, text->len, &error))
        {
          fprintf (stderr, "evox-bench-tortuosity: %s\n", error->message);
          return 1;
        }
    }
  printf ("tortuosity file=%s dims=%zux%zux%zu axis=%s lo=%g hi=%g tolerance=%g threads=%d "
          "porosity=%.9f connected=%.9f unknowns=%" G_GUINT64_FORMAT " percolating=%d "
          "tau=%.9f deff=%.9f flux_in=%.9g flux_out=%.9g iterations=%u residual=%.3e s=%.3f "
          "runs_s=%s second=%s\n", argv[1], dims[0], dims[1], dims[2],
          evox_flow_axis_to_string (params.axis), lo, hi, params.tolerance, threads,
          evox_tortuosity_get_porosity (result), evox_tortuosity_get_connected_fraction (result),
          evox_tortuosity_get_n_unknowns (result), evox_tortuosity_get_percolating (result),
          evox_tortuosity_get_tau (result), evox_tortuosity_get_effective_diffusivity (result),
          evox_tortuosity_get_flux_in (result), evox_tortuosity_get_flux_out (result),
          evox_tortuosity_get_n_iterations (result), evox_tortuosity_get_residual (result),
          best, runs->str, opt_second != NULL ? opt_second : "none");
  return 0;
}

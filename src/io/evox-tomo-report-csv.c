/* evox-tomo-report-csv.c: the reconstruction quality report as CSV: a `# key,value` header, then
 * a table per section, sections apart by two blank lines. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-tomo-report-csv.h"
#include "evox-csv.h"
#include "evox-types.h"

/* Two blank lines end a section: gnuplot's `index N` picks section N of a file written this
 * way, and splitting the text at "\n\n\n" gives tables that numpy and pandas read one by one. */
#define SECTION_END "\n\n"

/* The 1/2-bit threshold of van Heel and Schatz (2005) for a shell of n Fourier voxels, as
 * evox_fsc_threshold (src/analysis) computes it; src/io may not call into src/analysis. */
static double
half_bit_threshold (guint n)
{
  double sq;

  if (n == 0)
    return 1.0;
  sq = sqrt ((double) n);
  return (0.2071 + 1.9102 / sq) / (1.2071 + 0.9102 / sq);
}

static void
append_key (GString    *s,
            const char *key,
            double      value)
{
  g_string_append_printf (s, "# %s,", key);
  evox_csv_append_double (s, value);
  g_string_append_c (s, '\n');
}

/* Numbers after the first column. */
static void
append_numbers (GString      *s,
                const double *values,
                guint         n)
{
  for (guint i = 0; i < n; i++)
    {
      g_string_append_c (s, ',');
      evox_csv_append_double (s, values[i]);
    }
  g_string_append_c (s, '\n');
}

static void
append_header (GString            *s,
               const EvoxTomoReport *report)
{
  g_string_append (s, "# evox reconstruction report\n");
  g_string_append (s, "# key,value\n");
  append_key (s, "center", report->center);
  append_key (s, "center_fit", report->center_fit);
  append_key (s, "fast_rms", report->fast_rms);
  append_key (s, "resolution_half_bit", report->resolution_half_bit);
  append_key (s, "resolution_fixed", report->resolution_fixed);
  g_string_append_printf (s, "# resolution_unit,%s\n",
                          report->n_shells > 0 && report->fsc_per_nm ? "nm" : "voxel");
  append_key (s, "seconds", report->seconds);
  g_string_append_printf (s, "# n_angles,%u\n", report->n_angles);
  g_string_append_printf (s, "# n_iterations,%u\n", report->iterations->len);
  if (report->n_energies > 0)
    {
      append_key (s, "reference_ev", report->reference_ev);
      g_string_append_printf (s, "# n_energies,%u\n", report->n_energies);
    }
  g_string_append (s, SECTION_END);
}

/* An angle in degrees to a billionth of a degree: the radians went there and back from the
 * file's degrees, and without rounding 11 degrees reads 10.999999999999998. */
static double
degrees (double radians)
{
  return round (radians * 180.0 / G_PI * 1e9) / 1e9;
}

static void
append_angles (GString              *s,
               const EvoxTomoReport *report)
{
  g_string_append (s, "index,theta_deg,dx,dy,fast_dx,fast_dy\n");
  for (guint a = 0; a < report->n_angles; a++)
    {
      double row[5] = {
        degrees (report->theta[a]), report->dx[a], report->dy[a], report->fast_dx[a],
        report->fast_dy[a],
      };

      g_string_append_printf (s, "%u", a);
      append_numbers (s, row, G_N_ELEMENTS (row));
    }
  g_string_append (s, SECTION_END);
}

static void
append_iterations (GString              *s,
                   const EvoxTomoReport *report)
{
  g_string_append (s, "level,iteration,residual,update_rms\n");
  for (guint i = 0; i < report->iterations->len; i++)
    {
      const EvoxTomoIteration *it = &g_array_index (report->iterations, EvoxTomoIteration, i);
      double row[2] = { it->residual, it->update_rms };

      g_string_append_printf (s, "%u,%u", it->level, it->iteration);
      append_numbers (s, row, G_N_ELEMENTS (row));
    }
  g_string_append (s, SECTION_END);
}

static void
append_center_scan (GString              *s,
                    const EvoxTomoReport *report)
{
  const double *pairs = (const double *) report->center_scan->data;

  g_string_append (s, "center,score\n");
  for (guint i = 0; i + 1 < report->center_scan->len; i += 2)
    {
      evox_csv_append_double (s, pairs[i]);
      append_numbers (s, pairs + i + 1, 1);
    }
  g_string_append (s, SECTION_END);
}

static void
append_fsc (GString              *s,
            const EvoxTomoReport *report)
{
  g_string_append (s, "frequency,fsc,n_voxels,half_bit_threshold\n");
  for (guint i = 0; i < report->n_shells; i++)
    {
      evox_csv_append_double (s, report->fsc_frequency[i]);
      g_string_append_c (s, ',');
      evox_csv_append_double (s, report->fsc[i]);
      g_string_append_printf (s, ",%u,", report->fsc_n_voxels[i]);
      evox_csv_append_double (s, half_bit_threshold (report->fsc_n_voxels[i]));
      g_string_append_c (s, '\n');
    }
  g_string_append (s, SECTION_END);
}

static void
append_energies (GString              *s,
                 const EvoxTomoReport *report)
{
  g_string_append (s, "energy_ev,index,theta_deg,dx,dy,outlier\n");
  for (guint e = 0; e < report->n_energies; e++)
    {
      const EvoxTomoEnergyShifts *shifts = &report->energies[e];

      for (guint a = 0; a < report->n_angles; a++)
        {
          double row[3] = { degrees (report->theta[a]), shifts->dx[a], shifts->dy[a] };

          evox_csv_append_double (s, shifts->energy_ev);
          g_string_append_printf (s, ",%u", a);
          for (guint i = 0; i < G_N_ELEMENTS (row); i++)
            {
              g_string_append_c (s, ',');
              evox_csv_append_double (s, row[i]);
            }
          g_string_append (s, shifts->outlier[a] ? ",1\n" : ",0\n");
        }
    }
  g_string_append (s, SECTION_END);

  g_string_append (s, "energy_ev,scale,fit_a,fit_b,fit_c,fit_dy,fit_rms,n_outliers\n");
  for (guint e = 0; e < report->n_energies; e++)
    {
      const EvoxTomoEnergyShifts *shifts = &report->energies[e];
      double row[6] = {
        shifts->scale, shifts->fit_a, shifts->fit_b, shifts->fit_c, shifts->fit_dy,
        shifts->fit_rms,
      };

      evox_csv_append_double (s, shifts->energy_ev);
      for (guint i = 0; i < G_N_ELEMENTS (row); i++)
        {
          g_string_append_c (s, ',');
          evox_csv_append_double (s, row[i]);
        }
      g_string_append_printf (s, ",%u\n", shifts->n_outliers);
    }
}

gboolean
evox_tomo_report_write_csv (const EvoxTomoReport  *report,
                            const char            *path,
                            gboolean               force,
                            GError               **error)
{
  g_autoptr (GString) s = NULL;

  g_return_val_if_fail (report != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  s = g_string_new (NULL);
  append_header (s, report);
  append_angles (s, report);
  append_iterations (s, report);
  append_center_scan (s, report);
  append_fsc (s, report);
  if (report->n_energies > 0)
    append_energies (s, report);
  return evox_csv_write_text (path, s->str, s->len, force, error);
}

/* test-tomo-report-csv.c: the reconstruction quality report written as CSV and parsed back here,
 * section by section; refusals and the safe-output path. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "evox-test-util.h"
#include "evox-tomo-report-csv.h"
#include "evox-types.h"

#define N_ANGLES 7

/* A report with every section filled by numbers that are easy to recognise, some NaN. */
static EvoxTomoReport *
make_report (gboolean energies)
{
  double theta[N_ANGLES];
  EvoxTomoReport *report;
  const double freq[3] = { 0.0025, 0.0075, 0.0125 };
  const double fsc[3] = { 0.99, 0.5, NAN };
  const guint nv[3] = { 7, 123, 0 };

  for (guint a = 0; a < N_ANGLES; a++)
    theta[a] = G_PI * a / N_ANGLES;
  report = evox_tomo_report_new (N_ANGLES, theta);
  for (guint a = 0; a < N_ANGLES; a++)
    {
      report->dx[a] = 0.1 * a - 0.3;
      report->dy[a] = -0.05 * a;
      report->fast_dx[a] = a == 3 ? NAN : 0.1 * a;
      report->fast_dy[a] = 1.0 / (a + 1);
    }
  report->fast_rms = 1.25;
  report->center = 31.75;
  report->center_fit = 31.5;
  report->seconds = 2.5;
  report->resolution_half_bit = 83.25;
  report->resolution_fixed = NAN;
  for (guint i = 0; i < 4; i++)
    {
      EvoxTomoIteration it = { i / 2, i % 2, 0.5 / (i + 1), 0.25 / (i + 1) };

      g_array_append_val (report->iterations, it);
    }
  for (guint i = 0; i < 3; i++)
    {
      double pair[2] = { 30.0 + i, 10.0 - i * i };

      g_array_append_vals (report->center_scan, pair, 2);
    }
  evox_tomo_report_set_fsc (report, 3, freq, fsc, nv, TRUE);
  if (energies)
    {
      evox_tomo_report_set_energies (report, 2);
      report->reference_ev = 8400.0;
      for (guint e = 0; e < 2; e++)
        {
          EvoxTomoEnergyShifts *s = &report->energies[e];

          s->energy_ev = e == 0 ? 8330.0 : 8400.0;
          s->scale = e == 0 ? 8330.0 / 8400.0 : 1.0;
          for (guint a = 0; a < N_ANGLES; a++)
            {
              s->dx[a] = e * 0.5 + a;
              s->dy[a] = -a * 0.125;
              s->outlier[a] = e == 0 && a == 2;
            }
          s->fit_a = 1.5 + e;
          s->fit_b = -0.5;
          s->fit_c = 0.25;
          s->fit_dy = 0.75;
          s->fit_rms = e == 0 ? 0.125 : NAN;
          s->n_outliers = e == 0 ? 1 : 0;
        }
    }
  return report;
}

/* The file split into its sections (at the two blank lines that end each), each parsed as CSV
 * (a GPtrArray of rows). Section 0 is the `# key,value` block. */
static GPtrArray *
read_sections (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;
  GPtrArray *sections = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  parts = g_strsplit (text, "\n\n\n", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *section = NULL;

      if (parts[i][0] == '\0')
        continue;
      section = g_strconcat (parts[i], "\n", NULL);
      g_ptr_array_add (sections, evox_test_csv_parse (section));
    }
  return sections;
}

static const char *
field (GPtrArray *rows,
       guint      row,
       guint      column)
{
  char **fields;

  g_assert_cmpuint (row, <, rows->len);
  fields = rows->pdata[row];
  g_assert_cmpuint (column, <, g_strv_length (fields));
  return fields[column];
}

/* The field reads back as exactly value (NaN as "nan"). */
static void
assert_number (GPtrArray *rows,
               guint      row,
               guint      column,
               double     value)
{
  const char *text = field (rows, row, column);
  char *end = NULL;
  double got = g_ascii_strtod (text, &end);

  g_assert_true (end != text && *end == '\0');
  if (isnan (value))
    g_assert_true (isnan (got));
  else
    g_assert_cmpfloat (got, ==, value);
}

/* The `# key,value` line for key in section 0. */
static void
assert_key (GPtrArray  *header,
            const char *key,
            double      value)
{
  g_autofree char *name = g_strdup_printf ("# %s", key);

  for (guint r = 0; r < header->len; r++)
    if (g_str_equal (field (header, r, 0), name))
      {
        assert_number (header, r, 1, value);
        return;
      }
  g_error ("no key %s in the report header", key);
}

static void
assert_key_text (GPtrArray  *header,
                 const char *key,
                 const char *value)
{
  g_autofree char *name = g_strdup_printf ("# %s", key);

  for (guint r = 0; r < header->len; r++)
    if (g_str_equal (field (header, r, 0), name))
      {
        g_assert_cmpstr (field (header, r, 1), ==, value);
        return;
      }
  g_error ("no key %s in the report header", key);
}

/* The 1/2-bit curve of van Heel and Schatz (2005), eq. 17, written out here from the paper. */
static double
half_bit (guint n)
{
  double s = sqrt ((double) n);

  return n == 0 ? 1.0 : (0.2071 + 1.9102 / s) / (1.2071 + 0.9102 / s);
}

static void
check_common (GPtrArray            *sections,
              const EvoxTomoReport *report)
{
  GPtrArray *header = sections->pdata[0];
  GPtrArray *angles = sections->pdata[1];
  GPtrArray *iterations = sections->pdata[2];
  GPtrArray *scan = sections->pdata[3];
  GPtrArray *fsc = sections->pdata[4];

  g_assert_cmpstr (field (header, 0, 0), ==, "# evox reconstruction report");
  assert_key (header, "center", 31.75);
  assert_key (header, "center_fit", 31.5);
  assert_key (header, "fast_rms", 1.25);
  assert_key (header, "resolution_half_bit", 83.25);
  assert_key (header, "resolution_fixed", NAN);
  assert_key (header, "seconds", 2.5);
  assert_key (header, "n_angles", N_ANGLES);
  assert_key (header, "n_iterations", 4);
  assert_key_text (header, "resolution_unit", "nm");

  evox_test_csv_assert_header (angles, "index,theta_deg,dx,dy,fast_dx,fast_dy");
  g_assert_cmpuint (angles->len, ==, N_ANGLES + 1);
  for (guint a = 0; a < N_ANGLES; a++)
    {
      assert_number (angles, a + 1, 0, a);
      /* degrees to a billionth */
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (field (angles, a + 1, 1), NULL),
                                      180.0 * a / N_ANGLES, 0.6e-9);
      assert_number (angles, a + 1, 2, report->dx[a]);
      assert_number (angles, a + 1, 3, report->dy[a]);
      assert_number (angles, a + 1, 4, report->fast_dx[a]);
      assert_number (angles, a + 1, 5, report->fast_dy[a]);
    }

  evox_test_csv_assert_header (iterations, "level,iteration,residual,update_rms");
  g_assert_cmpuint (iterations->len, ==, 5);
  for (guint i = 0; i < 4; i++)
    {
      assert_number (iterations, i + 1, 0, i / 2);
      assert_number (iterations, i + 1, 1, i % 2);
      assert_number (iterations, i + 1, 2, 0.5 / (i + 1));
      assert_number (iterations, i + 1, 3, 0.25 / (i + 1));
    }

  evox_test_csv_assert_header (scan, "center,score");
  g_assert_cmpuint (scan->len, ==, 4);
  for (guint i = 0; i < 3; i++)
    {
      assert_number (scan, i + 1, 0, 30.0 + i);
      assert_number (scan, i + 1, 1, 10.0 - i * i);
    }

  evox_test_csv_assert_header (fsc, "frequency,fsc,n_voxels,half_bit_threshold");
  g_assert_cmpuint (fsc->len, ==, 4);
  for (guint i = 0; i < 3; i++)
    {
      assert_number (fsc, i + 1, 0, report->fsc_frequency[i]);
      assert_number (fsc, i + 1, 1, report->fsc[i]);
      assert_number (fsc, i + 1, 2, report->fsc_n_voxels[i]);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (field (fsc, i + 1, 3), NULL),
                                      half_bit (report->fsc_n_voxels[i]), 1e-12);
    }
  /* A 7-voxel shell: (0.2071 + 1.9102 / 2.6458) / (1.2071 + 0.9102 / 2.6458) = 0.5990 */
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (field (fsc, 1, 3), NULL), 0.5990, 1e-4);
}

static void
test_sections (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "qc.csv", NULL);
  g_autoptr(EvoxTomoReport) report = make_report (FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sections = NULL;

  g_assert_true (evox_tomo_report_write_csv (report, path, FALSE, &error));
  g_assert_no_error (error);
  sections = read_sections (path);
  g_assert_cmpuint (sections->len, ==, 5);
  check_common (sections, report);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_energies (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "qc.csv", NULL);
  g_autoptr(EvoxTomoReport) report = make_report (TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sections = NULL;
  GPtrArray *shifts, *fits;

  g_assert_true (evox_tomo_report_write_csv (report, path, FALSE, &error));
  g_assert_no_error (error);
  sections = read_sections (path);
  g_assert_cmpuint (sections->len, ==, 7);
  check_common (sections, report);
  assert_key (sections->pdata[0], "reference_ev", 8400.0);
  assert_key (sections->pdata[0], "n_energies", 2);

  shifts = sections->pdata[5];
  evox_test_csv_assert_header (shifts, "energy_ev,index,theta_deg,dx,dy,outlier");
  g_assert_cmpuint (shifts->len, ==, 2 * N_ANGLES + 1);
  for (guint e = 0; e < 2; e++)
    for (guint a = 0; a < N_ANGLES; a++)
      {
        guint r = 1 + e * N_ANGLES + a;

        assert_number (shifts, r, 0, report->energies[e].energy_ev);
        assert_number (shifts, r, 1, a);
        assert_number (shifts, r, 3, report->energies[e].dx[a]);
        assert_number (shifts, r, 4, report->energies[e].dy[a]);
        assert_number (shifts, r, 5, e == 0 && a == 2 ? 1 : 0);
      }
  fits = sections->pdata[6];
  evox_test_csv_assert_header (fits, "energy_ev,scale,fit_a,fit_b,fit_c,fit_dy,fit_rms,"
                               "n_outliers");
  g_assert_cmpuint (fits->len, ==, 3);
  for (guint e = 0; e < 2; e++)
    {
      const EvoxTomoEnergyShifts *s = &report->energies[e];

      assert_number (fits, e + 1, 0, s->energy_ev);
      assert_number (fits, e + 1, 1, s->scale);
      assert_number (fits, e + 1, 2, s->fit_a);
      assert_number (fits, e + 1, 3, s->fit_b);
      assert_number (fits, e + 1, 4, s->fit_c);
      assert_number (fits, e + 1, 5, s->fit_dy);
      assert_number (fits, e + 1, 6, s->fit_rms);
      assert_number (fits, e + 1, 7, s->n_outliers);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Whole degrees as a file gives them (180 angles, 0 to 179), converted to radians by the reader:
 * the angles column says each as the plain number ("11", not "10.999999999999998"). */
static void
test_whole_degrees (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "qc.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sections = NULL;
  double theta[180];
  g_autoptr(EvoxTomoReport) report = NULL;

  for (guint a = 0; a < 180; a++)
    theta[a] = a * G_PI / 180.0;
  report = evox_tomo_report_new (180, theta);
  g_assert_true (evox_tomo_report_write_csv (report, path, FALSE, &error));
  g_assert_no_error (error);
  sections = read_sections (path);
  for (guint a = 0; a < 180; a++)
    {
      g_autofree char *want = g_strdup_printf ("%u", a);

      g_assert_cmpstr (field (sections->pdata[1], a + 1, 1), ==, want);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* An empty report (nothing computed): every section still there with its header, figures nan. */
static void
test_empty (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "qc.csv", NULL);
  g_autoptr(EvoxTomoReport) report = evox_tomo_report_new (0, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sections = NULL;

  g_assert_true (evox_tomo_report_write_csv (report, path, FALSE, &error));
  g_assert_no_error (error);
  sections = read_sections (path);
  g_assert_cmpuint (sections->len, ==, 5);
  assert_key (sections->pdata[0], "center", NAN);
  assert_key_text (sections->pdata[0], "resolution_unit", "voxel");
  for (guint i = 1; i < 5; i++)
    g_assert_cmpuint (((GPtrArray *) sections->pdata[i])->len, ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_refusals (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "qc.csv", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "qc.csv", NULL);
  g_autoptr(EvoxTomoReport) report = make_report (FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_true (g_file_set_contents (path, "keep me\n", -1, NULL));
  g_assert_false (evox_tomo_report_write_csv (report, path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "keep me\n");

  g_assert_true (evox_tomo_report_write_csv (report, path, TRUE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "# evox reconstruction report\n"));

  g_assert_false (evox_tomo_report_write_csv (report, missing, FALSE, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, missing));
  /* Nothing left behind: the report only. */
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/TomoReportCsv/sections", test_sections);
  g_test_add_func ("/Evox/TomoReportCsv/energies", test_energies);
  g_test_add_func ("/Evox/TomoReportCsv/empty", test_empty);
  g_test_add_func ("/Evox/TomoReportCsv/whole-degrees", test_whole_degrees);
  g_test_add_func ("/Evox/TomoReportCsv/refusals", test_refusals);
  return g_test_run ();
}

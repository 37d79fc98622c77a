/* test-csv.c: the fractions and particle CSV writers against counts and text made here. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "evox-csv.h"
#include "evox-loader.h"
#include "evox-test-util.h"

static void
test_field_quoting (void)
{
  const char *cases[][2] = {
    { "plain", "plain" },
    { "", "" },
    { "with space", "with space" },
    { "a,b", "\"a,b\"" },
    { "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "two\nlines", "\"two\nlines\"" },
    { "cr\r", "\"cr\r\"" },
    { "Kohlenstoff-Binder µ", "Kohlenstoff-Binder µ" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) s = g_string_new (NULL);

      evox_csv_append_field (s, cases[i][0]);
      g_assert_cmpstr (s->str, ==, cases[i][1]);
    }
}

/* Doubles read back as the same double and floats as the same float, in few digits. */
static void
test_numbers (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  const struct
  {
    double      value;
    const char *text;
  } known[] = {
    { 0.1, "0.1" }, { 85, "85" }, { -4.5, "-4.5" }, { 1e-300, "1e-300" }, { 0, "0" },
    { 0.30000000000000004, "0.30000000000000004" }, { NAN, "nan" }, { INFINITY, "inf" },
    { -INFINITY, "-inf" }, { 123456789012.0, "123456789012" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      g_autoptr(GString) s = g_string_new (NULL);

      evox_csv_append_double (s, known[i].value);
      g_assert_cmpstr (s->str, ==, known[i].text);
    }
  for (guint i = 0; i < 20000; i++)
    {
      g_autoptr(GString) d = g_string_new (NULL);
      g_autoptr(GString) f = g_string_new (NULL);
      guint64 bits = (guint64) g_rand_int (rand) << 32 | g_rand_int (rand);
      double value;
      float single = (float) g_rand_double_range (rand, -1e6, 1e6) *
                     (float) pow (10, g_rand_int_range (rand, -30, 30));

      memcpy (&value, &bits, sizeof value);
      if (!isfinite (value))
        continue;
      evox_csv_append_double (d, value);
      evox_csv_append_float (f, single);
      g_assert_cmpfloat (g_ascii_strtod (d->str, NULL), ==, value);
      g_assert_cmpfloat ((float) g_ascii_strtod (f->str, NULL), ==, single);
      g_assert_cmpuint (d->len, <=, 24);
      g_assert_cmpuint (f->len, <=, 15);
      g_assert_null (strchr (d->str, ','));
    }
  /* Voxel values such as 0.1f are written as the float they are, not its 17-digit double. */
  {
    g_autoptr(GString) f = g_string_new (NULL);
    evox_csv_append_float (f, 0.1f);
    g_assert_cmpstr (f->str, ==, "0.1");
  }
}

static EvoxVolume *
make_u16 (guint16 **values_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  EvoxVolume *volume = evox_volume_new (21, 13, 7, 1, EVOX_SAMPLE_U16, &error);
  guint16 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < 21 * 13 * 7; i++)
    data[i] = (guint16) g_rand_int_range (rand, 100, 3001);
  evox_volume_freeze (volume);
  *values_out = data;
  return volume;
}

static guint64
count (const guint16 *values,
       double         lo,
       double         hi)
{
  guint64 n = 0;

  for (gsize i = 0; i < 21 * 13 * 7; i++)
    n += values[i] >= lo && values[i] <= hi;
  return n;
}

/* Exact counts of each phase and of each edge moved by -delta and +delta (0 once the edges
 * cross), hidden and overlapping phases included; the CSV text from them. */
static void
test_fraction_table (void)
{
  guint16 *values;
  g_autoptr(EvoxVolume) volume = make_u16 (&values);
  g_autoptr(EvoxPhaseList) phases = evox_phase_list_new ();
  g_autoptr(EvoxFractionTable) table = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  const char *names[] = { "low", "mid, \"wide\"", "narrow", "top" };
  const double lo[] = { 100, 700.5, 1500, 2900 };
  const double hi[] = { 800, 2000, 1520, 3000 };
  guint16 min = G_MAXUINT16, max = 0;
  double delta;

  for (gsize i = 0; i < 21 * 13 * 7; i++)
    {
      min = MIN (min, values[i]);
      max = MAX (max, values[i]);
    }
  delta = 0.05 * (max - min);
  for (guint p = 0; p < G_N_ELEMENTS (names); p++)
    {
      g_autoptr(EvoxPhase) phase = evox_phase_new (names[p], lo[p], hi[p], "#ff0000");
      evox_phase_set_visible (phase, p != 2);
      evox_phase_list_append (phases, phase);
    }
  /* Without scans "measured" counts the volume, and the table says so. */
  table = evox_fraction_table_new (volume, 0, EVOX_BASIS_MEASURED, phases, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (table->n_rows, ==, 4);
  g_assert_cmpint (table->basis, ==, EVOX_BASIS_VOLUME);
  g_assert_cmpuint (table->n_finite, ==, 21 * 13 * 7);
  g_assert_cmpfloat_with_epsilon (table->delta, delta, 1e-9);
  for (guint p = 0; p < 4; p++)
    {
      const EvoxFractionRow *row = &table->rows[p];
      const double moved[4][2] = {
        { lo[p] - delta, hi[p] }, { lo[p] + delta, hi[p] },
        { lo[p], hi[p] - delta }, { lo[p], hi[p] + delta },
      };

      g_assert_cmpstr (row->name, ==, names[p]);
      g_assert_cmpfloat (row->lo, ==, lo[p]);
      g_assert_cmpfloat (row->hi, ==, hi[p]);
      g_assert_cmpuint (row->voxels, ==, count (values, lo[p], hi[p]));
      g_assert_cmpfloat (evox_fraction_table_get_fraction (table, p, -1), ==,
                         (double) row->voxels / table->n_finite);
      for (guint s = 0; s < 4; s++)
        {
          guint64 expected = moved[s][0] <= moved[s][1]
                               ? count (values, moved[s][0], moved[s][1]) : 0;
          g_assert_cmpuint (row->shifted[s], ==, expected);
        }
    }
  /* "narrow" spans 20, less than delta (145): moving lo up past hi empties it. */
  g_assert_cmpuint (table->rows[2].shifted[EVOX_FRACTION_LO_PLUS], ==, 0);
  g_assert_cmpuint (table->rows[2].shifted[EVOX_FRACTION_HI_MINUS], ==, 0);

  text = evox_csv_format_fractions (table);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 6);
  g_assert_cmpstr (lines[0], ==, "phase,lo,hi,voxels,fraction,delta,fraction_lo_minus,"
                                 "fraction_lo_plus,fraction_hi_minus,fraction_hi_plus,basis");
  g_assert_true (g_str_has_suffix (lines[1], ",volume"));
  g_assert_true (g_str_has_prefix (lines[2], "\"mid, \"\"wide\"\"\",700.5,2000,"));
  g_assert_cmpstr (lines[5], ==, "");

  /* The file holds the same text; an existing one is kept without overwrite. */
  {
    g_autofree char *dir = evox_test_tmpdir_new ();
    g_autofree char *path = g_build_filename (dir, "fractions.csv", NULL);
    g_autofree char *missing = g_build_filename (dir, "no", "fractions.csv", NULL);
    g_autofree char *contents = NULL;

    g_assert_true (evox_csv_write_fractions (path, volume, 0, EVOX_BASIS_VOLUME, phases, FALSE, NULL,
                                             &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, text);
    g_assert_false (evox_csv_write_fraction_table (path, table, FALSE, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
    g_clear_error (&error);
    g_assert_true (evox_csv_write_fraction_table (path, table, TRUE, &error));
    g_assert_no_error (error);
    g_assert_false (evox_csv_write_fraction_table (missing, table, FALSE, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "fractions.csv"));
    g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
    evox_test_tmpdir_free (g_steal_pointer (&dir));
  }
}

/* Without a known voxel size no column says nm: volumes are voxel counts, lengths voxel edges and
 * centroids voxel indices, even where Evox assumed a flat 1 x 1 x 10 nm voxel (an SSRM table read
 * without its pixel size). */
static void
test_particles_voxels (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (5, 5, 5, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxLabels) labels = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) fields = NULL;
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 1; z <= 2; z++)
    for (gsize y = 1; y <= 2; y++)
      for (gsize x = 1; x <= 2; x++)
        data[(z * 5 + y) * 5 + x] = 1;
  evox_volume_set_spacing (volume, (double[3]) { 1, 1, 10 });
  evox_volume_set_spacing_known (volume, FALSE);
  evox_volume_freeze (volume);
  labels = evox_labels_compute (volume, 0, "cube", 1, 1, EVOX_CONNECTIVITY_26, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  text = evox_csv_format_particles (&labels, 1);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "phase,id,voxels,volume_voxels,diameter_px,area_px2,sphericity,"
                                 "centroid_x_px,centroid_y_px,centroid_z_px,bbox_x0,bbox_y0,"
                                 "bbox_z0,bbox_x1,bbox_y1,bbox_z1,mean,std,min,max,"
                                 "touches_border,basis");
  g_assert_null (strstr (lines[0], "nm"));
  fields = g_strsplit (lines[1], ",", -1);
  g_assert_cmpstr (fields[2], ==, "8");
  /* 8 voxels of 10 nm^3 each, counted in voxels again. */
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (fields[3], NULL), 8.0, 1e-9);
  /* The equivalent diameter of 8 voxels, (6 * 8 / pi)^(1/3) voxel edges. */
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (fields[4], NULL), cbrt (48 / G_PI), 1e-9);
  for (int a = 0; a < 3; a++)
    g_assert_cmpfloat_with_epsilon (g_ascii_strtod (fields[7 + a], NULL), 1.5, 1e-9);
}

/* One row per particle, ids of the second EvoxLabels after the first's; the numbers are the
 * EvoxParticle's. */
static void
test_particles (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (12, 9, 4, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxLabels) a = NULL;
  g_autoptr(EvoxLabels) b = NULL;
  g_autofree char *text = NULL;
  g_autofree char *single = NULL;
  g_auto(GStrv) lines = NULL;
  EvoxLabels *both[2];
  guint8 *data;
  guint line = 1;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0, i = 0; z < 4; z++)
    for (gsize y = 0; y < 9; y++)
      for (gsize x = 0; x < 12; x++, i++)
        data[i] = (x % 4 == 3 || y % 3 == 2) ? 0 : (x / 4 + y / 3) % 2 ? 20 + x : 200 - z;
  /* A stated voxel size: the columns are in nm. */
  evox_volume_set_spacing (volume, (double[3]) { 2, 2, 5 });
  evox_volume_freeze (volume);
  a = evox_labels_compute (volume, 0, "low, \"one\"", 1, 100, EVOX_CONNECTIVITY_26, 0, NULL,
                           NULL, &error);
  g_assert_no_error (error);
  b = evox_labels_compute (volume, 0, "high", 150, 255, EVOX_CONNECTIVITY_26, 0, NULL, NULL,
                           &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (a), >=, 4);
  g_assert_cmpuint (evox_labels_get_n_particles (b), >=, 4);
  both[0] = a;
  both[1] = b;
  text = evox_csv_format_particles (both, 2);
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "phase,id,voxels,volume_nm3,diameter_nm,area_nm2,sphericity,"
                                 "centroid_x_nm,centroid_y_nm,centroid_z_nm,bbox_x0,bbox_y0,"
                                 "bbox_z0,bbox_x1,bbox_y1,bbox_z1,mean,std,min,max,"
                                 "touches_border,basis");
  for (guint k = 0; k < 2; k++)
    for (guint32 id = 1; id <= evox_labels_get_n_particles (both[k]); id++, line++)
      {
        const EvoxParticle *p = evox_labels_get_particle (both[k], id);
        guint32 shown = id + (k == 1 ? evox_labels_get_n_particles (a) : 0);
        g_autofree char *start = g_strdup_printf ("%s,%u,%" G_GUINT64_FORMAT ",",
                                                  k == 0 ? "\"low, \"\"one\"\"\"" : "high",
                                                  shown, p->voxels);
        g_autofree char *bbox = g_strdup_printf (",%u,%u,%u,%u,%u,%u,", p->bbox_min[0],
                                                 p->bbox_min[1], p->bbox_min[2], p->bbox_max[0],
                                                 p->bbox_max[1], p->bbox_max[2]);
        g_autofree char *end = g_strdup_printf (",%g,%g,%s,volume", p->min, p->max,
                                                p->touches_border ? "true" : "false");

        g_assert_true (g_str_has_prefix (lines[line], start));
        g_assert_nonnull (strstr (lines[line], bbox));
        g_assert_true (g_str_has_suffix (lines[line], end));
      }
  g_assert_cmpstr (lines[line], ==, "");
  g_assert_null (lines[line + 1]);

  /* One EvoxLabels keeps its ids. */
  single = evox_csv_format_particles (&b, 1);
  g_assert_nonnull (strstr (single, "\nhigh,1,"));

  {
    g_autofree char *dir = evox_test_tmpdir_new ();
    g_autofree char *path = g_build_filename (dir, "particles.csv", NULL);
    g_autofree char *contents = NULL;

    g_assert_true (evox_csv_write_particles (path, both, 2, FALSE, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, text);
    g_assert_false (evox_csv_write_particles (path, both, 2, FALSE, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
    evox_test_tmpdir_free (g_steal_pointer (&dir));
  }
}


/* The Gr/Si preset on the real A19 table, on both bases. Oracle (numpy 1.24, Debian's
 * python3-numpy; the script is tests/a19-fractions.py): read the CSV, sort rows Y then X, take
 * the four R columns as float32 scans at 0, 43, 87 and 130 nm, build the 14 layers at 0, 10, ...,
 * 130 nm as README "SSRM tables" says ((1 - w) * above + w * below in double, stored as
 * float32), and count -7 <= v <= -3.5, -3.5 < v <= -0.5, -0.5 < v <= 2 (a value on a shared edge
 * is the first phase's: 28 scan values and 20 volume values sit on -3.5).
 *   measured scans (65,536 values):       53058  4285  8193  (81.0 %, 6.5 %, 12.5 %)
 *   interpolated volume (229,376 values): 176384 30817 22175 (76.9 %, 13.4 %, 9.7 %)
 * Before the basis existed every fraction was of the volume, so the measured numbers fail. */
static void
test_fractions_a19 (void)
{
  g_autofree char *path = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  static const guint64 expected[2][3] = {
    { 53058, 4285, 8193 },
    { 176384, 30817, 22175 },
  };
  static const guint64 n_expected[2] = { 65536, 229376 };
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxPhaseList) phases = evox_phase_list_new ();
  g_autoptr(GPtrArray) presets = NULL;
  g_autoptr(GError) error = NULL;
  EvoxPhasePreset *ssrm = NULL;

  if (path == NULL)
    return;
  volume = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  presets = evox_phase_presets_list ();
  for (guint i = 0; i < presets->len; i++)
    if (g_str_equal (evox_phase_preset_get_name (g_ptr_array_index (presets, i)),
                     "Gr/Si anode (SSRM)"))
      ssrm = g_ptr_array_index (presets, i);
  g_assert_nonnull (ssrm);
  g_assert_true (evox_phase_preset_apply (ssrm, phases, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (evox_basis_has_choice (volume, 0));

  for (EvoxBasis basis = EVOX_BASIS_MEASURED; basis <= EVOX_BASIS_VOLUME; basis++)
    {
      g_autoptr(EvoxFractionTable) table = NULL;
      EvoxFineHistogram *fine = evox_basis_get_histogram (volume, 0, basis);
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      table = evox_fraction_table_new (volume, 0, basis, phases, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (table->basis, ==, basis);
      g_assert_cmpuint (table->n_finite, ==, n_expected[basis]);
      g_assert_cmpuint (evox_fine_histogram_get_n_finite (fine), ==, n_expected[basis]);
      for (guint k = 0; k < 3; k++)
        {
          double exact = (double) expected[basis][k] / n_expected[basis];

          g_assert_cmpuint (table->rows[k].voxels, ==, expected[basis][k]);
          /* What the Phases page shows comes from the fine histogram of the same basis: within
           * a fine bin of each edge, so the same to a tenth of a percent. */
          g_assert_cmpfloat_with_epsilon (evox_phase_list_fraction (phases, k, EVOX_SAMPLE_F32,
                                                                    fine), exact, 5e-4);
        }
      text = evox_csv_format_fractions (table);
      lines = g_strsplit (text, "\n", -1);
      g_assert_true (g_str_has_suffix (lines[1], basis == EVOX_BASIS_MEASURED ? ",measured"
                                                                               : ",volume"));
    }
  /* The channel's histogram is the volume's; the measured one holds each scan as a layer. */
  g_assert_true (evox_basis_get_histogram (volume, 0, EVOX_BASIS_VOLUME) ==
                 evox_volume_get_fine_histogram (volume, 0));
  g_assert_cmpuint (evox_fine_histogram_get_n_layers (evox_basis_get_histogram
                                                        (volume, 0, EVOX_BASIS_MEASURED)), ==, 4);
  {
    g_autofree char *label = evox_basis_dup_label (volume, 0, EVOX_BASIS_MEASURED);
    g_assert_cmpstr (label, ==, "of the 4 measured scans");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Csv/field-quoting", test_field_quoting);
  g_test_add_func ("/Evox/Csv/numbers", test_numbers);
  g_test_add_func ("/Evox/Csv/fraction-table", test_fraction_table);
  g_test_add_func ("/Evox/Csv/fractions-a19", test_fractions_a19);
  g_test_add_func ("/Evox/Csv/particles", test_particles);
  g_test_add_func ("/Evox/Csv/particles-voxels", test_particles_voxels);
  return g_test_run ();
}

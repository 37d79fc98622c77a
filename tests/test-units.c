/* test-units.c: the one length-unit choice and formatter every figure with a unit goes through. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "evox-document.h"
#include "evox-labels.h"
#include "evox-units.h"
#include "evox-volume.h"

static void
test_choice (void)
{
  /* Scaled so figures stay between about 1 and 1000 of their unit. */
  g_assert_cmpint (evox_units_for_length (0).unit, ==, EVOX_LENGTH_NM);
  g_assert_cmpint (evox_units_for_length (999.9).unit, ==, EVOX_LENGTH_NM);
  g_assert_cmpint (evox_units_for_length (1000).unit, ==, EVOX_LENGTH_UM);
  g_assert_cmpfloat (evox_units_for_length (1000).nm, ==, 1e3);
  g_assert_cmpint (evox_units_for_length (999999).unit, ==, EVOX_LENGTH_UM);
  g_assert_cmpint (evox_units_for_length (2e6).unit, ==, EVOX_LENGTH_MM);
  g_assert_cmpint (evox_units_for_length (NAN).unit, ==, EVOX_LENGTH_NM);
}

static void
test_format (void)
{
  EvoxUnits um = evox_units_for_length (5000);
  EvoxUnits nm = evox_units_for_length (5);
  struct
  {
    char *text;
    const char *expected;
  } cases[] = {
    /* 4155820.78 nm^2 is 4.15582078 um^2; 2267965.58 nm^3 is 0.00226796558 um^3. */
    { evox_format_area (&um, 4155820.78028227, EVOX_UNITS_UNICODE), "4.156 µm²" },
    { evox_format_volume (&um, 2267965.583333823, EVOX_UNITS_UNICODE), "0.002268 µm³" },
    { evox_format_area (&um, 4155820.78028227, EVOX_UNITS_ASCII), "4.156 um^2" },
    { evox_format_volume (&um, 2267965.583333823, EVOX_UNITS_ASCII), "0.002268 um^3" },
    { evox_format_length (&um, 1250, EVOX_UNITS_UNICODE), "1.25 µm" },
    { evox_format_length (&nm, 12.5, EVOX_UNITS_ASCII), "12.5 nm" },
    /* 3 particles in a 1 um^3 box: 3e-9 per nm^3. */
    { evox_format_density (&um, 3e-9, EVOX_UNITS_UNICODE), "3 µm⁻³" },
    { evox_format_density (&nm, 3e-9, EVOX_UNITS_ASCII), "3.000e-09 nm^-3" },
    { evox_format_volume (&nm, 6718710, EVOX_UNITS_ASCII), "6718710 nm^3" },
    { evox_format_volume (&nm, 0, EVOX_UNITS_ASCII), "0 nm^3" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpstr (cases[i].text, ==, cases[i].expected);
      g_free (cases[i].text);
    }
}

static void
test_volume_units (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (128, 128, 14, 1, EVOX_SAMPLE_F32, &error);
  EvoxUnits units;
  g_autofree char *count = NULL;
  g_autofree char *length = NULL;
  g_autofree char *density = NULL;

  g_assert_no_error (error);

  /* A new volume's size is not known: figures are voxels, never nm. */
  g_assert_false (evox_volume_get_spacing_known (volume));
  units = evox_units_for_volume (volume);
  g_assert_cmpint (units.unit, ==, EVOX_LENGTH_VOXELS);
  count = evox_format_volume (&units, 27, EVOX_UNITS_UNICODE);
  g_assert_cmpstr (count, ==, "27 voxels");
  length = evox_format_length (&units, 3.5, EVOX_UNITS_ASCII);
  g_assert_cmpstr (length, ==, "3.5 px");
  g_clear_pointer (&count, g_free);

  /* An SSRM table read without its pixel size: 1 x 1 x 10 nm assumed, still voxels, and a
   * volume of 270 nm^3 is 27 of those voxels. */
  evox_volume_set_spacing (volume, (double[3]) { 1, 1, 10 });
  evox_volume_set_spacing_known (volume, FALSE);
  units = evox_units_for_volume (volume);
  g_assert_cmpint (units.unit, ==, EVOX_LENGTH_VOXELS);
  count = evox_format_volume (&units, 270, EVOX_UNITS_ASCII);
  g_assert_cmpstr (count, ==, "27 voxels");
  density = evox_format_density (&units, 1.0 / 270, EVOX_UNITS_ASCII);
  g_assert_cmpstr (density, ==, "0.03704 per voxel");
  g_clear_pointer (&count, g_free);

  /* A19 at 7.8125 nm: 1000 nm wide, so um; the demo's 128 nm stays in nm. */
  evox_volume_set_spacing (volume, (double[3]) { 7.8125, 7.8125, 10 });
  g_assert_true (evox_volume_get_spacing_known (volume));
  units = evox_units_for_volume (volume);
  g_assert_cmpint (units.unit, ==, EVOX_LENGTH_UM);
  evox_volume_set_spacing (volume, (double[3]) { 1, 1, 10 });
  units = evox_units_for_volume (volume);
  g_assert_cmpint (units.unit, ==, EVOX_LENGTH_NM);
  count = evox_format_volume (&units, 270, EVOX_UNITS_ASCII);
  g_assert_cmpstr (count, ==, "270 nm^3");
}

static void
test_parse_voxel_size (void)
{
  struct
  {
    const char *text;
    double      nm[3];
  } good[] = {
    { "5", { 5, 5, 5 } },
    { "5nm", { 5, 5, 5 } },
    { " 0.65 um", { 650, 650, 650 } },
    { "0.65µm", { 650, 650, 650 } },
    { "0.65\xce\xbcm", { 650, 650, 650 } },
    { "1,2,3mm", { 1e6, 2e6, 3e6 } },
    { "7.8125, 7.8125, 10", { 7.8125, 7.8125, 10 } },
    { "1e3nm", { 1000, 1000, 1000 } },
  };
  const char *bad[] = { "", "nm", "0", "-1", "1,2", "1,2,3,4", "5ft", "1,,2", "nan", "inf",
                        "1e400", "5 n m", "1;2;3", "2x" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      double nm[3];

      g_test_message ("%s", good[i].text);
      g_assert_true (evox_units_parse_voxel_size (good[i].text, nm, &error));
      g_assert_no_error (error);
      for (int a = 0; a < 3; a++)
        g_assert_cmpfloat_with_epsilon (nm[a], good[i].nm[a], good[i].nm[a] * 1e-12);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      double nm[3];

      g_test_message ("%s", bad[i]);
      g_assert_false (evox_units_parse_voxel_size (bad[i], nm, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

/* Sizes outside 1 pm to 1 m are refused with the range named; the edges themselves pass. */
static void
test_parse_voxel_size_range (void)
{
  const char *good[] = { "0.001", "1e-3nm", "1e9", "1000mm", "1e6um", "0.001,5,1e9" };
  const char *bad[] = { "1e-300", "1e10mm", "0.0009", "1e9mm", "2e9", "5,5,1e-300",
                        "1e-7um", "1e300" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      double nm[3];

      g_test_message ("%s", good[i]);
      g_assert_true (evox_units_parse_voxel_size (good[i], nm, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      double nm[3];

      g_test_message ("%s", bad[i]);
      g_assert_false (evox_units_parse_voxel_size (bad[i], nm, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_assert_nonnull (strstr (error->message, "1 pm to 1 m"));
    }
}

/* One length (a scale bar's) in the units and range a voxel size takes; a list of three is not
 * one length. */
static void
test_parse_length (void)
{
  struct
  {
    const char *text;
    double      nm;
  } good[] = {
    { "500nm", 500 }, { "800", 800 }, { "2um", 2000 }, { " 2.5 µm ", 2500 },
    { "2.5\xce\xbcm", 2500 }, { "1 mm", 1e6 }, { "1e3nm", 1000 }, { "0.001", 1e-3 },
    { "1000mm", 1e9 },
  };
  const char *bad[] = { "", "um", "abc", "0", "-5um", "5km", "5parsec", "1e400", "nan", "inf",
                        "1,2,3", "2000mm", "1e-7um", "5 n m" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      double nm = 0;

      g_test_message ("%s", good[i].text);
      g_assert_true (evox_units_parse_length (good[i].text, &nm, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (nm, good[i].nm, good[i].nm * 1e-12);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      double nm = -1;

      g_test_message ("%s", bad[i]);
      g_assert_false (evox_units_parse_length (bad[i], &nm, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_assert_cmpfloat (nm, ==, -1);
    }
}

/* Sizes set in the window come back for the same file, and only for it as it was. */
static void
test_remember (void)
{
  g_autofree char *dir = g_dir_make_tmp ("evox-units-XXXXXX", NULL);
  g_autofree char *config = g_build_filename (dir, "config", NULL);
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autofree char *other = g_build_filename (dir, "other.tif", NULL);
  g_autofree char *ini = NULL;
  g_autofree char *evox_dir = g_build_filename (config, "evox", NULL);
  g_autoptr(GError) error = NULL;
  const double set[3] = { 0.1, 0.2, 1e6 / 3 };
  double got[3];

  g_assert_nonnull (dir);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_assert_true (g_file_set_contents (path, "one", -1, NULL));
  g_assert_true (g_file_set_contents (other, "two", -1, NULL));
  g_assert_false (evox_voxel_size_lookup (path, got));
  g_assert_true (evox_voxel_size_remember (path, set, &error));
  g_assert_no_error (error);
  g_assert_true (evox_voxel_size_lookup (path, got));
  g_assert_cmpmem (got, sizeof got, set, sizeof set);
  g_assert_false (evox_voxel_size_lookup (other, got));
  ini = g_build_filename (config, "evox", "voxel-sizes.ini", NULL);
  g_assert_true (g_file_test (ini, G_FILE_TEST_IS_REGULAR));

  /* A file replaced under the same name (another size) asks again. */
  g_assert_true (g_file_set_contents (path, "longer", -1, NULL));
  g_assert_false (evox_voxel_size_lookup (path, got));
  /* A damaged list is no error, just nothing remembered, and is written again. */
  g_assert_true (g_file_set_contents (ini, "\xff[[[ not a key file", -1, NULL));
  g_assert_false (evox_voxel_size_lookup (path, got));
  g_assert_true (evox_voxel_size_remember (path, set, &error));
  g_assert_no_error (error);
  g_assert_true (evox_voxel_size_lookup (path, got));

  /* Forgetting one file (its size undone) keeps the others'. */
  g_assert_true (evox_voxel_size_remember (other, set, &error));
  g_assert_no_error (error);
  g_assert_true (evox_voxel_size_remember (path, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (evox_voxel_size_lookup (path, got));
  g_assert_true (evox_voxel_size_lookup (other, got));
  g_assert_cmpmem (got, sizeof got, set, sizeof set);

  g_unlink (ini);
  g_unlink (path);
  g_unlink (other);
  g_rmdir (evox_dir);
  g_rmdir (config);
  g_rmdir (dir);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  (*(guint *) data)++;
}

/* Image Properties goes through the document: the same volume (voxels untouched) gets the size,
 * particles measured in the old size go, and views hear notify::volume once. */
static void
test_document_voxel_size (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(EvoxVolume) volume = evox_volume_new (4, 4, 4, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxLabels) labels = NULL;
  guint8 *data;
  guint volume_notes = 0;
  double spacing[3];

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  data[21] = 7;
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "cube", NULL);
  labels = evox_labels_compute (volume, 0, "seven", 7, 7, EVOX_CONNECTIVITY_26, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  evox_document_set_labels (document, labels);
  g_signal_connect (document, "notify::volume", G_CALLBACK (count_notify), &volume_notes);

  evox_document_set_voxel_size (document, (double[3]) { 2, 3, 4 });
  g_assert_true (evox_document_get_volume (document) == volume);
  g_assert_true (evox_volume_get_spacing_known (volume));
  evox_volume_get_spacing (volume, spacing);
  g_assert_cmpfloat (spacing[0], ==, 2);
  g_assert_cmpfloat (spacing[2], ==, 4);
  g_assert_cmpuint (volume_notes, ==, 1);
  g_assert_null (evox_document_get_labels (document));
  g_assert_cmpint (((const guint8 *) evox_volume_get_data (volume, 0))[21], ==, 7);
  /* Implicit layers follow the new z size. */
  g_assert_cmpfloat (evox_volume_get_layer (volume, 3)->z_nm, ==, 12);
}

/* The units Evox's maps and readers store, and how a scientist writes them (the table written
 * out by hand); unknown words and plain units unchanged. */
static void
test_display (void)
{
  static const char *const table[][2] = {
    { "ug/cm^2", "µg/cm²" },
    { "g/cm^3", "g/cm³" },
    { "1/um", "µm⁻¹" },
    { "1/cm", "cm⁻¹" },
    { "1/nm", "nm⁻¹" },
    { "um", "µm" },
    { "um^2", "µm²" },
    { "um^-3", "µm⁻³" },
    { "nm^3", "nm³" },
    { "umol/L", "µmol/L" },
    { "cm^2/g", "cm²/g" },
    { "m^10", "m¹⁰" },
    { "eV", "eV" },
    { "counts", "counts" },
    { "unit", "unit" },
    { "mu", "mu" },
    { "", "" },
    { "1/", "1/" },
    { "1/cm^2", "1/cm²" },
    { "x^", "x^" },
    { "a^-", "a^-" },
    { "per voxel", "per voxel" },
    { "µm", "µm" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      g_autofree char *shown = evox_units_dup_display (table[i][0]);

      g_assert_cmpstr (shown, ==, table[i][1]);
      g_assert_true (g_utf8_validate (shown, -1, NULL));
    }
  g_assert_null (evox_units_dup_display (NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Units/choice", test_choice);
  g_test_add_func ("/Evox/Units/format", test_format);
  g_test_add_func ("/Evox/Units/volume", test_volume_units);
  g_test_add_func ("/Evox/Units/parse-voxel-size", test_parse_voxel_size);
  g_test_add_func ("/Evox/Units/parse-voxel-size-range", test_parse_voxel_size_range);
  g_test_add_func ("/Evox/Units/parse-length", test_parse_length);
  g_test_add_func ("/Evox/Units/remember", test_remember);
  g_test_add_func ("/Evox/Units/display", test_display);
  g_test_add_func ("/Evox/Units/document-voxel-size", test_document_voxel_size);
  return g_test_run ();
}

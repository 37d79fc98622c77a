/* test-ssrm.c: SSRM tables: the real A19 file, delimiters, named columns and every error path. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evox-loader.h"
#include "evox-ssrm-reader.h"
#include "evox-tiff.h"
#include "evox-test-util.h"

static EvoxVolume *
parse (const char             *text,
       const EvoxSsrmOptions  *options,
       GError                **error)
{
  return evox_ssrm_parse ("table.csv", text, strlen (text), options, NULL, NULL, error);
}

/* The oracle reads the real file with sscanf, one row per pixel, X fastest. */
static void
test_real_table (void)
{
  g_autofree char *path = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree float *r = NULL;  /* [scan][y][x] */
  const double depths[4] = { 0, 43, 87, 130 };
  FILE *file;
  char line[512];
  int rows = 0;
  const float *data;
  gsize dims[3];

  if (path == NULL)
    return;

  r = g_new (float, 4 * 128 * 128);
  file = fopen (path, "r");
  g_assert_nonnull (file);
  g_assert_nonnull (fgets (line, sizeof line, file));
  g_assert_true (g_str_has_prefix (line, "R0,Z0,X,Y,R1,Z1,R2,Z2,R3,Z3"));
  while (fgets (line, sizeof line, file))
    {
      float v[10];
      g_assert_cmpint (sscanf (line, "%f,%f,%f,%f,%f,%f,%f,%f,%f,%f", &v[0], &v[1], &v[2], &v[3],
                               &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]), ==, 10);
      for (int s = 0; s < 4; s++)
        r[(s * 128 + (int) v[3]) * 128 + (int) v[2]] = v[s == 0 ? 0 : 2 + 2 * s];
      rows++;
    }
  fclose (file);
  g_assert_cmpint (rows, ==, 128 * 128);

  volume = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 128);
  g_assert_cmpuint (dims[1], ==, 128);
  g_assert_cmpuint (dims[2], ==, 14);
  g_assert_cmpint (evox_volume_get_value_scale (volume), ==, EVOX_SCALE_LOG10);
  g_assert_cmpuint (evox_volume_get_n_scans (volume), ==, 4);

  for (int s = 0; s < 4; s++)
    {
      const EvoxScan *scan = evox_volume_get_scan (volume, s);
      g_assert_cmpfloat (scan->z_nm, ==, depths[s]);
      g_assert_cmpmem (scan->values, 128 * 128 * sizeof (float), r + s * 128 * 128,
                       128 * 128 * sizeof (float));
    }

  data = evox_volume_get_data (volume, 0);
  for (gsize z = 0; z < 14; z++)
    {
      const EvoxLayer *layer = evox_volume_get_layer (volume, z);
      double depth = 10.0 * z;
      int a = depth < 43 ? 0 : depth < 87 ? 1 : 2;

      g_assert_cmpfloat (layer->z_nm, ==, depth);
      g_assert_cmpint (layer->measured, ==, z == 0 || z == 13);
      for (gsize i = 0; i < 128 * 128; i++)
        {
          float got = data[z * 128 * 128 + i];
          if (z == 0 || z == 13)
            g_assert_cmpfloat (got, ==, r[(z == 0 ? 0 : 3) * 128 * 128 + i]);
          else
            {
              double w = (depth - depths[a]) / (depths[a + 1] - depths[a]);
              double expected = (1 - w) * r[a * 128 * 128 + i] + w * r[(a + 1) * 128 * 128 + i];
              g_assert_cmpfloat_with_epsilon (got, expected, 1e-5);
            }
        }
    }
}

static void
test_delimiters (void)
{
  const char *tables[] = {
    "X,Y,R0,Z0\n0,0,1.5,0\n1,0,2.5,0\n0,1,3.5,0\n1,1,4.5,0\n",
    "# exported by hand\r\nX\tY\tR0\tZ0\r\n0\t0\t1.5\t0\r\n1\t0\t2.5\t0\r\n\r\n0\t1\t3.5\t0\r\n"
    "1\t1\t4.5\t0\r\n",
    "X;Y;R0;Z0\n0;0;1.5;0\n1;0;2.5;0\n# a comment in the middle\n0;1;3.5;0\n1;1;4.5;0",
    "  X   Y  R0  Z0\n 0 0 1.5 0\n1   0 2.5 0\n0 1\t3.5 0\n1 1 4.5 0\n",
    "\xEF\xBB\xBF\"X\",\"Y\",\"R0\",\"Z0\"\n1,1,4.5,0\n0,1,3.5,0\n1,0,2.5,0\n0,0,1.5,0\n",
  };

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) volume = parse (tables[t], NULL, &error);
      const float *v;

      g_assert_no_error (error);
      g_assert_cmpuint (evox_volume_get_n_voxels (volume), ==, 4);
      v = evox_volume_get_data (volume, 0);
      for (int i = 0; i < 4; i++)
        g_assert_cmpfloat (v[i], ==, 1.5 + i);
    }
}

/* A table has depths in nm but no pixel size: unless the options state one, the stack is built
 * with 1 nm pixels and says its voxel size is not known (the layer step is still dz). Before the
 * options could say so, every table read as known 1 nm pixels. */
static void
test_pixel_size_given (void)
{
  const char *table = "X,Y,R0,Z0,R1,Z1\n0,0,1,0,2,20\n1,0,1,0,2,20\n";
  g_autoptr(EvoxSsrmOptions) options = evox_ssrm_options_new ();
  g_autoptr(GError) error = NULL;
  double spacing[3];

  g_assert_cmpfloat (options->pixel_size_nm, ==, 0);
  {
    g_autoptr(EvoxVolume) volume = parse (table, NULL, &error);

    g_assert_no_error (error);
    g_assert_false (evox_volume_get_spacing_known (volume));
    evox_volume_get_spacing (volume, spacing);
    g_assert_cmpfloat (spacing[0], ==, 1);
    g_assert_cmpfloat (spacing[1], ==, 1);
    g_assert_cmpfloat (spacing[2], ==, EVOX_SSRM_DEFAULT_DZ_NM);
  }
  options->dz_nm = 5;
  options->pixel_size_nm = 7.8125;
  {
    g_autoptr(EvoxVolume) volume = parse (table, options, &error);

    g_assert_no_error (error);
    g_assert_true (evox_volume_get_spacing_known (volume));
    evox_volume_get_spacing (volume, spacing);
    g_assert_cmpfloat (spacing[0], ==, 7.8125);
    g_assert_cmpfloat (spacing[2], ==, 5);
  }
  options->pixel_size_nm = -1;
  {
    g_autoptr(EvoxVolume) volume = parse (table, options, &error);

    g_assert_null (volume);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
}

static void
test_named_columns (void)
{
  const char *table =
    "col,row,top,bottom,zb,extra\n"
    "0,0,-1,1,20,x\n"
    "5,0,-2,,20,y\n"
    "0,7,NaN,3,20,z\n"
    "5,7,-4,4,20,w\n";
  g_autoptr(EvoxSsrmOptions) options = evox_ssrm_options_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  const float *v;
  gsize dims[3];

  options->x_column = g_strdup ("col");
  options->y_column = g_strdup ("row");
  g_ptr_array_add (options->values, g_strdup ("top:0"));
  g_ptr_array_add (options->values, g_strdup ("bottom:zb"));
  options->dz_nm = 5.0;
  options->pixel_size_nm = 20.0;
  options->scale = EVOX_SCALE_LINEAR;

  volume = parse (table, options, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 2);
  g_assert_cmpuint (dims[1], ==, 2);
  g_assert_cmpuint (dims[2], ==, 5);
  g_assert_cmpint (evox_volume_get_value_scale (volume), ==, EVOX_SCALE_LINEAR);
  v = evox_volume_get_data (volume, 0);
  g_assert_cmpfloat (v[0], ==, -1);
  g_assert_true (isnan (v[2]));            /* NaN is missing */
  g_assert_true (isnan (v[4 * 4 + 1]));    /* so is an empty cell */
  g_assert_cmpfloat (v[4 * 4 + 3], ==, 4);
  g_assert_cmpfloat_with_epsilon (v[2 * 4 + 0], 0.0, 1e-6); /* halfway from -1 to 1 */
  {
    double spacing[3];
    evox_volume_get_spacing (volume, spacing);
    g_assert_cmpfloat (spacing[0], ==, 20.0);
    g_assert_cmpfloat (spacing[2], ==, 5.0);
  }
}

static void
test_zero_and_missing_cells (void)
{
  g_autoptr(GError) error = NULL;
  /* Zero is data; pixel (1,1) is absent from the table and so missing. */
  g_autoptr(EvoxVolume) volume = parse ("X,Y,R0,Z0\n0,0,0,0\n1,0,0.0,0\n0,1,-0,0\n", NULL, &error);
  const float *v;

  g_assert_no_error (error);
  v = evox_volume_get_data (volume, 0);
  g_assert_cmpfloat (v[0], ==, 0.0);
  g_assert_cmpfloat (v[1], ==, 0.0);
  g_assert_cmpfloat (v[2], ==, 0.0);
  g_assert_true (isnan (v[3]));
  g_assert_cmpstr (evox_volume_get_metadata (volume, "missing_pixels"), ==, "1");
}

static void
test_sniff (void)
{
  g_autofree char *path = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxSsrmLayout) layout = NULL;

  if (path == NULL)
    return;
  layout = evox_ssrm_sniff (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (layout->delimiter, ==, ',');
  g_assert_cmpuint (g_strv_length (layout->columns), ==, 10);
  g_assert_cmpstr (layout->x_column, ==, "X");
  g_assert_cmpuint (layout->values->len, ==, 4);
  g_assert_cmpstr (layout->values->pdata[0], ==, "R0:Z0");
  g_assert_cmpstr (layout->values->pdata[3], ==, "R3:Z3");
}

typedef struct
{
  const char *text;
  int         code;
  const char *message_part;
} BadTable;

static void
test_errors (void)
{
  const BadTable bad[] = {
    { "", EVOX_ERROR_INVALID_DATA, "no header row" },
    { "# only a comment\n\n", EVOX_ERROR_INVALID_DATA, "no header row" },
    { "X,Y,R0,Z0\n", EVOX_ERROR_INVALID_DATA, "no data rows" },
    { "0,0,1,0\n1,0,2,0\n", EVOX_ERROR_INVALID_DATA, "must name the columns" },
    { "X,Y,R0,Z0\n0,0,1,0\n1,0,2\n", EVOX_ERROR_INVALID_DATA, "line 3: 3 fields" },
    { "X,Y,R0,Z0\n0,0,1,0\n1,0,2,0,9\n", EVOX_ERROR_INVALID_DATA, "line 3: 5 fields" },
    { "X,Y,R0,Z0\n0,0,1,0\n1,0,abc,0\n", EVOX_ERROR_INVALID_DATA, "line 3, column R0: 'abc'" },
    { "X,Y,R0,Z0\n0,0,1,0\n1,,2,0\n", EVOX_ERROR_INVALID_DATA, "column Y: the pixel position" },
    { "X,Y,R0,Z0\n0,0,1,0\n0,0,2,0\n", EVOX_ERROR_INVALID_DATA, "already given on line 2" },
    { "A,Y,R0,Z0\n0,0,1,0\n", EVOX_ERROR_INVALID_DATA, "no column named 'X'" },
    { "X,Y,V,W\n0,0,1,0\n", EVOX_ERROR_INVALID_DATA, "no value columns" },
    { "X,Y,R0,Z0\n0,0,1,\n", EVOX_ERROR_INVALID_DATA, "has no depth" },
    { "X,Y,R0,Z0,R1,Z1\n0,0,1,5,2,5\n", EVOX_ERROR_INVALID_DATA, "both at depth 5" },
    { "X,Y,R0,Z0\n0,0,1,0\n1,1,1,0\n2,2,1,0\n", EVOX_ERROR_INVALID_DATA, "rectangular grid" },
    { "X,Y,R0,Z0\n0,0,1e999x,0\n", EVOX_ERROR_INVALID_DATA, "not a number" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) volume = parse (bad[i].text, NULL, &error);

      g_test_message ("table %u: %s", i, error ? error->message : "(no error)");
      g_assert_null (volume);
      g_assert_error (error, EVOX_ERROR, bad[i].code);
      g_assert_true (g_str_has_prefix (error->message, "table.csv"));
      g_assert_nonnull (strstr (error->message, bad[i].message_part));
    }
}

static void
test_option_errors (void)
{
  const char *specs[] = { "R0", "nope:Z0", "R0:nope", ":Z0" };

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr(EvoxSsrmOptions) options = evox_ssrm_options_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) volume = NULL;

      g_ptr_array_add (options->values, g_strdup (specs[i]));
      volume = parse ("X,Y,R0,Z0\n0,0,1,0\n", options, &error);
      g_assert_null (volume);
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    }
}

static void
test_files (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *empty = g_build_filename (dir, "empty.csv", NULL);
  g_autofree char *binary = g_build_filename (dir, "random.bin", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.csv", NULL);
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume;

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (g_file_set_contents (binary, "\x01\x00\x02\x00garbage", 11, NULL));

  volume = evox_volume_load (empty, NULL, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_nonnull (strstr (error->message, "empty.csv"));
  g_clear_error (&error);

  volume = evox_volume_load (binary, NULL, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  volume = evox_volume_load (missing, NULL, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_nonnull (strstr (error->message, "missing.csv"));
  g_clear_error (&error);

  volume = evox_volume_load (dir, NULL, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_nonnull (strstr (error->message, "no .tif"));
  /* A folder may also be a spectral set: the message names what that would need. */
  g_assert_nonnull (strstr (error->message, ".xrm"));

  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;
  *out = g_object_ref (result);
}

static EvoxVolume *
load_async (const char    *path,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  evox_volume_load_async (path, NULL, NULL, cancellable, on_loaded, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return evox_volume_load_finish (result, error);
}

static void
test_async (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "t.csv", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  EvoxVolume *none;

  g_assert_true (g_file_set_contents (path, "X Y R0 Z0 R1 Z1\n0 0 1 0 2 20\n1 0 3 0 4 20\n", -1,
                                      NULL));
  volume = load_async (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_voxels (volume), ==, 2 * 3);
  /* Statistics were built on the worker: the voxels are frozen already. */
  g_assert_true (evox_volume_is_frozen (volume));
  g_assert_cmpfloat (evox_volume_get_measured_stats (volume)->max, ==, 4.0);

  g_cancellable_cancel (cancellable);
  none = load_async (path, cancellable, &error);
  g_assert_null (none);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Two scans 10^8 nm apart at the default 10 nm step: refused up front with the depths, the step
 * and the count in the message, not built layer by layer. */
static void
test_absurd_layers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;

  volume = parse ("X,Y,R0,Z0,R1,Z1\n0,0,1,0,2,1e8\n", NULL, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message,
                            "scans at 0 and 1e+08 nm with a 10 nm step need 10000001 layers"));
  g_clear_error (&error);

  /* 10^7 layers exactly, which the old limit let through: (1e8 - 10) / 10 + 1. */
  volume = parse ("X,Y,R0,Z0,R1,Z1\n0,0,1,0,2,99999990\n", NULL, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "need 10000000 layers"));
  g_clear_error (&error);

  /* 10^4 layers are a stack Evox opens. */
  volume = parse ("X,Y,R0,Z0,R1,Z1\n0,0,1,0,2,99990\n", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_voxels (volume), ==, 10000);
}

/* A BOM before a first # comment, CR-only line ends (old Mac exports) and CRLF are the same
 * table; a NUL inside a number is refused naming its line, where strtod read "2\05" as 2. */
static void
test_line_ends_and_bytes (void)
{
  const char *tables[] = {
    "\xEF\xBB\xBF# exported by the SSRM software\nX,Y,R0,Z0\n0,0,1,0\n1,0,2.5,0\n",
    "X,Y,R0,Z0\r0,0,1,0\r1,0,2.5,0\r",
    "# Mac export\rX,Y,R0,Z0\r\r0,0,1,0\r1,0,2.5,0",
    "X,Y,R0,Z0\r\n0,0,1,0\r\n1,0,2.5,0\r\n",
    "\xEF\xBB\xBFX,Y,R0,Z0\r0,0,1,0\r1,0,2.5,0\r",
  };
  const char nul[] = "X,Y,R0,Z0\n0,0,1,0\n1,0,2\0005,0\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) bad = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autoptr(EvoxVolume) volume = parse (tables[i], NULL, &error);
      const float *v;

      g_test_message ("table %u: %s", i, error ? error->message : "read");
      g_assert_no_error (error);
      g_assert_cmpuint (evox_volume_get_n_voxels (volume), ==, 2);
      v = evox_volume_get_data (volume, 0);
      g_assert_cmpfloat (v[0], ==, 1.0f);
      g_assert_cmpfloat (v[1], ==, 2.5f);
    }

  bad = evox_ssrm_parse ("table.csv", nul, sizeof nul - 1, NULL, NULL, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "table.csv: line 3, column R0"));
  g_assert_nonnull (strstr (error->message, "NUL"));
  g_clear_error (&error);

  /* The same table on disk, its NUL within the bytes the loader looks at to tell text from
   * binary files: still the table reader's message naming the line, not "not a text table";
   * a file binary from its first byte stays refused as one. */
  {
    g_autofree char *dir = evox_test_tmpdir_new ();
    g_autofree char *path = g_build_filename (dir, "nul.csv", NULL);
    g_autofree char *binary = g_build_filename (dir, "binary.dat", NULL);

    g_assert_true (g_file_set_contents (path, nul, sizeof nul - 1, NULL));
    bad = evox_volume_load (path, NULL, NULL, NULL, &error);
    g_assert_null (bad);
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "nul.csv: line 3, column R0"));
    g_clear_error (&error);
    g_assert_true (g_file_set_contents (binary, "\0\1\2binary", 9, NULL));
    bad = evox_volume_load (binary, NULL, NULL, NULL, &error);
    g_assert_null (bad);
    g_assert_nonnull (strstr (error->message, "not a TIFF stack or a text table"));
    g_clear_error (&error);
    evox_test_tmpdir_free (g_steal_pointer (&dir));
  }
}

/* An empty table, in memory as NULL and on disk: an error, with no arithmetic on NULL (UBSan
 * flagged NULL + 0 in the sniffer, which mapped the empty file to NULL). */
static void
test_empty_input (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "empty.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxSsrmLayout) layout = NULL;
  g_autoptr(EvoxVolume) volume = NULL;

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  layout = evox_ssrm_sniff (path, &error);
  g_assert_null (layout);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "empty.csv: no header row"));
  g_clear_error (&error);

  volume = evox_ssrm_parse ("table.csv", NULL, 0, NULL, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_clear_error (&error);

  volume = evox_ssrm_read (path, NULL, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Notes and random text have no rows of numbers: the sniffer the window asks before its SSRM
 * dialog refuses them with the message the command line gives. */
static void
test_not_a_table (void)
{
  const char *texts[] = {
    "Meeting notes\nbuy milk, eggs\nremember the thing\n",
    "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit,\nsed do eiusmod\n",
    "X,Y,R0,Z0\nfirst,second,third,fourth\n",
    "name;value\n1;one\n",
  };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "notes.txt", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) load_error = NULL;
      g_autoptr(EvoxSsrmLayout) layout = NULL;
      g_autoptr(EvoxVolume) volume = NULL;

      g_assert_true (g_file_set_contents (path, texts[i], -1, NULL));
      layout = evox_ssrm_sniff (path, &error);
      g_test_message ("text %u: %s", i, error ? error->message : "(sniffed as a table)");
      g_assert_null (layout);
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
      g_assert_true (g_str_has_prefix (error->message, path));
      g_assert_nonnull (strstr (error->message, "not an SSRM table"));

      volume = evox_volume_load (path, NULL, NULL, NULL, &load_error);
      g_assert_null (volume);
      g_assert_cmpstr (load_error->message, ==, error->message);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

typedef struct
{
  const char   *path;
  EvoxProgress *progress;
} Shrinker;

/* Cuts the table to a few bytes as soon as the reader reports progress, so the cut lands while
 * the file is being read or parsed. */
static gpointer
shrink_when_reading (gpointer data)
{
  Shrinker *shrinker = data;

  while (evox_progress_get_fraction (shrinker->progress) <= 0.0)
    g_thread_yield ();
  g_assert_cmpint (truncate (shrinker->path, 20), ==, 0);
  return NULL;
}

static void
shrinking_file_child (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "shrinks.csv", NULL);
  g_autoptr(GString) table = g_string_new ("X,Y,R0,Z0,R1,Z1\n");
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  Shrinker shrinker = { path, progress };
  GThread *thread;

  /* About 25 MB: several blocks to read, and pages that the mapped reader had not yet touched. */
  for (int y = 0; y < 1000; y++)
    for (int x = 0; x < 1000; x++)
      g_string_append_printf (table, "%d,%d,%d.25,0,%d.5,43\n", x, y, x % 7, y % 5);
  g_assert_true (g_file_set_contents (path, table->str, table->len, NULL));

  thread = g_thread_new ("shrink", shrink_when_reading, &shrinker);
  volume = evox_ssrm_read (path, NULL, progress, NULL, &error);
  g_thread_join (thread);
  /* Whether the cut came while reading (an error) or after (the table as it was read), the
   * process lives to say so. */
  if (volume == NULL)
    {
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, path));
    }
  else
    g_assert_cmpuint (evox_volume_get_n_voxels (volume), >=, 1000 * 1000);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The mapped reader died of SIGBUS here; the child must pass instead. */
static void
test_shrinking_file (void)
{
  if (g_test_subprocess ())
    {
      shrinking_file_child ();
      return;
    }
  /* No limit of its own: under a sanitizer on a loaded machine the 25 MB child can take over a
   * minute, and the suite's timeout still catches a hang. */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* Resident memory in bytes, from /proc/self/statm (resident pages is the second field). */
static guint64
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  guint64 size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL) ||
      sscanf (statm, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &size, &resident) != 2)
    return 0;
  return resident * (guint64) sysconf (_SC_PAGESIZE);
}

/* A window reopening files loads each on a worker thread and drops the last volume: 200 such
 * opens, alternating an SSRM table and a TIFF stack as a user comparing them would, must leave
 * resident memory where it was after the first 20. glibc's per-thread arenas kept the freed
 * buffers, growing it with every few opens, until volume-sized buffers came from mmap. */
static void
test_memory_returned (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *csv = g_build_filename (dir, "reopen.csv", NULL);
  g_autofree char *tif = g_build_filename (dir, "reopen.tif", NULL);
  const char *paths[2] = { csv, tif };
  g_autoptr(GString) table = g_string_new ("R0,Z0,X,Y,R1,Z1,R2,Z2,R3,Z3\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) stack = evox_volume_new (200, 160, 48, 1, EVOX_SAMPLE_U16, &error);
  guint16 *v = evox_volume_get_data_mut (stack, 0);
  const int rounds = 200;
  guint64 after_warmup = 0, after_all;

#ifdef __SANITIZE_ADDRESS__
  g_test_skip ("AddressSanitizer keeps freed memory in its quarantine");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
  return;
#endif
  if (resident_bytes () == 0)
    {
      g_test_skip ("no /proc/self/statm");
      evox_test_tmpdir_free (g_steal_pointer (&dir));
      return;
    }
  /* The real table's shape: 128 x 128 pixels, scans at 0, 43, 87 and 130 nm. */
  for (int y = 0; y < 128; y++)
    for (int x = 0; x < 128; x++)
      g_string_append_printf (table, "%.3f,0,%d,%d,%.3f,43,%.3f,87,%.3f,130\n",
                              3 + 0.01 * x, x, y, 4 + 0.01 * y, 5 - 0.01 * x, 6 + 0.001 * x * y);
  g_assert_true (g_file_set_contents (paths[0], table->str, table->len, NULL));
  for (gsize i = 0; i < 200 * 160 * 48; i++)
    v[i] = (guint16) (i * 2654435761u >> 16);
  g_assert_true (evox_tiff_write (stack, 0, paths[1], 0, &error));
  g_assert_no_error (error);

  for (int round = 0; round < rounds; round++)
    {
      g_autoptr(EvoxVolume) volume = load_async (paths[round % 2], NULL, &error);

      g_assert_no_error (error);
      g_clear_object (&volume);
      if (round == 19)
        after_warmup = resident_bytes ();
    }
  after_all = resident_bytes ();
  g_test_message ("resident after 20 opens %" G_GUINT64_FORMAT " KiB, after %d %"
                  G_GUINT64_FORMAT " KiB", after_warmup >> 10, rounds, after_all >> 10);
  g_assert_cmpuint (after_all, <, after_warmup + (4u << 20));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Ssrm/real-table", test_real_table);
  g_test_add_func ("/Evox/Ssrm/delimiters", test_delimiters);
  g_test_add_func ("/Evox/Ssrm/named-columns", test_named_columns);
  g_test_add_func ("/Evox/Ssrm/pixel-size-given", test_pixel_size_given);
  g_test_add_func ("/Evox/Ssrm/zero-and-missing", test_zero_and_missing_cells);
  g_test_add_func ("/Evox/Ssrm/sniff", test_sniff);
  g_test_add_func ("/Evox/Ssrm/errors", test_errors);
  g_test_add_func ("/Evox/Ssrm/option-errors", test_option_errors);
  g_test_add_func ("/Evox/Ssrm/files", test_files);
  g_test_add_func ("/Evox/Ssrm/async", test_async);
  g_test_add_func ("/Evox/Ssrm/absurd-layers", test_absurd_layers);
  g_test_add_func ("/Evox/Ssrm/line-ends-and-bytes", test_line_ends_and_bytes);
  g_test_add_func ("/Evox/Ssrm/empty-input", test_empty_input);
  g_test_add_func ("/Evox/Ssrm/not-a-table", test_not_a_table);
  g_test_add_func ("/Evox/Ssrm/shrinking-file", test_shrinking_file);
  g_test_add_func ("/Evox/Ssrm/memory-returned", test_memory_returned);
  return g_test_run ();
}

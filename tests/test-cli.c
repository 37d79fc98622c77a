/* test-cli.c: the `evox` command line run as a user would, checked against brute force. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <png.h>
#include <string.h>
#include <tiffio.h>

#include "evox-loader.h"
#include "evox-tiff.h"
#include "evox-test-util.h"

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static Run
spawn_evox (const char  *first,
            va_list      ap,
            char       **envp)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Run run = { 0 };
  const char *binary = g_getenv ("EVOX");
  int wait_status;

  g_assert_nonnull (binary);
  g_ptr_array_add (args, (char *) binary);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) a);
  g_ptr_array_add (args, NULL);

  g_spawn_sync (NULL, (char **) args->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, &run.out, &run.err,
                &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run.status = WEXITSTATUS (wait_status);
  return run;
}

static Run
evox (const char *first,
      ...)
{
  va_list ap;
  Run run;

  va_start (ap, first);
  run = spawn_evox (first, ap, NULL);
  va_end (ap);
  return run;
}

/* `evox render` must not need a display: run it with none. */
static Run
evox_headless (const char *first,
               ...)
{
  g_auto(GStrv) envp = g_get_environ ();
  va_list ap;
  Run run;

  envp = g_environ_unsetenv (envp, "DISPLAY");
  envp = g_environ_unsetenv (envp, "WAYLAND_DISPLAY");
  va_start (ap, first);
  run = spawn_evox (first, ap, envp);
  va_end (ap);
  return run;
}

/* Bad input is one line on stderr naming the file, exit status 1. */
static void
assert_input_error (const Run  *run,
                    const char *name)
{
  g_assert_cmpint (run->status, ==, 1);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_nonnull (strstr (run->err, name));
  g_assert_cmpint (strchr (run->err, '\n') - run->err, ==, strlen (run->err) - 1);
}

static JsonObject *
parse_json (const char  *text,
            JsonParser **parser)
{
  g_autoptr(GError) error = NULL;

  *parser = json_parser_new ();
  json_parser_load_from_data (*parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (*parser));
}

static void
test_info_demo (void)
{
  g_auto(Run) run = evox ("info", "--demo", "--json", NULL);
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *info;
  JsonArray *dims, *layers, *scans;

  g_assert_cmpint (run.status, ==, 0);
  info = parse_json (run.out, &parser);
  dims = json_object_get_array_member (info, "dims");
  g_assert_cmpint (json_array_get_int_element (dims, 0), ==, 128);
  g_assert_cmpint (json_array_get_int_element (dims, 2), ==, 14);
  g_assert_cmpint (json_object_get_int_member (info, "channels"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (info, "sample_type"), ==, "f32");
  g_assert_cmpstr (json_object_get_string_member (info, "value_scale"), ==, "log10");
  g_assert_cmpstr (json_object_get_string_member (info, "unit"), ==, "ohm");
  layers = json_object_get_array_member (info, "layers");
  g_assert_cmpuint (json_array_get_length (layers), ==, 14);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (layers, 0),
                                                 "measured"));
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (layers, 4),
                                                  "measured"));
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (layers, 4),
                                                    "z_nm"), ==, 40.0);
  scans = json_object_get_array_member (info, "scans");
  g_assert_cmpuint (json_array_get_length (scans), ==, 4);
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (scans, 2),
                                                    "z_nm"), ==, 87.0);
  g_assert_true (json_object_has_member (info, "min"));
  g_assert_true (json_object_has_member (info, "std"));

  {
    g_auto(Run) text = evox ("info", "--demo", NULL);
    g_assert_cmpint (text.status, ==, 0);
    g_assert_nonnull (strstr (text.out, "128 x 128 x 14"));
    g_assert_nonnull (strstr (text.out, "interpolated"));
  }
}

static void
test_info_real (void)
{
  g_autofree char *ssrm = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autofree char *tomo = NULL;

  if (ssrm == NULL)
    return;
  {
    g_auto(Run) run = evox ("info", "--json", "--dz", "5", ssrm, NULL);
    g_autoptr(JsonParser) parser = NULL;
    JsonObject *info;

    g_assert_cmpint (run.status, ==, 0);
    info = parse_json (run.out, &parser);
    g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (info, "dims"), 2),
                     ==, 27);
    g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (info,
                                                      "spacing_nm"), 2), ==, 5.0);
  }

  tomo = evox_test_data_path ("tomo/electrode.tiff");
  if (tomo == NULL)
    return;
  {
    g_auto(Run) run = evox ("info", "--json", tomo, NULL);
    g_autoptr(JsonParser) parser = NULL;
    JsonObject *info;

    g_assert_cmpint (run.status, ==, 0);
    info = parse_json (run.out, &parser);
    g_assert_cmpstr (json_object_get_string_member (info, "sample_type"), ==, "u8");
    g_assert_cmpfloat (json_object_get_double_member (info, "min"), ==, 0);
    g_assert_cmpfloat (json_object_get_double_member (info, "max"), ==, 170);
  }
  {
    /* Counts of 0, 85 and 170 from tifffile 2023.2.3 + numpy.unique. */
    g_auto(Run) run = evox ("histogram", "--bins", "3", "--range", "0:255", tomo, NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "lo,hi,count\n0,85,7548361\n85,170,6718710\n170,255,2510145\n");
  }
}

/* A u16 volume and an f32 volume written through the TIFF writer, histogrammed by the program
 * and by brute force with numpy's rule. */
static void
test_histogram (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "v.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (20, 10, 5, 1, EVOX_SAMPLE_F32, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  float *v = evox_volume_get_data_mut (volume, 0);
  double lo = -2.0, hi = 3.0;
  guint64 brute[7] = { 0 };

  for (int i = 0; i < 1000; i++)
    v[i] = i % 97 == 0 ? NAN : (float) g_rand_double_range (rand, -3, 4);
  v[5] = -2.0f;
  v[6] = 3.0f;
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);

  for (int i = 0; i < 1000; i++)
    {
      double e[8];
      for (int b = 0; b < 7; b++)
        e[b] = (float) (lo + b * ((hi - lo) / 7));
      e[7] = (float) hi;
      for (int b = 0; b < 7; b++)
        if (v[i] >= e[b] && (v[i] < e[b + 1] || (b == 6 && v[i] <= e[7])))
          brute[b]++;
    }
  {
    g_auto(Run) run = evox ("histogram", "--bins", "7", "--range=-2:3", path, NULL);
    g_auto(GStrv) lines = g_strsplit (run.out, "\n", -1);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (lines[0], ==, "lo,hi,count");
    g_assert_true (g_str_has_prefix (lines[1], "-2,"));
    for (int b = 0; b < 7; b++)
      {
        g_auto(GStrv) f = g_strsplit (lines[b + 1], ",", -1);
        g_assert_cmpuint (g_ascii_strtoull (f[2], NULL, 10), ==, brute[b]);
      }
    g_assert_cmpstr (lines[8], ==, "");
  }
  {
    g_auto(Run) run = evox ("histogram", "--bins", "2", "--per-layer", path, NULL);
    g_auto(GStrv) lines = g_strsplit (run.out, "\n", -1);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (lines[0], ==, "lo,hi,z=0nm,z=1nm,z=2nm,z=3nm,z=4nm");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_histogram_measured (void)
{
  g_auto(Run) all = evox ("histogram", "--demo", "--bins", "4", "--range", "-8:4", NULL);
  g_auto(Run) measured = evox ("histogram", "--demo", "--bins", "4", "--range", "-8:4",
                               "--layers", "measured", NULL);
  g_auto(Run) per_scan = evox ("histogram", "--demo", "--bins", "4", "--layers", "measured",
                               "--per-layer", NULL);
  guint64 total_all = 0, total_measured = 0;
  g_auto(GStrv) a = g_strsplit (all.out, "\n", -1);
  g_auto(GStrv) m = g_strsplit (measured.out, "\n", -1);

  g_assert_cmpint (all.status, ==, 0);
  g_assert_cmpint (measured.status, ==, 0);
  for (int b = 1; b <= 4; b++)
    {
      total_all += g_ascii_strtoull (strrchr (a[b], ',') + 1, NULL, 10);
      total_measured += g_ascii_strtoull (strrchr (m[b], ',') + 1, NULL, 10);
    }
  g_assert_cmpuint (total_all, ==, 128 * 128 * 14);
  g_assert_cmpuint (total_measured, ==, 128 * 128 * 4);
  g_assert_cmpint (per_scan.status, ==, 0);
  g_assert_true (g_str_has_prefix (per_scan.out, "lo,hi,z=0nm,z=43nm,z=87nm,z=130nm\n"));
}

static void
test_convert (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "demo.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) back = NULL;
  g_autoptr(EvoxVolume) demo = NULL;
  g_autofree char *before = NULL;
  gsize before_len;

  {
    g_auto(Run) run = evox ("convert", "--demo", out, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  back = evox_volume_load (out, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  {
    g_auto(Run) run = evox ("info", "--demo", "--json", NULL);
    double spacing[3];
    g_assert_cmpint (run.status, ==, 0);
    evox_volume_get_spacing (back, spacing);
    g_assert_cmpfloat_with_epsilon (spacing[2], 10.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (spacing[0], 1.0, 1e-6);
  }
  g_assert_cmpuint (evox_volume_get_n_voxels (back), ==, 128 * 128 * 14);
  g_assert_cmpint (evox_volume_get_sample_type (back), ==, EVOX_SAMPLE_F32);

  /* An existing file is kept unless --force. */
  g_assert_true (g_file_get_contents (out, &before, &before_len, NULL));
  {
    g_auto(Run) run = evox ("convert", "--demo", "--dz", "5", out, NULL);
    g_autofree char *after = NULL;
    gsize after_len;
    assert_input_error (&run, out);
    g_assert_true (g_file_get_contents (out, &after, &after_len, NULL));
    g_assert_cmpmem (before, before_len, after, after_len);
  }
  {
    g_auto(Run) run = evox ("convert", "--demo", "--dz", "5", "--force", out, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    g_assert_cmpstr (g_dir_read_name (d), ==, "demo.tif");
    g_assert_null (g_dir_read_name (d));
  }
  (void) demo;
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_bad_input (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing.tif", NULL);
  g_autofree char *ragged = g_build_filename (dir, "ragged.csv", NULL);
  g_autofree char *truncated = g_build_filename (dir, "cut.tif", NULL);
  g_autofree char *whole = g_build_filename (dir, "whole.tif", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_set_contents (ragged, "X,Y,R0,Z0\n0,0,1,0\n1,0,2\n", -1, NULL));
  {
    g_auto(Run) run = evox ("info", missing, NULL);
    assert_input_error (&run, "missing.tif");
  }
  {
    g_auto(Run) run = evox ("histogram", ragged, NULL);
    assert_input_error (&run, "ragged.csv");
    g_assert_nonnull (strstr (run.err, "line 3"));
  }
  {
    g_auto(Run) run = evox ("convert", "--demo", whole, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  g_assert_true (g_file_get_contents (whole, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (truncated, contents, length / 2, NULL));
  {
    g_auto(Run) run = evox ("info", truncated, NULL);
    assert_input_error (&run, "cut.tif");
  }
  {
    g_autofree char *nowhere = g_build_filename (dir, "no", "such", "dir.tif", NULL);
    g_auto(Run) run = evox ("convert", "--demo", nowhere, NULL);
    assert_input_error (&run, "dir.tif");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_bad_usage (void)
{
  const char *cases[][4] = {
    { "info", NULL },
    { "info", "--bogus", "x", NULL },
    { "histogram", "--bins", "0", "--demo" },
    { "histogram", "--range", "3:1", "--demo" },
    { "histogram", "--layers", "some", "--demo" },
    { "info", "--dz", "-1", "--demo" },
    { "convert", "--demo", "out.png", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = evox (cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL);
      g_test_message ("case %u: %s", i, run.err);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_cmpstr (run.err, !=, "");
    }
  {
    g_auto(Run) run = evox ("--help", NULL);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "histogram"));
  }
}

/* ------------------------------------------------------------------------------------------ */
/* evox render                                                                                  */

typedef struct
{
  int     width;
  int     height;
  guint8 *rgba;  /* straight alpha, rows top to bottom */
} Image;

static void
image_clear (Image *image)
{
  g_free (image->rgba);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Image, image_clear)

static guint32
read_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static guint32
crc32_of (const guint8 *p,
          gsize         n)
{
  guint32 crc = 0xffffffffu;

  for (gsize i = 0; i < n; i++)
    {
      crc ^= p[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
  return crc ^ 0xffffffffu;
}

/* The PNG signature and IHDR chunk read byte by byte, without libpng. */
static void
assert_png_header (const char *path,
                   guint32     width,
                   guint32     height)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autofree char *contents = NULL;
  const guint8 *data;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  data = (const guint8 *) contents;
  g_assert_cmpuint (length, >, 8 + 25);
  g_assert_cmpmem (data, 8, signature, 8);
  g_assert_cmpuint (read_be32 (data + 8), ==, 13);
  g_assert_cmpmem (data + 12, 4, "IHDR", 4);
  g_assert_cmpuint (read_be32 (data + 16), ==, width);
  g_assert_cmpuint (read_be32 (data + 20), ==, height);
  g_assert_cmpuint (data[24], ==, 8);  /* bits per sample */
  g_assert_cmpuint (data[25], ==, 6);  /* colour type: RGB with alpha */
  g_assert_cmpuint (data[28], ==, 0);  /* not interlaced */
  g_assert_cmpuint (read_be32 (data + 29), ==, crc32_of (data + 12, 17));
}

static Image
read_png (const char *path)
{
  png_image png = { .version = PNG_IMAGE_VERSION };
  Image image = { 0 };

  g_assert_true (png_image_begin_read_from_file (&png, path));
  png.format = PNG_FORMAT_RGBA;
  image.width = png.width;
  image.height = png.height;
  image.rgba = g_malloc (PNG_IMAGE_SIZE (png));
  g_assert_true (png_image_finish_read (&png, NULL, image.rgba, 0, NULL));
  return image;
}

/* Scanlines as stored, so the alpha stays unassociated (TIFFReadRGBAImage would premultiply). */
static Image
read_tiff (const char *path)
{
  TIFF *tif = TIFFOpen (path, "r");
  guint32 width = 0, height = 0;
  guint16 bits = 0, spp = 0, n_extra = 0, compression = 0, photometric = 0;
  guint16 *extra = NULL;
  Image image = { 0 };

  g_assert_nonnull (tif);
  g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &width));
  g_assert_true (TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &height));
  g_assert_true (TIFFGetField (tif, TIFFTAG_BITSPERSAMPLE, &bits));
  g_assert_true (TIFFGetField (tif, TIFFTAG_SAMPLESPERPIXEL, &spp));
  g_assert_true (TIFFGetField (tif, TIFFTAG_EXTRASAMPLES, &n_extra, &extra));
  g_assert_true (TIFFGetField (tif, TIFFTAG_COMPRESSION, &compression));
  g_assert_true (TIFFGetField (tif, TIFFTAG_PHOTOMETRIC, &photometric));
  g_assert_cmpuint (bits, ==, 8);
  g_assert_cmpuint (spp, ==, 4);
  g_assert_cmpuint (n_extra, ==, 1);
  g_assert_cmpuint (extra[0], ==, EXTRASAMPLE_UNASSALPHA);
  g_assert_cmpuint (compression, ==, COMPRESSION_ADOBE_DEFLATE);
  g_assert_cmpuint (photometric, ==, PHOTOMETRIC_RGB);
  g_assert_cmpint (TIFFScanlineSize (tif), ==, (tmsize_t) width * 4);

  image.width = width;
  image.height = height;
  image.rgba = g_malloc ((gsize) width * height * 4);
  for (guint32 y = 0; y < height; y++)
    g_assert_cmpint (TIFFReadScanline (tif, image.rgba + (gsize) y * width * 4, y, 0), ==, 1);
  TIFFClose (tif);
  return image;
}

static const guint8 *
pixel_at (const Image *image,
          int          x,
          int          y)
{
  return image->rgba + ((gsize) y * image->width + x) * 4;
}

/* Share of the pixels whose colour differs from the top-left corner, which is background. */
static double
drawn_fraction (const Image *image)
{
  const guint8 *corner = pixel_at (image, 0, 0);
  gsize n = (gsize) image->width * image->height, drawn = 0;

  for (gsize i = 0; i < n; i++)
    if (memcmp (image->rgba + i * 4, corner, 4) != 0)
      drawn++;
  return (double) drawn / n;
}

static guint
count_colours (const Image *image)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  gsize n = (gsize) image->width * image->height;

  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = image->rgba + i * 4;
      g_hash_table_add (seen, GUINT_TO_POINTER ((guint) p[0] << 16 | (guint) p[1] << 8 | p[2]));
    }
  return g_hash_table_size (seen);
}

static void
assert_rendered (const Run *run)
{
  if (run->status != 0)
    g_test_message ("stderr: %s", run->err);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "");
  g_assert_cmpstr (run->err, ==, "");
}

/* The demo in both formats: the same pixels, a drawn volume in many colours, nothing else in the
 * folder (no temporary files left). */
static void
test_render_png_tiff (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *png = g_build_filename (dir, "demo.png", NULL);
  g_autofree char *tif = g_build_filename (dir, "demo.tif", NULL);

  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-o", png, "--size", "320x240", NULL);
    assert_rendered (&run);
  }
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "--output", tif, "--size=320x240", NULL);
    assert_rendered (&run);
  }
  assert_png_header (png, 320, 240);
  {
    g_auto(Image) from_png = read_png (png);
    g_auto(Image) from_tiff = read_tiff (tif);

    g_assert_cmpint (from_tiff.width, ==, 320);
    g_assert_cmpint (from_tiff.height, ==, 240);
    g_assert_cmpuint (pixel_at (&from_png, 0, 0)[3], ==, 255);
    g_assert_cmpfloat (drawn_fraction (&from_png), >, 0.1);
    g_assert_cmpuint (count_colours (&from_png), >=, 32);
    g_assert_cmpmem (from_png.rgba, 320 * 240 * 4, from_tiff.rgba, 320 * 240 * 4);
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_render_transparent (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *png = g_build_filename (dir, "clear.png", NULL);
  g_autofree char *tif = g_build_filename (dir, "clear.tiff", NULL);
  const char *outputs[] = { png, tif };

  for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
    {
      g_auto(Run) run = evox_headless ("render", "--demo", "--view", "xyz", "--transparent",
                                       "-s", "200x150", "-o", outputs[i], NULL);
      g_auto(Image) image = { 0 };
      gsize n_opaque = 0;

      assert_rendered (&run);
      image = i == 0 ? read_png (png) : read_tiff (tif);
      g_assert_cmpint (image.width, ==, 200);
      g_assert_cmpint (image.height, ==, 150);
      g_assert_cmpuint (pixel_at (&image, 0, 0)[3], ==, 0);
      g_assert_cmpuint (pixel_at (&image, 199, 149)[3], ==, 0);
      for (gsize p = 0; p < 200 * 150; p++)
        n_opaque += image.rgba[p * 4 + 3] == 255;
      g_assert_cmpuint (n_opaque, >, 200 * 150 / 20);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Every view draws something, and the options change what is drawn. */
static void
test_render_views (void)
{
  const char *views[] = { "xyz", "x", "y", "z", "stack" };
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.png", views[i]);
      g_autofree char *out = g_build_filename (dir, name, NULL);
      g_auto(Run) run = evox_headless ("render", "--demo", "--view", views[i], "-s", "160x120",
                                       "-o", out, NULL);
      Image image;

      assert_rendered (&run);
      image = read_png (out);
      g_test_message ("view %s: %.3f drawn, %u colours", views[i], drawn_fraction (&image),
                      count_colours (&image));
      g_assert_cmpfloat (drawn_fraction (&image), >, 0.05);
      g_ptr_array_add (images, g_steal_pointer (&image.rgba));
    }
  for (guint i = 0; i < images->len; i++)
    for (guint j = i + 1; j < images->len; j++)
      g_assert_true (memcmp (images->pdata[i], images->pdata[j], 160 * 120 * 4) != 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_render_options (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *base = g_build_filename (dir, "base.png", NULL);
  g_autofree char *large = g_build_filename (dir, "large.png", NULL);
  const char *variants[][3] = {
    { "--colormap", "grey" },
    { "--range", "-6:0" },
    { "--mapping", "linear" },
    { "--slice", "10,100,2" },
    { "--z-exaggeration", "3" },
  };
  g_auto(Image) reference = { 0 };

  {
    g_auto(Run) run = evox_headless ("render", "--demo", "--view", "xyz", "-s", "160x120",
                                     "-o", base, NULL);
    assert_rendered (&run);
  }
  reference = read_png (base);
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree char *name = g_strdup_printf ("variant-%u.png", i);
      g_autofree char *out = g_build_filename (dir, name, NULL);
      g_auto(Run) run = evox_headless ("render", "--demo", "--view", "xyz", "-s", "160x120",
                                       "-o", out, variants[i][0], variants[i][1], NULL);
      g_auto(Image) image = { 0 };

      g_test_message ("variant %s %s", variants[i][0], variants[i][1]);
      assert_rendered (&run);
      image = read_png (out);
      g_assert_true (memcmp (image.rgba, reference.rgba, 160 * 120 * 4) != 0);
    }

  /* Without --size: 1600x1200. */
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-o", large, NULL);
    assert_rendered (&run);
    assert_png_header (large, 1600, 1200);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_render_overwrite (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "figure.png", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;

  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-s", "64x48", "-o", out, NULL);
    assert_rendered (&run);
  }
  g_assert_true (g_file_get_contents (out, &before, &before_len, NULL));
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-s", "80x60", "-o", out, NULL);
    assert_input_error (&run, out);
    g_assert_nonnull (strstr (run.err, "--force"));
  }
  g_assert_true (g_file_get_contents (out, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-s", "80x60", "-o", out, "--force",
                                     NULL);
    assert_rendered (&run);
  }
  assert_png_header (out, 80, 60);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_render_bad_usage (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  const char *cases[][3] = {
    { "--size", "0x10" },
    { "--size", "16385x10" },
    { "--size", "640" },
    { "--size", "640x480x3" },
    { "--size", "wide" },
    { "--size", "-640x480" },
    { "--view", "sideways" },
    { "--colormap", "rainbowish" },
    { "--range", "3:1" },
    { "--range", "nan:1" },
    { "--mapping", "sqrt" },
    { "--slice", "1,2" },
    { "--slice", "500,0,0" },
    { "--slice", "0,0,14" },
    { "--z-exaggeration", "0" },
    { "--channel", "7" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = evox_headless ("render", "--demo", "-o", out, cases[i][0], cases[i][1],
                                       NULL);
      g_test_message ("case %s %s: %s", cases[i][0], cases[i][1], run.err);
      g_assert_cmpint (run.status, ==, 2);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_nonnull (strchr (run.err, '\n'));
      g_assert_true (strchr (run.err, '\n')[1] == '\0');
      if (g_str_equal (cases[i][0], "--colormap"))
        {
          g_assert_nonnull (strstr (run.err, "rainbowish"));
          g_assert_nonnull (strstr (run.err, "viridis"));
        }
    }
  {
    g_auto(Run) run = evox_headless ("render", "--demo", NULL);
    g_assert_cmpint (run.status, ==, 2);
  }
  {
    g_autofree char *jpeg = g_build_filename (dir, "out.jpg", NULL);
    g_auto(Run) run = evox_headless ("render", "--demo", "-o", jpeg, NULL);
    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "out.jpg"));
  }
  {
    g_auto(Run) run = evox_headless ("render", "-o", out, NULL);
    g_assert_cmpint (run.status, ==, 2);
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_render_bad_input (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing.csv", NULL);
  g_autofree char *ragged = g_build_filename (dir, "ragged.csv", NULL);
  g_autofree char *out = g_build_filename (dir, "out.png", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *nowhere = g_build_filename (sub, "no", "figure.png", NULL);

  {
    g_auto(Run) run = evox_headless ("render", missing, "-o", out, NULL);
    assert_input_error (&run, "missing.csv");
  }
  g_assert_true (g_file_set_contents (ragged, "X,Y,R0,Z0\n0,0,1,0\n1,0,2\n", -1, NULL));
  {
    g_auto(Run) run = evox_headless ("render", ragged, "-o", out, NULL);
    assert_input_error (&run, "ragged.csv");
  }
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));

  /* A folder that does not exist: the error names the figure, and nothing is left anywhere. */
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  {
    g_auto(Run) run = evox_headless ("render", "--demo", "-s", "64x48", "-o", nowhere, NULL);
    assert_input_error (&run, "figure.png");
  }
  g_assert_cmpuint (evox_test_count_entries (sub), ==, 0);
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);  /* ragged.csv and sub */
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real A19 table: the layer stack (its default view) and three slices. */
static void
test_render_real (void)
{
  g_autofree char *ssrm = evox_test_data_path ("ssrm/A19_GrSi_Anode_1x1.csv");
  g_autofree char *dir = NULL;
  const char *views[] = { "stack", "xyz" };

  if (ssrm == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *name = g_strdup_printf ("a19-%s.png", views[i]);
      g_autofree char *out = g_build_filename (dir, name, NULL);
      g_auto(Run) run = evox_headless ("render", ssrm, "--view", views[i], "-s", "400x300",
                                       "-o", out, NULL);
      g_auto(Image) image = { 0 };

      assert_rendered (&run);
      image = read_png (out);
      g_test_message ("A19 %s: %.3f drawn, %u colours", views[i], drawn_fraction (&image),
                      count_colours (&image));
      g_assert_cmpfloat (drawn_fraction (&image), >, 0.1);
      g_assert_cmpuint (count_colours (&image), >=, 32);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Cli/info-demo", test_info_demo);
  g_test_add_func ("/Evox/Cli/info-real", test_info_real);
  g_test_add_func ("/Evox/Cli/histogram", test_histogram);
  g_test_add_func ("/Evox/Cli/histogram-measured", test_histogram_measured);
  g_test_add_func ("/Evox/Cli/convert", test_convert);
  g_test_add_func ("/Evox/Cli/bad-input", test_bad_input);
  g_test_add_func ("/Evox/Cli/bad-usage", test_bad_usage);
  g_test_add_func ("/Evox/Cli/render/png-tiff", test_render_png_tiff);
  g_test_add_func ("/Evox/Cli/render/transparent", test_render_transparent);
  g_test_add_func ("/Evox/Cli/render/views", test_render_views);
  g_test_add_func ("/Evox/Cli/render/options", test_render_options);
  g_test_add_func ("/Evox/Cli/render/overwrite", test_render_overwrite);
  g_test_add_func ("/Evox/Cli/render/bad-usage", test_render_bad_usage);
  g_test_add_func ("/Evox/Cli/render/bad-input", test_render_bad_input);
  g_test_add_func ("/Evox/Cli/render/real", test_render_real);
  return g_test_run ();
}

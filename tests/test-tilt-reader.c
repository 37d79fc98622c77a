/* test-tilt-reader.c: tilt series from Data Exchange HDF5 files the test writes with the HDF5 C
 * library, checked against optical densities worked out by hand and binning done by brute force;
 * every bad file refused with its name and the reason. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>
#include <hdf5.h>
#include <glib/gstdio.h>

#include "evox-tilt-reader.h"
#include "evox-types.h"
#include "evox-test-util.h"
#include "evox-test-hdf5.h"
#include "evox-test-xrm.h"

/* ------------------------------------------------------------------------------------------ */
/* Writing test files with the library itself                                                  */

static void
put_vector (hid_t         file,
            const char   *name,
            const double *values,
            hsize_t       n,
            const char   *units)
{
  evox_test_h5_put (file, name, H5T_IEEE_F64LE, 1, &n, values, units);
}

/* The hand-worked file: 3 projections of 3 x 2 pixels (u16), two white frames (1000 and 1200,
 * mean 1100) and two dark frames (90 and 110, mean 100), so white - dark = 1000 and
 * I = 100 + 1000 t has transmission t. */
static const double od_t[6] = { 0.5, 0.25, 1.0, 2.0, 0.125, 0.8 };
static const double od_theta_deg[3] = { 0, 90, 180 };

static char *
write_od_file (const char *dir,
               const char *name,
               gboolean    with_dark,
               gboolean    with_exposures)
{
  char *path = g_build_filename (dir, name, NULL);
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[3] = { 3, 2, 3 };
  hsize_t ref_dims[3] = { 2, 2, 3 };
  double data[18], white[12], dark[12];

  g_assert_cmpint (file, >=, 0);
  for (guint a = 0; a < 3; a++)
    for (guint i = 0; i < 6; i++)
      {
        /* Projection 1 keeps t; 0 and 2 put pixel 5 at the dark level (t = 0) and below it
         * (I - dark < 0), which are clamped. */
        double t = od_t[i];

        if (a != 1 && i == 5)
          t = a == 0 ? 0 : -0.05;
        data[a * 6 + i] = (with_dark ? 100 : 0) + 1000 * t;
      }
  for (guint i = 0; i < 6; i++)
    {
      white[i] = 1000;
      white[6 + i] = 1200;
      dark[i] = 90;
      dark[6 + i] = 110;
      if (!with_dark)
        white[i] = 900, white[6 + i] = 1100;   /* mean 1000: no dark, white alone */
    }
  evox_test_h5_put (file, "/exchange/data", H5T_STD_U16LE, 3, dims, data, NULL);
  evox_test_h5_put (file, "/exchange/data_white", H5T_STD_U16LE, 3, ref_dims, white, NULL);
  if (with_dark)
    evox_test_h5_put (file, "/exchange/data_dark", H5T_STD_U16LE, 3, ref_dims, dark, NULL);
  put_vector (file, "/exchange/theta", od_theta_deg, 3, NULL);
  if (with_exposures)
    {
      double t_data = 2.0, t_white = 1.0;

      put_vector (file, "/measurement/instrument/detector/exposure_time", &t_data, 1, NULL);
      put_vector (file, "/process/acquisition/flat_fields/flat_exposure_time", &t_white, 1,
                  NULL);
    }
  H5Fclose (file);
  return path;
}

/* -ln t by hand: ln 2 = 0.6931471805599453, ln 4 = 1.3862943611198906,
 * ln 8 = 2.0794415416798357, ln 0.8 = -0.2231435513142097; clamped: -ln 1e-6 = 13.815510557964274.
 * Projection 1 pixel by pixel. */
static const double od_expected[6] = {
  0.6931471805599453, 1.3862943611198906, 0.0, -0.6931471805599453, 2.0794415416798357,
  0.2231435513142097
};

static void
test_optical_density (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_od_file (dir, "od.h5", TRUE, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxTiltSeries) series = evox_tilt_reader_load (path, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (series);
  g_assert_cmpuint (series->nx, ==, 3);
  g_assert_cmpuint (series->ny, ==, 2);
  g_assert_cmpuint (series->n_angles, ==, 3);
  g_assert_true (series->od);
  for (guint i = 0; i < 6; i++)
    {
      g_assert_cmpfloat_with_epsilon (series->data[6 + i], od_expected[i], 1e-5);
      if (i < 5)
        {
          g_assert_cmpfloat_with_epsilon (series->data[i], od_expected[i], 1e-5);
          g_assert_cmpfloat_with_epsilon (series->data[12 + i], od_expected[i], 1e-5);
        }
    }
  /* t = 0 and t < 0 both become EVOX_TILT_MIN_TRANSMISSION. */
  g_assert_cmpfloat_with_epsilon (series->data[5], 13.815510557964274, 1e-4);
  g_assert_cmpfloat_with_epsilon (series->data[17], 13.815510557964274, 1e-4);
  /* Degrees in the file, radians in the series. */
  g_assert_cmpfloat_with_epsilon (series->theta[0], 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (series->theta[1], G_PI / 2, 1e-12);
  g_assert_cmpfloat_with_epsilon (series->theta[2], G_PI, 1e-12);
  g_assert_cmpfloat (series->pixel_size_nm, ==, 0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Data at twice the flat field's exposure: t_white / t_I = 0.5 halves every transmission, so
 * each OD grows by ln 2. */
static void
test_exposure_ratio (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_od_file (dir, "exposure.h5", TRUE, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxTiltSeries) series = evox_tilt_reader_load_hdf5 (path, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (series->data[6 + i], od_expected[i] + 0.6931471805599453,
                                    1e-5);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Without /exchange/data_dark the dark level is zero: white alone (mean 1000). */
static void
test_no_dark (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_od_file (dir, "nodark.h5", FALSE, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxTiltSeries) series = evox_tilt_reader_load (path, NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (series->data[6 + i], od_expected[i], 1e-5);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* flat_dark off: the counts as written, od FALSE. */
static void
test_raw_counts (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_od_file (dir, "raw.h5", TRUE, FALSE);
  g_autoptr(GError) error = NULL;
  EvoxTiltReadOptions options;
  g_autoptr(EvoxTiltSeries) series = NULL;

  evox_tilt_read_options_init (&options);
  options.flat_dark = FALSE;
  series = evox_tilt_reader_load (path, &options, &error);
  g_assert_no_error (error);
  g_assert_false (series->od);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpfloat (series->data[6 + i], ==, (float) (100 + 1000 * od_t[i]));
  g_assert_cmpfloat (series->data[5], ==, 100);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* theta with units "rad" stays as it is; pixel size in um becomes nm. */
static void
test_radians_and_pixel_size (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "rad.h5", NULL);
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[3] = { 2, 1, 2 };
  double data[4] = { 1, 2, 3, 4 }, theta[2] = { 0.25, 1.5 }, pixel = 0.03, energy = 8.333;
  g_autoptr(GError) error = NULL;
  EvoxTiltReadOptions options = { .flat_dark = FALSE, .bin = 1 };
  g_autoptr(EvoxTiltSeries) series = NULL;

  evox_test_h5_put (file, "/exchange/data", H5T_IEEE_F32LE, 3, dims, data, NULL);
  put_vector (file, "/exchange/theta", theta, 2, "rad");
  put_vector (file, "/exchange/pixel_size", &pixel, 1, "um");
  put_vector (file, "/exchange/energy", &energy, 1, "keV");
  H5Fclose (file);
  series = evox_tilt_reader_load (path, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (series->theta[0], ==, 0.25);
  g_assert_cmpfloat (series->theta[1], ==, 1.5);
  g_assert_cmpfloat_with_epsilon (series->pixel_size_nm, 30, 1e-9);
  g_assert_cmpfloat_with_epsilon (series->energy_ev, 8333, 1e-9);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* 2 x 2 binning of 7 x 5 projections (the last column and row dropped) against a brute-force
 * mean of the corrected values, with and without correction. */
static void
test_binning (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "bin.h5", NULL);
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  enum { NX = 7, NY = 5, NA = 2 };
  hsize_t dims[3] = { NA, NY, NX }, ref_dims[2] = { NY, NX };
  double data[NA * NY * NX], white[NY * NX], theta[NA] = { 0, 1 }, pixel = 20;
  guint64 state = 16;

  for (guint i = 0; i < NA * NY * NX; i++)
    data[i] = 100 + (double) (evox_test_random (&state) % 800);
  for (guint i = 0; i < NY * NX; i++)
    white[i] = 950 + (double) (evox_test_random (&state) % 100);
  evox_test_h5_put (file, "/exchange/data", H5T_IEEE_F64LE, 3, dims, data, NULL);
  evox_test_h5_put (file, "/exchange/data_white", H5T_IEEE_F64LE, 2, ref_dims, white, NULL);
  put_vector (file, "/exchange/theta", theta, NA, NULL);
  put_vector (file, "/exchange/pixel_size", &pixel, 1, "nm");
  H5Fclose (file);

  for (int corrected = 0; corrected < 2; corrected++)
    {
      EvoxTiltReadOptions options = { .flat_dark = corrected, .bin = 2 };
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxTiltSeries) series = evox_tilt_reader_load (path, &options, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (series->nx, ==, 3);
      g_assert_cmpuint (series->ny, ==, 2);
      g_assert_cmpuint (series->n_angles, ==, NA);
      g_assert_cmpfloat (series->pixel_size_nm, ==, 40);
      g_assert_cmpfloat (series->theta[1], ==, G_PI / 180);
      for (guint a = 0; a < NA; a++)
        for (guint y = 0; y < 2; y++)
          for (guint x = 0; x < 3; x++)
            {
              double sum = 0;

              for (guint j = 0; j < 2; j++)
                for (guint i = 0; i < 2; i++)
                  {
                    guint p = (2 * y + j) * NX + 2 * x + i;
                    double v = data[a * NY * NX + p];

                    sum += corrected ? -log (v / white[p]) : v;
                  }
              g_assert_cmpfloat_with_epsilon (evox_tilt_series_row (series, a, y)[x], sum / 4,
                                              1e-5);
            }
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* Bad files                                                                                   */

typedef enum
{
  BAD_THETA_COUNT,
  BAD_NO_THETA,
  BAD_WHITE_SIZE,
  BAD_DARK_SIZE,
  BAD_ONE_PROJECTION,
  BAD_OVERFLOW,
  BAD_OVER_CAP,
  BAD_NO_DATA,
  BAD_NO_WHITE,
  BAD_RANK,
  BAD_THETA_UNITS,
} BadCase;

static void
write_bad (const char *path,
           BadCase     bad)
{
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[3] = { bad == BAD_ONE_PROJECTION ? 1 : 3, 2, 2 };
  hsize_t white_dims[3] = { 1, 2, bad == BAD_WHITE_SIZE ? 3 : 2 };
  hsize_t dark_dims[3] = { 1, bad == BAD_DARK_SIZE ? 3 : 2, 2 };
  double values[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, theta[3] = { 0, 60, 120 };

  if (bad == BAD_OVERFLOW || bad == BAD_OVER_CAP)
    {
      /* 2^20 projections of 2^20 x 2^20 pixels: chunked and never written, so the file is tiny
       * and only the reader's size check stands between it and an allocation. Over the cap:
       * 64 of 1024 x 1024 (256 MiB of floats, well within what a series may hold), read under a
       * cap of 64 MiB; HDF5 would read it as zeros. */
      guint n = bad == BAD_OVERFLOW ? 1u << 20 : 64;
      hsize_t side = bad == BAD_OVERFLOW ? 1u << 20 : 1024;
      hsize_t huge[3] = { n, side, side }, chunk[3] = { 1, 64, 64 };
      hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);
      hid_t dcpl = H5Pcreate (H5P_DATASET_CREATE);
      hid_t space = H5Screate_simple (3, huge, NULL);
      hid_t dataset;
      g_autofree double *many = g_new0 (double, n);

      H5Pset_create_intermediate_group (lcpl, 1);
      H5Pset_chunk (dcpl, 3, chunk);
      dataset = H5Dcreate2 (file, "/exchange/data", H5T_STD_U16LE, space, lcpl, dcpl,
                            H5P_DEFAULT);
      g_assert_cmpint (dataset, >=, 0);
      H5Dclose (dataset);
      H5Sclose (space);
      H5Pclose (dcpl);
      H5Pclose (lcpl);
      put_vector (file, "/exchange/theta", many, n, NULL);
      H5Fclose (file);
      return;
    }
  if (bad == BAD_RANK)
    evox_test_h5_put (file, "/exchange/data", H5T_STD_U16LE, 2, dims + 1, values, NULL);
  else if (bad != BAD_NO_DATA)
    evox_test_h5_put (file, "/exchange/data", H5T_STD_U16LE, 3, dims, values, NULL);
  if (bad != BAD_NO_WHITE)
    evox_test_h5_put (file, "/exchange/data_white", H5T_STD_U16LE, 3, white_dims, values, NULL);
  evox_test_h5_put (file, "/exchange/data_dark", H5T_STD_U16LE, 3, dark_dims, values, NULL);
  if (bad != BAD_NO_THETA)
    put_vector (file, "/exchange/theta", theta, bad == BAD_THETA_COUNT ? 2 : dims[0],
                bad == BAD_THETA_UNITS ? "grad" : NULL);
  H5Fclose (file);
}

static void
test_bad_files (void)
{
  static const struct { BadCase bad; const char *reason; } cases[] = {
    { BAD_THETA_COUNT, "/exchange/theta has 2 angles for 3 projections" },
    { BAD_NO_THETA, "no /exchange/theta" },
    { BAD_WHITE_SIZE, "/exchange/data_white frames are 3 x 2, the projections 2 x 2" },
    { BAD_DARK_SIZE, "/exchange/data_dark frames are 2 x 3, the projections 2 x 2" },
    { BAD_ONE_PROJECTION, "a tilt series needs at least two" },
    { BAD_OVERFLOW, "above the memory cap" },
    { BAD_OVER_CAP, "the tilt series would need 256" },
    { BAD_NO_DATA, "no /exchange/data dataset" },
    { BAD_NO_WHITE, "no /exchange/data_white" },
    { BAD_RANK, "has rank 2" },
    { BAD_THETA_UNITS, "units 'grad'" },
  };
  g_autofree char *dir = evox_test_tmpdir_new ();

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *name = g_strdup_printf ("bad-%u.h5", c);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxTiltSeries) series = NULL;

      write_bad (path, cases[c].bad);
      g_setenv ("EVOX_MEMORY_LIMIT", "64M", TRUE);
      series = evox_tilt_reader_load (path, NULL, &error);
      g_unsetenv ("EVOX_MEMORY_LIMIT");
      g_assert_null (series);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_true (strstr (error->message, name) != NULL);
      g_assert_true (strstr (error->message, cases[c].reason) != NULL);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Options that make no sense and a file of neither format. */
static void
test_bad_options (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_od_file (dir, "opts.h5", TRUE, FALSE);
  g_autofree char *text = g_build_filename (dir, "notes.txt", NULL);
  EvoxTiltReadOptions options = { .flat_dark = TRUE, .bin = 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error_big = NULL;
  g_autoptr(GError) error_text = NULL;

  g_assert_null (evox_tilt_reader_load (path, &options, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_true (strstr (error->message, "opts.h5") != NULL);
  options.bin = 3;
  g_assert_null (evox_tilt_reader_load (path, &options, &error_big));
  g_assert_true (strstr (error_big->message, "binning 3 x 3 is larger than the 3 x 2") != NULL);
  g_assert_true (g_file_set_contents (text, "theta 0 90 180\n", -1, NULL));
  g_assert_null (evox_tilt_reader_load (text, NULL, &error_text));
  g_assert_true (strstr (error_text->message, "notes.txt") != NULL);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A synthetic .txrm (u8 images, the u16 reference at ReferenceData/ExpTime 0.3 s, ExpTimes
 * 0.5 + 0.25 k s, angles -30 + 15 k degrees): optical density pixel by pixel against
 * -ln (I / white * 0.3 / t_k), the formula worked in double from the writer's own values. */
static void
test_txrm_optical_density (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "tilt.txrm", NULL);
  EvoxTestXrm spec = { .width = 5, .height = 4, .n_images = 3, .data_type = 3,
                       .reference = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxTiltSeries) series = NULL;

  evox_test_xrm_write (path, &spec);
  series = evox_tilt_reader_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->nx, ==, 5);
  g_assert_cmpuint (series->ny, ==, 4);
  g_assert_cmpuint (series->n_angles, ==, 3);
  g_assert_true (series->od);
  g_assert_cmpfloat_with_epsilon (series->pixel_size_nm, 50, 1e-3);
  for (guint a = 0; a < 3; a++)
    {
      double ratio = 0.3 / (0.5 + 0.25 * a);

      g_assert_cmpfloat_with_epsilon (series->theta[a], (-30.0 + 15.0 * a) * G_PI / 180, 1e-6);
      for (guint y = 0; y < 4; y++)
        for (guint x = 0; x < 5; x++)
          {
            double t = evox_test_xrm_value (3, a + 1, x, y) /
                       evox_test_xrm_reference_value (x, y) * ratio;

            g_assert_cmpfloat_with_epsilon (evox_tilt_series_row (series, a, y)[x], -log (t),
                                            1e-5);
          }
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* .txrm files that are no tilt series to correct: one image, a reference of another size, no
 * reference at all, no angles. */
static void
test_txrm_bad (void)
{
  static const struct {
    guint n_images; guint ref_width; gboolean reference; gboolean no_angles; const char *reason;
  } cases[] = {
    { 1, 0, TRUE, FALSE, "holds 1 image; a tilt series needs at least two" },
    { 3, 6, TRUE, FALSE, "the reference image is 6 x 4, the projections 5 x 4" },
    { 3, 0, FALSE, FALSE, "carries no reference image" },
    { 3, 0, TRUE, TRUE, "has no ImageInfo/Angles stream: the projection angles are unknown" },
  };
  g_autofree char *dir = evox_test_tmpdir_new ();

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *name = g_strdup_printf ("bad-%u.txrm", c);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      EvoxTestXrm spec = { .width = 5, .height = 4, .n_images = cases[c].n_images,
                           .data_type = 3, .reference = cases[c].reference,
                           .reference_width = cases[c].ref_width, .reference_height = 4,
                           .reference_info = TRUE, .no_angles = cases[c].no_angles };
      g_autoptr(GError) error = NULL;

      evox_test_xrm_write (path, &spec);
      g_assert_null (evox_tilt_reader_load (path, NULL, &error));
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_true (strstr (error->message, name) != NULL);
      g_assert_true (strstr (error->message, cases[c].reason) != NULL);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real .txrm in the shared data (EVOX_TEST_DATA), a 7-angle tilt series without a reference
 * image: raw counts and angles against the numbers test-xrm.c's comment got with Python's
 * olefile (Angles, PixelSize 0.15578948 um, Energy 9200.0166, image 1 pixel (0,0) 10, sum
 * 4280467); correction refused for want of the reference. */
static void
test_real_txrm (void)
{
  static const double angles[7] = { -45.0180016, -30.0141258, -15.0141258, -0.0141250007,
                                     14.9858761, 29.9858761, 44.985878 };
  g_autofree char *path = evox_test_data_path ("xrm/txrm_test_chip_tomo.txrm");
  EvoxTiltReadOptions raw = { .flat_dark = FALSE, .bin = 1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error_od = NULL;
  g_autoptr(EvoxTiltSeries) series = NULL;
  double sum = 0;

  if (path == NULL)
    return;
  series = evox_tilt_reader_load (path, &raw, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (series->nx, ==, 256);
  g_assert_cmpuint (series->ny, ==, 256);
  g_assert_cmpuint (series->n_angles, ==, 7);
  g_assert_false (series->od);
  for (guint a = 0; a < 7; a++)
    g_assert_cmpfloat_with_epsilon (series->theta[a], angles[a] * G_PI / 180, 1e-7);
  g_assert_cmpfloat_with_epsilon (series->pixel_size_nm, 155.78948, 1e-3);
  g_assert_cmpfloat_with_epsilon (series->energy_ev, 9200.0166, 1e-3);
  g_assert_cmpfloat (series->data[0], ==, 10);
  for (gsize i = 0; i < 256 * 256; i++)
    sum += series->data[i];
  g_assert_cmpfloat (sum, ==, 4280467);
  g_assert_null (evox_tilt_reader_load (path, NULL, &error_od));
  g_assert_true (strstr (error_od->message, "carries no reference image") != NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/TiltReader/optical-density", test_optical_density);
  g_test_add_func ("/Evox/TiltReader/exposure-ratio", test_exposure_ratio);
  g_test_add_func ("/Evox/TiltReader/no-dark", test_no_dark);
  g_test_add_func ("/Evox/TiltReader/raw-counts", test_raw_counts);
  g_test_add_func ("/Evox/TiltReader/radians-and-pixel-size", test_radians_and_pixel_size);
  g_test_add_func ("/Evox/TiltReader/binning", test_binning);
  g_test_add_func ("/Evox/TiltReader/bad-files", test_bad_files);
  g_test_add_func ("/Evox/TiltReader/bad-options", test_bad_options);
  g_test_add_func ("/Evox/TiltReader/txrm-optical-density", test_txrm_optical_density);
  g_test_add_func ("/Evox/TiltReader/txrm-bad", test_txrm_bad);
  g_test_add_func ("/Evox/TiltReader/real-txrm", test_real_txrm);
  return g_test_run ();
}

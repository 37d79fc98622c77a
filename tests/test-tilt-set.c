/* test-tilt-set.c: tilt series assembled from many files: folders of per-angle .xrm files with
 * their references, multi-energy sets (folders and scan scripts), folders of .txrm files, and
 * what is refused; values checked against the correction computed here from what was written. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "evox-progress.h"
#include "evox-test-util.h"
#include "evox-test-xrm.h"
#include "evox-tilt-reader.h"
#include "evox-types.h"

#define W 8
#define H 6
/* The writer's exposure of a file's first image, and of its ReferenceData. */
#define EXPOSURE 0.5
#define REFERENCE_EXPOSURE 0.3

/* One single-image .xrm file at angle, its image evox_test_xrm_value (5, 1 + offset). */
static void
write_one (const char *dir,
           const char *name,
           float       angle,
           guint       offset,
           gboolean    reference,
           guint       width,
           guint       height)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  EvoxTestXrm spec = { 0 };

  spec.width = width;
  spec.height = height;
  spec.n_images = 1;
  spec.data_type = 5;
  spec.angles = &angle;
  spec.image_offset = offset;
  spec.reference = reference;
  evox_test_xrm_write (path, &spec);
}

static double
sample (guint offset,
        guint x,
        guint y)
{
  return evox_test_xrm_value (5, 1 + offset, x, y);
}

/* -ln ((I / t_I) / (W / t_W)): the single-file path's correction with exposure times. */
static double
od (double i,
    double t_i,
    double w,
    double t_w)
{
  return -log ((i / t_i) / (w / t_w));
}

static void
assert_projection (const EvoxTiltSeries *series,
                   guint                 a,
                   double              (*expected) (guint x, guint y, gpointer data),
                   gpointer              data)
{
  for (guint y = 0; y < series->ny; y++)
    for (guint x = 0; x < series->nx; x++)
      g_assert_cmpfloat_with_epsilon (evox_tilt_series_row (series, a, y)[x],
                                      expected (x, y, data), 1e-6);
}

typedef struct
{
  guint    offset[2];  /* the images averaged (the second equal to the first for one) */
  guint    ref_offset;
} Expect;

static double
expect_with_ref_file (guint    x,
                      guint    y,
                      gpointer data)
{
  Expect *e = data;
  double i = (sample (e->offset[0], x, y) + sample (e->offset[1], x, y)) / 2;

  return od (i, EXPOSURE, sample (e->ref_offset, x, y), EXPOSURE);
}

static double
expect_with_inner_ref (guint    x,
                       guint    y,
                       gpointer data)
{
  Expect *e = data;

  return od (sample (e->offset[0], x, y), EXPOSURE, evox_test_xrm_reference_value (x, y),
             REFERENCE_EXPOSURE);
}

/* Files named out of angle order, two at one angle (repeats), one reference file. */
static void
test_per_angle_folder (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) set = NULL;
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  static const float angles[] = { 30, -60, 0, 60, -30, 0 };
  static const double sorted[] = { -60, -30, 0, 30, 60 };
  const EvoxTiltSeries *s;

  for (guint i = 0; i < G_N_ELEMENTS (angles); i++)
    {
      g_autofree char *name = g_strdup_printf ("tomo_%02u.xrm", i);

      write_one (dir, name, angles[i], 10 * i, FALSE, W, H);
    }
  write_one (dir, "tomo_ref.xrm", 7, 3, FALSE, W, H);
  set = evox_tilt_reader_load_set (dir, NULL, progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (set->len, ==, 1);
  s = set->pdata[0];
  g_assert_cmpuint (s->n_angles, ==, 5);
  g_assert_cmpuint (s->nx, ==, W);
  g_assert_cmpuint (s->ny, ==, H);
  g_assert_true (s->od);
  g_assert_cmpfloat (s->energy_ev, ==, 0);
  g_assert_cmpfloat_with_epsilon (s->pixel_size_nm, 50, 1e-3);
  for (guint a = 0; a < 5; a++)
    g_assert_cmpfloat_with_epsilon (s->theta[a], sorted[a] * G_PI / 180, 1e-9);
  /* -60 deg is file 1, 0 deg files 2 and 5 averaged. */
  {
    Expect e = { { 10, 10 }, 3 };

    assert_projection (s, 0, expect_with_ref_file, &e);
    e = (Expect) { { 20, 50 }, 3 };
    assert_projection (s, 2, expect_with_ref_file, &e);
  }
  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* No reference files: each file's ReferenceData corrects its own projection. */
static void
test_inner_references (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) set = NULL;
  const EvoxTiltSeries *s;
  EvoxTiltReadOptions options;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u.xrm", i);

      write_one (dir, name, -45.0f + 45.0f * i, i, TRUE, W, H);
    }
  evox_tilt_read_options_init (&options);
  set = evox_tilt_reader_load_set (dir, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  s = set->pdata[0];
  g_assert_cmpuint (s->n_angles, ==, 3);
  for (guint a = 0; a < 3; a++)
    {
      Expect e = { { a, a }, 0 };

      assert_projection (s, a, expect_with_inner_ref, &e);
    }
  g_clear_pointer (&set, g_ptr_array_unref);

  /* Binning as the single-file path does it: the 2 x 2 mean of the corrected pixels. */
  options.bin = 2;
  set = evox_tilt_reader_load_set (dir, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  s = set->pdata[0];
  g_assert_cmpuint (s->nx, ==, W / 2);
  g_assert_cmpuint (s->ny, ==, H / 2);
  {
    Expect e = { { 1, 1 }, 0 };
    double m = (expect_with_inner_ref (2, 2, &e) + expect_with_inner_ref (3, 2, &e) +
                expect_with_inner_ref (2, 3, &e) + expect_with_inner_ref (3, 3, &e)) / 4;

    g_assert_cmpfloat_with_epsilon (evox_tilt_series_row (s, 1, 1)[1], m, 1e-6);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Two energies in the names (SSRL style), references paired by energy; with and without a scan
 * script naming them. */
static void
write_two_energies (const char *dir,
                    guint       n_angles_high)
{
  static const char *energies[] = { "08354.0", "08324.0" };

  for (guint e = 0; e < 2; e++)
    {
      guint n = e == 0 ? n_angles_high : 4;

      for (guint a = 0; a < n; a++)
        {
          g_autofree char *name = g_strdup_printf ("rep01_sample_%s_eV_%03uof%03u.xrm",
                                                   energies[e], a + 1, n);

          write_one (dir, name, -90.0f + 45.0f * a, 10 * e + a, FALSE, W, H);
        }
      {
        g_autofree char *name = g_strdup_printf ("rep01_000001_ref_sample_%s_eV_001of001.xrm",
                                                 energies[e]);

        write_one (dir, name, 0, 40 + e, FALSE, W, H);
      }
    }
}

static void
check_two_energies (GPtrArray *set)
{
  g_assert_cmpuint (set->len, ==, 2);
  for (guint e = 0; e < 2; e++)
    {
      const EvoxTiltSeries *s = set->pdata[e];
      /* Ascending: 8324 eV (written second, offsets 10..13, reference 41) first. */
      guint written = 1 - e;
      Expect x = { { 10 * written + 2, 10 * written + 2 }, 40 + written };

      g_assert_cmpfloat (s->energy_ev, ==, e == 0 ? 8324.0 : 8354.0);
      g_assert_cmpuint (s->n_angles, ==, 4);
      g_assert_cmpfloat_with_epsilon (s->theta[2], 0.0, 1e-9);
      assert_projection (s, 2, expect_with_ref_file, &x);
    }
}

static void
test_two_energies (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *script = g_build_filename (dir, "scan_XANES.txt", NULL);
  g_autoptr(GString) text = g_string_new (";; tomo XANES\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) set = NULL;

  write_two_energies (dir, 4);
  set = evox_tilt_reader_load_set (dir, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  check_two_energies (set);
  g_clear_pointer (&set, g_ptr_array_unref);

  /* The same files through a script (energies from its `sete` lines). */
  for (guint e = 0; e < 2; e++)
    {
      const char *name = e == 0 ? "08324.0" : "08354.0";

      g_string_append_printf (text, "sete %s\ncollect rep01_000001_ref_sample_%s_eV_001of001.xrm\n",
                              e == 0 ? "8324.00" : "8354.00", name);
      for (guint a = 0; a < 4; a++)
        g_string_append_printf (text, "collect rep01_sample_%s_eV_%03uof004.xrm\n", name, a + 1);
    }
  g_assert_true (g_file_set_contents (script, text->str, -1, NULL));
  set = evox_tilt_reader_load_set (script, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  check_two_energies (set);
  g_clear_pointer (&set, g_ptr_array_unref);
  /* The folder with the script in it reads the script. */
  set = evox_tilt_reader_load_set (dir, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  check_two_energies (set);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* One .txrm per energy, and a folder named like one (not a series: left out, as the spectral
 * reader leaves it out). */
static void
test_txrm_folder (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *folder = g_build_filename (dir, "c.txrm", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) set = NULL;
  static const float e_high = 9000, e_low = 8000;

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);

  for (guint e = 0; e < 2; e++)
    {
      g_autofree char *path = g_build_filename (dir, e == 0 ? "a.txrm" : "b.txrm", NULL);
      EvoxTestXrm spec = { 0 };

      spec.width = W;
      spec.height = H;
      spec.n_images = 4;
      spec.data_type = 5;
      spec.reference = TRUE;
      spec.energies = e == 0 ? &e_high : &e_low;
      spec.n_energies = 1;
      evox_test_xrm_write (path, &spec);
    }
  set = evox_tilt_reader_load_set (dir, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (set->len, ==, 2);
  g_assert_cmpfloat (((EvoxTiltSeries *) set->pdata[0])->energy_ev, ==, 8000);
  g_assert_cmpfloat (((EvoxTiltSeries *) set->pdata[1])->energy_ev, ==, 9000);
  g_assert_cmpuint (((EvoxTiltSeries *) set->pdata[0])->n_angles, ==, 4);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
expect_error (const char *path,
              const char *words,
              const char *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) set = evox_tilt_reader_load_set (path, NULL, NULL, NULL, &error);

  g_assert_null (set);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, words));
  g_assert_nonnull (strstr (error->message, file));
}

static void
test_bad_sets (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();

  /* Empty. */
  {
    g_autofree char *sub = g_build_filename (dir, "empty", NULL);

    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    expect_error (sub, "holds no .xrm or .txrm files", "empty");
  }
  /* No angles in one file. */
  {
    g_autofree char *sub = g_build_filename (dir, "noangle", NULL);
    g_autofree char *path = g_build_filename (sub, "p1.xrm", NULL);
    EvoxTestXrm spec = { 0 };

    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    write_one (sub, "p0.xrm", 0, 0, TRUE, W, H);
    spec.width = W;
    spec.height = H;
    spec.n_images = 1;
    spec.data_type = 5;
    spec.reference = TRUE;
    spec.no_angles = TRUE;
    evox_test_xrm_write (path, &spec);
    expect_error (sub, "no angle", "p1.xrm");
  }
  /* A reference file of another size. */
  {
    g_autofree char *sub = g_build_filename (dir, "refsize", NULL);

    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    write_one (sub, "p0.xrm", 0, 0, FALSE, W, H);
    write_one (sub, "p1.xrm", 10, 1, FALSE, W, H);
    write_one (sub, "p_ref.xrm", 0, 2, FALSE, W - 2, H);
    expect_error (sub, "the reference is 6 x 6, the projections 8 x 6", "p_ref.xrm");
  }
  /* ReferenceData of another size. */
  {
    g_autofree char *sub = g_build_filename (dir, "innersize", NULL);
    g_autofree char *path = g_build_filename (sub, "p1.xrm", NULL);
    EvoxTestXrm spec = { 0 };
    float angle = 20;

    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    write_one (sub, "p0.xrm", 0, 0, TRUE, W, H);
    spec.width = W;
    spec.height = H;
    spec.n_images = 1;
    spec.data_type = 5;
    spec.angles = &angle;
    spec.reference = TRUE;
    spec.reference_width = W + 1;
    spec.reference_info = TRUE;
    evox_test_xrm_write (path, &spec);
    expect_error (sub, "the reference image is 9 x 6", "p1.xrm");
  }
  /* No reference at all. */
  {
    g_autofree char *sub = g_build_filename (dir, "noref", NULL);

    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    write_one (sub, "p0.xrm", 0, 0, FALSE, W, H);
    write_one (sub, "p1.xrm", 10, 1, FALSE, W, H);
    expect_error (sub, "no reference to correct with", "p0.xrm");
  }
  /* One angle. */
  {
    g_autofree char *sub = g_build_filename (dir, "oneangle", NULL);

    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    write_one (sub, "p0.xrm", 5, 0, TRUE, W, H);
    write_one (sub, "p1.xrm", 5, 1, TRUE, W, H);
    expect_error (sub, "at least two angles", "oneangle");
  }
  /* Energies with different angle sets. */
  {
    g_autofree char *sub = g_build_filename (dir, "angles", NULL);

    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    write_two_energies (sub, 3);
    expect_error (sub, "different angle sets", "angles");
  }
  /* A file without energy among files with energies. */
  {
    g_autofree char *sub = g_build_filename (dir, "mixed", NULL);

    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    write_two_energies (sub, 4);
    write_one (sub, "stray.xrm", 0, 0, TRUE, W, H);
    expect_error (sub, "no energy", "stray.xrm");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_cancel (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) set = NULL;

  write_two_energies (dir, 4);
  g_cancellable_cancel (cancellable);
  set = evox_tilt_reader_load_set (dir, NULL, NULL, cancellable, &error);
  g_assert_null (set);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real SSRL folder: two energies, one sample image each, at one angle: refused, saying so. */
static void
test_real_ssrl (void)
{
  g_autofree char *dir = evox_test_data_path ("xrm/ssrl");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) set = NULL;

  if (dir == NULL)
    {
      g_test_skip ("EVOX_TEST_DATA is not set");
      return;
    }
  set = evox_tilt_reader_load_set (dir, NULL, NULL, NULL, &error);
  g_assert_null (set);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "at least two angles"));
  g_assert_nonnull (strstr (error->message, "8324.0 eV"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/TiltSet/per-angle-folder", test_per_angle_folder);
  g_test_add_func ("/Evox/TiltSet/inner-references", test_inner_references);
  g_test_add_func ("/Evox/TiltSet/two-energies", test_two_energies);
  g_test_add_func ("/Evox/TiltSet/txrm-folder", test_txrm_folder);
  g_test_add_func ("/Evox/TiltSet/bad-sets", test_bad_sets);
  g_test_add_func ("/Evox/TiltSet/cancel", test_cancel);
  g_test_add_func ("/Evox/TiltSet/real-ssrl", test_real_ssrl);
  return g_test_run ();
}

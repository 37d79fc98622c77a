/* test-feature-file.c: .npy matrices and feature CSVs against files numpy wrote, refusals of
 * broken ones, and features placed on a grid. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-feature-file.h"
#include "evox-loader.h"
#include "evox-text-table.h"
#include "evox-test-util.h"
#include "evox-types.h"
#include "evox-volume.h"

/* Files written by numpy 1.24 (the bytes of io.BytesIO after each call). */
/* np.save (f, np.array ([[1.5, -2.25], [3.0, 1e-300], [np.pi, -0.0]], dtype='<f8')) */
static const char npy_f8[] =
  "\x93\x4e\x55\x4d\x50\x59\x01\x00\x76\x00\x7b\x27\x64\x65\x73\x63"
  "\x72\x27\x3a\x20\x27\x3c\x66\x38\x27\x2c\x20\x27\x66\x6f\x72\x74"
  "\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x46\x61\x6c\x73"
  "\x65\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x33\x2c\x20"
  "\x32\x29\x2c\x20\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
  "\x00\x00\x00\x00\x00\x00\xf8\x3f\x00\x00\x00\x00\x00\x00\x02\xc0"
  "\x00\x00\x00\x00\x00\x00\x08\x40\x59\xf3\xf8\xc2\x1f\x6e\xa5\x01"
  "\x18\x2d\x44\x54\xfb\x21\x09\x40\x00\x00\x00\x00\x00\x00\x00\x80"
;
/* np.save (f, np.asfortranarray (np.array ([[1, 2, 3], [4.5, 5.5, -6.5]], dtype='>f4'))) */
static const char npy_f4_big_fortran[] =
  "\x93\x4e\x55\x4d\x50\x59\x01\x00\x76\x00\x7b\x27\x64\x65\x73\x63"
  "\x72\x27\x3a\x20\x27\x3e\x66\x34\x27\x2c\x20\x27\x66\x6f\x72\x74"
  "\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x54\x72\x75\x65"
  "\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x32\x2c\x20\x33"
  "\x29\x2c\x20\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
  "\x3f\x80\x00\x00\x40\x90\x00\x00\x40\x00\x00\x00\x40\xb0\x00\x00"
  "\x40\x40\x00\x00\xc0\xd0\x00\x00"
;
/* np.lib.format.write_array (f, np.array ([[0, 1, 2], [3, 0, 1]], dtype='<i8'), version=(2, 0)) */
static const char npy_i8_v2[] =
  "\x93\x4e\x55\x4d\x50\x59\x02\x00\x74\x00\x00\x00\x7b\x27\x64\x65"
  "\x73\x63\x72\x27\x3a\x20\x27\x3c\x69\x38\x27\x2c\x20\x27\x66\x6f"
  "\x72\x74\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x46\x61"
  "\x6c\x73\x65\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x32"
  "\x2c\x20\x33\x29\x2c\x20\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
  "\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
  "\x02\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00"
  "\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
;
/* np.lib.format.write_array (f, np.array ([[7, 1], [2, 65535]], dtype='<u2'), version=(3, 0)) */
static const char npy_u2_v3[] =
  "\x93\x4e\x55\x4d\x50\x59\x03\x00\x74\x00\x00\x00\x7b\x27\x64\x65"
  "\x73\x63\x72\x27\x3a\x20\x27\x3c\x75\x32\x27\x2c\x20\x27\x66\x6f"
  "\x72\x74\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x46\x61"
  "\x6c\x73\x65\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x32"
  "\x2c\x20\x32\x29\x2c\x20\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
  "\x07\x00\x01\x00\x02\x00\xff\xff"
;
/* np.save (f, np.array ([[1.0, 2.0], [3.5, -4.0]], dtype='<f4')): what evox_npy_write must write */
static const char npy_f4[] =
  "\x93\x4e\x55\x4d\x50\x59\x01\x00\x76\x00\x7b\x27\x64\x65\x73\x63"
  "\x72\x27\x3a\x20\x27\x3c\x66\x34\x27\x2c\x20\x27\x66\x6f\x72\x74"
  "\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x46\x61\x6c\x73"
  "\x65\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x32\x2c\x20"
  "\x32\x29\x2c\x20\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
  "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
  "\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x60\x40\x00\x00\x80\xc0"
;

static char *
write_file (const char *dir,
            const char *name,
            const void *data,
            gsize       length)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, data, length, NULL));
  return path;
}

#define WRITE_FIXTURE(dir, name, array) write_file (dir, name, array, sizeof array - 1)

static void
assert_matrix (const EvoxNpyMatrix *m,
               gsize                rows,
               gsize                cols,
               const double        *expected)
{
  g_assert_nonnull (m);
  g_assert_cmpuint (m->rows, ==, rows);
  g_assert_cmpuint (m->cols, ==, cols);
  for (gsize i = 0; i < rows * cols; i++)
    {
      g_assert_cmpfloat (m->data[i], ==, expected[i]);
      g_assert_cmpint (signbit (m->data[i]), ==, signbit (expected[i]));
    }
}

static void
test_npy_read (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *f8 = WRITE_FIXTURE (dir, "f8.npy", npy_f8);
  g_autofree char *f4 = WRITE_FIXTURE (dir, "f4.npy", npy_f4_big_fortran);
  g_autofree char *i8 = WRITE_FIXTURE (dir, "i8.npy", npy_i8_v2);
  g_autofree char *u2 = WRITE_FIXTURE (dir, "u2.npy", npy_u2_v3);
  const double a[] = { 1.5, -2.25, 3.0, 1e-300, G_PI, -0.0 };
  const double b[] = { 1, 2, 3, 4.5, 5.5, -6.5 };
  const double c[] = { 0, 1, 2, 3, 0, 1 };
  const double d[] = { 7, 1, 2, 65535 };
  GError *error = NULL;
  EvoxNpyMatrix *m;

  m = evox_npy_read (f8, FALSE, &error);
  g_assert_no_error (error);
  assert_matrix (m, 3, 2, a);
  evox_npy_matrix_free (m);
  /* big-endian, Fortran order: row-major doubles all the same */
  m = evox_npy_read (f4, FALSE, &error);
  g_assert_no_error (error);
  assert_matrix (m, 2, 3, b);
  evox_npy_matrix_free (m);
  m = evox_npy_read (i8, TRUE, &error);
  g_assert_no_error (error);
  assert_matrix (m, 2, 3, c);
  evox_npy_matrix_free (m);
  m = evox_npy_read (u2, TRUE, &error);
  g_assert_no_error (error);
  assert_matrix (m, 2, 2, d);
  evox_npy_matrix_free (m);

  /* integers only where coordinates are read */
  g_assert_null (evox_npy_read (i8, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, i8));
  g_assert_nonnull (strstr (error->message, "float"));
  g_clear_error (&error);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_npy_write (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "out.npy", NULL);
  g_autofree char *contents = NULL;
  const double e[] = { 1.0, 2.0, 3.5, -4.0 };
  const double a[] = { 1.5, -2.25, 3.0, 1e-300, G_PI, -0.0 };
  g_autoptr (EvoxNpyMatrix) m = NULL;
  GError *error = NULL;
  gsize length;

  /* byte for byte what numpy.save writes */
  g_assert_true (evox_npy_write (path, e, 2, 2, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, npy_f4, sizeof npy_f4 - 1);
  g_clear_pointer (&contents, g_free);
  g_assert_true (evox_npy_write (path, a, 3, 2, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, npy_f8, sizeof npy_f8 - 1);
  m = evox_npy_read (path, FALSE, &error);
  g_assert_no_error (error);
  assert_matrix (m, 3, 2, a);
  /* nothing but the file: the temporary was renamed */
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  g_clear_pointer (&path, g_free);

  path = g_build_filename (dir, "missing", "out.npy", NULL);
  g_assert_false (evox_npy_write (path, a, 3, 2, TRUE, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A .npy with this header dict and `data_bytes` bytes of zeros after it. */
static char *
write_npy_header (const char *dir,
                  const char *name,
                  guint8      version,
                  const char *dict,
                  gsize       data_bytes)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  guint8 preamble[12] = { 0x93, 'N', 'U', 'M', 'P', 'Y', version, 0 };
  gsize n = strlen (dict);
  g_autofree guint8 *zeros = g_malloc0 (data_bytes + 1);

  preamble[8] = n & 0xff;
  preamble[9] = (n >> 8) & 0xff;
  g_byte_array_append (b, preamble, version == 1 ? 10 : 12);
  g_byte_array_append (b, (const guint8 *) dict, n);
  g_byte_array_append (b, zeros, data_bytes);
  return write_file (dir, name, b->data, b->len);
}

static void
assert_refused (const char *path,
                gboolean    allow_integer,
                int         code,
                const char *reason)
{
  GError *error = NULL;

  g_assert_null (evox_npy_read (path, allow_integer, &error));
  g_assert_error (error, EVOX_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  if (strstr (error->message, reason) == NULL)
    g_error ("'%s' does not say '%s'", error->message, reason);
  g_clear_error (&error);
}

static void
test_npy_refusals (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  const char *good = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }\n";
  const struct
  {
    const char *name;
    guint8      version;
    const char *dict;
    gsize       data;
    int         code;
    const char *reason;
  } cases[] = {
    { "ok-but-short.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", 47,
      EVOX_ERROR_INVALID_DATA, "truncated" },
    { "v4.npy", 4, "{}", 0, EVOX_ERROR_UNSUPPORTED, "version 4.0" },
    { "1d.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", 48,
      EVOX_ERROR_INVALID_DATA, "1-dimensional" },
    { "3d.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", 48,
      EVOX_ERROR_INVALID_DATA, "3-dimensional" },
    { "scalar.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8,
      EVOX_ERROR_INVALID_DATA, "0-dimensional" },
    { "object.npy", 1, "{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", 32,
      EVOX_ERROR_UNSUPPORTED, "Python objects" },
    { "complex.npy", 1, "{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }", 64,
      EVOX_ERROR_UNSUPPORTED, "'<c16'" },
    { "struct.npy", 1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2, 2), }",
      32, EVOX_ERROR_INVALID_DATA, "structured" },
    { "huge.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, "
      "1000000000000), }", 16, EVOX_ERROR_INVALID_DATA, "truncated" },
    { "overflow.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': "
      "(4611686018427387904, 4611686018427387904), }", 16, EVOX_ERROR_INVALID_DATA, "truncated" },
    { "toolong.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': "
      "(99999999999999999999999, 2), }", 16, EVOX_ERROR_INVALID_DATA, "'shape'" },
    { "empty.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", 0,
      EVOX_ERROR_INVALID_DATA, "empty" },
    { "nodict.npy", 1, "[1, 2]", 0, EVOX_ERROR_INVALID_DATA, "not a dict" },
    { "nokeys.npy", 1, "{'descr': '<f8'}", 0, EVOX_ERROR_INVALID_DATA, "lacks" },
    { "badbool.npy", 1, "{'descr': '<f8', 'fortran_order': 0, 'shape': (1, 1), }", 8,
      EVOX_ERROR_INVALID_DATA, "fortran_order" },
    { "unclosed.npy", 1, "{'descr': '<f8", 8, EVOX_ERROR_INVALID_DATA, "'descr'" },
    { "extra.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), 'x': 1}", 8,
      EVOX_ERROR_INVALID_DATA, "other than" },
    { "f2.npy", 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 1), }", 8,
      EVOX_ERROR_UNSUPPORTED, "'<f2'" },
  };
  g_autofree char *garbage = write_file (dir, "garbage.npy", "hello, world\n", 13);
  g_autofree char *magic_only = write_file (dir, "magic.npy", "\x93NUMPY\x01", 7);
  g_autofree char *short_header = write_file (dir, "short.npy", "\x93NUMPY\x01\x00\xff\x00{'d", 13);
  g_autofree char *exact = write_npy_header (dir, "exact.npy", 1, good, 48);
  g_autofree char *cut = g_build_filename (dir, "cut.npy", NULL);
  g_autofree char *contents = NULL;
  GError *error = NULL;
  gsize length;

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *path = write_npy_header (dir, cases[k].name, cases[k].version,
                                                cases[k].dict, cases[k].data);

      assert_refused (path, FALSE, cases[k].code, cases[k].reason);
    }
  assert_refused (garbage, FALSE, EVOX_ERROR_INVALID_DATA, "not a NumPy .npy file");
  assert_refused (magic_only, FALSE, EVOX_ERROR_INVALID_DATA, "not a NumPy .npy file");
  assert_refused (short_header, FALSE, EVOX_ERROR_INVALID_DATA, "truncated");

  /* the same header with all its data reads; one byte short does not */
  g_autoptr (EvoxNpyMatrix) m = evox_npy_read (exact, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->rows, ==, 3);
  g_assert_true (g_file_get_contents (exact, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (cut, contents, length - 1, NULL));
  assert_refused (cut, FALSE, EVOX_ERROR_INVALID_DATA, "truncated");

  /* a matrix the file holds, but past the memory cap */
  g_setenv ("EVOX_MEMORY_LIMIT", "40", TRUE);
  g_assert_null (evox_npy_read (exact, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, exact));
  g_clear_error (&error);
  g_unsetenv ("EVOX_MEMORY_LIMIT");

  g_assert_null (evox_npy_read ("/nonexistent/x.npy", FALSE, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/nonexistent/x.npy"));
  g_clear_error (&error);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static char *
write_matrix (const char   *dir,
              const char   *name,
              const double *data,
              gsize         rows,
              gsize         cols)
{
  char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;

  g_assert_true (evox_npy_write (path, data, rows, cols, TRUE, &error));
  g_assert_no_error (error);
  return path;
}

static void
assert_load_fails (const char *features,
                   const char *coords,
                   const char *reason)
{
  GError *error = NULL;

  g_assert_null (evox_feature_file_load_npy (features, coords, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, coords));
  if (strstr (error->message, reason) == NULL)
    g_error ("'%s' does not say '%s'", error->message, reason);
  g_clear_error (&error);
}

static void
test_place_npy (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  const double features[] = { 1, 10, 100, 2, 20, 200, 3, 30, 300, 4, 40, 400 };
  const double xy[] = { 0, 0, 3, 1, 1, 2, 2, 0 };
  const double xyz[] = { 0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0 };
  const double repeated[] = { 0, 0, 3, 1, 0, 0, 2, 0 };
  const double fraction[] = { 0, 0, 3, 1, 1.5, 2, 2, 0 };
  const double negative[] = { 0, 0, 3, -1, 1, 2, 2, 0 };
  const double nan_xy[] = { 0, 0, 3, 1, NAN, 2, 2, 0 };
  g_autofree char *f = write_matrix (dir, "f.npy", features, 4, 3);
  g_autofree char *c2 = write_matrix (dir, "xy.npy", xy, 4, 2);
  g_autofree char *c3 = write_matrix (dir, "xyz.npy", xyz, 4, 3);
  g_autofree char *c_int = WRITE_FIXTURE (dir, "i8.npy", npy_i8_v2);
  g_autofree char *c_short = write_matrix (dir, "short.npy", xy, 3, 2);
  g_autofree char *c_four = write_matrix (dir, "four.npy", features, 3, 4);
  g_autofree char *c_rep = write_matrix (dir, "rep.npy", repeated, 4, 2);
  g_autofree char *c_frac = write_matrix (dir, "frac.npy", fraction, 4, 2);
  g_autofree char *c_neg = write_matrix (dir, "neg.npy", negative, 4, 2);
  g_autofree char *c_nan = write_matrix (dir, "nan.npy", nan_xy, 4, 2);
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxVolume) volume3 = NULL;
  GError *error = NULL;
  gsize dims[3];
  guint64 finite = 0;

  volume = evox_feature_file_load_npy (f, c2, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 4);
  g_assert_cmpuint (dims[1], ==, 3);
  g_assert_cmpuint (dims[2], ==, 1);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 3);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_F32);
  g_assert_cmpstr (evox_volume_get_channel_label (volume, 0), ==, "f0");
  g_assert_cmpstr (evox_volume_get_channel_label (volume, 2), ==, "f2");
  g_assert_true (isnan (evox_volume_get_channel_energy (volume, 1)));
  for (guint r = 0; r < 4; r++)
    for (guint c = 0; c < 3; c++)
      g_assert_cmpfloat (evox_volume_get_value (volume, c, xy[2 * r], xy[2 * r + 1], 0), ==,
                         features[3 * r + c]);
  for (gsize i = 0; i < 12; i++)
    finite += isfinite (((const float *) evox_volume_get_data (volume, 1))[i]);
  g_assert_cmpuint (finite, ==, 4);

  volume3 = evox_feature_file_load_npy (f, c3, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume3, dims);
  g_assert_cmpuint (dims[0] * dims[1] * dims[2], ==, 8);
  g_assert_cmpfloat (evox_volume_get_value (volume3, 2, 1, 1, 0), ==, 400);
  g_assert_true (isnan (evox_volume_get_value (volume3, 0, 1, 1, 1)));
  g_clear_object (&volume3);

  /* integer coordinates (x, y, z) = (0, 1, 2) and (3, 0, 1) */
  {
    g_autofree char *f2 = write_matrix (dir, "f2.npy", features, 2, 3);

    volume3 = evox_feature_file_load_npy (f2, c_int, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (evox_volume_get_value (volume3, 1, 0, 1, 2), ==, 10);
    g_assert_cmpfloat (evox_volume_get_value (volume3, 2, 3, 0, 1), ==, 200);
    /* features must be floats */
    g_assert_null (evox_feature_file_load_npy (c_int, c_int, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED);
    g_clear_error (&error);
  }

  assert_load_fails (f, c_short, "4 feature rows but 3 coordinate rows");
  {
    g_autofree char *both = g_strdup_printf ("%s, %s", f, c_short);

    g_assert_null (evox_feature_file_load_npy (f, c_short, &error));
    g_assert_nonnull (strstr (error->message, both));
    g_clear_error (&error);
  }
  assert_load_fails (f, c_four, "2 or 3 columns");
  assert_load_fails (f, c_rep, "repeats the coordinates (0, 0, 0)");
  assert_load_fails (f, c_frac, "not a whole number");
  assert_load_fails (f, c_neg, "negative");
  assert_load_fails (f, c_nan, "NaN");

  /* a grid past the memory cap is refused before it is allocated */
  {
    const double far[] = { 0, 0, 3, 1, 100000, 2, 2, 100000 };
    g_autofree char *c_far = write_matrix (dir, "far.npy", far, 4, 2);

    g_setenv ("EVOX_MEMORY_LIMIT", "1M", TRUE);
    g_assert_null (evox_feature_file_load_npy (f, c_far, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
    g_assert_nonnull (strstr (error->message, c_far));
    g_clear_error (&error);
    g_unsetenv ("EVOX_MEMORY_LIMIT");
  }
  /* a grid whose voxel count does not fit in 64 bits, and coordinates past any grid */
  {
    const double corners[] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 1e9, 1e9, 1e9 };
    const double beyond[] = { 0, 0, 3, 1, 1e300, 2, 2, 0 };
    g_autofree char *c_corners = write_matrix (dir, "corners.npy", corners, 4, 3);
    g_autofree char *c_beyond = write_matrix (dir, "beyond.npy", beyond, 4, 2);

    g_assert_null (evox_feature_file_load_npy (f, c_corners, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
    g_assert_nonnull (strstr (error->message, c_corners));
    g_clear_error (&error);
    assert_load_fails (f, c_beyond, "too large for a voxel index");
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Tab-separated with empty fields (found by ./dev fuzz: the blank-skipping ate the tab
 * delimiter, so an empty field had a negative length). Empty is NaN, as with commas. */
static void
test_place_tsv_empty (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  const char table[] = "x\ty\ta\tb\n0\t0\t\t2\n1\t0\t 5\t\n";
  const char blank_row[] = "x\ty\ta\tb\n0\t0\t\t2\n\t\t\t3\n";
  const char one_line[] = "\t\x0e";
  g_autofree char *path = write_file (dir, "t.tsv", table, sizeof table - 1);
  g_autofree char *path2 = write_file (dir, "u.tsv", one_line, sizeof one_line - 1);
  g_autofree char *path3 = write_file (dir, "v.tsv", blank_row, sizeof blank_row - 1);
  g_autoptr (EvoxVolume) volume = NULL;
  GError *error = NULL;
  gsize dims[3];

  /* a row whose x and y are empty */
  volume = evox_feature_file_load_csv (path3, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "line 3: coordinate x is missing or NaN"));
  g_clear_error (&error);

  volume = evox_feature_file_load_csv (path, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 2);
  g_assert_cmpuint (dims[1], ==, 1);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 2);
  g_assert_true (isnan (evox_volume_get_value (volume, 0, 0, 0, 0)));
  g_assert_cmpfloat (evox_volume_get_value (volume, 1, 0, 0, 0), ==, 2);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 1, 0, 0), ==, 5);
  g_assert_true (isnan (evox_volume_get_value (volume, 1, 1, 0, 0)));

  /* the fuzzer's own input: a header of an empty name and a control character */
  g_clear_object (&volume);
  volume = evox_feature_file_load_csv (path2, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "u.tsv"));
  g_clear_error (&error);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_place_csv (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  const char table[] =
    "\xEF\xBB\xBF# exported features\r\n"
    "X,y,Z,\"peak width\",intensity\r\n"
    "0,0,0,1.5,10\r\n"
    "\r\n"
    "2,1,0,,20\r\n"
    "1,1,1,NaN,30\r\n"
    "0,1,1,-2e3,NA\r\n";
  const char spaced[] = "y x a\n0 0 1\n0 1 2\n2 1 3\n";
  /* quoted as Evox's CSV writers quote (RFC 4180): commas and doubled quotes inside names */
  const char quoted[] = "x,y,\"width, nm\",\"say \"\"hi\"\"\"\n1,0,\"2.5\",3\n";
  g_autofree char *path = write_file (dir, "f.csv", table, sizeof table - 1);
  g_autofree char *path2 = write_file (dir, "g.txt", spaced, sizeof spaced - 1);
  g_autofree char *path3 = write_file (dir, "q.csv", quoted, sizeof quoted - 1);
  g_autoptr (EvoxVolume) volume = NULL;
  GError *error = NULL;
  gsize dims[3];
  const struct
  {
    const char *text;
    const char *reason;
  } bad[] = {
    { "a,b,c\n1,2,3\n", "no x and y columns" },
    { "x,y\n1,2\n", "no feature columns" },
    { "x,y,f\n1,2\n", "line 2: 2 fields, but the header names 3 columns" },
    { "x,y,f\n1,2,abc\n", "'abc' in column f is not a number" },
    { "x,y,f\n1,,3\n", "coordinate y is missing or NaN" },
    { "x,y,f\n1,0.5,3\n", "not a whole number" },
    { "x,y,f\n-1,0,3\n", "negative" },
    { "x,y,f\n1,0,3\n1,0,4\n", "row 2 repeats the coordinates (1, 0, 0)" },
    { "x,y,f\n", "no data rows" },
    { "x,X,f\n1,2,3\n", "two columns are named x" },
    { "", "no header row" },
    { "1,2,3\n4,5,6\n", "'1' is a number" },
    { "x,y,f\n1,2,3\0\n", "NUL" },
  };

  volume = evox_feature_file_load_csv (path, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 3);
  g_assert_cmpuint (dims[1], ==, 2);
  g_assert_cmpuint (dims[2], ==, 2);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 2);
  g_assert_cmpstr (evox_volume_get_channel_label (volume, 0), ==, "peak width");
  g_assert_cmpstr (evox_volume_get_channel_label (volume, 1), ==, "intensity");
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 0, 0, 0), ==, 1.5);
  g_assert_cmpfloat (evox_volume_get_value (volume, 1, 2, 1, 0), ==, 20);
  g_assert_true (isnan (evox_volume_get_value (volume, 0, 2, 1, 0)));
  g_assert_true (isnan (evox_volume_get_value (volume, 0, 1, 1, 1)));
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 0, 1, 1), ==, -2000);
  g_assert_true (isnan (evox_volume_get_value (volume, 1, 0, 1, 1)));
  g_assert_true (isnan (evox_volume_get_value (volume, 1, 1, 0, 0)));
  g_clear_object (&volume);

  /* whitespace-delimited, y before x */
  volume = evox_feature_file_load_csv (path2, &error);
  g_assert_no_error (error);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, 2);
  g_assert_cmpuint (dims[1], ==, 3);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 1, 0, 0), ==, 2);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 1, 2, 0), ==, 3);

  g_clear_object (&volume);

  volume = evox_feature_file_load_csv (path3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (volume), ==, 2);
  g_assert_cmpstr (evox_volume_get_channel_label (volume, 0), ==, "width, nm");
  g_assert_cmpstr (evox_volume_get_channel_label (volume, 1), ==, "say \"hi\"");
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 1, 0, 0), ==, 2.5);
  g_assert_cmpfloat (evox_volume_get_value (volume, 1, 1, 0, 0), ==, 3);

  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_autofree char *name = g_strdup_printf ("bad%u.csv", k);
      g_autofree char *bad_path = write_file (dir, name, bad[k].text,
                                              strlen (bad[k].text) + (k == 12 ? 2 : 0));

      g_assert_null (evox_feature_file_load_csv (bad_path, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
      g_assert_nonnull (strstr (error->message, bad_path));
      if (strstr (error->message, bad[k].reason) == NULL)
        g_error ("'%s' does not say '%s'", error->message, bad[k].reason);
      g_clear_error (&error);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The viewer's loader knows a .npy by its magic bytes, whatever its name, and says where it goes. */
static void
test_loader_refuses_npy (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = WRITE_FIXTURE (dir, "features.dat", npy_f8);
  GError *error = NULL;

  g_assert_null (evox_volume_load (path, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "a NumPy matrix"));
  g_assert_nonnull (strstr (error->message, "evox cluster --features"));
  g_clear_error (&error);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The text-table rules the feature CSVs share with the SSRM reader, on a text worked by hand:
 * a byte-order mark, a comment, blank lines, CRLF, a lone CR and a last line with no break. */
static void
test_text_table (void)
{
  const char text[] = "\xEF\xBB\xBF# comment\n\n  \t\r\nx;y\r\n1;2\r3;4\n \"a b\" \n5\t6";
  const char *want[] = { "x;y", "1;2", "3;4", " \"a b\" ", "5\t6" };
  const gsize want_number[] = { 4, 5, 6, 7, 8 };
  const char *p = text, *line;
  gsize length = strlen (text), number = 0, n = 0;
  g_autofree char *field = NULL;

  evox_text_table_skip_bom (&p, &length);
  g_assert_true (p == text + 3);
  g_assert_cmpuint (length, ==, strlen (text) - 3);
  while (evox_text_table_next_line (&p, text + strlen (text), &number, &line, &length))
    {
      g_assert_cmpuint (n, <, G_N_ELEMENTS (want));
      g_assert_cmpuint (length, ==, strlen (want[n]));
      g_assert_true (memcmp (line, want[n], length) == 0);
      g_assert_cmpuint (number, ==, want_number[n]);
      n++;
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (want));

  g_assert_cmpint (evox_text_table_delimiter ("x;y;z", 5), ==, ';');
  g_assert_cmpint (evox_text_table_delimiter ("a,b\tc\td", 7), ==, '\t');
  g_assert_cmpint (evox_text_table_delimiter ("a,b;c", 5), ==, ',');   /* a tie: the first */
  g_assert_cmpint (evox_text_table_delimiter ("a  b", 4), ==, ' ');
  field = evox_text_table_field_dup (" \"a b\" ", 7);
  g_assert_cmpstr (field, ==, "a b");
  g_clear_pointer (&field, g_free);
  field = evox_text_table_field_dup ("'x\"", 3);                       /* quotes differ */
  g_assert_cmpstr (field, ==, "'x\"");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/FeatureFile/text-table", test_text_table);
  g_test_add_func ("/Evox/FeatureFile/npy-read", test_npy_read);
  g_test_add_func ("/Evox/FeatureFile/npy-write", test_npy_write);
  g_test_add_func ("/Evox/FeatureFile/npy-refusals", test_npy_refusals);
  g_test_add_func ("/Evox/FeatureFile/place-npy", test_place_npy);
  g_test_add_func ("/Evox/FeatureFile/place-csv", test_place_csv);
  g_test_add_func ("/Evox/FeatureFile/place-tsv-empty", test_place_tsv_empty);
  g_test_add_func ("/Evox/FeatureFile/loader-refuses-npy", test_loader_refuses_npy);
  return g_test_run ();
}

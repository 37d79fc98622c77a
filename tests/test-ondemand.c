/* test-ondemand.c: volumes larger than the memory cap: boxes read on demand from TIFF and HDF5,
 * the reduced volume of block means, the loader's choice, cancelling and damaged files. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <hdf5.h>
#include <tiffio.h>

#include "evox-hdf5.h"
#include "evox-loader.h"
#include "evox-methods.h"
#include "evox-session.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-voxel-source.h"

/* Small stacks with sides that no tile, strip or chunk divides. */
#define NX 37
#define NY 29
#define NZ 6

/* The oracle: every voxel's value from its coordinates, so a box read anywhere is checked
 * against arithmetic, not against another reader. */
static double
value_at (int    bits,
          gsize  x,
          gsize  y,
          gsize  z)
{
  switch (bits)
    {
    case 8:
      return (double) ((x * 3 + y * 5 + z * 7) % 251);
    case 16:
      return (double) ((x * 131 + y * 17 + z * 1031) % 65521);
    case -16:
      return (double) ((gint64) ((x * 131 + y * 17 + z * 1031) % 60000) - 30000);
    default:
      return x * 0.5 - y * 0.25 + z * 1.5 + 0.125;
    }
}

typedef struct
{
  const char *name;
  int         bits;          /* 8, 16, -16 (signed, read as f32) or 32 (f32) */
  guint16     compression;
  guint32     tile;          /* 0: strips */
  guint32     rows_per_strip;
  gboolean    big_endian;
} TiffCase;

static const TiffCase tiff_cases[] = {
  { "u8-strips-plain", 8, COMPRESSION_NONE, 0, 5, FALSE },
  { "u16-strips-plain-bigendian", 16, COMPRESSION_NONE, 0, 4, TRUE },
  { "u16-tiles-plain", 16, COMPRESSION_NONE, 16, 0, FALSE },
  { "u16-strips-deflate", 16, COMPRESSION_ADOBE_DEFLATE, 0, 3, FALSE },
  { "i16-strips-deflate", -16, COMPRESSION_ADOBE_DEFLATE, 0, 7, FALSE },
  { "f32-tiles-lzw", 32, COMPRESSION_LZW, 16, 0, FALSE },
  { "u8-tiles-packbits", 8, COMPRESSION_PACKBITS, 16, 0, TRUE },
};

static void
store (int      bits,
       guint8  *buf,
       gsize    i,
       double   v)
{
  switch (bits)
    {
    case 8: buf[i] = (guint8) v; break;
    case 16: ((guint16 *) buf)[i] = (guint16) v; break;
    case -16: ((gint16 *) buf)[i] = (gint16) v; break;
    default: ((float *) buf)[i] = (float) v; break;
    }
}

static void
write_tiff (const char     *path,
            const TiffCase *c,
            gsize           nx,
            gsize           ny,
            gsize           nz)
{
  TIFF *tif = TIFFOpen (path, c->big_endian ? "wb" : "wl");
  gsize item = c->bits == 8 ? 1 : c->bits == 32 ? 4 : 2;

  g_assert_nonnull (tif);
  for (gsize z = 0; z < nz; z++)
    {
      g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, (guint32) nx));
      g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGELENGTH, (guint32) ny));
      g_assert_true (TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, ABS (c->bits)));
      g_assert_true (TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, 1));
      g_assert_true (TIFFSetField (tif, TIFFTAG_SAMPLEFORMAT,
                                   c->bits == 32 ? SAMPLEFORMAT_IEEEFP : c->bits < 0
                                   ? SAMPLEFORMAT_INT : SAMPLEFORMAT_UINT));
      g_assert_true (TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK));
      g_assert_true (TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG));
      g_assert_true (TIFFSetField (tif, TIFFTAG_COMPRESSION, c->compression));
      if (c->tile != 0)
        {
          g_autofree guint8 *buf = g_malloc0 ((gsize) c->tile * c->tile * item);

          g_assert_true (TIFFSetField (tif, TIFFTAG_TILEWIDTH, c->tile));
          g_assert_true (TIFFSetField (tif, TIFFTAG_TILELENGTH, c->tile));
          for (gsize ty = 0; ty < ny; ty += c->tile)
            for (gsize tx = 0; tx < nx; tx += c->tile)
              {
                memset (buf, 0, (gsize) c->tile * c->tile * item);
                for (gsize y = ty; y < MIN (ny, ty + c->tile); y++)
                  for (gsize x = tx; x < MIN (nx, tx + c->tile); x++)
                    store (c->bits, buf, (y - ty) * c->tile + (x - tx),
                           value_at (c->bits, x, y, z));
                g_assert_cmpint (TIFFWriteTile (tif, buf, (guint32) tx, (guint32) ty, 0, 0), >, 0);
              }
        }
      else
        {
          g_autofree guint8 *row = g_malloc (nx * item);

          g_assert_true (TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, c->rows_per_strip));
          for (gsize y = 0; y < ny; y++)
            {
              for (gsize x = 0; x < nx; x++)
                store (c->bits, row, x, value_at (c->bits, x, y, z));
              g_assert_cmpint (TIFFWriteScanline (tif, row, (guint32) y, 0), ==, 1);
            }
        }
      g_assert_true (TIFFWriteDirectory (tif));
    }
  TIFFClose (tif);
}

/* Boxes at the corners and edges, across tiles, strips and chunks, and the whole volume: each
 * against the formula and against the volume read whole. */
static void
assert_boxes (EvoxVoxelSource *source,
              EvoxVolume      *whole,
              int              bits)
{
  const gsize boxes[][6] = {
    { 0, 0, 0, NX, NY, NZ },
    { 0, 0, 0, 1, 1, 1 },
    { NX - 1, NY - 1, NZ - 1, 1, 1, 1 },
    { NX - 5, NY - 3, 2, 5, 3, 4 },
    { 7, 5, 1, 23, 15, 3 },
    { 15, 0, 0, 3, NY, NZ },
    { 0, 13, 5, NX, 1, 1 },
  };
  EvoxSampleType type = evox_voxel_source_get_sample_type (source);
  gconstpointer full = evox_volume_get_data (whole, 0);
  gsize dims[3];

  evox_voxel_source_get_dims (source, dims);
  g_assert_cmpuint (dims[0], ==, NX);
  g_assert_cmpuint (dims[1], ==, NY);
  g_assert_cmpuint (dims[2], ==, NZ);
  g_assert_cmpint (type, ==, evox_volume_get_sample_type (whole));
  for (gsize b = 0; b < G_N_ELEMENTS (boxes); b++)
    {
      const gsize *o = boxes[b], *s = boxes[b] + 3;
      g_autofree guint8 *buf = g_malloc (s[0] * s[1] * s[2] * evox_sample_type_size (type));
      g_autoptr(GError) error = NULL;

      g_assert_true (evox_voxel_source_read_box (source, o, s, buf, &error));
      g_assert_no_error (error);
      for (gsize z = 0; z < s[2]; z++)
        for (gsize y = 0; y < s[1]; y++)
          for (gsize x = 0; x < s[0]; x++)
            {
              gsize i = (z * s[1] + y) * s[0] + x;
              gsize at = ((o[2] + z) * NY + o[1] + y) * NX + o[0] + x;
              double got = evox_sample_get (buf, type, i);

              g_assert_cmpfloat (got, ==, value_at (bits, o[0] + x, o[1] + y, o[2] + z));
              g_assert_cmpfloat (got, ==, evox_sample_get (full, type, at));
            }
    }
  /* A box reaching out of the volume is refused, not read past the end. */
  {
    const gsize o[3] = { NX - 2, 0, 0 }, s[3] = { 3, 1, 1 };
    guint8 buf[16];
    g_autoptr(GError) error = NULL;

    g_assert_false (evox_voxel_source_read_box (source, o, s, buf, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
}

static void
test_tiff_boxes (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();

  for (gsize c = 0; c < G_N_ELEMENTS (tiff_cases); c++)
    {
      g_autofree char *name = g_strconcat (tiff_cases[c].name, ".tif", NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(EvoxVoxelSource) source = NULL;
      g_autoptr(EvoxVolume) whole = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", tiff_cases[c].name);
      write_tiff (path, &tiff_cases[c], NX, NY, NZ);
      whole = evox_tiff_read (path, NULL, NULL, &error);
      g_assert_no_error (error);
      source = evox_tiff_open_source (path, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (evox_voxel_source_get_path (source), ==, path);
      assert_boxes (source, whole, tiff_cases[c].bits);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* /exchange/data (z, y, x) of the formula's values; chunk NULL: contiguous. */
static void
write_hdf5 (const char     *path,
            int             bits,
            const hsize_t  *chunk,
            gboolean        deflate,
            gboolean        skip_last_chunk)
{
  const hsize_t dims[3] = { NZ, NY, NX };
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t group = H5Gcreate2 (file, "/exchange", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t space = H5Screate_simple (3, dims, NULL);
  hid_t dcpl = H5Pcreate (H5P_DATASET_CREATE);
  hid_t type = bits == 8 ? H5T_STD_U8LE : bits == 16 ? H5T_STD_U16LE : H5T_IEEE_F32LE;
  hid_t memtype = bits == 8 ? H5T_NATIVE_UINT8 : bits == 16 ? H5T_NATIVE_UINT16
                                                             : H5T_NATIVE_FLOAT;
  gsize item = bits == 8 ? 1 : bits == 16 ? 2 : 4;
  g_autofree guint8 *data = g_malloc ((gsize) NX * NY * NZ * item);
  hid_t dataset;

  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        store (bits, data, (z * NY + y) * NX + x, value_at (bits, x, y, z));
  if (chunk != NULL)
    g_assert_cmpint (H5Pset_chunk (dcpl, 3, chunk), >=, 0);
  if (deflate)
    g_assert_cmpint (H5Pset_deflate (dcpl, 6), >=, 0);
  dataset = H5Dcreate2 (file, "/exchange/data", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  g_assert_cmpint (dataset, >=, 0);
  if (skip_last_chunk)
    {
      /* Only the planes before the last chunk's: a writer stopped half-way. */
      hsize_t start[3] = { 0, 0, 0 }, count[3] = { NZ - chunk[0], NY, NX };
      hid_t mem = H5Screate_simple (3, count, NULL);

      H5Sselect_hyperslab (space, H5S_SELECT_SET, start, NULL, count, NULL);
      g_assert_cmpint (H5Dwrite (dataset, memtype, mem, space, H5P_DEFAULT, data), >=, 0);
      H5Sclose (mem);
    }
  else
    g_assert_cmpint (H5Dwrite (dataset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), >=, 0);
  H5Dclose (dataset);
  H5Pclose (dcpl);
  H5Sclose (space);
  H5Gclose (group);
  H5Fclose (file);
}

static void
test_hdf5_boxes (void)
{
  const hsize_t chunk[3] = { 2, 8, 8 }, plane_chunk[3] = { 1, 16, 37 };
  const struct
  {
    const char    *name;
    int            bits;
    const hsize_t *chunk;
    gboolean       deflate;
  } cases[] = {
    { "u16-chunked.h5", 16, chunk, FALSE },
    { "u8-chunked-deflate.h5", 8, plane_chunk, TRUE },
    { "f32-contiguous.h5", 32, NULL, FALSE },
  };
  g_autofree char *dir = evox_test_tmpdir_new ();

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *path = g_build_filename (dir, cases[c].name, NULL);
      g_autoptr(EvoxVoxelSource) source = NULL;
      g_autoptr(EvoxVolume) whole = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[c].name);
      write_hdf5 (path, cases[c].bits, cases[c].chunk, cases[c].deflate, FALSE);
      whole = evox_hdf5_load (path, 1, NULL, NULL, &error);
      g_assert_no_error (error);
      source = evox_hdf5_open_source (path, &error);
      g_assert_no_error (error);
      assert_boxes (source, whole, cases[c].bits);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A source computed from the formula, brute force; it cancels after `cancel_after` reads. */
typedef struct
{
  int           bits;
  gsize         dims[3];
  guint         n_reads;
  guint         cancel_after;
  GCancellable *cancellable;
} FormulaSource;

static gboolean
formula_read_box (gpointer      user_data,
                  const gsize   origin[3],
                  const gsize   size[3],
                  gpointer      dest,
                  GError      **error)
{
  FormulaSource *f = user_data;

  for (gsize z = 0; z < size[2]; z++)
    for (gsize y = 0; y < size[1]; y++)
      for (gsize x = 0; x < size[0]; x++)
        {
          double v = value_at (f->bits, origin[0] + x, origin[1] + y, origin[2] + z);

          /* A NaN voxel, which the block means leave out. */
          if (f->bits == 32 && origin[0] + x == 3 && origin[1] + y == 2 && origin[2] + z == 1)
            v = NAN;
          store (f->bits, dest, (z * size[1] + y) * size[0] + x, v);
        }
  if (++f->n_reads == f->cancel_after)
    g_cancellable_cancel (f->cancellable);
  return TRUE;
}

/* Block means written out here: every voxel of the block inside the volume, finite ones only,
 * rounded to the nearest for integers. */
static double
block_mean (int          bits,
            const gsize  dims[3],
            guint        s,
            gsize        bx,
            gsize        by,
            gsize        bz)
{
  double sum = 0;
  guint64 n = 0;

  for (gsize z = bz * s; z < MIN (dims[2], (bz + 1) * s); z++)
    for (gsize y = by * s; y < MIN (dims[1], (by + 1) * s); y++)
      for (gsize x = bx * s; x < MIN (dims[0], (bx + 1) * s); x++)
        {
          double v = value_at (bits, x, y, z);

          if (bits == 32 && x == 3 && y == 2 && z == 1)
            continue;
          sum += v;
          n++;
        }
  if (n == 0)
    return NAN;
  return bits == 32 ? (double) (float) (sum / n) : (double) lround (sum / n);
}

static void
assert_block_means (EvoxVolume  *reduced,
                    int          bits,
                    const gsize  dims[3],
                    guint        s)
{
  gsize rdims[3];
  gconstpointer data = evox_volume_get_data (reduced, 0);

  evox_volume_get_dims (reduced, rdims);
  for (int i = 0; i < 3; i++)
    g_assert_cmpuint (rdims[i], ==, (dims[i] + s - 1) / s);
  for (gsize z = 0; z < rdims[2]; z++)
    for (gsize y = 0; y < rdims[1]; y++)
      for (gsize x = 0; x < rdims[0]; x++)
        {
          double got = evox_sample_get (data, evox_volume_get_sample_type (reduced),
                                        (z * rdims[1] + y) * rdims[0] + x);
          double want = block_mean (bits, dims, s, x, y, z);

          /* At 1:1 the NaN voxel is a block of its own: NaN, the mean of nothing. */
          if (isnan (want))
            g_assert_true (isnan (got));
          else
            g_assert_cmpfloat (got, ==, want);
        }
}

static void
test_reduce (void)
{
  const int bits[] = { 8, 16, 32 };

  for (gsize b = 0; b < G_N_ELEMENTS (bits); b++)
    for (guint s = 1; s <= 8; s *= 2)
      {
        FormulaSource f = { bits[b], { 61, 47, 38 } };
        EvoxSampleType type = bits[b] == 8 ? EVOX_SAMPLE_U8 : bits[b] == 16 ? EVOX_SAMPLE_U16
                                                                            : EVOX_SAMPLE_F32;
        g_autoptr(EvoxVoxelSource) source = evox_voxel_source_new (f.dims, type, "formula",
                                                                   formula_read_box, &f, NULL);
        g_autoptr(EvoxProgress) progress = evox_progress_new ();
        g_autoptr(GError) error = NULL;
        g_autoptr(EvoxVolume) reduced = evox_voxel_source_reduce (source, s, progress, NULL,
                                                                  &error);

        g_assert_no_error (error);
        assert_block_means (reduced, bits[b], f.dims, s);
        /* One read of s planes per reduced plane: each voxel read once. */
        g_assert_cmpuint (f.n_reads, ==, (38 + s - 1) / s);
        g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);
      }
}

/* The smallest power of two whose reduced voxels fit the budget. */
static void
test_fitting_scale (void)
{
  FormulaSource f = { 16, { 1000, 600, 300 } };
  g_autoptr(EvoxVoxelSource) source = evox_voxel_source_new (f.dims, EVOX_SAMPLE_U16, "formula",
                                                             formula_read_box, &f, NULL);
  /* 1000 x 600 x 300 u16: 360 MB at 1:1, 500 x 300 x 150 x 2 = 45 MB at 1:2, 250 x 150 x 75
   * x 2 = 5.625 MB at 1:4, 125 x 75 x 38 x 2 = 712500 B at 1:8. */
  g_assert_cmpuint (evox_voxel_source_fitting_scale (source, 360000000), ==, 1);
  g_assert_cmpuint (evox_voxel_source_fitting_scale (source, 359999999), ==, 2);
  g_assert_cmpuint (evox_voxel_source_fitting_scale (source, 45000000), ==, 2);
  g_assert_cmpuint (evox_voxel_source_fitting_scale (source, 44999999), ==, 4);
  g_assert_cmpuint (evox_voxel_source_fitting_scale (source, 712500), ==, 8);
  g_assert_cmpuint (evox_voxel_source_fitting_scale (source, 712499), ==, 16);
}

static void
test_cancel (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  FormulaSource f = { 8, { 61, 47, 38 }, 0, 2, cancellable };
  g_autoptr(EvoxVoxelSource) source = evox_voxel_source_new (f.dims, EVOX_SAMPLE_U8, "formula",
                                                             formula_read_box, &f, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) reduced = evox_voxel_source_reduce (source, 4, NULL, cancellable,
                                                            &error);

  /* Stopped at the next slab after the cancel, not at the end. */
  g_assert_null (reduced);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f.n_reads, ==, 2);
}

/* Through the loader, a TIFF and an HDF5 file over a forced cap open reduced with their source;
 * under it, they open whole. */
static void
test_loader_reduces (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "big.tif", NULL);
  g_autofree char *h5 = g_build_filename (dir, "big.h5", NULL);
  const TiffCase c = { "u8", 8, COMPRESSION_NONE, 0, 8, FALSE };
  const char *paths[] = { tif, h5 };
  const gsize dims[3] = { NX, NY, NZ };

  write_tiff (tif, &c, NX, NY, NZ);
  write_hdf5 (h5, 8, NULL, FALSE, FALSE);
  for (gsize p = 0; p < G_N_ELEMENTS (paths); p++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) whole = evox_volume_load (paths[p], NULL, NULL, NULL, &error);
      g_autoptr(EvoxVolume) reduced = NULL;
      g_autoptr(GCancellable) cancelled = g_cancellable_new ();
      EvoxVoxelSource *source;
      double spacing[3];
      guint scale = 0;

      g_assert_no_error (error);
      g_assert_cmpuint (evox_volume_get_reduction (whole), ==, 1);
      g_assert_null (evox_voxel_source_get_attached (whole, NULL));

      /* 37 x 29 x 6 u8 is 6438 bytes of voxels and 16958 with its fine histograms and
       * layers, over a cap of 10000; half the cap holds 1:2 (19 x 15 x 3 = 855 bytes of voxels,
       * 8171 in all). */
      g_setenv ("EVOX_MEMORY_LIMIT", "10000", TRUE);
      reduced = evox_volume_load (paths[p], NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      source = evox_voxel_source_get_attached (reduced, &scale);
      g_assert_nonnull (source);
      g_assert_cmpuint (scale, ==, 2);
      g_assert_true (evox_volume_is_frozen (reduced));
      assert_block_means (reduced, 8, dims, 2);
      g_assert_nonnull (strstr (evox_volume_get_metadata (reduced, "info.on demand"), "1:2"));
      evox_volume_get_spacing (reduced, spacing);
      g_assert_cmpfloat (spacing[0], ==, 2.0);
      assert_boxes (source, whole, 8);
      g_assert_true (evox_volume_build_histograms (reduced, NULL, NULL, &error));
      g_assert_no_error (error);
      /* The methods paragraph says what was computed at what scale. */
      {
        g_autoptr(EvoxDocument) document = evox_document_new ();
        g_autoptr(EvoxSession) session = NULL;
        g_autofree char *methods = NULL;

        evox_document_set_volume (document, reduced, "big", paths[p]);
        session = evox_session_capture (document, NULL, &error);
        g_assert_no_error (error);
        methods = evox_methods_format (session, reduced);
        g_assert_nonnull (strstr (methods, "held at 1:2 (the means of 2 x 2 x 2 blocks), and "
                                           "what follows was computed at 1:2."));
      }

      /* A cancelled load reports the cancel, not the cap. */
      g_cancellable_cancel (cancelled);
      g_clear_object (&reduced);
      reduced = evox_volume_load (paths[p], NULL, NULL, cancelled, &error);
      g_assert_null (reduced);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);

      /* Too small even reduced (855 bytes of voxels fit half of 3000, not their histograms):
       * said so, naming the file. */
      g_setenv ("EVOX_MEMORY_LIMIT", "3000", TRUE);
      reduced = evox_volume_load (paths[p], NULL, NULL, NULL, &error);
      g_assert_null (reduced);
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
      g_assert_nonnull (strstr (error->message, paths[p]));
      g_unsetenv ("EVOX_MEMORY_LIMIT");
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A label volume (three values) over the cap is held by the most frequent label of each 2^3
 * block, ties to the smallest, never by means, which would invent labels between them; the
 * methods text says so. */
static guint8
label_at (gsize x, gsize y, gsize z)
{
  static const guint8 labels[3] = { 0, 85, 170 };

  return labels[(x * 7 + y * 3 + z * 5 + (x * y) % 4) % 3];
}

static void
test_loader_labels (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "labels.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) labels = evox_volume_new (NX, NY, NZ, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxVolume) reduced = NULL;
  const guint8 *r;
  guint8 *v;
  gsize rd[3];

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (labels, 0);
  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        v[(z * NY + y) * NX + x] = label_at (x, y, z);
  evox_volume_freeze (labels);
  g_assert_true (evox_tiff_write (labels, 0, tif, EVOX_TIFF_WRITE_NONE, &error));
  g_setenv ("EVOX_MEMORY_LIMIT", "10000", TRUE);
  reduced = evox_volume_load (tif, NULL, NULL, NULL, &error);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_reduction (reduced), ==, 2);
  g_assert_cmpstr (evox_volume_get_reduction_kind (reduced), ==, "modes");
  g_assert_nonnull (strstr (evox_volume_get_metadata (reduced, "info.on demand"), "modes"));
  evox_volume_get_dims (reduced, rd);
  r = evox_volume_get_data (reduced, 0);
  for (gsize k = 0; k < rd[2]; k++)
    for (gsize j = 0; j < rd[1]; j++)
      for (gsize i = 0; i < rd[0]; i++)
        {
          guint count[3] = { 0, 0, 0 }, best = 0;

          /* Brute force: count each label in the block (the voxels inside the volume). */
          for (gsize z = 2 * k; z < MIN (2 * k + 2, (gsize) NZ); z++)
            for (gsize y = 2 * j; y < MIN (2 * j + 2, (gsize) NY); y++)
              for (gsize x = 2 * i; x < MIN (2 * i + 2, (gsize) NX); x++)
                count[label_at (x, y, z) / 85]++;
          for (guint l = 1; l < 3; l++)
            if (count[l] > count[best])
              best = l;
          g_assert_cmpuint (r[(k * rd[1] + j) * rd[0] + i], ==, best * 85);
        }
  {
    g_autoptr(EvoxDocument) document = evox_document_new ();
    g_autoptr(EvoxSession) session = NULL;
    g_autofree char *methods = NULL;

    evox_volume_freeze (reduced);
    evox_document_set_volume (document, reduced, "labels", tif);
    session = evox_session_capture (document, NULL, &error);
    g_assert_no_error (error);
    methods = evox_methods_format (session, reduced);
    g_assert_nonnull (strstr (methods, "held at 1:2 (the modes of 2 x 2 x 2 blocks)"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* `evox info` on a file over the cap: it opens, and says at what scale. */
static void
test_cli_info (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "big.tif", NULL);
  const TiffCase c = { "u8", 8, COMPRESSION_NONE, 0, 8, FALSE };
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "EVOX_MEMORY_LIMIT", "10000",
                                         TRUE);
  const char *evox = g_getenv ("EVOX");

  if (evox == NULL)
    {
      g_test_skip ("EVOX is not set (run under meson test)");
      return;
    }
  write_tiff (tif, &c, NX, NY, NZ);
  {
    const char *argv[] = { evox, "info", tif, NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, envp, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "19 x 15 x 3 voxels"));
    g_assert_nonnull (strstr (run.out, "on demand    1:2 in memory"));
    g_assert_nonnull (strstr (run.out, "full resolution 37 x 29 x 6 read on demand"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Every voxel of OUT (read whole, without a cap) against the oracle at the file's grid. */
static void
assert_full_resolution (const char *out,
                        int         bits,
                        double      spacing_nm)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_load (out, NULL, NULL, NULL, &error);
  gsize dims[3];
  double spacing[3];

  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_reduction (volume), ==, 1);
  evox_volume_get_dims (volume, dims);
  g_assert_cmpuint (dims[0], ==, NX);
  g_assert_cmpuint (dims[1], ==, NY);
  g_assert_cmpuint (dims[2], ==, NZ);
  evox_volume_get_spacing (volume, spacing);
  for (int i = 0; i < 3; i++)
    /* TIFF keeps x and y as a float rational. */
    g_assert_cmpfloat_with_epsilon (spacing[i], spacing_nm, 1e-6);
  for (gsize z = 0; z < NZ; z++)
    for (gsize y = 0; y < NY; y++)
      for (gsize x = 0; x < NX; x++)
        g_assert_cmpfloat (evox_volume_get_value (volume, 0, x, y, z), ==,
                           value_at (bits, x, y, z));
}

/* `evox convert` of a file over the cap writes the file's voxels, not the reduced volume it
 * holds: read plane by plane from the file, into TIFF and HDF5, from TIFF and HDF5. The voxel
 * size given is the file's (the reduced volume's voxels are twice it). */
static void
test_cli_convert (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "big.tif", NULL);
  g_autofree char *h5 = g_build_filename (dir, "big.h5", NULL);
  const TiffCase c = { "u8", 8, COMPRESSION_NONE, 0, 8, FALSE };
  const hsize_t chunk[3] = { 2, 8, 8 };
  const char *inputs[] = { tif, h5 };
  const char *outputs[] = { "out.tif", "out.h5" };
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "EVOX_MEMORY_LIMIT", "10000",
                                         TRUE);
  const char *evox = g_getenv ("EVOX");

  if (evox == NULL)
    {
      g_test_skip ("EVOX is not set (run under meson test)");
      return;
    }
  write_tiff (tif, &c, NX, NY, NZ);
  write_hdf5 (h5, 8, chunk, FALSE, FALSE);
  {
    const char *argv[] = { evox, "info", tif, "--voxel-size", "5nm", NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, envp, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.err, ==, "");
    g_assert_nonnull (strstr (run.out, "19 x 15 x 3 voxels"));
    g_assert_nonnull (strstr (run.out, "spacing      10 x 10 x 10 nm"));
  }
  /* Commands that work on the reduced volume say so on the terminal. */
  {
    const char *argv[] = { evox, "histogram", h5, "--bins", "2", NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, envp, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.err, "evox: warning: "));
    g_assert_nonnull (strstr (run.err, "big.h5 is larger than the memory cap"));
    g_assert_nonnull (strstr (run.err, "held at 1:2 (the means of 2 x 2 x 2 blocks), and what "
                                       "follows is computed at 1:2"));
  }
  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    for (gsize o = 0; o < G_N_ELEMENTS (outputs); o++)
      {
        g_autofree char *out = g_build_filename (dir, outputs[o], NULL);
        const char *argv[] = { evox, "convert", inputs[i], out, "--voxel-size", "5nm",
                               "--force", NULL };
        g_auto(EvoxTestRun) run = evox_test_spawn (argv, envp, NULL);

        g_test_message ("%s -> %s", inputs[i], outputs[o]);
        g_assert_cmpint (run.status, ==, 0);
        g_assert_cmpstr (run.err, ==, "");
        assert_full_resolution (out, 8, 5.0);
      }
  {
    g_autofree char *out = g_build_filename (dir, "f32.tif", NULL);
    const char *argv[] = { evox, "convert", tif, out, "--f32", "--voxel-size", "5nm", NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, envp, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxVolume) volume = NULL;

    g_assert_cmpint (run.status, ==, 0);
    assert_full_resolution (out, 8, 5.0);
    volume = evox_volume_load (out, NULL, NULL, NULL, &error);
    g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_F32);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A file cut short while it is converted at full resolution: the writers say what is wrong
 * with the file read and leave nothing behind, neither the output nor its temporary. */
static void
test_convert_damaged (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out_dir = g_build_filename (dir, "out", NULL);
  const TiffCase c = { "u8", 8, COMPRESSION_NONE, 0, 8, FALSE };
  const hsize_t chunk[3] = { 2, 8, 8 };

  g_assert_cmpint (g_mkdir (out_dir, 0755), ==, 0);
  for (int hdf5 = 0; hdf5 < 2; hdf5++)
    for (int to_hdf5 = 0; to_hdf5 < 2; to_hdf5++)
      {
        g_autofree char *name = g_strdup_printf ("cut-%d-%d.%s", hdf5, to_hdf5,
                                                 hdf5 ? "h5" : "tif");
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_autofree char *out = g_build_filename (out_dir, to_hdf5 ? "out.h5" : "out.tif",
                                                 NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(EvoxVolume) volume = NULL;
        g_autoptr(GDir) listing = NULL;
        GStatBuf st;
        gboolean ok;

        if (hdf5)
          write_hdf5 (path, 8, chunk, FALSE, FALSE);
        else
          write_tiff (path, &c, NX, NY, NZ);
        g_setenv ("EVOX_MEMORY_LIMIT", "10000", TRUE);
        volume = evox_volume_load (path, NULL, NULL, NULL, &error);
        g_unsetenv ("EVOX_MEMORY_LIMIT");
        g_assert_no_error (error);
        g_assert_cmpuint (evox_volume_get_reduction (volume), ==, 2);
        g_assert_cmpint (g_stat (path, &st), ==, 0);
        g_assert_cmpint (truncate (path, st.st_size / 2), ==, 0);
        g_test_message ("%s -> %s", name, out);
        if (to_hdf5)
          ok = evox_hdf5_write_full_resolution (volume, out, FALSE, NULL, NULL, NULL, &error);
        else
          ok = evox_tiff_write (volume, -1, out, EVOX_TIFF_WRITE_FULL_RESOLUTION, &error);
        g_assert_false (ok);
        g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
        g_assert_nonnull (strstr (error->message, name));
        g_assert_nonnull (strstr (error->message, "the file changed while it was being read"));
        listing = g_dir_open (out_dir, 0, NULL);
        g_assert_null (g_dir_read_name (listing));
      }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A session of a volume held at 1:2 keeps the file's voxel size; loaded again, the input gets
 * twice it while held reduced and the size itself when it fits. */
static void
test_session_voxel_size (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "big.tif", NULL);
  const TiffCase c = { "u8", 8, COMPRESSION_NONE, 0, 8, FALSE };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(EvoxSession) session = NULL;
  double spacing[3], stated[3];

  write_tiff (tif, &c, NX, NY, NZ);
  g_setenv ("EVOX_MEMORY_LIMIT", "10000", TRUE);
  volume = evox_volume_load (tif, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_reduction (volume), ==, 2);
  evox_volume_set_spacing (volume, (double[3]) { 10, 10, 20 });
  evox_volume_set_spacing_known (volume, TRUE);
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "big", tif);
  session = evox_session_capture (document, NULL, &error);
  g_assert_no_error (error);
  {
    JsonArray *array = json_object_get_array_member (evox_session_get_root (session),
                                                     "voxel-size-nm");

    for (guint i = 0; i < 3; i++)
      stated[i] = json_array_get_double_element (array, i);
    g_assert_cmpfloat (stated[0], ==, 5);
    g_assert_cmpfloat (stated[2], ==, 10);
  }
  for (int held = 1; held >= 0; held--)
    {
      g_autoptr(EvoxVolume) again = NULL;

      if (!held)
        g_unsetenv ("EVOX_MEMORY_LIMIT");
      again = evox_session_load_input (session, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (evox_volume_get_reduction (again), ==, held ? 2 : 1);
      evox_volume_get_spacing (again, spacing);
      g_assert_cmpfloat (spacing[0], ==, held ? 10 : 5);
      g_assert_cmpfloat (spacing[2], ==, held ? 20 : 10);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The file's planes that plane k of the volume held at 1:2 stands for: its blocks, 2 k and
 * 2 k + 1 inside the file, of which the session names the middle one. */
static guint
file_plane (guint k,
            gsize n)
{
  return (guint) MIN (2 * k + 1, n - 1);
}

/* The session read back from its file and applied to its input opened again, held at 1:2
 * (under a cap) or whole. */
static EvoxDocument *
reopen (EvoxSession *saved,
        gboolean     held)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxSession) session = evox_session_load (evox_session_get_path (saved), &error);
  g_autoptr(EvoxVolume) volume = NULL;
  EvoxDocument *document = evox_document_new ();

  g_assert_no_error (error);
  if (held)
    g_setenv ("EVOX_MEMORY_LIMIT", "10000", TRUE);
  volume = evox_session_load_input (session, NULL, NULL, &error);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_reduction (volume), ==, held ? 2 : 1);
  g_assert_true (evox_session_prepare (session, volume, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (evox_session_apply (session, document, volume, &error));
  g_assert_no_error (error);
  return document;
}

/* A document of the file held at 1:2 (held) or whole: slices, a ruler along z (of the voxels
 * given) and one hidden layer, captured and saved into dir as name. */
static EvoxSession *
save_positions (const char  *tif,
                const char  *dir,
                const char  *name,
                gboolean     held,
                const guint  slices[3],
                const guint  start[3],
                const guint  end[3],
                guint        hidden)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(EvoxMeasurement) ruler = NULL;
  EvoxSession *session;

  if (held)
    g_setenv ("EVOX_MEMORY_LIMIT", "10000", TRUE);
  volume = evox_volume_load (tif, NULL, NULL, NULL, &error);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_reduction (volume), ==, held ? 2 : 1);
  evox_volume_freeze (volume);
  evox_document_set_volume (document, volume, "big", tif);
  for (guint axis = 0; axis < 3; axis++)
    evox_document_set_slice (document, axis, slices[axis]);
  ruler = evox_measurement_new_from_voxels (volume, start, end, &error);
  g_assert_no_error (error);
  evox_measurement_list_append (evox_document_get_measurements (document), ruler);
  evox_document_set_layer_visible (document, hidden, FALSE);
  session = evox_session_capture (document, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_session_save (session, path, FALSE, &error));
  g_assert_no_error (error);
  return session;
}

static void
assert_positions (EvoxDocument *document,
                  const guint   slices[3],
                  guint         ruler_slice,
                  const double  ruler_start[3],
                  guint         first_hidden,
                  guint         end_hidden)
{
  EvoxMeasurementList *rulers = evox_document_get_measurements (document);
  EvoxMeasurement *ruler;
  double start[3], end[3];
  gsize dims[3];

  for (guint axis = 0; axis < 3; axis++)
    g_assert_cmpuint (evox_document_get_slice (document, axis), ==, slices[axis]);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (rulers), ==, 1);
  ruler = evox_measurement_list_get_measurement (rulers, 0);
  g_assert_cmpuint (evox_measurement_get_axis (ruler), ==, 2);
  g_assert_cmpuint (evox_measurement_get_slice (ruler), ==, ruler_slice);
  evox_measurement_get_points (ruler, start, end);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (start[i], ==, ruler_start[i]);
  evox_volume_get_dims (evox_document_get_volume (document), dims);
  for (guint k = 0; k < dims[2]; k++)
    g_assert_cmpint (evox_document_get_layer_visible (document, k), ==,
                     k < first_hidden || k >= end_hidden);
}

/* Slices, rulers and hidden layers are kept in the file's voxels: a session saved while the
 * file was held at 1:2 puts them on the same file voxels when the file opens whole, and the
 * reverse; a session of before (no "voxel-indices") is read as it always was. */
static void
test_session_positions (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "big.tif", NULL);
  const TiffCase c = { "u8", 8, COMPRESSION_NONE, 0, 8, FALSE };
  /* x = 18 is the last reduced plane of 37: its block holds file plane 36 alone. */
  const guint held_slices[3] = { 18, 7, 1 };
  const guint held_start[3] = { 2, 3, 2 }, held_end[3] = { 9, 3, 2 };
  const guint whole_slices[3] = { 11, 20, 4 };
  const guint whole_start[3] = { 5, 8, 5 }, whole_end[3] = { 30, 8, 5 };
  g_autoptr(EvoxSession) from_held = NULL;
  g_autoptr(EvoxSession) from_whole = NULL;

  write_tiff (tif, &c, NX, NY, NZ);
  from_held = save_positions (tif, dir, "held.evox", TRUE, held_slices, held_start, held_end, 2);
  g_assert_cmpstr (json_object_get_string_member (evox_session_get_root (from_held),
                                                  "voxel-indices"), ==, "file");
  {
    g_autoptr(EvoxDocument) whole = reopen (from_held, FALSE);
    g_autoptr(EvoxDocument) held = reopen (from_held, TRUE);
    const guint file[3] = { file_plane (18, NX), file_plane (7, NY), file_plane (1, NZ) };
    /* The ruler's ends stay in nm: the centres of reduced voxels (2, 3) and (9, 3), two file
     * voxels (of 1 nm, unstated) each. */
    const double nm[3] = { 4, 6, 4 };

    g_assert_cmpuint (file[0], ==, 36);
    assert_positions (whole, file, file_plane (2, NZ), nm, 4, 6);
    assert_positions (held, held_slices, 2, nm, 2, 3);
  }
  from_whole = save_positions (tif, dir, "whole.evox", FALSE, whole_slices, whole_start,
                               whole_end, 3);
  {
    g_autoptr(EvoxDocument) held = reopen (from_whole, TRUE);
    g_autoptr(EvoxDocument) whole = reopen (from_whole, FALSE);
    /* File plane f lies in reduced plane f / 2; the ruler stays at the same nm. */
    const guint reduced[3] = { 11 / 2, 20 / 2, 4 / 2 };
    const double nm[3] = { 5, 8, 5 };

    assert_positions (held, reduced, 5 / 2, nm, 3 / 2, 3 / 2 + 1);
    assert_positions (whole, whole_slices, 5, nm, 3, 4);
  }
  /* Written before: indices of the volume as it was held, used as they are. */
  {
    g_autofree char *old = g_build_filename (dir, "old.evox", NULL);
    g_autoptr(GError) error = NULL;
    JsonObject *root = evox_session_get_root (from_held);
    JsonObject *display = json_object_get_object_member (root, "display");
    JsonObject *ruler = json_array_get_object_element (json_object_get_array_member (root,
                                                                                     "rulers"),
                                                       0);
    JsonArray *hidden = json_array_new ();

    json_object_remove_member (root, "voxel-indices");
    json_object_set_int_member (display, "slice-x", 18);
    json_object_set_int_member (display, "slice-y", 7);
    json_object_set_int_member (display, "slice-z", 1);
    json_object_set_int_member (ruler, "slice", 2);
    json_array_add_int_element (hidden, 2);
    json_object_set_array_member (display, "hidden-layers", hidden);
    g_assert_true (evox_session_save (from_held, old, FALSE, &error));
    g_assert_no_error (error);
    {
      g_autoptr(EvoxDocument) held = reopen (from_held, TRUE);
      g_autoptr(EvoxDocument) whole = reopen (from_held, FALSE);
      const double nm[3] = { 4, 6, 4 };

      assert_positions (held, held_slices, 2, nm, 2, 3);
      assert_positions (whole, held_slices, 2, nm, 2, 3);
    }
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* `evox apply` and `evox render` on a file over the cap say what is computed at 1:2, as the
 * other commands do; whole, they say nothing of it. */
/* The environment for `evox render` and `evox apply` of a figure: without a memory cap, and
 * under the address sanitizer (the io suite runs there too) without its leak check, which would
 * abort the child on what Mesa and fontconfig keep for the process's life. */
static GStrv
environ_for_render (void)
{
  GStrv env = g_environ_unsetenv (g_get_environ (), "EVOX_MEMORY_LIMIT");
  const char *asan = g_environ_getenv (env, "ASAN_OPTIONS");
  g_autofree char *options = asan != NULL && *asan != '\0'
                               ? g_strconcat (asan, ":detect_leaks=0", NULL)
                               : g_strdup ("detect_leaks=0");

  return g_environ_setenv (env, "ASAN_OPTIONS", options, TRUE);
}

static void
test_cli_apply_render (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "big.tif", NULL);
  g_autofree char *evox_path = g_build_filename (dir, "s.evox", NULL);
  g_autofree char *png = g_build_filename (dir, "z.png", NULL);
  g_autofree char *figure_path = g_build_filename (dir, "figure.evox", NULL);
  const TiffCase c = { "u8", 8, COMPRESSION_NONE, 0, 8, FALSE };
  g_auto(GStrv) uncapped = environ_for_render ();
  g_auto(GStrv) capped = g_environ_setenv (g_strdupv (uncapped), "EVOX_MEMORY_LIMIT", "10000",
                                           TRUE);
  const char *evox = g_getenv ("EVOX");
  const char *held = "held at 1:2 (the means of 2 x 2 x 2 blocks), and ";
  g_autoptr(GError) error = NULL;

  if (evox == NULL)
    {
      g_test_skip ("EVOX is not set (run under meson test)");
      return;
    }
  write_tiff (tif, &c, NX, NY, NZ);
  {
    g_autoptr(EvoxVolume) volume = evox_volume_load (tif, NULL, NULL, NULL, &error);
    g_autoptr(EvoxDocument) document = evox_document_new ();
    g_autoptr(EvoxSession) session = NULL;

    g_assert_no_error (error);
    evox_volume_freeze (volume);
    evox_document_set_volume (document, volume, "big", tif);
    session = evox_session_capture (document, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (evox_session_save (session, evox_path, FALSE, &error));
    g_assert_no_error (error);
  }
  for (int cap = 1; cap >= 0; cap--)
    {
      g_autofree char *outdir = g_build_filename (dir, cap ? "capped" : "whole", NULL);
      const char *argv[] = { evox, "apply", evox_path, tif, "-o", outdir, NULL };
      g_auto(EvoxTestRun) run = evox_test_spawn (argv, cap ? capped : uncapped, NULL);
      g_autofree char *said = g_strconcat ("evox: warning: ", tif, " is larger than the memory "
                                           "cap", NULL);

      g_assert_cmpint (run.status, ==, 0);
      if (!cap)
        {
          g_assert_cmpstr (run.err, ==, "");
          continue;
        }
      g_assert_true (g_str_has_prefix (run.err, said));
      g_assert_nonnull (strstr (run.err, held));
      g_assert_true (g_str_has_suffix (run.err, "what follows is computed at 1:2\n"));
    }
  /* The picture's slices read the file's planes; the default display range is the reduced
   * volume's, and so are the voxels that --slice counts. */
  {
    const char *argv[] = { evox, "render", tif, "-o", png, "-s", "40x30", "--view", "z",
                           "--slice", "3,3,1", "--ruler", "1,2,1:5,2,1", "--session",
                           figure_path, "--force", NULL };
    g_auto(EvoxTestRun) run = evox_test_spawn (argv, capped, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.err, held));
    g_assert_nonnull (strstr (run.err, "and in this figure, from the 1:2 volume: the display "
                                       "range and the voxel indices of --slice and --ruler (the "
                                       "slices and rays read the file's voxels where they show "
                                       "them larger than a pixel)\n"));
  }
  /* Its "figure" record keeps them as the file's voxels (reduced plane k as file plane 2 k + 1,
   * the ruler's ends at the file voxels of the same nm on that plane), which apply draws
   * again on the same file voxels whether the sample opens whole or at 1:2. */
  {
    g_autoptr(EvoxSession) session = evox_session_load (figure_path, &error);
    JsonObject *record;
    JsonArray *options;
    GString *typed = g_string_new (NULL);
    g_autofree char *joined = NULL;

    g_assert_no_error (error);
    record = json_object_get_object_member (evox_session_get_root (session), "figure");
    g_assert_cmpstr (json_object_get_string_member (record, "voxel-indices"), ==, "file");
    options = json_object_get_array_member (record, "options");
    for (guint i = 0; i < json_array_get_length (options); i++)
      g_string_append_printf (typed, " %s", json_array_get_string_element (options, i));
    joined = g_string_free (typed, FALSE);
    g_assert_cmpstr (joined, ==, " -s 40x30 --view z --slice 7,7,3 --ruler 2,4,3:10,4,3");
  }
  for (int cap = 1; cap >= 0; cap--)
    {
      g_autofree char *outdir = g_build_filename (dir, cap ? "figure-capped" : "figure-whole",
                                                  NULL);
      g_autofree char *again = g_build_filename (outdir, "big", "figure.evox", NULL);
      const char *argv[] = { evox, "apply", figure_path, tif, "-o", outdir, NULL };
      g_auto(EvoxTestRun) run = evox_test_spawn (argv, cap ? capped : uncapped, NULL);
      g_autoptr(EvoxSession) session = NULL;
      JsonObject *root, *display, *ruler;
      JsonArray *start;

      g_assert_cmpint (run.status, ==, 0);
      session = evox_session_load (again, &error);
      g_assert_no_error (error);
      root = evox_session_get_root (session);
      display = json_object_get_object_member (root, "display");
      g_assert_cmpint (json_object_get_int_member (display, "slice-x"), ==, 7);
      g_assert_cmpint (json_object_get_int_member (display, "slice-y"), ==, 7);
      g_assert_cmpint (json_object_get_int_member (display, "slice-z"), ==, 3);
      ruler = json_array_get_object_element (json_object_get_array_member (root, "rulers"), 0);
      g_assert_cmpint (json_object_get_int_member (ruler, "slice"), ==, 3);
      start = json_object_get_array_member (ruler, "start-nm");
      /* File voxels of 1 nm (the file states none). */
      g_assert_cmpfloat (json_array_get_double_element (start, 0), ==, 2);
      g_assert_cmpfloat (json_array_get_double_element (start, 1), ==, 4);
      g_assert_cmpfloat (json_array_get_double_element (start, 2), ==, 3);
    }
  for (int cap = 1; cap >= 0; cap--)
    {
      const char *argv[] = { evox, "render", tif, "-o", png, "-s", "40x30", "--view", "z",
                             "--range", "0:255", "--force", NULL };
      g_auto(EvoxTestRun) run = evox_test_spawn (argv, cap ? capped : uncapped, NULL);

      g_assert_cmpint (run.status, ==, 0);
      g_assert_cmpstr (run.err, ==, "");
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Files damaged after they were opened, and chunks never written: errors naming the file. */
static void
test_damaged (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  const TiffCase plain = { "plain", 16, COMPRESSION_NONE, 0, 4, FALSE };
  const TiffCase deflate = { "deflate", 16, COMPRESSION_ADOBE_DEFLATE, 16, 0, FALSE };
  const TiffCase *cases[] = { &plain, &deflate };
  const gsize o[3] = { 0, 0, NZ - 1 }, s[3] = { NX, NY, 1 };
  guint16 plane[NX * NY];

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    for (int read_first = 0; read_first < 2; read_first++)
      {
        g_autofree char *name = g_strdup_printf ("%s-%d.tif", cases[c]->name, read_first);
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_autoptr(EvoxVoxelSource) source = NULL;
        g_autoptr(GError) error = NULL;
        GStatBuf st;

        write_tiff (path, cases[c], NX, NY, NZ);
        source = evox_tiff_open_source (path, NULL, &error);
        g_assert_no_error (error);
        if (read_first)
          g_assert_true (evox_voxel_source_read_box (source, (gsize[3]) { 0, 0, 0 }, s, plane,
                                                     &error));
        g_assert_cmpint (g_stat (path, &st), ==, 0);
        g_assert_cmpint (truncate (path, st.st_size / 3), ==, 0);
        g_test_message ("%s", name);
        g_assert_false (evox_voxel_source_read_box (source, o, s, plane, &error));
        g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
        g_assert_nonnull (strstr (error->message, name));
        /* The reduced reads of the views' bricks (means and modes) say the same: their last
         * plane at 1:2 lies in the part cut off. */
        for (int modes = 0; modes < 2; modes++)
          {
            g_clear_error (&error);
            g_assert_false (evox_voxel_source_read_reduced (source, 2, modes,
                                                            (gsize[3]) { 0, 0, NZ / 2 - 1 },
                                                            (gsize[3]) { NX / 2, NY / 2, 1 },
                                                            plane, &error));
            g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
            g_assert_nonnull (strstr (error->message, name));
          }
      }

  {
    const hsize_t chunk[3] = { 2, 8, 8 };
    g_autofree char *path = g_build_filename (dir, "partial.h5", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxVoxelSource) source = NULL;
    g_autoptr(EvoxVolume) volume = NULL;

    write_hdf5 (path, 16, chunk, FALSE, TRUE);
    source = evox_hdf5_open_source (path, &error);
    g_assert_null (source);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "never written"));
    g_clear_error (&error);
    /* Over the cap, the loader says what is wrong with the file rather than the cap. */
    g_setenv ("EVOX_MEMORY_LIMIT", "10000", TRUE);
    volume = evox_volume_load (path, NULL, NULL, NULL, &error);
    g_unsetenv ("EVOX_MEMORY_LIMIT");
    g_assert_null (volume);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "partial.h5"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  TIFFSetWarningHandler (NULL);
  TIFFSetErrorHandler (NULL);
  g_test_add_func ("/Evox/OnDemand/tiff-boxes", test_tiff_boxes);
  g_test_add_func ("/Evox/OnDemand/hdf5-boxes", test_hdf5_boxes);
  g_test_add_func ("/Evox/OnDemand/reduce", test_reduce);
  g_test_add_func ("/Evox/OnDemand/fitting-scale", test_fitting_scale);
  g_test_add_func ("/Evox/OnDemand/cancel", test_cancel);
  g_test_add_func ("/Evox/OnDemand/loader-reduces", test_loader_reduces);
  g_test_add_func ("/Evox/OnDemand/loader-labels", test_loader_labels);
  g_test_add_func ("/Evox/OnDemand/cli-info", test_cli_info);
  g_test_add_func ("/Evox/OnDemand/damaged", test_damaged);
  g_test_add_func ("/Evox/OnDemand/cli-convert", test_cli_convert);
  g_test_add_func ("/Evox/OnDemand/convert-damaged", test_convert_damaged);
  g_test_add_func ("/Evox/OnDemand/session-voxel-size", test_session_voxel_size);
  g_test_add_func ("/Evox/OnDemand/session-positions", test_session_positions);
  g_test_add_func ("/Evox/OnDemand/cli-apply-render", test_cli_apply_render);
  return g_test_run ();
}

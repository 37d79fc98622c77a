/* test-bigload.c: coarse previews published while a TIFF stack or an HDF5 volume is read,
 * checked against a downsampling written here from the volume read whole; HDF5 datasets with
 * chunks that were never written. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>
#include <hdf5.h>
#include <tiffio.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "evox-hdf5.h"
#include "evox-loader.h"
#include "evox-output.h"
#include "evox-preview.h"
#include "evox-tiff.h"
#include "evox-test-util.h"
#include "evox-voxel-source.h"

/* A volume (u8 or u16) of random values over the whole range, with a known voxel size. */
static EvoxVolume *
random_volume_of (EvoxSampleType type,
                  gsize          nx,
                  gsize          ny,
                  gsize          nz)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (nx, ny, nz, 1, type, &error);
  guint8 *v;
  guint64 state = 17;

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < nx * ny * nz; i++)
    if (type == EVOX_SAMPLE_U8)
      v[i] = (guint8) (evox_test_random (&state) & 0xff);
    else
      ((guint16 *) v)[i] = (guint16) (evox_test_random (&state) & 0xffff);
  evox_volume_set_spacing (volume, (double[3]) { 50, 60, 70 });
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}

/* An odd-sized u16 volume (no side a multiple of the strides). */
static EvoxVolume *
random_volume (gsize nx,
               gsize ny,
               gsize nz)
{
  return random_volume_of (EVOX_SAMPLE_U16, nx, ny, nz);
}

typedef struct
{
  GPtrArray *previews;
  GThread   *thread;   /* the one that called */
} Collected;

static void
collect (EvoxVolume *preview,
         gpointer    user_data)
{
  Collected *collected = user_data;

  g_assert_true (evox_volume_is_frozen (preview));
  collected->thread = g_thread_self ();
  g_ptr_array_add (collected->previews, g_object_ref (preview));
}

/* The preview at stride s is full[i s, j s, k s] for i < ceil(nx / s)...: written out here
 * voxel by voxel through evox_volume_get_value, with the statistics counted the same way. */
static void
assert_is_downsampling (EvoxVolume *preview,
                        EvoxVolume *full,
                        guint       stride)
{
  gsize fd[3], pd[3];
  double fs[3], ps[3], sum = 0, lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;
  guint64 n = 0;
  const EvoxStats *stats;
  /* The stride in the file's voxels: a reduced volume's preview at stride t shows 1:S t. */
  g_autofree char *text = g_strdup_printf ("%u", stride * evox_volume_get_reduction (full));

  evox_volume_get_dims (full, fd);
  evox_volume_get_dims (preview, pd);
  for (int a = 0; a < 3; a++)
    g_assert_cmpuint (pd[a], ==, (fd[a] + stride - 1) / stride);
  g_assert_cmpint (evox_volume_get_sample_type (preview), ==, evox_volume_get_sample_type (full));
  for (gsize k = 0; k < pd[2]; k++)
    for (gsize j = 0; j < pd[1]; j++)
      for (gsize i = 0; i < pd[0]; i++)
        {
          double want = evox_volume_get_value (full, 0, i * stride, j * stride, k * stride);

          g_assert_cmpfloat (evox_volume_get_value (preview, 0, i, j, k), ==, want);
          sum += want;
          lo = MIN (lo, want);
          hi = MAX (hi, want);
          n++;
        }
  /* The preview comes with its own statistics, for the histogram a user sees meanwhile. */
  stats = evox_volume_get_stats (preview, 0);
  g_assert_cmpuint (stats->n_finite, ==, n);
  g_assert_cmpfloat (stats->min, ==, lo);
  g_assert_cmpfloat (stats->max, ==, hi);
  g_assert_cmpfloat_with_epsilon (stats->mean, sum / n, 1e-9 * hi);
  g_assert_nonnull (evox_volume_get_fine_histogram (preview, 0));
  g_assert_cmpuint (evox_fine_histogram_get_n_finite (evox_volume_get_fine_histogram (preview, 0)),
                    ==, n);
  /* On the same grid: each voxel stride times larger. */
  evox_volume_get_spacing (full, fs);
  evox_volume_get_spacing (preview, ps);
  for (int a = 0; a < 3; a++)
    g_assert_cmpfloat_with_epsilon (ps[a], fs[a] * stride, 1e-6 * fs[a] * stride);
  g_assert_cmpstr (evox_volume_get_metadata (preview, "preview_stride"), ==, text);
}

static void
assert_same_voxels (EvoxVolume *a,
                    EvoxVolume *b)
{
  gsize da[3], db[3];

  evox_volume_get_dims (a, da);
  evox_volume_get_dims (b, db);
  g_assert_cmpmem (da, sizeof da, db, sizeof db);
  g_assert_cmpint (evox_volume_get_sample_type (a), ==, evox_volume_get_sample_type (b));
  g_assert_cmpmem (evox_volume_get_data (a, 0),
                   evox_volume_get_n_voxels (a) * evox_sample_type_size (
                     evox_volume_get_sample_type (a)),
                   evox_volume_get_data (b, 0),
                   evox_volume_get_n_voxels (b) * evox_sample_type_size (
                     evox_volume_get_sample_type (b)));
}

/* Strides 8, 4, 2 over 21 slices: each level's new slices, in order, then the rest. */
static void
test_plan (void)
{
  EvoxPreviewOptions options = { .stride = 8, .func = collect };
  g_auto(EvoxPreviewPlan) plan = { NULL };
  gsize dims[3] = { 5, 5, 21 };
  const guint want[21] = { 0, 8, 16, 4, 12, 20, 2, 6, 10, 14, 18,
                           1, 3, 5, 7, 9, 11, 13, 15, 17, 19 };

  evox_preview_plan_init (&plan, &options, dims, 2);
  g_assert_cmpuint (plan.n_levels, ==, 3);
  g_assert_cmpuint (plan.stride[0], ==, 8);
  g_assert_cmpuint (plan.stride[1], ==, 4);
  g_assert_cmpuint (plan.stride[2], ==, 2);
  g_assert_cmpuint (plan.level_end[0], ==, 3);
  g_assert_cmpuint (plan.level_end[1], ==, 6);
  g_assert_cmpuint (plan.level_end[2], ==, 11);
  g_assert_cmpmem (plan.order, sizeof want, want, sizeof want);
  evox_preview_plan_clear (&plan);

  /* Without a function, or automatic on a small volume: no previews, slices in order. */
  options.stride = 0;
  evox_preview_plan_init (&plan, &options, dims, 2);
  g_assert_cmpuint (plan.n_levels, ==, 0);
  for (guint z = 0; z < 21; z++)
    g_assert_cmpuint (plan.order[z], ==, z);
  evox_preview_plan_clear (&plan);
  evox_preview_plan_init (&plan, NULL, dims, 2);
  g_assert_cmpuint (plan.n_levels, ==, 0);
  evox_preview_plan_clear (&plan);

  /* Automatic on 2048^3 u16 (nothing is allocated but the order): 128 on a side first, then
   * 256 and 512, never finer than 1/64 of the volume. */
  options.stride = 0;
  dims[0] = dims[1] = dims[2] = 2048;
  evox_preview_plan_init (&plan, &options, dims, 2);
  g_assert_cmpuint (plan.n_levels, ==, 3);
  g_assert_cmpuint (plan.stride[0], ==, 16);
  g_assert_cmpuint (plan.stride[2], ==, 4);
  g_assert_cmpuint (plan.level_end[0], ==, 128);
  g_assert_cmpuint (plan.level_end[2], ==, 512);
}

/* The plan of a reduced volume's planes, in the reduced voxels (nothing is allocated but the
 * order): the file's automatic strides where they leave 1/64 of the reduced volume at most, else
 * 4; a forced stride counts the file's voxels. */
static void
test_plan_reduced (void)
{
  EvoxPreviewOptions options = { .stride = 0, .func = collect };
  g_auto(EvoxPreviewPlan) plan = { NULL };
  gsize dims[3] = { 2048, 2048, 2048 };

  /* 2048^3 u16 at 1:2: the file's 16 and 8 are 8 and 4 of 1024 planes. */
  evox_preview_plan_init_reduced (&plan, &options, dims, 2, 2);
  g_assert_cmpuint (plan.n_levels, ==, 2);
  g_assert_cmpuint (plan.stride[0], ==, 8);
  g_assert_cmpuint (plan.stride[1], ==, 4);
  g_assert_cmpuint (plan.level_end[0], ==, 128);
  g_assert_cmpuint (plan.level_end[1], ==, 256);
  g_assert_cmpuint (plan.order[128], ==, 4);
  evox_preview_plan_clear (&plan);
  /* At 1:8 the file's 16 would be 2 (1/8 of the reduced volume): 4 instead, the file's 32. */
  evox_preview_plan_init_reduced (&plan, &options, dims, 2, 8);
  g_assert_cmpuint (plan.n_levels, ==, 1);
  g_assert_cmpuint (plan.stride[0], ==, 4);
  g_assert_cmpuint (plan.level_end[0], ==, 64);
  evox_preview_plan_clear (&plan);
  /* 1024^3 u16 at 1:2: the file's 8 is 4 of 512 planes, the only level. */
  dims[0] = dims[1] = dims[2] = 1024;
  evox_preview_plan_init_reduced (&plan, &options, dims, 2, 2);
  g_assert_cmpuint (plan.n_levels, ==, 1);
  g_assert_cmpuint (plan.stride[0], ==, 4);
  evox_preview_plan_clear (&plan);
  /* Under 256 MiB (the file's bytes): none, planes in order. */
  dims[0] = dims[1] = dims[2] = 500;
  evox_preview_plan_init_reduced (&plan, &options, dims, 2, 2);
  g_assert_cmpuint (plan.n_levels, ==, 0);
  for (guint z = 0; z < 250; z++)
    g_assert_cmpuint (plan.order[z], ==, z);
  evox_preview_plan_clear (&plan);
  /* Forced at the file's 8 over 40 planes at 1:2: 4 then 2 of 20 reduced planes. */
  options.stride = 8;
  dims[2] = 40;
  evox_preview_plan_init_reduced (&plan, &options, dims, 1, 2);
  g_assert_cmpuint (plan.n_levels, ==, 2);
  g_assert_cmpuint (plan.stride[0], ==, 4);
  g_assert_cmpuint (plan.stride[1], ==, 2);
  g_assert_cmpuint (plan.level_end[0], ==, 5);
  g_assert_cmpuint (plan.level_end[1], ==, 10);
}

static void
check_previews (Collected  *collected,
                EvoxVolume *whole,
                EvoxVolume *read)
{
  /* Coarse first, refined: strides 4 then 2, each a true downsampling of the file. */
  g_assert_cmpuint (collected->previews->len, ==, 2);
  assert_is_downsampling (collected->previews->pdata[0], whole, 4);
  assert_is_downsampling (collected->previews->pdata[1], whole, 2);
  /* Reading in the previews' order changes nothing in the volume. */
  assert_same_voxels (read, whole);
}

/* Uncompressed, the first preview is read row by row before any page (read_plain_row); with
 * Deflate every preview comes from whole pages. Either way the same voxels. */
/* The file at path, written from source: read whole, the same voxels; read again with previews
 * from stride 4, checked by check_previews. */
static void
check_read_with_previews (const char  *path,
                          EvoxVolume  *source,
                          gboolean     hdf5)
{
  g_autoptr(EvoxVolume) whole = NULL;
  g_autoptr(EvoxVolume) read = NULL;
  g_autoptr(GPtrArray) previews = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  Collected collected = { previews, NULL };
  EvoxPreviewOptions options = { .stride = 4, .func = collect, .user_data = &collected };

  whole = hdf5 ? evox_hdf5_load (path, 1, NULL, NULL, &error)
               : evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  assert_same_voxels (whole, source);
  read = hdf5 ? evox_hdf5_load_with_preview (path, 1, &options, NULL, NULL, &error)
              : evox_tiff_read_with_preview (path, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  check_previews (&collected, whole, read);
}

static void
test_tiff_preview (gconstpointer flags)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autoptr(EvoxVolume) source = random_volume (19, 13, 23);
  g_autoptr(GError) error = NULL;

  g_assert_true (evox_tiff_write (source, 0, path, GPOINTER_TO_UINT (flags), &error));
  g_assert_no_error (error);
  check_read_with_previews (path, source, FALSE);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A u16 stack of the source volume's pages written through libtiff in strips of three rows,
 * each page's strips written last first: its pixels lie in the file in pieces, out of order. */
static void
write_scattered_strips (EvoxVolume *source,
                        const char *path)
{
  TIFF *tif = TIFFOpen (path, "w");
  const guint16 *v = evox_volume_get_data (source, 0);
  gsize dims[3];
  guint32 rps = 3;

  g_assert_nonnull (tif);
  evox_volume_get_dims (source, dims);
  for (gsize z = 0; z < dims[2]; z++)
    {
      guint32 n_strips = (guint32) ((dims[1] + rps - 1) / rps);

      g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, (guint32) dims[0]));
      g_assert_true (TIFFSetField (tif, TIFFTAG_IMAGELENGTH, (guint32) dims[1]));
      g_assert_true (TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, 16));
      g_assert_true (TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, 1));
      g_assert_true (TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK));
      g_assert_true (TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG));
      g_assert_true (TIFFSetField (tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE));
      g_assert_true (TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, rps));
      for (guint32 i = 0; i < n_strips; i++)
        {
          guint32 s = n_strips - 1 - i;
          gsize rows = MIN (rps, dims[1] - (gsize) s * rps);
          tmsize_t bytes = (tmsize_t) (rows * dims[0] * 2);

          g_assert_cmpint (TIFFWriteEncodedStrip (tif, s,
                                                  (gpointer) (v + (z * dims[1] + (gsize) s * rps) *
                                                              dims[0]), bytes), ==, bytes);
        }
      g_assert_true (TIFFWriteDirectory (tif));
    }
  TIFFClose (tif);
}

/* The first preview's rows and those asked from the disk ahead of them (read_plain_row) are
 * found through each page's pieces however they lie in the file: the previews and the volume
 * are still the source's voxels. */
static void
test_tiff_preview_scattered (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "scattered.tif", NULL);
  g_autoptr(EvoxVolume) source = random_volume (21, 17, 25);

  write_scattered_strips (source, path);
  check_read_with_previews (path, source, FALSE);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Which 4 KiB blocks of the file at path are in the page cache (mincore on a map of it). */
static guint8 *
resident_blocks (const char *path,
                 gsize      *n_blocks)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  GStatBuf st;
  void *map;
  guint8 *resident;
  gsize page = 4096;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fstat (fd, &st), ==, 0);
  map = mmap (NULL, (gsize) st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  g_assert_true (map != MAP_FAILED);
  *n_blocks = ((gsize) st.st_size + page - 1) / page;
  resident = g_malloc (*n_blocks);
  g_assert_cmpint (mincore (map, (gsize) st.st_size, resident), ==, 0);
  munmap (map, (gsize) st.st_size);
  close (fd);
  return resident;
}

/* Drops the file's pages from the page cache; FALSE where its file system keeps them (tmpfs). */
static gboolean
evict_file (const char *path)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  g_autofree guint8 *resident = NULL;
  gsize n;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fsync (fd), ==, 0);
  g_assert_cmpint (posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED), ==, 0);
  close (fd);
  resident = resident_blocks (path, &n);
  for (gsize i = 0; i < n; i++)
    if (resident[i] & 1)
      return FALSE;
  return TRUE;
}

typedef struct
{
  Collected  collected;
  const char *path;
  GArray     *row_blocks;   /* guint64: the 4 KiB blocks holding the first preview's rows */
  guint       n_cached;     /* of those, in the page cache when the first preview came */
} RowsCached;

static void
collect_rows_cached (EvoxVolume *preview,
                     gpointer    user_data)
{
  RowsCached *rc = user_data;

  if (rc->collected.previews->len == 0)
    {
      gsize n;
      g_autofree guint8 *resident = resident_blocks (rc->path, &n);

      for (guint i = 0; i < rc->row_blocks->len; i++)
        {
          guint64 b = g_array_index (rc->row_blocks, guint64, i);

          g_assert_cmpuint (b, <, n);
          rc->n_cached += resident[b] & 1;
        }
    }
  collect (preview, &rc->collected);
}

/* The first preview reads every 4th row of every 4th page straight from a cold file; the rows
 * it leaves cached would cut the kernel's read-ahead of the whole read that follows into small
 * requests (bench/RESULTS.md, "a cold read with previews"), so none of them is still cached when
 * it comes. The rows' places in the file are found here through libtiff, the page cache seen
 * through mincore. */
static void
test_tiff_preview_rows_dropped (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "rows.tif", NULL);
  /* 2 KiB rows, 4 apart: each row in one or two 4 KiB blocks of its own. */
  g_autoptr(EvoxVolume) source = random_volume (1024, 256, 12);
  g_autoptr(EvoxVolume) whole = NULL;
  g_autoptr(EvoxVolume) read = NULL;
  g_autoptr(GPtrArray) previews = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GArray) blocks = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GError) error = NULL;
  RowsCached rc = { { previews, NULL }, path, blocks, 0 };
  EvoxPreviewOptions options = { .stride = 4, .func = collect_rows_cached, .user_data = &rc };
  TIFF *tif;

  if (sysconf (_SC_PAGESIZE) != 4096)
    {
      g_test_skip ("the rows' blocks are counted in 4 KiB memory pages");
      evox_test_tmpdir_free (g_steal_pointer (&dir));
      return;
    }
  g_assert_true (evox_tiff_write (source, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  tif = TIFFOpen (path, "r");
  g_assert_nonnull (tif);
  /* Pages 4 and 8 (from 2 MiB on): the first blocks of the file, read with its header, come
   * into the cache in larger pieces, which the kernel keeps or drops whole. */
  for (guint z = 4; z < 12; z += 4)
    {
      guint64 *offsets = NULL;
      guint32 rps = 0;

      g_assert_true (TIFFSetDirectory (tif, (tdir_t) z));
      g_assert_true (TIFFGetField (tif, TIFFTAG_STRIPOFFSETS, &offsets));
      g_assert_true (TIFFGetFieldDefaulted (tif, TIFFTAG_ROWSPERSTRIP, &rps));
      for (guint y = 0; y < 256; y += 4)
        {
          guint64 at = offsets[y / rps] + (guint64) (y % rps) * 2048;

          for (guint64 b = at / 4096; b <= (at + 2047) / 4096; b++)
            g_array_append_val (blocks, b);
        }
    }
  TIFFClose (tif);

  whole = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  if (!evict_file (path))
    {
      g_test_skip ("the file system keeps the file's pages cached");
      evox_test_tmpdir_free (g_steal_pointer (&dir));
      return;
    }
  read = evox_tiff_read_with_preview (path, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (blocks->len, >=, 2 * 64);
  g_assert_cmpuint (rc.n_cached, ==, 0);
  check_previews (&rc.collected, whole, read);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_hdf5_preview (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "volume.h5", NULL);
  g_autoptr(EvoxVolume) source = random_volume (17, 11, 22);
  g_autoptr(GError) error = NULL;

  g_assert_true (evox_hdf5_write (source, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  check_read_with_previews (path, source, TRUE);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Through the loader, asynchronously as the window loads: previews arrive on the loading
 * thread, before the volume. */
static void
loaded (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  EvoxVolume **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = evox_volume_load_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_loader_preview (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "stack.tif", NULL);
  g_autoptr(EvoxVolume) source = random_volume (9, 10, 12);
  g_autoptr(EvoxVolume) read = NULL;
  g_autoptr(GPtrArray) previews = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  Collected collected = { previews, NULL };
  EvoxPreviewOptions preview = { .stride = 2, .func = collect, .user_data = &collected };
  EvoxLoadOptions options = { .bin = 1, .preview = &preview };

  g_assert_true (evox_tiff_write (source, 0, path, EVOX_TIFF_WRITE_NONE, &error));
  evox_volume_load_with_async (path, &options, NULL, NULL, loaded, &read);
  while (read == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (previews->len, ==, 1);
  g_assert_true (collected.thread != g_thread_self ());
  assert_is_downsampling (previews->pdata[0], read, 2);
  assert_same_voxels (read, source);
  /* The histograms of the whole volume are exact at the end, as without previews. */
  g_assert_cmpuint (evox_volume_get_stats (read, 0)->n_finite, ==, 9 * 10 * 12);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* /exchange/data, nz x ny x nx u16 in chunks of 2 x ny x nx, of which only the first
 * n_written chunks are written (all of them: n_written = nz / 2). */
static void
write_partial (const char *path,
               hsize_t     nz,
               hsize_t     ny,
               hsize_t     nx,
               hsize_t     n_written)
{
  hid_t file = H5Fcreate (path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t lcpl = H5Pcreate (H5P_LINK_CREATE);
  hid_t dcpl = H5Pcreate (H5P_DATASET_CREATE);
  hsize_t dims[3] = { nz, ny, nx }, chunk[3] = { 2, ny, nx };
  hsize_t start[3] = { 0, 0, 0 }, count[3] = { 2 * n_written, ny, nx };
  hid_t space = H5Screate_simple (3, dims, NULL);
  hid_t mem = H5Screate_simple (3, count, NULL);
  hid_t dataset;
  g_autofree guint16 *values = g_new (guint16, 2 * n_written * ny * nx);

  g_assert_cmpint (file, >=, 0);
  for (gsize i = 0; i < 2 * n_written * ny * nx; i++)
    values[i] = (guint16) (i + 1);
  H5Pset_create_intermediate_group (lcpl, 1);
  H5Pset_chunk (dcpl, 3, chunk);
  dataset = H5Dcreate2 (file, "/exchange/data", H5T_STD_U16LE, space, lcpl, dcpl, H5P_DEFAULT);
  g_assert_cmpint (dataset, >=, 0);
  g_assert_cmpint (H5Sselect_hyperslab (space, H5S_SELECT_SET, start, NULL, count, NULL), >=, 0);
  g_assert_cmpint (H5Dwrite (dataset, H5T_NATIVE_UINT16, mem, space, H5P_DEFAULT, values), >=,
                   0);
  H5Dclose (dataset);
  H5Sclose (mem);
  H5Sclose (space);
  H5Pclose (dcpl);
  H5Pclose (lcpl);
  H5Fclose (file);
}

static void
test_hdf5_missing_chunks (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *full = g_build_filename (dir, "full.h5", NULL);
  g_autofree char *partial = g_build_filename (dir, "partial.h5", NULL);
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;

  /* Every chunk written: it opens, with the values written. */
  write_partial (full, 6, 3, 4, 3);
  volume = evox_hdf5_load (full, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (evox_volume_get_value (volume, 0, 3, 2, 5), ==, 72);

  /* One chunk of three never written: HDF5 would hand out zeros for it. */
  write_partial (partial, 6, 3, 4, 2);
  g_clear_object (&volume);
  volume = evox_volume_load (partial, NULL, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "partial.h5"));
  g_assert_nonnull (strstr (error->message, "2 of its 3 chunks"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A file that claims more than it holds: an HDF5 volume cut short (its chunks point past the end)
 * is an error naming the file, never a volume with zeros or a crash. */
static void
test_hdf5_truncated (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "cut.h5", NULL);
  g_autoptr(EvoxVolume) source = random_volume (64, 48, 40);
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_true (evox_hdf5_write (source, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (truncate (path, st.st_size * 2 / 3), ==, 0);
  volume = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_null (volume);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "cut.h5"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A conversion the disk cannot hold is refused before a byte is written; the numbers compared
 * are statvfs's own (Python's os.statvfs agrees: f_bavail * f_frsize). */
static void
test_disk_space (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "out.tif", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (_evox_output_check_space (path, 1, &error));
  g_assert_no_error (error);
  /* 2^62 bytes: no disk has them. */
  g_assert_false (_evox_output_check_space (path, (guint64) 1 << 62, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_nonnull (strstr (error->message, "out.tif"));
  g_assert_nonnull (strstr (error->message, "it needs 4.0\302\240EiB"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Block means of s^3 blocks of whole (the voxels inside it), rounded to the nearest as integers
 * are, written out here voxel by voxel. */
static void
assert_block_means (EvoxVolume *reduced,
                    EvoxVolume *whole,
                    guint       s)
{
  gsize fd[3], rd[3];

  evox_volume_get_dims (whole, fd);
  evox_volume_get_dims (reduced, rd);
  for (int a = 0; a < 3; a++)
    g_assert_cmpuint (rd[a], ==, (fd[a] + s - 1) / s);
  for (gsize k = 0; k < rd[2]; k++)
    for (gsize j = 0; j < rd[1]; j++)
      for (gsize i = 0; i < rd[0]; i++)
        {
          double sum = 0;
          guint n = 0;

          for (gsize z = k * s; z < MIN (fd[2], (k + 1) * s); z++)
            for (gsize y = j * s; y < MIN (fd[1], (j + 1) * s); y++)
              for (gsize x = i * s; x < MIN (fd[0], (i + 1) * s); x++)
                {
                  sum += evox_volume_get_value (whole, 0, x, y, z);
                  n++;
                }
          g_assert_cmpfloat (evox_volume_get_value (reduced, 0, i, j, k), ==,
                             (double) lround (sum / n));
        }
}

/* 67 x 45 x 40 u8 over a cap of 100 kB (its voxels alone take 121 kB) opens at
 * 1:2 (34 x 23 x 20); a stride of 8 in the file's voxels is 4 in the reduced ones. */
#define REDUCED_CAP "100K"

typedef struct
{
  const char         *name;
  EvoxTiffWriteFlags  tiff;   /* or HDF5 when hdf5 */
  gboolean            hdf5;
} ReducedCase;

static char *
write_reduced_case (const ReducedCase *c,
                    const char        *dir,
                    EvoxVolume        *source)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, c->hdf5 ? "big.h5" : "big.tif", NULL);

  if (c->hdf5)
    g_assert_true (evox_hdf5_write (source, path, FALSE, NULL, NULL, &error));
  else
    g_assert_true (evox_tiff_write (source, 0, path, c->tiff, &error));
  g_assert_no_error (error);
  return path;
}

/* A file over the memory cap shows previews as one that fits: first the file's own voxels at
 * stride 8 read before the pass (rows of plain pages and HDF5, whole planes of Deflate pages),
 * then the reduced volume's block means at strides 4 and 2 of its grid (8 and 4 of the file's)
 * once their planes are read; the reduced volume is the same as without previews. */
static void
test_reduced_preview (gconstpointer data)
{
  const ReducedCase *c = data;
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) source = random_volume_of (EVOX_SAMPLE_U8, 67, 45, 40);
  g_autofree char *path = write_reduced_case (c, dir, source);
  g_autoptr(EvoxVolume) whole = evox_volume_load (path, NULL, NULL, NULL, NULL);
  g_autoptr(EvoxVolume) plain = NULL;
  g_autoptr(EvoxVolume) reduced = NULL;
  g_autoptr(GPtrArray) previews = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  Collected collected = { previews, NULL };
  EvoxPreviewOptions preview = { .stride = 8, .func = collect, .user_data = &collected };
  EvoxLoadOptions options = { .bin = 1, .preview = &preview };

  assert_same_voxels (whole, source);
  g_setenv ("EVOX_MEMORY_LIMIT", REDUCED_CAP, TRUE);
  plain = evox_volume_load (path, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  reduced = evox_volume_load_with (path, &options, NULL, NULL, &error);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_reduction (reduced), ==, 2);
  assert_block_means (reduced, whole, 2);
  assert_same_voxels (reduced, plain);

  g_assert_cmpuint (previews->len, ==, 3);
  /* The file's voxels at (8 i, 8 j, 8 k): 9 x 6 x 5. */
  assert_is_downsampling (previews->pdata[0], whole, 8);
  /* The reduced voxels at (4 i, 4 j, 4 k), block means on the same grid, shown as 1:8; then at
   * (2 i, 2 j, 2 k): 17 x 12 x 10, shown as 1:4. */
  assert_is_downsampling (previews->pdata[1], reduced, 4);
  assert_is_downsampling (previews->pdata[2], reduced, 2);
  /* Previews are held whole: no source, and no note saying there is one. */
  for (guint i = 0; i < previews->len; i++)
    {
      g_assert_null (evox_voxel_source_get_attached (previews->pdata[i], NULL));
      g_assert_null (evox_volume_get_metadata (previews->pdata[i], "info.on demand"));
    }
  g_assert_nonnull (evox_volume_get_metadata (reduced, "info.on demand"));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
cancel_on_preview (EvoxVolume *preview,
                   gpointer    user_data)
{
  g_cancellable_cancel (user_data);
}

/* Cancelled from the first preview, the load stops before the pass: cancelled, not the cap. */
static void
test_reduced_preview_cancel (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) source = random_volume_of (EVOX_SAMPLE_U8, 67, 45, 40);
  const ReducedCase c = { "plain", EVOX_TIFF_WRITE_NONE, FALSE };
  g_autofree char *path = write_reduced_case (&c, dir, source);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EvoxVolume) reduced = NULL;
  g_autoptr(GError) error = NULL;
  EvoxPreviewOptions preview = { .stride = 8, .func = cancel_on_preview,
                                 .user_data = cancellable };
  EvoxLoadOptions options = { .bin = 1, .preview = &preview };

  g_setenv ("EVOX_MEMORY_LIMIT", REDUCED_CAP, TRUE);
  reduced = evox_volume_load_with (path, &options, NULL, cancellable, &error);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_assert_null (reduced);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  static const ReducedCase reduced_cases[] = {
    { "plain", EVOX_TIFF_WRITE_NONE, FALSE },
    { "deflate", EVOX_TIFF_WRITE_DEFLATE, FALSE },
    { "hdf5", EVOX_TIFF_WRITE_NONE, TRUE },
  };

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Bigload/plan", test_plan);
  g_test_add_func ("/Evox/Bigload/plan-reduced", test_plan_reduced);
  g_test_add_data_func ("/Evox/Bigload/tiff-preview/plain",
                        GUINT_TO_POINTER (EVOX_TIFF_WRITE_NONE), test_tiff_preview);
  g_test_add_data_func ("/Evox/Bigload/tiff-preview/deflate",
                        GUINT_TO_POINTER (EVOX_TIFF_WRITE_DEFLATE), test_tiff_preview);
  g_test_add_func ("/Evox/Bigload/tiff-preview/scattered-strips", test_tiff_preview_scattered);
  g_test_add_func ("/Evox/Bigload/tiff-preview/rows-dropped", test_tiff_preview_rows_dropped);
  g_test_add_func ("/Evox/Bigload/hdf5-preview", test_hdf5_preview);
  g_test_add_data_func ("/Evox/Bigload/reduced-preview/plain", &reduced_cases[0],
                        test_reduced_preview);
  g_test_add_data_func ("/Evox/Bigload/reduced-preview/deflate", &reduced_cases[1],
                        test_reduced_preview);
  g_test_add_data_func ("/Evox/Bigload/reduced-preview/hdf5", &reduced_cases[2],
                        test_reduced_preview);
  g_test_add_func ("/Evox/Bigload/reduced-preview/cancel", test_reduced_preview_cancel);
  g_test_add_func ("/Evox/Bigload/loader-preview", test_loader_preview);
  g_test_add_func ("/Evox/Bigload/hdf5-missing-chunks", test_hdf5_missing_chunks);
  g_test_add_func ("/Evox/Bigload/disk-space", test_disk_space);
  g_test_add_func ("/Evox/Bigload/hdf5-truncated", test_hdf5_truncated);
  return g_test_run ();
}

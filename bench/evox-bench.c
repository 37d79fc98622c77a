/* evox-bench.c: times Evox's TIFF load, histograms, range counts, frames, labelling, k-means, registration, XANES maps, tomographic reconstruction and jitter alignment (beside references). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox-bench"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <tiffio.h>
#include <unistd.h>
#include <epoxy/gl.h>
#ifdef HAVE_OPENMP
#include <omp.h>
#endif

#include "evox-bricks.h"
#include "evox-demo.h"
#include "evox-gl-context.h"
#include "evox-histogram.h"
#include "evox-image.h"
#include "evox-isosurface.h"
#include "evox-kmeans.h"
#include "evox-labels.h"
#include "evox-loader.h"
#include "evox-mesh-writer.h"
#include "evox-phase.h"
#include "evox-register.h"
#include "evox-register-private.h"
#include "evox-renderer.h"
#include "evox-renderer-private.h"
#include "evox-tiff.h"
#include "evox-tilt-series.h"
#include "evox-tomo.h"
#include "evox-volume.h"
#include "evox-voxel-source.h"
#include "evox-volume-style.h"
#include "evox-xanes.h"

/* Every result is one line on stdout: a record name, then key=value fields without spaces, so
 * run-bench.py (or a person with grep) can read it. Diagnostics go to stderr. */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TIFF, TIFFClose)

static int       opt_runs = 3;
static int       opt_counts = 1000;
static gboolean  opt_no_mmap = FALSE;
static gboolean  opt_bare = FALSE;
static gboolean  opt_hugepages = FALSE;
static char    **opt_ranges = NULL;
static int       opt_frames = 100;
static int       opt_warmup = 10;
static char     *opt_size = NULL;
static char     *opt_view = NULL;
static gboolean  opt_demo = FALSE;
static char     *opt_dump = NULL;
static char     *opt_overlay = NULL;
static int       opt_connectivity = 26;
static double    opt_value = 1.0;
static double    opt_level = NAN;
static char     *opt_mode = NULL;
static char     *opt_ramp = NULL;
static gboolean  opt_interactive = FALSE;
static gboolean  opt_separate = FALSE;
static char     *opt_labels_out = NULL;
static int       opt_preview_stride = 0;
static gboolean  opt_first_preview_only = FALSE;
static int       opt_slice_moves = 0;

static const GOptionEntry bench_entries[] = {
  { "runs", 'n', 0, G_OPTION_ARG_INT, &opt_runs, "Timed repetitions; the best is reported", "N" },
  { "preview-stride", 0, 0, G_OPTION_ARG_INT, &opt_preview_stride,
    "The coarsest preview's stride (big-load; default 0: automatic, 1: none)", "S" },
  { "first-preview-only", 0, 0, G_OPTION_ARG_NONE, &opt_first_preview_only,
    "Cancel the load once the first preview is there (big-load: its time and memory without "
    "the volume's)", NULL },
  { "slice-moves", 0, 0, G_OPTION_ARG_INT, &opt_slice_moves,
    "After the load, time the three slices at --size as the z slice moves by 1 and by 100, N "
    "moves each (big-load; default 0: no frames)", "N" },
  { "counts", 'c', 0, G_OPTION_ARG_INT, &opt_counts, "Random range counts to time (hist)", "N" },
  { "no-mmap", 0, 0, G_OPTION_ARG_NONE, &opt_no_mmap,
    "Open with libtiff's \"rm\" mode: read() instead of a file mapping (bare, rss --bare)", NULL },
  { "hugepages", 0, 0, G_OPTION_ARG_NONE, &opt_hugepages,
    "Back the bare loop's buffer with transparent huge pages, as numpy does (bare)", NULL },
  { "bare", 0, 0, G_OPTION_ARG_NONE, &opt_bare,
    "Measure the bare libtiff loop instead of Evox (rss)", NULL },
  { "range", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &opt_ranges,
    "A range LO:HI to count and print, for checking against numpy (hist; repeatable), or the "
    "range to label (labels; the first)", "LO:HI" },
  { "frames", 0, 0, G_OPTION_ARG_INT, &opt_frames, "Timed frames (render; default 100)", "N" },
  { "warmup", 0, 0, G_OPTION_ARG_INT, &opt_warmup,
    "Frames drawn before timing, after the first (render; default 10)", "N" },
  { "size", 0, 0, G_OPTION_ARG_STRING, &opt_size, "Framebuffer size (render; default 800x600)",
    "WxH" },
  { "view", 0, 0, G_OPTION_ARG_STRING, &opt_view,
    "xyz, x, y, z, stack or volume (render; default xyz)", "VIEW" },
  { "mode", 0, 0, G_OPTION_ARG_STRING, &opt_mode,
    "The Volume view's ray mode: composite, mip, minip, mean or iso (render --view volume; "
    "default composite)", "MODE" },
  { "ramp", 0, 0, G_OPTION_ARG_STRING, &opt_ramp,
    "The opacity curve: 0 at LO rising linearly to A (per voxel length) at HI, in stored values "
    "(render --view volume; default the data's min..max, A 0.1)", "LO:HI:A" },
  { "interactive", 0, 0, G_OPTION_ARG_NONE, &opt_interactive,
    "Draw the Volume view as while the user drags: the coarser sampling "
    "(render --view volume)", NULL },
  { "demo", 0, 0, G_OPTION_ARG_NONE, &opt_demo,
    "Draw the demo SSRM stack (128x128x14) instead of FILE (render)", NULL },
  { "overlay", 0, 0, G_OPTION_ARG_STRING, &opt_overlay,
    "none, phases (three, by thirds of the range), clusters (three, by thirds of the range, "
    "opacity 0.6) or outlines (the clusters with outlines) (render; default none)", "WHAT" },
  { "dump", 0, 0, G_OPTION_ARG_FILENAME, &opt_dump,
    "Write the last timed frame to this PNG or TIFF, to look at (render)", "IMAGE" },
  { "connectivity", 0, 0, G_OPTION_ARG_INT, &opt_connectivity,
    "6, 18 or 26 (labels; default 26)", "C" },
  { "value", 0, 0, G_OPTION_ARG_DOUBLE, &opt_value,
    "The stored value whose voxels are labelled, unless --range is given (labels; default 1)",
    "V" },
  { "separate", 0, 0, G_OPTION_ARG_NONE, &opt_separate,
    "Label each phase with evox_labels_compute, a label volume each, as before the shared "
    "label volume (label-memory)", NULL },
  { "labels-out", 0, 0, G_OPTION_ARG_FILENAME, &opt_labels_out,
    "Also write the label volume there, as `evox segment --labels` does (label-memory)", "FILE" },
  { "level", 0, 0, G_OPTION_ARG_DOUBLE, &opt_level,
    "The level whose surface is found: inside is v >= level (isosurface)", "V" },
  { NULL }
};

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
min_of (const double *t,
        int           n)
{
  double best = t[0];

  for (int i = 1; i < n; i++)
    best = MIN (best, t[i]);
  return best;
}

/* All runs, not only the best, so a noisy machine shows in the record. */
static char *
format_runs (const double *t,
             int           n)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%.6f", i ? "," : "", t[i]);
  return g_string_free (s, FALSE);
}

static char *
describe_volume (EvoxVolume *vol)
{
  gsize dims[3];
  EvoxSampleType type = evox_volume_get_sample_type (vol);
  guint64 bytes = (guint64) evox_volume_get_n_voxels (vol) * evox_sample_type_size (type)
                  * evox_volume_get_n_channels (vol);

  evox_volume_get_dims (vol, dims);
  return g_strdup_printf ("type=%s nx=%zu ny=%zu nz=%zu channels=%u voxels=%zu "
                          "bytes=%" G_GUINT64_FORMAT, evox_sample_type_to_string (type),
                          dims[0], dims[1], dims[2], evox_volume_get_n_channels (vol),
                          evox_volume_get_n_voxels (vol), bytes);
}

/* The reference loop: what libtiff alone does to get every strip of every page into one buffer
 * of the volume's size. The buffer is allocated inside the timed region, as Evox must allocate
 * its volume too; its pages are first touched by the strip reads. */
static guint8 *
bare_read (const char  *path,
           gboolean     no_mmap,
           gboolean     hugepages,
           gsize       *out_size,
           GError     **error)
{
  g_autoptr(TIFF) tif = NULL;
  g_autofree guint8 *buf = NULL;
  guint32 height = 0;
  guint16 planar = PLANARCONFIG_CONTIG;
  guint64 page_bytes, total;
  tdir_t n_dirs;
  gsize off = 0;

  tif = TIFFOpen (path, no_mmap ? "rm" : "r");
  if (tif == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: libtiff cannot open it", path);
      return NULL;
    }
  TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &height);
  TIFFGetFieldDefaulted (tif, TIFFTAG_PLANARCONFIG, &planar);
  if (TIFFIsTiled (tif) || planar != PLANARCONFIG_CONTIG)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "%s: the bare loop reads contiguous strips only", path);
      return NULL;
    }
  n_dirs = TIFFNumberOfDirectories (tif);
  page_bytes = (guint64) TIFFScanlineSize64 (tif) * height;
  total = page_bytes * n_dirs;
  if (hugepages)
    {
      /* Fewer, larger page faults on the fresh buffer; numpy does this for big arrays. */
      gpointer mem = NULL;

      if (posix_memalign (&mem, 2 << 20, total) == 0)
        {
          buf = mem;
          madvise (buf, total, MADV_HUGEPAGE);
        }
    }
  else
    buf = g_try_malloc (total);
  if (buf == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "%s: cannot allocate %" G_GUINT64_FORMAT
                   " bytes", path, total);
      return NULL;
    }

  do
    {
      tstrip_t n_strips = TIFFNumberOfStrips (tif);

      for (tstrip_t s = 0; s < n_strips; s++)
        {
          tmsize_t got = TIFFReadEncodedStrip (tif, s, buf + off, (tmsize_t) (total - off));

          if (got < 0)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "%s: strip %u of page %u cannot be read", path, s,
                           TIFFCurrentDirectory (tif));
              return NULL;
            }
          off += got;
        }
    }
  while (off < total && TIFFReadDirectory (tif));

  if (off != total)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: read %zu of %" G_GUINT64_FORMAT
                   " bytes; pages differ in size", path, off, total);
      return NULL;
    }
  *out_size = total;
  return g_steal_pointer (&buf);
}

static int
run_info (void)
{
  const char *version = TIFFGetVersion ();
  const char *v = strstr (version, "Version ");
  g_autofree char *libtiff = g_strndup (v ? v + 8 : version, strcspn (v ? v + 8 : version, " \n"));
  int threads = 1;

#ifdef HAVE_OPENMP
  threads = omp_get_max_threads ();
#endif
  g_print ("info threads=%d processors=%u openmp=%d libtiff=%s\n", threads,
           g_get_num_processors (),
#ifdef HAVE_OPENMP
           1,
#else
           0,
#endif
           libtiff);
  return 0;
}

static int
run_load (const char *path)
{
  g_autofree double *t = g_new0 (double, opt_runs);
  g_autofree char *desc = NULL;
  g_autofree char *runs = NULL;
  guint64 bytes = 0;

  for (int r = 0; r < opt_runs; r++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) vol = NULL;
      double t0 = now_s ();

      vol = evox_tiff_read (path, NULL, NULL, &error);
      t[r] = now_s () - t0;
      if (vol == NULL)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return 1;
        }
      if (desc == NULL)
        {
          desc = describe_volume (vol);
          bytes = (guint64) evox_volume_get_n_voxels (vol)
                  * evox_sample_type_size (evox_volume_get_sample_type (vol))
                  * evox_volume_get_n_channels (vol);
        }
    }
  runs = format_runs (t, opt_runs);
  g_print ("load %s best_s=%.6f mb_s=%.1f runs_s=%s\n", desc, min_of (t, opt_runs),
           bytes / min_of (t, opt_runs) / 1e6, runs);
  return 0;
}

static int
run_bare (const char *path)
{
  g_autofree double *t = g_new0 (double, opt_runs);
  g_autofree char *runs = NULL;
  gsize bytes = 0;

  TIFFSetWarningHandler (NULL);
  for (int r = 0; r < opt_runs; r++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *buf = NULL;
      double t0 = now_s ();

      buf = bare_read (path, opt_no_mmap, opt_hugepages, &bytes, &error);
      t[r] = now_s () - t0;
      if (buf == NULL)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return 1;
        }
    }
  runs = format_runs (t, opt_runs);
  g_print ("bare mode=%s hugepages=%d bytes=%zu best_s=%.6f mb_s=%.1f runs_s=%s\n",
           opt_no_mmap ? "rm" : "r", opt_hugepages, bytes, min_of (t, opt_runs),
           bytes / min_of (t, opt_runs) / 1e6, runs);
  return 0;
}

static gboolean
parse_range (const char *s,
             double     *lo,
             double     *hi)
{
  char *end = NULL;

  *lo = g_ascii_strtod (s, &end);
  if (end == s || *end != ':')
    return FALSE;
  s = end + 1;
  *hi = g_ascii_strtod (s, &end);
  return end != s && *end == '\0';
}

/* A fresh volume holding the same voxels, so the cached statistics and fine histogram of `vol`
 * can be built again from nothing, exactly as they are after a load. */
static EvoxVolume *
copy_volume (EvoxVolume  *vol,
             GError     **error)
{
  gsize dims[3];
  EvoxSampleType type = evox_volume_get_sample_type (vol);
  g_autoptr(EvoxVolume) copy = NULL;

  evox_volume_get_dims (vol, dims);
  copy = evox_volume_new (dims[0], dims[1], dims[2], 1, type, error);
  if (copy == NULL)
    return NULL;
  memcpy (evox_volume_get_data_mut (copy, 0), evox_volume_get_data (vol, 0),
          evox_volume_get_n_voxels (vol) * evox_sample_type_size (type));
  evox_volume_freeze (copy);
  return g_steal_pointer (&copy);
}

static int
run_hist (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) vol = NULL;
  g_autofree double *t_stats = g_new0 (double, opt_runs);
  g_autofree double *t_fine = g_new0 (double, opt_runs);
  g_autofree double *t_full = g_new0 (double, opt_runs);
  g_autofree double *t_bin = g_new0 (double, opt_runs);
  g_autofree double *t_count = NULL;
  g_autofree char *desc = NULL;
  g_autofree char *runs_full = NULL;
  g_autofree char *runs_bin = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);
  EvoxFineHistogram *fine;
  const EvoxStats *stats;
  EvoxSampleType type;
  gsize dims[3], n_voxels;
  double first_lo = -G_MAXDOUBLE, first_hi = G_MAXDOUBLE;
  double t0, sum_us = 0;
  guint64 first_count, checksum = 0;
  int threads = 1;

#ifdef HAVE_OPENMP
  threads = omp_get_max_threads ();
#endif
  vol = evox_tiff_read (path, NULL, NULL, &error);
  if (vol == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  desc = describe_volume (vol);
  type = evox_volume_get_sample_type (vol);
  evox_volume_get_dims (vol, dims);
  n_voxels = evox_volume_get_n_voxels (vol);

  /* The first count after a load includes building the histogram if the reader left that for
   * later; this is what a user sees on the first slider move. */
  if (opt_ranges != NULL && opt_ranges[0] != NULL &&
      !parse_range (opt_ranges[0], &first_lo, &first_hi))
    {
      g_printerr ("evox-bench: bad range \"%s\", expected LO:HI\n", opt_ranges[0]);
      return 1;
    }
  t0 = now_s ();
  fine = evox_volume_get_fine_histogram (vol, 0);
  first_count = evox_fine_histogram_range_count (fine, first_lo, first_hi);
  g_print ("first-count %s threads=%d us=%.3f count=%" G_GUINT64_FORMAT "\n", desc, threads,
           (now_s () - t0) * 1e6, first_count);
  stats = evox_volume_get_stats (vol, 0);

  for (int r = 0; r < opt_runs; r++)
    {
      g_autoptr(EvoxVolume) copy = copy_volume (vol, &error);
      double t1, t2;

      if (copy == NULL)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return 1;
        }
      t0 = now_s ();
      evox_volume_get_stats (copy, 0);
      t1 = now_s ();
      evox_volume_get_fine_histogram (copy, 0);
      t2 = now_s ();
      t_stats[r] = t1 - t0;
      t_fine[r] = t2 - t1;
      t_full[r] = t2 - t0;
    }
  for (int r = 0; r < opt_runs; r++)
    {
      g_autoptr(EvoxFineHistogram) fh = NULL;

      t0 = now_s ();
      fh = evox_fine_histogram_new (type, evox_volume_get_data (vol, 0), dims[0] * dims[1], dims[2],
                                    stats->min, stats->max);
      t_bin[r] = now_s () - t0;
      if (evox_fine_histogram_get_n_finite (fh) != stats->n_finite)
        {
          g_printerr ("evox-bench: the rebuilt histogram counts %" G_GUINT64_FORMAT
                      " finite voxels, the statistics %" G_GUINT64_FORMAT "\n",
                      evox_fine_histogram_get_n_finite (fh), stats->n_finite);
          return 1;
        }
    }
  {
    /* The best run stands for the kernel; the per-part times are from that same run. */
    int best = 0;

    for (int r = 1; r < opt_runs; r++)
      if (t_full[r] < t_full[best])
        best = r;
    runs_full = format_runs (t_full, opt_runs);
    runs_bin = format_runs (t_bin, opt_runs);
    g_print ("hist-full %s threads=%d stats_s=%.6f fine_s=%.6f best_s=%.6f gvox_s=%.4f runs_s=%s\n",
             desc, threads, t_stats[best], t_fine[best], t_full[best],
             n_voxels / t_full[best] / 1e9, runs_full);
    g_print ("hist-bin %s threads=%d min=%.9g max=%.9g best_s=%.6f gvox_s=%.4f runs_s=%s\n", desc,
             threads, stats->min, stats->max, min_of (t_bin, opt_runs),
             n_voxels / min_of (t_bin, opt_runs) / 1e9, runs_bin);
  }

  if (opt_counts > 0)
    {
      t_count = g_new0 (double, opt_counts);
      for (int i = 0; i < opt_counts; i++)
        {
          double lo = g_rand_double_range (rand, stats->min, stats->max);
          double hi = g_rand_double_range (rand, stats->min, stats->max);

          if (lo > hi)
            {
              double tmp = lo;

              lo = hi;
              hi = tmp;
            }
          if (type != EVOX_SAMPLE_F32)
            {
              lo = floor (lo);
              hi = ceil (hi);
            }
          t0 = now_s ();
          checksum += evox_fine_histogram_range_count (fine, lo, hi);
          t_count[i] = (now_s () - t0) * 1e6;
          sum_us += t_count[i];
        }
      qsort (t_count, opt_counts, sizeof (double), compare_doubles);
      g_print ("range n=%d bins=%u mean_us=%.3f median_us=%.3f max_us=%.3f "
               "checksum=%" G_GUINT64_FORMAT "\n", opt_counts,
               evox_fine_histogram_get_n_bins (fine), sum_us / opt_counts,
               t_count[opt_counts / 2], t_count[opt_counts - 1], checksum);
    }

  for (int i = 0; opt_ranges != NULL && opt_ranges[i] != NULL; i++)
    {
      double lo, hi;
      guint64 count;

      if (!parse_range (opt_ranges[i], &lo, &hi))
        {
          g_printerr ("evox-bench: bad range \"%s\", expected LO:HI\n", opt_ranges[i]);
          return 1;
        }
      t0 = now_s ();
      count = evox_fine_histogram_range_count (fine, lo, hi);
      g_print ("range-check index=%d lo=%.9g hi=%.9g count=%" G_GUINT64_FORMAT " us=%.3f\n", i, lo,
               hi, count, (now_s () - t0) * 1e6);
    }
  return 0;
}

/* A /proc/self/status field in bytes, or 0 when absent. */
static guint64
status_bytes (const char *key)
{
  g_autofree char *contents = NULL;
  g_autofree char *needle = g_strconcat ("\n", key, ":", NULL);
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL))
    return 0;
  line = strstr (contents, needle);
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen (needle), NULL, 10) * 1024;
}

/* Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0), so the peak measured
 * afterwards is the load's own and not the start-up's. */
static gboolean
reset_peak_rss (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");
  gboolean ok;

  if (f == NULL)
    return FALSE;
  ok = fputs ("5", f) >= 0;
  return fclose (f) == 0 && ok;
}

static int
run_rss (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) vol = NULL;
  g_autofree guint8 *buf = NULL;
  guint64 base, peak_load, peak_hist = 0, anon, file, bytes;
  gboolean reset;
  const char *tool;

  /* Touch what libtiff and GLib set up lazily, so the baseline includes them. */
  if (opt_bare)
    TIFFSetWarningHandler (NULL);
  else
    g_type_ensure (EVOX_TYPE_VOLUME);

  reset = reset_peak_rss ();
  base = status_bytes ("VmRSS");
  if (opt_bare)
    {
      gsize size = 0;

      tool = opt_no_mmap ? "bare-rm" : "bare-r";
      buf = bare_read (path, opt_no_mmap, opt_hugepages, &size, &error);
      bytes = size;
    }
  else
    {
      tool = "evox";
      vol = evox_tiff_read (path, NULL, NULL, &error);
      bytes = vol ? (guint64) evox_volume_get_n_voxels (vol)
                    * evox_sample_type_size (evox_volume_get_sample_type (vol))
                    * evox_volume_get_n_channels (vol) : 0;
    }
  if (buf == NULL && vol == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  peak_load = status_bytes ("VmHWM");
  anon = status_bytes ("RssAnon");
  file = status_bytes ("RssFile");
  if (vol != NULL)
    {
      evox_volume_get_fine_histogram (vol, 0);
      evox_volume_get_stats (vol, 0);
      peak_hist = status_bytes ("VmHWM");
    }
  g_print ("rss tool=%s bytes=%" G_GUINT64_FORMAT " hwm_reset=%d base_bytes=%" G_GUINT64_FORMAT
           " peak_bytes=%" G_GUINT64_FORMAT " delta_bytes=%" G_GUINT64_FORMAT
           " peak_with_hist_delta_bytes=%" G_GUINT64_FORMAT " anon_after_bytes=%" G_GUINT64_FORMAT
           " file_after_bytes=%" G_GUINT64_FORMAT "\n",
           tool, bytes, reset, base, peak_load, peak_load - MIN (base, peak_load),
           peak_hist ? peak_hist - MIN (base, peak_hist) : 0, anon, file);
  return 0;
}

typedef struct
{
  double   t0;
  GString *previews;   /* STRIDE:SECONDS:PEAK_BYTES,... */
  double   first_s;
  GCancellable *cancellable;
} BigLoad;

static void
big_load_preview (EvoxVolume *preview,
                  gpointer    user_data)
{
  BigLoad *big = user_data;
  double t = now_s () - big->t0;

  if (big->first_s < 0)
    big->first_s = t;
  if (opt_first_preview_only)
    g_cancellable_cancel (big->cancellable);
  g_string_append_printf (big->previews, "%s%s:%.3f:%" G_GUINT64_FORMAT,
                          big->previews->len > 0 ? "," : "",
                          evox_volume_get_metadata (preview, "preview_stride"), t,
                          status_bytes ("VmHWM"));
}

static int big_slice_frames (EvoxVolume *vol,
                             guint64     bytes);

/* Opening as the window does (evox_volume_load_with, previews on, then the exact statistics
 * and fine histograms): when each preview arrives, when the whole volume is read and when its
 * histograms are done, and the peak resident memory against the volume's size. */
static int
run_big_load (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(GString) previews = g_string_new (NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  BigLoad big = { 0, previews, -1, cancellable };
  EvoxPreviewOptions preview = { .stride = (guint) MAX (opt_preview_stride, 0),
                                 .func = big_load_preview, .user_data = &big };
  EvoxLoadOptions options = { .bin = 1, .preview = &preview };
  guint64 base, peak, bytes;
  double read_s, total_s;
  gboolean reset;

  g_type_ensure (EVOX_TYPE_VOLUME);
  reset = reset_peak_rss ();
  base = status_bytes ("VmRSS");
  big.t0 = now_s ();
  vol = evox_volume_load_with (path, &options, NULL, cancellable, &error);
  read_s = now_s () - big.t0;
  if (opt_first_preview_only && big.first_s >= 0)
    {
      g_print ("big-load first_preview_only=1 first_preview_s=%.3f previews=%s cancelled_s=%.3f "
               "hwm_reset=%d base_bytes=%" G_GUINT64_FORMAT " peak_bytes=%" G_GUINT64_FORMAT
               "\n", big.first_s, previews->str, read_s, reset, base, status_bytes ("VmHWM"));
      return 0;
    }
  if (vol == NULL || !evox_volume_build_histograms (vol, NULL, NULL, &error))
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  total_s = now_s () - big.t0;
  peak = status_bytes ("VmHWM");
  bytes = (guint64) evox_volume_get_n_voxels (vol) *
          evox_sample_type_size (evox_volume_get_sample_type (vol)) *
          evox_volume_get_n_channels (vol);
  g_print ("big-load bytes=%" G_GUINT64_FORMAT " first_preview_s=%.3f previews=%s read_s=%.3f "
           "total_s=%.3f hwm_reset=%d base_bytes=%" G_GUINT64_FORMAT " peak_bytes=%"
           G_GUINT64_FORMAT " peak_over_volume=%.4f\n", bytes, big.first_s,
           previews->len > 0 ? previews->str : "none", read_s, total_s, reset, base, peak,
           (double) peak / (double) bytes);
  return opt_slice_moves > 0 ? big_slice_frames (vol, bytes) : 0;
}

/* Drops FILE's pages from the page cache (its own only), so the next read of it is cold. */
static void
evict_file (const char *path)
{
  int fd = open (path, O_RDONLY);

  if (fd < 0)
    return;
  posix_fadvise (fd, 0, 0, POSIX_FADV_DONTNEED);
  close (fd);
}

/* A file over the memory cap (EVOX_MEMORY_LIMIT from the caller): how long it takes to open
 * reduced (one pass over the file) with automatic previews as the window asks for them, when
 * each preview came, then, each cold, the first full-resolution z plane (what a zoomed pane of
 * the z slice reads: the whole middle plane) and x plane (every page's column: the worst case
 * of a stack of z pages). */
static int
run_ondemand (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) vol = NULL;
  g_autofree guint8 *plane = NULL;
  g_autoptr(GString) previews = g_string_new (NULL);
  BigLoad big = { 0, previews, -1, NULL };
  EvoxPreviewOptions preview = { .stride = (guint) MAX (opt_preview_stride, 0),
                                 .func = big_load_preview, .user_data = &big };
  EvoxLoadOptions options = { .bin = 1, .preview = &preview };
  EvoxVoxelSource *source;
  guint scale = 1;
  gsize dims[3], item;
  double t0, open_s, z_s, x_s;

  g_type_ensure (EVOX_TYPE_VOLUME);
  reset_peak_rss ();
  t0 = now_s ();
  big.t0 = t0;
  vol = evox_volume_load_with (path, &options, NULL, NULL, &error);
  open_s = now_s () - t0;
  if (vol == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  source = evox_voxel_source_get_attached (vol, &scale);
  if (source == NULL)
    {
      g_printerr ("evox-bench: %s fits the memory cap: not held reduced\n", path);
      return 1;
    }
  evox_voxel_source_get_dims (source, dims);
  item = evox_sample_type_size (evox_voxel_source_get_sample_type (source));
  plane = g_malloc (MAX (dims[0] * dims[1], dims[1] * dims[2]) * item);
  evict_file (path);
  t0 = now_s ();
  if (!evox_voxel_source_read_box (source, (gsize[3]) { 0, 0, dims[2] / 2 },
                                   (gsize[3]) { dims[0], dims[1], 1 }, plane, &error))
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  z_s = now_s () - t0;
  evict_file (path);
  t0 = now_s ();
  if (!evox_voxel_source_read_box (source, (gsize[3]) { dims[0] / 2, 0, 0 },
                                   (gsize[3]) { 1, dims[1], dims[2] }, plane, &error))
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  x_s = now_s () - t0;
  g_print ("ondemand scale=%u first_preview_s=%.3f previews=%s open_s=%.3f z_plane_s=%.3f "
           "x_plane_s=%.3f peak_bytes=%" G_GUINT64_FORMAT " cap_bytes=%" G_GUINT64_FORMAT "\n",
           scale, big.first_s, previews->len > 0 ? previews->str : "none", open_s, z_s, x_s,
           status_bytes ("VmHWM"), evox_memory_cap ());
  return 0;
}

/* An offscreen target like the canvas's: colour and depth, no multisampling. */
typedef struct
{
  GLuint framebuffer;
  GLuint colour;
  GLuint depth;
} Target;

static gboolean
target_init (Target *target,
             int     width,
             int     height)
{
  glGenFramebuffers (1, &target->framebuffer);
  glGenRenderbuffers (1, &target->colour);
  glGenRenderbuffers (1, &target->depth);
  glBindRenderbuffer (GL_RENDERBUFFER, target->colour);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, width, height);
  glBindRenderbuffer (GL_RENDERBUFFER, target->depth);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_DEPTH24_STENCIL8, width, height);
  glBindFramebuffer (GL_FRAMEBUFFER, target->framebuffer);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                             target->colour);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER,
                             target->depth);
  return glCheckFramebufferStatus (GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
}

static void
target_clear (Target *target)
{
  glBindFramebuffer (GL_FRAMEBUFFER, 0);
  glDeleteFramebuffers (1, &target->framebuffer);
  glDeleteRenderbuffers (1, &target->colour);
  glDeleteRenderbuffers (1, &target->depth);
}

/* Share of the pixels that differ from the corner: proof that the timed frames drew the volume.
 * With --dump the frame is also written out, rows flipped to top-to-bottom. */
static double
drawn_fraction (int      width,
                int      height,
                GError **error)
{
  g_autofree guint8 *pixels = g_malloc ((gsize) width * height * 4);
  gsize n = (gsize) width * height, drawn = 0, row = (gsize) width * 4;

  glPixelStorei (GL_PACK_ALIGNMENT, 1);
  glReadPixels (0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
  for (gsize i = 0; i < n; i++)
    if (memcmp (pixels + i * 4, pixels, 4) != 0)
      drawn++;
  if (opt_dump != NULL)
    {
      g_autofree guint8 *flipped = g_malloc (n * 4);

      for (int y = 0; y < height; y++)
        memcpy (flipped + y * row, pixels + (gsize) (height - 1 - y) * row, row);
      if (!evox_image_write (opt_dump, flipped, width, height, EVOX_IMAGE_WRITE_OVERWRITE, error))
        return -1;
    }
  return (double) drawn / n;
}

/* Record fields are split at spaces. */
static char *
gl_string (GLenum name)
{
  const char *s = (const char *) glGetString (name);

  return g_strdelimit (g_strdup (s != NULL ? s : "unknown"), " \t\n", '_');
}

/* CPU time of the whole process, every thread (llvmpipe's included): on a busy machine it moves
 * less than the wall clock. */
static double
cpu_now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A headless context, an offscreen target of the frame size and a realized renderer: what both
 * frame benchmarks draw with. */
typedef struct
{
  EvoxGlContext *gl;
  Target         target;
  EvoxRenderer  *renderer;
  char          *gl_renderer;
  char          *gl_version;
} Scene;

static gboolean
scene_start (Scene *scene,
             int    width,
             int    height)
{
  g_autoptr(GError) error = NULL;

  scene->gl = evox_gl_context_new_headless (&error);
  if (scene->gl == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return FALSE;
    }
  if (!target_init (&scene->target, width, height))
    {
      g_printerr ("evox-bench: the %dx%d framebuffer object is incomplete\n", width, height);
      return FALSE;
    }
  scene->gl_renderer = gl_string (GL_RENDERER);
  scene->gl_version = gl_string (GL_VERSION);
  scene->renderer = evox_renderer_new ();
  if (!evox_renderer_realize (scene->renderer, &error))
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

static void
scene_clear (Scene *scene)
{
  if (scene->renderer != NULL)
    evox_renderer_unrealize (scene->renderer);
  if (scene->target.framebuffer != 0)
    target_clear (&scene->target);
  g_clear_object (&scene->renderer);
  g_clear_pointer (&scene->gl_renderer, g_free);
  g_clear_pointer (&scene->gl_version, g_free);
  g_clear_pointer (&scene->gl, evox_gl_context_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Scene, scene_clear)

/* One frame drawn and finished, in ms. */
static double
timed_frame (EvoxRenderer *renderer,
             int           width,
             int           height)
{
  double t0 = now_s ();

  evox_renderer_draw (renderer, width, height);
  evox_renderer_finish (renderer);
  return (now_s () - t0) * 1e3;
}

typedef struct
{
  double median_ms;
  double mean_ms;
  double min_ms;
  double p90_ms;
  double max_ms;
  double cpu_median_ms;   /* CPU time of all threads */
  double drawn;           /* share of the last frame's pixels not background */
} Frames;

/* opt_warmup then opt_frames frames with the camera turning as a user turns it: 1.25 px of drag,
 * 0.5 degree of azimuth, a frame. */
static gboolean
time_frames (EvoxRenderer *renderer,
             int           width,
             int           height,
             Frames       *frames)
{
  g_autoptr(GError) error = NULL;
  g_autofree double *t = g_new0 (double, opt_frames);
  g_autofree double *cpu = g_new0 (double, opt_frames);
  EvoxCamera *camera = evox_renderer_get_camera (renderer);
  double sum = 0;

  for (int i = 0; i < opt_warmup; i++)
    {
      evox_camera_orbit (camera, 1.25, 0);
      timed_frame (renderer, width, height);
    }
  for (int i = 0; i < opt_frames; i++)
    {
      double c0 = cpu_now_s ();

      evox_camera_orbit (camera, 1.25, 0);
      t[i] = timed_frame (renderer, width, height);
      cpu[i] = (cpu_now_s () - c0) * 1e3;
      sum += t[i];
    }
  frames->drawn = drawn_fraction (width, height, &error);
  if (frames->drawn < 0)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return FALSE;
    }
  qsort (t, opt_frames, sizeof (double), compare_doubles);
  qsort (cpu, opt_frames, sizeof (double), compare_doubles);
  frames->median_ms = t[opt_frames / 2];
  frames->mean_ms = sum / opt_frames;
  frames->min_ms = t[0];
  frames->p90_ms = t[opt_frames * 9 / 10];
  frames->max_ms = t[opt_frames - 1];
  frames->cpu_median_ms = cpu[opt_frames / 2];
  return TRUE;
}

/* --mode, --ramp and --interactive: the Volume view's style. The curve is a ramp, as a
 * reference tool's piecewise opacity function is; the record says what was drawn. */
static gboolean
set_volume_style (EvoxRenderer    *renderer,
                  const EvoxStats *stats,
                  char           **described)
{
  g_autoptr(EvoxVolumeStyle) style = evox_volume_style_new ();
  EvoxRayMode mode = EVOX_RAY_COMPOSITE;
  double lo = stats->min, hi = stats->max, alpha = 0.1;

  if (opt_mode != NULL && !evox_ray_mode_from_string (opt_mode, &mode))
    {
      g_printerr ("evox-bench: --mode must be composite, mip, minip, mean or iso\n");
      return FALSE;
    }
  if (opt_ramp != NULL &&
      (sscanf (opt_ramp, "%lf:%lf:%lf", &lo, &hi, &alpha) != 3 || !(lo < hi) ||
       !(alpha >= 0 && alpha <= 1)))
    {
      g_printerr ("evox-bench: --ramp must be LO:HI:A with LO < HI and A from 0 to 1\n");
      return FALSE;
    }
  evox_volume_style_set_mode (style, mode);
  evox_volume_style_set_points (style, (const double[]) { lo, hi }, (const double[]) { 0, alpha },
                                2);
  evox_volume_style_set_iso_level (style, 0.5 * (lo + hi));
  evox_renderer_set_volume_style (renderer, style);
  evox_renderer_set_interactive (renderer, opt_interactive);
  *described = g_strdup_printf (" mode=%s ramp=%g:%g:%g interactive=%d",
                                evox_ray_mode_to_string (mode), lo, hi, alpha,
                                opt_interactive ? 1 : 0);
  return TRUE;
}

/* --overlay: what the frames colour on top of the colour map, for comparing their cost. Three
 * phases or three clusters split the data range in thirds, so both tint the same voxels. */
static gboolean
add_overlay (EvoxRenderer    *renderer,
             EvoxVolume      *vol,
             const EvoxStats *stats)
{
  static const char * const colors[] = { "#1f77b4", "#ff7f0e", "#2ca02c" };
  double third = (stats->max - stats->min) / 3;

  if (opt_overlay == NULL || g_str_equal (opt_overlay, "none"))
    return TRUE;
  if (g_str_equal (opt_overlay, "phases"))
    {
      g_autoptr(EvoxPhaseList) phases = evox_phase_list_new ();

      for (guint i = 0; i < 3; i++)
        {
          g_autofree char *name = g_strdup_printf ("Phase %u", i + 1);
          g_autoptr(EvoxPhase) phase = evox_phase_new (name, stats->min + i * third,
                                                       stats->min + (i + 1) * third, colors[i]);

          evox_phase_list_append (phases, phase);
        }
      evox_renderer_set_phases (renderer, phases, TRUE, FALSE);
      return TRUE;
    }
  if (g_str_equal (opt_overlay, "clusters") || g_str_equal (opt_overlay, "outlines"))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxClusters) clusters = NULL;
      gsize dims[3], n = evox_volume_get_n_voxels (vol);
      guint16 *ids = _evox_alloc_large (n * sizeof (guint16));

      evox_volume_get_dims (vol, dims);
      for (gsize i = 0; i < n; i++)
        {
          double v = evox_volume_get_value (vol, 0, i % dims[0], i / dims[0] % dims[1],
                                            i / (dims[0] * dims[1]));

          ids[i] = isfinite (v) ? (guint16) CLAMP ((int) ((v - stats->min) / third) + 1, 1, 3) : 0;
        }
      clusters = evox_clusters_new_take (dims, ids, 3, 0, NULL, NULL, NULL, NULL, NULL, &error);
      if (clusters == NULL)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return FALSE;
        }
      evox_renderer_set_clusters (renderer, clusters);
      evox_renderer_set_cluster_style (renderer, TRUE, 0.6, g_str_equal (opt_overlay, "outlines"));
      return TRUE;
    }
  g_printerr ("evox-bench: --overlay must be none, phases, clusters or outlines\n");
  return FALSE;
}

static void
bricks_changed (gboolean *changed)
{
  *changed = TRUE;
}

static int
run_render (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) vol = NULL;
  g_auto(Scene) scene = { 0 };
  g_autofree char *desc = NULL;
  g_autofree char *style_desc = NULL;
  const EvoxStats *stats;
  EvoxRenderer *renderer;
  EvoxView view = EVOX_VIEW_SLICES;
  Frames frames;
  int width = 800, height = 600;
  gsize dims[3];
  guint slices[3];
  double first_ms;

  if (opt_size != NULL && sscanf (opt_size, "%dx%d", &width, &height) != 2)
    {
      g_printerr ("evox-bench: --size must be WxH\n");
      return 2;
    }
  if (opt_view != NULL && !evox_view_from_string (opt_view, &view))
    {
      g_printerr ("evox-bench: unknown view \"%s\"\n", opt_view);
      return 2;
    }
  vol = path != NULL ? evox_tiff_read (path, NULL, NULL, &error) : evox_demo_volume_new (10.0);
  if (vol == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  desc = describe_volume (vol);
  stats = evox_volume_get_stats (vol, 0);
  evox_volume_get_dims (vol, dims);

  if (!scene_start (&scene, width, height))
    return 1;
  renderer = scene.renderer;
  evox_renderer_set_volume (renderer, vol, 0);
  evox_renderer_set_colormap (renderer, "viridis");
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LINEAR);
  evox_renderer_set_range (renderer, stats->min, stats->max);
  for (guint axis = 0; axis < 3; axis++)
    slices[axis] = dims[axis] / 2;
  evox_renderer_set_slices (renderer, slices);
  evox_renderer_set_view (renderer, view);

  /* The first frame uploads the volume; it is what opening a file costs on top of the load. */
  if (!add_overlay (renderer, vol, stats))
    return 2;
  if (view == EVOX_VIEW_VOLUME && !set_volume_style (renderer, stats, &style_desc))
    return 2;

  first_ms = timed_frame (renderer, width, height);
  /* A volume drawn from bricks: the window's Volume view casts no rays until a thread has made
   * the pyramid levels they read (when they need one but level 0); wait for it as the window's
   * main loop would. */
  if (_evox_renderer_is_bricked (renderer) && view == EVOX_VIEW_VOLUME &&
      _evox_renderer_get_ray_level (renderer) < 0)
    {
      gboolean changed = FALSE;
      gulong handler = g_signal_connect_swapped (renderer, "changed",
                                                 G_CALLBACK (bricks_changed), &changed);
      double start = now_s ();

      while (!changed && now_s () - start < 600)
        g_main_context_iteration (NULL, TRUE);
      g_signal_handler_disconnect (renderer, handler);
      timed_frame (renderer, width, height);
      g_printerr ("evox-bench: rays through pyramid levels from %d, ready %.3f s after the first "
                  "frame\n", _evox_renderer_get_ray_level (renderer), now_s () - start);
    }
  if (!time_frames (renderer, width, height, &frames))
    return 1;
  g_print ("render %s view=%s overlay=%s width=%d height=%d frames=%d warmup=%d first_ms=%.3f "
           "median_ms=%.3f mean_ms=%.3f min_ms=%.3f p90_ms=%.3f max_ms=%.3f "
           "cpu_median_ms=%.3f drawn=%.3f gl_renderer=%s gl_version=%s%s\n", desc,
           evox_view_to_string (view), opt_overlay != NULL ? opt_overlay : "none", width, height,
           opt_frames, opt_warmup, first_ms, frames.median_ms, frames.mean_ms, frames.min_ms,
           frames.p90_ms, frames.max_ms, frames.cpu_median_ms, frames.drawn, scene.gl_renderer, scene.gl_version,
           style_desc != NULL ? style_desc : "");
  return 0;
}

/* Steady frames drawn after each slice move, nothing changed: what the canvas redraws while the
 * user looks. */
#define STEADY_FRAMES 3

static double
median_of (double *t,
           int     n)
{
  qsort (t, n, sizeof (double), compare_doubles);
  return t[n / 2];
}

/* The loaded volume's three slices, as the Slices view draws them, while the z slice moves by
 * STEP, opt_slice_moves times from the middle: the first frame after each move (it uploads the
 * new plane, tile by tile on a bricked volume) and the steady frames after it. */
static void
time_slice_moves (EvoxRenderer *renderer,
                  const gsize   dims[3],
                  guint         step,
                  int           width,
                  int           height,
                  double       *moved,
                  double       *steady)
{
  guint slices[3] = { dims[0] / 2, dims[1] / 2, dims[2] / 2 };

  for (int m = 0; m < opt_slice_moves; m++)
    {
      slices[2] = (slices[2] + step) % dims[2];
      evox_renderer_set_slices (renderer, slices);
      moved[m] = timed_frame (renderer, width, height);
      for (int f = 0; f < STEADY_FRAMES; f++)
        steady[m * STEADY_FRAMES + f] = timed_frame (renderer, width, height);
    }
}

/* big-load --slice-moves: frames of the volume just loaded, in the same process (a 2048^3
 * volume is read once), after its peak was taken. VmHWM is read again after the frames: the
 * renderer's own memory (llvmpipe keeps textures in RAM) comes on top of the load's. */
static int
big_slice_frames (EvoxVolume *vol,
                  guint64     bytes)
{
  static const guint steps[] = { 1, 100 };
  g_autoptr(GError) error = NULL;
  g_auto(Scene) scene = { 0 };
  g_autofree double *moved = g_new (double, opt_slice_moves);
  g_autofree double *steady = g_new (double, opt_slice_moves * STEADY_FRAMES);
  const EvoxStats *stats = evox_volume_get_stats (vol, 0);
  EvoxRenderer *renderer;
  int width = 800, height = 600;
  gsize dims[3];
  guint slices[3];
  double first_ms, drawn;

  if (opt_size != NULL && sscanf (opt_size, "%dx%d", &width, &height) != 2)
    {
      g_printerr ("evox-bench: --size must be WxH\n");
      return 2;
    }
  if (!scene_start (&scene, width, height))
    return 1;
  renderer = scene.renderer;
  evox_volume_get_dims (vol, dims);
  for (guint axis = 0; axis < 3; axis++)
    slices[axis] = dims[axis] / 2;
  evox_renderer_set_volume (renderer, vol, 0);
  evox_renderer_set_colormap (renderer, "viridis");
  evox_renderer_set_mapping (renderer, EVOX_MAPPING_LINEAR);
  evox_renderer_set_range (renderer, stats->min, stats->max);
  evox_renderer_set_slices (renderer, slices);
  evox_renderer_set_view (renderer, EVOX_VIEW_SLICES);
  first_ms = timed_frame (renderer, width, height);

  for (guint k = 0; k < G_N_ELEMENTS (steps); k++)
    {
      int n_steady = opt_slice_moves * STEADY_FRAMES;

      time_slice_moves (renderer, dims, steps[k], width, height, moved, steady);
      drawn = drawn_fraction (width, height, &error);
      if (drawn < 0)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return 1;
        }
      qsort (moved, opt_slice_moves, sizeof (double), compare_doubles);
      g_print ("big-frames step=%u moves=%d width=%d height=%d bricked=%d first_frame_ms=%.3f "
               "new_median_ms=%.3f new_p90_ms=%.3f new_max_ms=%.3f steady_median_ms=%.3f "
               "drawn=%.3f peak_bytes=%" G_GUINT64_FORMAT " peak_over_volume=%.4f "
               "gl_renderer=%s\n", steps[k], opt_slice_moves, width, height,
               _evox_renderer_is_bricked (renderer) ? 1 : 0, first_ms,
               moved[opt_slice_moves / 2], moved[opt_slice_moves * 9 / 10],
               moved[opt_slice_moves - 1], median_of (steady, n_steady), drawn,
               status_bytes ("VmHWM"), (double) status_bytes ("VmHWM") / (double) bytes,
               scene.gl_renderer);
    }
  return 0;
}

/* One level of the bricks' pyramid (2 x 2 x 2 means) from the whole volume: the work a volume
 * beyond the GPU's texture size costs before its Volume view can cast rays (bench/README.md has
 * the numpy line it is timed beside). */
static int
run_pyramid (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) vol = evox_tiff_read (path, NULL, NULL, &error);
  g_autofree char *desc = NULL;
  g_autofree double *t = NULL;
  double checksum = 0.0;

  if (vol == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  desc = describe_volume (vol);
  t = g_new (double, opt_runs);
  for (int r = 0; r < opt_runs; r++)
    {
      g_autoptr(EvoxVolume) level = NULL;
      double start = now_s ();

      level = _evox_bricks_downsample (vol, 0);
      t[r] = now_s () - start;
      if (level == NULL)
        return 1;
      checksum = evox_volume_get_value (level, 0, 0, 0, 0);
    }
  g_print ("pyramid %s best_s=%.4f gvox_per_s=%.3f first_value=%g runs=%s\n", desc,
           min_of (t, opt_runs), evox_volume_get_n_voxels (vol) / min_of (t, opt_runs) / 1e9,
           checksum, format_runs (t, opt_runs));
  return 0;
}

/* A large output buffer as numpy allocates one (and so scipy's label array): 2 MiB-aligned and
 * madvise(MADV_HUGEPAGE)d, as evox_labels_compute allocates its label volume. */
static gpointer
alloc_like_numpy (gsize bytes)
{
  gpointer mem = NULL;

  if (posix_memalign (&mem, 2 << 20, MAX (bytes, 1)) != 0)
    g_error ("cannot allocate %zu bytes", bytes);
  madvise (mem, bytes, MADV_HUGEPAGE);
  return mem;
}

/* The kernel on a prebuilt mask (output allocated inside the timed region, as
 * scipy.ndimage.label allocates its own, and the same way), then evox_labels_compute end to end: range test,
 * labelling, statistics of every particle and the label volume. */
static int
run_labels (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) vol = evox_tiff_read (path, NULL, NULL, &error);
  g_autofree double *t_kernel = g_new0 (double, opt_runs);
  g_autofree double *t_compute = g_new0 (double, opt_runs);
  g_autofree guint8 *mask = NULL;
  g_autofree char *desc = NULL;
  g_autofree char *kernel_runs = NULL;
  g_autofree char *compute_runs = NULL;
  guint32 components = 0;
  guint particles = 0, found = 0;
  gsize dims[3], n;
  int threads = 1;
  double lo = opt_value, hi = opt_value;

  if (vol == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  if (!evox_connectivity_is_valid (opt_connectivity))
    {
      g_printerr ("evox-bench: connectivity must be 6, 18 or 26\n");
      return 2;
    }
  if (opt_ranges != NULL && opt_ranges[0] != NULL && !parse_range (opt_ranges[0], &lo, &hi))
    {
      g_printerr ("evox-bench: --range takes LO:HI\n");
      return 2;
    }
#ifdef HAVE_OPENMP
  threads = omp_get_max_threads ();
#endif
  desc = describe_volume (vol);
  evox_volume_get_dims (vol, dims);
  n = evox_volume_get_n_voxels (vol);
  mask = g_new (guint8, n);
  for (gsize i = 0; i < n; i++)
    {
      double v = evox_volume_get_value (vol, 0, i % dims[0], (i / dims[0]) % dims[1],
                                        i / (dims[0] * dims[1]));

      mask[i] = v >= lo && v <= hi;
    }

  for (int r = 0; r < opt_runs; r++)
    {
      double t0 = now_s ();
      g_autofree guint32 *labels = alloc_like_numpy (n * sizeof (guint32));

      if (!evox_label_components (mask, dims, opt_connectivity, labels, &components, NULL,
                                  NULL, &error))
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return 1;
        }
      t_kernel[r] = now_s () - t0;
    }
  for (int r = 0; r < opt_runs; r++)
    {
      double t0 = now_s ();
      g_autoptr(EvoxLabels) labels = evox_labels_compute (vol, 0, NULL, lo, hi,
                                                          opt_connectivity, 0, NULL, NULL,
                                                          &error);

      if (labels == NULL)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return 1;
        }
      t_compute[r] = now_s () - t0;
      particles = evox_labels_get_n_particles (labels);
      found = evox_labels_get_n_found (labels);
    }
  if (particles != components || found != components)
    {
      g_printerr ("evox-bench: the kernel found %u components, evox_labels_compute %u\n",
                  components, particles);
      return 1;
    }
  kernel_runs = format_runs (t_kernel, opt_runs);
  compute_runs = format_runs (t_compute, opt_runs);
  g_print ("labels %s lo=%g hi=%g connectivity=%d threads=%d components=%u kernel_s=%.6f "
           "kernel_mvox_s=%.1f kernel_runs_s=%s compute_s=%.6f compute_mvox_s=%.1f "
           "particles_s=%.0f compute_runs_s=%s\n", desc, lo, hi, opt_connectivity, threads,
           components, min_of (t_kernel, opt_runs), n / min_of (t_kernel, opt_runs) / 1e6,
           kernel_runs, min_of (t_compute, opt_runs), n / min_of (t_compute, opt_runs) / 1e6,
           particles / min_of (t_compute, opt_runs), compute_runs);
  return 0;
}

/* Peak memory of labelling several phases (each --range LO:HI, at least one) as `evox segment
 * --labels` does, from before the load: the volume, the labels and the TIFF writer. */
static int
run_label_memory (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autofree double *lo = NULL;
  g_autofree double *hi = NULL;
  guint n_phases = opt_ranges != NULL ? g_strv_length (opt_ranges) : 0;
  guint64 base, peak, bytes, particles = 0;
  gboolean reset;

  if (n_phases == 0 || !evox_connectivity_is_valid (opt_connectivity))
    {
      g_printerr ("evox-bench: label-memory needs --range LO:HI (repeatable) and a "
                  "connectivity of 6, 18 or 26\n");
      return 2;
    }
  lo = g_new (double, n_phases);
  hi = g_new (double, n_phases);
  for (guint k = 0; k < n_phases; k++)
    if (!parse_range (opt_ranges[k], &lo[k], &hi[k]))
      {
        g_printerr ("evox-bench: bad range \"%s\", expected LO:HI\n", opt_ranges[k]);
        return 2;
      }
  /* What GLib and libtiff set up lazily belongs to the baseline. */
  g_type_ensure (EVOX_TYPE_VOLUME);
  g_type_ensure (EVOX_TYPE_LABELS);
  reset = reset_peak_rss ();
  base = status_bytes ("VmRSS");

  vol = evox_tiff_read (path, NULL, NULL, &error);
  if (vol == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  bytes = (guint64) evox_volume_get_n_voxels (vol) *
          evox_sample_type_size (evox_volume_get_sample_type (vol)) *
          evox_volume_get_n_channels (vol);
  if (opt_separate)
    {
      all = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint k = 0; k < n_phases; k++)
        {
          EvoxLabels *labels = evox_labels_compute (vol, 0, NULL, lo[k], hi[k],
                                                    opt_connectivity, 0, NULL, NULL, &error);
          if (labels == NULL)
            break;
          g_ptr_array_add (all, labels);
        }
      if (error != NULL)
        g_clear_pointer (&all, g_ptr_array_unref);
    }
  else
    all = evox_labels_compute_phases (vol, 0, n_phases, NULL, lo, hi, opt_connectivity, 0, NULL,
                                      NULL, &error);
  if (all == NULL ||
      (opt_labels_out != NULL &&
       !evox_tiff_write_labels (opt_labels_out, (EvoxLabels * const *) all->pdata, all->len, 0,
                                EVOX_TIFF_WRITE_OVERWRITE, &error)))
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  peak = status_bytes ("VmHWM");
  for (guint k = 0; k < all->len; k++)
    particles += evox_labels_get_n_particles (all->pdata[k]);
  g_print ("label-memory mode=%s phases=%u connectivity=%d particles=%" G_GUINT64_FORMAT
           " written=%d bytes=%" G_GUINT64_FORMAT " hwm_reset=%d base_bytes=%" G_GUINT64_FORMAT
           " peak_bytes=%" G_GUINT64_FORMAT " peak_over_volume=%.3f\n",
           opt_separate ? "separate" : "shared", n_phases, opt_connectivity, particles,
           opt_labels_out != NULL, bytes, reset, base, peak,
           (double) (peak - MIN (base, peak)) / (double) MAX (bytes, 1));
  return 0;
}

/* The flying-edges kernel alone (flags DEFAULT, as vtkFlyingEdges3D contours: no closing at the
 * border) on channel 0, the mesh with its normals allocated inside the timed region. */
static int
run_isosurface (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) vol = evox_tiff_read (path, NULL, NULL, &error);
  g_autofree double *t = g_new0 (double, opt_runs);
  g_autofree double *t_mesh = g_new0 (double, opt_runs);
  g_autofree char *desc = NULL;
  g_autofree char *runs = NULL;
  EvoxField field = { 0, };
  gsize n_vertices = 0, n_triangles = 0;
  int threads = 1;

  if (vol == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  if (isnan (opt_level))
    {
      g_printerr ("evox-bench: isosurface needs --level V\n");
      return 2;
    }
#ifdef HAVE_OPENMP
  threads = omp_get_max_threads ();
#endif
  desc = describe_volume (vol);
  field.data = evox_volume_get_data (vol, 0);
  field.type = evox_volume_get_sample_type (vol);
  evox_volume_get_dims (vol, field.dims);
  evox_volume_get_spacing (vol, field.spacing);
  evox_volume_get_origin (vol, field.origin);
  for (int r = 0; r < opt_runs; r++)
    {
      double t0 = now_s ();
      g_autoptr(EvoxMesh) mesh = evox_flying_edges (&field, opt_level, EVOX_FLYING_EDGES_DEFAULT,
                                                    NULL, NULL, &error);

      if (mesh == NULL)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return 1;
        }
      t[r] = now_s () - t0;
      n_vertices = evox_mesh_get_n_vertices (mesh);
      n_triangles = evox_mesh_get_n_triangles (mesh);

      /* What of that is EvoxMesh's own construction (index check, bounds, area and enclosed
       * volume), timed again on copies of the arrays. */
      {
        float *positions = g_memdup2 (evox_mesh_get_positions (mesh),
                                      MAX (3 * n_vertices * sizeof (float), 1));
        float *normals = g_memdup2 (evox_mesh_get_normals (mesh),
                                    MAX (3 * n_vertices * sizeof (float), 1));
        guint32 *triangles = g_memdup2 (evox_mesh_get_triangles (mesh),
                                        MAX (3 * n_triangles * sizeof (guint32), 1));
        double t1 = now_s ();
        g_autoptr(EvoxMesh) copy = evox_mesh_new_take (positions, normals, NULL, n_vertices,
                                                       triangles, n_triangles, FALSE);

        t_mesh[r] = now_s () - t1;
      }
    }
  runs = format_runs (t, opt_runs);
  g_print ("isosurface %s level=%g threads=%d triangles=%zu vertices=%zu kernel_s=%.6f "
           "kernel_mvox_s=%.1f kernel_runs_s=%s mesh_new_s=%.6f\n", desc, opt_level, threads,
           n_triangles, n_vertices, min_of (t, opt_runs),
           evox_volume_get_n_voxels (vol) / min_of (t, opt_runs) / 1e6, runs,
           min_of (t_mesh, opt_runs));
  return 0;
}

/* mesh-render: frames of one surface, opaque or translucent, beside VTK drawing the same mesh
 * (run-bench.py --mesh-render). The mesh is the flying-edges surface of a gyroid, a triply
 * periodic sheet that fills the box as an electrode's phases do, so rays cross it many times
 * (what translucency has to blend) and the triangle count follows the grid and the period. */

static int      opt_mesh_grid = 128;
static double   opt_mesh_period = 24.0;
static double   opt_opacity = 1.0;
static char    *opt_ply = NULL;

static const GOptionEntry mesh_render_entries[] = {
  { "mesh-grid", 0, 0, G_OPTION_ARG_INT, &opt_mesh_grid,
    "Voxels along each side of the gyroid contoured (mesh-render; default 128)", "N" },
  { "mesh-period", 0, 0, G_OPTION_ARG_DOUBLE, &opt_mesh_period,
    "The gyroid's period in voxels (mesh-render; default 24)", "P" },
  { "opacity", 0, 0, G_OPTION_ARG_DOUBLE, &opt_opacity,
    "The surface's opacity: 1 draws it opaque, less blends it (mesh-render; default 1)", "A" },
  { "ply", 0, 0, G_OPTION_ARG_FILENAME, &opt_ply,
    "Also write the mesh to this binary PLY, for VTK (mesh-render)", "FILE" },
  { NULL }
};


/* sin x cos y + sin y cos z + sin z cos x on a grid of 10 nm voxels. */
static EvoxVolume *
gyroid_volume_new (guint    n,
                   double   period,
                   GError **error)
{
  EvoxVolume *vol = evox_volume_new (n, n, n, 1, EVOX_SAMPLE_F32, error);
  double k = 2 * G_PI / period;
  float *data;

  if (vol == NULL)
    return NULL;
  data = evox_volume_get_data_mut (vol, 0);
#pragma omp parallel for schedule(static)
  for (guint z = 0; z < n; z++)
    for (guint y = 0; y < n; y++)
      for (guint x = 0; x < n; x++)
        data[((gsize) z * n + y) * n + x] =
          (float) (sin (k * x) * cos (k * y) + sin (k * y) * cos (k * z) +
                   sin (k * z) * cos (k * x));
  evox_volume_set_spacing (vol, (double[3]) { 10.0, 10.0, 10.0 });
  return vol;
}

/* A 2 x 2 x 2 volume of NaN (nothing drawn on its slices) whose box is vol's: the renderer frames
 * and draws the surface with only the box's lines around it, as VTK draws the mesh alone. */
static EvoxVolume *
empty_volume_like (EvoxVolume *vol)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *empty = evox_volume_new (2, 2, 2, 1, EVOX_SAMPLE_F32, &error);
  double spacing[3], origin[3], half[3], start[3];
  gsize dims[3];
  float *data;

  g_assert (empty != NULL);
  evox_volume_get_dims (vol, dims);
  evox_volume_get_spacing (vol, spacing);
  evox_volume_get_origin (vol, origin);
  data = evox_volume_get_data_mut (empty, 0);
  for (guint i = 0; i < 8; i++)
    data[i] = NAN;
  for (guint a = 0; a < 3; a++)
    {
      /* The box runs from origin - spacing / 2 over dims voxels, in two voxels here. */
      half[a] = spacing[a] * dims[a] / 2.0;
      start[a] = origin[a] - spacing[a] / 2.0;
      origin[a] = start[a] + half[a] / 2.0;
    }
  evox_volume_set_spacing (empty, half);
  evox_volume_set_origin (empty, origin);
  return empty;
}

static int
run_mesh_render (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxVolume) empty = NULL;
  g_autoptr(EvoxMesh) mesh = NULL;
  g_autoptr(EvoxSurface) surface = NULL;
  g_autoptr(EvoxSurfaceList) surfaces = NULL;
  g_auto(Scene) scene = { 0 };
  EvoxSurfaceSpec spec = { .kind = EVOX_SURFACE_LEVEL, .level = 0.0 };
  EvoxField field = { 0, };
  EvoxRenderer *renderer;
  Frames frames;
  int width = 800, height = 600;
  double t0, contour_s, first_ms, recolour_ms;

  if (opt_size != NULL && sscanf (opt_size, "%dx%d", &width, &height) != 2)
    {
      g_printerr ("evox-bench: --size must be WxH\n");
      return 2;
    }
  if (opt_mesh_grid < 4 || opt_mesh_grid > 2048 || !(opt_mesh_period > 1) ||
      !(opt_opacity > 0 && opt_opacity <= 1))
    {
      g_printerr ("evox-bench: --mesh-grid must be 4..2048, --mesh-period above 1 and "
                  "--opacity in (0, 1]\n");
      return 2;
    }

  vol = gyroid_volume_new ((guint) opt_mesh_grid, opt_mesh_period, &error);
  if (vol == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  field.data = evox_volume_get_data (vol, 0);
  field.type = EVOX_SAMPLE_F32;
  evox_volume_get_dims (vol, field.dims);
  evox_volume_get_spacing (vol, field.spacing);
  evox_volume_get_origin (vol, field.origin);
  t0 = now_s ();
  mesh = evox_flying_edges (&field, 0.0, EVOX_FLYING_EDGES_DEFAULT, NULL, NULL, &error);
  contour_s = now_s () - t0;
  if (mesh == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  if (opt_ply != NULL &&
      !evox_mesh_write (mesh, opt_ply, EVOX_MESH_FORMAT_PLY, NULL, TRUE, &error))
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }

  if (!scene_start (&scene, width, height))
    return 1;
  renderer = scene.renderer;
  empty = empty_volume_like (vol);
  evox_renderer_set_volume (renderer, empty, 0);
  surface = evox_surface_new ("gyroid", &spec, "#d9a640");
  evox_surface_set_opacity (surface, opt_opacity);
  _evox_surface_begin_build (surface, NULL);
  _evox_surface_end_build (surface, mesh, NULL);
  surfaces = evox_surface_list_new ();
  evox_surface_list_append (surfaces, surface);
  evox_renderer_set_surfaces (renderer, surfaces);

  /* The first frame uploads the mesh; a new colour is one frame and no upload. */
  first_ms = timed_frame (renderer, width, height);
  evox_surface_set_color (surface, "#c8b070");
  recolour_ms = timed_frame (renderer, width, height);
  if (!time_frames (renderer, width, height, &frames))
    return 1;
  g_print ("mesh-render grid=%d period=%g triangles=%zu vertices=%zu contour_s=%.3f opacity=%g "
           "width=%d height=%d frames=%d warmup=%d first_ms=%.3f recolour_ms=%.3f "
           "median_ms=%.3f mean_ms=%.3f min_ms=%.3f p90_ms=%.3f max_ms=%.3f cpu_median_ms=%.3f "
           "drawn=%.3f gl_renderer=%s gl_version=%s\n", opt_mesh_grid, opt_mesh_period,
           evox_mesh_get_n_triangles (mesh), evox_mesh_get_n_vertices (mesh), contour_s,
           opt_opacity, width, height, opt_frames, opt_warmup, first_ms, recolour_ms,
           frames.median_ms, frames.mean_ms, frames.min_ms, frames.p90_ms, frames.max_ms,
           frames.cpu_median_ms, frames.drawn, scene.gl_renderer, scene.gl_version);
  return 0;
}

/* k-means (run-bench.py --kmeans) on FILE: n rows of d float32, raw and row-major as numpy's
 * tofile writes them (--shape NxD). With --init (k rows of d float64, raw) one run starts from
 * those centres, for the time per Lloyd iteration; with --sweep K the sweep k = 1..K; otherwise
 * a whole run from greedy k-means++ with Evox's defaults (k-means++ on a 100,000-point sample). */

static int      opt_k = 8;
static char    *opt_shape = NULL;
static char    *opt_init = NULL;
static int      opt_max_iter = 0;
static double   opt_tol = 1e-4;
static int      opt_restarts = -1;
static int      opt_seed = 0;
static int      opt_sweep = 0;
static int      opt_sweep_sample = 100000;

static const GOptionEntry kmeans_entries[] = {
  { "k", 0, 0, G_OPTION_ARG_INT, &opt_k, "Clusters (kmeans; default 8)", "K" },
  { "shape", 0, 0, G_OPTION_ARG_STRING, &opt_shape, "Rows and columns of FILE (kmeans)", "NxD" },
  { "init", 0, 0, G_OPTION_ARG_FILENAME, &opt_init,
    "Start centres, k x d raw float64 (kmeans: one run from them)", "FILE" },
  { "max-iter", 0, 0, G_OPTION_ARG_INT, &opt_max_iter, "Lloyd iterations at most (kmeans)", "N" },
  { "tol", 0, 0, G_OPTION_ARG_DOUBLE, &opt_tol,
    "Relative tolerance; negative: stop only when no label changes (kmeans; default 1e-4)", "T" },
  { "restarts", 0, 0, G_OPTION_ARG_INT, &opt_restarts, "k-means++ restarts (kmeans; default 1, the sweep 4 as Evox)",
    "N" },
  { "seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "Seed (kmeans; default 0)", "S" },
  { "sweep", 0, 0, G_OPTION_ARG_INT, &opt_sweep, "Sweep k = 1..K instead (kmeans)", "K" },
  { "sweep-sample", 0, 0, G_OPTION_ARG_INT, &opt_sweep_sample,
    "Points the sweep clusters (kmeans --sweep; default 100000, 0 all)", "N" },
  { NULL }
};

static int
run_kmeans (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *init = NULL;
  g_autofree double *t = g_new0 (double, opt_runs);
  g_autofree char *runs = NULL;
  EvoxKmeansParams params;
  gsize len = 0, init_len = 0, n = 0;
  guint d = 0;
  int threads = 1;
  gint64 rows = 0, cols = 0;

  if (opt_shape == NULL || sscanf (opt_shape, "%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, &rows,
                                   &cols) != 2 || rows < 1 || cols < 1 || opt_k < 1)
    {
      g_printerr ("evox-bench: kmeans needs --shape NxD and k >= 1\n");
      return 2;
    }
  n = rows;
  d = cols;
  if (!g_file_get_contents (path, &data, &len, &error) ||
      (opt_init != NULL && !g_file_get_contents (opt_init, &init, &init_len, &error)))
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  if (len != n * d * sizeof (float) ||
      (init != NULL && init_len != (gsize) opt_k * d * sizeof (double)))
    {
      g_printerr ("evox-bench: %s is not %zu x %u float32, or the centres not %d x %u float64\n",
                  path, n, d, opt_k, d);
      return 1;
    }
#ifdef HAVE_OPENMP
  threads = omp_get_max_threads ();
#endif
  evox_kmeans_params_init (&params);
  params.k = opt_k;
  params.seed = opt_seed;
  if (opt_restarts >= 0)
    params.restarts = opt_restarts;
  else if (opt_sweep == 0)
    params.restarts = 1;
  params.max_iter = opt_max_iter;
  params.tol = opt_tol < 0 ? -1.0 : opt_tol;

  if (opt_sweep > 0)
    {
      g_autoptr(EvoxKmeansSweep) sweep = NULL;
      g_autoptr(GString) inertia = g_string_new (NULL);

      for (int r = 0; r < opt_runs; r++)
        {
          double t0 = now_s ();

          g_clear_pointer (&sweep, evox_kmeans_sweep_free);
          sweep = evox_kmeans_sweep ((const float *) data, n, d, opt_sweep, opt_sweep_sample,
                                     &params, NULL, NULL, &error);
          if (sweep == NULL)
            {
              g_printerr ("evox-bench: %s\n", error->message);
              return 1;
            }
          t[r] = now_s () - t0;
        }
      for (guint k = 0; k < sweep->n_rows; k++)
        g_string_append_printf (inertia, "%s%.6g", k > 0 ? "," : "", sweep->rows[k].inertia);
      runs = format_runs (t, opt_runs);
      g_print ("kmeans-sweep n=%zu d=%u k_max=%d sample=%zu restarts=%u threads=%d s=%.6f "
               "knee=%d inertia=%s runs_s=%s\n", n, d, opt_sweep, sweep->n_sampled,
               params.restarts, threads, min_of (t, opt_runs), sweep->knee_k, inertia->str, runs);
      return 0;
    }

  {
    g_autoptr(EvoxKmeansResult) result = NULL;

    for (int r = 0; r < opt_runs; r++)
      {
        double t0 = now_s ();

        g_clear_pointer (&result, evox_kmeans_result_free);
        result = evox_kmeans_run ((const float *) data, n, d, &params, (const double *) init,
                                  NULL, NULL, &error);
        if (result == NULL)
          {
            g_printerr ("evox-bench: %s\n", error->message);
            return 1;
          }
        t[r] = now_s () - t0;
      }
    runs = format_runs (t, opt_runs);
    g_print ("%s n=%zu d=%u k=%d threads=%d init_sample=%zu n_iter=%u s=%.6f s_per_iter=%.6f "
             "inertia=%.10g runs_s=%s\n", init != NULL ? "kmeans-iter" : "kmeans-run", n, d,
             opt_k, threads, init != NULL ? 0 : MIN (n, (gsize) params.init_sample),
             result->n_iter, min_of (t, opt_runs), min_of (t, opt_runs) / MAX (result->n_iter, 1),
             result->inertia, runs);
  }
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* register: per image, what evox_register_stack does with --scale energy to register an image to
 * its target (_evox_register_translate: the scale from the energy ratio, the windowed phase
 * correlation's pixel, the plain correlation around it to 1/20 px, once more with the window
 * moved by the shift) against the reference (the highest energy), and the one resampling with
 * scale and shift that makes the registered image: the work of skimage's
 * phase_cross_correlation (upsample_factor=20) plus scipy.ndimage's zoom and shift, which
 * run-bench.py times beside it on the same images. */

static int      opt_images = 67;
static int      opt_dims = 2;
static char    *opt_energies = NULL;
static gboolean opt_stack = FALSE;
static char    *opt_scale = NULL;

static const GOptionEntry register_entries[] = {
  { "images", 0, 0, G_OPTION_ARG_INT, &opt_images,
    "Images (register: synthetic ones when no FILE; default 67)", "N" },
  { "dims", 0, 0, G_OPTION_ARG_INT, &opt_dims, "2: S x S images, 3: S^3 volumes (register)", "D" },
  { "energies", 0, 0, G_OPTION_ARG_STRING, &opt_energies,
    "Energies in eV, comma-separated or a text file of them, one per image (register, with a "
    ".npy FILE; default 8250..8570 evenly)", "LIST|FILE" },
  { "stack", 0, 0, G_OPTION_ARG_NONE, &opt_stack,
    "Also time evox_register_stack (scale \"energy\": chain, anchors, report) on the images "
    "(register)", NULL },
  { "scale", 0, 0, G_OPTION_ARG_STRING, &opt_scale,
    "fit, energy or none (register --stack; default energy)", "MODE" },
  { NULL }
};

/* A numpy .npy file (version 1 or 2, C order, u1, u2, f4 or f8, little-endian) as floats. */
static float *
read_npy (const char *path,
          gsize      *shape,
          guint      *ndim,
          GError    **error)
{
  g_autofree char *contents = NULL;
  gsize length, header_len, offset, n = 1, size;
  g_autofree char *header = NULL;
  const char *descr, *p;
  float *out;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  if (length < 10 || memcmp (contents, "\x93NUMPY", 6) != 0)
    goto bad;
  if (contents[6] == 1)
    {
      header_len = (guint8) contents[8] | ((gsize) (guint8) contents[9] << 8);
      offset = 10;
    }
  else
    {
      if (length < 12)
        goto bad;
      header_len = (guint8) contents[8] | ((gsize) (guint8) contents[9] << 8)
                   | ((gsize) (guint8) contents[10] << 16) | ((gsize) (guint8) contents[11] << 24);
      offset = 12;
    }
  if (offset + header_len > length)
    goto bad;
  header = g_strndup (contents + offset, header_len);
  offset += header_len;
  if (strstr (header, "'fortran_order': True") != NULL || (descr = strstr (header, "'descr': '")) == NULL
      || (p = strstr (header, "'shape': (")) == NULL)
    goto bad;
  descr += strlen ("'descr': '");
  p += strlen ("'shape': (");
  *ndim = 0;
  while (*p != ')' && *ndim < 4)
    {
      char *end;
      guint64 v = g_ascii_strtoull (p, &end, 10);

      if (end == p || v == 0 || v > 1u << 20 || n > G_MAXSIZE / v)
        goto bad;
      shape[(*ndim)++] = v;
      n *= v;
      p = end;
      while (*p == ',' || *p == ' ')
        p++;
    }
  size = g_str_has_prefix (descr, "|u1") ? 1 : g_str_has_prefix (descr, "<u2") ? 2
         : g_str_has_prefix (descr, "<f4") ? 4 : g_str_has_prefix (descr, "<f8") ? 8 : 0;
  if (size == 0 || *ndim < 3 || shape[*ndim - 1] < 2 || shape[*ndim - 2] < 2
      || (length - offset) / size < n)
    goto bad;
  out = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    {
      const char *v = contents + offset + i * size;

      if (size == 1)
        out[i] = (guint8) v[0];
      else if (size == 2)
        {
          guint16 x;

          memcpy (&x, v, 2);
          out[i] = GUINT16_FROM_LE (x);
        }
      else if (size == 4)
        memcpy (&out[i], v, 4);
      else
        {
          double x;

          memcpy (&x, v, 8);
          out[i] = (float) x;
        }
    }
  return out;

bad:
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
               "%s: not a C-order .npy of u1, u2, f4 or f8 with 3 or 4 dimensions", path);
  return NULL;
}

static double *
parse_energies (const char *text,
                guint       n,
                GError    **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) parts = NULL;
  double *e = g_new (double, n);
  guint m = 0;

  if (g_file_test (text, G_FILE_TEST_IS_REGULAR))
    {
      if (!g_file_get_contents (text, &contents, NULL, error))
        {
          g_free (e);
          return NULL;
        }
      text = contents;
    }
  parts = g_strsplit_set (text, ", \t\r\n", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0' && *parts[i] != '#')
      {
        char *end;
        double v = g_ascii_strtod (parts[i], &end);

        if (*end != '\0' || !(v > 0) || m == n)
          {
            m = n + 1;
            break;
          }
        e[m++] = v;
      }
  if (m != n)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "--energies: want %u positive energies, one per image", n);
      g_free (e);
      return NULL;
    }
  return e;
}

/* Smooth random blobs (sigma 1.2..2.5 px, splatted within 4 sigma) on the reference grid; each
 * raw image sees it through scale E / E_max about the centre and a sub-pixel shift, with 1%
 * noise. The true shifts go to stderr. */
static float *
synthetic_images (const gsize   dims[3],
                  guint         n_images,
                  const double *energy)
{
  gsize n = dims[0] * dims[1] * dims[2];
  g_autofree float *object = g_new0 (float, n);
  float *images = g_new (float, n * n_images);
  guint64 n_blobs = n / (dims[2] > 1 ? 300 : 40);
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) opt_seed);

  for (guint64 b = 0; b < n_blobs; b++)
    {
      double c[3], s = g_rand_double_range (rand, 1.2, 2.5), a = g_rand_double_range (rand, 0.5, 1.5);
      gssize lo[3], hi[3];

      for (int k = 0; k < 3; k++)
        {
          c[k] = dims[k] > 1 ? g_rand_double_range (rand, 0.15, 0.85) * dims[k] : 0;
          lo[k] = dims[k] > 1 ? MAX ((gssize) floor (c[k] - 4 * s), 0) : 0;
          hi[k] = dims[k] > 1 ? MIN ((gssize) ceil (c[k] + 4 * s), (gssize) dims[k] - 1) : 0;
        }
      for (gssize z = lo[2]; z <= hi[2]; z++)
        for (gssize y = lo[1]; y <= hi[1]; y++)
          for (gssize x = lo[0]; x <= hi[0]; x++)
            {
              double r2 = (x - c[0]) * (x - c[0]) + (y - c[1]) * (y - c[1])
                          + (dims[2] > 1 ? (z - c[2]) * (z - c[2]) : 0);

              object[((gsize) z * dims[1] + (gsize) y) * dims[0] + (gsize) x]
                += (float) (a * exp (-r2 / (2 * s * s)));
            }
    }
  for (guint k = 0; k < n_images; k++)
    {
      double scale = energy[k] / energy[n_images - 1];
      double t[3] = { 0, 0, 0 }, inverse_shift[3];
      float *raw = images + k * n;

      for (int a = 0; a < 3 && k + 1 < n_images; a++)
        t[a] = dims[a] > 1 ? g_rand_double_range (rand, -3, 3) : 0;
      /* raw(q) = object(c + scale (q - c) + t): the resampler's inverse transform. */
      for (int a = 0; a < 3; a++)
        inverse_shift[a] = -t[a] / scale;
      evox_register_resample (object, dims, 1 / scale, inverse_shift, raw);
      for (gsize i = 0; i < n; i++)
        raw[i] = (isfinite (raw[i]) ? raw[i] : 0) + (float) g_rand_double_range (rand, -0.017, 0.017);
      g_printerr ("evox-bench: image %u true scale=%.6f shift=%.4f,%.4f,%.4f\n", k, scale, t[0],
                  t[1], t[2]);
    }
  return images;
}

static int
run_register (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree float *images = NULL;
  g_autofree double *energy = NULL;
  g_autofree double *shifts = NULL;
  g_autofree double *t = g_new (double, opt_runs);
  g_autofree char *runs = NULL;
  gsize dims[3], n;
  guint n_images;
  int threads = 1;
  double load_s, t0;

#ifdef HAVE_OPENMP
  threads = omp_get_max_threads ();
#endif
  t0 = now_s ();
  if (path != NULL)
    {
      gsize shape[4];
      guint ndim;

      images = read_npy (path, shape, &ndim, &error);
      if (images == NULL)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return 1;
        }
      n_images = (guint) shape[0];
      dims[0] = shape[ndim - 1];
      dims[1] = shape[ndim - 2];
      dims[2] = ndim == 4 ? shape[1] : 1;
    }
  else
    {
      gsize side = opt_size != NULL ? g_ascii_strtoull (opt_size, NULL, 10) : 1024;

      if (opt_images < 2 || side < 8 || (opt_dims != 2 && opt_dims != 3))
        {
          g_printerr ("evox-bench: register wants --images 2 or more, --size 8 or more, --dims 2 or 3\n");
          return 2;
        }
      n_images = (guint) opt_images;
      dims[0] = dims[1] = side;
      dims[2] = opt_dims == 3 ? side : 1;
    }
  if (opt_energies != NULL)
    {
      energy = parse_energies (opt_energies, n_images, &error);
      if (energy == NULL)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return 2;
        }
    }
  else
    {
      energy = g_new (double, n_images);
      for (guint k = 0; k < n_images; k++)
        energy[k] = 8250 + 320.0 * k / MAX (n_images - 1, 1);
    }
  n = dims[0] * dims[1] * dims[2];
  if (images == NULL)
    images = synthetic_images (dims, n_images, energy);
  load_s = now_s () - t0;

  {
    guint ref = 0;
    g_autofree float *registered = g_new (float, n * n_images);

    /* The reference: the highest energy, as Evox's default. */
    for (guint k = 1; k < n_images; k++)
      if (energy[k] > energy[ref])
        ref = k;
    shifts = g_new0 (double, 3 * n_images);
    for (int r = 0; r < opt_runs; r++)
      {
        EvoxRegisterPlan *plan;
        g_autofree kiss_fft_cpx *ref_spec = NULL;

        t0 = now_s ();
        plan = _evox_register_plan_get (dims);
        ref_spec = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
        _evox_register_forward (plan, images + ref * n, ref_spec, TRUE);
        /* Images in parallel, one per thread: every step of one image is then serial, and the
         * two cores never wait on each other inside an image. */
#pragma omp parallel
        {
          g_autofree float *scaled = g_new (float, n);
          g_autofree kiss_fft_cpx *spec = g_new (kiss_fft_cpx, _evox_register_spectrum_size (plan));
          EvoxRegisterScratch *scratch = _evox_register_scratch_new (plan);

#pragma omp for schedule(dynamic, 1)
          for (guint k = 0; k < n_images; k++)
            {
              double scale = energy[k] / energy[ref];
              double *shift = shifts + 3 * k;

              _evox_register_translate (plan, ref_spec, images + k * n, scale, 20, spec, scaled,
                                        scratch, shift);
              _evox_register_resample_with (images + k * n, dims, scale, shift,
                                            registered + k * n, scratch);
            }
          _evox_register_scratch_free (scratch);
        }
        _evox_register_plan_release (plan);
        t[r] = now_s () - t0;
      }
    for (guint k = 0; k < n_images; k++)
      g_print ("register-image index=%u energy_ev=%.4f scale=%.8f shift_x=%.4f shift_y=%.4f "
               "shift_z=%.4f\n", k, energy[k], energy[k] / energy[ref], shifts[3 * k],
               shifts[3 * k + 1], shifts[3 * k + 2]);
    runs = format_runs (t, opt_runs);
    g_print ("register images=%u size=%zu dims=%d threads=%d upsample=20 "
             "load_s=%.6f s=%.6f s_per_image=%.6f runs_s=%s\n", n_images, dims[0],
             dims[2] > 1 ? 3 : 2, threads, load_s,
             min_of (t, opt_runs), min_of (t, opt_runs) / n_images, runs);
  }

  if (opt_stack)
    {
      g_autoptr(EvoxVolume) vol = evox_volume_new (dims[0], dims[1], dims[2], n_images,
                                                   EVOX_SAMPLE_F32, &error);
      g_autoptr(EvoxRegistration) reg = NULL;
      EvoxRegisterOptions options;

      if (vol == NULL)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return 1;
        }
      for (guint k = 0; k < n_images; k++)
        {
          memcpy (evox_volume_get_data_mut (vol, k), images + k * n, n * sizeof (float));
          evox_volume_set_channel_info (vol, k, NULL, energy[k]);
        }
      evox_volume_freeze (vol);
      evox_register_options_init (&options);
      options.scale = EVOX_REGISTER_SCALE_ENERGY;
      if (opt_scale != NULL && !evox_register_scale_from_string (opt_scale, &options.scale))
        {
          g_printerr ("evox-bench: --scale wants fit, energy or none\n");
          return 2;
        }
      /* Best of --runs, as the per-image time; the last run's registration is printed. */
      for (int r = 0; r < MAX (opt_runs, 1); r++)
        {
          double start = now_s ();

          g_clear_object (&reg);
          reg = evox_register_stack (vol, &options, NULL, NULL, &error);
          if (reg == NULL)
            {
              g_printerr ("evox-bench: %s\n", error->message);
              return 1;
            }
          start = now_s () - start;
          t0 = r == 0 ? start : MIN (t0, start);
        }
      for (guint i = 0; i < evox_registration_get_n_entries (reg); i++)
        {
          const EvoxRegistrationEntry *e = evox_registration_get_entry (reg, i);

          g_print ("register-stack-image energy_ev=%.4f scale=%.8f shift_x=%.4f shift_y=%.4f "
                   "shift_z=%.4f ncc_after=%.4f residual_px=%.4f anchor=%d flagged=%d\n",
                   e->energy_ev, e->scale, e->shift[0], e->shift[1], e->shift[2], e->ncc_after,
                   e->residual_px, e->is_anchor, e->flagged);
        }
      g_print ("register-stack images=%u size=%zu dims=%d threads=%d scale=%s s=%.6f "
               "s_per_image=%.6f\n", n_images, dims[0], dims[2] > 1 ? 3 : 2, threads,
               evox_register_scale_to_string (options.scale), t0, t0 / n_images);
    }
  return 0;
}

/* XANES maps (run-bench.py --xanes, bench/xanes_ref.py) of STACK.npy: float32, energies first
 * (E x Y x X or E x Z x Y x X), one energy per channel from --energies. Times evox_xanes_maps
 * with the defaults (the stack's E0 from its mean spectrum), and again with every voxel kept out
 * of the mask (k = inf), which skips only the per-voxel find_e0 of the e0 map, to show its share.
 * Prints the stack's E0 (find_e0 of the mean spectrum, summed as evox_xanes_maps sums it) for
 * the reference, and with --maps-out writes the six maps as raw float32, channel after channel. */

static char *opt_maps_out = NULL;

static const GOptionEntry xanes_entries[] = {
  { "maps-out", 0, 0, G_OPTION_ARG_FILENAME, &opt_maps_out,
    "Write the maps here, raw float32, one channel after another (xanes)", "FILE" },
  { NULL }
};

static double
xanes_time (EvoxVolume            *stack,
            const EvoxXanesParams *params,
            EvoxVolume           **maps_out)
{
  double best = INFINITY;
  for (int run = 0; run < opt_runs; run++)
    {
      g_autoptr(GError) error = NULL;
      double t0 = now_s ();
      g_autoptr(EvoxVolume) maps = evox_xanes_maps (stack, params, NULL, NULL, &error);
      double t = now_s () - t0;
      if (maps == NULL)
        {
          g_printerr ("evox-bench: %s\n", error->message);
          return NAN;
        }
      best = MIN (best, t);
      if (maps_out != NULL && run == opt_runs - 1)
        *maps_out = g_steal_pointer (&maps);
    }
  return best;
}

static int
run_xanes (const char *path)
{
  g_autoptr(GError) error = NULL;
  gsize shape[4] = { 0 };
  guint ndim = 0;
  int threads = 1;

  if (opt_energies == NULL)
    {
      g_printerr ("evox-bench: xanes needs --energies\n");
      return 2;
    }
  g_autofree float *data = read_npy (path, shape, &ndim, &error);
  if (data == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  guint n = shape[0];
  gsize nx = shape[ndim - 1], ny = shape[ndim - 2], nz = ndim == 4 ? shape[1] : 1;
  gsize nv = nx * ny * nz;
  g_autofree double *energy = parse_energies (opt_energies, n, &error);
  if (energy == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 2;
    }
  g_autoptr(EvoxVolume) stack = evox_volume_new (nx, ny, nz, n, EVOX_SAMPLE_F32, &error);
  if (stack == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
  g_autofree double *mean = g_new0 (double, n);
  for (guint c = 0; c < n; c++)
    {
      evox_volume_set_channel_info (stack, c, NULL, energy[c]);
      memcpy (evox_volume_get_data_mut (stack, c), data + (gsize) c * nv, nv * sizeof (float));
      for (gsize v = 0; v < nv; v++)
        mean[c] += data[(gsize) c * nv + v];
      mean[c] /= nv;
    }
  g_clear_pointer (&data, g_free);
  double e0 = evox_xanes_find_e0 (energy, mean, n, &error);
  if (isnan (e0))
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 1;
    }
#ifdef HAVE_OPENMP
  threads = omp_get_max_threads ();
#endif

  EvoxXanesParams params;
  evox_xanes_params_init (&params);
  g_autoptr(EvoxVolume) maps = NULL;
  double t = xanes_time (stack, &params, &maps);
  params.mask_k = INFINITY;
  double t_no_e0 = xanes_time (stack, &params, NULL);
  if (isnan (t) || isnan (t_no_e0))
    return 1;
  gsize in_mask = 0;
  const float *mask = evox_volume_get_data (maps, 5);
  for (gsize v = 0; v < nv; v++)
    in_mask += mask[v] != 0;

  if (opt_maps_out != NULL)
    {
      g_autofree char *tmp = g_strconcat (opt_maps_out, ".tmp", NULL);
      FILE *f = fopen (tmp, "wb");
      gboolean ok = f != NULL;
      for (guint m = 0; ok && m < 6; m++)
        ok = fwrite (evox_volume_get_data (maps, m), sizeof (float), nv, f) == nv;
      if (f != NULL && fclose (f) != 0)
        ok = FALSE;
      if (!ok || rename (tmp, opt_maps_out) != 0)
        {
          g_printerr ("evox-bench: could not write %s\n", opt_maps_out);
          remove (tmp);
          return 1;
        }
    }
  g_print ("xanes voxels=%zu energies=%u threads=%d e0=%.6f in_mask=%zu s=%.6f s_without_e0_map=%.6f\n",
           nv, n, threads, e0, in_mask, t, t_no_e0);
  return 0;
}

/* reconstruct (run-bench.py --reconstruct, bench/tomo_ref.py): SINOGRAMS.npy, float32 of shape
 * (n_angles, ny, nx), the layout of an EvoxTiltSeries, angles pi a / n_angles (an even half
 * turn, as the reference is given). Times evox_tomo_reconstruct (FBP, ramp; --center, default
 * the middle) with as many threads as OMP_NUM_THREADS, best of --runs, the series built before
 * the clock starts; --recon-out writes the volume as raw float32 (ny slices of nx x nx). */

static double opt_center = NAN;
static char *opt_recon_out = NULL;

/* The tilt series of an .npy file of float32 (angles, rows, width), angles pi a / n_angles;
 * NULL after printing why (what names the array in the message). */
static EvoxTiltSeries *
series_from_npy (const char *path,
                 const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxTiltSeries) series = NULL;
  gsize shape[4] = { 0 };
  guint ndim = 0;

  g_autofree float *data = read_npy (path, shape, &ndim, &error);
  if (data == NULL)
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return NULL;
    }
  if (ndim != 3)
    {
      g_printerr ("evox-bench: %s: want %s of shape (angles, rows, width)\n", path, what);
      return NULL;
    }
  series = evox_tilt_series_new (shape[2], shape[1], shape[0], &error);
  if (series == NULL)
    {
      g_printerr ("evox-bench: %s: %s\n", path, error->message);
      return NULL;
    }
  memcpy (series->data, data, shape[0] * shape[1] * shape[2] * sizeof (float));
  for (guint a = 0; a < series->n_angles; a++)
    series->theta[a] = G_PI * a / series->n_angles;
  return g_steal_pointer (&series);
}

static const GOptionEntry reconstruct_entries[] = {
  { "center", 0, 0, G_OPTION_ARG_DOUBLE, &opt_center,
    "Detector pixel of the rotation axis (reconstruct; default (nx - 1) / 2)", "C" },
  { "recon-out", 0, 0, G_OPTION_ARG_FILENAME, &opt_recon_out,
    "Write the reconstruction here, raw float32, slice after slice (reconstruct)", "FILE" },
  { NULL }
};

static int
run_reconstruct (const char *path)
{
  g_autoptr(GError) error = NULL;
  int threads = 1;

  g_autoptr(EvoxTiltSeries) series = series_from_npy (path, "sinograms");
  if (series == NULL)
    return 1;
#ifdef HAVE_OPENMP
  threads = omp_get_max_threads ();
#endif

  EvoxReconParams params = { EVOX_RECON_FILTER_RAMP, opt_center, 0 };
  g_autoptr(EvoxVolume) volume = NULL;
  double best = INFINITY;
  for (int run = 0; run < opt_runs; run++)
    {
      g_clear_object (&volume);
      double t0 = now_s ();
      volume = evox_tomo_reconstruct (series, &params, NULL, NULL, &error);
      double t = now_s () - t0;
      if (volume == NULL)
        {
          g_printerr ("evox-bench: %s: %s\n", path, error->message);
          return 1;
        }
      best = MIN (best, t);
    }

  if (opt_recon_out != NULL)
    {
      g_autofree char *tmp = g_strconcat (opt_recon_out, ".tmp", NULL);
      gsize nv = (gsize) series->nx * series->nx * series->ny;
      FILE *f = fopen (tmp, "wb");
      gboolean ok = f != NULL
                    && fwrite (evox_volume_get_data (volume, 0), sizeof (float), nv, f) == nv;
      if (f != NULL && fclose (f) != 0)
        ok = FALSE;
      if (!ok || rename (tmp, opt_recon_out) != 0)
        {
          g_printerr ("evox-bench: could not write %s\n", opt_recon_out);
          remove (tmp);
          return 1;
        }
    }
  g_print ("reconstruct width=%u rows=%u angles=%u threads=%d filter=ramp s=%.6f "
           "s_per_slice=%.6f\n",
           series->nx, series->ny, series->n_angles, threads, best, best / series->ny);
  return 0;
}

/* align (run-bench.py --align, bench/align_ref.py): PROJECTIONS.npy, float32 of shape
 * (n_angles, ny, nx), angles pi a / n_angles. Times the whole jitter alignment: the fast pass,
 * then evox_tomo_align_reproject from its shifts (--iterations per level, default 5; --levels,
 * default from the size; --tolerance, default 0 so every iteration runs) about --center
 * (default the fast pass's centre), one run. Prints one align record and an align_iter record
 * per iteration (the time since the previous one); --shifts-out writes "dx dy" per angle. */

static int opt_align_iterations = 5;
static int opt_align_levels = 0;
static double opt_align_tolerance = 0.0;
static char *opt_shifts_out = NULL;

static const GOptionEntry align_entries[] = {
  { "iterations", 0, 0, G_OPTION_ARG_INT, &opt_align_iterations,
    "Reprojection iterations per level (align; 5)", "N" },
  { "levels", 0, 0, G_OPTION_ARG_INT, &opt_align_levels,
    "Coarse-to-fine levels (align; 0: from the size)", "N" },
  { "tolerance", 0, 0, G_OPTION_ARG_DOUBLE, &opt_align_tolerance,
    "Stop a level when the RMS update falls under this, pixels (align; 0: never)", "T" },
  { "shifts-out", 0, 0, G_OPTION_ARG_FILENAME, &opt_shifts_out,
    "Write the shifts found here, one \"dx dy\" line per angle (align)", "FILE" },
  { NULL }
};

typedef struct
{
  double last;
} AlignClock;

/* CPU seconds (user + system) of the process so far: on a shared machine the wall time of a
 * run says little, its CPU time divided by the threads says what a quiet machine would take. */
static double
cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
         + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static void
align_iteration (guint         level,
                 guint         iteration,
                 double        residual,
                 double        update_rms,
                 const double *dx,
                 const double *dy,
                 gpointer      user_data)
{
  AlignClock *clock = user_data;
  double t = now_s ();

  g_print ("align_iter level=%u iteration=%u residual=%.6g update=%.6g s=%.6f\n", level,
           iteration, residual, update_rms, t - clock->last);
  clock->last = t;
}

static int
run_align (const char *path)
{
  g_autoptr(GError) error = NULL;
  int threads = 1;

  if (opt_align_iterations < 0 || opt_align_levels < 0)
    {
      g_printerr ("evox-bench: --iterations and --levels must not be negative\n");
      return 2;
    }
  g_autoptr(EvoxTiltSeries) series = series_from_npy (path, "projections");
  if (series == NULL)
    return 1;
  series->od = TRUE;
#ifdef HAVE_OPENMP
  threads = omp_get_max_threads ();
#endif

  g_autofree double *dx = g_new0 (double, series->n_angles);
  g_autofree double *dy = g_new0 (double, series->n_angles);
  double center = NAN, rms = NAN;
  EvoxTomoReprojectOptions options;
  AlignClock clock;

  evox_tomo_reproject_options_init (&options);
  options.iterations = opt_align_iterations;
  options.levels = opt_align_levels;
  options.tolerance = opt_align_tolerance;

  double c0 = cpu_s ();
  double t0 = now_s ();
  if (!evox_tomo_align_fast (series, dx, dy, &center, &rms, &error))
    {
      g_printerr ("evox-bench: %s: %s\n", path, error->message);
      return 1;
    }
  double t1 = now_s ();
  if (!isnan (opt_center))
    center = opt_center;
  clock.last = t1;
  if (!evox_tomo_align_reproject (series, &options, center, dx, dy, align_iteration, &clock,
                                  NULL, NULL, &error))
    {
      g_printerr ("evox-bench: %s: %s\n", path, error->message);
      return 1;
    }
  double t2 = now_s ();
  double c2 = cpu_s ();

  if (opt_shifts_out != NULL)
    {
      g_autofree char *tmp = g_strconcat (opt_shifts_out, ".tmp", NULL);
      FILE *f = fopen (tmp, "w");
      gboolean ok = f != NULL;

      for (guint a = 0; ok && a < series->n_angles; a++)
        ok = fprintf (f, "%.6f %.6f\n", dx[a], dy[a]) > 0;
      if (f != NULL && fclose (f) != 0)
        ok = FALSE;
      if (!ok || rename (tmp, opt_shifts_out) != 0)
        {
          g_printerr ("evox-bench: could not write %s\n", opt_shifts_out);
          remove (tmp);
          return 1;
        }
    }
  g_print ("align width=%u rows=%u angles=%u threads=%d center=%.4f fast_s=%.6f "
           "reproject_s=%.6f s=%.6f cpu_s=%.6f\n", series->nx, series->ny, series->n_angles,
           threads, center, t1 - t0, t2 - t1, t2 - t0, c2 - c0);
  return 0;
}

static void
usage (void)
{
  g_printerr ("usage: evox-bench info\n"
              "       evox-bench load [--runs N] FILE\n"
              "       evox-bench bare [--runs N] [--no-mmap] [--hugepages] FILE\n"
              "       evox-bench hist [--runs N] [--counts N] [--range LO:HI]... FILE\n"
              "       evox-bench rss [--bare [--no-mmap] [--hugepages]] FILE\n"
              "       evox-bench big-load [--preview-stride S] [--first-preview-only]\n"
              "                           [--slice-moves N [--size WxH]] FILE\n"
              "       EVOX_MEMORY_LIMIT=N evox-bench ondemand FILE\n"
              "       evox-bench render [--frames N] [--warmup N] [--size WxH] [--view VIEW]\n"
              "                         [--overlay WHAT] [--mode MODE] [--ramp LO:HI:A]\n"
              "                         [--interactive] [--dump IMAGE] FILE|--demo\n"
              "       evox-bench labels [--runs N] [--connectivity C] [--value V|--range LO:HI] FILE\n"
              "       evox-bench label-memory [--connectivity C] [--separate] [--labels-out FILE]\n"
              "                               --range LO:HI... FILE\n"
              "       evox-bench isosurface [--runs N] --level V FILE\n"
              "       evox-bench pyramid [--runs N] FILE\n"
              "       evox-bench mesh-render [--frames N] [--warmup N] [--size WxH] [--opacity A]\n"
              "                              [--mesh-grid N] [--mesh-period P] [--ply FILE]\n"
              "                              [--dump IMAGE]\n"
              "       evox-bench kmeans [--runs N] --shape NxD [--k K] [--init CENTRES]\n"
              "                         [--max-iter N] [--tol T] [--restarts N] [--seed S]\n"
              "                         [--sweep K [--sweep-sample N]] FILE\n"
              "       evox-bench register [--runs N] [--images N] [--size S] [--dims 2|3]\n"
              "                           [--energies LIST|FILE]\n"
              "                           [--stack [--scale MODE]]\n"
              "                           [IMAGES.npy]\n"
              "       evox-bench xanes [--runs N] --energies LIST|FILE [--maps-out FILE] STACK.npy\n"
              "       evox-bench reconstruct [--runs N] [--center C] [--recon-out FILE]\n"
              "                              SINOGRAMS.npy\n"
              "       evox-bench align [--center C] [--iterations N] [--levels N]\n"
              "                        [--tolerance T] [--shifts-out FILE] PROJECTIONS.npy\n"
              "Each prints one line per result: a record name and key=value fields.\n");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *command;

  if (argc < 2)
    {
      usage ();
      return 2;
    }
  command = argv[1];
  if (g_str_equal (command, "info"))
    return run_info ();

  /* The subcommand takes the place of the program name for option parsing. */
  argv++;
  argc--;
  context = g_option_context_new ("FILE");
  g_option_context_add_main_entries (context, bench_entries, NULL);
  g_option_context_add_main_entries (context, mesh_render_entries, NULL);
  g_option_context_add_main_entries (context, kmeans_entries, NULL);
  g_option_context_add_main_entries (context, register_entries, NULL);
  g_option_context_add_main_entries (context, xanes_entries, NULL);
  g_option_context_add_main_entries (context, reconstruct_entries, NULL);
  g_option_context_add_main_entries (context, align_entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("evox-bench: %s\n", error->message);
      return 2;
    }
  if (opt_runs < 1 || opt_counts < 0 || opt_frames < 1 || opt_warmup < 0 || opt_slice_moves < 0)
    {
      usage ();
      return 2;
    }
  if (g_str_equal (command, "render") && opt_demo && argc == 1)
    return run_render (NULL);
  if (g_str_equal (command, "mesh-render") && argc == 1)
    return run_mesh_render ();
  if (g_str_equal (command, "register") && argc <= 2)
    return run_register (argc == 2 ? argv[1] : NULL);
  if (argc != 2)
    {
      usage ();
      return 2;
    }

  if (g_str_equal (command, "load"))
    return run_load (argv[1]);
  if (g_str_equal (command, "bare"))
    return run_bare (argv[1]);
  if (g_str_equal (command, "hist"))
    return run_hist (argv[1]);
  if (g_str_equal (command, "rss"))
    return run_rss (argv[1]);
  if (g_str_equal (command, "big-load"))
    return run_big_load (argv[1]);
  if (g_str_equal (command, "ondemand"))
    return run_ondemand (argv[1]);
  if (g_str_equal (command, "render"))
    return run_render (argv[1]);
  if (g_str_equal (command, "labels"))
    return run_labels (argv[1]);
  if (g_str_equal (command, "label-memory"))
    return run_label_memory (argv[1]);
  if (g_str_equal (command, "pyramid"))
    return run_pyramid (argv[1]);
  if (g_str_equal (command, "isosurface"))
    return run_isosurface (argv[1]);
  if (g_str_equal (command, "kmeans"))
    return run_kmeans (argv[1]);
  if (g_str_equal (command, "xanes"))
    return run_xanes (argv[1]);
  if (g_str_equal (command, "reconstruct"))
    return run_reconstruct (argv[1]);
  if (g_str_equal (command, "align"))
    return run_align (argv[1]);
  usage ();
  return 2;
}

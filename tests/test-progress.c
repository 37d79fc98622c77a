/* test-progress.c: load progress (stages, nesting, monotone to 1) and prompt cancellation. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-progress.h"

#include <math.h>
#include <string.h>

#include "evox-histogram.h"
#include "evox-loader.h"
#include "evox-ssrm-reader.h"
#include "evox-test-util.h"
#include "evox-tiff.h"

/* How far the bar may move between a cancellation and the load's return: a load checks its
 * cancellable at every page, row block or histogram chunk, each a small step of the bar. Measured
 * on the bar rather than the clock, so that a loaded machine, which may stop any thread for
 * seconds, cannot make it fail. */
#define CANCEL_SLACK 0.1

/* How often a load may finish before the other thread's cancellation lands, before the test
 * gives up on seeing a cancellation at all. */
#define CANCEL_ATTEMPTS 5

/* ------------------------------------------------------------------------------------------ */
/* The progress object alone                                                                    */

static void
test_stages (void)
{
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autofree char *stage = NULL;

  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 0.0);
  g_assert_null (evox_progress_dup_stage (progress));

  /* Without a stage, updates run over the whole job. */
  evox_progress_update (progress, 0.1);
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 0.1, 1e-6);

  evox_progress_set_stage (progress, "Reading", 0.2, 0.6);
  stage = evox_progress_dup_stage (progress);
  g_assert_cmpstr (stage, ==, "Reading");
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 0.2, 1e-4);
  evox_progress_update (progress, 0.5);
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 0.4, 1e-4);

  /* Never backwards, whatever a late worker reports; out-of-range and NaN are clamped. */
  evox_progress_update (progress, 0.25);
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 0.4, 1e-4);
  evox_progress_update (progress, NAN);
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 0.4, 1e-4);
  evox_progress_update (progress, 7.0);
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 0.6, 1e-4);

  /* A pushed part holds the stages set inside it, nested twice. */
  evox_progress_push (progress, 0.6, 1.0);
  evox_progress_set_stage (progress, "Inner", 0.0, 0.5);
  evox_progress_update (progress, 0.5);
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 0.7, 1e-4);
  evox_progress_push (progress, 0.5, 1.0);
  evox_progress_set_stage (progress, "Innermost", 0.0, 1.0);
  evox_progress_update (progress, 0.5);
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 0.9, 1e-4);
  evox_progress_pop (progress);
  evox_progress_pop (progress);

  g_clear_pointer (&stage, g_free);
  stage = evox_progress_dup_stage (progress);
  g_assert_cmpstr (stage, ==, "Innermost");
  evox_progress_set_stage (progress, "Last", 0.9, 1.0);
  evox_progress_update (progress, 1.0);
  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);
}

static void
test_null (void)
{
  EvoxProgress *progress;

  /* Readers call these unconditionally. */
  evox_progress_set_stage (NULL, "Nothing", 0.0, 1.0);
  evox_progress_update (NULL, 0.5);
  evox_progress_push (NULL, 0.0, 0.5);
  evox_progress_pop (NULL);
  evox_progress_unref (NULL);
  g_assert_null (evox_progress_ref (NULL));
  g_assert_cmpfloat (evox_progress_get_fraction (NULL), ==, 0.0);
  g_assert_null (evox_progress_dup_stage (NULL));

  /* A boxed type, so the window can keep one in a property. */
  progress = evox_progress_new ();
  g_assert_true (G_TYPE_IS_BOXED (EVOX_TYPE_PROGRESS));
  g_boxed_free (EVOX_TYPE_PROGRESS, g_boxed_copy (EVOX_TYPE_PROGRESS, progress));
  evox_progress_unref (progress);
}

typedef struct
{
  EvoxProgress *progress;
  guint         n;
} ConcurrentData;

static void
concurrent_worker (gpointer data,
                   gpointer user_data)
{
  ConcurrentData *cd = user_data;
  guint i = GPOINTER_TO_UINT (data) - 1;

  evox_progress_update (cd->progress, (double) (i + 1) / cd->n);
}

static void
test_concurrent (void)
{
  ConcurrentData cd = { evox_progress_new (), 1000 };
  GThreadPool *pool = g_thread_pool_new (concurrent_worker, &cd, 4, FALSE, NULL);
  double last = 0;

  evox_progress_set_stage (cd.progress, "Pages", 0.0, 1.0);
  for (guint i = 0; i < cd.n; i++)
    {
      double now = evox_progress_get_fraction (cd.progress);

      g_assert_cmpfloat (now, >=, last);
      last = now;
      g_thread_pool_push (pool, GUINT_TO_POINTER (i + 1), NULL);
    }
  g_thread_pool_free (pool, FALSE, TRUE);
  g_assert_cmpfloat (evox_progress_get_fraction (cd.progress), ==, 1.0);
  evox_progress_unref (cd.progress);
}

/* ------------------------------------------------------------------------------------------ */
/* Test data                                                                                    */

/* A smooth f32 volume of N x N x NZ, so Deflate has work to do and decoding takes a while. */
static void
write_tiff (const char         *path,
            gsize               n,
            gsize               nz,
            EvoxTiffWriteFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (n, n, nz, 1, EVOX_SAMPLE_F32, &error);
  float *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        data[(z * n + y) * n + x] = (float) (sin (0.05 * x) * cos (0.07 * y) + 0.01 * z);
  evox_volume_freeze (volume);
  g_assert_true (evox_tiff_write (volume, 0, path, flags, &error));
  g_assert_no_error (error);
}

static char *
ssrm_text (gsize n)
{
  GString *text = g_string_new ("X,Y,R0,Z0,R1,Z1,R2,Z2\n");

  for (gsize y = 0; y < n; y++)
    for (gsize x = 0; x < n; x++)
      g_string_append_printf (text, "%zu,%zu,%.4f,0,%.4f,40,%.4f,80\n", x, y, 3.0 + 0.001 * x,
                              4.0 + 0.001 * y, 5.0 + 0.0001 * (x + y));
  return g_string_free (text, FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Loads watched from another thread                                                            */

typedef struct
{
  const char   *path;
  EvoxProgress *progress;
  GCancellable *cancellable;
  EvoxVolume   *volume;
  GError       *error;
  gint          done;       /* atomic */
} Load;

static gpointer
load_thread (gpointer data)
{
  Load *load = data;

  load->volume = evox_volume_load (load->path, NULL, load->progress, load->cancellable,
                                   &load->error);
  g_atomic_int_set (&load->done, 1);
  return NULL;
}

/* The window's view of a load: it polls from the main thread while a worker reads. */
static void
check_polled_load (const char *path,
                   const char *last_stage)
{
  Load load = { path, evox_progress_new () };
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *stage = NULL;
  GThread *thread = g_thread_new ("load", load_thread, &load);

  while (!g_atomic_int_get (&load.done))
    {
      double f = evox_progress_get_fraction (load.progress);

      g_array_append_val (seen, f);
      g_usleep (100);
    }
  g_thread_join (thread);
  g_assert_no_error (load.error);
  g_assert_nonnull (load.volume);

  for (guint i = 0; i < seen->len; i++)
    {
      double f = g_array_index (seen, double, i);

      g_assert_cmpfloat (f, >=, 0.0);
      g_assert_cmpfloat (f, <=, 1.0);
      if (i > 0)
        g_assert_cmpfloat (f, >=, g_array_index (seen, double, i - 1));
    }
  g_test_message ("%u polls while loading", seen->len);
  g_assert_cmpfloat (evox_progress_get_fraction (load.progress), ==, 1.0);
  stage = evox_progress_dup_stage (load.progress);
  g_assert_cmpstr (stage, ==, last_stage);

  g_object_unref (load.volume);
  evox_progress_unref (load.progress);
}

static void
test_tiff_load (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "vol.tif", NULL);

  write_tiff (path, 128, 128, EVOX_TIFF_WRITE_NONE);
  check_polled_load (path, "Reading TIFF pages");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_ssrm_load (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "table.csv", NULL);
  g_autofree char *text = ssrm_text (128);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  check_polled_load (path, "Interpolating SSRM layers");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Cancels once the bar passes AT, like a user who clicks Cancel while it moves. */
typedef struct
{
  Load     *load;
  double    at;
  gboolean  cancelled;
  double    after;      /* the bar just after the cancellation */
} Canceller;

static gpointer
cancel_thread (gpointer data)
{
  Canceller *canceller = data;
  Load *load = canceller->load;

  while (!g_atomic_int_get (&load->done) &&
         evox_progress_get_fraction (load->progress) <= canceller->at)
    g_usleep (20);
  if (!g_atomic_int_get (&load->done))
    {
      g_cancellable_cancel (load->cancellable);
      canceller->after = evox_progress_get_fraction (load->progress);
      canceller->cancelled = TRUE;
    }
  return NULL;
}

/* Returns FALSE when the load won the race and finished before the cancellation. */
static gboolean
try_cancel (const char *path,
            double      at)
{
  Load load = { path, evox_progress_new (), g_cancellable_new () };
  Canceller canceller = { &load, at, FALSE, 0.0 };
  GThread *thread = g_thread_new ("cancel", cancel_thread, &canceller);
  gboolean cancelled;

  load_thread (&load);
  g_thread_join (thread);

  cancelled = load.volume == NULL;
  if (cancelled)
    {
      double end = evox_progress_get_fraction (load.progress);

      g_assert_error (load.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_true (canceller.cancelled);
      g_test_message ("cancelled at %.1f%%, returned at %.1f%%", 100 * canceller.after,
                      100 * end);
      g_assert_cmpfloat (end, <=, canceller.after + CANCEL_SLACK);
    }
  g_clear_object (&load.volume);
  g_clear_error (&load.error);
  g_object_unref (load.cancellable);
  evox_progress_unref (load.progress);
  return cancelled;
}

static void
check_cancel (const char *path,
              double      at)
{
  for (guint i = 0; i < CANCEL_ATTEMPTS; i++)
    if (try_cancel (path, at))
      return;
  g_test_skip ("every load finished before its cancellation landed");
}

static void
test_tiff_cancel (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "vol.tif", NULL);

  write_tiff (path, 128, 128, EVOX_TIFF_WRITE_DEFLATE);
  check_cancel (path, 0.0);   /* while the directories are read */
  check_cancel (path, 0.3);   /* among the pages */
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_tiff_folder_cancel (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();

  /* Few files: each is written with an fsync. */
  for (guint i = 0; i < 32; i++)
    {
      g_autofree char *name = g_strdup_printf ("page%03u.tif", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      write_tiff (path, 128, 1, EVOX_TIFF_WRITE_DEFLATE);
    }
  check_cancel (dir, 0.0);
  check_cancel (dir, 0.5);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_ssrm_cancel (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "table.csv", NULL);
  g_autofree char *text = ssrm_text (384);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  check_cancel (path, 0.0);
  check_cancel (path, 0.5);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A cancellation that is already there when a stage starts stops it before any work. */
static void
test_cancelled_before (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "vol.tif", NULL);
  g_autofree char *csv = g_build_filename (dir, "table.csv", NULL);
  g_autofree char *text = ssrm_text (16);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;

  write_tiff (tiff, 16, 16, EVOX_TIFF_WRITE_NONE);
  g_assert_true (g_file_set_contents (csv, text, -1, NULL));
  g_cancellable_cancel (cancellable);

  g_assert_null (evox_volume_load (tiff, NULL, progress, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (evox_volume_load (csv, NULL, progress, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The histogram stage too, and it leaves the volume usable. */
  volume = evox_volume_load (tiff, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (evox_volume_build_histograms (volume, progress, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (evox_fine_histogram_get_n_finite (evox_volume_get_fine_histogram (volume, 0)),
                    ==, 16 * 16 * 16);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* Asynchronous loads, as the window runs them                                                  */

typedef struct
{
  EvoxProgress *progress;
  GCancellable *cancellable;
  GArray       *seen;
  GAsyncResult *result;
  gboolean      cancelled;
  double        after;      /* the bar just after the cancellation */
  double        end;        /* the bar when the callback ran */
} AsyncLoad;

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncLoad *load = user_data;

  load->end = evox_progress_get_fraction (load->progress);
  load->result = g_object_ref (result);
}

/* The window's timer: read the bar, and cancel once it moved when asked to. */
static gboolean
on_poll (gpointer user_data)
{
  AsyncLoad *load = user_data;
  double f = evox_progress_get_fraction (load->progress);

  g_array_append_val (load->seen, f);
  if (load->cancellable != NULL && !load->cancelled && f > 0)
    {
      g_cancellable_cancel (load->cancellable);
      load->after = evox_progress_get_fraction (load->progress);
      load->cancelled = TRUE;
    }
  return G_SOURCE_CONTINUE;
}

static EvoxVolume *
load_async (const char    *path,
            AsyncLoad     *load,
            GError       **error)
{
  guint poll;
  EvoxVolume *volume;

  load->progress = evox_progress_new ();
  load->seen = g_array_new (FALSE, FALSE, sizeof (double));
  poll = g_timeout_add (1, on_poll, load);
  evox_volume_load_async (path, NULL, load->progress, load->cancellable, on_loaded, load);
  while (load->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (poll);
  volume = evox_volume_load_finish (load->result, error);
  g_clear_object (&load->result);
  return volume;
}

static void
async_load_clear (AsyncLoad *load)
{
  g_clear_pointer (&load->progress, evox_progress_unref);
  g_clear_pointer (&load->seen, g_array_unref);
  g_clear_object (&load->cancellable);
}

static void
test_async_load (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "vol.tif", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree char *stage = NULL;
  AsyncLoad load = { 0 };

  write_tiff (path, 128, 128, EVOX_TIFF_WRITE_NONE);
  volume = load_async (path, &load, &error);
  g_assert_no_error (error);
  g_assert_true (evox_volume_is_frozen (volume));
  for (guint i = 1; i < load.seen->len; i++)
    g_assert_cmpfloat (g_array_index (load.seen, double, i), >=,
                       g_array_index (load.seen, double, i - 1));
  /* The histograms were the last stage, and the bar is full when the callback runs. */
  g_assert_cmpfloat (evox_progress_get_fraction (load.progress), ==, 1.0);
  stage = evox_progress_dup_stage (load.progress);
  g_assert_cmpstr (stage, ==, "Building histograms");

  /* No progress at all is fine too. */
  g_clear_object (&volume);
  evox_volume_load_async (path, NULL, NULL, NULL, on_loaded, &load);
  while (load.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  volume = evox_volume_load_finish (load.result, &error);
  g_clear_object (&load.result);
  g_assert_no_error (error);
  g_assert_nonnull (volume);

  async_load_clear (&load);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_async_cancel (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = g_build_filename (dir, "vol.tif", NULL);

  write_tiff (path, 128, 128, EVOX_TIFF_WRITE_DEFLATE);
  for (guint i = 0; i < CANCEL_ATTEMPTS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) volume = NULL;
      AsyncLoad load = { .cancellable = g_cancellable_new () };

      volume = load_async (path, &load, &error);
      if (volume == NULL)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_true (load.cancelled);
          g_test_message ("cancelled at %.1f%%, callback at %.1f%%", 100 * load.after,
                          100 * load.end);
          g_assert_cmpfloat (load.end, <=, load.after + CANCEL_SLACK);
          async_load_clear (&load);
          evox_test_tmpdir_free (g_steal_pointer (&dir));
          return;
        }
      async_load_clear (&load);
    }
  g_test_skip ("every load finished before its cancellation landed");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Progress/stages", test_stages);
  g_test_add_func ("/Evox/Progress/null", test_null);
  g_test_add_func ("/Evox/Progress/concurrent", test_concurrent);
  g_test_add_func ("/Evox/Progress/tiff-load", test_tiff_load);
  g_test_add_func ("/Evox/Progress/ssrm-load", test_ssrm_load);
  g_test_add_func ("/Evox/Progress/tiff-cancel", test_tiff_cancel);
  g_test_add_func ("/Evox/Progress/tiff-folder-cancel", test_tiff_folder_cancel);
  g_test_add_func ("/Evox/Progress/ssrm-cancel", test_ssrm_cancel);
  g_test_add_func ("/Evox/Progress/cancelled-before", test_cancelled_before);
  g_test_add_func ("/Evox/Progress/async-load", test_async_load);
  g_test_add_func ("/Evox/Progress/async-cancel", test_async_cancel);
  return g_test_run ();
}

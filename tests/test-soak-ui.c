/* test-soak-ui.c: one window opens 200 volumes and sessions in turn without its memory growing,
 * and a full disk, a read-only folder or a missing session input lose nothing already open. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <malloc.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "evox-document.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-types.h"

#define SOAK_OPENS 200
#define SOAK_WARMUP 20
#define SOAK_MAX_GROWTH_KB 5120

/* A small noisy cube with a bright ball: cheap to open, still something to segment. */
static void
write_cube (const char *path,
            guint64     seed)
{
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;
  guint64 state = seed;
  guint8 *data;
  const gsize n = 16;

  volume = evox_volume_new (n, n, n, 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < n; z++)
    for (gsize y = 0; y < n; y++)
      for (gsize x = 0; x < n; x++)
        {
          double d = (x - 8.0) * (x - 8.0) + (y - 7.0) * (y - 7.0) + (z - 8.0) * (z - 8.0);
          guint8 v = (guint8) (evox_test_random (&state) % 60);

          data[(z * n + y) * n + x] = d < 20 ? v + 150 : v;
        }
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
}

/* VmRSS of this process in kB, as the kernel counts it. */
static guint64
resident_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  /* Pages malloc holds free would count as growth although nothing keeps them: the heap's
   * fragmentation moves VmRSS by megabytes from run to run. */
  malloc_trim (0);
  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

typedef struct
{
  EvoxWindow *window;
  EvoxVolume *before;  /* not a reference: only compared */
} Opened;

/* A new volume has replaced `before` and the restore (phases, labels, surfaces) is over. */
static gboolean
replaced (gpointer data)
{
  Opened *opened = data;
  EvoxDocument *document = evox_window_get_document (opened->window);
  EvoxVolume *volume = evox_document_get_volume (document);

  return volume != NULL && volume != opened->before &&
         !evox_window_is_loading (opened->window) &&
         !evox_document_get_surfaces_busy (document);
}

static void
open_and_wait (EvoxWindow *window,
               GFile      *file)
{
  Opened opened = { window, evox_document_get_volume (evox_window_get_document (window)) };

  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (replaced, &opened, 60));
  g_assert_null (evox_window_get_error (window));
}

static void
test_soak (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff_a = g_build_filename (dir, "a.tif", NULL);
  g_autofree char *tiff_b = g_build_filename (dir, "b.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "a.evox", NULL);
  GFile *files[3];
  g_autoptr (EvoxPhase) ball = evox_phase_new ("Ball", 140, 255, "#d62728");
  g_autoptr (GError) error = NULL;
  EvoxWindow *window;
  guint64 warm_kb = 0, end_kb;
  gint64 start;
  /* More opens show whether a growth is steady (a leak) or settles (the allocator). */
  guint n_opens = g_getenv ("EVOX_SOAK_OPENS") != NULL ?
                  (guint) g_ascii_strtoull (g_getenv ("EVOX_SOAK_OPENS"), NULL, 10) : SOAK_OPENS;

  write_cube (tiff_a, 1);
  write_cube (tiff_b, 2);
  /* The session brings a phase along, so each of its opens also rebuilds the phase list. */
  window = evox_test_open_file (tiff_a);
  evox_phase_list_append (evox_document_get_phases (evox_window_get_document (window)), ball);
  g_assert_true (evox_window_save_session (window, session, FALSE, &error));
  g_assert_no_error (error);
  files[0] = g_file_new_for_path (tiff_a);
  files[1] = g_file_new_for_path (tiff_b);
  files[2] = g_file_new_for_path (session);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < MAX (n_opens, SOAK_WARMUP + 1); i++)
    {
      if (i > SOAK_WARMUP && i % 100 == 0)
        g_test_message ("VmRSS %" G_GUINT64_FORMAT " kB, %zu kB in use by malloc after %u opens",
                        resident_kb (), mallinfo2 ().uordblks / 1024, i);
      if (i == SOAK_WARMUP)
        {
          /* Let caches, fonts and GL settle on what the warm-up made: a frame drawn. */
          evox_test_wait_painted (GTK_WIDGET (window));
          warm_kb = resident_kb ();
        }
      open_and_wait (window, files[i % 3]);
      if (i % 3 == 2)
        g_assert_cmpuint (evox_phase_list_get_n_phases (
                            evox_document_get_phases (evox_window_get_document (window))), ==, 1);
    }
  evox_test_wait_painted (GTK_WIDGET (window));
  end_kb = resident_kb ();
  g_test_message ("%u opens in %.1f s; VmRSS %" G_GUINT64_FORMAT " kB after %d, %"
                  G_GUINT64_FORMAT " kB after %u (%+" G_GINT64_FORMAT " kB)",
                  n_opens, (g_get_monotonic_time () - start) / 1e6, warm_kb, SOAK_WARMUP,
                  end_kb, n_opens, (gint64) end_kb - (gint64) warm_kb);
  g_assert_cmpint ((gint64) end_kb - (gint64) warm_kb, <, SOAK_MAX_GROWTH_KB);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_object_unref (files[i]);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* What the window shows, to check that a failed write or open has left it alone. */
typedef struct
{
  EvoxVolume *volume;
  char       *path;
  guint       n_phases;
} Shown;

static void
remember (EvoxWindow *window,
          Shown      *shown)
{
  EvoxDocument *document = evox_window_get_document (window);

  shown->volume = evox_document_get_volume (document);
  shown->path = g_strdup (evox_document_get_path (document));
  shown->n_phases = evox_phase_list_get_n_phases (evox_document_get_phases (document));
}

static void
assert_kept (EvoxWindow  *window,
             const Shown *shown)
{
  EvoxDocument *document = evox_window_get_document (window);

  g_assert_true (evox_document_get_volume (document) == shown->volume);
  g_assert_cmpstr (evox_document_get_path (document), ==, shown->path);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (document)), ==,
                    shown->n_phases);
}

/* Save Session, Export Image and the CSV exports into `dir` all fail: each error names its file
 * and the reason (NULL: any) and nothing is left in `dir` (no temporary file, no half a file). */
static void
assert_writes_fail (EvoxWindow  *window,
                    const char  *dir,
                    const char  *reason,
                    const Shown *shown)
{
  const char *names[] = { "s.evox", "picture.png", "picture.tif", "fractions.csv",
                          "particles.csv" };
  guint entries = evox_test_count_entries (dir);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autoptr (GError) error = NULL;
      gboolean ok;

      switch (i)
        {
        case 0:
          ok = evox_window_save_session (window, path, FALSE, &error);
          break;
        case 1:
        case 2:
          ok = evox_window_export_image (window, path, 320, 240, FALSE, &error);
          break;
        case 3:
          ok = evox_window_export_data (window, EVOX_EXPORT_FRACTIONS, path, FALSE, &error);
          break;
        default:
          ok = evox_window_export_data (window, EVOX_EXPORT_PARTICLES, path, FALSE, &error);
          break;
        }
      g_assert_false (ok);
      g_assert_nonnull (error);
      g_test_message ("%s: %s", names[i], error->message);
      g_assert_nonnull (strstr (error->message, names[i]));
      if (reason != NULL)
        g_assert_nonnull (strstr (error->message, reason));
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      g_assert_cmpuint (evox_test_count_entries (dir), ==, entries);
      assert_kept (window, shown);
    }
}

/* A phase and its particles: what the CSV exports write. */
static void
add_particles (EvoxWindow *window,
               EvoxPhase  *phase)
{
  EvoxDocument *document = evox_window_get_document (window);
  g_autoptr (EvoxLabels) labels = NULL;
  g_autoptr (GError) error = NULL;

  evox_phase_list_append (evox_document_get_phases (document), phase);
  labels = evox_labels_compute (evox_document_get_volume (document), 0, "Ball", 140, 255,
                                EVOX_CONNECTIVITY_6, 1, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_labels (document, labels);
}

static void
test_full_disk (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "a.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autoptr (EvoxPhase) ball = evox_phase_new ("Ball", 140, 255, "#d62728");
  g_autoptr (GError) error = NULL;
  struct rlimit saved, small;
  EvoxWindow *window;
  Shown shown = { 0 };

  write_cube (tiff, 1);
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  window = evox_test_open_file (tiff);
  add_particles (window, ball);
  remember (window, &shown);

  /* A disk that fills after 64 bytes: writes past it fail with EFBIG instead of SIGXFSZ. */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  small = saved;
  small.rlim_cur = 64;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  assert_writes_fail (window, out, g_strerror (EFBIG), &shown);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);

  /* Room again: the same writes succeed, so the failures above were the disk's. */
  {
    g_autofree char *path = g_build_filename (out, "fractions.csv", NULL);

    g_assert_true (evox_window_export_data (window, EVOX_EXPORT_FRACTIONS, path, FALSE, &error));
    g_assert_no_error (error);
  }
  g_free (shown.path);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A failed assertion aborts: the read-only mount must not outlive the test. */
static char *mounted_dir;

static void
unmount_on_abort (int signum)
{
  if (mounted_dir != NULL)
    umount2 (mounted_dir, MNT_DETACH);
  signal (signum, SIG_DFL);
  raise (signum);
}

static void
test_read_only_folder (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "a.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *probe = g_build_filename (out, "probe", NULL);
  g_autoptr (EvoxPhase) ball = evox_phase_new ("Ball", 140, 255, "#d62728");
  EvoxWindow *window;
  Shown shown = { 0 };
  gboolean mounted = FALSE;
  int fd;

  write_cube (tiff, 1);
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  g_assert_cmpint (g_chmod (out, 0555), ==, 0);
  /* Root writes through permissions: a read-only mount is what stops it. */
  fd = g_open (probe, O_CREAT | O_WRONLY, 0644);
  if (fd >= 0)
    {
      close (fd);
      g_assert_cmpint (g_unlink (probe), ==, 0);
      mounted = mount ("tmpfs", out, "tmpfs", MS_RDONLY, "size=64k") == 0;
      if (mounted)
        {
          mounted_dir = g_strdup (out);
          signal (SIGABRT, unmount_on_abort);
        }
      if (!mounted)
        {
          g_test_skip ("this user writes into a read-only folder and cannot mount one");
          g_chmod (out, 0755);
          evox_test_tmpdir_free (g_steal_pointer (&dir));
          return;
        }
    }

  window = evox_test_open_file (tiff);
  add_particles (window, ball);
  remember (window, &shown);
  assert_writes_fail (window, out, NULL, &shown);

  if (mounted)
    {
      g_assert_cmpint (umount (out), ==, 0);
      g_clear_pointer (&mounted_dir, g_free);
    }
  g_chmod (out, 0755);
  g_free (shown.path);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static gboolean
error_shown (gpointer window)
{
  return evox_window_get_error (window) != NULL;
}

/* A session whose input is gone: the banner names both and a chooser asks where the input is;
 * Cancel keeps what the window shows. */
static void
test_missing_input (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff_a = g_build_filename (dir, "a.tif", NULL);
  g_autofree char *tiff_b = g_build_filename (dir, "gone.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "gone.evox", NULL);
  g_autoptr (GFile) session_file = g_file_new_for_path (session);
  g_autoptr (EvoxPhase) ball = evox_phase_new ("Ball", 140, 255, "#d62728");
  g_autoptr (GError) error = NULL;
  EvoxWindow *first, *window;
  Shown shown = { 0 };
  const char *message;

  write_cube (tiff_a, 1);
  write_cube (tiff_b, 2);
  first = evox_test_open_file (tiff_b);
  g_assert_true (evox_window_save_session (first, session, FALSE, &error));
  g_assert_no_error (error);
  evox_test_close_window (first);
  g_assert_cmpint (g_unlink (tiff_b), ==, 0);

  window = evox_test_open_file (tiff_a);
  evox_phase_list_append (evox_document_get_phases (evox_window_get_document (window)), ball);
  remember (window, &shown);
  evox_window_open_file (window, session_file, NULL);
  g_assert_true (evox_test_wait_for (error_shown, window, 60));
  message = evox_window_get_error (window);
  g_assert_nonnull (strstr (message, "gone.evox"));
  g_assert_nonnull (strstr (message, "gone.tif"));
  g_assert_nonnull (strstr (message, "missing"));
  g_assert_true (evox_test_wait_for (evox_test_file_dialog_shown, NULL, 60));
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_dialog_response (GTK_DIALOG (evox_test_find_file_dialog ()), GTK_RESPONSE_CANCEL);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_assert_true (evox_test_wait_for (evox_test_file_dialog_gone, NULL, 60));
  /* Shows that the cancelled open changes nothing later either: there is no event to wait for. */
  evox_test_spin (0.2);
  assert_kept (window, &shown);
  g_assert_null (evox_document_get_labels (evox_window_get_document (window)));

  g_free (shown.path);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int   argc,
      char *argv[])
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/Soak/open-close", test_soak);
  g_test_add_func ("/Evox/Soak/full-disk", test_full_disk);
  g_test_add_func ("/Evox/Soak/read-only-folder", test_read_only_folder);
  g_test_add_func ("/Evox/Soak/missing-input", test_missing_input);
  return g_test_run ();
}

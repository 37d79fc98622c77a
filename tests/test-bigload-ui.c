/* test-bigload-ui.c: the window shows the loader's coarse previews while a volume loads, then
 * the whole volume; a load that fails after a preview leaves no preview behind. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <tiffio.h>

#include "evox-document.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-voxel-source.h"
#include "evox-window.h"

static char *
write_stack_of (const char         *dir,
                EvoxSampleType      type,
                gsize               nx,
                gsize               ny,
                gsize               nz,
                EvoxTiffWriteFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (nx, ny, nz, 1, type, &error);
  char *path = g_build_filename (dir, "stack.tif", NULL);
  guint8 *v = evox_volume_get_data_mut (volume, 0);

  for (gsize i = 0; i < nx * ny * nz; i++)
    if (type == EVOX_SAMPLE_U8)
      v[i] = (guint8) (i * 7919 % 251);
    else
      ((guint16 *) v)[i] = (guint16) (i * 7919 % 65536);
  g_assert_true (evox_tiff_write (volume, 0, path, flags, &error));
  g_assert_no_error (error);
  return path;
}

static char *
write_stack (const char         *dir,
             gsize               nx,
             gsize               ny,
             gsize               nz,
             EvoxTiffWriteFlags  flags)
{
  return write_stack_of (dir, EVOX_SAMPLE_U16, nx, ny, nz, flags);
}

/* Every volume the document is given, in order. */
static void
volume_changed (EvoxDocument *document,
                GParamSpec   *pspec,
                GPtrArray    *seen)
{
  EvoxVolume *volume = evox_document_get_volume (document);

  if (volume != NULL)
    g_ptr_array_add (seen, g_object_ref (volume));
}

static void
test_previews_then_volume (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_stack (dir, 21, 18, 24, EVOX_TIFF_WRITE_NONE);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxVolume *last;
  gsize dims[3];

  g_setenv ("EVOX_PREVIEW_STRIDE", "4", TRUE);
  g_signal_connect (evox_window_get_document (window), "notify::volume",
                    G_CALLBACK (volume_changed), seen);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (evox_test_window_loaded, window, 120));
  g_unsetenv ("EVOX_PREVIEW_STRIDE");
  g_assert_null (evox_window_get_error (window));

  /* Coarse first (strides 4 and 2: 6 x 5 x 6, then 11 x 9 x 12), the whole volume last. On a
   * busy machine the loading thread can finish before the main loop has shown every preview;
   * the ones shown come in order, each with its stride's dims. */
  g_assert_cmpuint (seen->len, >=, 2);
  g_assert_cmpuint (seen->len, <=, 3);
  for (guint i = 0; i + 1 < seen->len; i++)
    {
      const char *stride = evox_volume_get_metadata (seen->pdata[i], "preview_stride");
      guint expect = seen->len == 3 ? (i == 0 ? 4 : 2) : 0;

      g_assert_nonnull (stride);
      if (expect != 0)
        g_assert_cmpuint (g_ascii_strtoull (stride, NULL, 10), ==, expect);
      evox_volume_get_dims (seen->pdata[i], dims);
      g_assert_cmpuint (dims[0], ==, (21 + g_ascii_strtoull (stride, NULL, 10) - 1)
                                     / g_ascii_strtoull (stride, NULL, 10));
      g_assert_cmpuint (dims[2], ==, (24 + g_ascii_strtoull (stride, NULL, 10) - 1)
                                     / g_ascii_strtoull (stride, NULL, 10));
    }
  last = seen->pdata[seen->len - 1];
  g_assert_true (evox_document_get_volume (evox_window_get_document (window)) == last);
  g_assert_null (evox_volume_get_metadata (last, "preview_stride"));
  evox_volume_get_dims (last, dims);
  g_assert_cmpuint (dims[0], ==, 21);
  g_assert_cmpuint (dims[2], ==, 24);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Zeros over the compressed bytes of the last page's first strip: Deflate then fails on that
 * page alone, after the previews (whose pages come first) are shown. */
static void
break_last_page (const char *path,
                 guint       n_pages)
{
  TIFF *tif = TIFFOpen (path, "r");
  toff_t offset;
  tmsize_t length;
  FILE *f;
  g_autofree guint8 *zeros = NULL;

  g_assert_nonnull (tif);
  g_assert_true (TIFFSetDirectory (tif, (tdir_t) (n_pages - 1)));
  offset = TIFFGetStrileOffset (tif, 0);
  length = (tmsize_t) TIFFGetStrileByteCount (tif, 0);
  TIFFClose (tif);
  g_assert_cmpint (length, >, 4);
  zeros = g_malloc0 (length - 2);
  f = fopen (path, "r+b");
  g_assert_nonnull (f);
  g_assert_cmpint (fseek (f, (long) offset + 2, SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (zeros, 1, length - 2, f), ==, (gsize) (length - 2));
  fclose (f);
}

static void
test_failed_after_preview (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_stack (dir, 21, 18, 24, EVOX_TIFF_WRITE_DEFLATE);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);

  break_last_page (path, 24);
  g_setenv ("EVOX_PREVIEW_STRIDE", "4", TRUE);
  g_signal_connect (evox_window_get_document (window), "notify::volume",
                    G_CALLBACK (volume_changed), seen);
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for ((gboolean (*) (gpointer)) evox_window_get_error, window,
                                     120));
  g_unsetenv ("EVOX_PREVIEW_STRIDE");
  /* The previews came, and went with the error: nothing half-read is left to work on. */
  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_false (evox_window_is_loading (window));
  g_assert_null (evox_document_get_volume (evox_window_get_document (window)));
  g_assert_nonnull (strstr (evox_window_get_error (window), "stack.tif"));
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A window opening a 64 x 48 x 40 u8 stack over a cap of 100 kB: held at 1:2 (32 x 24 x 20);
 * EVOX_PREVIEW_STRIDE 8 gives the file's voxels at stride 8 first, then the reduced volume's at
 * strides 4 and 2 (1:8, 1:4). Every volume the document is given is kept with the title it was given. */
typedef struct
{
  char       *dir;
  GPtrArray  *volumes;
  GPtrArray  *titles;
  EvoxWindow *window;
} ReducedOpen;

static void
shown_changed (EvoxDocument *document,
               GParamSpec   *pspec,
               ReducedOpen  *run)
{
  EvoxVolume *volume = evox_document_get_volume (document);

  if (volume == NULL)
    return;
  g_ptr_array_add (run->volumes, g_object_ref (volume));
  g_ptr_array_add (run->titles, g_strdup (evox_document_get_title (document)));
}

static void
open_reduced (ReducedOpen         *run,
              EvoxTiffWriteFlags   flags,
              gboolean           (*done) (gpointer))
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;

  run->dir = evox_test_tmpdir_new ();
  path = write_stack_of (run->dir, EVOX_SAMPLE_U8, 64, 48, 40, flags);
  file = g_file_new_for_path (path);
  run->volumes = g_ptr_array_new_with_free_func (g_object_unref);
  run->titles = g_ptr_array_new_with_free_func (g_free);
  run->window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  /* Past every preview's pages (reduced plane 19, read last). */
  if (flags & EVOX_TIFF_WRITE_DEFLATE)
    break_last_page (path, 40);
  g_setenv ("EVOX_PREVIEW_STRIDE", "8", TRUE);
  g_setenv ("EVOX_MEMORY_LIMIT", "100K", TRUE);
  g_signal_connect (evox_window_get_document (run->window), "notify::volume",
                    G_CALLBACK (shown_changed), run);
  gtk_window_set_default_size (GTK_WINDOW (run->window), 1000, 700);
  gtk_window_present (GTK_WINDOW (run->window));
  evox_window_open_file (run->window, file, NULL);
  g_assert_true (evox_test_wait_for (done, run->window, 120));
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_unsetenv ("EVOX_PREVIEW_STRIDE");
}

static void
close_reduced (ReducedOpen *run)
{
  evox_test_close_window (run->window);
  g_ptr_array_unref (run->volumes);
  g_ptr_array_unref (run->titles);
  evox_test_tmpdir_free (g_steal_pointer (&run->dir));
}

/* Previews of the file and of the planes done are shown, in order, each titled with its stride
 * in the file's voxels; the reduced volume replaces them with its own title. */
static void
test_reduced_previews_then_volume (void)
{
  ReducedOpen run = { NULL };
  const guint strides[] = { 8, 8, 4 };
  guint next = 0;
  EvoxVolume *last;
  gsize dims[3];

  open_reduced (&run, EVOX_TIFF_WRITE_NONE, evox_test_window_loaded);
  g_test_message ("%u previews shown", run.volumes->len - 1);
  g_assert_null (strstr (evox_window_get_error (run.window), "Could not"));
  /* Coarse first; a preview the loading thread sent may still have been queued when the
   * volume came (and is then dropped), so the ones shown are checked, in order. */
  g_assert_cmpuint (run.volumes->len, >=, 2);
  g_assert_cmpuint (run.volumes->len, <=, 4);
  for (guint i = 0; i + 1 < run.volumes->len; i++)
    {
      g_autofree char *title = NULL;
      guint stride;

      stride = (guint) g_ascii_strtoull (evox_volume_get_metadata (run.volumes->pdata[i],
                                                                   "preview_stride"), NULL, 10);
      while (next < G_N_ELEMENTS (strides) && strides[next] != stride)
        next++;
      g_assert_cmpuint (next, <, G_N_ELEMENTS (strides));
      next++;
      evox_volume_get_dims (run.volumes->pdata[i], dims);
      g_assert_cmpuint (dims[0], ==, (64 + stride - 1) / stride);
      g_assert_cmpuint (dims[1], ==, (48 + stride - 1) / stride);
      g_assert_cmpuint (dims[2], ==, (40 + stride - 1) / stride);
      title = g_strdup_printf ("stack.tif (loading: preview at 1:%u)", stride);
      g_assert_cmpstr (run.titles->pdata[i], ==, title);
    }
  last = run.volumes->pdata[run.volumes->len - 1];
  g_assert_true (evox_document_get_volume (evox_window_get_document (run.window)) == last);
  g_assert_null (evox_volume_get_metadata (last, "preview_stride"));
  g_assert_cmpuint (evox_volume_get_reduction (last), ==, 2);
  evox_volume_get_dims (last, dims);
  g_assert_cmpuint (dims[0], ==, 32);
  g_assert_cmpuint (dims[2], ==, 20);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (run.window)), ==,
                   "stack.tif (1:2 in memory; full resolution on demand)");
  close_reduced (&run);
}

static gboolean
failed (gpointer window)
{
  return evox_window_get_error (window) != NULL && !evox_window_is_loading (window);
}

/* A Deflate stack broken in its last page, read after every level of previews: the previews
 * are shown, then gone with the error. */
static void
test_reduced_failed_after_preview (void)
{
  ReducedOpen run = { NULL };

  open_reduced (&run, EVOX_TIFF_WRITE_DEFLATE, failed);
  g_assert_cmpuint (run.volumes->len, >=, 1);
  for (guint i = 0; i < run.volumes->len; i++)
    g_assert_nonnull (evox_volume_get_metadata (run.volumes->pdata[i], "preview_stride"));
  g_assert_null (evox_document_get_volume (evox_window_get_document (run.window)));
  g_assert_nonnull (strstr (evox_window_get_error (run.window), "stack.tif"));
  g_assert_nonnull (strstr (evox_window_get_error (run.window), "Could not open"));
  close_reduced (&run);
}

static GtkWidget *
find_progress_bar (GtkWidget *widget)
{
  if (GTK_IS_PROGRESS_BAR (widget) && gtk_widget_has_css_class (gtk_widget_get_parent (widget),
                                                                  "evox-load"))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_progress_bar (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static void
foreground (GtkWidget *widget,
            GdkRGBA   *color)
{
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
}
G_GNUC_END_IGNORE_DEPRECATIONS

/* The loading box's stage ("Reading TIFF pages", the progress bar's text) is in the box's own
 * light text, not the theme's faint dark progress text, which vanished over a preview. */
static void
test_load_stage_readable (void)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  GtkWidget *bar;
  GdkRGBA bar_color, box_color;

  gtk_window_present (GTK_WINDOW (window));
  bar = find_progress_bar (GTK_WIDGET (window));
  g_assert_nonnull (bar);
  foreground (bar, &bar_color);
  foreground (gtk_widget_get_parent (bar), &box_color);
  {
    g_autofree char *bar_text = gdk_rgba_to_string (&bar_color);
    g_autofree char *box_text = gdk_rgba_to_string (&box_color);

    g_test_message ("bar %s, box %s", bar_text, box_text);
  }
  g_assert_true (gdk_rgba_equal (&bar_color, &box_color));
  /* Light on the dark box. */
  g_assert_cmpfloat (bar_color.red + bar_color.green + bar_color.blue, >, 1.5);
  g_assert_cmpfloat (bar_color.alpha, >, 0.7);
  evox_test_close_window (window);
}

static void
record_view (EvoxWindow *window,
             gpointer    data)
{
  *(EvoxView *) data = evox_document_get_view (evox_window_get_document (window));
}

/* `evox --view z FILE` on a volume that opens coarse first: the view asked for holds on the
 * whole volume, not only on the first preview (which the volume replacing it used to undo). */
static void
test_startup_view_after_previews (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = write_stack (dir, 21, 18, 24, EVOX_TIFF_WRITE_NONE);
  EvoxView view = EVOX_VIEW_SLICES;

  g_setenv ("EVOX_PREVIEW_STRIDE", "4", TRUE);
  g_assert_cmpint (evox_test_run_viewer ((const char *[]) { "--view", "z", path, NULL },
                                         record_view, &view), ==, 0);
  g_unsetenv ("EVOX_PREVIEW_STRIDE");
  g_assert_cmpint (view, ==, EVOX_VIEW_SLICE_Z);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/BigloadUi/previews-then-volume", test_previews_then_volume);
  g_test_add_func ("/Evox/BigloadUi/load-stage-readable", test_load_stage_readable);
  g_test_add_func ("/Evox/BigloadUi/startup-view-after-previews",
                   test_startup_view_after_previews);
  g_test_add_func ("/Evox/BigloadUi/failed-after-preview", test_failed_after_preview);
  g_test_add_func ("/Evox/BigloadUi/reduced-previews-then-volume",
                   test_reduced_previews_then_volume);
  g_test_add_func ("/Evox/BigloadUi/reduced-failed-after-preview",
                   test_reduced_failed_after_preview);
  return g_test_run ();
}

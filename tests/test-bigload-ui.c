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
#include "evox-window.h"

static char *
write_stack (const char         *dir,
             gsize               nx,
             gsize               ny,
             gsize               nz,
             EvoxTiffWriteFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_U16, &error);
  char *path = g_build_filename (dir, "stack.tif", NULL);
  guint16 *v = evox_volume_get_data_mut (volume, 0);

  for (gsize i = 0; i < nx * ny * nz; i++)
    v[i] = (guint16) (i * 7919 % 65536);
  g_assert_true (evox_tiff_write (volume, 0, path, flags, &error));
  g_assert_no_error (error);
  return path;
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
  g_assert_true (evox_test_wait_for (evox_test_window_loaded, window, 60));
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
                                     60));
  g_unsetenv ("EVOX_PREVIEW_STRIDE");
  /* The previews came, and went with the error: nothing half-read is left to work on. */
  g_assert_cmpuint (seen->len, ==, 2);
  g_assert_false (evox_window_is_loading (window));
  g_assert_null (evox_document_get_volume (evox_window_get_document (window)));
  g_assert_nonnull (strstr (evox_window_get_error (window), "stack.tif"));
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/BigloadUi/previews-then-volume", test_previews_then_volume);
  g_test_add_func ("/Evox/BigloadUi/failed-after-preview", test_failed_after_preview);
  return g_test_run ();
}

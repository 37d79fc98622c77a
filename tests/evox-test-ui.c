/* evox-test-ui.c: helpers shared by the widget and window tests. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <epoxy/gl.h>

#include "evox-test-ui.h"

#include "evox-application.h"
#include "evox-display.h"

gboolean
evox_test_ui_init (int    *argc,
                   char ***argv)
{
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_print ("1..0 # SKIP no display: run under xvfb-run -a\n");
      return FALSE;
    }
  /* No session bus under xvfb-run: GTK's AT-SPI bridge would warn, and warnings are fatal. */
  g_setenv ("GTK_A11Y", "test", FALSE);
  gtk_test_init (argc, argv, NULL);
  return TRUE;
}

gboolean
evox_test_wait_for (gboolean (*check) (gpointer),
                    gpointer   data,
                    double     seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!check (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
evox_test_spin (double seconds)
{
  evox_test_wait_for (never, NULL, seconds);
}

guint
evox_test_get_refs (gpointer object)
{
  g_assert_true (G_IS_OBJECT (object));
  return (guint) g_atomic_int_get ((gint *) &G_OBJECT (object)->ref_count);
}

typedef struct
{
  gpointer object;
  guint    n;
} RefsWait;

static gboolean
refs_at_most (gpointer data)
{
  RefsWait *wait = data;

  return evox_test_get_refs (wait->object) <= wait->n;
}

void
evox_test_wait_refs (gpointer object,
                     guint    n)
{
  RefsWait wait = { object, n };

  g_assert_true (evox_test_wait_for (refs_at_most, &wait, 60));
}

static gboolean
weak_ref_cleared (gpointer data)
{
  g_autoptr (GObject) object = g_weak_ref_get (data);

  return object == NULL;
}

void
evox_test_assert_released (gpointer object)
{
  GWeakRef weak;

  g_assert_true (G_IS_OBJECT (object));
  /* A GWeakRef, not a weak pointer: the last reference may go on a worker thread. */
  g_weak_ref_init (&weak, object);
  g_object_unref (object);
  g_assert_true (evox_test_wait_for (weak_ref_cleared, &weak, 60));
  g_weak_ref_clear (&weak);
}

static void
count_paint (GdkFrameClock *clock,
             guint         *painted)
{
  (*painted)++;
}

static gboolean
painted_once (gpointer painted)
{
  return *(guint *) painted > 0;
}

void
evox_test_wait_painted (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  guint painted = 0;
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (count_paint), &painted);
  /* Asks for a frame even when nothing changed on screen, or the widget is on a page not shown
   * (its own queue_draw would ask for nothing). */
  gtk_widget_queue_draw (GTK_WIDGET (gtk_widget_get_root (widget)));
  g_assert_true (evox_test_wait_for (painted_once, &painted, 60));
  g_signal_handler_disconnect (clock, id);
}

gboolean
evox_test_is_drawn (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

GtkWidget *
evox_test_show_in_window (GtkWidget *child,
                          int        width,
                          int        height)
{
  GtkWidget *window = g_object_ref_sink (gtk_window_new ());

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, child, 60));
  return window;
}

GtkWindow *
evox_test_find_toplevel (const char *title)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (gtk_window_get_title (window), title) == 0)
        return window;
    }
  return NULL;
}

static gboolean
methods_shown (gpointer unused)
{
  return evox_test_find_toplevel ("Methods") != NULL;
}

GtkWindow *
evox_test_show_methods (EvoxWindow *window)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-methods", NULL));
  g_assert_true (evox_test_wait_for (methods_shown, NULL, 60));
  return evox_test_find_toplevel ("Methods");
}

char *
evox_test_dup_methods_text (GtkWindow *methods)
{
  GtkWidget *view = evox_test_find_descendant (GTK_WIDGET (methods), GTK_TYPE_TEXT_VIEW);
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_assert_nonnull (view);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

gboolean
evox_test_window_loaded (gpointer window)
{
  return !evox_window_is_loading (window) &&
         evox_document_get_volume (evox_window_get_document (window)) != NULL;
}

EvoxWindow *
evox_test_open_file (const char *path)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_file (window, file, NULL);
  g_assert_true (evox_test_wait_for (evox_test_window_loaded, window, 60));
  g_assert_null (evox_window_get_error (window));
  return window;
}

void
evox_test_close_window (EvoxWindow *window)
{
  EvoxDocument *document = evox_window_get_document (window);

  g_object_add_weak_pointer (G_OBJECT (document), (gpointer *) &document);
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
  g_assert_null (document);
}

typedef struct
{
  EvoxTestViewerSeen  seen;
  gpointer            data;
  gboolean            done;
} ViewerCheck;

static gboolean
check_viewer (gpointer user_data)
{
  GApplication *app = user_data;
  ViewerCheck *check = g_object_get_data (G_OBJECT (app), "evox-test-viewer");
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));
  EvoxWindow *window;

  /* The source stays until evox_test_run_viewer removes it. */
  if (windows == NULL || check->done)
    return G_SOURCE_CONTINUE;
  window = windows->data;
  if (evox_window_is_loading (window) ||
      evox_document_get_volume (evox_window_get_document (window)) == NULL)
    return G_SOURCE_CONTINUE;
  check->done = TRUE;
  check->seen (window, check->data);
  gtk_window_destroy (GTK_WINDOW (window));
  return G_SOURCE_CONTINUE;
}

int
evox_test_run_viewer (const char * const *args,
                      EvoxTestViewerSeen  seen,
                      gpointer            data)
{
  g_autoptr (EvoxApplication) app = evox_application_new ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  ViewerCheck check = { seen, data, FALSE };
  guint id;
  int status;

  g_ptr_array_add (argv, (char *) "evox");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_object_set_data (G_OBJECT (app), "evox-test-viewer", &check);
  id = g_timeout_add (50, check_viewer, app);
  status = g_application_run (G_APPLICATION (app), (int) argv->len - 1, (char **) argv->pdata);
  g_source_remove (id);
  return status;
}

GtkWidget *
evox_test_panel_window_new (GtkWidget *panel,
                            int        width,
                            int        height)
{
  GtkWidget *window = g_object_ref_sink (gtk_window_new ());
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), panel);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, panel, 60));
  return window;
}

GtkWindow *
evox_test_find_file_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

gboolean
evox_test_file_dialog_shown (gpointer unused)
{
  return evox_test_find_file_dialog () != NULL;
}

gboolean
evox_test_file_dialog_gone (gpointer unused)
{
  return evox_test_find_file_dialog () == NULL;
}

static gboolean
file_dialog_names (gpointer path)
{
  g_autoptr(GFile) file =
    gtk_file_chooser_get_file (GTK_FILE_CHOOSER (evox_test_find_file_dialog ()));

  return file != NULL && g_strcmp0 (g_file_peek_path (file), path) == 0;
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS
void
evox_test_answer_file_dialog (const char *path,
                              int         response)
{
  GtkWindow *dialog;

  g_assert_true (evox_test_wait_for (evox_test_file_dialog_shown, NULL, 60));
  dialog = evox_test_find_file_dialog ();
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), path);
  g_assert_true (evox_test_wait_for (file_dialog_names, (gpointer) path, 60));
  gtk_dialog_response (GTK_DIALOG (dialog), response);
}
G_GNUC_END_IGNORE_DEPRECATIONS

GtkWidget *
evox_test_find_named (GtkWidget  *widget,
                      const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = evox_test_find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
evox_test_find_descendant (GtkWidget *widget,
                           GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = evox_test_find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

void
evox_test_grab_frame (GtkGLArea    *area,
                      EvoxTestGrab *grab)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (area));

  grab->width = gtk_widget_get_width (GTK_WIDGET (area)) * scale;
  grab->height = gtk_widget_get_height (GTK_WIDGET (area)) * scale;
  g_free (grab->pixels);
  grab->pixels = g_malloc ((gsize) grab->width * grab->height * 4);
  glReadPixels (0, 0, grab->width, grab->height, GL_RGBA, GL_UNSIGNED_BYTE, grab->pixels);
}

gboolean
evox_test_grabbed (gpointer grab)
{
  return ((EvoxTestGrab *) grab)->pixels != NULL;
}

static guint32 *
render_now (GtkWidget *widget,
            int       *width,
            int       *height)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guint32 *pixels;

  *width = gtk_widget_get_width (widget);
  *height = gtk_widget_get_height (widget);
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, *width, *height));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, *width);
  pixels = g_new (guint32, (gsize) *width * *height);
  gdk_texture_download (texture, (guint8 *) pixels, (gsize) *width * 4);
  return pixels;
}

typedef struct
{
  GtkWidget *widget;
  guint32   *pixels;
  int        width;
  int        height;
} RenderWait;

static void
render_after_paint (GdkFrameClock *clock,
                    gpointer       data)
{
  RenderWait *wait = data;

  if (wait->pixels == NULL)
    wait->pixels = render_now (wait->widget, &wait->width, &wait->height);
}

static gboolean
render_done (gpointer data)
{
  return ((RenderWait *) data)->pixels != NULL;
}

guint32 *
evox_test_render_widget (GtkWidget *widget,
                         int       *width,
                         int       *height)
{
  RenderWait wait = { widget, NULL, 0, 0 };
  GdkFrameClock *clock;
  gulong handler;

  /* A widget queued for resize (a page just switched, a pane just shown) has no current
   * allocation until the next frame's layout, and snapshotting it then is an error. Right
   * after a frame's paint every allocation is current: render there, on the frame a queued
   * draw asks for. */
  if (!gtk_widget_get_mapped (widget))
    return render_now (widget, width, height);
  clock = gtk_widget_get_frame_clock (widget);
  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (render_after_paint), &wait);
  gtk_widget_queue_draw (widget);
  g_assert_true (evox_test_wait_for (render_done, &wait, 120));
  g_signal_handler_disconnect (clock, handler);
  *width = wait.width;
  *height = wait.height;
  return wait.pixels;
}

gboolean
evox_test_screenshot (GtkWidget  *widget,
                      const char *name)
{
  const char *dir = g_getenv ("EVOX_TEST_SCREENSHOTS");
  g_autofree guint32 *pixels = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (dir == NULL)
    return FALSE;
  pixels = evox_test_render_widget (widget, &width, &height);
  bytes = g_bytes_new_take (g_steal_pointer (&pixels), (gsize) width * height * 4);
  /* Cairo's ARGB32 words are GDK's default memory layout. */
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, (gsize) width * 4);
  file = g_strdup_printf ("%s.png", name);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot %s", path);
  return TRUE;
}

guint
evox_test_colormap_distance (const char   *name,
                             const guint8 *rgb)
{
  const guint8 (*table)[3] = evox_colormap_get_table (name);
  guint best = G_MAXUINT;

  for (guint i = 0; i < 256; i++)
    {
      guint d = ABS ((int) table[i][0] - rgb[0]) + ABS ((int) table[i][1] - rgb[1]) +
                ABS ((int) table[i][2] - rgb[2]);
      best = MIN (best, d);
    }
  return best;
}

typedef struct
{
  EvoxSpectrumPanel *panel;
  guint              n;
} PinWait;

static gboolean
pinned_reaches (gpointer data)
{
  PinWait *wait = data;

  return evox_spectrum_panel_get_n_pending (wait->panel) == 0 &&
         evox_spectrum_panel_get_n_pinned (wait->panel) >= wait->n;
}

void
evox_test_wait_pinned (EvoxSpectrumPanel *panel,
                       guint              n)
{
  PinWait wait = { panel, n };

  g_assert_true (evox_test_wait_for (pinned_reaches, &wait, 60));
  g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (panel), ==, n);
}

/* The canvas as shown, after the next frame: RGBA rows from the bottom up. */
void
evox_test_grab_next_frame (EvoxWindow   *window,
                           EvoxTestGrab *grab)
{
  GtkWidget *canvas = evox_window_get_canvas (window);
  gulong id = g_signal_connect (canvas, "frame-drawn", G_CALLBACK (evox_test_grab_frame), grab);

  g_clear_pointer (&grab->pixels, g_free);
  gtk_widget_queue_draw (canvas);
  gtk_gl_area_queue_render (GTK_GL_AREA (canvas));
  g_assert_true (evox_test_wait_for (evox_test_grabbed, grab, 60));
  g_signal_handler_disconnect (canvas, id);
}

/* evox-test-ui.h: helpers shared by the widget and window tests (main loop, frames, pixels). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-spectrum-panel.h"
#include "evox-window.h"

G_BEGIN_DECLS

/* gtk_test_init() for a suite that needs a display; FALSE, after printing a TAP plan that skips
 * everything, when there is none (run it under xvfb-run -a). */
gboolean evox_test_ui_init           (int          *argc,
                                      char       ***argv);

/* Spins the main loop until check (data) holds (TRUE) or `seconds` pass (FALSE). */
gboolean evox_test_wait_for          (gboolean    (*check) (gpointer),
                                      gpointer      data,
                                      double        seconds);

/* Runs the main loop for `seconds`: only where a test shows that nothing happens, or gives a
 * person time to look; everything else waits for its event. */
void     evox_test_spin              (double        seconds);
/* The references object holds now (atomic read). */
guint    evox_test_get_refs          (gpointer      object);
/* Waits (60 s at most, a guard against a hang) until object holds at most n references: a job
 * that took some (a cancelled search still reading the volume) lets go of them once its worker
 * has returned and its callback has run, which on a loaded machine takes any time. Count n when
 * the window has settled (after evox_test_wait_painted), before the job starts. */
void     evox_test_wait_refs         (gpointer      object,
                                      guint         n);
/* Drops the caller's reference to object and waits (60 s at most, a guard against a hang) until
 * something finalizes it: a cancelled job may still hold it until its worker notices and its
 * callback has run, which on a loaded machine takes any time. */
void     evox_test_assert_released   (gpointer      object);
/* Waits (60 s at most) until the window of widget has painted a whole frame after this call, so
 * that what was changed before it has been laid out and drawn. */
void     evox_test_wait_painted      (GtkWidget    *widget);
/* A check for evox_test_wait_for: the widget is mapped and has been given a width. */
gboolean evox_test_is_drawn          (gpointer      widget);
/* A new width x height window (a reference the caller owns) showing child, once child is drawn. */
GtkWidget *evox_test_show_in_window  (GtkWidget    *child,
                                      int           width,
                                      int           height);

/* The toplevel window of that title (NULL: none); transfer none. */
GtkWindow  *evox_test_find_toplevel  (const char *title);
/* Activates the window's Methods… and returns the window it opens (transfer none). */
GtkWindow  *evox_test_show_methods   (EvoxWindow *window);
/* The text that window shows. */
char       *evox_test_dup_methods_text (GtkWindow *methods);
/* A check for evox_test_wait_for: the EvoxWindow has a volume and is not loading. */
gboolean    evox_test_window_loaded (gpointer    window);
/* A 1000 x 700 window that has opened the file at `path` (within 60 s, without an error). */
EvoxWindow *evox_test_open_file     (const char *path);

/* A window made for a test (demo or file already asked for), closed: the window and its document
 * must be finalized. */
void     evox_test_close_window      (EvoxWindow   *window);

/* What a test records of the viewer's first window once its volume is there. */
typedef void (*EvoxTestViewerSeen) (EvoxWindow *window,
                                    gpointer    data);

/* The viewer's command line (args after the program name, NULL-terminated), run in this process
 * as main() runs it: once the first window has its volume and is not loading, seen (window, data)
 * records it and the window closes, so the application returns. Returns its exit status. */
int         evox_test_run_viewer     (const char * const *args,
                                      EvoxTestViewerSeen  seen,
                                      gpointer            data);

/* A width x height window (a reference owned by the caller) showing panel in a scrolled window,
 * presented and drawn (within 60 s). */
GtkWidget *evox_test_panel_window_new (GtkWidget    *panel,
                                       int           width,
                                       int           height);

/* Waits (60 s at most) until the Spectra page has no spectrum pending and n pinned, and asserts
 * that it holds exactly n. */
void       evox_test_wait_pinned     (EvoxSpectrumPanel *panel,
                                      guint              n);

/* The first widget of `type` in widget's tree (widget itself included, depth first), or NULL. */
GtkWidget *evox_test_find_descendant (GtkWidget    *widget,
                                      GType         type);

/* The file chooser on screen: GtkFileChooserNative falls back to a dialog where there is no
 * portal (as under xvfb-run); NULL when none is shown. */
GtkWindow *evox_test_find_file_dialog   (void);
/* Checks for evox_test_wait_for: a file chooser is shown; none is. */
gboolean   evox_test_file_dialog_shown  (gpointer      unused);
gboolean   evox_test_file_dialog_gone   (gpointer      unused);
/* Answers the file chooser on screen as a user would: `path` typed whole into its name (its
 * folder would change only after turns of the main loop), then `response`. */
void       evox_test_answer_file_dialog (const char   *path,
                                         int           response);

/* The first widget named `name` (gtk_widget_set_name, or the .ui's name) in widget's tree (widget
 * itself included, depth first), or NULL. */
GtkWidget *evox_test_find_named      (GtkWidget    *widget,
                                      const char   *name);

/* The pixels a GtkGLArea drew last, read back from its own framebuffer: connect
 * evox_test_grab_frame to the canvas's "frame-drawn" with the EvoxTestGrab as data, clear
 * `pixels` and wait for evox_test_grabbed. RGBA rows from the bottom up; free `pixels`. */
typedef struct
{
  int     width;
  int     height;
  guint8 *pixels;
} EvoxTestGrab;

void     evox_test_grab_frame        (GtkGLArea    *area,
                                      EvoxTestGrab *grab);
gboolean evox_test_grabbed           (gpointer      grab);
/* The window's canvas as shown after the next frame: RGBA rows from the bottom up. */
void     evox_test_grab_next_frame   (EvoxWindow   *window,
                                      EvoxTestGrab *grab);

/* A widget's own drawing (without its CSS background) rendered through its window's renderer,
 * for a mapped widget on the next frame, once its allocation is current: width x height Cairo ARGB32 pixels, rows `width` words apart; g_free() them. */
guint32 *evox_test_render_widget     (GtkWidget    *widget,
                                      int          *width,
                                      int          *height);

/* With EVOX_TEST_SCREENSHOTS=DIR set, what the widget draws (a window: all of it, the GL canvas
 * included) goes to DIR/NAME.png for a person to look at; nothing happens when it is unset.
 * Returns whether a file was written. */
gboolean evox_test_screenshot        (GtkWidget    *widget,
                                      const char   *name);

/* The smallest sum of absolute RGB differences between rgb and an entry of the colour map. */
guint    evox_test_colormap_distance (const char   *name,
                                      const guint8 *rgb);

G_END_DECLS

/* evox-ui-util.h: small glue shared by the window, its panels and its plots. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

#include "evox-progress.h"
#include "evox-document.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* Binds an enum property of source both ways to a dropdown whose items are listed in the enum's
 * order (item i is value i). Returns the binding, owned by the two objects. */
/* A filter named name matching the NULL-terminated glob patterns, added to chooser. */
void      _evox_chooser_add_filter    (GtkFileChooser *chooser,
                                       const char     *name,
                                       const char    **patterns);
GBinding *_evox_bind_enum_to_dropdown (gpointer     source,
                                       const char  *property,
                                       GtkDropDown *dropdown);

/* Unbinds and drops each binding of the array that is set (those a panel or row holds a
 * reference on, to cut before either end goes). */
void      _evox_clear_bindings        (GBinding    **bindings,
                                       guint         n_bindings);

/* Channels in words, one way for every page. The spectral readers label a channel by its energy
 * ("8324.0 eV"): such a label is no name of its own, so the energy is said once. */
gboolean  _evox_channel_has_energy    (EvoxVolume  *volume,
                                       guint        channel);
const char *_evox_channel_own_name    (EvoxVolume  *volume,
                                       guint        channel);
/* "Ni edge · 8345 eV", "8324 eV", "Ni edge", or "Channel 3". */
char     *_evox_describe_channel      (EvoxVolume  *volume,
                                       guint        channel);
/* Measured channels that all have energies, two or more of them without names of their own (or
 * four or more with names): a scan along the energy axis, which a slider steps through and the
 * Spectra page plots. */
gboolean  _evox_volume_is_energy_scan (EvoxVolume  *volume);

/* "10⁻⁵" style label of a power of ten. */
char     *_evox_format_decade         (int          exponent);

/* Sliders over a value of the volume (the display range, the iso level). With log_of_value (a
 * log10 transfer over a channel that stores linear values) the slider's position is log10 of the
 * value; otherwise the position is the stored value. */
double    _evox_value_to_slider       (double       value,
                                       gboolean     log_of_value);
double    _evox_value_from_slider     (double       position,
                                       gboolean     log_of_value);
/* The slider's bounds lower..upper (never empty) and its step (a thousandth of them) over the
 * data range lo..hi; with log_of_value, lo is first raised to the document's range's positive
 * low end (or hi / 10⁶), as no log slider reaches 0. */
void      _evox_value_slider_range    (EvoxDocument *document,
                                       gboolean      log_of_value,
                                       double       *lo,
                                       double        hi,
                                       double       *lower,
                                       double       *upper,
                                       double       *step);

/* Drawing helpers of the snapshot plots (histogram view, EvoxPlot) */

/* Axis furniture in pixels: tick marks, and the gap between a tick and its label. */
#define EVOX_TICK_LENGTH 4
#define EVOX_LABEL_GAP 2

typedef struct
{
  double  at;       /* axis coordinate */
  char   *label;    /* NULL for minor ticks */
  int     width;    /* label size in pixels */
  int     height;
} EvoxTick;

/* Returns the label of a tick at `at` on an axis stepped by `step`; `user_data` as given to
 * _evox_stepped_ticks(). */
typedef char *(*EvoxTickFormat) (double   at,
                                 double   step,
                                 gpointer user_data);

/* A solid rectangle; nothing when it is empty. */
void         _evox_fill               (GtkSnapshot           *snapshot,
                                       const GdkRGBA         *color,
                                       double                 x,
                                       double                 y,
                                       double                 width,
                                       double                 height);
GdkRGBA      _evox_with_alpha         (const GdkRGBA         *color,
                                       float                  alpha);
void         _evox_get_foreground     (GtkWidget             *widget,
                                       GdkRGBA               *color);

/* A layout for the widget's axis labels, in a small font. */
PangoLayout *_evox_create_small_layout (GtkWidget            *widget);
void         _evox_measure_text       (PangoLayout           *layout,
                                       const char            *text,
                                       int                   *width,
                                       int                   *height);
/* Draws `text` with its top left corner at the whole pixel nearest (x, y). */
void         _evox_draw_text          (GtkSnapshot           *snapshot,
                                       PangoLayout           *layout,
                                       const char            *text,
                                       double                 x,
                                       double                 y,
                                       const GdkRGBA         *color);
/* Draws `title` centred under the width of `area` (kept inside the widget's left edge). */
void         _evox_draw_title         (GtkSnapshot           *snapshot,
                                       PangoLayout           *layout,
                                       const char            *title,
                                       const graphene_rect_t *area,
                                       double                 y,
                                       const GdkRGBA         *color);

/* A column view cell factory whose cells are right-aligned numeric labels; `bind` (a
 * GtkSignalListItemFactory "bind" handler) gets `column` as its user data and sets the text. */
GtkListItemFactory *_evox_numeric_cell_factory (GCallback bind,
                                                guint     column);

/* Value labels for a linear axis stepped by `step`: as many decimals as the step needs,
 * switching to three significant digits for large values or more than `max_decimals`. */
char        *_evox_format_tick_value  (double                 value,
                                       double                 step,
                                       int                    max_decimals);

/* An empty array of EvoxTick that frees the labels. */
GArray      *_evox_ticks_new          (void);
/* Appends a tick, taking `label` (NULL for a minor tick) and measuring it with `layout`. */
void         _evox_ticks_add          (GArray                *ticks,
                                       PangoLayout           *layout,
                                       double                 at,
                                       char                  *label);
/* Whether neighbouring labels on an axis from a0 to a1 drawn `length` pixels long keep apart,
 * along x (horizontal) or y. */
gboolean     _evox_ticks_fit          (GArray                *ticks,
                                       double                 a0,
                                       double                 a1,
                                       double                 length,
                                       gboolean               horizontal);
/* Evenly stepped ticks (1, 2 or 5 times a power of ten) from a0 to a1, starting at about one
 * per `spacing` pixels (and no finer than `min_step`) and widening the step until the labels
 * fit. */
GArray      *_evox_stepped_ticks      (PangoLayout           *layout,
                                       double                 a0,
                                       double                 a1,
                                       double                 length,
                                       gboolean               horizontal,
                                       double                 spacing,
                                       double                 min_step,
                                       EvoxTickFormat         format,
                                       gpointer               user_data);

/* Ticks of a vertical axis from a0 (the bottom of `area`) to a1 (its top): a mark and label to
 * the left of the area and a grid line across it, the labels kept inside `widget_height`. */
void         _evox_draw_y_ticks       (GtkSnapshot           *snapshot,
                                       PangoLayout           *layout,
                                       GArray                *ticks,
                                       const graphene_rect_t *area,
                                       double                 a0,
                                       double                 a1,
                                       int                    widget_height,
                                       const GdkRGBA         *fg);
/* Ticks of a horizontal axis from a0 (the left of `area`) to a1 (its right), marked downwards
 * from `top` with their labels beneath, kept inside `widget_width`; minor ticks half as long. */
void         _evox_draw_x_ticks       (GtkSnapshot           *snapshot,
                                       PangoLayout           *layout,
                                       GArray                *ticks,
                                       const graphene_rect_t *area,
                                       double                 a0,
                                       double                 a1,
                                       double                 top,
                                       int                    widget_width,
                                       const GdkRGBA         *fg);

/* "#rrggbb" of a colour chooser's colour (alpha ignored). */
char     *_evox_rgba_to_hex           (const GdkRGBA  *rgba);
/* Shows a "#rrggbb" colour in a colour button without its "color-set" handlers hearing of it (a
 * model's colour shown, not chosen); nothing when hex does not parse. */
void      _evox_color_button_set_hex  (GtkColorButton *button,
                                       const char     *hex);
/* "#rrggbb" of the colour the button shows. */
char     *_evox_color_button_dup_hex  (GtkColorButton *button);

/* Shows how far a background job has come: its fraction and current stage ("Starting" before the
 * first stage). Called from a timeout while the job runs. */
void      _evox_show_progress         (GtkProgressBar *bar,
                                       EvoxProgress   *progress);

/* A panel's background job as the panel shows it: the cancellable its worker checks, the
 * progress the worker writes, the bar (inside box) that a timer fills from it meanwhile, and what
 * the panel does once the job stops (its actions and busy state). */
typedef struct
{
  GCancellable   *cancellable;
  EvoxProgress   *progress;
  guint           poll_id;
  GtkProgressBar *bar;
  GtkWidget      *box;
  void          (*stopped) (gpointer owner);
  gpointer        owner;
} EvoxUiJob;

/* Shows a new job in bar and box; the caller hands job->cancellable and job->progress to the
 * worker. stopped (owner) runs each time the job stops. */
void      _evox_ui_job_start          (EvoxUiJob      *job,
                                       GtkProgressBar *bar,
                                       GtkWidget      *box,
                                       void          (*stopped) (gpointer owner),
                                       gpointer        owner);
/* Stops showing the job and forgets it, then runs its stopped callback; FALSE when none was
 * running. */
gboolean  _evox_ui_job_stop           (EvoxUiJob      *job);
/* The same, cancelling the job first: its finished callback then only drops its result. */
gboolean  _evox_ui_job_cancel         (EvoxUiJob      *job);

/* Writes the file at path for owner; user_data as given to _evox_save_chooser_new(). */
typedef gboolean (*EvoxSaveFunc)      (GtkWidget      *owner,
                                       const char     *path,
                                       gpointer        user_data,
                                       GError        **error);
/* Shows a failure where owner shows its errors. */
typedef void     (*EvoxShowErrorFunc) (GtkWidget      *owner,
                                       const char     *message);

/* A modal save dialog over owner's window (title, accept label, suggested file name), to be
 * shown. Once the user accepts, save writes the file, replacing one (the dialog has asked
 * before), and the window shows it saved; or show_error gets `failure`, a format taking the
 * path then the reason. The dialog unrefs itself once answered. */
GtkFileChooserNative *_evox_save_chooser_new (GtkWidget         *owner,
                                              const char        *title,
                                              const char        *accept,
                                              const char        *name,
                                              EvoxSaveFunc       save,
                                              gpointer           user_data,
                                              const char        *failure,
                                              EvoxShowErrorFunc  show_error);

/* Disposes the template of a panel whose template holds one unnamed top-level child under a bin
 * layout: the template's named children, then that child, which gtk_widget_dispose_template
 * leaves in place. */
void      _evox_dispose_bin_template  (GtkWidget      *widget,
                                       GType           type);

/* Spin buttons and scales in scrolled take the wheel only when focused; otherwise it scrolls
 * the panel. */
void      _evox_guard_panel_wheel     (GtkScrolledWindow *scrolled);
/* Whether a spin button or scale under the pointer gets the wheel: it has the focus. */
gboolean  _evox_wheel_reaches         (GtkWidget         *widget);

/* The provenance record (evox-methods.h) of the document's file and operation for a CSV that
 * widget's page exports, when its window's File > Include Provenance in CSV
 * (win.csv-provenance) is on; NULL otherwise, and the CSV stays plain. */
char     *_evox_ui_csv_provenance     (GtkWidget         *widget,
                                       EvoxDocument      *document,
                                       const char        *operation);

G_END_DECLS

/* evox-ui-util.c: small glue shared by the window, its panels and its plots. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-ui-util.h"

#include <glib/gi18n.h>
#include <math.h>

#include "evox-axis.h"
#include "evox-display.h"
#include "evox-methods.h"
#include "evox-window.h"

gboolean
_evox_channel_has_energy (EvoxVolume *volume,
                          guint       channel)
{
  double energy = evox_volume_get_channel_energy (volume, channel);

  /* Readers store NaN (or 0) for a channel that is not an energy. */
  return isfinite (energy) && energy > 0;
}

/* Whether label is nothing but a number of eV (or keV, or no unit) within the rounding of a
 * printed energy. */
static gboolean
label_is_energy (const char *label,
                 double      energy)
{
  const char *p = label;
  char *end = NULL;
  double value;

  while (g_ascii_isspace (*p))
    p++;
  value = g_ascii_strtod (p, &end);
  if (end == p || !isfinite (value))
    return FALSE;
  while (g_ascii_isspace (*end))
    end++;
  if (g_str_has_prefix (end, "keV"))
    {
      value *= 1000;
      end += 3;
    }
  else if (g_str_has_prefix (end, "eV"))
    end += 2;
  while (g_ascii_isspace (*end))
    end++;
  return *end == '\0' && fabs (value - energy) <= 0.05 + 1e-6 * fabs (energy);
}

const char *
_evox_channel_own_name (EvoxVolume *volume,
                        guint       channel)
{
  const char *label = evox_volume_get_channel_label (volume, channel);

  if (label == NULL || *label == '\0')
    return NULL;
  if (_evox_channel_has_energy (volume, channel) &&
      label_is_energy (label, evox_volume_get_channel_energy (volume, channel)))
    return NULL;
  return label;
}

char *
_evox_describe_channel (EvoxVolume *volume,
                        guint       channel)
{
  const char *name = _evox_channel_own_name (volume, channel);
  double energy = evox_volume_get_channel_energy (volume, channel);

  if (!_evox_channel_has_energy (volume, channel))
    return name != NULL ? g_strdup (name) : g_strdup_printf (_("Channel %u"), channel);
  if (name != NULL)
    return g_strdup_printf (_("%s · %.6g eV"), name, energy);
  return g_strdup_printf (_("%.6g eV"), energy);
}

/* From this many energies on, a stack is a scan whatever its channels are called; fewer named
 * ones (Mn, Co and Ni edges) are picked by name. */
#define NAMED_SCAN_MIN 4

gboolean
_evox_volume_is_energy_scan (EvoxVolume *volume)
{
  gboolean named = FALSE;
  guint n = 0;

  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    {
      if (evox_volume_get_channel_derived (volume, c))
        continue;
      if (!_evox_channel_has_energy (volume, c))
        return FALSE;
      named |= _evox_channel_own_name (volume, c) != NULL;
      n++;
    }
  return n >= (named ? NAMED_SCAN_MIN : 2);
}

static gboolean
enum_to_selected (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_value_set_uint (to, (guint) g_value_get_enum (from));
  return TRUE;
}

static gboolean
selected_to_enum (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  guint selected = g_value_get_uint (from);

  if (selected == GTK_INVALID_LIST_POSITION)
    return FALSE;
  g_value_set_enum (to, (int) selected);
  return TRUE;
}

GBinding *
_evox_bind_enum_to_dropdown (gpointer     source,
                             const char  *property,
                             GtkDropDown *dropdown)
{
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (GTK_IS_DROP_DOWN (dropdown), NULL);

  return g_object_bind_property_full (source, property, dropdown, "selected",
                                      G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                                      enum_to_selected, selected_to_enum, NULL, NULL);
}

void
_evox_clear_bindings (GBinding **bindings,
                      guint      n_bindings)
{
  for (guint i = 0; i < n_bindings; i++)
    if (bindings[i] != NULL)
      {
        g_binding_unbind (bindings[i]);
        g_clear_object (&bindings[i]);
      }
}

char *
_evox_format_decade (int exponent)
{
  /* The figures' colour bar writes its decades the same way. */
  return evox_axis_format_decade (exponent);
}

double
_evox_value_to_slider (double   value,
                       gboolean log_of_value)
{
  if (log_of_value)
    return value > 0 ? log10 (value) : -300;
  return value;
}

double
_evox_value_from_slider (double   position,
                         gboolean log_of_value)
{
  if (log_of_value)
    return pow (10, position);
  return position;
}

void
_evox_value_slider_range (EvoxDocument *document,
                          gboolean      log_of_value,
                          double       *lo,
                          double        hi,
                          double       *lower,
                          double       *upper,
                          double       *step)
{
  if (log_of_value)
    {
      double range_lo;

      evox_document_get_range (document, &range_lo, NULL);
      *lo = MAX (*lo, range_lo > 0 ? MIN (range_lo, hi) : hi * 1e-6);
    }
  *lower = _evox_value_to_slider (*lo, log_of_value);
  *upper = _evox_value_to_slider (hi, log_of_value);
  if (!(*upper > *lower))
    *upper = *lower + 1;
  *step = (*upper - *lower) / 1000;
}

/* Drawing */

void
_evox_fill (GtkSnapshot   *snapshot,
            const GdkRGBA *color,
            double         x,
            double         y,
            double         width,
            double         height)
{
  if (width <= 0 || height <= 0)
    return;
  gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (x, y, width, height));
}

static void
setup_numeric_cell (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

GtkListItemFactory *
_evox_numeric_cell_factory (GCallback bind,
                            guint     column)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_numeric_cell), NULL);
  g_signal_connect (factory, "bind", bind, GUINT_TO_POINTER (column));
  return factory;
}

GdkRGBA
_evox_with_alpha (const GdkRGBA *color,
                  float          alpha)
{
  GdkRGBA c = *color;

  c.alpha *= alpha;
  return c;
}

void
_evox_get_foreground (GtkWidget *widget,
                      GdkRGBA   *color)
{
#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (widget, color);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
#endif
}

/* Text */

PangoLayout *
_evox_create_small_layout (GtkWidget *widget)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

void
_evox_measure_text (PangoLayout *layout,
                    const char  *text,
                    int         *width,
                    int         *height)
{
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, width, height);
}

void
_evox_draw_text (GtkSnapshot   *snapshot,
                 PangoLayout   *layout,
                 const char    *text,
                 double         x,
                 double         y,
                 const GdkRGBA *color)
{
  pango_layout_set_text (layout, text, -1);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (round (x), round (y)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

void
_evox_draw_title (GtkSnapshot           *snapshot,
                  PangoLayout           *layout,
                  const char            *title,
                  const graphene_rect_t *area,
                  double                 y,
                  const GdkRGBA         *color)
{
  int width, height;

  _evox_measure_text (layout, title, &width, &height);
  _evox_draw_text (snapshot, layout, title,
                   MAX (area->origin.x + (area->size.width - width) / 2, 0), y, color);
}

/* Ticks */

char *
_evox_format_tick_value (double value,
                         double step,
                         int    max_decimals)
{
  return evox_axis_format_tick (value, step, max_decimals);
}

static void
tick_clear (gpointer data)
{
  EvoxTick *tick = data;

  g_free (tick->label);
}

GArray *
_evox_ticks_new (void)
{
  GArray *ticks = g_array_new (FALSE, TRUE, sizeof (EvoxTick));

  g_array_set_clear_func (ticks, tick_clear);
  return ticks;
}

void
_evox_ticks_add (GArray      *ticks,
                 PangoLayout *layout,
                 double       at,
                 char        *label)
{
  EvoxTick tick = { at, label, 0, 0 };

  if (label != NULL)
    _evox_measure_text (layout, label, &tick.width, &tick.height);
  g_array_append_val (ticks, tick);
}

gboolean
_evox_ticks_fit (GArray  *ticks,
                 double   a0,
                 double   a1,
                 double   length,
                 gboolean horizontal)
{
  const EvoxTick *last = NULL;

  for (guint i = 0; i < ticks->len; i++)
    {
      const EvoxTick *tick = &g_array_index (ticks, EvoxTick, i);

      if (tick->label == NULL)
        continue;
      if (last != NULL)
        {
          double distance = (tick->at - last->at) / (a1 - a0) * length;
          double need = horizontal ? (tick->width + last->width) / 2.0 + 10
                                   : (tick->height + last->height) / 2.0 + 4;
          if (distance < need)
            return FALSE;
        }
      last = tick;
    }
  return TRUE;
}

GArray *
_evox_stepped_ticks (PangoLayout    *layout,
                     double          a0,
                     double          a1,
                     double          length,
                     gboolean        horizontal,
                     double          spacing,
                     double          min_step,
                     EvoxTickFormat  format,
                     gpointer        user_data)
{
  double step = evox_nice_ceil (MAX ((a1 - a0) / MAX (2.0, length / spacing), min_step));
  GArray *ticks = _evox_ticks_new ();

  for (guint tries = 0; tries < 32; tries++, step = evox_nice_ceil (step * 1.5))
    {
      double first = ceil (a0 / step - 1e-9);
      double last = floor (a1 / step + 1e-9);

      g_array_set_size (ticks, 0);
      for (double k = first; k <= last; k++)
        {
          double at = k * step + 0.0;  /* no "-0" */
          _evox_ticks_add (ticks, layout, at, format (at, step, user_data));
        }
      if (_evox_ticks_fit (ticks, a0, a1, length, horizontal))
        break;
    }
  return ticks;
}

void
_evox_draw_y_ticks (GtkSnapshot           *snapshot,
                    PangoLayout           *layout,
                    GArray                *ticks,
                    const graphene_rect_t *area,
                    double                 a0,
                    double                 a1,
                    int                    widget_height,
                    const GdkRGBA         *fg)
{
  GdkRGBA grid = _evox_with_alpha (fg, 0.1f), text = _evox_with_alpha (fg, 0.8f);
  double left = area->origin.x, bottom = area->origin.y + area->size.height;

  for (guint i = 0; i < ticks->len; i++)
    {
      const EvoxTick *tick = &g_array_index (ticks, EvoxTick, i);
      double y = round (bottom - (tick->at - a0) / (a1 - a0) * area->size.height);

      if (y < area->origin.y - 0.5 || y > bottom + 0.5)
        continue;
      if (y < bottom - 0.5)
        _evox_fill (snapshot, &grid, left, y, area->size.width, 1);
      _evox_fill (snapshot, &text, left - EVOX_TICK_LENGTH - 1, y, EVOX_TICK_LENGTH, 1);
      _evox_draw_text (snapshot, layout, tick->label, left - EVOX_TICK_LENGTH - 4 - tick->width,
                       CLAMP (y - tick->height / 2.0, 0, widget_height - tick->height), &text);
    }
}

void
_evox_draw_x_ticks (GtkSnapshot           *snapshot,
                    PangoLayout           *layout,
                    GArray                *ticks,
                    const graphene_rect_t *area,
                    double                 a0,
                    double                 a1,
                    double                 top,
                    int                    widget_width,
                    const GdkRGBA         *fg)
{
  GdkRGBA text = _evox_with_alpha (fg, 0.8f);
  double left = area->origin.x, right = area->origin.x + area->size.width;

  for (guint i = 0; i < ticks->len; i++)
    {
      const EvoxTick *tick = &g_array_index (ticks, EvoxTick, i);
      double x = round (left + (tick->at - a0) / (a1 - a0) * area->size.width);

      if (x < left - 0.5 || x > right + 0.5)
        continue;
      _evox_fill (snapshot, &text, MIN (x, right - 1), top,
                  1, tick->label != NULL ? EVOX_TICK_LENGTH : EVOX_TICK_LENGTH / 2);
      if (tick->label != NULL)
        _evox_draw_text (snapshot, layout, tick->label,
                         CLAMP (x - tick->width / 2.0, 0, widget_width - tick->width),
                         top + EVOX_TICK_LENGTH + EVOX_LABEL_GAP, &text);
    }
}

char *
_evox_rgba_to_hex (const GdkRGBA *rgba)
{
  return g_strdup_printf ("#%02x%02x%02x", (int) lround (CLAMP (rgba->red, 0, 1) * 255),
                          (int) lround (CLAMP (rgba->green, 0, 1) * 255),
                          (int) lround (CLAMP (rgba->blue, 0, 1) * 255));
}

void
_evox_color_button_set_hex (GtkColorButton *button,
                            const char     *hex)
{
  guint color_set = g_signal_lookup ("color-set", G_OBJECT_TYPE (button));
  GdkRGBA rgba;

  if (!gdk_rgba_parse (&rgba, hex))
    return;
  g_signal_handlers_block_matched (button, G_SIGNAL_MATCH_ID, color_set, 0, NULL, NULL, NULL);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_color_chooser_set_rgba (GTK_COLOR_CHOOSER (button), &rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_signal_handlers_unblock_matched (button, G_SIGNAL_MATCH_ID, color_set, 0, NULL, NULL, NULL);
}

char *
_evox_color_button_dup_hex (GtkColorButton *button)
{
  GdkRGBA rgba;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_color_chooser_get_rgba (GTK_COLOR_CHOOSER (button), &rgba);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return _evox_rgba_to_hex (&rgba);
}

void
_evox_show_progress (GtkProgressBar *bar,
                     EvoxProgress   *progress)
{
  g_autofree char *stage = evox_progress_dup_stage (progress);

  gtk_progress_bar_set_fraction (bar, evox_progress_get_fraction (progress));
  gtk_progress_bar_set_text (bar, stage != NULL ? stage : _("Starting"));
}

static gboolean
poll_job (gpointer user_data)
{
  EvoxUiJob *job = user_data;

  _evox_show_progress (job->bar, job->progress);
  return G_SOURCE_CONTINUE;
}

void
_evox_ui_job_start (EvoxUiJob      *job,
                    GtkProgressBar *bar,
                    GtkWidget      *box,
                    void          (*stopped) (gpointer owner),
                    gpointer        owner)
{
  g_return_if_fail (job->cancellable == NULL);

  job->cancellable = g_cancellable_new ();
  job->progress = evox_progress_new ();
  job->bar = bar;
  job->box = box;
  job->stopped = stopped;
  job->owner = owner;
  gtk_progress_bar_set_fraction (bar, 0);
  gtk_progress_bar_set_text (bar, _("Starting"));
  gtk_widget_set_visible (box, TRUE);
  job->poll_id = g_timeout_add (50, poll_job, job);
}

gboolean
_evox_ui_job_stop (EvoxUiJob *job)
{
  if (job->cancellable == NULL)
    return FALSE;
  g_clear_handle_id (&job->poll_id, g_source_remove);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->progress, evox_progress_unref);
  gtk_widget_set_visible (job->box, FALSE);
  if (job->stopped != NULL)
    job->stopped (job->owner);
  return TRUE;
}

gboolean
_evox_ui_job_cancel (EvoxUiJob *job)
{
  if (job->cancellable != NULL)
    g_cancellable_cancel (job->cancellable);
  return _evox_ui_job_stop (job);
}

/* What a save dialog does once answered. */
typedef struct
{
  EvoxSaveFunc       save;
  gpointer           user_data;
  char              *failure;
  EvoxShowErrorFunc  show_error;
} SaveChooser;

static void
save_chooser_free (gpointer data)
{
  SaveChooser *saver = data;

  g_free (saver->failure);
  g_free (saver);
}

static void
save_chooser_response (GtkNativeDialog *chooser,
                       int              response,
                       GtkWidget       *owner)
{
  SaveChooser *saver = g_object_get_data (G_OBJECT (chooser), "evox-save");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;
      GtkRoot *root = gtk_widget_get_root (owner);

      if (path != NULL && !saver->save (owner, path, saver->user_data, &error))
        {
          g_autofree char *message = g_strdup_printf (saver->failure, path, error->message);

          saver->show_error (owner, message);
        }
      else if (path != NULL && EVOX_IS_WINDOW (root))
        evox_window_show_saved (EVOX_WINDOW (root), path);
    }
  g_object_unref (chooser);
}

GtkFileChooserNative *
_evox_save_chooser_new (GtkWidget         *owner,
                        const char        *title,
                        const char        *accept,
                        const char        *name,
                        EvoxSaveFunc       save,
                        gpointer           user_data,
                        const char        *failure,
                        EvoxShowErrorFunc  show_error)
{
  GtkRoot *root = gtk_widget_get_root (owner);
  GtkFileChooserNative *chooser;
  SaveChooser *saver = g_new (SaveChooser, 1);

  *saver = (SaveChooser) { save, user_data, g_strdup (failure), show_error };
  chooser = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, accept, _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data_full (G_OBJECT (chooser), "evox-save", saver, save_chooser_free);
  g_signal_connect_object (chooser, "response", G_CALLBACK (save_chooser_response), owner, 0);
  return chooser;
}

void
_evox_dispose_bin_template (GtkWidget *widget,
                            GType      type)
{
  GtkWidget *child;

  gtk_widget_dispose_template (widget, type);
  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

/* Whether the pointer is over a guarded scrolled window, and what it was over there. */
typedef struct
{
  gboolean   inside;
  /* The spin button or scale under the pointer at its last motion (weak): GTK sends a wheel
   * step to the widget found at the last motion, which is not the one under the pointer once
   * the panel has scrolled under a resting pointer. */
  GtkWidget *hovered;
} WheelGuard;

static void
wheel_guard_free (gpointer data)
{
  WheelGuard *guard = data;

  g_clear_weak_pointer (&guard->hovered);
  g_free (guard);
}

/* The spin button or scale under (x, y) of scrolled, if any. */
static GtkWidget *
pick_value_widget (GtkWidget *scrolled,
                   double     x,
                   double     y)
{
  GtkWidget *widget = gtk_widget_pick (scrolled, x, y, GTK_PICK_DEFAULT);

  for (; widget != NULL && widget != scrolled; widget = gtk_widget_get_parent (widget))
    if (GTK_IS_SPIN_BUTTON (widget) || GTK_IS_RANGE (widget))
      return widget;
  return NULL;
}

static void
wheel_guard_motion (GtkEventControllerMotion *motion,
                    double                    x,
                    double                    y,
                    WheelGuard               *guard)
{
  GtkWidget *scrolled = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (motion));

  guard->inside = TRUE;
  g_set_weak_pointer (&guard->hovered, pick_value_widget (scrolled, x, y));
}

static void
wheel_guard_leave (GtkEventControllerMotion *motion,
                   WheelGuard               *guard)
{
  guard->inside = FALSE;
  g_clear_weak_pointer (&guard->hovered);
}

gboolean
_evox_wheel_reaches (GtkWidget *widget)
{
  g_return_val_if_fail (GTK_IS_WIDGET (widget), TRUE);

  /* A spin button's focus is on its text entry inside it. */
  return gtk_widget_has_focus (widget) ||
         (gtk_widget_get_state_flags (widget) & GTK_STATE_FLAG_FOCUS_WITHIN) != 0;
}

/* Scrolls the panel as GtkScrolledWindow does for a wheel: steps of page_size^(2/3). */
static void
scroll_panel (GtkScrolledWindow *scrolled,
              double             dy,
              gboolean           pixels)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scrolled);
  double page = gtk_adjustment_get_page_size (adjustment);
  double step = pixels ? dy : dy * pow (page, 2.0 / 3.0);
  double upper = gtk_adjustment_get_upper (adjustment) - page;

  gtk_adjustment_set_value (adjustment,
                            CLAMP (gtk_adjustment_get_value (adjustment) + step,
                                   gtk_adjustment_get_lower (adjustment), MAX (upper, 0)));
}

static gboolean
wheel_guard_scroll (GtkEventControllerScroll *controller,
                    double                    dx,
                    double                    dy,
                    WheelGuard               *guard)
{
  GtkWidget *scrolled = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  GtkWidget *target;
  gboolean pixels = FALSE;

  if (!guard->inside)
    return FALSE;
  /* The widget GTK will hand the step to: the one under the pointer when it last moved. Over a
   * scale that the panel scrolled away from under the resting pointer, the step used to reach the
   * scale (High 170 became 161.5 on the second wheel step over it). */
  target = guard->hovered;
  if (target == NULL || _evox_wheel_reaches (target))
    return FALSE;
#if GTK_CHECK_VERSION (4, 8, 0)
  pixels = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_SURFACE;
#endif
  scroll_panel (GTK_SCROLLED_WINDOW (scrolled), dy, pixels);
  /* Handled in the capture phase: the spin button or scale never sees the wheel. */
  return TRUE;
}

/**
 * _evox_guard_panel_wheel:
 *
 * Makes the spin buttons and scales inside scrolled (those there now and those added later)
 * take the mouse wheel only when they have the keyboard focus; over an unfocused one, the wheel
 * scrolls the panel, so scrolling down a panel does not change the values it passes over.
 */
void
_evox_guard_panel_wheel (GtkScrolledWindow *scrolled)
{
  WheelGuard *guard = g_new0 (WheelGuard, 1);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *wheel = gtk_event_controller_scroll_new (
    GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);

  g_return_if_fail (GTK_IS_SCROLLED_WINDOW (scrolled));

  g_object_set_data_full (G_OBJECT (scrolled), "evox-wheel-guard", guard, wheel_guard_free);
  gtk_event_controller_set_name (motion, "evox-wheel-guard");
  gtk_event_controller_set_name (wheel, "evox-wheel-guard");
  gtk_event_controller_set_propagation_phase (motion, GTK_PHASE_CAPTURE);
  gtk_event_controller_set_propagation_phase (wheel, GTK_PHASE_CAPTURE);
  g_signal_connect (motion, "enter", G_CALLBACK (wheel_guard_motion), guard);
  g_signal_connect (motion, "motion", G_CALLBACK (wheel_guard_motion), guard);
  g_signal_connect (motion, "leave", G_CALLBACK (wheel_guard_leave), guard);
  g_signal_connect (wheel, "scroll", G_CALLBACK (wheel_guard_scroll), guard);
  gtk_widget_add_controller (GTK_WIDGET (scrolled), motion);
  gtk_widget_add_controller (GTK_WIDGET (scrolled), wheel);
}

void
_evox_chooser_add_filter (GtkFileChooser *chooser,
                          const char     *name,
                          const char    **patterns)
{
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (chooser, filter);
}

char *
_evox_ui_csv_provenance (GtkWidget    *widget,
                         EvoxDocument *document,
                         const char   *operation)
{
  GtkWidget *window = gtk_widget_get_ancestor (widget, GTK_TYPE_WINDOW);
  g_autoptr (GVariant) state = NULL;

  if (window == NULL || !G_IS_ACTION_GROUP (window) || document == NULL)
    return NULL;
  state = g_action_group_get_action_state (G_ACTION_GROUP (window), "csv-provenance");
  if (state == NULL || !g_variant_get_boolean (state))
    return NULL;
  return evox_provenance_record (evox_document_get_path (document), operation);
}

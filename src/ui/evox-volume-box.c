/* evox-volume-box.c: the Display page's Volume section: ray mode, colour source, iso level,
 * opacity, slices, measured layers and the clip box of the document's volume style. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "evox-volume-box.h"
#include "evox-ui-util.h"

struct _EvoxVolumeBox
{
  GtkWidget        parent_instance;

  EvoxDocument    *document;
  EvoxVolumeStyle *style;          /* the document's */
  EvoxPhaseList   *phases;         /* the document's, for the Phases source's sensitivity */
  GBinding        *bindings[4];
  /* Set while the controls are filled from the model, whose own changes must not echo back. */
  gboolean         updating;
  /* Iso slider space: log10 of the quantity when the data or the mapping is logarithmic. */
  gboolean         log_space;
  gboolean         stored_log10;
  /* Sliders held down now (a press and its release on the same slider). */
  guint            n_held;

  GtkDropDown     *mode_dropdown;
  GtkToggleButton *colormap_toggle;
  GtkToggleButton *phases_toggle;
  GtkToggleButton *clusters_toggle;
  GtkWidget       *iso_label;
  GtkWidget       *iso_box;
  GtkScale        *iso_scale;
  GtkSpinButton   *iso_spin;
  GtkAdjustment   *iso_adjustment;
  GtkScale        *opacity_scale;
  GtkAdjustment   *opacity_adjustment;
  GtkWidget       *curve_box;
  GtkCheckButton  *slices_check;
  GtkCheckButton  *layers_check;
  GtkGrid         *clip_grid;
  GtkAdjustment   *clip_lo[3];
  GtkAdjustment   *clip_hi[3];
  GtkLabel        *clip_label[3];
};

G_DEFINE_FINAL_TYPE (EvoxVolumeBox, evox_volume_box, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_DRAGGING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Iso level: stored value <-> slider position. */
static double
to_slider (EvoxVolumeBox *self,
           double         stored)
{
  return _evox_value_to_slider (stored, self->log_space && !self->stored_log10);
}

static double
from_slider (EvoxVolumeBox *self,
             double         position)
{
  return _evox_value_from_slider (position, self->log_space && !self->stored_log10);
}

static void
sync_iso (EvoxVolumeBox *self)
{
  gboolean iso = evox_volume_style_get_mode (self->style) == EVOX_RAY_ISO;

  self->updating = TRUE;
  gtk_adjustment_set_value (self->iso_adjustment,
                            to_slider (self, evox_volume_style_get_iso_level (self->style)));
  self->updating = FALSE;
  gtk_widget_set_sensitive (self->iso_box, iso);
  gtk_widget_set_sensitive (self->iso_label, iso);
}

/* The iso level's slider spans the data range of the shown channel; a level not inside it moves
 * to the middle, so the Iso mode draws something at once: no ray crosses a level at or beyond an
 * end of the data (the default 0 is the lowest value of most 8-bit labels). */
static void
rebuild_iso (EvoxVolumeBox *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  double lo, hi, lower, upper, step, level;
  int digits;

  if (volume == NULL)
    return;
  self->stored_log10 = evox_volume_get_channel_value_scale (
                         volume, evox_document_get_channel (self->document)) == EVOX_SCALE_LOG10;
  self->log_space = self->stored_log10 ||
                    evox_document_get_transfer (self->document) == EVOX_TRANSFER_LOG10;
  evox_document_get_data_range (self->document, &lo, &hi);
  if (!(isfinite (lo) && isfinite (hi)))
    return;
  _evox_value_slider_range (self->document, self->log_space && !self->stored_log10, &lo, hi,
                            &lower, &upper, &step);
  digits = CLAMP ((int) ceil (-log10 (step)), 0, 6);

  level = evox_volume_style_get_iso_level (self->style);
  if (!(level > lo && level < hi))
    level = from_slider (self, (lower + upper) / 2);

  self->updating = TRUE;
  gtk_adjustment_configure (self->iso_adjustment, to_slider (self, level), lower, upper, step,
                            step * 50, 0);
  gtk_spin_button_set_digits (self->iso_spin, digits);
  gtk_scale_set_digits (self->iso_scale, digits);
  self->updating = FALSE;
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->iso_spin),
                               self->log_space ? _("Iso level as log₁₀ of the value")
                                               : _("Iso level"));
  evox_volume_style_set_iso_level (self->style, level);
  sync_iso (self);
}

static void
iso_changed (EvoxVolumeBox *self)
{
  if (self->updating || self->style == NULL)
    return;
  evox_volume_style_set_iso_level (self->style,
                                   from_slider (self, gtk_adjustment_get_value (
                                                  self->iso_adjustment)));
}

static void
sync_source (EvoxVolumeBox *self)
{
  EvoxVolumeSource source = evox_volume_style_get_source (self->style);
  GtkToggleButton *active = source == EVOX_VOLUME_SOURCE_PHASES ? self->phases_toggle :
                            source == EVOX_VOLUME_SOURCE_CLUSTERS ? self->clusters_toggle :
                            self->colormap_toggle;

  self->updating = TRUE;
  gtk_toggle_button_set_active (active, TRUE);
  self->updating = FALSE;
  /* The curve is the colour map's opacity; phases and clusters have their own. Only Composite
   * rays accumulate opacity: the projections and Iso colour a pixel by one value. Where the
   * curve goes from the histogram, its help and its reset go too. */
  gtk_widget_set_sensitive (self->curve_box, source == EVOX_VOLUME_SOURCE_COLORMAP);
  gtk_widget_set_visible (self->curve_box,
                          source == EVOX_VOLUME_SOURCE_COLORMAP &&
                          evox_volume_style_get_mode (self->style) == EVOX_RAY_COMPOSITE);
  /* The opacity scale multiplies opacities, which only Composite uses. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->opacity_scale),
                            evox_volume_style_get_mode (self->style) == EVOX_RAY_COMPOSITE);
}

/* Phases and Clusters are offered once there are some to colour the volume with. */
static void
sync_sources_available (EvoxVolumeBox *self)
{
  gboolean phases = self->phases != NULL && evox_phase_list_get_n_phases (self->phases) > 0;
  gboolean clusters = self->document != NULL && evox_document_get_clusters (self->document) != NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->phases_toggle), phases);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->phases_toggle),
                               phases ? _("Each visible phase in its colour and opacity; "
                                          "everything else clear")
                                      : _("No phases yet: add some on the Phases page"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->clusters_toggle), clusters);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->clusters_toggle),
                               clusters ? _("Each visible cluster in its colour, at the "
                                            "clusters' opacity")
                                        : _("No clusters yet: run them on the Clusters page"));
}

static void
source_toggled (GtkToggleButton *button,
                EvoxVolumeBox   *self)
{
  EvoxVolumeSource source;

  if (self->updating || self->style == NULL || !gtk_toggle_button_get_active (button))
    return;
  if (button == self->phases_toggle)
    source = EVOX_VOLUME_SOURCE_PHASES;
  else if (button == self->clusters_toggle)
    source = EVOX_VOLUME_SOURCE_CLUSTERS;
  else
    source = EVOX_VOLUME_SOURCE_COLORMAP;
  evox_volume_style_set_source (self->style, source);
}

/* The voxels a clip range keeps along an axis of n: those whose centres lie in it. */
static char *
describe_clip (double lo,
               double hi,
               gsize  n)
{
  double first = ceil (lo * n - 0.5), last = floor (hi * n - 0.5);

  first = MAX (first, 0);
  last = MIN (last, (double) n - 1);
  if (last < first)
    return g_strdup (_("none"));
  return g_strdup_printf ("%.0f–%.0f", first, last);
}

static void
sync_clip (EvoxVolumeBox *self)
{
  EvoxVolume *volume = self->document != NULL ? evox_document_get_volume (self->document) : NULL;
  gsize dims[3] = { 1, 1, 1 };
  double lo[3], hi[3];

  if (volume != NULL)
    evox_volume_get_dims (volume, dims);
  evox_volume_style_get_clip (self->style, lo, hi);
  self->updating = TRUE;
  for (guint a = 0; a < 3; a++)
    {
      g_autofree char *text = describe_clip (lo[a], hi[a], dims[a]);
      double step = 1.0 / MAX (dims[a], 1);

      /* Values only, as a curve's drag emits "changed" on every motion: a new step lays the
       * sliders out again. */
      if (gtk_adjustment_get_step_increment (self->clip_lo[a]) != step)
        {
          gtk_adjustment_configure (self->clip_lo[a], lo[a], 0, 1, step, MAX (step, 0.1), 0);
          gtk_adjustment_configure (self->clip_hi[a], hi[a], 0, 1, step, MAX (step, 0.1), 0);
        }
      gtk_adjustment_set_value (self->clip_lo[a], lo[a]);
      gtk_adjustment_set_value (self->clip_hi[a], hi[a]);
      gtk_label_set_text (self->clip_label[a], volume != NULL ? text : "");
    }
  self->updating = FALSE;
}

/* A side of the box dragged past the other pushes it along. */
static void
clip_changed (GtkAdjustment *adjustment,
              EvoxVolumeBox *self)
{
  double lo[3], hi[3];

  if (self->updating || self->style == NULL)
    return;
  for (guint a = 0; a < 3; a++)
    {
      lo[a] = gtk_adjustment_get_value (self->clip_lo[a]);
      hi[a] = gtk_adjustment_get_value (self->clip_hi[a]);
      if (hi[a] < lo[a])
        {
          if (adjustment == self->clip_hi[a])
            lo[a] = hi[a];
          else
            hi[a] = lo[a];
        }
    }
  evox_volume_style_set_clip (self->style, lo, hi);
  /* What the style kept (clamped), where it differs from the sliders. */
  sync_clip (self);
}

static void
sync_layers_visible (EvoxVolumeBox *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);

  gtk_widget_set_visible (GTK_WIDGET (self->layers_check),
                          volume != NULL && evox_volume_get_n_scans (volume) > 0);
}

static void
on_style_changed (EvoxVolumeBox *self)
{
  sync_source (self);
  sync_iso (self);
  sync_clip (self);
}

static void
on_document_notify (EvoxDocument  *document,
                    GParamSpec    *pspec,
                    EvoxVolumeBox *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "volume"))
    {
      rebuild_iso (self);
      sync_clip (self);
      sync_layers_visible (self);
    }
  else if (g_str_equal (name, "channel") || g_str_equal (name, "mapping"))
    rebuild_iso (self);
  else if (g_str_equal (name, "clusters"))
    sync_sources_available (self);
}

/* Cuts the box off the document it showed (its signals and bindings), before another or none. */
static void
disconnect (EvoxVolumeBox *self)
{
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->style != NULL)
    g_signal_handlers_disconnect_by_data (self->style, self);
  if (self->phases != NULL)
    g_signal_handlers_disconnect_by_data (self->phases, self);
  _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
}

void
evox_volume_box_set_document (EvoxVolumeBox *self,
                              EvoxDocument  *document)
{
  g_return_if_fail (EVOX_IS_VOLUME_BOX (self));
  g_return_if_fail (EVOX_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  disconnect (self);
  g_set_object (&self->document, document);
  g_set_object (&self->style, evox_document_get_volume_style (document));
  g_set_object (&self->phases, evox_document_get_phases (document));

  self->bindings[0] = _evox_bind_enum_to_dropdown (self->style, "mode", self->mode_dropdown);
  self->bindings[1] = g_object_bind_property (self->style, "opacity-scale",
                                              self->opacity_adjustment, "value",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  self->bindings[2] = g_object_bind_property (self->style, "show-slices", self->slices_check,
                                              "active",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  self->bindings[3] = g_object_bind_property (self->style, "mark-layers", self->layers_check,
                                              "active",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  /* Bindings are weak on both ends; the box owns them. */
  for (guint i = 0; i < G_N_ELEMENTS (self->bindings); i++)
    g_object_ref (self->bindings[i]);

  g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
  g_signal_connect_object (self->style, "changed", G_CALLBACK (on_style_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->phases, "changed", G_CALLBACK (sync_sources_available), self,
                           G_CONNECT_SWAPPED);
  rebuild_iso (self);
  sync_source (self);
  sync_sources_available (self);
  sync_clip (self);
  sync_layers_visible (self);
}

gboolean
evox_volume_box_get_dragging (EvoxVolumeBox *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME_BOX (self), FALSE);
  return self->n_held > 0;
}

static void
reset_clip_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  EvoxVolumeBox *self = EVOX_VOLUME_BOX (widget);
  static const double lo[3] = { 0, 0, 0 }, hi[3] = { 1, 1, 1 };

  if (self->style != NULL)
    evox_volume_style_set_clip (self->style, lo, hi);
}

static void
reset_curve_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EvoxVolumeBox *self = EVOX_VOLUME_BOX (widget);
  double lo, hi;

  if (self->document == NULL || evox_document_get_volume (self->document) == NULL)
    return;
  evox_document_get_range (self->document, &lo, &hi);
  evox_volume_style_reset_points (self->style, lo, hi);
}

/* A slider is held from the press of a button on it to its release: a legacy controller sees
 * both, where a click gesture would be cancelled as soon as the slider's own drag claims the
 * press. */
static gboolean
on_slider_event (GtkEventControllerLegacy *controller,
                 GdkEvent                 *event,
                 EvoxVolumeBox            *self)
{
  GdkEventType type = gdk_event_get_event_type (event);
  guint held = self->n_held;
  gboolean *pressed = g_object_get_data (G_OBJECT (controller), "pressed");

  if ((type == GDK_BUTTON_PRESS || type == GDK_TOUCH_BEGIN) && !*pressed)
    {
      *pressed = TRUE;
      self->n_held++;
    }
  /* A broken grab ends the drag as a release would: the canvas must not stay coarse. */
  else if ((type == GDK_BUTTON_RELEASE || type == GDK_TOUCH_END || type == GDK_TOUCH_CANCEL ||
            type == GDK_GRAB_BROKEN) && *pressed)
    {
      *pressed = FALSE;
      self->n_held--;
    }
  if ((held > 0) != (self->n_held > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAGGING]);
  return GDK_EVENT_PROPAGATE;
}

static void
watch_slider (EvoxVolumeBox *self,
              GtkWidget     *slider)
{
  GtkEventController *legacy = gtk_event_controller_legacy_new ();

  g_object_set_data_full (G_OBJECT (legacy), "pressed", g_new0 (gboolean, 1), g_free);
  gtk_event_controller_set_propagation_phase (legacy, GTK_PHASE_CAPTURE);
  g_signal_connect (legacy, "event", G_CALLBACK (on_slider_event), self);
  gtk_widget_add_controller (slider, legacy);
}

static void
evox_volume_box_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  EvoxVolumeBox *self = EVOX_VOLUME_BOX (object);

  switch (prop_id)
    {
    case PROP_DRAGGING:
      g_value_set_boolean (value, self->n_held > 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_volume_box_dispose (GObject *object)
{
  EvoxVolumeBox *self = EVOX_VOLUME_BOX (object);

  disconnect (self);
  g_clear_object (&self->document);
  g_clear_object (&self->style);
  g_clear_object (&self->phases);
  _evox_dispose_bin_template (GTK_WIDGET (object), EVOX_TYPE_VOLUME_BOX);
  G_OBJECT_CLASS (evox_volume_box_parent_class)->dispose (object);
}

static void
evox_volume_box_class_init (EvoxVolumeBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_volume_box_dispose;
  object_class->get_property = evox_volume_box_get_property;

  properties[PROP_DRAGGING] =
    g_param_spec_boolean ("dragging", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-volume-box.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, colormap_toggle);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, phases_toggle);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, clusters_toggle);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, iso_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, iso_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, iso_scale);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, iso_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, iso_adjustment);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, curve_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, slices_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, layers_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxVolumeBox, clip_grid);

  gtk_widget_class_install_action (widget_class, "volume.reset-clip", NULL, reset_clip_action);
  gtk_widget_class_install_action (widget_class, "volume.reset-curve", NULL,
                                   reset_curve_action);
}

static void
evox_volume_box_init (EvoxVolumeBox *self)
{
  static const char *axis_names[] = { "x", "y", "z" };

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->iso_adjustment, "value-changed", G_CALLBACK (iso_changed),
                            self);
  g_signal_connect (self->colormap_toggle, "toggled", G_CALLBACK (source_toggled), self);
  g_signal_connect (self->phases_toggle, "toggled", G_CALLBACK (source_toggled), self);
  g_signal_connect (self->clusters_toggle, "toggled", G_CALLBACK (source_toggled), self);
  watch_slider (self, GTK_WIDGET (self->iso_scale));
  watch_slider (self, GTK_WIDGET (self->opacity_scale));

  for (guint a = 0; a < 3; a++)
    {
      GtkWidget *scales[2];
      GtkAdjustment **adjustments[2] = { &self->clip_lo[a], &self->clip_hi[a] };

      for (guint side = 0; side < 2; side++)
        {
          g_autofree char *name = g_strdup_printf ("volume-clip-%s-%s", axis_names[a],
                                                   side == 0 ? "lo" : "hi");

          *adjustments[side] = gtk_adjustment_new (side, 0, 1, 0.01, 0.1, 0);
          scales[side] = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, *adjustments[side]);
          gtk_widget_set_name (scales[side], name);
          gtk_widget_set_hexpand (scales[side], TRUE);
          gtk_widget_set_tooltip_text (scales[side],
                                       side == 0 ? _("Low side of the clip box")
                                                 : _("High side of the clip box"));
          g_signal_connect (*adjustments[side], "value-changed", G_CALLBACK (clip_changed),
                            self);
          watch_slider (self, scales[side]);
        }
      self->clip_label[a] = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_xalign (self->clip_label[a], 1);
      gtk_label_set_width_chars (self->clip_label[a], 9);
      gtk_widget_add_css_class (GTK_WIDGET (self->clip_label[a]), "numeric");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->clip_label[a]), _("Voxels kept"));
      gtk_grid_attach (self->clip_grid, gtk_label_new (axis_names[a]), 0, a, 1, 1);
      gtk_grid_attach (self->clip_grid, scales[0], 1, a, 1, 1);
      gtk_grid_attach (self->clip_grid, scales[1], 2, a, 1, 1);
      gtk_grid_attach (self->clip_grid, GTK_WIDGET (self->clip_label[a]), 3, a, 1, 1);
    }
}

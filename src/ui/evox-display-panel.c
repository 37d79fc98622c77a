/* evox-display-panel.c: channel chooser, colour map with previews, mapping, range sliders on decades, view,
 * slice sliders in nm, and the SSRM layer list with measured/interpolated marks. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "evox-display-panel.h"
#include "evox-composite-box.h"
#include "evox-figure-box.h"
#include "evox-layer-list.h"
#include "evox-ui-util.h"
#include "evox-units.h"
#include "evox-volume-box.h"

struct _EvoxDisplayPanel
{
  GtkWidget      parent_instance;

  EvoxDocument  *document;
  GBinding      *bindings[7];
  GBinding      *channel_binding;  /* to the drop-down, remade with its model */
  gboolean       updating;
  /* The channel changed and the range that follows it has not arrived yet. */
  gboolean       range_stale;
  /* Slider space: log10 of the quantity when the data or the mapping is logarithmic. */
  gboolean       log_space;
  gboolean       stored_log10;

  GtkWidget     *channel_box;
  GtkDropDown   *channel_dropdown;
  GtkWidget     *channel_stepper;
  GtkScale      *channel_scale;
  GtkAdjustment *channel_adjustment;
  GtkLabel      *channel_label;
  GtkDropDown   *colormap_dropdown;
  GtkDropDown   *mapping_dropdown;
  GtkScale      *lo_scale;
  GtkScale      *hi_scale;
  GtkAdjustment *lo_adjustment;
  GtkAdjustment *hi_adjustment;
  GtkDropDown   *view_dropdown;
  GtkSpinButton *z_spin;
  GtkScale      *opacity_scale;
  GtkGrid       *slice_grid;
  GtkWidget     *layers_box;
  GtkScrolledWindow *layer_scroller;
  GtkListView   *layer_list;
  GHashTable    *bound_rows;   /* GtkListItem of the layer list that show an item now */
  GtkAdjustment *slice_adjustment[3];
  GtkLabel      *slice_label[3];
  EvoxCompositeBox *composite_box;
  EvoxVolumeBox *volume_box;
  EvoxFigureBox    *figure_box;
};

G_DEFINE_FINAL_TYPE (EvoxDisplayPanel, evox_display_panel, GTK_TYPE_WIDGET)

GdkTexture *
evox_colormap_texture (const char *name)
{
  static GHashTable *cache;
  GdkTexture *texture;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  texture = g_hash_table_lookup (cache, name);
  if (texture == NULL)
    {
      const guint8 (*table)[3] = evox_colormap_get_table (name);
      g_autoptr (GBytes) bytes = NULL;

      g_return_val_if_fail (table != NULL, NULL);
      bytes = g_bytes_new (table, 256 * 3);
      texture = gdk_memory_texture_new (256, 1, GDK_MEMORY_R8G8B8, bytes, 256 * 3);
      g_hash_table_insert (cache, g_strdup (name), texture);
    }
  return texture;
}

/* Stored value <-> slider position. */
static double
to_slider (EvoxDisplayPanel *self,
           double            stored)
{
  return _evox_value_to_slider (stored, self->log_space && !self->stored_log10);
}

static double
from_slider (EvoxDisplayPanel *self,
             double            position)
{
  return _evox_value_from_slider (position, self->log_space && !self->stored_log10);
}

static char *
format_range_value (GtkScale *scale,
                    double    position,
                    gpointer  user_data)
{
  EvoxDisplayPanel *self = user_data;

  if (self->stored_log10)
    return g_strdup_printf ("%.2f", position);
  if (self->log_space)
    return g_strdup_printf ("%.3g", pow (10, position));
  /* A tenth from 1000 up: an edge-energy map's range is a few eV about 8345 eV, which "%.4g"
   * wrote 8342 to 8347. */
  if (fabs (position) >= 1000 && fabs (position) < 1e6)
    return g_strdup_printf ("%.1f", position);
  return g_strdup_printf ("%.4g", position);
}

static void
add_marks (EvoxDisplayPanel *self,
           GtkScale         *scale,
           double            lower,
           double            upper)
{
  gtk_scale_clear_marks (scale);
  if (!(upper > lower))
    return;
  if (self->log_space)
    {
      int first = (int) ceil (lower), last = (int) floor (upper);
      int step = MAX (1, (last - first + 1) / 8);

      for (int e = first; e <= last; e += step)
        {
          g_autofree char *label = _evox_format_decade (e);
          gtk_scale_add_mark (scale, e, GTK_POS_BOTTOM, scale == self->hi_scale ? label : NULL);
        }
    }
}

static void
sync_range (EvoxDisplayPanel *self)
{
  double lo, hi;

  evox_document_get_range (self->document, &lo, &hi);
  self->updating = TRUE;
  gtk_adjustment_set_value (self->lo_adjustment, to_slider (self, lo));
  gtk_adjustment_set_value (self->hi_adjustment, to_slider (self, hi));
  self->updating = FALSE;
}

static void
rebuild_range (EvoxDisplayPanel *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  EvoxTransfer transfer = evox_document_get_transfer (self->document);
  double lo, hi, lower, upper, step;

  self->stored_log10 = volume != NULL &&
                       evox_volume_get_channel_value_scale (
                         volume, evox_document_get_channel (self->document)) == EVOX_SCALE_LOG10;
  self->log_space = self->stored_log10 || transfer == EVOX_TRANSFER_LOG10;

  evox_document_get_data_range (self->document, &lo, &hi);
  _evox_value_slider_range (self->document, self->log_space && !self->stored_log10, &lo, hi,
                            &lower, &upper, &step);

  self->updating = TRUE;
  for (guint i = 0; i < 2; i++)
    {
      GtkAdjustment *adjustment = i == 0 ? self->lo_adjustment : self->hi_adjustment;
      gtk_adjustment_configure (adjustment, gtk_adjustment_get_value (adjustment), lower, upper,
                                step, step * 50, 0);
    }
  gtk_scale_set_digits (self->lo_scale, 3);
  gtk_scale_set_digits (self->hi_scale, 3);
  add_marks (self, self->lo_scale, lower, upper);
  add_marks (self, self->hi_scale, lower, upper);
  self->updating = FALSE;
  sync_range (self);
}

static void
range_slider_changed (EvoxDisplayPanel *self)
{
  double lo, hi;

  if (self->updating || self->document == NULL)
    return;
  lo = from_slider (self, gtk_adjustment_get_value (self->lo_adjustment));
  hi = from_slider (self, gtk_adjustment_get_value (self->hi_adjustment));
  evox_document_set_range (self->document, lo, hi);
}

static char *
describe_slice (EvoxDisplayPanel *self,
                guint             axis)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  guint index = evox_document_get_slice (self->document, axis);
  double origin[3], spacing[3];
  gsize dims[3];
  const EvoxLayer *layer;
  EvoxUnits units;
  g_autofree char *position = NULL;

  if (volume == NULL)
    return g_strdup ("");
  evox_volume_get_dims (volume, dims);
  evox_volume_get_origin (volume, origin);
  evox_volume_get_spacing (volume, spacing);
  layer = axis == 2 ? evox_volume_get_layer (volume, index) : NULL;
  if (layer != NULL && evox_volume_get_n_scans (volume) > 0)
    return g_strdup_printf (_("%u / %zu · %.1f nm · %s"), index, dims[axis] - 1, layer->z_nm,
                            layer->measured ? _("measured") : _("interpolated"));
  /* The index is the whole story while the voxel size is not known. */
  units = evox_units_for_volume (volume);
  if (units.unit == EVOX_LENGTH_VOXELS)
    return g_strdup_printf (_("%u / %zu"), index, dims[axis] - 1);
  position = evox_format_length (&units, origin[axis] + spacing[axis] * index,
                                 EVOX_UNITS_UNICODE);
  return g_strdup_printf (_("%u / %zu · %s"), index, dims[axis] - 1, position);
}

static void
sync_slice_labels (EvoxDisplayPanel *self)
{
  for (guint axis = 0; axis < 3; axis++)
    {
      g_autofree char *text = describe_slice (self, axis);
      gtk_label_set_text (self->slice_label[axis], text);
    }
}

static void
layer_toggled (GtkCheckButton   *check,
               EvoxDisplayPanel *self)
{
  GtkListItem *list_item = g_object_get_data (G_OBJECT (check), "list-item");
  EvoxLayerItem *item = list_item != NULL ? gtk_list_item_get_item (list_item) : NULL;
  gboolean active = gtk_check_button_get_active (check);

  if (self->updating || item == NULL || self->document == NULL)
    return;
  if (evox_layer_item_is_scan (item))
    evox_document_set_scan_visible (self->document, evox_layer_item_get_index (item), active);
  else
    evox_document_set_layer_visible (self->document, evox_layer_item_get_index (item), active);
}

static void
sync_layer_check (EvoxDisplayPanel *self,
                  GtkListItem      *list_item)
{
  EvoxLayerItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *check = g_object_get_data (G_OBJECT (list_item), "check");
  guint index;

  if (item == NULL || check == NULL || self->document == NULL)
    return;
  index = evox_layer_item_get_index (item);
  self->updating = TRUE;
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                               evox_layer_item_is_scan (item) ?
                               evox_document_get_scan_visible (self->document, index) :
                               evox_document_get_layer_visible (self->document, index));
  self->updating = FALSE;
}

/* Only the rows on screen have widgets to bring up to date. */
static void
sync_layer_checks (EvoxDisplayPanel *self)
{
  GHashTableIter iter;
  gpointer list_item;

  if (self->bound_rows == NULL)
    return;
  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &list_item, NULL))
    sync_layer_check (self, list_item);
}

static void
setup_layer_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 EvoxDisplayPanel         *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *mark = gtk_label_new (NULL);

  gtk_widget_add_css_class (box, "evox-layer-row");
  gtk_widget_set_hexpand (check, TRUE);
  gtk_label_set_xalign (GTK_LABEL (mark), 1);
  g_object_set_data (G_OBJECT (check), "list-item", list_item);
  g_signal_connect (check, "toggled", G_CALLBACK (layer_toggled), self);
  gtk_box_append (GTK_BOX (box), check);
  gtk_box_append (GTK_BOX (box), mark);
  gtk_list_item_set_child (list_item, box);
  gtk_list_item_set_activatable (list_item, FALSE);
  g_object_set_data (G_OBJECT (list_item), "check", check);
  g_object_set_data (G_OBJECT (list_item), "mark", mark);
}

static void
bind_layer_row (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                EvoxDisplayPanel         *self)
{
  EvoxLayerItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *check = g_object_get_data (G_OBJECT (list_item), "check");
  GtkWidget *mark = g_object_get_data (G_OBJECT (list_item), "mark");
  const char *label = evox_layer_item_get_label (item);
  gboolean measured = evox_layer_item_is_measured (item);
  g_autofree char *text = NULL;
  g_autofree char *what = NULL;

  if (label != NULL)
    text = g_strdup_printf (_("z = %.1f nm · %s"), evox_layer_item_get_z_nm (item), label);
  else
    text = g_strdup_printf (_("z = %.1f nm"), evox_layer_item_get_z_nm (item));
  gtk_check_button_set_label (GTK_CHECK_BUTTON (check), text);
  /* A scan between grid layers is drawn as a plane of its own, at its depth. */
  if (evox_layer_item_is_scan (item))
    what = g_strdup (_("● measured scan, between layers"));
  else
    what = g_strdup (measured ? _("● measured scan") : _("interpolated"));
  gtk_label_set_text (GTK_LABEL (mark), what);
  gtk_widget_set_tooltip_text (mark, measured ? _("Values as measured") :
                               _("Interpolated per pixel between the two nearest scans"));
  if (measured)
    {
      gtk_widget_add_css_class (check, "evox-measured");
      gtk_widget_add_css_class (mark, "accent");
      gtk_widget_remove_css_class (mark, "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (check, "evox-measured");
      gtk_widget_remove_css_class (mark, "accent");
      gtk_widget_add_css_class (mark, "dim-label");
    }
  g_hash_table_add (self->bound_rows, list_item);
  sync_layer_check (self, list_item);
}

static void
unbind_layer_row (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  EvoxDisplayPanel         *self)
{
  if (self->bound_rows != NULL)
    g_hash_table_remove (self->bound_rows, list_item);
}

static void
teardown_layer_row (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    EvoxDisplayPanel         *self)
{
  if (self->bound_rows != NULL)
    g_hash_table_remove (self->bound_rows, list_item);
}

/* About the height of a row with a check button in the default theme. */
#define LAYER_ROW_HEIGHT 34

static void
rebuild_layers (EvoxDisplayPanel *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  g_autoptr(EvoxLayerList) layers = NULL;
  g_autoptr(GtkNoSelection) selection = NULL;
  gboolean stack;

  stack = volume != NULL && evox_volume_get_n_scans (volume) > 0;
  gtk_widget_set_visible (self->layers_box, stack);
  layers = evox_layer_list_new (stack ? volume : NULL);
  /* A list view asks for the height of the few rows it has made: room for ten rows, or as
   * many as there are, and a scroll bar beyond. */
  gtk_scrolled_window_set_min_content_height (self->layer_scroller,
                                              LAYER_ROW_HEIGHT *
                                              MIN (g_list_model_get_n_items (
                                                     G_LIST_MODEL (layers)), 10));
  selection = gtk_no_selection_new (G_LIST_MODEL (g_steal_pointer (&layers)));
  gtk_list_view_set_model (self->layer_list, GTK_SELECTION_MODEL (selection));
}

static void
rebuild_slices (EvoxDisplayPanel *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  gsize dims[3] = { 1, 1, 1 };

  if (volume != NULL)
    evox_volume_get_dims (volume, dims);
  for (guint axis = 0; axis < 3; axis++)
    {
      self->updating = TRUE;
      gtk_adjustment_configure (self->slice_adjustment[axis],
                                evox_document_get_slice (self->document, axis), 0,
                                dims[axis] - 1, 1, MAX (1, dims[axis] / 10), 0);
      self->updating = FALSE;
    }
  sync_slice_labels (self);
}

/* Slices moved from elsewhere (a particle selection, a click in the view) move the knobs too,
 * without making their axis the active one as a drag would. */
static void
sync_slices (EvoxDisplayPanel *self)
{
  for (guint axis = 0; axis < 3; axis++)
    {
      self->updating = TRUE;
      gtk_adjustment_set_value (self->slice_adjustment[axis],
                                evox_document_get_slice (self->document, axis));
      self->updating = FALSE;
    }
  sync_slice_labels (self);
}

/* Up to this many channels are listed by name in a drop-down; more would make a list too long
 * to find anything in, so a slider and a spin button step through them instead. */
#define CHANNEL_DROPDOWN_MAX 12

static void
sync_channel_label (EvoxDisplayPanel *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  g_autofree char *text = NULL;
  guint channel = evox_document_get_channel (self->document);

  if (volume != NULL && evox_volume_get_n_channels (volume) > 1)
    {
      guint last = evox_volume_get_n_channels (volume) - 1;
      const char *name = _evox_channel_own_name (volume, channel);
      g_autofree char *what = NULL;

      /* Along an energy scan the knob already says the energy: the line under it says it
       * not again, only the channel's name, if it has one. */
      if (gtk_scale_get_draw_value (self->channel_scale) &&
          _evox_channel_has_energy (volume, channel))
        what = g_strdup (name);
      else
        what = _evox_describe_channel (volume, channel);
      /* 0-based, as the spin button, --channel and the slice labels count. */
      if (what != NULL)
        text = g_strdup_printf (_("%u / %u · %s"), channel, last, what);
      else
        text = g_strdup_printf (_("%u / %u"), channel, last);
    }
  gtk_label_set_text (self->channel_label, text != NULL ? text : "");
}

/* The scale's own value: the energy of the channel under the knob. */
static char *
format_channel_value (GtkScale *scale,
                      double    value,
                      gpointer  data)
{
  EvoxDisplayPanel *self = data;
  EvoxVolume *volume = self->document != NULL ? evox_document_get_volume (self->document) : NULL;
  guint channel = (guint) MAX (round (value), 0);
  double energy;

  if (volume == NULL || channel >= evox_volume_get_n_channels (volume))
    return g_strdup ("");
  energy = evox_volume_get_channel_energy (volume, channel);
  if (isfinite (energy) && energy > 0)
    return g_strdup_printf (_("%.6g eV"), energy);
  return g_strdup_printf ("%u", channel);
}

static void
rebuild_channels (EvoxDisplayPanel *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  guint n = volume != NULL ? evox_volume_get_n_channels (volume) : 1;
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
  guint channel = evox_document_get_channel (self->document);
  /* A scan along the energy axis, from two energies on (below and above an edge, as the SSRL
   * script takes them), is a slider carrying the energy, as the Spectra page plots it; a few
   * channels with names of their own (Mn, Co, Ni edges) are picked by name. */
  gboolean scan = volume != NULL && _evox_volume_is_energy_scan (volume);
  gboolean listed = n <= CHANNEL_DROPDOWN_MAX && !scan;

  /* The drop-down's binding goes while its model changes: a new model selects its first item,
   * which must not move the document's channel. */
  _evox_clear_bindings (&self->channel_binding, 1);
  for (guint c = 0; n > 1 && listed && c < n; c++)
    {
      g_autofree char *text = _evox_describe_channel (volume, c);

      gtk_string_list_append (names, text);
    }
  gtk_drop_down_set_model (self->channel_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->channel_dropdown, listed ? channel : 0);
  if (n > 1 && listed)
    {
      self->channel_binding = g_object_bind_property (self->document, "channel",
                                                      self->channel_dropdown, "selected",
                                                      G_BINDING_BIDIRECTIONAL |
                                                      G_BINDING_SYNC_CREATE);
      g_object_ref (self->channel_binding);
    }
  /* The value first, so the adjustment never holds a channel the volume lacks. */
  gtk_adjustment_configure (self->channel_adjustment, channel, 0, MAX (n, 2) - 1, 1,
                            MAX (1, n / 10), 0);
  gtk_widget_set_visible (GTK_WIDGET (self->channel_dropdown), listed);
  gtk_widget_set_visible (self->channel_stepper, !listed);
  /* The drop-down names the channel itself; beside a slider the name needs a line. */
  gtk_widget_set_visible (GTK_WIDGET (self->channel_label), !listed);
  /* Along an energy scan the knob carries its energy. */
  gtk_scale_set_draw_value (self->channel_scale, scan);
  /* Beside the knob's track rather than over it, where it would spill out of the panel at
   * the ends. */
  gtk_scale_set_value_pos (self->channel_scale, GTK_POS_RIGHT);
  gtk_widget_set_visible (self->channel_box, n > 1);
  sync_channel_label (self);
}

static void
on_document_notify (EvoxDocument     *doc,
                    GParamSpec       *pspec,
                    EvoxDisplayPanel *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "volume"))
    {
      rebuild_channels (self);
      rebuild_range (self);
      rebuild_slices (self);
      rebuild_layers (self);
    }
  else if (g_str_equal (name, "channel"))
    {
      sync_channel_label (self);
      rebuild_range (self);
      /* The document resets the range to the new channel's data right after: on a log axis the
       * sliders' lower end depends on it, so they are laid out again when it comes. */
      self->range_stale = TRUE;
    }
  else if (g_str_equal (name, "mapping"))
    rebuild_range (self);
  else if ((g_str_equal (name, "range-lo") || g_str_equal (name, "range-hi")) && self->range_stale)
    {
      self->range_stale = FALSE;
      rebuild_range (self);
    }
  else if (g_str_equal (name, "range-lo") || g_str_equal (name, "range-hi"))
    sync_range (self);
  else if (g_str_has_prefix (name, "slice-"))
    sync_slices (self);
}

static void
slice_changed (GtkAdjustment    *adjustment,
               EvoxDisplayPanel *self)
{
  guint axis = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (adjustment), "axis"));

  if (self->updating || self->document == NULL)
    return;
  evox_document_set_active_axis (self->document, axis);
  evox_document_set_slice (self->document, axis, (guint) lround (gtk_adjustment_get_value (
                                                                   adjustment)));
}

static gboolean
name_to_selected (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  const char * const *names = evox_colormap_list_names ();
  const char *name = g_value_get_string (from);

  for (guint i = 0; names[i] != NULL; i++)
    if (g_strcmp0 (names[i], name) == 0)
      {
        g_value_set_uint (to, i);
        return TRUE;
      }
  return FALSE;
}

static gboolean
selected_to_name (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  const char * const *names = evox_colormap_list_names ();
  guint selected = g_value_get_uint (from);

  if (selected >= g_strv_length ((GStrv) names))
    return FALSE;
  g_value_set_string (to, names[selected]);
  return TRUE;
}

/* The Volume section shows while the view is Volume. */
static gboolean
view_is_volume (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_enum (from) == EVOX_VIEW_VOLUME);
  return TRUE;
}

void
evox_display_panel_set_document (EvoxDisplayPanel *self,
                                 EvoxDocument     *document)
{
  g_return_if_fail (EVOX_IS_DISPLAY_PANEL (self));
  g_return_if_fail (EVOX_IS_DOCUMENT (document));

  if (self->document != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
      _evox_clear_bindings (&self->channel_binding, 1);
    }
  g_set_object (&self->document, document);

  self->bindings[0] = g_object_bind_property_full (document, "colormap",
                                                   self->colormap_dropdown, "selected",
                                                   G_BINDING_BIDIRECTIONAL |
                                                   G_BINDING_SYNC_CREATE,
                                                   name_to_selected, selected_to_name,
                                                   NULL, NULL);
  self->bindings[1] = _evox_bind_enum_to_dropdown (document, "mapping", self->mapping_dropdown);
  self->bindings[2] = _evox_bind_enum_to_dropdown (document, "view", self->view_dropdown);
  self->bindings[3] = g_object_bind_property (document, "z-exaggeration", self->z_spin, "value",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  self->bindings[4] = g_object_bind_property (document, "stack-opacity",
                                              gtk_range_get_adjustment (
                                                GTK_RANGE (self->opacity_scale)), "value",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  self->bindings[6] = g_object_bind_property_full (document, "view", self->volume_box, "visible",
                                                   G_BINDING_SYNC_CREATE, view_is_volume, NULL,
                                                   NULL, NULL);
  /* Laid out for this document's volume first, so syncing never clamps its channel. */
  rebuild_channels (self);
  self->bindings[5] = g_object_bind_property (document, "channel", self->channel_adjustment,
                                              "value",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  /* Bindings are weak on both ends; the panel owns them through self->bindings. */
  for (guint i = 0; i < G_N_ELEMENTS (self->bindings); i++)
    g_object_ref (self->bindings[i]);

  g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
  g_signal_connect_object (document, "layers-changed", G_CALLBACK (sync_layer_checks), self,
                           G_CONNECT_SWAPPED);
  rebuild_range (self);
  rebuild_slices (self);
  rebuild_layers (self);
  evox_composite_box_set_document (self->composite_box, document);
  evox_volume_box_set_document (self->volume_box, document);
  evox_figure_box_set_document (self->figure_box, document);
}

GtkWidget *
evox_display_panel_get_volume_box (EvoxDisplayPanel *self)
{
  g_return_val_if_fail (EVOX_IS_DISPLAY_PANEL (self), NULL);
  return GTK_WIDGET (self->volume_box);
}

static void
reset_range_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EvoxDisplayPanel *self = EVOX_DISPLAY_PANEL (widget);

  if (self->document != NULL)
    evox_document_reset_range (self->document);
}

static void
show_layers_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EvoxDisplayPanel *self = EVOX_DISPLAY_PANEL (widget);
  EvoxVolume *volume = self->document ? evox_document_get_volume (self->document) : NULL;
  gboolean only_measured = g_str_equal (g_variant_get_string (parameter, NULL), "measured");
  gsize dims[3];

  if (volume == NULL)
    return;
  evox_volume_get_dims (volume, dims);
  for (guint k = 0; k < dims[2]; k++)
    evox_document_set_layer_visible (self->document, k,
                                     !only_measured || evox_volume_get_layer (volume, k)->measured);
  /* Every scan is measured. */
  for (guint i = 0; i < evox_volume_get_n_scans (volume); i++)
    evox_document_set_scan_visible (self->document, i, TRUE);
}

static void
setup_colormap_item (GtkSignalListItemFactory *factory,
                     GtkListItem              *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *picture = gtk_picture_new ();

  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_FILL);
  gtk_widget_set_size_request (picture, 72, 14);
  gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), gtk_label_new (NULL));
  gtk_list_item_set_child (item, box);
}

static void
bind_colormap_item (GtkSignalListItemFactory *factory,
                    GtkListItem              *item)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *picture = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_next_sibling (picture);
  const char *name = gtk_string_object_get_string (GTK_STRING_OBJECT (
                                                     gtk_list_item_get_item (item)));

  gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (evox_colormap_texture (name)));
  gtk_label_set_text (GTK_LABEL (label), evox_colormap_get_title (name));
}

static void
evox_display_panel_dispose (GObject *object)
{
  EvoxDisplayPanel *self = EVOX_DISPLAY_PANEL (object);

  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
  _evox_clear_bindings (&self->channel_binding, 1);
  g_clear_object (&self->document);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_DISPLAY_PANEL);
  /* After the list view, whose rows leave it on the way out. */
  g_clear_pointer (&self->bound_rows, g_hash_table_unref);

  G_OBJECT_CLASS (evox_display_panel_parent_class)->dispose (object);
}

static void
evox_display_panel_class_init (EvoxDisplayPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_display_panel_dispose;

  g_type_ensure (EVOX_TYPE_COMPOSITE_BOX);
  g_type_ensure (EVOX_TYPE_VOLUME_BOX);
  g_type_ensure (EVOX_TYPE_FIGURE_BOX);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-display-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, composite_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, volume_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, figure_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, channel_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, channel_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, channel_stepper);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, channel_scale);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, channel_adjustment);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, channel_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, colormap_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, mapping_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, lo_scale);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, hi_scale);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, lo_adjustment);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, hi_adjustment);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, view_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, z_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, slice_grid);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, layers_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, layer_scroller);
  gtk_widget_class_bind_template_child (widget_class, EvoxDisplayPanel, layer_list);

  gtk_widget_class_install_action (widget_class, "display.reset-range", NULL,
                                   reset_range_action);
  gtk_widget_class_install_action (widget_class, "display.show-layers", "s",
                                   show_layers_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_display_panel_init (EvoxDisplayPanel *self)
{
  static const char *axis_names[] = { "x", "y", "z" };
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkStringList *names = gtk_string_list_new (evox_colormap_list_names ());

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_scale_set_format_value_func (self->channel_scale, format_channel_value, self, NULL);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_colormap_item), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_colormap_item), NULL);
  gtk_drop_down_set_factory (self->colormap_dropdown, factory);
  gtk_drop_down_set_model (self->colormap_dropdown, G_LIST_MODEL (names));
  g_object_unref (factory);
  g_object_unref (names);

  self->bound_rows = g_hash_table_new (NULL, NULL);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_layer_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_layer_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_layer_row), self);
  g_signal_connect (factory, "teardown", G_CALLBACK (teardown_layer_row), self);
  gtk_list_view_set_factory (self->layer_list, factory);
  g_object_unref (factory);

  gtk_scale_set_format_value_func (self->lo_scale, format_range_value, self, NULL);
  gtk_scale_set_format_value_func (self->hi_scale, format_range_value, self, NULL);
  g_signal_connect_swapped (self->lo_adjustment, "value-changed",
                            G_CALLBACK (range_slider_changed), self);
  g_signal_connect_swapped (self->hi_adjustment, "value-changed",
                            G_CALLBACK (range_slider_changed), self);

  for (guint axis = 0; axis < 3; axis++)
    {
      GtkWidget *name = gtk_label_new (axis_names[axis]);
      GtkWidget *scale;

      self->slice_adjustment[axis] = gtk_adjustment_new (0, 0, 1, 1, 10, 0);
      g_object_set_data (G_OBJECT (self->slice_adjustment[axis]), "axis",
                         GUINT_TO_POINTER (axis));
      scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, self->slice_adjustment[axis]);
      gtk_scale_set_digits (GTK_SCALE (scale), 0);
      gtk_widget_set_hexpand (scale, TRUE);
      self->slice_label[axis] = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_xalign (self->slice_label[axis], 0);
      gtk_label_set_width_chars (self->slice_label[axis], 24);
      gtk_widget_add_css_class (GTK_WIDGET (self->slice_label[axis]), "numeric");
      gtk_grid_attach (self->slice_grid, name, 0, axis, 1, 1);
      gtk_grid_attach (self->slice_grid, scale, 1, axis, 1, 1);
      gtk_grid_attach (self->slice_grid, GTK_WIDGET (self->slice_label[axis]), 2, axis, 1, 1);
      g_signal_connect (self->slice_adjustment[axis], "value-changed",
                        G_CALLBACK (slice_changed), self);
    }
}

GtkWidget *
evox_display_panel_new (void)
{
  return g_object_new (EVOX_TYPE_DISPLAY_PANEL, NULL);
}

/* evox-surface-row.c: one surface of the surfaces panel: look, build state and measurements. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "evox-surface-row.h"
#include "evox-ui-util.h"
#include "evox-units.h"

#define POLL_MS 100

struct _EvoxSurfaceRow
{
  GtkWidget          parent_instance;

  EvoxDocument      *document;
  EvoxSurface       *surface;
  GBinding          *bindings[3];
  guint              poll_id;

  GtkCheckButton    *visible_check;
  GtkColorButton    *color_button;
  GtkEditableLabel  *name_label;
  GtkSpinner        *spinner;
  GtkAdjustment     *opacity_adjustment;
  GtkProgressBar    *progress_bar;
  GtkLabel          *stats_label;
};

G_DEFINE_FINAL_TYPE (EvoxSurfaceRow, evox_surface_row, GTK_TYPE_WIDGET)

static double
box_volume (EvoxDocument *document)
{
  EvoxVolume *volume = evox_document_get_volume (document);
  gsize dims[3];
  double spacing[3];

  if (volume == NULL)
    return 0;
  evox_volume_get_dims (volume, dims);
  evox_volume_get_spacing (volume, spacing);
  return dims[0] * spacing[0] * dims[1] * spacing[1] * dims[2] * spacing[2];
}

static char *
describe_mesh (EvoxSurfaceRow *self,
               EvoxMesh       *mesh)
{
  g_autofree char *area = NULL;
  g_autofree char *count = NULL;
  GString *text;
  double box = box_volume (self->document);
  gsize full_triangles;
  double full_area, full_volume;
  gboolean simplified;
  guint64 budget;
  EvoxUnits units = evox_units_for_length (0);

  if (evox_mesh_is_empty (mesh))
    return g_strdup (_("Empty: no voxel lies inside"));

  /* Measurements come from the full surface: simplifying smooths the voxel steps away. */
  simplified = evox_mesh_get_source_measures (mesh, &full_triangles, &full_area, &full_volume);
  count = g_strdup_printf ("%'" G_GSIZE_FORMAT, evox_mesh_get_n_triangles (mesh));
  /* One unit for the line and every row, scaled to the volume (voxels while its size is not
   * known): an area in µm² beside a volume in nm³ reads as a mistake. */
  if (evox_document_get_volume (self->document) != NULL)
    units = evox_units_for_volume (evox_document_get_volume (self->document));
  area = evox_format_area (&units, full_area, EVOX_UNITS_UNICODE);
  text = g_string_new (NULL);
  if (simplified)
    {
      g_autofree char *full = g_strdup_printf ("%'" G_GSIZE_FORMAT, full_triangles);

      /* TRANSLATORS: triangles drawn, triangles of the full surface, its area with the unit */
      g_string_append_printf (text, _("%s triangles (simplified from %s) · area %s"), count,
                              full, area);
    }
  else
    /* TRANSLATORS: a triangle count, then the surface area with its unit */
    g_string_append_printf (text, _("%s triangles · area %s"), count, area);
  if (evox_mesh_is_closed (mesh))
    {
      g_autofree char *volume = evox_format_volume (&units, full_volume, EVOX_UNITS_UNICODE);

      /* TRANSLATORS: the volume a closed surface encloses, and its share of the whole box */
      g_string_append_printf (text, _(" · encloses %s (%.2f %% of the volume)"), volume,
                              box > 0 ? 100 * full_volume / box : 0.0);
    }
  budget = evox_surface_get_spec (self->surface)->max_triangles;
  if (budget > 0 && evox_mesh_get_n_triangles (mesh) > budget)
    g_string_append (text, _(". Above the triangle budget: simplifying further would break "
                             "the surface"));
  return g_string_free (text, FALSE);
}

static gboolean
poll_progress (gpointer user_data)
{
  EvoxSurfaceRow *self = user_data;
  EvoxProgress *progress = evox_surface_get_progress (self->surface);

  if (progress != NULL)
    _evox_show_progress (self->progress_bar, progress);
  return G_SOURCE_CONTINUE;
}

static void
update_state (EvoxSurfaceRow *self)
{
  EvoxSurfaceState state = evox_surface_get_state (self->surface);
  EvoxMesh *mesh = evox_surface_get_mesh (self->surface);
  g_autofree char *text = NULL;
  gboolean building = state == EVOX_SURFACE_STATE_BUILDING;

  /* Nothing to write until a first build is done. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "surface.export", mesh != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), building);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), state == EVOX_SURFACE_STATE_STALE);
  gtk_spinner_set_spinning (self->spinner, state == EVOX_SURFACE_STATE_STALE);
  if (building && self->poll_id == 0)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      gtk_progress_bar_set_text (self->progress_bar, _("Starting"));
      self->poll_id = g_timeout_add (POLL_MS, poll_progress, self);
    }
  else if (!building)
    g_clear_handle_id (&self->poll_id, g_source_remove);

  gtk_widget_remove_css_class (GTK_WIDGET (self->stats_label), "error");
  switch (state)
    {
    case EVOX_SURFACE_STATE_FAILED:
      gtk_widget_add_css_class (GTK_WIDGET (self->stats_label), "error");
      text = g_strdup (evox_surface_get_message (self->surface));
      break;
    case EVOX_SURFACE_STATE_STALE:
      text = g_strdup (mesh != NULL ? _("Waiting for edits to pause, then rebuilt")
                                    : _("Waiting to be built"));
      break;
    case EVOX_SURFACE_STATE_BUILDING:
      text = g_strdup (_("Building…"));
      break;
    case EVOX_SURFACE_STATE_READY:
    default:
      text = mesh != NULL ? describe_mesh (self, mesh) : g_strdup ("");
      break;
    }
  gtk_label_set_text (self->stats_label, text);
}

static void
update_colour (EvoxSurfaceRow *self)
{
  _evox_color_button_set_hex (self->color_button, evox_surface_get_color (self->surface));
}

static void
on_surface_notify (EvoxSurface    *surface,
                   GParamSpec     *pspec,
                   EvoxSurfaceRow *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "color"))
    update_colour (self);
  else if (g_str_equal (name, "state") || g_str_equal (name, "mesh") ||
           g_str_equal (name, "message"))
    update_state (self);
}

static void
on_color_set (GtkColorButton *button,
              EvoxSurfaceRow *self)
{
  g_autofree char *hex = _evox_color_button_dup_hex (button);

  evox_surface_set_color (self->surface, hex);
}

static int
surface_index (EvoxSurfaceRow *self)
{
  return evox_surface_list_find (evox_document_get_surfaces (self->document), self->surface);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EvoxSurfaceRow *self = EVOX_SURFACE_ROW (widget);
  int index = surface_index (self);

  if (index >= 0)
    gtk_widget_activate_action (widget, "win.export-surface", "i", index);
}

static void
rebuild_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  EvoxSurfaceRow *self = EVOX_SURFACE_ROW (widget);

  _evox_surface_mark_stale (self->surface);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EvoxSurfaceRow *self = EVOX_SURFACE_ROW (widget);
  int index = surface_index (self);

  if (index >= 0)
    evox_surface_list_remove (evox_document_get_surfaces (self->document), index);
}

static void
evox_surface_row_dispose (GObject *object)
{
  EvoxSurfaceRow *self = EVOX_SURFACE_ROW (object);

  g_clear_handle_id (&self->poll_id, g_source_remove);
  _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
  if (self->surface != NULL)
    g_signal_handlers_disconnect_by_data (self->surface, self);
  g_clear_object (&self->surface);
  g_clear_object (&self->document);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_SURFACE_ROW);

  G_OBJECT_CLASS (evox_surface_row_parent_class)->dispose (object);
}

static void
evox_surface_row_class_init (EvoxSurfaceRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_surface_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-surface-row.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfaceRow, visible_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfaceRow, color_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfaceRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfaceRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfaceRow, opacity_adjustment);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfaceRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EvoxSurfaceRow, stats_label);

  gtk_widget_class_install_action (widget_class, "surface.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "surface.rebuild", NULL, rebuild_action);
  gtk_widget_class_install_action (widget_class, "surface.remove", NULL, remove_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_surface_row_init (EvoxSurfaceRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->color_button, "color-set", G_CALLBACK (on_color_set), self);
}

GtkWidget *
evox_surface_row_new (EvoxDocument *document,
                      EvoxSurface  *surface)
{
  EvoxSurfaceRow *self;
  GBindingFlags flags = G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (document), NULL);
  g_return_val_if_fail (EVOX_IS_SURFACE (surface), NULL);

  self = g_object_new (EVOX_TYPE_SURFACE_ROW, NULL);
  self->document = g_object_ref (document);
  self->surface = g_object_ref (surface);
  self->bindings[0] = g_object_ref (g_object_bind_property (surface, "visible",
                                                            self->visible_check, "active",
                                                            flags));
  self->bindings[1] = g_object_ref (g_object_bind_property (surface, "name",
                                                            self->name_label, "text", flags));
  self->bindings[2] = g_object_ref (g_object_bind_property (surface, "opacity",
                                                            self->opacity_adjustment, "value",
                                                            flags));
  g_signal_connect (surface, "notify", G_CALLBACK (on_surface_notify), self);
  update_colour (self);
  update_state (self);
  return GTK_WIDGET (self);
}

EvoxSurface *
evox_surface_row_get_surface (EvoxSurfaceRow *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE_ROW (self), NULL);
  return self->surface;
}

const char *
evox_surface_row_get_stats (EvoxSurfaceRow *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE_ROW (self), NULL);
  return gtk_label_get_text (self->stats_label);
}

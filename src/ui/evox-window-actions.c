/* evox-window-actions.c: the window's actions: open, recent files, export, view keys. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>

#include "evox-window-private.h"
#include "evox-csv.h"
#include "evox-export-dialog.h"
#include "evox-mesh-writer.h"
#include "evox-methods.h"
#include "evox-properties-dialog.h"
#include "evox-recon-dialog.h"
#include "evox-tiff.h"
#include "evox-ui-util.h"

#define N_RECENT 8

static void
open_response (GtkNativeDialog *chooser,
               int              response,
               EvoxWindow      *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (file != NULL)
        evox_window_open_file (self, file, NULL);
    }
  g_object_unref (chooser);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  static const char *volumes[] = { "*.tif", "*.tiff", "*.TIF", "*.TIFF", "*.csv", "*.txt",
                                   "*.tsv", "*.dat", "*.xrm", "*.txrm", "*.XRM", "*.TXRM",
                                   "*.h5", "*.hdf5", "*.hdf", "*.H5", "*.HDF5", NULL };
  static const char *tiffs[] = { "*.tif", "*.tiff", "*.TIF", "*.TIFF", NULL };
  static const char *tables[] = { "*.csv", "*.txt", "*.tsv", "*.dat", NULL };
  static const char *xradia[] = { "*.xrm", "*.txrm", "*.XRM", "*.TXRM", NULL };
  static const char *hdf5[] = { "*.h5", "*.hdf5", "*.hdf", "*.H5", "*.HDF5", NULL };
  static const char *all[] = { "*", NULL };
  GtkFileChooserNative *chooser;

  /* GtkFileDialog (GTK 4.10) is not on Debian 12; the native chooser works on both. Folders of
   * TIFF slices open by typing or choosing the folder in the dialog. */
  chooser = gtk_file_chooser_native_new (_("Open Volume"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                         _("_Cancel"));
  /* The spectral formats too: the first filter is what the chooser lists, and a .xrm hidden by
   * it looks like a file Evox cannot open. */
  _evox_chooser_add_filter (GTK_FILE_CHOOSER (chooser),
              _("Volumes (TIFF, SSRM tables, scan scripts, Xradia, HDF5)"), volumes);
  _evox_chooser_add_filter (GTK_FILE_CHOOSER (chooser), _("TIFF stacks"), tiffs);
  _evox_chooser_add_filter (GTK_FILE_CHOOSER (chooser), _("SSRM tables and SSRL scan scripts"), tables);
  _evox_chooser_add_filter (GTK_FILE_CHOOSER (chooser), _("Xradia images (.xrm, .txrm)"), xradia);
  _evox_chooser_add_filter (GTK_FILE_CHOOSER (chooser), _("Data Exchange HDF5"), hdf5);
  _evox_chooser_add_filter (GTK_FILE_CHOOSER (chooser), _("All files"), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static gboolean
is_npy_name (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *lower = g_ascii_strdown (name != NULL ? name : "", -1);

  return g_str_has_suffix (lower, ".npy");
}

static void
coords_response (GtkNativeDialog *chooser,
                 int              response,
                 EvoxWindow      *self)
{
  GFile *features = g_object_get_data (G_OBJECT (chooser), "features");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) coords = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (coords != NULL)
        evox_window_open_features (self, features, coords);
    }
  g_object_unref (chooser);
}

/* A .npy matrix has no coordinates in it: a second chooser asks for the file that has them,
 * named in its title so the user knows which step this is. */
static void
features_response (GtkNativeDialog *chooser,
                   int              response,
                   EvoxWindow      *self)
{
  static const char *npy[] = { "*.npy", "*.NPY", NULL };
  g_autoptr (GFile) features = NULL;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  GtkFileChooserNative *coords_chooser;

  if (response == GTK_RESPONSE_ACCEPT)
    features = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (features == NULL)
    return;
  if (!is_npy_name (features))
    {
      evox_window_open_features (self, features, NULL);
      return;
    }
  name = g_file_get_basename (features);
  title = g_strdup_printf (_("Coordinates of “%s”"), name);
  coords_chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                                GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                                _("_Cancel"));
  _evox_chooser_add_filter (GTK_FILE_CHOOSER (coords_chooser), _("NumPy matrices (N × 2 or N × 3)"), npy);
  g_object_set_data_full (G_OBJECT (coords_chooser), "features", g_steal_pointer (&features),
                          g_object_unref);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (coords_chooser), TRUE);
  g_signal_connect (coords_chooser, "response", G_CALLBACK (coords_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (coords_chooser));
}

static void
open_features_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  static const char *features[] = { "*.npy", "*.NPY", "*.csv", "*.CSV", NULL };
  static const char *all[] = { "*", NULL };
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Open Features"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                         _("_Cancel"));
  _evox_chooser_add_filter (GTK_FILE_CHOOSER (chooser),
              _("Feature files (.npy matrix, then its coordinates; CSV with x, y columns)"),
              features);
  _evox_chooser_add_filter (GTK_FILE_CHOOSER (chooser), _("All files"), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (features_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_demo_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  evox_window_open_demo (EVOX_WINDOW (widget));
}

static void
open_xanes_demo_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  evox_window_open_xanes_demo (EVOX_WINDOW (widget));
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_autoptr (GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));

  evox_window_open_file (EVOX_WINDOW (widget), file, NULL);
}

static gint
compare_recent (gconstpointer a,
                gconstpointer b)
{
  GDateTime *ta = gtk_recent_info_get_modified ((GtkRecentInfo *) a);
  GDateTime *tb = gtk_recent_info_get_modified ((GtkRecentInfo *) b);

  return g_date_time_compare (tb, ta);
}

void
_evox_window_update_recent (EvoxWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  const char *app_name = g_get_application_name ();
  guint shown = 0;

  g_menu_remove_all (self->recent_submenu);
  items = g_list_sort (items, compare_recent);
  for (GList *l = items; l != NULL && shown < N_RECENT; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      g_autoptr (GMenuItem) item = NULL;
      g_autofree char *action = NULL;

      if (app_name == NULL || !gtk_recent_info_has_application (info, app_name) ||
          !gtk_recent_info_exists (info))
        continue;
      item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);
      g_menu_item_set_action_and_target (item, "win.open-recent", "s",
                                         gtk_recent_info_get_uri (info));
      g_menu_append_item (self->recent_submenu, item);
      shown++;
    }
  if (shown == 0)
    {
      g_autoptr (GMenuItem) item = g_menu_item_new (_("No recent files"), "win.none");
      g_menu_append_item (self->recent_submenu, item);
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static void
export_image_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  GtkWidget *canvas = GTK_WIDGET (self->canvas);
  EvoxExportDialog *dialog = evox_export_dialog_new (self, gtk_widget_get_width (canvas),
                                                     gtk_widget_get_height (canvas));

  gtk_window_present (GTK_WINDOW (dialog));
}

static const struct
{
  const char *action;
  const char *title;
  const char *suggested;
} exports[] = {
  [EVOX_EXPORT_FRACTIONS] = { "win.export-fractions", N_("Export Phase Fractions"),
                              "fractions.csv" },
  [EVOX_EXPORT_MASK] = { "win.export-mask", N_("Export Phase Mask"), "phases.tif" },
  [EVOX_EXPORT_PARTICLES] = { "win.export-particles", N_("Export Particles"),
                              "particles.csv" },
  [EVOX_EXPORT_LABELS] = { "win.export-labels", N_("Export Particle Labels"), "labels.tif" },
  [EVOX_EXPORT_SURFACES] = { "win.export-surfaces", N_("Export Surfaces"), "surfaces.ply" },
};

/* A surface's colour and opacity as straight RGBA bytes. */
static void
surface_bytes (EvoxSurface *surface,
               guint8       bytes[4])
{
  float rgba[4];

  evox_surface_get_rgba (surface, rgba);
  for (guint k = 0; k < 4; k++)
    bytes[k] = (guint8) (CLAMP (rgba[k], 0.0f, 1.0f) * 255.0f + 0.5f);
}

/* The surfaces of the list that are shown and built, merged into one mesh with each surface's
 * colour (a PARTICLES mesh keeps its own colours). */
static EvoxMesh *
merge_surfaces (EvoxSurfaceList *list)
{
  g_autoptr (GPtrArray) meshes = g_ptr_array_new ();
  g_autoptr (GByteArray) colors = g_byte_array_new ();

  for (guint i = 0; i < evox_surface_list_get_n_surfaces (list); i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (list, i);
      EvoxMesh *mesh = evox_surface_get_mesh (surface);
      guint8 bytes[4];

      if (mesh == NULL || !evox_surface_get_visible (surface))
        continue;
      surface_bytes (surface, bytes);
      g_ptr_array_add (meshes, mesh);
      g_byte_array_append (colors, bytes, 4);
    }
  if (meshes->len == 0)
    return NULL;
  return evox_mesh_merge ((EvoxMesh **) meshes->pdata, colors->data, meshes->len);
}

static gboolean
write_mesh (EvoxMesh      *mesh,
            EvoxDocument  *document,
            const guint8  *rgba,
            const char    *path,
            gboolean       overwrite,
            GError       **error)
{
  EvoxMeshFormat format;

  if (!evox_mesh_format_from_path (path, &format, error))
    return FALSE;
  if (mesh == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("No surface is shown and built yet: add one on the Surfaces page"));
      return FALSE;
    }
  {
    /* The record in the PLY's comments and the OBJ's '#' lines: how the surface was made. */
    g_autofree char *operation =
      g_strdup_printf ("Export Surfaces in the window (flying edges, %s, triangle budget %" G_GUINT64_FORMAT ")",
                       evox_document_get_smooth_surfaces (document) ? "smoothed" : "not smoothed",
                       evox_document_get_triangle_budget (document));
    g_autofree char *provenance =
      evox_provenance_record (evox_document_get_path (document), operation);

    /* In px when the voxel size is not known, as every other length of the window. */
    return evox_mesh_write_with_provenance (mesh, evox_document_get_volume (document), path,
                                            format, rgba, provenance, overwrite, error);
  }
}

gboolean
evox_window_export_surface (EvoxWindow  *self,
                            guint        index,
                            const char  *path,
                            gboolean     overwrite,
                            GError     **error)
{
  EvoxSurfaceList *list;
  EvoxSurface *surface;
  EvoxMesh *mesh;
  guint8 rgba[4];

  g_return_val_if_fail (EVOX_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  list = evox_document_get_surfaces (self->document);
  if (index >= evox_surface_list_get_n_surfaces (list))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, _("There is no surface %u"), index);
      return FALSE;
    }
  surface = evox_surface_list_get_surface (list, index);
  mesh = evox_surface_get_mesh (surface);
  if (mesh == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("The surface “%s” is not built yet"), evox_surface_get_name (surface));
      return FALSE;
    }
  /* Written as it is, in the surface's colour: no merged copy of a mesh of millions of
   * triangles. */
  surface_bytes (surface, rgba);
  return write_mesh (mesh, self->document, rgba, path, overwrite, error);
}

/* The record of a window export: the document's file and what made the output. */
static char *
window_record (EvoxDocument *document,
               const char   *operation)
{
  return evox_provenance_record (evox_document_get_path (document), operation);
}

static char *
phases_operation (const char    *what,
                  EvoxPhaseList *phases,
                  guint          channel)
{
  GString *text = g_string_new (what);

  g_string_append_printf (text, " in the window (channel %u; phases", channel);
  for (guint i = 0; i < evox_phase_list_get_n_phases (phases); i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (phases, i);

      g_string_append_printf (text, " %s=%.9g:%.9g", evox_phase_get_name (phase),
                              evox_phase_get_lo (phase), evox_phase_get_hi (phase));
    }
  g_string_append_c (text, ')');
  return g_string_free (text, FALSE);
}

static char *
labels_operation (const char *what,
                  EvoxLabels *labels)
{
  double range[2];

  evox_labels_get_range (labels, &range[0], &range[1]);
  return g_strdup_printf ("%s in the window (phase %s=%.9g:%.9g, %d-connectivity, minimum size "
                          "%" G_GUINT64_FORMAT ")", what, evox_labels_get_phase_name (labels),
                          range[0], range[1], (int) evox_labels_get_connectivity (labels),
                          evox_labels_get_min_size (labels));
}

/* The window's CSV exports carry the record as comment lines only when the user asked
 * (win.csv-provenance), so that plain CSVs stay plain for the programs that read them. */
static gboolean
csv_provenance (EvoxWindow *self)
{
  g_autoptr (GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (self),
                                                                "csv-provenance");

  return state != NULL && g_variant_get_boolean (state);
}

static gboolean
write_csv (EvoxWindow  *self,
           const char  *path,
           const char  *text,
           const char  *operation,
           gboolean     overwrite,
           GError     **error)
{
  g_autofree char *provenance = NULL;

  if (csv_provenance (self))
    provenance = window_record (self->document, operation);
  return evox_csv_write_text_with_provenance (path, text, provenance, overwrite, error);
}

gboolean
evox_window_export_data (EvoxWindow      *self,
                         EvoxExportKind   kind,
                         const char      *path,
                         gboolean         overwrite,
                         GError         **error)
{
  EvoxDocument *doc = self->document;
  EvoxVolume *volume = evox_document_get_volume (doc);
  EvoxPhaseList *phases = evox_document_get_phases (doc);
  EvoxLabels *labels = evox_document_get_labels (doc);

  g_return_val_if_fail (EVOX_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (volume == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, _("Nothing is open"));
      return FALSE;
    }
  switch (kind)
    {
    case EVOX_EXPORT_FRACTIONS:
    case EVOX_EXPORT_MASK:
      if (evox_phase_list_get_n_phases (phases) == 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, _("There are no phases to export"));
          return FALSE;
        }
      if (kind == EVOX_EXPORT_FRACTIONS)
        {
          g_autoptr (EvoxFractionTable) table =
            evox_fraction_table_new (volume, evox_document_get_channel (doc),
                                     evox_document_get_basis (doc), phases, NULL, error);
          g_autofree char *text = NULL;
          g_autofree char *operation = NULL;

          if (table == NULL)
            return FALSE;
          text = evox_csv_format_fractions (table);
          operation = phases_operation ("Export Phase Fractions", phases,
                                        evox_document_get_channel (doc));
          return write_csv (self, path, text, operation, overwrite, error);
        }
      {
        g_autofree char *operation = phases_operation ("Export Phase Mask", phases,
                                                       evox_document_get_channel (doc));
        g_autofree char *provenance = window_record (doc, operation);

        return evox_tiff_write_mask_with_provenance (path, volume,
                                                     evox_document_get_channel (doc), phases,
                                                     overwrite ? EVOX_TIFF_WRITE_OVERWRITE : 0,
                                                     provenance, error);
      }
    case EVOX_EXPORT_PARTICLES:
    case EVOX_EXPORT_LABELS:
      if (labels == NULL)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       _("No particles yet: find them on the Particles page first"));
          return FALSE;
        }
      if (kind == EVOX_EXPORT_PARTICLES)
        {
          g_autofree char *text = evox_csv_format_particles (&labels, 1);
          g_autofree char *operation = labels_operation ("Export Particles", labels);

          return write_csv (self, path, text, operation, overwrite, error);
        }
      {
        g_autofree char *operation = labels_operation ("Export Particle Labels", labels);
        g_autofree char *provenance = window_record (doc, operation);

        return evox_tiff_write_labels_with_provenance (path, &labels, 1, 0,
                                                       overwrite ? EVOX_TIFF_WRITE_OVERWRITE : 0,
                                                       provenance, error);
      }
    case EVOX_EXPORT_SURFACES:
      {
        EvoxSurfaceList *list = evox_document_get_surfaces (doc);
        g_autoptr (EvoxMesh) mesh = merge_surfaces (list);

        return write_mesh (mesh, doc, NULL, path, overwrite, error);
      }
    default:
      g_return_val_if_reached (FALSE);
    }
}

static void
export_data_response (GtkNativeDialog *chooser,
                      int              response,
                      EvoxWindow      *self)
{
  EvoxExportKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "kind"));
  int surface = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "surface")) - 1;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;

      /* The chooser has already asked before replacing a file. */
      gboolean written = path == NULL ||
                         (surface >= 0 ? evox_window_export_surface (self, surface, path, TRUE,
                                                                     &error)
                                       : evox_window_export_data (self, kind, path, TRUE,
                                                                  &error));

      if (written && path != NULL)
        evox_window_show_saved (self, path);
      if (!written)
        {
          g_autofree char *message = g_strdup_printf (_("Could not export %s: %s"), path,
                                                      error->message);
          evox_window_show_error (self, message);
        }
    }
  g_object_unref (chooser);
}

static void
export_data_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autofree char *suggested = NULL;
  int surface = -1;
  guint kind;

  if (g_str_equal (action_name, "win.export-surface"))
    {
      EvoxSurface *item;

      surface = g_variant_get_int32 (parameter);
      item = evox_surface_list_get_surface (evox_document_get_surfaces (self->document), surface);
      if (item == NULL)
        return;
      kind = EVOX_EXPORT_SURFACES;
      suggested = g_strdup_printf ("%s.ply", evox_surface_get_name (item));
      g_strdelimit (suggested, "/\\:", '_');
    }
  else
    {
      for (kind = 0; kind < G_N_ELEMENTS (exports); kind++)
        if (g_str_equal (exports[kind].action, action_name))
          break;
      g_return_if_fail (kind < G_N_ELEMENTS (exports));
      suggested = g_strdup (exports[kind].suggested);
    }
  chooser = gtk_file_chooser_native_new (_(exports[kind].title), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                         _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
  g_object_set_data (G_OBJECT (chooser), "kind", GINT_TO_POINTER (kind));
  g_object_set_data (G_OBJECT (chooser), "surface", GINT_TO_POINTER (surface + 1));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (export_data_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Data exports are offered only when there is something to write. */
void
_evox_window_update_exports (EvoxWindow *self)
{
  gboolean have_volume = evox_document_get_volume (self->document) != NULL;
  gboolean have_phases = have_volume &&
                         evox_phase_list_get_n_phases (evox_document_get_phases (self->document)) > 0;
  gboolean have_labels = evox_document_get_labels (self->document) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-fractions", have_phases);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-mask", have_phases);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-particles", have_labels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-labels", have_labels);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-surfaces",
                                 have_volume &&
                                 evox_surface_list_get_n_surfaces (
                                   evox_document_get_surfaces (self->document)) > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-maps",
                                 evox_document_get_maps (self->document) != NULL);
}

/* The XANES page writes its maps, whichever page is shown. */
static void
export_maps_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  gtk_widget_activate_action (EVOX_WINDOW (widget)->xanes_panel, "xanes.export-maps", NULL);
}

static void
dismiss_error_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  evox_window_show_error (EVOX_WINDOW (widget), NULL);
}

static void
dismiss_saved_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);

  g_clear_handle_id (&self->saved_timeout_id, g_source_remove);
  gtk_revealer_set_reveal_child (self->saved_revealer, FALSE);
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
folder_opened (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!gtk_file_launcher_open_containing_folder_finish (GTK_FILE_LAUNCHER (source), result,
                                                         &error) &&
      !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED))
    g_warning ("Could not open the folder: %s", error->message);
}
#endif

/* Shows the folder of the last export in the file manager. */
static void
open_export_folder_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  g_autoptr (GFile) file = NULL;

  if (self->saved_path == NULL)
    return;
  file = g_file_new_for_path (self->saved_path);
#if GTK_CHECK_VERSION (4, 10, 0)
  {
    g_autoptr (GtkFileLauncher) launcher = gtk_file_launcher_new (file);

    gtk_file_launcher_open_containing_folder (launcher, GTK_WINDOW (self), NULL, folder_opened,
                                              NULL);
  }
#else
  {
    g_autoptr (GFile) folder = g_file_get_parent (file);
    g_autofree char *uri = g_file_get_uri (folder);

    gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
  }
#endif
}

static void
cancel_load_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  evox_window_cancel_load (EVOX_WINDOW (widget));
}

static void
look_along_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);

  evox_canvas_look_along (self->canvas, g_variant_get_int32 (parameter));
}

static void
slice_step_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  guint axis = evox_document_get_active_axis (self->document);
  gint64 index = (gint64) evox_document_get_slice (self->document, axis) +
                 g_variant_get_int32 (parameter);

  evox_document_set_slice (self->document, axis, (guint) MAX (index, 0));
}

/* Steps the channel shown, stopping at the first and the last. */
static void
channel_step_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  EvoxVolume *volume = evox_document_get_volume (self->document);
  gint64 channel;

  if (volume == NULL)
    return;
  channel = (gint64) evox_document_get_channel (self->document) + g_variant_get_int32 (parameter);
  channel = CLAMP (channel, 0, (gint64) evox_volume_get_n_channels (volume) - 1);
  evox_document_set_channel (self->document, (guint) channel);
}

static void
show_help_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                              GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_INFO, GTK_BUTTONS_CLOSE,
                                              _("Keyboard and mouse"));

  gtk_message_dialog_format_secondary_text (
    GTK_MESSAGE_DIALOG (dialog), "%s",
    _("Left drag: orbit (pan in 2D slice views; in the 2D panes of Four views, move the "
      "other slices to the point)\n"
      "Ctrl+left drag on a 2D slice: measure (a ruler, listed on the Measure page)\n"
      "Middle drag or Shift+left drag: pan\n"
      "Wheel: zoom toward the cursor\n"
      "Double-click: recentre on the point under the cursor\n"
      "1, 2, 3: look along x, y, z\n"
      "0: reset the view\n"
      "Page Up, Page Down: move the active slice\n"
      "Ctrl+Page Up, Ctrl+Page Down: next, previous channel\n"
      "Ctrl+O: open · Ctrl+E: export image · Ctrl+W: close · Ctrl+Q: quit"));
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
image_properties_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);

  /* One dialog per window: a second one could apply a size the first then overwrites. */
  if (self->properties_dialog == NULL)
    g_set_weak_pointer (&self->properties_dialog,
                        GTK_WINDOW (evox_properties_dialog_new (self)));
  gtk_window_present (self->properties_dialog);
}

/* A finished reconstruction replaces the window's volume, as a file opened does. */
static void
reconstructed (EvoxReconDialog *dialog,
               EvoxVolume      *volume,
               const char      *name,
               EvoxWindow      *self)
{
  evox_window_cancel_load (self);
  evox_document_set_volume (self->document, volume, name, NULL);
  evox_window_show_error (self, NULL);
  evox_window_show_voxel_banner (self, TRUE);
}

static void
reconstruct_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);

  if (self->recon_dialog == NULL)
    {
      EvoxReconDialog *dialog = evox_recon_dialog_new (GTK_WINDOW (self));

      g_signal_connect_object (dialog, "reconstructed", G_CALLBACK (reconstructed), self, 0);
      g_set_weak_pointer (&self->recon_dialog, GTK_WINDOW (dialog));
    }
  gtk_window_present (self->recon_dialog);
}

static void
dismiss_voxel_size_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  evox_window_show_voxel_banner (EVOX_WINDOW (widget), FALSE);
}

void
_evox_window_add_export_actions (EvoxWindow *self)
{
  const GActionEntry entries[] = {
    { "csv-provenance", NULL, NULL, "false", NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
}

void
_evox_window_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.image-properties", NULL,
                                   image_properties_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-voxel-size", NULL,
                                   dismiss_voxel_size_action);
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-features", NULL,
                                   open_features_action);
  gtk_widget_class_install_action (widget_class, "win.open-demo", NULL, open_demo_action);
  gtk_widget_class_install_action (widget_class, "win.open-xanes-demo", NULL,
                                   open_xanes_demo_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.reconstruct", NULL, reconstruct_action);
  gtk_widget_class_install_action (widget_class, "win.export-image", NULL, export_image_action);
  for (guint i = 0; i < G_N_ELEMENTS (exports); i++)
    gtk_widget_class_install_action (widget_class, exports[i].action, NULL, export_data_action);
  gtk_widget_class_install_action (widget_class, "win.export-surface", "i", export_data_action);
  gtk_widget_class_install_action (widget_class, "win.export-maps", NULL, export_maps_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-error", NULL,
                                   dismiss_error_action);
  gtk_widget_class_install_action (widget_class, "win.dismiss-saved", NULL,
                                   dismiss_saved_action);
  gtk_widget_class_install_action (widget_class, "win.open-export-folder", NULL,
                                   open_export_folder_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-load", NULL, cancel_load_action);
  gtk_widget_class_install_action (widget_class, "win.show-help", NULL, show_help_action);
  gtk_widget_class_install_action (widget_class, "view.look-along", "i", look_along_action);
  gtk_widget_class_install_action (widget_class, "view.slice-step", "i", slice_step_action);
  gtk_widget_class_install_action (widget_class, "view.channel-step", "i", channel_step_action);

  /* Bubble-phase bindings: a focused entry or spin button still gets its digits first. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, 0, "view.look-along", "i", 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, 0, "view.look-along", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, 0, "view.look-along", "i", 2);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "view.look-along", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_1, 0, "view.look-along", "i", 0);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_2, 0, "view.look-along", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_3, 0, "view.look-along", "i", 2);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, 0, "view.look-along", "i",
                                       -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "view.slice-step",
                                       "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "view.slice-step",
                                       "i", -1);
  /* Page Up and Down step slices; with Ctrl they step channels the same way round. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, GDK_CONTROL_MASK,
                                       "view.channel-step", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, GDK_CONTROL_MASK,
                                       "view.channel-step", "i", -1);
}

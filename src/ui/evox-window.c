/* evox-window.c: the main window: building it, loading files in the background, the banner. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "evox-window-private.h"
#include "evox-voxel-source.h"
#include "evox-demo.h"
#include "evox-xanes-phantom.h"
#include "evox-display-panel.h"
#include "evox-composite-legend.h"
#include "evox-histogram-view.h"
#include "evox-page-switcher.h"
#include "evox-particle-panel.h"
#include "evox-cluster-panel.h"
#include "evox-phase-panel.h"
#include "evox-surface-panel.h"
#include "evox-measure-panel.h"
#include "evox-metrics-panel.h"
#include "evox-registration-panel.h"
#include "evox-spectrum-panel.h"
#include "evox-xanes-panel.h"
#include "evox-image.h"
#include "evox-loader.h"
#include "evox-ssrm-dialog.h"
#include "evox-ui-util.h"
#include "evox-units.h"

G_DEFINE_FINAL_TYPE (EvoxWindow, evox_window, GTK_TYPE_APPLICATION_WINDOW)

EvoxWindow *
evox_window_new (EvoxApplication *app)
{
  return g_object_new (EVOX_TYPE_WINDOW, "application", app, NULL);
}

EvoxDocument *
evox_window_get_document (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->document;
}

GtkWidget *
evox_window_get_canvas (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->canvas);
}

GtkWidget *
evox_window_get_phase_panel (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->phase_panel;
}

GtkWidget *
evox_window_get_particle_panel (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->particle_panel;
}

GtkWidget *
evox_window_get_cluster_panel (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->cluster_panel;
}

GtkWidget *
evox_window_get_registration_panel (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->registration_panel;
}

GtkToggleButton *
evox_window_get_registration_toggle (EvoxWindow *self,
                                     gboolean    raw)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return raw ? self->registration_raw : self->registration_registered;
}

/* The Raw/Registered switch: each button is on while the document shows its stack; pressing
 * one shows that stack (the other going off by the group says nothing). */
static gboolean
view_to_active (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      view)
{
  g_value_set_boolean (to, g_value_get_enum (from) == GPOINTER_TO_INT (view));
  return TRUE;
}

static gboolean
active_to_view (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      view)
{
  if (!g_value_get_boolean (from))
    return FALSE;
  g_value_set_enum (to, GPOINTER_TO_INT (view));
  return TRUE;
}

static gboolean
object_to_visible (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_object (from) != NULL);
  return TRUE;
}

static void
bind_registration_switch (EvoxWindow *self)
{
  g_object_bind_property_full (self->document, "registration", self->registration_switch,
                               "visible", G_BINDING_SYNC_CREATE, object_to_visible, NULL, NULL,
                               NULL);
  g_object_bind_property_full (self->document, "registration-view", self->registration_raw,
                               "active", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               view_to_active, active_to_view,
                               GINT_TO_POINTER (EVOX_REGISTRATION_VIEW_RAW), NULL);
  g_object_bind_property_full (self->document, "registration-view",
                               self->registration_registered, "active",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               view_to_active, active_to_view,
                               GINT_TO_POINTER (EVOX_REGISTRATION_VIEW_REGISTERED), NULL);
}

GtkWidget *
evox_window_get_surface_panel (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->surface_panel;
}

GtkWidget *
evox_window_get_measure_panel (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->measure_panel;
}

GtkWidget *
evox_window_get_metrics_panel (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->metrics_panel;
}

GtkWidget *
evox_window_get_spectrum_panel (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->spectrum_panel;
}

GtkWidget *
evox_window_get_xanes_panel (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->xanes_panel;
}

/* The Spectra page's normalised view uses the XANES page's parameters. */
static void
sync_xanes_params (EvoxWindow *self)
{
  EvoxXanesParams params;
  gboolean ok = evox_xanes_panel_get_params (EVOX_XANES_PANEL (self->xanes_panel), &params,
                                             NULL);

  evox_spectrum_panel_set_xanes_params (EVOX_SPECTRUM_PANEL (self->spectrum_panel),
                                        ok ? &params : NULL);
}

void
evox_window_show_page (EvoxWindow *self,
                       const char *page)
{
  g_return_if_fail (EVOX_IS_WINDOW (self));
  gtk_stack_set_visible_child_name (self->side_stack, page);
}

const char *
evox_window_get_page (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->side_stack);
}

GtkWidget *
evox_window_get_histogram (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->histogram;
}

const char *
evox_window_get_error (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->error_text;
}

void
evox_window_show_error (EvoxWindow *self,
                        const char *message)
{
  g_return_if_fail (EVOX_IS_WINDOW (self));

  g_free (self->error_text);
  self->error_text = g_strdup (message);
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

/* A brick of a volume held reduced could not be read from its file: the views keep the reduced
 * voxels there, and the window says why. */
static void
on_read_failed (EvoxWindow *self,
                const char *message)
{
  g_autofree char *text = g_strdup_printf (_("Drawn at the reduced resolution where the file "
                                             "could not be read: %s"), message);

  evox_window_show_error (self, text);
}

static gboolean
hide_saved (gpointer data)
{
  EvoxWindow *self = data;

  self->saved_timeout_id = 0;
  gtk_revealer_set_reveal_child (self->saved_revealer, FALSE);
  return G_SOURCE_REMOVE;
}

void
evox_window_show_saved (EvoxWindow *self,
                        const char *path)
{
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (EVOX_IS_WINDOW (self));

  g_clear_handle_id (&self->saved_timeout_id, g_source_remove);
  g_free (self->saved_path);
  self->saved_path = g_strdup (path);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-export-folder", path != NULL);
  if (path == NULL)
    {
      gtk_revealer_set_reveal_child (self->saved_revealer, FALSE);
      return;
    }
  name = g_filename_display_basename (path);
  text = g_strdup_printf (_("Saved %s"), name);
  gtk_label_set_text (self->saved_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->saved_label), path);
  gtk_revealer_set_reveal_child (self->saved_revealer, TRUE);
  /* Long enough to read and reach for the button; it stays while the pointer is not needed. */
  self->saved_timeout_id = g_timeout_add_seconds (10, hide_saved, self);
}

const char *
evox_window_get_saved_path (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);
  return self->saved_path;
}

/* The note that a file states no voxel size; it asks without blocking anything. NULL hides it. */
void
evox_window_show_voxel_banner (EvoxWindow *self,
                               gboolean    show)
{
  EvoxVolume *volume;
  const char *title;
  g_autofree char *text = NULL;

  g_return_if_fail (EVOX_IS_WINDOW (self));

  volume = evox_document_get_volume (self->document);
  title = evox_document_get_title (self->document);
  show = show && volume != NULL && !evox_volume_get_spacing_known (volume);
  if (show)
    {
      const char *path = evox_document_get_path (self->document);
      g_autofree char *name = NULL;

      /* The title of a volume held reduced is long ("NAME (1:2 in memory; ...)"): the file's
       * name is what lacks the size. */
      if (path != NULL && evox_volume_get_reduction (volume) > 1)
        name = g_filename_display_basename (path);
      else
        name = g_strdup (title != NULL ? title : "");
      /* TRANSLATORS: the file's name */
      text = g_strdup_printf (_("No voxel size in “%s”: lengths are in voxels."), name);
      gtk_label_set_text (self->voxel_label, text);
    }
  gtk_revealer_set_reveal_child (self->voxel_revealer, show);
}

const char *
evox_window_get_voxel_banner (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->voxel_revealer))
    return NULL;
  return gtk_label_get_text (self->voxel_label);
}

static void apply_startup_phases (EvoxWindow *self);

/* --channel, once, on the volume just shown, before the startup phases (which read its values);
 * a channel the volume lacks shows in the banner. */
static void
apply_startup_channel (EvoxWindow *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  g_autofree char *name = g_steal_pointer (&self->startup_channel);
  int channel;

  if (name == NULL || volume == NULL)
    return;
  channel = evox_volume_find_channel (volume, name);
  if (channel >= 0)
    evox_document_set_channel (self->document, (guint) channel);
  else
    {
      g_autofree char *message =
        g_strdup_printf (_("--channel: no channel “%s” (the volume has %u)"), name,
                         evox_volume_get_n_channels (volume));

      evox_window_show_error (self, message);
    }
}

/* --voxel-size, once, on the volume about to be shown: it wins over the file's own size and a
 * remembered one, as in the commands; an SSRM stack keeps the layer step it was read with.
 * Returns what the user must be told when a z size of their own was not used (the commands
 * refuse it; here the file's kind is known only now), else NULL. */
static char *
apply_startup_voxel_size (EvoxWindow *self,
                          EvoxVolume *volume)
{
  double spacing[3], read[3];
  char *note = NULL;

  if (!self->have_startup_voxel_size)
    return NULL;
  self->have_startup_voxel_size = FALSE;
  memcpy (spacing, self->startup_voxel_size, sizeof spacing);
  evox_volume_get_spacing (volume, read);
  if (evox_volume_get_n_scans (volume) > 0)
    {
      /* One number is the pixel's size; a distinct z was meant for the layers. */
      if (spacing[2] != spacing[0] && fabs (spacing[2] - read[2]) > 1e-9 * read[2])
        note = g_strdup_printf (_("--voxel-size: the z size of an SSRM stack is its layer "
                                  "step, %g nm; the %g nm given was not used"),
                                read[2], spacing[2]);
      spacing[2] = read[2];
    }
  /* The size given is the file's voxel; a volume held at 1:S has voxels S of them a side. */
  for (int i = 0; i < 3; i++)
    spacing[i] *= evox_volume_get_reduction (volume);
  evox_volume_set_spacing (volume, spacing);
  return note;
}

void
evox_window_open_demo (EvoxWindow *self)
{
  g_autoptr (EvoxVolume) volume = evox_demo_volume_new (EVOX_SSRM_DEFAULT_DZ_NM);
  g_autofree char *note = NULL;

  g_return_if_fail (EVOX_IS_WINDOW (self));

  evox_window_cancel_load (self);
  note = apply_startup_voxel_size (self, volume);
  evox_document_set_volume (self->document, volume, _("Demo SSRM stack"), NULL);
  /* The note first: the banner then keeps what the startup channel or phases have to say. */
  evox_window_show_error (self, note);
  evox_window_show_voxel_banner (self, FALSE);
  apply_startup_channel (self);
  apply_startup_phases (self);
}

void
evox_window_open_xanes_demo (EvoxWindow *self)
{
  EvoxXanesPhantomParams params;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *note = NULL;

  g_return_if_fail (EVOX_IS_WINDOW (self));

  evox_xanes_phantom_params_init (&params);
  volume = evox_xanes_phantom_new (&params, NULL, &error);
  if (volume == NULL)
    {
      evox_window_show_error (self, error->message);
      return;
    }
  evox_window_cancel_load (self);
  note = apply_startup_voxel_size (self, volume);
  evox_document_set_volume (self->document, volume, _("XANES demo (synthetic NMC cathode)"),
                            NULL);
  /* The first energies are the Mn and Co pairs, where Ni barely shows; above its edge every
   * particle does. */
  evox_document_set_channel (self->document, evox_volume_get_n_channels (volume) - 1);
  evox_window_show_error (self, note);
  evox_window_show_voxel_banner (self, FALSE);
  apply_startup_channel (self);
  apply_startup_phases (self);
}

gboolean
evox_window_is_loading (EvoxWindow *self)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), FALSE);
  return self->load_cancellable != NULL;
}

/* Where the loader's stages (reading, histograms) end and the upload to the canvas begins. */
#define UPLOAD_START 0.95

static void
stop_load_ui (EvoxWindow *self)
{
  if (self->upload_clock != NULL)
    g_clear_signal_handler (&self->upload_paint_id, self->upload_clock);
  self->upload_clock = NULL;
  g_clear_signal_handler (&self->upload_frame_id, self->canvas);
  g_clear_handle_id (&self->upload_timeout_id, g_source_remove);
  g_clear_object (&self->upload_volume);
  g_clear_pointer (&self->upload_path, g_free);
  g_clear_handle_id (&self->load_poll_id, g_source_remove);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->load_progress_state, evox_progress_unref);
  gtk_widget_set_visible (self->load_box, FALSE);
}

void
evox_window_cancel_load (EvoxWindow *self)
{
  g_return_if_fail (EVOX_IS_WINDOW (self));

  if (self->load_cancellable == NULL)
    return;
  /* The finished callback of a cancelled load only drops its result. */
  g_cancellable_cancel (self->load_cancellable);
  /* Nor is a preview of it something to work on (a closing window's document goes anyway). */
  self->preview_cancellable = NULL;
  if (self->showing_preview && !gtk_widget_in_destruction (GTK_WIDGET (self)))
    evox_document_set_volume (self->document, NULL, NULL, NULL);
  self->showing_preview = FALSE;
  stop_load_ui (self);
}

typedef struct
{
  EvoxWindow   *window;   /* weak: the load outlives a closed window only to be dropped */
  GWeakRef      window_ref;  /* the same, for the loading thread's previews */
  GCancellable *cancellable;
  char         *path;
  gboolean      features;  /* a feature file, read by evox_feature_volume_load_async */
  EvoxPreviewOptions preview;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_clear_weak_pointer (&data->window);
  g_weak_ref_clear (&data->window_ref);
  g_clear_object (&data->cancellable);
  g_free (data->path);
  g_free (data);
}

/* The phases asked for on the command line, once, on the first volume that arrives; a mistake
 * in them shows in the banner and leaves the volume open. */
static void
apply_startup_phases (EvoxWindow *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  EvoxPhaseList *phases = evox_document_get_phases (self->document);
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr (GError) error = NULL;
  gboolean keep_page;

  if (volume == NULL || (self->startup_phases == NULL && self->startup_preset == NULL))
    return;
  if (self->startup_preset != NULL)
    {
      g_autoptr (GPtrArray) presets = evox_phase_presets_list ();
      EvoxPhasePreset *preset = NULL;

      for (guint i = 0; i < presets->len && preset == NULL; i++)
        if (g_strcmp0 (evox_phase_preset_get_name (presets->pdata[i]), self->startup_preset) == 0)
          preset = presets->pdata[i];
      if (preset == NULL)
        g_set_error (&error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, _("There is no preset “%s”"),
                     self->startup_preset);
      else
        evox_phase_preset_apply (preset, list,
                                 evox_document_get_basis_histogram (self->document), &error);
    }
  if (error == NULL)
    evox_phase_list_append_channel_specs (list, (const char * const *) self->startup_phases,
                                          volume, evox_document_get_channel (self->document),
                                          evox_document_get_basis_histogram (self->document),
                                          TRUE, &error);
  g_clear_pointer (&self->startup_phases, g_strfreev);
  g_clear_pointer (&self->startup_preset, g_free);
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Phases from the command line: %s"),
                                                  error->message);
      evox_window_show_error (self, message);
      return;
    }
  evox_phase_list_assign (phases, list);
  evox_document_set_selected_phase (self->document, 0);
  /* Rulers from the command line opened the Measure page as the volume arrived: it stays. */
  keep_page = g_strcmp0 (gtk_stack_get_visible_child_name (self->side_stack), "measure") == 0;
  if (!keep_page)
    gtk_stack_set_visible_child_name (self->side_stack, "phases");
  if (self->startup_surfaces)
    {
      for (guint i = 0; i < evox_phase_list_get_n_phases (phases); i++)
        evox_document_add_phase_surface (self->document, evox_phase_list_get_phase (phases, i));
      if (!keep_page)
        gtk_stack_set_visible_child_name (self->side_stack, "surfaces");
    }
}

void
evox_window_set_startup_voxel_size (EvoxWindow   *self,
                                    const double  spacing_nm[3])
{
  g_return_if_fail (EVOX_IS_WINDOW (self));
  self->have_startup_voxel_size = spacing_nm != NULL;
  if (spacing_nm != NULL)
    memcpy (self->startup_voxel_size, spacing_nm, sizeof self->startup_voxel_size);
}

void
evox_window_set_startup_channel (EvoxWindow *self,
                                 const char *channel)
{
  g_return_if_fail (EVOX_IS_WINDOW (self));

  g_free (self->startup_channel);
  self->startup_channel = g_strdup (channel);
}

void
evox_window_set_startup_bin (EvoxWindow *self,
                             guint       bin)
{
  g_return_if_fail (EVOX_IS_WINDOW (self));
  self->startup_bin = bin;
}

void
evox_window_set_startup_surfaces (EvoxWindow *self,
                                  gboolean    surfaces)
{
  g_return_if_fail (EVOX_IS_WINDOW (self));
  self->startup_surfaces = surfaces;
}

void
evox_window_set_startup_phases (EvoxWindow         *self,
                                const char * const *specs,
                                const char         *preset)
{
  g_return_if_fail (EVOX_IS_WINDOW (self));

  g_strfreev (self->startup_phases);
  self->startup_phases = g_strdupv ((char **) specs);
  g_free (self->startup_preset);
  self->startup_preset = g_strdup (preset);
  apply_startup_phases (self);
}

static void
upload_done (EvoxWindow *self)
{
  stop_load_ui (self);
}

static gboolean
upload_timed_out (gpointer user_data)
{
  EvoxWindow *self = user_data;

  /* A canvas that cannot draw (no GL) never reports a frame: do not leave the box up. */
  self->upload_timeout_id = 0;
  stop_load_ui (self);
  return G_SOURCE_REMOVE;
}

/* What the reader left out or guessed ("spectral_warnings": files a scan script names that are
 * missing, names matched loosely), for the banner; NULL when nothing. */
static char *
load_warnings (EvoxVolume *volume)
{
  const char *warnings = evox_volume_get_metadata (volume, "spectral_warnings");
  g_auto(GStrv) lines = NULL;
  GString *text;

  if (warnings == NULL || *warnings == '\0')
    return NULL;
  /* One line a warning, bulleted: run on after the heading they read as one sentence. */
  text = g_string_new (_("Opened with warnings:"));
  lines = g_strsplit (warnings, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      g_string_append_printf (text, "\n• %s", lines[i]);
  return g_string_free (text, FALSE);
}

/* Two banner notes (either may be NULL) as one; takes both. */
static char *
join_notes (char *first,
            char *second)
{
  char *joined;

  if (first == NULL)
    return second;
  if (second == NULL)
    return first;
  joined = g_strconcat (first, "\n", second, NULL);
  g_free (first);
  g_free (second);
  return joined;
}

/* The "Uploading" stage is on screen: hand the volume over; the canvas uploads it in its next
 * frame, and the box goes when that frame is drawn. */
static void
show_uploaded_volume (EvoxWindow *self)
{
  g_autoptr (EvoxVolume) volume = g_steal_pointer (&self->upload_volume);
  g_autofree char *path = g_steal_pointer (&self->upload_path);
  g_autofree char *name = g_filename_display_basename (path);
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_autofree char *note = NULL;
  double spacing[3];

  if (self->upload_clock != NULL)
    g_clear_signal_handler (&self->upload_paint_id, self->upload_clock);
  self->upload_clock = NULL;

  /* A size the user set for this file before comes back; else the banner asks. */
  if (!evox_volume_get_spacing_known (volume) && evox_voxel_size_lookup (path, spacing))
    {
      double read[3];

      /* An SSRM stack's z step is the layer step it was read with now (--dz, the dialog), not
       * the one it had when its pixel size was remembered. */
      evox_volume_get_spacing (volume, read);
      if (evox_volume_get_n_scans (volume) > 0)
        spacing[2] = read[2];
      /* The file's voxel was remembered; a volume held at 1:S has voxels S of them a side. */
      for (int i = 0; i < 3; i++)
        spacing[i] *= evox_volume_get_reduction (volume);
      evox_volume_set_spacing (volume, spacing);
    }
  note = join_notes (apply_startup_voxel_size (self, volume), load_warnings (volume));
  /* A file larger than memory is held reduced: the title says at what scale. */
  if (evox_volume_get_reduction (volume) > 1)
    {
      guint s = evox_volume_get_reduction (volume);
      char *reduced = g_strdup_printf (_("%s (1:%u in memory; full resolution on demand)"), name,
                                       s);
      /* Labels are held by the most frequent value of each block, other values by means. */
      gboolean modes = g_str_equal (evox_volume_get_reduction_kind (volume), "modes");

      note = join_notes (note, g_strdup_printf (modes
                                                ? _("“%s” is larger than the memory cap: it is "
                                                    "held at 1:%u (the most frequent label of "
                                                    "each %u × %u × %u block). Zoomed-in "
                                                    "slices (2D and 3D) and the Volume view read "
                                                    "full resolution from the file; analyses "
                                                    "and the histogram work at 1:%u.")
                                                : _("“%s” is larger than the memory cap: it is "
                                                    "held at 1:%u (means of %u × %u × %u blocks). "
                                                    "Zoomed-in slices (2D and 3D) and the Volume "
                                                    "view read full resolution from the file; "
                                                    "analyses and the histogram work at 1:%u."),
                                                name, s, s, s, s, s));
      g_free (name);
      name = reduced;
    }
  evox_document_set_volume (self->document, volume, name, path);
  self->showing_preview = FALSE;
  evox_window_show_error (self, note);
  evox_window_show_voxel_banner (self, TRUE);
  apply_startup_channel (self);
  apply_startup_phases (self);
  /* Open Recent reopens by content, which a feature file does not tell. */
  if (uri != NULL && !self->upload_features)
    gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);

  if (gtk_widget_get_mapped (GTK_WIDGET (self->canvas)) &&
      gtk_gl_area_get_error (GTK_GL_AREA (self->canvas)) == NULL)
    {
      self->upload_frame_id = g_signal_connect_swapped (self->canvas, "frame-drawn",
                                                        G_CALLBACK (upload_done), self);
      self->upload_timeout_id = g_timeout_add_seconds (10, upload_timed_out, self);
      gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
    }
  else
    stop_load_ui (self);
}

static void
start_upload (EvoxWindow *self,
              EvoxVolume *volume,
              char       *path)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  g_clear_handle_id (&self->load_poll_id, g_source_remove);
  evox_progress_pop (self->load_progress_state);
  evox_progress_set_stage (self->load_progress_state, _("Uploading"), UPLOAD_START, 1.0);
  _evox_show_progress (self->load_progress, self->load_progress_state);
  self->upload_volume = volume;
  self->upload_path = path;
  /* Handing the volume over blocks the main loop for a while on big volumes: paint the stage
   * first, or the user stares at a full bar. */
  if (clock != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->upload_clock = clock;
      self->upload_paint_id = g_signal_connect_swapped (clock, "after-paint",
                                                        G_CALLBACK (show_uploaded_volume), self);
      gtk_widget_queue_draw (self->load_box);
    }
  else
    show_uploaded_volume (self);
}

static void
load_finished (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  LoadData *data = user_data;
  EvoxWindow *self = data->window;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = data->features ?
                                  evox_feature_volume_load_finish (result, &error) :
                                  evox_volume_load_finish (result, &error);

  if (self == NULL || self->load_cancellable != data->cancellable)
    {
      /* Closed, cancelled or replaced by a newer load. */
      load_data_free (data);
      return;
    }
  /* A preview still on its way to the main loop must not replace what comes now. */
  self->preview_cancellable = NULL;

  if (volume == NULL)
    {
      g_autofree char *name = g_filename_display_basename (data->path);
      g_autofree char *message = NULL;

      /* A preview of a file that then failed is not something to work on. */
      if (self->showing_preview)
        evox_document_set_volume (self->document, NULL, NULL, NULL);
      self->showing_preview = FALSE;
      stop_load_ui (self);
      message = g_strdup_printf (_("Could not open “%s”. %s"), name, error->message);
      evox_window_show_error (self, message);
    }
  else
    {
      self->upload_features = data->features;
      start_upload (self, g_steal_pointer (&volume), g_steal_pointer (&data->path));
    }
  load_data_free (data);
}

static gboolean
poll_progress (gpointer user_data)
{
  EvoxWindow *self = user_data;

  if (self->load_progress_state != NULL)
    _evox_show_progress (self->load_progress, self->load_progress_state);
  return G_SOURCE_CONTINUE;
}

/* A coarse preview handed from the loading thread to the main loop. */
typedef struct
{
  EvoxWindow   *window;       /* strong: released on the main thread */
  GCancellable *cancellable;  /* its load's, held so no other load can take its address */
  EvoxVolume   *preview;
  char         *path;
} PreviewData;

static void
preview_data_free (PreviewData *data)
{
  g_clear_object (&data->window);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->preview);
  g_free (data->path);
  g_free (data);
}

static gboolean
show_preview (gpointer user_data)
{
  PreviewData *data = user_data;
  EvoxWindow *self = data->window;
  g_autofree char *name = g_filename_display_basename (data->path);
  g_autofree char *title = NULL;

  if (self->preview_cancellable == NULL || self->preview_cancellable != data->cancellable)
    return G_SOURCE_REMOVE;
  /* The title says the voxels are not all there yet; the full volume replaces it. */
  title = g_strdup_printf (_("%s (loading: preview at 1:%s)"), name,
                           evox_volume_get_metadata (data->preview, "preview_stride"));
  evox_document_set_volume (self->document, data->preview, title, NULL);
  self->showing_preview = TRUE;
  return G_SOURCE_REMOVE;
}

/* On the loading thread. */
static void
preview_ready (EvoxVolume *preview,
               gpointer    user_data)
{
  LoadData *load = user_data;
  PreviewData *data;
  EvoxWindow *window = g_weak_ref_get (&load->window_ref);

  if (window == NULL)
    return;
  data = g_new0 (PreviewData, 1);
  data->window = window;
  data->cancellable = g_object_ref (load->cancellable);
  data->preview = g_object_ref (preview);
  data->path = g_strdup (load->path);
  /* Always queued, never run here: g_main_context_invoke would run it on this thread whenever
   * it could acquire the main context between two of its iterations, ahead of the coarser
   * previews still queued. The volume itself comes through GTask at the default priority: the
   * same here keeps the order in which the loading thread sent them. */
  g_idle_add_full (G_PRIORITY_DEFAULT, show_preview, data, (GDestroyNotify) preview_data_free);
}

/* EVOX_PREVIEW_STRIDE=S forces previews at stride S on any volume (tests, trying it on a small
 * file); unset or not a number, the automatic stride. */
static guint
preview_stride_from_env (void)
{
  const char *text = g_getenv ("EVOX_PREVIEW_STRIDE");
  guint64 stride;

  if (text != NULL && g_ascii_string_to_unsigned (text, 10, 1, 4096, &stride, NULL))
    return (guint) stride;
  return 0;
}

/* The progress box and the load's bookkeeping, for either kind of file. */
static LoadData *
begin_load (EvoxWindow *self,
            const char *path)
{
  LoadData *data;
  g_autofree char *name = g_filename_display_basename (path);
  g_autofree char *label = g_strdup_printf (_("Opening “%s”"), name);

  evox_window_cancel_load (self);

  self->load_cancellable = g_cancellable_new ();
  self->load_progress_state = evox_progress_new ();
  /* The loader's stages (reading, histograms) fill the bar up to the upload. */
  evox_progress_push (self->load_progress_state, 0.0, UPLOAD_START);
  data = g_new0 (LoadData, 1);
  g_set_weak_pointer (&data->window, self);
  g_weak_ref_init (&data->window_ref, self);
  data->cancellable = g_object_ref (self->load_cancellable);
  data->path = g_strdup (path);
  self->preview_cancellable = self->load_cancellable;
  self->showing_preview = FALSE;

  gtk_label_set_text (self->load_label, label);
  gtk_progress_bar_set_fraction (self->load_progress, 0);
  gtk_progress_bar_set_text (self->load_progress, _("Starting"));
  gtk_widget_set_visible (self->load_box, TRUE);
  self->load_poll_id = g_timeout_add (50, poll_progress, self);
  return data;
}

void
_evox_window_start_load (EvoxWindow            *self,
                         const char            *path,
                         const EvoxSsrmOptions *options)
{
  LoadData *data = begin_load (self, path);
  EvoxLoadOptions load = { .ssrm = options, .bin = self->startup_bin,
                           .preview = &data->preview };

  /* Big TIFF stacks and HDF5 volumes show coarse previews while they load (evox-preview.h);
   * data lives until load_finished, after the last preview. */
  data->preview.stride = preview_stride_from_env ();
  data->preview.func = preview_ready;
  data->preview.user_data = data;

  /* --bin is for the file named with it, not for whatever is opened later. */
  self->startup_bin = 0;
  evox_volume_load_with_async (path, &load, self->load_progress_state, self->load_cancellable,
                               load_finished, data);
}

void
evox_window_open_features (EvoxWindow *self,
                           GFile      *features,
                           GFile      *coords)
{
  g_autofree char *path = NULL;
  g_autofree char *coords_path = NULL;
  LoadData *data;

  g_return_if_fail (EVOX_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (features));
  g_return_if_fail (coords == NULL || G_IS_FILE (coords));

  path = g_file_get_path (features);
  coords_path = coords != NULL ? g_file_get_path (coords) : NULL;
  if (path == NULL || (coords != NULL && coords_path == NULL))
    {
      g_autofree char *uri = g_file_get_uri (path == NULL ? features : coords);
      g_autofree char *message = g_strdup_printf (_("Could not open “%s”: only local files can "
                                                    "be opened"), uri);
      evox_window_show_error (self, message);
      return;
    }
  data = begin_load (self, path);
  data->features = TRUE;
  evox_feature_volume_load_async (path, coords_path, self->load_progress_state,
                                  self->load_cancellable, load_finished, data);
}

static void
ssrm_dialog_done (EvoxSsrmDialog  *dialog,
                  EvoxSsrmOptions *options,
                  EvoxWindow      *self)
{
  if (options != NULL)
    _evox_window_start_load (self, evox_ssrm_dialog_get_path (dialog), options);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

void
evox_window_open_file (EvoxWindow            *self,
                       GFile                 *file,
                       const EvoxSsrmOptions *ssrm_options)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  EvoxFormat format;

  g_return_if_fail (EVOX_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *message = g_strdup_printf (_("Could not open “%s”: only local files can "
                                                    "be opened"), uri);
      evox_window_show_error (self, message);
      return;
    }

  if (g_str_has_suffix (path, ".evox"))
    {
      evox_window_open_session (self, file);
      return;
    }
  format = evox_detect_format (path, &error);
  if (format == EVOX_FORMAT_UNKNOWN)
    {
      g_autofree char *name = g_filename_display_basename (path);
      g_autofree char *message = g_strdup_printf (_("Could not open “%s”: %s"), name,
                                                  error != NULL ? error->message :
                                                  _("unknown format"));
      evox_window_show_error (self, message);
      return;
    }

  if (format == EVOX_FORMAT_SSRM_TABLE && ssrm_options == NULL)
    {
      EvoxSsrmDialog *dialog = evox_ssrm_dialog_new (GTK_WINDOW (self), path, &error);

      if (dialog == NULL)
        {
          evox_window_show_error (self, error->message);
          return;
        }
      g_signal_connect_object (dialog, "done", G_CALLBACK (ssrm_dialog_done), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  _evox_window_start_load (self, path, ssrm_options);
}

gboolean
evox_window_export_image (EvoxWindow  *self,
                          const char  *path,
                          int          width,
                          int          height,
                          gboolean     transparent,
                          GError     **error)
{
  return evox_window_export_figure (self, path, width, height, transparent, FALSE, error);
}

gboolean
evox_window_export_figure (EvoxWindow  *self,
                           const char  *path,
                           int          width,
                           int          height,
                           gboolean     transparent,
                           gboolean     curves,
                           GError     **error)
{
  return evox_window_export_figure_full (self, path, width, height, transparent, curves, TRUE,
                                         error);
}

gboolean
evox_window_export_figure_full (EvoxWindow  *self,
                                const char  *path,
                                int          width,
                                int          height,
                                gboolean     transparent,
                                gboolean     curves,
                                gboolean     legend,
                                GError     **error)
{
  return evox_window_export_figure_overlays (self, path, width, height, transparent, curves,
                                             legend, TRUE, error);
}

static gboolean
drop_files (GtkDropTarget *target,
            const GValue  *value,
            double         x,
            double         y,
            EvoxWindow    *self)
{
  GSList *files;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;
  evox_window_open_file (self, files->data, NULL);
  for (GSList *l = files->next; l != NULL && app != NULL; l = l->next)
    {
      EvoxWindow *other = evox_window_new (EVOX_APPLICATION (app));
      gtk_window_present (GTK_WINDOW (other));
      evox_window_open_file (other, l->data, NULL);
    }
  g_slist_free (files);
  return TRUE;
}

static void
update_title (EvoxWindow *self)
{
  const char *title = evox_document_get_title (self->document);

  gtk_label_set_text (self->title_label, title != NULL ? title : "Evox");
  gtk_window_set_title (GTK_WINDOW (self), title != NULL ? title : "Evox");
}

static gboolean
text_to_visible (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_string (from) != NULL);
  return TRUE;
}

/* Scans are drawn one by one only where the histogram counts the measured scans. */
static void
update_per_layer_sensitivity (EvoxWindow *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);

  gtk_widget_set_sensitive (GTK_WIDGET (self->histogram_per_layer),
                            volume != NULL && evox_volume_get_n_scans (volume) >= 2 &&
                            evox_document_get_effective_basis (self->document) ==
                            EVOX_BASIS_MEASURED);
}

/* The whole-data item of the histogram's source says what it counts, as the histogram's
 * caption does: the basis chosen on the Phases page. */
static void
update_histogram_source_label (EvoxWindow *self)
{
  EvoxVolume *volume = evox_document_get_volume (self->document);
  GtkStringList *items = GTK_STRING_LIST (gtk_drop_down_get_model (self->histogram_source));
  guint selected = gtk_drop_down_get_selected (self->histogram_source);
  g_autofree char *label = NULL;
  const char *replacement[2] = { NULL, NULL };

  if (volume == NULL || !evox_basis_has_choice (volume, evox_document_get_channel (self->document)))
    label = g_strdup (_("Whole volume"));
  else if (evox_document_get_basis (self->document) == EVOX_BASIS_VOLUME)
    label = g_strdup (_("Interpolated volume"));
  else
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The measured scan",
                                          "All %u measured scans",
                                          evox_volume_get_n_scans (volume)),
                             evox_volume_get_n_scans (volume));
  if (g_strcmp0 (gtk_string_list_get_string (items, 0), label) == 0)
    return;
  replacement[0] = label;
  gtk_string_list_splice (items, 0, 1, replacement);
  gtk_drop_down_set_selected (self->histogram_source, selected);
}

static void
evox_window_dispose (GObject *object)
{
  EvoxWindow *self = EVOX_WINDOW (object);

  evox_window_cancel_load (self);
  g_clear_handle_id (&self->saved_timeout_id, g_source_remove);
  g_clear_pointer (&self->saved_path, g_free);
  g_clear_weak_pointer (&self->properties_dialog);
  g_clear_weak_pointer (&self->recon_dialog);
  gtk_widget_dispose_template (GTK_WIDGET (self), EVOX_TYPE_WINDOW);
  g_clear_object (&self->history);
  g_clear_object (&self->document);
  g_clear_pointer (&self->error_text, g_free);
  g_clear_pointer (&self->startup_phases, g_strfreev);
  g_clear_pointer (&self->startup_preset, g_free);
  g_clear_pointer (&self->startup_channel, g_free);

  G_OBJECT_CLASS (evox_window_parent_class)->dispose (object);
}

static void
evox_window_class_init (EvoxWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_window_dispose;

  g_type_ensure (EVOX_TYPE_CANVAS);
  g_type_ensure (EVOX_TYPE_COMPOSITE_LEGEND);
  g_type_ensure (EVOX_TYPE_HISTOGRAM_VIEW);
  g_type_ensure (EVOX_TYPE_DISPLAY_PANEL);
  g_type_ensure (EVOX_TYPE_PAGE_SWITCHER);
  g_type_ensure (EVOX_TYPE_PHASE_PANEL);
  g_type_ensure (EVOX_TYPE_PARTICLE_PANEL);
  g_type_ensure (EVOX_TYPE_CLUSTER_PANEL);
  g_type_ensure (EVOX_TYPE_SURFACE_PANEL);
  g_type_ensure (EVOX_TYPE_MEASURE_PANEL);
  g_type_ensure (EVOX_TYPE_METRICS_PANEL);
  g_type_ensure (EVOX_TYPE_REGISTRATION_PANEL);
  g_type_ensure (EVOX_TYPE_SPECTRUM_PANEL);
  g_type_ensure (EVOX_TYPE_XANES_PANEL);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/evox/Evox/evox-window.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, canvas);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, histogram);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, display_panel);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, phase_panel);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, particle_panel);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, cluster_panel);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, surface_panel);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, measure_panel);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, metrics_panel);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, registration_panel);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, registration_switch);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, composite_legend);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, registration_raw);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, registration_registered);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, spectrum_panel);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, xanes_panel);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, side_stack);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, title_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, saved_revealer);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, saved_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, voxel_revealer);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, voxel_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, load_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, load_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, load_progress);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, hover_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, histogram_source);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, histogram_log);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, histogram_per_layer);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, recent_submenu);
  gtk_widget_class_bind_template_child (widget_class, EvoxWindow, edit_section);

  _evox_window_install_actions (widget_class);
  _evox_window_install_session_actions (widget_class);
  _evox_window_install_history_actions (widget_class);
}

/* Every scrolled panel in the side stack, and scrolled parts inside the panels. */
static void
guard_panel_wheels (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget))
    _evox_guard_panel_wheel (GTK_SCROLLED_WINDOW (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    guard_panel_wheels (child);
}

/* The application's style sheet, once per display. The window loads it (not the application) so
 * that a window made without the application, as the tests make it, looks and measures as the
 * user sees it: the side panel's width depends on it. */
static void
ensure_style (GdkDisplay *display)
{
  g_autoptr (GtkCssProvider) provider = NULL;

  if (display == NULL || g_object_get_data (G_OBJECT (display), "evox-style") != NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/org/evox/Evox/style.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "evox-style", g_steal_pointer (&provider),
                          g_object_unref);
}

/* While an opacity point or phase edge is dragged on the histogram, or a slider of the Volume
 * section is held, the canvas renders at interactive quality, as during a camera drag. */
static void
sync_canvas_editing (EvoxWindow *self)
{
  GtkWidget *volume_box = evox_display_panel_get_volume_box (
    EVOX_DISPLAY_PANEL (self->display_panel));
  gboolean histogram = FALSE, volume = FALSE;

  g_object_get (self->histogram, "dragging", &histogram, NULL);
  g_object_get (volume_box, "dragging", &volume, NULL);
  evox_canvas_set_editing (self->canvas, histogram || volume);
}

static void
evox_window_init (EvoxWindow *self)
{
  GtkDropTarget *drop;

  ensure_style (gtk_widget_get_display (GTK_WIDGET (self)));
  gtk_widget_init_template (GTK_WIDGET (self));

  self->document = evox_document_new ();
  evox_canvas_set_document (self->canvas, self->document);
  g_signal_connect_object (evox_canvas_get_renderer (self->canvas), "read-failed",
                           G_CALLBACK (on_read_failed), self, G_CONNECT_SWAPPED);
  evox_histogram_view_set_document (EVOX_HISTOGRAM_VIEW (self->histogram), self->document);
  evox_display_panel_set_document (EVOX_DISPLAY_PANEL (self->display_panel), self->document);
  g_signal_connect_object (self->histogram, "notify::dragging",
                           G_CALLBACK (sync_canvas_editing), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (evox_display_panel_get_volume_box (
                             EVOX_DISPLAY_PANEL (self->display_panel)), "notify::dragging",
                           G_CALLBACK (sync_canvas_editing), self, G_CONNECT_SWAPPED);
  evox_phase_panel_set_document (EVOX_PHASE_PANEL (self->phase_panel), self->document);
  evox_particle_panel_set_document (EVOX_PARTICLE_PANEL (self->particle_panel), self->document);
  evox_cluster_panel_set_document (EVOX_CLUSTER_PANEL (self->cluster_panel), self->document);
  evox_surface_panel_set_document (EVOX_SURFACE_PANEL (self->surface_panel), self->document);
  evox_measure_panel_set_document (EVOX_MEASURE_PANEL (self->measure_panel), self->document);
  evox_metrics_panel_set_document (EVOX_METRICS_PANEL (self->metrics_panel), self->document);
  evox_registration_panel_set_document (EVOX_REGISTRATION_PANEL (self->registration_panel),
                                        self->document);
  bind_registration_switch (self);
  evox_composite_legend_set_document (EVOX_COMPOSITE_LEGEND (self->composite_legend),
                                      self->document);
  _evox_window_add_overlay_actions (self);
  _evox_window_add_export_actions (self);
  g_object_bind_property (self->canvas, "measure-tool", self->measure_panel, "measure-tool",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->canvas, "region-tool", self->measure_panel, "region-tool",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  evox_spectrum_panel_set_document (EVOX_SPECTRUM_PANEL (self->spectrum_panel), self->document);
  evox_spectrum_panel_set_canvas (EVOX_SPECTRUM_PANEL (self->spectrum_panel), self->canvas);
  g_object_bind_property (self->spectrum_panel, "spectral", self->measure_panel,
                          "region-available", G_BINDING_SYNC_CREATE);
  evox_xanes_panel_set_document (EVOX_XANES_PANEL (self->xanes_panel), self->document);
  g_signal_connect_object (self->xanes_panel, "params-changed",
                           G_CALLBACK (sync_xanes_params), self, G_CONNECT_SWAPPED);
  sync_xanes_params (self);

  guard_panel_wheels (GTK_WIDGET (self->side_stack));

  g_object_bind_property (self->canvas, "hover-text", self->hover_label, "label",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (self->canvas, "hover-text", self->hover_label, "visible",
                               G_BINDING_SYNC_CREATE, text_to_visible, NULL, NULL, NULL);
  _evox_window_place_hover_label (self);
  _evox_bind_enum_to_dropdown (self->document, "histogram-source", self->histogram_source);
  g_object_bind_property (self->document, "histogram-log-counts", self->histogram_log, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->document, "histogram-per-layer",
                          self->histogram_per_layer, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->document, "notify::title", G_CALLBACK (update_title), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "notify::volume",
                           G_CALLBACK (update_per_layer_sensitivity), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "notify::basis",
                           G_CALLBACK (update_per_layer_sensitivity), self, G_CONNECT_SWAPPED);
  update_per_layer_sensitivity (self);
  g_signal_connect_object (self->document, "notify::volume",
                           G_CALLBACK (update_histogram_source_label), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "notify::basis",
                           G_CALLBACK (update_histogram_source_label), self, G_CONNECT_SWAPPED);
  update_histogram_source_label (self);
  g_signal_connect_object (self->document, "notify::volume",
                           G_CALLBACK (_evox_window_update_exports), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->document, "notify::labels",
                           G_CALLBACK (_evox_window_update_exports), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (evox_document_get_phases (self->document), "items-changed",
                           G_CALLBACK (_evox_window_update_exports), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (evox_document_get_surfaces (self->document), "items-changed",
                           G_CALLBACK (_evox_window_update_exports), self, G_CONNECT_SWAPPED);
  _evox_window_update_exports (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-export-folder", FALSE);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_files), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  g_signal_connect_object (gtk_recent_manager_get_default (), "changed",
                           G_CALLBACK (_evox_window_update_recent), self, G_CONNECT_SWAPPED);
  _evox_window_update_recent (self);
  _evox_window_setup_history (self);
}

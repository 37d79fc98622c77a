/* evox-cluster-panel.c: the Clusters page: runs the clustering job and the k sweep off the main
 * thread (progress, cancel, debounced sweeps), lists the clusters (colour, name, size,
 * visibility, merge, make phase), drives the overlay and plots mean curves and domain/boundary
 * statistics. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "evox-cluster-panel.h"
#include "evox-cluster-csv.h"
#include "evox-clustering.h"
#include "evox-clusters.h"
#include "evox-curve-figure.h"
#include "evox-plot.h"
#include "evox-types.h"
#include "evox-ui-resources.h"
#include "evox-ui-util.h"

#define DEFAULT_K 4
#define DEFAULT_RESTARTS 4
/* The pause after the last change of the features before a sweep starts. */
#define SWEEP_DELAY_MS 400

/* GNOME's blue accent for the sweep curve; the chosen k in orange. */
static const GdkRGBA sweep_color = { 0.208f, 0.518f, 0.894f, 1.0f };
static const GdkRGBA chosen_color = { 0.902f, 0.380f, 0.0f, 1.0f };

typedef enum
{
  METRIC_INERTIA,
  METRIC_CALINSKI_HARABASZ,
  METRIC_SILHOUETTE,
} Metric;

/* Domain table columns. */
typedef enum
{
  DOMAIN_PARTICLE,
  DOMAIN_CLUSTER,
  DOMAIN_DOMAIN_VOXELS,
  DOMAIN_DOMAIN_MEAN,
  DOMAIN_DOMAIN_STD,
  DOMAIN_BOUNDARY_VOXELS,
  DOMAIN_BOUNDARY_MEAN,
  DOMAIN_BOUNDARY_STD,
  DOMAIN_DIFFERENCE,
  N_DOMAIN_COLUMNS
} DomainColumn;

static const char *domain_titles[N_DOMAIN_COLUMNS] = {
  N_("Particle"),
  N_("Cluster"),
  N_("Domain voxels"),
  N_("Domain mean"),
  N_("Domain std"),
  N_("Boundary voxels"),
  N_("Boundary mean"),
  N_("Boundary std"),
  N_("Difference"),
};

/* One row of the domain table: an index into the panel's rows, which it keeps alive. */

#define EVOX_TYPE_DOMAIN_ROW (evox_domain_row_get_type ())
G_DECLARE_FINAL_TYPE (EvoxDomainRow, evox_domain_row, EVOX, DOMAIN_ROW, GObject)

struct _EvoxDomainRow
{
  GObject  parent_instance;
  GArray  *rows;   /* EvoxDomainStats */
  guint    index;
};

G_DEFINE_FINAL_TYPE (EvoxDomainRow, evox_domain_row, G_TYPE_OBJECT)

static void
evox_domain_row_finalize (GObject *object)
{
  g_clear_pointer (&EVOX_DOMAIN_ROW (object)->rows, g_array_unref);
  G_OBJECT_CLASS (evox_domain_row_parent_class)->finalize (object);
}

static void
evox_domain_row_class_init (EvoxDomainRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_domain_row_finalize;
}

static void
evox_domain_row_init (EvoxDomainRow *self)
{
}

/* The panel */

struct _EvoxClusterPanel
{
  GtkWidget          parent_instance;

  EvoxDocument      *document;
  EvoxClusters      *clusters;       /* the document's, whose "changed" the panel follows */
  GBinding          *bindings[3];    /* show, opacity, outlines */

  EvoxFeatureKind    features;
  guint              window;
  int                mask_phase;
  EvoxFeatureScale   scale;
  guint              pca;
  guint              k;
  guint              seed;
  guint              restarts;
  /* The user chose k: the sweep's knee no longer moves it. */
  gboolean           k_chosen;
  /* Set while the panel moves widgets or the document itself, so that it does not answer. */
  gboolean           updating;

  /* The running clustering, if any. */
  EvoxUiJob          job;
  /* The last run's explained variance, for the clusters it made. */
  EvoxClusters      *run_clusters;   /* weak */
  /* The document's volume the jobs last saw: another replacing it drops the features its jobs
   * kept on it, which a derived volume (Make Phase) would otherwise keep alive unused. A strong
   * reference, to the volume the document holds anyway, so that no worker thread's last unref
   * of an old volume clears it under the main thread. */
  EvoxVolume        *job_volume;
  double            *explained;
  guint              n_explained;

  /* The sweep: running, due (waiting for the pause or for the page to be shown), or done. */
  GCancellable      *sweep_cancellable;
  guint              sweep_timeout_id;
  gboolean           sweep_due;
  EvoxKmeansSweep   *sweep;

  /* Domains and boundaries. */
  GCancellable      *domain_cancellable;
  GArray            *domain_rows;
  GListStore        *domain_store;

  /* The channels of the channel features as typed (empty: all but derived ones), and the
   * channel of the local texture, chosen on the page, not the document's current one. */
  char              *channels_text;
  guint              texture_channel;
  char              *texture_label;   /* its label, to keep it across a derived volume */

  GtkDropDown       *features_dropdown;
  GtkEntry          *channels_entry;
  GtkDropDown       *texture_dropdown;
  GtkDropDown       *window_dropdown;
  GtkDropDown       *mask_dropdown;
  GtkDropDown       *scale_dropdown;
  GtkSpinButton     *pca_spin;
  GtkLabel          *pca_label;
  GtkSpinButton     *k_spin;
  GtkSpinButton     *seed_spin;
  GtkSpinButton     *restarts_spin;
  GtkDropDown       *metric_dropdown;
  EvoxPlot          *sweep_plot;
  GtkLabel          *sweep_label;
  GtkWidget         *progress_box;
  GtkProgressBar    *progress_bar;
  GtkLabel          *error_label;
  GtkLabel          *summary_label;
  GtkCheckButton    *show_check;
  GtkCheckButton    *outlines_check;
  GtkScale          *opacity_scale;
  GtkListBox        *cluster_list;
  GtkToggleButton   *solo_button;
  EvoxPlot          *curve_plot;
  GtkDropDown       *domain_channel_dropdown;
  GtkLabel          *domain_label;
  GtkColumnView     *domain_view;
};

G_DEFINE_FINAL_TYPE (EvoxClusterPanel, evox_cluster_panel, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_DOCUMENT,
  PROP_FEATURES,
  PROP_CHANNELS,
  PROP_TEXTURE_CHANNEL,
  PROP_WINDOW,
  PROP_MASK_PHASE,
  PROP_SCALE,
  PROP_PCA,
  PROP_K,
  PROP_SEED,
  PROP_RESTARTS,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void schedule_sweep   (EvoxClusterPanel *self);
static void start_domains    (EvoxClusterPanel *self);
static void update_sweep_plot (EvoxClusterPanel *self);

static EvoxVolume *
current_volume (EvoxClusterPanel *self)
{
  return self->document != NULL ? evox_document_get_volume (self->document) : NULL;
}

static EvoxClusters *
current_clusters (EvoxClusterPanel *self)
{
  return self->document != NULL ? evox_document_get_clusters (self->document) : NULL;
}

static void
show_error (EvoxClusterPanel *self,
            const char       *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

/* The ids of the selected rows, in id order. */
static guint
selected_ids (EvoxClusterPanel *self,
              guint             ids[2])
{
  g_autoptr(GList) rows = gtk_list_box_get_selected_rows (self->cluster_list);
  guint n = 0;

  for (GList *l = rows; l != NULL; l = l->next, n++)
    if (n < 2)
      ids[n] = GPOINTER_TO_UINT (g_object_get_data (l->data, "evox-cluster-id"));
  if (n == 2 && ids[0] > ids[1])
    {
      guint t = ids[0];
      ids[0] = ids[1];
      ids[1] = t;
    }
  return n;
}

static void
update_actions (EvoxClusterPanel *self)
{
  gboolean busy = self->job.cancellable != NULL;
  gboolean have_clusters = current_clusters (self) != NULL;
  guint ids[2];
  guint n = have_clusters ? selected_ids (self, ids) : 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "clusters.run",
                                 current_volume (self) != NULL && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "clusters.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "clusters.merge", !busy && n == 2);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "clusters.make-phase", !busy && n == 1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "clusters.export-curves", have_clusters);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "clusters.export-plot", have_clusters);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "clusters.export-stats",
                                 self->domain_rows != NULL && self->domain_rows->len > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->solo_button), have_clusters);
}

/* Parameters */

/* The stored values phase `index` owns (evox_phase_list_get_owned_range), as the Particles page
 * and fractions count them. */
static gboolean
get_phase_range (EvoxClusterPanel *self,
                 int               index,
                 double           *lo,
                 double           *hi)
{
  EvoxVolume *volume = current_volume (self);
  float first, last;

  if (volume == NULL || index < 0 ||
      !evox_phase_list_get_owned_range (evox_document_get_phases (self->document), (guint) index,
                                        evox_volume_get_sample_type (volume), &first, &last))
    return FALSE;
  *lo = first;
  *hi = last;
  return TRUE;
}

/* The channels typed on the page, parsed on the current volume (NULL and 0: the default). */
static gboolean
parse_channels (EvoxClusterPanel *self,
                guint           **channels,
                guint            *n_channels,
                GError          **error)
{
  EvoxVolume *volume = current_volume (self);

  *channels = NULL;
  *n_channels = 0;
  if (volume == NULL)
    return TRUE;
  return evox_clustering_parse_channels (volume, self->channels_text, channels, n_channels,
                                         error);
}

/* FALSE with a message when the mask's phase owns no value or the channel list is wrong.
 * params->channels is set to *channels, which the caller frees. */
static gboolean
fill_params (EvoxClusterPanel     *self,
             EvoxClusteringParams *params,
             guint               **channels,
             GError              **error)
{
  EvoxVolume *volume = current_volume (self);

  evox_clustering_params_init (params);
  params->features = self->features;
  if (params->features == EVOX_FEATURES_CHANNELS)
    {
      g_autoptr(GError) local_error = NULL;

      if (!parse_channels (self, channels, &params->n_channels, &local_error))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, _("Channels: %s"),
                       local_error->message);
          return FALSE;
        }
      params->channels = *channels;
    }
  params->channel = volume != NULL
                    ? MIN (self->texture_channel, evox_volume_get_n_channels (volume) - 1)
                    : 0;
  params->window = self->window;
  params->mask.channel = -1;
  params->mask.lo = -INFINITY;
  params->mask.hi = INFINITY;
  if (self->mask_phase >= 0)
    {
      if (!get_phase_range (self, self->mask_phase, &params->mask.lo, &params->mask.hi))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       _("The mask’s phase holds no value of its own: the phases before it in "
                         "the list own its whole range"));
          return FALSE;
        }
      params->mask.channel = (int) evox_document_get_channel (self->document);
    }
  params->scale = self->scale;
  params->pca = self->pca;
  params->k = self->k;
  params->kmeans.k = self->k;
  params->kmeans.seed = self->seed;
  params->kmeans.restarts = self->restarts;
  return TRUE;
}

/* How many features a voxel has with the current choice: PCA cannot keep more. */
static guint
n_features (EvoxClusterPanel *self)
{
  EvoxVolume *volume = current_volume (self);

  g_autofree guint *channels = NULL;
  guint n = 0;

  if (volume == NULL)
    return 1;
  if (self->features == EVOX_FEATURES_LOCAL)
    return 4;
  if (parse_channels (self, &channels, &n, NULL) && n > 0)
    return n;
  n = 0;
  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    n += !evox_volume_get_channel_derived (volume, c);
  return MAX (n, 1);
}

/* The channel list entry says at once whether it reads: red with the reason as its tooltip. */
static void
check_channels_text (EvoxClusterPanel *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint *channels = NULL;
  guint n = 0;

  if (parse_channels (self, &channels, &n, &error))
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->channels_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->channels_entry),
                                   _("The channels whose values are the features: labels, "
                                     "0-based indices and ranges, for example “0-99, 120, Ni K”; "
                                     "empty for every channel but derived ones (Clusters)"));
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->channels_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->channels_entry), error->message);
    }
}

static void
update_pca_limit (EvoxClusterPanel *self)
{
  GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (self->pca_spin);

  gtk_adjustment_set_upper (adjustment, n_features (self));
}

/* The mask dropdown: every finite voxel, then the document's phases by name. */
static void
update_mask_items (EvoxClusterPanel *self)
{
  g_autoptr(GtkStringList) items = gtk_string_list_new (NULL);
  EvoxPhaseList *phases = self->document != NULL ? evox_document_get_phases (self->document)
                                                 : NULL;
  guint n = phases != NULL ? evox_phase_list_get_n_phases (phases) : 0;

  gtk_string_list_append (items, _("All finite voxels"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf (_("Phase “%s”"),
                                               evox_phase_get_name (
                                                 evox_phase_list_get_phase (phases, i)));
      gtk_string_list_append (items, name);
    }
  if (self->mask_phase >= (int) n)
    {
      self->mask_phase = -1;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MASK_PHASE]);
    }
  self->updating = TRUE;
  gtk_drop_down_set_model (self->mask_dropdown, G_LIST_MODEL (items));
  gtk_drop_down_set_selected (self->mask_dropdown, (guint) (self->mask_phase + 1));
  self->updating = FALSE;
}

static void
on_phases_changed (EvoxClusterPanel *self)
{
  /* Names and ranges: the mask of a phase follows its owned range, so a sweep is due. */
  update_mask_items (self);
  if (self->mask_phase >= 0)
    schedule_sweep (self);
}

/* Progress */

/* The panel's actions and busy state once its run stopped. */
static void
job_stopped (gpointer owner)
{
  EvoxClusterPanel *self = owner;

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* Summary */

static char *
format_count (guint64 n)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

static void
update_summary (EvoxClusterPanel *self)
{
  EvoxClusters *clusters = current_clusters (self);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *masked = NULL;
  const char *inertia, *dropped;

  if (clusters == NULL)
    {
      if (current_volume (self) == NULL)
        g_string_append (text, _("Open a volume to cluster its voxels."));
      else
        g_string_append (text, _("No clusters yet: choose the features and k, then press Run."));
      gtk_label_set_text (self->summary_label, text->str);
      return;
    }
  masked = format_count (evox_clusters_get_n_masked (clusters));
  /* TRANSLATORS: "4 clusters of 65536 voxels" */
  g_string_append_printf (text, ngettext ("%u cluster of %s voxels", "%u clusters of %s voxels",
                                          evox_clusters_get_k (clusters)),
                          evox_clusters_get_k (clusters), masked);
  dropped = evox_clusters_get_info (clusters, "dropped");
  if (dropped != NULL && g_strcmp0 (dropped, "0") != 0)
    {
      g_string_append_c (text, '\n');
      /* TRANSLATORS: voxels of the mask that took no part, "12 voxels with a non-finite
       * feature left out" */
      g_string_append_printf (text, _("%s voxels with a non-finite feature left out"), dropped);
    }
  inertia = evox_clusters_get_info (clusters, "inertia");
  if (inertia != NULL)
    {
      g_string_append_c (text, '\n');
      /* TRANSLATORS: the sum of squared distances to the centres, in the scaled features */
      g_string_append_printf (text, _("Inertia %s (scaled features)"), inertia);
    }
  else if ((inertia = evox_clusters_get_info (clusters, "unmerged-inertia")) != NULL)
    {
      g_string_append_c (text, '\n');
      /* TRANSLATORS: after clusters were merged only the run's inertia is known */
      g_string_append_printf (text, _("Inertia %s before merging (scaled features)"), inertia);
    }
  if (evox_clusters_get_info (clusters, "seed") != NULL)
    {
      g_string_append_c (text, '\n');
      g_string_append_printf (text, _("Features: %s, scaling: %s, seed %s"),
                              evox_clusters_get_info (clusters, "features") ?: "?",
                              evox_clusters_get_info (clusters, "scale") ?: "?",
                              evox_clusters_get_info (clusters, "seed"));
    }
  if (self->explained != NULL && self->run_clusters == clusters)
    {
      double total = 0;

      for (guint i = 0; i < self->n_explained; i++)
        total += self->explained[i];
      g_string_append_c (text, '\n');
      /* TRANSLATORS: "PCA: 2 components keep 97.3 % of the variance" */
      g_string_append_printf (text, ngettext ("PCA: %u component keeps %.1f %% of the variance",
                                              "PCA: %u components keep %.1f %% of the variance",
                                              self->n_explained),
                              self->n_explained, 100 * total);
    }
  gtk_label_set_text (self->summary_label, text->str);
}

static void
update_pca_label (EvoxClusterPanel *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  double total = 0;

  if (self->explained == NULL || self->n_explained == 0 ||
      self->run_clusters == NULL || self->run_clusters != current_clusters (self))
    {
      gtk_label_set_text (self->pca_label, _("components (0: off)"));
      return;
    }
  for (guint i = 0; i < self->n_explained; i++)
    total += self->explained[i];
  /* TRANSLATORS: the share of the variance the principal components keep, then each one's */
  g_string_append_printf (text, _("explain %.1f %% ("), 100 * total);
  for (guint i = 0; i < self->n_explained && i < 6; i++)
    g_string_append_printf (text, i > 0 ? ", %.1f" : "%.1f", 100 * self->explained[i]);
  g_string_append (text, self->n_explained > 6 ? ", …)" : ")");
  gtk_label_set_text (self->pca_label, text->str);
}

/* Run */

typedef struct
{
  EvoxClusterPanel *panel;        /* weak: a closed panel only drops the result */
  GCancellable     *cancellable;
  EvoxVolume       *volume;
  guint             channel;
  EvoxClusteringParams params;
  guint            *channels;     /* params.channels */
} RunData;

static void
run_data_free (RunData *data)
{
  g_clear_weak_pointer (&data->panel);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->volume);
  g_free (data->channels);
  g_free (data);
}

static void
keep_run_info (EvoxClusterPanel           *self,
               const EvoxClusteringResult *result,
               const EvoxClusteringParams *params)
{
  EvoxClusters *clusters = result->clusters[0];
  char number[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *text = NULL;

  g_clear_pointer (&self->explained, g_free);
  self->n_explained = 0;
  g_set_weak_pointer (&self->run_clusters, clusters);
  if (result->explained_variance_ratio != NULL && params->pca > 0)
    {
      self->explained = g_memdup2 (result->explained_variance_ratio,
                                   sizeof (double) * params->pca);
      self->n_explained = params->pca;
    }

  /* Voxels of the mask with a NaN feature are no cluster's: the summary says how many. */
  text = g_strdup_printf ("%" G_GUINT64_FORMAT, result->n_dropped);
  evox_clusters_set_info (clusters, "dropped", text);
  g_clear_pointer (&text, g_free);
  g_ascii_formatd (number, sizeof number, "%.6g", result->inertia);
  evox_clusters_set_info (clusters, "inertia", number);
  evox_clusters_set_info (clusters, "scale", evox_feature_scale_to_string (params->scale));
  text = g_strdup_printf ("%u", params->pca);
  evox_clusters_set_info (clusters, "pca", text);
  g_free (text);
  text = g_strdup_printf ("%" G_GUINT64_FORMAT, params->kmeans.seed);
  evox_clusters_set_info (clusters, "seed", text);
}

static void
run_finished (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  RunData *data = user_data;
  EvoxClusterPanel *self = data->panel;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxClusteringResult) result = evox_clustering_run_finish (res, &error);

  if (self == NULL || self->job.cancellable != data->cancellable)
    {
      run_data_free (data);
      return;
    }
  _evox_ui_job_stop (&self->job);
  if (result == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = g_strdup_printf (_("Could not cluster: %s"),
                                                      error->message);
          show_error (self, message);
        }
    }
  else if (data->volume == current_volume (self) &&
           data->channel == evox_document_get_channel (self->document) &&
           result->n_volumes > 0)
    {
      keep_run_info (self, result, &data->params);
      evox_document_set_clusters (self->document, result->clusters[0]);
      update_pca_label (self);
      update_summary (self);
    }
  run_data_free (data);
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  EvoxClusterPanel *self = EVOX_CLUSTER_PANEL (widget);
  EvoxVolume *volume = current_volume (self);
  g_autoptr(GError) error = NULL;
  RunData *data;

  if (volume == NULL)
    return;
  _evox_ui_job_cancel (&self->job);
  show_error (self, NULL);
  data = g_new0 (RunData, 1);
  if (!fill_params (self, &data->params, &data->channels, &error))
    {
      show_error (self, error->message);
      run_data_free (data);
      return;
    }
  _evox_ui_job_start (&self->job, self->progress_bar, self->progress_box, job_stopped,
                      self);
  g_set_weak_pointer (&data->panel, self);
  data->cancellable = g_object_ref (self->job.cancellable);
  data->volume = g_object_ref (volume);
  data->channel = evox_document_get_channel (self->document);

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);

  evox_clustering_run_async (volume, &data->params, FALSE, self->job.progress, self->job.cancellable,
                             run_finished, data);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  _evox_ui_job_cancel (&EVOX_CLUSTER_PANEL (widget)->job);
}

/* Sweep */

typedef struct
{
  EvoxClusterPanel *panel;        /* weak */
  GCancellable     *cancellable;
  EvoxVolume       *volume;
} SweepData;

static void
sweep_data_free (SweepData *data)
{
  g_clear_weak_pointer (&data->panel);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->volume);
  g_free (data);
}

static void
cancel_sweep (EvoxClusterPanel *self)
{
  g_clear_handle_id (&self->sweep_timeout_id, g_source_remove);
  if (self->sweep_cancellable != NULL)
    {
      g_cancellable_cancel (self->sweep_cancellable);
      g_clear_object (&self->sweep_cancellable);
    }
}

static void
set_k_from_sweep (EvoxClusterPanel *self,
                  guint             k)
{
  if (k == 0 || k == self->k)
    return;
  self->k = k;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_K]);
}

static void
sweep_finished (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  SweepData *data = user_data;
  EvoxClusterPanel *self = data->panel;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxKmeansSweep) sweep = evox_clustering_sweep_finish (res, &error);

  if (self != NULL && self->sweep_cancellable == data->cancellable)
    {
      g_clear_object (&self->sweep_cancellable);
      if (sweep != NULL && data->volume == current_volume (self))
        {
          g_clear_pointer (&self->sweep, evox_kmeans_sweep_free);
          self->sweep = g_steal_pointer (&sweep);
          /* Until the user picks k, it follows the knee. */
          if (!self->k_chosen && self->sweep->knee_k > 0)
            {
              self->updating = TRUE;
              set_k_from_sweep (self, (guint) self->sweep->knee_k);
              self->updating = FALSE;
            }
        }
      else if (sweep == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = g_strdup_printf (_("No sweep: %s"), error->message);

          g_clear_pointer (&self->sweep, evox_kmeans_sweep_free);
          gtk_label_set_text (self->sweep_label, message);
        }
      update_sweep_plot (self);
    }
  sweep_data_free (data);
}

static gboolean
start_sweep (gpointer user_data)
{
  EvoxClusterPanel *self = user_data;
  EvoxVolume *volume = current_volume (self);
  EvoxClusteringParams params;
  g_autoptr(GError) error = NULL;
  g_autofree guint *channels = NULL;
  SweepData *data;

  self->sweep_timeout_id = 0;
  self->sweep_due = FALSE;
  if (volume == NULL)
    return G_SOURCE_REMOVE;
  if (!fill_params (self, &params, &channels, &error))
    {
      gtk_label_set_text (self->sweep_label, error->message);
      return G_SOURCE_REMOVE;
    }
  self->sweep_cancellable = g_cancellable_new ();
  data = g_new0 (SweepData, 1);
  g_set_weak_pointer (&data->panel, self);
  data->cancellable = g_object_ref (self->sweep_cancellable);
  data->volume = g_object_ref (volume);
  /* TRANSLATORS: the k sweep is running */
  gtk_label_set_text (self->sweep_label, _("Sweeping k…"));
  evox_clustering_sweep_async (volume, &params, NULL, self->sweep_cancellable, sweep_finished,
                               data);
  return G_SOURCE_REMOVE;
}

/* The features changed: the sweep shown is stale. A new one starts after a pause while the page
 * is shown (once shown otherwise), and the one running is cancelled. */
static void
schedule_sweep (EvoxClusterPanel *self)
{
  cancel_sweep (self);
  g_clear_pointer (&self->sweep, evox_kmeans_sweep_free);
  self->sweep_due = current_volume (self) != NULL;
  update_sweep_plot (self);
  if (self->sweep_due && gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->sweep_timeout_id = g_timeout_add (SWEEP_DELAY_MS, start_sweep, self);
}

static double
metric_value (const EvoxKmeansSweepRow *row,
              Metric                    metric)
{
  switch (metric)
    {
    case METRIC_CALINSKI_HARABASZ:
      return row->calinski_harabasz;
    case METRIC_SILHOUETTE:
      return row->silhouette;
    case METRIC_INERTIA:
    default:
      return row->inertia;
    }
}

static const char *
metric_title (Metric metric)
{
  switch (metric)
    {
    case METRIC_CALINSKI_HARABASZ:
      return _("Calinski–Harabasz");
    case METRIC_SILHOUETTE:
      return _("Silhouette");
    case METRIC_INERTIA:
    default:
      return _("Inertia");
    }
}

/* The chosen metric against k, the knee as a vertical line and the chosen k as a dot. */
static void
update_sweep_plot (EvoxClusterPanel *self)
{
  Metric metric = (Metric) gtk_drop_down_get_selected (self->metric_dropdown);
  g_autofree double *x = NULL;
  g_autofree double *y = NULL;
  guint n;

  evox_plot_clear (self->sweep_plot);
  evox_plot_set_axes (self->sweep_plot, "k", metric_title (metric));
  if (self->sweep == NULL)
    {
      if (self->sweep_cancellable != NULL || self->sweep_due)
        gtk_label_set_text (self->sweep_label, _("Sweeping k…"));
      else if (current_volume (self) == NULL)
        gtk_label_set_text (self->sweep_label, "");
      return;
    }
  n = self->sweep->n_rows;
  x = g_new (double, n);
  y = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      x[i] = self->sweep->rows[i].k;
      y[i] = metric_value (&self->sweep->rows[i], metric);
    }
  evox_plot_set_line_points (self->sweep_plot,
                             evox_plot_add_line (self->sweep_plot, x, y, n, &sweep_color,
                                                 metric_title (metric)),
                             TRUE);
  if (self->sweep->knee_k > 0)
    evox_plot_add_marker (self->sweep_plot, self->sweep->knee_k);
  if (self->k >= 1 && self->k <= n && isfinite (y[self->k - 1]))
    {
      g_autofree char *label = g_strdup_printf ("k = %u", self->k);

      evox_plot_set_line_points (self->sweep_plot,
                                 evox_plot_add_line (self->sweep_plot, &x[self->k - 1],
                                                     &y[self->k - 1], 1, &chosen_color, label),
                                 TRUE);
    }
  {
    g_autofree char *sampled = format_count (self->sweep->n_sampled);
    g_autofree char *text = NULL;

    if (self->sweep->knee_k > 0)
      /* TRANSLATORS: "k = 1..12 on 100000 voxels; the knee of the inertia is at k = 4" */
      text = g_strdup_printf (_("k = 1..%u on %s voxels; the knee of the inertia is at k = %d"),
                              n, sampled, self->sweep->knee_k);
    else
      text = g_strdup_printf (_("k = 1..%u on %s voxels; the inertia has no knee"), n, sampled);
    gtk_label_set_text (self->sweep_label, text);
  }
}

void
_evox_cluster_panel_click_sweep (EvoxClusterPanel *self,
                                 double            x,
                                 double            y)
{
  double best = G_MAXDOUBLE;
  guint best_k = 0;

  g_return_if_fail (EVOX_IS_CLUSTER_PANEL (self));

  if (self->sweep == NULL)
    return;
  for (guint i = 0; i < self->sweep->n_rows; i++)
    {
      double wx;

      if (!evox_plot_data_to_widget (self->sweep_plot, self->sweep->rows[i].k, 0, &wx, NULL))
        return;
      if (fabs (wx - x) < best)
        {
          best = fabs (wx - x);
          best_k = self->sweep->rows[i].k;
        }
    }
  if (best_k > 0)
    g_object_set (self, "k", best_k, NULL);
}

static void
on_sweep_click (GtkGestureClick  *gesture,
                int               n_press,
                double            x,
                double            y,
                EvoxClusterPanel *self)
{
  _evox_cluster_panel_click_sweep (self, x, y);
}

/* Cluster list */

static GtkListBoxRow *
find_row (EvoxClusterPanel *self,
          guint             id)
{
  return id > 0 ? gtk_list_box_get_row_at_index (self->cluster_list, (int) id - 1) : NULL;
}

static guint
row_id (GtkWidget *row)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "evox-cluster-id"));
}

/* The row a widget inside it belongs to. */
static guint
widget_id (GtkWidget *widget)
{
  GtkWidget *row = gtk_widget_get_ancestor (widget, GTK_TYPE_LIST_BOX_ROW);

  return row != NULL ? row_id (row) : 0;
}

static void
on_row_color_set (GtkColorButton   *button,
                  EvoxClusterPanel *self)
{
  g_autofree char *hex = _evox_color_button_dup_hex (button);
  EvoxClusters *clusters = current_clusters (self);
  guint id = widget_id (GTK_WIDGET (button));

  if (clusters != NULL && id > 0 && !self->updating)
    evox_clusters_set_color (clusters, id, hex);
}

static void
on_row_name_editing (GtkEditableLabel *label,
                     GParamSpec       *pspec,
                     EvoxClusterPanel *self)
{
  EvoxClusters *clusters = current_clusters (self);
  guint id = widget_id (GTK_WIDGET (label));
  const char *text = gtk_editable_get_text (GTK_EDITABLE (label));

  if (self->updating || clusters == NULL || id == 0 || gtk_editable_label_get_editing (label))
    return;
  if (text[0] == '\0')
    {
      /* An empty name keeps the old one. */
      gtk_editable_set_text (GTK_EDITABLE (label), evox_clusters_get_name (clusters, id));
      return;
    }
  evox_clusters_set_name (clusters, id, text);
}

static void
on_row_visible_toggled (GtkCheckButton   *check,
                        EvoxClusterPanel *self)
{
  EvoxClusters *clusters = current_clusters (self);
  guint id = widget_id (GTK_WIDGET (check));

  if (!self->updating && clusters != NULL && id > 0)
    evox_clusters_set_visible (clusters, id, gtk_check_button_get_active (check));
}

static GtkWidget *
make_row (EvoxClusterPanel *self,
          EvoxClusters     *clusters,
          guint             id)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *color;
  GtkWidget *name = gtk_editable_label_new (evox_clusters_get_name (clusters, id));
  g_autofree char *voxels_text = format_count (evox_clusters_get_voxels (clusters, id));
  g_autofree char *fraction_text = g_strdup_printf ("%.1f %%",
                                                    100 * evox_clusters_get_fraction (clusters,
                                                                                      id));
  GtkWidget *voxels = gtk_label_new (voxels_text);
  GtkWidget *fraction = gtk_label_new (fraction_text);
  GtkWidget *visible = gtk_check_button_new ();

  /* GtkColorButton, as the phase rows use it: GtkColorDialogButton needs GTK 4.10, and the
   * helpers of evox-ui-util keep its deprecation there quiet. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  color = gtk_color_button_new ();
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_object_set_data (G_OBJECT (row), "evox-cluster-id", GUINT_TO_POINTER (id));
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);

  _evox_color_button_set_hex (GTK_COLOR_BUTTON (color), evox_clusters_get_color (clusters, id));
  gtk_widget_set_tooltip_text (color, _("The cluster’s colour in the views and plots"));
  gtk_widget_set_valign (color, GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_widget_set_tooltip_text (name, _("Double-click to rename"));
  gtk_label_set_xalign (GTK_LABEL (voxels), 1);
  gtk_label_set_width_chars (GTK_LABEL (voxels), 9);
  gtk_widget_add_css_class (voxels, "numeric");
  gtk_label_set_xalign (GTK_LABEL (fraction), 1);
  gtk_label_set_width_chars (GTK_LABEL (fraction), 7);
  gtk_widget_add_css_class (fraction, "numeric");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (visible),
                               evox_clusters_get_visible (clusters, id));
  gtk_widget_set_tooltip_text (visible, _("Show this cluster in the overlay"));

  g_object_set_data (G_OBJECT (row), "evox-color", color);
  g_object_set_data (G_OBJECT (row), "evox-name", name);
  g_object_set_data (G_OBJECT (row), "evox-visible", visible);
  g_signal_connect (color, "color-set", G_CALLBACK (on_row_color_set), self);
  g_signal_connect (name, "notify::editing", G_CALLBACK (on_row_name_editing), self);
  g_signal_connect (visible, "toggled", G_CALLBACK (on_row_visible_toggled), self);

  gtk_box_append (GTK_BOX (box), color);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), voxels);
  gtk_box_append (GTK_BOX (box), fraction);
  gtk_box_append (GTK_BOX (box), visible);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  return row;
}

/* Names, colours and visibility from the clusters into the rows. */
static void
sync_rows (EvoxClusterPanel *self)
{
  EvoxClusters *clusters = current_clusters (self);

  if (clusters == NULL)
    return;
  self->updating = TRUE;
  for (guint id = 1; id <= evox_clusters_get_k (clusters); id++)
    {
      GtkListBoxRow *row = find_row (self, id);
      GtkEditable *name;

      if (row == NULL)
        break;
      _evox_color_button_set_hex (g_object_get_data (G_OBJECT (row), "evox-color"),
                                  evox_clusters_get_color (clusters, id));
      name = g_object_get_data (G_OBJECT (row), "evox-name");
      if (!gtk_editable_label_get_editing (GTK_EDITABLE_LABEL (name)) &&
          g_strcmp0 (gtk_editable_get_text (name), evox_clusters_get_name (clusters, id)) != 0)
        gtk_editable_set_text (name, evox_clusters_get_name (clusters, id));
      gtk_check_button_set_active (g_object_get_data (G_OBJECT (row), "evox-visible"),
                                   evox_clusters_get_visible (clusters, id));
    }
  self->updating = FALSE;
}

static void
rebuild_rows (EvoxClusterPanel *self)
{
  EvoxClusters *clusters = current_clusters (self);
  GtkWidget *child;

  self->updating = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->cluster_list))) != NULL)
    gtk_list_box_remove (self->cluster_list, child);
  if (clusters != NULL)
    for (guint id = 1; id <= evox_clusters_get_k (clusters); id++)
      gtk_list_box_append (self->cluster_list, make_row (self, clusters, id));
  self->updating = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->cluster_list), clusters != NULL);
}

/* The document's selected cluster -> the list. */
static void
sync_selection (EvoxClusterPanel *self)
{
  guint id, ids[2];
  guint n;
  GtkListBoxRow *row;

  if (self->document == NULL)
    return;
  id = evox_document_get_selected_cluster (self->document);
  n = selected_ids (self, ids);
  if ((id == 0 && n == 0) || (n == 1 && ids[0] == id) || (id == 0 && n > 1))
    return;
  self->updating = TRUE;
  gtk_list_box_unselect_all (self->cluster_list);
  row = find_row (self, id);
  if (row != NULL)
    gtk_list_box_select_row (self->cluster_list, row);
  self->updating = FALSE;
  update_actions (self);
}

/* Only the selected cluster is visible while "Only This" is down; all come back when it goes
 * up. */
static void
apply_solo (EvoxClusterPanel *self)
{
  EvoxClusters *clusters = current_clusters (self);
  gboolean solo = gtk_toggle_button_get_active (self->solo_button);
  guint ids[2] = { 0, 0 };
  guint n;

  if (clusters == NULL)
    return;
  n = selected_ids (self, ids);
  if (solo && n == 0)
    return;
  for (guint id = 1; id <= evox_clusters_get_k (clusters); id++)
    {
      gboolean visible = !solo || id == ids[0] || (n > 1 && id == ids[1]);

      if (evox_clusters_get_visible (clusters, id) != visible)
        evox_clusters_set_visible (clusters, id, visible);
    }
}

static void
on_selected_rows_changed (EvoxClusterPanel *self)
{
  guint ids[2];
  guint n = selected_ids (self, ids);

  update_actions (self);
  if (self->updating || self->document == NULL)
    return;
  self->updating = TRUE;
  evox_document_set_selected_cluster (self->document, n == 1 ? ids[0] : 0);
  self->updating = FALSE;
  if (gtk_toggle_button_get_active (self->solo_button))
    apply_solo (self);
}

static void
merge_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  EvoxClusterPanel *self = EVOX_CLUSTER_PANEL (widget);
  EvoxClusters *clusters = current_clusters (self);
  g_autoptr(EvoxClusters) merged = NULL;
  g_autoptr(GError) error = NULL;
  guint ids[2];

  if (clusters == NULL || selected_ids (self, ids) != 2)
    return;
  merged = evox_clusters_merge (clusters, ids[0], ids[1], &error);
  if (merged == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not merge the clusters: %s"),
                                                  error->message);
      show_error (self, message);
      return;
    }
  show_error (self, NULL);
  evox_document_set_clusters (self->document, merged);
}

static void
make_phase_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  EvoxClusterPanel *self = EVOX_CLUSTER_PANEL (widget);
  g_autoptr(GError) error = NULL;
  guint ids[2];

  if (current_clusters (self) == NULL || selected_ids (self, ids) != 1)
    return;
  if (evox_document_cluster_to_phase (self->document, ids[0], &error) == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not make a phase of the cluster: %s"),
                                                  error->message);
      show_error (self, message);
      return;
    }
  show_error (self, NULL);
}

/* Mean curves */

static void
update_curves (EvoxClusterPanel *self)
{
  EvoxClusters *clusters = current_clusters (self);
  guint d = clusters != NULL ? evox_clusters_get_n_features (clusters) : 0;
  const double *axis;
  g_autofree double *x = NULL;
  g_autofree double *lo = NULL;
  g_autofree double *hi = NULL;
  g_autofree char *x_title = NULL;

  evox_plot_clear (self->curve_plot);
  if (clusters == NULL || d == 0)
    return;
  axis = evox_clusters_get_axis (clusters);
  x_title = evox_curve_figure_axis_title (clusters, _("Feature"));
  evox_plot_set_axes (self->curve_plot, x_title, _("Mean ± std"));
  x = g_new (double, d);
  lo = g_new (double, d);
  hi = g_new (double, d);
  for (guint f = 0; f < d; f++)
    x[f] = axis != NULL ? axis[f] : f + 1.0;

  /* The bands first, so no band hides another cluster's mean. */
  for (guint id = 1; id <= evox_clusters_get_k (clusters); id++)
    {
      const double *mean = evox_clusters_get_mean_curve (clusters, id);
      const double *std = evox_clusters_get_std_curve (clusters, id);
      GdkRGBA color;

      if (!evox_clusters_get_visible (clusters, id) ||
          !gdk_rgba_parse (&color, evox_clusters_get_color (clusters, id)))
        continue;
      color.alpha = 0.22f;
      for (guint f = 0; f < d; f++)
        {
          lo[f] = mean[f] - std[f];
          hi[f] = mean[f] + std[f];
        }
      evox_plot_add_band (self->curve_plot, x, lo, hi, d, &color);
    }
  for (guint id = 1; id <= evox_clusters_get_k (clusters); id++)
    {
      GdkRGBA color;
      guint line;

      if (!evox_clusters_get_visible (clusters, id) ||
          !gdk_rgba_parse (&color, evox_clusters_get_color (clusters, id)))
        continue;
      line = evox_plot_add_line (self->curve_plot, x, evox_clusters_get_mean_curve (clusters, id),
                                 d, &color, evox_clusters_get_name (clusters, id));
      /* A few features are points on a curve that means little between them. */
      evox_plot_set_line_points (self->curve_plot, line, d <= 16);
    }
}

/* Domains and boundaries */

static void
update_domain_channels (EvoxClusterPanel *self)
{
  EvoxVolume *volume = current_volume (self);
  g_autoptr(GtkStringList) items = gtk_string_list_new (NULL);
  guint n = volume != NULL ? evox_volume_get_n_channels (volume) : 0;

  for (guint c = 0; c < n; c++)
    {
      const char *label = evox_volume_get_channel_label (volume, c);
      /* Energies as the rest of the window says them ("8324 eV", once). */
      g_autofree char *text = _evox_channel_has_energy (volume, c)
                                ? _evox_describe_channel (volume, c)
                                : label != NULL && label[0] != '\0'
                                ? g_strdup (label)
                                : g_strdup_printf (_("Channel %u"), c + 1);

      gtk_string_list_append (items, text);
    }
  self->updating = TRUE;
  gtk_drop_down_set_model (self->domain_channel_dropdown, G_LIST_MODEL (items));
  if (n > 0)
    gtk_drop_down_set_selected (self->domain_channel_dropdown,
                                MIN (evox_document_get_channel (self->document), n - 1));
  self->updating = FALSE;
  /* A new volume's texture channel starts as the one shown; from then on it is the page's, also
   * when Make Phase switches to a derived volume and shows its Clusters channel. */
  {
    guint keep = self->texture_channel;
    gboolean same = self->texture_label != NULL && keep < n &&
                    !evox_volume_get_channel_derived (volume, keep) &&
                    g_strcmp0 (evox_volume_get_channel_label (volume, keep) ?: "",
                               self->texture_label) == 0;

    gtk_drop_down_set_model (self->texture_dropdown, G_LIST_MODEL (items));
    if (n > 0)
      {
        guint pick = same ? keep : MIN (evox_document_get_channel (self->document), n - 1);

        for (guint c = 0; c < n && evox_volume_get_channel_derived (volume, pick); c++)
          pick = c;
        self->texture_channel = G_MAXUINT;
        g_object_set (self, "texture-channel", pick, NULL);
      }
  }
}

typedef struct
{
  EvoxClusters *clusters;
  EvoxVolume   *volume;
  guint         channel;
  EvoxLabels   *particles;
} DomainData;

static void
domain_data_free (DomainData *data)
{
  g_clear_object (&data->clusters);
  g_clear_object (&data->volume);
  g_clear_object (&data->particles);
  g_free (data);
}

static gpointer
domain_work (gpointer       user_data,
             GCancellable  *cancellable,
             GError       **error)
{
  DomainData *data = user_data;

  return evox_domain_stats (evox_clusters_get_data (data->clusters),
                            evox_clusters_get_k (data->clusters), data->volume, data->channel,
                            data->particles != NULL ? evox_labels_get_data (data->particles)
                                                    : NULL,
                            cancellable, error);
}

static void
show_domain_rows (EvoxClusterPanel *self)
{
  g_list_store_remove_all (self->domain_store);
  if (self->domain_rows == NULL)
    return;
  for (guint i = 0; i < self->domain_rows->len; i++)
    {
      EvoxDomainRow *row = g_object_new (EVOX_TYPE_DOMAIN_ROW, NULL);

      row->rows = g_array_ref (self->domain_rows);
      row->index = i;
      g_list_store_append (self->domain_store, row);
      g_object_unref (row);
    }
}

static void
domains_finished (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  g_autoptr(GCancellable) cancellable = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = _evox_task_finish (res, evox_domain_stats, &error);
  EvoxClusterPanel *self;

  /* A cancelled job's panel may be gone; the cancellable says whether this job is current. */
  if (g_cancellable_is_cancelled (cancellable))
    return;
  self = g_object_get_data (G_OBJECT (cancellable), "evox-panel");
  g_clear_object (&self->domain_cancellable);
  g_clear_pointer (&self->domain_rows, g_array_unref);
  if (rows == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("No domain statistics: %s"), error->message);

      gtk_label_set_text (self->domain_label, message);
    }
  else
    {
      gboolean per_particle = FALSE;

      self->domain_rows = g_steal_pointer (&rows);
      for (guint i = 0; i < self->domain_rows->len; i++)
        per_particle |= g_array_index (self->domain_rows, EvoxDomainStats, i).particle != 0;
      gtk_label_set_text (self->domain_label,
                          per_particle
                            ? _("Per particle and cluster: a boundary voxel has a face "
                                "neighbour in another cluster; the domain is the rest.")
                            : _("Per cluster: a boundary voxel has a face neighbour in another "
                                "cluster; the domain is the rest."));
      {
        GListModel *columns = gtk_column_view_get_columns (self->domain_view);
        g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, DOMAIN_PARTICLE);

        gtk_column_view_column_set_visible (column, per_particle);
      }
    }
  show_domain_rows (self);
  update_actions (self);
}

static void
cancel_domains (EvoxClusterPanel *self)
{
  if (self->domain_cancellable == NULL)
    return;
  g_cancellable_cancel (self->domain_cancellable);
  g_clear_object (&self->domain_cancellable);
}

/* The table of the chosen channel for the document's clusters (per particle and cluster when
 * the document has particles of the same volume), off the main thread. */
static void
start_domains (EvoxClusterPanel *self)
{
  EvoxClusters *clusters = current_clusters (self);
  EvoxVolume *volume = current_volume (self);
  EvoxLabels *labels = self->document != NULL ? evox_document_get_labels (self->document) : NULL;
  guint channel = gtk_drop_down_get_selected (self->domain_channel_dropdown);
  gsize cdims[3], vdims[3];
  DomainData *data;

  cancel_domains (self);
  g_clear_pointer (&self->domain_rows, g_array_unref);
  show_domain_rows (self);
  update_actions (self);
  if (clusters == NULL || volume == NULL || channel >= evox_volume_get_n_channels (volume))
    {
      gtk_label_set_text (self->domain_label,
                          clusters == NULL ? _("Run the clustering to compare each cluster’s "
                                               "domain with its boundary.")
                                           : "");
      return;
    }
  evox_clusters_get_dims (clusters, cdims);
  evox_volume_get_dims (volume, vdims);
  if (cdims[0] != vdims[0] || cdims[1] != vdims[1] || cdims[2] != vdims[2])
    return;

  data = g_new0 (DomainData, 1);
  data->clusters = g_object_ref (clusters);
  data->volume = g_object_ref (volume);
  data->channel = channel;
  if (labels != NULL && evox_labels_get_volume (labels) == volume)
    data->particles = g_object_ref (labels);
  self->domain_cancellable = g_cancellable_new ();
  g_object_set_data (G_OBJECT (self->domain_cancellable), "evox-panel", self);
  gtk_label_set_text (self->domain_label, _("Computing…"));
  _evox_task_run (evox_domain_stats, domain_work, data, (GDestroyNotify) domain_data_free,
                  (GDestroyNotify) g_array_unref, self->domain_cancellable, domains_finished,
                  g_object_ref (self->domain_cancellable));
}

static char *
format_domain_cell (const EvoxDomainStats *row,
                    DomainColumn           column)
{
  switch (column)
    {
    case DOMAIN_PARTICLE:
      return g_strdup_printf ("%u", row->particle);
    case DOMAIN_CLUSTER:
      return g_strdup_printf ("%u", row->cluster);
    case DOMAIN_DOMAIN_VOXELS:
      return format_count (row->domain_voxels);
    case DOMAIN_DOMAIN_MEAN:
      return g_strdup_printf ("%.4g", row->domain_mean);
    case DOMAIN_DOMAIN_STD:
      return g_strdup_printf ("%.4g", row->domain_std);
    case DOMAIN_BOUNDARY_VOXELS:
      return format_count (row->boundary_voxels);
    case DOMAIN_BOUNDARY_MEAN:
      return g_strdup_printf ("%.4g", row->boundary_mean);
    case DOMAIN_BOUNDARY_STD:
      return g_strdup_printf ("%.4g", row->boundary_std);
    case DOMAIN_DIFFERENCE:
      return g_strdup_printf ("%+.4g", row->difference);
    case N_DOMAIN_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static void
bind_domain_cell (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  user_data)
{
  EvoxDomainRow *row = gtk_list_item_get_item (item);
  g_autofree char *text = format_domain_cell (&g_array_index (row->rows, EvoxDomainStats,
                                                              row->index),
                                              GPOINTER_TO_UINT (user_data));

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
add_domain_columns (EvoxClusterPanel *self)
{
  for (guint c = 0; c < N_DOMAIN_COLUMNS; c++)
    {
      GtkListItemFactory *factory = _evox_numeric_cell_factory (G_CALLBACK (bind_domain_cell), c);
      GtkColumnViewColumn *column;

      column = gtk_column_view_column_new (_(domain_titles[c]), factory);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_visible (column, c != DOMAIN_PARTICLE);
      gtk_column_view_append_column (self->domain_view, column);
      g_object_unref (column);
    }
}

/* Exports */

gboolean
evox_cluster_panel_export_curves (EvoxClusterPanel *self,
                                  const char       *path,
                                  gboolean          overwrite,
                                  GError          **error)
{
  EvoxClusters *clusters;

  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  clusters = current_clusters (self);
  if (clusters == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("No clusters yet: run the clustering first"));
      return FALSE;
    }
  return evox_cluster_csv_write_curves (path, clusters, overwrite, error);
}

gboolean
evox_cluster_panel_export_stats (EvoxClusterPanel *self,
                                 const char       *path,
                                 gboolean          overwrite,
                                 GError          **error)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->domain_rows == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("No domain statistics yet: run the clustering first"));
      return FALSE;
    }
  return evox_cluster_csv_write_stats (path, (const EvoxDomainStats *) self->domain_rows->data,
                                       self->domain_rows->len, overwrite, error);
}

gboolean
evox_cluster_panel_export_plot (EvoxClusterPanel *self,
                                const char       *path,
                                gboolean          overwrite,
                                GError          **error)
{
  EvoxClusters *clusters;
  g_autoptr(EvoxCurveFigure) figure = NULL;
  g_autofree char *lower = NULL;
  gboolean raster;

  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  clusters = current_clusters (self);
  if (clusters != NULL)
    figure = evox_curve_figure_new_from_clusters (clusters);
  if (figure == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("No mean curves to plot: run the clustering and show a cluster"));
      return FALSE;
    }
  /* A page-width figure in print; the PNG at 2.5 times that many pixels. */
  lower = g_ascii_strdown (path, -1);
  raster = g_str_has_suffix (lower, ".png");
  return evox_curve_figure_write (figure, path, raster ? 1500 : 600, raster ? 1000 : 400,
                                  overwrite ? EVOX_IMAGE_WRITE_OVERWRITE : EVOX_IMAGE_WRITE_NONE,
                                  error);
}

/* What a file chooser of the page exports. */
typedef enum
{
  EXPORT_CURVES,
  EXPORT_STATS,
  EXPORT_PLOT,
} ExportKind;

/* user_data is the ExportKind. */
static gboolean
export_file (GtkWidget   *owner,
             const char  *path,
             gpointer     user_data,
             GError     **error)
{
  EvoxClusterPanel *self = EVOX_CLUSTER_PANEL (owner);

  /* The chooser has already asked before replacing a file. */
  switch ((ExportKind) GPOINTER_TO_INT (user_data))
    {
    case EXPORT_CURVES:
      return evox_cluster_panel_export_curves (self, path, TRUE, error);
    case EXPORT_STATS:
      return evox_cluster_panel_export_stats (self, path, TRUE, error);
    case EXPORT_PLOT:
    default:
      return evox_cluster_panel_export_plot (self, path, TRUE, error);
    }
}

static void
show_error_func (GtkWidget  *owner,
                 const char *message)
{
  show_error (EVOX_CLUSTER_PANEL (owner), message);
}

/* clusters.export-curves, clusters.export-stats and clusters.export-plot. */
static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ExportKind kind = g_str_equal (action_name, "clusters.export-curves") ? EXPORT_CURVES
                    : g_str_equal (action_name, "clusters.export-stats") ? EXPORT_STATS
                    : EXPORT_PLOT;
  const char *titles[] = {
    [EXPORT_CURVES] = _("Export Cluster Curves"),
    [EXPORT_STATS] = _("Export Domain Statistics"),
    [EXPORT_PLOT] = _("Export Plot (PNG, SVG or PDF)"),
  };
  const char *names[] = {
    [EXPORT_CURVES] = "cluster-curves.csv",
    [EXPORT_STATS] = "cluster-domains.csv",
    [EXPORT_PLOT] = "cluster-curves.svg",
  };
  GtkFileChooserNative *chooser;

  chooser = _evox_save_chooser_new (widget, titles[kind], _("_Export"), names[kind], export_file,
                                    GINT_TO_POINTER (kind), _("Could not export %s: %s"),
                                    show_error_func);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Document */

/* The document's clusters changed: follow the new object's "changed". */
static void
on_clusters_changed (EvoxClusters     *clusters,
                     guint             id,
                     EvoxClusterPanel *self)
{
  sync_rows (self);
  update_curves (self);
}

static void
sync_clusters (EvoxClusterPanel *self)
{
  EvoxClusters *clusters = current_clusters (self);

  if (self->clusters != clusters)
    {
      if (self->clusters != NULL)
        g_signal_handlers_disconnect_by_data (self->clusters, self);
      g_set_object (&self->clusters, clusters);
      if (clusters != NULL)
        g_signal_connect_object (clusters, "changed", G_CALLBACK (on_clusters_changed), self, 0);
      /* New clusters (a run, a merge) start with all of them shown. */
      if (gtk_toggle_button_get_active (self->solo_button))
        gtk_toggle_button_set_active (self->solo_button, FALSE);
    }

  rebuild_rows (self);
  sync_selection (self);
  update_curves (self);
  update_summary (self);
  update_pca_label (self);
  start_domains (self);
  update_actions (self);
}

static void
on_document_notify (EvoxDocument     *document,
                    GParamSpec       *pspec,
                    EvoxClusterPanel *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "volume") || g_str_equal (name, "channel"))
    {
      gboolean new_volume = g_str_equal (name, "volume");

      /* A result for the old volume or channel would not belong to the document any more. */
      _evox_ui_job_cancel (&self->job);
      show_error (self, NULL);
      if (new_volume)
        {
          if (self->job_volume != NULL && self->job_volume != current_volume (self))
            _evox_clustering_forget (self->job_volume);
          g_set_object (&self->job_volume, current_volume (self));
          /* Clusters of the same dims stay with a new volume: their table is of its values. */
          update_domain_channels (self);
          start_domains (self);
          check_channels_text (self);
        }
      update_pca_limit (self);
      update_actions (self);
      update_summary (self);
      /* Channels feed every feature set of a new volume; the current channel only the mask
       * (the local texture has its own channel). */
      if (new_volume || self->mask_phase >= 0)
        schedule_sweep (self);
    }
  else if (g_str_equal (name, "clusters"))
    sync_clusters (self);
  else if (g_str_equal (name, "labels"))
    start_domains (self);
  else if (g_str_equal (name, "selected-cluster") && !self->updating)
    sync_selection (self);
}

static void
release_document (EvoxClusterPanel *self)
{
  if (self->document == NULL)
    return;
  _evox_ui_job_cancel (&self->job);
  cancel_sweep (self);
  cancel_domains (self);
  g_signal_handlers_disconnect_by_data (self->document, self);
  g_signal_handlers_disconnect_by_data (evox_document_get_phases (self->document), self);
  _evox_clear_bindings (self->bindings, G_N_ELEMENTS (self->bindings));
  if (self->clusters != NULL)
    g_signal_handlers_disconnect_by_data (self->clusters, self);
  g_clear_object (&self->clusters);
  g_clear_object (&self->document);
  g_clear_object (&self->job_volume);
}

void
evox_cluster_panel_set_document (EvoxClusterPanel *self,
                                 EvoxDocument     *document)
{
  g_return_if_fail (EVOX_IS_CLUSTER_PANEL (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  release_document (self);
  show_error (self, NULL);

  if (document != NULL)
    {
      GtkAdjustment *opacity = gtk_range_get_adjustment (GTK_RANGE (self->opacity_scale));

      self->document = g_object_ref (document);
      /* Weak on both ends; the panel owns them so that a swap can undo them. */
      self->bindings[0] = g_object_ref (
        g_object_bind_property (document, "show-clusters", self->show_check, "active",
                                G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE));
      self->bindings[1] = g_object_ref (
        g_object_bind_property (document, "cluster-opacity", opacity, "value",
                                G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE));
      self->bindings[2] = g_object_ref (
        g_object_bind_property (document, "cluster-outlines", self->outlines_check, "active",
                                G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE));
      g_set_object (&self->job_volume, current_volume (self));
      g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
      g_signal_connect_object (evox_document_get_phases (document), "changed",
                               G_CALLBACK (on_phases_changed), self, G_CONNECT_SWAPPED);
    }
  update_mask_items (self);
  update_domain_channels (self);
  update_pca_limit (self);
  sync_clusters (self);
  schedule_sweep (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

EvoxDocument *
evox_cluster_panel_get_document (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), NULL);
  return self->document;
}

gboolean
evox_cluster_panel_is_busy (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), FALSE);
  return self->job.cancellable != NULL;
}

const EvoxKmeansSweep *
evox_cluster_panel_get_sweep (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), NULL);
  return self->sweep;
}

gboolean
evox_cluster_panel_is_sweeping (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), FALSE);
  return self->sweep_cancellable != NULL || self->sweep_due;
}

GArray *
evox_cluster_panel_get_domain_stats (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), NULL);
  return self->domain_rows;
}

gboolean
evox_cluster_panel_is_computing_domains (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), FALSE);
  return self->domain_cancellable != NULL;
}

GtkListBox *
evox_cluster_panel_get_list (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), NULL);
  return self->cluster_list;
}

GtkWidget *
evox_cluster_panel_get_sweep_plot (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), NULL);
  return GTK_WIDGET (self->sweep_plot);
}

GtkWidget *
evox_cluster_panel_get_curve_plot (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), NULL);
  return GTK_WIDGET (self->curve_plot);
}

const char *
evox_cluster_panel_get_summary (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), NULL);
  return gtk_label_get_text (self->summary_label);
}

const char *
evox_cluster_panel_get_error (EvoxClusterPanel *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTER_PANEL (self), NULL);
  return gtk_label_get_text (self->error_label);
}

/* Controls */

static gboolean
int_to_selected (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  g_value_set_uint (to, (guint) (g_value_get_int (from) + GPOINTER_TO_INT (user_data)));
  return TRUE;
}

static gboolean
selected_to_int (GBinding     *binding,
                 const GValue *from,
                 GValue       *to,
                 gpointer      user_data)
{
  guint selected = g_value_get_uint (from);

  if (selected == GTK_INVALID_LIST_POSITION)
    return FALSE;
  g_value_set_int (to, (int) selected - GPOINTER_TO_INT (user_data));
  return TRUE;
}

/* Scaling: the dropdown lists z-score, [0, 1], none. */
static const EvoxFeatureScale scale_order[] = {
  EVOX_FEATURE_SCALE_ZSCORE,
  EVOX_FEATURE_SCALE_MINMAX,
  EVOX_FEATURE_SCALE_NONE,
};

static gboolean
scale_to_selected (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  for (guint i = 0; i < G_N_ELEMENTS (scale_order); i++)
    if ((int) scale_order[i] == g_value_get_int (from))
      {
        g_value_set_uint (to, i);
        return TRUE;
      }
  return FALSE;
}

static gboolean
selected_to_scale (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  guint selected = g_value_get_uint (from);

  if (selected >= G_N_ELEMENTS (scale_order))
    return FALSE;
  g_value_set_int (to, scale_order[selected]);
  return TRUE;
}

static gboolean
window_to_selected (GBinding     *binding,
                    const GValue *from,
                    GValue       *to,
                    gpointer      user_data)
{
  g_value_set_uint (to, g_value_get_uint (from) == 5 ? 1 : 0);
  return TRUE;
}

static gboolean
selected_to_window (GBinding     *binding,
                    const GValue *from,
                    GValue       *to,
                    gpointer      user_data)
{
  g_value_set_uint (to, g_value_get_uint (from) == 1 ? 5 : 3);
  return TRUE;
}

static void
on_domain_channel_changed (EvoxClusterPanel *self)
{
  if (!self->updating)
    start_domains (self);
}

static void
on_solo_toggled (EvoxClusterPanel *self)
{
  apply_solo (self);
}

/* GObject */

static void
evox_cluster_panel_map (GtkWidget *widget)
{
  EvoxClusterPanel *self = EVOX_CLUSTER_PANEL (widget);

  GTK_WIDGET_CLASS (evox_cluster_panel_parent_class)->map (widget);
  /* Sweeps wait for the page: a window whose Clusters page is never shown never sweeps. */
  if (self->sweep_due && self->sweep_timeout_id == 0 && self->sweep_cancellable == NULL)
    self->sweep_timeout_id = g_timeout_add (SWEEP_DELAY_MS, start_sweep, self);
}

static void
evox_cluster_panel_dispose (GObject *object)
{
  EvoxClusterPanel *self = EVOX_CLUSTER_PANEL (object);

  release_document (self);
  /* The template's children emit as they go (a list box losing its selected rows): the panel
   * stops listening first. */
  if (self->cluster_list != NULL)
    {
      GObject *emitters[] = { G_OBJECT (self->cluster_list), G_OBJECT (self->solo_button),
                              G_OBJECT (self->metric_dropdown),
                              G_OBJECT (self->domain_channel_dropdown) };

      for (guint i = 0; i < G_N_ELEMENTS (emitters); i++)
        g_signal_handlers_disconnect_by_data (emitters[i], self);
    }
  g_clear_pointer (&self->sweep, evox_kmeans_sweep_free);
  g_clear_pointer (&self->domain_rows, g_array_unref);
  g_clear_pointer (&self->explained, g_free);
  g_clear_pointer (&self->channels_text, g_free);
  g_clear_pointer (&self->texture_label, g_free);
  g_clear_weak_pointer (&self->run_clusters);
  if (self->domain_view != NULL)
    gtk_column_view_set_model (self->domain_view, NULL);
  g_clear_object (&self->domain_store);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_CLUSTER_PANEL);

  G_OBJECT_CLASS (evox_cluster_panel_parent_class)->dispose (object);
}

static void
evox_cluster_panel_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  EvoxClusterPanel *self = EVOX_CLUSTER_PANEL (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_FEATURES:
      g_value_set_int (value, self->features);
      break;
    case PROP_CHANNELS:
      g_value_set_string (value, self->channels_text);
      break;
    case PROP_TEXTURE_CHANNEL:
      g_value_set_uint (value, self->texture_channel);
      break;
    case PROP_WINDOW:
      g_value_set_uint (value, self->window);
      break;
    case PROP_MASK_PHASE:
      g_value_set_int (value, self->mask_phase);
      break;
    case PROP_SCALE:
      g_value_set_int (value, self->scale);
      break;
    case PROP_PCA:
      g_value_set_uint (value, self->pca);
      break;
    case PROP_K:
      g_value_set_uint (value, self->k);
      break;
    case PROP_SEED:
      g_value_set_uint (value, self->seed);
      break;
    case PROP_RESTARTS:
      g_value_set_uint (value, self->restarts);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->job.cancellable != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Sets a uint field and notifies on change; TRUE when it changed. */
static gboolean
set_uint (EvoxClusterPanel *self,
          guint            *field,
          guint             value,
          GParamSpec       *pspec)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
  return TRUE;
}

static void
evox_cluster_panel_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  EvoxClusterPanel *self = EVOX_CLUSTER_PANEL (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      evox_cluster_panel_set_document (self, g_value_get_object (value));
      break;
    case PROP_FEATURES:
      if (self->features != (EvoxFeatureKind) g_value_get_int (value))
        {
          self->features = g_value_get_int (value);
          gtk_widget_set_sensitive (GTK_WIDGET (self->window_dropdown),
                                    self->features == EVOX_FEATURES_LOCAL);
          gtk_widget_set_sensitive (GTK_WIDGET (self->texture_dropdown),
                                    self->features == EVOX_FEATURES_LOCAL);
          gtk_widget_set_sensitive (GTK_WIDGET (self->channels_entry),
                                    self->features == EVOX_FEATURES_CHANNELS);
          update_pca_limit (self);
          g_object_notify_by_pspec (object, pspec);
          schedule_sweep (self);
        }
      break;
    case PROP_CHANNELS:
      if (g_strcmp0 (self->channels_text, g_value_get_string (value)) != 0)
        {
          g_free (self->channels_text);
          self->channels_text = g_value_dup_string (value);
          check_channels_text (self);
          update_pca_limit (self);
          g_object_notify_by_pspec (object, pspec);
          if (self->features == EVOX_FEATURES_CHANNELS)
            schedule_sweep (self);
        }
      break;
    case PROP_TEXTURE_CHANNEL:
      if (set_uint (self, &self->texture_channel, g_value_get_uint (value), pspec))
        {
          EvoxVolume *volume = current_volume (self);

          g_clear_pointer (&self->texture_label, g_free);
          if (volume != NULL && self->texture_channel < evox_volume_get_n_channels (volume))
            self->texture_label = _evox_channel_has_energy (volume, self->texture_channel)
                                    ? _evox_describe_channel (volume, self->texture_channel)
                                    : g_strdup (evox_volume_get_channel_label (
                                                  volume, self->texture_channel) ?: "");
          if (self->features == EVOX_FEATURES_LOCAL)
            schedule_sweep (self);
        }
      break;
    case PROP_WINDOW:
      if (set_uint (self, &self->window, g_value_get_uint (value), pspec) &&
          self->features == EVOX_FEATURES_LOCAL)
        schedule_sweep (self);
      break;
    case PROP_MASK_PHASE:
      if (self->mask_phase != g_value_get_int (value))
        {
          self->mask_phase = g_value_get_int (value);
          g_object_notify_by_pspec (object, pspec);
          schedule_sweep (self);
        }
      break;
    case PROP_SCALE:
      if (self->scale != (EvoxFeatureScale) g_value_get_int (value))
        {
          self->scale = g_value_get_int (value);
          g_object_notify_by_pspec (object, pspec);
          schedule_sweep (self);
        }
      break;
    case PROP_PCA:
      if (set_uint (self, &self->pca, g_value_get_uint (value), pspec))
        schedule_sweep (self);
      break;
    case PROP_K:
      /* Whoever sets k but the sweep's knee chose it. */
      if (!self->updating)
        self->k_chosen = TRUE;
      if (set_uint (self, &self->k, g_value_get_uint (value), pspec))
        update_sweep_plot (self);
      break;
    case PROP_SEED:
      set_uint (self, &self->seed, g_value_get_uint (value), pspec);
      break;
    case PROP_RESTARTS:
      set_uint (self, &self->restarts, g_value_get_uint (value), pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_cluster_panel_class_init (EvoxClusterPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = evox_cluster_panel_dispose;
  object_class->get_property = evox_cluster_panel_get_property;
  object_class->set_property = evox_cluster_panel_set_property;
  widget_class->map = evox_cluster_panel_map;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, EVOX_TYPE_DOCUMENT, flags);
  properties[PROP_FEATURES] =
    g_param_spec_int ("features", NULL, NULL, EVOX_FEATURES_CHANNELS, EVOX_FEATURES_LOCAL,
                      EVOX_FEATURES_CHANNELS, flags);
  properties[PROP_CHANNELS] = g_param_spec_string ("channels", NULL, NULL, "", flags);
  properties[PROP_TEXTURE_CHANNEL] =
    g_param_spec_uint ("texture-channel", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_WINDOW] = g_param_spec_uint ("window", NULL, NULL, 3, 5, 3, flags);
  properties[PROP_MASK_PHASE] =
    g_param_spec_int ("mask-phase", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_SCALE] =
    g_param_spec_int ("scale", NULL, NULL, EVOX_FEATURE_SCALE_NONE, EVOX_FEATURE_SCALE_MINMAX,
                      EVOX_FEATURE_SCALE_ZSCORE, flags);
  properties[PROP_PCA] = g_param_spec_uint ("pca", NULL, NULL, 0, 4096, 0, flags);
  properties[PROP_K] = g_param_spec_uint ("k", NULL, NULL, 1, 65535, DEFAULT_K, flags);
  properties[PROP_SEED] = g_param_spec_uint ("seed", NULL, NULL, 0, G_MAXINT32, 0, flags);
  properties[PROP_RESTARTS] =
    g_param_spec_uint ("restarts", NULL, NULL, 1, 1000, DEFAULT_RESTARTS, flags);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Referencing the bundle keeps its object file, whose constructor registers it, in the link
   * of a static library (a test may link the panel without the application). */
  (void) evox_ui_get_resource ();
  g_type_ensure (EVOX_TYPE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-cluster-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, features_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, channels_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, texture_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, window_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, mask_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, scale_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, pca_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, pca_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, k_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, restarts_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, metric_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, sweep_plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, sweep_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, progress_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, summary_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, show_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, outlines_check);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, opacity_scale);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, cluster_list);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, solo_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, curve_plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel,
                                        domain_channel_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, domain_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxClusterPanel, domain_view);

  gtk_widget_class_install_action (widget_class, "clusters.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "clusters.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "clusters.merge", NULL, merge_action);
  gtk_widget_class_install_action (widget_class, "clusters.make-phase", NULL,
                                   make_phase_action);
  gtk_widget_class_install_action (widget_class, "clusters.export-curves", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "clusters.export-stats", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "clusters.export-plot", NULL, export_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_cluster_panel_init (EvoxClusterPanel *self)
{
  GtkGesture *click;

  self->features = EVOX_FEATURES_CHANNELS;
  self->window = 3;
  self->channels_text = g_strdup ("");
  self->mask_phase = -1;
  self->scale = EVOX_FEATURE_SCALE_ZSCORE;
  self->k = DEFAULT_K;
  self->restarts = DEFAULT_RESTARTS;

  gtk_widget_init_template (GTK_WIDGET (self));

  g_object_bind_property_full (self, "features", self->features_dropdown, "selected",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               int_to_selected, selected_to_int, GINT_TO_POINTER (0), NULL);
  g_object_bind_property (self, "channels", self->channels_entry, "text",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "texture-channel", self->texture_dropdown, "selected",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (self, "window", self->window_dropdown, "selected",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               window_to_selected, selected_to_window, NULL, NULL);
  g_object_bind_property_full (self, "mask-phase", self->mask_dropdown, "selected",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               int_to_selected, selected_to_int, GINT_TO_POINTER (1), NULL);
  g_object_bind_property_full (self, "scale", self->scale_dropdown, "selected",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               scale_to_selected, selected_to_scale, NULL, NULL);
  g_object_bind_property (self, "pca", gtk_spin_button_get_adjustment (self->pca_spin), "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "k", gtk_spin_button_get_adjustment (self->k_spin), "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "seed", gtk_spin_button_get_adjustment (self->seed_spin),
                          "value", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "restarts",
                          gtk_spin_button_get_adjustment (self->restarts_spin), "value",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->window_dropdown), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->texture_dropdown), FALSE);
  check_channels_text (self);
  g_signal_connect_swapped (self->metric_dropdown, "notify::selected",
                            G_CALLBACK (update_sweep_plot), self);
  g_signal_connect_swapped (self->domain_channel_dropdown, "notify::selected",
                            G_CALLBACK (on_domain_channel_changed), self);
  g_signal_connect_swapped (self->cluster_list, "selected-rows-changed",
                            G_CALLBACK (on_selected_rows_changed), self);
  g_signal_connect_swapped (self->solo_button, "toggled", G_CALLBACK (on_solo_toggled), self);

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_sweep_click), self);
  gtk_widget_add_controller (GTK_WIDGET (self->sweep_plot), GTK_EVENT_CONTROLLER (click));
  evox_plot_set_axes (self->sweep_plot, "k", _("Inertia"));
  evox_plot_set_placeholder (self->sweep_plot, _("No sweep yet"));
  evox_plot_set_placeholder (self->curve_plot, _("No clusters"));

  self->domain_store = g_list_store_new (EVOX_TYPE_DOMAIN_ROW);
  add_domain_columns (self);
  {
    g_autoptr(GtkNoSelection) selection =
      gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->domain_store)));

    gtk_column_view_set_model (self->domain_view, GTK_SELECTION_MODEL (selection));
  }

  update_mask_items (self);
  sync_clusters (self);
  update_sweep_plot (self);
}

GtkWidget *
evox_cluster_panel_new (void)
{
  return g_object_new (EVOX_TYPE_CLUSTER_PANEL, NULL);
}

/* evox-window-session.c: File > Save Session… and Open Session… of the main window. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "evox-canvas.h"
#include "evox-clustering.h"
#include "evox-percolation.h"
#include "evox-csv.h"
#include "evox-elements.h"
#include "evox-json.h"
#include "evox-methods.h"
#include "evox-metrics-panel.h"
#include "evox-register.h"
#include "evox-registration-panel.h"
#include "evox-session.h"
#include "evox-watershed.h"
#include "evox-window-private.h"
#include "evox-xanes.h"

/* The session the window was opened from or last saved to: its keys unknown to this Evox are
 * carried into the next save. */
#define SESSION_KEY "evox-session"

static void
remember_session (EvoxWindow  *self,
                  EvoxSession *session)
{
  g_object_set_data_full (G_OBJECT (self), SESSION_KEY, g_object_ref (session), g_object_unref);
}

/* The cameras live in the canvas, not the document: the window adds them to what the document
 * gives ("camera": the main view's and the 3D pane's of the 2x2 view). */
static const char * const camera_names[] = { "main", "pane-3d" };

static EvoxCamera *
window_camera (EvoxWindow *self,
               guint       which)
{
  EvoxRenderer *renderer = evox_canvas_get_renderer (EVOX_CANVAS (self->canvas));

  return which == 0 ? evox_renderer_get_camera (renderer) :
                      evox_renderer_get_pane_camera (renderer, EVOX_PANE_3D);
}

static void
capture_cameras (EvoxWindow  *self,
                 EvoxSession *session)
{
  JsonObject *cameras = json_object_new ();

  for (guint c = 0; c < G_N_ELEMENTS (camera_names); c++)
    {
      JsonObject *object = json_object_new ();
      JsonArray *center = json_array_new ();
      JsonArray *frame = json_array_new ();
      EvoxCameraPose pose;

      evox_camera_get_pose (window_camera (self, c), &pose);
      for (guint i = 0; i < 3; i++)
        json_array_add_double_element (center, pose.center[i]);
      for (guint i = 0; i < 2; i++)
        json_array_add_double_element (frame, pose.frame[i]);
      json_object_set_array_member (object, "center", center);
      json_object_set_double_member (object, "azimuth", pose.azimuth);
      json_object_set_double_member (object, "elevation", pose.elevation);
      json_object_set_array_member (object, "frame", frame);
      json_object_set_boolean_member (object, "orthographic", pose.orthographic);
      json_object_set_object_member (cameras, camera_names[c], object);
    }
  json_object_set_object_member (evox_session_get_root (session), "camera", cameras);
}

/* The page the session was saved on, when this window has a page of that name. */
static void
apply_page (EvoxWindow  *self,
            EvoxSession *session)
{
  JsonNode *node = json_object_get_member (evox_session_get_root (session), "page");
  const char *page;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return;
  page = json_node_get_string (node);
  if (page != NULL && gtk_stack_get_child_by_name (self->side_stack, page) != NULL)
    evox_window_show_page (self, page);
}

static gboolean
read_numbers (JsonObject *object,
              const char *key,
              double     *values,
              guint       n)
{
  JsonNode *node = json_object_get_member (object, key);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) != n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) ||
          (json_node_get_value_type (element) != G_TYPE_DOUBLE &&
           json_node_get_value_type (element) != G_TYPE_INT64))
        return FALSE;
      values[i] = json_node_get_double (element);
    }
  return TRUE;
}

static gboolean
read_number (JsonObject *object,
             const char *key,
             double     *value)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
       json_node_get_value_type (node) != G_TYPE_INT64))
    return FALSE;
  *value = json_node_get_double (node);
  return TRUE;
}

/* A missing or malformed camera leaves the one the view placed. */
static void
apply_cameras (EvoxWindow  *self,
               EvoxSession *session)
{
  JsonNode *node = json_object_get_member (evox_session_get_root (session), "camera");
  JsonObject *cameras;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  cameras = json_node_get_object (node);
  for (guint c = 0; c < G_N_ELEMENTS (camera_names); c++)
    {
      JsonNode *member = json_object_get_member (cameras, camera_names[c]);
      JsonObject *object;
      JsonNode *ortho;
      EvoxCameraPose pose;

      if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
        continue;
      object = json_node_get_object (member);
      if (!read_numbers (object, "center", pose.center, 3) ||
          !read_numbers (object, "frame", pose.frame, 2) ||
          !read_number (object, "azimuth", &pose.azimuth) ||
          !read_number (object, "elevation", &pose.elevation))
        continue;
      ortho = json_object_get_member (object, "orthographic");
      pose.orthographic = ortho != NULL && JSON_NODE_HOLDS_VALUE (ortho) &&
                          json_node_get_value_type (ortho) == G_TYPE_BOOLEAN &&
                          json_node_get_boolean (ortho);
      evox_camera_set_pose (window_camera (self, c), &pose);
    }
}

/* The document's session plus what the window alone knows: the Metrics page's last table as
 * the "metrics" record `evox metrics --session` writes (one the page has not computed, from the
 * session it was opened from, is kept as it was). */
static EvoxSession *
capture_window (EvoxWindow  *self,
                GError     **error)
{
  g_autoptr (EvoxSession) session = NULL;
  JsonObject *metrics;

  session = evox_session_capture (self->document, g_object_get_data (G_OBJECT (self),
                                                                     SESSION_KEY), error);
  if (session == NULL)
    return NULL;
  metrics = evox_metrics_panel_dup_record (EVOX_METRICS_PANEL (self->metrics_panel));
  if (metrics != NULL)
    json_object_set_object_member (evox_session_get_root (session), "metrics", metrics);
  return g_steal_pointer (&session);
}

gboolean
evox_window_save_session (EvoxWindow  *self,
                          const char  *path,
                          gboolean     overwrite,
                          GError     **error)
{
  g_autoptr (EvoxSession) session = NULL;

  g_return_val_if_fail (EVOX_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  session = capture_window (self, error);
  if (session == NULL)
    return FALSE;
  capture_cameras (self, session);
  /* The side panel's page, which the window alone knows. */
  if (evox_window_get_page (self) != NULL)
    json_object_set_string_member (evox_session_get_root (session), "page",
                                   evox_window_get_page (self));
  if (!evox_session_save (session, path, overwrite, error))
    return FALSE;
  remember_session (self, session);
  return TRUE;
}

typedef struct
{
  EvoxSession *session;
  char        *warning;   /* the input changed since the session was saved */
} RestoreData;

static void
restore_data_free (RestoreData *data)
{
  g_clear_object (&data->session);
  g_free (data->warning);
  g_free (data);
}

/* The session's "registration" record as the options of a run; FALSE without one. */
static gboolean
registration_options (EvoxSession          *session,
                      EvoxRegisterOptions  *options,
                      GArray              **exclude,
                      gboolean             *raw_view)
{
  const char *scale;

  evox_register_options_init (options);
  if (!evox_session_get_registration_options (session, &options->reference_ev, &scale, exclude,
                                              raw_view))
    return FALSE;
  if (scale != NULL && !evox_register_scale_from_string (scale, &options->scale))
    options->scale = EVOX_REGISTER_SCALE_FIT;
  options->exclude_ev = (const double *) (*exclude)->data;
  options->n_exclude = (*exclude)->len;
  return TRUE;
}

/* A record the window could not compute again: opening stops only when the user cancelled; a
 * record that does not fit this input (a stack without energies) stays in the session (the
 * banner's note names a registration), and the rest is restored. */
static gboolean
go_on_without (GError     **local,
               const char  *what,
               GError     **error)
{
  if (g_error_matches (*local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (local));
      return FALSE;
    }
  g_debug ("The session's %s not made again: %s", what, (*local)->message);
  return TRUE;
}

/* The session's registration made again from its record (the same options on the same stack
 * give the same registration), for apply to show before everything that depends on it; *shown
 * is the stack the session showed, which its particles are of. */
static gboolean
register_again (EvoxSession   *session,
                EvoxVolume    *raw,
                GCancellable  *cancellable,
                EvoxVolume   **shown,
                GError       **error)
{
  g_autoptr (GArray) exclude = NULL;
  g_autoptr (EvoxRegistration) registration = NULL;
  g_autoptr (GError) local = NULL;
  EvoxRegisterOptions options;
  gboolean raw_view;

  *shown = raw;
  if (!registration_options (session, &options, &exclude, &raw_view))
    return TRUE;
  registration = evox_register_stack (raw, &options, NULL, cancellable, &local);
  if (registration == NULL)
    return go_on_without (&local, "registration", error);
  evox_session_set_registration (session, registration);
  if (!raw_view)
    *shown = evox_registration_get_registered (registration);
  return TRUE;
}

static double
record_number (JsonObject *record,
               const char *key)
{
  JsonNode *node = json_object_get_member (record, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
       json_node_get_value_type (node) != G_TYPE_INT64))
    return NAN;
  return json_node_get_double (node);
}

/* The session's XANES maps computed again on the stack shown from the numbers their metadata
 * recorded (the E0 used is given, so it is not searched for again). A record that does not fit
 * the stack is left in the session; opening goes on without the maps. */
static gboolean
map_again (EvoxSession   *session,
           EvoxVolume    *stack,
           GCancellable  *cancellable,
           GError       **error)
{
  JsonNode *node = json_object_get_member (evox_session_get_root (session), "xanes-maps");
  JsonObject *record;
  JsonNode *norm;
  EvoxXanesParams params;
  g_autoptr (EvoxVolume) maps = NULL;
  g_autoptr (GError) local = NULL;
  double nnorm;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  record = json_node_get_object (node);
  evox_xanes_params_init (&params);
  params.e0 = record_number (record, "e0");
  params.edge = record_number (record, "edge");
  if (isfinite (record_number (record, "pre1")))
    params.pre1 = record_number (record, "pre1");
  if (isfinite (record_number (record, "pre2")))
    params.pre2 = record_number (record, "pre2");
  if (isfinite (record_number (record, "norm1")))
    params.norm1 = record_number (record, "norm1");
  params.norm2 = record_number (record, "norm2");
  nnorm = record_number (record, "nnorm");
  if (nnorm >= 0 && nnorm <= EVOX_XANES_MAX_NNORM)
    params.nnorm = (int) nnorm;
  if (isfinite (record_number (record, "mask_k")))
    params.mask_k = record_number (record, "mask_k");
  norm = json_object_get_member (record, "norm");
  params.with_norm = norm != NULL && JSON_NODE_HOLDS_VALUE (norm) &&
                     json_node_get_value_type (norm) == G_TYPE_BOOLEAN &&
                     json_node_get_boolean (norm);
  maps = evox_xanes_maps (stack, &params, NULL, cancellable, &local);
  if (maps == NULL)
    return go_on_without (&local, "XANES maps", error);
  evox_session_set_maps (session, maps);
  return TRUE;
}

/* The "elements-maps" record as the parameters of a run: the edges, the pairs used (the pair
 * method) and the matrix (the fit). FALSE when the record does not read as one. */
static gboolean
elements_params (JsonObject         *record,
                 EvoxElementsParams *params,
                 GError            **error)
{
  JsonNode *node = json_object_get_member (record, "element");
  JsonNode *pairs = json_object_get_member (record, "pairs");
  JsonNode *method = json_object_get_member (record, "method");
  JsonNode *matrix = json_object_get_member (record, "matrix");
  g_auto (GStrv) names = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      method == NULL || !JSON_NODE_HOLDS_VALUE (method) ||
      json_node_get_value_type (method) != G_TYPE_STRING)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                           "the record has no elements or no method");
      return FALSE;
    }
  params->method = g_str_equal (json_node_get_string (method), "fit") ? EVOX_ELEMENTS_FIT
                                                                      : EVOX_ELEMENTS_PAIR;
  names = g_strsplit (json_node_get_string (node), ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (params->n_elements == EVOX_ELEMENTS_MAX)
        {
          g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "too many elements");
          return FALSE;
        }
      if (!evox_edge_parse (names[i], &params->edges[params->n_elements++], error))
        return FALSE;
    }
  for (guint i = 0; pairs != NULL && JSON_NODE_HOLDS_ARRAY (pairs) &&
                    i < json_array_get_length (json_node_get_array (pairs)); i++)
    {
      JsonNode *pair = json_array_get_element (json_node_get_array (pairs), i);
      const char *text = JSON_NODE_HOLDS_VALUE (pair) &&
                         json_node_get_value_type (pair) == G_TYPE_STRING
                         ? json_node_get_string (pair) : NULL;
      g_auto (GStrv) sides = text != NULL ? g_strsplit_set (text, "=:", -1) : NULL;
      EvoxEdge edge;
      char *end[2];
      double below, above;

      if (sides == NULL || g_strv_length (sides) != 3 || !evox_edge_parse (sides[0], &edge, NULL))
        continue;
      below = g_ascii_strtod (sides[1], &end[0]);
      above = g_ascii_strtod (sides[2], &end[1]);
      if (*end[0] != '\0' || *end[1] != '\0')
        continue;
      for (guint e = 0; e < params->n_elements; e++)
        if (params->edges[e].z == edge.z)
          {
            params->below[e] = below;
            params->above[e] = above;
          }
    }
  if (params->method == EVOX_ELEMENTS_FIT && matrix != NULL && JSON_NODE_HOLDS_VALUE (matrix) &&
      json_node_get_value_type (matrix) == G_TYPE_STRING)
    params->matrix = g_strdup (json_node_get_string (matrix));
  return TRUE;
}

/* The session's elemental maps computed again on the stack shown, run after run (each Compute
 * Elements whose maps the document held), with the recorded edges, the pairs they used and the
 * matrix (the same settings on the same stack give the same maps). A record that does not fit
 * the stack is left in the session; opening goes on without the elemental maps. */
static gboolean
elements_again (EvoxSession   *session,
                EvoxVolume    *stack,
                GCancellable  *cancellable,
                GError       **error)
{
  JsonNode *node = json_object_get_member (evox_session_get_root (session), "elements-maps");
  g_autoptr (GPtrArray) runs = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return TRUE;
  runs = evox_session_elements_runs (json_node_get_object (node));
  for (guint r = 0; r < runs->len; r++)
    {
      EvoxElementsParams params;
      g_autoptr (EvoxVolume) maps = NULL;
      g_autoptr (GError) local = NULL;

      evox_elements_params_init (&params);
      if (elements_params (runs->pdata[r], &params, &local))
        maps = evox_elements_maps (stack, &params, NULL, cancellable, &local);
      evox_elements_params_clear (&params);
      if (maps == NULL)
        {
          evox_session_set_elements_maps (session, NULL);
          return go_on_without (&local, "elemental maps", error);
        }
      evox_session_add_elements_maps (session, maps);
    }
  return TRUE;
}

/* The particles prepared from the phase's range, split by the watershed as they were when the
 * session was saved (the same h in turn gives the same labels). Before apply, so that particle
 * surfaces and the selection find the split ids. */
static gboolean
split_particles (EvoxSession   *session,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autoptr (EvoxLabels) labels = NULL;
  g_autofree double *split_h = NULL;
  guint n_splits;

  if (evox_session_get_prepared_labels (session) == NULL)
    return TRUE;
  split_h = evox_session_dup_particle_splits (session, &n_splits);
  labels = g_object_ref (evox_session_get_prepared_labels (session));
  for (guint i = 0; i < n_splits; i++)
    {
      g_autoptr (EvoxLabels) split = evox_watershed_split (labels, split_h[i], NULL, cancellable,
                                                           error);

      if (split == NULL)
        return FALSE;
      g_set_object (&labels, split);
    }
  evox_session_set_prepared_labels (session, labels);
  return TRUE;
}

/* Off the main thread: the hash and the read both pass over the whole input. */
static void
restore_work (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  RestoreData *data = task_data;
  GError *error = NULL;
  EvoxVolume *volume, *shown = NULL;

  if (!evox_session_check_input (data->session, &data->warning, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  volume = evox_session_load_input (data->session, NULL, cancellable, &error);
  if (volume == NULL)
    g_task_return_error (task, error);
  else if (!register_again (data->session, volume, cancellable, &shown, &error) ||
           !map_again (data->session, shown, cancellable, &error) ||
           !elements_again (data->session, shown, cancellable, &error) ||
           !evox_session_prepare (data->session, shown, cancellable, &error) ||
           !split_particles (data->session, cancellable, &error))
    {
      g_object_unref (volume);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, volume, g_object_unref);
}

static void
show_session_error (EvoxWindow  *self,
                    EvoxSession *session,
                    const char  *path,
                    GError      *error)
{
  g_autofree char *name = g_filename_display_basename (session != NULL ?
                                                       evox_session_get_path (session) : path);
  g_autofree char *message = g_strdup_printf (_("Could not open session “%s”. %s"), name,
                                              error->message);

  evox_window_show_error (self, message);
}

/* Clusters are analysis, which io does not link: the window runs the recorded clustering again
 * (k-means with the same features, mask, scaling, PCA, k and seed gives the same labels) and
 * puts the recorded names, colours and visibility back. */
static const char *
cluster_info (JsonObject *info,
              const char *key)
{
  JsonNode *node = json_object_get_member (info, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static const char *
cluster_info_string (gpointer    info,
                     const char *key)
{
  return cluster_info (info, key);
}

/* Merged clusters are the run's clusters merged again in the recorded order: the run is read
 * from the info as it was before the first merge ("unmerged-k"; "merges" would refuse it). */
static const char *
cluster_run_info_string (gpointer    info,
                         const char *key)
{
  if (g_strcmp0 (key, "merges") == 0)
    return NULL;
  if (g_strcmp0 (key, "k") == 0 && cluster_info (info, "unmerged-k") != NULL)
    return cluster_info (info, "unmerged-k");
  return cluster_info (info, key);
}

static JsonObject *
session_clusters (EvoxSession *session)
{
  JsonNode *node = json_object_get_member (evox_session_get_root (session), "clusters");

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

typedef struct
{
  EvoxWindow  *window;   /* weak: a closed window drops the result */
  EvoxSession *session;
} ClusterJob;

static void
cluster_job_free (ClusterJob *job)
{
  g_clear_weak_pointer (&job->window);
  g_clear_object (&job->session);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ClusterJob, cluster_job_free)

static void
clusters_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (ClusterJob) job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxClusteringResult) run = evox_clustering_run_finish (result, &error);
  EvoxWindow *self = job->window;
  JsonObject *clusters = session_clusters (job->session);
  JsonNode *list_node = clusters != NULL ? json_object_get_member (clusters, "clusters") : NULL;
  JsonNode *info;
  JsonArray *list;
  const char *pairs;
  gboolean untouched;
  g_autoptr (EvoxClusters) made = NULL;

  if (self == NULL || self->document == NULL)
    return;
  if (run == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The session’s clusters could not be "
                                                    "made again: %s"), error->message);

      evox_window_show_error (self, message);
      return;
    }
  info = clusters != NULL ? json_object_get_member (clusters, "info") : NULL;
  pairs = info != NULL && JSON_NODE_HOLDS_OBJECT (info) ?
          cluster_info (json_node_get_object (info), "merge-pairs") : NULL;
  made = evox_clusters_replay_merges (run->clusters[0], pairs != NULL ? pairs : "", &error);
  if (made == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The session’s clusters could not be "
                                                    "merged again: %s"), error->message);

      evox_window_show_error (self, message);
      return;
    }
  /* The clusters are part of what the session restores, where the history starts, unless the
   * user edited something while they were computed. */
  evox_history_flush (self->history);
  untouched = evox_history_get_n_undo (self->history) == 0;
  if (!evox_document_set_clusters (self->document, made))
    return;
  list = list_node != NULL && JSON_NODE_HOLDS_ARRAY (list_node) ?
         json_node_get_array (list_node) : NULL;
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *id_node = entry != NULL ? json_object_get_member (entry, "id") : NULL;
      JsonNode *visible = entry != NULL ? json_object_get_member (entry, "visible") : NULL;
      const char *name = entry != NULL ? cluster_info (entry, "name") : NULL;
      const char *color = entry != NULL ? cluster_info (entry, "color") : NULL;
      gint64 id;

      if (id_node == NULL || !JSON_NODE_HOLDS_VALUE (id_node) ||
          json_node_get_value_type (id_node) != G_TYPE_INT64)
        continue;
      id = json_node_get_int (id_node);
      if (id < 1 || id > evox_clusters_get_k (made))
        continue;
      if (name != NULL && *name != '\0')
        evox_clusters_set_name (made, (guint) id, name);
      if (evox_color_is_valid (color))
        evox_clusters_set_color (made, (guint) id, color);
      if (visible != NULL && JSON_NODE_HOLDS_VALUE (visible) &&
          json_node_get_value_type (visible) == G_TYPE_BOOLEAN)
        evox_clusters_set_visible (made, (guint) id, json_node_get_boolean (visible));
    }
  if (untouched)
    evox_history_clear (self->history);
}

static void
restore_clusters (EvoxWindow  *self,
                  EvoxSession *session)
{
  JsonObject *clusters = session_clusters (session);
  JsonNode *info_node = clusters != NULL ? json_object_get_member (clusters, "info") : NULL;
  EvoxVolume *volume = evox_document_get_volume (self->document);
  EvoxClusteringParams params;
  g_autofree guint *channels = NULL;
  JsonObject *info;
  ClusterJob *job;

  /* The Metrics page's percolation overlay: its classes made again from the phase it records
   * (a labelling, no clustering run). */
  if (info_node != NULL && JSON_NODE_HOLDS_OBJECT (info_node) &&
      g_strcmp0 (cluster_info (json_node_get_object (info_node), "source"), "percolation") == 0)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (EvoxClusters) overlay =
        evox_percolation_clusters_from_info (volume, cluster_info_string,
                                             json_node_get_object (info_node), &error);

      if (overlay == NULL || !evox_document_set_clusters (self->document, overlay))
        {
          g_autofree char *message = g_strdup_printf (_("The session’s percolation overlay could "
                                                        "not be made again: %s"),
                                                      error != NULL ? error->message :
                                                      _("other dimensions"));

          evox_window_show_error (self, message);
        }
      /* Made at once, after the history was cleared: part of what the session restores too,
       * not a step to undo (it was one, "Show Percolation"). */
      else
        evox_history_clear (self->history);
      return;
    }
  /* Older sessions lack the run's numbers, and merged clusters of older sessions the merges. */
  if (info_node == NULL || !JSON_NODE_HOLDS_OBJECT (info_node))
    return;
  info = json_node_get_object (info_node);
  if (!evox_clustering_params_from_info (volume,
                                         cluster_info (info, "merge-pairs") != NULL ?
                                         cluster_run_info_string : cluster_info_string,
                                         info, &params, &channels, NULL))
    return;
  job = g_new0 (ClusterJob, 1);
  g_set_weak_pointer (&job->window, self);
  job->session = g_object_ref (session);
  evox_clustering_run_async (volume, &params, FALSE, NULL, NULL, clusters_done, job);
}

/* The Metrics page's table, computed again in the background from the record's settings; a
 * record the page cannot compute stays in the session for `evox apply`: NULL, or what to tell
 * the user. */
static char *
restore_metrics (EvoxWindow  *self,
                 EvoxSession *session)
{
  JsonObject *record = evox_json_get_object (evox_session_get_root (session), "metrics");
  g_autoptr (GError) error = NULL;

  if (record == NULL ||
      evox_metrics_panel_compute_record (EVOX_METRICS_PANEL (self->metrics_panel), record,
                                         &error))
    return NULL;
  return g_strdup_printf (_("The session’s electrode metrics were not computed again: %s "
                            "(kept in the session: evox apply runs them)"), error->message);
}

/* The Registration page shows the settings of the registration the session brought back, so
 * that Run again registers as it was registered. */
static void
sync_registration_page (EvoxWindow  *self,
                        EvoxSession *session)
{
  g_autoptr (GArray) exclude = NULL;
  EvoxRegisterOptions options;
  gboolean raw_view;

  if (evox_document_get_registration (self->document) == NULL ||
      !registration_options (session, &options, &exclude, &raw_view))
    return;
  g_object_set (self->registration_panel, "reference-ev", options.reference_ev,
                "scale", (int) options.scale, "excluded", "", NULL);
  for (guint i = 0; i < options.n_exclude; i++)
    evox_registration_panel_set_excluded (EVOX_REGISTRATION_PANEL (self->registration_panel),
                                          options.exclude_ev[i], TRUE);
}

static void
finish_restore (EvoxWindow  *self,
                EvoxSession *session,
                EvoxVolume  *volume,
                const char  *warning)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *note = evox_session_dup_records_note (session);

  /* A file still loading would replace the session's volume when it arrives. */
  evox_window_cancel_load (self);
  if (!evox_session_apply (session, self->document, volume, &error))
    show_session_error (self, session, NULL, error);
  else
    {
      g_autofree char *metrics = NULL;
      g_autofree char *said = NULL;
      const char *lines[4];
      guint n = 0;

      sync_registration_page (self, session);
      /* What the session set is where the user starts, not steps to undo. */
      evox_history_clear (self->history);
      apply_cameras (self, session);
      apply_page (self, session);
      restore_clusters (self, session);
      metrics = restore_metrics (self, session);
      /* The records the window keeps but does not compute are said with the changed input. */
      if (warning != NULL)
        lines[n++] = warning;
      if (note != NULL)
        lines[n++] = note;
      if (metrics != NULL)
        lines[n++] = metrics;
      lines[n] = NULL;
      said = n > 0 ? g_strjoinv ("\n", (char **) lines) : NULL;
      evox_window_show_error (self, said);
    }
  remember_session (self, session);
}

static void
changed_input_response (GtkDialog  *dialog,
                        int         response,
                        EvoxWindow *self)
{
  EvoxSession *session = g_object_get_data (G_OBJECT (dialog), "session");
  EvoxVolume *volume = g_object_get_data (G_OBJECT (dialog), "volume");
  const char *warning = g_object_get_data (G_OBJECT (dialog), "warning");

  if (response == GTK_RESPONSE_ACCEPT)
    finish_restore (self, session, volume, warning);
  else
    {
      g_autofree char *name = g_filename_display_basename (evox_session_get_path (session));
      g_autofree char *message = g_strdup_printf (_("Session “%s” was not opened: its input "
                                                    "changed"), name);

      evox_window_show_error (self, message);
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The input is not what the session was made from: the user decides before anything is
 * replaced. GtkAlertDialog is GTK 4.10; the message dialog works on Debian 12's 4.8 too. */
static void
ask_about_changed_input (EvoxWindow  *self,
                         EvoxSession *session,
                         EvoxVolume  *volume,
                         const char  *warning)
{
  GtkWidget *dialog;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE,
                                   _("The session’s input changed"));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", warning);
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Open Anyway"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_object_set_data_full (G_OBJECT (dialog), "session", g_object_ref (session), g_object_unref);
  g_object_set_data_full (G_OBJECT (dialog), "volume", g_object_ref (volume), g_object_unref);
  g_object_set_data_full (G_OBJECT (dialog), "warning", g_strdup (warning), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (changed_input_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
restore_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  EvoxWindow *self = EVOX_WINDOW (source);
  RestoreData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) volume = g_task_propagate_pointer (G_TASK (result), &error);

  /* Closed while reading. */
  if (self->document == NULL)
    return;
  if (volume == NULL)
    {
      /* The document is untouched: what was shown stays. */
      show_session_error (self, data->session, NULL, error);
      return;
    }
  if (data->warning != NULL)
    ask_about_changed_input (self, data->session, volume, data->warning);
  else
    finish_restore (self, data->session, volume, NULL);
}

static void
start_restore (EvoxWindow  *self,
               EvoxSession *session)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, restore_done, NULL);
  RestoreData *data = g_new0 (RestoreData, 1);

  data->session = g_object_ref (session);
  g_task_set_task_data (task, data, (GDestroyNotify) restore_data_free);
  g_task_run_in_thread (task, restore_work);
}

static void
find_input_response (GtkNativeDialog *chooser,
                     int              response,
                     EvoxWindow      *self)
{
  EvoxSession *session = g_object_get_data (G_OBJECT (chooser), "session");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          evox_session_set_input (session, path);
          start_restore (self, session);
        }
    }
  g_object_unref (chooser);
}

/* The input moved: the user says where it is now (a file, or a folder of slices or spectra). */
static void
ask_for_input (EvoxWindow  *self,
               EvoxSession *session,
               GError      *error)
{
  const char *input = evox_session_get_input (session);
  gboolean folder = evox_session_get_input_is_folder (session);
  g_autofree char *name = g_filename_display_basename (input != NULL ? input : "");
  g_autofree char *title = g_strdup_printf (_("Where Is “%s”?"), name);
  GtkFileChooserNative *chooser;

  evox_window_show_error (self, error->message);
  chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self),
                                         folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER :
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                         _("_Cancel"));
  g_object_set_data_full (G_OBJECT (chooser), "session", g_object_ref (session),
                          g_object_unref);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (find_input_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

void
evox_window_open_session (EvoxWindow *self,
                          GFile      *file)
{
  g_autofree char *path = NULL;
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GError) error = NULL;
  const char *input;

  g_return_if_fail (EVOX_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("only local files can be opened"));
      show_session_error (self, NULL, uri, error);
      return;
    }
  session = evox_session_load (path, &error);
  if (session == NULL)
    {
      show_session_error (self, NULL, path, error);
      return;
    }
  input = evox_session_get_input (session);
  if (!evox_session_get_input_is_demo (session) &&
      (input == NULL || !g_file_test (input, G_FILE_TEST_EXISTS)))
    {
      g_autofree char *name = g_filename_display_basename (path);
      g_autofree char *missing = g_filename_display_name (input != NULL ? input : "");

      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("The input of session “%s”, “%s”, is missing: choose where it is now"),
                   name, missing);
      ask_for_input (self, session, error);
      return;
    }
  start_restore (self, session);
}

static void
save_session_response (GtkNativeDialog *chooser,
                       int              response,
                       EvoxWindow      *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;

      /* The chooser has already asked before replacing a file. */
      if (path != NULL && evox_window_save_session (self, path, TRUE, &error))
        evox_window_show_saved (self, path);
      else if (path != NULL)
        {
          g_autofree char *message = g_strdup_printf (_("Could not save the session: %s"),
                                                      error->message);
          evox_window_show_error (self, message);
        }
    }
  g_object_unref (chooser);
}

static void
save_session_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  static const char *sessions[] = { "*.evox", NULL };
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  const char *title = evox_document_get_title (self->document);
  g_autofree char *stem = g_strdup (title != NULL ? title : "session");
  g_autofree char *suggested = NULL;
  GtkFileChooserNative *chooser;
  char *dot = strrchr (stem, '.');

  if (dot != NULL && dot != stem)
    *dot = '\0';
  suggested = g_strconcat (stem, ".evox", NULL);
  chooser = gtk_file_chooser_native_new (_("Save Session"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Evox sessions"));
  for (guint i = 0; sessions[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, sessions[i]);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (save_session_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_session_response (GtkNativeDialog *chooser,
                       int              response,
                       EvoxWindow      *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        evox_window_open_session (self, file);
    }
  g_object_unref (chooser);
}

static void
open_session_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Open Session"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                         _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Evox sessions"));
  gtk_file_filter_add_pattern (filter, "*.evox");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (open_session_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Methods… (the main menu): the methods paragraph of what the window holds now, as its session would
 * record it, in a window with Copy and Save…. */

static void
methods_copy_clicked (GtkButton     *button,
                      GtkTextBuffer *buffer)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), text);
}

static void
methods_save_response (GtkNativeDialog *chooser,
                       int              response,
                       GtkTextBuffer   *buffer)
{
  GtkWindow *parent = gtk_native_dialog_get_transient_for (chooser);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *text = NULL;
      GtkTextIter start, end;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      /* The chooser has already asked before replacing a file. */
      if (path != NULL && !evox_csv_write_text (path, text, strlen (text), TRUE, &error))
        {
          GtkWindow *main = gtk_window_get_transient_for (parent);
          g_autofree char *message = g_strdup_printf (_("Could not save the methods: %s"),
                                                      error->message);

          if (EVOX_IS_WINDOW (main))
            evox_window_show_error (EVOX_WINDOW (main), message);
        }
    }
  g_object_unref (buffer);
  g_object_unref (chooser);
}

static void
methods_save_clicked (GtkButton     *button,
                      GtkTextBuffer *buffer)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Save Methods"),
                                         GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (button))),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "methods.txt");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (methods_save_response),
                    g_object_ref (buffer));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
show_methods_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  EvoxWindow *self = EVOX_WINDOW (widget);
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  GtkWidget *window, *box, *scrolled, *view, *buttons, *copy, *save;
  GtkTextBuffer *buffer;

  session = capture_window (self, &error);
  if (session == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("No methods to write: %s"), error->message);

      evox_window_show_error (self, message);
      return;
    }
  text = evox_methods_format (session, evox_document_get_volume (self->document));

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), _("Methods"));
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (self));
  gtk_window_set_destroy_with_parent (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 720, 520);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  scrolled = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scrolled, TRUE);
  view = gtk_text_view_new ();
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 6);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  gtk_text_buffer_set_text (buffer, text, -1);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  copy = gtk_button_new_with_mnemonic (_("_Copy"));
  save = gtk_button_new_with_mnemonic (_("_Save…"));
  g_signal_connect (copy, "clicked", G_CALLBACK (methods_copy_clicked), buffer);
  g_signal_connect (save, "clicked", G_CALLBACK (methods_save_clicked), buffer);
  gtk_box_append (GTK_BOX (buttons), copy);
  gtk_box_append (GTK_BOX (buttons), save);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
}

void
_evox_window_install_session_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.show-methods", NULL, show_methods_action);
  gtk_widget_class_install_action (widget_class, "win.save-session", NULL, save_session_action);
  gtk_widget_class_install_action (widget_class, "win.open-session", NULL, open_session_action);
}

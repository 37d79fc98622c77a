/* evox-cli-apply.c: `evox apply`, a session's analysis run on many samples, and `--session`. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evox-cli-apply-steps.h"
#include "evox-cli-maps.h"
#include "evox-cli-private.h"
#include "evox-clustering.h"
#include "evox-csv.h"
#include "evox-json.h"
#include "evox-isosurface.h"
#include "evox-mesh-writer.h"
#include "evox-percolation.h"
#include "evox-session.h"

#define SUMMARY_NAME "summary.csv"

/* What every sample shares: read-only while the pool runs. */
typedef struct
{
  const char   *session_path;
  gboolean      force;
  GCancellable *cancellable;  /* Ctrl-C (SIGINT) or SIGTERM */
} Shared;

/* One FILE: where its outputs go and, once run, what came out. */
typedef struct
{
  const Shared *shared;
  char         *file;
  char         *name;       /* the sample's folder name, unique among the samples */
  char         *folder;
  gboolean      ok;
  char         *message;    /* why it failed */
  GArray       *fractions;  /* double per phase of the session */
  gint64        particles;  /* -1: the session has none */
  GArray       *sizes;      /* guint64 voxels per cluster, 1..k */
  GPtrArray    *columns;    /* the subcommand records' summary columns (evox-cli-apply-steps.h) */
  GPtrArray    *values;     /* and their values, as text */
} Sample;

static void
sample_free (Sample *self)
{
  g_free (self->file);
  g_free (self->name);
  g_free (self->folder);
  g_free (self->message);
  g_array_unref (self->fractions);
  g_array_unref (self->sizes);
  g_ptr_array_unref (self->columns);
  g_ptr_array_unref (self->values);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sample, sample_free)

static const char *
info_string (gpointer    info,
             const char *key)
{
  return evox_json_get_string (info, key);
}

/* The clustering the session recorded (its run.* numbers), as the window runs it again. */
static gboolean
cluster_params (JsonObject            *clusters,
                EvoxVolume            *volume,
                EvoxClusteringParams  *params,
                guint                **channels,
                GError               **error)
{
  return evox_clustering_params_from_info (volume, info_string,
                                           evox_json_get_object (clusters, "info"), params,
                                           channels, error);
}

/* The clusters again, with the names the session gave them. */
static EvoxClusters *
make_clusters (JsonObject    *clusters,
               EvoxVolume    *volume,
               GError       **error)
{
  EvoxClusteringParams params;
  g_autofree guint *channels = NULL;
  g_autoptr (EvoxClusteringResult) run = NULL;
  JsonNode *list_node = json_object_get_member (clusters, "clusters");
  JsonArray *list = list_node != NULL && JSON_NODE_HOLDS_ARRAY (list_node) ?
                    json_node_get_array (list_node) : NULL;
  JsonObject *info = evox_json_get_object (clusters, "info");
  EvoxClusters *made;

  /* The Metrics page's percolation overlay is made again by a labelling, not a clustering run. */
  if (g_strcmp0 (evox_json_get_string (info, "source"), "percolation") == 0)
    return evox_percolation_clusters_from_info (volume, info_string, info, error);
  if (!cluster_params (clusters, volume, &params, &channels, error))
    return NULL;
  run = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, error);
  if (run == NULL)
    return NULL;
  made = g_object_ref (run->clusters[0]);
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *id = entry != NULL ? json_object_get_member (entry, "id") : NULL;
      const char *name = evox_json_get_string (entry, "name");

      if (id != NULL && JSON_NODE_HOLDS_VALUE (id) &&
          json_node_get_value_type (id) == G_TYPE_INT64 && json_node_get_int (id) >= 1 &&
          json_node_get_int (id) <= evox_clusters_get_k (made) && name != NULL && *name != '\0')
        evox_clusters_set_name (made, (guint) json_node_get_int (id), name);
    }
  return made;
}

/* id,name,voxels,fraction: the cluster sizes, fractions of the voxels clustered. */
static char *
format_cluster_sizes (EvoxClusters *clusters)
{
  GString *text = g_string_new ("cluster,name,voxels,fraction\n");

  for (guint id = 1; id <= evox_clusters_get_k (clusters); id++)
    {
      g_autofree char *name = g_strdup (evox_clusters_get_name (clusters, id));

      /* Names are the user's: no comma or quote may break the row. */
      g_strcanon (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.+#()",
                  '_');
      g_string_append_printf (text, "%u,%s,%" G_GUINT64_FORMAT ",", id, name,
                              evox_clusters_get_voxels (clusters, id));
      evox_csv_append_double (text, evox_clusters_get_fraction (clusters, id));
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

/* The files a sample of this session gets, in the order they are written. */
static GPtrArray *
output_names (JsonObject *root)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  JsonNode *phases = json_object_get_member (root, "phases");
  JsonNode *surfaces = json_object_get_member (root, "surfaces");

  if (phases != NULL && JSON_NODE_HOLDS_ARRAY (phases) &&
      json_array_get_length (json_node_get_array (phases)) > 0)
    g_ptr_array_add (names, g_strdup ("fractions.csv"));
  if (evox_json_get_object (root, "particles") != NULL)
    g_ptr_array_add (names, g_strdup ("particles.csv"));
  if (surfaces != NULL && JSON_NODE_HOLDS_ARRAY (surfaces))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (surfaces)); i++)
      g_ptr_array_add (names, g_strdup_printf ("surface-%u.ply", i + 1));
  if (evox_json_get_object (root, "clusters") != NULL)
    g_ptr_array_add (names, g_strdup ("clusters.csv"));
  _evox_cli_steps_add_outputs (root, names);
  return names;
}

/* Whether the session holds what a document of the sample computes (phases, particles,
 * surfaces, clusters); a session of subcommand records alone need not read the sample here. */
static gboolean run_document (Sample  *sample,
                              GError **error);

static gboolean
has_document_work (JsonObject *root)
{
  JsonNode *phases = json_object_get_member (root, "phases");
  JsonNode *surfaces = json_object_get_member (root, "surfaces");

  return (phases != NULL && JSON_NODE_HOLDS_ARRAY (phases) &&
          json_array_get_length (json_node_get_array (phases)) > 0) ||
         (surfaces != NULL && JSON_NODE_HOLDS_ARRAY (surfaces) &&
          json_array_get_length (json_node_get_array (surfaces)) > 0) ||
         evox_json_get_object (root, "particles") != NULL ||
         evox_json_get_object (root, "clusters") != NULL || !_evox_cli_steps_any (root);
}

/* What is in folder now (names), so a failed sample removes only what it added. */
static GHashTable *
list_folder (const char *folder)
{
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_hash_table_add (names, g_strdup (name));
  return names;
}

/* Removes what folder holds beyond before (a folder one level deep too), and folder itself
 * when it is then empty. */
static void
remove_added (const char *folder,
              GHashTable *before)
{
  g_autoptr (GHashTable) now = list_folder (folder);
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    {
      g_autofree char *path = NULL;

      if (g_hash_table_contains (before, name))
        continue;
      path = g_build_filename (folder, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        {
          g_autoptr (GHashTable) none = g_hash_table_new (g_str_hash, g_str_equal);

          remove_added (path, none);
        }
      else
        g_unlink (path);
    }
  g_rmdir (folder);
}

/* The heavy part, on a pool thread: read, apply, compute, then write every file or none; then
 * the subcommand records, each as its subcommand. The session is loaded again here so no
 * object is shared between samples. */
static gboolean
run_sample (Sample  *sample,
            GError **error)
{
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GHashTable) before = list_folder (sample->folder);

  if (g_cancellable_set_error_if_cancelled (sample->shared->cancellable, error))
    return FALSE;
  session = evox_session_load (sample->shared->session_path, error);
  if (session == NULL)
    return FALSE;
  if (has_document_work (evox_session_get_root (session)) &&
      !run_document (sample, error))
    {
      remove_added (sample->folder, before);
      return FALSE;
    }
  if (g_mkdir_with_parents (sample->folder, 0777) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot make folder “%s”: %s"), sample->folder, g_strerror (saved_errno));
      return FALSE;
    }
  if (!_evox_cli_steps_run (session, sample->file, sample->folder, sample->shared->force,
                            sample->columns, sample->values, sample->shared->cancellable, error) ||
      g_cancellable_set_error_if_cancelled (sample->shared->cancellable, error))
    {
      /* A sample's folder is whole or absent: what this run added goes. */
      remove_added (sample->folder, before);
      return FALSE;
    }
  return TRUE;
}

/* The document's part of a sample: read, apply, compute, then write every file or none. */
static gboolean
run_document (Sample  *sample,
              GError **error)
{
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (EvoxSsrmOptions) ssrm = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (EvoxDocument) document = NULL;
  g_autoptr (EvoxFractionTable) table = NULL;
  g_autoptr (EvoxClusters) clusters = NULL;
  g_autoptr (GPtrArray) meshes = g_ptr_array_new_with_free_func ((GDestroyNotify) evox_mesh_unref);
  g_autoptr (GPtrArray) written = g_ptr_array_new_with_free_func (g_free);
  EvoxLoadOptions options = { 0 };
  EvoxSurfaceList *surfaces;
  EvoxPhaseList *phases;
  EvoxLabels *labels;
  JsonObject *root;
  gboolean force = sample->shared->force;
  gboolean ok = TRUE;
  guint bin;

  session = evox_session_load (sample->shared->session_path, error);
  if (session == NULL)
    return FALSE;
  root = evox_session_get_root (session);
  evox_session_set_input (session, sample->file);
  evox_session_get_load_options (session, &ssrm, &bin);
  options.ssrm = ssrm;
  options.bin = bin;
  volume = evox_volume_load_with (sample->file, &options, NULL, NULL, error);
  if (volume == NULL || !evox_volume_build_histograms (volume, NULL, NULL, error))
    return FALSE;
  _evox_cli_warn_reduced (volume, sample->file, NULL);
  if (!evox_session_prepare (session, volume, NULL, error))
    return FALSE;
  document = evox_document_new ();
  if (!evox_session_apply (session, document, volume, error))
    return FALSE;

  phases = evox_document_get_phases (document);
  if (evox_phase_list_get_n_phases (phases) > 0)
    {
      table = evox_fraction_table_new (volume, evox_document_get_channel (document),
                                       evox_document_get_basis (document), phases, NULL, error);
      if (table == NULL)
        return FALSE;
      for (guint i = 0; i < table->n_rows; i++)
        {
          double fraction = evox_fraction_table_get_fraction (table, i, -1);

          g_array_append_val (sample->fractions, fraction);
        }
    }
  labels = evox_document_get_labels (document);
  if (evox_json_get_object (root, "particles") != NULL)
    sample->particles = labels != NULL ? evox_labels_get_n_particles (labels) : 0;
  /* The document builds surfaces off a main loop this command does not run: built here. */
  surfaces = evox_document_get_surfaces (document);
  for (guint i = 0; i < evox_surface_list_get_n_surfaces (surfaces); i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (surfaces, i);
      EvoxMesh *mesh = evox_isosurface_build (volume, labels, evox_surface_get_spec (surface),
                                              NULL, NULL, error);

      if (mesh == NULL)
        {
          g_prefix_error (error, _("surface “%s”: "), evox_surface_get_name (surface));
          return FALSE;
        }
      g_ptr_array_add (meshes, mesh);
    }
  if (evox_json_get_object (root, "clusters") != NULL)
    {
      clusters = make_clusters (evox_json_get_object (root, "clusters"), volume, error);
      if (clusters == NULL)
        {
          g_prefix_error (error, _("clusters: "));
          return FALSE;
        }
      for (guint id = 1; id <= evox_clusters_get_k (clusters); id++)
        {
          guint64 voxels = evox_clusters_get_voxels (clusters, id);

          g_array_append_val (sample->sizes, voxels);
        }
    }

  if (g_mkdir_with_parents (sample->folder, 0777) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot make folder “%s”: %s"), sample->folder, g_strerror (saved_errno));
      return FALSE;
    }
#define OUT(name) (g_ptr_array_add (written, g_build_filename (sample->folder, name, NULL)), \
                   (const char *) written->pdata[written->len - 1])
  if (ok && table != NULL)
    ok = evox_csv_write_fraction_table (OUT ("fractions.csv"), table, force, error);
  if (ok && sample->particles >= 0)
    {
      /* No labels: the session's particles were of a channel this sample lacks; the header
       * alone. */
      ok = evox_csv_write_particles (OUT ("particles.csv"), labels != NULL ? &labels : NULL,
                                     labels != NULL ? 1 : 0, force, error);
    }
  for (guint i = 0; ok && i < meshes->len; i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (surfaces, i);
      g_autofree char *name = g_strdup_printf ("surface-%u.ply", i + 1);
      float rgba[4];
      guint8 bytes[4];

      evox_surface_get_rgba (surface, rgba);
      for (guint c = 0; c < 4; c++)
        bytes[c] = (guint8) lrintf (CLAMP (rgba[c], 0.0f, 1.0f) * 255.0f);
      ok = evox_mesh_write_for_volume (meshes->pdata[i], volume, OUT (name), EVOX_MESH_FORMAT_PLY,
                                       bytes, force, error);
    }
  if (ok && clusters != NULL)
    {
      g_autofree char *text = format_cluster_sizes (clusters);

      ok = evox_csv_write_text (OUT ("clusters.csv"), text, strlen (text), force, error);
    }
#undef OUT
  if (!ok)
    {
      /* The one that failed wrote nothing; the ones before it go, so a sample is whole or
       * absent. */
      for (guint i = 0; i + 1 < written->len; i++)
        g_unlink (written->pdata[i]);
      return FALSE;
    }
  return TRUE;
}

static void
sample_work (gpointer data,
             gpointer user_data)
{
  Sample *sample = data;
  g_autoptr (GError) error = NULL;

  sample->ok = run_sample (sample, &error);
  if (!sample->ok)
    {
      sample->message = g_strdup (error->message);
      g_array_set_size (sample->fractions, 0);
      g_array_set_size (sample->sizes, 0);
      g_ptr_array_set_size (sample->columns, 0);
      g_ptr_array_set_size (sample->values, 0);
      sample->particles = sample->particles >= 0 ? 0 : -1;
    }
}

/* A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
static void
append_field (GString    *row,
              const char *text)
{
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (row, text);
      return;
    }
  g_string_append_c (row, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (row, '"');
      g_string_append_c (row, *p);
    }
  g_string_append_c (row, '"');
}

/* One row per sample, in the order given: the columns come from the session (its phases'
 * names, its particles, its k), so every row has them; a failed sample leaves them empty. */
static char *
format_summary (JsonObject *root,
                GPtrArray  *samples)
{
  GString *text = g_string_new ("file,sample,status,message");
  JsonNode *node = json_object_get_member (root, "phases");
  JsonArray *phases = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ?
                      json_node_get_array (node) : NULL;
  gboolean has_particles = evox_json_get_object (root, "particles") != NULL;
  g_autoptr (GPtrArray) columns = g_ptr_array_new ();
  guint n_phases = 0, k = 0;

  /* Every sample that succeeded had the same phases (they come from the session). */
  for (guint i = 0; i < samples->len; i++)
    {
      Sample *sample = samples->pdata[i];

      if (sample->ok)
        {
          n_phases = MAX (n_phases, sample->fractions->len);
          k = MAX (k, sample->sizes->len);
          /* The records' columns, in the order they first came. */
          for (guint c = 0; c < sample->columns->len; c++)
            if (!g_ptr_array_find_with_equal_func (columns, sample->columns->pdata[c],
                                                   g_str_equal, NULL))
              g_ptr_array_add (columns, sample->columns->pdata[c]);
        }
    }
  for (guint p = 0; p < n_phases; p++)
    {
      JsonNode *entry = phases != NULL && p < json_array_get_length (phases) ?
                        json_array_get_element (phases, p) : NULL;
      const char *name = entry != NULL && JSON_NODE_HOLDS_OBJECT (entry) ?
                         evox_json_get_string (json_node_get_object (entry), "name") : NULL;
      g_autofree char *column = g_strdup_printf ("fraction %s", name != NULL ? name : "");

      g_string_append_c (text, ',');
      append_field (text, column);
    }
  if (has_particles)
    g_string_append (text, ",particles");
  for (guint id = 1; id <= k; id++)
    g_string_append_printf (text, ",cluster %u voxels", id);
  for (guint c = 0; c < columns->len; c++)
    {
      g_string_append_c (text, ',');
      append_field (text, columns->pdata[c]);
    }
  g_string_append_c (text, '\n');

  for (guint i = 0; i < samples->len; i++)
    {
      Sample *sample = samples->pdata[i];

      append_field (text, sample->file);
      g_string_append_c (text, ',');
      append_field (text, sample->name);
      g_string_append (text, sample->ok ? ",ok," : ",failed,");
      append_field (text, sample->message != NULL ? sample->message : "");
      for (guint p = 0; p < n_phases; p++)
        {
          g_string_append_c (text, ',');
          if (p < sample->fractions->len)
            evox_csv_append_double (text, g_array_index (sample->fractions, double, p));
        }
      if (has_particles)
        {
          g_string_append_c (text, ',');
          if (sample->ok)
            g_string_append_printf (text, "%" G_GINT64_FORMAT, sample->particles);
        }
      for (guint id = 0; id < k; id++)
        {
          g_string_append_c (text, ',');
          if (id < sample->sizes->len)
            g_string_append_printf (text, "%" G_GUINT64_FORMAT,
                                    g_array_index (sample->sizes, guint64, id));
        }
      for (guint c = 0; c < columns->len; c++)
        {
          guint at;

          g_string_append_c (text, ',');
          if (g_ptr_array_find_with_equal_func (sample->columns, columns->pdata[c], g_str_equal,
                                                &at))
            append_field (text, sample->values->pdata[at]);
        }
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

/* The file's name without its folder and last extension, made unique among the samples. */
static char *
sample_name (const char *file,
             GHashTable *taken)
{
  g_autofree char *base = g_path_get_basename (file);
  char *dot = strrchr (base, '.');
  char *name;

  if (dot != NULL && dot != base)
    *dot = '\0';
  if (g_str_equal (base, ".") || g_str_equal (base, G_DIR_SEPARATOR_S) || *base == '\0')
    {
      g_free (base);
      base = g_strdup ("sample");
    }
  name = g_strdup (base);
  for (guint n = 2; g_hash_table_contains (taken, name); n++)
    {
      g_free (name);
      name = g_strdup_printf ("%s-%u", base, n);
    }
  g_hash_table_add (taken, g_strdup (name));
  return name;
}

int
_evox_cli_apply (int    argc,
                 char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("SESSION.evox FILE..."));
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxSession) session = NULL;
  g_autoptr (GPtrArray) samples = g_ptr_array_new_with_free_func ((GDestroyNotify) sample_free);
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *outdir = NULL;
  g_autofree char *summary_path = NULL;
  g_autofree char *summary = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  Shared shared = { 0 };
  gboolean force = FALSE;
  int jobs = 1;
  guint failed = 0;
  const GOptionEntry entries[] = {
    { "outdir", 'o', 0, G_OPTION_ARG_FILENAME, &outdir,
      N_("Folder for the samples' folders and " SUMMARY_NAME " (default: the current folder; "
         "made when missing)"), "DIR" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
      N_("Samples run at the same time (default 1)"), "N" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, N_("Replace output files that exist"), NULL },
    { NULL }
  };

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Run a session's analysis on each FILE: read it with the session's reading options, apply\n"
      "its voxel size, phases, particles, surfaces and clusters (k-means run again with the\n"
      "recorded parameters), and write into DIR/SAMPLE/ what the window's exports write:\n"
      "fractions.csv, particles.csv, surface-N.ply and clusters.csv (cluster sizes). The\n"
      "records of register, xanes, elements, reconstruct, metrics and render in the session,\n"
      "and the window's XANES and elemental maps (as xanes and elements), run again as those\n"
      "commands, writing their files there too. DIR/" SUMMARY_NAME " has\n"
      "one row per sample. A sample that fails is reported there and the others go on;\n"
      "the exit status is 0 only when every sample succeeded."));
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return _evox_cli_usage_error (context, "%s", error->message);
  if (argc < 3)
    return _evox_cli_usage_error (context, _("expected SESSION.evox and at least one FILE"));
  if (jobs < 1 || jobs > 256)
    return _evox_cli_usage_error (context, _("--jobs must be from 1 to 256, not %d"), jobs);

  /* Before any thread starts, so every thread (and subcommand) has SIGINT and SIGTERM blocked
   * and only the signal thread takes them. */
  cancellable = _evox_cli_cancel_on_signal ();
  shared.cancellable = cancellable;
  session = evox_session_load (argv[1], &error);
  if (session == NULL)
    return _evox_cli_input_error (error);
  if (outdir == NULL)
    outdir = g_strdup (".");
  names = output_names (evox_session_get_root (session));
  summary_path = g_build_filename (outdir, SUMMARY_NAME, NULL);
  shared.session_path = argv[1];
  /* A sample named after the summary would put its folder where the summary goes. */
  g_hash_table_add (taken, g_strdup (SUMMARY_NAME));
  shared.force = force;

  for (int i = 2; i < argc; i++)
    {
      Sample *sample = g_new0 (Sample, 1);

      sample->shared = &shared;
      sample->file = g_strdup (argv[i]);
      sample->name = sample_name (argv[i], taken);
      sample->folder = g_build_filename (outdir, sample->name, NULL);
      sample->fractions = g_array_new (FALSE, FALSE, sizeof (double));
      sample->sizes = g_array_new (FALSE, FALSE, sizeof (guint64));
      sample->columns = g_ptr_array_new_with_free_func (g_free);
      sample->values = g_ptr_array_new_with_free_func (g_free);
      sample->particles = -1;
      g_ptr_array_add (samples, sample);
    }

  /* Refused before any sample runs: nothing of an earlier run is replaced by half of a new
   * one. */
  if (!force)
    {
      if (g_file_test (summary_path, G_FILE_TEST_EXISTS))
        return _evox_cli_error (EVOX_EXIT_INPUT, _("%s: exists already (use --force to replace "
                                                   "it)"), summary_path);
      for (guint i = 0; i < samples->len; i++)
        for (guint n = 0; n < names->len; n++)
          {
            Sample *sample = samples->pdata[i];
            g_autofree char *path = g_build_filename (sample->folder, names->pdata[n], NULL);

            if (g_file_test (path, G_FILE_TEST_EXISTS))
              return _evox_cli_error (EVOX_EXIT_INPUT, _("%s: exists already (use --force to "
                                                         "replace it)"), path);
          }
    }
  if (g_mkdir_with_parents (outdir, 0777) != 0)
    return _evox_cli_error (EVOX_EXIT_INPUT, _("%s: cannot make the folder: %s"), outdir,
                            g_strerror (errno));

  if (jobs == 1 || samples->len == 1)
    for (guint i = 0; i < samples->len; i++)
      sample_work (samples->pdata[i], NULL);
  else
    {
      GThreadPool *pool = g_thread_pool_new (sample_work, NULL,
                                             (int) MIN ((guint) jobs, samples->len), TRUE,
                                             &error);

      if (pool == NULL)
        return _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message);
      for (guint i = 0; i < samples->len; i++)
        g_thread_pool_push (pool, samples->pdata[i], NULL);
      /* Waits for every sample. */
      g_thread_pool_free (pool, FALSE, TRUE);
    }

  /* Interrupted: the samples that finished keep their folders, whole; the others left none,
   * and no summary is written (it would name samples that never ran). */
  if (g_cancellable_is_cancelled (cancellable))
    {
      guint done = 0;

      for (guint i = 0; i < samples->len; i++)
        done += ((Sample *) samples->pdata[i])->ok;
      return _evox_cli_error (EVOX_EXIT_CANCELLED, _("interrupted: %u of %u samples done and "
                                                     "kept, no %s written"), done, samples->len,
                              summary_path);
    }
  for (guint i = 0; i < samples->len; i++)
    {
      Sample *sample = samples->pdata[i];

      if (sample->ok)
        printf ("%s: ok (%s)\n", sample->file, sample->folder);
      else
        {
          failed++;
          _evox_cli_error (EVOX_EXIT_INPUT, "%s: %s", sample->file, sample->message);
        }
    }
  summary = format_summary (evox_session_get_root (session), samples);
  if (!evox_csv_write_text (summary_path, summary, strlen (summary), force, &error))
    return _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message);
  printf (_("%u of %u samples done; summary in %s\n"), samples->len - failed, samples->len,
          summary_path);
  return failed == 0 ? EVOX_EXIT_OK : EVOX_EXIT_INPUT;
}

/**
 * _evox_cli_save_session:
 * @document: what the command used: its volume (read from input, or the demo), phases,
 *   particles, surfaces, clusters
 * @status: (out): the exit status when this fails (the message is printed)
 *
 * Writes --session OUT.evox; the path was checked with the command's other outputs.
 */
gboolean
_evox_cli_save_session (EvoxDocument *document,
                        const char   *path,
                        gboolean      force,
                        int          *status)
{
  return _evox_cli_save_session_with (document, NULL, NULL, path, force, status);
}

gboolean
_evox_cli_save_session_with (EvoxDocument *document,
                             const char   *key,
                             JsonObject   *record,
                             const char   *path,
                             gboolean      force,
                             int          *status)
{
  g_autoptr (JsonObject) owned = record;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxSession) session = evox_session_capture (document, NULL, &error);

  if (session != NULL && key != NULL)
    json_object_set_object_member (evox_session_get_root (session), key,
                                   g_steal_pointer (&owned));
  if (session == NULL || !evox_session_save (session, path, force, &error))
    {
      *status = _evox_cli_error (_evox_cli_error_status (error), "--session %s: %s", path,
                                 error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
_evox_cli_save_session_record (EvoxVolume *volume,
                               const char *in,
                               const char *key,
                               JsonObject *record,
                               const char *path,
                               gboolean    force,
                               int        *status)
{
  g_autoptr (EvoxDocument) document = evox_document_new ();
  g_autofree char *name = in != NULL ? g_path_get_basename (in) : NULL;

  evox_document_set_volume (document, volume, name, in);
  return _evox_cli_save_session_with (document, key, record, path, force, status);
}

gboolean
_evox_cli_check_session_output (const char          *session,
                                const EvoxCliOutput *outputs,
                                guint                n_outputs,
                                const char          *input,
                                gboolean             force,
                                int                 *status)
{
  return session == NULL ||
         (_evox_cli_check_outputs (&(EvoxCliOutput) { "--session", session }, 1, input, force,
                                   status) &&
          _evox_cli_check_outputs (outputs, n_outputs, session, force, status));
}

JsonArray *
_evox_cli_json_numbers (const double *values,
                        guint         n)
{
  JsonArray *array = json_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    json_array_add_double_element (array, values[i]);
  return array;
}

JsonObject *
_evox_cli_record_new (void)
{
  JsonObject *record = json_object_new ();

  json_object_set_int_member (record, "version", EVOX_CLI_RECORD_VERSION);
  return record;
}

/* evox-cli-cluster.c: `evox cluster`, k-means clusters of per-voxel features of one or more
 * volumes (or of a feature file), with labels, centres, the k sweep and domain statistics. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evox-cli-private.h"
#include "evox-cluster-csv.h"
#include "evox-clustering.h"
#include "evox-csv.h"
#include "evox-feature-file.h"
#include "evox-methods.h"
#include "evox-tiff.h"
#include "evox-units.h"

#define DEFAULT_K_MAX 12
#define NAME_FIELD "{name}"

/* What the command line asked for, checked before any volume is read. */
typedef struct
{
  EvoxClusteringParams params;
  gboolean             sweep;          /* --sweep: also sweep when k is given */
  const char          *feature_file;   /* --features FILE.npy|FILE.csv */
  char               **inputs;         /* IN..., or the feature file */
  guint                n_inputs;
  GPtrArray           *labels_paths;   /* per input, or NULL */
  GPtrArray           *stats_paths;    /* per input, or NULL */
  guint               *channels;       /* --channels, resolved; params.channels points here */
} Request;

static void
request_clear (Request *request)
{
  g_clear_pointer (&request->labels_paths, g_ptr_array_unref);
  g_clear_pointer (&request->stats_paths, g_ptr_array_unref);
  g_clear_pointer (&request->channels, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Request, request_clear)

/* The options as typed, so one left out can be told from one given with its default. */
typedef struct
{
  char     *features;
  char     *coords;
  char     *channel;
  char     *channels;
  char     *window;
  char     *mask;
  char     *scale;
  char     *pca;
  char     *k;
  char     *seed;
  char     *restarts;
  char     *labels;
  char     *centers;
  char     *sweep;
  char     *stats;
  char     *stats_channel;
  char     *session;
  char     *command;     /* the arguments as typed, for --provenance */
  gboolean  force;
  gboolean  provenance;
} Options;

static void
options_clear (Options *o)
{
  char **fields[] = { &o->features, &o->coords, &o->channel, &o->channels, &o->window, &o->mask, &o->scale,
                      &o->pca, &o->k, &o->seed, &o->restarts, &o->labels, &o->centers,
                      &o->sweep, &o->stats, &o->stats_channel, &o->session, &o->command };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    g_clear_pointer (fields[i], g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* --k N (1..65535) or --k auto[:KMAX] (KMAX 2..1000). */
static gboolean
parse_k (const char           *text,
         EvoxClusteringParams *params)
{
  gint64 value;

  if (g_str_equal (text, "auto"))
    {
      params->k = 0;
      params->k_max = DEFAULT_K_MAX;
      return TRUE;
    }
  if (g_str_has_prefix (text, "auto:"))
    {
      if (!_evox_cli_parse_int (text + 5, 2, 1000, &value))
        return FALSE;
      params->k = 0;
      params->k_max = (guint) value;
      return TRUE;
    }
  if (!_evox_cli_parse_int (text, 1, G_MAXUINT16, &value))
    return FALSE;
  params->k = (guint) value;
  return TRUE;
}

/* The input's file name without its folder and extension, for "{name}". */
static char *
input_stem (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_steal_pointer (&base);
}

static char *
expand_template (const char *template,
                 const char *input)
{
  g_autofree char *stem = input_stem (input);
  g_auto(GStrv) parts = g_strsplit (template, NAME_FIELD, -1);

  return g_strjoinv (stem, parts);
}

/* One output path per input from a template; several inputs need "{name}" in it, or every
 * input's file would go to one path. */
static GPtrArray *
expand_outputs (const char  *option,
                const char  *template,
                Request     *request,
                int         *status)
{
  GPtrArray *paths;

  if (request->n_inputs > 1 && strstr (template, NAME_FIELD) == NULL)
    {
      *status = _evox_cli_usage_error (NULL, "%s %s: with %u inputs the name needs %s, which "
                                       "becomes each input's file name without its extension",
                                       option, template, request->n_inputs, NAME_FIELD);
      return NULL;
    }
  paths = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < request->n_inputs; i++)
    g_ptr_array_add (paths, expand_template (template, request->inputs[i]));
  return paths;
}

/* Every output checked against every input, before anything is read. */
static gboolean
check_outputs (Request    *request,
               const char *centers,
               const char *sweep,
               gboolean    force,
               int        *status)
{
  g_autoptr(GArray) outputs = g_array_new (FALSE, FALSE, sizeof (EvoxCliOutput));
  EvoxCliOutput output;

  for (guint i = 0; request->labels_paths != NULL && i < request->labels_paths->len; i++)
    {
      output = (EvoxCliOutput) { "--labels", request->labels_paths->pdata[i] };
      g_array_append_val (outputs, output);
    }
  for (guint i = 0; request->stats_paths != NULL && i < request->stats_paths->len; i++)
    {
      output = (EvoxCliOutput) { "--stats", request->stats_paths->pdata[i] };
      g_array_append_val (outputs, output);
    }
  if (centers != NULL)
    {
      output = (EvoxCliOutput) { "--centers", centers };
      g_array_append_val (outputs, output);
    }
  if (sweep != NULL)
    {
      output = (EvoxCliOutput) { "--sweep", sweep };
      g_array_append_val (outputs, output);
    }
  if (outputs->len == 0)
    return TRUE;
  for (guint i = 0; i < MAX (request->n_inputs, 1); i++)
    if (!_evox_cli_check_outputs ((EvoxCliOutput *) outputs->data, outputs->len,
                                  request->n_inputs > 0 ? request->inputs[i] : NULL, force,
                                  status))
      return FALSE;
  return TRUE;
}

/* A feature file as a multi-channel volume: .npy features at .npy coordinates, or a CSV with
 * x, y[, z] columns. */
static EvoxVolume *
load_feature_file (const char   *path,
                   const char   *coords,
                   EvoxCliInput *input,
                   int          *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  double spacing[3];

  if (input->voxel_size != NULL &&
      !evox_units_parse_voxel_size (input->voxel_size, spacing, &error))
    {
      *status = _evox_cli_usage_error (NULL, "--voxel-size: %s", error->message);
      return NULL;
    }
  volume = coords != NULL ? evox_feature_file_load_npy (path, coords, &error)
                          : evox_feature_file_load_csv (path, &error);
  if (volume == NULL)
    {
      /* The file's content is at fault, not the command line. */
      *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message);
      return NULL;
    }
  if (input->voxel_size != NULL)
    {
      evox_volume_set_spacing (volume, spacing);
      evox_volume_set_spacing_known (volume, TRUE);
    }
  return g_steal_pointer (&volume);
}

/* A channel that every volume has: the same label or index in each. */
static int
find_channel_in_all (GPtrArray  *volumes,
                     const char *channel,
                     const char *option,
                     int        *status)
{
  int first = -1;

  for (guint v = 0; v < volumes->len; v++)
    {
      EvoxVolume *volume = volumes->pdata[v];
      int c = channel != NULL ? evox_volume_find_channel (volume, channel) : 0;

      if (c < 0)
        {
          *status = _evox_cli_error (EVOX_EXIT_USAGE, "%s %s: %s has no such channel (it has "
                                     "%u)", option, channel,
                                     evox_volume_get_metadata (volume, "source_file"),
                                     evox_volume_get_n_channels (volume));
          return -1;
        }
      if (v == 0)
        first = c;
      else if (c != first)
        {
          *status = _evox_cli_error (EVOX_EXIT_USAGE, "%s %s is channel %d of %s but %d of the "
                                     "first input", option, channel, c,
                                     evox_volume_get_metadata (volume, "source_file"), first);
          return -1;
        }
    }
  return first;
}

/* --mask NAME=LO:HI as `evox segment` reads a phase (stored values; for log10 data a number with
 * an exponent or the unit is the quantity), on the first volume's values. */
static gboolean
parse_mask (const char      *spec,
            EvoxVolume      *volume,
            guint            channel,
            EvoxFeatureMask *mask,
            int             *status)
{
  g_autoptr(EvoxPhaseList) list = evox_phase_list_new ();
  g_autoptr(GError) error = NULL;
  const char *specs[] = { spec, NULL };
  EvoxPhase *phase;

  if (spec == NULL || g_str_equal (spec, "finite"))
    {
      *mask = (EvoxFeatureMask) { -1, -INFINITY, INFINITY };
      return TRUE;
    }
  if (g_str_has_prefix (spec, "auto"))
    {
      *status = _evox_cli_usage_error (NULL, "--mask must be NAME=LO:HI or finite, not '%s'",
                                       spec);
      return FALSE;
    }
  if (!evox_phase_list_append_channel_specs (list, specs, volume, channel,
                                             evox_basis_get_histogram (volume, channel,
                                                                       EVOX_BASIS_VOLUME),
                                             FALSE, &error))
    {
      *status = _evox_cli_error (_evox_cli_error_status (error), "--mask: %s", error->message);
      return FALSE;
    }
  phase = evox_phase_list_get_phase (list, 0);
  *mask = (EvoxFeatureMask) { (int) channel, evox_phase_get_lo (phase),
                              evox_phase_get_hi (phase) };
  return TRUE;
}

/* A u8 (k <= 255) or u16 label volume with the voxel size of the volume it labels. */
static gboolean
write_labels (const char    *path,
              EvoxClusters  *clusters,
              EvoxVolume    *like,
              const char    *provenance,
              gboolean       force,
              GError       **error)
{
  gsize dims[3];
  gboolean u8 = evox_clusters_get_k (clusters) <= G_MAXUINT8;
  const guint16 *ids = evox_clusters_get_data (clusters);
  g_autoptr(EvoxVolume) volume = NULL;
  gpointer data;
  gsize n;

  evox_clusters_get_dims (clusters, dims);
  volume = evox_volume_new (dims[0], dims[1], dims[2], 1,
                            u8 ? EVOX_SAMPLE_U8 : EVOX_SAMPLE_U16, error);
  if (volume == NULL)
    return FALSE;
  n = dims[0] * dims[1] * dims[2];
  data = evox_volume_get_data_mut (volume, 0);
  if (u8)
    for (gsize i = 0; i < n; i++)
      ((guint8 *) data)[i] = (guint8) ids[i];
  else
    memcpy (data, ids, n * sizeof (guint16));
  evox_volume_copy_grid (volume, like);
  evox_volume_set_channel_info (volume, 0, "cluster", NAN);
  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "cluster", NULL);
  evox_volume_freeze (volume);
  return evox_tiff_write_with_provenance (volume, 0, path,
                                          force ? EVOX_TIFF_WRITE_OVERWRITE
                                                : EVOX_TIFF_WRITE_NONE, provenance, error);
}

/* The one centres format (evox-cluster-csv.h): cluster, name, voxels, fraction, the features. */
static gboolean
write_centers (const char                  *path,
               const EvoxClusteringResult  *result,
               gboolean                     force,
               GError                     **error)
{
  /* the names are the first volume's (ids mean the same in every volume); the counts are the
   * totals over all of them */
  return evox_cluster_csv_write_centers (path, result->clusters[0], result->centers,
                                         result->sizes, result->n_points, force, error);
}

/* What was asked is printed for people and scripts: one "key: value" line each, then the
 * clusters. */
static void
print_summary (const Request              *request,
               const EvoxClusteringResult *result)
{
  const EvoxKmeansSweep *sweep = result->sweep;

  printf ("voxels: %" G_GUINT64_FORMAT " clustered, %" G_GUINT64_FORMAT
          " dropped for a non-finite feature\n", result->n_points, result->n_dropped);
  printf ("features:");
  for (guint j = 0; j < result->n_features; j++)
    printf ("%s %s", j > 0 ? "," : "", result->feature_names[j]);
  printf (" (%s, scaled %s)\n",
          evox_clusters_get_info (result->clusters[0], "features"),
          evox_feature_scale_to_string (request->params.scale));
  if (result->explained_variance_ratio != NULL)
    {
      double total = 0.0;

      printf ("explained_variance_ratio:");
      for (guint j = 0; j < request->params.pca; j++)
        {
          g_autofree char *text = _evox_cli_format_number (result->explained_variance_ratio[j],
                                                           FALSE);
          printf ("%s %s", j > 0 ? "," : "", text);
          total += result->explained_variance_ratio[j];
        }
      printf (" (%.4f in all)\n", total);
    }
  if (request->params.k == 0)
    printf ("k: %u (the knee of the inertia over k = 1..%u on %" G_GSIZE_FORMAT " voxels)\n",
            result->k, sweep->n_rows, sweep->n_sampled);
  else
    printf ("k: %u\n", result->k);
  {
    g_autofree char *inertia = _evox_cli_format_number (result->inertia, FALSE);
    printf ("inertia: %s\n", inertia);
  }
  printf ("seed: %" G_GUINT64_FORMAT "\n", request->params.kmeans.seed);

  printf ("cluster  voxels  fraction");
  for (guint v = 0; result->n_volumes > 1 && v < result->n_volumes; v++)
    {
      g_autofree char *stem = input_stem (request->inputs[v]);
      printf ("  %s", stem);
    }
  printf ("\n");
  for (guint c = 0; c < result->k; c++)
    {
      printf ("%u  %" G_GUINT64_FORMAT "  %.6f", c + 1, result->sizes[c],
              (double) result->sizes[c] / (double) result->n_points);
      for (guint v = 0; result->n_volumes > 1 && v < result->n_volumes; v++)
        printf ("  %" G_GUINT64_FORMAT, evox_clusters_get_voxels (result->clusters[v], c + 1));
      printf ("\n");
    }
}

/* One file to write: what, for which volume, where. */
typedef enum
{
  WRITE_CENTERS,
  WRITE_SWEEP,
  WRITE_STATS,
  WRITE_LABELS,
} WriteKind;

typedef struct
{
  WriteKind   kind;
  guint       volume;
  const char *path;
} Write;

static void
add_write (GArray      *writes,
           WriteKind    kind,
           guint        volume,
           const char  *path)
{
  Write write = { kind, volume, path };

  g_array_append_val (writes, write);
}

typedef struct
{
  EvoxVolume                 **volumes;
  guint                        n_volumes;
  const EvoxClusteringParams  *params;
  gboolean                     sweep;
} Job;

static gpointer
cluster_job (gpointer       data,
             EvoxProgress  *progress,
             GError       **error)
{
  Job *job = data;

  return evox_clustering_run (job->volumes, job->n_volumes, job->params, job->sweep, progress,
                              NULL, error);
}

/* On a terminal the stages show on stderr while the job runs; otherwise stderr stays for
 * errors. */
static EvoxClusteringResult *
run_clustering (EvoxVolume                 **volumes,
                guint                        n_volumes,
                const EvoxClusteringParams  *params,
                gboolean                     sweep,
                GError                     **error)
{
  Job job = { volumes, n_volumes, params, sweep };

  return _evox_cli_run_with_progress (cluster_job, &job, "evox-cluster", _("Clustering"), error);
}

/* Options whose values are words or numbers, before any volume is read. */
static gboolean
parse_values (const Options  *o,
              Request        *request,
              int            *status)
{
  EvoxClusteringParams *params = &request->params;
  gint64 value;

  evox_clustering_params_init (params);
  if (o->k == NULL)
    {
      *status = _evox_cli_usage_error (NULL, "--k N or --k auto[:KMAX] is required");
      return FALSE;
    }
  if (!parse_k (o->k, params))
    {
      *status = _evox_cli_usage_error (NULL, "--k must be a number of clusters from 1 to %u, "
                                       "auto or auto:KMAX (KMAX from 2 to 1000), not '%s'",
                                       G_MAXUINT16, o->k);
      return FALSE;
    }
  request->sweep = o->sweep != NULL;

  if (o->features == NULL || g_str_equal (o->features, "channels"))
    params->features = EVOX_FEATURES_CHANNELS;
  else if (g_str_equal (o->features, "local"))
    params->features = EVOX_FEATURES_LOCAL;
  else if (_evox_cli_has_suffix_nocase (o->features, ".npy") ||
           _evox_cli_has_suffix_nocase (o->features, ".csv"))
    request->feature_file = o->features;
  else
    {
      *status = _evox_cli_usage_error (NULL, "--features must be channels, local, FILE.npy or "
                                       "FILE.csv, not '%s'", o->features);
      return FALSE;
    }
  if (request->feature_file != NULL && _evox_cli_has_suffix_nocase (o->features, ".npy") &&
      o->coords == NULL)
    {
      *status = _evox_cli_usage_error (NULL, "--features %s needs --coords FILE.npy, the voxel "
                                       "of each row", o->features);
      return FALSE;
    }
  if (o->coords != NULL &&
      (request->feature_file == NULL || !_evox_cli_has_suffix_nocase (o->features, ".npy") ||
       !_evox_cli_has_suffix_nocase (o->coords, ".npy")))
    {
      *status = _evox_cli_usage_error (NULL, "--coords is a .npy matrix for --features "
                                       "FILE.npy (a CSV of features holds its x, y[, z] "
                                       "columns: give it as --features FILE.csv)");
      return FALSE;
    }

  if (o->channels != NULL && params->features == EVOX_FEATURES_LOCAL)
    {
      *status = _evox_cli_usage_error (NULL, "--channels is for --features channels or a "
                                       "feature file (--features local takes one --channel)");
      return FALSE;
    }
  if (o->window != NULL)
    {
      if (params->features != EVOX_FEATURES_LOCAL || request->feature_file != NULL)
        {
          *status = _evox_cli_usage_error (NULL, "--window is for --features local");
          return FALSE;
        }
      if (!g_str_equal (o->window, "3") && !g_str_equal (o->window, "5"))
        {
          *status = _evox_cli_usage_error (NULL, "--window must be 3 or 5, not '%s'", o->window);
          return FALSE;
        }
      params->window = (guint) (o->window[0] - '0');
    }
  if (o->scale != NULL && !evox_feature_scale_from_string (o->scale, &params->scale))
    {
      *status = _evox_cli_usage_error (NULL, "--scale must be zscore, minmax or none, not '%s'",
                                       o->scale);
      return FALSE;
    }
  if (o->pca != NULL)
    {
      if (!_evox_cli_parse_int (o->pca, 1, 4096, &value))
        {
          *status = _evox_cli_usage_error (NULL, "--pca must be a number of components from 1 "
                                           "to 4096, not '%s'", o->pca);
          return FALSE;
        }
      params->pca = (guint) value;
    }
  if (o->seed != NULL)
    {
      if (!_evox_cli_parse_int (o->seed, 0, G_MAXINT64, &value))
        {
          *status = _evox_cli_usage_error (NULL, "--seed must be a whole number of 0 or more, "
                                           "not '%s'", o->seed);
          return FALSE;
        }
      params->kmeans.seed = (guint64) value;
    }
  if (o->restarts != NULL)
    {
      if (!_evox_cli_parse_int (o->restarts, 1, 1000, &value))
        {
          *status = _evox_cli_usage_error (NULL, "--restarts must be from 1 to 1000, not '%s'",
                                           o->restarts);
          return FALSE;
        }
      params->kmeans.restarts = (guint) value;
    }
  if (o->stats_channel != NULL && o->stats == NULL)
    {
      *status = _evox_cli_usage_error (NULL, "--stats-channel is for --stats");
      return FALSE;
    }
  return TRUE;
}

/* The inputs (IN..., --demo or the feature file) and the per-input output names; every output
 * is checked before anything is read. */
static gboolean
parse_inputs (const Options       *o,
              const EvoxCliInput  *input,
              int                  argc,
              char               **argv,
              Request             *request,
              int                 *status)
{
  if (request->feature_file != NULL)
    {
      if (argc > 1 || input->demo)
        {
          *status = _evox_cli_usage_error (NULL, "--features %s is the input: give no IN (or "
                                           "%s) with it", request->feature_file,
                                           input->demo_xanes ? "--demo-xanes" : "--demo");
          return FALSE;
        }
      if (input->dz != NULL || input->pixel_size != NULL || input->x_column != NULL ||
          input->y_column != NULL || input->values != NULL || input->scale != NULL)
        {
          *status = _evox_cli_usage_error (NULL, "the SSRM reading options do not apply to a "
                                           "feature file");
          return FALSE;
        }
      request->inputs = (char **) &request->feature_file;
      request->n_inputs = 1;
    }
  else if (input->demo)
    {
      if (argc > 1)
        {
          *status = _evox_cli_usage_error (NULL, "give no IN with %s",
                                           input->demo_xanes ? "--demo-xanes" : "--demo");
          return FALSE;
        }
      request->n_inputs = 0;
    }
  else
    {
      if (argc < 2)
        {
          *status = _evox_cli_usage_error (NULL, "expected IN..., the volumes to cluster");
          return FALSE;
        }
      request->inputs = argv + 1;
      request->n_inputs = (guint) argc - 1;
    }

  if (o->labels != NULL &&
      (request->labels_paths = expand_outputs ("--labels", o->labels, request, status)) == NULL)
    return FALSE;
  if (o->stats != NULL &&
      (request->stats_paths = expand_outputs ("--stats", o->stats, request, status)) == NULL)
    return FALSE;
  /* --demo has no file name for {name}: "demo" stands for it. */
  if (input->demo && o->labels != NULL)
    g_ptr_array_add (request->labels_paths = g_ptr_array_new_with_free_func (g_free),
                     expand_template (o->labels, "demo"));
  if (input->demo && o->stats != NULL)
    g_ptr_array_add (request->stats_paths = g_ptr_array_new_with_free_func (g_free),
                     expand_template (o->stats, "demo"));
  return check_outputs (request, o->centers, o->sweep, o->force, status);
}

/* --channels LIST on every input: the same channels in each (joint clustering needs one feature
 * space), an empty list meaning the default. */
static gboolean
parse_channels_in_all (GPtrArray  *volumes,
                       const char *text,
                       Request    *request,
                       int        *status)
{
  for (guint v = 0; v < volumes->len; v++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint *channels = NULL;
      guint n = 0;

      if (!evox_clustering_parse_channels (volumes->pdata[v], text, &channels, &n, &error))
        {
          *status = _evox_cli_error (EVOX_EXIT_USAGE, "--channels of %s: %s",
                                     evox_volume_get_metadata (volumes->pdata[v], "source_file"),
                                     error->message);
          return FALSE;
        }
      if (v > 0 && (n != request->params.n_channels ||
                    (n > 0 && memcmp (channels, request->channels, n * sizeof (guint)) != 0)))
        {
          *status = _evox_cli_error (EVOX_EXIT_USAGE, "--channels %s names other channels in %s "
                                     "than in the first input", text,
                                     evox_volume_get_metadata (volumes->pdata[v], "source_file"));
          return FALSE;
        }
      if (v == 0)
        {
          request->channels = g_steal_pointer (&channels);
          request->params.channels = request->channels;
          request->params.n_channels = n;
        }
    }
  return TRUE;
}

/* Reads the inputs, names each for messages, and resolves --channel, --stats-channel and
 * --mask on them. */
static GPtrArray *
load_volumes (const Options  *o,
              EvoxCliInput   *input,
              Request        *request,
              int            *stats_channel,
              int            *status)
{
  g_autoptr(GPtrArray) volumes = g_ptr_array_new_with_free_func (g_object_unref);
  int channel;

  if (request->feature_file != NULL)
    {
      EvoxVolume *volume = load_feature_file (request->feature_file, o->coords, input, status);

      if (volume == NULL)
        return NULL;
      g_ptr_array_add (volumes, volume);
    }
  for (guint i = 0; request->feature_file == NULL && i < MAX (request->n_inputs, 1); i++)
    {
      const char *path = request->n_inputs > 0 ? request->inputs[i] : NULL;
      EvoxVolume *volume = _evox_cli_input_load (input, path, status);

      if (volume == NULL)
        return NULL;
      g_ptr_array_add (volumes, volume);
    }
  for (guint v = 0; v < volumes->len; v++)
    if (evox_volume_get_metadata (volumes->pdata[v], "source_file") == NULL)
      {
        g_autofree char *base = request->n_inputs > 0 ? g_path_get_basename (request->inputs[v])
                                                      : g_strdup ("demo");
        evox_volume_set_metadata (volumes->pdata[v], "source_file", base);
      }

  if ((channel = find_channel_in_all (volumes, o->channel, "--channel", status)) < 0)
    return NULL;
  *stats_channel = 0;
  if (o->stats != NULL &&
      (*stats_channel = find_channel_in_all (volumes, o->stats_channel, "--stats-channel",
                                             status)) < 0)
    return NULL;
  request->params.channel = (guint) channel;
  if (o->channels != NULL && !parse_channels_in_all (volumes, o->channels, request, status))
    return NULL;
  if (!parse_mask (o->mask, volumes->pdata[0], (guint) channel, &request->params.mask, status))
    return NULL;
  return g_steal_pointer (&volumes);
}

/* Written whole or not at all: when one file fails, those before it go too. The tables go first
 * and the label volumes, the big files, last. */
static gboolean
write_outputs (const Options              *o,
               const Request              *request,
               const EvoxClusteringResult *result,
               GPtrArray                  *volumes,
               GPtrArray                  *stats,
               int                        *status)
{
  g_autoptr(GArray) writes = g_array_new (FALSE, FALSE, sizeof (Write));
  g_autoptr(GError) error = NULL;
  /* --provenance: a label volume's record names the volume it labels, the tables the first
   * input (or the feature file); the command in each names them all. */
  g_autofree char *provenance = o->provenance
    ? _evox_cli_provenance (request->n_inputs > 0 ? request->inputs[0] : NULL, o->command)
    : NULL;

  if (o->centers != NULL)
    add_write (writes, WRITE_CENTERS, 0, o->centers);
  if (o->sweep != NULL)
    add_write (writes, WRITE_SWEEP, 0, o->sweep);
  for (guint v = 0; request->stats_paths != NULL && v < request->stats_paths->len; v++)
    add_write (writes, WRITE_STATS, v, request->stats_paths->pdata[v]);
  for (guint v = 0; request->labels_paths != NULL && v < request->labels_paths->len; v++)
    add_write (writes, WRITE_LABELS, v, request->labels_paths->pdata[v]);

  for (guint i = 0; i < writes->len; i++)
    {
      const Write *write = &g_array_index (writes, Write, i);
      gboolean ok = FALSE;

      switch (write->kind)
        {
        case WRITE_CENTERS:
          ok = write_centers (write->path, result, o->force, &error) &&
               evox_csv_add_provenance (write->path, provenance, &error);
          break;
        case WRITE_SWEEP:
          ok = evox_cluster_csv_write_sweep (write->path, result->sweep, o->force, &error) &&
               evox_csv_add_provenance (write->path, provenance, &error);
          break;
        case WRITE_STATS:
          {
            GArray *rows = stats->pdata[write->volume];

            ok = evox_cluster_csv_write_stats (write->path, (const EvoxDomainStats *) rows->data,
                                               rows->len, o->force, &error) &&
                 evox_csv_add_provenance (write->path, provenance, &error);
          }
          break;
        case WRITE_LABELS:
          {
            g_autofree char *record = o->provenance
              ? _evox_cli_provenance (write->volume < request->n_inputs
                                      ? request->inputs[write->volume] : NULL, o->command)
              : NULL;

            ok = write_labels (write->path, result->clusters[write->volume],
                               volumes->pdata[write->volume], record, o->force, &error);
          }
          break;
        default:
          g_assert_not_reached ();
        }
      if (!ok)
        {
          for (guint j = 0; j < i; j++)
            g_unlink (g_array_index (writes, Write, j).path);
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message);
          return FALSE;
        }
    }
  return TRUE;
}

int
_evox_cli_cluster (int    argc,
                   char **argv)
{
  g_auto(EvoxCliInput) input;
  g_auto(Options) o = { NULL };
  g_auto(Request) request = { 0 };
  g_autoptr(GOptionContext) context = g_option_context_new (_("IN... --k N|auto[:KMAX]"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GPtrArray) stats = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(EvoxClusteringResult) result = NULL;
  int status, stats_channel;
  const GOptionEntry entries[] = {
    { "features", 0, 0, G_OPTION_ARG_FILENAME, &o.features,
      N_("What a voxel's feature vector holds: every channel's value (default), the local "
         "texture of --channel (value, local mean and std, gradient magnitude), or the vectors "
         "of a .npy matrix (with --coords) or a CSV with x, y[, z] columns (then no IN)"),
      "channels|local|FILE.npy|FILE.csv" },
    { "coords", 0, 0, G_OPTION_ARG_FILENAME, &o.coords,
      N_("Voxel indices (N x 2 or N x 3, x first) of the rows of --features FILE.npy"),
      "FILE.npy" },
    { "channel", 0, 0, G_OPTION_ARG_STRING, &o.channel,
      N_("Channel label or index of --features local and --mask (default the first)"), "C" },
    { "channels", 0, 0, G_OPTION_ARG_STRING, &o.channels,
      N_("The channels whose values are the features: labels, 0-based indices and ranges, "
         "comma-separated, for example '0-99,120,Ni K' (default every channel but derived "
         "ones)"), "LIST" },
    { "window", 0, 0, G_OPTION_ARG_STRING, &o.window,
      N_("Width of the local window of --features local (default 3)"), "3|5" },
    { "mask", 0, 0, G_OPTION_ARG_STRING, &o.mask,
      N_("Which voxels take part: those whose --channel value lies in [LO, HI] (as evox segment "
         "reads a phase), or every voxel with finite features (default)"),
      "NAME=LO:HI|finite" },
    { "scale", 0, 0, G_OPTION_ARG_STRING, &o.scale,
      N_("Per-feature scaling: mean 0 and std 1 (default), [0, 1], or none"),
      "zscore|minmax|none" },
    { "pca", 0, 0, G_OPTION_ARG_STRING, &o.pca,
      N_("Cluster the first N principal components of the scaled features"), "N" },
    { "k", 0, 0, G_OPTION_ARG_STRING, &o.k,
      N_("Number of clusters, or auto: the knee of the inertia over k = 1..KMAX (default 12)"),
      "N|auto[:KMAX]" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &o.seed,
      N_("Seed of the k-means++ starts and samples (default 0)"), "S" },
    { "restarts", 0, 0, G_OPTION_ARG_STRING, &o.restarts,
      N_("k-means runs from different starts; the lowest inertia is kept (default 4)"), "N" },
    { "labels", 0, 0, G_OPTION_ARG_FILENAME, &o.labels,
      N_("Write the cluster of every voxel as a u8 (or u16 when k > 255) TIFF, 0 outside the "
         "mask; with several IN a name with {name}"), "OUT.tif" },
    { "centers", 0, 0, G_OPTION_ARG_FILENAME, &o.centers,
      N_("Write the cluster centres in the features' units as CSV"), "OUT.csv" },
    { "sweep", 0, 0, G_OPTION_ARG_FILENAME, &o.sweep,
      N_("Write the inertia, Calinski-Harabasz index and silhouette of k = 1..KMAX as CSV"),
      "OUT.csv" },
    { "stats", 0, 0, G_OPTION_ARG_FILENAME, &o.stats,
      N_("Write the mean and std of --stats-channel in each cluster's domain and boundary as "
         "CSV; with several IN a name with {name}"), "OUT.csv" },
    { "stats-channel", 0, 0, G_OPTION_ARG_STRING, &o.stats_channel,
      N_("Channel label or index of --stats (default the first)"), "C" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &o.force, N_("Replace output files that exist"), NULL },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &o.session,
      N_("Also save what was done as a session (input, reading options, the clustering's "
         "parameters) for the window and evox apply; one IN volume"), "OUT.evox" },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &o.provenance,
      N_("Begin the CSV files with '# ' lines: Evox's version, the input and its SHA-256, this "
         "command; the label TIFFs get them as evox_provenance= in their description"), NULL },
    { NULL }
  };

  _evox_cli_input_init (&input);
  o.command = evox_provenance_join_argv (argc, argv);
  g_option_context_add_main_entries (context, entries, NULL);
  {
    /* The reading options of every command, but --scale here is the features' scaling, so an
     * SSRM table's value scale is --value-scale. */
    const GOptionEntry reading[] = {
      { "voxel-size", 0, 0, G_OPTION_ARG_STRING, &input.voxel_size,
        "Voxel size, one number for cubic voxels or X,Y,Z, in nm, um or mm (default nm); for "
        "SSRM tables the lateral pixel size", "X[,Y,Z][UNIT]" },
      { "dz", 0, 0, G_OPTION_ARG_STRING, &input.dz, "SSRM layer step in nm (default 10)", "NM" },
      { "pixel-size", 0, 0, G_OPTION_ARG_STRING, &input.pixel_size,
        "SSRM lateral pixel size in nm (without it, lengths are in pixels)", "NM" },
      { "x", 0, 0, G_OPTION_ARG_STRING, &input.x_column,
        "SSRM column of the pixel X index (default X)", "COLUMN" },
      { "y", 0, 0, G_OPTION_ARG_STRING, &input.y_column,
        "SSRM column of the pixel Y index (default Y)", "COLUMN" },
      { "value", 0, 0, G_OPTION_ARG_STRING_ARRAY, &input.values,
        "SSRM scan: value column and depth column or depth in nm (repeat; default every Ri:Zi)",
        "VALUE:DEPTH" },
      { "value-scale", 0, 0, G_OPTION_ARG_STRING, &input.scale,
        "SSRM values are log10 (default) or linear (--scale of the other commands)",
        "log10|linear" },
      { "demo", 0, 0, G_OPTION_ARG_NONE, &input.demo,
        "Use the generated demo SSRM stack instead of a file", NULL },
      { "demo-xanes", 0, 0, G_OPTION_ARG_NONE, &input.demo_xanes,
        "Use the synthetic XANES stack of an NMC cathode instead of a file", NULL },
      { NULL }
    };
    g_option_context_add_main_entries (context, reading, NULL);
  }
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
      _("Cluster voxels by their features with k-means++ and Lloyd's iterations: the channels\n"
        "of each volume, the local texture of one channel, or the vectors of a feature file.\n"
        "Several IN are clustered in one feature space (the same ids in each). Prints k, the\n"
        "inertia (in the scaled feature space) and the cluster sizes. Nothing is written\n"
        "unless everything succeeds."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return _evox_cli_usage_error (context, "%s", error->message);
  if (!_evox_cli_input_check_demo (&input, &status))
    return status;

  if (!parse_values (&o, &request, &status) ||
      !parse_inputs (&o, &input, argc, argv, &request, &status))
    return status;
  if (o.session != NULL && (request.feature_file != NULL || request.n_inputs > 1))
    return _evox_cli_usage_error (context, _("--session: a session holds one volume read from "
                                             "a file: give one IN and no --features FILE"));
  if (o.session != NULL &&
      !_evox_cli_check_outputs (&(EvoxCliOutput) { "--session", o.session }, 1,
                                request.n_inputs > 0 ? request.inputs[0] : NULL, o.force,
                                &status))
    return status;
  volumes = load_volumes (&o, &input, &request, &stats_channel, &status);
  if (volumes == NULL)
    return status;

  /* Everything is computed before the first file is written. */
  result = run_clustering ((EvoxVolume **) volumes->pdata, volumes->len, &request.params,
                           request.sweep, &error);
  if (result == NULL)
    {
      /* The job says what about the data failed (k against the voxels, an empty mask, no
       * knee); a batch log also needs which file. Joint runs name theirs already. */
      if (request.n_inputs == 1 && request.inputs != NULL &&
          strstr (error->message, request.inputs[0]) == NULL)
        {
          g_autofree char *base = g_path_get_basename (request.inputs[0]);
          g_autofree char *named = g_strdup_printf ("%s: ", base);

          /* the job names the file by its base name; the path replaces it, not repeats it */
          if (g_str_has_prefix (error->message, named))
            {
              g_autofree char *rest = g_strdup (error->message + strlen (named));

              g_free (error->message);
              error->message = g_steal_pointer (&rest);
            }
          g_prefix_error (&error, "%s: ", request.inputs[0]);
        }
      return _evox_cli_input_error (error);
    }
  for (guint v = 0; o.stats != NULL && v < volumes->len; v++)
    {
      GArray *rows = evox_domain_stats (evox_clusters_get_data (result->clusters[v]), result->k,
                                        volumes->pdata[v], (guint) stats_channel, NULL, NULL,
                                        &error);
      if (rows == NULL)
        return _evox_cli_input_error (error);
      g_ptr_array_add (stats, rows);
    }

  if (o.session != NULL)
    {
      g_autoptr(EvoxDocument) document = evox_document_new ();
      const char *in = request.n_inputs > 0 ? request.inputs[0] : NULL;
      g_autofree char *name = in != NULL ? g_path_get_basename (in) : NULL;

      evox_document_set_volume (document, volumes->pdata[0], name, in);
      evox_document_set_clusters (document, result->clusters[0]);
      if (!_evox_cli_save_session (document, o.session, o.force, &status))
        return status;
    }
  if (!write_outputs (&o, &request, result, volumes, stats, &status))
    {
      if (o.session != NULL)
        g_unlink (o.session);
      return status;
    }
  print_summary (&request, result);
  return EVOX_EXIT_OK;
}

/* evox-clustering.c: the clustering job: features of one or more volumes, one scaling and PCA
 * fitted on all their points, k from the knee of a sweep or given, k-means, a labelling each. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"
#include "evox-clustering.h"

#include <math.h>
#include <string.h>

#include "evox-types.h"

/* Progress weights of the stages, as fractions of the whole job; the sweep takes its share only
 * when it runs. */
#define WEIGHT_FEATURES 0.25
#define WEIGHT_SCALING  0.05
#define WEIGHT_PCA      0.05
#define WEIGHT_SWEEP    0.35

void
evox_clustering_params_init (EvoxClusteringParams *params)
{
  g_return_if_fail (params != NULL);

  *params = (EvoxClusteringParams) {
    .features = EVOX_FEATURES_CHANNELS,
    .channel = 0,
    .window = 3,
    .mask = { -1, -INFINITY, INFINITY },
    .scale = EVOX_FEATURE_SCALE_ZSCORE,
    .pca = 0,
    .k = 0,
    .k_max = 12,
    .sweep_sample = 100000,
  };
  evox_kmeans_params_init (&params->kmeans);
}

gboolean
evox_clustering_parse_channels (EvoxVolume  *volume,
                                const char  *text,
                                guint      **channels,
                                guint       *n_channels,
                                GError     **error)
{
  g_auto (GStrv) items = NULL;
  g_autoptr (GArray) list = NULL;
  g_autofree gboolean *seen = NULL;
  guint n;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (channels != NULL && n_channels != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *channels = NULL;
  *n_channels = 0;
  n = evox_volume_get_n_channels (volume);
  list = g_array_new (FALSE, FALSE, sizeof (guint));
  seen = g_new0 (gboolean, n);
  items = g_strsplit (text != NULL ? text : "", ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      char *item = g_strstrip (items[i]);
      const char *dash;
      guint64 lo, hi;
      int found;

      if (*item == '\0')
        {
          if (i == 0 && items[1] == NULL)
            break;
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "channel list: an empty item in \"%s\"", text);
          return FALSE;
        }
      found = evox_volume_find_channel (volume, item);
      if (found >= 0)
        lo = hi = (guint) found;
      else
        {
          g_autofree char *first = NULL;

          dash = strchr (item, '-');
          if (dash == NULL || dash == item)
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "channel list: \"%s\" is no channel label and no index 0..%u", item,
                           n - 1);
              return FALSE;
            }
          first = g_strstrip (g_strndup (item, dash - item));
          if (!g_ascii_string_to_unsigned (first, 10, 0, n - 1, &lo, NULL) ||
              !g_ascii_string_to_unsigned (g_strstrip ((char *) dash + 1), 10, 0, n - 1, &hi,
                                           NULL) ||
              hi < lo)
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "channel list: \"%s\" is no channel label and no range A-B with "
                           "0 <= A <= B <= %u", item, n - 1);
              return FALSE;
            }
        }
      for (guint64 c = lo; c <= hi; c++)
        if (!seen[c])
          {
            guint value = (guint) c;

            seen[c] = TRUE;
            g_array_append_val (list, value);
          }
    }
  *n_channels = list->len;
  *channels = list->len > 0 ? (guint *) g_array_free (g_steal_pointer (&list), FALSE) : NULL;
  return TRUE;
}

char *
evox_clustering_format_channels (const guint *channels,
                                 guint        n_channels)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_channels;)
    {
      guint j = i;

      /* a run of consecutive indices reads as a range */
      while (j + 1 < n_channels && channels[j + 1] == channels[j] + 1)
        j++;
      if (text->len > 0)
        g_string_append (text, ", ");
      if (j > i)
        g_string_append_printf (text, "%u-%u", channels[i], channels[j]);
      else
        g_string_append_printf (text, "%u", channels[i]);
      i = j + 1;
    }
  return g_string_free (text, FALSE);
}

guint *
evox_clustering_resolve_channels (EvoxVolume                 *volume,
                                  const EvoxClusteringParams *params,
                                  guint                      *n_channels,
                                  GError                    **error)
{
  guint n = evox_volume_get_n_channels (volume), m = 0;
  guint *channels;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (params != NULL && n_channels != NULL, NULL);

  *n_channels = 0;
  if (params->n_channels > 0)
    {
      for (guint i = 0; i < params->n_channels; i++)
        if (params->channels[i] >= n)
          {
            g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                         "channel %u does not exist (the volume has %u)", params->channels[i], n);
            return NULL;
          }
      *n_channels = params->n_channels;
      return g_memdup2 (params->channels, params->n_channels * sizeof (guint));
    }
  channels = g_new (guint, MAX (n, 1));
  for (guint c = 0; c < n; c++)
    if (!evox_volume_get_channel_derived (volume, c))
      channels[m++] = c;
  if (m == 0)
    {
      g_free (channels);
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "every channel of the volume is derived (clusters): choose the channels");
      return NULL;
    }
  *n_channels = m;
  return channels;
}

/* Every volume's points, scaled (and projected) as one feature space. */
typedef struct
{
  guint             n_volumes;
  EvoxFeatureSet  **sets;
  gsize            *offsets;      /* n_volumes + 1: where each volume's points start */
  gsize             n;            /* points of all volumes */
  guint             d;            /* features */
  float            *scaled;       /* n rows of d, scaled (owned unless it is sets[0]->points) */
  gboolean          scaled_owned;
  EvoxScaler       *scaler;
  EvoxPca          *pca;
  float            *projected;    /* n rows of pca->d_out, or NULL without PCA */
  guint64           n_in_mask;
  gint              ref_count;    /* read-only once prepared: a sweep and a run may share it */
} Prepared;

/* Where the job's time goes, for G_MESSAGES_DEBUG=evox: the seconds since *since, then *since
 * moves on. */
static void
stage_done (const char *stage,
            gint64     *since)
{
  gint64 now = g_get_monotonic_time ();

  g_debug ("clustering: %s took %.3f s", stage, (now - *since) / 1e6);
  *since = now;
}

static void
prepared_free (Prepared *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  for (guint v = 0; v < self->n_volumes && self->sets != NULL; v++)
    g_clear_pointer (&self->sets[v], evox_feature_set_free);
  g_free (self->sets);
  g_free (self->offsets);
  if (self->scaled_owned)
    g_free (self->scaled);
  g_clear_pointer (&self->scaler, evox_scaler_free);
  g_clear_pointer (&self->pca, evox_pca_free);
  g_free (self->projected);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Prepared, prepared_free)

/* Several volumes' points go into one block, since the scaling and k-means see one feature
 * space; each volume's own copy goes as soon as it is in, so the features of all volumes are
 * never held twice. */
static gboolean
append_points (Prepared  *self,
               guint      v,
               GError   **error)
{
  EvoxFeatureSet *set = self->sets[v];
  gsize n = self->offsets[v + 1];
  float *block;

  if (n > G_MAXSIZE / sizeof (float) / set->d ||
      (block = g_try_realloc (self->scaled, n * set->d * sizeof (float))) == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "no memory for %" G_GSIZE_FORMAT " points of %u features", n, set->d);
      return FALSE;
    }
  self->scaled = block;
  self->scaled_owned = TRUE;
  memcpy (self->scaled + self->offsets[v] * set->d, set->points,
          set->n * set->d * sizeof (float));
  /* evox_feature_set_free () frees points with g_free () too. */
  g_clear_pointer (&set->points, g_free);
  return TRUE;
}

/* How a message names volume v: the file it came from when the reader said, else its number
 * (only when there are several). */
static char *
volume_name (EvoxVolume *volume,
             guint       v,
             guint       n_volumes)
{
  const char *file = evox_volume_get_metadata (volume, "source_file");

  if (file != NULL)
    return g_strdup_printf ("%s: ", file);
  if (n_volumes > 1)
    return g_strdup_printf ("volume %u of %u: ", v + 1, n_volumes);
  return g_strdup ("");
}

static gboolean
check_params (const EvoxClusteringParams  *params,
              GError                     **error)
{
  if (params->features == EVOX_FEATURES_LOCAL && params->window != 3 && params->window != 5)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "the local window must be 3 or 5 voxels wide, not %u", params->window);
      return FALSE;
    }
  if (params->k > G_MAXUINT16)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "k = %u: cluster labels hold at most %u clusters", params->k, G_MAXUINT16);
      return FALSE;
    }
  if (params->k == 0 && params->k_max < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "choosing k needs a sweep over k = 1..K with K at least 2, not %u",
                   params->k_max);
      return FALSE;
    }
  return TRUE;
}

/* Features of every volume, joined into one feature space, scaled and projected. The stages
 * cover [0, end] of the current progress part. */
static Prepared *
prepare (EvoxVolume                 **volumes,
         guint                        n_volumes,
         const EvoxClusteringParams  *params,
         double                       end,
         EvoxProgress                *progress,
         GCancellable                *cancellable,
         GError                     **error)
{
  g_autoptr(Prepared) self = g_new0 (Prepared, 1);
  double f_end = end * WEIGHT_FEATURES / (WEIGHT_FEATURES + WEIGHT_SCALING + WEIGHT_PCA);
  double s_end = end * (WEIGHT_FEATURES + WEIGHT_SCALING) /
                 (WEIGHT_FEATURES + WEIGHT_SCALING + WEIGHT_PCA);

  gint64 clock = g_get_monotonic_time ();

  self->ref_count = 1;
  self->n_volumes = n_volumes;
  self->sets = g_new0 (EvoxFeatureSet *, n_volumes);
  self->offsets = g_new0 (gsize, n_volumes + 1);

  evox_progress_set_stage (progress, "Features", 0.0, f_end);
  for (guint v = 0; v < n_volumes; v++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *name = volume_name (volumes[v], v, n_volumes);
      EvoxFeatureSet *set;

      evox_progress_push (progress, f_end * v / n_volumes, f_end * (v + 1) / n_volumes);
      if (params->features == EVOX_FEATURES_LOCAL)
        set = evox_features_local (volumes[v], params->channel, params->window, &params->mask,
                                   progress, cancellable, &local_error);
      else
        {
          g_autofree guint *channels = NULL;
          guint n_channels = 0;

          channels = evox_clustering_resolve_channels (volumes[v], params, &n_channels,
                                                       &local_error);
          set = channels == NULL
                ? NULL
                : evox_features_from_channels (volumes[v], channels, n_channels, &params->mask,
                                               progress, cancellable, &local_error);
        }
      evox_progress_pop (progress);
      if (set == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s", name);
          return NULL;
        }
      self->sets[v] = set;
      if (v > 0 && set->d != self->sets[0]->d)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "%sits voxels have %u features where the first volume's have %u: joint "
                       "clustering needs the same features", name, set->d, self->sets[0]->d);
          return NULL;
        }
      self->offsets[v + 1] = self->offsets[v] + set->n;
      self->n_in_mask += set->n_in_mask;
      if (n_volumes > 1 && !append_points (self, v, error))
        return NULL;
    }
  self->n = self->offsets[n_volumes];
  self->d = self->sets[0]->d;
  if (self->n == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "the mask selects no voxel with finite features");
      return NULL;
    }

  /* One volume's points are scaled where they are. */
  if (n_volumes == 1)
    self->scaled = self->sets[0]->points;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  stage_done ("features", &clock);

  evox_progress_set_stage (progress, "Scaling", f_end, s_end);
  self->scaler = evox_scaler_fit (self->scaled, self->n, self->d, params->scale);
  evox_scaler_apply (self->scaler, self->scaled, self->n);
  stage_done ("scaling", &clock);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (params->pca > 0)
    {
      evox_progress_set_stage (progress, "PCA", s_end, end);
      self->pca = evox_pca_fit (self->scaled, self->n, self->d, params->pca, error);
      if (self->pca == NULL)
        return NULL;
      if (self->n > G_MAXSIZE / sizeof (float) / self->pca->d_out ||
          (self->projected = g_try_new (float, self->n * self->pca->d_out)) == NULL)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                       "no memory for %" G_GSIZE_FORMAT " points of %u components", self->n,
                       self->pca->d_out);
          return NULL;
        }
      evox_pca_transform (self->pca, self->scaled, self->n, self->projected);
      stage_done ("PCA", &clock);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }
  evox_progress_update (progress, 1.0);
  return g_steal_pointer (&self);
}

/* What k-means and the sweep cluster: the projected points with PCA, else the scaled ones. */
static const float *
prepared_points (const Prepared *self,
                 guint          *d)
{
  *d = self->pca != NULL ? self->pca->d_out : self->d;
  return self->pca != NULL ? self->projected : self->scaled;
}

static EvoxKmeansSweep *
run_sweep (const Prepared              *prepared,
           const EvoxClusteringParams  *params,
           double                       start,
           double                       end,
           EvoxProgress                *progress,
           GCancellable                *cancellable,
           GError                     **error)
{
  guint d;
  const float *points = prepared_points (prepared, &d);
  guint k_max = (guint) MIN ((gsize) params->k_max, prepared->n);
  EvoxKmeansSweep *sweep;

  evox_progress_set_stage (progress, "Sweep", start, end);
  evox_progress_push (progress, start, end);
  sweep = evox_kmeans_sweep (points, prepared->n, d, MAX (k_max, 1), params->sweep_sample,
                             &params->kmeans, progress, cancellable, error);
  evox_progress_pop (progress);
  return sweep;
}

static const char *
describe_features (const EvoxClusteringParams *params,
                   char                       *buffer,
                   gsize                       size)
{
  if (params->features == EVOX_FEATURES_LOCAL)
    g_snprintf (buffer, size, "%s %u^3 of channel %u",
                evox_feature_kind_to_string (params->features), params->window,
                params->channel);
  else if (params->n_channels > 0)
    {
      g_autofree char *list = evox_clustering_format_channels (params->channels,
                                                               params->n_channels);

      g_snprintf (buffer, size, "%s %s", evox_feature_kind_to_string (params->features), list);
    }
  else
    g_snprintf (buffer, size, "%s", evox_feature_kind_to_string (params->features));
  return buffer;
}

static void
set_info_number (EvoxClusters *clusters,
                 const char   *key,
                 double        value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  evox_clusters_set_info (clusters, key, g_ascii_dtostr (buffer, sizeof buffer, value));
}

/* Volume v's labelling: ids 1..k (k-means' size order, so 1 is the largest over all volumes),
 * and per cluster the mean and population std of the features in their original units,
 * computed on the scaled points (smaller numbers, so the sums lose less) and scaled back. */
/* ---- the last prepared points, for the next job on the same features ---- */

/* The window sweeps k on the page's features, then runs k-means on the same ones: the features,
 * the scaling and the PCA (a third of the job on a 256^3 volume) are kept on the volume from one
 * job to the next while the parameters they depend on stay the same, and go with it. One entry
 * a volume, for single-volume jobs (the window's). Every parameter prepare () reads must be in
 * same_preparation (). */
#define CACHE_KEY "evox-clustering-prepared"
/* Points of more bytes than this (each point's floats and voxel index) are not kept: the next
 * job then prepares again rather than the window holding that much between jobs. 256^3 voxels
 * of 4 local features take 384 MiB. */
#define CACHE_MAX_BYTES ((gsize) 1 << 30)

typedef struct
{
  EvoxClusteringParams  params;     /* its channels point into `channels` */
  guint                *channels;
  double                steps[3];   /* cache_steps () of the volume when it was prepared */
  Prepared             *prepared;
} CacheEntry;

/* What a lookup compares: the parameters, and the voxel size, which is no parameter but which
 * the local features' gradient divides by and which the user may set on the open volume. */
typedef struct
{
  const EvoxClusteringParams *params;
  double                      steps[3];
} CacheKey;

/* The spacing the gradient uses: the voxel size when known, voxel steps (0 here) when not. */
static void
cache_key_init (CacheKey                   *key,
                EvoxVolume                 *volume,
                const EvoxClusteringParams *params)
{
  key->params = params;
  memset (key->steps, 0, sizeof key->steps);
  if (evox_volume_get_spacing_known (volume))
    evox_volume_get_spacing (volume, key->steps);
}

static void
cache_entry_free (gpointer data)
{
  CacheEntry *entry = data;

  prepared_free (entry->prepared);
  g_free (entry->channels);
  g_free (entry);
}

static gboolean
same_preparation (const EvoxClusteringParams *a,
                  const EvoxClusteringParams *b)
{
  char da[256], db[256];

  return a->features == b->features && a->n_channels == b->n_channels &&
         (a->n_channels == 0 ||
          memcmp (a->channels, b->channels, a->n_channels * sizeof (guint)) == 0) &&
         a->channel == b->channel && a->window == b->window &&
         a->mask.channel == b->mask.channel &&
         memcmp (&a->mask.lo, &b->mask.lo, sizeof (double)) == 0 &&
         memcmp (&a->mask.hi, &b->mask.hi, sizeof (double)) == 0 && a->scale == b->scale &&
         a->pca == b->pca &&
         g_str_equal (describe_features (a, da, sizeof da), describe_features (b, db, sizeof db));
}

/* Under the object's data lock: a new reference to the entry's points when they fit. */
static gpointer
cache_dup (gpointer data,
           gpointer user_data)
{
  CacheEntry *entry = data;
  const CacheKey *key = user_data;

  if (entry == NULL || !same_preparation (&entry->params, key->params) ||
      memcmp (entry->steps, key->steps, sizeof key->steps) != 0)
    return NULL;
  g_atomic_int_inc (&entry->prepared->ref_count);
  return entry->prepared;
}

/* The kept points when they fit, else new ones (kept on the volume for the next job). */
static Prepared *
prepare_cached (EvoxVolume                 **volumes,
                guint                        n_volumes,
                const EvoxClusteringParams  *params,
                EvoxProgress                *progress,
                GCancellable                *cancellable,
                GError                     **error)
{
  Prepared *prepared;
  CacheEntry *entry;
  CacheKey key;

  if (n_volumes != 1)
    return prepare (volumes, n_volumes, params, 1.0, progress, cancellable, error);
  /* Taken before preparing: a voxel size set meanwhile then misses next time, never hits. */
  cache_key_init (&key, volumes[0], params);
  prepared = g_object_dup_data (G_OBJECT (volumes[0]), CACHE_KEY, cache_dup, &key);
  if (prepared != NULL)
    {
      g_debug ("clustering: the features, scaling and PCA of the last job reused");
      evox_progress_update (progress, 1.0);
      return prepared;
    }
  prepared = prepare (volumes, n_volumes, params, 1.0, progress, cancellable, error);
  if (prepared == NULL)
    return NULL;
  if (prepared->n > CACHE_MAX_BYTES / (sizeof (float) * prepared->d + sizeof (guint64) +
                                       (prepared->pca != NULL ? sizeof (float) *
                                                                prepared->pca->d_out : 0)))
    {
      /* too big to hold between jobs; and what is kept would be stale now */
      g_object_set_data (G_OBJECT (volumes[0]), CACHE_KEY, NULL);
      return prepared;
    }
  entry = g_new0 (CacheEntry, 1);
  entry->params = *params;
  /* the caller's list is not ours to keep */
  entry->channels = params->n_channels > 0
                      ? g_memdup2 (params->channels, params->n_channels * sizeof (guint))
                      : NULL;
  entry->params.channels = entry->channels;
  memcpy (entry->steps, key.steps, sizeof key.steps);
  entry->prepared = prepared;
  g_atomic_int_inc (&prepared->ref_count);
  /* The old entry goes; a job holding its points keeps them until it is done. */
  g_object_set_data_full (G_OBJECT (volumes[0]), CACHE_KEY, entry, cache_entry_free);
  return prepared;
}

/**
 * _evox_clustering_forget:
 *
 * Drops the points kept on volume for the next job.
 */
void
_evox_clustering_forget (EvoxVolume *volume)
{
  g_return_if_fail (EVOX_IS_VOLUME (volume));
  g_object_set_data (G_OBJECT (volume), CACHE_KEY, NULL);
}

gboolean
_evox_clustering_is_kept (EvoxVolume                 *volume,
                          const EvoxClusteringParams *params)
{
  Prepared *kept;
  CacheKey key;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  cache_key_init (&key, volume, params);
  kept = g_object_dup_data (G_OBJECT (volume), CACHE_KEY, cache_dup, &key);
  prepared_free (kept);
  return kept != NULL;
}

/* The parameters again as numbers ("run.*"), so a session can run the same clustering. */
static void
set_run_info (EvoxClusters               *clusters,
              const EvoxClusteringParams *params)
{
  g_autofree char *channels = evox_clustering_format_channels (params->channels,
                                                               params->n_channels);
  char buffer[64];

  evox_clusters_set_info (clusters, "run.features",
                          params->features == EVOX_FEATURES_LOCAL ? "local" : "channels");
  evox_clusters_set_info (clusters, "run.channels", channels);
  g_snprintf (buffer, sizeof buffer, "%u", params->channel);
  evox_clusters_set_info (clusters, "run.channel", buffer);
  g_snprintf (buffer, sizeof buffer, "%u", params->window);
  evox_clusters_set_info (clusters, "run.window", buffer);
  g_snprintf (buffer, sizeof buffer, "%d", params->mask.channel);
  evox_clusters_set_info (clusters, "run.mask-channel", buffer);
  set_info_number (clusters, "run.mask-lo", params->mask.lo);
  set_info_number (clusters, "run.mask-hi", params->mask.hi);
  evox_clusters_set_info (clusters, "run.scale", evox_feature_scale_to_string (params->scale));
  g_snprintf (buffer, sizeof buffer, "%u", params->pca);
  evox_clusters_set_info (clusters, "run.pca", buffer);
  g_snprintf (buffer, sizeof buffer, "%" G_GUINT64_FORMAT, params->kmeans.seed);
  evox_clusters_set_info (clusters, "run.seed", buffer);
  g_snprintf (buffer, sizeof buffer, "%u", params->kmeans.restarts);
  evox_clusters_set_info (clusters, "run.restarts", buffer);
  g_snprintf (buffer, sizeof buffer, "%u", params->kmeans.max_iter);
  evox_clusters_set_info (clusters, "run.max-iter", buffer);
  set_info_number (clusters, "run.tol", params->kmeans.tol);
  g_snprintf (buffer, sizeof buffer, "%" G_GSIZE_FORMAT, params->kmeans.init_sample);
  evox_clusters_set_info (clusters, "run.init-sample", buffer);
}

static EvoxClusters *
make_clusters (const Prepared              *prepared,
               guint                        v,
               const EvoxKmeansResult      *kmeans,
               const EvoxClusteringParams  *params,
               GError                     **error)
{
  const EvoxFeatureSet *set = prepared->sets[v];
  const float *points = prepared->scaled + prepared->offsets[v] * prepared->d;
  const guint32 *labels = kmeans->labels + prepared->offsets[v];
  guint k = kmeans->k, d = prepared->d;
  gsize n_voxels = set->dims[0] * set->dims[1] * set->dims[2];
  g_auto(EvoxLargeBuffer) ids = NULL;
  g_autofree double *means = g_new0 (double, (gsize) k * d);
  g_autofree double *stds = g_new0 (double, (gsize) k * d);
  g_autofree guint64 *counts = g_new0 (guint64, k);
  g_autoptr(EvoxClusters) clusters = NULL;
  char buffer[256];

  if (n_voxels > G_MAXSIZE / sizeof (guint16) ||
      (ids = _evox_alloc_large (n_voxels * sizeof (guint16))) == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "no memory for the cluster labels of %" G_GSIZE_FORMAT " voxels", n_voxels);
      return NULL;
    }
  for (gsize i = 0; i < set->n; i++)
    {
      guint c = labels[i];
      const float *p = points + i * d;

      ((guint16 *) ids)[set->voxels[i]] = (guint16) (c + 1);
      counts[c]++;
      for (guint j = 0; j < d; j++)
        means[(gsize) c * d + j] += p[j];
    }
  for (guint c = 0; c < k; c++)
    for (guint j = 0; j < d; j++)
      means[(gsize) c * d + j] = counts[c] > 0 ? means[(gsize) c * d + j] / counts[c] : NAN;
  /* Two passes: deviations from the mean, not sums of squares, which cancel. */
  for (gsize i = 0; i < set->n; i++)
    {
      guint c = labels[i];
      const float *p = points + i * d;

      for (guint j = 0; j < d; j++)
        {
          double delta = p[j] - means[(gsize) c * d + j];
          stds[(gsize) c * d + j] += delta * delta;
        }
    }
  for (guint c = 0; c < k; c++)
    for (guint j = 0; j < d; j++)
      stds[(gsize) c * d + j] = counts[c] > 0
                                ? sqrt (stds[(gsize) c * d + j] / counts[c]) *
                                  fabs (prepared->scaler->scale[j])
                                : NAN;
  evox_scaler_invert (prepared->scaler, means, k);

  clusters = evox_clusters_new_take (set->dims, g_steal_pointer (&ids), k, d,
                                     (const char * const *) set->names, set->axis,
                                     set->axis_title, means, stds, error);
  if (clusters == NULL)
    return NULL;

  evox_clusters_set_info (clusters, "features",
                          describe_features (params, buffer, sizeof buffer));
  evox_clusters_set_info (clusters, "scale", evox_feature_scale_to_string (params->scale));
  g_snprintf (buffer, sizeof buffer, "%u", params->pca);
  evox_clusters_set_info (clusters, "pca", params->pca > 0 ? buffer : "none");
  g_snprintf (buffer, sizeof buffer, "%" G_GUINT64_FORMAT, params->kmeans.seed);
  evox_clusters_set_info (clusters, "seed", buffer);
  g_snprintf (buffer, sizeof buffer, "%u", MAX (params->kmeans.restarts, 1));
  evox_clusters_set_info (clusters, "restarts", buffer);
  set_info_number (clusters, "inertia", kmeans->inertia);
  g_snprintf (buffer, sizeof buffer, "%u", k);
  evox_clusters_set_info (clusters, "k", buffer);
  g_snprintf (buffer, sizeof buffer, "%" G_GUINT64_FORMAT, set->n_in_mask - set->n);
  evox_clusters_set_info (clusters, "dropped", buffer);
  if (prepared->n_volumes > 1)
    {
      g_snprintf (buffer, sizeof buffer, "%u", prepared->n_volumes);
      evox_clusters_set_info (clusters, "volumes", buffer);
    }
  set_run_info (clusters, params);
  return g_steal_pointer (&clusters);
}

/**
 * evox_clustering_run:
 * @volumes: (array length=n_volumes): the volumes, whose voxels share one feature space
 * @sweep: also sweep k = 1..k_max when k is given (the sweep always runs when k is 0)
 *
 * The features of every volume are joined before scaling, PCA and k-means, so the cluster ids
 * mean the same in every volume's labelling.
 */
EvoxClusteringResult *
evox_clustering_run (EvoxVolume                 **volumes,
                     guint                        n_volumes,
                     const EvoxClusteringParams  *params,
                     gboolean                     sweep,
                     EvoxProgress                *progress,
                     GCancellable                *cancellable,
                     GError                     **error)
{
  g_autoptr(Prepared) prepared = NULL;
  g_autoptr(EvoxKmeansSweep) sweep_result = NULL;
  g_autoptr(EvoxKmeansResult) kmeans = NULL;
  g_autoptr(EvoxClusteringResult) result = NULL;
  EvoxKmeansParams kparams;
  gboolean sweeping;
  double prepared_end, sweep_end;
  const float *points;
  guint d, k;
  gint64 clock;

  g_return_val_if_fail (volumes != NULL && n_volumes > 0, NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  for (guint v = 0; v < n_volumes; v++)
    g_return_val_if_fail (EVOX_IS_VOLUME (volumes[v]), NULL);

  if (!check_params (params, error))
    return NULL;

  sweeping = sweep || params->k == 0;
  prepared_end = WEIGHT_FEATURES + WEIGHT_SCALING + WEIGHT_PCA;
  sweep_end = prepared_end + (sweeping ? WEIGHT_SWEEP : 0.0);

  evox_progress_push (progress, 0.0, prepared_end);
  prepared = prepare_cached (volumes, n_volumes, params, progress, cancellable, error);
  evox_progress_pop (progress);
  if (prepared == NULL)
    return NULL;
  points = prepared_points (prepared, &d);

  if (params->k > prepared->n)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "k = %u is more than the %" G_GSIZE_FORMAT " voxels with finite features in "
                   "the mask", params->k, prepared->n);
      return NULL;
    }

  k = params->k;
  clock = g_get_monotonic_time ();
  if (sweeping)
    {
      sweep_result = run_sweep (prepared, params, prepared_end, sweep_end, progress, cancellable,
                                error);
      if (sweep_result == NULL)
        return NULL;
      stage_done ("sweep", &clock);
      if (k == 0)
        {
          if (sweep_result->knee_k <= 0)
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "the inertia over k = 1..%u has no knee, so k cannot be chosen: give "
                           "k (--k N)", sweep_result->n_rows);
              return NULL;
            }
          k = (guint) sweep_result->knee_k;
        }
    }

  kparams = params->kmeans;
  kparams.k = k;
  evox_progress_set_stage (progress, "k-means", sweep_end, 1.0);
  evox_progress_push (progress, sweep_end, 1.0);
  kmeans = evox_kmeans_run (points, prepared->n, d, &kparams, NULL, progress, cancellable,
                            error);
  evox_progress_pop (progress);
  if (kmeans == NULL)
    return NULL;
  stage_done ("k-means", &clock);

  result = g_new0 (EvoxClusteringResult, 1);
  result->n_volumes = n_volumes;
  result->clusters = g_new0 (EvoxClusters *, n_volumes);
  result->k = k;
  result->inertia = kmeans->inertia;
  result->n_features = prepared->d;
  result->n_points = prepared->n;
  result->n_dropped = prepared->n_in_mask - prepared->n;
  result->feature_names = g_strdupv (prepared->sets[0]->names);
  result->sizes = g_memdup2 (kmeans->sizes, sizeof (guint64) * k);
  if (prepared->pca != NULL)
    {
      result->explained_variance_ratio = g_memdup2 (prepared->pca->explained_variance_ratio,
                                                    sizeof (double) * prepared->pca->d_out);
      result->centers = evox_pca_inverse (prepared->pca, kmeans->centers, k);
    }
  else
    result->centers = g_memdup2 (kmeans->centers, sizeof (double) * k * prepared->d);
  evox_scaler_invert (prepared->scaler, result->centers, k);
  result->sweep = g_steal_pointer (&sweep_result);

  for (guint v = 0; v < n_volumes; v++)
    {
      result->clusters[v] = make_clusters (prepared, v, kmeans, params, error);
      if (result->clusters[v] == NULL)
        return NULL;
    }
  stage_done ("labels and curves", &clock);
  evox_progress_update (progress, 1.0);
  return g_steal_pointer (&result);
}

void
evox_clustering_result_free (EvoxClusteringResult *self)
{
  if (self == NULL)
    return;
  for (guint v = 0; v < self->n_volumes && self->clusters != NULL; v++)
    g_clear_object (&self->clusters[v]);
  g_free (self->clusters);
  g_clear_pointer (&self->sweep, evox_kmeans_sweep_free);
  g_free (self->explained_variance_ratio);
  g_free (self->centers);
  g_free (self->sizes);
  g_strfreev (self->feature_names);
  g_free (self);
}

/* The async versions: one volume, the job on a worker thread. */
typedef struct
{
  EvoxVolume           *volume;
  EvoxClusteringParams  params;
  guint                *channels;     /* params.channels, owned */
  gboolean              sweep;
  EvoxProgress         *progress;
} JobData;

static void
job_data_free (JobData *data)
{
  g_clear_object (&data->volume);
  g_clear_pointer (&data->progress, evox_progress_unref);
  g_free (data->channels);
  g_free (data);
}

static JobData *
job_data_new (EvoxVolume                 *volume,
              const EvoxClusteringParams *params,
              gboolean                    sweep,
              EvoxProgress               *progress)
{
  JobData *data = g_new0 (JobData, 1);

  data->volume = g_object_ref (volume);
  data->params = *params;
  data->channels = g_memdup2 (params->channels, params->n_channels * sizeof (guint));
  data->params.channels = data->channels;
  data->sweep = sweep;
  data->progress = evox_progress_ref (progress);
  return data;
}

static gpointer
run_work (gpointer       user_data,
          GCancellable  *cancellable,
          GError       **error)
{
  JobData *data = user_data;

  return evox_clustering_run (&data->volume, 1, &data->params, data->sweep, data->progress,
                              cancellable, error);
}

void
evox_clustering_run_async (EvoxVolume                 *volume,
                           const EvoxClusteringParams *params,
                           gboolean                    sweep,
                           EvoxProgress               *progress,
                           GCancellable               *cancellable,
                           GAsyncReadyCallback         callback,
                           gpointer                    user_data)
{
  g_return_if_fail (EVOX_IS_VOLUME (volume));
  g_return_if_fail (params != NULL);

  _evox_task_run (evox_clustering_run_async, run_work,
                  job_data_new (volume, params, sweep, progress), (GDestroyNotify) job_data_free,
                  (GDestroyNotify) evox_clustering_result_free, cancellable, callback,
                  user_data);
}

EvoxClusteringResult *
evox_clustering_run_finish (GAsyncResult  *result,
                            GError       **error)
{
  return _evox_task_finish (result, evox_clustering_run_async, error);
}

/**
 * evox_clustering_sweep:
 *
 * The sweep alone, on the features, scaling and PCA that evox_clustering_run would use.
 */
EvoxKmeansSweep *
evox_clustering_sweep (EvoxVolume                 **volumes,
                       guint                        n_volumes,
                       const EvoxClusteringParams  *params,
                       EvoxProgress                *progress,
                       GCancellable                *cancellable,
                       GError                     **error)
{
  g_autoptr(Prepared) prepared = NULL;
  double prepared_end = WEIGHT_FEATURES + WEIGHT_SCALING + WEIGHT_PCA;
  EvoxKmeansSweep *sweep;
  gint64 clock;

  g_return_val_if_fail (volumes != NULL && n_volumes > 0, NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (params->k_max < 1)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "a sweep over k = 1..K needs K at least 1");
      return NULL;
    }
  evox_progress_push (progress, 0.0, prepared_end);
  prepared = prepare_cached (volumes, n_volumes, params, progress, cancellable, error);
  evox_progress_pop (progress);
  if (prepared == NULL)
    return NULL;
  clock = g_get_monotonic_time ();
  sweep = run_sweep (prepared, params, prepared_end, 1.0, progress, cancellable, error);
  if (sweep != NULL)
    stage_done ("sweep", &clock);
  return sweep;
}

static gpointer
sweep_work (gpointer       user_data,
            GCancellable  *cancellable,
            GError       **error)
{
  JobData *data = user_data;

  return evox_clustering_sweep (&data->volume, 1, &data->params, data->progress, cancellable,
                                error);
}

void
evox_clustering_sweep_async (EvoxVolume                 *volume,
                             const EvoxClusteringParams *params,
                             EvoxProgress               *progress,
                             GCancellable               *cancellable,
                             GAsyncReadyCallback         callback,
                             gpointer                    user_data)
{
  g_return_if_fail (EVOX_IS_VOLUME (volume));
  g_return_if_fail (params != NULL);

  _evox_task_run (evox_clustering_sweep_async, sweep_work,
                  job_data_new (volume, params, TRUE, progress), (GDestroyNotify) job_data_free,
                  (GDestroyNotify) evox_kmeans_sweep_free, cancellable, callback, user_data);
}

EvoxKmeansSweep *
evox_clustering_sweep_finish (GAsyncResult  *result,
                              GError       **error)
{
  return _evox_task_finish (result, evox_clustering_sweep_async, error);
}

/* A run.* number the clustering wrote as text, within [min, max]. */
static gboolean
info_number (EvoxClusteringInfoFunc info,
             gpointer               data,
             const char            *key,
             double                 min,
             double                 max,
             double                *value)
{
  const char *text = info (data, key);
  char *end = NULL;

  if (text == NULL)
    return FALSE;
  *value = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && !isnan (*value) && *value >= min && *value <= max;
}

gboolean
evox_clustering_params_from_info (EvoxVolume            *volume,
                                  EvoxClusteringInfoFunc info,
                                  gpointer               data,
                                  EvoxClusteringParams  *params,
                                  guint                **channels,
                                  GError               **error)
{
  const char *features = info (data, "run.features");
  const char *scale = info (data, "run.scale");
  const char *list = info (data, "run.channels");
  double k, channel, window, mask_channel, lo, hi, pca, seed, restarts, max_iter, tol, sample;

  if (info (data, "merges") != NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "the session's clusters were merged by hand; one k-means run cannot make "
                   "them again");
      return FALSE;
    }
  if (features == NULL || list == NULL || !info_number (info, data, "k", 1, 65535, &k) ||
      !info_number (info, data, "run.channel", 0, G_MAXUINT, &channel) ||
      !info_number (info, data, "run.window", 0, 99, &window) ||
      !info_number (info, data, "run.mask-channel", -1, G_MAXINT, &mask_channel) ||
      !info_number (info, data, "run.mask-lo", -INFINITY, INFINITY, &lo) ||
      !info_number (info, data, "run.mask-hi", -INFINITY, INFINITY, &hi) ||
      !info_number (info, data, "run.pca", 0, 4096, &pca) ||
      !info_number (info, data, "run.seed", 0, (double) G_MAXUINT64, &seed) ||
      !info_number (info, data, "run.restarts", 0, 1000, &restarts) ||
      !info_number (info, data, "run.max-iter", 0, 1e6, &max_iter) ||
      !info_number (info, data, "run.tol", -1, 1, &tol) ||
      !info_number (info, data, "run.init-sample", 0, (double) G_MAXSIZE, &sample))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "the session's clusters lack the numbers of their run (saved by an older "
                   "Evox)");
      return FALSE;
    }
  evox_clustering_params_init (params);
  params->features = g_strcmp0 (features, "local") == 0 ? EVOX_FEATURES_LOCAL :
                     EVOX_FEATURES_CHANNELS;
  if (!evox_clustering_parse_channels (volume, list, channels, &params->n_channels, error))
    return FALSE;
  params->channels = *channels;
  params->channel = (guint) channel;
  params->window = (guint) window;
  params->mask.channel = (int) mask_channel;
  params->mask.lo = lo;
  params->mask.hi = hi;
  if (scale != NULL && !evox_feature_scale_from_string (scale, &params->scale))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "the session's clusters name an unknown scaling “%s”", scale);
      return FALSE;
    }
  params->pca = (guint) pca;
  params->k = (guint) k;
  params->kmeans.k = (guint) k;
  /* Written in full by the run; a double would round seeds above 2^53. */
  params->kmeans.seed = g_ascii_strtoull (info (data, "run.seed"), NULL, 10);
  params->kmeans.restarts = (guint) restarts;
  params->kmeans.max_iter = (guint) max_iter;
  params->kmeans.tol = tol;
  params->kmeans.init_sample = (gsize) sample;
  return TRUE;
}

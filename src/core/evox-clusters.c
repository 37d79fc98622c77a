/* evox-clusters.c: a cluster labelling, its per-cluster curves, and the user's names and colours. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-clusters.h"

/* matplotlib's tab10 (the phases' palette, so a cluster turned into a phase keeps a colour that
 * belongs), then the lighter halves of tab20's pairs; past 20 it repeats. Cluster i always takes
 * entry i - 1, so cluster 1 has the same colour whatever k. */
static const char * const palette[] = {
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
  "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
};

typedef struct
{
  char     *name;
  char      color[8];
  gboolean  visible;
} Style;

struct _EvoxClusters
{
  GObject      parent_instance;

  gsize        dims[3];
  guint16     *labels;       /* _evox_alloc_large */
  guint        k;
  guint        d;
  guint64     *sizes;        /* k */
  guint64      n_masked;
  char       **feature_names;  /* d, NULL-terminated */
  double      *axis;         /* d */
  char        *axis_title;
  double      *means;        /* k x d */
  double      *stds;         /* k x d */
  Style       *styles;       /* k */
  GHashTable  *info;
};

G_DEFINE_FINAL_TYPE (EvoxClusters, evox_clusters, G_TYPE_OBJECT)

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
evox_clusters_finalize (GObject *object)
{
  EvoxClusters *self = EVOX_CLUSTERS (object);

  g_clear_pointer (&self->labels, _evox_free_large);
  g_free (self->sizes);
  g_strfreev (self->feature_names);
  g_free (self->axis);
  g_free (self->axis_title);
  g_free (self->means);
  g_free (self->stds);
  for (guint i = 0; self->styles != NULL && i < self->k; i++)
    g_free (self->styles[i].name);
  g_free (self->styles);
  g_clear_pointer (&self->info, g_hash_table_unref);

  G_OBJECT_CLASS (evox_clusters_parent_class)->finalize (object);
}

static void
evox_clusters_class_init (EvoxClustersClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_clusters_finalize;

  /* A name, colour or visibility changed: the cluster's id, or 0 when several did. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
evox_clusters_init (EvoxClusters *self)
{
  self->info = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

const char *
_evox_clusters_palette_color (guint id)
{
  g_return_val_if_fail (id > 0, palette[0]);
  return palette[(id - 1) % G_N_ELEMENTS (palette)];
}

static void
default_styles (EvoxClusters *self)
{
  self->styles = g_new0 (Style, MAX (self->k, 1));
  for (guint i = 0; i < self->k; i++)
    {
      self->styles[i].name = g_strdup_printf ("Cluster %u", i + 1);
      g_strlcpy (self->styles[i].color, _evox_clusters_palette_color (i + 1),
                 sizeof self->styles[i].color);
      self->styles[i].visible = TRUE;
    }
}

/* Everything but the labels, which the caller has put in place and checked. */
static void
set_curves (EvoxClusters        *self,
            guint                d,
            const char * const  *feature_names,
            const double        *axis,
            const char          *axis_title,
            const double        *means,
            const double        *stds)
{
  gsize n = (gsize) self->k * d;

  self->d = d;
  self->feature_names = g_new0 (char *, d + 1);
  for (guint f = 0; f < d; f++)
    self->feature_names[f] = feature_names != NULL && feature_names[f] != NULL
                             ? g_strdup (feature_names[f]) : g_strdup_printf ("feature %u", f);
  self->axis = g_new (double, MAX (d, 1));
  for (guint f = 0; f < d; f++)
    self->axis[f] = axis != NULL ? axis[f] : (double) f;
  self->axis_title = g_strdup (axis_title != NULL ? axis_title : "Feature");
  self->means = g_new0 (double, MAX (n, 1));
  self->stds = g_new0 (double, MAX (n, 1));
  if (n > 0 && means != NULL)
    memcpy (self->means, means, n * sizeof (double));
  if (n > 0 && stds != NULL)
    memcpy (self->stds, stds, n * sizeof (double));
}

/* Counts every label; FALSE (with an error) when one exceeds k. */
static gboolean
count_labels (const guint16 *labels,
              gsize          n_voxels,
              guint          k,
              guint64       *counts,
              GError       **error)
{
  guint16 worst = 0;

  memset (counts, 0, (k + 1) * sizeof (guint64));
  for (gsize i = 0; i < n_voxels; i++)
    {
      guint16 l = labels[i];

      if (l > k)
        worst = MAX (worst, l);
      else
        counts[l]++;
    }
  if (worst > 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "cluster label %u exceeds the number of clusters (%u)", worst, k);
      return FALSE;
    }
  return TRUE;
}

EvoxClusters *
evox_clusters_new_take (const gsize          dims[3],
                        guint16             *labels,
                        guint                k,
                        guint                d,
                        const char * const  *feature_names,
                        const double        *axis,
                        const char          *axis_title,
                        const double        *means,
                        const double        *stds,
                        GError             **error)
{
  g_auto (EvoxLargeBuffer) owned = labels;
  g_autoptr(EvoxClusters) self = NULL;
  g_autofree guint64 *counts = NULL;
  gsize n_voxels;

  g_return_val_if_fail (dims != NULL, NULL);
  g_return_val_if_fail (labels != NULL, NULL);
  g_return_val_if_fail (k <= G_MAXUINT16, NULL);
  g_return_val_if_fail (d == 0 || (means != NULL && stds != NULL), NULL);

  n_voxels = dims[0] * dims[1] * dims[2];
  counts = g_new (guint64, k + 1);
  if (!count_labels (labels, n_voxels, k, counts, error))
    return NULL;

  self = g_object_new (EVOX_TYPE_CLUSTERS, NULL);
  memcpy (self->dims, dims, sizeof self->dims);
  self->labels = g_steal_pointer (&owned);
  self->k = k;
  self->sizes = g_new0 (guint64, MAX (k, 1));
  for (guint c = 0; c < k; c++)
    {
      self->sizes[c] = counts[c + 1];
      self->n_masked += counts[c + 1];
    }
  set_curves (self, d, feature_names, axis, axis_title, means, stds);
  default_styles (self);
  return g_steal_pointer (&self);
}

/* The labels of channel 0 as u16: whole numbers 0..65535, or an error naming the first voxel
 * that is not one. */
static guint16 *
read_label_volume (EvoxVolume  *volume,
                   guint       *k,
                   GError     **error)
{
  EvoxSampleType type = evox_volume_get_sample_type (volume);
  gsize n = evox_volume_get_n_voxels (volume);
  gconstpointer data = evox_volume_get_data (volume, 0);
  g_auto (EvoxLargeBuffer) labels = _evox_alloc_large (n * sizeof (guint16));
  guint16 *out = labels;
  guint max = 0;

  if (labels == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "could not allocate the cluster labels of %" G_GSIZE_FORMAT " voxels", n);
      return NULL;
    }
  for (gsize i = 0; i < n; i++)
    {
      guint v;

      if (type == EVOX_SAMPLE_U8)
        v = ((const guint8 *) data)[i];
      else if (type == EVOX_SAMPLE_U16)
        v = ((const guint16 *) data)[i];
      else
        {
          float f = ((const float *) data)[i];

          if (!(f >= 0.0f && f <= 65535.0f && f == floorf (f)))
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                           "voxel %" G_GSIZE_FORMAT " holds %g, not a cluster label "
                           "(a whole number from 0 to 65535)", i, (double) f);
              return NULL;
            }
          v = (guint) f;
        }
      out[i] = (guint16) v;
      max = MAX (max, v);
    }
  if (max == 0)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                           "the labels hold no cluster (every voxel is 0)");
      return NULL;
    }
  *k = max;
  return g_steal_pointer (&labels);
}

/* Per cluster and channel: the mean, then the population std from a second pass (sums of squares
 * lose digits when the mean is large next to the spread). Non-finite values are left out. */
static void
channel_curves (EvoxVolume    *features,
                const guint16 *labels,
                guint          k,
                double        *means,
                double        *stds)
{
  EvoxSampleType type = evox_volume_get_sample_type (features);
  guint d = evox_volume_get_n_channels (features);
  gsize n = evox_volume_get_n_voxels (features);
  g_autofree double *sum = g_new (double, k + 1);
  g_autofree guint64 *count = g_new (guint64, k + 1);

  for (guint f = 0; f < d; f++)
    {
      gconstpointer data = evox_volume_get_data (features, f);

      memset (sum, 0, (k + 1) * sizeof (double));
      memset (count, 0, (k + 1) * sizeof (guint64));
      for (gsize i = 0; i < n; i++)
        {
          double v = evox_sample_get (data, type, i);

          if (isfinite (v))
            {
              sum[labels[i]] += v;
              count[labels[i]]++;
            }
        }
      for (guint c = 1; c <= k; c++)
        means[(gsize) (c - 1) * d + f] = count[c] > 0 ? sum[c] / (double) count[c] : NAN;

      memset (sum, 0, (k + 1) * sizeof (double));
      for (gsize i = 0; i < n; i++)
        {
          guint16 l = labels[i];
          double v = evox_sample_get (data, type, i);

          if (l != 0 && isfinite (v))
            {
              double dv = v - means[(gsize) (l - 1) * d + f];
              sum[l] += dv * dv;
            }
        }
      for (guint c = 1; c <= k; c++)
        stds[(gsize) (c - 1) * d + f] = count[c] > 0 ? sqrt (sum[c] / (double) count[c]) : NAN;
    }
}

EvoxClusters *
evox_clusters_new_from_volume (EvoxVolume  *labels,
                               EvoxVolume  *features,
                               GError     **error)
{
  gsize dims[3], fdims[3];
  guint16 *data;
  guint k = 0, d = 0;
  g_autofree double *means = NULL;
  g_autofree double *stds = NULL;
  g_autofree double *axis = NULL;
  g_autofree char **names = NULL;
  gboolean energies = TRUE;

  g_return_val_if_fail (EVOX_IS_VOLUME (labels), NULL);
  g_return_val_if_fail (features == NULL || EVOX_IS_VOLUME (features), NULL);

  evox_volume_get_dims (labels, dims);
  if (features != NULL)
    {
      evox_volume_get_dims (features, fdims);
      if (memcmp (dims, fdims, sizeof dims) != 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "the labels are %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %"
                       G_GSIZE_FORMAT " voxels, the features %" G_GSIZE_FORMAT " x %"
                       G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT, dims[0], dims[1], dims[2],
                       fdims[0], fdims[1], fdims[2]);
          return NULL;
        }
      d = evox_volume_get_n_channels (features);
    }
  data = read_label_volume (labels, &k, error);
  if (data == NULL)
    return NULL;

  means = g_new0 (double, (gsize) k * MAX (d, 1));
  stds = g_new0 (double, (gsize) k * MAX (d, 1));
  axis = g_new0 (double, MAX (d, 1));
  names = g_new0 (char *, d + 1);
  for (guint f = 0; f < d; f++)
    {
      axis[f] = evox_volume_get_channel_energy (features, f);
      energies = energies && isfinite (axis[f]);
      names[f] = (char *) evox_volume_get_channel_label (features, f);
    }
  if (!energies)
    for (guint f = 0; f < d; f++)
      axis[f] = f;
  if (d > 0)
    channel_curves (features, data, k, means, stds);
  return evox_clusters_new_take (dims, data, k, d, (const char * const *) names, axis,
                                 d > 0 && energies ? "Energy (eV)" : "Channel", means, stds,
                                 error);
}

void
evox_clusters_get_dims (EvoxClusters *self,
                        gsize         dims[3])
{
  g_return_if_fail (EVOX_IS_CLUSTERS (self));
  memcpy (dims, self->dims, sizeof self->dims);
}

const guint16 *
evox_clusters_get_data (EvoxClusters *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), NULL);
  return self->labels;
}

guint16
evox_clusters_get_label (EvoxClusters *self,
                         gsize         x,
                         gsize         y,
                         gsize         z)
{
  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), 0);
  g_return_val_if_fail (x < self->dims[0] && y < self->dims[1] && z < self->dims[2], 0);
  return self->labels[(z * self->dims[1] + y) * self->dims[0] + x];
}

guint
evox_clusters_get_k (EvoxClusters *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), 0);
  return self->k;
}

#define CHECK_ID(self, id, val) \
  G_STMT_START { \
    g_return_val_if_fail (EVOX_IS_CLUSTERS (self), val); \
    g_return_val_if_fail ((id) >= 1 && (id) <= (self)->k, val); \
  } G_STMT_END

guint64
evox_clusters_get_voxels (EvoxClusters *self,
                          guint         id)
{
  CHECK_ID (self, id, 0);
  return self->sizes[id - 1];
}

double
evox_clusters_get_fraction (EvoxClusters *self,
                            guint         id)
{
  CHECK_ID (self, id, 0.0);
  return self->n_masked > 0 ? (double) self->sizes[id - 1] / (double) self->n_masked : 0.0;
}

guint64
evox_clusters_get_n_masked (EvoxClusters *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), 0);
  return self->n_masked;
}

guint
evox_clusters_get_n_features (EvoxClusters *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), 0);
  return self->d;
}

const char *
evox_clusters_get_feature_name (EvoxClusters *self,
                                guint         feature)
{
  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), NULL);
  g_return_val_if_fail (feature < self->d, NULL);
  return self->feature_names[feature];
}

const double *
evox_clusters_get_axis (EvoxClusters *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), NULL);
  return self->axis;
}

const char *
evox_clusters_get_axis_title (EvoxClusters *self)
{
  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), NULL);
  return self->axis_title;
}

const double *
evox_clusters_get_mean_curve (EvoxClusters *self,
                              guint         id)
{
  CHECK_ID (self, id, NULL);
  return self->means + (gsize) (id - 1) * self->d;
}

const double *
evox_clusters_get_std_curve (EvoxClusters *self,
                             guint         id)
{
  CHECK_ID (self, id, NULL);
  return self->stds + (gsize) (id - 1) * self->d;
}

const char *
evox_clusters_get_name (EvoxClusters *self,
                        guint         id)
{
  CHECK_ID (self, id, NULL);
  return self->styles[id - 1].name;
}

void
evox_clusters_set_name (EvoxClusters *self,
                        guint         id,
                        const char   *name)
{
  g_return_if_fail (EVOX_IS_CLUSTERS (self));
  g_return_if_fail (id >= 1 && id <= self->k);
  g_return_if_fail (name != NULL);

  if (g_strcmp0 (self->styles[id - 1].name, name) == 0)
    return;
  g_free (self->styles[id - 1].name);
  self->styles[id - 1].name = g_strdup (name);
  g_signal_emit (self, signals[CHANGED], 0, id);
}

const char *
evox_clusters_get_color (EvoxClusters *self,
                         guint         id)
{
  CHECK_ID (self, id, NULL);
  return self->styles[id - 1].color;
}

static gboolean
is_color (const char *color)
{
  if (color == NULL || strlen (color) != 7 || color[0] != '#')
    return FALSE;
  for (guint i = 1; i < 7; i++)
    if (!g_ascii_isxdigit (color[i]))
      return FALSE;
  return TRUE;
}

/* "#rrggbb" only; other strings are refused (a critical), the colour stays. */
void
evox_clusters_set_color (EvoxClusters *self,
                         guint         id,
                         const char   *color)
{
  g_return_if_fail (EVOX_IS_CLUSTERS (self));
  g_return_if_fail (id >= 1 && id <= self->k);
  g_return_if_fail (is_color (color));

  if (g_ascii_strcasecmp (self->styles[id - 1].color, color) == 0)
    return;
  g_strlcpy (self->styles[id - 1].color, color, sizeof self->styles[id - 1].color);
  g_signal_emit (self, signals[CHANGED], 0, id);
}

/**
 * evox_clusters_get_rgb:
 *
 * The colour as straight RGB in 0..1 (for the renderer).
 */
void
evox_clusters_get_rgb (EvoxClusters *self,
                       guint         id,
                       float         rgb[3])
{
  const char *color;

  g_return_if_fail (EVOX_IS_CLUSTERS (self));
  g_return_if_fail (id >= 1 && id <= self->k);

  color = self->styles[id - 1].color;
  for (guint i = 0; i < 3; i++)
    rgb[i] = (float) (g_ascii_xdigit_value (color[1 + 2 * i]) * 16 +
                      g_ascii_xdigit_value (color[2 + 2 * i])) / 255.0f;
}

gboolean
evox_clusters_get_visible (EvoxClusters *self,
                           guint         id)
{
  CHECK_ID (self, id, FALSE);
  return self->styles[id - 1].visible;
}

void
evox_clusters_set_visible (EvoxClusters *self,
                           guint         id,
                           gboolean      visible)
{
  g_return_if_fail (EVOX_IS_CLUSTERS (self));
  g_return_if_fail (id >= 1 && id <= self->k);

  visible = !!visible;
  if (self->styles[id - 1].visible == visible)
    return;
  self->styles[id - 1].visible = visible;
  g_signal_emit (self, signals[CHANGED], 0, id);
}

/**
 * evox_clusters_show_only:
 * @ids: (array length=n_ids): the clusters to show; ids that are no cluster are ignored
 *
 * Shows those clusters and hides the others, with one "changed" (id 0) when anything changed.
 */
void
evox_clusters_show_only (EvoxClusters *self,
                         const guint  *ids,
                         guint         n_ids)
{
  gboolean changed = FALSE;

  g_return_if_fail (EVOX_IS_CLUSTERS (self));
  g_return_if_fail (ids != NULL || n_ids == 0);

  for (guint c = 1; c <= self->k; c++)
    {
      gboolean visible = FALSE;

      for (guint i = 0; i < n_ids && !visible; i++)
        visible = ids[i] == c;
      if (self->styles[c - 1].visible != visible)
        {
          self->styles[c - 1].visible = visible;
          changed = TRUE;
        }
    }
  if (changed)
    g_signal_emit (self, signals[CHANGED], 0, 0u);
}

/* Info keys that measure the partition itself: after a merge they describe the run before it,
 * so they move to "unmerged-KEY" (the first merge keeps the run's value through later ones)
 * instead of reading as the merged result's. Keys about the run (features, scaling, seed...)
 * still hold and are copied. */
static const char * const partition_keys[] = {
  "inertia", "silhouette", "calinski-harabasz", "davies-bouldin",
};

static void
copy_info_merged (EvoxClusters *self,
                  EvoxClusters *merged,
                  guint         a,
                  guint         b)
{
  GHashTableIter iter;
  gpointer key, value;
  const char *merges, *pairs;
  char buffer[32];

  g_hash_table_iter_init (&iter, self->info);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (merged->info, g_strdup (key), g_strdup (value));
  for (guint i = 0; i < G_N_ELEMENTS (partition_keys); i++)
    {
      const char *stale = g_hash_table_lookup (self->info, partition_keys[i]);
      g_autofree char *unmerged = g_strconcat ("unmerged-", partition_keys[i], NULL);

      if (stale == NULL)
        continue;
      if (!g_hash_table_contains (merged->info, unmerged))
        g_hash_table_insert (merged->info, g_steal_pointer (&unmerged), g_strdup (stale));
      g_hash_table_remove (merged->info, partition_keys[i]);
    }
  if (g_hash_table_contains (merged->info, "k"))
    {
      if (!g_hash_table_contains (merged->info, "unmerged-k"))
        g_hash_table_insert (merged->info, g_strdup ("unmerged-k"),
                             g_strdup (g_hash_table_lookup (self->info, "k")));
      g_snprintf (buffer, sizeof buffer, "%u", merged->k);
      g_hash_table_insert (merged->info, g_strdup ("k"), g_strdup (buffer));
    }
  merges = g_hash_table_lookup (self->info, "merges");
  g_snprintf (buffer, sizeof buffer, "%" G_GUINT64_FORMAT,
              (merges != NULL ? g_ascii_strtoull (merges, NULL, 10) : 0) + 1);
  g_hash_table_insert (merged->info, g_strdup ("merges"), g_strdup (buffer));
  /* Each merge as "A:B" (b into a, the ids of that moment), so the run plus the same merges in
   * turn make these clusters again (evox_clusters_replay_merges). */
  pairs = g_hash_table_lookup (self->info, "merge-pairs");
  g_hash_table_insert (merged->info, g_strdup ("merge-pairs"),
                       pairs != NULL && *pairs != '\0' ?
                       g_strdup_printf ("%s,%u:%u", pairs, a, b) : g_strdup_printf ("%u:%u", a, b));
}

EvoxClusters *
evox_clusters_replay_merges (EvoxClusters  *self,
                             const char    *pairs,
                             GError       **error)
{
  g_autoptr (EvoxClusters) clusters = NULL;
  g_auto (GStrv) steps = NULL;

  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), NULL);
  g_return_val_if_fail (pairs != NULL, NULL);

  clusters = g_object_ref (self);
  steps = g_strsplit (pairs, ",", -1);
  for (guint i = 0; steps[i] != NULL; i++)
    {
      g_autoptr (EvoxClusters) merged = NULL;
      g_auto (GStrv) ids = g_strsplit (steps[i], ":", -1);
      guint64 a, b;

      if (g_strv_length (ids) != 2 ||
          !g_ascii_string_to_unsigned (ids[0], 10, 1, 65535, &a, NULL) ||
          !g_ascii_string_to_unsigned (ids[1], 10, 1, 65535, &b, NULL))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "merge %u of “%s” is not two cluster ids A:B", i + 1, pairs);
          return NULL;
        }
      merged = evox_clusters_merge (clusters, (guint) a, (guint) b, error);
      if (merged == NULL)
        return NULL;
      g_set_object (&clusters, merged);
    }
  return g_steal_pointer (&clusters);
}

EvoxClusters *
evox_clusters_merge (EvoxClusters  *self,
                     guint          a,
                     guint          b,
                     GError       **error)
{
  g_autoptr(EvoxClusters) merged = NULL;
  g_autofree guint *order = NULL;   /* new id - 1 -> old id */
  g_autofree guint16 *map = NULL;   /* old id -> new id */
  g_autofree guint64 *sizes = NULL;
  g_autofree double *means = NULL;
  g_autofree double *stds = NULL;
  gsize n_voxels;
  guint16 *labels;
  guint k, d;

  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), NULL);

  if (a < 1 || a > self->k || b < 1 || b > self->k || a == b)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "cannot merge cluster %u into cluster %u: give two different clusters of "
                   "1 to %u", b, a, self->k);
      return NULL;
    }
  k = self->k;
  d = self->d;
  n_voxels = self->dims[0] * self->dims[1] * self->dims[2];

  /* Pooled over the union: the mean weighted by size, and the population variance as the
   * within-cluster parts plus the spread of the two means about the pooled one. */
  sizes = g_memdup2 (self->sizes, k * sizeof (guint64));
  means = g_memdup2 (self->means, MAX ((gsize) k * d, 1) * sizeof (double));
  stds = g_memdup2 (self->stds, MAX ((gsize) k * d, 1) * sizeof (double));
  for (guint f = 0; f < d; f++)
    {
      double na = (double) sizes[a - 1], nb = (double) sizes[b - 1], n = na + nb;
      double ma = means[(gsize) (a - 1) * d + f], mb = means[(gsize) (b - 1) * d + f];
      double sa = stds[(gsize) (a - 1) * d + f], sb = stds[(gsize) (b - 1) * d + f];
      double mean, var;

      if (n == 0)
        continue;
      if (nb == 0)
        {
          mean = ma;
          var = sa * sa;
        }
      else if (na == 0)
        {
          mean = mb;
          var = sb * sb;
        }
      else
        {
          mean = (na * ma + nb * mb) / n;
          var = (na * sa * sa + nb * sb * sb + na * nb / n * (ma - mb) * (ma - mb)) / n;
        }
      means[(gsize) (a - 1) * d + f] = mean;
      stds[(gsize) (a - 1) * d + f] = sqrt (MAX (var, 0.0));
    }
  sizes[a - 1] += sizes[b - 1];

  /* The k - 1 clusters that stay, largest first; equal sizes keep their order. */
  order = g_new (guint, k);
  for (guint c = 1, j = 0; c <= k; c++)
    if (c != b)
      order[j++] = c;
  for (guint i = 1; i < k - 1; i++)
    for (guint j = i; j > 0 && sizes[order[j] - 1] > sizes[order[j - 1] - 1]; j--)
      {
        guint t = order[j];
        order[j] = order[j - 1];
        order[j - 1] = t;
      }
  map = g_new0 (guint16, k + 1);
  for (guint i = 0; i < k - 1; i++)
    map[order[i]] = (guint16) (i + 1);
  map[b] = map[a];

  labels = _evox_alloc_large (n_voxels * sizeof (guint16));
  if (labels == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "could not allocate the merged labels of %" G_GSIZE_FORMAT " voxels",
                   n_voxels);
      return NULL;
    }
  for (gsize i = 0; i < n_voxels; i++)
    labels[i] = map[self->labels[i]];

  {
    g_autofree double *new_means = g_new0 (double, MAX ((gsize) (k - 1) * d, 1));
    g_autofree double *new_stds = g_new0 (double, MAX ((gsize) (k - 1) * d, 1));

    for (guint i = 0; i < k - 1; i++)
      for (guint f = 0; f < d; f++)
        {
          new_means[(gsize) i * d + f] = means[(gsize) (order[i] - 1) * d + f];
          new_stds[(gsize) i * d + f] = stds[(gsize) (order[i] - 1) * d + f];
        }
    merged = evox_clusters_new_take (self->dims, labels, k - 1, d,
                                     (const char * const *) self->feature_names, self->axis,
                                     self->axis_title, new_means, new_stds, error);
  }
  if (merged == NULL)
    return NULL;
  for (guint i = 0; i < k - 1; i++)
    {
      const Style *style = &self->styles[order[i] - 1];

      g_free (merged->styles[i].name);
      merged->styles[i].name = g_strdup (style->name);
      memcpy (merged->styles[i].color, style->color, sizeof style->color);
      merged->styles[i].visible = style->visible;
    }
  copy_info_merged (self, merged, a, b);
  return g_steal_pointer (&merged);
}

const char *
evox_clusters_get_info (EvoxClusters *self,
                        const char   *key)
{
  g_return_val_if_fail (EVOX_IS_CLUSTERS (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (self->info, key);
}

/* Not a user's edit that views show: no "changed". NULL removes the key. */
void
evox_clusters_set_info (EvoxClusters *self,
                        const char   *key,
                        const char   *value)
{
  g_return_if_fail (EVOX_IS_CLUSTERS (self));
  g_return_if_fail (key != NULL);

  if (value == NULL)
    g_hash_table_remove (self->info, key);
  else
    g_hash_table_insert (self->info, g_strdup (key), g_strdup (value));
}

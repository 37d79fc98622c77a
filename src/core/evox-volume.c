/* evox-volume.c: the in-memory volume, its provenance and its lazily computed, cached statistics. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-volume.h"
#include "evox-histogram.h"

typedef struct
{
  gpointer           data;
  char              *label;
  double             energy_ev;
  gboolean           have_stats;
  EvoxStats          stats;
  EvoxFineHistogram *fine;
} Channel;

struct _EvoxVolume
{
  GObject            parent_instance;

  gsize              dims[3];
  EvoxSampleType     type;
  guint              n_channels;
  Channel           *channels;

  double             spacing[3];
  double             origin[3];
  EvoxValueScale     scale;
  char              *quantity;
  char              *unit;

  EvoxLayer         *layers;
  gboolean           layers_explicit;
  GArray            *scans;
  GHashTable        *metadata;

  /* Guards the lazy caches below and in channels: views on several threads may ask at once. */
  GMutex             lock;
  gboolean           frozen;
  gboolean           have_measured_stats;
  EvoxStats          measured_stats;
  EvoxFineHistogram *measured_fine;
};

G_DEFINE_FINAL_TYPE (EvoxVolume, evox_volume, G_TYPE_OBJECT)

static void
clear_scan (gpointer data)
{
  EvoxScan *scan = data;

  g_clear_pointer (&scan->label, g_free);
  g_clear_pointer (&scan->values, g_free);
}

static void
evox_volume_finalize (GObject *object)
{
  EvoxVolume *self = EVOX_VOLUME (object);

  for (guint c = 0; c < self->n_channels; c++)
    {
      g_free (self->channels[c].data);
      g_free (self->channels[c].label);
      g_clear_pointer (&self->channels[c].fine, evox_fine_histogram_unref);
    }
  g_free (self->channels);
  g_free (self->quantity);
  g_free (self->unit);
  g_free (self->layers);
  g_clear_pointer (&self->scans, g_array_unref);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_clear_pointer (&self->measured_fine, evox_fine_histogram_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (evox_volume_parent_class)->finalize (object);
}

static void
evox_volume_class_init (EvoxVolumeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_volume_finalize;
}

static void
evox_volume_init (EvoxVolume *self)
{
  g_mutex_init (&self->lock);
  self->scans = g_array_new (FALSE, TRUE, sizeof (EvoxScan));
  g_array_set_clear_func (self->scans, clear_scan);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->quantity = g_strdup ("value");
  self->unit = g_strdup ("");
  for (int i = 0; i < 3; i++)
    self->spacing[i] = 1.0;
}

static void
update_implicit_layers (EvoxVolume *self)
{
  if (self->layers_explicit)
    return;
  for (gsize z = 0; z < self->dims[2]; z++)
    self->layers[z] = (EvoxLayer) {
      .z_nm = self->origin[2] + (double) z * self->spacing[2],
      .measured = TRUE,
      .scan = -1,
      .scan_below = -1,
      .weight = 0.0,
    };
}

/**
 * evox_volume_new:
 *
 * Allocates a zero-filled volume after checking its size against the memory cap, so a header that
 * claims an absurd size becomes an error rather than an allocation attempt.
 */
EvoxVolume *
evox_volume_new (gsize            nx,
                 gsize            ny,
                 gsize            nz,
                 guint            n_channels,
                 EvoxSampleType   type,
                 GError         **error)
{
  g_autoptr(EvoxVolume) self = NULL;
  gsize n_voxels;
  gsize item = evox_sample_type_size (type);

  g_return_val_if_fail (type <= EVOX_SAMPLE_F32, NULL);

  if (nx == 0 || ny == 0 || nz == 0 || n_channels == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "volume of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " voxels and %u channels is empty", nx, ny, nz, n_channels);
      return NULL;
    }
  if (!g_size_checked_mul (&n_voxels, nx, ny) || !g_size_checked_mul (&n_voxels, n_voxels, nz) ||
      n_voxels > G_MAXUINT64 / n_channels)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "volume of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " voxels is too large", nx, ny, nz);
      return NULL;
    }
  if (!evox_check_allocation ((guint64) n_voxels * n_channels, item, "the volume", error))
    return NULL;

  self = g_object_new (EVOX_TYPE_VOLUME, NULL);
  self->dims[0] = nx;
  self->dims[1] = ny;
  self->dims[2] = nz;
  self->type = type;
  self->n_channels = n_channels;
  self->channels = g_new0 (Channel, n_channels);
  self->layers = g_new0 (EvoxLayer, nz);
  update_implicit_layers (self);

  for (guint c = 0; c < n_channels; c++)
    {
      self->channels[c].energy_ev = NAN;
      self->channels[c].data = g_try_malloc0 (n_voxels * item);
      if (self->channels[c].data == NULL)
        {
          g_autofree char *size = g_format_size_full ((guint64) n_voxels * item,
                                                      G_FORMAT_SIZE_IEC_UNITS);
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                       "could not allocate %s for the volume", size);
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

void
evox_volume_get_dims (EvoxVolume *self,
                      gsize       dims[3])
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  memcpy (dims, self->dims, sizeof self->dims);
}

gsize
evox_volume_get_n_voxels (EvoxVolume *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), 0);
  return self->dims[0] * self->dims[1] * self->dims[2];
}

EvoxSampleType
evox_volume_get_sample_type (EvoxVolume *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), EVOX_SAMPLE_U8);
  return self->type;
}

guint
evox_volume_get_n_channels (EvoxVolume *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), 0);
  return self->n_channels;
}

gconstpointer
evox_volume_get_data (EvoxVolume *self,
                      guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  g_return_val_if_fail (channel < self->n_channels, NULL);
  return self->channels[channel].data;
}

/**
 * evox_volume_get_data_mut:
 *
 * For readers filling a new volume. Once frozen (explicitly, or by the first statistics request)
 * voxels never change, so caches and views can trust them.
 */
gpointer
evox_volume_get_data_mut (EvoxVolume *self,
                          guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  g_return_val_if_fail (channel < self->n_channels, NULL);
  g_return_val_if_fail (!self->frozen, NULL);
  return self->channels[channel].data;
}

void
evox_volume_freeze (EvoxVolume *self)
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  self->frozen = TRUE;
}

gboolean
evox_volume_is_frozen (EvoxVolume *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), FALSE);
  return self->frozen;
}

static double
sample_at (EvoxSampleType type,
           gconstpointer  data,
           gsize          i)
{
  switch (type)
    {
    case EVOX_SAMPLE_U8: return ((const guint8 *) data)[i];
    case EVOX_SAMPLE_U16: return ((const guint16 *) data)[i];
    case EVOX_SAMPLE_F32: return ((const float *) data)[i];
    default: g_assert_not_reached ();
    }
}

double
evox_volume_get_value (EvoxVolume *self,
                       guint       channel,
                       gsize       x,
                       gsize       y,
                       gsize       z)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NAN);
  g_return_val_if_fail (channel < self->n_channels, NAN);
  g_return_val_if_fail (x < self->dims[0] && y < self->dims[1] && z < self->dims[2], NAN);
  return sample_at (self->type, self->channels[channel].data,
                    (z * self->dims[1] + y) * self->dims[0] + x);
}

const char *
evox_volume_get_channel_label (EvoxVolume *self,
                               guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  g_return_val_if_fail (channel < self->n_channels, NULL);
  return self->channels[channel].label;
}

double
evox_volume_get_channel_energy (EvoxVolume *self,
                                guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NAN);
  g_return_val_if_fail (channel < self->n_channels, NAN);
  return self->channels[channel].energy_ev;
}

void
evox_volume_set_channel_info (EvoxVolume *self,
                              guint       channel,
                              const char *label,
                              double      energy_ev)
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  g_return_if_fail (channel < self->n_channels);
  g_free (self->channels[channel].label);
  self->channels[channel].label = g_strdup (label);
  self->channels[channel].energy_ev = energy_ev;
}

/**
 * evox_volume_find_channel:
 *
 * Resolves what a user typed: a channel label, or else a 0-based index. Returns -1 if neither.
 */
int
evox_volume_find_channel (EvoxVolume *self,
                          const char *name_or_index)
{
  guint64 index;

  g_return_val_if_fail (EVOX_IS_VOLUME (self), -1);
  g_return_val_if_fail (name_or_index != NULL, -1);

  for (guint c = 0; c < self->n_channels; c++)
    if (g_strcmp0 (self->channels[c].label, name_or_index) == 0)
      return c;
  if (g_ascii_string_to_unsigned (name_or_index, 10, 0, self->n_channels - 1, &index, NULL))
    return (int) index;
  return -1;
}

void
evox_volume_get_spacing (EvoxVolume *self,
                         double      spacing_nm[3])
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  memcpy (spacing_nm, self->spacing, sizeof self->spacing);
}

void
evox_volume_set_spacing (EvoxVolume   *self,
                         const double  spacing_nm[3])
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  for (int i = 0; i < 3; i++)
    g_return_if_fail (isfinite (spacing_nm[i]) && spacing_nm[i] > 0);
  memcpy (self->spacing, spacing_nm, sizeof self->spacing);
  update_implicit_layers (self);
}

void
evox_volume_get_origin (EvoxVolume *self,
                        double      origin_nm[3])
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  memcpy (origin_nm, self->origin, sizeof self->origin);
}

void
evox_volume_set_origin (EvoxVolume   *self,
                        const double  origin_nm[3])
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  memcpy (self->origin, origin_nm, sizeof self->origin);
  update_implicit_layers (self);
}

EvoxValueScale
evox_volume_get_value_scale (EvoxVolume *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), EVOX_SCALE_LINEAR);
  return self->scale;
}

const char *
evox_volume_get_unit (EvoxVolume *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  return self->unit;
}

const char *
evox_volume_get_quantity (EvoxVolume *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  return self->quantity;
}

void
evox_volume_set_values (EvoxVolume     *self,
                        EvoxValueScale  scale,
                        const char     *quantity,
                        const char     *unit)
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  self->scale = scale;
  g_free (self->quantity);
  self->quantity = g_strdup (quantity != NULL ? quantity : "value");
  g_free (self->unit);
  self->unit = g_strdup (unit != NULL ? unit : "");
}

const EvoxLayer *
evox_volume_get_layer (EvoxVolume *self,
                       gsize       z)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  g_return_val_if_fail (z < self->dims[2], NULL);
  return &self->layers[z];
}

void
evox_volume_set_layer (EvoxVolume      *self,
                       gsize            z,
                       const EvoxLayer *layer)
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  g_return_if_fail (z < self->dims[2]);
  g_return_if_fail (layer != NULL);
  self->layers_explicit = TRUE;
  self->layers[z] = *layer;
}

guint
evox_volume_get_n_scans (EvoxVolume *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), 0);
  return self->scans->len;
}

const EvoxScan *
evox_volume_get_scan (EvoxVolume *self,
                      guint       i)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  g_return_val_if_fail (i < self->scans->len, NULL);
  return &g_array_index (self->scans, EvoxScan, i);
}

/**
 * evox_volume_add_scan:
 * @values: (transfer full): nx * ny values allocated with g_malloc
 */
void
evox_volume_add_scan (EvoxVolume *self,
                      double      z_nm,
                      const char *label,
                      float      *values)
{
  EvoxScan scan = { z_nm, g_strdup (label), values };

  g_return_if_fail (EVOX_IS_VOLUME (self));
  g_return_if_fail (values != NULL);
  g_return_if_fail (!self->frozen);
  g_array_append_val (self->scans, scan);
}

const char *
evox_volume_get_metadata (EvoxVolume *self,
                          const char *key)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (self->metadata, key);
}

void
evox_volume_set_metadata (EvoxVolume *self,
                          const char *key,
                          const char *value)
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  g_return_if_fail (key != NULL);
  if (value == NULL)
    g_hash_table_remove (self->metadata, key);
  else
    g_hash_table_replace (self->metadata, g_strdup (key), g_strdup (value));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

GStrv
evox_volume_dup_metadata_keys (EvoxVolume *self)
{
  g_autofree const char **keys = NULL;
  GStrv copy;

  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  keys = (const char **) g_hash_table_get_keys_as_array (self->metadata, NULL);
  copy = g_strdupv ((char **) keys);
  g_qsort_with_data (copy, g_strv_length (copy), sizeof (char *), compare_strings, NULL);
  return copy;
}

/* Statistics. Integer volumes get theirs from the exact fine histogram in O(bins); float data
 * needs a pass, done in cache-sized chunks with a two-pass mean and spread inside each chunk and
 * Chan's pairwise merge between chunks, so std stays accurate when |mean| >> std. */

typedef struct
{
  double  min, max, mean, m2;
  guint64 n, n_bad;
} Moments;

static void
moments_merge (Moments       *into,
               const Moments *other)
{
  guint64 n = into->n + other->n;

  into->n_bad += other->n_bad;
  if (other->n == 0)
    return;
  if (into->n == 0)
    {
      guint64 bad = into->n_bad;
      *into = *other;
      into->n_bad = bad;
      return;
    }
  {
    double delta = other->mean - into->mean;
    into->mean += delta * (double) other->n / (double) n;
    into->m2 += other->m2 + delta * delta * (double) into->n * (double) other->n / (double) n;
    into->min = MIN (into->min, other->min);
    into->max = MAX (into->max, other->max);
    into->n = n;
  }
}

#define MOMENT_CHUNK 16384

static void
moments_of_chunk (const float *v,
                  gsize        n,
                  Moments     *out)
{
  double sum = 0.0, m2 = 0.0;
  float lo = INFINITY, hi = -INFINITY;
  gsize good = 0;
  double mean;

  for (gsize i = 0; i < n; i++)
    if (isfinite (v[i]))
      {
        sum += v[i];
        lo = MIN (lo, v[i]);
        hi = MAX (hi, v[i]);
        good++;
      }
  *out = (Moments) { lo, hi, 0.0, 0.0, good, n - good };
  if (good == 0)
    return;
  mean = sum / (double) good;
  for (gsize i = 0; i < n; i++)
    if (isfinite (v[i]))
      {
        double d = v[i] - mean;
        m2 += d * d;
      }
  out->mean = mean;
  out->m2 = m2;
}

static Moments
moments_of_floats (const float *v,
                   gsize        n)
{
  gsize n_chunks = (n + MOMENT_CHUNK - 1) / MOMENT_CHUNK;
  Moments total = { 0 };

#pragma omp parallel
  {
    Moments mine = { 0 };

#pragma omp for schedule(static) nowait
    for (gsize c = 0; c < n_chunks; c++)
      {
        Moments chunk;
        gsize start = c * MOMENT_CHUNK;
        moments_of_chunk (v + start, MIN (MOMENT_CHUNK, n - start), &chunk);
        moments_merge (&mine, &chunk);
      }
#pragma omp critical
    moments_merge (&total, &mine);
  }
  return total;
}

static void
stats_from_moments (const Moments *m,
                    EvoxStats     *stats)
{
  *stats = (EvoxStats) {
    .min = m->n ? m->min : NAN,
    .max = m->n ? m->max : NAN,
    .mean = m->n ? m->mean : NAN,
    .std = m->n ? sqrt (m->m2 / (double) m->n) : NAN,
    .n_finite = m->n,
    .n_nonfinite = m->n_bad,
  };
}

static void
stats_from_exact_histogram (EvoxFineHistogram *fine,
                            EvoxStats         *stats)
{
  const guint64 *counts = evox_fine_histogram_get_counts (fine);
  guint n_bins = evox_fine_histogram_get_n_bins (fine);
  Moments m = { 0 };

  for (guint v = 0; v < n_bins; v++)
    if (counts[v] != 0)
      {
        Moments bin = { v, v, v, 0.0, counts[v], 0 };
        moments_merge (&m, &bin);
      }
  stats_from_moments (&m, stats);
}

/* Called with the lock held. */
static EvoxFineHistogram *
ensure_fine_histogram (EvoxVolume *self,
                       guint       channel);

static const EvoxStats *
ensure_stats (EvoxVolume *self,
              guint       channel)
{
  Channel *ch = &self->channels[channel];

  if (ch->have_stats)
    return &ch->stats;
  self->frozen = TRUE;
  if (self->type == EVOX_SAMPLE_F32)
    {
      Moments m = moments_of_floats (ch->data, evox_volume_get_n_voxels (self));
      stats_from_moments (&m, &ch->stats);
    }
  else
    stats_from_exact_histogram (ensure_fine_histogram (self, channel), &ch->stats);
  ch->have_stats = TRUE;
  return &ch->stats;
}

static EvoxFineHistogram *
ensure_fine_histogram (EvoxVolume *self,
                       guint       channel)
{
  Channel *ch = &self->channels[channel];
  double lo = 0, hi = 0;

  if (ch->fine != NULL)
    return ch->fine;
  self->frozen = TRUE;
  if (self->type == EVOX_SAMPLE_F32)
    {
      const EvoxStats *stats = ensure_stats (self, channel);
      lo = stats->min;
      hi = stats->max;
    }
  ch->fine = evox_fine_histogram_new (self->type, ch->data, self->dims[0] * self->dims[1],
                                      self->dims[2], lo, hi);
  return ch->fine;
}

/**
 * evox_volume_get_stats:
 *
 * Min, max, mean and population std of the finite values, computed on first use and cached.
 */
const EvoxStats *
evox_volume_get_stats (EvoxVolume *self,
                       guint       channel)
{
  const EvoxStats *stats;

  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  g_return_val_if_fail (channel < self->n_channels, NULL);

  g_mutex_lock (&self->lock);
  stats = ensure_stats (self, channel);
  g_mutex_unlock (&self->lock);
  return stats;
}

/**
 * evox_volume_get_fine_histogram:
 *
 * Returns: (transfer none): the channel's fine histogram, built on first use and cached.
 */
EvoxFineHistogram *
evox_volume_get_fine_histogram (EvoxVolume *self,
                                guint       channel)
{
  EvoxFineHistogram *fine;

  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  g_return_val_if_fail (channel < self->n_channels, NULL);

  g_mutex_lock (&self->lock);
  fine = ensure_fine_histogram (self, channel);
  g_mutex_unlock (&self->lock);
  return fine;
}

static const EvoxStats *
ensure_measured_stats (EvoxVolume *self)
{
  Moments total = { 0 };
  gsize layer_size = self->dims[0] * self->dims[1];

  if (self->have_measured_stats)
    return &self->measured_stats;
  for (guint i = 0; i < self->scans->len; i++)
    {
      Moments m = moments_of_floats (g_array_index (self->scans, EvoxScan, i).values, layer_size);
      moments_merge (&total, &m);
    }
  stats_from_moments (&total, &self->measured_stats);
  self->have_measured_stats = TRUE;
  return &self->measured_stats;
}

/**
 * evox_volume_get_measured_stats:
 *
 * Statistics of the measured scans only, never of interpolated layers. For volumes without scans
 * every layer is measured, so this is the first channel's statistics.
 */
const EvoxStats *
evox_volume_get_measured_stats (EvoxVolume *self)
{
  const EvoxStats *stats;

  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);

  if (self->scans->len == 0)
    return evox_volume_get_stats (self, 0);
  g_mutex_lock (&self->lock);
  stats = ensure_measured_stats (self);
  g_mutex_unlock (&self->lock);
  return stats;
}

/**
 * evox_volume_get_measured_fine_histogram:
 *
 * Returns: (transfer none): the fine histogram of the measured scans, with one layer per scan.
 */
EvoxFineHistogram *
evox_volume_get_measured_fine_histogram (EvoxVolume *self)
{
  EvoxFineHistogram *fine;

  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);

  if (self->scans->len == 0)
    return evox_volume_get_fine_histogram (self, 0);

  g_mutex_lock (&self->lock);
  if (self->measured_fine == NULL)
    {
      const EvoxStats *stats = ensure_measured_stats (self);
      g_autofree const float **layers = g_new (const float *, self->scans->len);

      for (guint i = 0; i < self->scans->len; i++)
        layers[i] = g_array_index (self->scans, EvoxScan, i).values;
      self->measured_fine = evox_fine_histogram_new_from_layers (layers,
                                                                 self->dims[0] * self->dims[1],
                                                                 self->scans->len,
                                                                 stats->min, stats->max);
    }
  fine = self->measured_fine;
  g_mutex_unlock (&self->lock);
  return fine;
}

/**
 * evox_volume_source_is_integer:
 *
 * Whether the file held integers (even if they are now stored as f32), which decides whether
 * numpy-compatible histograms compare in double (integers) or single precision (floats).
 */
gboolean
evox_volume_source_is_integer (EvoxVolume *self)
{
  const char *source;

  g_return_val_if_fail (EVOX_IS_VOLUME (self), FALSE);
  if (self->type != EVOX_SAMPLE_F32)
    return TRUE;
  source = evox_volume_get_metadata (self, "source_type");
  return source != NULL && (source[0] == 'i' || source[0] == 'u');
}

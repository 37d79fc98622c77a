/* evox-volume.c: the in-memory volume, its provenance and its lazily computed, cached statistics. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-volume.h"
#include "evox-histogram.h"
#include "evox-simd-private.h"

typedef struct
{
  gpointer           data;
  char              *label;
  double             energy_ev;
  /* Lateral pixel size (nm) the channel was imaged with; 0: the volume's x and y spacing. A raw
   * spectral stack keeps each energy's own magnification here until it is registered. */
  double             pixel_size_nm;
  /* What the numbers mean: a derived channel (cluster ids) differs from the measured ones. */
  EvoxValueScale     scale;
  char              *quantity;
  char              *unit;
  EvoxStats          stats;
  EvoxFineHistogram *fine;      /* with stats, built on first use; NULL until then */
  gboolean           borrowed;  /* data belongs to `base`, which this volume keeps alive */
  gboolean           derived;   /* a map computed from the other channels (see below) */
} Channel;

struct _EvoxVolume
{
  GObject            parent_instance;

  gsize              dims[3];
  EvoxSampleType     type;
  guint              n_channels;
  Channel           *channels;

  double             spacing[3];
  gboolean           spacing_known;
  GMutex             spacing_lock;  /* not `lock`: that one is held while histograms build */
  double             origin[3];

  EvoxLayer         *layers;
  gboolean           layers_explicit;
  GArray            *scans;
  GHashTable        *metadata;

  /* Guards the lazy caches below and in channels: views on several threads may ask at once. */
  GMutex             lock;
  gboolean           frozen;
  EvoxStats          measured_stats;
  EvoxFineHistogram *measured_fine; /* with measured_stats, built on first use */
  EvoxVolume        *base;          /* owner of the borrowed channels' voxels, or NULL */
};

G_DEFINE_FINAL_TYPE (EvoxVolume, evox_volume, G_TYPE_OBJECT)

static void
clear_scan (gpointer data)
{
  EvoxScan *scan = data;

  g_clear_pointer (&scan->label, g_free);
  g_clear_pointer (&scan->values, _evox_free_large);
}

static void
evox_volume_finalize (GObject *object)
{
  EvoxVolume *self = EVOX_VOLUME (object);

  for (guint c = 0; c < self->n_channels; c++)
    {
      if (!self->channels[c].borrowed)
        _evox_free_large (self->channels[c].data);
      g_free (self->channels[c].label);
      g_free (self->channels[c].quantity);
      g_free (self->channels[c].unit);
      g_clear_pointer (&self->channels[c].fine, evox_fine_histogram_unref);
    }
  g_free (self->channels);
  g_free (self->layers);
  g_clear_pointer (&self->scans, g_array_unref);
  g_clear_pointer (&self->metadata, g_hash_table_unref);
  g_clear_pointer (&self->measured_fine, evox_fine_histogram_unref);
  g_clear_object (&self->base);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->spacing_lock);

  G_OBJECT_CLASS (evox_volume_parent_class)->finalize (object);
}

static void
evox_volume_class_init (EvoxVolumeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_volume_finalize;
  /* Volumes are what fills memory: from the first one on, big buffers return it when freed. */
  _evox_memory_init ();
}

static void
evox_volume_init (EvoxVolume *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->spacing_lock);
  self->scans = g_array_new (FALSE, TRUE, sizeof (EvoxScan));
  g_array_set_clear_func (self->scans, clear_scan);
  self->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
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

/* What a volume holds once loaded: the voxels of every channel, a record per layer, and each
 * channel's fine histogram with the per-layer counts it keeps when they fit its budget. A thin
 * stack of many layers costs more in records and counts than in voxels. */
static guint64
volume_bytes (gsize          n_voxels,
              gsize          layer_size,
              gsize          nz,
              guint          n_channels,
              EvoxSampleType type)
{
  guint64 n_bins = type == EVOX_SAMPLE_U8 ? 256 : type == EVOX_SAMPLE_U16 ? 65536
                                                  : EVOX_FINE_HISTOGRAM_FLOAT_BINS;
  guint64 layer_bins = (n_bins + 1) * sizeof (guint32);
  guint64 histogram = 2 * (n_bins + 1) * sizeof (guint64);
  guint64 voxels = (guint64) n_voxels * evox_sample_type_size (type);

  if (nz <= EVOX_FINE_HISTOGRAM_LAYER_BUDGET / layer_bins && (guint64) layer_size * 4 >= n_bins)
    histogram += nz * layer_bins;
  /* No overflow: the caller keeps n_voxels * n_channels below 2^56. */
  return (voxels + histogram) * n_channels + (guint64) nz * sizeof (EvoxLayer);
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
      n_voxels > (G_MAXUINT64 >> 8) / n_channels)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "volume of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " voxels is too large", nx, ny, nz);
      return NULL;
    }
  if (!evox_check_allocation (volume_bytes (n_voxels, nx * ny, nz, n_channels, type), 1,
                              "the volume", error))
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
      self->channels[c].quantity = g_strdup ("value");
      self->channels[c].unit = g_strdup ("");
      self->channels[c].data = _evox_alloc_large (n_voxels * item);
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

/* A derived channel labelled `label` is the one a new map of that label replaces; a loaded channel
 * that happens to carry the label stays. */
static gboolean
is_replaced (const Channel *channel,
             const char    *label)
{
  return channel->derived && g_strcmp0 (channel->label, label) == 0;
}

/**
 * _evox_volume_new_with_channel:
 * @data: (transfer full): an _evox_alloc_large () buffer of the base's voxel count and sample
 *   type; freed on failure too
 *
 * A derived map as a volume: every channel of base but a derived one labelled `label` (which the
 * new one replaces; a loaded channel of that label stays), sharing their voxels and cached
 * histograms (base stays alive while the new volume does), then a channel `label` holding data.
 * Spacing, origin, values, layers, scans and metadata are the base's. Frozen. No voxel is copied,
 * so a 2 GB volume stays 2 GB.
 */
EvoxVolume *
_evox_volume_new_with_channel (EvoxVolume  *base,
                               const char  *label,
                               gpointer     data,
                               GError     **error)
{
  g_auto (EvoxLargeBuffer) owned = data;
  g_autoptr(EvoxVolume) self = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gboolean owns_kept;
  guint n = 0;

  g_return_val_if_fail (EVOX_IS_VOLUME (base), NULL);
  g_return_val_if_fail (label != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);

  for (guint c = 0; c < base->n_channels; c++)
    if (!is_replaced (&base->channels[c], label))
      n++;
  if (!evox_check_allocation (evox_volume_get_n_voxels (base),
                              evox_sample_type_size (base->type), "the new channel", error))
    return NULL;

  self = g_object_new (EVOX_TYPE_VOLUME, NULL);
  memcpy (self->dims, base->dims, sizeof self->dims);
  self->type = base->type;
  self->n_channels = n + 1;
  self->channels = g_new0 (Channel, n + 1);
  base->frozen = TRUE;
  /* A map replacing the one a derived base added (new clusters after a first "Clusters"
   * channel): every kept channel is the base's base's, so hold that one and let the replaced
   * channel go with the base. */
  owns_kept = base->base == NULL;
  for (guint c = 0; c < base->n_channels && !owns_kept; c++)
    owns_kept = !base->channels[c].borrowed && !is_replaced (&base->channels[c], label);
  self->base = g_object_ref (owns_kept ? base : base->base);

  g_mutex_lock (&base->lock);
  for (guint c = 0, i = 0; c < base->n_channels; c++)
    {
      const Channel *from = &base->channels[c];
      Channel *to;

      if (is_replaced (from, label))
        continue;
      to = &self->channels[i++];
      to->data = from->data;
      to->borrowed = TRUE;
      to->label = g_strdup (from->label);
      to->energy_ev = from->energy_ev;
      to->pixel_size_nm = from->pixel_size_nm;
      to->derived = from->derived;
      to->scale = from->scale;
      to->quantity = g_strdup (from->quantity);
      to->unit = g_strdup (from->unit);
      if (from->fine != NULL)
        {
          to->fine = evox_fine_histogram_ref (from->fine);
          to->stats = from->stats;
        }
    }
  g_mutex_unlock (&base->lock);
  self->channels[n].data = g_steal_pointer (&owned);
  self->channels[n].label = g_strdup (label);
  self->channels[n].energy_ev = NAN;
  self->channels[n].derived = TRUE;
  /* The new map's meaning is its maker's to say (evox_volume_set_channel_values); until then
   * it is a plain linear value, not the base's log10 resistance. */
  self->channels[n].scale = EVOX_SCALE_LINEAR;
  self->channels[n].quantity = g_strdup ("value");
  self->channels[n].unit = g_strdup ("");

  evox_volume_get_spacing (base, self->spacing);
  self->spacing_known = evox_volume_get_spacing_known (base);
  memcpy (self->origin, base->origin, sizeof self->origin);
  self->layers = g_memdup2 (base->layers, MAX (base->dims[2], 1) * sizeof (EvoxLayer));
  self->layers_explicit = base->layers_explicit;
  for (guint i = 0; i < base->scans->len; i++)
    {
      const EvoxScan *scan = &g_array_index (base->scans, EvoxScan, i);
      EvoxScan copy = {
        .z_nm = scan->z_nm,
        .label = g_strdup (scan->label),
        .values = _evox_alloc_large (base->dims[0] * base->dims[1] * sizeof (float)),
      };

      if (copy.values == NULL)
        {
          g_free (copy.label);
          g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                               "could not allocate the scans of the new volume");
          return NULL;
        }
      memcpy (copy.values, scan->values, base->dims[0] * base->dims[1] * sizeof (float));
      g_array_append_val (self->scans, copy);
    }
  g_hash_table_iter_init (&iter, base->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (self->metadata, g_strdup (key), g_strdup (value));
  self->frozen = TRUE;
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
  return evox_sample_get (self->channels[channel].data, self->type,
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

/**
 * evox_volume_get_channel_pixel_size:
 *
 * The lateral pixel size in nm the channel was imaged with: what evox_volume_set_channel_pixel_size
 * gave, or else the volume's x spacing.
 */
double
evox_volume_get_channel_pixel_size (EvoxVolume *self,
                                    guint       channel)
{
  double spacing[3];

  g_return_val_if_fail (EVOX_IS_VOLUME (self), NAN);
  g_return_val_if_fail (channel < self->n_channels, NAN);
  if (self->channels[channel].pixel_size_nm > 0)
    return self->channels[channel].pixel_size_nm;
  evox_volume_get_spacing (self, spacing);
  return spacing[0];
}

/* pixel_size_nm <= 0 (or NaN) returns the channel to the volume's spacing. */
void
evox_volume_set_channel_pixel_size (EvoxVolume *self,
                                    guint       channel,
                                    double      pixel_size_nm)
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  g_return_if_fail (channel < self->n_channels);
  self->channels[channel].pixel_size_nm = pixel_size_nm > 0 ? pixel_size_nm : 0;
}

gboolean
evox_volume_has_channel_pixel_size (EvoxVolume *self,
                                    guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), FALSE);
  g_return_val_if_fail (channel < self->n_channels, FALSE);
  return self->channels[channel].pixel_size_nm > 0;
}

/* TRUE for a channel that a derived volume added (the "Clusters" channel of Make Phase): it was
 * computed from the loaded channels, so it is no feature of a new clustering by default. */
gboolean
evox_volume_get_channel_derived (EvoxVolume *self,
                                 guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), FALSE);
  g_return_val_if_fail (channel < self->n_channels, FALSE);
  return self->channels[channel].derived;
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
  g_mutex_lock (&self->spacing_lock);
  memcpy (spacing_nm, self->spacing, sizeof self->spacing);
  g_mutex_unlock (&self->spacing_lock);
}

/**
 * evox_volume_set_spacing:
 *
 * States the voxel size, which makes it known. The spacing is a description of the voxels, not
 * part of them, so it may change after freezing (a user who sets the voxel size of an open file);
 * the lock keeps a reader on another thread from seeing half of the three numbers.
 */
void
evox_volume_set_spacing (EvoxVolume   *self,
                         const double  spacing_nm[3])
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  for (int i = 0; i < 3; i++)
    g_return_if_fail (isfinite (spacing_nm[i]) && spacing_nm[i] > 0);
  g_mutex_lock (&self->spacing_lock);
  memcpy (self->spacing, spacing_nm, sizeof self->spacing);
  self->spacing_known = TRUE;
  g_mutex_unlock (&self->spacing_lock);
  update_implicit_layers (self);
}

/**
 * evox_volume_get_spacing_known:
 *
 * Whether anything stated the voxel size (the file, the user, the program that made the volume).
 * Until then the spacing is 1 nm per voxel only so that geometry works, and lengths are to be
 * shown in voxels.
 */
gboolean
evox_volume_get_spacing_known (EvoxVolume *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), FALSE);
  return self->spacing_known;
}

/* For readers that had to assume a size (an SSRM table read without a pixel size). */
void
evox_volume_set_spacing_known (EvoxVolume *self,
                               gboolean    known)
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  self->spacing_known = known;
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

void
evox_volume_copy_grid (EvoxVolume *self,
                       EvoxVolume *like)
{
  double spacing[3], origin[3];

  g_return_if_fail (EVOX_IS_VOLUME (self));
  g_return_if_fail (EVOX_IS_VOLUME (like));

  evox_volume_get_spacing (like, spacing);
  evox_volume_set_spacing (self, spacing);
  /* after set_spacing, which takes a spacing given as known */
  evox_volume_set_spacing_known (self, evox_volume_get_spacing_known (like));
  evox_volume_get_origin (like, origin);
  evox_volume_set_origin (self, origin);
}

/* The volume-wide value meaning is channel 0's: what the reader measured. Code that shows or
 * computes with one channel's values asks for that channel's (evox_volume_get_channel_*). */
EvoxValueScale
evox_volume_get_value_scale (EvoxVolume *self)
{
  return evox_volume_get_channel_value_scale (self, 0);
}

const char *
evox_volume_get_unit (EvoxVolume *self)
{
  return evox_volume_get_channel_unit (self, 0);
}

const char *
evox_volume_get_quantity (EvoxVolume *self)
{
  return evox_volume_get_channel_quantity (self, 0);
}

/* Every channel gets the meaning: readers of single-meaning files call this. */
void
evox_volume_set_values (EvoxVolume     *self,
                        EvoxValueScale  scale,
                        const char     *quantity,
                        const char     *unit)
{
  g_return_if_fail (EVOX_IS_VOLUME (self));
  for (guint c = 0; c < self->n_channels; c++)
    evox_volume_set_channel_values (self, c, scale, quantity, unit);
}

EvoxValueScale
evox_volume_get_channel_value_scale (EvoxVolume *self,
                                     guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), EVOX_SCALE_LINEAR);
  g_return_val_if_fail (channel < self->n_channels, EVOX_SCALE_LINEAR);
  return self->channels[channel].scale;
}

const char *
evox_volume_get_channel_unit (EvoxVolume *self,
                              guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  g_return_val_if_fail (channel < self->n_channels, NULL);
  return self->channels[channel].unit;
}

const char *
evox_volume_get_channel_quantity (EvoxVolume *self,
                                  guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), NULL);
  g_return_val_if_fail (channel < self->n_channels, NULL);
  return self->channels[channel].quantity;
}

/* quantity NULL means "value", unit NULL means none. */
void
evox_volume_set_channel_values (EvoxVolume     *self,
                                guint           channel,
                                EvoxValueScale  scale,
                                const char     *quantity,
                                const char     *unit)
{
  Channel *ch;

  g_return_if_fail (EVOX_IS_VOLUME (self));
  g_return_if_fail (channel < self->n_channels);
  ch = &self->channels[channel];
  ch->scale = scale;
  g_free (ch->quantity);
  ch->quantity = g_strdup (quantity != NULL ? quantity : "value");
  g_free (ch->unit);
  ch->unit = g_strdup (unit != NULL ? unit : "");
}

/* TRUE when every channel means the same (one scale, quantity and unit). */
gboolean
evox_volume_channels_share_values (EvoxVolume *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (self), TRUE);
  for (guint c = 1; c < self->n_channels; c++)
    if (self->channels[c].scale != self->channels[0].scale ||
        g_strcmp0 (self->channels[c].quantity, self->channels[0].quantity) != 0 ||
        g_strcmp0 (self->channels[c].unit, self->channels[0].unit) != 0)
      return FALSE;
  return TRUE;
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
 *
 * The values move into a buffer of their own from _evox_alloc_large (), as the voxels do, so
 * that closing the volume returns their memory to the system.
 */
void
evox_volume_add_scan (EvoxVolume *self,
                      double      z_nm,
                      const char *label,
                      float      *values)
{
  gsize bytes = self->dims[0] * self->dims[1] * sizeof (float);
  EvoxScan scan = { z_nm, NULL, NULL };

  g_return_if_fail (EVOX_IS_VOLUME (self));
  g_return_if_fail (values != NULL);
  g_return_if_fail (!self->frozen);

  scan.values = _evox_alloc_large (bytes);
  if (scan.values == NULL)
    g_error ("could not allocate a scan of %" G_GSIZE_FORMAT " bytes", bytes);
  memcpy (scan.values, values, bytes);
  g_free (values);
  scan.label = g_strdup (label);
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

/* Statistics. Integer volumes get all of theirs from the exact fine histogram in O(bins). Float
 * volumes need min and max before they can be binned: one vectorised pass finds them together
 * with mean and std, and the binning is the second and last pass. */

typedef struct
{
  float   min, max;
  guint64 n_finite, n_bad;
  double  mean, m2;     /* of the finite values; m2 = sum of squared deviations */
} Extent;

#define EMPTY_EXTENT { INFINITY, -INFINITY, 0, 0, 0.0, 0.0 }

/* Chan's pairwise update keeps the merged spread accurate whatever the order. */
static void
extent_merge (Extent       *into,
              const Extent *other)
{
  guint64 n = into->n_finite + other->n_finite;

  into->min = MIN (into->min, other->min);
  into->max = MAX (into->max, other->max);
  into->n_bad += other->n_bad;
  if (other->n_finite == 0)
    return;
  if (into->n_finite == 0)
    {
      into->mean = other->mean;
      into->m2 = other->m2;
    }
  else
    {
      double delta = other->mean - into->mean;
      into->mean += delta * (double) other->n_finite / (double) n;
      into->m2 += other->m2 + delta * delta * (double) into->n_finite *
                  (double) other->n_finite / (double) n;
    }
  into->n_finite = n;
}

/* Explicit vectors: GCC does not vectorise double reductions of float data without
 * -ffast-math, and this pass would otherwise cost more than the binning itself. */
typedef float   V4F __attribute__ ((vector_size (16)));
typedef gint32  V4I __attribute__ ((vector_size (16)));
typedef float   V8F __attribute__ ((vector_size (32)));
typedef gint32  V8I __attribute__ ((vector_size (32)));
typedef double  V4D __attribute__ ((vector_size (32)));
typedef gint64  V4L __attribute__ ((vector_size (32)));

/* One step of the moments about SHIFT: four values, masked to the finite ones when MASKED. */
#define MOMENTS_STEP(x, shift, masked, s1, s2)                                        \
  G_STMT_START {                                                                       \
    V4F v_;                                                                            \
    V4D d_;                                                                            \
    memcpy (&v_, (x), sizeof v_);                                                      \
    d_ = __builtin_convertvector (v_, V4D) - (shift);                                  \
    if (masked)                                                                        \
      d_ = (V4D) ((V4L) d_ & __builtin_convertvector ((v_ - v_) == (V4F) { 0 }, V4L)); \
    (s1) += d_;                                                                        \
    (s2) += d_ * d_;                                                                   \
  } G_STMT_END

/* Sums about a value of the chunk itself, so they stay accurate when |mean| >> std. Four pairs
 * of sums, so the additions do not wait on each other; a chunk with no NaN or infinity (the
 * common case, which the min/max loop found out) skips the mask. */
EVOX_TARGET_CLONES static void
moments_of_chunk (const float *x,
                  gsize        len,
                  gboolean     all_finite,
                  Extent      *e)
{
  V4D a1 = { 0 }, a2 = { 0 }, b1 = { 0 }, b2 = { 0 }, c1 = { 0 }, c2 = { 0 }, d1 = { 0 },
      d2 = { 0 }, shift;
  double centre = NAN, sum1, sum2;
  gsize i = 0, n_finite = 0;

  for (gsize k = 0; k < len && isnan (centre); k++)
    if (isfinite (x[k]))
      centre = x[k];
  if (isnan (centre))
    return;
  shift = (V4D) { centre, centre, centre, centre };

  if (all_finite)
    for (; i + 16 <= len; i += 16)
      {
        MOMENTS_STEP (x + i, shift, FALSE, a1, a2);
        MOMENTS_STEP (x + i + 4, shift, FALSE, b1, b2);
        MOMENTS_STEP (x + i + 8, shift, FALSE, c1, c2);
        MOMENTS_STEP (x + i + 12, shift, FALSE, d1, d2);
      }
  else
    for (; i + 16 <= len; i += 16)
      {
        MOMENTS_STEP (x + i, shift, TRUE, a1, a2);
        MOMENTS_STEP (x + i + 4, shift, TRUE, b1, b2);
        MOMENTS_STEP (x + i + 8, shift, TRUE, c1, c2);
        MOMENTS_STEP (x + i + 12, shift, TRUE, d1, d2);
      }
  a1 += b1 + c1 + d1;
  a2 += b2 + c2 + d2;
  sum1 = a1[0] + a1[1] + a1[2] + a1[3];
  sum2 = a2[0] + a2[1] + a2[2] + a2[3];
  for (; i < len; i++)
    if (isfinite (x[i]))
      {
        double d = (double) x[i] - centre;
        sum1 += d;
        sum2 += d * d;
      }
  n_finite = len - e->n_bad;
  e->n_finite = n_finite;
  e->mean = centre + sum1 / (double) n_finite;
  e->m2 = MAX (0.0, sum2 - sum1 * sum1 / (double) n_finite);
}

/* 32 KiB, so the moments loop reads the chunk back from L1 after the min/max loop. */
#define EXTENT_CHUNK 8192

/* Lane-wise A < B ? A : B and A > B ? A : B (C has no vector ?:). A comparison with NaN is
 * false, so a NaN in A never wins. */
#define V8_MIN(a, b) ((V8F) (((V8I) (a) & ((a) < (b))) | ((V8I) (b) & ~((a) < (b)))))
#define V8_MAX(a, b) ((V8F) (((V8I) (a) & ((a) > (b))) | ((V8I) (b) & ~((a) > (b)))))

/* v + (v - v) is v for a finite v and NaN for a NaN or an infinity: the comparisons then drop it,
 * and it counts as non-finite. Sixteen values a step in two vectors, so the selects of one do
 * not wait on the other's. */
EVOX_TARGET_CLONES static Extent
extent_of_chunk (const float *x,
                 gsize        len)
{
  Extent e = EMPTY_EXTENT;
  V8F lo0, lo1, hi0, hi1;
  V8I bad0 = { 0 }, bad1 = { 0 };
  float lo = INFINITY, hi = -INFINITY;
  gsize i = 0, n_bad = 0;

  for (int k = 0; k < 8; k++)
    {
      lo0[k] = lo1[k] = INFINITY;
      hi0[k] = hi1[k] = -INFINITY;
    }
  for (; i + 16 <= len; i += 16)
    {
      V8F a, b;

      memcpy (&a, x + i, sizeof a);
      memcpy (&b, x + i + 8, sizeof b);
      a = a + (a - a);
      b = b + (b - b);
      lo0 = V8_MIN (a, lo0);
      hi0 = V8_MAX (a, hi0);
      bad0 -= a != a;
      lo1 = V8_MIN (b, lo1);
      hi1 = V8_MAX (b, hi1);
      bad1 -= b != b;
    }
  for (int k = 0; k < 8; k++)
    {
      lo = MIN (lo, MIN (lo0[k], lo1[k]));
      hi = MAX (hi, MAX (hi0[k], hi1[k]));
      n_bad += (gsize) bad0[k] + (gsize) bad1[k];
    }
  for (; i < len; i++)
    {
      float y = x[i] + (x[i] - x[i]);

      lo = y < lo ? y : lo;
      hi = y > hi ? y : hi;
      n_bad += y != y;
    }
  e.min = lo;
  e.max = hi;
  e.n_bad = n_bad;
  moments_of_chunk (x, len, n_bad == 0, &e);
  return e;
}

/* Chunks between two reports to the progress. */
#define EXTENT_REPORT 64

/* PROGRESS and CANCELLABLE may be NULL; once cancelled, the chunks left are skipped and the
 * extent is incomplete, which the caller must then throw away. */
static Extent
extent_of_floats (const float   *v,
                  gsize          n,
                  EvoxProgress  *progress,
                  GCancellable  *cancellable)
{
  Extent total = EMPTY_EXTENT;
  gsize n_chunks = (n + EXTENT_CHUNK - 1) / EXTENT_CHUNK;
  gint n_reports = 0;

#pragma omp parallel if (n_chunks > 4)
  {
    Extent mine = EMPTY_EXTENT;

#pragma omp for schedule(static)
    for (gsize c = 0; c < n_chunks; c++)
      {
        Extent chunk;

        if (g_cancellable_is_cancelled (cancellable))
          continue;
        chunk = extent_of_chunk (v + c * EXTENT_CHUNK, MIN (EXTENT_CHUNK, n - c * EXTENT_CHUNK));
        extent_merge (&mine, &chunk);
        if (progress != NULL && c % EXTENT_REPORT == EXTENT_REPORT - 1)
          evox_progress_update (progress, (double) EXTENT_REPORT *
                                          (g_atomic_int_add (&n_reports, 1) + 1) / n_chunks);
      }
#pragma omp critical
    extent_merge (&total, &mine);
  }
  return total;
}

static void
stats_from_extent (const Extent *e,
                   EvoxStats    *stats)
{
  gboolean any = e->n_finite > 0;

  *stats = (EvoxStats) {
    .min = any ? e->min : NAN,
    .max = any ? e->max : NAN,
    .mean = any ? e->mean : NAN,
    .std = any ? sqrt (e->m2 / (double) e->n_finite) : NAN,
    .n_finite = e->n_finite,
    .n_nonfinite = e->n_bad,
  };
}

/* Every fine bin of an integer histogram is one value, so these sums are exact. */
static void
stats_from_exact_histogram (EvoxFineHistogram *fine,
                            EvoxStats         *stats)
{
  const guint64 *counts = evox_fine_histogram_get_counts (fine);
  guint n_bins = evox_fine_histogram_get_n_bins (fine);
  guint64 n = evox_fine_histogram_get_n_finite (fine);
  guint lo = 0, hi = n_bins;
  double sum = 0.0, m2 = 0.0, mean;

  *stats = (EvoxStats) { NAN, NAN, NAN, NAN, n, evox_fine_histogram_get_n_nonfinite (fine) };
  if (n == 0)
    return;
  while (counts[lo] == 0)
    lo++;
  while (counts[hi - 1] == 0)
    hi--;
  for (guint v = lo; v < hi; v++)
    sum += (double) v * (double) counts[v];
  mean = sum / (double) n;
  for (guint v = lo; v < hi; v++)
    m2 += (v - mean) * (v - mean) * (double) counts[v];
  stats->min = lo;
  stats->max = hi - 1;
  stats->mean = mean;
  stats->std = sqrt (m2 / (double) n);
}

/* Called with the lock held: builds the channel's fine histogram and statistics together,
 * reporting over the part of PROGRESS that the caller pushed. Returns FALSE, with nothing
 * cached, only when CANCELLABLE stops it. */
static gboolean
ensure_channel (EvoxVolume    *self,
                guint          channel,
                EvoxProgress  *progress,
                GCancellable  *cancellable,
                GError       **error)
{
  Channel *ch = &self->channels[channel];
  gsize layer_size = self->dims[0] * self->dims[1];
  double min = 0, max = 0;
  EvoxStats stats = { 0 };
  EvoxFineHistogram *fine;

  if (ch->fine != NULL)
    return TRUE;
  self->frozen = TRUE;
  if (self->type == EVOX_SAMPLE_F32)
    {
      Extent e;

      /* The extent pass and the binning pass take about as long as each other. */
      evox_progress_set_stage (progress, "Building histograms", 0.0, 0.5);
      e = extent_of_floats (ch->data, evox_volume_get_n_voxels (self), progress, cancellable);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      stats_from_extent (&e, &stats);
      min = e.min;
      max = e.max;
      evox_progress_set_stage (progress, "Building histograms", 0.5, 1.0);
    }
  else
    evox_progress_set_stage (progress, "Building histograms", 0.0, 1.0);
  fine = evox_fine_histogram_new_with_progress (self->type, ch->data, layer_size, self->dims[2],
                                                min, max, progress, cancellable, error);
  if (fine == NULL)
    return FALSE;
  ch->fine = fine;
  if (self->type != EVOX_SAMPLE_F32)
    stats_from_exact_histogram (ch->fine, &stats);
  ch->stats = stats;
  return TRUE;
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
  ensure_channel (self, channel, NULL, NULL, NULL);
  stats = &self->channels[channel].stats;
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
  ensure_channel (self, channel, NULL, NULL, NULL);
  fine = self->channels[channel].fine;
  g_mutex_unlock (&self->lock);
  return fine;
}

/* Called with the lock held: the measured scans' fine histogram (one layer per scan) and
 * statistics, built together as for a float channel. */
static void
ensure_measured (EvoxVolume *self)
{
  gsize layer_size = self->dims[0] * self->dims[1];
  Extent total = EMPTY_EXTENT;
  g_autofree const float **layers = NULL;

  if (self->measured_fine != NULL)
    return;
  layers = g_new (const float *, self->scans->len);
  for (guint i = 0; i < self->scans->len; i++)
    {
      Extent e;
      layers[i] = g_array_index (self->scans, EvoxScan, i).values;
      e = extent_of_floats (layers[i], layer_size, NULL, NULL);
      extent_merge (&total, &e);
    }
  self->measured_fine = evox_fine_histogram_new_from_layers (layers, layer_size, self->scans->len,
                                                             total.min, total.max);
  stats_from_extent (&total, &self->measured_stats);
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
  ensure_measured (self);
  stats = &self->measured_stats;
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
  ensure_measured (self);
  fine = self->measured_fine;
  g_mutex_unlock (&self->lock);
  return fine;
}

/**
 * evox_volume_build_histograms:
 * @progress: (nullable): where to report, as the stage "Building histograms"
 * @cancellable: (nullable): checked every block of voxels
 *
 * Builds now what evox_volume_get_fine_histogram(), evox_volume_get_stats() and their measured
 * versions would build on first use, for every channel, so a loader can do it on its worker
 * thread. What was built before a cancellation stays cached.
 *
 * Returns: %FALSE with %G_IO_ERROR_CANCELLED when cancelled.
 */
gboolean
evox_volume_build_histograms (EvoxVolume    *self,
                              EvoxProgress  *progress,
                              GCancellable  *cancellable,
                              GError       **error)
{
  double per_channel, measured, total, done = 0;

  g_return_val_if_fail (EVOX_IS_VOLUME (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Each part weighs what it reads. */
  per_channel = (double) evox_volume_get_n_voxels (self);
  measured = (double) self->scans->len * self->dims[0] * self->dims[1];
  total = MAX (1.0, per_channel * self->n_channels + measured);

  evox_progress_set_stage (progress, "Building histograms", 0.0, 1.0);
  for (guint c = 0; c < self->n_channels; c++)
    {
      gboolean built;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      evox_progress_push (progress, done / total, (done + per_channel) / total);
      g_mutex_lock (&self->lock);
      built = ensure_channel (self, c, progress, cancellable, error);
      g_mutex_unlock (&self->lock);
      evox_progress_pop (progress);
      if (!built)
        return FALSE;
      done += per_channel;
    }
  /* The measured scans are a few layers: one step, not worth stopping inside. */
  if (self->scans->len > 0)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_mutex_lock (&self->lock);
      ensure_measured (self);
      g_mutex_unlock (&self->lock);
    }
  evox_progress_set_stage (progress, "Building histograms", 0.0, 1.0);
  evox_progress_update (progress, 1.0);
  return TRUE;
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

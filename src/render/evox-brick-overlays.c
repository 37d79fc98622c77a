/* evox-brick-overlays.c: the particle labels, cluster ids and RGB channels of a bricked volume's
 * slices, each in bricks of its own with the volume's tile layout. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-brick-overlays.h"

#include <string.h>

#include "evox-render-resources.h"

enum
{
  OVERLAY_LABELS,
  OVERLAY_CLUSTERS,
  OVERLAY_RED,     /* then green and blue */
  N_OVERLAYS = OVERLAY_RED + 3
};

typedef struct
{
  EvoxBricks     *bricks;
  GObject        *source;    /* the labels or clusters it was made from (a reference) */
  int             channel;   /* the volume's channel, for the RGB ones; -1 for none */
  gboolean        failed;    /* the source could not be bricked: not tried again for it */
  EvoxBrickTile **tiles;     /* the last prepared plane's (the bricks' own) */
  guint           n_tiles;
} Overlay;

struct _EvoxBrickOverlays
{
  EvoxVolume *volume;
  guint       brick_size;
  guint       max_texture;
  gsize       budget;
  float       label_scale;
  Overlay     overlays[N_OVERLAYS];
};

EvoxBrickOverlays *
_evox_brick_overlays_new (EvoxVolume *volume,
                          guint       brick_size,
                          guint       max_texture,
                          gsize       budget)
{
  EvoxBrickOverlays *self;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);

  self = g_new0 (EvoxBrickOverlays, 1);
  self->volume = g_object_ref (volume);
  self->brick_size = brick_size;
  self->max_texture = max_texture;
  self->budget = budget;
  self->label_scale = 1.0f;
  for (guint o = 0; o < N_OVERLAYS; o++)
    self->overlays[o].channel = -1;
  return self;
}

static void
overlay_clear (Overlay *overlay)
{
  if (overlay->bricks != NULL)
    _evox_bricks_unrealize (overlay->bricks);
  g_clear_pointer (&overlay->bricks, _evox_bricks_free);
  g_clear_object (&overlay->source);
  overlay->channel = -1;
  overlay->failed = FALSE;
  overlay->tiles = NULL;
  overlay->n_tiles = 0;
}

void
_evox_brick_overlays_unrealize (EvoxBrickOverlays *self)
{
  if (self == NULL)
    return;
  for (guint o = 0; o < N_OVERLAYS; o++)
    overlay_clear (&self->overlays[o]);
}

void
_evox_brick_overlays_free (EvoxBrickOverlays *self)
{
  if (self == NULL)
    return;
  for (guint o = 0; o < N_OVERLAYS; o++)
    g_assert (self->overlays[o].bricks == NULL);
  g_object_unref (self->volume);
  g_free (self);
}

/* Whether a copy of `item` bytes a voxel fits under the memory cap beside what the window
 * already holds for it: the bricked volume (`held` bytes) and the source of `source_item` bytes
 * a voxel. The copy is made on the main thread during a draw, so on a big volume it is refused
 * here with a message rather than let the window run out of memory. */
static gboolean
copy_fits (guint64       held,
           const gsize  *dims,
           gsize         source_item,
           gsize         item,
           GError      **error)
{
  guint64 n_voxels = (guint64) dims[0] * dims[1] * dims[2];

  return evox_check_allocation (held + n_voxels * (source_item + item), 1,
                                "a copy for the bricked overlay, with the volume and its source",
                                error);
}

static guint64
volume_bytes (EvoxVolume *volume)
{
  return (guint64) evox_volume_get_n_voxels (volume) * evox_volume_get_n_channels (volume) *
         evox_sample_type_size (evox_volume_get_sample_type (volume));
}

/* The labels as a one-channel volume of the narrowest type that holds them exactly (u8, u16,
 * or f32 up to 2^24), so their tiles cost what the unbricked label texture costs a voxel. */
static EvoxVolume *
labels_volume (EvoxLabels *labels,
               guint64     held,
               float      *scale,
               GError    **error)
{
  guint n = evox_labels_get_n_particles (labels);
  EvoxSampleType type = n <= G_MAXUINT8 ? EVOX_SAMPLE_U8
                        : n <= G_MAXUINT16 ? EVOX_SAMPLE_U16 : EVOX_SAMPLE_F32;
  const guint32 *data = evox_labels_get_data (labels);
  g_autoptr(EvoxVolume) volume = NULL;
  gsize dims[3], n_voxels;
  gpointer out;

  if (n > (1u << 24))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%u particles are more than a bricked volume can highlight (%u)", n,
                   1u << 24);
      return NULL;
    }
  evox_labels_get_dims (labels, dims);
  if (!copy_fits (held, dims, sizeof (guint32), evox_sample_type_size (type), error))
    return NULL;
  volume = evox_volume_new (dims[0], dims[1], dims[2], 1, type, error);
  if (volume == NULL)
    return NULL;
  out = evox_volume_get_data_mut (volume, 0);
  n_voxels = dims[0] * dims[1] * dims[2];
  for (gsize i = 0; i < n_voxels; i++)
    switch (type)
      {
      case EVOX_SAMPLE_U8:
        ((guint8 *) out)[i] = (guint8) data[i];
        break;
      case EVOX_SAMPLE_U16:
        ((guint16 *) out)[i] = (guint16) data[i];
        break;
      case EVOX_SAMPLE_F32:
      default:
        ((float *) out)[i] = (float) data[i];
        break;
      }
  evox_volume_freeze (volume);
  *scale = type == EVOX_SAMPLE_U8 ? 255.0f : type == EVOX_SAMPLE_U16 ? 65535.0f : 1.0f;
  return g_steal_pointer (&volume);
}

static EvoxVolume *
clusters_volume (EvoxClusters *clusters,
                 guint64       held,
                 GError      **error)
{
  g_autoptr(EvoxVolume) volume = NULL;
  gsize dims[3];

  evox_clusters_get_dims (clusters, dims);
  if (!copy_fits (held, dims, sizeof (guint16), sizeof (guint16), error))
    return NULL;
  volume = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U16, error);
  if (volume == NULL)
    return NULL;
  memcpy (evox_volume_get_data_mut (volume, 0), evox_clusters_get_data (clusters),
          dims[0] * dims[1] * dims[2] * sizeof (guint16));
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}

/* The overlay made from `source` (labels or clusters) or from the volume's `channel`; FALSE
 * when it cannot be (said once). */
static gboolean
overlay_sync (EvoxBrickOverlays *self,
              guint              which,
              GObject           *source,
              int                channel)
{
  Overlay *overlay = &self->overlays[which];
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) copy = NULL;

  if (overlay->source == source && overlay->channel == channel &&
      (overlay->bricks != NULL || overlay->failed))
    return !overlay->failed;
  overlay_clear (overlay);
  overlay->source = source != NULL ? g_object_ref (source) : NULL;
  overlay->channel = channel;
  if (which == OVERLAY_LABELS)
    copy = labels_volume (EVOX_LABELS (source), volume_bytes (self->volume),
                          &self->label_scale, &error);
  else if (which == OVERLAY_CLUSTERS)
    copy = clusters_volume (EVOX_CLUSTERS (source), volume_bytes (self->volume), &error);
  if (which < OVERLAY_RED && copy == NULL)
    {
      g_warning ("The %s of the bricked volume are not drawn: %s",
                 which == OVERLAY_LABELS ? "particles" : "clusters", error->message);
      overlay->failed = TRUE;
      return FALSE;
    }
  /* Half the volume's budget: the planes of the frame always go up, this bounds the ones kept
   * for later frames. */
  overlay->bricks = _evox_bricks_new (copy != NULL ? copy : self->volume,
                                      copy != NULL ? 0 : (guint) channel, self->brick_size,
                                      self->max_texture, self->budget / 2);
  /* Labels and ids are categories whatever their number: a coarse level takes each block's
   * most frequent one. The RGB channels follow their values, as the volume's own do. */
  if (copy != NULL)
    _evox_bricks_set_categorical (overlay->bricks, TRUE);
  return TRUE;
}

static gboolean
overlay_prepare (Overlay *overlay,
                 guint    level,
                 guint    axis,
                 gsize    index,
                 guint64  frame)
{
  overlay->tiles = _evox_bricks_prepare_slice_at (overlay->bricks, level, axis, index, frame,
                                                  &overlay->n_tiles);
  return overlay->n_tiles > 0;
}

EvoxBrickOverlayFlags
_evox_brick_overlays_prepare (EvoxBrickOverlays *self,
                              EvoxLabels        *labels,
                              EvoxClusters      *clusters,
                              const int         *rgb_channels,
                              guint              level,
                              guint              axis,
                              gsize              index,
                              guint64            frame)
{
  EvoxBrickOverlayFlags flags = 0;
  guint n_channels = evox_volume_get_n_channels (self->volume);
  gboolean rgb = FALSE, rgb_ok = TRUE;

  g_return_val_if_fail (self != NULL, 0);

  for (guint o = 0; o < N_OVERLAYS; o++)
    {
      self->overlays[o].tiles = NULL;
      self->overlays[o].n_tiles = 0;
    }
  if (labels != NULL && overlay_sync (self, OVERLAY_LABELS, G_OBJECT (labels), -1) &&
      overlay_prepare (&self->overlays[OVERLAY_LABELS], level, axis, index, frame))
    flags |= EVOX_BRICK_OVERLAY_LABELS;
  if (clusters != NULL && overlay_sync (self, OVERLAY_CLUSTERS, G_OBJECT (clusters), -1) &&
      overlay_prepare (&self->overlays[OVERLAY_CLUSTERS], level, axis, index, frame))
    flags |= EVOX_BRICK_OVERLAY_CLUSTERS;
  for (guint s = 0; s < 3 && rgb_channels != NULL; s++)
    {
      int channel = rgb_channels[s];

      /* Channels the volume lacks count as unused, as the unbricked composite has it. */
      if (channel < 0 || channel >= (int) n_channels)
        continue;
      rgb = TRUE;
      if (!overlay_sync (self, OVERLAY_RED + s, NULL, channel) ||
          !overlay_prepare (&self->overlays[OVERLAY_RED + s], level, axis, index, frame))
        rgb_ok = FALSE;
    }
  if (rgb && rgb_ok)
    flags |= EVOX_BRICK_OVERLAY_RGB;
  return flags;
}

GLuint
_evox_brick_overlays_prepare_rays (EvoxBrickOverlays *self,
                                   EvoxClusters      *clusters,
                                   EvoxBricks        *bricks)
{
  g_return_val_if_fail (self != NULL && EVOX_IS_CLUSTERS (clusters) && bricks != NULL, 0);

  if (!overlay_sync (self, OVERLAY_CLUSTERS, G_OBJECT (clusters), -1))
    return 0;
  return _evox_bricks_mirror_rays (self->overlays[OVERLAY_CLUSTERS].bricks, bricks);
}

/* The overlay's prepared tile in the place of the volume's `tile`; 0 when it did not go up. */
static GLuint
matching_texture (const Overlay       *overlay,
                  const EvoxBrickTile *tile)
{
  for (guint i = 0; i < overlay->n_tiles; i++)
    {
      const EvoxBrickTile *other = overlay->tiles[i];

      if (other->level == tile->level && other->axis == tile->axis &&
          other->index == tile->index && other->tile[0] == tile->tile[0] &&
          other->tile[1] == tile->tile[1])
        return other->texture;
    }
  return 0;
}

void
_evox_brick_overlays_bind (EvoxBrickOverlays     *self,
                           EvoxBrickOverlayFlags  flags,
                           const EvoxBrickTile   *tile)
{
  g_return_if_fail (self != NULL && tile != NULL);

  if (flags & EVOX_BRICK_OVERLAY_LABELS)
    {
      glActiveTexture (GL_TEXTURE0 + EVOX_BRICK_OVERLAYS_LABEL_UNIT);
      glBindTexture (GL_TEXTURE_3D, matching_texture (&self->overlays[OVERLAY_LABELS], tile));
    }
  if (flags & EVOX_BRICK_OVERLAY_CLUSTERS)
    {
      glActiveTexture (GL_TEXTURE0 + EVOX_BRICK_OVERLAYS_CLUSTER_UNIT);
      glBindTexture (GL_TEXTURE_3D, matching_texture (&self->overlays[OVERLAY_CLUSTERS], tile));
    }
  for (guint s = 0; s < 3 && (flags & EVOX_BRICK_OVERLAY_RGB); s++)
    {
      glActiveTexture (GL_TEXTURE0 + RGB_TEXTURE_UNIT + s);
      glBindTexture (GL_TEXTURE_3D, matching_texture (&self->overlays[OVERLAY_RED + s], tile));
    }
  glActiveTexture (GL_TEXTURE0);
}

float
_evox_brick_overlays_get_label_scale (EvoxBrickOverlays *self)
{
  g_return_val_if_fail (self != NULL, 1.0f);
  return self->label_scale;
}

gsize
_evox_brick_overlays_get_gpu_bytes (EvoxBrickOverlays *self)
{
  gsize bytes = 0;

  g_return_val_if_fail (self != NULL, 0);
  for (guint o = 0; o < N_OVERLAYS; o++)
    if (self->overlays[o].bricks != NULL)
      bytes += _evox_bricks_get_gpu_bytes (self->overlays[o].bricks);
  return bytes;
}

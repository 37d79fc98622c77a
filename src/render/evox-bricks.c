/* evox-bricks.c: the pyramid of 2 x 2 x 2 means and the LRU of slice tiles on the GPU. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-bricks.h"

#include <math.h>
#include <string.h>

#include "evox-file-bricks.h"
#include "evox-profile.h"
#include "evox-render-resources.h"

/* A slot of the rays' atlas and the brick it holds: level, index (i, j, k) at that level. */
typedef struct
{
  guint64 key;        /* 0: empty */
  guint64 used;       /* the plan that last drew it */
} RaySlot;

struct _EvoxBricks
{
  EvoxVolume *volume;
  guint       channel;
  /* Labels or classes: levels take each block's most frequent value, not its mean. */
  gboolean    categorical;
  guint       brick_size;
  guint       max_texture;
  gsize       budget;
  gsize       tile_size;
  guint       n_levels;
  /* levels[0] is NULL: level 0 is channel `channel` of the volume itself. */
  EvoxVolume **levels;
  GMutex      lock;          /* around filling levels[] */

  GPtrArray  *tiles;         /* EvoxBrickTile *, the ones on the GPU */
  GPtrArray  *prepared;      /* what the last _prepare_slice returned */
  gsize       tile_bytes;
  guint       n_uploads;

  /* The rays' bricks: an atlas of slots of ray_size^3 texels and a page table. */
  guint       ray_size;
  GLuint      atlas;
  GLuint      pages;
  gsize       atlas_slots[3];    /* slots along each axis of the atlas */
  guint       n_slots;
  RaySlot    *slots;             /* n_slots */
  GHashTable *slot_of;           /* brick key -> slot index + 1 */
  gsize       ray_bytes;
  gboolean    ray_failed;        /* the atlas did not go up even at one slot */
  guint64     ray_frame;
  int         ray_finest;        /* the levels of the last plan, -1 before one */
  int         ray_coarsest;
  guint       ray_bricks;
  double      ray_pixels;        /* EVOX_BRICKS_RAY_PIXELS, or EVOX_RAY_PIXELS's */
  EvoxBrickRays last_rays;       /* what the last plan drew (valid while pages != 0) */
  /* A volume held reduced at 1:2^file_levels: the rays' levels below file_levels are its
   * file's, read on demand (owned); ray level l >= file_levels is pyramid level
   * l - file_levels, and the rays' level 0 is the file's (the volume's dims times the scale). */
  EvoxFileBricks *file;
  guint       file_levels;

  /* The levels the rays want, while a thread computes them. */
  GCancellable *cancellable;
  gboolean    computing;
  gboolean    warned;
  GFunc       ready;
  gpointer    ready_data;
};

/* What the thread computes: levels 1..level from the volume's channel, on its own references,
 * so the bricks may go (cancelling it) while it runs. */
typedef struct
{
  EvoxVolume  *volume;
  guint        channel;
  guint        level;
  gboolean     categorical;
  EvoxVolume **levels;     /* level + 1 entries; [0] unused */
} PyramidJob;

static void
pyramid_job_free (gpointer data)
{
  PyramidJob *job = data;

  for (guint l = 0; l <= job->level; l++)
    g_clear_object (&job->levels[l]);
  g_free (job->levels);
  g_object_unref (job->volume);
  g_free (job);
}

static gsize
sample_size (EvoxSampleType type)
{
  return type == EVOX_SAMPLE_U8 ? 1 : type == EVOX_SAMPLE_U16 ? 2 : 4;
}

static void
tile_free (gpointer data)
{
  EvoxBrickTile *tile = data;

  /* The texture went with _evox_bricks_unrealize. */
  g_assert (tile->texture == 0);
  g_free (tile);
}

static EvoxBricks *
bricks_new (EvoxVolume *volume,
            guint       channel,
            guint       brick_size,
            guint       max_texture,
            gsize       budget,
            gboolean    categorical)
{
  EvoxBricks *self;
  gsize dims[3], largest;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);
  g_return_val_if_fail (brick_size >= 1 && (brick_size & (brick_size - 1)) == 0, NULL);
  g_return_val_if_fail (max_texture >= 3, NULL);

  self = g_new0 (EvoxBricks, 1);
  self->volume = g_object_ref (volume);
  self->channel = channel;
  self->categorical = categorical;
  /* The brick and its border must fit a texture. */
  while (brick_size > 1 && brick_size + 2 > max_texture)
    brick_size /= 2;
  self->brick_size = brick_size;
  self->max_texture = max_texture;
  self->budget = budget;
  self->tile_size = brick_size * MAX ((gsize) 1, (max_texture - 2) / brick_size);

  evox_volume_get_dims (volume, dims);
  largest = MAX (dims[0], MAX (dims[1], dims[2]));
  self->n_levels = 1;
  while (((largest - 1) >> (self->n_levels - 1)) > 0)
    self->n_levels++;
  self->levels = g_new0 (EvoxVolume *, self->n_levels);
  g_mutex_init (&self->lock);
  self->tiles = g_ptr_array_new_with_free_func (tile_free);
  self->prepared = g_ptr_array_new ();
  /* Ray bricks a power of two (so a brick's texture coordinate is exact: see prepare_rays) of
   * at most 64 texels: larger ones waste memory on bricks the view needs little of. */
  self->ray_size = MIN (MAX (brick_size, 8u), 64u);
  while (self->ray_size > 4 && self->ray_size > max_texture)
    self->ray_size /= 2;
  self->slot_of = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->ray_finest = self->ray_coarsest = -1;
  /* Benchmarks: 0 takes level 0 wherever the atlas has room. */
  self->ray_pixels = EVOX_BRICKS_RAY_PIXELS;
  if (g_getenv ("EVOX_RAY_PIXELS") != NULL)
    {
      double pixels = g_ascii_strtod (g_getenv ("EVOX_RAY_PIXELS"), NULL);

      if (isfinite (pixels) && pixels >= 0)
        self->ray_pixels = pixels;
    }
  return self;
}

EvoxBricks *
_evox_bricks_new (EvoxVolume *volume,
                  guint       channel,
                  guint       brick_size,
                  guint       max_texture,
                  gsize       budget)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);
  return bricks_new (volume, channel, brick_size, max_texture, budget,
                     _evox_bricks_is_categorical (volume, channel));
}

EvoxBricks *
_evox_bricks_new_categorical (EvoxVolume *volume,
                              guint       brick_size,
                              guint       max_texture,
                              gsize       budget)
{
  return bricks_new (volume, 0, brick_size, max_texture, budget, TRUE);
}

void
_evox_bricks_unrealize (EvoxBricks *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->tiles->len; i++)
    {
      EvoxBrickTile *tile = g_ptr_array_index (self->tiles, i);

      if (tile->texture != 0)
        glDeleteTextures (1, &tile->texture);
      tile->texture = 0;
    }
  g_ptr_array_set_size (self->prepared, 0);
  g_ptr_array_set_size (self->tiles, 0);
  self->tile_bytes = 0;
  if (self->atlas != 0)
    glDeleteTextures (1, &self->atlas);
  if (self->pages != 0)
    glDeleteTextures (1, &self->pages);
  self->atlas = self->pages = 0;
  /* The table's keys live in the slots. */
  g_hash_table_remove_all (self->slot_of);
  g_clear_pointer (&self->slots, g_free);
  self->n_slots = 0;
  self->ray_bytes = 0;
  self->ray_failed = FALSE;
}

void
_evox_bricks_free (EvoxBricks *self)
{
  if (self == NULL)
    return;
  g_assert (self->atlas == 0);
  g_hash_table_unref (self->slot_of);
  /* A running thread finishes on its own references; its result is dropped. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->file, _evox_file_bricks_free);
  g_ptr_array_unref (self->tiles);
  g_ptr_array_unref (self->prepared);
  for (guint l = 0; l < self->n_levels; l++)
    g_clear_object (&self->levels[l]);
  g_free (self->levels);
  g_mutex_clear (&self->lock);
  g_object_unref (self->volume);
  g_free (self);
}

void
_evox_bricks_set_categorical (EvoxBricks *self,
                              gboolean    categorical)
{
  g_return_if_fail (self != NULL);
  /* Levels made before would be of the other kind. */
  g_return_if_fail (self->n_levels < 2 || self->levels[1] == NULL);
  self->categorical = categorical;
}

guint
_evox_bricks_get_brick_size (EvoxBricks *self)
{
  return self->brick_size;
}

gsize
_evox_bricks_get_budget (EvoxBricks *self)
{
  return self->budget;
}

gsize
_evox_bricks_get_tile_size (EvoxBricks *self)
{
  return self->tile_size;
}

guint
_evox_bricks_get_n_levels (EvoxBricks *self)
{
  return self->n_levels;
}

gsize
_evox_bricks_get_gpu_bytes (EvoxBricks *self)
{
  return self->tile_bytes + self->ray_bytes;
}

int
_evox_bricks_get_ray_level (EvoxBricks *self)
{
  return self->ray_finest;
}

void
_evox_bricks_get_ray_levels (EvoxBricks *self,
                             int        *finest,
                             int        *coarsest,
                             guint      *n_bricks)
{
  *finest = self->ray_finest;
  *coarsest = self->ray_coarsest;
  *n_bricks = self->ray_bricks;
}

guint
_evox_bricks_get_n_uploads (EvoxBricks *self)
{
  return self->n_uploads;
}

/* The pyramid */

/* Output layer z of the means, a row at a time from the (up to) four input rows under it, so
 * the inner loop reads memory in order. The block [2o, 2o + 2) is clipped to the input. */
#define MEANS_INTEGER(type)                                                                  \
  G_STMT_START {                                                                             \
    const type *in = data;                                                                   \
    type *out = (type *) out_data + z * odims[1] * odims[0];                                 \
    for (gsize y = 0; y < odims[1]; y++, out += odims[0])                                    \
      {                                                                                      \
        const type *rows[4];                                                                 \
        guint n_rows = 0;                                                                    \
        for (gsize k = 2 * z; k < MIN (2 * z + 2, dims[2]); k++)                             \
          for (gsize j = 2 * y; j < MIN (2 * y + 2, dims[1]); j++)                           \
            rows[n_rows++] = in + (k * dims[1] + j) * dims[0];                               \
        /* Whole blocks, the bulk of the work, in a loop the compiler can vectorize. */      \
        if (n_rows == 4)                                                                     \
          for (gsize x = 0; x < dims[0] / 2; x++)                                            \
            out[x] = (type) (((guint32) rows[0][2 * x] + rows[0][2 * x + 1] +                \
                              rows[1][2 * x] + rows[1][2 * x + 1] + rows[2][2 * x] +         \
                              rows[2][2 * x + 1] + rows[3][2 * x] + rows[3][2 * x + 1] + 4)  \
                             >> 3);                                                          \
        for (gsize x = 0; x < dims[0] / 2 && n_rows < 4; x++)                                \
          {                                                                                  \
            guint32 sum = 0, count = 2 * n_rows;                                             \
            for (guint r = 0; r < n_rows; r++)                                               \
              sum += (guint32) rows[r][2 * x] + rows[r][2 * x + 1];                          \
            out[x] = (type) ((sum + count / 2) / count);                                     \
          }                                                                                  \
        if (dims[0] % 2 == 1)                                                                \
          {                                                                                  \
            guint32 sum = 0;                                                                 \
            for (guint r = 0; r < n_rows; r++)                                               \
              sum += rows[r][dims[0] - 1];                                                   \
            out[odims[0] - 1] = (type) ((sum + n_rows / 2) / n_rows);                        \
          }                                                                                  \
      }                                                                                      \
  } G_STMT_END

/* The next level's empty volume: ceil (dims / 2) voxels of the same type and values, each twice
 * as wide; NULL (with a warning) when there is no memory for it. */
static EvoxVolume *
new_level (EvoxVolume *volume,
           guint       channel,
           gsize       dims[3],
           gsize       odims[3])
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *out;
  double spacing[3], origin[3];

  evox_volume_get_dims (volume, dims);
  for (guint a = 0; a < 3; a++)
    odims[a] = (dims[a] + 1) / 2;
  out = evox_volume_new (odims[0], odims[1], odims[2], 1, evox_volume_get_sample_type (volume),
                         &error);
  if (out == NULL)
    {
      g_warning ("No memory for a level of the volume's pyramid: %s", error->message);
      return NULL;
    }
  /* A coarse voxel sits at the centre of the fine voxels it averages. */
  evox_volume_get_spacing (volume, spacing);
  evox_volume_get_origin (volume, origin);
  for (guint a = 0; a < 3; a++)
    {
      origin[a] += 0.5 * spacing[a];
      spacing[a] *= 2.0;
    }
  evox_volume_set_spacing (out, spacing);
  evox_volume_set_origin (out, origin);
  evox_volume_set_spacing_known (out, evox_volume_get_spacing_known (volume));
  evox_volume_set_channel_values (out, 0, evox_volume_get_channel_value_scale (volume, channel),
                                  evox_volume_get_channel_quantity (volume, channel),
                                  evox_volume_get_channel_unit (volume, channel));
  return out;
}

static void
fill_means (EvoxSampleType  type,
            gconstpointer   data,
            const gsize     dims[3],
            gpointer        out_data,
            const gsize     odims[3])
{
#pragma omp parallel for schedule(dynamic, 1)
  for (gsize z = 0; z < odims[2]; z++)
    {
      switch (type)
        {
        case EVOX_SAMPLE_U8:
          MEANS_INTEGER (guint8);
          break;
        case EVOX_SAMPLE_U16:
          MEANS_INTEGER (guint16);
          break;
        case EVOX_SAMPLE_F32:
        default:
          {
            const float *in = data;
            float *o = (float *) out_data + z * odims[1] * odims[0];

            for (gsize y = 0; y < odims[1]; y++, o += odims[0])
              {
                const float *rows[4];
                guint n_rows = 0;

                for (gsize k = 2 * z; k < MIN (2 * z + 2, dims[2]); k++)
                  for (gsize j = 2 * y; j < MIN (2 * y + 2, dims[1]); j++)
                    rows[n_rows++] = in + (k * dims[1] + j) * dims[0];
                for (gsize x = 0; x < odims[0]; x++)
                  {
                    gsize last = MIN (2 * x + 2, dims[0]);
                    double sum = 0.0;
                    guint count = 0;

                    for (guint r = 0; r < n_rows; r++)
                      for (gsize i = 2 * x; i < last; i++)
                        if (isfinite (rows[r][i]))
                          {
                            sum += rows[r][i];
                            count++;
                          }
                    o[x] = count > 0 ? (float) (sum / count) : NAN;
                  }
              }
          }
          break;
        }
    }
}

#undef MEANS_INTEGER

/* The most frequent of values[0..n) (finite ones only), ties to the smallest; NaN for none. */
static double
block_mode (double *values,
            guint   n)
{
  double best = NAN;
  guint best_count = 0, m = 0;

  for (guint i = 0; i < n; i++)
    if (isfinite (values[i]))
      values[m++] = values[i];
  /* Sorted (at most 8: insertion), each value's run counts it; a later run must be longer to
   * win, so the smallest of equally frequent values stays. */
  for (guint i = 1; i < m; i++)
    for (guint j = i; j > 0 && values[j - 1] > values[j]; j--)
      {
        double t = values[j];

        values[j] = values[j - 1];
        values[j - 1] = t;
      }
  for (guint i = 0; i < m;)
    {
      guint j = i + 1;

      while (j < m && values[j] == values[i])
        j++;
      if (j - i > best_count)
        {
          best = values[i];
          best_count = j - i;
        }
      i = j;
    }
  return best;
}

static void
fill_modes (EvoxSampleType  type,
            gconstpointer   data,
            const gsize     dims[3],
            gpointer        out_data,
            const gsize     odims[3])
{
#pragma omp parallel for schedule(dynamic, 1)
  for (gsize z = 0; z < odims[2]; z++)
    for (gsize y = 0; y < odims[1]; y++)
      for (gsize x = 0; x < odims[0]; x++)
        {
          double values[8];
          guint n = 0;
          gsize at = (z * odims[1] + y) * odims[0] + x;
          double mode;

          for (gsize k = 2 * z; k < MIN (2 * z + 2, dims[2]); k++)
            for (gsize j = 2 * y; j < MIN (2 * y + 2, dims[1]); j++)
              for (gsize i = 2 * x; i < MIN (2 * x + 2, dims[0]); i++)
                values[n++] = evox_sample_get (data, type, (k * dims[1] + j) * dims[0] + i);
          mode = block_mode (values, n);
          /* The mode is one of the block's own values: it converts back exactly. */
          if (type == EVOX_SAMPLE_U8)
            ((guint8 *) out_data)[at] = (guint8) mode;
          else if (type == EVOX_SAMPLE_U16)
            ((guint16 *) out_data)[at] = (guint16) mode;
          else
            ((float *) out_data)[at] = (float) mode;
        }
}

/* The next level of `volume`'s channel: modes for labels and classes, means otherwise. */
static EvoxVolume *
downsample (gboolean    categorical,
            EvoxVolume *volume,
            guint       channel)
{
  EvoxVolume *out;
  gsize dims[3], odims[3];

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);

  out = new_level (volume, channel, dims, odims);
  if (out == NULL)
    return NULL;
  (categorical ? fill_modes : fill_means) (evox_volume_get_sample_type (volume),
                                           evox_volume_get_data (volume, channel), dims,
                                           evox_volume_get_data_mut (out, 0), odims);
  evox_volume_freeze (out);
  return out;
}

EvoxVolume *
_evox_bricks_downsample (EvoxVolume *volume,
                         guint       channel)
{
  return downsample (FALSE, volume, channel);
}

EvoxVolume *
_evox_bricks_downsample_mode (EvoxVolume *volume,
                              guint       channel)
{
  return downsample (TRUE, volume, channel);
}

gboolean
_evox_bricks_is_categorical (EvoxVolume *volume,
                             guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  return evox_profile_default_sampling (volume, channel) == EVOX_PROFILE_NEAREST;
}

/* The volume and channel that hold a level's voxels. */
static EvoxVolume *
level_volume (EvoxBricks *self,
              guint       level,
              guint      *channel)
{
  EvoxVolume *volume;

  g_assert (level < self->n_levels);
  *channel = level == 0 ? self->channel : 0;
  if (level == 0)
    return self->volume;

  g_mutex_lock (&self->lock);
  volume = self->levels[level];
  g_mutex_unlock (&self->lock);
  if (volume == NULL)
    {
      guint finer_channel;
      EvoxVolume *finer = level_volume (self, level - 1, &finer_channel);

      if (finer == NULL)
        return NULL;
      volume = downsample (self->categorical, finer, finer_channel);
      g_mutex_lock (&self->lock);
      if (self->levels[level] == NULL)
        self->levels[level] = volume;
      else
        g_clear_object (&volume);
      volume = self->levels[level];
      g_mutex_unlock (&self->lock);
    }
  return volume;
}

EvoxVolume *
_evox_bricks_get_level (EvoxBricks *self,
                        guint       level)
{
  guint channel;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (level < self->n_levels, NULL);
  return level_volume (self, level, &channel);
}

static void
level_dims (EvoxBricks *self,
            guint       level,
            gsize       dims[3])
{
  evox_volume_get_dims (self->volume, dims);
  for (guint l = 0; l < level; l++)
    for (guint a = 0; a < 3; a++)
      dims[a] = (dims[a] + 1) / 2;
}

/* The dims of the rays' level: the pyramid's above the file's levels, below them the
 * volume's times 2^(file_levels - level) (a padded file when its sides are not multiples of the
 * scale: its bricks repeat the face there). */
static void
ray_level_dims (EvoxBricks *self,
                guint       level,
                gsize       dims[3])
{
  if (level >= self->file_levels)
    {
      level_dims (self, level - self->file_levels, dims);
      return;
    }
  evox_volume_get_dims (self->volume, dims);
  for (guint a = 0; a < 3; a++)
    dims[a] <<= self->file_levels - level;
}

/* Textures */

static GLenum
upload (GLuint        *texture,
        EvoxSampleType type,
        const gsize    size[3],
        gconstpointer  pixels)
{
  GLint internal_format = type == EVOX_SAMPLE_U8 ? GL_R8 : type == EVOX_SAMPLE_U16 ? GL_R16
                                                                                   : GL_R32F;
  GLenum pixel_type = type == EVOX_SAMPLE_U8 ? GL_UNSIGNED_BYTE
                      : type == EVOX_SAMPLE_U16 ? GL_UNSIGNED_SHORT : GL_FLOAT;
  GLenum status;

  _evox_gl_drain_errors ();
  status = _evox_gl_upload_texture_3d (GL_TEXTURE0, texture, internal_format, size, GL_RED,
                                       pixel_type, pixels);
  if (status != GL_NO_ERROR)
    {
      glDeleteTextures (1, texture);
      *texture = 0;
    }
  return status;
}

static void
evict (EvoxBricks *self,
       guint64     frame,
       gsize       wanted)
{
  while (self->tile_bytes + wanted > self->budget / 2 && self->tiles->len > 0)
    {
      EvoxBrickTile *oldest = NULL;
      guint at = 0;

      for (guint i = 0; i < self->tiles->len; i++)
        {
          EvoxBrickTile *tile = g_ptr_array_index (self->tiles, i);

          if (tile->used < frame && (oldest == NULL || tile->used < oldest->used))
            {
              oldest = tile;
              at = i;
            }
        }
      if (oldest == NULL)
        return;   /* everything left is drawn this frame */
      glDeleteTextures (1, &oldest->texture);
      oldest->texture = 0;
      self->tile_bytes -= oldest->bytes;
      g_ptr_array_remove_index_fast (self->tiles, at);
    }
}

/* The voxels of a tile's texture box, copied out of the level. */
static gpointer
copy_tile (EvoxBricks          *self,
           const EvoxBrickTile *tile)
{
  guint channel;
  EvoxVolume *volume = level_volume (self, tile->level, &channel);
  gsize elem = sample_size (evox_volume_get_sample_type (volume));
  const guint8 *in = evox_volume_get_data (volume, channel);
  gsize dims[3];
  guint8 *out, *p;

  evox_volume_get_dims (volume, dims);
  out = g_try_malloc (tile->size[0] * tile->size[1] * tile->size[2] * elem);
  if (out == NULL)
    return NULL;
  p = out;
  for (gsize k = 0; k < tile->size[2]; k++)
    for (gsize j = 0; j < tile->size[1]; j++)
      {
        gsize z = tile->first[2] + k, y = tile->first[1] + j;
        const guint8 *row = in + ((z * dims[1] + y) * dims[0] + tile->first[0]) * elem;

        memcpy (p, row, tile->size[0] * elem);
        p += tile->size[0] * elem;
      }
  return out;
}

static EvoxBrickTile *
find_tile (EvoxBricks *self,
           guint       level,
           guint       axis,
           gsize       index,
           gsize       tu,
           gsize       tv)
{
  for (guint i = 0; i < self->tiles->len; i++)
    {
      EvoxBrickTile *tile = g_ptr_array_index (self->tiles, i);

      if (tile->level == level && tile->axis == axis && tile->index == index &&
          tile->tile[0] == tu && tile->tile[1] == tv)
        return tile;
    }
  return NULL;
}

/* The finest level whose three slices (one texture voxel of border a tile side) fit half the
 * budget the tiles may take. */
static guint
slice_level (EvoxBricks *self)
{
  gsize elem = sample_size (evox_volume_get_sample_type (self->volume));

  for (guint l = 0; l < self->n_levels; l++)
    {
      gsize dims[3], bytes = 0;

      level_dims (self, l, dims);
      for (guint a = 0; a < 3; a++)
        {
          gsize nu = dims[(a + 1) % 3], nv = dims[(a + 2) % 3];
          gsize tu = (nu + self->tile_size - 1) / self->tile_size;
          gsize tv = (nv + self->tile_size - 1) / self->tile_size;

          bytes += (nu + 2 * tu) * (nv + 2 * tv) * elem;
        }
      if (bytes <= self->budget / 2)
        return l;
    }
  return self->n_levels - 1;
}

EvoxBrickTile **
_evox_bricks_prepare_slice (EvoxBricks *self,
                            guint       axis,
                            gsize       index,
                            guint64     frame,
                            guint      *n)
{
  g_return_val_if_fail (self != NULL, NULL);
  return _evox_bricks_prepare_slice_at (self, slice_level (self), axis, index, frame, n);
}

EvoxBrickTile **
_evox_bricks_prepare_slice_at (EvoxBricks *self,
                               guint       level,
                               guint       axis,
                               gsize       index,
                               guint64     frame,
                               guint      *n)
{
  guint u = (axis + 1) % 3, v = (axis + 2) % 3;
  gsize dims[3], n_tiles[2];
  EvoxSampleType type = evox_volume_get_sample_type (self->volume);

  g_return_val_if_fail (self != NULL && axis < 3 && n != NULL, NULL);
  g_return_val_if_fail (level < self->n_levels, NULL);

  g_ptr_array_set_size (self->prepared, 0);
  *n = 0;
  level_dims (self, level, dims);
  index >>= level;
  index = MIN (index, dims[axis] - 1);
  n_tiles[0] = (dims[u] + self->tile_size - 1) / self->tile_size;
  n_tiles[1] = (dims[v] + self->tile_size - 1) / self->tile_size;

  for (gsize tv = 0; tv < n_tiles[1]; tv++)
    for (gsize tu = 0; tu < n_tiles[0]; tu++)
      {
        EvoxBrickTile *tile = find_tile (self, level, axis, index, tu, tv);

        if (tile == NULL)
          {
            g_autofree gpointer pixels = NULL;
            gsize t[2] = { tu, tv };
            guint plane[2] = { u, v };
            GLenum status;

            tile = g_new0 (EvoxBrickTile, 1);
            tile->level = level;
            tile->axis = axis;
            tile->index = index;
            tile->tile[0] = tu;
            tile->tile[1] = tv;
            tile->first[axis] = index;
            tile->size[axis] = 1;
            tile->owned_lo[axis] = index;
            tile->owned_hi[axis] = index + 1;
            for (guint i = 0; i < 2; i++)
              {
                guint a = plane[i];
                gsize lo = t[i] * self->tile_size;
                gsize hi = MIN (lo + self->tile_size, dims[a]);

                tile->owned_lo[a] = lo;
                tile->owned_hi[a] = hi;
                /* One voxel of border each side, where the level has one. */
                tile->first[a] = lo > 0 ? lo - 1 : 0;
                tile->size[a] = MIN (hi + 1, dims[a]) - tile->first[a];
              }
            tile->bytes = tile->size[0] * tile->size[1] * tile->size[2] * sample_size (type);
            evict (self, frame, tile->bytes);
            pixels = copy_tile (self, tile);
            status = pixels != NULL ? upload (&tile->texture, type, tile->size, pixels)
                                    : GL_OUT_OF_MEMORY;
            if (status != GL_NO_ERROR)
              {
                /* Once: it would otherwise repeat every frame. */
                if (!self->warned)
                  g_warning ("The GPU could not take a tile of %" G_GSIZE_FORMAT " x %"
                             G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " voxels of the slices (%s)",
                             tile->size[0], tile->size[1], tile->size[2],
                             status == GL_OUT_OF_MEMORY ? "out of memory" : "rejected");
                self->warned = TRUE;
                g_free (tile);
                continue;
              }
            self->tile_bytes += tile->bytes;
            self->n_uploads++;
            g_ptr_array_add (self->tiles, tile);
          }
        tile->used = frame;
        g_ptr_array_add (self->prepared, tile);
      }
  *n = self->prepared->len;
  return self->prepared->len > 0 ? (EvoxBrickTile **) self->prepared->pdata : NULL;
}

void
_evox_bricks_set_ready_func (EvoxBricks *self,
                             GFunc       ready,
                             gpointer    data)
{
  self->ready = ready;
  self->ready_data = data;
}

static void
compute_levels (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  PyramidJob *job = data;

  for (guint l = 1; l <= job->level && !g_cancellable_is_cancelled (cancellable); l++)
    {
      job->levels[l] = downsample (job->categorical, l == 1 ? job->volume : job->levels[l - 1],
                                   l == 1 ? job->channel : 0);
      if (job->levels[l] == NULL)
        break;
    }
  g_task_return_boolean (task, TRUE);
}

static void
levels_computed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  GTask *task = G_TASK (result);
  EvoxBricks *self = data;
  PyramidJob *job = g_task_get_task_data (task);

  /* Cancelled: the bricks are gone. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return;
  self->computing = FALSE;
  g_mutex_lock (&self->lock);
  for (guint l = 1; l <= job->level; l++)
    if (self->levels[l] == NULL && job->levels[l] != NULL)
      self->levels[l] = g_steal_pointer (&job->levels[l]);
  g_mutex_unlock (&self->lock);
  if (self->ready != NULL)
    self->ready (self->ready_data, NULL);
}

static gboolean
level_ready (EvoxBricks *self,
             guint       level)
{
  gboolean ready;

  if (level == 0)
    return TRUE;
  g_mutex_lock (&self->lock);
  ready = self->levels[level] != NULL;
  g_mutex_unlock (&self->lock);
  return ready;
}

static void
start_computing (EvoxBricks *self,
                 guint       level)
{
  g_autoptr(GTask) task = NULL;
  PyramidJob *job;

  if (self->computing)
    return;
  self->computing = TRUE;
  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();
  job = g_new0 (PyramidJob, 1);
  job->volume = g_object_ref (self->volume);
  job->channel = self->channel;
  job->level = level;
  job->categorical = self->categorical;
  job->levels = g_new0 (EvoxVolume *, level + 1);
  task = g_task_new (NULL, self->cancellable, levels_computed, self);
  g_task_set_task_data (task, job, pyramid_job_free);
  g_task_run_in_thread (task, compute_levels);
}


/* The rays' bricks */

/* A brick of the rays' plan: `level`, index j at that level (it owns the level's voxels
 * [j P, (j + 1) P) along each axis, P = ray_size - 2, which are the level-0 pages [j 2^level,
 * (j + 1) 2^level)); the largest projected size of a level-0 voxel in it (pixels) and the
 * finest level one of its pages wants. */
typedef struct
{
  guint  level;
  gsize  j[3];
  double pixels;
  guint  want;
} RayNode;

static guint64
ray_key (guint        level,
         const gsize  j[3])
{
  /* Never 0 (the empty slot): the level is stored plus one. */
  return ((guint64) (level + 1) << 57) | ((guint64) j[2] << 38) | ((guint64) j[1] << 19) |
         (guint64) j[0];
}

/* Pixels a level-0 voxel of each page spans on screen: the largest over the page's corners and
 * centre of the distance one voxel step along each axis moves the projected point; 0 for pages
 * wholly behind the camera. */
static double *
page_pixels (EvoxBricks   *self,
             const gsize   n_pages[3],
             const float   mvp[16],
             const int     viewport[2],
             const double  box_lo[3],
             const double  box_hi[3])
{
  gsize dims[3], n = n_pages[0] * n_pages[1] * n_pages[2];
  guint page = self->ray_size - 2;
  double voxel[3], *pixels = g_new0 (double, n);

  ray_level_dims (self, 0, dims);
  for (guint a = 0; a < 3; a++)
    voxel[a] = (box_hi[a] - box_lo[a]) / (double) dims[a];
  for (gsize k = 0; k < n_pages[2]; k++)
    for (gsize j = 0; j < n_pages[1]; j++)
      for (gsize i = 0; i < n_pages[0]; i++)
        {
          gsize index[3] = { i, j, k };
          double best = 0.0;

          for (guint c = 0; c < 9; c++)
            {
              double point[3], clip[4], base[2] = { 0, 0 }, size = 0.0;

              for (guint a = 0; a < 3; a++)
                {
                  double lo = (double) (index[a] * page), hi = MIN ((double) dims[a], lo + page);
                  double at = c == 8 ? 0.5 * (lo + hi) : (c >> a) & 1 ? hi : lo;

                  point[a] = box_lo[a] + at * voxel[a];
                }
              /* The point, then a voxel further along each axis. */
              for (guint step = 0; step < 4; step++)
                {
                  double q[3] = { point[0], point[1], point[2] }, px[2];

                  if (step > 0)
                    q[step - 1] += voxel[step - 1];
                  for (guint r = 0; r < 4; r++)
                    clip[r] = mvp[r] * q[0] + mvp[4 + r] * q[1] + mvp[8 + r] * q[2] + mvp[12 + r];
                  if (!(clip[3] > 1e-12))
                    break;
                  px[0] = 0.5 * clip[0] / clip[3] * viewport[0];
                  px[1] = 0.5 * clip[1] / clip[3] * viewport[1];
                  if (step == 0)
                    {
                      base[0] = px[0];
                      base[1] = px[1];
                    }
                  else
                    size = MAX (size, hypot (px[0] - base[0], px[1] - base[1]));
                }
              best = MAX (best, size);
            }
          pixels[(k * n_pages[1] + j) * n_pages[0] + i] = best;
        }
  return pixels;
}

/* The node's pixels and wanted level from its pages'. */
static void
ray_node_measure (RayNode       *node,
                  const gsize    n_pages[3],
                  const double  *pixels,
                  const guint   *want)
{
  gsize span = (gsize) 1 << node->level, lo[3], hi[3];

  node->pixels = 0.0;
  node->want = G_MAXUINT;
  for (guint a = 0; a < 3; a++)
    {
      lo[a] = node->j[a] * span;
      hi[a] = MIN (lo[a] + span, n_pages[a]);
    }
  for (gsize k = lo[2]; k < hi[2]; k++)
    for (gsize j = lo[1]; j < hi[1]; j++)
      for (gsize i = lo[0]; i < hi[0]; i++)
        {
          gsize at = (k * n_pages[1] + j) * n_pages[0] + i;

          node->pixels = MAX (node->pixels, pixels[at]);
          node->want = MIN (node->want, want[at]);
        }
}

/* The bricks the view needs: from one brick over the whole volume at the coarsest level that
 * covers it in one, split (into the up to 8 bricks of the next finer level under it) the brick
 * whose voxels look largest, while it is coarser than one of its pages wants and the split
 * fits the atlas's slots. */
static GArray *
plan_rays (EvoxBricks   *self,
           const gsize   n_pages[3],
           const double *pixels,
           guint         capacity)
{
  gsize n = n_pages[0] * n_pages[1] * n_pages[2], largest;
  g_autofree guint *want = g_new (guint, n);
  GArray *nodes = g_array_new (FALSE, FALSE, sizeof (RayNode));
  RayNode root = { 0, { 0, 0, 0 }, 0.0, 0 };

  largest = MAX (n_pages[0], MAX (n_pages[1], n_pages[2]));
  while (((gsize) 1 << root.level) < largest)
    root.level++;
  g_assert (root.level < self->n_levels + self->file_levels);
  for (gsize i = 0; i < n; i++)
    {
      /* The finest level whose voxels span at least about a pixel (level l's are 2^l wide). */
      double p = pixels[i];
      guint level = 0;

      while (level < root.level && p * (double) ((gsize) 1 << level) < self->ray_pixels)
        level++;
      want[i] = level;
    }
  ray_node_measure (&root, n_pages, pixels, want);
  g_array_append_val (nodes, root);

  for (;;)
    {
      RayNode *split = NULL;
      guint at = 0, n_children = 0;
      gsize child_lo[3], child_hi[3];

      for (guint i = 0; i < nodes->len; i++)
        {
          RayNode *node = &g_array_index (nodes, RayNode, i);

          if (node->level > node->want &&
              (split == NULL || node->pixels * (double) ((gsize) 1 << node->level) >
                                split->pixels * (double) ((gsize) 1 << split->level)))
            {
              split = node;
              at = i;
            }
        }
      if (split == NULL)
        break;
      for (guint a = 0; a < 3; a++)
        {
          gsize pages_per = (gsize) 1 << (split->level - 1);

          child_lo[a] = 2 * split->j[a];
          child_hi[a] = MIN (2 * split->j[a] + 2, (n_pages[a] + pages_per - 1) / pages_per);
        }
      n_children = (guint) ((child_hi[0] - child_lo[0]) * (child_hi[1] - child_lo[1]) *
                            (child_hi[2] - child_lo[2]));
      if (nodes->len - 1 + n_children > capacity)
        break;
      {
        RayNode parent = *split;

        g_array_remove_index_fast (nodes, at);
        for (gsize k = child_lo[2]; k < child_hi[2]; k++)
          for (gsize j = child_lo[1]; j < child_hi[1]; j++)
            for (gsize i = child_lo[0]; i < child_hi[0]; i++)
              {
                RayNode child = { parent.level - 1, { i, j, k }, 0.0, 0 };

                ray_node_measure (&child, n_pages, pixels, want);
                g_array_append_val (nodes, child);
              }
      }
    }
  return nodes;
}

/* Makes the atlas: as many slots as the budget's half, the texture size and the bricks of every
 * level allow, fewer when the GPU refuses. */
static gboolean
make_atlas (EvoxBricks *self,
            gsize       total_bricks)
{
  EvoxSampleType type = evox_volume_get_sample_type (self->volume);
  gsize brick_bytes = (gsize) self->ray_size * self->ray_size * self->ray_size *
                      sample_size (type);
  gsize per_axis = MAX (self->max_texture / self->ray_size, 1u);
  gsize capacity = MIN (self->budget / 2 / brick_bytes, per_axis * per_axis * per_axis);

  capacity = MIN (capacity, total_bricks);
  while (capacity >= 1)
    {
      gsize slots[3], size[3];

      slots[0] = MIN (capacity, per_axis);
      slots[1] = MIN (capacity / slots[0], per_axis);
      slots[2] = MIN (capacity / (slots[0] * slots[1]), per_axis);
      for (guint a = 0; a < 3; a++)
        size[a] = slots[a] * self->ray_size;
      if (upload (&self->atlas, type, size, NULL) == GL_NO_ERROR)
        {
          memcpy (self->atlas_slots, slots, sizeof slots);
          self->n_slots = (guint) (slots[0] * slots[1] * slots[2]);
          self->slots = g_new0 (RaySlot, self->n_slots);
          self->ray_bytes = self->n_slots * brick_bytes;
          return TRUE;
        }
      capacity /= 2;
    }
  return FALSE;
}

/* Copies brick j of `level` into slot `slot` of the atlas: the level's voxels from j P - 1 to
 * (j + 1) P + 1 along each axis, clamped to the level (so a brick at the volume's face repeats
 * its last voxel, as GL's clamped edges do). */
static void
put_ray_brick (EvoxBricks    *self,
               guint          slot,
               EvoxSampleType type,
               gconstpointer  pixels)
{
  guint R = self->ray_size;
  gsize at[3];
  GLint alignment = 4;

  at[0] = slot % self->atlas_slots[0];
  at[1] = slot / self->atlas_slots[0] % self->atlas_slots[1];
  at[2] = slot / (self->atlas_slots[0] * self->atlas_slots[1]);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, self->atlas);
  glGetIntegerv (GL_UNPACK_ALIGNMENT, &alignment);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexSubImage3D (GL_TEXTURE_3D, 0, (GLint) (at[0] * R), (GLint) (at[1] * R),
                   (GLint) (at[2] * R), (GLsizei) R, (GLsizei) R, (GLsizei) R, GL_RED,
                   type == EVOX_SAMPLE_U8 ? GL_UNSIGNED_BYTE
                   : type == EVOX_SAMPLE_U16 ? GL_UNSIGNED_SHORT : GL_FLOAT, pixels);
  glPixelStorei (GL_UNPACK_ALIGNMENT, alignment);
  glBindTexture (GL_TEXTURE_3D, 0);
  self->n_uploads++;
}

static gboolean
upload_ray_brick (EvoxBricks  *self,
                  guint        level,
                  const gsize  j[3],
                  guint        slot)
{
  guint channel, R = self->ray_size, P = R - 2;
  EvoxVolume *volume;
  EvoxSampleType type;
  gsize elem, dims[3];
  const guint8 *in;
  g_autofree guint8 *pixels = NULL;
  guint8 *out;

  /* The file's levels: read already (settle_file_bricks saw to it). */
  if (level < self->file_levels)
    {
      gconstpointer data = _evox_file_bricks_lookup (self->file, level, j, FALSE);

      if (data == NULL)
        return FALSE;
      put_ray_brick (self, slot, evox_volume_get_sample_type (self->volume), data);
      return TRUE;
    }
  volume = level_volume (self, level - self->file_levels, &channel);
  if (volume == NULL)
    return FALSE;
  type = evox_volume_get_sample_type (volume);
  elem = sample_size (type);
  in = evox_volume_get_data (volume, channel);
  evox_volume_get_dims (volume, dims);
  pixels = g_try_malloc ((gsize) R * R * R * elem);
  if (pixels == NULL)
    return FALSE;
  out = pixels;
  for (guint z = 0; z < R; z++)
    for (guint y = 0; y < R; y++)
      {
        gssize vz = CLAMP ((gssize) (j[2] * P) - 1 + (gssize) z, 0, (gssize) dims[2] - 1);
        gssize vy = CLAMP ((gssize) (j[1] * P) - 1 + (gssize) y, 0, (gssize) dims[1] - 1);
        const guint8 *row = in + ((gsize) vz * dims[1] + (gsize) vy) * dims[0] * elem;

        for (guint x = 0; x < R; x++, out += elem)
          {
            gssize vx = CLAMP ((gssize) (j[0] * P) - 1 + (gssize) x, 0, (gssize) dims[0] - 1);

            memcpy (out, row + (gsize) vx * elem, elem);
          }
      }
  put_ray_brick (self, slot, type, pixels);
  return TRUE;
}

/* The plan's bricks of the file's levels not read yet give way to their ancestor at the first
 * level the volume holds (there always), so the frame draws coarser there until they are in;
 * with wait they are read now. */
static void
settle_file_bricks (EvoxBricks *self,
                    GArray     *nodes,
                    gboolean    wait)
{
  guint top = self->file_levels;
  g_autoptr(GHashTable) coarse = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                        g_free);
  GHashTableIter iter;
  RayNode *ancestor;

  _evox_file_bricks_begin (self->file);
  for (guint i = 0; i < nodes->len; i++)
    {
      RayNode *node = &g_array_index (nodes, RayNode, i);
      RayNode up = { top, { 0, 0, 0 }, 0.0, top };
      guint64 *key;

      if (node->level >= top || _evox_file_bricks_lookup (self->file, node->level, node->j, wait))
        continue;
      for (guint a = 0; a < 3; a++)
        up.j[a] = node->j[a] >> (top - node->level);
      key = g_new (guint64, 1);
      *key = ray_key (top, up.j);
      g_hash_table_replace (coarse, key, g_memdup2 (&up, sizeof up));
    }
  _evox_file_bricks_commit (self->file);
  if (g_hash_table_size (coarse) == 0)
    return;
  for (guint i = 0; i < nodes->len;)
    {
      RayNode *node = &g_array_index (nodes, RayNode, i);
      gsize j[3];
      guint64 key;

      if (node->level < top)
        {
          for (guint a = 0; a < 3; a++)
            j[a] = node->j[a] >> (top - node->level);
          key = ray_key (top, j);
          if (g_hash_table_contains (coarse, &key))
            {
              g_array_remove_index_fast (nodes, i);
              continue;
            }
        }
      i++;
    }
  g_hash_table_iter_init (&iter, coarse);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &ancestor))
    g_array_append_val (nodes, *ancestor);
}

/* A slot for the plan's brick `key`: the one holding it, else an empty one, else the one drawn
 * longest ago by an earlier plan. */
static guint
take_slot (EvoxBricks *self,
           guint64     key,
           gboolean   *fresh)
{
  gpointer found = g_hash_table_lookup (self->slot_of, &key);
  guint best = G_MAXUINT;

  *fresh = FALSE;
  if (found != NULL)
    {
      self->slots[GPOINTER_TO_UINT (found) - 1].used = self->ray_frame;
      return GPOINTER_TO_UINT (found) - 1;
    }
  for (guint i = 0; i < self->n_slots && best == G_MAXUINT; i++)
    if (self->slots[i].key == 0)
      best = i;
  for (guint i = 0; i < self->n_slots && best == G_MAXUINT; i++)
    if (self->slots[i].used < self->ray_frame &&
        (best == G_MAXUINT || self->slots[i].used < self->slots[best].used))
      best = i;
  g_assert (best != G_MAXUINT);
  if (self->slots[best].key != 0)
    g_hash_table_remove (self->slot_of, &self->slots[best].key);
  self->slots[best].key = key;
  self->slots[best].used = self->ray_frame;
  g_hash_table_insert (self->slot_of, &self->slots[best].key, GUINT_TO_POINTER (best + 1));
  *fresh = TRUE;
  return best;
}

gboolean
_evox_bricks_prepare_rays (EvoxBricks    *self,
                           const float    mvp[16],
                           const int      viewport[2],
                           const double   box_lo[3],
                           const double   box_hi[3],
                           gboolean       wait,
                           EvoxBrickRays *rays)
{
  gsize dims[3], n_pages[3], total = 0;
  guint P, coarsest = 0, finest = G_MAXUINT;
  g_autofree double *pixels = NULL;
  g_autofree guint16 *table = NULL;
  g_autoptr(GArray) nodes = NULL;

  g_return_val_if_fail (self != NULL && rays != NULL, FALSE);

  memset (rays, 0, sizeof *rays);
  if (self->ray_failed)
    return FALSE;
  P = self->ray_size - 2;
  ray_level_dims (self, 0, dims);
  for (guint a = 0; a < 3; a++)
    n_pages[a] = (dims[a] + P - 1) / P;
  if (self->atlas == 0)
    {
      /* Every level's bricks: the most a plan can use. */
      for (guint l = 0; l < self->n_levels + self->file_levels; l++)
        {
          gsize ldims[3], count = 1;

          ray_level_dims (self, l, ldims);
          for (guint a = 0; a < 3; a++)
            count *= (ldims[a] + P - 1) / P;
          total += count;
        }
      if (!make_atlas (self, total))
        {
          g_warning ("The GPU could not take one brick of %u voxels for the volume rendering",
                     self->ray_size);
          self->ray_failed = TRUE;
          return FALSE;
        }
    }

  pixels = page_pixels (self, n_pages, mvp, viewport, box_lo, box_hi);
  nodes = plan_rays (self, n_pages, pixels, self->n_slots);
  if (self->file != NULL)
    settle_file_bricks (self, nodes, wait);
  for (guint i = 0; i < nodes->len; i++)
    {
      RayNode *node = &g_array_index (nodes, RayNode, i);

      coarsest = MAX (coarsest, node->level);
      finest = MIN (finest, node->level);
    }
  /* A window's frame does not wait for the pyramid: its coarse levels are computed in a
   * thread (the ready function says when) and the rays wait for them, the slices and the box
   * are drawn meanwhile. */
  if (!wait && !level_ready (self, coarsest - MIN (coarsest, self->file_levels)))
    {
      start_computing (self, coarsest - MIN (coarsest, self->file_levels));
      /* Meanwhile the last plan's bricks, all still in their slots, draw the view. */
      if (self->pages == 0)
        return FALSE;
      *rays = self->last_rays;
      return TRUE;
    }

  self->ray_frame++;
  table = g_new (guint16, 4 * n_pages[0] * n_pages[1] * n_pages[2]);
  for (guint i = 0; i < nodes->len; i++)
    {
      RayNode *node = &g_array_index (nodes, RayNode, i);
      gsize span = (gsize) 1 << node->level;
      gboolean fresh;
      guint slot = take_slot (self, ray_key (node->level, node->j), &fresh);
      guint16 entry[4];

      if (fresh && !upload_ray_brick (self, node->level, node->j, slot))
        {
          /* The slot holds nothing valid: forget it, and the last plan, whose slots may be
           * taken by now. */
          g_hash_table_remove (self->slot_of, &self->slots[slot].key);
          self->slots[slot].key = 0;
          if (self->pages != 0)
            glDeleteTextures (1, &self->pages);
          self->pages = 0;
          return FALSE;
        }
      entry[0] = (guint16) (slot % self->atlas_slots[0]);
      entry[1] = (guint16) (slot / self->atlas_slots[0] % self->atlas_slots[1]);
      entry[2] = (guint16) (slot / (self->atlas_slots[0] * self->atlas_slots[1]));
      entry[3] = (guint16) node->level;
      for (gsize k = node->j[2] * span; k < MIN ((node->j[2] + 1) * span, n_pages[2]); k++)
        for (gsize j = node->j[1] * span; j < MIN ((node->j[1] + 1) * span, n_pages[1]); j++)
          for (gsize i2 = node->j[0] * span; i2 < MIN ((node->j[0] + 1) * span, n_pages[0]);
               i2++)
            memcpy (table + 4 * ((k * n_pages[1] + j) * n_pages[0] + i2), entry, sizeof entry);
    }
  /* A few texels a page: made anew for each plan. */
  if (self->pages != 0)
    glDeleteTextures (1, &self->pages);
  self->pages = 0;
  _evox_gl_drain_errors ();
  if (_evox_gl_upload_texture_3d (GL_TEXTURE0, &self->pages, GL_RGBA16UI, n_pages,
                                  GL_RGBA_INTEGER, GL_UNSIGNED_SHORT, table) != GL_NO_ERROR)
    return FALSE;

  if (self->ray_finest != (int) finest || self->ray_coarsest != (int) coarsest ||
      self->ray_bricks != nodes->len)
    g_debug ("Rays through %u bricks of levels %u to %u (%u slots, %u uploads so far)",
             nodes->len, finest, coarsest, self->n_slots, self->n_uploads);
  self->ray_finest = (int) finest;
  self->ray_coarsest = (int) coarsest;
  self->ray_bricks = nodes->len;
  rays->atlas = self->atlas;
  rays->pages = self->pages;
  for (guint a = 0; a < 3; a++)
    {
      rays->atlas_size[a] = self->atlas_slots[a] * self->ray_size;
      rays->n_pages[a] = n_pages[a];
    }
  rays->brick = self->ray_size;
  rays->page = P;
  rays->finest = finest;
  rays->coarsest = coarsest;
  rays->file_levels = self->file_levels;
  self->last_rays = *rays;
  return TRUE;
}

void
_evox_bricks_set_file (EvoxBricks     *self,
                       EvoxFileBricks *file)
{
  g_return_if_fail (self != NULL && self->file == NULL && self->atlas == 0);

  self->file = file;
  self->file_levels = file != NULL ? _evox_file_bricks_get_n_levels (file) : 0;
}

EvoxFileBricks *
_evox_bricks_get_file (EvoxBricks *self)
{
  return self->file;
}

guint
_evox_bricks_get_ray_size (EvoxBricks *self)
{
  return self->ray_size;
}

/* A texture of size voxels of type from pixels, for other tiles drawn the bricks' way (the
 * full-resolution planes of evox-fullres.c); GL_NO_ERROR when it went up. */
GLenum
_evox_bricks_upload_texture (GLuint         *texture,
                             EvoxSampleType  type,
                             const gsize     size[3],
                             gconstpointer   pixels)
{
  return upload (texture, type, size, pixels);
}

/* What is read beside the rays' values (cluster ids): slot for slot the leader's bricks, so
 * the leader's page table finds them. */
GLuint
_evox_bricks_mirror_rays (EvoxBricks *self,
                          EvoxBricks *leader)
{
  EvoxSampleType type;

  g_return_val_if_fail (self != NULL && leader != NULL, 0);
  g_return_val_if_fail (self->ray_size == leader->ray_size, 0);

  type = evox_volume_get_sample_type (self->volume);
  /* A volume held reduced takes its finest rays' levels from the file, where nothing beside
   * its values exists. */
  if (self->ray_failed || leader->pages == 0 || leader->file_levels > 0)
    return 0;
  if (self->atlas == 0 || memcmp (self->atlas_slots, leader->atlas_slots,
                                   sizeof self->atlas_slots) != 0)
    {
      gsize size[3];

      if (self->atlas != 0)
        glDeleteTextures (1, &self->atlas);
      self->atlas = 0;
      g_clear_pointer (&self->slots, g_free);
      for (guint a = 0; a < 3; a++)
        size[a] = leader->atlas_slots[a] * self->ray_size;
      if (upload (&self->atlas, type, size, NULL) != GL_NO_ERROR)
        {
          g_warning ("The GPU could not take a second atlas of %u bricks for the volume "
                     "rendering", leader->n_slots);
          self->ray_failed = TRUE;
          self->ray_bytes = 0;
          return 0;
        }
      memcpy (self->atlas_slots, leader->atlas_slots, sizeof self->atlas_slots);
      self->n_slots = leader->n_slots;
      self->slots = g_new0 (RaySlot, self->n_slots);
      self->ray_bytes = (gsize) self->n_slots * self->ray_size * self->ray_size *
                        self->ray_size * sample_size (type);
    }
  /* The slots of the leader's last plan: they hold what its page table points at. */
  for (guint i = 0; i < self->n_slots; i++)
    {
      guint64 key = leader->slots[i].key;
      const guint64 mask = ((guint64) 1 << 19) - 1;
      gsize j[3] = { key & mask, (key >> 19) & mask, (key >> 38) & mask };

      if (key == 0 || leader->slots[i].used != leader->ray_frame || self->slots[i].key == key)
        continue;
      if (!upload_ray_brick (self, (guint) (key >> 57) - 1, j, i))
        {
          self->slots[i].key = 0;
          return 0;
        }
      self->slots[i].key = key;
    }
  return self->atlas;
}

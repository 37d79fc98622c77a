/* evox-bricks.c: the pyramid of 2 x 2 x 2 means and the LRU of slice tiles on the GPU. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-bricks.h"

#include <math.h>
#include <string.h>

#include "evox-render-resources.h"

struct _EvoxBricks
{
  EvoxVolume *volume;
  guint       channel;
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

  GLuint      ray_texture;
  guint       ray_level;
  gsize       ray_bytes;
  gboolean    ray_failed;

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

EvoxBricks *
_evox_bricks_new (EvoxVolume *volume,
                  guint       channel,
                  guint       brick_size,
                  guint       max_texture,
                  gsize       budget)
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
  return self;
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
  if (self->ray_texture != 0)
    glDeleteTextures (1, &self->ray_texture);
  self->ray_texture = 0;
  self->ray_bytes = 0;
  self->ray_failed = FALSE;
}

void
_evox_bricks_free (EvoxBricks *self)
{
  if (self == NULL)
    return;
  g_assert (self->ray_texture == 0);
  /* A running thread finishes on its own references; its result is dropped. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->tiles);
  g_ptr_array_unref (self->prepared);
  for (guint l = 0; l < self->n_levels; l++)
    g_clear_object (&self->levels[l]);
  g_free (self->levels);
  g_mutex_clear (&self->lock);
  g_object_unref (self->volume);
  g_free (self);
}

guint
_evox_bricks_get_brick_size (EvoxBricks *self)
{
  return self->brick_size;
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
  return self->ray_texture != 0 ? (int) self->ray_level : -1;
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

EvoxVolume *
_evox_bricks_downsample (EvoxVolume *volume,
                         guint       channel)
{
  g_autoptr(GError) error = NULL;
  EvoxSampleType type;
  EvoxVolume *out;
  gconstpointer data;
  gpointer out_data;
  gsize dims[3], odims[3];
  double spacing[3], origin[3];

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);

  evox_volume_get_dims (volume, dims);
  for (guint a = 0; a < 3; a++)
    odims[a] = (dims[a] + 1) / 2;
  type = evox_volume_get_sample_type (volume);
  out = evox_volume_new (odims[0], odims[1], odims[2], 1, type, &error);
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

  data = evox_volume_get_data (volume, channel);
  out_data = evox_volume_get_data_mut (out, 0);
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
  evox_volume_freeze (out);
  return out;
}

#undef MEANS_INTEGER

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
      volume = _evox_bricks_downsample (finer, finer_channel);
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
  GLint alignment = 4;
  GLenum status;

  _evox_gl_drain_errors ();
  glGenTextures (1, texture);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, *texture);
  _evox_gl_set_texture_parameters (GL_TEXTURE_3D);
  glGetIntegerv (GL_UNPACK_ALIGNMENT, &alignment);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage3D (GL_TEXTURE_3D, 0, internal_format, (GLsizei) size[0], (GLsizei) size[1],
                (GLsizei) size[2], 0, GL_RED, pixel_type, pixels);
  glPixelStorei (GL_UNPACK_ALIGNMENT, alignment);
  status = glGetError ();
  glBindTexture (GL_TEXTURE_3D, 0);
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
  guint level, u = (axis + 1) % 3, v = (axis + 2) % 3;
  gsize dims[3], n_tiles[2];
  EvoxSampleType type = evox_volume_get_sample_type (self->volume);

  g_return_val_if_fail (self != NULL && axis < 3 && n != NULL, NULL);

  g_ptr_array_set_size (self->prepared, 0);
  *n = 0;
  level = slice_level (self);
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
      job->levels[l] = _evox_bricks_downsample (l == 1 ? job->volume : job->levels[l - 1],
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
  job->levels = g_new0 (EvoxVolume *, level + 1);
  task = g_task_new (NULL, self->cancellable, levels_computed, self);
  g_task_set_task_data (task, job, pyramid_job_free);
  g_task_run_in_thread (task, compute_levels);
}

/* The level the rays take first (unless the GPU refuses it), n_levels for none. */
static guint
ray_level (EvoxBricks *self)
{
  gsize elem = sample_size (evox_volume_get_sample_type (self->volume));

  for (guint l = 0; l < self->n_levels; l++)
    {
      gsize dims[3];

      level_dims (self, l, dims);
      if (dims[0] <= self->max_texture && dims[1] <= self->max_texture &&
          dims[2] <= self->max_texture && dims[0] * dims[1] * dims[2] * elem <= self->budget / 2)
        return l;
    }
  return self->n_levels;
}

GLuint
_evox_bricks_get_ray_texture (EvoxBricks  *self,
                              gboolean     wait,
                              EvoxVolume **level_volume_out,
                              guint       *channel_out)
{
  gsize elem = sample_size (evox_volume_get_sample_type (self->volume));

  g_return_val_if_fail (self != NULL, 0);

  if (self->ray_texture == 0 && !self->ray_failed && !wait)
    {
      guint first = ray_level (self);

      if (first < self->n_levels && !level_ready (self, first))
        {
          start_computing (self, first);
          if (level_volume_out != NULL)
            *level_volume_out = NULL;
          return 0;
        }
    }
  if (self->ray_texture == 0 && !self->ray_failed)
    {
      self->ray_failed = TRUE;
      for (guint l = 0; l < self->n_levels && self->ray_texture == 0; l++)
        {
          gsize dims[3];
          guint channel;
          EvoxVolume *volume;

          level_dims (self, l, dims);
          if (dims[0] > self->max_texture || dims[1] > self->max_texture ||
              dims[2] > self->max_texture ||
              dims[0] * dims[1] * dims[2] * elem > self->budget / 2)
            continue;
          volume = level_volume (self, l, &channel);
          if (volume == NULL)
            break;
          /* Out of memory at this level: the next one is an eighth of it. */
          if (upload (&self->ray_texture, evox_volume_get_sample_type (volume), dims,
                      evox_volume_get_data (volume, channel)) == GL_NO_ERROR)
            {
              self->ray_level = l;
              self->ray_bytes = dims[0] * dims[1] * dims[2] * elem;
              self->ray_failed = FALSE;
            }
        }
    }
  if (level_volume_out != NULL)
    {
      guint channel = 0;

      *level_volume_out = self->ray_texture != 0 ? level_volume (self, self->ray_level, &channel)
                                                 : NULL;
      if (channel_out != NULL)
        *channel_out = channel;
    }
  return self->ray_texture;
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

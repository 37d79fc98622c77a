/* evox-fullres.c: full-resolution planes of a reduced volume read from its source in a thread,
 * kept as textures within a budget. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-fullres.h"
#include "evox-bricks.h"

struct _EvoxFullRes
{
  EvoxVoxelSource *source;
  gsize            budget;
  GPtrArray       *planes;       /* EvoxFullResPlane, owned */
  guint64          clock;
  GFunc            ready;
  GFunc            failed;       /* (data, message): a read failed */
  gpointer         ready_data;
  /* The read in flight (NULL when none) and the newest box asked for meanwhile. */
  GCancellable    *reading;
  EvoxFullResPlane in_flight;    /* the box being read (no data, no texture) */
  gboolean         has_pending;
  guint            pending_axis;
  gsize            pending_origin[3];
  gsize            pending_size[3];
  guint            n_reads;
  gboolean         broken;       /* a read failed: read nothing more */
};

typedef struct
{
  EvoxFullRes     *self;         /* valid while cancellable is not cancelled */
  GCancellable    *cancellable;
  EvoxVoxelSource *source;
  guint            axis;
  gsize            origin[3];
  gsize            size[3];
  gpointer         data;
} Read;

static void
read_free (Read *read)
{
  g_clear_object (&read->cancellable);
  g_clear_object (&read->source);
  g_free (read->data);
  g_free (read);
}

static void
plane_free (gpointer data)
{
  EvoxFullResPlane *plane = data;

  /* Textures go in _evox_fullres_unrealize, with the context current. */
  g_assert (plane->texture == 0);
  g_free (plane->data);
  g_free (plane);
}

EvoxFullRes *
_evox_fullres_new (EvoxVoxelSource *source,
                   gsize            budget)
{
  EvoxFullRes *self = g_new0 (EvoxFullRes, 1);

  self->source = g_object_ref (source);
  self->budget = budget;
  self->planes = g_ptr_array_new_with_free_func (plane_free);
  return self;
}

void
_evox_fullres_unrealize (EvoxFullRes *self)
{
  for (guint i = 0; i < self->planes->len; i++)
    {
      EvoxFullResPlane *plane = g_ptr_array_index (self->planes, i);

      if (plane->texture != 0)
        glDeleteTextures (1, &plane->texture);
      plane->texture = 0;
    }
  /* Without their textures the planes would have to be read again: drop them. */
  g_ptr_array_set_size (self->planes, 0);
}

void
_evox_fullres_free (EvoxFullRes *self)
{
  if (self == NULL)
    return;
  /* A read still running finds its cancellable cancelled and drops what it read. */
  if (self->reading != NULL)
    g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);
  g_ptr_array_unref (self->planes);
  g_object_unref (self->source);
  g_free (self);
}

void
_evox_fullres_set_ready_func (EvoxFullRes *self,
                              GFunc        ready,
                              gpointer     data)
{
  self->ready = ready;
  self->ready_data = data;
}

void
_evox_fullres_set_failed_func (EvoxFullRes *self,
                               GFunc        failed)
{
  self->failed = failed;
}

/* A file damaged since it was opened: the reduced slice stays, the reason in the log and, for
 * the window, in the failed function, once (the next reads would fail the same way). */
static void
report_failure (EvoxFullRes *self,
                GError      *error)
{
  self->broken = TRUE;
  self->has_pending = FALSE;
  g_warning ("%s", error->message);
  if (self->failed != NULL)
    self->failed (self->ready_data, error->message);
}

guint
_evox_fullres_get_n_reads (EvoxFullRes *self)
{
  return self->n_reads;
}

gboolean
_evox_fullres_is_reading (EvoxFullRes *self)
{
  return self->reading != NULL;
}

gboolean
_evox_fullres_has_failed (EvoxFullRes *self)
{
  return self->broken;
}

static EvoxFullResPlane *
add_plane (EvoxFullRes *self,
           Read        *read)
{
  EvoxFullResPlane *plane = g_new0 (EvoxFullResPlane, 1);

  plane->axis = read->axis;
  for (guint a = 0; a < 3; a++)
    {
      plane->origin[a] = read->origin[a];
      plane->size[a] = read->size[a];
    }
  plane->data = g_steal_pointer (&read->data);
  plane->bytes = read->size[0] * read->size[1] * read->size[2] *
                 evox_sample_type_size (evox_voxel_source_get_sample_type (self->source));
  plane->used = self->clock;
  g_ptr_array_add (self->planes, plane);
  self->n_reads++;
  return plane;
}

static gboolean
read_box (Read    *read,
          GError **error)
{
  gsize bytes = read->size[0] * read->size[1] * read->size[2] *
                evox_sample_type_size (evox_voxel_source_get_sample_type (read->source));

  read->data = g_malloc (bytes);
  return evox_voxel_source_read_box (read->source, read->origin, read->size, read->data, error);
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (read_box (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
plane_holds (const EvoxFullResPlane *plane,
             guint                   axis,
             const gsize             lo[3],
             const gsize             hi[3])
{
  if (plane->axis != axis)
    return FALSE;
  for (guint a = 0; a < 3; a++)
    if (lo[a] < plane->origin[a] || hi[a] > plane->origin[a] + plane->size[a])
      return FALSE;
  return TRUE;
}

static void start_read (EvoxFullRes *self,
                        guint        axis,
                        const gsize  origin[3],
                        const gsize  size[3]);

static void
read_done (GObject      *unused,
           GAsyncResult *result,
           gpointer      user_data)
{
  Read *read = g_task_get_task_data (G_TASK (result));
  EvoxFullRes *self = read->self;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  if (g_cancellable_is_cancelled (read->cancellable))
    return;
  g_clear_object (&self->reading);
  if (ok)
    add_plane (self, read);
  else
    report_failure (self, error);
  if (self->has_pending)
    {
      self->has_pending = FALSE;
      start_read (self, self->pending_axis, self->pending_origin, self->pending_size);
    }
  if (ok && self->ready != NULL)
    self->ready (self->ready_data, NULL);
}

static void
start_read (EvoxFullRes *self,
            guint        axis,
            const gsize  origin[3],
            const gsize  size[3])
{
  g_autoptr(GTask) task = NULL;
  Read *read;

  if (self->reading != NULL)
    {
      self->has_pending = TRUE;
      self->pending_axis = axis;
      for (guint a = 0; a < 3; a++)
        {
          self->pending_origin[a] = origin[a];
          self->pending_size[a] = size[a];
        }
      return;
    }
  read = g_new0 (Read, 1);
  read->self = self;
  read->cancellable = g_cancellable_new ();
  read->source = g_object_ref (self->source);
  read->axis = axis;
  for (guint a = 0; a < 3; a++)
    {
      read->origin[a] = origin[a];
      read->size[a] = size[a];
    }
  self->reading = g_object_ref (read->cancellable);
  self->in_flight.axis = axis;
  memcpy (self->in_flight.origin, origin, sizeof self->in_flight.origin);
  memcpy (self->in_flight.size, size, sizeof self->in_flight.size);
  task = g_task_new (NULL, NULL, read_done, NULL);
  g_task_set_task_data (task, read, (GDestroyNotify) read_free);
  g_task_run_in_thread (task, read_thread);
}

/* Least recently drawn first, never one drawn in this frame, while over the budget. */
static void
evict (EvoxFullRes *self,
       guint64      frame)
{
  for (;;)
    {
      EvoxFullResPlane *oldest = NULL;
      gsize total = 0;
      guint at = 0;

      for (guint i = 0; i < self->planes->len; i++)
        {
          EvoxFullResPlane *plane = g_ptr_array_index (self->planes, i);

          total += plane->bytes;
          if (plane->frame != frame && (oldest == NULL || plane->used < oldest->used))
            {
              oldest = plane;
              at = i;
            }
        }
      if (total <= self->budget || oldest == NULL)
        return;
      if (oldest->texture != 0)
        glDeleteTextures (1, &oldest->texture);
      oldest->texture = 0;
      g_ptr_array_remove_index_fast (self->planes, at);
    }
}

/* The box to read for [lo, hi): twice its size around it where the plane has room, at most
 * EVOX_FULLRES_MAX_SIDE a side. */
static void
widen (EvoxFullRes *self,
       guint        axis,
       const gsize  lo[3],
       const gsize  hi[3],
       gsize        origin[3],
       gsize        size[3])
{
  gsize dims[3];

  evox_voxel_source_get_dims (self->source, dims);
  for (guint a = 0; a < 3; a++)
    {
      gsize want = a == axis ? 1 : MIN (MIN (2 * (hi[a] - lo[a]), dims[a]), EVOX_FULLRES_MAX_SIDE);
      gsize centre = (lo[a] + hi[a]) / 2;

      size[a] = want;
      origin[a] = a == axis ? lo[a] : centre > want / 2 ? MIN (centre - want / 2, dims[a] - want)
                                                         : 0;
    }
}

const EvoxFullResPlane *
_evox_fullres_lookup (EvoxFullRes *self,
                      guint        axis,
                      const gsize  lo[3],
                      const gsize  hi[3],
                      guint64      frame,
                      gboolean     wait)
{
  EvoxFullResPlane *found = NULL;
  gsize origin[3], size[3];

  g_return_val_if_fail (self != NULL && axis < 3, NULL);

  self->clock++;
  for (guint i = 0; i < self->planes->len && found == NULL; i++)
    if (plane_holds (g_ptr_array_index (self->planes, i), axis, lo, hi))
      found = g_ptr_array_index (self->planes, i);
  /* Frames drawn while a read runs ask again for what it brings. */
  if (found == NULL && !wait && self->reading != NULL &&
      plane_holds (&self->in_flight, axis, lo, hi))
    return NULL;
  if (found == NULL && self->broken)
    return NULL;
  if (found == NULL)
    {
      widen (self, axis, lo, hi, origin, size);
      if (!wait)
        {
          start_read (self, axis, origin, size);
          return NULL;
        }
      else
        {
          Read read = { self, NULL, self->source, axis };
          g_autoptr(GError) error = NULL;

          memcpy (read.origin, origin, sizeof origin);
          memcpy (read.size, size, sizeof size);
          if (!read_box (&read, &error))
            {
              report_failure (self, error);
              g_free (read.data);
              return NULL;
            }
          found = add_plane (self, &read);
        }
    }
  found->used = self->clock;
  found->frame = frame;
  evict (self, frame);
  /* The voxels stay in memory as well, for _evox_fullres_get_value (); a texture that did
   * not go up stays 0 and is tried again next time. */
  if (found->texture == 0 && found->data != NULL)
    _evox_bricks_upload_texture (&found->texture, evox_voxel_source_get_sample_type (self->source),
                                 found->size, found->data);
  return found->texture != 0 ? found : NULL;
}

gboolean
_evox_fullres_get_value (EvoxFullRes *self,
                         const gsize  voxel[3],
                         double      *value)
{
  const gsize next[3] = { voxel[0] + 1, voxel[1] + 1, voxel[2] + 1 };

  g_return_val_if_fail (self != NULL && value != NULL, FALSE);

  for (guint i = 0; i < self->planes->len; i++)
    {
      EvoxFullResPlane *plane = g_ptr_array_index (self->planes, i);
      gsize at;

      if (plane->data == NULL || !plane_holds (plane, plane->axis, voxel, next))
        continue;
      at = ((voxel[2] - plane->origin[2]) * plane->size[1] + voxel[1] - plane->origin[1]) *
           plane->size[0] + voxel[0] - plane->origin[0];
      switch (evox_voxel_source_get_sample_type (self->source))
        {
        case EVOX_SAMPLE_U8:
          *value = ((const guint8 *) plane->data)[at];
          break;
        case EVOX_SAMPLE_U16:
          *value = ((const guint16 *) plane->data)[at];
          break;
        case EVOX_SAMPLE_F32:
        default:
          *value = ((const float *) plane->data)[at];
          break;
        }
      return TRUE;
    }
  return FALSE;
}

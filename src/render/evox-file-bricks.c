/* evox-file-bricks.c: the rays' bricks finer than a volume held reduced, read from its file in
 * a thread and kept, least recently drawn dropped first, within a budget. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-file-bricks.h"

typedef struct
{
  guint level;
  gsize j[3];
} Request;

typedef struct
{
  guint64  key;
  gpointer data;
  guint64  used;        /* the frame that last asked for it */
} Brick;

struct _EvoxFileBricks
{
  EvoxVoxelSource *source;
  guint            n_levels;
  gboolean         modes;
  guint            brick;
  gsize            brick_bytes;
  gsize            budget;
  GHashTable      *bricks;       /* key -> Brick, owned */
  /* A read failed (a file damaged or changed since it was opened): nothing more is read, the
   * coarser bricks stay. */
  gboolean         broken;
  GArray          *wanted;       /* Request: what this frame asked for */
  GArray          *pending;      /* Request: asked for while a read ran */
  GCancellable    *reading;      /* the read in flight, NULL when none */
  guint64          clock;
  gsize            bytes;
  guint            n_reads;
  GFunc            ready;
  GFunc            failed_func;
  gpointer         data;
};

/* One read in the thread: its own references, so the bricks may go (cancelling it) meanwhile. */
typedef struct
{
  EvoxFileBricks  *self;         /* valid while cancellable is not cancelled */
  GCancellable    *cancellable;
  EvoxVoxelSource *source;
  gboolean         modes;
  guint            brick;
  gsize            brick_bytes;
  GArray          *requests;
  gpointer        *data;         /* one per request, NULL where not read */
  guint            failed_at;    /* the request that failed, requests->len when none */
  GError          *error;
} Read;

static guint64
brick_key (guint       level,
           const gsize j[3])
{
  return ((guint64) level << 57) | ((guint64) j[2] << 38) | ((guint64) j[1] << 19) |
         (guint64) j[0];
}

static void
brick_free (gpointer data)
{
  Brick *brick = data;

  g_free (brick->data);
  g_free (brick);
}

static void
read_free (gpointer data)
{
  Read *read = data;

  for (guint i = 0; i < read->requests->len; i++)
    g_free (read->data[i]);
  g_free (read->data);
  g_array_unref (read->requests);
  g_clear_error (&read->error);
  g_clear_object (&read->cancellable);
  g_object_unref (read->source);
  g_free (read);
}

EvoxFileBricks *
_evox_file_bricks_new (EvoxVoxelSource *source,
                       guint            n_levels,
                       gboolean         modes,
                       guint            brick,
                       gsize            budget)
{
  EvoxFileBricks *self;

  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (source), NULL);
  g_return_val_if_fail (brick >= 3, NULL);

  self = g_new0 (EvoxFileBricks, 1);
  self->source = g_object_ref (source);
  self->n_levels = n_levels;
  self->modes = modes;
  self->brick = brick;
  self->brick_bytes = (gsize) brick * brick * brick *
                      evox_sample_type_size (evox_voxel_source_get_sample_type (source));
  self->budget = budget;
  self->bricks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, brick_free);
  self->wanted = g_array_new (FALSE, FALSE, sizeof (Request));
  self->pending = g_array_new (FALSE, FALSE, sizeof (Request));
  return self;
}

void
_evox_file_bricks_free (EvoxFileBricks *self)
{
  if (self == NULL)
    return;
  /* A read still running finds its cancellable cancelled and drops what it read. */
  if (self->reading != NULL)
    g_cancellable_cancel (self->reading);
  g_clear_object (&self->reading);
  g_hash_table_unref (self->bricks);
  g_array_unref (self->wanted);
  g_array_unref (self->pending);
  g_object_unref (self->source);
  g_free (self);
}

guint
_evox_file_bricks_get_n_levels (EvoxFileBricks *self)
{
  return self->n_levels;
}

void
_evox_file_bricks_set_funcs (EvoxFileBricks *self,
                             GFunc           ready,
                             GFunc           failed,
                             gpointer        data)
{
  self->ready = ready;
  self->failed_func = failed;
  self->data = data;
}

guint
_evox_file_bricks_get_n_reads (EvoxFileBricks *self)
{
  return self->n_reads;
}

gsize
_evox_file_bricks_get_bytes (EvoxFileBricks *self)
{
  return self->bytes;
}

gboolean
_evox_file_bricks_is_reading (EvoxFileBricks *self)
{
  return self->reading != NULL;
}

gboolean
_evox_file_bricks_read (EvoxVoxelSource *source,
                        guint            level,
                        gboolean         modes,
                        guint            brick,
                        const gsize      j[3],
                        gpointer         dest,
                        GError         **error)
{
  gsize dims[3], lo[3], n[3], item, scale = (gsize) 1 << level, P = brick - 2;
  gssize first[3];
  g_autofree guint8 *box = NULL;
  guint8 *out = dest;

  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (source), FALSE);
  g_return_val_if_fail (brick >= 3 && level < 32, FALSE);

  evox_voxel_source_get_dims (source, dims);
  item = evox_sample_type_size (evox_voxel_source_get_sample_type (source));
  for (guint a = 0; a < 3; a++)
    {
      gssize side = (gssize) ((dims[a] + scale - 1) / scale);

      first[a] = (gssize) (j[a] * P) - 1;
      /* A brick of the padded volume beyond the level (a side of the reduced volume times its
       * scale exceeds the file's) repeats the last voxel, as one at the face does. */
      lo[a] = (gsize) CLAMP (first[a], 0, side - 1);
      n[a] = (gsize) CLAMP (first[a] + (gssize) brick, (gssize) lo[a] + 1, side) - lo[a];
    }
  box = g_try_malloc (n[0] * n[1] * n[2] * item);
  if (box == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE, "%s: no memory for a brick",
                   evox_voxel_source_get_path (source));
      return FALSE;
    }
  if (!evox_voxel_source_read_reduced (source, (guint) scale, modes, lo, n, box, error))
    return FALSE;
  for (guint z = 0; z < brick; z++)
    for (guint y = 0; y < brick; y++)
      {
        gsize bz = (gsize) CLAMP (first[2] + (gssize) z, (gssize) lo[2],
                                  (gssize) (lo[2] + n[2] - 1)) - lo[2];
        gsize by = (gsize) CLAMP (first[1] + (gssize) y, (gssize) lo[1],
                                  (gssize) (lo[1] + n[1] - 1)) - lo[1];
        const guint8 *row = box + (bz * n[1] + by) * n[0] * item;

        for (guint x = 0; x < brick; x++, out += item)
          {
            gsize bx = (gsize) CLAMP (first[0] + (gssize) x, (gssize) lo[0],
                                      (gssize) (lo[0] + n[0] - 1)) - lo[0];

            memcpy (out, row + bx * item, item);
          }
      }
  return TRUE;
}

/* Least recently asked for first, never one this frame asked for, while over the budget. */
static void
evict (EvoxFileBricks *self)
{
  while (self->bytes > self->budget)
    {
      GHashTableIter iter;
      Brick *brick, *oldest = NULL;

      g_hash_table_iter_init (&iter, self->bricks);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &brick))
        if (brick->used < self->clock && (oldest == NULL || brick->used < oldest->used))
          oldest = brick;
      if (oldest == NULL)
        return;
      self->bytes -= self->brick_bytes;
      g_hash_table_remove (self->bricks, &oldest->key);
    }
}

static Brick *
add_brick (EvoxFileBricks *self,
           guint64         key,
           gpointer        data)
{
  Brick *brick = g_new0 (Brick, 1);

  brick->key = key;
  brick->data = data;
  brick->used = self->clock;
  g_hash_table_insert (self->bricks, &brick->key, brick);
  self->bytes += self->brick_bytes;
  self->n_reads++;
  return brick;
}

static void
set_broken (EvoxFileBricks *self,
            const char     *message)
{
  self->broken = TRUE;
  g_array_set_size (self->pending, 0);
  /* Once: the coarser bricks stay, the window says why. */
  g_warning ("%s", message);
  if (self->failed_func != NULL)
    self->failed_func (self->data, (gpointer) message);
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Read *read = task_data;

  for (guint i = 0; i < read->requests->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      Request *r = &g_array_index (read->requests, Request, i);

      read->data[i] = g_try_malloc (read->brick_bytes);
      if (read->data[i] == NULL ||
          !_evox_file_bricks_read (read->source, r->level, read->modes, read->brick, r->j,
                                   read->data[i], &read->error))
        {
          if (read->error == NULL)
            g_set_error (&read->error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                         "%s: no memory for a brick", evox_voxel_source_get_path (read->source));
          g_clear_pointer (&read->data[i], g_free);
          read->failed_at = i;
          break;
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void start_read (EvoxFileBricks *self,
                        GArray         *requests);

static void
read_done (GObject      *unused,
           GAsyncResult *result,
           gpointer      user_data)
{
  Read *read = g_task_get_task_data (G_TASK (result));
  EvoxFileBricks *self = read->self;
  gboolean arrived = FALSE;

  if (g_cancellable_is_cancelled (read->cancellable))
    return;
  g_clear_object (&self->reading);
  for (guint i = 0; i < read->requests->len; i++)
    {
      Request *r = &g_array_index (read->requests, Request, i);
      guint64 key = brick_key (r->level, r->j);

      if (read->data[i] != NULL && !g_hash_table_contains (self->bricks, &key))
        {
          add_brick (self, key, g_steal_pointer (&read->data[i]));
          arrived = TRUE;
        }
      else if (i == read->failed_at && !self->broken)
        set_broken (self, read->error->message);
    }
  evict (self);
  if (self->pending->len > 0)
    {
      g_autoptr(GArray) pending = g_steal_pointer (&self->pending);

      self->pending = g_array_new (FALSE, FALSE, sizeof (Request));
      start_read (self, pending);
    }
  if (arrived && self->ready != NULL)
    self->ready (self->data, NULL);
}

/* Reads the requests not held nor failed meanwhile, at most a batch of them. */
static void
start_read (EvoxFileBricks *self,
            GArray         *requests)
{
  g_autoptr(GTask) task = NULL;
  Read *read;

  if (self->reading != NULL)
    {
      g_array_set_size (self->pending, 0);
      g_array_append_vals (self->pending, requests->data, requests->len);
      return;
    }
  read = g_new0 (Read, 1);
  read->requests = g_array_new (FALSE, FALSE, sizeof (Request));
  for (guint i = 0; i < requests->len && read->requests->len < EVOX_FILE_BRICKS_BATCH; i++)
    {
      Request *r = &g_array_index (requests, Request, i);
      guint64 key = brick_key (r->level, r->j);

      if (!g_hash_table_contains (self->bricks, &key))
        g_array_append_val (read->requests, *r);
    }
  if (read->requests->len == 0 || self->broken)
    {
      g_array_unref (read->requests);
      g_free (read);
      return;
    }
  read->self = self;
  read->cancellable = g_cancellable_new ();
  read->source = g_object_ref (self->source);
  read->modes = self->modes;
  read->brick = self->brick;
  read->brick_bytes = self->brick_bytes;
  read->data = g_new0 (gpointer, read->requests->len);
  read->failed_at = read->requests->len;
  self->reading = g_object_ref (read->cancellable);
  task = g_task_new (NULL, NULL, read_done, NULL);
  g_task_set_task_data (task, read, read_free);
  g_task_run_in_thread (task, read_thread);
}

void
_evox_file_bricks_begin (EvoxFileBricks *self)
{
  self->clock++;
  g_array_set_size (self->wanted, 0);
}

gconstpointer
_evox_file_bricks_lookup (EvoxFileBricks *self,
                          guint           level,
                          const gsize     j[3],
                          gboolean        wait)
{
  guint64 key = brick_key (level, j);
  Brick *brick = g_hash_table_lookup (self->bricks, &key);
  Request request = { level, { j[0], j[1], j[2] } };

  g_return_val_if_fail (level < self->n_levels, NULL);

  if (brick == NULL && self->broken)
    return NULL;
  if (brick == NULL && !wait)
    {
      g_array_append_val (self->wanted, request);
      return NULL;
    }
  if (brick == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree gpointer data = g_try_malloc (self->brick_bytes);

      if (data == NULL ||
          !_evox_file_bricks_read (self->source, level, self->modes, self->brick, j, data,
                                   &error))
        {
          g_autofree char *message = NULL;

          if (error == NULL)
            message = g_strdup_printf ("%s: no memory for a brick",
                                       evox_voxel_source_get_path (self->source));
          set_broken (self, error != NULL ? error->message : message);
          return NULL;
        }
      brick = add_brick (self, key, g_steal_pointer (&data));
      evict (self);
    }
  brick->used = self->clock;
  return brick->data;
}

void
_evox_file_bricks_commit (EvoxFileBricks *self)
{
  if (self->wanted->len > 0)
    start_read (self, self->wanted);
}

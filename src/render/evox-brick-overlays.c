/* evox-brick-overlays.c: the particle labels, cluster ids and RGB channels of a bricked volume's
 * slices, each in bricks of its own with the volume's tile layout; the labels and ids are
 * copied to their narrowest type in a thread, so no window frame waits for the copy. */
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

/* Voxels the copy makes between two looks at its cancellable. */
#define COPY_CHUNK ((gsize) 1 << 22)

/* One copy of labels or cluster ids in a thread, shared (atomic reference counts) by the task
 * and the overlay waiting for it: the overlay may go (cancelling it) or an export wait for it
 * (on the condition) while it runs. */
typedef struct
{
  GMutex              lock;
  GCond               cond;
  gboolean            done;         /* volume or error set: under lock */
  GCancellable       *cancellable;
  EvoxBrickOverlays  *owner;        /* valid while cancellable is not cancelled */
  guint               which;
  GObject            *source;       /* a reference */
  EvoxSampleType      type;
  EvoxVolume         *volume;
  GError             *error;
} Copy;

typedef struct
{
  EvoxBricks     *bricks;
  GObject        *source;    /* the labels or clusters it was made from (a reference) */
  int             channel;   /* the volume's channel, for the RGB ones; -1 for none */
  gboolean        failed;    /* the source could not be bricked: not tried again for it */
  Copy           *copy;      /* the source's copy while a thread makes it */
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
  GFunc       ready;
  gpointer    ready_data;
};

/* For tests: copies not yet delivered to the main context, and copies held before they start. */
static gint n_copies_running;
static GMutex hold_lock;
static GCond hold_cond;
static gboolean hold_copies;

static void
copy_clear (Copy *copy)
{
  g_mutex_clear (&copy->lock);
  g_cond_clear (&copy->cond);
  g_clear_object (&copy->cancellable);
  g_clear_object (&copy->source);
  g_clear_object (&copy->volume);
  g_clear_error (&copy->error);
}

static void
copy_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, (GDestroyNotify) copy_clear);
}

/* The overlay lets go of its copy: a thread still running drops what it makes. */
static void
overlay_drop_copy (Overlay *overlay)
{
  if (overlay->copy == NULL)
    return;
  g_cancellable_cancel (overlay->copy->cancellable);
  g_clear_pointer (&overlay->copy, copy_unref);
}

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

void
_evox_brick_overlays_set_ready_func (EvoxBrickOverlays *self,
                                     GFunc              ready,
                                     gpointer           data)
{
  g_return_if_fail (self != NULL);
  self->ready = ready;
  self->ready_data = data;
}

static void
overlay_clear (Overlay *overlay)
{
  overlay_drop_copy (overlay);
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
    {
      g_assert (self->overlays[o].bricks == NULL);
      /* Not unrealized (nothing went up): the copies in flight and the sources go here. */
      overlay_drop_copy (&self->overlays[o]);
      g_clear_object (&self->overlays[o].source);
    }
  g_object_unref (self->volume);
  g_free (self);
}

/* Whether a copy of `item` bytes a voxel fits under the memory cap beside what the window
 * already holds for it: the bricked volume (`held` bytes) and the source of `source_item` bytes
 * a voxel. Asked on the main thread before the copy starts, so on a big volume it is refused
 * there with a message rather than let the window run out of memory. */
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

/* The narrowest type that holds the labels exactly (u8, u16, or f32 up to 2^24), so their tiles
 * cost what the unbricked label texture costs a voxel; FALSE when there are too many. */
static gboolean
labels_type (EvoxLabels     *labels,
             EvoxSampleType *type,
             GError        **error)
{
  guint n = evox_labels_get_n_particles (labels);

  if (n > (1u << 24))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%u particles are more than a bricked volume can highlight (%u)", n,
                   1u << 24);
      return FALSE;
    }
  *type = n <= G_MAXUINT8 ? EVOX_SAMPLE_U8 : n <= G_MAXUINT16 ? EVOX_SAMPLE_U16 : EVOX_SAMPLE_F32;
  return TRUE;
}

/* Labels voxels [first, first + n) into out, of type. */
static void
convert_labels (const guint32  *data,
                EvoxSampleType  type,
                gpointer        out,
                gsize           first,
                gsize           n)
{
  for (gsize i = first; i < first + n; i++)
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
}

/* In the thread: the labels or ids as a one-channel volume of copy->type; NULL when cancelled
 * or out of memory (error set then). */
static EvoxVolume *
make_copy (Copy          *copy,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(EvoxVolume) volume = NULL;
  gconstpointer data;
  gsize dims[3], n_voxels;
  guint8 *out;

  if (copy->which == OVERLAY_LABELS)
    {
      evox_labels_get_dims (EVOX_LABELS (copy->source), dims);
      /* Labels shared by phases make their own volume here, once. */
      data = evox_labels_get_data (EVOX_LABELS (copy->source));
    }
  else
    {
      evox_clusters_get_dims (EVOX_CLUSTERS (copy->source), dims);
      data = evox_clusters_get_data (EVOX_CLUSTERS (copy->source));
    }
  if (data == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                           "the label volume does not fit in memory");
      return NULL;
    }
  volume = evox_volume_new (dims[0], dims[1], dims[2], 1, copy->type, error);
  if (volume == NULL)
    return NULL;
  out = evox_volume_get_data_mut (volume, 0);
  n_voxels = dims[0] * dims[1] * dims[2];
  for (gsize first = 0; first < n_voxels; first += COPY_CHUNK)
    {
      gsize n = MIN (COPY_CHUNK, n_voxels - first);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (copy->which == OVERLAY_LABELS)
        convert_labels (data, copy->type, out, first, n);
      else
        memcpy (out + first * sizeof (guint16), (const guint16 *) data + first,
                n * sizeof (guint16));
    }
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}

/* Makes the copy and says it is done to whoever waits for it. */
static void
copy_run (Copy *copy)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = make_copy (copy, copy->cancellable, &error);

  g_mutex_lock (&copy->lock);
  copy->volume = volume;
  copy->error = g_steal_pointer (&error);
  copy->done = TRUE;
  g_cond_broadcast (&copy->cond);
  g_mutex_unlock (&copy->lock);
}

static void
copy_thread (GTask        *task,
             gpointer      unused,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_mutex_lock (&hold_lock);
  while (hold_copies)
    g_cond_wait (&hold_cond, &hold_lock);
  g_mutex_unlock (&hold_lock);

  copy_run (task_data);
  g_task_return_boolean (task, TRUE);
}

/* The finished copy becomes the overlay's bricks, or its one warning. */
static void
overlay_take_copy (EvoxBrickOverlays *self,
                   guint              which)
{
  Overlay *overlay = &self->overlays[which];
  Copy *copy = overlay->copy;

  g_assert (copy != NULL && copy->done);
  if (copy->volume == NULL)
    {
      g_warning ("The %s of the bricked volume are not drawn: %s",
                 which == OVERLAY_LABELS ? "particles" : "clusters", copy->error->message);
      overlay->failed = TRUE;
    }
  else
    {
      /* Half the volume's budget: the planes of the frame always go up, this bounds the ones
       * kept for later frames. Labels and ids are categories whatever their number: a coarse
       * level takes each block's most frequent one. */
      overlay->bricks = _evox_bricks_new_categorical (copy->volume, self->brick_size,
                                                      self->max_texture, self->budget / 2);
      if (which == OVERLAY_LABELS)
        self->label_scale = copy->type == EVOX_SAMPLE_U8 ? 255.0f
                            : copy->type == EVOX_SAMPLE_U16 ? 65535.0f : 1.0f;
    }
  overlay_drop_copy (overlay);
}

static void
copy_done (GObject      *unused,
           GAsyncResult *result,
           gpointer      user_data)
{
  Copy *copy = g_task_get_task_data (G_TASK (result));
  EvoxBrickOverlays *self;

  g_atomic_int_add (&n_copies_running, -1);
  /* The overlays went, their source changed, or an export took the copy already. */
  if (g_cancellable_is_cancelled (copy->cancellable))
    return;
  self = copy->owner;
  g_assert (self->overlays[copy->which].copy == copy);
  overlay_take_copy (self, copy->which);
  if (self->ready != NULL)
    self->ready (self->ready_data, NULL);
}

/* Starts the copy of the overlay's source in a thread (with wait, makes it here: an export
 * has nothing to draw meanwhile), or refuses it (said once): too many particles, or more than
 * the memory cap allows beside what the window holds. */
static gboolean
overlay_start_copy (EvoxBrickOverlays *self,
                    guint              which,
                    gboolean           wait,
                    GError           **error)
{
  Overlay *overlay = &self->overlays[which];
  guint64 held = volume_bytes (self->volume);
  g_autoptr(GTask) task = NULL;
  EvoxSampleType type = EVOX_SAMPLE_U16;
  gsize dims[3];
  Copy *copy;

  if (which == OVERLAY_LABELS)
    {
      if (!labels_type (EVOX_LABELS (overlay->source), &type, error))
        return FALSE;
      evox_labels_get_dims (EVOX_LABELS (overlay->source), dims);
      if (!copy_fits (held, dims, sizeof (guint32), evox_sample_type_size (type), error))
        return FALSE;
    }
  else
    {
      evox_clusters_get_dims (EVOX_CLUSTERS (overlay->source), dims);
      if (!copy_fits (held, dims, sizeof (guint16), sizeof (guint16), error))
        return FALSE;
    }
  copy = g_atomic_rc_box_new0 (Copy);
  g_mutex_init (&copy->lock);
  g_cond_init (&copy->cond);
  copy->cancellable = g_cancellable_new ();
  copy->owner = self;
  copy->which = which;
  copy->source = g_object_ref (overlay->source);
  copy->type = type;
  if (wait)
    {
      overlay->copy = copy;
      copy_run (copy);
      overlay_take_copy (self, which);
      return TRUE;
    }
  overlay->copy = g_atomic_rc_box_acquire (copy);
  g_atomic_int_inc (&n_copies_running);
  task = g_task_new (NULL, NULL, copy_done, NULL);
  g_task_set_task_data (task, copy, copy_unref);
  g_task_run_in_thread (task, copy_thread);
  return TRUE;
}

/* Exports: the copy in flight is waited for and taken now (its delivery then finds it taken). */
static void
overlay_wait_copy (EvoxBrickOverlays *self,
                   guint              which)
{
  Copy *copy = self->overlays[which].copy;

  g_mutex_lock (&copy->lock);
  while (!copy->done)
    g_cond_wait (&copy->cond, &copy->lock);
  g_mutex_unlock (&copy->lock);
  overlay_take_copy (self, which);
}

/* The overlay made from `source` (labels or clusters) or from the volume's `channel`; FALSE
 * while its copy is being made in a thread (unless wait: then it is waited for), and when it
 * cannot be (said once). */
static gboolean
overlay_sync (EvoxBrickOverlays *self,
              guint              which,
              GObject           *source,
              int                channel,
              gboolean           wait)
{
  Overlay *overlay = &self->overlays[which];
  g_autoptr(GError) error = NULL;

  if (overlay->source != source || overlay->channel != channel ||
      (overlay->bricks == NULL && !overlay->failed && overlay->copy == NULL))
    {
      overlay_clear (overlay);
      overlay->source = source != NULL ? g_object_ref (source) : NULL;
      overlay->channel = channel;
      if (which >= OVERLAY_RED)
        /* The RGB channels follow their values, as the volume's own do: no copy. */
        overlay->bricks = _evox_bricks_new (self->volume, (guint) channel, self->brick_size,
                                            self->max_texture, self->budget / 2);
      else if (!overlay_start_copy (self, which, wait, &error))
        {
          g_warning ("The %s of the bricked volume are not drawn: %s",
                     which == OVERLAY_LABELS ? "particles" : "clusters", error->message);
          overlay->failed = TRUE;
        }
    }
  if (overlay->copy != NULL && wait)
    overlay_wait_copy (self, which);
  return overlay->bricks != NULL;
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
                              guint64            frame,
                              gboolean           wait)
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
  if (labels != NULL && overlay_sync (self, OVERLAY_LABELS, G_OBJECT (labels), -1, wait) &&
      overlay_prepare (&self->overlays[OVERLAY_LABELS], level, axis, index, frame))
    flags |= EVOX_BRICK_OVERLAY_LABELS;
  if (clusters != NULL && overlay_sync (self, OVERLAY_CLUSTERS, G_OBJECT (clusters), -1, wait) &&
      overlay_prepare (&self->overlays[OVERLAY_CLUSTERS], level, axis, index, frame))
    flags |= EVOX_BRICK_OVERLAY_CLUSTERS;
  for (guint s = 0; s < 3 && rgb_channels != NULL; s++)
    {
      int channel = rgb_channels[s];

      /* Channels the volume lacks count as unused, as the unbricked composite has it. */
      if (channel < 0 || channel >= (int) n_channels)
        continue;
      rgb = TRUE;
      if (!overlay_sync (self, OVERLAY_RED + s, NULL, channel, wait) ||
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
                                   EvoxBricks        *bricks,
                                   gboolean           wait)
{
  g_return_val_if_fail (self != NULL && EVOX_IS_CLUSTERS (clusters) && bricks != NULL, 0);

  if (!overlay_sync (self, OVERLAY_CLUSTERS, G_OBJECT (clusters), -1, wait))
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

gboolean
_evox_brick_overlays_is_copying (EvoxBrickOverlays *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  for (guint o = 0; o < N_OVERLAYS; o++)
    if (self->overlays[o].copy != NULL)
      return TRUE;
  return FALSE;
}

guint
_evox_brick_overlays_get_n_copies_running (void)
{
  return (guint) g_atomic_int_get (&n_copies_running);
}

void
_evox_brick_overlays_hold_copies (gboolean hold)
{
  g_mutex_lock (&hold_lock);
  hold_copies = hold;
  g_cond_broadcast (&hold_cond);
  g_mutex_unlock (&hold_lock);
}

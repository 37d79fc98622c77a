/* evox-voxel-source.c: full-resolution voxels read from a file on demand, and the reduced volume
 * (block means) that stands in for them in memory. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-voxel-source.h"
#include "evox-profile.h"

struct _EvoxVoxelSource
{
  GObject          parent_instance;

  gsize            dims[3];
  EvoxSampleType   type;
  char            *path;
  EvoxReadBoxFunc  read_box;
  gpointer         user_data;
  GDestroyNotify   destroy;
  /* Readers keep one file handle (libtiff's handles and libhdf5 are not thread-safe): the
   * reducing pass, the slices' thread and analyses take turns. */
  GMutex           lock;
  gboolean         cheap_rows;
};

G_DEFINE_FINAL_TYPE (EvoxVoxelSource, evox_voxel_source, G_TYPE_OBJECT)

static void
evox_voxel_source_finalize (GObject *object)
{
  EvoxVoxelSource *self = EVOX_VOXEL_SOURCE (object);

  if (self->destroy != NULL)
    self->destroy (self->user_data);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (evox_voxel_source_parent_class)->finalize (object);
}

static void
evox_voxel_source_class_init (EvoxVoxelSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_voxel_source_finalize;
}

static void
evox_voxel_source_init (EvoxVoxelSource *self)
{
  g_mutex_init (&self->lock);
}

/**
 * evox_voxel_source_new:
 * @path: the file, for messages and titles
 * @destroy: (nullable): frees user_data with the source
 */
EvoxVoxelSource *
evox_voxel_source_new (const gsize      dims[3],
                       EvoxSampleType   type,
                       const char      *path,
                       EvoxReadBoxFunc  read_box,
                       gpointer         user_data,
                       GDestroyNotify   destroy)
{
  EvoxVoxelSource *self;

  g_return_val_if_fail (dims[0] > 0 && dims[1] > 0 && dims[2] > 0, NULL);
  g_return_val_if_fail (type <= EVOX_SAMPLE_F32, NULL);
  g_return_val_if_fail (read_box != NULL, NULL);

  self = g_object_new (EVOX_TYPE_VOXEL_SOURCE, NULL);
  for (int i = 0; i < 3; i++)
    self->dims[i] = dims[i];
  self->type = type;
  self->path = g_strdup (path != NULL ? path : "");
  self->read_box = read_box;
  self->user_data = user_data;
  self->destroy = destroy;
  return self;
}

void
evox_voxel_source_get_dims (EvoxVoxelSource *self,
                            gsize            dims[3])
{
  g_return_if_fail (EVOX_IS_VOXEL_SOURCE (self));

  for (int i = 0; i < 3; i++)
    dims[i] = self->dims[i];
}

EvoxSampleType
evox_voxel_source_get_sample_type (EvoxVoxelSource *self)
{
  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (self), EVOX_SAMPLE_U8);

  return self->type;
}

const char *
evox_voxel_source_get_path (EvoxVoxelSource *self)
{
  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (self), NULL);

  return self->path;
}

/**
 * evox_voxel_source_read_box:
 * @dest: size[0] * size[1] * size[2] samples of the source's type
 *
 * Reads a box of the full-resolution voxels; safe from any thread (calls take turns).
 */
gboolean
evox_voxel_source_read_box (EvoxVoxelSource  *self,
                            const gsize       origin[3],
                            const gsize       size[3],
                            gpointer          dest,
                            GError          **error)
{
  gboolean ok;

  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (self), FALSE);
  g_return_val_if_fail (dest != NULL, FALSE);

  for (int i = 0; i < 3; i++)
    if (size[i] == 0 || origin[i] >= self->dims[i] || size[i] > self->dims[i] - origin[i])
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "%s: the box %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                     " at (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                     ") is not inside the volume", self->path, size[0], size[1], size[2],
                     origin[0], origin[1], origin[2]);
        return FALSE;
      }
  g_mutex_lock (&self->lock);
  ok = self->read_box (self->user_data, origin, size, dest, error);
  g_mutex_unlock (&self->lock);
  return ok;
}

static gsize
reduced_side (gsize n,
              guint scale)
{
  return (n + scale - 1) / scale;
}

/**
 * evox_voxel_source_fitting_scale:
 *
 * The smallest power of two s whose reduced volume (ceil (n / s) voxels a side) takes at most
 * budget bytes of voxels; 0 when none does (a side would reach one voxel first).
 */
guint
evox_voxel_source_fitting_scale (EvoxVoxelSource *self,
                                 guint64          budget)
{
  gsize item;

  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (self), 0);

  item = evox_sample_type_size (self->type);
  for (guint s = 1; s <= 1u << 16; s *= 2)
    {
      double bytes = (double) reduced_side (self->dims[0], s) * reduced_side (self->dims[1], s) *
                     reduced_side (self->dims[2], s) * item;

      if (bytes <= (double) budget)
        return s;
    }
  return 0;
}

/* Adds a slab of planes into the per-column sums of one reduced plane; non-finite samples are
 * left out of both the sum and the count, as the statistics leave them out. */
static void
accumulate_slab (gconstpointer   slab,
                 EvoxSampleType  type,
                 const gsize     dims[3],
                 gsize           depth,
                 guint           scale,
                 double         *sum,
                 guint64        *count)
{
  gsize rx = reduced_side (dims[0], scale);

  for (gsize k = 0; k < depth; k++)
    for (gsize y = 0; y < dims[1]; y++)
      {
        gsize row = (k * dims[1] + y) * dims[0];
        double *acc = sum + (y / scale) * rx;
        guint64 *n = count + (y / scale) * rx;

        for (gsize x = 0; x < dims[0]; x++)
          {
            double v = evox_sample_get (slab, type, row + x);

            if (isfinite (v))
              {
                acc[x / scale] += v;
                n[x / scale]++;
              }
          }
      }
}

static void
store_means (const double   *sum,
             const guint64  *count,
             gsize           n,
             EvoxSampleType  type,
             gpointer        out)
{
  for (gsize i = 0; i < n; i++)
    {
      double mean = count[i] > 0 ? sum[i] / (double) count[i] : NAN;

      /* Integer samples keep their type, the mean rounded to the nearest, as --bin does. */
      if (type == EVOX_SAMPLE_U8)
        ((guint8 *) out)[i] = (guint8) CLAMP (lround (mean), 0, 255);
      else if (type == EVOX_SAMPLE_U16)
        ((guint16 *) out)[i] = (guint16) CLAMP (lround (mean), 0, 65535);
      else
        ((float *) out)[i] = (float) mean;
    }
}

/* Each reduced voxel of a slab of depth planes (u8 or u16) as the most frequent value of its
 * block, ties to the smallest: a label volume keeps only labels it has. values holds one
 * block. */
static void
store_modes (gconstpointer   slab,
             EvoxSampleType  type,
             const gsize     dims[3],
             gsize           depth,
             guint           scale,
             guint16        *values,
             gpointer        out)
{
  gsize rx = reduced_side (dims[0], scale), ry = reduced_side (dims[1], scale);

  for (gsize j = 0; j < ry; j++)
    for (gsize i = 0; i < rx; i++)
      {
        gsize n = 0, best_run = 0, run;
        guint16 best = 0;

        for (gsize k = 0; k < depth; k++)
          for (gsize y = j * scale; y < MIN ((j + 1) * scale, dims[1]); y++)
            for (gsize x = i * scale; x < MIN ((i + 1) * scale, dims[0]); x++)
              values[n++] = (guint16) evox_sample_get (slab, type, (k * dims[1] + y) * dims[0] + x);
        /* Insertion sort: a block is small (scale^3, 8 at 1:2). */
        for (gsize a = 1; a < n; a++)
          {
            guint16 v = values[a];
            gsize b = a;

            for (; b > 0 && values[b - 1] > v; b--)
              values[b] = values[b - 1];
            values[b] = v;
          }
        for (gsize a = 0; a < n; a += run)
          {
            for (run = 1; a + run < n && values[a + run] == values[a]; run++)
              ;
            if (run > best_run)
              {
                best_run = run;
                best = values[a];
              }
          }
        if (type == EVOX_SAMPLE_U8)
          ((guint8 *) out)[j * rx + i] = (guint8) best;
        else
          ((guint16 *) out)[j * rx + i] = best;
      }
}

/**
 * evox_voxel_source_reduce:
 * @scale: the block side s (at least 1)
 * @progress: (nullable): one update per slab of s planes
 * @cancellable: (nullable): checked before every slab
 *
 * Streams the source once, s planes at a time, into a new volume of ceil (n / s) voxels a side
 * whose voxel is the mean of its s x s x s block (of the voxels inside the volume, at the far
 * edges). Only one slab and one reduced plane of sums are held besides the result. The volume is
 * not frozen and has no grid: the reader sets spacing and metadata.
 */
EvoxVolume *
evox_voxel_source_reduce (EvoxVoxelSource  *self,
                          guint             scale,
                          EvoxProgress     *progress,
                          GCancellable     *cancellable,
                          GError          **error)
{
  return evox_voxel_source_reduce_full (self, scale, FALSE, progress, cancellable, error);
}

/* Reduced voxels [origin, origin + size) at 1:scale (size[2] one plane) into out: the file's
 * blocks under them read as one slab into `slab`, then their means or modes. sum and count hold
 * size[0] x size[1] each, block scale^3 values (modes only). */
static gboolean
reduce_plane (EvoxVoxelSource  *self,
              guint             scale,
              gboolean          modes,
              const gsize       origin[3],
              const gsize       size[3],
              guint8           *slab,
              double           *sum,
              guint64          *count,
              guint16          *block,
              gpointer          out,
              GError          **error)
{
  gsize fo[3], fs[3], plane = size[0] * size[1];

  for (int i = 0; i < 3; i++)
    {
      gsize n = i == 2 ? 1 : size[i];

      fo[i] = origin[i] * scale;
      fs[i] = MIN ((origin[i] + n) * scale, self->dims[i]) - fo[i];
    }
  if (!evox_voxel_source_read_box (self, fo, fs, slab, error))
    return FALSE;
  if (modes)
    store_modes (slab, self->type, fs, fs[2], scale, block, out);
  else
    {
      memset (sum, 0, plane * sizeof *sum);
      memset (count, 0, plane * sizeof *count);
      accumulate_slab (slab, self->type, fs, fs[2], scale, sum, count);
      store_means (sum, count, plane, self->type, out);
    }
  return TRUE;
}

/* The buffers reduce_plane needs for planes of size[0] x size[1] reduced voxels at 1:scale,
 * checked against the memory cap first. */
static gboolean
reduce_buffers (EvoxVoxelSource  *self,
                guint             scale,
                gboolean          modes,
                const gsize       size[3],
                guint8          **slab,
                double          **sum,
                guint64         **count,
                guint16         **block,
                GError          **error)
{
  gsize item = evox_sample_type_size (self->type), plane = size[0] * size[1];
  guint64 voxels = (guint64) MIN (size[0] * scale, self->dims[0]) *
                   MIN (size[1] * scale, self->dims[1]) * MIN ((gsize) scale, self->dims[2]);

  if (!evox_check_allocation (voxels, item, "one slab of planes", error) ||
      !evox_check_allocation (plane, sizeof (double) + sizeof (guint64), "one reduced plane",
                              error))
    return FALSE;
  *slab = g_malloc (voxels * item);
  *sum = g_new (double, plane);
  *count = g_new (guint64, plane);
  *block = modes ? g_new (guint16, (gsize) scale * scale * scale) : NULL;
  return TRUE;
}

/* The reduced volume of ceil (n / scale) voxels a side, its voxels not yet read, after checking
 * that the pass's slab of planes and plane of sums fit the cap too. */
static EvoxVolume *
new_reduced_volume (EvoxVoxelSource  *self,
                    guint             scale,
                    GError          **error)
{
  g_autoptr(EvoxVolume) reduced = NULL;
  gsize rdims[3], item = evox_sample_type_size (self->type);

  for (int i = 0; i < 3; i++)
    rdims[i] = reduced_side (self->dims[i], scale);
  reduced = evox_volume_new (rdims[0], rdims[1], rdims[2], 1, self->type, error);
  if (reduced == NULL ||
      !evox_check_allocation ((guint64) self->dims[0] * self->dims[1] * scale, item,
                              "one slab of planes", error) ||
      !evox_check_allocation ((guint64) rdims[0] * rdims[1], sizeof (double) + sizeof (guint64),
                              "one reduced plane", error))
    {
      g_prefix_error (error, "%s: at 1:%u, ", self->path, scale);
      return NULL;
    }
  return g_steal_pointer (&reduced);
}

/* Reduced planes order[from .. to) (from .. to themselves when order is NULL), each from one
 * read of its slab of scale planes; progress counts the planes done of all of them. */
static gboolean
fill_planes (EvoxVoxelSource  *self,
             EvoxVolume       *reduced,
             guint             scale,
             gboolean          modes,
             const guint      *order,
             gsize             from,
             gsize             to,
             EvoxProgress     *progress,
             GCancellable     *cancellable,
             GError          **error)
{
  g_autofree guint16 *block = NULL;
  g_autofree guint8 *slab = NULL;
  g_autofree double *sum = NULL;
  g_autofree guint64 *count = NULL;
  gsize rdims[3], plane, item;
  guint8 *out;

  evox_volume_get_dims (reduced, rdims);
  g_assert (to <= rdims[2]);
  item = evox_sample_type_size (self->type);
  plane = rdims[0] * rdims[1];
  if (!reduce_buffers (self, scale, modes, rdims, &slab, &sum, &count, &block, error))
    return FALSE;
  out = evox_volume_get_data_mut (reduced, 0);

  for (gsize i = from; i < to; i++)
    {
      gsize rz = order != NULL ? order[i] : i;
      gsize origin[3] = { 0, 0, rz };

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!reduce_plane (self, scale, modes, origin, rdims, slab, sum, count, block,
                         out + rz * plane * item, error))
        return FALSE;
      evox_progress_update (progress, (double) (i + 1) / (double) rdims[2]);
    }
  return TRUE;
}

/**
 * evox_voxel_source_reduce_full:
 * @modes: each voxel the most frequent value of its block (ties to the smallest) instead of the
 *   mean; u8 and u16 sources only
 *
 * evox_voxel_source_reduce, or with modes for a label volume.
 */
EvoxVolume *
evox_voxel_source_reduce_full (EvoxVoxelSource  *self,
                               guint             scale,
                               gboolean          modes,
                               EvoxProgress     *progress,
                               GCancellable     *cancellable,
                               GError          **error)
{
  g_autoptr(EvoxVolume) reduced = NULL;

  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (self), NULL);
  g_return_val_if_fail (scale >= 1, NULL);
  g_return_val_if_fail (!modes || self->type == EVOX_SAMPLE_U8 || self->type == EVOX_SAMPLE_U16,
                        NULL);

  reduced = new_reduced_volume (self, scale, error);
  if (reduced == NULL ||
      !fill_planes (self, reduced, scale, modes, NULL, 0, reduced_side (self->dims[2], scale),
                    progress, cancellable, error))
    return NULL;
  return g_steal_pointer (&reduced);
}

/**
 * evox_voxel_source_read_reduced:
 * @scale: the block side s (at least 1; 1 reads the file's own voxels)
 * @modes: as evox_voxel_source_reduce_full's
 * @origin: the first voxel of the box, in voxels of the volume at 1:s
 * @size: the box's voxels at 1:s, inside ceil (n / s) a side
 * @dest: size[0] * size[1] * size[2] samples of the source's type
 *
 * A box of the volume at 1:s exactly as evox_voxel_source_reduce_full computes it, reading only
 * the file's blocks under it (one reduced plane of them at a time): the levels between the
 * file and a reduced volume, for views that want more than the reduced voxels. Any thread.
 */
gboolean
evox_voxel_source_read_reduced (EvoxVoxelSource  *self,
                                guint             scale,
                                gboolean          modes,
                                const gsize       origin[3],
                                const gsize       size[3],
                                gpointer          dest,
                                GError          **error)
{
  g_autofree guint16 *block = NULL;
  g_autofree guint8 *slab = NULL;
  g_autofree double *sum = NULL;
  g_autofree guint64 *count = NULL;
  gsize item, plane;

  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (self), FALSE);
  g_return_val_if_fail (scale >= 1 && dest != NULL, FALSE);
  g_return_val_if_fail (!modes || self->type == EVOX_SAMPLE_U8 || self->type == EVOX_SAMPLE_U16,
                        FALSE);

  for (int i = 0; i < 3; i++)
    if (size[i] == 0 || origin[i] >= reduced_side (self->dims[i], scale) ||
        size[i] > reduced_side (self->dims[i], scale) - origin[i])
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "%s: the box %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                     " at (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT
                     ") is not inside the volume at 1:%u", self->path, size[0], size[1],
                     size[2], origin[0], origin[1], origin[2], scale);
        return FALSE;
      }
  /* The file's own voxels need no sums. */
  if (scale == 1)
    return evox_voxel_source_read_box (self, origin, size, dest, error);
  if (!reduce_buffers (self, scale, modes, size, &slab, &sum, &count, &block, error))
    {
      g_prefix_error (error, "%s: at 1:%u, ", self->path, scale);
      return FALSE;
    }
  item = evox_sample_type_size (self->type);
  plane = size[0] * size[1];
  for (gsize k = 0; k < size[2]; k++)
    {
      gsize at[3] = { origin[0], origin[1], origin[2] + k };

      if (!reduce_plane (self, scale, modes, at, size, slab, sum, count, block,
                         (guint8 *) dest + k * plane * item, error))
        return FALSE;
    }
  return TRUE;
}

/* Whether a u8 or u16 source holds labels (at most EVOX_PROFILE_MAX_LABELS distinct values,
 * the rule that draws a volume's slices and profiles nearest): decided on up to eight planes
 * spread along z before the pass, since block means would invent values between labels. */
static gboolean
holds_labels (EvoxVoxelSource  *self,
              gboolean         *labels,
              GError          **error)
{
  gsize plane = self->dims[0] * self->dims[1];
  guint n_planes = (guint) MIN ((gsize) 8, self->dims[2]);
  g_autofree guint8 *seen = NULL;
  g_autofree guint8 *values = NULL;
  guint distinct = 0;

  *labels = FALSE;
  if (self->type != EVOX_SAMPLE_U8 && self->type != EVOX_SAMPLE_U16)
    return TRUE;
  seen = g_malloc0 (65536);
  values = g_malloc (plane * evox_sample_type_size (self->type));
  for (guint p = 0; p < n_planes && distinct <= EVOX_PROFILE_MAX_LABELS; p++)
    {
      gsize origin[3] = { 0, 0, (2 * p + 1) * self->dims[2] / (2 * n_planes) };
      gsize size[3] = { self->dims[0], self->dims[1], 1 };

      if (!evox_voxel_source_read_box (self, origin, size, values, error))
        return FALSE;
      for (gsize i = 0; i < plane && distinct <= EVOX_PROFILE_MAX_LABELS; i++)
        {
          guint v = (guint) evox_sample_get (values, self->type, i);

          if (!seen[v])
            {
              seen[v] = 1;
              distinct++;
            }
        }
    }
  *labels = distinct <= EVOX_PROFILE_MAX_LABELS;
  return TRUE;
}

/**
 * evox_voxel_source_new_reduced:
 *
 * The reduced volume of a source too large for memory, its voxels not read yet (see
 * evox_voxel_source_fill_reduced): block means (modes for a label volume, see holds_labels) at
 * the smallest power-of-two scale, at least 2, whose voxels fit half the memory cap (the rest
 * is left to the statistics, the views and analyses), with the source attached and the metadata
 * "info.on demand" saying so. Its spacing is scale voxels, not known; the reader sets the real
 * one (scale times the file's) and its metadata, fills it, then freezes it. Split from the
 * filling so a reader can show previews of it while it fills (evox-preview.h).
 */
EvoxVolume *
evox_voxel_source_new_reduced (EvoxVoxelSource  *self,
                               GError          **error)
{
  g_autoptr(EvoxVolume) reduced = NULL;
  g_autofree char *cap = NULL;
  g_autofree char *note = NULL;
  gboolean labels;
  guint scale;

  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (self), NULL);

  scale = evox_voxel_source_fitting_scale (self, evox_memory_cap () / 2);
  if (scale == 0)
    {
      cap = g_format_size_full (evox_memory_cap (), G_FORMAT_SIZE_IEC_UNITS);
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "%s: does not fit half the memory cap of %s (EVOX_MEMORY_LIMIT) even reduced",
                   self->path, cap);
      return NULL;
    }
  scale = MAX (scale, 2);
  if (!holds_labels (self, &labels, error))
    return NULL;
  reduced = new_reduced_volume (self, scale, error);
  if (reduced == NULL)
    return NULL;
  note = g_strdup_printf ("1:%u in memory (%s of %u^3 blocks); full resolution %" G_GSIZE_FORMAT
                          " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " read on demand", scale,
                          labels ? "modes" : "means", scale, self->dims[0], self->dims[1],
                          self->dims[2]);
  /* Unknown until the reader says otherwise, but one voxel spans scale of the file's. */
  evox_volume_set_spacing (reduced, (double[3]) { scale, scale, scale });
  evox_volume_set_spacing_known (reduced, FALSE);
  evox_volume_set_metadata (reduced, "info.on demand", note);
  evox_voxel_source_attach (self, reduced, scale);
  if (labels)
    g_object_set_data (G_OBJECT (reduced), "evox-reduced-modes", GINT_TO_POINTER (TRUE));
  return g_steal_pointer (&reduced);
}

/**
 * evox_voxel_source_fill_reduced:
 * @reduced: made by evox_voxel_source_new_reduced from this source
 * @order: (nullable): reduced planes in the order to read them; NULL: in order
 * @from: the first index into order (or plane) to read
 * @to: one past the last
 * @progress: (nullable): the fraction of all the reduced planes done, as if those before
 *   @from were
 * @cancellable: (nullable): checked before every plane
 *
 * Reads the reduced planes order[from .. to), each the means (or modes) of its blocks from one
 * slab of scale planes of the file; only that slab and one plane of sums are held.
 */
gboolean
evox_voxel_source_fill_reduced (EvoxVoxelSource  *self,
                                EvoxVolume       *reduced,
                                const guint      *order,
                                gsize             from,
                                gsize             to,
                                EvoxProgress     *progress,
                                GCancellable     *cancellable,
                                GError          **error)
{
  guint scale = 1;

  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (self), FALSE);
  g_return_val_if_fail (evox_voxel_source_get_attached (reduced, &scale) == self, FALSE);
  g_return_val_if_fail (from <= to && to <= reduced_side (self->dims[2], scale), FALSE);

  return fill_planes (self, reduced, scale,
                      g_strcmp0 (evox_volume_get_reduction_kind (reduced), "modes") == 0, order,
                      from, to, progress, cancellable, error);
}

/**
 * evox_voxel_source_open_reduced:
 *
 * evox_voxel_source_new_reduced, filled in one pass in order.
 */
EvoxVolume *
evox_voxel_source_open_reduced (EvoxVoxelSource  *self,
                                EvoxProgress     *progress,
                                GCancellable     *cancellable,
                                GError          **error)
{
  g_autoptr(EvoxVolume) reduced = evox_voxel_source_new_reduced (self, error);
  gsize rdims[3];

  if (reduced == NULL)
    return NULL;
  evox_volume_get_dims (reduced, rdims);
  if (!evox_voxel_source_fill_reduced (self, reduced, NULL, 0, rdims[2], progress, cancellable,
                                       error))
    return NULL;
  return g_steal_pointer (&reduced);
}

/**
 * evox_voxel_source_set_cheap_rows:
 * @cheap: whether reading one row costs about its own bytes (uncompressed TIFF pages, HDF5
 *   row hyperslabs) rather than a whole strip, tile or page decoded
 *
 * Set by the reader: previews read every s-th row of a plane when rows are cheap, else the
 * whole plane.
 */
void
evox_voxel_source_set_cheap_rows (EvoxVoxelSource *self,
                                  gboolean         cheap)
{
  g_return_if_fail (EVOX_IS_VOXEL_SOURCE (self));

  self->cheap_rows = cheap;
}

gboolean
evox_voxel_source_get_cheap_rows (EvoxVoxelSource *self)
{
  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (self), FALSE);

  return self->cheap_rows;
}

gpointer
evox_voxel_source_get_user_data (EvoxVoxelSource *self)
{
  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (self), NULL);

  return self->user_data;
}

typedef struct
{
  EvoxVoxelSource *source;
  guint            scale;
} Attached;

static void
attached_free (gpointer data)
{
  Attached *attached = data;

  g_object_unref (attached->source);
  g_free (attached);
}

/**
 * evox_voxel_source_attach:
 * @scale: the reduced volume's voxel is scale source voxels a side
 *
 * Keeps a reference to the source on the reduced volume.
 */
void
evox_voxel_source_attach (EvoxVoxelSource *self,
                          EvoxVolume      *reduced,
                          guint            scale)
{
  Attached *attached;

  g_return_if_fail (EVOX_IS_VOXEL_SOURCE (self));
  g_return_if_fail (EVOX_IS_VOLUME (reduced));
  g_return_if_fail (scale >= 1);

  attached = g_new0 (Attached, 1);
  attached->source = g_object_ref (self);
  attached->scale = scale;
  g_object_set_data_full (G_OBJECT (reduced), "evox-voxel-source", attached, attached_free);
}

/**
 * evox_voxel_source_get_attached:
 * @scale: (out) (optional): the reduction, 1 when there is no source
 *
 * Returns: (transfer none) (nullable): the source the volume was reduced from
 */
EvoxVoxelSource *
evox_voxel_source_get_attached (EvoxVolume *volume,
                                guint      *scale)
{
  Attached *attached;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);

  attached = g_object_get_data (G_OBJECT (volume), "evox-voxel-source");
  if (scale != NULL)
    *scale = attached != NULL ? attached->scale : 1;
  return attached != NULL ? attached->source : NULL;
}

/* 1 for a volume held whole; S for one held at 1:S with its full resolution on demand. */
guint
evox_volume_get_reduction (EvoxVolume *volume)
{
  guint scale = 1;

  evox_voxel_source_get_attached (volume, &scale);
  return scale;
}

/* "modes" for a label volume held reduced by the most frequent value of each block, "means"
 * otherwise (what the reduction is called in the window and the methods text). */
const char *
evox_volume_get_reduction_kind (EvoxVolume *volume)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), "means");

  return g_object_get_data (G_OBJECT (volume), "evox-reduced-modes") != NULL ? "modes" : "means";
}

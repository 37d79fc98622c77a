/* evox-preview.c: coarse previews of a volume published while a reader fills it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-preview.h"
#include "evox-voxel-source.h"

/* The coarsest automatic stride: the smallest power of two that brings the longest side to
 * EVOX_PREVIEW_SIDE, so the first picture needs 1/s of the slices (2048^3: s = 16, 1/16 of the
 * file) and s^3 times less memory than the volume. */
static guint
automatic_stride (const gsize dims[3],
                  gsize       item_size)
{
  gsize longest = MAX (dims[0], MAX (dims[1], dims[2]));
  guint64 bytes = (guint64) dims[0] * dims[1] * dims[2] * item_size;
  guint s = 1;

  if (bytes < EVOX_PREVIEW_MIN_BYTES)
    return 1;
  while (longest / s > EVOX_PREVIEW_SIDE && s < (1u << 12))
    s *= 2;
  return s;
}

static gsize
ceil_div (gsize a,
          gsize b)
{
  return (a + b - 1) / b;
}

/* Levels at first, first / 2, ... down to finest over nz slices (none when first < finest). */
static void
plan_levels (EvoxPreviewPlan *plan,
             guint            first,
             guint            finest,
             gsize            nz)
{
  gsize n = 0;
  g_autofree gboolean *taken = g_new0 (gboolean, MAX (nz, 1));

  memset (plan, 0, sizeof *plan);
  plan->order = g_new (guint, MAX (nz, 1));
  for (guint s = first; s >= finest && s > 1; s /= 2)
    {
      if (plan->n_levels == G_N_ELEMENTS (plan->stride) || ceil_div (nz, s) >= nz)
        break;
      for (gsize z = 0; z < nz; z += s)
        if (!taken[z])
          {
            taken[z] = TRUE;
            plan->order[n++] = (guint) z;
          }
      plan->stride[plan->n_levels] = s;
      plan->level_end[plan->n_levels] = (guint) n;
      plan->n_levels++;
    }
  for (gsize z = 0; z < nz; z++)
    if (!taken[z])
      plan->order[n++] = (guint) z;
  g_assert (n == nz);
}

/* A forced stride goes down to 2 (a small file shows every level); the automatic one stops at
 * 4, whose previews hold 1/64 of the volume. */
static guint
finest_stride (const EvoxPreviewOptions *options)
{
  return options != NULL && options->stride != 0 ? 2 : 4;
}

/**
 * evox_preview_plan_init:
 * @options: (nullable): NULL or no func: no previews, slices in order
 *
 * Plans previews at the strides s, s/2, ... down to the finest whose voxels are at most 1/64 of
 * the volume's (stride 4), so the previews never add more than 1/64 to the peak memory; a stride
 * that leaves fewer than two slices to read before it is skipped.
 */
void
evox_preview_plan_init (EvoxPreviewPlan          *plan,
                        const EvoxPreviewOptions *options,
                        const gsize               dims[3],
                        gsize                     item_size)
{
  guint s = options == NULL || options->func == NULL ? 1
            : options->stride == 0 ? automatic_stride (dims, item_size) : options->stride;

  plan_levels (plan, s, finest_stride (options), dims[2]);
}

/**
 * evox_preview_plan_init_reduced:
 * @dims: the file's
 * @scale: the reduced volume's voxel is scale of the file's a side
 *
 * The plan of a reduced volume's planes (ceil (dims[2] / scale) of them), its strides in the
 * reduced voxels; options->stride counts the file's. The automatic strides are those of the
 * file (2048^3 u16 at 1:2: 16 then 8 in the file's voxels, 8 then 4 in the reduced ones) where
 * they are at least 4 in the reduced voxels, so that no preview holds more than 1/64 of the
 * reduced volume, and 4 otherwise (2048^3 at 1:8: 1:32), so that a file that takes long to read
 * still shows a picture first.
 */
void
evox_preview_plan_init_reduced (EvoxPreviewPlan          *plan,
                                const EvoxPreviewOptions *options,
                                const gsize               dims[3],
                                gsize                     item_size,
                                guint                     scale)
{
  guint automatic = automatic_stride (dims, item_size), first = 1;

  g_return_if_fail (scale >= 1);

  if (options != NULL && options->func != NULL)
    first = options->stride != 0 ? options->stride / scale
            : automatic > 1 ? MAX (automatic / scale, 4) : 1;
  plan_levels (plan, first, finest_stride (options), ceil_div (dims[2], scale));
}

void
evox_preview_plan_clear (EvoxPreviewPlan *plan)
{
  g_clear_pointer (&plan->order, g_free);
  plan->n_levels = 0;
}

/**
 * evox_preview_new:
 * @full: a volume whose slices z = k * stride are read (it may still be filling)
 *
 * Every stride-th voxel on each axis, starting at 0 (no averaging: the slices between are not
 * read yet), with @full's meaning and grid scaled by the stride; statistics and fine histograms
 * built.
 */
/* An empty preview of full at stride, with full's channel meanings. */
static EvoxVolume *
preview_alloc (EvoxVolume  *full,
               guint        stride,
               gsize        pd[3],
               GError     **error)
{
  g_autoptr(EvoxVolume) preview = NULL;
  gsize dims[3];

  evox_volume_get_dims (full, dims);
  for (int a = 0; a < 3; a++)
    pd[a] = ceil_div (dims[a], stride);
  preview = evox_volume_new (pd[0], pd[1], pd[2], evox_volume_get_n_channels (full),
                             evox_volume_get_sample_type (full), error);
  if (preview == NULL)
    return NULL;
  for (guint c = 0; c < evox_volume_get_n_channels (full); c++)
    {
      evox_volume_set_channel_info (preview, c, evox_volume_get_channel_label (full, c),
                                    evox_volume_get_channel_energy (full, c));
      evox_volume_set_channel_values (preview, c, evox_volume_get_channel_value_scale (full, c),
                                      evox_volume_get_channel_quantity (full, c),
                                      evox_volume_get_channel_unit (full, c));
    }
  return g_steal_pointer (&preview);
}

/* Full's grid scaled by the stride, its metadata, then frozen with its histograms. */
static gboolean
preview_finish (EvoxVolume  *preview,
                EvoxVolume  *full,
                guint        stride,
                GError     **error)
{
  double spacing[3];
  g_auto(GStrv) keys = NULL;
  g_autofree char *stride_text = NULL;

  evox_volume_copy_grid (preview, full);
  evox_volume_get_spacing (full, spacing);
  for (int a = 0; a < 3; a++)
    spacing[a] *= stride;
  evox_volume_set_spacing (preview, spacing);
  evox_volume_set_spacing_known (preview, evox_volume_get_spacing_known (full));
  keys = evox_volume_dup_metadata_keys (full);
  /* A reduced volume's note says its full resolution is read on demand: a preview has no
   * source to read it from. */
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (g_strcmp0 (keys[i], "info.on demand") != 0)
      evox_volume_set_metadata (preview, keys[i], evox_volume_get_metadata (full, keys[i]));
  /* The stride in the file's voxels: a reduced volume's preview at stride t shows 1:S t. */
  stride_text = g_strdup_printf ("%u", stride * evox_volume_get_reduction (full));
  evox_volume_set_metadata (preview, "preview_stride", stride_text);
  evox_volume_freeze (preview);
  return evox_volume_build_histograms (preview, NULL, NULL, error);
}

/* Every stride-th sample of a row of n samples of item bytes. */
static void
gather_row (guint8       *out,
            const guint8 *row,
            gsize         n_out,
            gsize         item,
            guint         stride)
{
  for (gsize i = 0; i < n_out; i++)
    memcpy (out + i * item, row + i * stride * item, item);
}

/**
 * evox_preview_new:
 * @full: a volume whose slices z = k * stride are read (it may still be filling)
 *
 * Every stride-th voxel on each axis, starting at 0 (no averaging: the slices between are not
 * read yet), with @full's meaning and grid scaled by the stride; statistics and fine histograms
 * built.
 */
EvoxVolume *
evox_preview_new (EvoxVolume  *full,
                  guint        stride,
                  GError     **error)
{
  g_autoptr(EvoxVolume) preview = NULL;
  gsize dims[3], pd[3], item;

  g_return_val_if_fail (EVOX_IS_VOLUME (full), NULL);
  g_return_val_if_fail (stride >= 1, NULL);

  evox_volume_get_dims (full, dims);
  item = evox_sample_type_size (evox_volume_get_sample_type (full));
  preview = preview_alloc (full, stride, pd, error);
  if (preview == NULL)
    return NULL;
  for (guint c = 0; c < evox_volume_get_n_channels (full); c++)
    {
      const guint8 *src = evox_volume_get_data (full, c);
      guint8 *dst = evox_volume_get_data_mut (preview, c);

      for (gsize k = 0; k < pd[2]; k++)
        for (gsize j = 0; j < pd[1]; j++)
          gather_row (dst + ((k * pd[1] + j) * pd[0]) * item,
                      src + ((k * stride * dims[1] + j * stride) * dims[0]) * item, pd[0], item,
                      stride);
    }
  if (!preview_finish (preview, full, stride, error))
    return NULL;
  return g_steal_pointer (&preview);
}

/**
 * evox_preview_new_sparse:
 * @full: the volume being read: its size, type, grid and meaning (one channel)
 *
 * The same voxels as evox_preview_new at stride, read row by row through @read_row.
 */
EvoxVolume *
evox_preview_new_sparse (EvoxVolume          *full,
                         guint                stride,
                         EvoxPreviewReadRow   read_row,
                         gpointer             user_data,
                         GError             **error)
{
  g_autoptr(EvoxVolume) preview = NULL;
  g_autofree guint8 *row = NULL;
  gsize dims[3], pd[3], item;
  guint8 *dst;

  g_return_val_if_fail (EVOX_IS_VOLUME (full), NULL);
  g_return_val_if_fail (evox_volume_get_n_channels (full) == 1, NULL);
  g_return_val_if_fail (stride >= 1 && read_row != NULL, NULL);

  evox_volume_get_dims (full, dims);
  item = evox_sample_type_size (evox_volume_get_sample_type (full));
  preview = preview_alloc (full, stride, pd, error);
  if (preview == NULL)
    return NULL;
  row = g_malloc (dims[0] * item);
  dst = evox_volume_get_data_mut (preview, 0);
  for (gsize k = 0; k < pd[2]; k++)
    for (gsize j = 0; j < pd[1]; j++)
      {
        if (!read_row (user_data, k * stride, j * stride, row, error))
          return NULL;
        gather_row (dst + ((k * pd[1] + j) * pd[0]) * item, row, pd[0], item, stride);
      }
  if (!preview_finish (preview, full, stride, error))
    return NULL;
  return g_steal_pointer (&preview);
}

/* Builds the preview at stride and hands it to options->func; a preview that cannot be built
 * (memory) is skipped: the full volume still comes. */
void
evox_preview_publish (const EvoxPreviewOptions *options,
                      EvoxVolume               *full,
                      guint                     stride)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) preview = NULL;

  if (options == NULL || options->func == NULL)
    return;
  preview = evox_preview_new (full, stride, &error);
  if (preview == NULL)
    {
      g_debug ("no preview at stride %u: %s", stride, error->message);
      return;
    }
  options->func (preview, options->user_data);
}

/* Row (z, y) of a reduced volume's grid read from its source: every scale-th sample of the
 * source's row (z scale, y scale), so the sparse preview at stride t of the reduced volume holds
 * the source's voxels at stride scale t. Where rows are not cheap (compressed TIFF pages), the
 * plane is read whole once for all its rows. */
typedef struct
{
  EvoxVoxelSource *source;
  guint            scale;
  gsize            dims[3];
  gsize            item;
  guint8          *line;
  guint8          *plane;
  gsize            plane_z;
  GCancellable    *cancellable;
} SourceRows;

static gboolean
read_source_row (gpointer   user_data,
                 gsize      z,
                 gsize      y,
                 gpointer   row,
                 GError   **error)
{
  SourceRows *rows = user_data;
  gsize fz = z * rows->scale, fy = y * rows->scale, nx = rows->dims[0];
  const guint8 *line;

  if (g_cancellable_set_error_if_cancelled (rows->cancellable, error))
    return FALSE;
  if (rows->plane == NULL)
    {
      if (!evox_voxel_source_read_box (rows->source, (gsize[3]) { 0, fy, fz },
                                       (gsize[3]) { nx, 1, 1 }, rows->line, error))
        return FALSE;
      line = rows->line;
    }
  else
    {
      if (rows->plane_z != fz &&
          !evox_voxel_source_read_box (rows->source, (gsize[3]) { 0, 0, fz },
                                       (gsize[3]) { nx, rows->dims[1], 1 }, rows->plane, error))
        return FALSE;
      rows->plane_z = fz;
      line = rows->plane + fy * nx * rows->item;
    }
  gather_row (row, line, ceil_div (nx, rows->scale), rows->item, rows->scale);
  return TRUE;
}

/* The first preview, at stride of the reduced grid, straight from the source before the pass:
 * every (scale stride)-th row of every (scale stride)-th plane (1/(scale stride)^2 of the file
 * where rows are cheap, 1/(scale stride) where planes are read whole). When it cannot be made,
 * the pass's first level gives the first picture. */
static void
publish_source_preview (EvoxVoxelSource           *source,
                        EvoxVolume                *reduced,
                        guint                      stride,
                        const EvoxPreviewOptions  *options,
                        GCancellable              *cancellable)
{
  g_autoptr(EvoxVolume) sparse = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree guint8 *line = NULL;
  g_autofree guint8 *plane = NULL;
  SourceRows rows = { source, evox_volume_get_reduction (reduced) };

  evox_voxel_source_get_dims (source, rows.dims);
  rows.item = evox_sample_type_size (evox_voxel_source_get_sample_type (source));
  rows.plane_z = G_MAXSIZE;
  rows.cancellable = cancellable;
  if (evox_voxel_source_get_cheap_rows (source))
    rows.line = line = g_malloc (rows.dims[0] * rows.item);
  else if (evox_check_allocation ((guint64) rows.dims[0] * rows.dims[1], rows.item, "one plane",
                                  &local))
    rows.plane = plane = g_malloc (rows.dims[0] * rows.dims[1] * rows.item);
  if (rows.line != NULL || rows.plane != NULL)
    sparse = evox_preview_new_sparse (reduced, stride, read_source_row, &rows, &local);
  if (sparse == NULL)
    {
      /* The pass that follows reports what is wrong with the file. */
      g_debug ("no preview from the source: %s", local->message);
      return;
    }
  options->func (sparse, options->user_data);
}

/**
 * evox_preview_fill_reduced:
 * @reduced: from evox_voxel_source_new_reduced, with its grid and metadata set
 * @options: (nullable): previews to publish; options->stride counts the file's voxels
 *
 * Fills a reduced volume as the load that fits fills a volume: its planes in a coarse-to-fine
 * order, the first preview read from the source beforehand (evox_preview_new_sparse), then one
 * preview of the reduced planes done after each finer level (evox_preview_plan_init_reduced).
 */
gboolean
evox_preview_fill_reduced (EvoxVoxelSource           *source,
                           EvoxVolume                *reduced,
                           const EvoxPreviewOptions  *options,
                           EvoxProgress              *progress,
                           GCancellable              *cancellable,
                           GError                   **error)
{
  g_auto(EvoxPreviewPlan) plan = { NULL };
  guint from = 0;
  gsize dims[3], rdims[3];

  g_return_val_if_fail (EVOX_IS_VOXEL_SOURCE (source), FALSE);
  g_return_val_if_fail (EVOX_IS_VOLUME (reduced), FALSE);

  evox_voxel_source_get_dims (source, dims);
  evox_volume_get_dims (reduced, rdims);
  evox_preview_plan_init_reduced (&plan, options, dims,
                                  evox_sample_type_size (
                                    evox_voxel_source_get_sample_type (source)),
                                  evox_volume_get_reduction (reduced));
  if (plan.n_levels > 0)
    publish_source_preview (source, reduced, plan.stride[0], options, cancellable);
  /* Each level shows the block means (or modes) done so far, the first level too: on the same
   * grid as the source's samples before it, but with the reduced volume's values (less noise,
   * a narrower range), which the statistics of the volume that comes next will match. */
  for (guint l = 0; l < plan.n_levels; l++)
    {
      if (!evox_voxel_source_fill_reduced (source, reduced, plan.order, from, plan.level_end[l],
                                           progress, cancellable, error))
        return FALSE;
      from = plan.level_end[l];
      evox_preview_publish (options, reduced, plan.stride[l]);
    }
  return evox_voxel_source_fill_reduced (source, reduced, plan.order, from, rdims[2], progress,
                                         cancellable, error);
}

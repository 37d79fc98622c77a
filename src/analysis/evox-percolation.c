/* evox-percolation.c: how much of a phase connects two opposite faces of the volume. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-local-thickness.h"
#include "evox-percolation.h"
#include "evox-types.h"

/* Connectivity to a face is a property of a whole component, so the phase is labelled once and
 * the six faces are read: a component touches the low x face when one of its voxels has x = 0.
 * The three axes then cost one pass over the labels to count voxels per component, and the class
 * volume of an axis one more pass, made only when asked for. */

void
evox_percolation_free (EvoxPercolation *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->labels, _evox_free_large);
  g_clear_pointer (&self->touch, g_free);
  g_free (self);
}

static inline guint8
class_of (guint8 touch,
          guint  axis)
{
  guint8 faces = (touch >> (2 * axis)) & 3;

  return faces == 3 ? EVOX_PERCOLATION_BOTH
         : faces != 0 ? EVOX_PERCOLATION_ONE_FACE
         : EVOX_PERCOLATION_ISOLATED;
}

/* Marks the components with a voxel at index `at` along axis with bit. */
static void
mark_face (EvoxPercolation *self,
           guint            axis,
           gsize            at,
           guint8           bit)
{
  const gsize nx = self->dims[0], ny = self->dims[1];
  const guint a = axis == 0 ? 1 : 0, b = axis == 2 ? 1 : 2;

  for (gsize j = 0; j < self->dims[b]; j++)
    for (gsize i = 0; i < self->dims[a]; i++)
      {
        gsize c[3];
        guint32 l;

        c[axis] = at;
        c[a] = i;
        c[b] = j;
        l = self->labels[(c[2] * ny + c[1]) * nx + c[0]];
        if (l != 0)
          self->touch[l] |= bit;
      }
}

/**
 * evox_percolation_compute:
 * @progress: (nullable): stages "Finding components", "Faces"
 */
EvoxPercolation *
evox_percolation_compute (const guint8      *mask,
                          const gsize        dims[3],
                          EvoxConnectivity   connectivity,
                          EvoxProgress      *progress,
                          GCancellable      *cancellable,
                          GError           **error)
{
  g_autoptr (EvoxPercolation) self = NULL;
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint64 *sizes = NULL;

  g_return_val_if_fail (dims != NULL, NULL);
  g_return_val_if_fail (n == 0 || mask != NULL, NULL);

  if (!evox_connectivity_is_valid (connectivity))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Connectivity %d is not 6, 18 or 26", (int) connectivity);
      return NULL;
    }
  if (!evox_check_allocation (n, sizeof (guint32), "component labels", error))
    return NULL;

  self = g_new0 (EvoxPercolation, 1);
  self->connectivity = connectivity;
  memcpy (self->dims, dims, sizeof self->dims);
  self->labels = _evox_alloc_large (MAX (n, 1) * sizeof (guint32));
  if (self->labels == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "Not enough memory for the components of %" G_GSIZE_FORMAT " voxels", n);
      return NULL;
    }
  evox_progress_set_stage (progress, "Finding components", 0.0, 0.8);
  if (n > 0 && !evox_label_components (mask, dims, connectivity, self->labels,
                                       &self->n_components, progress, cancellable, error))
    return NULL;
  if (self->n_components == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The phase has no voxels: nothing can percolate");
      return NULL;
    }

  evox_progress_set_stage (progress, "Faces", 0.8, 1.0);
  self->touch = g_new0 (guint8, (gsize) self->n_components + 1);
  for (guint axis = 0; axis < 3; axis++)
    {
      mark_face (self, axis, 0, (guint8) (1u << (2 * axis)));
      mark_face (self, axis, dims[axis] - 1, (guint8) (2u << (2 * axis)));
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  sizes = g_new0 (guint64, (gsize) self->n_components + 1);
  for (gsize i = 0; i < n; i++)
    sizes[self->labels[i]]++;
  self->phase_voxels = n - sizes[0];
  for (guint axis = 0; axis < 3; axis++)
    {
      self->voxels[axis][EVOX_PERCOLATION_OUTSIDE] = sizes[0];
      for (guint32 l = 1; l <= self->n_components; l++)
        self->voxels[axis][class_of (self->touch[l], axis)] += sizes[l];
    }
  evox_progress_update (progress, 1.0);
  return g_steal_pointer (&self);
}

double
evox_percolation_get_fraction (EvoxPercolation      *self,
                               guint                 axis,
                               EvoxPercolationClass  klass)
{
  g_return_val_if_fail (self != NULL && axis < 3, 0.0);
  g_return_val_if_fail (klass <= EVOX_PERCOLATION_ISOLATED, 0.0);

  if (klass == EVOX_PERCOLATION_OUTSIDE || self->phase_voxels == 0)
    return 0.0;
  return (double) self->voxels[axis][klass] / (double) self->phase_voxels;
}

void
evox_percolation_get_classes (EvoxPercolation *self,
                              guint            axis,
                              guint8          *classes)
{
  const gsize n = self->dims[0] * self->dims[1] * self->dims[2];
  guint8 table[256];

  g_return_if_fail (self != NULL && axis < 3 && classes != NULL);

  /* The class of each face pattern, so the pass is one lookup per voxel. */
  for (guint t = 0; t < 256; t++)
    table[t] = class_of ((guint8) t, axis);
#pragma omp parallel for schedule(static)
  for (gsize i = 0; i < n; i++)
    {
      guint32 l = self->labels[i];

      classes[i] = l == 0 ? EVOX_PERCOLATION_OUTSIDE : table[self->touch[l]];
    }
}

/* Okabe and Ito's blue, orange and reddish purple: the "classes3" colour map's, so the overlay
 * and the classes' map read the same, and colour-blind readers tell them apart. */
static const char *const class_colors[] = { NULL, "#0072b2", "#e69f00", "#cc79a7" };
static const char *const class_names[] = { NULL, "Connected to both faces",
                                           "Connected to one face", "Isolated" };

const char *
evox_percolation_class_color (EvoxPercolationClass klass)
{
  g_return_val_if_fail (klass >= EVOX_PERCOLATION_BOTH && klass <= EVOX_PERCOLATION_ISOLATED,
                        NULL);
  return class_colors[klass];
}

/**
 * evox_percolation_clusters_new:
 * Returns: (transfer full): three clusters, the classes along axis
 */
EvoxClusters *
evox_percolation_clusters_new (const guint8  *classes,
                               const gsize    dims[3],
                               guint          axis,
                               GError       **error)
{
  static const char *const axis_names[] = { "x", "y", "z" };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autoptr (EvoxClusters) clusters = NULL;
  guint16 *ids;

  g_return_val_if_fail (classes != NULL && dims != NULL && axis < 3, NULL);

  if (!evox_check_allocation (n, sizeof (guint16), "The percolation overlay", error))
    return NULL;
  ids = _evox_alloc_large (n * sizeof (guint16));
  if (ids == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The percolation overlay does not fit in memory");
      return NULL;
    }
  /* A class is its cluster id: 0 (outside the phase) is outside the clusters' mask. */
#pragma omp parallel for schedule(static)
  for (gsize i = 0; i < n; i++)
    ids[i] = MIN (classes[i], EVOX_PERCOLATION_ISOLATED);
  clusters = evox_clusters_new_take (dims, ids, 3, 0, NULL, NULL, NULL, NULL, NULL, error);
  if (clusters == NULL)
    return NULL;
  for (guint id = EVOX_PERCOLATION_BOTH; id <= EVOX_PERCOLATION_ISOLATED; id++)
    {
      g_autofree char *name = g_strdup_printf ("%s (%s)", class_names[id], axis_names[axis]);

      evox_clusters_set_name (clusters, id, name);
      evox_clusters_set_color (clusters, id, class_colors[id]);
    }
  evox_clusters_set_info (clusters, "source", "percolation");
  evox_clusters_set_info (clusters, "percolation.axis", axis_names[axis]);
  return g_steal_pointer (&clusters);
}

void
evox_percolation_clusters_set_source (EvoxClusters *clusters,
                                      guint         channel,
                                      guint         n_ranges,
                                      const double *lo,
                                      const double *hi,
                                      int           connectivity)
{
  g_autoptr (GString) ranges = g_string_new (NULL);
  char number[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *channel_text = g_strdup_printf ("%u", channel);
  g_autofree char *connectivity_text = g_strdup_printf ("%d", connectivity);

  g_return_if_fail (EVOX_IS_CLUSTERS (clusters));
  g_return_if_fail (n_ranges > 0 && lo != NULL && hi != NULL);

  for (guint r = 0; r < n_ranges; r++)
    {
      if (r > 0)
        g_string_append_c (ranges, ';');
      g_string_append (ranges, g_ascii_formatd (number, sizeof number, "%.17g", lo[r]));
      g_string_append_c (ranges, ':');
      g_string_append (ranges, g_ascii_formatd (number, sizeof number, "%.17g", hi[r]));
    }
  evox_clusters_set_info (clusters, "percolation.channel", channel_text);
  evox_clusters_set_info (clusters, "percolation.ranges", ranges->str);
  evox_clusters_set_info (clusters, "percolation.connectivity", connectivity_text);
}

static gboolean
info_uint (EvoxClusteringInfoFunc   get,
           gpointer                 data,
           const char              *key,
           guint64                  max,
           guint64                 *value,
           GError                 **error)
{
  const char *text = get (data, key);

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, max, value, NULL))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "the percolation overlay's %s is missing or not a number", key);
      return FALSE;
    }
  return TRUE;
}

EvoxClusters *
evox_percolation_clusters_from_info (EvoxVolume              *volume,
                                     EvoxClusteringInfoFunc   get,
                                     gpointer                 data,
                                     GError                 **error)
{
  static const char *const axis_names[] = { "x", "y", "z" };
  g_auto (EvoxLargeBuffer) mask = NULL;
  g_auto (EvoxLargeBuffer) classes = NULL;
  g_autoptr (EvoxPercolation) percolation = NULL;
  g_autoptr (EvoxClusters) clusters = NULL;
  g_auto (GStrv) ranges = NULL;
  const char *axis_text = get (data, "percolation.axis");
  const char *ranges_text = get (data, "percolation.ranges");
  guint64 channel, connectivity;
  guint axis = 3;
  gsize dims[3], n;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (get != NULL, NULL);

  for (guint a = 0; a < 3 && axis_text != NULL; a++)
    if (g_str_equal (axis_text, axis_names[a]))
      axis = a;
  if (axis == 3 || ranges_text == NULL || *ranges_text == '\0')
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "the percolation overlay's %s is missing or unreadable",
                   axis == 3 ? "percolation.axis" : "percolation.ranges");
      return NULL;
    }
  if (!info_uint (get, data, "percolation.channel", G_MAXUINT, &channel, error) ||
      !info_uint (get, data, "percolation.connectivity", 26, &connectivity, error))
    return NULL;
  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  ranges = g_strsplit (ranges_text, ";", -1);
  for (guint r = 0; ranges[r] != NULL; r++)
    {
      g_auto (EvoxLargeBuffer) more = NULL;
      char *end = NULL;
      double lo = g_ascii_strtod (ranges[r], &end), hi;

      if (end == ranges[r] || *end != ':')
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "the percolation overlay's range '%s' is not LO:HI", ranges[r]);
          return NULL;
        }
      hi = g_ascii_strtod (end + 1, &end);
      if (*end != '\0')
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "the percolation overlay's range '%s' is not LO:HI", ranges[r]);
          return NULL;
        }
      more = _evox_range_mask (volume, (guint) channel, lo, hi, error);
      if (more == NULL)
        return NULL;
      if (mask == NULL)
        mask = g_steal_pointer (&more);
      else
        for (gsize i = 0; i < n; i++)
          ((guint8 *) mask)[i] |= ((guint8 *) more)[i];
    }
  percolation = evox_percolation_compute (mask, dims, (EvoxConnectivity) connectivity, NULL, NULL,
                                          error);
  if (percolation == NULL)
    return NULL;
  classes = _evox_alloc_large (n);
  if (classes == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The percolation overlay does not fit in memory");
      return NULL;
    }
  evox_percolation_get_classes (percolation, axis, classes);
  clusters = evox_percolation_clusters_new (classes, dims, axis, error);
  if (clusters == NULL)
    return NULL;
  evox_clusters_set_info (clusters, "percolation.channel", get (data, "percolation.channel"));
  evox_clusters_set_info (clusters, "percolation.ranges", ranges_text);
  evox_clusters_set_info (clusters, "percolation.connectivity",
                          get (data, "percolation.connectivity"));
  return g_steal_pointer (&clusters);
}

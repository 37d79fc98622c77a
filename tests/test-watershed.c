/* test-watershed.c: the distance map against brute force and watershed splits of balls with known necks. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-labels.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-types.h"
#include "evox-volume.h"
#include "evox-watershed.h"

/* The oracle: the distance from every foreground voxel to every background voxel. */
static void
brute_distance (const guint8 *mask,
                const gsize   dims[3],
                const double  spacing[3],
                double       *out)
{
  const gsize n = dims[0] * dims[1] * dims[2];

  for (gsize i = 0; i < n; i++)
    {
      double best = INFINITY;

      if (mask[i] == 0)
        {
          out[i] = 0.0;
          continue;
        }
      for (gsize j = 0; j < n; j++)
        {
          double d[3];

          if (mask[j] != 0)
            continue;
          d[0] = spacing[0] * ((double) (i % dims[0]) - (double) (j % dims[0]));
          d[1] = spacing[1] * ((double) (i / dims[0] % dims[1]) - (double) (j / dims[0] % dims[1]));
          d[2] = spacing[2] * ((double) (i / (dims[0] * dims[1])) -
                               (double) (j / (dims[0] * dims[1])));
          best = MIN (best, d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        }
      out[i] = sqrt (best);
    }
}

static void
check_distance (const gsize  dims[3],
                const double spacing[3],
                double       fraction,
                GRand       *rand)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *mask = g_new (guint8, n);
  g_autofree float *dist = g_new (float, n);
  g_autofree double *expected = g_new (double, n);
  g_autoptr(GError) error = NULL;
  EvoxWorkMonitor monitor = { 0 };

  for (gsize i = 0; i < n; i++)
    mask[i] = g_rand_double (rand) < fraction;
  _evox_work_monitor_begin (&monitor, NULL, NULL, 0.0, 1.0, 1);
  g_assert_true (evox_distance_transform (mask, dims, spacing, dist, &monitor, &error));
  g_assert_no_error (error);
  brute_distance (mask, dims, spacing, expected);
  for (gsize i = 0; i < n; i++)
    {
      if (isinf (expected[i]))
        g_assert_true (isinf (dist[i]));
      else
        g_assert_cmpfloat_with_epsilon (dist[i], expected[i], 1e-5 * (1.0 + expected[i]));
    }
}

/* Random volumes of odd shapes, mostly foreground so distances grow past one voxel, with unit
 * and anisotropic spacing; a volume without background is infinitely far from it. The numbers
 * also agree with scipy.ndimage.distance_transform_edt (mask, sampling = spacing) by definition:
 * both are the exact distance to the nearest zero voxel inside the array. */
static void
test_distance_brute_force (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  const gsize shapes[][3] = { { 9, 7, 5 }, { 1, 13, 6 }, { 17, 1, 1 }, { 6, 6, 11 } };
  const double spacings[][3] = { { 1, 1, 1 }, { 1.0, 2.5, 0.7 }, { 3.0, 0.5, 1.25 } };

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (guint p = 0; p < G_N_ELEMENTS (spacings); p++)
      for (guint t = 0; t < 3; t++)
        check_distance (shapes[s], spacings[p], t == 0 ? 0.5 : t == 1 ? 0.9 : 0.98, rand);

  {
    const gsize dims[3] = { 4, 3, 2 };
    const double spacing[3] = { 1, 1, 1 };
    guint8 mask[24];
    float dist[24];
    EvoxWorkMonitor monitor = { 0 };

    memset (mask, 1, sizeof mask);
    _evox_work_monitor_begin (&monitor, NULL, NULL, 0.0, 1.0, 1);
    g_assert_true (evox_distance_transform (mask, dims, spacing, dist, &monitor, NULL));
    for (guint i = 0; i < 24; i++)
      g_assert_true (isinf (dist[i]));
  }
}

/* Numbers from scipy 1.10: distance_transform_edt (m, sampling = (0.7, 2.5, 1.0)) (z, y, x) of the
 * 7 x 5 x 4 mask (7 x + 3 y + 5 z) mod 11 != 0 (127 voxels set): voxels 0, 13, 47, 100 and 139
 * hold 0, 1.4, 1.22065556, 1.72046505 and 2, the largest is 2.692582403567252 at voxel 34, and
 * the sum is 178.1135979213189. */
static void
test_distance_scipy (void)
{
  const gsize dims[3] = { 7, 5, 4 };
  const double spacing[3] = { 1.0, 2.5, 0.7 };
  const gsize at[] = { 0, 13, 47, 100, 139 };
  const double expected[] = { 0, 1.4, 1.22065556, 1.72046505, 2 };
  guint8 mask[140];
  float dist[140];
  EvoxWorkMonitor monitor = { 0 };
  double sum = 0, best = 0;
  gsize best_at = 0;
  guint set = 0;

  for (gsize z = 0; z < 4; z++)
    for (gsize y = 0; y < 5; y++)
      for (gsize x = 0; x < 7; x++)
        {
          mask[(z * 5 + y) * 7 + x] = (x * 7 + y * 3 + z * 5) % 11 != 0;
          set += mask[(z * 5 + y) * 7 + x];
        }
  g_assert_cmpuint (set, ==, 127);
  _evox_work_monitor_begin (&monitor, NULL, NULL, 0.0, 1.0, 1);
  g_assert_true (evox_distance_transform (mask, dims, spacing, dist, &monitor, NULL));
  for (guint k = 0; k < G_N_ELEMENTS (at); k++)
    g_assert_cmpfloat_with_epsilon (dist[at[k]], expected[k], 1e-6);
  for (gsize i = 0; i < 140; i++)
    {
      sum += dist[i];
      if (dist[i] > best)
        {
          best = dist[i];
          best_at = i;
        }
    }
  g_assert_cmpfloat_with_epsilon (best, 2.692582403567252, 1e-6);
  g_assert_cmpuint (best_at, ==, 34);
  g_assert_cmpfloat_with_epsilon (sum, 178.1135979213189, 1e-4);
}

/* A frozen u8 volume: 1 inside any of the balls (centre x, y, z, radius), 0 elsewhere. */
static EvoxVolume *
balls_new (const gsize   dims[3],
           const double  balls[][4],
           guint         n_balls)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U8, &error);
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          guint8 v = 0;

          for (guint b = 0; b < n_balls; b++)
            {
              double dx = x - balls[b][0], dy = y - balls[b][1], dz = z - balls[b][2];

              if (dx * dx + dy * dy + dz * dz <= balls[b][3] * balls[b][3])
                v = 1;
            }
          data[(z * dims[1] + y) * dims[0] + x] = v;
        }
  evox_volume_freeze (volume);
  return volume;
}

static EvoxLabels *
split (EvoxVolume       *volume,
       EvoxConnectivity  connectivity,
       double            h,
       EvoxLabels      **before)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxLabels) labels = NULL;
  EvoxLabels *result;

  labels = evox_labels_compute (volume, 0, "balls", 1, 1, connectivity, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  result = evox_watershed_split (labels, h, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  if (before != NULL)
    *before = g_steal_pointer (&labels);
  return result;
}

/* Two balls of radius 8 whose centres are 14 voxels apart touch through a neck of radius
 * sqrt (8^2 - 7^2) = 3.9: the distance map has two peaks of about 8.5 (the nearest background
 * voxel lies just outside the radius) with a saddle near 4.4, so an h of 2 splits them, the cut
 * is the plane halfway between the centres, and an h of 7 leaves them whole. */
static void
test_two_balls (void)
{
  const gsize dims[3] = { 40, 24, 24 };
  const double balls[][4] = { { 12, 11.5, 11.5, 8 }, { 26, 11.5, 11.5, 8 } };
  g_autoptr(EvoxVolume) volume = balls_new (dims, balls, 2);
  const guint8 *data = evox_volume_get_data (volume, 0);
  EvoxConnectivity conns[] = { EVOX_CONNECTIVITY_6, EVOX_CONNECTIVITY_18,
                               EVOX_CONNECTIVITY_26 };

  for (guint c = 0; c < G_N_ELEMENTS (conns); c++)
    {
      g_autoptr(EvoxLabels) before = NULL;
      g_autoptr(EvoxLabels) after = split (volume, conns[c], 2.0, &before);
      guint64 voxels = 0;

      g_assert_cmpuint (evox_labels_get_n_particles (before), ==, 1);
      g_assert_cmpuint (evox_labels_get_n_particles (after), ==, 2);
      /* The h of the split is recorded (for sessions); the labels split come with none. */
      {
        guint n_splits;
        const double *h = evox_labels_get_split_h (after, &n_splits);

        g_assert_cmpuint (n_splits, ==, 1);
        g_assert_cmpfloat (h[0], ==, 2.0);
        g_assert_null (evox_labels_get_split_h (before, &n_splits));
        g_assert_cmpuint (n_splits, ==, 0);
      }
      /* A split of split labels lists both, in order. */
      if (c == 0)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(EvoxLabels) again = evox_watershed_split (after, 0.5, NULL, NULL, &error);
          guint n_splits;
          const double *h;

          g_assert_no_error (error);
          h = evox_labels_get_split_h (again, &n_splits);
          g_assert_cmpuint (n_splits, ==, 2);
          g_assert_cmpfloat (h[0], ==, 2.0);
          g_assert_cmpfloat (h[1], ==, 0.5);
        }
      for (gsize z = 0; z < dims[2]; z++)
        for (gsize y = 0; y < dims[1]; y++)
          for (gsize x = 0; x < dims[0]; x++)
            {
              guint32 l = evox_labels_get_label (after, x, y, z);

              g_assert_cmpuint (l != 0, ==, data[(z * dims[1] + y) * dims[0] + x] != 0);
              /* Raster order numbers the left ball 1; the neck plane x = 19 may go either way. */
              if (l != 0 && x < 19)
                g_assert_cmpuint (l, ==, 1);
              else if (l != 0 && x > 19)
                g_assert_cmpuint (l, ==, 2);
            }
      for (guint32 id = 1; id <= 2; id++)
        voxels += evox_labels_get_particle (after, id)->voxels;
      g_assert_cmpuint (voxels, ==, evox_labels_get_particle (before, 1)->voxels);
      /* Mirror images up to the neck plane: sizes within one plane of each other. */
      g_assert_cmpfloat (fabs ((double) evox_labels_get_particle (after, 1)->voxels -
                               (double) evox_labels_get_particle (after, 2)->voxels), <, 200);
    }

  /* Peaks less than h above the neck stay one particle. */
  {
    g_autoptr(EvoxLabels) after = split (volume, EVOX_CONNECTIVITY_6, 7.0, NULL);

    g_assert_cmpuint (evox_labels_get_n_particles (after), ==, 1);
  }
}

/* A lone ball has one peak: nothing to split, at small and large h, with any spacing. */
static void
test_single_ball (void)
{
  const gsize dims[3] = { 25, 25, 25 };
  const double balls[][4] = { { 12, 12, 12, 9.5 } };
  g_autoptr(EvoxVolume) volume = balls_new (dims, balls, 1);
  const double hs[] = { 1.0, 3.0, 50.0 };

  for (guint k = 0; k < G_N_ELEMENTS (hs); k++)
    {
      g_autoptr(EvoxLabels) after = split (volume, EVOX_CONNECTIVITY_26, hs[k], NULL);

      g_assert_cmpuint (evox_labels_get_n_particles (after), ==, 1);
    }
}

/* With an h no peak reaches, the split keeps every particle, and measuring the taken labels
 * gives what evox_labels_compute measured: the same statistics from a second code path. */
static void
test_unsplit_statistics (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (23, 19, 17, 1, EVOX_SAMPLE_U16, &error);
  const double spacing[3] = { 2.0, 3.0, 5.0 };
  guint16 *data = evox_volume_get_data_mut (volume, 0);

  for (gsize i = 0; i < 23 * 19 * 17; i++)
    data[i] = g_rand_double (rand) < 0.45 ? (guint16) g_rand_int_range (rand, 100, 200)
                                          : (guint16) g_rand_int_range (rand, 0, 100);
  evox_volume_set_spacing (volume, spacing);
  evox_volume_freeze (volume);

  for (int connectivity = 6; connectivity <= 26; connectivity += 20)
    {
      g_autoptr(EvoxLabels) labels = NULL;
      g_autoptr(EvoxLabels) same = NULL;

      labels = evox_labels_compute (volume, 0, "p", 100, 199, connectivity, 2, NULL, NULL,
                                    &error);
      g_assert_no_error (error);
      same = evox_watershed_split (labels, 1e6, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (evox_labels_get_n_particles (same), ==,
                        evox_labels_get_n_particles (labels));
      g_assert_cmpmem (evox_labels_get_data (same), 23 * 19 * 17 * sizeof (guint32),
                       evox_labels_get_data (labels), 23 * 19 * 17 * sizeof (guint32));
      for (guint32 id = 1; id <= evox_labels_get_n_particles (labels); id++)
        {
          const EvoxParticle *a = evox_labels_get_particle (labels, id);
          const EvoxParticle *b = evox_labels_get_particle (same, id);

          g_assert_cmpuint (a->voxels, ==, b->voxels);
          g_assert_cmpfloat_with_epsilon (a->area_nm2, b->area_nm2, 1e-9 * a->area_nm2);
          g_assert_cmpfloat_with_epsilon (a->mean, b->mean, 1e-9 * a->mean);
          g_assert_cmpfloat_with_epsilon (a->std, b->std, 1e-6 * (1.0 + a->std));
          g_assert_cmpfloat (a->min, ==, b->min);
          g_assert_cmpfloat (a->max, ==, b->max);
          g_assert_cmpmem (a->bbox_min, sizeof a->bbox_min, b->bbox_min, sizeof b->bbox_min);
          g_assert_cmpmem (a->bbox_max, sizeof a->bbox_max, b->bbox_max, sizeof b->bbox_max);
          for (guint i = 0; i < 3; i++)
            g_assert_cmpfloat_with_epsilon (a->centroid_nm[i], b->centroid_nm[i], 1e-9 * 100);
          g_assert_cmpint (a->touches_border, ==, b->touches_border);
        }
    }
}

/* Offsets of a connectivity, for the oracles below. */
static guint
offsets_of (int connectivity,
            int offsets[26][3])
{
  guint n = 0;

  for (int dz = -1; dz <= 1; dz++)
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++)
        {
          int order = abs (dx) + abs (dy) + abs (dz);

          if (order == 0 || (connectivity == 6 && order > 1) || (connectivity == 18 && order > 2))
            continue;
          offsets[n][0] = dx;
          offsets[n][1] = dy;
          offsets[n][2] = dz;
          n++;
        }
  return n;
}

static gssize
step (const gsize dims[3],
      gsize       i,
      const int   d[3])
{
  gssize x = i % dims[0] + d[0], y = i / dims[0] % dims[1] + d[1], z = i / (dims[0] * dims[1]) + d[2];

  if (x < 0 || y < 0 || z < 0 || x >= (gssize) dims[0] || y >= (gssize) dims[1] ||
      z >= (gssize) dims[2])
    return -1;
  return ((gsize) z * dims[1] + (gsize) y) * dims[0] + (gsize) x;
}

/* Blobs: random noise box-blurred twice and thresholded, so particles have necks and several
 * peaks. The markers are found here the slow way: the reconstruction by repeated dilation
 * under dist until nothing changes, and its regional maxima by flooding each plateau. The split
 * must give one piece per marker, each marker inside its own piece, every voxel of the phase in
 * a piece and every piece connected. */
static void
test_markers_brute_force (void)
{
  const gsize dims[3] = { 22, 18, 14 };
  const gsize n = dims[0] * dims[1] * dims[2];
  const double spacing[3] = { 1.0, 1.5, 2.0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U8,
                                                  &error);
  g_autofree double *noise = g_new (double, n);
  g_autofree double *blur = g_new (double, n);
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  guint checked = 0;

  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    noise[i] = g_rand_double (rand);
  for (guint pass = 0; pass < 2; pass++)
    {
      int all[26][3];
      guint m = offsets_of (26, all);

      for (gsize i = 0; i < n; i++)
        {
          double sum = noise[i];
          guint count = 1;

          for (guint k = 0; k < m; k++)
            {
              gssize j = step (dims, i, all[k]);

              if (j >= 0)
                {
                  sum += noise[j];
                  count++;
                }
            }
          blur[i] = sum / count;
        }
      memcpy (noise, blur, n * sizeof (double));
    }
  for (gsize i = 0; i < n; i++)
    data[i] = noise[i] > 0.5;
  evox_volume_set_spacing (volume, spacing);
  evox_volume_freeze (volume);

  for (guint c = 0; c < 3; c++)
    for (guint t = 0; t < 3; t++)
      {
        const int conn = c == 0 ? 6 : c == 1 ? 18 : 26;
        const double h = t == 0 ? 0.5 : t == 1 ? 1.2 : 2.5;
        int offsets[26][3];
        guint m = offsets_of (conn, offsets);
        g_autoptr(EvoxLabels) labels = NULL;
        g_autoptr(EvoxLabels) pieces = NULL;
        g_autofree float *dist = g_new (float, n);
        g_autofree float *rec = g_new (float, n);
        g_autofree guint32 *marker = g_new0 (guint32, n);
        g_autofree guint32 *marker_label = NULL;
        g_autofree gsize *queue = g_new (gsize, n);
        g_autofree guint8 *seen = g_new0 (guint8, n);
        const guint32 *split;
        EvoxWorkMonitor monitor = { 0 };
        guint32 n_markers = 0;
        gboolean changed = TRUE;

        labels = evox_labels_compute (volume, 0, "blobs", 1, 1, conn, 0, NULL, NULL, &error);
        g_assert_no_error (error);
        _evox_work_monitor_begin (&monitor, NULL, NULL, 0.0, 1.0, 1);
        g_assert_true (evox_distance_transform (data, dims, spacing, dist, &monitor, &error));

        for (gsize i = 0; i < n; i++)
          rec[i] = data[i] ? dist[i] - (float) h : -INFINITY;
        while (changed)
          {
            changed = FALSE;
            for (gsize i = 0; i < n; i++)
              {
                float best = rec[i];

                if (!data[i])
                  continue;
                for (guint k = 0; k < m; k++)
                  {
                    gssize j = step (dims, i, offsets[k]);

                    if (j >= 0 && data[j])
                      best = MAX (best, rec[j]);
                  }
                best = MIN (best, dist[i]);
                if (best != rec[i])
                  {
                    rec[i] = best;
                    changed = TRUE;
                  }
              }
          }
        /* Plateaus of rec; a plateau with a higher neighbour is no marker. */
        for (gsize start = 0; start < n; start++)
          {
            gsize head = 0, tail = 0;
            gboolean is_max = TRUE;

            if (!data[start] || seen[start])
              continue;
            seen[start] = 1;
            queue[tail++] = start;
            while (head < tail)
              {
                gsize i = queue[head++];

                for (guint k = 0; k < m; k++)
                  {
                    gssize j = step (dims, i, offsets[k]);

                    if (j < 0 || !data[j])
                      continue;
                    if (rec[j] > rec[i])
                      is_max = FALSE;
                    else if (rec[j] == rec[i] && !seen[j])
                      {
                        seen[j] = 1;
                        queue[tail++] = (gsize) j;
                      }
                  }
              }
            if (is_max)
              {
                n_markers++;
                for (gsize q = 0; q < tail; q++)
                  marker[queue[q]] = n_markers;
              }
          }

        pieces = evox_watershed_split (labels, h, NULL, NULL, &error);
        g_assert_no_error (error);
        g_test_message ("%d-connected, h = %g: %u particles, %u markers, %u pieces", conn, h,
                        evox_labels_get_n_particles (labels), n_markers,
                        evox_labels_get_n_particles (pieces));
        g_assert_cmpuint (evox_labels_get_n_particles (pieces), ==, n_markers);
        split = evox_labels_get_data (pieces);
        marker_label = g_new0 (guint32, n_markers + 1);
        for (gsize i = 0; i < n; i++)
          {
            g_assert_cmpuint (split[i] != 0, ==, data[i] != 0);
            if (marker[i] == 0)
              continue;
            if (marker_label[marker[i]] == 0)
              marker_label[marker[i]] = split[i];
            g_assert_cmpuint (split[i], ==, marker_label[marker[i]]);
          }
        for (guint32 a = 1; a <= n_markers; a++)
          for (guint32 b = a + 1; b <= n_markers; b++)
            g_assert_cmpuint (marker_label[a], !=, marker_label[b]);

        /* Each piece is one connected component. */
        memset (seen, 0, n);
        for (guint32 id = 1; id <= evox_labels_get_n_particles (pieces); id++)
          {
            gsize head = 0, tail = 0, first = 0;

            while (split[first] != id)
              first++;
            seen[first] = 1;
            queue[tail++] = first;
            while (head < tail)
              {
                gsize i = queue[head++];

                for (guint k = 0; k < m; k++)
                  {
                    gssize j = step (dims, i, offsets[k]);

                    if (j >= 0 && split[j] == id && !seen[j])
                      {
                        seen[j] = 1;
                        queue[tail++] = (gsize) j;
                      }
                  }
              }
            g_assert_cmpuint (tail, ==, evox_labels_get_particle (pieces, id)->voxels);
          }
        checked += evox_labels_get_n_particles (pieces) > evox_labels_get_n_particles (labels);
      }
  /* The blobs do have necks to cut. */
  g_assert_cmpuint (checked, >, 0);
}

/* The blobs of tests/watershed-skimage.py: LCG noise 0..999 (x fastest), a 5x5x5 box sum clipped
 * at the faces, solid where the mean exceeds 500 (integers throughout, so both sides build the
 * same 30 x 26 x 20 volume of 6766 solid voxels). */
static EvoxVolume *
skimage_blobs_new (void)
{
  const int nx = 30, ny = 26, nz = 20;
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_U8, &error);
  g_autofree gint64 *noise = g_new (gint64, nx * ny * nz);
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  guint64 state = 12345;

  g_assert_no_error (error);
  for (int i = 0; i < nx * ny * nz; i++)
    {
      state = (state * 1103515245u + 12345u) % (G_GUINT64_CONSTANT (1) << 31);
      noise[i] = (gint64) ((state >> 8) % 1000);
    }
  for (int z = 0; z < nz; z++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++)
        {
          gint64 sum = 0, count = 0;

          for (int dz = -2; dz <= 2; dz++)
            for (int dy = -2; dy <= 2; dy++)
              for (int dx = -2; dx <= 2; dx++)
                if (x + dx >= 0 && x + dx < nx && y + dy >= 0 && y + dy < ny && z + dz >= 0 &&
                    z + dz < nz)
                  {
                    sum += noise[((z + dz) * ny + (y + dy)) * nx + (x + dx)];
                    count++;
                  }
          data[(z * ny + y) * nx + x] = sum > 500 * count;
        }
  evox_volume_freeze (volume);
  return volume;
}

/* Piece counts from scipy 1.10 and scikit-image 0.19 (tests/watershed-skimage.py): dist =
 * distance_transform_edt, markers = label (local_maxima (reconstruction (dist - h, dist))),
 * watershed (-dist, markers, mask, connectivity). The partitions are voxel for voxel the same
 * for 6-connectivity and h = 2; elsewhere every skimage marker lies in its own piece here and
 * 1 to 18 of the 6766 voxels, on equal-distance ties, go to the other neighbour (skimage visits
 * neighbours sorted by distance, this flood in raster order). */
static void
test_skimage_counts (void)
{
  g_autoptr(EvoxVolume) volume = skimage_blobs_new ();
  const struct
  {
    int    connectivity;
    guint  components;
    guint  pieces[3];   /* h = 0.5, 1, 2 */
  } expected[] = {
    { 6, 30, { 64, 37, 32 } },
    { 18, 13, { 39, 19, 14 } },
    { 26, 10, { 35, 16, 11 } },
  };
  const double hs[3] = { 0.5, 1.0, 2.0 };

  for (guint c = 0; c < G_N_ELEMENTS (expected); c++)
    for (guint k = 0; k < 3; k++)
      {
        g_autoptr(EvoxLabels) before = NULL;
        g_autoptr(EvoxLabels) after = split (volume, expected[c].connectivity, hs[k], &before);
        guint64 solid = 0;

        g_assert_cmpuint (evox_labels_get_n_particles (before), ==, expected[c].components);
        g_assert_cmpuint (evox_labels_get_n_particles (after), ==, expected[c].pieces[k]);
        for (guint32 id = 1; id <= evox_labels_get_n_particles (after); id++)
          solid += evox_labels_get_particle (after, id)->voxels;
        g_assert_cmpuint (solid, ==, 6766);
      }
}

static void
test_errors (void)
{
  const gsize dims[3] = { 12, 12, 12 };
  const double balls[][4] = { { 6, 6, 6, 4 } };
  g_autoptr(EvoxVolume) volume = balls_new (dims, balls, 1);
  g_autoptr(EvoxLabels) labels = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  EvoxLabels *result;

  labels = evox_labels_compute (volume, 0, NULL, 1, 1, 6, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  result = evox_watershed_split (labels, 0.0, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  result = evox_watershed_split (labels, NAN, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_cancellable_cancel (cancellable);
  result = evox_watershed_split (labels, 1.0, NULL, cancellable, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
split_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  EvoxLabels **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = evox_watershed_split_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_async (void)
{
  const gsize dims[3] = { 40, 24, 24 };
  const double balls[][4] = { { 12, 11.5, 11.5, 8 }, { 26, 11.5, 11.5, 8 } };
  g_autoptr(EvoxVolume) volume = balls_new (dims, balls, 2);
  g_autoptr(EvoxLabels) labels = NULL;
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GError) error = NULL;
  EvoxLabels *result = NULL;

  labels = evox_labels_compute (volume, 0, NULL, 1, 1, 26, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_watershed_split_async (labels, 2.0, progress, NULL, split_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (evox_labels_get_n_particles (result), ==, 2);
  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);
  g_object_unref (result);
}

/* The active material of the real electrode (85:85, 26-connected) is one "particle" of 96% of
 * its phase; the split count and time are reported, and no voxel may be lost. */
static void
test_electrode (void)
{
  g_autofree char *path = evox_test_data_path ("tomo/electrode.tiff");
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxLabels) before = NULL;
  g_autoptr(EvoxLabels) after = NULL;
  g_autoptr(GError) error = NULL;
  guint64 total_before = 0, total_after = 0;
  gint64 start;

  if (path == NULL)
    return;
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  before = evox_labels_compute (volume, 0, "am", 85, 85, 26, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  after = evox_watershed_split (before, 2.0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("electrode.tiff 85:85, 26-connected, h = 2 voxels: %u -> %u particles in %.2f s",
                  evox_labels_get_n_particles (before), evox_labels_get_n_particles (after),
                  (g_get_monotonic_time () - start) / 1e6);
  for (guint32 id = 1; id <= evox_labels_get_n_particles (before); id++)
    total_before += evox_labels_get_particle (before, id)->voxels;
  for (guint32 id = 1; id <= evox_labels_get_n_particles (after); id++)
    total_after += evox_labels_get_particle (after, id)->voxels;
  g_assert_cmpuint (total_after, ==, total_before);
  g_assert_cmpuint (evox_labels_get_n_particles (after), >, evox_labels_get_n_particles (before));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Watershed/distance-brute-force", test_distance_brute_force);
  g_test_add_func ("/Evox/Watershed/distance-scipy", test_distance_scipy);
  g_test_add_func ("/Evox/Watershed/two-balls", test_two_balls);
  g_test_add_func ("/Evox/Watershed/single-ball", test_single_ball);
  g_test_add_func ("/Evox/Watershed/unsplit-statistics", test_unsplit_statistics);
  g_test_add_func ("/Evox/Watershed/markers-brute-force", test_markers_brute_force);
  g_test_add_func ("/Evox/Watershed/skimage-counts", test_skimage_counts);
  g_test_add_func ("/Evox/Watershed/errors", test_errors);
  g_test_add_func ("/Evox/Watershed/async", test_async);
  g_test_add_func ("/Evox/Watershed/electrode", test_electrode);
  return g_test_run ();
}

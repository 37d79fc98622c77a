/* test-labels.c: connected components and particle statistics against a flood fill and brute force. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "evox-display.h"
#include "evox-labels.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-volume.h"
#include "evox-test-volume.h"

/* The oracle: a flood fill with an explicit stack, started from every unlabelled foreground
 * voxel in raster order, so its numbers are raster order of first voxels by construction. */
static guint32
flood_fill (const guint8 *mask,
            const gsize   dims[3],
            int           connectivity,
            guint32      *labels)
{
  const gsize nx = dims[0], ny = dims[1], nz = dims[2];
  const gsize n = nx * ny * nz;
  int offsets[26][3];
  guint n_offsets = 0;
  g_autofree gsize *stack = g_new (gsize, MAX (n, 1));
  guint32 n_labels = 0;

  for (int dz = -1; dz <= 1; dz++)
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++)
        {
          int order = abs (dx) + abs (dy) + abs (dz);

          if (order == 0 || (connectivity == 6 && order > 1) ||
              (connectivity == 18 && order > 2))
            continue;
          offsets[n_offsets][0] = dx;
          offsets[n_offsets][1] = dy;
          offsets[n_offsets][2] = dz;
          n_offsets++;
        }
  g_assert_cmpuint (n_offsets, ==, (guint) connectivity);

  memset (labels, 0, n * sizeof (guint32));
  for (gsize start = 0; start < n; start++)
    {
      gsize top = 0;

      if (mask[start] == 0 || labels[start] != 0)
        continue;
      labels[start] = ++n_labels;
      stack[top++] = start;
      while (top > 0)
        {
          gsize i = stack[--top];
          gssize x = i % nx, y = (i / nx) % ny, z = i / (nx * ny);

          for (guint k = 0; k < n_offsets; k++)
            {
              gssize px = x + offsets[k][0], py = y + offsets[k][1], pz = z + offsets[k][2];
              gsize j;

              if (px < 0 || py < 0 || pz < 0 || px >= (gssize) nx || py >= (gssize) ny ||
                  pz >= (gssize) nz)
                continue;
              j = ((gsize) pz * ny + (gsize) py) * nx + (gsize) px;
              if (mask[j] != 0 && labels[j] == 0)
                {
                  labels[j] = n_labels;
                  stack[top++] = j;
                }
            }
        }
    }
  return n_labels;
}

/* Same partition (a bijection between the two labelings, background to background) and Evox's
 * numbers in raster order of first voxels. */
static void
assert_same_partition (const guint32 *expected,
                       guint32        n_expected,
                       const guint32 *got,
                       guint32        n_got,
                       gsize          n)
{
  g_autofree guint32 *forward = g_new0 (guint32, (gsize) n_expected + 1);
  g_autofree guint32 *backward = g_new0 (guint32, (gsize) n_got + 1);
  g_autofree guint64 *size_expected = g_new0 (guint64, (gsize) n_expected + 1);
  g_autofree guint64 *size_got = g_new0 (guint64, (gsize) n_got + 1);
  guint32 seen = 0;

  g_assert_cmpuint (n_got, ==, n_expected);
  for (gsize i = 0; i < n; i++)
    {
      guint32 e = expected[i], g = got[i];

      g_assert_cmpuint (g, <=, n_got);
      if (e == 0 || g == 0)
        {
          g_assert_cmpuint (e, ==, g);
          continue;
        }
      if (forward[e] == 0)
        forward[e] = g;
      if (backward[g] == 0)
        backward[g] = e;
      g_assert_cmpuint (forward[e], ==, g);
      g_assert_cmpuint (backward[g], ==, e);
      size_expected[e]++;
      size_got[g]++;
      if (g > seen)
        {
          g_assert_cmpuint (g, ==, seen + 1);
          seen = g;
        }
    }
  g_assert_cmpuint (seen, ==, n_got);
  for (guint32 e = 1; e <= n_expected; e++)
    g_assert_cmpuint (size_expected[e], ==, size_got[forward[e]]);
}

static guint8 *
random_mask (const gsize dims[3],
             double      density,
             guint32     seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  gsize n = dims[0] * dims[1] * dims[2];
  guint8 *mask = g_new (guint8, MAX (n, 1));

  /* Any nonzero byte is foreground, not only 1. */
  for (gsize i = 0; i < n; i++)
    mask[i] = g_rand_double (rand) < density ? (guint8) g_rand_int_range (rand, 1, 256) : 0;
  return mask;
}

/* Blobs with long runs that cross 64-voxel words and slab boundaries. */
static guint8 *
blob_mask (const gsize dims[3],
           guint       n_blobs,
           guint32     seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  gsize n = dims[0] * dims[1] * dims[2];
  guint8 *mask = g_new0 (guint8, MAX (n, 1));

  for (guint b = 0; b < n_blobs; b++)
    {
      double c[3], r;

      for (guint i = 0; i < 3; i++)
        c[i] = g_rand_double_range (rand, 0, dims[i]);
      r = g_rand_double_range (rand, 1.0, MAX (dims[0], MAX (dims[1], dims[2])) / 4.0);
      for (gsize z = 0; z < dims[2]; z++)
        for (gsize y = 0; y < dims[1]; y++)
          for (gsize x = 0; x < dims[0]; x++)
            {
              double d = (x - c[0]) * (x - c[0]) + (y - c[1]) * (y - c[1]) +
                         (z - c[2]) * (z - c[2]);

              if (d <= r * r)
                mask[(z * dims[1] + y) * dims[0] + x] = 1;
            }
    }
  return mask;
}

static void
check_kernel (const guint8 *mask,
              const gsize   dims[3],
              int           connectivity)
{
  gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint32 *expected = g_new (guint32, MAX (n, 1));
  g_autofree guint32 *got = g_new (guint32, MAX (n, 1));
  g_autoptr(GError) error = NULL;
  guint32 n_expected, n_got = 12345;

  n_expected = flood_fill (mask, dims, connectivity, expected);
  g_assert_true (evox_label_components (mask, dims, connectivity, got, &n_got, NULL, NULL,
                                        &error));
  g_assert_no_error (error);
  assert_same_partition (expected, n_expected, got, n_got, n);
}

static const gsize kernel_sizes[][3] = {
  { 17, 9, 13 }, { 1, 1, 1 }, { 1, 23, 31 }, { 29, 1, 17 }, { 40, 30, 1 }, { 64, 8, 8 },
  { 65, 5, 7 }, { 130, 11, 6 }, { 127, 3, 19 }, { 1, 1, 300 }, { 300, 1, 1 },
};
static const double kernel_densities[] = { 0.1, 0.3, 0.5, 0.7 };
static const int connectivities[] = { 6, 18, 26 };

static void
test_kernel_random (void)
{
  for (guint s = 0; s < G_N_ELEMENTS (kernel_sizes); s++)
    for (guint d = 0; d < G_N_ELEMENTS (kernel_densities); d++)
      for (guint32 seed = 1; seed <= 3; seed++)
        {
          g_autofree guint8 *mask = random_mask (kernel_sizes[s], kernel_densities[d],
                                                 seed * 7919 + s * 31 + d);

          for (guint c = 0; c < G_N_ELEMENTS (connectivities); c++)
            check_kernel (mask, kernel_sizes[s], connectivities[c]);
        }
}

/* Volumes big enough to be cut into several slabs (one per 64k voxels, up to two per thread):
 * slabs of whole planes, slabs shorter than a plane (so a slab's neighbour rows lie two slabs
 * back), boundaries in the middle of a plane, and more threads than cores. */
static void
test_kernel_slabs (void)
{
  static const gsize sizes[][3] = {
    { 70, 50, 60 }, { 1024, 300, 2 }, { 300, 2, 600 }, { 33, 130, 90 }, { 100, 37, 61 },
    { 257, 31, 41 },
  };
#ifdef _OPENMP
  int threads = omp_get_max_threads ();
#endif

  for (guint t = 0; t < 2; t++)
    {
#ifdef _OPENMP
      omp_set_num_threads (t == 0 ? threads : 16);
#endif
      for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
        for (guint c = 0; c < G_N_ELEMENTS (connectivities); c++)
          {
            /* Dense, and near the percolation threshold, where components are trees and a
             * missed link across a slab boundary splits one. */
            static const double densities[3][2] = { { 0.45, 0.3 }, { 0.3, 0.14 },
                                                    { 0.25, 0.1 } };

            for (guint d = 0; d < 2; d++)
              {
                g_autofree guint8 *mask = random_mask (sizes[s], densities[c][d],
                                                       100 + s + 10 * d);

                check_kernel (mask, sizes[s], connectivities[c]);
              }
            {
              g_autofree guint8 *blobs = blob_mask (sizes[s], 12, 200 + s);

              check_kernel (blobs, sizes[s], connectivities[c]);
            }
          }
    }
#ifdef _OPENMP
  omp_set_num_threads (threads);
#endif
}

/* Shapes where the three connectivities give known, different answers. */
static void
test_kernel_shapes (void)
{
  const gsize dims[3] = { 4, 4, 4 };
  guint8 mask[64] = { 0 };
  guint32 labels[64];
  guint32 n = 0;

  /* Two voxels touching along an edge, two more touching the first at a corner only. */
  mask[0] = 1;                      /* (0,0,0) */
  mask[1 * 4 + 1] = 1;              /* (1,1,0): edge neighbour of (0,0,0) */
  mask[(1 * 4 + 2) * 4 + 2] = 1;    /* (2,2,1): corner neighbour of (1,1,0) */
  mask[(3 * 4 + 0) * 4 + 3] = 1;    /* (3,0,3): isolated */
  g_assert_true (evox_label_components (mask, dims, 6, labels, &n, NULL, NULL, NULL));
  g_assert_cmpuint (n, ==, 4);
  g_assert_true (evox_label_components (mask, dims, 18, labels, &n, NULL, NULL, NULL));
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (labels[0], ==, labels[5]);
  g_assert_true (evox_label_components (mask, dims, 26, labels, &n, NULL, NULL, NULL));
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (labels[0], ==, labels[(1 * 4 + 2) * 4 + 2]);
  g_assert_cmpuint (labels[(3 * 4 + 0) * 4 + 3], ==, 2);
}

/* Statistics. */

static EvoxVolume *
random_volume (EvoxSampleType type,
               const gsize    dims[3],
               guint32        seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (dims[0], dims[1], dims[2], 1, type, &error);
  gsize n = dims[0] * dims[1] * dims[2];
  gpointer data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize i = 0; i < n; i++)
    switch (type)
      {
      case EVOX_SAMPLE_U8:
        ((guint8 *) data)[i] = (guint8) g_rand_int_range (rand, 0, 256);
        break;
      case EVOX_SAMPLE_U16:
        ((guint16 *) data)[i] = (guint16) g_rand_int_range (rand, 0, 65536);
        break;
      case EVOX_SAMPLE_F32:
        {
          double r = g_rand_double (rand);

          ((float *) data)[i] = r < 0.05 ? NAN : r < 0.07 ? INFINITY
                                : (float) g_rand_double_range (rand, -3.0, 3.0);
        }
        break;
      }
  return volume;
}

static guint8 *
range_mask (EvoxVolume *volume,
            double      lo,
            double      hi)
{
  gsize n = evox_volume_get_n_voxels (volume);
  guint8 *mask = g_new (guint8, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    {
      double v = evox_test_value_at (volume, i);

      mask[i] = v >= lo && v <= hi;
    }
  return mask;
}

/* The 13 lattice directions, written out. */
static const int directions[13][3] = {
  { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 },
  { 1, 1, 0 }, { 1, -1, 0 }, { 1, 0, 1 }, { 1, 0, -1 }, { 0, 1, 1 }, { 0, 1, -1 },
  { 1, 1, 1 }, { 1, 1, -1 }, { 1, -1, 1 }, { 1, -1, -1 },
};

/* Fractions of a Fibonacci sphere nearest to each direction (up to sign); a different sample
 * count from the library's, so both agree only if both are right. */
static void
test_weights (const double spacing[3],
              double       weights[13])
{
  const guint samples = 300007;
  double unit[13][3];
  guint counts[13] = { 0 };

  for (guint d = 0; d < 13; d++)
    {
      double len = 0.0;

      for (guint i = 0; i < 3; i++)
        {
          unit[d][i] = directions[d][i] * spacing[i];
          len += unit[d][i] * unit[d][i];
        }
      for (guint i = 0; i < 3; i++)
        unit[d][i] /= sqrt (len);
    }
  for (guint s = 0; s < samples; s++)
    {
      double z = 1.0 - (2.0 * s + 1.0) / samples;
      double rho = sqrt (1.0 - z * z);
      double phi = s * M_PI * (3.0 - sqrt (5.0));
      double u[3] = { rho * cos (phi), rho * sin (phi), z };
      guint best = 0;
      double best_dot = -1.0;

      for (guint d = 0; d < 13; d++)
        {
          double dot = fabs (u[0] * unit[d][0] + u[1] * unit[d][1] + u[2] * unit[d][2]);

          if (dot > best_dot)
            {
              best_dot = dot;
              best = d;
            }
        }
      counts[best]++;
    }
  for (guint d = 0; d < 13; d++)
    weights[d] = (double) counts[d] / samples;
}

typedef struct
{
  guint64  voxels;
  double   sum[3];
  guint32  lo[3];
  guint32  hi[3];
  gboolean border;
  guint64  crossings[13];
  guint64  n_values;
  double   value_sum;
  double   value_sq;      /* sum of squared deviations, second pass */
  double   min;
  double   max;
} Brute;

/* Everything per particle by visiting every voxel and its 26 neighbours, from the label volume. */
static Brute *
brute_statistics (EvoxVolume    *volume,
                  const guint32 *labels,
                  guint32        n_labels)
{
  gsize dims[3];
  Brute *brute = g_new0 (Brute, (gsize) n_labels + 1);

  evox_volume_get_dims (volume, dims);
  for (guint32 l = 0; l <= n_labels; l++)
    {
      brute[l].lo[0] = brute[l].lo[1] = brute[l].lo[2] = G_MAXUINT32;
      brute[l].min = INFINITY;
      brute[l].max = -INFINITY;
    }
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          gsize i = (z * dims[1] + y) * dims[0] + x;
          guint32 l = labels[i];
          gsize p[3] = { x, y, z };
          Brute *b = &brute[l];
          double v;

          if (l == 0)
            continue;
          b->voxels++;
          for (guint a = 0; a < 3; a++)
            {
              b->sum[a] += p[a];
              b->lo[a] = MIN (b->lo[a], p[a]);
              b->hi[a] = MAX (b->hi[a], p[a]);
              if (p[a] == 0 || p[a] + 1 == dims[a])
                b->border = TRUE;
            }
          v = evox_test_value_at (volume, i);
          if (isfinite (v))
            {
              b->n_values++;
              b->value_sum += v;
              b->min = MIN (b->min, v);
              b->max = MAX (b->max, v);
            }
          for (guint d = 0; d < 13; d++)
            for (int sign = -1; sign <= 1; sign += 2)
              {
                gssize q[3];
                gboolean inside = TRUE;

                for (guint a = 0; a < 3; a++)
                  {
                    q[a] = (gssize) p[a] + sign * directions[d][a];
                    inside &= q[a] >= 0 && q[a] < (gssize) dims[a];
                  }
                if (!inside || labels[((gsize) q[2] * dims[1] + (gsize) q[1]) * dims[0] +
                                      (gsize) q[0]] != l)
                  b->crossings[d]++;
              }
        }
  for (gsize i = 0; i < dims[0] * dims[1] * dims[2]; i++)
    {
      double v = evox_test_value_at (volume, i);
      Brute *b = &brute[labels[i]];

      if (labels[i] != 0 && isfinite (v))
        {
          double m = b->value_sum / b->n_values;

          b->value_sq += (v - m) * (v - m);
        }
    }
  return brute;
}

static double
brute_area (const Brute  *b,
            const double  spacing[3],
            const double  weights[13])
{
  double voxel = spacing[0] * spacing[1] * spacing[2];
  double area = 0.0;

  for (guint d = 0; d < 13; d++)
    {
      double len = 0.0;

      for (guint a = 0; a < 3; a++)
        len += pow (directions[d][a] * spacing[a], 2);
      area += 2.0 * weights[d] * b->crossings[d] * voxel / sqrt (len);
    }
  return area;
}

static void
assert_close (double expected,
              double got,
              double rel)
{
  if (isnan (expected))
    {
      g_assert_true (isnan (got));
      return;
    }
  g_assert_cmpfloat_with_epsilon (got, expected, rel * MAX (1.0, fabs (expected)));
}

static void
check_statistics (EvoxVolume *volume,
                  double      lo,
                  double      hi,
                  int         connectivity)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxLabels) labels = NULL;
  g_autofree guint8 *mask = range_mask (volume, lo, hi);
  g_autofree guint32 *expected = NULL;
  g_autofree Brute *brute = NULL;
  const guint32 *got;
  double spacing[3], origin[3], weights[13];
  gsize dims[3];
  guint32 n_expected;

  evox_volume_get_dims (volume, dims);
  evox_volume_get_spacing (volume, spacing);
  evox_volume_get_origin (volume, origin);
  expected = g_new (guint32, dims[0] * dims[1] * dims[2]);
  n_expected = flood_fill (mask, dims, connectivity, expected);

  labels = evox_labels_compute (volume, 0, "phase", lo, hi, connectivity, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_nonnull (labels);
  got = evox_labels_get_data (labels);
  assert_same_partition (expected, n_expected, got, evox_labels_get_n_particles (labels),
                         dims[0] * dims[1] * dims[2]);
  g_assert_cmpuint (evox_labels_get_n_found (labels), ==, n_expected);
  g_assert_cmpuint (evox_labels_get_n_dropped (labels), ==, 0);

  test_weights (spacing, weights);
  brute = brute_statistics (volume, got, n_expected);
  for (guint32 id = 1; id <= n_expected; id++)
    {
      const EvoxParticle *p = evox_labels_get_particle (labels, id);
      const Brute *b = &brute[id];
      double voxel = spacing[0] * spacing[1] * spacing[2];
      double volume_nm3 = b->voxels * voxel;
      double area = brute_area (b, spacing, weights);

      g_assert_nonnull (p);
      g_assert_cmpuint (p->id, ==, id);
      g_assert_cmpuint (p->voxels, ==, b->voxels);
      assert_close (volume_nm3, p->volume_nm3, 1e-12);
      assert_close (cbrt (6.0 * volume_nm3 / M_PI), p->diameter_nm, 1e-12);
      for (guint a = 0; a < 3; a++)
        {
          assert_close (origin[a] + spacing[a] * b->sum[a] / b->voxels, p->centroid_nm[a],
                        1e-12);
          g_assert_cmpuint (p->bbox_min[a], ==, b->lo[a]);
          g_assert_cmpuint (p->bbox_max[a], ==, b->hi[a]);
        }
      g_assert_cmpint (!!p->touches_border, ==, !!b->border);
      /* The weights are sampled with different counts here and in the library. */
      assert_close (area, p->area_nm2, 2e-3);
      assert_close (cbrt (M_PI) * pow (6.0 * volume_nm3, 2.0 / 3.0) / area, p->sphericity,
                    2e-3);
      if (b->n_values == 0)
        {
          g_assert_true (isnan (p->mean) && isnan (p->std) && isnan (p->min) &&
                         isnan (p->max));
          continue;
        }
      assert_close (b->value_sum / b->n_values, p->mean, 1e-9);
      assert_close (sqrt (b->value_sq / b->n_values), p->std, 1e-7);
      g_assert_cmpfloat (p->min, ==, b->min);
      g_assert_cmpfloat (p->max, ==, b->max);
    }
  g_assert_null (evox_labels_get_particle (labels, 0));
  g_assert_null (evox_labels_get_particle (labels, n_expected + 1));
}

static void
test_statistics_random (void)
{
  static const gsize sizes[][3] = { { 17, 9, 13 }, { 70, 3, 40 }, { 31, 40, 120 } };
  const double spacing[3] = { 2.0, 3.0, 5.0 };
  const double origin[3] = { 10.0, -20.0, 5.0 };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (guint c = 0; c < G_N_ELEMENTS (connectivities); c++)
      {
        g_autoptr(EvoxVolume) u8 = random_volume (EVOX_SAMPLE_U8, sizes[s], 10 + s);
        g_autoptr(EvoxVolume) u16 = random_volume (EVOX_SAMPLE_U16, sizes[s], 20 + s);
        g_autoptr(EvoxVolume) f32 = random_volume (EVOX_SAMPLE_F32, sizes[s], 30 + s);
        g_autoptr(EvoxVolume) labelled = random_volume (EVOX_SAMPLE_U8, sizes[s], 40 + s);

        evox_volume_set_spacing (u8, spacing);
        evox_volume_set_origin (u8, origin);
        evox_volume_set_spacing (f32, spacing);
        check_statistics (u8, 40, 140, connectivities[c]);
        /* A label volume (0, 85, 170) and one of its values: a one-value phase. */
        {
          guint8 *v = evox_volume_get_data_mut (labelled, 0);

          for (gsize i = 0; i < sizes[s][0] * sizes[s][1] * sizes[s][2]; i++)
            v[i] = (guint8) (85 * (((const guint8 *) evox_volume_get_data (u8, 0))[i] % 3));
          evox_volume_set_spacing (labelled, spacing);
          check_statistics (labelled, 85, 85, connectivities[c]);
          check_statistics (labelled, 84.5, 85.5, connectivities[c]);
        }
        check_statistics (u16, 1000.5, 21000, connectivities[c]);
        check_statistics (f32, -1.0, 0.25, connectivities[c]);
        /* Every finite value and +inf: NaN voxels stay out, inf voxels in but not averaged. */
        check_statistics (f32, -10.0, INFINITY, connectivities[c]);
      }
}

/* Particles that cross slab boundaries (mid-plane ones too) are summed per slab and merged. */
static void
test_statistics_slabs (void)
{
  static const gsize sizes[][3] = { { 100, 37, 61 }, { 1024, 300, 2 } };
#ifdef _OPENMP
  int threads = omp_get_max_threads ();
#endif

  for (guint t = 0; t < 2; t++)
    {
#ifdef _OPENMP
      omp_set_num_threads (t == 0 ? threads : 16);
#endif
      for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
        {
          g_autoptr(EvoxVolume) volume = random_volume (EVOX_SAMPLE_U8, sizes[s], 50 + s);

          for (guint c = 0; c < G_N_ELEMENTS (connectivities); c++)
            {
              /* Near the percolation threshold, and above it. */
              check_statistics (volume, 0, 35, connectivities[c]);
              check_statistics (volume, 0, 80, connectivities[c]);
            }
        }
    }
#ifdef _OPENMP
  omp_set_num_threads (threads);
#endif
}

/* A digital ball of radius 20 voxels: the voxel count is close to 4/3 pi r^3 and the Crofton
 * area close to 4 pi r^2. Measured: volume -0.33%, area -0.34%, sphericity 1.0012 (isotropic);
 * volume -0.66%, area -0.42%, sphericity 0.9998 (spacing 1, 1, 2 nm, the ball round in nm, 10
 * voxels in z); tolerances 1% (1.5% for sphericity). A ball crosses every direction's lines
 * equally, so any weights summing to 1 give its area: this checks the digitisation and the
 * V / |d| factors; statistics-random checks the weights against the test's own. */
static void
check_ball (const double spacing[3],
            double       radius_nm)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxLabels) labels = NULL;
  const EvoxParticle *p;
  gsize dims[3];
  double c[3];
  guint8 *data;
  double area, vol;

  for (guint a = 0; a < 3; a++)
    {
      dims[a] = (gsize) ceil (2 * radius_nm / spacing[a]) + 5;
      c[a] = (dims[a] - 1) / 2.0;
    }
  volume = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  evox_volume_set_spacing (volume, spacing);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          double d = pow ((x - c[0]) * spacing[0], 2) + pow ((y - c[1]) * spacing[1], 2) +
                     pow ((z - c[2]) * spacing[2], 2);

          data[(z * dims[1] + y) * dims[0] + x] = d <= radius_nm * radius_nm ? 1 : 0;
        }
  labels = evox_labels_compute (volume, 0, NULL, 1, 1, EVOX_CONNECTIVITY_26, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 1);
  p = evox_labels_get_particle (labels, 1);
  area = 4.0 * M_PI * radius_nm * radius_nm;
  vol = 4.0 / 3.0 * M_PI * pow (radius_nm, 3);
  g_test_message ("ball r=%g nm, spacing %g %g %g: volume %+.3f%%, area %+.3f%%, "
                  "sphericity %.4f", radius_nm, spacing[0], spacing[1], spacing[2],
                  100 * (p->volume_nm3 / vol - 1), 100 * (p->area_nm2 / area - 1),
                  p->sphericity);
  g_assert_cmpfloat (fabs (p->volume_nm3 / vol - 1), <, 0.01);
  g_assert_cmpfloat (fabs (p->area_nm2 / area - 1), <, 0.01);
  g_assert_cmpfloat (fabs (p->sphericity - 1), <, 0.015);
  assert_close (2 * radius_nm, p->diameter_nm, 0.005);
  for (guint a = 0; a < 3; a++)
    assert_close (c[a] * spacing[a], p->centroid_nm[a], 1e-9);
  g_assert_false (p->touches_border);
}

static void
test_ball (void)
{
  check_ball ((const double[3]) { 1.0, 1.0, 1.0 }, 20.0);
  check_ball ((const double[3]) { 1.0, 1.0, 2.0 }, 20.0);
  check_ball ((const double[3]) { 0.5, 0.5, 0.5 }, 10.0);
}

static void
test_min_size (void)
{
  const gsize dims[3] = { 40, 30, 20 };
  g_autoptr(EvoxVolume) volume = random_volume (EVOX_SAMPLE_U8, dims, 5);
  g_autofree guint8 *mask = range_mask (volume, 0, 90);
  g_autofree guint32 *expected = g_new (guint32, 40 * 30 * 20);
  const guint64 min_size = 4;
  guint32 n_expected = flood_fill (mask, dims, 6, expected);
  g_autofree guint64 *sizes = g_new0 (guint64, n_expected + 1);
  g_autofree guint32 *renumber = g_new0 (guint32, n_expected + 1);
  g_autoptr(EvoxLabels) labels = NULL;
  g_autoptr(GError) error = NULL;
  const guint32 *got;
  guint32 kept = 0;

  for (gsize i = 0; i < 40 * 30 * 20; i++)
    sizes[expected[i]]++;
  for (guint32 l = 1; l <= n_expected; l++)
    if (sizes[l] >= min_size)
      renumber[l] = ++kept;
  g_assert_cmpuint (kept, >, 10);
  g_assert_cmpuint (kept, <, n_expected - 10);

  labels = evox_labels_compute (volume, 0, NULL, 0, 90, EVOX_CONNECTIVITY_6, min_size, NULL,
                                NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_found (labels), ==, n_expected);
  g_assert_cmpuint (evox_labels_get_n_dropped (labels), ==, n_expected - kept);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, kept);
  g_assert_cmpuint (evox_labels_get_min_size (labels), ==, min_size);
  got = evox_labels_get_data (labels);
  /* Kept components keep their raster order: the flood fill's numbers, renumbered. */
  for (gsize i = 0; i < 40 * 30 * 20; i++)
    g_assert_cmpuint (got[i], ==, renumber[expected[i]]);
  for (guint32 l = 1; l <= n_expected; l++)
    if (renumber[l] != 0)
      g_assert_cmpuint (evox_labels_get_particle (labels, renumber[l])->voxels, ==, sizes[l]);
}

/* A particle made only of +inf voxels has no finite values: NaN statistics. */
static void
test_nonfinite (void)
{
  const gsize dims[3] = { 5, 4, 3 };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (5, 4, 3, 1, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxLabels) labels = NULL;
  float *data = evox_volume_get_data_mut (volume, 0);
  const EvoxParticle *p;

  for (gsize i = 0; i < 60; i++)
    data[i] = NAN;
  data[0] = INFINITY;               /* particle 1 */
  data[1] = INFINITY;
  data[3] = 2.0f;                   /* particle 2: 2, NaN neighbour between, 4 */
  data[5 * 4 * 2 + 5 + 3] = 4.0f;   /* (3, 1, 2) */
  data[5 * 4 + 3] = 3.0f;           /* (3, 0, 1), joins (3,0,0) and (3,1,2) with 26 */
  labels = evox_labels_compute (volume, 0, NULL, -INFINITY, INFINITY, EVOX_CONNECTIVITY_26, 0,
                                NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 2);
  p = evox_labels_get_particle (labels, 1);
  g_assert_cmpuint (p->voxels, ==, 2);
  g_assert_true (isnan (p->mean) && isnan (p->std) && isnan (p->min) && isnan (p->max));
  p = evox_labels_get_particle (labels, 2);
  g_assert_cmpuint (p->voxels, ==, 3);
  g_assert_cmpfloat_with_epsilon (p->mean, 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (p->std, sqrt (2.0 / 3.0), 1e-12);
  g_assert_cmpfloat (p->min, ==, 2.0);
  g_assert_cmpfloat (p->max, ==, 4.0);
  (void) dims;

  /* NaN is never in a range, even one spanning every float. */
  g_clear_object (&labels);
  labels = evox_labels_compute (volume, 0, NULL, -G_MAXFLOAT, G_MAXFLOAT,
                                EVOX_CONNECTIVITY_26, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 1);
  g_assert_cmpuint (evox_labels_get_label (labels, 0, 0, 0), ==, 0);
  g_assert_cmpuint (evox_labels_get_label (labels, 3, 0, 0), ==, 1);
}

/* Range edges between floats, and integer data with fractional edges. */
static void
test_range_edges (void)
{
  const gsize dims[3] = { 6, 1, 1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) f32 = evox_volume_new (6, 1, 1, 1, EVOX_SAMPLE_F32, &error);
  g_autoptr(EvoxVolume) u16 = evox_volume_new (6, 1, 1, 1, EVOX_SAMPLE_U16, &error);
  g_autoptr(EvoxLabels) labels = NULL;
  float *f = evox_volume_get_data_mut (f32, 0);
  guint16 *u = evox_volume_get_data_mut (u16, 0);
  const float values[6] = { 0.1f, 5.0f, 0.1f, 0.3f, 0.1f, 0.0f };
  const guint16 ints[6] = { 3, 4, 0, 65535, 5, 4 };

  memcpy (f, values, sizeof values);
  memcpy (u, ints, sizeof ints);
  /* 0.1f is slightly above 0.1 (double) and 0.3f above 0.3: 0.1f is in [0.1, 0.3] but not
   * in [0.0, 0.1], 0.3f in neither (comparing with 0.3 rounded to float would join 2..4). */
  labels = evox_labels_compute (f32, 0, NULL, 0.1, 0.3, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 3);
  g_clear_object (&labels);
  labels = evox_labels_compute (f32, 0, NULL, 0.0, 0.1, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 1);
  g_assert_cmpuint (evox_labels_get_label (labels, 5, 0, 0), ==, 1);
  g_clear_object (&labels);

  labels = evox_labels_compute (u16, 0, "ints", 3.5, 65535.5, EVOX_CONNECTIVITY_6, 0, NULL,
                                NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 2);
  g_assert_cmpuint (evox_labels_get_label (labels, 1, 0, 0), ==, 1);
  g_assert_cmpuint (evox_labels_get_label (labels, 3, 0, 0), ==, 2);
  g_assert_cmpfloat (evox_labels_get_particle (labels, 2)->max, ==, 65535.0);
  g_assert_cmpstr (evox_labels_get_phase_name (labels), ==, "ints");
  g_clear_object (&labels);

  /* Nothing can be in [4.2, 4.8] for integers. */
  labels = evox_labels_compute (u16, 0, NULL, 4.2, 4.8, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 0);
  (void) dims;
}

static void
test_u16 (void)
{
  const gsize dims[3] = { 45, 38, 27 };
  g_autoptr(EvoxVolume) volume = random_volume (EVOX_SAMPLE_U16, dims, 77);

  for (guint c = 0; c < G_N_ELEMENTS (connectivities); c++)
    check_statistics (volume, 20000, 45000, connectivities[c]);
}

static void
test_errors (void)
{
  const gsize dims[3] = { 8, 8, 8 };
  g_autoptr(EvoxVolume) volume = random_volume (EVOX_SAMPLE_F32, dims, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *mask = random_mask (dims, 0.5, 3);
  guint32 labels[512];
  EvoxLabels *result;

  result = evox_labels_compute (volume, 0, NULL, 2.0, 1.0, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_null (result);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "[2, 1]"));
  g_clear_error (&error);

  result = evox_labels_compute (volume, 0, NULL, NAN, 1.0, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_assert_null (result);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  result = evox_labels_compute (volume, 0, NULL, 0.0, 1.0, EVOX_CONNECTIVITY_6, 0, NULL,
                                cancellable, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_false (evox_label_components (mask, dims, EVOX_CONNECTIVITY_26, labels, NULL, NULL,
                                         cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* The label volume is checked against the memory cap before anything is allocated. */
  g_setenv ("EVOX_MEMORY_LIMIT", "1K", TRUE);
  result = evox_labels_compute (volume, 0, NULL, 0.0, 1.0, EVOX_CONNECTIVITY_6, 0, NULL, NULL,
                                &error);
  g_unsetenv ("EVOX_MEMORY_LIMIT");
  g_assert_null (result);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE);
}

/* A cancellable fired from another thread while a large volume is labelled stops it promptly. */
static gpointer
cancel_soon (gpointer data)
{
  g_usleep (20000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_cancel_running (void)
{
  const gsize dims[3] = { 256, 256, 256 };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (256, 256, 256, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  GThread *thread;
  EvoxLabels *result;
  gint64 start, elapsed;

  for (gsize i = 0; i < 256 * 256 * 256; i++)
    data[i] = g_rand_int_range (rand, 0, 2);
  thread = g_thread_new ("cancel", cancel_soon, cancellable);
  start = g_get_monotonic_time ();
  /* Repeat until a run is caught in the middle. */
  do
    {
      result = evox_labels_compute (volume, 0, NULL, 1, 1, EVOX_CONNECTIVITY_26, 0, NULL,
                                    cancellable, &error);
      g_clear_object (&result);
    }
  while (error == NULL);
  elapsed = g_get_monotonic_time () - start;
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("cancelled after %.1f ms", elapsed / 1000.0);
  (void) dims;
}

typedef struct
{
  GMainLoop  *loop;
  EvoxLabels *labels;
  GError     *error;
} AsyncData;

static void
computed (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AsyncData *data = user_data;

  data->labels = evox_labels_compute_finish (result, &data->error);
  g_main_loop_quit (data->loop);
}

static void
test_async (void)
{
  const gsize dims[3] = { 60, 50, 40 };
  const double spacing[3] = { 10.0, 20.0, 40.0 };
  g_autoptr(EvoxVolume) volume = random_volume (EVOX_SAMPLE_U8, dims, 44);
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EvoxLabels) sync = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stage = NULL;
  AsyncData data = { loop, NULL, NULL };
  double lo, hi;

  evox_volume_set_spacing (volume, spacing);
  sync = evox_labels_compute (volume, 0, "grains", 100, 200, EVOX_CONNECTIVITY_18, 3, NULL,
                              NULL, &error);
  g_assert_no_error (error);

  evox_labels_compute_async (volume, 0, "grains", 100, 200, EVOX_CONNECTIVITY_18, 3, progress,
                             NULL, computed, &data);
  g_main_loop_run (loop);
  g_assert_no_error (data.error);
  g_assert_nonnull (data.labels);
  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);
  stage = evox_progress_dup_stage (progress);
  g_assert_cmpstr (stage, ==, "Measuring particles");
  g_assert_true (evox_labels_get_volume (data.labels) == volume);
  g_assert_cmpuint (evox_labels_get_channel (data.labels), ==, 0);
  g_assert_cmpstr (evox_labels_get_phase_name (data.labels), ==, "grains");
  evox_labels_get_range (data.labels, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 100);
  g_assert_cmpfloat (hi, ==, 200);
  g_assert_cmpint (evox_labels_get_connectivity (data.labels), ==, EVOX_CONNECTIVITY_18);
  g_assert_cmpuint (evox_labels_get_n_particles (data.labels), ==,
                    evox_labels_get_n_particles (sync));
  g_assert_cmpmem (evox_labels_get_data (data.labels), 60 * 50 * 40 * sizeof (guint32),
                   evox_labels_get_data (sync), 60 * 50 * 40 * sizeof (guint32));
  /* Particles per um^3: the volume is 0.6 x 1.0 x 1.6 um. */
  g_assert_cmpfloat_with_epsilon (evox_labels_get_number_density (data.labels),
                                  evox_labels_get_n_particles (sync) / (0.6 * 1.0 * 1.6),
                                  1e-9);
  g_clear_object (&data.labels);

  g_cancellable_cancel (cancellable);
  evox_labels_compute_async (volume, 0, NULL, 100, 200, EVOX_CONNECTIVITY_18, 0, NULL,
                             cancellable, computed, &data);
  g_main_loop_run (loop);
  g_assert_null (data.labels);
  g_assert_error (data.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&data.error);
}

/* The real segmented electrode: component counts equal the flood fill's. */
static void
test_electrode (void)
{
  static const struct { guint8 value; int connectivity; } cases[] = {
    { 85, 6 }, { 85, 26 }, { 170, 26 },
  };
  g_autofree char *path = evox_test_data_path ("tomo/electrode.tiff");
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  gsize dims[3], n;
  const guint8 *data;

  if (path == NULL)
    return;
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (evox_volume_get_sample_type (volume), ==, EVOX_SAMPLE_U8);
  evox_volume_get_dims (volume, dims);
  n = dims[0] * dims[1] * dims[2];
  data = evox_volume_get_data (volume, 0);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree guint8 *mask = g_new (guint8, n);
      g_autofree guint32 *expected = g_new (guint32, n);
      g_autoptr(EvoxLabels) labels = NULL;
      guint32 n_expected;

      for (gsize i = 0; i < n; i++)
        mask[i] = data[i] == cases[c].value;
      n_expected = flood_fill (mask, dims, cases[c].connectivity, expected);
      labels = evox_labels_compute (volume, 0, NULL, cases[c].value, cases[c].value,
                                    cases[c].connectivity, 0, NULL, NULL, &error);
      g_assert_no_error (error);
      g_test_message ("electrode value %u, %d-connected: %u particles", cases[c].value,
                      cases[c].connectivity, n_expected);
      g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, n_expected);
      assert_same_partition (expected, n_expected, evox_labels_get_data (labels), n_expected,
                             n);
    }
}

/* Several phases into one shared label volume against each phase labelled on its own (the
 * path before it) and the flood fill: the same particles with the same numbers, the same label
 * volume through get_label and get_data, and the shared volume holding offset + id. */
static void
check_phases_shared (EvoxVolume    *volume,
                     guint          n_phases,
                     const double  *lo,
                     const double  *hi,
                     int            connectivity,
                     guint64        min_size,
                     guint          expect_bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) shared = NULL;
  gsize dims[3], n = evox_volume_get_n_voxels (volume);
  guint32 offset = 0;

  evox_volume_get_dims (volume, dims);
  shared = evox_labels_compute_phases (volume, 0, n_phases, NULL, lo, hi, connectivity,
                                       min_size, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shared->len, ==, n_phases);
  for (guint k = 0; k < n_phases; k++)
    {
      g_autoptr(EvoxLabels) alone = evox_labels_compute (volume, 0, NULL, lo[k], hi[k],
                                                         connectivity, min_size, NULL, NULL,
                                                         &error);
      EvoxLabels *labels = shared->pdata[k];
      const guint32 *own = evox_labels_get_data (alone);
      g_autofree guint8 *mask = range_mask (volume, lo[k], hi[k]);
      g_autofree guint32 *filled = g_new (guint32, MAX (n, 1));
      guint32 n_filled = flood_fill (mask, dims, connectivity, filled);
      guint32 at = G_MAXUINT32;
      guint bytes = 0;
      gconstpointer store = evox_labels_get_shared_data (labels, &at, &bytes);
      guint n_particles = evox_labels_get_n_particles (labels);

      g_assert_no_error (error);
      g_assert_nonnull (store);
      g_assert_cmpuint (bytes, ==, expect_bytes);
      g_assert_cmpuint (at, ==, offset);
      g_assert_null (evox_labels_get_shared_data (alone, NULL, NULL));
      g_assert_cmpuint (n_particles, ==, evox_labels_get_n_particles (alone));
      g_assert_cmpuint (evox_labels_get_n_found (labels), ==, n_filled);
      g_assert_cmpuint (evox_labels_get_n_dropped (labels), ==,
                        evox_labels_get_n_dropped (alone));
      if (min_size <= 1)
        assert_same_partition (filled, n_filled, own, n_particles, n);
      for (guint32 id = 1; id <= n_particles; id++)
        g_assert_cmpmem (evox_labels_get_particle (labels, id), sizeof (EvoxParticle),
                         evox_labels_get_particle (alone, id), sizeof (EvoxParticle));
      for (gsize i = 0; i < n; i++)
        {
          guint32 v = bytes == 2 ? ((const guint16 *) store)[i] : ((const guint32 *) store)[i];
          gsize x = i % dims[0], y = (i / dims[0]) % dims[1], z = i / (dims[0] * dims[1]);

          g_assert_cmpuint (evox_labels_get_label (labels, x, y, z), ==, own[i]);
          if (own[i] != 0)
            g_assert_cmpuint (v, ==, own[i] + offset);
        }
      g_assert_cmpmem (evox_labels_get_data (labels), n * sizeof (guint32), own,
                       n * sizeof (guint32));
      offset += n_particles;
    }
}

static void
test_phases_shared (void)
{
  const gsize dims[3] = { 41, 23, 19 };
  g_autoptr(EvoxVolume) u8 = random_volume (EVOX_SAMPLE_U8, dims, 71);
  g_autoptr(EvoxVolume) f32 = random_volume (EVOX_SAMPLE_F32, dims, 72);
  /* Three disjoint value ranges covering most voxels, as a segmented electrode's phases. */
  const double lo[] = { 0, 90, 200 }, hi[] = { 89, 199, 255 };
  const double flo[] = { -3, -1, 0.5 }, fhi[] = { -1.5, 0.4, 3 };

  for (guint c = 0; c < G_N_ELEMENTS (connectivities); c++)
    {
      check_phases_shared (u8, 3, lo, hi, connectivities[c], 0, 2);
      check_phases_shared (f32, 3, flo, fhi, connectivities[c], 0, 2);
    }
  /* The size filter renumbers each phase before it moves up. */
  check_phases_shared (u8, 3, lo, hi, 6, 3, 2);
  check_phases_shared (u8, 1, lo + 1, hi + 1, 26, 0, 2);
}

/* More than 65,535 ids: the shared volume widens to u32 when the second phase (single voxels
 * of a checkerboard, each its own 6-connected particle) takes the count past u16, keeping the
 * first phase's ids; and a label TIFF written from it equals one written from separate labels. */
static void
test_phases_widen (void)
{
  const gsize dims[3] = { 64, 64, 40 };
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U8,
                                                  &error);
  guint8 *v = evox_volume_get_data_mut (volume, 0);
  const double lo[] = { 3, 1 }, hi[] = { 3, 1 };
  g_autoptr(GPtrArray) shared = NULL;
  g_autoptr(GPtrArray) separate = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *dir = g_dir_make_tmp ("evox-labels-XXXXXX", NULL);
  g_autofree char *a = g_build_filename (dir, "shared.tif", NULL);
  g_autofree char *b = g_build_filename (dir, "separate.tif", NULL);
  g_autofree char *da = NULL, *db = NULL;
  gsize la, lb;

  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        v[(z * dims[1] + y) * dims[0] + x] = z < 4 ? (x < 10 || x > 50 ? 3 : 0)
                                                   : (x + y + z) % 2 ? 1 : 0;
  check_phases_shared (volume, 2, lo, hi, 6, 0, 4);

  shared = evox_labels_compute_phases (volume, 0, 2, NULL, lo, hi, 6, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (shared->pdata[0]), ==, 2);
  g_assert_cmpuint (evox_labels_get_n_particles (shared->pdata[1]), ==, 64 * 64 * 36 / 2);
  for (guint k = 0; k < 2; k++)
    g_ptr_array_add (separate, evox_labels_compute (volume, 0, NULL, lo[k], hi[k], 6, 0, NULL,
                                                    NULL, &error));
  g_assert_true (evox_tiff_write_labels (a, (EvoxLabels * const *) shared->pdata, 2, 0, 0,
                                         &error));
  g_assert_true (evox_tiff_write_labels (b, (EvoxLabels * const *) separate->pdata, 2, 0, 0,
                                         &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (b, &db, &lb, NULL));
  g_assert_cmpmem (da, la, db, lb);
  g_unlink (a);
  g_unlink (b);
  g_rmdir (dir);
}

/* Errors name the phase (not a cancellation), and a NULL error is allowed. */
static void
test_phases_errors (void)
{
  const gsize dims[3] = { 9, 8, 7 };
  g_autoptr(EvoxVolume) volume = random_volume (EVOX_SAMPLE_U8, dims, 5);
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  const char *names[] = { "am", "cbd" };
  const double lo[] = { 0, 200 }, hi[] = { 100, NAN };
  g_autoptr(GError) error = NULL;
  GPtrArray *all;

  all = evox_labels_compute_phases (volume, 0, 2, names, lo, hi, 26, 0, NULL, NULL, &error);
  g_assert_null (all);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_true (g_str_has_prefix (error->message, "phase 'cbd': "));
  g_assert_null (evox_labels_compute_phases (volume, 0, 2, names, lo, hi, 26, 0, NULL, NULL,
                                             NULL));
  g_clear_error (&error);
  g_cancellable_cancel (cancelled);
  all = evox_labels_compute_phases (volume, 0, 1, names, lo, hi, 26, 0, NULL, cancelled, &error);
  g_assert_null (all);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_str_has_prefix (error->message, "phase"));
  g_assert_null (evox_labels_compute_phases (volume, 0, 1, names, lo, hi, 26, 0, NULL, cancelled,
                                             NULL));
}

/* The electrode's two solid phases, as `evox segment --labels` labels them: one shared u16
 * volume, equal to labelling each phase alone. */
static void
test_electrode_phases (void)
{
  g_autofree char *path = evox_test_data_path ("tomo/electrode.tiff");
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(GError) error = NULL;
  const double lo[] = { 85, 170 }, hi[] = { 85, 170 };

  if (path == NULL)
    return;
  volume = evox_tiff_read (path, NULL, NULL, &error);
  g_assert_no_error (error);
  check_phases_shared (volume, 2, lo, hi, 26, 0, 2);
}

/* The colour tables behind "Colour by": three rods of 1, 10 and 100 voxels along x (ids 1, 2,
 * 3 in raster order), the middle one at t = 0.5 on the log scale of sizes, diameters on a linear
 * scale, label 0 and NONE uncoloured. */
static void
test_colors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (100, 5, 1, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxLabels) labels = NULL;
  g_autofree guint8 *sizes = NULL;
  g_autofree guint8 *diameters = NULL;
  g_autofree guint8 *ids = NULL;
  const guint8 (*viridis)[3] = evox_colormap_get_table ("viridis");
  guint8 *data = evox_volume_get_data_mut (volume, 0);
  const guint lengths[3] = { 1, 10, 100 };
  double lo, hi;
  gsize n = 99;

  g_assert_no_error (error);
  for (guint r = 0; r < 3; r++)
    memset (data + (r * 2) * 100, 7, lengths[r]);
  evox_volume_freeze (volume);
  labels = evox_labels_compute (volume, 0, NULL, 7, 7, 6, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 3);

  g_assert_null (evox_labels_dup_colors (labels, EVOX_PARTICLE_COLOR_NONE, "viridis", &n));
  g_assert_cmpuint (n, ==, 0);
  g_assert_true (evox_particle_color_is_log (EVOX_PARTICLE_COLOR_VOXELS));
  g_assert_true (evox_labels_get_color_range (labels, EVOX_PARTICLE_COLOR_VOXELS, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 1);
  g_assert_cmpfloat (hi, ==, 100);
  sizes = evox_labels_dup_colors (labels, EVOX_PARTICLE_COLOR_VOXELS, "viridis", &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpuint (sizes[3], ==, 0);
  for (guint id = 1; id <= 3; id++)
    {
      /* log10 of 1, 10, 100 over log10 100: 0, 0.5, 1; round (127.5) is entry 128. */
      const guint entry[] = { 0, 0, 128, 255 };

      g_assert_cmpmem (sizes + id * 4, 3, viridis[entry[id]], 3);
      g_assert_cmpuint (sizes[id * 4 + 3], ==, 255);
    }

  diameters = evox_labels_dup_colors (labels, EVOX_PARTICLE_COLOR_DIAMETER, "viridis", &n);
  for (guint id = 1; id <= 3; id++)
    {
      double d[3];
      guint entry;

      for (guint k = 0; k < 3; k++)
        d[k] = cbrt (6.0 * lengths[k] / G_PI);
      entry = (guint) lround (255.0 * (d[id - 1] - d[0]) / (d[2] - d[0]));
      g_assert_cmpmem (diameters + id * 4, 3, viridis[entry], 3);
    }

  ids = evox_labels_dup_colors (labels, EVOX_PARTICLE_COLOR_ID, NULL, &n);
  g_assert_cmpuint (n, ==, 4);
  g_assert_true (memcmp (ids + 4, ids + 8, 3) != 0);
  g_assert_true (memcmp (ids + 8, ids + 12, 3) != 0);
  g_assert_cmpfloat (evox_particle_color_value (evox_labels_get_particle (labels, 2),
                                                EVOX_PARTICLE_COLOR_BORDER), ==, 1.0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Labels/colors", test_colors);
  g_test_add_func ("/Evox/Labels/kernel-random", test_kernel_random);
  g_test_add_func ("/Evox/Labels/kernel-slabs", test_kernel_slabs);
  g_test_add_func ("/Evox/Labels/kernel-shapes", test_kernel_shapes);
  g_test_add_func ("/Evox/Labels/statistics-random", test_statistics_random);
  g_test_add_func ("/Evox/Labels/statistics-slabs", test_statistics_slabs);
  g_test_add_func ("/Evox/Labels/ball", test_ball);
  g_test_add_func ("/Evox/Labels/min-size", test_min_size);
  g_test_add_func ("/Evox/Labels/nonfinite", test_nonfinite);
  g_test_add_func ("/Evox/Labels/range-edges", test_range_edges);
  g_test_add_func ("/Evox/Labels/u16", test_u16);
  g_test_add_func ("/Evox/Labels/errors", test_errors);
  g_test_add_func ("/Evox/Labels/cancel-running", test_cancel_running);
  g_test_add_func ("/Evox/Labels/async", test_async);
  g_test_add_func ("/Evox/Labels/electrode", test_electrode);
  g_test_add_func ("/Evox/Labels/phases-shared", test_phases_shared);
  g_test_add_func ("/Evox/Labels/phases-widen", test_phases_widen);
  g_test_add_func ("/Evox/Labels/phases-errors", test_phases_errors);
  g_test_add_func ("/Evox/Labels/electrode-phases", test_electrode_phases);
  return g_test_run ();
}

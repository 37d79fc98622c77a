/* evox-interface-area.c: specific surface area of the interface between two phases. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-interface-area.h"
#include "evox-isosurface.h"
#include "evox-labels.h"
#include "evox-types.h"

/* A particle's Crofton estimate counts, along each lattice line, the changes between "in the
 * particle" and "not in it". Between two phases a line may pass a -> c -> b through a third
 * phase: that is two other interfaces, not this one, so only direct a/b neighbours count. Every
 * a/b change is one crossing of the interface by the line, and the Cauchy-Crofton formula turns
 * crossings per direction into area exactly as for a particle; with b the complement of a inside
 * the volume the estimate is the particle's area less the volume faces. */

static gboolean
check_arguments (guint8              a,
                 guint8              b,
                 const double        spacing[3],
                 EvoxInterfaceArea  *result,
                 GError            **error)
{
  memset (result, 0, sizeof *result);
  if (a == b)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "An interface needs two different phases");
      return FALSE;
    }
  if (!(spacing[0] > 0.0 && spacing[1] > 0.0 && spacing[2] > 0.0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Surface area needs a positive voxel spacing");
      return FALSE;
    }
  return TRUE;
}

static void
finish_result (EvoxInterfaceArea *result,
               const gsize        dims[3],
               const double       spacing[3],
               double             area_nm2,
               guint64            voxels_a,
               guint64            voxels_b)
{
  const double voxel_volume = spacing[0] * spacing[1] * spacing[2];
  const gsize n = dims[0] * dims[1] * dims[2];

  result->voxels_a = voxels_a;
  result->voxels_b = voxels_b;
  result->area_nm2 = area_nm2;
  result->volume_nm3 = (double) n * voxel_volume;
  result->per_volume = n > 0 ? area_nm2 / result->volume_nm3 : NAN;
  result->per_volume_a = voxels_a > 0 ? area_nm2 / (voxels_a * voxel_volume) : NAN;
  result->per_volume_b = voxels_b > 0 ? area_nm2 / (voxels_b * voxel_volume) : NAN;
}

/**
 * evox_interface_area:
 * @progress: (nullable): stage "Interface area"
 */
gboolean
evox_interface_area (const guint8       *phases,
                     const gsize         dims[3],
                     const double        spacing[3],
                     guint8              a,
                     guint8              b,
                     EvoxInterfaceArea  *result,
                     EvoxProgress       *progress,
                     GCancellable       *cancellable,
                     GError            **error)
{
  const gsize nx = dims[0], ny = dims[1], nz = dims[2];
  const gsize n = nx * ny * nz;
  int dir[13][3];
  double factors[13];
  guint64 crossings[13] = { 0 };
  guint64 voxels_a = 0, voxels_b = 0;
  double area = 0.0;
  EvoxWorkMonitor monitor;

  g_return_val_if_fail (dims != NULL && spacing != NULL && result != NULL, FALSE);
  g_return_val_if_fail (n == 0 || phases != NULL, FALSE);

  if (!check_arguments (a, b, spacing, result, error))
    return FALSE;
  _evox_crofton_factors (spacing, dir, factors);

  evox_progress_set_stage (progress, "Interface area", 0.0, 1.0);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0, nz);
#pragma omp parallel reduction(+:voxels_a, voxels_b)
  {
    guint64 local[13] = { 0 };

#pragma omp for schedule(dynamic, 1)
    for (gsize z = 0; z < nz; z++)
      {
        if (_evox_work_monitor_stopped (&monitor))
          continue;
        for (gsize y = 0; y < ny; y++)
          {
            const guint8 *row = phases + (z * ny + y) * nx;

            for (gsize x = 0; x < nx; x++)
              {
                voxels_a += row[x] == a;
                voxels_b += row[x] == b;
              }
            for (guint d = 0; d < 13; d++)
              {
                gssize y2 = (gssize) y + dir[d][1], z2 = (gssize) z + dir[d][2];
                gssize dx = dir[d][0];
                const guint8 *row2;
                gsize x0, x1;
                guint64 count = 0;

                if (y2 < 0 || y2 >= (gssize) ny || z2 < 0 || z2 >= (gssize) nz)
                  continue;
                row2 = phases + ((gsize) z2 * ny + (gsize) y2) * nx;
                /* x + dx must stay inside the row. */
                x0 = dx < 0 ? 1 : 0;
                x1 = dx > 0 ? nx - 1 : nx;
                for (gsize x = x0; x < x1; x++)
                  {
                    guint8 p = row[x], q = row2[(gssize) x + dx];

                    count += (p == a && q == b) | (p == b && q == a);
                  }
                local[d] += count;
              }
          }
        _evox_work_monitor_step (&monitor, 1);
      }
#pragma omp critical
    for (guint d = 0; d < 13; d++)
      crossings[d] += local[d];
  }
  if (_evox_work_monitor_stopped (&monitor))
    return !g_cancellable_set_error_if_cancelled (cancellable, error);

  memcpy (result->crossings, crossings, sizeof crossings);
  for (guint d = 0; d < 13; d++)
    area += factors[d] * (double) crossings[d];
  finish_result (result, dims, spacing, area, voxels_a, voxels_b);
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* The mesh method */

/* The smoothed surface of a set of phases is the one the Surfaces page draws for a phase (the
 * 0/255 mask smoothed with EVOX_SURFACE_SMOOTH_SIGMA and contoured at the level that keeps its
 * voxel count), except at the volume's faces: there the mask is mirrored rather than closed,
 * because a face is no interface. The mask is padded by the smoothing's reach plus one voxel,
 * so every grid point of the cubes that reach into the volume (those up to one voxel outside)
 * smooths exactly as with mirrored data everywhere, and the surface is cut at the volume's
 * box, half a voxel beyond the outer voxel centres. A flat interface meeting a face at right
 * angles then stays flat up to it and has its exact area. */
#define MIRROR_MARGIN (_EVOX_SMOOTH_RADIUS + 1)

/* Index i of a padded line as an index of the n voxels mirrored about their outer faces. */
static gsize
mirror_index (gssize i,
              gsize  n)
{
  gssize period = 2 * (gssize) n;

  i %= period;
  if (i < 0)
    i += period;
  return i < (gssize) n ? (gsize) i : (gsize) (period - 1 - i);
}

/* The area of polygon poly (n points) clipped to lo <= p[axis] (sign 1) or p[axis] <= hi
 * (sign -1); Sutherland and Hodgman, one plane at a time. */
static guint
clip_polygon (double       poly[][3],
              guint        n,
              guint        axis,
              double       bound,
              double       sign)
{
  double out[12][3];
  guint m = 0;

  for (guint i = 0; i < n; i++)
    {
      const double *p = poly[i], *q = poly[(i + 1) % n];
      double dp = sign * (p[axis] - bound), dq = sign * (q[axis] - bound);

      if (dp >= 0.0)
        memcpy (out[m++], p, sizeof out[0]);
      if ((dp >= 0.0) != (dq >= 0.0))
        {
          double t = dp / (dp - dq);

          for (guint k = 0; k < 3; k++)
            out[m][k] = p[k] + t * (q[k] - p[k]);
          m++;
        }
    }
  memcpy (poly, out, m * sizeof out[0]);
  return m;
}

static double
polygon_area (double poly[][3],
              guint  n)
{
  double sum[3] = { 0.0, 0.0, 0.0 };

  for (guint i = 1; i + 1 < n; i++)
    {
      double u[3], v[3];

      for (guint k = 0; k < 3; k++)
        {
          u[k] = poly[i][k] - poly[0][k];
          v[k] = poly[i + 1][k] - poly[0][k];
        }
      sum[0] += u[1] * v[2] - u[2] * v[1];
      sum[1] += u[2] * v[0] - u[0] * v[2];
      sum[2] += u[0] * v[1] - u[1] * v[0];
    }
  return 0.5 * sqrt (sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]);
}

/* The area of mesh inside the box lo..hi (nm). */
static double
area_in_box (EvoxMesh     *mesh,
             const double  lo[3],
             const double  hi[3])
{
  const float *positions = evox_mesh_get_positions (mesh);
  const guint32 *triangles = evox_mesh_get_triangles (mesh);
  gsize n_triangles = evox_mesh_get_n_triangles (mesh);
  double area = 0.0;

#pragma omp parallel for schedule(static) reduction(+:area)
  for (gsize t = 0; t < n_triangles; t++)
    {
      /* Six planes add at most six points to a triangle. */
      double poly[12][3];
      guint n = 3;

      for (guint i = 0; i < 3; i++)
        for (guint k = 0; k < 3; k++)
          poly[i][k] = positions[3 * (gsize) triangles[3 * t + i] + k];
      for (guint k = 0; k < 3 && n >= 3; k++)
        {
          n = clip_polygon (poly, n, k, lo[k], 1.0);
          if (n >= 3)
            n = clip_polygon (poly, n, k, hi[k], -1.0);
        }
      if (n >= 3)
        area += polygon_area (poly, n);
    }
  return area;
}

/* The area (nm^2) inside the volume's box of the smoothed surface of the voxels holding s1 or
 * s2; their count in n_inside. */
static gboolean
smoothed_area (const guint8   *phases,
               const gsize     dims[3],
               const double    spacing[3],
               guint8          s1,
               guint8          s2,
               double         *area,
               guint64        *n_inside,
               EvoxProgress   *progress,
               GCancellable   *cancellable,
               GError        **error)
{
  const gsize m = MIRROR_MARGIN;
  const gsize px = dims[0] + 2 * m, py = dims[1] + 2 * m, pz = dims[2] + 2 * m;
  const gsize padded_dims[3] = { px, py, pz };
  g_auto (EvoxLargeBuffer) mask = NULL;
  g_autoptr (EvoxMesh) mesh = NULL;
  guint64 hist[256] = { 0 };
  guint64 count = 0;
  EvoxWorkMonitor monitor;
  EvoxField field = { 0 };
  double lo[3], hi[3];
  guint8 *padded;

  *area = 0.0;
  *n_inside = 0;
  if (!evox_check_allocation ((guint64) px * py * pz, 1, "The mask of the interface", error))
    return FALSE;
  mask = _evox_alloc_large (px * py * pz);
  if (mask == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The mask of the interface does not fit in memory");
      return FALSE;
    }
  padded = mask;

  evox_progress_set_stage (progress, "Masking", 0.0, 0.1);
#pragma omp parallel for schedule(static) reduction(+:count)
  for (gsize r = 0; r < py * pz; r++)
    {
      gsize y = mirror_index ((gssize) (r % py) - (gssize) m, dims[1]);
      gsize z = mirror_index ((gssize) (r / py) - (gssize) m, dims[2]);
      gboolean inner_row = r % py >= m && r % py < m + dims[1] &&
                           r / py >= m && r / py < m + dims[2];
      const guint8 *row = phases + (z * dims[1] + y) * dims[0];
      guint8 *out = padded + r * px;

      for (gsize x = 0; x < px; x++)
        {
          guint8 v = row[mirror_index ((gssize) x - (gssize) m, dims[0])];

          out[x] = (v == s1 || v == s2) ? 255 : 0;
        }
      if (inner_row)
        for (gsize x = m; x < m + dims[0]; x++)
          count += out[x] != 0;
    }
  *n_inside = count;
  if (count == 0 || count == (guint64) dims[0] * dims[1] * dims[2])
    return TRUE;

  evox_progress_set_stage (progress, "Smoothing", 0.1, 0.5);
  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 1.0,
                            3 * (guint64) px * py * pz);
  if (!_evox_smooth_mask (padded, padded_dims, &monitor))
    return !g_cancellable_set_error_if_cancelled (cancellable, error);
  /* The level keeps the volume's own voxel count, as the phase's surface does. */
  for (gsize z = m; z < m + dims[2]; z++)
    for (gsize y = m; y < m + dims[1]; y++)
      {
        const guint8 *row = padded + (z * py + y) * px + m;

        for (gsize x = 0; x < dims[0]; x++)
          hist[row[x]]++;
      }

  field.data = padded;
  field.type = EVOX_SAMPLE_U8;
  for (guint k = 0; k < 3; k++)
    {
      field.dims[k] = padded_dims[k];
      field.spacing[k] = spacing[k];
      field.origin[k] = -(double) m * spacing[k];
      lo[k] = -0.5 * spacing[k];
      hi[k] = ((double) dims[k] - 0.5) * spacing[k];
    }
  evox_progress_set_stage (progress, "Contouring", 0.5, 1.0);
  evox_progress_push (progress, 0.5, 1.0);
  mesh = evox_flying_edges (&field, _evox_volume_preserving_level (hist, count),
                            EVOX_FLYING_EDGES_DEFAULT, progress, cancellable, error);
  evox_progress_pop (progress);
  if (mesh == NULL)
    return FALSE;
  *area = area_in_box (mesh, lo, hi);
  return TRUE;
}

/**
 * evox_interface_area_mesh:
 * @progress: (nullable): stages per surface ("Masking", "Smoothing", "Contouring")
 */
gboolean
evox_interface_area_mesh (const guint8       *phases,
                          const gsize         dims[3],
                          const double        spacing[3],
                          guint8              a,
                          guint8              b,
                          EvoxInterfaceArea  *result,
                          EvoxProgress       *progress,
                          GCancellable       *cancellable,
                          GError            **error)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  /* The surfaces of a, of b and of a and b together. */
  double areas[3];
  guint64 counts[3];

  g_return_val_if_fail (dims != NULL && spacing != NULL && result != NULL, FALSE);
  g_return_val_if_fail (n == 0 || phases != NULL, FALSE);

  if (!check_arguments (a, b, spacing, result, error))
    return FALSE;
  if (n == 0)
    {
      finish_result (result, dims, spacing, 0.0, 0, 0);
      return TRUE;
    }
  /* Every surface between a and the rest is a/b or a/c (c: every other phase), so
   * |a/b| = (|surface of a| + |surface of b| - |surface of a and b together|) / 2. With no c the
   * last is empty and the first two are the same surface seen from either side. */
  for (guint i = 0; i < 3; i++)
    {
      gboolean ok;

      evox_progress_push (progress, i / 3.0, (i + 1) / 3.0);
      ok = smoothed_area (phases, dims, spacing, i == 1 ? b : a, i == 0 ? a : b, &areas[i],
                          &counts[i], progress, cancellable, error);
      evox_progress_pop (progress);
      if (!ok)
        return FALSE;
    }
  finish_result (result, dims, spacing, MAX (0.0, 0.5 * (areas[0] + areas[1] - areas[2])),
                 counts[0], counts[1]);
  return TRUE;
}

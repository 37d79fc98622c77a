/* evox-mesh.c: an immutable indexed triangle mesh in nm, with normals and optional colours. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-mesh.h"

#include <math.h>
#include <string.h>

struct _EvoxMesh
{
  gatomicrefcount  ref_count;
  float           *positions;
  float           *normals;
  guint8          *colors;
  guint32         *triangles;
  gsize            n_vertices;
  gsize            n_triangles;
  gboolean         closed;
  double           area;
  double           volume;
  gboolean         simplified;     /* the source_* fields hold the full mesh's figures */
  gsize            source_triangles;
  double           source_area;
  double           source_volume;
};

G_DEFINE_BOXED_TYPE (EvoxMesh, evox_mesh, evox_mesh_ref, evox_mesh_unref)

static void
triangle_corners (const EvoxMesh *self,
                  gsize           t,
                  double          p[3][3])
{
  for (guint c = 0; c < 3; c++)
    {
      const float *v = self->positions + 3 * (gsize) self->triangles[3 * t + c];

      for (guint k = 0; k < 3; k++)
        p[c][k] = v[k];
    }
}

/* Twice the area vector of a triangle: cross (b - a, c - a). */
static void
area_vector (double p[3][3],
             double n[3])
{
  double u[3], v[3];

  for (guint k = 0; k < 3; k++)
    {
      u[k] = p[1][k] - p[0][k];
      v[k] = p[2][k] - p[0][k];
    }
  n[0] = u[1] * v[2] - u[2] * v[1];
  n[1] = u[2] * v[0] - u[0] * v[2];
  n[2] = u[0] * v[1] - u[1] * v[0];
}

/* Area and enclosed volume in one parallel pass, in doubles. The volume sums signed tetrahedra
 * to the first vertex rather than to the origin: far from the origin the terms would be large
 * and cancel, losing digits. No pass for the bounds, so this costs a fraction of the isosurface
 * kernel that made the mesh. */
static void
measure (EvoxMesh *self)
{
  const float *p = self->positions;
  const double ref[3] = { p[0], p[1], p[2] };
  double area = 0.0, volume = 0.0;

#pragma omp parallel for reduction(+:area, volume) schedule(static)
  for (gsize t = 0; t < self->n_triangles; t++)
    {
      const guint32 *tri = self->triangles + 3 * t;
      const float *a = p + 3 * (gsize) tri[0], *b = p + 3 * (gsize) tri[1];
      const float *c = p + 3 * (gsize) tri[2];
      double u[3], v[3], w[3], n[3];

      for (guint k = 0; k < 3; k++)
        {
          w[k] = a[k] - ref[k];
          u[k] = (double) b[k] - a[k];
          v[k] = (double) c[k] - a[k];
        }
      n[0] = u[1] * v[2] - u[2] * v[1];
      n[1] = u[2] * v[0] - u[0] * v[2];
      n[2] = u[0] * v[1] - u[1] * v[0];
      area += 0.5 * sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      volume += (w[0] * n[0] + w[1] * n[1] + w[2] * n[2]) / 6.0;
    }
  self->area = area;
  self->volume = volume;
}

/* Area-weighted vertex normals, for meshes whose builder had none. */
static float *
compute_normals (const EvoxMesh *self)
{
  g_autofree double *sum = g_new0 (double, 3 * self->n_vertices);
  float *normals = g_new (float, 3 * self->n_vertices);

  for (gsize t = 0; t < self->n_triangles; t++)
    {
      double p[3][3], n[3];

      triangle_corners (self, t, p);
      area_vector (p, n);
      for (guint c = 0; c < 3; c++)
        for (guint k = 0; k < 3; k++)
          sum[3 * (gsize) self->triangles[3 * t + c] + k] += n[k];
    }
  for (gsize v = 0; v < self->n_vertices; v++)
    {
      double *s = sum + 3 * v;
      double length = sqrt (s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);

      for (guint k = 0; k < 3; k++)
        normals[3 * v + k] = length > 0.0 ? (float) (s[k] / length) : (k == 2 ? 1.0f : 0.0f);
    }
  return normals;
}

/**
 * evox_mesh_new_take:
 *
 * The mesh owns the arrays from here on; indices must be below n_vertices (checked).
 */
EvoxMesh *
evox_mesh_new_take (float    *positions,
                    float    *normals,
                    guint8   *colors,
                    gsize     n_vertices,
                    guint32  *triangles,
                    gsize     n_triangles,
                    gboolean  closed)
{
  EvoxMesh *self = g_new0 (EvoxMesh, 1);

  g_atomic_ref_count_init (&self->ref_count);
  if (n_vertices == 0 || n_triangles == 0)
    {
      g_free (positions);
      g_free (normals);
      g_free (colors);
      g_free (triangles);
      self->closed = TRUE;
      return self;
    }

  g_return_val_if_fail (positions != NULL && triangles != NULL, self);
  g_return_val_if_fail (n_vertices <= G_MAXUINT32, self);

  self->positions = positions;
  self->normals = normals;
  self->colors = colors;
  self->triangles = triangles;
  self->n_vertices = n_vertices;
  self->n_triangles = n_triangles;
  self->closed = closed;

#ifndef G_DISABLE_ASSERT
  {
    guint32 largest = 0;

#pragma omp parallel for reduction(max:largest) schedule(static)
    for (gsize i = 0; i < 3 * n_triangles; i++)
      largest = MAX (largest, triangles[i]);
    g_assert (largest < n_vertices);
  }
#endif

  if (self->normals == NULL)
    self->normals = compute_normals (self);
  measure (self);
  return self;
}

EvoxMesh *
evox_mesh_new_empty (void)
{
  return evox_mesh_new_take (NULL, NULL, NULL, 0, NULL, 0, TRUE);
}

EvoxMesh *
evox_mesh_ref (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
evox_mesh_unref (EvoxMesh *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->positions);
  g_free (self->normals);
  g_free (self->colors);
  g_free (self->triangles);
  g_free (self);
}

gsize
evox_mesh_get_n_vertices (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_vertices;
}

gsize
evox_mesh_get_n_triangles (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_triangles;
}

const float *
evox_mesh_get_positions (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->positions;
}

const float *
evox_mesh_get_normals (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->normals;
}

const guint8 *
evox_mesh_get_colors (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->colors;
}

const guint32 *
evox_mesh_get_triangles (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->triangles;
}

gboolean
evox_mesh_is_closed (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->closed;
}

gboolean
evox_mesh_is_empty (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->n_triangles == 0;
}

double
evox_mesh_get_area (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, 0.0);
  return self->area;
}

double
evox_mesh_get_volume (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, 0.0);
  return self->volume;
}

gboolean
evox_mesh_get_bounds (EvoxMesh *self,
                      double    min[3],
                      double    max[3])
{
  g_return_val_if_fail (self != NULL, FALSE);

  for (guint k = 0; k < 3; k++)
    min[k] = max[k] = 0.0;
  if (self->n_vertices == 0)
    return FALSE;

  {
    float lo0 = G_MAXFLOAT, lo1 = G_MAXFLOAT, lo2 = G_MAXFLOAT;
    float hi0 = -G_MAXFLOAT, hi1 = -G_MAXFLOAT, hi2 = -G_MAXFLOAT;
    const float *p = self->positions;

#pragma omp parallel for reduction(min:lo0, lo1, lo2) reduction(max:hi0, hi1, hi2) \
    schedule(static)
    for (gsize v = 0; v < self->n_vertices; v++)
      {
        lo0 = MIN (lo0, p[3 * v]);
        lo1 = MIN (lo1, p[3 * v + 1]);
        lo2 = MIN (lo2, p[3 * v + 2]);
        hi0 = MAX (hi0, p[3 * v]);
        hi1 = MAX (hi1, p[3 * v + 1]);
        hi2 = MAX (hi2, p[3 * v + 2]);
      }
    min[0] = lo0; min[1] = lo1; min[2] = lo2;
    max[0] = hi0; max[1] = hi1; max[2] = hi2;
  }
  return TRUE;
}

gboolean
evox_mesh_get_source_measures (EvoxMesh *self,
                               gsize    *n_triangles,
                               double   *area,
                               double   *volume)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (n_triangles != NULL)
    *n_triangles = self->simplified ? self->source_triangles : self->n_triangles;
  if (area != NULL)
    *area = self->simplified ? self->source_area : self->area;
  if (volume != NULL)
    *volume = self->simplified ? self->source_volume : self->volume;
  return self->simplified;
}

void
_evox_mesh_set_source (EvoxMesh *self,
                       EvoxMesh *source)
{
  g_return_if_fail (self != NULL && source != NULL);

  /* A simplification of a simplification still quotes the full mesh. */
  self->simplified = TRUE;
  evox_mesh_get_source_measures (source, &self->source_triangles, &self->source_area,
                                 &self->source_volume);
}

void
_evox_mesh_set_source_measures (EvoxMesh *self,
                                gsize     n_triangles,
                                double    area,
                                double    volume)
{
  g_return_if_fail (self != NULL);

  self->simplified = TRUE;
  self->source_triangles = n_triangles;
  self->source_area = area;
  self->source_volume = volume;
}

gsize
evox_mesh_get_memory_size (EvoxMesh *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_vertices * (6 * sizeof (float) + (self->colors != NULL ? 4 : 0))
         + self->n_triangles * 3 * sizeof (guint32);
}

EvoxMesh *
evox_mesh_merge (EvoxMesh     **meshes,
                 const guint8  *rgba,
                 guint          n)
{
  gsize n_vertices = 0, n_triangles = 0;
  gboolean colored = rgba != NULL, closed = TRUE;
  float *positions, *normals;
  guint8 *colors = NULL;
  guint32 *triangles;
  gsize v0 = 0, t0 = 0;

  g_return_val_if_fail (meshes != NULL || n == 0, NULL);

  for (guint i = 0; i < n; i++)
    if (meshes[i] != NULL)
      {
        n_vertices += meshes[i]->n_vertices;
        n_triangles += meshes[i]->n_triangles;
        colored |= meshes[i]->colors != NULL;
        closed &= meshes[i]->closed;
      }
  g_return_val_if_fail (n_vertices <= G_MAXUINT32, NULL);
  if (n_triangles == 0)
    return evox_mesh_new_empty ();

  positions = g_new (float, 3 * n_vertices);
  normals = g_new (float, 3 * n_vertices);
  triangles = g_new (guint32, 3 * n_triangles);
  if (colored)
    colors = g_new (guint8, 4 * n_vertices);

  for (guint i = 0; i < n; i++)
    {
      EvoxMesh *m = meshes[i];

      if (m == NULL || m->n_triangles == 0)
        continue;
      memcpy (positions + 3 * v0, m->positions, 3 * m->n_vertices * sizeof (float));
      memcpy (normals + 3 * v0, m->normals, 3 * m->n_vertices * sizeof (float));
      if (colors != NULL && m->colors != NULL)
        memcpy (colors + 4 * v0, m->colors, 4 * m->n_vertices);
      else if (colors != NULL)
        {
          static const guint8 white[4] = { 255, 255, 255, 255 };
          const guint8 *c = rgba != NULL ? rgba + 4 * i : white;

          for (gsize v = 0; v < m->n_vertices; v++)
            memcpy (colors + 4 * (v0 + v), c, 4);
        }
      for (gsize k = 0; k < 3 * m->n_triangles; k++)
        triangles[3 * t0 + k] = (guint32) (m->triangles[k] + v0);
      v0 += m->n_vertices;
      t0 += m->n_triangles;
    }
  return evox_mesh_new_take (positions, normals, colors, n_vertices, triangles, n_triangles,
                             closed);
}

void
evox_mesh_particle_color (guint32 id,
                          guint8  rgba[4])
{
  /* Hues a golden angle apart stay distinct for neighbouring ids; saturation and value vary on
   * a short cycle so ids far apart in a long list rarely look alike. */
  double hue = fmod (id * 0.381966011250105, 1.0) * 6.0;
  double saturation = 0.45 + 0.15 * (id % 3);
  double value = 0.95 - 0.1 * ((id / 3) % 2);
  int sector = (int) hue % 6;
  double f = hue - floor (hue);
  double p = value * (1.0 - saturation);
  double q = value * (1.0 - saturation * f);
  double t = value * (1.0 - saturation * (1.0 - f));
  double rgb[3];

  switch (sector)
    {
    case 0: rgb[0] = value; rgb[1] = t; rgb[2] = p; break;
    case 1: rgb[0] = q; rgb[1] = value; rgb[2] = p; break;
    case 2: rgb[0] = p; rgb[1] = value; rgb[2] = t; break;
    case 3: rgb[0] = p; rgb[1] = q; rgb[2] = value; break;
    case 4: rgb[0] = t; rgb[1] = p; rgb[2] = value; break;
    default: rgb[0] = value; rgb[1] = p; rgb[2] = q; break;
    }
  for (guint k = 0; k < 3; k++)
    rgba[k] = (guint8) lround (rgb[k] * 255.0);
  rgba[3] = 255;
}

/* test-decimate.c: quadric edge collapse checked against analytic shapes and mesh topology. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-decimate.h"
#include "evox-test-util.h"
#include "evox-types.h"

/* Meshes are built here, from arrays the test owns; every oracle reads the arrays back and
 * computes what it needs itself (areas, volumes, edges), never with EvoxMesh's own sums. */

typedef struct
{
  GArray *positions;  /* float, 3 a vertex */
  GArray *triangles;  /* guint32, 3 a triangle */
} Builder;

static void
builder_init (Builder *b)
{
  b->positions = g_array_new (FALSE, FALSE, sizeof (float));
  b->triangles = g_array_new (FALSE, FALSE, sizeof (guint32));
}

static guint32
builder_vertex (Builder *b,
                double   x,
                double   y,
                double   z)
{
  float p[3] = { (float) x, (float) y, (float) z };

  g_array_append_vals (b->positions, p, 3);
  return b->positions->len / 3 - 1;
}

static void
builder_triangle (Builder *b,
                  guint32  i,
                  guint32  j,
                  guint32  k)
{
  guint32 t[3] = { i, j, k };

  g_array_append_vals (b->triangles, t, 3);
}

static EvoxMesh *
builder_finish (Builder *b,
                guint8  *colors,
                gboolean closed)
{
  gsize n_vertices = b->positions->len / 3, n_triangles = b->triangles->len / 3;

  return evox_mesh_new_take ((float *) g_array_free (b->positions, FALSE), NULL, colors,
                             n_vertices, (guint32 *) g_array_free (b->triangles, FALSE),
                             n_triangles, closed);
}

/* The surface of the cube [-1, 1]^3 cut into n x n squares a face, two triangles each, with
 * shared vertices; counter-clockwise from outside. */
static void
build_cube_grid (Builder *b,
                 guint    n)
{
  gsize side = n + 1;
  g_autofree guint32 *index = g_new (guint32, side * side * side);

  for (gsize i = 0; i < side * side * side; i++)
    index[i] = G_MAXUINT32;
  for (guint i = 0; i <= n; i++)
    for (guint j = 0; j <= n; j++)
      for (guint k = 0; k <= n; k++)
        if (i == 0 || i == n || j == 0 || j == n || k == 0 || k == n)
          index[(i * side + j) * side + k] =
            builder_vertex (b, 2.0 * i / n - 1.0, 2.0 * j / n - 1.0, 2.0 * k / n - 1.0);

  for (guint axis = 0; axis < 3; axis++)
    for (guint high = 0; high < 2; high++)
      {
        guint u_axis = (axis + 1) % 3, v_axis = (axis + 2) % 3;

        for (guint u = 0; u < n; u++)
          for (guint v = 0; v < n; v++)
            {
              guint32 corner[4];

              /* Corners (u, v), (u + 1, v), (u + 1, v + 1), (u, v + 1). */
              for (guint c = 0; c < 4; c++)
                {
                  guint ijk[3];

                  ijk[axis] = high ? n : 0;
                  ijk[u_axis] = u + (c == 1 || c == 2);
                  ijk[v_axis] = v + (c >= 2);
                  corner[c] = index[(ijk[0] * side + ijk[1]) * side + ijk[2]];
                }
              if (!high)
                {
                  guint32 t = corner[1];

                  corner[1] = corner[3];
                  corner[3] = t;
                }
              /* Alternate the diagonal so no direction is favoured. */
              if ((u + v) % 2 == 0)
                {
                  builder_triangle (b, corner[0], corner[1], corner[2]);
                  builder_triangle (b, corner[0], corner[2], corner[3]);
                }
              else
                {
                  builder_triangle (b, corner[0], corner[1], corner[3]);
                  builder_triangle (b, corner[1], corner[2], corner[3]);
                }
            }
      }
}

/* A sphere of radius r about centre: the cube grid pushed out (n x n x 12 triangles). */
static void
build_sphere (Builder      *b,
              guint         n,
              double        r,
              const double  centre[3])
{
  Builder cube;
  guint32 v0 = b->positions->len / 3;

  builder_init (&cube);
  build_cube_grid (&cube, n);
  for (guint i = 0; i < cube.positions->len / 3; i++)
    {
      const float *p = &g_array_index (cube.positions, float, 3 * i);
      double length = sqrt ((double) p[0] * p[0] + (double) p[1] * p[1] + (double) p[2] * p[2]);

      builder_vertex (b, centre[0] + r * p[0] / length, centre[1] + r * p[1] / length,
                      centre[2] + r * p[2] / length);
    }
  for (guint i = 0; i < cube.triangles->len; i += 3)
    {
      const guint32 *t = &g_array_index (cube.triangles, guint32, i);

      builder_triangle (b, v0 + t[0], v0 + t[1], v0 + t[2]);
    }
  g_array_free (cube.positions, TRUE);
  g_array_free (cube.triangles, TRUE);
}

static EvoxMesh *
sphere_mesh (guint  n,
             double r)
{
  Builder b;
  const double origin[3] = { 0.0, 0.0, 0.0 };

  builder_init (&b);
  build_sphere (&b, n, r, origin);
  return builder_finish (&b, NULL, TRUE);
}

/* Torus about the z axis: major radius big, tube radius small, nu x nv quads. */
static EvoxMesh *
torus_mesh (guint  nu,
            guint  nv,
            double big,
            double small)
{
  Builder b;

  builder_init (&b);
  for (guint i = 0; i < nu; i++)
    for (guint j = 0; j < nv; j++)
      {
        double u = 2.0 * G_PI * i / nu, v = 2.0 * G_PI * j / nv;

        builder_vertex (&b, (big + small * cos (v)) * cos (u), (big + small * cos (v)) * sin (u),
                        small * sin (v));
      }
  for (guint i = 0; i < nu; i++)
    for (guint j = 0; j < nv; j++)
      {
        guint32 p00 = i * nv + j, p10 = ((i + 1) % nu) * nv + j;
        guint32 p11 = ((i + 1) % nu) * nv + (j + 1) % nv, p01 = i * nv + (j + 1) % nv;

        builder_triangle (&b, p00, p10, p11);
        builder_triangle (&b, p00, p11, p01);
      }
  return builder_finish (&b, NULL, TRUE);
}

/* Oracles. */

typedef struct
{
  gsize   n_vertices;      /* referenced by a triangle */
  gsize   n_edges;
  gsize   n_boundary;      /* edges of one triangle */
  gsize   n_nonmanifold;   /* edges of more than two, or a directed edge twice */
  double  boundary_length;
  double  area;
  double  volume;          /* signed, divergence theorem */
  double  mean_edge;
} Census;

static void
census (EvoxMesh *mesh,
        Census   *out)
{
  const float *p = evox_mesh_get_positions (mesh);
  const guint32 *t = evox_mesh_get_triangles (mesh);
  gsize n_triangles = evox_mesh_get_n_triangles (mesh);
  g_autoptr(GHashTable) directed = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree guint64 *keys = g_new (guint64, 3 * MAX (n_triangles, 1));
  g_autofree gboolean *used = g_new0 (gboolean, evox_mesh_get_n_vertices (mesh) + 1);
  double edge_sum = 0.0;

  memset (out, 0, sizeof *out);
  for (gsize i = 0; i < n_triangles; i++)
    {
      double q[3][3], u[3], v[3], n[3];

      for (guint c = 0; c < 3; c++)
        {
          used[t[3 * i + c]] = TRUE;
          for (guint k = 0; k < 3; k++)
            q[c][k] = p[3 * t[3 * i + c] + k];
        }
      for (guint k = 0; k < 3; k++)
        {
          u[k] = q[1][k] - q[0][k];
          v[k] = q[2][k] - q[0][k];
        }
      n[0] = u[1] * v[2] - u[2] * v[1];
      n[1] = u[2] * v[0] - u[0] * v[2];
      n[2] = u[0] * v[1] - u[1] * v[0];
      out->area += 0.5 * sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      out->volume += (q[0][0] * n[0] + q[0][1] * n[1] + q[0][2] * n[2]) / 6.0;

      for (guint c = 0; c < 3; c++)
        {
          guint64 *key = &keys[3 * i + c];

          *key = ((guint64) t[3 * i + c] << 32) | t[3 * i + (c + 1) % 3];
          if (!g_hash_table_add (directed, key))
            out->n_nonmanifold++;
        }
    }
  for (gsize i = 0; i < evox_mesh_get_n_vertices (mesh); i++)
    out->n_vertices += used[i];

  for (gsize i = 0; i < 3 * n_triangles; i++)
    {
      guint32 a = keys[i] >> 32, b = keys[i] & G_MAXUINT32;
      guint64 twin = ((guint64) b << 32) | a;
      double length = 0.0;

      for (guint k = 0; k < 3; k++)
        length += pow ((double) p[3 * a + k] - p[3 * b + k], 2.0);
      length = sqrt (length);
      if (!g_hash_table_contains (directed, &twin))
        {
          out->n_edges++;
          out->n_boundary++;
          out->boundary_length += length;
          edge_sum += length;
        }
      else if (a < b)
        {
          out->n_edges++;
          edge_sum += length;
        }
    }
  out->mean_edge = out->n_edges > 0 ? edge_sum / out->n_edges : 0.0;
}

static gssize
euler_characteristic (const Census *c,
                      EvoxMesh     *mesh)
{
  return (gssize) c->n_vertices - (gssize) c->n_edges + (gssize) evox_mesh_get_n_triangles (mesh);
}

/* Closed, manifold edges, consistent orientation: every directed edge once, with its twin. */
static void
assert_closed (EvoxMesh *mesh,
               Census   *c)
{
  census (mesh, c);
  g_assert_cmpuint (c->n_nonmanifold, ==, 0);
  g_assert_cmpuint (c->n_boundary, ==, 0);
  g_assert_true (evox_mesh_is_closed (mesh));
  g_assert_cmpuint (evox_mesh_get_n_triangles (mesh) * 3, ==, 2 * c->n_edges);
}

static EvoxMesh *
decimate_ok (EvoxMesh *mesh,
             guint64   budget)
{
  g_autoptr(GError) error = NULL;
  EvoxMesh *out = evox_mesh_decimate (mesh, budget, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (out);
  g_assert_cmpuint (evox_mesh_get_n_triangles (out), <=, budget);
  return out;
}

/* Twice the area vector of triangle i. */
static void
triangle_vector (EvoxMesh *mesh,
                 gsize     i,
                 double    n[3],
                 double    centroid[3])
{
  const float *p = evox_mesh_get_positions (mesh);
  const guint32 *t = evox_mesh_get_triangles (mesh) + 3 * i;
  double u[3], v[3];

  for (guint k = 0; k < 3; k++)
    {
      u[k] = p[3 * t[1] + k] - p[3 * t[0] + k];
      v[k] = p[3 * t[2] + k] - p[3 * t[0] + k];
      centroid[k] = (p[3 * t[0] + k] + p[3 * t[1] + k] + p[3 * t[2] + k]) / 3.0;
    }
  n[0] = u[1] * v[2] - u[2] * v[1];
  n[1] = u[2] * v[0] - u[0] * v[2];
  n[2] = u[0] * v[1] - u[1] * v[0];
}

/* Every triangle faces away from the nearest of the centres; returns the smallest cosine. */
static double
min_radial_cosine (EvoxMesh     *mesh,
                   const double *centres,
                   guint         n_centres)
{
  double worst = 1.0;

  for (gsize i = 0; i < evox_mesh_get_n_triangles (mesh); i++)
    {
      double n[3], g[3], r[3], best = G_MAXDOUBLE, cosine;
      const double *centre = centres;

      triangle_vector (mesh, i, n, g);
      for (guint c = 0; c < n_centres; c++)
        {
          double d = 0.0;

          for (guint k = 0; k < 3; k++)
            d += pow (g[k] - centres[3 * c + k], 2.0);
          if (d < best)
            {
              best = d;
              centre = centres + 3 * c;
            }
        }
      for (guint k = 0; k < 3; k++)
        r[k] = g[k] - centre[k];
      cosine = (n[0] * r[0] + n[1] * r[1] + n[2] * r[2]) /
               sqrt ((n[0] * n[0] + n[1] * n[1] + n[2] * n[2]) *
                     (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]));
      worst = MIN (worst, cosine);
    }
  return worst;
}

/* Largest | |p - centre| - r | / r over the vertices, each measured to its nearest centre. */
static double
max_sphere_deviation (EvoxMesh     *mesh,
                      const double *centres,
                      guint         n_centres,
                      double        r)
{
  const float *p = evox_mesh_get_positions (mesh);
  double worst = 0.0;

  for (gsize v = 0; v < evox_mesh_get_n_vertices (mesh); v++)
    {
      double best = G_MAXDOUBLE;

      for (guint c = 0; c < n_centres; c++)
        {
          double d = 0.0;

          for (guint k = 0; k < 3; k++)
            d += pow (p[3 * v + k] - centres[3 * c + k], 2.0);
          best = MIN (best, fabs (sqrt (d) - r));
        }
      worst = MAX (worst, best / r);
    }
  return worst;
}

static void
test_sphere (void)
{
  const double r = 50.0, origin[3] = { 0.0, 0.0, 0.0 };
  g_autoptr(EvoxMesh) sphere = sphere_mesh (128, r);
  g_autoptr(EvoxMesh) out = NULL;
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GError) error = NULL;
  gsize n_in = evox_mesh_get_n_triangles (sphere), budget = n_in / 10;
  Census before, after;

  g_assert_cmpuint (n_in, ==, 6 * 128 * 128 * 2);
  assert_closed (sphere, &before);
  g_assert_cmpint (euler_characteristic (&before, sphere), ==, 2);

  out = evox_mesh_decimate (sphere, budget, progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_mesh_get_n_triangles (out), <=, budget);
  g_assert_cmpuint (evox_mesh_get_n_triangles (out), >=, budget * 9 / 10);
  /* The simplified mesh quotes the full one's figures; the input has none of its own. */
  {
    gsize full_triangles;
    double full_area, full_volume;

    g_assert_false (evox_mesh_get_source_measures (sphere, NULL, NULL, NULL));
    g_assert_true (evox_mesh_get_source_measures (out, &full_triangles, &full_area,
                                                  &full_volume));
    g_assert_cmpuint (full_triangles, ==, n_in);
    g_assert_cmpfloat (full_area, ==, evox_mesh_get_area (sphere));
    g_assert_cmpfloat (full_volume, ==, evox_mesh_get_volume (sphere));
  }
  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);

  assert_closed (out, &after);
  g_assert_cmpint (euler_characteristic (&after, out), ==, 2);
  g_assert_cmpuint (evox_mesh_get_n_vertices (out), ==, after.n_vertices);
  g_assert_cmpfloat (max_sphere_deviation (out, origin, 1, r), <, 0.01);
  g_assert_cmpfloat (fabs (after.area / before.area - 1.0), <, 0.01);
  g_assert_cmpfloat (after.volume, >, 0.0);
  g_assert_cmpfloat (fabs (after.volume / before.volume - 1.0), <, 0.01);
  g_assert_cmpfloat (min_radial_cosine (out, origin, 1), >, 0.0);
  g_assert_null (evox_mesh_get_colors (out));

  /* Normals were recomputed: unit vectors pointing out. */
  {
    const float *n = evox_mesh_get_normals (out), *p = evox_mesh_get_positions (out);

    for (gsize v = 0; v < evox_mesh_get_n_vertices (out); v++)
      {
        double dot = (n[3 * v] * p[3 * v] + n[3 * v + 1] * p[3 * v + 1] +
                      n[3 * v + 2] * p[3 * v + 2]) / r;

        g_assert_cmpfloat (dot, >, 0.95);
      }
  }

  /* Further down, still a sphere. */
  {
    g_autoptr(EvoxMesh) coarse = decimate_ok (out, 500);
    Census c;

    g_assert_cmpuint (evox_mesh_get_n_triangles (coarse), >=, 450);
    assert_closed (coarse, &c);
    g_assert_cmpint (euler_characteristic (&c, coarse), ==, 2);
    g_assert_cmpfloat (max_sphere_deviation (coarse, origin, 1, r), <, 0.05);
    g_assert_cmpfloat (min_radial_cosine (coarse, origin, 1), >, 0.0);
    g_assert_cmpfloat (fabs (c.volume / before.volume - 1.0), <, 0.05);
  }
}

static void
test_torus (void)
{
  const double big = 30.0, small = 10.0;
  g_autoptr(EvoxMesh) torus = torus_mesh (400, 200, big, small);
  g_autoptr(EvoxMesh) out = NULL;
  gsize budget = evox_mesh_get_n_triangles (torus) / 10;
  const float *p;
  Census before, after;

  assert_closed (torus, &before);
  g_assert_cmpint (euler_characteristic (&before, torus), ==, 0);

  out = decimate_ok (torus, budget);
  g_assert_cmpuint (evox_mesh_get_n_triangles (out), >=, budget * 9 / 10);
  assert_closed (out, &after);
  g_assert_cmpint (euler_characteristic (&after, out), ==, 0);
  g_assert_cmpfloat (fabs (after.area / before.area - 1.0), <, 0.01);
  g_assert_cmpfloat (fabs (after.volume / before.volume - 1.0), <, 0.01);
  /* The analytic area and volume too: 4 pi^2 R r and 2 pi^2 R r^2. */
  g_assert_cmpfloat (fabs (after.area / (4 * G_PI * G_PI * big * small) - 1.0), <, 0.01);
  g_assert_cmpfloat (fabs (after.volume / (2 * G_PI * G_PI * big * small * small) - 1.0), <,
                     0.01);

  p = evox_mesh_get_positions (out);
  for (gsize v = 0; v < evox_mesh_get_n_vertices (out); v++)
    {
      double ring = hypot (p[3 * v], p[3 * v + 1]) - big;

      g_assert_cmpfloat (fabs (hypot (ring, p[3 * v + 2]) - small), <, 0.01 * small);
    }
  /* Facing out of the tube: away from the nearest point of the core circle. */
  for (gsize i = 0; i < evox_mesh_get_n_triangles (out); i++)
    {
      double n[3], g[3], core[3], angle;

      triangle_vector (out, i, n, g);
      angle = atan2 (g[1], g[0]);
      core[0] = big * cos (angle);
      core[1] = big * sin (angle);
      core[2] = 0.0;
      g_assert_cmpfloat (n[0] * (g[0] - core[0]) + n[1] * (g[1] - core[1]) +
                         n[2] * (g[2] - core[2]), >, 0.0);
    }
}

/* A torus whose tube is a triangle: collapses that would pinch it (and change its genus)
 * turn no triangle over, so only the link condition stops them. It goes down as far as it can
 * and stays a torus; below that the result is the smallest torus reached. */
static void
test_thin_torus (void)
{
  g_autoptr(EvoxMesh) torus = torus_mesh (60, 3, 10.0, 1.0);
  gboolean reached_floor = FALSE;
  Census c;

  assert_closed (torus, &c);
  g_assert_cmpint (euler_characteristic (&c, torus), ==, 0);
  for (guint64 budget = 300; budget >= 10; budget -= 10)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxMesh) out = evox_mesh_decimate (torus, budget, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (evox_mesh_get_n_triangles (out), >=, 14);
      assert_closed (out, &c);
      g_assert_cmpint (euler_characteristic (&c, out), ==, 0);
      g_assert_cmpfloat (c.volume, >, 0.0);
      if (evox_mesh_get_n_triangles (out) > budget)
        {
          g_test_message ("thin torus: no further than %" G_GSIZE_FORMAT,
                          evox_mesh_get_n_triangles (out));
          /* From 360 triangles to a few dozen (a torus needs 14), and still simplified. */
          g_assert_cmpuint (evox_mesh_get_n_triangles (out), <, 60);
          g_assert_true (evox_mesh_get_source_measures (out, NULL, NULL, NULL));
          reached_floor = TRUE;
          break;
        }
    }
  g_assert_true (reached_floor);
}

static gboolean
has_vertex_at (EvoxMesh *mesh,
               float     x,
               float     y,
               float     z)
{
  const float *p = evox_mesh_get_positions (mesh);

  for (gsize v = 0; v < evox_mesh_get_n_vertices (mesh); v++)
    if (p[3 * v] == x && p[3 * v + 1] == y && p[3 * v + 2] == z)
      return TRUE;
  return FALSE;
}

static void
assert_cube (EvoxMesh *out)
{
  const float *p = evox_mesh_get_positions (out);
  Census c;

  assert_closed (out, &c);
  g_assert_cmpint (euler_characteristic (&c, out), ==, 2);
  for (guint corner = 0; corner < 8; corner++)
    g_assert_true (has_vertex_at (out, corner & 1 ? 1.0f : -1.0f, corner & 2 ? 1.0f : -1.0f,
                                  corner & 4 ? 1.0f : -1.0f));
  /* Every vertex on the surface of the cube, and the cube's volume and area. */
  for (gsize v = 0; v < evox_mesh_get_n_vertices (out); v++)
    {
      double m = MAX (fabs (p[3 * v]), MAX (fabs (p[3 * v + 1]), fabs (p[3 * v + 2])));

      g_assert_cmpfloat (fabs (m - 1.0), <, 1e-5);
    }
  g_assert_cmpfloat (fabs (c.volume - 8.0), <, 1e-4);
  g_assert_cmpfloat (fabs (c.area - 24.0), <, 1e-4);
  g_assert_cmpfloat (min_radial_cosine (out, (double[3]) { 0, 0, 0 }, 1), >, 0.0);
}

static void
test_cube (void)
{
  Builder b;
  g_autoptr(EvoxMesh) cube = NULL;

  builder_init (&b);
  build_cube_grid (&b, 40);
  cube = builder_finish (&b, NULL, TRUE);
  g_assert_cmpuint (evox_mesh_get_n_triangles (cube), ==, 6 * 40 * 40 * 2);

  /* Flat faces go down to the fewest triangles a cube can have. */
  for (guint i = 0; i < 3; i++)
    {
      const guint64 budget = (guint64[]) { 1000, 100, 12 }[i];
      g_autoptr(EvoxMesh) out = decimate_ok (cube, budget);

      g_test_message ("cube to %" G_GUINT64_FORMAT ": %" G_GSIZE_FORMAT " triangles", budget,
                      evox_mesh_get_n_triangles (out));
      assert_cube (out);
    }
}

static void
test_two_spheres (void)
{
  const double r = 20.0, centres[6] = { -30.0, 0.0, 0.0, 30.0, 5.0, 0.0 };
  Builder b;
  g_autoptr(EvoxMesh) spheres = NULL, out = NULL;
  gsize budget;
  Census before, after;

  builder_init (&b);
  build_sphere (&b, 64, r, centres);
  build_sphere (&b, 48, r, centres + 3);
  spheres = builder_finish (&b, NULL, TRUE);
  assert_closed (spheres, &before);
  g_assert_cmpint (euler_characteristic (&before, spheres), ==, 4);

  budget = evox_mesh_get_n_triangles (spheres) / 10;
  out = decimate_ok (spheres, budget);
  g_assert_cmpuint (evox_mesh_get_n_triangles (out), >=, budget * 9 / 10);
  assert_closed (out, &after);
  g_assert_cmpint (euler_characteristic (&after, out), ==, 4);
  g_assert_cmpfloat (max_sphere_deviation (out, centres, 2, r), <, 0.01);
  g_assert_cmpfloat (min_radial_cosine (out, centres, 2), >, 0.0);
  g_assert_cmpfloat (fabs (after.volume / before.volume - 1.0), <, 0.01);
  g_assert_cmpfloat (fabs (after.area / before.area - 1.0), <, 0.01);
}

/* The vertices on edges of one triangle, ending with G_MAXUINT32. */
static guint32 *
rim_vertices (EvoxMesh *mesh,
              gsize    *n_out)
{
  const guint32 *t = evox_mesh_get_triangles (mesh);
  gsize n_triangles = evox_mesh_get_n_triangles (mesh);
  g_autoptr(GHashTable) directed = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GHashTable) rim = g_hash_table_new (NULL, NULL);
  g_autofree guint64 *keys = g_new (guint64, 3 * n_triangles);
  GHashTableIter iter;
  gpointer key;
  guint32 *out, *at;

  for (gsize i = 0; i < 3 * n_triangles; i++)
    {
      keys[i] = ((guint64) t[i] << 32) | t[i - i % 3 + (i + 1) % 3];
      g_hash_table_add (directed, &keys[i]);
    }
  for (gsize i = 0; i < 3 * n_triangles; i++)
    {
      guint64 twin = (keys[i] << 32) | (keys[i] >> 32);

      if (!g_hash_table_contains (directed, &twin))
        {
          g_hash_table_add (rim, GUINT_TO_POINTER ((guint) (keys[i] >> 32) + 1));
          g_hash_table_add (rim, GUINT_TO_POINTER ((guint) (keys[i] & G_MAXUINT32) + 1));
        }
    }
  at = out = g_new (guint32, g_hash_table_size (rim) + 1);
  g_hash_table_iter_init (&iter, rim);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    *at++ = GPOINTER_TO_UINT (key) - 1;
  *at = G_MAXUINT32;
  if (n_out != NULL)
    *n_out = g_hash_table_size (rim);
  return out;
}

/* The upper half of a sphere (z >= 0): an open disc whose rim is the equator. */
static void
test_hemisphere (void)
{
  const double r = 10.0, origin[3] = { 0.0, 0.0, 0.0 };
  Builder b, half;
  g_autoptr(EvoxMesh) mesh = NULL, out = NULL;
  g_autofree guint32 *index = NULL;
  const float *p;
  gsize budget;
  Census before, after;

  builder_init (&b);
  build_sphere (&b, 96, r, origin);
  builder_init (&half);
  index = g_new (guint32, b.positions->len / 3);
  for (guint v = 0; v < b.positions->len / 3; v++)
    {
      const float *q = &g_array_index (b.positions, float, 3 * v);

      index[v] = q[2] >= 0.0f ? builder_vertex (&half, q[0], q[1], q[2]) : G_MAXUINT32;
    }
  for (guint i = 0; i < b.triangles->len; i += 3)
    {
      const guint32 *t = &g_array_index (b.triangles, guint32, i);

      if (index[t[0]] != G_MAXUINT32 && index[t[1]] != G_MAXUINT32 && index[t[2]] != G_MAXUINT32)
        builder_triangle (&half, index[t[0]], index[t[1]], index[t[2]]);
    }
  g_array_free (b.positions, TRUE);
  g_array_free (b.triangles, TRUE);
  mesh = builder_finish (&half, NULL, FALSE);

  census (mesh, &before);
  g_assert_cmpuint (before.n_boundary, ==, 4 * 96);
  g_assert_cmpint (euler_characteristic (&before, mesh), ==, 1);

  budget = evox_mesh_get_n_triangles (mesh) / 10;
  out = decimate_ok (mesh, budget);
  g_assert_false (evox_mesh_is_closed (out));
  g_assert_cmpuint (evox_mesh_get_n_triangles (out), >=, budget * 9 / 10);
  census (out, &after);
  g_assert_cmpuint (after.n_nonmanifold, ==, 0);
  g_assert_cmpint (euler_characteristic (&after, out), ==, 1);
  g_assert_cmpuint (after.n_boundary, >, 0);
  g_assert_cmpfloat (fabs (after.boundary_length / before.boundary_length - 1.0), <, 0.02);
  g_assert_cmpfloat (fabs (after.area / before.area - 1.0), <, 0.01);
  g_assert_cmpfloat (max_sphere_deviation (out, origin, 1, r), <, 0.01);
  g_assert_cmpfloat (min_radial_cosine (out, origin, 1), >, 0.0);

  /* The rim stays on the equator: every vertex of the output's rim is a vertex of the input's
   * rim, where it was. */
  p = evox_mesh_get_positions (out);
  for (gsize v = 0; v < evox_mesh_get_n_vertices (out); v++)
    g_assert_cmpfloat (p[3 * v + 2], >=, -1e-4 * r);
  {
    g_autoptr(GHashTable) rim = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                                       (GDestroyNotify) g_bytes_unref, NULL);
    g_autofree guint32 *in_rim = rim_vertices (mesh, NULL);
    g_autofree guint32 *out_rim = NULL;
    const float *q = evox_mesh_get_positions (mesh);
    gsize n_out_rim;

    for (guint32 *v = in_rim; *v != G_MAXUINT32; v++)
      g_hash_table_add (rim, g_bytes_new (q + 3 * (gsize) *v, 3 * sizeof (float)));
    out_rim = rim_vertices (out, &n_out_rim);
    g_assert_cmpuint (n_out_rim, >, 0);
    for (guint32 *v = out_rim; *v != G_MAXUINT32; v++)
      {
        g_autoptr(GBytes) key = g_bytes_new (p + 3 * (gsize) *v, 3 * sizeof (float));

        g_assert_true (g_hash_table_contains (rim, key));
      }
  }
}

/* A flat square of n x n cells in z = 0, open: flat and straight everywhere, so it folds down
 * to the fewest triangles, and its rim must not be pinched on the way (a triangle with three rim
 * vertices has an inner edge between two of them). */
static void
test_square (void)
{
  const guint n = 20;
  Builder b;
  g_autoptr(EvoxMesh) square = NULL;

  builder_init (&b);
  for (guint j = 0; j <= n; j++)
    for (guint i = 0; i <= n; i++)
      builder_vertex (&b, (double) i / n, (double) j / n, 0.0);
  for (guint j = 0; j < n; j++)
    for (guint i = 0; i < n; i++)
      {
        guint32 p00 = j * (n + 1) + i, p10 = p00 + 1, p01 = p00 + n + 1, p11 = p01 + 1;

        builder_triangle (&b, p00, p10, p11);
        builder_triangle (&b, p00, p11, p01);
      }
  square = builder_finish (&b, NULL, FALSE);

  for (guint i = 0; i < 3; i++)
    {
      const guint64 budget = (guint64[]) { 100, 20, 4 }[i];
      g_autoptr(EvoxMesh) out = decimate_ok (square, budget);
      Census c;

      census (out, &c);
      g_test_message ("square to %" G_GUINT64_FORMAT ": %" G_GSIZE_FORMAT " triangles", budget,
                      evox_mesh_get_n_triangles (out));
      g_assert_cmpuint (c.n_nonmanifold, ==, 0);
      g_assert_cmpint (euler_characteristic (&c, out), ==, 1);
      g_assert_cmpfloat (fabs (c.area - 1.0), <, 1e-6);
      g_assert_cmpfloat (fabs (c.boundary_length - 4.0), <, 1e-6);
      for (guint corner = 0; corner < 4; corner++)
        g_assert_true (has_vertex_at (out, corner & 1, corner >> 1, 0.0f));
      /* Facing up, as every input triangle did. */
      for (gsize t = 0; t < evox_mesh_get_n_triangles (out); t++)
        {
          double normal[3], centroid[3];

          triangle_vector (out, t, normal, centroid);
          g_assert_cmpfloat (normal[2], >, 0.0);
        }
    }
}

/* Each input vertex gets its index as its colour, so an output colour names the input vertex
 * it came from: it must be one vertex once, and near. */
static void
test_colors (void)
{
  const double r = 30.0, origin[3] = { 0.0, 0.0, 0.0 };
  Builder b;
  g_autoptr(EvoxMesh) mesh = NULL, out = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autofree float *in_positions = NULL;
  guint8 *colors;
  const float *p;
  const guint8 *c;
  gsize n;
  Census after;

  builder_init (&b);
  build_sphere (&b, 64, r, origin);
  n = b.positions->len / 3;
  in_positions = g_memdup2 (b.positions->data, 3 * n * sizeof (float));
  colors = g_new (guint8, 4 * n);
  for (gsize v = 0; v < n; v++)
    {
      colors[4 * v] = v & 0xff;
      colors[4 * v + 1] = (v >> 8) & 0xff;
      colors[4 * v + 2] = (v >> 16) & 0xff;
      colors[4 * v + 3] = 255;
    }
  mesh = builder_finish (&b, colors, TRUE);

  out = decimate_ok (mesh, evox_mesh_get_n_triangles (mesh) / 8);
  census (out, &after);
  c = evox_mesh_get_colors (out);
  p = evox_mesh_get_positions (out);
  g_assert_nonnull (c);
  for (gsize v = 0; v < evox_mesh_get_n_vertices (out); v++)
    {
      guint32 source = c[4 * v] | (c[4 * v + 1] << 8) | (c[4 * v + 2] << 16);
      double d = 0.0;

      g_assert_cmpuint (c[4 * v + 3], ==, 255);
      g_assert_cmpuint (source, <, n);
      g_assert_true (g_hash_table_add (seen, GUINT_TO_POINTER (source + 1)));
      for (guint k = 0; k < 3; k++)
        d += pow (p[3 * v + k] - in_positions[3 * source + k], 2.0);
      g_assert_cmpfloat (sqrt (d), <, after.mean_edge);
    }
}

/* A cube whose top face is cut along a row of vertices that are doubled (distinct vertices at
 * the same place), the cut closed with triangles of zero area, as a capped surface has at the
 * border of a volume. */
static void
test_degenerate (void)
{
  const guint n = 24;
  Builder b;
  g_autoptr(EvoxMesh) mesh = NULL, out = NULL;
  g_autofree guint32 *twin = NULL;
  guint32 *t;
  gsize n_vertices, n_triangles;
  Census before, after;

  builder_init (&b);
  build_cube_grid (&b, n);
  n_vertices = b.positions->len / 3;
  n_triangles = b.triangles->len / 3;
  /* Doubles of the interior vertices of the row y = 0 on the face z = 1. */
  twin = g_new (guint32, n_vertices);
  for (gsize v = 0; v < n_vertices; v++)
    {
      const float *q = &g_array_index (b.positions, float, 3 * v);

      twin[v] = G_MAXUINT32;
      if (q[2] == 1.0f && q[1] == 0.0f && fabsf (q[0]) < 1.0f)
        twin[v] = builder_vertex (&b, q[0], q[1], q[2]);
    }
  /* Triangles of that face lying in y > 0 take the doubles. */
  t = (guint32 *) b.triangles->data;
  for (gsize i = 0; i < n_triangles; i++)
    {
      const float *pos = (const float *) b.positions->data;
      double cy = 0.0, cz = 0.0;

      for (guint c = 0; c < 3; c++)
        {
          cy += pos[3 * t[3 * i + c] + 1] / 3.0;
          cz += pos[3 * t[3 * i + c] + 2] / 3.0;
        }
      if (cz > 0.9999 && cy > 0.0)
        for (guint c = 0; c < 3; c++)
          if (twin[t[3 * i + c]] != G_MAXUINT32)
            t[3 * i + c] = twin[t[3 * i + c]];
    }
  /* Zip the slit: along the row, each segment (x0, x1) has one edge in the lower part
   * (x0 -> x1 or back) and its double in the upper part; two flat triangles join them. */
  {
    g_autoptr(GHashTable) lower = g_hash_table_new (g_int64_hash, g_int64_equal);
    g_autofree guint64 *keys = g_new (guint64, 3 * n_triangles);
    GArray *zips = g_array_new (FALSE, FALSE, sizeof (guint32));

    t = (guint32 *) b.triangles->data;
    for (gsize i = 0; i < 3 * n_triangles; i++)
      {
        keys[i] = ((guint64) t[i] << 32) | t[i - i % 3 + (i + 1) % 3];
        g_hash_table_add (lower, &keys[i]);
      }
    for (gsize i = 0; i < 3 * n_triangles; i++)
      {
        guint32 from = keys[i] >> 32, to = keys[i] & G_MAXUINT32;
        guint64 back = ((guint64) to << 32) | from;

        /* A directed edge with no twin is a side of the slit. */
        if (!g_hash_table_contains (lower, &back))
          {
            guint32 tri[3] = { to, from, G_MAXUINT32 };

            g_array_append_vals (zips, tri, 3);
          }
      }
    /* Each slit side (to, from) pairs with the side running back along the same points. */
    for (guint i = 0; i < zips->len; i += 3)
      {
        guint32 *s = &g_array_index (zips, guint32, i);
        const float *pos = (const float *) b.positions->data;

        for (guint j = 0; j < zips->len; j += 3)
          {
            guint32 *o = &g_array_index (zips, guint32, j);

            if (j != i && memcmp (pos + 3 * s[0], pos + 3 * o[1], 3 * sizeof (float)) == 0 &&
                memcmp (pos + 3 * s[1], pos + 3 * o[0], 3 * sizeof (float)) == 0 && s[0] < o[0])
              {
                /* The flat quad s0 s1 o0 o1 has both sides; at the ends of the row, where the
                 * vertex is not doubled (s0 == o1 or s1 == o0), it is one triangle. */
                if (s[1] != o[0])
                  builder_triangle (&b, s[0], s[1], o[0]);
                if (s[0] != o[1])
                  builder_triangle (&b, s[0], o[0], o[1]);
              }
          }
      }
    g_array_free (zips, TRUE);
  }
  mesh = builder_finish (&b, NULL, TRUE);
  assert_closed (mesh, &before);
  g_assert_cmpint (euler_characteristic (&before, mesh), ==, 2);

  out = decimate_ok (mesh, 300);
  assert_closed (out, &after);
  g_assert_cmpint (euler_characteristic (&after, out), ==, 2);
  g_assert_cmpfloat (fabs (after.volume - 8.0), <, 1e-4);
  g_assert_cmpfloat (fabs (after.area - 24.0), <, 1e-4);
}

/* The same input gives the same output, whatever thread finishes first. */
static void
test_deterministic (void)
{
  g_autoptr(EvoxMesh) torus = torus_mesh (400, 200, 30.0, 10.0);
  g_autoptr(EvoxMesh) first = decimate_ok (torus, 60000);

  /* Large enough that every pass runs on all threads. */
  for (guint run = 0; run < 3; run++)
    {
      g_autoptr(EvoxMesh) again = decimate_ok (torus, 60000);

      g_assert_cmpuint (evox_mesh_get_n_vertices (again), ==, evox_mesh_get_n_vertices (first));
      g_assert_cmpuint (evox_mesh_get_n_triangles (again), ==,
                        evox_mesh_get_n_triangles (first));
      g_assert_cmpmem (evox_mesh_get_positions (again),
                       3 * evox_mesh_get_n_vertices (again) * sizeof (float),
                       evox_mesh_get_positions (first),
                       3 * evox_mesh_get_n_vertices (first) * sizeof (float));
      g_assert_cmpmem (evox_mesh_get_triangles (again),
                       3 * evox_mesh_get_n_triangles (again) * sizeof (guint32),
                       evox_mesh_get_triangles (first),
                       3 * evox_mesh_get_n_triangles (first) * sizeof (guint32));
    }
}

static void
test_budget_met (void)
{
  g_autoptr(EvoxMesh) sphere = sphere_mesh (8, 1.0);
  g_autoptr(EvoxMesh) empty = evox_mesh_new_empty ();
  gsize n = evox_mesh_get_n_triangles (sphere);
  g_autoptr(GError) error = NULL;

  for (guint64 budget = n; budget <= n + 1; budget++)
    {
      EvoxMesh *same = evox_mesh_decimate (sphere, budget, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (same == sphere);
      evox_mesh_unref (same);
    }
  {
    EvoxMesh *same = evox_mesh_decimate (empty, 4, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (same == empty);
    evox_mesh_unref (same);
  }
  for (guint64 budget = 0; budget < 4; budget++)
    {
      g_assert_null (evox_mesh_decimate (sphere, budget, NULL, NULL, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_clear_error (&error);
    }
}

static void
test_cancel (void)
{
  g_autoptr(EvoxMesh) sphere = sphere_mesh (32, 1.0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_null (evox_mesh_decimate (sphere, 100, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The smallest closed surfaces: an octahedron folds down to a tetrahedron, which goes no
 * further; two tetrahedra cannot make 4 triangles and say so. */
static void
test_smallest (void)
{
  static const double axes[6][3] = {
    { 1, 0, 0 }, { -1, 0, 0 }, { 0, 1, 0 }, { 0, -1, 0 }, { 0, 0, 1 }, { 0, 0, -1 },
  };
  Builder b;
  g_autoptr(EvoxMesh) octahedron = NULL, out = NULL, tetrahedra = NULL;
  g_autoptr(GError) error = NULL;
  Census c;

  builder_init (&b);
  for (guint i = 0; i < 6; i++)
    builder_vertex (&b, axes[i][0], axes[i][1], axes[i][2]);
  for (guint sx = 0; sx < 2; sx++)
    for (guint sy = 0; sy < 2; sy++)
      for (guint sz = 0; sz < 2; sz++)
        {
          guint32 x = sx, y = 2 + sy, z = 4 + sz;

          /* (+x, +y, +z) is counter-clockwise from outside; each sign flip turns it over. */
          if ((sx + sy + sz) % 2 == 0)
            builder_triangle (&b, x, y, z);
          else
            builder_triangle (&b, x, z, y);
        }
  octahedron = builder_finish (&b, NULL, TRUE);
  assert_closed (octahedron, &c);
  g_assert_cmpfloat (c.volume, >, 0.0);

  out = decimate_ok (octahedron, 4);
  g_assert_cmpuint (evox_mesh_get_n_triangles (out), ==, 4);
  assert_closed (out, &c);
  g_assert_cmpint (euler_characteristic (&c, out), ==, 2);
  g_assert_cmpfloat (c.volume, >, 0.0);

  {
    EvoxMesh *pair[2] = { out, out };

    tetrahedra = evox_mesh_merge (pair, NULL, 2);
  }
  /* Two tetrahedra cannot go below 8 triangles: nothing collapses, and the result is the
   * mesh itself rather than a failure (a surface would otherwise have nothing to show). */
  g_clear_pointer (&out, evox_mesh_unref);
  out = evox_mesh_decimate (tetrahedra, 4, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (out == tetrahedra);
  g_assert_cmpuint (evox_mesh_get_n_triangles (out), ==, 8);
}

/* A lumpy sphere of about 10 million triangles down to 1 million, timed (-m perf). */
static void
test_perf (void)
{
  const double origin[3] = { 0.0, 0.0, 0.0 };
  Builder b;
  g_autoptr(EvoxMesh) mesh = NULL, out = NULL;
  guint n = 912;
  gint64 start;
  double seconds;
  Census c;

  builder_init (&b);
  build_sphere (&b, n, 100.0, origin);
  /* Bumps at several scales and a little noise, like an isosurface of real data. */
  {
    guint64 state = 7;
    float *p = (float *) b.positions->data;

    for (guint v = 0; v < b.positions->len / 3; v++)
      {
        double x = p[3 * v] / 100.0, y = p[3 * v + 1] / 100.0, z = p[3 * v + 2] / 100.0;
        double f = 1.0 + 0.1 * sin (5 * x) * sin (7 * y) * sin (3 * z)
                   + 0.02 * sin (40 * x + 30 * z) + 0.001 * (evox_test_uniform (&state) - 0.5);

        for (guint k = 0; k < 3; k++)
          p[3 * v + k] *= (float) f;
      }
  }
  mesh = builder_finish (&b, NULL, TRUE);

  start = g_get_monotonic_time ();
  out = decimate_ok (mesh, 1000000);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_minimized_result (seconds, "%" G_GSIZE_FORMAT " -> %" G_GSIZE_FORMAT
                           " triangles in %.2f s (%.2f M input triangles/s)",
                           evox_mesh_get_n_triangles (mesh), evox_mesh_get_n_triangles (out),
                           seconds, evox_mesh_get_n_triangles (mesh) / seconds / 1e6);
  assert_closed (out, &c);
  g_assert_cmpint (euler_characteristic (&c, out), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/Decimate/sphere", test_sphere);
  g_test_add_func ("/Evox/Decimate/torus", test_torus);
  g_test_add_func ("/Evox/Decimate/thin-torus", test_thin_torus);
  g_test_add_func ("/Evox/Decimate/cube", test_cube);
  g_test_add_func ("/Evox/Decimate/two-spheres", test_two_spheres);
  g_test_add_func ("/Evox/Decimate/hemisphere", test_hemisphere);
  g_test_add_func ("/Evox/Decimate/square", test_square);
  g_test_add_func ("/Evox/Decimate/colors", test_colors);
  g_test_add_func ("/Evox/Decimate/degenerate", test_degenerate);
  g_test_add_func ("/Evox/Decimate/deterministic", test_deterministic);
  g_test_add_func ("/Evox/Decimate/budget-met", test_budget_met);
  g_test_add_func ("/Evox/Decimate/cancel", test_cancel);
  g_test_add_func ("/Evox/Decimate/smallest", test_smallest);
  if (g_test_perf ())
    g_test_add_func ("/Evox/Decimate/perf", test_perf);
  return g_test_run ();
}

/* test-mesh-writer.c: STL, PLY and OBJ files read back by readers written from the formats. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "evox-mesh-writer.h"
#include "evox-types.h"
#include "evox-test-mesh.h"
#include "evox-test-util.h"

static const EvoxMeshFormat all_formats[] = {
  EVOX_MESH_FORMAT_STL, EVOX_MESH_FORMAT_PLY, EVOX_MESH_FORMAT_OBJ,
};

/* ------------------------------------------------------------------------------------------ */
/* Meshes made here                                                                             */

/* Positions, normals and colours in growable arrays, oriented outward from centre. */
typedef struct
{
  GArray *positions;
  GArray *normals;
  GArray *colors;
  GArray *triangles;
} Builder;

static void
builder_init (Builder *b)
{
  b->positions = g_array_new (FALSE, FALSE, sizeof (float));
  b->normals = g_array_new (FALSE, FALSE, sizeof (float));
  b->colors = g_array_new (FALSE, FALSE, 1);
  b->triangles = g_array_new (FALSE, FALSE, sizeof (guint32));
}

static void
builder_add_vertex (Builder       *b,
                    const double   p[3],
                    const double   centre[3],
                    const guint8  *rgba)
{
  double length = 0;

  for (guint k = 0; k < 3; k++)
    length += (p[k] - centre[k]) * (p[k] - centre[k]);
  length = sqrt (length);
  for (guint k = 0; k < 3; k++)
    {
      float position = (float) p[k];
      float normal = (float) ((p[k] - centre[k]) / length);

      g_array_append_val (b->positions, position);
      g_array_append_val (b->normals, normal);
    }
  if (rgba != NULL)
    g_array_append_vals (b->colors, rgba, 4);
}

static void
builder_vertex (const Builder *b,
                guint32        v,
                double         p[3])
{
  for (guint k = 0; k < 3; k++)
    p[k] = g_array_index (b->positions, float, 3 * v + k);
}

/* Triangle (a, b, c) turned so that cross (b - a, c - a) points away from centre. */
static void
builder_add_triangle (Builder      *b,
                      guint32       v0,
                      guint32       v1,
                      guint32       v2,
                      const double  centre[3])
{
  double p[3][3], n[3], dot = 0;
  guint32 t[3] = { v0, v1, v2 };

  builder_vertex (b, v0, p[0]);
  builder_vertex (b, v1, p[1]);
  builder_vertex (b, v2, p[2]);
  evox_test_triangle_cross (p, n);
  for (guint k = 0; k < 3; k++)
    dot += n[k] * ((p[0][k] + p[1][k] + p[2][k]) / 3 - centre[k]);
  if (dot < 0)
    {
      t[1] = v2;
      t[2] = v1;
    }
  g_array_append_vals (b->triangles, t, 3);
}

static EvoxMesh *
builder_finish (Builder  *b,
                gboolean  closed)
{
  gsize n_vertices = b->positions->len / 3;
  gsize n_triangles = b->triangles->len / 3;
  gboolean colored = b->colors->len > 0;

  return evox_mesh_new_take ((float *) g_array_free (b->positions, FALSE),
                             (float *) g_array_free (b->normals, FALSE),
                             colored ? g_array_free (b->colors, FALSE)
                                     : (g_array_free (b->colors, TRUE), NULL),
                             n_vertices, (guint32 *) g_array_free (b->triangles, FALSE),
                             n_triangles, closed);
}

/* A box of corners origin + size * (i, j, k), two triangles a face, outward. */
static EvoxMesh *
make_cube (gboolean colored)
{
  const double origin[3] = { 12.5, -40.25, 1000.125 };
  const double size[3] = { 3, 7.5, 0.5 };
  double centre[3];
  Builder b;

  builder_init (&b);
  for (guint k = 0; k < 3; k++)
    centre[k] = origin[k] + size[k] / 2;
  for (guint v = 0; v < 8; v++)
    {
      double p[3];
      guint8 rgba[4] = { (guint8) (30 * v), (guint8) (255 - 20 * v), (guint8) (v * v), 255 };

      for (guint k = 0; k < 3; k++)
        p[k] = origin[k] + size[k] * ((v >> k) & 1);
      builder_add_vertex (&b, p, centre, colored ? rgba : NULL);
    }
  /* The face at side s of axis a holds the corners with bit a equal to s. */
  for (guint a = 0; a < 3; a++)
    for (guint s = 0; s < 2; s++)
      {
        guint32 q[4];
        guint n = 0;

        for (guint v = 0; v < 8; v++)
          if (((v >> a) & 1) == s)
            q[n++] = v;
        /* q[0] and q[3] are diagonal: they differ in both free bits. */
        builder_add_triangle (&b, q[0], q[1], q[3], centre);
        builder_add_triangle (&b, q[0], q[3], q[2], centre);
      }
  return builder_finish (&b, TRUE);
}

/* The icosahedron of vertices (0, +-1, +-phi) and their cyclic shifts: faces are the triples of
 * vertices at distance 2 from each other, found by trying all. */
static EvoxMesh *
make_icosahedron (gboolean colored,
                  double   scale)
{
  const double phi = (1 + sqrt (5)) / 2;
  const double centre[3] = { -7, 3.25, 250 };
  double p[12][3];
  Builder b;
  guint n = 0;

  builder_init (&b);
  for (guint shift = 0; shift < 3; shift++)
    for (guint s = 0; s < 4; s++)
      {
        double q[3] = { 0, s & 1 ? -1 : 1, s & 2 ? -phi : phi };
        guint8 rgba[4] = { (guint8) (20 * n), (guint8) (200 - 10 * n), 77, (guint8) (255 - n) };

        for (guint k = 0; k < 3; k++)
          p[n][(k + shift) % 3] = centre[(k + shift) % 3] + scale * q[k];
        builder_add_vertex (&b, p[n], centre, colored ? rgba : NULL);
        n++;
      }
  for (guint i = 0; i < 12; i++)
    for (guint j = i + 1; j < 12; j++)
      for (guint k = j + 1; k < 12; k++)
        {
          guint32 t[3] = { i, j, k };
          gboolean edges = TRUE;

          for (guint e = 0; e < 3; e++)
            {
              double d = 0;
              for (guint a = 0; a < 3; a++)
                d += pow (p[t[e]][a] - p[t[(e + 1) % 3]][a], 2);
              edges &= fabs (sqrt (d) - 2 * scale) < 1e-6 * scale;
            }
          if (edges)
            builder_add_triangle (&b, i, j, k, centre);
        }
  g_assert_cmpuint (b.triangles->len, ==, 60);
  return builder_finish (&b, TRUE);
}

/* Floats that exercise the OBJ number text: both notations, their boundaries, the extremes. */
static const float special_floats[] = {
  0.0f, -0.0f, 1.0f, -1.0f, 0.1f, 1e-4f, 9.99999e-5f, 1e-5f, 123456789.0f, 999999999.0f, 1e9f,
  1e10f, 4294967296.0f, 3.4028235e38f, -3.4028235e38f, 1.17549435e-38f, 1.4e-45f, 123456.0625f,
  0.5f, 2.5f, 99999.99f, 1e-38f, 16777216.0f, 16777215.0f, -123.456f, 1e22f, 1e23f,
};

/* Random positions over many magnitudes (and the special floats), random unit normals and
 * colours, random triangles of distinct corners: a big open mesh to read back number for
 * number. */
static EvoxMesh *
make_random (gsize    n_vertices,
             gsize    n_triangles,
             gboolean colored,
             guint64  seed)
{
  float *positions = g_new (float, 3 * n_vertices);
  float *normals = g_new (float, 3 * n_vertices);
  guint8 *colors = colored ? g_new (guint8, 4 * n_vertices) : NULL;
  guint32 *triangles = g_new (guint32, 3 * n_triangles);
  guint64 state = seed;

  for (gsize i = 0; i < 3 * n_vertices; i++)
    {
      double magnitude = pow (10, -6 + 14 * evox_test_uniform (&state));
      double sign = evox_test_uniform (&state) < 0.5 ? -1 : 1;

      positions[i] = i < G_N_ELEMENTS (special_floats) ? special_floats[i]
                                                         : (float) (sign * magnitude *
                                                                    evox_test_uniform (&state));
    }
  for (gsize v = 0; v < n_vertices; v++)
    {
      double n[3], length = 0;

      for (guint k = 0; k < 3; k++)
        {
          n[k] = evox_test_uniform (&state) - 0.5;
          length += n[k] * n[k];
        }
      for (guint k = 0; k < 3; k++)
        normals[3 * v + k] = (float) (n[k] / sqrt (length));
      if (colors != NULL)
        for (guint k = 0; k < 4; k++)
          colors[4 * v + k] = (guint8) (evox_test_random (&state) >> 56);
    }
  for (gsize t = 0; t < n_triangles; t++)
    {
      guint32 a = (guint32) (evox_test_random (&state) % n_vertices), b, c;

      do
        b = (guint32) (evox_test_random (&state) % n_vertices);
      while (b == a);
      do
        c = (guint32) (evox_test_random (&state) % n_vertices);
      while (c == a || c == b);
      triangles[3 * t] = a;
      triangles[3 * t + 1] = b;
      triangles[3 * t + 2] = c;
    }
  return evox_mesh_new_take (positions, normals, colors, n_vertices, triangles, n_triangles,
                             FALSE);
}

/* ------------------------------------------------------------------------------------------ */
/* Checks                                                                                       */

static char *
write_mesh (EvoxMesh       *mesh,
            const char     *dir,
            const char     *name,
            EvoxMeshFormat  format,
            const guint8   *rgba)
{
  g_autofree char *file = g_strdup_printf ("%s.%s", name, evox_mesh_format_to_string (format));
  char *path = g_build_filename (dir, file, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (evox_mesh_write (mesh, path, format, rgba, FALSE, &error));
  g_assert_no_error (error);
  return path;
}

static gboolean
same_float (float    a,
            float    b,
            gboolean bits)
{
  return bits ? memcmp (&a, &b, sizeof a) == 0 : a == b;
}

/* An indexed file (PLY, OBJ) against the mesh: counts, every number (bit for bit in PLY; OBJ
 * writes -0 as 0), colours (the mesh's, else rgba, else one light grey), triangles in order. */
static void
assert_indexed (EvoxMesh           *mesh,
                const EvoxTestMesh *file,
                const guint8       *rgba,
                gboolean            bits,
                gboolean            alpha)
{
  gsize n = evox_mesh_get_n_vertices (mesh);
  const float *positions = evox_mesh_get_positions (mesh);
  const float *normals = evox_mesh_get_normals (mesh);
  const guint8 *colors = evox_mesh_get_colors (mesh);

  g_assert_cmpuint (file->n_vertices, ==, n);
  g_assert_cmpuint (file->n_triangles, ==, evox_mesh_get_n_triangles (mesh));
  for (gsize i = 0; i < 3 * n; i++)
    {
      if (!same_float (file->positions[i], positions[i], bits))
        g_error ("position %" G_GSIZE_FORMAT ": %.9g read back as %.9g", i, positions[i],
                 file->positions[i]);
      g_assert_true (fabs (file->positions[i] - positions[i]) <= 1e-6 * fabs (positions[i]));
      g_assert_true (same_float (file->normals[i], normals[i], bits));
    }
  if (n > 0)
    g_assert_nonnull (file->colors);
  for (gsize v = 0; v < n; v++)
    {
      const guint8 *want = colors != NULL ? colors + 4 * v : rgba != NULL ? rgba : file->colors;

      for (guint k = 0; k < (alpha ? 4u : 3u); k++)
        g_assert_cmpuint (file->colors[4 * v + k], ==, want[k]);
      if (colors == NULL && rgba == NULL)
        {
          /* One light grey, opaque. */
          g_assert_cmpmem (file->colors + 4 * v, 4, file->colors, 4);
          g_assert_cmpuint (file->colors[0], ==, file->colors[1]);
          g_assert_cmpuint (file->colors[1], ==, file->colors[2]);
          g_assert_cmpuint (file->colors[0], >=, 160);
          g_assert_cmpuint (file->colors[3], ==, 255);
        }
    }
  if (evox_mesh_get_n_triangles (mesh) > 0)
    g_assert_cmpmem (file->triangles, 3 * file->n_triangles * sizeof (guint32),
                     evox_mesh_get_triangles (mesh),
                     3 * evox_mesh_get_n_triangles (mesh) * sizeof (guint32));
}

static int
compare_triangle_keys (const void *a,
                       const void *b)
{
  return memcmp (a, b, 9 * sizeof (float));
}

/* An STL file against the mesh: the same triangles as a multiset of corner triples (corners in
 * their order), and each facet normal the unit normal of its corners (0 when degenerate). */
static void
assert_stl (EvoxMesh           *mesh,
            const EvoxTestMesh *file)
{
  gsize n = evox_mesh_get_n_triangles (mesh);
  const float *positions = evox_mesh_get_positions (mesh);
  const guint32 *triangles = evox_mesh_get_triangles (mesh);
  g_autofree float *want = g_new (float, 9 * MAX (n, 1));
  g_autofree float *got = g_new (float, 9 * MAX (n, 1));

  g_assert_true (g_str_has_prefix (file->comments, "Evox mesh, unit nm"));
  g_assert_false (g_str_has_prefix (file->comments, "solid"));
  g_assert_cmpuint (file->n_triangles, ==, n);
  for (gsize t = 0; t < n; t++)
    for (guint c = 0; c < 3; c++)
      for (guint k = 0; k < 3; k++)
        {
          want[9 * t + 3 * c + k] = positions[3 * (gsize) triangles[3 * t + c] + k];
          got[9 * t + 3 * c + k] = file->positions[3 * file->triangles[3 * t + c] + k];
        }
  qsort (want, n, 9 * sizeof (float), compare_triangle_keys);
  qsort (got, n, 9 * sizeof (float), compare_triangle_keys);
  g_assert_cmpmem (got, 9 * n * sizeof (float), want, 9 * n * sizeof (float));

  for (gsize t = 0; t < n; t++)
    {
      const float *p = file->positions + 9 * t;
      const float *normal = file->facet_normals + 3 * t;
      double u[3], v[3], w[3], length;

      for (guint k = 0; k < 3; k++)
        {
          u[k] = (double) p[3 + k] - p[k];
          v[k] = (double) p[6 + k] - p[k];
        }
      w[0] = u[1] * v[2] - u[2] * v[1];
      w[1] = u[2] * v[0] - u[0] * v[2];
      w[2] = u[0] * v[1] - u[1] * v[0];
      length = sqrt (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
      for (guint k = 0; k < 3; k++)
        g_assert_cmpfloat_with_epsilon (normal[k], length > 0 ? w[k] / length : 0, 1e-6);
    }
}

/* Writes mesh in every format (PLY and OBJ with rgba) and reads each file back. */
static void
assert_round_trip (EvoxMesh     *mesh,
                   const guint8 *rgba)
{
  g_autofree char *dir = evox_test_tmpdir_new ();

  for (guint f = 0; f < G_N_ELEMENTS (all_formats); f++)
    {
      g_autofree char *path = write_mesh (mesh, dir, "mesh", all_formats[f], rgba);
      g_autoptr(EvoxTestMesh) file = evox_test_mesh_read (path);

      g_test_message ("%s", path);
      switch (all_formats[f])
        {
        case EVOX_MESH_FORMAT_STL:
          assert_stl (mesh, file);
          break;
        case EVOX_MESH_FORMAT_PLY:
          g_assert_nonnull (strstr (file->comments, "Evox mesh, unit nm"));
          assert_indexed (mesh, file, rgba, TRUE, TRUE);
          break;
        case EVOX_MESH_FORMAT_OBJ:
        default:
          g_assert_nonnull (strstr (file->comments, "Evox mesh, unit nm"));
          assert_indexed (mesh, file, rgba, FALSE, FALSE);
          break;
        }
      if (evox_mesh_is_closed (mesh))
        {
          g_assert_true (evox_test_mesh_is_closed (file));
          g_assert_cmpuint (evox_test_mesh_count_non_manifold (file), ==, 0);
          g_assert_cmpfloat (evox_test_mesh_volume (file), >, 0);
        }
      else
        g_assert_false (evox_test_mesh_is_closed (file));
    }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, G_N_ELEMENTS (all_formats));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                        */

static void
test_cube (void)
{
  g_autoptr(EvoxMesh) plain = make_cube (FALSE);
  g_autoptr(EvoxMesh) colored = make_cube (TRUE);
  const guint8 rgba[4] = { 10, 20, 30, 40 };

  g_assert_cmpuint (evox_mesh_get_n_triangles (plain), ==, 12);
  assert_round_trip (plain, NULL);
  assert_round_trip (plain, rgba);
  assert_round_trip (colored, NULL);
  /* A mesh's own colours win over rgba. */
  assert_round_trip (colored, rgba);
}

/* The box's volume and area from the files, against its size (3 x 7.5 x 0.5 nm). */
static void
test_cube_measures (void)
{
  g_autoptr(EvoxMesh) cube = make_cube (FALSE);
  g_autofree char *dir = evox_test_tmpdir_new ();

  for (guint f = 0; f < G_N_ELEMENTS (all_formats); f++)
    {
      g_autofree char *path = write_mesh (cube, dir, "cube", all_formats[f], NULL);
      g_autoptr(EvoxTestMesh) file = evox_test_mesh_read (path);

      g_assert_cmpuint (evox_test_mesh_count_positions (file), ==, 8);
      g_assert_cmpfloat_with_epsilon (evox_test_mesh_volume (file), 3 * 7.5 * 0.5, 1e-9);
      g_assert_cmpfloat_with_epsilon (evox_test_mesh_area (file),
                                      2 * (3 * 7.5 + 3 * 0.5 + 7.5 * 0.5), 1e-9);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A mesh of a volume whose voxel size is not known: every header says px (voxel steps) and the
 * coordinates are the mesh's nm less the origin over the assumed spacing per axis (voxel
 * indices; spacing 0.5, 2.5, 0.25 nm here), so
 * the box of 3 x 7.5 x 0.5 nm spans 6 x 3 x 2 voxel steps, 36 voxels; normals stay unit axes.
 * Known, the same volume writes nm. Before, every file said "unit nm" whatever the volume. */
static void
test_voxel_units (void)
{
  g_autoptr(EvoxMesh) cube = make_cube (FALSE);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (4, 4, 4, 1, EVOX_SAMPLE_U8, &error);
  const double spacing[3] = { 0.5, 2.5, 0.25 }, origin[3] = { 1, -2, 0.5 };
  const float *positions = evox_mesh_get_positions (cube);
  const float *normals = evox_mesh_get_normals (cube);

  g_assert_no_error (error);
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_origin (volume, origin);
  for (int known = 0; known < 2; known++)
    {
      evox_volume_set_spacing_known (volume, known);
      for (guint f = 0; f < G_N_ELEMENTS (all_formats); f++)
        {
          g_autofree char *file = g_strdup_printf ("cube-%d.%s", known,
                                                   evox_mesh_format_to_string (all_formats[f]));
          g_autofree char *path = g_build_filename (dir, file, NULL);
          g_autoptr(EvoxTestMesh) back = NULL;

          g_assert_true (evox_mesh_write_for_volume (cube, volume, path, all_formats[f], NULL,
                                                     FALSE, &error));
          g_assert_no_error (error);
          back = evox_test_mesh_read (path);
          g_test_message ("%s: %s", file, back->comments);
          if (known)
            {
              g_assert_nonnull (strstr (back->comments, "unit nm"));
              g_assert_cmpfloat_with_epsilon (evox_test_mesh_volume (back), 3 * 7.5 * 0.5, 1e-9);
            }
          else
            {
              g_assert_null (strstr (back->comments, "nm"));
              g_assert_nonnull (strstr (back->comments,
                                        "unit px (voxel steps; voxel size not known)"));
              g_assert_cmpfloat_with_epsilon (evox_test_mesh_volume (back), 36, 1e-9);
            }
          if (all_formats[f] == EVOX_MESH_FORMAT_STL)
            continue;
          /* Indexed formats keep the vertex order: each coordinate against the mesh's, each
           * normal against the mesh's carried by the inverse transpose (times the spacing). */
          for (gsize v = 0; v < back->n_vertices; v++)
            {
              double m[3], length = 0;

              for (guint k = 0; k < 3; k++)
                {
                  m[k] = normals[3 * v + k] * (known ? 1 : spacing[k]);
                  length += m[k] * m[k];
                }
              for (guint k = 0; k < 3; k++)
                {
                  double want = known ? positions[3 * v + k]
                                      : (positions[3 * v + k] - origin[k]) / spacing[k];

                  g_assert_cmpfloat_with_epsilon (back->positions[3 * v + k], want, 1e-6);
                  g_assert_cmpfloat_with_epsilon (back->normals[3 * v + k], m[k] / sqrt (length),
                                                  1e-6);
                }
            }
        }
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_icosahedron (void)
{
  g_autoptr(EvoxMesh) plain = make_icosahedron (FALSE, 3.7);
  g_autoptr(EvoxMesh) colored = make_icosahedron (TRUE, 1e4);
  const guint8 rgba[4] = { 255, 0, 128, 255 };

  assert_round_trip (plain, NULL);
  assert_round_trip (plain, rgba);
  assert_round_trip (colored, NULL);
}

static void
test_big (void)
{
  g_autoptr(EvoxMesh) colored = make_random (60000, 150000, TRUE, 11);
  g_autoptr(EvoxMesh) plain = make_random (20000, 50000, FALSE, 12);
  const guint8 rgba[4] = { 1, 2, 254, 128 };

  assert_round_trip (colored, NULL);
  assert_round_trip (plain, rgba);
}

/* Zero-area triangles (a repeated corner, three corners on a line) get a zero facet normal. */
static void
test_degenerate (void)
{
  float *positions = g_new (float, 12);
  guint32 *triangles = g_new (guint32, 9);
  const float p[12] = { 0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 1, 0 };
  const guint32 t[9] = { 0, 1, 2, 0, 0, 3, 0, 3, 1 };
  g_autoptr(EvoxMesh) mesh = NULL;

  memcpy (positions, p, sizeof p);
  memcpy (triangles, t, sizeof t);
  mesh = evox_mesh_new_take (positions, NULL, NULL, 4, triangles, 3, FALSE);
  assert_round_trip (mesh, NULL);
  {
    g_autofree char *dir = evox_test_tmpdir_new ();
    g_autofree char *path = write_mesh (mesh, dir, "d", EVOX_MESH_FORMAT_STL, NULL);
    g_autoptr(EvoxTestMesh) file = evox_test_mesh_read_stl (path);
    const float zero[3] = { 0, 0, 0 };

    g_assert_cmpmem (file->facet_normals, sizeof zero, zero, sizeof zero);
    g_assert_cmpmem (file->facet_normals + 3, sizeof zero, zero, sizeof zero);
    g_assert_cmpfloat (fabs (file->facet_normals[6]) + fabs (file->facet_normals[7]) +
                       fabs (file->facet_normals[8]), >, 0.5);
    evox_test_tmpdir_free (g_steal_pointer (&dir));
  }
}

/* An empty mesh writes files that say so: an STL of 84 bytes, a PLY of no elements, an OBJ of
 * comments only. */
static void
test_empty (void)
{
  g_autoptr(EvoxMesh) mesh = evox_mesh_new_empty ();
  g_autofree char *dir = evox_test_tmpdir_new ();

  for (guint f = 0; f < G_N_ELEMENTS (all_formats); f++)
    {
      g_autofree char *path = write_mesh (mesh, dir, "empty", all_formats[f], NULL);
      g_autoptr(EvoxTestMesh) file = evox_test_mesh_read (path);

      g_assert_cmpuint (file->n_vertices, ==, 0);
      g_assert_cmpuint (file->n_triangles, ==, 0);
      g_assert_nonnull (strstr (file->comments, "Evox mesh, unit nm"));
    }
  {
    g_autofree char *stl = g_build_filename (dir, "empty.stl", NULL);
    GStatBuf st;

    g_assert_cmpint (g_stat (stl, &st), ==, 0);
    g_assert_cmpint (st.st_size, ==, 84);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_format_from_path (void)
{
  const struct
  {
    const char     *path;
    gboolean        ok;
    EvoxMeshFormat  format;
  } cases[] = {
    { "a.stl", TRUE, EVOX_MESH_FORMAT_STL },
    { "/x/y/B.STL", TRUE, EVOX_MESH_FORMAT_STL },
    { "c.Ply", TRUE, EVOX_MESH_FORMAT_PLY },
    { "dir.obj/d.OBJ", TRUE, EVOX_MESH_FORMAT_OBJ },
    { "e.obj.txt", FALSE, 0 },
    { "stl", FALSE, 0 },
    { "f.st", FALSE, 0 },
    { "g.tif", FALSE, 0 },
    { "", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      EvoxMeshFormat format = 99;
      gboolean ok = evox_mesh_format_from_path (cases[i].path, &format, &error);

      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        {
          g_assert_no_error (error);
          g_assert_cmpint (format, ==, cases[i].format);
        }
      else
        {
          g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
          g_assert_nonnull (strstr (error->message, cases[i].path));
        }
    }
  g_assert_cmpstr (evox_mesh_format_to_string (EVOX_MESH_FORMAT_STL), ==, "stl");
  g_assert_cmpstr (evox_mesh_format_to_string (EVOX_MESH_FORMAT_PLY), ==, "ply");
  g_assert_cmpstr (evox_mesh_format_to_string (EVOX_MESH_FORMAT_OBJ), ==, "obj");
}

/* An existing file stays byte for byte without overwrite, and is replaced with it. */
static void
test_exists (void)
{
  g_autoptr(EvoxMesh) mesh = make_cube (TRUE);
  g_autofree char *dir = evox_test_tmpdir_new ();

  for (guint f = 0; f < G_N_ELEMENTS (all_formats); f++)
    {
      g_autofree char *name = g_strdup_printf ("old.%s",
                                               evox_mesh_format_to_string (all_formats[f]));
      g_autofree char *path = g_build_filename (dir, name, NULL);
      const char precious[] = "precious\0bytes\n";
      g_autoptr(GError) error = NULL;
      g_autofree char *kept = NULL;
      gsize length;

      g_assert_true (g_file_set_contents (path, precious, sizeof precious, NULL));
      g_assert_false (evox_mesh_write (mesh, path, all_formats[f], NULL, FALSE, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_true (g_file_get_contents (path, &kept, &length, NULL));
      g_assert_cmpmem (kept, length, precious, sizeof precious);
      g_assert_cmpuint (evox_test_count_entries (dir), ==, f + 1);

      g_clear_error (&error);
      g_assert_true (evox_mesh_write (mesh, path, all_formats[f], NULL, TRUE, &error));
      g_assert_no_error (error);
      {
        g_autoptr(EvoxTestMesh) file = evox_test_mesh_read (path);
        g_assert_cmpuint (file->n_triangles, ==, 12);
      }
      g_assert_cmpuint (evox_test_count_entries (dir), ==, f + 1);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A folder that does not exist: the error names the path, and nothing is left anywhere. */
static void
test_missing_folder (void)
{
  g_autoptr(EvoxMesh) mesh = make_cube (FALSE);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *missing = g_build_filename (dir, "no-such-folder", NULL);

  for (guint f = 0; f < G_N_ELEMENTS (all_formats); f++)
    {
      g_autofree char *name = g_strdup_printf ("m.%s",
                                               evox_mesh_format_to_string (all_formats[f]));
      g_autofree char *path = g_build_filename (missing, name, NULL);
      g_autoptr(GError) error = NULL;

      g_assert_false (evox_mesh_write (mesh, path, all_formats[f], NULL, FALSE, &error));
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, "Cannot write "));
      g_assert_nonnull (strstr (error->message, path));
      g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
      g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A write that fails part way (the file-size limit stops it) leaves neither the file nor its
 * temporary. Run in a child, since the limit holds for the whole process. */
static void
test_write_failure (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(EvoxMesh) mesh = make_random (20000, 100000, TRUE, 5);
      g_autofree char *dir = evox_test_tmpdir_new ();
      struct rlimit limit = { 1000000, 1000000 };

      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
      for (guint f = 0; f < G_N_ELEMENTS (all_formats); f++)
        {
          g_autofree char *name = g_strdup_printf ("big.%s",
                                                   evox_mesh_format_to_string (all_formats[f]));
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_autoptr(GError) error = NULL;

          g_assert_false (evox_mesh_write (mesh, path, all_formats[f], NULL, FALSE, &error));
          g_assert_nonnull (error);
          g_assert_true (g_str_has_prefix (error->message, "Cannot write "));
          g_assert_nonnull (strstr (error->message, path));
          g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);
        }
      evox_test_tmpdir_free (g_steal_pointer (&dir));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/MeshWriter/cube", test_cube);
  g_test_add_func ("/Evox/MeshWriter/cube-measures", test_cube_measures);
  g_test_add_func ("/Evox/MeshWriter/icosahedron", test_icosahedron);
  g_test_add_func ("/Evox/MeshWriter/voxel-units", test_voxel_units);
  g_test_add_func ("/Evox/MeshWriter/big", test_big);
  g_test_add_func ("/Evox/MeshWriter/degenerate", test_degenerate);
  g_test_add_func ("/Evox/MeshWriter/empty", test_empty);
  g_test_add_func ("/Evox/MeshWriter/format-from-path", test_format_from_path);
  g_test_add_func ("/Evox/MeshWriter/exists", test_exists);
  g_test_add_func ("/Evox/MeshWriter/missing-folder", test_missing_folder);
  g_test_add_func ("/Evox/MeshWriter/write-failure", test_write_failure);
  return g_test_run ();
}

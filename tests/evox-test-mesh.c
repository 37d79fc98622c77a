/* evox-test-mesh.c: readers of binary STL, binary PLY and OBJ written from the format specs. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evox-test-mesh.h"

void
evox_test_mesh_free (EvoxTestMesh *mesh)
{
  if (mesh == NULL)
    return;
  g_free (mesh->positions);
  g_free (mesh->normals);
  g_free (mesh->colors);
  g_free (mesh->triangles);
  g_free (mesh->facet_normals);
  g_free (mesh->comments);
  g_free (mesh);
}

static guint32
le_u32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static float
le_f32 (const guint8 *p)
{
  guint32 bits = le_u32 (p);
  float value;

  memcpy (&value, &bits, 4);
  return value;
}

static guint8 *
read_all (const char *path,
          gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return (guint8 *) contents;
}

/* ------------------------------------------------------------------------------------------ */
/* Binary STL: 80-byte header, u32 count, then per triangle 12 floats and a u16.               */

EvoxTestMesh *
evox_test_mesh_read_stl (const char *path)
{
  gsize length;
  g_autofree guint8 *data = read_all (path, &length);
  EvoxTestMesh *mesh = g_new0 (EvoxTestMesh, 1);
  gsize n;

  g_assert_cmpuint (length, >=, 84);
  mesh->comments = g_strndup ((const char *) data, 80);
  n = le_u32 (data + 80);
  g_assert_cmpuint (length, ==, 84 + 50 * n);
  mesh->n_triangles = n;
  mesh->n_vertices = 3 * n;
  mesh->positions = g_new (float, 9 * MAX (n, 1));
  mesh->facet_normals = g_new (float, 3 * MAX (n, 1));
  mesh->triangles = g_new (guint32, 3 * MAX (n, 1));
  for (gsize t = 0; t < n; t++)
    {
      const guint8 *record = data + 84 + 50 * t;

      for (guint k = 0; k < 3; k++)
        mesh->facet_normals[3 * t + k] = le_f32 (record + 4 * k);
      for (guint k = 0; k < 9; k++)
        mesh->positions[9 * t + k] = le_f32 (record + 12 + 4 * k);
      for (guint c = 0; c < 3; c++)
        mesh->triangles[3 * t + c] = (guint32) (3 * t + c);
      g_assert_cmpuint (record[48] | record[49] << 8, ==, 0);
    }
  return mesh;
}

/* ------------------------------------------------------------------------------------------ */
/* Binary little-endian PLY: any scalar property types, found by name in the header.           */

typedef enum { T_I8, T_U8, T_I16, T_U16, T_I32, T_U32, T_F32, T_F64 } PlyType;

typedef struct
{
  char    *name;
  PlyType  type;
  gboolean is_list;
  PlyType  count_type;
} PlyProperty;

typedef struct
{
  char      *name;
  gsize      count;
  GPtrArray *properties;
} PlyElement;

static void
ply_element_free (PlyElement *element)
{
  for (guint i = 0; i < element->properties->len; i++)
    {
      PlyProperty *p = g_ptr_array_index (element->properties, i);
      g_free (p->name);
      g_free (p);
    }
  g_ptr_array_unref (element->properties);
  g_free (element->name);
  g_free (element);
}

static PlyType
ply_type (const char *name)
{
  static const struct { const char *name; PlyType type; } types[] = {
    { "char", T_I8 }, { "int8", T_I8 }, { "uchar", T_U8 }, { "uint8", T_U8 },
    { "short", T_I16 }, { "int16", T_I16 }, { "ushort", T_U16 }, { "uint16", T_U16 },
    { "int", T_I32 }, { "int32", T_I32 }, { "uint", T_U32 }, { "uint32", T_U32 },
    { "float", T_F32 }, { "float32", T_F32 }, { "double", T_F64 }, { "float64", T_F64 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_equal (name, types[i].name))
      return types[i].type;
  g_error ("PLY: unknown type %s", name);
}

/* One value of type at *p, as a double (exact for every type but none of ours are doubles);
 * advances p. */
static double
ply_value (const guint8 **p,
           const guint8  *end,
           PlyType        type)
{
  static const gsize sizes[] = { 1, 1, 2, 2, 4, 4, 4, 8 };
  const guint8 *q = *p;
  double v;

  g_assert_cmpint (end - q, >=, (gssize) sizes[type]);
  switch (type)
    {
    case T_I8: v = (gint8) q[0]; break;
    case T_U8: v = q[0]; break;
    case T_I16: v = (gint16) (q[0] | q[1] << 8); break;
    case T_U16: v = (guint16) (q[0] | q[1] << 8); break;
    case T_I32: v = (gint32) le_u32 (q); break;
    case T_U32: v = le_u32 (q); break;
    case T_F32: v = le_f32 (q); break;
    case T_F64:
    default:
      {
        guint64 bits = le_u32 (q) | (guint64) le_u32 (q + 4) << 32;
        memcpy (&v, &bits, 8);
      }
      break;
    }
  *p = q + sizes[type];
  return v;
}

EvoxTestMesh *
evox_test_mesh_read_ply (const char *path)
{
  gsize length;
  g_autofree guint8 *data = read_all (path, &length);
  g_autoptr(GPtrArray) elements = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                   ply_element_free);
  g_autoptr(GString) comments = g_string_new (NULL);
  g_autofree char *header = NULL;
  g_auto(GStrv) lines = NULL;
  const char *marker = "end_header\n";
  const guint8 *p, *end = data + length;
  const char *found;
  EvoxTestMesh *mesh = g_new0 (EvoxTestMesh, 1);
  PlyElement *current = NULL;

  found = g_strstr_len ((const char *) data, (gssize) length, marker);
  g_assert_nonnull (found);
  header = g_strndup ((const char *) data, (gsize) (found - (const char *) data));
  p = (const guint8 *) found + strlen (marker);
  lines = g_strsplit (header, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "ply");
  g_assert_cmpstr (lines[1], ==, "format binary_little_endian 1.0");
  for (guint i = 2; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      g_auto(GStrv) words = g_strsplit (lines[i], " ", -1);
      guint n = g_strv_length (words);

      if (g_str_equal (words[0], "comment"))
        g_string_append_printf (comments, "%s\n", lines[i] + strlen ("comment "));
      else if (g_str_equal (words[0], "element"))
        {
          g_assert_cmpuint (n, ==, 3);
          current = g_new0 (PlyElement, 1);
          current->name = g_strdup (words[1]);
          current->count = g_ascii_strtoull (words[2], NULL, 10);
          current->properties = g_ptr_array_new ();
          g_ptr_array_add (elements, current);
        }
      else if (g_str_equal (words[0], "property"))
        {
          PlyProperty *prop = g_new0 (PlyProperty, 1);

          g_assert_nonnull (current);
          if (g_str_equal (words[1], "list"))
            {
              g_assert_cmpuint (n, ==, 5);
              prop->is_list = TRUE;
              prop->count_type = ply_type (words[2]);
              prop->type = ply_type (words[3]);
              prop->name = g_strdup (words[4]);
            }
          else
            {
              g_assert_cmpuint (n, ==, 3);
              prop->type = ply_type (words[1]);
              prop->name = g_strdup (words[2]);
            }
          g_ptr_array_add (current->properties, prop);
        }
      else
        g_error ("PLY: unexpected header line '%s'", lines[i]);
    }
  mesh->comments = g_string_free (g_steal_pointer (&comments), FALSE);

  for (guint e = 0; e < elements->len; e++)
    {
      PlyElement *element = g_ptr_array_index (elements, e);
      gboolean is_vertex = g_str_equal (element->name, "vertex");
      gboolean is_face = g_str_equal (element->name, "face");
      guint n_props = element->properties->len;

      if (is_vertex)
        {
          mesh->n_vertices = element->count;
          mesh->positions = g_new0 (float, 3 * MAX (element->count, 1));
          for (guint i = 0; i < n_props; i++)
            {
              PlyProperty *prop = g_ptr_array_index (element->properties, i);
              if (g_str_equal (prop->name, "nx") && mesh->normals == NULL)
                mesh->normals = g_new0 (float, 3 * MAX (element->count, 1));
              if (g_str_equal (prop->name, "red") && mesh->colors == NULL)
                {
                  mesh->colors = g_new (guint8, 4 * MAX (element->count, 1));
                  memset (mesh->colors, 255, 4 * MAX (element->count, 1));
                }
            }
        }
      if (is_face)
        {
          mesh->n_triangles = element->count;
          mesh->triangles = g_new0 (guint32, 3 * MAX (element->count, 1));
        }
      for (gsize r = 0; r < element->count; r++)
        for (guint i = 0; i < n_props; i++)
          {
            PlyProperty *prop = g_ptr_array_index (element->properties, i);
            static const char *fields[] = { "x", "y", "z", "nx", "ny", "nz", "red", "green",
                                            "blue", "alpha" };

            if (prop->is_list)
              {
                double count = ply_value (&p, end, prop->count_type);

                for (guint k = 0; k < (guint) count; k++)
                  {
                    double index = ply_value (&p, end, prop->type);

                    if (is_face && g_str_equal (prop->name, "vertex_indices"))
                      {
                        g_assert_cmpfloat (count, ==, 3);
                        g_assert_cmpfloat (index, >=, 0);
                        g_assert_cmpfloat (index, <, (double) mesh->n_vertices);
                        mesh->triangles[3 * r + k] = (guint32) index;
                      }
                  }
                continue;
              }
            {
              double value = ply_value (&p, end, prop->type);

              if (!is_vertex)
                continue;
              for (guint f = 0; f < G_N_ELEMENTS (fields); f++)
                if (g_str_equal (prop->name, fields[f]))
                  {
                    if (f < 3)
                      mesh->positions[3 * r + f] = (float) value;
                    else if (f < 6)
                      mesh->normals[3 * r + f - 3] = (float) value;
                    else
                      mesh->colors[4 * r + f - 6] = (guint8) value;
                  }
            }
          }
    }
  g_assert_true (p == end);
  if (mesh->triangles == NULL)
    mesh->triangles = g_new0 (guint32, 3);
  if (mesh->positions == NULL)
    mesh->positions = g_new0 (float, 3);
  return mesh;
}

/* ------------------------------------------------------------------------------------------ */
/* OBJ: v x y z [r g b], vn x y z, f a//a b//b c//c (1-based), '#' comments.                   */

static double
obj_number (const char *text)
{
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);

  g_assert_true (end != text && *end == '\0');
  return v;
}

EvoxTestMesh *
evox_test_mesh_read_obj (const char *path)
{
  gsize length;
  g_autofree char *text = (char *) read_all (path, &length);
  g_autoptr(GArray) positions = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) normals = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) colors = g_array_new (FALSE, FALSE, 1);
  g_autoptr(GArray) triangles = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) normal_of = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GString) comments = g_string_new (NULL);
  EvoxTestMesh *mesh = g_new0 (EvoxTestMesh, 1);
  int with_colors = -1;
  char *line, *next;

  g_assert_cmpuint (strlen (text), ==, length);
  g_assert_true (length == 0 || text[length - 1] == '\n');
  for (line = text; *line != '\0'; line = next)
    {
      g_auto(GStrv) words = NULL;
      guint n;

      next = strchr (line, '\n');
      g_assert_nonnull (next);
      *next++ = '\0';
      if (line[0] == '#')
        {
          g_string_append_printf (comments, "%s\n", line + 1);
          continue;
        }
      g_assert_null (strchr (line, '\t'));
      g_assert_null (strstr (line, "  "));
      words = g_strsplit (line, " ", -1);
      n = g_strv_length (words);
      if (g_str_equal (words[0], "v"))
        {
          g_assert_true (n == 4 || n == 7);
          if (with_colors < 0)
            with_colors = n == 7;
          g_assert_cmpint (with_colors, ==, n == 7);
          for (guint k = 1; k < 4; k++)
            {
              float v = (float) obj_number (words[k]);
              g_array_append_val (positions, v);
            }
          for (guint k = 4; k < n; k++)
            {
              double c = obj_number (words[k]) * 255.0;
              guint8 byte = (guint8) lround (c);

              g_assert_cmpfloat (c, >=, 0);
              g_assert_cmpfloat (c, <=, 255);
              g_assert_cmpfloat (fabs (c - byte), <, 1e-3);
              g_array_append_val (colors, byte);
              if (k == 6)
                {
                  guint8 alpha = 255;
                  g_array_append_val (colors, alpha);
                }
            }
        }
      else if (g_str_equal (words[0], "vn"))
        {
          g_assert_cmpuint (n, ==, 4);
          for (guint k = 1; k < 4; k++)
            {
              float v = (float) obj_number (words[k]);
              g_array_append_val (normals, v);
            }
        }
      else if (g_str_equal (words[0], "f"))
        {
          g_assert_cmpuint (n, ==, 4);
          for (guint k = 1; k < 4; k++)
            {
              g_auto(GStrv) parts = g_strsplit (words[k], "/", -1);
              gint64 vi, ni;

              g_assert_cmpuint (g_strv_length (parts), ==, 3);
              g_assert_cmpstr (parts[1], ==, "");
              vi = g_ascii_strtoll (parts[0], NULL, 10);
              ni = g_ascii_strtoll (parts[2], NULL, 10);
              g_assert_cmpint (vi, >=, 1);
              g_assert_cmpint (ni, >=, 1);
              g_assert_cmpint (vi, <=, G_MAXUINT32);
              g_assert_cmpint (ni, <=, G_MAXUINT32);
              {
                guint32 v32 = (guint32) (vi - 1), n32 = (guint32) (ni - 1);

                g_array_append_val (triangles, v32);
                g_array_append_val (normal_of, n32);
              }
            }
        }
      else
        g_error ("OBJ: unexpected line '%s'", line);
    }

  mesh->n_vertices = positions->len / 3;
  mesh->n_triangles = triangles->len / 3;
  for (guint i = 0; i < triangles->len; i++)
    {
      guint32 vi = g_array_index (triangles, guint32, i);

      g_assert_cmpuint (vi, <, mesh->n_vertices);
      /* Our files give vertex i the normal i. */
      g_assert_cmpuint (g_array_index (normal_of, guint32, i), ==, vi);
    }
  if (normals->len > 0)
    {
      g_assert_cmpuint (normals->len, ==, positions->len);
      mesh->normals = (float *) g_array_free (g_steal_pointer (&normals), FALSE);
    }
  if (colors->len > 0)
    mesh->colors = (guint8 *) g_array_free (g_steal_pointer (&colors), FALSE);
  mesh->positions = (float *) g_array_free (g_steal_pointer (&positions), FALSE);
  mesh->triangles = (guint32 *) g_array_free (g_steal_pointer (&triangles), FALSE);
  mesh->comments = g_string_free (g_steal_pointer (&comments), FALSE);
  return mesh;
}

EvoxTestMesh *
evox_test_mesh_read (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  if (g_str_has_suffix (lower, ".stl"))
    return evox_test_mesh_read_stl (path);
  if (g_str_has_suffix (lower, ".ply"))
    return evox_test_mesh_read_ply (path);
  g_assert_true (g_str_has_suffix (lower, ".obj"));
  return evox_test_mesh_read_obj (path);
}

/* ------------------------------------------------------------------------------------------ */
/* Geometry                                                                                     */

static guint
position_hash (gconstpointer key)
{
  return (guint) g_bytes_hash (key);
}

static gboolean
position_equal (gconstpointer a,
                gconstpointer b)
{
  return g_bytes_equal (a, b);
}

/* Vertex i's id among the distinct positions. */
static guint32 *
weld (const EvoxTestMesh *mesh,
      gsize              *n_distinct)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (position_hash, position_equal,
                                                      (GDestroyNotify) g_bytes_unref, NULL);
  guint32 *id = g_new (guint32, MAX (mesh->n_vertices, 1));

  for (gsize v = 0; v < mesh->n_vertices; v++)
    {
      GBytes *key = g_bytes_new (mesh->positions + 3 * v, 3 * sizeof (float));
      gpointer value;

      if (g_hash_table_lookup_extended (seen, key, NULL, &value))
        {
          id[v] = GPOINTER_TO_UINT (value);
          g_bytes_unref (key);
        }
      else
        {
          id[v] = g_hash_table_size (seen);
          g_hash_table_insert (seen, key, GUINT_TO_POINTER (id[v]));
        }
    }
  *n_distinct = g_hash_table_size (seen);
  return id;
}

gsize
evox_test_mesh_count_positions (const EvoxTestMesh *mesh)
{
  gsize n;
  g_autofree guint32 *id = weld (mesh, &n);

  return n;
}

static int
compare_u64 (const void *a,
             const void *b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

/* How often the directed edge key occurs in the sorted edges. */
static gsize
count_edge (const guint64 *edges,
            gsize          n,
            guint64        key)
{
  gsize lo = 0, hi = n, first;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (edges[mid] < key)
        lo = mid + 1;
      else
        hi = mid;
    }
  first = lo;
  hi = n;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (edges[mid] <= key)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo - first;
}

/* Counts over the edges: *unmatched, edges used more often in one direction than in the other
 * (or by a triangle with a repeated corner); *non_manifold, edges not used by exactly two
 * triangles. */
static void
edge_counts (const EvoxTestMesh *mesh,
             gsize              *unmatched,
             gsize              *non_manifold)
{
  gsize n_distinct;
  g_autofree guint32 *id = NULL;
  gsize n_edges = 3 * mesh->n_triangles;
  g_autofree guint64 *edges = g_new (guint64, MAX (n_edges, 1));

  *unmatched = *non_manifold = 0;
  /* Only STL needs its corners joined; indexed files may hold distinct vertices at one place
   * (a level equal to voxel values puts vertices on voxel centres). */
  if (mesh->facet_normals != NULL)
    id = weld (mesh, &n_distinct);
  else
    {
      id = g_new (guint32, MAX (mesh->n_vertices, 1));
      for (gsize v = 0; v < mesh->n_vertices; v++)
        id[v] = (guint32) v;
    }
  for (gsize t = 0; t < mesh->n_triangles; t++)
    for (guint c = 0; c < 3; c++)
      {
        guint64 a = id[mesh->triangles[3 * t + c]];
        guint64 b = id[mesh->triangles[3 * t + (c + 1) % 3]];

        if (a == b)
          (*unmatched)++;
        edges[3 * t + c] = a << 32 | b;
      }
  qsort (edges, n_edges, sizeof (guint64), compare_u64);
  for (gsize i = 0; i < n_edges;)
    {
      guint64 a = edges[i] >> 32, b = edges[i] & 0xffffffffu;
      gsize forward = count_edge (edges + i, n_edges - i, edges[i]);
      gsize backward = count_edge (edges, n_edges, b << 32 | a);

      if (forward != backward)
        (*unmatched)++;
      /* Each undirected edge once: from its smaller end, or alone when never used back. */
      if ((a < b || backward == 0) && forward + backward != 2)
        (*non_manifold)++;
      i += forward;
    }
}

gboolean
evox_test_mesh_is_closed (const EvoxTestMesh *mesh)
{
  gsize unmatched, non_manifold;

  edge_counts (mesh, &unmatched, &non_manifold);
  return unmatched == 0;
}

gsize
evox_test_mesh_count_non_manifold (const EvoxTestMesh *mesh)
{
  gsize unmatched, non_manifold;

  edge_counts (mesh, &unmatched, &non_manifold);
  return non_manifold;
}

static void
corners (const EvoxTestMesh *mesh,
         gsize               t,
         double              p[3][3])
{
  for (guint c = 0; c < 3; c++)
    for (guint k = 0; k < 3; k++)
      p[c][k] = mesh->positions[3 * (gsize) mesh->triangles[3 * t + c] + k];
}

void
evox_test_triangle_cross (double p[3][3],
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

double
evox_test_mesh_area (const EvoxTestMesh *mesh)
{
  double area = 0;

  for (gsize t = 0; t < mesh->n_triangles; t++)
    {
      double p[3][3], w[3];

      corners (mesh, t, p);
      evox_test_triangle_cross (p, w);
      area += 0.5 * sqrt (w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
    }
  return area;
}

/* Signed tetrahedra to the first vertex, a point near the mesh, so terms stay small. */
double
evox_test_mesh_volume (const EvoxTestMesh *mesh)
{
  double volume = 0;
  double o[3] = { 0, 0, 0 };

  if (mesh->n_vertices > 0)
    for (guint k = 0; k < 3; k++)
      o[k] = mesh->positions[k];
  for (gsize t = 0; t < mesh->n_triangles; t++)
    {
      double p[3][3];

      corners (mesh, t, p);
      for (guint c = 0; c < 3; c++)
        for (guint k = 0; k < 3; k++)
          p[c][k] -= o[k];
      volume += (p[0][0] * (p[1][1] * p[2][2] - p[1][2] * p[2][1])
                 - p[0][1] * (p[1][0] * p[2][2] - p[1][2] * p[2][0])
                 + p[0][2] * (p[1][0] * p[2][1] - p[1][1] * p[2][0])) / 6.0;
    }
  return volume;
}

/* The squared distance from q to the segment a-b (a point when a = b). */
static double
segment_d2 (const double  q[3],
            const float  *a,
            const float  *b)
{
  double ab[3], aq[3], len2 = 0.0, t = 0.0, d2 = 0.0;

  for (guint k = 0; k < 3; k++)
    {
      ab[k] = (double) b[k] - a[k];
      aq[k] = q[k] - a[k];
      len2 += ab[k] * ab[k];
      t += ab[k] * aq[k];
    }
  t = len2 > 0.0 ? CLAMP (t / len2, 0.0, 1.0) : 0.0;
  for (guint k = 0; k < 3; k++)
    d2 += (aq[k] - t * ab[k]) * (aq[k] - t * ab[k]);
  return d2;
}

/* Squared distance from q to triangle abc (the closest point by regions, as in Ericson's
 * Real-Time Collision Detection, 5.1.5). */
double
evox_test_point_triangle_d2 (const double  q[3],
                             const float  *a,
                             const float  *b,
                             const float  *c)
{
  double ab[3], ac[3], ap[3], bp[3], cp[3], x[3];
  double d1 = 0, d2 = 0, d3 = 0, d4 = 0, d5 = 0, d6 = 0, va, vb, vc, v, w, denom;

  for (guint k = 0; k < 3; k++)
    {
      ab[k] = (double) b[k] - a[k];
      ac[k] = (double) c[k] - a[k];
      ap[k] = q[k] - a[k];
      bp[k] = q[k] - b[k];
      cp[k] = q[k] - c[k];
      d1 += ab[k] * ap[k];
      d2 += ac[k] * ap[k];
      d3 += ab[k] * bp[k];
      d4 += ac[k] * bp[k];
      d5 += ab[k] * cp[k];
      d6 += ac[k] * cp[k];
    }
  /* A degenerate triangle (flying edges' caps put two vertices on one voxel centre at the
   * volume's edges) has no inside, and the divisions below would be 0 / 0: the nearest point is
   * on one of its sides. */
  x[0] = ab[1] * ac[2] - ab[2] * ac[1];
  x[1] = ab[2] * ac[0] - ab[0] * ac[2];
  x[2] = ab[0] * ac[1] - ab[1] * ac[0];
  if (x[0] * x[0] + x[1] * x[1] + x[2] * x[2] == 0.0)
    return MIN (segment_d2 (q, a, b), MIN (segment_d2 (q, b, c), segment_d2 (q, c, a)));
  if (d1 <= 0 && d2 <= 0)
    return ap[0] * ap[0] + ap[1] * ap[1] + ap[2] * ap[2];
  if (d3 >= 0 && d4 <= d3)
    return bp[0] * bp[0] + bp[1] * bp[1] + bp[2] * bp[2];
  if (d6 >= 0 && d5 <= d6)
    return cp[0] * cp[0] + cp[1] * cp[1] + cp[2] * cp[2];
  vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0)
    {
      v = d1 / (d1 - d3);
      for (guint k = 0; k < 3; k++)
        x[k] = ap[k] - v * ab[k];
      return x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
    }
  vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0)
    {
      w = d2 / (d2 - d6);
      for (guint k = 0; k < 3; k++)
        x[k] = ap[k] - w * ac[k];
      return x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
    }
  va = d3 * d6 - d5 * d4;
  if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0)
    {
      w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
      for (guint k = 0; k < 3; k++)
        x[k] = bp[k] - w * ((double) c[k] - b[k]);
      return x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
    }
  denom = 1.0 / (va + vb + vc);
  v = vb * denom;
  w = vc * denom;
  for (guint k = 0; k < 3; k++)
    x[k] = ap[k] - v * ab[k] - w * ac[k];
  return x[0] * x[0] + x[1] * x[1] + x[2] * x[2];
}

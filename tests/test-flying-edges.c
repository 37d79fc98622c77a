/* test-flying-edges.c: the flying-edges kernel against a plain marching cubes and known shapes. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-isosurface.h"
#include "evox-test-util.h"

/* A grid as the tests hold it: the kernel's field plus the level. */
typedef struct
{
  EvoxField  field;
  double     level;
  gboolean   pad;         /* CLOSE_BORDERS: points past the border are outside */
} Grid;

static void
grid_clear (Grid *g)
{
  g_free ((gpointer) g->field.data);
  g->field.data = NULL;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Grid, grid_clear)

static gsize
grid_points (const EvoxField *f)
{
  return f->dims[0] * f->dims[1] * f->dims[2];
}

static EvoxField
field_new (EvoxSampleType type,
           gsize          nx,
           gsize          ny,
           gsize          nz)
{
  EvoxField f = { 0, };

  f.type = type;
  f.dims[0] = nx;
  f.dims[1] = ny;
  f.dims[2] = nz;
  for (guint a = 0; a < 3; a++)
    f.spacing[a] = 1.0;
  f.data = g_malloc0 (MAX (nx * ny * nz, 1) * evox_sample_type_size (type));
  return f;
}

static void
field_set (EvoxField *f,
           gsize      i,
           double     v)
{
  switch (f->type)
    {
    case EVOX_SAMPLE_U8: ((guint8 *) f->data)[i] = (guint8) v; break;
    case EVOX_SAMPLE_U16: ((guint16 *) f->data)[i] = (guint16) v; break;
    default: ((float *) f->data)[i] = (float) v; break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * The oracle: marching cubes cube by cube, each cube's polygons traced from its faces, nothing
 * shared between cubes. Points are in padded coordinates (shifted by one with pad); points past
 * the data are outside. */

static double
value_at (const Grid *g,
          gssize      p[3])
{
  const EvoxField *f = &g->field;
  gsize i;

  for (guint a = 0; a < 3; a++)
    g_assert (p[a] >= 0 && p[a] < (gssize) f->dims[a]);
  i = (gsize) p[0] + f->dims[0] * ((gsize) p[1] + f->dims[1] * (gsize) p[2]);
  switch (f->type)
    {
    case EVOX_SAMPLE_U8: return ((const guint8 *) f->data)[i];
    case EVOX_SAMPLE_U16: return ((const guint16 *) f->data)[i];
    default: return ((const float *) f->data)[i];
    }
}

/* Whether padded point q exists in the data; p is then its data coordinates. */
static gboolean
in_data (const Grid   *g,
         const gssize  q[3],
         gssize        p[3])
{
  gssize shift = g->pad ? 1 : 0;

  for (guint a = 0; a < 3; a++)
    {
      p[a] = q[a] - shift;
      if (p[a] < 0 || p[a] >= (gssize) g->field.dims[a])
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_inside (const Grid   *g,
           const gssize  q[3])
{
  gssize p[3];

  if (!in_data (g, q, p))
    return FALSE;
  return value_at (g, p) >= g->level;   /* NaN compares false */
}

static gsize
padded_dim (const Grid *g,
            guint       a)
{
  return g->field.dims[a] + (g->pad ? 2 : 0);
}

/* An edge of the padded grid: its lower end's index times 3 plus its axis. */
static guint64
edge_key (const Grid   *g,
          const gssize  q0[3],
          const gssize  q1[3])
{
  guint axis = 3;
  gssize lo[3];

  for (guint a = 0; a < 3; a++)
    {
      lo[a] = MIN (q0[a], q1[a]);
      if (q0[a] != q1[a])
        {
          g_assert (axis == 3 && ABS (q0[a] - q1[a]) == 1);
          axis = a;
        }
    }
  g_assert (axis < 3);
  return 3 * ((guint64) lo[0] + padded_dim (g, 0) * ((guint64) lo[1] + padded_dim (g, 1) *
                                                        (guint64) lo[2])) + axis;
}

/* Where the oracle puts the crossing on an edge (unit spacing, origin 0, data coordinates). */
static void
edge_crossing (const Grid *g,
               guint64     key,
               double      out[3])
{
  guint axis = key % 3;
  guint64 i = key / 3;
  gssize q0[3], q1[3], p0[3], p1[3];
  gboolean has0, has1;

  q0[0] = i % padded_dim (g, 0);
  q0[1] = (i / padded_dim (g, 0)) % padded_dim (g, 1);
  q0[2] = i / (padded_dim (g, 0) * padded_dim (g, 1));
  memcpy (q1, q0, sizeof q1);
  q1[axis]++;
  has0 = in_data (g, q0, p0);
  has1 = in_data (g, q1, p1);
  g_assert (has0 || has1);
  if (!has0)
    {
      for (guint a = 0; a < 3; a++)
        out[a] = p1[a];
    }
  else if (!has1)
    {
      for (guint a = 0; a < 3; a++)
        out[a] = p0[a];
    }
  else
    {
      double v0 = value_at (g, p0), v1 = value_at (g, p1);
      double t = isnan (v0) || isnan (v1) ? 0.5 : (g->level - v0) / (v1 - v0);

      for (guint a = 0; a < 3; a++)
        out[a] = p0[a] + (a == axis ? t : 0.0);
    }
}

/* The six faces of the unit cube, corners counter-clockwise seen from outside. */
static const int cube_faces[6][4][3] = {
  { { 0, 0, 0 }, { 0, 0, 1 }, { 0, 1, 1 }, { 0, 1, 0 } },   /* x = 0 */
  { { 1, 0, 0 }, { 1, 1, 0 }, { 1, 1, 1 }, { 1, 0, 1 } },   /* x = 1 */
  { { 0, 0, 0 }, { 1, 0, 0 }, { 1, 0, 1 }, { 0, 0, 1 } },   /* y = 0 */
  { { 0, 1, 0 }, { 0, 1, 1 }, { 1, 1, 1 }, { 1, 1, 0 } },   /* y = 1 */
  { { 0, 0, 0 }, { 0, 1, 0 }, { 1, 1, 0 }, { 1, 0, 0 } },   /* z = 0 */
  { { 0, 0, 1 }, { 1, 0, 1 }, { 1, 1, 1 }, { 0, 1, 1 } },   /* z = 1 */
};

typedef struct
{
  guint64 from;
  guint64 to;
} Segment;

/* What the oracle finds in the whole grid. */
typedef struct
{
  GArray  *segments;      /* Segment: every cube's face segments, directed */
  GArray  *triangles;     /* guint64 edge keys, 3 a triangle, fans of the loops */
  gsize    n_triangles;
  gsize    n_diagonals;   /* sum over loops of (length - 3) */
  GHashTable *crossings;  /* edge key -> TRUE, every crossing edge */
} Oracle;

static void
oracle_free (Oracle *o)
{
  g_array_unref (o->segments);
  g_array_unref (o->triangles);
  g_hash_table_unref (o->crossings);
  g_free (o);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Oracle, oracle_free)

/* Walking round a face counter-clockwise from outside, each run of inside corners is entered
 * on one edge and left on another; its segment goes from the entry to the exit. Runs are kept
 * apart, so diagonal inside corners are separated. */
static void
oracle_cube (const Grid *g,
             gssize      x,
             gssize      y,
             gssize      z,
             Oracle     *o)
{
  Segment segs[12];
  guint n_segs = 0;
  gboolean used[12] = { FALSE, };

  for (guint f = 0; f < 6; f++)
    {
      gssize q[4][3];
      gboolean in[4];

      for (guint m = 0; m < 4; m++)
        {
          q[m][0] = x + cube_faces[f][m][0];
          q[m][1] = y + cube_faces[f][m][1];
          q[m][2] = z + cube_faces[f][m][2];
          in[m] = is_inside (g, q[m]);
        }
      for (guint m = 0; m < 4; m++)
        {
          guint prev = (m + 3) % 4, last = m;

          if (!in[m] || in[prev])
            continue;
          while (in[(last + 1) % 4])
            last = (last + 1) % 4;
          g_assert (n_segs < 12);
          segs[n_segs].from = edge_key (g, q[prev], q[m]);
          segs[n_segs].to = edge_key (g, q[last], q[(last + 1) % 4]);
          n_segs++;
        }
    }
  for (guint s = 0; s < n_segs; s++)
    {
      g_array_append_val (o->segments, segs[s]);
      g_hash_table_add (o->crossings, g_memdup2 (&segs[s].from, sizeof (guint64)));
    }
  for (guint s = 0; s < n_segs; s++)
    {
      guint64 loop[12];
      guint n = 0;
      guint at = s;

      if (used[s])
        continue;
      do
        {
          guint nxt = n_segs;

          used[at] = TRUE;
          loop[n++] = segs[at].from;
          for (guint u = 0; u < n_segs; u++)
            if (segs[u].from == segs[at].to)
              {
                g_assert (nxt == n_segs);   /* one way on from every crossing */
                nxt = u;
              }
          g_assert (nxt < n_segs);
          at = nxt;
        }
      while (at != s);
      g_assert_cmpuint (n, >=, 3);
      for (guint i = 1; i + 1 < n; i++)
        {
          guint64 t[3] = { loop[0], loop[i], loop[i + 1] };

          g_array_append_vals (o->triangles, t, 3);
        }
      o->n_triangles += n - 2;
      o->n_diagonals += n - 3;
    }
}

static Oracle *
oracle_run (const Grid *g)
{
  Oracle *o = g_new0 (Oracle, 1);

  o->segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  o->triangles = g_array_new (FALSE, FALSE, sizeof (guint64));
  o->crossings = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (gssize z = 0; z + 1 < (gssize) padded_dim (g, 2); z++)
    for (gssize y = 0; y + 1 < (gssize) padded_dim (g, 1); y++)
      for (gssize x = 0; x + 1 < (gssize) padded_dim (g, 0); x++)
        oracle_cube (g, x, y, z, o);
  return o;
}

/* The faces table really is counter-clockwise from outside, and a single inside corner gives a
 * triangle facing away from it: the oracle's own orientation is right. */
static void
test_oracle_self_check (void)
{
  for (guint f = 0; f < 6; f++)
    {
      const int (*c)[3] = cube_faces[f];
      double u[3], v[3], n[3], out[3];

      for (guint a = 0; a < 3; a++)
        {
          u[a] = c[1][a] - c[0][a];
          v[a] = c[2][a] - c[1][a];
          out[a] = c[0][a] + c[1][a] + c[2][a] + c[3][a] - 2.0;   /* 2 * (centre - 0.5) */
        }
      n[0] = u[1] * v[2] - u[2] * v[1];
      n[1] = u[2] * v[0] - u[0] * v[2];
      n[2] = u[0] * v[1] - u[1] * v[0];
      g_assert_cmpfloat (n[0] * out[0] + n[1] * out[1] + n[2] * out[2], >, 0.0);
    }
  for (guint corner = 0; corner < 8; corner++)
    {
      g_auto (Grid) g = { 0, };
      g_autoptr (Oracle) o = NULL;
      double p[3][3], u[3], v[3], n[3], c[3];

      g.field = field_new (EVOX_SAMPLE_U8, 2, 2, 2);
      g.level = 0.5;
      field_set (&g.field, corner, 1);
      o = oracle_run (&g);
      g_assert_cmpuint (o->n_triangles, ==, 1);
      for (guint k = 0; k < 3; k++)
        edge_crossing (&g, g_array_index (o->triangles, guint64, k), p[k]);
      for (guint a = 0; a < 3; a++)
        {
          u[a] = p[1][a] - p[0][a];
          v[a] = p[2][a] - p[0][a];
          c[a] = p[0][a] - ((corner >> a) & 1);   /* from the corner to the triangle */
        }
      n[0] = u[1] * v[2] - u[2] * v[1];
      n[1] = u[2] * v[0] - u[0] * v[2];
      n[2] = u[0] * v[1] - u[1] * v[0];
      g_assert_cmpfloat (n[0] * c[0] + n[1] * c[1] + n[2] * c[2], >, 0.0);
    }
}

/* ---------------------------------------------------------------------------------------------
 * The kernel beside the oracle */

static EvoxMesh *
run_kernel (const Grid           *g,
            EvoxFlyingEdgesFlags  extra)
{
  g_autoptr (GError) error = NULL;
  EvoxMesh *mesh;

  mesh = evox_flying_edges (&g->field, g->level,
                            (g->pad ? EVOX_FLYING_EDGES_CLOSE_BORDERS : 0) | extra, NULL, NULL,
                            &error);
  g_assert_no_error (error);
  g_assert_nonnull (mesh);
  return mesh;
}

/* The padded edge a kernel vertex lies on, from its position (unit spacing, origin 0, every
 * crossing strictly inside its edge) or, on a point, from its cap normal. */
static guint64
vertex_edge (const Grid  *g,
             const float  position[3],
             const float  normal[3])
{
  gssize shift = g->pad ? 1 : 0;
  gssize q0[3], q1[3];
  int axis = -1;

  for (guint a = 0; a < 3; a++)
    {
      double r = round (position[a]);

      if (fabs (position[a] - r) > 1e-4)
        {
          g_assert_cmpint (axis, <, 0);
          axis = (int) a;
          q0[a] = (gssize) floor (position[a]) + shift;
        }
      else
        q0[a] = (gssize) r + shift;
    }
  if (axis < 0)
    {
      /* On a border point: a cap's vertex, its normal out of the data along the edge. */
      g_assert_true (g->pad);
      for (guint a = 0; a < 3; a++)
        if (fabsf (fabsf (normal[a]) - 1.0f) < 1e-6f)
          axis = (int) a;
      g_assert_cmpint (axis, >=, 0);
      if (normal[axis] < 0.0f)
        q0[axis]--;
    }
  memcpy (q1, q0, sizeof q1);
  q1[axis]++;
  return edge_key (g, q0, q1);
}

static int
compare_u64 (gconstpointer a,
             gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  guint64 key;
  guint32 vertex;
} KeyVertex;

static int
compare_key_vertex (gconstpointer a,
                    gconstpointer b)
{
  return compare_u64 (&((const KeyVertex *) a)->key, &((const KeyVertex *) b)->key);
}

static guint32
vertex_of (const KeyVertex *index,
           gsize            n,
           guint64          key)
{
  KeyVertex probe = { key, 0 };
  const KeyVertex *hit = bsearch (&probe, index, n, sizeof (KeyVertex), compare_key_vertex);

  g_assert_nonnull (hit);
  return hit->vertex;
}

/* Same triangle count; with exact, also one vertex per crossing edge where the oracle puts it,
 * and the same surface: every face segment of the oracle is an edge of a kernel triangle in the
 * same direction, and the kernel's other edges are diagonals inside polygons (each used once in
 * each direction), as many as the oracle's loops need. */
static void
compare_with_oracle (const Grid *g,
                     EvoxMesh   *mesh,
                     gboolean    exact)
{
  g_autoptr (Oracle) o = oracle_run (g);
  gsize nv = evox_mesh_get_n_vertices (mesh), nt = evox_mesh_get_n_triangles (mesh);
  const float *pos = evox_mesh_get_positions (mesh);
  const float *nrm = evox_mesh_get_normals (mesh);
  const guint32 *tri = evox_mesh_get_triangles (mesh);
  g_autofree KeyVertex *index = NULL;
  g_autoptr (GArray) rest = NULL, reversed = NULL;
  g_autofree guint64 *directed = NULL;
  g_autofree guint64 *wanted = NULL;
  gsize n_segments = o->segments->len, i = 0, j = 0;

  g_assert_cmpuint (nt, ==, o->n_triangles);
  if (!exact || nt == 0)
    return;

  g_assert_cmpuint (nv, ==, g_hash_table_size (o->crossings));
  index = g_new (KeyVertex, nv);
  for (gsize v = 0; v < nv; v++)
    {
      double expect[3];

      index[v].key = vertex_edge (g, pos + 3 * v, nrm + 3 * v);
      index[v].vertex = (guint32) v;
      g_assert_true (g_hash_table_contains (o->crossings, &index[v].key));
      edge_crossing (g, index[v].key, expect);
      for (guint a = 0; a < 3; a++)
        g_assert_cmpfloat_with_epsilon (pos[3 * v + a], expect[a], 1e-4);
    }
  qsort (index, nv, sizeof (KeyVertex), compare_key_vertex);
  for (gsize v = 1; v < nv; v++)
    g_assert_cmpuint (index[v - 1].key, !=, index[v].key);   /* each edge's vertex once */

  directed = g_new (guint64, 3 * nt);
  for (gsize t = 0; t < nt; t++)
    for (guint c = 0; c < 3; c++)
      directed[3 * t + c] = ((guint64) tri[3 * t + c] << 32) | tri[3 * t + (c + 1) % 3];
  qsort (directed, 3 * nt, sizeof (guint64), compare_u64);
  for (gsize e = 1; e < 3 * nt; e++)
    g_assert_cmpuint (directed[e - 1], !=, directed[e]);   /* no edge in four triangles */
  wanted = g_new (guint64, MAX (n_segments, 1));
  for (gsize s = 0; s < n_segments; s++)
    {
      Segment *seg = &g_array_index (o->segments, Segment, s);

      wanted[s] = ((guint64) vertex_of (index, nv, seg->from) << 32) |
                  vertex_of (index, nv, seg->to);
    }
  qsort (wanted, n_segments, sizeof (guint64), compare_u64);

  /* Take the segments out of the kernel's edges; what is left must be symmetric. */
  rest = g_array_new (FALSE, FALSE, sizeof (guint64));
  reversed = g_array_new (FALSE, FALSE, sizeof (guint64));
  while (i < 3 * nt)
    {
      if (j < n_segments && wanted[j] == directed[i])
        {
          i++;
          j++;
          continue;
        }
      g_assert_true (j >= n_segments || wanted[j] > directed[i]);   /* a segment is missing */
      g_array_append_val (rest, directed[i]);
      i++;
    }
  g_assert_cmpuint (j, ==, n_segments);
  g_assert_cmpuint (rest->len, ==, 2 * o->n_diagonals);
  for (guint r = 0; r < rest->len; r++)
    {
      guint64 e = g_array_index (rest, guint64, r);
      guint64 back = (e << 32) | (e >> 32);

      g_array_append_val (reversed, back);
    }
  g_array_sort (reversed, compare_u64);
  if (rest->len > 0)
    g_assert_cmpmem (rest->data, rest->len * sizeof (guint64),
                     reversed->data, reversed->len * sizeof (guint64));
}

/* Every directed edge once and its reverse present (so each undirected edge in exactly two
 * triangles, oriented alike), no triangle with a repeated vertex. */
static void
assert_closed (EvoxMesh *mesh)
{
  gsize nt = evox_mesh_get_n_triangles (mesh);
  const guint32 *tri = evox_mesh_get_triangles (mesh);
  g_autofree guint64 *directed = g_new (guint64, 3 * MAX (nt, 1));

  for (gsize t = 0; t < nt; t++)
    {
      const guint32 *c = tri + 3 * t;

      g_assert_true (c[0] != c[1] && c[1] != c[2] && c[2] != c[0]);
      for (guint k = 0; k < 3; k++)
        directed[3 * t + k] = ((guint64) c[k] << 32) | c[(k + 1) % 3];
    }
  qsort (directed, 3 * nt, sizeof (guint64), compare_u64);
  for (gsize e = 0; e < 3 * nt; e++)
    {
      guint64 back = (directed[e] << 32) | (directed[e] >> 32);

      if (e > 0)
        g_assert_cmpuint (directed[e - 1], !=, directed[e]);
      g_assert_nonnull (bsearch (&back, directed, 3 * nt, sizeof (guint64), compare_u64));
    }
}

/* ---------------------------------------------------------------------------------------------
 * Grids */

typedef enum
{
  RANDOM_U8,        /* 0..255 at 127.5 */
  RANDOM_U8_FEW,    /* 0..3 at 2: levels on values */
  RANDOM_U16,       /* multiples of 1000 at 32500 */
  RANDOM_U16_FEW,   /* 0..3 at 1 */
  RANDOM_F32,       /* multiples of 1/8 in [0, 4] at 2.0625, some NaN */
  RANDOM_F32_FEW,   /* 0, 1, 2, NaN at 1 */
} RandomKind;

static void
random_grid (Grid       *g,
             RandomKind  kind,
             gsize       nx,
             gsize       ny,
             gsize       nz,
             guint64     seed)
{
  static const EvoxSampleType types[] = {
    EVOX_SAMPLE_U8, EVOX_SAMPLE_U8, EVOX_SAMPLE_U16, EVOX_SAMPLE_U16, EVOX_SAMPLE_F32,
    EVOX_SAMPLE_F32,
  };
  static const double levels[] = { 127.5, 2.0, 32500.0, 1.0, 2.0625, 1.0 };
  guint64 state = seed;

  g->field = field_new (types[kind], nx, ny, nz);
  g->level = levels[kind];
  for (gsize i = 0; i < grid_points (&g->field); i++)
    {
      guint64 r = evox_test_random (&state);
      double v;

      switch (kind)
        {
        case RANDOM_U8: v = r % 256; break;
        case RANDOM_U8_FEW: case RANDOM_U16_FEW: v = r % 4; break;
        case RANDOM_U16: v = 1000.0 * (r % 66); break;
        case RANDOM_F32: v = r % 20 == 0 ? NAN : (r >> 8) % 33 / 8.0; break;
        case RANDOM_F32_FEW: default: v = r % 4 == 3 ? NAN : (double) (r % 4); break;
        }
      field_set (&g->field, i, v);
    }
}

/* A few Gaussian blobs in [0, 1], f32, in steps of 1/64 so that every crossing is well inside
 * its edge at a level of (k + 1/2) / 64. */
static void
blob_grid (Grid    *g,
           gsize    nx,
           gsize    ny,
           gsize    nz,
           guint64  seed)
{
  guint64 state = seed;
  double centre[4][3], sigma[4];

  g->field = field_new (EVOX_SAMPLE_F32, nx, ny, nz);
  g->level = 20.5 / 64.0;
  for (guint b = 0; b < 4; b++)
    {
      for (guint a = 0; a < 3; a++)
        centre[b][a] = evox_test_uniform (&state) * g->field.dims[a];
      sigma[b] = 1.5 + 3.0 * evox_test_uniform (&state);
    }
  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      for (gsize x = 0; x < nx; x++)
        {
          double v = 0.0;

          for (guint b = 0; b < 4; b++)
            {
              double d2 = (x - centre[b][0]) * (x - centre[b][0]) +
                          (y - centre[b][1]) * (y - centre[b][1]) +
                          (z - centre[b][2]) * (z - centre[b][2]);

              v += exp (-d2 / (2.0 * sigma[b] * sigma[b]));
            }
          field_set (&g->field, x + nx * (y + ny * z), round (64.0 * MIN (v, 1.0)) / 64.0);
        }
}

static const gsize odd_sizes[][3] = {
  { 17, 9, 23 }, { 2, 2, 2 }, { 3, 5, 4 }, { 70, 3, 4 }, { 1, 6, 5 }, { 13, 1, 7 }, { 65, 4, 3 },
  { 64, 5, 2 },
};

static void
test_random (void)
{
  static const RandomKind kinds[] = { RANDOM_U8, RANDOM_U16, RANDOM_F32 };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint s = 0; s < G_N_ELEMENTS (odd_sizes); s++)
      for (guint seed = 1; seed <= 3; seed++)
        for (guint pad = 0; pad < 2; pad++)
          {
            g_auto (Grid) g = { 0, };
            g_autoptr (EvoxMesh) mesh = NULL;

            random_grid (&g, kinds[k], odd_sizes[s][0], odd_sizes[s][1], odd_sizes[s][2],
                         1000 * seed + 10 * s + k);
            g.pad = pad;
            mesh = run_kernel (&g, 0);
            compare_with_oracle (&g, mesh, TRUE);
            if (pad && !evox_mesh_is_empty (mesh))
              {
                g_assert_true (evox_mesh_is_closed (mesh));
                assert_closed (mesh);
                if (g.field.dims[0] > 1 && g.field.dims[1] > 1 && g.field.dims[2] > 1)
                  g_assert_cmpfloat (evox_mesh_get_volume (mesh), >, 0.0);
                else
                  g_assert_cmpfloat_with_epsilon (evox_mesh_get_volume (mesh), 0.0, 1e-9);
              }
          }
}

static void
test_levels_on_values (void)
{
  static const RandomKind kinds[] = { RANDOM_U8_FEW, RANDOM_U16_FEW, RANDOM_F32_FEW };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint s = 0; s < G_N_ELEMENTS (odd_sizes); s++)
      for (guint seed = 1; seed <= 3; seed++)
        for (guint pad = 0; pad < 2; pad++)
          {
            g_auto (Grid) g = { 0, };
            g_autoptr (EvoxMesh) mesh = NULL;

            random_grid (&g, kinds[k], odd_sizes[s][0], odd_sizes[s][1], odd_sizes[s][2],
                         77 * seed + 10 * s + k);
            g.pad = pad;
            mesh = run_kernel (&g, 0);
            compare_with_oracle (&g, mesh, FALSE);
            if (pad && !evox_mesh_is_empty (mesh))
              assert_closed (mesh);
          }
}

static void
test_blobs (void)
{
  for (guint seed = 1; seed <= 4; seed++)
    for (guint pad = 0; pad < 2; pad++)
      {
        g_auto (Grid) g = { 0, };
        g_autoptr (EvoxMesh) mesh = NULL;

        blob_grid (&g, 31, 26, 19 + seed, seed);
        g.pad = pad;
        mesh = run_kernel (&g, 0);
        g_assert_cmpuint (evox_mesh_get_n_triangles (mesh), >, 100);
        compare_with_oracle (&g, mesh, TRUE);
        if (pad)
          {
            g_assert_true (evox_mesh_is_closed (mesh));
            assert_closed (mesh);
            g_assert_cmpfloat (evox_mesh_get_volume (mesh), >, 0.0);
          }
      }
}

/* Threads only change who writes what: one thread gives the same arrays. */
static void
test_serial (void)
{
  for (guint pad = 0; pad < 2; pad++)
    {
      g_auto (Grid) g = { 0, };
      g_autoptr (EvoxMesh) a = NULL, b = NULL;
      gsize nv, nt;

      random_grid (&g, RANDOM_U8, 45, 38, 41, 99 + pad);
      g.pad = pad;
      a = run_kernel (&g, 0);
      b = run_kernel (&g, EVOX_FLYING_EDGES_SERIAL);
      nv = evox_mesh_get_n_vertices (a);
      nt = evox_mesh_get_n_triangles (a);
      g_assert_cmpuint (nv, ==, evox_mesh_get_n_vertices (b));
      g_assert_cmpuint (nt, ==, evox_mesh_get_n_triangles (b));
      g_assert_cmpmem (evox_mesh_get_positions (a), 3 * nv * sizeof (float),
                       evox_mesh_get_positions (b), 3 * nv * sizeof (float));
      g_assert_cmpmem (evox_mesh_get_normals (a), 3 * nv * sizeof (float),
                       evox_mesh_get_normals (b), 3 * nv * sizeof (float));
      g_assert_cmpmem (evox_mesh_get_triangles (a), 3 * nt * sizeof (guint32),
                       evox_mesh_get_triangles (b), 3 * nt * sizeof (guint32));
    }
}

/* ---------------------------------------------------------------------------------------------
 * Shapes */

/* r0 - distance to centre: a sphere of radius r0 at level 0. */
static void
sphere_grid (Grid         *g,
             const gsize   dims[3],
             const double  spacing[3],
             const double  centre[3],
             double        r0)
{
  float *v;

  g->field = field_new (EVOX_SAMPLE_F32, dims[0], dims[1], dims[2]);
  g->level = 0.0;
  v = (float *) g->field.data;
  for (guint a = 0; a < 3; a++)
    g->field.spacing[a] = spacing[a];
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          double d[3] = { x * spacing[0] - centre[0], y * spacing[1] - centre[1],
                          z * spacing[2] - centre[2] };

          v[x + dims[0] * (y + dims[1] * z)] =
            (float) (r0 - sqrt (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
        }
}

static void
check_sphere (const gsize  dims[3],
              const double spacing[3],
              const double centre[3],
              double       r0)
{
  g_auto (Grid) g = { 0, };
  g_autoptr (EvoxMesh) mesh = NULL, closed = NULL;
  double area = 4.0 * G_PI * r0 * r0, volume = 4.0 / 3.0 * G_PI * r0 * r0 * r0;
  const float *pos, *nrm;
  double worst = 1.0;

  sphere_grid (&g, dims, spacing, centre, r0);
  mesh = run_kernel (&g, 0);
  g_assert_cmpfloat (fabs (evox_mesh_get_area (mesh) - area), <, 0.01 * area);
  g_assert_cmpfloat (fabs (evox_mesh_get_volume (mesh) - volume), <, 0.01 * volume);
  g.pad = TRUE;
  closed = run_kernel (&g, 0);
  g_assert_false (evox_mesh_is_closed (mesh));
  g_assert_true (evox_mesh_is_closed (closed));
  assert_closed (closed);
  g_assert_cmpuint (evox_mesh_get_n_triangles (closed), ==, evox_mesh_get_n_triangles (mesh));
  g_assert_cmpfloat (evox_mesh_get_volume (closed), ==, evox_mesh_get_volume (mesh));

  pos = evox_mesh_get_positions (mesh);
  nrm = evox_mesh_get_normals (mesh);
  for (gsize v = 0; v < evox_mesh_get_n_vertices (mesh); v++)
    {
      double d[3], length, dot = 0.0;

      for (guint a = 0; a < 3; a++)
        d[a] = pos[3 * v + a] - centre[a];
      length = sqrt (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      g_assert_cmpfloat (fabs (length - r0), <, 0.01 * r0);
      for (guint a = 0; a < 3; a++)
        dot += nrm[3 * v + a] * d[a] / length;
      worst = MIN (worst, dot);
    }
  g_test_message ("sphere r0 %g: area %.5g (%.3f%% off), volume %.5g (%.3f%% off), "
                  "worst normal cos %.6f", r0, evox_mesh_get_area (mesh),
                  100.0 * (evox_mesh_get_area (mesh) / area - 1.0), evox_mesh_get_volume (mesh),
                  100.0 * (evox_mesh_get_volume (mesh) / volume - 1.0), worst);
  g_assert_cmpfloat (worst, >, 0.999);
}

static void
test_sphere (void)
{
  const gsize dims[3] = { 128, 128, 128 };
  const double spacing[3] = { 1.0, 1.0, 1.0 };
  const double centre[3] = { 63.7, 64.2, 63.9 };

  check_sphere (dims, spacing, centre, 50.0);
}

static void
test_sphere_anisotropic (void)
{
  const gsize dims[3] = { 256, 256, 128 };
  const double spacing[3] = { 0.5, 0.5, 1.0 };
  const double centre[3] = { 63.7, 64.2, 63.9 };

  check_sphere (dims, spacing, centre, 50.0);
}

/* Positions are origin + spacing * grid position; the gradient, and so the normal, is taken in
 * nm: each component divided by its spacing. */
static void
test_origin_spacing (void)
{
  const double spacing[3] = { 2.0, 0.5, 3.0 };
  const double origin[3] = { 100.0, -20.0, 5.0 };
  g_auto (Grid) g = { 0, };
  g_autoptr (EvoxMesh) unit = NULL, scaled = NULL;
  const float *p0, *p1, *n0, *n1;
  gsize nv;

  blob_grid (&g, 20, 14, 11, 5);
  unit = run_kernel (&g, 0);
  for (guint a = 0; a < 3; a++)
    {
      g.field.spacing[a] = spacing[a];
      g.field.origin[a] = origin[a];
    }
  scaled = run_kernel (&g, 0);
  nv = evox_mesh_get_n_vertices (unit);
  g_assert_cmpuint (nv, >, 0);
  g_assert_cmpuint (evox_mesh_get_n_vertices (scaled), ==, nv);
  g_assert_cmpmem (evox_mesh_get_triangles (unit), 3 * evox_mesh_get_n_triangles (unit) * 4,
                   evox_mesh_get_triangles (scaled),
                   3 * evox_mesh_get_n_triangles (scaled) * 4);
  p0 = evox_mesh_get_positions (unit);
  p1 = evox_mesh_get_positions (scaled);
  n0 = evox_mesh_get_normals (unit);
  n1 = evox_mesh_get_normals (scaled);
  for (gsize v = 0; v < nv; v++)
    {
      double n[3], length;

      for (guint a = 0; a < 3; a++)
        {
          g_assert_cmpfloat_with_epsilon (p1[3 * v + a], origin[a] + spacing[a] * p0[3 * v + a],
                                          1e-3);
          n[a] = n0[3 * v + a] / spacing[a];
        }
      length = sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      for (guint a = 0; a < 3; a++)
        g_assert_cmpfloat_with_epsilon (n1[3 * v + a], n[a] / length, 1e-4);
    }
}

/* A block of 65535 in a u16 grid of zeros: at level 65535 the block is inside, and every vertex
 * lies on a block voxel centre, so the surface is the box through those centres. Just above,
 * nothing is inside. */
static void
test_u16_max (void)
{
  g_auto (Grid) g = { 0, };
  g_autoptr (EvoxMesh) mesh = NULL, none = NULL;

  g.field = field_new (EVOX_SAMPLE_U16, 6, 7, 8);
  for (gsize z = 2; z < 4; z++)
    for (gsize y = 2; y < 5; y++)
      for (gsize x = 1; x < 3; x++)
        field_set (&g.field, x + 6 * (y + 7 * z), 65535);
  g.level = 65535.0;
  mesh = run_kernel (&g, 0);
  compare_with_oracle (&g, mesh, FALSE);
  assert_closed (mesh);
  g_assert_cmpfloat_with_epsilon (evox_mesh_get_area (mesh), 2.0 * (2.0 + 2.0 + 1.0), 1e-9);
  g_assert_cmpfloat_with_epsilon (evox_mesh_get_volume (mesh), 2.0, 1e-9);
  g.level = 65535.5;
  none = run_kernel (&g, 0);
  g_assert_true (evox_mesh_is_empty (none));
}

/* Above the data nothing is inside; below it everything is, which gives no surface, or, closed
 * at the border, the box through the outer voxel centres. */
static void
test_out_of_range (void)
{
  g_auto (Grid) g = { 0, };
  const double spacing[3] = { 2.0, 1.0, 0.5 };
  double a, b, c;

  random_grid (&g, RANDOM_U8, 70, 8, 7, 3);
  for (gsize i = 0; i < grid_points (&g.field); i++)
    ((guint8 *) g.field.data)[i] = 10 + ((guint8 *) g.field.data)[i] % 190;
  for (guint k = 0; k < 3; k++)
    g.field.spacing[k] = spacing[k];
  a = 69 * 2.0;
  b = 7 * 1.0;
  c = 6 * 0.5;
  for (guint pad = 0; pad < 2; pad++)
    {
      g_autoptr (EvoxMesh) above = NULL, far_above = NULL, below = NULL;

      g.pad = pad;
      g.level = 250.0;
      above = run_kernel (&g, 0);
      g.level = 300.0;
      far_above = run_kernel (&g, 0);
      g.level = -5.0;
      below = run_kernel (&g, 0);
      g_assert_true (evox_mesh_is_empty (above));
      g_assert_true (evox_mesh_is_empty (far_above));
      if (!pad)
        g_assert_true (evox_mesh_is_empty (below));
      else
        {
          assert_closed (below);
          g_assert_cmpfloat_with_epsilon (evox_mesh_get_area (below),
                                          2.0 * (a * b + b * c + c * a), 1e-6);
          g_assert_cmpfloat_with_epsilon (evox_mesh_get_volume (below), a * b * c, 1e-6);
        }
    }
}

/* A grid one point thick has no cubes; closed at the border, an inside sheet is a flat closed
 * slab: both faces of the rectangle through its voxel centres. */
static void
test_thin (void)
{
  g_auto (Grid) g = { 0, };
  g_autoptr (EvoxMesh) open = NULL, slab = NULL, point = NULL;

  g.field = field_new (EVOX_SAMPLE_F32, 1, 6, 5);
  for (gsize i = 0; i < grid_points (&g.field); i++)
    field_set (&g.field, i, 10.0);
  g.level = 5.0;
  open = run_kernel (&g, 0);
  g_assert_true (evox_mesh_is_empty (open));
  g.pad = TRUE;
  slab = run_kernel (&g, 0);
  assert_closed (slab);
  g_assert_cmpfloat_with_epsilon (evox_mesh_get_area (slab), 2.0 * 5.0 * 4.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (evox_mesh_get_volume (slab), 0.0, 1e-9);
  grid_clear (&g);

  g.field = field_new (EVOX_SAMPLE_U8, 1, 1, 1);
  field_set (&g.field, 0, 200);
  g.level = 100.0;
  point = run_kernel (&g, 0);
  assert_closed (point);
  compare_with_oracle (&g, point, FALSE);
  g_assert_cmpfloat (evox_mesh_get_area (point), ==, 0.0);
}

/* f32 data may hold infinities: every vertex stays a finite point of its edge, at the finite end
 * of an edge from an infinity (the limit of linear interpolation) and half way between two
 * infinities or next to NaN; normals stay unit vectors; the measures stay finite. */
static void
test_infinite (void)
{
  g_auto (Grid) g = { 0, };
  g_autoptr (EvoxMesh) mesh = NULL;
  const float *positions, *normals;
  const gsize n = 7;
  gboolean found_finite_end = FALSE;

  g.field = field_new (EVOX_SAMPLE_F32, n, n, n);
  g.level = 1.0;
  g.pad = TRUE;
  /* A lone +inf voxel; +inf next to -inf; -inf next to a finite inside value; NaN next to +inf. */
  field_set (&g.field, 2 + n * (2 + n * 2), INFINITY);
  field_set (&g.field, 4 + n * (2 + n * 2), INFINITY);
  field_set (&g.field, 5 + n * (2 + n * 2), -INFINITY);
  field_set (&g.field, 4 + n * (4 + n * 4), -INFINITY);
  field_set (&g.field, 5 + n * (4 + n * 4), 5.0);
  field_set (&g.field, 2 + n * (5 + n * 5), NAN);
  field_set (&g.field, 3 + n * (5 + n * 5), INFINITY);
  mesh = run_kernel (&g, 0);
  g_assert_false (evox_mesh_is_empty (mesh));
  assert_closed (mesh);
  g_assert_true (isfinite (evox_mesh_get_area (mesh)));
  g_assert_true (isfinite (evox_mesh_get_volume (mesh)));
  positions = evox_mesh_get_positions (mesh);
  normals = evox_mesh_get_normals (mesh);
  for (gsize v = 0; v < evox_mesh_get_n_vertices (mesh); v++)
    {
      const float *p = positions + 3 * v, *nv = normals + 3 * v;

      for (guint a = 0; a < 3; a++)
        {
          g_assert_true (isfinite (p[a]) && isfinite (nv[a]));
          g_assert_cmpfloat (p[a], >=, 0.0f);
          g_assert_cmpfloat (p[a], <=, n - 1.0f);
        }
      g_assert_cmpfloat_with_epsilon (nv[0] * nv[0] + nv[1] * nv[1] + nv[2] * nv[2], 1.0, 1e-5);
      /* The edge from the lone +inf at x = 2 to the 0 at x = 3 crosses at x = 3. */
      if (p[0] == 3.0f && p[1] == 2.0f && p[2] == 2.0f)
        found_finite_end = TRUE;
    }
  g_assert_true (found_finite_end);
}

/* ---------------------------------------------------------------------------------------------
 * The job */

static void
test_cancel (void)
{
  g_auto (Grid) g = { 0, };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxMesh) mesh = NULL;

  random_grid (&g, RANDOM_U8, 20, 20, 20, 8);
  g_cancellable_cancel (cancellable);
  mesh = evox_flying_edges (&g.field, g.level, 0, NULL, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (mesh);
}

static void
test_progress (void)
{
  g_auto (Grid) g = { 0, };
  g_autoptr (EvoxProgress) progress = evox_progress_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxMesh) mesh = NULL;

  random_grid (&g, RANDOM_F32, 30, 20, 25, 9);
  mesh = evox_flying_edges (&g.field, g.level, 0, progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (evox_mesh_is_empty (mesh));
  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);
}

static void
test_errors (void)
{
  g_auto (Grid) g = { 0, };
  EvoxField none = { 0, };
  g_autoptr (GError) error = NULL;
  EvoxMesh *mesh;

  random_grid (&g, RANDOM_U8, 4, 4, 4, 1);
  mesh = evox_flying_edges (&g.field, NAN, 0, NULL, NULL, &error);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_null (mesh);
  g_clear_error (&error);

  none.type = EVOX_SAMPLE_F32;
  none.dims[0] = none.dims[1] = none.dims[2] = 4;
  mesh = evox_flying_edges (&none, 1.0, 0, NULL, NULL, &error);
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_null (mesh);
}

/* Triangles of each of the 256 cubes, as vtkFlyingEdges3D 9.1 makes them (a 2x2x2 float grid,
 * corner c at (c & 1, c >> 1 & 1, c >> 2 & 1) set to 1 when bit c of the case is set, level 0.5,
 * GetNumberOfCells of the output), measured once with python3-vtk9: the benchmark's triangle
 * counts depend on this. */
static const guint8 vtk_case_triangles[256] = {
  0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 2, 1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 3,
  1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 3, 2, 3, 3, 2, 3, 4, 4, 3, 3, 4, 4, 3, 4, 5, 5, 2,
  1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 3, 2, 3, 3, 4, 3, 2, 4, 3, 3, 4, 4, 5, 4, 3, 5, 2,
  2, 3, 3, 4, 3, 4, 4, 5, 3, 4, 4, 5, 4, 5, 5, 4, 3, 4, 4, 3, 4, 3, 5, 2, 4, 5, 5, 4, 5, 4, 2, 1,
  1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 3, 2, 3, 3, 4, 3, 4, 4, 5, 3, 4, 4, 5, 4, 5, 5, 4,
  2, 3, 3, 4, 3, 4, 4, 5, 3, 4, 2, 3, 4, 5, 3, 2, 3, 4, 4, 3, 4, 5, 5, 4, 4, 5, 3, 2, 5, 2, 4, 1,
  2, 3, 3, 4, 3, 4, 4, 5, 3, 4, 4, 5, 2, 3, 3, 2, 3, 4, 4, 5, 4, 3, 5, 4, 4, 5, 5, 2, 3, 2, 4, 1,
  3, 4, 4, 5, 4, 5, 5, 2, 4, 5, 3, 4, 3, 4, 2, 1, 2, 3, 3, 2, 3, 2, 4, 1, 3, 4, 2, 1, 2, 1, 1, 0,
};

static void
test_vtk_case_counts (void)
{
  for (guint c = 0; c < 256; c++)
    {
      g_auto (Grid) g = { 0, };
      g_autoptr (EvoxMesh) mesh = NULL;

      g.field = field_new (EVOX_SAMPLE_F32, 2, 2, 2);
      for (guint k = 0; k < 8; k++)
        field_set (&g.field, k, (c >> k) & 1);
      g.level = 0.5;
      mesh = run_kernel (&g, 0);
      g_assert_cmpuint (evox_mesh_get_n_triangles (mesh), ==, vtk_case_triangles[c]);
      compare_with_oracle (&g, mesh, TRUE);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Evox/FlyingEdges/oracle", test_oracle_self_check);
  g_test_add_func ("/Evox/FlyingEdges/vtk-cases", test_vtk_case_counts);
  g_test_add_func ("/Evox/FlyingEdges/marching-cubes/random", test_random);
  g_test_add_func ("/Evox/FlyingEdges/marching-cubes/levels-on-values", test_levels_on_values);
  g_test_add_func ("/Evox/FlyingEdges/marching-cubes/blobs", test_blobs);
  g_test_add_func ("/Evox/FlyingEdges/serial", test_serial);
  g_test_add_func ("/Evox/FlyingEdges/sphere", test_sphere);
  g_test_add_func ("/Evox/FlyingEdges/sphere-anisotropic", test_sphere_anisotropic);
  g_test_add_func ("/Evox/FlyingEdges/origin-spacing", test_origin_spacing);
  g_test_add_func ("/Evox/FlyingEdges/u16-max", test_u16_max);
  g_test_add_func ("/Evox/FlyingEdges/out-of-range", test_out_of_range);
  g_test_add_func ("/Evox/FlyingEdges/thin", test_thin);
  g_test_add_func ("/Evox/FlyingEdges/infinite", test_infinite);
  g_test_add_func ("/Evox/FlyingEdges/cancel", test_cancel);
  g_test_add_func ("/Evox/FlyingEdges/progress", test_progress);
  g_test_add_func ("/Evox/FlyingEdges/errors", test_errors);

  return g_test_run ();
}

/* evox-flying-edges.c: the isosurface of a scalar grid by flying edges, on every thread. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>

#include "evox-isosurface.h"
#include "evox-types.h"

/* Flying edges (Schroeder, Maynard and Geveci, 2015) in four passes over x-rows, each pass
 * parallel over z slices:
 *
 *   1. classify: every point becomes one bit (inside: v >= level), 64 points of a row a word;
 *   2. count: per row of points, the x-, y- and z-edges starting in it that cross the level
 *      (popcounts of XORs of bit rows), and per row of cubes the triangles (the case table's
 *      count for every cube that is not all in or all out);
 *   3. prefix sums over rows give every row its first vertex and first triangle;
 *   4. generate: every row computes the vertices of its own crossing edges (in x order, x-edges
 *      first, then y, then z) and every row of cubes writes its triangles.
 *
 * The trimming of the paper (skipping the ends of rows with nothing to do) is done word by word:
 * a row of cubes builds, 64 cubes at a time, the mask of cubes whose eight corners are not all
 * equal and visits only those. A cube's twelve vertex ids come from eight running counters (one
 * per row and axis of the edges it touches) that advance by the crossings of the cube just
 * visited: the cubes skipped in between have no crossing edge, so nothing is missed.
 *
 * The case table is made here on first use, from one rule: on a face whose inside corners are
 * diagonally opposite, the surface separates them (the outside is connected across the face).
 * The rule depends on the face alone, so neighbouring cubes agree and the surface has no holes;
 * it also gives, case for case, the triangle counts of vtkFlyingEdges3D. Each cube's surface
 * is traced as closed loops of edge crossings, one or two segments per face, oriented so that
 * the inside lies on the same side, and every loop becomes a fan of triangles from a crossing
 * whose diagonals leave the cube's faces (see fan_apex ()).
 *
 * With CLOSE_BORDERS the grid is padded, virtually, by one layer of outside points: the bit rows
 * have one more bit on each side and one more row on each side of y and z, all 0, and the
 * vertices of the edges that reach into the padding lie on the inside voxel's centre, with the
 * outward axis as normal. The data itself is never copied. */

#define CUBE_EDGES 12
/* Rows of points between the one prefetched and the one generated. */
#define PREFETCH_AHEAD 2
/* Data that may not stay in the last-level cache between the passes is prefetched. */
#define PREFETCH_MIN_BYTES (((gsize) 32) << 20)
#define MAX_CASE_TRIANGLES 5

typedef struct
{
  guint8  n_triangles[256];
  guint16 crossings[256];   /* bit e: edge e crosses the level */
  guint8  edges[256][3 * MAX_CASE_TRIANGLES];
} CaseTable;

static CaseTable case_table;

/* Corner c of a cube is at (c & 1, c >> 1 & 1, c >> 2 & 1). Edge e runs along axis e / 4 from
 * corner edge_corner (e, 0) to edge_corner (e, 1); the two bits of e % 4 place it along the
 * other two axes, the lower axis first. So edges 0..3 are the x-edges of the cube's rows (y, z),
 * (y + 1, z), (y, z + 1), (y + 1, z + 1); 4..7 the y-edges at (x, z), (x + 1, z), (x, z + 1),
 * (x + 1, z + 1); 8..11 the z-edges at (x, y), (x + 1, y), (x, y + 1), (x + 1, y + 1). */
static guint
edge_corner (guint e,
             guint end)
{
  guint axis = e / 4;
  guint lo_axis = axis == 0 ? 1 : 0;
  guint hi_axis = axis == 2 ? 1 : 2;
  guint k = e % 4;

  return ((k & 1) << lo_axis) | ((k >> 1) << hi_axis) | (end << axis);
}

static guint
edge_between (guint c0,
              guint c1)
{
  for (guint e = 0; e < CUBE_EDGES; e++)
    if ((edge_corner (e, 0) == c0 && edge_corner (e, 1) == c1) ||
        (edge_corner (e, 0) == c1 && edge_corner (e, 1) == c0))
      return e;
  g_assert_not_reached ();
}

static void
corner_position (guint  c,
                 double p[3])
{
  for (guint k = 0; k < 3; k++)
    p[k] = (c >> k) & 1;
}

static void
edge_midpoint (guint  e,
               double p[3])
{
  double a[3], b[3];

  corner_position (edge_corner (e, 0), a);
  corner_position (edge_corner (e, 1), b);
  for (guint k = 0; k < 3; k++)
    p[k] = 0.5 * (a[k] + b[k]);
}

/* Links the crossings on edges e0 and e1 of a face with outward normal n, in the direction
 * that keeps the point inside (on the inside of the segment) on the right when seen from
 * outside the cube, which makes the loops turn counter-clockwise around the outward normal of
 * the surface. */
static void
link_segment (guint         e0,
              guint         e1,
              const double  inside[3],
              const double  n[3],
              int           next[CUBE_EDGES])
{
  double p[3], q[3], d[3], r[3], c[3];

  edge_midpoint (e0, p);
  edge_midpoint (e1, q);
  for (guint k = 0; k < 3; k++)
    {
      d[k] = q[k] - p[k];
      r[k] = inside[k] - p[k];
    }
  c[0] = d[1] * r[2] - d[2] * r[1];
  c[1] = d[2] * r[0] - d[0] * r[2];
  c[2] = d[0] * r[1] - d[1] * r[0];
  if (c[0] * n[0] + c[1] * n[1] + c[2] * n[2] > 0.0)
    {
      guint t = e0;

      e0 = e1;
      e1 = t;
    }
  g_assert (next[e0] < 0);
  next[e0] = (int) e1;
}

/* The faces edge e lies on, bit 2 axis + side. */
static guint
edge_faces (guint e)
{
  guint c0 = edge_corner (e, 0), c1 = edge_corner (e, 1);
  guint faces = 0;

  for (guint axis = 0; axis < 3; axis++)
    if (((c0 ^ c1) >> axis & 1) == 0)
      faces |= 1u << (2 * axis + ((c0 >> axis) & 1));
  return faces;
}

/* The corner of a loop to fan it from: one whose diagonals never join two crossings of the same
 * face. Such a diagonal would lie in the face, and the cube beyond it could have the same one:
 * four triangles on one edge. Loops with more than two crossings on one face go round an
 * ambiguous face; a fan from a crossing off that face avoids them. */
static guint
fan_apex (const guint *loop,
          guint        n)
{
  for (guint apex = 0; apex < n; apex++)
    {
      gboolean ok = TRUE;

      for (guint i = 2; i + 1 < n && ok; i++)
        ok = (edge_faces (loop[apex]) & edge_faces (loop[(apex + i) % n])) == 0;
      if (ok)
        return apex;
    }
  g_assert_not_reached ();
}

static void
make_case (guint cube_case)
{
  int next[CUBE_EDGES];
  gboolean seen[CUBE_EDGES] = { FALSE, };
  guint n_triangles = 0;
  guint16 crossings = 0;

  for (guint e = 0; e < CUBE_EDGES; e++)
    {
      next[e] = -1;
      if (((cube_case >> edge_corner (e, 0)) ^ (cube_case >> edge_corner (e, 1))) & 1)
        crossings |= 1 << e;
    }

  for (guint axis = 0; axis < 3; axis++)
    for (guint side = 0; side < 2; side++)
      {
        guint u = axis == 0 ? 1 : 0;
        guint v = axis == 2 ? 1 : 2;
        guint face[4];
        guint cut[4];
        guint n_cut = 0, n_inside = 0;
        double n[3] = { 0.0, 0.0, 0.0 };
        double centre[3] = { 0.0, 0.0, 0.0 };

        /* The corners in cyclic order around the face. */
        face[0] = side << axis;
        face[1] = face[0] | (1u << u);
        face[2] = face[1] | (1u << v);
        face[3] = face[0] | (1u << v);
        n[axis] = side ? 1.0 : -1.0;
        for (guint m = 0; m < 4; m++)
          {
            guint c0 = face[m], c1 = face[(m + 1) % 4];

            if (((cube_case >> c0) ^ (cube_case >> c1)) & 1)
              cut[n_cut++] = edge_between (c0, c1);
            if ((cube_case >> c0) & 1)
              {
                double p[3];

                corner_position (c0, p);
                for (guint k = 0; k < 3; k++)
                  centre[k] += p[k];
                n_inside++;
              }
          }
        if (n_cut == 2)
          {
            for (guint k = 0; k < 3; k++)
              centre[k] /= n_inside;
            link_segment (cut[0], cut[1], centre, n, next);
          }
        else if (n_cut == 4)
          {
            /* Ambiguous: each inside corner is cut off on its own. */
            for (guint m = 0; m < 4; m++)
              if ((cube_case >> face[m]) & 1)
                {
                  double p[3];

                  corner_position (face[m], p);
                  link_segment (edge_between (face[(m + 3) % 4], face[m]),
                                edge_between (face[m], face[(m + 1) % 4]), p, n, next);
                }
          }
      }

  for (guint start = 0; start < CUBE_EDGES; start++)
    {
      guint loop[CUBE_EDGES];
      guint n_loop = 0, apex;

      if (next[start] < 0 || seen[start])
        continue;
      for (guint e = start; !seen[e]; e = (guint) next[e])
        {
          g_assert (next[e] >= 0);
          seen[e] = TRUE;
          loop[n_loop++] = e;
        }
      g_assert (n_loop >= 3);
      apex = fan_apex (loop, n_loop);
      for (guint i = 1; i + 1 < n_loop; i++)
        {
          guint8 *t = case_table.edges[cube_case] + 3 * n_triangles;

          g_assert (n_triangles < MAX_CASE_TRIANGLES);
          t[0] = (guint8) loop[apex];
          t[1] = (guint8) loop[(apex + i) % n_loop];
          t[2] = (guint8) loop[(apex + i + 1) % n_loop];
          n_triangles++;
        }
    }
  for (guint e = 0; e < CUBE_EDGES; e++)
    g_assert (seen[e] == ((crossings >> e) & 1));
  case_table.n_triangles[cube_case] = (guint8) n_triangles;
  case_table.crossings[cube_case] = crossings;
}

static void
ensure_case_table (void)
{
  static gsize made = 0;

  if (g_once_init_enter (&made))
    {
      for (guint c = 0; c < 256; c++)
        make_case (c);
      g_once_init_leave (&made, 1);
    }
}

/* ---------------------------------------------------------------------------------------------
 * The grid */

typedef struct
{
  gconstpointer   data;
  EvoxSampleType  type;
  gsize           n[3];         /* points of the data */
  gsize           stride[3];
  double          origin[3];
  double          spacing[3];
  float           inv_spacing[3];
  float           half_inv_spacing[3];
  gsize           inner_limit[3];   /* c - 1 < inner_limit: both neighbours exist */
  float           level;        /* for interpolation */
  float           threshold_f;  /* f32: inside when v >= threshold_f */
  guint32         threshold_i;  /* u8, u16: inside when v >= threshold_i */
  int             uniform;      /* u8, u16: 1 when every value is inside, -1 when none is */
  gsize           pad;          /* 1 with CLOSE_BORDERS */
  gboolean        prefetch;
  gsize           pn[3];        /* points with the padding */
  gsize           words;        /* 64-bit words a bit row */
  guint64        *bits;         /* bit rows, row (j, k) of the padded grid at j + pn[1] k */
  guint64         last_cube;    /* cubes in the last word of a row */
  /* Per row of points: crossing x-, y- and z-edges; per row of cubes, triangles. */
  guint32        *n_x;
  guint32        *n_y;
  guint32        *n_z;
  guint32        *n_tri;
  guint64        *first_vertex;
  guint64        *first_triangle;
  float          *positions;
  float          *normals;
  guint32        *triangles;
} Grid;

static inline const guint64 *
bit_row (const Grid *g,
         gsize       j,
         gsize       k)
{
  return g->bits + (j + g->pn[1] * k) * g->words;
}

static inline gsize
row_index (const Grid *g,
           gsize       j,
           gsize       k)
{
  return j + g->pn[1] * k;
}

/* Bit x of the result is bit x + 1 of the row. */
static inline guint64
shifted (const guint64 *row,
         gsize          w,
         gsize          words)
{
  return (row[w] >> 1) | (w + 1 < words ? row[w + 1] << 63 : 0);
}

/* The cubes of word w of a row that exist (x + 1 within the row). */
static inline guint64
cube_mask (const Grid *g,
           gsize       w)
{
  return w + 1 < g->words ? G_MAXUINT64 : g->last_cube;
}

static inline guint
count_bits (guint64 word)
{
#ifdef __POPCNT__
  return (guint) __builtin_popcountll (word);
#else
  /* Without the instruction, GCC calls a function for each word. */
  word = word - ((word >> 1) & G_GUINT64_CONSTANT (0x5555555555555555));
  word = (word & G_GUINT64_CONSTANT (0x3333333333333333)) +
         ((word >> 2) & G_GUINT64_CONSTANT (0x3333333333333333));
  word = (word + (word >> 4)) & G_GUINT64_CONSTANT (0x0f0f0f0f0f0f0f0f);
  return (guint) ((word * G_GUINT64_CONSTANT (0x0101010101010101)) >> 56);
#endif
}

static inline guint
lowest_bit (guint64 word)
{
  return (guint) __builtin_ctzll (word);
}

/* ---------------------------------------------------------------------------------------------
 * Pass 1: classification */

/* Inside bits of 64 values from v, bit i for v[i]. */
static inline guint64
word_u8 (const guint8 *v,
         guint8        t)
{
  guint64 word = 0;
#ifdef __SSE2__
  __m128i tt = _mm_set1_epi8 ((char) t);

  for (guint i = 0; i < 4; i++)
    {
      __m128i x = _mm_loadu_si128 ((const __m128i *) (v + 16 * i));

      word |= (guint64) (guint) _mm_movemask_epi8 (_mm_cmpeq_epi8 (_mm_max_epu8 (x, tt), x))
              << (16 * i);
    }
#else
  for (guint i = 0; i < 64; i++)
    word |= (guint64) (v[i] >= t) << i;
#endif
  return word;
}

static inline guint64
word_u16 (const guint16 *v,
          guint16        t)
{
  guint64 word = 0;
#ifdef __SSE2__
  __m128i tt = _mm_set1_epi16 ((short) t), zero = _mm_setzero_si128 ();

  for (guint i = 0; i < 4; i++)
    {
      /* t - v saturates to 0 exactly when v >= t. */
      __m128i a = _mm_loadu_si128 ((const __m128i *) (v + 16 * i));
      __m128i b = _mm_loadu_si128 ((const __m128i *) (v + 16 * i + 8));
      __m128i ia = _mm_cmpeq_epi16 (_mm_subs_epu16 (tt, a), zero);
      __m128i ib = _mm_cmpeq_epi16 (_mm_subs_epu16 (tt, b), zero);

      word |= (guint64) (guint) _mm_movemask_epi8 (_mm_packs_epi16 (ia, ib)) << (16 * i);
    }
#else
  for (guint i = 0; i < 64; i++)
    word |= (guint64) (v[i] >= t) << i;
#endif
  return word;
}

static inline guint64
word_f32 (const float *v,
          float        t)
{
  guint64 word = 0;
#ifdef __SSE2__
  __m128 tt = _mm_set1_ps (t);

  /* Ordered comparison: NaN is outside. */
  for (guint i = 0; i < 16; i++)
    word |= (guint64) (guint) _mm_movemask_ps (_mm_cmpge_ps (_mm_loadu_ps (v + 4 * i), tt))
            << (4 * i);
#else
  for (guint i = 0; i < 64; i++)
    word |= (guint64) (v[i] >= t) << i;
#endif
  return word;
}

/* The inside bits of one row of data, bit x for point x, into row (its other bits 0). */
static void
classify_row (const Grid *g,
              gsize       offset,
              guint64    *row)
{
  gsize nx = g->n[0], full = nx / 64;
  guint64 tail = 0;

  memset (row, 0, g->words * sizeof (guint64));
  if (g->uniform != 0)
    {
      if (g->uniform > 0)
        {
          for (gsize w = 0; w < full; w++)
            row[w] = G_MAXUINT64;
          if (nx % 64 != 0)
            row[full] = (G_GUINT64_CONSTANT (1) << (nx % 64)) - 1;
        }
      return;
    }
  switch (g->type)
    {
    case EVOX_SAMPLE_U8:
      {
        const guint8 *v = (const guint8 *) g->data + offset;
        guint8 t = (guint8) g->threshold_i;

        for (gsize w = 0; w < full; w++)
          row[w] = word_u8 (v + 64 * w, t);
        for (gsize x = 64 * full; x < nx; x++)
          tail |= (guint64) (v[x] >= t) << (x % 64);
      }
      break;
    case EVOX_SAMPLE_U16:
      {
        const guint16 *v = (const guint16 *) g->data + offset;
        guint16 t = (guint16) g->threshold_i;

        for (gsize w = 0; w < full; w++)
          row[w] = word_u16 (v + 64 * w, t);
        for (gsize x = 64 * full; x < nx; x++)
          tail |= (guint64) (v[x] >= t) << (x % 64);
      }
      break;
    case EVOX_SAMPLE_F32:
    default:
      {
        const float *v = (const float *) g->data + offset;
        float t = g->threshold_f;

        for (gsize w = 0; w < full; w++)
          row[w] = word_f32 (v + 64 * w, t);
        for (gsize x = 64 * full; x < nx; x++)
          tail |= (guint64) (v[x] >= t) << (x % 64);
      }
      break;
    }
  if (nx % 64 != 0)
    row[full] = tail;
}

/* Bit rows of padded slice k. */
static void
classify_slice (Grid  *g,
                gsize  k)
{
  for (gsize j = 0; j < g->pn[1]; j++)
    {
      guint64 *row = g->bits + row_index (g, j, k) * g->words;

      if (j < g->pad || j >= g->pad + g->n[1] || k < g->pad || k >= g->pad + g->n[2])
        {
          memset (row, 0, g->words * sizeof (guint64));
          continue;
        }
      classify_row (g, g->stride[2] * (k - g->pad) + g->stride[1] * (j - g->pad), row);
      if (g->pad)
        {
          /* Point x is bit x + 1. */
          for (gsize w = g->words - 1; w > 0; w--)
            row[w] = (row[w] << 1) | (row[w - 1] >> 63);
          row[0] <<= 1;
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Passes 2 and 4: cubes */

/* The cubes of word w of the row of cubes between bit rows a (y, z), b (y + 1, z), c (y, z + 1)
 * and d (y + 1, z + 1) that are not all in or all out, and the shifted words for their cases. */
typedef struct
{
  guint64 a, b, c, d;
  guint64 a1, b1, c1, d1;   /* the same at x + 1 */
  gboolean uniform;         /* all in or all out: no crossing edge in the word either */
} CubeWords;

static inline guint64
cube_words (const Grid    *g,
            const guint64 *a,
            const guint64 *b,
            const guint64 *c,
            const guint64 *d,
            gsize          w,
            CubeWords     *cw)
{
  guint64 next_a = 0, next_b = 0, next_c = 0, next_d = 0;
  guint64 diff;

  cw->a = a[w];
  cw->b = b[w];
  cw->c = c[w];
  cw->d = d[w];
  if (w + 1 < g->words)
    {
      next_a = a[w + 1];
      next_b = b[w + 1];
      next_c = c[w + 1];
      next_d = d[w + 1];
    }
  /* All out or all in, here and at the first point of the next word: the common cases. */
  cw->uniform =
    ((cw->a | cw->b | cw->c | cw->d) == 0 && ((next_a | next_b | next_c | next_d) & 1) == 0) ||
    ((cw->a & cw->b & cw->c & cw->d) == G_MAXUINT64 && (next_a & next_b & next_c & next_d & 1));
  if (cw->uniform)
    return 0;
  cw->a1 = (cw->a >> 1) | (next_a << 63);
  cw->b1 = (cw->b >> 1) | (next_b << 63);
  cw->c1 = (cw->c >> 1) | (next_c << 63);
  cw->d1 = (cw->d >> 1) | (next_d << 63);
  diff = (cw->a ^ cw->b) | (cw->a ^ cw->c) | (cw->a ^ cw->d) | (cw->a ^ cw->a1) |
         (cw->a1 ^ cw->b1) | (cw->a1 ^ cw->c1) | (cw->a1 ^ cw->d1);
  return diff & cube_mask (g, w);
}

static inline guint
cube_case (const CubeWords *cw,
           guint            x)
{
  return (guint) (((cw->a >> x) & 1) | (((cw->a1 >> x) & 1) << 1) |
                  (((cw->b >> x) & 1) << 2) | (((cw->b1 >> x) & 1) << 3) |
                  (((cw->c >> x) & 1) << 4) | (((cw->c1 >> x) & 1) << 5) |
                  (((cw->d >> x) & 1) << 6) | (((cw->d1 >> x) & 1) << 7));
}

/* Pass 2 for padded slice k: crossings of its rows of points, triangles of its rows of cubes. */
static void
count_slice (Grid  *g,
             gsize  k)
{
  gsize words = g->words;

  for (gsize j = 0; j < g->pn[1]; j++)
    {
      gsize r = row_index (g, j, k);
      const guint64 *a = bit_row (g, j, k);
      const guint64 *b = j + 1 < g->pn[1] ? bit_row (g, j + 1, k) : NULL;
      const guint64 *c = k + 1 < g->pn[2] ? bit_row (g, j, k + 1) : NULL;
      guint32 nx = 0, ny = 0, nz = 0, nt = 0;

      if (b != NULL && c != NULL)
        {
          const guint64 *d = bit_row (g, j + 1, k + 1);

          for (gsize w = 0; w < words; w++)
            {
              CubeWords cw;
              guint64 live = cube_words (g, a, b, c, d, w, &cw);

              if (cw.uniform)
                continue;
              nx += count_bits ((cw.a ^ cw.a1) & cube_mask (g, w));
              ny += count_bits (cw.a ^ cw.b);
              nz += count_bits (cw.a ^ cw.c);
              for (; live != 0; live &= live - 1)
                nt += case_table.n_triangles[cube_case (&cw, lowest_bit (live))];
            }
        }
      else
        {
          /* The last row of a slice, or of the last slice. */
          for (gsize w = 0; w < words; w++)
            nx += count_bits ((a[w] ^ shifted (a, w, words)) & cube_mask (g, w));
          for (gsize w = 0; b != NULL && w < words; w++)
            ny += count_bits (a[w] ^ b[w]);
          for (gsize w = 0; c != NULL && w < words; w++)
            nz += count_bits (a[w] ^ c[w]);
        }
      g->n_x[r] = nx;
      g->n_y[r] = ny;
      g->n_z[r] = nz;
      g->n_tri[r] = nt;
    }
}

/* Pass 4, triangles of the row of cubes whose first row of points is (j, k). */
static void
row_triangles (Grid  *g,
               gsize  j,
               gsize  k)
{
  gsize ra = row_index (g, j, k), rb = row_index (g, j + 1, k);
  gsize rc = row_index (g, j, k + 1), rd = row_index (g, j + 1, k + 1);
  const guint64 *a = bit_row (g, j, k), *b = bit_row (g, j + 1, k);
  const guint64 *c = bit_row (g, j, k + 1), *d = bit_row (g, j + 1, k + 1);
  guint32 *out = g->triangles + 3 * g->first_triangle[ra];
  /* The next vertex of each row and axis this row of cubes touches. */
  guint32 xa = (guint32) g->first_vertex[ra];
  guint32 xb = (guint32) g->first_vertex[rb];
  guint32 xc = (guint32) g->first_vertex[rc];
  guint32 xd = (guint32) g->first_vertex[rd];
  guint32 ya = xa + g->n_x[ra];
  guint32 yc = xc + g->n_x[rc];
  guint32 za = ya + g->n_y[ra];
  guint32 zb = xb + g->n_x[rb] + g->n_y[rb];

  if (g->n_tri[ra] == 0)
    return;
  for (gsize w = 0; w < g->words; w++)
    {
      CubeWords cw;
      guint64 live = cube_words (g, a, b, c, d, w, &cw);

      for (; live != 0; live &= live - 1)
        {
          guint cs = cube_case (&cw, lowest_bit (live));
          guint e = case_table.crossings[cs];
          const guint8 *edges = case_table.edges[cs];
          guint32 id[CUBE_EDGES];

          id[0] = xa;
          id[1] = xb;
          id[2] = xc;
          id[3] = xd;
          id[4] = ya;
          id[5] = ya + ((e >> 4) & 1);
          id[6] = yc;
          id[7] = yc + ((e >> 6) & 1);
          id[8] = za;
          id[9] = za + ((e >> 8) & 1);
          id[10] = zb;
          id[11] = zb + ((e >> 10) & 1);
          for (guint t = 0; t < case_table.n_triangles[cs]; t++)
            {
              out[0] = id[edges[3 * t]];
              out[1] = id[edges[3 * t + 1]];
              out[2] = id[edges[3 * t + 2]];
              out += 3;
            }
          xa += e & 1;
          xb += (e >> 1) & 1;
          xc += (e >> 2) & 1;
          xd += (e >> 3) & 1;
          ya += (e >> 4) & 1;
          yc += (e >> 6) & 1;
          za += (e >> 8) & 1;
          zb += (e >> 10) & 1;
        }
    }
  g_assert (out == g->triangles + 3 * (g->first_triangle[ra] + g->n_tri[ra]));
}

/* ---------------------------------------------------------------------------------------------
 * Pass 4: vertices */

/* evox_sample_get as float: exact for u8, u16 and f32, and folded to one conversion. */
static G_ALWAYS_INLINE inline float
load (gconstpointer  data,
      EvoxSampleType type,
      gsize          i)
{
  return (float) evox_sample_get (data, type, i);
}

/* The gradient at data point p (index i) by central differences, one-sided at the border. */
static G_ALWAYS_INLINE inline void
gradient_border (const Grid     *g,
                 EvoxSampleType  type,
                 const gsize     p[3],
                 gsize           i,
                 float           out[3])
{
  for (guint a = 0; a < 3; a++)
    {
      gsize s = g->stride[a];

      if (g->n[a] == 1)
        out[a] = 0.0f;
      else if (p[a] == 0)
        out[a] = (load (g->data, type, i + s) - load (g->data, type, i)) * g->inv_spacing[a];
      else if (p[a] + 1 == g->n[a])
        out[a] = (load (g->data, type, i) - load (g->data, type, i - s)) * g->inv_spacing[a];
      else
        out[a] = (load (g->data, type, i + s) - load (g->data, type, i - s)) *
                 g->half_inv_spacing[a];
    }
}

/* The same at a point with both neighbours along every axis. */
static G_ALWAYS_INLINE inline void
gradient_inner (const Grid     *g,
                EvoxSampleType  type,
                gsize           i,
                float           out[3])
{
  gsize s1 = g->stride[1], s2 = g->stride[2];

  out[0] = (load (g->data, type, i + 1) - load (g->data, type, i - 1)) * g->half_inv_spacing[0];
  out[1] = (load (g->data, type, i + s1) - load (g->data, type, i - s1)) *
           g->half_inv_spacing[1];
  out[2] = (load (g->data, type, i + s2) - load (g->data, type, i - s2)) *
           g->half_inv_spacing[2];
}

/* The vertex on the edge along axis from data point p0 to the next point, both in the data;
 * inner when both points have both neighbours along every axis. */
static G_ALWAYS_INLINE inline void
edge_vertex (const Grid     *g,
             EvoxSampleType  type,
             const gsize     p0[3],
             guint           axis,
             gboolean        inner,
             gboolean        p0_inside,
             float          *position,
             float          *normal)
{
  gsize i0 = p0[0] + p0[1] * g->stride[1] + p0[2] * g->stride[2];
  gsize i1 = i0 + g->stride[axis];
  float v0 = load (g->data, type, i0);
  float v1 = load (g->data, type, i1);
  float g0[3], g1[3], n[3];
  float t, length2;

  t = (g->level - v0) / (v1 - v0);
  /* Only f32 data can make t NaN: a NaN end, or an infinite one. Linear interpolation puts the
   * crossing at the finite end of an edge from an infinity (v1 infinite already gives 0 above);
   * between two infinities, or next to NaN, it is half way. */
  if (type == EVOX_SAMPLE_F32 && G_UNLIKELY (isnan (t)))
    t = isinf (v0) && isfinite (v1) ? 1.0f : 0.5f;
  else
    t = CLAMP (t, 0.0f, 1.0f);
  if (inner)
    {
      gradient_inner (g, type, i0, g0);
      gradient_inner (g, type, i1, g1);
    }
  else
    {
      gsize p1[3] = { p0[0], p0[1], p0[2] };

      p1[axis]++;
      gradient_border (g, type, p0, i0, g0);
      gradient_border (g, type, p1, i1, g1);
    }
  n[0] = g0[0] + t * (g1[0] - g0[0]);
  n[1] = g0[1] + t * (g1[1] - g0[1]);
  n[2] = g0[2] + t * (g1[2] - g0[2]);
  length2 = n[0] * n[0] + n[1] * n[1] + n[2] * n[2];
  if (G_LIKELY (length2 > 0.0f && length2 < INFINITY))
    {
      float scale = -1.0f / sqrtf (length2);

      normal[0] = n[0] * scale;
      normal[1] = n[1] * scale;
      normal[2] = n[2] * scale;
    }
  else
    {
      /* No gradient (flat, or NaN near): out along the edge. */
      normal[0] = normal[1] = normal[2] = 0.0f;
      normal[axis] = p0_inside ? 1.0f : -1.0f;
    }
  position[0] = (float) (g->origin[0] + g->spacing[0] * (double) p0[0]);
  position[1] = (float) (g->origin[1] + g->spacing[1] * (double) p0[1]);
  position[2] = (float) (g->origin[2] + g->spacing[2] * (double) p0[2]);
  position[axis] = (float) (g->origin[axis] + g->spacing[axis] * ((double) p0[axis] + t));
}

/* The vertex of an edge between the padding and data point p, on p with the axis as normal,
 * pointing out of the data (towards the padding). */
static void
cap_vertex (const Grid  *g,
            const gsize  p[3],
            guint        axis,
            float        sign,
            float       *position,
            float       *normal)
{
  for (guint a = 0; a < 3; a++)
    {
      position[a] = (float) (g->origin[a] + g->spacing[a] * (double) p[a]);
      normal[a] = a == axis ? sign : 0.0f;
    }
}

/* Whether data coordinate c has both neighbours along axis a. */
static inline gboolean
is_inner (const Grid *g,
          guint       a,
          gsize       c)
{
  return c - 1 < g->inner_limit[a];
}

/* The vertices of the crossing edges that start in padded row (j, k), in x order, x-edges
 * first, then y, then z. */
static G_ALWAYS_INLINE inline void
row_vertices_typed (Grid           *g,
                    EvoxSampleType  type,
                    gsize           j,
                    gsize           k)
{
  gsize r = row_index (g, j, k);
  const guint64 *a = bit_row (g, j, k);
  gsize id = g->first_vertex[r];
  gsize words = g->words, pad = g->pad;
  /* Data coordinates; j, k may be in the padding only when the row has no crossing. */
  gsize y = j - pad, z = k - pad;

  for (guint axis = 0; axis < 3; axis++)
    {
      const guint64 *other = NULL;
      gboolean inner_row;

      if (axis == 1 && j + 1 < g->pn[1])
        other = bit_row (g, j + 1, k);
      else if (axis == 2 && k + 1 < g->pn[2])
        other = bit_row (g, j, k + 1);
      else if (axis != 0)
        continue;
      /* The row's y and z (and for y- and z-edges their next point) are inner. */
      inner_row = is_inner (g, 1, y) && is_inner (g, 2, z) &&
                  (axis != 1 || is_inner (g, 1, y + 1)) && (axis != 2 || is_inner (g, 2, z + 1));
      for (gsize w = 0; w < words; w++)
        {
          guint64 cross = axis == 0 ? (a[w] ^ shifted (a, w, words)) & cube_mask (g, w)
                                    : a[w] ^ other[w];

          for (; cross != 0; cross &= cross - 1)
            {
              guint bit = lowest_bit (cross);
              gsize x = 64 * w + bit - pad;   /* data x of the edge's start */
              gsize p[3] = { x, y, z };
              float *position = g->positions + 3 * id, *normal = g->normals + 3 * id;

              if (G_UNLIKELY (pad && (p[axis] == (gsize) -1 || p[axis] + 1 == g->n[axis])))
                {
                  if (p[axis] == (gsize) -1)
                    {
                      p[axis] = 0;
                      cap_vertex (g, p, axis, -1.0f, position, normal);
                    }
                  else
                    cap_vertex (g, p, axis, 1.0f, position, normal);
                }
              else
                {
                  gboolean inner = inner_row && is_inner (g, 0, x) &&
                                   (axis != 0 || is_inner (g, 0, x + 1));

                  edge_vertex (g, type, p, axis, inner, (a[w] >> bit) & 1, position, normal);
                }
              id++;
            }
        }
    }
  g_assert (id == g->first_vertex[r] + g->n_x[r] + g->n_y[r] + g->n_z[r]);
}

static void
row_vertices (Grid  *g,
              gsize  j,
              gsize  k)
{
  switch (g->type)
    {
    case EVOX_SAMPLE_U8:
      row_vertices_typed (g, EVOX_SAMPLE_U8, j, k);
      break;
    case EVOX_SAMPLE_U16:
      row_vertices_typed (g, EVOX_SAMPLE_U16, j, k);
      break;
    case EVOX_SAMPLE_F32:
    default:
      row_vertices_typed (g, EVOX_SAMPLE_F32, j, k);
      break;
    }
}

/* Asks for the data around the crossings of padded row (j, k) that its vertices will read and
 * the rows before it have not: the rows y + 2 and z + 2 and the diagonal neighbours. Sparse
 * surfaces are otherwise bound by the latency of those reads. */
static void
prefetch_row (const Grid *g,
              gsize       j,
              gsize       k)
{
  static const int rows[5][2] = { { 0, 0 }, { 2, 0 }, { 1, -1 }, { 1, 1 }, { 0, 2 } };
  const guint64 *a, *b, *c;
  gsize item = evox_sample_type_size (g->type), per_line = 64 / item;
  gssize y = (gssize) j - (gssize) g->pad, z = (gssize) k - (gssize) g->pad;

  if (j + 1 >= g->pn[1] || k + 1 >= g->pn[2])
    return;
  a = bit_row (g, j, k);
  b = bit_row (g, j + 1, k);
  c = bit_row (g, j, k + 1);
  for (gsize w = 0; w < g->words; w++)
    {
      guint64 any = (a[w] ^ b[w]) | (a[w] ^ c[w]) | (a[w] ^ shifted (a, w, g->words));
      gsize last_line = G_MAXSIZE;

      for (; any != 0; any &= any - 1)
        {
          gssize x = (gssize) (64 * w + lowest_bit (any)) - (gssize) g->pad;
          gsize line;

          if (x < 0 || x >= (gssize) g->n[0])
            continue;
          line = (gsize) x / per_line;
          if (line == last_line)
            continue;
          last_line = line;
          for (guint r = 0; r < 5; r++)
            {
              gssize yy = y + rows[r][0], zz = z + rows[r][1];

              if (yy >= 0 && yy < (gssize) g->n[1] && zz >= 0 && zz < (gssize) g->n[2])
                __builtin_prefetch ((const guint8 *) g->data +
                                    item * ((gsize) x + g->stride[1] * (gsize) yy +
                                            g->stride[2] * (gsize) zz));
            }
        }
    }
}

static void
generate_slice (Grid  *g,
                gsize  k)
{
  for (gsize j = 0; g->prefetch && j < MIN (PREFETCH_AHEAD, g->pn[1]); j++)
    prefetch_row (g, j, k);
  for (gsize j = 0; j < g->pn[1]; j++)
    {
      if (g->prefetch && j + PREFETCH_AHEAD < g->pn[1])
        prefetch_row (g, j + PREFETCH_AHEAD, k);
      row_vertices (g, j, k);
      if (j + 1 < g->pn[1] && k + 1 < g->pn[2])
        row_triangles (g, j, k);
    }
}

/* ---------------------------------------------------------------------------------------------
 * The whole */

static void
grid_clear (Grid *g)
{
  g_clear_pointer (&g->bits, g_free);
  g_clear_pointer (&g->n_x, g_free);
  g_clear_pointer (&g->n_y, g_free);
  g_clear_pointer (&g->n_z, g_free);
  g_clear_pointer (&g->n_tri, g_free);
  g_clear_pointer (&g->first_vertex, g_free);
  g_clear_pointer (&g->first_triangle, g_free);
  g_clear_pointer (&g->positions, g_free);
  g_clear_pointer (&g->normals, g_free);
  g_clear_pointer (&g->triangles, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Grid, grid_clear)

static gboolean
grid_init (Grid            *g,
           const EvoxField *field,
           double           level,
           gboolean         close,
           GError         **error)
{
  gsize n_rows;
  float first, last;

  g->data = field->data;
  g->type = field->type;
  g->pad = close ? 1 : 0;
  for (guint a = 0; a < 3; a++)
    {
      g->n[a] = field->dims[a];
      g->pn[a] = field->dims[a] + 2 * g->pad;
      g->origin[a] = field->origin[a];
      g->spacing[a] = field->spacing[a];
      g->inv_spacing[a] = (float) (1.0 / field->spacing[a]);
      g->half_inv_spacing[a] = (float) (0.5 / field->spacing[a]);
      g->inner_limit[a] = field->dims[a] >= 3 ? field->dims[a] - 2 : 0;
    }
  g->stride[0] = 1;
  g->stride[1] = g->n[0];
  g->stride[2] = g->n[0] * g->n[1];
  g->prefetch = g->stride[2] * g->n[2] * evox_sample_type_size (g->type) >= PREFETCH_MIN_BYTES;
  g->words = (g->pn[0] + 63) / 64;
  /* pn[0] - 1 cubes a row, 0 to 63 of them in the last word. */
  g->last_cube = (G_GUINT64_CONSTANT (1) << (g->pn[0] - 1 - 64 * (g->words - 1))) - 1;
  g->level = (float) level;

  /* The smallest stored value at or above the level decides v >= level exactly as in doubles,
   * the same rounding as every other range test on stored values. */
  evox_sample_type_inner_range (EVOX_SAMPLE_F32, level, INFINITY, &g->threshold_f, &last);
  if (g->type == EVOX_SAMPLE_U8 || g->type == EVOX_SAMPLE_U16)
    {
      gboolean some = evox_sample_type_inner_range (g->type, level, INFINITY, &first, &last);

      g->threshold_i = some ? (guint32) first : G_MAXUINT16 + 1;
      g->uniform = !some ? -1 : g->threshold_i == 0 ? 1 : 0;
    }

  n_rows = g->pn[1] * g->pn[2];
  if (!evox_check_allocation ((guint64) n_rows * g->words, sizeof (guint64),
                              "The classification of the surface's grid", error) ||
      !evox_check_allocation (n_rows, 4 * sizeof (guint32) + 2 * sizeof (guint64),
                              "The rows of the surface's grid", error))
    return FALSE;
  g->bits = g_try_new (guint64, n_rows * g->words);
  g->n_x = g_try_new (guint32, n_rows);
  g->n_y = g_try_new (guint32, n_rows);
  g->n_z = g_try_new (guint32, n_rows);
  g->n_tri = g_try_new (guint32, n_rows);
  g->first_vertex = g_try_new (guint64, n_rows);
  g->first_triangle = g_try_new (guint64, n_rows);
  if (g->bits == NULL || g->n_x == NULL || g->n_y == NULL || g->n_z == NULL ||
      g->n_tri == NULL || g->first_vertex == NULL || g->first_triangle == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                           "Out of memory for the classification of the surface's grid");
      return FALSE;
    }
  return TRUE;
}

static gboolean
stopped (EvoxWorkMonitor  *monitor,
         GError  **error)
{
  if (!g_atomic_int_get (&monitor->stopped))
    return FALSE;
  if (!g_cancellable_set_error_if_cancelled (monitor->cancellable, error))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  return TRUE;
}

/**
 * evox_flying_edges:
 * @field: the grid
 * @level: inside is v >= level
 * @flags: closing at the border, threading
 * @progress: (nullable): told the fraction done
 * @cancellable: (nullable): checked for every slice
 * @error: return location for an error
 *
 * The isosurface of @field at @level, as evox-isosurface.h says.
 *
 * Returns: (transfer full): the mesh (empty when nothing is inside), or %NULL with @error set.
 */
EvoxMesh *
evox_flying_edges (const EvoxField       *field,
                   double                 level,
                   EvoxFlyingEdgesFlags   flags,
                   EvoxProgress          *progress,
                   GCancellable          *cancellable,
                   GError               **error)
{
  g_auto (Grid) g = { 0, };
  EvoxWorkMonitor monitor = { .progress = progress, .cancellable = cancellable };
  gboolean close = (flags & EVOX_FLYING_EDGES_CLOSE_BORDERS) != 0;
  gboolean parallel = (flags & EVOX_FLYING_EDGES_SERIAL) == 0;
  guint64 n_vertices = 0, n_triangles = 0;
  gsize n_slices;
  int n_threads = 1;

  g_return_val_if_fail (field != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (field->data == NULL || isnan (level) || field->dims[0] == 0 || field->dims[1] == 0 ||
      field->dims[2] == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Cannot find a surface: %s",
                   isnan (level) ? "the level is not a number" :
                   field->data == NULL ? "there are no values" : "the grid is empty");
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  ensure_case_table ();
  evox_progress_set_stage (progress, "Finding the surface", 0.0, 1.0);
  if (!grid_init (&g, field, level, close, error))
    return NULL;
  n_slices = g.pn[2];
#ifdef _OPENMP
  if (parallel)
    n_threads = omp_get_max_threads ();
#endif

  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.0, 0.25, n_slices);
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
  for (gsize k = 0; k < n_slices; k++)
    if (!_evox_work_monitor_stopped (&monitor))
      {
        classify_slice (&g, k);
        _evox_work_monitor_step (&monitor, 1);
      }
  if (stopped (&monitor, error))
    return NULL;

  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.25, 0.4, n_slices);
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
  for (gsize k = 0; k < n_slices; k++)
    if (!_evox_work_monitor_stopped (&monitor))
      {
        count_slice (&g, k);
        _evox_work_monitor_step (&monitor, 1);
      }
  if (stopped (&monitor, error))
    return NULL;

  for (gsize r = 0; r < g.pn[1] * g.pn[2]; r++)
    {
      g.first_vertex[r] = n_vertices;
      g.first_triangle[r] = n_triangles;
      n_vertices += (guint64) g.n_x[r] + g.n_y[r] + g.n_z[r];
      n_triangles += g.n_tri[r];
    }
  if (n_triangles == 0)
    {
      evox_progress_update (progress, 1.0);
      return evox_mesh_new_empty ();
    }
  if (n_vertices > G_MAXUINT32)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The surface would have %" G_GUINT64_FORMAT " vertices, more than a mesh "
                   "can hold (2^32 - 1)", n_vertices);
      return NULL;
    }
  if (!evox_check_allocation (n_vertices, 6 * sizeof (float), "The surface's vertices", error) ||
      !evox_check_allocation (n_triangles, 3 * sizeof (guint32), "The surface's triangles",
                              error))
    return NULL;
  g.positions = _evox_try_alloc_large (3 * n_vertices * sizeof (float));
  g.normals = _evox_try_alloc_large (3 * n_vertices * sizeof (float));
  g.triangles = _evox_try_alloc_large (3 * n_triangles * sizeof (guint32));
  if (g.positions == NULL || g.normals == NULL || g.triangles == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                           "Out of memory for the surface's vertices and triangles");
      return NULL;
    }

  _evox_work_monitor_begin (&monitor, progress, cancellable, 0.4, 1.0, n_slices);
#pragma omp parallel for schedule(dynamic, 1) num_threads(n_threads)
  for (gsize k = 0; k < n_slices; k++)
    if (!_evox_work_monitor_stopped (&monitor))
      {
        generate_slice (&g, k);
        _evox_work_monitor_step (&monitor, 1);
      }
  if (stopped (&monitor, error))
    return NULL;

  evox_progress_update (progress, 1.0);
  return evox_mesh_new_take (g_steal_pointer (&g.positions), g_steal_pointer (&g.normals), NULL,
                             n_vertices, g_steal_pointer (&g.triangles), n_triangles, close);
}

/* ---------------------------------------------------------------------------------------------
 * Measuring without building */

/* Per case, for a cube with its first corner at the origin and edges of spacing: the area of its
 * triangles, the sum of their doubled area vectors and the divergence theorem's sum of
 * a . cross (b - a, c - a) / 6 over them, with every vertex at its edge's midpoint. */
typedef struct
{
  double area[256];
  double normal[256][3];
  double volume[256];
} CaseMeasures;

static void
case_measures_init (CaseMeasures *m,
                    const double  spacing[3])
{
  for (guint cs = 0; cs < 256; cs++)
    {
      m->area[cs] = m->volume[cs] = 0.0;
      m->normal[cs][0] = m->normal[cs][1] = m->normal[cs][2] = 0.0;
      for (guint t = 0; t < case_table.n_triangles[cs]; t++)
        {
          double p[3][3], u[3], v[3], n[3];

          for (guint c = 0; c < 3; c++)
            {
              edge_midpoint (case_table.edges[cs][3 * t + c], p[c]);
              for (guint k = 0; k < 3; k++)
                p[c][k] *= spacing[k];
            }
          for (guint k = 0; k < 3; k++)
            {
              u[k] = p[1][k] - p[0][k];
              v[k] = p[2][k] - p[0][k];
            }
          n[0] = u[1] * v[2] - u[2] * v[1];
          n[1] = u[2] * v[0] - u[0] * v[2];
          n[2] = u[0] * v[1] - u[1] * v[0];
          m->area[cs] += 0.5 * sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
          m->volume[cs] += (p[0][0] * n[0] + p[0][1] * n[1] + p[0][2] * n[2]) / 6.0;
          for (guint k = 0; k < 3; k++)
            m->normal[cs][k] += n[k];
        }
    }
}

/* Area and the divergence theorem's volume term (to ref) of the triangles of cube (x, y, z) of
 * case cs, its crossings interpolated as edge_vertex () places them. */
static void
cube_measures (const Grid   *g,
               guint         cs,
               gsize         x,
               gsize         y,
               gsize         z,
               const double  ref[3],
               double       *area,
               double       *volume)
{
  double p[CUBE_EDGES][3];
  guint crossings = case_table.crossings[cs];

  for (guint e = 0; e < CUBE_EDGES; e++)
    if ((crossings >> e) & 1)
      {
        guint c0 = edge_corner (e, 0), axis = e / 4;
        /* Data coordinates: with the padding, an edge that reaches into it has its vertex on
         * its data end, as cap_vertex () places it (only along the edge's own axis can one end
         * lie in the padding and the other not). */
        gsize q[3] = { x + (c0 & 1) - g->pad, y + ((c0 >> 1) & 1) - g->pad,
                       z + ((c0 >> 2) & 1) - g->pad };
        float t;

        if (G_UNLIKELY (g->pad && q[axis] == (gsize) -1))
          t = 1.0f;
        else if (G_UNLIKELY (g->pad && q[axis] + 1 == g->n[axis]))
          t = 0.0f;
        else
          {
            gsize i0 = q[0] + q[1] * g->stride[1] + q[2] * g->stride[2];
            float v0 = load (g->data, g->type, i0);
            float v1 = load (g->data, g->type, i0 + g->stride[axis]);

            t = (g->level - v0) / (v1 - v0);
            if (g->type == EVOX_SAMPLE_F32 && G_UNLIKELY (isnan (t)))
              t = isinf (v0) && isfinite (v1) ? 1.0f : 0.5f;
            else
              t = CLAMP (t, 0.0f, 1.0f);
          }
        for (guint k = 0; k < 3; k++)
          p[e][k] = g->origin[k] + g->spacing[k] * ((double) (gssize) q[k] +
                                                    (k == axis ? t : 0.0)) - ref[k];
      }
  for (guint t = 0; t < case_table.n_triangles[cs]; t++)
    {
      const double *a = p[case_table.edges[cs][3 * t]], *b = p[case_table.edges[cs][3 * t + 1]];
      const double *c = p[case_table.edges[cs][3 * t + 2]];
      double u[3], v[3], n[3];

      for (guint k = 0; k < 3; k++)
        {
          u[k] = b[k] - a[k];
          v[k] = c[k] - a[k];
        }
      n[0] = u[1] * v[2] - u[2] * v[1];
      n[1] = u[2] * v[0] - u[0] * v[2];
      n[2] = u[0] * v[1] - u[1] * v[0];
      *area += 0.5 * sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
      *volume += (a[0] * n[0] + a[1] * n[1] + a[2] * n[2]) / 6.0;
    }
}

/**
 * _evox_flying_edges_measure:
 *
 * The triangle count, area and enclosed volume of evox_flying_edges (field, level, DEFAULT,
 * or CLOSE_BORDERS when close) without building it: classification and one pass over the
 * cubes. When midpoints says that every crossing lies half way along its edge (a mask of two
 * values contoured half way between them; not with close, whose caps lie on voxel centres),
 * each cube's share is a constant of its case; otherwise its crossings are interpolated as the
 * kernel does, and no vertex is kept. The volume is summed to ref (a point near the middle keeps
 * its digits).
 */
gboolean
_evox_flying_edges_measure (const EvoxField  *field,
                            double            level,
                            gboolean          midpoints,
                            gboolean          close,
                            const double      ref[3],
                            guint64          *n_triangles,
                            double           *area,
                            double           *volume,
                            EvoxWorkMonitor  *monitor,
                            GError          **error)
{
  g_auto (Grid) g = { 0, };
  CaseMeasures *cm;
  guint64 n = 0;
  double a = 0.0, v = 0.0;
  gsize n_slices;

  g_return_val_if_fail (field != NULL && field->data != NULL, FALSE);
  g_return_val_if_fail (!(midpoints && close), FALSE);

  ensure_case_table ();
  if (!grid_init (&g, field, level, close, error))
    return FALSE;
  n_slices = g.pn[2];
  cm = g_new (CaseMeasures, 1);
  case_measures_init (cm, field->spacing);

#pragma omp parallel for schedule(dynamic, 1)
  for (gsize k = 0; k < n_slices; k++)
    if (!_evox_work_monitor_stopped (monitor))
      {
        classify_slice (&g, k);
        _evox_work_monitor_step (monitor, 1);
      }

#pragma omp parallel for schedule(dynamic, 1) reduction(+:n, a, v)
  for (gsize k = 0; k < n_slices - 1; k++)
    {
      if (_evox_work_monitor_stopped (monitor))
        continue;
      for (gsize j = 0; j + 1 < g.pn[1]; j++)
        {
          const guint64 *ra = bit_row (&g, j, k), *rb = bit_row (&g, j + 1, k);
          const guint64 *rc = bit_row (&g, j, k + 1), *rd = bit_row (&g, j + 1, k + 1);
          double o[3];

          o[1] = field->origin[1] + field->spacing[1] * (double) j - ref[1];
          o[2] = field->origin[2] + field->spacing[2] * (double) k - ref[2];
          for (gsize w = 0; w < g.words; w++)
            {
              CubeWords cw;
              guint64 live = cube_words (&g, ra, rb, rc, rd, w, &cw);

              for (; live != 0; live &= live - 1)
                {
                  guint x = lowest_bit (live);
                  guint cs = cube_case (&cw, x);

                  if (!midpoints)
                    {
                      n += case_table.n_triangles[cs];
                      cube_measures (&g, cs, 64 * w + x, j, k, ref, &a, &v);
                      continue;
                    }
                  o[0] = field->origin[0] + field->spacing[0] * (double) (64 * w + x) - ref[0];
                  n += case_table.n_triangles[cs];
                  a += cm->area[cs];
                  v += cm->volume[cs] + (o[0] * cm->normal[cs][0] + o[1] * cm->normal[cs][1] +
                                         o[2] * cm->normal[cs][2]) / 6.0;
                }
            }
        }
      _evox_work_monitor_step (monitor, 1);
    }
  g_free (cm);
  if (stopped (monitor, error))
    return FALSE;
  *n_triangles = n;
  *area = a;
  *volume = v;
  return TRUE;
}

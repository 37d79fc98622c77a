/* evox-decimate.c: fewer triangles for the same shape (quadric error edge collapse). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "evox-decimate.h"
#include "evox-types.h"

/* Garland and Heckbert's edge collapse.
 *
 * Every vertex carries the quadric of the planes of its triangles (area-weighted), plus, on a
 * boundary, planes through each boundary edge at right angles to its triangle. Collapsing edge
 * ab leaves one vertex at the point p that minimises (Qa + Qb)(p); the cost is that minimum.
 * Boundary vertices never move (they only merge along the boundary), so an open surface keeps
 * its rim where it was.
 *
 * The priority queue is a bucket queue over cost classes 9% wide (the 12 high bits of the
 * float cost) with lazy deletion, run in passes. A pass lists every edge that may collapse with
 * its cost (in parallel) and sorts the cheap ones into the buckets. After each collapse the
 * edges around the kept vertex get new costs and go into their buckets (never below the one
 * being emptied); older entries of them are stale and skipped. So edges are taken cheapest
 * first, as from a heap, up to the 9% within a class. Whether a collapse is allowed (link
 * condition, no flipped or degenerate triangle) is decided on the current mesh when it is
 * taken. A pass stops at the target or after the class of 1.5 times the cost of the edge whose
 * rank is half the collapses still needed; the next pass lists again, from costs kept in the
 * triangles' corners.
 *
 * Speed comes from memory order. Vertices are renumbered along a Morton curve and triangles
 * sorted by their lowest vertex, so a neighbourhood is a few cache lines; listed edges of one
 * class are taken in that order, and the data of the next ones is prefetched. The collapses run
 * on all threads: each worker owns one range of vertex numbers (one region of space) and its own
 * queue, and takes the collapses whose triangles all lie in its range; the others, near the
 * cuts, wait for the next pass, whose cuts are elsewhere.
 *
 * Vertices whose fan of triangles is not one disc or half-disc (non-manifold edges or vertices,
 * inconsistent orientation, a triangle with a repeated index) are frozen: no edge at them
 * collapses, so whatever the input is, nothing gets worse there. */

#define NONE G_MAXUINT32

enum
{
  VERTEX_DEAD     = 1 << 0,  /* collapsed into another, or in no triangle */
  VERTEX_BOUNDARY = 1 << 1,  /* on an edge of one triangle */
  VERTEX_FROZEN   = 1 << 2,  /* its fan is not a disc or half-disc */
  VERTEX_MOVED    = 1 << 3,  /* no longer at its input position */
};

/* Boundary planes weigh this much per squared edge length (triangle planes weigh their area). */
#define BOUNDARY_WEIGHT 10.0
/* A collapse may turn no triangle by more than about 78 degrees. */
#define MIN_NORMAL_COS 0.2
/* A triangle with twice its area below this times the sum of its squared edges is degenerate
 * (an equilateral one has 0.29). */
#define MIN_SHAPE 1e-4
/* Collapses between progress reports and cancellation checks. */
#define CHECK_EVERY 4096

/* error (x) = x.A.x + 2 b.x + c, A symmetric. */
typedef struct
{
  double a00, a01, a02, a11, a12, a22;
  double b0, b1, b2;
  double c;
} Quadric;

typedef struct
{
  guint32 a;
  guint32 b;
  float   cost;
} Edge;

/* An edge waiting in a bucket of the queue, with its cost as of the worker's clock `when`:
 * pool entries chained by next. */
typedef struct
{
  guint32 a;
  guint32 b;
  guint32 when;
  guint32 next;
} Pending;

/* One thread of the collapse loop: its vertices, its room in refs, its queue. */
typedef struct
{
  guint     id;
  guint32  *heads;        /* COST_CLASSES buckets of pending edges (pool indices), or NONE */
  Pending  *pool;
  gsize     pool_length;
  gsize     pool_capacity;
  guint32   pool_free;    /* chain of freed entries */
  guint32   clock;        /* collapses so far in this pass, plus one */
  guint32  *ta;           /* triangles of the edge's two ends, grown as needed */
  guint32  *tb;
  guint32  *va;           /* their vertices, 2 capacity each */
  guint32  *vb;
  float    *costs;        /* 2 capacity */
  gsize     capacity;
  gsize     refs_at;
  gsize     refs_end;
  gsize     begin;        /* its candidates are w->order[begin .. end - 1] */
  gsize     end;
  gsize     quota;        /* triangles it is to remove in this pass */
  gsize     removed;
  gsize     done;
  gsize     deferred;
} Worker;

typedef struct
{
  gsize     n_vertices;
  double   *pos;          /* 3 a vertex, centred and scaled into the unit cube */
  guint32  *source;       /* the input index of each vertex (they are renumbered) */
  Quadric  *quadric;
  guint8   *flags;
  guint32  *changed_at;   /* the owner's clock when the vertex last changed; 0: not this pass */

  guint32  *tri;          /* 3 a slot; tri[3 t] == NONE once collapsed */
  float    *corner_cost;  /* 3 a slot: cost of the edge from corner c to c + 1, when listed */
  gboolean  have_costs;   /* corner_cost holds every listed edge's cost */
  gsize     n_slots;
  gsize     n_live;
  gssize    live;         /* n_live for progress reports during the collapse loop (atomic) */
  guint64   target;

  gsize    *first;        /* vertex v's triangles are refs[first[v]] .. + count[v] - 1 */
  guint32  *count;
  guint32  *refs;
  gsize     n_refs;
  gsize     refs_capacity;

  Edge     *edges;
  gsize     n_edges;
  gsize     edges_capacity;
  guint32  *order;        /* indices of the candidate edges, cheapest first */
  guint32   limit;        /* the dearest cost class this pass takes */

  /* Workers own the vertices v with ((v + side_offset) mod n_vertices) * side_scale >> 32
   * equal to their id. */
  guint     n_workers;
  gsize     side_offset;
  guint64   side_scale;
} Work;

static void
work_clear (Work *w)
{
  g_free (w->pos);
  g_free (w->source);
  g_free (w->quadric);
  g_free (w->flags);
  g_free (w->changed_at);
  g_free (w->tri);
  g_free (w->corner_cost);
  g_free (w->first);
  g_free (w->count);
  g_free (w->refs);
  g_free (w->edges);
  g_free (w->order);
}

static inline void
vec_sub (const double *a,
         const double *b,
         double        out[3])
{
  out[0] = a[0] - b[0];
  out[1] = a[1] - b[1];
  out[2] = a[2] - b[2];
}

static inline void
vec_cross (const double u[3],
           const double v[3],
           double       out[3])
{
  out[0] = u[1] * v[2] - u[2] * v[1];
  out[1] = u[2] * v[0] - u[0] * v[2];
  out[2] = u[0] * v[1] - u[1] * v[0];
}

static inline double
vec_dot (const double u[3],
         const double v[3])
{
  return u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
}

static inline double
vec_dist2 (const double *a,
           const double *b)
{
  double d[3];

  vec_sub (a, b, d);
  return vec_dot (d, d);
}

/* Adds w times the squared distance to the plane n.x + d = 0 (n a unit vector). */
static void
quadric_add_plane (Quadric      *q,
                   const double  n[3],
                   double        d,
                   double        w)
{
  q->a00 += w * n[0] * n[0];
  q->a01 += w * n[0] * n[1];
  q->a02 += w * n[0] * n[2];
  q->a11 += w * n[1] * n[1];
  q->a12 += w * n[1] * n[2];
  q->a22 += w * n[2] * n[2];
  q->b0 += w * d * n[0];
  q->b1 += w * d * n[1];
  q->b2 += w * d * n[2];
  q->c += w * d * d;
}

static void
quadric_sum (const Quadric *p,
             const Quadric *q,
             Quadric       *out)
{
  const double *x = (const double *) p, *y = (const double *) q;
  double *o = (double *) out;

  for (guint i = 0; i < sizeof (Quadric) / sizeof (double); i++)
    o[i] = x[i] + y[i];
}

static double
quadric_eval (const Quadric *q,
              const double   p[3])
{
  double x = p[0], y = p[1], z = p[2];

  return q->a00 * x * x + q->a11 * y * y + q->a22 * z * z
         + 2.0 * (q->a01 * x * y + q->a02 * x * z + q->a12 * y * z)
         + 2.0 * (q->b0 * x + q->b1 * y + q->b2 * z) + q->c;
}

/* The minimum of q, when A is well conditioned. */
static gboolean
quadric_minimum (const Quadric *q,
                 double         p[3])
{
  double c00 = q->a11 * q->a22 - q->a12 * q->a12;
  double c01 = q->a02 * q->a12 - q->a01 * q->a22;
  double c02 = q->a01 * q->a12 - q->a02 * q->a11;
  double c11 = q->a00 * q->a22 - q->a02 * q->a02;
  double c12 = q->a01 * q->a02 - q->a00 * q->a12;
  double c22 = q->a00 * q->a11 - q->a01 * q->a01;
  double det = q->a00 * c00 + q->a01 * c01 + q->a02 * c02;
  double trace = q->a00 + q->a11 + q->a22;

  /* det / trace^3 is about the product of the two smaller eigenvalues over the largest one
   * squared: a flat region (rank 1) or a crease (rank 2) has none. */
  if (!(fabs (det) > 1e-12 * trace * trace * trace))
    return FALSE;
  p[0] = -(c00 * q->b0 + c01 * q->b1 + c02 * q->b2) / det;
  p[1] = -(c01 * q->b0 + c11 * q->b1 + c12 * q->b2) / det;
  p[2] = -(c02 * q->b0 + c12 * q->b1 + c22 * q->b2) / det;
  return isfinite (p[0]) && isfinite (p[1]) && isfinite (p[2]);
}

/* Where the vertex of a collapsed edge ab goes, and the error there. Boundary vertices never
 * move: an edge from the boundary inwards collapses onto its boundary end, and a boundary edge
 * onto the better of its ends, so the rim stays on the input's rim (for an isosurface, on the
 * faces of the volume). Elsewhere the optimum is taken only near the edge: far away it comes
 * from a nearly singular A and the surface would fold. */
static double
edge_placement (const Work *w,
                guint32     a,
                guint32     b,
                double      p[3])
{
  const double *pa = w->pos + 3 * (gsize) a, *pb = w->pos + 3 * (gsize) b;
  gboolean boundary_a = (w->flags[a] & VERTEX_BOUNDARY) != 0;
  gboolean boundary_b = (w->flags[b] & VERTEX_BOUNDARY) != 0;
  double mid[3], cost_a, cost_b, cost_mid;
  Quadric q;

  quadric_sum (&w->quadric[a], &w->quadric[b], &q);
  if (boundary_a != boundary_b)
    {
      memcpy (p, boundary_a ? pa : pb, 3 * sizeof (double));
      return quadric_eval (&q, p);
    }

  for (guint k = 0; k < 3; k++)
    mid[k] = 0.5 * (pa[k] + pb[k]);
  if (!boundary_a && quadric_minimum (&q, p) && vec_dist2 (p, mid) <= vec_dist2 (pa, pb))
    return quadric_eval (&q, p);

  cost_a = quadric_eval (&q, pa);
  cost_b = quadric_eval (&q, pb);
  cost_mid = boundary_a ? G_MAXDOUBLE : quadric_eval (&q, mid);
  if (cost_a <= cost_b && cost_a <= cost_mid)
    {
      memcpy (p, pa, 3 * sizeof (double));
      return cost_a;
    }
  if (cost_b <= cost_mid)
    {
      memcpy (p, pb, 3 * sizeof (double));
      return cost_b;
    }
  memcpy (p, mid, 3 * sizeof (double));
  return cost_mid;
}

static inline guint32
float_key (float cost)
{
  guint32 key;

  memcpy (&key, &cost, sizeof key);
  return key;
}

static inline float
cost_to_float (double cost)
{
  if (isnan (cost))
    return FLT_MAX;
  if (!(cost > 0.0))
    return 0.0f;  /* rounding below zero */
  return cost < FLT_MAX ? (float) cost : FLT_MAX;
}

static inline gboolean
tri_is_live (const Work *w,
             guint32     t)
{
  return w->tri[3 * (gsize) t] != NONE;
}

/* The corner of triangle t at vertex v (0, 1 or 2). */
static inline guint
corner_of (const Work *w,
           guint32     t,
           guint32     v)
{
  const guint32 *c = w->tri + 3 * (gsize) t;

  return c[0] == v ? 0 : c[1] == v ? 1 : 2;
}

/* Drops collapsed triangles from the slots. */
static void
compact_triangles (Work *w)
{
  gsize n = 0;

  for (gsize t = 0; t < w->n_slots; t++)
    if (w->tri[3 * t] != NONE)
      {
        if (n != t)
          {
            memcpy (w->tri + 3 * n, w->tri + 3 * t, 3 * sizeof (guint32));
            memcpy (w->corner_cost + 3 * n, w->corner_cost + 3 * t, 3 * sizeof (float));
          }
        n++;
      }
  g_assert (n == w->n_live);
  w->n_slots = n;
}

/* Vertex to triangle lists from the triangles, in refs[0 .. 3 n_slots - 1], in parallel. The
 * lists are filled in any order and then sorted, so the result does not depend on the threads. */
static void
build_adjacency (Work *w)
{
  gsize offset = 0;

  memset (w->count, 0, w->n_vertices * sizeof (guint32));
#pragma omp parallel for schedule(static)
  for (gsize i = 0; i < 3 * w->n_slots; i++)
    g_atomic_int_inc ((gint *) &w->count[w->tri[i]]);
  for (gsize v = 0; v < w->n_vertices; v++)
    {
      w->first[v] = offset;
      offset += w->count[v];
      w->count[v] = 0;
    }
#pragma omp parallel for schedule(static)
  for (gsize i = 0; i < 3 * w->n_slots; i++)
    {
      guint32 v = w->tri[i];
      guint32 at = (guint32) g_atomic_int_add ((gint *) &w->count[v], 1);

      w->refs[w->first[v] + at] = (guint32) (i / 3);
    }
#pragma omp parallel for schedule(dynamic, 4096)
  for (gsize v = 0; v < w->n_vertices; v++)
    {
      guint32 *list = w->refs + w->first[v];

      for (guint32 i = 1; i < w->count[v]; i++)
        {
          guint32 t = list[i], j = i;

          for (; j > 0 && list[j - 1] > t; j--)
            list[j] = list[j - 1];
          list[j] = t;
        }
    }
  w->n_refs = offset;
}

/* Whether the fan of triangles around v is one disc (interior) or one half-disc (boundary),
 * consistently oriented; succ[i] is the triangle after i going round v, or NONE across the
 * boundary. Returns the flags of v. */
static guint8
classify_vertex (const Work *w,
                 guint32     v,
                 guint32    *next,
                 guint32    *prev,
                 guint32    *succ,
                 guint32    *n_pred)
{
  guint32 k = w->count[v];
  const guint32 *list = w->refs + w->first[v];
  guint32 gaps = 0, start = 0, visited = 0;

  if (k == 0)
    return VERTEX_DEAD;
  if (k > 1024)
    return VERTEX_FROZEN;  /* no surface of a volume has such a fan; keep the check cheap */
  for (guint32 i = 0; i < k; i++)
    {
      const guint32 *c = w->tri + 3 * (gsize) list[i];
      guint corner = corner_of (w, list[i], v);

      next[i] = c[(corner + 1) % 3];
      prev[i] = c[(corner + 2) % 3];
      if (next[i] == v || prev[i] == v || next[i] == prev[i])
        return VERTEX_FROZEN;
      succ[i] = NONE;
      n_pred[i] = 0;
    }
  for (guint32 i = 0; i < k; i++)
    for (guint32 j = 0; j < k; j++)
      if (j != i && prev[j] == next[i])
        {
          if (succ[i] != NONE)
            return VERTEX_FROZEN;
          succ[i] = j;
          n_pred[j]++;
        }
  for (guint32 i = 0; i < k; i++)
    {
      if (n_pred[i] > 1)
        return VERTEX_FROZEN;
      if (succ[i] == NONE)
        gaps++;
      if (n_pred[i] == 0)
        start = i;
    }
  if (gaps > 1)
    return VERTEX_FROZEN;
  for (guint32 i = start; i != NONE && visited <= k; i = succ[i])
    {
      visited++;
      if (gaps == 0 && succ[i] == start)
        break;
    }
  if (visited != k)
    return VERTEX_FROZEN;
  return gaps == 1 ? VERTEX_BOUNDARY : 0;
}

/* The quadric of v: its triangles' planes and, on the boundary, the planes along its boundary
 * edges. Needs classify_vertex's next, prev and succ. */
static void
vertex_quadric (Work          *w,
                guint32        v,
                const guint32 *next,
                const guint32 *prev,
                const guint32 *succ,
                const guint32 *n_pred)
{
  guint32 k = w->count[v];
  const double *pv = w->pos + 3 * (gsize) v;
  Quadric *q = &w->quadric[v];

  memset (q, 0, sizeof *q);
  for (guint32 i = 0; i < k; i++)
    {
      const double *pn = w->pos + 3 * (gsize) next[i], *pp = w->pos + 3 * (gsize) prev[i];
      double u[3], s[3], n[3], length;

      vec_sub (pn, pv, u);
      vec_sub (pp, pv, s);
      vec_cross (u, s, n);
      length = sqrt (vec_dot (n, n));
      if (!(length > 0.0))
        continue;
      for (guint c = 0; c < 3; c++)
        n[c] /= length;
      quadric_add_plane (q, n, -vec_dot (n, pv), 0.5 * length);

      if (succ == NULL)
        continue;
      /* Edge v -> next[i] with no triangle on its other side, and edge prev[i] -> v likewise. */
      for (guint side = 0; side < 2; side++)
        {
          double e[3], m[3], m_length;

          if (side == 0 ? succ[i] != NONE : n_pred[i] != 0)
            continue;
          if (side == 0)
            vec_sub (pn, pv, e);
          else
            vec_sub (pv, pp, e);
          vec_cross (e, n, m);
          m_length = sqrt (vec_dot (m, m));
          if (!(m_length > 0.0))
            continue;
          for (guint c = 0; c < 3; c++)
            m[c] /= m_length;
          quadric_add_plane (q, m, -vec_dot (m, pv), BOUNDARY_WEIGHT * vec_dot (e, e));
        }
    }
}

/* Flags and quadrics of every vertex, in parallel. */
static void
classify_vertices (Work *w)
{
#pragma omp parallel
  {
    gsize capacity = 64;
    guint32 *buffer = g_new (guint32, 4 * capacity);

#pragma omp for schedule(dynamic, 4096)
    for (gsize v = 0; v < w->n_vertices; v++)
      {
        guint32 k = w->count[v];
        guint8 flags;

        if (k > capacity)
          {
            capacity = k;
            buffer = g_renew (guint32, buffer, 4 * capacity);
          }
        flags = classify_vertex (w, (guint32) v, buffer, buffer + capacity,
                                 buffer + 2 * capacity, buffer + 3 * capacity);
        if (flags & (VERTEX_DEAD | VERTEX_FROZEN))
          memset (&w->quadric[v], 0, sizeof (Quadric));  /* no edge of theirs collapses */
        else
          vertex_quadric (w, (guint32) v, buffer, buffer + capacity,
                          (flags & VERTEX_BOUNDARY) ? buffer + 2 * capacity : NULL,
                          buffer + 3 * capacity);
        w->flags[v] = flags;
      }
    g_free (buffer);
  }
}

/* Whether the directed edge from -> v exists, that is v's fan has a triangle (v, from, x). */
static gboolean
has_edge_into (const Work *w,
               guint32     v,
               guint32     from)
{
  const guint32 *list = w->refs + w->first[v];

  for (guint32 i = 0; i < w->count[v]; i++)
    {
      const guint32 *c = w->tri + 3 * (gsize) list[i];
      guint corner = corner_of (w, list[i], v);

      if (c[(corner + 2) % 3] == from)
        return TRUE;
    }
  return FALSE;
}

/* Runs BODY with b set for every edge at v that may collapse, so that each edge of the mesh
 * comes once: the directed edge v -> b of each triangle (corner k_ of triangle t_) when v < b
 * (its twin b -> v is then skipped), or when it has no twin. Edges at frozen vertices and
 * edges between two boundary vertices that are not boundary edges (they would pinch the
 * surface) are left out. */
#define FOR_EACH_EDGE(w, v, b, BODY)                                                      \
  G_STMT_START                                                                            \
  {                                                                                       \
    guint8 flags_v = (w)->flags[v];                                                       \
    const guint32 *list_v = (w)->refs + (w)->first[v];                                    \
                                                                                          \
    if (!(flags_v & (VERTEX_DEAD | VERTEX_FROZEN)))                                       \
      for (guint32 i_ = 0; i_ < (w)->count[v]; i_++)                                      \
        {                                                                                 \
          gsize t_ = list_v[i_];                                                          \
          guint k_ = corner_of ((w), (guint32) t_, (guint32) (v));                         \
          guint32 b = (w)->tri[3 * t_ + (k_ + 1) % 3];                                    \
          guint8 flags_b = (w)->flags[b];                                                 \
                                                                                          \
          if (flags_b & VERTEX_FROZEN)                                                    \
            continue;                                                                     \
          if ((flags_v & flags_b & VERTEX_BOUNDARY) != 0)                                 \
            {                                                                             \
              if (has_edge_into ((w), (guint32) (v), b))                                  \
                continue;                                                                 \
            }                                                                             \
          else if ((guint32) (v) > b)                                                     \
            continue;                                                                     \
          BODY;                                                                           \
        }                                                                                 \
  }                                                                                       \
  G_STMT_END

/* Room for n edges (the first pass has the most). */
static void
reserve_edges (Work  *w,
               gsize  n)
{
  if (n <= w->edges_capacity)
    return;
  w->edges_capacity = n;
  w->edges = g_renew (Edge, w->edges, n);
  w->order = g_renew (guint32, w->order, n);
}

/* Lists the collapsible edges with their costs, in parallel. Costs are computed in the first
 * pass only: later they are in the triangles' corners, where the collapses put the new costs of
 * the edges around each vertex they kept (a cost depends on its two ends only, and an edge
 * whose ends did not change is at the same corner of the same triangle). */
static void
list_edges (Work *w)
{
#ifdef _OPENMP
  int n_threads = omp_get_max_threads ();
#else
  int n_threads = 1;
#endif
  g_autofree gsize *offsets = g_new0 (gsize, n_threads + 1);

#pragma omp parallel num_threads(n_threads)
  {
#ifdef _OPENMP
    int id = omp_get_thread_num (), n = omp_get_num_threads ();
#else
    int id = 0, n = 1;
#endif
    gsize v0 = w->n_vertices * id / n, v1 = w->n_vertices * (id + 1) / n;
    gsize count = 0, at;

    for (gsize v = v0; v < v1; v++)
      FOR_EACH_EDGE (w, v, b, count++);
    offsets[id + 1] = count;
#pragma omp barrier
#pragma omp single
    {
      for (int i = 0; i < n; i++)
        offsets[i + 1] += offsets[i];
      w->n_edges = offsets[n];
      reserve_edges (w, w->n_edges);
    }

    at = offsets[id];
    for (gsize v = v0; v < v1; v++)
      {
        /* The neighbours' quadrics are scattered in memory: ask for them all at once. */
        for (guint32 i = 0; i < w->count[v]; i++)
          {
            const guint32 *c = w->tri + 3 * (gsize) w->refs[w->first[v] + i];

            for (guint k = 0; k < 3; k++)
              {
                __builtin_prefetch (&w->quadric[c[k]]);
                __builtin_prefetch ((const char *) &w->quadric[c[k]] + 64);
              }
          }
        FOR_EACH_EDGE (w, v, b, {
        Edge *e = &w->edges[at++];
        float *cost = &w->corner_cost[3 * t_ + k_];

        e->a = (guint32) v;
        e->b = b;
        if (!w->have_costs)
          {
            double p[3];

            *cost = cost_to_float (edge_placement (w, (guint32) v, b, p));
          }
        e->cost = *cost;
      });
      }
  }
}

static void
worker_reserve (Worker *me,
                gsize   n)
{
  if (n <= me->capacity)
    return;
  me->capacity = MAX (n, 2 * me->capacity);
  me->ta = g_renew (guint32, me->ta, me->capacity);
  me->tb = g_renew (guint32, me->tb, me->capacity);
  me->va = g_renew (guint32, me->va, 2 * me->capacity);
  me->vb = g_renew (guint32, me->vb, 2 * me->capacity);
  me->costs = g_renew (float, me->costs, 2 * me->capacity);
}

static inline guint
vertex_side (const Work *w,
             guint32     v)
{
  gsize shifted = v + w->side_offset;

  if (shifted >= w->n_vertices)
    shifted -= w->n_vertices;
  return (guint) (((guint64) shifted * w->side_scale) >> 32);
}

/* Candidates go in order of cost, in classes 9% wide (12 high bits of the float), and within a
 * class in the order they were listed, which is along the vertices' space-filling curve: the
 * order of close costs hardly matters to the result, but walking memory in order makes the
 * collapses several times faster. */
#define COST_CLASSES 4096

static inline guint32
cost_class (float cost)
{
  return float_key (cost) >> 20;
}

/* Sorts the edges that cost no more than 1.5 times the edge of rank `rank` (all of them when
 * rank is G_MAXSIZE) into w->order, each worker's in its own range: edges with ends in two
 * workers' shares are left for a later pass. */
static void
sort_candidates (Work   *w,
                 Worker *workers,
                 gsize   rank)
{
  guint n_buckets = w->n_workers * COST_CLASSES;
  g_autofree gsize *histogram = g_new0 (gsize, n_buckets);
  guint32 limit = COST_CLASSES - 1;
  gsize n = 0;

  if (rank < w->n_edges)
    {
      gsize below = 0;
      guint32 bits;
      float upper;

      for (gsize i = 0; i < w->n_edges; i++)
        histogram[cost_class (w->edges[i].cost)]++;
      for (limit = 0; limit < COST_CLASSES - 1; limit++)
        {
          below += histogram[limit];
          if (below > rank)
            break;
        }
      bits = (limit << 20) | 0xfffff;
      memcpy (&upper, &bits, sizeof upper);
      if (isfinite (upper) && 1.5f * upper < FLT_MAX)
        limit = MAX (limit, cost_class (1.5f * upper));
      memset (histogram, 0, COST_CLASSES * sizeof (gsize));
    }

  for (gsize i = 0; i < w->n_edges; i++)
    {
      const Edge *e = &w->edges[i];
      guint32 c = cost_class (e->cost);
      guint side = vertex_side (w, e->a);

      if (c > limit)
        continue;
      if (vertex_side (w, e->b) != side)
        workers[side].deferred++;
      else
        histogram[side * COST_CLASSES + c]++;
    }
  w->limit = limit;
  for (guint i = 0; i < w->n_workers; i++)
    {
      workers[i].begin = n;
      for (guint32 c = 0; c < COST_CLASSES; c++)
        {
          gsize count = histogram[i * COST_CLASSES + c];

          histogram[i * COST_CLASSES + c] = n;
          n += count;
        }
      workers[i].end = n;
    }
  for (gsize i = 0; i < w->n_edges; i++)
    {
      const Edge *e = &w->edges[i];
      guint32 c = cost_class (e->cost);
      guint side = vertex_side (w, e->a);

      if (c <= limit && vertex_side (w, e->b) == side)
        w->order[histogram[side * COST_CLASSES + c]++] = (guint32) i;
    }
}

/* v's live triangles into out; returns how many. */
static guint32
gather (const Work *w,
        guint32     v,
        guint32    *out)
{
  const guint32 *list = w->refs + w->first[v];
  guint32 n = 0;

  for (guint32 i = 0; i < w->count[v]; i++)
    if (tri_is_live (w, list[i]))
      out[n++] = list[i];
  return n;
}

static inline gboolean
tri_has (const Work *w,
         guint32     t,
         guint32     v)
{
  const guint32 *c = w->tri + 3 * (gsize) t;

  return c[0] == v || c[1] == v || c[2] == v;
}

/* Twice the area vector of a triangle, with vertex `moved` at p instead. */
static void
triangle_normal (const Work   *w,
                 guint32       t,
                 guint32       moved,
                 const double *p,
                 double        n[3],
                 double       *edges2)
{
  const double *q[3];
  double u[3], v[3], s[3];

  for (guint c = 0; c < 3; c++)
    {
      guint32 x = w->tri[3 * (gsize) t + c];

      q[c] = x == moved ? p : w->pos + 3 * (gsize) x;
    }
  vec_sub (q[1], q[0], u);
  vec_sub (q[2], q[0], v);
  vec_sub (q[2], q[1], s);
  vec_cross (u, v, n);
  *edges2 = vec_dot (u, u) + vec_dot (v, v) + vec_dot (s, s);
}

/* The triangles around a collapsing edge, and the sum of their area vectors (the way the
 * surface faces there), found when first needed. */
typedef struct
{
  const guint32 *ta;
  guint32        n_a;
  const guint32 *tb;
  guint32        n_b;
  gboolean       have_normal;
  double         normal[3];
} Fan;

static const double *
fan_normal (const Work *w,
            Fan        *fan)
{
  if (!fan->have_normal)
    {
      double n[3], e;

      fan->normal[0] = fan->normal[1] = fan->normal[2] = 0.0;
      for (guint32 i = 0; i < fan->n_a + fan->n_b; i++)
        {
          triangle_normal (w, i < fan->n_a ? fan->ta[i] : fan->tb[i - fan->n_a], NONE, NULL,
                           n, &e);
          for (guint k = 0; k < 3; k++)
            fan->normal[k] += n[k];
        }
      fan->have_normal = TRUE;
    }
  return fan->normal;
}

/* Whether moving vertex v of triangle t to p neither turns the triangle over nor flattens it.
 * A degenerate triangle has no direction of its own: it may stay degenerate, or become a proper
 * one facing the way the fan faces. */
static gboolean
move_keeps_triangle (const Work   *w,
                     guint32       t,
                     guint32       v,
                     const double  p[3],
                     Fan          *fan)
{
  double n0[3], n1[3], e0, e1, l0, l1;

  triangle_normal (w, t, NONE, NULL, n0, &e0);
  triangle_normal (w, t, v, p, n1, &e1);
  l0 = sqrt (vec_dot (n0, n0));
  l1 = sqrt (vec_dot (n1, n1));
  if (!(l0 > MIN_SHAPE * e0))
    {
      const double *f = fan_normal (w, fan);

      return !(l1 > MIN_SHAPE * e1) ||
             vec_dot (n1, f) >= MIN_NORMAL_COS * l1 * sqrt (vec_dot (f, f));
    }
  if (!(l1 > MIN_SHAPE * e1))
    return FALSE;
  return vec_dot (n0, n1) >= MIN_NORMAL_COS * l0 * l1;
}

typedef enum
{
  COLLAPSE_DONE,
  COLLAPSE_STALE,     /* an end collapsed in this pass */
  COLLAPSE_REJECTED,  /* it would break the surface now */
  COLLAPSE_FULL,      /* no room for the new triangle list in this pass */
  COLLAPSE_DEFERRED,  /* it touches another worker's vertices */
} CollapseResult;


/* The neighbours of v, from its n triangles in list, into out (room for 2 n); returns how
 * many. The surface stays a consistently oriented manifold, so the vertices after v in its
 * triangles are distinct and are all its neighbours but one on a boundary: the vertex before v
 * at the start of the fan, found among the others by a linear search (a fan is small). */
static guint32
fan_vertices (const Work    *w,
              const guint32 *list,
              guint32        n,
              guint32        v,
              guint32       *out)
{
  guint32 count = 0;

  for (guint32 i = 0; i < n; i++)
    out[count++] = w->tri[3 * (gsize) list[i] + (corner_of (w, list[i], v) + 1) % 3];
  if (w->flags[v] & VERTEX_BOUNDARY)
    for (guint32 i = 0; i < n; i++)
      {
        guint32 x = w->tri[3 * (gsize) list[i] + (corner_of (w, list[i], v) + 2) % 3], j = 0;

        while (j < n && out[j] != x)
          j++;
        if (j == n)
          out[count++] = x;
      }
  return count;
}

/* Whether one of the n triangles in list other than the shared ones holds both x and y. */
static gboolean
fan_has_triangle (const Work    *w,
                  const guint32 *list,
                  guint32        n,
                  guint32        x,
                  guint32        y,
                  guint32        not_containing)
{
  for (guint32 i = 0; i < n; i++)
    if (!tri_has (w, list[i], not_containing) && tri_has (w, list[i], x) &&
        tri_has (w, list[i], y))
      return TRUE;
  return FALSE;
}

static guint32
fan_count_with (const Work    *w,
                const guint32 *list,
                guint32        n,
                guint32        x)
{
  guint32 count = 0;

  for (guint32 i = 0; i < n; i++)
    count += tri_has (w, list[i], x);
  return count;
}

/* Whether every vertex of the n triangles in list belongs to this worker. Triangles with a
 * vertex of another worker are never changed by either, so reading them is safe. */
static gboolean
fan_is_mine (const Work    *w,
             const Worker  *me,
             const guint32 *list,
             guint32        n)
{
  if (w->n_workers == 1)
    return TRUE;
  for (guint32 i = 0; i < n; i++)
    for (guint c = 0; c < 3; c++)
      if (vertex_side (w, w->tri[3 * (gsize) list[i] + c]) != me->id)
        return FALSE;
  return TRUE;
}

/* Collapses edge ab when that keeps the surface a manifold and turns no triangle over, and
 * says which end it kept. The caller has checked that a and b belong to this worker. */
static CollapseResult
try_collapse (Work    *w,
              Worker  *me,
              guint32  a,
              guint32  b,
              guint32 *kept)
{
  guint32 *ta, *tb, n_a, n_b, shared[2], opposite[2], n_shared = 0, common = 0;
  guint32 *va, *vb, n_va, n_vb;
  gboolean boundary_edge;
  double p[3];
  gsize need;

  if ((w->flags[a] | w->flags[b]) & (VERTEX_DEAD | VERTEX_FROZEN))
    return COLLAPSE_STALE;

  worker_reserve (me, MAX (w->count[a], w->count[b]));
  ta = me->ta;
  tb = me->tb;
  n_a = gather (w, a, ta);
  n_b = gather (w, b, tb);
  if (!fan_is_mine (w, me, ta, n_a) || !fan_is_mine (w, me, tb, n_b))
    return COLLAPSE_DEFERRED;

  for (guint32 i = 0; i < n_a; i++)
    if (tri_has (w, ta[i], b))
      {
        const guint32 *c = w->tri + 3 * (gsize) ta[i];

        if (n_shared == 2)
          return COLLAPSE_REJECTED;  /* a non-manifold edge */
        shared[n_shared] = ta[i];
        opposite[n_shared] = c[0] != a && c[0] != b ? c[0] : c[1] != a && c[1] != b ? c[1] : c[2];
        n_shared++;
      }
  if (n_shared == 0)
    return COLLAPSE_REJECTED;
  boundary_edge = n_shared == 1;
  if (!boundary_edge && (w->flags[a] & w->flags[b] & VERTEX_BOUNDARY))
    return COLLAPSE_REJECTED;
  if (n_shared == 2 && opposite[0] == opposite[1])
    return COLLAPSE_REJECTED;

  /* Link condition: the neighbours a and b share are exactly the vertices opposite the edge. */
  va = me->va;
  vb = me->vb;
  n_va = fan_vertices (w, ta, n_a, a, va);
  n_vb = fan_vertices (w, tb, n_b, b, vb);
  for (guint32 i = 0; i < n_vb; i++)
    if (vb[i] != a)
      for (guint32 j = 0; j < n_va; j++)
        if (va[j] == vb[i])
          {
            common++;
            break;
          }
  if (common != n_shared)
    return COLLAPSE_REJECTED;

  /* The link's edges too: a tetrahedron would fold flat into two triangles, and a lone
   * triangle would vanish. */
  if (n_shared == 2)
    {
      if (fan_has_triangle (w, ta, n_a, opposite[0], opposite[1], b) &&
          fan_has_triangle (w, tb, n_b, opposite[0], opposite[1], a))
        return COLLAPSE_REJECTED;
    }
  else if (fan_count_with (w, ta, n_a, opposite[0]) == 1 &&
           fan_count_with (w, tb, n_b, opposite[0]) == 1)
    return COLLAPSE_REJECTED;

  edge_placement (w, a, b, p);

  /* Keep the end nearer to p (its colour is the right one there); on an edge from the
   * boundary inwards that is the boundary end, which p is. */
  if ((w->flags[b] & VERTEX_BOUNDARY) > (w->flags[a] & VERTEX_BOUNDARY) ||
      ((w->flags[b] & VERTEX_BOUNDARY) == (w->flags[a] & VERTEX_BOUNDARY) &&
       vec_dist2 (p, w->pos + 3 * (gsize) b) < vec_dist2 (p, w->pos + 3 * (gsize) a)))
    {
      guint32 tmp_v = a, *tmp_list = ta, tmp_n = n_a;

      a = b;
      b = tmp_v;
      ta = tb;
      tb = tmp_list;
      n_a = n_b;
      n_b = tmp_n;
    }

  {
    Fan fan = { ta, n_a, tb, n_b, FALSE, { 0.0, 0.0, 0.0 } };

    for (guint32 i = 0; i < n_a; i++)
      if (!tri_has (w, ta[i], b) && !move_keeps_triangle (w, ta[i], a, p, &fan))
        return COLLAPSE_REJECTED;
    for (guint32 i = 0; i < n_b; i++)
      if (!tri_has (w, tb[i], a) && !move_keeps_triangle (w, tb[i], b, p, &fan))
        return COLLAPSE_REJECTED;
  }

  need = n_a + n_b - 2 * n_shared;
  if (me->refs_at + need > me->refs_end)
    return COLLAPSE_FULL;

  /* Commit. */
  {
    double *pa = w->pos + 3 * (gsize) a;
    guint32 *out = w->refs + me->refs_at;

    if (memcmp (pa, p, 3 * sizeof (double)) != 0)
      {
        memcpy (pa, p, 3 * sizeof (double));
        w->flags[a] |= VERTEX_MOVED;
      }
    quadric_sum (&w->quadric[a], &w->quadric[b], &w->quadric[a]);
    w->flags[b] = VERTEX_DEAD;

    for (guint32 i = 0; i < n_shared; i++)
      w->tri[3 * (gsize) shared[i]] = NONE;
    me->removed += n_shared;
    g_atomic_pointer_add (&w->live, -(gssize) n_shared);

    for (guint32 i = 0; i < n_a; i++)
      if (tri_is_live (w, ta[i]))
        *out++ = ta[i];
    for (guint32 i = 0; i < n_b; i++)
      if (tri_is_live (w, tb[i]))
        {
          guint32 *c = w->tri + 3 * (gsize) tb[i];

          c[corner_of (w, tb[i], b)] = a;
          *out++ = tb[i];
        }
    g_assert ((gsize) (out - (w->refs + me->refs_at)) == need);
    w->first[a] = me->refs_at;
    w->count[a] = (guint32) need;
    me->refs_at += need;
  }
  *kept = a;
  return COLLAPSE_DONE;
}

/* Spreads the 10 low bits of x to every third bit. */
static inline guint32
spread_bits (guint32 x)
{
  x &= 0x3ff;
  x = (x | (x << 16)) & 0x030000ff;
  x = (x | (x << 8)) & 0x0300f00f;
  x = (x | (x << 4)) & 0x030c30c3;
  x = (x | (x << 2)) & 0x09249249;
  return x;
}

/* Numbers the vertices along a Morton curve (w->source maps back, renumber forth), centred and
 * scaled into the unit cube so quadrics of large or far-off meshes keep their digits. Neighbours
 * on the surface then lie close in memory, and each worker's share of the numbers is one region
 * of space. */
static void
load_positions (Work     *w,
                EvoxMesh *mesh,
                guint32  *renumber,
                double    centre[3],
                double   *scale)
{
  const float *positions = evox_mesh_get_positions (mesh);
  gsize n = w->n_vertices;
  g_autofree guint64 *keys = g_new (guint64, n);
  g_autofree guint64 *tmp = g_new (guint64, n);
  g_autofree gsize *histogram = g_new (gsize, 1 << 15);
  double lo[3], hi[3], extent = 0.0, s;

  evox_mesh_get_bounds (mesh, lo, hi);
  for (guint k = 0; k < 3; k++)
    {
      centre[k] = 0.5 * (lo[k] + hi[k]);
      extent = MAX (extent, hi[k] - lo[k]);
    }
  *scale = extent > 0.0 ? extent : 1.0;
  s = 1.0 / *scale;

#pragma omp parallel for schedule(static)
  for (gsize v = 0; v < n; v++)
    {
      guint32 code = 0;

      for (guint k = 0; k < 3; k++)
        {
          double t = ((positions[3 * v + k] - centre[k]) * s + 0.5) * 1024.0;
          guint32 cell = t > 0.0 ? (guint32) MIN (t, 1023.0) : 0;

          code |= spread_bits (cell) << k;
        }
      keys[v] = ((guint64) code << 32) | v;
    }
  for (guint shift = 32; shift < 62; shift += 15)
    {
      gsize sum = 0;
      guint64 *swap;

      memset (histogram, 0, (1 << 15) * sizeof (gsize));
      for (gsize v = 0; v < n; v++)
        histogram[(keys[v] >> shift) & 0x7fff]++;
      for (guint i = 0; i < (1 << 15); i++)
        {
          gsize c = histogram[i];

          histogram[i] = sum;
          sum += c;
        }
      for (gsize v = 0; v < n; v++)
        tmp[histogram[(keys[v] >> shift) & 0x7fff]++] = keys[v];
      swap = keys;
      keys = tmp;
      tmp = swap;
    }

#pragma omp parallel for schedule(static)
  for (gsize v = 0; v < n; v++)
    {
      guint32 from = (guint32) (keys[v] & G_MAXUINT32);

      w->source[v] = from;
      renumber[from] = (guint32) v;
      for (guint k = 0; k < 3; k++)
        w->pos[3 * v + k] = (positions[3 * (gsize) from + k] - centre[k]) * s;
    }
}

/* The input triangles in the new numbering, ordered by their lowest vertex (a counting sort),
 * so a vertex's triangles lie close in memory too. */
static void
load_triangles (Work          *w,
                EvoxMesh      *mesh,
                const guint32 *renumber)
{
  const guint32 *in = evox_mesh_get_triangles (mesh);
  gsize offset = 0;

  memset (w->count, 0, w->n_vertices * sizeof (guint32));
  for (gsize t = 0; t < w->n_slots; t++)
    {
      guint32 low = MIN (renumber[in[3 * t]], MIN (renumber[in[3 * t + 1]],
                                                   renumber[in[3 * t + 2]]));

      w->count[low]++;
    }
  for (gsize v = 0; v < w->n_vertices; v++)
    {
      w->first[v] = offset;
      offset += w->count[v];
    }
  for (gsize t = 0; t < w->n_slots; t++)
    {
      guint32 c[3] = { renumber[in[3 * t]], renumber[in[3 * t + 1]], renumber[in[3 * t + 2]] };
      guint32 low = MIN (c[0], MIN (c[1], c[2]));

      memcpy (w->tri + 3 * w->first[low]++, c, sizeof c);
    }
}

static EvoxMesh *
build_result (Work         *w,
              EvoxMesh     *mesh,
              const double  centre[3],
              double        scale)
{
  const float *in_positions = evox_mesh_get_positions (mesh);
  const guint8 *in_colors = evox_mesh_get_colors (mesh);
  guint32 *index = w->count;  /* reused: output index of each vertex */
  gsize n_out = 0;
  float *positions;
  guint8 *colors = NULL;
  guint32 *triangles;

  compact_triangles (w);
  for (gsize v = 0; v < w->n_vertices; v++)
    index[v] = NONE;
  for (gsize i = 0; i < 3 * w->n_slots; i++)
    index[w->tri[i]] = 0;
  for (gsize v = 0; v < w->n_vertices; v++)
    if (index[v] != NONE)
      index[v] = (guint32) n_out++;

  positions = g_new (float, 3 * n_out);
  if (in_colors != NULL)
    colors = g_new (guint8, 4 * n_out);
  for (gsize v = 0; v < w->n_vertices; v++)
    {
      guint32 o = index[v];
      gsize from = w->source[v];

      if (o == NONE)
        continue;
      for (guint k = 0; k < 3; k++)
        positions[3 * (gsize) o + k] = (w->flags[v] & VERTEX_MOVED)
                                       ? (float) (w->pos[3 * v + k] * scale + centre[k])
                                       : in_positions[3 * from + k];
      if (colors != NULL)
        memcpy (colors + 4 * (gsize) o, in_colors + 4 * from, 4);
    }

  triangles = g_new (guint32, 3 * w->n_slots);
  for (gsize i = 0; i < 3 * w->n_slots; i++)
    triangles[i] = index[w->tri[i]];
  return evox_mesh_new_take (positions, NULL, colors, n_out, triangles, w->n_slots,
                             evox_mesh_is_closed (mesh));
}

static gboolean
set_up (Work      *w,
        EvoxMesh  *mesh,
        guint64    max_triangles,
        double     centre[3],
        double    *scale,
        GError   **error)
{
  gsize n_vertices = evox_mesh_get_n_vertices (mesh);
  gsize n_triangles = evox_mesh_get_n_triangles (mesh);
  /* Per vertex: position, source, quadric, first, count, changed_at, flags, and the sort keys
   * and new numbers of the renumbering. Per triangle: the slots and their corner costs, refs
   * room for two adjacency lists, and about 1.5 edges with their order; the queues hold about
   * as many pending edges as a pass collapses. */
  guint64 bytes = (guint64) n_vertices * (3 * sizeof (double) + sizeof (Quadric) + sizeof (gsize)
                                          + 4 * sizeof (guint32) + 1 + 2 * sizeof (guint64))
                  + (guint64) n_triangles * (3 * sizeof (guint32) + 3 * sizeof (float)
                                             + 6 * sizeof (guint32)
                                             + 3 * (sizeof (Edge) + sizeof (guint32)) / 2
                                             + sizeof (Pending) / 2);

  if (n_triangles > G_MAXUINT32 / 16)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "Cannot simplify a surface of %" G_GSIZE_FORMAT " triangles: at most %u",
                   n_triangles, G_MAXUINT32 / 16);
      return FALSE;
    }
  if (!evox_check_allocation (bytes, 1, "Simplifying the surface", error))
    return FALSE;

  w->n_vertices = n_vertices;
  w->pos = g_new (double, 3 * n_vertices);
  w->source = g_new (guint32, n_vertices);
  w->quadric = g_new (Quadric, n_vertices);
  w->flags = g_new0 (guint8, n_vertices);
  w->changed_at = g_new0 (guint32, n_vertices);
  w->first = g_new (gsize, n_vertices);
  w->count = g_new (guint32, n_vertices);
  w->n_slots = w->n_live = n_triangles;
  w->target = max_triangles;
  w->tri = g_new (guint32, 3 * n_triangles);
  w->corner_cost = g_new (float, 3 * n_triangles);
  w->refs_capacity = 6 * n_triangles;
  w->refs = g_new (guint32, w->refs_capacity);
  {
    g_autofree guint32 *renumber = g_new (guint32, n_vertices);

    load_positions (w, mesh, renumber, centre, scale);
    load_triangles (w, mesh, renumber);
  }
  return TRUE;
}

static void
report (Work         *w,
        EvoxProgress *progress,
        gsize         n_input)
{
  gssize live = g_atomic_pointer_get (&w->live);

  evox_progress_update (progress, (double) (n_input - live) / (n_input - w->target));
}

/* Splits the vertices among n workers for one pass; odd passes move the cuts, so the edges
 * that straddled a cut in one pass are inside a share in the next. */
static void
set_workers (Work   *w,
             Worker *workers,
             guint   n,
             guint   pass)
{
  gsize room = w->refs_capacity - w->n_refs;

  w->n_workers = n;
  w->side_scale = ((guint64) n << 32) / MAX (w->n_vertices, 1);
  w->side_offset = pass % 2 == 1 ? w->n_vertices / (2 * n) : 0;
  for (guint i = 0; i < n; i++)
    {
      workers[i].id = i;
      workers[i].refs_at = w->n_refs + room * i / n;
      workers[i].refs_end = w->n_refs + room * (i + 1) / n;
      workers[i].done = workers[i].deferred = workers[i].removed = 0;
    }
  w->live = (gssize) w->n_live;
}

/* The collapses follow the cost order, which jumps about in memory, so the data of the
 * candidates a little ahead is fetched early: the edge, then its ends' flags and list
 * positions, then their lists, positions and quadrics. */
#define PREFETCH_EDGE 24
#define PREFETCH_ENDS 12
#define PREFETCH_LISTS 4

/* Always inlined: GCC takes a function that only prefetches for one without effects and drops
 * its calls. */
static inline __attribute__ ((always_inline)) void
prefetch_ahead (const Work *w,
                gsize       i,
                gsize       n)
{
  /* n is the end of this worker's range. */
  if (i + PREFETCH_EDGE < n)
    __builtin_prefetch (&w->edges[w->order[i + PREFETCH_EDGE]]);
  if (i + PREFETCH_ENDS < n)
    {
      const Edge *e = &w->edges[w->order[i + PREFETCH_ENDS]];

      __builtin_prefetch (&w->flags[e->a]);
      __builtin_prefetch (&w->flags[e->b]);
      __builtin_prefetch (&w->first[e->a]);
      __builtin_prefetch (&w->first[e->b]);
      __builtin_prefetch (&w->count[e->a]);
      __builtin_prefetch (&w->count[e->b]);
      __builtin_prefetch (&w->changed_at[e->a]);
      __builtin_prefetch (&w->changed_at[e->b]);
    }
  if (i + PREFETCH_LISTS < n)
    {
      const Edge *e = &w->edges[w->order[i + PREFETCH_LISTS]];

      if ((w->flags[e->a] | w->flags[e->b]) & VERTEX_DEAD)
        return;
      __builtin_prefetch (w->refs + w->first[e->a]);
      __builtin_prefetch (w->refs + w->first[e->b]);
      __builtin_prefetch (w->pos + 3 * (gsize) e->a);
      __builtin_prefetch (w->pos + 3 * (gsize) e->b);
      __builtin_prefetch (&w->quadric[e->a]);
      __builtin_prefetch ((const char *) &w->quadric[e->a] + 64);
      __builtin_prefetch (&w->quadric[e->b]);
      __builtin_prefetch ((const char *) &w->quadric[e->b] + 64);
    }
}

static void
queue_push (Worker  *me,
            guint32  cost_class,
            guint32  a,
            guint32  b)
{
  Pending *entry;
  guint32 at = me->pool_free;

  if (at != NONE)
    me->pool_free = me->pool[at].next;
  else
    {
      if (me->pool_length == me->pool_capacity)
        {
          if (me->pool_capacity >= G_MAXUINT32 / 2)
            return;  /* the edge waits for the next pass */
          me->pool_capacity = MAX (4096, 2 * me->pool_capacity);
          me->pool = g_renew (Pending, me->pool, me->pool_capacity);
        }
      at = (guint32) me->pool_length++;
    }
  entry = &me->pool[at];
  entry->a = a;
  entry->b = b;
  entry->when = me->clock;
  entry->next = me->heads[cost_class];
  me->heads[cost_class] = at;
}

static gboolean
queue_pop (Worker  *me,
           guint32  cost_class,
           guint32 *a,
           guint32 *b,
           guint32 *when)
{
  guint32 at = me->heads[cost_class];

  if (at == NONE)
    return FALSE;
  *a = me->pool[at].a;
  *b = me->pool[at].b;
  *when = me->pool[at].when;
  me->heads[cost_class] = me->pool[at].next;
  me->pool[at].next = me->pool_free;
  me->pool_free = at;
  return TRUE;
}

/* After a collapse kept vertex a, its edges have new costs: they go into the queue, into the
 * current class at the earliest (as a heap would take them next), and into the corners of a's
 * triangles for the next pass's list. Older entries of these edges (listed, or queued before)
 * are stale from now on and are skipped. */
static void
queue_edges_of (Work    *w,
                Worker  *me,
                guint32  a,
                guint32  current)
{
  const guint32 *list = w->refs + w->first[a];
  guint32 *neighbours, n;
  float *costs;

  worker_reserve (me, w->count[a]);
  neighbours = me->va;  /* free again after the collapse */
  costs = me->costs;

  /* First the neighbours, their quadrics asked for at once, then their costs. All of them are
   * this worker's: the collapse checked that. */
  n = fan_vertices (w, list, w->count[a], a, neighbours);
  for (guint32 i = 0; i < n; i++)
    {
      __builtin_prefetch (&w->quadric[neighbours[i]]);
      __builtin_prefetch ((const char *) &w->quadric[neighbours[i]] + 64);
    }
  for (guint32 i = 0; i < n; i++)
    {
      double p[3];
      guint32 x = neighbours[i];

      costs[i] = cost_to_float (edge_placement (w, a, x, p));
      if (!(w->flags[x] & VERTEX_FROZEN) && cost_class (costs[i]) <= w->limit)
        queue_push (me, MAX (cost_class (costs[i]), current), a, x);
    }
  for (guint32 i = 0; i < w->count[a]; i++)
    {
      gsize t = list[i];
      guint k = corner_of (w, (guint32) t, a);

      /* Corner k holds edge a -> next, corner k + 2 edge prev -> a. */
      for (guint side = 0; side < 2; side++)
        {
          guint corner = side == 0 ? k : (k + 2) % 3;
          guint32 x = w->tri[3 * t + (side == 0 ? (k + 1) % 3 : corner)];

          for (guint32 j = 0; j < n; j++)
            if (neighbours[j] == x)
              {
                w->corner_cost[3 * t + corner] = costs[j];
                break;
              }
        }
    }
}

/* Runs the candidates, each worker its own, in cost order: a bucket queue over cost classes
 * that holds the sorted list and the edges whose costs changed in this pass, until the target
 * is met or the pass's dearest class is done. */
static void
collapse_candidates (Work         *w,
                     Worker       *workers,
                     EvoxProgress *progress,
                     gsize         n_input,
                     GCancellable *cancellable)
{
  gint stop = 0;

#pragma omp parallel num_threads(w->n_workers)
  {
#ifdef _OPENMP
    Worker *me = &workers[omp_get_thread_num ()];
#else
    Worker *me = &workers[0];
#endif
    gsize i = me->begin, steps = 0;

    if (me->heads == NULL)
      me->heads = g_new (guint32, COST_CLASSES);
    memset (me->heads, 0xff, COST_CLASSES * sizeof (guint32));
    me->pool_length = 0;
    me->pool_free = NONE;
    me->clock = 1;

    for (guint32 current = 0; current <= w->limit; )
      {
        guint32 a, b, kept, when;
        CollapseResult r;

        if (queue_pop (me, current, &a, &b, &when))
          {
            if (w->changed_at[a] > when || w->changed_at[b] > when)
              continue;
          }
        else if (i < me->end && cost_class (w->edges[w->order[i]].cost) == current)
          {
            const Edge *e = &w->edges[w->order[i]];

            prefetch_ahead (w, i, me->end);
            a = e->a;
            b = e->b;
            i++;
            if (w->changed_at[a] != 0 || w->changed_at[b] != 0)
              continue;
          }
        else
          {
            current++;
            continue;
          }

        if (++steps % CHECK_EVERY == 0)
          {
            if (g_atomic_int_get (&stop))
              break;
            if (g_cancellable_is_cancelled (cancellable))
              {
                g_atomic_int_set (&stop, 1);
                break;
              }
            if (me->id == 0)
              report (w, progress, n_input);
          }
        if (me->removed >= me->quota)
          break;
        if ((w->flags[a] | w->flags[b]) & VERTEX_DEAD)
          continue;

        r = try_collapse (w, me, a, b, &kept);
        if (r == COLLAPSE_FULL)
          break;
        if (r == COLLAPSE_DONE)
          {
            me->done++;
            w->changed_at[kept] = ++me->clock;
            queue_edges_of (w, me, kept, current);
          }
        me->deferred += r == COLLAPSE_DEFERRED;
      }
  }

  for (guint i = 0; i < w->n_workers; i++)
    w->n_live -= MIN (workers[i].removed, w->n_live);
}

EvoxMesh *
evox_mesh_decimate (EvoxMesh      *mesh,
                    guint64        max_triangles,
                    EvoxProgress  *progress,
                    GCancellable  *cancellable,
                    GError       **error)
{
  Work w = { 0 };
#ifdef _OPENMP
  guint n_threads = MAX (omp_get_max_threads (), 1);
#else
  guint n_threads = 1;
#endif
  g_autofree Worker *workers = g_new0 (Worker, n_threads);
  gsize n_input, widen = 1;
  gboolean all = FALSE, serial = FALSE, classified = FALSE;
  double centre[3], scale;
  EvoxMesh *result = NULL;

  g_return_val_if_fail (mesh != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (max_triangles < 4)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "A simplified surface keeps at least 4 triangles, not %" G_GUINT64_FORMAT,
                   max_triangles);
      return NULL;
    }
  n_input = evox_mesh_get_n_triangles (mesh);
  if (n_input <= max_triangles)
    return evox_mesh_ref (mesh);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  evox_progress_set_stage (progress, "Simplifying the surface", 0.0, 1.0);
  if (!set_up (&w, mesh, max_triangles, centre, &scale, error))
    goto out;

  for (guint pass = 0; w.n_live > w.target; pass++)
    {
      gsize goal, rank, n_candidates, given, done = 0, deferred = 0;
      guint n_workers;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      compact_triangles (&w);
      build_adjacency (&w);
      if (!classified)
        {
          classify_vertices (&w);
          classified = TRUE;
        }

      list_edges (&w);
      w.have_costs = TRUE;
      memset (w.changed_at, 0, w.n_vertices * sizeof (guint32));

      /* Half the collapses still needed (an inner one takes two triangles), but never less than
       * a small share of the edges, so the last passes do not crawl. */
      goal = (w.n_live - w.target + 1) / 2;
      rank = all ? G_MAXSIZE : MAX (goal, w.n_edges / 32) * widen;
      n_workers = serial || w.n_edges < 65536 ? 1 : n_threads;
      set_workers (&w, workers, n_workers, pass);
      sort_candidates (&w, workers, rank);
      n_candidates = workers[n_workers - 1].end;
      /* Each worker removes its share of the triangles still to go, in proportion to its
       * candidates, so the result does not depend on which thread runs faster. */
      given = 0;
      for (guint i = 0; i < n_workers; i++)
        {
          gsize needed = w.n_live - w.target;

          workers[i].quota = i + 1 == n_workers ? needed - given
                             : n_candidates == 0 ? 0
                             : (gsize) ((double) needed * (workers[i].end - workers[i].begin)
                                        / n_candidates);
          given += workers[i].quota;
        }

      collapse_candidates (&w, workers, progress, n_input, cancellable);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;
      report (&w, progress, n_input);
      for (guint i = 0; i < n_workers; i++)
        {
          done += workers[i].done;
          deferred += workers[i].deferred;
        }

      /* No edge left may collapse (closed parts are tetrahedra, thin tubes are down to three
       * sides, frozen vertices hold the rest): the smallest mesh reached is the result. Failing
       * instead would leave a surface with nothing to show. */
      if (done == 0 && n_workers == 1 && (all || n_candidates == w.n_edges))
        break;
      /* Nothing done: look at every edge, on one thread (the cuts between workers may have
       * held everything back). Few done: most cheap edges were refused, look further. */
      all = serial = done == 0;
      widen = done * 8 < goal ? MIN (widen * 4, (gsize) 1 << 20) : 1;
    }

  if (w.n_live == n_input)
    result = evox_mesh_ref (mesh);   /* nothing could collapse */
  else
    {
      result = build_result (&w, mesh, centre, scale);
      _evox_mesh_set_source (result, mesh);
    }
  evox_progress_update (progress, 1.0);

out:
  for (guint i = 0; i < n_threads; i++)
    {
      g_free (workers[i].ta);
      g_free (workers[i].tb);
      g_free (workers[i].va);
      g_free (workers[i].vb);
      g_free (workers[i].costs);
      g_free (workers[i].heads);
      g_free (workers[i].pool);
    }
  work_clear (&w);
  return result;
}

/* evox-labels.c: connected components of a phase (run-length union-find) and their statistics. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "evox-labels.h"
#include "evox-display.h"
#include "evox-types.h"

/* Labelling works on runs, not voxels. Each x-row of the phase is cut into runs of foreground
 * voxels (the row is turned into a bit mask 64 voxels per word and runs are read off its rising
 * and falling edges). A run is one union-find node; it is joined with the runs of the earlier
 * rows it touches:
 *
 *   6:  rows (y-1, z) and (y, z-1), runs must share an x;
 *   18: the same two rows with one voxel of slack in x (edge contacts such as (x+1, y-1, z)),
 *       plus rows (y-1, z-1) and (y+1, z-1) with no slack (their edge contacts have dx = 0);
 *   26: all four rows with one voxel of slack (corners add dx = +-1 to the diagonal rows).
 *
 * Union is by smaller index, so every root is its component's first run in raster order and
 * parent[i] <= i always; numbering roots in run order then gives scipy.ndimage.label's numbers.
 * With OpenMP the rows are cut into slabs: every slab is labelled on its own with slab-local
 * run indices, then the slabs' union-find arrays are joined into one and the few rows that
 * touch an earlier slab are linked across the boundary.
 *
 * Statistics also come from the runs: a run adds its length, its coordinate sums (arithmetic
 * series in x) and its bounding box in O(1), and its values in one pass over its voxels only.
 *
 * Surface area is a Cauchy-Crofton estimate. For a direction u, the lines parallel to u cross
 * a surface on average |n.u| times per unit of its area, and |n.u| averages 1/2 over the
 * sphere, so area = 2 E_u[P(u)] with P(u) the crossings integrated over the plane normal to u.
 * On the lattice the lines along one of the 13 directions d (3 axes, 6 face diagonals, 4 body
 * diagonals; physical vector d = spacing * lattice vector) pass through the voxel centres; there
 * is one line per V / |d| of normal plane (V the voxel volume), and N_d, the number of in/out
 * changes along all of them, is the number of (voxel p in the particle, neighbour p + d or
 * p - d not in it) pairs; outside the volume is not in it. So
 *
 *   area = 2 * sum_d w_d * N_d * V / |d|,
 *
 * where w_d is the fraction of the sphere's directions closer to +-d than to any other of the
 * 13 (found once per spacing by sampling a dense Fibonacci sphere, so anisotropic voxels get
 * their own weights). N_d is counted cheaply: along each line a particle is a set of intervals,
 * each with one entry and one exit, so N_d = 2 (voxels - S_d), where S_d counts voxel pairs
 * (p, p + d) both in the particle; S_x = voxels - runs, and the 12 directions that leave the
 * row come from overlaps of same-label runs in the four earlier neighbour rows, with dx = -1,
 * 0, 1. For a digital ball of radius 20 voxels the estimate is within 1% of 4 pi r^2 (see
 * tests/test-labels.c). */

#define NONE G_MAXUINT32

/* Voxels x0 <= x < x1 of one row. */
typedef struct
{
  guint32 x0;
  guint32 x1;
} Run;

typedef enum
{
  SOURCE_MASK,  /* foreground where the byte is not 0 */
  SOURCE_U8,    /* foreground where (v - lo) <= range, unsigned */
  SOURCE_U16,
  SOURCE_F32,   /* foreground where lo <= v <= hi */
} SourceKind;

typedef struct
{
  SourceKind     kind;
  gconstpointer  data;
  guint32        lo;
  guint32        range;
  float          lo_f;
  float          hi_f;
  gboolean       empty;   /* no stored value can be in the range */
} Source;

typedef struct
{
  gsize     row_begin;
  gsize     row_end;
  Run      *runs;
  guint32  *parent;     /* slab-local indices while the slab is labelled */
  gsize     n_runs;
  gsize     capacity;
  guint32   base;       /* global index of its first run */
  guint32   n_roots;
  guint32   label_base;
  gboolean  out_of_memory;
} Slab;

/* The labelled runs: row r's runs have global indices row_start[r] .. row_start[r + 1] - 1 and
 * live in the slab that holds row r. */
typedef struct
{
  gsize      dims[3];
  gsize      n_rows;
  gsize      rows_per_slab;
  guint      n_slabs;
  Slab      *slabs;
  guint32   *row_start;
  guint32   *parent;
  guint32   *run_label;
  guint32    n_runs;
  guint32    n_labels;
} Runs;

typedef struct
{
  int   dy;
  int   dz;
  guint slack;
} Neighbour;

static const Neighbour neighbours_6[] = { { -1, 0, 0 }, { 0, -1, 0 } };
static const Neighbour neighbours_18[] = {
  { -1, 0, 1 }, { 0, -1, 1 }, { -1, -1, 0 }, { 1, -1, 0 },
};
static const Neighbour neighbours_26[] = {
  { -1, 0, 1 }, { 0, -1, 1 }, { -1, -1, 1 }, { 1, -1, 1 },
};

/* The four earlier rows the statistics look at, in the order of the direction table. */
static const int stat_rows[4][2] = { { -1, 0 }, { 1, -1 }, { 0, -1 }, { -1, -1 } };

/* Rows between progress reports and cancellation checks: about 64k voxels. */
static gsize
rows_per_step (gsize nx)
{
  return MAX (1, 65536 / MAX (nx, 1));
}

gboolean
evox_connectivity_is_valid (int connectivity)
{
  return connectivity == EVOX_CONNECTIVITY_6 || connectivity == EVOX_CONNECTIVITY_18 ||
         connectivity == EVOX_CONNECTIVITY_26;
}

static const Neighbour *
neighbours_for (EvoxConnectivity connectivity,
                guint           *n)
{
  switch (connectivity)
    {
    case EVOX_CONNECTIVITY_6:
      *n = G_N_ELEMENTS (neighbours_6);
      return neighbours_6;
    case EVOX_CONNECTIVITY_18:
      *n = G_N_ELEMENTS (neighbours_18);
      return neighbours_18;
    case EVOX_CONNECTIVITY_26:
    default:
      *n = G_N_ELEMENTS (neighbours_26);
      return neighbours_26;
    }
}

static inline guint
count_trailing_zeros (guint64 word)
{
#if defined(__GNUC__) || defined(__clang__)
  return (guint) __builtin_ctzll (word);
#else
  return (guint) g_bit_nth_lsf (word, -1);
#endif
}

/* Eight mask bytes to eight bits, byte i to bit i: nonzero bytes become 0x80, then one
 * multiplication gathers the top bits. */
static inline guint64
pack_bytes (const guint8 *bytes)
{
  const guint64 low7 = G_GUINT64_CONSTANT (0x7f7f7f7f7f7f7f7f);
  guint64 v;
  guint64 t;

  memcpy (&v, bytes, 8);
  v = GUINT64_FROM_LE (v);
  t = (((v & low7) + low7) | v) & ~low7;
  return ((t >> 7) * G_GUINT64_CONSTANT (0x0102040810204080)) >> 56;
}

/* The row's foreground as one byte per voxel (nonzero = in): the mask itself, or the range
 * test written into scratch. Branch-free loops so they vectorise. */
static const guint8 *
source_row (const Source *src,
            gsize         offset,
            gsize         nx,
            guint8       *scratch)
{
  switch (src->kind)
    {
    case SOURCE_MASK:
      return (const guint8 *) src->data + offset;
    case SOURCE_U8:
      {
        const guint8 *v = (const guint8 *) src->data + offset;
        const guint8 lo = (guint8) src->lo;
        const guint8 range = (guint8) src->range;

        for (gsize x = 0; x < nx; x++)
          scratch[x] = (guint8) (v[x] - lo) <= range;
        return scratch;
      }
    case SOURCE_U16:
      {
        const guint16 *v = (const guint16 *) src->data + offset;
        const guint16 lo = (guint16) src->lo;
        const guint16 range = (guint16) src->range;

        for (gsize x = 0; x < nx; x++)
          scratch[x] = (guint16) (v[x] - lo) <= range;
        return scratch;
      }
    case SOURCE_F32:
      {
        const float *v = (const float *) src->data + offset;
        const float lo = src->lo_f;
        const float hi = src->hi_f;

        for (gsize x = 0; x < nx; x++)
          scratch[x] = (v[x] >= lo) & (v[x] <= hi);
        return scratch;
      }
    default:
      g_assert_not_reached ();
    }
}

/* Appends the runs of one row of foreground bytes to runs; returns how many. Runs are read off
 * the edges of the row's bit mask: a rising edge starts one, a falling edge ends the oldest
 * open one. */
static gsize
extract_runs (const guint8 *bytes,
              gsize         nx,
              Run          *runs)
{
  gsize n_start = 0;
  gsize n_end = 0;
  guint64 carry = 0;

  for (gsize x0 = 0; x0 < nx; x0 += 64)
    {
      guint64 word = 0;
      guint64 prev, rise, fall;

      if (x0 + 64 <= nx)
        {
          for (guint k = 0; k < 8; k++)
            word |= pack_bytes (bytes + x0 + 8 * k) << (8 * k);
        }
      else
        {
          for (gsize x = x0; x < nx; x++)
            word |= (guint64) (bytes[x] != 0) << (x - x0);
        }
      if (word == 0 && carry == 0)
        continue;
      prev = (word << 1) | carry;
      rise = word & ~prev;
      fall = ~word & prev;
      carry = word >> 63;
      while (rise != 0)
        {
          runs[n_start++].x0 = (guint32) (x0 + count_trailing_zeros (rise));
          rise &= rise - 1;
        }
      while (fall != 0)
        {
          runs[n_end++].x1 = (guint32) (x0 + count_trailing_zeros (fall));
          fall &= fall - 1;
        }
    }
  if (n_end < n_start)
    runs[n_end++].x1 = (guint32) nx;
  g_assert (n_end == n_start);
  return n_start;
}

/* Path halving keeps parent[i] <= i. Reads and writes are relaxed atomics: while the slabs are
 * resolved in parallel, a thread may read a parent that another is replacing by its root, and
 * either value is an ancestor. */
static inline guint32
load_parent (const guint32 *parent,
             guint32        i)
{
  return __atomic_load_n (&parent[i], __ATOMIC_RELAXED);
}

static inline guint32
find_root (guint32 *parent,
           guint32  x)
{
  while (parent[x] != x)
    {
      guint32 up = parent[parent[x]];

      parent[x] = up;
      x = up;
    }
  return x;
}

static inline void
unite (guint32 *parent,
       guint32  a,
       guint32  b)
{
  a = find_root (parent, a);
  b = find_root (parent, b);
  if (a < b)
    parent[b] = a;
  else if (b < a)
    parent[a] = b;
}

/* Joins the touching runs of two rows whose runs may all be linked already (the rows after a
 * slab boundary): a two-pointer walk. Runs of one row are at least one voxel apart, so with a
 * slack of at most 1 a run that ends first touches nothing later. */
static void
link_rows (guint32    *parent,
           const Run  *a,
           guint32     a_index,
           guint32     n_a,
           const Run  *b,
           guint32     b_index,
           guint32     n_b,
           guint       slack)
{
  guint32 i = 0;
  guint32 j = 0;

  while (i < n_a && j < n_b)
    {
      if (a[i].x0 < b[j].x1 + slack && b[j].x0 < a[i].x1 + slack)
        unite (parent, a_index + i, b_index + j);
      if (a[i].x1 < b[j].x1)
        i++;
      else
        j++;
    }
}

/* The earlier rows one row is joined to inside a slab. */
typedef struct
{
  const Run *runs;
  guint32    index;
  guint32    n;
  guint32    slack;
} LinkRow;

/* Joins a fresh row's runs to the runs of up to four earlier rows. A new run is the newest
 * node, so it never becomes a root: it carries the smallest root among the runs it touches
 * (one find per touching run) and points there. One cursor per earlier row only moves
 * forward; a run of it that reaches past the current run stays for the next. */
static void
link_new_row (guint32        *parent,
              const Run      *a,
              guint32         a_index,
              guint32         n_a,
              const LinkRow  *rows,
              guint           n_rows)
{
  guint32 cursor[4] = { 0, 0, 0, 0 };

  for (guint32 i = 0; i < n_a; i++)
    {
      const guint32 x0 = a[i].x0;
      const guint32 x1 = a[i].x1;
      guint32 root = NONE;

      for (guint k = 0; k < n_rows; k++)
        {
          const Run *b = rows[k].runs;
          const guint32 n_b = rows[k].n;
          const guint32 slack = rows[k].slack;
          guint32 j = cursor[k];

          while (j < n_b && b[j].x1 + slack <= x0)
            j++;
          cursor[k] = j;
          for (; j < n_b && b[j].x0 < x1 + slack; j++)
            {
              guint32 r = parent[rows[k].index + j];

              /* Touched runs are mostly already in the current root's tree. */
              if (r == root)
                continue;
              r = find_root (parent, r);

              if (r < root)
                {
                  if (root != NONE)
                    parent[root] = r;
                  root = r;
                }
              else if (r > root)
                parent[r] = root;
            }
        }
      parent[a_index + i] = root == NONE ? a_index + i : root;
    }
}

static gboolean
slab_reserve (Slab    *slab,
              gsize    extra,
              guint64  cap)
{
  gsize need = slab->n_runs + extra;
  gsize capacity;
  Run *runs;
  guint32 *parent;

  if (need <= slab->capacity)
    return TRUE;
  /* Slab-local indices are 32-bit too. */
  if (need >= G_MAXUINT32)
    return FALSE;
  capacity = MIN (MAX (need, MAX (slab->capacity * 2, 4096)), G_MAXUINT32 - 1);
  if ((guint64) capacity * (sizeof (Run) + sizeof (guint32)) > cap)
    return FALSE;
  runs = g_try_renew (Run, slab->runs, capacity);
  if (runs == NULL)
    return FALSE;
  slab->runs = runs;
  parent = g_try_renew (guint32, slab->parent, capacity);
  if (parent == NULL)
    return FALSE;
  slab->parent = parent;
  slab->capacity = capacity;
  return TRUE;
}

/* Cuts the slab's rows into runs and joins those that touch inside the slab. */
static void
label_slab (Runs             *rl,
            Slab             *slab,
            const Source     *src,
            const Neighbour  *neighbours,
            guint             n_neighbours,
            guint64           cap,
            EvoxWorkMonitor          *monitor)
{
  const gsize nx = rl->dims[0];
  const gsize ny = rl->dims[1];
  const gsize step = rows_per_step (nx);
  g_autofree guint8 *scratch = src->kind == SOURCE_MASK ? NULL : g_malloc (nx + 8);

  for (gsize r = slab->row_begin; r < slab->row_end; r++)
    {
      gsize y = r % ny;
      gsize z = r / ny;
      guint32 first, n;
      LinkRow rows[4];
      guint n_rows;

      if ((r - slab->row_begin) % step == step - 1 && !_evox_work_monitor_step (monitor, step))
        return;
      if (!slab_reserve (slab, nx / 2 + 1, cap))
        {
          slab->out_of_memory = TRUE;
          g_atomic_int_set (&monitor->stopped, 1);
          return;
        }
      first = (guint32) slab->n_runs;
      rl->row_start[r] = first;
      if (src->empty)
        continue;
      n = (guint32) extract_runs (source_row (src, r * nx, nx, scratch), nx,
                                  slab->runs + first);
      if (n == 0)
        continue;
      slab->n_runs += n;

      n_rows = 0;
      for (guint k = 0; k < n_neighbours; k++)
        {
          const Neighbour *nb = &neighbours[k];
          gsize other;
          guint32 o_first, o_end;

          if ((nb->dy < 0 && y == 0) || (nb->dy > 0 && y + 1 == ny) || (nb->dz < 0 && z == 0))
            continue;
          other = r + nb->dy + nb->dz * ny;
          if (other < slab->row_begin)
            continue;
          o_first = rl->row_start[other];
          o_end = rl->row_start[other + 1];
          if (o_end > o_first)
            rows[n_rows++] = (LinkRow) { slab->runs + o_first, o_first, o_end - o_first,
                                         nb->slack };
        }
      link_new_row (slab->parent, slab->runs + first, first, n, rows, n_rows);
    }
}

static inline const Run *
row_runs (const Runs *rl,
          gsize       r,
          guint32    *first,
          guint32    *n)
{
  const Slab *slab = &rl->slabs[r / rl->rows_per_slab];

  *first = rl->row_start[r];
  *n = rl->row_start[r + 1] - *first;
  return slab->runs + (*first - slab->base);
}

/* A row's neighbours are at most ny + 1 rows back (row (y - 1, z - 1)), so only the first
 * ny + 1 rows of a slab can touch rows before it: the boundary is linked over these rows, and
 * every particle that crosses it has a run in them. Returns the end of that range. */
static gsize
boundary_rows_end (const Slab *slab,
                   gsize       ny)
{
  return MIN (slab->row_end, slab->row_begin + ny + 1);
}

static void
runs_clear (Runs *rl)
{
  for (guint s = 0; s < rl->n_slabs; s++)
    {
      g_free (rl->slabs[s].runs);
      g_free (rl->slabs[s].parent);
    }
  g_clear_pointer (&rl->slabs, g_free);
  g_clear_pointer (&rl->row_start, g_free);
  g_clear_pointer (&rl->parent, g_free);
  g_clear_pointer (&rl->run_label, g_free);
}

static guint
max_threads (void)
{
#ifdef _OPENMP
  return (guint) MAX (1, omp_get_max_threads ());
#else
  return 1;
#endif
}

static gboolean
set_cancelled_or_memory_error (EvoxWorkMonitor    *monitor,
                               gboolean    out_of_memory,
                               GError    **error)
{
  if (g_cancellable_set_error_if_cancelled (monitor->cancellable, error))
    return FALSE;
  if (out_of_memory)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                           "Finding particles needs more memory than the memory cap allows "
                           "(EVOX_MEMORY_LIMIT)");
      return FALSE;
    }
  return TRUE;
}

/* Labels the runs of src: fills rl with runs, row starts and one label per run (1..n_labels in
 * raster order of each component's first voxel). Reports over [start, end] of the stage. */
static gboolean
runs_label (Runs              *rl,
            const Source      *src,
            const gsize        dims[3],
            EvoxConnectivity   connectivity,
            EvoxWorkMonitor           *monitor,
            double             start,
            double             end,
            GError           **error)
{
  const Neighbour *neighbours;
  guint n_neighbours;
  guint64 cap = evox_memory_cap ();
  guint64 total = 0;
  gboolean out_of_memory = FALSE;
  gsize ny = dims[1];
  guint n_slabs;
  guint32 n_labels = 0;

  memset (rl, 0, sizeof *rl);
  memcpy (rl->dims, dims, sizeof rl->dims);
  rl->n_rows = dims[1] * dims[2];
  neighbours = neighbours_for (connectivity, &n_neighbours);

  if (dims[0] > G_MAXUINT32 - 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "Rows of %" G_GSIZE_FORMAT " voxels are too long to label", dims[0]);
      return FALSE;
    }
  if (!evox_check_allocation ((guint64) rl->n_rows + 1, sizeof (guint32),
                              "The particle search's row table", error))
    return FALSE;

  /* Slabs of at least 64k voxels, two per thread so uneven rows still share out; more would
   * add boundaries, which are linked on one thread. */
  n_slabs = max_threads () == 1 ? 1 : max_threads () * 2;
  if (rl->n_rows > 0)
    n_slabs = (guint) MIN ((gsize) n_slabs,
                           MAX (1, rl->n_rows * dims[0] / 65536));
  n_slabs = (guint) MAX (1, MIN ((gsize) n_slabs, MAX (rl->n_rows, 1)));
  rl->rows_per_slab = MAX (1, (rl->n_rows + n_slabs - 1) / n_slabs);
  n_slabs = (guint) MAX (1, (rl->n_rows + rl->rows_per_slab - 1) / rl->rows_per_slab);
  rl->n_slabs = n_slabs;
  rl->slabs = g_new0 (Slab, n_slabs);
  rl->row_start = g_new0 (guint32, rl->n_rows + 1);
  for (guint s = 0; s < n_slabs; s++)
    {
      rl->slabs[s].row_begin = MIN (rl->n_rows, s * rl->rows_per_slab);
      rl->slabs[s].row_end = MIN (rl->n_rows, (s + 1) * rl->rows_per_slab);
    }

  _evox_work_monitor_begin (monitor, monitor->progress, monitor->cancellable, start,
                            start + 0.8 * (end - start), rl->n_rows);
#pragma omp parallel for schedule(dynamic, 1)
  for (guint s = 0; s < n_slabs; s++)
    label_slab (rl, &rl->slabs[s], src, neighbours, n_neighbours, cap / MAX (n_slabs, 1),
                monitor);

  for (guint s = 0; s < n_slabs; s++)
    {
      out_of_memory |= rl->slabs[s].out_of_memory;
      rl->slabs[s].base = (guint32) MIN (total, G_MAXUINT32);
      total += rl->slabs[s].n_runs;
    }
  if (!set_cancelled_or_memory_error (monitor, out_of_memory, error))
    return FALSE;
  if (total >= G_MAXUINT32)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The phase has %" G_GUINT64_FORMAT " runs of voxels, more than the %u "
                   "that labelling can hold", total, G_MAXUINT32 - 1);
      return FALSE;
    }
  rl->n_runs = (guint32) total;
  if (!evox_check_allocation (total, 2 * sizeof (guint32), "The particle search", error))
    return FALSE;
  rl->parent = g_new (guint32, MAX (total, 1));
  rl->row_start[rl->n_rows] = rl->n_runs;

  /* One union-find array with global indices. */
#pragma omp parallel for schedule(dynamic, 1)
  for (guint s = 0; s < n_slabs; s++)
    {
      Slab *slab = &rl->slabs[s];

      for (gsize i = 0; i < slab->n_runs; i++)
        rl->parent[slab->base + i] = slab->base + slab->parent[i];
      for (gsize r = slab->row_begin; r < slab->row_end; r++)
        rl->row_start[r] += slab->base;
      g_clear_pointer (&slab->parent, g_free);
    }

  /* Link the rows just after each slab boundary to the rows before it. */
  for (guint s = 1; s < n_slabs; s++)
    {
      const Slab *slab = &rl->slabs[s];
      gsize stop = boundary_rows_end (slab, ny);

      for (gsize r = slab->row_begin; r < stop; r++)
        {
          gsize y = r % ny;
          gsize z = r / ny;
          guint32 first, n;
          const Run *runs = row_runs (rl, r, &first, &n);

          if (n == 0)
            continue;
          for (guint k = 0; k < n_neighbours; k++)
            {
              const Neighbour *nb = &neighbours[k];
              gsize other;
              guint32 o_first, o_n;
              const Run *o_runs;

              if ((nb->dy < 0 && y == 0) || (nb->dy > 0 && y + 1 == ny) ||
                  (nb->dz < 0 && z == 0))
                continue;
              other = r + nb->dy + nb->dz * ny;
              if (other >= slab->row_begin)
                continue;
              o_runs = row_runs (rl, other, &o_first, &o_n);
              link_rows (rl->parent, runs, first, n, o_runs, o_first, o_n, nb->slack);
            }
        }
    }
  _evox_work_monitor_step (monitor, 0);

  /* Point every run at its root; roots are the component's first runs. Roots before a slab
   * are only read, so the slabs resolve in parallel. */
#pragma omp parallel for schedule(dynamic, 1)
  for (guint s = 0; s < n_slabs; s++)
    {
      Slab *slab = &rl->slabs[s];
      guint32 n_roots = 0;

      for (gsize i = 0; i < slab->n_runs; i++)
        {
          guint32 g = slab->base + (guint32) i;
          guint32 root = load_parent (rl->parent, g);

          if (root == g)
            {
              n_roots++;
              continue;
            }
          for (;;)
            {
              guint32 up = load_parent (rl->parent, root);

              if (up == root)
                break;
              root = up;
            }
          __atomic_store_n (&rl->parent[g], root, __ATOMIC_RELAXED);
        }
      slab->n_roots = n_roots;
    }
  for (guint s = 0; s < n_slabs; s++)
    {
      rl->slabs[s].label_base = n_labels;
      n_labels += rl->slabs[s].n_roots;
    }
  rl->n_labels = n_labels;
  rl->run_label = g_new (guint32, MAX (total, 1));

#pragma omp parallel for schedule(dynamic, 1)
  for (guint s = 0; s < n_slabs; s++)
    {
      Slab *slab = &rl->slabs[s];
      guint32 next = slab->label_base;

      for (gsize i = 0; i < slab->n_runs; i++)
        {
          guint32 g = slab->base + (guint32) i;

          if (rl->parent[g] == g)
            rl->run_label[g] = ++next;
        }
    }
#pragma omp parallel for schedule(dynamic, 1)
  for (guint s = 0; s < n_slabs; s++)
    {
      Slab *slab = &rl->slabs[s];

      for (gsize i = 0; i < slab->n_runs; i++)
        {
          guint32 g = slab->base + (guint32) i;
          guint32 root = rl->parent[g];

          if (root != g)
            rl->run_label[g] = rl->run_label[root];
        }
    }
  g_clear_pointer (&rl->parent, g_free);
  _evox_work_monitor_begin (monitor, monitor->progress, monitor->cancellable, end, end, 1);
  return TRUE;
}

/* Writes the label volume from the runs, through remap when given (0 drops a label). */
static gboolean
runs_write (const Runs     *rl,
            const guint32  *remap,
            guint32        *labels,
            EvoxWorkMonitor        *monitor,
            double          start,
            double          end)
{
  const gsize nx = rl->dims[0];
  const gsize step = rows_per_step (nx);

  _evox_work_monitor_begin (monitor, monitor->progress, monitor->cancellable, start, end,
                            rl->n_rows);
#pragma omp parallel for schedule(dynamic, 1)
  for (guint s = 0; s < rl->n_slabs; s++)
    {
      const Slab *slab = &rl->slabs[s];

      for (gsize r = slab->row_begin; r < slab->row_end; r++)
        {
          guint32 *out = labels + r * nx;
          guint32 first, n;
          const Run *runs;

          if ((r - slab->row_begin) % step == step - 1 && !_evox_work_monitor_step (monitor, step))
            break;
          runs = row_runs (rl, r, &first, &n);
          /* One memset per row: a call per gap costs more than writing the row twice while it
           * is in the cache. */
          memset (out, 0, nx * sizeof (guint32));
          for (guint32 i = 0; i < n; i++)
            {
              guint32 label = rl->run_label[first + i];

              if (remap != NULL)
                label = remap[label];
              for (gsize k = runs[i].x0; k < runs[i].x1; k++)
                out[k] = label;
            }
        }
    }
  return !_evox_work_monitor_stopped (monitor);
}

gboolean
evox_label_components (const guint8      *mask,
                       const gsize        dims[3],
                       EvoxConnectivity   connectivity,
                       guint32           *labels,
                       guint32           *n_labels,
                       EvoxProgress      *progress,
                       GCancellable      *cancellable,
                       GError           **error)
{
  Source src = { .kind = SOURCE_MASK, .data = mask };
  EvoxWorkMonitor monitor = { .progress = progress, .cancellable = cancellable };
  Runs rl;
  gboolean ok;

  g_return_val_if_fail (dims != NULL, FALSE);
  g_return_val_if_fail (mask != NULL || dims[0] * dims[1] * dims[2] == 0, FALSE);
  g_return_val_if_fail (labels != NULL || dims[0] * dims[1] * dims[2] == 0, FALSE);
  g_return_val_if_fail (evox_connectivity_is_valid (connectivity), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  evox_progress_set_stage (progress, "Finding particles", 0.0, 1.0);
  if (n_labels != NULL)
    *n_labels = 0;
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0)
    {
      evox_progress_update (progress, 1.0);
      return !g_cancellable_set_error_if_cancelled (cancellable, error);
    }
  ok = runs_label (&rl, &src, dims, connectivity, &monitor, 0.0, 0.75, error);
  if (ok)
    {
      ok = runs_write (&rl, NULL, labels, &monitor, 0.75, 1.0);
      if (!ok)
        g_cancellable_set_error_if_cancelled (cancellable, error);
      else if (n_labels != NULL)
        *n_labels = rl.n_labels;
    }
  runs_clear (&rl);
  return ok;
}

/* Statistics. */

/* One particle's sums while its runs are visited; merged across slabs for particles that cross
 * a slab boundary. */
typedef struct
{
  guint64  voxels;
  guint64  runs;
  guint64  pairs[12];    /* same-particle pairs along the 12 directions that leave the row */
  double   sum[3];
  guint32  lo[3];
  guint32  hi[3];
  gboolean border;
  guint64  n_values;
  double   mean;
  double   m2;
  double   min;
  double   max;
} Acc;

static void
acc_init (Acc *acc)
{
  memset (acc, 0, sizeof *acc);
  acc->lo[0] = acc->lo[1] = acc->lo[2] = G_MAXUINT32;
  acc->min = INFINITY;
  acc->max = -INFINITY;
}

/* Chan et al.'s pairwise update of count, mean and sum of squared deviations. */
static void
acc_add_values (Acc     *acc,
                guint64  n,
                double   mean,
                double   m2,
                double   min,
                double   max)
{
  if (n == 0)
    return;
  if (acc->n_values == 0)
    {
      acc->n_values = n;
      acc->mean = mean;
      acc->m2 = m2;
    }
  else
    {
      double total = (double) (acc->n_values + n);
      double delta = mean - acc->mean;

      acc->mean += delta * (double) n / total;
      acc->m2 += m2 + delta * delta * ((double) acc->n_values * (double) n / total);
      acc->n_values += n;
    }
  acc->min = MIN (acc->min, min);
  acc->max = MAX (acc->max, max);
}

static void
acc_merge (Acc       *into,
           const Acc *from)
{
  into->voxels += from->voxels;
  into->runs += from->runs;
  for (guint d = 0; d < 12; d++)
    into->pairs[d] += from->pairs[d];
  for (guint i = 0; i < 3; i++)
    {
      into->sum[i] += from->sum[i];
      into->lo[i] = MIN (into->lo[i], from->lo[i]);
      into->hi[i] = MAX (into->hi[i], from->hi[i]);
    }
  into->border |= from->border;
  acc_add_values (into, from->n_values, from->mean, from->m2, from->min, from->max);
}

typedef struct
{
  const Runs     *rl;
  EvoxSampleType  type;
  gconstpointer   data;
  gboolean        constant;       /* integer data and a one-value range: values not read */
  double          constant_value;
  const guint32  *shared;         /* label -> index among the boundary-crossing particles */
  Acc            *accs;           /* by label */
} Measure;

/* Count, mean, M2, min and max of one run's finite values, shifted by its first value so the
 * sums keep their precision. */
static void
run_values (const Measure *ms,
            gsize          offset,
            guint32        len,
            Acc           *acc)
{
  switch (ms->type)
    {
    case EVOX_SAMPLE_U8:
    case EVOX_SAMPLE_U16:
      {
        gint64 s = 0;
        guint64 ss = 0;
        guint32 mn = G_MAXUINT32, mx = 0;
        guint32 v0;

        if (ms->type == EVOX_SAMPLE_U8)
          {
            const guint8 *v = (const guint8 *) ms->data + offset;

            v0 = v[0];
            for (guint32 i = 0; i < len; i++)
              {
                gint64 d = (gint64) v[i] - v0;

                s += d;
                ss += (guint64) (d * d);
                mn = MIN (mn, v[i]);
                mx = MAX (mx, v[i]);
              }
          }
        else
          {
            const guint16 *v = (const guint16 *) ms->data + offset;

            v0 = v[0];
            for (guint32 i = 0; i < len; i++)
              {
                gint64 d = (gint64) v[i] - v0;

                s += d;
                ss += (guint64) (d * d);
                mn = MIN (mn, v[i]);
                mx = MAX (mx, v[i]);
              }
          }
        acc_add_values (acc, len, v0 + (double) s / len,
                        (double) ss - (double) s * (double) s / len, mn, mx);
        break;
      }
    case EVOX_SAMPLE_F32:
      {
        const float *v = (const float *) ms->data + offset;
        guint64 n = 0;
        double v0 = 0.0, s = 0.0, ss = 0.0;
        double mn = INFINITY, mx = -INFINITY;

        for (guint32 i = 0; i < len; i++)
          {
            double d;

            if (!isfinite (v[i]))
              continue;
            if (n == 0)
              v0 = v[i];
            d = v[i] - v0;
            s += d;
            ss += d * d;
            mn = MIN (mn, v[i]);
            mx = MAX (mx, v[i]);
            n++;
          }
        if (n > 0)
          acc_add_values (acc, n, v0 + s / n, MAX (0.0, ss - s * s / n), mn, mx);
        break;
      }
    default:
      g_assert_not_reached ();
    }
}

static inline Acc *
pick_acc (const Measure *ms,
          Acc           *local,
          guint32        label)
{
  guint32 k = ms->shared[label];

  return k == NONE ? &ms->accs[label] : &local[k];
}

static void
measure_slab (const Measure *ms,
              const Slab    *slab,
              Acc           *local,
              EvoxWorkMonitor       *monitor)
{
  const Runs *rl = ms->rl;
  const gsize nx = rl->dims[0];
  const gsize ny = rl->dims[1];
  const gsize nz = rl->dims[2];
  const gsize step = rows_per_step (nx);

  for (gsize r = slab->row_begin; r < slab->row_end; r++)
    {
      gsize y = r % ny;
      gsize z = r / ny;
      guint32 first, n;
      const Run *runs;
      const guint32 *labels;
      gboolean edge_row = y == 0 || y + 1 == ny || z == 0 || z + 1 == nz;

      if ((r - slab->row_begin) % step == step - 1 && !_evox_work_monitor_step (monitor, step))
        return;
      runs = row_runs (rl, r, &first, &n);
      if (n == 0)
        continue;
      labels = rl->run_label + first;

      for (guint32 i = 0; i < n; i++)
        {
          Acc *acc = pick_acc (ms, local, labels[i]);
          guint32 len = runs[i].x1 - runs[i].x0;

          acc->voxels += len;
          acc->runs++;
          acc->sum[0] += (double) len * (runs[i].x0 + runs[i].x1 - 1) * 0.5;
          acc->sum[1] += (double) len * y;
          acc->sum[2] += (double) len * z;
          acc->lo[0] = MIN (acc->lo[0], runs[i].x0);
          acc->hi[0] = MAX (acc->hi[0], runs[i].x1 - 1);
          acc->lo[1] = MIN (acc->lo[1], (guint32) y);
          acc->hi[1] = MAX (acc->hi[1], (guint32) y);
          acc->lo[2] = MIN (acc->lo[2], (guint32) z);
          acc->hi[2] = MAX (acc->hi[2], (guint32) z);
          if (edge_row || runs[i].x0 == 0 || runs[i].x1 == nx)
            acc->border = TRUE;
          if (!ms->constant)
            run_values (ms, r * nx + runs[i].x0, len, acc);
        }

      /* Same-particle pairs with the four earlier rows, for dx = -1, 0, 1. */
      for (guint k = 0; k < 4; k++)
        {
          int dy = stat_rows[k][0];
          int dz = stat_rows[k][1];
          guint32 o_first, o_n, i = 0, j = 0;
          const Run *o_runs;
          const guint32 *o_labels;

          if ((dy < 0 && y == 0) || (dy > 0 && y + 1 == ny) || (dz < 0 && z == 0))
            continue;
          o_runs = row_runs (rl, r + dy + dz * ny, &o_first, &o_n);
          o_labels = rl->run_label + o_first;
          while (i < n && j < o_n)
            {
              const Run *a = &runs[i];
              const Run *b = &o_runs[j];

              if (a->x0 < b->x1 + 1 && b->x0 < a->x1 + 1 && labels[i] == o_labels[j])
                {
                  Acc *acc = pick_acc (ms, local, labels[i]);

                  for (int dx = -1; dx <= 1; dx++)
                    {
                      gint64 lo = MAX ((gint64) a->x0, (gint64) b->x0 - dx);
                      gint64 hi = MIN ((gint64) a->x1, (gint64) b->x1 - dx);

                      if (hi > lo)
                        acc->pairs[k * 3 + (guint) (dx + 1)] += (guint64) (hi - lo);
                    }
                }
              if (a->x1 < b->x1)
                i++;
              else
                j++;
            }
        }
    }
}

/* The 13 lattice directions: x, then the four earlier rows of stat_rows with dx = -1, 0, 1. */
static void
lattice_direction (guint d,
                   int   v[3])
{
  if (d == 0)
    {
      v[0] = 1;
      v[1] = v[2] = 0;
      return;
    }
  v[0] = (int) ((d - 1) % 3) - 1;
  v[1] = stat_rows[(d - 1) / 3][0];
  v[2] = stat_rows[(d - 1) / 3][1];
}

#define SPHERE_SAMPLES 200000

/* Fractions of the sphere's directions nearest to each of the 13 directions (up to sign),
 * from a Fibonacci sphere; the last spacing's weights are kept. */
static void
crofton_weights (const double spacing[3],
                 double       weights[13])
{
  static GMutex lock;
  static double cached_spacing[3] = { -1.0, -1.0, -1.0 };
  static double cached[13];
  double unit[13][3];
  guint counts[13] = { 0 };
  const double golden = M_PI * (3.0 - sqrt (5.0));

  g_mutex_lock (&lock);
  if (memcmp (cached_spacing, spacing, sizeof cached_spacing) == 0)
    {
      memcpy (weights, cached, sizeof cached);
      g_mutex_unlock (&lock);
      return;
    }

  for (guint d = 0; d < 13; d++)
    {
      int v[3];
      double len = 0.0;

      lattice_direction (d, v);
      for (guint i = 0; i < 3; i++)
        {
          unit[d][i] = v[i] * spacing[i];
          len += unit[d][i] * unit[d][i];
        }
      len = sqrt (len);
      for (guint i = 0; i < 3; i++)
        unit[d][i] /= len;
    }
  for (guint s = 0; s < SPHERE_SAMPLES; s++)
    {
      double uz = 1.0 - (2.0 * s + 1.0) / SPHERE_SAMPLES;
      double radius = sqrt (MAX (0.0, 1.0 - uz * uz));
      double phi = golden * s;
      double u[3] = { radius * cos (phi), radius * sin (phi), uz };
      double best = -1.0;
      guint best_d = 0;

      for (guint d = 0; d < 13; d++)
        {
          double dot = fabs (u[0] * unit[d][0] + u[1] * unit[d][1] + u[2] * unit[d][2]);

          if (dot > best)
            {
              best = dot;
              best_d = d;
            }
        }
      counts[best_d]++;
    }
  for (guint d = 0; d < 13; d++)
    cached[d] = (double) counts[d] / SPHERE_SAMPLES;
  memcpy (cached_spacing, spacing, sizeof cached_spacing);
  memcpy (weights, cached, sizeof cached);
  g_mutex_unlock (&lock);
}

/* The object. */

struct _EvoxLabels
{
  GObject           parent_instance;

  EvoxVolume       *volume;
  guint             channel;
  char             *phase_name;
  double            lo;
  double            hi;
  EvoxConnectivity  connectivity;
  guint64           min_size;
  guint             n_found;
  guint             n_dropped;
  gsize             dims[3];
  guint32          *labels;      /* ids 1..n; for shared labels made on first use */
  GBytes           *store;       /* shared labels: several phases' ids in one volume */
  guint             store_bytes; /* 2 or 4: u16 while every id fits, u32 beyond */
  guint32           offset;      /* shared labels: this phase's ids are offset + 1..n there */
  GMutex            lock;        /* guards making labels from the store */
  EvoxParticle     *particles;
  guint             n_particles;
  double           *split_h;     /* the watershed splits that made these labels, in order */
  guint             n_splits;
};

G_DEFINE_FINAL_TYPE (EvoxLabels, evox_labels, G_TYPE_OBJECT)

static void
evox_labels_finalize (GObject *object)
{
  EvoxLabels *self = EVOX_LABELS (object);

  g_clear_object (&self->volume);
  g_clear_pointer (&self->phase_name, g_free);
  g_clear_pointer (&self->labels, _evox_free_large);
  g_clear_pointer (&self->store, g_bytes_unref);
  g_mutex_clear (&self->lock);
  g_clear_pointer (&self->particles, g_free);
  g_clear_pointer (&self->split_h, g_free);

  G_OBJECT_CLASS (evox_labels_parent_class)->finalize (object);
}

static void
evox_labels_class_init (EvoxLabelsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_labels_finalize;
}

static void
evox_labels_init (EvoxLabels *self)
{
  g_mutex_init (&self->lock);
}

/* The source that tests lo <= v <= hi on the stored values without a mask in between. */
static void
source_for_range (Source         *src,
                  EvoxSampleType  type,
                  gconstpointer   data,
                  double          lo,
                  double          hi)
{
  float first, last;

  memset (src, 0, sizeof *src);
  src->data = data;
  /* The stored values inside [lo, hi] as floats, so float comparisons decide exactly as double
   * ones would; for integer data whole numbers, tested as one unsigned difference. */
  src->empty = !evox_sample_type_inner_range (type, lo, hi, &first, &last);
  switch (type)
    {
    case EVOX_SAMPLE_U8:
    case EVOX_SAMPLE_U16:
      src->kind = type == EVOX_SAMPLE_U8 ? SOURCE_U8 : SOURCE_U16;
      if (!src->empty)
        {
          src->lo = (guint32) first;
          src->range = (guint32) (last - first);
        }
      break;
    case EVOX_SAMPLE_F32:
      src->kind = SOURCE_F32;
      src->lo_f = first;
      src->hi_f = last;
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Area per boundary crossing along each direction: 2 w_d V / |d| (see the top of the file). */
static void
crofton_factors (const double spacing[3],
                 double       factors[13])
{
  double weights[13];
  double voxel_volume = spacing[0] * spacing[1] * spacing[2];

  crofton_weights (spacing, weights);
  for (guint d = 0; d < 13; d++)
    {
      int v[3];
      double len = 0.0;

      lattice_direction (d, v);
      for (guint i = 0; i < 3; i++)
        len += (v[i] * spacing[i]) * (v[i] * spacing[i]);
      factors[d] = 2.0 * weights[d] * voxel_volume / sqrt (len);
    }
}

void
_evox_crofton_factors (const double spacing[3],
                       int          directions[13][3],
                       double       factors[13])
{
  crofton_factors (spacing, factors);
  for (guint d = 0; d < 13; d++)
    lattice_direction (d, directions[d]);
}

static void
particle_finish (EvoxParticle  *p,
                 guint32        id,
                 const Acc     *acc,
                 const double   spacing[3],
                 const double   origin[3],
                 const double   factors[13])
{
  double volume = (double) acc->voxels * spacing[0] * spacing[1] * spacing[2];
  double area = 0.0;

  /* Crossings along d: 2 (voxels - pairs along d); along x the pairs are voxels - runs. */
  area += factors[0] * 2.0 * (double) acc->runs;
  for (guint d = 1; d < 13; d++)
    area += factors[d] * 2.0 * (double) (acc->voxels - acc->pairs[d - 1]);

  p->id = id;
  p->voxels = acc->voxels;
  p->volume_nm3 = volume;
  p->diameter_nm = cbrt (6.0 * volume / M_PI);
  p->area_nm2 = area;
  p->sphericity = area > 0.0 ? cbrt (M_PI) * pow (6.0 * volume, 2.0 / 3.0) / area : NAN;
  for (guint i = 0; i < 3; i++)
    {
      p->centroid_nm[i] = origin[i] + spacing[i] * acc->sum[i] / (double) acc->voxels;
      p->bbox_min[i] = acc->lo[i];
      p->bbox_max[i] = acc->hi[i];
    }
  if (acc->n_values > 0)
    {
      p->mean = acc->mean;
      p->std = sqrt (MAX (0.0, acc->m2 / (double) acc->n_values));
      p->min = acc->min;
      p->max = acc->max;
    }
  else
    p->mean = p->std = p->min = p->max = NAN;
  p->touches_border = acc->border;
}

/* Measures every labelled component of rl into accs[1..n_labels]. */
static gboolean
runs_measure (const Runs     *rl,
              EvoxVolume     *volume,
              guint           channel,
              const Source   *src,
              Acc            *accs,
              EvoxWorkMonitor        *monitor,
              GError        **error)
{
  const gsize ny = rl->dims[1];
  Measure ms = {
    .rl = rl,
    .type = evox_volume_get_sample_type (volume),
    .data = evox_volume_get_data (volume, channel),
    .accs = accs,
  };
  g_autofree guint32 *shared = NULL;
  g_autofree Acc *local = NULL;
  guint32 n_shared = 0;

  if ((src->kind == SOURCE_U8 || src->kind == SOURCE_U16) && src->range == 0)
    {
      ms.constant = TRUE;
      ms.constant_value = src->lo;
    }

  /* Particles with runs in the rows right after a slab boundary may cross it; each slab sums
   * those into its own accumulators, merged at the end. */
  shared = g_new (guint32, (gsize) rl->n_labels + 1);
  memset (shared, 0xff, ((gsize) rl->n_labels + 1) * sizeof (guint32));
  for (guint s = 1; s < rl->n_slabs; s++)
    {
      const Slab *slab = &rl->slabs[s];
      gsize stop = boundary_rows_end (slab, ny);
      guint32 begin = rl->row_start[slab->row_begin];
      guint32 end = rl->row_start[stop];

      for (guint32 g = begin; g < end; g++)
        if (shared[rl->run_label[g]] == NONE)
          shared[rl->run_label[g]] = n_shared++;
    }
  ms.shared = shared;
  if (!evox_check_allocation ((guint64) n_shared * rl->n_slabs, sizeof (Acc),
                              "Measuring particles", error))
    return FALSE;
  local = g_new (Acc, MAX ((gsize) n_shared * rl->n_slabs, 1));
  for (gsize k = 0; k < (gsize) n_shared * rl->n_slabs; k++)
    acc_init (&local[k]);
#pragma omp parallel for schedule(static)
  for (guint32 label = 0; label <= rl->n_labels; label++)
    acc_init (&accs[label]);

#pragma omp parallel for schedule(dynamic, 1)
  for (guint s = 0; s < rl->n_slabs; s++)
    measure_slab (&ms, &rl->slabs[s], local + (gsize) s * n_shared, monitor);

  if (_evox_work_monitor_stopped (monitor))
    return !g_cancellable_set_error_if_cancelled (monitor->cancellable, error);

  for (guint32 label = 1; label <= rl->n_labels; label++)
    {
      guint32 k = shared[label];

      if (k == NONE)
        continue;
      for (guint s = 0; s < rl->n_slabs; s++)
        acc_merge (&accs[label], &local[(gsize) s * n_shared + k]);
    }
  /* A one-value phase of integer data: every voxel holds that value. */
  if (ms.constant)
    {
#pragma omp parallel for schedule(static)
      for (guint32 label = 1; label <= rl->n_labels; label++)
        {
          accs[label].n_values = accs[label].voxels;
          accs[label].mean = accs[label].min = accs[label].max = ms.constant_value;
          accs[label].m2 = 0.0;
        }
    }
  return TRUE;
}

/* The particles of labels 1..n_labels from their sums: label l becomes particle remap[l] (none
 * when 0), or l itself without remap. */
static void
finish_particles (EvoxLabels    *self,
                  const Acc     *accs,
                  const guint32 *remap,
                  guint32        n_labels,
                  guint32        kept)
{
  double spacing[3], origin[3], factors[13];

  evox_volume_get_spacing (self->volume, spacing);
  evox_volume_get_origin (self->volume, origin);
  crofton_factors (spacing, factors);
  self->n_particles = kept;
  self->particles = g_new0 (EvoxParticle, MAX (kept, 1));
#pragma omp parallel for schedule(static)
  for (guint32 label = 1; label <= n_labels; label++)
    {
      guint32 id = remap != NULL ? remap[label] : label;

      if (id != 0)
        particle_finish (&self->particles[id - 1], id, &accs[label], spacing, origin, factors);
    }
}

/* Labels of a phase of a volume's channel, without their label volume or particles yet. */
static EvoxLabels *
labels_new (EvoxVolume       *volume,
            guint             channel,
            const char       *phase_name,
            double            lo,
            double            hi,
            EvoxConnectivity  connectivity,
            guint64           min_size)
{
  EvoxLabels *self = g_object_new (EVOX_TYPE_LABELS, NULL);

  self->volume = g_object_ref (volume);
  self->channel = channel;
  self->phase_name = g_strdup (phase_name);
  self->lo = lo;
  self->hi = hi;
  self->connectivity = connectivity;
  self->min_size = min_size;
  evox_volume_get_dims (volume, self->dims);
  return self;
}

static gboolean
check_range (double   lo,
             double   hi,
             GError **error)
{
  if (isnan (lo) || isnan (hi) || lo > hi)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The phase range [%g, %g] is not a range: it needs lo <= hi and no NaN",
                   lo, hi);
      return FALSE;
    }
  return TRUE;
}

/* Finds and measures the particles of self's range (self->n_particles and its particles are
 * set): the runs are left in rl for writing (the caller clears them, also after a failure) and
 * remap takes each label to its particle id, 0 when the size filter dropped it. The volume has
 * voxels. Progress: "Finding particles" over 0..0.6, then "Measuring particles" from 0.6 with
 * the monitor over the first half of what is left. */
static gboolean
labels_find (EvoxLabels       *self,
             Runs             *rl,
             guint32         **remap,
             EvoxWorkMonitor  *monitor,
             GError          **error)
{
  EvoxProgress *progress = monitor->progress;
  g_autofree Acc *accs = NULL;
  guint32 kept = 0;
  Source src;

  evox_progress_set_stage (progress, "Finding particles", 0.0, 0.6);
  if (g_cancellable_set_error_if_cancelled (monitor->cancellable, error))
    return FALSE;
  source_for_range (&src, evox_volume_get_sample_type (self->volume),
                    evox_volume_get_data (self->volume, self->channel), self->lo, self->hi);
  if (!runs_label (rl, &src, self->dims, self->connectivity, monitor, 0.0, 1.0, error))
    return FALSE;

  evox_progress_set_stage (progress, "Measuring particles", 0.6, 1.0);
  if (!evox_check_allocation ((guint64) rl->n_labels + 1, sizeof (Acc) + sizeof (EvoxParticle),
                              "Measuring particles", error))
    return FALSE;
  accs = g_new (Acc, (gsize) rl->n_labels + 1);
  _evox_work_monitor_begin (monitor, progress, monitor->cancellable, 0.0, 0.5, rl->n_rows);
  if (!runs_measure (rl, self->volume, self->channel, &src, accs, monitor, error))
    return FALSE;

  *remap = g_new0 (guint32, (gsize) rl->n_labels + 1);
  for (guint32 label = 1; label <= rl->n_labels; label++)
    if (accs[label].voxels >= self->min_size)
      (*remap)[label] = ++kept;
  self->n_found = rl->n_labels;
  self->n_dropped = rl->n_labels - kept;
  finish_particles (self, accs, *remap, rl->n_labels, kept);
  return TRUE;
}

/**
 * evox_labels_compute:
 * @progress: (nullable): stages "Finding particles" and "Measuring particles"
 *
 * Labels and measures on the calling thread (using every OpenMP thread); the label volume is
 * written once, after the size filter.
 */
EvoxLabels *
evox_labels_compute (EvoxVolume        *volume,
                     guint              channel,
                     const char        *phase_name,
                     double             lo,
                     double             hi,
                     EvoxConnectivity   connectivity,
                     guint64            min_size,
                     EvoxProgress      *progress,
                     GCancellable      *cancellable,
                     GError           **error)
{
  g_autoptr(EvoxLabels) self = NULL;
  EvoxWorkMonitor monitor = { .progress = progress, .cancellable = cancellable };
  g_autofree guint32 *remap = NULL;
  gsize n_voxels;
  Runs rl = { 0 };
  gboolean ok;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);
  g_return_val_if_fail (evox_connectivity_is_valid (connectivity), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_range (lo, hi, error))
    return NULL;

  self = labels_new (volume, channel, phase_name, lo, hi, connectivity, min_size);
  n_voxels = self->dims[0] * self->dims[1] * self->dims[2];
  if (!evox_check_allocation (n_voxels, sizeof (guint32), "The label volume", error))
    return NULL;

  if (n_voxels == 0)
    {
      evox_progress_set_stage (progress, "Finding particles", 0.0, 0.6);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      self->labels = _evox_alloc_large (sizeof (guint32));
      evox_progress_set_stage (progress, "Measuring particles", 0.6, 1.0);
      evox_progress_update (progress, 1.0);
      return g_steal_pointer (&self);
    }
  if (!labels_find (self, &rl, &remap, &monitor, error))
    {
      runs_clear (&rl);
      return NULL;
    }

  self->labels = _evox_alloc_large (n_voxels * sizeof (guint32));
  if (self->labels == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The label volume (%" G_GSIZE_FORMAT " voxels) does not fit in memory",
                   n_voxels);
      runs_clear (&rl);
      return NULL;
    }
  ok = runs_write (&rl, self->n_particles == rl.n_labels ? NULL : remap, self->labels, &monitor,
                   0.5, 1.0);
  runs_clear (&rl);
  if (!ok)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }
  evox_progress_update (progress, 1.0);
  return g_steal_pointer (&self);
}

/* Writes one phase's particles into a shared label volume as offset + id, leaving background
 * and voxels already taken by an earlier phase as they are. */
static gboolean
runs_write_shared (const Runs      *rl,
                   const guint32   *remap,
                   guint32          offset,
                   gpointer         labels,
                   guint            bytes,
                   EvoxWorkMonitor *monitor,
                   double           start,
                   double           end)
{
  const gsize nx = rl->dims[0];
  const gsize step = rows_per_step (nx);

  _evox_work_monitor_begin (monitor, monitor->progress, monitor->cancellable, start, end,
                            rl->n_rows);
#pragma omp parallel for schedule(dynamic, 1)
  for (guint s = 0; s < rl->n_slabs; s++)
    {
      const Slab *slab = &rl->slabs[s];

      for (gsize r = slab->row_begin; r < slab->row_end; r++)
        {
          guint16 *out16 = (guint16 *) labels + r * nx;
          guint32 *out32 = (guint32 *) labels + r * nx;
          guint32 first, n;
          const Run *runs;

          if ((r - slab->row_begin) % step == step - 1 && !_evox_work_monitor_step (monitor, step))
            break;
          runs = row_runs (rl, r, &first, &n);
          for (guint32 i = 0; i < n; i++)
            {
              guint32 id = remap[rl->run_label[first + i]];

              if (id == 0)
                continue;
              if (bytes == 2)
                {
                  for (gsize k = runs[i].x0; k < runs[i].x1; k++)
                    if (out16[k] == 0)
                      out16[k] = (guint16) (offset + id);
                }
              else
                for (gsize k = runs[i].x0; k < runs[i].x1; k++)
                  if (out32[k] == 0)
                    out32[k] = offset + id;
            }
        }
    }
  return !_evox_work_monitor_stopped (monitor);
}

/* A zeroed shared label volume of 2- or 4-byte ids; with from (a u16 one), its ids widened. */
static GBytes *
shared_store_new (gsize    n_voxels,
                  guint    bytes,
                  GBytes  *from,
                  GError **error)
{
  gsize size = MAX (n_voxels, 1) * bytes;
  /* Zero pages from the kernel: background that no phase reaches is never touched. */
  gpointer data = _evox_alloc_large (size);

  if (data == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The label volume (%" G_GSIZE_FORMAT " voxels) does not fit in memory",
                   n_voxels);
      return NULL;
    }
  if (from != NULL)
    {
      const guint16 *narrow = g_bytes_get_data (from, NULL);
      guint32 *wide = data;

#pragma omp parallel for schedule(static)
      for (gsize i = 0; i < n_voxels; i++)
        wide[i] = narrow[i];
    }
  return g_bytes_new_with_free_func (data, size, _evox_free_large, data);
}

/**
 * evox_labels_compute_phases:
 * @n_phases: how many phases; at least one
 * @names: (array length=n_phases) (nullable): their names (entries may be NULL)
 * @lo: (array length=n_phases): each phase's lowest value
 * @hi: (array length=n_phases): each phase's highest value
 * @progress: (nullable): each phase's stages over its share of the whole
 *
 * Labels several phases of one channel one after the other into a single shared u32 label
 * volume, so the peak memory is the volume, one label volume and one phase's runs, however
 * many phases there are (evox_labels_compute() for each would hold a label volume per phase).
 * The shared volume holds u16 ids while every id fits, as the label TIFF will, and is widened
 * to u32 (the two at once, for a moment) when a phase takes the count past 65,535.
 * In the shared volume, phase k's particle i is offset_k + i with offset_k the number of
 * particles of the phases before it: the numbering of evox_tiff_write_labels() and
 * evox_csv_write_particles(). Each returned EvoxLabels measures, numbers and answers
 * evox_labels_get_label() exactly as evox_labels_compute() would; evox_labels_get_data() makes
 * its own label volume on first use. Phases should not share values: a voxel in two phases is
 * measured in both but shows the earlier phase's particle.
 *
 * Returns: (transfer full) (element-type EvoxLabels): one EvoxLabels per phase, or %NULL with
 * the error (EVOX_ERROR_ARGUMENT for a bad range, EVOX_ERROR_TOO_LARGE when the label volume
 * does not fit or the ids do not fit in 32 bits, G_IO_ERROR_CANCELLED); an error while labelling
 * a named phase starts with "phase 'NAME': ".
 */
GPtrArray *
evox_labels_compute_phases (EvoxVolume          *volume,
                            guint                channel,
                            guint                n_phases,
                            const char * const  *names,
                            const double        *lo,
                            const double        *hi,
                            EvoxConnectivity     connectivity,
                            guint64              min_size,
                            EvoxProgress        *progress,
                            GCancellable        *cancellable,
                            GError             **error)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GBytes) store = NULL;
  guint bytes = 2;
  gsize n_voxels, dims[3];
  guint64 offset = 0;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);
  g_return_val_if_fail (n_phases > 0 && lo != NULL && hi != NULL, NULL);
  g_return_val_if_fail (evox_connectivity_is_valid (connectivity), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint k = 0; k < n_phases; k++)
    {
      g_autoptr(GError) local = NULL;

      if (check_range (lo[k], hi[k], &local))
        continue;
      if (names != NULL && names[k] != NULL)
        g_propagate_prefixed_error (error, g_steal_pointer (&local), "phase '%s': ", names[k]);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  evox_volume_get_dims (volume, dims);
  n_voxels = dims[0] * dims[1] * dims[2];
  if (!evox_check_allocation (n_voxels, sizeof (guint32), "The label volume", error))
    return NULL;
  /* u16 while the ids fit, as the label TIFF will be. */
  store = shared_store_new (n_voxels, bytes, NULL, error);
  if (store == NULL)
    return NULL;

  all = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint k = 0; k < n_phases; k++)
    {
      g_autoptr(EvoxLabels) self = labels_new (volume, channel, names ? names[k] : NULL, lo[k],
                                               hi[k], connectivity, min_size);
      EvoxWorkMonitor monitor = { .progress = progress, .cancellable = cancellable };
      g_autofree guint32 *remap = NULL;
      g_autoptr(GError) local = NULL;
      Runs rl = { 0 };
      gboolean ok;

      evox_progress_push (progress, (double) k / n_phases, (double) (k + 1) / n_phases);
      if (n_voxels == 0)
        ok = !g_cancellable_set_error_if_cancelled (cancellable, &local);
      else
        ok = labels_find (self, &rl, &remap, &monitor, &local);
      if (ok && offset + self->n_particles > G_MAXUINT32)
        {
          g_set_error (&local, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                       "%" G_GUINT64_FORMAT " particles are more than one u32 label volume "
                       "holds", offset + self->n_particles);
          ok = FALSE;
        }
      if (ok && bytes == 2 && offset + self->n_particles > G_MAXUINT16)
        {
          GBytes *wide = shared_store_new (n_voxels, 4, store, &local);

          ok = wide != NULL;
          if (ok)
            {
              g_bytes_unref (store);
              store = wide;
              bytes = 4;
              for (guint i = 0; i < all->len; i++)
                {
                  EvoxLabels *earlier = all->pdata[i];

                  g_bytes_unref (earlier->store);
                  earlier->store = g_bytes_ref (store);
                  earlier->store_bytes = bytes;
                }
            }
        }
      if (ok && n_voxels > 0)
        {
          ok = runs_write_shared (&rl, remap, (guint32) offset,
                                  (gpointer) g_bytes_get_data (store, NULL), bytes, &monitor,
                                  0.5, 1.0);
          if (!ok)
            g_cancellable_set_error_if_cancelled (cancellable, &local);
        }
      runs_clear (&rl);
      evox_progress_update (progress, 1.0);
      evox_progress_pop (progress);
      if (!ok)
        {
          /* Say which phase, as evox segment always has. */
          if (names != NULL && names[k] != NULL &&
              !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_prefixed_error (error, g_steal_pointer (&local), "phase '%s': ",
                                        names[k]);
          else
            g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      self->store = g_bytes_ref (store);
      self->store_bytes = bytes;
      self->offset = (guint32) offset;
      offset += self->n_particles;
      g_ptr_array_add (all, g_steal_pointer (&self));
    }
  return g_steal_pointer (&all);
}

/* Sums of one row's runs of equal label into accs, and the same-label pairs with the four
 * earlier rows, voxel by voxel: the labels of a split need not be runs of one component. */
static void
measure_label_row (const Measure  *ms,
                   const guint32  *labels,
                   const gsize     dims[3],
                   gsize           y,
                   gsize           z)
{
  const gsize nx = dims[0], ny = dims[1], nz = dims[2];
  const guint32 *row = labels + (z * ny + y) * nx;
  gboolean edge_row = y == 0 || y + 1 == ny || z == 0 || z + 1 == nz;

  for (gsize x0 = 0; x0 < nx;)
    {
      guint32 label = row[x0];
      gsize x1 = x0 + 1;
      Acc *acc;

      while (x1 < nx && row[x1] == label)
        x1++;
      if (label == 0)
        {
          x0 = x1;
          continue;
        }
      acc = &ms->accs[label];
      acc->voxels += x1 - x0;
      acc->runs++;
      acc->sum[0] += (double) (x1 - x0) * (x0 + x1 - 1) * 0.5;
      acc->sum[1] += (double) (x1 - x0) * y;
      acc->sum[2] += (double) (x1 - x0) * z;
      acc->lo[0] = MIN (acc->lo[0], (guint32) x0);
      acc->hi[0] = MAX (acc->hi[0], (guint32) (x1 - 1));
      acc->lo[1] = MIN (acc->lo[1], (guint32) y);
      acc->hi[1] = MAX (acc->hi[1], (guint32) y);
      acc->lo[2] = MIN (acc->lo[2], (guint32) z);
      acc->hi[2] = MAX (acc->hi[2], (guint32) z);
      if (edge_row || x0 == 0 || x1 == nx)
        acc->border = TRUE;
      run_values (ms, (z * ny + y) * nx + x0, (guint32) (x1 - x0), acc);

      for (guint k = 0; k < 4; k++)
        {
          int dy = stat_rows[k][0];
          int dz = stat_rows[k][1];
          const guint32 *other;

          if ((dy < 0 && y == 0) || (dy > 0 && y + 1 == ny) || (dz < 0 && z == 0))
            continue;
          other = labels + ((z + dz) * ny + (y + dy)) * nx;
          for (gsize x = x0; x < x1; x++)
            for (int dx = -1; dx <= 1; dx++)
              if ((gssize) x + dx >= 0 && x + dx < nx && other[x + dx] == label)
                acc->pairs[k * 3 + (guint) (dx + 1)]++;
        }
      x0 = x1;
    }
}

/**
 * _evox_labels_new_take:
 * @monitor: begun by the caller; a step per row
 */
EvoxLabels *
_evox_labels_new_take (EvoxVolume        *volume,
                       guint              channel,
                       const char        *phase_name,
                       double             lo,
                       double             hi,
                       EvoxConnectivity   connectivity,
                       guint64            min_size,
                       guint32           *labels,
                       guint32            max_label,
                       EvoxWorkMonitor   *monitor,
                       GError           **error)
{
  g_autoptr(EvoxLabels) self = NULL;
  g_autofree guint32 *remap = NULL;
  g_autofree Acc *accs = NULL;
  Measure ms = { 0 };
  guint32 n = 0;
  gsize n_voxels;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (labels != NULL, NULL);

  self = labels_new (volume, channel, phase_name, lo, hi, connectivity, min_size);
  self->labels = labels;
  n_voxels = self->dims[0] * self->dims[1] * self->dims[2];

  if (!evox_check_allocation ((guint64) max_label + 1,
                              2 * sizeof (guint32) + sizeof (Acc) + sizeof (EvoxParticle),
                              "Measuring particles", error))
    return NULL;
  remap = g_new0 (guint32, (gsize) max_label + 1);
  for (gsize i = 0; i < n_voxels; i++)
    {
      guint32 l = labels[i];

      if (l != 0)
        {
          g_assert (l <= max_label);
          if (remap[l] == 0)
            remap[l] = ++n;
          labels[i] = remap[l];
        }
    }

  accs = g_new (Acc, (gsize) n + 1);
  for (guint32 l = 0; l <= n; l++)
    acc_init (&accs[l]);
  ms.type = evox_volume_get_sample_type (volume);
  ms.data = evox_volume_get_data (volume, channel);
  ms.accs = accs;
  for (gsize r = 0; r < self->dims[1] * self->dims[2]; r++)
    {
      if (!_evox_work_monitor_step (monitor, 1))
        {
          g_cancellable_set_error_if_cancelled (monitor->cancellable, error);
          return NULL;
        }
      measure_label_row (&ms, labels, self->dims, r % self->dims[1], r / self->dims[1]);
    }

  self->n_found = n;
  finish_particles (self, accs, NULL, n, n);
  return g_steal_pointer (&self);
}

typedef struct
{
  EvoxVolume        *volume;
  guint              channel;
  char              *phase_name;
  double             lo;
  double             hi;
  EvoxConnectivity   connectivity;
  guint64            min_size;
  EvoxProgress      *progress;
} ComputeData;

static void
compute_data_free (ComputeData *data)
{
  g_clear_object (&data->volume);
  g_free (data->phase_name);
  evox_progress_unref (data->progress);
  g_free (data);
}

static gpointer
compute_work (gpointer       task_data,
              GCancellable  *cancellable,
              GError       **error)
{
  ComputeData *data = task_data;

  return evox_labels_compute (data->volume, data->channel, data->phase_name, data->lo, data->hi,
                              data->connectivity, data->min_size, data->progress, cancellable,
                              error);
}

/**
 * evox_labels_compute_async:
 *
 * evox_labels_compute() on a worker thread; the callback runs in the caller's main context
 * and gets %G_IO_ERROR_CANCELLED when @cancellable fires first.
 */
void
evox_labels_compute_async (EvoxVolume          *volume,
                           guint                channel,
                           const char          *phase_name,
                           double               lo,
                           double               hi,
                           EvoxConnectivity     connectivity,
                           guint64              min_size,
                           EvoxProgress        *progress,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  ComputeData *data;

  g_return_if_fail (EVOX_IS_VOLUME (volume));
  g_return_if_fail (channel < evox_volume_get_n_channels (volume));
  g_return_if_fail (evox_connectivity_is_valid (connectivity));

  data = g_new0 (ComputeData, 1);
  data->volume = g_object_ref (volume);
  data->channel = channel;
  data->phase_name = g_strdup (phase_name);
  data->lo = lo;
  data->hi = hi;
  data->connectivity = connectivity;
  data->min_size = min_size;
  data->progress = evox_progress_ref (progress);
  _evox_task_run (evox_labels_compute_async, compute_work, data,
                  (GDestroyNotify) compute_data_free, g_object_unref, cancellable, callback,
                  user_data);
}

EvoxLabels *
evox_labels_compute_finish (GAsyncResult  *result,
                            GError       **error)
{
  return _evox_task_finish (result, evox_labels_compute_async, error);
}

EvoxVolume *
evox_labels_get_volume (EvoxLabels *self)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), NULL);
  return self->volume;
}

guint
evox_labels_get_channel (EvoxLabels *self)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), 0);
  return self->channel;
}

const char *
evox_labels_get_phase_name (EvoxLabels *self)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), NULL);
  return self->phase_name;
}

void
evox_labels_get_range (EvoxLabels *self,
                       double     *lo,
                       double     *hi)
{
  g_return_if_fail (EVOX_IS_LABELS (self));
  if (lo != NULL)
    *lo = self->lo;
  if (hi != NULL)
    *hi = self->hi;
}

EvoxConnectivity
evox_labels_get_connectivity (EvoxLabels *self)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), EVOX_CONNECTIVITY_6);
  return self->connectivity;
}

guint64
evox_labels_get_min_size (EvoxLabels *self)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), 0);
  return self->min_size;
}

guint
evox_labels_get_n_found (EvoxLabels *self)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), 0);
  return self->n_found;
}

guint
evox_labels_get_n_dropped (EvoxLabels *self)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), 0);
  return self->n_dropped;
}

const double *
evox_labels_get_split_h (EvoxLabels *self,
                         guint      *n_splits)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), NULL);
  *n_splits = self->n_splits;
  return self->split_h;
}

void
_evox_labels_set_split_h (EvoxLabels   *self,
                          const double *split_h,
                          guint         n_splits)
{
  g_return_if_fail (EVOX_IS_LABELS (self));
  g_return_if_fail (split_h != NULL || n_splits == 0);
  g_free (self->split_h);
  self->split_h = n_splits > 0 ? g_memdup2 (split_h, n_splits * sizeof (double)) : NULL;
  self->n_splits = n_splits;
}

void
evox_labels_get_dims (EvoxLabels *self,
                      gsize       dims[3])
{
  g_return_if_fail (EVOX_IS_LABELS (self));
  memcpy (dims, self->dims, sizeof self->dims);
}

static inline guint32
label_in_store (EvoxLabels *self,
                gsize       i)
{
  gconstpointer store = g_bytes_get_data (self->store, NULL);
  guint32 v = self->store_bytes == 2 ? ((const guint16 *) store)[i] : ((const guint32 *) store)[i];

  /* Unsigned: ids of other phases and background wrap past n_particles. */
  return v - self->offset - 1 < self->n_particles ? v - self->offset : 0;
}

/* This phase's ids from a shared label volume, 0 elsewhere. */
static guint32 *
labels_from_store (EvoxLabels *self)
{
  gsize n = self->dims[0] * self->dims[1] * self->dims[2];
  guint32 *labels = _evox_alloc_large (MAX (n, 1) * sizeof (guint32));

  if (labels == NULL)
    return NULL;
#pragma omp parallel for schedule(static)
  for (gsize i = 0; i < n; i++)
    labels[i] = label_in_store (self, i);
  return labels;
}

/**
 * evox_labels_get_data:
 *
 * The label volume: 0 for background, particle ids 1..n. Labels from
 * evox_labels_compute_phases() make it on the first call (a label volume more of memory);
 * prefer evox_labels_get_label() or evox_labels_get_shared_data() there.
 *
 * Returns: (nullable): NULL only when that label volume does not fit in memory.
 */
const guint32 *
evox_labels_get_data (EvoxLabels *self)
{
  const guint32 *labels;

  g_return_val_if_fail (EVOX_IS_LABELS (self), NULL);
  if (self->store == NULL)
    return self->labels;
  g_mutex_lock (&self->lock);
  if (self->labels == NULL)
    self->labels = labels_from_store (self);
  labels = self->labels;
  g_mutex_unlock (&self->lock);
  return labels;
}

/**
 * evox_labels_get_shared_data:
 * @offset: (out) (optional): what this phase's ids are moved up by in it
 * @bytes: (out) (optional): the size of an id there, 2 (u16) or 4 (u32)
 *
 * The label volume shared with the other phases of evox_labels_compute_phases(), where this
 * phase's particle i is offset + i.
 *
 * Returns: (nullable): NULL (offset and bytes 0) for labels with a label volume of their own.
 */
gconstpointer
evox_labels_get_shared_data (EvoxLabels *self,
                             guint32    *offset,
                             guint      *bytes)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), NULL);
  if (offset != NULL)
    *offset = self->store != NULL ? self->offset : 0;
  if (bytes != NULL)
    *bytes = self->store != NULL ? self->store_bytes : 0;
  return self->store != NULL ? g_bytes_get_data (self->store, NULL) : NULL;
}

guint32
evox_labels_get_label (EvoxLabels *self,
                       gsize       x,
                       gsize       y,
                       gsize       z)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), 0);
  g_return_val_if_fail (x < self->dims[0] && y < self->dims[1] && z < self->dims[2], 0);
  if (self->store != NULL)
    return label_in_store (self, (z * self->dims[1] + y) * self->dims[0] + x);
  return self->labels[(z * self->dims[1] + y) * self->dims[0] + x];
}

guint
evox_labels_get_n_particles (EvoxLabels *self)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), 0);
  return self->n_particles;
}

const EvoxParticle *
evox_labels_get_particle (EvoxLabels *self,
                          guint32     id)
{
  g_return_val_if_fail (EVOX_IS_LABELS (self), NULL);
  if (id == 0 || id > self->n_particles)
    return NULL;
  return &self->particles[id - 1];
}

double
evox_labels_get_number_density (EvoxLabels *self)
{
  double spacing[3];
  double um3;

  g_return_val_if_fail (EVOX_IS_LABELS (self), 0.0);
  evox_volume_get_spacing (self->volume, spacing);
  um3 = (self->dims[0] * spacing[0]) * (self->dims[1] * spacing[1]) *
        (self->dims[2] * spacing[2]) * 1e-9;
  return um3 > 0.0 ? self->n_particles / um3 : 0.0;
}

/* Colouring by property */

const char *
evox_particle_color_get_title (EvoxParticleColor by)
{
  switch (by)
    {
    case EVOX_PARTICLE_COLOR_NONE: return "None";
    case EVOX_PARTICLE_COLOR_ID: return "Particle";
    case EVOX_PARTICLE_COLOR_VOXELS: return "Size";
    case EVOX_PARTICLE_COLOR_DIAMETER: return "Equivalent diameter";
    case EVOX_PARTICLE_COLOR_SPHERICITY: return "Sphericity";
    case EVOX_PARTICLE_COLOR_MEAN: return "Mean value";
    case EVOX_PARTICLE_COLOR_BORDER: return "Touches border";
    case EVOX_N_PARTICLE_COLORS:
    default:
      g_return_val_if_reached ("");
    }
}

const char *
evox_particle_color_get_unit (EvoxParticleColor by)
{
  switch (by)
    {
    case EVOX_PARTICLE_COLOR_VOXELS: return "voxels";
    case EVOX_PARTICLE_COLOR_DIAMETER: return "nm";
    default: return "";
    }
}

double
evox_particle_color_value (const EvoxParticle *p,
                           EvoxParticleColor   by)
{
  g_return_val_if_fail (p != NULL, NAN);

  switch (by)
    {
    case EVOX_PARTICLE_COLOR_VOXELS: return (double) p->voxels;
    case EVOX_PARTICLE_COLOR_DIAMETER: return p->diameter_nm;
    case EVOX_PARTICLE_COLOR_SPHERICITY: return p->sphericity;
    case EVOX_PARTICLE_COLOR_MEAN: return p->mean;
    case EVOX_PARTICLE_COLOR_BORDER: return p->touches_border ? 1.0 : 0.0;
    default: return NAN;
    }
}

gboolean
evox_particle_color_is_log (EvoxParticleColor by)
{
  return by == EVOX_PARTICLE_COLOR_VOXELS;
}

gboolean
evox_labels_get_color_range (EvoxLabels        *self,
                             EvoxParticleColor  by,
                             double            *lo,
                             double            *hi)
{
  double a = INFINITY, b = -INFINITY;

  g_return_val_if_fail (EVOX_IS_LABELS (self), FALSE);

  for (guint i = 0; i < self->n_particles; i++)
    {
      double v = evox_particle_color_value (&self->particles[i], by);

      if (isfinite (v))
        {
          a = MIN (a, v);
          b = MAX (b, v);
        }
    }
  if (lo != NULL)
    *lo = a;
  if (hi != NULL)
    *hi = b;
  return a <= b;
}

/* Hues a golden angle apart, so neighbouring ids (often touching particles, as the pieces of a
 * split) differ strongly. */
static void
id_color (guint32 id,
          guint8  rgba[4])
{
  double h = fmod (id * 0.618033988749895, 1.0) * 6.0;
  double s = 0.65, v = 0.95;
  double f = h - floor (h);
  double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double rgb[3];

  switch ((int) floor (h) % 6)
    {
    case 0: rgb[0] = v; rgb[1] = t; rgb[2] = p; break;
    case 1: rgb[0] = q; rgb[1] = v; rgb[2] = p; break;
    case 2: rgb[0] = p; rgb[1] = v; rgb[2] = t; break;
    case 3: rgb[0] = p; rgb[1] = q; rgb[2] = v; break;
    case 4: rgb[0] = t; rgb[1] = p; rgb[2] = v; break;
    default: rgb[0] = v; rgb[1] = p; rgb[2] = q; break;
    }
  for (guint i = 0; i < 3; i++)
    rgba[i] = (guint8) lround (rgb[i] * 255.0);
  rgba[3] = 255;
}

guint8 *
evox_labels_dup_colors (EvoxLabels        *self,
                        EvoxParticleColor  by,
                        const char        *colormap,
                        gsize             *n_entries)
{
  guint8 *rgba;
  double lo = 0, hi = 0;

  g_return_val_if_fail (EVOX_IS_LABELS (self), NULL);
  g_return_val_if_fail (by < EVOX_N_PARTICLE_COLORS, NULL);
  g_return_val_if_fail (by == EVOX_PARTICLE_COLOR_ID || evox_colormap_exists (colormap), NULL);

  if (n_entries != NULL)
    *n_entries = 0;
  if (by == EVOX_PARTICLE_COLOR_NONE)
    return NULL;
  rgba = g_new0 (guint8, ((gsize) self->n_particles + 1) * 4);
  if (by != EVOX_PARTICLE_COLOR_ID)
    evox_labels_get_color_range (self, by, &lo, &hi);
  for (guint32 id = 1; id <= self->n_particles; id++)
    {
      guint8 *entry = rgba + (gsize) id * 4;
      double v, t;

      if (by == EVOX_PARTICLE_COLOR_ID)
        {
          id_color (id, entry);
          continue;
        }
      v = evox_particle_color_value (&self->particles[id - 1], by);
      if (!isfinite (v))
        continue;
      if (evox_particle_color_is_log (by))
        t = hi > lo ? log (v / lo) / log (hi / lo) : 0.5;
      else
        t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      evox_colormap_sample (colormap, t, entry);
      entry[3] = 255;
    }
  if (n_entries != NULL)
    *n_entries = (gsize) self->n_particles + 1;
  return rgba;
}

/* evox-tortuosity-mg.c: the multigrid preconditioner of the diffusion solve (aggregates of 2 x 2 x 2 voxels). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"
#include "evox-tortuosity-private.h"

#include <math.h>
#include <string.h>
#include "evox-types.h"

/* Unsmoothed aggregation on the grid: each coarse cell is a 2 x 2 x 2 block of the level below,
 * the prolongation P copies a cell's value to its block and the coarse matrix is P^T A P. On a
 * graph Laplacian that is again one: the conductance between two blocks is the sum over the
 * faces between them, and a block's diagonal is the sum of its cells' diagonals less twice its
 * inner faces. So every coarse level is a structured grid with a conductance per face, which
 * keeps the V-cycle matrix-free and its passes streaming.
 *
 * Piecewise-constant transfer makes the coarse matrix of a cell-centred Laplacian about twice
 * too stiff (a block's faces are 4 fine faces over twice the distance), so the coarse correction
 * is scaled by CORRECTION (the usual remedy; a constant keeps the V-cycle symmetric). The
 * smoother is one red-black Gauss-Seidel sweep before (red, black) and after (black, red), so the
 * V-cycle is a symmetric positive definite operator and fits the conjugate gradient. */

#define NONE EVOX_TORTUOSITY_NONE
#define PARALLEL_MIN EVOX_TORTUOSITY_PARALLEL_MIN
#define CORRECTION 1.5
#define COARSEST_CELLS 1024
#define CYCLE_GAMMA 2

typedef EvoxTortuositySystem System;

struct _EvoxMgLevel
{
  gsize    dims[3];
  gsize    n;
  float   *w[3];       /* conductance between a cell and its +1 neighbour along each axis */
  double  *diag;       /* 0 where the block holds no unknown */
  double  *z;
  double  *r;
  double  *acc;        /* the first coarse solution while the second runs (W-cycle) */
  /* The coarsest level: the Cholesky factor of its matrix on the cells that hold unknowns. */
  gsize    n_dense;
  gsize   *dense_cell;
  double  *chol;
  double  *work;
};

static gboolean
level_alloc (EvoxMgLevel  *level,
             const gsize   fine_dims[3],
             GError      **error)
{
  for (int d = 0; d < 3; d++)
    level->dims[d] = (fine_dims[d] + 1) / 2;
  level->n = level->dims[0] * level->dims[1] * level->dims[2];
  if (!evox_check_allocation (level->n, 3 * sizeof (float) + 4 * sizeof (double),
                              "The multigrid levels", error))
    return FALSE;
  for (int d = 0; d < 3; d++)
    level->w[d] = _evox_alloc_large (level->n * sizeof (float));
  level->diag = _evox_alloc_large (level->n * sizeof (double));
  level->z = _evox_alloc_large (level->n * sizeof (double));
  level->r = _evox_alloc_large (level->n * sizeof (double));
  level->acc = _evox_alloc_large (level->n * sizeof (double));
  if (level->w[0] == NULL || level->w[1] == NULL || level->w[2] == NULL ||
      level->diag == NULL || level->z == NULL || level->r == NULL || level->acc == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The multigrid levels (%" G_GSIZE_FORMAT " cells) do not fit in memory",
                   level->n);
      return FALSE;
    }
  return TRUE;
}

static void
level_clear (EvoxMgLevel *level)
{
  for (int d = 0; d < 3; d++)
    _evox_free_large (level->w[d]);
  _evox_free_large (level->diag);
  _evox_free_large (level->z);
  _evox_free_large (level->r);
  _evox_free_large (level->acc);
  g_free (level->dense_cell);
  g_free (level->chol);
  g_free (level->work);
}

/* Level 1 from the voxels: Galerkin P^T A P with the conductances between unknowns. Each
 * coarse row is written by one thread only, from the (up to) four fine rows of its blocks. */
static void
build_from_fine (const System *s,
                 EvoxMgLevel  *c)
{
  const gsize nx = s->dims[0], ny = s->dims[1], nz = s->dims[2];
  const gsize plane = nx * ny;
  const gsize cx = c->dims[0], cy = c->dims[1], cz = c->dims[2];
  const gsize n_rows = cy * cz;

#pragma omp parallel for schedule(static) if (n_rows * cx >= PARALLEL_MIN / 8)
  for (gsize crow = 0; crow < n_rows; crow++)
    {
      const gsize Y = crow % cy, Z = crow / cy;
      const gsize base = crow * cx;

      for (gsize dz = 0; dz < 2; dz++)
        for (gsize dy = 0; dy < 2; dy++)
          {
            const gsize y = 2 * Y + dy, z = 2 * Z + dz;
            const guint32 *id;

            if (y >= ny || z >= nz)
              continue;
            id = s->idx + (z * ny + y) * nx;
            for (gsize x = 0; x < nx; x++)
              {
                guint32 i = id[x], j;
                gsize I = base + x / 2;

                if (i == NONE)
                  continue;
                c->diag[I] += _evox_tortuosity_diag (s, i);
                if (x + 1 < nx && (j = id[x + 1]) != NONE)
                  {
                    if (x & 1)
                      c->w[0][I] += (float) _evox_tortuosity_face (s, 0, i, j);
                    else
                      c->diag[I] -= 2.0 * _evox_tortuosity_face (s, 0, i, j);
                  }
                if (y + 1 < ny && (j = id[x + nx]) != NONE)
                  {
                    if (dy == 1)
                      c->w[1][I] += (float) _evox_tortuosity_face (s, 1, i, j);
                    else
                      c->diag[I] -= 2.0 * _evox_tortuosity_face (s, 1, i, j);
                  }
                if (z + 1 < nz && (j = id[x + plane]) != NONE)
                  {
                    if (dz == 1)
                      c->w[2][I] += (float) _evox_tortuosity_face (s, 2, i, j);
                    else
                      c->diag[I] -= 2.0 * _evox_tortuosity_face (s, 2, i, j);
                  }
              }
          }
    }
}

/* Level k + 1 from level k, the same with the conductances of level k. */
static void
build_from_level (const EvoxMgLevel *f,
                  EvoxMgLevel       *c)
{
  const gsize nx = f->dims[0], ny = f->dims[1], nz = f->dims[2];
  const gsize plane = nx * ny;
  const gsize cx = c->dims[0], cy = c->dims[1], cz = c->dims[2];
  const gsize n_rows = cy * cz;

#pragma omp parallel for schedule(static) if (n_rows * cx >= PARALLEL_MIN / 8)
  for (gsize crow = 0; crow < n_rows; crow++)
    {
      const gsize Y = crow % cy, Z = crow / cy;
      const gsize base = crow * cx;

      for (gsize dz = 0; dz < 2; dz++)
        for (gsize dy = 0; dy < 2; dy++)
          {
            const gsize y = 2 * Y + dy, z = 2 * Z + dz;
            gsize row;

            if (y >= ny || z >= nz)
              continue;
            row = (z * ny + y) * nx;
            for (gsize x = 0; x < nx; x++)
              {
                gsize g = row + x, I = base + x / 2;

                if (f->diag[g] == 0.0)
                  continue;
                c->diag[I] += f->diag[g];
                if (x & 1)
                  c->w[0][I] += f->w[0][g];
                else
                  c->diag[I] -= 2.0 * f->w[0][g];
                if (dy == 1)
                  c->w[1][I] += f->w[1][g];
                else
                  c->diag[I] -= 2.0 * f->w[1][g];
                if (dz == 1)
                  c->w[2][I] += f->w[2][g];
                else
                  c->diag[I] -= 2.0 * f->w[2][g];
              }
          }
    }
  (void) plane;
}

/* The dense Cholesky factor of the coarsest level's matrix on its cells with unknowns. */
static gboolean
factor_coarsest (EvoxMgLevel  *c,
                 GError      **error)
{
  const gsize nx = c->dims[0], ny = c->dims[1];
  const gsize plane = nx * ny;
  g_autofree gsize *dense = g_new (gsize, c->n);
  gsize m = 0;
  double *a;

  for (gsize g = 0; g < c->n; g++)
    dense[g] = c->diag[g] > 0.0 ? m++ : G_MAXSIZE;
  c->n_dense = m;
  c->dense_cell = g_new (gsize, MAX (m, 1));
  c->work = g_new (double, MAX (m, 1));
  a = c->chol = g_new0 (double, MAX (m * m, 1));
  for (gsize g = 0; g < c->n; g++)
    {
      gsize i = dense[g];
      const gsize x = g % nx, y = g / nx % ny;

      if (i == G_MAXSIZE)
        continue;
      c->dense_cell[i] = g;
      a[i * m + i] = c->diag[g];
      /* Lower triangle only: the -x, -y and -z neighbours. */
      if (x > 0 && dense[g - 1] != G_MAXSIZE)
        a[i * m + dense[g - 1]] = -c->w[0][g - 1];
      if (y > 0 && dense[g - nx] != G_MAXSIZE)
        a[i * m + dense[g - nx]] = -c->w[1][g - nx];
      if (g >= plane && dense[g - plane] != G_MAXSIZE)
        a[i * m + dense[g - plane]] = -c->w[2][g - plane];
    }
  for (gsize j = 0; j < m; j++)
    {
      double d = a[j * m + j];

      for (gsize k = 0; k < j; k++)
        d -= a[j * m + k] * a[j * m + k];
      if (!(d > 0.0))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                       "The coarsest multigrid level is singular (pivot %g)", d);
          return FALSE;
        }
      a[j * m + j] = sqrt (d);
      for (gsize i = j + 1; i < m; i++)
        {
          double t = a[i * m + j];

          for (gsize k = 0; k < j; k++)
            t -= a[i * m + k] * a[j * m + k];
          a[i * m + j] = t / a[j * m + j];
        }
    }
  return TRUE;
}

gboolean
_evox_tortuosity_mg_build (System  *s,
                           GError **error)
{
  GArray *levels = g_array_new (FALSE, TRUE, sizeof (EvoxMgLevel));
  const gsize *below = s->dims;
  gsize cells = s->dims[0] * s->dims[1] * s->dims[2];
  gboolean ok = TRUE;

  /* At least one coarse level, then halve until the level is small enough to factorise. */
  do
    {
      EvoxMgLevel level = { 0 };

      ok = level_alloc (&level, below, error);
      g_array_append_val (levels, level);
      if (!ok)
        break;
      if (levels->len == 1)
        build_from_fine (s, &g_array_index (levels, EvoxMgLevel, 0));
      else
        build_from_level (&g_array_index (levels, EvoxMgLevel, levels->len - 2),
                          &g_array_index (levels, EvoxMgLevel, levels->len - 1));
      below = g_array_index (levels, EvoxMgLevel, levels->len - 1).dims;
      cells = g_array_index (levels, EvoxMgLevel, levels->len - 1).n;
    }
  while (cells > COARSEST_CELLS && (below[0] > 1 || below[1] > 1 || below[2] > 1));

  s->n_levels = levels->len;
  s->levels = (EvoxMgLevel *) (gpointer) g_array_free (levels, FALSE);
  if (ok)
    ok = factor_coarsest (&s->levels[s->n_levels - 1], error);
  return ok;
}

void
_evox_tortuosity_mg_clear (System *s)
{
  for (guint k = 0; k < s->n_levels; k++)
    level_clear (&s->levels[k]);
  g_clear_pointer (&s->levels, g_free);
  s->n_levels = 0;
}

/* One colour of a Gauss-Seidel sweep on the voxels: cells of one colour have no neighbour of
 * the same colour, so the threads share rows freely. */
static void
fine_smooth (const System *s,
             const double *r,
             double       *z,
             guint         colour)
{
  const gsize nx = s->dims[0], ny = s->dims[1], nz = s->dims[2];
  const gsize plane = nx * ny;
  const gsize n_rows = ny * nz;

#pragma omp parallel for schedule(static) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      const gsize y = row % ny, z_ = row / ny;
      const guint32 *id = s->idx + row * nx;
      const guint32 *ym = y > 0 ? id - nx : NULL;
      const guint32 *yp = y + 1 < ny ? id + nx : NULL;
      const guint32 *zm = z_ > 0 ? id - plane : NULL;
      const guint32 *zp = z_ + 1 < nz ? id + plane : NULL;

      for (gsize x = (colour + y + z_) & 1; x < nx; x += 2)
        {
          guint32 i = id[x], j;
          double sum;

          if (i == NONE)
            continue;
          sum = r[i];
          if (x > 0 && (j = id[x - 1]) != NONE)
            sum += _evox_tortuosity_face (s, 0, i, j) * z[j];
          if (x + 1 < nx && (j = id[x + 1]) != NONE)
            sum += _evox_tortuosity_face (s, 0, i, j) * z[j];
          if (ym != NULL && (j = ym[x]) != NONE)
            sum += _evox_tortuosity_face (s, 1, i, j) * z[j];
          if (yp != NULL && (j = yp[x]) != NONE)
            sum += _evox_tortuosity_face (s, 1, i, j) * z[j];
          if (zm != NULL && (j = zm[x]) != NONE)
            sum += _evox_tortuosity_face (s, 2, i, j) * z[j];
          if (zp != NULL && (j = zp[x]) != NONE)
            sum += _evox_tortuosity_face (s, 2, i, j) * z[j];
          z[i] = sum / _evox_tortuosity_diag (s, i);
        }
    }
}

/* c->r = P^T (r - A z) on the voxels, by coarse rows. */
static void
fine_restrict (const System *s,
               const double *r,
               const double *z,
               EvoxMgLevel  *c)
{
  const gsize nx = s->dims[0], ny = s->dims[1], nz = s->dims[2];
  const gsize plane = nx * ny;
  const gsize cx = c->dims[0], cy = c->dims[1], cz = c->dims[2];
  const gsize n_rows = cy * cz;

#pragma omp parallel for schedule(static) if (n_rows * cx >= PARALLEL_MIN / 8)
  for (gsize crow = 0; crow < n_rows; crow++)
    {
      const gsize Y = crow % cy, Z = crow / cy;
      double *rc = c->r + crow * cx;

      memset (rc, 0, cx * sizeof (double));
      for (gsize dz = 0; dz < 2; dz++)
        for (gsize dy = 0; dy < 2; dy++)
          {
            const gsize y = 2 * Y + dy, z_ = 2 * Z + dz;
            const guint32 *id;

            if (y >= ny || z_ >= nz)
              continue;
            id = s->idx + (z_ * ny + y) * nx;
            for (gsize x = 0; x < nx; x++)
              {
                guint32 i = id[x], j;
                double t;

                if (i == NONE)
                  continue;
                t = r[i] - _evox_tortuosity_diag (s, i) * z[i];
                if (x > 0 && (j = id[x - 1]) != NONE)
                  t += _evox_tortuosity_face (s, 0, i, j) * z[j];
                if (x + 1 < nx && (j = id[x + 1]) != NONE)
                  t += _evox_tortuosity_face (s, 0, i, j) * z[j];
                if (y > 0 && (j = id[(gssize) x - (gssize) nx]) != NONE)
                  t += _evox_tortuosity_face (s, 1, i, j) * z[j];
                if (y + 1 < ny && (j = id[x + nx]) != NONE)
                  t += _evox_tortuosity_face (s, 1, i, j) * z[j];
                if (z_ > 0 && (j = id[(gssize) x - (gssize) plane]) != NONE)
                  t += _evox_tortuosity_face (s, 2, i, j) * z[j];
                if (z_ + 1 < nz && (j = id[x + plane]) != NONE)
                  t += _evox_tortuosity_face (s, 2, i, j) * z[j];
                rc[x / 2] += t;
              }
          }
    }
}

/* z += CORRECTION P zc on the voxels. */
static void
fine_prolong (const System      *s,
              const EvoxMgLevel *c,
              double            *z)
{
  const gsize nx = s->dims[0], ny = s->dims[1], nz = s->dims[2];
  const gsize n_rows = ny * nz;
  const gsize cx = c->dims[0], cy = c->dims[1];

#pragma omp parallel for schedule(static) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      const gsize y = row % ny, z_ = row / ny;
      const guint32 *id = s->idx + row * nx;
      const double *zc = c->z + (z_ / 2 * cy + y / 2) * cx;

      for (gsize x = 0; x < nx; x++)
        if (id[x] != NONE)
          z[id[x]] += CORRECTION * zc[x / 2];
    }
}

/* acc plus the off-diagonal part of row g of a level's operator applied to z: w z over the (up
 * to six) face neighbours of (x, y, z_), added to acc one by one in this order so that the
 * smoother, the residual and the restriction round exactly as they did when each spelled it out. */
static inline double
level_add_neighbours (const EvoxMgLevel *l,
                      gsize              g,
                      gsize              x,
                      gsize              y,
                      gsize              z_,
                      double             acc)
{
  const gsize nx = l->dims[0], ny = l->dims[1], nz = l->dims[2];
  const gsize plane = nx * ny;
  double sum = acc;

  if (x > 0)
    sum += l->w[0][g - 1] * l->z[g - 1];
  if (x + 1 < nx)
    sum += l->w[0][g] * l->z[g + 1];
  if (y > 0)
    sum += l->w[1][g - nx] * l->z[g - nx];
  if (y + 1 < ny)
    sum += l->w[1][g] * l->z[g + nx];
  if (z_ > 0)
    sum += l->w[2][g - plane] * l->z[g - plane];
  if (z_ + 1 < nz)
    sum += l->w[2][g] * l->z[g + plane];
  return sum;
}

static void
level_smooth (EvoxMgLevel *l,
              guint        colour)
{
  const gsize nx = l->dims[0], ny = l->dims[1], nz = l->dims[2];
  const gsize n_rows = ny * nz;

#pragma omp parallel for schedule(static) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      const gsize y = row % ny, z_ = row / ny;
      const gsize base = row * nx;

      for (gsize x = (colour + y + z_) & 1; x < nx; x += 2)
        {
          gsize g = base + x;
          double sum;

          if (l->diag[g] == 0.0)
            continue;
          sum = level_add_neighbours (l, g, x, y, z_, l->r[g]);
          l->z[g] = sum / l->diag[g];
        }
    }
}

static void
level_restrict (const EvoxMgLevel *f,
                EvoxMgLevel       *c)
{
  const gsize nx = f->dims[0], ny = f->dims[1], nz = f->dims[2];
  const gsize cx = c->dims[0], cy = c->dims[1], cz = c->dims[2];
  const gsize n_rows = cy * cz;

#pragma omp parallel for schedule(static) if (n_rows * cx >= PARALLEL_MIN / 8)
  for (gsize crow = 0; crow < n_rows; crow++)
    {
      const gsize Y = crow % cy, Z = crow / cy;
      double *rc = c->r + crow * cx;

      memset (rc, 0, cx * sizeof (double));
      for (gsize dz = 0; dz < 2; dz++)
        for (gsize dy = 0; dy < 2; dy++)
          {
            const gsize y = 2 * Y + dy, z_ = 2 * Z + dz;
            gsize row;

            if (y >= ny || z_ >= nz)
              continue;
            row = (z_ * ny + y) * nx;
            for (gsize x = 0; x < nx; x++)
              {
                gsize g = row + x;
                double t;

                if (f->diag[g] == 0.0)
                  continue;
                t = level_add_neighbours (f, g, x, y, z_, f->r[g] - f->diag[g] * f->z[g]);
                rc[x / 2] += t;
              }
          }
    }
}

static void
level_prolong (EvoxMgLevel       *f,
               const EvoxMgLevel *c)
{
  const gsize nx = f->dims[0], ny = f->dims[1], nz = f->dims[2];
  const gsize n_rows = ny * nz;
  const gsize cx = c->dims[0], cy = c->dims[1];

#pragma omp parallel for schedule(static) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      const gsize y = row % ny, z_ = row / ny;
      const gsize base = row * nx;
      const double *zc = c->z + (z_ / 2 * cy + y / 2) * cx;

      for (gsize x = 0; x < nx; x++)
        if (f->diag[base + x] != 0.0)
          f->z[base + x] += CORRECTION * zc[x / 2];
    }
}

static void
coarsest_solve (EvoxMgLevel *c)
{
  const gsize m = c->n_dense;
  const double *a = c->chol;
  double *v = c->work;

  for (gsize i = 0; i < m; i++)
    {
      double t = c->r[c->dense_cell[i]];

      for (gsize k = 0; k < i; k++)
        t -= a[i * m + k] * v[k];
      v[i] = t / a[i * m + i];
    }
  for (gsize i = m; i-- > 0;)
    {
      double t = v[i];

      for (gsize k = i + 1; k < m; k++)
        t -= a[k * m + i] * v[k];
      v[i] = t / a[i * m + i];
    }
  memset (c->z, 0, c->n * sizeof (double));
  for (gsize i = 0; i < m; i++)
    c->z[c->dense_cell[i]] = v[i];
}

/* r -= A z on a level, in place. */
static void
level_residual (EvoxMgLevel *l)
{
  const gsize nx = l->dims[0], ny = l->dims[1], nz = l->dims[2];
  const gsize n_rows = ny * nz;

#pragma omp parallel for schedule(static) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      const gsize y = row % ny, z_ = row / ny;
      const gsize base = row * nx;

      for (gsize x = 0; x < nx; x++)
        {
          gsize g = base + x;
          double t;

          if (l->diag[g] == 0.0)
            continue;
          t = level_add_neighbours (l, g, x, y, z_, l->r[g] - l->diag[g] * l->z[g]);
          l->r[g] = t;
        }
    }
}

static void vcycle (System *s,
                    guint   k);

/* The coarse correction of level k: level k + 1 solved twice below level 1 (a W-cycle there,
 * z = B r + B (r - A B r), still symmetric), where the levels are small and aggregation's coarse
 * levels need the help. */
static void
coarse_correction (System *s,
                   guint   k)
{
  EvoxMgLevel *c = &s->levels[k];

  vcycle (s, k + 1);
  if (CYCLE_GAMMA < 2 || k == 0 || k + 1 == s->n_levels)
    return;
  memcpy (c->acc, c->z, c->n * sizeof (double));
  level_residual (c);
  vcycle (s, k + 1);
#pragma omp parallel for schedule(static) if (c->n >= PARALLEL_MIN)
  for (gsize g = 0; g < c->n; g++)
    c->z[g] += c->acc[g];
}

/* A z = r on level k (1-based) from z = 0, by one V-cycle. */
static void
vcycle (System *s,
        guint   k)
{
  EvoxMgLevel *l = &s->levels[k - 1];

  if (k == s->n_levels)
    {
      coarsest_solve (l);
      return;
    }
  memset (l->z, 0, l->n * sizeof (double));
  level_smooth (l, 0);
  level_smooth (l, 1);
  level_restrict (l, &s->levels[k]);
  coarse_correction (s, k);
  level_prolong (l, &s->levels[k]);
  level_smooth (l, 1);
  level_smooth (l, 0);
}

void
_evox_tortuosity_mg_apply (System       *s,
                           const double *r,
                           double       *z)
{
  memset (z, 0, s->n * sizeof (double));
  fine_smooth (s, r, z, 0);
  fine_smooth (s, r, z, 1);
  fine_restrict (s, r, z, &s->levels[0]);
  vcycle (s, 1);
  fine_prolong (s, &s->levels[0], z);
  fine_smooth (s, r, z, 1);
  fine_smooth (s, r, z, 0);
}

/* evox-tortuosity.c: tortuosity factor of a phase by steady-state diffusion (TauFactor's definition). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"
#include "evox-tortuosity.h"

#include <math.h>
#include <omp.h>
#include <string.h>
#include "evox-labels.h"
#include "evox-tortuosity-private.h"

/* The discretisation is TauFactor's Solver (Cooper et al. 2016, SoftwareX 5, 203; the taufactor
 * Python package): one unknown concentration per voxel centre, conductance 1 across a face
 * shared by two phase voxels and 2 between a boundary voxel's centre and the fixed
 * concentration on the volume's face half a voxel away. Row i of the system A c = b reads
 *
 *   (n_i + 2 [on the inlet face] + 2 [on the outlet face]) c_i - sum of the neighbours' c = b_i
 *
 * with n_i the voxel's phase neighbours and b_i = 2 on the inlet face (concentration 1), 0
 * elsewhere (the outlet is at 0). A is symmetric and positive definite on every part of the phase
 * that touches a face; parts that touch only one face settle at that face's concentration and
 * parts that touch none carry nothing, so only the parts joined to both faces are unknowns.
 * TauFactor iterates every phase voxel instead, which reaches the same fluxes.
 *
 * A second phase of relative diffusivity D2 (TauFactor's MultiPhaseSolver) makes the face
 * between voxels i and j conduct the harmonic mean 2 D_i D_j / (D_i + D_j) (two half voxels in
 * series) and the fixed faces 2 D_i; the unknowns are the parts of the union joined to both
 * faces. TauFactor's MultiPhaseSolver holds the fixed concentrations one whole voxel outside the
 * volume instead (conductance D_i, length L + 1); Evox keeps the half voxel of its one-phase
 * solver, so that D2 = 1 is exactly the one-phase solve of the union and layers in series give
 * exactly the series resistance.
 *
 * Anisotropic voxels (h_x, h_y, h_z) make a face normal to axis d conduct D h_x h_y h_z / h_d^2
 * (its area over the distance between the centres) and a fixed face 2 D h_x h_y h_z / h_a^2
 * (half a voxel along the flow axis a). The system is divided by h_x h_y h_z / h_a^2, so the
 * faces normal to the flow and the fixed faces conduct as with cubes and the others (h_a /
 * h_d)^2 (TauFactor's AnisotropicSolver); D_eff / D = F L / (A dC) keeps its voxel counts because
 * the spacing cancels from F h_b h_c / h_a x n_a h_a / (n_b h_b n_c h_c). Cubes of any size take
 * the one-phase path with integer diagonals, so their results do not move by a bit. */

#define NONE EVOX_TORTUOSITY_NONE
#define PARALLEL_MIN EVOX_TORTUOSITY_PARALLEL_MIN

typedef EvoxTortuositySystem System;

struct _EvoxTortuosity
{
  GObject       parent_instance;

  EvoxFlowAxis  axis;
  double        tolerance;
  gboolean      percolating;
  char         *reason;
  double        porosity;
  double        second_fraction;
  double        second_diffusivity;
  double        connected_fraction;
  double        d_rel;
  double        tau;
  double        flux_in;
  double        flux_out;
  guint64       n_unknowns;
  gboolean      has_spacing;
  double        spacing[3];
  GArray       *history;
  EvoxVolume   *concentration;
  EvoxVolume   *flux;
};

G_DEFINE_FINAL_TYPE (EvoxTortuosity, evox_tortuosity, G_TYPE_OBJECT)

static const char * const axis_names[] = { "x", "y", "z" };

const char *
evox_flow_axis_to_string (EvoxFlowAxis axis)
{
  g_return_val_if_fail (axis <= EVOX_FLOW_AXIS_Z, NULL);
  return axis_names[axis];
}

gboolean
evox_flow_axis_from_string (const char   *text,
                            EvoxFlowAxis *axis)
{
  int index = text != NULL ? _evox_name_index (axis_names, G_N_ELEMENTS (axis_names), text) : -1;

  if (index < 0)
    return FALSE;
  if (axis != NULL)
    *axis = (EvoxFlowAxis) index;
  return TRUE;
}

void
evox_tortuosity_params_init (EvoxTortuosityParams *params)
{
  g_return_if_fail (params != NULL);
  memset (params, 0, sizeof *params);
  params->axis = EVOX_FLOW_AXIS_X;
  params->tolerance = EVOX_TORTUOSITY_DEFAULT_TOLERANCE;
}

static void
evox_tortuosity_finalize (GObject *object)
{
  EvoxTortuosity *self = EVOX_TORTUOSITY (object);

  g_free (self->reason);
  g_clear_pointer (&self->history, g_array_unref);
  g_clear_object (&self->concentration);
  g_clear_object (&self->flux);
  G_OBJECT_CLASS (evox_tortuosity_parent_class)->finalize (object);
}

static void
evox_tortuosity_class_init (EvoxTortuosityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_tortuosity_finalize;
}

static void
evox_tortuosity_init (EvoxTortuosity *self)
{
  self->history = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
system_clear (System *s)
{
  _evox_free_large (s->idx);
  _evox_free_large (s->diag);
  _evox_free_large (s->cls);
  _evox_free_large (s->wdiag);
  _evox_free_large (s->x);
  _evox_free_large (s->r);
  _evox_free_large (s->p);
  _evox_free_large (s->q);
  _evox_free_large (s->z);
  _evox_tortuosity_mg_clear (s);
  memset (s, 0, sizeof *s);
}

static inline gsize
coord_along (const System *s,
             gsize         x,
             gsize         y,
             gsize         z)
{
  return s->axis == 0 ? x : s->axis == 1 ? y : z;
}

/* The conductance 2 D between unknown i and a fixed face half a voxel away. */
static inline double
system_fixed (const System *s,
              guint32       i)
{
  return s->cls == NULL ? 2.0 : s->fixed[s->cls[i]];
}

/* 1 / the diagonal of row i, from the table of reciprocals of small integers with one phase. */
static inline double
system_jacobi (const System *s,
               const double *inv,
               gsize         i)
{
  return s->cls == NULL ? inv[s->diag[i]] : 1.0 / s->wdiag[i];
}

/* out = A v over the unknowns; returns v . A v. Rows of the grid are shared among the threads. */
static double
system_apply (const System *s,
              const double *v,
              double       *out)
{
  const gsize nx = s->dims[0], ny = s->dims[1], nz = s->dims[2];
  const gsize plane = nx * ny;
  const gsize n_rows = ny * nz;
  double dot = 0.0;

#pragma omp parallel for schedule(static) reduction(+:dot) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      const gsize y = row % ny, z = row / ny;
      const guint32 *id = s->idx + row * nx;
      const guint32 *ym = y > 0 ? id - nx : NULL;
      const guint32 *yp = y + 1 < ny ? id + nx : NULL;
      const guint32 *zm = z > 0 ? id - plane : NULL;
      const guint32 *zp = z + 1 < nz ? id + plane : NULL;

      for (gsize x = 0; x < nx; x++)
        {
          guint32 i = id[x], j;
          double sum = 0.0, a;

          if (i == NONE)
            continue;
          if (x > 0 && (j = id[x - 1]) != NONE)
            sum += _evox_tortuosity_face (s, 0, i, j) * v[j];
          if (x + 1 < nx && (j = id[x + 1]) != NONE)
            sum += _evox_tortuosity_face (s, 0, i, j) * v[j];
          if (ym != NULL && (j = ym[x]) != NONE)
            sum += _evox_tortuosity_face (s, 1, i, j) * v[j];
          if (yp != NULL && (j = yp[x]) != NONE)
            sum += _evox_tortuosity_face (s, 1, i, j) * v[j];
          if (zm != NULL && (j = zm[x]) != NONE)
            sum += _evox_tortuosity_face (s, 2, i, j) * v[j];
          if (zp != NULL && (j = zp[x]) != NONE)
            sum += _evox_tortuosity_face (s, 2, i, j) * v[j];
          a = _evox_tortuosity_diag (s, i) * v[i] - sum;
          out[i] = a;
          dot += v[i] * a;
        }
    }
  return dot;
}

/* (h_a / h_d)^power along each axis d, a the flow axis; 1 for cubes (spacing all 0). */
static void
axis_ratios (const EvoxTortuosityParams *params,
             double                      power,
             double                      ratio[3])
{
  const double *h = params->spacing;

  for (int d = 0; d < 3; d++)
    ratio[d] = h[0] == 0.0 && h[1] == 0.0 && h[2] == 0.0 ? 1.0
               : pow (h[params->axis] / h[d], power);
}

/* face[d][class i + class j]: the conductance of two half voxels of D_i and D_j in series across
 * a face normal to d, times scale[d]; fixed[class]: 2 D to a fixed face. D2 = 0 or one phase:
 * every class is 0. */
static void
conductance_tables (double                      d2,
                    const double                scale[3],
                    double                      face[3][3],
                    double                      fixed[2])
{
  for (int d = 0; d < 3; d++)
    {
      face[d][0] = scale[d];
      face[d][1] = scale[d] * (2.0 * d2 / (1.0 + d2));
      face[d][2] = scale[d] * d2;
    }
  fixed[0] = 2.0;
  fixed[1] = 2.0 * d2;
}

/* The classes of the unknowns from the mask (all 0 without a conducting second phase) and the
 * conductances of D2 and the spacing. */
static void
system_init_classes (System                     *s,
                     const guint8               *mask,
                     gboolean                    weighted,
                     const EvoxTortuosityParams *params)
{
  const gsize n_voxels = s->dims[0] * s->dims[1] * s->dims[2];
  double scale[3];

  axis_ratios (params, 2.0, scale);
  conductance_tables (weighted ? params->second_diffusivity : 1.0, scale, s->face, s->fixed);
#pragma omp parallel for schedule(static) if (n_voxels >= PARALLEL_MIN)
  for (gsize g = 0; g < n_voxels; g++)
    if (s->idx[g] != NONE)
      s->cls[s->idx[g]] = weighted && mask[g] == EVOX_TORTUOSITY_SECOND_PHASE;
}

/* The diagonal, the linear start x = 1 - (a + 1/2) / L along the axis and b in r. */
static void
system_init_rows (System *s)
{
  const gsize nx = s->dims[0], ny = s->dims[1], nz = s->dims[2];
  const gsize plane = nx * ny;
  const gsize n_rows = ny * nz;
  const gsize last = s->dims[s->axis] - 1;
  const double length = (double) s->dims[s->axis];

#pragma omp parallel for schedule(static) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      const gsize y = row % ny, z = row / ny;
      const guint32 *id = s->idx + row * nx;

      for (gsize x = 0; x < nx; x++)
        {
          guint32 i = id[x], j;
          gsize a;
          double d = 0.0, fixed;

          if (i == NONE)
            continue;
          if (x > 0 && (j = id[x - 1]) != NONE)
            d += _evox_tortuosity_face (s, 0, i, j);
          if (x + 1 < nx && (j = id[x + 1]) != NONE)
            d += _evox_tortuosity_face (s, 0, i, j);
          if (y > 0 && (j = id[(gssize) x - (gssize) nx]) != NONE)
            d += _evox_tortuosity_face (s, 1, i, j);
          if (y + 1 < ny && (j = id[x + nx]) != NONE)
            d += _evox_tortuosity_face (s, 1, i, j);
          if (z > 0 && (j = id[(gssize) x - (gssize) plane]) != NONE)
            d += _evox_tortuosity_face (s, 2, i, j);
          if (z + 1 < nz && (j = id[x + plane]) != NONE)
            d += _evox_tortuosity_face (s, 2, i, j);
          a = coord_along (s, x, y, z);
          fixed = system_fixed (s, i);
          if (a == 0)
            d += fixed;
          if (a == last)
            d += fixed;
          if (s->cls == NULL)
            s->diag[i] = (guint8) d;
          else
            s->wdiag[i] = d;
          s->x[i] = 1.0 - ((double) a + 0.5) / length;
          s->r[i] = a == 0 ? fixed : 0.0;
        }
    }
}

/* The flux through the inlet face, 2 D (1 - c), and through the outlet face, 2 D c. */
static void
system_boundary_fluxes (const System *s,
                        double       *flux_in,
                        double       *flux_out)
{
  const gsize nx = s->dims[0], ny = s->dims[1], nz = s->dims[2];
  const gsize n_rows = ny * nz;
  const gsize last = s->dims[s->axis] - 1;
  double in = 0.0, out = 0.0;

#pragma omp parallel for schedule(static) reduction(+:in, out) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      const gsize y = row % ny, z = row / ny;
      const guint32 *id = s->idx + row * nx;

      for (gsize x = 0; x < nx; x++)
        {
          guint32 i = id[x];
          gsize a;

          if (i == NONE)
            continue;
          a = coord_along (s, x, y, z);
          if (a == 0)
            in += system_fixed (s, i) * (1.0 - s->x[i]);
          if (a == last)
            out += system_fixed (s, i) * s->x[i];
        }
    }
  *flux_in = in;
  *flux_out = out;
}

/* Labels of the 6-connected parts of the phase that touch both faces normal to the axis become
 * 1 in labels, every other voxel 0. Returns how many parts do (0: the phase does not
 * percolate), and whether any part touches each face. */
static guint32
keep_spanning_parts (guint32       *labels,
                     guint32        n_labels,
                     const gsize    dims[3],
                     int            axis,
                     gboolean      *touches_in,
                     gboolean      *touches_out)
{
  g_autofree guint8 *touch = g_new0 (guint8, (gsize) n_labels + 1);
  const gsize stride[3] = { 1, dims[0], dims[0] * dims[1] };
  const int u = (axis + 1) % 3, v = (axis + 2) % 3;
  const gsize n_voxels = dims[0] * dims[1] * dims[2];
  const gsize last = (dims[axis] - 1) * stride[axis];
  guint32 n_spanning = 0;

  *touches_in = *touches_out = FALSE;
  for (gsize b = 0; b < dims[v]; b++)
    for (gsize a = 0; a < dims[u]; a++)
      {
        gsize g = a * stride[u] + b * stride[v];

        touch[labels[g]] |= 1;
        touch[labels[g + last]] |= 2;
      }
  touch[0] = 0;
  for (guint32 l = 1; l <= n_labels; l++)
    {
      *touches_in |= (touch[l] & 1) != 0;
      *touches_out |= (touch[l] & 2) != 0;
      n_spanning += touch[l] == 3;
    }
  if (n_spanning == 0)
    return 0;

#pragma omp parallel for schedule(static) if (n_voxels >= PARALLEL_MIN)
  for (gsize g = 0; g < n_voxels; g++)
    labels[g] = touch[labels[g]] == 3;
  return n_spanning;
}

/* Turns the 0/1 keep flags into unknown numbers in raster order (NONE elsewhere); returns how
 * many there are. */
static gsize
number_unknowns (guint32     *idx,
                 const gsize  dims[3])
{
  const gsize nx = dims[0], n_rows = dims[1] * dims[2];
  g_autofree guint64 *start = g_new (guint64, n_rows + 1);

#pragma omp parallel for schedule(static) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      const guint32 *id = idx + row * nx;
      guint64 count = 0;

      for (gsize x = 0; x < nx; x++)
        count += id[x];
      start[row + 1] = count;
    }
  start[0] = 0;
  for (gsize row = 0; row < n_rows; row++)
    start[row + 1] += start[row];

#pragma omp parallel for schedule(static) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      guint32 *id = idx + row * nx;
      guint64 next = start[row];

      for (gsize x = 0; x < nx; x++)
        id[x] = id[x] ? (guint32) next++ : NONE;
    }
  return start[n_rows];
}

/* z = B r by the multigrid V-cycle and r . z. */
static double
precondition_mg (System *s)
{
  const double *r = s->r, *z = s->z;
  double rz = 0.0;

  _evox_tortuosity_mg_apply (s, r, s->z);
#pragma omp parallel for schedule(static) reduction(+:rz) if (s->n >= PARALLEL_MIN)
  for (gsize i = 0; i < s->n; i++)
    rz += r[i] * z[i];
  return rz;
}

/* The preconditioned conjugate gradient from s->x with b in s->r on entry: Jacobi (z = r /
 * diag, fused into the vector passes) or the multigrid V-cycle when s has levels. Stops when
 * ||r|| <= tolerance ||b||. */
static gboolean
system_solve (System                     *s,
              double                      b_norm,
              const EvoxTortuosityParams *params,
              guint                       max_iterations,
              GArray                     *history,
              EvoxProgress               *progress,
              GCancellable               *cancellable,
              GError                    **error)
{
  const gsize n = s->n;
  double *x = s->x, *r = s->r, *p = s->p, *q = s->q;
  double inv[16];
  double rz = 0.0, rr = 0.0, rel, start_rel;
  const double tolerance = params->tolerance;
  const gboolean mg = s->levels != NULL;
  guint k;

  inv[0] = 0.0;
  for (guint d = 1; d < G_N_ELEMENTS (inv); d++)
    inv[d] = 1.0 / d;

  /* r = b - A x */
  system_apply (s, x, q);
#pragma omp parallel for schedule(static) reduction(+:rz, rr) if (n >= PARALLEL_MIN)
  for (gsize i = 0; i < n; i++)
    {
      double ri = r[i] - q[i];

      r[i] = ri;
      p[i] = ri * system_jacobi (s, inv, i);
      rz += ri * p[i];
      rr += ri * ri;
    }
  if (mg)
    {
      rz = precondition_mg (s);
      memcpy (p, s->z, n * sizeof (double));
    }
  rel = sqrt (rr) / b_norm;
  start_rel = rel;
  g_array_append_val (history, rel);

  for (k = 0; rel > tolerance; k++)
    {
      double pq, alpha, beta, rz_new = 0.0;

      if (k >= max_iterations)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                       "The diffusion solve did not converge: relative residual %.3g after %u "
                       "iterations, tolerance %.3g (raise the iteration cap or the tolerance)",
                       rel, k, tolerance);
          return FALSE;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;

      pq = system_apply (s, p, q);
      if (!(pq > 0.0) || !isfinite (pq))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                       "The diffusion solve broke down after %u iterations (p.Ap = %g)", k, pq);
          return FALSE;
        }
      alpha = rz / pq;
      rr = 0.0;
#pragma omp parallel for schedule(static) reduction(+:rz_new, rr) if (n >= PARALLEL_MIN)
      for (gsize i = 0; i < n; i++)
        {
          double ri;

          x[i] += alpha * p[i];
          ri = r[i] - alpha * q[i];
          r[i] = ri;
          rz_new += ri * ri * system_jacobi (s, inv, i);
          rr += ri * ri;
        }
      rel = sqrt (rr) / b_norm;
      g_array_append_val (history, rel);
      if (!isfinite (rel))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                       "The diffusion solve broke down after %u iterations (residual %g)",
                       k + 1, rel);
          return FALSE;
        }
      /* Progress as the share of the decades from the start to the tolerance. */
      if (start_rel > tolerance && rel < start_rel)
        evox_progress_update (progress, CLAMP (log (start_rel / rel)
                                               / log (start_rel / tolerance), 0.0, 1.0));
      if (rel <= tolerance)
        break;
      if (mg)
        {
          const double *z = s->z;

          rz_new = precondition_mg (s);
          beta = rz_new / rz;
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
          for (gsize i = 0; i < n; i++)
            p[i] = z[i] + beta * p[i];
        }
      else
        {
          beta = rz_new / rz;
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
          for (gsize i = 0; i < n; i++)
            p[i] = r[i] * system_jacobi (s, inv, i) + beta * p[i];
        }
      rz = rz_new;
    }
  evox_progress_update (progress, 1.0);
  return TRUE;
}

/* The flux magnitude from an f32 concentration (NaN off the connected voxels) and the mask and
 * params the solve was given: the mean of the flux across the low and the high face along each
 * axis, counted in the direction of growing index; faces without a connected neighbour carry
 * nothing unless they are the fixed faces of the flow axis. 0 on the other conducting voxels,
 * NaN elsewhere. Read from the floats both when solved and when rebuilt, so the two agree. */
static void
flux_from_floats (const float                *conc,
                  const guint8               *mask,
                  const gsize                 dims[3],
                  const EvoxTortuosityParams *params,
                  float                      *flux)
{
  const gsize nx = dims[0], ny = dims[1];
  const gsize plane = nx * ny, n_rows = ny * dims[2];
  const int axis = params->axis;
  const gsize last = dims[axis] - 1;
  const gboolean two = params->second_phase;
  const gboolean weighted = two && params->second_diffusivity > 0.0;
  double face[3][3], fixed[2], ratio[3];

  /* The conductances by class as the solve had them (system_init_classes), but scaled by h_a /
   * h_d instead of its square: the face flux per area, in D dC per voxel edge along the flow. */
  axis_ratios (params, 1.0, ratio);
  conductance_tables (weighted ? params->second_diffusivity : 1.0, ratio, face, fixed);

#pragma omp parallel for schedule(static) if (n_rows * nx >= PARALLEL_MIN)
  for (gsize row = 0; row < n_rows; row++)
    {
      const gsize y = row % ny, z = row / ny;
      const gsize g0 = row * nx;

      for (gsize x = 0; x < nx; x++)
        {
          const gsize g = g0 + x;
          const gsize pos[3] = { x, y, z };
          const gsize step[3] = { 1, nx, plane };
          int ci = weighted && mask[g] == EVOX_TORTUOSITY_SECOND_PHASE;
          double sum2 = 0.0;

          if (isnan (conc[g]))
            {
              gboolean conducts = mask[g] != 0 &&
                                  !(two && !weighted && mask[g] == EVOX_TORTUOSITY_SECOND_PHASE);

              flux[g] = conducts ? 0.0f : NAN;
              continue;
            }
          for (int d = 0; d < 3; d++)
            {
              double lo = 0.0, hi = 0.0;

              if (pos[d] > 0 && !isnan (conc[g - step[d]]))
                lo = face[d][ci + (weighted &&
                                   mask[g - step[d]] == EVOX_TORTUOSITY_SECOND_PHASE)] *
                     ((double) conc[g - step[d]] - conc[g]);
              else if (d == axis && pos[d] == 0)
                lo = fixed[ci] * (1.0 - conc[g]);
              if (pos[d] < dims[d] - 1 && !isnan (conc[g + step[d]]))
                hi = face[d][ci + (weighted &&
                                   mask[g + step[d]] == EVOX_TORTUOSITY_SECOND_PHASE)] *
                     ((double) conc[g] - conc[g + step[d]]);
              else if (d == axis && pos[d] == last)
                hi = fixed[ci] * conc[g];
              sum2 += 0.25 * (lo + hi) * (lo + hi);
            }
          flux[g] = (float) sqrt (sum2);
        }
    }
}

/* The concentration of a solved system as floats, NaN off the unknowns. */
static void
system_concentration (const System *s,
                      float        *conc)
{
  const gsize n_voxels = s->dims[0] * s->dims[1] * s->dims[2];

#pragma omp parallel for schedule(static) if (n_voxels >= PARALLEL_MIN)
  for (gsize g = 0; g < n_voxels; g++)
    conc[g] = s->idx[g] == NONE ? NAN : (float) s->x[s->idx[g]];
}

/* An f32 volume of one channel for a field, or NULL with error. */
static EvoxVolume *
field_new (const gsize  dims[3],
           const char  *quantity,
           GError     **error)
{
  EvoxVolume *field = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_F32, error);

  if (field != NULL)
    evox_volume_set_values (field, EVOX_SCALE_LINEAR, quantity, "");
  return field;
}

/* The fields of a solved system kept in self; mask and params as the solve had them. */
static gboolean
make_fields (EvoxTortuosity             *self,
             const System               *s,
             const guint8               *mask,
             const EvoxTortuosityParams *params,
             GError                    **error)
{
  g_auto (EvoxLargeBuffer) scratch = NULL;
  float *conc;

  if (!params->keep_concentration && !params->keep_flux)
    return TRUE;
  if (params->keep_concentration)
    {
      self->concentration = field_new (s->dims, "concentration", error);
      if (self->concentration == NULL)
        return FALSE;
      conc = evox_volume_get_data_mut (self->concentration, 0);
    }
  else
    {
      conc = scratch = _evox_alloc_large (s->dims[0] * s->dims[1] * s->dims[2] * sizeof (float));
      if (scratch == NULL)
        {
          g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                               "The concentration field does not fit in memory");
          return FALSE;
        }
    }
  system_concentration (s, conc);
  if (params->keep_flux)
    {
      self->flux = field_new (s->dims, "flux magnitude", error);
      if (self->flux == NULL)
        return FALSE;
      flux_from_floats (conc, mask, s->dims, params, evox_volume_get_data_mut (self->flux, 0));
      evox_volume_freeze (self->flux);
    }
  if (self->concentration != NULL)
    evox_volume_freeze (self->concentration);
  return TRUE;
}

/* The first phase alone as 0/1 (D2 = 0: the second phase conducts nothing). */
static guint8 *
first_phase_mask (const guint8  *mask,
                  gsize          n_voxels,
                  GError       **error)
{
  guint8 *m = _evox_alloc_large (MAX (n_voxels, 1));

  if (m == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The mask of the first phase (%" G_GSIZE_FORMAT " voxels) does not fit "
                   "in memory", n_voxels);
      return NULL;
    }
#pragma omp parallel for schedule(static) if (n_voxels >= PARALLEL_MIN)
  for (gsize g = 0; g < n_voxels; g++)
    m[g] = mask[g] != 0 && mask[g] != EVOX_TORTUOSITY_SECOND_PHASE;
  return m;
}

/* TauFactor's D_mean: the volume-fraction weighted mean of the diffusivities, the whole second
 * phase included (as the whole first phase is). */
static double
mean_diffusivity (EvoxTortuosity *self)
{
  return self->porosity + self->second_diffusivity * self->second_fraction;
}

static void
not_percolating (EvoxTortuosity *self,
                 const gsize     dims[3],
                 gboolean        touches_in,
                 gboolean        touches_out)
{
  const char *a = axis_names[self->axis];
  gsize last = dims[self->axis] - 1;

  self->percolating = FALSE;
  self->d_rel = 0.0;
  self->tau = INFINITY;
  if (!touches_in)
    self->reason = g_strdup_printf ("The phase does not touch the face %s = 0, so nothing "
                                    "flows along %s", a, a);
  else if (!touches_out)
    self->reason = g_strdup_printf ("The phase does not touch the face %s = %" G_GSIZE_FORMAT
                                    ", so nothing flows along %s", a, last, a);
  else
    self->reason = g_strdup_printf ("No face-connected path of the phase joins the faces %s = 0 "
                                    "and %s = %" G_GSIZE_FORMAT, a, a, last);
}

/**
 * evox_tortuosity_compute_mask:
 *
 * See evox-tortuosity.h. The label volume of the phase becomes the map of unknowns in place, so
 * the solve needs 4 bytes per voxel plus 33 per unknown (and 4 per voxel per field kept).
 */
EvoxTortuosity *
evox_tortuosity_compute_mask (const guint8               *mask,
                              const gsize                 dims[3],
                              const EvoxTortuosityParams *params,
                              EvoxProgress               *progress,
                              GCancellable               *cancellable,
                              GError                    **error)
{
  g_autoptr(EvoxTortuosity) self = NULL;
  g_auto (EvoxLargeBuffer) first_only = NULL;
  const guint8 *conducting = mask;
  System s = { 0 };
  gsize n_voxels;
  guint64 n_phase = 0, n_second = 0, n_conducting;
  guint32 n_labels = 0;
  gboolean touches_in, touches_out, ok, mg, two, weighted, varied, has_spacing;
  double d2;
  const double *h = params->spacing;
  guint max_iterations;
  const char *a;

  g_return_val_if_fail (dims != NULL, NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (params->axis <= EVOX_FLOW_AXIS_Z, NULL);
  g_return_val_if_fail (params->preconditioner <= EVOX_TORTUOSITY_JACOBI, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  a = axis_names[params->axis];
  if (!(params->tolerance > 0.0 && params->tolerance < 1.0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The tolerance %g is not a relative residual: it must be above 0 and below 1",
                   params->tolerance);
      return NULL;
    }
  if (dims[params->axis] < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The volume is %" G_GSIZE_FORMAT " voxel thick along %s: a tortuosity "
                   "along %s needs at least 2 layers", dims[params->axis], a, a);
      return NULL;
    }
  two = params->second_phase;
  d2 = two ? params->second_diffusivity : 0.0;
  if (!(d2 >= 0.0 && d2 <= 1.0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The second phase's relative diffusivity %g is not in [0, 1] (the first "
                   "phase has D = 1)", d2);
      return NULL;
    }
  has_spacing = h[0] != 0.0 || h[1] != 0.0 || h[2] != 0.0;
  if (has_spacing && !(isfinite (h[0]) && isfinite (h[1]) && isfinite (h[2]) &&
                       h[0] > 0.0 && h[1] > 0.0 && h[2] > 0.0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The voxel spacing %g x %g x %g is not a voxel size: give three finite "
                   "lengths above 0, or none for cubes", h[0], h[1], h[2]);
      return NULL;
    }
  n_voxels = dims[0] * dims[1] * dims[2];
  g_return_val_if_fail (mask != NULL || n_voxels == 0, NULL);

#pragma omp parallel for schedule(static) reduction(+:n_phase, n_second) \
  if (n_voxels >= PARALLEL_MIN)
  for (gsize g = 0; g < n_voxels; g++)
    {
      n_second += two && mask[g] == EVOX_TORTUOSITY_SECOND_PHASE;
      n_phase += mask[g] != 0 && !(two && mask[g] == EVOX_TORTUOSITY_SECOND_PHASE);
    }
  /* D2 = 0: the second phase conducts nothing, so it is left out of the paths as well. */
  weighted = two && d2 > 0.0;
  /* Cubes of any size keep the one-phase path; other voxels need conductances per axis. */
  varied = weighted || (has_spacing && (h[0] != h[1] || h[1] != h[2]));
  n_conducting = n_phase + (weighted ? n_second : 0);
  if (n_conducting == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The phase has no voxels: there is nothing to diffuse through");
      return NULL;
    }
  if (!evox_check_allocation (n_voxels, sizeof (guint32), "The map of the phase", error))
    return NULL;

  if (two && !weighted && n_second > 0)
    {
      conducting = first_only = first_phase_mask (mask, n_voxels, error);
      if (first_only == NULL)
        return NULL;
    }

  self = g_object_new (EVOX_TYPE_TORTUOSITY, NULL);
  self->axis = params->axis;
  self->tolerance = params->tolerance;
  self->porosity = (double) n_phase / (double) n_voxels;
  self->second_fraction = (double) n_second / (double) n_voxels;
  self->second_diffusivity = d2;
  self->has_spacing = has_spacing;
  for (int d = 0; d < 3; d++)
    self->spacing[d] = has_spacing ? h[d] : 1.0;

  /* The labelling reports no progress of its own: its stage would be named for particles. */
  evox_progress_set_stage (progress, "Finding connected paths", 0.0, 0.1);
  s.idx = _evox_alloc_large (n_voxels * sizeof (guint32));
  if (s.idx == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The map of the phase (%" G_GSIZE_FORMAT " voxels) does not fit in memory",
                   n_voxels);
      return NULL;
    }
  if (!evox_label_components (conducting, dims, EVOX_CONNECTIVITY_6, s.idx, &n_labels, NULL,
                              cancellable, error))
    {
      system_clear (&s);
      return NULL;
    }
  evox_progress_update (progress, 0.5);
  if (keep_spanning_parts (s.idx, n_labels, dims, params->axis, &touches_in, &touches_out) == 0)
    {
      system_clear (&s);
      evox_progress_update (progress, 1.0);
      not_percolating (self, dims, touches_in, touches_out);
      return g_steal_pointer (&self);
    }
  memcpy (s.dims, dims, sizeof s.dims);
  s.axis = params->axis;
  s.n = number_unknowns (s.idx, dims);
  self->n_unknowns = s.n;
  self->connected_fraction = (double) s.n / (double) n_conducting;
  evox_progress_update (progress, 1.0);
  if (s.n >= NONE)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The phase has %" G_GSIZE_FORMAT " connected voxels, more than the solver's "
                   "%u", s.n, NONE - 1);
      system_clear (&s);
      return NULL;
    }
  mg = params->preconditioner == EVOX_TORTUOSITY_MULTIGRID;
  if (!evox_check_allocation (s.n, (mg ? 5 : 4) * sizeof (double) +
                              (varied ? 1 + sizeof (double) : 1), "The diffusion solve",
                              error))
    {
      system_clear (&s);
      return NULL;
    }
  if (varied)
    {
      s.cls = _evox_alloc_large (s.n);
      s.wdiag = _evox_alloc_large (s.n * sizeof (double));
    }
  else
    s.diag = _evox_alloc_large (s.n);
  s.x = _evox_alloc_large (s.n * sizeof (double));
  s.r = _evox_alloc_large (s.n * sizeof (double));
  s.p = _evox_alloc_large (s.n * sizeof (double));
  s.q = _evox_alloc_large (s.n * sizeof (double));
  if (mg)
    s.z = _evox_alloc_large (s.n * sizeof (double));
  if ((varied ? s.cls == NULL || s.wdiag == NULL : s.diag == NULL) ||
      s.x == NULL || s.r == NULL || s.p == NULL || s.q == NULL || (mg && s.z == NULL))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The diffusion solve (%" G_GSIZE_FORMAT " unknowns) does not fit in memory",
                   s.n);
      system_clear (&s);
      return NULL;
    }

  evox_progress_set_stage (progress, "Solving diffusion", 0.1, 1.0);
  if (varied)
    system_init_classes (&s, mask, weighted, params);
  system_init_rows (&s);
  if (mg && !_evox_tortuosity_mg_build (&s, error))
    {
      system_clear (&s);
      return NULL;
    }
  max_iterations = params->max_iterations;
  if (max_iterations == 0)
    max_iterations = (guint) MIN (20 * (dims[0] + dims[1] + dims[2]) + 1000, G_MAXUINT);
  {
    /* ||b||: b is 2 on every unknown of the inlet face. */
    double b2 = 0.0;

#pragma omp parallel for schedule(static) reduction(+:b2) if (s.n >= PARALLEL_MIN)
    for (gsize i = 0; i < s.n; i++)
      b2 += s.r[i] * s.r[i];
    ok = system_solve (&s, sqrt (b2), params, max_iterations, self->history, progress,
                       cancellable, error);
  }
  if (!ok)
    {
      system_clear (&s);
      return NULL;
    }

  self->percolating = TRUE;
  system_boundary_fluxes (&s, &self->flux_in, &self->flux_out);
  {
    double area = (double) n_voxels / (double) dims[params->axis];
    double flux = 0.5 * (self->flux_in + self->flux_out);

    self->d_rel = flux * (double) dims[params->axis] / area;
    self->tau = self->d_rel > 0.0 ? mean_diffusivity (self) / self->d_rel : INFINITY;
  }
  /* The fields need the map, the solution and the conductances only: the solver's work vectors
   * and the multigrid levels go first, so the fields do not come on top of the solve's peak. */
  g_clear_pointer (&s.r, _evox_free_large);
  g_clear_pointer (&s.p, _evox_free_large);
  g_clear_pointer (&s.q, _evox_free_large);
  g_clear_pointer (&s.z, _evox_free_large);
  _evox_tortuosity_mg_clear (&s);
  ok = make_fields (self, &s, mask, params, error);
  system_clear (&s);
  if (!ok)
    return NULL;
  return g_steal_pointer (&self);
}

void
evox_tortuosity_flux_from_concentration (const float                *concentration,
                                         const guint8               *mask,
                                         const gsize                 dims[3],
                                         const EvoxTortuosityParams *params,
                                         float                      *flux)
{
  g_return_if_fail (concentration != NULL && mask != NULL && flux != NULL && dims != NULL);
  g_return_if_fail (params != NULL && params->axis <= EVOX_FLOW_AXIS_Z);

  flux_from_floats (concentration, mask, dims, params, flux);
}

EvoxTortuosity *
evox_tortuosity_compute (EvoxVolume                 *volume,
                         guint                       channel,
                         double                      lo,
                         double                      hi,
                         const EvoxTortuosityParams *params,
                         EvoxProgress               *progress,
                         GCancellable               *cancellable,
                         GError                    **error)
{
  g_autoptr(EvoxTortuosity) self = NULL;
  g_auto (EvoxLargeBuffer) mask = NULL;
  EvoxSampleType type;
  gconstpointer data;
  gsize dims[3], n_voxels;
  float first = 1.0f, last = 0.0f, first2 = 1.0f, last2 = 0.0f;
  gboolean any, any2 = FALSE;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (isnan (lo) || isnan (hi) || lo > hi)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The phase range [%g, %g] is not a range: it needs lo <= hi and no NaN",
                   lo, hi);
      return NULL;
    }
  if (params->second_phase &&
      (isnan (params->second_lo) || isnan (params->second_hi) ||
       params->second_lo > params->second_hi))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "The second phase's range [%g, %g] is not a range: it needs lo <= hi and no "
                   "NaN", params->second_lo, params->second_hi);
      return NULL;
    }
  evox_volume_get_dims (volume, dims);
  n_voxels = evox_volume_get_n_voxels (volume);
  if (!evox_check_allocation (n_voxels, 1, "The phase mask", error))
    return NULL;
  mask = _evox_alloc_large (MAX (n_voxels, 1));
  if (mask == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "The phase mask (%" G_GSIZE_FORMAT " voxels) does not fit in memory",
                   n_voxels);
      return NULL;
    }
  type = evox_volume_get_sample_type (volume);
  data = evox_volume_get_data (volume, channel);
  /* The stored values inside [lo, hi] as floats decide exactly as doubles would (NaN is in no
   * range); a range without a value of the type leaves the mask empty. A voxel in both
   * ranges is the first phase's. */
  any = evox_sample_type_inner_range (type, lo, hi, &first, &last);
  if (params->second_phase)
    any2 = evox_sample_type_inner_range (type, params->second_lo, params->second_hi, &first2,
                                         &last2);
  if (any || any2)
    {
      guint8 *m = mask;

#pragma omp parallel for schedule(static) if (n_voxels >= PARALLEL_MIN)
      for (gsize g = 0; g < n_voxels; g++)
        {
          float v = (float) evox_sample_get (data, type, g);

          m[g] = v >= first && v <= last ? 1
                 : v >= first2 && v <= last2 ? EVOX_TORTUOSITY_SECOND_PHASE : 0;
        }
    }

  {
    EvoxTortuosityParams with_spacing = *params;
    const double *h = params->spacing;

    /* An unknown voxel size (no unit) stays cubic. */
    if (h[0] == 0.0 && h[1] == 0.0 && h[2] == 0.0 && evox_volume_get_spacing_known (volume))
      evox_volume_get_spacing (volume, with_spacing.spacing);
    self = evox_tortuosity_compute_mask (mask, dims, &with_spacing, progress, cancellable,
                                         error);
  }
  if (self == NULL)
    return NULL;
  if (self->concentration != NULL)
    evox_volume_copy_grid (self->concentration, volume);
  if (self->flux != NULL)
    evox_volume_copy_grid (self->flux, volume);
  return g_steal_pointer (&self);
}

typedef struct
{
  EvoxVolume           *volume;
  guint                 channel;
  double                lo;
  double                hi;
  EvoxTortuosityParams  params;
  EvoxProgress         *progress;
} ComputeData;

static void
compute_data_free (ComputeData *data)
{
  g_clear_object (&data->volume);
  evox_progress_unref (data->progress);
  g_free (data);
}

static gpointer
compute_work (gpointer       task_data,
              GCancellable  *cancellable,
              GError       **error)
{
  ComputeData *data = task_data;

  return evox_tortuosity_compute (data->volume, data->channel, data->lo, data->hi,
                                  &data->params, data->progress, cancellable, error);
}

/**
 * evox_tortuosity_compute_async:
 *
 * evox_tortuosity_compute() on a worker thread (params is copied); the callback runs in the
 * caller's main context and gets %G_IO_ERROR_CANCELLED when @cancellable fires first.
 */
void
evox_tortuosity_compute_async (EvoxVolume                 *volume,
                               guint                       channel,
                               double                      lo,
                               double                      hi,
                               const EvoxTortuosityParams *params,
                               EvoxProgress               *progress,
                               GCancellable               *cancellable,
                               GAsyncReadyCallback         callback,
                               gpointer                    user_data)
{
  ComputeData *data;

  g_return_if_fail (EVOX_IS_VOLUME (volume));
  g_return_if_fail (channel < evox_volume_get_n_channels (volume));
  g_return_if_fail (params != NULL);

  data = g_new0 (ComputeData, 1);
  data->volume = g_object_ref (volume);
  data->channel = channel;
  data->lo = lo;
  data->hi = hi;
  data->params = *params;
  data->progress = evox_progress_ref (progress);
  _evox_task_run (evox_tortuosity_compute_async, compute_work, data,
                  (GDestroyNotify) compute_data_free, g_object_unref, cancellable, callback,
                  user_data);
}

EvoxTortuosity *
evox_tortuosity_compute_finish (GAsyncResult  *result,
                                GError       **error)
{
  return _evox_task_finish (result, evox_tortuosity_compute_async, error);
}

EvoxFlowAxis
evox_tortuosity_get_axis (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), EVOX_FLOW_AXIS_X);
  return self->axis;
}

double
evox_tortuosity_get_tolerance (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  return self->tolerance;
}

gboolean
evox_tortuosity_get_percolating (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), FALSE);
  return self->percolating;
}

const char *
evox_tortuosity_get_reason (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NULL);
  return self->reason;
}

double
evox_tortuosity_get_porosity (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  return self->porosity;
}

double
evox_tortuosity_get_second_fraction (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  return self->second_fraction;
}

double
evox_tortuosity_get_second_diffusivity (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  return self->second_diffusivity;
}

double
evox_tortuosity_get_mean_diffusivity (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  return mean_diffusivity (self);
}

double
evox_tortuosity_get_connected_fraction (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  return self->connected_fraction;
}

double
evox_tortuosity_get_effective_diffusivity (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  return self->d_rel;
}

double
evox_tortuosity_get_tau (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  return self->tau;
}

double
evox_tortuosity_get_flux_in (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  return self->flux_in;
}

double
evox_tortuosity_get_flux_out (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  return self->flux_out;
}

guint64
evox_tortuosity_get_n_unknowns (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), 0);
  return self->n_unknowns;
}

guint
evox_tortuosity_get_n_iterations (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), 0);
  return self->history->len > 0 ? self->history->len - 1 : 0;
}

const double *
evox_tortuosity_get_residual_history (EvoxTortuosity *self,
                                      guint          *n_values)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NULL);
  if (n_values != NULL)
    *n_values = self->history->len;
  return (const double *) (gpointer) self->history->data;
}

double
evox_tortuosity_get_residual (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NAN);
  if (self->history->len == 0)
    return 0.0;
  return g_array_index (self->history, double, self->history->len - 1);
}

gboolean
evox_tortuosity_get_spacing (EvoxTortuosity *self,
                             double          spacing[3])
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), FALSE);
  g_return_val_if_fail (spacing != NULL, FALSE);
  memcpy (spacing, self->spacing, sizeof self->spacing);
  return self->has_spacing;
}

EvoxVolume *
evox_tortuosity_get_concentration (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NULL);
  return self->concentration;
}

EvoxVolume *
evox_tortuosity_get_flux_magnitude (EvoxTortuosity *self)
{
  g_return_val_if_fail (EVOX_IS_TORTUOSITY (self), NULL);
  return self->flux;
}

/* test-tortuosity.c: the tortuosity factor against straight channels, plates and a dense direct solve. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-test-util.h"
#include "evox-tortuosity.h"
#include "evox-types.h"
#include "evox-volume.h"

static gsize
voxel_index (const gsize dims[3],
             gsize       x,
             gsize       y,
             gsize       z)
{
  return x + dims[0] * (y + dims[1] * z);
}

/* d2 >= 0: a second phase of that relative diffusivity, the mask value 2
 * (EVOX_TORTUOSITY_SECOND_PHASE); d2 < 0: one phase. spacing NULL: cubes. */
static EvoxTortuosity *
solve_spaced (const guint8                 *mask,
              const gsize                   dims[3],
              EvoxFlowAxis                  axis,
              EvoxTortuosityPreconditioner  preconditioner,
              double                        d2,
              double                        tolerance,
              gboolean                      fields,
              const double                 *spacing)
{
  g_autoptr(GError) error = NULL;
  EvoxTortuosityParams params;
  EvoxTortuosity *result;

  evox_tortuosity_params_init (&params);
  g_assert_cmpint (params.preconditioner, ==, EVOX_TORTUOSITY_MULTIGRID);
  g_assert_false (params.second_phase);
  params.preconditioner = preconditioner;
  params.axis = axis;
  params.tolerance = tolerance;
  params.keep_concentration = fields;
  params.keep_flux = fields;
  params.second_phase = d2 >= 0.0;
  params.second_diffusivity = MAX (d2, 0.0);
  g_assert_cmpfloat (params.spacing[0], ==, 0.0);
  if (spacing != NULL)
    memcpy (params.spacing, spacing, sizeof params.spacing);
  result = evox_tortuosity_compute_mask (mask, dims, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

static EvoxTortuosity *
solve_two (const guint8                 *mask,
           const gsize                   dims[3],
           EvoxFlowAxis                  axis,
           EvoxTortuosityPreconditioner  preconditioner,
           double                        d2,
           double                        tolerance,
           gboolean                      fields)
{
  return solve_spaced (mask, dims, axis, preconditioner, d2, tolerance, fields, NULL);
}

static EvoxTortuosity *
solve_with (const guint8                 *mask,
            const gsize                   dims[3],
            EvoxFlowAxis                  axis,
            EvoxTortuosityPreconditioner  preconditioner,
            double                        tolerance,
            gboolean                      fields)
{
  return solve_two (mask, dims, axis, preconditioner, -1.0, tolerance, fields);
}

static EvoxTortuosity *
solve (const guint8 *mask,
       const gsize   dims[3],
       EvoxFlowAxis  axis,
       double        tolerance,
       gboolean      fields)
{
  return solve_with (mask, dims, axis, EVOX_TORTUOSITY_MULTIGRID, tolerance, fields);
}

/* A straight bar of 2 x 3 voxels through a 6 x 7 x 8 volume along each axis: the linear profile
 * is the exact solution (flux 1/L per voxel of the cross-section through the half-voxel faces),
 * so D_eff / D is the bar's volume fraction and tau is 1 to rounding. A separate blob adds to
 * the porosity but not to the flux: tau grows by exactly (bar + blob) / bar, as TauFactor counts
 * the whole volume fraction. */
static void
test_channel (void)
{
  const gsize dims[3] = { 6, 7, 8 };
  const gsize n = dims[0] * dims[1] * dims[2];

  for (int axis = 0; axis < 3; axis++)
    for (int with_blob = 0; with_blob < 2; with_blob++)
      {
        g_autofree guint8 *mask = g_new0 (guint8, n);
        g_autoptr(EvoxTortuosity) t = NULL;
        const int u = (axis + 1) % 3, v = (axis + 2) % 3;
        guint64 bar = 0, blob = 0;
        double expected_d, expected_tau;
        EvoxVolume *conc, *flux;
        const float *c, *f;

        for (gsize z = 0; z < dims[2]; z++)
          for (gsize y = 0; y < dims[1]; y++)
            for (gsize x = 0; x < dims[0]; x++)
              {
                const gsize pos[3] = { x, y, z };

                if (pos[u] >= 1 && pos[u] <= 2 && pos[v] >= 2 && pos[v] <= 4)
                  {
                    mask[voxel_index (dims, x, y, z)] = 1;
                    bar++;
                  }
                /* The blob sits away from the bar and off both faces of the axis. */
                else if (with_blob && pos[u] == 4 && pos[v] == 5 && pos[axis] >= 1 &&
                         pos[axis] <= 3)
                  {
                    mask[voxel_index (dims, x, y, z)] = 1;
                    blob++;
                  }
              }
        t = solve (mask, dims, axis, 1e-10, TRUE);
        expected_d = (double) bar / (double) n;
        expected_tau = (double) (bar + blob) / (double) bar;
        g_assert_true (evox_tortuosity_get_percolating (t));
        g_assert_null (evox_tortuosity_get_reason (t));
        g_assert_cmpint (evox_tortuosity_get_axis (t), ==, axis);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_porosity (t),
                                        (double) (bar + blob) / (double) n, 1e-15);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_connected_fraction (t),
                                        (double) bar / (double) (bar + blob), 1e-15);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_effective_diffusivity (t),
                                        expected_d, 1e-12);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (t), expected_tau, 1e-12);
        g_assert_cmpuint (evox_tortuosity_get_n_unknowns (t), ==, bar);
        g_assert_cmpuint (evox_tortuosity_get_n_iterations (t), ==, 0);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_flux_in (t),
                                        (double) (bar / dims[axis]) / dims[axis], 1e-12);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_flux_out (t),
                                        evox_tortuosity_get_flux_in (t), 1e-12);

        /* Fields: c = 1 - (a + 1/2) / L and |J| = 1 / L on the bar, 0 on the blob, NaN off the
         * phase (concentration NaN off the bar). */
        conc = evox_tortuosity_get_concentration (t);
        flux = evox_tortuosity_get_flux_magnitude (t);
        g_assert_nonnull (conc);
        g_assert_nonnull (flux);
        g_assert_cmpint (evox_volume_get_sample_type (conc), ==, EVOX_SAMPLE_F32);
        c = evox_volume_get_data (conc, 0);
        f = evox_volume_get_data (flux, 0);
        for (gsize z = 0; z < dims[2]; z++)
          for (gsize y = 0; y < dims[1]; y++)
            for (gsize x = 0; x < dims[0]; x++)
              {
                const gsize pos[3] = { x, y, z };
                gsize g = voxel_index (dims, x, y, z);
                gboolean on_bar = pos[u] >= 1 && pos[u] <= 2 && pos[v] >= 2 && pos[v] <= 4;

                if (on_bar)
                  {
                    g_assert_cmpfloat_with_epsilon (c[g], 1.0 - (pos[axis] + 0.5) / dims[axis],
                                                    1e-6);
                    g_assert_cmpfloat_with_epsilon (f[g], 1.0 / dims[axis], 1e-6);
                  }
                else
                  {
                    g_assert_true (isnan (c[g]));
                    if (mask[g])
                      g_assert_cmpfloat (f[g], ==, 0.0f);
                    else
                      g_assert_true (isnan (f[g]));
                  }
              }
      }
}

/* Plates of the phase normal to the flow never join the two faces: not percolating, with a
 * reason, D_eff exactly 0 and tau infinite (not NaN). Along the plates they are straight
 * channels. A phase touching only one face is not percolating either. */
static void
test_plates (void)
{
  const gsize dims[3] = { 5, 6, 7 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *mask = g_new0 (guint8, n);
  g_autofree guint8 *stub = g_new0 (guint8, n);
  g_autoptr(EvoxTortuosity) across = NULL;
  g_autoptr(EvoxTortuosity) along = NULL;
  g_autoptr(EvoxTortuosity) one_face = NULL;

  /* Plates z = 1 and z = 4 (whole x-y planes). */
  for (gsize z = 1; z < dims[2]; z += 3)
    memset (mask + z * dims[0] * dims[1], 1, dims[0] * dims[1]);
  across = solve (mask, dims, EVOX_FLOW_AXIS_Z, 1e-8, TRUE);
  g_assert_false (evox_tortuosity_get_percolating (across));
  g_assert_nonnull (evox_tortuosity_get_reason (across));
  g_assert_nonnull (strstr (evox_tortuosity_get_reason (across), "z = 0"));
  g_assert_cmpfloat (evox_tortuosity_get_effective_diffusivity (across), ==, 0.0);
  g_assert_true (isinf (evox_tortuosity_get_tau (across)));
  g_assert_false (isnan (evox_tortuosity_get_tau (across)));
  g_assert_cmpfloat (evox_tortuosity_get_flux_in (across), ==, 0.0);
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_porosity (across), 2.0 / 7.0, 1e-15);
  g_assert_cmpfloat (evox_tortuosity_get_connected_fraction (across), ==, 0.0);
  g_assert_cmpuint (evox_tortuosity_get_n_iterations (across), ==, 0);
  g_assert_null (evox_tortuosity_get_concentration (across));

  along = solve (mask, dims, EVOX_FLOW_AXIS_X, 1e-8, FALSE);
  g_assert_true (evox_tortuosity_get_percolating (along));
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (along), 1.0, 1e-12);

  /* A stub from the face x = 0 that stops at x = 2. */
  for (gsize x = 0; x < 3; x++)
    stub[voxel_index (dims, x, 3, 3)] = 1;
  one_face = solve (stub, dims, EVOX_FLOW_AXIS_X, 1e-8, FALSE);
  g_assert_false (evox_tortuosity_get_percolating (one_face));
  g_assert_nonnull (strstr (evox_tortuosity_get_reason (one_face), "x = 4"));
  g_assert_true (isinf (evox_tortuosity_get_tau (one_face)));
}

/* The oracle: the same finite-volume system assembled voxel by voxel here and solved densely by
 * Cholesky. Unknowns are every phase voxel of a part that touches a face of the axis (found by
 * flood fill), so parts that touch one face are solved for too: the solver leaves them out, and
 * the fluxes must not change. Parts that touch no face would make the matrix singular and carry
 * nothing. With d2 >= 0 the mask value 2 is a second phase of diffusivity d2 (0: it does not
 * conduct): a face conducts 1 / (1 / (2 D_i) + 1 / (2 D_j)), two half voxels in series, a fixed
 * face 2 D_i, and tau = (eps1 + d2 eps2) / D_eff. d2 < 0: every nonzero voxel has D = 1.
 * Voxels h[0] x h[1] x h[2] (NULL: cubes of edge 1), in physical units straight from the
 * geometry: a face normal to d conducts its area h_x h_y h_z / h_d over the distance h_d between
 * the centres (over h_d / 2 to a fixed face), and D_eff = F L / A with L and A the volume's
 * length and cross-section in the same unit. The fluxes are then divided by h_x h_y h_z / h_a^2
 * to be in the solver's units; nothing else here uses the solver's scaling. */
typedef struct
{
  double tau;
  double d_rel;
  double flux_in;
  double flux_out;
  double *conc;    /* per voxel, NaN off the unknowns */
} Direct;

static double
voxel_d (const guint8 *mask,
         gsize         g,
         double        d2)
{
  return mask[g] == 0 ? 0.0 : d2 >= 0.0 && mask[g] == 2 ? d2 : 1.0;
}

static double
half_voxels (double di,
             double dj)
{
  return 1.0 / (0.5 / di + 0.5 / dj);
}

static void
direct_solve_spaced (const guint8 *mask,
                     const gsize   dims[3],
                     int           axis,
                     double        d2,
                     const double *spacing,
                     Direct       *out)
{
  const double cube[3] = { 1.0, 1.0, 1.0 };
  const double *h = spacing != NULL ? spacing : cube;
  const double voxel = h[0] * h[1] * h[2];
  const double to_solver = voxel / (h[axis] * h[axis]);
  const gsize n_vox = dims[0] * dims[1] * dims[2];
  const gsize stride[3] = { 1, dims[0], dims[0] * dims[1] };
  const gsize last = dims[axis] - 1;
  g_autofree int *comp = g_new (int, n_vox);
  g_autofree gsize *stack = g_new (gsize, n_vox);
  g_autofree int *touches = g_new0 (int, n_vox + 1);
  g_autofree gssize *unknown = g_new (gssize, n_vox);
  g_autofree gsize *where = g_new (gsize, n_vox);
  g_autofree double *a = NULL;
  g_autofree double *b = NULL;
  gsize n = 0;
  double d_sum = 0.0;
  int n_comp = 0;
  double in = 0.0, outflux = 0.0;

  /* Flood fill of the 6-connected parts. */
  for (gsize g = 0; g < n_vox; g++)
    comp[g] = -1;
  for (gsize g0 = 0; g0 < n_vox; g0++)
    {
      gsize top = 0;

      if (voxel_d (mask, g0, d2) == 0.0 || comp[g0] >= 0)
        continue;
      comp[g0] = n_comp;
      stack[top++] = g0;
      while (top > 0)
        {
          gsize g = stack[--top];
          gsize pos[3] = { g % dims[0], g / dims[0] % dims[1], g / stride[2] };

          if (pos[axis] == 0)
            touches[n_comp] = 1;
          if (pos[axis] == last)
            touches[n_comp] = 1;
          for (int d = 0; d < 3; d++)
            {
              if (pos[d] > 0 && voxel_d (mask, g - stride[d], d2) > 0.0 &&
                  comp[g - stride[d]] < 0)
                {
                  comp[g - stride[d]] = n_comp;
                  stack[top++] = g - stride[d];
                }
              if (pos[d] + 1 < dims[d] && voxel_d (mask, g + stride[d], d2) > 0.0 &&
                  comp[g + stride[d]] < 0)
                {
                  comp[g + stride[d]] = n_comp;
                  stack[top++] = g + stride[d];
                }
            }
        }
      n_comp++;
    }
  for (gsize g = 0; g < n_vox; g++)
    {
      d_sum += voxel_d (mask, g, d2);
      unknown[g] = voxel_d (mask, g, d2) > 0.0 && touches[comp[g]] ? (gssize) n++ : -1;
      if (unknown[g] >= 0)
        where[unknown[g]] = g;
    }

  a = g_new0 (double, n * n);
  b = g_new0 (double, n);
  for (gsize i = 0; i < n; i++)
    {
      gsize g = where[i];
      gsize pos[3] = { g % dims[0], g / dims[0] % dims[1], g / stride[2] };
      double di = voxel_d (mask, g, d2);

      for (int d = 0; d < 3; d++)
        {
          if (pos[d] > 0 && unknown[g - stride[d]] >= 0)
            {
              double w = half_voxels (di, voxel_d (mask, g - stride[d], d2)) *
                         voxel / (h[d] * h[d]);

              a[i * n + i] += w;
              a[i * n + unknown[g - stride[d]]] -= w;
            }
          if (pos[d] + 1 < dims[d] && unknown[g + stride[d]] >= 0)
            {
              double w = half_voxels (di, voxel_d (mask, g + stride[d], d2)) *
                         voxel / (h[d] * h[d]);

              a[i * n + i] += w;
              a[i * n + unknown[g + stride[d]]] -= w;
            }
        }
      if (pos[axis] == 0)
        {
          a[i * n + i] += 2.0 * di * to_solver;
          b[i] += 2.0 * di * to_solver * 1.0;
        }
      if (pos[axis] == last)
        a[i * n + i] += 2.0 * di * to_solver;
    }

  /* Cholesky A = L L^T in place (lower triangle), then two triangular solves. */
  for (gsize j = 0; j < n; j++)
    {
      double s = a[j * n + j];

      for (gsize k = 0; k < j; k++)
        s -= a[j * n + k] * a[j * n + k];
      g_assert_cmpfloat (s, >, 0.0);
      a[j * n + j] = sqrt (s);
      for (gsize i = j + 1; i < n; i++)
        {
          double t = a[i * n + j];

          for (gsize k = 0; k < j; k++)
            t -= a[i * n + k] * a[j * n + k];
          a[i * n + j] = t / a[j * n + j];
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      for (gsize k = 0; k < i; k++)
        b[i] -= a[i * n + k] * b[k];
      b[i] /= a[i * n + i];
    }
  for (gsize i = n; i-- > 0;)
    {
      for (gsize k = i + 1; k < n; k++)
        b[i] -= a[k * n + i] * b[k];
      b[i] /= a[i * n + i];
    }

  out->conc = g_new (double, n_vox);
  for (gsize g = 0; g < n_vox; g++)
    {
      gsize pos_a = axis == 0 ? g % dims[0] : axis == 1 ? g / dims[0] % dims[1] : g / stride[2];

      out->conc[g] = unknown[g] >= 0 ? b[unknown[g]] : NAN;
      if (unknown[g] < 0)
        continue;
      if (pos_a == 0)
        in += 2.0 * voxel_d (mask, g, d2) * to_solver * (1.0 - b[unknown[g]]);
      if (pos_a == last)
        outflux += 2.0 * voxel_d (mask, g, d2) * to_solver * b[unknown[g]];
    }
  out->flux_in = in / to_solver;
  out->flux_out = outflux / to_solver;
  out->d_rel = 0.5 * (in + outflux) * (dims[axis] * h[axis]) /
               ((double) n_vox / dims[axis] * voxel / h[axis]);
  out->tau = (d_sum / n_vox) / out->d_rel;
}

static void
direct_solve (const guint8 *mask,
              const gsize   dims[3],
              int           axis,
              double        d2,
              Direct       *out)
{
  direct_solve_spaced (mask, dims, axis, d2, NULL, out);
}

/* t against the dense solve: tau, D_eff, both fluxes within 1e-8 relative (the flux in equals
 * the flux out, in both), the concentration within 1e-6 where t has one (parts touching one
 * face are NaN in the solver's field and at that face's concentration in the oracle). */
static void
assert_direct (EvoxTortuosity *t,
               const Direct   *direct,
               gsize           n)
{
  const float *c = evox_volume_get_data (evox_tortuosity_get_concentration (t), 0);

  g_assert_true (evox_tortuosity_get_percolating (t));
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (t), direct->tau, 1e-8 * direct->tau);
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_effective_diffusivity (t), direct->d_rel,
                                  1e-8 * direct->d_rel);
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_flux_in (t), direct->flux_in,
                                  1e-8 * direct->flux_in);
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_flux_out (t), direct->flux_out,
                                  1e-8 * direct->flux_in);
  g_assert_cmpfloat_with_epsilon (direct->flux_in, direct->flux_out, 1e-12 * direct->flux_in);
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_flux_in (t),
                                  evox_tortuosity_get_flux_out (t), 1e-8 * direct->flux_in);
  for (gsize g = 0; g < n; g++)
    if (!isnan (c[g]))
      g_assert_cmpfloat_with_epsilon (c[g], direct->conc[g], 1e-6);
}

/* Random phases of an odd-shaped 7 x 8 x 9 box at two porosities, each axis, both
 * preconditioners (the multigrid has one coarse level, factorised densely), against the dense
 * solve at a solver tolerance of 1e-10: tau, D_eff, both fluxes and the concentration on the
 * connected voxels. The flux in equals the flux out (the residual's sum is their difference). */
static void
check_dense (const gsize                  dims[3],
             EvoxTortuosityPreconditioner preconditioner)
{
  const gsize n = dims[0] * dims[1] * dims[2];
  const double porosities[] = { 0.55, 0.75 };
  guint64 state = 18;

  for (guint k = 0; k < G_N_ELEMENTS (porosities); k++)
    {
      g_autofree guint8 *mask = g_new (guint8, n);

      for (gsize g = 0; g < n; g++)
        mask[g] = evox_test_uniform (&state) < porosities[k];
      for (int axis = 0; axis < 3; axis++)
        {
          g_autoptr(EvoxTortuosity) t = solve_with (mask, dims, axis, preconditioner, 1e-10,
                                                    TRUE);
          Direct direct = { 0 };
          guint n_history;
          const double *history;

          direct_solve (mask, dims, axis, -1.0, &direct);
          g_test_message ("%s, %zu voxels, porosity %.2f axis %d: tau %.9f (direct %.9f), "
                          "%u iterations",
                          preconditioner == EVOX_TORTUOSITY_JACOBI ? "Jacobi" : "multigrid", n,
                          porosities[k], axis, evox_tortuosity_get_tau (t), direct.tau,
                          evox_tortuosity_get_n_iterations (t));
          g_assert_cmpfloat (direct.tau, >, 1.0);
          assert_direct (t, &direct, n);

          history = evox_tortuosity_get_residual_history (t, &n_history);
          g_assert_cmpuint (n_history, ==, evox_tortuosity_get_n_iterations (t) + 1);
          g_assert_cmpuint (n_history, >, 2);
          g_assert_cmpfloat (history[0], >, 1e-10);
          g_assert_cmpfloat (history[n_history - 1], <=, 1e-10);
          g_assert_cmpfloat (evox_tortuosity_get_residual (t), ==, history[n_history - 1]);
          g_free (direct.conc);
        }
    }
}

static void
test_dense (void)
{
  const gsize dims[3] = { 7, 8, 9 };

  check_dense (dims, EVOX_TORTUOSITY_MULTIGRID);
  check_dense (dims, EVOX_TORTUOSITY_JACOBI);
}

/* The multigrid and the Jacobi solves of one system agree within rel and the multigrid needs
 * less than half the iterations. */
static void
assert_multigrid_beats_jacobi (EvoxTortuosity *mg,
                               EvoxTortuosity *jacobi,
                               int             axis,
                               double          rel)
{
  g_test_message ("axis %d: tau %.9f multigrid (%u iterations), %.9f Jacobi (%u)", axis,
                  evox_tortuosity_get_tau (mg), evox_tortuosity_get_n_iterations (mg),
                  evox_tortuosity_get_tau (jacobi), evox_tortuosity_get_n_iterations (jacobi));
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (mg), evox_tortuosity_get_tau (jacobi),
                                  rel * evox_tortuosity_get_tau (jacobi));
  g_assert_cmpuint (2 * evox_tortuosity_get_n_iterations (mg), <,
                    evox_tortuosity_get_n_iterations (jacobi));
}

/* A volume big enough for three coarse multigrid levels (21 x 19 x 19, 11 x 10 x 10 and the
 * factorised 6 x 5 x 5, so the W-cycle below level 1 runs; too big for the dense oracle): the
 * multigrid and the Jacobi-preconditioned solves, both to 1e-11, agree, and the multigrid needs
 * far fewer iterations. */
static void
test_levels (void)
{
  const gsize dims[3] = { 42, 38, 38 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *mask = g_new (guint8, n);
  guint64 state = 5;

  for (gsize g = 0; g < n; g++)
    mask[g] = evox_test_uniform (&state) < 0.6;
  for (int axis = 0; axis < 3; axis++)
    {
      g_autoptr(EvoxTortuosity) mg = solve_with (mask, dims, axis, EVOX_TORTUOSITY_MULTIGRID,
                                                 1e-11, FALSE);
      g_autoptr(EvoxTortuosity) jacobi = solve_with (mask, dims, axis, EVOX_TORTUOSITY_JACOBI,
                                                     1e-11, FALSE);

      assert_multigrid_beats_jacobi (mg, jacobi, axis, 1e-8);
    }
}

/* A looser tolerance stops earlier and still lands near the answer: the stopping rule is the
 * relative residual asked for. */
static void
test_tolerance (void)
{
  const gsize dims[3] = { 12, 12, 12 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *mask = g_new (guint8, n);
  g_autoptr(EvoxTortuosity) tight = NULL;
  g_autoptr(EvoxTortuosity) loose = NULL;
  guint64 state = 7;

  for (gsize g = 0; g < n; g++)
    mask[g] = evox_test_uniform (&state) < 0.6;
  tight = solve (mask, dims, EVOX_FLOW_AXIS_Y, 1e-10, FALSE);
  loose = solve (mask, dims, EVOX_FLOW_AXIS_Y, 1e-3, FALSE);
  g_assert_cmpuint (evox_tortuosity_get_n_iterations (loose), <,
                    evox_tortuosity_get_n_iterations (tight));
  g_assert_cmpfloat (evox_tortuosity_get_residual (loose), <=, 1e-3);
  g_assert_cmpfloat (evox_tortuosity_get_residual (loose), >, 1e-10);
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (loose),
                                  evox_tortuosity_get_tau (tight),
                                  0.01 * evox_tortuosity_get_tau (tight));
  g_assert_cmpfloat (evox_tortuosity_get_tolerance (loose), ==, 1e-3);
}

/* Bad input: clear errors, never a hang. */
static void
test_errors (void)
{
  const gsize dims[3] = { 10, 10, 10 };
  const gsize thin[3] = { 10, 1, 10 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *mask = g_new (guint8, n);
  g_autofree guint8 *empty = g_new0 (guint8, n);
  const double bad_tolerances[] = { 0.0, -1e-6, NAN, 1.0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  EvoxTortuosityParams params;
  guint64 state = 3;

  for (gsize g = 0; g < n; g++)
    mask[g] = evox_test_uniform (&state) < 0.7;
  evox_tortuosity_params_init (&params);
  g_assert_cmpfloat (params.tolerance, ==, EVOX_TORTUOSITY_DEFAULT_TOLERANCE);

  for (guint k = 0; k < G_N_ELEMENTS (bad_tolerances); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxTortuosity) t = NULL;

      params.tolerance = bad_tolerances[k];
      t = evox_tortuosity_compute_mask (mask, dims, &params, NULL, NULL, &error);
      g_assert_null (t);
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "tolerance"));
    }
  params.tolerance = 1e-6;

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxTortuosity) t = NULL;

    params.axis = EVOX_FLOW_AXIS_Y;
    t = evox_tortuosity_compute_mask (mask, thin, &params, NULL, NULL, &error);
    g_assert_null (t);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "1 voxel thick along y"));
    params.axis = EVOX_FLOW_AXIS_X;
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxTortuosity) t = NULL;

    /* The thin volume is fine along x. */
    t = evox_tortuosity_compute_mask (mask, thin, &params, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (t);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxTortuosity) t = NULL;

    t = evox_tortuosity_compute_mask (empty, dims, &params, NULL, NULL, &error);
    g_assert_null (t);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "no voxels"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxTortuosity) t = NULL;

    /* Two iterations cannot reach 1e-6 on a random structure. */
    params.max_iterations = 2;
    t = evox_tortuosity_compute_mask (mask, dims, &params, NULL, NULL, &error);
    g_assert_null (t);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_FAILED);
    g_assert_nonnull (strstr (error->message, "after 2 iterations"));
    params.max_iterations = 0;
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxTortuosity) t = NULL;

    g_cancellable_cancel (cancellable);
    t = evox_tortuosity_compute_mask (mask, dims, &params, NULL, cancellable, &error);
    g_assert_null (t);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

typedef struct
{
  GCancellable *cancellable;
  gint          fired;   /* atomic: the solver's threads may report at once */
  double        seen;
} Watcher;

/* Cancels once the solve has reported a fifth of its way, as a window's Cancel button would, but
 * on the solver's own thread at that report: a watcher thread could be kept off the CPU of a
 * loaded machine until the solve had ended. */
static void
cancel_at_a_fifth (EvoxProgress *progress,
                   gpointer      data)
{
  Watcher *w = data;
  double fraction = evox_progress_get_fraction (progress);

  if (fraction < 0.2 || !g_atomic_int_compare_and_exchange (&w->fired, 0, 1))
    return;
  w->seen = fraction;
  g_cancellable_cancel (w->cancellable);
}

/* A long solve (Jacobi to 1e-13 along 120 voxels) moves its progress past the labelling and
 * stops with G_IO_ERROR_CANCELLED when cancelled while it iterates, without finishing. */
static void
test_cancel (void)
{
  const gsize dims[3] = { 40, 40, 120 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *mask = g_new (guint8, n);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxTortuosity) t = NULL;
  Watcher w = { cancellable, 0, 0.0 };
  EvoxTortuosityParams params;
  guint64 state = 11;

  for (gsize g = 0; g < n; g++)
    mask[g] = evox_test_uniform (&state) < 0.5;
  evox_tortuosity_params_init (&params);
  params.axis = EVOX_FLOW_AXIS_Z;
  params.preconditioner = EVOX_TORTUOSITY_JACOBI;
  params.tolerance = 1e-13;
  params.max_iterations = 1000000;
  _evox_progress_set_watch (progress, cancel_at_a_fifth, &w);
  t = evox_tortuosity_compute_mask (mask, dims, &params, progress, cancellable, &error);
  g_assert_null (t);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpfloat (w.seen, >=, 0.2);
  g_assert_cmpfloat (evox_progress_get_fraction (progress), <, 1.0);
}

static void
on_computed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  EvoxTortuosity **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = evox_tortuosity_compute_finish (result, &error);
  g_assert_no_error (error);
}

/* A phase given as a value range of a u8 label volume (0 / 85 / 170) matches its mask, the
 * fields take the volume's grid, the progress reaches the end, and the async pair gives the same
 * result. Bad ranges fail. */
static void
test_volume (void)
{
  const gsize dims[3] = { 9, 8, 7 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U8,
                                                  &error);
  g_autoptr(EvoxTortuosity) from_mask = NULL;
  g_autoptr(EvoxTortuosity) from_range = NULL;
  g_autoptr(EvoxTortuosity) from_async = NULL;
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autofree guint8 *mask = g_new (guint8, n);
  const double spacing[3] = { 20.0, 20.0, 30.0 };
  double got[3];
  EvoxTortuosityParams params;
  guint8 *v;
  guint64 state = 85;

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (volume, 0);
  for (gsize g = 0; g < n; g++)
    {
      double u = evox_test_uniform (&state);

      v[g] = u < 0.6 ? 0 : u < 0.85 ? 85 : 170;
      mask[g] = v[g] == 0;
    }
  evox_volume_set_spacing (volume, spacing);
  evox_volume_freeze (volume);

  evox_tortuosity_params_init (&params);
  params.axis = EVOX_FLOW_AXIS_Z;
  params.tolerance = 1e-9;
  params.keep_concentration = TRUE;
  /* The volume's voxels are 20 x 20 x 30 nm: evox_tortuosity_compute solves with that spacing,
   * the mask alone with cubes unless told. */
  {
    g_autoptr(EvoxTortuosity) cubes = evox_tortuosity_compute_mask (mask, dims, &params, NULL,
                                                                    NULL, &error);

    g_assert_no_error (error);
    g_assert_false (evox_tortuosity_get_spacing (cubes, got));
    g_assert_cmpfloat (got[0], ==, 1.0);
    g_assert_cmpfloat (got[2], ==, 1.0);
    memcpy (params.spacing, spacing, sizeof spacing);
    from_mask = evox_tortuosity_compute_mask (mask, dims, &params, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (fabs (evox_tortuosity_get_tau (cubes) / evox_tortuosity_get_tau (from_mask)
                             - 1.0), >, 0.01);
    memset (params.spacing, 0, sizeof params.spacing);
  }
  from_range = evox_tortuosity_compute (volume, 0, -0.5, 40.0, &params, progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_tortuosity_get_percolating (from_range));
  g_assert_true (evox_tortuosity_get_spacing (from_range, got));
  g_assert_cmpfloat (got[1], ==, 20.0);
  g_assert_cmpfloat (got[2], ==, 30.0);
  g_assert_cmpfloat (evox_tortuosity_get_tau (from_range), ==,
                     evox_tortuosity_get_tau (from_mask));
  g_assert_cmpfloat (evox_tortuosity_get_porosity (from_range), ==,
                     evox_tortuosity_get_porosity (from_mask));
  g_assert_cmpfloat_with_epsilon (evox_progress_get_fraction (progress), 1.0, 1e-9);
  {
    g_autofree char *stage = evox_progress_dup_stage (progress);

    g_assert_cmpstr (stage, ==, "Solving diffusion");
  }
  evox_volume_get_spacing (evox_tortuosity_get_concentration (from_range), got);
  g_assert_cmpfloat (got[2], ==, 30.0);
  g_assert_null (evox_tortuosity_get_flux_magnitude (from_range));

  evox_tortuosity_compute_async (volume, 0, 0.0, 0.0, &params, NULL, NULL, on_computed,
                                 &from_async);
  while (from_async == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpfloat (evox_tortuosity_get_tau (from_async), ==,
                     evox_tortuosity_get_tau (from_mask));

  {
    g_autoptr(GError) range_error = NULL;
    g_autoptr(EvoxTortuosity) t = NULL;

    t = evox_tortuosity_compute (volume, 0, 100.0, 50.0, &params, NULL, NULL, &range_error);
    g_assert_null (t);
    g_assert_error (range_error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
  {
    g_autoptr(GError) empty_error = NULL;
    g_autoptr(EvoxTortuosity) t = NULL;

    /* No stored value lies in [200, 250]. */
    t = evox_tortuosity_compute (volume, 0, 200.0, 250.0, &params, NULL, NULL, &empty_error);
    g_assert_null (t);
    g_assert_error (empty_error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
}

/* Slabs of the two phases (every voxel conducts) normal to x, in the order 1 2 2 1 2 1 with
 * D2 = 1/4. Along x they are resistances in series: D_eff / D = L / sum 1 / D_k = 6 / 15 and the
 * concentration at the centre of slab k is 1 - (sum_{m<k} 1 / D_m + 1 / (2 D_k)) / sum 1 / D_m.
 * Along y and z they are in parallel: D_eff / D is the mean D, 0.625, and tau = 1. TauFactor's
 * tau = D_mean / D_eff with D_mean = eps1 + D2 eps2 = 0.625, so 1.5625 along x. */
static void
test_two_phase_layers (void)
{
  const gsize dims[3] = { 6, 5, 4 };
  const gsize n = dims[0] * dims[1] * dims[2];
  const guint8 slab[6] = { 1, 2, 2, 1, 2, 1 };
  const double d2 = 0.25;
  g_autofree guint8 *mask = g_new (guint8, n);
  double resistance = 0.0, before[6];

  for (gsize x = 0; x < dims[0]; x++)
    {
      before[x] = resistance + 0.5 / (slab[x] == 2 ? d2 : 1.0);
      resistance += 1.0 / (slab[x] == 2 ? d2 : 1.0);
    }
  g_assert_cmpfloat (resistance, ==, 15.0);
  for (gsize g = 0; g < n; g++)
    mask[g] = slab[g % dims[0]];

  for (int pre = 0; pre < 2; pre++)
    for (int axis = 0; axis < 3; axis++)
      {
        g_autoptr(EvoxTortuosity) t = solve_two (mask, dims, axis,
                                                 pre ? EVOX_TORTUOSITY_JACOBI
                                                     : EVOX_TORTUOSITY_MULTIGRID,
                                                 d2, 1e-12, TRUE);
        double d_eff = axis == 0 ? 6.0 / 15.0 : 0.625;
        double area = (double) n / dims[axis];
        const float *c = evox_volume_get_data (evox_tortuosity_get_concentration (t), 0);
        const float *f = evox_volume_get_data (evox_tortuosity_get_flux_magnitude (t), 0);

        g_assert_true (evox_tortuosity_get_percolating (t));
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_porosity (t), 0.5, 1e-15);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_second_fraction (t), 0.5, 1e-15);
        g_assert_cmpfloat (evox_tortuosity_get_second_diffusivity (t), ==, d2);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_mean_diffusivity (t), 0.625, 1e-15);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_connected_fraction (t), 1.0, 1e-15);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_effective_diffusivity (t), d_eff,
                                        1e-10);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (t), 0.625 / d_eff, 1e-10);
        /* Flux in = flux out = D_eff A / L. */
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_flux_in (t),
                                        d_eff * area / dims[axis], 1e-10);
        g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_flux_out (t),
                                        evox_tortuosity_get_flux_in (t), 1e-10);
        for (gsize g = 0; g < n; g++)
          {
            gsize x = g % dims[0];
            gsize a = axis == 0 ? x : axis == 1 ? g / dims[0] % dims[1] : g / (dims[0] * dims[1]);
            double dk = slab[x] == 2 ? d2 : 1.0;

            if (axis == 0)
              {
                /* Every voxel carries the flux 1 / R of its channel. */
                g_assert_cmpfloat_with_epsilon (c[g], 1.0 - before[x] / resistance, 1e-6);
                g_assert_cmpfloat_with_epsilon (f[g], 1.0 / resistance, 1e-6);
              }
            else
              {
                g_assert_cmpfloat_with_epsilon (c[g], 1.0 - (a + 0.5) / dims[axis], 1e-6);
                g_assert_cmpfloat_with_epsilon (f[g], dk / dims[axis], 1e-6);
              }
          }
      }
}

/* Random volumes of three classes (nothing, the first phase, the second) against the dense
 * direct solve of the same harmonic-mean system assembled in the test: tau, D_eff, both fluxes
 * (equal: the flux in is the flux out) and the concentration, each axis, both preconditioners. */
static void
test_two_phase_dense (void)
{
  const gsize dims[3] = { 7, 8, 9 };
  const gsize n = dims[0] * dims[1] * dims[2];
  const double d2s[] = { 0.2, 0.01 };
  g_autofree guint8 *mask = g_new (guint8, n);
  guint64 state = 31;
  guint64 n1 = 0, n2 = 0;

  for (gsize g = 0; g < n; g++)
    {
      double u = evox_test_uniform (&state);

      mask[g] = u < 0.4 ? 1 : u < 0.7 ? 2 : 0;
      n1 += mask[g] == 1;
      n2 += mask[g] == 2;
    }
  for (guint k = 0; k < G_N_ELEMENTS (d2s); k++)
    for (int pre = 0; pre < 2; pre++)
      for (int axis = 0; axis < 3; axis++)
        {
          g_autoptr(EvoxTortuosity) t = solve_two (mask, dims, axis,
                                                   pre ? EVOX_TORTUOSITY_JACOBI
                                                       : EVOX_TORTUOSITY_MULTIGRID,
                                                   d2s[k], 1e-11, TRUE);
          Direct direct = { 0 };

          direct_solve (mask, dims, axis, d2s[k], &direct);
          g_test_message ("D2 %g %s axis %d: tau %.9f (direct %.9f), %u iterations", d2s[k],
                          pre ? "Jacobi" : "multigrid", axis, evox_tortuosity_get_tau (t),
                          direct.tau, evox_tortuosity_get_n_iterations (t));
          g_assert_true (evox_tortuosity_get_percolating (t));
          g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_porosity (t), (double) n1 / n,
                                          1e-15);
          g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_second_fraction (t),
                                          (double) n2 / n, 1e-15);
          assert_direct (t, &direct, n);
          g_free (direct.conc);
        }
}

/* The limits: D2 = 1 is the one-phase solve of the union, D2 = 0 the one-phase solve of the
 * first phase alone (its tau counts only the first phase, as D_mean = eps1 then); both to
 * rounding, fields included. */
static void
test_two_phase_limits (void)
{
  const gsize dims[3] = { 12, 10, 11 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *mask = g_new (guint8, n);
  g_autofree guint8 *first = g_new (guint8, n);
  guint64 state = 7;

  for (gsize g = 0; g < n; g++)
    {
      double u = evox_test_uniform (&state);

      mask[g] = u < 0.5 ? 1 : u < 0.75 ? 2 : 0;
      first[g] = mask[g] == 1;
    }
  for (int axis = 0; axis < 3; axis++)
    {
      g_autoptr(EvoxTortuosity) one = solve_two (mask, dims, axis, EVOX_TORTUOSITY_MULTIGRID,
                                                 1.0, 1e-10, TRUE);
      g_autoptr(EvoxTortuosity) union_ = solve (mask, dims, axis, 1e-10, TRUE);
      g_autoptr(EvoxTortuosity) zero = solve_two (mask, dims, axis, EVOX_TORTUOSITY_MULTIGRID,
                                                  0.0, 1e-10, TRUE);
      g_autoptr(EvoxTortuosity) alone = solve (first, dims, axis, 1e-10, TRUE);
      EvoxTortuosity *pairs[2][2] = { { one, union_ }, { zero, alone } };

      g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_porosity (one) +
                                      evox_tortuosity_get_second_fraction (one),
                                      evox_tortuosity_get_porosity (union_), 1e-15);
      g_assert_cmpfloat (evox_tortuosity_get_porosity (zero), ==,
                         evox_tortuosity_get_porosity (alone));
      g_assert_cmpfloat (evox_tortuosity_get_second_fraction (zero), >, 0.2);
      for (guint k = 0; k < 2; k++)
        {
          EvoxTortuosity *a = pairs[k][0], *b = pairs[k][1];
          const float *ca = evox_volume_get_data (evox_tortuosity_get_concentration (a), 0);
          const float *cb = evox_volume_get_data (evox_tortuosity_get_concentration (b), 0);
          const float *fa = evox_volume_get_data (evox_tortuosity_get_flux_magnitude (a), 0);
          const float *fb = evox_volume_get_data (evox_tortuosity_get_flux_magnitude (b), 0);

          g_assert_true (evox_tortuosity_get_percolating (b));
          g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (a),
                                          evox_tortuosity_get_tau (b),
                                          1e-12 * evox_tortuosity_get_tau (b));
          g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_effective_diffusivity (a),
                                          evox_tortuosity_get_effective_diffusivity (b), 1e-14);
          g_assert_cmpuint (evox_tortuosity_get_n_unknowns (a), ==,
                            evox_tortuosity_get_n_unknowns (b));
          for (gsize g = 0; g < n; g++)
            {
              g_assert_true (isnan (ca[g]) == isnan (cb[g]));
              if (!isnan (ca[g]))
                g_assert_cmpfloat_with_epsilon (ca[g], cb[g], 1e-6);
              g_assert_true (isnan (fa[g]) == isnan (fb[g]));
              if (!isnan (fa[g]))
                g_assert_cmpfloat_with_epsilon (fa[g], fb[g], 1e-6);
            }
        }
    }
}

/* The multigrid's coarse operators come from the fine conductances (Galerkin): with D2 = 0.05
 * on a volume of three coarse levels it agrees with the Jacobi solve and needs far fewer
 * iterations. */
static void
test_two_phase_levels (void)
{
  const gsize dims[3] = { 42, 38, 38 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *mask = g_new (guint8, n);
  guint64 state = 12;

  for (gsize g = 0; g < n; g++)
    {
      double u = evox_test_uniform (&state);

      mask[g] = u < 0.35 ? 1 : u < 0.8 ? 2 : 0;
    }
  for (int axis = 0; axis < 3; axis += 2)
    {
      g_autoptr(EvoxTortuosity) mg = solve_two (mask, dims, axis, EVOX_TORTUOSITY_MULTIGRID,
                                                0.05, 1e-10, FALSE);
      g_autoptr(EvoxTortuosity) jacobi = solve_two (mask, dims, axis, EVOX_TORTUOSITY_JACOBI,
                                                    0.05, 1e-10, FALSE);

      assert_multigrid_beats_jacobi (mg, jacobi, axis, 1e-7);
    }
}

/* A second diffusivity outside [0, 1] is refused; a second phase alone (no first-phase voxel)
 * conducts: a straight bar of it has tau 1 and D_eff = D2 times its volume fraction. */
static void
test_two_phase_errors (void)
{
  const gsize dims[3] = { 5, 4, 4 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autofree guint8 *mask = g_new0 (guint8, n);
  const double bad[] = { -0.1, 1.5, NAN, INFINITY };
  EvoxTortuosityParams params;
  g_autoptr(EvoxTortuosity) bar = NULL;

  for (gsize x = 0; x < dims[0]; x++)
    mask[voxel_index (dims, x, 1, 2)] = 2;
  evox_tortuosity_params_init (&params);
  params.second_phase = TRUE;
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxTortuosity) t = NULL;

      params.second_diffusivity = bad[k];
      t = evox_tortuosity_compute_mask (mask, dims, &params, NULL, NULL, &error);
      g_assert_null (t);
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxTortuosity) t = NULL;

    /* D2 = 0 and no first phase: nothing conducts. */
    params.second_diffusivity = 0.0;
    t = evox_tortuosity_compute_mask (mask, dims, &params, NULL, NULL, &error);
    g_assert_null (t);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
  bar = solve_two (mask, dims, EVOX_FLOW_AXIS_X, EVOX_TORTUOSITY_MULTIGRID, 0.3, 1e-10, FALSE);
  g_assert_cmpfloat (evox_tortuosity_get_porosity (bar), ==, 0.0);
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_effective_diffusivity (bar),
                                  0.3 * 5.0 / n, 1e-12);
  g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (bar), 1.0, 1e-10);
}

/* evox_tortuosity_compute with a second range matches the mask it describes (a voxel in both
 * ranges is the first phase's); a second range that is not one is refused. */
static void
test_two_phase_volume (void)
{
  const gsize dims[3] = { 9, 8, 10 };
  const gsize n = dims[0] * dims[1] * dims[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (dims[0], dims[1], dims[2], 1, EVOX_SAMPLE_U8,
                                                  &error);
  g_autofree guint8 *mask = g_new (guint8, n);
  g_autoptr(EvoxTortuosity) from_mask = NULL;
  g_autoptr(EvoxTortuosity) from_range = NULL;
  EvoxTortuosityParams params;
  guint64 state = 4;
  guint8 *v;

  g_assert_no_error (error);
  v = evox_volume_get_data_mut (volume, 0);
  for (gsize g = 0; g < n; g++)
    {
      double u = evox_test_uniform (&state);

      v[g] = u < 0.45 ? 0 : u < 0.55 ? 40 : u < 0.8 ? 170 : 85;
      mask[g] = v[g] <= 40 ? 1 : v[g] == 170 ? 2 : 0;
    }
  evox_volume_freeze (volume);
  evox_tortuosity_params_init (&params);
  params.axis = EVOX_FLOW_AXIS_Y;
  params.tolerance = 1e-10;
  params.second_phase = TRUE;
  params.second_diffusivity = 0.3;
  params.second_lo = 100.0;
  params.second_hi = 170.0;
  from_mask = evox_tortuosity_compute_mask (mask, dims, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  from_range = evox_tortuosity_compute (volume, 0, 0.0, 40.0, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (evox_tortuosity_get_tau (from_range), ==,
                     evox_tortuosity_get_tau (from_mask));
  g_assert_cmpfloat (evox_tortuosity_get_second_fraction (from_range), ==,
                     evox_tortuosity_get_second_fraction (from_mask));
  {
    g_autoptr(EvoxTortuosity) overlap = NULL;

    /* [30, 170] holds 40 too, which stays the first phase's, and 85, which joins the second. */
    params.second_lo = 30.0;
    overlap = evox_tortuosity_compute (volume, 0, 0.0, 40.0, &params, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (evox_tortuosity_get_second_fraction (overlap), >,
                       evox_tortuosity_get_second_fraction (from_range));
    g_assert_cmpfloat (evox_tortuosity_get_porosity (overlap), ==,
                       evox_tortuosity_get_porosity (from_range));
  }
  {
    g_autoptr(EvoxTortuosity) t = NULL;

    params.second_lo = NAN;
    t = evox_tortuosity_compute (volume, 0, 0.0, 40.0, &params, NULL, NULL, &error);
    g_assert_null (t);
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  }
}

static void
test_axis_names (void)
{
  EvoxFlowAxis axis = EVOX_FLOW_AXIS_X;

  g_assert_cmpstr (evox_flow_axis_to_string (EVOX_FLOW_AXIS_Y), ==, "y");
  g_assert_true (evox_flow_axis_from_string ("Z", &axis));
  g_assert_cmpint (axis, ==, EVOX_FLOW_AXIS_Z);
  g_assert_false (evox_flow_axis_from_string ("w", &axis));
  g_assert_false (evox_flow_axis_from_string (NULL, &axis));
}

/* Anisotropic voxels against the dense solve assembled in physical units (direct_solve_spaced):
 * random 7 x 8 x 9 volumes with one phase (porosity 0.6) and with a second phase (D2 = 0.2),
 * FIB-SEM-like 1 x 1 x 3 voxels and a voxel longest along x (3 x 1 x 1.5), each axis, both
 * preconditioners, to 1e-11: tau, D_eff, both fluxes within 1e-8 and the concentration within
 * 1e-6. The cubic solve of the same volume differs by more than 1 % (the spacing matters). */
static void
test_anisotropic_dense (void)
{
  const gsize dims[3] = { 7, 8, 9 };
  const gsize n = dims[0] * dims[1] * dims[2];
  const double spacings[][3] = { { 1.0, 1.0, 3.0 }, { 3.0, 1.0, 1.5 } };
  g_autofree guint8 *one = g_new (guint8, n);
  g_autofree guint8 *two = g_new (guint8, n);
  guint64 state = 1018;

  for (gsize g = 0; g < n; g++)
    {
      double u = evox_test_uniform (&state);

      one[g] = u < 0.6;
      two[g] = u < 0.4 ? 1 : u < 0.7 ? 2 : 0;
    }
  for (guint k = 0; k < G_N_ELEMENTS (spacings); k++)
    for (int phases = 1; phases <= 2; phases++)
      for (int pre = 0; pre < 2; pre++)
        for (int axis = 0; axis < 3; axis++)
          {
            const guint8 *mask = phases == 1 ? one : two;
            const double d2 = phases == 1 ? -1.0 : 0.2;
            g_autoptr(EvoxTortuosity) t = solve_spaced (mask, dims, axis,
                                                        pre ? EVOX_TORTUOSITY_JACOBI
                                                            : EVOX_TORTUOSITY_MULTIGRID,
                                                        d2, 1e-11, TRUE, spacings[k]);
            g_autoptr(EvoxTortuosity) cubes = solve_two (mask, dims, axis,
                                                         EVOX_TORTUOSITY_MULTIGRID, d2, 1e-9,
                                                         FALSE);
            Direct direct = { 0 };
            double got[3];

            direct_solve_spaced (mask, dims, axis, d2, spacings[k], &direct);
            g_test_message ("spacing %g x %g x %g, %d phase(s), %s, axis %d: tau %.9f (direct "
                            "%.9f, cubes %.9f), %u iterations", spacings[k][0], spacings[k][1],
                            spacings[k][2], phases, pre ? "Jacobi" : "multigrid", axis,
                            evox_tortuosity_get_tau (t), direct.tau,
                            evox_tortuosity_get_tau (cubes), evox_tortuosity_get_n_iterations (t));
            assert_direct (t, &direct, n);
            g_assert_cmpfloat (fabs (evox_tortuosity_get_tau (t) / evox_tortuosity_get_tau (cubes)
                                     - 1.0), >, 0.01);
            g_assert_true (evox_tortuosity_get_spacing (t, got));
            g_assert_cmpfloat (got[2], ==, spacings[k][2]);
            g_free (direct.conc);
          }
}

/* A path one voxel wide through a 4 x 3 x 1 volume along x, steps (0,0) (1,0) (1,1) (1,2) (2,2)
 * (3,2) in (x, y): a chain of resistors, so D_eff has a closed form. With voxels hx x hy x hz
 * a step along x resists hx / (hy hz D), one along y hy / (hx hz D), and each end's half voxel
 * hx / (2 hy hz D); F = 1 / (the sum), D_eff = F 4 hx / (3 hy 1 hz), porosity 6 / 12. The step
 * voxel (1,1) is the second phase in a second volume: the two y steps then each resist
 * hy / (hx hz) (1/2 + 1/(2 D2)) and D_mean = (5 + D2) / 12. Both preconditioners, to 1e-12;
 * spacing (1, 1, 1) gives the cubes' numbers and scaling all three edges changes nothing. */
static double
path_d_eff (const double h[3],
            double       d2)
{
  double rx = h[0] / (h[1] * h[2]), ry = h[1] / (h[0] * h[2]);
  double resistance = 2.0 * 0.5 * rx + 3.0 * rx + (d2 < 0.0 ? 2.0 * ry
                                                             : 2.0 * ry * (0.5 + 0.5 / d2));

  return (1.0 / resistance) * 4.0 * h[0] / (3.0 * h[1] * 1.0 * h[2]);
}

static void
test_anisotropic_path (void)
{
  const gsize dims[3] = { 4, 3, 1 };
  const gsize steps[][2] = { { 0, 0 }, { 1, 0 }, { 1, 1 }, { 1, 2 }, { 2, 2 }, { 3, 2 } };
  const double spacings[][3] = { { 1, 1, 1 }, { 1, 2, 1 }, { 3, 1, 7 }, { 30, 10, 70 },
                                 { 0.5, 4, 2 } };
  guint8 mask[12] = { 0 };

  for (guint k = 0; k < G_N_ELEMENTS (steps); k++)
    mask[voxel_index (dims, steps[k][0], steps[k][1], 0)] = 1;
  for (guint phases = 1; phases <= 2; phases++)
    {
      const double d2 = phases == 1 ? -1.0 : 0.25;

      mask[voxel_index (dims, 1, 1, 0)] = phases;
      for (guint k = 0; k < G_N_ELEMENTS (spacings); k++)
        for (int pre = 0; pre < 2; pre++)
          {
            g_autoptr(EvoxTortuosity) t = solve_spaced (mask, dims, EVOX_FLOW_AXIS_X,
                                                        pre ? EVOX_TORTUOSITY_JACOBI
                                                            : EVOX_TORTUOSITY_MULTIGRID,
                                                        d2, 1e-12, FALSE, spacings[k]);
            double d_eff = path_d_eff (spacings[k], d2);
            double d_mean = phases == 1 ? 0.5 : (5.0 + d2) / 12.0;

            g_test_message ("path, spacing %g x %g x %g, %u phase(s): D_eff %.12f (closed form "
                            "%.12f)", spacings[k][0], spacings[k][1], spacings[k][2], phases,
                            evox_tortuosity_get_effective_diffusivity (t), d_eff);
            g_assert_true (evox_tortuosity_get_percolating (t));
            g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_effective_diffusivity (t), d_eff,
                                            1e-10 * d_eff);
            g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (t), d_mean / d_eff,
                                            1e-10 * d_mean / d_eff);
          }
    }
  /* The closed form itself: cubes give 4 / (3 (1 + 3 + 2)) = 2 / 9; 30 x 10 x 70 is 3 x 1 x 7. */
  g_assert_cmpfloat_with_epsilon (path_d_eff (spacings[0], -1.0), 2.0 / 9.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (path_d_eff (spacings[2], -1.0), path_d_eff (spacings[3], -1.0),
                                  1e-15);
}

/* A straight 2 x 3 bar along each axis of a 6 x 7 x 8 volume with voxels 1 x 2.5 x 4: no flux
 * crosses the bar's sides, so tau is 1 and D_eff the bar's fraction whatever the spacing, the
 * concentration is linear and the flux magnitude (D dC per voxel edge along the flow) 1 / L. */
static void
test_anisotropic_channel (void)
{
  const gsize dims[3] = { 6, 7, 8 };
  const gsize n = dims[0] * dims[1] * dims[2];
  const double spacing[3] = { 1.0, 2.5, 4.0 };

  for (int axis = 0; axis < 3; axis++)
    {
      g_autofree guint8 *mask = g_new0 (guint8, n);
      g_autoptr(EvoxTortuosity) t = NULL;
      const float *c, *flux;
      int u = (axis + 1) % 3, v = (axis + 2) % 3;
      double length = dims[axis];

      for (gsize g = 0; g < n; g++)
        {
          gsize pos[3] = { g % dims[0], g / dims[0] % dims[1], g / (dims[0] * dims[1]) };

          mask[g] = pos[u] >= 2 && pos[u] < 4 && pos[v] >= 1 && pos[v] < 4;
        }
      t = solve_spaced (mask, dims, axis, EVOX_TORTUOSITY_MULTIGRID, -1.0, 1e-10, TRUE,
                        spacing);
      g_assert_true (evox_tortuosity_get_percolating (t));
      g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (t), 1.0, 1e-12);
      g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_effective_diffusivity (t),
                                      6.0 * length / n, 1e-12);
      c = evox_volume_get_data (evox_tortuosity_get_concentration (t), 0);
      flux = evox_volume_get_data (evox_tortuosity_get_flux_magnitude (t), 0);
      for (gsize g = 0; g < n; g++)
        {
          gsize pos[3] = { g % dims[0], g / dims[0] % dims[1], g / (dims[0] * dims[1]) };

          if (!mask[g])
            {
              g_assert_true (isnan (c[g]) && isnan (flux[g]));
              continue;
            }
          g_assert_cmpfloat_with_epsilon (c[g], 1.0 - (pos[axis] + 0.5) / length, 1e-6);
          g_assert_cmpfloat_with_epsilon (flux[g], 1.0 / length, 1e-6);
        }
    }
}

/* A structure constant along z, flow along x or y: the concentration is constant along z, so
 * the faces normal to z carry nothing and a voxel h_z deep conducts across x and y as two
 * stacked voxels h_z / 2 deep. The volume 9 x 8 x 3 with voxels 1 x 1 x 2 and its copy with
 * each z layer doubled (9 x 8 x 6, cubes) give the same D_eff and tau (within 1e-9 at a
 * tolerance of 1e-12), and so does 1 x 1 x 0.5 with the layers halved to 9 x 8 x 3 from 6.
 * (With flow along z the two discretisations differ: the stretched voxel joins its sides at one
 * centre where the copy joins them at two, so there is no exact identity there.) In x and y the
 * voxels are 1 x 1.5 in a third solve, against the dense solve. */
static void
test_anisotropic_stretched (void)
{
  const gsize dims[3] = { 9, 8, 3 };
  const gsize dims2[3] = { 9, 8, 6 };
  const gsize plane = dims[0] * dims[1];
  const double tall[3] = { 1.0, 1.0, 2.0 };
  const double flat[3] = { 1.0, 1.0, 0.5 };
  g_autofree guint8 *mask = g_new (guint8, plane * dims[2]);
  g_autofree guint8 *doubled = g_new (guint8, plane * dims2[2]);
  guint64 state = 4;

  for (gsize g = 0; g < plane; g++)
    {
      /* A cross through the middle keeps both x and y percolating. */
      guint8 m = evox_test_uniform (&state) < 0.6 || g % dims[0] == 4 || g / dims[0] == 3;

      for (gsize z = 0; z < dims[2]; z++)
        mask[z * plane + g] = m;
      for (gsize z = 0; z < dims2[2]; z++)
        doubled[z * plane + g] = m;
    }
  for (int axis = 0; axis < 2; axis++)
    {
      g_autoptr(EvoxTortuosity) stretched = solve_spaced (mask, dims, axis,
                                                          EVOX_TORTUOSITY_MULTIGRID, -1.0,
                                                          1e-12, FALSE, tall);
      g_autoptr(EvoxTortuosity) copy = solve_spaced (doubled, dims2, axis,
                                                     EVOX_TORTUOSITY_MULTIGRID, -1.0, 1e-12,
                                                     FALSE, NULL);
      g_autoptr(EvoxTortuosity) squashed = solve_spaced (doubled, dims2, axis,
                                                         EVOX_TORTUOSITY_JACOBI, -1.0, 1e-12,
                                                         FALSE, flat);
      g_autoptr(EvoxTortuosity) halved = solve_spaced (mask, dims, axis,
                                                       EVOX_TORTUOSITY_JACOBI, -1.0, 1e-12,
                                                       FALSE, NULL);
      const double xy[3] = { 1.0, 1.5, 2.0 };
      g_autoptr(EvoxTortuosity) lateral = solve_spaced (mask, dims, axis,
                                                        EVOX_TORTUOSITY_MULTIGRID, -1.0, 1e-12,
                                                        TRUE, xy);
      Direct direct = { 0 };

      g_assert_true (evox_tortuosity_get_percolating (copy));
      g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_effective_diffusivity (stretched),
                                      evox_tortuosity_get_effective_diffusivity (copy), 1e-9);
      g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (stretched),
                                      evox_tortuosity_get_tau (copy), 1e-9);
      g_assert_cmpfloat_with_epsilon (evox_tortuosity_get_tau (squashed),
                                      evox_tortuosity_get_tau (halved), 1e-9);
      direct_solve_spaced (mask, dims, axis, -1.0, xy, &direct);
      assert_direct (lateral, &direct, plane * dims[2]);
      g_free (direct.conc);
    }
}

/* The multigrid on anisotropic voxels (1 x 1 x 3, the coarse levels built from the scaled
 * conductances) agrees with Jacobi on a 42 x 38 x 38 volume and needs far fewer iterations. */
static void
test_anisotropic_levels (void)
{
  const gsize dims[3] = { 42, 38, 38 };
  const gsize n = dims[0] * dims[1] * dims[2];
  const double spacing[3] = { 1.0, 1.0, 3.0 };
  g_autofree guint8 *mask = g_new (guint8, n);
  guint64 state = 77;

  for (gsize g = 0; g < n; g++)
    mask[g] = evox_test_uniform (&state) < 0.6;
  for (int axis = 0; axis < 3; axis += 2)
    {
      g_autoptr(EvoxTortuosity) mg = solve_spaced (mask, dims, axis, EVOX_TORTUOSITY_MULTIGRID,
                                                   -1.0, 1e-11, FALSE, spacing);
      g_autoptr(EvoxTortuosity) jacobi = solve_spaced (mask, dims, axis, EVOX_TORTUOSITY_JACOBI,
                                                       -1.0, 1e-11, FALSE, spacing);

      assert_multigrid_beats_jacobi (mg, jacobi, axis, 1e-8);
    }
}

/* A spacing is three finite lengths above 0, or none; cubes of any edge are the cube solve to
 * the bit. */
static void
test_anisotropic_errors (void)
{
  const gsize dims[3] = { 5, 4, 6 };
  const gsize n = dims[0] * dims[1] * dims[2];
  const double bad[][3] = { { 1, 0, 1 }, { -1, 1, 1 }, { 1, 1, NAN }, { INFINITY, 1, 1 } };
  const double big[3] = { 7.5, 7.5, 7.5 };
  g_autofree guint8 *mask = g_new (guint8, n);
  g_autoptr(EvoxTortuosity) cubes = NULL;
  g_autoptr(EvoxTortuosity) sized = NULL;
  guint64 state = 5;
  double got[3];

  for (gsize g = 0; g < n; g++)
    mask[g] = evox_test_uniform (&state) < 0.7;
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxTortuosity) t = NULL;
      EvoxTortuosityParams params;

      evox_tortuosity_params_init (&params);
      memcpy (params.spacing, bad[k], sizeof params.spacing);
      t = evox_tortuosity_compute_mask (mask, dims, &params, NULL, NULL, &error);
      g_assert_null (t);
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "voxel spacing"));
    }
  cubes = solve_spaced (mask, dims, EVOX_FLOW_AXIS_Y, EVOX_TORTUOSITY_MULTIGRID, -1.0, 1e-8,
                        TRUE, NULL);
  sized = solve_spaced (mask, dims, EVOX_FLOW_AXIS_Y, EVOX_TORTUOSITY_MULTIGRID, -1.0, 1e-8,
                        TRUE, big);
  g_assert_cmpfloat (evox_tortuosity_get_tau (sized), ==, evox_tortuosity_get_tau (cubes));
  g_assert_cmpuint (evox_tortuosity_get_n_iterations (sized), ==,
                    evox_tortuosity_get_n_iterations (cubes));
  g_assert_cmpmem (evox_volume_get_data (evox_tortuosity_get_flux_magnitude (sized), 0),
                   n * sizeof (float),
                   evox_volume_get_data (evox_tortuosity_get_flux_magnitude (cubes), 0),
                   n * sizeof (float));
  g_assert_true (evox_tortuosity_get_spacing (sized, got));
  g_assert_cmpfloat (got[1], ==, 7.5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Tortuosity/channel", test_channel);
  g_test_add_func ("/Evox/Tortuosity/plates", test_plates);
  g_test_add_func ("/Evox/Tortuosity/dense", test_dense);
  g_test_add_func ("/Evox/Tortuosity/levels", test_levels);
  g_test_add_func ("/Evox/Tortuosity/tolerance", test_tolerance);
  g_test_add_func ("/Evox/Tortuosity/errors", test_errors);
  g_test_add_func ("/Evox/Tortuosity/cancel", test_cancel);
  g_test_add_func ("/Evox/Tortuosity/volume", test_volume);
  g_test_add_func ("/Evox/Tortuosity/axis-names", test_axis_names);
  g_test_add_func ("/Evox/Tortuosity/two-phase-layers", test_two_phase_layers);
  g_test_add_func ("/Evox/Tortuosity/two-phase-dense", test_two_phase_dense);
  g_test_add_func ("/Evox/Tortuosity/two-phase-limits", test_two_phase_limits);
  g_test_add_func ("/Evox/Tortuosity/two-phase-levels", test_two_phase_levels);
  g_test_add_func ("/Evox/Tortuosity/two-phase-errors", test_two_phase_errors);
  g_test_add_func ("/Evox/Tortuosity/two-phase-volume", test_two_phase_volume);
  g_test_add_func ("/Evox/Tortuosity/anisotropic-dense", test_anisotropic_dense);
  g_test_add_func ("/Evox/Tortuosity/anisotropic-path", test_anisotropic_path);
  g_test_add_func ("/Evox/Tortuosity/anisotropic-channel", test_anisotropic_channel);
  g_test_add_func ("/Evox/Tortuosity/anisotropic-stretched", test_anisotropic_stretched);
  g_test_add_func ("/Evox/Tortuosity/anisotropic-levels", test_anisotropic_levels);
  g_test_add_func ("/Evox/Tortuosity/anisotropic-errors", test_anisotropic_errors);
  return g_test_run ();
}

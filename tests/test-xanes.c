/* test-xanes.c: Larch-style XANES normalisation on synthetic spectra (arctan edge, Gaussian white
 * line, linear background, fixed-seed noise) against least-squares fits and roots computed here
 * in long double, the nnorm rule, sparse grids, refusals, and the per-voxel maps of a stack. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-progress.h"
#include "evox-types.h"
#include "evox-xanes.h"

#define E0_TRUE 8340.0

typedef struct
{
  double e0, width, step, slope, offset, wl_height, wl_offset, wl_sigma;
} Edge;

static const Edge ni_edge = { E0_TRUE, 1.5, 1.0, -2e-4, 0.3, 0.4, 10.0, 4.0 };

/* the noise-free model: line + step * (1/2 + atan / pi) + Gaussian white line */
static long double
model (const Edge *m,
       long double e)
{
  long double d = e - m->e0, g = (e - m->e0 - m->wl_offset) / m->wl_sigma;
  return m->offset + m->slope * d + m->step * (0.5L + atanl (d / m->width) / (long double) G_PI)
         + m->wl_height * expl (-0.5L * g * g);
}

/* Gaussian noise by Box-Muller from GLib's fixed-seed Mersenne twister */
static double
gauss (GRand *r)
{
  double u = g_rand_double (r), v = g_rand_double (r);
  return sqrt (-2 * log (1 - u)) * cos (2 * G_PI * v);
}

static void
make_spectrum (const Edge   *m,
               const double *energy,
               guint         n,
               double        noise,
               GRand        *r,
               double       *mu)
{
  for (guint i = 0; i < n; i++)
    mu[i] = (double) model (m, energy[i]) + (r ? noise * m->step * gauss (r) : 0);
}

static double *
grid (double lo,
      double hi,
      double step,
      guint *n)
{
  *n = (guint) floor ((hi - lo) / step + 0.5) + 1;
  double *e = g_new (double, *n);
  for (guint i = 0; i < *n; i++)
    e[i] = lo + i * step;
  return e;
}

/* Least squares by the normal equations in long double, in powers of (x - x0), Gauss-Jordan
 * without pivoting (the matrices here are small and well away from singular once centred). */
static void
ls_fit (const double *x,
        const double *y,
        guint         n,
        double        x0,
        int           deg,
        long double  *c)
{
  int m = deg + 1;
  long double a[4][5] = { { 0 } };
  for (guint i = 0; i < n; i++)
    for (int r = 0; r < m; r++)
      {
        for (int k = 0; k < m; k++)
          a[r][k] += powl ((long double) x[i] - x0, r + k);
        a[r][m] += powl ((long double) x[i] - x0, r) * y[i];
      }
  for (int p = 0; p < m; p++)
    for (int r = 0; r < m; r++)
      if (r != p)
        {
          long double f = a[r][p] / a[p][p];
          for (int k = 0; k <= m; k++)
            a[r][k] -= f * a[p][k];
        }
  for (int r = 0; r < m; r++)
    c[r] = a[r][m] / a[r][r];
}

static void
test_fits (void)
{
  guint n;
  g_autofree double *e = grid (E0_TRUE - 200, E0_TRUE + 300, 1.0, &n);
  g_autofree double *mu = g_new (double, n);
  g_autofree double *norm = g_new (double, n);
  g_autoptr(GRand) r = g_rand_new_with_seed (14);
  make_spectrum (&ni_edge, e, n, 0.01, r, mu);

  EvoxXanesParams p;
  evox_xanes_params_init (&p);
  EvoxXanesResult res = { .norm = norm };
  g_autoptr(GError) error = NULL;
  g_assert_true (evox_xanes_normalise (e, mu, n, &p, &res, &error));
  g_assert_no_error (error);
  /* the steepest point of the noisy arctan is within a grid step of the true E0 */
  g_assert_cmpfloat (fabs (res.e0 - E0_TRUE), <=, 1.0);

  /* pre-edge: points with E0 - 150 <= E <= E0 - 30 */
  guint p0 = n, p1 = 0, q0 = n, q1 = 0;
  for (guint i = 0; i < n; i++)
    {
      double d = e[i] - res.e0;
      if (d >= -150 && d <= -30)
        p0 = MIN (p0, i), p1 = i + 1;
      if (d >= 50)
        q0 = MIN (q0, i), q1 = i + 1;
    }
  g_assert_cmpuint (res.n_pre, ==, p1 - p0);
  g_assert_cmpuint (res.n_post, ==, q1 - q0);
  long double line[2];
  ls_fit (e + p0, mu + p0, p1 - p0, res.e0, 1, line);
  g_assert_cmpfloat_with_epsilon (res.pre_slope, (double) line[1], 1e-12);
  g_assert_cmpfloat_with_epsilon (res.pre_offset + res.pre_slope * res.e0, (double) line[0],
                                  1e-10);
  long double ss = 0;
  for (guint i = p0; i < p1; i++)
    {
      long double d = mu[i] - line[0] - line[1] * (e[i] - res.e0);
      ss += d * d;
    }
  /* 121 pre-edge points: the pre-edge alone, with its n - 2 degrees of freedom */
  g_assert_cmpfloat_with_epsilon (res.noise, (double) sqrtl (ss / (p1 - p0 - 2)), 1e-12);

  /* post-edge: span 250 eV -> Larch's nnorm 1 on mu - pre */
  g_assert_cmpint (res.nnorm, ==, 1);
  g_autofree double *sub = g_new (double, n);
  for (guint i = 0; i < n; i++)
    sub[i] = mu[i] - (double) (line[0] + line[1] * (e[i] - res.e0));
  long double post[2];
  ls_fit (e + q0, sub + q0, q1 - q0, res.e0, 1, post);
  g_assert_cmpfloat_with_epsilon (res.post_coefs[0], (double) post[0], 1e-10);
  g_assert_cmpfloat_with_epsilon (res.post_coefs[1], (double) post[1], 1e-12);
  g_assert_cmpfloat_with_epsilon (res.edge_step, (double) post[0], 1e-10);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (norm[i], sub[i] / (double) post[0], 1e-9);
  g_assert_true (res.mask);

  /* degree 2 when asked, against the same normal equations */
  p.nnorm = 2;
  g_assert_true (evox_xanes_normalise (e, mu, n, &p, &res, &error));
  long double post2[3];
  ls_fit (e + q0, sub + q0, q1 - q0, res.e0, 2, post2);
  for (int j = 0; j < 3; j++)
    g_assert_cmpfloat_with_epsilon (res.post_coefs[j], (double) post2[j], 1e-9 * pow (1e-2, j));
}

/* The noise-free model's half-step energy: a fit of the noise-free samples (normal equations
 * above) gives pre line and step; the root of the continuous normalised model is found by
 * bisection, so linear interpolation and noise in the kernel are both measured against it. */
static double
half_step_truth (const Edge   *m,
                 const double *e,
                 guint         n,
                 double        e0)
{
  g_autofree double *mu = g_new (double, n);
  make_spectrum (m, e, n, 0, NULL, mu);
  guint p0 = n, p1 = 0, q0 = n, q1 = 0;
  for (guint i = 0; i < n; i++)
    {
      double d = e[i] - e0;
      if (d >= -150 && d <= -30)
        p0 = MIN (p0, i), p1 = i + 1;
      if (d >= 50)
        q0 = MIN (q0, i), q1 = i + 1;
    }
  long double line[2], post[2];
  ls_fit (e + p0, mu + p0, p1 - p0, e0, 1, line);
  g_autofree double *sub = g_new (double, n);
  for (guint i = 0; i < n; i++)
    sub[i] = mu[i] - (double) (line[0] + line[1] * (e[i] - e0));
  ls_fit (e + q0, sub + q0, q1 - q0, e0, 1, post);
  long double lo = m->e0 - 10, hi = m->e0 + 5;
  for (int it = 0; it < 100; it++)
    {
      long double mid = 0.5L * (lo + hi);
      long double v = (model (m, mid) - line[0] - line[1] * (mid - e0)) / post[0];
      if (v < 0.5L)
        lo = mid;
      else
        hi = mid;
    }
  return (double) lo;
}

static void
test_half_step (void)
{
  guint n;
  g_autofree double *e = grid (E0_TRUE - 200, E0_TRUE + 300, 1.0, &n);
  g_autofree double *mu = g_new (double, n);
  EvoxXanesParams p;
  evox_xanes_params_init (&p);

  for (guint seed = 1; seed <= 5; seed++)
    {
      g_autoptr(GRand) r = g_rand_new_with_seed (seed);
      make_spectrum (&ni_edge, e, n, 0.01, r, mu);
      EvoxXanesResult res = { 0 };
      g_autoptr(GError) error = NULL;
      g_assert_true (evox_xanes_normalise (e, mu, n, &p, &res, &error));
      g_assert_no_error (error);
      double truth = half_step_truth (&ni_edge, e, n, res.e0);
      g_test_message ("seed %u: half step %.4f eV, truth %.4f eV", seed, res.half_step_energy,
                      truth);
      g_assert_cmpfloat (fabs (res.half_step_energy - truth), <, 0.1);
      g_assert_cmpfloat (fabs (truth - E0_TRUE), <, 0.5);
      /* white line: the Gaussian on the edge peaks a little below E0 + 10 eV */
      g_assert_cmpfloat (fabs (res.whiteline_energy - (E0_TRUE + 10)), <, 1.5);
      g_assert_cmpfloat (res.whiteline_height, >, 1.2);
    }
}

/* white line on a noise-free coarse grid: the vertex of the parabola through the three points
 * around the maximum, computed here by solving the 3x3 Vandermonde system */
static void
test_whiteline_parabola (void)
{
  guint n;
  g_autofree double *e = grid (E0_TRUE - 200, E0_TRUE + 300, 2.0, &n);
  g_autofree double *mu = g_new (double, n);
  g_autofree double *norm = g_new (double, n);
  make_spectrum (&ni_edge, e, n, 0, NULL, mu);
  EvoxXanesParams p;
  evox_xanes_params_init (&p);
  p.e0 = E0_TRUE;
  EvoxXanesResult res = { .norm = norm };
  g_assert_true (evox_xanes_normalise (e, mu, n, &p, &res, NULL));
  guint im = 0;
  for (guint i = 0; i < n; i++)
    if (e[i] >= res.e0 && (im == 0 || norm[i] > norm[im]))
      im = i;
  long double c[3];
  ls_fit (e + im - 1, norm + im - 1, 3, e[im], 2, c);
  double xv = e[im] - (double) (c[1] / (2 * c[2]));
  double yv = (double) (c[0] - c[1] * c[1] / (4 * c[2]));
  g_assert_cmpfloat_with_epsilon (res.whiteline_energy, xv, 1e-7);
  g_assert_cmpfloat_with_epsilon (res.whiteline_height, yv, 1e-9);
}

static void
test_nnorm_rule (void)
{
  /* Larch (larch/xafs/pre_edge.py, preedge()): nnorm 2, 1 when norm2 - norm1 < 300, 0 when
   * < 30; the post range here is E0 + 50 to the last energy */
  const struct { double end; int nnorm; } cases[] = {
    { 60, 0 }, { 79, 0 }, { 80, 1 }, { 300, 1 }, { 349, 1 }, { 350, 2 }, { 500, 2 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      guint n;
      g_autofree double *e = grid (E0_TRUE - 200, E0_TRUE + cases[k].end, 1.0, &n);
      g_autofree double *mu = g_new (double, n);
      make_spectrum (&ni_edge, e, n, 0, NULL, mu);
      EvoxXanesParams p;
      evox_xanes_params_init (&p);
      p.e0 = E0_TRUE;
      EvoxXanesResult res = { 0 };
      g_autoptr(GError) error = NULL;
      g_assert_true (evox_xanes_normalise (e, mu, n, &p, &res, &error));
      g_assert_cmpint (res.nnorm, ==, cases[k].nnorm);
    }
}

static void
test_two_point_pre_edge (void)
{
  /* a sparse map grid: two energies below the edge, a few on it, a few above */
  const double d[] = { -60, -40, -10, -5, 0, 5, 10, 15, 20, 60, 90, 120 };
  guint n = G_N_ELEMENTS (d);
  double e[G_N_ELEMENTS (d)], mu[G_N_ELEMENTS (d)], norm[G_N_ELEMENTS (d)];
  for (guint i = 0; i < n; i++)
    e[i] = E0_TRUE + d[i];
  make_spectrum (&ni_edge, e, n, 0, NULL, mu);
  EvoxXanesParams p;
  evox_xanes_params_init (&p);
  p.e0 = E0_TRUE;
  EvoxXanesResult res = { .norm = norm };
  g_autoptr(GError) error = NULL;
  g_assert_true (evox_xanes_normalise (e, mu, n, &p, &res, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (res.n_pre, ==, 2);
  /* the line through the two points */
  double slope = (mu[1] - mu[0]) / (e[1] - e[0]);
  g_assert_cmpfloat_with_epsilon (res.pre_slope, slope, 1e-12);
  g_assert_cmpfloat_with_epsilon (res.pre_offset + slope * e[0], mu[0], 1e-9);
  /* the line through two points leaves no residual degree of freedom, so the noise comes from
   * the post-edge line's residuals (60, 90, 120 eV above E0: 3 points, 1 degree of freedom) */
  long double post[2], ss = 0;
  double y[3];
  for (guint i = 0; i < 3; i++)
    y[i] = mu[9 + i] - (res.pre_offset + res.pre_slope * e[9 + i]);
  ls_fit (e + 9, y, 3, E0_TRUE, 1, post);
  for (guint i = 0; i < 3; i++)
    {
      long double d = y[i] - post[0] - post[1] * (e[9 + i] - E0_TRUE);
      ss += d * d;
    }
  g_assert_cmpuint (res.n_post, ==, 3);
  g_assert_cmpfloat_with_epsilon (res.noise, (double) sqrtl (ss), 1e-9);
  g_assert_true (res.mask);
  g_assert_cmpfloat_with_epsilon (norm[0], 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (norm[1], 0, 1e-9);
  g_assert_true (isfinite (res.half_step_energy));
  g_assert_cmpfloat (fabs (res.half_step_energy - E0_TRUE), <, 5);
}

static void
expect_refusal (const double *e,
                const double *mu,
                guint         n,
                double        e0,
                int           code)
{
  EvoxXanesParams p;
  evox_xanes_params_init (&p);
  p.e0 = e0;
  EvoxXanesResult res = { 0 };
  g_autoptr(GError) error = NULL;
  g_assert_false (evox_xanes_normalise (e, mu, n, &p, &res, &error));
  g_assert_error (error, EVOX_ERROR, code);
  g_test_message ("refused: %s", error->message);
}

static void
test_refusals (void)
{
  guint n;
  g_autofree double *e = grid (E0_TRUE - 200, E0_TRUE + 300, 5.0, &n);
  g_autofree double *mu = g_new (double, n);
  make_spectrum (&ni_edge, e, n, 0, NULL, mu);

  /* energies not strictly increasing */
  g_autofree double *bad = g_memdup2 (e, n * sizeof (double));
  bad[10] = bad[9];
  expect_refusal (bad, mu, n, E0_TRUE, EVOX_ERROR_ARGUMENT);
  bad[10] = bad[9] - 1;
  expect_refusal (bad, mu, n, NAN, EVOX_ERROR_ARGUMENT);

  /* one pre-edge point: the grid starts at E0 - 30 */
  guint s = 0;
  while (e[s] < E0_TRUE - 30)
    s++;
  expect_refusal (e + s, mu + s, n - s, E0_TRUE, EVOX_ERROR_ARGUMENT);
  /* one post-edge point: the grid ends at E0 + 50 */
  guint t = 0;
  while (e[t] <= E0_TRUE + 50)
    t++;
  expect_refusal (e, mu, t, E0_TRUE, EVOX_ERROR_ARGUMENT);
  /* E0 outside the energies */
  expect_refusal (e, mu, n, E0_TRUE + 1000, EVOX_ERROR_ARGUMENT);
  /* a stack entirely above the edge (a falling, curving post-edge), no E0 given: Larch's
   * search still names an energy, which leaves no pre-edge below it */
  guint u = 0;
  while (e[u] < E0_TRUE + 60)
    u++;
  g_autofree double *flat = g_new (double, n);
  for (guint i = 0; i < n; i++)
    flat[i] = 1.0 - 1e-3 * i - 1e-5 * i * i;
  expect_refusal (e + u, flat + u, n - u, NAN, EVOX_ERROR_ARGUMENT);
  /* a falling edge, E0 given: the step at E0 is negative */
  for (guint i = 0; i < n; i++)
    flat[i] = 1.0 - 1e-4 * i - (e[i] > E0_TRUE ? 0.2 : 0);
  expect_refusal (e, flat, n, E0_TRUE, EVOX_ERROR_INVALID_DATA);
  /* a NaN sample */
  g_autofree double *nanmu = g_memdup2 (mu, n * sizeof (double));
  nanmu[3] = NAN;
  expect_refusal (e, nanmu, n, E0_TRUE, EVOX_ERROR_INVALID_DATA);
  /* too few energies */
  expect_refusal (e, mu, 3, NAN, EVOX_ERROR_ARGUMENT);
}

/* 40 energies: 8 below the edge, dense through it, sparse above */
static const double map_grid[40] = {
  -100, -90, -80, -70, -60, -50, -40, -30,
  -25, -20, -15, -10, -6, -4, -2, 0, 2, 4, 6, 8, 10, 12, 15, 20, 25, 30, 40,
  50, 70, 90, 110, 130, 150, 170, 190, 210, 230, 250, 270,
  290,
};

/* the test's deterministic "noise", repeated in tests/xanes-find-e0.py */
static double
wobble (guint  i,
        double amp)
{
  return amp * sin (0.7 * i * i + 0.3 * i);
}

/* E0 against tests/xanes-find-e0.py, Larch's find_e0 rewritten in numpy from its source (full
 * Lorentzian window, mirrored ends), which printed: clean 1 eV grid 8340, 0.25 eV grid with 2 %
 * wobble 8340, the map grid with E0 + 3 and 1 % wobble 8344, a glitch of 3 at 8200 eV 8199
 * (Larch is fooled: its derivative dwarfs the edge's), a glitch of 0.5 there 8340 (ignored: its
 * neighbours' derivatives are low). */
static void
test_find_e0 (void)
{
  guint n;
  g_autofree double *e = grid (E0_TRUE - 200, E0_TRUE + 300, 1.0, &n);
  g_autofree double *mu = g_new (double, n);
  g_autoptr(GError) error = NULL;
  make_spectrum (&ni_edge, e, n, 0, NULL, mu);
  g_assert_cmpfloat (evox_xanes_find_e0 (e, mu, n, &error), ==, 8340.0);
  mu[60] += 3.0;
  g_assert_cmpfloat (evox_xanes_find_e0 (e, mu, n, &error), ==, 8199.0);
  mu[60] -= 2.5;
  g_assert_cmpfloat (evox_xanes_find_e0 (e, mu, n, &error), ==, 8340.0);

  g_autofree double *f = grid (E0_TRUE - 60, E0_TRUE + 60, 0.25, &n);
  g_autofree double *fm = g_new (double, n);
  make_spectrum (&ni_edge, f, n, 0, NULL, fm);
  for (guint i = 0; i < n; i++)
    fm[i] += wobble (i, 0.02);
  g_assert_cmpfloat (evox_xanes_find_e0 (f, fm, n, &error), ==, 8340.0);

  double me[40], mm[40];
  Edge shifted = ni_edge;
  shifted.e0 += 3;
  for (guint i = 0; i < 40; i++)
    me[i] = E0_TRUE + map_grid[i];
  make_spectrum (&shifted, me, 40, 0, NULL, mm);
  for (guint i = 0; i < 40; i++)
    mm[i] += wobble (i, 0.01);
  g_assert_cmpfloat (evox_xanes_find_e0 (me, mm, 40, &error), ==, 8344.0);
  g_assert_no_error (error);

  /* voxel 218897 of bench/xanes_ref.py's 1024^2 stack on its 61 energies: two points of the
   * smoothed derivative differ by 1.2e-9 of their range, so only Larch's whole smoothing window
   * gives Larch's E0 (tests/xanes-find-e0.py: 8341; a window cut at 250 grid points gave 8342.5) */
  static const float bench_mu32[61] = {
    0.311609834, 0.306387246, 0.315275252, 0.332337379, 0.323138416, 0.337558419,
    0.319103032, 0.343693614, 0.334148347, 0.320616663, 0.346064657, 0.327209383,
    0.331804246, 0.333110213, 0.344535559, 0.342822701, 0.359000087, 0.387054145,
    0.360951215, 0.401893318, 0.425902575, 0.507769406, 0.715656579, 1.04408228,
    1.21519673, 1.35564113, 1.44793928, 1.55281544, 1.6451391, 1.67286313,
    1.64057827, 1.57777929, 1.47665906, 1.410254, 1.35757351, 1.32999504,
    1.31415701, 1.29228663, 1.28084564, 1.28698194, 1.31271195, 1.2991879,
    1.2892251, 1.30672991, 1.28360581, 1.29935443, 1.28264165, 1.31587279,
    1.28918099, 1.29092216, 1.27855992, 1.3043133, 1.30130517, 1.28491223,
    1.27910089, 1.27922535, 1.27111614, 1.2674427, 1.26107395, 1.24455571,
    1.25575519
  };
  double be[61], bench_mu[61];
  for (guint i = 0; i < 61; i++)
    bench_mu[i] = bench_mu32[i];
  for (guint i = 0; i < 61; i++)
    be[i] = E0_TRUE + (i < 8 ? -100.0 + 10.0 * i : i < 48 ? -20.0 + 1.5 * (i - 8)
                       : 50.0 + 20.0 * (i - 48));
  g_assert_cmpfloat (evox_xanes_find_e0 (be, bench_mu, 61, &error), ==, 8341.0);
  g_assert_no_error (error);

  /* 12 points: Larch's two passes leave nothing to search */
  g_assert_true (isnan (evox_xanes_find_e0 (me + 10, mm + 10, 12, &error)));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* The stack's E0: find_e0 of the mean spectrum (channel n - 1 - i holds energy e[i]), summed
 * here in the kernel's order. */
static double
stack_e0 (EvoxVolume   *stack,
          const double *e,
          guint         n,
          guint         nx,
          guint         ny)
{
  g_autoptr(GError) error = NULL;
  double mean[G_N_ELEMENTS (map_grid)], e0;

  for (guint i = 0; i < n; i++)
    {
      double s = 0;
      for (guint v = 0; v < nx * ny; v++)
        s += evox_volume_get_value (stack, n - 1 - i, v % nx, v / nx, 0);
      mean[i] = s / (nx * ny);
    }
  e0 = evox_xanes_find_e0 (e, mean, n, &error);
  g_assert_no_error (error);
  return e0;
}

static void
test_maps (void)
{
  const guint n = G_N_ELEMENTS (map_grid), nx = 8, ny = 8;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) stack = evox_volume_new (nx, ny, 1, n, EVOX_SAMPLE_F32, &error);
  g_assert_no_error (error);
  double e[G_N_ELEMENTS (map_grid)], mu[G_N_ELEMENTS (map_grid)];
  for (guint i = 0; i < n; i++)
    e[i] = E0_TRUE + map_grid[i];
  /* channels stored in falling energy, so the driver must sort them */
  for (guint c = 0; c < n; c++)
    {
      char label[32];
      g_snprintf (label, sizeof label, "%.1f eV", e[n - 1 - c]);
      evox_volume_set_channel_info (stack, c, label, e[n - 1 - c]);
    }
  g_autoptr(GRand) r = g_rand_new_with_seed (40);
  for (guint y = 0; y < ny; y++)
    for (guint x = 0; x < nx; x++)
      {
        Edge m = ni_edge;
        if (x >= 4)
          m.e0 += 3.0;       /* an oxidised half, 3 eV higher */
        make_spectrum (&m, e, n, 0.01, r, mu);
        if (y >= 6 && x < 2)  /* empty space: noise only */
          for (guint i = 0; i < n; i++)
            mu[i] = 0.01 * gauss (r);
        if (y >= 6 && x >= 6) /* outside the field: zeros */
          memset (mu, 0, sizeof mu);
        for (guint c = 0; c < n; c++)
          ((float *) evox_volume_get_data_mut (stack, c))[y * nx + x] = (float) mu[n - 1 - c];
      }

  EvoxXanesParams p;
  evox_xanes_params_init (&p);
  g_autoptr(EvoxVolume) maps = evox_xanes_maps (stack, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (maps);
  g_assert_cmpuint (evox_volume_get_n_channels (maps), ==, 6);
  const char *names[] = { "edge_energy", "e0", "whiteline_energy", "whiteline_height",
                          "edge_step", "mask" };
  for (guint m = 0; m < 6; m++)
    g_assert_cmpstr (evox_volume_get_channel_label (maps, m), ==, names[m]);

  p.e0 = stack_e0 (stack, e, n, nx, ny);

  double sum_lo = 0, sum_hi = 0;
  guint n_lo = 0, n_hi = 0, n_masked = 0;
  for (guint y = 0; y < ny; y++)
    for (guint x = 0; x < nx; x++)
      {
        for (guint i = 0; i < n; i++)
          mu[i] = evox_volume_get_value (stack, n - 1 - i, x, y, 0);
        EvoxXanesResult res = { 0 };
        gboolean ok = evox_xanes_normalise (e, mu, n, &p, &res, NULL);
        gboolean in = ok && res.mask;
        float want[6] = {
          in ? res.half_step_energy : NAN,
          in ? evox_xanes_find_e0 (e, mu, n, NULL) : NAN,
          in ? res.whiteline_energy : NAN,
          in ? res.whiteline_height : NAN,
          ok ? res.edge_step : NAN,
          in ? 1 : 0,
        };
        for (guint m = 0; m < 6; m++)
          {
            float got = evox_volume_get_value (maps, m, x, y, 0);
            if (isnan (want[m]))
              g_assert_true (isnan (got));
            else
              g_assert_cmpfloat (got, ==, want[m]);
          }
        /* Zeros outside the field have no step at all and are always out. Noise-only voxels
         * are out only as often as chance allows: their step, extrapolated from 8 pre-edge
         * points to E0, spreads about twice the residual noise, so some pass k = 3 (logged);
         * the comparison with want[] above checks the rule itself for them. */
        gboolean zeros = y >= 6 && x >= 6, noise_only = y >= 6 && x < 2;
        gboolean empty = zeros || noise_only;
        if (noise_only)
          g_test_message ("noise only (%u, %u): step %.4f, noise %.4f, in the mask %d", x, y,
                          res.edge_step, res.noise, in);
        else
          g_assert_cmpint (in, ==, !zeros);
        n_masked += zeros && !in;
        if (!empty && x < 4)
          sum_lo += res.half_step_energy, n_lo++;
        else if (!empty)
          sum_hi += res.half_step_energy, n_hi++;
      }
  g_assert_cmpuint (n_masked, ==, 4);
  double shift = sum_hi / n_hi - sum_lo / n_lo;
  g_test_message ("mean half-step shift %.3f eV (3 eV made)", shift);
  g_assert_cmpfloat (fabs (shift - 3.0), <, 0.2);

  /* a given E0 outside the stack, and a stack of channels without energies */
  p.e0 = E0_TRUE + 1000;
  g_assert_null (evox_xanes_maps (stack, &p, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
  g_autoptr(EvoxVolume) plain = evox_volume_new (2, 2, 1, 5, EVOX_SAMPLE_U8, NULL);
  evox_xanes_params_init (&p);
  g_assert_null (evox_xanes_maps (plain, &p, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
}

/* a u16 stack (counts) gives the same maps as the same numbers in f32; a cancelled job, channels
 * with one energy twice are refused */
static void
test_maps_u16_and_refusals (void)
{
  const guint n = G_N_ELEMENTS (map_grid), nx = 3, ny = 2;
  g_autoptr(EvoxVolume) u16 = evox_volume_new (nx, ny, 1, n, EVOX_SAMPLE_U16, NULL);
  g_autoptr(EvoxVolume) f32 = evox_volume_new (nx, ny, 1, n, EVOX_SAMPLE_F32, NULL);
  double e[G_N_ELEMENTS (map_grid)], mu[G_N_ELEMENTS (map_grid)];
  for (guint i = 0; i < n; i++)
    e[i] = E0_TRUE + map_grid[i];
  for (guint c = 0; c < n; c++)
    {
      evox_volume_set_channel_info (u16, c, NULL, e[c]);
      evox_volume_set_channel_info (f32, c, NULL, e[c]);
    }
  g_autoptr(GRand) r = g_rand_new_with_seed (7);
  for (guint v = 0; v < nx * ny; v++)
    {
      make_spectrum (&ni_edge, e, n, 0.01, r, mu);
      for (guint c = 0; c < n; c++)
        {
          guint16 count = (guint16) lround (10000 * mu[c]);
          ((guint16 *) evox_volume_get_data_mut (u16, c))[v] = count;
          ((float *) evox_volume_get_data_mut (f32, c))[v] = count;
        }
    }
  EvoxXanesParams p;
  evox_xanes_params_init (&p);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) a = evox_xanes_maps (u16, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr(EvoxVolume) b = evox_xanes_maps (f32, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint m = 0; m < 6; m++)
    for (guint v = 0; v < nx * ny; v++)
      {
        float x = evox_volume_get_value (a, m, v % nx, v / nx, 0);
        float y = evox_volume_get_value (b, m, v % nx, v / nx, 0);
        g_assert_true (x == y || (isnan (x) && isnan (y)));
      }
  g_assert_cmpfloat (evox_volume_get_value (a, 5, 0, 0, 0), ==, 1.0);

  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_assert_null (evox_xanes_maps (f32, &p, NULL, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* a repeated energy is the data's fault, as evox_elements_maps and the commands say */
  evox_volume_set_channel_info (f32, 5, NULL, e[4]);
  g_assert_null (evox_xanes_maps (f32, &p, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "eV is repeated (channels 5 and 6)"));
  g_clear_error (&error);
  /* a channel without an energy, counted from 1 as a user counts pages */
  evox_volume_set_channel_info (f32, 5, NULL, NAN);
  g_assert_null (evox_xanes_maps (f32, &p, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "XANES: a spectral stack is needed: channel 6 of "));
}

/* a stack of nx x ny voxels over energies e (stored in that order), every spectrum from fill */
static EvoxVolume *
make_stack (const double *e,
            guint         n,
            guint         nx,
            guint         ny,
            EvoxSampleType type)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *stack = evox_volume_new (nx, ny, 1, n, type, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < n; c++)
    {
      char label[32];
      g_snprintf (label, sizeof label, "%.1f eV", e[c]);
      evox_volume_set_channel_info (stack, c, label, e[c]);
    }
  return stack;
}

static void
set_voxel (EvoxVolume   *stack,
           gsize         v,
           const double *mu,
           guint         n)
{
  for (guint c = 0; c < n; c++)
    if (evox_volume_get_sample_type (stack) == EVOX_SAMPLE_U16)
      ((guint16 *) evox_volume_get_data_mut (stack, c))[v] = (guint16) lround (mu[c]);
    else
      ((float *) evox_volume_get_data_mut (stack, c))[v] = (float) mu[c];
}

static gboolean
maps_equal (EvoxVolume *a,
            EvoxVolume *b)
{
  if (evox_volume_get_n_channels (a) != evox_volume_get_n_channels (b))
    return FALSE;
  for (guint m = 0; m < evox_volume_get_n_channels (a); m++)
    {
      const float *x = evox_volume_get_data (a, m), *y = evox_volume_get_data (b, m);
      for (gsize v = 0; v < evox_volume_get_n_voxels (a); v++)
        if (!(x[v] == y[v] || (isnan (x[v]) && isnan (y[v]))))
          return FALSE;
    }
  return TRUE;
}

/* params->edge: the stack must span it; the stack's E0 is the largest derivative of the mean
 * spectrum within 20 eV of it, so a rise 40 eV below, whose derivative dwarfs the edge's, no
 * longer takes it; too few pre-edge or post-edge energies are refused before any voxel work */
static void
test_edge (void)
{
  const guint n = G_N_ELEMENTS (map_grid), nx = 6, ny = 4;
  double e[G_N_ELEMENTS (map_grid)], mu[G_N_ELEMENTS (map_grid)];
  for (guint i = 0; i < n; i++)
    e[i] = E0_TRUE + map_grid[i];
  g_autoptr(EvoxVolume) stack = make_stack (e, n, nx, ny, EVOX_SAMPLE_F32);
  g_autoptr(GRand) r = g_rand_new_with_seed (20);
  double mean[G_N_ELEMENTS (map_grid)] = { 0 };
  for (guint v = 0; v < nx * ny; v++)
    {
      make_spectrum (&ni_edge, e, n, 0.01, r, mu);
      /* a rise of 30 from E0 - 50 to E0 - 30 eV in every voxel (a glitch, or another
       * element's edge), steeper than the Ni edge on this grid */
      for (guint i = 5; i < n; i++)
        mu[i] += i == 5 ? 10 : i == 6 ? 20 : 30;
      set_voxel (stack, v, mu, n);
      for (guint i = 0; i < n; i++)
        mean[i] += (float) mu[i];
    }
  /* brute force: the largest central difference of the mean within 8333 +- 20 eV */
  double want_e0 = NAN, best = -INFINITY;
  for (guint i = 1; i + 1 < n; i++)
    if (fabs (e[i] - 8333.0) <= 20 && (mean[i + 1] - mean[i - 1]) / (e[i + 1] - e[i - 1]) > best)
      {
        best = (mean[i + 1] - mean[i - 1]) / (e[i + 1] - e[i - 1]);
        want_e0 = e[i];
      }
  g_test_message ("E0 near the 8333 eV edge: %g eV", want_e0);
  g_assert_cmpfloat (fabs (want_e0 - E0_TRUE), <=, 2.0);

  EvoxXanesParams p;
  evox_xanes_params_init (&p);
  g_autoptr(GError) error = NULL;
  /* without an edge, Larch's search on the mean takes the glitch */
  double e0_free = evox_xanes_find_e0 (e, mean, n, &error);
  g_assert_no_error (error);
  g_test_message ("E0 of the mean spectrum without an edge: %g eV", e0_free);
  g_assert_cmpfloat (fabs (e0_free - E0_TRUE), >, 20);

  /* the pre-edge range stops short of the rise, as a user would set it */
  p.edge = 8333.0;
  p.pre2 = -60;
  g_autoptr(EvoxVolume) with_edge = evox_xanes_maps (stack, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_xanes_params_init (&p);
  p.e0 = want_e0;
  p.pre2 = -60;
  g_autoptr(EvoxVolume) with_e0 = evox_xanes_maps (stack, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (maps_equal (with_edge, with_e0));
  /* without the edge the stack's E0 is the rise's (8300 eV), which leaves one energy in the
   * pre-edge range E0 - 150 to E0 - 60 eV */
  evox_xanes_params_init (&p);
  p.pre2 = -60;
  g_assert_null (evox_xanes_maps (stack, &p, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  /* counted in words a user reads: "1 energy", not "1 energies" */
  g_assert_true (g_str_has_prefix (error->message, "XANES: 1 energy in the pre-edge range"));
  g_clear_error (&error);
  {
    g_autoptr(EvoxVolume) one = make_stack (e, 1, 2, 2, EVOX_SAMPLE_F32);

    evox_xanes_params_init (&p);
    g_assert_null (evox_xanes_maps (one, &p, NULL, NULL, &error));
    g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
    g_assert_true (g_str_has_prefix (error->message, "XANES: the stack has 1 energy; "));
    g_clear_error (&error);
  }

  /* edges the stack does not span: below, above, on its first and last energy */
  const double outside[] = { 7709.0, 9000.0, e[0], e[n - 1] };
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  for (guint k = 0; k < G_N_ELEMENTS (outside); k++)
    {
      evox_xanes_params_init (&p);
      p.edge = outside[k];
      g_assert_null (evox_xanes_maps (stack, &p, progress, NULL, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_test_message ("refused: %s", error->message);
      g_assert_nonnull (strstr (error->message, "span"));
      g_clear_error (&error);
    }

  /* a stack starting at E0 - 30 (one pre-edge energy) and one ending at E0 + 50 (one post-edge
   * energy), with the edge named: refused for the stack as a whole, no voxel touched */
  guint s = 0, t = 0;
  while (e[s] < E0_TRUE - 30)
    s++;
  while (e[t] <= E0_TRUE + 50)
    t++;
  g_autoptr(EvoxVolume) high = make_stack (e + s, n - s, 2, 2, EVOX_SAMPLE_F32);
  g_autoptr(EvoxVolume) low = make_stack (e, t, 2, 2, EVOX_SAMPLE_F32);
  for (guint v = 0; v < 4; v++)
    {
      make_spectrum (&ni_edge, e, n, 0.01, r, mu);
      set_voxel (high, v, mu + s, n - s);
      set_voxel (low, v, mu, t);
    }
  evox_xanes_params_init (&p);
  p.edge = 8333.0;
  g_assert_null (evox_xanes_maps (high, &p, progress, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "pre-edge"));
  g_test_message ("refused: %s", error->message);
  g_clear_error (&error);
  g_assert_null (evox_xanes_maps (low, &p, progress, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "post-edge"));
  g_test_message ("refused: %s", error->message);
  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 0.0);
}

/* with_norm on a u16 stack stored in falling energy: one "norm <E> eV" channel per energy,
 * ascending, carrying it, equal to evox_xanes_normalise's norm of each voxel in the mask and
 * NaN outside; the maps' quantities */
static void
test_with_norm (void)
{
  const guint n = G_N_ELEMENTS (map_grid), nx = 5, ny = 4;
  double e[G_N_ELEMENTS (map_grid)], falling[G_N_ELEMENTS (map_grid)];
  double mu[G_N_ELEMENTS (map_grid)], rev[G_N_ELEMENTS (map_grid)];
  for (guint i = 0; i < n; i++)
    e[i] = E0_TRUE + map_grid[i];
  for (guint i = 0; i < n; i++)
    falling[i] = e[n - 1 - i];
  g_autoptr(EvoxVolume) stack = make_stack (falling, n, nx, ny, EVOX_SAMPLE_U16);
  evox_volume_set_values (stack, EVOX_SCALE_LINEAR, "optical density", "OD");
  g_autoptr(GRand) r = g_rand_new_with_seed (5);
  for (guint v = 0; v < nx * ny; v++)
    {
      make_spectrum (&ni_edge, e, n, 0.01, r, mu);
      for (guint i = 0; i < n; i++)
        mu[i] = v % 7 == 3 ? 1000 + 30 * gauss (r)     /* noise only */
                           : 1000 + 10000 * mu[i];
      for (guint i = 0; i < n; i++)
        rev[i] = mu[n - 1 - i];
      set_voxel (stack, v, rev, n);
    }

  EvoxXanesParams p;
  evox_xanes_params_init (&p);
  p.with_norm = TRUE;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) maps = evox_xanes_maps (stack, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (maps), ==, 6 + n);
  const char *quantity[] = { "energy", "energy", "energy", "normalised absorption",
                             "optical density", "mask" };
  const char *unit[] = { "eV", "eV", "eV", "", "OD", "" };
  for (guint m = 0; m < 6; m++)
    {
      g_assert_cmpstr (evox_volume_get_channel_quantity (maps, m), ==, quantity[m]);
      g_assert_cmpstr (evox_volume_get_channel_unit (maps, m), ==, unit[m]);
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = g_strdup_printf ("norm %g eV", e[i]);
      g_assert_cmpstr (evox_volume_get_channel_label (maps, 6 + i), ==, label);
      g_assert_cmpfloat (evox_volume_get_channel_energy (maps, 6 + i), ==, e[i]);
      g_assert_cmpstr (evox_volume_get_channel_quantity (maps, 6 + i), ==,
                       "normalised absorption");
    }

  p.e0 = stack_e0 (stack, e, n, nx, ny);
  guint n_in = 0, n_out = 0;
  for (guint v = 0; v < nx * ny; v++)
    {
      double norm[G_N_ELEMENTS (map_grid)];
      for (guint i = 0; i < n; i++)
        mu[i] = evox_volume_get_value (stack, n - 1 - i, v % nx, v / nx, 0);
      EvoxXanesResult res = { .norm = norm };
      gboolean in = evox_xanes_normalise (e, mu, n, &p, &res, NULL) && res.mask;
      g_assert_cmpint (in, ==, v % 7 != 3);
      g_assert_cmpfloat (evox_volume_get_value (maps, 5, v % nx, v / nx, 0), ==, in);
      n_in += in;
      n_out += !in;
      for (guint i = 0; i < n; i++)
        {
          float got = evox_volume_get_value (maps, 6 + i, v % nx, v / nx, 0);
          if (in)
            g_assert_cmpfloat (got, ==, (float) norm[i]);
          else
            g_assert_true (isnan (got));
        }
    }
  g_assert_cmpuint (n_in, >, 0);
  g_assert_cmpuint (n_out, >, 0);
}

/* The mask on sparse pre-edge grids (2 and 3 pre-edge energies, E0 - 100 .. E0 - 30 eV, 8 on
 * the edge, 13 from E0 + 50 to E0 + 290 eV fitted by a line). The noise pools the pre-edge
 * line's and post-edge line's residuals, 11 and 12 degrees of freedom; the step, a linear
 * function of the samples independent of those residuals, over its standard error is then
 * Student's t with as many degrees of freedom for noise-only voxels, so at k = 3 the expected
 * false-positive rate is t.sf (3, 11) = 0.604 % and t.sf (3, 12) = 0.553 % (a normal's tail,
 * 0.135 %, as the degrees of freedom grow). Edges at SNR 10 (step 1, noise 0.1) have a step
 * error of 0.1 * |w| with |w| = 1.643 and 1.591, so they are kept with the non-central t's
 * probability nct.sf (3, 11, 10 / 1.643) = 99.58 % and nct.sf (3, 12, 10 / 1.591) = 99.77 %.
 * Numbers from scipy.stats, |w| from numpy's pinv of the two fits (tests/xanes-mask.py). The
 * rule before (step > 3 * the pre-edge RMS, ddof 0) let every rising noise voxel through on the
 * 2-point grid (about half) and about a quarter on the 3-point one; the test counts and logs it. */
static void
test_mask_sparse (void)
{
  const double fp_want[2] = { 0.006039920, 0.005533348 };
  const double keep_want[2] = { 0.9957761, 0.9976601 };
  const guint nx = 100, ny = 100, ne = 100, nye = 20;
  for (guint pre = 2; pre <= 3; pre++)
    {
      double d[32];
      guint n = 0;
      d[n++] = -100;
      if (pre == 3)
        d[n++] = -65;
      d[n++] = -30;
      const double on_edge[] = { -10, -5, 0, 5, 10, 15, 20, 30 };
      for (guint i = 0; i < G_N_ELEMENTS (on_edge); i++)
        d[n++] = on_edge[i];
      for (int x = 50; x <= 290; x += 20)
        d[n++] = x;
      double e[32], mu[32];
      for (guint i = 0; i < n; i++)
        e[i] = E0_TRUE + d[i];

      g_autoptr(EvoxVolume) noise = make_stack (e, n, nx, ny, EVOX_SAMPLE_F32);
      g_autoptr(EvoxVolume) edges = make_stack (e, n, ne, nye, EVOX_SAMPLE_F32);
      g_autoptr(GRand) r = g_rand_new_with_seed (100 + pre);
      guint old_rule = 0;
      for (guint v = 0; v < nx * ny; v++)
        {
          for (guint i = 0; i < n; i++)
            mu[i] = 0.1 * gauss (r);
          set_voxel (noise, v, mu, n);
          /* the old rule, for the record: step > 3 * RMS of the pre-edge line (ddof 0) */
          EvoxXanesParams q;
          evox_xanes_params_init (&q);
          q.e0 = E0_TRUE;
          EvoxXanesResult res = { 0 };
          if (evox_xanes_normalise (e, mu, n, &q, &res, NULL))
            {
              long double line[2], ss = 0;
              ls_fit (e, mu, pre, E0_TRUE, 1, line);
              for (guint i = 0; i < pre; i++)
                ss += powl (mu[i] - line[0] - line[1] * (e[i] - E0_TRUE), 2);
              old_rule += res.edge_step > 3 * sqrtl (ss / pre);
            }
        }
      Edge m = ni_edge;
      m.slope = 0;
      for (guint v = 0; v < ne * nye; v++)
        {
          make_spectrum (&m, e, n, 0.1, r, mu);
          set_voxel (edges, v, mu, n);
        }

      EvoxXanesParams p;
      evox_xanes_params_init (&p);
      p.e0 = E0_TRUE;
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) a = evox_xanes_maps (noise, &p, NULL, NULL, &error);
      g_assert_no_error (error);
      g_autoptr(EvoxVolume) b = evox_xanes_maps (edges, &p, NULL, NULL, &error);
      g_assert_no_error (error);
      double fp = 0, kept = 0;
      for (gsize v = 0; v < nx * ny; v++)
        fp += ((const float *) evox_volume_get_data (a, 5))[v];
      for (gsize v = 0; v < ne * nye; v++)
        kept += ((const float *) evox_volume_get_data (b, 5))[v];
      double nv = nx * ny, nve = ne * nye;
      g_test_message ("%u pre-edge points: %g of %g noise voxels in the mask (%.3f %%, %.3f %% "
                      "expected; the old rule %u), %g of %g edges at SNR 10 (%.2f %% expected)",
                      pre, fp, nv, 100 * fp / nv, 100 * fp_want[pre - 2], old_rule, kept, nve,
                      100 * keep_want[pre - 2]);
      /* within 4 binomial standard deviations of the expected counts */
      double sd = sqrt (nv * fp_want[pre - 2] * (1 - fp_want[pre - 2]));
      g_assert_cmpfloat (fabs (fp - nv * fp_want[pre - 2]), <, 4 * sd);
      double sde = sqrt (nve * keep_want[pre - 2] * (1 - keep_want[pre - 2]));
      g_assert_cmpfloat (fabs (kept - nve * keep_want[pre - 2]), <, 4 * sde + 1);
      g_assert_cmpfloat (old_rule, >, 0.2 * nv);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Xanes/fits", test_fits);
  g_test_add_func ("/Evox/Xanes/half-step", test_half_step);
  g_test_add_func ("/Evox/Xanes/whiteline-parabola", test_whiteline_parabola);
  g_test_add_func ("/Evox/Xanes/nnorm-rule", test_nnorm_rule);
  g_test_add_func ("/Evox/Xanes/two-point-pre-edge", test_two_point_pre_edge);
  g_test_add_func ("/Evox/Xanes/refusals", test_refusals);
  g_test_add_func ("/Evox/Xanes/find-e0", test_find_e0);
  g_test_add_func ("/Evox/Xanes/maps", test_maps);
  g_test_add_func ("/Evox/Xanes/maps-u16-refusals", test_maps_u16_and_refusals);
  g_test_add_func ("/Evox/Xanes/edge", test_edge);
  g_test_add_func ("/Evox/Xanes/with-norm-u16", test_with_norm);
  g_test_add_func ("/Evox/Xanes/mask-sparse", test_mask_sparse);
  return g_test_run ();
}

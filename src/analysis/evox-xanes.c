/* evox-xanes.c: Larch-style pre-edge line, post-edge polynomial, edge step and normalised
 * absorption per spectrum, and the per-voxel maps of a spectral stack built from them. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-xanes.h"

#include <math.h>
#include <string.h>

#include "evox-energy-order.h"
#include "evox-types.h"

/* The per-voxel fits and normalised spectra run across the voxels of a tile, so they are
 * built for AVX2 too (4 doubles a vector instead of SSE2's 2) and the loader picks. Without FMA:
 * elementwise IEEE operations give the same bits at any width, and a multiply-add fused on one
 * CPU but not on another would not, so a map does not depend on the machine. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute (target_clones)
#define WIDE_CLONES __attribute__ ((target_clones ("avx2", "default")))
#endif
#endif
#ifndef WIDE_CLONES
#define WIDE_CLONES
#endif

/* GCC and Clang vector types: sums and maxima kept in registers across a loop */
typedef double v4d __attribute__ ((vector_size (32)));
typedef gint64 v4l __attribute__ ((vector_size (32)));

/* Voxels gathered per tile: each channel is a contiguous plane, so a tile reads TILE
 * consecutive values of every channel instead of striding across all channels per voxel. */
#define TILE 256

void
evox_xanes_params_init (EvoxXanesParams *params)
{
  g_return_if_fail (params != NULL);

  params->e0 = NAN;
  params->pre1 = -150.0;
  params->pre2 = -30.0;
  params->norm1 = 50.0;
  params->norm2 = NAN;
  params->nnorm = -1;
  params->mask_k = 3.0;
  params->edge = NAN;
  params->with_norm = FALSE;
}

/* Messages count energies: "1 energy", "0 energies". */
static const char *
energies_word (guint n)
{
  return n == 1 ? "energy" : "energies";
}

static gboolean
check_energies (const double *energy,
                guint         n,
                GError      **error)
{
  for (guint i = 0; i < n; i++)
    if (!isfinite (energy[i]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "XANES: energy %u is not finite", i);
        return FALSE;
      }
  for (guint i = 1; i < n; i++)
    if (!(energy[i] > energy[i - 1]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "XANES: energies are not strictly increasing (%g eV at %u after %g eV)",
                     energy[i], i, energy[i - 1]);
        return FALSE;
      }
  return TRUE;
}

/* Larch's find_energy_step: the mean of the 10 smallest steps after skipping the smallest 1 %
 * at both ends. Below 100 points Larch's slice [0:-0] is empty and its later clamp turns the
 * NaN into 1 eV; that is kept so E0 agrees with Larch on short spectra. */
static double
energy_step (const double *energy,
             guint         n)
{
  guint nskip = (guint) (0.01 * n);
  if (nskip == 0 || n < 2 * nskip + 2)
    return 1.0;
  guint m = n - 2 * nskip - 1;
  g_autofree double *d = g_new (double, m);
  for (guint i = 0; i < m; i++)
    d[i] = energy[nskip + i + 1] - energy[nskip + i];
  for (guint i = 1; i < m; i++)           /* insertion sort: m is small */
    for (guint j = i; j > 0 && d[j] < d[j - 1]; j--)
      {
        double t = d[j];
        d[j] = d[j - 1];
        d[j - 1] = t;
      }
  double s = 0;
  guint c = 0;
  for (guint i = nskip; i < m && c < 10; i++, c++)
    s += d[i];
  return c ? s / c : 1.0;
}

/* Larch's smooth (form lorentzian, sigma = xstep = estep) of the derivative, as one matrix.
 * Larch interpolates onto linspace (xmin, xmax, npts) padded by 5 steps, mirrors the grid at
 * both ends, convolves it with a Lorentzian of half width one grid index normalised over its
 * 2 npts points, and interpolates back. Each step is linear, and so is the derivative before
 * them, so on fixed energies the smoothed derivative is S mu with S an m x m matrix: built once
 * per energy grid and search range, it costs a voxel m^2 multiply-adds instead of a convolution
 * on a grid up to 50 times finer. The window is Larch's whole one: cut at 250 indices (0.25 % of
 * its weight) it moved E0 by a step on 4 of 595,592 voxels of the benchmark's map, where two
 * points of the smoothed derivative were 1.2e-9 of its range apart (tests/xanes-find-e0.py). */

typedef struct
{
  guint   istart;  /* rows and columns: the energies istart .. istart + m - 1 */
  guint   m;
  double *s;       /* m x m, row-major; NULL when m leaves nothing to search */
} Smoother;

static void
smoother_free (Smoother *self)
{
  if (self == NULL)
    return;
  g_free (self->s);
  g_free (self);
}

/* points Larch's _finde0 ignores at each end */
static guint
finde0_margin (guint n)
{
  return MAX (3u, (guint) (n * 0.02));
}

static Smoother *
smoother_new (const double *x,
              guint         m,
              guint         istart,
              double        estep)
{
  Smoother *self = g_new0 (Smoother, 1);
  self->istart = istart;
  self->m = m;
  if (m <= 2 * finde0_margin (m))
    return self;

  double xmin = estep * (double) (gint64) ((x[0] - 5 * estep) / estep);
  double xmax = estep * (double) (gint64) ((x[m - 1] + 5 * estep) / estep);
  gint64 npts = MIN (1 + (gint64) (fabs (xmax - xmin + estep * 0.1) / estep), 50 * (gint64) m);
  double dx = (xmax - xmin) / (npts - 1);

  /* np.interp (clamped outside the data) at grid point q: weight 1 - gf[q] on the derivative
   * at gj[q], gf[q] on the one after */
  g_autofree guint *gj = g_new (guint, npts);
  g_autofree double *gf = g_new (double, npts);
  for (gint64 q = 0, j = 0; q < npts; q++)
    {
      double xq = xmin + q * dx;
      while (j + 1 < m && x[j + 1] <= xq)
        j++;
      gj[q] = j;
      gf[q] = 0;
      if (xq <= x[0])
        gj[q] = 0;
      else if (j + 1 >= m)
        gj[q] = m - 1;
      else
        gf[q] = (xq - x[j]) / (x[j + 1] - x[j]);
    }
  double wsum = 0;
  g_autofree double *w = g_new (double, npts + 1);
  for (gint64 d = -npts; d < npts; d++)
    wsum += 1.0 / (G_PI * (d * d + 1.0));
  for (gint64 d = 0; d <= npts; d++)
    w[d] = 1.0 / (G_PI * (d * d + 1.0)) / wsum;

  self->s = g_new0 (double, (gsize) m * m);
  g_autofree double *r = g_new (double, m);
  for (guint i = 0; i < m; i++)
    {
      /* row i over the derivative: interpolation back from grid points k0 and k0 + 1 */
      memset (r, 0, m * sizeof (double));
      gint64 k0 = CLAMP ((gint64) floor ((x[i] - xmin) / dx), 0, npts - 2);
      double t = (x[i] - (xmin + k0 * dx)) / dx;
      for (int h = 0; h < 2; h++)
        {
          double ch = h == 0 ? 1 - t : t;
          for (gint64 d = -npts; d <= npts - 1; d++)
            {
              gint64 q = k0 + h - d;
              /* Larch's y1: below 0 mirrored without the end point, above npts - 1 with it */
              if (q < 0)
                q = -q;
              else if (q >= npts)
                q = 2 * npts - 1 - q;
              q = CLAMP (q, 0, npts - 1);
              double wt = ch * w[ABS (d)];
              r[gj[q]] += wt * (1 - gf[q]);
              if (gf[q] != 0)
                r[gj[q] + 1] += wt * gf[q];
            }
        }
      /* and over the spectrum: numpy's gradient, central inside, one-sided at the ends */
      double *row = self->s + (gsize) i * m;
      for (guint j = 0; j < m; j++)
        {
          guint a = j == 0 ? 0 : j - 1, b = j == m - 1 ? m - 1 : j + 1;
          double g = r[j] / (x[b] - x[a]);
          row[b] += g;
          row[a] -= g;
        }
    }
  return self;
}

/* Most of the maps' time goes here, so where the compiler can it is built twice, for CPUs with
 * AVX2 and FMA and for any other, and the loader picks one (a voxel's E0 then comes from the
 * same code whether alone or in a map). */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute (target_clones)
#define E0_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#endif
#endif
#ifndef E0_CLONES
#define E0_CLONES
#endif

/* The choice of Larch's _finde0 on the derivatives of len spectra, channel after channel
 * (d[i * st + k], scaled in place): for each, the index of the largest among points whose scaled
 * derivative and both neighbours' exceed dhigh (0.6, or 0.3 on 20 points or fewer; halved up to
 * twice when fewer than 3 points pass, then every point), ignoring the margin at each end; 0 when
 * none qualifies, -1 when the margins leave nothing. Loops run across the spectra, so they
 * vectorise; w holds 7 len values of scratch. */
E0_CLONES static void
finde0_pick_tile (double *d,
                  gsize   st,
                  guint   len,
                  guint   n,
                  int    *out,
                  double *w)
{
  guint nmin = finde0_margin (n);
  if (n <= 2 * nmin)
    {
      for (guint k = 0; k < len; k++)
        out[k] = -1;
      return;
    }
  double *lo = w, *hi = w + len, *c0 = w + 2 * len, *c1 = w + 3 * len, *c2 = w + 4 * len;
  double *dh = w + 5 * len, *all = w + 6 * len;
  for (guint k = 0; k < len; k++)
    {
      lo[k] = INFINITY;
      hi[k] = -INFINITY;
      c0[k] = c1[k] = c2[k] = 0;
    }
  for (guint i = 0; i < n; i++)
    {
      double *x = d + i * st;
      /* x - x is NaN exactly when x is not finite */
#pragma omp simd
      for (guint k = 0; k < len; k++)
        x[k] = x[k] - x[k] == 0 ? x[k] : -1.0;
      if (i >= nmin && i < n - nmin)
#pragma omp simd
        for (guint k = 0; k < len; k++)
          {
            lo[k] = x[k] < lo[k] ? x[k] : lo[k];
            hi[k] = x[k] > hi[k] ? x[k] : hi[k];
          }
    }
  /* the points above each of Larch's three thresholds, counted in one pass */
  double t0 = n > 20 ? 0.6 : 0.3, t1 = t0 * 0.5, t2 = t0 * 0.25;
  for (guint k = 0; k < len; k++)
    hi[k] = MAX (1e-10, hi[k] - lo[k]);   /* now the range */
  for (guint i = 0; i < n; i++)
    {
      double *x = d + i * st;
#pragma omp simd
      for (guint k = 0; k < len; k++)
        {
          double v = x[k] = (x[k] - lo[k]) / hi[k];
          c0[k] += v > t0;
          c1[k] += v > t1;
          c2[k] += v > t2;
        }
    }
  /* Larch: stop at 3 points or more at the first threshold, more than 3 at the second, and
   * take the third otherwise; under 3 points there, every point counts as high */
  for (guint k = 0; k < len; k++)
    {
      double c = c0[k] >= 3 ? c0[k] : c1[k] > 3 ? c1[k] : c2[k];
      dh[k] = c0[k] >= 3 ? t0 : c1[k] > 3 ? t1 : t2;
      all[k] = c < 3;
    }
  /* the largest qualifying point, first of equals: 4 spectra at a time with the best value
   * and index in registers through the points, chosen by masks (a branch per point and spectrum
   * kept this loop scalar) */
  guint k = 0;
  for (; k + 4 <= len; k += 4)
    {
      v4d bd = { 0, 0, 0, 0 }, bi = bd, h, a;
      memcpy (&h, dh + k, sizeof h);
      memcpy (&a, all + k, sizeof a);
      v4l every = a != (v4d) { 0, 0, 0, 0 };
      for (guint i = nmin; i <= n - nmin && i + 1 < n; i++)
        {
          v4d x, xp, xn, di = { i, i, i, i };
          memcpy (&x, d + i * st + k, sizeof x);
          memcpy (&xp, d + (i - 1) * st + k, sizeof xp);
          memcpy (&xn, d + (i + 1) * st + k, sizeof xn);
          v4l take = (x > bd) & (every | ((x > h) & (xn > h) & (xp > h)));
          bd = (v4d) (((v4l) x & take) | ((v4l) bd & ~take));
          bi = (v4d) (((v4l) di & take) | ((v4l) bi & ~take));
        }
      for (guint j = 0; j < 4; j++)
        out[k + j] = (int) bi[j];
    }
  for (; k < len; k++)
    {
      out[k] = 0;
      double best = 0;
      for (guint i = nmin; i <= n - nmin && i + 1 < n; i++)
        {
          double x = d[i * st + k], xp = d[(i - 1) * st + k], xn = d[(i + 1) * st + k];
          if (x > best && (all[k] != 0 || (x > dh[k] && xn > dh[k] && xp > dh[k])))
            {
              out[k] = (int) i;
              best = x;
            }
        }
    }
}

/* E0 searches on one energy grid share their smoothers: Larch's second pass depends on the
 * spectrum only through the rough E0's index, so there is one smoother per index at most,
 * built when first needed (by whichever thread gets there; a loser frees its copy). */
typedef struct
{
  const double *energy;
  guint         n;
  double        estep_grid;   /* Larch's find_energy_step, clamped */
  double        mean_energy;
  Smoother    **by_rough;     /* n */
} E0Search;

static void
e0_search_init (E0Search     *self,
                const double *energy,
                guint         n)
{
  self->energy = energy;
  self->n = n;
  self->estep_grid = CLAMP (energy_step (energy, n), 0.01, 1.0);
  double s = 0;
  for (guint i = 0; i < n; i++)
    s += energy[i];
  self->mean_energy = n ? s / n : 0;
  self->by_rough = g_new0 (Smoother *, n);
}

static void
e0_search_clear (E0Search *self)
{
  for (guint i = 0; i < self->n; i++)
    smoother_free (self->by_rough[i]);
  g_clear_pointer (&self->by_rough, g_free);
}

/* Larch's second pass: the smoothed derivative over 75 points either side of the rough E0 (or,
 * when that sits in the first 5 %, likely a glitch, from 20 points below it to the end), 3
 * points left off at each end, smoothed with estep from the grid's step and E0 / 25000. */
static const Smoother *
e0_search_smoother (E0Search *self,
                    int       ie0)
{
  Smoother *sm = g_atomic_pointer_get (&self->by_rough[ie0]);
  if (sm != NULL)
    return sm;

  int n = (int) self->n;
  double e1 = self->energy[ie0];
  int istart = MAX (3, ie0 - 75), istop = MIN (ie0 + 75, n - 3);
  if (ie0 < 0.05 * n)
    {
      e1 = self->mean_energy;
      istart = MAX (3, ie0 - 20);
      istop = n - 3;
    }
  double estep = 0.5 * (self->estep_grid + CLAMP (e1 / 25000.0, 0.01, 1.0));
  sm = smoother_new (self->energy + istart, istop > istart ? istop - istart : 0, istart, estep);
  if (!g_atomic_pointer_compare_and_exchange (&self->by_rough[ie0], NULL, sm))
    {
      smoother_free (sm);
      sm = g_atomic_pointer_get (&self->by_rough[ie0]);
    }
  return sm;
}

/* A thread's scratch for E0 searches over a tile */
#define E0_GROUP 32
#define E0_LANES 8


/* out[i][g] = sum_j s[i][j] sub[j][g], rows E0_GROUP long, for g < g_pad (whole blocks of
 * E0_LANES): the sums of 4 rows x a block stay in registers (GCC and Clang vector types; a plain
 * array of sums went through memory on every multiply-add), so each load of the spectra serves 4
 * rows, and each sum is added in the order of j, as for one row alone. */
E0_CLONES static void
smooth_group (const double *s,
              guint         m,
              const double *sub,
              double       *out,
              guint         g_pad)
{
  guint i = 0;
  for (; i + 4 <= m; i += 4)
    {
      const double *r0 = s + (gsize) i * m, *r1 = r0 + m, *r2 = r1 + m, *r3 = r2 + m;
      for (guint g0 = 0; g0 < g_pad; g0 += E0_LANES)
        {
          v4d z = { 0, 0, 0, 0 };
          v4d a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
          for (guint j = 0; j < m; j++)
            {
              const double *x = sub + (gsize) j * E0_GROUP + g0;
              v4d x0, x1;
              memcpy (&x0, x, sizeof x0);
              memcpy (&x1, x + 4, sizeof x1);
              v4d w0 = { r0[j], r0[j], r0[j], r0[j] }, w1 = { r1[j], r1[j], r1[j], r1[j] };
              v4d w2 = { r2[j], r2[j], r2[j], r2[j] }, w3 = { r3[j], r3[j], r3[j], r3[j] };
              a00 += w0 * x0;
              a01 += w0 * x1;
              a10 += w1 * x0;
              a11 += w1 * x1;
              a20 += w2 * x0;
              a21 += w2 * x1;
              a30 += w3 * x0;
              a31 += w3 * x1;
            }
          double *o = out + (gsize) i * E0_GROUP + g0;
          memcpy (o, &a00, sizeof a00);
          memcpy (o + 4, &a01, sizeof a01);
          memcpy (o + E0_GROUP, &a10, sizeof a10);
          memcpy (o + E0_GROUP + 4, &a11, sizeof a11);
          memcpy (o + 2 * E0_GROUP, &a20, sizeof a20);
          memcpy (o + 2 * E0_GROUP + 4, &a21, sizeof a21);
          memcpy (o + 3 * E0_GROUP, &a30, sizeof a30);
          memcpy (o + 3 * E0_GROUP + 4, &a31, sizeof a31);
        }
    }
  for (; i < m; i++)
    {
      const double *row = s + (gsize) i * m;
      for (guint g0 = 0; g0 < g_pad; g0 += E0_LANES)
        {
          v4d acc0 = { 0, 0, 0, 0 }, acc1 = acc0;
          for (guint j = 0; j < m; j++)
            {
              const double *x = sub + (gsize) j * E0_GROUP + g0;
              v4d w = { row[j], row[j], row[j], row[j] }, x0, x1;
              memcpy (&x0, x, sizeof x0);
              memcpy (&x1, x + 4, sizeof x1);
              acc0 += w * x0;
              acc1 += w * x1;
            }
          memcpy (out + (gsize) i * E0_GROUP + g0, &acc0, sizeof acc0);
          memcpy (out + (gsize) i * E0_GROUP + g0 + 4, &acc1, sizeof acc1);
        }
    }
}

typedef struct
{
  double   *cbuf;     /* n x tile: the spectra searched, channel after channel */
  double   *dmu;      /* n x tile: their derivatives */
  double   *pick;     /* 7 x tile: finde0_pick_tile's scratch */
  int      *ix;       /* tile */
  int      *key;      /* tile: each voxel's rough E0 index; -1 none, -2 done */
  guint    *members;  /* E0_GROUP */
  double   *sub;      /* n x E0_GROUP */
  double   *out;      /* n x E0_GROUP */
} E0Scratch;

static void
e0_scratch_init (E0Scratch *s,
                 guint      n,
                 guint      tile)
{
  s->cbuf = g_new (double, (gsize) n * tile);
  s->dmu = g_new (double, (gsize) n * tile);
  s->pick = g_new (double, 7 * (gsize) tile);
  s->ix = g_new (int, tile);
  s->key = g_new (int, tile);
  s->members = g_new (guint, E0_GROUP);
  s->sub = g_new (double, (gsize) n * E0_GROUP);
  s->out = g_new (double, (gsize) n * E0_GROUP);
}

static void
e0_scratch_clear (E0Scratch *s)
{
  g_free (s->cbuf);
  g_free (s->dmu);
  g_free (s->pick);
  g_free (s->ix);
  g_free (s->key);
  g_free (s->members);
  g_free (s->sub);
  g_free (s->out);
}

/* find_e0 of the voxels idx[0..cnt) of a tile laid out channel after channel
 * (buf[c * stride + k]) into e0[0..cnt), NaN where the spectrum is too short. Voxels with the
 * same rough E0 share its smoother, so a group of them is one matrix product, which runs across
 * the voxels and vectorises; each voxel's sums are added in the same order as for one alone.
 * Built for AVX2 too for its derivatives' divisions, 4 at a time; it has no multiply-add for FMA
 * to fuse. */
E0_CLONES static void
e0_search_tile (E0Search     *self,
                const double *buf,
                gsize         stride,
                const guint  *idx,
                guint         cnt,
                double       *e0,
                E0Scratch    *s)
{
  const double *energy = self->energy;
  guint n = self->n;
  for (guint i = 0; i < cnt; i++)
    e0[i] = NAN;
  if (n <= 2 * finde0_margin (n))
    return;
  /* the spectra searched, side by side, and their raw derivatives (numpy's gradient) */
  for (guint c = 0; c < n; c++)
    for (guint i = 0; i < cnt; i++)
      s->cbuf[(gsize) c * cnt + i] = buf[c * stride + idx[i]];
  for (guint c = 0; c < n; c++)
    {
      guint a = c == 0 ? 0 : c - 1, b = c == n - 1 ? n - 1 : c + 1;
      const double *xa = s->cbuf + (gsize) a * cnt, *xb = s->cbuf + (gsize) b * cnt;
      double *o = s->dmu + (gsize) c * cnt, span = energy[b] - energy[a];
#pragma omp simd
      for (guint i = 0; i < cnt; i++)
        o[i] = (xb[i] - xa[i]) / span;
    }
  finde0_pick_tile (s->dmu, cnt, cnt, n, s->key, s->pick);
  for (guint first = 0; first < cnt; first++)
    {
      int key = s->key[first];
      if (key < 0)
        continue;
      const Smoother *sm = e0_search_smoother (self, key);
      guint m = sm->m;
      guint next = first;
      while (next < cnt)
        {
          /* the next few voxels with this key */
          guint g_len = 0;
          for (; next < cnt && g_len < E0_GROUP; next++)
            if (s->key[next] == key)
              {
                s->members[g_len++] = next;
                s->key[next] = -2;
              }
          if (g_len == 0 || sm->s == NULL)
            continue;
          /* padded to whole blocks of E0_LANES voxels, whose sums stay in registers */
          guint g_pad = (g_len + E0_LANES - 1) / E0_LANES * E0_LANES;
          for (guint j = 0; j < m; j++)
            for (guint g = 0; g < g_pad; g++)
              s->sub[j * E0_GROUP + g] = g < g_len
                                         ? s->cbuf[(gsize) (sm->istart + j) * cnt + s->members[g]]
                                         : 0;
          smooth_group (sm->s, m, s->sub, s->out, g_pad);
          finde0_pick_tile (s->out, E0_GROUP, g_len, m, s->ix, s->pick);
          for (guint g = 0; g < g_len; g++)
            {
              int ix = s->ix[g];
              guint v = s->members[g];
              e0[v] = ix >= 1 ? energy[sm->istart + ix]
                      : ix == 0 ? energy[sm->istart + 2] : NAN;
            }
        }
    }
}

double
evox_xanes_find_e0 (const double *energy,
                    const double *mu,
                    guint         n,
                    GError      **error)
{
  g_return_val_if_fail (energy != NULL && mu != NULL, NAN);

  if (!check_energies (energy, n, error))
    return NAN;
  for (guint i = 0; i < n; i++)
    if (!isfinite (mu[i]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "XANES: absorption at %g eV is not finite", energy[i]);
        return NAN;
      }

  E0Search search;
  E0Scratch scratch;
  guint zero = 0;
  double e0;
  e0_search_init (&search, energy, n);
  e0_scratch_init (&scratch, n, 1);
  e0_search_tile (&search, mu, 1, &zero, 1, &e0, &scratch);
  e0_scratch_clear (&scratch);
  e0_search_clear (&search);
  if (isnan (e0))
    g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                 "XANES: %u %s too few to find E0 (Larch's search leaves 3 points off "
                 "each end twice); give E0", n, n == 1 ? "energy is" : "energies are");
  return e0;
}

/* Rows of the least-squares pseudo-inverse for a polynomial of degree deg in (x - x0) over
 * x[0..cnt): coefficient j of the fit to y is rows[j * cnt ..] . y. The normal matrix is
 * inverted on t = (x - x0) / scale, which keeps it well conditioned at 8 keV, by Gauss-Jordan
 * with partial pivoting. */
static gboolean
poly_rows (const double *x,
           guint         cnt,
           double        x0,
           int           deg,
           double       *rows)
{
  int m = deg + 1;
  double scale = 0;
  for (guint i = 0; i < cnt; i++)
    scale = MAX (scale, fabs (x[i] - x0));
  if (scale == 0)
    scale = 1;
  double a[EVOX_XANES_MAX_NNORM + 1][2 * (EVOX_XANES_MAX_NNORM + 1)] = { { 0 } };
  for (guint i = 0; i < cnt; i++)
    {
      double t = (x[i] - x0) / scale, p[2 * EVOX_XANES_MAX_NNORM + 1];
      p[0] = 1;
      for (int k = 1; k < 2 * m - 1; k++)
        p[k] = p[k - 1] * t;
      for (int r = 0; r < m; r++)
        for (int c = 0; c < m; c++)
          a[r][c] += p[r + c];
    }
  for (int r = 0; r < m; r++)
    a[r][m + r] = 1;
  for (int c = 0; c < m; c++)
    {
      int piv = c;
      for (int r = c + 1; r < m; r++)
        if (fabs (a[r][c]) > fabs (a[piv][c]))
          piv = r;
      if (!(fabs (a[piv][c]) > 1e-12 * cnt))
        return FALSE;
      if (piv != c)
        for (int k = 0; k < 2 * m; k++)
          {
            double tmp = a[c][k];
            a[c][k] = a[piv][k];
            a[piv][k] = tmp;
          }
      double d = a[c][c];
      for (int k = 0; k < 2 * m; k++)
        a[c][k] /= d;
      for (int r = 0; r < m; r++)
        if (r != c && a[r][c] != 0)
          {
            double f = a[r][c];
            for (int k = 0; k < 2 * m; k++)
              a[r][k] -= f * a[c][k];
          }
    }
  for (guint i = 0; i < cnt; i++)
    {
      double t = (x[i] - x0) / scale, p[EVOX_XANES_MAX_NNORM + 1];
      p[0] = 1;
      for (int k = 1; k < m; k++)
        p[k] = p[k - 1] * t;
      double f = 1;
      for (int j = 0; j < m; j++, f *= scale)
        {
          double s = 0;
          for (int k = 0; k < m; k++)
            s += a[j][m + k] * p[k];
          rows[(gsize) j * cnt + i] = s / f;
        }
    }
  return TRUE;
}

/* Below this many residual degrees of freedom in the pre-edge line the noise is pooled with the
 * post-edge residuals: with 2 or 3 pre-edge points the line's own residuals say next to nothing
 * about the noise (nothing at all for 2). */
#define POOL_BELOW_DOF 10

/* What depends only on the energies and E0: the ranges and the rows of the fits'
 * pseudo-inverses, so that a spectrum's normalisation is a few dot products, and the weights of
 * the edge step, a linear function of the spectrum, whose norm gives the step's standard error. */
typedef struct
{
  double  e0;
  guint   ie0;
  guint   p0, p1, q0, q1;  /* pre-edge [p0, p1), post-edge [q0, q1) */
  int     nnorm;
  double *pre_rows;        /* 2 x n_pre: the line's value at E0, its slope */
  double *post_rows;       /* (nnorm + 1) x n_post: coefficients of (E - E0)^j of mu - pre */
  double  step_rms;        /* sqrt (sum w_i^2) for step = sum w_i mu_i */
  guint   dof_pre, dof_post;
} Plan;

static void
plan_clear (Plan *plan)
{
  g_clear_pointer (&plan->pre_rows, g_free);
  g_clear_pointer (&plan->post_rows, g_free);
}

static gboolean
plan_init (Plan                  *plan,
           const double          *energy,
           guint                  n,
           double                 e0,
           const EvoxXanesParams *params,
           GError               **error)
{
  memset (plan, 0, sizeof *plan);
  /* Larch moves E0 onto the nearest measured energy */
  guint ie0 = 0;
  for (guint i = 1; i < n; i++)
    if (fabs (energy[i] - e0) < fabs (energy[ie0] - e0))
      ie0 = i;
  plan->ie0 = ie0;
  e0 = plan->e0 = energy[ie0];

  /* ranges clipped to the data, swapped when given the wrong way round, as Larch does */
  double pre1 = MAX (params->pre1, energy[0] - e0), pre2 = params->pre2;
  if (pre1 > pre2)
    {
      double t = pre1;
      pre1 = pre2;
      pre2 = t;
    }
  double norm2 = isnan (params->norm2) ? energy[n - 1] - e0 : MIN (params->norm2,
                                                                    energy[n - 1] - e0);
  double norm1 = params->norm1;
  if (norm1 > norm2)
    {
      double t = norm1;
      norm1 = norm2;
      norm2 = t;
    }

  /* inclusive ranges [E0 + lo, E0 + hi] */
  guint p0 = n, p1 = 0, q0 = n, q1 = 0;
  for (guint i = 0; i < n; i++)
    {
      double d = energy[i] - e0;
      if (d >= pre1 && d <= pre2)
        p0 = MIN (p0, i), p1 = i + 1;
      if (d >= norm1 && d <= norm2)
        q0 = MIN (q0, i), q1 = i + 1;
    }
  guint n_pre = p1 > p0 ? p1 - p0 : 0, n_post = q1 > q0 ? q1 - q0 : 0;
  if (n_pre < 2)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: %u %s in the pre-edge range E0%+g to E0%+g eV (E0 %g eV); a "
                   "line needs 2: the stack does not reach below the edge", n_pre,
                   energies_word (n_pre), pre1, pre2, e0);
      return FALSE;
    }
  int nnorm = params->nnorm;
  if (nnorm < 0)
    nnorm = norm2 - norm1 < 30 ? 0 : norm2 - norm1 < 300 ? 1 : 2;
  nnorm = MIN (nnorm, EVOX_XANES_MAX_NNORM);
  if (n_post < 2 || n_post < (guint) nnorm + 1)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: %u %s in the post-edge range E0%+g to E0%+g eV (E0 %g eV); "
                   "degree %d needs %d: the stack does not reach above the edge",
                   n_post, energies_word (n_post), norm1, norm2, e0, nnorm, MAX (2, nnorm + 1));
      return FALSE;
    }
  plan->p0 = p0, plan->p1 = p1, plan->q0 = q0, plan->q1 = q1;
  plan->nnorm = nnorm;
  plan->dof_pre = n_pre - 2;
  plan->dof_post = n_post - (nnorm + 1);
  plan->pre_rows = g_new (double, 2 * (gsize) n_pre);
  plan->post_rows = g_new (double, (nnorm + 1) * (gsize) n_post);
  if (!poly_rows (energy + p0, n_pre, e0, 1, plan->pre_rows)
      || !poly_rows (energy + q0, n_post, e0, nnorm, plan->post_rows))
    {
      plan_clear (plan);
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: the pre-edge or post-edge fit is singular on these energies");
      return FALSE;
    }

  /* step = c0 . (mu_post - a0 - a1 (E_post - E0)) with a0, a1 the pre-edge rows . mu_pre */
  g_autofree double *w = g_new0 (double, n);
  double sum_c = 0, sum_cd = 0;
  for (guint q = 0; q < n_post; q++)
    {
      double c = plan->post_rows[q];
      w[q0 + q] += c;
      sum_c += c;
      sum_cd += c * (energy[q0 + q] - e0);
    }
  for (guint p = 0; p < n_pre; p++)
    w[p0 + p] -= sum_c * plan->pre_rows[p] + sum_cd * plan->pre_rows[n_pre + p];
  double ss = 0;
  for (guint i = 0; i < n; i++)
    ss += w[i] * w[i];
  plan->step_rms = sqrt (ss);
  return TRUE;
}

/* The fits of a tile of voxels laid out channel after channel (buf[c * stride + k], k < len):
 * the pre-edge line a0 + a1 (E - E0), the post-edge coefficients c[j * len + k] and the sums of
 * squared residuals of both. Loops run across voxels, so they vectorise; each voxel's sums are
 * added in the order a spectrum on its own would add them. */
WIDE_CLONES static void
plan_fit_tile (const Plan   *plan,
               const double *energy,
               const double *buf,
               gsize         stride,
               guint         len,
               double       *a0,
               double       *a1,
               double       *c,
               double       *ss_pre,
               double       *ss_post)
{
  guint n_pre = plan->p1 - plan->p0, n_post = plan->q1 - plan->q0;
  int m = plan->nnorm + 1;
  double e0 = plan->e0;

  for (guint k = 0; k < len; k++)
    a0[k] = a1[k] = ss_pre[k] = ss_post[k] = 0;
  for (guint k = 0; k < (guint) m * len; k++)
    c[k] = 0;
  for (guint p = 0; p < n_pre; p++)
    {
      const double *x = buf + (plan->p0 + p) * stride;
      double w0 = plan->pre_rows[p], w1 = plan->pre_rows[n_pre + p];
#pragma omp simd
      for (guint k = 0; k < len; k++)
        {
          a0[k] += w0 * x[k];
          a1[k] += w1 * x[k];
        }
    }
  for (guint p = 0; p < n_pre; p++)
    {
      const double *x = buf + (plan->p0 + p) * stride;
      double d = energy[plan->p0 + p] - e0;
#pragma omp simd
      for (guint k = 0; k < len; k++)
        {
          double r = x[k] - (a0[k] + a1[k] * d);
          ss_pre[k] += r * r;
        }
    }
  for (guint q = 0; q < n_post; q++)
    {
      const double *x = buf + (plan->q0 + q) * stride;
      double d = energy[plan->q0 + q] - e0;
      for (int j = 0; j < m; j++)
        {
          double w = plan->post_rows[(gsize) j * n_post + q];
          double *cj = c + (gsize) j * len;
#pragma omp simd
          for (guint k = 0; k < len; k++)
            cj[k] += w * (x[k] - (a0[k] + a1[k] * d));
        }
    }
  for (guint q = 0; q < n_post; q++)
    {
      const double *x = buf + (plan->q0 + q) * stride;
      double d = energy[plan->q0 + q] - e0;
#pragma omp simd
      for (guint k = 0; k < len; k++)
        {
          double p = 0;
          for (int j = m - 1; j >= 0; j--)
            p = p * d + c[(gsize) j * len + k];
          double res = x[k] - (a0[k] + a1[k] * d) - p;
          ss_post[k] += res * res;
        }
    }
}

/* The normalised spectra of a fitted tile, channel after channel (normt[c * len + k]), and the
 * white line's index and value: the largest norm at or above E0, the first of equals. Across
 * voxels, so it vectorises; inv holds len values of scratch. */
WIDE_CLONES static void
plan_norm_tile (const Plan   *plan,
                const double *energy,
                const double *buf,
                gsize         stride,
                guint         len,
                guint         n,
                const double *a0,
                const double *a1,
                const double *cv,
                double       *inv,
                double       *normt,
                double       *imax,
                double       *vmax)
{
  double e0 = plan->e0;
  for (guint k = 0; k < len; k++)
    inv[k] = 1 / cv[k];
  for (guint c = 0; c < n; c++)
    {
      const double *x = buf + c * stride;
      double *o = normt + (gsize) c * len, d = energy[c] - e0;
#pragma omp simd
      for (guint k = 0; k < len; k++)
        o[k] = (x[k] - (a0[k] + a1[k] * d)) * inv[k];
    }
  /* 4 voxels at a time with the maximum and its index (a double, as wide as the values) in
   * registers through the channels, chosen by masks: a conditional store per channel and voxel
   * cost a masked store and a branch that the data decide */
  const double *first = normt + (gsize) plan->ie0 * len;
  guint k = 0;
  for (; k + 4 <= len; k += 4)
    {
      v4d vm, im = { plan->ie0, plan->ie0, plan->ie0, plan->ie0 };
      memcpy (&vm, first + k, sizeof vm);
      for (guint c = plan->ie0 + 1; c < n; c++)
        {
          v4d x, ci = { c, c, c, c };
          memcpy (&x, normt + (gsize) c * len + k, sizeof x);
          v4l more = x > vm;
          vm = (v4d) (((v4l) x & more) | ((v4l) vm & ~more));
          im = (v4d) (((v4l) ci & more) | ((v4l) im & ~more));
        }
      memcpy (vmax + k, &vm, sizeof vm);
      memcpy (imax + k, &im, sizeof im);
    }
  for (; k < len; k++)
    {
      imax[k] = plan->ie0;
      vmax[k] = first[k];
      for (guint c = plan->ie0 + 1; c < n; c++)
        if (normt[(gsize) c * len + k] > vmax[k])
          {
            vmax[k] = normt[(gsize) c * len + k];
            imax[k] = c;
          }
    }
}

/* Voxel k of a tile through plan_fit_tile and plan_norm_tile into r: noise, step, mask, white
 * line and half step. FALSE when the step at E0 is not a rising one (r->edge_step says what it
 * is). */
static gboolean
plan_finish (const Plan      *plan,
             const double    *energy,
             const double    *normt,
             guint            len,
             guint            k,
             guint            n,
             const double    *a0v,
             const double    *a1v,
             const double    *cv,
             const double    *ss_prev,
             const double    *ss_postv,
             guint            imax,
             double           vmax,
             double           mask_k,
             EvoxXanesResult *r)
{
  double e0 = plan->e0, a0 = a0v[k], a1 = a1v[k];
  double ss_pre = ss_prev[k], ss_post = ss_postv[k];
  double c[EVOX_XANES_MAX_NNORM + 1] = { 0 };
  for (int j = 0; j <= plan->nnorm; j++)
    c[j] = cv[(gsize) j * len + k];

  r->e0 = e0;
  r->nnorm = plan->nnorm;
  r->n_pre = plan->p1 - plan->p0;
  r->n_post = plan->q1 - plan->q0;
  r->pre_slope = a1;
  r->pre_offset = a0 - a1 * e0;
  r->half_step_energy = r->whiteline_energy = r->whiteline_height = NAN;
  r->mask = FALSE;
  memcpy (r->post_coefs, c, sizeof c);
  /* the unbiased variance of the pre-edge line's residuals, pooled with the post-edge
   * polynomial's where the pre-edge alone has too few degrees of freedom */
  if (plan->dof_pre >= POOL_BELOW_DOF)
    r->noise = sqrt (ss_pre / plan->dof_pre);
  else if (plan->dof_pre + plan->dof_post > 0)
    r->noise = sqrt ((ss_pre + ss_post) / (plan->dof_pre + plan->dof_post));
  else
    r->noise = 0;
  r->step_error = r->noise * plan->step_rms;

  /* post (E0) - pre (E0): the polynomial was fitted to mu - pre, so its value at E0 */
  double step = r->edge_step = c[0];
  /* Larch takes |step|; a falling or absent step is no absorption edge, and for maps it must
   * not count as one */
  if (!(step > 0) || !isfinite (step))
    return FALSE;
  r->mask = step > mask_k * r->step_error;

  #define NORM(i) normt[(gsize) (i) * len + k]
  if (imax > 0 && imax + 1 < n)
    {
      /* vertex of the parabola through three points on an uneven grid (divided differences) */
      double x0 = energy[imax - 1], x1 = energy[imax], x2 = energy[imax + 1];
      double y0 = NORM (imax - 1), y1 = vmax, y2 = NORM (imax + 1);
      double d01 = (y1 - y0) / (x1 - x0), d12 = (y2 - y1) / (x2 - x1);
      double c2 = (d12 - d01) / (x2 - x0);
      if (c2 < 0)
        {
          double xv = 0.5 * (x0 + x1) - d01 / (2 * c2);
          r->whiteline_energy = xv;
          r->whiteline_height = y0 + d01 * (xv - x0) + c2 * (xv - x0) * (xv - x1);
        }
      else
        {
          r->whiteline_energy = x1;
          r->whiteline_height = y1;
        }
    }
  else
    {
      r->whiteline_energy = energy[imax];
      r->whiteline_height = vmax;
    }

  /* half step: walk down from the white line to the first point below 0.5, so pre-edge noise
   * crossing 0.5 far below the edge cannot be taken */
  if (vmax >= 0.5)
    for (guint i = imax; i > 0; i--)
      {
        double a = NORM (i - 1), b = NORM (i);
        if (a < 0.5 && b >= 0.5)
          {
            r->half_step_energy = energy[i - 1] + (0.5 - a) / (b - a) * (energy[i] - energy[i - 1]);
            break;
          }
      }
  #undef NORM
  return TRUE;
}

gboolean
evox_xanes_normalise (const double          *energy,
                      const double          *mu,
                      guint                  n,
                      const EvoxXanesParams *params,
                      EvoxXanesResult       *result,
                      GError               **error)
{
  g_return_val_if_fail (energy != NULL && mu != NULL, FALSE);
  g_return_val_if_fail (params != NULL && result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  double *norm_out = result->norm;
  memset (result, 0, sizeof *result);
  result->norm = norm_out;
  result->half_step_energy = result->whiteline_energy = result->whiteline_height = NAN;

  if (n < 4)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: %u %s too few (a pre-edge line and a post-edge need 4)", n,
                   n == 1 ? "energy is" : "energies are");
      return FALSE;
    }
  if (!check_energies (energy, n, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!isfinite (mu[i]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                     "XANES: absorption at %g eV is not finite", energy[i]);
        return FALSE;
      }

  double e0 = params->e0;
  if (isnan (e0))
    {
      e0 = evox_xanes_find_e0 (energy, mu, n, error);
      if (isnan (e0))
        return FALSE;
    }
  else if (!(e0 > energy[0] && e0 < energy[n - 1]))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: E0 %g eV is not inside the energies (%g to %g eV): the stack does "
                   "not span the edge", e0, energy[0], energy[n - 1]);
      return FALSE;
    }

  Plan plan;
  if (!plan_init (&plan, energy, n, e0, params, error))
    {
      result->e0 = plan.e0;
      return FALSE;
    }
  g_autofree double *norm_tmp = norm_out ? NULL : g_new (double, n);
  double a0, a1, c[EVOX_XANES_MAX_NNORM + 1], ss_pre, ss_post, inv, vmax, imax;
  double *norm = norm_out ? norm_out : norm_tmp;
  /* a tile of one voxel: its channel-major norm is the plain spectrum */
  plan_fit_tile (&plan, energy, mu, 1, 1, &a0, &a1, c, &ss_pre, &ss_post);
  plan_norm_tile (&plan, energy, mu, 1, 1, n, &a0, &a1, c, &inv, norm, &imax, &vmax);
  gboolean ok = plan_finish (&plan, energy, norm, 1, 0, n, &a0, &a1, c, &ss_pre, &ss_post,
                             (guint) imax, vmax, params->mask_k, result);
  plan_clear (&plan);
  if (!ok)
    g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                 "XANES: the edge step at E0 %g eV is %g: no rising absorption edge there",
                 result->e0, result->edge_step);
  return ok;
}

/* How far from a tabulated edge the stack's E0 may be: chemical shifts of K-edges reach about
 * 10 to 15 eV between metal and high oxides, and a glitch further away must not take it. */
#define EDGE_WINDOW_EV 20.0

/* The stack's E0 near a tabulated edge: the energy with the largest derivative of the mean
 * spectrum (numpy's gradient) among those within EDGE_WINDOW_EV of it; the edge itself when no
 * energy lies that near. */
static double
e0_near_edge (const double *energy,
              const double *mean,
              guint         n,
              double        edge)
{
  int best = -1;
  double best_d = -INFINITY;
  for (guint i = 0; i < n; i++)
    {
      if (fabs (energy[i] - edge) > EDGE_WINDOW_EV)
        continue;
      guint a = i == 0 ? 0 : i - 1, b = i == n - 1 ? n - 1 : i + 1;
      double d = (mean[b] - mean[a]) / (energy[b] - energy[a]);
      if (d > best_d)
        best = (int) i, best_d = d;
    }
  return best >= 0 ? energy[best] : edge;
}

/* len samples of a plane from index v0 as doubles, the type switched on once per run; FALSE
 * when one is not finite (only floats can be) */
WIDE_CLONES static gboolean
gather (gconstpointer   data,
        EvoxSampleType  type,
        gsize           v0,
        guint           len,
        double         *out)
{
  switch (type)
    {
    case EVOX_SAMPLE_U8:
      for (guint k = 0; k < len; k++)
        out[k] = ((const guint8 *) data)[v0 + k];
      return TRUE;
    case EVOX_SAMPLE_U16:
      for (guint k = 0; k < len; k++)
        out[k] = ((const guint16 *) data)[v0 + k];
      return TRUE;
    case EVOX_SAMPLE_F32:
    default:
      {
        /* x - x is 0 for finite x and NaN otherwise */
        double nonfinite = 0;
        /* the sum is 0 or NaN whatever its order, so it may be vectorised */
#pragma omp simd reduction(+:nonfinite)
        for (guint k = 0; k < len; k++)
          {
            out[k] = ((const float *) data)[v0 + k];
            nonfinite += out[k] - out[k];
          }
        return nonfinite == 0;
      }
    }
}

enum { MAP_EDGE, MAP_E0, MAP_WL_ENERGY, MAP_WL_HEIGHT, MAP_STEP, MAP_MASK, N_MAPS };
static const char *const map_names[N_MAPS] = {
  "edge_energy", "e0", "whiteline_energy", "whiteline_height", "edge_step", "mask"
};

static void
set_metadata_number (EvoxVolume *out,
                     const char *key,
                     double      value)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  evox_volume_set_metadata (out, key, g_ascii_dtostr (text, sizeof text, value));
}

/* What the whole stack was normalised with, for summaries and for the files the maps go to. */
static void
describe_maps (EvoxVolume            *out,
               const EvoxXanesParams *p,
               double                 e0,
               int                    nnorm)
{
  set_metadata_number (out, "xanes_e0", e0);
  if (isfinite (p->edge))
    set_metadata_number (out, "xanes_edge", p->edge);
  set_metadata_number (out, "xanes_pre1", p->pre1);
  set_metadata_number (out, "xanes_pre2", p->pre2);
  set_metadata_number (out, "xanes_norm1", p->norm1);
  if (isfinite (p->norm2))
    set_metadata_number (out, "xanes_norm2", p->norm2);
  set_metadata_number (out, "xanes_nnorm", nnorm);
  set_metadata_number (out, "xanes_mask_k", p->mask_k);
}

EvoxVolume *
evox_xanes_maps (EvoxVolume            *stack,
                 const EvoxXanesParams *params,
                 EvoxProgress          *progress,
                 GCancellable          *cancellable,
                 GError               **error)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (stack), NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  guint n = evox_volume_get_n_channels (stack);
  if (n < 4)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: the stack has %u %s; normalisation needs at least 4", n,
                   energies_word (n));
      return NULL;
    }
  g_autofree double *energy = NULL;
  g_autofree guint *order = NULL;
  g_autofree gconstpointer *planes = NULL;
  if (!evox_energy_order (stack, &energy, &order, &planes, error))
    {
      g_prefix_error (error, "XANES: ");
      return NULL;
    }

  EvoxXanesParams p = *params;
  if (!isnan (p.edge) && !(p.edge > energy[0] && p.edge < energy[n - 1]))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: the stack's energies (%g to %g eV) do not span the edge at %g eV: "
                   "the first must lie below it and the last above", energy[0], energy[n - 1],
                   p.edge);
      return NULL;
    }

  EvoxSampleType type = evox_volume_get_sample_type (stack);
  gsize dims[3], nv = evox_volume_get_n_voxels (stack);
  evox_volume_get_dims (stack, dims);

  /* one E0 for the whole stack: given, or from the mean spectrum (near the edge when one is
   * named, anywhere otherwise) */
  if (isnan (p.e0))
    {
      g_autofree double *mean = g_new0 (double, n);
#pragma omp parallel for schedule(dynamic, 1)
      for (guint c = 0; c < n; c++)
        {
          /* the count as a double too (exact below 2^53), so the loop has one width */
          double s = 0, cnt = 0, chunk[1024];
          for (gsize v0 = 0; v0 < nv; v0 += G_N_ELEMENTS (chunk))
            {
              guint len = MIN (G_N_ELEMENTS (chunk), nv - v0);
              gather (planes[c], type, v0, len, chunk);
              /* a sum in one register would wait on each add; in several it vectorises */
#pragma omp simd reduction(+:s, cnt)
              for (guint k = 0; k < len; k++)
                {
                  double ok = chunk[k] - chunk[k] == 0 ? 1.0 : 0.0;
                  s += ok != 0 ? chunk[k] : 0;
                  cnt += ok;
                }
            }
          mean[c] = cnt ? s / cnt : NAN;
        }
      g_autoptr(GError) local = NULL;
      for (guint c = 0; c < n; c++)
        if (!isfinite (mean[c]))
          {
            g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                         "XANES: the stack has no finite value at %g eV", energy[c]);
            return NULL;
          }
      if (!isnan (p.edge))
        p.e0 = e0_near_edge (energy, mean, n, p.edge);
      else
        p.e0 = evox_xanes_find_e0 (energy, mean, n, &local);
      if (isnan (p.e0))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "XANES: the stack's mean spectrum: %s", local->message);
          return NULL;
        }
    }
  else if (!(p.e0 > energy[0] && p.e0 < energy[n - 1]))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES: E0 %g eV is not inside the stack's energies (%g to %g eV): the "
                   "stack does not span the edge", p.e0, energy[0], energy[n - 1]);
      return NULL;
    }

  /* the ranges and fits once for the stack: too few pre-edge or post-edge energies are one
   * error before any voxel is read */
  Plan plan;
  if (!plan_init (&plan, energy, n, p.e0, &p, error))
    return NULL;

  guint n_out = N_MAPS + (p.with_norm ? n : 0);
  g_autoptr(EvoxVolume) out = evox_volume_new (dims[0], dims[1], dims[2], n_out,
                                               EVOX_SAMPLE_F32, error);
  if (out == NULL)
    {
      plan_clear (&plan);
      return NULL;
    }
  evox_volume_copy_grid (out, stack);
  g_autofree float **maps = g_new (float *, n_out);
  for (guint m = 0; m < n_out; m++)
    {
      if (m < N_MAPS)
        evox_volume_set_channel_info (out, m, map_names[m], NAN);
      else
        {
          char label[64];
          g_snprintf (label, sizeof label, "norm %g eV", energy[m - N_MAPS]);
          evox_volume_set_channel_info (out, m, label, energy[m - N_MAPS]);
          evox_volume_set_channel_values (out, m, EVOX_SCALE_LINEAR, "normalised absorption",
                                          "");
        }
      maps[m] = evox_volume_get_data_mut (out, m);
    }
  evox_volume_set_channel_values (out, MAP_EDGE, EVOX_SCALE_LINEAR, "energy", "eV");
  evox_volume_set_channel_values (out, MAP_E0, EVOX_SCALE_LINEAR, "energy", "eV");
  evox_volume_set_channel_values (out, MAP_WL_ENERGY, EVOX_SCALE_LINEAR, "energy", "eV");
  evox_volume_set_channel_values (out, MAP_WL_HEIGHT, EVOX_SCALE_LINEAR,
                                  "normalised absorption", "");
  evox_volume_set_channel_values (out, MAP_STEP,
                                  evox_volume_get_channel_value_scale (stack, order[0]),
                                  evox_volume_get_channel_quantity (stack, order[0]),
                                  evox_volume_get_channel_unit (stack, order[0]));
  evox_volume_set_channel_values (out, MAP_MASK, EVOX_SCALE_LINEAR, "mask", "");
  describe_maps (out, &p, plan.e0, plan.nnorm);

  E0Search search;
  e0_search_init (&search, energy, n);
  gsize n_tiles = (nv + TILE - 1) / TILE;
  int done = 0;

#pragma omp parallel
  {
    g_autofree double *buf = g_new (double, (gsize) n * TILE);
    g_autofree double *normt = g_new (double, (gsize) n * TILE);
    g_autofree double *fit = g_new (double, (7 + EVOX_XANES_MAX_NNORM + 1) * (gsize) TILE);
    double *a0 = fit, *a1 = fit + TILE, *ss_pre = fit + 2 * TILE, *ss_post = fit + 3 * TILE;
    double *inv = fit + 4 * TILE, *vmax = fit + 5 * TILE, *imax = fit + 6 * TILE;
    double *cv = fit + 7 * TILE;
    g_autofree gboolean *in = g_new (gboolean, TILE);
    g_autofree guint *in_idx = g_new (guint, TILE);
    g_autofree double *e0v = g_new (double, TILE);
    g_autofree gboolean *finite = g_new (gboolean, TILE);
    E0Scratch e0s;
    e0_scratch_init (&e0s, n, TILE);

#pragma omp for schedule(dynamic, 4)
    for (gsize t = 0; t < n_tiles; t++)
      {
        if (g_cancellable_is_cancelled (cancellable))
          continue;
        gsize v0 = t * TILE;
        guint len = MIN ((gsize) TILE, nv - v0);
        /* gather channel after channel: each channel's run of the tile is contiguous in the
         * stack and in buf, and the fits then run across voxels */
        gboolean all_finite = TRUE;
        for (guint c = 0; c < n; c++)
          all_finite &= gather (planes[c], type, v0, len, buf + (gsize) c * TILE);
        for (guint k = 0; k < len; k++)
          finite[k] = TRUE;
        if (!all_finite)
          for (guint c = 0; c < n; c++)
            for (guint k = 0; k < len; k++)
              finite[k] &= isfinite (buf[(gsize) c * TILE + k]) != 0;
        plan_fit_tile (&plan, energy, buf, TILE, len, a0, a1, cv, ss_pre, ss_post);
        plan_norm_tile (&plan, energy, buf, TILE, len, n, a0, a1, cv, inv, normt, imax, vmax);
        guint n_in = 0;
        for (guint k = 0; k < len; k++)
          {
            gsize v = v0 + k;
            EvoxXanesResult r;
            gboolean ok = finite[k] && plan_finish (&plan, energy, normt, len, k, n, a0, a1, cv,
                                                    ss_pre, ss_post, (guint) imax[k], vmax[k],
                                                    p.mask_k,
                                                    &r);
            in[k] = ok && r.mask;
            if (in[k])
              in_idx[n_in++] = k;
            maps[MAP_EDGE][v] = in[k] ? r.half_step_energy : NAN;
            maps[MAP_WL_ENERGY][v] = in[k] ? r.whiteline_energy : NAN;
            maps[MAP_WL_HEIGHT][v] = in[k] ? r.whiteline_height : NAN;
            maps[MAP_STEP][v] = ok ? r.edge_step : NAN;
            maps[MAP_MASK][v] = in[k] ? 1.0f : 0.0f;
          }
        if (p.with_norm)
          for (guint c = 0; c < n; c++)
            for (guint k = 0; k < len; k++)
              maps[N_MAPS + c][v0 + k] = in[k] ? normt[(gsize) c * len + k] : NAN;
        /* each voxel's own E0, for the voxels in the mask */
        e0_search_tile (&search, buf, TILE, in_idx, n_in, e0v, &e0s);
        for (guint k = 0; k < len; k++)
          maps[MAP_E0][v0 + k] = NAN;
        for (guint i = 0; i < n_in; i++)
          maps[MAP_E0][v0 + in_idx[i]] = e0v[i];
        if (progress)
          evox_progress_update (progress, (g_atomic_int_add (&done, 1) + 1.0) / n_tiles);
      }
    e0_scratch_clear (&e0s);
  }
  e0_search_clear (&search);
  plan_clear (&plan);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return g_steal_pointer (&out);
}

/* test-register.c: registration across energies: phase correlation against skimage, resampling
 * against a direct evaluation, NCC and MI against brute force, and stacks made with known scales
 * and shifts (2D, 3D, noise, an edge, a long chain, an outlier, exclusions, bad arguments). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-register.h"
#include "evox-types.h"

/* The test object: a sum of Gaussian blobs, placed by a 64-bit LCG that the oracle script below
 * repeats in Python, so C and Python draw the same images. Blobs are small (sigma 1.2..2.5 px):
 * phase correlation whitens the spectrum, so the images need content up to high frequencies, as
 * real particles with sharp edges and noise have. */
typedef struct
{
  double x, y, z, a, s;
} Blob;

static double
lcg_next (guint64 *state)
{
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return (double) (*state >> 11) * (1.0 / 9007199254740992.0);
}

/* Blobs over the middle 70 % of each axis, or (to_border) over the whole image and a little
 * beyond, so content runs off every side as in a field of view inside a larger sample. */
static Blob *
make_blobs_within (const gsize dims[3],
                   guint       count,
                   guint64     seed,
                   gboolean    to_border)
{
  Blob *b = g_new (Blob, count);
  double lo = to_border ? -0.05 : 0.15, span = to_border ? 1.1 : 0.7;

  for (guint i = 0; i < count; i++)
    {
      b[i].x = (lo + span * lcg_next (&seed)) * dims[0];
      b[i].y = (lo + span * lcg_next (&seed)) * dims[1];
      b[i].z = dims[2] > 1 ? (lo + span * lcg_next (&seed)) * dims[2] : 0.0;
      b[i].a = 0.5 + lcg_next (&seed);
      b[i].s = 1.2 + 1.3 * lcg_next (&seed);
    }
  return b;
}

static Blob *
make_blobs (const gsize dims[3],
            guint       count,
            guint64     seed)
{
  return make_blobs_within (dims, count, seed, FALSE);
}

/* The raw image an energy with this true transform sees: raw pixel q shows the object at
 * reference position c + scale (q - c) + shift (evox-registration.h's convention), plus Gaussian
 * noise of this sigma. Below an edge, contrast inverts with a gain of 0.6 and an offset. (A
 * change that differs between blobs would move the correlation peak itself, for any intensity
 * based method; README.md says why the chain crosses the edge once, between neighbours.) */
static float *
render (const gsize  dims[3],
        const Blob  *blobs,
        guint        count,
        double       scale,
        const double shift[3],
        gboolean     below_edge,
        double       noise,
        guint32      noise_seed)
{
  gsize n = dims[0] * dims[1] * dims[2];
  float *img = g_new (float, n);
  double c[3];
  g_autoptr(GRand) rand = g_rand_new_with_seed (noise_seed);

  for (int a = 0; a < 3; a++)
    c[a] = (dims[a] - 1) / 2.0;
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          double px = c[0] + scale * (x - c[0]) + shift[0];
          double py = c[1] + scale * (y - c[1]) + shift[1];
          double pz = dims[2] > 1 ? c[2] + scale * (z - c[2]) + shift[2] : 0;
          double v = below_edge ? 2 : 0;

          for (guint i = 0; i < count; i++)
            {
              double dx = px - blobs[i].x, dy = py - blobs[i].y, dz = pz - blobs[i].z;
              double r2 = dx * dx + dy * dy + dz * dz;

              if (r2 < 64 * blobs[i].s * blobs[i].s)
                v += (below_edge ? -0.6 : 1) * blobs[i].a
                     * exp (-r2 / (2 * blobs[i].s * blobs[i].s));
            }
          if (noise > 0)
            {
              /* Box-Muller. */
              double u1 = g_rand_double (rand), u2 = g_rand_double (rand);

              v += noise * sqrt (-2 * log (MAX (u1, 1e-300))) * cos (2 * G_PI * u2);
            }
          img[(z * dims[1] + y) * dims[0] + x] = (float) v;
        }
  return img;
}

/* ------------------------------------------------------------------------------------------ */

/* The reference is the unmoved object; moving is the object moved by d. skimage 0.19.3,
 * phase_cross_correlation (upsample_factor=20, normalization="phase") on the same images with the
 * same mean subtraction and Tukey window applied in numpy first; the script (its images drawn with
 * the LCG above, moving(p) = F(p - d)):
 *   def tukey(n): t = max(n // 8, 1); d = min(i, n - 1 - i);
 *                 w[i] = 0.5 * (1 - cos(pi * (d + 0.5) / t)) if d < t and n >= 4 else 1
 *   win(img) = (img - img.mean()) * tukey(nz)[:,None,None] * tukey(ny)[None,:,None] * tukey(nx)
 * printed:
 *   (64, 48, 1) 60 blobs seed 1, d = (2.37, -1.81, 0):        x=-2.3500 y=1.8500
 *   (45, 40, 1) 40 blobs seed 2, d = (-3.62, 0.44, 0):        x=3.7000 y=-0.4000
 *   (32, 28, 24) 90 blobs seed 3, d = (1.26, -0.73, 2.18):    x=-1.2500 y=0.6500 z=-2.0500
 * Our half-spectrum sum treats the Nyquist rows symmetrically where skimage's full sum does not;
 * the difference is O(1/n) of the peak, below one upsampled step here. */
static void
test_phase_correlation_skimage (void)
{
  static const struct
  {
    gsize  dims[3];
    guint  count;
    guint  seed;
    double d[3];
    double expect[3];
  } cases[] = {
    { { 64, 48, 1 }, 60, 1, { 2.37, -1.81, 0 }, { -2.35, 1.85, 0 } },
    { { 45, 40, 1 }, 40, 2, { -3.62, 0.44, 0 }, { 3.70, -0.40, 0 } },
    { { 32, 28, 24 }, 90, 3, { 1.26, -0.73, 2.18 }, { -1.25, 0.65, -2.05 } },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      static const double zero[3] = { 0, 0, 0 };
      g_autofree Blob *blobs = make_blobs (cases[k].dims, cases[k].count, cases[k].seed);
      /* moving(p) = F(p - d): raw position q shows reference position q - d. */
      double minus_d[3] = { -cases[k].d[0], -cases[k].d[1], -cases[k].d[2] };
      g_autofree float *ref = render (cases[k].dims, blobs, cases[k].count, 1, zero, FALSE, 0,
                                      0);
      g_autofree float *mov = render (cases[k].dims, blobs, cases[k].count, 1, minus_d,
                                      FALSE, 0, 0);
      g_autoptr(GError) error = NULL;
      double shift[3];
      double peak = evox_register_phase_correlation (ref, mov, cases[k].dims, 20, shift, &error);

      g_assert_no_error (error);
      g_assert_cmpfloat (peak, >, 0);
      g_assert_cmpfloat (peak, <=, 1);
      for (int a = 0; a < 3; a++)
        g_assert_cmpfloat_with_epsilon (shift[a], cases[k].expect[a], 0.051);
    }
}

/* Shifting by a whole number of pixels with the same content: exact, and the peak is near 1. */
static void
test_phase_correlation_integer (void)
{
  gsize dims[3] = { 64, 64, 1 };
  g_autofree float *a = g_new (float, 64 * 64);
  g_autofree float *b = g_new (float, 64 * 64);
  g_autoptr(GError) error = NULL;
  guint64 state = 7;
  double shift[3], peak;

  for (gsize i = 0; i < 64 * 64; i++)
    a[i] = (float) lcg_next (&state);
  /* b(x, y) = a(x - 5, y + 3), periodic: shifting b by (5, -3) gives a back. */
  for (gsize y = 0; y < 64; y++)
    for (gsize x = 0; x < 64; x++)
      b[y * 64 + x] = a[((y + 3) % 64) * 64 + (x + 64 - 5) % 64];
  peak = evox_register_phase_correlation (a, b, dims, 20, shift, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (shift[0], -5, 1e-9);
  g_assert_cmpfloat_with_epsilon (shift[1], 3, 1e-9);
  g_assert_cmpfloat (shift[2], ==, 0);
  g_assert_cmpfloat (peak, >, 0.3);

  dims[0] = 1;
  g_assert_true (isnan (evox_register_phase_correlation (a, b, dims, 20, shift, &error)));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
}

/* Keys' cubic convolution (a = -0.5) evaluated directly, tap by tap in 2D, as the oracle of the
 * separable resampler. */
static double
keys (double t)
{
  t = fabs (t);
  if (t < 1)
    return (1.5 * t - 2.5) * t * t + 1;
  if (t < 2)
    return ((-0.5 * t + 2.5) * t - 4) * t + 2;
  return 0;
}

static void
test_resample_direct (void)
{
  const gsize nx = 37, ny = 29;
  gsize dims[3] = { nx, ny, 1 };
  const double scale = 0.93, shift[3] = { 1.37, -0.62, 0 };
  g_autofree float *src = g_new (float, nx * ny);
  g_autofree float *dst = g_new (float, nx * ny);
  double cx = (nx - 1) / 2.0, cy = (ny - 1) / 2.0;
  guint64 state = 11;
  guint n_nan = 0, n_nan_expected = 0;

  for (gsize i = 0; i < nx * ny; i++)
    src[i] = (float) lcg_next (&state);
  evox_register_resample (src, dims, scale, shift, dst);
  for (gsize y = 0; y < ny; y++)
    for (gsize x = 0; x < nx; x++)
      {
        double px = cx + (x - cx - shift[0]) / scale, py = cy + (y - cy - shift[1]) / scale;
        double v = 0;

        if (px < 0 || px > nx - 1 || py < 0 || py > ny - 1)
          {
            n_nan_expected++;
            g_assert_true (isnan (dst[y * nx + x]));
            continue;
          }
        for (int j = (int) floor (py) - 1; j <= (int) floor (py) + 2; j++)
          for (int i = (int) floor (px) - 1; i <= (int) floor (px) + 2; i++)
            v += keys (px - i) * keys (py - j)
                 * src[CLAMP (j, 0, (int) ny - 1) * nx + CLAMP (i, 0, (int) nx - 1)];
        g_assert_cmpfloat_with_epsilon (dst[y * nx + x], v, 1e-5);
      }
  for (gsize i = 0; i < nx * ny; i++)
    n_nan += isnan (dst[i]);
  g_assert_cmpuint (n_nan, ==, n_nan_expected);
  g_assert_cmpuint (n_nan, >, 0);
}

/* The identity keeps every voxel exactly (3D); a linear ramp is reproduced by the cubic. */
static void
test_resample_identity_3d (void)
{
  gsize dims[3] = { 9, 8, 7 };
  gsize n = 9 * 8 * 7;
  static const double zero[3] = { 0, 0, 0 };
  const double shift[3] = { 0.25, -0.5, 0.75 };
  g_autofree float *src = g_new (float, n);
  g_autofree float *dst = g_new (float, n);
  guint64 state = 3;

  for (gsize i = 0; i < n; i++)
    src[i] = (float) lcg_next (&state);
  evox_register_resample (src, dims, 1.0, zero, dst);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (dst[i], ==, src[i]);

  for (gsize z = 0; z < 7; z++)
    for (gsize y = 0; y < 8; y++)
      for (gsize x = 0; x < 9; x++)
        src[(z * 8 + y) * 9 + x] = (float) (x + 2.0 * y - 3.0 * z);
  evox_register_resample (src, dims, 1.0, shift, dst);
  /* Away from the clamped border taps, the cubic is exact on a ramp: value at p - shift. */
  for (gsize z = 2; z < 5; z++)
    for (gsize y = 2; y < 6; y++)
      for (gsize x = 2; x < 7; x++)
        g_assert_cmpfloat_with_epsilon (dst[(z * 8 + y) * 9 + x],
                                        (x - 0.25) + 2.0 * (y + 0.5) - 3.0 * (z - 0.75), 1e-4);
  /* Shifted by +0.25 in x, the first column samples x = -0.25: outside. */
  g_assert_true (isnan (dst[(3 * 8 + 3) * 9 + 0]));
}

/* NCC against the two-pass formula in double over the finite pairs, and its NaN cases; MI
 * against a brute-force joint histogram: two independent halves give 0, an image with itself
 * the entropy of its histogram. */
static void
test_ncc_mi (void)
{
  const gsize n = 1000;
  g_autofree float *a = g_new (float, n);
  g_autofree float *b = g_new (float, n);
  g_autofree float *c = g_new (float, n);
  guint64 state = 5;
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0, entropy = 0;
  guint m = 0, counts[4] = { 0 };

  for (gsize i = 0; i < n; i++)
    {
      a[i] = (float) lcg_next (&state);
      b[i] = (float) (0.5 * a[i] + lcg_next (&state));
      c[i] = 7;
    }
  a[3] = NAN;
  b[10] = INFINITY;
  for (gsize i = 0; i < n; i++)
    if (isfinite (a[i]) && isfinite (b[i]))
      {
        ma += a[i];
        mb += b[i];
        m++;
      }
  ma /= m;
  mb /= m;
  for (gsize i = 0; i < n; i++)
    if (isfinite (a[i]) && isfinite (b[i]))
      {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
      }
  g_assert_cmpfloat_with_epsilon (evox_register_ncc (a, b, n), sab / sqrt (saa * sbb), 1e-9);
  g_assert_cmpfloat_with_epsilon (evox_register_ncc (a, a, n), 1, 1e-9);
  g_assert_true (isnan (evox_register_ncc (a, c, n)));
  g_assert_true (isnan (evox_register_ncc (a, b, 1)));

  /* Four values, one each per quarter: 2 bins of a, 2 of b, independent. */
  for (gsize i = 0; i < 400; i++)
    {
      a[i] = (float) (i % 2);
      b[i] = (float) ((i / 2) % 2);
    }
  g_assert_cmpfloat_with_epsilon (evox_register_mutual_information (a, b, 400, 2), 0, 1e-12);
  /* With itself: MI = H(a). a in 4 levels with counts 100, 50, 150, 100. */
  for (gsize i = 0; i < 400; i++)
    {
      a[i] = i < 100 ? 0.0f : i < 150 ? 1.0f : i < 300 ? 2.0f : 3.0f;
      counts[(int) a[i]]++;
    }
  for (int k = 0; k < 4; k++)
    entropy -= counts[k] / 400.0 * log (counts[k] / 400.0);
  g_assert_cmpfloat_with_epsilon (evox_register_mutual_information (a, a, 400, 4), entropy, 1e-9);
}

/* NCC is one pass shifted by a sample: on images with a large mean (1e4 + noise of 0.01, where
 * the unshifted one-pass formula keeps about four digits) it must match a centred two-pass
 * oracle in long double to 1e-9, both below and above the size where the kernel runs in
 * parallel, with the first pairs not finite (the shift is then a later sample). */
static void
test_ncc_large_mean (void)
{
  const gsize sizes[] = { 4099, 70001 };

  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      const gsize n = sizes[k];
      g_autofree float *a = g_new (float, n);
      g_autofree float *b = g_new (float, n);
      guint64 state = 11 + k;
      long double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
      guint64 m = 0;
      double want;

      for (gsize i = 0; i < n; i++)
        {
          double noise = lcg_next (&state);

          a[i] = (float) (1e4 + 0.01 * noise);
          b[i] = (float) (1e4 + 0.005 * noise + 0.01 * lcg_next (&state));
        }
      a[0] = NAN;
      b[1] = -INFINITY;
      for (gsize i = 5; i < n; i += 97)
        a[i] = NAN;
      for (gsize i = 0; i < n; i++)
        if (isfinite (a[i]) && isfinite (b[i]))
          {
            ma += a[i];
            mb += b[i];
            m++;
          }
      ma /= m;
      mb /= m;
      for (gsize i = 0; i < n; i++)
        if (isfinite (a[i]) && isfinite (b[i]))
          {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
          }
      want = (double) (sab / sqrtl (saa * sbb));
      g_test_message ("n %" G_GSIZE_FORMAT ": ncc %.15g, oracle %.15g", n,
                      evox_register_ncc (a, b, n), want);
      g_assert_cmpfloat (want, >, 0.3);
      g_assert_cmpfloat (want, <, 0.9);
      g_assert_cmpfloat (fabs (evox_register_ncc (a, b, n) - want), <=, 1e-9 * fabs (want));
    }
}

/* MI against a brute-force joint histogram (bins in double) with a length not a multiple of
 * four and NaNs at every phase, so each of the kernel's interleaved partial histograms and its
 * tail count; the values sit near bin centres, so float and double binning agree. */
static void
test_mi_partial_histograms (void)
{
  const gsize n = 70003;
  const guint bins = 8;
  g_autofree float *a = g_new (float, n);
  g_autofree float *b = g_new (float, n);
  guint64 joint[8][8] = { { 0 } }, state = 3, count = 0;
  double amin = INFINITY, amax = -INFINITY, bmin = INFINITY, bmax = -INFINITY, want = 0;
  double pa[8] = { 0 }, pb[8] = { 0 };

  for (gsize i = 0; i < n; i++)
    {
      guint la = (guint) (lcg_next (&state) * 8) % 8;
      guint lb = lcg_next (&state) < 0.7 ? la : (guint) (lcg_next (&state) * 8) % 8;

      a[i] = (float) (la + 0.3 * (lcg_next (&state) - 0.5));
      b[i] = (float) (10 * lb + 3 * (lcg_next (&state) - 0.5));
    }
  for (gsize i = 1; i < n; i += 13)
    a[i] = NAN;
  b[n - 1] = NAN;
  for (gsize i = 0; i < n; i++)
    if (isfinite (a[i]) && isfinite (b[i]))
      {
        amin = MIN (amin, a[i]);
        amax = MAX (amax, a[i]);
        bmin = MIN (bmin, b[i]);
        bmax = MAX (bmax, b[i]);
        count++;
      }
  for (gsize i = 0; i < n; i++)
    if (isfinite (a[i]) && isfinite (b[i]))
      {
        guint ia = MIN ((guint) ((a[i] - amin) / (amax - amin) * bins), bins - 1);
        guint ib = MIN ((guint) ((b[i] - bmin) / (bmax - bmin) * bins), bins - 1);

        joint[ia][ib]++;
      }
  for (guint i = 0; i < bins; i++)
    for (guint j = 0; j < bins; j++)
      {
        pa[i] += (double) joint[i][j] / count;
        pb[j] += (double) joint[i][j] / count;
      }
  for (guint i = 0; i < bins; i++)
    for (guint j = 0; j < bins; j++)
      if (joint[i][j] > 0)
        {
          double p = (double) joint[i][j] / count;

          want += p * log (p / (pa[i] * pb[j]));
        }
  g_test_message ("mi %.15g, oracle %.15g", evox_register_mutual_information (a, b, n, bins),
                  want);
  g_assert_cmpfloat (want, >, 0.5);
  g_assert_cmpfloat_with_epsilon (evox_register_mutual_information (a, b, n, bins), want, 1e-12);

  /* A range over FLT_MAX (-3e38 .. 3e38, whose difference overflows a float): with itself, three
   * levels with counts 10, 20, 30 in three bins give MI = H = the entropy of those counts. */
  {
    double entropy = 0;

    for (gsize i = 0; i < 60; i++)
      a[i] = i < 10 ? -3e38f : i < 30 ? 0.0f : 3e38f;
    for (int k = 1; k <= 3; k++)
      entropy -= k / 6.0 * log (k / 6.0);
    g_assert_cmpfloat_with_epsilon (evox_register_mutual_information (a, a, 60, 3), entropy,
                                    1e-12);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Stacks. */

typedef struct
{
  gsize     dims[3];
  guint     n;
  double   *energy;
  double   *scale;       /* true */
  double  (*shift)[3];   /* true */
  double    edge_ev;     /* below it, the inverted blobs are inverted; 0: none */
  double    noise;
  guint     n_blobs;
  gboolean  to_border;   /* content runs off the image on every side */
} Truth;

static EvoxVolume *
make_stack (const Truth *t)
{
  g_autoptr(GError) error = NULL;
  g_autofree Blob *blobs = make_blobs_within (t->dims, t->n_blobs, 42, t->to_border);
  EvoxVolume *vol = evox_volume_new (t->dims[0], t->dims[1], t->dims[2], t->n, EVOX_SAMPLE_F32,
                                     &error);
  gsize n = t->dims[0] * t->dims[1] * t->dims[2];

  g_assert_no_error (error);
  for (guint k = 0; k < t->n; k++)
    {
      g_autofree char *label = g_strdup_printf ("%.1f eV", t->energy[k]);
      g_autofree float *img = render (t->dims, blobs, t->n_blobs, t->scale[k], t->shift[k],
                                      t->edge_ev > 0 && t->energy[k] < t->edge_ev, t->noise,
                                      100 + k);

      memcpy (evox_volume_get_data_mut (vol, k), img, n * sizeof (float));
      evox_volume_set_channel_info (vol, k, label, t->energy[k]);
    }
  evox_volume_freeze (vol);
  return vol;
}

static const EvoxRegistrationEntry *
entry_for (EvoxRegistration *reg,
           double            energy)
{
  for (guint i = 0; i < evox_registration_get_n_entries (reg); i++)
    if (fabs (evox_registration_get_entry (reg, i)->energy_ev - energy) < 1e-6)
      return evox_registration_get_entry (reg, i);
  g_assert_not_reached ();
}

/* RMS shift error (pixels) and the largest relative scale error over the registered entries. */
static void
check_truth (EvoxRegistration *reg,
             const Truth      *t,
             double            max_rms,
             double            max_scale_error)
{
  double sum = 0, worst_scale = 0;
  guint m = 0;

  for (guint k = 0; k < t->n; k++)
    {
      const EvoxRegistrationEntry *e = entry_for (reg, t->energy[k]);

      if (e->excluded)
        continue;
      for (int a = 0; a < 3; a++)
        sum += (e->shift[a] - t->shift[k][a]) * (e->shift[a] - t->shift[k][a]);
      worst_scale = MAX (worst_scale, fabs (e->scale / t->scale[k] - 1));
      m++;
      g_test_message ("%.1f eV: scale %.6f (true %.6f) shift %.3f %.3f %.3f (true %.3f %.3f %.3f)"
                      " ncc %.3f -> %.3f residual %.3f%s%s", e->energy_ev, e->scale,
                      t->scale[k], e->shift[0], e->shift[1], e->shift[2], t->shift[k][0],
                      t->shift[k][1], t->shift[k][2], e->ncc_before, e->ncc_after,
                      e->residual_px, e->is_anchor ? " anchor" : "", e->flagged ? " FLAGGED" : "");
    }
  g_test_message ("RMS shift error %.4f px, worst scale error %.5f", sqrt (sum / m), worst_scale);
  g_assert_cmpfloat (sqrt (sum / m), <, max_rms);
  g_assert_cmpfloat (worst_scale, <, max_scale_error);
}

/* Registers vol, the stack of t, with options, asserting that it succeeds within max_rms of the
 * true shifts and max_scale_error of the true scales. */
static EvoxRegistration *
register_checked (EvoxVolume                *vol,
                  const EvoxRegisterOptions *options,
                  const Truth               *t,
                  double                     max_rms,
                  double                     max_scale_error)
{
  g_autoptr(GError) error = NULL;
  EvoxRegistration *reg = evox_register_stack (vol, options, NULL, NULL, &error);

  g_assert_no_error (error);
  check_truth (reg, t, max_rms, max_scale_error);
  return reg;
}

/* Energies spread over 8250..8570 eV, reference the highest; true scales the energy ratio times
 * a small factor the fit must find, sub-pixel shifts. */
static void
fill_truth (Truth  *t,
            guint   n,
            double  scale_jitter,
            double  shift_range,
            guint64 seed)
{
  t->n = n;
  t->energy = g_new (double, n);
  t->scale = g_new (double, n);
  t->shift = g_malloc (n * sizeof *t->shift);
  for (guint k = 0; k < n; k++)
    {
      t->energy[k] = 8250 + 320.0 * k / (n - 1);
      double jitter = k == n - 1 ? 0 : scale_jitter * (2 * lcg_next (&seed) - 1);

      t->scale[k] = t->energy[k] / 8570.0 * (1 + jitter);
      for (int a = 0; a < 3; a++)
        t->shift[k][a] = k == n - 1 || (a == 2 && t->dims[2] == 1)
                           ? 0 : shift_range * (2 * lcg_next (&seed) - 1);
    }
}

static void
truth_clear (Truth *t)
{
  g_free (t->energy);
  g_free (t->scale);
  g_free (t->shift);
}

static void
test_stack_2d_fit (void)
{
  Truth t = { .dims = { 128, 128, 1 }, .n_blobs = 300, .noise = 0.02 };
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxRegistration) reg = NULL;
  EvoxRegisterOptions options;
  EvoxVolume *out;
  double spacing[3];

  fill_truth (&t, 6, 0.005, 3.0, 21);
  vol = make_stack (&t);
  evox_register_options_init (&options);
  reg = register_checked (vol, &options, &t, 0.05, 0.001);
  g_assert_cmpstr (evox_registration_get_scale_mode (reg), ==, "fit");
  g_assert_cmpfloat (evox_registration_get_reference (reg)->energy_ev, ==, 8570);
  out = evox_registration_get_registered (reg);
  g_assert_cmpuint (evox_volume_get_n_channels (out), ==, 6);
  g_assert_cmpint (evox_volume_get_sample_type (out), ==, EVOX_SAMPLE_F32);
  evox_volume_get_spacing (out, spacing);
  g_assert_cmpfloat (spacing[0], ==, evox_volume_get_channel_pixel_size (vol, 5));
  for (guint k = 0; k < t.n; k++)
    {
      const EvoxRegistrationEntry *e = entry_for (reg, t.energy[k]);

      g_assert_cmpfloat_with_epsilon (e->nominal_scale, t.energy[k] / 8570.0, 1e-12);
      g_assert_cmpfloat (e->residual_px, <, 0.1);
      g_assert_cmpfloat (e->ncc_after, >, 0.95);
      g_assert_cmpfloat (e->ncc_after, >=, e->ncc_before);
      g_assert_cmpfloat (e->mi_after, >=, e->mi_before - 1e-9);
      g_assert_cmpint (e->channel, ==, (int) k);
      g_assert_cmpfloat (evox_volume_get_channel_energy (out, k), ==, t.energy[k]);
    }
  truth_clear (&t);
}

/* 3D, the scale exactly the energy ratio ("energy"), with noise. */
static void
test_stack_3d (void)
{
  Truth t = { .dims = { 32, 32, 32 }, .n_blobs = 120, .noise = 0.02 };
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxRegistration) reg = NULL;
  EvoxRegisterOptions options;

  fill_truth (&t, 4, 0, 2.0, 31);
  vol = make_stack (&t);
  evox_register_options_init (&options);
  options.scale = EVOX_REGISTER_SCALE_ENERGY;
  reg = register_checked (vol, &options, &t, 0.05, 1e-9);
  truth_clear (&t);
}

/* 3D with the fit: scales within 0.1 %. */
static void
test_stack_3d_fit (void)
{
  Truth t = { .dims = { 32, 32, 32 }, .n_blobs = 120, .noise = 0.01 };
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxRegistration) reg = NULL;
  EvoxRegisterOptions options;

  fill_truth (&t, 3, 0.004, 2.0, 37);
  vol = make_stack (&t);
  evox_register_options_init (&options);
  reg = register_checked (vol, &options, &t, 0.05, 0.001);
  truth_clear (&t);
}

/* Below an edge at 8400 eV the contrast inverts, with a gain and an offset: the chain crosses it
 * once, between neighbours whose contrast differs, and still lands within 0.05 px. */
static void
test_stack_edge (void)
{
  Truth t = { .dims = { 96, 96, 1 }, .n_blobs = 200, .noise = 0.02, .edge_ev = 8400 };
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxRegistration) reg = NULL;
  g_autoptr(GError) error = NULL;
  EvoxRegisterOptions options;

  fill_truth (&t, 8, 0.004, 3.0, 41);
  vol = make_stack (&t);
  evox_register_options_init (&options);
  reg = register_checked (vol, &options, &t, 0.05, 0.001);
  truth_clear (&t);
}

/* 33 energies with a drifting stage, translation only: with anchors every 4th the far end is as
 * good as the near one, the chain does not accumulate drift. (With the far end as the only
 * anchor, the RMS error here was 0.053 px: the intermediate anchors are what keeps it under.) */
static void
test_stack_chain_drift (void)
{
  Truth t = { .dims = { 64, 64, 1 }, .n_blobs = 100, .noise = 0.05 };
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxRegistration) reg = NULL;
  EvoxRegisterOptions options;
  double far_error = 0;
  guint n_anchors = 0;

  fill_truth (&t, 33, 0, 0, 1);
  for (guint k = 0; k < t.n; k++)
    {
      t.scale[k] = 1;
      t.shift[k][0] = 0.11 * (32 - k);
      t.shift[k][1] = -0.07 * (32 - k);
    }
  vol = make_stack (&t);
  evox_register_options_init (&options);
  options.scale = EVOX_REGISTER_SCALE_NONE;
  options.anchor_step = 4;
  reg = register_checked (vol, &options, &t, 0.05, 1e-12);
  for (guint k = 0; k < 4; k++)
    {
      const EvoxRegistrationEntry *e = entry_for (reg, t.energy[k]);

      far_error = MAX (far_error, hypot (e->shift[0] - t.shift[k][0], e->shift[1] - t.shift[k][1]));
    }
  g_assert_cmpfloat (far_error, <, 0.1);
  for (guint i = 0; i < evox_registration_get_n_entries (reg); i++)
    {
      const EvoxRegistrationEntry *e = evox_registration_get_entry (reg, i);

      n_anchors += e->is_anchor;
      g_assert_false (e->flagged);
      g_assert_cmpfloat (e->scale, ==, 1);
    }
  /* Every 4th of 32 below the reference (the reference itself is none). */
  g_assert_cmpuint (n_anchors, ==, 8);
  g_assert_cmpstr (evox_registration_get_scale_mode (reg), ==, "none");
  truth_clear (&t);
}

/* A smooth drift with one energy jumped 2.5 px: that one is flagged, no other. */
static void
test_stack_flagged (void)
{
  Truth t = { .dims = { 64, 64, 1 }, .n_blobs = 100, .noise = 0.01 };
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxRegistration) reg = NULL;
  EvoxRegisterOptions options;

  fill_truth (&t, 12, 0, 0, 1);
  for (guint k = 0; k < t.n; k++)
    {
      t.scale[k] = t.energy[k] / 8570.0;
      t.shift[k][0] = 0.2 * (11 - k);
      t.shift[k][1] = 0.1 * (11 - k);
    }
  t.shift[5][1] += 2.5;
  vol = make_stack (&t);
  evox_register_options_init (&options);
  options.scale = EVOX_REGISTER_SCALE_ENERGY;
  reg = register_checked (vol, &options, &t, 0.05, 1e-9);
  for (guint k = 0; k < t.n; k++)
    g_assert_cmpint (entry_for (reg, t.energy[k])->flagged, ==, k == 5);
  g_assert_cmpuint (evox_registration_get_n_flagged (reg), ==, 1);
  truth_clear (&t);
}

/* Every energy moved the same (MAD 0 around the running median): rounding to 1/20 pixel must not
 * flag any, which it would without the MAD's floor. */
static void
test_stack_flag_floor (void)
{
  Truth t = { .dims = { 64, 64, 1 }, .n_blobs = 100, .noise = 0.03 };
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxRegistration) reg = NULL;
  EvoxRegisterOptions options;
  gboolean varied = FALSE;

  fill_truth (&t, 10, 0, 0, 1);
  for (guint k = 0; k + 1 < t.n; k++)
    {
      t.scale[k] = 1;
      t.shift[k][0] = 0.53;
      t.shift[k][1] = -0.27;
    }
  t.scale[t.n - 1] = 1;
  vol = make_stack (&t);
  evox_register_options_init (&options);
  options.scale = EVOX_REGISTER_SCALE_NONE;
  reg = register_checked (vol, &options, &t, 0.05, 1e-12);
  for (guint k = 0; k + 1 < t.n; k++)
    {
      const EvoxRegistrationEntry *e = entry_for (reg, t.energy[k]);

      varied |= e->shift[0] != entry_for (reg, t.energy[0])->shift[0]
                || e->shift[1] != entry_for (reg, t.energy[0])->shift[1];
    }
  g_test_message ("shifts %s", varied ? "differ by rounding" : "all equal");
  g_assert_cmpuint (evox_registration_get_n_flagged (reg), ==, 0);
  truth_clear (&t);
}

/* A reference in the middle (energies above it have larger pixels, scale > 1) and an exclusion;
 * pixel sizes on the channels give the nominal scale instead of the energies. */
static void
test_stack_reference_exclude (void)
{
  Truth t = { .dims = { 64, 64, 1 }, .n_blobs = 100, .noise = 0.01 };
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxRegistration) reg = NULL;
  EvoxRegisterOptions options;
  const double exclude[] = { 8410.02 };
  EvoxVolume *out;
  const EvoxRegistrationEntry *ref;
  double spacing[3];

  fill_truth (&t, 5, 0, 0, 1);   /* 8250, 8330, 8410, 8490, 8570 */
  for (guint k = 0; k < t.n; k++)
    {
      /* Pixel sizes not quite proportional to energy: the nominal must follow them. */
      t.scale[k] = (10.0 + k * 0.3) / 10.9;
      t.shift[k][0] = k == 3 ? 0 : 0.4 * k - 1.1;
      t.shift[k][1] = k == 3 ? 0 : 0.9 - 0.3 * k;
    }
  vol = make_stack (&t);
  for (guint k = 0; k < t.n; k++)
    evox_volume_set_channel_pixel_size (vol, k, 10.0 + k * 0.3);
  evox_register_options_init (&options);
  options.reference_ev = 8490;
  options.exclude_ev = exclude;
  options.n_exclude = 1;
  options.scale = EVOX_REGISTER_SCALE_ENERGY;
  reg = register_checked (vol, &options, &t, 0.05, 1e-9);
  ref = evox_registration_get_reference (reg);
  g_assert_cmpfloat (ref->energy_ev, ==, 8490);
  g_assert_cmpfloat (ref->scale, ==, 1);
  g_assert_cmpfloat (ref->shift[0], ==, 0);
  g_assert_true (entry_for (reg, 8410)->excluded);
  g_assert_cmpint (entry_for (reg, 8410)->channel, ==, -1);
  g_assert_cmpfloat_with_epsilon (entry_for (reg, 8570)->nominal_scale, 11.2 / 10.9, 1e-12);
  out = evox_registration_get_registered (reg);
  g_assert_cmpuint (evox_volume_get_n_channels (out), ==, 4);
  g_assert_cmpfloat (evox_volume_get_channel_energy (out, 2), ==, 8490);
  evox_volume_get_spacing (out, spacing);
  g_assert_cmpfloat_with_epsilon (spacing[0], 10.9, 1e-12);
  g_assert_cmpfloat_with_epsilon (evox_volume_get_channel_pixel_size (out, 0), 10.9, 1e-12);
  truth_clear (&t);
}

/* A u16 stack (as TIFF readers give) with its value meaning: the registered f32 stack carries the
 * same quantity and unit, and the shifts are as good. */
static void
test_stack_u16 (void)
{
  Truth t = { .dims = { 64, 64, 1 }, .n_blobs = 100, .noise = 0.01 };
  g_autoptr(EvoxVolume) f32 = NULL;
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxRegistration) reg = NULL;
  g_autoptr(GError) error = NULL;
  EvoxRegisterOptions options;
  EvoxVolume *out;

  fill_truth (&t, 3, 0, 2.0, 5);
  f32 = make_stack (&t);
  vol = evox_volume_new (64, 64, 1, 3, EVOX_SAMPLE_U16, &error);
  g_assert_no_error (error);
  for (guint k = 0; k < 3; k++)
    {
      const float *src = evox_volume_get_data (f32, k);
      guint16 *dst = evox_volume_get_data_mut (vol, k);

      for (gsize i = 0; i < 64 * 64; i++)
        dst[i] = (guint16) CLAMP (lround (1000 + 10000 * src[i]), 0, 65535);
      evox_volume_set_channel_info (vol, k, evox_volume_get_channel_label (f32, k), t.energy[k]);
    }
  evox_volume_set_values (vol, EVOX_SCALE_LINEAR, "transmission", "counts");
  evox_volume_freeze (vol);
  evox_register_options_init (&options);
  options.scale = EVOX_REGISTER_SCALE_ENERGY;
  reg = register_checked (vol, &options, &t, 0.05, 1e-9);
  out = evox_registration_get_registered (reg);
  g_assert_cmpint (evox_volume_get_sample_type (out), ==, EVOX_SAMPLE_F32);
  g_assert_cmpstr (evox_volume_get_channel_quantity (out, 1), ==, "transmission");
  g_assert_cmpstr (evox_volume_get_channel_unit (out, 1), ==, "counts");
  g_assert_cmpstr (evox_volume_get_channel_label (out, 1), ==,
                   evox_volume_get_channel_label (vol, 1));
  /* The reference is resampled by the identity: its voxels as they were. */
  g_assert_cmpfloat (((const float *) evox_volume_get_data (out, 2))[64 * 30 + 30], ==,
                     ((const guint16 *) evox_volume_get_data (vol, 2))[64 * 30 + 30]);
  g_assert_true (evox_registration_get_raw (reg) == vol);
  truth_clear (&t);
}

/* The residual of an image against its target, both with NaN frames (as registered images have)
 * and content running off every side: the images are drawn with a known misalignment d (moving
 * shows the object at p + d, so d is the shift still needed), and the residual must be |d|, not
 * a multiple of 1/20 px, and not the frame's edge. */
static void
test_residual (void)
{
  const gsize dims[3] = { 96, 96, 1 };
  const double misaligned[][3] = { { 0, 0, 0 }, { 0.3, 0, 0 }, { -0.12, 0.21, 0 },
                                   { 0.02, -0.01, 0 } };
  g_autofree Blob *blobs = make_blobs_within (dims, 400, 7, TRUE);
  static const double zero[3] = { 0, 0, 0 };
  g_autofree float *target = render (dims, blobs, 400, 1, zero, FALSE, 0, 1);

  /* The target's frame: 6 columns on the left; the moving images', 9 rows at the bottom and 3
   * columns on the right, as a lower energy's registered image has. */
  for (gsize y = 0; y < dims[1]; y++)
    for (gsize x = 0; x < 6; x++)
      target[y * dims[0] + x] = NAN;
  for (guint i = 0; i < G_N_ELEMENTS (misaligned); i++)
    {
      g_autofree float *moving = render (dims, blobs, 400, 1, misaligned[i], FALSE, 0, 1);
      double want = sqrt (misaligned[i][0] * misaligned[i][0]
                          + misaligned[i][1] * misaligned[i][1]);
      double got;

      for (gsize y = 0; y < dims[1]; y++)
        for (gsize x = 0; x < dims[0]; x++)
          if (y < 9 || x >= dims[0] - 3)
            moving[y * dims[0] + x] = NAN;
      got = evox_register_residual (target, moving, dims);
      g_test_message ("misaligned by %.3f px: residual %.4f", want, got);
      g_assert_cmpfloat (fabs (got - want), <, 0.01);
    }
  /* No common finite box of 8 pixels a side: NaN, not a guess. */
  {
    g_autofree float *moving = g_memdup2 (target, dims[0] * dims[1] * sizeof (float));

    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 8; x < dims[0]; x++)
        moving[y * dims[0] + x] = NAN;
    g_assert_true (isnan (evox_register_residual (target, moving, dims)));
  }
}

/* Content to the border at 96^2: large smooth blobs (little above the lowest frequencies, so a
 * registered image's NaN frame, an edge once set to the mean, would dominate a whitened
 * correlation) running off the image, the stack of test-register-cli as it first was. Every
 * energy's residual must be under 0.1 px: the lowest one's came out 18.4 px, the frame's edge,
 * while its shift was right. */
static double
smooth_particle (double x,
                 double y)
{
  static const double blobs[][4] = {
    /* x, y, sigma, amplitude */
    { 30, 34, 6, 1.0 }, { 58, 30, 8, 0.8 }, { 44, 60, 5, 1.2 }, { 66, 62, 7, 0.6 },
    { 36, 50, 4, 0.9 }, { 52, 44, 3, 0.7 }, { 24, 66, 5, 0.5 }, { 70, 42, 4, 1.1 },
  };
  double v = 0;

  for (guint k = 0; k < G_N_ELEMENTS (blobs); k++)
    {
      double dx = x - blobs[k][0], dy = y - blobs[k][1];

      v += blobs[k][3] * exp (-(dx * dx + dy * dy) / (2 * blobs[k][2] * blobs[k][2]));
    }
  return v;
}

static void
test_stack_to_border (void)
{
  static const double energies[] = { 8330.0, 8400.0, 8480.0, 8570.0 };
  static const double shifts[][2] = { { 1.80, -0.95 }, { 1.30, -0.70 }, { 0.65, -0.35 },
                                      { 0, 0 } };
  const gsize size = 96;
  const double centre = (size - 1) / 2.0;
  g_autoptr(EvoxVolume) vol = evox_volume_new (size, size, 1, 4, EVOX_SAMPLE_F32, NULL);
  g_autoptr(EvoxRegistration) reg = NULL;
  g_autoptr(GError) error = NULL;
  EvoxRegisterOptions options;

  for (guint c = 0; c < 4; c++)
    {
      float *data = evox_volume_get_data_mut (vol, c);
      double s = energies[c] / energies[3];

      for (gsize y = 0; y < size; y++)
        for (gsize x = 0; x < size; x++)
          data[y * size + x] = (float) smooth_particle (centre + s * (x - centre) + shifts[c][0],
                                                        centre + s * (y - centre) + shifts[c][1]);
      evox_volume_set_channel_info (vol, c, NULL, energies[c]);
    }
  evox_volume_freeze (vol);
  evox_register_options_init (&options);
  options.scale = EVOX_REGISTER_SCALE_ENERGY;
  reg = evox_register_stack (vol, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < 4; c++)
    {
      const EvoxRegistrationEntry *e = entry_for (reg, energies[c]);

      g_test_message ("%.0f eV: shift %.3f %.3f (made with %.3f %.3f), residual %.4f px",
                      energies[c], e->shift[0], e->shift[1], shifts[c][0], shifts[c][1],
                      e->residual_px);
      g_assert_cmpfloat (fabs (e->shift[0] - shifts[c][0]), <, 0.05);
      g_assert_cmpfloat (fabs (e->shift[1] - shifts[c][1]), <, 0.05);
      g_assert_cmpfloat (e->residual_px, <, 0.1);
    }
}

/* One energy all NaN (a failed exposure): its residual is NaN, and the others' are still
 * measured (the common finite box leaves it out rather than coming out empty). */
/* An energy with nothing in it (a failed exposure: every pixel NaN, or all zero) is flagged as
 * empty, left unshifted, and the chain passes over it (the energy below registers to the one
 * above it) without taking the others' residuals along; an empty reference is refused. Oracle:
 * the true shifts the stack was drawn with. */
static void
test_stack_nan_energy (void)
{
  static const float fills[] = { NAN, 0.0f };
  Truth t = { .dims = { 64, 64, 1 }, .n_blobs = 100, .noise = 0.01 };
  g_autoptr(EvoxVolume) made = NULL;
  EvoxRegisterOptions options;

  fill_truth (&t, 4, 0, 1.5, 9);
  made = make_stack (&t);
  evox_register_options_init (&options);
  options.scale = EVOX_REGISTER_SCALE_ENERGY;
  for (guint f = 0; f < G_N_ELEMENTS (fills) * 2; f++)
    {
      /* Energy 1 empty, then (f >= 2) the reference, energy 3. */
      guint bad = f < G_N_ELEMENTS (fills) ? 1 : 3;
      g_autoptr(EvoxVolume) vol = evox_volume_new (64, 64, 1, 4, EVOX_SAMPLE_F32, NULL);
      g_autoptr(EvoxRegistration) reg = NULL;
      g_autoptr(GError) error = NULL;
      const EvoxRegistrationEntry *e;

      for (guint k = 0; k < 4; k++)
        {
          float *dst = evox_volume_get_data_mut (vol, k);

          for (gsize i = 0; i < 64 * 64; i++)
            dst[i] = k == bad ? fills[f % 2] : ((const float *) evox_volume_get_data (made, k))[i];
          evox_volume_set_channel_info (vol, k, NULL, t.energy[k]);
        }
      evox_volume_freeze (vol);
      reg = evox_register_stack (vol, &options, NULL, NULL, &error);
      if (bad == 3)
        {
          /* The data's fault, not an option's: bad input, status 1 on the command line. */
          g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
          g_assert_nonnull (strstr (error->message, "8570.00 eV"));
          g_assert_null (reg);
          continue;
        }
      g_assert_no_error (error);
      e = entry_for (reg, t.energy[1]);
      g_assert_true (e->empty);
      g_assert_true (e->flagged);
      g_assert_false (e->is_anchor);
      g_assert_cmpfloat (e->shift[0], ==, 0);
      g_assert_cmpfloat (e->shift[1], ==, 0);
      g_assert_true (isnan (e->residual_px));
      g_assert_cmpuint (evox_registration_get_n_flagged (reg), ==, 1);
      for (guint k = 0; k < 4; k++)
        if (k != 1)
          {
            e = entry_for (reg, t.energy[k]);
            g_test_message ("fill %g, %.0f eV: shift %.3f %.3f (true %.3f %.3f) residual %.4f",
                            fills[f], t.energy[k], e->shift[0], e->shift[1], t.shift[k][0],
                            t.shift[k][1], e->residual_px);
            g_assert_false (e->empty);
            g_assert_cmpfloat (e->residual_px, <, 0.1);
            g_assert_cmpfloat_with_epsilon (e->shift[0], t.shift[k][0], 0.05);
            g_assert_cmpfloat_with_epsilon (e->shift[1], t.shift[k][1], 0.05);
          }
    }
  truth_clear (&t);
}

/* Energies that give an absurd nominal scale (0.001 eV, 1e20 eV: a typo, or the wrong unit) are
 * refused naming both energies, unless the scale is not applied. */
static void
test_stack_absurd_energies (void)
{
  static const double bad[] = { 0.001, 1e20, 4000 };
  Truth t = { .dims = { 32, 32, 1 }, .n_blobs = 20, .noise = 0 };
  g_autoptr(EvoxVolume) made = NULL;

  fill_truth (&t, 3, 0, 0, 5);
  made = make_stack (&t);
  for (guint b = 0; b < G_N_ELEMENTS (bad); b++)
    for (int mode = 0; mode < 2; mode++)
      {
        g_autoptr(EvoxVolume) vol = evox_volume_new (32, 32, 1, 3, EVOX_SAMPLE_F32, NULL);
        g_autoptr(EvoxRegistration) reg = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *name = g_strdup_printf ("%g eV", bad[b]);
        EvoxRegisterOptions options;

        for (guint k = 0; k < 3; k++)
          {
            memcpy (evox_volume_get_data_mut (vol, k), evox_volume_get_data (made, k),
                    32 * 32 * sizeof (float));
            /* The first energy is the odd one; 1e20 becomes the reference (the highest). */
            evox_volume_set_channel_info (vol, k, NULL, k == 0 ? bad[b] : t.energy[k]);
          }
        evox_volume_freeze (vol);
        evox_register_options_init (&options);
        options.scale = mode == 0 ? EVOX_REGISTER_SCALE_ENERGY : EVOX_REGISTER_SCALE_NONE;
        reg = evox_register_stack (vol, &options, NULL, NULL, &error);
        if (mode == 1 || bad[b] == 4000)
          {
            /* 4000 / 8570 = 0.47 is just outside; without scaling any energy is fine. */
            if (bad[b] == 4000 && mode == 0)
              {
                g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
                continue;
              }
            g_assert_no_error (error);
            g_assert_nonnull (reg);
            continue;
          }
        g_test_message ("%s", error != NULL ? error->message : "(no error)");
        g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
        g_assert_nonnull (strstr (error->message, name));
        /* 0.001 against the reference 8570; 8410 against the reference 1e+20. */
        g_assert_nonnull (strstr (error->message, bad[b] < 1 ? "8570 eV" : "8410 eV"));
        g_assert_null (reg);
      }
  truth_clear (&t);
}

/* A smooth 128^2 stack (broad Gaussian blobs, sigma 6 px, running off every side; no noise, so
 * its high frequencies hold next to nothing) of 4 energies, registered translation only; bad
 * pixels (value, at x, y of energy k; up to 4) put in first. */
typedef struct
{
  guint k, x, y;
  float value;
} BadPixel;

static EvoxRegistration *
register_smooth (const BadPixel *bad,
                 guint           n_bad)
{
  const gsize dims[3] = { 128, 128, 1 };
  g_autoptr(EvoxVolume) vol = evox_volume_new (128, 128, 1, 4, EVOX_SAMPLE_F32, NULL);
  g_autoptr(GError) error = NULL;
  EvoxRegisterOptions options;
  EvoxRegistration *reg;
  guint64 seed = 7;
  Blob blobs[160];

  for (guint i = 0; i < G_N_ELEMENTS (blobs); i++)
    {
      blobs[i].x = (-0.1 + 1.2 * lcg_next (&seed)) * dims[0];
      blobs[i].y = (-0.1 + 1.2 * lcg_next (&seed)) * dims[1];
      blobs[i].a = 2 * lcg_next (&seed) - 1;
    }
  for (guint k = 0; k < 4; k++)
    {
      float *dst = evox_volume_get_data_mut (vol, k);

      /* Energy k is the field moved by (-0.7 k, 1.5 k), as /tmp/rv/outlier_repro.py made it. */
      for (gsize y = 0; y < dims[1]; y++)
        for (gsize x = 0; x < dims[0]; x++)
          {
            double v = 0.5;

            for (guint i = 0; i < G_N_ELEMENTS (blobs); i++)
              {
                double dx = x + 0.7 * k - blobs[i].x, dy = y - 1.5 * k - blobs[i].y;

                v += 0.05 * blobs[i].a * exp (-(dx * dx + dy * dy) / (2 * 36.0));
              }
            dst[y * dims[0] + x] = (float) v;
          }
      evox_volume_set_channel_info (vol, k, NULL, 8300 + 10 * k);
    }
  for (guint i = 0; i < n_bad; i++)
    ((float *) evox_volume_get_data_mut (vol, bad[i].k))[bad[i].y * dims[0] + bad[i].x] =
      bad[i].value;
  evox_volume_freeze (vol);
  evox_register_options_init (&options);
  options.scale = EVOX_REGISTER_SCALE_NONE;
  reg = evox_register_stack (vol, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  return reg;
}

/* One bad pixel must not move an energy: a 0 or a NaN in one energy of a smooth stack sent its
 * shift to (-28, -20) px (the whitened spectrum gave the pixel's flat spectrum unit weight where
 * the smooth content has none), and hot pixels would be the image. The oracle is the same stack
 * without them: every shift within 0.05 px of the clean one's. */
static void
test_stack_bad_pixels (void)
{
  static const BadPixel cases[][4] = {
    { { 2, 50, 50, 0.0f } },
    { { 2, 50, 50, NAN } },
    { { 1, 17, 90, 1e4f }, { 2, 64, 64, -1e4f }, { 0, 100, 31, 1e4f }, { 3, 40, 77, 1e4f } },
    { { 3, 50, 50, INFINITY }, { 0, 20, 20, NAN }, { 1, 90, 100, 0.0f } },
  };
  static const guint n_bad[] = { 1, 1, 4, 3 };
  g_autoptr(EvoxRegistration) clean = register_smooth (NULL, 0);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(EvoxRegistration) reg = register_smooth (cases[c], n_bad[c]);

      for (guint i = 0; i < 4; i++)
        {
          const EvoxRegistrationEntry *want = evox_registration_get_entry (clean, i);
          const EvoxRegistrationEntry *got = evox_registration_get_entry (reg, i);

          g_test_message ("case %u, %.0f eV: shift %.3f %.3f (clean %.3f %.3f) ncc %.3f", c,
                          got->energy_ev, got->shift[0], got->shift[1], want->shift[0],
                          want->shift[1], got->ncc_after);
          g_assert_cmpfloat_with_epsilon (got->shift[0], want->shift[0], 0.05);
          g_assert_cmpfloat_with_epsilon (got->shift[1], want->shift[1], 0.05);
        }
    }
}

static void
test_stack_bad_arguments (void)
{
  g_autoptr(EvoxVolume) vol = evox_volume_new (16, 16, 1, 3, EVOX_SAMPLE_U8, NULL);
  g_autoptr(EvoxVolume) one = evox_volume_new (16, 16, 1, 1, EVOX_SAMPLE_U8, NULL);
  g_autoptr(EvoxVolume) none = evox_volume_new (16, 16, 1, 2, EVOX_SAMPLE_U8, NULL);
  EvoxRegisterOptions options;
  const double all[] = { 7000, 7100 };
  const double unknown[] = { 7050 };
  GError *error = NULL;

  for (guint k = 0; k < 3; k++)
    evox_volume_set_channel_info (vol, k, NULL, 7000 + 100 * k);
  evox_volume_set_channel_info (one, 0, NULL, 7000);

  evox_register_options_init (&options);
  options.reference_ev = 7250;
  g_assert_null (evox_register_stack (vol, &options, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  evox_register_options_init (&options);
  options.exclude_ev = all;
  options.n_exclude = 2;
  g_assert_null (evox_register_stack (vol, &options, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  options.exclude_ev = unknown;
  options.n_exclude = 1;
  g_assert_null (evox_register_stack (vol, &options, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  /* The reference excluded. */
  evox_register_options_init (&options);
  options.reference_ev = 7000;
  options.exclude_ev = all;
  options.n_exclude = 1;
  g_assert_null (evox_register_stack (vol, &options, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (evox_register_stack (one, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (evox_register_stack (none, NULL, NULL, NULL, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);
}

static void
test_scale_strings (void)
{
  EvoxRegisterScale scale;

  for (int s = EVOX_REGISTER_SCALE_FIT; s <= EVOX_REGISTER_SCALE_NONE; s++)
    {
      g_assert_true (evox_register_scale_from_string (evox_register_scale_to_string (s), &scale));
      g_assert_cmpint (scale, ==, s);
    }
  g_assert_false (evox_register_scale_from_string ("affine", &scale));
  g_assert_false (evox_register_scale_from_string (NULL, &scale));
}

/* The async pair delivers the same result in the main context, with progress run to the end;
 * a cancelled job reports G_IO_ERROR_CANCELLED. */
static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_stack_async (void)
{
  Truth t = { .dims = { 48, 48, 1 }, .n_blobs = 60, .noise = 0.01 };
  g_autoptr(EvoxVolume) vol = NULL;
  g_autoptr(EvoxRegistration) reg = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxProgress) progress = evox_progress_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) cancelled = NULL;
  EvoxRegisterOptions options;

  fill_truth (&t, 3, 0, 1.0, 3);
  vol = make_stack (&t);
  evox_register_options_init (&options);
  options.scale = EVOX_REGISTER_SCALE_ENERGY;
  evox_register_stack_async (vol, &options, progress, NULL, on_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reg = evox_register_stack_finish (result, &error);
  g_assert_no_error (error);
  check_truth (reg, &t, 0.05, 1e-9);
  g_assert_cmpfloat (evox_progress_get_fraction (progress), ==, 1.0);

  g_cancellable_cancel (cancellable);
  evox_register_stack_async (vol, &options, NULL, cancellable, on_done, &cancelled);
  while (cancelled == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (evox_register_stack_finish (cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  truth_clear (&t);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Register/phase-correlation-skimage", test_phase_correlation_skimage);
  g_test_add_func ("/Evox/Register/phase-correlation-integer", test_phase_correlation_integer);
  g_test_add_func ("/Evox/Register/resample-direct", test_resample_direct);
  g_test_add_func ("/Evox/Register/resample-identity-3d", test_resample_identity_3d);
  g_test_add_func ("/Evox/Register/ncc-mi", test_ncc_mi);
  g_test_add_func ("/Evox/Register/ncc-large-mean", test_ncc_large_mean);
  g_test_add_func ("/Evox/Register/mi-partial-histograms", test_mi_partial_histograms);
  g_test_add_func ("/Evox/Register/scale-strings", test_scale_strings);
  g_test_add_func ("/Evox/Register/stack-2d-fit", test_stack_2d_fit);
  g_test_add_func ("/Evox/Register/stack-3d", test_stack_3d);
  g_test_add_func ("/Evox/Register/stack-3d-fit", test_stack_3d_fit);
  g_test_add_func ("/Evox/Register/stack-edge", test_stack_edge);
  g_test_add_func ("/Evox/Register/stack-chain-drift", test_stack_chain_drift);
  g_test_add_func ("/Evox/Register/stack-flagged", test_stack_flagged);
  g_test_add_func ("/Evox/Register/stack-flag-floor", test_stack_flag_floor);
  g_test_add_func ("/Evox/Register/stack-reference-exclude", test_stack_reference_exclude);
  g_test_add_func ("/Evox/Register/stack-u16", test_stack_u16);
  g_test_add_func ("/Evox/Register/stack-bad-arguments", test_stack_bad_arguments);
  g_test_add_func ("/Evox/Register/residual", test_residual);
  g_test_add_func ("/Evox/Register/stack-to-border", test_stack_to_border);
  g_test_add_func ("/Evox/Register/stack-nan-energy", test_stack_nan_energy);
  g_test_add_func ("/Evox/Register/stack-bad-pixels", test_stack_bad_pixels);
  g_test_add_func ("/Evox/Register/stack-absurd-energies", test_stack_absurd_energies);
  g_test_add_func ("/Evox/Register/stack-async", test_stack_async);
  return g_test_run ();
}

/* test-fsc.c: the Fourier shell (ring) correlation against numpy, the statistics of noise and of
 * a band-limited signal with known power spectrum, and the threshold crossings. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-fsc.h"
#include "evox-test-util.h"
#include "evox-types.h"

static EvoxVolume *
new_f32 (gsize nx,
         gsize ny,
         gsize nz)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (nx, ny, nz, 1, EVOX_SAMPLE_F32, &error);

  g_assert_no_error (error);
  return volume;
}

/* Standard normal samples by Box-Muller from the tests' shared generator. */
static double
gaussian (guint64 *state)
{
  double u = evox_test_uniform (state), v = evox_test_uniform (state);

  return sqrt (-2.0 * log (MAX (u, 1e-300))) * cos (2.0 * G_PI * v);
}

static EvoxVolume *
new_noise (gsize    nx,
           gsize    ny,
           gsize    nz,
           double   sigma,
           guint64 *state)
{
  EvoxVolume *volume = new_f32 (nx, ny, nz);
  float *data = evox_volume_get_data_mut (volume, 0);

  for (gsize i = 0; i < nx * ny * nz; i++)
    data[i] = (float) (sigma * gaussian (state));
  return volume;
}

/* Shell of frequency (fx, fy, fz) in cycles per voxel, as evox-fsc.h defines it for unit
 * spacing: n_shells equal shells from 0 to 0.5, Nyquist closing the last one, corners left out. */
static int
shell_of (double fx,
          double fy,
          double fz,
          guint  n_shells)
{
  double r = sqrt (fx * fx + fy * fy + fz * fz);
  double s = floor (r / (0.5 / n_shells));

  if (s >= n_shells)
    return r > 0.5 ? -1 : (int) n_shells - 1;
  return (int) s;
}

static double
freq (gsize k,
      gsize n)
{
  return (k <= n / 2 ? (double) k : (double) k - (double) n) / (double) n;
}

static void
test_identical (void)
{
  guint64 state = 11;
  g_autoptr (EvoxVolume) v3 = new_noise (16, 12, 10, 1.0, &state);
  g_autoptr (EvoxVolume) v2 = new_noise (32, 24, 1, 1.0, &state);
  double f[12], c[12];
  guint n[12];
  g_autoptr (GError) error = NULL;

  g_assert_true (evox_fsc (v3, v3, 0, 5, f, c, n, &error));
  g_assert_no_error (error);
  for (guint s = 0; s < 5; s++)
    {
      g_assert_cmpfloat_with_epsilon (c[s], 1.0, 1e-6);
      g_assert_cmpfloat_with_epsilon (f[s], (s + 0.5) * 0.1, 1e-12);
      g_assert_cmpuint (n[s], >, 0);
    }
  g_assert_true (evox_fsc (v2, v2, 0, 12, f, c, n, &error));
  g_assert_no_error (error);
  for (guint s = 0; s < 12; s++)
    g_assert_cmpfloat_with_epsilon (c[s], 1.0, 1e-6);
}

/* Independent noise: each shell's FSC is a correlation coefficient over about n real degrees of
 * freedom (n/2 Hermitian pairs of complex values), so its standard deviation is about 1/sqrt n. */
static void
test_noise (void)
{
  guint64 state = 5;
  g_autoptr (EvoxVolume) a = new_noise (32, 32, 32, 1.0, &state);
  g_autoptr (EvoxVolume) b = new_noise (32, 32, 32, 2.0, &state);
  double f[16], c[16];
  guint n[16];
  guint total = 0;
  g_autoptr (GError) error = NULL;

  g_assert_true (evox_fsc (a, b, 0, 16, f, c, n, &error));
  g_assert_no_error (error);
  for (guint s = 0; s < 16; s++)
    {
      g_assert_cmpfloat (fabs (c[s]), <, 3.0 / sqrt (n[s]));
      total += n[s];
    }
  /* Brute-force count of the frequencies inside the Nyquist sphere. */
  {
    guint expect = 0;

    for (gsize z = 0; z < 32; z++)
      for (gsize y = 0; y < 32; y++)
        for (gsize x = 0; x < 32; x++)
          expect += shell_of (freq (x, 32), freq (y, 32), freq (z, 32), 16) >= 0;
    g_assert_cmpuint (total, ==, expect);
  }
}

/* Circular [1 2 1] / 4 smoothing along x, y and z: its transfer function is cos^2 (pi f) per
 * axis, so `passes` passes give the power spectrum prod cos^(4 passes) (pi f_axis) for white
 * noise of unit variance. */
static void
smooth (float *data,
        gsize  n,
        guint  passes)
{
  g_autofree float *tmp = g_new (float, n * n * n);
  gsize stride[3] = { 1, n, n * n };

  for (guint p = 0; p < passes; p++)
    for (guint axis = 0; axis < 3; axis++)
      {
        gsize st = stride[axis];

        for (gsize z = 0; z < n; z++)
          for (gsize y = 0; y < n; y++)
            for (gsize x = 0; x < n; x++)
              {
                gsize c[3] = { x, y, z };
                gsize i = x + n * (y + n * z);
                gsize k = c[axis];
                gsize im = i - k * st + ((k + n - 1) % n) * st;
                gsize ip = i - k * st + ((k + 1) % n) * st;

                tmp[i] = 0.25f * data[im] + 0.5f * data[i] + 0.25f * data[ip];
              }
        memcpy (data, tmp, n * n * n * sizeof (float));
      }
}

/* Signal S plus independent noise N1, N2 of variance sn2 in each copy: the expected FSC of a
 * shell is sum P_S / (sum P_S + count sn2), the shell's SNR / (1 + SNR), with P_S known from
 * the smoothing filter. */
static void
test_signal_noise (void)
{
  enum { N = 32, SHELLS = 16, PASSES = 2 };
  const double sn2 = 0.02;
  guint64 state = 7;
  g_autoptr (EvoxVolume) signal = new_noise (N, N, N, 1.0, &state);
  g_autoptr (EvoxVolume) a = new_f32 (N, N, N);
  g_autoptr (EvoxVolume) b = new_f32 (N, N, N);
  float *s = evox_volume_get_data_mut (signal, 0);
  float *da = evox_volume_get_data_mut (a, 0);
  float *db = evox_volume_get_data_mut (b, 0);
  double f[SHELLS], c[SHELLS], ps[SHELLS] = { 0 }, expect[SHELLS];
  guint n[SHELLS], count[SHELLS] = { 0 };
  double got_cross, want_cross, got_res, want_res;
  g_autoptr (GError) error = NULL;

  smooth (s, N, PASSES);
  for (gsize i = 0; i < (gsize) N * N * N; i++)
    {
      da[i] = (float) (s[i] + sqrt (sn2) * gaussian (&state));
      db[i] = (float) (s[i] + sqrt (sn2) * gaussian (&state));
    }
  for (gsize z = 0; z < N; z++)
    for (gsize y = 0; y < N; y++)
      for (gsize x = 0; x < N; x++)
        {
          double fx = freq (x, N), fy = freq (y, N), fz = freq (z, N);
          int sh = shell_of (fx, fy, fz, SHELLS);
          double h = cos (G_PI * fx) * cos (G_PI * fy) * cos (G_PI * fz);

          if (sh < 0)
            continue;
          ps[sh] += pow (h * h, 2 * PASSES);
          count[sh]++;
        }

  g_assert_true (evox_fsc (a, b, 0, SHELLS, f, c, n, &error));
  g_assert_no_error (error);
  for (guint k = 0; k < SHELLS; k++)
    {
      expect[k] = ps[k] / (ps[k] + count[k] * sn2);
      g_assert_cmpuint (n[k], ==, count[k]);
      g_test_message ("shell %u f %.4f fsc %.4f expected %.4f (n %u)", k, f[k], c[k],
                      expect[k], n[k]);
      g_assert_cmpfloat (fabs (c[k] - expect[k]), <, 3.0 / sqrt (n[k]) + 0.02);
    }
  g_assert_true (evox_fsc_resolution (f, expect, count, SHELLS, EVOX_FSC_THRESHOLD_FIXED,
                                      &want_cross, &want_res));
  g_assert_true (evox_fsc_resolution (f, c, n, SHELLS, EVOX_FSC_THRESHOLD_FIXED,
                                      &got_cross, &got_res));
  g_test_message ("0.143 crossing %.4f, expected %.4f", got_cross, want_cross);
  /* The crossing must be inside the curve, not at its ends, to test anything. */
  g_assert_cmpfloat (want_cross, >, f[1]);
  g_assert_cmpfloat (want_cross, <, f[SHELLS - 2]);
  g_assert_cmpfloat (fabs (got_cross - want_cross), <, 0.25 * (f[1] - f[0]));
  g_assert_cmpfloat_with_epsilon (got_res, 1.0 / got_cross, 1e-12);
}

/* Oracle from numpy (/usr/bin/python3, numpy.fft.fftn in double precision), with the same
 * volumes and shells:
 *   z, y, x = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing='ij')
 *   a = ((x * 7 + y * 13 + z * 29) % 17) / 16.0
 *   b = a + ((x * 11 + y * 5 + z * 3) % 19) / 16.0 - 0.5
 *   fa, fb = np.fft.fftn(a), np.fft.fftn(b)
 *   def freq(n, s): k = np.arange(n); k = np.where(k <= n // 2, k, k - n); return k / (n * s)
 *   fz, fy, fx = np.meshgrid(freq(nz, sz), freq(ny, sy), freq(nx, sx), indexing='ij')
 *   (fz = 0 and smax = max(sx, sy) when nz == 1, else smax = max(sx, sy, sz))
 *   r = np.sqrt(fx * fx + fy * fy + fz * fz); nyq = 0.5 / smax; w = nyq / shells
 *   s = np.floor(r / w); s = np.where((s >= shells) & (r <= nyq), shells - 1, s)
 *   per shell m = (s == i): sum((fa[m] * conj(fb[m])).real)
 *                           / sqrt(sum(abs(fa[m])**2) * sum(abs(fb[m])**2)), m.sum()
 * printed:
 *   (10, 8, 8, 4) 0.9999912881, 0.5413705412, 0.8089052968, 0.2439976266 [3, 34, 98, 209]
 *   (12, 10, 1, 5) 0.9999165743, 0.8132469898, 0.9357228905, 0.6593155240, 0.6321785221
 *     [3, 12, 18, 26, 30]
 *   spacing (2, 2, 3) nm, (10, 8, 8, 4): 1.0000000000, 0.4784450413, 0.5991573731,
 *     0.8141569237 [1, 18, 36, 95] */
static void
check_numpy (gsize         nx,
             gsize         ny,
             gsize         nz,
             guint         shells,
             const double *spacing,
             const double *want,
             const guint  *want_n)
{
  g_autoptr (EvoxVolume) a = new_f32 (nx, ny, nz);
  g_autoptr (EvoxVolume) b = new_f32 (nx, ny, nz);
  float *da = evox_volume_get_data_mut (a, 0);
  float *db = evox_volume_get_data_mut (b, 0);
  double f[8], c[8];
  guint n[8];
  g_autoptr (GError) error = NULL;

  for (gsize z = 0; z < nz; z++)
    for (gsize y = 0; y < ny; y++)
      for (gsize x = 0; x < nx; x++)
        {
          gsize i = x + nx * (y + ny * z);

          da[i] = (float) (((x * 7 + y * 13 + z * 29) % 17) / 16.0);
          db[i] = (float) (da[i] + ((x * 11 + y * 5 + z * 3) % 19) / 16.0 - 0.5);
        }
  if (spacing != NULL)
    {
      evox_volume_set_spacing (a, spacing);
      evox_volume_set_spacing_known (a, TRUE);
      evox_volume_set_spacing (b, spacing);
      evox_volume_set_spacing_known (b, TRUE);
    }
  g_assert_true (evox_fsc (a, b, 0, shells, f, c, n, &error));
  g_assert_no_error (error);
  for (guint s = 0; s < shells; s++)
    {
      double smax = spacing == NULL ? 1.0 : MAX (MAX (spacing[0], spacing[1]),
                                                 nz == 1 ? 0.0 : spacing[2]);

      g_assert_cmpfloat_with_epsilon (c[s], want[s], 2e-6);
      g_assert_cmpuint (n[s], ==, want_n[s]);
      g_assert_cmpfloat_with_epsilon (f[s], (s + 0.5) * 0.5 / smax / shells, 1e-12);
    }
}

static void
test_numpy (void)
{
  static const double w3[] = { 0.9999912881, 0.5413705412, 0.8089052968, 0.2439976266 };
  static const guint n3[] = { 3, 34, 98, 209 };
  static const double w2[] = { 0.9999165743, 0.8132469898, 0.9357228905, 0.6593155240,
                               0.6321785221 };
  static const guint n2[] = { 3, 12, 18, 26, 30 };
  static const double ws[] = { 1.0000000000, 0.4784450413, 0.5991573731, 0.8141569237 };
  static const guint ns[] = { 1, 18, 36, 95 };
  static const double spacing[3] = { 2.0, 2.0, 3.0 };

  check_numpy (10, 8, 8, 4, NULL, w3, n3);
  check_numpy (12, 10, 1, 5, NULL, w2, n2);
  check_numpy (10, 8, 8, 4, spacing, ws, ns);
}

/* Integer volumes are read as their values: a u8 copy of an f32 volume gives the same curve. */
static void
test_sample_types (void)
{
  guint64 state = 13;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxVolume) u8 = evox_volume_new (12, 10, 8, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr (EvoxVolume) f32 = new_f32 (12, 10, 8);
  g_autoptr (EvoxVolume) b = new_noise (12, 10, 8, 1.0, &state);
  guint8 *du = evox_volume_get_data_mut (u8, 0);
  float *df = evox_volume_get_data_mut (f32, 0);
  double f[4], cu[4], cf[4];

  g_assert_no_error (error);
  for (gsize i = 0; i < 12 * 10 * 8; i++)
    {
      du[i] = (guint8) (evox_test_random (&state) % 256);
      df[i] = du[i];
      ((float *) evox_volume_get_data_mut (b, 0))[i] += du[i] / 64.0f;
    }
  g_assert_true (evox_fsc (u8, b, 0, 4, f, cu, NULL, &error));
  g_assert_true (evox_fsc (f32, b, 0, 4, NULL, cf, NULL, &error));
  g_assert_no_error (error);
  for (guint s = 0; s < 4; s++)
    {
      g_assert_cmpfloat (cu[s], ==, cf[s]);
      g_assert_cmpfloat (cu[s], >, 0.5);
    }
}

static void
test_resolution (void)
{
  static const double f[] = { 0.1, 0.2, 0.3, 0.4 };
  static const double c[] = { 0.9, 0.5, 0.1, 0.0 };
  static const double flat[] = { 0.9, NAN, 0.8, 0.7 };
  static const guint n[] = { 1, 100, 10000, 1000000 };
  double cross = -1, res = -1;

  /* 0.143 between 0.5 and 0.1: 0.2 + 0.1 (0.5 - 1/7) / 0.4. */
  g_assert_true (evox_fsc_resolution (f, c, NULL, 4, EVOX_FSC_THRESHOLD_FIXED, &cross, &res));
  g_assert_cmpfloat_with_epsilon (cross, 0.2 + 0.1 * (0.5 - 1.0 / 7.0) / 0.4, 1e-12);
  g_assert_cmpfloat_with_epsilon (res, 1.0 / cross, 1e-12);
  g_assert_false (evox_fsc_resolution (f, flat, NULL, 4, EVOX_FSC_THRESHOLD_FIXED, &cross, &res));
  /* A curve that starts below the threshold crosses only after it has risen above it. */
  {
    static const double low[] = { 0.1, 0.5, 0.1, 0.0 };

    g_assert_true (evox_fsc_resolution (f, low, NULL, 4, EVOX_FSC_THRESHOLD_FIXED, &cross,
                                        &res));
    g_assert_cmpfloat_with_epsilon (cross, 0.2 + 0.1 * (0.5 - 1.0 / 7.0) / 0.4, 1e-12);
    g_assert_false (evox_fsc_resolution (f, low + 2, NULL, 2, EVOX_FSC_THRESHOLD_FIXED, &cross,
                                         &res));
  }

  /* Half-bit: 1 for a one-voxel shell (2.1173 / 2.1173) and 0.2071 / 1.2071 for many. */
  g_assert_cmpfloat_with_epsilon (evox_fsc_threshold (EVOX_FSC_THRESHOLD_HALF_BIT, 1), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (evox_fsc_threshold (EVOX_FSC_THRESHOLD_HALF_BIT, 100),
                                  (0.2071 + 0.19102) / (1.2071 + 0.09102), 1e-12);
  g_assert_cmpfloat_with_epsilon (evox_fsc_threshold (EVOX_FSC_THRESHOLD_HALF_BIT, G_MAXUINT),
                                  0.2071 / 1.2071, 1e-4);
  /* With n, the half-bit curve is 1 at 0.1 (0.9 is below it, but before the curve has been
   * above), 0.31196 at 0.2 (0.5 is above) and 0.18966 at 0.3 (0.1 is below): the crossing is
   * between 0.2 and 0.3. */
  g_assert_true (evox_fsc_resolution (f, c, n, 4, EVOX_FSC_THRESHOLD_HALF_BIT, &cross, &res));
  {
    double t1 = (0.2071 + 0.19102) / (1.2071 + 0.09102);
    double t2 = (0.2071 + 0.019102) / (1.2071 + 0.009102);
    double d1 = 0.5 - t1, d2 = 0.1 - t2;

    g_assert_cmpfloat_with_epsilon (cross, 0.2 + 0.1 * d1 / (d1 - d2), 1e-12);
  }
}

static void
test_errors (void)
{
  guint64 state = 3;
  g_autoptr (EvoxVolume) a = new_noise (8, 8, 8, 1.0, &state);
  g_autoptr (EvoxVolume) b = new_noise (8, 8, 6, 1.0, &state);
  g_autoptr (EvoxVolume) tiny = new_noise (3, 3, 3, 1.0, &state);
  g_autoptr (EvoxVolume) nan = new_noise (8, 8, 8, 1.0, &state);
  double f[8], c[8];
  guint n[8];
  g_autoptr (GError) error = NULL;

  g_assert_false (evox_fsc (a, b, 0, 2, f, c, n, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "differ in size"));
  g_clear_error (&error);

  g_assert_false (evox_fsc (tiny, tiny, 0, 1, f, c, n, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "too small"));
  g_clear_error (&error);

  g_assert_false (evox_fsc (a, a, 0, 5, f, c, n, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (evox_fsc (a, a, 1, 2, f, c, n, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_clear_error (&error);

  ((float *) evox_volume_get_data_mut (nan, 0))[3 + 8 * (2 + 8 * 1)] = NAN;
  g_assert_false (evox_fsc (a, nan, 0, 2, f, c, n, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "volume b"));
  g_assert_nonnull (strstr (error->message, "(3, 2, 1)"));
  g_clear_error (&error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Fsc/identical", test_identical);
  g_test_add_func ("/Evox/Fsc/noise", test_noise);
  g_test_add_func ("/Evox/Fsc/signal-noise", test_signal_noise);
  g_test_add_func ("/Evox/Fsc/numpy", test_numpy);
  g_test_add_func ("/Evox/Fsc/sample-types", test_sample_types);
  g_test_add_func ("/Evox/Fsc/resolution", test_resolution);
  g_test_add_func ("/Evox/Fsc/errors", test_errors);
  return g_test_run ();
}

/* test-xanes-phantom.c: the synthetic NMC XANES stack against what it claims: determinism, the
 * truth's particles (composition, cores and shells found here by geometry), optical density and
 * linear attenuation as amounts times xraylib's cross sections summed here, the Ni edge shift
 * seen by evox_xanes_normalise, the noise level, refusals and `evox info --demo-xanes`. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include <xraylib.h>

#include "evox-test-util.h"
#include "evox-types.h"
#include "evox-xanes.h"
#include "evox-xanes-phantom.h"

enum { MN, CO, NI, O, E0, N_TRUTH };
static const int element_z[4] = { 25, 27, 28, 8 };

/* A particle of the truth as found here: the pixels sharing one Ni amount (every particle of the
 * phantom has its own), their centroid and the radius of a disc (sphere) of their area (volume). */
typedef struct
{
  double ni, mn, co, o;
  double cx, cy, cz;
  double radius;
  gsize  n;
} Found;

static EvoxVolume *
make (guint        nx,
      guint        ny,
      guint        nz,
      double       noise,
      guint        n_ni,
      EvoxVolume **truth)
{
  EvoxXanesPhantomParams params;
  g_autoptr(GError) error = NULL;
  EvoxVolume *stack;

  evox_xanes_phantom_params_init (&params);
  params.nx = nx;
  params.ny = ny;
  params.nz = nz;
  params.noise = noise;
  params.n_ni = n_ni;
  stack = evox_xanes_phantom_new (&params, truth, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stack);
  return stack;
}

static const float *
truth_channel (EvoxVolume *truth,
               const char *name)
{
  int c = evox_volume_find_channel (truth, name);

  g_assert_cmpint (c, >=, 0);
  return evox_volume_get_data (truth, c);
}

static GArray *
find_particles (EvoxVolume *truth)
{
  gsize dims[3];
  const float *ni = truth_channel (truth, "Ni"), *mn = truth_channel (truth, "Mn");
  const float *co = truth_channel (truth, "Co"), *o = truth_channel (truth, "O");
  GArray *found = g_array_new (FALSE, TRUE, sizeof (Found));

  evox_volume_get_dims (truth, dims);
  for (gsize z = 0; z < dims[2]; z++)
    for (gsize y = 0; y < dims[1]; y++)
      for (gsize x = 0; x < dims[0]; x++)
        {
          gsize v = (z * dims[1] + y) * dims[0] + x;
          Found *f = NULL;

          if (ni[v] == 0)
            continue;
          for (guint i = 0; i < found->len && f == NULL; i++)
            if (g_array_index (found, Found, i).ni == ni[v])
              f = &g_array_index (found, Found, i);
          if (f == NULL)
            {
              g_array_set_size (found, found->len + 1);
              f = &g_array_index (found, Found, found->len - 1);
              *f = (Found) { ni[v], mn[v], co[v], o[v] };
            }
          /* one composition per particle */
          g_assert_cmpfloat (mn[v], ==, f->mn);
          g_assert_cmpfloat (co[v], ==, f->co);
          g_assert_cmpfloat (o[v], ==, f->o);
          f->cx += x + 0.5;
          f->cy += y + 0.5;
          f->cz += z + 0.5;
          f->n++;
        }
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = &g_array_index (found, Found, i);

      f->cx /= f->n;
      f->cy /= f->n;
      f->cz /= f->n;
      f->radius = dims[2] > 1 ? cbrt (3.0 * f->n / (4.0 * G_PI)) : sqrt (f->n / G_PI);
    }
  return found;
}

/* Where in particle f a voxel lies, as a fraction of its radius. */
static double
radial (const Found *f,
        gsize        x,
        gsize        y,
        gsize        z,
        gboolean     three_d)
{
  double dx = x + 0.5 - f->cx, dy = y + 0.5 - f->cy, dz = three_d ? z + 0.5 - f->cz : 0;

  return sqrt (dx * dx + dy * dy + dz * dz) / f->radius;
}

static gsize
centre_voxel (EvoxVolume  *volume,
              const Found *f)
{
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  return ((gsize) f->cz * dims[1] + (gsize) f->cy) * dims[0] + (gsize) f->cx;
}

/* The last voxel of particle f along +x from its centre: in its shell. */
static gsize
shell_voxel (EvoxVolume  *volume,
             EvoxVolume  *truth,
             const Found *f)
{
  const float *ni = truth_channel (truth, "Ni");
  gsize v = centre_voxel (volume, f);

  while (ni[v + 1] == f->ni)
    v++;
  return v;
}

static void
test_energies (void)
{
  EvoxXanesPhantomParams params;
  g_autofree double *e = NULL;
  guint n, n_ni = 0, n_dense = 0;

  evox_xanes_phantom_params_init (&params);
  e = evox_xanes_phantom_energies (&params, &n);
  g_assert_cmpuint (n, ==, 65);
  g_assert_cmpfloat (e[0], ==, 6534);
  g_assert_cmpfloat (e[1], ==, 6558);
  g_assert_cmpfloat (e[2], ==, 7704);
  g_assert_cmpfloat (e[3], ==, 7728);
  g_assert_cmpfloat (e[4], ==, 8233);
  g_assert_cmpfloat (e[n - 1], ==, 8533);
  for (guint i = 1; i < n; i++)
    {
      g_assert_cmpfloat (e[i], >, e[i - 1]);
      if (e[i] > 8000)
        n_ni++;
      /* 1 eV steps across the edge, from below the Ni2+ E0 - 10 to past the white line */
      if (e[i] >= 8323 && e[i] <= 8368)
        {
          n_dense++;
          if (e[i - 1] >= 8323)
            g_assert_cmpfloat (e[i] - e[i - 1], ==, 1.0);
        }
    }
  g_assert_cmpuint (n_ni, ==, 61);
  g_assert_cmpuint (n_dense, ==, 46);

  {
    g_autofree double *only = NULL;
    params.mn_pair = params.co_pair = FALSE;
    params.n_ni = 30;
    only = evox_xanes_phantom_energies (&params, &n);
    g_assert_cmpuint (n, ==, 30);
    g_assert_cmpfloat (only[0], ==, 8233);
    g_assert_cmpfloat (only[n - 1], ==, 8533);
  }
}

static void
test_deterministic (void)
{
  g_autoptr(EvoxVolume) a = make (256, 256, 1, 0.01, 61, NULL);
  g_autoptr(EvoxVolume) b = make (256, 256, 1, 0.01, 61, NULL);
  g_autoptr(EvoxVolume) other = NULL;
  EvoxXanesPhantomParams params;
  gsize n = evox_volume_get_n_voxels (a);
  gboolean differs = FALSE;

  g_assert_cmpuint (evox_volume_get_n_channels (a), ==, 65);
  for (guint c = 0; c < 65; c++)
    {
      g_assert_cmpint (memcmp (evox_volume_get_data (a, c), evox_volume_get_data (b, c),
                               n * sizeof (float)), ==, 0);
      g_assert_cmpfloat (evox_volume_get_channel_energy (a, c), ==,
                         evox_volume_get_channel_energy (b, c));
    }
  g_assert_cmpstr (evox_volume_get_channel_label (a, 4), ==, "8233.0 eV");
  g_assert_cmpstr (evox_volume_get_quantity (a), ==, "optical density");
  g_assert_nonnull (strstr (evox_volume_get_metadata (a, "spectral_source"), "synthetic"));
  {
    double spacing[3];
    evox_volume_get_spacing (a, spacing);
    g_assert_cmpfloat (spacing[0], ==, 50.0);
    g_assert_true (evox_volume_get_spacing_known (a));
  }

  evox_xanes_phantom_params_init (&params);
  params.seed = 2;
  other = evox_xanes_phantom_new (&params, NULL, NULL);
  for (guint c = 0; c < 65 && !differs; c++)
    differs = memcmp (evox_volume_get_data (a, c), evox_volume_get_data (other, c),
                      n * sizeof (float)) != 0;
  g_assert_true (differs);
}

/* Molar Ni:Mn:Co of each particle is 8:1:1, 6:2:2 or 1:1:1, with O twice the metals (LiMO2):
 * amounts over IUPAC atomic weights (O 15.999, Mn 54.938, Co 58.933, Ni 58.693). E0 is the
 * Ni3+ value within 0.75 of the radius and the Ni2+ value past 0.85 (the shell is the outer 20 %),
 * except in one particle, wholly Ni2+; NaN outside. */
static void
check_truth (EvoxVolume *truth)
{
  g_autoptr(GArray) found = find_particles (truth);
  const float *e0 = truth_channel (truth, "e0"), *ni = truth_channel (truth, "Ni");
  gsize dims[3];
  guint n_reduced = 0, kinds[3] = { 0 };
  gboolean three_d;

  evox_volume_get_dims (truth, dims);
  three_d = dims[2] > 1;
  g_assert_cmpuint (found->len, ==, 6);
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = &g_array_index (found, Found, i);
      double mol_ni = f->ni / 58.693, mol_mn = f->mn / 54.938, mol_co = f->co / 58.933;
      double metals = mol_ni + mol_mn + mol_co;
      gboolean core_ni3 = TRUE, saw_core = FALSE, saw_shell = FALSE;

      g_assert_cmpfloat_with_epsilon (f->o / 15.999 / metals, 2.0, 2e-3);
      if (fabs (mol_ni / metals - 0.8) < 1e-3)
        kinds[0]++;
      else if (fabs (mol_ni / metals - 0.6) < 1e-3)
        kinds[1]++;
      else
        {
          g_assert_cmpfloat_with_epsilon (mol_ni / metals, 1.0 / 3, 1e-3);
          kinds[2]++;
        }
      g_assert_cmpfloat_with_epsilon (mol_mn, mol_co, 1e-3 * metals);

      for (gsize z = 0; z < dims[2]; z++)
        for (gsize y = 0; y < dims[1]; y++)
          for (gsize x = 0; x < dims[0]; x++)
            {
              gsize v = (z * dims[1] + y) * dims[0] + x;
              double r = radial (f, x, y, z, three_d);

              if (ni[v] != f->ni)
                continue;
              if (r < 0.75)
                {
                  saw_core = TRUE;
                  core_ni3 = core_ni3 && e0[v] == (float) EVOX_XANES_PHANTOM_E0_NI3;
                  if (!core_ni3)
                    g_assert_cmpfloat (e0[v], ==, (float) EVOX_XANES_PHANTOM_E0_NI2);
                }
              else if (r > 0.85)
                {
                  saw_shell = TRUE;
                  g_assert_cmpfloat (e0[v], ==, (float) EVOX_XANES_PHANTOM_E0_NI2);
                }
            }
      g_assert_true (saw_core && saw_shell);
      n_reduced += !core_ni3;
    }
  g_assert_cmpuint (n_reduced, ==, 1);
  g_assert_cmpuint (kinds[0], ==, 3);
  g_assert_cmpuint (kinds[1], ==, 1);
  g_assert_cmpuint (kinds[2], ==, 2);
  for (gsize v = 0; v < dims[0] * dims[1] * dims[2]; v++)
    if (ni[v] == 0)
      g_assert_true (isnan (e0[v]));
}

static void
test_truth (void)
{
  g_autoptr(EvoxVolume) truth = NULL;
  g_autoptr(EvoxVolume) stack = make (256, 256, 1, 0.01, 61, &truth);

  g_assert_cmpuint (evox_volume_get_n_channels (truth), ==, N_TRUTH);
  g_assert_cmpstr (evox_volume_get_channel_label (truth, NI), ==, "Ni");
  g_assert_cmpstr (evox_volume_get_channel_unit (truth, NI), ==, "ug/cm^2");
  g_assert_cmpstr (evox_volume_get_channel_unit (truth, E0), ==, "eV");
  check_truth (truth);
}

/* value = scale * sum over Mn, Co, Ni, O of amount * CS_Total (xraylib, here) */
static double
expected_value (EvoxVolume *truth,
                gsize       v,
                double      energy,
                double      scale)
{
  double sum = 0;

  for (guint e = 0; e < 4; e++)
    sum += ((const float *) evox_volume_get_data (truth, e))[v] *
           CS_Total (element_z[e], energy / 1000.0, NULL);
  return scale * sum;
}

/* Away from the Ni edge (the Mn and Co pairs) the stack is exactly the sum of amounts times
 * xraylib's cross sections; 200 eV above it, within the arctan's tail (2 / (pi 190) of the jump,
 * well under 1 % of the whole). Background is 0 without noise. */
static void
check_cross_sections (EvoxVolume *stack,
                      EvoxVolume *truth,
                      double      scale)
{
  g_autoptr(GArray) found = find_particles (truth);
  guint n_channels = evox_volume_get_n_channels (stack);

  for (guint i = 0; i < found->len; i++)
    {
      gsize v[2] = { centre_voxel (stack, &g_array_index (found, Found, i)),
                     shell_voxel (stack, truth, &g_array_index (found, Found, i)) };

      for (guint k = 0; k < 2; k++)
        for (guint c = 0; c < n_channels; c++)
          {
            double e = evox_volume_get_channel_energy (stack, c);
            double got = ((const float *) evox_volume_get_data (stack, c))[v[k]];
            double want = expected_value (truth, v[k], e, scale);

            g_assert_cmpfloat (want, >, 0);
            if (e < 8000)
              g_assert_cmpfloat (fabs (got - want), <=, 2e-6 * want);
            else if (e > 8500)
              g_assert_cmpfloat (fabs (got - want), <=, 0.01 * want);
          }
    }
  for (guint c = 0; c < n_channels; c++)
    g_assert_cmpfloat (((const float *) evox_volume_get_data (stack, c))[0], ==, 0);
}

static void
test_cross_sections_2d (void)
{
  g_autoptr(EvoxVolume) truth = NULL;
  g_autoptr(EvoxVolume) stack = make (256, 256, 1, 0.0, 61, &truth);

  /* ug/cm^2 * cm^2/g = 1e-6 of an optical density (natural log) */
  check_cross_sections (stack, truth, 1e-6);
}

static void
test_3d (void)
{
  g_autoptr(EvoxVolume) truth = NULL;
  g_autoptr(EvoxVolume) stack = make (64, 64, 64, 0.0, 16, &truth);
  gsize dims[3];
  double spacing[3];

  evox_volume_get_dims (stack, dims);
  g_assert_cmpuint (dims[2], ==, 64);
  g_assert_cmpuint (evox_volume_get_n_channels (stack), ==, 20);
  g_assert_cmpstr (evox_volume_get_quantity (stack), ==, "linear attenuation");
  g_assert_cmpstr (evox_volume_get_unit (stack), ==, "1/um");
  g_assert_cmpstr (evox_volume_get_channel_quantity (truth, NI), ==, "mass density");
  g_assert_cmpstr (evox_volume_get_channel_unit (truth, NI), ==, "g/cm^3");
  evox_volume_get_spacing (stack, spacing);
  g_assert_cmpfloat (spacing[2], ==, 100.0);
  check_truth (truth);
  /* g/cm^3 * cm^2/g = 1/cm = 1e-4 1/um */
  check_cross_sections (stack, truth, 1e-4);
}

/* The Ni scan of voxel v, normalised by the evox-xanes code with one fixed E0 (as the maps do). */
static double
half_step (EvoxVolume *stack,
           gsize       v)
{
  g_autofree double *e = g_new (double, 61);
  g_autofree double *mu = g_new (double, 61);
  EvoxXanesParams params;
  EvoxXanesResult result = { 0 };
  g_autoptr(GError) error = NULL;
  guint n = 0;

  for (guint c = 0; c < evox_volume_get_n_channels (stack); c++)
    if (evox_volume_get_channel_energy (stack, c) > 8000)
      {
        e[n] = evox_volume_get_channel_energy (stack, c);
        mu[n++] = ((const float *) evox_volume_get_data (stack, c))[v];
      }
  g_assert_cmpuint (n, ==, 61);
  evox_xanes_params_init (&params);
  params.e0 = 8344;
  g_assert_true (evox_xanes_normalise (e, mu, n, &params, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.n_pre, >=, 2);
  g_assert_cmpuint (result.n_post, >=, 2);
  return result.half_step_energy;
}

/* A clean spectrum's half-step energy is its truth E0 within 0.3 eV; core and shell of one
 * particle differ by 2.5 +- 0.3 eV; the wholly reduced particle's core sits with the shells. */
static void
test_edge_shift (void)
{
  g_autoptr(EvoxVolume) truth = NULL;
  g_autoptr(EvoxVolume) stack = make (256, 256, 1, 0.0, 61, &truth);
  g_autoptr(GArray) found = find_particles (truth);
  const float *e0 = truth_channel (truth, "e0");
  guint n_reduced = 0;

  for (guint i = 0; i < found->len; i++)
    {
      const Found *f = &g_array_index (found, Found, i);
      gsize core = centre_voxel (stack, f), shell = shell_voxel (stack, truth, f);
      double h_core = half_step (stack, core), h_shell = half_step (stack, shell);

      g_test_message ("particle %u: half-step %.3f (E0 %.1f) core, %.3f (E0 %.1f) shell", i,
                      h_core, e0[core], h_shell, e0[shell]);
      g_assert_cmpfloat (fabs (h_core - e0[core]), <, 0.3);
      g_assert_cmpfloat (fabs (h_shell - e0[shell]), <, 0.3);
      if (e0[core] == e0[shell])
        {
          n_reduced++;
          g_assert_cmpfloat (fabs (h_core - h_shell), <, 0.3);
        }
      else
        g_assert_cmpfloat (fabs (h_core - h_shell - 2.5), <, 0.3);
    }
  g_assert_cmpuint (n_reduced, ==, 1);
}

/* Background is 0 plus Gaussian noise of sigma noise * the mean over the particles of Ni's edge
 * jump (amount * the jump of xraylib's Ni cross section across 8333 eV, which the phantom's
 * power laws continue to 8345 eV: within 2 % here). */
static void
test_noise (void)
{
  g_autoptr(EvoxVolume) truth = NULL;
  g_autoptr(EvoxVolume) stack = make (256, 256, 1, 0.02, 61, &truth);
  g_autoptr(GArray) found = find_particles (truth);
  const float *ni = truth_channel (truth, "Ni");
  double jump = CS_Total (28, 8.3338, NULL) - CS_Total (28, 8.3318, NULL), typical = 0;
  gsize n = evox_volume_get_n_voxels (stack);

  for (guint i = 0; i < found->len; i++)
    typical += 1e-6 * g_array_index (found, Found, i).ni * jump / found->len;
  for (guint c = 0; c < evox_volume_get_n_channels (stack); c += 16)
    {
      const float *od = evox_volume_get_data (stack, c);
      double sum = 0, sum2 = 0, count = 0, sigma;

      for (gsize v = 0; v < n; v++)
        if (ni[v] == 0)
          {
            sum += od[v];
            sum2 += (double) od[v] * od[v];
            count++;
          }
      sigma = sqrt (sum2 / count - (sum / count) * (sum / count));
      g_assert_cmpfloat (fabs (sum / count), <, 5 * sigma / sqrt (count));
      g_assert_cmpfloat (fabs (sigma / (0.02 * typical) - 1), <, 0.03);
    }
}

static void
test_refused (void)
{
  const struct { guint nx, ny, nz, n_ni; double noise; gboolean pairs; } bad[] = {
    { 4, 256, 1, 61, 0.01, TRUE },
    { 256, 256, 3000, 61, 0.01, TRUE },
    { 256, 256, 1, 5, 0.01, TRUE },
    { 256, 256, 1, 61, -1, TRUE },
    { 256, 256, 1, 61, NAN, TRUE },
    { 256, 256, 1, 0, 0.01, FALSE },
    { 2048, 2048, 2048, 61, 0.01, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      EvoxXanesPhantomParams params;
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxVolume) truth = NULL;
      g_autoptr(EvoxVolume) stack = NULL;

      evox_xanes_phantom_params_init (&params);
      params.nx = bad[i].nx;
      params.ny = bad[i].ny;
      params.nz = bad[i].nz;
      params.n_ni = bad[i].n_ni;
      params.noise = bad[i].noise;
      params.mn_pair = params.co_pair = bad[i].pairs;
      stack = evox_xanes_phantom_new (&params, &truth, &error);
      g_assert_null (stack);
      g_assert_null (truth);
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "XANES phantom"));
    }
}

static EvoxTestRun
evox (const char *first,
      ...)
{
  va_list ap;
  EvoxTestRun run;

  va_start (ap, first);
  run = evox_test_run_evox_va (NULL, NULL, NULL, first, ap);
  va_end (ap);
  return run;
}

static void
test_cli_info (void)
{
  g_auto(EvoxTestRun) run = evox ("info", "--demo-xanes", NULL);
  g_auto(EvoxTestRun) both = evox ("info", "--demo-xanes", "--demo", NULL);
  g_auto(EvoxTestRun) dz = evox ("info", "--demo-xanes", "--dz", "5", NULL);

  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "256 x 256 x 1"));
  g_assert_nonnull (strstr (run.out, "optical density"));
  g_assert_nonnull (strstr (run.out, "65, 6534.0 to 8533.0 eV"));
  g_assert_nonnull (strstr (run.out, "8345.00"));
  g_assert_nonnull (strstr (run.out, "synthetic"));
  evox_test_assert_refused (&both, 2, "--demo-xanes");
  evox_test_assert_refused (&dz, 2, "--dz");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/XanesPhantom/energies", test_energies);
  g_test_add_func ("/Evox/XanesPhantom/deterministic", test_deterministic);
  g_test_add_func ("/Evox/XanesPhantom/truth", test_truth);
  g_test_add_func ("/Evox/XanesPhantom/cross-sections-2d", test_cross_sections_2d);
  g_test_add_func ("/Evox/XanesPhantom/3d", test_3d);
  g_test_add_func ("/Evox/XanesPhantom/edge-shift", test_edge_shift);
  g_test_add_func ("/Evox/XanesPhantom/noise", test_noise);
  g_test_add_func ("/Evox/XanesPhantom/refused", test_refused);
  g_test_add_func ("/Evox/XanesPhantom/cli-info", test_cli_info);
  return g_test_run ();
}

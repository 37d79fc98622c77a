/* evox-xanes-phantom.c: a synthetic NMC cathode seen by a transmission X-ray microscope at the
 * Mn, Co and Ni K edges, with Ni XANES whose edge energy is known per voxel. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include <xraylib.h>

#include "evox-elements.h"
#include "evox-xanes-phantom.h"
#include "evox-rng.h"

/* How the phantom is made (README, "The XANES demo", says the same for users):
 *
 * Six round particles (discs of uniform areal mass in 2D, spheres of uniform density in 3D) of
 * LiMO2 with M = Ni, Mn, Co in NMC811, NMC622 or NMC111 ratios, placed without overlap by a
 * generator seeded with params->seed, on empty background. Each element's amount is its mass
 * fraction in LiMO2 (xraylib's atomic weights) times the particle's total; Li is left out of the
 * absorption and of the truth (its mu/rho here is 0.5 to 0.8 cm^2/g: under 2e-4 of OD, 0.1 % of
 * a particle's), so the stack is exactly the truth's amounts times the cross sections.
 *
 * OD (2D) = sum over Mn, Co, Ni, O of areal mass * mu/rho (E); linear attenuation (3D) = sum of
 * density * mu/rho. mu/rho is xraylib's CS_Total, except Ni within 300 eV of its K edge, where
 * the tabulated step becomes XANES: below the edge, the tabulated value continued by a power law
 * through it at E_K - 100 and E_K - 0.5 eV; above, likewise through E_K + 0.5 and E_K + 100 eV;
 * between them an arctan step of half width 2 eV centred on E0 plus a Gaussian white line of
 * height 0.5 jump (jump at E0) and sigma 3 eV at E0 + 8 eV. Cores are at the Ni3+ E0, the outer
 * 20 % of each radius (a reduced surface) and the smallest particle wholly at the Ni2+ E0. */

#define N_PARTICLES 6
#define WINDOW_EV 300.0
#define STEP_HALF_WIDTH_EV 2.0
#define WHITELINE_HEIGHT 0.5
#define WHITELINE_OFFSET_EV 8.0
#define WHITELINE_SIGMA_EV 3.0
#define SHELL_FRACTION 0.8
#define MAX_VALUES (G_GUINT64_CONSTANT (1) << 28)

enum { MN, CO, NI, O, N_ELEMENTS };
static const int element_z[N_ELEMENTS] = { 25, 27, 28, 8 };
static const char *const element_names[N_ELEMENTS] = { "Mn", "Co", "Ni", "O" };

typedef struct
{
  double radius;      /* fraction of the smallest dimension */
  double ni, mn, co;  /* moles per mole of LiMO2 */
  double areal_mass;  /* of LiMO2, ug/cm^2 (2D) */
  double density;     /* of LiMO2, g/cm^3 (3D) */
  gboolean reduced;   /* wholly Ni2+ */
} Recipe;

/* Largest first, so placement finds room for every particle in the default sizes. */
static const Recipe recipes[N_PARTICLES] = {
  { 0.160, 0.8, 0.1, 0.1, 3000, 4.2, FALSE },
  { 0.120, 1.0 / 3, 1.0 / 3, 1.0 / 3, 2400, 3.9, FALSE },
  { 0.100, 0.8, 0.1, 0.1, 2000, 4.5, FALSE },
  { 0.085, 0.6, 0.2, 0.2, 1600, 3.6, FALSE },
  { 0.070, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1300, 4.0, FALSE },
  { 0.060, 0.8, 0.1, 0.1, 1000, 4.4, TRUE },
};

typedef struct
{
  double x, y, z;     /* centre, voxels */
  double r;           /* radius, voxels */
  double amount[N_ELEMENTS];
} Particle;

static void
rng_gauss2 (EvoxRng *rng,
            double   g[2])
{
  double u = MAX (evox_rng_uniform (rng), 1e-300);
  double r = sqrt (-2.0 * log (u)), angle = 2.0 * G_PI * evox_rng_uniform (rng);

  g[0] = r * cos (angle);
  g[1] = r * sin (angle);
}

void
evox_xanes_phantom_params_init (EvoxXanesPhantomParams *params)
{
  g_return_if_fail (params != NULL);

  *params = (EvoxXanesPhantomParams) {
    .nx = 256, .ny = 256, .nz = 1,
    .seed = 1,
    .voxel_size_nm = 0,
    .noise = 0.01,
    .n_ni = 61,
    .mn_pair = TRUE,
    .co_pair = TRUE,
  };
}

/* n evenly spaced energies from lo to hi relative to the Ni K edge, rounded to 0.1 eV so the
 * labels say exactly what the channel holds. */
static void
append_segment (GArray *energies,
                double  edge,
                double  lo,
                double  hi,
                guint   n)
{
  for (guint i = 0; i < n; i++)
    {
      double e = edge + (n > 1 ? lo + (hi - lo) * i / (n - 1) : lo);
      e = round (e * 10.0) / 10.0;
      g_array_append_val (energies, e);
    }
}

/**
 * evox_xanes_phantom_energies:
 *
 * The Ni scan is how beamline scans are: sparse before the edge (6/61 of the points from
 * E_K - 100 to E_K - 20 eV), dense across it (E_K - 10 to E_K + 35 eV, 1 eV steps with 61
 * energies) and sparse after it (9/61 from E_K + 40 to E_K + 200 eV), E_K being xraylib's Ni K
 * edge rounded to 1 eV (8333 eV): 8233 to 8533 eV.
 *
 * Returns: (transfer full): the energies, eV, ascending; NULL when params asks for none
 */
double *
evox_xanes_phantom_energies (const EvoxXanesPhantomParams *params,
                             guint                        *n_energies)
{
  g_autoptr(GArray) energies = g_array_new (FALSE, FALSE, sizeof (double));

  g_return_val_if_fail (params != NULL && n_energies != NULL, NULL);

  if (params->mn_pair)
    g_array_append_vals (energies, (double[]) { 6534.0, 6558.0 }, 2);
  if (params->co_pair)
    g_array_append_vals (energies, (double[]) { 7704.0, 7728.0 }, 2);
  if (params->n_ni > 0)
    {
      double edge = round (1000.0 * EdgeEnergy (element_z[NI], K_SHELL, NULL));
      guint n_pre = MAX (2, (guint) round (params->n_ni * 6.0 / 61.0));
      guint n_post = MAX (2, (guint) round (params->n_ni * 9.0 / 61.0));
      guint n_dense = params->n_ni - n_pre - n_post;

      append_segment (energies, edge, -100.0, -20.0, n_pre);
      append_segment (energies, edge, -10.0, 35.0, n_dense);
      append_segment (energies, edge, 40.0, 200.0, n_post);
    }
  *n_energies = energies->len;
  if (energies->len == 0)
    return NULL;
  return (double *) g_array_free (g_steal_pointer (&energies), FALSE);
}

/* Ni's tabulated mass attenuation on one side of its K edge (side -1 below, +1 above), continued
 * across the edge as the power law through the tabulated values 0.5 and 100 eV from it. */
static double
ni_side (double edge,
         int    side,
         double energy_ev)
{
  const int z = element_z[NI];
  double at = edge + 0.5 * side, other = edge + 100.0 * side;
  double mu_at, p;

  if ((energy_ev - at) * side > 0)
    return evox_element_mass_attenuation (z, energy_ev);
  mu_at = evox_element_mass_attenuation (z, at);
  p = log (evox_element_mass_attenuation (z, other) / mu_at) / log (other / at);
  return mu_at * pow (energy_ev / at, p);
}

/* Ni's mass attenuation with its K edge as XANES at edge energy e0. */
static double
ni_mass_attenuation (double energy_ev,
                     double e0)
{
  double edge = 1000.0 * EdgeEnergy (element_z[NI], K_SHELL, NULL);
  double below, above, jump_e0, step, whiteline, dw;

  if (fabs (energy_ev - edge) > WINDOW_EV)
    return evox_element_mass_attenuation (element_z[NI], energy_ev);
  below = ni_side (edge, -1, energy_ev);
  above = ni_side (edge, +1, energy_ev);
  jump_e0 = ni_side (edge, +1, e0) - ni_side (edge, -1, e0);
  step = 0.5 + atan ((energy_ev - e0) / STEP_HALF_WIDTH_EV) / G_PI;
  dw = (energy_ev - e0 - WHITELINE_OFFSET_EV) / WHITELINE_SIGMA_EV;
  whiteline = WHITELINE_HEIGHT * jump_e0 * exp (-0.5 * dw * dw);
  return below + (above - below) * step + whiteline;
}

/* Amounts of Mn, Co, Ni and O in a particle of LiMO2 of the given total (any unit). */
static void
recipe_amounts (const Recipe *recipe,
                double        total,
                double        amount[N_ELEMENTS])
{
  double w_li = AtomicWeight (3, NULL);
  double w[N_ELEMENTS];
  double molar;

  for (guint e = 0; e < N_ELEMENTS; e++)
    w[e] = AtomicWeight (element_z[e], NULL);
  molar = w_li + recipe->mn * w[MN] + recipe->co * w[CO] + recipe->ni * w[NI] + 2.0 * w[O];
  amount[MN] = total * recipe->mn * w[MN] / molar;
  amount[CO] = total * recipe->co * w[CO] / molar;
  amount[NI] = total * recipe->ni * w[NI] / molar;
  amount[O] = total * 2.0 * w[O] / molar;
}

/* A centre for a particle of radius r in a side of n voxels, 2 voxels clear of its ends when
 * there is room. */
static double
place (EvoxRng *rng,
       double   r,
       guint    n)
{
  double margin = MIN (r + 2.0, n / 2.0);

  return margin + evox_rng_uniform (rng) * (n - 2 * margin);
}

/* Places the particles largest first: a uniform centre inside the field 2 voxels clear of its
 * sides, kept when it leaves a 3-voxel gap to those placed; after 2000 tries the last candidate
 * is kept anyway (tiny fields), and later particles then cover earlier ones. */
static void
place_particles (const EvoxXanesPhantomParams *params,
                 Particle                      particles[N_PARTICLES])
{
  EvoxRng rng = { params->seed ^ G_GUINT64_CONSTANT (0x5851F42D4C957F2D) };
  gboolean three_d = params->nz > 1;
  double size = MIN (params->nx, params->ny);

  if (three_d)
    size = MIN (size, params->nz);
  for (guint i = 0; i < N_PARTICLES; i++)
    {
      Particle *p = &particles[i];
      double r = MAX (1.0, recipes[i].radius * size);

      for (guint attempt = 0; attempt < 2000; attempt++)
        {
          gboolean clear = TRUE;

          p->r = r;
          p->x = place (&rng, r, params->nx);
          p->y = place (&rng, r, params->ny);
          p->z = three_d ? place (&rng, r, params->nz) : 0.0;
          for (guint j = 0; j < i && clear; j++)
            {
              double dx = p->x - particles[j].x, dy = p->y - particles[j].y;
              double dz = p->z - particles[j].z;
              clear = sqrt (dx * dx + dy * dy + dz * dz) > r + particles[j].r + 3.0;
            }
          if (clear)
            break;
        }
      recipe_amounts (&recipes[i], three_d ? recipes[i].density : recipes[i].areal_mass,
                      p->amount);
    }
}

/* Region of a voxel: 0 background, 1 + 2 i the core of particle i, 2 + 2 i its shell. Voxels are
 * sampled at their centres; later particles win. */
static guint8 *
make_regions (const EvoxXanesPhantomParams *params,
              const Particle                particles[N_PARTICLES])
{
  gsize nx = params->nx, ny = params->ny, nz = params->nz;
  guint8 *regions = g_new0 (guint8, nx * ny * nz);
  gboolean three_d = nz > 1;

  for (guint i = 0; i < N_PARTICLES; i++)
    {
      const Particle *p = &particles[i];

#pragma omp parallel for schedule(static)
      for (gsize z = 0; z < nz; z++)
        for (gsize y = 0; y < ny; y++)
          for (gsize x = 0; x < nx; x++)
            {
              double dx = x + 0.5 - p->x, dy = y + 0.5 - p->y;
              double dz = three_d ? z + 0.5 - p->z : 0.0;
              double d = sqrt (dx * dx + dy * dy + dz * dz);

              if (d < p->r)
                regions[(z * ny + y) * nx + x] = d < SHELL_FRACTION * p->r ? 1 + 2 * i : 2 + 2 * i;
            }
    }
  return regions;
}

static double
region_e0 (guint region)
{
  guint i = (region - 1) / 2;

  g_assert (region > 0);
  return recipes[i].reduced || region % 2 == 0 ? EVOX_XANES_PHANTOM_E0_NI2
                                               : EVOX_XANES_PHANTOM_E0_NI3;
}

static EvoxVolume *
make_truth (const EvoxXanesPhantomParams *params,
            const Particle                particles[N_PARTICLES],
            const guint8                 *regions,
            const double                  spacing[3],
            GError                      **error)
{
  gsize n = (gsize) params->nx * params->ny * params->nz;
  gboolean three_d = params->nz > 1;
  g_autoptr(EvoxVolume) truth = evox_volume_new (params->nx, params->ny, params->nz,
                                                 N_ELEMENTS + 1, EVOX_SAMPLE_F32, error);

  if (truth == NULL)
    return NULL;
  for (guint e = 0; e <= N_ELEMENTS; e++)
    {
      float *out = evox_volume_get_data_mut (truth, e);

      for (gsize v = 0; v < n; v++)
        {
          guint r = regions[v];

          if (e == N_ELEMENTS)
            out[v] = r == 0 ? NAN : (float) region_e0 (r);
          else
            out[v] = r == 0 ? 0.0f : (float) particles[(r - 1) / 2].amount[e];
        }
      evox_volume_set_channel_info (truth, e, e < N_ELEMENTS ? element_names[e] : "e0", NAN);
      if (e < N_ELEMENTS)
        evox_volume_set_channel_values (truth, e, EVOX_SCALE_LINEAR,
                                        three_d ? "mass density" : "areal mass",
                                        three_d ? "g/cm^3" : "ug/cm^2");
      else
        evox_volume_set_channel_values (truth, e, EVOX_SCALE_LINEAR, "edge energy", "eV");
    }
  evox_volume_set_spacing (truth, spacing);
  evox_volume_set_spacing_known (truth, TRUE);
  evox_volume_set_metadata (truth, "spectral_source", "truth of the synthetic XANES phantom");
  evox_volume_freeze (truth);
  return g_steal_pointer (&truth);
}

static gboolean
check_params (const EvoxXanesPhantomParams *params,
              GError                      **error)
{
  guint dims[3] = { params->nx, params->ny, params->nz };
  guint64 n_values;

  for (guint a = 0; a < 3; a++)
    if ((a < 2 || dims[a] != 1) && (dims[a] < 8 || dims[a] > 2048))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "XANES phantom: size %u x %u x %u: each side must be 8 to 2048 (depth 1 "
                     "for a projection)", params->nx, params->ny, params->nz);
        return FALSE;
      }
  if (!(isfinite (params->noise) && params->noise >= 0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES phantom: noise %g must be 0 or more", params->noise);
      return FALSE;
    }
  if (!(isfinite (params->voxel_size_nm) && params->voxel_size_nm >= 0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES phantom: voxel size %g nm must be positive", params->voxel_size_nm);
      return FALSE;
    }
  if ((params->n_ni > 0 && params->n_ni < 16) || params->n_ni > 1000)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES phantom: %u energies across the Ni edge: give 0 or 16 to 1000",
                   params->n_ni);
      return FALSE;
    }
  if (params->n_ni == 0 && !params->mn_pair && !params->co_pair)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "XANES phantom: no energies asked for");
      return FALSE;
    }
  n_values = (guint64) params->nx * params->ny * params->nz *
             (params->n_ni + 2 * params->mn_pair + 2 * params->co_pair);
  if (n_values > MAX_VALUES)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "XANES phantom: %u x %u x %u at %u energies is too large",
                   params->nx, params->ny, params->nz,
                   params->n_ni + 2 * params->mn_pair + 2 * params->co_pair);
      return FALSE;
    }
  return TRUE;
}

/**
 * evox_xanes_phantom_new:
 * @truth: (out) (optional) (transfer full): what the stack was made from
 *
 * Returns: (transfer full): the stack, or NULL with @error set
 */
EvoxVolume *
evox_xanes_phantom_new (const EvoxXanesPhantomParams *params,
                        EvoxVolume                  **truth,
                        GError                      **error)
{
  gboolean three_d;
  gsize n;
  guint n_energies, n_regions = 1 + 2 * N_PARTICLES;
  g_autofree double *energies = NULL;
  g_autofree double *table = NULL;
  g_autofree guint8 *regions = NULL;
  g_autoptr(EvoxVolume) stack = NULL;
  Particle particles[N_PARTICLES];
  double spacing[3], scale, sigma, typical_jump = 0;
  double ni_edge = 1000.0 * EdgeEnergy (element_z[NI], K_SHELL, NULL);

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_params (params, error))
    return NULL;
  three_d = params->nz > 1;
  n = (gsize) params->nx * params->ny * params->nz;
  energies = evox_xanes_phantom_energies (params, &n_energies);
  stack = evox_volume_new (params->nx, params->ny, params->nz, n_energies, EVOX_SAMPLE_F32,
                           error);
  if (stack == NULL)
    return NULL;

  place_particles (params, particles);
  regions = make_regions (params, particles);

  /* ug/cm^2 * cm^2/g = 1e-6 OD; g/cm^3 * cm^2/g = 1/cm = 1e-4 1/um. */
  scale = three_d ? 1e-4 : 1e-6;
  table = g_new0 (double, (gsize) n_energies * n_regions);
  for (guint c = 0; c < n_energies; c++)
    for (guint r = 1; r < n_regions; r++)
      {
        const Particle *p = &particles[(r - 1) / 2];
        double value = p->amount[NI] * ni_mass_attenuation (energies[c], region_e0 (r));

        for (guint e = 0; e < N_ELEMENTS; e++)
          if (e != NI)
            value += p->amount[e] * evox_element_mass_attenuation (element_z[e], energies[c]);
        table[(gsize) c * n_regions + r] = scale * value;
      }

  /* The noise is relative to the mean over the particles of the Ni edge jump at the Ni3+ E0, so
   * the same level means the same spectra in 2D and 3D. */
  for (guint i = 0; i < N_PARTICLES; i++)
    typical_jump += scale * particles[i].amount[NI] / N_PARTICLES *
                    (ni_side (ni_edge, +1, EVOX_XANES_PHANTOM_E0_NI3) -
                     ni_side (ni_edge, -1, EVOX_XANES_PHANTOM_E0_NI3));
  sigma = params->noise * typical_jump;

  /* One generator per channel, seeded from the seed and the channel, so the numbers do not depend
   * on how the channels are shared among threads. */
#pragma omp parallel for schedule(dynamic, 1)
  for (guint c = 0; c < n_energies; c++)
    {
      float *out = evox_volume_get_data_mut (stack, c);
      const double *row = table + (gsize) c * n_regions;
      EvoxRng rng = { params->seed * G_GUINT64_CONSTANT (0x2545F4914F6CDD1D) + c };

      for (gsize v = 0; v < n; v++)
        out[v] = (float) row[regions[v]];
      /* Box-Muller gives two independent normals a draw: both are used. */
      for (gsize v = 0; sigma > 0 && v < n; v += 2)
        {
          double g[2];

          rng_gauss2 (&rng, g);
          out[v] += (float) (sigma * g[0]);
          if (v + 1 < n)
            out[v + 1] += (float) (sigma * g[1]);
        }
    }

  for (guint c = 0; c < n_energies; c++)
    {
      g_autofree char *label = g_strdup_printf ("%.1f eV", energies[c]);
      evox_volume_set_channel_info (stack, c, label, energies[c]);
    }
  if (params->voxel_size_nm > 0)
    spacing[0] = params->voxel_size_nm;
  else
    spacing[0] = three_d ? 100.0 : 50.0;
  spacing[1] = spacing[2] = spacing[0];
  evox_volume_set_spacing (stack, spacing);
  evox_volume_set_spacing_known (stack, TRUE);
  evox_volume_set_values (stack, EVOX_SCALE_LINEAR,
                          three_d ? "linear attenuation" : "optical density",
                          three_d ? "1/um" : "");
  {
    g_autofree char *source = g_strdup_printf (
        "synthetic XANES phantom (seed %" G_GUINT64_FORMAT ", noise %g of the mean Ni edge "
        "jump: sigma %.3g%s): NMC811, NMC622 and NMC111 particles, Ni3+ cores (E0 %.1f eV) and "
        "Ni2+ shells (E0 %.1f eV)", params->seed, params->noise, sigma, three_d ? " 1/um" : "",
        EVOX_XANES_PHANTOM_E0_NI3, EVOX_XANES_PHANTOM_E0_NI2);
    evox_volume_set_metadata (stack, "spectral_source", source);
    evox_volume_set_metadata (stack, "synthetic", "xanes-phantom");
  }

  if (truth != NULL)
    {
      *truth = make_truth (params, particles, regions, spacing, error);
      if (*truth == NULL)
        return NULL;
    }
  evox_volume_freeze (stack);
  return g_steal_pointer (&stack);
}

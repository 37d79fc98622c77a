/* test-elements.c: xraylib edges and cross sections against xraylib's Python binding, edge
 * parsing and pair finding, and elemental maps of 2D and 3D phantoms built here from known
 * amounts (pair method with its bias worked out by hand, NNLS fit against brute force), refusals,
 * and the real SSRL pair around the Ni K edge. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evox-elements.h"
#include "evox-loader.h"
#include "evox-test-util.h"
#include "evox-types.h"
#include "evox-xanes-phantom.h"

/* The DESIGN energies around the Mn, Co and Ni K edges. */
static const double six[6] = { 6534, 6558, 7704, 7728, 8178, 8570 };

/* Total mass attenuation, cm^2/g, at those energies: xraylib 4.0.0's Python binding (Debian
 * python3-xraylib 4.0.0+dfsg1-3), '%.10g' % xraylib.CS_Total (z, e / 1000). */
enum { MN, CO, NI, OX, N_COMP };
static const int comp_z[N_COMP] = { 25, 27, 28, 8 };
static const double mu_six[N_COMP][6] = {
  /* Mn */ { 58.15384518, 448.785014, 301.0020342, 298.6425411, 258.3589185, 228.6230806 },
  /* Co */ { 74.12202016, 73.37906439, 47.19432772, 353.4031602, 307.6797334, 273.7651437 },
  /* Ni */ { 86.20569615, 85.34199917, 54.89503618, 54.430455, 46.61835255, 307.310123 },
  /* O  */ { 21.41752518, 21.18197986, 13.0305447, 12.90890497, 10.88456446, 9.453748576 },
};

static void
assert_close (double got,
              double want,
              double rel,
              double abs_tol)
{
  if (!(fabs (got - want) <= rel * fabs (want) + abs_tol))
    g_error ("got %.9g, want %.9g (rel %g, abs %g)", got, want, rel, abs_tol);
}

static void
test_edges (void)
{
  EvoxEdge edge;
  g_autoptr(GError) error = NULL;
  /* xraylib.EdgeEnergy (z, xraylib.K_SHELL) * 1000 from the Python binding: 6539.0, 7708.9,
   * 8332.8 eV; L3 of Mn 640.3 eV. Tabulated K edges (Bearden and Burr, as in the X-ray Data
   * Booklet): Mn 6539, Co 7709, Ni 8333 eV. */
  struct { const char *text; int z; EvoxEdgeShell shell; double energy, booklet; } cases[] = {
    { "Ni", 28, EVOX_EDGE_K, 8332.8, 8333 },
    { "ni", 28, EVOX_EDGE_K, 8332.8, 8333 },
    { "NI_K", 28, EVOX_EDGE_K, 8332.8, 8333 },
    { "Ni-K", 28, EVOX_EDGE_K, 8332.8, 8333 },
    { " Ni k ", 28, EVOX_EDGE_K, 8332.8, 8333 },
    { "Ni  k", 28, EVOX_EDGE_K, 8332.8, 8333 },
    { "Co", 27, EVOX_EDGE_K, 7708.9, 7709 },
    { "co_k", 27, EVOX_EDGE_K, 7708.9, 7709 },
    { "Mn", 25, EVOX_EDGE_K, 6539.0, 6539 },
    { "Mn_L3", 25, EVOX_EDGE_L3, 640.3, 640 },
    { "8333", 0, EVOX_EDGE_K, 8333.0, 8333 },
    { "8333.5", 0, EVOX_EDGE_K, 8333.5, 8333.5 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].text);
      g_assert_true (evox_edge_parse (cases[i].text, &edge, &error));
      g_assert_no_error (error);
      g_assert_cmpint (edge.z, ==, cases[i].z);
      g_assert_cmpint (edge.shell, ==, cases[i].shell);
      assert_close (edge.energy, cases[i].energy, 0, 0.01);
      assert_close (edge.energy, cases[i].booklet, 0, 1.0);
    }

  g_assert_true (evox_edge_parse ("Ni", &edge, &error));
  g_autofree char *ni = evox_edge_describe (&edge);
  g_assert_cmpstr (ni, ==, "Ni K (8332.8 eV)");
  g_assert_true (evox_edge_parse ("8333", &edge, &error));
  g_autofree char *bare = evox_edge_describe (&edge);
  g_assert_cmpstr (bare, ==, "8333.0 eV");

  g_assert_cmpstr (evox_element_symbol (28), ==, "Ni");
  g_assert_cmpstr (evox_element_symbol (8), ==, "O");
  g_assert_null (evox_element_symbol (0));
  g_assert_null (evox_element_symbol (200));
}

static void
test_cross_sections (void)
{
  g_autoptr(GError) error = NULL;

  for (guint c = 0; c < N_COMP; c++)
    for (guint j = 0; j < 6; j++)
      assert_close (evox_element_mass_attenuation (comp_z[c], six[j]), mu_six[c][j], 1e-8, 0);
  g_assert_true (isnan (evox_element_mass_attenuation (0, 8000)));
  g_assert_true (isnan (evox_element_mass_attenuation (28, -1)));

  /* '%.10g' % xraylib.CS_Total_CP ('LiCoO2', 8.0): 199.4158975; CS_Total (8, 8.0): 11.63067666 */
  assert_close (evox_compound_mass_attenuation ("LiCoO2", 8000, &error), 199.4158975, 1e-8, 0);
  g_assert_no_error (error);
  assert_close (evox_compound_mass_attenuation ("O", 8000, &error), 11.63067666, 1e-8, 0);
  g_assert_no_error (error);
  /* CS_Total_CP ('Ca(OH)2', 8.0) 98.41753299; ('Ni.5O', 8.0) 36.15365441; a NIST name,
   * CS_Total_CP ('Water, Liquid', 8.0) 10.37306931 */
  assert_close (evox_compound_mass_attenuation ("Ca(OH)2", 8000, &error), 98.41753299, 1e-8, 0);
  assert_close (evox_compound_mass_attenuation ("Ni.5O", 8000, &error), 36.15365441, 1e-8, 0);
  assert_close (evox_compound_mass_attenuation ("Water, Liquid", 8000, &error), 10.37306931,
                1e-8, 0);
  g_assert_no_error (error);
  const char *bad[] = { "Qz2", "", "h2o", "2H", "Ca(OH", "H2O)", "()", "H-1", "H0",
                        "Polyethylene!" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_true (isnan (evox_compound_mass_attenuation (bad[i], 8000, &error)));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_clear_error (&error);
    }
}

static void
test_parse_refusals (void)
{
  const char *bad[] = { "Xx", "Ni_M5", "-3", "", "  ", "0", "nan", "8333eV", "Li_L3", "Ni_",
                        "Ni/K" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      EvoxEdge edge = { 0 };
      g_test_message ("'%s'", bad[i]);
      g_assert_false (evox_edge_parse (bad[i], &edge, &error));
      g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
      if (i != 3 && i != 4)   /* the empty ones */
        g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

static void
params_for (EvoxElementsParams *p,
            EvoxElementsMethod  method,
            const char *const  *names)
{
  g_autoptr(GError) error = NULL;

  evox_elements_params_init (p);
  p->method = method;
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_assert_true (evox_edge_parse (names[i], &p->edges[i], &error));
      g_assert_no_error (error);
      p->n_elements = i + 1;
    }
}

static void
test_find_pairs (void)
{
  const char *mcn[] = { "Mn", "Co", "Ni", NULL };
  const char *ni[] = { "Ni", NULL };
  const char *co_mn[] = { "Co", "Mn", NULL };
  EvoxElementsParams p;
  g_autoptr(GError) error = NULL;

  /* the nearest energy on each side of each edge */
  params_for (&p, EVOX_ELEMENTS_PAIR, mcn);
  g_assert_true (evox_elements_find_pairs (six, 6, &p, &error));
  g_assert_no_error (error);
  double want[3][2] = { { 6534, 6558 }, { 7704, 7728 }, { 8178, 8570 } };
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (p.below[i], ==, want[i][0]);
      g_assert_cmpfloat (p.above[i], ==, want[i][1]);
    }
  evox_elements_params_clear (&p);

  /* order does not matter, and a pair already given is kept */
  const double shuffled[6] = { 8570, 6558, 7728, 6534, 8178, 7704 };
  params_for (&p, EVOX_ELEMENTS_PAIR, mcn);
  p.below[2] = 7728;   /* a user's choice: kept as it is */
  g_assert_true (evox_elements_find_pairs (shuffled, 6, &p, &error));
  g_assert_cmpfloat (p.below[0], ==, 6534);
  g_assert_cmpfloat (p.above[1], ==, 7728);
  g_assert_cmpfloat (p.below[2], ==, 7728);
  g_assert_cmpfloat (p.above[2], ==, 8570);
  evox_elements_params_clear (&p);

  /* energies that do not bracket the Ni edge */
  const double low[3] = { 8000, 8100, 8200 };
  params_for (&p, EVOX_ELEMENTS_PAIR, ni);
  g_assert_false (evox_elements_find_pairs (low, 3, &p, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Ni K"));
  g_assert_nonnull (strstr (error->message, "above"));
  g_clear_error (&error);
  evox_elements_params_clear (&p);

  /* Co's only energy below its edge lies below Mn's edge too: its jump would hold Mn's */
  const double skip[2] = { 6534, 7728 };
  params_for (&p, EVOX_ELEMENTS_PAIR, co_mn);
  g_assert_false (evox_elements_find_pairs (skip, 2, &p, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "Co K"));
  g_assert_nonnull (strstr (error->message, "6539.0"));
  g_clear_error (&error);
  evox_elements_params_clear (&p);

  /* the nearest energies are capped as the settled pair is: Fe K (7112 eV) alone among the six
   * energies has 6558 eV 554 eV below it, 7704 eV 592 eV above, a pair across Mn's and Co's
   * falling absorption; Ni with 8324 and 9000 eV has the latter 667.2 eV above its edge */
  const char *fe[] = { "Fe", NULL };
  params_for (&p, EVOX_ELEMENTS_PAIR, fe);
  g_assert_false (evox_elements_find_pairs (six, 6, &p, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Fe K (7112.0 eV): the nearest energy below "
                                                   "the edge, 6558.0 eV, is 554.0 eV below it"));
  g_assert_true (isnan (p.below[0]) && isnan (p.above[0]));
  g_clear_error (&error);
  /* a pair given is the user's: not capped */
  p.below[0] = 6558;
  p.above[0] = 7704;
  g_assert_true (evox_elements_find_pairs (six, 6, &p, &error));
  g_assert_no_error (error);
  evox_elements_params_clear (&p);
  const double far_above[] = { 8324, 9000 };
  params_for (&p, EVOX_ELEMENTS_PAIR, ni);
  g_assert_false (evox_elements_find_pairs (far_above, 2, &p, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "the nearest energy above the edge, 9000.0 eV, is "
                                            "667.2 eV above it"));
  g_clear_error (&error);
  evox_elements_params_clear (&p);

  /* with Ni alone, the DESIGN pair: 155 eV below and 237 eV above its edge, clear of the
   * near-edge region (8312.8 to 8382.8 eV) */
  params_for (&p, EVOX_ELEMENTS_PAIR, ni);
  g_assert_true (evox_elements_find_pairs (six, 6, &p, &error));
  g_assert_cmpfloat (p.below[0], ==, 8178);
  g_assert_cmpfloat (p.above[0], ==, 8570);
  evox_elements_params_clear (&p);

  /* The settled pair: the highest energy at or below edge - 20 eV (no lower than edge - 200)
   * and the lowest at or above edge + 50 eV (no higher than edge + 600), each outside every
   * listed element's near-edge region; when the stack has no such pair, the nearest energies on
   * both sides. Ni's K edge is 8332.8 eV. */
  struct { const double *e; guint n; double below, above; } cases[] = {
    /* a dense 1 eV scan, 8233 to 8533 eV: never 8332:8333 */
    { NULL, 301, 8312, 8383 },
    /* the SSRL pair hugs the edge: kept */
    { (const double[]) { 8324, 8354 }, 2, 8324, 8354 },
    /* one side only clear of the near-edge region: the nearest pair, not a lopsided one */
    { (const double[]) { 8200, 8330, 8340 }, 3, 8330, 8340 },
    { (const double[]) { 8330, 8340, 8400 }, 3, 8330, 8340 },
    /* 8100 eV is 233 eV below the edge: too far to count */
    { (const double[]) { 8100, 8330, 8340, 8400 }, 4, 8330, 8340 },
    { (const double[]) { 8140, 8330, 8340, 8400 }, 4, 8140, 8400 },
    /* 8933 eV is 600.2 eV above: too far */
    { (const double[]) { 8300, 8330, 8340, 8933 }, 4, 8330, 8340 },
    { (const double[]) { 8300, 8330, 8340, 8932 }, 4, 8300, 8932 },
    /* the ends of the region count as outside it */
    { (const double[]) { 8312.8, 8313, 8382, 8382.8 }, 4, 8312.8, 8382.8 },
  };
  double dense[301];
  for (guint k = 0; k < G_N_ELEMENTS (dense); k++)
    dense[k] = 8233 + k;
  cases[0].e = dense;
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      params_for (&p, EVOX_ELEMENTS_PAIR, ni);
      g_assert_true (evox_elements_find_pairs (cases[c].e, cases[c].n, &p, &error));
      g_assert_no_error (error);
      g_test_message ("case %u: %g:%g", c, p.below[0], p.above[0]);
      g_assert_cmpfloat (p.below[0], ==, cases[c].below);
      g_assert_cmpfloat (p.above[0], ==, cases[c].above);
      evox_elements_params_clear (&p);
    }

  /* the XANES phantom's 65 energies: the Mn and Co pairs hug their edges and are kept; Ni's
   * scan gives the settled pair */
  EvoxXanesPhantomParams pp;
  guint n_phantom;
  evox_xanes_phantom_params_init (&pp);
  g_autofree double *phantom = evox_xanes_phantom_energies (&pp, &n_phantom);
  g_assert_cmpuint (n_phantom, ==, 65);
  params_for (&p, EVOX_ELEMENTS_PAIR, mcn);
  g_assert_true (evox_elements_find_pairs (phantom, n_phantom, &p, &error));
  const double want_phantom[3][2] = { { 6534, 6558 }, { 7704, 7728 }, { 8297, 8393 } };
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpfloat (p.below[i], ==, want_phantom[i][0]);
      g_assert_cmpfloat (p.above[i], ==, want_phantom[i][1]);
    }
  evox_elements_params_clear (&p);

  /* an energy in another listed edge's near-edge region is not settled: edges given as 8333
   * and 8450 eV, whose region starts at 8430 eV */
  const char *two[] = { "8333", "8450", NULL };
  const double near_other[] = { 8290, 8320, 8340, 8440, 8460, 8520 };
  params_for (&p, EVOX_ELEMENTS_PAIR, two);
  g_assert_true (evox_elements_find_pairs (near_other, G_N_ELEMENTS (near_other), &p, &error));
  g_assert_cmpfloat (p.below[0], ==, 8320);
  g_assert_cmpfloat (p.above[0], ==, 8340);
  evox_elements_params_clear (&p);
  const double clear_other[] = { 8290, 8320, 8340, 8400, 8440, 8460, 8520 };
  params_for (&p, EVOX_ELEMENTS_PAIR, two);
  g_assert_true (evox_elements_find_pairs (clear_other, G_N_ELEMENTS (clear_other), &p, &error));
  g_assert_cmpfloat (p.below[0], ==, 8290);
  g_assert_cmpfloat (p.above[0], ==, 8400);
  /* 8450's own: 8400 (50 eV below, the highest at or below 8430) and 8520 (70 above) */
  g_assert_cmpfloat (p.below[1], ==, 8400);
  g_assert_cmpfloat (p.above[1], ==, 8520);
  evox_elements_params_clear (&p);
}

/* An f32 stack of nx x ny x nz voxels, one channel per energy, with the values' meaning. */
static EvoxVolume *
new_stack (gsize         nx,
           gsize         ny,
           gsize         nz,
           const double *energies,
           guint         n,
           const char   *quantity,
           const char   *unit)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *v = evox_volume_new (nx, ny, nz, n, EVOX_SAMPLE_F32, &error);

  g_assert_no_error (error);
  for (guint c = 0; c < n; c++)
    {
      g_autofree char *label = g_strdup_printf ("%.1f eV", energies[c]);
      evox_volume_set_channel_info (v, c, label, energies[c]);
    }
  evox_volume_set_values (v, EVOX_SCALE_LINEAR, quantity, unit);
  return v;
}

/* The 2D phantom: 12 x 12 pixels of areal mass (ug/cm^2) of Mn, Co, Ni and O. Columns 0-3 an
 * NMC811-like particle, 4-7 NMC111-like, 8-11 empty above row 6 and NiO-like below; the
 * thickness grows down the rows from 0.3 to 1. */
#define PX 12
static void
phantom_2d (gsize  x,
            gsize  y,
            double m[N_COMP])
{
  static const double nmc811[N_COMP] = { 95, 100, 790, 530 };
  static const double nmc111[N_COMP] = { 310, 330, 330, 570 };
  static const double nio[N_COMP] = { 0, 0, 780, 210 };
  const double *r = x < 4 ? nmc811 : x < 8 ? nmc111 : y >= 6 ? nio : NULL;
  double t = 0.3 + 0.7 * y / (PX - 1.0);

  for (guint c = 0; c < N_COMP; c++)
    m[c] = r ? r[c] * t : 0;
}

/* OD of the phantom at the six energies from the table: OD = sum m (ug/cm^2) 1e-6 mu/rho. */
static EvoxVolume *
phantom_2d_stack (guint n_comp)
{
  EvoxVolume *v = new_stack (PX, PX, 1, six, 6, "optical density", "");

  for (guint j = 0; j < 6; j++)
    {
      float *d = evox_volume_get_data_mut (v, j);
      for (gsize y = 0; y < PX; y++)
        for (gsize x = 0; x < PX; x++)
          {
            double m[N_COMP], od = 0;
            phantom_2d (x, y, m);
            for (guint c = 0; c < n_comp; c++)
              od += m[c] * 1e-6 * mu_six[c][j];
            d[y * PX + x] = od;
          }
    }
  return v;
}

static void
test_phantom_2d (void)
{
  const char *mcn[] = { "Mn", "Co", "Ni", NULL };
  g_autoptr(EvoxVolume) stack = phantom_2d_stack (N_COMP);
  g_autoptr(GError) error = NULL;
  EvoxElementsParams p;

  /* the fit with an O matrix recovers every amount within 2 % where it is above 10 % of its
   * maximum, and the residual is float rounding */
  params_for (&p, EVOX_ELEMENTS_FIT, mcn);
  p.matrix = g_strdup ("O");
  g_autoptr(EvoxVolume) fit = evox_elements_maps (stack, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_elements_params_clear (&p);
  g_assert_cmpuint (evox_volume_get_n_channels (fit), ==, 5);
  /* no energy lies in a near-edge region that the stack also brackets farther out: all six */
  g_assert_cmpstr (evox_volume_get_metadata (fit, "elements_fit_energies"), ==,
                   "6534,6558,7704,7728,8178,8570");
  g_assert_null (evox_volume_get_metadata (fit, "elements_fit_edge_tails"));
  /* the edges as evox_edge_parse reads them back (a session computes the maps again from them) */
  g_assert_cmpstr (evox_volume_get_metadata (fit, "elements_edges"), ==, "Mn_K,Co_K,Ni_K");
  const char *labels[] = { "Mn", "Co", "Ni", "matrix", "residual" };
  for (guint c = 0; c < 5; c++)
    g_assert_cmpstr (evox_volume_get_channel_label (fit, c), ==, labels[c]);
  g_assert_cmpstr (evox_volume_get_channel_quantity (fit, 2), ==, "areal mass");
  g_assert_cmpstr (evox_volume_get_channel_unit (fit, 2), ==, "ug/cm^2");
  g_assert_cmpstr (evox_volume_get_channel_quantity (fit, 4), ==, "optical density");
  gsize dims[3];
  evox_volume_get_dims (fit, dims);
  g_assert_cmpuint (dims[0], ==, PX);
  g_assert_cmpuint (dims[2], ==, 1);

  double max[N_COMP] = { 0 };
  for (gsize y = 0; y < PX; y++)
    for (gsize x = 0; x < PX; x++)
      {
        double m[N_COMP];
        phantom_2d (x, y, m);
        for (guint c = 0; c < N_COMP; c++)
          max[c] = MAX (max[c], m[c]);
      }
  guint checked = 0;
  double worst = 0;
  for (gsize y = 0; y < PX; y++)
    for (gsize x = 0; x < PX; x++)
      {
        double m[N_COMP];
        phantom_2d (x, y, m);
        for (guint c = 0; c < N_COMP; c++)
          {
            double got = evox_volume_get_value (fit, c, x, y, 0);
            if (m[c] > 0.1 * max[c])
              {
                assert_close (got, m[c], 0.02, 0);
                worst = MAX (worst, fabs (got - m[c]) / m[c]);
                checked++;
              }
            else
              assert_close (got, m[c], 0, 0.02 * max[c]);
          }
        g_assert_cmpfloat (evox_volume_get_value (fit, 4, x, y, 0), <, 1e-6);
      }
  g_test_message ("fit: %u amounts checked, worst relative error %.2g", checked, worst);
  g_assert_cmpuint (checked, >, 300);

  /* the pair method on the same phantom: the OD difference of Ni's pair also holds the fall of
   * Mn's, Co's and O's smooth absorption between 8178 and 8570 eV, so the map is
   *   m_Ni + sum_other m_j (mu_j(8570) - mu_j(8178)) / (mu_Ni(8570) - mu_Ni(8178)),
   * and likewise for Mn and Co with their pairs (from the table) */
  params_for (&p, EVOX_ELEMENTS_PAIR, mcn);
  g_autoptr(EvoxVolume) pair = evox_elements_maps (stack, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_elements_params_clear (&p);
  g_assert_cmpuint (evox_volume_get_n_channels (pair), ==, 3);
  g_assert_cmpstr (evox_volume_get_metadata (pair, "elements_pair_Ni"), ==, "8178:8570");
  const guint below[3] = { 0, 2, 4 }, above[3] = { 1, 3, 5 };
  double ni111_ratio = 0;
  for (gsize y = 0; y < PX; y++)
    for (gsize x = 0; x < PX; x++)
      {
        double m[N_COMP];
        phantom_2d (x, y, m);
        for (guint e = 0; e < 3; e++)
          {
            double jump = mu_six[e][above[e]] - mu_six[e][below[e]], want = 0;
            for (guint c = 0; c < N_COMP; c++)
              want += m[c] * (mu_six[c][above[e]] - mu_six[c][below[e]]) / jump;
            assert_close (evox_volume_get_value (pair, e, x, y, 0), want, 1e-4, 1e-3);
          }
        if (x == 5 && y == PX - 1)
          ni111_ratio = evox_volume_get_value (pair, NI, x, y, 0) / m[NI];
      }
  /* where there is no Mn (the NiO region) Ni's and O's falling absorption make the Mn map
   * negative, and it is kept so */
  g_assert_cmpfloat (evox_volume_get_value (pair, MN, 10, PX - 1, 0), <, -0.5);
  /* in the NMC111 particle the pair method misses a quarter of the Ni */
  g_test_message ("pair method, NMC111: Ni map / Ni present = %.3f", ni111_ratio);
  g_assert_cmpfloat (ni111_ratio, <, 0.8);

  /* without the matrix and the other elements the pair method is exact */
  g_autoptr(EvoxVolume) ni_only = new_stack (PX, PX, 1, six, 6, "optical density", "");
  for (guint j = 0; j < 6; j++)
    {
      float *d = evox_volume_get_data_mut (ni_only, j);
      for (gsize v = 0; v < PX * PX; v++)
        {
          double m[N_COMP];
          phantom_2d (v % PX, v / PX, m);
          d[v] = m[NI] * 1e-6 * mu_six[NI][j];
        }
    }
  const char *ni[] = { "Ni", NULL };
  params_for (&p, EVOX_ELEMENTS_PAIR, ni);
  g_autoptr(EvoxVolume) exact = evox_elements_maps (ni_only, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  for (gsize v = 0; v < PX * PX; v++)
    {
      double m[N_COMP];
      phantom_2d (v % PX, v / PX, m);
      assert_close (evox_volume_get_value (exact, 0, v % PX, v / PX, 0), m[NI], 1e-5, 1e-3);
    }
}

/* Least squares on the columns in `set` by the normal equations in long double (Gauss-Jordan
 * with partial pivoting); FALSE when singular. */
static gboolean
ls_subset (const double a[][N_COMP],
           const double *b,
           guint         n,
           const guint  *set,
           guint         k,
           double       *x)
{
  long double g[N_COMP][N_COMP + 1] = { { 0 } };
  for (guint r = 0; r < k; r++)
    {
      for (guint c = 0; c < k; c++)
        for (guint j = 0; j < n; j++)
          g[r][c] += (long double) a[j][set[r]] * a[j][set[c]];
      for (guint j = 0; j < n; j++)
        g[r][k] += (long double) a[j][set[r]] * b[j];
    }
  for (guint c = 0; c < k; c++)
    {
      guint piv = c;
      for (guint r = c + 1; r < k; r++)
        if (fabsl (g[r][c]) > fabsl (g[piv][c]))
          piv = r;
      if (fabsl (g[piv][c]) < 1e-30L)
        return FALSE;
      for (guint q = 0; q <= k; q++)
        {
          long double t = g[c][q];
          g[c][q] = g[piv][q];
          g[piv][q] = t;
        }
      for (guint r = 0; r < k; r++)
        if (r != c)
          {
            long double f = g[r][c] / g[c][c];
            for (guint q = c; q <= k; q++)
              g[r][q] -= f * g[c][q];
          }
    }
  for (guint r = 0; r < k; r++)
    x[r] = (double) (g[r][k] / g[r][r]);
  return TRUE;
}

/* NNLS by brute force: the least-squares solution on every subset of the columns, the best of
 * those that come out non-negative (the NNLS optimum is one of them). */
static double
nnls_brute (const double a[][N_COMP],
            const double *b,
            guint         n,
            guint         k,
            double       *best)
{
  double best_rss = INFINITY;
  for (guint mask = 0; mask < (1u << k); mask++)
    {
      guint set[N_COMP], m = 0;
      double xs[N_COMP], x[N_COMP] = { 0 };
      for (guint i = 0; i < k; i++)
        if (mask & (1u << i))
          set[m++] = i;
      if (m > 0 && !ls_subset (a, b, n, set, m, xs))
        continue;
      gboolean ok = TRUE;
      for (guint i = 0; i < m; i++)
        {
          ok = ok && xs[i] >= 0;
          x[set[i]] = xs[i];
        }
      if (!ok)
        continue;
      double rss = 0;
      for (guint j = 0; j < n; j++)
        {
          double r = b[j];
          for (guint i = 0; i < k; i++)
            r -= a[j][i] * x[i];
          rss += r * r;
        }
      if (rss < best_rss)
        {
          best_rss = rss;
          memcpy (best, x, sizeof x);
        }
    }
  return best_rss;
}

/* Spectra whose unconstrained least-squares answer has negative amounts (a noisy OD, an element
 * absent, an OD that falls where absorption would rise): the fit equals brute-force NNLS, and the
 * residual channel its RMS. */
static void
test_fit_nnls (void)
{
  const char *mcn[] = { "Mn", "Co", "Ni", NULL };
  const guint nvox = 64;
  g_autoptr(EvoxVolume) stack = new_stack (nvox, 1, 1, six, 6, "optical density", "");
  guint64 rng = 14;
  g_autofree double *truth = g_new (double, nvox * 6);

  for (guint v = 0; v < nvox; v++)
    {
      double m[N_COMP];
      for (guint c = 0; c < N_COMP; c++)
        m[c] = (evox_test_uniform (&rng) < 0.3 ? 0 : 400 * evox_test_uniform (&rng));
      for (guint j = 0; j < 6; j++)
        {
          double od = 0;
          for (guint c = 0; c < N_COMP; c++)
            od += m[c] * 1e-6 * mu_six[c][j];
          od += 0.02 * (evox_test_uniform (&rng) - 0.5);
          float *d = evox_volume_get_data_mut (stack, j);
          d[v] = od;
          truth[v * 6 + j] = d[v];   /* what the stack holds, as float */
        }
    }
  EvoxElementsParams p;
  g_autoptr(GError) error = NULL;
  params_for (&p, EVOX_ELEMENTS_FIT, mcn);
  p.matrix = g_strdup ("O");
  g_autoptr(EvoxVolume) fit = evox_elements_maps (stack, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_elements_params_clear (&p);

  /* the design in ug/cm^2 -> OD */
  double a[6][N_COMP];
  for (guint j = 0; j < 6; j++)
    for (guint c = 0; c < N_COMP; c++)
      a[j][c] = mu_six[c][j] * 1e-6;
  guint clamped = 0;
  for (guint v = 0; v < nvox; v++)
    {
      double x[N_COMP];
      double rss = nnls_brute (a, truth + v * 6, 6, N_COMP, x);
      for (guint c = 0; c < N_COMP; c++)
        {
          assert_close (evox_volume_get_value (fit, c, v, 0, 0), x[c], 1e-4, 1e-2);
          clamped += x[c] == 0;
        }
      assert_close (evox_volume_get_value (fit, N_COMP, v, 0, 0), sqrt (rss / 6), 1e-3, 1e-7);
    }
  g_test_message ("%u of %u amounts at the bound", clamped, nvox * N_COMP);
  g_assert_cmpuint (clamped, >, 20);
}

/* A 3D phantom of linear attenuation: 8 x 8 x 4 voxels of 50 nm; densities in g/cm^3 of Mn,
 * Co, Ni and O; mu (1/cm) = sum rho mu/rho, stored in 1/um and in 1/voxel. */
static void
phantom_3d (gsize  x,
            gsize  y,
            gsize  z,
            double rho[N_COMP])
{
  static const double a[N_COMP] = { 0.28, 0.30, 2.30, 1.60 };
  static const double b[N_COMP] = { 0.95, 1.00, 1.00, 1.70 };
  const double *r = x < 4 ? a : y < 4 ? b : NULL;
  double t = 0.4 + 0.2 * z;

  for (guint c = 0; c < N_COMP; c++)
    rho[c] = r ? r[c] * t : 0;
}

static EvoxVolume *
phantom_3d_stack (const char *unit,
                  double      per_cm,
                  guint       n_comp)
{
  EvoxVolume *v = new_stack (8, 8, 4, six, 6, "linear attenuation", unit);
  const double spacing[3] = { 50, 50, 50 };

  evox_volume_set_spacing (v, spacing);
  evox_volume_set_spacing_known (v, TRUE);
  for (guint j = 0; j < 6; j++)
    {
      float *d = evox_volume_get_data_mut (v, j);
      for (gsize i = 0; i < 8 * 8 * 4; i++)
        {
          double rho[N_COMP], mu = 0;
          phantom_3d (i % 8, i / 8 % 8, i / 64, rho);
          for (guint c = 0; c < n_comp; c++)
            mu += rho[c] * mu_six[c][j];
          d[i] = mu / per_cm;
        }
    }
  return v;
}

static void
test_phantom_3d (void)
{
  const char *mcn[] = { "Mn", "Co", "Ni", NULL };
  const char *ni[] = { "Ni", NULL };
  /* 1 um = 1e-4 cm; one voxel = 50 nm = 5e-6 cm */
  struct { const char *unit; double per_cm; } units[] = { { "1/um", 1e4 }, { "1/voxel", 2e5 } };

  for (guint u = 0; u < G_N_ELEMENTS (units); u++)
    {
      g_autoptr(EvoxVolume) stack = phantom_3d_stack (units[u].unit, units[u].per_cm, N_COMP);
      g_autoptr(GError) error = NULL;
      EvoxElementsParams p;

      params_for (&p, EVOX_ELEMENTS_FIT, mcn);
      p.matrix = g_strdup ("O");
      g_autoptr(EvoxVolume) fit = evox_elements_maps (stack, &p, NULL, NULL, &error);
      g_assert_no_error (error);
      evox_elements_params_clear (&p);
      g_assert_cmpstr (evox_volume_get_channel_quantity (fit, 0), ==, "mass density");
      g_assert_cmpstr (evox_volume_get_channel_unit (fit, 0), ==, "g/cm^3");
      g_assert_cmpstr (evox_volume_get_channel_unit (fit, 4), ==, units[u].unit);
      double spacing[3];
      evox_volume_get_spacing (fit, spacing);
      g_assert_cmpfloat (spacing[0], ==, 50);
      for (gsize i = 0; i < 8 * 8 * 4; i++)
        {
          double rho[N_COMP];
          phantom_3d (i % 8, i / 8 % 8, i / 64, rho);
          for (guint c = 0; c < N_COMP; c++)
            assert_close (evox_volume_get_value (fit, c, i % 8, i / 8 % 8, i / 64), rho[c], 0.02,
                          1e-3);
        }

      /* Ni alone: the pair method is exact */
      g_autoptr(EvoxVolume) ni_stack = phantom_3d_stack (units[u].unit, units[u].per_cm, 0);
      for (guint j = 0; j < 6; j++)
        {
          float *d = evox_volume_get_data_mut (ni_stack, j);
          for (gsize i = 0; i < 8 * 8 * 4; i++)
            {
              double rho[N_COMP];
              phantom_3d (i % 8, i / 8 % 8, i / 64, rho);
              d[i] = rho[NI] * mu_six[NI][j] / units[u].per_cm;
            }
        }
      params_for (&p, EVOX_ELEMENTS_PAIR, ni);
      g_autoptr(EvoxVolume) pair = evox_elements_maps (ni_stack, &p, NULL, NULL, &error);
      g_assert_no_error (error);
      for (gsize i = 0; i < 8 * 8 * 4; i++)
        {
          double rho[N_COMP];
          phantom_3d (i % 8, i / 8 % 8, i / 64, rho);
          assert_close (evox_volume_get_value (pair, 0, i % 8, i / 8 % 8, i / 64), rho[NI], 1e-5,
                        1e-6);
        }
    }
}

/* NaN where a voxel's input is not finite, the other voxels untouched. */
static void
test_not_finite (void)
{
  const char *mcn[] = { "Mn", "Co", "Ni", NULL };
  g_autoptr(EvoxVolume) stack = phantom_2d_stack (N_COMP);
  float *d = evox_volume_get_data_mut (stack, 5);   /* 8570 eV: only Ni's pair uses it */
  d[PX * PX - 1] = NAN;
  d[PX * PX - 2] = INFINITY;

  for (int method = EVOX_ELEMENTS_PAIR; method <= EVOX_ELEMENTS_FIT; method++)
    {
      EvoxElementsParams p;
      g_autoptr(GError) error = NULL;
      params_for (&p, method, mcn);
      g_autoptr(EvoxVolume) maps = evox_elements_maps (stack, &p, NULL, NULL, &error);
      g_assert_no_error (error);
      for (gsize x = PX - 2; x < PX; x++)
        {
          g_assert_true (isnan (evox_volume_get_value (maps, NI, x, PX - 1, 0)));
          /* the pair method's Mn and Co do not read 8570 eV; the fit reads every energy */
          g_assert_true (!!isnan (evox_volume_get_value (maps, MN, x, PX - 1, 0))
                         == (method == EVOX_ELEMENTS_FIT));
        }
      g_assert_true (isfinite (evox_volume_get_value (maps, NI, PX - 3, PX - 1, 0)));
    }
}

static void
assert_maps_refused (EvoxVolume               *stack,
                     const EvoxElementsParams *p,
                     int                       code,
                     const char               *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) maps = evox_elements_maps (stack, p, NULL, NULL, &error);

  g_assert_null (maps);
  g_assert_error (error, EVOX_ERROR, code);
  if (strstr (error->message, text) == NULL)
    g_error ("'%s' lacks '%s'", error->message, text);
}

static void
test_maps_refusals (void)
{
  const char *mcn[] = { "Mn", "Co", "Ni", NULL };
  const char *ni[] = { "Ni", NULL };
  EvoxElementsParams p;

  /* channels without energies */
  {
    g_autoptr(EvoxVolume) stack = phantom_2d_stack (N_COMP);
    evox_volume_set_channel_info (stack, 3, "plain", NAN);
    params_for (&p, EVOX_ELEMENTS_PAIR, ni);
    assert_maps_refused (stack, &p, EVOX_ERROR_INVALID_DATA, "a spectral stack is needed: channel 4 of 6 (plain) has no energy");
  }
  /* a repeated energy */
  {
    g_autoptr(EvoxVolume) stack = phantom_2d_stack (N_COMP);
    evox_volume_set_channel_info (stack, 3, "again", 7704);
    assert_maps_refused (stack, &p, EVOX_ERROR_INVALID_DATA, "7704 eV is repeated");
  }
  /* too few energies for the unknowns: Mn, Co, Ni and O on three energies */
  {
    g_autoptr(EvoxVolume) stack = new_stack (2, 2, 1, six + 3, 3, "optical density", "");
    params_for (&p, EVOX_ELEMENTS_FIT, mcn);
    p.matrix = g_strdup ("O");
    assert_maps_refused (stack, &p, EVOX_ERROR_ARGUMENT, "4 unknowns");
    evox_elements_params_clear (&p);
  }
  g_autoptr(EvoxVolume) stack = phantom_2d_stack (N_COMP);
  /* no elements, an energy that is no element, an unknown matrix */
  params_for (&p, EVOX_ELEMENTS_PAIR, ni);
  p.n_elements = 0;
  assert_maps_refused (stack, &p, EVOX_ERROR_ARGUMENT, "0 elements");
  const char *bare[] = { "8333", NULL };
  params_for (&p, EVOX_ELEMENTS_FIT, bare);
  assert_maps_refused (stack, &p, EVOX_ERROR_ARGUMENT, "8333.0 eV names no element");
  params_for (&p, EVOX_ELEMENTS_FIT, ni);
  p.matrix = g_strdup ("Qz2");
  assert_maps_refused (stack, &p, EVOX_ERROR_ARGUMENT, "Qz2");
  evox_elements_params_clear (&p);
  /* a pair not in the stack, one that does not bracket the edge, an element without a pair */
  params_for (&p, EVOX_ELEMENTS_PAIR, ni);
  p.below[0] = 8200;
  p.above[0] = 8570;
  assert_maps_refused (stack, &p, EVOX_ERROR_ARGUMENT, "no energy 8200 eV");
  p.below[0] = 7704;
  p.above[0] = 8178;
  assert_maps_refused (stack, &p, EVOX_ERROR_ARGUMENT, "does not bracket Ni K");
  const char *cu[] = { "Cu", NULL };   /* K edge 8979 eV: nothing above it */
  params_for (&p, EVOX_ELEMENTS_PAIR, cu);
  assert_maps_refused (stack, &p, EVOX_ERROR_ARGUMENT, "Cu K");
  /* optical density set with a NULL unit, as the HDF5 reader does, is accepted; channels whose
   * quantities disagree are refused */
  {
    g_autoptr(EvoxVolume) unset = phantom_2d_stack (N_COMP);
    g_autoptr(GError) error = NULL;
    params_for (&p, EVOX_ELEMENTS_PAIR, ni);
    evox_volume_set_values (unset, EVOX_SCALE_LINEAR, "optical density", NULL);
    g_autoptr(EvoxVolume) maps = evox_elements_maps (unset, &p, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (maps);
    evox_volume_set_channel_values (unset, 2, EVOX_SCALE_LINEAR, "linear attenuation", "1/um");
    assert_maps_refused (unset, &p, EVOX_ERROR_INVALID_DATA, "channel 2 (7704.0 eV)");
  }
  /* values that are neither optical density nor linear attenuation in a known unit */
  params_for (&p, EVOX_ELEMENTS_PAIR, ni);
  evox_volume_set_values (stack, EVOX_SCALE_LINEAR, "intensity", "counts");
  assert_maps_refused (stack, &p, EVOX_ERROR_INVALID_DATA, "intensity (counts)");
  /* a file that says nothing of its values (a TIFF stack): no "the stack holds value" */
  evox_volume_set_values (stack, EVOX_SCALE_LINEAR, NULL, NULL);
  assert_maps_refused (stack, &p, EVOX_ERROR_INVALID_DATA,
                       "elements: the stack holds values of no stated quantity, not optical");
  evox_volume_set_values (stack, EVOX_SCALE_LINEAR, "linear attenuation", "");
  assert_maps_refused (stack, &p, EVOX_ERROR_INVALID_DATA, "1/voxel");
  evox_volume_set_values (stack, EVOX_SCALE_LINEAR, "linear attenuation", "1/voxel");
  evox_volume_set_spacing_known (stack, FALSE);
  assert_maps_refused (stack, &p, EVOX_ERROR_INVALID_DATA, "voxel size");
  /* per voxel with x and y sizes apart: per which is not known; z may differ (the slices'
   * spacing is not the projections' pixel) */
  evox_volume_set_spacing_known (stack, TRUE);
  evox_volume_set_spacing (stack, (const double[]) { 50, 60, 50 });
  assert_maps_refused (stack, &p, EVOX_ERROR_INVALID_DATA, "50 nm in x and 60 nm in y");
  evox_volume_set_spacing (stack, (const double[]) { 50, 50, 80 });
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(EvoxVolume) maps = evox_elements_maps (stack, &p, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (maps);
  }
}

static void
test_cancelled (void)
{
  const char *mcn[] = { "Mn", "Co", "Ni", NULL };
  g_autoptr(EvoxVolume) stack = phantom_2d_stack (N_COMP);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  EvoxElementsParams p;

  g_cancellable_cancel (cancel);
  for (int method = EVOX_ELEMENTS_PAIR; method <= EVOX_ELEMENTS_FIT; method++)
    {
      params_for (&p, method, mcn);
      g_assert_null (evox_elements_maps (stack, &p, NULL, cancel, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
    }
}

/* The real SSRL pair, 8324 and 8354 eV around the Ni K edge (8332.8 eV in xraylib): the Ni map
 * is finite everywhere, and positive on average where the sample absorbs most (the 10 % of
 * pixels with the highest OD at 8354 eV). */
static int
compare_float (gconstpointer a,
               gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

static void
test_ssrl_real (void)
{
  g_autofree char *script = evox_test_data_path ("xrm/ssrl/20161456_ssrl-test-data_XANES.txt");
  if (script == NULL)
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) stack = evox_volume_load (script, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_volume_get_n_channels (stack), ==, 2);

  const char *ni[] = { "Ni", NULL };
  EvoxElementsParams p;
  params_for (&p, EVOX_ELEMENTS_PAIR, ni);
  g_autoptr(EvoxVolume) maps = evox_elements_maps (stack, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (evox_volume_get_metadata (maps, "elements_pair_Ni"), ==, "8324:8354");

  gsize nv = evox_volume_get_n_voxels (maps);
  const float *m = evox_volume_get_data (maps, 0);
  const float *od = evox_volume_get_data (stack, 1);
  g_autofree float *sorted = g_memdup2 (od, nv * sizeof (float));
  qsort (sorted, nv, sizeof (float), compare_float);
  float cut = sorted[nv * 9 / 10];
  double sum = 0, all = 0;
  gsize count = 0;
  for (gsize v = 0; v < nv; v++)
    {
      g_assert_true (isfinite (m[v]));
      all += m[v];
      if (od[v] >= cut)
        sum += m[v], count++;
    }
  g_test_message ("SSRL Ni pair map: mean %.1f ug/cm^2 over all %" G_GSIZE_FORMAT " pixels, "
                  "%.1f over the %" G_GSIZE_FORMAT " with OD(8354 eV) >= %.3f", all / nv, nv,
                  sum / count, count, cut);
  g_assert_cmpfloat (sum / count, >, 0);
}

/* The guesses, against xraylib's K edges (Python binding EdgeEnergy x 1000: Cr 5989.2, Mn 6539.0,
 * Fe 7112.0, Co 7708.9, Ni 8332.8, Cu 8978.9 eV): the six DESIGN energies bracket Mn, Co and Ni
 * closely; Cr (no energy below), Fe (6558 eV is 554 eV below) and Cu (8570 eV is 409 eV below) are
 * left out. */
static void
test_guess (void)
{
  const double six[] = { 8570, 6534, 6558, 7704, 7728, 8178 };
  const double ssrl[] = { 8324, 8354 };
  const double soft[] = { 1000, 1500, 2000 };
  double scan[61];
  EvoxElementsParams params;
  EvoxEdge edge;

  evox_elements_params_init (&params);
  g_assert_cmpuint (evox_elements_guess (six, G_N_ELEMENTS (six), &params), ==, 3);
  g_assert_cmpint (params.edges[0].z, ==, 25);
  g_assert_cmpint (params.edges[1].z, ==, 27);
  g_assert_cmpint (params.edges[2].z, ==, 28);
  g_assert_true (isnan (params.below[2]) && isnan (params.above[2]));
  g_assert_true (evox_elements_find_pairs (six, G_N_ELEMENTS (six), &params, NULL));
  g_assert_cmpfloat (params.below[2], ==, 8178);

  g_assert_cmpuint (evox_elements_guess (ssrl, 2, &params), ==, 1);
  g_assert_cmpint (params.edges[0].z, ==, 28);
  g_assert_cmpuint (evox_elements_guess (soft, 3, &params), ==, 0);
  evox_elements_params_clear (&params);

  for (guint k = 0; k < G_N_ELEMENTS (scan); k++)
    scan[k] = 8233 + 5.0 * k;
  g_assert_true (evox_edge_guess (scan, G_N_ELEMENTS (scan), &edge));
  g_assert_cmpint (edge.z, ==, 28);
  g_assert_cmpint (edge.shell, ==, EVOX_EDGE_K);
  g_assert_cmpfloat_with_epsilon (edge.energy, 8332.8, 0.05);
  /* Mn and Co both have two energies within 50 eV: the lower Z wins */
  g_assert_true (evox_edge_guess (six, G_N_ELEMENTS (six), &edge));
  g_assert_cmpint (edge.z, ==, 25);
  g_assert_false (evox_edge_guess (soft, 3, &edge));
  g_assert_false (evox_edge_guess (ssrl, 0, &edge));
}

/* The XANES phantom (src/analysis/evox-xanes-phantom.c) of nx x nx x nz voxels, its truth in
 * *truth (channels Mn, Co, Ni, O in the order of N_COMP's, then e0). */
static EvoxVolume *
xanes_phantom (guint        nx,
               guint        nz,
               double       noise,
               EvoxVolume **truth)
{
  static const char *const labels[N_COMP] = { "Mn", "Co", "Ni", "O" };
  EvoxXanesPhantomParams pp;
  g_autoptr(GError) error = NULL;

  evox_xanes_phantom_params_init (&pp);
  pp.nx = pp.ny = nx;
  pp.nz = nz;
  pp.noise = noise;
  EvoxVolume *stack = evox_xanes_phantom_new (&pp, truth, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < N_COMP; c++)
    g_assert_cmpstr (evox_volume_get_channel_label (*truth, c), ==, labels[c]);
  return stack;
}

/* Channel c of maps against the truth's: the worst and RMS relative error where the truth is
 * above 10 % of its maximum, the worst absolute error elsewhere over that maximum, and the
 * worst relative error of the mean over a particle (voxels of one Ni amount: the six particles'
 * differ). */
typedef struct
{
  double worst, rms, worst_abs, worst_particle;
} MapError;

static MapError
compare_with_truth (EvoxVolume *maps,
                    guint       channel,
                    EvoxVolume *truth,
                    guint       c)
{
  gsize nv = evox_volume_get_n_voxels (truth);
  const float *t = evox_volume_get_data (truth, c);
  const float *ni = evox_volume_get_data (truth, NI);
  const float *m = evox_volume_get_data (maps, channel);
  float keys[8] = { 0 };
  double sum_t[8] = { 0 }, sum_m[8] = { 0 };
  guint n_keys = 0;
  double max = 0, sum2 = 0;
  gsize count = 0;
  MapError err = { 0 };

  for (gsize v = 0; v < nv; v++)
    max = MAX (max, t[v]);
  for (gsize v = 0; v < nv; v++)
    {
      if (t[v] > 0.1 * max)
        {
          double r = (m[v] - t[v]) / t[v];
          err.worst = MAX (err.worst, fabs (r));
          sum2 += r * r;
          count++;
        }
      else
        err.worst_abs = MAX (err.worst_abs, fabs (m[v] - t[v]) / max);
      if (ni[v] > 0)
        {
          guint key = 0;
          while (key < n_keys && keys[key] != ni[v])
            key++;
          g_assert_cmpuint (key, <, G_N_ELEMENTS (keys));
          if (key == n_keys)
            keys[n_keys++] = ni[v];
          sum_t[key] += t[v];
          sum_m[key] += m[v];
        }
    }
  g_assert_cmpuint (count, >, 0);
  g_assert_cmpuint (n_keys, ==, 6);
  err.rms = sqrt (sum2 / count);
  for (guint key = 0; key < n_keys; key++)
    if (sum_t[key] > 0)
      err.worst_particle = MAX (err.worst_particle, fabs (sum_m[key] / sum_t[key] - 1));
  return err;
}

/* The pair method's theory on the XANES phantom: the map of element X from its pair b:a is
 *   sum_j m_j (mu_j(a) - mu_j(b)) / (mu_X(a) - mu_X(b)),
 * mu_X from xraylib in the denominator, and in the numerator each element's mu/rho as the phantom
 * makes it (Ni's as XANES at the voxel's E0). Coefficients printed by
 * tests/elements-pair-theory.py (Python; xraylib 4.0.0's libxrl.so.11 through ctypes and the
 * phantom's Ni model written again from the README's formula, "The XANES demo"). Rows Mn
 * (6534:6558), Co (7704:7728), Ni (8297:8393); columns Mn, Co, Ni, O; first at the Ni3+ E0
 * (8345 eV), then at the Ni2+ one (8342.5 eV): only Ni's own coefficient differs. Ni's own
 * 0.973 is the arctan edge's tails (1.3 % of the jump still missing 48 eV from E0, on both sides);
 * the negative rest is the others' absorption falling between the pair's energies. */
static const double pair_theory[2][3][N_COMP] = {
  { { 1, -0.001901936728, -0.002211029352, -0.0006029864964 },
    { -0.007705503096, 1, -0.001517203719, -0.0003972443323 },
    { -0.02639702912, -0.03009309278, 0.9729802043, -0.001272570797 } },
  { { 1, -0.001901936728, -0.002211029352, -0.0006029864964 },
    { -0.007705503096, 1, -0.001517203719, -0.0003972443323 },
    { -0.02639702912, -0.03009309278, 0.9728872652, -0.001272570797 } },
};

/* The fit and the pair method on the XANES phantom: 2D at its default size and a small 3D one,
 * without noise and at the default noise. */
static void
test_xanes_phantom (void)
{
  const char *mcn[] = { "Mn", "Co", "Ni", NULL };
  const char *names[] = { "Mn", "Co", "Ni", "O" };
  struct { guint nx, nz; double noise; } cases[] = {
    { 256, 1, 0 }, { 256, 1, 0.01 }, { 24, 24, 0 }, { 24, 24, 0.01 } };
  /* Ni's near-edge energies (8313 to 8373 eV: 8332.8 - 20 to + 50 eV) are left out */
  const char *fit_energies = "6534,6558,7704,7728,8233,8249,8265,8281,8297,8393,8413,8433,"
                             "8453,8473,8493,8513,8533";

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      gboolean clean = cases[k].noise == 0;
      g_autoptr(EvoxVolume) truth = NULL;
      g_autoptr(EvoxVolume) stack = xanes_phantom (cases[k].nx, cases[k].nz, cases[k].noise,
                                                   &truth);
      g_autoptr(GError) error = NULL;
      EvoxElementsParams p;

      g_test_message ("%ux%ux%u, noise %g", cases[k].nx, cases[k].nx, cases[k].nz,
                      cases[k].noise);
      params_for (&p, EVOX_ELEMENTS_FIT, mcn);
      p.matrix = g_strdup ("O");
      g_autoptr(EvoxVolume) fit = evox_elements_maps (stack, &p, NULL, NULL, &error);
      g_assert_no_error (error);
      evox_elements_params_clear (&p);
      g_assert_cmpstr (evox_volume_get_metadata (fit, "elements_fit_energies"), ==, fit_energies);
      g_assert_cmpstr (evox_volume_get_metadata (fit, "elements_fit_edge_tails"), ==, "Ni");
      g_assert_cmpuint (evox_volume_get_n_channels (fit), ==, 5);
      for (guint c = 0; c < N_COMP; c++)
        {
          MapError e = compare_with_truth (fit, c, truth, c);
          g_test_message ("  fit %s: worst %.4f, rms %.4f where above 10 %% of the maximum; "
                          "elsewhere worst %.4f of the maximum; particle means worst %.4f",
                          names[c], e.worst, e.rms, e.worst_abs, e.worst_particle);
          if (clean)
            {
              g_assert_cmpfloat (e.worst, <, 0.02);
              g_assert_cmpfloat (e.worst_abs, <, 0.02);
            }
          else if (c != OX)
            {
              /* noise: each voxel scatters, the particles' means stay within 2 % */
              g_assert_cmpfloat (e.worst_particle, <, 0.02);
            }
        }
      if (clean)
        g_assert_cmpfloat (evox_volume_get_value (fit, 4, 0, 0, 0), <, 1e-6);

      params_for (&p, EVOX_ELEMENTS_PAIR, mcn);
      g_autoptr(EvoxVolume) pair = evox_elements_maps (stack, &p, NULL, NULL, &error);
      g_assert_no_error (error);
      evox_elements_params_clear (&p);
      g_assert_cmpstr (evox_volume_get_metadata (pair, "elements_pair_Mn"), ==, "6534:6558");
      g_assert_cmpstr (evox_volume_get_metadata (pair, "elements_pair_Co"), ==, "7704:7728");
      g_assert_cmpstr (evox_volume_get_metadata (pair, "elements_pair_Ni"), ==, "8297:8393");
      for (guint c = 0; c < 3; c++)
        {
          MapError e = compare_with_truth (pair, c, truth, c);
          g_test_message ("  pair %s: worst %.4f, rms %.4f where above 10 %% of the maximum; "
                          "particle means worst %.4f", names[c], e.worst, e.rms,
                          e.worst_particle);
        }
      if (!clean)
        continue;
      /* the pair maps are the theory's, voxel by voxel */
      gsize nv = evox_volume_get_n_voxels (truth);
      const float *e0 = evox_volume_get_data (truth, N_COMP);
      double ratio[3][2] = { { 0 } };
      for (guint c = 0; c < 3; c++)
        {
          const float *m = evox_volume_get_data (pair, c);
          const float *t = evox_volume_get_data (truth, c);
          double max = 0;
          for (gsize v = 0; v < nv; v++)
            max = MAX (max, t[v]);
          for (gsize v = 0; v < nv; v++)
            {
              guint ox = isfinite (e0[v]) && e0[v] < EVOX_XANES_PHANTOM_E0_NI3 - 1;
              double want = 0;
              for (guint j = 0; j < N_COMP; j++)
                want += pair_theory[ox][c][j] * evox_volume_get_value (truth, j, v % cases[k].nx,
                                                                       v / cases[k].nx
                                                                       % cases[k].nx,
                                                                       v / cases[k].nx
                                                                       / cases[k].nx);
              assert_close (m[v], want, 1e-4, 1e-5 * max);
              if (t[v] == max && e0[v] == EVOX_XANES_PHANTOM_E0_NI3)
                ratio[c][0] = m[v] / t[v];
            }
          g_test_message ("  pair %s where the truth is largest: map / truth %.4f", names[c],
                          ratio[c][0]);
        }
    }
}

/* The fit reads only the energies it uses: a NaN at a left-out near-edge energy leaves the maps
 * finite, one at a used energy makes the voxel NaN. */
static void
test_fit_left_out_not_finite (void)
{
  const char *mcn[] = { "Mn", "Co", "Ni", NULL };
  g_autoptr(EvoxVolume) truth = NULL;
  g_autoptr(EvoxVolume) phantom = xanes_phantom (16, 1, 0, &truth);
  guint n = evox_volume_get_n_channels (phantom);
  g_autofree double *energies = g_new (double, n);
  g_autoptr(GError) error = NULL;

  for (guint c = 0; c < n; c++)
    energies[c] = evox_volume_get_channel_energy (phantom, c);
  g_autoptr(EvoxVolume) stack = new_stack (16, 16, 1, energies, n, "optical density", "");
  for (guint c = 0; c < n; c++)
    {
      memcpy (evox_volume_get_data_mut (stack, c), evox_volume_get_data (phantom, c),
              16 * 16 * sizeof (float));
      if (energies[c] == 8340)   /* left out */
        ((float *) evox_volume_get_data_mut (stack, c))[0] = NAN;
      if (energies[c] == 8297)   /* used */
        ((float *) evox_volume_get_data_mut (stack, c))[1] = NAN;
    }
  EvoxElementsParams p;
  params_for (&p, EVOX_ELEMENTS_FIT, mcn);
  g_autoptr(EvoxVolume) fit = evox_elements_maps (stack, &p, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < 4; c++)
    {
      g_assert_true (isfinite (evox_volume_get_value (fit, c, 0, 0, 0)));
      g_assert_true (isnan (evox_volume_get_value (fit, c, 1, 0, 0)));
    }
}

/* The fit's refusals when too few energies remain, and the edge it cannot see. */
static void
test_fit_refusals (void)
{
  const char *co_ni[] = { "Co", "Ni", NULL };
  EvoxElementsParams p;

  /* Ni's near-edge 8320 and 8340 eV are left out (8297 and 8393 bracket it farther out): two
   * energies for three unknowns */
  const double scan[] = { 8297, 8320, 8340, 8393 };
  g_autoptr(EvoxVolume) few = new_stack (2, 2, 1, scan, G_N_ELEMENTS (scan),
                                         "optical density", "");
  params_for (&p, EVOX_ELEMENTS_FIT, co_ni);
  p.matrix = g_strdup ("O");
  assert_maps_refused (few, &p, EVOX_ERROR_ARGUMENT, "2 of its 4 energies outside the near-edge");
  evox_elements_params_clear (&p);

  /* enough energies, but none below Co's edge */
  const double more[] = { 8233, 8297, 8320, 8340, 8393, 8433 };
  g_autoptr(EvoxVolume) nobelow = new_stack (2, 2, 1, more, G_N_ELEMENTS (more),
                                             "optical density", "");
  params_for (&p, EVOX_ELEMENTS_FIT, co_ni);
  assert_maps_refused (nobelow, &p, EVOX_ERROR_ARGUMENT, "do not bracket Co K");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Elements/edges", test_edges);
  g_test_add_func ("/Evox/Elements/cross-sections", test_cross_sections);
  g_test_add_func ("/Evox/Elements/parse-refusals", test_parse_refusals);
  g_test_add_func ("/Evox/Elements/find-pairs", test_find_pairs);
  g_test_add_func ("/Evox/Elements/guess", test_guess);
  g_test_add_func ("/Evox/Elements/phantom-2d", test_phantom_2d);
  g_test_add_func ("/Evox/Elements/fit-nnls", test_fit_nnls);
  g_test_add_func ("/Evox/Elements/phantom-3d", test_phantom_3d);
  g_test_add_func ("/Evox/Elements/not-finite", test_not_finite);
  g_test_add_func ("/Evox/Elements/maps-refusals", test_maps_refusals);
  g_test_add_func ("/Evox/Elements/cancelled", test_cancelled);
  g_test_add_func ("/Evox/Elements/ssrl-real", test_ssrl_real);
  g_test_add_func ("/Evox/Elements/xanes-phantom", test_xanes_phantom);
  g_test_add_func ("/Evox/Elements/fit-refusals", test_fit_refusals);
  g_test_add_func ("/Evox/Elements/fit-left-out-not-finite", test_fit_left_out_not_finite);
  return g_test_run ();
}

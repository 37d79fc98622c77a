/* evox-elements.c: X-ray edges and mass attenuation from xraylib; elemental maps of a spectral
 * stack from edge-jump pairs or a non-negative least-squares fit over every energy. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-elements.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xraylib/xraylib.h>

#include "evox-energy-order.h"
#include "evox-types.h"

/* Voxels gathered per tile: each channel is a contiguous plane, so a tile reads TILE
 * consecutive values of every channel instead of striding across all channels per voxel. */
#define TILE 256

/* xraylib counts in keV, Evox in eV. */
#define KEV(ev) ((ev) / 1000.0)

static const char *const shell_names[] = { "K", "L1", "L2", "L3" };
static const int xrl_shells[] = { K_SHELL, L1_SHELL, L2_SHELL, L3_SHELL };

/* Symbols xraylib knows (Z 1 to 107), read once: xraylib hands out copies to free, Evox hands
 * out constant strings. */
#define MAX_Z 118
static char *symbols[MAX_Z + 1];

static void
load_symbols (void)
{
  static gsize loaded = 0;

  if (g_once_init_enter (&loaded))
    {
      for (int z = 1; z <= MAX_Z; z++)
        {
          xrl_error *xerr = NULL;
          char *s = AtomicNumberToSymbol (z, &xerr);
          if (s != NULL && xerr == NULL)
            symbols[z] = g_strdup (s);
          if (s != NULL)
            xrlFree (s);
          xrl_error_free (xerr);
        }
      g_once_init_leave (&loaded, 1);
    }
}

const char *
evox_element_symbol (int z)
{
  if (z < 1 || z > MAX_Z)
    return NULL;
  load_symbols ();
  return symbols[z];
}

/* "ni", "NI" -> Z by comparing with xraylib's symbols case-insensitively; 0 when none. */
static int
symbol_to_z (const char *text,
             gsize       len)
{
  load_symbols ();
  for (int z = 1; z <= MAX_Z; z++)
    if (symbols[z] != NULL && strlen (symbols[z]) == len
        && g_ascii_strncasecmp (symbols[z], text, len) == 0)
      return z;
  return 0;
}

static double
edge_energy_ev (int           z,
                EvoxEdgeShell shell)
{
  xrl_error *xerr = NULL;
  double e = EdgeEnergy (z, xrl_shells[shell], &xerr);
  gboolean ok = xerr == NULL && e > 0;

  xrl_error_free (xerr);
  return ok ? e * 1000.0 : NAN;
}

gboolean
evox_edge_parse (const char *text,
                 EvoxEdge   *edge,
                 GError    **error)
{
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (edge != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autofree char *t = g_strstrip (g_strdup (text));
  if (*t == '\0')
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "edge: empty; give an element (\"Ni\"), an edge (\"Ni_K\", \"Mn_L3\") or an "
                   "energy in eV (\"8333\")");
      return FALSE;
    }

  if (g_ascii_isdigit (*t) || *t == '-' || *t == '+' || *t == '.')
    {
      char *end = NULL;
      double e = g_ascii_strtod (t, &end);
      if (end == t || *end != '\0' || !isfinite (e) || e <= 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "edge '%s': an energy must be a finite positive number of eV", text);
          return FALSE;
        }
      *edge = (EvoxEdge) { .z = 0, .shell = EVOX_EDGE_K, .energy = e };
      return TRUE;
    }

  gsize len = 0;
  while (g_ascii_isalpha (t[len]))
    len++;
  int z = len > 0 && len <= 3 ? symbol_to_z (t, len) : 0;
  if (z == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "edge '%s': xraylib knows no element '%.*s'", text, (int) len, t);
      return FALSE;
    }

  EvoxEdgeShell shell = EVOX_EDGE_K;
  const char *rest = t + len;
  if (*rest != '\0')
    {
      if (*rest != '_' && *rest != '-' && *rest != ' ')
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "edge '%s': write the element and its edge as \"Ni_K\" or \"Mn_L3\"",
                       text);
          return FALSE;
        }
      while (*rest == '_' || *rest == '-' || *rest == ' ')
        rest++;
      guint s;
      for (s = 0; s < G_N_ELEMENTS (shell_names); s++)
        if (g_ascii_strcasecmp (rest, shell_names[s]) == 0)
          break;
      if (s == G_N_ELEMENTS (shell_names))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "edge '%s': unknown edge '%s' (Evox knows K, L1, L2 and L3)", text, rest);
          return FALSE;
        }
      shell = s;
    }

  double e = edge_energy_ev (z, shell);
  if (!isfinite (e))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "edge '%s': xraylib has no %s edge for %s", text, shell_names[shell],
                   evox_element_symbol (z));
      return FALSE;
    }
  *edge = (EvoxEdge) { .z = z, .shell = shell, .energy = e };
  return TRUE;
}

char *
evox_edge_describe (const EvoxEdge *edge)
{
  g_return_val_if_fail (edge != NULL, NULL);

  const char *symbol = evox_element_symbol (edge->z);
  if (edge->z == 0 || symbol == NULL || (guint) edge->shell >= G_N_ELEMENTS (shell_names))
    return g_strdup_printf ("%.1f eV", edge->energy);
  return g_strdup_printf ("%s %s (%.1f eV)", symbol, shell_names[edge->shell], edge->energy);
}

double
evox_element_mass_attenuation (int    z,
                               double energy_ev)
{
  if (!(energy_ev > 0) || !isfinite (energy_ev))
    return NAN;
  xrl_error *xerr = NULL;
  double mu = CS_Total (z, KEV (energy_ev), &xerr);
  gboolean ok = xerr == NULL && mu > 0;

  xrl_error_free (xerr);
  return ok ? mu : NAN;
}

/* A formula as xraylib's CompoundParser reads it: element symbols (case as written) and
 * parenthesised groups, each followed by an optional positive count ("Ni.5"); at least one. */
static gboolean
formula_parses (const char **p,
                int          depth)
{
  guint groups = 0;

  if (depth > 8)
    return FALSE;
  while (**p != '\0' && **p != ')')
    {
      if (**p == '(')
        {
          (*p)++;
          if (!formula_parses (p, depth + 1) || **p != ')')
            return FALSE;
          (*p)++;
        }
      else if (g_ascii_isupper (**p))
        {
          gsize len = 1;
          while (g_ascii_islower ((*p)[len]))
            len++;
          int z = symbol_to_z (*p, len);
          if (z == 0 || strncmp (symbols[z], *p, len) != 0)
            return FALSE;
          *p += len;
        }
      else
        return FALSE;
      if (g_ascii_isdigit (**p) || **p == '.')
        {
          char *end = NULL;
          double count = g_ascii_strtod (*p, &end);
          if (end == *p || !(count > 0) || !isfinite (count))
            return FALSE;
          *p = end;
        }
      groups++;
    }
  return groups > 0;
}

double
evox_compound_mass_attenuation (const char *formula,
                                double      energy_ev,
                                GError    **error)
{
  g_return_val_if_fail (formula != NULL, NAN);
  g_return_val_if_fail (error == NULL || *error == NULL, NAN);

  if (!(energy_ev > 0) || !isfinite (energy_ev))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "'%s' at %g eV: the energy must be finite and positive", formula, energy_ev);
      return NAN;
    }
  /* xraylib's CS_Total_CP leaks the parser's pieces whenever its formula parser fails, NIST
   * names included; so NIST names are summed here by mass fraction, as CS_Total_CP does, and a
   * formula reaches xraylib only once it parses here */
  xrl_error *xerr = NULL;
  struct compoundDataNIST *nist = GetCompoundDataNISTByName (formula, &xerr);
  if (nist != NULL)
    {
      double mu = 0;
      for (int i = 0; i < nist->nElements; i++)
        mu += nist->massFractions[i]
              * evox_element_mass_attenuation (nist->Elements[i], energy_ev);
      FreeCompoundDataNIST (nist);
      xrl_error_free (xerr);
      if (!(mu > 0))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "'%s' at %g eV: xraylib has no cross section", formula, energy_ev);
          return NAN;
        }
      return mu;
    }
  xrl_clear_error (&xerr);
  const char *end = formula;
  if (!formula_parses (&end, 0) || *end != '\0')
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "'%s': not a chemical formula (\"LiCoO2\", \"Ca(OH)2\") nor a compound of "
                   "NIST's list that xraylib knows", formula);
      return NAN;
    }
  double mu = CS_Total_CP (formula, KEV (energy_ev), &xerr);
  if (xerr != NULL || !(mu > 0))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "'%s' at %g eV: xraylib has no cross section (%s)", formula, energy_ev,
                   xerr && xerr->message ? xerr->message : "no value");
      xrl_error_free (xerr);
      return NAN;
    }
  return mu;
}

void
evox_elements_params_init (EvoxElementsParams *params)
{
  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->method = EVOX_ELEMENTS_PAIR;
  for (guint i = 0; i < EVOX_ELEMENTS_MAX; i++)
    {
      params->below[i] = NAN;
      params->above[i] = NAN;
    }
  params->matrix = NULL;
}

void
evox_elements_params_clear (EvoxElementsParams *params)
{
  g_return_if_fail (params != NULL);

  g_clear_pointer (&params->matrix, g_free);
}

/* Hard X-ray microscopes reach the K edges of K (3.6 keV) to Mo (20 keV). */
#define GUESS_Z_FIRST 19
#define GUESS_Z_LAST 42
#define GUESS_NEAR_EV 50.0
#define GUESS_BELOW_EV 200.0
#define GUESS_ABOVE_EV 600.0

static gboolean
k_edge (int       z,
        EvoxEdge *edge)
{
  g_autofree char *text = g_strdup_printf ("%s_K", evox_element_symbol (z));

  return evox_element_symbol (z) != NULL && evox_edge_parse (text, edge, NULL);
}

gboolean
evox_edge_guess (const double *energies,
                 guint         n_energies,
                 EvoxEdge     *edge)
{
  double first = INFINITY, last = -INFINITY;
  guint best_count = 0;

  g_return_val_if_fail (energies != NULL || n_energies == 0, FALSE);
  g_return_val_if_fail (edge != NULL, FALSE);

  for (guint k = 0; k < n_energies; k++)
    {
      first = MIN (first, energies[k]);
      last = MAX (last, energies[k]);
    }
  for (int z = GUESS_Z_FIRST; z <= GUESS_Z_LAST; z++)
    {
      EvoxEdge candidate;
      guint count = 0;

      if (!k_edge (z, &candidate) || !(first < candidate.energy && candidate.energy < last))
        continue;
      for (guint k = 0; k < n_energies; k++)
        if (fabs (energies[k] - candidate.energy) <= GUESS_NEAR_EV)
          count++;
      if (count > best_count)
        {
          best_count = count;
          *edge = candidate;
        }
    }
  return best_count > 0;
}

guint
evox_elements_guess (const double       *energies,
                     guint               n_energies,
                     EvoxElementsParams *params)
{
  g_return_val_if_fail (energies != NULL || n_energies == 0, 0);
  g_return_val_if_fail (params != NULL, 0);

  params->n_elements = 0;
  for (int z = GUESS_Z_FIRST; z <= GUESS_Z_LAST && params->n_elements < EVOX_ELEMENTS_MAX; z++)
    {
      EvoxEdge edge;
      gboolean below = FALSE, above = FALSE;

      if (!k_edge (z, &edge))
        continue;
      for (guint k = 0; k < n_energies; k++)
        {
          double d = energies[k] - edge.energy;

          below |= d < 0 && d >= -GUESS_BELOW_EV;
          above |= d > 0 && d <= GUESS_ABOVE_EV;
        }
      if (below && above)
        {
          guint i = params->n_elements++;

          params->edges[i] = edge;
          params->below[i] = NAN;
          params->above[i] = NAN;
        }
    }
  return params->n_elements;
}

/* The near-edge region of an edge: from NEAR_BELOW_EV below the tabulated edge to NEAR_ABOVE_EV
 * above it, both ends outside. Real E0s sit up to 10-15 eV above the tabulated edge, a pre-edge
 * peak a few eV below E0, and the white line and the first wiggles of XANES run to 30-40 eV above
 * E0; past +50 eV the absorption has settled near the step that xraylib tabulates. */
#define NEAR_BELOW_EV 20.0
#define NEAR_ABOVE_EV 50.0

static gboolean
in_near_edge (double e,
              double edge)
{
  /* an energy at an end of the region, as the sum's rounding leaves it, is outside */
  const double slack = 1e-3;

  return e > edge - NEAR_BELOW_EV + slack && e < edge + NEAR_ABOVE_EV - slack;
}

typedef struct
{
  double lo, hi;               /* the neighbouring edges of the list (-inf, +inf: none) */
  double near_below, near_above;   /* the nearest energies on each side within lo, hi */
  double settled_below, settled_above;   /* the pair clear of every near-edge region, or NaN */
} EdgeChoice;

/* The stack's energies around element i's edge. A pair energy past a neighbouring edge of the
 * list would add that element's jump, so both kinds stay between the neighbours. The settled pair
 * lies outside every listed element's near-edge region and within GUESS_BELOW_EV below and
 * GUESS_ABOVE_EV above the edge (farther, every other element's falling absorption between the
 * two energies biases the pair method more than a near-edge energy would). */
static EdgeChoice
choose_around_edge (const double             *energies,
                    guint                     n_energies,
                    const EvoxElementsParams *params,
                    guint                     i)
{
  double edge = params->edges[i].energy;
  EdgeChoice c = { -INFINITY, INFINITY, -INFINITY, INFINITY, -INFINITY, INFINITY };

  for (guint j = 0; j < params->n_elements; j++)
    {
      double other = params->edges[j].energy;
      if (other < edge)
        c.lo = MAX (c.lo, other);
      else if (other > edge)
        c.hi = MIN (c.hi, other);
    }
  for (guint k = 0; k < n_energies; k++)
    {
      double e = energies[k];
      gboolean clear = e >= edge - GUESS_BELOW_EV && e <= edge + GUESS_ABOVE_EV;

      for (guint j = 0; j < params->n_elements && clear; j++)
        clear = !in_near_edge (e, params->edges[j].energy);
      if (e < edge && e > c.lo)
        {
          c.near_below = MAX (c.near_below, e);
          if (clear)
            c.settled_below = MAX (c.settled_below, e);
        }
      else if (e > edge && e < c.hi)
        {
          c.near_above = MIN (c.near_above, e);
          if (clear)
            c.settled_above = MIN (c.settled_above, e);
        }
    }
  if (!isfinite (c.settled_below) || !isfinite (c.settled_above))
    c.settled_below = c.settled_above = NAN;
  return c;
}

gboolean
evox_elements_find_pairs (const double       *energies,
                          guint               n_energies,
                          EvoxElementsParams *params,
                          GError            **error)
{
  g_return_val_if_fail (energies != NULL || n_energies == 0, FALSE);
  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (params->n_elements <= EVOX_ELEMENTS_MAX, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < params->n_elements; i++)
    {
      EdgeChoice c = choose_around_edge (energies, n_energies, params, i);
      /* a settled pair when the energies allow one; else the nearest energies on both sides,
       * as a two-energy mapping set (6534/6558 eV around Mn) is taken: mixing one far energy
       * with one near-edge energy keeps the near-edge error and adds the far one's bias */
      double below = isnan (c.settled_below) ? c.near_below : c.settled_below;
      double above = isnan (c.settled_above) ? c.near_above : c.settled_above;

      if ((isnan (params->below[i]) && !isfinite (below))
          || (isnan (params->above[i]) && !isfinite (above)))
        {
          g_autofree char *name = evox_edge_describe (&params->edges[i]);
          gboolean no_below = isnan (params->below[i]) && !isfinite (below);
          double limit = no_below ? c.lo : c.hi;
          g_autofree char *limit_text = isfinite (limit)
            ? g_strdup_printf (" and %s the next edge of the list at %.1f eV",
                               no_below ? "above" : "below", limit)
            : g_strdup ("");
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "%s: the energies do not bracket the edge: none %s it%s",
                       name, no_below ? "below" : "above", limit_text);
          return FALSE;
        }
      /* the nearest energies are capped as the settled pair is: across a wider pair the other
       * elements' falling absorption is taken for this one's jump (Fe between the Mn and Co
       * pairs of 6558 and 7704 eV reads as a negative amount) */
      double edge = params->edges[i].energy;
      gboolean far_below = isnan (params->below[i]) && below < edge - GUESS_BELOW_EV;
      gboolean far_above = isnan (params->above[i]) && above > edge + GUESS_ABOVE_EV;
      if (far_below || far_above)
        {
          g_autofree char *name = evox_edge_describe (&params->edges[i]);
          const char *side = far_below ? "below" : "above";
          double e = far_below ? below : above;
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "%s: the nearest energy %s the edge, %.1f eV, is %.1f eV %s it, farther "
                       "than a pair may reach (%g eV below, %g eV above); give the pair to use "
                       "it anyway", name, side, e, fabs (e - edge), side, GUESS_BELOW_EV,
                       GUESS_ABOVE_EV);
          return FALSE;
        }
      if (isnan (params->below[i]))
        params->below[i] = below;
      if (isnan (params->above[i]))
        params->above[i] = above;
    }
  return TRUE;
}

/* Linear attenuation units Evox converts to 1/cm (per voxel: by the voxel size). */
static const struct
{
  const char *unit;
  double      per_cm;
} attenuation_units[] = {
  { "1/nm", 1e7 }, { "1/um", 1e4 }, { "1/µm", 1e4 }, { "1/mm", 10 }, { "1/cm", 1 },
  { "1/m", 1e-2 }, { "1/voxel", 0 },
};

/* What the stack's values mean: the factor turning them into optical density (2D, *areal = TRUE)
 * or into linear attenuation in 1/cm (3D). Every channel must say the same. */
static gboolean
stack_scale (EvoxVolume *stack,
             double     *to_cgs,
             gboolean   *areal,
             GError    **error)
{
  guint n = evox_volume_get_n_channels (stack);
  const char *quantity = evox_volume_get_channel_quantity (stack, 0);
  const char *unit = evox_volume_get_channel_unit (stack, 0);

  quantity = quantity ? quantity : "";
  unit = unit ? unit : "";
  for (guint c = 1; c < n; c++)
    {
      const char *q = evox_volume_get_channel_quantity (stack, c);
      const char *u = evox_volume_get_channel_unit (stack, c);
      if (strcmp (q ? q : "", quantity) != 0 || strcmp (u ? u : "", unit) != 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "elements: channel %u (%s) holds %s (%s), channel 0 %s (%s): every "
                       "energy must hold the same quantity in the same unit", c,
                       evox_volume_get_channel_label (stack, c), q ? q : "", u ? u : "",
                       quantity, unit);
          return FALSE;
        }
    }

  if (strcmp (quantity, "optical density") == 0)
    {
      *to_cgs = 1.0;
      *areal = TRUE;
      return TRUE;
    }
  if (strcmp (quantity, "linear attenuation") == 0)
    {
      *areal = FALSE;
      for (guint u = 0; u < G_N_ELEMENTS (attenuation_units); u++)
        if (strcmp (unit, attenuation_units[u].unit) == 0)
          {
            if (attenuation_units[u].per_cm > 0)
              {
                *to_cgs = attenuation_units[u].per_cm;
                return TRUE;
              }
            double spacing[3];
            evox_volume_get_spacing (stack, spacing);
            if (!evox_volume_get_spacing_known (stack) || !(spacing[0] > 0))
              {
                g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                             "elements: linear attenuation per voxel needs the voxel size, "
                             "and the stack's is not known");
                return FALSE;
              }
            /* a reconstruction's per-voxel attenuation is per pixel of the projections, whose
             * side is the voxel's in x and y; with x and y sizes apart, which one it means is
             * not known */
            if (fabs (spacing[0] - spacing[1]) > 1e-6 * spacing[0])
              {
                g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                             "elements: linear attenuation per voxel with voxels of %g nm in x "
                             "and %g nm in y: per which size is not known; give the stack in "
                             "1/um or 1/nm, or voxels of one size in x and y", spacing[0],
                             spacing[1]);
                return FALSE;
              }
            *to_cgs = 1.0 / (spacing[0] * 1e-7);   /* nm per voxel -> 1/cm */
            return TRUE;
          }
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   "elements: linear attenuation in '%s' is not a unit Evox converts (1/nm, "
                   "1/um, 1/mm, 1/cm, 1/m or 1/voxel)", unit);
      return FALSE;
    }
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
               "elements: the stack holds %s%s%s%s, not optical density (2D) or linear "
               "attenuation (3D)",
               /* "value" is what a volume says when its file says nothing */
               *quantity && strcmp (quantity, "value") != 0 ? quantity
                                                            : "values of no stated quantity",
               *unit ? " (" : "", unit, *unit ? ")" : "");
  return FALSE;
}

/* The stack channel whose energy is nearest e, -1 when none is within
 * EVOX_ELEMENTS_PAIR_MATCH_EV. */
static int
find_energy (const double *energy,
             guint         n,
             double        e)
{
  int best = -1;
  for (guint c = 0; c < n; c++)
    if (fabs (energy[c] - e) <= EVOX_ELEMENTS_PAIR_MATCH_EV
        && (best < 0 || fabs (energy[c] - e) < fabs (energy[best] - e)))
      best = (int) c;
  return best;
}

/* Cholesky of the k x k leading block of the rows/columns idx of g (row stride ld) into l;
 * FALSE when it is not positive definite. */
static gboolean
cholesky (const double *g,
          guint         ld,
          const guint  *idx,
          guint         k,
          double       *l)
{
  for (guint i = 0; i < k; i++)
    for (guint j = 0; j <= i; j++)
      {
        double s = g[idx[i] * ld + idx[j]];
        for (guint p = 0; p < j; p++)
          s -= l[i * k + p] * l[j * k + p];
        if (i == j)
          {
            if (!(s > 0))
              return FALSE;
            l[i * k + i] = sqrt (s);
          }
        else
          l[i * k + j] = s / l[j * k + j];
      }
  return TRUE;
}

/* Solves l l^T x = b in place (b of length k). */
static void
cholesky_solve (const double *l,
                guint         k,
                double       *b)
{
  for (guint i = 0; i < k; i++)
    {
      double s = b[i];
      for (guint p = 0; p < i; p++)
        s -= l[i * k + p] * b[p];
      b[i] = s / l[i * k + i];
    }
  for (guint i = k; i-- > 0;)
    {
      double s = b[i];
      for (guint p = i + 1; p < k; p++)
        s -= l[p * k + i] * b[p];
      b[i] = s / l[i * k + i];
    }
}

/* the elements, the matrix and an edge tail per element */
#define FIT_MAX (2 * EVOX_ELEMENTS_MAX + 1)

/* Lawson and Hanson's active-set NNLS (Solving Least Squares Problems, 1974, ch. 23) on the
 * normal equations: g = A^T A (k x k), c = A^T b; x >= 0 minimising |A x - b|. Working on g and c
 * makes each step a k x k solve however many energies there are. tol bounds the gradient that
 * still counts as a descent direction. */
static void
nnls_normal (const double *g,
             const double *c,
             guint         k,
             double        tol,
             double       *x)
{
  gboolean passive[FIT_MAX] = { FALSE };
  double w[FIT_MAX], s[FIT_MAX], l[FIT_MAX * FIT_MAX];
  guint idx[FIT_MAX];

  for (guint i = 0; i < k; i++)
    x[i] = 0;
  for (guint outer = 0; outer < 3 * k + 3; outer++)
    {
      for (guint i = 0; i < k; i++)
        {
          double gx = 0;
          for (guint j = 0; j < k; j++)
            gx += g[i * k + j] * x[j];
          w[i] = c[i] - gx;
        }
      int t = -1;
      for (guint i = 0; i < k; i++)
        if (!passive[i] && w[i] > tol && (t < 0 || w[i] > w[t]))
          t = (int) i;
      if (t < 0)
        return;
      passive[t] = TRUE;

      for (guint inner = 0; inner < 3 * k + 3; inner++)
        {
          guint np = 0;
          for (guint i = 0; i < k; i++)
            if (passive[i])
              idx[np++] = i;
          if (np == 0)
            break;
          if (!cholesky (g, k, idx, np, l))
            {
              /* a column dependent on the passive ones: leave it out and stop here */
              passive[t] = FALSE;
              return;
            }
          double z[FIT_MAX];
          for (guint p = 0; p < np; p++)
            z[p] = c[idx[p]];
          cholesky_solve (l, np, z);
          for (guint i = 0; i < k; i++)
            s[i] = 0;
          gboolean feasible = TRUE;
          for (guint p = 0; p < np; p++)
            {
              s[idx[p]] = z[p];
              if (z[p] <= 0)
                feasible = FALSE;
            }
          if (feasible)
            {
              memcpy (x, s, k * sizeof (double));
              break;
            }
          /* step from x toward s until the first passive variable reaches zero */
          double alpha = 1.0;
          for (guint p = 0; p < np; p++)
            {
              guint i = idx[p];
              if (s[i] <= 0)
                alpha = MIN (alpha, x[i] / (x[i] - s[i]));
            }
          for (guint i = 0; i < k; i++)
            {
              x[i] += alpha * (s[i] - x[i]);
              if (passive[i] && x[i] <= 1e-15 * (fabs (s[i]) + 1))
                {
                  x[i] = 0;
                  passive[i] = FALSE;
                }
            }
        }
    }
}

/* The energies the fit uses, compacted in place (energy, planes; ascending stays ascending):
 * every energy but those in the near-edge region of an element whose edge the stack also
 * brackets with a settled pair (choose_around_edge). There the spectrum is XANES, not xraylib's
 * step, and the settled energies measure the jump instead; an element with no settled pair (a
 * two-energy mapping set hugging its edge) keeps its near-edge energies, the only ones that see
 * its jump. scanned[i] says whether element i's near-edge energies were left out (the stack
 * scans across its edge). Returns the count kept. */
static guint
select_fit_energies (double                   *energy,
                     gconstpointer            *planes,
                     guint                     n,
                     const EvoxElementsParams *params,
                     gboolean                 *scanned)
{
  gboolean settled[EVOX_ELEMENTS_MAX];
  guint kept = 0;

  for (guint i = 0; i < params->n_elements; i++)
    {
      settled[i] = !isnan (choose_around_edge (energy, n, params, i).settled_below);
      scanned[i] = FALSE;
    }
  for (guint j = 0; j < n; j++)
    {
      gboolean keep = TRUE;

      for (guint i = 0; i < params->n_elements; i++)
        if (settled[i] && in_near_edge (energy[j], params->edges[i].energy))
          keep = FALSE, scanned[i] = TRUE;
      if (keep)
        {
          energy[kept] = energy[j];
          planes[kept] = planes[j];
          kept++;
        }
    }
  return kept;
}

EvoxVolume *
evox_elements_maps (EvoxVolume               *stack,
                    const EvoxElementsParams *params,
                    EvoxProgress             *progress,
                    GCancellable             *cancellable,
                    GError                  **error)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (stack), NULL);
  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  guint ne = params->n_elements;
  if (ne == 0 || ne > EVOX_ELEMENTS_MAX)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "elements: %u elements given; Evox maps 1 to %u", ne, EVOX_ELEMENTS_MAX);
      return NULL;
    }
  for (guint i = 0; i < ne; i++)
    if (evox_element_symbol (params->edges[i].z) == NULL)
      {
        g_autofree char *name = evox_edge_describe (&params->edges[i]);
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "elements: the edge %s names no element xraylib knows", name);
        return NULL;
      }

  /* channels by energy */
  guint n = evox_volume_get_n_channels (stack);
  g_autofree double *energy = NULL;
  g_autofree gconstpointer *planes = NULL;
  if (!evox_energy_order (stack, &energy, NULL, &planes, error))
    {
      g_prefix_error (error, "elements: ");
      return NULL;
    }

  double to_cgs;
  gboolean areal;
  if (!stack_scale (stack, &to_cgs, &areal, error))
    return NULL;

  gboolean fit = params->method == EVOX_ELEMENTS_FIT;
  gboolean with_matrix = fit && params->matrix != NULL && *params->matrix != '\0';
  /* k unknowns: the amounts (elements and matrix, written out) then the edge tails */
  guint n_amounts = ne + (with_matrix ? 1 : 0), k = n_amounts;
  guint n_out = fit ? n_amounts + 1 : ne;
  gboolean tail[EVOX_ELEMENTS_MAX] = { FALSE };

  /* pairs: given, or found */
  EvoxElementsParams p = *params;
  p.matrix = NULL;
  int cb[EVOX_ELEMENTS_MAX], ca[EVOX_ELEMENTS_MAX];
  double jump[EVOX_ELEMENTS_MAX];
  if (!fit)
    {
      if (!evox_elements_find_pairs (energy, n, &p, error))
        return NULL;
      for (guint i = 0; i < ne; i++)
        {
          g_autofree char *name = evox_edge_describe (&p.edges[i]);
          if (!(p.below[i] < p.edges[i].energy && p.edges[i].energy < p.above[i]))
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "elements: the pair %g:%g eV does not bracket %s", p.below[i],
                           p.above[i], name);
              return NULL;
            }
          cb[i] = find_energy (energy, n, p.below[i]);
          ca[i] = find_energy (energy, n, p.above[i]);
          if (cb[i] < 0 || ca[i] < 0)
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "elements: the pair %g:%g eV for %s: the stack has no energy %g eV",
                           p.below[i], p.above[i], name, cb[i] < 0 ? p.below[i] : p.above[i]);
              return NULL;
            }
          int z = p.edges[i].z;
          jump[i] = evox_element_mass_attenuation (z, energy[ca[i]])
                    - evox_element_mass_attenuation (z, energy[cb[i]]);
          if (!(jump[i] > 0))
            {
              g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "elements: %s: mu/rho does not rise from %g to %g eV (xraylib: "
                           "%g cm^2/g); choose energies further from the edge", name,
                           energy[cb[i]], energy[ca[i]], jump[i]);
              return NULL;
            }
        }
    }

  /* fit: the design matrix (energies x unknowns, in cm^2/g) with unit-norm columns, its
   * normal matrix and, for voxels whose unconstrained optimum is already non-negative, its
   * inverse */
  g_autofree double *design = NULL;
  double gram[FIT_MAX * FIT_MAX], inv[FIT_MAX * FIT_MAX], colscale[FIT_MAX];
  if (fit)
    {
      guint n_all = n;

      n = select_fit_energies (energy, planes, n, &p, tail);
      if (n < k)
        {
          g_autofree char *left = n < n_all
            ? g_strdup_printf (" %u of its %u energies outside the near-edge regions (edge "
                               "- %g to edge + %g eV) of the elements it also brackets farther "
                               "out;", n, n_all, NEAR_BELOW_EV, NEAR_ABOVE_EV)
            : g_strdup_printf (" %u energ%s;", n, n == 1 ? "y" : "ies");
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "elements: the fit has %u unknowns (%u elements%s) and the stack%s it "
                       "needs at least as many energies as unknowns", k, ne,
                       with_matrix ? " and the matrix" : "", left);
          return NULL;
        }
      /* without an energy on each side of an element's edge its column is as smooth as the
       * matrix's and the others': the fit could not tell its amount from theirs */
      for (guint i = 0; i < ne; i++)
        if (!(energy[0] < p.edges[i].energy && p.edges[i].energy < energy[n - 1]))
          {
            g_autofree char *name = evox_edge_describe (&p.edges[i]);
            g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                         "elements: the fit's energies (%g to %g eV) do not bracket %s: it "
                         "cannot see that element's jump", energy[0], energy[n - 1], name);
            return NULL;
          }
      /* An edge's lifetime broadening makes it an arctan step, not xraylib's sharp one: past
       * the near-edge region the spectrum still differs from the step by about
       * (Gamma / pi) jump / (E0 - E), falling only as 1/|E - E0| (0.6 % of the jump 100 eV
       * away with Gamma 2 eV). Across a scanned edge that tail would be taken for the other
       * elements' smooth absorption (the phantom's Co 6 % high), so each scanned edge gets
       * the unknown t >= 0 of the column 1/(edge - E), when an energy is left to spare. */
      guint n_tails = 0;
      for (guint i = 0; i < ne; i++)
        n_tails += tail[i];
      if (n <= k + n_tails)
        memset (tail, 0, sizeof tail);
      else
        k += n_tails;

      design = g_new (double, (gsize) n * k);
      for (guint j = 0; j < n; j++)
        {
          for (guint i = 0; i < ne; i++)
            {
              double mu = evox_element_mass_attenuation (p.edges[i].z, energy[j]);
              if (!isfinite (mu))
                {
                  g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                               "elements: xraylib has no cross section of %s at %g eV",
                               evox_element_symbol (p.edges[i].z), energy[j]);
                  return NULL;
                }
              design[j * k + i] = mu;
            }
          if (with_matrix)
            {
              g_autoptr(GError) local = NULL;
              double mu = evox_compound_mass_attenuation (params->matrix, energy[j], &local);
              if (!isfinite (mu))
                {
                  g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                               "elements: the matrix %s", local->message);
                  return NULL;
                }
              design[j * k + ne] = mu;
            }
          for (guint i = 0, col = n_amounts; i < ne; i++)
            if (tail[i])
              design[j * k + col++] = 1000.0 / (p.edges[i].energy - energy[j]);
        }
      for (guint i = 0; i < k; i++)
        {
          double s = 0;
          for (guint j = 0; j < n; j++)
            s += design[j * k + i] * design[j * k + i];
          colscale[i] = 1.0 / sqrt (s);
          for (guint j = 0; j < n; j++)
            design[j * k + i] *= colscale[i];
        }
      for (guint a = 0; a < k; a++)
        for (guint b = 0; b < k; b++)
          {
            double s = 0;
            for (guint j = 0; j < n; j++)
              s += design[j * k + a] * design[j * k + b];
            gram[a * k + b] = s;
          }
      guint all[FIT_MAX] = { 0 };
      double l[FIT_MAX * FIT_MAX];
      for (guint i = 0; i < k; i++)
        all[i] = i;
      if (!cholesky (gram, k, all, k, l))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "elements: the cross sections of the elements%s at the stack's "
                       "energies are linearly dependent: the fit cannot separate them",
                       with_matrix ? " and the matrix" : "");
          return NULL;
        }
      for (guint i = 0; i < k; i++)
        {
          double e[FIT_MAX] = { 0 };
          e[i] = 1;
          cholesky_solve (l, k, e);
          for (guint j = 0; j < k; j++)
            inv[j * k + i] = e[j];
        }
    }

  EvoxSampleType type = evox_volume_get_sample_type (stack);
  gsize dims[3], nv = evox_volume_get_n_voxels (stack);
  evox_volume_get_dims (stack, dims);
  g_autoptr(EvoxVolume) out = evox_volume_new (dims[0], dims[1], dims[2], n_out,
                                               EVOX_SAMPLE_F32, error);
  if (out == NULL)
    return NULL;
  evox_volume_copy_grid (out, stack);

  /* g/cm^2 -> ug/cm^2 for areal mass; g/cm^3 as it is */
  const char *quantity = areal ? "areal mass" : "mass density";
  const char *unit = areal ? "ug/cm^2" : "g/cm^3";
  double out_scale = areal ? 1e6 : 1.0;
  float *maps[EVOX_ELEMENTS_MAX + 2];
  for (guint i = 0; i < n_out; i++)
    {
      const char *label = i < ne ? evox_element_symbol (p.edges[i].z)
                          : with_matrix && i == ne ? "matrix" : "residual";
      evox_volume_set_channel_info (out, i, label, NAN);
      if (i == n_out - 1 && fit)
        evox_volume_set_channel_values (out, i, EVOX_SCALE_LINEAR,
                                        evox_volume_get_channel_quantity (stack, 0),
                                        evox_volume_get_channel_unit (stack, 0));
      else
        evox_volume_set_channel_values (out, i, EVOX_SCALE_LINEAR, quantity, unit);
      maps[i] = evox_volume_get_data_mut (out, i);
    }
  evox_volume_set_metadata (out, "elements_method", fit ? "fit" : "pair");
  {
    /* The edges as evox_edge_parse reads them back ("Mn_K,Ni_L3"): a session computes the maps
     * again from them, and the maps' channels name only the elements, not the shells. */
    g_autoptr(GString) edges = g_string_new (NULL);

    for (guint i = 0; i < ne; i++)
      g_string_append_printf (edges, "%s%s_%s", i > 0 ? "," : "",
                              evox_element_symbol (p.edges[i].z), shell_names[p.edges[i].shell]);
    evox_volume_set_metadata (out, "elements_edges", edges->str);
  }
  if (fit)
    {
      g_autoptr(GString) used = g_string_new (NULL);
      for (guint j = 0; j < n; j++)
        g_string_append_printf (used, "%s%g", j > 0 ? "," : "", energy[j]);
      evox_volume_set_metadata (out, "elements_fit_energies", used->str);
      g_autoptr(GString) tails = g_string_new (NULL);
      for (guint i = 0; i < ne; i++)
        if (tail[i])
          g_string_append_printf (tails, "%s%s", tails->len > 0 ? "," : "",
                                  evox_element_symbol (p.edges[i].z));
      if (tails->len > 0)
        evox_volume_set_metadata (out, "elements_fit_edge_tails", tails->str);
    }
  if (with_matrix)
    evox_volume_set_metadata (out, "elements_matrix", params->matrix);
  if (!fit)
    for (guint i = 0; i < ne; i++)
      {
        g_autofree char *key = g_strdup_printf ("elements_pair_%s",
                                                evox_element_symbol (p.edges[i].z));
        g_autofree char *value = g_strdup_printf ("%g:%g", energy[cb[i]], energy[ca[i]]);
        evox_volume_set_metadata (out, key, value);
      }

  /* the tolerance of NNLS's gradient test scales with the data; the unit-norm columns keep the
   * gradient in the data's units */
  double inv_scale = 1.0 / to_cgs;
  gsize n_tiles = (nv + TILE - 1) / TILE;
  int done = 0;

#pragma omp parallel
  {
    g_autofree double *buf = g_new (double, (gsize) n * TILE);

#pragma omp for schedule(dynamic, 4)
    for (gsize t = 0; t < n_tiles; t++)
      {
        if (g_cancellable_is_cancelled (cancellable))
          continue;
        gsize v0 = t * TILE, len = MIN ((gsize) TILE, nv - v0);
        for (guint c = 0; c < n; c++)
          for (gsize q = 0; q < len; q++)
            buf[q * n + c] = evox_sample_get (planes[c], type, v0 + q) * to_cgs;

        for (gsize q = 0; q < len; q++)
          {
            gsize v = v0 + q;
            const double *b = buf + q * n;
            if (!fit)
              {
                for (guint i = 0; i < ne; i++)
                  {
                    double d = b[ca[i]] - b[cb[i]];
                    maps[i][v] = isfinite (d) ? d / jump[i] * out_scale : NAN;
                  }
                continue;
              }

            double c[FIT_MAX] = { 0 }, x[FIT_MAX], bb = 0;
            gboolean finite = TRUE;
            for (guint j = 0; j < n; j++)
              {
                finite = finite && isfinite (b[j]);
                bb += b[j] * b[j];
                for (guint i = 0; i < k; i++)
                  c[i] += design[j * k + i] * b[j];
              }
            if (!finite)
              {
                for (guint i = 0; i < n_out; i++)
                  maps[i][v] = NAN;
                continue;
              }
            gboolean positive = TRUE;
            for (guint i = 0; i < k; i++)
              {
                double s = 0;
                for (guint j = 0; j < k; j++)
                  s += inv[i * k + j] * c[j];
                x[i] = s;
                positive = positive && s > 0;
              }
            if (!positive)
              nnls_normal (gram, c, k, 1e-12 * sqrt (bb), x);
            double rss = 0;
            for (guint j = 0; j < n; j++)
              {
                double r = b[j];
                for (guint i = 0; i < k; i++)
                  r -= design[j * k + i] * x[i];
                rss += r * r;
              }
            for (guint i = 0; i < n_amounts; i++)
              maps[i][v] = x[i] * colscale[i] * out_scale;
            maps[n_amounts][v] = sqrt (rss / n) * inv_scale;
          }
        if (progress)
          evox_progress_update (progress, (g_atomic_int_add (&done, 1) + 1.0) / n_tiles);
      }
  }

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return g_steal_pointer (&out);
}

/* evox-elements.h: X-ray edges and mass attenuation from xraylib, and elemental maps of a spectral
 * stack (edge-jump pairs, or a non-negative least-squares fit over all energies). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

#include "evox-progress.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* Absorption edges Evox names (xraylib's K_SHELL, L1_SHELL, L2_SHELL, L3_SHELL). */
typedef enum
{
  EVOX_EDGE_K,
  EVOX_EDGE_L1,
  EVOX_EDGE_L2,
  EVOX_EDGE_L3,
} EvoxEdgeShell;

typedef struct
{
  int           z;        /* atomic number; 0 when the edge was given as a bare energy */
  EvoxEdgeShell shell;
  double        energy;   /* eV (xraylib's tabulated edge energy, or the number given) */
} EvoxEdge;

/* Parses "Ni", "ni", "Ni_K", "Ni-K", "Ni K", "Mn_L3" or a bare energy in eV ("8333", "8333.5"):
 * an element alone means its K edge. EVOX_ERROR_ARGUMENT naming the text for an element xraylib
 * does not know, a shell it has no edge for, or an energy not finite and positive. */
gboolean    evox_edge_parse              (const char     *text,
                                          EvoxEdge       *edge,
                                          GError        **error);
/* "Ni K (8333.0 eV)" or "8333.0 eV". */
char       *evox_edge_describe           (const EvoxEdge *edge);
/* Symbol of atomic number z ("Ni"), NULL when xraylib does not know it. */
const char *evox_element_symbol          (int             z);

/* Total mass attenuation coefficient (photoelectric + Rayleigh + Compton, xraylib's CS_Total) of
 * element z at energy_ev, cm^2/g; NaN when xraylib has no value. */
double      evox_element_mass_attenuation (int            z,
                                           double         energy_ev);
/* The same for a compound formula xraylib parses ("LiCoO2", "C", "Al2O3"); NaN with
 * EVOX_ERROR_ARGUMENT for a formula it cannot parse. */
double      evox_compound_mass_attenuation (const char   *formula,
                                            double        energy_ev,
                                            GError      **error);

/* The edge a XANES scan of these energies (eV, any order) is about: among the K edges of K to Mo
 * (Z 19..42, the hard X-ray microscopes' range) lying strictly inside the energies' range, the one
 * with the most energies within 50 eV of it (ties: the lower Z). FALSE when no such edge has an
 * energy within 50 eV. */
gboolean    evox_edge_guess              (const double   *energies,
                                          guint           n_energies,
                                          EvoxEdge       *edge);

#define EVOX_ELEMENTS_MAX 8
/* A pair's energy names the stack's channel nearest it when within this many eV, so "8324"
 * matches a channel stored as 8324.0001 from a float header. */
#define EVOX_ELEMENTS_PAIR_MATCH_EV 0.1

typedef enum
{
  EVOX_ELEMENTS_PAIR,  /* per element, OD above minus below its edge over the jump of mu/rho */
  EVOX_ELEMENTS_FIT,   /* NNLS of OD(E) over the elements plus the matrix, at every energy
                        * outside the near-edge regions of the edges the stack scans */
} EvoxElementsMethod;

typedef struct
{
  EvoxElementsMethod method;
  guint    n_elements;
  EvoxEdge edges[EVOX_ELEMENTS_MAX];    /* the element and the edge used for its pair */
  double   below[EVOX_ELEMENTS_MAX];    /* pair energies, eV; NaN: found automatically */
  double   above[EVOX_ELEMENTS_MAX];
  char    *matrix;                      /* fit: formula of the matrix term ("O", "C"), NULL none */
} EvoxElementsParams;

void        evox_elements_params_init    (EvoxElementsParams *params);
void        evox_elements_params_clear   (EvoxElementsParams *params);

/* The elements whose K edge (Z 19..42) the energies bracket closely: one energy at most 200 eV
 * below the edge and one at most 600 eV above it (the Mn, Co, Ni pairs of 6534/6558/7704/7728/
 * 8178/8570 eV give Mn, Co and Ni; Fe and Cu, whose neighbours are far, are left out). Fills
 * params->n_elements and edges (at most EVOX_ELEMENTS_MAX, lowest Z first), pairs NaN; returns
 * the count. */
guint       evox_elements_guess          (const double       *energies,
                                          guint               n_energies,
                                          EvoxElementsParams *params);

/* For each element, the stack's energies bracketing its edge, neither past another element's
 * edge of the list: the settled pair when the energies have one, the highest energy at or below
 * edge - 20 eV (at most 200 eV below) and the lowest at or above edge + 50 eV (at most 600 eV
 * above), both outside every listed edge's near-edge region (edge - 20 to edge + 50 eV, where
 * chemical shifts and the white line make the absorption differ from xraylib's step); else the
 * nearest energy below and the nearest above (a two-energy set hugging the edge, 6534/6558 eV
 * around Mn, 8324/8354 eV around Ni), themselves no farther than 200 eV below and 600 eV above.
 * Writes below[i] and above[i] where they are NaN. EVOX_ERROR_ARGUMENT naming the element when
 * the energies do not bracket its edge or the nearest are farther (a pair given is not capped). */
gboolean    evox_elements_find_pairs     (const double       *energies,
                                          guint               n_energies,
                                          EvoxElementsParams *params,
                                          GError            **error);

/* Elemental maps of a stack of optical density (2D: one layer, areal mass in ug/cm^2) or of
 * reconstructed linear attenuation (3D, quantity "linear attenuation", unit "1/nm", "1/um", "1/mm",
 * "1/cm", "1/m", or "1/voxel" with the volume's known voxel size, the same in x and y: mass density
 * in g/cm^3). Pairs left NaN are found as evox_elements_find_pairs does; a given pair must have
 * below < the element's edge < above. The fit leaves out the energies inside the near-edge region
 * of each element that has a settled pair (the energies it uses are in the metadata
 * "elements_fit_energies") and adds, for each such scanned edge, an unknown for its broadened
 * edge's tail (metadata "elements_fit_edge_tails"). Returns a new f32 volume of the stack's dims
 * and spacing with one channel per element labelled by its symbol ("Ni"), quantity "areal mass" or
 * "mass density" and its unit, plus for the fit a "matrix" channel (the matrix term's amount, only
 * when params->matrix is set) and a "residual" channel (RMS of the fit's residual, the stack's
 * quantity and unit). Values are NaN where an input value read is not finite. Fails (nothing
 * returned) with EVOX_ERROR_ARGUMENT for an element without a pair, a pair not in the stack, fewer
 * energies left than unknowns in a fit or an element whose edge they do not bracket;
 * EVOX_ERROR_INVALID_DATA for channels without energies, repeated energies, values that are not
 * optical density or attenuation, or per-voxel attenuation with x and y sizes apart. */
EvoxVolume *evox_elements_maps           (EvoxVolume               *stack,
                                          const EvoxElementsParams *params,
                                          EvoxProgress             *progress,
                                          GCancellable             *cancellable,
                                          GError                  **error);

G_END_DECLS

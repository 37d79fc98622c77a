/* evox-metrics.h: the electrode metrics of one phase (or union of phases) as one table: porosity,
 * tortuosity factors, percolation, specific surface area and size distributions; what the Metrics
 * page shows and `evox metrics` prints and writes as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

#include "evox-metrics-table.h"
#include "evox-progress.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* A phase by name and value ranges on one channel (several ranges: their union). */
typedef struct
{
  char    *name;
  guint    channel;
  guint    n_ranges;
  double  *lo;       /* n_ranges each, inclusive */
  double  *hi;
} EvoxMetricsPhase;

typedef struct
{
  EvoxMetricsPhase  phase;            /* the phase measured */
  gboolean          tortuosity[3];    /* per axis x, y, z */
  /* A second, less conductive phase in the tortuosity solves (the carbon-binder domain's own
   * pores): second's voxels outside phase conduct with the relative diffusivity
   * second_diffusivity in [0, 1] (phase has D = 1). The tortuosity rows are then named
   * "PHASE|SECOND@D2" and tau = D_mean / D_eff (a mean_diffusivity row gives D_mean). */
  gboolean          two_phase;
  EvoxMetricsPhase  second;
  double            second_diffusivity;
  double            tolerance;        /* relative residual; 0: EVOX_TORTUOSITY_DEFAULT_TOLERANCE */
  gboolean          percolation;
  int               connectivity;     /* 6, 18 or 26 for percolation; 0: 26 */
  gboolean          surface;          /* the interface between phase and other */
  EvoxMetricsPhase  other;            /* used when surface */
  guint             surface_methods;  /* EvoxAreaMethod bits; 0: EVOX_AREA_CROFTON */
  gboolean          thickness;        /* local thickness of the phase (and of its complement) */
  gboolean          keep_thickness;   /* keep the phase's thickness map (evox_metrics_get_map) */
  gboolean          keep_fields;      /* keep the fields (evox_metrics_get_fields) along the
                                       * first axis asked for tortuosity (z when none is) */
} EvoxMetricsRequest;

/* Everything the request asks, in that order, on the worker's thread; progress over the parts;
 * cancellable. Errors name the phase and the reason (no voxels, one voxel thick along an axis
 * asked, tolerance out of range). */
EvoxMetrics          *evox_metrics_compute    (EvoxVolume                *volume,
                                               const EvoxMetricsRequest  *request,
                                               EvoxProgress              *progress,
                                               GCancellable              *cancellable,
                                               GError                   **error);

/* The fields kept with keep_fields as one new f32 volume of the volume's grid, built now from
 * what the table keeps (the concentration, the solve's mask and the percolation classes: the
 * flux magnitude is computed again, evox_tortuosity_flux_from_concentration), or NULL without
 * error when none were kept: along one axis A ("x", "y" or "z"), the channels
 * "Concentration (A)" and "Flux magnitude (A)" (when tortuosity along A was asked and the phase
 * joins A's faces) and "Percolation (A): 1 both faces, 2 one face, 3 isolated" (the
 * EvoxPercolationClass of each voxel of the phase, NaN outside it, when percolation was asked),
 * in that order. NULL with an error when it does not fit in memory. */
EvoxVolume           *evox_metrics_dup_fields (EvoxMetrics               *table,
                                               GError                   **error);

G_END_DECLS

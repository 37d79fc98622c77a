/* evox-metrics.h: the electrode metrics of one phase (or union of phases) as one table: porosity,
 * tortuosity factors, percolation, specific surface area and size distributions; what the Metrics
 * page shows and `evox metrics` prints and writes as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

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
  double            tolerance;        /* relative residual; 0: EVOX_TORTUOSITY_DEFAULT_TOLERANCE */
  gboolean          percolation;
  int               connectivity;     /* 6, 18 or 26 for percolation; 0: 26 */
  gboolean          surface;          /* the interface between phase and other */
  EvoxMetricsPhase  other;            /* used when surface */
  gboolean          thickness;        /* local thickness of the phase (and of its complement) */
  gboolean          keep_thickness;   /* keep the phase's thickness map (evox_metrics_get_map) */
} EvoxMetricsRequest;

/* One row: metric names as issue 18 lists them (porosity, tortuosity_factor,
 * effective_diffusivity, percolating_fraction, one_face_fraction, isolated_fraction,
 * specific_surface_area, thickness_mean, thickness_median, thickness_d10, thickness_d50,
 * thickness_d90, ...); axis "x", "y", "z" or ""; unit "" for ratios, "1/um", "um"... value may be
 * INFINITY (a phase that does not percolate: tortuosity_factor) with note saying why. */
typedef struct
{
  char   *metric;
  char   *phase;
  char   *axis;
  double  value;
  char   *unit;
  char   *note;
} EvoxMetricsRow;

typedef struct _EvoxMetrics EvoxMetrics;

EvoxMetrics          *evox_metrics_new        (void);
void                  evox_metrics_free       (EvoxMetrics         *self);
void                  evox_metrics_add        (EvoxMetrics         *self,
                                               const char          *metric,
                                               const char          *phase,
                                               const char          *axis,
                                               double               value,
                                               const char          *unit,
                                               const char          *note);
guint                 evox_metrics_get_n_rows (EvoxMetrics         *self);
const EvoxMetricsRow *evox_metrics_get_row    (EvoxMetrics         *self,
                                               guint                i);
/* The kept thickness map (f32, NaN outside the phase), or NULL. */
EvoxVolume           *evox_metrics_get_map    (EvoxMetrics         *self);

/* Everything the request asks, in that order, on the worker's thread; progress over the parts;
 * cancellable. Errors name the phase and the reason (no voxels, one voxel thick along an axis
 * asked, tolerance out of range). */
EvoxMetrics          *evox_metrics_compute    (EvoxVolume                *volume,
                                               const EvoxMetricsRequest  *request,
                                               EvoxProgress              *progress,
                                               GCancellable              *cancellable,
                                               GError                   **error);

/* The table as CSV with the columns metric,phase,axis,value,unit (value %.9g, inf for infinity),
 * written atomically; an existing path refused unless force. */
gboolean              evox_metrics_write_csv  (EvoxMetrics         *self,
                                               const char          *path,
                                               gboolean             force,
                                               GError             **error);
/* The table as aligned text, for the terminal and the page's Copy. */
char                 *evox_metrics_to_text    (EvoxMetrics         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxMetrics, evox_metrics_free)

G_END_DECLS

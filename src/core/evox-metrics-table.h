/* evox-metrics-table.h: a table of electrode metrics (metric, phase, axis, value, unit, note), as
 * the Metrics page shows it and `evox metrics` prints and writes it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* One row: metric names as issue 18 lists them (porosity, tortuosity_factor,
 * effective_diffusivity, percolating_fraction, one_face_fraction, isolated_fraction,
 * specific_surface_area (specific_surface_area_mesh from the smoothed surface), thickness_mean,
 * thickness_median, thickness_d10, thickness_d50, thickness_d90, ...); axis "x", "y", "z" or ""; unit "" for ratios, "1/um", "um"... value may be
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
/* For evox_metrics_compute (): keeps a reference to map (replacing any before). */
void                  _evox_metrics_set_map   (EvoxMetrics         *self,
                                               EvoxVolume          *map);

/* Whether fields were kept (evox_metrics_dup_fields in evox-metrics.h builds them): a
 * concentration along one axis, or the percolation classes. */
gboolean              evox_metrics_has_fields (EvoxMetrics         *self);
/* The quantity of the percolation channel: maps of it open on the categorical "classes3" colour
 * map over 1..3. */
#define EVOX_PERCOLATION_CLASS_QUANTITY "Percolation class"
/* The quantity of the flux magnitude channel: maps of it open on inferno from 0 to the 99th
 * percentile, so the narrow necks that carry the most flux stand out of the pores around them. */
#define EVOX_FLUX_MAGNITUDE_QUANTITY "Flux magnitude"
/* For evox_metrics_compute (): what the fields are built from, the least that serves: the axis
 * A of the fields, and with a tortuosity solve along A its concentration (f32, NaN off the
 * connected voxels), the mask the solve was given (u8, one channel) and the second phase's
 * relative diffusivity (NaN: one phase); the flux magnitude is computed again from them when the
 * fields are asked for. concentration NULL with a mask: the phase does not join A's faces (no
 * concentration anywhere, no flux); both NULL: the percolation classes alone. */
void                  _evox_metrics_set_fields (EvoxMetrics        *self,
                                                guint               axis,
                                                EvoxVolume         *concentration,
                                                EvoxVolume         *mask,
                                                double              second_diffusivity);
/* What _evox_metrics_set_fields kept (transfer none); FALSE when nothing was. */
gboolean              _evox_metrics_get_fields (EvoxMetrics        *self,
                                                guint              *axis,
                                                EvoxVolume        **concentration,
                                                EvoxVolume        **mask,
                                                double             *second_diffusivity);

/* The kept percolation classes along x, y and z (kept with the fields), or NULL: a u8 volume of
 * three channels "Percolation (x)", "Percolation (y)" and "Percolation (z)", each voxel's
 * EvoxPercolationClass (0 outside the phase, 1 both faces, 2 one face, 3 isolated); what the
 * Metrics page's Show Percolation overlay draws. */
EvoxVolume           *evox_metrics_get_percolation  (EvoxMetrics        *self);
void                  _evox_metrics_set_percolation (EvoxMetrics        *self,
                                                     EvoxVolume         *classes);

/* A row's value as the text and the CSV write it: %.9g, "inf" / "-inf" / "nan" for the rest. */
char                 *evox_metrics_format_value (double             value);

/* The table as aligned text, for the terminal and the page's Copy: a header line and one line
 * per row, columns metric, phase, axis, value (%.6g, "inf"), unit and note, each padded to its
 * widest cell (in characters) and two spaces apart; the note last, unpadded. */
char                 *evox_metrics_to_text    (EvoxMetrics         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxMetrics, evox_metrics_free)

G_END_DECLS

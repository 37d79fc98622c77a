/* evox-csv.h: phase fractions (with their sensitivity) and particle tables as CSV files. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-labels.h"
#include "evox-phase.h"
#include "evox-volume.h"

G_BEGIN_DECLS

/* Edges moved for the sensitivity columns, in the order of the CSV columns. */
typedef enum
{
  EVOX_FRACTION_LO_MINUS,  /* [lo - delta, hi] */
  EVOX_FRACTION_LO_PLUS,   /* [lo + delta, hi] */
  EVOX_FRACTION_HI_MINUS,  /* [lo, hi - delta] */
  EVOX_FRACTION_HI_PLUS,   /* [lo, hi + delta] */
  EVOX_FRACTION_N_SHIFTS,
} EvoxFractionShift;

/* Exact voxel counts of one phase: its range and the range with each edge moved by -delta and
 * +delta (0 where a moved edge passes the other). */
typedef struct
{
  char    *name;
  double   lo;
  double   hi;
  guint64  voxels;
  guint64  shifted[EVOX_FRACTION_N_SHIFTS];
} EvoxFractionRow;

/* What the fractions CSV holds; fractions are counts over n_finite, the finite values of the
 * basis (the measured scans' or the volume's). */
typedef struct
{
  EvoxBasis        basis;      /* as resolved: EVOX_BASIS_VOLUME for volumes without scans */
  guint64          n_finite;
  double           delta;      /* evox_sensitivity_delta of the volume and channel */
  guint            n_rows;
  EvoxFractionRow *rows;
} EvoxFractionTable;

/* Counts every phase of the list (shown or hidden, in order) over its owned range
 * (evox_phase_list_get_owned_range: a voxel on a shared edge counts for the earlier phase) and
 * its moved edges with evox_count_ranges_exact_basis: one pass over the values of the basis for
 * f32 data, none for u8/u16. */
EvoxFractionTable *evox_fraction_table_new     (EvoxVolume               *volume,
                                                guint                     channel,
                                                EvoxBasis                 basis,
                                                EvoxPhaseList            *phases,
                                                GCancellable             *cancellable,
                                                GError                  **error);
void               evox_fraction_table_free    (EvoxFractionTable        *self);
double             evox_fraction_table_get_fraction (const EvoxFractionTable *self,
                                                     guint                    row,
                                                     int                      shift);

/* CSV text (RFC 4180 quoting, '\n' line ends, numbers in the C locale):
 *   phase,lo,hi,voxels,fraction,delta,fraction_lo_minus,fraction_lo_plus,fraction_hi_minus,
 *   fraction_hi_plus,basis
 * basis is "measured" or "volume" (evox_basis_to_string). */
char              *evox_csv_format_fractions   (const EvoxFractionTable  *table);
/*   phase,id,voxels,volume_nm3,diameter_nm,area_nm2,sphericity,centroid_x_nm,centroid_y_nm,
 *   centroid_z_nm,bbox_x0,bbox_y0,bbox_z0,bbox_x1,bbox_y1,bbox_z1,mean,std,min,max,
 *   touches_border
 * min and max are voxel values, written as floats (at most 9 digits); every other number reads
 * back as the same double. One row per particle, EvoxLabels in order; the ids of each
 * EvoxLabels after the first continue after the previous ones' (as in evox_tiff_write_labels),
 * so one EvoxLabels keeps its ids. */
char              *evox_csv_format_particles   (EvoxLabels * const       *labels,
                                                guint                     n_labels);

/* The files, through the safe-output path (never half-written; EVOX_ERROR_EXISTS for an existing
 * path unless overwrite). */
gboolean           evox_csv_write_fraction_table (const char              *path,
                                                  const EvoxFractionTable *table,
                                                  gboolean                 overwrite,
                                                  GError                 **error);
/* evox_fraction_table_new and evox_csv_write_fraction_table in one. */
gboolean           evox_csv_write_fractions    (const char               *path,
                                                EvoxVolume               *volume,
                                                guint                     channel,
                                                EvoxBasis                 basis,
                                                EvoxPhaseList            *phases,
                                                gboolean                  overwrite,
                                                GCancellable             *cancellable,
                                                GError                  **error);
gboolean           evox_csv_write_particles    (const char               *path,
                                                EvoxLabels * const       *labels,
                                                guint                     n_labels,
                                                gboolean                  overwrite,
                                                GError                  **error);
/* Any text as a file, through the same path. */
gboolean           evox_csv_write_text         (const char               *path,
                                                const char               *text,
                                                gsize                     length,
                                                gboolean                  overwrite,
                                                GError                  **error);

/* text behind provenance (the record of evox-methods.h, may be NULL: text alone) as "# "
 * comment lines, through the same path. */
gboolean           evox_csv_write_text_with_provenance (const char       *path,
                                                        const char       *text,
                                                        const char       *provenance,
                                                        gboolean          overwrite,
                                                        GError          **error);

/* The CSV file at path, written by a writer that knows nothing of provenance, rewritten with
 * provenance's comment lines first (through the same path: replaced whole or not at all); TRUE
 * and nothing done for NULL provenance. */
gboolean           evox_csv_add_provenance     (const char               *path,
                                                const char               *provenance,
                                                GError                  **error);

/* One CSV field: quoted (with doubled quotes) when it holds a comma, a quote or a line end. */
void               evox_csv_append_field       (GString                  *line,
                                                const char               *text);
/* The shortest text that reads back (g_ascii_strtod) as the same double; "nan", "inf". */
void               evox_csv_append_double      (GString                  *line,
                                                double                    value);
/* The shortest text that reads back as the same float (at most 9 digits): voxel values. */
void               evox_csv_append_float       (GString                  *line,
                                                float                     value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxFractionTable, evox_fraction_table_free)

G_END_DECLS

/* evox-histogram.h: the fine histogram built once per channel, and exact numpy-style histograms. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

#include "evox-progress.h"
#include "evox-types.h"

G_BEGIN_DECLS

/* Fine bins: one per value for u8 (256) and u16 (65,536) data, so everything derived from them
 * is exact; 65,536 equal bins over [min, max] of the finite values for f32 data. Per-layer counts
 * are kept when they fit in EVOX_FINE_HISTOGRAM_LAYER_BUDGET bytes and are otherwise counted the
 * first time a layer is asked for. */
#define EVOX_FINE_HISTOGRAM_FLOAT_BINS 65536
#define EVOX_FINE_HISTOGRAM_LAYER_BUDGET (64u << 20)

#define EVOX_TYPE_FINE_HISTOGRAM (evox_fine_histogram_get_type ())
GType               evox_fine_histogram_get_type       (void) G_GNUC_CONST;

EvoxFineHistogram  *evox_fine_histogram_new            (EvoxSampleType            type,
                                                        gconstpointer             data,
                                                        gsize                     layer_size,
                                                        gsize                     n_layers,
                                                        double                    min,
                                                        double                    max);
EvoxFineHistogram  *evox_fine_histogram_new_with_progress (EvoxSampleType         type,
                                                           gconstpointer          data,
                                                           gsize                  layer_size,
                                                           gsize                  n_layers,
                                                           double                 min,
                                                           double                 max,
                                                           EvoxProgress          *progress,
                                                           GCancellable          *cancellable,
                                                           GError               **error);
EvoxFineHistogram  *evox_fine_histogram_new_from_layers (const float * const     *layers,
                                                         gsize                    layer_size,
                                                         gsize                    n_layers,
                                                         double                   min,
                                                         double                   max);
EvoxFineHistogram  *evox_fine_histogram_ref            (EvoxFineHistogram        *self);
void                evox_fine_histogram_unref          (EvoxFineHistogram        *self);

gboolean            evox_fine_histogram_is_exact       (EvoxFineHistogram        *self);
guint               evox_fine_histogram_get_n_bins     (EvoxFineHistogram        *self);
double              evox_fine_histogram_get_bin_lo     (EvoxFineHistogram        *self,
                                                        guint                     bin);
double              evox_fine_histogram_get_bin_width  (EvoxFineHistogram        *self);
const guint64      *evox_fine_histogram_get_counts     (EvoxFineHistogram        *self);
guint64             evox_fine_histogram_get_n_finite   (EvoxFineHistogram        *self);
guint64             evox_fine_histogram_get_n_nonfinite (EvoxFineHistogram       *self);
gsize               evox_fine_histogram_get_n_layers   (EvoxFineHistogram        *self);
const guint32      *evox_fine_histogram_get_layer_counts (EvoxFineHistogram      *self,
                                                          gsize                   layer);

guint64             evox_fine_histogram_range_count    (EvoxFineHistogram        *self,
                                                        double                    lo,
                                                        double                    hi);
double              evox_fine_histogram_range_fraction (EvoxFineHistogram        *self,
                                                        double                    lo,
                                                        double                    hi);
/* The smallest positive value counted (for f32 the middle of the first fine bin with positive
 * values), 0 when there is none: the floor of a log axis over linear data. */
double              evox_fine_histogram_get_smallest_positive (EvoxFineHistogram *self);
gboolean            evox_fine_histogram_display        (EvoxFineHistogram        *self,
                                                        gssize                    layer,
                                                        guint                     n_bins,
                                                        double                    lo,
                                                        double                    hi,
                                                        gboolean                  log_axis,
                                                        double                   *counts);

/* Exact histograms with numpy.histogram's edges and edge rule: n_bins + 1 edges from linspace
 * (rounded to float for f32 data, as numpy does), half-open bins with the last one closed,
 * values outside [lo, hi] and non-finite values dropped. */
typedef struct
{
  guint    n_bins;
  gboolean single;   /* edges and comparisons in single precision (f32 data) */
  double  *edges;    /* n_bins + 1 */
} EvoxBinning;

EvoxBinning        *evox_binning_new                   (guint                     n_bins,
                                                        double                    lo,
                                                        double                    hi,
                                                        gboolean                  single);
void                evox_binning_free                  (EvoxBinning              *self);
gssize              evox_binning_find                  (const EvoxBinning        *self,
                                                        double                    value);
void                evox_binning_count                 (const EvoxBinning        *self,
                                                        EvoxSampleType            type,
                                                        gconstpointer             data,
                                                        gsize                     n,
                                                        guint64                  *counts);
void                evox_binning_count_fine            (const EvoxBinning        *self,
                                                        EvoxFineHistogram        *fine,
                                                        gssize                    layer,
                                                        guint64                  *counts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxFineHistogram, evox_fine_histogram_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxBinning, evox_binning_free)

G_END_DECLS

/* evox-volume.h: the one in-memory volume model every reader produces and every view reads. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

#include "evox-progress.h"
#include "evox-types.h"

G_BEGIN_DECLS

/* Where a grid layer's values come from. Measured layers copy scan `scan`; interpolated layers
 * are (1 - weight) * scan + weight * scan_below. Volumes without scans have every layer measured
 * with scan = -1. */
typedef struct
{
  double   z_nm;
  gboolean measured;
  int      scan;
  int      scan_below;
  double   weight;
} EvoxLayer;

/* A measured SSRM scan kept as it was, at its true depth, one value per pixel (nx * ny). */
typedef struct
{
  double  z_nm;
  char   *label;
  float  *values;
} EvoxScan;

/* Statistics over the finite values; non-finite values (NaN, inf) are only counted. */
typedef struct
{
  double  min;
  double  max;
  double  mean;
  double  std;
  guint64 n_finite;
  guint64 n_nonfinite;
} EvoxStats;

#define EVOX_TYPE_VOLUME (evox_volume_get_type ())
G_DECLARE_FINAL_TYPE (EvoxVolume, evox_volume, EVOX, VOLUME, GObject)

EvoxVolume       *evox_volume_new                  (gsize            nx,
                                                    gsize            ny,
                                                    gsize            nz,
                                                    guint            n_channels,
                                                    EvoxSampleType   type,
                                                    GError         **error);

void              evox_volume_get_dims             (EvoxVolume      *self,
                                                    gsize            dims[3]);
gsize             evox_volume_get_n_voxels         (EvoxVolume      *self);
EvoxSampleType    evox_volume_get_sample_type      (EvoxVolume      *self);
guint             evox_volume_get_n_channels       (EvoxVolume      *self);
gconstpointer     evox_volume_get_data             (EvoxVolume      *self,
                                                    guint            channel);
gpointer          evox_volume_get_data_mut         (EvoxVolume      *self,
                                                    guint            channel);
void              evox_volume_freeze               (EvoxVolume      *self);
gboolean          evox_volume_is_frozen            (EvoxVolume      *self);
double            evox_volume_get_value            (EvoxVolume      *self,
                                                    guint            channel,
                                                    gsize            x,
                                                    gsize            y,
                                                    gsize            z);

const char       *evox_volume_get_channel_label    (EvoxVolume      *self,
                                                    guint            channel);
double            evox_volume_get_channel_energy   (EvoxVolume      *self,
                                                    guint            channel);
gboolean          evox_volume_get_channel_derived  (EvoxVolume      *self,
                                                    guint            channel);
void              evox_volume_set_channel_info     (EvoxVolume      *self,
                                                    guint            channel,
                                                    const char      *label,
                                                    double           energy_ev);
/* Per-channel lateral pixel size in nm (a raw spectral stack: each energy's magnification);
 * unset, the volume's x spacing. */
double            evox_volume_get_channel_pixel_size (EvoxVolume    *self,
                                                    guint            channel);
void              evox_volume_set_channel_pixel_size (EvoxVolume    *self,
                                                    guint            channel,
                                                    double           pixel_size_nm);
/* Whether the channel was given a pixel size (else it follows the x spacing). */
gboolean          evox_volume_has_channel_pixel_size (EvoxVolume    *self,
                                                    guint            channel);
int               evox_volume_find_channel         (EvoxVolume      *self,
                                                    const char      *name_or_index);

void              evox_volume_get_spacing          (EvoxVolume      *self,
                                                    double           spacing_nm[3]);
void              evox_volume_set_spacing          (EvoxVolume      *self,
                                                    const double     spacing_nm[3]);
gboolean          evox_volume_get_spacing_known    (EvoxVolume      *self);
void              evox_volume_set_spacing_known    (EvoxVolume      *self,
                                                    gboolean         known);
void              evox_volume_get_origin           (EvoxVolume      *self,
                                                    double           origin_nm[3]);
void              evox_volume_set_origin           (EvoxVolume      *self,
                                                    const double     origin_nm[3]);
/* Takes like's spacing, whether it is known, and origin: for a volume derived voxel for voxel
 * from like (maps, labels, a part of its channels). */
void              evox_volume_copy_grid            (EvoxVolume      *self,
                                                    EvoxVolume      *like);

/* Value meaning. The volume-wide getters are channel 0's; evox_volume_set_values sets every
 * channel's. A derived channel (_evox_volume_new_with_channel) starts linear "value". */
EvoxValueScale    evox_volume_get_value_scale      (EvoxVolume      *self);
const char       *evox_volume_get_unit             (EvoxVolume      *self);
const char       *evox_volume_get_quantity         (EvoxVolume      *self);
void              evox_volume_set_values           (EvoxVolume      *self,
                                                    EvoxValueScale   scale,
                                                    const char      *quantity,
                                                    const char      *unit);
EvoxValueScale    evox_volume_get_channel_value_scale (EvoxVolume   *self,
                                                    guint            channel);
const char       *evox_volume_get_channel_unit     (EvoxVolume      *self,
                                                    guint            channel);
const char       *evox_volume_get_channel_quantity (EvoxVolume      *self,
                                                    guint            channel);
void              evox_volume_set_channel_values   (EvoxVolume      *self,
                                                    guint            channel,
                                                    EvoxValueScale   scale,
                                                    const char      *quantity,
                                                    const char      *unit);
gboolean          evox_volume_channels_share_values (EvoxVolume     *self);

const EvoxLayer  *evox_volume_get_layer            (EvoxVolume      *self,
                                                    gsize            z);
void              evox_volume_set_layer            (EvoxVolume      *self,
                                                    gsize            z,
                                                    const EvoxLayer *layer);

guint             evox_volume_get_n_scans          (EvoxVolume      *self);
const EvoxScan   *evox_volume_get_scan             (EvoxVolume      *self,
                                                    guint            i);
void              evox_volume_add_scan             (EvoxVolume      *self,
                                                    double           z_nm,
                                                    const char      *label,
                                                    float           *values);

const char       *evox_volume_get_metadata         (EvoxVolume      *self,
                                                    const char      *key);
void              evox_volume_set_metadata         (EvoxVolume      *self,
                                                    const char      *key,
                                                    const char      *value);
GStrv             evox_volume_dup_metadata_keys    (EvoxVolume      *self);

const EvoxStats  *evox_volume_get_stats            (EvoxVolume      *self,
                                                    guint            channel);
const EvoxStats  *evox_volume_get_measured_stats   (EvoxVolume      *self);
EvoxFineHistogram *evox_volume_get_fine_histogram  (EvoxVolume      *self,
                                                    guint            channel);
EvoxFineHistogram *evox_volume_get_measured_fine_histogram (EvoxVolume *self);
gboolean          evox_volume_build_histograms     (EvoxVolume      *self,
                                                    EvoxProgress    *progress,
                                                    GCancellable    *cancellable,
                                                    GError         **error);
gboolean          evox_volume_source_is_integer    (EvoxVolume      *self);

/* A derived volume sharing base's voxels plus one new channel (see evox-volume.c). */
EvoxVolume       *_evox_volume_new_with_channel    (EvoxVolume      *base,
                                                    const char      *label,
                                                    gpointer         data,
                                                    GError         **error);

G_END_DECLS

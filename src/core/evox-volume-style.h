/* evox-volume-style.h: how the Volume view draws a volume: ray mode, transfer function, clip box. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What a ray makes of the samples it meets. */
typedef enum
{
  EVOX_RAY_COMPOSITE,  /* front-to-back emission and absorption through the transfer function */
  EVOX_RAY_MIP,        /* maximum intensity projection: the colour of the largest value */
  EVOX_RAY_MINIP,      /* minimum intensity projection */
  EVOX_RAY_MEAN,       /* the colour of the mean value along the ray inside the volume */
  EVOX_RAY_ISO,        /* the first crossing of iso-level, shaded by the gradient (headlight) */
} EvoxRayMode;

#define EVOX_RAY_MODE_LAST EVOX_RAY_ISO

/* Where a sample's colour and opacity come from. */
typedef enum
{
  EVOX_VOLUME_SOURCE_COLORMAP,  /* the display's colour map, mapping and range; opacity from the
                                 * curve of points */
  EVOX_VOLUME_SOURCE_PHASES,    /* each visible phase its colour, alpha = its opacity x
                                 * opacity-scale; values in no visible phase clear */
  EVOX_VOLUME_SOURCE_CLUSTERS,  /* each visible cluster its colour, alpha = the cluster overlay's
                                 * opacity x opacity-scale; the mask (id 0) and hidden clusters
                                 * clear */
} EvoxVolumeSource;

#define EVOX_VOLUME_SOURCE_LAST EVOX_VOLUME_SOURCE_CLUSTERS

GType evox_ray_mode_get_type      (void) G_GNUC_CONST;
GType evox_volume_source_get_type (void) G_GNUC_CONST;
#define EVOX_TYPE_RAY_MODE (evox_ray_mode_get_type ())
#define EVOX_TYPE_VOLUME_SOURCE (evox_volume_source_get_type ())

/* The command line's names: "composite", "mip", "minip", "mean", "iso". */
const char *evox_ray_mode_to_string   (EvoxRayMode  mode);
gboolean    evox_ray_mode_from_string (const char  *name,
                                       EvoxRayMode *mode);

/* Opacity is per unit length, the unit being the volume's smallest voxel spacing: a ray that
 * crosses a thickness of t such units of constant opacity a keeps (1 - a)^t of the light behind
 * it (Beer-Lambert), whatever the sampling step. Opacity points (value, opacity) are stored
 * values (log10 numbers for log10 data) and opacities in [0, 1], kept sorted by value; the curve
 * is linear between points and constant beyond the first and the last. Two points may share a
 * value: the curve steps there. An empty curve is opacity 0 everywhere.
 *
 * Properties (notify only on real change): mode (EvoxRayMode, default composite), source
 * (EvoxVolumeSource, default colormap), iso-level (double, stored value, default 0),
 * opacity-scale (double in [0, 1], default 1: multiplies every opacity of every source),
 * show-slices (boolean, default FALSE: the three slices drawn inside the volume, depth
 * composited), mark-layers (boolean, default TRUE: outlines of the measured layers of an SSRM
 * stack). "changed" is emitted once after any change (properties, points, clip box), so the
 * renderer follows one signal. */
#define EVOX_TYPE_VOLUME_STYLE (evox_volume_style_get_type ())
G_DECLARE_FINAL_TYPE (EvoxVolumeStyle, evox_volume_style, EVOX, VOLUME_STYLE, GObject)

EvoxVolumeStyle  *evox_volume_style_new               (void);

EvoxRayMode       evox_volume_style_get_mode          (EvoxVolumeStyle *self);
void              evox_volume_style_set_mode          (EvoxVolumeStyle *self,
                                                       EvoxRayMode      mode);
EvoxVolumeSource  evox_volume_style_get_source        (EvoxVolumeStyle *self);
void              evox_volume_style_set_source        (EvoxVolumeStyle *self,
                                                       EvoxVolumeSource source);
double            evox_volume_style_get_iso_level     (EvoxVolumeStyle *self);
void              evox_volume_style_set_iso_level     (EvoxVolumeStyle *self,
                                                       double           level);
double            evox_volume_style_get_opacity_scale (EvoxVolumeStyle *self);
void              evox_volume_style_set_opacity_scale (EvoxVolumeStyle *self,
                                                       double           scale);
gboolean          evox_volume_style_get_show_slices   (EvoxVolumeStyle *self);
void              evox_volume_style_set_show_slices   (EvoxVolumeStyle *self,
                                                       gboolean         show);
gboolean          evox_volume_style_get_mark_layers   (EvoxVolumeStyle *self);
void              evox_volume_style_set_mark_layers   (EvoxVolumeStyle *self,
                                                       gboolean         mark);

/* The opacity curve. */
guint             evox_volume_style_get_n_points      (EvoxVolumeStyle *self);
void              evox_volume_style_get_point         (EvoxVolumeStyle *self,
                                                       guint            index,
                                                       double          *value,
                                                       double          *opacity);
/* Replaces the curve with n points (values finite, opacities clamped to [0, 1]); they are
 * sorted by value (a stable sort, so equal values keep their order). */
void              evox_volume_style_set_points        (EvoxVolumeStyle *self,
                                                       const double    *values,
                                                       const double    *opacities,
                                                       guint            n);
/* Adds one point; returns its index after sorting. */
guint             evox_volume_style_add_point         (EvoxVolumeStyle *self,
                                                       double           value,
                                                       double           opacity);
/* Moves point index (the curve is re-sorted; returns the point's new index, so a drag can keep
 * holding it). */
guint             evox_volume_style_move_point        (EvoxVolumeStyle *self,
                                                       guint            index,
                                                       double           value,
                                                       double           opacity);
void              evox_volume_style_remove_point      (EvoxVolumeStyle *self,
                                                       guint            index);
/* The default curve for a display range: 0 at lo rising linearly to 0.1 at hi. */
void              evox_volume_style_reset_points      (EvoxVolumeStyle *self,
                                                       double           lo,
                                                       double           hi);
/* The SSRM seed's translucent volume between two thresholds (`--opacity LO:HI`): opacity
 * `opacity` for lo <= v <= hi, 0 outside (four points, steps at lo and hi). */
void              evox_volume_style_set_box           (EvoxVolumeStyle *self,
                                                       double           lo,
                                                       double           hi,
                                                       double           opacity);
/* The curve at value v (before opacity-scale); 0 for NaN. Exactly on points (a step), the
 * largest of their opacities, so a box holds both its edges. */
double            evox_volume_style_opacity_at        (EvoxVolumeStyle *self,
                                                       double           value);
/* n samples of the curve (times opacity-scale) at lo + (hi - lo) * i / (n - 1), n >= 2: the
 * renderer's lookup table. */
void              evox_volume_style_sample            (EvoxVolumeStyle *self,
                                                       double           lo,
                                                       double           hi,
                                                       guint            n,
                                                       float           *opacity);

/* The clip box, as fractions of the volume's extent on each axis (x, y, z): only what lies in
 * lo[a] <= f <= hi[a] on every axis is drawn by the ray caster. Default 0..1. Set clamps to
 * [0, 1] and keeps lo <= hi. */
void              evox_volume_style_get_clip          (EvoxVolumeStyle *self,
                                                       double           lo[3],
                                                       double           hi[3]);
void              evox_volume_style_set_clip          (EvoxVolumeStyle *self,
                                                       const double     lo[3],
                                                       const double     hi[3]);
gboolean          evox_volume_style_is_clipped        (EvoxVolumeStyle *self);

G_END_DECLS

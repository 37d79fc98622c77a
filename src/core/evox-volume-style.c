/* evox-volume-style.c: the Volume view's model: ray mode, opacity curve, colour source, clip box. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-volume-style.h"
#include "evox-types.h"

G_DEFINE_ENUM_TYPE (EvoxRayMode, evox_ray_mode,
  G_DEFINE_ENUM_VALUE (EVOX_RAY_COMPOSITE, "composite"),
  G_DEFINE_ENUM_VALUE (EVOX_RAY_MIP, "mip"),
  G_DEFINE_ENUM_VALUE (EVOX_RAY_MINIP, "minip"),
  G_DEFINE_ENUM_VALUE (EVOX_RAY_MEAN, "mean"),
  G_DEFINE_ENUM_VALUE (EVOX_RAY_ISO, "iso"))

G_DEFINE_ENUM_TYPE (EvoxVolumeSource, evox_volume_source,
  G_DEFINE_ENUM_VALUE (EVOX_VOLUME_SOURCE_COLORMAP, "colormap"),
  G_DEFINE_ENUM_VALUE (EVOX_VOLUME_SOURCE_PHASES, "phases"),
  G_DEFINE_ENUM_VALUE (EVOX_VOLUME_SOURCE_CLUSTERS, "clusters"))

static const char * const mode_names[] = { "composite", "mip", "minip", "mean", "iso" };

const char *
evox_ray_mode_to_string (EvoxRayMode mode)
{
  g_return_val_if_fail (mode <= EVOX_RAY_MODE_LAST, NULL);
  return mode_names[mode];
}

gboolean
evox_ray_mode_from_string (const char  *name,
                           EvoxRayMode *mode)
{
  int i;

  g_return_val_if_fail (name != NULL, FALSE);

  i = _evox_name_index (mode_names, G_N_ELEMENTS (mode_names), name);
  if (i < 0)
    return FALSE;
  if (mode != NULL)
    *mode = (EvoxRayMode) i;
  return TRUE;
}

typedef struct
{
  double value;
  double opacity;
} Point;

struct _EvoxVolumeStyle
{
  GObject           parent_instance;
  EvoxRayMode       mode;
  EvoxVolumeSource  source;
  double            iso_level;
  double            opacity_scale;
  gboolean          show_slices;
  gboolean          mark_layers;
  GArray           *points;  /* of Point, sorted by value */
  double            clip_lo[3];
  double            clip_hi[3];
};

G_DEFINE_FINAL_TYPE (EvoxVolumeStyle, evox_volume_style, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MODE,
  PROP_SOURCE,
  PROP_ISO_LEVEL,
  PROP_OPACITY_SCALE,
  PROP_SHOW_SLICES,
  PROP_MARK_LAYERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit_changed (EvoxVolumeStyle *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
notify_changed (EvoxVolumeStyle *self,
                guint            prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  emit_changed (self);
}

static void
evox_volume_style_finalize (GObject *object)
{
  EvoxVolumeStyle *self = EVOX_VOLUME_STYLE (object);

  g_clear_pointer (&self->points, g_array_unref);
  G_OBJECT_CLASS (evox_volume_style_parent_class)->finalize (object);
}

static void
evox_volume_style_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  EvoxVolumeStyle *self = EVOX_VOLUME_STYLE (object);

  switch (prop_id)
    {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_SOURCE:
      g_value_set_enum (value, self->source);
      break;
    case PROP_ISO_LEVEL:
      g_value_set_double (value, self->iso_level);
      break;
    case PROP_OPACITY_SCALE:
      g_value_set_double (value, self->opacity_scale);
      break;
    case PROP_SHOW_SLICES:
      g_value_set_boolean (value, self->show_slices);
      break;
    case PROP_MARK_LAYERS:
      g_value_set_boolean (value, self->mark_layers);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_volume_style_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  EvoxVolumeStyle *self = EVOX_VOLUME_STYLE (object);

  switch (prop_id)
    {
    case PROP_MODE:
      evox_volume_style_set_mode (self, g_value_get_enum (value));
      break;
    case PROP_SOURCE:
      evox_volume_style_set_source (self, g_value_get_enum (value));
      break;
    case PROP_ISO_LEVEL:
      evox_volume_style_set_iso_level (self, g_value_get_double (value));
      break;
    case PROP_OPACITY_SCALE:
      evox_volume_style_set_opacity_scale (self, g_value_get_double (value));
      break;
    case PROP_SHOW_SLICES:
      evox_volume_style_set_show_slices (self, g_value_get_boolean (value));
      break;
    case PROP_MARK_LAYERS:
      evox_volume_style_set_mark_layers (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_volume_style_class_init (EvoxVolumeStyleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = evox_volume_style_finalize;
  object_class->get_property = evox_volume_style_get_property;
  object_class->set_property = evox_volume_style_set_property;

  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, EVOX_TYPE_RAY_MODE, EVOX_RAY_COMPOSITE, flags);
  properties[PROP_SOURCE] =
    g_param_spec_enum ("source", NULL, NULL, EVOX_TYPE_VOLUME_SOURCE,
                       EVOX_VOLUME_SOURCE_COLORMAP, flags);
  properties[PROP_ISO_LEVEL] =
    g_param_spec_double ("iso-level", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0.0, flags);
  properties[PROP_OPACITY_SCALE] =
    g_param_spec_double ("opacity-scale", NULL, NULL, 0.0, 1.0, 1.0, flags);
  properties[PROP_SHOW_SLICES] =
    g_param_spec_boolean ("show-slices", NULL, NULL, FALSE, flags);
  properties[PROP_MARK_LAYERS] =
    g_param_spec_boolean ("mark-layers", NULL, NULL, TRUE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
evox_volume_style_init (EvoxVolumeStyle *self)
{
  self->mode = EVOX_RAY_COMPOSITE;
  self->source = EVOX_VOLUME_SOURCE_COLORMAP;
  self->opacity_scale = 1.0;
  self->mark_layers = TRUE;
  self->points = g_array_new (FALSE, FALSE, sizeof (Point));
  for (guint a = 0; a < 3; a++)
    {
      self->clip_lo[a] = 0.0;
      self->clip_hi[a] = 1.0;
    }
}

EvoxVolumeStyle *
evox_volume_style_new (void)
{
  return g_object_new (EVOX_TYPE_VOLUME_STYLE, NULL);
}

EvoxRayMode
evox_volume_style_get_mode (EvoxVolumeStyle *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), EVOX_RAY_COMPOSITE);
  return self->mode;
}

void
evox_volume_style_set_mode (EvoxVolumeStyle *self,
                            EvoxRayMode      mode)
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (mode <= EVOX_RAY_MODE_LAST);

  if (self->mode == mode)
    return;
  self->mode = mode;
  notify_changed (self, PROP_MODE);
}

EvoxVolumeSource
evox_volume_style_get_source (EvoxVolumeStyle *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), EVOX_VOLUME_SOURCE_COLORMAP);
  return self->source;
}

void
evox_volume_style_set_source (EvoxVolumeStyle  *self,
                              EvoxVolumeSource  source)
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (source <= EVOX_VOLUME_SOURCE_LAST);

  if (self->source == source)
    return;
  self->source = source;
  notify_changed (self, PROP_SOURCE);
}

double
evox_volume_style_get_iso_level (EvoxVolumeStyle *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), 0.0);
  return self->iso_level;
}

void
evox_volume_style_set_iso_level (EvoxVolumeStyle *self,
                                 double           level)
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (isfinite (level));

  if (self->iso_level == level)
    return;
  self->iso_level = level;
  notify_changed (self, PROP_ISO_LEVEL);
}

double
evox_volume_style_get_opacity_scale (EvoxVolumeStyle *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), 1.0);
  return self->opacity_scale;
}

void
evox_volume_style_set_opacity_scale (EvoxVolumeStyle *self,
                                     double           scale)
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (!isnan (scale));

  scale = CLAMP (scale, 0.0, 1.0);
  if (self->opacity_scale == scale)
    return;
  self->opacity_scale = scale;
  notify_changed (self, PROP_OPACITY_SCALE);
}

gboolean
evox_volume_style_get_show_slices (EvoxVolumeStyle *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), FALSE);
  return self->show_slices;
}

void
evox_volume_style_set_show_slices (EvoxVolumeStyle *self,
                                   gboolean         show)
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));

  show = !!show;
  if (self->show_slices == show)
    return;
  self->show_slices = show;
  notify_changed (self, PROP_SHOW_SLICES);
}

gboolean
evox_volume_style_get_mark_layers (EvoxVolumeStyle *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), TRUE);
  return self->mark_layers;
}

void
evox_volume_style_set_mark_layers (EvoxVolumeStyle *self,
                                   gboolean         mark)
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));

  mark = !!mark;
  if (self->mark_layers == mark)
    return;
  self->mark_layers = mark;
  notify_changed (self, PROP_MARK_LAYERS);
}

guint
evox_volume_style_get_n_points (EvoxVolumeStyle *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), 0);
  return self->points->len;
}

void
evox_volume_style_get_point (EvoxVolumeStyle *self,
                             guint            index,
                             double          *value,
                             double          *opacity)
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (index < self->points->len);

  const Point *p = &g_array_index (self->points, Point, index);
  if (value != NULL)
    *value = p->value;
  if (opacity != NULL)
    *opacity = p->opacity;
}

/* Where a point of this value goes: after every point of a value <= it, so equal values keep
 * the order they were given in. */
static guint
insertion_index (EvoxVolumeStyle *self,
                 double           value)
{
  guint i = 0;

  while (i < self->points->len && g_array_index (self->points, Point, i).value <= value)
    i++;
  return i;
}

static guint
insert_point (EvoxVolumeStyle *self,
              double           value,
              double           opacity)
{
  Point p = { value, CLAMP (opacity, 0.0, 1.0) };
  guint index = insertion_index (self, value);

  g_array_insert_val (self->points, index, p);
  return index;
}

void
evox_volume_style_set_points (EvoxVolumeStyle *self,
                              const double    *values,
                              const double    *opacities,
                              guint            n)
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (n == 0 || (values != NULL && opacities != NULL));

  for (guint i = 0; i < n; i++)
    g_return_if_fail (isfinite (values[i]) && !isnan (opacities[i]));
  g_array_set_size (self->points, 0);
  for (guint i = 0; i < n; i++)
    insert_point (self, values[i], opacities[i]);
  emit_changed (self);
}

guint
evox_volume_style_add_point (EvoxVolumeStyle *self,
                             double           value,
                             double           opacity)
{
  guint index;

  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), 0);
  g_return_val_if_fail (isfinite (value) && !isnan (opacity), 0);

  index = insert_point (self, value, opacity);
  emit_changed (self);
  return index;
}

guint
evox_volume_style_move_point (EvoxVolumeStyle *self,
                              guint            index,
                              double           value,
                              double           opacity)
{
  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), 0);
  g_return_val_if_fail (index < self->points->len, 0);
  g_return_val_if_fail (isfinite (value) && !isnan (opacity), index);

  g_array_remove_index (self->points, index);
  index = insert_point (self, value, opacity);
  emit_changed (self);
  return index;
}

void
evox_volume_style_remove_point (EvoxVolumeStyle *self,
                                guint            index)
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (index < self->points->len);

  g_array_remove_index (self->points, index);
  emit_changed (self);
}

void
evox_volume_style_reset_points (EvoxVolumeStyle *self,
                                double           lo,
                                double           hi)
{
  const double values[2] = { lo, hi };
  const double opacities[2] = { 0.0, 0.1 };

  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (isfinite (lo) && isfinite (hi));

  evox_volume_style_set_points (self, values, opacities, 2);
}

void
evox_volume_style_set_box (EvoxVolumeStyle *self,
                           double           lo,
                           double           hi,
                           double           opacity)
{
  const double values[4] = { lo, lo, hi, hi };
  const double opacities[4] = { 0.0, opacity, opacity, 0.0 };

  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (isfinite (lo) && isfinite (hi) && lo <= hi);

  evox_volume_style_set_points (self, values, opacities, 4);
}

double
evox_volume_style_opacity_at (EvoxVolumeStyle *self,
                              double           value)
{
  const Point *p;
  guint n, i;
  double best = -1.0;

  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), 0.0);

  n = self->points->len;
  if (n == 0 || isnan (value))
    return 0.0;
  p = (const Point *) self->points->data;
  if (value < p[0].value)
    return p[0].opacity;
  if (value > p[n - 1].value)
    return p[n - 1].opacity;
  /* On a point, the largest opacity of the points there: a box [lo, hi] holds both edges. */
  for (i = 0; i < n; i++)
    if (p[i].value == value)
      best = MAX (best, p[i].opacity);
  if (best >= 0.0)
    return best;
  for (i = 1; p[i].value < value; i++)
    ;
  return p[i - 1].opacity +
         (value - p[i - 1].value) / (p[i].value - p[i - 1].value) *
         (p[i].opacity - p[i - 1].opacity);
}

void
evox_volume_style_sample (EvoxVolumeStyle *self,
                          double           lo,
                          double           hi,
                          guint            n,
                          float           *opacity)
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (n >= 2 && opacity != NULL);

  for (guint i = 0; i < n; i++)
    {
      double v = lo + (hi - lo) * i / (n - 1);
      opacity[i] = (float) (evox_volume_style_opacity_at (self, v) * self->opacity_scale);
    }
}

void
evox_volume_style_get_clip (EvoxVolumeStyle *self,
                            double           lo[3],
                            double           hi[3])
{
  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));

  memcpy (lo, self->clip_lo, sizeof self->clip_lo);
  memcpy (hi, self->clip_hi, sizeof self->clip_hi);
}

void
evox_volume_style_set_clip (EvoxVolumeStyle *self,
                            const double     lo[3],
                            const double     hi[3])
{
  gboolean changed = FALSE;

  g_return_if_fail (EVOX_IS_VOLUME_STYLE (self));
  g_return_if_fail (lo != NULL && hi != NULL);

  for (guint a = 0; a < 3; a++)
    {
      g_return_if_fail (!isnan (lo[a]) && !isnan (hi[a]));
      double l = CLAMP (lo[a], 0.0, 1.0), h = CLAMP (hi[a], 0.0, 1.0);
      if (h < l)
        h = l;
      changed |= l != self->clip_lo[a] || h != self->clip_hi[a];
      self->clip_lo[a] = l;
      self->clip_hi[a] = h;
    }
  if (changed)
    emit_changed (self);
}

gboolean
evox_volume_style_is_clipped (EvoxVolumeStyle *self)
{
  g_return_val_if_fail (EVOX_IS_VOLUME_STYLE (self), FALSE);

  for (guint a = 0; a < 3; a++)
    if (self->clip_lo[a] > 0.0 || self->clip_hi[a] < 1.0)
      return TRUE;
  return FALSE;
}

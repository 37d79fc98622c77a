/* evox-overlays.c: a figure's overlay settings: which items show, where, at what font size. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-overlays.h"

#define DEFAULT_FONT_SIZE 14.0
#define MIN_FONT_SIZE 6.0
#define MAX_FONT_SIZE 96.0

typedef struct
{
  char  *text;
  double fx;
  double fy;
} Label;

struct _EvoxOverlays
{
  GObject  parent_instance;
  gboolean visible[EVOX_N_OVERLAY_ITEMS];
  double   position[EVOX_N_OVERLAY_ITEMS][2];
  double   font_size;
  double   scale_bar_length;
  GArray  *labels;  /* of Label */
};

G_DEFINE_FINAL_TYPE (EvoxOverlays, evox_overlays, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_FONT_SIZE,
  PROP_SCALE_BAR_LENGTH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const double default_position[EVOX_N_OVERLAY_ITEMS][2] = {
  [EVOX_OVERLAY_SCALE_BAR] = { 1.0, 1.0 },
  [EVOX_OVERLAY_COLORBAR] = { 1.0, 0.5 },
  [EVOX_OVERLAY_LEGEND] = { 0.0, 0.0 },
  [EVOX_OVERLAY_AXES] = { 0.0, 1.0 },
};

static void
emit_changed (EvoxOverlays *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
clear_label (gpointer data)
{
  Label *label = data;

  g_clear_pointer (&label->text, g_free);
}

static void
evox_overlays_finalize (GObject *object)
{
  EvoxOverlays *self = EVOX_OVERLAYS (object);

  g_clear_pointer (&self->labels, g_array_unref);
  G_OBJECT_CLASS (evox_overlays_parent_class)->finalize (object);
}

static void
evox_overlays_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  EvoxOverlays *self = EVOX_OVERLAYS (object);

  switch (prop_id)
    {
    case PROP_FONT_SIZE:
      g_value_set_double (value, self->font_size);
      break;
    case PROP_SCALE_BAR_LENGTH:
      g_value_set_double (value, self->scale_bar_length);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_overlays_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  EvoxOverlays *self = EVOX_OVERLAYS (object);

  switch (prop_id)
    {
    case PROP_FONT_SIZE:
      evox_overlays_set_font_size (self, g_value_get_double (value));
      break;
    case PROP_SCALE_BAR_LENGTH:
      evox_overlays_set_scale_bar_length (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_overlays_class_init (EvoxOverlaysClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = evox_overlays_finalize;
  object_class->get_property = evox_overlays_get_property;
  object_class->set_property = evox_overlays_set_property;

  properties[PROP_FONT_SIZE] =
    g_param_spec_double ("font-size", NULL, NULL, MIN_FONT_SIZE, MAX_FONT_SIZE,
                         DEFAULT_FONT_SIZE, flags);
  properties[PROP_SCALE_BAR_LENGTH] =
    g_param_spec_double ("scale-bar-length", NULL, NULL, 0.0, G_MAXDOUBLE, 0.0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
evox_overlays_init (EvoxOverlays *self)
{
  for (guint i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    {
      self->position[i][0] = default_position[i][0];
      self->position[i][1] = default_position[i][1];
    }
  self->font_size = DEFAULT_FONT_SIZE;
  self->labels = g_array_new (FALSE, FALSE, sizeof (Label));
  g_array_set_clear_func (self->labels, clear_label);
}

EvoxOverlays *
evox_overlays_new (void)
{
  return g_object_new (EVOX_TYPE_OVERLAYS, NULL);
}

gboolean
evox_overlays_get_visible (EvoxOverlays    *self,
                           EvoxOverlayItem  item)
{
  g_return_val_if_fail (EVOX_IS_OVERLAYS (self), FALSE);
  g_return_val_if_fail (item < EVOX_N_OVERLAY_ITEMS, FALSE);
  return self->visible[item];
}

void
evox_overlays_set_visible (EvoxOverlays    *self,
                           EvoxOverlayItem  item,
                           gboolean         visible)
{
  g_return_if_fail (EVOX_IS_OVERLAYS (self));
  g_return_if_fail (item < EVOX_N_OVERLAY_ITEMS);

  visible = !!visible;
  if (self->visible[item] == visible)
    return;
  self->visible[item] = visible;
  emit_changed (self);
}

void
evox_overlays_get_position (EvoxOverlays    *self,
                            EvoxOverlayItem  item,
                            double          *fx,
                            double          *fy)
{
  g_return_if_fail (EVOX_IS_OVERLAYS (self));
  g_return_if_fail (item < EVOX_N_OVERLAY_ITEMS);

  if (fx != NULL)
    *fx = self->position[item][0];
  if (fy != NULL)
    *fy = self->position[item][1];
}

void
evox_overlays_set_position (EvoxOverlays    *self,
                            EvoxOverlayItem  item,
                            double           fx,
                            double           fy)
{
  g_return_if_fail (EVOX_IS_OVERLAYS (self));
  g_return_if_fail (item < EVOX_N_OVERLAY_ITEMS);
  g_return_if_fail (!isnan (fx) && !isnan (fy));

  fx = CLAMP (fx, 0.0, 1.0);
  fy = CLAMP (fy, 0.0, 1.0);
  if (self->position[item][0] == fx && self->position[item][1] == fy)
    return;
  self->position[item][0] = fx;
  self->position[item][1] = fy;
  emit_changed (self);
}

double
evox_overlays_get_font_size (EvoxOverlays *self)
{
  g_return_val_if_fail (EVOX_IS_OVERLAYS (self), DEFAULT_FONT_SIZE);
  return self->font_size;
}

void
evox_overlays_set_font_size (EvoxOverlays *self,
                             double        pixels)
{
  g_return_if_fail (EVOX_IS_OVERLAYS (self));
  g_return_if_fail (!isnan (pixels));

  pixels = CLAMP (pixels, MIN_FONT_SIZE, MAX_FONT_SIZE);
  if (self->font_size == pixels)
    return;
  self->font_size = pixels;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FONT_SIZE]);
  emit_changed (self);
}

double
evox_overlays_get_scale_bar_length (EvoxOverlays *self)
{
  g_return_val_if_fail (EVOX_IS_OVERLAYS (self), 0.0);
  return self->scale_bar_length;
}

void
evox_overlays_set_scale_bar_length (EvoxOverlays *self,
                                    double        nm)
{
  g_return_if_fail (EVOX_IS_OVERLAYS (self));
  g_return_if_fail (isfinite (nm) && nm >= 0.0);

  if (self->scale_bar_length == nm)
    return;
  self->scale_bar_length = nm;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE_BAR_LENGTH]);
  emit_changed (self);
}

gboolean
evox_overlays_any_visible (EvoxOverlays *self)
{
  g_return_val_if_fail (EVOX_IS_OVERLAYS (self), FALSE);

  for (guint i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    if (self->visible[i])
      return TRUE;
  return self->labels->len > 0;
}

guint
evox_overlays_get_n_labels (EvoxOverlays *self)
{
  g_return_val_if_fail (EVOX_IS_OVERLAYS (self), 0);
  return self->labels->len;
}

guint
evox_overlays_add_label (EvoxOverlays *self,
                         const char   *text,
                         double        fx,
                         double        fy)
{
  Label label;

  g_return_val_if_fail (EVOX_IS_OVERLAYS (self), 0);
  g_return_val_if_fail (text != NULL && *text != '\0', 0);
  g_return_val_if_fail (!isnan (fx) && !isnan (fy), 0);

  label.text = g_strdup (text);
  label.fx = CLAMP (fx, 0.0, 1.0);
  label.fy = CLAMP (fy, 0.0, 1.0);
  g_array_append_val (self->labels, label);
  emit_changed (self);
  return self->labels->len - 1;
}

const char *
evox_overlays_get_label (EvoxOverlays *self,
                         guint         index,
                         double       *fx,
                         double       *fy)
{
  const Label *label;

  g_return_val_if_fail (EVOX_IS_OVERLAYS (self), NULL);
  g_return_val_if_fail (index < self->labels->len, NULL);

  label = &g_array_index (self->labels, Label, index);
  if (fx != NULL)
    *fx = label->fx;
  if (fy != NULL)
    *fy = label->fy;
  return label->text;
}

void
evox_overlays_set_label_text (EvoxOverlays *self,
                              guint         index,
                              const char   *text)
{
  Label *label;

  g_return_if_fail (EVOX_IS_OVERLAYS (self));
  g_return_if_fail (index < self->labels->len);
  g_return_if_fail (text != NULL && *text != '\0');

  label = &g_array_index (self->labels, Label, index);
  if (g_strcmp0 (label->text, text) == 0)
    return;
  g_free (label->text);
  label->text = g_strdup (text);
  emit_changed (self);
}

void
evox_overlays_move_label (EvoxOverlays *self,
                          guint         index,
                          double        fx,
                          double        fy)
{
  Label *label;

  g_return_if_fail (EVOX_IS_OVERLAYS (self));
  g_return_if_fail (index < self->labels->len);
  g_return_if_fail (!isnan (fx) && !isnan (fy));

  label = &g_array_index (self->labels, Label, index);
  fx = CLAMP (fx, 0.0, 1.0);
  fy = CLAMP (fy, 0.0, 1.0);
  if (label->fx == fx && label->fy == fy)
    return;
  label->fx = fx;
  label->fy = fy;
  emit_changed (self);
}

void
evox_overlays_remove_label (EvoxOverlays *self,
                            guint         index)
{
  g_return_if_fail (EVOX_IS_OVERLAYS (self));
  g_return_if_fail (index < self->labels->len);

  g_array_remove_index (self->labels, index);
  emit_changed (self);
}

gboolean
evox_overlays_parse_label (const char  *spec,
                           char       **text,
                           double      *fx,
                           double      *fy)
{
  const char *at;
  g_auto(GStrv) parts = NULL;
  char *end;

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (fx != NULL && fy != NULL, FALSE);

  at = strrchr (spec, '@');
  if (at == NULL || at == spec)
    return FALSE;
  parts = g_strsplit (at + 1, ",", -1);
  if (g_strv_length (parts) != 2)
    return FALSE;
  /* NaN and infinities fail the range tests too. */
  *fx = g_ascii_strtod (parts[0], &end);
  if (end == parts[0] || *end != '\0' || !(*fx >= 0 && *fx <= 1))
    return FALSE;
  *fy = g_ascii_strtod (parts[1], &end);
  if (end == parts[1] || *end != '\0' || !(*fy >= 0 && *fy <= 1))
    return FALSE;
  if (text != NULL)
    *text = g_strndup (spec, at - spec);
  return TRUE;
}

double
evox_overlays_auto_scale_bar_length (double nm_per_pixel,
                                     double width)
{
  static const double steps[] = { 1.0, 2.0, 5.0, 10.0 };
  double target, decade, best = 0.0, best_distance = G_MAXDOUBLE;

  if (!(nm_per_pixel > 0.0) || !(width > 0.0) || !isfinite (nm_per_pixel * width))
    return 0.0;
  target = nm_per_pixel * width / 5.0;
  decade = pow (10.0, floor (log10 (target)));
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      double length = steps[i] * decade;
      double distance = fabs (log (length / target));
      if (distance < best_distance)
        {
          best = length;
          best_distance = distance;
        }
    }
  return best;
}

/* evox-phase.c: phases (named value ranges with a colour), their volume fractions, Otsu, presets. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "evox-phase.h"

/* matplotlib's tab10: ten colours that stay apart from each other and read over viridis and
 * grey maps. */
static const char * const palette[] = {
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

#define DEFAULT_OPACITY 0.7

/* EvoxPhase */

struct _EvoxPhase
{
  GObject   parent_instance;

  char     *name;
  double    lo;
  double    hi;
  char      color[8];
  double    opacity;
  gboolean  visible;
};

G_DEFINE_FINAL_TYPE (EvoxPhase, evox_phase, G_TYPE_OBJECT)

enum
{
  PHASE_PROP_0,
  PHASE_PROP_NAME,
  PHASE_PROP_LO,
  PHASE_PROP_HI,
  PHASE_PROP_COLOR,
  PHASE_PROP_OPACITY,
  PHASE_PROP_VISIBLE,
  N_PHASE_PROPS
};

static GParamSpec *phase_properties[N_PHASE_PROPS];

gboolean
evox_color_is_valid (const char *color)
{
  if (color == NULL || color[0] != '#' || strlen (color) != 7)
    return FALSE;
  for (guint i = 1; i < 7; i++)
    if (!g_ascii_isxdigit (color[i]))
      return FALSE;
  return TRUE;
}

void
evox_color_get_rgb (const char *color,
                    float       rgb[3])
{
  g_return_if_fail (evox_color_is_valid (color));

  for (guint i = 0; i < 3; i++)
    rgb[i] = (g_ascii_xdigit_value (color[1 + 2 * i]) * 16 +
              g_ascii_xdigit_value (color[2 + 2 * i])) / 255.0f;
}

gboolean
_evox_color_assign (char        stored[8],
                    const char *color)
{
  char lower[8];

  g_return_val_if_fail (evox_color_is_valid (color), FALSE);

  for (guint i = 0; i < 8; i++)
    lower[i] = g_ascii_tolower (color[i]);
  if (strcmp (lower, stored) == 0)
    return FALSE;
  memcpy (stored, lower, sizeof lower);
  return TRUE;
}

/* The first palette colour used least often: one nobody has while there is one, then round the
 * palette again. */
const char *
evox_palette_least_used (const char * const *colors,
                         guint               n)
{
  guint uses[G_N_ELEMENTS (palette)] = { 0 };
  guint best = 0;

  for (guint i = 0; i < n; i++)
    for (guint k = 0; k < G_N_ELEMENTS (palette); k++)
      if (g_ascii_strcasecmp (colors[i], palette[k]) == 0)
        uses[k]++;
  for (guint k = 1; k < G_N_ELEMENTS (palette); k++)
    if (uses[k] < uses[best])
      best = k;
  return palette[best];
}

static void
evox_phase_finalize (GObject *object)
{
  EvoxPhase *self = EVOX_PHASE (object);

  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (evox_phase_parent_class)->finalize (object);
}

static void
evox_phase_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  EvoxPhase *self = EVOX_PHASE (object);

  switch (prop_id)
    {
    case PHASE_PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PHASE_PROP_LO:
      g_value_set_double (value, self->lo);
      break;
    case PHASE_PROP_HI:
      g_value_set_double (value, self->hi);
      break;
    case PHASE_PROP_COLOR:
      g_value_set_string (value, self->color);
      break;
    case PHASE_PROP_OPACITY:
      g_value_set_double (value, self->opacity);
      break;
    case PHASE_PROP_VISIBLE:
      g_value_set_boolean (value, self->visible);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_phase_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  EvoxPhase *self = EVOX_PHASE (object);
  double v;

  switch (prop_id)
    {
    case PHASE_PROP_NAME:
      evox_phase_set_name (self, g_value_get_string (value));
      break;
    case PHASE_PROP_LO:
      /* One edge set on its own pushes the other along, so lo <= hi holds. */
      v = g_value_get_double (value);
      evox_phase_set_range (self, v, MAX (v, self->hi));
      break;
    case PHASE_PROP_HI:
      v = g_value_get_double (value);
      evox_phase_set_range (self, MIN (v, self->lo), v);
      break;
    case PHASE_PROP_COLOR:
      evox_phase_set_color (self, g_value_get_string (value));
      break;
    case PHASE_PROP_OPACITY:
      evox_phase_set_opacity (self, g_value_get_double (value));
      break;
    case PHASE_PROP_VISIBLE:
      evox_phase_set_visible (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_phase_class_init (EvoxPhaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = evox_phase_finalize;
  object_class->get_property = evox_phase_get_property;
  object_class->set_property = evox_phase_set_property;

  phase_properties[PHASE_PROP_NAME] = g_param_spec_string ("name", NULL, NULL, "", rw);
  phase_properties[PHASE_PROP_LO] = g_param_spec_double ("lo", NULL, NULL,
                                                         -G_MAXDOUBLE, G_MAXDOUBLE, 0, rw);
  phase_properties[PHASE_PROP_HI] = g_param_spec_double ("hi", NULL, NULL,
                                                         -G_MAXDOUBLE, G_MAXDOUBLE, 0, rw);
  phase_properties[PHASE_PROP_COLOR] = g_param_spec_string ("color", NULL, NULL, palette[0], rw);
  phase_properties[PHASE_PROP_OPACITY] = g_param_spec_double ("opacity", NULL, NULL, 0, 1,
                                                              DEFAULT_OPACITY, rw);
  phase_properties[PHASE_PROP_VISIBLE] = g_param_spec_boolean ("visible", NULL, NULL, TRUE, rw);
  g_object_class_install_properties (object_class, N_PHASE_PROPS, phase_properties);
}

static void
evox_phase_init (EvoxPhase *self)
{
  self->name = g_strdup ("");
  g_strlcpy (self->color, palette[0], sizeof self->color);
  self->opacity = DEFAULT_OPACITY;
  self->visible = TRUE;
}

/**
 * evox_phase_new:
 * @color: (nullable): "#rrggbb", or %NULL for the first palette colour
 *
 * A visible phase with the default opacity (0.7).
 */
EvoxPhase *
evox_phase_new (const char *name,
                double      lo,
                double      hi,
                const char *color)
{
  EvoxPhase *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (isfinite (lo) && isfinite (hi) && lo <= hi, NULL);
  g_return_val_if_fail (color == NULL || evox_color_is_valid (color), NULL);

  self = g_object_new (EVOX_TYPE_PHASE, NULL);
  g_free (self->name);
  self->name = g_strdup (name);
  self->lo = lo;
  self->hi = hi;
  if (color != NULL)
    _evox_color_assign (self->color, color);
  return self;
}

/* A copy with every property, belonging to no list. */
static EvoxPhase *
phase_copy (EvoxPhase *phase)
{
  EvoxPhase *copy = evox_phase_new (phase->name, phase->lo, phase->hi, phase->color);

  copy->opacity = phase->opacity;
  copy->visible = phase->visible;
  return copy;
}

const char *
evox_phase_get_name (EvoxPhase *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE (self), NULL);
  return self->name;
}

void
evox_phase_set_name (EvoxPhase  *self,
                     const char *name)
{
  g_return_if_fail (EVOX_IS_PHASE (self));
  g_return_if_fail (name != NULL);

  if (g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), phase_properties[PHASE_PROP_NAME]);
}

double
evox_phase_get_lo (EvoxPhase *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE (self), NAN);
  return self->lo;
}

double
evox_phase_get_hi (EvoxPhase *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE (self), NAN);
  return self->hi;
}

void
evox_phase_set_range (EvoxPhase *self,
                      double     lo,
                      double     hi)
{
  gboolean lo_changed, hi_changed;

  g_return_if_fail (EVOX_IS_PHASE (self));
  g_return_if_fail (isfinite (lo) && isfinite (hi) && lo <= hi);

  lo_changed = self->lo != lo;
  hi_changed = self->hi != hi;
  self->lo = lo;
  self->hi = hi;
  /* Both edges are set before anyone hears of either, so no handler sees lo > hi. */
  if (lo_changed)
    g_object_notify_by_pspec (G_OBJECT (self), phase_properties[PHASE_PROP_LO]);
  if (hi_changed)
    g_object_notify_by_pspec (G_OBJECT (self), phase_properties[PHASE_PROP_HI]);
}

const char *
evox_phase_get_color (EvoxPhase *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE (self), NULL);
  return self->color;
}

void
evox_phase_set_color (EvoxPhase  *self,
                      const char *color)
{
  g_return_if_fail (EVOX_IS_PHASE (self));
  g_return_if_fail (evox_color_is_valid (color));

  if (_evox_color_assign (self->color, color))
    g_object_notify_by_pspec (G_OBJECT (self), phase_properties[PHASE_PROP_COLOR]);
}

void
evox_phase_get_rgba (EvoxPhase *self,
                     float      rgba[4])
{
  g_return_if_fail (EVOX_IS_PHASE (self));

  evox_color_get_rgb (self->color, rgba);
  rgba[3] = (float) self->opacity;
}

double
evox_phase_get_opacity (EvoxPhase *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE (self), 0);
  return self->opacity;
}

/* Clamped to [0, 1]. */
void
evox_phase_set_opacity (EvoxPhase *self,
                        double     opacity)
{
  g_return_if_fail (EVOX_IS_PHASE (self));
  g_return_if_fail (!isnan (opacity));

  opacity = CLAMP (opacity, 0.0, 1.0);
  if (self->opacity == opacity)
    return;
  self->opacity = opacity;
  g_object_notify_by_pspec (G_OBJECT (self), phase_properties[PHASE_PROP_OPACITY]);
}

gboolean
evox_phase_get_visible (EvoxPhase *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE (self), FALSE);
  return self->visible;
}

void
evox_phase_set_visible (EvoxPhase *self,
                        gboolean   visible)
{
  g_return_if_fail (EVOX_IS_PHASE (self));

  visible = !!visible;
  if (self->visible == visible)
    return;
  self->visible = visible;
  g_object_notify_by_pspec (G_OBJECT (self), phase_properties[PHASE_PROP_VISIBLE]);
}

gboolean
evox_phase_contains (EvoxPhase *self,
                     double     value)
{
  g_return_val_if_fail (EVOX_IS_PHASE (self), FALSE);
  return value >= self->lo && value <= self->hi;
}

/* a ends where b begins, and each holds more than that one value. */
static gboolean
meets_below (const float a[2],
             const float b[2])
{
  return a[1] == b[0] && a[0] < a[1] && b[0] < b[1];
}

gboolean
evox_phase_overlaps (EvoxPhase      *self,
                     EvoxPhase      *other,
                     EvoxSampleType  type)
{
  float a[2], b[2];

  g_return_val_if_fail (EVOX_IS_PHASE (self), FALSE);
  g_return_val_if_fail (EVOX_IS_PHASE (other), FALSE);

  /* Typing an edge back as it is shown gives the same stored value as the neighbour's edge;
   * comparing what the type can hold keeps that from reading as an overlap. */
  if (!evox_sample_type_inner_range (type, self->lo, self->hi, &a[0], &a[1]) ||
      !evox_sample_type_inner_range (type, other->lo, other->hi, &b[0], &b[1]))
    return FALSE;
  if (!(a[0] <= b[1] && b[0] <= a[1]))
    return FALSE;
  return !meets_below (a, b) && !meets_below (b, a);
}

/* EvoxPhaseList */

struct _EvoxPhaseList
{
  EvoxObjectList  parent_instance;
};

G_DEFINE_FINAL_TYPE (EvoxPhaseList, evox_phase_list, EVOX_TYPE_OBJECT_LIST)

static void
evox_phase_list_class_init (EvoxPhaseListClass *klass)
{
  EVOX_OBJECT_LIST_CLASS (klass)->item_type = EVOX_TYPE_PHASE;
}

static void
evox_phase_list_init (EvoxPhaseList *self)
{
}

static inline guint
n_phases (EvoxPhaseList *self)
{
  return _evox_object_list_get_n (EVOX_OBJECT_LIST (self));
}

/* The phase at index, which must be < n. */
static inline EvoxPhase *
phase_at (EvoxPhaseList *self,
          guint          index)
{
  return _evox_object_list_get (EVOX_OBJECT_LIST (self), index);
}

EvoxPhaseList *
evox_phase_list_new (void)
{
  return g_object_new (EVOX_TYPE_PHASE_LIST, NULL);
}

guint
evox_phase_list_get_n_phases (EvoxPhaseList *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), 0);
  return n_phases (self);
}

EvoxPhase *
evox_phase_list_get_phase (EvoxPhaseList *self,
                           guint          index)
{
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), NULL);
  return _evox_object_list_get (EVOX_OBJECT_LIST (self), index);
}

/* Index of the first phase called name, -1 when none is. */
int
evox_phase_list_find (EvoxPhaseList *self,
                      const char    *name)
{
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), -1);
  g_return_val_if_fail (name != NULL, -1);

  for (guint i = 0; i < n_phases (self); i++)
    if (strcmp (phase_at (self, i)->name, name) == 0)
      return (int) i;
  return -1;
}

/**
 * evox_phase_list_append:
 * @phase: (transfer none): the list takes its own reference
 */
void
evox_phase_list_append (EvoxPhaseList *self,
                        EvoxPhase     *phase)
{
  g_return_if_fail (EVOX_IS_PHASE_LIST (self));
  g_return_if_fail (EVOX_IS_PHASE (phase));

  _evox_object_list_append (EVOX_OBJECT_LIST (self), phase);
}

void
evox_phase_list_remove (EvoxPhaseList *self,
                        guint          index)
{
  g_return_if_fail (EVOX_IS_PHASE_LIST (self));
  g_return_if_fail (index < n_phases (self));

  _evox_object_list_remove (EVOX_OBJECT_LIST (self), index);
}

void
evox_phase_list_move (EvoxPhaseList *self,
                      guint          from,
                      guint          to)
{
  g_return_if_fail (EVOX_IS_PHASE_LIST (self));
  g_return_if_fail (from < n_phases (self) && to < n_phases (self));

  _evox_object_list_move (EVOX_OBJECT_LIST (self), from, to);
}

void
evox_phase_list_assign (EvoxPhaseList *self,
                        EvoxPhaseList *other)
{
  g_autoptr (GPtrArray) copies = NULL;

  g_return_if_fail (EVOX_IS_PHASE_LIST (self));
  g_return_if_fail (EVOX_IS_PHASE_LIST (other));

  if (self == other)
    return;
  copies = g_ptr_array_new_full (n_phases (other), g_object_unref);
  for (guint i = 0; i < n_phases (other); i++)
    g_ptr_array_add (copies, phase_copy (phase_at (other, i)));
  _evox_object_list_replace (EVOX_OBJECT_LIST (self), copies);
}

void
evox_phase_list_clear (EvoxPhaseList *self)
{
  g_return_if_fail (EVOX_IS_PHASE_LIST (self));

  _evox_object_list_clear (EVOX_OBJECT_LIST (self));
}

char *
evox_phase_list_dup_unique_name (EvoxPhaseList *self)
{
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), NULL);

  for (guint n = 1;; n++)
    {
      g_autofree char *name = g_strdup_printf ("Phase %u", n);

      if (evox_phase_list_find (self, name) < 0)
        return g_steal_pointer (&name);
    }
}

const char *
evox_phase_list_next_color (EvoxPhaseList *self)
{
  g_autofree const char **colors = NULL;

  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), palette[0]);

  colors = g_new (const char *, n_phases (self) + 1);
  for (guint i = 0; i < n_phases (self); i++)
    colors[i] = phase_at (self, i)->color;
  return evox_palette_least_used (colors, n_phases (self));
}

int
evox_phase_list_find_owner (EvoxPhaseList *self,
                            double         value)
{
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), -1);

  for (guint i = 0; i < n_phases (self); i++)
    {
      EvoxPhase *phase = phase_at (self, i);

      if (phase->visible && evox_phase_contains (phase, value))
        return (int) i;
    }
  return -1;
}

gboolean
evox_phase_list_overlaps (EvoxPhaseList  *self,
                          guint           index,
                          EvoxSampleType  type)
{
  EvoxPhase *phase;

  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), FALSE);
  g_return_val_if_fail (index < n_phases (self), FALSE);

  phase = phase_at (self, index);
  for (guint i = 0; i < n_phases (self); i++)
    if (i != index && evox_phase_overlaps (phase, phase_at (self, i), type))
      return TRUE;
  return FALSE;
}

/* The stored value next to v, up or down: whole steps for integer types. */
static float
step_value (EvoxSampleType type,
            float          v,
            gboolean       up)
{
  if (type != EVOX_SAMPLE_F32)
    return up ? v + 1 : v - 1;
  return nextafterf (v, up ? INFINITY : -INFINITY);
}

gboolean
evox_phase_list_get_owned_range (EvoxPhaseList  *self,
                                 guint           index,
                                 EvoxSampleType  type,
                                 float          *first,
                                 float          *last)
{
  EvoxPhase *phase;
  float own[2];

  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), FALSE);
  g_return_val_if_fail (index < n_phases (self), FALSE);
  g_return_val_if_fail (first != NULL && last != NULL, FALSE);

  phase = phase_at (self, index);
  if (!evox_sample_type_inner_range (type, phase->lo, phase->hi, &own[0], &own[1]))
    {
      *first = own[0];
      *last = own[1];
      return FALSE;
    }
  *first = own[0];
  *last = own[1];
  for (guint i = 0; i < index; i++)
    {
      EvoxPhase *earlier = phase_at (self, i);
      float other[2];

      if (!evox_sample_type_inner_range (type, earlier->lo, earlier->hi, &other[0], &other[1]))
        continue;
      if (meets_below (other, own))
        *first = step_value (type, own[0], TRUE);
      else if (meets_below (own, other))
        *last = step_value (type, own[1], FALSE);
    }
  return *first <= *last;
}

/* Values typed by users */

static gboolean
is_number_char (char c)
{
  return g_ascii_isdigit (c) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
}

/**
 * evox_phase_parse_value:
 * @unit: (nullable): the data's unit, accepted after the number
 * @stored: (out): the value as stored (its log10 for log10 data)
 *
 * Leading and trailing blanks are ignored. Errors are EVOX_ERROR_ARGUMENT and quote the text.
 */
gboolean
evox_phase_parse_value (const char      *text,
                        EvoxValueScale   scale,
                        const char      *unit,
                        double          *stored,
                        GError         **error)
{
  g_autofree char *copy = NULL;
  const char *start, *rest, *number_end;
  char *end = NULL;
  gboolean has_exponent = FALSE, has_unit = FALSE;
  double value;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (stored != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  copy = g_strstrip (g_strdup (text));
  start = copy;
  /* Only plain decimal notation: strtod alone would also take "nan", "inf" and hexadecimal. */
  for (rest = start; is_number_char (*rest); rest++)
    has_exponent |= *rest == 'e' || *rest == 'E';
  value = g_ascii_strtod (start, &end);
  number_end = rest;
  while (g_ascii_isspace (*rest))
    rest++;
  if (*rest != '\0' && unit != NULL && *unit != '\0' && g_ascii_strcasecmp (rest, unit) == 0)
    has_unit = TRUE;
  if (end == start || end != number_end || (*rest != '\0' && !has_unit))
    {
      if (unit != NULL && *unit != '\0')
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "“%s” is not a number (in %s)",
                     text, unit);
      else
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "“%s” is not a number", text);
      return FALSE;
    }
  if (!isfinite (value))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "“%s” is out of range", text);
      return FALSE;
    }
  if (scale == EVOX_SCALE_LOG10 && (has_exponent || has_unit))
    {
      if (!(value > 0))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "“%s” is not positive: the data are log10 values, so a quantity must be "
                       "above 0", text);
          return FALSE;
        }
      value = log10 (value);
    }
  *stored = value;
  return TRUE;
}

/* Why [lo, hi] can hold no voxel of the sample type, or NULL when it can. */
static char *
range_problem (double         lo,
               double         hi,
               EvoxSampleType type)
{
  double top;

  if (!isfinite (lo) || !isfinite (hi))
    return g_strdup ("the edges must be finite numbers");
  if (lo > hi)
    return g_strdup_printf ("lo %g is above hi %g", lo, hi);
  if (type == EVOX_SAMPLE_F32)
    return NULL;
  if (ceil (lo) > floor (hi))
    return g_strdup_printf ("no whole number between %g and %g: the data are integers", lo, hi);
  top = type == EVOX_SAMPLE_U8 ? 255 : 65535;
  if (hi < 0 || lo > top)
    return g_strdup_printf ("%g to %g lies outside 0 to %g, the values of %s data", lo, hi, top,
                            evox_sample_type_to_string (type));
  return NULL;
}

/**
 * evox_phase_check_range:
 *
 * Fails with EVOX_ERROR_ARGUMENT, naming the phase, when lo > hi, an edge is not finite, or
 * integer data can have no value in [lo, hi].
 */
gboolean
evox_phase_check_range (const char      *name,
                        double           lo,
                        double           hi,
                        EvoxSampleType   type,
                        GError         **error)
{
  g_autofree char *problem = NULL;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  problem = range_problem (lo, hi, type);
  if (problem == NULL)
    return TRUE;
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "Phase “%s”: %s", name, problem);
  return FALSE;
}

/**
 * evox_phase_parse_styled_spec:
 * @has_color: (out) (optional): whether the spec gave a colour
 *
 * The range part goes to evox_phase_parse_spec(); the style is the text from the last ":#".
 *
 * Returns: (transfer full): a new phase, or %NULL with EVOX_ERROR_ARGUMENT quoting the spec.
 */
static EvoxPhase *parse_spec_on_channel (const char  *spec,
                                         EvoxVolume  *volume,
                                         guint        channel,
                                         GError     **error);

/* Splits "RANGE[:#rrggbb[:OPACITY]]" into its range text and style, checking the style: color is
 * NULL without one, opacity -1 without one. */
static gboolean
split_styled_spec (const char  *spec,
                   char       **range,
                   char       **color,
                   double      *opacity,
                   GError     **error)
{
  const char *style = NULL;
  g_auto (GStrv) parts = NULL;

  *range = NULL;
  *color = NULL;
  *opacity = -1;
  /* Numbers never hold '#', so the last ":#" starts the style. */
  style = g_strrstr (spec, ":#");
  if (style == NULL)
    {
      *range = g_strdup (spec);
      return TRUE;
    }
  parts = g_strsplit (style + 1, ":", 3);
  if (!evox_color_is_valid (parts[0]))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Phase “%s”: the colour must be #rrggbb", spec);
      return FALSE;
    }
  if (parts[1] != NULL)
    {
      char *end = NULL;

      *opacity = g_ascii_strtod (parts[1], &end);
      if (parts[2] != NULL || end == parts[1] || *end != '\0' ||
          !(*opacity >= 0 && *opacity <= 1))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "Phase “%s”: the opacity after the colour must be a number from 0 to 1",
                       spec);
          return FALSE;
        }
    }
  *range = g_strndup (spec, style - spec);
  *color = g_strdup (parts[0]);
  return TRUE;
}

static EvoxPhase *parse_styled_spec_on_channel (const char  *spec,
                                                EvoxVolume  *volume,
                                                guint        channel,
                                                gboolean    *has_color,
                                                GError     **error);

EvoxPhase *
evox_phase_parse_styled_spec (const char  *spec,
                              EvoxVolume  *volume,
                              gboolean    *has_color,
                              GError     **error)
{
  return parse_styled_spec_on_channel (spec, volume, 0, has_color, error);
}

static EvoxPhase *
parse_styled_spec_on_channel (const char  *spec,
                              EvoxVolume  *volume,
                              guint        channel,
                              gboolean    *has_color,
                              GError     **error)
{
  g_autofree char *range = NULL;
  g_autofree char *color = NULL;
  g_autoptr (EvoxPhase) phase = NULL;
  double opacity = -1;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (has_color != NULL)
    *has_color = FALSE;
  if (!split_styled_spec (spec, &range, &color, &opacity, error))
    return NULL;
  if (color == NULL)
    return parse_spec_on_channel (spec, volume, channel, error);
  phase = parse_spec_on_channel (range, volume, channel, error);
  if (phase == NULL)
    return NULL;
  evox_phase_set_color (phase, color);
  if (opacity >= 0)
    evox_phase_set_opacity (phase, opacity);
  if (has_color != NULL)
    *has_color = TRUE;
  return g_steal_pointer (&phase);
}

/* N of "auto:N" (2 to 8), or FALSE with EVOX_ERROR_ARGUMENT quoting the spec. */
static gboolean
parse_auto_spec (const char  *spec,
                 guint       *n,
                 GError     **error)
{
  const char *digits = spec + strlen ("auto:");
  char *end = NULL;
  guint64 value = 0;

  if (g_ascii_isdigit (*digits))
    value = g_ascii_strtoull (digits, &end, 10);
  if (end == NULL || *end != '\0' || value < 2 || value > 8)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Phase “%s”: auto:N takes N from 2 to 8", spec);
      return FALSE;
    }
  *n = (guint) value;
  return TRUE;
}

/* A value's text before the volume is known: it must start with a number; what follows may be
 * the volume's unit, which only the volume can confirm. */
static gboolean
starts_with_number (const char *text)
{
  char *end = NULL;

  g_ascii_strtod (text, &end);
  return end != text;
}

/* NAME=LO:HI into its three stripped parts (any may be empty); FALSE when it is not that shape
 * (no '=', no ':' after it, or a second ':'). */
static gboolean
split_name_range (const char  *spec,
                  char       **name,
                  char       **lo_text,
                  char       **hi_text)
{
  const char *eq = strchr (spec, '=');
  const char *colon = eq != NULL ? strchr (eq + 1, ':') : NULL;

  if (eq == NULL || colon == NULL || strchr (colon + 1, ':') != NULL)
    return FALSE;
  *name = g_strstrip (g_strndup (spec, eq - spec));
  *lo_text = g_strstrip (g_strndup (eq + 1, colon - eq - 1));
  *hi_text = g_strstrip (g_strdup (colon + 1));
  return TRUE;
}

/**
 * evox_phase_check_spec_syntax:
 *
 * What can be checked of a --phase value without the volume: auto:N with N from 2 to 8, or
 * NAME=LO:HI with a name, two values that start with numbers and a valid style. Whether the
 * values are in the data's scale and hold a voxel is left to evox_phase_list_append_specs().
 *
 * Returns: FALSE with EVOX_ERROR_ARGUMENT quoting the spec when it cannot be right.
 */
gboolean
evox_phase_check_spec_syntax (const char  *spec,
                              GError     **error)
{
  g_autofree char *range = NULL;
  g_autofree char *color = NULL;
  g_autofree char *name = NULL;
  g_autofree char *lo_text = NULL;
  g_autofree char *hi_text = NULL;
  double opacity;
  guint n;

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_str_has_prefix (spec, "auto:"))
    return parse_auto_spec (spec, &n, error);
  if (!split_styled_spec (spec, &range, &color, &opacity, error))
    return FALSE;
  if (!split_name_range (range, &name, &lo_text, &hi_text))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Phase “%s”: expected NAME=LO:HI or auto:N", spec);
      return FALSE;
    }
  if (*name == '\0' || !starts_with_number (lo_text) || !starts_with_number (hi_text))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Phase “%s”: expected NAME=LO:HI with numbers LO and HI, or auto:N", spec);
      return FALSE;
    }
  return TRUE;
}

/**
 * evox_phase_list_append_specs:
 * @specs: (array zero-terminated=1) (nullable): --phase values, NAME=LO:HI (with @styled, also
 *   :#rrggbb[:OPACITY] after it) or auto:N
 * @volume: gives the scale, unit and sample type of the values
 * @basis_histogram: the fine histogram that auto:N splits with multi-level Otsu (the basis of the
 *   fractions: an SSRM stack's measured scans, or the channel)
 * @styled: whether a colour and opacity may follow a range
 *
 * Appends one phase per NAME=LO:HI and N per auto:N, the latter named "Phase 1"... as still
 * free; phases without a given colour take the palette's next. Names must be unique. Segment,
 * render and the window all turn their --phase values into phases here, so they agree.
 *
 * Returns: FALSE with an error quoting the spec at the first that fails (EVOX_ERROR_ARGUMENT for
 * a mistake in it); the phases of the specs before it stay appended.
 */
gboolean
evox_phase_list_append_specs (EvoxPhaseList       *self,
                              const char * const  *specs,
                              EvoxVolume          *volume,
                              EvoxFineHistogram   *basis_histogram,
                              gboolean             styled,
                              GError             **error)
{
  return evox_phase_list_append_channel_specs (self, specs, volume, 0, basis_histogram, styled,
                                               error);
}

/**
 * evox_phase_list_append_channel_specs:
 * @channel: the channel the phases apply to: its value scale and unit read the values
 *
 * evox_phase_list_append_specs() for phases of another channel than the first.
 */
gboolean
evox_phase_list_append_channel_specs (EvoxPhaseList       *self,
                                      const char * const  *specs,
                                      EvoxVolume          *volume,
                                      guint                channel,
                                      EvoxFineHistogram   *basis_histogram,
                                      gboolean             styled,
                                      GError             **error)
{
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), FALSE);
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), FALSE);
  g_return_val_if_fail (basis_histogram != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; specs != NULL && specs[i] != NULL; i++)
    {
      g_autoptr (EvoxPhase) phase = NULL;
      gboolean has_color = FALSE;

      if (g_str_has_prefix (specs[i], "auto:"))
        {
          g_autoptr (EvoxPhaseList) suggested = evox_phase_list_new ();
          guint n;

          if (!parse_auto_spec (specs[i], &n, error))
            return FALSE;
          if (!evox_phase_list_suggest (suggested, basis_histogram, n, NULL, error))
            {
              g_prefix_error (error, "Phase “%s”: ", specs[i]);
              return FALSE;
            }
          for (guint k = 0; k < evox_phase_list_get_n_phases (suggested); k++)
            {
              EvoxPhase *found = evox_phase_list_get_phase (suggested, k);
              g_autofree char *name = evox_phase_list_dup_unique_name (self);
              g_autoptr (EvoxPhase) copy = evox_phase_new (name, evox_phase_get_lo (found),
                                                           evox_phase_get_hi (found),
                                                           evox_phase_list_next_color (self));
              evox_phase_list_append (self, copy);
            }
          continue;
        }
      if (styled)
        phase = parse_styled_spec_on_channel (specs[i], volume, channel, &has_color, error);
      else
        phase = parse_spec_on_channel (specs[i], volume, channel, error);
      if (phase == NULL)
        return FALSE;
      if (evox_phase_list_find (self, evox_phase_get_name (phase)) >= 0)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "Phase “%s”: the name “%s” is given twice", specs[i],
                       evox_phase_get_name (phase));
          return FALSE;
        }
      if (!has_color)
        evox_phase_set_color (phase, evox_phase_list_next_color (self));
      evox_phase_list_append (self, phase);
    }
  return TRUE;
}

/**
 * evox_phase_parse_spec:
 * @volume: (nullable): gives the value scale, unit and sample type; %NULL reads linear f32 data
 *
 * The name is everything before the first '=', blanks trimmed; the two values are split at the
 * one ':' after it (numbers never hold one). The phase gets the first palette colour: callers
 * that add several give each evox_phase_list_next_color().
 *
 * Returns: (transfer full): a new phase, or %NULL with EVOX_ERROR_ARGUMENT quoting the spec.
 */
EvoxPhase *
evox_phase_parse_spec (const char  *spec,
                       EvoxVolume  *volume,
                       GError     **error)
{
  return parse_spec_on_channel (spec, volume, 0, error);
}

/* Values are typed in the meaning of the channel the phases apply to (log10 numbers or "3e-5"
 * for log10 resistance, plain ids for a Clusters channel). */
static EvoxPhase *
parse_spec_on_channel (const char  *spec,
                       EvoxVolume  *volume,
                       guint        channel,
                       GError     **error)
{
  EvoxValueScale scale = EVOX_SCALE_LINEAR;
  EvoxSampleType type = EVOX_SAMPLE_F32;
  const char *unit = NULL;
  g_autofree char *name = NULL;
  g_autofree char *lo_text = NULL;
  g_autofree char *hi_text = NULL;
  g_autofree char *problem = NULL;
  g_autoptr (GError) local = NULL;
  double lo, hi;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (volume == NULL || EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (volume != NULL)
    {
      g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);
      scale = evox_volume_get_channel_value_scale (volume, channel);
      unit = evox_volume_get_channel_unit (volume, channel);
      type = evox_volume_get_sample_type (volume);
    }
  if (!split_name_range (spec, &name, &lo_text, &hi_text))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Phase “%s”: expected NAME=LO:HI", spec);
      return NULL;
    }
  if (*name == '\0')
    problem = g_strdup ("empty name (expected NAME=LO:HI)");
  else if (*lo_text == '\0')
    problem = g_strdup ("missing lo (expected NAME=LO:HI)");
  else if (*hi_text == '\0')
    problem = g_strdup ("missing hi (expected NAME=LO:HI)");
  else if (!evox_phase_parse_value (lo_text, scale, unit, &lo, &local) ||
           !evox_phase_parse_value (hi_text, scale, unit, &hi, &local))
    problem = g_strdup (local->message);
  else
    problem = range_problem (lo, hi, type);
  if (problem != NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "Phase “%s”: %s", spec, problem);
      return NULL;
    }
  return evox_phase_new (name, lo, hi, palette[0]);
}

/* Fractions and exact counts */

static double
range_fraction (EvoxFineHistogram *histogram,
                double             lo,
                double             hi)
{
  guint64 n = evox_fine_histogram_get_n_finite (histogram);

  if (n == 0 || !(lo <= hi))
    return 0;
  return (double) evox_fine_histogram_range_count (histogram, lo, hi) / (double) n;
}

/* Fraction of the finite voxels in the phase's range (0 when there is none). */
double
evox_phase_fraction (EvoxPhase         *self,
                     EvoxFineHistogram *histogram)
{
  g_return_val_if_fail (EVOX_IS_PHASE (self), 0);
  g_return_val_if_fail (histogram != NULL, 0);

  return range_fraction (histogram, self->lo, self->hi);
}

static guint64
owned_count (EvoxPhaseList     *self,
             guint              index,
             EvoxSampleType     type,
             EvoxFineHistogram *histogram)
{
  float first, last;

  if (!evox_phase_list_get_owned_range (self, index, type, &first, &last))
    return 0;
  return evox_fine_histogram_range_count (histogram, first, last);
}

guint64
evox_phase_list_count (EvoxPhaseList     *self,
                       guint              index,
                       EvoxSampleType     type,
                       EvoxFineHistogram *histogram)
{
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), 0);
  g_return_val_if_fail (index < n_phases (self), 0);
  g_return_val_if_fail (histogram != NULL, 0);

  return owned_count (self, index, type, histogram);
}

double
evox_phase_list_fraction (EvoxPhaseList     *self,
                          guint              index,
                          EvoxSampleType     type,
                          EvoxFineHistogram *histogram)
{
  guint64 n;

  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), 0);
  g_return_val_if_fail (index < n_phases (self), 0);
  g_return_val_if_fail (histogram != NULL, 0);

  n = evox_fine_histogram_get_n_finite (histogram);
  if (n == 0)
    return 0;
  return (double) owned_count (self, index, type, histogram) / (double) n;
}

/* Bases */

G_DEFINE_ENUM_TYPE (EvoxBasis, evox_basis,
  G_DEFINE_ENUM_VALUE (EVOX_BASIS_MEASURED, "measured"),
  G_DEFINE_ENUM_VALUE (EVOX_BASIS_VOLUME, "volume"))

const char *
evox_basis_to_string (EvoxBasis basis)
{
  return basis == EVOX_BASIS_MEASURED ? "measured" : "volume";
}

gboolean
evox_basis_from_string (const char *text,
                        EvoxBasis  *basis)
{
  g_return_val_if_fail (basis != NULL, FALSE);

  if (g_strcmp0 (text, "measured") == 0)
    *basis = EVOX_BASIS_MEASURED;
  else if (g_strcmp0 (text, "volume") == 0)
    *basis = EVOX_BASIS_VOLUME;
  else
    return FALSE;
  return TRUE;
}

gboolean
evox_basis_has_choice (EvoxVolume *volume,
                       guint       channel)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);

  /* The scans are the values of the first channel. */
  return channel == 0 && evox_volume_get_n_scans (volume) > 0;
}

EvoxBasis
evox_basis_resolve (EvoxVolume *volume,
                    guint       channel,
                    EvoxBasis   basis)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), EVOX_BASIS_VOLUME);

  return evox_basis_has_choice (volume, channel) ? basis : EVOX_BASIS_VOLUME;
}

EvoxFineHistogram *
evox_basis_get_histogram (EvoxVolume *volume,
                          guint       channel,
                          EvoxBasis   basis)
{
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), NULL);

  if (evox_basis_resolve (volume, channel, basis) == EVOX_BASIS_MEASURED)
    return evox_volume_get_measured_fine_histogram (volume);
  return evox_volume_get_fine_histogram (volume, channel);
}

char *
evox_basis_dup_label (EvoxVolume *volume,
                      guint       channel,
                      EvoxBasis   basis)
{
  guint n_scans;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), NULL);

  if (!evox_basis_has_choice (volume, channel))
    return g_strdup ("of the volume");
  if (basis == EVOX_BASIS_VOLUME)
    return g_strdup ("of the interpolated volume");
  n_scans = evox_volume_get_n_scans (volume);
  if (n_scans == 1)
    return g_strdup ("of the measured scan");
  return g_strdup_printf ("of the %u measured scans", n_scans);
}

/* Small enough that a block stays in the L2 cache while every range reads it. */
#define COUNT_BLOCK 16384

/* Adds to counts[i] the finite values of data[0..n_voxels) in [lo[i], hi[i]]. */
static void
count_floats (const float   *data,
              gsize          n_voxels,
              guint          n,
              const double  *lo,
              const double  *hi,
              guint64       *counts,
              GCancellable  *cancellable)
{
  gsize n_blocks = (n_voxels + COUNT_BLOCK - 1) / COUNT_BLOCK;

#pragma omp parallel
  {
    g_autofree guint64 *mine = g_new0 (guint64, n);

#pragma omp for schedule(dynamic, 16)
    for (gsize b = 0; b < n_blocks; b++)
      {
        const float *x = data + b * COUNT_BLOCK;
        gsize len = MIN (COUNT_BLOCK, n_voxels - b * COUNT_BLOCK);

        if (g_cancellable_is_cancelled (cancellable))
          continue;
        for (guint i = 0; i < n; i++)
          {
            const double a = lo[i], z = hi[i];
            guint64 c = 0;

            /* NaN fails both comparisons; the infinities fail one for finite edges. */
#pragma omp simd reduction(+:c)
            for (gsize k = 0; k < len; k++)
              c += ((double) x[k] >= a) & ((double) x[k] <= z) & isfinite (x[k]);
            mine[i] += c;
          }
      }
#pragma omp critical
    for (guint i = 0; i < n; i++)
      counts[i] += mine[i];
  }
}

/**
 * evox_count_ranges_exact:
 * @counts: (out caller-allocates): n counters, overwritten
 * @cancellable: (nullable): checked before every block of voxels
 *
 * Edges compare in double precision against the stored value; NaN and infinities never count.
 *
 * Returns: %FALSE with %G_IO_ERROR_CANCELLED when cancelled.
 */
gboolean
evox_count_ranges_exact (EvoxVolume    *volume,
                         guint          channel,
                         guint          n,
                         const double  *lo,
                         const double  *hi,
                         guint64       *counts,
                         GCancellable  *cancellable,
                         GError       **error)
{
  const float *data;
  gsize n_voxels;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), FALSE);
  g_return_val_if_fail (n == 0 || (lo != NULL && hi != NULL && counts != NULL), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (n > 0)
    memset (counts, 0, n * sizeof (guint64));
  if (evox_volume_get_sample_type (volume) != EVOX_SAMPLE_F32)
    {
      /* One fine bin per integer value: its counts are the exact answer. */
      EvoxFineHistogram *fine = evox_volume_get_fine_histogram (volume, channel);

      for (guint i = 0; i < n; i++)
        counts[i] = evox_fine_histogram_range_count (fine, lo[i], hi[i]);
      return TRUE;
    }

  data = evox_volume_get_data (volume, channel);
  n_voxels = evox_volume_get_n_voxels (volume);
  if (n == 0)
    return TRUE;
  count_floats (data, n_voxels, n, lo, hi, counts, cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return TRUE;
}

gboolean
evox_count_ranges_exact_basis (EvoxVolume    *volume,
                               guint          channel,
                               EvoxBasis      basis,
                               guint          n,
                               const double  *lo,
                               const double  *hi,
                               guint64       *counts,
                               GCancellable  *cancellable,
                               GError       **error)
{
  gsize dims[3];

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), FALSE);
  g_return_val_if_fail (n == 0 || (lo != NULL && hi != NULL && counts != NULL), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (evox_basis_resolve (volume, channel, basis) == EVOX_BASIS_VOLUME)
    return evox_count_ranges_exact (volume, channel, n, lo, hi, counts, cancellable, error);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (n > 0)
    memset (counts, 0, n * sizeof (guint64));
  evox_volume_get_dims (volume, dims);
  for (guint s = 0; s < evox_volume_get_n_scans (volume) && n > 0; s++)
    count_floats (evox_volume_get_scan (volume, s)->values, dims[0] * dims[1], n, lo, hi,
                  counts, cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return TRUE;
}

gboolean
evox_phase_list_count_basis (EvoxPhaseList *self,
                             guint          index,
                             EvoxVolume    *volume,
                             guint          channel,
                             EvoxBasis      basis,
                             guint64       *count,
                             guint64       *n_finite)
{
  EvoxSampleType type;
  EvoxFineHistogram *histogram;
  float first, last;
  double lo, hi;

  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), FALSE);
  g_return_val_if_fail (index < n_phases (self), FALSE);
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), FALSE);
  g_return_val_if_fail (count != NULL && n_finite != NULL, FALSE);

  type = evox_volume_get_sample_type (volume);
  basis = evox_basis_resolve (volume, channel, basis);
  histogram = evox_basis_get_histogram (volume, channel, basis);
  *n_finite = evox_fine_histogram_get_n_finite (histogram);
  *count = 0;
  if (basis == EVOX_BASIS_VOLUME && type == EVOX_SAMPLE_F32)
    {
      *count = owned_count (self, index, type, histogram);
      return FALSE;
    }
  if (!evox_phase_list_get_owned_range (self, index, type, &first, &last))
    return TRUE;
  lo = first;
  hi = last;
  /* Cannot fail: no cancellable. */
  evox_count_ranges_exact_basis (volume, channel, basis, 1, &lo, &hi, count, NULL, NULL);
  return TRUE;
}


/* Sensitivity */

/* How far the sensitivity plot moves an edge: half a decade for log10 data, 5% of the finite
 * data range otherwise (0 when the channel has no range). */
double
evox_sensitivity_delta (EvoxVolume *volume,
                        guint       channel)
{
  const EvoxStats *stats;

  g_return_val_if_fail (EVOX_IS_VOLUME (volume), 0);
  g_return_val_if_fail (channel < evox_volume_get_n_channels (volume), 0);

  if (evox_volume_get_channel_value_scale (volume, channel) == EVOX_SCALE_LOG10)
    return 0.5;
  stats = evox_volume_get_stats (volume, channel);
  if (stats->n_finite == 0 || !(stats->max > stats->min))
    return 0;
  return 0.05 * (stats->max - stats->min);
}

/**
 * evox_phase_sensitivity:
 * @n_steps: at least 1; one step is the shift 0
 *
 * shift[k] = delta * (2k / (n_steps - 1) - 1), so the ends are -delta and +delta exactly.
 *
 * Returns: (transfer full): the curves; free with evox_sensitivity_free().
 */
EvoxSensitivity *
evox_phase_sensitivity (EvoxPhase         *self,
                        EvoxFineHistogram *histogram,
                        double             delta,
                        guint              n_steps)
{
  EvoxSensitivity *s;

  g_return_val_if_fail (EVOX_IS_PHASE (self), NULL);
  g_return_val_if_fail (histogram != NULL, NULL);
  g_return_val_if_fail (isfinite (delta) && delta >= 0, NULL);
  g_return_val_if_fail (n_steps > 0, NULL);

  s = g_new0 (EvoxSensitivity, 1);
  s->delta = delta;
  s->n_steps = n_steps;
  s->shift = g_new (double, n_steps);
  s->fraction_lo = g_new (double, n_steps);
  s->fraction_hi = g_new (double, n_steps);
  for (guint k = 0; k < n_steps; k++)
    {
      double shift = n_steps == 1 ? 0 : delta * (2.0 * k / (n_steps - 1) - 1.0);
      double lo = self->lo + shift, hi = self->hi + shift;

      s->shift[k] = shift;
      s->fraction_lo[k] = lo <= self->hi ? range_fraction (histogram, lo, self->hi) : 0;
      s->fraction_hi[k] = self->lo <= hi ? range_fraction (histogram, self->lo, hi) : 0;
    }
  return s;
}

void
evox_sensitivity_free (EvoxSensitivity *self)
{
  if (self == NULL)
    return;
  g_free (self->shift);
  g_free (self->fraction_lo);
  g_free (self->fraction_hi);
  g_free (self);
}

/* Otsu */

/* The tuple of thresholds that ends state (k, j) of the dynamic programme, k + 1 classes over bins
 * [0, j): from[k][j] is where its last class starts. */
static void
trace_back (const guint *from,
            guint        stride,
            guint        k,
            guint        j,
            guint       *out)
{
  for (; k > 0; k--)
    {
      j = from[k * stride + j];
      out[k - 1] = j;
    }
}

/* Whether ending class k - 1 at bin a gives a lexicographically smaller threshold tuple than
 * ending it at bin b (both followed by the same last threshold). */
static gboolean
prefix_before (const guint *from,
               guint        stride,
               guint        k,
               guint        a,
               guint        b,
               guint       *ta,
               guint       *tb)
{
  trace_back (from, stride, k - 1, a, ta);
  trace_back (from, stride, k - 1, b, tb);
  ta[k - 1] = a;
  tb[k - 1] = b;
  for (guint i = 0; i < k; i++)
    if (ta[i] != tb[i])
      return ta[i] < tb[i];
  return FALSE;
}

/**
 * evox_otsu_bins:
 *
 * Maximises sum over classes of S_k^2 / W_k (W_k the count of class k, S_k the sum of its bin
 * positions weighted by count; an empty class adds 0), which differs from the between-class
 * variance by terms that do not depend on the thresholds. The sum is accumulated class after class
 * from the lowest. Ties (equal sums) go to the lexicographically smallest threshold tuple: the
 * lowest first threshold, then the lowest second, and so on.
 */
gboolean
evox_otsu_bins (const double *counts,
                guint         n_bins,
                guint         n_classes,
                guint        *thresholds)
{
  g_autofree double *w = NULL;   /* prefix sums of counts */
  g_autofree double *s = NULL;   /* prefix sums of b * counts[b] */
  g_autofree double *best = NULL;
  g_autofree guint *from = NULL;
  g_autofree guint *ta = NULL;
  g_autofree guint *tb = NULL;
  guint n_nonempty = 0, stride = n_bins + 1;

  g_return_val_if_fail (counts != NULL, FALSE);
  g_return_val_if_fail (n_classes >= 1, FALSE);
  g_return_val_if_fail (thresholds != NULL || n_classes == 1, FALSE);

  for (guint b = 0; b < n_bins; b++)
    {
      g_return_val_if_fail (counts[b] >= 0 && isfinite (counts[b]), FALSE);
      n_nonempty += counts[b] > 0;
    }
  if (n_nonempty < n_classes)
    return FALSE;

  w = g_new (double, stride);
  s = g_new (double, stride);
  w[0] = s[0] = 0;
  for (guint b = 0; b < n_bins; b++)
    {
      w[b + 1] = w[b] + counts[b];
      s[b + 1] = s[b] + counts[b] * b;
    }
#define TERM(i, j) (w[j] > w[i] ? (s[j] - s[i]) * (s[j] - s[i]) / (w[j] - w[i]) : 0.0)

  /* best[k][j]: the largest sum for k + 1 classes over bins [0, j). */
  best = g_new (double, (gsize) n_classes * stride);
  from = g_new0 (guint, (gsize) n_classes * stride);
  ta = g_new (guint, n_classes);
  tb = g_new (guint, n_classes);
  for (guint j = 1; j <= n_bins; j++)
    best[j] = TERM (0, j);
  for (guint k = 1; k < n_classes; k++)
    for (guint j = k + 1; j <= n_bins; j++)
      {
        double *row = best + (gsize) k * stride;
        const double *prev = best + (gsize) (k - 1) * stride;
        guint arg = k;

        row[j] = prev[k] + TERM (k, j);
        for (guint i = k + 1; i < j; i++)
          {
            double v = prev[i] + TERM (i, j);

            if (v > row[j] || (v == row[j] && prefix_before (from, stride, k, i, arg, ta, tb)))
              {
                row[j] = v;
                arg = i;
              }
          }
        from[(gsize) k * stride + j] = arg;
      }
#undef TERM

  trace_back (from, stride, n_classes - 1, n_bins, thresholds);
  return TRUE;
}

typedef struct
{
  guint first;   /* fine bin of coarse bin 0 */
  guint group;   /* fine bins per coarse bin */
  guint n;       /* coarse bins */
} Coarse;

static gboolean
histogram_extent (EvoxFineHistogram *histogram,
                  guint             *first,
                  guint             *last)
{
  const guint64 *counts = evox_fine_histogram_get_counts (histogram);
  guint n = evox_fine_histogram_get_n_bins (histogram);
  guint a = 0, b = n;

  while (a < n && counts[a] == 0)
    a++;
  if (a == n)
    return FALSE;
  while (counts[b - 1] == 0)
    b--;
  *first = a;
  *last = b - 1;
  return TRUE;
}

/**
 * evox_otsu_suggest:
 *
 * u8 data use their 256 values as bins; u16 data whole-number groups of values and f32 data equal
 * groups of fine bins, at most 256 over [min, max] of the finite data. A threshold that falls in
 * a run of empty bins (any place in it splits the voxels the same way) goes to the middle of it,
 * so integer labels 0, 85, 170 split at 43 and 128.
 */
gboolean
evox_otsu_suggest (EvoxFineHistogram  *histogram,
                   guint               n_classes,
                   double             *thresholds,
                   GError            **error)
{
  const guint64 *fine;
  g_autofree double *counts = NULL;
  g_autofree guint *t = NULL;
  guint first, last, n_distinct = 0;
  Coarse coarse;

  g_return_val_if_fail (histogram != NULL, FALSE);
  g_return_val_if_fail (thresholds != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n_classes < 2 || n_classes > 8)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "%u classes asked for: Otsu splits the data into 2 to 8", n_classes);
      return FALSE;
    }
  if (!histogram_extent (histogram, &first, &last))
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "No finite values to split into classes");
      return FALSE;
    }

  fine = evox_fine_histogram_get_counts (histogram);
  if (evox_fine_histogram_get_n_bins (histogram) == 256)
    coarse = (Coarse) { 0, 1, 256 };
  else
    {
      guint span = last - first + 1;
      guint group = (span + 255) / 256;

      coarse = (Coarse) { first, group, (span + group - 1) / group };
    }
  counts = g_new0 (double, coarse.n);
  for (guint f = first; f <= last; f++)
    counts[(f - coarse.first) / coarse.group] += (double) fine[f];
  for (guint c = 0; c < coarse.n; c++)
    n_distinct += counts[c] > 0;

  t = g_new (guint, n_classes - 1);
  if (!evox_otsu_bins (counts, coarse.n, n_classes, t))
    {
      if (evox_fine_histogram_is_exact (histogram))
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "The data hold %u distinct values, fewer than the %u classes asked for",
                     n_distinct, n_classes);
      else
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "The data hold too few distinct values for %u classes (%u groups of "
                     "values are not empty)", n_classes, n_distinct);
      return FALSE;
    }
  for (guint k = 0; k + 1 < n_classes; k++)
    {
      guint next = t[k];

      /* t[k] is the first bin after the last non-empty bin of class k (the lowest choice);
       * centre it in the empty run up to class k + 1's first non-empty bin. */
      while (next + 1 < coarse.n && counts[next] == 0)
        next++;
      t[k] += (next - t[k] + 1) / 2;
      thresholds[k] = evox_fine_histogram_get_bin_lo (histogram,
                                                      coarse.first + t[k] * coarse.group);
    }
  return TRUE;
}

/* The n adjacent ranges from Otsu, covering the finite data without overlap. */
static gboolean
suggest_ranges (EvoxFineHistogram  *histogram,
                guint               n,
                double             *lo,
                double             *hi,
                GError            **error)
{
  double t[8];
  guint first, last;

  if (!evox_otsu_suggest (histogram, n, t, error))
    return FALSE;
  histogram_extent (histogram, &first, &last);
  if (evox_fine_histogram_is_exact (histogram))
    {
      lo[0] = first;
      hi[n - 1] = last;
      for (guint k = 0; k + 1 < n; k++)
        {
          hi[k] = t[k] - 1;
          lo[k + 1] = t[k];
        }
      return TRUE;
    }

  /* Floats: each shared edge rounded to a float belongs to the lower class, the next float up
   * starts the upper one, so no float value is in two classes and none falls between. The outer
   * edges go out to the floats that hold the extremes of the data. */
  {
    double top = evox_fine_histogram_get_bin_lo (histogram, last) +
                 evox_fine_histogram_get_bin_width (histogram);
    float a = (float) evox_fine_histogram_get_bin_lo (histogram, first);
    float z = (float) top;

    if ((double) a > evox_fine_histogram_get_bin_lo (histogram, first))
      a = nextafterf (a, -INFINITY);
    if ((double) z < top)
      z = nextafterf (z, INFINITY);
    lo[0] = a;
    hi[n - 1] = z;
    for (guint k = 0; k + 1 < n; k++)
      {
        float edge = (float) t[k];

        hi[k] = edge;
        lo[k + 1] = nextafterf (edge, INFINITY);
      }
  }
  /* Classes narrower than a float step collapse. */
  for (guint k = 0; k < n; k++)
    if (!(lo[k] <= hi[k]))
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                     "The data range is too narrow to split into %u classes", n);
        return FALSE;
      }
  return TRUE;
}

static char *
default_name (guint k)
{
  return g_strdup_printf ("Phase %u", k + 1);
}

/**
 * evox_phase_list_suggest:
 * @names: (nullable) (array zero-terminated=1): names for the phases in order; phases past its
 *   end get "Phase N"
 *
 * Leaves the list as it was on failure.
 */
gboolean
evox_phase_list_suggest (EvoxPhaseList       *self,
                         EvoxFineHistogram   *histogram,
                         guint                n_classes,
                         const char * const  *names,
                         GError             **error)
{
  g_autoptr (EvoxPhaseList) fresh = NULL;
  double lo[8], hi[8];

  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), FALSE);
  g_return_val_if_fail (histogram != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!suggest_ranges (histogram, n_classes, lo, hi, error))
    return FALSE;
  fresh = evox_phase_list_new ();
  for (guint k = 0; k < n_classes; k++)
    {
      gboolean named = names != NULL;
      g_autofree char *name = NULL;
      g_autoptr (EvoxPhase) phase = NULL;

      for (guint i = 0; named && i <= k; i++)
        named = names[i] != NULL;
      name = named ? g_strdup (names[k]) : default_name (k);
      phase = evox_phase_new (name, lo[k], hi[k], palette[k % G_N_ELEMENTS (palette)]);
      evox_phase_list_append (fresh, phase);
    }
  evox_phase_list_assign (self, fresh);
  return TRUE;
}

/* Presets */

typedef struct
{
  char     *name;
  char      color[8];
  double    opacity;
  gboolean  has_range;
  double    lo;
  double    hi;
} PresetPhase;

struct _EvoxPhasePreset
{
  char     *name;
  gboolean  builtin;
  GArray   *phases;   /* PresetPhase */
};

static EvoxPhasePreset *evox_phase_preset_copy (EvoxPhasePreset *self);

G_DEFINE_BOXED_TYPE (EvoxPhasePreset, evox_phase_preset,
                     evox_phase_preset_copy, evox_phase_preset_free)

static void
preset_phase_clear (PresetPhase *phase)
{
  g_clear_pointer (&phase->name, g_free);
}

static EvoxPhasePreset *
preset_new (const char *name,
            gboolean    builtin)
{
  EvoxPhasePreset *self = g_new0 (EvoxPhasePreset, 1);

  self->name = g_strdup (name);
  self->builtin = builtin;
  self->phases = g_array_new (FALSE, FALSE, sizeof (PresetPhase));
  g_array_set_clear_func (self->phases, (GDestroyNotify) preset_phase_clear);
  return self;
}

static void
preset_add (EvoxPhasePreset *self,
            const char      *name,
            const char      *color,
            double           opacity,
            gboolean         has_range,
            double           lo,
            double           hi)
{
  PresetPhase phase = { g_strdup (name), "", opacity, has_range, lo, hi };

  _evox_color_assign (phase.color, color);
  g_array_append_val (self->phases, phase);
}

static EvoxPhasePreset *
evox_phase_preset_copy (EvoxPhasePreset *self)
{
  EvoxPhasePreset *copy = preset_new (self->name, self->builtin);

  for (guint i = 0; i < self->phases->len; i++)
    {
      PresetPhase *p = &g_array_index (self->phases, PresetPhase, i);

      preset_add (copy, p->name, p->color, p->opacity, p->has_range, p->lo, p->hi);
    }
  return copy;
}

void
evox_phase_preset_free (EvoxPhasePreset *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_array_unref (self->phases);
  g_free (self);
}

const char *
evox_phase_preset_get_name (EvoxPhasePreset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

/* TRUE for a built-in preset the user has not replaced. */
gboolean
evox_phase_preset_is_builtin (EvoxPhasePreset *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->builtin;
}

#define PRESET_SSRM "Gr/Si anode (SSRM)"
#define PRESET_TOMOGRAM "Three-phase tomogram"

static const char * const builtin_names[] = { PRESET_SSRM, PRESET_TOMOGRAM };

static EvoxPhasePreset *
builtin_preset (guint i)
{
  EvoxPhasePreset *self = preset_new (builtin_names[i], TRUE);

  if (i == 0)
    {
      /* log10(R / ohm). Edges from ../shared/data/ssrm/A19_GrSi_Anode_1x1.csv (`evox histogram
       * --bins 60`; values from -6.92 to 1.69): the main low-resistance mode peaks at -4.45 and
       * falls to a flat plateau at about -3.5; the high-resistance bump rises out of the plateau
       * at about -0.5, peaks at 0.35 and ends at 1.69. 3-class Otsu on the interpolated grid
       * (dz 10 nm) splits at -3.58 and -1.23; on the measured scans alone it cuts the main mode
       * (-4.97, -2.14), and 4-class Otsu there puts its upper thresholds at -3.09 and -0.73.
       * Rounded to half decades, with the outer edges past the data. Neighbours share their
       * edges as shown (-3.5, -0.5), so typing one back changes nothing; the first in the list owns
       * a voxel on a shared edge, as in masks and the canvas (evox_phase_list_get_owned_range),
       * so no voxel counts twice. */
      preset_add (self, "Graphite + carbon", palette[0], DEFAULT_OPACITY, TRUE, -7.0, -3.5);
      preset_add (self, "Silicon", palette[1], DEFAULT_OPACITY, TRUE, -3.5, -0.5);
      preset_add (self, "Binder", palette[2], DEFAULT_OPACITY, TRUE, -0.5, 2.0);
    }
  else
    {
      /* Ranges from Otsu when applied, lowest values first (electrode.tiff: 0 pore, 85 active
       * material, 170 carbon-binder). */
      preset_add (self, "Pore", palette[0], DEFAULT_OPACITY, FALSE, 0, 0);
      preset_add (self, "Active material", palette[1], DEFAULT_OPACITY, FALSE, 0, 0);
      preset_add (self, "Carbon-binder", palette[2], DEFAULT_OPACITY, FALSE, 0, 0);
    }
  return self;
}

static char *
user_presets_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "evox", "phase-presets.ini", NULL);
}

/* Each distinct problem with the user's file is reported once per process. */
static void
warn_once (const char *message)
{
  static GMutex lock;
  static GHashTable *seen = NULL;
  gboolean fresh;

  g_mutex_lock (&lock);
  if (seen == NULL)
    seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fresh = g_hash_table_add (seen, g_strdup (message));
  g_mutex_unlock (&lock);
  if (fresh)
    g_warning ("%s", message);
}

/* The user's presets file: an empty one when it does not exist yet. */
static GKeyFile *
load_user_file (const char  *path,
                GError     **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) local = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_KEEP_COMMENTS, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_key_file_new ();
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s: %s", path, local->message);
      return NULL;
    }
  return g_steal_pointer (&file);
}

static gboolean
read_double (GKeyFile    *file,
             const char  *group,
             const char  *key,
             double      *value,
             GError     **error)
{
  g_autofree char *text = g_key_file_get_value (file, group, key, error);
  char *end = NULL;

  if (text == NULL)
    return FALSE;
  *value = g_ascii_strtod (g_strstrip (text), &end);
  if (end == text || *end != '\0' || !isfinite (*value))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "%s is not a number: “%s”", key,
                   text);
      return FALSE;
    }
  return TRUE;
}

/* One group of the user's file; NULL with the reason when it is not a usable preset. */
static EvoxPhasePreset *
read_preset (GKeyFile    *file,
             const char  *group,
             GError     **error)
{
  g_autoptr (EvoxPhasePreset) preset = preset_new (group, FALSE);

  for (guint i = 0;; i++)
    {
      g_autofree char *k_name = g_strdup_printf ("phase%u-name", i);
      g_autofree char *k_color = g_strdup_printf ("phase%u-color", i);
      g_autofree char *k_opacity = g_strdup_printf ("phase%u-opacity", i);
      g_autofree char *k_lo = g_strdup_printf ("phase%u-lo", i);
      g_autofree char *k_hi = g_strdup_printf ("phase%u-hi", i);
      g_autofree char *name = NULL;
      g_autofree char *color = NULL;
      double opacity = DEFAULT_OPACITY, lo = 0, hi = 0;
      gboolean has_lo, has_hi;

      if (!g_key_file_has_key (file, group, k_name, NULL))
        break;
      if ((name = g_key_file_get_string (file, group, k_name, error)) == NULL ||
          (color = g_key_file_get_string (file, group, k_color, error)) == NULL)
        return NULL;
      g_strstrip (color);
      if (!evox_color_is_valid (color))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "%s is not a colour #rrggbb: “%s”", k_color, color);
          return NULL;
        }
      if (g_key_file_has_key (file, group, k_opacity, NULL) &&
          !read_double (file, group, k_opacity, &opacity, error))
        return NULL;
      has_lo = g_key_file_has_key (file, group, k_lo, NULL);
      has_hi = g_key_file_has_key (file, group, k_hi, NULL);
      if (has_lo != has_hi)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "phase %u has only one of lo and hi", i);
          return NULL;
        }
      if (has_lo && (!read_double (file, group, k_lo, &lo, error) ||
                     !read_double (file, group, k_hi, &hi, error)))
        return NULL;
      if (lo > hi)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                       "phase %u: lo %g is above hi %g", i, lo, hi);
          return NULL;
        }
      preset_add (preset, name, color, CLAMP (opacity, 0.0, 1.0), has_lo, lo, hi);
    }
  if (preset->phases->len == 0)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA, "no phases");
      return NULL;
    }
  return g_steal_pointer (&preset);
}

static int
compare_presets (gconstpointer a,
                 gconstpointer b)
{
  const EvoxPhasePreset *pa = *(EvoxPhasePreset * const *) a;
  const EvoxPhasePreset *pb = *(EvoxPhasePreset * const *) b;

  return g_utf8_collate (pa->name, pb->name);
}

/**
 * evox_phase_presets_list:
 *
 * The built-ins in their fixed order (a user's preset of the same name in its place), then the
 * user's other presets sorted by name.
 *
 * Returns: (transfer container) (element-type EvoxPhasePreset): owns its presets
 */
GPtrArray *
evox_phase_presets_list (void)
{
  g_autofree char *path = user_presets_path ();
  g_autoptr (GKeyFile) file = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) user = g_ptr_array_new_with_free_func (
    (GDestroyNotify) evox_phase_preset_free);
  GPtrArray *presets = g_ptr_array_new_with_free_func ((GDestroyNotify) evox_phase_preset_free);
  g_auto (GStrv) groups = NULL;

  file = load_user_file (path, &error);
  if (file == NULL)
    {
      g_autofree char *message = g_strdup_printf ("Phase presets skipped: %s", error->message);
      warn_once (message);
    }
  else
    groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups != NULL && groups[i] != NULL; i++)
    {
      g_autoptr (GError) local = NULL;
      EvoxPhasePreset *preset = read_preset (file, groups[i], &local);

      if (preset == NULL)
        {
          g_autofree char *message = g_strdup_printf ("%s: phase preset “%s” skipped: %s",
                                                      path, groups[i], local->message);
          warn_once (message);
          continue;
        }
      g_ptr_array_add (user, preset);
    }
  g_ptr_array_sort (user, compare_presets);

  for (guint b = 0; b < G_N_ELEMENTS (builtin_names); b++)
    {
      EvoxPhasePreset *replacement = NULL;

      for (guint i = 0; i < user->len && replacement == NULL; i++)
        if (strcmp (((EvoxPhasePreset *) user->pdata[i])->name, builtin_names[b]) == 0)
          replacement = g_ptr_array_steal_index (user, i);
      g_ptr_array_add (presets, replacement != NULL ? replacement : builtin_preset (b));
    }
  for (guint i = 0; i < user->len; i++)
    g_ptr_array_add (presets, evox_phase_preset_copy (user->pdata[i]));
  return presets;
}

/**
 * evox_phase_preset_apply:
 * @histogram: (nullable): needed only when some phase has no range
 *
 * Replaces the list's phases (one items-changed). A phase without a range takes the range of
 * the Otsu class at its position, with as many classes as the preset has phases.
 */
gboolean
evox_phase_preset_apply (EvoxPhasePreset    *self,
                         EvoxPhaseList      *list,
                         EvoxFineHistogram  *histogram,
                         GError            **error)
{
  g_autoptr (EvoxPhaseList) fresh = NULL;
  gboolean need_otsu = FALSE;
  double lo[8], hi[8];
  guint n;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (list), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n = self->phases->len;
  for (guint i = 0; i < n; i++)
    need_otsu |= !g_array_index (self->phases, PresetPhase, i).has_range;
  if (need_otsu)
    {
      if (histogram == NULL)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "Preset “%s” takes its ranges from the data, and there are none",
                       self->name);
          return FALSE;
        }
      if (n > 8)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       "Preset “%s”: Otsu can split the data into at most 8 phases, not %u",
                       self->name, n);
          return FALSE;
        }
      if (!suggest_ranges (histogram, n, lo, hi, error))
        {
          g_prefix_error (error, "Preset “%s”: ", self->name);
          return FALSE;
        }
    }

  fresh = evox_phase_list_new ();
  for (guint i = 0; i < n; i++)
    {
      PresetPhase *p = &g_array_index (self->phases, PresetPhase, i);
      g_autoptr (EvoxPhase) phase = NULL;

      phase = evox_phase_new (p->name, p->has_range ? p->lo : lo[i],
                              p->has_range ? p->hi : hi[i], p->color);
      phase->opacity = p->opacity;
      evox_phase_list_append (fresh, phase);
    }
  evox_phase_list_assign (list, fresh);
  return TRUE;
}

static gboolean
write_user_file (GKeyFile    *file,
                 const char  *path,
                 GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize length;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  data = g_key_file_to_data (file, &length, NULL);
  return g_file_set_contents (path, data, length, error);
}

static gboolean
preset_name_is_valid (const char *name)
{
  if (*name == '\0' || !g_utf8_validate (name, -1, NULL) || g_ascii_isspace (name[0]) ||
      g_ascii_isspace (name[strlen (name) - 1]))
    return FALSE;
  for (const char *c = name; *c != '\0'; c++)
    if (*c == '[' || *c == ']' || g_ascii_iscntrl (*c))
      return FALSE;
  return TRUE;
}

/**
 * evox_phase_preset_save:
 *
 * A file that cannot be read is first renamed to phase-presets.ini.corrupt, so nothing in it is
 * lost for good.
 */
gboolean
evox_phase_preset_save (const char     *name,
                        EvoxPhaseList  *list,
                        GError        **error)
{
  g_autofree char *path = user_presets_path ();
  g_autoptr (GKeyFile) file = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (list), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!preset_name_is_valid (name))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "“%s” cannot name a preset: it must not be empty, start or end with a space, "
                   "or hold [ or ]", name);
      return FALSE;
    }
  if (n_phases (list) == 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "Preset “%s” would have no phases", name);
      return FALSE;
    }
  file = load_user_file (path, &local);
  if (file == NULL)
    {
      g_autofree char *aside = g_strconcat (path, ".corrupt", NULL);

      if (g_rename (path, aside) != 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "%s cannot be read and cannot be moved aside: %s", path,
                       g_strerror (saved));
          return FALSE;
        }
      file = g_key_file_new ();
    }
  g_key_file_remove_group (file, name, NULL);
  for (guint i = 0; i < n_phases (list); i++)
    {
      EvoxPhase *phase = phase_at (list, i);
      g_autofree char *k_name = g_strdup_printf ("phase%u-name", i);
      g_autofree char *k_color = g_strdup_printf ("phase%u-color", i);
      g_autofree char *k_opacity = g_strdup_printf ("phase%u-opacity", i);
      g_autofree char *k_lo = g_strdup_printf ("phase%u-lo", i);
      g_autofree char *k_hi = g_strdup_printf ("phase%u-hi", i);

      g_key_file_set_string (file, name, k_name, phase->name);
      g_key_file_set_string (file, name, k_color, phase->color);
      g_key_file_set_double (file, name, k_opacity, phase->opacity);
      g_key_file_set_double (file, name, k_lo, phase->lo);
      g_key_file_set_double (file, name, k_hi, phase->hi);
    }
  return write_user_file (file, path, error);
}

/* Removes the user's preset `name`; for a built-in's name that brings the built-in back. */
gboolean
evox_phase_preset_delete (const char  *name,
                          GError     **error)
{
  g_autofree char *path = user_presets_path ();
  g_autoptr (GKeyFile) file = NULL;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  file = load_user_file (path, error);
  if (file == NULL)
    return FALSE;
  if (!g_key_file_has_group (file, name))
    {
      gboolean builtin = FALSE;

      for (guint b = 0; b < G_N_ELEMENTS (builtin_names); b++)
        builtin |= strcmp (name, builtin_names[b]) == 0;
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   builtin ? "Preset “%s” is built in and cannot be deleted"
                           : "There is no saved preset “%s”", name);
      return FALSE;
    }
  g_key_file_remove_group (file, name, NULL);
  return write_user_file (file, path, error);
}

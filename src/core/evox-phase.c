/* evox-phase.c: phases (named value ranges with a colour), their volume fractions, Otsu, presets. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

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

static gboolean
color_is_valid (const char *color)
{
  if (color == NULL || color[0] != '#' || strlen (color) != 7)
    return FALSE;
  for (guint i = 1; i < 7; i++)
    if (!g_ascii_isxdigit (color[i]))
      return FALSE;
  return TRUE;
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
  g_return_val_if_fail (color == NULL || color_is_valid (color), NULL);

  self = g_object_new (EVOX_TYPE_PHASE, NULL);
  g_free (self->name);
  self->name = g_strdup (name);
  self->lo = lo;
  self->hi = hi;
  if (color != NULL)
    {
      g_strlcpy (self->color, color, sizeof self->color);
      for (char *c = self->color; *c != '\0'; c++)
        *c = g_ascii_tolower (*c);
    }
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
  char lower[8];

  g_return_if_fail (EVOX_IS_PHASE (self));
  g_return_if_fail (color_is_valid (color));

  for (guint i = 0; i < 8; i++)
    lower[i] = g_ascii_tolower (color[i]);
  if (strcmp (lower, self->color) == 0)
    return;
  memcpy (self->color, lower, sizeof lower);
  g_object_notify_by_pspec (G_OBJECT (self), phase_properties[PHASE_PROP_COLOR]);
}

void
evox_phase_get_rgba (EvoxPhase *self,
                     float      rgba[4])
{
  g_return_if_fail (EVOX_IS_PHASE (self));

  for (guint i = 0; i < 3; i++)
    rgba[i] = (g_ascii_xdigit_value (self->color[1 + 2 * i]) * 16 +
               g_ascii_xdigit_value (self->color[2 + 2 * i])) / 255.0f;
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

gboolean
evox_phase_overlaps (EvoxPhase *self,
                     EvoxPhase *other)
{
  g_return_val_if_fail (EVOX_IS_PHASE (self), FALSE);
  g_return_val_if_fail (EVOX_IS_PHASE (other), FALSE);
  return self->lo <= other->hi && other->lo <= self->hi;
}

/* EvoxPhaseList */

typedef struct
{
  EvoxPhase *phase;
  gulong     notify_id;
} Entry;

struct _EvoxPhaseList
{
  GObject  parent_instance;

  GArray  *entries;   /* Entry */
};

static void evox_phase_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (EvoxPhaseList, evox_phase_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      evox_phase_list_model_init))

enum
{
  LIST_CHANGED,
  N_LIST_SIGNALS
};

static guint list_signals[N_LIST_SIGNALS];

static GType
evox_phase_list_get_item_type (GListModel *model)
{
  return EVOX_TYPE_PHASE;
}

static guint
evox_phase_list_get_n_items (GListModel *model)
{
  return EVOX_PHASE_LIST (model)->entries->len;
}

static gpointer
evox_phase_list_get_item (GListModel *model,
                          guint       position)
{
  EvoxPhaseList *self = EVOX_PHASE_LIST (model);

  if (position >= self->entries->len)
    return NULL;
  return g_object_ref (g_array_index (self->entries, Entry, position).phase);
}

static void
evox_phase_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = evox_phase_list_get_item_type;
  iface->get_n_items = evox_phase_list_get_n_items;
  iface->get_item = evox_phase_list_get_item;
}

static void
phase_notify_cb (EvoxPhase     *phase,
                 GParamSpec    *pspec,
                 EvoxPhaseList *self)
{
  g_signal_emit (self, list_signals[LIST_CHANGED], 0);
}

static void
entry_clear (Entry *entry)
{
  g_clear_signal_handler (&entry->notify_id, entry->phase);
  g_clear_object (&entry->phase);
}

static Entry
entry_make (EvoxPhaseList *self,
            EvoxPhase     *phase)
{
  Entry entry = { g_object_ref (phase), 0 };

  entry.notify_id = g_signal_connect (phase, "notify", G_CALLBACK (phase_notify_cb), self);
  return entry;
}

static void
items_changed (EvoxPhaseList *self,
               guint          position,
               guint          removed,
               guint          added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  g_signal_emit (self, list_signals[LIST_CHANGED], 0);
}

static void
evox_phase_list_finalize (GObject *object)
{
  EvoxPhaseList *self = EVOX_PHASE_LIST (object);

  g_clear_pointer (&self->entries, g_array_unref);

  G_OBJECT_CLASS (evox_phase_list_parent_class)->finalize (object);
}

static void
evox_phase_list_class_init (EvoxPhaseListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = evox_phase_list_finalize;

  list_signals[LIST_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 0);
}

static void
evox_phase_list_init (EvoxPhaseList *self)
{
  self->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_array_set_clear_func (self->entries, (GDestroyNotify) entry_clear);
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
  return self->entries->len;
}

EvoxPhase *
evox_phase_list_get_phase (EvoxPhaseList *self,
                           guint          index)
{
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), NULL);

  if (index >= self->entries->len)
    return NULL;
  return g_array_index (self->entries, Entry, index).phase;
}

/* Index of the first phase called name, -1 when none is. */
int
evox_phase_list_find (EvoxPhaseList *self,
                      const char    *name)
{
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), -1);
  g_return_val_if_fail (name != NULL, -1);

  for (guint i = 0; i < self->entries->len; i++)
    if (strcmp (g_array_index (self->entries, Entry, i).phase->name, name) == 0)
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
  Entry entry;

  g_return_if_fail (EVOX_IS_PHASE_LIST (self));
  g_return_if_fail (EVOX_IS_PHASE (phase));

  entry = entry_make (self, phase);
  g_array_append_val (self->entries, entry);
  items_changed (self, self->entries->len - 1, 0, 1);
}

void
evox_phase_list_remove (EvoxPhaseList *self,
                        guint          index)
{
  g_return_if_fail (EVOX_IS_PHASE_LIST (self));
  g_return_if_fail (index < self->entries->len);

  g_array_remove_index (self->entries, index);
  items_changed (self, index, 1, 0);
}

void
evox_phase_list_move (EvoxPhaseList *self,
                      guint          from,
                      guint          to)
{
  Entry entry;

  g_return_if_fail (EVOX_IS_PHASE_LIST (self));
  g_return_if_fail (from < self->entries->len && to < self->entries->len);

  if (from == to)
    return;
  entry = g_array_index (self->entries, Entry, from);
  /* Shift the entries between by hand: removing through the array would run the clear func. */
  if (from < to)
    memmove (&g_array_index (self->entries, Entry, from),
             &g_array_index (self->entries, Entry, from + 1), (to - from) * sizeof (Entry));
  else
    memmove (&g_array_index (self->entries, Entry, to + 1),
             &g_array_index (self->entries, Entry, to), (from - to) * sizeof (Entry));
  g_array_index (self->entries, Entry, to) = entry;
  items_changed (self, MIN (from, to), MAX (from, to) - MIN (from, to) + 1,
                 MAX (from, to) - MIN (from, to) + 1);
}

void
evox_phase_list_assign (EvoxPhaseList *self,
                        EvoxPhaseList *other)
{
  g_autoptr (GArray) copies = NULL;
  guint removed;

  g_return_if_fail (EVOX_IS_PHASE_LIST (self));
  g_return_if_fail (EVOX_IS_PHASE_LIST (other));

  if (self == other)
    return;
  copies = g_array_sized_new (FALSE, FALSE, sizeof (Entry), other->entries->len);
  g_array_set_clear_func (copies, (GDestroyNotify) entry_clear);
  for (guint i = 0; i < other->entries->len; i++)
    {
      g_autoptr (EvoxPhase) copy = phase_copy (g_array_index (other->entries, Entry, i).phase);
      Entry entry = entry_make (self, copy);

      g_array_append_val (copies, entry);
    }
  removed = self->entries->len;
  if (removed == 0 && copies->len == 0)
    return;
  g_array_unref (self->entries);
  self->entries = g_steal_pointer (&copies);
  items_changed (self, 0, removed, self->entries->len);
}

void
evox_phase_list_clear (EvoxPhaseList *self)
{
  guint removed;

  g_return_if_fail (EVOX_IS_PHASE_LIST (self));

  removed = self->entries->len;
  if (removed == 0)
    return;
  g_array_set_size (self->entries, 0);
  items_changed (self, 0, removed, 0);
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

/* The first palette colour used least often by the list: one no phase has while there is one,
 * then round the palette again. */
const char *
evox_phase_list_next_color (EvoxPhaseList *self)
{
  guint uses[G_N_ELEMENTS (palette)] = { 0 };
  guint best = 0;

  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), palette[0]);

  for (guint i = 0; i < self->entries->len; i++)
    {
      const char *color = g_array_index (self->entries, Entry, i).phase->color;

      for (guint k = 0; k < G_N_ELEMENTS (palette); k++)
        if (strcmp (color, palette[k]) == 0)
          uses[k]++;
    }
  for (guint k = 1; k < G_N_ELEMENTS (palette); k++)
    if (uses[k] < uses[best])
      best = k;
  return palette[best];
}

int
evox_phase_list_find_owner (EvoxPhaseList *self,
                            double         value)
{
  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), -1);

  for (guint i = 0; i < self->entries->len; i++)
    {
      EvoxPhase *phase = g_array_index (self->entries, Entry, i).phase;

      if (phase->visible && evox_phase_contains (phase, value))
        return (int) i;
    }
  return -1;
}

gboolean
evox_phase_list_overlaps (EvoxPhaseList *self,
                          guint          index)
{
  EvoxPhase *phase;

  g_return_val_if_fail (EVOX_IS_PHASE_LIST (self), FALSE);
  g_return_val_if_fail (index < self->entries->len, FALSE);

  phase = g_array_index (self->entries, Entry, index).phase;
  for (guint i = 0; i < self->entries->len; i++)
    if (i != index && evox_phase_overlaps (phase, g_array_index (self->entries, Entry, i).phase))
      return TRUE;
  return FALSE;
}

/* evox-surface.c: the surfaces a document shows: what each is of, how it looks, its mesh. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-surface.h"
#include "evox-object-list.h"

#define DEFAULT_OPACITY 1.0

G_DEFINE_ENUM_TYPE (EvoxSurfaceState, evox_surface_state,
  G_DEFINE_ENUM_VALUE (EVOX_SURFACE_STATE_STALE, "stale"),
  G_DEFINE_ENUM_VALUE (EVOX_SURFACE_STATE_BUILDING, "building"),
  G_DEFINE_ENUM_VALUE (EVOX_SURFACE_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (EVOX_SURFACE_STATE_FAILED, "failed"))

/* EvoxSurface */

struct _EvoxSurface
{
  GObject           parent_instance;

  char             *name;
  EvoxSurfaceSpec   spec;
  EvoxPhase        *phase;
  EvoxPhaseList    *phase_list;       /* weak: where phase lives, to know what it owns */
  EvoxSampleType    phase_list_type;
  char              color[8];
  double            opacity;
  gboolean          visible;
  EvoxMesh         *mesh;
  EvoxSurfaceState  state;
  char             *message;
  EvoxProgress     *progress;
};

G_DEFINE_FINAL_TYPE (EvoxSurface, evox_surface, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_SPEC,
  PROP_PHASE,
  PROP_COLOR,
  PROP_OPACITY,
  PROP_VISIBLE,
  PROP_MESH,
  PROP_STATE,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_state (EvoxSurface      *self,
           EvoxSurfaceState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_message (EvoxSurface *self,
             const char  *message)
{
  if (g_strcmp0 (self->message, message) == 0)
    return;
  g_free (self->message);
  self->message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

/* The phase's range, or with its list the values it owns there, so a voxel on an edge shared
 * with a phase above it is enclosed by that phase's surface alone, as fractions count it. */
static void
on_phase_range (EvoxPhase   *phase,
                GParamSpec  *pspec,
                EvoxSurface *self)
{
  EvoxSurfaceSpec spec = self->spec;
  float first, last;
  int index;

  spec.lo = evox_phase_get_lo (phase);
  spec.hi = evox_phase_get_hi (phase);
  if (self->phase_list != NULL &&
      (index = _evox_object_list_find (EVOX_OBJECT_LIST (self->phase_list), phase)) >= 0 &&
      evox_phase_list_get_owned_range (self->phase_list, (guint) index, self->phase_list_type,
                                       &first, &last))
    {
      spec.lo = first;
      spec.hi = last;
    }
  evox_surface_set_spec (self, &spec);
}

void
_evox_surface_follow_phase_list (EvoxSurface    *self,
                                 EvoxPhaseList  *list,
                                 EvoxSampleType  type)
{
  g_return_if_fail (EVOX_IS_SURFACE (self));
  g_return_if_fail (list == NULL || EVOX_IS_PHASE_LIST (list));

  if (self->phase == NULL)
    return;
  g_set_weak_pointer (&self->phase_list, list);
  self->phase_list_type = type;
  on_phase_range (self->phase, NULL, self);
}

static void
evox_surface_dispose (GObject *object)
{
  EvoxSurface *self = EVOX_SURFACE (object);

  if (self->phase != NULL)
    g_signal_handlers_disconnect_by_data (self->phase, self);
  g_clear_object (&self->phase);
  g_clear_weak_pointer (&self->phase_list);
  g_clear_pointer (&self->mesh, evox_mesh_unref);
  g_clear_pointer (&self->progress, evox_progress_unref);

  G_OBJECT_CLASS (evox_surface_parent_class)->dispose (object);
}

static void
evox_surface_finalize (GObject *object)
{
  EvoxSurface *self = EVOX_SURFACE (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->message, g_free);

  G_OBJECT_CLASS (evox_surface_parent_class)->finalize (object);
}

static void
evox_surface_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  EvoxSurface *self = EVOX_SURFACE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_PHASE:
      g_value_set_object (value, self->phase);
      break;
    case PROP_COLOR:
      g_value_set_string (value, self->color);
      break;
    case PROP_OPACITY:
      g_value_set_double (value, self->opacity);
      break;
    case PROP_VISIBLE:
      g_value_set_boolean (value, self->visible);
      break;
    case PROP_MESH:
      g_value_set_boxed (value, self->mesh);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_surface_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  EvoxSurface *self = EVOX_SURFACE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      evox_surface_set_name (self, g_value_get_string (value));
      break;
    case PROP_PHASE:
      self->phase = g_value_dup_object (value);
      break;
    case PROP_COLOR:
      evox_surface_set_color (self, g_value_get_string (value));
      break;
    case PROP_OPACITY:
      evox_surface_set_opacity (self, g_value_get_double (value));
      break;
    case PROP_VISIBLE:
      evox_surface_set_visible (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_surface_class_init (EvoxSurfaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = evox_surface_dispose;
  object_class->finalize = evox_surface_finalize;
  object_class->get_property = evox_surface_get_property;
  object_class->set_property = evox_surface_set_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, "", rw);
  /* Only ever notified: the spec is a plain struct read with evox_surface_get_spec (). */
  properties[PROP_SPEC] = g_param_spec_pointer ("spec", NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PHASE] = g_param_spec_object ("phase", NULL, NULL, EVOX_TYPE_PHASE,
                                                G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                G_PARAM_STATIC_STRINGS);
  properties[PROP_COLOR] = g_param_spec_string ("color", NULL, NULL, "#1f77b4", rw);
  properties[PROP_OPACITY] = g_param_spec_double ("opacity", NULL, NULL, 0, 1,
                                                  DEFAULT_OPACITY, rw);
  properties[PROP_VISIBLE] = g_param_spec_boolean ("visible", NULL, NULL, TRUE, rw);
  properties[PROP_MESH] = g_param_spec_boxed ("mesh", NULL, NULL, EVOX_TYPE_MESH, ro);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, EVOX_TYPE_SURFACE_STATE,
                                              EVOX_SURFACE_STATE_STALE, ro);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
evox_surface_init (EvoxSurface *self)
{
  self->name = g_strdup ("");
  g_strlcpy (self->color, "#1f77b4", sizeof self->color);
  self->opacity = DEFAULT_OPACITY;
  self->visible = TRUE;
  self->state = EVOX_SURFACE_STATE_STALE;
}

static gboolean
spec_is_valid (const EvoxSurfaceSpec *spec)
{
  switch (spec->kind)
    {
    case EVOX_SURFACE_LEVEL:
      return !isnan (spec->level);
    case EVOX_SURFACE_RANGE:
      return !isnan (spec->lo) && !isnan (spec->hi) && spec->lo <= spec->hi;
    case EVOX_SURFACE_PARTICLE:
      return spec->particle > 0;
    case EVOX_SURFACE_PARTICLES:
      return TRUE;
    default:
      return FALSE;
    }
}

/**
 * evox_surface_new:
 * @color: (nullable): "#rrggbb", or %NULL for the first palette colour
 *
 * A visible, opaque surface without a mesh yet (stale).
 */
EvoxSurface *
evox_surface_new (const char            *name,
                  const EvoxSurfaceSpec *spec,
                  const char            *color)
{
  EvoxSurface *self;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (spec != NULL && spec_is_valid (spec), NULL);
  g_return_val_if_fail (color == NULL || evox_color_is_valid (color), NULL);

  self = g_object_new (EVOX_TYPE_SURFACE, "name", name, NULL);
  self->spec = *spec;
  if (color != NULL)
    evox_surface_set_color (self, color);
  return self;
}

EvoxSurface *
evox_surface_new_for_phase (EvoxPhase *phase,
                            guint      channel,
                            gboolean   smooth,
                            guint64    max_triangles)
{
  EvoxSurface *self;

  g_return_val_if_fail (EVOX_IS_PHASE (phase), NULL);

  self = g_object_new (EVOX_TYPE_SURFACE,
                       "name", evox_phase_get_name (phase),
                       "phase", phase,
                       "color", evox_phase_get_color (phase),
                       NULL);
  self->spec = (EvoxSurfaceSpec) {
    .kind = EVOX_SURFACE_RANGE,
    .channel = channel,
    .lo = evox_phase_get_lo (phase),
    .hi = evox_phase_get_hi (phase),
    .smooth = smooth,
    .max_triangles = max_triangles,
  };
  g_signal_connect (phase, "notify::lo", G_CALLBACK (on_phase_range), self);
  g_signal_connect (phase, "notify::hi", G_CALLBACK (on_phase_range), self);
  return self;
}

const char *
evox_surface_get_name (EvoxSurface *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), NULL);
  return self->name;
}

void
evox_surface_set_name (EvoxSurface *self,
                       const char  *name)
{
  g_return_if_fail (EVOX_IS_SURFACE (self));
  g_return_if_fail (name != NULL);

  if (g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const EvoxSurfaceSpec *
evox_surface_get_spec (EvoxSurface *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), NULL);
  return &self->spec;
}

static gboolean
spec_equal (const EvoxSurfaceSpec *a,
            const EvoxSurfaceSpec *b)
{
  if (a->kind != b->kind || a->channel != b->channel || !a->smooth != !b->smooth ||
      a->max_triangles != b->max_triangles)
    return FALSE;
  switch (a->kind)
    {
    case EVOX_SURFACE_LEVEL:
      return a->level == b->level;
    case EVOX_SURFACE_RANGE:
      return a->lo == b->lo && a->hi == b->hi;
    case EVOX_SURFACE_PARTICLE:
      return a->particle == b->particle;
    case EVOX_SURFACE_PARTICLES:
    default:
      return TRUE;
    }
}

void
evox_surface_set_spec (EvoxSurface           *self,
                       const EvoxSurfaceSpec *spec)
{
  g_return_if_fail (EVOX_IS_SURFACE (self));
  g_return_if_fail (spec != NULL && spec_is_valid (spec));

  if (spec_equal (&self->spec, spec))
    return;
  self->spec = *spec;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEC]);
  _evox_surface_mark_stale (self);
}

EvoxPhase *
evox_surface_get_phase (EvoxSurface *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), NULL);
  return self->phase;
}

const char *
evox_surface_get_color (EvoxSurface *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), NULL);
  return self->color;
}

void
evox_surface_set_color (EvoxSurface *self,
                        const char  *color)
{
  g_return_if_fail (EVOX_IS_SURFACE (self));
  g_return_if_fail (evox_color_is_valid (color));

  if (_evox_color_assign (self->color, color))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR]);
}

void
evox_surface_get_rgba (EvoxSurface *self,
                       float        rgba[4])
{
  g_return_if_fail (EVOX_IS_SURFACE (self));

  evox_color_get_rgb (self->color, rgba);
  rgba[3] = (float) self->opacity;
}

double
evox_surface_get_opacity (EvoxSurface *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), 0.0);
  return self->opacity;
}

/* Clamped to [0, 1]. */
void
evox_surface_set_opacity (EvoxSurface *self,
                          double       opacity)
{
  g_return_if_fail (EVOX_IS_SURFACE (self));
  g_return_if_fail (!isnan (opacity));

  opacity = CLAMP (opacity, 0.0, 1.0);
  if (self->opacity == opacity)
    return;
  self->opacity = opacity;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPACITY]);
}

gboolean
evox_surface_get_visible (EvoxSurface *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), FALSE);
  return self->visible;
}

void
evox_surface_set_visible (EvoxSurface *self,
                          gboolean     visible)
{
  g_return_if_fail (EVOX_IS_SURFACE (self));

  visible = !!visible;
  if (self->visible == visible)
    return;
  self->visible = visible;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE]);
}

EvoxMesh *
evox_surface_get_mesh (EvoxSurface *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), NULL);
  return self->mesh;
}

EvoxSurfaceState
evox_surface_get_state (EvoxSurface *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), EVOX_SURFACE_STATE_STALE);
  return self->state;
}

const char *
evox_surface_get_message (EvoxSurface *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), NULL);
  return self->message;
}

EvoxProgress *
evox_surface_get_progress (EvoxSurface *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), NULL);
  return self->progress;
}

void
_evox_surface_begin_build (EvoxSurface  *self,
                           EvoxProgress *progress)
{
  g_return_if_fail (EVOX_IS_SURFACE (self));

  g_clear_pointer (&self->progress, evox_progress_unref);
  if (progress != NULL)
    self->progress = evox_progress_ref (progress);
  set_state (self, EVOX_SURFACE_STATE_BUILDING);
}

void
_evox_surface_end_build (EvoxSurface  *self,
                         EvoxMesh     *mesh,
                         const GError *error)
{
  g_return_if_fail (EVOX_IS_SURFACE (self));

  g_clear_pointer (&self->progress, evox_progress_unref);
  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      set_state (self, EVOX_SURFACE_STATE_STALE);
      return;
    }
  if (error != NULL)
    {
      set_message (self, error->message);
      set_state (self, EVOX_SURFACE_STATE_FAILED);
      return;
    }

  g_return_if_fail (mesh != NULL);
  if (self->mesh != mesh)
    {
      g_clear_pointer (&self->mesh, evox_mesh_unref);
      self->mesh = evox_mesh_ref (mesh);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESH]);
    }
  set_message (self, NULL);
  set_state (self, EVOX_SURFACE_STATE_READY);
}

void
_evox_surface_mark_stale (EvoxSurface *self)
{
  g_return_if_fail (EVOX_IS_SURFACE (self));

  set_state (self, EVOX_SURFACE_STATE_STALE);
}

gboolean
_evox_surface_restore_mesh (EvoxSurface           *self,
                            const EvoxSurfaceSpec *spec,
                            EvoxMesh              *mesh)
{
  g_return_val_if_fail (EVOX_IS_SURFACE (self), FALSE);
  g_return_val_if_fail (spec != NULL && mesh != NULL, FALSE);

  if (!spec_equal (&self->spec, spec))
    return FALSE;
  if (self->state == EVOX_SURFACE_STATE_READY && self->mesh == mesh)
    return TRUE;
  _evox_surface_end_build (self, mesh, NULL);
  return TRUE;
}

/* EvoxSurfaceList */

struct _EvoxSurfaceList
{
  EvoxObjectList  parent_instance;
};

G_DEFINE_FINAL_TYPE (EvoxSurfaceList, evox_surface_list, EVOX_TYPE_OBJECT_LIST)

static void
evox_surface_list_class_init (EvoxSurfaceListClass *klass)
{
  EVOX_OBJECT_LIST_CLASS (klass)->item_type = EVOX_TYPE_SURFACE;
}

static void
evox_surface_list_init (EvoxSurfaceList *self)
{
}

EvoxSurfaceList *
evox_surface_list_new (void)
{
  return g_object_new (EVOX_TYPE_SURFACE_LIST, NULL);
}

guint
evox_surface_list_get_n_surfaces (EvoxSurfaceList *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE_LIST (self), 0);
  return _evox_object_list_get_n (EVOX_OBJECT_LIST (self));
}

EvoxSurface *
evox_surface_list_get_surface (EvoxSurfaceList *self,
                               guint            index)
{
  g_return_val_if_fail (EVOX_IS_SURFACE_LIST (self), NULL);
  return _evox_object_list_get (EVOX_OBJECT_LIST (self), index);
}

/**
 * evox_surface_list_append:
 * @surface: (transfer none): the list takes its own reference
 */
void
evox_surface_list_append (EvoxSurfaceList *self,
                          EvoxSurface     *surface)
{
  g_return_if_fail (EVOX_IS_SURFACE_LIST (self));
  g_return_if_fail (EVOX_IS_SURFACE (surface));

  _evox_object_list_append (EVOX_OBJECT_LIST (self), surface);
}

void
evox_surface_list_remove (EvoxSurfaceList *self,
                          guint            index)
{
  g_return_if_fail (EVOX_IS_SURFACE_LIST (self));
  g_return_if_fail (index < _evox_object_list_get_n (EVOX_OBJECT_LIST (self)));

  _evox_object_list_remove (EVOX_OBJECT_LIST (self), index);
}

void
evox_surface_list_clear (EvoxSurfaceList *self)
{
  g_return_if_fail (EVOX_IS_SURFACE_LIST (self));

  _evox_object_list_clear (EVOX_OBJECT_LIST (self));
}

int
evox_surface_list_find (EvoxSurfaceList *self,
                        EvoxSurface     *surface)
{
  g_return_val_if_fail (EVOX_IS_SURFACE_LIST (self), -1);

  return _evox_object_list_find (EVOX_OBJECT_LIST (self), surface);
}

const char *
evox_surface_list_next_color (EvoxSurfaceList *self)
{
  g_autofree const char **colors = NULL;
  guint n;

  g_return_val_if_fail (EVOX_IS_SURFACE_LIST (self), NULL);

  n = _evox_object_list_get_n (EVOX_OBJECT_LIST (self));
  colors = g_new (const char *, n + 1);
  for (guint i = 0; i < n; i++)
    colors[i] = ((EvoxSurface *) _evox_object_list_get (EVOX_OBJECT_LIST (self), i))->color;
  return evox_palette_least_used (colors, n);
}

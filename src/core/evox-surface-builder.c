/* evox-surface-builder.c: builds the stale surfaces of a list, one at a time, off the main thread. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gio/gio.h>

#include "evox-isosurface.h"
#include "evox-surface-builder.h"

/* One build at a time: each already uses every core, and several would only share them while
 * holding several masks in memory. */
typedef struct
{
  EvoxSurfaceBuilder *builder;   /* NULL once the builder is gone */
  EvoxSurface        *surface;
  GCancellable       *cancellable;
  gboolean            by_user;
} Job;

struct _EvoxSurfaceBuilder
{
  GObject           parent_instance;

  EvoxSurfaceList  *surfaces;
  EvoxVolume       *volume;
  EvoxLabels       *labels;
  guint             delay_ms;
  guint             timeout_id;
  Job              *job;
  gboolean          busy;
};

G_DEFINE_FINAL_TYPE (EvoxSurfaceBuilder, evox_surface_builder, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void schedule (EvoxSurfaceBuilder *self);

static void
job_free (Job *job)
{
  g_clear_object (&job->surface);
  g_clear_object (&job->cancellable);
  g_free (job);
}

static EvoxSurface *
first_stale (EvoxSurfaceBuilder *self)
{
  guint n = evox_surface_list_get_n_surfaces (self->surfaces);

  if (self->volume == NULL)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (self->surfaces, i);

      if (evox_surface_get_state (surface) == EVOX_SURFACE_STATE_STALE)
        return surface;
    }
  return NULL;
}

static void
update_busy (EvoxSurfaceBuilder *self)
{
  gboolean busy = self->job != NULL || first_stale (self) != NULL;

  if (self->busy == busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
on_built (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Job *job = user_data;
  EvoxSurfaceBuilder *self = job->builder;
  g_autoptr (GError) error = NULL;
  g_autoptr (EvoxMesh) mesh = evox_isosurface_build_finish (result, &error);

  if (self == NULL)
    {
      job_free (job);
      return;
    }
  g_assert (self->job == job);
  self->job = NULL;

  /* A surface that went stale while building (its spec changed) keeps that state; one that left
   * the list has nothing to show the result to. */
  if (evox_surface_get_state (job->surface) == EVOX_SURFACE_STATE_BUILDING)
    {
      if (job->by_user && error != NULL &&
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr (GError) cancelled = g_error_new_literal (EVOX_ERROR, EVOX_ERROR_FAILED,
                                                              "Cancelled");

          _evox_surface_end_build (job->surface, NULL, cancelled);
        }
      else
        _evox_surface_end_build (job->surface, mesh, error);
    }
  /* One that undo gave back its cached mesh (READY) keeps it. */
  else if (evox_surface_get_state (job->surface) != EVOX_SURFACE_STATE_READY)
    {
      g_autoptr (GError) stale = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "");

      _evox_surface_end_build (job->surface, NULL, stale);
    }
  job_free (job);
  schedule (self);
  update_busy (self);
}

static void
start_build (EvoxSurfaceBuilder *self,
             EvoxSurface        *surface)
{
  g_autoptr (EvoxProgress) progress = evox_progress_new ();
  Job *job = g_new0 (Job, 1);

  job->builder = self;
  job->surface = g_object_ref (surface);
  job->cancellable = g_cancellable_new ();
  self->job = job;
  _evox_surface_begin_build (surface, progress);
  evox_isosurface_build_async (self->volume, self->labels, evox_surface_get_spec (surface),
                               progress, job->cancellable, on_built, job);
}

static gboolean
on_timeout (gpointer user_data)
{
  EvoxSurfaceBuilder *self = user_data;
  EvoxSurface *surface;

  self->timeout_id = 0;
  if (self->job != NULL)
    return G_SOURCE_REMOVE;   /* on_built schedules the next one */
  surface = first_stale (self);
  if (surface != NULL)
    start_build (self, surface);
  update_busy (self);
  return G_SOURCE_REMOVE;
}

/* (Re)starts the quiet period while something is stale, so a stream of edits builds once. */
static void
schedule (EvoxSurfaceBuilder *self)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (first_stale (self) == NULL)
    return;
  self->timeout_id = g_timeout_add (self->delay_ms, on_timeout, self);
}

static void
cancel_job (EvoxSurfaceBuilder *self,
            gboolean            by_user)
{
  if (self->job == NULL)
    return;
  self->job->by_user = by_user;
  g_cancellable_cancel (self->job->cancellable);
}

static void
on_surfaces_changed (EvoxSurfaceList    *surfaces,
                     EvoxSurfaceBuilder *self)
{
  if (self->job != NULL &&
      (evox_surface_list_find (surfaces, self->job->surface) < 0 ||
       evox_surface_get_state (self->job->surface) != EVOX_SURFACE_STATE_BUILDING))
    cancel_job (self, FALSE);
  if (first_stale (self) != NULL)
    schedule (self);
  update_busy (self);
}

static void
evox_surface_builder_dispose (GObject *object)
{
  EvoxSurfaceBuilder *self = EVOX_SURFACE_BUILDER (object);

  if (self->job != NULL)
    {
      /* The worker finishes on its own; its callback frees the job and finds no builder. */
      g_cancellable_cancel (self->job->cancellable);
      self->job->builder = NULL;
      self->job = NULL;
    }
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->surfaces != NULL)
    g_signal_handlers_disconnect_by_data (self->surfaces, self);
  g_clear_object (&self->surfaces);
  g_clear_object (&self->volume);
  g_clear_object (&self->labels);

  G_OBJECT_CLASS (evox_surface_builder_parent_class)->dispose (object);
}

static void
evox_surface_builder_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  EvoxSurfaceBuilder *self = EVOX_SURFACE_BUILDER (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_surface_builder_class_init (EvoxSurfaceBuilderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = evox_surface_builder_dispose;
  object_class->get_property = evox_surface_builder_get_property;

  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
evox_surface_builder_init (EvoxSurfaceBuilder *self)
{
  self->delay_ms = EVOX_SURFACE_BUILDER_DELAY_MS;
}

EvoxSurfaceBuilder *
evox_surface_builder_new (EvoxSurfaceList *surfaces)
{
  EvoxSurfaceBuilder *self;

  g_return_val_if_fail (EVOX_IS_SURFACE_LIST (surfaces), NULL);

  self = g_object_new (EVOX_TYPE_SURFACE_BUILDER, NULL);
  self->surfaces = g_object_ref (surfaces);
  g_signal_connect (surfaces, "changed", G_CALLBACK (on_surfaces_changed), self);
  return self;
}

void
evox_surface_builder_set_volume (EvoxSurfaceBuilder *self,
                                 EvoxVolume         *volume)
{
  guint n;

  g_return_if_fail (EVOX_IS_SURFACE_BUILDER (self));
  g_return_if_fail (volume == NULL || EVOX_IS_VOLUME (volume));

  cancel_job (self, FALSE);
  g_set_object (&self->volume, volume);
  n = evox_surface_list_get_n_surfaces (self->surfaces);
  for (guint i = 0; i < n; i++)
    _evox_surface_mark_stale (evox_surface_list_get_surface (self->surfaces, i));
  schedule (self);
  update_busy (self);
}

void
evox_surface_builder_set_labels (EvoxSurfaceBuilder *self,
                                 EvoxLabels         *labels)
{
  g_return_if_fail (EVOX_IS_SURFACE_BUILDER (self));
  g_return_if_fail (labels == NULL || EVOX_IS_LABELS (labels));

  g_set_object (&self->labels, labels);
}

void
evox_surface_builder_set_delay (EvoxSurfaceBuilder *self,
                                guint               delay_ms)
{
  g_return_if_fail (EVOX_IS_SURFACE_BUILDER (self));

  self->delay_ms = delay_ms;
}

gboolean
evox_surface_builder_get_busy (EvoxSurfaceBuilder *self)
{
  g_return_val_if_fail (EVOX_IS_SURFACE_BUILDER (self), FALSE);
  return self->busy;
}

void
evox_surface_builder_cancel (EvoxSurfaceBuilder *self)
{
  g_return_if_fail (EVOX_IS_SURFACE_BUILDER (self));

  cancel_job (self, TRUE);
}

/* evox-progress.c: how far a long job has come, written by workers and polled by the UI. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-progress.h"

#include <math.h>

/* Nesting deeper than a loader inside a job inside a batch is a bug, not a need. */
#define MAX_DEPTH 8

/* The overall fraction is kept in parts per billion, so one atomic int holds it. */
#define FRACTION_ONE 1000000000

/* A stage's bounds are packed into one atomic int (16 bits each), so an update never combines
 * the start of one stage with the end of another. 1/65535 is plenty for where a stage starts. */
#define BOUND_ONE 65535u

typedef struct
{
  double start;
  double end;
} Frame;

struct _EvoxProgress
{
  gatomicrefcount  ref_count;
  GMutex           lock;
  const char      *stage;             /* guarded by lock; static strings only */
  Frame            frames[MAX_DEPTH]; /* guarded by lock; frames[0] is the whole job */
  guint            depth;             /* guarded by lock */
  gint             bounds;            /* atomic: packed stage bounds */
  gint             fraction;          /* atomic: overall, parts per billion, never decreases */
  EvoxProgressWatch watch;            /* tests only: set before the job starts */
  gpointer         watch_data;
};

G_DEFINE_BOXED_TYPE (EvoxProgress, evox_progress, evox_progress_ref, evox_progress_unref)

static double
clamp_unit (double value)
{
  /* NaN compares false both ways and ends up as 0. */
  return value > 1.0 ? 1.0 : value > 0.0 ? value : 0.0;
}

static guint
to_bound (double value)
{
  return (guint) lround (clamp_unit (value) * BOUND_ONE);
}

/* Raises the overall fraction to PPB unless it is already there: concurrent workers may report
 * out of order, and a reader polling the bar must never see it go back. */
static void
raise_fraction (EvoxProgress *self,
                gint          ppb)
{
  gint old = g_atomic_int_get (&self->fraction);

  while (old < ppb && !g_atomic_int_compare_and_exchange_full (&self->fraction, old, ppb, &old))
    ;
  if (old < ppb && self->watch != NULL)
    self->watch (self, self->watch_data);
}

/**
 * evox_progress_new:
 *
 * One object per job: the fraction never goes back, so a second job needs a new one.
 */
EvoxProgress *
evox_progress_new (void)
{
  EvoxProgress *self = g_new0 (EvoxProgress, 1);

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);
  self->frames[0] = (Frame) { 0.0, 1.0 };
  self->depth = 1;
  self->bounds = (gint) BOUND_ONE;  /* [0, 1] until a stage says otherwise */
  return self;
}

EvoxProgress *
evox_progress_ref (EvoxProgress *self)
{
  if (self != NULL)
    g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
evox_progress_unref (EvoxProgress *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_mutex_clear (&self->lock);
  g_free (self);
}

/**
 * evox_progress_set_stage:
 * @stage: (nullable): what is being done, a static string such as "Reading TIFF pages"
 * @weight_start: where the stage starts, 0..1 of the current part (the whole job unless pushed)
 * @weight_end: where it ends
 *
 * Starts a stage: the fraction moves up to the stage's start, and later updates run over it.
 */
void
evox_progress_set_stage (EvoxProgress *self,
                         const char   *stage,
                         double        weight_start,
                         double        weight_end)
{
  const Frame *frame;
  double start, end;
  guint lo, hi;

  if (self == NULL)
    return;

  weight_start = clamp_unit (weight_start);
  weight_end = MAX (weight_start, clamp_unit (weight_end));

  g_mutex_lock (&self->lock);
  frame = &self->frames[self->depth - 1];
  start = frame->start + weight_start * (frame->end - frame->start);
  end = frame->start + weight_end * (frame->end - frame->start);
  self->stage = stage;
  lo = to_bound (start);
  hi = MAX (lo, to_bound (end));
  g_atomic_int_set (&self->bounds, (gint) (lo << 16 | hi));
  g_mutex_unlock (&self->lock);

  raise_fraction (self, (gint) llround ((double) lo / BOUND_ONE * FRACTION_ONE));
}

/**
 * evox_progress_update:
 * @fraction_of_stage: 0..1 of the current stage
 *
 * Cheap enough for every page or block of rows, from any thread; not for every voxel.
 */
void
evox_progress_update (EvoxProgress *self,
                      double        fraction_of_stage)
{
  guint bounds;
  double lo, hi;

  if (self == NULL)
    return;

  bounds = (guint) g_atomic_int_get (&self->bounds);
  lo = (double) (bounds >> 16) / BOUND_ONE;
  hi = (double) (bounds & 0xffff) / BOUND_ONE;
  raise_fraction (self, (gint) llround ((lo + clamp_unit (fraction_of_stage) * (hi - lo)) *
                                        FRACTION_ONE));
}

/**
 * evox_progress_push:
 *
 * Makes [weight_start, weight_end] of the current part the part that the following stages
 * weigh themselves over, until evox_progress_pop().
 */
void
evox_progress_push (EvoxProgress *self,
                    double        weight_start,
                    double        weight_end)
{
  Frame *frame;

  if (self == NULL)
    return;

  weight_start = clamp_unit (weight_start);
  weight_end = MAX (weight_start, clamp_unit (weight_end));

  g_mutex_lock (&self->lock);
  if (self->depth == MAX_DEPTH)
    {
      g_mutex_unlock (&self->lock);
      g_critical ("%s: nested more than %d deep", G_STRFUNC, MAX_DEPTH);
      return;
    }
  frame = &self->frames[self->depth - 1];
  self->frames[self->depth] = (Frame) {
    frame->start + weight_start * (frame->end - frame->start),
    frame->start + weight_end * (frame->end - frame->start),
  };
  self->depth++;
  g_mutex_unlock (&self->lock);
}

void
evox_progress_pop (EvoxProgress *self)
{
  if (self == NULL)
    return;

  g_mutex_lock (&self->lock);
  if (self->depth > 1)
    self->depth--;
  else
    g_critical ("%s: nothing was pushed", G_STRFUNC);
  g_mutex_unlock (&self->lock);
}

void
_evox_progress_set_watch (EvoxProgress      *self,
                          EvoxProgressWatch  watch,
                          gpointer           data)
{
  g_return_if_fail (self != NULL);
  self->watch = watch;
  self->watch_data = data;
}

/**
 * evox_progress_get_fraction:
 *
 * Returns: how much of the whole job is done, 0..1; it never decreases. 0 for %NULL.
 */
double
evox_progress_get_fraction (EvoxProgress *self)
{
  if (self == NULL)
    return 0.0;
  return (double) g_atomic_int_get (&self->fraction) / FRACTION_ONE;
}

/**
 * evox_progress_dup_stage:
 *
 * Returns: (transfer full) (nullable): the current stage, or %NULL before the first one.
 */
char *
evox_progress_dup_stage (EvoxProgress *self)
{
  char *stage;

  if (self == NULL)
    return NULL;
  g_mutex_lock (&self->lock);
  stage = g_strdup (self->stage);
  g_mutex_unlock (&self->lock);
  return stage;
}

void
_evox_work_monitor_begin (EvoxWorkMonitor *monitor,
                          EvoxProgress    *progress,
                          GCancellable    *cancellable,
                          double           start,
                          double           end,
                          guint64          total)
{
  monitor->progress = progress;
  monitor->cancellable = cancellable;
  monitor->start = start;
  monitor->end = end;
  monitor->total = MAX (total, 1);
  monitor->done = 0;
  /* A cancelled job stays stopped in its next steps: the cancellable says so again. */
  monitor->stopped = g_cancellable_is_cancelled (cancellable) ? 1 : 0;
  evox_progress_update (progress, start);
}

gboolean
_evox_work_monitor_step (EvoxWorkMonitor *monitor,
                         guint64          n)
{
  guint64 done = __atomic_add_fetch (&monitor->done, n, __ATOMIC_RELAXED);

  if (monitor->progress != NULL)
    evox_progress_update (monitor->progress,
                          monitor->start + (monitor->end - monitor->start) *
                          MIN (1.0, (double) done / (double) monitor->total));
  return !_evox_work_monitor_stopped (monitor);
}

gboolean
_evox_work_monitor_stopped (EvoxWorkMonitor *monitor)
{
  if (g_atomic_int_get (&monitor->stopped))
    return TRUE;
  if (!g_cancellable_is_cancelled (monitor->cancellable))
    return FALSE;
  g_atomic_int_set (&monitor->stopped, 1);
  return TRUE;
}

/* Tasks */

typedef struct
{
  EvoxTaskWork   work;
  gpointer       data;
  GDestroyNotify data_free;
  GDestroyNotify result_free;
} TaskData;

static gint n_running; /* atomic */

static void
task_data_free (TaskData *task_data)
{
  if (task_data->data_free != NULL)
    task_data->data_free (task_data->data);
  g_free (task_data);
  g_atomic_int_dec_and_test (&n_running);
}

guint
_evox_task_get_n_running (void)
{
  return (guint) g_atomic_int_get (&n_running);
}

static void
task_thread (GTask        *task,
             gpointer      source_object,
             gpointer      data,
             GCancellable *cancellable)
{
  TaskData *task_data = data;
  GError *error = NULL;
  gpointer result = task_data->work (task_data->data, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, task_data->result_free);
}

void
_evox_task_run (gpointer             source_tag,
                EvoxTaskWork         work,
                gpointer             data,
                GDestroyNotify       data_free,
                GDestroyNotify       result_free,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  TaskData *task_data = g_new0 (TaskData, 1);

  g_task_set_source_tag (task, source_tag);
  /* The worker owns data the caller may free once the callback ran: never return early. */
  g_task_set_return_on_cancel (task, FALSE);
  *task_data = (TaskData) { work, data, data_free, result_free };
  g_atomic_int_inc (&n_running);
  g_task_set_task_data (task, task_data, (GDestroyNotify) task_data_free);
  g_task_run_in_thread (task, task_thread);
}

gpointer
_evox_task_finish (GAsyncResult  *result,
                   gpointer       source_tag,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

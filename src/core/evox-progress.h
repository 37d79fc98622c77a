/* evox-progress.h: how far a long job has come, written by workers and polled by the UI. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Workers describe their job as stages, each covering [weight_start, weight_end] of the whole,
 * and report the fraction done of the current stage. A caller that runs a worker as one part of
 * a longer job wraps it in evox_progress_push() / evox_progress_pop(), so the worker's stages
 * (always weighted over 0..1) land inside the caller's part. Every function accepts NULL and
 * then does nothing, so workers report unconditionally. */
typedef struct _EvoxProgress EvoxProgress;

#define EVOX_TYPE_PROGRESS (evox_progress_get_type ())
GType          evox_progress_get_type      (void) G_GNUC_CONST;

EvoxProgress  *evox_progress_new           (void);
EvoxProgress  *evox_progress_ref           (EvoxProgress  *self);
void           evox_progress_unref         (EvoxProgress  *self);

void           evox_progress_set_stage     (EvoxProgress  *self,
                                            const char    *stage,
                                            double         weight_start,
                                            double         weight_end);
void           evox_progress_update        (EvoxProgress  *self,
                                            double         fraction_of_stage);
void           evox_progress_push          (EvoxProgress  *self,
                                            double         weight_start,
                                            double         weight_end);
void           evox_progress_pop           (EvoxProgress  *self);

double         evox_progress_get_fraction  (EvoxProgress  *self);
char          *evox_progress_dup_stage     (EvoxProgress  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxProgress, evox_progress_unref)

/* For tests: watch (self, data) runs on the worker's thread each time the fraction rises, so a
 * test can cancel a job at a known point of it instead of racing it from another thread. Set
 * it before the job starts. */
typedef void (*EvoxProgressWatch) (EvoxProgress *self,
                                   gpointer      data);
void           _evox_progress_set_watch    (EvoxProgress      *self,
                                            EvoxProgressWatch  watch,
                                            gpointer           data);

/* One step of a data-parallel kernel, shared by its threads: units done move the job's progress
 * over [start, end] of the current stage, and a cancelled job makes every thread stop at its
 * next check. For the kernels of src/core. */
typedef struct
{
  EvoxProgress *progress;
  GCancellable *cancellable;
  double        start;
  double        end;
  guint64       total;
  guint64       done;      /* atomic */
  gint          stopped;   /* atomic */
} EvoxWorkMonitor;

void     _evox_work_monitor_begin   (EvoxWorkMonitor *monitor,
                                     EvoxProgress    *progress,
                                     GCancellable    *cancellable,
                                     double           start,
                                     double           end,
                                     guint64          total);
/* Counts n units done; FALSE once the job is cancelled. */
gboolean _evox_work_monitor_step    (EvoxWorkMonitor *monitor,
                                     guint64          n);
/* TRUE once the job is cancelled (checked now, then remembered). */
gboolean _evox_work_monitor_stopped (EvoxWorkMonitor *monitor);

/* The worker half of an _async function: the job itself on a worker thread, given the data the
 * _async function gathered; returns the result, or NULL with error set. */
typedef gpointer (*EvoxTaskWork) (gpointer       data,
                                  GCancellable  *cancellable,
                                  GError       **error);

/* Runs work (data, freed with data_free when the task ends) on a worker thread for the _async
 * function source_tag; the result (freed with result_free if nobody takes it), or the error,
 * reaches callback in the caller's main context, %G_IO_ERROR_CANCELLED when cancellable fires
 * first. */
void     _evox_task_run             (gpointer             source_tag,
                                     EvoxTaskWork         work,
                                     gpointer             data,
                                     GDestroyNotify       data_free,
                                     GDestroyNotify       result_free,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
/* How many tasks _evox_task_run started have not ended yet (their data not yet freed, which
 * happens after their callback ran): tests wait for 0 to know a cancelled worker returned. */
guint    _evox_task_get_n_running   (void);
/* The result of a task _evox_task_run started for source_tag (transfer full), or NULL with
 * error set. */
gpointer _evox_task_finish          (GAsyncResult        *result,
                                     gpointer             source_tag,
                                     GError             **error);

G_END_DECLS

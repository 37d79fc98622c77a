/* evox-window-private.h: EvoxWindow's fields, shared by its construction and its actions. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include "evox-window.h"
#include "evox-canvas.h"
#include "evox-history.h"
#include "evox-progress.h"

G_BEGIN_DECLS

struct _EvoxWindow
{
  GtkApplicationWindow  parent_instance;

  EvoxDocument         *document;
  GCancellable         *load_cancellable;
  EvoxProgress         *load_progress_state;
  guint                 load_poll_id;
  /* The load whose coarse previews may still be shown (only compared, never dereferenced): NULL
   * once its volume or its error came; and whether the document holds one of its previews. */
  GCancellable         *preview_cancellable;
  gboolean              showing_preview;
  /* A loaded volume on its way to the canvas: the "Uploading" stage is painted, then the volume
   * goes to the document, then the box goes once the canvas has drawn it. */
  EvoxVolume           *upload_volume;
  char                 *upload_path;
  gboolean              upload_features;  /* a feature file: not a recent file */
  GdkFrameClock        *upload_clock;
  gulong                upload_paint_id;
  gulong                upload_frame_id;
  guint                 upload_timeout_id;
  char                 *error_text;
  GStrv                 startup_phases;
  char                 *startup_preset;
  char                 *startup_channel;  /* --channel: a label or an index, once */
  gboolean              startup_surfaces;
  /* --voxel-size: overrides the size of the next volume to arrive, once (not remembered). */
  gboolean              have_startup_voxel_size;
  double                startup_voxel_size[3];
  /* --bin: N x N pixel means for the next load of an image stack, once. */
  guint                 startup_bin;
  char                 *saved_path;       /* the last export, for Open Folder */
  guint                 saved_timeout_id;
  GtkWindow            *properties_dialog; /* weak: the open Image Properties, if any */
  GtkWindow            *recon_dialog;      /* weak: the open Reconstruction, if any */
  EvoxHistory          *history;           /* undo and redo of the document's edits */
  gboolean              history_grouping;  /* a button held: one step until its release */
  gboolean              history_dragging;  /* the histogram's drag: one step */

  /* template children */
  EvoxCanvas           *canvas;
  GtkWidget            *histogram;
  GtkWidget            *display_panel;
  GtkWidget            *phase_panel;
  GtkWidget            *particle_panel;
  GtkWidget            *cluster_panel;
  GtkWidget            *surface_panel;
  GtkWidget            *measure_panel;
  GtkWidget            *metrics_panel;
  GtkWidget            *registration_panel;
  GtkWidget            *registration_switch;
  GtkToggleButton      *registration_raw;
  GtkToggleButton      *registration_registered;
  GtkWidget            *spectrum_panel;
  GtkWidget            *xanes_panel;
  GtkStack             *side_stack;
  GtkLabel             *title_label;
  GtkRevealer          *error_revealer;
  GtkLabel             *error_label;
  GtkRevealer          *saved_revealer;
  GtkLabel             *saved_label;
  GtkRevealer          *voxel_revealer;
  GtkLabel             *voxel_label;
  GtkWidget            *load_box;
  GtkLabel             *load_label;
  GtkProgressBar       *load_progress;
  GtkLabel             *hover_label;
  GtkWidget            *composite_legend;
  GtkDropDown          *histogram_source;
  GtkToggleButton      *histogram_log;
  GtkToggleButton      *histogram_per_layer;
  GMenu                *recent_submenu;
  GMenu                *edit_section;
};

void _evox_window_install_actions (GtkWidgetClass *widget_class);
void _evox_window_install_session_actions (GtkWidgetClass *widget_class);
void _evox_window_install_history_actions (GtkWidgetClass *widget_class);
void _evox_window_setup_history   (EvoxWindow     *self);
void _evox_window_update_recent   (EvoxWindow     *self);
void _evox_window_update_exports  (EvoxWindow     *self);
void _evox_window_add_overlay_actions (EvoxWindow *self);
void _evox_window_add_export_actions (EvoxWindow *self);
void _evox_window_place_hover_label  (EvoxWindow *self);
void _evox_window_start_load      (EvoxWindow            *self,
                                   const char            *path,
                                   const EvoxSsrmOptions *options);

G_END_DECLS

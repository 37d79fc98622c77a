/* evox-document.h: one window's state: the volume and how it is shown; every view reads it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>
#include "evox-clusters.h"
#include "evox-display.h"
#include "evox-histogram.h"
#include "evox-labels.h"
#include "evox-measurement.h"
#include "evox-overlays.h"
#include "evox-phase.h"
#include "evox-registration.h"
#include "evox-surface.h"
#include "evox-volume.h"
#include "evox-volume-style.h"

G_BEGIN_DECLS

typedef enum
{
  EVOX_HISTOGRAM_WHOLE,  /* every voxel of the volume */
  EVOX_HISTOGRAM_SLICE,  /* the slice at the active axis's position */
} EvoxHistogramSource;

GType evox_histogram_source_get_type (void) G_GNUC_CONST;
#define EVOX_TYPE_HISTOGRAM_SOURCE (evox_histogram_source_get_type ())

/* Which of a registration's two stacks the document shows. */
typedef enum
{
  EVOX_REGISTRATION_VIEW_REGISTERED,  /* after: the registered stack */
  EVOX_REGISTRATION_VIEW_RAW,         /* before: the stack as loaded */
} EvoxRegistrationView;

GType evox_registration_view_get_type (void) G_GNUC_CONST;
#define EVOX_TYPE_REGISTRATION_VIEW (evox_registration_view_get_type ())

#define EVOX_TYPE_DOCUMENT (evox_document_get_type ())
G_DECLARE_FINAL_TYPE (EvoxDocument, evox_document, EVOX, DOCUMENT, GObject)

/* Properties (all notify only on real change):
 *   volume (EvoxVolume, read-only: use set_volume), title, path (string, read-only),
 *   channel (uint), colormap (string), mapping (EvoxMapping),
 *   range-lo, range-hi (double, stored values: log10 numbers for log10 data),
 *   view (EvoxView), slice-x, slice-y, slice-z (uint voxel indices), active-axis (uint 0..2),
 *   z-exaggeration (double >= 0.01), stack-opacity (double in (0, 1]),
 *   histogram-source (EvoxHistogramSource), histogram-log-counts, histogram-per-layer (boolean),
 *   basis (EvoxBasis, default EVOX_BASIS_MEASURED: what fractions, counts and the whole-data
 *   histogram of an SSRM stack count; kept across volumes; volumes without scans count the
 *   volume whatever it says),
 *   phases (EvoxPhaseList, read-only: the same list for the document's life; edit its items),
 *   show-phases (boolean, default TRUE: visible phases colour the canvas),
 *   hide-outside-phases (boolean, default FALSE: voxels in no visible phase are not drawn),
 *   selected-phase (int, -1 for none: the phase the panels work on),
 *   labels (EvoxLabels, read-only: use set_labels; cleared when the volume or channel changes),
 *   selected-particle (uint, 0 for none: a label of `labels`),
 *   particle-colors (int, EvoxParticleColor, default NONE: what the views colour particles by),
 *   surfaces (EvoxSurfaceList, read-only: the same list for the document's life),
 *   surfaces-busy (boolean, read-only: a surface is being built or is due to be),
 *   clip-surfaces (boolean, default FALSE: cut surfaces away in front of the slices),
 *   smooth-surfaces (boolean, default TRUE: Gaussian-smoothed masks for phases and particles),
 *   triangle-budget (uint64, default EVOX_DEFAULT_TRIANGLE_BUDGET, 0 = none: larger surfaces
 *   are decimated to it; 1 to 3 become 4, the fewest a closed surface has),
 *   clusters (EvoxClusters, read-only: use set_clusters; the volume's dims; kept when a volume of
 *   the same dims replaces the volume, cleared otherwise),
 *   show-clusters (boolean, default TRUE: the views draw the cluster overlay),
 *   cluster-opacity (double 0..1, default 0.6: how much of a cluster's colour covers a voxel),
 *   cluster-outlines (boolean, default FALSE: boundaries between clusters drawn opaque),
 *   selected-cluster (uint, 0 for none: the cluster the panels work on; reset by set_clusters),
 *   registration (EvoxRegistration, read-only: use set_registration; cleared by set_volume),
 *   registration-view (EvoxRegistrationView, default REGISTERED: which of the registration's
 *   stacks is the volume; stays REGISTERED without a registration).
 * Surfaces follow the document: a new volume of the same value scale rebuilds them from its
 * voxels (another scale clears them, as it clears phases); a channel change rebuilds them from
 * that channel; new or cleared labels remove the particle surfaces; a phase's surface goes with
 * the phase (removed, or replaced by a preset or Suggest). Smoothing and the budget
 * apply to every surface. Stale surfaces are rebuilt off the main thread once edits pause for
 * EVOX_SURFACE_BUILDER_DELAY_MS.
 * Signal "layers-changed": a layer's visibility changed.
 * Signal "focus-particle" (guint id): evox_document_focus_particle asks the views to show it. */
EvoxDocument      *evox_document_new                (void);

/* Replaces the volume (NULL clears). Resets channel, slices (to the middle), layer visibility,
 * the display range (to the data range), the mapping (log for log10 data and for linear data
 * spanning more than three decades with positive values, else linear), the view (stack for SSRM
 * stacks with several scans, else slices) and the z-exaggeration (so the depth is at least a
 * quarter of the widest side); drops the registration. title: what the window calls it; path
 * may be NULL. */
void               evox_document_set_volume         (EvoxDocument  *self,
                                                     EvoxVolume    *volume,
                                                     const char    *title,
                                                     const char    *path);
EvoxVolume        *evox_document_get_volume         (EvoxDocument  *self);
/* States the volume's voxel size (the user's Image Properties): drops particles, rebuilds
 * surfaces and notifies volume. */
void               evox_document_set_voxel_size     (EvoxDocument  *self,
                                                     const double   spacing_nm[3]);
const char        *evox_document_get_title          (EvoxDocument  *self);
const char        *evox_document_get_path           (EvoxDocument  *self);
guint              evox_document_get_channel        (EvoxDocument  *self);
void               evox_document_set_channel        (EvoxDocument  *self,
                                                     guint          channel);
const char        *evox_document_get_colormap       (EvoxDocument  *self);
void               evox_document_set_colormap       (EvoxDocument  *self,
                                                     const char    *name);
EvoxMapping        evox_document_get_mapping        (EvoxDocument  *self);
void               evox_document_set_mapping        (EvoxDocument  *self,
                                                     EvoxMapping    mapping);
EvoxTransfer       evox_document_get_transfer       (EvoxDocument  *self);
void               evox_document_get_range          (EvoxDocument  *self,
                                                     double        *lo,
                                                     double        *hi);
/* lo > hi are swapped; both are kept within the data range's span for log mappings (> 0). */
void               evox_document_set_range          (EvoxDocument  *self,
                                                     double         lo,
                                                     double         hi);
/* Finite min and max of the current channel (0, 1 without a volume). */
void               evox_document_get_data_range     (EvoxDocument  *self,
                                                     double        *lo,
                                                     double        *hi);
/* The display range back to the data range (for log mapping of linear data: the smallest
 * positive value to the max). */
void               evox_document_reset_range        (EvoxDocument  *self);
EvoxView           evox_document_get_view           (EvoxDocument  *self);
void               evox_document_set_view           (EvoxDocument  *self,
                                                     EvoxView       view);
guint              evox_document_get_slice          (EvoxDocument  *self,
                                                     guint          axis);
/* Clamped to the volume's dims. */
void               evox_document_set_slice          (EvoxDocument  *self,
                                                     guint          axis,
                                                     guint          index);
guint              evox_document_get_active_axis    (EvoxDocument  *self);
void               evox_document_set_active_axis    (EvoxDocument  *self,
                                                     guint          axis);
double             evox_document_get_z_exaggeration (EvoxDocument  *self);
void               evox_document_set_z_exaggeration (EvoxDocument  *self,
                                                     double         factor);
double             evox_document_get_stack_opacity  (EvoxDocument  *self);
void               evox_document_set_stack_opacity  (EvoxDocument  *self,
                                                     double         opacity);
gboolean           evox_document_get_layer_visible  (EvoxDocument  *self,
                                                     guint          layer);
void               evox_document_set_layer_visible  (EvoxDocument  *self,
                                                     guint          layer,
                                                     gboolean       visible);
gboolean           evox_document_get_scan_visible   (EvoxDocument  *self,
                                                     guint          scan);
void               evox_document_set_scan_visible   (EvoxDocument  *self,
                                                     guint          scan,
                                                     gboolean       visible);
EvoxHistogramSource evox_document_get_histogram_source (EvoxDocument *self);
void               evox_document_set_histogram_source (EvoxDocument *self,
                                                       EvoxHistogramSource source);
gboolean           evox_document_get_histogram_log_counts (EvoxDocument *self);
void               evox_document_set_histogram_log_counts (EvoxDocument *self,
                                                           gboolean      log_counts);
gboolean           evox_document_get_histogram_per_layer (EvoxDocument *self);
void               evox_document_set_histogram_per_layer (EvoxDocument *self,
                                                          gboolean      per_layer);
EvoxBasis          evox_document_get_basis          (EvoxDocument  *self);
void               evox_document_set_basis          (EvoxDocument  *self,
                                                     EvoxBasis      basis);
/* The basis counted for the current volume and channel (evox_basis_resolve; volume without a
 * volume). */
EvoxBasis          evox_document_get_effective_basis (EvoxDocument *self);
/* The fine histogram of the basis (evox_basis_get_histogram); NULL without a volume. Fractions
 * and the whole-data histogram read it. */
EvoxFineHistogram *evox_document_get_basis_histogram (EvoxDocument *self);
/* The fine histogram of the current channel (built on first use, then cached by the volume);
 * NULL without a volume. */
EvoxFineHistogram *evox_document_get_histogram      (EvoxDocument  *self);
/* Display counts of the current slice along axis (n_bins bins over [lo, hi] of the stored
 * values; log_axis: bins spaced evenly in log10). z slices come from the fine histogram's
 * per-layer counts when it has them; otherwise the slice's voxels are counted (a slice, never
 * the volume). */
gboolean           evox_document_slice_histogram    (EvoxDocument  *self,
                                                     guint          axis,
                                                     guint          index,
                                                     guint          n_bins,
                                                     double         lo,
                                                     double         hi,
                                                     gboolean       log_axis,
                                                     double        *counts);
/* Hover text for voxel (i, j, k): value in its unit, for log10 data both forms, e.g.
 * "log10 R = -4.53 (R = 2.95e-05 ohm)"; "no value" for NaN. */
char              *evox_document_format_value       (EvoxDocument  *self,
                                                     double         value);

EvoxPhaseList     *evox_document_get_phases         (EvoxDocument  *self);
/* How the Volume view draws (never NULL; the document's own, for the canvas and `evox render`).
 * Its opacity curve is reset to the display range (evox_volume_style_reset_points) when a volume
 * or channel is shown. */
EvoxVolumeStyle   *evox_document_get_volume_style   (EvoxDocument  *self);
/* The figure's overlays (never NULL). */
EvoxOverlays      *evox_document_get_overlays       (EvoxDocument  *self);
gboolean           evox_document_get_show_phases    (EvoxDocument  *self);
void               evox_document_set_show_phases    (EvoxDocument  *self,
                                                     gboolean       show);
gboolean           evox_document_get_hide_outside_phases (EvoxDocument *self);
void               evox_document_set_hide_outside_phases (EvoxDocument *self,
                                                          gboolean      hide);
EvoxParticleColor  evox_document_get_particle_colors (EvoxDocument *self);
void               evox_document_set_particle_colors (EvoxDocument      *self,
                                                      EvoxParticleColor  by);
int                evox_document_get_selected_phase (EvoxDocument  *self);
/* -1 or an index of the phase list (clamped to -1 past the end). */
void               evox_document_set_selected_phase (EvoxDocument  *self,
                                                     int            index);
/* The current particles (NULL when none were computed for this volume). */
EvoxLabels        *evox_document_get_labels         (EvoxDocument  *self);
/* labels must belong to the document's volume and channel (or be NULL); resets
 * selected-particle. */
void               evox_document_set_labels         (EvoxDocument  *self,
                                                     EvoxLabels    *labels);
guint              evox_document_get_selected_particle (EvoxDocument *self);
/* 0 or a label of the current labels; other ids clear the selection. Does not move slices or the
 * camera: evox_document_focus_particle does. */
void               evox_document_set_selected_particle (EvoxDocument *self,
                                                        guint         id);
/* Selects particle id, puts the three slices through its voxel nearest the centroid and emits
 * "focus-particle". */
void               evox_document_focus_particle     (EvoxDocument  *self,
                                                     guint          id);

/* What a mesh may have before it is decimated, unless the user says otherwise: enough for a
 * smooth picture, small enough to turn at interactive rates on llvmpipe. */
#define EVOX_DEFAULT_TRIANGLE_BUDGET G_GUINT64_CONSTANT (2000000)

EvoxSurfaceList   *evox_document_get_surfaces       (EvoxDocument  *self);
/* The rulers (and line profiles) drawn on the volume's slices: the same list for the document's
 * life, emptied when the volume is replaced. */
EvoxMeasurementList *evox_document_get_measurements (EvoxDocument  *self);
gboolean           evox_document_get_surfaces_busy  (EvoxDocument  *self);
/* Stops the running build at the user's request (that surface fails with "Cancelled"). */
void               evox_document_cancel_surface_build (EvoxDocument *self);
gboolean           evox_document_get_clip_surfaces  (EvoxDocument  *self);
void               evox_document_set_clip_surfaces  (EvoxDocument  *self,
                                                     gboolean       clip);
gboolean           evox_document_get_smooth_surfaces (EvoxDocument *self);
void               evox_document_set_smooth_surfaces (EvoxDocument *self,
                                                      gboolean      smooth);
guint64            evox_document_get_triangle_budget (EvoxDocument *self);
void               evox_document_set_triangle_budget (EvoxDocument *self,
                                                      guint64       budget);
/* Appends a surface (transfer none) with the next free colour. A phase surface follows the
 * phase's range and takes its name and colour; a particle surface needs labels (id 0: every
 * particle, each its own colour; else that particle, in the highlight colour). All need a
 * volume. */
EvoxSurface       *evox_document_add_phase_surface  (EvoxDocument  *self,
                                                     EvoxPhase     *phase);
EvoxSurface       *evox_document_add_level_surface  (EvoxDocument  *self,
                                                     double         level);
EvoxSurface       *evox_document_add_particle_surface (EvoxDocument *self,
                                                       guint32       id);
/* The clusters of the volume's voxels (NULL clears). Clusters of other dims than the volume's
 * (a result that finished after another volume was opened) are refused: FALSE, nothing changes.
 * Resets selected-cluster. */
EvoxClusters      *evox_document_get_clusters       (EvoxDocument  *self);
gboolean           evox_document_set_clusters       (EvoxDocument  *self,
                                                     EvoxClusters  *clusters);
gboolean           evox_document_get_show_clusters  (EvoxDocument  *self);
void               evox_document_set_show_clusters  (EvoxDocument  *self,
                                                     gboolean       show);
double             evox_document_get_cluster_opacity (EvoxDocument *self);
/* Clamped to 0..1. */
void               evox_document_set_cluster_opacity (EvoxDocument *self,
                                                      double        opacity);
gboolean           evox_document_get_cluster_outlines (EvoxDocument *self);
void               evox_document_set_cluster_outlines (EvoxDocument *self,
                                                       gboolean      outlines);
guint              evox_document_get_selected_cluster (EvoxDocument *self);
/* 0 or a cluster id; others clear the selection. */
void               evox_document_set_selected_cluster (EvoxDocument *self,
                                                       guint         id);

/* The label of the channel that holds cluster ids once a cluster was turned into a phase. */
#define EVOX_DOCUMENT_CLUSTER_CHANNEL "Clusters"

/* Turns cluster id into a phase, so fractions, particles and surfaces work on it unchanged: the
 * document switches to a derived volume (the loaded channels' voxels shared, not copied, plus a
 * "Clusters" channel of the ids in the volume's sample type; an 8-bit volume takes k <= 255)
 * keeping phases, surfaces, rulers, slices and display settings, shows the Clusters channel, and
 * appends a phase named after the cluster, range [id, id] ([id - 0.5, id + 0.5] on float volumes,
 * whose phases are counted from the fine histogram), in its colour. Later calls for the
 * same clusters reuse the channel. Returns the phase (transfer none) or NULL with an error. */
EvoxPhase         *evox_document_cluster_to_phase   (EvoxDocument  *self,
                                                     guint          id,
                                                     GError       **error);

/* The registration of the loaded stack across energies (NULL when none). */
EvoxRegistration  *evox_document_get_registration   (EvoxDocument  *self);
/* Makes registration's registered stack the volume (registration-view back to REGISTERED),
 * keeping phases, surfaces (rebuilt), rulers, slices, view, colours and the display range, and
 * showing the channel of the energy shown before (the reference's when that energy was
 * excluded). The raw stack must be the volume, or the raw stack of the registration there is
 * (a new run replacing it): FALSE, nothing changed, otherwise. NULL reverts to the raw stack
 * and drops the registration. */
gboolean           evox_document_set_registration   (EvoxDocument     *self,
                                                     EvoxRegistration *registration);
EvoxRegistrationView evox_document_get_registration_view (EvoxDocument *self);
/* Switches the volume between the raw and the registered stack (no recomputation), keeping what
 * set_registration keeps; nothing without a registration. */
void               evox_document_set_registration_view (EvoxDocument        *self,
                                                        EvoxRegistrationView view);

/* Maps derived from the stack (XANES maps, elemental maps, the normalised stack): one f32 volume
 * of the stack's dims and spacing that the document holds beside the stack, whose channels are
 * the maps. Showing the maps (property "show-maps") makes that volume the document's volume, so
 * histograms, phases (thresholds on a map's histogram), particles (their mean value of a map),
 * surfaces, clusters and exports work on maps unchanged. Across the switch the slices, view,
 * active axis, z-exaggeration, layer visibility, rulers, clusters and every other setting stay;
 * each side (stack, maps) keeps its own volume (with the Clusters channel Make Phase added to it),
 * channel, colour map, mapping, display range, phases, selected phase and surfaces, restored when
 * the user comes back; surfaces are rebuilt from the side's voxels; particles are dropped (as on
 * a channel switch). On the maps, each channel has its own display: a colour map, mapping or range
 * the user set on a map is remembered by the map's label for the document's life (also through a
 * new run of that map; a remembered range that misses all of a new map's values gives way to the
 * default); otherwise a map whose quantity is "energy" (edge_energy, e0, whiteline_energy) is
 * shown in "coolwarm" over median +- the larger distance from the median to the 5th or 95th
 * percentile (from the fine histogram, within a fine bin), a "mask" map in "grey" over 0..1, any
 * other map in "viridis" over its data range. Maps are dropped when another volume is loaded
 * (set_volume, which first goes back to the stack, so the stack's phases are what carry over) or
 * the registration is replaced or reverted (they were computed from the old stack); switching
 * registration-view shows the stack. Property "maps" (EvoxVolume, read-only) notifies when the
 * maps are added, replaced or dropped. */
EvoxVolume        *evox_document_get_maps           (EvoxDocument  *self);
/* The stack the maps are computed from: the volume when the maps are not shown (raw or
 * registered as registration-view says), else the stack behind them. NULL without a volume. */
EvoxVolume        *evox_document_get_stack          (EvoxDocument  *self);
/* Merges a copy of `maps` (f32, the stack's dims; its voxels are copied, its labels, energies
 * and value meanings kept, its spacing and origin replaced by the stack's) into the document's
 * maps: a channel of `maps` replaces the maps' channel of the same label in place, others are
 * appended (a XANES run replaces the XANES maps and keeps the elements). Then shows the maps at the
 * channel labelled `show` (NULL: the first of `maps`). FALSE with EVOX_ERROR_ARGUMENT, nothing
 * changed, without a stack, for other dims or sample types, or when no map is labelled `show`. */
gboolean           evox_document_add_maps           (EvoxDocument  *self,
                                                     EvoxVolume    *maps,
                                                     const char    *show,
                                                     GError       **error);
/* Appends run, one Compute Elements' maps (evox_elements_maps), to the runs maps records in its
 * metadata: "elements_runs" (how many), and for run N each "elements_KEY" of run as
 * "elements_runN_KEY" and its channel labels as "elements_runN_channels" ("Ni,residual").
 * evox_document_add_maps does this for elemental maps without such a record, so the maps keep
 * every run whose channels they hold (the plain "elements_KEY" being the last run's); a session
 * restoring several runs as one volume does it for each. maps must not be frozen yet. */
void               _evox_document_note_elements_run (EvoxVolume    *maps,
                                                     EvoxVolume    *run);
/* How many runs maps records (its "elements_runs"; 0 for none or nonsense). */
guint              _evox_document_count_elements_runs (EvoxVolume  *maps);
/* Drops the maps (back to the stack when they were shown). */
void               evox_document_clear_maps         (EvoxDocument  *self);
gboolean           evox_document_get_show_maps      (EvoxDocument  *self);
/* Switches between the stack and the maps (property "show-maps"); nothing without maps. */
void               evox_document_set_show_maps      (EvoxDocument  *self,
                                                     gboolean       show);

/* RGB composite: three channels of the volume shown at once, each scaled from its own range
 * [lo, hi] (stored values; linear) into one colour channel (0 red, 1 green, 2 blue), on every
 * slice view and in exports, with a legend. NaN in a slot adds nothing; a voxel NaN in all used
 * slots is transparent. Property "composite" (gboolean) switches it on (with no slot used, on the
 * volume's elemental maps when it has two or more, else on channels 0, 1, 2); a change of any slot
 * notifies "composite-slots". Slots start unused (channel -1). */
gboolean           evox_document_get_composite      (EvoxDocument  *self);
void               evox_document_set_composite      (EvoxDocument  *self,
                                                     gboolean       composite);
/* channel -1 clears the slot; lo == hi (or NaN) takes the channel's 1st..99th percentile. */
void               evox_document_set_composite_slot (EvoxDocument  *self,
                                                     guint          slot,
                                                     int            channel,
                                                     double         lo,
                                                     double         hi);
void               evox_document_get_composite_slot (EvoxDocument  *self,
                                                     guint          slot,
                                                     int           *channel,
                                                     double        *lo,
                                                     double        *hi);
/* The range a slot of `channel` takes by default (its 1st..99th percentile; see the .c). */
gboolean           evox_document_get_composite_default_range (EvoxDocument *self,
                                                              guint         channel,
                                                              double       *lo,
                                                              double       *hi);
/* Phase colours over the composite (property "composite-phases", default FALSE): while the
 * composite is on, phases tint and hide voxels only when this is TRUE. */
gboolean           evox_document_get_composite_phases (EvoxDocument *self);
void               evox_document_set_composite_phases (EvoxDocument *self,
                                                       gboolean      phases);

/* For the undo history: makes `maps` (a volume the document held as its maps before, or NULL)
 * the maps again as they are, without copying, shown or not as show says. The maps shown before
 * are dropped as by clear_maps; the side shown keeps its phases. FALSE, nothing changed, for
 * maps not of the stack's dims. */
gboolean           _evox_document_restore_maps      (EvoxDocument  *self,
                                                     EvoxVolume    *maps,
                                                     gboolean       show);

/* For the undo history: the voxel size of the document's sample exactly as it is, for the volume
 * and every volume set_voxel_size scales with it (the registration's stacks, the maps): each
 * one's spacing, whether it is known and its channels' pixel sizes. Equal when the volume's
 * spacing and whether it is known are. Restoring puts every size back as it was (on the volumes
 * still around: they are held weakly) with what set_voxel_size does besides (particles dropped,
 * rulers kept on their voxels, surfaces rebuilt, volume notified); nothing when they hold
 * already. */
typedef struct _EvoxVoxelSizes EvoxVoxelSizes;
EvoxVoxelSizes    *_evox_document_dup_voxel_sizes   (EvoxDocument  *self);
void               _evox_voxel_sizes_free           (EvoxVoxelSizes *sizes);
gboolean           _evox_voxel_sizes_equal          (const EvoxVoxelSizes *a,
                                                     const EvoxVoxelSizes *b);
void               _evox_document_restore_voxel_sizes (EvoxDocument         *self,
                                                       const EvoxVoxelSizes *sizes);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxVoxelSizes, _evox_voxel_sizes_free)

/* For tests: the quiet period before a rebuild. */
void               _evox_document_set_surface_delay (EvoxDocument  *self,
                                                     guint          delay_ms);

G_END_DECLS

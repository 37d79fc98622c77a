/* evox-renderer.h: draws a volume (slices, layer stacks, surfaces) into the current GL framebuffer. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>
#include "evox-camera.h"
#include "evox-clusters.h"
#include "evox-display.h"
#include "evox-labels.h"
#include "evox-measurement.h"
#include "evox-overlays.h"
#include "evox-phase.h"
#include "evox-surface.h"
#include "evox-volume.h"
#include "evox-volume-style.h"

G_BEGIN_DECLS

#define EVOX_TYPE_RENDERER (evox_renderer_get_type ())
G_DECLARE_FINAL_TYPE (EvoxRenderer, evox_renderer, EVOX, RENDERER, GObject)

/* Everything but realize, unrealize, draw and render_image is GL-free: setters record the state
 * and mark what must be rebuilt; the GL work happens in the next draw, with the context current.
 * "changed" is emitted when a setter changed something the next frame shows, and when the camera
 * emits its own "changed". A GtkGLArea canvas needs a depth buffer. */
EvoxRenderer *evox_renderer_new                (void);

/* With a GL 3.3 core (or later) context current: check the version, build programs and buffers.
 * Fails with a plain-words GError when the context is too old or a shader does not build. */
gboolean      evox_renderer_realize            (EvoxRenderer   *self,
                                                GError        **error);
/* With the same context current: delete every GL object. Safe to call when not realized. */
void          evox_renderer_unrealize          (EvoxRenderer   *self);
gboolean      evox_renderer_is_realized        (EvoxRenderer   *self);

/* NULL clears. The volume's channel goes to the GPU once, as a 3D texture in its own sample type
 * (R8, R16 or R32F), at the next draw; one beyond the GPU's 3D texture size or memory is drawn
 * from bricks instead (evox-bricks.h). Also sets the camera bounds and resets it, shows every
 * layer, puts the slices in the middle and sets the range to the finite data range. */
void          evox_renderer_set_volume         (EvoxRenderer   *self,
                                                EvoxVolume     *volume,
                                                guint           channel);
EvoxVolume   *evox_renderer_get_volume         (EvoxRenderer   *self);
void          evox_renderer_set_colormap       (EvoxRenderer   *self,
                                                const char     *name);
void          evox_renderer_set_mapping        (EvoxRenderer   *self,
                                                EvoxMapping     mapping);
/* Display range in stored values (log10 numbers for log10 data). */
void          evox_renderer_set_range          (EvoxRenderer   *self,
                                                double          lo,
                                                double          hi);
void          evox_renderer_set_view           (EvoxRenderer   *self,
                                                EvoxView        view);
EvoxView      evox_renderer_get_view           (EvoxRenderer   *self);
/* Voxel index of the slice along each axis. */
void          evox_renderer_set_slices         (EvoxRenderer   *self,
                                                const guint     slice[3]);
void          evox_renderer_set_layer_visible  (EvoxRenderer   *self,
                                                guint           layer,
                                                gboolean        visible);
void          evox_renderer_set_scan_visible   (EvoxRenderer   *self,
                                                guint           scan,
                                                gboolean        visible);
/* Depth axis stretch (>= 1 for thin SSRM stacks); changes the camera bounds. */
void          evox_renderer_set_z_exaggeration (EvoxRenderer   *self,
                                                double          factor);
double        evox_renderer_get_z_exaggeration (EvoxRenderer   *self);
/* Device pixels per window pixel (gtk_widget_get_scale_factor): draw () and draw_view () make
 * lines, ruler labels and the 2D panes' room for their frames this many times wider, so they
 * keep their size in window pixels on a high-resolution screen. Exports scale them by the
 * image's size over the view's instead. */
void          evox_renderer_set_scale_factor   (EvoxRenderer   *self,
                                                int             scale);
int           evox_renderer_get_scale_factor   (EvoxRenderer   *self);
/* Opacity of each plane in the layer-stack view, in (0, 1]. */
void          evox_renderer_set_stack_opacity  (EvoxRenderer   *self,
                                                double          opacity);
void          evox_renderer_set_background     (EvoxRenderer   *self,
                                                const float     rgba[4]);
EvoxCamera   *evox_renderer_get_camera         (EvoxRenderer   *self);

/* The most phases the canvas colours; later phases of a longer list are ignored (one warning). */
#define EVOX_RENDERER_MAX_PHASES 32

/* Phase colouring. A voxel whose stored value v has lo <= v <= hi for a visible phase (the first
 * such phase in list order; exact for u8, u16 and f32 data) is drawn as mix (colour-map colour,
 * phase colour, phase opacity). With hide_outside, voxels in no visible phase are not drawn
 * (transparent, like NaN). show FALSE or NULL phases turns colouring and hiding off. The renderer
 * holds the list and follows its "changed" signal itself: editing a phase costs one redraw and a
 * tiny upload of the phase table, never one of the volume. */
void          evox_renderer_set_phases         (EvoxRenderer   *self,
                                                EvoxPhaseList  *phases,
                                                gboolean        show,
                                                gboolean        hide_outside);
/* The list given to set_phases (transfer none), or NULL. */
EvoxPhaseList *evox_renderer_get_phases        (EvoxRenderer   *self);

/* The colour of the selected particle (straight RGB, 0..1); every other drawn voxel is
 * multiplied by EVOX_RENDERER_DIM while a particle is selected. */
#define EVOX_RENDERER_HIGHLIGHT_RGB { 1.0f, 0.0f, 1.0f }
#define EVOX_RENDERER_DIM 0.6f

/* Particle highlight. The label volume goes to the GPU at the next draw (R8UI, R16UI or R32UI,
 * the smallest that holds every label); it is used while its dims equal the volume's. NULL
 * clears. The selected particle (0 for none) is drawn in the highlight colour wherever a slice or
 * layer cuts it, even where phases would hide it or the mapping cannot show its values. */
void          evox_renderer_set_labels         (EvoxRenderer   *self,
                                                EvoxLabels     *labels);
EvoxLabels   *evox_renderer_get_labels         (EvoxRenderer   *self);
void          evox_renderer_set_selected_particle (EvoxRenderer *self,
                                                   guint32       id);
guint32       evox_renderer_get_selected_particle (EvoxRenderer *self);

/* Particle colouring: while by is not NONE and the labels apply, every labelled voxel with a
 * colour in evox_labels_dup_colors (labels, by, colormap) is drawn in it instead of the colour
 * map and the phase tint (dimmed while a particle is selected; the selected particle keeps its
 * highlight), and every other drawn voxel in the grey of its colour's luminance (Rec. 709
 * weights), so that no value's colour reads as a particle's. The table goes to the GPU at the next draw as a 2D RGBA8 texture, label l at
 * (l mod width, l / width). */
void              evox_renderer_set_particle_colors (EvoxRenderer      *self,
                                                     EvoxParticleColor  by);
EvoxParticleColor evox_renderer_get_particle_colors (EvoxRenderer      *self);

/* Cluster overlay, in every view that draws voxels (the three slices, a single slice, the 2x2
 * panes, the layer stack's grid layers; not the measured scans drawn between grid layers). The
 * ids go to the GPU once per EvoxClusters, at the next draw, as the second component of the
 * volume texture (RG8 beside u8 values while k <= 255, RG16 beside u16 values or u8 ones with
 * more clusters, RG32F beside f32 values), so a frame fetches value and id at once and costs
 * what phase colouring costs; they are used while their dims equal the volume's. Names, colours
 * and visibility ("changed") re-upload a table of k texels. A voxel of a visible cluster is drawn
 * as mix (colour as it would be drawn, cluster colour, opacity): clusters go over the colour map,
 * phase tints and particle colours; the selected particle's highlight stays on top; voxels
 * outside the mask (0) and of hidden clusters keep their colour. With outlines, a voxel of a
 * visible cluster that has a neighbour in the slice plane (4-neighbourhood) with another id is
 * drawn opaque in its cluster's colour at half brightness (EVOX_RENDERER_OUTLINE_SHADE),
 * whatever the opacity. NULL clears (the ids stay in the texture, unused, until the volume is
 * uploaded again). */
#define EVOX_RENDERER_OUTLINE_SHADE 0.5f
void          evox_renderer_set_clusters       (EvoxRenderer   *self,
                                                EvoxClusters   *clusters);
EvoxClusters *evox_renderer_get_clusters       (EvoxRenderer   *self);
/* show FALSE, or opacity 0 without outlines, draws no overlay (and costs nothing). Defaults:
 * shown, 0.6, no outlines. opacity is clamped to 0..1. */
void          evox_renderer_set_cluster_style  (EvoxRenderer   *self,
                                                gboolean        show,
                                                double          opacity,
                                                gboolean        outlines);

/* The selected cluster (0 for none, the document's selected-cluster) is drawn emphasised: while
 * an id of the current clusters is selected, every other visible cluster is drawn with
 * EVOX_RENDERER_CLUSTER_DIM (64/255) of the opacity, and its outlines mixed into the picture by
 * the same share, so the selected one stands out at the opacity the user chose in every view
 * that draws the overlay. Nothing selected (or an id above k) draws exactly as before. */
#define EVOX_RENDERER_CLUSTER_DIM (64.0f / 255.0f)
void          evox_renderer_set_selected_cluster (EvoxRenderer *self,
                                                  guint         id);
guint         evox_renderer_get_selected_cluster (EvoxRenderer *self);

/* RGB composite, in every view that draws voxels (the three slices, a single slice, the 2x2
 * panes, the layer stack's grid layers; not the measured scans between grid layers): while a
 * slot holds a channel of the volume (channels[s] >= 0; s = 0 red, 1 green, 2 blue), a voxel is
 * drawn as colour s = clamp ((v_s - lo[s]) / (hi[s] - lo[s]), 0, 1) of its stored values v_s
 * (lo == hi: 0 below, 1 from lo on), unused slots 0, a NaN value counting as 0; a voxel NaN in
 * every used slot is not drawn (transparent). The colour replaces the colour-map colour: the
 * particle highlight, particle colours, the cluster overlay and (when the caller keeps them on)
 * phase tints go over it as over the colour map. Each used channel goes to the GPU once, at the
 * next draw, as a 3D texture of the volume's sample type (R8, R16 or R32F), and only while a
 * slot is used: turning the composite off frees them; a range change uploads nothing. Channels
 * the volume lacks count as unused. NULL (or every channel -1) turns it off. Once the channels
 * are on the GPU, picking treats the composite's holes as holes, as it sees them. */
void          evox_renderer_set_rgb            (EvoxRenderer   *self,
                                                const int       channels[3],
                                                const double    lo[3],
                                                const double    hi[3]);
/* TRUE while a slot is used. */
gboolean      evox_renderer_get_rgb            (EvoxRenderer   *self);

/* Surfaces (meshes in nm of the volume's frame), drawn in the three-slice and layer-stack views
 * (not in the 2D slice views) with the slices' transform (z exaggeration), lit by a headlight,
 * two-sided (the inside darker), in each surface's colour, or the mesh's own colours when it has
 * them, at the surface's opacity. Opaque surfaces (opacity >= 0.999) hide what lies behind them;
 * translucent ones blend in depth order whatever the list order (weighted blended
 * order-independent transparency). The renderer holds the list and follows its "changed"
 * signal: a colour, opacity or visibility change costs one redraw and no upload; a new mesh of a
 * visible surface goes to the GPU once, at the next draw, and the buffers of meshes no surface
 * holds any more are freed then. NULL clears. */
void          evox_renderer_set_surfaces       (EvoxRenderer    *self,
                                                EvoxSurfaceList *surfaces);
/* The list given to set_surfaces (transfer none), or NULL. */
EvoxSurfaceList *evox_renderer_get_surfaces    (EvoxRenderer    *self);
/* With clip TRUE the three-slice view cuts away every surface in the octant between the camera
 * and the slices' crossing (the side of all three slice planes the camera is on), so the slices
 * show with the surfaces around them. The layer-stack view never clips. Default FALSE. */
void          evox_renderer_set_clip_surfaces  (EvoxRenderer    *self,
                                                gboolean         clip);
gboolean      evox_renderer_get_clip_surfaces  (EvoxRenderer    *self);

/* Rulers (endpoints in nm), drawn in the 2D slice views along their axis with their length
 * (bright on the slice they were drawn on, faint on the others) and as lines in the 3D slices
 * view. The renderer holds the list and follows its "changed" signal. NULL clears. */
void          evox_renderer_set_measurements   (EvoxRenderer        *self,
                                                EvoxMeasurementList *measurements);

/* The 2x2 layout (EVOX_VIEW_QUAD): the z slice top left, the three slices in 3D top right, the
 * y slice bottom left (x runs the same way as in the z slice above it), the x slice bottom
 * right. Each pane has its own camera, made by the renderer and framed with the volume; the 2D
 * panes draw crosshairs at the other two slices, in those slices' colours. */
typedef enum
{
  EVOX_PANE_Z,
  EVOX_PANE_3D,
  EVOX_PANE_Y,
  EVOX_PANE_X,
  EVOX_N_PANES
} EvoxPane;

/* Pixels between panes in a window (exports scale it with the image). */
#define EVOX_RENDERER_PANE_GAP 2

EvoxView      evox_renderer_get_pane_view      (EvoxPane        pane);
EvoxCamera   *evox_renderer_get_pane_camera    (EvoxRenderer   *self,
                                                EvoxPane        pane);
/* The pane's rectangle in a width x height window: x, y of its top-left corner (y down), width,
 * height. */
void          evox_renderer_get_pane_rect      (int             width,
                                                int             height,
                                                EvoxPane        pane,
                                                int             rect[4]);
/* The pane under window point (x, y) (y down), and the point in the pane's own coordinates;
 * -1 in the gaps. */
int           evox_renderer_get_pane_at        (int             width,
                                                int             height,
                                                double          x,
                                                double          y,
                                                double          local[2]);

/* Draw view `view` (not EVOX_VIEW_QUAD) as `camera` sees it into the rectangle x, y (bottom-left,
 * GL's pixels), width x height of the bound framebuffer, clearing only that rectangle. The 2D
 * slice views get crosshairs and a frame in their slice colour, as the panes of the 2x2 do. GL
 * resources (the volume texture above all) are shared by every view drawn this way. */
void          evox_renderer_draw_view          (EvoxRenderer   *self,
                                                EvoxView        view,
                                                EvoxCamera     *camera,
                                                int             x,
                                                int             y,
                                                int             width,
                                                int             height);

/* Draw into the currently bound framebuffer, viewport 0,0,width,height; EVOX_VIEW_QUAD draws the
 * four panes, each with its pane camera (render_image and pick do the same). */
void          evox_renderer_draw               (EvoxRenderer   *self,
                                                int             width,
                                                int             height);
/* Block until everything drawn so far is on its framebuffer (for timings). */
void          evox_renderer_finish             (EvoxRenderer   *self);
/* Draw again offscreen (framebuffer object, tiled when larger than the GL limits) and read back
 * straight RGBA, 8 bits a channel, rows top to bottom; transparent leaves the background at alpha 0.
 * The camera frames the same part of the scene as it does at (view_width, view_height), so an
 * export shows what the window shows, at a higher resolution. */
guint8       *evox_renderer_render_image       (EvoxRenderer   *self,
                                                int             width,
                                                int             height,
                                                int             view_width,
                                                int             view_height,
                                                gboolean        transparent,
                                                GError        **error);
/* The point of the visible scene under window pixel (x, y), in nm of the volume's frame (voxel
 * centre (i, j, k) is origin + spacing * (i, j, k)). FALSE over the background (and, in
 * EVOX_VIEW_QUAD, in the gaps between the panes). */
gboolean      evox_renderer_pick               (EvoxRenderer   *self,
                                                double          x,
                                                double          y,
                                                int             width,
                                                int             height,
                                                double          position_nm[3]);
/* The same for view `view` (not EVOX_VIEW_QUAD) as `camera` sees it in a width x height
 * viewport. */
gboolean      evox_renderer_pick_view          (EvoxRenderer   *self,
                                                EvoxView        view,
                                                EvoxCamera     *camera,
                                                double          x,
                                                double          y,
                                                int             width,
                                                int             height,
                                                double          position_nm[3]);

/* A volume held reduced (1:S, full resolution on demand): the file's voxel under position_nm
 * (as the pick functions give it) and its value, when one of the full-resolution planes the
 * renderer holds for its zoomed-in slices has it. Nothing is read: FALSE where no plane held has
 * the voxel (the reduced value is then what there is), and for volumes held whole. */
gboolean      evox_renderer_get_file_value     (EvoxRenderer   *self,
                                                const double    position_nm[3],
                                                gsize           voxel[3],
                                                double         *value);

/* Volume rendering (EVOX_VIEW_VOLUME): rays cast through the volume texture as `style` says
 * (mode, opacity curve or phases or clusters as the transfer function, iso level, clip box),
 * with the colour map, mapping and range of the slices; surfaces (and the three slices when the
 * style shows them) in the same scene, depth composited; the measured layers of an SSRM stack
 * outlined when the style marks them. Empty space is skipped with a coarse min/max grid and rays
 * stop once nearly opaque. The renderer holds the style and follows its "changed" signal: a
 * change of the curve costs one redraw and a lookup-table upload. NULL draws the default style
 * (composite, the curve 0..0.1 over the display range). */
void             evox_renderer_set_volume_style   (EvoxRenderer    *self,
                                                   EvoxVolumeStyle *style);
/* The style given (transfer none), or NULL. */
EvoxVolumeStyle *evox_renderer_get_volume_style   (EvoxRenderer    *self);
/* TRUE while the user drags (camera, clip box, curve): the ray caster samples more coarsely so a
 * frame costs at most a third of a full one; FALSE draws full quality again (emits "changed").
 * render_image always draws full quality. Default FALSE. */
void             evox_renderer_set_interactive    (EvoxRenderer    *self,
                                                   gboolean         interactive);
gboolean         evox_renderer_get_interactive    (EvoxRenderer    *self);

/* The geometry the overlays of a width x height picture of the current view are measured in
 * (evox-overlays.h): nm per pixel (at the focal point in perspective views), the axes as seen,
 * and for EVOX_VIEW_QUAD the panes they hold in. All zero (nm_per_pixel 0) without a volume. */
void             evox_renderer_get_overlay_geometry (EvoxRenderer        *self,
                                                     int                  width,
                                                     int                  height,
                                                     EvoxOverlayGeometry *geometry);
/* In the 2D slice views, the rectangle x, y, width, height (pixels, y down) that the slice
 * covers in a width x height picture, clipped to it: what a figure cropped to the data keeps.
 * FALSE in other views, without a volume, or when the slice is out of the picture. */
gboolean         evox_renderer_get_slice_footprint  (EvoxRenderer        *self,
                                                     int                  width,
                                                     int                  height,
                                                     double               rect[4]);

G_END_DECLS

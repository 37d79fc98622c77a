/* evox-canvas.h: the GtkGLArea that shows the document through an EvoxRenderer. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>
#include "evox-document.h"
#include "evox-renderer.h"

G_BEGIN_DECLS

#define EVOX_TYPE_CANVAS (evox_canvas_get_type ())
G_DECLARE_FINAL_TYPE (EvoxCanvas, evox_canvas, EVOX, CANVAS, GtkGLArea)

/* Properties: document (EvoxDocument), hover-text (string, read-only: what is under the
 * pointer), frames (uint, read-only: frames drawn so far), measure-tool (boolean: a left drag in
 * a 2D view draws a ruler, as Ctrl+left drag always does).
 * In the 2x2 view the pane under the pointer takes the input, with its own camera.
 * Signal "frame-drawn": a frame was drawn; the context is current and its framebuffer bound. */
GtkWidget    *evox_canvas_new              (void);
void          evox_canvas_set_document     (EvoxCanvas   *self,
                                            EvoxDocument *document);
EvoxDocument *evox_canvas_get_document     (EvoxCanvas   *self);
EvoxRenderer *evox_canvas_get_renderer     (EvoxCanvas   *self);
const char   *evox_canvas_get_hover_text   (EvoxCanvas   *self);
guint         evox_canvas_get_frames       (EvoxCanvas   *self);
/* Recentre and describe the point under (x, y) in widget coordinates, as the mouse does. */
gboolean      evox_canvas_recenter_at      (EvoxCanvas   *self,
                                            double        x,
                                            double        y);
void          evox_canvas_hover_at         (EvoxCanvas   *self,
                                            double        x,
                                            double        y);
void          evox_canvas_look_along       (EvoxCanvas   *self,
                                            int           axis);
/* What a left click in a 2D pane of the 2x2 does: the other two slices move to the point under
 * (x, y) (through the document). FALSE elsewhere. */
gboolean      evox_canvas_point_at         (EvoxCanvas   *self,
                                            double        x,
                                            double        y);
/* What a ruler drag from (x0, y0) to (x1, y1) in a 2D view or pane does: a ruler on the slice
 * shown there, added to the document's list (transfer none). NULL when (x0, y0) is not on a
 * slice of a 2D view or the ruler is shorter than half a voxel. */
EvoxMeasurement *evox_canvas_measure       (EvoxCanvas   *self,
                                            double        x0,
                                            double        y0,
                                            double        x1,
                                            double        y1);
/* What a drag does. */
typedef enum
{
  EVOX_DRAG_NONE,       /* it began in a gap between the panes of the 2x2 */
  EVOX_DRAG_ORBIT,      /* turns the camera (3D views and the 3D pane) */
  EVOX_DRAG_PAN,        /* moves the view */
  EVOX_DRAG_CROSSHAIR,  /* moves the other two slices to the point (2D panes of the 2x2) */
  EVOX_DRAG_MEASURE,    /* draws a ruler on the slice (2D views) */
  EVOX_DRAG_MOVE_END,   /* moves the ruler end it began on (2D views) */
  EVOX_DRAG_REGION,     /* outlines a rectangle of voxels with the Region tool (2D views) */
  EVOX_DRAG_OVERLAY,    /* moves the overlay item it began on (left button, any view) */
} EvoxDragAction;

/* The one place that decides what a drag does, from the button (GDK_BUTTON_*), the modifiers,
 * the view where it begins (a pane's view in the 2x2), whether that is a pane of the 2x2, the
 * Measure tool and whether it begins within a few pixels of a ruler's end on the slice shown:
 * middle or Shift pans; in 3D anything else orbits; in 2D left moves a ruler end it begins on,
 * else with Ctrl or the tool draws a ruler, else moves the crosshairs in a pane and pans in a
 * single slice view; other buttons pan. */
EvoxDragAction _evox_canvas_drag_action    (guint            button,
                                            GdkModifierType  state,
                                            EvoxView         view,
                                            gboolean         in_pane,
                                            gboolean         measure_tool,
                                            gboolean         on_ruler_end);
/* A whole drag as the mouse makes it, through the gesture handlers' code: pressed at (x0, y0)
 * (widget coordinates) with button and modifiers, moved to (x1, y1) in a few steps, released.
 * Returns what it did. */
EvoxDragAction evox_canvas_drag            (EvoxCanvas      *self,
                                            guint            button,
                                            GdkModifierType  state,
                                            double           x0,
                                            double           y0,
                                            double           x1,
                                            double           y1);
/* The Region tool (property region-tool): a left drag on a 2D slice outlines a rectangle and
 * emits "region-drawn" (guint x0, y0, z0, x1, y1, z1: its first and last voxels, the slice's
 * index on the axis across it). A click without a drag emits "voxel-clicked" (guint x, y, z). */
gboolean      evox_canvas_get_region_tool  (EvoxCanvas   *self);
void          evox_canvas_set_region_tool  (EvoxCanvas   *self,
                                            gboolean      region);
/* Boxes of voxels outlined on the 2D slices they cross, each in its colour (the pinned Region
 * spectra): on a slice along axis a whose index lies in [lo[a], hi[a]], the rectangle of the
 * box's voxels there, to their outer edges (at least a few pixels wide). */
typedef struct
{
  guint   lo[3];
  guint   hi[3];
  GdkRGBA color;
} EvoxCanvasBox;

void          evox_canvas_set_boxes        (EvoxCanvas          *self,
                                            const EvoxCanvasBox *boxes,
                                            guint                n_boxes);
guint         evox_canvas_get_n_boxes      (EvoxCanvas          *self);
const EvoxCanvasBox *evox_canvas_get_box   (EvoxCanvas          *self,
                                            guint                index);
/* Where box `index` is outlined, in widget coordinates: in the first 2D view or pane whose
 * slice crosses it; FALSE where none does. */
gboolean      evox_canvas_get_box_outline  (EvoxCanvas          *self,
                                            guint                index,
                                            graphene_rect_t     *outline);
/* The voxel under the pointer as the last hover found it; FALSE when there is none. */
gboolean      evox_canvas_get_hover_voxel  (EvoxCanvas   *self,
                                            gsize         voxel[3]);
gboolean      evox_canvas_get_measure_tool (EvoxCanvas   *self);
void          evox_canvas_set_measure_tool (EvoxCanvas   *self,
                                            gboolean      measure);
/* Interactive quality (evox_renderer_set_interactive) lasts while a camera drag does, a
 * moment after a wheel zoom, and while editing is TRUE: the window sets it while a control of
 * the picture elsewhere is held (an opacity point on the histogram, a clip slider). */
void          evox_canvas_set_editing      (EvoxCanvas   *self,
                                            gboolean      editing);
gboolean      evox_canvas_get_editing      (EvoxCanvas   *self);
/* The document's overlays (evox-overlays.h) are drawn over the picture by evox_figure_draw at
 * scale 1, measured with evox_canvas_get_overlay_geometry for the canvas's size. A left drag
 * that begins on an item moves it (and nothing else: no orbit, pan, ruler or region starts
 * there); a double click on a label edits its text (an empty text deletes it); a right click on
 * a label offers canvas.edit-label and canvas.delete-label (int: the label's index).
 * The item under (x, y) as evox_figure_pick numbers them, or -1. */
int           evox_canvas_pick_overlay     (EvoxCanvas   *self,
                                            double        x,
                                            double        y);
/* The item's box in widget coordinates; FALSE when it is not shown. */
gboolean      evox_canvas_get_overlay_rect (EvoxCanvas   *self,
                                            int           item,
                                            double        rect[4]);
/* The geometry the overlays of a width x height picture of the canvas lay out in: the renderer's
 * (evox_renderer_get_overlay_geometry), and in the 2D slice views the slice's footprint as the
 * room of every item, the room a figure cropped to the slice has, so a place on the slice is the
 * same on screen, in an uncropped export and in a cropped one. */
void          evox_canvas_get_overlay_geometry (EvoxCanvas          *self,
                                                int                  width,
                                                int                  height,
                                                EvoxOverlayGeometry *geometry);
/* Opens the text editor of label `index` beside it (an entry named "overlay-label-entry"). */
void          evox_canvas_edit_label       (EvoxCanvas   *self,
                                            guint         index);
/* The scene drawn again offscreen at width x height; straight RGBA rows, top first. */
guint8       *evox_canvas_render_image     (EvoxCanvas   *self,
                                            int           width,
                                            int           height,
                                            gboolean      transparent,
                                            GError      **error);

G_END_DECLS

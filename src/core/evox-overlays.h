/* evox-overlays.h: what a figure carries over the picture (scale bar, colour bar, legend, axes,
 * free labels), where each sits, and the view geometry they are measured in. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  EVOX_OVERLAY_SCALE_BAR,
  EVOX_OVERLAY_COLORBAR,
  EVOX_OVERLAY_LEGEND,     /* phases or clusters (colour, name, fraction), or the RGB composite */
  EVOX_OVERLAY_AXES,       /* the orientation triad of the volume's x, y and z axes */
  EVOX_N_OVERLAY_ITEMS
} EvoxOverlayItem;

/* How the picture under the overlays maps to the volume, as the renderer computes it for a view
 * and an image size (evox_renderer_get_overlay_geometry). */
typedef struct
{
  /* nm per image pixel along the image's horizontal: exact in 2D views; in perspective 3D views
   * at the camera's focal point (the centre it orbits) only; 0 when unknown (no volume). */
  double   nm_per_pixel;
  gboolean perspective;
  /* The volume's x, y and z axes as seen: [a][0], [a][1] the image direction (x right, y down)
   * and [a][2] the component towards the viewer; unit length in 3D. In 2D views the axis along
   * the view has [a] = 0, 0, +-1. */
  double   axes[3][3];
  /* Where the geometry holds inside the image, x, y, width, height in pixels (y down): the whole
   * image, or the pane it was measured in for the 2x2 view (the scale bar of the z pane, the
   * triad of the 3D pane). */
  double   area[4];
  /* Where the axes hold: the 3D pane in the 2x2 view (area is the z pane there), else area. In
   * the 2x2 view the colour bar and the legend move in it too, so none straddles a pane gap. */
  double   axes_area[4];
  /* The width and height of the picture the geometry was measured for: a figure drawn W pixels
   * wide scales nm_per_pixel and the areas by size[0] / W (0: the figure's own size). */
  double   size[2];
  /* Where every item lays out, x, y, width, height in pixels (y down), when the picture shows
   * its data in a part of it only: a 2D slice view's footprint on a canvas with margins
   * (evox_canvas_get_overlay_geometry), the room a figure cropped to the slice has, so the same
   * positions put an item at the same place on the slice. Width 0: as area and axes_area say. */
  double   room[4];
} EvoxOverlayGeometry;

/* Positions are fractions (fx, fy) in [0, 1] of the room an item has: its box's top-left corner
 * sits at margin + fx * (W - 2 margin - w), margin + fy * (H - 2 margin - h) in a W x H image, so
 * (0, 0) is the top-left corner and (1, 1) the bottom-right, a box never leaves the image, and an
 * export of any size keeps the layout (sizes scale with the export; see evox-figure.h).
 *
 * Defaults: nothing shown; scale bar at (1, 1), colour bar at (1, 0.5), legend at (0, 0), axes at
 * (0, 1); font size 14 pixels at scale 1; scale-bar length 0 (automatic: the 1-2-5 length nearest
 * a fifth of the view's width).
 *
 * Properties (notify only on real change): font-size (double, 6..96), scale-bar-length (double,
 * nm, 0 = automatic). "changed" is emitted once after any change of anything here (visibility,
 * positions, labels, properties), so views follow one signal. */
#define EVOX_TYPE_OVERLAYS (evox_overlays_get_type ())
G_DECLARE_FINAL_TYPE (EvoxOverlays, evox_overlays, EVOX, OVERLAYS, GObject)

EvoxOverlays *evox_overlays_new                  (void);

gboolean      evox_overlays_get_visible          (EvoxOverlays    *self,
                                                  EvoxOverlayItem  item);
void          evox_overlays_set_visible          (EvoxOverlays    *self,
                                                  EvoxOverlayItem  item,
                                                  gboolean         visible);
void          evox_overlays_get_position         (EvoxOverlays    *self,
                                                  EvoxOverlayItem  item,
                                                  double          *fx,
                                                  double          *fy);
/* Clamped to [0, 1]. */
void          evox_overlays_set_position         (EvoxOverlays    *self,
                                                  EvoxOverlayItem  item,
                                                  double           fx,
                                                  double           fy);
double        evox_overlays_get_font_size        (EvoxOverlays    *self);
void          evox_overlays_set_font_size        (EvoxOverlays    *self,
                                                  double           pixels);
double        evox_overlays_get_scale_bar_length (EvoxOverlays    *self);
/* nm; 0 for automatic. Negative or non-finite lengths are refused with a critical. */
void          evox_overlays_set_scale_bar_length (EvoxOverlays    *self,
                                                  double           nm);
/* TRUE when any item or label is shown. */
gboolean      evox_overlays_any_visible          (EvoxOverlays    *self);

/* Free text labels, in the order they were added; positions as above. */
guint         evox_overlays_get_n_labels         (EvoxOverlays    *self);
/* Returns the new label's index. text must not be empty. */
guint         evox_overlays_add_label            (EvoxOverlays    *self,
                                                  const char      *text,
                                                  double           fx,
                                                  double           fy);
const char   *evox_overlays_get_label            (EvoxOverlays    *self,
                                                  guint            index,
                                                  double          *fx,
                                                  double          *fy);
void          evox_overlays_set_label_text       (EvoxOverlays    *self,
                                                  guint            index,
                                                  const char      *text);
void          evox_overlays_move_label           (EvoxOverlays    *self,
                                                  guint            index,
                                                  double           fx,
                                                  double           fy);
void          evox_overlays_remove_label         (EvoxOverlays    *self,
                                                  guint            index);
/* A --label of the command line (`evox render` and the viewer): "TEXT@X,Y" with X and Y
 * fractions from 0 to 1; the last @ splits, so the text may hold one. FALSE where spec is not
 * that; text (may be NULL) gets a new string. */
gboolean      evox_overlays_parse_label          (const char      *spec,
                                                  char           **text,
                                                  double          *fx,
                                                  double          *fy);

/* The automatic scale-bar length for a view nm_per_pixel wide over width pixels: the 1-2-5 number
 * of nm (1, 2, 5, 10, 20, 50, ...; also below 1 nm) nearest to a fifth of the width, measured on
 * a log scale. 0 when nm_per_pixel is not positive. */
double        evox_overlays_auto_scale_bar_length (double          nm_per_pixel,
                                                   double          width);

G_END_DECLS

/* evox-window-overlays.c: EvoxWindow's figure overlays: the View menu's switches, Add Label, and
 * exports with the overlays (PNG, TIFF, SVG, PDF). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "evox-window-private.h"
#include "evox-curve-figure.h"
#include "evox-figure.h"
#include "evox-figure-private.h"
#include "evox-methods.h"
#include "evox-rgb-legend.h"
#include "evox-types.h"

/* The stateful switches, in EvoxOverlayItem order. */
static const char * const switch_names[EVOX_N_OVERLAY_ITEMS] = {
  [EVOX_OVERLAY_SCALE_BAR] = "show-scale-bar",
  [EVOX_OVERLAY_COLORBAR] = "show-colorbar",
  [EVOX_OVERLAY_LEGEND] = "show-legend",
  [EVOX_OVERLAY_AXES] = "show-axes",
};

static int
item_of_action (GSimpleAction *action)
{
  const char *name = g_action_get_name (G_ACTION (action));

  for (int i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    if (g_str_equal (name, switch_names[i]))
      return i;
  g_assert_not_reached ();
}

static void
change_switch (GSimpleAction *action,
               GVariant      *state,
               gpointer       data)
{
  EvoxWindow *self = EVOX_WINDOW (data);

  /* The overlays' "changed" sets the action's state. */
  evox_overlays_set_visible (evox_document_get_overlays (self->document),
                             item_of_action (action), g_variant_get_boolean (state));
}

static void
sync_switches (EvoxWindow *self)
{
  EvoxOverlays *overlays = evox_document_get_overlays (self->document);

  for (int i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), switch_names[i]);
      gboolean visible = evox_overlays_get_visible (overlays, i);
      g_autoptr(GVariant) state = g_action_get_state (action);

      if (g_variant_get_boolean (state) != visible)
        g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (visible));
    }
}

/* A new label in the middle of the picture, its text editor open. */
static void
add_label (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       data)
{
  EvoxWindow *self = EVOX_WINDOW (data);
  guint index = evox_overlays_add_label (evox_document_get_overlays (self->document),
                                         _("Label"), 0.5, 0.5);

  evox_canvas_edit_label (self->canvas, index);
}

/* Area of canvas overlay rects (canvas pixels, shifted by dx, dy into the GtkOverlay) that the
 * box x, y, w, h covers. */
static double
overlay_overlap (EvoxCanvas *canvas,
                 guint       n_items,
                 double      dx,
                 double      dy,
                 double      x,
                 double      y,
                 double      w,
                 double      h)
{
  double total = 0;

  for (guint item = 0; item < n_items; item++)
    {
      double rect[4], ox, oy;

      if (!evox_canvas_get_overlay_rect (canvas, (int) item, rect))
        continue;
      ox = MIN (x + w, rect[0] + dx + rect[2]) - MAX (x, rect[0] + dx);
      oy = MIN (y + h, rect[1] + dy + rect[3]) - MAX (y, rect[1] + dy);
      if (ox > 0 && oy > 0)
        total += ox * oy;
    }
  return total;
}

/* Where the canvas's figure overlays lie in a GtkOverlay over it, for placing a widget there. */
typedef struct
{
  EvoxCanvas      *canvas;
  guint            n_items;   /* the overlay items and the free labels */
  graphene_rect_t  bounds;    /* the canvas in the overlay */
  int              width;     /* the overlay's size */
  int              height;
} Room;

static gboolean
room_init (Room       *room,
           EvoxWindow *self,
           GtkOverlay *overlay)
{
  room->canvas = self->canvas;
  room->width = gtk_widget_get_width (GTK_WIDGET (overlay));
  room->height = gtk_widget_get_height (GTK_WIDGET (overlay));
  room->n_items = EVOX_N_OVERLAY_ITEMS +
                  evox_overlays_get_n_labels (evox_document_get_overlays (self->document));
  return gtk_widget_compute_bounds (GTK_WIDGET (self->canvas), GTK_WIDGET (overlay),
                                    &room->bounds);
}

/* Moves allocation to whichever of places (a w x h widget's top-left corners in the overlay)
 * covers the least of the figure overlays, where that is less than best_overlap (the least so
 * far, updated); the first that covers none ends the search. */
static void
try_places (const Room   *room,
            const int     places[][2],
            guint         n_places,
            int           w,
            int           h,
            double       *best_overlap,
            GdkRectangle *allocation)
{
  for (guint i = 0; i < n_places && *best_overlap > 0; i++)
    {
      double overlap = overlay_overlap (room->canvas, room->n_items, room->bounds.origin.x,
                                        room->bounds.origin.y, places[i][0], places[i][1], w, h);

      if (overlap < *best_overlap)
        {
          *best_overlap = overlap;
          *allocation = (GdkRectangle) { places[i][0], places[i][1], w, h };
        }
    }
}

/* The Raw/Registered switch goes to the first of bottom right (where it always was), top right,
 * top middle and bottom middle that no figure overlay covers, or where the least is covered: at
 * bottom right it sat on the scale bar's default place. */
static gboolean
place_registration_switch (GtkOverlay   *overlay,
                           GtkWidget    *widget,
                           GdkRectangle *allocation,
                           EvoxWindow   *self)
{
  Room room;
  int width, height;
  double best_overlap = G_MAXDOUBLE;
  int w, h;

  if (!room_init (&room, self, overlay))
    return FALSE;
  width = room.width;
  height = room.height;
  /* Measured with its margins, which the allocation holds. */
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &w, NULL, NULL);
  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, w, NULL, &h, NULL, NULL);
  w = MIN (w, width);
  h = MIN (h, height);
  {
    const int places[][2] = {
      { width - w, height - h }, { width - w, 0 }, { (width - w) / 2, 0 },
      { (width - w) / 2, height - h },
    };

    try_places (&room, places, G_N_ELEMENTS (places), w, h, &best_overlap, allocation);
  }
  return TRUE;
}

/* The pointer's readout goes to the first of bottom left (where it always was), bottom middle,
 * top middle, top left, top right and bottom right that no figure overlay covers, at its full
 * width or else wrapped to half the view, or where the least is covered: at bottom left it hid
 * the axes triad's default place, and any item can be dragged to any other. */
static gboolean
place_hover_label (GtkOverlay   *overlay,
                   GtkWidget    *widget,
                   GdkRectangle *allocation,
                   EvoxWindow   *self)
{
  Room room;
  int width, height, min_width, natural, widths[2];
  double best_overlap = G_MAXDOUBLE;

  if (widget == GTK_WIDGET (self->registration_switch))
    return place_registration_switch (overlay, widget, allocation, self);
  if (widget != GTK_WIDGET (self->hover_label) || !room_init (&room, self, overlay))
    return FALSE;
  width = room.width;
  height = room.height;
  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, &natural, NULL, NULL);
  widths[0] = MAX (MIN (natural, width), min_width);
  widths[1] = MAX (MIN (natural, width / 2), min_width);
  for (guint k = 0; k < G_N_ELEMENTS (widths) && best_overlap > 0; k++)
    {
      int w = widths[k], h;

      gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, w, NULL, &h, NULL, NULL);
      {
        const int places[][2] = {
          { 0, height - h }, { (width - w) / 2, height - h }, { (width - w) / 2, 0 }, { 0, 0 },
          { width - w, 0 }, { width - w, height - h },
        };

        try_places (&room, places, G_N_ELEMENTS (places), w, h, &best_overlap, allocation);
      }
    }
  return TRUE;
}

void
_evox_window_place_hover_label (EvoxWindow *self)
{
  GtkWidget *overlay = gtk_widget_get_parent (GTK_WIDGET (self->hover_label));

  g_return_if_fail (GTK_IS_OVERLAY (overlay));
  g_signal_connect_object (overlay, "get-child-position", G_CALLBACK (place_hover_label), self,
                           0);
  /* An item switched on or dragged may now cover the readout. */
  g_signal_connect_object (evox_document_get_overlays (self->document), "changed",
                           G_CALLBACK (gtk_widget_queue_allocate), overlay, G_CONNECT_SWAPPED);
}

void
_evox_window_add_overlay_actions (EvoxWindow *self)
{
  const GActionEntry entries[] = {
    { "show-scale-bar", NULL, NULL, "false", change_switch, { 0 } },
    { "show-colorbar", NULL, NULL, "false", change_switch, { 0 } },
    { "show-legend", NULL, NULL, "false", change_switch, { 0 } },
    { "show-axes", NULL, NULL, "false", change_switch, { 0 } },
    { "add-label", add_label, NULL, NULL, NULL, { 0 } },
  };

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  g_signal_connect_object (evox_document_get_overlays (self->document), "changed",
                           G_CALLBACK (sync_switches), self, G_CONNECT_SWAPPED);
  sync_switches (self);
}

/* The composite's legend drawn into the pixels (the window's own, from before the overlays came),
 * at scale image pixels per canvas pixel. */
static gboolean
draw_composite_legend (EvoxWindow  *self,
                       guint8      *pixels,
                       int          width,
                       int          height,
                       double       scale,
                       GError     **error)
{
  g_autoptr(EvoxRgbLegend) legend = evox_rgb_legend_new_from_document (self->document);

  if (legend == NULL)
    return TRUE;
  if (!evox_rgb_legend_draw_onto (legend, pixels, width, height, scale))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   _("The composite's legend cannot be drawn %d pixels high: export a smaller "
                     "image"), height);
      return FALSE;
    }
  return TRUE;
}

/* The part x, y, width, height of a picture, as a new one. */
static guint8 *
crop_pixels (const guint8 *pixels,
             int           stride_width,
             const int     rect[4])
{
  guint8 *cropped = g_try_malloc ((gsize) rect[2] * rect[3] * 4);

  if (cropped == NULL)
    return NULL;
  for (int row = 0; row < rect[3]; row++)
    memcpy (cropped + (gsize) row * rect[2] * 4,
            pixels + ((gsize) (rect[1] + row) * stride_width + rect[0]) * 4, (gsize) rect[2] * 4);
  return cropped;
}

gboolean
evox_window_get_crop_size (EvoxWindow *self,
                           double      size[2])
{
  double rect[4];
  int view_width = MAX (gtk_widget_get_width (GTK_WIDGET (self->canvas)), 1);
  int view_height = MAX (gtk_widget_get_height (GTK_WIDGET (self->canvas)), 1);

  g_return_val_if_fail (EVOX_IS_WINDOW (self), FALSE);

  if (!evox_renderer_get_slice_footprint (evox_canvas_get_renderer (self->canvas), view_width,
                                          view_height, rect))
    return FALSE;
  size[0] = rect[2];
  size[1] = rect[3];
  return TRUE;
}

/* crop_scale > 0: the slice's footprint only, crop_scale image pixels per canvas pixel (width
 * and height are then ignored); outside the 2D slice views the whole picture at that scale. */
static gboolean
export_figure (EvoxWindow  *self,
               const char  *path,
               int          width,
               int          height,
               double       crop_scale,
               gboolean     transparent,
               gboolean     curves,
               gboolean     legend,
               gboolean     overlays,
               GError     **error)
{
  EvoxFigureFormat format;
  EvoxOverlays *settings;
  EvoxClusters *clusters;
  EvoxRenderer *renderer = evox_canvas_get_renderer (self->canvas);
  g_autoptr(EvoxCurveFigure) curve_figure = NULL;
  g_autoptr(EvoxFigure) figure = NULL;
  g_autofree char *provenance = NULL;
  g_autofree guint8 *pixels = NULL;
  EvoxOverlayGeometry geometry;
  int view_width, view_height, out_width;
  gboolean vector;
  double scale, footprint[4];
  int crop[4] = { 0 };
  gboolean cropping = FALSE;

  format = evox_figure_format_from_path (path);
  if (format == EVOX_FIGURE_FORMAT_UNKNOWN)
    {
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   _("%s: images are written as .png, .tif, .svg or .pdf"), name);
      return FALSE;
    }
  view_width = MAX (gtk_widget_get_width (GTK_WIDGET (self->canvas)), 1);
  view_height = MAX (gtk_widget_get_height (GTK_WIDGET (self->canvas)), 1);
  if (crop_scale > 0)
    {
      /* The whole picture at the scale, then the slice's pixels out of it: the camera frames
       * exactly what the canvas shows, so the slice lands where the footprint says. */
      width = MAX ((int) round (view_width * crop_scale), 1);
      height = MAX ((int) round (view_height * crop_scale), 1);
      if (evox_renderer_get_slice_footprint (renderer, view_width, view_height, footprint))
        {
          int x1 = MIN ((int) round ((footprint[0] + footprint[2]) * crop_scale), width);
          int y1 = MIN ((int) round ((footprint[1] + footprint[3]) * crop_scale), height);

          crop[0] = CLAMP ((int) round (footprint[0] * crop_scale), 0, width - 1);
          crop[1] = CLAMP ((int) round (footprint[1] * crop_scale), 0, height - 1);
          crop[2] = MAX (x1 - crop[0], 1);
          crop[3] = MAX (y1 - crop[1], 1);
          cropping = TRUE;
        }
    }
  out_width = width;

  settings = evox_document_get_overlays (self->document);
  /* A vector file is a picture and its overlays: it always holds what the canvas shows. */
  vector = format == EVOX_FIGURE_FORMAT_SVG || format == EVOX_FIGURE_FORMAT_PDF;
  overlays = overlays || vector;
  overlays = overlays && evox_overlays_any_visible (settings);
  clusters = evox_document_get_clusters (self->document);
  /* The curves widen a raster image; a vector figure leaves them out. */
  if (curves && clusters != NULL && !vector)
    curve_figure = evox_curve_figure_new_from_clusters (clusters);
  pixels = evox_canvas_render_image (self->canvas, width, height, transparent, error);
  if (pixels == NULL)
    return FALSE;

  /* Measured at the canvas's size and drawn at the export's: the same layout, scaled. */
  scale = crop_scale > 0 ? crop_scale : (double) width / view_width;
  /* Laid out as the canvas lays them out: on the slice in the 2D slice views. */
  evox_canvas_get_overlay_geometry (self->canvas, view_width, view_height, &geometry);
  if (cropping)
    {
      guint8 *cropped = crop_pixels (pixels, width, crop);

      if (cropped == NULL)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                       _("Not enough memory to crop a %d x %d image"), crop[2], crop[3]);
          return FALSE;
        }
      g_free (pixels);
      pixels = cropped;
      out_width = width = crop[2];
      height = crop[3];
      /* The overlays laid out in the cropped picture, as evox render lays them out in a picture
       * the slice fills: its own size in canvas pixels, one room, the same nm per pixel. */
      geometry.size[0] = width / scale;
      geometry.size[1] = height / scale;
      geometry.area[0] = geometry.area[1] = 0;
      geometry.area[2] = geometry.size[0];
      geometry.area[3] = geometry.size[1];
      memcpy (geometry.axes_area, geometry.area, sizeof geometry.area);
      memcpy (geometry.room, geometry.area, sizeof geometry.area);
    }
  /* One legend: the overlays' legend lists the composite's channels while it is on. */
  if (legend && !(overlays && evox_overlays_get_visible (settings, EVOX_OVERLAY_LEGEND)) &&
      !draw_composite_legend (self, pixels, width, height,
                              crop_scale > 0 ? crop_scale : (double) height / view_height,
                              error))
    return FALSE;

  figure = evox_figure_new_from_document (self->document, &geometry);
  provenance = evox_provenance_record (evox_document_get_path (self->document),
                                       "Export Image in the window");
  evox_figure_set_provenance (figure, provenance);
  if (curve_figure != NULL)
    {
      guint8 *joined;

      /* The overlays into the pixels (the curves then widen the image, which
       * evox_figure_write cannot take), as evox render does. */
      if (overlays && !_evox_figure_draw_onto (figure, pixels, width, height, scale))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                       _("The overlays cannot be drawn on a %d x %d image: export a smaller "
                         "one"), width, height);
          return FALSE;
        }
      joined = evox_curve_figure_attach (curve_figure, pixels, width, height, transparent,
                                         &out_width);
      if (joined == NULL)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                       _("The cluster curves cannot be drawn %d pixels high: export a smaller "
                         "image"), height);
          return FALSE;
        }
      g_free (pixels);
      pixels = joined;
      if (!evox_image_write_with_provenance (path, pixels, out_width, height,
                                             EVOX_IMAGE_WRITE_OVERWRITE, provenance, error))
        return FALSE;
    }
  else if (overlays || vector)
    {
      if (!evox_figure_write (figure, path, pixels, width, height, scale,
                              EVOX_IMAGE_WRITE_OVERWRITE, error))
        return FALSE;
    }
  else if (!evox_image_write_with_provenance (path, pixels, width, height,
                                             EVOX_IMAGE_WRITE_OVERWRITE, provenance, error))
    return FALSE;
  evox_window_show_saved (self, path);
  return TRUE;
}

gboolean
evox_window_export_figure_overlays (EvoxWindow  *self,
                                    const char  *path,
                                    int          width,
                                    int          height,
                                    gboolean     transparent,
                                    gboolean     curves,
                                    gboolean     legend,
                                    gboolean     overlays,
                                    GError     **error)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return export_figure (self, path, width, height, 0, transparent, curves, legend, overlays,
                        error);
}

gboolean
evox_window_export_figure_cropped (EvoxWindow  *self,
                                   const char  *path,
                                   double       scale,
                                   gboolean     transparent,
                                   gboolean     curves,
                                   gboolean     legend,
                                   gboolean     overlays,
                                   GError     **error)
{
  g_return_val_if_fail (EVOX_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (scale > 0 && isfinite (scale), FALSE);

  return export_figure (self, path, 0, 0, scale, transparent, curves, legend, overlays, error);
}

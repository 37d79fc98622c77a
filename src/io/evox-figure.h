/* evox-figure.h: a rendered picture and its overlays (scale bar, colour bar, legend, axes,
 * labels), drawn with cairo for the canvas and written as PNG, TIFF, SVG or PDF. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <cairo.h>
#include <glib-object.h>

#include "evox-display.h"
#include "evox-document.h"
#include "evox-image.h"
#include "evox-overlays.h"

G_BEGIN_DECLS

/* One painter serves every output, so the canvas, a PNG and a PDF cannot disagree: the overlays
 * are drawn on a cairo context in the image's pixels at a scale (1 in the canvas at its size; an
 * export W pixels wide of a view V pixels wide uses scale W / V: lines, text and margins all grow
 * by it, positions are fractions of the image, so the layout is the same).
 *
 * Items:
 * - scale bar: a bar of length L nm drawn L / geometry.nm_per_pixel * (image width / geometry
 *   width) pixels long, L the overlays' length or the automatic 1-2-5 one, its label ("500 nm",
 *   "2 um"; "at focus" added in perspective 3D views);
 * - colour bar: the colour map over the display range as the canvas maps it (linear or log),
 *   vertical, with the quantity and unit as title, ticks at 1-2-5 steps for linear mappings and at
 *   decades for log ones (the histogram's ticks);
 * - legend: one row per visible phase (or cluster while clusters are shown; or per RGB composite
 *   channel while the composite is on): swatch, name, volume fraction in percent;
 * - axes: the triad of geometry.axes, x red, y green, z blue, letters at the tips;
 * - labels: the overlays' free texts.
 * Text is set with evox-figure-text (unhinted), in the overlays' font size times the scale. */
#define EVOX_TYPE_FIGURE (evox_figure_get_type ())
G_DECLARE_FINAL_TYPE (EvoxFigure, evox_figure, EVOX, FIGURE, GObject)

/* Everything the items show, taken from the document as the canvas shows it now (colour map,
 * mapping, range, quantity and unit of the current channel; phases and their fractions; clusters;
 * the composite) and the document's overlays (the figure keeps a reference and reads it when
 * drawing). geometry is copied. */
EvoxFigure   *evox_figure_new_from_document (EvoxDocument              *document,
                                             const EvoxOverlayGeometry *geometry);
void          evox_figure_set_geometry      (EvoxFigure                *self,
                                             const EvoxOverlayGeometry *geometry);
/* The record (evox-methods.h) evox_figure_write puts in every file: the PNG's Description text
 * chunk, the TIFF's ImageDescription, the SVG's <metadata>, the PDF's Subject. NULL: none. */
void          evox_figure_set_provenance    (EvoxFigure                *self,
                                             const char                *provenance);

/* Draws every visible item over what cr holds, for a width x height image at scale. */
void          evox_figure_draw              (EvoxFigure                *self,
                                             cairo_t                   *cr,
                                             int                        width,
                                             int                        height,
                                             double                     scale);

/* Items for hit tests and drags: EVOX_OVERLAY_SCALE_BAR .. EVOX_OVERLAY_AXES, then label i as
 * EVOX_N_OVERLAY_ITEMS + i. */
/* The item under (x, y) in a width x height image at scale, the topmost one; -1 for none. */
int           evox_figure_pick              (EvoxFigure                *self,
                                             int                        width,
                                             int                        height,
                                             double                     scale,
                                             double                     x,
                                             double                     y);
/* The item's box: x, y, width, height (y down); FALSE when it is not shown. */
gboolean      evox_figure_get_item_rect     (EvoxFigure                *self,
                                             int                        item,
                                             int                        width,
                                             int                        height,
                                             double                     scale,
                                             double                     rect[4]);
/* The position (fractions, as evox-overlays.h defines them) that puts the item's box's top-left
 * corner at (x, y): what a drag stores. */
void          evox_figure_position_for      (EvoxFigure                *self,
                                             int                        item,
                                             int                        width,
                                             int                        height,
                                             double                     scale,
                                             double                     x,
                                             double                     y,
                                             double                    *fx,
                                             double                    *fy);

typedef enum
{
  EVOX_FIGURE_FORMAT_UNKNOWN,
  EVOX_FIGURE_FORMAT_PNG,
  EVOX_FIGURE_FORMAT_TIFF,
  EVOX_FIGURE_FORMAT_SVG,
  EVOX_FIGURE_FORMAT_PDF,
} EvoxFigureFormat;

/* From the extension, any case: .png, .tif/.tiff, .svg, .pdf. */
EvoxFigureFormat evox_figure_format_from_path (const char             *path);

/* Writes the figure: rgba (straight RGBA, rows top to bottom, as evox_renderer_render_image gives
 * it) width x height under the overlays drawn at scale. PNG and TIFF hold the overlays rasterised
 * into the pixels; SVG and PDF hold the picture as one embedded raster image and every overlay as
 * vector lines and text (SVG text as <text> elements a figure editor can restyle), the page the
 * image's size in pixels at 96 per inch. The file appears only when complete. Errors as
 * evox_image_write: EVOX_ERROR_ARGUMENT for an unknown extension, EVOX_ERROR_EXISTS when the file
 * exists without OVERWRITE, G_IO_ERROR or EVOX_ERROR_FAILED when writing fails. */
gboolean      evox_figure_write             (EvoxFigure                *self,
                                             const char                *path,
                                             const guint8              *rgba,
                                             int                        width,
                                             int                        height,
                                             double                     scale,
                                             EvoxImageWriteFlags        flags,
                                             GError                   **error);

G_END_DECLS

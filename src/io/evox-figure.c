/* evox-figure.c: the overlays' cairo painter and the figure writer (contract placeholder: the
 * "overlays" work of issue 15 replaces this file). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-figure.h"
#include "evox-types.h"

struct _EvoxFigure
{
  GObject             parent_instance;
  EvoxOverlayGeometry geometry;
};

G_DEFINE_FINAL_TYPE (EvoxFigure, evox_figure, G_TYPE_OBJECT)

static void
evox_figure_class_init (EvoxFigureClass *klass)
{
}

static void
evox_figure_init (EvoxFigure *self)
{
}

EvoxFigure *
evox_figure_new_from_document (EvoxDocument              *document,
                               const EvoxOverlayGeometry *geometry)
{
  EvoxFigure *self = g_object_new (EVOX_TYPE_FIGURE, NULL);

  if (geometry != NULL)
    self->geometry = *geometry;
  return self;
}

void
evox_figure_set_geometry (EvoxFigure                *self,
                          const EvoxOverlayGeometry *geometry)
{
  self->geometry = *geometry;
}

void
evox_figure_draw (EvoxFigure *self,
                  cairo_t    *cr,
                  int         width,
                  int         height,
                  double      scale)
{
}

int
evox_figure_pick (EvoxFigure *self,
                  int         width,
                  int         height,
                  double      scale,
                  double      x,
                  double      y)
{
  return -1;
}

gboolean
evox_figure_get_item_rect (EvoxFigure *self,
                           int         item,
                           int         width,
                           int         height,
                           double      scale,
                           double      rect[4])
{
  return FALSE;
}

void
evox_figure_position_for (EvoxFigure *self,
                          int         item,
                          int         width,
                          int         height,
                          double      scale,
                          double      x,
                          double      y,
                          double     *fx,
                          double     *fy)
{
  *fx = 0.0;
  *fy = 0.0;
}

EvoxFigureFormat
evox_figure_format_from_path (const char *path)
{
  return EVOX_FIGURE_FORMAT_UNKNOWN;
}

gboolean
evox_figure_write (EvoxFigure          *self,
                   const char          *path,
                   const guint8        *rgba,
                   int                  width,
                   int                  height,
                   double               scale,
                   EvoxImageWriteFlags  flags,
                   GError             **error)
{
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "%s: figures are not written yet", path);
  return FALSE;
}

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
 * pointer), frames (uint, read-only: frames drawn so far).
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
/* The scene drawn again offscreen at width x height; straight RGBA rows, top first. */
guint8       *evox_canvas_render_image     (EvoxCanvas   *self,
                                            int           width,
                                            int           height,
                                            gboolean      transparent,
                                            GError      **error);

G_END_DECLS

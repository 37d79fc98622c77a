/* evox-test-gl.h: one headless OpenGL context for a render suite's whole run, the skip of
 * every GL test where there is none, and the renderer those suites draw with. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

#include "evox-renderer.h"

G_BEGIN_DECLS

/* Makes the context before g_test_run (), or keeps why there is none. */
void     evox_test_gl_init  (void);
/* TRUE when there is a context; FALSE after g_test_skip () saying why not. */
gboolean evox_test_need_gl  (void);
/* Frees the context after g_test_run (). */
void     evox_test_gl_clear (void);

/* A new renderer, realized on the current context (asserted to succeed). */
EvoxRenderer *evox_test_renderer_new_realized (void);
/* Unrealizes renderer and asserts that this drops its last reference. */
void          evox_test_renderer_free         (EvoxRenderer *renderer);
/* An offscreen width x height render, RGBA rows top first (asserted to succeed; g_free ()). */
guint8       *evox_test_render                (EvoxRenderer *renderer,
                                               int           width,
                                               int           height,
                                               gboolean      transparent);

/* What a canvas shows: evox_renderer_draw (a window's frame: no waiting for the bricks'
 * pyramid) into a framebuffer of width x height with colour and depth, as a GtkGLArea has,
 * read back as RGBA rows top first (g_free ()). */
guint8       *evox_test_draw_frame            (EvoxRenderer *renderer,
                                               int           width,
                                               int           height);

/* How many of n_pixels RGBA pixels differ in colour from the renderer's background. */
guint         evox_test_count_not_background  (const guint8 *pixels,
                                               gsize         n_pixels);
/* How many of n_pixels RGBA pixels of a and b differ, and by how much at most (in largest: the
 * largest difference of a channel). */
gsize         evox_test_count_differing       (const guint8 *a,
                                               const guint8 *b,
                                               gsize         n_pixels,
                                               guint        *largest);

G_END_DECLS

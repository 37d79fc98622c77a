/* evox-test-gl.c: one headless OpenGL context for a render suite's whole run. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include "evox-test-gl.h"
#include "evox-gl-context.h"

#include <string.h>
#include <epoxy/gl.h>

static EvoxGlContext *gl_context;
static char *gl_context_error;

void
evox_test_gl_init (void)
{
  g_autoptr(GError) error = NULL;

  gl_context = evox_gl_context_new_headless (&error);
  if (gl_context == NULL)
    gl_context_error = g_strdup (error->message);
}

gboolean
evox_test_need_gl (void)
{
  if (gl_context == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("no headless OpenGL: %s", gl_context_error);

      g_test_skip (reason);
      return FALSE;
    }
  return TRUE;
}

void
evox_test_gl_clear (void)
{
  g_clear_pointer (&gl_context, evox_gl_context_free);
  g_clear_pointer (&gl_context_error, g_free);
}

EvoxRenderer *
evox_test_renderer_new_realized (void)
{
  g_autoptr(GError) error = NULL;
  EvoxRenderer *renderer = evox_renderer_new ();

  g_assert_true (evox_renderer_realize (renderer, &error));
  g_assert_no_error (error);
  return renderer;
}

void
evox_test_renderer_free (EvoxRenderer *renderer)
{
  evox_renderer_unrealize (renderer);
  g_assert_finalize_object (renderer);
}

guint8 *
evox_test_render (EvoxRenderer *renderer,
                  int           width,
                  int           height,
                  gboolean      transparent)
{
  g_autoptr(GError) error = NULL;
  guint8 *pixels = evox_renderer_render_image (renderer, width, height, width, height,
                                               transparent, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pixels);
  return pixels;
}

guint
evox_test_count_not_background (const guint8 *pixels,
                                gsize         n_pixels)
{
  static const guint8 background[3] = { 41, 41, 43 };
  guint n = 0;

  for (gsize i = 0; i < n_pixels; i++)
    if (memcmp (pixels + 4 * i, background, 3) != 0)
      n++;
  return n;
}

/* draw () into a framebuffer of our own, as the canvas draws: rows from the top down. */
guint8 *
evox_test_draw_into_framebuffer (EvoxRenderer *renderer,
                                 int           width,
                                 int           height)
{
  g_autofree guint8 *drawn = g_malloc ((gsize) width * height * 4);
  guint8 *pixels = g_malloc ((gsize) width * height * 4);
  GLuint fbo, rb[2];

  glGenFramebuffers (1, &fbo);
  glGenRenderbuffers (2, rb);
  glBindRenderbuffer (GL_RENDERBUFFER, rb[0]);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, width, height);
  glBindRenderbuffer (GL_RENDERBUFFER, rb[1]);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, width, height);
  glBindFramebuffer (GL_FRAMEBUFFER, fbo);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rb[0]);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, rb[1]);
  evox_renderer_draw (renderer, width, height);
  glPixelStorei (GL_PACK_ALIGNMENT, 1);
  glReadPixels (0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, drawn);
  for (int y = 0; y < height; y++)
    memcpy (pixels + (gsize) y * width * 4, drawn + (gsize) (height - 1 - y) * width * 4,
            (gsize) width * 4);
  glBindFramebuffer (GL_FRAMEBUFFER, 0);
  glDeleteRenderbuffers (2, rb);
  glDeleteFramebuffers (1, &fbo);
  return pixels;
}

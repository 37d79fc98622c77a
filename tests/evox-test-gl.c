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

guint8 *
evox_test_draw_frame (EvoxRenderer *renderer,
                      int           width,
                      int           height)
{
  guint8 *pixels = g_malloc ((gsize) width * height * 4);
  g_autofree guint8 *rows = g_malloc ((gsize) width * height * 4);
  GLuint framebuffer, renderbuffers[2];

  glGenFramebuffers (1, &framebuffer);
  glGenRenderbuffers (2, renderbuffers);
  glBindFramebuffer (GL_FRAMEBUFFER, framebuffer);
  glBindRenderbuffer (GL_RENDERBUFFER, renderbuffers[0]);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_RGBA8, width, height);
  glBindRenderbuffer (GL_RENDERBUFFER, renderbuffers[1]);
  glRenderbufferStorage (GL_RENDERBUFFER, GL_DEPTH24_STENCIL8, width, height);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                             renderbuffers[0]);
  glFramebufferRenderbuffer (GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT, GL_RENDERBUFFER,
                             renderbuffers[1]);
  g_assert_cmphex (glCheckFramebufferStatus (GL_FRAMEBUFFER), ==, GL_FRAMEBUFFER_COMPLETE);
  evox_renderer_draw (renderer, width, height);
  glPixelStorei (GL_PACK_ALIGNMENT, 1);
  glReadPixels (0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, rows);
  g_assert_cmphex (glGetError (), ==, GL_NO_ERROR);
  for (int y = 0; y < height; y++)
    memcpy (pixels + (gsize) y * width * 4, rows + (gsize) (height - 1 - y) * width * 4,
            (gsize) width * 4);
  glBindFramebuffer (GL_FRAMEBUFFER, 0);
  glDeleteRenderbuffers (2, renderbuffers);
  glDeleteFramebuffers (1, &framebuffer);
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


gsize
evox_test_count_differing (const guint8 *a,
                           const guint8 *b,
                           gsize         n_pixels,
                           guint        *largest)
{
  gsize differ = 0;

  *largest = 0;
  for (gsize i = 0; i < n_pixels; i++)
    {
      guint most = 0;

      for (guint c = 0; c < 4; c++)
        most = MAX (most, (guint) ABS ((int) a[4 * i + c] - (int) b[4 * i + c]));
      differ += most > 0;
      *largest = MAX (*largest, most);
    }
  return differ;
}

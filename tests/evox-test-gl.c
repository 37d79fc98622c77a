/* evox-test-gl.c: one headless OpenGL context for a render suite's whole run. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include "evox-test-gl.h"
#include "evox-gl-context.h"

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

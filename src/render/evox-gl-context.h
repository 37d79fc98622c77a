/* evox-gl-context.h: a headless OpenGL 3.3 core context through EGL surfaceless (no display). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _EvoxGlContext EvoxGlContext;

/* Creates a context on Mesa's surfaceless platform and makes it current on this thread.
 * The caller draws into a framebuffer object (evox_renderer_render_image does). */
EvoxGlContext *evox_gl_context_new_headless (GError        **error);
void           evox_gl_context_free         (EvoxGlContext  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxGlContext, evox_gl_context_free)

G_END_DECLS

/* evox-test-gl.h: one headless OpenGL context for a render suite's whole run, and the skip of
 * every GL test where there is none. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes the context before g_test_run (), or keeps why there is none. */
void     evox_test_gl_init  (void);
/* TRUE when there is a context; FALSE after g_test_skip () saying why not. */
gboolean evox_test_need_gl  (void);
/* Frees the context after g_test_run (). */
void     evox_test_gl_clear (void);

G_END_DECLS

/* evox-application.h: the GtkApplication: windows, accelerators, opening files from the shell. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EVOX_TYPE_APPLICATION (evox_application_get_type ())
G_DECLARE_FINAL_TYPE (EvoxApplication, evox_application, EVOX, APPLICATION, GtkApplication)

EvoxApplication *evox_application_new (void);
/* Process start, for the launch-to-first-frame benchmark. */
void             evox_application_mark_start (gint64 monotonic_us);
gint64           evox_application_get_start  (void);

G_END_DECLS

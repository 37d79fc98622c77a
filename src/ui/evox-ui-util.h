/* evox-ui-util.h: small glue shared by the window and its panels. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Binds an enum property of source both ways to a dropdown whose items are listed in the enum's
 * order (item i is value i). Returns the binding, owned by the two objects. */
GBinding *_evox_bind_enum_to_dropdown (gpointer     source,
                                       const char  *property,
                                       GtkDropDown *dropdown);

/* "10⁻⁵" style label of a power of ten. */
char     *_evox_format_decade         (int          exponent);

G_END_DECLS

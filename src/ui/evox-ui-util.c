/* evox-ui-util.c: small glue shared by the window and its panels. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-ui-util.h"

static gboolean
enum_to_selected (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_value_set_uint (to, (guint) g_value_get_enum (from));
  return TRUE;
}

static gboolean
selected_to_enum (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  guint selected = g_value_get_uint (from);

  if (selected == GTK_INVALID_LIST_POSITION)
    return FALSE;
  g_value_set_enum (to, (int) selected);
  return TRUE;
}

GBinding *
_evox_bind_enum_to_dropdown (gpointer     source,
                             const char  *property,
                             GtkDropDown *dropdown)
{
  g_return_val_if_fail (G_IS_OBJECT (source), NULL);
  g_return_val_if_fail (GTK_IS_DROP_DOWN (dropdown), NULL);

  return g_object_bind_property_full (source, property, dropdown, "selected",
                                      G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                                      enum_to_selected, selected_to_enum, NULL, NULL);
}

char *
_evox_format_decade (int exponent)
{
  static const char * const digits[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };
  GString *text = g_string_new ("10");
  char number[16];

  g_snprintf (number, sizeof number, "%d", exponent);
  for (const char *p = number; *p; p++)
    g_string_append (text, *p == '-' ? "⁻" : digits[*p - '0']);
  return g_string_free (text, FALSE);
}

/* evox-text-table.c: the line and field rules Evox's text tables share. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-text-table.h"

#include <string.h>

void
evox_text_table_skip_bom (const char **text,
                          gsize       *length)
{
  if (*length >= 3 && memcmp (*text, "\xEF\xBB\xBF", 3) == 0)
    *text += 3, *length -= 3;
}

gboolean
evox_text_table_next_line (const char **p,
                           const char  *end,
                           gsize       *number,
                           const char **line,
                           gsize       *length)
{
  while (*p < end)
    {
      const char *s = *p, *e = memchr (s, '\n', end - s), *r, *t;

      if (e == NULL)
        e = end;
      /* The line ends at the first CR that is not the CR of a CRLF. */
      r = memchr (s, '\r', e - s);
      if (r != NULL && r + 1 < e)
        e = r;
      *p = e < end ? e + 1 : e;
      (*number)++;
      if (e > s && e[-1] == '\r')
        e--;
      for (t = s; t < e && (*t == ' ' || *t == '\t'); t++)
        ;
      if (t == e || *t == '#')
        continue;
      *line = s;
      *length = e - s;
      return TRUE;
    }
  return FALSE;
}

char
evox_text_table_delimiter (const char *line,
                           gsize       length)
{
  const char candidates[] = { ',', '\t', ';' };
  gsize best_count = 0;
  char best = ' ';

  for (guint c = 0; c < G_N_ELEMENTS (candidates); c++)
    {
      gsize count = 0;

      for (gsize i = 0; i < length; i++)
        count += line[i] == candidates[c];
      if (count > best_count)
        {
          best_count = count;
          best = candidates[c];
        }
    }
  return best;
}

char *
evox_text_table_field_dup (const char *field,
                           gsize       length)
{
  while (length > 0 && g_ascii_isspace (*field))
    field++, length--;
  while (length > 0 && g_ascii_isspace (field[length - 1]))
    length--;
  if (length >= 2 && (field[0] == '"' || field[0] == '\'') && field[length - 1] == field[0])
    field++, length -= 2;
  return g_strndup (field, length);
}

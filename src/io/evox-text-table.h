/* evox-text-table.h: the line and field rules Evox's text tables share (SSRM scans and feature
 * CSVs): byte-order mark, line ends, comments, the delimiter, trimming a field. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Steps *text past a UTF-8 byte-order mark, if it starts with one. */
void     evox_text_table_skip_bom   (const char **text,
                                     gsize       *length);

/* The next line from *p (before end) that is neither blank nor a '#' comment, without its line
 * break: LF, CRLF or a lone CR (old Mac exports) ends a line. *p moves past it and *number
 * counts every line passed, skipped ones too (1-based number of the line returned). */
gboolean evox_text_table_next_line  (const char **p,
                                     const char  *end,
                                     gsize       *number,
                                     const char **line,
                                     gsize       *length);

/* The delimiter of a table whose header is `line`: whichever of ',', '\t' and ';' it holds
 * most of (the first of them on a tie), or ' ' (runs of spaces and tabs) when it holds none. */
char     evox_text_table_delimiter  (const char  *line,
                                     gsize        length);

/* A copy of the field, white space trimmed and one pair of matching ' or " quotes removed. */
char    *evox_text_table_field_dup  (const char  *field,
                                     gsize        length);

G_END_DECLS

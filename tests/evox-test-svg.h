/* evox-test-svg.h: an SVG read back through GMarkup (its root, size, images and texts), for the
 * suites that check what the figure writers and the export dialog write. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char      *contents;       /* the file's text */
  char      *root;           /* the outermost element's name */
  gboolean   has_view_box;   /* the root has a viewBox */
  char      *width;          /* the <svg> element's width and height, NULL where absent */
  char      *height;
  guint      images;         /* <image> elements */
  GPtrArray *texts;          /* each <text> element's text, in order */
  GString   *chunks;         /* every non-blank run of text, stripped, each ending in "\n" */
} EvoxTestSvg;

/* The SVG in contents, or NULL with error where it is not well-formed XML (as GMarkup reads
 * it, with the error's position). */
EvoxTestSvg *evox_test_svg_parse    (const char  *contents,
                                     gsize        length,
                                     GError     **error);
/* The SVG at path (asserting that it reads and parses). */
EvoxTestSvg *evox_test_svg_read     (const char  *path);
gboolean     evox_test_svg_has_text (EvoxTestSvg *svg,
                                     const char  *text);
void         evox_test_svg_free     (EvoxTestSvg *svg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EvoxTestSvg, evox_test_svg_free)

G_END_DECLS

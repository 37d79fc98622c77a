/* evox-test-svg.c: an SVG read back through GMarkup (its root, size, images and texts). */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include "evox-test-svg.h"

typedef struct
{
  EvoxTestSvg *svg;
  gboolean     in_text;
  GString     *text;
} SvgScan;

static void
svg_start (GMarkupParseContext  *context,
           const char           *element,
           const char          **names,
           const char          **values,
           gpointer              user_data,
           GError              **error)
{
  SvgScan *scan = user_data;
  EvoxTestSvg *svg = scan->svg;

  if (svg->root == NULL)
    {
      svg->root = g_strdup (element);
      svg->has_view_box = g_strv_contains ((const char * const *) names, "viewBox");
    }
  if (g_str_equal (element, "image"))
    svg->images++;
  if (g_str_equal (element, "text"))
    {
      scan->in_text = TRUE;
      g_string_truncate (scan->text, 0);
    }
  if (g_str_equal (element, "svg"))
    for (guint i = 0; names[i] != NULL; i++)
      {
        if (g_str_equal (names[i], "width"))
          {
            g_free (svg->width);
            svg->width = g_strdup (values[i]);
          }
        if (g_str_equal (names[i], "height"))
          {
            g_free (svg->height);
            svg->height = g_strdup (values[i]);
          }
      }
}

static void
svg_end (GMarkupParseContext  *context,
         const char           *element,
         gpointer              user_data,
         GError              **error)
{
  SvgScan *scan = user_data;

  if (g_str_equal (element, "text"))
    {
      g_ptr_array_add (scan->svg->texts, g_strdup (scan->text->str));
      scan->in_text = FALSE;
    }
}

static void
svg_text (GMarkupParseContext  *context,
          const char           *text,
          gsize                 length,
          gpointer              user_data,
          GError              **error)
{
  SvgScan *scan = user_data;
  g_autofree char *chunk = g_strstrip (g_strndup (text, length));

  if (scan->in_text)
    g_string_append_len (scan->text, text, (gssize) length);
  if (*chunk != '\0')
    g_string_append_printf (scan->svg->chunks, "%s\n", chunk);
}

EvoxTestSvg *
evox_test_svg_parse (const char  *contents,
                     gsize        length,
                     GError     **error)
{
  const GMarkupParser parser = { svg_start, svg_end, svg_text, NULL, NULL };
  g_autoptr(EvoxTestSvg) svg = g_new0 (EvoxTestSvg, 1);
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  SvgScan scan = { svg, FALSE, text };

  svg->contents = g_strndup (contents, length);
  svg->texts = g_ptr_array_new_with_free_func (g_free);
  svg->chunks = g_string_new (NULL);
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &scan, NULL);
  if (!g_markup_parse_context_parse (context, contents, (gssize) length, error) ||
      !g_markup_parse_context_end_parse (context, error))
    return NULL;
  return g_steal_pointer (&svg);
}

EvoxTestSvg *
evox_test_svg_read (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  EvoxTestSvg *svg;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  svg = evox_test_svg_parse (contents, length, &error);
  g_assert_no_error (error);
  return svg;
}

gboolean
evox_test_svg_has_text (EvoxTestSvg *svg,
                        const char  *text)
{
  for (guint i = 0; i < svg->texts->len; i++)
    if (g_str_equal (g_ptr_array_index (svg->texts, i), text))
      return TRUE;
  return FALSE;
}

void
evox_test_svg_free (EvoxTestSvg *svg)
{
  g_free (svg->contents);
  g_free (svg->root);
  g_free (svg->width);
  g_free (svg->height);
  g_clear_pointer (&svg->texts, g_ptr_array_unref);
  if (svg->chunks != NULL)
    g_string_free (svg->chunks, TRUE);
  g_free (svg);
}

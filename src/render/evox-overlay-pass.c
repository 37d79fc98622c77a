/* evox-overlay-pass.c: draws over the scene: crosshairs, pane frames, rulers and their labels. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-renderer-state.h"
#include "evox-units.h"

/* Overlays: crosshairs, rulers and their labels */

static const LineStyle ruler_style = { { 1.0f, 0.84f, 0.18f, 1.0f }, 2.0f };
static const LineStyle ruler_faint_style = { { 1.0f, 0.84f, 0.18f, 0.35f }, 1.5f };
/* Under the ruler, so it reads on every colour map (viridis ends in yellow too). */
static const LineStyle ruler_shadow_style = { { 0.0f, 0.0f, 0.0f, 0.7f }, 4.5f };
static const LineStyle crosshair_styles[3] = {
  { { 0.95f, 0.35f, 0.35f, 0.9f }, 1.5f },
  { { 0.40f, 0.85f, 0.40f, 0.9f }, 1.5f },
  { { 0.40f, 0.60f, 1.00f, 0.9f }, 1.5f },
};
static const LineStyle pane_frame_styles[3] = {
  { { 0.95f, 0.35f, 0.35f, 1.0f }, 3.0f },
  { { 0.40f, 0.85f, 0.40f, 1.0f }, 3.0f },
  { { 0.40f, 0.60f, 1.00f, 1.0f }, 3.0f },
};
/* Glyph pixels are LABEL_PIXEL window pixels square; the label's backdrop is LABEL_BACK tall. */
#define LABEL_PIXEL 2.0f
static const LineStyle label_style = { { 1.0f, 1.0f, 1.0f, 1.0f }, LABEL_PIXEL };
static const LineStyle label_back_style = { { 0.0f, 0.0f, 0.0f, 0.62f }, 7 * LABEL_PIXEL + 6 };

/* A 5 x 7 pixel font for length labels (digits, units, a few signs): rows top first, bit 4 the
 * leftmost column. The renderer draws no other text, so GL needs no font machinery. */
typedef struct
{
  gunichar c;
  guint8   rows[7];
} Glyph;

static const Glyph glyphs[] = {
  { '0', { 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e } },
  { '1', { 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e } },
  { '2', { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f } },
  { '3', { 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e } },
  { '4', { 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 } },
  { '5', { 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e } },
  { '6', { 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e } },
  { '7', { 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
  { '8', { 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e } },
  { '9', { 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c } },
  { '.', { 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c } },
  { '-', { 0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00 } },
  { 'A', { 0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 } },
  { 'c', { 0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e } },
  { 'i', { 0x04, 0x00, 0x0c, 0x04, 0x04, 0x04, 0x0e } },
  { 'k', { 0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12 } },
  { 'm', { 0x00, 0x00, 0x1a, 0x15, 0x15, 0x11, 0x11 } },
  { 'n', { 0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11 } },
  { 'p', { 0x00, 0x00, 0x1e, 0x11, 0x1e, 0x10, 0x10 } },
  { 'u', { 0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0d } },
  { 'x', { 0x00, 0x00, 0x11, 0x0a, 0x04, 0x0a, 0x11 } },
  { 0x00b5, { 0x00, 0x00, 0x11, 0x11, 0x13, 0x1d, 0x10 } },  /* µ */
};

static const Glyph *
find_glyph (gunichar c)
{
  for (guint i = 0; i < G_N_ELEMENTS (glyphs); i++)
    if (glyphs[i].c == c)
      return &glyphs[i];
  return NULL;
}

/* A point given in the frame's NDC plus an offset in window pixels (line-scaled). */
static void
push_ndc (EvoxRenderer *self,
          const Frame  *frame,
          const double  ndc[2],
          double        dx_px,
          double        dy_px)
{
  static const double zero[3] = { 0, 0, 0 };
  double point[3];

  point[0] = ndc[0] + 2.0 * dx_px * frame->line_scale / frame->viewport[0];
  point[1] = ndc[1] + 2.0 * dy_px * frame->line_scale / frame->viewport[1];
  point[2] = 0.0;
  _evox_renderer_push_vertex (self->vertices, point, zero);
}

/* text centred above `anchor` (world units; below it or moved sideways where the viewport's edge
 * would cut it), white on a dark backdrop, in window pixels that exports scale like line widths.
 * Glyph rows become runs of thick lines: the line program draws them, so text needs no program
 * or texture of its own. */
static void
draw_label (EvoxRenderer *self,
            const Frame  *frame,
            const double  anchor[3],
            const char   *text)
{
  static const float identity[16] = { 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 };
  vec4 world, clip;
  double ndc[2], width, left, top, half, centre = 0.0;
  glong n = g_utf8_strlen (text, -1);
  guint back, first;
  const char *p;

  world[0] = (float) anchor[0];
  world[1] = (float) anchor[1];
  world[2] = (float) anchor[2];
  world[3] = 1.0f;
  glm_mat4_mulv ((vec4 *) frame->mvp, world, clip);
  if (clip[3] <= 0 || n == 0)
    return;
  ndc[0] = clip[0] / clip[3];
  ndc[1] = clip[1] / clip[3];

  width = (6.0 * n - 1.0) * LABEL_PIXEL;
  top = 10.0 + 7.0 * LABEL_PIXEL;
  /* The label stays in the viewport (in the unscaled pixels offsets are given in): below a
   * ruler along the top edge rather than above it, and moved in from a side edge. */
  {
    double w = frame->viewport[0] / frame->line_scale, h = frame->viewport[1] / frame->line_scale;
    double x = 0.5 * (ndc[0] + 1.0) * w, y = 0.5 * (ndc[1] + 1.0) * h;
    double box = 0.5 * width + 3.0;

    if (y + top + 3.0 > h)
      top = -10.0;
    if (x - box < 0.0)
      centre = box - x;
    else if (x + box > w)
      centre = w - box - x;
  }
  left = centre - 0.5 * width;
  g_array_set_size (self->vertices, 0);
  /* The backdrop's line grows half its width past each end: shorten it by as much. */
  half = MAX (0.5 * width + 3.0 - 0.5 * label_back_style.width, 0.01);
  back = self->vertices->len;
  push_ndc (self, frame, ndc, centre - half, top - 3.5 * LABEL_PIXEL);
  push_ndc (self, frame, ndc, centre + half, top - 3.5 * LABEL_PIXEL);
  first = self->vertices->len;
  p = text;
  for (glong i = 0; i < n; i++, p = g_utf8_next_char (p))
    {
      const Glyph *glyph = find_glyph (g_utf8_get_char (p));

      if (glyph == NULL)
        continue;
      for (guint row = 0; row < 7; row++)
        for (int col = 0; col < 5; col++)
          {
            int end = col;

            if (!(glyph->rows[row] & (0x10 >> col)))
              continue;
            while (end + 1 < 5 && (glyph->rows[row] & (0x10 >> (end + 1))))
              end++;
            /* One run of lit pixels: a line through their centres, one pixel thick. */
            push_ndc (self, frame, ndc, left + (6.0 * i + col + 0.5) * LABEL_PIXEL,
                      top - (row + 0.5) * LABEL_PIXEL);
            push_ndc (self, frame, ndc, left + (6.0 * i + end + 0.5) * LABEL_PIXEL,
                      top - (row + 0.5) * LABEL_PIXEL);
            col = end;
          }
    }
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);
  glDisable (GL_DEPTH_TEST);
  glEnable (GL_BLEND);
  glUseProgram (self->res.line_program);
  glUniformMatrix4fv (self->res.lu.mvp, 1, GL_FALSE, identity);
  glUniform2f (self->res.lu.viewport, (float) frame->viewport[0], (float) frame->viewport[1]);
  _evox_renderer_draw_lines (self, frame, &label_back_style, back, 2);
  if (self->vertices->len > first)
    _evox_renderer_draw_lines (self, frame, &label_style, first, self->vertices->len - first);
}

static void
to_world (EvoxRenderer *self,
          const double  nm[3],
          double        world[3])
{
  for (guint a = 0; a < 3; a++)
    world[a] = nm[a] * _evox_renderer_axis_scale (self, a);
}

/* Crosshairs and the pane's frame in a 2D pane; rulers in 2D and 3D slice views. */
void
_evox_overlay_pass_draw (EvoxRenderer *self,
                         const Frame  *frame)
{
  gboolean flat = _evox_renderer_is_slice_view (frame->kind);
  guint axis = flat ? frame->kind - EVOX_VIEW_SLICE_X : 0;
  guint n = self->measurements != NULL ?
            evox_measurement_list_get_n_measurements (self->measurements) : 0;
  guint lines[2] = { 0, 0 }, outline = 0;
  g_autofree guint *rulers = NULL;
  double lo[3], hi[3];

  if (!(flat && frame->pane) && n == 0)
    return;
  if (!flat && frame->kind != EVOX_VIEW_SLICES)
    return;

  _evox_renderer_get_box (self, lo, hi);
  g_array_set_size (self->vertices, 0);
  if (flat && frame->pane)
    {
      static const double zero[3] = { 0, 0, 0 };

      outline = _evox_renderer_push_plane_outline (self, axis, self->slices[axis]);
      for (guint i = 0; i < 2; i++)
        {
          guint b = (axis + 1 + i) % 3, c = (axis + 2 - i) % 3;
          double p0[3], p1[3];

          p0[axis] = p1[axis] = _evox_renderer_plane_position (self, axis, self->slices[axis]);
          p0[b] = p1[b] = _evox_renderer_plane_position (self, b, self->slices[b]);
          p0[c] = lo[c];
          p1[c] = hi[c];
          lines[i] = self->vertices->len;
          _evox_renderer_push_vertex (self->vertices, p0, zero);
          _evox_renderer_push_vertex (self->vertices, p1, zero);
        }
    }
  rulers = g_new0 (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      static const double zero[3] = { 0, 0, 0 };
      EvoxMeasurement *ruler = evox_measurement_list_get_measurement (self->measurements, i);
      double start[3], end[3];

      evox_measurement_get_points (ruler, start, end);
      to_world (self, start, start);
      to_world (self, end, end);
      rulers[i] = self->vertices->len;
      _evox_renderer_push_vertex (self->vertices, start, zero);
      _evox_renderer_push_vertex (self->vertices, end, zero);
    }
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);

  glEnable (GL_BLEND);
  if (flat)
    glDisable (GL_DEPTH_TEST);
  else
    {
      /* In 3D the rulers lie in their slices and win the depth test there (the slices are
       * pushed back), and hide behind whatever is in front. */
      glEnable (GL_DEPTH_TEST);
      glDepthFunc (GL_LEQUAL);
    }
  _evox_renderer_use_line_program (self, frame);
  if (flat && frame->pane)
    {
      for (guint i = 0; i < 2; i++)
        _evox_renderer_draw_lines (self, frame, &crosshair_styles[(axis + 1 + i) % 3], lines[i], 2);
      _evox_renderer_draw_lines (self, frame, &pane_frame_styles[axis], outline, 8);
    }
  for (guint i = 0; i < n; i++)
    {
      EvoxMeasurement *ruler = evox_measurement_list_get_measurement (self->measurements, i);
      guint ruler_axis = evox_measurement_get_axis (ruler);
      gboolean here = evox_measurement_get_slice (ruler) == self->slices[ruler_axis];

      if (flat && ruler_axis != axis)
        continue;
      if (here)
        _evox_renderer_draw_lines (self, frame, &ruler_shadow_style, rulers[i], 2);
      _evox_renderer_draw_lines (self, frame, here ? &ruler_style : &ruler_faint_style,
                                 rulers[i], 2);
    }

  /* Labels last, over everything; each uploads its own vertices. */
  if (!flat)
    return;
  for (guint i = 0; i < n; i++)
    {
      EvoxMeasurement *ruler = evox_measurement_list_get_measurement (self->measurements, i);
      double start[3], end[3], middle[3];
      g_autofree char *text = NULL;

      if (evox_measurement_get_axis (ruler) != axis ||
          evox_measurement_get_slice (ruler) != self->slices[axis])
        continue;
      evox_measurement_get_points (ruler, start, end);
      for (guint a = 0; a < 3; a++)
        middle[a] = 0.5 * (start[a] + end[a]);
      to_world (self, middle, middle);
      text = evox_format_segment_length (self->volume, start, end);
      draw_label (self, frame, middle, text);
    }
}

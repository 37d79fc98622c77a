/* evox-plot.c: a compact x/y plot of line series or histogram bars, drawn with GtkSnapshot. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-plot.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "evox-axis.h"
#include "evox-display.h"
#include "evox-ui-util.h"

/* Layout in pixels. */
#define PAD 6
#define SWATCH 14
#define HOVER_RADIUS 24.0
#define POINT_RADIUS 2.5

typedef struct
{
  double   *x;
  double   *y;
  guint     n;
  GdkRGBA   color;
  char     *label;
  gboolean  points;
} Line;

/* A filled region between two curves over the same x (a +-1 std band). */
typedef struct
{
  double   *x;
  double   *lo;
  double   *hi;
  guint     n;
  GdkRGBA   color;
} Band;

/* A vertical line; labelled ones say what they mark (E0, white line) in their own colour. */
typedef struct
{
  double   at;
  char    *label;
  gboolean has_color;
  GdkRGBA  color;
} Marker;

static void
marker_clear (Marker *marker)
{
  g_free (marker->label);
}

typedef struct
{
  int   line;    /* -1: no line point */
  guint index;
  int   bin;     /* -1: no bar */
} Hit;

struct _EvoxPlot
{
  GtkWidget        parent_instance;

  char            *x_title;
  char            *y_title;
  char            *placeholder;
  GArray          *lines;         /* Line */
  double          *edges;         /* n_bins + 1 */
  double          *counts;        /* n_bins */
  guint            n_bins;
  GdkRGBA          bar_color;
  GArray          *markers;       /* Marker */
  GArray          *bands;         /* Band */

  gboolean         ranges_dirty;
  gboolean         has_ranges;
  double           x0, x1, y0, y1;

  /* Plot rectangle of the last layout, for the pointer and the test accessors. */
  graphene_rect_t  area;
  double           pointer_x;
  double           pointer_y;
  gboolean         pointer_inside;
};

G_DEFINE_FINAL_TYPE (EvoxPlot, evox_plot, GTK_TYPE_WIDGET)

static void
line_clear (gpointer data)
{
  Line *line = data;

  g_free (line->x);
  g_free (line->y);
  g_free (line->label);
}

static void
band_clear (gpointer data)
{
  Band *band = data;

  g_free (band->x);
  g_free (band->lo);
  g_free (band->hi);
}

static void
invalidate (EvoxPlot *self)
{
  self->ranges_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
update_description (EvoxPlot *self)
{
  g_autofree char *text = NULL;

  if (self->x_title != NULL && self->y_title != NULL)
    /* TRANSLATORS: accessible description of a plot: "<y title> against <x title>" */
    text = g_strdup_printf (_("%s against %s"), self->y_title, self->x_title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text != NULL ? text : "", -1);
}

/* Ranges */

static void
ensure_ranges (EvoxPlot *self)
{
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;

  if (!self->ranges_dirty)
    return;
  self->ranges_dirty = FALSE;

  for (guint l = 0; l < self->lines->len; l++)
    {
      const Line *line = &g_array_index (self->lines, Line, l);

      for (guint i = 0; i < line->n; i++)
        if (isfinite (line->x[i]) && isfinite (line->y[i]))
          {
            evox_axis_widen (&x0, &x1, line->x[i]);
            evox_axis_widen (&y0, &y1, line->y[i]);
          }
    }
  for (guint b = 0; b < self->bands->len; b++)
    {
      const Band *band = &g_array_index (self->bands, Band, b);

      for (guint i = 0; i < band->n; i++)
        if (isfinite (band->x[i]) && isfinite (band->lo[i]) && isfinite (band->hi[i]))
          {
            evox_axis_widen (&x0, &x1, band->x[i]);
            evox_axis_widen (&y0, &y1, band->lo[i]);
            evox_axis_widen (&y0, &y1, band->hi[i]);
          }
    }
  if (self->n_bins > 0)
    {
      evox_axis_widen (&x0, &x1, self->edges[0]);
      evox_axis_widen (&x0, &x1, self->edges[self->n_bins]);
      evox_axis_widen (&y0, &y1, 0);
      for (guint b = 0; b < self->n_bins; b++)
        evox_axis_widen (&y0, &y1, self->counts[b]);
    }

  self->has_ranges = x0 <= x1 && y0 <= y1;
  if (!self->has_ranges)
    return;

  evox_axis_pad_flat (&x0, &x1, 0.05, FALSE);
  if (!(y1 > y0))
    evox_axis_pad_flat (&y0, &y1, 0.1, self->n_bins > 0);
  else
    /* Whole steps of a four-tick axis, so the top and bottom fall on round numbers. */
    evox_axis_snap_to_step (&y0, &y1, evox_nice_ceil ((y1 - y0) / 4));

  self->x0 = x0;
  self->x1 = x1;
  self->y0 = y0;
  self->y1 = y1;
}

/* Ticks */

static char *
format_tick (double   at,
             double   step,
             gpointer user_data)
{
  return _evox_format_tick_value (at, step, 4);
}

/* Evenly stepped ticks, widening the step until neighbouring labels keep apart. */
static GArray *
make_ticks (PangoLayout *layout,
            double       a0,
            double       a1,
            double       length,
            gboolean     horizontal)
{
  return _evox_stepped_ticks (layout, a0, a1, length, horizontal, horizontal ? 70 : 30, 0,
                              format_tick, NULL);
}

/* Geometry */

typedef struct
{
  int     width;
  int     height;
  int     text_height;
  guint   legend_rows;
  GArray *x_ticks;
  GArray *y_ticks;
} Frame;

static void
frame_clear (Frame *frame)
{
  g_clear_pointer (&frame->x_ticks, g_array_unref);
  g_clear_pointer (&frame->y_ticks, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Frame, frame_clear)

/* The legend's entries (swatch and label) flow in rows across the top margin, each row
 * right-aligned to the plot's right edge, so ten or sixty clusters wrap instead of running off
 * the left side. Returns the rows; with `x`, entry l's left edge and row go to x[l], row[l]. */
static guint
legend_layout (EvoxPlot    *self,
               PangoLayout *layout,
               int          width,
               double      *x,
               guint       *row)
{
  double right = width - PAD - 10, avail = MAX (right - PAD, 1);
  double used = 0;
  guint rows = 0, first = 0;

  for (guint l = 0; l <= self->lines->len; l++)
    {
      const Line *line = l < self->lines->len ? &g_array_index (self->lines, Line, l) : NULL;
      int text_width = 0, text_height;
      double entry = 0;

      if (line != NULL && line->label == NULL)
        continue;
      if (line != NULL)
        {
          _evox_measure_text (layout, line->label, &text_width, &text_height);
          entry = SWATCH + 4 + text_width;
        }
      /* a full row (or the end) is placed right-aligned */
      if (line == NULL || (used > 0 && used + 12 + entry > avail))
        {
          if (used > 0 && x != NULL)
            {
              double at = right - used;

              for (guint m = first; m < l; m++)
                {
                  const Line *placed = &g_array_index (self->lines, Line, m);
                  int w, h;

                  if (placed->label == NULL)
                    continue;
                  _evox_measure_text (layout, placed->label, &w, &h);
                  x[m] = at;
                  row[m] = rows;
                  at += SWATCH + 4 + w + 12;
                }
            }
          if (used > 0)
            rows++;
          used = 0;
          first = l;
        }
      if (line != NULL)
        used += (used > 0 ? 12 : 0) + entry;
    }
  return rows;
}

static gboolean
has_legend (EvoxPlot *self)
{
  for (guint l = 0; l < self->lines->len; l++)
    if (g_array_index (self->lines, Line, l).label != NULL)
      return TRUE;
  return FALSE;
}

/* The plot rectangle for the widget's size, and the ticks when there is data (the left margin
 * fits the y labels). */
static void
layout_frame (EvoxPlot    *self,
              PangoLayout *layout,
              Frame       *frame)
{
  int top, bottom, left, right, dummy;

  memset (frame, 0, sizeof *frame);
  ensure_ranges (self);
  frame->width = gtk_widget_get_width (GTK_WIDGET (self));
  frame->height = gtk_widget_get_height (GTK_WIDGET (self));
  _evox_measure_text (layout, "0.9", &dummy, &frame->text_height);

  frame->legend_rows = legend_layout (self, layout, frame->width, NULL, NULL);
  top = PAD + (frame->legend_rows > 0 ? (int) frame->legend_rows * (frame->text_height + 2) + 2
                                      : frame->text_height / 2);
  bottom = PAD + EVOX_TICK_LENGTH + EVOX_LABEL_GAP + frame->text_height +
           (self->x_title != NULL ? frame->text_height + 2 : 0);
  left = PAD + (self->y_title != NULL ? frame->text_height + 4 : 0);
  right = PAD + 10;

  if (self->has_ranges)
    {
      int widest = 0;

      frame->y_ticks = make_ticks (layout, self->y0, self->y1,
                                   MAX (frame->height - top - bottom, 1), FALSE);
      for (guint i = 0; i < frame->y_ticks->len; i++)
        widest = MAX (widest, g_array_index (frame->y_ticks, EvoxTick, i).width);
      left += widest + EVOX_TICK_LENGTH + 4;
      frame->x_ticks = make_ticks (layout, self->x0, self->x1,
                                   MAX (frame->width - left - right, 1), TRUE);
    }
  else
    left += 8;

  self->area = GRAPHENE_RECT_INIT (left, top, MAX (frame->width - left - right, 0),
                                   MAX (frame->height - top - bottom, 0));
}

static inline double
data_x (EvoxPlot *self,
        double    x)
{
  return self->area.origin.x + (x - self->x0) / (self->x1 - self->x0) * self->area.size.width;
}

static inline double
data_y (EvoxPlot *self,
        double    y)
{
  return self->area.origin.y + self->area.size.height -
         (y - self->y0) / (self->y1 - self->y0) * self->area.size.height;
}

static void
to_pixel (gconstpointer  frame,
          double         x,
          double         y,
          double        *px,
          double        *py)
{
  EvoxPlot *self = (EvoxPlot *) frame;

  *px = data_x (self, x);
  *py = data_y (self, y);
}

static inline double
area_right (EvoxPlot *self)
{
  return self->area.origin.x + self->area.size.width;
}

static inline double
area_bottom (EvoxPlot *self)
{
  return self->area.origin.y + self->area.size.height;
}

/* Brings the plot rectangle up to date outside a snapshot. */
static gboolean
ensure_layout (EvoxPlot *self)
{
  g_autoptr(PangoLayout) layout = NULL;
  g_auto(Frame) frame = { 0 };

  ensure_ranges (self);
  if (!self->has_ranges)
    return FALSE;
  layout = _evox_create_small_layout (GTK_WIDGET (self));
  layout_frame (self, layout, &frame);
  return self->area.size.width > 0 && self->area.size.height > 0;
}

/* Pointer */

/* The nearest line point within reach, else the bar under the pointer. Needs a current layout. */
static gboolean
find_hit (EvoxPlot *self,
          double    px,
          double    py,
          Hit      *hit)
{
  double best = HOVER_RADIUS * HOVER_RADIUS;

  hit->line = -1;
  hit->index = 0;
  hit->bin = -1;
  if (!self->has_ranges || self->area.size.width <= 0 || self->area.size.height <= 0)
    return FALSE;

  for (guint l = 0; l < self->lines->len; l++)
    {
      const Line *line = &g_array_index (self->lines, Line, l);

      for (guint i = 0; i < line->n; i++)
        {
          double dx, dy;

          if (!isfinite (line->x[i]) || !isfinite (line->y[i]))
            continue;
          dx = data_x (self, line->x[i]) - px;
          dy = data_y (self, line->y[i]) - py;
          if (dx * dx + dy * dy < best)
            {
              best = dx * dx + dy * dy;
              hit->line = (int) l;
              hit->index = i;
            }
        }
    }
  if (hit->line >= 0)
    return TRUE;

  if (self->n_bins > 0 && py >= self->area.origin.y && py <= area_bottom (self))
    {
      double x = self->x0 + (px - self->area.origin.x) / self->area.size.width *
                 (self->x1 - self->x0);
      guint a = 0, b = self->n_bins;

      if (!(x >= self->edges[0] && x <= self->edges[self->n_bins]))
        return FALSE;
      while (b - a > 1)
        {
          guint m = (a + b) / 2;
          if (x >= self->edges[m])
            a = m;
          else
            b = m;
        }
      hit->bin = (int) a;
      return TRUE;
    }
  return FALSE;
}

static char *
readout (EvoxPlot  *self,
         const Hit *hit)
{
  const char *x_title = self->x_title != NULL ? self->x_title : "x";
  const char *y_title = self->y_title != NULL ? self->y_title : "y";

  if (hit->line >= 0)
    {
      const Line *line = &g_array_index (self->lines, Line, hit->line);
      GString *text = g_string_new (NULL);

      if (line->label != NULL)
        g_string_append_printf (text, "%s\n", line->label);
      /* x to six digits: an energy reads 7712.5 eV, as everywhere else in the window. */
      g_string_append_printf (text, "%s = %.6g\n%s = %.4g", x_title, line->x[hit->index],
                              y_title, line->y[hit->index]);
      return g_string_free (text, FALSE);
    }
  if (hit->bin >= 0)
    return g_strdup_printf ("%s: %g – %g\n%s: %g", x_title, self->edges[hit->bin],
                            self->edges[hit->bin + 1], y_title, self->counts[hit->bin]);
  return NULL;
}

static void
on_motion (EvoxPlot *self,
           double    x,
           double    y)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->pointer_inside = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (EvoxPlot *self)
{
  self->pointer_inside = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_query_tooltip (EvoxPlot   *self,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip)
{
  g_autofree char *text = evox_plot_dup_readout (self, x, y);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* Drawing */

static void
draw_axes (EvoxPlot      *self,
           GtkSnapshot   *snapshot,
           PangoLayout   *layout,
           const Frame   *frame,
           const GdkRGBA *fg)
{
  GdkRGBA axis = _evox_with_alpha (fg, 0.5f);
  double left = self->area.origin.x, bottom = area_bottom (self);
  int width, height;

  _evox_draw_y_ticks (snapshot, layout, frame->y_ticks, &self->area, self->y0, self->y1,
                      frame->height, fg);
  _evox_draw_x_ticks (snapshot, layout, frame->x_ticks, &self->area, self->x0, self->x1,
                      bottom + 1, frame->width, fg);
  _evox_fill (snapshot, &axis, left - 1, self->area.origin.y, 1, self->area.size.height + 1);
  _evox_fill (snapshot, &axis, left - 1, bottom, self->area.size.width + 1, 1);

  if (self->x_title != NULL)
    _evox_draw_title (snapshot, layout, self->x_title, &self->area,
                      bottom + 1 + EVOX_TICK_LENGTH + EVOX_LABEL_GAP + frame->text_height + 2, fg);
  if (self->y_title != NULL)
    {
      double baseline;

      /* Turned a quarter left, the text runs upwards from `baseline`, centred on the axis (or
       * from its bottom when longer than the axis). */
      _evox_measure_text (layout, self->y_title, &width, &height);
      baseline = self->area.origin.y + (self->area.size.height +
                                        MIN (width, self->area.size.height)) / 2;
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (PAD, round (baseline)));
      gtk_snapshot_rotate (snapshot, -90);
      gtk_snapshot_append_layout (snapshot, layout, fg);
      gtk_snapshot_restore (snapshot);
    }
}

static void
draw_bars (EvoxPlot      *self,
           GtkSnapshot   *snapshot,
           const Hit     *hit)
{
  GdkRGBA hover = self->bar_color;

  hover.alpha *= 0.6f;
  for (guint b = 0; b < self->n_bins; b++)
    {
      double xa = round (data_x (self, self->edges[b]));
      double xb = round (data_x (self, self->edges[b + 1]));
      double top = round (data_y (self, MIN (self->counts[b], self->y1)));
      double gap = xb - xa >= 4 ? 1 : 0;

      if (!(self->counts[b] > 0))
        continue;
      _evox_fill (snapshot, hit->bin == (int) b ? &hover : &self->bar_color, xa, top,
                  xb - xa - gap, area_bottom (self) - top);
    }
}

static void
draw_lines (EvoxPlot      *self,
            GtkSnapshot   *snapshot,
            const Hit     *hit)
{
  graphene_rect_t clip;
  cairo_t *cr;

  if (self->lines->len == 0)
    return;
  graphene_rect_inset_r (&self->area, -POINT_RADIUS - 2, -POINT_RADIUS - 2, &clip);
  cr = gtk_snapshot_append_cairo (snapshot, &clip);
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  for (guint l = 0; l < self->lines->len; l++)
    {
      const Line *line = &g_array_index (self->lines, Line, l);

      gdk_cairo_set_source_rgba (cr, &line->color);
      evox_axis_trace_line (cr, line->x, line->y, line->n, to_pixel, self);
      cairo_stroke (cr);

      for (guint i = 0; i < line->n; i++)
        {
          gboolean hovered = hit->line == (int) l && hit->index == i;

          if (!(line->points || hovered) || !isfinite (line->x[i]) || !isfinite (line->y[i]))
            continue;
          cairo_new_sub_path (cr);
          cairo_arc (cr, data_x (self, line->x[i]), data_y (self, line->y[i]),
                     hovered ? POINT_RADIUS + 1.5 : POINT_RADIUS, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
  cairo_destroy (cr);
}

/* Each run of finite points as one polygon: along hi, back along lo. */
static void
draw_bands (EvoxPlot    *self,
            GtkSnapshot *snapshot)
{
  cairo_t *cr;

  if (self->bands->len == 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &self->area);
  for (guint b = 0; b < self->bands->len; b++)
    {
      const Band *band = &g_array_index (self->bands, Band, b);
      guint start = 0;

      gdk_cairo_set_source_rgba (cr, &band->color);
      while (start < band->n)
        {
          guint end = start;

          while (end < band->n && isfinite (band->x[end]) && isfinite (band->lo[end]) &&
                 isfinite (band->hi[end]))
            end++;
          if (end > start)
            {
              for (guint i = start; i < end; i++)
                cairo_line_to (cr, data_x (self, band->x[i]), data_y (self, band->hi[i]));
              for (guint i = end; i > start; i--)
                cairo_line_to (cr, data_x (self, band->x[i - 1]), data_y (self, band->lo[i - 1]));
              cairo_close_path (cr);
              cairo_fill (cr);
            }
          start = end + 1;
        }
    }
  cairo_destroy (cr);
}

static void
draw_markers (EvoxPlot      *self,
              GtkSnapshot   *snapshot,
              PangoLayout   *layout,
              const GdkRGBA *fg)
{
  GdkRGBA plain = _evox_with_alpha (fg, 0.55f);
  guint row = 0;

  for (guint i = 0; i < self->markers->len; i++)
    {
      const Marker *marker = &g_array_index (self->markers, Marker, i);
      const GdkRGBA *color = marker->has_color ? &marker->color : &plain;
      double x = round (data_x (self, marker->at));
      int width, height;

      if (marker->at < self->x0 || marker->at > self->x1)
        continue;
      x = MIN (x, area_right (self) - 1);
      _evox_fill (snapshot, color, x, self->area.origin.y, 1, self->area.size.height);
      if (marker->label == NULL)
        continue;
      /* From the bottom up, a row each, so marks a few pixels apart stay readable (and an
       * edge's marks stay clear of a spectrum that rises after them); beside the line, on its
       * left where the right has no room. */
      _evox_measure_text (layout, marker->label, &width, &height);
      row++;
      _evox_draw_text (snapshot, layout, marker->label,
                       x + 3 + width <= area_right (self) ? x + 3 : x - 3 - width,
                       self->area.origin.y + self->area.size.height - 2 - row * (height + 1),
                       color);
    }
}

/* Line labels in rows across the top margin (see legend_layout). */
static void
draw_legend (EvoxPlot      *self,
             GtkSnapshot   *snapshot,
             PangoLayout   *layout,
             const Frame   *frame,
             const GdkRGBA *fg)
{
  g_autofree double *x = g_new0 (double, self->lines->len + 1);
  g_autofree guint *row = g_new0 (guint, self->lines->len + 1);

  legend_layout (self, layout, frame->width, x, row);
  for (guint l = 0; l < self->lines->len; l++)
    {
      const Line *line = &g_array_index (self->lines, Line, l);
      double y = PAD + row[l] * (frame->text_height + 2);

      if (line->label == NULL)
        continue;
      _evox_fill (snapshot, &line->color, x[l], y + frame->text_height / 2.0 - 1, SWATCH, 2);
      _evox_draw_text (snapshot, layout, line->label, x[l] + SWATCH + 4, y, fg);
    }
}

static void
draw_placeholder (EvoxPlot      *self,
                  GtkSnapshot   *snapshot,
                  PangoLayout   *layout,
                  const Frame   *frame,
                  const GdkRGBA *fg)
{
  GdkRGBA text = _evox_with_alpha (fg, 0.6f);
  const char *message = self->placeholder != NULL ? self->placeholder : _("No data");
  int width, height;

  _evox_measure_text (layout, message, &width, &height);
  _evox_draw_text (snapshot, layout, message, MAX ((frame->width - width) / 2.0, 0),
                   (frame->height - height) / 2.0, &text);
}

static void
evox_plot_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  EvoxPlot *self = EVOX_PLOT (widget);
  g_autoptr(PangoLayout) layout = _evox_create_small_layout (GTK_WIDGET (self));
  g_auto(Frame) frame = { 0 };
  Hit hit = { -1, 0, -1 };
  GdkRGBA fg;

  _evox_get_foreground (widget, &fg);
  layout_frame (self, layout, &frame);
  if (!self->has_ranges)
    {
      draw_placeholder (self, snapshot, layout, &frame, &fg);
      return;
    }
  if (self->area.size.width < 8 || self->area.size.height < 8)
    return;

  if (self->pointer_inside)
    find_hit (self, self->pointer_x, self->pointer_y, &hit);
  draw_axes (self, snapshot, layout, &frame, &fg);
  draw_bars (self, snapshot, &hit);
  draw_bands (self, snapshot);
  draw_markers (self, snapshot, layout, &fg);
  draw_lines (self, snapshot, &hit);
  draw_legend (self, snapshot, layout, &frame, &fg);
}

/* GObject */

static void
evox_plot_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 320;
    }
  else
    {
      /* rows of legend beyond the first come on top of the plot's own height */
      guint rows = 0;
      int dummy, text_height = 0;

      if (for_size > 0 && has_legend (EVOX_PLOT (widget)))
        {
          g_autoptr(PangoLayout) layout = _evox_create_small_layout (widget);

          _evox_measure_text (layout, "0.9", &dummy, &text_height);
          rows = legend_layout (EVOX_PLOT (widget), layout, for_size, NULL, NULL);
        }
      int extra = rows > 1 ? (int) (rows - 1) * (text_height + 2) : 0, asked;

      /* on top of the height asked for, which would otherwise win over the minimum */
      gtk_widget_get_size_request (widget, NULL, &asked);
      *minimum = MAX (asked, 120) + extra;
      *natural = MAX (asked, 180) + extra;
    }
}

static GtkSizeRequestMode
evox_plot_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
evox_plot_finalize (GObject *object)
{
  EvoxPlot *self = EVOX_PLOT (object);

  g_free (self->x_title);
  g_free (self->y_title);
  g_free (self->placeholder);
  g_array_unref (self->lines);
  g_array_unref (self->markers);
  g_array_unref (self->bands);
  g_free (self->edges);
  g_free (self->counts);

  G_OBJECT_CLASS (evox_plot_parent_class)->finalize (object);
}

static void
evox_plot_class_init (EvoxPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = evox_plot_finalize;
  widget_class->snapshot = evox_plot_snapshot;
  widget_class->measure = evox_plot_measure;
  widget_class->get_request_mode = evox_plot_get_request_mode;

  gtk_widget_class_set_css_name (widget_class, "plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
evox_plot_init (EvoxPlot *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  self->lines = g_array_new (FALSE, TRUE, sizeof (Line));
  g_array_set_clear_func (self->lines, line_clear);
  self->markers = g_array_new (FALSE, FALSE, sizeof (Marker));
  g_array_set_clear_func (self->markers, (GDestroyNotify) marker_clear);
  self->bands = g_array_new (FALSE, TRUE, sizeof (Band));
  g_array_set_clear_func (self->bands, band_clear);
  self->ranges_dirty = TRUE;

  g_signal_connect_swapped (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect_swapped (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  update_description (self);
}

/* API */

GtkWidget *
evox_plot_new (void)
{
  return g_object_new (EVOX_TYPE_PLOT, NULL);
}

void
evox_plot_set_axes (EvoxPlot   *self,
                    const char *x_title,
                    const char *y_title)
{
  g_return_if_fail (EVOX_IS_PLOT (self));

  g_free (self->x_title);
  g_free (self->y_title);
  self->x_title = g_strdup (x_title);
  self->y_title = g_strdup (y_title);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
evox_plot_set_placeholder (EvoxPlot   *self,
                           const char *text)
{
  g_return_if_fail (EVOX_IS_PLOT (self));

  g_free (self->placeholder);
  self->placeholder = g_strdup (text);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
evox_plot_clear (EvoxPlot *self)
{
  g_return_if_fail (EVOX_IS_PLOT (self));

  g_array_set_size (self->lines, 0);
  g_array_set_size (self->markers, 0);
  g_array_set_size (self->bands, 0);
  g_clear_pointer (&self->edges, g_free);
  g_clear_pointer (&self->counts, g_free);
  self->n_bins = 0;
  invalidate (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
evox_plot_add_line (EvoxPlot      *self,
                    const double  *x,
                    const double  *y,
                    guint          n,
                    const GdkRGBA *color,
                    const char    *label)
{
  Line line = { 0 };

  g_return_val_if_fail (EVOX_IS_PLOT (self), 0);
  g_return_val_if_fail (n == 0 || (x != NULL && y != NULL), 0);
  g_return_val_if_fail (color != NULL, 0);

  line.x = g_memdup2 (x, sizeof (double) * n);
  line.y = g_memdup2 (y, sizeof (double) * n);
  line.n = n;
  line.color = *color;
  line.label = g_strdup (label);
  g_array_append_val (self->lines, line);
  invalidate (self);
  if (label != NULL)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  return self->lines->len - 1;
}

void
evox_plot_add_band (EvoxPlot      *self,
                    const double  *x,
                    const double  *lo,
                    const double  *hi,
                    guint          n,
                    const GdkRGBA *color)
{
  Band band = { 0 };

  g_return_if_fail (EVOX_IS_PLOT (self));
  g_return_if_fail (n == 0 || (x != NULL && lo != NULL && hi != NULL));
  g_return_if_fail (color != NULL);

  band.x = g_memdup2 (x, sizeof (double) * n);
  band.lo = g_memdup2 (lo, sizeof (double) * n);
  band.hi = g_memdup2 (hi, sizeof (double) * n);
  band.n = n;
  band.color = *color;
  g_array_append_val (self->bands, band);
  invalidate (self);
}

guint
evox_plot_get_n_bands (EvoxPlot *self)
{
  g_return_val_if_fail (EVOX_IS_PLOT (self), 0);
  return self->bands->len;
}

guint
evox_plot_get_n_lines (EvoxPlot *self)
{
  g_return_val_if_fail (EVOX_IS_PLOT (self), 0);
  return self->lines->len;
}

const double *
evox_plot_get_line (EvoxPlot      *self,
                    guint          line,
                    const double **x,
                    guint         *n)
{
  const Line *item;

  g_return_val_if_fail (EVOX_IS_PLOT (self), NULL);
  g_return_val_if_fail (line < self->lines->len, NULL);

  item = &g_array_index (self->lines, Line, line);
  if (x != NULL)
    *x = item->x;
  if (n != NULL)
    *n = item->n;
  return item->y;
}

void
evox_plot_set_line_points (EvoxPlot *self,
                           guint     line,
                           gboolean  points)
{
  g_return_if_fail (EVOX_IS_PLOT (self));
  g_return_if_fail (line < self->lines->len);

  g_array_index (self->lines, Line, line).points = !!points;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
evox_plot_set_bars (EvoxPlot      *self,
                    const double  *edges,
                    const double  *counts,
                    guint          n_bins,
                    const GdkRGBA *color)
{
  g_return_if_fail (EVOX_IS_PLOT (self));
  g_return_if_fail (n_bins == 0 || (edges != NULL && counts != NULL && color != NULL));

  for (guint b = 0; b < n_bins; b++)
    g_return_if_fail (edges[b] < edges[b + 1]);

  g_clear_pointer (&self->edges, g_free);
  g_clear_pointer (&self->counts, g_free);
  self->n_bins = n_bins;
  if (n_bins > 0)
    {
      self->edges = g_memdup2 (edges, sizeof (double) * (n_bins + 1));
      self->counts = g_memdup2 (counts, sizeof (double) * n_bins);
      self->bar_color = *color;
    }
  invalidate (self);
}

void
evox_plot_add_marker (EvoxPlot *self,
                      double    x)
{
  evox_plot_add_labelled_marker (self, x, NULL, NULL);
}

void
evox_plot_add_labelled_marker (EvoxPlot      *self,
                               double         x,
                               const char    *label,
                               const GdkRGBA *color)
{
  Marker marker = { x, g_strdup (label), color != NULL, { 0 } };

  g_return_if_fail (EVOX_IS_PLOT (self));
  g_return_if_fail (isfinite (x));

  if (color != NULL)
    marker.color = *color;
  g_array_append_val (self->markers, marker);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
evox_plot_get_n_markers (EvoxPlot *self)
{
  g_return_val_if_fail (EVOX_IS_PLOT (self), 0);
  return self->markers->len;
}

double
evox_plot_get_marker (EvoxPlot    *self,
                      guint        index,
                      const char **label)
{
  const Marker *marker;

  g_return_val_if_fail (EVOX_IS_PLOT (self), NAN);
  g_return_val_if_fail (index < self->markers->len, NAN);

  marker = &g_array_index (self->markers, Marker, index);
  if (label != NULL)
    *label = marker->label;
  return marker->at;
}

const double *
evox_plot_get_bars (EvoxPlot      *self,
                    const double **edges,
                    guint         *n_bins)
{
  g_return_val_if_fail (EVOX_IS_PLOT (self), NULL);

  if (edges != NULL)
    *edges = self->edges;
  if (n_bins != NULL)
    *n_bins = self->n_bins;
  return self->counts;
}

gboolean
evox_plot_has_data (EvoxPlot *self)
{
  g_return_val_if_fail (EVOX_IS_PLOT (self), FALSE);

  ensure_ranges (self);
  return self->has_ranges;
}

gboolean
evox_plot_get_ranges (EvoxPlot *self,
                      double   *x0,
                      double   *x1,
                      double   *y0,
                      double   *y1)
{
  g_return_val_if_fail (EVOX_IS_PLOT (self), FALSE);

  ensure_ranges (self);
  if (!self->has_ranges)
    return FALSE;
  if (x0 != NULL)
    *x0 = self->x0;
  if (x1 != NULL)
    *x1 = self->x1;
  if (y0 != NULL)
    *y0 = self->y0;
  if (y1 != NULL)
    *y1 = self->y1;
  return TRUE;
}

guint
evox_plot_get_legend (EvoxPlot        *self,
                      graphene_rect_t *bounds)
{
  g_autoptr(PangoLayout) layout = NULL;
  g_autofree double *x = NULL;
  g_autofree guint *row = NULL;
  int width, dummy, text_height;
  guint rows;

  g_return_val_if_fail (EVOX_IS_PLOT (self), 0);
  g_return_val_if_fail (bounds != NULL, 0);

  *bounds = GRAPHENE_RECT_INIT (0, 0, 0, 0);
  width = gtk_widget_get_width (GTK_WIDGET (self));
  layout = _evox_create_small_layout (GTK_WIDGET (self));
  _evox_measure_text (layout, "0.9", &dummy, &text_height);
  x = g_new0 (double, self->lines->len + 1);
  row = g_new0 (guint, self->lines->len + 1);
  rows = legend_layout (self, layout, width, x, row);
  for (guint l = 0, first = TRUE; l < self->lines->len; l++)
    {
      const Line *line = &g_array_index (self->lines, Line, l);
      graphene_rect_t entry;
      int w, h;

      if (line->label == NULL)
        continue;
      _evox_measure_text (layout, line->label, &w, &h);
      entry = GRAPHENE_RECT_INIT (x[l], PAD + row[l] * (text_height + 2), SWATCH + 4 + w,
                                  text_height);
      if (first)
        *bounds = entry;
      else
        graphene_rect_union (bounds, &entry, bounds);
      first = FALSE;
    }
  return rows;
}

gboolean
evox_plot_data_to_widget (EvoxPlot *self,
                          double    x,
                          double    y,
                          double   *widget_x,
                          double   *widget_y)
{
  g_return_val_if_fail (EVOX_IS_PLOT (self), FALSE);

  if (!ensure_layout (self))
    return FALSE;
  if (widget_x != NULL)
    *widget_x = data_x (self, x);
  if (widget_y != NULL)
    *widget_y = data_y (self, y);
  return TRUE;
}

char *
evox_plot_dup_readout (EvoxPlot *self,
                       double    x,
                       double    y)
{
  Hit hit;

  g_return_val_if_fail (EVOX_IS_PLOT (self), NULL);

  if (!ensure_layout (self) || !find_hit (self, x, y, &hit))
    return NULL;
  return readout (self, &hit);
}

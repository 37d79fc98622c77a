/* evox-curve-figure.c: mean curves with +-1 std bands drawn with cairo and pango, no GTK. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-curve-figure.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <string.h>
#include <unistd.h>

#include "evox-axis.h"
#include "evox-figure-text.h"
#include "evox-output.h"
#include "evox-types.h"

/* Sizes in pixels of a figure 400 pixels high; everything scales with the height. */
#define BASE_HEIGHT 400.0
#define FONT_SIZE 12.0
#define PAD 8.0
#define TICK 4.0
#define SWATCH 16.0
#define LINE_WIDTH 1.5
#define POINT_RADIUS 2.5
#define MAX_POINTS_DRAWN 16

typedef struct
{
  double *x;
  double *mean;
  double *std;   /* NULL: no band */
  guint   n;
  double  rgb[3];
  char   *label;
} Curve;

struct _EvoxCurveFigure
{
  GObject  parent_instance;

  char    *x_title;
  char    *y_title;
  GArray  *curves;   /* Curve */
};

G_DEFINE_FINAL_TYPE (EvoxCurveFigure, evox_curve_figure, G_TYPE_OBJECT)

/* Where things go in one width x height figure. */
typedef struct
{
  double  scale;
  double  text_height;
  double  x0, x1, y0, y1;      /* data ranges */
  double  x_step, y_step;
  double  left, top, right, bottom;   /* the plot rectangle */
  double  legend_x;
  double  legend_width;
} Layout;

static void
curve_clear (gpointer data)
{
  Curve *curve = data;

  g_free (curve->x);
  g_free (curve->mean);
  g_free (curve->std);
  g_free (curve->label);
}

static void
evox_curve_figure_finalize (GObject *object)
{
  EvoxCurveFigure *self = EVOX_CURVE_FIGURE (object);

  g_free (self->x_title);
  g_free (self->y_title);
  g_array_unref (self->curves);
  G_OBJECT_CLASS (evox_curve_figure_parent_class)->finalize (object);
}

static void
evox_curve_figure_class_init (EvoxCurveFigureClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_curve_figure_finalize;
}

static void
evox_curve_figure_init (EvoxCurveFigure *self)
{
  self->curves = g_array_new (FALSE, TRUE, sizeof (Curve));
  g_array_set_clear_func (self->curves, curve_clear);
}

EvoxCurveFigure *
evox_curve_figure_new (const char *x_title,
                       const char *y_title)
{
  EvoxCurveFigure *self = g_object_new (EVOX_TYPE_CURVE_FIGURE, NULL);

  self->x_title = g_strdup (x_title);
  self->y_title = g_strdup (y_title);
  return self;
}

char *
evox_curve_figure_axis_title (EvoxClusters *clusters,
                              const char   *feature)
{
  const char *title;
  guint d;
  GString *text;

  g_return_val_if_fail (EVOX_IS_CLUSTERS (clusters), NULL);
  g_return_val_if_fail (feature != NULL, NULL);

  title = evox_clusters_get_axis_title (clusters);
  d = evox_clusters_get_n_features (clusters);
  if (title != NULL && g_strcmp0 (title, "Feature") != 0)
    return g_strdup (title);
  text = g_string_new (feature);
  if (d > 6)
    return g_string_free (text, FALSE);
  for (guint f = 0; f < d; f++)
    g_string_append_printf (text, f == 0 ? ": %u %s" : ", %u %s", f + 1,
                            evox_clusters_get_feature_name (clusters, f));
  return g_string_free (text, FALSE);
}

EvoxCurveFigure *
evox_curve_figure_new_from_clusters (EvoxClusters *clusters)
{
  g_autoptr(EvoxCurveFigure) self = NULL;
  g_autofree char *x_title = NULL;
  g_autofree double *x = NULL;
  guint d;
  const double *axis;

  g_return_val_if_fail (EVOX_IS_CLUSTERS (clusters), NULL);

  d = evox_clusters_get_n_features (clusters);
  if (d == 0)
    return NULL;
  x_title = evox_curve_figure_axis_title (clusters, "Feature");
  self = evox_curve_figure_new (x_title, "Mean ± std");
  axis = evox_clusters_get_axis (clusters);
  x = g_new (double, d);
  for (guint f = 0; f < d; f++)
    x[f] = axis != NULL ? axis[f] : f + 1.0;
  for (guint id = 1; id <= evox_clusters_get_k (clusters); id++)
    if (evox_clusters_get_visible (clusters, id))
      evox_curve_figure_add_curve (self, x, evox_clusters_get_mean_curve (clusters, id),
                                   evox_clusters_get_std_curve (clusters, id), d,
                                   evox_clusters_get_color (clusters, id),
                                   evox_clusters_get_name (clusters, id));
  if (self->curves->len == 0)
    return NULL;
  return g_steal_pointer (&self);
}

static void
parse_color (const char *text,
             double      rgb[3])
{
  guint value = 0;

  rgb[0] = rgb[1] = rgb[2] = 0.5;
  if (text == NULL || text[0] != '#' || strlen (text) != 7)
    return;
  for (int i = 1; i < 7; i++)
    {
      int digit = g_ascii_xdigit_value (text[i]);

      if (digit < 0)
        return;
      value = value * 16 + (guint) digit;
    }
  rgb[0] = ((value >> 16) & 0xff) / 255.0;
  rgb[1] = ((value >> 8) & 0xff) / 255.0;
  rgb[2] = (value & 0xff) / 255.0;
}

void
evox_curve_figure_add_curve (EvoxCurveFigure *self,
                             const double    *x,
                             const double    *mean,
                             const double    *std,
                             guint            n,
                             const char      *color,
                             const char      *label)
{
  Curve curve = { 0 };

  g_return_if_fail (EVOX_IS_CURVE_FIGURE (self));
  g_return_if_fail (n == 0 || (x != NULL && mean != NULL));

  curve.x = g_memdup2 (x, sizeof (double) * n);
  curve.mean = g_memdup2 (mean, sizeof (double) * n);
  curve.std = std != NULL ? g_memdup2 (std, sizeof (double) * n) : NULL;
  curve.n = n;
  parse_color (color, curve.rgb);
  curve.label = g_strdup (label);
  g_array_append_val (self->curves, curve);
}

guint
evox_curve_figure_get_n_curves (EvoxCurveFigure *self)
{
  g_return_val_if_fail (EVOX_IS_CURVE_FIGURE (self), 0);
  return self->curves->len;
}

void
evox_curve_figure_panel_size (int  image_height,
                              int *width,
                              int *height)
{
  *height = MAX (image_height, 1);
  *width = MAX ((int) lround (*height * 1.25), 320);
}

/* Ranges and ticks */

/* The smallest 1, 2 or 5 times a power of ten at least value. Unlike evox_nice_ceil a tie is
 * within 1e-9 of value, not of its mantissa: kept so that figures stay as they were. */
static double
nice_ceil (double value)
{
  double power = pow (10, floor (log10 (value)));

  for (int i = 0; i < 2; i++, power *= 10)
    {
      if (value <= power * (1 + 1e-9))
        return power;
      if (value <= 2 * power * (1 + 1e-9))
        return 2 * power;
      if (value <= 5 * power * (1 + 1e-9))
        return 5 * power;
    }
  return power;
}

static inline double
point_std (const Curve *curve,
           guint        i)
{
  return curve->std != NULL && isfinite (curve->std[i]) ? curve->std[i] : 0;
}

static gboolean
find_ranges (EvoxCurveFigure *self,
             Layout          *layout)
{
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;

  for (guint c = 0; c < self->curves->len; c++)
    {
      const Curve *curve = &g_array_index (self->curves, Curve, c);

      for (guint i = 0; i < curve->n; i++)
        if (isfinite (curve->x[i]) && isfinite (curve->mean[i]))
          {
            evox_axis_widen (&x0, &x1, curve->x[i]);
            evox_axis_widen (&y0, &y1, curve->mean[i] - point_std (curve, i));
            evox_axis_widen (&y0, &y1, curve->mean[i] + point_std (curve, i));
          }
    }
  if (!(x0 <= x1 && y0 <= y1))
    return FALSE;
  evox_axis_pad_flat (&x0, &x1, 0.05, FALSE);
  evox_axis_pad_flat (&y0, &y1, 0.1, FALSE);
  layout->y_step = nice_ceil ((y1 - y0) / 4);
  evox_axis_snap_to_step (&y0, &y1, layout->y_step);
  layout->y0 = y0;
  layout->y1 = y1;
  layout->x0 = x0;
  layout->x1 = x1;
  return TRUE;
}

/* Steps finer than 1e-6 label with three significant digits. */
static char *
format_tick (double at,
             double step)
{
  return evox_axis_format_tick (at, step, 6);
}

/* Text */

static PangoLayout *
create_text (cairo_t *cr,
            double   scale)
{
  return evox_figure_text_layout_new (cr, FONT_SIZE * scale);
}

static void
measure (PangoLayout *layout,
         const char  *text,
         double      *width,
         double      *height)
{
  PangoRectangle logical;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_extents (layout, NULL, &logical);
  if (width != NULL)
    *width = logical.width / (double) PANGO_SCALE;
  if (height != NULL)
    *height = logical.height / (double) PANGO_SCALE;
}

static void
show_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y)
{
  pango_layout_set_text (layout, text, -1);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
}

/* Layout */

/* Four steps, or five when rounding both ends out adds one. */
static int
y_steps (const Layout *layout)
{
  return (int) lround ((layout->y1 - layout->y0) / layout->y_step);
}

static void
compute_layout (EvoxCurveFigure *self,
                PangoLayout     *text,
                int              width,
                int              height,
                Layout          *layout)
{
  double s = MAX (height / BASE_HEIGHT, 0.5);
  double widest = 0, legend = 0;

  layout->scale = s;
  measure (text, "0.9", NULL, &layout->text_height);
  for (int i = 0; i <= y_steps (layout); i++)
    {
      g_autofree char *label = format_tick (layout->y0 + i * layout->y_step, layout->y_step);
      double w;

      measure (text, label, &w, NULL);
      widest = MAX (widest, w);
    }
  for (guint c = 0; c < self->curves->len; c++)
    {
      const Curve *curve = &g_array_index (self->curves, Curve, c);
      double w;

      if (curve->label == NULL)
        continue;
      measure (text, curve->label, &w, NULL);
      legend = MAX (legend, w);
    }
  /* Long names are cut rather than squeezing the plot. */
  legend = MIN (legend, width * 0.3);
  layout->legend_width = legend > 0 ? SWATCH * s + 6 * s + legend : 0;

  layout->top = PAD * s + layout->text_height / 2;
  layout->bottom = height - (PAD * s + (TICK + 2) * s + layout->text_height +
                             (self->x_title != NULL ? layout->text_height + 4 * s : 0));
  layout->left = PAD * s + (self->y_title != NULL ? layout->text_height + 6 * s : 0) + widest +
                 (TICK + 4) * s;
  layout->legend_x = width - 2 * PAD * s - layout->legend_width;
  layout->right = layout->legend_x - (layout->legend_width > 0 ? 14 * s : 10 * s);
  if (layout->right - layout->left < 8)
    layout->right = layout->left + 8;
  if (layout->bottom - layout->top < 8)
    layout->bottom = layout->top + 8;

  /* About one x label per 90 pixels at 400 high. */
  layout->x_step = nice_ceil ((layout->x1 - layout->x0) /
                              MAX ((layout->right - layout->left) / (90 * s), 1));
}

static inline double
px_of (const Layout *layout,
       double        x)
{
  return layout->left + (x - layout->x0) / (layout->x1 - layout->x0) *
         (layout->right - layout->left);
}

static inline double
py_of (const Layout *layout,
       double        y)
{
  return layout->bottom - (y - layout->y0) / (layout->y1 - layout->y0) *
         (layout->bottom - layout->top);
}

static void
to_pixel (gconstpointer  frame,
          double         x,
          double         y,
          double        *px,
          double        *py)
{
  *px = px_of (frame, x);
  *py = py_of (frame, y);
}

static gboolean
prepare (EvoxCurveFigure *self,
         PangoLayout     *text,
         int              width,
         int              height,
         Layout          *layout)
{
  memset (layout, 0, sizeof *layout);
  if (!find_ranges (self, layout))
    return FALSE;
  compute_layout (self, text, width, height, layout);
  return TRUE;
}

gboolean
evox_curve_figure_data_to_pixel (EvoxCurveFigure *self,
                                 int              width,
                                 int              height,
                                 double           x,
                                 double           y,
                                 double          *px,
                                 double          *py)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  PangoLayout *text;
  Layout layout;
  gboolean ok;

  g_return_val_if_fail (EVOX_IS_CURVE_FIGURE (self), FALSE);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  text = create_text (cr, MAX (height / BASE_HEIGHT, 0.5));
  ok = prepare (self, text, width, height, &layout);
  if (ok)
    {
      *px = px_of (&layout, x);
      *py = py_of (&layout, y);
    }
  g_object_unref (text);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return ok;
}

/* Drawing */

static const double FG[3] = { 0.13, 0.13, 0.13 };

static void
draw_axes (EvoxCurveFigure *self,
           cairo_t         *cr,
           PangoLayout     *text,
           const Layout    *layout)
{
  double s = layout->scale;

  cairo_set_source_rgba (cr, FG[0], FG[1], FG[2], 0.5);
  cairo_set_line_width (cr, s);
  cairo_move_to (cr, layout->left - s / 2, layout->top);
  cairo_line_to (cr, layout->left - s / 2, layout->bottom + s / 2);
  cairo_line_to (cr, layout->right, layout->bottom + s / 2);
  cairo_stroke (cr);

  cairo_set_source_rgb (cr, FG[0], FG[1], FG[2]);
  for (int i = 0; i <= y_steps (layout); i++)
    {
      double at = layout->y0 + i * layout->y_step;
      double y = py_of (layout, at);
      g_autofree char *label = format_tick (at, layout->y_step);
      double w, h;

      cairo_move_to (cr, layout->left - s - TICK * s, y);
      cairo_line_to (cr, layout->left - s, y);
      cairo_stroke (cr);
      measure (text, label, &w, &h);
      show_text (cr, text, label, layout->left - (TICK + 4) * s - w, y - h / 2);
    }
  for (double at = ceil (layout->x0 / layout->x_step - 1e-9) * layout->x_step;
       at <= layout->x1 + layout->x_step * 1e-9; at += layout->x_step)
    {
      double x = px_of (layout, at);
      g_autofree char *label = format_tick (at, layout->x_step);
      double w;

      cairo_move_to (cr, x, layout->bottom + s);
      cairo_line_to (cr, x, layout->bottom + s + TICK * s);
      cairo_stroke (cr);
      measure (text, label, &w, NULL);
      show_text (cr, text, label, x - w / 2, layout->bottom + (TICK + 2) * s);
    }

  if (self->x_title != NULL)
    {
      double w;

      measure (text, self->x_title, &w, NULL);
      show_text (cr, text, self->x_title,
                 MAX ((layout->left + layout->right - w) / 2, PAD * s),
                 layout->bottom + (TICK + 2) * s + layout->text_height + 4 * s);
    }
  if (self->y_title != NULL)
    {
      double w;

      /* Turned a quarter left, centred on the axis. */
      measure (text, self->y_title, &w, NULL);
      cairo_save (cr);
      cairo_translate (cr, PAD * s, (layout->top + layout->bottom + MIN (w, layout->bottom -
                                                                          layout->top)) / 2);
      cairo_rotate (cr, -G_PI / 2);
      show_text (cr, text, self->y_title, 0, 0);
      cairo_restore (cr);
    }
}

/* Each run of finite points as one polygon: along mean + std, back along mean - std. A run of
 * one point is a short bar, so a single feature still shows its spread. */
static void
draw_band (cairo_t      *cr,
           const Layout *layout,
           const Curve  *curve)
{
  guint start = 0;

  cairo_set_source_rgba (cr, curve->rgb[0], curve->rgb[1], curve->rgb[2],
                         EVOX_CURVE_FIGURE_BAND_ALPHA);
  while (start < curve->n)
    {
      guint end = start;

      while (end < curve->n && isfinite (curve->x[end]) && isfinite (curve->mean[end]))
        end++;
      if (end == start + 1)
        {
          double half = 6 * layout->scale;
          double top = py_of (layout, curve->mean[start] + point_std (curve, start));
          double bottom = py_of (layout, curve->mean[start] - point_std (curve, start));

          cairo_rectangle (cr, px_of (layout, curve->x[start]) - half, top, 2 * half,
                           bottom - top);
          cairo_fill (cr);
        }
      else if (end > start)
        {
          for (guint i = start; i < end; i++)
            cairo_line_to (cr, px_of (layout, curve->x[i]),
                           py_of (layout, curve->mean[i] + point_std (curve, i)));
          for (guint i = end; i > start; i--)
            cairo_line_to (cr, px_of (layout, curve->x[i - 1]),
                           py_of (layout, curve->mean[i - 1] - point_std (curve, i - 1)));
          cairo_close_path (cr);
          cairo_fill (cr);
        }
      start = end + 1;
    }
}

static void
draw_line (cairo_t      *cr,
           const Layout *layout,
           const Curve  *curve)
{
  cairo_set_source_rgb (cr, curve->rgb[0], curve->rgb[1], curve->rgb[2]);
  cairo_set_line_width (cr, LINE_WIDTH * layout->scale);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  evox_axis_trace_line (cr, curve->x, curve->mean, curve->n, to_pixel, layout);
  cairo_stroke (cr);
  if (curve->n > MAX_POINTS_DRAWN)
    return;
  for (guint i = 0; i < curve->n; i++)
    if (isfinite (curve->x[i]) && isfinite (curve->mean[i]))
      {
        cairo_new_sub_path (cr);
        cairo_arc (cr, px_of (layout, curve->x[i]), py_of (layout, curve->mean[i]),
                   POINT_RADIUS * layout->scale, 0, 2 * G_PI);
        cairo_fill (cr);
      }
}

/* One name a row beside the plot, from its top, with a swatch of the band and the line. */
static void
draw_legend (EvoxCurveFigure *self,
             cairo_t         *cr,
             PangoLayout     *text,
             const Layout    *layout)
{
  double s = layout->scale, row = layout->text_height * 1.3;
  double y = layout->top;
  double text_x = layout->legend_x + SWATCH * s + 6 * s;

  if (layout->legend_width <= 0)
    return;
  pango_layout_set_width (text, (int) ((layout->legend_width - SWATCH * s - 6 * s) *
                                       PANGO_SCALE));
  pango_layout_set_ellipsize (text, PANGO_ELLIPSIZE_END);
  for (guint c = 0; c < self->curves->len; c++)
    {
      const Curve *curve = &g_array_index (self->curves, Curve, c);
      double middle = y + layout->text_height / 2;

      if (curve->label == NULL)
        continue;
      if (y + layout->text_height > layout->bottom + layout->text_height)
        break;
      cairo_set_source_rgba (cr, curve->rgb[0], curve->rgb[1], curve->rgb[2],
                             EVOX_CURVE_FIGURE_BAND_ALPHA);
      cairo_rectangle (cr, layout->legend_x, middle - 5 * s, SWATCH * s, 10 * s);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, curve->rgb[0], curve->rgb[1], curve->rgb[2]);
      cairo_rectangle (cr, layout->legend_x, middle - LINE_WIDTH * s / 2, SWATCH * s,
                       LINE_WIDTH * s);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, FG[0], FG[1], FG[2]);
      show_text (cr, text, curve->label, text_x, y);
      y += row;
    }
  pango_layout_set_width (text, -1);
}

void
evox_curve_figure_draw (EvoxCurveFigure *self,
                        cairo_t         *cr,
                        int              width,
                        int              height)
{
  g_autoptr(PangoLayout) text = NULL;
  Layout layout;

  g_return_if_fail (EVOX_IS_CURVE_FIGURE (self));
  g_return_if_fail (cr != NULL);

  text = create_text (cr, MAX (height / BASE_HEIGHT, 0.5));
  if (!prepare (self, text, width, height, &layout))
    return;
  cairo_save (cr);
  draw_axes (self, cr, text, &layout);

  cairo_save (cr);
  cairo_rectangle (cr, layout.left, layout.top, layout.right - layout.left,
                   layout.bottom - layout.top);
  cairo_clip (cr);
  /* The bands first, so no band hides another cluster's mean. */
  for (guint c = 0; c < self->curves->len; c++)
    draw_band (cr, &layout, &g_array_index (self->curves, Curve, c));
  cairo_restore (cr);

  cairo_save (cr);
  cairo_rectangle (cr, layout.left - 4 * layout.scale, layout.top - 4 * layout.scale,
                   layout.right - layout.left + 8 * layout.scale,
                   layout.bottom - layout.top + 8 * layout.scale);
  cairo_clip (cr);
  for (guint c = 0; c < self->curves->len; c++)
    draw_line (cr, &layout, &g_array_index (self->curves, Curve, c));
  cairo_restore (cr);

  draw_legend (self, cr, text, &layout);
  cairo_restore (cr);
}

/* Output */

static void
paint_background (cairo_t  *cr,
                  gboolean  transparent)
{
  if (transparent)
    return;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
}

guint8 *
evox_curve_figure_render_rgba (EvoxCurveFigure *self,
                               int              width,
                               int              height,
                               gboolean         transparent)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  const guint8 *data;
  guint8 *rgba;
  int stride;

  g_return_val_if_fail (EVOX_IS_CURVE_FIGURE (self), NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  /* Cairo refuses sides over 32767 and fails when memory runs out. */
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return NULL;
    }
  cr = cairo_create (surface);
  paint_background (cr, transparent);
  evox_curve_figure_draw (self, cr, width, height);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  /* Cairo keeps premultiplied native-endian ARGB words; the writers take straight RGBA. */
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  if (data == NULL || cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (surface);
      return NULL;
    }
  rgba = g_malloc ((gsize) width * height * 4);
  for (int y = 0; y < height; y++)
    {
      const guint32 *row = (const guint32 *) (data + (gsize) y * stride);
      guint8 *out = rgba + (gsize) y * width * 4;

      for (int x = 0; x < width; x++)
        {
          guint32 p = row[x];
          guint a = p >> 24;

          for (int c = 0; c < 3; c++)
            {
              guint v = (p >> (16 - 8 * c)) & 0xff;

              out[4 * x + c] = a == 0 ? 0 : (guint8) MIN ((v * 255 + a / 2) / a, 255);
            }
          out[4 * x + 3] = (guint8) a;
        }
    }
  cairo_surface_destroy (surface);
  return rgba;
}

guint8 *
evox_curve_figure_attach (EvoxCurveFigure *self,
                          const guint8    *rgba,
                          int              width,
                          int              height,
                          gboolean         transparent,
                          int             *out_width)
{
  g_autofree guint8 *panel = NULL;
  guint8 *joined;
  int panel_width, panel_height, total;

  g_return_val_if_fail (EVOX_IS_CURVE_FIGURE (self), NULL);
  g_return_val_if_fail (rgba != NULL && width > 0 && height > 0, NULL);
  g_return_val_if_fail (out_width != NULL, NULL);

  evox_curve_figure_panel_size (height, &panel_width, &panel_height);
  panel = evox_curve_figure_render_rgba (self, panel_width, panel_height, transparent);
  if (panel == NULL)
    return NULL;
  total = width + panel_width;
  joined = g_malloc ((gsize) total * height * 4);
  for (int y = 0; y < height; y++)
    {
      memcpy (joined + (gsize) y * total * 4, rgba + (gsize) y * width * 4, (gsize) width * 4);
      memcpy (joined + ((gsize) y * total + width) * 4, panel + (gsize) y * panel_width * 4,
              (gsize) panel_width * 4);
    }
  *out_width = total;
  return joined;
}

static cairo_status_t
append_bytes (void                *closure,
              const unsigned char *data,
              unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* Cairo's SVG draws text as glyph outlines; the names also go in as text, for search and
 * screen readers. */
static GBytes *
add_svg_text (EvoxCurveFigure *self,
              GByteArray      *svg)
{
  g_autoptr(GString) text = g_string_new_len ((const char *) svg->data, svg->len);
  g_autoptr(GString) meta = g_string_new ("\n<title>");
  const char *root = strstr (text->str, "<svg");
  const char *end = root != NULL ? strchr (root, '>') : NULL;
  g_autofree char *title = NULL;

  if (end == NULL)
    return g_bytes_new (svg->data, svg->len);
  title = g_markup_printf_escaped ("%s against %s", self->y_title != NULL ? self->y_title : "y",
                                   self->x_title != NULL ? self->x_title : "x");
  g_string_append (meta, title);
  g_string_append (meta, "</title>\n<desc>");
  for (guint c = 0; c < self->curves->len; c++)
    {
      const Curve *curve = &g_array_index (self->curves, Curve, c);
      g_autofree char *escaped = NULL;

      if (curve->label == NULL)
        continue;
      escaped = g_markup_escape_text (curve->label, -1);
      g_string_append_printf (meta, "%s%s", g_str_has_suffix (meta->str, "<desc>") ? "" : "\n",
                              escaped);
    }
  g_string_append (meta, "</desc>");
  g_string_insert (text, end + 1 - text->str, meta->str);
  return g_bytes_new (text->str, text->len);
}

typedef struct
{
  EvoxCurveFigure *self;
  int              width;
  int              height;
  gboolean         pdf;
} VectorJob;

static gboolean
write_vector (int          fd,
              const char  *path,
              gpointer     user_data,
              GError     **error)
{
  VectorJob *job = user_data;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) contents = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;
  const guint8 *data;
  gsize length;

  surface = job->pdf
            ? cairo_pdf_surface_create_for_stream (append_bytes, bytes, job->width, job->height)
            : cairo_svg_surface_create_for_stream (append_bytes, bytes, job->width, job->height);
  cr = cairo_create (surface);
  paint_background (cr, FALSE);
  evox_curve_figure_draw (job->self, cr, job->width, job->height);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_autofree char *display = g_filename_display_name (path);

      close (fd);
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED, "Cannot write %s: %s", display,
                   cairo_status_to_string (status));
      return FALSE;
    }
  contents = job->pdf ? g_bytes_new (bytes->data, bytes->len) : add_svg_text (job->self, bytes);
  data = g_bytes_get_data (contents, &length);
  return _evox_output_write_bytes (fd, data, length, path, error);
}

gboolean
evox_curve_figure_write (EvoxCurveFigure     *self,
                         const char          *path,
                         int                  width,
                         int                  height,
                         EvoxImageWriteFlags  flags,
                         GError             **error)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (EVOX_IS_CURVE_FIGURE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0, FALSE);

  lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".svg") || g_str_has_suffix (lower, ".pdf"))
    {
      VectorJob job = { self, width, height, g_str_has_suffix (lower, ".pdf") };

      return _evox_output_write (path, (flags & EVOX_IMAGE_WRITE_OVERWRITE) != 0, write_vector,
                                 &job, error);
    }
  if (evox_image_format_from_path (path) == EVOX_IMAGE_FORMAT_PNG)
    {
      g_autofree guint8 *rgba = evox_curve_figure_render_rgba (self, width, height, FALSE);

      if (rgba == NULL)
        {
          g_autofree char *display = g_filename_display_name (path);

          g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                       "Cannot write %s: a plot of %d x %d pixels is too large to draw", display,
                       width, height);
          return FALSE;
        }
      return evox_image_write (path, rgba, width, height, flags, error);
    }
  {
    g_autofree char *display = g_filename_display_name (path);

    g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                 "Cannot write %s: a plot is written as .png, .svg or .pdf", display);
  }
  return FALSE;
}

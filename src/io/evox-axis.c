/* evox-axis.c: the axis rules the page's plots and the figure files share. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-axis.h"

#include <math.h>

#include "evox-units.h"

void
evox_axis_widen (double *lo,
                 double *hi,
                 double  value)
{
  if (!isfinite (value))
    return;
  *lo = MIN (*lo, value);
  *hi = MAX (*hi, value);
}

void
evox_axis_pad_flat (double   *lo,
                    double   *hi,
                    double    fraction,
                    gboolean  keep_zero)
{
  double half;

  if (*hi > *lo)
    return;
  half = *lo != 0 ? fabs (*lo) * fraction : 0.5;
  if (!(keep_zero && *lo == 0))
    *lo -= half;
  *hi += half;
}

void
evox_axis_snap_to_step (double *lo,
                        double *hi,
                        double  step)
{
  /* The 1e-9 keeps an end already on a tick from moving a whole step out. */
  *lo = floor (*lo / step + 1e-9) * step;
  *hi = ceil (*hi / step - 1e-9) * step;
}

char *
evox_axis_format_tick (double value,
                       double step,
                       int    max_decimals)
{
  int decimals = step < 1 ? (int) ceil (-log10 (step) - 1e-9) : 0;

  /* A sum of steps that should be zero prints as 0, not -0.000 or 1e-17. */
  if (fabs (value) < step * 1e-6)
    value = 0;
  if (fabs (value) >= 1e6 || decimals > max_decimals)
    return g_strdup_printf ("%.3g", value);
  return g_strdup_printf ("%.*f", decimals, value);
}

char *
evox_axis_format_decade (int exponent)
{
  g_autofree char *power = g_strdup_printf ("10^%d", exponent);

  /* The units' superscripts (µm⁻³), written the one way. */
  return evox_units_dup_display (power);
}

void
evox_axis_trace_line (cairo_t         *cr,
                      const double    *x,
                      const double    *y,
                      guint            n,
                      EvoxAxisToPixel  to_pixel,
                      gconstpointer    frame)
{
  gboolean pen_down = FALSE;

  for (guint i = 0; i < n; i++)
    {
      double px, py;

      if (!isfinite (x[i]) || !isfinite (y[i]))
        {
          pen_down = FALSE;
          continue;
        }
      to_pixel (frame, x[i], y[i], &px, &py);
      if (pen_down)
        cairo_line_to (cr, px, py);
      else
        cairo_move_to (cr, px, py);
      pen_down = TRUE;
    }
}

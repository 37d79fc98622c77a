/* evox-axis.h: the axis rules the page's plots (EvoxPlot) and the figure files
 * (EvoxCurveFigure) share: data ranges, padding a flat range, round tick steps, tick labels,
 * and tracing a curve that breaks at missing points. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* Widens [lo, hi] to take in value; a NaN or infinite value is passed over. */
void   evox_axis_widen             (double   *lo,
                                    double   *hi,
                                    double    value);

/* A range with no width (hi <= lo) widened by `fraction` of |lo| to each side, or by 0.5 when
 * lo is 0; with keep_zero a lower end at 0 stays there (counts start at zero). A range with
 * width is left alone. */
void   evox_axis_pad_flat          (double   *lo,
                                    double   *hi,
                                    double    fraction,
                                    gboolean  keep_zero);

/* Widens [lo, hi] outwards to whole multiples of step, so both ends fall on ticks; an end
 * within 1e-9 of a step of a multiple stays on it. */
void   evox_axis_snap_to_step      (double   *lo,
                                    double   *hi,
                                    double    step);

/* A tick label on an axis stepped by `step`: as many decimals as the step needs, three
 * significant digits for |value| >= 1e6 or where more than `max_decimals` would be needed;
 * a value within step * 1e-6 of zero reads "0". */
char  *evox_axis_format_tick       (double    value,
                                    double    step,
                                    int       max_decimals);

/* A decade tick's label, 10 to the exponent in superscript digits ("10⁻³"), as the histogram
 * writes it. */
char  *evox_axis_format_decade     (int       exponent);

/* Where data point (x, y) falls in the drawing, for the frame a caller passes along. */
typedef void (*EvoxAxisToPixel) (gconstpointer  frame,
                                 double         x,
                                 double         y,
                                 double        *px,
                                 double        *py);

/* Adds the curve through the n points to the path of cr (nothing stroked): a point whose x or
 * y is NaN or infinite lifts the pen, so a gap shows where data is missing. */
void   evox_axis_trace_line        (cairo_t         *cr,
                                    const double    *x,
                                    const double    *y,
                                    guint            n,
                                    EvoxAxisToPixel  to_pixel,
                                    gconstpointer    frame);

G_END_DECLS

/* evox-histogram-view.c: the live histogram of a document's volume, with colour bar and range. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-histogram-view-private.h"
#include "evox-ui-util.h"
#include "evox-units.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define DEFAULT_N_BINS 128
#define MAX_N_BINS 4096

/* Layout in pixels. */
#define PAD 6
#define BAR_GAP 4
#define BAR_HEIGHT 10
#define SWATCH 10
#define EDGE_SLOP 5      /* how near a phase edge the pointer takes it */
#define FLAG_HEIGHT 5    /* the overlap stripe along the top of the plot */
#define GRIP_HEIGHT 18
#define OVERLAP_MIN 7    /* the narrowest overlap flag */
#define HANDLE_RADIUS 4  /* an opacity point's handle */
#define HANDLE_SLOP 7    /* how near a handle's centre the pointer takes it */

/* A zoomed axis reaches this fraction of the display range's width beyond either end. */
#define ZOOM_MARGIN 0.1

/* Scan colours for the per-layer mode: a ramp of neutral greys from light (shallow) to dark
 * (deep). Phase bands take tab10's saturated hues, so no scan looks like a phase (nor like the
 * band it sits under), and the ramp reads as depth; its ends stay visible on light and dark
 * themes. */
static const GdkRGBA scan_shallow = { 0.827f, 0.827f, 0.827f, 1.0f };
static const GdkRGBA scan_deep = { 0.290f, 0.290f, 0.290f, 1.0f };

#define END_INSET 6      /* the frame stands off the outermost bars by this much */
#define END_MIN_WIDTH 3  /* the outermost bars are at least this wide */

/* GNOME's blue accent: the range markers read on light and dark themes alike. */
static const GdkRGBA marker_color = { 0.208f, 0.518f, 0.894f, 1.0f };

/* Overlapping phases are flagged in warning-tape stripes (GNOME's warning yellow on near-black),
 * which no plain phase colour looks like. */
static const GdkRGBA flag_yellow = { 0.961f, 0.761f, 0.067f, 1.0f };
static const GdkRGBA flag_dark = { 0.141f, 0.122f, 0.192f, 1.0f };

/* The Volume view's opacity curve in GNOME's orange: no colour map's grey bars nor tab10 phase
 * band is drawn in it, and it reads on light and dark themes. */
static const GdkRGBA curve_color = { 1.0f, 0.471f, 0.0f, 1.0f };

typedef enum
{
  GRAB_NONE,
  GRAB_LO,     /* a phase's lower edge */
  GRAB_HI,     /* its upper edge */
  GRAB_BAND,   /* the whole band */
} Grab;

struct _EvoxHistogramView
{
  GtkWidget        parent_instance;

  EvoxDocument    *document;
  gulong           notify_id;
  EvoxPhaseList   *phases;         /* the document's */
  gulong           phases_changed_id;
  guint            n_bins_request;
  gboolean         zoom;           /* the axis spans the display range, not the data's */
  gboolean         zoom_default;   /* what the shown quantity asks for (energy maps zoom) */

  /* Derived from the document when bins_dirty is set; drawing never rescans anything. */
  gboolean         bins_dirty;
  gboolean         have_bins;
  guint            n_bins;
  guint            n_series;
  double           lo;
  double           hi;
  gboolean         log_bins;       /* bins evenly spaced in log10 of the value */
  gboolean         decades;        /* the axis coordinate is log10 of the quantity */
  gboolean         integer_bins;   /* bins hold whole values of integer data */
  gboolean         integer_values; /* u8/u16 data: phase edges take whole values */
  double          *counts;         /* n_bins: the total over the series */
  gboolean         zoomed;         /* lo..hi is the display range */
  double           n_left;         /* voxels below lo and above hi, off the zoomed axis */
  double           n_right;
  double          *series;         /* n_series * n_bins when n_series > 1 */
  GPtrArray       *legend;         /* one label per series in per-layer mode */
  char            *caption;        /* what is counted, where the bases differ */
  double           max_total;
  double           max_series;     /* the tallest bar of any one series */
  char            *title;

  GdkTexture      *colorbar;
  gboolean         colorbar_dirty;

  /* Geometry of the last layout, for the pointer. */
  graphene_rect_t  plot;
  graphene_rect_t  bar;
  int              hover_bin;
  const char      *cursor_name;    /* static strings */

  /* The phase being dragged, what of it, and where the drag began. */
  EvoxPhase       *drag_phase;
  Grab             drag_part;
  double           drag_x;
  double           drag_lo;
  double           drag_hi;
  gboolean         key_edge_hi;    /* the edge that arrow keys move: the last one dragged */

  /* The Volume view's opacity curve (the document's volume style), drawn and edited over the
   * bars while the view is Volume with the colour-map source. */
  EvoxVolumeStyle *style;
  gulong           style_changed_id;
  int              drag_point;     /* the point being dragged, or -1 */
  gboolean         drag_added;     /* this press added it: Escape takes it away again */
  double           drag_value;     /* where it was when the drag began */
  double           drag_opacity;
  double           grab_dx;        /* from the pointer to the handle's centre */
  double           grab_dy;
  int              selected_point; /* the point Delete removes: the last one pressed, or -1 */
  guint32          last_press_time;
  double           last_press[2];
  gboolean         dragging;       /* a phase or a point is being dragged */
};

G_DEFINE_FINAL_TYPE (EvoxHistogramView, evox_histogram_view, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_DOCUMENT,
  PROP_N_BINS,
  PROP_ZOOM,
  PROP_DRAGGING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Bins */

static void
invalidate_bins (EvoxHistogramView *self)
{
  self->bins_dirty = TRUE;
  self->colorbar_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
clear_bins (EvoxHistogramView *self)
{
  self->have_bins = FALSE;
  self->n_bins = 0;
  self->n_series = 0;
  self->max_total = 0;
  self->max_series = 0;
  self->hover_bin = -1;
  self->zoomed = FALSE;
  self->n_left = 0;
  self->n_right = 0;
  g_clear_pointer (&self->counts, g_free);
  g_clear_pointer (&self->series, g_free);
  g_clear_pointer (&self->legend, g_ptr_array_unref);
  g_clear_pointer (&self->caption, g_free);
  g_clear_pointer (&self->title, g_free);
}

static inline double
axis_coordinate (EvoxHistogramView *self,
                 double             value)
{
  if (!self->log_bins)
    return value;
  return value > 0 ? log10 (value) : NAN;
}

static inline double
axis_value (EvoxHistogramView *self,
            double             at)
{
  return self->log_bins ? pow (10.0, at) : at;
}

typedef enum
{
  SOURCE_VOLUME,
  SOURCE_SLICE,
  SOURCE_SCANS,     /* one series per measured scan */
  SOURCE_MEASURED,  /* the measured scans together */
} Source;

/* Narrows lo..hi to the display range (Low..High) and ZOOM_MARGIN of its width either side,
 * where that is a range on this axis: the energies of a XANES map's core and shell lie within a
 * few eV of each other while stray voxels stretch its data range over a hundred, so the peaks
 * would sit in a few pixels. The margin keeps the Low and High markers inside the plot and shows
 * a peak that Low or High cuts whole. */
static void
zoom_to_range (EvoxHistogramView *self,
               double            *lo,
               double            *hi)
{
  double range_lo, range_hi, a0, a1, margin;

  evox_document_get_range (self->document, &range_lo, &range_hi);
  if (self->log_bins)
    range_lo = MAX (range_lo, *lo);
  if (!(isfinite (range_lo) && isfinite (range_hi) && range_hi > range_lo))
    return;
  a0 = axis_coordinate (self, range_lo);
  a1 = axis_coordinate (self, range_hi);
  margin = ZOOM_MARGIN * (a1 - a0);
  *lo = axis_value (self, a0 - margin);
  *hi = axis_value (self, a1 + margin);
  self->zoomed = TRUE;
}

/* Picks the value range and bin count: the data range (widened to the measured scans', which
 * may lie between grid layers), from the smallest positive value when a log mapping spreads
 * linear data over decades, and whole values per bin for integer data so that no bar holds one
 * value more than its neighbours. */
static void
choose_bins (EvoxHistogramView *self,
             EvoxVolume        *volume,
             EvoxFineHistogram *hist,
             Source             source)
{
  EvoxValueScale scale =
    evox_volume_get_channel_value_scale (volume, evox_document_get_channel (self->document));
  double lo, hi;
  guint n = self->n_bins_request;

  evox_document_get_data_range (self->document, &lo, &hi);
  if (source == SOURCE_SCANS || source == SOURCE_MEASURED)
    {
      const EvoxStats *measured = evox_volume_get_measured_stats (volume);

      if (measured->n_finite > 0)
        {
          lo = MIN (lo, measured->min);
          hi = MAX (hi, measured->max);
        }
      hist = evox_volume_get_measured_fine_histogram (volume);
    }
  self->log_bins = FALSE;
  self->integer_bins = FALSE;
  self->integer_values = evox_volume_get_sample_type (volume) != EVOX_SAMPLE_F32;
  /* The shown channel's scale: a Clusters channel of ids on an SSRM stack has linear bins. */
  self->decades = scale == EVOX_SCALE_LOG10;

  if (scale == EVOX_SCALE_LINEAR &&
      evox_document_get_mapping (self->document) == EVOX_MAPPING_LOG)
    {
      double floor_value = evox_fine_histogram_get_smallest_positive (hist);

      if (floor_value > 0 && floor_value < hi)
        {
          lo = floor_value;
          self->log_bins = TRUE;
          self->decades = TRUE;
        }
    }

  if (self->zoom)
    zoom_to_range (self, &lo, &hi);

  if (!self->log_bins && evox_fine_histogram_is_exact (hist))
    {
      double n_values = floor (hi) - ceil (lo) + 1;
      double per_bin = ceil (n_values / n);

      n = (guint) ceil (n_values / per_bin);
      lo = ceil (lo) - 0.5;
      hi = lo + n * per_bin;
      self->integer_bins = TRUE;
    }
  else if (!(hi > lo))
    {
      lo -= 0.5;
      hi += 0.5;
    }

  self->lo = lo;
  self->hi = hi;
  self->n_bins = n;
}

/* Counts values straight from a scan, for scans too small for per-layer fine counts. */
static void
count_values (EvoxHistogramView *self,
              const float       *values,
              gsize              n_values,
              double            *counts)
{
  double u0 = axis_coordinate (self, self->lo);
  double u1 = axis_coordinate (self, self->hi);
  double scale = self->n_bins / (u1 - u0);

  for (gsize i = 0; i < n_values; i++)
    {
      double u = axis_coordinate (self, values[i]);
      gsize bin;

      if (!(u >= u0 && u <= u1))
        continue;
      bin = (gsize) ((u - u0) * scale);
      counts[MIN (bin, self->n_bins - 1)] += 1;
    }
}

static gboolean
derive_layers (EvoxHistogramView *self,
               EvoxVolume        *volume)
{
  EvoxFineHistogram *measured = evox_volume_get_measured_fine_histogram (volume);
  guint n_scans = evox_volume_get_n_scans (volume);
  gsize dims[3];

  if (measured == NULL || evox_fine_histogram_get_n_layers (measured) != n_scans)
    return FALSE;

  evox_volume_get_dims (volume, dims);
  self->n_series = n_scans;
  self->series = g_new0 (double, (gsize) n_scans * self->n_bins);
  self->legend = g_ptr_array_new_with_free_func (g_free);
  for (guint s = 0; s < n_scans; s++)
    {
      const EvoxScan *scan = evox_volume_get_scan (volume, s);
      double *counts = self->series + (gsize) s * self->n_bins;

      if (!evox_fine_histogram_display (measured, s, self->n_bins, self->lo, self->hi,
                                        self->log_bins, counts))
        count_values (self, scan->values, dims[0] * dims[1], counts);
      for (guint b = 0; b < self->n_bins; b++)
        self->counts[b] += counts[b];
      /* TRANSLATORS: the depth of a measured scan in the histogram's legend */
      g_ptr_array_add (self->legend, g_strdup_printf (_("z = %g nm"), scan->z_nm));
    }
  return TRUE;
}

static char *
make_title (EvoxVolume *volume,
            guint       channel)
{
  const char *quantity = evox_volume_get_channel_quantity (volume, channel);
  g_autofree char *unit = evox_units_dup_display (evox_volume_get_channel_unit (volume, channel));
  GString *title = g_string_new (NULL);

  g_string_append (title, quantity != NULL && *quantity ? quantity : _("Value"));
  if (unit != NULL && *unit)
    g_string_append_printf (title, " (%s)", unit);
  if (evox_volume_get_n_channels (volume) > 1)
    {
      g_autofree char *what = _evox_describe_channel (volume, channel);

      g_string_append_printf (title, " · %s", what);
    }
  return g_string_free (title, FALSE);
}

/* Says what the bars count in the words of the basis switch: "All 4 measured scans",
 * "Interpolated volume (14 layers)". */
static char *
make_caption (EvoxVolume *volume,
              EvoxBasis   basis)
{
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  if (basis == EVOX_BASIS_VOLUME)
    return g_strdup_printf (_("Interpolated volume (%u layers)"), (guint) dims[2]);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The measured scan", "All %u measured scans",
                                       evox_volume_get_n_scans (volume)),
                          evox_volume_get_n_scans (volume));
}

/* "312 voxels left of the axis, 4 right of it", NULL when none are off the zoomed axis. */
static char *
describe_outside (EvoxHistogramView *self)
{
  gulong left = (gulong) round (self->n_left), right = (gulong) round (self->n_right);

  if (left > 0 && right > 0)
    /* TRANSLATORS: voxels whose values lie off a zoomed histogram's axis */
    return g_strdup_printf (_("%lu voxels left of the axis, %lu right of it"), left, right);
  if (left > 0)
    return g_strdup_printf (ngettext ("%lu voxel left of the axis", "%lu voxels left of the axis",
                                      left), left);
  if (right > 0)
    return g_strdup_printf (ngettext ("%lu voxel right of the axis",
                                      "%lu voxels right of the axis", right), right);
  return NULL;
}

static void
update_description (EvoxHistogramView *self)
{
  g_autofree char *text = NULL;

  if (!self->have_bins)
    text = g_strdup (self->document != NULL && evox_document_get_volume (self->document) != NULL
                     ? _("No values") : _("No volume"));
  else if (self->n_series > 1)
    text = g_strdup_printf (_("Histogram of %s, %u bins, one series per measured scan"),
                            self->title, self->n_bins);
  else if (self->caption != NULL)
    text = g_strdup_printf (_("Histogram of %s, %u bins, %s"), self->title, self->n_bins,
                            self->caption);
  else
    text = g_strdup_printf (_("Histogram of %s, %u bins"), self->title, self->n_bins);
  if (self->have_bins && self->zoomed)
    {
      g_autofree char *outside = describe_outside (self);
      char *zoomed = g_strdup_printf (_("%s, zoomed to the colour range%s%s"), text,
                                      outside != NULL ? ": " : "",
                                      outside != NULL ? outside : "");

      g_free (text);
      text = zoomed;
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
ensure_bins (EvoxHistogramView *self)
{
  EvoxVolume *volume;
  EvoxFineHistogram *hist;
  Source source;
  gboolean ok;

  if (!self->bins_dirty)
    return;
  self->bins_dirty = FALSE;
  self->colorbar_dirty = TRUE;
  clear_bins (self);

  volume = self->document != NULL ? evox_document_get_volume (self->document) : NULL;
  hist = volume != NULL ? evox_document_get_histogram (self->document) : NULL;
  if (hist == NULL || evox_fine_histogram_get_n_finite (hist) == 0)
    {
      update_description (self);
      return;
    }

  /* The whole-data histogram counts what the fractions count (the document's basis); scans
   * are drawn one by one only when that is the measured scans. */
  if (evox_document_get_histogram_source (self->document) == EVOX_HISTOGRAM_SLICE)
    source = SOURCE_SLICE;
  else if (evox_document_get_effective_basis (self->document) == EVOX_BASIS_VOLUME)
    source = SOURCE_VOLUME;
  else if (evox_document_get_histogram_per_layer (self->document) &&
           evox_volume_get_n_scans (volume) >= 2)
    source = SOURCE_SCANS;
  else
    source = SOURCE_MEASURED;

  choose_bins (self, volume, hist, source);
  self->counts = g_new0 (double, self->n_bins);

  if (source == SOURCE_SLICE)
    {
      guint axis = evox_document_get_active_axis (self->document);

      ok = evox_document_slice_histogram (self->document, axis,
                                          evox_document_get_slice (self->document, axis),
                                          self->n_bins, self->lo, self->hi, self->log_bins,
                                          self->counts);
    }
  else if (source == SOURCE_SCANS)
    ok = derive_layers (self, volume);
  else
    ok = evox_fine_histogram_display (evox_document_get_basis_histogram (self->document), -1,
                                      self->n_bins, self->lo, self->hi, self->log_bins,
                                      self->counts);

  if (!ok)
    {
      clear_bins (self);
      update_description (self);
      return;
    }
  if (self->n_series == 0)
    self->n_series = 1;
  if (self->zoomed && source != SOURCE_SLICE)
    {
      EvoxFineHistogram *basis = evox_document_get_basis_histogram (self->document);

      self->n_left = evox_fine_histogram_range_fraction (basis, -INFINITY, self->lo);
      self->n_right = evox_fine_histogram_range_fraction (basis, self->hi, INFINITY);
    }
  for (guint b = 0; b < self->n_bins; b++)
    self->max_total = MAX (self->max_total, self->counts[b]);
  for (gsize i = 0; self->n_series > 1 && i < (gsize) self->n_series * self->n_bins; i++)
    self->max_series = MAX (self->max_series, self->series[i]);
  self->title = make_title (volume, evox_document_get_channel (self->document));
  if (source != SOURCE_SLICE &&
      evox_basis_has_choice (volume, evox_document_get_channel (self->document)))
    self->caption = make_caption (volume, evox_document_get_basis (self->document));
  self->have_bins = TRUE;
  update_description (self);
}

/* Document */

static gboolean
slice_source (EvoxHistogramView *self)
{
  return evox_document_get_histogram_source (self->document) == EVOX_HISTOGRAM_SLICE;
}

/* Energy maps open zoomed: their display range (median-centred 5..95 %) is where the phases
 * lie. The default is applied only when the kind of quantity changes, so a choice the user made
 * stays while they step through the channels of one stack. */
static void
follow_quantity (EvoxHistogramView *self)
{
  EvoxVolume *volume = self->document != NULL ? evox_document_get_volume (self->document) : NULL;
  gboolean energy = FALSE;

  if (volume != NULL)
    energy = g_strcmp0 (evox_volume_get_channel_quantity (
                          volume, evox_document_get_channel (self->document)), "energy") == 0;
  if (energy == self->zoom_default)
    return;
  self->zoom_default = energy;
  evox_histogram_view_set_zoom (self, energy);
}

static void
on_document_notify (EvoxHistogramView *self,
                    GParamSpec        *pspec,
                    EvoxDocument      *document)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "volume") || g_str_equal (name, "channel"))
    {
      follow_quantity (self);
      invalidate_bins (self);
    }
  else if (g_str_equal (name, "histogram-source") || g_str_equal (name, "histogram-per-layer") ||
      g_str_equal (name, "basis"))
    invalidate_bins (self);
  else if (g_str_equal (name, "mapping"))
    {
      EvoxVolume *volume = evox_document_get_volume (document);

      /* Only linear data changes its bins with the mapping (log-spaced bins for a log map). */
      if (volume != NULL &&
          evox_volume_get_channel_value_scale (volume, evox_document_get_channel (document)) ==
          EVOX_SCALE_LINEAR)
        invalidate_bins (self);
      self->colorbar_dirty = TRUE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else if (g_str_equal (name, "active-axis"))
    {
      if (slice_source (self))
        invalidate_bins (self);
    }
  else if (g_str_has_prefix (name, "slice-") && strlen (name) == 7)
    {
      guint axis = name[6] - 'x';

      if (slice_source (self) && axis == evox_document_get_active_axis (document))
        invalidate_bins (self);
    }
  else if (self->zoom && (g_str_equal (name, "range-lo") || g_str_equal (name, "range-hi")))
    invalidate_bins (self);
  else if (g_str_equal (name, "colormap") || g_str_equal (name, "range-lo") ||
           g_str_equal (name, "range-hi"))
    {
      self->colorbar_dirty = TRUE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else if (g_str_equal (name, "histogram-log-counts") || g_str_equal (name, "selected-phase") ||
           g_str_equal (name, "show-phases") || g_str_equal (name, "view"))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_style_changed (EvoxHistogramView *self)
{
  if (self->selected_point >= (int) evox_volume_style_get_n_points (self->style))
    self->selected_point = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_phases_changed (EvoxHistogramView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Labels */

static char *
format_count (double count)
{
  if (count >= 1e9)
    return g_strdup_printf ("%gG", count / 1e9);
  if (count >= 1e6)
    return g_strdup_printf ("%gM", count / 1e6);
  if (count >= 1e4)
    return g_strdup_printf ("%gk", count / 1e3);
  return g_strdup_printf ("%g", count);
}

/* Ticks */

typedef enum
{
  LABEL_LINEAR,   /* the coordinate itself */
  LABEL_EXP10,    /* 10^coordinate as a plain number */
  LABEL_COUNT,    /* a voxel count */
} LabelKind;

static char *
format_tick (double   at,
             double   step,
             gpointer user_data)
{
  switch ((LabelKind) GPOINTER_TO_INT (user_data))
    {
    case LABEL_EXP10:
      return g_strdup_printf ("%.3g", pow (10.0, at));
    case LABEL_COUNT:
      return format_count (at);
    case LABEL_LINEAR:
    default:
      return _evox_format_tick_value (at, step, 5);
    }
}

/* Evenly stepped ticks, widening the step until labels fit. */
static GArray *
stepped_ticks (PangoLayout *layout,
               double       a0,
               double       a1,
               double       length,
               gboolean     horizontal,
               double       min_step,
               LabelKind    kind)
{
  return _evox_stepped_ticks (layout, a0, a1, length, horizontal, horizontal ? 60 : 32, min_step,
                              format_tick, GINT_TO_POINTER (kind));
}

/* Ticks on a log10 axis: every integer decade (or every 2nd, 5th...) with minor ticks at 2..9
 * where there is room; over less than two decades, 1-2-5 values labelled as plain numbers. */
static GArray *
decade_ticks (PangoLayout *layout,
              double       a0,
              double       a1,
              double       length)
{
  GArray *ticks;
  double step = 1;

  if (floor (a1) - ceil (a0) < 1)
    {
      static const double mantissas[][9] = {
        { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 5 }, { 1 },
      };
      static const guint n_mantissas[] = { 9, 3, 1 };

      ticks = _evox_ticks_new ();
      for (guint set = 0; set < G_N_ELEMENTS (mantissas); set++)
        {
          g_array_set_size (ticks, 0);
          for (double e = floor (a0); e <= ceil (a1); e++)
            for (guint m = 0; m < n_mantissas[set]; m++)
              {
                double at = e + log10 (mantissas[set][m]);
                if (at >= a0 - 1e-9 && at <= a1 + 1e-9)
                  _evox_ticks_add (ticks, layout, at, g_strdup_printf ("%g", pow (10.0, at)));
              }
          if (ticks->len >= 2 && _evox_ticks_fit (ticks, a0, a1, length, TRUE))
            return ticks;
        }
      if (ticks->len >= 2)
        return ticks;
      g_array_unref (ticks);
      return stepped_ticks (layout, a0, a1, length, TRUE, 0, LABEL_EXP10);
    }

  ticks = _evox_ticks_new ();
  for (guint tries = 0; tries < 16; tries++, step = evox_nice_ceil (step * 1.5))
    {
      g_array_set_size (ticks, 0);
      for (double k = ceil (a0 / step); k <= floor (a1 / step); k++)
        _evox_ticks_add (ticks, layout, k * step, _evox_format_decade ((int) (k * step)));
      if (_evox_ticks_fit (ticks, a0, a1, length, TRUE))
        break;
    }

  /* Minor ticks at 2..9 times each decade, when decades are at least 30 pixels apart. */
  if (step == 1 && length / (a1 - a0) >= 30)
    for (double e = floor (a0); e <= a1; e++)
      for (int m = 2; m <= 9; m++)
        {
          double at = e + log10 (m);
          if (at >= a0 && at <= a1)
            _evox_ticks_add (ticks, NULL, at, NULL);
        }
  return ticks;
}

/* Count axis: linear (0 at the bottom) or log10 (from half a voxel, so single voxels show). */
#define LOG_COUNT_FLOOR (-0.30103)

static void
count_axis (EvoxHistogramView *self,
            double            *c0,
            double            *c1)
{
  if (evox_document_get_histogram_log_counts (self->document))
    {
      *c0 = LOG_COUNT_FLOOR;
      /* Scans drawn as lines (n_series > 1) need room for the tallest of them only. */
      double top = self->n_series > 1 ? self->max_series : self->max_total;

      *c1 = MAX (1.0, log10 (MAX (top, 1.0)) + 0.15);
    }
  else
    {
      *c0 = 0;
      *c1 = MAX (self->max_total * 1.05, 1.0);
    }
}

static GArray *
count_ticks (EvoxHistogramView *self,
             PangoLayout       *layout,
             double             length)
{
  double c0, c1;

  count_axis (self, &c0, &c1);
  if (evox_document_get_histogram_log_counts (self->document))
    {
      GArray *ticks = _evox_ticks_new ();
      double step = 1;

      for (guint tries = 0; tries < 8; tries++, step = evox_nice_ceil (step * 1.5))
        {
          g_array_set_size (ticks, 0);
          for (double k = 0; k <= floor (c1 / step); k++)
            _evox_ticks_add (ticks, layout, k * step, format_count (pow (10.0, k * step)));
          if (_evox_ticks_fit (ticks, c0, c1, length, FALSE))
            break;
        }
      return ticks;
    }
  return stepped_ticks (layout, c0, c1, length, FALSE, 1, LABEL_COUNT);
}

/* Geometry */

typedef struct
{
  int      width;
  int      height;
  int      text_height;
  int      legend_height;
  GArray  *count_ticks;
} Frame;

static GdkRGBA
series_color (EvoxHistogramView *self,
              guint              series)
{
  float t = self->n_series > 1 ? (float) series / (self->n_series - 1) : 0.0f;

  return (GdkRGBA) { scan_shallow.red + t * (scan_deep.red - scan_shallow.red),
                     scan_shallow.green + t * (scan_deep.green - scan_shallow.green),
                     scan_shallow.blue + t * (scan_deep.blue - scan_shallow.blue), 1.0f };
}

static int
legend_width (EvoxHistogramView *self,
              PangoLayout       *layout)
{
  int total = 0, text_width, text_height;

  for (guint s = 0; s < self->legend->len; s++)
    {
      _evox_measure_text (layout, g_ptr_array_index (self->legend, s), &text_width, &text_height);
      total += SWATCH + 4 + text_width + (s > 0 ? 12 : 0);
    }
  return total;
}

/* Lays out (and draws, given a snapshot) the per-layer legend in rows across the top; returns
 * its height. */
static int
legend (EvoxHistogramView *self,
        PangoLayout       *layout,
        int                width,
        GtkSnapshot       *snapshot,
        const GdkRGBA     *fg)
{
  int x = PAD, y = PAD, row_height = 0;
  int text_width, text_height;
  g_autofree char *heading = NULL;

  if (self->caption == NULL)
    return 0;
  heading = self->legend != NULL ? g_strconcat (self->caption, ":", NULL)
                                  : g_strdup (self->caption);

  /* The heading only where the entries then still fit on one row; alone it always shows. */
  _evox_measure_text (layout, heading, &text_width, &text_height);
  row_height = text_height;
  if (self->legend == NULL)
    {
      if (snapshot != NULL)
        _evox_draw_text (snapshot, layout, heading, x, y, fg);
      return row_height + 4;
    }
  if (legend_width (self, layout) + text_width + 8 <= width - 2 * PAD)
    {
      if (snapshot != NULL)
        _evox_draw_text (snapshot, layout, heading, x, y, fg);
      x += text_width + 8;
    }

  for (guint s = 0; s < self->legend->len; s++)
    {
      const char *label = g_ptr_array_index (self->legend, s);
      int entry;

      _evox_measure_text (layout, label, &text_width, &text_height);
      entry = SWATCH + 4 + text_width;
      if (x > PAD && x + entry > width - PAD)
        {
          x = PAD;
          y += row_height + 2;
        }
      if (snapshot != NULL)
        {
          GdkRGBA color = series_color (self, s);

          _evox_fill (snapshot, &color, x, y + (text_height - SWATCH) / 2.0, SWATCH, SWATCH);
          _evox_draw_text (snapshot, layout, label, x + SWATCH + 4, y, fg);
        }
      x += entry + 12;
    }
  return y + row_height + 4 - PAD;
}

static void
frame_clear (Frame *frame)
{
  g_clear_pointer (&frame->count_ticks, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Frame, frame_clear)

/* The opacity curve is drawn and edited only where it is what the Volume view shows: the colour
 * map's opacity (phases and clusters bring their own) in Composite mode (the projections and Iso
 * colour a pixel by one value, whatever its opacity). */
static gboolean
curve_shown (EvoxHistogramView *self)
{
  return self->have_bins && self->style != NULL &&
         evox_document_get_view (self->document) == EVOX_VIEW_VOLUME &&
         evox_volume_style_get_mode (self->style) == EVOX_RAY_COMPOSITE &&
         evox_volume_style_get_source (self->style) == EVOX_VOLUME_SOURCE_COLORMAP;
}

/* What the opacity axis's labels on the right need beyond the usual right margin. */
static int
curve_margin (EvoxHistogramView *self,
              PangoLayout       *layout)
{
  int width, height;

  if (!curve_shown (self))
    return 0;
  _evox_measure_text (layout, "0.5", &width, &height);
  return MAX (EVOX_TICK_LENGTH + EVOX_LABEL_GAP + width + 2 - (PAD + 8), 0);
}

/* Plot and colour bar rectangles for the widget's size; with bins, the count ticks too (the
 * left margin fits their labels). */
static void
layout_frame (EvoxHistogramView *self,
              PangoLayout       *layout,
              Frame             *frame)
{
  int left = PAD + 24, top, bottom, width, dummy;

  memset (frame, 0, sizeof *frame);
  frame->width = gtk_widget_get_width (GTK_WIDGET (self));
  frame->height = gtk_widget_get_height (GTK_WIDGET (self));
  _evox_measure_text (layout, "10⁸", &dummy, &frame->text_height);

  if (self->have_bins)
    frame->legend_height = legend (self, layout, frame->width, NULL, NULL);
  top = PAD + frame->legend_height + frame->text_height / 2;
  bottom = BAR_GAP + BAR_HEIGHT + EVOX_TICK_LENGTH + EVOX_LABEL_GAP + 2 * frame->text_height + 2 +
           PAD;

  if (self->have_bins)
    {
      double length = frame->height - top - bottom;

      frame->count_ticks = count_ticks (self, layout, MAX (length, 1));
      for (guint i = 0; i < frame->count_ticks->len; i++)
        {
          const EvoxTick *tick = &g_array_index (frame->count_ticks, EvoxTick, i);
          left = MAX (left, PAD + tick->width + EVOX_TICK_LENGTH + 4);
        }
    }

  /* The bars stand off the frame, so the outermost ones (the data's extremes) never hide under
   * it. */
  left += END_INSET;
  width = MAX (frame->width - left - PAD - 8 - END_INSET - curve_margin (self, layout), 0);
  self->plot = GRAPHENE_RECT_INIT (left, top, width, MAX (frame->height - top - bottom, 0));
  self->bar = GRAPHENE_RECT_INIT (left, top + self->plot.size.height + BAR_GAP, width,
                                  BAR_HEIGHT);
}

static inline double
plot_right (EvoxHistogramView *self)
{
  return self->plot.origin.x + self->plot.size.width;
}

static inline double
plot_bottom (EvoxHistogramView *self)
{
  return self->plot.origin.y + self->plot.size.height;
}

/* x of an axis coordinate. */
static double
axis_x (EvoxHistogramView *self,
        double             at)
{
  double a0 = axis_coordinate (self, self->lo);
  double a1 = axis_coordinate (self, self->hi);

  return self->plot.origin.x + (at - a0) / (a1 - a0) * self->plot.size.width;
}

static double
count_y (EvoxHistogramView *self,
         double             count,
         double             c0,
         double             c1,
         gboolean           log_counts)
{
  double c;

  if (log_counts)
    c = count > 0.5 ? log10 (count) : c0;
  else
    c = count;
  c = CLAMP (c, c0, c1);
  return plot_bottom (self) - (c - c0) / (c1 - c0) * self->plot.size.height;
}

/* Where an opacity point lies: x of a stored value (NAN off a log axis, at or below zero) and
 * y of an opacity, 0 at the plot's bottom and 1 at its top; and back, clamped to the plot. */
static double
curve_x (EvoxHistogramView *self,
         double             value)
{
  double at = axis_coordinate (self, value);

  return isnan (at) ? NAN : axis_x (self, at);
}

static double
opacity_y (EvoxHistogramView *self,
           double             opacity)
{
  return plot_bottom (self) - opacity * self->plot.size.height;
}

static double
x_value (EvoxHistogramView *self,
         double             x)
{
  double a0 = axis_coordinate (self, self->lo);
  double a1 = axis_coordinate (self, self->hi);
  double t = CLAMP ((x - self->plot.origin.x) / self->plot.size.width, 0.0, 1.0);

  return axis_value (self, a0 + t * (a1 - a0));
}

static double
y_opacity (EvoxHistogramView *self,
           double             y)
{
  return CLAMP ((plot_bottom (self) - y) / self->plot.size.height, 0.0, 1.0);
}

/* Colours */

/* The colour-map entry of a stored value, as the canvas colours it (NaN coordinates grey). */
static void
value_rgb (const guint8 (*table)[3],
           EvoxTransfer    transfer,
           double          range_lo,
           double          range_hi,
           double          value,
           guint8          rgb[3])
{
  double t = evox_display_coordinate (transfer, range_lo, range_hi, value);

  if (isnan (t) || table == NULL)
    {
      rgb[0] = rgb[1] = rgb[2] = 128;
      return;
    }
  t = CLAMP (t, 0.0, 1.0);
  memcpy (rgb, table[(int) lround (t * 255.0)], 3);
}

static void
ensure_colorbar (EvoxHistogramView *self,
                 int                width)
{
  const guint8 (*table)[3] = evox_colormap_get_table (evox_document_get_colormap (self->document));
  EvoxTransfer transfer = evox_document_get_transfer (self->document);
  double a0 = axis_coordinate (self, self->lo);
  double a1 = axis_coordinate (self, self->hi);
  double range_lo, range_hi;
  g_autoptr(GBytes) bytes = NULL;
  guint8 *pixels;

  if (self->colorbar != NULL && !self->colorbar_dirty &&
      gdk_texture_get_width (self->colorbar) == width)
    return;

  evox_document_get_range (self->document, &range_lo, &range_hi);
  pixels = g_malloc ((gsize) width * 3);
  for (int x = 0; x < width; x++)
    value_rgb (table, transfer, range_lo, range_hi,
               axis_value (self, a0 + (x + 0.5) / width * (a1 - a0)), pixels + 3 * x);
  bytes = g_bytes_new_take (pixels, (gsize) width * 3);
  g_clear_object (&self->colorbar);
  self->colorbar = gdk_memory_texture_new (width, 1, GDK_MEMORY_R8G8B8, bytes, (gsize) width * 3);
  self->colorbar_dirty = FALSE;
}

/* Snapshot */

static void
draw_box (GtkSnapshot           *snapshot,
          const graphene_rect_t *r,
          const GdkRGBA         *color)
{
  double x = r->origin.x, y = r->origin.y, w = r->size.width, h = r->size.height;

  _evox_fill (snapshot, color, x - 1, y - 1, w + 2, 1);
  _evox_fill (snapshot, color, x - 1, y + h, w + 2, 1);
  _evox_fill (snapshot, color, x - 1, y, 1, h);
  _evox_fill (snapshot, color, x + w, y, 1, h);
}

static void
draw_count_axis (EvoxHistogramView *self,
                 GtkSnapshot       *snapshot,
                 PangoLayout       *layout,
                 const Frame       *frame,
                 const GdkRGBA     *fg)
{
  double c0, c1;

  count_axis (self, &c0, &c1);
  _evox_draw_y_ticks (snapshot, layout, frame->count_ticks, &self->plot, c0, c1, frame->height,
                      fg);
}

/* Everything draw_bin needs, worked out once per frame. */
typedef struct
{
  gboolean        log_counts;
  gboolean        lines;       /* per-scan series as lines, not stacked */
  const guint8  (*table)[3];
  EvoxTransfer    transfer;
  double          a0, a1, c0, c1, r0, r1;
  double          range_lo, range_hi;
  GdkRGBA         outline;
} BarStyle;

static void
bar_style (EvoxHistogramView *self,
           const GdkRGBA     *fg,
           BarStyle          *style)
{
  style->log_counts = evox_document_get_histogram_log_counts (self->document);
  /* Stacked bars on a log axis make each scan look as tall as the whole stack. */
  style->lines = style->log_counts && self->n_series > 1;
  style->table = evox_colormap_get_table (evox_document_get_colormap (self->document));
  style->transfer = evox_document_get_transfer (self->document);
  style->a0 = axis_coordinate (self, self->lo);
  style->a1 = axis_coordinate (self, self->hi);
  evox_document_get_range (self->document, &style->range_lo, &style->range_hi);
  style->r0 = axis_coordinate (self, style->range_lo);
  style->r1 = axis_coordinate (self, style->range_hi);
  if (isnan (style->r0))
    style->r0 = -INFINITY;
  count_axis (self, &style->c0, &style->c1);
  style->outline = _evox_with_alpha (fg, 0.85f);
}

static void
bin_x (EvoxHistogramView *self,
       const BarStyle    *style,
       guint              b,
       double            *x0,
       double            *x1)
{
  *x0 = round (axis_x (self, style->a0 + (style->a1 - style->a0) * b / self->n_bins));
  *x1 = round (axis_x (self, style->a0 + (style->a1 - style->a0) * (b + 1) / self->n_bins));
}

/* One bar (or, as lines, its scans' steps) over [x0, x1); returns the y of its top. */
static double
draw_bin (EvoxHistogramView *self,
          GtkSnapshot       *snapshot,
          const BarStyle    *style,
          guint              b,
          double             x0,
          double             x1)
{
  double centre = style->a0 + (style->a1 - style->a0) * (b + 0.5) / self->n_bins;
  /* Bars outside the display range are dimmed: those voxels show in the end colours. */
  float alpha = centre >= style->r0 && centre <= style->r1 ? 1.0f : 0.4f;
  double top = round (count_y (self, self->counts[b], style->c0, style->c1, style->log_counts));

  if (style->lines)
    {
      for (guint s = 0; s < self->n_series; s++)
        {
          double y = round (count_y (self, self->series[(gsize) s * self->n_bins + b], style->c0,
                                     style->c1, style->log_counts));
          GdkRGBA color = series_color (self, s);

          color.alpha = alpha;
          if (y < plot_bottom (self))
            _evox_fill (snapshot, &color, x0, y - 1, x1 - x0, 2);
        }
      return plot_bottom (self);
    }
  if (self->n_series > 1)
    {
      double below = 0, y_below = plot_bottom (self);

      for (guint s = 0; s < self->n_series; s++)
        {
          double count = below + self->series[(gsize) s * self->n_bins + b];
          double y = round (count_y (self, count, style->c0, style->c1, style->log_counts));
          GdkRGBA color = series_color (self, s);

          color.alpha = alpha;
          _evox_fill (snapshot, &color, x0, y, x1 - x0, y_below - y);
          below = count;
          y_below = y;
        }
    }
  else
    {
      guint8 rgb[3];
      GdkRGBA color;

      value_rgb (style->table, style->transfer, style->range_lo, style->range_hi,
                 axis_value (self, centre), rgb);
      color = (GdkRGBA) { rgb[0] / 255.f, rgb[1] / 255.f, rgb[2] / 255.f, alpha };
      _evox_fill (snapshot, &color, x0, top, x1 - x0, plot_bottom (self) - top);
    }
  if (top < plot_bottom (self))
    _evox_fill (snapshot, &style->outline, x0, top - 1, x1 - x0, 1);
  return top;
}

/* Vertical steps joining the scans' lines from one bin to the next. */
static void
draw_line_steps (EvoxHistogramView *self,
                 GtkSnapshot       *snapshot,
                 const BarStyle    *style,
                 guint              b,
                 double             x)
{
  for (guint s = 0; s < self->n_series; s++)
    {
      const double *series = self->series + (gsize) s * self->n_bins;
      double y0 = round (count_y (self, series[b - 1], style->c0, style->c1, TRUE));
      double y1 = round (count_y (self, series[b], style->c0, style->c1, TRUE));
      GdkRGBA color = series_color (self, s);

      if (y0 != y1)
        _evox_fill (snapshot, &color, x - 1, MIN (y0, y1) - 1, 2, fabs (y1 - y0) + 2);
    }
}

static void
draw_bars (EvoxHistogramView *self,
           GtkSnapshot       *snapshot,
           const GdkRGBA     *fg)
{
  BarStyle style;
  double previous_top = plot_bottom (self);

  bar_style (self, fg, &style);
  for (guint b = 0; b < self->n_bins; b++)
    {
      double x0, x1, top;

      bin_x (self, &style, b, &x0, &x1);
      top = draw_bin (self, snapshot, &style, b, x0, x1);
      if (style.lines)
        {
          if (b > 0)
            draw_line_steps (self, snapshot, &style, b, x0);
          continue;
        }
      /* A step outline over the tops keeps dark colour-map ends visible on a dark theme. */
      if (top < plot_bottom (self) || previous_top < plot_bottom (self))
        _evox_fill (snapshot, &style.outline, x0 - 1, MIN (top, previous_top) - 1, 1,
                    fabs (top - previous_top) + 1);
      previous_top = top;
    }
  if (previous_top < plot_bottom (self))
    _evox_fill (snapshot, &style.outline, plot_right (self) - 1, previous_top - 1, 1,
                plot_bottom (self) - previous_top + 1);
}

/* The bars at the data's minimum and maximum again, over the range markers and phase edges
 * that stand on them, at least END_MIN_WIDTH wide: a binary volume is nothing but these two. */
static void
draw_end_bars (EvoxHistogramView *self,
               GtkSnapshot       *snapshot,
               const GdkRGBA     *fg)
{
  BarStyle style;
  guint ends[2] = { 0, self->n_bins - 1 };

  bar_style (self, fg, &style);
  for (guint i = 0; i < (self->n_bins > 1 ? 2u : 1u); i++)
    {
      guint b = ends[i];
      double x0, x1;

      if (!(self->counts[b] > 0))
        continue;
      bin_x (self, &style, b, &x0, &x1);
      if (x1 - x0 < END_MIN_WIDTH)
        {
          if (i == 0)
            x1 = x0 + END_MIN_WIDTH;
          else
            x0 = x1 - END_MIN_WIDTH;
        }
      draw_bin (self, snapshot, &style, b, x0, x1);
    }
}

static void
draw_hover (EvoxHistogramView *self,
            GtkSnapshot       *snapshot,
            const GdkRGBA     *fg)
{
  double a0 = axis_coordinate (self, self->lo);
  double a1 = axis_coordinate (self, self->hi);
  GdkRGBA band = _evox_with_alpha (fg, 0.15f);
  double x0, x1;

  if (self->hover_bin < 0 || (guint) self->hover_bin >= self->n_bins)
    return;
  x0 = round (axis_x (self, a0 + (a1 - a0) * self->hover_bin / self->n_bins));
  x1 = round (axis_x (self, a0 + (a1 - a0) * (self->hover_bin + 1) / self->n_bins));
  _evox_fill (snapshot, &band, x0, self->plot.origin.y, MAX (x1 - x0, 1), self->plot.size.height);
}

static void
draw_range (EvoxHistogramView *self,
            GtkSnapshot       *snapshot)
{
  double range_lo, range_hi, r0, r1, x0, x1;
  double top = self->plot.origin.y;
  double bottom = self->bar.origin.y + self->bar.size.height;
  GdkRGBA shade = { 0.5f, 0.5f, 0.5f, 0.22f };

  evox_document_get_range (self->document, &range_lo, &range_hi);
  r0 = axis_coordinate (self, range_lo);
  r1 = axis_coordinate (self, range_hi);
  x0 = isnan (r0) ? -INFINITY : axis_x (self, r0);
  x1 = isnan (r1) ? -INFINITY : axis_x (self, r1);

  _evox_fill (snapshot, &shade, self->plot.origin.x, top,
              CLAMP (x0, self->plot.origin.x, plot_right (self)) - self->plot.origin.x,
              self->plot.size.height);
  _evox_fill (snapshot, &shade, MAX (x1, self->plot.origin.x), top,
              plot_right (self) - CLAMP (x1, self->plot.origin.x, plot_right (self)),
              self->plot.size.height);

  for (int i = 0; i < 2; i++)
    {
      double x = round (i == 0 ? x0 : x1);

      if (!(x >= self->plot.origin.x - 0.5 && x <= plot_right (self) + 0.5))
        continue;
      _evox_fill (snapshot, &marker_color, x - 1, top, 2, bottom - top + 3);
      /* A tab on the side of the range it bounds. */
      _evox_fill (snapshot, &marker_color, i == 0 ? x - 1 : x - 6, top, 7, 5);
      _evox_fill (snapshot, &marker_color, i == 0 ? x - 1 : x - 6, bottom, 7, 3);
    }
}

/* Phases */

static int
selected_phase (EvoxHistogramView *self)
{
  int selected;

  if (self->phases == NULL)
    return -1;
  selected = evox_document_get_selected_phase (self->document);
  return selected < (int) evox_phase_list_get_n_phases (self->phases) ? selected : -1;
}

/* Indices of the visible phases in drawing order: list order, the selected one last (on top). */
static GArray *
visible_phases (EvoxHistogramView *self)
{
  GArray *order = g_array_new (FALSE, FALSE, sizeof (guint));
  guint n = self->phases != NULL ? evox_phase_list_get_n_phases (self->phases) : 0;
  int selected = selected_phase (self);

  for (guint i = 0; i < n; i++)
    if ((int) i != selected && evox_phase_get_visible (evox_phase_list_get_phase (self->phases, i)))
      g_array_append_val (order, i);
  if (selected >= 0 && evox_phase_get_visible (evox_phase_list_get_phase (self->phases, selected)))
    {
      guint last = selected;
      g_array_append_val (order, last);
    }
  return order;
}

/* The smallest and largest value an edge may take on the plotted axis. */
static void
value_limits (EvoxHistogramView *self,
              double            *min,
              double            *max)
{
  *min = self->integer_values ? ceil (self->lo) : self->lo;
  *max = self->integer_values ? floor (self->hi) : self->hi;
}

static double
snap_value (EvoxHistogramView *self,
            double             value)
{
  double min, max;

  value_limits (self, &min, &max);
  if (self->integer_values)
    value = round (value);
  return CLAMP (value, min, max);
}

/* x of the lo (hi FALSE) or hi edge of the closed range around value: integer data covers the
 * whole bars of its first and last values. Values off a log axis lie at -infinity. */
static double
edge_x (EvoxHistogramView *self,
        double             value,
        gboolean           hi)
{
  double at;

  if (self->integer_values)
    value += hi ? 0.5 : -0.5;
  at = axis_coordinate (self, value);
  return axis_x (self, isnan (at) ? -INFINITY : at);
}

/* Where a phase's edge is drawn; FALSE when its value is off the plotted axis. */
static gboolean
phase_edge_x (EvoxHistogramView *self,
              EvoxPhase         *phase,
              gboolean           hi,
              double            *x)
{
  double value = hi ? evox_phase_get_hi (phase) : evox_phase_get_lo (phase);
  double min, max;

  value_limits (self, &min, &max);
  if (!(value >= min && value <= max))
    return FALSE;
  *x = CLAMP (edge_x (self, value, hi), self->plot.origin.x, plot_right (self));
  return TRUE;
}

/* The part of the plot that a closed value range covers; FALSE when none. */
static gboolean
range_span (EvoxHistogramView *self,
            double             lo,
            double             hi,
            double            *x0,
            double            *x1)
{
  double a = edge_x (self, lo, FALSE), b = edge_x (self, hi, TRUE);

  if (!(b >= self->plot.origin.x && a <= plot_right (self)))
    return FALSE;
  *x0 = MAX (a, self->plot.origin.x);
  *x1 = MIN (b, plot_right (self));
  return TRUE;
}

static gboolean
band_span (EvoxHistogramView *self,
           EvoxPhase         *phase,
           double            *x0,
           double            *x1)
{
  return range_span (self, evox_phase_get_lo (phase), evox_phase_get_hi (phase), x0, x1);
}

static int
compare_stretches (gconstpointer a,
                   gconstpointer b)
{
  const double *sa = a, *sb = b;

  return (sa[0] > sb[0]) - (sa[0] < sb[0]);
}

static EvoxSampleType
sample_type (EvoxHistogramView *self)
{
  EvoxVolume *volume = self->document != NULL ? evox_document_get_volume (self->document) : NULL;

  return volume != NULL ? evox_volume_get_sample_type (volume) : EVOX_SAMPLE_F32;
}

/* Value stretches that two or more visible phases share, as (from, to) pairs: the stored values
 * common to each pair that overlaps as the phase rows say (evox_phase_overlaps: a shared edge
 * is no overlap), merged where no stored value parts them. O(phases^2), and there are few phases. */
static GArray *
find_overlaps (EvoxHistogramView *self)
{
  GArray *stretches = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, 2 * sizeof (double));
  g_autoptr(GArray) order = visible_phases (self);
  EvoxSampleType type = sample_type (self);

  for (guint i = 0; i < order->len; i++)
    for (guint j = i + 1; j < order->len; j++)
      {
        EvoxPhase *a = evox_phase_list_get_phase (self->phases, g_array_index (order, guint, i));
        EvoxPhase *b = evox_phase_list_get_phase (self->phases, g_array_index (order, guint, j));
        float fa[2], fb[2];
        double both[2];

        if (!evox_phase_overlaps (a, b, type))
          continue;
        evox_sample_type_inner_range (type, evox_phase_get_lo (a), evox_phase_get_hi (a),
                                      &fa[0], &fa[1]);
        evox_sample_type_inner_range (type, evox_phase_get_lo (b), evox_phase_get_hi (b),
                                      &fb[0], &fb[1]);
        both[0] = MAX (fa[0], fb[0]);
        both[1] = MIN (fa[1], fb[1]);
        g_array_append_val (pairs, both);
      }
  g_array_sort (pairs, compare_stretches);

  for (guint i = 0; i < pairs->len; i++)
    {
      const double *pair = &g_array_index (pairs, double, 2 * i);

      double next = 0;

      /* Stretches with no stored value between them are one. */
      if (stretches->len > 0)
        {
          float last = g_array_index (stretches, double, stretches->len - 1);
          next = type == EVOX_SAMPLE_F32 ? nextafterf (last, INFINITY) : last + 1.0;
        }
      if (stretches->len > 0 && pair[0] <= next)
        {
          double *to = &g_array_index (stretches, double, stretches->len - 1);
          *to = MAX (*to, pair[1]);
        }
      else
        g_array_append_vals (stretches, pair, 2);
    }
  return stretches;
}

/* Where an overlap is flagged: at least OVERLAP_MIN pixels wide, so that a single shared value
 * shows beside the edge lines on it. */
static gboolean
overlap_span (EvoxHistogramView *self,
              double             from,
              double             to,
              double            *x0,
              double            *x1)
{
  if (!range_span (self, from, to, x0, x1))
    return FALSE;
  if (*x1 - *x0 < OVERLAP_MIN)
    {
      double centre = (*x0 + *x1) / 2;

      *x0 = centre - OVERLAP_MIN / 2.0;
      *x1 = centre + OVERLAP_MIN / 2.0;
    }
  return TRUE;
}

static GdkRGBA
phase_color (EvoxPhase *phase,
             float      alpha)
{
  float rgba[4];

  evox_phase_get_rgba (phase, rgba);
  return (GdkRGBA) { rgba[0], rgba[1], rgba[2], alpha };
}

/* Black or white, whichever reads on the colour. */
static GdkRGBA
contrast_color (const GdkRGBA *color,
                float          alpha)
{
  double luminance = 0.2126 * color->red + 0.7152 * color->green + 0.0722 * color->blue;

  return luminance > 0.5 ? (GdkRGBA) { 0, 0, 0, alpha } : (GdkRGBA) { 1, 1, 1, alpha };
}

/* Diagonal stripes: `first` over the first share of each period, `second` over the rest. */
static void
draw_stripes (GtkSnapshot   *snapshot,
              double         x,
              double         y,
              double         width,
              double         height,
              const GdkRGBA *first,
              const GdkRGBA *second,
              float          share,
              double         period)
{
  const GskColorStop stops[] = {
    { 0, *first }, { share, *first }, { share, *second }, { 1, *second },
  };

  if (width <= 0 || height <= 0)
    return;
  gtk_snapshot_append_repeating_linear_gradient (snapshot,
                                                 &GRAPHENE_RECT_INIT (x, y, width, height),
                                                 &GRAPHENE_POINT_INIT (x, y),
                                                 &GRAPHENE_POINT_INIT (x + period / 2,
                                                                       y + period / 2),
                                                 stops, G_N_ELEMENTS (stops));
}

static void
draw_bands (EvoxHistogramView *self,
            GtkSnapshot       *snapshot,
            GArray            *order,
            int                selected)
{
  /* Without show-phases the canvas ignores phases: their bands fade but stay editable. */
  float fade = evox_document_get_show_phases (self->document) ? 1.0f : 0.4f;

  for (guint i = 0; i < order->len; i++)
    {
      guint index = g_array_index (order, guint, i);
      EvoxPhase *phase = evox_phase_list_get_phase (self->phases, index);
      GdkRGBA color = phase_color (phase, ((int) index == selected ? 0.38f : 0.22f) * fade);
      double x0, x1;

      if (band_span (self, phase, &x0, &x1))
        _evox_fill (snapshot, &color, x0, self->plot.origin.y, x1 - x0, self->plot.size.height);
    }
}

/* Overlaps are hatched over the bars (under the edges) and get a warning stripe along the top
 * (over the edges, which may cover a narrow overlap). */
static void
draw_overlaps (EvoxHistogramView *self,
               GtkSnapshot       *snapshot,
               GArray            *stretches,
               gboolean           stripe)
{
  GdkRGBA hatch = _evox_with_alpha (&flag_yellow, 0.5f), clear = { 0, 0, 0, 0 };
  double top = self->plot.origin.y;

  for (guint i = 0; i + 1 < stretches->len; i += 2)
    {
      double x0, x1;

      if (!overlap_span (self, g_array_index (stretches, double, i),
                         g_array_index (stretches, double, i + 1), &x0, &x1))
        continue;
      if (stripe)
        draw_stripes (snapshot, x0, top, x1 - x0, FLAG_HEIGHT, &flag_yellow, &flag_dark, 0.5f, 8);
      else
        draw_stripes (snapshot, x0, top, x1 - x0, self->plot.size.height, &hatch, &clear,
                      0.35f, 8);
    }
}

static void
draw_edges (EvoxHistogramView *self,
            GtkSnapshot       *snapshot,
            PangoLayout       *layout,
            GArray            *order,
            int                selected)
{
  double top = self->plot.origin.y;
  double bottom = self->bar.origin.y + self->bar.size.height;
  double middle = round (top + self->plot.size.height / 2);
  GdkRGBA outline = { 0, 0, 0, 0.45f };

  for (guint i = 0; i < order->len; i++)
    {
      guint index = g_array_index (order, guint, i);
      EvoxPhase *phase = evox_phase_list_get_phase (self->phases, index);
      gboolean strong = (int) index == selected;
      GdkRGBA color = phase_color (phase, 1.0f);
      GdkRGBA grip_lines = contrast_color (&color, 0.75f);
      int line = strong ? 3 : 2, grip = strong ? 9 : 7;
      const char *name = evox_phase_get_name (phase);
      double x0, x1;

      for (int hi = 0; hi < 2; hi++)
        {
          double x;

          if (!phase_edge_x (self, phase, hi, &x))
            continue;
          x = round (x);
          _evox_fill (snapshot, &color, x - line / 2, top, line, bottom - top);
          /* A grip at mid-height says the edge can be taken. */
          draw_box (snapshot, &GRAPHENE_RECT_INIT (x - grip / 2, middle - GRIP_HEIGHT / 2,
                                                   grip, GRIP_HEIGHT), &outline);
          _evox_fill (snapshot, &color, x - grip / 2, middle - GRIP_HEIGHT / 2, grip, GRIP_HEIGHT);
          _evox_fill (snapshot, &grip_lines, x - 1, middle - GRIP_HEIGHT / 2 + 4, 1,
                      GRIP_HEIGHT - 8);
          _evox_fill (snapshot, &grip_lines, x + 1, middle - GRIP_HEIGHT / 2 + 4, 1,
                      GRIP_HEIGHT - 8);
        }

      /* The name on a tag at the top, where the band is wide enough for it. */
      if (name != NULL && *name && band_span (self, phase, &x0, &x1))
        {
          GdkRGBA tag = phase_color (phase, strong ? 0.95f : 0.8f);
          GdkRGBA text = contrast_color (&tag, 1.0f);
          int width, height;

          _evox_measure_text (layout, name, &width, &height);
          if (width + 4 + 2 * (line + 2) <= x1 - x0)
            {
              double x = round (x0) + line + 1, y = top + FLAG_HEIGHT + 2;

              _evox_fill (snapshot, &tag, x, y, width + 4, height);
              _evox_draw_text (snapshot, layout, name, x + 2, y, &text);
            }
        }
    }
}

/* Bands over the bars, overlaps hatched, then edges and names, then the overlap stripes. */
static void
draw_phases (EvoxHistogramView *self,
             GtkSnapshot       *snapshot,
             PangoLayout       *layout)
{
  g_autoptr(GArray) order = visible_phases (self);
  g_autoptr(GArray) stretches = NULL;
  int selected = selected_phase (self);

  if (order->len == 0)
    return;
  stretches = find_overlaps (self);
  draw_bands (self, snapshot, order, selected);
  draw_overlaps (self, snapshot, stretches, FALSE);
  draw_edges (self, snapshot, layout, order, selected);
  draw_overlaps (self, snapshot, stretches, TRUE);
}

static void
draw_value_axis (EvoxHistogramView *self,
                 GtkSnapshot       *snapshot,
                 PangoLayout       *layout,
                 const Frame       *frame,
                 const GdkRGBA     *fg)
{
  double a0 = axis_coordinate (self, self->lo);
  double a1 = axis_coordinate (self, self->hi);
  double bar_bottom = self->bar.origin.y + self->bar.size.height;
  g_autoptr(GArray) ticks = NULL;
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));

  if (self->decades)
    ticks = decade_ticks (layout, a0, a1, self->plot.size.width);
  else
    ticks = stepped_ticks (layout, a0, a1, self->plot.size.width, TRUE,
                           self->integer_bins ? 1 : 0, LABEL_LINEAR);

  ensure_colorbar (self, MAX ((int) ceil (self->bar.size.width * scale), 1));
  gtk_snapshot_append_texture (snapshot, self->colorbar, &self->bar);

  _evox_draw_x_ticks (snapshot, layout, ticks, &self->plot, a0, a1, bar_bottom, frame->width, fg);
  _evox_draw_title (snapshot, layout, self->title, &self->plot,
                    bar_bottom + EVOX_TICK_LENGTH + EVOX_LABEL_GAP + frame->text_height + 2, fg);
}

static void
draw_message (EvoxHistogramView *self,
              GtkSnapshot       *snapshot,
              PangoLayout       *layout,
              const char        *message,
              const GdkRGBA     *fg)
{
  GdkRGBA text = _evox_with_alpha (fg, 0.6f);
  int width, height;

  _evox_measure_text (layout, message, &width, &height);
  _evox_draw_text (snapshot, layout, message,
                   self->plot.origin.x + (self->plot.size.width - width) / 2,
                   self->plot.origin.y + (self->plot.size.height - height) / 2, &text);
}

/* The voxels off a zoomed axis, counted in the plot's top corners at the side they lie on, so
 * that a zoom never hides that the data go on. */
static void
draw_outside (EvoxHistogramView *self,
              GtkSnapshot       *snapshot,
              PangoLayout       *layout,
              const GdkRGBA     *fg)
{
  GdkRGBA text = _evox_with_alpha (fg, 0.75f);
  double y = self->plot.origin.y + FLAG_HEIGHT + 2;
  int width, height;

  if (!self->zoomed)
    return;
  if (self->n_left >= 0.5)
    {
      /* TRANSLATORS: voxels below a zoomed histogram's axis, drawn at its left end */
      g_autofree char *label = g_strdup_printf (_("◂ %.0f below"), self->n_left);

      _evox_draw_text (snapshot, layout, label, self->plot.origin.x + 3, y, &text);
    }
  if (self->n_right >= 0.5)
    {
      /* TRANSLATORS: voxels above a zoomed histogram's axis, drawn at its right end */
      g_autofree char *label = g_strdup_printf (_("%.0f above ▸"), self->n_right);

      _evox_measure_text (layout, label, &width, &height);
      _evox_draw_text (snapshot, layout, label, plot_right (self) - 3 - width, y, &text);
    }
}

/* The opacity axis, 0 to 1 up the frame's right side, in the curve's colour. */
static void
draw_opacity_axis (EvoxHistogramView *self,
                   GtkSnapshot       *snapshot,
                   PangoLayout       *layout)
{
  static const char *labels[] = { "0", NULL, "0.5", NULL, "1" };
  double right = plot_right (self) + END_INSET;

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      double y = round (opacity_y (self, i / 4.0));
      int width, height;

      _evox_fill (snapshot, &curve_color, right, y,
                  labels[i] != NULL ? EVOX_TICK_LENGTH : EVOX_TICK_LENGTH / 2, 1);
      if (labels[i] == NULL)
        continue;
      _evox_measure_text (layout, labels[i], &width, &height);
      _evox_draw_text (snapshot, layout, labels[i], right + EVOX_TICK_LENGTH + EVOX_LABEL_GAP,
                       y - height / 2.0, &curve_color);
    }
}

/* The curve as the renderer samples it, through every pixel column and every point (a step
 * between two points of one value, a narrow peak between two columns), clipped to the plot; then
 * the handles of the points on the axis, the selected one hollow. */
static void
draw_curve (EvoxHistogramView *self,
            GtkSnapshot       *snapshot,
            PangoLayout       *layout)
{
  guint n = evox_volume_style_get_n_points (self->style);
  double x0 = self->plot.origin.x, x1 = plot_right (self);
  int columns = MAX ((int) ceil (self->plot.size.width), 1);
  graphene_rect_t area = self->plot;
  cairo_t *cr;
  guint p = 0;

  draw_opacity_axis (self, snapshot, layout);
  graphene_rect_inset (&area, -(HANDLE_RADIUS + 2), -(HANDLE_RADIUS + 2));
  cr = gtk_snapshot_append_cairo (snapshot, &area);
  cairo_save (cr);
  cairo_rectangle (cr, x0, self->plot.origin.y, self->plot.size.width, self->plot.size.height);
  cairo_clip (cr);
  for (int c = 0; c <= columns; c++)
    {
      double x = x0 + (x1 - x0) * c / columns;

      for (; p < n; p++)
        {
          double value, opacity, px;

          evox_volume_style_get_point (self->style, p, &value, &opacity);
          px = curve_x (self, value);
          if (!isnan (px) && px >= x)
            break;
          if (!isnan (px) && px >= x0)
            cairo_line_to (cr, px, opacity_y (self, opacity));
        }
      cairo_line_to (cr, x, opacity_y (self, evox_volume_style_opacity_at (self->style,
                                                                           x_value (self, x))));
    }
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  gdk_cairo_set_source_rgba (cr, &curve_color);
  cairo_stroke (cr);
  cairo_restore (cr);

  for (guint i = 0; i < n; i++)
    {
      double value, opacity, px;

      evox_volume_style_get_point (self->style, i, &value, &opacity);
      px = curve_x (self, value);
      if (!(px >= x0 - 0.5 && px <= x1 + 0.5))
        continue;
      cairo_arc (cr, px, opacity_y (self, opacity), HANDLE_RADIUS, 0, 2 * G_PI);
      if ((int) i == self->selected_point)
        cairo_set_source_rgb (cr, 1, 1, 1);
      else
        gdk_cairo_set_source_rgba (cr, &curve_color);
      cairo_fill_preserve (cr);
      cairo_set_line_width (cr, (int) i == self->selected_point ? 2 : 1);
      if ((int) i == self->selected_point)
        gdk_cairo_set_source_rgba (cr, &curve_color);
      else
        cairo_set_source_rgba (cr, 0, 0, 0, 0.7);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
evox_histogram_view_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  EvoxHistogramView *self = EVOX_HISTOGRAM_VIEW (widget);
  g_autoptr(PangoLayout) layout = _evox_create_small_layout (GTK_WIDGET (self));
  g_auto(Frame) frame = { 0 };
  GdkRGBA fg, frame_color;
  graphene_rect_t boxed;

  ensure_bins (self);
  _evox_get_foreground (widget, &fg);
  frame_color = _evox_with_alpha (&fg, 0.35f);
  layout_frame (self, layout, &frame);

  if (self->plot.size.width < 8 || self->plot.size.height < 8)
    return;
  boxed = self->plot;
  boxed.origin.x -= END_INSET;
  boxed.size.width += 2 * END_INSET;

  if (!self->have_bins)
    {
      gboolean has_volume = self->document != NULL &&
                            evox_document_get_volume (self->document) != NULL;

      draw_box (snapshot, &boxed, &frame_color);
      draw_message (self, snapshot, layout, has_volume ? _("No values") : _("No volume"), &fg);
      return;
    }

  draw_count_axis (self, snapshot, layout, &frame, &fg);
  draw_hover (self, snapshot, &fg);
  draw_bars (self, snapshot, &fg);
  draw_box (snapshot, &boxed, &frame_color);
  draw_value_axis (self, snapshot, layout, &frame, &fg);
  draw_range (self, snapshot);
  draw_phases (self, snapshot, layout);
  draw_end_bars (self, snapshot, &fg);
  draw_outside (self, snapshot, layout, &fg);
  if (curve_shown (self))
    draw_curve (self, snapshot, layout);
  legend (self, layout, frame.width, snapshot, &fg);
}

/* Pointer */

static int
bin_at (EvoxHistogramView *self,
        double             x,
        double             y)
{
  double t;

  ensure_bins (self);
  if (!self->have_bins || self->plot.size.width <= 0)
    return -1;
  if (y < self->plot.origin.y || y > self->bar.origin.y + self->bar.size.height)
    return -1;
  t = (x - self->plot.origin.x) / self->plot.size.width;
  if (!(t >= 0 && t < 1))
    return -1;
  return (int) (t * self->n_bins);
}

static gboolean ensure_layout (EvoxHistogramView *self);

static void
set_cursor (EvoxHistogramView *self,
            const char        *name)
{
  if (g_strcmp0 (self->cursor_name, name) == 0)
    return;
  self->cursor_name = name;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), name);
}

typedef struct
{
  int   phase;
  Grab  part;
} Hit;

/* The phase part under the pointer: the nearest edge within EDGE_SLOP pixels (on a tie, the one
 * drawn on top, and of a band's two edges the one on the pointer's side), else the topmost band
 * over the plot. Edges of the whole height (plot and colour bar) count, bands only on the plot.
 * The caller brings the layout up to date. */
static Hit
hit_test (EvoxHistogramView *self,
          double             x,
          double             y)
{
  Hit hit = { -1, GRAB_NONE };
  g_autoptr(GArray) order = NULL;
  double best = EDGE_SLOP + 1e-6;

  if (self->phases == NULL ||
      y < self->plot.origin.y || y > self->bar.origin.y + self->bar.size.height)
    return hit;

  order = visible_phases (self);
  for (guint i = order->len; i-- > 0;)
    {
      guint index = g_array_index (order, guint, i);
      EvoxPhase *phase = evox_phase_list_get_phase (self->phases, index);

      for (int hi = 0; hi < 2; hi++)
        {
          double edge, distance;

          if (!phase_edge_x (self, phase, hi, &edge))
            continue;
          distance = fabs (x - edge);
          if (distance < best || (distance <= best && hit.phase == (int) index && hi && x > edge))
            {
              best = distance;
              hit.phase = index;
              hit.part = hi ? GRAB_HI : GRAB_LO;
            }
        }
    }
  if (hit.part != GRAB_NONE || y > plot_bottom (self))
    return hit;

  for (guint i = order->len; i-- > 0;)
    {
      guint index = g_array_index (order, guint, i);
      EvoxPhase *phase = evox_phase_list_get_phase (self->phases, index);
      double x0, x1;

      /* A band with an edge off a log axis (at or below zero) cannot move along it. */
      if (self->log_bins && !(evox_phase_get_lo (phase) > 0))
        continue;
      if (band_span (self, phase, &x0, &x1) && x >= x0 && x <= x1)
        {
          hit.phase = index;
          hit.part = GRAB_BAND;
          break;
        }
    }
  return hit;
}

/* The opacity point whose handle is within HANDLE_SLOP pixels of (x, y), the nearest; -1 when
 * none is. Only handles drawn (on the plotted axis) count. */
static int
point_at (EvoxHistogramView *self,
          double             x,
          double             y)
{
  guint n = evox_volume_style_get_n_points (self->style);
  double best = HANDLE_SLOP + 1e-6;
  int found = -1;

  for (guint i = 0; i < n; i++)
    {
      double value, opacity, px, d;

      evox_volume_style_get_point (self->style, i, &value, &opacity);
      px = curve_x (self, value);
      if (!(px >= self->plot.origin.x - 0.5 && px <= plot_right (self) + 0.5))
        continue;
      d = hypot (x - px, y - opacity_y (self, opacity));
      if (d < best)
        {
          best = d;
          found = (int) i;
        }
    }
  return found;
}

/* Whether (x, y) is over the plot, a handle's reach around it included. */
static gboolean
over_plot (EvoxHistogramView *self,
           double             x,
           double             y)
{
  return x >= self->plot.origin.x - HANDLE_SLOP && x <= plot_right (self) + HANDLE_SLOP &&
         y >= self->plot.origin.y - HANDLE_SLOP && y <= plot_bottom (self) + HANDLE_SLOP;
}

/* Whether (x, y) lies on the curve's line (within EDGE_SLOP pixels up or down). */
static gboolean
on_curve (EvoxHistogramView *self,
          double             x,
          double             y)
{
  double opacity;

  if (!(x >= self->plot.origin.x && x <= plot_right (self)))
    return FALSE;
  opacity = evox_volume_style_opacity_at (self->style, x_value (self, x));
  return fabs (y - opacity_y (self, opacity)) <= EDGE_SLOP;
}

const char *
_evox_histogram_view_cursor_at (EvoxHistogramView *self,
                                double             x,
                                double             y)
{
  Hit hit;

  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), NULL);

  if (!ensure_layout (self))
    return NULL;
  if (curve_shown (self) && over_plot (self, x, y) && point_at (self, x, y) >= 0)
    return "grab";
  hit = hit_test (self, x, y);
  if (hit.part != GRAB_LO && hit.part != GRAB_HI && curve_shown (self) && on_curve (self, x, y))
    return "copy";
  switch (hit.part)
    {
    case GRAB_LO:
    case GRAB_HI:
      return "col-resize";
    case GRAB_BAND:
      return "grab";
    case GRAB_NONE:
    default:
      return NULL;
    }
}

static void
update_dragging (EvoxHistogramView *self)
{
  gboolean dragging = self->drag_phase != NULL || self->drag_point >= 0;

  if (self->dragging == dragging)
    return;
  self->dragging = dragging;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAGGING]);
}

static void
drag_clear (EvoxHistogramView *self)
{
  g_clear_object (&self->drag_phase);
  self->drag_part = GRAB_NONE;
  self->drag_point = -1;
  self->drag_added = FALSE;
  update_dragging (self);
}

/* Holds point `index` for a drag that began at (x, y); a point just added sits under the
 * pointer, one grabbed by its handle keeps its offset from it. */
static void
begin_point_drag (EvoxHistogramView *self,
                  guint              index,
                  double             x,
                  double             y,
                  gboolean           added)
{
  double value, opacity;

  evox_volume_style_get_point (self->style, index, &value, &opacity);
  self->drag_point = (int) index;
  self->drag_added = added;
  self->drag_value = value;
  self->drag_opacity = opacity;
  self->grab_dx = added ? 0 : curve_x (self, value) - x;
  self->grab_dy = added ? 0 : opacity_y (self, opacity) - y;
  self->selected_point = (int) index;
  set_cursor (self, "grabbing");
  update_dragging (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static guint
add_point_at (EvoxHistogramView *self,
              double             x,
              double             y)
{
  return evox_volume_style_add_point (self->style, x_value (self, x), y_opacity (self, y));
}

gboolean
_evox_histogram_view_drag_begin (EvoxHistogramView *self,
                                 double             x,
                                 double             y)
{
  return _evox_histogram_view_press (self, x, y, 0, 1);
}

/* With the curve shown, a press takes, in this order: a point's handle (the point, even over a
 * phase edge: the handle is the smaller target); with Ctrl or as a double click, a new point
 * under the pointer; a phase edge; the curve's line (a new point there); a phase band. */
gboolean
_evox_histogram_view_press (EvoxHistogramView *self,
                            double             x,
                            double             y,
                            GdkModifierType    state,
                            guint              n_press)
{
  EvoxPhase *phase;
  Hit hit;
  gboolean curve;

  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);

  drag_clear (self);
  if (!ensure_layout (self))
    return FALSE;
  curve = curve_shown (self);
  if (curve)
    {
      if (self->selected_point >= 0)
        gtk_widget_queue_draw (GTK_WIDGET (self));
      self->selected_point = -1;
    }
  if (curve && over_plot (self, x, y))
    {
      int point = point_at (self, x, y);

      if (point >= 0)
        {
          begin_point_drag (self, point, x, y, FALSE);
          return TRUE;
        }
      if ((state & GDK_CONTROL_MASK) != 0 || n_press >= 2)
        {
          begin_point_drag (self, add_point_at (self, x, y), x, y, TRUE);
          return TRUE;
        }
    }
  hit = hit_test (self, x, y);
  if (hit.part != GRAB_LO && hit.part != GRAB_HI && curve && on_curve (self, x, y))
    {
      begin_point_drag (self, add_point_at (self, x, y), x, y, TRUE);
      return TRUE;
    }
  if (hit.part == GRAB_NONE)
    return FALSE;

  phase = evox_phase_list_get_phase (self->phases, hit.phase);
  self->drag_phase = g_object_ref (phase);
  self->drag_part = hit.part;
  self->drag_x = x;
  self->drag_lo = evox_phase_get_lo (phase);
  self->drag_hi = evox_phase_get_hi (phase);
  if (hit.part != GRAB_BAND)
    self->key_edge_hi = hit.part == GRAB_HI;
  set_cursor (self, hit.part == GRAB_BAND ? "grabbing" : "col-resize");
  update_dragging (self);
  evox_document_set_selected_phase (self->document, hit.phase);
  return TRUE;
}

/* Right-click on a handle: the point goes. */
gboolean
_evox_histogram_view_secondary_press (EvoxHistogramView *self,
                                      double             x,
                                      double             y)
{
  int point;

  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);

  if (self->dragging || !ensure_layout (self) || !curve_shown (self) || !over_plot (self, x, y))
    return FALSE;
  point = point_at (self, x, y);
  if (point < 0)
    return FALSE;
  self->selected_point = -1;
  evox_volume_style_remove_point (self->style, point);
  return TRUE;
}

/* The pointer at (x, y) moves the held point, by the offset it was grabbed at: its value from
 * the value axis (clamped to it), its opacity from the plot's height. The curve re-sorts, so the
 * point's index follows it. */
static void
update_point_drag (EvoxHistogramView *self,
                   double             x,
                   double             y)
{
  if ((guint) self->drag_point >= evox_volume_style_get_n_points (self->style))
    {
      /* The curve was replaced under the drag (Reset curve). */
      drag_clear (self);
      return;
    }
  self->drag_point = (int) evox_volume_style_move_point (self->style, self->drag_point,
                                                         x_value (self, x + self->grab_dx),
                                                         y_opacity (self, y + self->grab_dy));
  self->selected_point = self->drag_point;
}

/* The band moved by shift along the axis, kept whole and on the axis (a band already beyond an
 * end may not go further that way). */
static void
move_band (EvoxHistogramView *self,
           double             shift,
           double            *lo,
           double            *hi)
{
  double min, max;

  value_limits (self, &min, &max);
  if (self->log_bins)
    {
      double u0 = log10 (self->drag_lo), u1 = log10 (self->drag_hi);

      shift = CLAMP (shift, MIN (0, log10 (min) - u0), MAX (0, log10 (max) - u1));
      *lo = pow (10.0, u0 + shift);
      *hi = pow (10.0, u1 + shift);
      if (self->integer_values)
        {
          *lo = round (*lo);
          *hi = round (*hi);
        }
      return;
    }
  if (self->integer_values)
    shift = round (shift);
  shift = CLAMP (shift, MIN (0, min - self->drag_lo), MAX (0, max - self->drag_hi));
  *lo = self->drag_lo + shift;
  *hi = self->drag_hi + shift;
}

/* The value the edge that started at `value` has once the pointer moved by shift (axis units). */
static double
moved_edge (EvoxHistogramView *self,
            double             value,
            double             shift)
{
  return snap_value (self, axis_value (self, axis_coordinate (self, value) + shift));
}

void
_evox_histogram_view_drag_update (EvoxHistogramView *self,
                                  double             x,
                                  double             y)
{
  double shift, lo, hi;

  g_return_if_fail (EVOX_IS_HISTOGRAM_VIEW (self));

  if (self->drag_point >= 0 && ensure_layout (self))
    {
      update_point_drag (self, x, y);
      return;
    }
  if (self->drag_phase == NULL || !ensure_layout (self))
    return;
  shift = (x - self->drag_x) / self->plot.size.width *
          (axis_coordinate (self, self->hi) - axis_coordinate (self, self->lo));
  lo = evox_phase_get_lo (self->drag_phase);
  hi = evox_phase_get_hi (self->drag_phase);
  switch (self->drag_part)
    {
    case GRAB_LO:
      lo = MIN (moved_edge (self, self->drag_lo, shift), hi);
      break;
    case GRAB_HI:
      hi = MAX (moved_edge (self, self->drag_hi, shift), lo);
      break;
    case GRAB_BAND:
      move_band (self, shift, &lo, &hi);
      break;
    case GRAB_NONE:
    default:
      g_assert_not_reached ();
    }
  evox_phase_set_range (self->drag_phase, lo, hi);
}

void
_evox_histogram_view_drag_end (EvoxHistogramView *self,
                               double             x,
                               double             y)
{
  g_return_if_fail (EVOX_IS_HISTOGRAM_VIEW (self));

  if (!self->dragging)
    return;
  _evox_histogram_view_drag_update (self, x, y);
  drag_clear (self);
  set_cursor (self, _evox_histogram_view_cursor_at (self, x, y));
}

gboolean
_evox_histogram_view_drag_cancel (EvoxHistogramView *self)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);

  if (self->drag_point >= 0)
    {
      guint point = self->drag_point;

      self->drag_point = -1;
      if (point < evox_volume_style_get_n_points (self->style))
        {
          if (self->drag_added)
            {
              self->selected_point = -1;
              evox_volume_style_remove_point (self->style, point);
            }
          else
            self->selected_point = (int) evox_volume_style_move_point (self->style, point,
                                                                       self->drag_value,
                                                                       self->drag_opacity);
        }
      drag_clear (self);
      set_cursor (self, NULL);
      return TRUE;
    }
  if (self->drag_phase == NULL)
    return FALSE;
  evox_phase_set_range (self->drag_phase, self->drag_lo, self->drag_hi);
  drag_clear (self);
  set_cursor (self, NULL);
  return TRUE;
}

gboolean
_evox_histogram_view_key_pressed (EvoxHistogramView *self,
                                  guint              keyval,
                                  GdkModifierType    state)
{
  EvoxPhase *phase;
  double step, lo, hi;
  int selected;

  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);

  if (keyval == GDK_KEY_Escape)
    return _evox_histogram_view_drag_cancel (self);
  if ((keyval == GDK_KEY_Delete || keyval == GDK_KEY_KP_Delete || keyval == GDK_KEY_BackSpace) &&
      !self->dragging && self->selected_point >= 0 && ensure_layout (self) &&
      curve_shown (self) &&
      (guint) self->selected_point < evox_volume_style_get_n_points (self->style))
    {
      guint point = self->selected_point;

      self->selected_point = -1;
      evox_volume_style_remove_point (self->style, point);
      return TRUE;
    }
  if (keyval == GDK_KEY_Left || keyval == GDK_KEY_KP_Left)
    step = -1;
  else if (keyval == GDK_KEY_Right || keyval == GDK_KEY_KP_Right)
    step = 1;
  else
    return FALSE;

  selected = selected_phase (self);
  if (self->drag_phase != NULL || selected < 0 || !ensure_layout (self))
    return FALSE;
  phase = evox_phase_list_get_phase (self->phases, selected);
  if (!evox_phase_get_visible (phase))
    return FALSE;

  /* One bar of the display, ten with Shift. */
  step *= (state & GDK_SHIFT_MASK ? 10 : 1) *
          (axis_coordinate (self, self->hi) - axis_coordinate (self, self->lo)) / self->n_bins;
  lo = evox_phase_get_lo (phase);
  hi = evox_phase_get_hi (phase);
  if (self->key_edge_hi)
    {
      if (!isfinite (axis_coordinate (self, hi)))
        return FALSE;
      hi = MAX (moved_edge (self, hi, step), lo);
    }
  else
    {
      if (!isfinite (axis_coordinate (self, lo)))
        return FALSE;
      lo = MIN (moved_edge (self, lo, step), hi);
    }
  evox_phase_set_range (phase, lo, hi);
  return TRUE;
}

/* 2 when this press follows the last within the double-click time and distance, else 1: the
 * drag gesture sees every press, so it counts them itself rather than beside a click gesture
 * that a claimed drag would cancel. */
static guint
count_press (EvoxHistogramView *self,
             GtkGesture        *gesture,
             double             x,
             double             y)
{
  guint32 now = gtk_event_controller_get_current_event_time (GTK_EVENT_CONTROLLER (gesture));
  int time_ms = 400, distance = 5;
  gboolean twice;

  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-double-click-time", &time_ms,
                "gtk-double-click-distance", &distance, NULL);
  twice = self->last_press_time != 0 && now - self->last_press_time <= (guint32) time_ms &&
          fabs (x - self->last_press[0]) <= distance && fabs (y - self->last_press[1]) <= distance;
  /* A third press begins a new count. */
  self->last_press_time = twice ? 0 : now;
  self->last_press[0] = x;
  self->last_press[1] = y;
  return twice ? 2 : 1;
}

static void
on_drag_begin (GtkGestureDrag    *gesture,
               double             x,
               double             y,
               EvoxHistogramView *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (
    GTK_EVENT_CONTROLLER (gesture));

  if (!_evox_histogram_view_press (self, x, y, state, count_press (self, GTK_GESTURE (gesture),
                                                                   x, y)))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  /* So that Escape and the arrow keys reach the view. */
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
on_drag_update (GtkGestureDrag    *gesture,
                double             dx,
                double             dy,
                EvoxHistogramView *self)
{
  double x, y;

  if (gtk_gesture_drag_get_start_point (gesture, &x, &y))
    _evox_histogram_view_drag_update (self, x + dx, y + dy);
}

static void
on_drag_end (GtkGestureDrag    *gesture,
             double             dx,
             double             dy,
             EvoxHistogramView *self)
{
  double x, y;

  if (gtk_gesture_drag_get_start_point (gesture, &x, &y))
    _evox_histogram_view_drag_end (self, x + dx, y + dy);
}

static void
on_drag_cancel (GtkGesture        *gesture,
                GdkEventSequence  *sequence,
                EvoxHistogramView *self)
{
  _evox_histogram_view_drag_cancel (self);
}

static void
on_secondary_pressed (GtkGestureClick   *gesture,
                      int                n_press,
                      double             x,
                      double             y,
                      EvoxHistogramView *self)
{
  if (_evox_histogram_view_secondary_press (self, x, y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                EvoxHistogramView     *self)
{
  return _evox_histogram_view_key_pressed (self, keyval, state);
}

static void
on_motion (EvoxHistogramView *self,
           double             x,
           double             y)
{
  int bin = bin_at (self, x, y);

  if (!self->dragging)
    set_cursor (self, _evox_histogram_view_cursor_at (self, x, y));
  if (bin == self->hover_bin)
    return;
  self->hover_bin = bin;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (EvoxHistogramView *self)
{
  on_motion (self, -1, -1);
}

static char *
format_edge (EvoxHistogramView *self,
             double             at)
{
  double value = axis_value (self, at);

  if (self->decades && !self->log_bins)
    value = pow (10.0, value);
  return g_strdup_printf ("%.3g", value);
}

/* The hover text of bar `bin`: its value range in the shown channel's unit, and its counts. */
char *
_evox_histogram_view_dup_bin_text (EvoxHistogramView *self,
                                   guint              bin)
{
  double a0, a1, lo, hi;
  g_autofree char *unit = NULL;
  GString *text;
  EvoxVolume *volume;

  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), NULL);
  ensure_bins (self);
  if (!self->have_bins || bin >= self->n_bins || self->document == NULL ||
      evox_document_get_volume (self->document) == NULL)
    return NULL;

  volume = evox_document_get_volume (self->document);
  unit = evox_units_dup_display (evox_volume_get_channel_unit (volume,
                                                              evox_document_get_channel (
                                                                self->document)));
  a0 = axis_coordinate (self, self->lo);
  a1 = axis_coordinate (self, self->hi);
  lo = a0 + (a1 - a0) * bin / self->n_bins;
  hi = a0 + (a1 - a0) * (bin + 1) / self->n_bins;
  text = g_string_new (NULL);

  if (self->integer_bins)
    {
      double first = ceil (lo), last = ceil (hi) - 1;

      if (first == last)
        g_string_append_printf (text, "%.0f", first);
      else
        g_string_append_printf (text, "%.0f – %.0f", first, last);
    }
  else
    {
      g_autofree char *from = format_edge (self, lo);
      g_autofree char *to = format_edge (self, hi);

      g_string_append_printf (text, "%s – %s", from, to);
    }
  if (unit != NULL && *unit)
    g_string_append_printf (text, " %s", unit);
  if (self->decades && !self->log_bins)
    g_string_append_printf (text, " (log₁₀ %.2f – %.2f)", lo, hi);

  g_string_append_c (text, '\n');
  /* TRANSLATORS: the number of voxels in a histogram bar */
  g_string_append_printf (text, ngettext ("%.0f voxel", "%.0f voxels",
                                          (gulong) round (self->counts[bin])),
                          self->counts[bin]);
  for (guint s = 0; self->n_series > 1 && s < self->n_series; s++)
    g_string_append_printf (text, "\n%s: %.0f", (char *) g_ptr_array_index (self->legend, s),
                            self->series[(gsize) s * self->n_bins + bin]);
  return g_string_free (text, FALSE);
}

gboolean
_evox_histogram_view_get_decades (EvoxHistogramView *self)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);
  ensure_bins (self);
  return self->have_bins && self->decades;
}

static gboolean
on_query_tooltip (EvoxHistogramView *self,
                  int                x,
                  int                y,
                  gboolean           keyboard,
                  GtkTooltip        *tooltip)
{
  int bin = bin_at (self, x, y);
  g_autofree char *text = NULL;

  if (bin < 0 || (text = _evox_histogram_view_dup_bin_text (self, (guint) bin)) == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* GObject */

static void
evox_histogram_view_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 260;
      *natural = 420;
    }
  else
    {
      *minimum = 160;
      *natural = 220;
    }
}

static void
evox_histogram_view_dispose (GObject *object)
{
  EvoxHistogramView *self = EVOX_HISTOGRAM_VIEW (object);

  evox_histogram_view_set_document (self, NULL);
  g_clear_object (&self->colorbar);

  G_OBJECT_CLASS (evox_histogram_view_parent_class)->dispose (object);
}

static void
evox_histogram_view_finalize (GObject *object)
{
  EvoxHistogramView *self = EVOX_HISTOGRAM_VIEW (object);

  clear_bins (self);

  G_OBJECT_CLASS (evox_histogram_view_parent_class)->finalize (object);
}

static void
evox_histogram_view_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  EvoxHistogramView *self = EVOX_HISTOGRAM_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_N_BINS:
      g_value_set_uint (value, self->n_bins_request);
      break;
    case PROP_ZOOM:
      g_value_set_boolean (value, self->zoom);
      break;
    case PROP_DRAGGING:
      g_value_set_boolean (value, self->dragging);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_histogram_view_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  EvoxHistogramView *self = EVOX_HISTOGRAM_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      evox_histogram_view_set_document (self, g_value_get_object (value));
      break;
    case PROP_N_BINS:
      evox_histogram_view_set_n_bins (self, g_value_get_uint (value));
      break;
    case PROP_ZOOM:
      evox_histogram_view_set_zoom (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_histogram_view_class_init (EvoxHistogramViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_histogram_view_dispose;
  object_class->finalize = evox_histogram_view_finalize;
  object_class->get_property = evox_histogram_view_get_property;
  object_class->set_property = evox_histogram_view_set_property;

  widget_class->snapshot = evox_histogram_view_snapshot;
  widget_class->measure = evox_histogram_view_measure;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, EVOX_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_BINS] =
    g_param_spec_uint ("n-bins", NULL, NULL, 1, MAX_N_BINS, DEFAULT_N_BINS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_boolean ("zoom", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DRAGGING] =
    g_param_spec_boolean ("dragging", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "histogram-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
evox_histogram_view_init (EvoxHistogramView *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();
  GtkGesture *secondary = gtk_gesture_click_new ();

  self->n_bins_request = DEFAULT_N_BINS;
  self->drag_point = -1;
  self->selected_point = -1;
  self->bins_dirty = TRUE;
  self->colorbar_dirty = TRUE;
  self->hover_bin = -1;

  g_signal_connect_swapped (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect_swapped (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  g_signal_connect (drag, "cancel", G_CALLBACK (on_drag_cancel), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (secondary), GDK_BUTTON_SECONDARY);
  g_signal_connect (secondary, "pressed", G_CALLBACK (on_secondary_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (secondary));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Histogram"),
                                  -1);
  update_description (self);
}

GtkWidget *
evox_histogram_view_new (void)
{
  return g_object_new (EVOX_TYPE_HISTOGRAM_VIEW, NULL);
}

void
evox_histogram_view_set_document (EvoxHistogramView *self,
                                  EvoxDocument      *document)
{
  g_return_if_fail (EVOX_IS_HISTOGRAM_VIEW (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document == document)
    return;

  if (self->document != NULL)
    g_clear_signal_handler (&self->notify_id, self->document);
  if (self->phases != NULL)
    g_clear_signal_handler (&self->phases_changed_id, self->phases);
  if (self->style != NULL)
    g_clear_signal_handler (&self->style_changed_id, self->style);
  drag_clear (self);
  self->selected_point = -1;
  g_clear_object (&self->phases);
  g_clear_object (&self->style);
  g_set_object (&self->document, document);
  if (document != NULL)
    {
      self->notify_id = g_signal_connect_object (document, "notify",
                                                 G_CALLBACK (on_document_notify), self,
                                                 G_CONNECT_SWAPPED);
      self->phases = g_object_ref (evox_document_get_phases (document));
      self->phases_changed_id = g_signal_connect_object (self->phases, "changed",
                                                         G_CALLBACK (on_phases_changed), self,
                                                         G_CONNECT_SWAPPED);
      self->style = g_object_ref (evox_document_get_volume_style (document));
      self->style_changed_id = g_signal_connect_object (self->style, "changed",
                                                        G_CALLBACK (on_style_changed), self,
                                                        G_CONNECT_SWAPPED);
    }
  follow_quantity (self);
  invalidate_bins (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

EvoxDocument *
evox_histogram_view_get_document (EvoxHistogramView *self)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), NULL);
  return self->document;
}

guint
evox_histogram_view_get_n_bins (EvoxHistogramView *self)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), 0);
  return self->n_bins_request;
}

void
evox_histogram_view_set_n_bins (EvoxHistogramView *self,
                                guint              n_bins)
{
  g_return_if_fail (EVOX_IS_HISTOGRAM_VIEW (self));

  n_bins = CLAMP (n_bins, 1, MAX_N_BINS);
  if (self->n_bins_request == n_bins)
    return;
  self->n_bins_request = n_bins;
  invalidate_bins (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_BINS]);
}

gboolean
evox_histogram_view_get_zoom (EvoxHistogramView *self)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);
  return self->zoom;
}

void
evox_histogram_view_set_zoom (EvoxHistogramView *self,
                              gboolean           zoom)
{
  g_return_if_fail (EVOX_IS_HISTOGRAM_VIEW (self));

  zoom = !!zoom;
  if (self->zoom == zoom)
    return;
  self->zoom = zoom;
  invalidate_bins (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

gboolean
evox_histogram_view_get_outside (EvoxHistogramView *self,
                                 double            *n_left,
                                 double            *n_right)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);

  ensure_bins (self);
  if (n_left != NULL)
    *n_left = self->have_bins && self->zoomed ? self->n_left : 0;
  if (n_right != NULL)
    *n_right = self->have_bins && self->zoomed ? self->n_right : 0;
  return self->have_bins && self->zoomed;
}

const double *
evox_histogram_view_get_counts (EvoxHistogramView *self,
                                guint             *n_bins,
                                double            *lo,
                                double            *hi)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), NULL);

  ensure_bins (self);
  if (n_bins != NULL)
    *n_bins = self->n_bins;
  if (lo != NULL)
    *lo = self->have_bins ? self->lo : 0;
  if (hi != NULL)
    *hi = self->have_bins ? self->hi : 0;
  return self->counts;
}

const char *
evox_histogram_view_get_title (EvoxHistogramView *self)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), NULL);

  ensure_bins (self);
  return self->have_bins ? self->title : NULL;
}

gboolean
evox_histogram_view_get_log_bins (EvoxHistogramView *self)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);

  ensure_bins (self);
  return self->have_bins && self->log_bins;
}

guint
evox_histogram_view_get_n_series (EvoxHistogramView *self)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), 0);

  ensure_bins (self);
  return self->n_series;
}

const double *
evox_histogram_view_get_series (EvoxHistogramView *self,
                                guint              series)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), NULL);

  ensure_bins (self);
  g_return_val_if_fail (series < self->n_series, NULL);
  if (self->n_series == 1)
    return self->counts;
  return self->series + (gsize) series * self->n_bins;
}

/* Brings the plot rectangles up to date outside a snapshot. */
static gboolean
ensure_layout (EvoxHistogramView *self)
{
  g_autoptr(PangoLayout) layout = NULL;
  g_auto(Frame) frame = { 0 };

  ensure_bins (self);
  if (!self->have_bins)
    return FALSE;
  layout = _evox_create_small_layout (GTK_WIDGET (self));
  layout_frame (self, layout, &frame);
  return self->plot.size.width > 0 && self->plot.size.height > 0;
}

double
evox_histogram_view_value_to_x (EvoxHistogramView *self,
                                double             value)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), NAN);

  if (!ensure_layout (self))
    return NAN;
  return axis_x (self, axis_coordinate (self, value));
}

gboolean
evox_histogram_view_get_colorbar_bounds (EvoxHistogramView *self,
                                         graphene_rect_t   *bounds)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);
  g_return_val_if_fail (bounds != NULL, FALSE);

  if (!ensure_layout (self))
    return FALSE;
  *bounds = self->bar;
  return TRUE;
}

gboolean
evox_histogram_view_get_phase_edge_x (EvoxHistogramView *self,
                                      guint              phase,
                                      gboolean           hi,
                                      double            *x)
{
  EvoxPhase *item;
  double at;

  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);

  if (!ensure_layout (self) || self->phases == NULL)
    return FALSE;
  item = evox_phase_list_get_phase (self->phases, phase);
  if (item == NULL || !evox_phase_get_visible (item) || !phase_edge_x (self, item, hi, &at))
    return FALSE;
  if (x != NULL)
    *x = at;
  return TRUE;
}

guint
evox_histogram_view_get_n_overlaps (EvoxHistogramView *self)
{
  g_autoptr(GArray) stretches = NULL;
  guint n = 0;

  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), 0);

  if (!ensure_layout (self) || self->phases == NULL)
    return 0;
  stretches = find_overlaps (self);
  for (guint i = 0; i + 1 < stretches->len; i += 2)
    {
      double x0, x1;

      n += overlap_span (self, g_array_index (stretches, double, i),
                         g_array_index (stretches, double, i + 1), &x0, &x1);
    }
  return n;
}

GdkRGBA
_evox_histogram_view_get_series_color (EvoxHistogramView *self,
                                       guint              series)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), (GdkRGBA) { 0 });

  ensure_bins (self);
  return series_color (self, series);
}

gboolean
_evox_histogram_view_get_curve_shown (EvoxHistogramView *self)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);
  ensure_bins (self);
  return curve_shown (self);
}

gboolean
_evox_histogram_view_get_plot (EvoxHistogramView *self,
                               graphene_rect_t   *plot)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), FALSE);
  g_return_val_if_fail (plot != NULL, FALSE);

  if (!ensure_layout (self))
    return FALSE;
  *plot = self->plot;
  return TRUE;
}

int
_evox_histogram_view_get_selected_point (EvoxHistogramView *self)
{
  g_return_val_if_fail (EVOX_IS_HISTOGRAM_VIEW (self), -1);
  return self->selected_point;
}

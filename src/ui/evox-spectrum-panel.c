/* evox-spectrum-panel.c: the Spectra page: the hovered voxel's spectrum and pinned spectra of
 * voxels, phases, particles and drawn rectangles, exported as CSV. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "evox-spectrum-panel.h"
#include "evox-csv.h"
#include "evox-plot.h"
#include "evox-spectrum-csv.h"
#include "evox-ui-util.h"
#include "evox-window.h"
#include "evox-xanes.h"
#include "evox-units.h"

/* Pinned spectra take these in turn (phases bring their own); the hovered one is drawn in the
 * foreground colour. */
static const char *palette[] = {
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
};

typedef struct
{
  EvoxSpectrum *spectrum;
  GdkRGBA       color;
  /* A voxel clicked or a rectangle drawn with the Region tool: outlined on the canvas while
   * pinned. */
  gboolean      is_box;
  guint         lo[3];
  guint         hi[3];
  /* Its name says which of a registration's two stacks it was taken from. */
  gboolean      tagged;
  /* That stack: the box is outlined only over it, as the other's grid may differ. */
  EvoxVolume   *volume;
} Pinned;

static void
pinned_free (Pinned *pinned)
{
  evox_spectrum_free (pinned->spectrum);
  g_clear_object (&pinned->volume);
  g_free (pinned);
}

struct _EvoxSpectrumPanel
{
  GtkWidget        parent_instance;

  EvoxDocument    *document;
  EvoxCanvas      *canvas;
  GBinding        *region_binding;
  /* The volume the spectra were taken from; another one clears them. */
  EvoxVolume      *volume;
  gboolean         spectral;
  EvoxSpectrum    *hovered;
  GPtrArray       *pinned;
  guint            next_color;
  guint            n_pending;
  /* Cancelled when the volume changes or the panel goes: a region that arrives late is
   * dropped. */
  GCancellable    *cancellable;

  EvoxPlot        *plot;
  GtkLabel        *hover_label;
  GtkToggleButton *region_button;
  GtkListBox      *pinned_list;
  GtkLabel        *status_label;
  GtkToggleButton *normalised_button;

  /* The XANES page's parameters: the normalised view and the fit lines use them. */
  gboolean         have_xanes;
  EvoxXanesParams  xanes;
};

G_DEFINE_FINAL_TYPE (EvoxSpectrumPanel, evox_spectrum_panel, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_SPECTRAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_status (EvoxSpectrumPanel *self,
             const char        *message)
{
  gtk_label_set_text (self->status_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), message != NULL);
}

/* Several measured channels with energies: a spectrum is something to plot. */
static gboolean
volume_is_spectral (EvoxVolume *volume)
{
  guint n = 0;

  if (volume == NULL)
    return FALSE;
  for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
    {
      double energy = evox_volume_get_channel_energy (volume, c);

      if (!evox_volume_get_channel_derived (volume, c) && isfinite (energy) && energy > 0)
        n++;
    }
  return n >= 2;
}

/* "optical density", or the quantity and unit of the first channel. */
static char *
value_title (EvoxVolume *volume)
{
  const char *quantity = evox_volume_get_channel_quantity (volume, 0);
  g_autofree char *unit = evox_units_dup_display (evox_volume_get_channel_unit (volume, 0));

  if (quantity == NULL || *quantity == '\0')
    quantity = _("value");
  if (unit != NULL && *unit != '\0')
    return g_strdup_printf ("%s (%s)", quantity, unit);
  return g_strdup (quantity);
}

static void
add_spectrum (EvoxSpectrumPanel  *self,
              const EvoxSpectrum *spectrum,
              const GdkRGBA      *color,
              gboolean            dots)
{
  g_autofree double *x = g_new (double, MAX (spectrum->n_points, 1));
  g_autofree double *y = g_new (double, MAX (spectrum->n_points, 1));
  g_autofree double *lo = g_new (double, MAX (spectrum->n_points, 1));
  g_autofree double *hi = g_new (double, MAX (spectrum->n_points, 1));
  gboolean spread = FALSE;
  guint line;

  for (guint p = 0; p < spectrum->n_points; p++)
    {
      const EvoxSpectrumPoint *point = &spectrum->points[p];

      x[p] = point->energy_ev;
      y[p] = point->mean;
      lo[p] = point->mean - point->std;
      hi[p] = point->mean + point->std;
      spread |= point->voxels > 1;
    }
  if (spread)
    {
      GdkRGBA band = _evox_with_alpha (color, 0.25f);

      evox_plot_add_band (self->plot, x, lo, hi, spectrum->n_points, &band);
    }
  line = evox_plot_add_line (self->plot, x, y, spectrum->n_points, color, spectrum->label);
  evox_plot_set_line_points (self->plot, line, dots);
}

/* Colours of the XANES marks and fit lines, apart from the spectra's palette. */
static const GdkRGBA e0_color = { 0.80f, 0.10f, 0.10f, 1.0f };
static const GdkRGBA half_color = { 0.85f, 0.45f, 0.0f, 1.0f };
static const GdkRGBA whiteline_color = { 0.45f, 0.20f, 0.70f, 1.0f };
static const GdkRGBA pre_color = { 0.50f, 0.50f, 0.50f, 1.0f };
static const GdkRGBA post_color = { 0.74f, 0.74f, 0.13f, 1.0f };

/* A spectrum's points with an energy, sorted by it (the channels may come in any order), with
 * room for what is drawn from them. */
typedef struct
{
  guint   n;
  double *energy;
  double *mean;
  double *std;
  double *a;      /* two more curves over the energies */
  double *b;
} Sorted;

static void
sorted_clear (Sorted *sorted)
{
  g_free (sorted->energy);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Sorted, sorted_clear)

static void
sorted_init (Sorted             *sorted,
             const EvoxSpectrum *spectrum)
{
  guint n_max = MAX (spectrum->n_points, 1);

  /* One block, five arrays. */
  sorted->energy = g_new (double, 5 * n_max);
  sorted->mean = sorted->energy + n_max;
  sorted->std = sorted->mean + n_max;
  sorted->a = sorted->std + n_max;
  sorted->b = sorted->a + n_max;
  sorted->n = 0;
  for (guint p = 0; p < spectrum->n_points; p++)
    {
      const EvoxSpectrumPoint *point = &spectrum->points[p];
      guint at;

      if (!isfinite (point->energy_ev))
        continue;
      for (at = sorted->n; at > 0 && sorted->energy[at - 1] > point->energy_ev; at--)
        {
          sorted->energy[at] = sorted->energy[at - 1];
          sorted->mean[at] = sorted->mean[at - 1];
          sorted->std[at] = sorted->std[at - 1];
        }
      sorted->energy[at] = point->energy_ev;
      sorted->mean[at] = point->mean;
      sorted->std[at] = point->std;
      sorted->n++;
    }
}

/* The spectrum's means normalised with the XANES page's parameters into norm (NULL: not kept);
 * FALSE (the step NaN) when they cannot be: such a spectrum is left out of the view. */
static gboolean
normalise_sorted (EvoxSpectrumPanel *self,
                  const Sorted      *sorted,
                  double            *norm,
                  EvoxXanesResult   *result)
{
  gboolean ok;

  memset (result, 0, sizeof *result);
  result->norm = norm;
  ok = self->have_xanes && evox_xanes_normalise (sorted->energy, sorted->mean, sorted->n,
                                                 &self->xanes, result, NULL);
  result->norm = NULL;
  if (!ok)
    result->edge_step = NAN;
  return ok;
}

static void
add_normalised (EvoxSpectrumPanel  *self,
                const EvoxSpectrum *spectrum,
                const GdkRGBA      *color,
                gboolean            dots,
                EvoxXanesResult    *result)
{
  g_auto(Sorted) sorted = { 0 };
  g_autofree double *norm = NULL;
  gboolean spread = FALSE;
  guint line, first = 0;
  double from;

  sorted_init (&sorted, spectrum);
  norm = g_new (double, MAX (sorted.n, 1));
  if (!normalise_sorted (self, &sorted, norm, result))
    return;
  /* From the pre-edge range on: the normalisation means nothing far below it. The XANES demo's
   * Mn and Co energies, 1800 eV under the Ni edge, came out at -1 and -2.4 and squeezed the step
   * and its E0, half-step and white-line marks into the plot's last few pixels. */
  from = result->e0 + self->xanes.pre1;
  while (isfinite (from) && first < sorted.n && sorted.energy[first] < from)
    first++;
  for (guint p = first; p < sorted.n; p++)
    {
      double pre = result->pre_slope * sorted.energy[p] + result->pre_offset;

      sorted.a[p] = (sorted.mean[p] - sorted.std[p] - pre) / result->edge_step;
      sorted.b[p] = (sorted.mean[p] + sorted.std[p] - pre) / result->edge_step;
      spread |= sorted.std[p] > 0;
    }
  if (spread)
    {
      GdkRGBA band = _evox_with_alpha (color, 0.25f);

      evox_plot_add_band (self->plot, sorted.energy + first, sorted.a + first, sorted.b + first,
                          sorted.n - first, &band);
    }
  line = evox_plot_add_line (self->plot, sorted.energy + first, norm + first, sorted.n - first,
                             color, spectrum->label);
  evox_plot_set_line_points (self->plot, line, dots);
}

/* The pre-edge line below E0 and the post-edge curve above it, as the normalisation fitted
 * them on the raw spectrum. */
static void
add_fit_lines (EvoxSpectrumPanel  *self,
               const EvoxSpectrum *spectrum)
{
  g_auto(Sorted) sorted = { 0 };
  EvoxXanesResult result;

  sorted_init (&sorted, spectrum);
  if (!normalise_sorted (self, &sorted, NULL, &result))
    return;
  for (guint p = 0; p < sorted.n; p++)
    {
      double e = sorted.energy[p];
      double line = result.pre_slope * e + result.pre_offset;
      double poly = 0, power = 1;

      for (int j = 0; j <= result.nnorm; j++, power *= e - result.e0)
        poly += result.post_coefs[j] * power;
      sorted.a[p] = e <= result.e0 ? line : NAN;
      sorted.b[p] = e >= result.e0 ? line + poly : NAN;
    }
  evox_plot_add_line (self->plot, sorted.energy, sorted.a, sorted.n, &pre_color,
                      _("pre-edge fit"));
  evox_plot_add_line (self->plot, sorted.energy, sorted.b, sorted.n, &post_color,
                      _("post-edge fit"));
}

static void
add_xanes_marks (EvoxSpectrumPanel     *self,
                 const EvoxXanesResult *result)
{
  if (!isfinite (result->edge_step))
    return;
  evox_plot_add_labelled_marker (self->plot, result->e0, _("E0"), &e0_color);
  if (isfinite (result->half_step_energy))
    evox_plot_add_labelled_marker (self->plot, result->half_step_energy, _("half step"),
                                   &half_color);
  if (isfinite (result->whiteline_energy))
    evox_plot_add_labelled_marker (self->plot, result->whiteline_energy, _("white line"),
                                   &whiteline_color);
}

static void
rebuild_plot (EvoxSpectrumPanel *self)
{
  gboolean normalised = gtk_toggle_button_get_active (self->normalised_button);
  const EvoxSpectrum *focus = NULL;
  EvoxXanesResult result = { 0 };
  gboolean hovered_pinned = FALSE;

  result.edge_step = NAN;
  evox_plot_clear (self->plot);
  if (!self->spectral)
    return;
  if (self->volume != NULL)
    {
      g_autofree char *title = value_title (self->volume);

      evox_plot_set_axes (self->plot, _("energy (eV)"),
                          normalised ? _("normalised absorption") : title);
    }
  for (guint i = 0; i < self->pinned->len; i++)
    {
      Pinned *pinned = g_ptr_array_index (self->pinned, i);

      if (normalised)
        add_normalised (self, pinned->spectrum, &pinned->color, FALSE, &result);
      else
        add_spectrum (self, pinned->spectrum, &pinned->color, FALSE);
      focus = pinned->spectrum;
    }
  /* The voxel just clicked is pinned and still hovered: one line, not two of one name. */
  for (guint i = 0; self->hovered != NULL && i < self->pinned->len; i++)
    if (g_strcmp0 (((Pinned *) g_ptr_array_index (self->pinned, i))->spectrum->label,
                   self->hovered->label) == 0)
      hovered_pinned = TRUE;
  if (self->hovered != NULL && !hovered_pinned)
    {
      GdkRGBA fg;

      _evox_get_foreground (GTK_WIDGET (self), &fg);
      if (normalised)
        add_normalised (self, self->hovered, &fg, TRUE, &result);
      else
        add_spectrum (self, self->hovered, &fg, TRUE);
      focus = self->hovered;
    }
  /* E0, the half step and the white line of the spectrum drawn last (the hovered one, else the
   * last pinned); the raw view shows its fit lines instead. */
  if (focus != NULL && normalised)
    add_xanes_marks (self, &result);
  else if (focus != NULL)
    add_fit_lines (self, focus);
  /* Where the channel shown lies on the energy axis. Notifications of one change come in no
   * fixed order: the channel may be the next volume's; while maps are shown it is a map's. */
  if (self->document != NULL && self->volume != NULL &&
      !evox_document_get_show_maps (self->document) &&
      evox_document_get_channel (self->document) < evox_volume_get_n_channels (self->volume))
    {
      double energy = evox_volume_get_channel_energy (self->volume,
                                                      evox_document_get_channel (self->document));

      if (isfinite (energy))
        evox_plot_add_marker (self->plot, energy);
    }
}

static void
rebuild_list (EvoxSpectrumPanel *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->pinned_list))) != NULL)
    gtk_list_box_remove (self->pinned_list, child);
  for (guint i = 0; i < self->pinned->len; i++)
    {
      Pinned *pinned = g_ptr_array_index (self->pinned, i);
      const EvoxSpectrum *spectrum = pinned->spectrum;
      g_autofree char *hex = _evox_rgba_to_hex (&pinned->color);
      g_autofree char *markup = NULL;
      guint64 voxels = 0;
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *swatch, *label, *remove;

      for (guint p = 0; p < spectrum->n_points; p++)
        voxels = MAX (voxels, spectrum->points[p].voxels);
      markup = g_markup_printf_escaped ("<span foreground=\"%s\">\u25a0</span>", hex);
      swatch = gtk_label_new (NULL);
      gtk_label_set_markup (GTK_LABEL (swatch), markup);
      label = gtk_label_new (NULL);
      {
        g_autofree char *text = g_strdup_printf (
          g_dngettext (GETTEXT_PACKAGE, "%s · %" G_GUINT64_FORMAT " voxel",
                       "%s · %" G_GUINT64_FORMAT " voxels", voxels),
          spectrum->label, voxels);

        gtk_label_set_text (GTK_LABEL (label), text);
      }
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_set_hexpand (label, TRUE);
      remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
      gtk_widget_add_css_class (remove, "flat");
      gtk_widget_set_tooltip_text (remove, _("Remove this spectrum"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "spectrum.remove");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (remove), "u", i);
      gtk_box_append (GTK_BOX (row), swatch);
      gtk_box_append (GTK_BOX (row), label);
      gtk_box_append (GTK_BOX (row), remove);
      gtk_widget_set_margin_start (row, 6);
      gtk_widget_set_margin_end (row, 6);
      gtk_list_box_append (self->pinned_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->pinned_list), self->pinned->len > 0);
}

static void
sync_actions (EvoxSpectrumPanel *self)
{
  gboolean has_doc = self->document != NULL && self->spectral;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "spectrum.pin-phase",
                                 has_doc && evox_document_get_selected_phase (self->document) >= 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "spectrum.pin-particle",
                                 has_doc && evox_document_get_labels (self->document) != NULL &&
                                 evox_document_get_selected_particle (self->document) != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "spectrum.export", self->pinned->len > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "spectrum.clear", self->pinned->len > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->region_button), has_doc);
}

/* The pinned rectangles on the canvas, so what a spectrum was taken over stays in sight. */
static void
sync_boxes (EvoxSpectrumPanel *self)
{
  g_autoptr(GArray) boxes = g_array_new (FALSE, FALSE, sizeof (EvoxCanvasBox));

  if (self->canvas == NULL)
    return;
  for (guint i = 0; i < self->pinned->len; i++)
    {
      Pinned *pinned = g_ptr_array_index (self->pinned, i);
      EvoxCanvasBox box;

      if (!pinned->is_box || pinned->volume != self->volume)
        continue;
      memcpy (box.lo, pinned->lo, sizeof box.lo);
      memcpy (box.hi, pinned->hi, sizeof box.hi);
      box.color = pinned->color;
      g_array_append_val (boxes, box);
    }
  evox_canvas_set_boxes (self->canvas, (EvoxCanvasBox *) boxes->data, boxes->len);
}

static void
pinned_changed (EvoxSpectrumPanel *self)
{
  rebuild_list (self);
  rebuild_plot (self);
  sync_actions (self);
  sync_boxes (self);
}

/* Which of the document's registration's stacks volume is: " (raw)", " (registered)", or NULL
 * for a volume that is neither. */
static const char *
stack_tag (EvoxSpectrumPanel *self,
           EvoxVolume        *volume)
{
  EvoxRegistration *registration = self->document != NULL
                                   ? evox_document_get_registration (self->document) : NULL;

  if (registration == NULL || volume == NULL)
    return NULL;
  if (volume == evox_registration_get_raw (registration))
    return _(" (raw)");
  if (volume == evox_registration_get_registered (registration))
    return _(" (registered)");
  return NULL;
}

static void
tag_pinned (Pinned     *pinned,
            const char *tag)
{
  char *label;

  if (pinned->tagged || tag == NULL)
    return;
  label = g_strconcat (pinned->spectrum->label, tag, NULL);
  g_free (pinned->spectrum->label);
  pinned->spectrum->label = label;
  pinned->tagged = TRUE;
}

/* Takes spectrum; color NULL: the next of the palette; lo, hi: the box it was taken over, or
 * NULL. */
static void
pin (EvoxSpectrumPanel *self,
     EvoxSpectrum      *spectrum,
     const GdkRGBA     *color,
     const gsize       *lo,
     const gsize       *hi)
{
  Pinned *pinned = g_new0 (Pinned, 1);

  pinned->spectrum = spectrum;
  if (lo != NULL && hi != NULL)
    {
      pinned->is_box = TRUE;
      for (guint a = 0; a < 3; a++)
        {
          pinned->lo[a] = (guint) lo[a];
          pinned->hi[a] = (guint) hi[a];
        }
    }
  if (color != NULL)
    pinned->color = *color;
  else
    gdk_rgba_parse (&pinned->color, palette[self->next_color++ % G_N_ELEMENTS (palette)]);
  pinned->volume = self->volume != NULL ? g_object_ref (self->volume) : NULL;
  tag_pinned (pinned, stack_tag (self, self->volume));
  g_ptr_array_add (self->pinned, pinned);
  pinned_changed (self);
}

/* Regions off the main thread: a 1024 x 1024 x 67 stack is a quarter of a gigabyte to read. */
typedef enum
{
  REGION_BOX,
  REGION_RANGE,
  REGION_LABEL,
} RegionKind;

typedef struct
{
  EvoxSpectrumPanel *self;
  EvoxVolume        *volume;
  EvoxVolume        *range_volume;  /* whose channel the range is of, when not volume's (maps) */
  EvoxLabels        *labels;
  RegionKind         kind;
  gsize              lo[3];
  gsize              hi[3];
  guint              channel;
  double             range[2];
  guint32            id;
  char              *label;
  gboolean           has_color;
  GdkRGBA            color;
} RegionJob;

static void
region_job_free (RegionJob *job)
{
  g_clear_object (&job->self);
  g_clear_object (&job->volume);
  g_clear_object (&job->range_volume);
  g_clear_object (&job->labels);
  g_free (job->label);
  g_free (job);
}

static void
region_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  RegionJob *job = data;
  g_autoptr(GError) error = NULL;
  EvoxSpectrum *spectrum = NULL;

  switch (job->kind)
    {
    case REGION_BOX:
      spectrum = evox_spectrum_box (job->volume, job->lo, job->hi, &error);
      break;
    case REGION_RANGE:
      if (job->range_volume == NULL)
        spectrum = evox_spectrum_range (job->volume, job->channel, job->range[0], job->range[1],
                                        job->label, &error);
      else
        {
          /* A phase on a map (same grid as the stack): the stack's voxels inside it. NaN (no
           * value in the map) is in no phase. */
          const float *map = evox_volume_get_data (job->range_volume, job->channel);
          gsize n = evox_volume_get_n_voxels (job->volume);
          g_autofree guint8 *mask = g_malloc (n);

          for (gsize i = 0; i < n; i++)
            mask[i] = map[i] >= job->range[0] && map[i] <= job->range[1];
          spectrum = evox_spectrum_mask (job->volume, mask, job->label, &error);
        }
      break;
    case REGION_LABEL:
      {
        const guint32 *ids = evox_labels_get_data (job->labels);
        gsize n = evox_volume_get_n_voxels (job->volume);
        g_autofree guint8 *mask = g_malloc (n);

        for (gsize i = 0; i < n; i++)
          mask[i] = ids[i] == job->id;
        spectrum = evox_spectrum_mask (job->volume, mask, job->label, &error);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  if (spectrum == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, spectrum, (GDestroyNotify) evox_spectrum_free);
}

static void
region_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  RegionJob *job = g_task_get_task_data (G_TASK (result));
  EvoxSpectrumPanel *self = job->self;
  g_autoptr(GError) error = NULL;
  EvoxSpectrum *spectrum = g_task_propagate_pointer (G_TASK (result), &error);

  self->n_pending--;
  if (g_task_had_error (G_TASK (result)) && g_error_matches (error, G_IO_ERROR,
                                                              G_IO_ERROR_CANCELLED))
    return;
  if (spectrum == NULL)
    {
      show_status (self, error->message);
      return;
    }
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))) ||
      job->volume != self->volume)
    {
      evox_spectrum_free (spectrum);
      return;
    }
  show_status (self, NULL);
  pin (self, spectrum, job->has_color ? &job->color : NULL,
       job->kind == REGION_BOX ? job->lo : NULL, job->kind == REGION_BOX ? job->hi : NULL);
}

static void
run_region (EvoxSpectrumPanel *self,
            RegionJob         *job)
{
  g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, region_done, NULL);

  job->self = g_object_ref (self);
  job->volume = g_object_ref (self->volume);
  g_task_set_task_data (task, job, (GDestroyNotify) region_job_free);
  g_task_set_check_cancellable (task, TRUE);
  self->n_pending++;
  show_status (self, _("Computing the spectrum…"));
  g_task_run_in_thread (task, region_thread);
}

void
evox_spectrum_panel_pin_box (EvoxSpectrumPanel *self,
                             const gsize        lo[3],
                             const gsize        hi[3])
{
  RegionJob *job;

  g_return_if_fail (EVOX_IS_SPECTRUM_PANEL (self));

  if (!self->spectral)
    return;
  job = g_new0 (RegionJob, 1);
  job->kind = REGION_BOX;
  memcpy (job->lo, lo, sizeof job->lo);
  memcpy (job->hi, hi, sizeof job->hi);
  run_region (self, job);
}

void
evox_spectrum_panel_pin_voxel (EvoxSpectrumPanel *self,
                               gsize              x,
                               gsize              y,
                               gsize              z)
{
  g_autoptr(GError) error = NULL;
  EvoxSpectrum *spectrum;

  g_return_if_fail (EVOX_IS_SPECTRUM_PANEL (self));

  if (!self->spectral)
    return;
  /* One voxel is a read per channel: no thread needed. */
  spectrum = evox_spectrum_at (self->volume, x, y, z, &error);
  if (spectrum == NULL)
    {
      show_status (self, error->message);
      return;
    }
  {
    const gsize voxel[3] = { x, y, z };

    /* Marked on the canvas as a box of one voxel. */
    pin (self, spectrum, NULL, voxel, voxel);
  }
}

void
evox_spectrum_panel_hover (EvoxSpectrumPanel *self,
                           const gsize       *voxel)
{
  g_return_if_fail (EVOX_IS_SPECTRUM_PANEL (self));

  if (!self->spectral || voxel == NULL)
    {
      if (self->hovered == NULL)
        return;
      g_clear_pointer (&self->hovered, evox_spectrum_free);
      gtk_label_set_text (self->hover_label,
                          _("Hover a voxel to see its spectrum; click to pin it."));
    }
  else
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxSpectrum) spectrum = evox_spectrum_at (self->volume, voxel[0], voxel[1],
                                                           voxel[2], &error);

      if (spectrum == NULL)
        return;
      if (self->hovered != NULL && g_str_equal (self->hovered->label, spectrum->label))
        return;
      g_clear_pointer (&self->hovered, evox_spectrum_free);
      self->hovered = g_steal_pointer (&spectrum);
      gtk_label_set_text (self->hover_label, self->hovered->label);
    }
  rebuild_plot (self);
}

static void
pin_phase_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  EvoxSpectrumPanel *self = EVOX_SPECTRUM_PANEL (widget);
  EvoxPhaseList *phases = evox_document_get_phases (self->document);
  int index = evox_document_get_selected_phase (self->document);
  EvoxPhase *phase;
  RegionJob *job;

  if (!self->spectral || index < 0 || (guint) index >= evox_phase_list_get_n_phases (phases))
    return;
  phase = evox_phase_list_get_phase (phases, (guint) index);
  job = g_new0 (RegionJob, 1);
  job->kind = REGION_RANGE;
  job->channel = evox_document_get_channel (self->document);
  if (evox_document_get_show_maps (self->document))
    job->range_volume = g_object_ref (evox_document_get_volume (self->document));
  job->range[0] = evox_phase_get_lo (phase);
  job->range[1] = evox_phase_get_hi (phase);
  job->label = g_strdup_printf (_("phase %s"), evox_phase_get_name (phase));
  job->has_color = gdk_rgba_parse (&job->color, evox_phase_get_color (phase));
  run_region (self, job);
}

static void
pin_particle_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  EvoxSpectrumPanel *self = EVOX_SPECTRUM_PANEL (widget);
  EvoxLabels *labels = evox_document_get_labels (self->document);
  guint id = evox_document_get_selected_particle (self->document);
  RegionJob *job;

  if (!self->spectral || labels == NULL || id == 0)
    return;
  job = g_new0 (RegionJob, 1);
  job->kind = REGION_LABEL;
  job->labels = g_object_ref (labels);
  job->id = id;
  job->label = g_strdup_printf (_("particle %u"), id);
  run_region (self, job);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EvoxSpectrumPanel *self = EVOX_SPECTRUM_PANEL (widget);
  guint index = g_variant_get_uint32 (parameter);

  if (index >= self->pinned->len)
    return;
  g_ptr_array_remove_index (self->pinned, index);
  pinned_changed (self);
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  EvoxSpectrumPanel *self = EVOX_SPECTRUM_PANEL (widget);

  g_ptr_array_set_size (self->pinned, 0);
  self->next_color = 0;
  pinned_changed (self);
}

gboolean
evox_spectrum_panel_export (EvoxSpectrumPanel *self,
                            const char        *path,
                            gboolean           overwrite,
                            GError           **error)
{
  g_autofree EvoxSpectrum **spectra = NULL;

  g_return_val_if_fail (EVOX_IS_SPECTRUM_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->pinned->len == 0)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           _("No spectrum is pinned: there is nothing to export"));
      return FALSE;
    }
  spectra = g_new (EvoxSpectrum *, self->pinned->len);
  for (guint i = 0; i < self->pinned->len; i++)
    spectra[i] = ((Pinned *) g_ptr_array_index (self->pinned, i))->spectrum;
  {
    /* The record's '# ' lines first when the window asks for them, as its other CSVs. */
    g_autofree char *provenance =
      _evox_ui_csv_provenance (GTK_WIDGET (self), self->document,
                               "Export Spectra (the pinned spectra)");

    return evox_spectrum_csv_write (spectra, self->pinned->len, path, overwrite, error) &&
           evox_csv_add_provenance (path, provenance, error);
  }
}

static void
export_response (GtkNativeDialog   *chooser,
                 int                response,
                 EvoxSpectrumPanel *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

      /* The chooser has asked before replacing a file. */
      if (path != NULL && !evox_spectrum_panel_export (self, path, TRUE, &error))
        show_status (self, error->message);
      else
        {
          show_status (self, NULL);
          /* Said where it went, with a way to the folder, as every other export does. */
          if (path != NULL && EVOX_IS_WINDOW (root))
            evox_window_show_saved (EVOX_WINDOW (root), path);
        }
    }
  g_object_unref (chooser);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  EvoxSpectrumPanel *self = EVOX_SPECTRUM_PANEL (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;
  g_autofree char *base = NULL;
  g_autofree char *suggested = NULL;
  char *dot;

  if (self->pinned->len == 0)
    return;
  base = g_strdup (evox_document_get_title (self->document) != NULL ?
                   evox_document_get_title (self->document) : "volume");
  dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  suggested = g_strdup_printf ("%s-spectra.csv", base);
  /* GtkFileDialog is 4.10's; the native chooser works from 4.8 on, as the other exports do. */
  chooser = gtk_file_chooser_native_new (_("Export Spectra"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                         _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
sync_volume (EvoxSpectrumPanel *self)
{
  /* The stack, also while the maps are shown: spectra are of its energies. */
  EvoxVolume *volume = self->document != NULL ? evox_document_get_stack (self->document) : NULL;
  gboolean spectral = volume_is_spectral (volume);

  /* The raw and the registered stack are one sample seen two ways: spectra pinned on one stay
   * beside those of the other, each named by its stack, to compare what registration changed. */
  if (volume != self->volume && stack_tag (self, volume) != NULL &&
      stack_tag (self, self->volume) != NULL)
    {
      const char *tag = stack_tag (self, self->volume);

      for (guint i = 0; i < self->pinned->len; i++)
        tag_pinned (g_ptr_array_index (self->pinned, i), tag);
      g_set_object (&self->volume, volume);
      g_clear_pointer (&self->hovered, evox_spectrum_free);
    }
  else if (volume != self->volume)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      g_set_object (&self->volume, volume);
      g_clear_pointer (&self->hovered, evox_spectrum_free);
      g_ptr_array_set_size (self->pinned, 0);
      self->next_color = 0;
      show_status (self, NULL);
    }
  if (spectral != self->spectral)
    {
      self->spectral = spectral;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPECTRAL]);
    }
  if (!spectral && self->canvas != NULL)
    evox_canvas_set_region_tool (self->canvas, FALSE);
  pinned_changed (self);
}

static void
on_document_notify (EvoxDocument      *document,
                    GParamSpec        *pspec,
                    EvoxSpectrumPanel *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "volume"))
    sync_volume (self);
  else if (g_str_equal (name, "channel"))
    rebuild_plot (self);
  else if (g_str_equal (name, "selected-phase") || g_str_equal (name, "labels") ||
           g_str_equal (name, "selected-particle"))
    sync_actions (self);
}

void
evox_spectrum_panel_set_document (EvoxSpectrumPanel *self,
                                  EvoxDocument      *document)
{
  g_return_if_fail (EVOX_IS_SPECTRUM_PANEL (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  if (document != NULL)
    g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
  sync_volume (self);
}

static void
on_canvas_hover (EvoxCanvas        *canvas,
                 GParamSpec        *pspec,
                 EvoxSpectrumPanel *self)
{
  gsize voxel[3];

  if (!self->spectral)
    return;
  evox_spectrum_panel_hover (self, evox_canvas_get_hover_voxel (canvas, voxel) ? voxel : NULL);
}

static void
on_voxel_clicked (EvoxCanvas        *canvas,
                  guint              x,
                  guint              y,
                  guint              z,
                  EvoxSpectrumPanel *self)
{
  GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_STACK);
  GtkWidget *page = stack != NULL ? gtk_stack_get_visible_child (GTK_STACK (stack)) : NULL;

  /* Clicks pin only while the page is the one shown (a page fading out is still mapped):
   * elsewhere they mean nothing here. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) &&
      (stack == NULL || (page != NULL && (page == GTK_WIDGET (self) ||
                                          gtk_widget_is_ancestor (GTK_WIDGET (self), page)))))
    evox_spectrum_panel_pin_voxel (self, x, y, z);
}

static void
on_region_drawn (EvoxCanvas        *canvas,
                 guint              x0,
                 guint              y0,
                 guint              z0,
                 guint              x1,
                 guint              y1,
                 guint              z1,
                 EvoxSpectrumPanel *self)
{
  const gsize lo[3] = { x0, y0, z0 }, hi[3] = { x1, y1, z1 };

  evox_spectrum_panel_pin_box (self, lo, hi);
}

void
evox_spectrum_panel_set_canvas (EvoxSpectrumPanel *self,
                                EvoxCanvas        *canvas)
{
  g_return_if_fail (EVOX_IS_SPECTRUM_PANEL (self));
  g_return_if_fail (canvas == NULL || EVOX_IS_CANVAS (canvas));

  if (self->canvas == canvas)
    return;
  if (self->region_binding != NULL)
    {
      g_binding_unbind (self->region_binding);
      g_clear_object (&self->region_binding);
    }
  if (self->canvas != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->canvas, self);
      evox_canvas_set_boxes (self->canvas, NULL, 0);
    }
  g_set_object (&self->canvas, canvas);
  if (canvas == NULL)
    return;
  g_signal_connect_object (canvas, "notify::hover-text", G_CALLBACK (on_canvas_hover), self, 0);
  g_signal_connect_object (canvas, "voxel-clicked", G_CALLBACK (on_voxel_clicked), self, 0);
  g_signal_connect_object (canvas, "region-drawn", G_CALLBACK (on_region_drawn), self, 0);
  self->region_binding = g_object_ref (g_object_bind_property (canvas, "region-tool",
                                                               self->region_button, "active",
                                                               G_BINDING_BIDIRECTIONAL |
                                                               G_BINDING_SYNC_CREATE));
  sync_boxes (self);
}

void
evox_spectrum_panel_set_xanes_params (EvoxSpectrumPanel     *self,
                                      const EvoxXanesParams *params)
{
  g_return_if_fail (EVOX_IS_SPECTRUM_PANEL (self));

  self->have_xanes = params != NULL;
  if (params != NULL)
    self->xanes = *params;
  rebuild_plot (self);
}

gboolean
evox_spectrum_panel_get_spectral (EvoxSpectrumPanel *self)
{
  g_return_val_if_fail (EVOX_IS_SPECTRUM_PANEL (self), FALSE);
  return self->spectral;
}

const EvoxSpectrum *
evox_spectrum_panel_get_hovered (EvoxSpectrumPanel *self)
{
  g_return_val_if_fail (EVOX_IS_SPECTRUM_PANEL (self), NULL);
  return self->hovered;
}

guint
evox_spectrum_panel_get_n_pinned (EvoxSpectrumPanel *self)
{
  g_return_val_if_fail (EVOX_IS_SPECTRUM_PANEL (self), 0);
  return self->pinned->len;
}

const EvoxSpectrum *
evox_spectrum_panel_get_pinned (EvoxSpectrumPanel *self,
                                guint              index)
{
  g_return_val_if_fail (EVOX_IS_SPECTRUM_PANEL (self), NULL);
  g_return_val_if_fail (index < self->pinned->len, NULL);
  return ((Pinned *) g_ptr_array_index (self->pinned, index))->spectrum;
}

guint
evox_spectrum_panel_get_n_pending (EvoxSpectrumPanel *self)
{
  g_return_val_if_fail (EVOX_IS_SPECTRUM_PANEL (self), 0);
  return self->n_pending;
}

GtkWidget *
_evox_spectrum_panel_get_plot (EvoxSpectrumPanel *self)
{
  g_return_val_if_fail (EVOX_IS_SPECTRUM_PANEL (self), NULL);
  return GTK_WIDGET (self->plot);
}

static void
evox_spectrum_panel_dispose (GObject *object)
{
  EvoxSpectrumPanel *self = EVOX_SPECTRUM_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  evox_spectrum_panel_set_canvas (self, NULL);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_SPECTRUM_PANEL);
  G_OBJECT_CLASS (evox_spectrum_panel_parent_class)->dispose (object);
}

static void
evox_spectrum_panel_finalize (GObject *object)
{
  EvoxSpectrumPanel *self = EVOX_SPECTRUM_PANEL (object);

  g_clear_object (&self->volume);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->hovered, evox_spectrum_free);
  g_clear_pointer (&self->pinned, g_ptr_array_unref);
  G_OBJECT_CLASS (evox_spectrum_panel_parent_class)->finalize (object);
}

static void
evox_spectrum_panel_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  EvoxSpectrumPanel *self = EVOX_SPECTRUM_PANEL (object);

  switch (prop_id)
    {
    case PROP_SPECTRAL:
      g_value_set_boolean (value, self->spectral);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_spectrum_panel_class_init (EvoxSpectrumPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_spectrum_panel_dispose;
  object_class->finalize = evox_spectrum_panel_finalize;
  object_class->get_property = evox_spectrum_panel_get_property;

  properties[PROP_SPECTRAL] = g_param_spec_boolean ("spectral", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (EVOX_TYPE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-spectrum-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxSpectrumPanel, plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxSpectrumPanel, hover_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxSpectrumPanel, region_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxSpectrumPanel, pinned_list);
  gtk_widget_class_bind_template_child (widget_class, EvoxSpectrumPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxSpectrumPanel, normalised_button);

  gtk_widget_class_install_action (widget_class, "spectrum.pin-phase", NULL, pin_phase_action);
  gtk_widget_class_install_action (widget_class, "spectrum.pin-particle", NULL,
                                   pin_particle_action);
  gtk_widget_class_install_action (widget_class, "spectrum.remove", "u", remove_action);
  gtk_widget_class_install_action (widget_class, "spectrum.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "spectrum.export", NULL, export_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_spectrum_panel_init (EvoxSpectrumPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pinned = g_ptr_array_new_with_free_func ((GDestroyNotify) pinned_free);
  self->cancellable = g_cancellable_new ();
  /* The page is there only for spectral volumes, and the line under the plot says what to do:
   * the empty plot only says it is empty. */
  evox_plot_set_placeholder (self->plot, _("No spectrum yet"));
  evox_plot_set_axes (self->plot, _("energy (eV)"), _("value"));
  evox_xanes_params_init (&self->xanes);
  self->have_xanes = TRUE;
  g_signal_connect_swapped (self->normalised_button, "toggled", G_CALLBACK (rebuild_plot), self);
  pinned_changed (self);
}

GtkWidget *
evox_spectrum_panel_new (void)
{
  return g_object_new (EVOX_TYPE_SPECTRUM_PANEL, NULL);
}

/* evox-particle-panel.c: finds the particles of a phase off the main thread (progress, cancel),
 * summarises them (count, number density, diameters, size distribution) and lists them in a
 * sortable table whose selection follows the document's selected particle. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>

#include "evox-particle-panel.h"
#include "evox-ui-util.h"
#include "evox-units.h"
#include "evox-plot.h"
#include "evox-ui-resources.h"
#include "evox-watershed.h"

#define DEFAULT_MIN_SIZE 8

/* GNOME's blue accent, readable on light and dark themes. */
static const GdkRGBA bar_color = { 0.208f, 0.518f, 0.894f, 1.0f };

/* Table columns; each is also a property of the row objects, which the sorters read. */
typedef enum
{
  COLUMN_ID,
  COLUMN_VOXELS,
  COLUMN_VOLUME,
  COLUMN_DIAMETER,
  COLUMN_AREA,
  COLUMN_SPHERICITY,
  COLUMN_X,
  COLUMN_Y,
  COLUMN_Z,
  COLUMN_MEAN,
  COLUMN_STD,
  COLUMN_MIN,
  COLUMN_MAX,
  COLUMN_BOX_X0,
  COLUMN_BOX_Y0,
  COLUMN_BOX_Z0,
  COLUMN_BOX_X1,
  COLUMN_BOX_Y1,
  COLUMN_BOX_Z1,
  COLUMN_BORDER,
  N_COLUMNS
} Column;

static const struct
{
  const char *property;
  const char *title;
} columns[N_COLUMNS] = {
  { "id", N_("ID") },
  { "voxels", N_("Voxels") },
  { "volume", N_("Volume") },
  { "diameter", N_("Diameter") },
  { "area", N_("Area") },
  { "sphericity", N_("Sphericity") },
  { "x", N_("x") },
  { "y", N_("y") },
  { "z", N_("z") },
  { "mean", N_("Mean") },
  { "std", N_("Std") },
  { "min", N_("Min") },
  { "max", N_("Max") },
  { "bbox-x0", N_("Box x₀ (vx)") },
  { "bbox-y0", N_("Box y₀ (vx)") },
  { "bbox-z0", N_("Box z₀ (vx)") },
  { "bbox-x1", N_("Box x₁ (vx)") },
  { "bbox-y1", N_("Box y₁ (vx)") },
  { "bbox-z1", N_("Box z₁ (vx)") },
  { "border", N_("Border") },
};

/* Widths fit each column's title (with its unit and the sort arrow) and the numbers it shows in
 * the default font, so the default set (380 px) fits the panel at its narrowest unscrolled; a
 * value unit widens Mean (to 108 px with eV, which the panel at 1280 px still holds). */
static const struct
{
  int      width;
  gboolean shown;    /* by default */
} column_layout[N_COLUMNS] = {
  [COLUMN_ID] = { 40, TRUE },
  [COLUMN_VOXELS] = { 72, TRUE },
  [COLUMN_VOLUME] = { 104, FALSE },
  [COLUMN_DIAMETER] = { 120, TRUE },
  [COLUMN_AREA] = { 96, FALSE },
  [COLUMN_SPHERICITY] = { 88, TRUE },
  [COLUMN_X] = { 72, FALSE },
  [COLUMN_Y] = { 72, FALSE },
  [COLUMN_Z] = { 72, FALSE },
  [COLUMN_MEAN] = { 60, TRUE },
  [COLUMN_STD] = { 60, FALSE },
  [COLUMN_MIN] = { 60, FALSE },
  [COLUMN_MAX] = { 60, FALSE },
  [COLUMN_BOX_X0] = { 88, FALSE },
  [COLUMN_BOX_Y0] = { 88, FALSE },
  [COLUMN_BOX_Z0] = { 88, FALSE },
  [COLUMN_BOX_X1] = { 88, FALSE },
  [COLUMN_BOX_Y1] = { 88, FALSE },
  [COLUMN_BOX_Z1] = { 88, FALSE },
  [COLUMN_BORDER] = { 64, FALSE },
};

/* Which columns show, shared by every panel of the session: a choice made in one window holds
 * for the next. Bit c is column c; 0 until the first panel fills in the defaults. */
static guint32 session_columns;

/* Rows: one small object per particle, made when the table first asks for it. */

#define EVOX_TYPE_PARTICLE_ROW (evox_particle_row_get_type ())
G_DECLARE_FINAL_TYPE (EvoxParticleRow, evox_particle_row, EVOX, PARTICLE_ROW, GObject)

struct _EvoxParticleRow
{
  GObject             parent_instance;
  EvoxLabels         *labels;     /* keeps particle alive */
  const EvoxParticle *particle;
};

G_DEFINE_FINAL_TYPE (EvoxParticleRow, evox_particle_row, G_TYPE_OBJECT)

static void
evox_particle_row_finalize (GObject *object)
{
  EvoxParticleRow *self = EVOX_PARTICLE_ROW (object);

  g_clear_object (&self->labels);

  G_OBJECT_CLASS (evox_particle_row_parent_class)->finalize (object);
}

static void
evox_particle_row_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  const EvoxParticle *p = EVOX_PARTICLE_ROW (object)->particle;

  switch ((Column) (prop_id - 1))
    {
    case COLUMN_ID:
      g_value_set_uint (value, p->id);
      break;
    case COLUMN_VOXELS:
      g_value_set_uint64 (value, p->voxels);
      break;
    case COLUMN_VOLUME:
      g_value_set_double (value, p->volume_nm3);
      break;
    case COLUMN_DIAMETER:
      g_value_set_double (value, p->diameter_nm);
      break;
    case COLUMN_AREA:
      g_value_set_double (value, p->area_nm2);
      break;
    case COLUMN_SPHERICITY:
      g_value_set_double (value, p->sphericity);
      break;
    case COLUMN_X:
    case COLUMN_Y:
    case COLUMN_Z:
      g_value_set_double (value, p->centroid_nm[prop_id - 1 - COLUMN_X]);
      break;
    case COLUMN_MEAN:
      g_value_set_double (value, p->mean);
      break;
    case COLUMN_STD:
      g_value_set_double (value, p->std);
      break;
    case COLUMN_BOX_X0:
    case COLUMN_BOX_Y0:
    case COLUMN_BOX_Z0:
      g_value_set_uint (value, p->bbox_min[prop_id - 1 - COLUMN_BOX_X0]);
      break;
    case COLUMN_BOX_X1:
    case COLUMN_BOX_Y1:
    case COLUMN_BOX_Z1:
      g_value_set_uint (value, p->bbox_max[prop_id - 1 - COLUMN_BOX_X1]);
      break;
    case COLUMN_MIN:
      g_value_set_double (value, p->min);
      break;
    case COLUMN_MAX:
      g_value_set_double (value, p->max);
      break;
    case COLUMN_BORDER:
      g_value_set_boolean (value, p->touches_border);
      break;
    case N_COLUMNS:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_particle_row_class_init (EvoxParticleRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = evox_particle_row_finalize;
  object_class->get_property = evox_particle_row_get_property;

  for (guint c = 0; c < N_COLUMNS; c++)
    {
      GParamSpec *pspec;

      if (c == COLUMN_ID || (c >= COLUMN_BOX_X0 && c <= COLUMN_BOX_Z1))
        pspec = g_param_spec_uint (columns[c].property, NULL, NULL, 0, G_MAXUINT32, 0, flags);
      else if (c == COLUMN_VOXELS)
        pspec = g_param_spec_uint64 (columns[c].property, NULL, NULL, 0, G_MAXUINT64, 0, flags);
      else if (c == COLUMN_BORDER)
        pspec = g_param_spec_boolean (columns[c].property, NULL, NULL, FALSE, flags);
      else
        pspec = g_param_spec_double (columns[c].property, NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE,
                                     0, flags);
      g_object_class_install_property (object_class, c + 1, pspec);
    }
}

static void
evox_particle_row_init (EvoxParticleRow *self)
{
}

/* The list of one EvoxLabels' particles, in label order. */

#define EVOX_TYPE_PARTICLE_MODEL (evox_particle_model_get_type ())
G_DECLARE_FINAL_TYPE (EvoxParticleModel, evox_particle_model, EVOX, PARTICLE_MODEL, GObject)

struct _EvoxParticleModel
{
  GObject     parent_instance;
  EvoxLabels *labels;
  GPtrArray  *rows;    /* EvoxParticleRow or NULL until asked for */
};

static void evox_particle_model_list_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (EvoxParticleModel, evox_particle_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      evox_particle_model_list_init))

static GType
evox_particle_model_get_item_type (GListModel *list)
{
  return EVOX_TYPE_PARTICLE_ROW;
}

static guint
evox_particle_model_get_n_items (GListModel *list)
{
  return EVOX_PARTICLE_MODEL (list)->rows->len;
}

static gpointer
evox_particle_model_get_item (GListModel *list,
                              guint       position)
{
  EvoxParticleModel *self = EVOX_PARTICLE_MODEL (list);
  EvoxParticleRow *row;

  if (position >= self->rows->len)
    return NULL;
  row = g_ptr_array_index (self->rows, position);
  if (row == NULL)
    {
      row = g_object_new (EVOX_TYPE_PARTICLE_ROW, NULL);
      row->labels = g_object_ref (self->labels);
      row->particle = evox_labels_get_particle (self->labels, position + 1);
      g_assert (row->particle != NULL);
      g_ptr_array_index (self->rows, position) = row;
    }
  return g_object_ref (row);
}

static void
evox_particle_model_list_init (GListModelInterface *iface)
{
  iface->get_item_type = evox_particle_model_get_item_type;
  iface->get_n_items = evox_particle_model_get_n_items;
  iface->get_item = evox_particle_model_get_item;
}

static void
evox_particle_model_finalize (GObject *object)
{
  EvoxParticleModel *self = EVOX_PARTICLE_MODEL (object);

  g_ptr_array_unref (self->rows);
  g_clear_object (&self->labels);

  G_OBJECT_CLASS (evox_particle_model_parent_class)->finalize (object);
}

static void
evox_particle_model_class_init (EvoxParticleModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_particle_model_finalize;
}

static void
evox_particle_model_init (EvoxParticleModel *self)
{
  self->rows = g_ptr_array_new_with_free_func (g_object_unref);
}

static EvoxParticleModel *
evox_particle_model_new (EvoxLabels *labels)
{
  EvoxParticleModel *self = g_object_new (EVOX_TYPE_PARTICLE_MODEL, NULL);

  if (labels != NULL)
    {
      self->labels = g_object_ref (labels);
      /* Slots stay NULL until a row is asked for (g_object_unref is not called on NULL). */
      g_ptr_array_set_size (self->rows, evox_labels_get_n_particles (labels));
    }
  return self;
}

/* The panel */

struct _EvoxParticlePanel
{
  GtkWidget           parent_instance;

  EvoxDocument       *document;
  GBinding           *phase_binding;
  EvoxConnectivity    connectivity;
  guint               min_size;
  double              split_size;
  /* Set while the panel moves the table's selection itself, so that it does not answer. */
  gboolean            updating;

  /* The running search, if any. */
  EvoxUiJob          job;

  GtkSortListModel   *sorted;
  GtkSingleSelection *selection;

  GtkDropDown        *phase_dropdown;
  GtkDropDown        *connectivity_dropdown;
  GtkSpinButton      *min_size_spin;
  GtkWidget          *progress_box;
  GtkProgressBar     *progress_bar;
  GtkLabel           *error_label;
  GtkLabel           *summary_label;
  EvoxPlot           *plot;
  GtkColumnView      *column_view;
  GtkMenuButton      *columns_button;
  GtkDropDown        *color_dropdown;
  GtkDrawingArea     *color_bar;
  GtkSpinButton      *split_spin;
  GtkWidget          *split_box;
  GtkLabel           *split_label;
  GtkLabel           *split_unit_label;
  GBinding           *color_binding;

  /* While a split is previewed: the labels it replaced in the document, and the colouring
   * before the preview coloured every piece apart. Set while the panel swaps them itself. */
  EvoxLabels         *unsplit;
  EvoxParticleColor   colors_before_split;
  gboolean            swapping_labels;
};

G_DEFINE_FINAL_TYPE (EvoxParticlePanel, evox_particle_panel, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_DOCUMENT,
  PROP_CONNECTIVITY,
  PROP_MIN_SIZE,
  PROP_SPLIT_SIZE,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static EvoxLabels *
current_labels (EvoxParticlePanel *self)
{
  return self->document != NULL ? evox_document_get_labels (self->document) : NULL;
}

static EvoxVolume *
current_volume (EvoxParticlePanel *self)
{
  return self->document != NULL ? evox_document_get_volume (self->document) : NULL;
}

static void
show_error (EvoxParticlePanel *self,
            const char        *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
update_actions (EvoxParticlePanel *self)
{
  gboolean busy = self->job.cancellable != NULL;
  gboolean can_find = current_volume (self) != NULL &&
                      gtk_drop_down_get_selected_item (self->phase_dropdown) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "particles.find", can_find && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "particles.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "particles.preview-split",
                                 !busy && (self->unsplit != NULL || current_labels (self) != NULL));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "particles.apply-split",
                                 !busy && self->unsplit != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "particles.discard-split",
                                 !busy && self->unsplit != NULL);
}

/* Summary and size distribution */

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Four significant digits, but a tenth for values from 1000 on: a particle's mean edge energy
 * (8342.5 eV against 8344.9 eV) differs in the decimals, which "%.4g" rounded away. */
static char *
format_value (double value)
{
  if (fabs (value) >= 1000 && fabs (value) < 1e6)
    return g_strdup_printf ("%.1f", value);
  return g_strdup_printf ("%.4g", value);
}

/* The stored values the phase named `name` owns (evox_phase_list_get_owned_range): a voxel on an
 * edge it shares with a phase before it belongs to that phase, here as in fractions and label
 * volumes. FALSE when there is no such phase or it owns no value. */
static gboolean
get_owned_range (EvoxParticlePanel *self,
                 const char        *name,
                 double            *lo,
                 double            *hi)
{
  EvoxPhaseList *phases = evox_document_get_phases (self->document);
  EvoxVolume *volume = current_volume (self);
  float first, last;
  int index;

  if (name == NULL || volume == NULL || (index = evox_phase_list_find (phases, name)) < 0 ||
      !evox_phase_list_get_owned_range (phases, (guint) index,
                                        evox_volume_get_sample_type (volume), &first, &last))
    return FALSE;
  *lo = first;
  *hi = last;
  return TRUE;
}

/* Whether the phase the labels came from still owns the same values. */
static gboolean
labels_are_stale (EvoxParticlePanel *self,
                  EvoxLabels        *labels)
{
  const char *name = evox_labels_get_phase_name (labels);
  double lo, hi, owned_lo, owned_hi;

  if (name == NULL || evox_phase_list_find (evox_document_get_phases (self->document), name) < 0)
    return FALSE;
  if (!get_owned_range (self, name, &owned_lo, &owned_hi))
    return TRUE;
  evox_labels_get_range (labels, &lo, &hi);
  return owned_lo != lo || owned_hi != hi;
}

static void
update_summary (EvoxParticlePanel *self)
{
  EvoxLabels *labels = current_labels (self);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree double *diameters = NULL;
  g_autofree char *lo_text = NULL, *hi_text = NULL;
  g_autofree char *density = NULL, *mean_text = NULL, *median_text = NULL;
  const char *phase_name;
  guint n, dropped;
  double lo, hi, sum = 0, median;
  EvoxUnits units;

  if (labels == NULL)
    {
      if (current_volume (self) == NULL)
        g_string_append (text, _("Open a volume to find its particles."));
      else if (evox_phase_list_get_n_phases (evox_document_get_phases (self->document)) == 0)
        g_string_append (text, _("No phases yet: add one in the phase panel, then find its "
                                 "particles."));
      else
        g_string_append (text, _("No particles found yet: pick a phase and press Find "
                                 "particles."));
      gtk_label_set_text (self->summary_label, text->str);
      return;
    }

  n = evox_labels_get_n_particles (labels);
  dropped = evox_labels_get_n_dropped (labels);
  phase_name = evox_labels_get_phase_name (labels);
  evox_labels_get_range (labels, &lo, &hi);
  lo_text = format_value (lo);
  hi_text = format_value (hi);
  /* The range's unit where the values are linear in one (eV on an edge-energy map). */
  {
    EvoxVolume *volume = evox_labels_get_volume (labels);
    guint channel = evox_labels_get_channel (labels);
    g_autofree char *unit = evox_units_dup_display (evox_volume_get_channel_unit (volume,
                                                                                  channel));

    if (unit != NULL && *unit != '\0' &&
        evox_volume_get_channel_value_scale (volume, channel) == EVOX_SCALE_LINEAR)
      {
        g_autofree char *bare = g_steal_pointer (&hi_text);

        hi_text = g_strdup_printf ("%s %s", bare, unit);
      }
  }

  /* TRANSLATORS: "12 particles in “Active material” (85 – 85), 26-connected" */
  g_string_append_printf (text, ngettext ("%u particle in “%s” (%s – %s), %d-connected",
                                          "%u particles in “%s” (%s – %s), %d-connected", n),
                          n, phase_name != NULL ? phase_name : _("the phase"), lo_text, hi_text,
                          (int) evox_labels_get_connectivity (labels));
  /* Fractions of an SSRM stack may be of its scans; particles never are (basis, Phases page). */
  if (evox_basis_has_choice (current_volume (self), evox_document_get_channel (self->document)))
    g_string_append_printf (text, "\n%s", _("Statistics of the interpolated volume: particles "
                                             "join in 3D across its layers."));
  if (dropped > 0)
    {
      g_autofree char *min_size = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                   evox_labels_get_min_size (labels));

      g_string_append_c (text, '\n');
      g_string_append_printf (text, ngettext ("%u component under %s voxels dropped",
                                              "%u components under %s voxels dropped", dropped),
                              dropped, min_size);
    }
  units = evox_units_for_volume (evox_labels_get_volume (labels));
  density = evox_format_density (&units, evox_labels_get_number_density (labels) * 1e-9,
                                 EVOX_UNITS_UNICODE);
  g_string_append_c (text, '\n');
  /* TRANSLATORS: a number of particles per unit volume, with its unit ("3.2 µm⁻³") */
  g_string_append_printf (text, _("Number density: %s"), density);

  if (n > 0)
    {
      diameters = g_new (double, n);
      for (guint i = 0; i < n; i++)
        {
          diameters[i] = evox_labels_get_particle (labels, i + 1)->diameter_nm;
          sum += diameters[i];
        }
      qsort (diameters, n, sizeof (double), compare_doubles);
      median = n % 2 ? diameters[n / 2] : (diameters[n / 2 - 1] + diameters[n / 2]) / 2;
      g_string_append_c (text, '\n');
      mean_text = evox_format_length (&units, sum / n, EVOX_UNITS_UNICODE);
      median_text = evox_format_length (&units, median, EVOX_UNITS_UNICODE);
      /* TRANSLATORS: two lengths with their unit */
      g_string_append_printf (text, _("Equivalent diameter: mean %s, median %s"), mean_text,
                              median_text);
    }
  if (labels_are_stale (self, labels))
    {
      g_string_append_c (text, '\n');
      g_string_append (text, _("The phase’s range has changed since: find the particles "
                               "again."));
    }
  gtk_label_set_text (self->summary_label, text->str);
}

/* The smallest 1, 2, 2.5 or 5 times a power of ten that is >= x (> 0). */
static double
round_width (double x)
{
  static const double mantissas[] = { 1, 2, 2.5, 5, 10 };
  double decade = pow (10, floor (log10 (x)));

  for (guint i = 0; i < G_N_ELEMENTS (mantissas); i++)
    if (mantissas[i] * decade >= x * (1 - 1e-12))
      return mantissas[i] * decade;
  return 10 * decade;
}

/* Equivalent diameters in about 24 bins (10 for a few particles) of a round width. */
static void
update_plot (EvoxParticlePanel *self)
{
  EvoxLabels *labels = current_labels (self);
  guint n = labels != NULL ? evox_labels_get_n_particles (labels) : 0;
  g_autofree double *edges = NULL;
  g_autofree double *counts = NULL;
  double lo = INFINITY, hi = -INFINITY, width, start;
  guint n_bins;
  EvoxUnits units;

  evox_plot_clear (self->plot);
  if (n == 0)
    return;

  units = evox_units_for_volume (evox_labels_get_volume (labels));
  for (guint i = 1; i <= n; i++)
    {
      double d = evox_labels_get_particle (labels, i)->diameter_nm / units.nm;
      lo = MIN (lo, d);
      hi = MAX (hi, d);
    }
  if (!(hi > lo))
    width = round_width (MAX (hi * 0.1, 1e-6));
  else
    width = round_width ((hi - lo) / (n < 50 ? 10 : 24));
  start = floor (lo / width) * width;
  n_bins = (guint) floor ((hi - start) / width) + 1;

  edges = g_new (double, n_bins + 1);
  counts = g_new0 (double, n_bins);
  for (guint b = 0; b <= n_bins; b++)
    edges[b] = start + b * width;
  for (guint i = 1; i <= n; i++)
    {
      double d = evox_labels_get_particle (labels, i)->diameter_nm / units.nm;
      gint64 b = (gint64) floor ((d - start) / width);

      counts[CLAMP (b, 0, (gint64) n_bins - 1)] += 1;
    }
  evox_plot_set_bars (self->plot, edges, counts, n_bins, &bar_color);
}

/* Table */

static guint
row_id (gpointer item)
{
  return item != NULL ? EVOX_PARTICLE_ROW (item)->particle->id : 0;
}

static guint
selected_id (EvoxParticlePanel *self)
{
  return row_id (gtk_single_selection_get_selected_item (self->selection));
}

/* Position of particle id in the sorted table. Unsorted, rows are in label order. */
static guint
find_position (EvoxParticlePanel *self,
               guint              id)
{
  GListModel *model = G_LIST_MODEL (self->sorted);
  guint n = g_list_model_get_n_items (model);

  if (id == 0)
    return GTK_INVALID_LIST_POSITION;
  if (id <= n)
    {
      g_autoptr(GObject) row = g_list_model_get_item (model, id - 1);
      if (row_id (row) == id)
        return id - 1;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) row = g_list_model_get_item (model, i);
      if (row_id (row) == id)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
scroll_to_row (EvoxParticlePanel *self,
               guint              position)
{
#if GTK_CHECK_VERSION (4, 12, 0)
  gtk_column_view_scroll_to (self->column_view, position, NULL, GTK_LIST_SCROLL_NONE, NULL);
#else
  /* Before 4.12 the column view's inner list view has the scroll action. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      gtk_widget_activate_action (child, "list.scroll-to-item", "u", position);
#endif
}

/* The document's selected particle -> the table's selection. */
static void
sync_selection (EvoxParticlePanel *self)
{
  guint id = self->document != NULL ? evox_document_get_selected_particle (self->document) : 0;
  guint position;

  if (id == selected_id (self))
    return;
  position = find_position (self, id);
  self->updating = TRUE;
  gtk_single_selection_set_selected (self->selection, position);
  self->updating = FALSE;
  if (position != GTK_INVALID_LIST_POSITION && gtk_widget_get_mapped (GTK_WIDGET (self)))
    scroll_to_row (self, position);
}

/* The table's selection -> the document: the particle is selected and the slices go through it. */
static void
on_selection_changed (EvoxParticlePanel *self)
{
  guint id;

  if (self->updating || self->document == NULL)
    return;
  id = selected_id (self);
  if (id == evox_document_get_selected_particle (self->document))
    return;
  if (id != 0)
    evox_document_focus_particle (self->document, id);
  else
    evox_document_set_selected_particle (self->document, 0);
}

/* Enter or a double click on a row centres on it again, even when it was already selected. */
static void
on_row_activated (GtkColumnView     *view,
                  guint              position,
                  EvoxParticlePanel *self)
{
  g_autoptr(GObject) row = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);

  if (row != NULL && self->document != NULL)
    evox_document_focus_particle (self->document, row_id (row));
}

/* The unit of the values the Mean, Std, Min and Max cells show: the labels' channel, or before
 * any are found the channel shown; NULL where the values are not linear in a unit (log10 Ω). */
static const char *
value_unit (EvoxParticlePanel *self)
{
  EvoxLabels *labels = current_labels (self);
  EvoxVolume *volume = labels != NULL ? evox_labels_get_volume (labels) : current_volume (self);
  guint channel;
  const char *unit;

  if (volume == NULL)
    return NULL;
  channel = labels != NULL ? evox_labels_get_channel (labels)
                           : evox_document_get_channel (self->document);
  if (channel >= evox_volume_get_n_channels (volume))
    return NULL;
  unit = evox_volume_get_channel_unit (volume, channel);
  if (unit == NULL || *unit == '\0' ||
      evox_volume_get_channel_value_scale (volume, channel) != EVOX_SCALE_LINEAR)
    return NULL;
  return unit;
}

/* Room a column title needs beside its text: the header's padding and the sort arrow. */
#define TITLE_ALLOWANCE 32
/* The widest a value column grows for its unit, as wide as Diameter's; a longer unit
 * ("µg/cm²") leaves the title bare rather than push the default columns off the panel. */
#define VALUE_COLUMN_MAX 120

/* Width of a column title in the header's bold font. */
static int
title_width (EvoxParticlePanel *self,
             const char        *title)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self->column_view),
                                                                  title);
  g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();
  int width = 0;

  pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, attrs);
  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

/* Column titles and the plot's axis state the unit the cells are in. The value columns say
 * theirs ("Mean (eV)") where the title fits a column a little wider than the bare one. */
static void
update_units (EvoxParticlePanel *self)
{
  EvoxVolume *volume = current_volume (self);
  EvoxUnits units = volume != NULL ? evox_units_for_volume (volume) : evox_units_for_length (0);
  GListModel *list = gtk_column_view_get_columns (self->column_view);
  const char *value = value_unit (self);
  g_autofree char *axis = NULL;

  /* The four value columns say their unit together or not at all, as Mean, the widest, fits. */
  if (value != NULL)
    {
      g_autofree char *mean = g_strdup_printf (_("%s (%s)"), _(columns[COLUMN_MEAN].title), value);

      if (title_width (self, mean) + TITLE_ALLOWANCE > VALUE_COLUMN_MAX)
        value = NULL;
    }
  for (guint c = 0; c < N_COLUMNS && c < g_list_model_get_n_items (list); c++)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (list, c);
      g_autofree char *title = NULL;
      int power = c == COLUMN_VOLUME ? 3 : c == COLUMN_AREA ? 2 : 1;

      if (c == COLUMN_MEAN || c == COLUMN_STD || c == COLUMN_MIN || c == COLUMN_MAX)
        {
          int width = column_layout[c].width;

          if (value != NULL)
            {
              /* TRANSLATORS: a column title and its unit, "Mean (eV)" */
              title = g_strdup_printf (_("%s (%s)"), _(columns[c].title), value);
              width = MAX (width, title_width (self, title) + TITLE_ALLOWANCE);
            }
          gtk_column_view_column_set_title (column, title != NULL ? title : _(columns[c].title));
          /* A width the user dragged the column to stays; only one set here follows the unit. */
          if (gtk_column_view_column_get_fixed_width (column) == column_layout[c].width ||
              gtk_column_view_column_get_fixed_width (column) ==
              GPOINTER_TO_INT (g_object_get_data (G_OBJECT (column), "evox-unit-width")))
            {
              gtk_column_view_column_set_fixed_width (column, width);
              g_object_set_data (G_OBJECT (column), "evox-unit-width", GINT_TO_POINTER (width));
            }
          continue;
        }
      if (c != COLUMN_VOLUME && c != COLUMN_DIAMETER && c != COLUMN_AREA && c != COLUMN_X &&
          c != COLUMN_Y && c != COLUMN_Z)
        continue;
      /* TRANSLATORS: a column title and its unit, "Volume (µm³)" */
      title = g_strdup_printf (_("%s (%s)"), _(columns[c].title),
                               evox_units_symbol (&units, power, EVOX_UNITS_UNICODE));
      gtk_column_view_column_set_title (column, title);
    }
  axis = g_strdup_printf (_("Equivalent diameter (%s)"),
                          evox_units_symbol (&units, 1, EVOX_UNITS_UNICODE));
  gtk_label_set_text (self->split_unit_label, evox_units_symbol (&units, 1, EVOX_UNITS_UNICODE));
  evox_plot_set_axes (self->plot, axis, _("Particles"));
}

static void
sync_labels (EvoxParticlePanel *self)
{
  g_autoptr(EvoxParticleModel) model = evox_particle_model_new (current_labels (self));

  self->updating = TRUE;
  gtk_sort_list_model_set_model (self->sorted, G_LIST_MODEL (model));
  self->updating = FALSE;
  update_units (self);
  update_summary (self);
  update_plot (self);
  sync_selection (self);
}

/* Whole numbers while they stay short, so a column does not mix 8199 with 1.148e+04. */
static char *
format_amount (double value)
{
  if (fabs (value) >= 1e9)
    return g_strdup_printf ("%.4g", value);
  if (fabs (value) >= 100)
    return g_strdup_printf ("%.0f", value);
  return g_strdup_printf ("%.3g", value);
}

/* Lengths in the unit of the column's title (evox_units_for_volume): the same for every row. */
static char *
format_cell (const EvoxParticle *p,
             Column              column,
             const EvoxUnits    *units)
{
  double nm = units->nm;

  switch (column)
    {
    case COLUMN_ID:
      return g_strdup_printf ("%u", p->id);
    case COLUMN_VOXELS:
      return g_strdup_printf ("%" G_GUINT64_FORMAT, p->voxels);
    case COLUMN_VOLUME:
      return format_amount (p->volume_nm3 / (nm * nm * nm));
    case COLUMN_DIAMETER:
      return evox_units_format_number (p->diameter_nm / nm);
    case COLUMN_AREA:
      return format_amount (p->area_nm2 / (nm * nm));
    case COLUMN_SPHERICITY:
      return g_strdup_printf ("%.3f", p->sphericity);
    case COLUMN_X:
    case COLUMN_Y:
    case COLUMN_Z:
      return evox_units_format_number (p->centroid_nm[column - COLUMN_X] / nm);
    case COLUMN_MEAN:
      return format_value (p->mean);
    case COLUMN_STD:
      return g_strdup_printf ("%.4g", p->std);
    case COLUMN_BOX_X0:
    case COLUMN_BOX_Y0:
    case COLUMN_BOX_Z0:
      return g_strdup_printf ("%u", p->bbox_min[column - COLUMN_BOX_X0]);
    case COLUMN_BOX_X1:
    case COLUMN_BOX_Y1:
    case COLUMN_BOX_Z1:
      return g_strdup_printf ("%u", p->bbox_max[column - COLUMN_BOX_X1]);
    case COLUMN_MIN:
      return format_value (p->min);
    case COLUMN_MAX:
      return format_value (p->max);
    case COLUMN_BORDER:
      return g_strdup (p->touches_border ? _("yes") : _("no"));
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  EvoxParticleRow *row = gtk_list_item_get_item (item);
  EvoxUnits units = evox_units_for_volume (evox_labels_get_volume (row->labels));
  g_autofree char *text = format_cell (row->particle, GPOINTER_TO_UINT (user_data), &units);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
on_column_state (GSimpleAction *action,
                 GVariant      *state,
                 gpointer       user_data)
{
  GtkColumnViewColumn *column = user_data;
  guint c = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (action), "evox-column"));
  gboolean shown = g_variant_get_boolean (state);

  g_simple_action_set_state (action, state);
  gtk_column_view_column_set_visible (column, shown);
  if (shown)
    session_columns |= 1u << c;
  else
    session_columns &= ~(1u << c);
}

/* The columns, and a "columns" action group of one boolean action per column (named by its
 * property) behind the Columns menu. */
static void
add_columns (EvoxParticlePanel *self)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GMenu) menu = g_menu_new ();

  if (session_columns == 0)
    for (guint c = 0; c < N_COLUMNS; c++)
      session_columns |= column_layout[c].shown ? 1u << c : 0;

  for (guint c = 0; c < N_COLUMNS; c++)
    {
      GtkListItemFactory *factory = _evox_numeric_cell_factory (G_CALLBACK (bind_cell), c);
      GtkExpression *expression = gtk_property_expression_new (EVOX_TYPE_PARTICLE_ROW, NULL,
                                                                columns[c].property);
      GtkSorter *sorter = GTK_SORTER (gtk_numeric_sorter_new (expression));
      gboolean shown = (session_columns & (1u << c)) != 0;
      g_autoptr(GSimpleAction) action = NULL;
      g_autofree char *detailed = g_strconcat ("columns.", columns[c].property, NULL);
      GtkColumnViewColumn *column;

      column = gtk_column_view_column_new (_(columns[c].title), factory);
      gtk_column_view_column_set_sorter (column, sorter);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_fixed_width (column, column_layout[c].width);
      gtk_column_view_column_set_visible (column, shown);
      gtk_column_view_append_column (self->column_view, column);

      action = g_simple_action_new_stateful (columns[c].property, NULL,
                                             g_variant_new_boolean (shown));
      g_object_set_data (G_OBJECT (action), "evox-column", GUINT_TO_POINTER (c));
      /* The column view holds the column for as long as the panel lives. */
      g_signal_connect (action, "change-state", G_CALLBACK (on_column_state), column);
      g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
      g_menu_append (menu, _(columns[c].title), detailed);
      g_object_unref (sorter);
      g_object_unref (column);
    }
  gtk_widget_insert_action_group (GTK_WIDGET (self), "columns", G_ACTION_GROUP (group));
  gtk_menu_button_set_menu_model (self->columns_button, G_MENU_MODEL (menu));
}

/* Colouring */

static const char *color_titles[EVOX_N_PARTICLE_COLORS] = {
  N_("None"),
  N_("Particle (a colour each)"),
  N_("Size (voxels, log scale)"),
  N_("Equivalent diameter"),
  N_("Sphericity"),
  N_("Mean value"),
  N_("Touches border (no, yes)"),
};

/* The colour map from the smallest to the largest value of the property, the two values under
 * its ends and the quantity with its unit between them, as evox_labels_dup_colors maps them. */
static void
draw_color_bar (GtkDrawingArea *area,
                cairo_t        *cr,
                int             width,
                int             height,
                gpointer        user_data)
{
  EvoxParticlePanel *self = user_data;
  EvoxLabels *labels = current_labels (self);
  EvoxParticleColor by;
  const guint8 (*table)[3];
  g_autoptr(PangoLayout) layout = NULL;
  g_autofree char *lo_text = NULL, *hi_text = NULL, *title = NULL;
  GdkRGBA fg;
  double lo, hi;
  int text_w, text_h;
  const int bar_h = 14;

  if (labels == NULL || width < 8)
    return;
  by = evox_document_get_particle_colors (self->document);
  table = evox_colormap_get_table (evox_document_get_colormap (self->document));
  if (table == NULL || by < EVOX_PARTICLE_COLOR_VOXELS ||
      !evox_labels_get_color_range (labels, by, &lo, &hi))
    return;

  for (int x = 0; x < width; x++)
    {
      int index = (int) lround (255.0 * x / MAX (width - 1, 1));

      cairo_set_source_rgb (cr, table[index][0] / 255.0, table[index][1] / 255.0,
                            table[index][2] / 255.0);
      cairo_rectangle (cr, x, 0, 1, bar_h);
      cairo_fill (cr);
    }

#if GTK_CHECK_VERSION (4, 10, 0)
  gtk_widget_get_color (GTK_WIDGET (area), &fg);
#else
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
#endif
  gdk_cairo_set_source_rgba (cr, &fg);
  /* Diameters in the table's length unit (nm, µm or, without a voxel size, px). */
  if (by == EVOX_PARTICLE_COLOR_DIAMETER)
    {
      EvoxUnits units = evox_units_for_volume (evox_labels_get_volume (labels));

      lo /= units.nm;
      hi /= units.nm;
      title = g_strdup_printf (_("%s (%s)"), _(color_titles[by]),
                               evox_units_symbol (&units, 1, EVOX_UNITS_UNICODE));
    }
  else
    title = g_strdup (_(color_titles[by]));
  lo_text = format_value (lo);
  hi_text = format_value (hi);
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), lo_text);
  cairo_move_to (cr, 0, bar_h + 2);
  pango_cairo_show_layout (cr, layout);
  pango_layout_set_text (layout, hi_text, -1);
  pango_layout_get_pixel_size (layout, &text_w, &text_h);
  cairo_move_to (cr, width - text_w, bar_h + 2);
  pango_cairo_show_layout (cr, layout);
  pango_layout_set_text (layout, title, -1);
  pango_layout_get_pixel_size (layout, &text_w, &text_h);
  cairo_move_to (cr, (width - text_w) / 2.0, bar_h + 2);
  pango_cairo_show_layout (cr, layout);
}

static void
update_color_bar (EvoxParticlePanel *self)
{
  EvoxLabels *labels = current_labels (self);
  EvoxParticleColor by = evox_document_get_particle_colors (self->document);
  gboolean shown = labels != NULL && evox_labels_get_n_particles (labels) > 0 &&
                   by >= EVOX_PARTICLE_COLOR_VOXELS;

  gtk_widget_set_visible (GTK_WIDGET (self->color_bar), shown);
  gtk_widget_queue_draw (GTK_WIDGET (self->color_bar));
}

/* Splitting */

/* Leaves the preview: the document keeps its labels, the colouring goes back unless the user
 * chose another meanwhile. */
static void
end_split_preview (EvoxParticlePanel *self)
{
  if (self->unsplit == NULL)
    return;
  g_clear_object (&self->unsplit);
  gtk_widget_set_visible (self->split_box, FALSE);
  if (self->document != NULL &&
      evox_document_get_particle_colors (self->document) == EVOX_PARTICLE_COLOR_ID)
    evox_document_set_particle_colors (self->document, self->colors_before_split);
  update_actions (self);
}

static void
show_split (EvoxParticlePanel *self,
            EvoxLabels        *split)
{
  g_autofree char *text = NULL;
  guint before = evox_labels_get_n_particles (self->unsplit);
  guint after = evox_labels_get_n_particles (split);

  self->swapping_labels = TRUE;
  evox_document_set_labels (self->document, split);
  self->swapping_labels = FALSE;
  evox_document_set_particle_colors (self->document, EVOX_PARTICLE_COLOR_ID);
  /* TRANSLATORS: a watershed split that is shown but not yet applied: "81 → 844 particles" */
  text = g_strdup_printf (_("Preview: %u → %u particles"), before, after);
  gtk_label_set_text (self->split_label, text);
  gtk_widget_set_visible (self->split_box, TRUE);
  update_actions (self);
}

/* Search */

typedef struct
{
  EvoxParticlePanel *panel;        /* weak: a closed panel only drops the result */
  GCancellable      *cancellable;
  char              *phase_name;
  EvoxLabels        *source;       /* the labels a split starts from */
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_clear_weak_pointer (&data->panel);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->source);
  g_free (data->phase_name);
  g_free (data);
}

/* The panel's actions and busy state once its search stopped. */
static void
job_stopped (gpointer owner)
{
  EvoxParticlePanel *self = owner;

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* The panel a finished search or split reports to, with the search stopped and a failure
 * shown (what failed, then why); NULL when the panel closed or a newer search replaced it. */
static EvoxParticlePanel *
finish_search (SearchData   *data,
               const GError *error,
               const char   *failure)
{
  EvoxParticlePanel *self = data->panel;

  if (self == NULL || self->job.cancellable != data->cancellable)
    return NULL;
  _evox_ui_job_stop (&self->job);
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = g_strdup_printf ("%s: %s", failure, error->message);

      show_error (self, message);
    }
  return self;
}

static void
search_finished (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SearchData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxLabels) labels = evox_labels_compute_finish (result, &error);
  g_autofree char *failure = g_strdup_printf (_("Could not find the particles of “%s”"),
                                              data->phase_name);
  EvoxParticlePanel *self = finish_search (data, error, failure);

  if (self != NULL && labels != NULL &&
      evox_labels_get_volume (labels) == current_volume (self) &&
      evox_labels_get_channel (labels) == evox_document_get_channel (self->document))
    evox_document_set_labels (self->document, labels);
  search_data_free (data);
}

/* Replaces any running search with a new one that shows its progress; the caller starts the
 * work with self->job.progress and self->job.cancellable and hands the returned data to its
 * callback. */
static SearchData *
start_search (EvoxParticlePanel *self,
              const char        *phase_name,
              EvoxLabels        *source)
{
  SearchData *data;

  _evox_ui_job_cancel (&self->job);
  show_error (self, NULL);
  _evox_ui_job_start (&self->job, self->progress_bar, self->progress_box, job_stopped,
                      self);
  data = g_new0 (SearchData, 1);
  g_set_weak_pointer (&data->panel, self);
  data->cancellable = g_object_ref (self->job.cancellable);
  data->phase_name = g_strdup (phase_name);
  if (source != NULL)
    data->source = g_object_ref (source);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  return data;
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  EvoxParticlePanel *self = EVOX_PARTICLE_PANEL (widget);
  EvoxVolume *volume = current_volume (self);
  EvoxPhase *phase = gtk_drop_down_get_selected_item (self->phase_dropdown);
  SearchData *data;
  double lo, hi;

  if (volume == NULL || phase == NULL)
    return;
  if (!get_owned_range (self, evox_phase_get_name (phase), &lo, &hi))
    {
      show_error (self, _("This phase holds no value of its own: the phases before it in the "
                          "list own its whole range."));
      return;
    }

  data = start_search (self, evox_phase_get_name (phase), NULL);

  evox_labels_compute_async (volume, evox_document_get_channel (self->document),
                             evox_phase_get_name (phase), lo, hi, self->connectivity,
                             self->min_size,
                             self->job.progress, self->job.cancellable, search_finished, data);
}

static void
split_finished (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  SearchData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxLabels) split = evox_watershed_split_finish (result, &error);
  g_autofree char *failure = g_strdup_printf (_("Could not split the particles of “%s”"),
                                              data->phase_name != NULL ? data->phase_name : "");
  EvoxParticlePanel *self = finish_search (data, error, failure);

  if (self != NULL && split != NULL &&
      evox_labels_get_volume (split) == current_volume (self) &&
      evox_labels_get_channel (split) == evox_document_get_channel (self->document) &&
      (data->source == self->unsplit || data->source == current_labels (self)))
    {
      if (self->unsplit == NULL)
        {
          self->unsplit = g_object_ref (data->source);
          self->colors_before_split = evox_document_get_particle_colors (self->document);
        }
      show_split (self, split);
    }
  search_data_free (data);
}

/* Splits the labels found (those before the preview, when one is shown) with the h of the
 * spin button, and shows the result in the document until Apply or Cancel. */
static void
preview_split_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  EvoxParticlePanel *self = EVOX_PARTICLE_PANEL (widget);
  EvoxLabels *source = self->unsplit != NULL ? self->unsplit : current_labels (self);
  EvoxUnits units;
  SearchData *data;

  if (source == NULL)
    return;
  data = start_search (self, evox_labels_get_phase_name (source), source);

  /* h is typed in the length unit shown beside it; the split takes nm of the spacing. */
  units = evox_units_for_volume (evox_labels_get_volume (source));
  evox_watershed_split_async (source, self->split_size * units.nm,
                              self->job.progress, self->job.cancellable, split_finished, data);
}

static void
apply_split_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  end_split_preview (EVOX_PARTICLE_PANEL (widget));
}

static void
discard_split_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  EvoxParticlePanel *self = EVOX_PARTICLE_PANEL (widget);
  g_autoptr(EvoxLabels) unsplit = NULL;

  if (self->unsplit == NULL)
    return;
  unsplit = g_object_ref (self->unsplit);
  self->swapping_labels = TRUE;
  evox_document_set_labels (self->document, unsplit);
  self->swapping_labels = FALSE;
  end_split_preview (self);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  _evox_ui_job_cancel (&EVOX_PARTICLE_PANEL (widget)->job);
}

/* Document */

static void
on_document_notify (EvoxDocument      *document,
                    GParamSpec        *pspec,
                    EvoxParticlePanel *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "volume") || g_str_equal (name, "channel"))
    {
      /* A result for the old volume or channel would not belong to the document any more. */
      _evox_ui_job_cancel (&self->job);
      end_split_preview (self);
      show_error (self, NULL);
      update_actions (self);
      update_summary (self);
      /* Before any particle is found the titles already say the new volume's unit (px while
       * its voxel size is not known). */
      update_units (self);
    }
  else if (g_str_equal (name, "labels"))
    {
      /* Labels found anew (or cleared) end a preview: there is nothing to go back to. */
      if (!self->swapping_labels)
        end_split_preview (self);
      sync_labels (self);
      update_actions (self);
      update_color_bar (self);
    }
  else if (g_str_equal (name, "particle-colors") || g_str_equal (name, "colormap"))
    update_color_bar (self);
  else if (g_str_equal (name, "selected-particle"))
    sync_selection (self);
}

static gboolean
phase_to_selected (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  int index = g_value_get_int (from);

  g_value_set_uint (to, index < 0 ? GTK_INVALID_LIST_POSITION : (guint) index);
  return TRUE;
}

static gboolean
selected_to_phase (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  guint selected = g_value_get_uint (from);

  g_value_set_int (to, selected == GTK_INVALID_LIST_POSITION ? -1 : (int) selected);
  return TRUE;
}

static void
release_document (EvoxParticlePanel *self)
{
  if (self->document == NULL)
    return;
  _evox_ui_job_cancel (&self->job);
  end_split_preview (self);
  g_signal_handlers_disconnect_by_data (self->document, self);
  _evox_clear_bindings (&self->color_binding, 1);
  g_signal_handlers_disconnect_by_data (evox_document_get_phases (self->document), self);
  _evox_clear_bindings (&self->phase_binding, 1);
  gtk_drop_down_set_model (self->phase_dropdown, NULL);
  g_clear_object (&self->document);
}

void
evox_particle_panel_set_document (EvoxParticlePanel *self,
                                  EvoxDocument      *document)
{
  g_return_if_fail (EVOX_IS_PARTICLE_PANEL (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  release_document (self);
  show_error (self, NULL);

  if (document != NULL)
    {
      EvoxPhaseList *phases = evox_document_get_phases (document);

      self->document = g_object_ref (document);
      gtk_drop_down_set_model (self->phase_dropdown, G_LIST_MODEL (phases));
      /* Weak on both ends; the panel owns it so that a swap can undo it. */
      self->phase_binding = g_object_ref (
        g_object_bind_property_full (document, "selected-phase", self->phase_dropdown, "selected",
                                     G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                                     phase_to_selected, selected_to_phase, NULL, NULL));
      self->color_binding = g_object_ref (
        g_object_bind_property (document, "particle-colors", self->color_dropdown, "selected",
                                G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE));
      g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
      g_signal_connect_object (phases, "changed", G_CALLBACK (update_summary), self,
                               G_CONNECT_SWAPPED);
    }
  sync_labels (self);
  update_actions (self);
  update_color_bar (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

EvoxDocument *
evox_particle_panel_get_document (EvoxParticlePanel *self)
{
  g_return_val_if_fail (EVOX_IS_PARTICLE_PANEL (self), NULL);
  return self->document;
}

/* Controls */

static gboolean
connectivity_to_selected (GBinding     *binding,
                          const GValue *from,
                          GValue       *to,
                          gpointer      user_data)
{
  int connectivity = g_value_get_int (from);

  g_value_set_uint (to, connectivity == 6 ? 0 : connectivity == 18 ? 1 : 2);
  return TRUE;
}

static gboolean
selected_to_connectivity (GBinding     *binding,
                          const GValue *from,
                          GValue       *to,
                          gpointer      user_data)
{
  static const int values[] = { 6, 18, 26 };
  guint selected = g_value_get_uint (from);

  if (selected >= G_N_ELEMENTS (values))
    return FALSE;
  g_value_set_int (to, values[selected]);
  return TRUE;
}

EvoxConnectivity
evox_particle_panel_get_connectivity (EvoxParticlePanel *self)
{
  g_return_val_if_fail (EVOX_IS_PARTICLE_PANEL (self), EVOX_CONNECTIVITY_26);
  return self->connectivity;
}

void
evox_particle_panel_set_connectivity (EvoxParticlePanel *self,
                                      EvoxConnectivity   connectivity)
{
  g_return_if_fail (EVOX_IS_PARTICLE_PANEL (self));
  g_return_if_fail (evox_connectivity_is_valid (connectivity));

  if (self->connectivity == connectivity)
    return;
  self->connectivity = connectivity;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTIVITY]);
}

guint
evox_particle_panel_get_min_size (EvoxParticlePanel *self)
{
  g_return_val_if_fail (EVOX_IS_PARTICLE_PANEL (self), 1);
  return self->min_size;
}

void
evox_particle_panel_set_min_size (EvoxParticlePanel *self,
                                  guint              min_size)
{
  g_return_if_fail (EVOX_IS_PARTICLE_PANEL (self));

  min_size = MAX (min_size, 1);
  if (self->min_size == min_size)
    return;
  self->min_size = min_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIN_SIZE]);
}

gboolean
evox_particle_panel_is_busy (EvoxParticlePanel *self)
{
  g_return_val_if_fail (EVOX_IS_PARTICLE_PANEL (self), FALSE);
  return self->job.cancellable != NULL;
}

GtkColumnView *
evox_particle_panel_get_column_view (EvoxParticlePanel *self)
{
  g_return_val_if_fail (EVOX_IS_PARTICLE_PANEL (self), NULL);
  return self->column_view;
}

const char *
evox_particle_panel_get_summary (EvoxParticlePanel *self)
{
  g_return_val_if_fail (EVOX_IS_PARTICLE_PANEL (self), NULL);
  return gtk_label_get_text (self->summary_label);
}

const char *
evox_particle_panel_get_error (EvoxParticlePanel *self)
{
  g_return_val_if_fail (EVOX_IS_PARTICLE_PANEL (self), NULL);
  return gtk_label_get_text (self->error_label);
}

GtkWidget *
evox_particle_panel_get_plot (EvoxParticlePanel *self)
{
  g_return_val_if_fail (EVOX_IS_PARTICLE_PANEL (self), NULL);
  return GTK_WIDGET (self->plot);
}

/* GObject */

static void
evox_particle_panel_dispose (GObject *object)
{
  EvoxParticlePanel *self = EVOX_PARTICLE_PANEL (object);

  release_document (self);
  if (self->column_view != NULL)
    gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->sorted);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_PARTICLE_PANEL);

  G_OBJECT_CLASS (evox_particle_panel_parent_class)->dispose (object);
}

static void
evox_particle_panel_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  EvoxParticlePanel *self = EVOX_PARTICLE_PANEL (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_CONNECTIVITY:
      g_value_set_int (value, self->connectivity);
      break;
    case PROP_MIN_SIZE:
      g_value_set_uint (value, self->min_size);
      break;
    case PROP_SPLIT_SIZE:
      g_value_set_double (value, self->split_size);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->job.cancellable != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_particle_panel_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  EvoxParticlePanel *self = EVOX_PARTICLE_PANEL (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      evox_particle_panel_set_document (self, g_value_get_object (value));
      break;
    case PROP_CONNECTIVITY:
      evox_particle_panel_set_connectivity (self, g_value_get_int (value));
      break;
    case PROP_MIN_SIZE:
      evox_particle_panel_set_min_size (self, g_value_get_uint (value));
      break;
    case PROP_SPLIT_SIZE:
      if (self->split_size != g_value_get_double (value))
        {
          self->split_size = g_value_get_double (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_particle_panel_class_init (EvoxParticlePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_particle_panel_dispose;
  object_class->get_property = evox_particle_panel_get_property;
  object_class->set_property = evox_particle_panel_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, EVOX_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONNECTIVITY] =
    g_param_spec_int ("connectivity", NULL, NULL, 6, 26, EVOX_CONNECTIVITY_26,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MIN_SIZE] =
    g_param_spec_uint ("min-size", NULL, NULL, 1, G_MAXUINT, DEFAULT_MIN_SIZE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPLIT_SIZE] =
    g_param_spec_double ("split-size", NULL, NULL, 0.1, 100000, 2.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Referencing the bundle keeps its object file, whose constructor registers it, in the link
   * of a static library (a test may link the panel without the application). */
  (void) evox_ui_get_resource ();
  g_type_ensure (EVOX_TYPE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/evox/Evox/evox-particle-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, phase_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, connectivity_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, min_size_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, progress_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, error_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, summary_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, plot);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, column_view);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, columns_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, color_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, color_bar);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, split_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, split_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, split_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxParticlePanel, split_unit_label);

  gtk_widget_class_install_action (widget_class, "particles.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "particles.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "particles.preview-split", NULL,
                                   preview_split_action);
  gtk_widget_class_install_action (widget_class, "particles.apply-split", NULL,
                                   apply_split_action);
  gtk_widget_class_install_action (widget_class, "particles.discard-split", NULL,
                                   discard_split_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_particle_panel_init (EvoxParticlePanel *self)
{
  self->connectivity = EVOX_CONNECTIVITY_26;
  self->min_size = DEFAULT_MIN_SIZE;
  self->split_size = 2.0;

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_drop_down_set_expression (self->phase_dropdown,
                                gtk_property_expression_new (EVOX_TYPE_PHASE, NULL, "name"));
  g_signal_connect_swapped (self->phase_dropdown, "notify::selected",
                            G_CALLBACK (update_actions), self);
  g_object_bind_property_full (self, "connectivity", self->connectivity_dropdown, "selected",
                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                               connectivity_to_selected, selected_to_connectivity, NULL, NULL);
  g_object_bind_property (self, "min-size", gtk_spin_button_get_adjustment (self->min_size_spin),
                          "value", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "split-size", gtk_spin_button_get_adjustment (self->split_spin),
                          "value", G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  {
    g_autoptr(GtkStringList) titles = gtk_string_list_new (NULL);

    for (guint c = 0; c < EVOX_N_PARTICLE_COLORS; c++)
      gtk_string_list_append (titles, _(color_titles[c]));
    gtk_drop_down_set_model (self->color_dropdown, G_LIST_MODEL (titles));
  }
  gtk_drawing_area_set_draw_func (self->color_bar, draw_color_bar, self, NULL);

  add_columns (self);
  self->sorted = gtk_sort_list_model_new (NULL, g_object_ref (gtk_column_view_get_sorter (
                                                                self->column_view)));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sorted)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (on_selection_changed), self);
  g_signal_connect (self->column_view, "activate", G_CALLBACK (on_row_activated), self);

  evox_plot_set_axes (self->plot, _("Equivalent diameter (nm)"), _("Particles"));
  evox_plot_set_placeholder (self->plot, _("No particles"));
  sync_labels (self);
  update_actions (self);
}

GtkWidget *
evox_particle_panel_new (void)
{
  return g_object_new (EVOX_TYPE_PARTICLE_PANEL, NULL);
}

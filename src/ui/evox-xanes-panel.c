/* evox-xanes-panel.c: the XANES page: edge-energy and elemental maps of the document's stack,
 * computed off the main thread, listed, shown and exported. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evox-xanes-panel.h"
#include "evox-elements.h"
#include "evox-maps-writer.h"
#include "evox-methods.h"
#include "evox-ui-util.h"
#include "evox-units.h"

/* Channels of the normalised stack are labelled "norm <E> eV" (evox-xanes.h). */
#define NORM_PREFIX "norm "

typedef enum
{
  JOB_MAPS,
  JOB_ELEMENTS,
} JobKind;

struct _EvoxXanesPanel
{
  GtkWidget          parent_instance;

  EvoxDocument      *document;
  /* The stack the page computes from, and its energies sorted: a stack with other energies
   * fills the edge, elements and pairs again. */
  EvoxVolume        *stack;
  GArray            *energies;
  gboolean           available;
  EvoxUiJob          job;
  double             last_e0;   /* of the last XANES run, NaN before one */
  gboolean           syncing_list;

  /* template children */
  GtkEntry          *edge_entry;
  GtkLabel          *edge_label;
  GtkEntry          *pre_entry;
  GtkEntry          *post_entry;
  GtkDropDown       *nnorm_dropdown;
  GtkSpinButton     *mask_spin;
  GtkWidget         *maps_progress_box;
  GtkProgressBar    *maps_progress_bar;
  GtkLabel          *summary_label;
  GtkLabel          *maps_error_label;
  GtkEntry          *elements_entry;
  GtkDropDown       *method_dropdown;
  GtkEntry          *pairs_entry;
  GtkEntry          *matrix_entry;
  GtkWidget         *elements_progress_box;
  GtkProgressBar    *elements_progress_bar;
  GtkLabel          *elements_error_label;
  GtkWidget         *view_switch;
  GtkToggleButton   *stack_button;
  GtkToggleButton   *maps_button;
  GtkWidget         *maps_box;
  GtkListBox        *maps_list;
};

G_DEFINE_FINAL_TYPE (EvoxXanesPanel, evox_xanes_panel, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_AVAILABLE,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_PARAMS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_message (GtkLabel   *label,
              const char *message)
{
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

static EvoxVolume *
current_maps (EvoxXanesPanel *self)
{
  return self->document != NULL ? evox_document_get_maps (self->document) : NULL;
}

/* Fields */

/* Energies as the window writes them everywhere ("8178", "7712.5"). */
static char *
format_energy (double energy)
{
  return g_strdup_printf ("%.6g", energy);
}

static void
update_edge_label (EvoxXanesPanel *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->edge_entry));
  g_autoptr(GError) error = NULL;
  EvoxEdge edge;

  if (*text == '\0')
    {
      gtk_label_set_text (self->edge_label, _("No edge: E0 from the mean spectrum"));
      return;
    }
  if (!evox_edge_parse (text, &edge, &error))
    {
      gtk_label_set_text (self->edge_label, error->message);
      return;
    }
  {
    g_autofree char *description = evox_edge_describe (&edge);
    gboolean inside = self->energies->len >= 2 &&
                      edge.energy > g_array_index (self->energies, double, 0) &&
                      edge.energy < g_array_index (self->energies, double,
                                                   self->energies->len - 1);
    g_autofree char *line = g_strdup_printf (inside ? _("%s, inside the stack’s energies")
                                                    : _("%s: outside the stack’s energies"),
                                             description);

    gtk_label_set_text (self->edge_label, line);
  }
}

/* A new set of energies: the edge (evox_edge_guess), the elements (evox_elements_guess) and
 * their pairs (evox_elements_find_pairs) found from them. */
static void
fill_from_energies (EvoxXanesPanel *self)
{
  const double *energies = (const double *) self->energies->data;
  guint n = self->energies->len;
  g_autoptr(GString) names = g_string_new (NULL);
  g_autoptr(GString) pairs = g_string_new (NULL);
  EvoxElementsParams params;
  EvoxEdge edge;

  if (n >= 2 && evox_edge_guess (energies, n, &edge) && edge.z > 0)
    {
      g_autofree char *text = g_strdup_printf ("%s_K", evox_element_symbol (edge.z));

      gtk_editable_set_text (GTK_EDITABLE (self->edge_entry), text);
    }
  else
    gtk_editable_set_text (GTK_EDITABLE (self->edge_entry), "");

  evox_elements_params_init (&params);
  if (n >= 2)
    evox_elements_guess (energies, n, &params);
  for (guint i = 0; i < params.n_elements; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                            evox_element_symbol (params.edges[i].z));
  if (params.n_elements > 0 && evox_elements_find_pairs (energies, n, &params, NULL))
    for (guint i = 0; i < params.n_elements; i++)
      {
        g_autofree char *below = format_energy (params.below[i]);
        g_autofree char *above = format_energy (params.above[i]);

        g_string_append_printf (pairs, "%s%s %s:%s", i > 0 ? ", " : "",
                                evox_element_symbol (params.edges[i].z), below, above);
      }
  evox_elements_params_clear (&params);
  gtk_editable_set_text (GTK_EDITABLE (self->elements_entry), names->str);
  gtk_editable_set_text (GTK_EDITABLE (self->pairs_entry), pairs->str);
  update_edge_label (self);
}

/* "LO:HI" in eV; HI may be "end" or empty where allow_end (NaN). */
static gboolean
parse_range (const char  *text,
             const char  *field,
             gboolean     allow_end,
             double      *lo,
             double      *hi,
             GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);
  char *end;

  if (g_strv_length (parts) != 2)
    goto bad;
  g_strstrip (parts[0]);
  g_strstrip (parts[1]);
  *lo = g_ascii_strtod (parts[0], &end);
  if (*parts[0] == '\0' || *end != '\0' || !isfinite (*lo))
    goto bad;
  if (allow_end && (*parts[1] == '\0' || g_ascii_strcasecmp (parts[1], "end") == 0))
    *hi = NAN;
  else
    {
      *hi = g_ascii_strtod (parts[1], &end);
      if (*parts[1] == '\0' || *end != '\0' || !isfinite (*hi) || *hi <= *lo)
        goto bad;
    }
  return TRUE;

bad:
  g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
               _("%s range “%s” is not LO:HI in eV from E0 with LO below HI%s"), field, text,
               allow_end ? _(" (HI may be “end”)") : "");
  return FALSE;
}

gboolean
evox_xanes_panel_get_params (EvoxXanesPanel  *self,
                             EvoxXanesParams *params,
                             GError         **error)
{
  const char *edge_text;
  guint nnorm;

  g_return_val_if_fail (EVOX_IS_XANES_PANEL (self), FALSE);
  g_return_val_if_fail (params != NULL, FALSE);

  evox_xanes_params_init (params);
  params->with_norm = TRUE;
  edge_text = gtk_editable_get_text (GTK_EDITABLE (self->edge_entry));
  if (*edge_text != '\0')
    {
      EvoxEdge edge;

      if (!evox_edge_parse (edge_text, &edge, error))
        return FALSE;
      params->edge = edge.energy;
    }
  if (!parse_range (gtk_editable_get_text (GTK_EDITABLE (self->pre_entry)), _("Pre-edge"),
                    FALSE, &params->pre1, &params->pre2, error) ||
      !parse_range (gtk_editable_get_text (GTK_EDITABLE (self->post_entry)), _("Post-edge"),
                    TRUE, &params->norm1, &params->norm2, error))
    return FALSE;
  nnorm = gtk_drop_down_get_selected (self->nnorm_dropdown);
  params->nnorm = nnorm == 0 || nnorm == GTK_INVALID_LIST_POSITION ? -1 : (int) nnorm - 1;
  params->mask_k = gtk_spin_button_get_value (self->mask_spin);
  return TRUE;
}

static void
params_changed (EvoxXanesPanel *self)
{
  g_signal_emit (self, signals[SIGNAL_PARAMS_CHANGED], 0);
}

static void
edge_changed (EvoxXanesPanel *self)
{
  update_edge_label (self);
  params_changed (self);
}

/* Elements and pairs as the fields say: elements by symbol (the edge found for each from the
 * energies, else its K edge), pairs given as "Ni 8178:8570" (others NaN: found). */
static gboolean
get_elements_params (EvoxXanesPanel     *self,
                     EvoxElementsParams *params,
                     GError            **error)
{
  g_auto(GStrv) names = g_regex_split_simple ("[,;\\s]+",
                                              gtk_editable_get_text (
                                                GTK_EDITABLE (self->elements_entry)), 0, 0);
  g_auto(GStrv) pairs = g_regex_split_simple ("[,;]+",
                                              gtk_editable_get_text (
                                                GTK_EDITABLE (self->pairs_entry)), 0, 0);
  const char *matrix = gtk_editable_get_text (GTK_EDITABLE (self->matrix_entry));
  params->method = gtk_drop_down_get_selected (self->method_dropdown) == 1
                   ? EVOX_ELEMENTS_FIT : EVOX_ELEMENTS_PAIR;
  for (guint i = 0; names[i] != NULL; i++)
    {
      EvoxEdge edge;

      if (*names[i] == '\0')
        continue;
      if (params->n_elements == EVOX_ELEMENTS_MAX)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       _("At most %d elements can be mapped at once"), EVOX_ELEMENTS_MAX);
          return FALSE;
        }
      if (!evox_edge_parse (names[i], &edge, error))
        return FALSE;
      params->edges[params->n_elements++] = edge;
    }
  if (params->n_elements == 0)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           _("Name the elements to map, as “Mn, Co, Ni”"));
      return FALSE;
    }
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;
      double below, above;
      EvoxEdge edge;
      gboolean matched = FALSE;

      g_strstrip (pairs[i]);
      if (*pairs[i] == '\0')
        continue;
      words = g_regex_split_simple ("[\\s=]+", pairs[i], 0, 0);
      if (g_strv_length (words) != 2 || !evox_edge_parse (words[0], &edge, NULL) ||
          !parse_range (words[1], "", FALSE, &below, &above, NULL))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       _("Pair “%s” is not ELEMENT BELOW:ABOVE in eV, as “Ni 8178:8570”"),
                       pairs[i]);
          return FALSE;
        }
      for (guint e = 0; e < params->n_elements; e++)
        if (params->edges[e].z == edge.z)
          {
            params->below[e] = below;
            params->above[e] = above;
            matched = TRUE;
          }
      if (!matched)
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       _("Pair “%s” names an element that is not in the list of elements"),
                       pairs[i]);
          return FALSE;
        }
    }
  if (params->method == EVOX_ELEMENTS_FIT && *matrix != '\0')
    params->matrix = g_strstrip (g_strdup (matrix));
  return TRUE;
}

/* The maps list */

static void
update_actions (EvoxXanesPanel *self)
{
  gboolean busy = self->job.cancellable != NULL;
  gboolean usable = self->available && !busy;
  EvoxVolume *maps = current_maps (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "xanes.compute", usable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "xanes.compute-elements", usable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "xanes.stop", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "xanes.export-maps", maps != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "xanes.show-map", maps != NULL);
  gtk_widget_set_sensitive (self->view_switch, maps != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->matrix_entry),
                            gtk_drop_down_get_selected (self->method_dropdown) == 1);
}

static gboolean
is_norm_channel (EvoxVolume *maps,
                 guint       channel)
{
  const char *label = evox_volume_get_channel_label (maps, channel);

  /* Maps from elsewhere (a thickness map) may come without a label. */
  return label != NULL && g_str_has_prefix (label, NORM_PREFIX);
}

static GtkWidget *
map_row_new (const char *title,
             const char *detail,
             guint       channel)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (title);
  GtkWidget *info = gtk_label_new (detail);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (info), 1);
  gtk_widget_add_css_class (info, "dim-label");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), info);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 3);
  gtk_widget_set_margin_bottom (box, 3);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data (G_OBJECT (row), "evox-channel", GUINT_TO_POINTER (channel));
  return row;
}

/* What the XANES maps hold, in words beside their channel names (which exports use). */
static const char *
describe_map (const char *label)
{
  static const struct
  {
    const char *label;
    const char *words;
  } maps[] = {
    { "edge_energy", N_("energy at half the step, eV") },
    { "e0", N_("E0, derivative maximum, eV") },
    { "whiteline_energy", N_("white-line peak, eV") },
    { "whiteline_height", N_("white-line height (normalised)") },
    { "edge_step", N_("edge step") },
    { "mask", N_("1: step above k × noise") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (maps); i++)
    if (g_str_equal (label, maps[i].label))
      return _(maps[i].words);
  return NULL;
}

/* Which channel of the maps a row shows: a normalised stack is one row (one energy; the Display
 * page's slider steps through the rest). */
static void
select_current_row (EvoxXanesPanel *self)
{
  EvoxVolume *maps = current_maps (self);
  GtkListBoxRow *row = NULL;

  self->syncing_list = TRUE;
  if (maps != NULL && evox_document_get_show_maps (self->document))
    {
      guint channel = evox_document_get_channel (self->document);

      for (int i = 0; (row = gtk_list_box_get_row_at_index (self->maps_list, i)) != NULL; i++)
        {
          guint first = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "evox-channel"));
          gboolean norm = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "evox-norm"));

          if (first == channel || (norm && channel < evox_volume_get_n_channels (maps) &&
                                   is_norm_channel (maps, channel)))
            break;
        }
    }
  if (row != NULL)
    gtk_list_box_select_row (self->maps_list, row);
  else
    gtk_list_box_unselect_all (self->maps_list);
  self->syncing_list = FALSE;
}

static void
rebuild_maps_list (EvoxXanesPanel *self)
{
  EvoxVolume *maps = current_maps (self);
  GtkWidget *child;
  guint n_norm = 0, shown_norm = 0;
  double shown_gap = INFINITY;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->maps_list))) != NULL)
    gtk_list_box_remove (self->maps_list, child);
  gtk_widget_set_visible (self->maps_box, maps != NULL);
  if (maps == NULL)
    {
      /* The summary was of maps the document dropped. */
      show_message (self->summary_label, NULL);
      return;
    }
  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    {
      g_autofree char *unit = evox_units_dup_display (evox_volume_get_channel_unit (maps, c));
      const char *quantity = evox_volume_get_channel_quantity (maps, c);
      g_autofree char *detail = NULL;

      if (is_norm_channel (maps, c))
        {
          /* The row shows the energy nearest the last run's E0, where the normalised absorption
           * tells a shifted edge from another (the first energy without a run). */
          double gap = isfinite (self->last_e0)
                       ? fabs (evox_volume_get_channel_energy (maps, c) - self->last_e0) : 0;

          if (n_norm++ == 0 || gap < shown_gap)
            {
              shown_norm = c;
              shown_gap = gap;
            }
          continue;
        }
      detail = g_strdup (describe_map (evox_volume_get_channel_label (maps, c)));
      /* The step is in the stack's values: say which, as the other rows give their unit. */
      if (detail != NULL && g_strcmp0 (evox_volume_get_channel_label (maps, c), "edge_step") == 0 &&
          quantity != NULL && *quantity != '\0')
        {
          g_autofree char *words = g_steal_pointer (&detail);

          detail = unit != NULL && *unit != '\0'
                   ? g_strdup_printf ("%s, %s (%s)", words, quantity, unit)
                   : g_strdup_printf ("%s, %s", words, quantity);
        }
      if (detail == NULL && quantity != NULL && *quantity != '\0')
        detail = unit != NULL && *unit != '\0' ? g_strdup_printf ("%s (%s)", quantity, unit)
                                               : g_strdup (quantity);
      gtk_list_box_append (self->maps_list,
                           map_row_new (evox_volume_get_channel_label (maps, c),
                                        detail != NULL ? detail : "", c));
    }
  if (n_norm > 0)
    {
      g_autofree char *detail = g_strdup_printf (
        g_dngettext (GETTEXT_PACKAGE, "%u energy", "%u energies", n_norm), n_norm);
      GtkWidget *row = map_row_new (_("normalised stack"), detail, shown_norm);

      g_object_set_data (G_OBJECT (row), "evox-norm", GUINT_TO_POINTER (TRUE));
      gtk_widget_set_tooltip_text (row, _("The normalised absorption at each energy: the "
                                          "Display page’s slider steps through them"));
      gtk_list_box_append (self->maps_list, row);
    }
  select_current_row (self);
}

static void
show_map (EvoxXanesPanel *self,
          guint           channel)
{
  EvoxVolume *maps = current_maps (self);

  if (maps == NULL || channel >= evox_volume_get_n_channels (maps))
    return;
  evox_document_set_show_maps (self->document, TRUE);
  evox_document_set_channel (self->document, channel);
}

static void
row_activated (GtkListBox     *list,
               GtkListBoxRow  *row,
               EvoxXanesPanel *self)
{
  if (self->syncing_list)
    return;
  show_map (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "evox-channel")));
}

static void
show_map_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  show_map (EVOX_XANES_PANEL (widget), g_variant_get_uint32 (parameter));
}

/* Jobs */

typedef struct
{
  EvoxXanesPanel     *panel;        /* weak */
  GCancellable       *cancellable;
  EvoxProgress       *progress;
  EvoxVolume         *stack;
  JobKind             kind;
  EvoxXanesParams     params;
  EvoxElementsParams  elements;
} JobData;

typedef struct
{
  EvoxVolume *maps;
  char       *summary;
} JobResult;

static void
job_data_free (JobData *data)
{
  g_clear_weak_pointer (&data->panel);
  g_clear_object (&data->cancellable);
  g_clear_pointer (&data->progress, evox_progress_unref);
  g_clear_object (&data->stack);
  evox_elements_params_clear (&data->elements);
  g_free (data);
}

static void
job_result_free (JobResult *result)
{
  g_clear_object (&result->maps);
  g_free (result->summary);
  g_free (result);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* numpy's default percentile (linear between the order statistics) of n sorted values. */
static double
percentile (const double *sorted,
            gsize         n,
            double        q)
{
  double at = q / 100.0 * (double) (n - 1);
  gsize i = (gsize) floor (at);

  if (i + 1 >= n)
    return sorted[n - 1];
  return sorted[i] + (at - (double) i) * (sorted[i + 1] - sorted[i]);
}

/* "E0 8333.0 eV · 40 of 64 voxels in the mask (62%) · edge energy median 8334.1 eV, IQR 2.0 eV
 * (5–95%: 8331.9–8336.4 eV)". */
static char *
summarise_maps (EvoxVolume *maps)
{
  g_autoptr(GString) text = g_string_new (NULL);
  int edge = evox_volume_find_channel (maps, "edge_energy");
  int mask = evox_volume_find_channel (maps, "mask");
  const char *e0 = evox_volume_get_metadata (maps, "xanes_e0");
  gsize n = evox_volume_get_n_voxels (maps), in = 0, finite = 0;
  g_autofree double *values = NULL;

  if (e0 != NULL)
    g_string_append_printf (text, _("E0 %.1f eV"), g_ascii_strtod (e0, NULL));
  if (mask >= 0)
    {
      const float *m = evox_volume_get_data (maps, (guint) mask);

      for (gsize i = 0; i < n; i++)
        in += m[i] > 0.5f;
      g_string_append_printf (text, _("%s%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                                      " voxels in the mask (%.0f%%)"),
                              text->len > 0 ? " · " : "", in, n, 100.0 * (double) in / n);
    }
  if (edge < 0)
    return g_string_free (g_steal_pointer (&text), FALSE);
  values = g_new (double, MAX (n, 1));
  {
    const float *e = evox_volume_get_data (maps, (guint) edge);

    for (gsize i = 0; i < n; i++)
      if (isfinite (e[i]))
        values[finite++] = e[i];
  }
  if (finite == 0)
    g_string_append_printf (text, "%s%s", text->len > 0 ? " · " : "",
                            _("no voxel has an edge energy"));
  else
    {
      qsort (values, finite, sizeof (double), compare_doubles);
      g_string_append_printf (text, _("%sedge energy median %.1f eV, IQR %.1f eV (5–95%%: "
                                      "%.1f–%.1f eV)"),
                              text->len > 0 ? " · " : "", percentile (values, finite, 50),
                              percentile (values, finite, 75) - percentile (values, finite, 25),
                              percentile (values, finite, 5), percentile (values, finite, 95));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
job_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  JobData *data = task_data;
  g_autoptr(GError) error = NULL;
  JobResult *result;
  EvoxVolume *maps;

  if (data->kind == JOB_MAPS)
    maps = evox_xanes_maps (data->stack, &data->params, data->progress, cancellable, &error);
  else
    maps = evox_elements_maps (data->stack, &data->elements, data->progress, cancellable,
                               &error);
  if (maps == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (maps);
      return;
    }
  result = g_new0 (JobResult, 1);
  result->maps = maps;
  if (data->kind == JOB_MAPS)
    result->summary = summarise_maps (maps);
  g_task_return_pointer (task, result, (GDestroyNotify) job_result_free);
}

static void
job_stopped (gpointer owner)
{
  EvoxXanesPanel *self = owner;

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
job_finished (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  JobData *data = g_task_get_task_data (G_TASK (res));
  EvoxXanesPanel *self = data->panel;
  GtkLabel *error_label;
  g_autoptr(GError) error = NULL;
  JobResult *result = g_task_propagate_pointer (G_TASK (res), &error);

  if (self == NULL || self->job.cancellable != data->cancellable)
    {
      g_clear_pointer (&result, job_result_free);
      return;
    }
  error_label = data->kind == JOB_MAPS ? self->maps_error_label : self->elements_error_label;
  _evox_ui_job_stop (&self->job);
  if (result == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = g_strdup_printf (
            data->kind == JOB_MAPS ? _("Could not compute the maps: %s")
                                   : _("Could not compute the elemental maps: %s"),
            error->message);

          show_message (error_label, message);
        }
      return;
    }
  if (data->stack != evox_document_get_stack (self->document))
    show_message (error_label, _("The stack changed while the maps were computed: compute "
                                 "them again"));
  else if (!evox_document_add_maps (self->document, result->maps,
                                    data->kind == JOB_MAPS
                                    ? "edge_energy"
                                    : evox_volume_get_channel_label (result->maps, 0),
                                    &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not add the maps: %s"),
                                                  error->message);

      show_message (error_label, message);
    }
  else if (data->kind == JOB_MAPS)
    {
      const char *e0 = evox_volume_get_metadata (result->maps, "xanes_e0");

      self->last_e0 = e0 != NULL ? g_ascii_strtod (e0, NULL) : NAN;
      show_message (self->summary_label, result->summary);
    }
  rebuild_maps_list (self);
  update_actions (self);
  job_result_free (result);
}

static void
start_job (EvoxXanesPanel *self,
           JobData        *data)
{
  g_autoptr(GTask) task = NULL;
  gboolean maps = data->kind == JOB_MAPS;

  _evox_ui_job_cancel (&self->job);
  data->stack = g_object_ref (self->stack);
  _evox_ui_job_start (&self->job, maps ? self->maps_progress_bar : self->elements_progress_bar,
                      maps ? self->maps_progress_box : self->elements_progress_box,
                      job_stopped, self);
  g_set_weak_pointer (&data->panel, self);
  data->cancellable = g_object_ref (self->job.cancellable);
  data->progress = evox_progress_ref (self->job.progress);
  task = g_task_new (NULL, data->cancellable, job_finished, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) job_data_free);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  g_task_run_in_thread (task, job_thread);
}

/* xanes.compute and xanes.compute-elements: the fields read, then the job started; a field that
 * does not parse is said under its section's button. */
static void
compute_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  EvoxXanesPanel *self = EVOX_XANES_PANEL (widget);
  gboolean maps = g_str_equal (action_name, "xanes.compute");
  GtkLabel *error_label = maps ? self->maps_error_label : self->elements_error_label;
  g_autoptr(GError) error = NULL;
  JobData *data;

  if (!self->available)
    return;
  show_message (error_label, NULL);
  data = g_new0 (JobData, 1);
  data->kind = maps ? JOB_MAPS : JOB_ELEMENTS;
  evox_elements_params_init (&data->elements);
  if (maps ? !evox_xanes_panel_get_params (self, &data->params, &error)
           : !get_elements_params (self, &data->elements, &error))
    {
      show_message (error_label, error->message);
      job_data_free (data);
      return;
    }
  start_job (self, data);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  _evox_ui_job_cancel (&EVOX_XANES_PANEL (widget)->job);
}

/* Export */

gboolean
evox_xanes_panel_export_maps (EvoxXanesPanel  *self,
                              const char      *path,
                              gboolean         overwrite,
                              GError         **error)
{
  EvoxVolume *maps;

  g_return_val_if_fail (EVOX_IS_XANES_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  maps = current_maps (self);
  if (maps == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           _("there are no maps to export: compute them first"));
      return FALSE;
    }
  {
    /* The record names the maps and the settings their metadata keeps (the session's
     * xanes-maps and elements-maps records hold the same). */
    static const char *const keys[] = { "xanes_e0", "xanes_edge", "xanes_pre1", "xanes_pre2",
                                        "xanes_norm1", "xanes_norm2", "xanes_nnorm",
                                        "xanes_mask_k", "elements_method", "elements_edges",
                                        "elements_matrix", NULL };
    g_autoptr (GString) operation = g_string_new ("Export Maps:");
    g_autofree char *provenance = NULL;

    for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
      g_string_append_printf (operation, "%s %s", c > 0 ? "," : "",
                              evox_volume_get_channel_label (maps, c) != NULL
                              ? evox_volume_get_channel_label (maps, c) : "?");
    for (guint i = 0; keys[i] != NULL; i++)
      if (evox_volume_get_metadata (maps, keys[i]) != NULL)
        g_string_append_printf (operation, "; %s %s", keys[i],
                                evox_volume_get_metadata (maps, keys[i]));
    provenance = evox_provenance_record (evox_document_get_path (self->document),
                                         operation->str);
    return evox_maps_write_with_provenance (maps, path, overwrite, provenance, NULL, error);
  }
}

static gboolean
save_maps (GtkWidget   *owner,
           const char  *path,
           gpointer     user_data,
           GError     **error)
{
  /* The chooser asked before replacing the file named. */
  return evox_xanes_panel_export_maps (EVOX_XANES_PANEL (owner), path, TRUE, error);
}

static void
show_export_error (GtkWidget  *owner,
                   const char *message)
{
  show_message (EVOX_XANES_PANEL (owner)->maps_error_label, message);
}

static void
export_maps_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  GtkFileChooserNative *chooser;

  g_autofree char *suggested = NULL;
  g_autofree char *name = NULL;

  if (current_maps (EVOX_XANES_PANEL (widget)) == NULL)
    return;
  suggested = evox_xanes_panel_dup_export_path (EVOX_XANES_PANEL (widget));
  name = g_path_get_basename (suggested);
  chooser = _evox_save_chooser_new (widget, _("Export Maps"), _("_Export"), name,
                                    save_maps, NULL, _("Could not export %s: %s"),
                                    show_export_error);
  if (g_path_is_absolute (suggested))
    {
      g_autofree char *dir = g_path_get_dirname (suggested);
      g_autoptr(GFile) folder = g_file_new_for_path (dir);

      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
      G_GNUC_END_IGNORE_DEPRECATIONS
    }
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* Beside the stack's file and named after it (stack.h5 gives stack_maps.h5), so maps of several
 * stacks do not all come out as maps.h5 in whatever folder the program was started from. */
char *
evox_xanes_panel_dup_export_path (EvoxXanesPanel *self)
{
  const char *path;
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;
  char *dot;

  g_return_val_if_fail (EVOX_IS_XANES_PANEL (self), NULL);

  path = self->document != NULL ? evox_document_get_path (self->document) : NULL;
  if (path == NULL || *path == '\0')
    return g_strdup ("maps.h5");
  base = g_path_get_basename (path);
  dot = strrchr (base, '.');
  if (dot != NULL && dot != base && !g_file_test (path, G_FILE_TEST_IS_DIR))
    *dot = '\0';
  dir = g_path_get_dirname (path);
  if (!g_path_is_absolute (dir))
    {
      g_autofree char *cwd = g_get_current_dir ();
      g_autofree char *absolute = g_build_filename (cwd, dir, NULL);

      g_free (dir);
      dir = g_steal_pointer (&absolute);
    }
  return g_strdup_printf ("%s%s%s_maps.h5", dir, G_DIR_SEPARATOR_S, base);
}

/* Document */

static gboolean
same_energies (GArray *a,
               GArray *b)
{
  return a->len == b->len &&
         (a->len == 0 || memcmp (a->data, b->data, a->len * sizeof (double)) == 0);
}

static void
sync_stack (EvoxXanesPanel *self)
{
  EvoxVolume *stack = self->document != NULL ? evox_document_get_stack (self->document) : NULL;
  gboolean available = stack != NULL && _evox_volume_is_energy_scan (stack);
  g_autoptr(GArray) energies = g_array_new (FALSE, FALSE, sizeof (double));

  if (stack != self->stack)
    {
      /* A result of the old stack would not fit the new one. */
      _evox_ui_job_cancel (&self->job);
      g_set_object (&self->stack, stack);
    }
  if (available)
    for (guint c = 0; c < evox_volume_get_n_channels (stack); c++)
      if (!evox_volume_get_channel_derived (stack, c))
        {
          double energy = evox_volume_get_channel_energy (stack, c);

          g_array_append_val (energies, energy);
        }
  g_array_sort (energies, compare_doubles);
  if (!same_energies (energies, self->energies))
    {
      g_array_set_size (self->energies, 0);
      g_array_append_vals (self->energies, energies->data, energies->len);
      show_message (self->summary_label, NULL);
      show_message (self->maps_error_label, NULL);
      show_message (self->elements_error_label, NULL);
      fill_from_energies (self);
    }
  if (available != self->available)
    {
      self->available = available;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
    }
  rebuild_maps_list (self);
  update_actions (self);
}

static void
on_document_notify (EvoxDocument   *document,
                    GParamSpec     *pspec,
                    EvoxXanesPanel *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "volume") || g_str_equal (name, "registration") ||
      g_str_equal (name, "registration-view") || g_str_equal (name, "show-maps"))
    sync_stack (self);
  else if (g_str_equal (name, "channel"))
    select_current_row (self);
}

static gboolean
show_maps_to_stack (GBinding     *binding,
                    const GValue *from,
                    GValue       *to,
                    gpointer      user_data)
{
  g_value_set_boolean (to, !g_value_get_boolean (from));
  return TRUE;
}

static void
release_document (EvoxXanesPanel *self)
{
  if (self->document == NULL)
    return;
  _evox_ui_job_cancel (&self->job);
  g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
}

void
evox_xanes_panel_set_document (EvoxXanesPanel *self,
                               EvoxDocument   *document)
{
  g_return_if_fail (EVOX_IS_XANES_PANEL (self));
  g_return_if_fail (document == NULL || EVOX_IS_DOCUMENT (document));

  if (self->document == document)
    return;
  release_document (self);
  if (document != NULL)
    {
      self->document = g_object_ref (document);
      g_signal_connect_object (document, "notify", G_CALLBACK (on_document_notify), self, 0);
      /* The Maps button shows the maps; Stack, pressed, hides them (each button of the linked
       * pair follows the document both ways). */
      g_object_bind_property (document, "show-maps", self->maps_button, "active",
                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
      g_object_bind_property_full (document, "show-maps", self->stack_button, "active",
                                   G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE,
                                   show_maps_to_stack, show_maps_to_stack, NULL, NULL);
    }
  sync_stack (self);
}

gboolean
evox_xanes_panel_get_available (EvoxXanesPanel *self)
{
  g_return_val_if_fail (EVOX_IS_XANES_PANEL (self), FALSE);
  return self->available;
}

gboolean
evox_xanes_panel_is_busy (EvoxXanesPanel *self)
{
  g_return_val_if_fail (EVOX_IS_XANES_PANEL (self), FALSE);
  return self->job.cancellable != NULL;
}

const char *
evox_xanes_panel_get_error (EvoxXanesPanel *self)
{
  g_return_val_if_fail (EVOX_IS_XANES_PANEL (self), NULL);
  if (gtk_widget_get_visible (GTK_WIDGET (self->maps_error_label)))
    return gtk_label_get_text (self->maps_error_label);
  if (gtk_widget_get_visible (GTK_WIDGET (self->elements_error_label)))
    return gtk_label_get_text (self->elements_error_label);
  return NULL;
}

const char *
evox_xanes_panel_get_summary (EvoxXanesPanel *self)
{
  g_return_val_if_fail (EVOX_IS_XANES_PANEL (self), NULL);
  return gtk_label_get_text (self->summary_label);
}

/* GObject */

static void
evox_xanes_panel_dispose (GObject *object)
{
  EvoxXanesPanel *self = EVOX_XANES_PANEL (object);

  /* Closing the window stops the computation. */
  release_document (self);
  g_clear_object (&self->stack);
  _evox_dispose_bin_template (GTK_WIDGET (self), EVOX_TYPE_XANES_PANEL);
  G_OBJECT_CLASS (evox_xanes_panel_parent_class)->dispose (object);
}

static void
evox_xanes_panel_finalize (GObject *object)
{
  EvoxXanesPanel *self = EVOX_XANES_PANEL (object);

  g_clear_pointer (&self->energies, g_array_unref);
  G_OBJECT_CLASS (evox_xanes_panel_parent_class)->finalize (object);
}

static void
evox_xanes_panel_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  EvoxXanesPanel *self = EVOX_XANES_PANEL (object);

  switch (prop_id)
    {
    case PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, evox_xanes_panel_is_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_xanes_panel_class_init (EvoxXanesPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_xanes_panel_dispose;
  object_class->finalize = evox_xanes_panel_finalize;
  object_class->get_property = evox_xanes_panel_get_property;

  properties[PROP_AVAILABLE] = g_param_spec_boolean ("available", NULL, NULL, FALSE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SIGNAL_PARAMS_CHANGED] = g_signal_new ("params-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/evox/Evox/evox-xanes-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, edge_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, edge_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, pre_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, post_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, nnorm_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, mask_spin);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, maps_progress_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, maps_progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, summary_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, maps_error_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, elements_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, pairs_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, matrix_entry);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, elements_progress_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, elements_progress_bar);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, elements_error_label);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, view_switch);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, stack_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, maps_button);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, maps_box);
  gtk_widget_class_bind_template_child (widget_class, EvoxXanesPanel, maps_list);

  gtk_widget_class_install_action (widget_class, "xanes.compute", NULL, compute_action);
  gtk_widget_class_install_action (widget_class, "xanes.compute-elements", NULL,
                                   compute_action);
  gtk_widget_class_install_action (widget_class, "xanes.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "xanes.export-maps", NULL, export_maps_action);
  gtk_widget_class_install_action (widget_class, "xanes.show-map", "u", show_map_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
evox_xanes_panel_init (EvoxXanesPanel *self)
{
  self->energies = g_array_new (FALSE, FALSE, sizeof (double));
  self->last_e0 = NAN;
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_swapped (self->edge_entry, "changed", G_CALLBACK (edge_changed), self);
  g_signal_connect_swapped (self->pre_entry, "changed", G_CALLBACK (params_changed), self);
  g_signal_connect_swapped (self->post_entry, "changed", G_CALLBACK (params_changed), self);
  g_signal_connect_swapped (self->nnorm_dropdown, "notify::selected",
                            G_CALLBACK (params_changed), self);
  g_signal_connect_swapped (self->mask_spin, "value-changed", G_CALLBACK (params_changed),
                            self);
  g_signal_connect_swapped (self->method_dropdown, "notify::selected",
                            G_CALLBACK (update_actions), self);
  g_signal_connect (self->maps_list, "row-activated", G_CALLBACK (row_activated), self);
  update_edge_label (self);
  rebuild_maps_list (self);
  update_actions (self);
}

GtkWidget *
evox_xanes_panel_new (void)
{
  return g_object_new (EVOX_TYPE_XANES_PANEL, NULL);
}

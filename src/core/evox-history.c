/* evox-history.c: undo and redo of a document's edits, as snapshots of its light models. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-history.h"

#include <string.h>

/* Document properties a step records, with the name of a step that changes only that one. The
 * channel comes first: showing another channel resets the range and drops particles, so it must be
 * restored before them. */
typedef struct
{
  const char *property;
  const char *step;
} PropertyStep;

static const PropertyStep display_properties[] = {
  { "channel", "Change Channel" },
  { "mapping", "Change Mapping" },
  { "colormap", "Change Colour Map" },
  { "view", "Change View" },
  { "z-exaggeration", "Change Z Exaggeration" },
  { "stack-opacity", "Change Stack Opacity" },
  { "show-phases", "Show Phases" },
  { "hide-outside-phases", "Hide Outside Phases" },
  { "particle-colors", "Colour Particles" },
  { "basis", "Change Basis" },
  { "show-clusters", "Show Clusters" },
  { "cluster-opacity", "Change Cluster Opacity" },
  { "cluster-outlines", "Cluster Outlines" },
  { "clip-surfaces", "Clip Surfaces" },
  { "smooth-surfaces", "Smooth Surfaces" },
  { "triangle-budget", "Change Triangle Budget" },
  { "histogram-source", "Change Histogram Source" },
  { "histogram-log-counts", "Log Counts" },
  { "histogram-per-layer", "Histogram per Layer" },
  { "composite", "Show Composite" },
  { "composite-phases", "Composite Phase Colours" },
};

/* The Volume view's style (EvoxVolumeStyle) properties; its curve and clip box are kept apart. */
static const PropertyStep style_properties[] = {
  { "mode", "Change Volume Mode" },
  { "source", "Change Volume Colours" },
  { "iso-level", "Change Iso Level" },
  { "opacity-scale", "Change Volume Opacity" },
  { "show-slices", "Show Slices in Volume" },
  { "mark-layers", "Mark Measured Layers" },
};

static const char * const slot_names[3] = { "Red", "Green", "Blue" };

typedef struct
{
  EvoxPhase *phase;
  char      *name;
  char      *color;
  double     lo, hi, opacity;
  gboolean   visible;
} PhaseState;

typedef struct
{
  EvoxSurface     *surface;
  char            *name;
  char            *color;
  double           opacity;
  gboolean         visible;
  EvoxSurfaceSpec  spec;
  EvoxMesh        *mesh;     /* the mesh of spec when the surface was READY, else NULL */
} SurfaceState;

typedef struct
{
  char     *name;
  char     *color;
  gboolean  visible;
} ClusterState;

/* The figure's overlays: every item's switch and place, the sizes and the free labels. */
typedef struct
{
  gboolean  visible[EVOX_N_OVERLAY_ITEMS];
  double    position[EVOX_N_OVERLAY_ITEMS][2];
  double    font_size;
  double    scale_bar_length;
  GArray   *labels;  /* LabelState */
} OverlayState;

typedef struct
{
  char   *text;
  double  fx, fy;
} LabelState;

typedef struct
{
  EvoxMeasurement *ruler;
  double           start[3], end[3];
} RulerState;

/* A property of another object than the document (a panel's setting) that the history records
 * like the document's own. */
typedef struct
{
  GWeakRef  object;
  char     *property;
  char     *step;
  gulong    handler;
} Watch;

/* One slot of the RGB composite. */
typedef struct
{
  int     channel;
  double  lo, hi;
} SlotState;

typedef struct
{
  GValue        display[G_N_ELEMENTS (display_properties)];
  double        range[2];
  SlotState     slots[3];
  GValue        style[G_N_ELEMENTS (style_properties)];
  GArray       *points;    /* double pairs (value, opacity) of the Volume view's curve */
  double        clip[2][3];
  GArray       *hidden_layers;  /* gboolean per layer of the volume shown */
  GArray       *hidden_scans;   /* gboolean per measured scan */
  GArray       *phases;    /* PhaseState */
  int           selected_phase;
  EvoxLabels   *labels;
  GArray       *surfaces;  /* SurfaceState */
  EvoxClusters *clusters;
  GArray       *cluster_states;  /* ClusterState, id 1 first */
  /* Which stack and maps the document shows: restored before anything else, since each side
   * (raw or registered, stack or maps) brings its own volume, phases and surfaces. */
  EvoxRegistration *registration;
  EvoxRegistrationView registration_view;
  EvoxVolume   *maps;
  gboolean      show_maps;
  /* The voxel size, restored right after the side shown: particles, rulers and surfaces are
   * measured in it. */
  EvoxVoxelSizes *voxel_sizes;
  OverlayState  overlays;
  GArray       *rulers;    /* RulerState */
  /* One per watch (in the order they were added), unset where the object is gone; states
   * captured before a watch was added have fewer. */
  GArray       *watched;   /* GValue */
} State;

typedef struct
{
  char   *name;
  char   *key;     /* what changed, for coalescing; NULL: never extended */
  gint64  time;    /* monotonic µs of the last change folded in */
  State  *before;
  State  *after;
} Step;

struct _EvoxHistory
{
  GObject       parent_instance;

  GWeakRef      document;
  EvoxClusters *watched_clusters;
  gulong        clusters_handler;
  GPtrArray    *watches;  /* Watch */
  State        *current;
  GQueue        undo;  /* Step, newest at the head */
  GQueue        redo;  /* Step, next at the head */
  guint         idle_id;
  guint         group_depth;
  char         *group_name;
  gboolean      applying;
  gboolean      clear_pending;  /* another volume came: forget the steps at the next commit */
  guint         max_steps;
  guint64       max_bytes;
  guint         coalesce_ms;
  gboolean      can_undo, can_redo;
};

G_DEFINE_FINAL_TYPE (EvoxHistory, evox_history, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_UNDO_NAME,
  PROP_REDO_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
phase_state_clear (gpointer data)
{
  PhaseState *state = data;

  g_clear_object (&state->phase);
  g_clear_pointer (&state->name, g_free);
  g_clear_pointer (&state->color, g_free);
}

static void
surface_state_clear (gpointer data)
{
  SurfaceState *state = data;

  g_clear_object (&state->surface);
  g_clear_pointer (&state->mesh, evox_mesh_unref);
  g_clear_pointer (&state->name, g_free);
  g_clear_pointer (&state->color, g_free);
}

static void
cluster_state_clear (gpointer data)
{
  ClusterState *state = data;

  g_clear_pointer (&state->name, g_free);
  g_clear_pointer (&state->color, g_free);
}

static void
label_state_clear (gpointer data)
{
  g_clear_pointer (&((LabelState *) data)->text, g_free);
}

static void
ruler_state_clear (gpointer data)
{
  g_clear_object (&((RulerState *) data)->ruler);
}

static void
watched_value_clear (gpointer data)
{
  if (G_IS_VALUE ((GValue *) data))
    g_value_unset (data);
}

static void
values_clear (GValue *values,
              guint   n)
{
  for (guint i = 0; i < n; i++)
    watched_value_clear (&values[i]);
}

static void
state_free (State *state)
{
  if (state == NULL)
    return;
  g_clear_object (&state->registration);
  g_clear_object (&state->maps);
  g_clear_pointer (&state->voxel_sizes, _evox_voxel_sizes_free);
  g_array_unref (state->overlays.labels);
  g_array_unref (state->rulers);
  g_array_unref (state->watched);
  values_clear (state->display, G_N_ELEMENTS (display_properties));
  values_clear (state->style, G_N_ELEMENTS (style_properties));
  g_array_unref (state->points);
  g_array_unref (state->hidden_layers);
  g_array_unref (state->hidden_scans);
  g_array_unref (state->phases);
  g_array_unref (state->surfaces);
  g_array_unref (state->cluster_states);
  g_clear_object (&state->labels);
  g_clear_object (&state->clusters);
  g_free (state);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (State, state_free)

static void
overlays_capture (OverlayState *state,
                  EvoxOverlays *overlays)
{
  for (guint i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    {
      state->visible[i] = evox_overlays_get_visible (overlays, i);
      evox_overlays_get_position (overlays, i, &state->position[i][0], &state->position[i][1]);
    }
  state->font_size = evox_overlays_get_font_size (overlays);
  state->scale_bar_length = evox_overlays_get_scale_bar_length (overlays);
  state->labels = g_array_new (FALSE, TRUE, sizeof (LabelState));
  g_array_set_clear_func (state->labels, label_state_clear);
  for (guint i = 0; i < evox_overlays_get_n_labels (overlays); i++)
    {
      LabelState entry = { NULL };

      entry.text = g_strdup (evox_overlays_get_label (overlays, i, &entry.fx, &entry.fy));
      g_array_append_val (state->labels, entry);
    }
}

static GArray *
rulers_capture (EvoxMeasurementList *list)
{
  GArray *rulers = g_array_new (FALSE, TRUE, sizeof (RulerState));

  g_array_set_clear_func (rulers, ruler_state_clear);
  for (guint i = 0; i < evox_measurement_list_get_n_measurements (list); i++)
    {
      RulerState entry = { g_object_ref (evox_measurement_list_get_measurement (list, i)) };

      evox_measurement_get_points (entry.ruler, entry.start, entry.end);
      g_array_append_val (rulers, entry);
    }
  return rulers;
}

static GArray *
watched_capture (GPtrArray *watches)
{
  GArray *values = g_array_new (FALSE, TRUE, sizeof (GValue));

  g_array_set_clear_func (values, watched_value_clear);
  g_array_set_size (values, watches->len);
  for (guint i = 0; i < watches->len; i++)
    {
      Watch *watch = watches->pdata[i];
      g_autoptr (GObject) object = g_weak_ref_get (&watch->object);
      GParamSpec *pspec;

      if (object == NULL)
        continue;
      pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), watch->property);
      g_value_init (&g_array_index (values, GValue, i), pspec->value_type);
      g_object_get_property (object, watch->property, &g_array_index (values, GValue, i));
    }
  return values;
}

static void
properties_capture (GObject            *object,
                    const PropertyStep *table,
                    guint               n,
                    GValue             *values)
{
  for (guint i = 0; i < n; i++)
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object),
                                                        table[i].property);

      g_value_init (&values[i], pspec->value_type);
      g_object_get_property (object, pspec->name, &values[i]);
    }
}

static void
style_capture (State           *state,
               EvoxVolumeStyle *style)
{
  guint n = evox_volume_style_get_n_points (style);

  properties_capture (G_OBJECT (style), style_properties, G_N_ELEMENTS (style_properties),
                      state->style);
  state->points = g_array_sized_new (FALSE, FALSE, sizeof (double), 2 * n);
  g_array_set_size (state->points, 2 * n);
  for (guint i = 0; i < n; i++)
    {
      double *point = &g_array_index (state->points, double, 2 * i);

      evox_volume_style_get_point (style, i, &point[0], &point[1]);
    }
  evox_volume_style_get_clip (style, state->clip[0], state->clip[1]);
}

/* Which layers and scans are hidden: a new volume shows them all. */
static GArray *
hidden_capture (EvoxDocument *document,
                guint         n,
                gboolean    (*get_visible) (EvoxDocument *, guint))
{
  GArray *hidden = g_array_sized_new (FALSE, FALSE, sizeof (gboolean), n);

  for (guint i = 0; i < n; i++)
    {
      gboolean value = !get_visible (document, i);

      g_array_append_val (hidden, value);
    }
  return hidden;
}

static State *
state_capture (EvoxDocument *document,
               GPtrArray    *watches)
{
  State *state = g_new0 (State, 1);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  EvoxSurfaceList *surfaces = evox_document_get_surfaces (document);
  EvoxClusters *clusters = evox_document_get_clusters (document);

  properties_capture (G_OBJECT (document), display_properties,
                      G_N_ELEMENTS (display_properties), state->display);
  evox_document_get_range (document, &state->range[0], &state->range[1]);
  for (guint s = 0; s < 3; s++)
    evox_document_get_composite_slot (document, s, &state->slots[s].channel,
                                      &state->slots[s].lo, &state->slots[s].hi);
  style_capture (state, evox_document_get_volume_style (document));
  if (evox_document_get_volume (document) != NULL)
    {
      EvoxVolume *volume = evox_document_get_volume (document);
      gsize dims[3];

      evox_volume_get_dims (volume, dims);
      state->hidden_layers = hidden_capture (document, dims[2], evox_document_get_layer_visible);
      state->hidden_scans = hidden_capture (document, evox_volume_get_n_scans (volume),
                                            evox_document_get_scan_visible);
    }
  else
    {
      state->hidden_layers = g_array_new (FALSE, FALSE, sizeof (gboolean));
      state->hidden_scans = g_array_new (FALSE, FALSE, sizeof (gboolean));
    }

  state->phases = g_array_new (FALSE, TRUE, sizeof (PhaseState));
  g_array_set_clear_func (state->phases, phase_state_clear);
  for (guint i = 0; i < evox_phase_list_get_n_phases (phases); i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (phases, i);
      PhaseState entry = {
        .phase = g_object_ref (phase),
        .name = g_strdup (evox_phase_get_name (phase)),
        .color = g_strdup (evox_phase_get_color (phase)),
        .lo = evox_phase_get_lo (phase),
        .hi = evox_phase_get_hi (phase),
        .opacity = evox_phase_get_opacity (phase),
        .visible = evox_phase_get_visible (phase),
      };

      g_array_append_val (state->phases, entry);
    }
  state->selected_phase = evox_document_get_selected_phase (document);
  g_set_object (&state->labels, evox_document_get_labels (document));

  state->surfaces = g_array_new (FALSE, TRUE, sizeof (SurfaceState));
  g_array_set_clear_func (state->surfaces, surface_state_clear);
  for (guint i = 0; i < evox_surface_list_get_n_surfaces (surfaces); i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (surfaces, i);
      SurfaceState entry = {
        .surface = g_object_ref (surface),
        .name = g_strdup (evox_surface_get_name (surface)),
        .color = g_strdup (evox_surface_get_color (surface)),
        .opacity = evox_surface_get_opacity (surface),
        .visible = evox_surface_get_visible (surface),
        .spec = *evox_surface_get_spec (surface),
      };

      if (evox_surface_get_state (surface) == EVOX_SURFACE_STATE_READY &&
          evox_surface_get_mesh (surface) != NULL)
        entry.mesh = evox_mesh_ref (evox_surface_get_mesh (surface));
      g_array_append_val (state->surfaces, entry);
    }

  g_set_object (&state->clusters, clusters);
  state->cluster_states = g_array_new (FALSE, TRUE, sizeof (ClusterState));
  g_array_set_clear_func (state->cluster_states, cluster_state_clear);
  for (guint id = 1; clusters != NULL && id <= evox_clusters_get_k (clusters); id++)
    {
      ClusterState entry = {
        .name = g_strdup (evox_clusters_get_name (clusters, id)),
        .color = g_strdup (evox_clusters_get_color (clusters, id)),
        .visible = evox_clusters_get_visible (clusters, id),
      };

      g_array_append_val (state->cluster_states, entry);
    }
  g_set_object (&state->registration, evox_document_get_registration (document));
  state->registration_view = evox_document_get_registration_view (document);
  g_set_object (&state->maps, evox_document_get_maps (document));
  state->show_maps = evox_document_get_show_maps (document);
  state->voxel_sizes = _evox_document_dup_voxel_sizes (document);
  overlays_capture (&state->overlays, evox_document_get_overlays (document));
  state->rulers = rulers_capture (evox_document_get_measurements (document));
  state->watched = watched_capture (watches);
  return state;
}

/* A phase whose object is in both lists keeps its identity: same object, same surfaces. */
static int
find_phase (GArray    *phases,
            EvoxPhase *phase)
{
  for (guint i = 0; i < phases->len; i++)
    if (g_array_index (phases, PhaseState, i).phase == phase)
      return (int) i;
  return -1;
}

/* Exactly: g_param_values_cmp would let doubles within epsilon pass as equal. A value of no type
 * (a watched object gone) is no change: there is nothing left to put back. */
static gboolean
values_equal (const GValue *x,
              const GValue *y)
{
  if (!G_IS_VALUE (x) || !G_IS_VALUE (y))
    return TRUE;
  if (G_VALUE_TYPE (x) != G_VALUE_TYPE (y))
    return FALSE;
  if (G_VALUE_HOLDS_STRING (x))
    return g_strcmp0 (g_value_get_string (x), g_value_get_string (y)) == 0;
  if (G_VALUE_HOLDS_UINT (x))
    return g_value_get_uint (x) == g_value_get_uint (y);
  if (G_VALUE_HOLDS_INT (x))
    return g_value_get_int (x) == g_value_get_int (y);
  if (G_VALUE_HOLDS_UINT64 (x))
    return g_value_get_uint64 (x) == g_value_get_uint64 (y);
  if (G_VALUE_HOLDS_DOUBLE (x))
    return g_value_get_double (x) == g_value_get_double (y);
  if (G_VALUE_HOLDS_BOOLEAN (x))
    return g_value_get_boolean (x) == g_value_get_boolean (y);
  if (G_VALUE_HOLDS_ENUM (x))
    return g_value_get_enum (x) == g_value_get_enum (y);
  return g_param_values_cmp (NULL, (GValue *) x, (GValue *) y) == 0;
}

static const char * const overlay_names[EVOX_N_OVERLAY_ITEMS] = {
  "Scale Bar", "Colour Bar", "Legend", "Axes",
};

/* What differs in the overlays: a step name with its key, or NULL. The name is one of a fixed set
 * (see README), kept in static strings so state_diff returns no allocation. */
static const char *
overlays_diff (OverlayState  *a,
               OverlayState  *b,
               char         **key)
{
  static const char * const show[] = { "Show Scale Bar", "Show Colour Bar", "Show Legend",
                                       "Show Axes" };
  static const char * const hide[] = { "Hide Scale Bar", "Hide Colour Bar", "Hide Legend",
                                       "Hide Axes" };
  static const char * const move[] = { "Move Scale Bar", "Move Colour Bar", "Move Legend",
                                       "Move Axes" };

  G_STATIC_ASSERT (G_N_ELEMENTS (show) == EVOX_N_OVERLAY_ITEMS);
  for (guint i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    {
      if (a->visible[i] != b->visible[i])
        return b->visible[i] ? show[i] : hide[i];
      if (a->position[i][0] != b->position[i][0] || a->position[i][1] != b->position[i][1])
        {
          *key = g_strdup_printf ("overlay-position:%s", overlay_names[i]);
          return move[i];
        }
    }
  if (a->font_size != b->font_size)
    {
      *key = g_strdup ("overlay-font-size");
      return "Change Font Size";
    }
  if (a->scale_bar_length != b->scale_bar_length)
    {
      *key = g_strdup ("overlay-scale-bar-length");
      return "Change Scale Bar Length";
    }
  if (a->labels->len != b->labels->len)
    return a->labels->len < b->labels->len ? "Add Label" : "Remove Label";
  for (guint i = 0; i < a->labels->len; i++)
    {
      LabelState *p = &g_array_index (a->labels, LabelState, i);
      LabelState *q = &g_array_index (b->labels, LabelState, i);

      if (g_strcmp0 (p->text, q->text) != 0)
        {
          *key = g_strdup_printf ("label-text:%u", i);
          return "Edit Label";
        }
      if (p->fx != q->fx || p->fy != q->fy)
        {
          *key = g_strdup_printf ("label-position:%u", i);
          return "Move Label";
        }
    }
  return NULL;
}

static const char *
rulers_diff (GArray  *a,
             GArray  *b,
             char   **key)
{
  if (a->len != b->len)
    return a->len < b->len ? "Add Ruler" : "Remove Ruler";
  for (guint i = 0; i < a->len; i++)
    {
      RulerState *p = &g_array_index (a, RulerState, i);
      RulerState *q = &g_array_index (b, RulerState, i);

      if (p->ruler != q->ruler)
        return "Replace Rulers";
      if (memcmp (p->start, q->start, sizeof p->start) != 0 ||
          memcmp (p->end, q->end, sizeof p->end) != 0)
        {
          *key = g_strdup_printf ("ruler:%p", (void *) q->ruler);
          return "Move Ruler";
        }
    }
  return NULL;
}

/* The first of table's properties that differs, with the property as key, or NULL. */
static const char *
properties_diff (const PropertyStep *table,
                 guint               n,
                 const GValue       *a,
                 const GValue       *b,
                 char              **key)
{
  for (guint i = 0; i < n; i++)
    if (!values_equal (&a[i], &b[i]))
      {
        *key = g_strdup (table[i].property);
        return table[i].step;
      }
  return NULL;
}

static const char *
slots_diff (SlotState  *a,
            SlotState  *b,
            char      **key)
{
  static const char * const channel[] = { "Change Composite Red Channel",
                                          "Change Composite Green Channel",
                                          "Change Composite Blue Channel" };
  static const char * const range[] = { "Change Composite Red Range",
                                        "Change Composite Green Range",
                                        "Change Composite Blue Range" };

  for (guint s = 0; s < 3; s++)
    {
      if (a[s].channel != b[s].channel)
        return channel[s];
      if (a[s].lo != b[s].lo || a[s].hi != b[s].hi)
        {
          *key = g_strdup_printf ("composite-range:%s", slot_names[s]);
          return range[s];
        }
    }
  return NULL;
}

/* Curves of as many points that differ in one point only, which may have moved past others (the
 * curve stays sorted): a rotation of the stretch between the first and the last difference. */
static gboolean
one_point_moved (const double *a,
                 const double *b,
                 guint         n)
{
  guint first = 0, last = n;

  while (first < n && a[2 * first] == b[2 * first] && a[2 * first + 1] == b[2 * first + 1])
    first++;
  if (first == n)
    return FALSE;
  while (a[2 * (last - 1)] == b[2 * (last - 1)] &&
         a[2 * (last - 1) + 1] == b[2 * (last - 1) + 1])
    last--;
  if (last - first == 1)
    return TRUE;
  /* Moved up: a's first is b's last, the others one place down; or the other way round. */
  return memcmp (a + 2 * (first + 1), b + 2 * first, 2 * (last - first - 1) * sizeof *a) == 0 ||
         memcmp (a + 2 * first, b + 2 * (first + 1), 2 * (last - first - 1) * sizeof *a) == 0;
}

/* The Volume view's style: its properties, the curve's points, the clip box. */
static const char *
style_diff (State  *a,
            State  *b,
            char  **key)
{
  const char *name;

  if ((name = properties_diff (style_properties, G_N_ELEMENTS (style_properties), a->style,
                               b->style, key)) != NULL)
    return name;
  if (a->points->len != b->points->len)
    return a->points->len < b->points->len ? "Add Opacity Point" : "Remove Opacity Point";
  if (memcmp (a->points->data, b->points->data, a->points->len * sizeof (double)) != 0)
    {
      /* A reset or a box replaces the curve: a step of its own, never folded into a drag. */
      if (!one_point_moved ((double *) a->points->data, (double *) b->points->data,
                            a->points->len / 2))
        return "Change Opacity Curve";
      *key = g_strdup ("opacity-point");
      return "Move Opacity Point";
    }
  if (memcmp (a->clip, b->clip, sizeof a->clip) != 0)
    {
      *key = g_strdup ("volume-clip");
      return "Change Clip Box";
    }
  return NULL;
}

/* A layer or scan shown or hidden; lists of other lengths belong to another volume, whose switch
 * is the step. */
static const char *
hidden_diff (GArray     *a,
             GArray     *b,
             const char *show,
             const char *hide)
{
  if (a->len != b->len)
    return NULL;
  for (guint i = 0; i < a->len; i++)
    if (g_array_index (a, gboolean, i) != g_array_index (b, gboolean, i))
      return g_array_index (b, gboolean, i) ? hide : show;
  return NULL;
}

/* The Metrics page shows the percolation classes as the document's clusters, over the user's. */
static gboolean
is_percolation (EvoxClusters *clusters)
{
  return clusters != NULL &&
         g_strcmp0 (evox_clusters_get_info (clusters, "source"), "percolation") == 0;
}

static guint64
n_merges (EvoxClusters *clusters)
{
  const char *merges = evox_clusters_get_info (clusters, "merges");

  return merges != NULL ? g_ascii_strtoull (merges, NULL, 10) : 0;
}

/* Other clusters than a: a merge carries one merge more than the clusters it came from (a new
 * run of smaller k is no merge). */
static const char *
clusters_step (EvoxClusters *a,
               EvoxClusters *b)
{
  if (is_percolation (b))
    return is_percolation (a) ? "Change Percolation Axis" : "Show Percolation";
  if (is_percolation (a))
    return "Hide Percolation";
  if (b == NULL)
    return "Clear Clusters";
  if (a != NULL && n_merges (b) == n_merges (a) + 1)
    return "Merge Clusters";
  return "Cluster";
}

/* What differs between a and b, as a step name and a key that says which thing changed (the same
 * key on consecutive changes lets them fold into one step). NULL when nothing recorded differs. */
static const char *
state_diff (State      *a,
            State      *b,
            GPtrArray  *watches,
            char      **key)
{
  const char *name;

  *key = NULL;
  /* A switch of stack or maps brings other phases: it is the step, not what came with it. */
  if (a->registration != b->registration)
    return b->registration != NULL ? "Register Stack" : "Revert Registration";
  if (a->registration_view != b->registration_view)
    return b->registration_view == EVOX_REGISTRATION_VIEW_RAW ? "Show Raw Stack"
                                                              : "Show Registered Stack";
  if (a->maps != b->maps)
    return b->maps != NULL ? "Add Maps" : "Clear Maps";
  if (a->show_maps != b->show_maps)
    return b->show_maps ? "Show Maps" : "Show Stack";
  /* What a new voxel size drops, moves and rebuilds (particles, rulers, surfaces) is its step. */
  if (!_evox_voxel_sizes_equal (a->voxel_sizes, b->voxel_sizes))
    return "Change Voxel Size";
  if (a->phases->len != b->phases->len)
    {
      GArray *fewer = a->phases->len < b->phases->len ? a->phases : b->phases;
      GArray *more = fewer == a->phases ? b->phases : a->phases;

      /* Phases kept as they were, some added or removed; otherwise the list was replaced (a
       * preset, Suggest). */
      for (guint i = 0; i < fewer->len; i++)
        if (find_phase (more, g_array_index (fewer, PhaseState, i).phase) < 0)
          return "Replace Phases";
      return fewer == a->phases ? "Add Phase" : "Remove Phase";
    }
  for (guint i = 0; i < a->phases->len; i++)
    {
      PhaseState *p = &g_array_index (a->phases, PhaseState, i);
      PhaseState *q = &g_array_index (b->phases, PhaseState, i);

      if (p->phase != q->phase)
        return find_phase (a->phases, q->phase) >= 0 ? "Reorder Phases" : "Replace Phases";
      if (p->lo != q->lo || p->hi != q->hi)
        {
          *key = g_strdup_printf ("phase-edge:%p", (void *) q->phase);
          return "Move Phase Edge";
        }
      if (g_strcmp0 (p->color, q->color) != 0)
        {
          *key = g_strdup_printf ("phase-color:%p", (void *) q->phase);
          return "Recolour Phase";
        }
      if (g_strcmp0 (p->name, q->name) != 0)
        return "Rename Phase";
      if (p->opacity != q->opacity)
        {
          *key = g_strdup_printf ("phase-opacity:%p", (void *) q->phase);
          return "Change Phase Opacity";
        }
      if (p->visible != q->visible)
        return q->visible ? "Show Phase" : "Hide Phase";
    }

  if (a->clusters != b->clusters)
    return clusters_step (a->clusters, b->clusters);
  for (guint i = 0; i < a->cluster_states->len && i < b->cluster_states->len; i++)
    {
      ClusterState *p = &g_array_index (a->cluster_states, ClusterState, i);
      ClusterState *q = &g_array_index (b->cluster_states, ClusterState, i);

      if (g_strcmp0 (p->name, q->name) != 0)
        return "Rename Cluster";
      if (g_strcmp0 (p->color, q->color) != 0)
        return "Recolour Cluster";
      if (p->visible != q->visible)
        return "Show Clusters";
    }

  /* The channel and the composite switch come first: what they bring along (a curve reset to
   * the channel's range, default slots) is part of their step. */
  if ((name = properties_diff (display_properties, G_N_ELEMENTS (display_properties), a->display,
                               b->display, key)) != NULL)
    return name;
  if (a->range[0] != b->range[0] || a->range[1] != b->range[1])
    {
      *key = g_strdup ("range");
      return "Change Display Range";
    }
  if ((name = slots_diff (a->slots, b->slots, key)) != NULL)
    return name;
  if ((name = style_diff (a, b, key)) != NULL)
    return name;
  if ((name = hidden_diff (a->hidden_layers, b->hidden_layers, "Show Layer", "Hide Layer")) ||
      (name = hidden_diff (a->hidden_scans, b->hidden_scans, "Show Scan", "Hide Scan")))
    return name;

  if (a->surfaces->len < b->surfaces->len)
    return "Add Surface";
  if (a->surfaces->len > b->surfaces->len)
    return "Remove Surface";
  for (guint i = 0; i < a->surfaces->len; i++)
    {
      SurfaceState *p = &g_array_index (a->surfaces, SurfaceState, i);
      SurfaceState *q = &g_array_index (b->surfaces, SurfaceState, i);

      if (p->surface != q->surface)
        return "Replace Surfaces";
      if (g_strcmp0 (p->color, q->color) != 0)
        {
          *key = g_strdup_printf ("surface-color:%p", (void *) q->surface);
          return "Recolour Surface";
        }
      if (g_strcmp0 (p->name, q->name) != 0)
        return "Rename Surface";
      if (p->opacity != q->opacity)
        {
          *key = g_strdup_printf ("surface-opacity:%p", (void *) q->surface);
          return "Change Surface Opacity";
        }
      if (p->visible != q->visible)
        return q->visible ? "Show Surface" : "Hide Surface";
    }

  if (a->labels != b->labels)
    return b->labels != NULL ? "Find Particles" : "Clear Particles";

  if ((name = overlays_diff (&a->overlays, &b->overlays, key)) != NULL)
    return name;
  if ((name = rulers_diff (a->rulers, b->rulers, key)) != NULL)
    return name;
  for (guint i = 0; i < MIN (a->watched->len, b->watched->len) && i < watches->len; i++)
    if (!values_equal (&g_array_index (a->watched, GValue, i),
                       &g_array_index (b->watched, GValue, i)))
      {
        Watch *watch = watches->pdata[i];

        *key = g_strdup_printf ("watch:%u", i);
        return watch->step;
      }
  return NULL;
}

/* The list holds exactly items, in that order. */
static gboolean
list_holds (EvoxObjectList *list,
            GPtrArray      *items)
{
  if (_evox_object_list_get_n (list) != items->len)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    if (_evox_object_list_get (list, i) != items->pdata[i])
      return FALSE;
  return TRUE;
}

static void
overlays_apply (OverlayState *state,
                EvoxOverlays *overlays)
{
  guint n;

  for (guint i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    {
      evox_overlays_set_visible (overlays, i, state->visible[i]);
      evox_overlays_set_position (overlays, i, state->position[i][0], state->position[i][1]);
    }
  evox_overlays_set_font_size (overlays, state->font_size);
  evox_overlays_set_scale_bar_length (overlays, state->scale_bar_length);
  /* Labels are values, not objects: the ones both states have are edited in place. */
  while ((n = evox_overlays_get_n_labels (overlays)) > state->labels->len)
    evox_overlays_remove_label (overlays, n - 1);
  for (guint i = 0; i < state->labels->len; i++)
    {
      LabelState *entry = &g_array_index (state->labels, LabelState, i);

      if (i < evox_overlays_get_n_labels (overlays))
        {
          evox_overlays_set_label_text (overlays, i, entry->text);
          evox_overlays_move_label (overlays, i, entry->fx, entry->fy);
        }
      else
        evox_overlays_add_label (overlays, entry->text, entry->fx, entry->fy);
    }
}

static void
rulers_apply (GArray              *rulers,
              EvoxMeasurementList *list)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new ();

  for (guint i = 0; i < rulers->len; i++)
    {
      RulerState *entry = &g_array_index (rulers, RulerState, i);

      evox_measurement_set_start (entry->ruler, entry->start);
      evox_measurement_set_end (entry->ruler, entry->end);
      g_ptr_array_add (items, entry->ruler);
    }
  if (!list_holds (EVOX_OBJECT_LIST (list), items))
    _evox_object_list_replace (EVOX_OBJECT_LIST (list), items);
}

static void
watched_apply (GArray    *values,
               GPtrArray *watches)
{
  for (guint i = 0; i < values->len && i < watches->len; i++)
    {
      Watch *watch = watches->pdata[i];
      g_autoptr (GObject) object = g_weak_ref_get (&watch->object);
      GValue *value = &g_array_index (values, GValue, i);

      if (object != NULL && G_IS_VALUE (value))
        g_object_set_property (object, watch->property, value);
    }
}

static void
properties_apply (GObject            *object,
                  const PropertyStep *table,
                  guint               n,
                  GValue             *values)
{
  for (guint i = 0; i < n; i++)
    g_object_set_property (object, table[i].property, &values[i]);
}

/* Only the slots that differ: setting a slot again would make its range the user's, no longer
 * following the channel's data. */
static void
slots_apply (SlotState    *slots,
             EvoxDocument *document)
{
  for (guint s = 0; s < 3; s++)
    {
      SlotState now;

      evox_document_get_composite_slot (document, s, &now.channel, &now.lo, &now.hi);
      if (now.channel != slots[s].channel || now.lo != slots[s].lo || now.hi != slots[s].hi)
        evox_document_set_composite_slot (document, s, slots[s].channel, slots[s].lo,
                                          slots[s].hi);
    }
}

/* After the channel: showing a channel resets the curve to its range. */
static void
style_apply (State           *state,
             EvoxVolumeStyle *style)
{
  guint n = state->points->len / 2;
  g_autofree double *values = g_new (double, MAX (n, 1));
  g_autofree double *opacities = g_new (double, MAX (n, 1));

  properties_apply (G_OBJECT (style), style_properties, G_N_ELEMENTS (style_properties),
                    state->style);
  for (guint i = 0; i < n; i++)
    {
      values[i] = g_array_index (state->points, double, 2 * i);
      opacities[i] = g_array_index (state->points, double, 2 * i + 1);
    }
  evox_volume_style_set_points (style, values, opacities, n);
  evox_volume_style_set_clip (style, state->clip[0], state->clip[1]);
}

static void
state_apply (State        *state,
             EvoxDocument *document,
             GPtrArray    *watches)
{
  EvoxPhaseList *phases = evox_document_get_phases (document);
  EvoxSurfaceList *surfaces = evox_document_get_surfaces (document);
  EvoxVolume *volume = evox_document_get_volume (document);
  g_autoptr (GPtrArray) items = g_ptr_array_new ();

  /* The registration, then which of its stacks, then the maps: each switch puts the side it
   * shows back as the document kept it, and what follows sets that side as the state says. */
  if (evox_document_get_registration (document) != state->registration)
    evox_document_set_registration (document, state->registration);
  evox_document_set_registration_view (document, state->registration_view);
  _evox_document_restore_maps (document, state->maps, state->show_maps);
  volume = evox_document_get_volume (document);
  /* Before the particles, rulers and surfaces, which it would drop, move and rebuild. */
  _evox_document_restore_voxel_sizes (document, state->voxel_sizes);

  properties_apply (G_OBJECT (document), display_properties, G_N_ELEMENTS (display_properties),
                    state->display);
  evox_document_set_range (document, state->range[0], state->range[1]);
  slots_apply (state->slots, document);
  style_apply (state, evox_document_get_volume_style (document));
  for (guint i = 0; i < state->hidden_layers->len; i++)
    evox_document_set_layer_visible (document, i,
                                     !g_array_index (state->hidden_layers, gboolean, i));
  for (guint i = 0; i < state->hidden_scans->len; i++)
    evox_document_set_scan_visible (document, i,
                                    !g_array_index (state->hidden_scans, gboolean, i));

  /* The same phase objects back, so their surfaces and everything following them stay. */
  for (guint i = 0; i < state->phases->len; i++)
    {
      PhaseState *entry = &g_array_index (state->phases, PhaseState, i);

      evox_phase_set_name (entry->phase, entry->name);
      evox_phase_set_color (entry->phase, entry->color);
      evox_phase_set_range (entry->phase, entry->lo, entry->hi);
      evox_phase_set_opacity (entry->phase, entry->opacity);
      evox_phase_set_visible (entry->phase, entry->visible);
      g_ptr_array_add (items, entry->phase);
    }
  /* Unselected first: the document would move the selection while the list's views have not yet
   * seen the list change. */
  if (!list_holds (EVOX_OBJECT_LIST (phases), items))
    {
      evox_document_set_selected_phase (document, -1);
      _evox_object_list_replace (EVOX_OBJECT_LIST (phases), items);
    }
  evox_document_set_selected_phase (document, state->selected_phase);

  if (state->labels == NULL ||
      (evox_labels_get_volume (state->labels) == volume &&
       evox_labels_get_channel (state->labels) == evox_document_get_channel (document)))
    {
      if (evox_document_get_labels (document) != state->labels)
        evox_document_set_labels (document, state->labels);
    }

  /* Surface objects keep their meshes: a READY surface put back is not built again. */
  g_ptr_array_set_size (items, 0);
  for (guint i = 0; i < state->surfaces->len; i++)
    {
      SurfaceState *entry = &g_array_index (state->surfaces, SurfaceState, i);

      evox_surface_set_name (entry->surface, entry->name);
      evox_surface_set_color (entry->surface, entry->color);
      evox_surface_set_opacity (entry->surface, entry->opacity);
      evox_surface_set_visible (entry->surface, entry->visible);
      g_ptr_array_add (items, entry->surface);
    }
  if (!list_holds (EVOX_OBJECT_LIST (surfaces), items))
    _evox_object_list_replace (EVOX_OBJECT_LIST (surfaces), items);
  /* A surface whose spec came back to one it had a mesh for shows that mesh again: undoing an
   * edge move does not build the surface again. */
  for (guint i = 0; i < state->surfaces->len; i++)
    {
      SurfaceState *entry = &g_array_index (state->surfaces, SurfaceState, i);

      if (entry->mesh != NULL)
        _evox_surface_restore_mesh (entry->surface, &entry->spec, entry->mesh);
    }

  if (evox_document_get_clusters (document) != state->clusters)
    evox_document_set_clusters (document, state->clusters);
  for (guint i = 0; state->clusters != NULL && i < state->cluster_states->len; i++)
    {
      ClusterState *entry = &g_array_index (state->cluster_states, ClusterState, i);

      evox_clusters_set_name (state->clusters, i + 1, entry->name);
      evox_clusters_set_color (state->clusters, i + 1, entry->color);
      evox_clusters_set_visible (state->clusters, i + 1, entry->visible);
    }

  overlays_apply (&state->overlays, evox_document_get_overlays (document));
  rulers_apply (state->rulers, evox_document_get_measurements (document));
  watched_apply (state->watched, watches);
}

static void
step_free (Step *step)
{
  g_free (step->name);
  g_free (step->key);
  state_free (step->before);
  state_free (step->after);
  g_free (step);
}

static void
update_properties (EvoxHistory *self)
{
  gboolean can_undo = !g_queue_is_empty (&self->undo);
  gboolean can_redo = !g_queue_is_empty (&self->redo);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNDO_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REDO_NAME]);
  if (can_undo != self->can_undo)
    {
      self->can_undo = can_undo;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
    }
  if (can_redo != self->can_redo)
    {
      self->can_redo = can_redo;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
clear_redo (EvoxHistory *self)
{
  g_queue_clear_full (&self->redo, (GDestroyNotify) step_free);
}

static void enforce_caps (EvoxHistory *self);

/* Compares the document with the state after the last step and records the difference. */
static void
commit (EvoxHistory *self,
        gboolean     group,
        const char  *forced_name)
{
  g_autoptr (EvoxDocument) document = g_weak_ref_get (&self->document);
  g_autofree char *key = NULL;
  const char *name;
  Step *top;
  State *now;
  gint64 time = g_get_monotonic_time ();

  g_clear_handle_id (&self->idle_id, g_source_remove);
  if (document == NULL || self->applying || self->group_depth > 0)
    return;
  if (self->clear_pending)
    {
      evox_history_clear (self);
      return;
    }
  now = state_capture (document, self->watches);
  if (self->current == NULL)
    {
      self->current = now;
      return;
    }
  name = state_diff (self->current, now, self->watches, &key);
  if (name == NULL)
    {
      Step *undo = g_queue_peek_head (&self->undo);
      Step *redo = g_queue_peek_head (&self->redo);

      /* Nothing recorded changed, but a result may have arrived (a surface's mesh): the states
       * beside the current one (equal to it in everything recorded) keep it for undo and redo. */
      if (undo != NULL)
        {
          state_free (undo->after);
          undo->after = state_capture (document, self->watches);
        }
      if (redo != NULL)
        {
          state_free (redo->before);
          redo->before = state_capture (document, self->watches);
        }
      state_free (self->current);
      self->current = now;
      return;
    }
  if (group)
    g_clear_pointer (&key, g_free);
  top = g_queue_peek_head (&self->undo);
  if (!group && key != NULL && top != NULL && g_queue_is_empty (&self->redo) &&
      g_strcmp0 (top->key, key) == 0 && time - top->time <= (gint64) self->coalesce_ms * 1000)
    {
      state_free (top->after);
      top->after = now;
      top->time = time;
    }
  else
    {
      Step *step = g_new0 (Step, 1);

      step->name = g_strdup (forced_name != NULL ? forced_name : name);
      step->key = g_steal_pointer (&key);
      step->time = time;
      step->before = self->current;
      step->after = now;
      self->current = NULL;
      clear_redo (self);
      g_queue_push_head (&self->undo, step);
    }
  state_free (self->current);
  self->current = state_capture (document, self->watches);
  enforce_caps (self);
  update_properties (self);
}

static guint64
volume_bytes (EvoxVolume *volume)
{
  static const guint size[] = { [EVOX_SAMPLE_U8] = 1, [EVOX_SAMPLE_U16] = 2,
                                [EVOX_SAMPLE_F32] = 4 };

  if (volume == NULL)
    return 0;
  return evox_volume_get_n_voxels (volume) * evox_volume_get_n_channels (volume) *
         size[evox_volume_get_sample_type (volume)];
}

/* Adds the heavy results of state that the current state does not hold (what the history alone
 * keeps alive) to seen, and returns their bytes not counted before. */
static guint64
state_heavy_bytes (State      *state,
                   State      *current,
                   GHashTable *seen)
{
  guint64 bytes = 0;

  if (state->labels != NULL && state->labels != current->labels &&
      g_hash_table_add (seen, state->labels))
    bytes += evox_volume_get_n_voxels (evox_labels_get_volume (state->labels)) * 4;
  if (state->clusters != NULL && state->clusters != current->clusters &&
      g_hash_table_add (seen, state->clusters))
    {
      gsize dims[3];

      evox_clusters_get_dims (state->clusters, dims);
      bytes += (guint64) dims[0] * dims[1] * dims[2] * 2;
    }
  if (state->maps != NULL && state->maps != current->maps && g_hash_table_add (seen, state->maps))
    bytes += volume_bytes (state->maps);
  if (state->registration != NULL && state->registration != current->registration &&
      g_hash_table_add (seen, state->registration))
    bytes += volume_bytes (evox_registration_get_registered (state->registration));
  for (guint i = 0; i < state->surfaces->len; i++)
    {
      EvoxMesh *mesh = g_array_index (state->surfaces, SurfaceState, i).mesh;
      gboolean current_has = FALSE;

      for (guint j = 0; j < current->surfaces->len && !current_has; j++)
        current_has = g_array_index (current->surfaces, SurfaceState, j).mesh == mesh;
      /* Positions and normals (and colours) per vertex, three indices per triangle. */
      if (mesh != NULL && !current_has && g_hash_table_add (seen, mesh))
        bytes += evox_mesh_get_n_vertices (mesh) * 28 + evox_mesh_get_n_triangles (mesh) * 12;
    }
  return bytes;
}

guint64
_evox_history_get_bytes (EvoxHistory *self)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint64 bytes = 0;
  GQueue *queues[] = { &self->undo, &self->redo };

  if (self->current == NULL)
    return 0;
  for (guint q = 0; q < G_N_ELEMENTS (queues); q++)
    for (GList *l = queues[q]->head; l != NULL; l = l->next)
      {
        Step *step = l->data;

        bytes += state_heavy_bytes (step->before, self->current, seen);
        bytes += state_heavy_bytes (step->after, self->current, seen);
      }
  return bytes;
}

/* The oldest steps go first, past max-steps or while what only the history holds is over
 * max-bytes (the newest step always stays). */
static void
enforce_caps (EvoxHistory *self)
{
  while (g_queue_get_length (&self->undo) > self->max_steps)
    step_free (g_queue_pop_tail (&self->undo));
  while (g_queue_get_length (&self->undo) > 1 && _evox_history_get_bytes (self) > self->max_bytes)
    step_free (g_queue_pop_tail (&self->undo));
}

static gboolean
on_idle (gpointer data)
{
  EvoxHistory *self = data;

  self->idle_id = 0;
  commit (self, FALSE, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule (EvoxHistory *self)
{
  if (self->applying || self->group_depth > 0 || self->idle_id != 0)
    return;
  self->idle_id = g_idle_add_full (G_PRIORITY_DEFAULT, on_idle, self, NULL);
}

static void
watch_clusters (EvoxHistory  *self,
                EvoxClusters *clusters)
{
  if (self->watched_clusters == clusters)
    return;
  if (self->watched_clusters != NULL)
    g_clear_signal_handler (&self->clusters_handler, self->watched_clusters);
  g_set_object (&self->watched_clusters, clusters);
  if (clusters != NULL)
    self->clusters_handler = g_signal_connect_swapped (clusters, "changed",
                                                       G_CALLBACK (schedule), self);
}

static void
on_document_notify (EvoxDocument *document,
                    GParamSpec   *pspec,
                    EvoxHistory  *self)
{
  if (strcmp (pspec->name, "clusters") == 0)
    watch_clusters (self, evox_document_get_clusters (document));
  /* A new file (set_volume's title or path) starts a new history once its settings are in. */
  if (!self->applying &&
      (strcmp (pspec->name, "title") == 0 || strcmp (pspec->name, "path") == 0))
    self->clear_pending = TRUE;
  if (strcmp (pspec->name, "volume") == 0 && self->current != NULL && !self->applying)
    {
      EvoxVolume *volume = evox_document_get_volume (document);
      EvoxLabels *labels = self->current->labels;
      gsize dims[3] = { 0 }, old[3] = { 0 };

      /* Phases and clusters of another grid mean nothing here; a derived volume of the same
       * grid (Make Phase, registration) keeps the history. No volume (a failed load's preview
       * taken away) is another grid too. */
      if (volume != NULL)
        evox_volume_get_dims (volume, dims);
      if (self->current->clusters != NULL)
        evox_clusters_get_dims (self->current->clusters, old);
      else if (labels != NULL)
        evox_volume_get_dims (evox_labels_get_volume (labels), old);
      else
        memcpy (old, dims, sizeof dims);
      if (memcmp (dims, old, sizeof dims) != 0)
        self->clear_pending = TRUE;
    }
  schedule (self);
}

static void
watch_free (gpointer data)
{
  Watch *watch = data;

  g_weak_ref_clear (&watch->object);
  g_free (watch->property);
  g_free (watch->step);
  g_free (watch);
}

static void
evox_history_dispose (GObject *object)
{
  EvoxHistory *self = EVOX_HISTORY (object);
  g_autoptr (EvoxDocument) document = g_weak_ref_get (&self->document);

  g_clear_handle_id (&self->idle_id, g_source_remove);
  if (document != NULL)
    {
      g_signal_handlers_disconnect_by_data (document, self);
      g_signal_handlers_disconnect_by_data (evox_document_get_phases (document), self);
      g_signal_handlers_disconnect_by_data (evox_document_get_surfaces (document), self);
      g_signal_handlers_disconnect_by_data (evox_document_get_overlays (document), self);
      g_signal_handlers_disconnect_by_data (evox_document_get_measurements (document), self);
      g_signal_handlers_disconnect_by_data (evox_document_get_volume_style (document), self);
    }
  for (guint i = 0; i < self->watches->len; i++)
    {
      Watch *watch = self->watches->pdata[i];
      g_autoptr (GObject) watched = g_weak_ref_get (&watch->object);

      if (watched != NULL)
        g_clear_signal_handler (&watch->handler, watched);
    }
  watch_clusters (self, NULL);
  g_weak_ref_set (&self->document, NULL);
  G_OBJECT_CLASS (evox_history_parent_class)->dispose (object);
}

static void
evox_history_finalize (GObject *object)
{
  EvoxHistory *self = EVOX_HISTORY (object);

  g_queue_clear_full (&self->undo, (GDestroyNotify) step_free);
  clear_redo (self);
  state_free (self->current);
  g_free (self->group_name);
  g_ptr_array_unref (self->watches);
  g_weak_ref_clear (&self->document);
  G_OBJECT_CLASS (evox_history_parent_class)->finalize (object);
}

static void
evox_history_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  EvoxHistory *self = EVOX_HISTORY (object);

  switch (prop_id)
    {
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, evox_history_get_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, evox_history_get_can_redo (self));
      break;
    case PROP_UNDO_NAME:
      g_value_set_string (value, evox_history_get_undo_name (self));
      break;
    case PROP_REDO_NAME:
      g_value_set_string (value, evox_history_get_redo_name (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_history_class_init (EvoxHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = evox_history_dispose;
  object_class->finalize = evox_history_finalize;
  object_class->get_property = evox_history_get_property;
  properties[PROP_CAN_UNDO] = g_param_spec_boolean ("can-undo", NULL, NULL, FALSE, ro);
  properties[PROP_CAN_REDO] = g_param_spec_boolean ("can-redo", NULL, NULL, FALSE, ro);
  properties[PROP_UNDO_NAME] = g_param_spec_string ("undo-name", NULL, NULL, NULL, ro);
  properties[PROP_REDO_NAME] = g_param_spec_string ("redo-name", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
evox_history_init (EvoxHistory *self)
{
  g_weak_ref_init (&self->document, NULL);
  g_queue_init (&self->undo);
  g_queue_init (&self->redo);
  self->watches = g_ptr_array_new_with_free_func (watch_free);
  self->max_steps = 100;
  self->max_bytes = EVOX_HISTORY_DEFAULT_MAX_BYTES;
  self->coalesce_ms = EVOX_HISTORY_COALESCE_MS;
}

EvoxHistory *
evox_history_new (EvoxDocument *document)
{
  EvoxHistory *self;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (document), NULL);
  self = g_object_new (EVOX_TYPE_HISTORY, NULL);
  g_weak_ref_set (&self->document, document);
  g_signal_connect (document, "notify", G_CALLBACK (on_document_notify), self);
  g_signal_connect_swapped (evox_document_get_phases (document), "changed",
                            G_CALLBACK (schedule), self);
  g_signal_connect_swapped (evox_document_get_surfaces (document), "changed",
                            G_CALLBACK (schedule), self);
  g_signal_connect_swapped (evox_document_get_overlays (document), "changed",
                            G_CALLBACK (schedule), self);
  g_signal_connect_swapped (evox_document_get_measurements (document), "changed",
                            G_CALLBACK (schedule), self);
  g_signal_connect_swapped (evox_document_get_volume_style (document), "changed",
                            G_CALLBACK (schedule), self);
  g_signal_connect_swapped (document, "layers-changed", G_CALLBACK (schedule), self);
  watch_clusters (self, evox_document_get_clusters (document));
  self->current = state_capture (document, self->watches);
  return self;
}

gboolean
evox_history_get_can_undo (EvoxHistory *self)
{
  g_return_val_if_fail (EVOX_IS_HISTORY (self), FALSE);
  return !g_queue_is_empty (&self->undo);
}

gboolean
evox_history_get_can_redo (EvoxHistory *self)
{
  g_return_val_if_fail (EVOX_IS_HISTORY (self), FALSE);
  return !g_queue_is_empty (&self->redo);
}

const char *
evox_history_get_undo_name (EvoxHistory *self)
{
  Step *step;

  g_return_val_if_fail (EVOX_IS_HISTORY (self), NULL);
  step = g_queue_peek_head (&self->undo);
  return step != NULL ? step->name : NULL;
}

const char *
evox_history_get_redo_name (EvoxHistory *self)
{
  Step *step;

  g_return_val_if_fail (EVOX_IS_HISTORY (self), NULL);
  step = g_queue_peek_head (&self->redo);
  return step != NULL ? step->name : NULL;
}

guint
evox_history_get_n_undo (EvoxHistory *self)
{
  g_return_val_if_fail (EVOX_IS_HISTORY (self), 0);
  return g_queue_get_length (&self->undo);
}

guint
evox_history_get_n_redo (EvoxHistory *self)
{
  g_return_val_if_fail (EVOX_IS_HISTORY (self), 0);
  return g_queue_get_length (&self->redo);
}

void
evox_history_flush (EvoxHistory *self)
{
  g_return_if_fail (EVOX_IS_HISTORY (self));
  commit (self, FALSE, NULL);
}

/* Puts `state` on the document; what the document made of it becomes the current state. */
static void
apply (EvoxHistory *self,
       State       *state)
{
  g_autoptr (EvoxDocument) document = g_weak_ref_get (&self->document);

  if (document == NULL)
    return;
  self->applying = TRUE;
  state_apply (state, document, self->watches);
  self->applying = FALSE;
  g_clear_handle_id (&self->idle_id, g_source_remove);
  state_free (self->current);
  self->current = state_capture (document, self->watches);
}

gboolean
evox_history_undo (EvoxHistory *self)
{
  Step *step;

  g_return_val_if_fail (EVOX_IS_HISTORY (self), FALSE);
  if (self->group_depth > 0)
    return FALSE;
  commit (self, FALSE, NULL);
  step = g_queue_pop_head (&self->undo);
  if (step == NULL)
    return FALSE;
  apply (self, step->before);
  /* A later change never extends a step that was undone and redone. */
  g_clear_pointer (&step->key, g_free);
  g_queue_push_head (&self->redo, step);
  update_properties (self);
  return TRUE;
}

gboolean
evox_history_redo (EvoxHistory *self)
{
  Step *step;

  g_return_val_if_fail (EVOX_IS_HISTORY (self), FALSE);
  if (self->group_depth > 0)
    return FALSE;
  commit (self, FALSE, NULL);
  step = g_queue_pop_head (&self->redo);
  if (step == NULL)
    return FALSE;
  apply (self, step->after);
  g_queue_push_head (&self->undo, step);
  update_properties (self);
  return TRUE;
}

void
evox_history_begin_group (EvoxHistory *self,
                          const char  *name)
{
  g_return_if_fail (EVOX_IS_HISTORY (self));
  if (self->group_depth++ == 0)
    {
      /* What happened before the group is a step of its own. */
      self->group_depth = 0;
      commit (self, FALSE, NULL);
      self->group_depth = 1;
      g_free (self->group_name);
      self->group_name = g_strdup (name);
    }
}

void
evox_history_end_group (EvoxHistory *self)
{
  g_return_if_fail (EVOX_IS_HISTORY (self));
  g_return_if_fail (self->group_depth > 0);
  if (--self->group_depth == 0)
    {
      g_autofree char *name = g_steal_pointer (&self->group_name);

      commit (self, TRUE, name);
    }
}

void
evox_history_clear (EvoxHistory *self)
{
  g_autoptr (EvoxDocument) document = NULL;

  g_return_if_fail (EVOX_IS_HISTORY (self));
  document = g_weak_ref_get (&self->document);
  self->clear_pending = FALSE;
  g_clear_handle_id (&self->idle_id, g_source_remove);
  g_queue_clear_full (&self->undo, (GDestroyNotify) step_free);
  clear_redo (self);
  state_free (self->current);
  self->current = document != NULL ? state_capture (document, self->watches) : NULL;
  update_properties (self);
}

void
evox_history_watch_property (EvoxHistory *self,
                             GObject     *object,
                             const char  *property,
                             const char  *step)
{
  g_autoptr (EvoxDocument) document = NULL;
  g_autofree char *signal = NULL;
  Watch *watch;

  g_return_if_fail (EVOX_IS_HISTORY (self));
  g_return_if_fail (G_IS_OBJECT (object));
  g_return_if_fail (g_object_class_find_property (G_OBJECT_GET_CLASS (object), property) != NULL);
  g_return_if_fail (step != NULL);

  /* What changed before is recorded without the new value; from now on states carry it. */
  commit (self, FALSE, NULL);
  watch = g_new0 (Watch, 1);
  g_weak_ref_init (&watch->object, object);
  watch->property = g_strdup (property);
  watch->step = g_strdup (step);
  signal = g_strconcat ("notify::", property, NULL);
  watch->handler = g_signal_connect_swapped (object, signal, G_CALLBACK (schedule), self);
  g_ptr_array_add (self->watches, watch);
  document = g_weak_ref_get (&self->document);
  if (document != NULL && self->current != NULL)
    {
      state_free (self->current);
      self->current = state_capture (document, self->watches);
    }
}

void
evox_history_set_max_steps (EvoxHistory *self,
                            guint        max_steps)
{
  g_return_if_fail (EVOX_IS_HISTORY (self));
  self->max_steps = MAX (max_steps, 1);
  enforce_caps (self);
  update_properties (self);
}

void
evox_history_set_max_bytes (EvoxHistory *self,
                            guint64      max_bytes)
{
  g_return_if_fail (EVOX_IS_HISTORY (self));
  self->max_bytes = max_bytes;
  enforce_caps (self);
  update_properties (self);
}

gboolean
_evox_history_get_pending (EvoxHistory *self)
{
  g_return_val_if_fail (EVOX_IS_HISTORY (self), FALSE);
  return self->idle_id != 0;
}

void
_evox_history_set_coalesce_ms (EvoxHistory *self,
                               guint        ms)
{
  g_return_if_fail (EVOX_IS_HISTORY (self));
  self->coalesce_ms = ms;
}

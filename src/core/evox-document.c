/* evox-document.c: one window's state (volume, colours, range, view, slices); views bind to it. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-document.h"
#include "evox-metrics-table.h"
#include "evox-surface-builder.h"
#include "evox-units.h"

G_DEFINE_ENUM_TYPE (EvoxHistogramSource, evox_histogram_source,
  G_DEFINE_ENUM_VALUE (EVOX_HISTOGRAM_WHOLE, "whole"),
  G_DEFINE_ENUM_VALUE (EVOX_HISTOGRAM_SLICE, "slice"))

G_DEFINE_ENUM_TYPE (EvoxRegistrationView, evox_registration_view,
  G_DEFINE_ENUM_VALUE (EVOX_REGISTRATION_VIEW_REGISTERED, "registered"),
  G_DEFINE_ENUM_VALUE (EVOX_REGISTRATION_VIEW_RAW, "raw"))

/* A view of a registration as the user left it: the volume (the stack, or a copy of it with a
 * Clusters channel that Make Phase added), the clusters of that grid, and the channel with its
 * range. */
typedef struct
{
  EvoxVolume   *volume;
  EvoxClusters *clusters;
  EvoxClusters *cluster_channel_source;
  guint         channel;
  double        range[2];
} ViewState;

/* One colour of the RGB composite: a channel (-1 unused) scaled from [lo, hi]; the range
 * follows the channel's data while `automatic` (the user gave none). */
typedef struct
{
  int      channel;
  double   lo;
  double   hi;
  gboolean automatic;
} CompositeSlot;

static void
view_state_clear (ViewState *state)
{
  g_clear_object (&state->volume);
  g_clear_object (&state->clusters);
  g_clear_object (&state->cluster_channel_source);
}

/* One side of the stack / maps switch as the user left it, restored on return: what it showed
 * (the stack or the maps, or a copy of either with a Clusters channel), its channel and display,
 * and its phases and surfaces (a threshold on an edge-energy map means nothing on optical
 * densities, and the other way round). */
typedef struct
{
  EvoxVolume   *volume;
  EvoxClusters *cluster_channel_source;
  guint         channel;
  char         *colormap;
  EvoxMapping   mapping;
  double        range[2];
  GPtrArray    *phases;
  GPtrArray    *surfaces;
  int           selected_phase;
} SideState;

static void
side_state_clear (SideState *state)
{
  g_clear_object (&state->volume);
  g_clear_object (&state->cluster_channel_source);
  g_clear_pointer (&state->colormap, g_free);
  g_clear_pointer (&state->phases, g_ptr_array_unref);
  g_clear_pointer (&state->surfaces, g_ptr_array_unref);
  state->selected_phase = -1;
}

/* The display the user left on a maps channel, kept by the channel's label. */
typedef struct
{
  char        *colormap;
  EvoxMapping  mapping;
  double       range[2];
} MapDisplay;

static void
map_display_free (gpointer data)
{
  MapDisplay *display = data;

  g_free (display->colormap);
  g_free (display);
}

struct _EvoxDocument
{
  GObject              parent_instance;

  EvoxVolume          *volume;
  char                *title;
  char                *path;
  guint                channel;
  char                *colormap;
  /* The colour map before a file's energy map or mask took its map display
   * (show_file_map_display), given back on a channel of other values. */
  char                *plain_colormap;
  EvoxMapping          mapping;
  double               range[2];
  EvoxView             view;
  guint                slice[3];
  guint                active_axis;
  double               z_exaggeration;
  double               stack_opacity;
  GArray              *layer_hidden;   /* gboolean per z layer */
  GArray              *scan_hidden;    /* gboolean per measured scan of the volume */
  EvoxHistogramSource  histogram_source;
  gboolean             histogram_log_counts;
  gboolean             histogram_per_layer;
  EvoxBasis            basis;
  EvoxPhaseList       *phases;
  EvoxVolumeStyle     *volume_style;
  EvoxOverlays        *overlays;
  gboolean             show_phases;
  gboolean             hide_outside_phases;
  EvoxParticleColor    particle_colors;
  int                  selected_phase;
  EvoxLabels          *labels;
  guint                selected_particle;
  EvoxSurfaceList     *surfaces;
  EvoxMeasurementList *measurements;
  EvoxSurfaceBuilder  *builder;
  gboolean             clip_surfaces;
  gboolean             smooth_surfaces;
  guint64              triangle_budget;
  EvoxClusters        *clusters;
  gboolean             show_clusters;
  double               cluster_opacity;
  gboolean             cluster_outlines;
  guint                selected_cluster;
  /* The clusters the volume's "Clusters" channel holds (set by cluster_to_phase), or NULL. */
  EvoxClusters        *cluster_channel_source;
  EvoxRegistration    *registration;
  EvoxRegistrationView registration_view;
  /* What each view of the registration showed when the user left it, restored on return. */
  ViewState            view_state[2];
  /* Maps beside the stack (see "Maps" below): the maps, whether they are the volume, the side
   * not shown, and the display the user gave each maps channel (label -> MapDisplay). */
  EvoxVolume          *maps;
  gboolean             show_maps;
  SideState            other_side;
  GHashTable          *map_display;
  guint                map_display_quiet;  /* > 0: display changes are the document's own */
  /* RGB composite (its block is at the end of this file). */
  CompositeSlot        composite_slots[3];
  gboolean             composite;
  gboolean             composite_phases;
  guint                composite_serial;
  EvoxVolume          *composite_volume;  /* the volume the slots' channels are of */
  /* The composite of the volume shown before (the stack behind the maps, the raw stack behind
   * the registered one), given back on return to it; weak, so a volume no one shows any more
   * is not kept for it. */
  EvoxVolume          *composite_saved_volume;
  CompositeSlot        composite_saved_slots[3];
  gboolean             composite_saved_on;
};

G_DEFINE_FINAL_TYPE (EvoxDocument, evox_document, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_VOLUME,
  PROP_TITLE,
  PROP_PATH,
  PROP_CHANNEL,
  PROP_COLORMAP,
  PROP_MAPPING,
  PROP_RANGE_LO,
  PROP_RANGE_HI,
  PROP_VIEW,
  PROP_SLICE_X,
  PROP_SLICE_Y,
  PROP_SLICE_Z,
  PROP_ACTIVE_AXIS,
  PROP_Z_EXAGGERATION,
  PROP_STACK_OPACITY,
  PROP_HISTOGRAM_SOURCE,
  PROP_HISTOGRAM_LOG_COUNTS,
  PROP_HISTOGRAM_PER_LAYER,
  PROP_BASIS,
  PROP_PHASES,
  PROP_SHOW_PHASES,
  PROP_HIDE_OUTSIDE_PHASES,
  PROP_PARTICLE_COLORS,
  PROP_SELECTED_PHASE,
  PROP_LABELS,
  PROP_SELECTED_PARTICLE,
  PROP_SURFACES,
  PROP_SURFACES_BUSY,
  PROP_CLIP_SURFACES,
  PROP_SMOOTH_SURFACES,
  PROP_TRIANGLE_BUDGET,
  PROP_CLUSTERS,
  PROP_SHOW_CLUSTERS,
  PROP_CLUSTER_OPACITY,
  PROP_CLUSTER_OUTLINES,
  PROP_SELECTED_CLUSTER,
  PROP_REGISTRATION,
  PROP_REGISTRATION_VIEW,
  PROP_MAPS,
  PROP_SHOW_MAPS,
  N_PROPS
};

enum
{
  LAYERS_CHANGED,
  FOCUS_PARTICLE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gboolean composite_get_property (EvoxDocument *self,
                                        guint         prop_id,
                                        GValue       *value);
static gboolean composite_set_property (EvoxDocument *self,
                                        guint         prop_id,
                                        const GValue *value);
static void     composite_class_init   (GObjectClass *object_class);
static void     composite_init         (EvoxDocument *self);
static void     composite_reset        (EvoxDocument *self);

static void
evox_document_finalize (GObject *object)
{
  EvoxDocument *self = EVOX_DOCUMENT (object);

  g_clear_object (&self->builder);
  g_clear_object (&self->volume);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->colormap, g_free);
  g_clear_pointer (&self->plain_colormap, g_free);
  g_clear_pointer (&self->layer_hidden, g_array_unref);
  g_clear_pointer (&self->scan_hidden, g_array_unref);
  if (self->phases != NULL)
    g_signal_handlers_disconnect_by_data (self->phases, self);
  g_clear_object (&self->phases);
  g_clear_object (&self->volume_style);
  g_clear_object (&self->overlays);
  g_clear_object (&self->labels);
  g_clear_object (&self->surfaces);
  g_clear_object (&self->measurements);
  g_clear_object (&self->clusters);
  g_clear_object (&self->cluster_channel_source);
  g_clear_object (&self->registration);
  view_state_clear (&self->view_state[0]);
  view_state_clear (&self->view_state[1]);
  g_clear_object (&self->maps);
  side_state_clear (&self->other_side);
  g_clear_pointer (&self->map_display, g_hash_table_unref);
  g_clear_object (&self->composite_volume);
  g_clear_weak_pointer (&self->composite_saved_volume);

  G_OBJECT_CLASS (evox_document_parent_class)->finalize (object);
}

static void
evox_document_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  EvoxDocument *self = EVOX_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_VOLUME:
      g_value_set_object (value, self->volume);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_CHANNEL:
      g_value_set_uint (value, self->channel);
      break;
    case PROP_COLORMAP:
      g_value_set_string (value, self->colormap);
      break;
    case PROP_MAPPING:
      g_value_set_enum (value, self->mapping);
      break;
    case PROP_RANGE_LO:
      g_value_set_double (value, self->range[0]);
      break;
    case PROP_RANGE_HI:
      g_value_set_double (value, self->range[1]);
      break;
    case PROP_VIEW:
      g_value_set_enum (value, self->view);
      break;
    case PROP_SLICE_X:
    case PROP_SLICE_Y:
    case PROP_SLICE_Z:
      g_value_set_uint (value, self->slice[prop_id - PROP_SLICE_X]);
      break;
    case PROP_ACTIVE_AXIS:
      g_value_set_uint (value, self->active_axis);
      break;
    case PROP_Z_EXAGGERATION:
      g_value_set_double (value, self->z_exaggeration);
      break;
    case PROP_STACK_OPACITY:
      g_value_set_double (value, self->stack_opacity);
      break;
    case PROP_HISTOGRAM_SOURCE:
      g_value_set_enum (value, self->histogram_source);
      break;
    case PROP_HISTOGRAM_LOG_COUNTS:
      g_value_set_boolean (value, self->histogram_log_counts);
      break;
    case PROP_HISTOGRAM_PER_LAYER:
      g_value_set_boolean (value, self->histogram_per_layer);
      break;
    case PROP_BASIS:
      g_value_set_enum (value, self->basis);
      break;
    case PROP_PHASES:
      g_value_set_object (value, self->phases);
      break;
    case PROP_SHOW_PHASES:
      g_value_set_boolean (value, self->show_phases);
      break;
    case PROP_HIDE_OUTSIDE_PHASES:
      g_value_set_boolean (value, self->hide_outside_phases);
      break;
    case PROP_PARTICLE_COLORS:
      g_value_set_int (value, self->particle_colors);
      break;
    case PROP_SELECTED_PHASE:
      g_value_set_int (value, self->selected_phase);
      break;
    case PROP_LABELS:
      g_value_set_object (value, self->labels);
      break;
    case PROP_SELECTED_PARTICLE:
      g_value_set_uint (value, self->selected_particle);
      break;
    case PROP_SURFACES:
      g_value_set_object (value, self->surfaces);
      break;
    case PROP_SURFACES_BUSY:
      g_value_set_boolean (value, evox_document_get_surfaces_busy (self));
      break;
    case PROP_CLIP_SURFACES:
      g_value_set_boolean (value, self->clip_surfaces);
      break;
    case PROP_SMOOTH_SURFACES:
      g_value_set_boolean (value, self->smooth_surfaces);
      break;
    case PROP_TRIANGLE_BUDGET:
      g_value_set_uint64 (value, self->triangle_budget);
      break;
    case PROP_CLUSTERS:
      g_value_set_object (value, self->clusters);
      break;
    case PROP_SHOW_CLUSTERS:
      g_value_set_boolean (value, self->show_clusters);
      break;
    case PROP_CLUSTER_OPACITY:
      g_value_set_double (value, self->cluster_opacity);
      break;
    case PROP_CLUSTER_OUTLINES:
      g_value_set_boolean (value, self->cluster_outlines);
      break;
    case PROP_SELECTED_CLUSTER:
      g_value_set_uint (value, self->selected_cluster);
      break;
    case PROP_REGISTRATION:
      g_value_set_object (value, self->registration);
      break;
    case PROP_REGISTRATION_VIEW:
      g_value_set_enum (value, self->registration_view);
      break;
    case PROP_MAPS:
      g_value_set_object (value, self->maps);
      break;
    case PROP_SHOW_MAPS:
      g_value_set_boolean (value, self->show_maps);
      break;
    default:
      if (!composite_get_property (self, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_document_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  EvoxDocument *self = EVOX_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_CHANNEL:
      evox_document_set_channel (self, g_value_get_uint (value));
      break;
    case PROP_COLORMAP:
      evox_document_set_colormap (self, g_value_get_string (value));
      break;
    case PROP_MAPPING:
      evox_document_set_mapping (self, g_value_get_enum (value));
      break;
    case PROP_RANGE_LO:
      evox_document_set_range (self, g_value_get_double (value), self->range[1]);
      break;
    case PROP_RANGE_HI:
      evox_document_set_range (self, self->range[0], g_value_get_double (value));
      break;
    case PROP_VIEW:
      evox_document_set_view (self, g_value_get_enum (value));
      break;
    case PROP_SLICE_X:
    case PROP_SLICE_Y:
    case PROP_SLICE_Z:
      evox_document_set_slice (self, prop_id - PROP_SLICE_X, g_value_get_uint (value));
      break;
    case PROP_ACTIVE_AXIS:
      evox_document_set_active_axis (self, g_value_get_uint (value));
      break;
    case PROP_Z_EXAGGERATION:
      evox_document_set_z_exaggeration (self, g_value_get_double (value));
      break;
    case PROP_STACK_OPACITY:
      evox_document_set_stack_opacity (self, g_value_get_double (value));
      break;
    case PROP_HISTOGRAM_SOURCE:
      evox_document_set_histogram_source (self, g_value_get_enum (value));
      break;
    case PROP_HISTOGRAM_LOG_COUNTS:
      evox_document_set_histogram_log_counts (self, g_value_get_boolean (value));
      break;
    case PROP_HISTOGRAM_PER_LAYER:
      evox_document_set_histogram_per_layer (self, g_value_get_boolean (value));
      break;
    case PROP_BASIS:
      evox_document_set_basis (self, g_value_get_enum (value));
      break;
    case PROP_SHOW_PHASES:
      evox_document_set_show_phases (self, g_value_get_boolean (value));
      break;
    case PROP_HIDE_OUTSIDE_PHASES:
      evox_document_set_hide_outside_phases (self, g_value_get_boolean (value));
      break;
    case PROP_PARTICLE_COLORS:
      evox_document_set_particle_colors (self, g_value_get_int (value));
      break;
    case PROP_SELECTED_PHASE:
      evox_document_set_selected_phase (self, g_value_get_int (value));
      break;
    case PROP_SELECTED_PARTICLE:
      evox_document_set_selected_particle (self, g_value_get_uint (value));
      break;
    case PROP_CLIP_SURFACES:
      evox_document_set_clip_surfaces (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTH_SURFACES:
      evox_document_set_smooth_surfaces (self, g_value_get_boolean (value));
      break;
    case PROP_TRIANGLE_BUDGET:
      evox_document_set_triangle_budget (self, g_value_get_uint64 (value));
      break;
    case PROP_SHOW_CLUSTERS:
      evox_document_set_show_clusters (self, g_value_get_boolean (value));
      break;
    case PROP_CLUSTER_OPACITY:
      evox_document_set_cluster_opacity (self, g_value_get_double (value));
      break;
    case PROP_CLUSTER_OUTLINES:
      evox_document_set_cluster_outlines (self, g_value_get_boolean (value));
      break;
    case PROP_SELECTED_CLUSTER:
      evox_document_set_selected_cluster (self, g_value_get_uint (value));
      break;
    case PROP_REGISTRATION_VIEW:
      evox_document_set_registration_view (self, g_value_get_enum (value));
      break;
    case PROP_SHOW_MAPS:
      evox_document_set_show_maps (self, g_value_get_boolean (value));
      break;
    default:
      if (!composite_set_property (self, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_document_class_init (EvoxDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = evox_document_finalize;
  object_class->get_property = evox_document_get_property;
  object_class->set_property = evox_document_set_property;

  properties[PROP_VOLUME] = g_param_spec_object ("volume", NULL, NULL, EVOX_TYPE_VOLUME, ro);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, ro);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, ro);
  properties[PROP_CHANNEL] = g_param_spec_uint ("channel", NULL, NULL, 0, G_MAXUINT, 0, rw);
  properties[PROP_COLORMAP] = g_param_spec_string ("colormap", NULL, NULL, "viridis", rw);
  properties[PROP_MAPPING] = g_param_spec_enum ("mapping", NULL, NULL, EVOX_TYPE_MAPPING,
                                                EVOX_MAPPING_LINEAR, rw);
  properties[PROP_RANGE_LO] = g_param_spec_double ("range-lo", NULL, NULL,
                                                   -G_MAXDOUBLE, G_MAXDOUBLE, 0, rw);
  properties[PROP_RANGE_HI] = g_param_spec_double ("range-hi", NULL, NULL,
                                                   -G_MAXDOUBLE, G_MAXDOUBLE, 1, rw);
  properties[PROP_VIEW] = g_param_spec_enum ("view", NULL, NULL, EVOX_TYPE_VIEW,
                                             EVOX_VIEW_SLICES, rw);
  properties[PROP_SLICE_X] = g_param_spec_uint ("slice-x", NULL, NULL, 0, G_MAXUINT, 0, rw);
  properties[PROP_SLICE_Y] = g_param_spec_uint ("slice-y", NULL, NULL, 0, G_MAXUINT, 0, rw);
  properties[PROP_SLICE_Z] = g_param_spec_uint ("slice-z", NULL, NULL, 0, G_MAXUINT, 0, rw);
  properties[PROP_ACTIVE_AXIS] = g_param_spec_uint ("active-axis", NULL, NULL, 0, 2, 2, rw);
  properties[PROP_Z_EXAGGERATION] = g_param_spec_double ("z-exaggeration", NULL, NULL,
                                                         0.01, 1000, 1, rw);
  properties[PROP_STACK_OPACITY] = g_param_spec_double ("stack-opacity", NULL, NULL,
                                                        0.01, 1, 0.6, rw);
  properties[PROP_HISTOGRAM_SOURCE] = g_param_spec_enum ("histogram-source", NULL, NULL,
                                                         EVOX_TYPE_HISTOGRAM_SOURCE,
                                                         EVOX_HISTOGRAM_WHOLE, rw);
  properties[PROP_HISTOGRAM_LOG_COUNTS] = g_param_spec_boolean ("histogram-log-counts", NULL,
                                                                NULL, FALSE, rw);
  properties[PROP_HISTOGRAM_PER_LAYER] = g_param_spec_boolean ("histogram-per-layer", NULL,
                                                               NULL, FALSE, rw);
  properties[PROP_BASIS] = g_param_spec_enum ("basis", NULL, NULL, EVOX_TYPE_BASIS,
                                              EVOX_BASIS_MEASURED, rw);
  properties[PROP_PHASES] = g_param_spec_object ("phases", NULL, NULL, EVOX_TYPE_PHASE_LIST, ro);
  properties[PROP_SHOW_PHASES] = g_param_spec_boolean ("show-phases", NULL, NULL, TRUE, rw);
  properties[PROP_HIDE_OUTSIDE_PHASES] = g_param_spec_boolean ("hide-outside-phases", NULL, NULL,
                                                               FALSE, rw);
  properties[PROP_PARTICLE_COLORS] = g_param_spec_int ("particle-colors", NULL, NULL, 0,
                                                      EVOX_N_PARTICLE_COLORS - 1,
                                                      EVOX_PARTICLE_COLOR_NONE, rw);
  properties[PROP_SELECTED_PHASE] = g_param_spec_int ("selected-phase", NULL, NULL,
                                                      -1, G_MAXINT, -1, rw);
  properties[PROP_LABELS] = g_param_spec_object ("labels", NULL, NULL, EVOX_TYPE_LABELS, ro);
  properties[PROP_SELECTED_PARTICLE] = g_param_spec_uint ("selected-particle", NULL, NULL,
                                                          0, G_MAXUINT32, 0, rw);
  properties[PROP_SURFACES] = g_param_spec_object ("surfaces", NULL, NULL,
                                                   EVOX_TYPE_SURFACE_LIST, ro);
  properties[PROP_SURFACES_BUSY] = g_param_spec_boolean ("surfaces-busy", NULL, NULL, FALSE, ro);
  properties[PROP_CLIP_SURFACES] = g_param_spec_boolean ("clip-surfaces", NULL, NULL, FALSE, rw);
  properties[PROP_SMOOTH_SURFACES] = g_param_spec_boolean ("smooth-surfaces", NULL, NULL, TRUE,
                                                           rw);
  properties[PROP_TRIANGLE_BUDGET] = g_param_spec_uint64 ("triangle-budget", NULL, NULL, 0,
                                                          G_MAXUINT64,
                                                          EVOX_DEFAULT_TRIANGLE_BUDGET, rw);
  properties[PROP_CLUSTERS] = g_param_spec_object ("clusters", NULL, NULL, EVOX_TYPE_CLUSTERS,
                                                   ro);
  properties[PROP_SHOW_CLUSTERS] = g_param_spec_boolean ("show-clusters", NULL, NULL, TRUE, rw);
  properties[PROP_CLUSTER_OPACITY] = g_param_spec_double ("cluster-opacity", NULL, NULL, 0, 1,
                                                          0.6, rw);
  properties[PROP_CLUSTER_OUTLINES] = g_param_spec_boolean ("cluster-outlines", NULL, NULL, FALSE,
                                                            rw);
  properties[PROP_SELECTED_CLUSTER] = g_param_spec_uint ("selected-cluster", NULL, NULL, 0,
                                                         G_MAXUINT16, 0, rw);
  properties[PROP_REGISTRATION] = g_param_spec_object ("registration", NULL, NULL,
                                                       EVOX_TYPE_REGISTRATION, ro);
  properties[PROP_REGISTRATION_VIEW] = g_param_spec_enum ("registration-view", NULL, NULL,
                                                          EVOX_TYPE_REGISTRATION_VIEW,
                                                          EVOX_REGISTRATION_VIEW_REGISTERED, rw);
  properties[PROP_MAPS] = g_param_spec_object ("maps", NULL, NULL, EVOX_TYPE_VOLUME, ro);
  properties[PROP_SHOW_MAPS] = g_param_spec_boolean ("show-maps", NULL, NULL, FALSE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  composite_class_init (object_class);

  signals[LAYERS_CHANGED] = g_signal_new ("layers-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
  /* evox_document_focus_particle asked the views to bring particle `id` into view. */
  signals[FOCUS_PARTICLE] = g_signal_new ("focus-particle", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void notify (EvoxDocument *self,
                    guint         prop_id);
static void follow_phase_list (EvoxDocument *self);
static void remember_map_display (EvoxDocument *self);
static void show_map_display (EvoxDocument *self);

/* A phase's surface goes with the phase: removed, or replaced by a preset or Suggest. */
static void
remove_orphan_surfaces (EvoxDocument *self)
{
  for (guint i = evox_surface_list_get_n_surfaces (self->surfaces); i-- > 0;)
    {
      EvoxPhase *phase = evox_surface_get_phase (evox_surface_list_get_surface (self->surfaces,
                                                                                i));

      if (phase != NULL && _evox_object_list_find (EVOX_OBJECT_LIST (self->phases), phase) < 0)
        evox_surface_list_remove (self->surfaces, i);
    }
}

/* Keeps selected-phase on the same phase when phases are added, removed or moved above it. */
static void
on_phases_items_changed (GListModel   *list,
                         guint         position,
                         guint         removed,
                         guint         added,
                         EvoxDocument *self)
{
  int selected = self->selected_phase;

  if (removed > 0)
    remove_orphan_surfaces (self);
  if (selected < 0 || (guint) selected < position)
    return;
  if ((guint) selected < position + removed)
    selected = added > 0 ? (int) position : -1;
  else
    selected += (int) added - (int) removed;
  evox_document_set_selected_phase (self, selected);
}

static void
on_builder_busy (EvoxSurfaceBuilder *builder,
                 GParamSpec         *pspec,
                 EvoxDocument       *self)
{
  notify (self, PROP_SURFACES_BUSY);
}

static void
evox_document_init (EvoxDocument *self)
{
  self->colormap = g_strdup ("viridis");
  self->range[1] = 1;
  self->active_axis = 2;
  self->z_exaggeration = 1;
  self->stack_opacity = 0.6;
  self->layer_hidden = g_array_new (FALSE, TRUE, sizeof (gboolean));
  self->scan_hidden = g_array_new (FALSE, TRUE, sizeof (gboolean));
  self->phases = evox_phase_list_new ();
  self->volume_style = evox_volume_style_new ();
  self->overlays = evox_overlays_new ();
  self->show_phases = TRUE;
  self->selected_phase = -1;
  g_signal_connect_object (self->phases, "items-changed", G_CALLBACK (on_phases_items_changed),
                           self, 0);
  g_signal_connect_object (self->phases, "changed", G_CALLBACK (follow_phase_list), self,
                           G_CONNECT_SWAPPED);
  self->surfaces = evox_surface_list_new ();
  self->measurements = evox_measurement_list_new ();
  self->builder = evox_surface_builder_new (self->surfaces);
  self->smooth_surfaces = TRUE;
  self->triangle_budget = EVOX_DEFAULT_TRIANGLE_BUDGET;
  self->show_clusters = TRUE;
  self->cluster_opacity = 0.6;
  self->other_side.selected_phase = -1;
  self->map_display = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, map_display_free);
  g_signal_connect_object (self->builder, "notify::busy", G_CALLBACK (on_builder_busy), self, 0);
  composite_init (self);
}

EvoxDocument *
evox_document_new (void)
{
  return g_object_new (EVOX_TYPE_DOCUMENT, NULL);
}

static void
notify (EvoxDocument *self,
        guint         prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void show_file_map_display (EvoxDocument *self);

static EvoxMapping
default_mapping (EvoxVolume *volume,
                 guint       channel)
{
  const EvoxStats *stats;

  if (evox_volume_get_channel_value_scale (volume, channel) == EVOX_SCALE_LOG10)
    return EVOX_MAPPING_LOG;
  stats = evox_volume_get_stats (volume, channel);
  if (stats->n_finite > 0 && stats->min > 0 && stats->max > 1000 * stats->min)
    return EVOX_MAPPING_LOG;
  return EVOX_MAPPING_LINEAR;
}

/* A z stretch that makes a thin stack at least a quarter as deep as it is wide, as a round
 * number (1, 2 or 5 times a power of ten). */
static double
default_z_exaggeration (EvoxVolume *volume)
{
  gsize dims[3];
  double spacing[3], width, depth;

  evox_volume_get_dims (volume, dims);
  evox_volume_get_spacing (volume, spacing);
  width = MAX (dims[0] * spacing[0], dims[1] * spacing[1]);
  depth = dims[2] * spacing[2];
  if (depth <= 0 || depth >= 0.25 * width)
    return 1;
  return evox_nice_ceil (0.25 * width / depth);
}

static gboolean
is_particle_surface (EvoxSurface *surface)
{
  EvoxSurfaceKind kind = evox_surface_get_spec (surface)->kind;

  return kind == EVOX_SURFACE_PARTICLE || kind == EVOX_SURFACE_PARTICLES;
}

static void
remove_particle_surfaces (EvoxDocument *self)
{
  for (guint i = evox_surface_list_get_n_surfaces (self->surfaces); i-- > 0;)
    if (is_particle_surface (evox_surface_list_get_surface (self->surfaces, i)))
      evox_surface_list_remove (self->surfaces, i);
}

/* Every surface's spec takes the document's channel, smoothing and triangle budget. */
/* Phase surfaces enclose what their phase owns, which an edit of another phase can change. */
static void
follow_phase_list (EvoxDocument *self)
{
  if (self->volume == NULL)
    return;
  for (guint i = 0; i < evox_surface_list_get_n_surfaces (self->surfaces); i++)
    _evox_surface_follow_phase_list (evox_surface_list_get_surface (self->surfaces, i),
                                     self->phases, evox_volume_get_sample_type (self->volume));
}

static void
update_surface_specs (EvoxDocument *self)
{
  guint n = evox_surface_list_get_n_surfaces (self->surfaces);

  for (guint i = 0; i < n; i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (self->surfaces, i);
      EvoxSurfaceSpec spec = *evox_surface_get_spec (surface);

      spec.channel = self->channel;
      spec.smooth = self->smooth_surfaces;
      spec.max_triangles = self->triangle_budget;
      evox_surface_set_spec (surface, &spec);
    }
  follow_phase_list (self);
}

/* Clusters label the voxels of volumes of their dims. */
static gboolean
clusters_fit (EvoxClusters *clusters,
              EvoxVolume   *volume)
{
  gsize a[3], b[3];

  if (volume == NULL)
    return FALSE;
  evox_clusters_get_dims (clusters, a);
  evox_volume_get_dims (volume, b);
  return memcmp (a, b, sizeof a) == 0;
}

/* The Volume view's opacity curve starts over on the range of what is shown. */
static void
reset_volume_style (EvoxDocument *self)
{
  double lo, hi;

  evox_document_get_range (self, &lo, &hi);
  evox_volume_style_reset_points (self->volume_style, MIN (lo, hi), MAX (lo, hi));
}

void
evox_document_set_volume (EvoxDocument *self,
                          EvoxVolume   *volume,
                          const char   *title,
                          const char   *path)
{
  gsize dims[3] = { 0, 0, 0 };

  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (volume == NULL || EVOX_IS_VOLUME (volume));

  g_object_freeze_notify (G_OBJECT (self));

  /* Maps were computed from the old stack; the stack's phases are what carries over. */
  evox_document_clear_maps (self);
  /* Another file's channels mean other things, even under the same labels. */
  composite_reset (self);
  /* Phases carry over to the next file of the same kind (one set of thresholds for a series of
   * scans); ranges in log10 numbers mean nothing for linear data and the other way round. */
  if (self->volume != NULL && volume != NULL &&
      evox_volume_get_value_scale (self->volume) != evox_volume_get_value_scale (volume))
    {
      evox_phase_list_clear (self->phases);
      evox_surface_list_clear (self->surfaces);
    }
  if (volume == NULL)
    evox_surface_list_clear (self->surfaces);
  if (self->volume != volume)
    evox_document_set_labels (self, NULL);
  if (self->clusters != NULL && !clusters_fit (self->clusters, volume))
    evox_document_set_clusters (self, NULL);
  if (g_set_object (&self->volume, volume))
    notify (self, PROP_VOLUME);
  g_clear_object (&self->cluster_channel_source);
  /* Another file (or the same one loaded again) has no registration yet. */
  view_state_clear (&self->view_state[0]);
  view_state_clear (&self->view_state[1]);
  if (self->registration != NULL)
    {
      g_clear_object (&self->registration);
      notify (self, PROP_REGISTRATION);
    }
  if (self->registration_view != EVOX_REGISTRATION_VIEW_REGISTERED)
    {
      self->registration_view = EVOX_REGISTRATION_VIEW_REGISTERED;
      notify (self, PROP_REGISTRATION_VIEW);
    }
  if (g_strcmp0 (self->title, title) != 0)
    {
      g_free (self->title);
      self->title = g_strdup (title);
      notify (self, PROP_TITLE);
    }
  if (g_strcmp0 (self->path, path) != 0)
    {
      g_free (self->path);
      self->path = g_strdup (path);
      notify (self, PROP_PATH);
    }

  if (volume != NULL)
    evox_volume_get_dims (volume, dims);
  /* Rulers are drawn on slices of the old volume's frame. */
  evox_measurement_list_clear (self->measurements);

  if (self->channel != 0)
    {
      self->channel = 0;
      notify (self, PROP_CHANNEL);
    }
  for (guint axis = 0; axis < 3; axis++)
    {
      guint middle = dims[axis] / 2;
      if (self->slice[axis] != middle)
        {
          self->slice[axis] = middle;
          notify (self, PROP_SLICE_X + axis);
        }
    }
  g_array_set_size (self->layer_hidden, 0);
  g_array_set_size (self->layer_hidden, dims[2]);
  g_array_set_size (self->scan_hidden, 0);
  g_array_set_size (self->scan_hidden, volume != NULL ? evox_volume_get_n_scans (volume) : 0);

  if (volume != NULL)
    {
      gboolean stack = evox_volume_get_n_scans (volume) >= 2;
      /* A 2D map (feature maps, one image) has nothing to turn in 3D: it opens flat. */
      gboolean flat = dims[2] == 1 && !stack;

      evox_document_set_mapping (self, default_mapping (volume, 0));
      evox_document_set_view (self, stack ? EVOX_VIEW_STACK
                                          : flat ? EVOX_VIEW_SLICE_Z : EVOX_VIEW_SLICES);
      evox_document_set_z_exaggeration (self, default_z_exaggeration (volume));
      evox_document_set_histogram_per_layer (self, stack);
      evox_document_reset_range (self);
      show_file_map_display (self);
      reset_volume_style (self);
    }

  /* The rest follow to the new volume, rebuilt from its voxels; channel 0 as the view. */
  update_surface_specs (self);
  evox_surface_builder_set_volume (self->builder, volume);

  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[LAYERS_CHANGED], 0);
}

EvoxVolume *
evox_document_get_volume (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->volume;
}

const char *
evox_document_get_title (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->title;
}

const char *
evox_document_get_path (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->path;
}

guint
evox_document_get_channel (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), 0);
  return self->channel;
}

void
evox_document_set_channel (EvoxDocument *self,
                           guint         channel)
{
  EvoxValueScale old_scale;

  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (self->volume == NULL || channel >= evox_volume_get_n_channels (self->volume))
    return;
  if (self->channel == channel)
    return;
  /* Particles are of one channel's values. */
  evox_document_set_labels (self, NULL);
  /* self->channel may be past a swapped-in volume's channels (replace_volume_keeping_state). */
  old_scale = self->channel < evox_volume_get_n_channels (self->volume)
              ? evox_volume_get_channel_value_scale (self->volume, self->channel)
              : EVOX_SCALE_LINEAR;
  self->channel = channel;
  notify (self, PROP_CHANNEL);
  if (self->show_maps)
    {
      /* Each map has a display of its own (show_map_display). */
      update_surface_specs (self);
      show_map_display (self);
      reset_volume_style (self);
      return;
    }
  /* A channel of another meaning (cluster ids after log10 resistance) gets its own mapping;
   * between channels of one meaning the user's choice stays. */
  if (evox_volume_get_channel_value_scale (self->volume, channel) != old_scale)
    evox_document_set_mapping (self, default_mapping (self->volume, channel));
  update_surface_specs (self);
  evox_document_reset_range (self);
  show_file_map_display (self);
  reset_volume_style (self);
}

const char *
evox_document_get_colormap (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->colormap;
}

void
evox_document_set_colormap (EvoxDocument *self,
                            const char   *name)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (name == NULL || !evox_colormap_exists (name) || g_strcmp0 (self->colormap, name) == 0)
    return;
  g_free (self->colormap);
  self->colormap = g_strdup (name);
  notify (self, PROP_COLORMAP);
  remember_map_display (self);
}

EvoxMapping
evox_document_get_mapping (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), EVOX_MAPPING_LINEAR);
  return self->mapping;
}

EvoxTransfer
evox_document_get_transfer (EvoxDocument *self)
{
  EvoxValueScale scale;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), EVOX_TRANSFER_IDENTITY);

  scale = self->volume != NULL ? evox_volume_get_channel_value_scale (self->volume, self->channel)
                               : EVOX_SCALE_LINEAR;
  return evox_transfer_for (scale, self->mapping);
}

/* For a log10 transfer the range must stay positive; 0 when there is no positive value. */
static double
positive_floor (EvoxDocument *self)
{
  EvoxFineHistogram *hist = evox_document_get_histogram (self);

  return hist != NULL ? evox_fine_histogram_get_smallest_positive (hist) : 0;
}

void
evox_document_set_mapping (EvoxDocument *self,
                           EvoxMapping   mapping)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (self->mapping == mapping)
    return;
  self->mapping = mapping;
  notify (self, PROP_MAPPING);
  if (evox_document_get_transfer (self) == EVOX_TRANSFER_LOG10 && self->range[0] <= 0)
    {
      double floor = positive_floor (self);
      if (floor > 0)
        evox_document_set_range (self, floor, MAX (self->range[1], floor));
    }
  remember_map_display (self);
}

void
evox_document_get_range (EvoxDocument *self,
                         double       *lo,
                         double       *hi)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  if (lo != NULL)
    *lo = self->range[0];
  if (hi != NULL)
    *hi = self->range[1];
}

void
evox_document_set_range (EvoxDocument *self,
                         double        lo,
                         double        hi)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (!isfinite (lo) || !isfinite (hi))
    return;
  if (lo > hi)
    {
      double swap = lo;
      lo = hi;
      hi = swap;
    }
  if (evox_document_get_transfer (self) == EVOX_TRANSFER_LOG10 && lo <= 0)
    {
      double floor = positive_floor (self);
      if (floor > 0)
        {
          lo = floor;
          hi = MAX (hi, floor);
        }
    }

  if (self->range[0] == lo && self->range[1] == hi)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (self->range[0] != lo)
    {
      self->range[0] = lo;
      notify (self, PROP_RANGE_LO);
    }
  if (self->range[1] != hi)
    {
      self->range[1] = hi;
      notify (self, PROP_RANGE_HI);
    }
  remember_map_display (self);
  g_object_thaw_notify (G_OBJECT (self));
}

void
evox_document_get_data_range (EvoxDocument *self,
                              double       *lo,
                              double       *hi)
{
  const EvoxStats *stats = NULL;
  double a = 0, b = 1;

  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (self->volume != NULL)
    stats = evox_volume_get_stats (self->volume, self->channel);
  if (stats != NULL && stats->n_finite > 0)
    {
      a = stats->min;
      b = stats->max;
    }
  if (lo != NULL)
    *lo = a;
  if (hi != NULL)
    *hi = b;
}

void
evox_document_reset_range (EvoxDocument *self)
{
  double lo, hi;

  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  evox_document_get_data_range (self, &lo, &hi);
  evox_document_set_range (self, lo, hi);
}

EvoxView
evox_document_get_view (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), EVOX_VIEW_SLICES);
  return self->view;
}

void
evox_document_set_view (EvoxDocument *self,
                        EvoxView      view)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (view <= EVOX_VIEW_LAST);

  if (self->view == view)
    return;
  self->view = view;
  notify (self, PROP_VIEW);
  if (view >= EVOX_VIEW_SLICE_X && view <= EVOX_VIEW_SLICE_Z)
    evox_document_set_active_axis (self, view - EVOX_VIEW_SLICE_X);
}

guint
evox_document_get_slice (EvoxDocument *self,
                         guint         axis)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), 0);
  g_return_val_if_fail (axis < 3, 0);
  return self->slice[axis];
}

void
evox_document_set_slice (EvoxDocument *self,
                         guint         axis,
                         guint         index)
{
  gsize dims[3] = { 1, 1, 1 };

  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (axis < 3);

  if (self->volume != NULL)
    evox_volume_get_dims (self->volume, dims);
  index = MIN (index, dims[axis] - 1);
  if (self->slice[axis] == index)
    return;
  self->slice[axis] = index;
  notify (self, PROP_SLICE_X + axis);
}

guint
evox_document_get_active_axis (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), 2);
  return self->active_axis;
}

void
evox_document_set_active_axis (EvoxDocument *self,
                               guint         axis)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (axis < 3);

  if (self->active_axis == axis)
    return;
  self->active_axis = axis;
  notify (self, PROP_ACTIVE_AXIS);
}

double
evox_document_get_z_exaggeration (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), 1);
  return self->z_exaggeration;
}

void
evox_document_set_z_exaggeration (EvoxDocument *self,
                                  double        factor)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  factor = CLAMP (factor, 0.01, 1000);
  if (self->z_exaggeration == factor)
    return;
  self->z_exaggeration = factor;
  notify (self, PROP_Z_EXAGGERATION);
}

double
evox_document_get_stack_opacity (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), 1);
  return self->stack_opacity;
}

void
evox_document_set_stack_opacity (EvoxDocument *self,
                                 double        opacity)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  opacity = CLAMP (opacity, 0.01, 1);
  if (self->stack_opacity == opacity)
    return;
  self->stack_opacity = opacity;
  notify (self, PROP_STACK_OPACITY);
}

gboolean
evox_document_get_layer_visible (EvoxDocument *self,
                                 guint         layer)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);

  if (layer >= self->layer_hidden->len)
    return FALSE;
  return !g_array_index (self->layer_hidden, gboolean, layer);
}

void
evox_document_set_layer_visible (EvoxDocument *self,
                                 guint         layer,
                                 gboolean      visible)
{
  gboolean *hidden;

  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (layer >= self->layer_hidden->len)
    return;
  hidden = &g_array_index (self->layer_hidden, gboolean, layer);
  if (*hidden == !visible)
    return;
  *hidden = !visible;
  g_signal_emit (self, signals[LAYERS_CHANGED], 0);
}

/* Measured scans are shown and hidden on their own: one between two grid layers is drawn as a
 * plane of its own in the layer stack. */
gboolean
evox_document_get_scan_visible (EvoxDocument *self,
                                guint         scan)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);

  if (scan >= self->scan_hidden->len)
    return FALSE;
  return !g_array_index (self->scan_hidden, gboolean, scan);
}

void
evox_document_set_scan_visible (EvoxDocument *self,
                                guint         scan,
                                gboolean      visible)
{
  gboolean *hidden;

  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (scan >= self->scan_hidden->len)
    return;
  hidden = &g_array_index (self->scan_hidden, gboolean, scan);
  if (*hidden == !visible)
    return;
  *hidden = !visible;
  g_signal_emit (self, signals[LAYERS_CHANGED], 0);
}

EvoxHistogramSource
evox_document_get_histogram_source (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), EVOX_HISTOGRAM_WHOLE);
  return self->histogram_source;
}

void
evox_document_set_histogram_source (EvoxDocument        *self,
                                    EvoxHistogramSource  source)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (self->histogram_source == source)
    return;
  self->histogram_source = source;
  notify (self, PROP_HISTOGRAM_SOURCE);
}

gboolean
evox_document_get_histogram_log_counts (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->histogram_log_counts;
}

void
evox_document_set_histogram_log_counts (EvoxDocument *self,
                                        gboolean      log_counts)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  log_counts = !!log_counts;
  if (self->histogram_log_counts == log_counts)
    return;
  self->histogram_log_counts = log_counts;
  notify (self, PROP_HISTOGRAM_LOG_COUNTS);
}

gboolean
evox_document_get_histogram_per_layer (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->histogram_per_layer;
}

void
evox_document_set_histogram_per_layer (EvoxDocument *self,
                                       gboolean      per_layer)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  per_layer = !!per_layer;
  if (self->histogram_per_layer == per_layer)
    return;
  self->histogram_per_layer = per_layer;
  notify (self, PROP_HISTOGRAM_PER_LAYER);
}

EvoxBasis
evox_document_get_basis (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), EVOX_BASIS_MEASURED);
  return self->basis;
}

void
evox_document_set_basis (EvoxDocument *self,
                         EvoxBasis     basis)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (basis == EVOX_BASIS_MEASURED || basis == EVOX_BASIS_VOLUME);

  if (self->basis == basis)
    return;
  self->basis = basis;
  notify (self, PROP_BASIS);
}

EvoxBasis
evox_document_get_effective_basis (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), EVOX_BASIS_VOLUME);

  if (self->volume == NULL)
    return EVOX_BASIS_VOLUME;
  return evox_basis_resolve (self->volume, self->channel, self->basis);
}

EvoxFineHistogram *
evox_document_get_basis_histogram (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);

  if (self->volume == NULL)
    return NULL;
  return evox_basis_get_histogram (self->volume, self->channel, self->basis);
}

EvoxFineHistogram *
evox_document_get_histogram (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);

  if (self->volume == NULL)
    return NULL;
  return evox_volume_get_fine_histogram (self->volume, self->channel);
}

static inline double
axis_coordinate (double   value,
                 gboolean log_axis)
{
  if (!log_axis)
    return value;
  return value > 0 ? log10 (value) : NAN;
}

gboolean
evox_document_slice_histogram (EvoxDocument *self,
                               guint         axis,
                               guint         index,
                               guint         n_bins,
                               double        lo,
                               double        hi,
                               gboolean      log_axis,
                               double       *counts)
{
  gsize dims[3], n[2];
  const guint a[2] = { axis == 0 ? 1 : 0, axis == 2 ? 1 : 2 };
  double u0, u1, scale;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (axis < 3 && n_bins > 0 && counts != NULL, FALSE);

  if (self->volume == NULL)
    return FALSE;
  evox_volume_get_dims (self->volume, dims);
  if (index >= dims[axis])
    return FALSE;

  if (axis == 2 && evox_fine_histogram_display (evox_document_get_histogram (self), index,
                                                n_bins, lo, hi, log_axis, counts))
    return TRUE;

  u0 = axis_coordinate (lo, log_axis);
  u1 = axis_coordinate (hi, log_axis);
  if (!isfinite (u0) || !isfinite (u1) || !(u1 > u0))
    return FALSE;
  memset (counts, 0, n_bins * sizeof (double));
  scale = n_bins / (u1 - u0);
  n[0] = dims[a[0]];
  n[1] = dims[a[1]];
  for (gsize j = 0; j < n[1]; j++)
    for (gsize i = 0; i < n[0]; i++)
      {
        gsize at[3];
        double u;
        gssize bin;

        at[axis] = index;
        at[a[0]] = i;
        at[a[1]] = j;
        u = axis_coordinate (evox_volume_get_value (self->volume, self->channel,
                                                    at[0], at[1], at[2]), log_axis);
        if (!(u >= u0 && u <= u1))
          continue;
        bin = (gssize) ((u - u0) * scale);
        counts[MIN (bin, (gssize) n_bins - 1)] += 1;
      }
  return TRUE;
}

char *
evox_document_format_value (EvoxDocument *self,
                            double        value)
{
  const char *quantity;
  g_autofree char *unit = NULL;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);

  if (!isfinite (value))
    return g_strdup ("no value");
  if (self->volume == NULL)
    return g_strdup_printf ("%.4g", value);

  /* The shown channel's meaning: cluster ids read "cluster = 2", not a log10 resistance. */
  quantity = evox_volume_get_channel_quantity (self->volume, self->channel);
  /* A readout: the unit as people write it (µg/cm²). */
  unit = evox_units_dup_display (evox_volume_get_channel_unit (self->volume, self->channel));
  if (quantity == NULL || *quantity == '\0')
    quantity = "value";
  /* Readouts use the symbol a paper would. */
  if (g_ascii_strcasecmp (quantity, "resistance") == 0)
    quantity = "R";
  else if (g_ascii_strcasecmp (quantity, "resistivity") == 0)
    quantity = "ρ";
  if (evox_volume_get_channel_value_scale (self->volume, self->channel) == EVOX_SCALE_LOG10)
    return g_strdup_printf ("log10 %s = %.2f (%s = %.3g%s%s)", quantity, value, quantity,
                            pow (10, value), unit != NULL && *unit ? " " : "",
                            unit != NULL ? unit : "");
  if (evox_volume_source_is_integer (self->volume))
    return g_strdup_printf ("%s = %.0f%s%s", quantity, value, unit != NULL && *unit ? " " : "",
                            unit != NULL ? unit : "");
  return g_strdup_printf ("%s = %.4g%s%s", quantity, value, unit != NULL && *unit ? " " : "",
                          unit != NULL ? unit : "");
}

EvoxPhaseList *
evox_document_get_phases (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->phases;
}

EvoxVolumeStyle *
evox_document_get_volume_style (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->volume_style;
}

EvoxOverlays *
evox_document_get_overlays (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->overlays;
}

gboolean
evox_document_get_show_phases (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->show_phases;
}

void
evox_document_set_show_phases (EvoxDocument *self,
                               gboolean      show)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  show = !!show;
  if (self->show_phases == show)
    return;
  self->show_phases = show;
  notify (self, PROP_SHOW_PHASES);
}

gboolean
evox_document_get_hide_outside_phases (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->hide_outside_phases;
}

void
evox_document_set_hide_outside_phases (EvoxDocument *self,
                                       gboolean      hide)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  hide = !!hide;
  if (self->hide_outside_phases == hide)
    return;
  self->hide_outside_phases = hide;
  notify (self, PROP_HIDE_OUTSIDE_PHASES);
}

EvoxParticleColor
evox_document_get_particle_colors (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), EVOX_PARTICLE_COLOR_NONE);
  return self->particle_colors;
}

void
evox_document_set_particle_colors (EvoxDocument      *self,
                                   EvoxParticleColor  by)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (by < EVOX_N_PARTICLE_COLORS);

  if (self->particle_colors == by)
    return;
  self->particle_colors = by;
  notify (self, PROP_PARTICLE_COLORS);
}

int
evox_document_get_selected_phase (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), -1);
  return self->selected_phase;
}

void
evox_document_set_selected_phase (EvoxDocument *self,
                                  int           index)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (index < 0 || (guint) index >= evox_phase_list_get_n_phases (self->phases))
    index = -1;
  if (self->selected_phase == index)
    return;
  self->selected_phase = index;
  notify (self, PROP_SELECTED_PHASE);
}

EvoxLabels *
evox_document_get_labels (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->labels;
}

void
evox_document_set_labels (EvoxDocument *self,
                          EvoxLabels   *labels)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (labels == NULL || EVOX_IS_LABELS (labels));
  g_return_if_fail (labels == NULL || evox_labels_get_volume (labels) == self->volume);
  g_return_if_fail (labels == NULL || evox_labels_get_channel (labels) == self->channel);

  if (self->labels == labels)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  evox_document_set_selected_particle (self, 0);
  g_set_object (&self->labels, labels);
  /* Particle surfaces show particles of the labels they were made from. */
  remove_particle_surfaces (self);
  evox_surface_builder_set_labels (self->builder, labels);
  notify (self, PROP_LABELS);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Rulers keep their ends in nm: scaled about the origin, they stay on the voxels they were drawn
 * between (and on their slice) when the voxel size changes. Called with the new size already
 * set, so that whoever hears of a ruler moving sees it in the volume's new frame. */
static void
rescale_rulers (EvoxDocument *self,
                const double  old_spacing[3])
{
  double origin[3], spacing_nm[3];
  guint n = evox_measurement_list_get_n_measurements (self->measurements);

  evox_volume_get_origin (self->volume, origin);
  evox_volume_get_spacing (self->volume, spacing_nm);
  for (guint i = 0; i < n; i++)
    {
      EvoxMeasurement *ruler = evox_measurement_list_get_measurement (self->measurements, i);
      double start[3], end[3];

      evox_measurement_get_points (ruler, start, end);
      for (guint a = 0; a < 3; a++)
        {
          double scale = spacing_nm[a] / old_spacing[a];

          start[a] = origin[a] + (start[a] - origin[a]) * scale;
          end[a] = origin[a] + (end[a] - origin[a]) * scale;
        }
      /* One notify for the moved ruler, not one per end: each has its profile sampled. */
      g_object_freeze_notify (G_OBJECT (ruler));
      evox_measurement_set_start (ruler, start);
      evox_measurement_set_end (ruler, end);
      g_object_thaw_notify (G_OBJECT (ruler));
    }
}

/**
 * evox_document_set_voxel_size:
 *
 * The voxel size lives on the volume, the one place every reader of spacing (views, renderer,
 * particles, surfaces, exports) already goes through; the voxels stay as they are, and rulers
 * stay on theirs. Particles measured with the old size are dropped, surfaces are built again,
 * and notify::volume has every view read the geometry again.
 */
/* A raw spectral stack states each energy's pixel size: they scale with the voxel size, so
 * that a registration run after it measures in the lengths the user stated. */
static void
scale_channel_pixel_sizes (EvoxVolume *volume,
                           double      factor)
{
  guint n = evox_volume_get_n_channels (volume);
  g_autofree double *size = g_new (double, MAX (n, 1));

  for (guint c = 0; c < n; c++)
    size[c] = evox_volume_get_channel_pixel_size (volume, c);
  for (guint c = 0; c < n; c++)
    if (isfinite (size[c]) && size[c] > 0)
      evox_volume_set_channel_pixel_size (volume, c, size[c] * factor);
}

static void
scale_spacing (EvoxVolume   *volume,
               const double  factor[3])
{
  double spacing[3];

  evox_volume_get_spacing (volume, spacing);
  scale_channel_pixel_sizes (volume, factor[0]);
  for (guint i = 0; i < 3; i++)
    spacing[i] *= factor[i];
  evox_volume_set_spacing (volume, spacing);
}

/* The volumes of one sample, which share its voxel size: the volume first, then the raw and
 * registered stacks (and their copies with a Clusters channel) and the maps, each once. */
static GPtrArray *
sample_volumes (EvoxDocument *self)
{
  EvoxRegistration *r = self->registration;
  EvoxVolume *twins[] = { self->volume,
                          r != NULL ? evox_registration_get_raw (r) : NULL,
                          r != NULL ? evox_registration_get_registered (r) : NULL,
                          self->view_state[0].volume, self->view_state[1].volume,
                          self->maps, self->other_side.volume };
  GPtrArray *volumes = g_ptr_array_new ();
  /* Without a registration or maps, what the sides kept is no part of the sample shown. */
  guint n = r != NULL || self->maps != NULL ? G_N_ELEMENTS (twins) : 1;

  for (guint i = 0; i < n; i++)
    if (twins[i] != NULL && !g_ptr_array_find (volumes, twins[i], NULL))
      g_ptr_array_add (volumes, twins[i]);
  return volumes;
}

/* What follows a new voxel size, however it came: particles measured with the old size are
 * dropped, rulers stay on their voxels, every surface is built again (the same volume: the
 * builder cancels the running build and marks them stale) and notify::volume has every view read
 * the geometry again. Called with the notifications frozen and the labels already dropped. */
static void
voxel_size_changed (EvoxDocument *self,
                    const double  old_spacing[3])
{
  rescale_rulers (self, old_spacing);
  evox_surface_builder_set_volume (self->builder, self->volume);
  notify (self, PROP_VOLUME);
}

void
evox_document_set_voxel_size (EvoxDocument *self,
                              const double  spacing_nm[3])
{
  g_autoptr (GPtrArray) volumes = NULL;
  double old_spacing[3], factor[3];

  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (self->volume == NULL)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  evox_document_set_labels (self, NULL);
  evox_volume_get_spacing (self->volume, old_spacing);
  /* The raw and registered stacks and the maps are one sample: a length must not change with the
   * view, so each takes the same factor, keeping the ratio of their pixel sizes that the
   * registration measured. */
  volumes = sample_volumes (self);
  for (guint i = 0; i < 3; i++)
    factor[i] = spacing_nm[i] / old_spacing[i];
  for (guint i = 1; i < volumes->len; i++)
    scale_spacing (volumes->pdata[i], factor);
  scale_channel_pixel_sizes (self->volume, factor[0]);
  evox_volume_set_spacing (self->volume, spacing_nm);
  voxel_size_changed (self, old_spacing);
  g_object_thaw_notify (G_OBJECT (self));
}

/* One volume's voxel size as it was: the spacing, whether it was known, the pixel size each
 * channel was given (0 where it follows the spacing). The volume is held weakly: the history
 * keeps no volume alive for its size, and one gone has no size to put back. */
typedef struct
{
  GWeakRef  volume;
  double    spacing[3];
  gboolean  known;
  double   *pixel_sizes;
} VoxelSize;

struct _EvoxVoxelSizes
{
  guint      n;
  VoxelSize  sizes[];
};

static void
voxel_size_read (VoxelSize  *size,
                 EvoxVolume *volume)
{
  guint n = evox_volume_get_n_channels (volume);

  evox_volume_get_spacing (volume, size->spacing);
  size->known = evox_volume_get_spacing_known (volume);
  size->pixel_sizes = g_new (double, MAX (n, 1));
  for (guint c = 0; c < n; c++)
    size->pixel_sizes[c] = evox_volume_has_channel_pixel_size (volume, c)
                           ? evox_volume_get_channel_pixel_size (volume, c) : 0;
}

static gboolean
voxel_size_holds (const VoxelSize *size,
                  EvoxVolume      *volume)
{
  VoxelSize now;
  gboolean same;

  voxel_size_read (&now, volume);
  same = memcmp (now.spacing, size->spacing, sizeof now.spacing) == 0 &&
         now.known == size->known &&
         memcmp (now.pixel_sizes, size->pixel_sizes,
                 evox_volume_get_n_channels (volume) * sizeof (double)) == 0;
  g_free (now.pixel_sizes);
  return same;
}

EvoxVoxelSizes *
_evox_document_dup_voxel_sizes (EvoxDocument *self)
{
  g_autoptr (GPtrArray) volumes = NULL;
  EvoxVoxelSizes *sizes;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);

  volumes = sample_volumes (self);
  sizes = g_malloc0 (sizeof *sizes + volumes->len * sizeof (VoxelSize));
  sizes->n = volumes->len;
  for (guint i = 0; i < volumes->len; i++)
    {
      g_weak_ref_init (&sizes->sizes[i].volume, volumes->pdata[i]);
      voxel_size_read (&sizes->sizes[i], volumes->pdata[i]);
    }
  return sizes;
}

void
_evox_voxel_sizes_free (EvoxVoxelSizes *sizes)
{
  if (sizes == NULL)
    return;
  for (guint i = 0; i < sizes->n; i++)
    {
      g_weak_ref_clear (&sizes->sizes[i].volume);
      g_free (sizes->sizes[i].pixel_sizes);
    }
  g_free (sizes);
}

gboolean
_evox_voxel_sizes_equal (const EvoxVoxelSizes *a,
                         const EvoxVoxelSizes *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->n == 0 || b->n == 0)
    return a->n == b->n;
  return memcmp (a->sizes[0].spacing, b->sizes[0].spacing, sizeof a->sizes[0].spacing) == 0 &&
         a->sizes[0].known == b->sizes[0].known;
}

static void
clear_volume (EvoxVolume *volume)
{
  if (volume != NULL)
    g_object_unref (volume);
}

void
_evox_document_restore_voxel_sizes (EvoxDocument         *self,
                                    const EvoxVoxelSizes *sizes)
{
  g_autoptr (GPtrArray) volumes = NULL;
  gboolean holds = TRUE;
  double old_spacing[3];

  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (sizes != NULL);

  /* The volumes still around, NULL for those gone. */
  volumes = g_ptr_array_new_with_free_func ((GDestroyNotify) clear_volume);
  for (guint i = 0; i < sizes->n; i++)
    {
      EvoxVolume *volume = g_weak_ref_get ((GWeakRef *) &sizes->sizes[i].volume);

      g_ptr_array_add (volumes, volume);
      holds = holds && (volume == NULL || voxel_size_holds (&sizes->sizes[i], volume));
    }
  /* Nothing to put back: particles and surfaces stay as they are. */
  if (holds || self->volume == NULL)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  evox_document_set_labels (self, NULL);
  evox_volume_get_spacing (self->volume, old_spacing);
  for (guint i = 0; i < sizes->n; i++)
    {
      const VoxelSize *size = &sizes->sizes[i];
      EvoxVolume *volume = volumes->pdata[i];

      if (volume == NULL)
        continue;
      evox_volume_set_spacing (volume, size->spacing);
      evox_volume_set_spacing_known (volume, size->known);
      for (guint c = 0; c < evox_volume_get_n_channels (volume); c++)
        evox_volume_set_channel_pixel_size (volume, c, size->pixel_sizes[c]);
    }
  voxel_size_changed (self, old_spacing);
  g_object_thaw_notify (G_OBJECT (self));
}

guint
evox_document_get_selected_particle (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), 0);
  return self->selected_particle;
}

void
evox_document_set_selected_particle (EvoxDocument *self,
                                     guint         id)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (self->labels == NULL || evox_labels_get_particle (self->labels, id) == NULL)
    id = 0;
  if (self->selected_particle == id)
    return;
  self->selected_particle = id;
  notify (self, PROP_SELECTED_PARTICLE);
}

/* The particle's voxel nearest its centroid (a curved particle's centroid may lie outside it), so
 * slices through it cut the particle. Looks only inside its bounding box. */
static void
nearest_voxel (EvoxLabels         *labels,
               const EvoxParticle *particle,
               guint               index[3])
{
  EvoxVolume *volume = evox_labels_get_volume (labels);
  const guint32 *data = evox_labels_get_data (labels);
  double origin[3], spacing[3], centre[3], best = INFINITY;
  gsize dims[3];

  evox_volume_get_origin (volume, origin);
  evox_volume_get_spacing (volume, spacing);
  evox_labels_get_dims (labels, dims);
  for (guint axis = 0; axis < 3; axis++)
    {
      centre[axis] = (particle->centroid_nm[axis] - origin[axis]) / spacing[axis];
      index[axis] = particle->bbox_min[axis];
    }
  for (gsize z = particle->bbox_min[2]; z <= particle->bbox_max[2]; z++)
    for (gsize y = particle->bbox_min[1]; y <= particle->bbox_max[1]; y++)
      for (gsize x = particle->bbox_min[0]; x <= particle->bbox_max[0]; x++)
        {
          double d[3] = { (x - centre[0]) * spacing[0], (y - centre[1]) * spacing[1],
                          (z - centre[2]) * spacing[2] };
          double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];

          if (r2 < best && data[(z * dims[1] + y) * dims[0] + x] == particle->id)
            {
              best = r2;
              index[0] = x;
              index[1] = y;
              index[2] = z;
            }
        }
}

void
evox_document_focus_particle (EvoxDocument *self,
                              guint         id)
{
  const EvoxParticle *particle;
  guint index[3];

  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  evox_document_set_selected_particle (self, id);
  if (self->selected_particle == 0)
    return;
  particle = evox_labels_get_particle (self->labels, id);
  nearest_voxel (self->labels, particle, index);
  g_object_freeze_notify (G_OBJECT (self));
  for (guint axis = 0; axis < 3; axis++)
    evox_document_set_slice (self, axis, index[axis]);
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[FOCUS_PARTICLE], 0, id);
}

EvoxMeasurementList *
evox_document_get_measurements (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->measurements;
}

EvoxSurfaceList *
evox_document_get_surfaces (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->surfaces;
}

gboolean
evox_document_get_surfaces_busy (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->builder != NULL && evox_surface_builder_get_busy (self->builder);
}

void
evox_document_cancel_surface_build (EvoxDocument *self)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  evox_surface_builder_cancel (self->builder);
}

void
_evox_document_set_surface_delay (EvoxDocument *self,
                                  guint         delay_ms)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  evox_surface_builder_set_delay (self->builder, delay_ms);
}

gboolean
evox_document_get_clip_surfaces (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->clip_surfaces;
}

void
evox_document_set_clip_surfaces (EvoxDocument *self,
                                 gboolean      clip)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  clip = !!clip;
  if (self->clip_surfaces == clip)
    return;
  self->clip_surfaces = clip;
  notify (self, PROP_CLIP_SURFACES);
}

gboolean
evox_document_get_smooth_surfaces (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), TRUE);
  return self->smooth_surfaces;
}

void
evox_document_set_smooth_surfaces (EvoxDocument *self,
                                   gboolean      smooth)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  smooth = !!smooth;
  if (self->smooth_surfaces == smooth)
    return;
  self->smooth_surfaces = smooth;
  update_surface_specs (self);
  notify (self, PROP_SMOOTH_SURFACES);
}

guint64
evox_document_get_triangle_budget (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), 0);
  return self->triangle_budget;
}

void
evox_document_set_triangle_budget (EvoxDocument *self,
                                   guint64       budget)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  /* A closed surface keeps 4 triangles at least: a smaller budget would fail every build. */
  if (budget > 0 && budget < 4)
    budget = 4;
  if (self->triangle_budget == budget)
    return;
  self->triangle_budget = budget;
  update_surface_specs (self);
  notify (self, PROP_TRIANGLE_BUDGET);
}

static EvoxSurface *
add_surface (EvoxDocument    *self,
             const char      *name,
             EvoxSurfaceSpec *spec,
             const char      *color)
{
  g_autoptr (EvoxSurface) surface = NULL;

  spec->channel = self->channel;
  spec->smooth = self->smooth_surfaces;
  spec->max_triangles = self->triangle_budget;
  surface = evox_surface_new (name, spec,
                              color != NULL ? color :
                              evox_surface_list_next_color (self->surfaces));
  evox_surface_list_append (self->surfaces, surface);
  return surface;
}

EvoxSurface *
evox_document_add_phase_surface (EvoxDocument *self,
                                 EvoxPhase    *phase)
{
  g_autoptr (EvoxSurface) surface = NULL;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (EVOX_IS_PHASE (phase), NULL);
  g_return_val_if_fail (self->volume != NULL, NULL);

  surface = evox_surface_new_for_phase (phase, self->channel, self->smooth_surfaces,
                                        self->triangle_budget);
  _evox_surface_follow_phase_list (surface, self->phases,
                                   evox_volume_get_sample_type (self->volume));
  evox_surface_list_append (self->surfaces, surface);
  return surface;
}

EvoxSurface *
evox_document_add_level_surface (EvoxDocument *self,
                                 double        level)
{
  EvoxSurfaceSpec spec = { .kind = EVOX_SURFACE_LEVEL, .level = level };
  g_autofree char *name = NULL;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (self->volume != NULL, NULL);
  g_return_val_if_fail (!isnan (level), NULL);

  name = g_strdup_printf ("Level %.4g", level);
  return add_surface (self, name, &spec, NULL);
}

EvoxSurface *
evox_document_add_particle_surface (EvoxDocument *self,
                                    guint32       id)
{
  EvoxSurfaceSpec spec = { .kind = id > 0 ? EVOX_SURFACE_PARTICLE : EVOX_SURFACE_PARTICLES,
                           .particle = id };
  const char *phase;
  g_autofree char *name = NULL;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (self->labels != NULL, NULL);
  g_return_val_if_fail (id == 0 || evox_labels_get_particle (self->labels, id) != NULL, NULL);

  phase = evox_labels_get_phase_name (self->labels);
  if (phase == NULL)
    phase = "";
  if (id > 0)
    name = g_strdup_printf ("Particle %u (%s)", id, phase);
  else
    name = g_strdup_printf ("All particles (%s)", phase);
  /* The highlight colour, so the surface and the slices' highlight of the selection agree. */
  return add_surface (self, name, &spec, id > 0 ? "#ff00ff" : NULL);
}

/* Clusters */

EvoxClusters *
evox_document_get_clusters (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->clusters;
}

/**
 * evox_document_set_clusters:
 *
 * Returns: FALSE, changing nothing, when the clusters do not have the volume's dims (a result
 * that arrives after the user opened another volume).
 */
gboolean
evox_document_set_clusters (EvoxDocument *self,
                            EvoxClusters *clusters)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (clusters == NULL || EVOX_IS_CLUSTERS (clusters), FALSE);

  if (clusters != NULL && !clusters_fit (clusters, self->volume))
    return FALSE;
  if (self->clusters == clusters)
    return TRUE;
  g_object_freeze_notify (G_OBJECT (self));
  evox_document_set_selected_cluster (self, 0);
  g_set_object (&self->clusters, clusters);
  notify (self, PROP_CLUSTERS);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

gboolean
evox_document_get_show_clusters (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->show_clusters;
}

void
evox_document_set_show_clusters (EvoxDocument *self,
                                 gboolean      show)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  show = !!show;
  if (self->show_clusters == show)
    return;
  self->show_clusters = show;
  notify (self, PROP_SHOW_CLUSTERS);
}

double
evox_document_get_cluster_opacity (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), 0.6);
  return self->cluster_opacity;
}

void
evox_document_set_cluster_opacity (EvoxDocument *self,
                                   double        opacity)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (isnan (opacity))
    return;
  opacity = CLAMP (opacity, 0.0, 1.0);
  if (self->cluster_opacity == opacity)
    return;
  self->cluster_opacity = opacity;
  notify (self, PROP_CLUSTER_OPACITY);
}

gboolean
evox_document_get_cluster_outlines (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->cluster_outlines;
}

void
evox_document_set_cluster_outlines (EvoxDocument *self,
                                    gboolean      outlines)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  outlines = !!outlines;
  if (self->cluster_outlines == outlines)
    return;
  self->cluster_outlines = outlines;
  notify (self, PROP_CLUSTER_OUTLINES);
}

guint
evox_document_get_selected_cluster (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), 0);
  return self->selected_cluster;
}

void
evox_document_set_selected_cluster (EvoxDocument *self,
                                    guint         id)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (self->clusters == NULL || id > evox_clusters_get_k (self->clusters))
    id = 0;
  if (self->selected_cluster == id)
    return;
  self->selected_cluster = id;
  notify (self, PROP_SELECTED_CLUSTER);
}

/* The cluster ids in the volume's sample type, or NULL with an error (u8 holds k <= 255). */
static gpointer
cluster_channel_data (EvoxDocument  *self,
                      GError       **error)
{
  EvoxSampleType type = evox_volume_get_sample_type (self->volume);
  gsize n = evox_volume_get_n_voxels (self->volume);
  const guint16 *ids = evox_clusters_get_data (self->clusters);
  guint k = evox_clusters_get_k (self->clusters);
  gpointer data;

  if (type == EVOX_SAMPLE_U8 && k > G_MAXUINT8)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "%u clusters do not fit the 8-bit volume's values (at most 255): merge "
                   "clusters or cluster with a smaller k", k);
      return NULL;
    }
  data = _evox_alloc_large (n * evox_sample_type_size (type));
  if (data == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_TOO_LARGE,
                   "could not allocate a Clusters channel of %" G_GSIZE_FORMAT " voxels", n);
      return NULL;
    }
  for (gsize i = 0; i < n; i++)
    switch (type)
      {
      case EVOX_SAMPLE_U8: ((guint8 *) data)[i] = (guint8) ids[i]; break;
      case EVOX_SAMPLE_U16: ((guint16 *) data)[i] = ids[i]; break;
      default: ((float *) data)[i] = ids[i]; break;
      }
  return data;
}

/* Swaps in a volume of the same dims and scans made from the current one, keeping what the user
 * set up: phases, surfaces (rebuilt from the new volume's voxels), rulers, slices, layer
 * visibility, view, colours. Then shows `channel`. */
static void
replace_volume_keeping_state (EvoxDocument *self,
                              EvoxVolume   *volume,
                              guint         channel)
{
  g_object_freeze_notify (G_OBJECT (self));
  /* Particles belong to the old volume object. */
  evox_document_set_labels (self, NULL);
  g_set_object (&self->volume, volume);
  notify (self, PROP_VOLUME);
  evox_surface_builder_set_volume (self->builder, volume);
  if (self->channel != channel)
    evox_document_set_channel (self, channel);
  else
    {
      update_surface_specs (self);
      evox_document_reset_range (self);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * evox_document_cluster_to_phase:
 *
 * Returns: (transfer none): the new phase, or NULL with an error.
 */
EvoxPhase *
evox_document_cluster_to_phase (EvoxDocument  *self,
                                guint          id,
                                GError       **error)
{
  g_autoptr(EvoxPhase) phase = NULL;
  const char *name;
  double half;
  int channel;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->volume == NULL || self->clusters == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "there are no clusters to turn into a phase");
      return NULL;
    }
  if (id < 1 || id > evox_clusters_get_k (self->clusters))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "there is no cluster %u (the clusters are 1 to %u)", id,
                   evox_clusters_get_k (self->clusters));
      return NULL;
    }

  /* The Clusters channel an earlier call added: derived, so a loaded channel of that name is not
   * taken for it. */
  channel = -1;
  for (guint c = 0; c < evox_volume_get_n_channels (self->volume); c++)
    if (evox_volume_get_channel_derived (self->volume, c) &&
        g_strcmp0 (evox_volume_get_channel_label (self->volume, c),
                   EVOX_DOCUMENT_CLUSTER_CHANNEL) == 0)
      channel = (int) c;
  if (channel < 0 || self->cluster_channel_source != self->clusters)
    {
      g_autoptr(EvoxVolume) derived = NULL;
      gpointer data = cluster_channel_data (self, error);

      if (data == NULL)
        return NULL;
      derived = _evox_volume_new_with_channel (self->volume, EVOX_DOCUMENT_CLUSTER_CHANNEL, data,
                                               error);
      if (derived == NULL)
        return NULL;
      /* Ids are labels counted 1..k, whatever the loaded channels measure. */
      evox_volume_set_channel_values (derived, evox_volume_get_n_channels (derived) - 1,
                                      EVOX_SCALE_LINEAR, "cluster", NULL);
      g_set_object (&self->cluster_channel_source, self->clusters);
      channel = (int) evox_volume_get_n_channels (derived) - 1;
      replace_volume_keeping_state (self, derived, (guint) channel);
    }
  else
    evox_document_set_channel (self, (guint) channel);

  /* Integer channels count [id, id] exactly. Float channels count phases from the fine
   * histogram, which spreads a bin's voxels evenly over its width and so gives a range of no
   * width no voxels: half a step either side holds the same voxels, as whole ids are all there
   * is, and covers their bins whole. */
  half = evox_volume_get_sample_type (self->volume) == EVOX_SAMPLE_F32 ? 0.5 : 0.0;
  name = evox_clusters_get_name (self->clusters, id);
  if (evox_phase_list_find (self->phases, name) >= 0)
    {
      g_autofree char *unique = g_strdup_printf ("%s (%u)", name, id);
      phase = evox_phase_new (unique, id - half, id + half,
                              evox_clusters_get_color (self->clusters, id));
    }
  else
    phase = evox_phase_new (name, id - half, id + half,
                            evox_clusters_get_color (self->clusters, id));
  evox_phase_list_append (self->phases, phase);
  return phase;
}

/* Registration */

EvoxRegistration *
evox_document_get_registration (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->registration;
}

EvoxRegistrationView
evox_document_get_registration_view (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), EVOX_REGISTRATION_VIEW_REGISTERED);
  return self->registration_view;
}

/* The channel of `to` that shows what the current channel shows: the same energy (registered
 * stacks keep the raw channels' energies), else the reference's channel of a registered stack
 * (an excluded energy has none there), else the same index as far as it goes. */
static guint
matching_channel (EvoxDocument     *self,
                  EvoxRegistration *registration,
                  EvoxVolume       *to)
{
  guint n = evox_volume_get_n_channels (to);
  const EvoxRegistrationEntry *reference;
  double energy = NAN;

  if (self->volume != NULL && self->channel < evox_volume_get_n_channels (self->volume))
    energy = evox_volume_get_channel_energy (self->volume, self->channel);
  if (isfinite (energy))
    for (guint c = 0; c < n; c++)
      if (fabs (evox_volume_get_channel_energy (to, c) - energy) <= 0.05)
        return c;
  reference = evox_registration_get_reference (registration);
  if (to == evox_registration_get_registered (registration) && reference != NULL &&
      reference->channel >= 0 && (guint) reference->channel < n)
    return (guint) reference->channel;
  return MIN (self->channel, n - 1);
}

/* Swaps between the stacks of a registration: both are of the loaded data on (nearly) one grid,
 * so everything the user set up stays, as when a cluster becomes a phase, and the display range
 * too, so that raw and registered images of an energy compare in the same colours. */
static void
show_registration_volume (EvoxDocument     *self,
                          EvoxRegistration *registration,
                          EvoxVolume       *volume)
{
  guint channel;
  double range[2] = { self->range[0], self->range[1] };
  gsize dims[3];

  if (self->volume == volume)
    return;
  channel = matching_channel (self, registration, volume);
  g_object_freeze_notify (G_OBJECT (self));
  /* Particles belong to the old volume object. */
  evox_document_set_labels (self, NULL);
  g_set_object (&self->volume, volume);
  g_clear_object (&self->cluster_channel_source);
  notify (self, PROP_VOLUME);
  if (self->clusters != NULL && !clusters_fit (self->clusters, volume))
    evox_document_set_clusters (self, NULL);
  evox_volume_get_dims (volume, dims);
  if (self->layer_hidden->len != dims[2])
    g_array_set_size (self->layer_hidden, dims[2]);
  for (guint axis = 0; axis < 3; axis++)
    evox_document_set_slice (self, axis, self->slice[axis]);
  evox_surface_builder_set_volume (self->builder, volume);
  /* Not evox_document_set_channel, which resets the range: the same energy's values, raw or
   * registered, mean the same (the registered stack copies the raw channels' value meaning). */
  if (self->channel != channel)
    {
      self->channel = channel;
      notify (self, PROP_CHANNEL);
    }
  update_surface_specs (self);
  /* Clamps a log range to the new data's positive values; otherwise no change, no notify. */
  evox_document_set_range (self, range[0], range[1]);
  g_object_thaw_notify (G_OBJECT (self));
}

static EvoxVolume *
view_stack (EvoxRegistration     *registration,
            EvoxRegistrationView  view)
{
  return view == EVOX_REGISTRATION_VIEW_RAW ? evox_registration_get_raw (registration)
                                            : evox_registration_get_registered (registration);
}

/* Keeps what the current view shows, to come back to it. */
static void
save_view_state (EvoxDocument *self)
{
  ViewState *state = &self->view_state[self->registration_view];

  view_state_clear (state);
  g_set_object (&state->volume, self->volume);
  g_set_object (&state->clusters, self->clusters);
  g_set_object (&state->cluster_channel_source, self->cluster_channel_source);
  state->channel = self->channel;
  state->range[0] = self->range[0];
  state->range[1] = self->range[1];
}

/* Shows `view` of the registration as the user left it: its volume (with the Clusters channel
 * Make Phase added to it) and its clusters, as clusters of one grid do not lie over the other's
 * images; on a derived channel (the Clusters one, which the phases made from clusters threshold)
 * the same channel and range, else the energy shown now. */
static void
restore_view_state (EvoxDocument         *self,
                    EvoxRegistrationView  view)
{
  ViewState *state = &self->view_state[view];
  EvoxVolume *volume = state->volume != NULL ? state->volume
                                             : view_stack (self->registration, view);
  /* The range of a derived channel (cluster ids) means nothing for an energy's values. */
  gboolean left_derived = self->volume != NULL &&
                          self->channel < evox_volume_get_n_channels (self->volume) &&
                          evox_volume_get_channel_derived (self->volume, self->channel);

  show_registration_volume (self, self->registration, volume);
  evox_document_set_clusters (self, state->clusters);
  g_set_object (&self->cluster_channel_source, state->cluster_channel_source);
  if (state->volume != NULL && state->channel < evox_volume_get_n_channels (volume) &&
      evox_volume_get_channel_derived (volume, state->channel) && self->channel != state->channel)
    {
      self->channel = state->channel;
      notify (self, PROP_CHANNEL);
      update_surface_specs (self);
      evox_document_set_range (self, state->range[0], state->range[1]);
    }
  else if (left_derived)
    {
      if (state->volume != NULL && state->channel == self->channel)
        evox_document_set_range (self, state->range[0], state->range[1]);
      else
        evox_document_reset_range (self);
    }
}

/**
 * evox_document_set_registration:
 *
 * Returns: FALSE, changing nothing, when registration is not of the document's raw stack (a
 * result that arrives after the user opened another file).
 */
gboolean
evox_document_set_registration (EvoxDocument     *self,
                                EvoxRegistration *registration)
{
  EvoxVolume *raw;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (registration == NULL || EVOX_IS_REGISTRATION (registration), FALSE);

  if (registration == self->registration)
    return TRUE;
  if (registration == NULL)
    {
      g_object_freeze_notify (G_OBJECT (self));
      /* The maps are of the registered stack. */
      evox_document_clear_maps (self);
      if (self->registration_view != EVOX_REGISTRATION_VIEW_RAW)
        {
          save_view_state (self);
          restore_view_state (self, EVOX_REGISTRATION_VIEW_RAW);
        }
      view_state_clear (&self->view_state[0]);
      view_state_clear (&self->view_state[1]);
      g_clear_object (&self->registration);
      notify (self, PROP_REGISTRATION);
      evox_document_set_registration_view (self, EVOX_REGISTRATION_VIEW_REGISTERED);
      g_object_thaw_notify (G_OBJECT (self));
      return TRUE;
    }

  raw = evox_registration_get_raw (registration);
  if (self->volume == NULL ||
      (raw != evox_document_get_stack (self) &&
       (self->registration == NULL || raw != evox_registration_get_raw (self->registration))))
    return FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  /* The maps are of the old stack. */
  evox_document_clear_maps (self);
  /* What the views of the old registration kept is of its registered stack. */
  view_state_clear (&self->view_state[0]);
  view_state_clear (&self->view_state[1]);
  g_set_object (&self->registration, registration);
  notify (self, PROP_REGISTRATION);
  if (self->registration_view != EVOX_REGISTRATION_VIEW_REGISTERED)
    {
      self->registration_view = EVOX_REGISTRATION_VIEW_REGISTERED;
      notify (self, PROP_REGISTRATION_VIEW);
    }
  show_registration_volume (self, registration, evox_registration_get_registered (registration));
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

void
evox_document_set_registration_view (EvoxDocument         *self,
                                     EvoxRegistrationView  view)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (view == EVOX_REGISTRATION_VIEW_REGISTERED ||
                    view == EVOX_REGISTRATION_VIEW_RAW);

  if (self->registration_view == view)
    return;
  /* Without a registration there is only the loaded stack, which counts as the registered
   * one (the view a new registration starts in). */
  if (self->registration == NULL && view == EVOX_REGISTRATION_VIEW_RAW)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  /* Raw and Registered are two ways to see the stack: the maps make way for it. */
  evox_document_set_show_maps (self, FALSE);
  if (self->registration != NULL)
    save_view_state (self);
  self->registration_view = view;
  notify (self, PROP_REGISTRATION_VIEW);
  if (self->registration != NULL)
    restore_view_state (self, view);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Maps */

/* Defaults of a maps channel that shows energies (edge energy, E0, white line): a diverging map
 * centred on the median, so shifts up and down read as two colours. */
#define MAP_ENERGY_COLORMAP "coolwarm"
#define MAP_COLORMAP "viridis"
#define MAP_MASK_COLORMAP "grey"

EvoxVolume *
evox_document_get_maps (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->maps;
}

EvoxVolume *
evox_document_get_stack (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), NULL);
  return self->show_maps ? self->other_side.volume : self->volume;
}

gboolean
evox_document_get_show_maps (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->show_maps;
}

/* The value at percentile `percent` of the finite values the fine histogram counts, as numpy's
 * default (linear) percentile puts it: rank h = p (n - 1) in the sorted values, interpolated
 * between the values at floor (h) and floor (h) + 1. Exact for u8 and u16 data (a bin a value);
 * for f32 a bin's values are taken as spread evenly over its width, so within one fine bin. */
static double
fine_value_at_rank (EvoxFineHistogram *fine,
                    guint64            rank)
{
  const guint64 *counts = evox_fine_histogram_get_counts (fine);
  guint n_bins = evox_fine_histogram_get_n_bins (fine);
  gboolean exact = evox_fine_histogram_is_exact (fine);
  guint64 before = 0;

  for (guint b = 0; b < n_bins; b++)
    {
      if (rank < before + counts[b])
        {
          double lo = evox_fine_histogram_get_bin_lo (fine, b);

          if (exact)
            return lo;
          return lo + ((double) (rank - before) + 0.5) / (double) counts[b] *
                      evox_fine_histogram_get_bin_width (fine);
        }
      before += counts[b];
    }
  return evox_fine_histogram_get_bin_lo (fine, n_bins - 1);
}

static double
fine_percentile (EvoxFineHistogram *fine,
                 double             percent)
{
  guint64 n = evox_fine_histogram_get_n_finite (fine);
  double h, below, above;
  guint64 k;

  if (n == 0)
    return NAN;
  h = percent / 100.0 * (double) (n - 1);
  k = (guint64) floor (h);
  below = fine_value_at_rank (fine, k);
  if (k + 1 >= n)
    return below;
  above = fine_value_at_rank (fine, k + 1);
  return below + (h - (double) k) * (above - below);
}

static gboolean
is_mask_channel (EvoxVolume *volume,
                 guint       channel)
{
  return g_strcmp0 (evox_volume_get_channel_label (volume, channel), "mask") == 0 ||
         g_strcmp0 (evox_volume_get_channel_quantity (volume, channel), "mask") == 0;
}

/* What a maps channel shows before the user says otherwise: energies on the diverging map,
 * centred on their median, half as wide as the larger distance from it to the 5th or 95th
 * percentile (the ones the XANES summary states), so the few per cent of noisy voxels the mask
 * lets in do not wash out the shifts (on the XANES demo 2.8 % of the masked voxels are
 * background noise with edge energies up to 90 eV off: the 98th percentile lay 17 eV above the
 * median and the 2.5 eV core-to-shell shift took a tenth of the colour map); a mask grey over
 * 0..1; any other map as a loaded volume opens (viridis, the data range). */
static void
default_map_display (EvoxVolume *volume,
                     guint       channel,
                     MapDisplay *display)
{
  const EvoxStats *stats = evox_volume_get_stats (volume, channel);

  display->mapping = EVOX_MAPPING_LINEAR;
  display->range[0] = stats->n_finite > 0 ? stats->min : 0;
  display->range[1] = stats->n_finite > 0 ? stats->max : 1;
  if (is_mask_channel (volume, channel))
    {
      display->colormap = g_strdup (MAP_MASK_COLORMAP);
      display->range[0] = 0;
      display->range[1] = 1;
    }
  else if (g_strcmp0 (evox_volume_get_channel_quantity (volume, channel),
                      EVOX_PERCOLATION_CLASS_QUANTITY) == 0)
    {
      /* Classes 1, 2 and 3 whichever of them occur, one colour each. */
      display->colormap = g_strdup ("classes3");
      display->range[0] = 1;
      display->range[1] = 3;
    }
  else if (g_strcmp0 (evox_volume_get_channel_quantity (volume, channel),
                      EVOX_FLUX_MAGNITUDE_QUANTITY) == 0)
    {
      /* The flux piles up in a few voxels of the narrowest necks (on electrode.tiff the
       * largest is 6.7 times the 99th percentile): over the data range the rest goes dark. */
      double p99 = fine_percentile (evox_volume_get_fine_histogram (volume, channel), 99);

      display->colormap = g_strdup ("inferno");
      display->range[0] = 0;
      if (isfinite (p99) && p99 > 0)
        display->range[1] = p99;
    }
  else if (g_strcmp0 (evox_volume_get_channel_quantity (volume, channel), "energy") == 0)
    {
      EvoxFineHistogram *hist = evox_volume_get_fine_histogram (volume, channel);
      double median = fine_percentile (hist, 50);
      double half = MAX (median - fine_percentile (hist, 5),
                         fine_percentile (hist, 95) - median);

      display->colormap = g_strdup (evox_colormap_exists (MAP_ENERGY_COLORMAP)
                                    ? MAP_ENERGY_COLORMAP : MAP_COLORMAP);
      if (isfinite (median))
        {
          /* All voxels at one energy: half an eV either side still shows it. */
          if (!(half > 0))
            half = 0.5;
          display->range[0] = median - half;
          display->range[1] = median + half;
        }
    }
  else
    {
      display->colormap = g_strdup (MAP_COLORMAP);
      display->mapping = default_mapping (volume, channel);
    }
}

/* The display of a maps channel: what the user left on a channel of that label, else the
 * default. A remembered range that misses every value (a map of another sample under the same
 * label) gives way to the default range. */
static void
map_display_for (EvoxDocument *self,
                 EvoxVolume   *volume,
                 guint         channel,
                 MapDisplay   *display)
{
  const char *label = evox_volume_get_channel_label (volume, channel);
  MapDisplay *kept = label != NULL ? g_hash_table_lookup (self->map_display, label) : NULL;
  const EvoxStats *stats;

  default_map_display (volume, channel, display);
  if (kept == NULL)
    return;
  g_free (display->colormap);
  display->colormap = g_strdup (kept->colormap);
  display->mapping = kept->mapping;
  stats = evox_volume_get_stats (volume, channel);
  if (stats->n_finite == 0 || (kept->range[1] >= stats->min && kept->range[0] <= stats->max))
    {
      display->range[0] = kept->range[0];
      display->range[1] = kept->range[1];
    }
}

/* A display the user set on a maps channel is the one it comes back with. */
static void
remember_map_display (EvoxDocument *self)
{
  const char *label;
  MapDisplay *display;

  if (!self->show_maps || self->map_display_quiet > 0 || self->volume == NULL ||
      self->channel >= evox_volume_get_n_channels (self->volume))
    return;
  label = evox_volume_get_channel_label (self->volume, self->channel);
  if (label == NULL)
    return;
  display = g_new0 (MapDisplay, 1);
  display->colormap = g_strdup (self->colormap);
  display->mapping = self->mapping;
  display->range[0] = self->range[0];
  display->range[1] = self->range[1];
  g_hash_table_replace (self->map_display, g_strdup (label), display);
}

static void
apply_display (EvoxDocument *self,
               const char   *colormap,
               EvoxMapping   mapping,
               const double  range[2])
{
  self->map_display_quiet++;
  evox_document_set_mapping (self, mapping);
  evox_document_set_colormap (self, colormap);
  evox_document_set_range (self, range[0], range[1]);
  self->map_display_quiet--;
}

/* The current maps channel in its own display. */
static void
show_map_display (EvoxDocument *self)
{
  MapDisplay display = { 0 };

  map_display_for (self, self->volume, self->channel, &display);
  apply_display (self, display.colormap, display.mapping, display.range);
  g_free (display.colormap);
}

/* Maps opened as a file (Export Maps, evox xanes -o maps.h5) hold no stack to be maps of, yet
 * their energy maps and mask open as they do beside the stack (default_map_display): reopened,
 * an edge-energy map in viridis over its data range (the mask's stray voxels 100 eV off) showed
 * no core-to-shell shift at all. A channel of other values gets the colour map back. */
static void
show_file_map_display (EvoxDocument *self)
{
  MapDisplay display = { 0 };

  if (self->volume == NULL || self->show_maps ||
      self->channel >= evox_volume_get_n_channels (self->volume))
    return;
  if (g_strcmp0 (evox_volume_get_channel_quantity (self->volume, self->channel), "energy") != 0 &&
      !is_mask_channel (self->volume, self->channel))
    {
      if (self->plain_colormap != NULL)
        {
          g_autofree char *colormap = g_steal_pointer (&self->plain_colormap);

          evox_document_set_colormap (self, colormap);
        }
      return;
    }
  if (self->plain_colormap == NULL)
    self->plain_colormap = g_strdup (self->colormap);
  default_map_display (self->volume, self->channel, &display);
  apply_display (self, display.colormap, display.mapping, display.range);
  g_free (display.colormap);
}

static GPtrArray *
dup_items (EvoxObjectList *list)
{
  guint n = _evox_object_list_get_n (list);
  GPtrArray *items = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_object_ref (_evox_object_list_get (list, i)));
  return items;
}

/* The side shown now, to come back to it. */
static void
take_side (EvoxDocument *self,
           SideState    *state)
{
  g_set_object (&state->volume, self->volume);
  g_set_object (&state->cluster_channel_source, self->cluster_channel_source);
  state->channel = self->channel;
  g_free (state->colormap);
  state->colormap = g_strdup (self->colormap);
  state->mapping = self->mapping;
  state->range[0] = self->range[0];
  state->range[1] = self->range[1];
  g_clear_pointer (&state->phases, g_ptr_array_unref);
  state->phases = dup_items (EVOX_OBJECT_LIST (self->phases));
  g_clear_pointer (&state->surfaces, g_ptr_array_unref);
  state->surfaces = dup_items (EVOX_OBJECT_LIST (self->surfaces));
  state->selected_phase = self->selected_phase;
}

/* Shows the side the user left as it was. Slices, view, rulers, clusters (of the same grid) and
 * the rest stay. */
static void
show_side (EvoxDocument *self,
           SideState    *state)
{
  /* Surfaces first: a change of the phases drops the surfaces whose phase left the list. */
  _evox_object_list_replace (EVOX_OBJECT_LIST (self->surfaces), state->surfaces);
  _evox_object_list_replace (EVOX_OBJECT_LIST (self->phases), state->phases);
  evox_document_set_selected_phase (self, state->selected_phase);
  if (g_set_object (&self->volume, state->volume))
    notify (self, PROP_VOLUME);
  g_set_object (&self->cluster_channel_source, state->cluster_channel_source);
  if (self->clusters != NULL && !clusters_fit (self->clusters, self->volume))
    evox_document_set_clusters (self, NULL);
  if (self->channel != state->channel)
    {
      self->channel = state->channel;
      notify (self, PROP_CHANNEL);
    }
  apply_display (self, state->colormap, state->mapping, state->range);
  update_surface_specs (self);
  evox_surface_builder_set_volume (self->builder, self->volume);
}

/* Shows the side not shown, keeping the one shown for the way back. Particles are of one volume
 * and channel: they go, as on a channel switch. */
static void
swap_sides (EvoxDocument *self)
{
  SideState incoming = self->other_side;
  SideState outgoing = { .selected_phase = -1 };

  self->other_side = (SideState) { .selected_phase = -1 };
  evox_document_set_labels (self, NULL);
  take_side (self, &outgoing);
  show_side (self, &incoming);
  side_state_clear (&incoming);
  self->other_side = outgoing;
}

/* The maps side, while the stack is shown, made to show `maps` at `channel` in that channel's
 * display; its phases and surfaces stay (a new XANES run keeps the thresholds on its maps). */
static void
prepare_maps_side (EvoxDocument *self,
                   guint         channel)
{
  SideState *side = &self->other_side;
  MapDisplay display = { 0 };

  g_set_object (&side->volume, self->maps);
  g_clear_object (&side->cluster_channel_source);
  side->channel = channel;
  map_display_for (self, self->maps, channel, &display);
  g_free (side->colormap);
  side->colormap = display.colormap;
  side->mapping = display.mapping;
  side->range[0] = display.range[0];
  side->range[1] = display.range[1];
  if (side->phases == NULL)
    side->phases = g_ptr_array_new_with_free_func (g_object_unref);
  if (side->surfaces == NULL)
    side->surfaces = g_ptr_array_new_with_free_func (g_object_unref);
}

void
evox_document_set_show_maps (EvoxDocument *self,
                             gboolean      show)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  show = !!show;
  if (self->show_maps == show || self->maps == NULL)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (show && self->other_side.volume == NULL)
    prepare_maps_side (self, 0);
  swap_sides (self);
  reset_volume_style (self);
  self->show_maps = show;
  notify (self, PROP_SHOW_MAPS);
  g_object_thaw_notify (G_OBJECT (self));
}

void
evox_document_clear_maps (EvoxDocument *self)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  if (self->maps == NULL)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  evox_document_set_show_maps (self, FALSE);
  side_state_clear (&self->other_side);
  g_clear_object (&self->maps);
  notify (self, PROP_MAPS);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
_evox_document_restore_maps (EvoxDocument *self,
                             EvoxVolume   *maps,
                             gboolean      show)
{
  EvoxVolume *stack;
  gsize dims[3], stack_dims[3];

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (maps == NULL || EVOX_IS_VOLUME (maps), FALSE);

  if (maps != self->maps)
    {
      stack = evox_document_get_stack (self);
      if (maps != NULL)
        {
          if (stack == NULL)
            return FALSE;
          evox_volume_get_dims (stack, stack_dims);
          evox_volume_get_dims (maps, dims);
          if (memcmp (dims, stack_dims, sizeof dims) != 0)
            return FALSE;
        }
      g_object_freeze_notify (G_OBJECT (self));
      evox_document_clear_maps (self);
      g_set_object (&self->maps, maps);
      notify (self, PROP_MAPS);
      g_object_thaw_notify (G_OBJECT (self));
    }
  evox_document_set_show_maps (self, show);
  return TRUE;
}

/* Where a channel of the merged maps comes from. */
typedef struct
{
  EvoxVolume *volume;
  guint       channel;
} MapSource;

static int
find_source (GArray     *sources,
             const char *label)
{
  if (label == NULL)
    return -1;
  for (guint i = 0; i < sources->len; i++)
    {
      MapSource *s = &g_array_index (sources, MapSource, i);

      if (g_strcmp0 (evox_volume_get_channel_label (s->volume, s->channel), label) == 0)
        return (int) i;
    }
  return -1;
}

guint
_evox_document_count_elements_runs (EvoxVolume *maps)
{
  const char *count;

  g_return_val_if_fail (EVOX_IS_VOLUME (maps), 0);
  count = evox_volume_get_metadata (maps, "elements_runs");
  return count != NULL ? (guint) MIN (g_ascii_strtoull (count, NULL, 10), 10000) : 0;
}

void
_evox_document_note_elements_run (EvoxVolume *maps,
                                  EvoxVolume *run)
{
  guint n = _evox_document_count_elements_runs (maps) + 1;
  g_auto (GStrv) keys = evox_volume_dup_metadata_keys (run);
  g_autoptr (GString) labels = g_string_new (NULL);
  g_autofree char *prefix = g_strdup_printf ("elements_run%u_", n);
  g_autofree char *channels = g_strconcat (prefix, "channels", NULL);
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_if_fail (EVOX_IS_VOLUME (maps));
  g_return_if_fail (EVOX_IS_VOLUME (run));

  for (guint k = 0; keys[k] != NULL; k++)
    if (g_str_has_prefix (keys[k], "elements_") && !g_str_has_prefix (keys[k], "elements_run"))
      {
        g_autofree char *key = g_strconcat (prefix, keys[k] + strlen ("elements_"), NULL);

        evox_volume_set_metadata (maps, key, evox_volume_get_metadata (run, keys[k]));
      }
  for (guint c = 0; c < evox_volume_get_n_channels (run); c++)
    g_string_append_printf (labels, "%s%s", c > 0 ? "," : "",
                            evox_volume_get_channel_label (run, c) != NULL
                            ? evox_volume_get_channel_label (run, c) : "");
  evox_volume_set_metadata (maps, channels, labels->str);
  g_snprintf (number, sizeof number, "%u", n);
  evox_volume_set_metadata (maps, "elements_runs", number);
}

/* A new frozen f32 volume of the sources' channels (voxels copied: the caller's volume stays its
 * own), on the stack's grid. */
static EvoxVolume *
merge_maps (EvoxVolume  *stack,
            GArray      *sources,
            EvoxVolume  *old_maps,
            EvoxVolume  *maps,
            GError     **error)
{
  g_autoptr(EvoxVolume) out = NULL;
  gsize dims[3];
  EvoxVolume *meta[2] = { old_maps, maps };

  evox_volume_get_dims (stack, dims);
  out = evox_volume_new (dims[0], dims[1], dims[2], sources->len, EVOX_SAMPLE_F32, error);
  if (out == NULL)
    return NULL;
  for (guint i = 0; i < sources->len; i++)
    {
      MapSource *s = &g_array_index (sources, MapSource, i);

      memcpy (evox_volume_get_data_mut (out, i), evox_volume_get_data (s->volume, s->channel),
              evox_volume_get_n_voxels (out) * sizeof (float));
      evox_volume_set_channel_info (out, i, evox_volume_get_channel_label (s->volume, s->channel),
                                    evox_volume_get_channel_energy (s->volume, s->channel));
      evox_volume_set_channel_values (out, i,
                                      evox_volume_get_channel_value_scale (s->volume, s->channel),
                                      evox_volume_get_channel_quantity (s->volume, s->channel),
                                      evox_volume_get_channel_unit (s->volume, s->channel));
    }
  /* The maps are of the stack's voxels, whatever grid their maker stated. */
  evox_volume_copy_grid (out, stack);
  for (guint m = 0; m < G_N_ELEMENTS (meta); m++)
    {
      g_auto (GStrv) keys = meta[m] != NULL ? evox_volume_dup_metadata_keys (meta[m]) : NULL;

      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        evox_volume_set_metadata (out, keys[k], evox_volume_get_metadata (meta[m], keys[k]));
    }
  /* The plain elements_ keys are the last run's: the earlier runs whose maps stay are kept
   * apart, so that a session computes them all again. */
  if (evox_volume_get_metadata (maps, "elements_method") != NULL &&
      evox_volume_get_metadata (maps, "elements_runs") == NULL)
    _evox_document_note_elements_run (out, maps);
  evox_volume_freeze (out);
  return g_steal_pointer (&out);
}

/**
 * evox_document_add_maps:
 *
 * Returns: FALSE with EVOX_ERROR_ARGUMENT, changing nothing, when there is no stack, the maps are
 * not f32 of the stack's dims, or no channel is labelled `show`.
 */
gboolean
evox_document_add_maps (EvoxDocument  *self,
                        EvoxVolume    *maps,
                        const char    *show,
                        GError       **error)
{
  EvoxVolume *stack;
  g_autoptr(GArray) sources = NULL;
  g_autoptr(EvoxVolume) merged = NULL;
  gsize stack_dims[3], dims[3];
  int shown = -1;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (EVOX_IS_VOLUME (maps), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stack = evox_document_get_stack (self);
  if (stack == NULL)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "there is no stack to add maps to");
      return FALSE;
    }
  evox_volume_get_dims (stack, stack_dims);
  evox_volume_get_dims (maps, dims);
  if (memcmp (dims, stack_dims, sizeof dims) != 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                   "the maps are %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " voxels, the stack %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %"
                   G_GSIZE_FORMAT ": they were not computed from it", dims[0], dims[1], dims[2],
                   stack_dims[0], stack_dims[1], stack_dims[2]);
      return FALSE;
    }
  if (evox_volume_get_sample_type (maps) != EVOX_SAMPLE_F32)
    {
      g_set_error_literal (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                           "maps must be 32-bit float volumes (NaN marks voxels without a value)");
      return FALSE;
    }

  /* The maps' channels in place, those of `maps` over the ones of their label. */
  sources = g_array_new (FALSE, FALSE, sizeof (MapSource));
  for (guint c = 0; self->maps != NULL && c < evox_volume_get_n_channels (self->maps); c++)
    g_array_append_val (sources, ((MapSource) { self->maps, c }));
  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    {
      MapSource s = { maps, c };
      int at = find_source (sources, evox_volume_get_channel_label (maps, c));

      if (at >= 0)
        g_array_index (sources, MapSource, at) = s;
      else
        {
          at = (int) sources->len;
          g_array_append_val (sources, s);
        }
      if (c == 0 && show == NULL)
        shown = at;
    }
  if (show != NULL)
    shown = find_source (sources, show);
  if (shown < 0)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "there is no map called “%s”", show);
      return FALSE;
    }
  merged = merge_maps (stack, sources, self->maps, maps, error);
  if (merged == NULL)
    return FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  g_set_object (&self->maps, merged);
  notify (self, PROP_MAPS);
  if (self->show_maps)
    {
      /* The new maps in place of the old, with the maps' phases and surfaces. */
      evox_document_set_labels (self, NULL);
      g_set_object (&self->volume, merged);
      notify (self, PROP_VOLUME);
      g_clear_object (&self->cluster_channel_source);
      if (self->channel != (guint) shown)
        {
          self->channel = (guint) shown;
          notify (self, PROP_CHANNEL);
        }
      show_map_display (self);
      reset_volume_style (self);
      update_surface_specs (self);
      evox_surface_builder_set_volume (self->builder, merged);
    }
  else
    {
      prepare_maps_side (self, (guint) shown);
      evox_document_set_show_maps (self, TRUE);
    }
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

/* RGB composite
 *
 * Three slots, each a channel of the current volume with its own range. The slots belong to the
 * volume's channels: a new file clears them (composite_reset, from set_volume); a switch to
 * another volume of the same data (a Clusters channel added, raw and registered stacks, the
 * maps) keeps a slot while its index still holds a channel of the same label there, and clears
 * it otherwise. Ranges the user did not give follow the channel's data (1st..99th percentile). */

enum
{
  PROP_COMPOSITE = N_PROPS,
  PROP_COMPOSITE_SLOTS,
  PROP_COMPOSITE_PHASES,
  N_ALL_PROPS
};

static GParamSpec *composite_properties[N_ALL_PROPS - N_PROPS];

#define COMPOSITE_LOW_PERCENTILE 1.0
#define COMPOSITE_HIGH_PERCENTILE 99.0

static void
notify_composite (EvoxDocument *self,
                  guint         prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), composite_properties[prop_id - N_PROPS]);
}

static gboolean
composite_get_property (EvoxDocument *self,
                        guint         prop_id,
                        GValue       *value)
{
  switch (prop_id)
    {
    case PROP_COMPOSITE:
      g_value_set_boolean (value, self->composite);
      return TRUE;
    case PROP_COMPOSITE_SLOTS:
      g_value_set_uint (value, self->composite_serial);
      return TRUE;
    case PROP_COMPOSITE_PHASES:
      g_value_set_boolean (value, self->composite_phases);
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
composite_set_property (EvoxDocument *self,
                        guint         prop_id,
                        const GValue *value)
{
  switch (prop_id)
    {
    case PROP_COMPOSITE:
      evox_document_set_composite (self, g_value_get_boolean (value));
      return TRUE;
    case PROP_COMPOSITE_PHASES:
      evox_document_set_composite_phases (self, g_value_get_boolean (value));
      return TRUE;
    default:
      return FALSE;
    }
}

static void
composite_class_init (GObjectClass *object_class)
{
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  composite_properties[PROP_COMPOSITE - N_PROPS] =
    g_param_spec_boolean ("composite", NULL, NULL, FALSE, rw);
  /* Only its notifications mean anything: it counts the changes of the slots. */
  composite_properties[PROP_COMPOSITE_SLOTS - N_PROPS] =
    g_param_spec_uint ("composite-slots", NULL, NULL, 0, G_MAXUINT, 0, ro);
  composite_properties[PROP_COMPOSITE_PHASES - N_PROPS] =
    g_param_spec_boolean ("composite-phases", NULL, NULL, FALSE, rw);
  for (guint p = PROP_COMPOSITE; p < N_ALL_PROPS; p++)
    g_object_class_install_property (object_class, p, composite_properties[p - N_PROPS]);
}

/**
 * evox_document_get_composite_default_range:
 *
 * The range a composite slot of `channel` starts with: the channel's 1st and 99th percentiles of
 * its finite values (numpy's linear percentile; exact for integer data, within one fine bin for
 * floats), 0..1 for a channel with no finite value. FALSE for a channel the volume lacks.
 */
gboolean
evox_document_get_composite_default_range (EvoxDocument *self,
                                           guint         channel,
                                           double       *lo,
                                           double       *hi)
{
  EvoxFineHistogram *fine;
  double a = 0, b = 1;

  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);

  if (self->volume == NULL || channel >= evox_volume_get_n_channels (self->volume))
    return FALSE;
  fine = evox_volume_get_fine_histogram (self->volume, channel);
  if (fine != NULL && evox_fine_histogram_get_n_finite (fine) > 0)
    {
      a = fine_percentile (fine, COMPOSITE_LOW_PERCENTILE);
      b = fine_percentile (fine, COMPOSITE_HIGH_PERCENTILE);
    }
  if (lo != NULL)
    *lo = a;
  if (hi != NULL)
    *hi = b;
  return TRUE;
}

static void
slots_changed (EvoxDocument *self)
{
  gboolean used = FALSE;

  self->composite_serial++;
  notify_composite (self, PROP_COMPOSITE_SLOTS);
  for (guint s = 0; s < 3; s++)
    used = used || self->composite_slots[s].channel >= 0;
  /* A composite of nothing would draw nothing: off, the colour map is back. */
  if (!used && self->composite)
    {
      self->composite = FALSE;
      notify_composite (self, PROP_COMPOSITE);
    }
}

static void
clear_slot (CompositeSlot *slot)
{
  *slot = (CompositeSlot) { .channel = -1, .lo = 0, .hi = 1, .automatic = TRUE };
}

static gboolean
slots_equal (const CompositeSlot *a,
             const CompositeSlot *b)
{
  for (guint s = 0; s < 3; s++)
    if (a[s].channel != b[s].channel || a[s].lo != b[s].lo || a[s].hi != b[s].hi ||
        a[s].automatic != b[s].automatic)
      return FALSE;
  return TRUE;
}

/* Back to the volume shown before: its composite as the user left it. */
static void
composite_restore (EvoxDocument *self)
{
  g_autoptr(EvoxVolume) left = g_steal_pointer (&self->composite_volume);
  CompositeSlot slots[3];
  gboolean on = self->composite_saved_on;

  memcpy (slots, self->composite_saved_slots, sizeof slots);
  memcpy (self->composite_saved_slots, self->composite_slots, sizeof slots);
  self->composite_saved_on = self->composite;
  g_set_weak_pointer (&self->composite_saved_volume, left);
  g_set_object (&self->composite_volume, self->volume);
  if (!slots_equal (slots, self->composite_slots))
    {
      memcpy (self->composite_slots, slots, sizeof slots);
      self->composite_serial++;
      notify_composite (self, PROP_COMPOSITE_SLOTS);
    }
  if (self->composite != on)
    {
      self->composite = on;
      notify_composite (self, PROP_COMPOSITE);
    }
}

/* Another volume of the same data: back to one shown before, or keeping the slots whose channel
 * the new volume has under the same label. */
static void
composite_follow_volume (EvoxDocument *self)
{
  EvoxVolume *old = self->composite_volume;
  EvoxVolume *volume = self->volume;
  gboolean changed = FALSE;

  if (old == volume)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (volume != NULL && volume == self->composite_saved_volume)
    {
      composite_restore (self);
      g_object_thaw_notify (G_OBJECT (self));
      return;
    }
  if (old != NULL)
    {
      g_set_weak_pointer (&self->composite_saved_volume, old);
      memcpy (self->composite_saved_slots, self->composite_slots,
              sizeof self->composite_slots);
      self->composite_saved_on = self->composite;
    }
  for (guint s = 0; s < 3; s++)
    {
      CompositeSlot *slot = &self->composite_slots[s];
      guint c = (guint) slot->channel;

      if (slot->channel < 0)
        continue;
      if (volume == NULL || c >= evox_volume_get_n_channels (volume) ||
          (old != NULL && c < evox_volume_get_n_channels (old) &&
           g_strcmp0 (evox_volume_get_channel_label (old, c),
                      evox_volume_get_channel_label (volume, c)) != 0))
        {
          clear_slot (slot);
          changed = TRUE;
        }
      else if (slot->automatic)
        {
          double lo, hi;

          evox_document_get_composite_default_range (self, c, &lo, &hi);
          changed = changed || lo != slot->lo || hi != slot->hi;
          slot->lo = lo;
          slot->hi = hi;
        }
    }
  g_set_object (&self->composite_volume, volume);
  if (changed)
    slots_changed (self);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
composite_init (EvoxDocument *self)
{
  for (guint s = 0; s < 3; s++)
    clear_slot (&self->composite_slots[s]);
  g_signal_connect (self, "notify::volume", G_CALLBACK (composite_follow_volume), NULL);
}

/* Before set_volume replaces the volume: every slot unused, the composite off. */
static void
composite_reset (EvoxDocument *self)
{
  gboolean changed = FALSE;

  for (guint s = 0; s < 3; s++)
    if (self->composite_slots[s].channel >= 0)
      {
        clear_slot (&self->composite_slots[s]);
        changed = TRUE;
      }
  /* The slots are of no volume now: whatever comes is followed from scratch. */
  g_clear_object (&self->composite_volume);
  g_clear_weak_pointer (&self->composite_saved_volume);
  if (changed)
    slots_changed (self);
  if (self->composite)
    {
      self->composite = FALSE;
      notify_composite (self, PROP_COMPOSITE);
    }
}

gboolean
evox_document_get_composite (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->composite;
}

/* Elemental maps (evox_elements_maps: an element's areal mass or mass density; the fit's
 * "matrix" is not an element) when the volume has two or more, else its first channels: what
 * the composite takes when switched on with no slot used. On XANES maps channels 0, 1 and 2 are
 * edge energy, E0 and white-line energy, three views of one edge, while Mn, Co and Ni come after
 * the normalised stack's energies, far down the drop-downs. */
static guint
composite_default_channels (EvoxVolume *volume,
                            int         channels[3])
{
  guint n_channels = evox_volume_get_n_channels (volume);
  guint n = 0;

  for (guint c = 0; c < n_channels && n < 3; c++)
    {
      const char *quantity = evox_volume_get_channel_quantity (volume, c);

      if ((g_strcmp0 (quantity, "areal mass") == 0 || g_strcmp0 (quantity, "mass density") == 0) &&
          g_strcmp0 (evox_volume_get_channel_label (volume, c), "matrix") != 0)
        channels[n++] = (int) c;
    }
  if (n >= 2)
    return n;
  n = MIN (3, n_channels);
  for (guint s = 0; s < n; s++)
    channels[s] = (int) s;
  return n;
}

/**
 * evox_document_set_composite:
 *
 * Needs a volume of at least two channels (otherwise nothing changes). Switched on with every
 * slot unused, the slots take the volume's elemental maps when it has two or more (red, green,
 * blue in channel order, so Mn, Co, Ni), else its first three channels (red 0, green 1, blue 2
 * when there is one), with their default ranges, so the switch alone shows something.
 */
void
evox_document_set_composite (EvoxDocument *self,
                             gboolean      composite)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  composite = !!composite;
  if (self->composite == composite)
    return;
  if (composite && (self->volume == NULL || evox_volume_get_n_channels (self->volume) < 2))
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (composite)
    {
      gboolean used = FALSE;

      for (guint s = 0; s < 3; s++)
        used = used || self->composite_slots[s].channel >= 0;
      if (!used)
        {
          int channels[3];
          guint n = composite_default_channels (self->volume, channels);

          g_set_object (&self->composite_volume, self->volume);
          for (guint s = 0; s < n; s++)
            {
              CompositeSlot *slot = &self->composite_slots[s];

              slot->channel = channels[s];
              slot->automatic = TRUE;
              evox_document_get_composite_default_range (self, (guint) channels[s], &slot->lo,
                                                         &slot->hi);
            }
          self->composite_serial++;
          notify_composite (self, PROP_COMPOSITE_SLOTS);
        }
    }
  self->composite = composite;
  notify_composite (self, PROP_COMPOSITE);
  g_object_thaw_notify (G_OBJECT (self));
}

void
evox_document_set_composite_slot (EvoxDocument *self,
                                  guint         slot,
                                  int           channel,
                                  double        lo,
                                  double        hi)
{
  CompositeSlot next;
  CompositeSlot *current;

  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (slot < 3);

  current = &self->composite_slots[slot];
  if (channel < 0 || self->volume == NULL ||
      (guint) channel >= evox_volume_get_n_channels (self->volume))
    clear_slot (&next);
  else if (lo == hi || !isfinite (lo) || !isfinite (hi))
    {
      next = (CompositeSlot) { .channel = channel, .automatic = TRUE };
      evox_document_get_composite_default_range (self, (guint) channel, &next.lo, &next.hi);
    }
  else
    next = (CompositeSlot) { .channel = channel, .lo = lo, .hi = hi, .automatic = FALSE };

  if (next.channel == current->channel && next.lo == current->lo && next.hi == current->hi &&
      next.automatic == current->automatic)
    return;
  /* A range the user typed that happens to equal the default keeps following the data no
   * longer; no one sees that, so it is no change worth a notification. */
  if (next.channel == current->channel && next.lo == current->lo && next.hi == current->hi)
    {
      *current = next;
      return;
    }
  g_object_freeze_notify (G_OBJECT (self));
  if (self->volume != NULL)
    g_set_object (&self->composite_volume, self->volume);
  *current = next;
  slots_changed (self);
  g_object_thaw_notify (G_OBJECT (self));
}

void
evox_document_get_composite_slot (EvoxDocument *self,
                                  guint         slot,
                                  int          *channel,
                                  double       *lo,
                                  double       *hi)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));
  g_return_if_fail (slot < 3);

  if (channel != NULL)
    *channel = self->composite_slots[slot].channel;
  if (lo != NULL)
    *lo = self->composite_slots[slot].lo;
  if (hi != NULL)
    *hi = self->composite_slots[slot].hi;
}

gboolean
evox_document_get_composite_phases (EvoxDocument *self)
{
  g_return_val_if_fail (EVOX_IS_DOCUMENT (self), FALSE);
  return self->composite_phases;
}

void
evox_document_set_composite_phases (EvoxDocument *self,
                                    gboolean      phases)
{
  g_return_if_fail (EVOX_IS_DOCUMENT (self));

  phases = !!phases;
  if (self->composite_phases == phases)
    return;
  self->composite_phases = phases;
  notify_composite (self, PROP_COMPOSITE_PHASES);
}

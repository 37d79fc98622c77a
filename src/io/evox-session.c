/* evox-session.c: a window's analysis as a versioned JSON `.evox` file, and back. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-session.h"
#include "evox-json.h"

#include <errno.h>
#include <math.h>
#include <glib/gstdio.h>
#include <string.h>

#include "evox-demo.h"
#include "evox-output.h"
#include "evox-types.h"
#include "evox-voxel-source.h"

struct _EvoxSession
{
  GObject     parent_instance;

  JsonObject *root;
  char       *path;    /* the .evox file, once loaded or saved */
  char       *input;   /* the input as found (NULL: the demo, or not resolved) */
  EvoxLabels *labels;  /* the particles evox_session_prepare () labelled */
  EvoxRegistration *registration;  /* the window's run of the "registration" record */
  EvoxVolume *maps;  /* the window's run of the "xanes-maps" record */
  GPtrArray  *elements;  /* and of the "elements-maps" record: EvoxVolume per run, in order */
};

G_DEFINE_FINAL_TYPE (EvoxSession, evox_session, G_TYPE_OBJECT)

/* The document's properties a session keeps as they are, in the order they are applied: the
 * channel first (it resets the colour map, mapping and range), the range after the mapping
 * (log mappings clamp it). */
static const char * const display_properties[] = {
  "channel", "colormap", "mapping", "view", "slice-x", "slice-y", "slice-z", "active-axis",
  "z-exaggeration", "stack-opacity", "histogram-source", "histogram-log-counts",
  "histogram-per-layer", "basis", "show-phases", "hide-outside-phases", "particle-colors",
  "clip-surfaces", "smooth-surfaces", "triangle-budget", "show-clusters", "cluster-opacity",
  "cluster-outlines",
};

static const char * const slice_keys[3] = { "slice-x", "slice-y", "slice-z" };

static const char * const phase_properties[] = {
  "name", "color", "opacity", "visible",
};

static const char * const style_properties[] = {
  "mode", "source", "iso-level", "opacity-scale", "show-slices", "mark-layers",
};

static const char * const overlay_items[EVOX_N_OVERLAY_ITEMS] = {
  [EVOX_OVERLAY_SCALE_BAR] = "scale-bar",
  [EVOX_OVERLAY_COLORBAR] = "colorbar",
  [EVOX_OVERLAY_LEGEND] = "legend",
  [EVOX_OVERLAY_AXES] = "axes",
};

#define HASH_BUFFER_SIZE (1 << 20)

static void
evox_session_finalize (GObject *object)
{
  EvoxSession *self = EVOX_SESSION (object);

  g_clear_pointer (&self->root, json_object_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->input, g_free);
  g_clear_object (&self->labels);
  g_clear_object (&self->registration);
  g_clear_object (&self->maps);
  g_clear_pointer (&self->elements, g_ptr_array_unref);
  G_OBJECT_CLASS (evox_session_parent_class)->finalize (object);
}

static void
evox_session_class_init (EvoxSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_session_finalize;
}

static void
evox_session_init (EvoxSession *self)
{
  self->root = json_object_new ();
  self->elements = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Reading JSON leniently (evox-json.h): a missing key or one of the wrong type gives the
 * default. */

static gboolean
get_boolean (JsonObject *object,
             const char *key,
             gboolean   *value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *value = json_node_get_boolean (node);
  return TRUE;
}

/* n numbers of an array member; FALSE unless it holds exactly n. */
static gboolean
get_numbers (JsonObject *object,
             const char *key,
             double     *values,
             guint       n)
{
  JsonArray *array = evox_json_get_array (object, key);

  if (array == NULL || json_array_get_length (array) != n)
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!evox_json_node_number (json_array_get_element (array, i), &values[i]))
      return FALSE;
  return TRUE;
}

static void
set_numbers (JsonObject   *object,
             const char   *key,
             const double *values,
             guint         n)
{
  JsonArray *array = json_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    json_array_add_double_element (array, values[i]);
  json_object_set_array_member (object, key, array);
}

/* Properties as JSON values: enums by their nicks, so a reader sees "log", not 1. */

static void
property_to_json (GObject    *object,
                  const char *name,
                  JsonObject *into)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
  g_auto (GValue) value = G_VALUE_INIT;
  GType type;

  g_assert (pspec != NULL);
  g_value_init (&value, pspec->value_type);
  g_object_get_property (object, name, &value);
  type = G_TYPE_FUNDAMENTAL (pspec->value_type);
  if (type == G_TYPE_BOOLEAN)
    json_object_set_boolean_member (into, name, g_value_get_boolean (&value));
  else if (type == G_TYPE_INT)
    json_object_set_int_member (into, name, g_value_get_int (&value));
  else if (type == G_TYPE_UINT)
    json_object_set_int_member (into, name, g_value_get_uint (&value));
  else if (type == G_TYPE_UINT64)
    json_object_set_int_member (into, name, (gint64) g_value_get_uint64 (&value));
  else if (type == G_TYPE_DOUBLE)
    json_object_set_double_member (into, name, g_value_get_double (&value));
  else if (type == G_TYPE_STRING)
    {
      if (g_value_get_string (&value) != NULL)
        json_object_set_string_member (into, name, g_value_get_string (&value));
    }
  else if (type == G_TYPE_ENUM)
    {
      g_autoptr (GEnumClass) klass = g_type_class_ref (pspec->value_type);
      GEnumValue *v = g_enum_get_value (klass, g_value_get_enum (&value));

      if (v != NULL)
        json_object_set_string_member (into, name, v->value_nick);
    }
  else
    g_assert_not_reached ();
}

/* Sets property name from from[name] when it is there and of a usable type. */
static void
property_from_json (GObject    *object,
                    const char *name,
                    JsonObject *from)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), name);
  g_auto (GValue) value = G_VALUE_INIT;
  GType type;
  double number;
  gboolean flag;
  const char *text;

  g_assert (pspec != NULL);
  if (from == NULL || !json_object_has_member (from, name))
    return;
  g_value_init (&value, pspec->value_type);
  type = G_TYPE_FUNDAMENTAL (pspec->value_type);
  if (type == G_TYPE_BOOLEAN && get_boolean (from, name, &flag))
    g_value_set_boolean (&value, flag);
  else if (type == G_TYPE_INT && evox_json_get_number (from, name, &number) && number == (int) number)
    g_value_set_int (&value, (int) number);
  else if (type == G_TYPE_UINT && evox_json_get_number (from, name, &number) && number >= 0 &&
           number <= G_MAXUINT && number == (guint) number)
    g_value_set_uint (&value, (guint) number);
  else if (type == G_TYPE_UINT64 && evox_json_get_number (from, name, &number) && number >= 0)
    g_value_set_uint64 (&value, (guint64) json_object_get_int_member (from, name));
  else if (type == G_TYPE_DOUBLE && evox_json_get_number (from, name, &number))
    g_value_set_double (&value, number);
  else if (type == G_TYPE_STRING && (text = evox_json_get_string (from, name)) != NULL)
    g_value_set_string (&value, text);
  else if (type == G_TYPE_ENUM && (text = evox_json_get_string (from, name)) != NULL)
    {
      g_autoptr (GEnumClass) klass = g_type_class_ref (pspec->value_type);
      GEnumValue *v = g_enum_get_value_by_nick (klass, text);

      if (v == NULL)
        return;
      g_value_set_enum (&value, v->value);
    }
  else
    return;
  /* Out of the property's range (a hand-edited file): keep the default rather than warn. */
  if (g_param_value_validate (pspec, &value))
    return;
  g_object_set_property (object, name, &value);
}

/* Keys of `old` that `fresh` lacks are copied into it, inside objects that both have too: what
 * a newer Evox (or a person) wrote survives a save by this one. */
static void
keep_unknown (JsonObject *fresh,
              JsonObject *old)
{
  g_autoptr (GList) members = json_object_get_members (old);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *old_node = json_object_get_member (old, key);
      JsonNode *new_node = json_object_get_member (fresh, key);

      if (new_node == NULL)
        json_object_set_member (fresh, key, json_node_copy (old_node));
      else if (JSON_NODE_HOLDS_OBJECT (old_node) && JSON_NODE_HOLDS_OBJECT (new_node))
        keep_unknown (json_node_get_object (new_node), json_node_get_object (old_node));
    }
}

/* Voxel indices. A volume held at 1:S (a file larger than the memory cap) has voxels S file
 * voxels a side, and the file may open whole or at another S next time: a session keeps the
 * slices, hidden layers and rulers' slices in the file's full-resolution voxels, and says so
 * with "voxel-indices": "file". A session without that key (written before) holds indices of
 * the volume as it was held, which it is read as. */
#define FILE_INDICES_KEY "voxel-indices"

static gboolean
has_file_indices (JsonObject *root)
{
  return g_strcmp0 (evox_json_get_string (root, FILE_INDICES_KEY), "file") == 0;
}

/* The scale of the session's own indices for volume: S for a file held at 1:S whose session
 * uses file indices, else 1. */
static guint
index_scale (JsonObject *root,
             EvoxVolume *volume)
{
  return has_file_indices (root) ? evox_volume_get_reduction (volume) : 1;
}

/* The file's planes [*first, *end) that plane `index` of volume along axis holds: its blocks,
 * at the file's far face only those inside the file. */
static void
file_planes (EvoxVolume *volume,
             guint       axis,
             guint       index,
             guint      *first,
             guint      *end)
{
  EvoxVoxelSource *source;
  guint s = 1;
  gsize dims[3];

  source = evox_voxel_source_get_attached (volume, &s);
  if (source == NULL || s <= 1)
    {
      *first = index;
      *end = index + 1;
      return;
    }
  evox_voxel_source_get_dims (source, dims);
  *first = (guint) MIN ((guint64) index * s, (guint64) dims[axis] - 1);
  *end = (guint) MIN ((guint64) index * s + s, (guint64) dims[axis]);
}

/* The file's plane that stands for plane `index` of volume along axis: the middle of its
 * blocks, the plane a zoomed-in view of it reads (k S + S / 2), inside the file. */
static guint
file_index (EvoxVolume *volume,
            guint       axis,
            guint       index)
{
  guint first, end;

  file_planes (volume, axis, index, &first, &end);
  return MIN (first + evox_volume_get_reduction (volume) / 2, end - 1);
}

/* A file's index as a number of the session into the index of the volume held at 1:scale that
 * holds that file voxel; FALSE for what is no index (negative, fractional, too large). */
static gboolean
held_index (double  number,
            guint   scale,
            double *index)
{
  if (!isfinite (number) || number < 0 || number > G_MAXUINT || number != (guint) number)
    return FALSE;
  *index = (double) ((guint) number / scale);
  return TRUE;
}

/* Hashing the input. */

static gboolean
hash_file (GChecksum  *checksum,
           const char *path,
           guint64    *size,
           GError    **error)
{
  g_autofree guchar *buffer = g_malloc (HASH_BUFFER_SIZE);
  FILE *file = g_fopen (path, "rb");
  size_t n;

  *size = 0;
  if (file == NULL)
    {
      int saved_errno = errno;
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   ("Cannot read “%s”: %s"), name, g_strerror (saved_errno));
      return FALSE;
    }
  while ((n = fread (buffer, 1, HASH_BUFFER_SIZE, file)) > 0)
    {
      g_checksum_update (checksum, buffer, n);
      *size += n;
    }
  if (ferror (file))
    {
      g_autofree char *name = g_filename_display_name (path);

      fclose (file);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, ("Cannot read “%s”"), name);
      return FALSE;
    }
  fclose (file);
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char *
evox_session_hash_path (const char  *path,
                        guint64     *size,
                        GError     **error)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint64 total = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, error);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        return NULL;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *full = g_build_filename (path, name, NULL);

          if (g_file_test (full, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add (names, g_strdup (name));
        }
      g_ptr_array_sort (names, compare_names);
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *full = g_build_filename (path, names->pdata[i], NULL);
          g_autoptr (GChecksum) inner = g_checksum_new (G_CHECKSUM_SHA256);
          g_autofree char *size_text = NULL;
          guint64 bytes;
          GStatBuf st;

          /* The size goes before the content, so the size is read separately. */
          if (g_stat (full, &st) != 0)
            {
              int saved_errno = errno;
              g_autofree char *display = g_filename_display_name (full);

              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                           ("Cannot read “%s”: %s"), display, g_strerror (saved_errno));
              return NULL;
            }
          size_text = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) st.st_size);
          g_checksum_update (checksum, (const guchar *) names->pdata[i],
                             strlen (names->pdata[i]) + 1);
          g_checksum_update (checksum, (const guchar *) size_text, strlen (size_text) + 1);
          if (!hash_file (checksum, full, &bytes, error))
            return NULL;
          total += bytes;
        }
    }
  else if (!hash_file (checksum, path, &total, error))
    return NULL;
  if (size != NULL)
    *size = total;
  return g_strdup (g_checksum_get_string (checksum));
}

/* Capture. */

static JsonObject *
capture_reading (EvoxVolume *volume)
{
  JsonObject *reading = json_object_new ();
  EvoxLoadOptions options = { 0 };

  if (!evox_volume_get_load_options (volume, &options))
    return reading;
  json_object_set_int_member (reading, "bin", options.bin);
  if (options.ssrm != NULL)
    {
      JsonObject *ssrm = json_object_new ();
      JsonArray *values = json_array_new ();

      json_object_set_double_member (ssrm, "dz-nm", options.ssrm->dz_nm);
      json_object_set_double_member (ssrm, "pixel-size-nm", options.ssrm->pixel_size_nm);
      if (options.ssrm->x_column != NULL)
        json_object_set_string_member (ssrm, "x-column", options.ssrm->x_column);
      if (options.ssrm->y_column != NULL)
        json_object_set_string_member (ssrm, "y-column", options.ssrm->y_column);
      for (guint i = 0; options.ssrm->values != NULL && i < options.ssrm->values->len; i++)
        json_array_add_string_element (values, options.ssrm->values->pdata[i]);
      json_object_set_array_member (ssrm, "values", values);
      json_object_set_string_member (ssrm, "scale", options.ssrm->scale == EVOX_SCALE_LOG10 ?
                                     "log10" : "linear");
      json_object_set_object_member (reading, "ssrm", ssrm);
    }
  return reading;
}

static gboolean
capture_input (JsonObject    *root,
               EvoxDocument  *document,
               char         **input,
               GError       **error)
{
  EvoxVolume *volume = evox_document_get_stack (document);
  EvoxRegistration *registration = evox_document_get_registration (document);
  const char *path = evox_document_get_path (document);
  JsonObject *entry = json_object_new ();
  JsonArray *inputs = json_array_new ();
  EvoxVolume *loaded = volume;

  json_object_set_array_member (root, "inputs", inputs);
  json_array_add_object_element (inputs, entry);
  /* A registered stack is derived; the loaded one says how it was read. */
  if (registration != NULL && evox_registration_get_raw (registration) != NULL)
    loaded = evox_registration_get_raw (registration);
  if (path == NULL)
    {
      double spacing[3];

      if (evox_volume_get_n_scans (volume) == 0 || evox_volume_get_n_channels (volume) != 1 ||
          !g_str_has_prefix (evox_volume_get_metadata (volume, "source") != NULL ?
                                           evox_volume_get_metadata (volume, "source") : "",
                                           "Evox demo: synthetic Gr/Si"))
        {
          g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT,
                       ("The volume shown was not read from a file, so a session cannot "
                         "read it again"));
          return FALSE;
        }
      evox_volume_get_spacing (volume, spacing);
      json_object_set_string_member (entry, "kind", "demo-ssrm");
      json_object_set_double_member (entry, "dz-nm", spacing[2]);
      return TRUE;
    }
  else
    {
      g_autofree char *absolute = g_canonicalize_filename (path, NULL);
      guint64 size = 0;
      g_autofree char *hash = evox_session_hash_path (absolute, &size, error);

      if (hash == NULL)
        return FALSE;
      json_object_set_string_member (entry, "kind",
                                     g_file_test (absolute, G_FILE_TEST_IS_DIR) ?
                                     "folder" : "file");
      json_object_set_string_member (entry, "path", absolute);
      json_object_set_string_member (entry, "absolute-path", absolute);
      json_object_set_int_member (entry, "size", (gint64) size);
      json_object_set_string_member (entry, "sha256", hash);
      json_object_set_object_member (entry, "reading", capture_reading (loaded));
      *input = g_steal_pointer (&absolute);
    }
  return TRUE;
}

static void
capture_display (JsonObject   *root,
                 EvoxDocument *document)
{
  JsonObject *display = json_object_new ();
  EvoxVolume *volume = evox_document_get_volume (document);
  JsonArray *hidden = json_array_new ();
  double range[2];
  gsize dims[3];

  for (guint i = 0; i < G_N_ELEMENTS (display_properties); i++)
    property_to_json (G_OBJECT (document), display_properties[i], display);
  for (guint axis = 0; axis < 3; axis++)
    json_object_set_int_member (display, slice_keys[axis],
                                file_index (volume, axis,
                                            evox_document_get_slice (document, axis)));
  evox_document_get_range (document, &range[0], &range[1]);
  set_numbers (display, "range", range, 2);
  evox_volume_get_dims (volume, dims);
  for (gsize k = 0; k < dims[2]; k++)
    if (!evox_document_get_layer_visible (document, (guint) k))
      {
        guint first, end;

        /* Every file plane of the hidden layer's blocks. */
        file_planes (volume, 2, (guint) k, &first, &end);
        for (guint f = first; f < end; f++)
          json_array_add_int_element (hidden, f);
      }
  json_object_set_array_member (display, "hidden-layers", hidden);
  json_object_set_object_member (root, "display", display);
}

static void
capture_phases (JsonObject   *root,
                EvoxDocument *document)
{
  EvoxPhaseList *phases = evox_document_get_phases (document);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < evox_phase_list_get_n_phases (phases); i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (phases, i);
      JsonObject *entry = json_object_new ();
      double range[2] = { evox_phase_get_lo (phase), evox_phase_get_hi (phase) };

      for (guint p = 0; p < G_N_ELEMENTS (phase_properties); p++)
        property_to_json (G_OBJECT (phase), phase_properties[p], entry);
      set_numbers (entry, "range", range, 2);
      json_array_add_object_element (array, entry);
    }
  json_object_set_array_member (root, "phases", array);
  json_object_set_int_member (root, "selected-phase",
                              evox_document_get_selected_phase (document));
}

static void
capture_particles (JsonObject   *root,
                   EvoxDocument *document)
{
  EvoxLabels *labels = evox_document_get_labels (document);
  JsonObject *particles;
  double range[2];

  if (labels == NULL)
    {
      json_object_set_null_member (root, "particles");
      return;
    }
  particles = json_object_new ();
  if (evox_labels_get_phase_name (labels) != NULL)
    json_object_set_string_member (particles, "phase", evox_labels_get_phase_name (labels));
  json_object_set_int_member (particles, "channel", evox_labels_get_channel (labels));
  evox_labels_get_range (labels, &range[0], &range[1]);
  set_numbers (particles, "range", range, 2);
  json_object_set_int_member (particles, "connectivity", evox_labels_get_connectivity (labels));
  json_object_set_int_member (particles, "min-size", (gint64) evox_labels_get_min_size (labels));
  {
    guint n_splits;
    const double *split_h = evox_labels_get_split_h (labels, &n_splits);

    if (n_splits > 0)
      set_numbers (particles, "split-h", split_h, n_splits);
  }
  json_object_set_int_member (particles, "selected",
                              evox_document_get_selected_particle (document));
  json_object_set_object_member (root, "particles", particles);
}

static void
capture_surfaces (JsonObject   *root,
                  EvoxDocument *document)
{
  EvoxSurfaceList *surfaces = evox_document_get_surfaces (document);
  EvoxPhaseList *phases = evox_document_get_phases (document);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < evox_surface_list_get_n_surfaces (surfaces); i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (surfaces, i);
      const EvoxSurfaceSpec *spec = evox_surface_get_spec (surface);
      EvoxPhase *phase = evox_surface_get_phase (surface);
      JsonObject *entry = json_object_new ();

      if (phase != NULL)
        {
          int index = -1;

          for (guint p = 0; p < evox_phase_list_get_n_phases (phases) && index < 0; p++)
            if (evox_phase_list_get_phase (phases, p) == phase)
              index = (int) p;
          json_object_set_string_member (entry, "kind", "phase");
          json_object_set_int_member (entry, "phase", index);
        }
      else if (spec->kind == EVOX_SURFACE_LEVEL)
        {
          json_object_set_string_member (entry, "kind", "level");
          json_object_set_double_member (entry, "level", spec->level);
        }
      else if (spec->kind == EVOX_SURFACE_PARTICLE || spec->kind == EVOX_SURFACE_PARTICLES)
        {
          json_object_set_string_member (entry, "kind", "particle");
          json_object_set_int_member (entry, "particle",
                                      spec->kind == EVOX_SURFACE_PARTICLES ? 0 : spec->particle);
        }
      else
        {
          json_object_unref (entry);
          continue;
        }
      for (guint p = 0; p < G_N_ELEMENTS (phase_properties); p++)
        property_to_json (G_OBJECT (surface), phase_properties[p], entry);
      json_array_add_object_element (array, entry);
    }
  json_object_set_array_member (root, "surfaces", array);
}

static void
capture_clusters (JsonObject   *root,
                  EvoxDocument *document)
{
  static const char * const keys[] = { "features", "scale", "pca", "seed", "k", "inertia",
                                       "restarts", "dropped", "volumes", "merges", "merge-pairs", "unmerged-k",
                                       "unmerged-inertia", "run.features", "run.channels",
                                       "run.channel", "run.window", "run.mask-channel",
                                       "run.mask-lo", "run.mask-hi", "run.scale", "run.pca",
                                       "run.seed", "run.restarts", "run.max-iter", "run.tol",
                                       "run.init-sample", "source", "percolation.axis",
                                       "percolation.channel", "percolation.ranges",
                                       "percolation.connectivity" };
  EvoxClusters *clusters = evox_document_get_clusters (document);
  JsonObject *object, *info;
  JsonArray *list;

  if (clusters == NULL)
    {
      json_object_set_null_member (root, "clusters");
      return;
    }
  object = json_object_new ();
  info = json_object_new ();
  list = json_array_new ();
  json_object_set_int_member (object, "k", evox_clusters_get_k (clusters));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (evox_clusters_get_info (clusters, keys[i]) != NULL)
      json_object_set_string_member (info, keys[i], evox_clusters_get_info (clusters, keys[i]));
  json_object_set_object_member (object, "info", info);
  for (guint id = 1; id <= evox_clusters_get_k (clusters); id++)
    {
      JsonObject *entry = json_object_new ();

      json_object_set_int_member (entry, "id", id);
      json_object_set_string_member (entry, "name", evox_clusters_get_name (clusters, id));
      json_object_set_string_member (entry, "color", evox_clusters_get_color (clusters, id));
      json_object_set_boolean_member (entry, "visible", evox_clusters_get_visible (clusters, id));
      json_array_add_object_element (list, entry);
    }
  json_object_set_array_member (object, "clusters", list);
  json_object_set_object_member (root, "clusters", object);
}

static void
capture_style (JsonObject   *root,
               EvoxDocument *document)
{
  EvoxVolumeStyle *style = evox_document_get_volume_style (document);
  JsonObject *object = json_object_new ();
  JsonArray *points = json_array_new ();
  double lo[3], hi[3];

  for (guint i = 0; i < G_N_ELEMENTS (style_properties); i++)
    property_to_json (G_OBJECT (style), style_properties[i], object);
  for (guint i = 0; i < evox_volume_style_get_n_points (style); i++)
    {
      JsonArray *point = json_array_sized_new (2);
      double value, opacity;

      evox_volume_style_get_point (style, i, &value, &opacity);
      json_array_add_double_element (point, value);
      json_array_add_double_element (point, opacity);
      json_array_add_array_element (points, point);
    }
  json_object_set_array_member (object, "points", points);
  evox_volume_style_get_clip (style, lo, hi);
  set_numbers (object, "clip-lo", lo, 3);
  set_numbers (object, "clip-hi", hi, 3);
  json_object_set_object_member (root, "volume-style", object);
}

static void
capture_overlays (JsonObject   *root,
                  EvoxDocument *document)
{
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  JsonObject *object = json_object_new ();
  JsonArray *labels = json_array_new ();

  for (guint i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    {
      JsonObject *item = json_object_new ();
      double at[2];

      json_object_set_boolean_member (item, "visible", evox_overlays_get_visible (overlays, i));
      evox_overlays_get_position (overlays, i, &at[0], &at[1]);
      set_numbers (item, "position", at, 2);
      json_object_set_object_member (object, overlay_items[i], item);
    }
  json_object_set_double_member (object, "font-size", evox_overlays_get_font_size (overlays));
  json_object_set_double_member (object, "scale-bar-length",
                                 evox_overlays_get_scale_bar_length (overlays));
  for (guint i = 0; i < evox_overlays_get_n_labels (overlays); i++)
    {
      JsonObject *label = json_object_new ();
      double at[2];

      json_object_set_string_member (label, "text",
                                     evox_overlays_get_label (overlays, i, &at[0], &at[1]));
      set_numbers (label, "position", at, 2);
      json_array_add_object_element (labels, label);
    }
  json_object_set_array_member (object, "labels", labels);
  json_object_set_object_member (root, "overlays", object);
}

static void
capture_rulers (JsonObject   *root,
                EvoxDocument *document)
{
  EvoxMeasurementList *list = evox_document_get_measurements (document);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < evox_measurement_list_get_n_measurements (list); i++)
    {
      EvoxMeasurement *ruler = evox_measurement_list_get_measurement (list, i);
      JsonObject *entry = json_object_new ();
      double start[3], end[3];

      evox_measurement_get_points (ruler, start, end);
      json_object_set_int_member (entry, "axis", evox_measurement_get_axis (ruler));
      json_object_set_int_member (entry, "slice",
                                  file_index (evox_document_get_volume (document),
                                              evox_measurement_get_axis (ruler),
                                              evox_measurement_get_slice (ruler)));
      set_numbers (entry, "start-nm", start, 3);
      set_numbers (entry, "end-nm", end, 3);
      json_array_add_object_element (array, entry);
    }
  json_object_set_array_member (root, "rulers", array);
}

static void
capture_composite (JsonObject   *root,
                   EvoxDocument *document)
{
  JsonObject *object = json_object_new ();
  JsonArray *slots = json_array_new ();

  json_object_set_boolean_member (object, "on", evox_document_get_composite (document));
  json_object_set_boolean_member (object, "phases",
                                  evox_document_get_composite_phases (document));
  for (guint slot = 0; slot < 3; slot++)
    {
      JsonObject *entry = json_object_new ();
      double range[2];
      int channel;

      evox_document_get_composite_slot (document, slot, &channel, &range[0], &range[1]);
      json_object_set_int_member (entry, "channel", channel);
      if (channel >= 0)
        set_numbers (entry, "range", range, 2);
      json_array_add_object_element (slots, entry);
    }
  json_object_set_array_member (object, "slots", slots);
  json_object_set_object_member (root, "composite", object);
}

/* The "registration" record, as `evox register --session` writes it (version, reference-ev,
 * scale, exclude-ev), from the registration shown, plus which of its stacks the window showed
 * ("view"). */
static void
capture_registration (JsonObject   *root,
                      EvoxDocument *document,
                      EvoxSession  *previous)
{
  EvoxRegistration *registration = evox_document_get_registration (document);
  const EvoxRegistrationEntry *reference;
  JsonObject *record;
  JsonArray *excluded;

  /* A record the window could not run is kept as it was (keep_unknown); one it ran and the user
   * reverted since is dropped. */
  if (registration == NULL)
    {
      if (previous != NULL && previous->registration != NULL)
        json_object_set_null_member (root, "registration");
      return;
    }
  record = json_object_new ();
  excluded = json_array_new ();
  reference = evox_registration_get_reference (registration);
  json_object_set_int_member (record, "version", 1);
  if (reference != NULL)
    json_object_set_double_member (record, "reference-ev", reference->energy_ev);
  else
    json_object_set_null_member (record, "reference-ev");
  json_object_set_string_member (record, "scale", evox_registration_get_scale_mode (registration));
  for (guint i = 0; i < evox_registration_get_n_entries (registration); i++)
    if (evox_registration_get_entry (registration, i)->excluded)
      json_array_add_double_element (excluded,
                                     evox_registration_get_entry (registration, i)->energy_ev);
  json_object_set_array_member (record, "exclude-ev", excluded);
  json_object_set_string_member (record, "view",
                                 evox_document_get_registration_view (document) ==
                                 EVOX_REGISTRATION_VIEW_RAW ? "raw" : "registered");
  json_object_set_object_member (root, "registration", record);
}

/* What the XANES maps were computed with, from their metadata (evox_xanes_maps writes it): the
 * window computes them again from these numbers on opening. */
static void
capture_xanes_maps (JsonObject   *root,
                    EvoxDocument *document)
{
  static const char * const keys[] = { "xanes_e0", "xanes_edge", "xanes_pre1", "xanes_pre2",
                                       "xanes_norm1", "xanes_norm2", "xanes_nnorm",
                                       "xanes_mask_k" };
  EvoxVolume *maps = evox_document_get_maps (document);
  JsonObject *record;
  gboolean norm = FALSE;

  if (maps == NULL || evox_volume_get_metadata (maps, "xanes_e0") == NULL)
    return;
  record = json_object_new ();
  json_object_set_int_member (record, "version", 1);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *text = evox_volume_get_metadata (maps, keys[i]);
      char *end = NULL;
      double value = text != NULL ? g_ascii_strtod (text, &end) : NAN;

      if (text != NULL && end != text && *end == '\0' && isfinite (value))
        json_object_set_double_member (record, keys[i] + strlen ("xanes_"), value);
    }
  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    norm |= g_str_has_prefix (evox_volume_get_channel_label (maps, c) != NULL ?
                              evox_volume_get_channel_label (maps, c) : "", "norm ");
  json_object_set_boolean_member (record, "norm", norm);
  json_object_set_boolean_member (record, "shown", evox_document_get_show_maps (document));
  json_object_set_object_member (root, "xanes-maps", record);
}

/* One Compute Elements' settings from the maps' metadata under prefix ("elements_" for the last
 * run, "elements_runN_" for run N), with the keys of `evox elements --session`'s "elements"
 * record that mean the same: "element" (the edges, "Mn_K,Ni_K"), "pairs" (the pairs used,
 * "Ni=8178:8570"; none for the fit), "method" and "matrix". NULL when they do not say. */
static JsonObject *
capture_elements_run (EvoxVolume *maps,
                      const char *prefix)
{
  g_autofree char *method_key = g_strconcat (prefix, "method", NULL);
  g_autofree char *edges_key = g_strconcat (prefix, "edges", NULL);
  g_autofree char *matrix_key = g_strconcat (prefix, "matrix", NULL);
  const char *method = evox_volume_get_metadata (maps, method_key);
  const char *edges = evox_volume_get_metadata (maps, edges_key);
  const char *matrix = evox_volume_get_metadata (maps, matrix_key);
  g_auto (GStrv) names = NULL;
  JsonObject *record;
  JsonArray *pairs;

  if (method == NULL || edges == NULL || *edges == '\0')
    return NULL;
  record = json_object_new ();
  pairs = json_array_new ();
  json_object_set_string_member (record, "element", edges);
  names = g_strsplit (edges, ",", -1);
  for (guint i = 0; g_str_equal (method, "pair") && names[i] != NULL; i++)
    {
      g_autofree char *symbol = g_strndup (names[i], strcspn (names[i], "_"));
      g_autofree char *key = g_strconcat (prefix, "pair_", symbol, NULL);
      const char *pair = evox_volume_get_metadata (maps, key);
      g_autofree char *text = pair != NULL ? g_strdup_printf ("%s=%s", symbol, pair) : NULL;

      if (text != NULL)
        json_array_add_string_element (pairs, text);
    }
  json_object_set_array_member (record, "pairs", pairs);
  json_object_set_string_member (record, "method", method);
  if (g_str_equal (method, "fit") && matrix != NULL)
    json_object_set_string_member (record, "matrix", matrix);
  else
    json_object_set_null_member (record, "matrix");
  return record;
}

/* Whether every label of run is among the labels of a later run (its maps were all replaced). */
static gboolean
run_replaced (GStrv *channels,
              guint  run,
              guint  n_runs)
{
  for (guint c = 0; channels[run][c] != NULL; c++)
    {
      gboolean later = FALSE;

      for (guint r = run + 1; !later && r < n_runs; r++)
        later = g_strv_contains ((const char * const *) channels[r], channels[run][c]);
      if (!later)
        return FALSE;
    }
  return TRUE;
}

/* "runs": every Compute Elements whose maps the document still holds, in order (as
 * _evox_document_note_elements_run recorded them), when more than one is left. */
static void
capture_elements_runs (JsonObject *record,
                       EvoxVolume *maps)
{
  guint n = _evox_document_count_elements_runs (maps);
  g_autofree GStrv *channels = g_new0 (GStrv, n + 1);
  g_autoptr (JsonArray) runs = json_array_new ();

  for (guint r = 0; r < n; r++)
    {
      g_autofree char *key = g_strdup_printf ("elements_run%u_channels", r + 1);
      const char *labels = evox_volume_get_metadata (maps, key);

      channels[r] = g_strsplit (labels != NULL ? labels : "", ",", -1);
    }
  for (guint r = 0; r < n; r++)
    {
      g_autofree char *prefix = g_strdup_printf ("elements_run%u_", r + 1);
      JsonObject *run = run_replaced (channels, r, n) ? NULL
                        : capture_elements_run (maps, prefix);

      if (run != NULL)
        json_array_add_object_element (runs, run);
    }
  for (guint r = 0; r < n; r++)
    g_strfreev (channels[r]);
  if (json_array_get_length (runs) > 1)
    json_object_set_array_member (record, "runs", g_steal_pointer (&runs));
}

/* The settings of the last elemental maps, from their metadata (evox_elements_maps writes it),
 * as capture_elements_run says, with "values" (null: the window reads them from the file) and
 * "register" (computed on the registered stack); "channels" keeps the maps' channel order when
 * XANES maps are there too, and "runs" every run whose maps are left when there are several. */
static void
capture_elements_maps (JsonObject   *root,
                       EvoxDocument *document)
{
  EvoxVolume *maps = evox_document_get_maps (document);
  JsonObject *record = maps != NULL ? capture_elements_run (maps, "elements_") : NULL;
  JsonArray *channels;

  if (record == NULL)
    return;
  channels = json_array_new ();
  json_object_set_int_member (record, "version", 1);
  json_object_set_null_member (record, "values");
  json_object_set_boolean_member (record, "register",
                                  evox_document_get_registration (document) != NULL &&
                                  evox_document_get_registration_view (document) !=
                                  EVOX_REGISTRATION_VIEW_RAW);
  json_object_set_boolean_member (record, "shown", evox_document_get_show_maps (document));
  for (guint c = 0; c < evox_volume_get_n_channels (maps); c++)
    json_array_add_string_element (channels, evox_volume_get_channel_label (maps, c) != NULL ?
                                   evox_volume_get_channel_label (maps, c) : "");
  json_object_set_array_member (record, "channels", channels);
  capture_elements_runs (record, maps);
  json_object_set_object_member (root, "elements-maps", record);
}

EvoxSession *
evox_session_capture (EvoxDocument  *document,
                      EvoxSession   *previous,
                      GError       **error)
{
  g_autoptr (EvoxSession) self = NULL;
  EvoxVolume *volume;
  double spacing[3];

  g_return_val_if_fail (EVOX_IS_DOCUMENT (document), NULL);
  g_return_val_if_fail (previous == NULL || EVOX_IS_SESSION (previous), NULL);

  volume = evox_document_get_volume (document);
  if (volume == NULL)
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, ("Nothing is open to save"));
      return NULL;
    }
  self = g_object_new (EVOX_TYPE_SESSION, NULL);
  json_object_set_int_member (self->root, "evox-session", EVOX_SESSION_FORMAT_VERSION);
  json_object_set_string_member (self->root, "evox-version", PACKAGE_VERSION);
  if (!capture_input (self->root, document, &self->input, error))
    return NULL;
  if (evox_volume_get_spacing_known (volume))
    {
      /* The file's voxel, whether the file is held whole or at 1:S (see apply_voxel_size). */
      evox_volume_get_spacing (volume, spacing);
      for (int i = 0; i < 3; i++)
        spacing[i] /= evox_volume_get_reduction (volume);
      set_numbers (self->root, "voxel-size-nm", spacing, 3);
    }
  json_object_set_string_member (self->root, FILE_INDICES_KEY, "file");
  capture_display (self->root, document);
  capture_phases (self->root, document);
  capture_particles (self->root, document);
  capture_surfaces (self->root, document);
  capture_clusters (self->root, document);
  capture_style (self->root, document);
  capture_overlays (self->root, document);
  capture_rulers (self->root, document);
  capture_composite (self->root, document);
  capture_registration (self->root, document, previous);
  capture_xanes_maps (self->root, document);
  capture_elements_maps (self->root, document);
  json_object_set_boolean_member (self->root, "registered",
                                  evox_document_get_registration (document) != NULL);
  json_object_set_boolean_member (self->root, "maps", evox_document_get_maps (document) != NULL);
  if (previous != NULL)
    keep_unknown (self->root, previous->root);
  return g_steal_pointer (&self);
}

/* Saving and loading. */

static JsonObject *
first_input (EvoxSession *self)
{
  JsonArray *inputs = evox_json_get_array (self->root, "inputs");
  JsonNode *node;

  if (inputs == NULL || json_array_get_length (inputs) == 0)
    return NULL;
  node = json_array_get_element (inputs, 0);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* path relative to folder when it lies in it or below, else NULL. */
static char *
relative_to (const char *path,
             const char *folder)
{
  g_autoptr (GFile) base = g_file_new_for_path (folder);
  g_autoptr (GFile) file = g_file_new_for_path (path);

  return g_file_get_relative_path (base, file);
}

static gboolean
write_session (int          fd,
               const char  *path,
               gpointer     user_data,
               GError     **error)
{
  const char *text = user_data;

  return _evox_output_write_bytes (fd, text, strlen (text), path, error);
}

/* json-glib 1.6 (Debian 12's) writes a double in exponent form with ".0" after it ("1e-08.0"),
 * which no JSON parser reads, its own included: the ".0" after an exponent goes, outside
 * strings. */
static void
repair_exponents (char *text)
{
  gboolean in_string = FALSE;
  char *out = text;

  for (const char *p = text; *p != '\0'; p++)
    {
      *out++ = *p;
      if (in_string)
        {
          if (*p == '\\' && p[1] != '\0')
            *out++ = *++p;
          else if (*p == '"')
            in_string = FALSE;
          continue;
        }
      if (*p == '"')
        in_string = TRUE;
      else if ((*p == 'e' || *p == 'E') && p > text && g_ascii_isdigit (p[-1]))
        {
          const char *q = p + 1;

          if (*q == '+' || *q == '-')
            q++;
          while (g_ascii_isdigit (*q))
            q++;
          if (q[0] == '.' && q[1] == '0' && !g_ascii_isdigit (q[2]))
            {
              /* Copies the exponent, skips the ".0". */
              for (p++; p < q; p++)
                *out++ = *p;
              p = q + 1;
            }
        }
    }
  *out = '\0';
}

gboolean
evox_session_save (EvoxSession  *self,
                   const char   *path,
                   gboolean      overwrite,
                   GError      **error)
{
  g_autoptr (JsonGenerator) generator = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *folder = NULL;
  JsonObject *input;

  g_return_val_if_fail (EVOX_IS_SESSION (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  absolute = g_canonicalize_filename (path, NULL);
  folder = g_path_get_dirname (absolute);
  input = first_input (self);
  if (input != NULL && self->input != NULL)
    {
      g_autofree char *full = g_canonicalize_filename (self->input, NULL);
      g_autofree char *relative = relative_to (full, folder);

      json_object_set_string_member (input, "path", relative != NULL ? relative : full);
      json_object_set_string_member (input, "absolute-path", full);
    }
  node = json_node_init_object (json_node_alloc (), self->root);
  generator = json_generator_new ();
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  repair_exponents (text);
  text = g_realloc (text, strlen (text) + 2);
  strcat (text, "\n");
  if (!_evox_output_write (absolute, overwrite, write_session, text, error))
    return FALSE;
  g_free (self->path);
  self->path = g_steal_pointer (&absolute);
  return TRUE;
}

/* The input as found from the session's folder: the recorded path, relative or absolute, then
 * the absolute path recorded when it was saved. */
static char *
resolve_input (JsonObject *input,
               const char *session_path)
{
  const char *path = evox_json_get_string (input, "path");
  const char *absolute = evox_json_get_string (input, "absolute-path");
  g_autofree char *folder = g_path_get_dirname (session_path);
  g_autofree char *first = NULL;

  if (path != NULL)
    {
      first = g_canonicalize_filename (path, folder);
      if (g_file_test (first, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&first);
    }
  if (absolute != NULL && g_path_is_absolute (absolute) &&
      g_file_test (absolute, G_FILE_TEST_EXISTS))
    return g_strdup (absolute);
  /* Missing: the place it should be, for the message. */
  if (first != NULL)
    return g_steal_pointer (&first);
  return absolute != NULL ? g_strdup (absolute) : NULL;
}

EvoxSession *
evox_session_load (const char  *path,
                   GError     **error)
{
  g_autoptr (EvoxSession) self = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *name = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  JsonNode *root;
  JsonObject *input;
  double version;
  const char *kind;

  g_return_val_if_fail (path != NULL, NULL);

  name = g_filename_display_name (path);
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, local->domain, local->code, ("Cannot read session “%s”: %s"), name,
                   local->message);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, contents, (gssize) length, &local))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   ("“%s” is not a readable session (cut short or malformed): %s"), name,
                   local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !evox_json_get_number (json_node_get_object (root), "evox-session", &version))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   ("“%s” is not an Evox session (no “evox-session” version)"), name);
      return NULL;
    }
  if (version > EVOX_SESSION_FORMAT_VERSION)
    {
      const char *by = evox_json_get_string (json_node_get_object (root), "evox-version");

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   ("“%s” is a session of format %g, saved by Evox %s; this Evox (%s) reads "
                     "format %d and older"), name, version, by != NULL ? by : ("(unknown)"),
                   PACKAGE_VERSION, EVOX_SESSION_FORMAT_VERSION);
      return NULL;
    }
  self = g_object_new (EVOX_TYPE_SESSION, NULL);
  json_object_unref (self->root);
  self->root = json_object_ref (json_node_get_object (root));
  self->path = g_canonicalize_filename (path, NULL);
  input = first_input (self);
  kind = evox_json_get_string (input, "kind");
  if (input == NULL || kind == NULL ||
      (g_strcmp0 (kind, "demo-ssrm") != 0 &&
       evox_json_get_string (input, "path") == NULL && evox_json_get_string (input, "absolute-path") == NULL))
    {
      g_set_error (error, EVOX_ERROR, EVOX_ERROR_INVALID_DATA,
                   ("“%s” names no input to read"), name);
      return NULL;
    }
  if (g_strcmp0 (kind, "demo-ssrm") != 0)
    self->input = resolve_input (input, self->path);
  return g_steal_pointer (&self);
}

const char *
evox_session_get_path (EvoxSession *self)
{
  g_return_val_if_fail (EVOX_IS_SESSION (self), NULL);
  return self->path;
}

JsonObject *
evox_session_get_root (EvoxSession *self)
{
  g_return_val_if_fail (EVOX_IS_SESSION (self), NULL);
  return self->root;
}

const char *
evox_session_get_input (EvoxSession *self)
{
  g_return_val_if_fail (EVOX_IS_SESSION (self), NULL);
  return self->input;
}

gboolean
evox_session_get_input_is_demo (EvoxSession *self)
{
  g_return_val_if_fail (EVOX_IS_SESSION (self), FALSE);
  return g_strcmp0 (evox_json_get_string (first_input (self), "kind"), "demo-ssrm") == 0;
}

gboolean
evox_session_get_input_is_folder (EvoxSession *self)
{
  g_return_val_if_fail (EVOX_IS_SESSION (self), FALSE);
  return g_strcmp0 (evox_json_get_string (first_input (self), "kind"), "folder") == 0;
}

void
evox_session_set_input (EvoxSession *self,
                        const char  *path)
{
  g_return_if_fail (EVOX_IS_SESSION (self));
  g_return_if_fail (path != NULL);

  g_free (self->input);
  self->input = g_canonicalize_filename (path, NULL);
}

gboolean
evox_session_check_input (EvoxSession  *self,
                          char        **warning,
                          GError      **error)
{
  JsonObject *input;
  g_autofree char *hash = NULL;
  g_autofree char *name = NULL;
  g_autofree char *session = NULL;
  const char *recorded;
  guint64 size = 0;
  double recorded_size;

  g_return_val_if_fail (EVOX_IS_SESSION (self), FALSE);

  if (warning != NULL)
    *warning = NULL;
  if (evox_session_get_input_is_demo (self))
    return TRUE;
  input = first_input (self);
  session = self->path != NULL ? g_filename_display_basename (self->path) : g_strdup ("");
  name = g_filename_display_name (self->input != NULL ? self->input : "");
  if (self->input == NULL || !g_file_test (self->input, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   ("The input of session “%s”, “%s”, is missing (moved or deleted)"),
                   session, name);
      return FALSE;
    }
  hash = evox_session_hash_path (self->input, &size, error);
  if (hash == NULL)
    return FALSE;
  recorded = evox_json_get_string (input, "sha256");
  if ((recorded != NULL && g_ascii_strcasecmp (recorded, hash) != 0) ||
      (evox_json_get_number (input, "size", &recorded_size) && recorded_size != (double) size))
    {
      if (warning != NULL)
        *warning = g_strdup_printf (("“%s” changed since session “%s” was saved (its content "
                                      "differs): the numbers may differ"), name, session);
    }
  return TRUE;
}

void
evox_session_get_load_options (EvoxSession      *self,
                               EvoxSsrmOptions **ssrm,
                               guint            *bin)
{
  JsonObject *reading, *table;
  JsonArray *values;
  double number;
  const char *text;

  g_return_if_fail (EVOX_IS_SESSION (self));

  reading = evox_json_get_object (first_input (self), "reading");
  table = evox_json_get_object (reading, "ssrm");
  if (bin != NULL)
    *bin = evox_json_get_number (reading, "bin", &number) && number >= 1 && number <= 64 ?
           (guint) number : 1;
  if (ssrm == NULL)
    return;
  *ssrm = NULL;
  if (table == NULL)
    return;
  *ssrm = evox_ssrm_options_new ();
  if (evox_json_get_number (table, "dz-nm", &number) && number > 0 && isfinite (number))
    (*ssrm)->dz_nm = number;
  if (evox_json_get_number (table, "pixel-size-nm", &number) && number >= 0 && isfinite (number))
    (*ssrm)->pixel_size_nm = number;
  (*ssrm)->x_column = g_strdup (evox_json_get_string (table, "x-column"));
  (*ssrm)->y_column = g_strdup (evox_json_get_string (table, "y-column"));
  values = evox_json_get_array (table, "values");
  for (guint i = 0; values != NULL && i < json_array_get_length (values); i++)
    {
      JsonNode *node = json_array_get_element (values, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_ptr_array_add ((*ssrm)->values, g_strdup (json_node_get_string (node)));
    }
  text = evox_json_get_string (table, "scale");
  if (g_strcmp0 (text, "linear") == 0)
    (*ssrm)->scale = EVOX_SCALE_LINEAR;
}

static void apply_voxel_size (JsonObject *root,
                              EvoxVolume *volume);

EvoxVolume *
evox_session_load_input (EvoxSession   *self,
                         EvoxProgress  *progress,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autoptr (EvoxSsrmOptions) ssrm = NULL;
  g_autoptr (EvoxVolume) volume = NULL;
  EvoxLoadOptions options = { 0 };
  guint bin;

  g_return_val_if_fail (EVOX_IS_SESSION (self), NULL);

  if (evox_session_get_input_is_demo (self))
    {
      double dz = EVOX_SSRM_DEFAULT_DZ_NM;

      if (!evox_json_get_number (first_input (self), "dz-nm", &dz) || !(dz > 0) || dz > 1e6)
        dz = EVOX_SSRM_DEFAULT_DZ_NM;
      volume = evox_demo_volume_new (dz);
      apply_voxel_size (self->root, volume);
      return g_steal_pointer (&volume);
    }
  if (!evox_session_check_input (self, NULL, error))
    return NULL;
  evox_session_get_load_options (self, &ssrm, &bin);
  options.ssrm = ssrm;
  options.bin = bin;
  volume = evox_volume_load_with (self->input, &options, progress, cancellable, error);
  if (volume == NULL)
    return NULL;
  /* The voxel size is part of reading the input as the session did (Image Properties or
   * --voxel-size may have set one the file does not state): `evox methods` reports it. */
  apply_voxel_size (self->root, volume);
  if (!evox_volume_build_histograms (volume, NULL, cancellable, error))
    return NULL;
  return g_steal_pointer (&volume);
}

/* Apply. */

static void
apply_display (JsonObject   *root,
               EvoxDocument *document)
{
  JsonObject *display = evox_json_get_object (root, "display");
  JsonArray *hidden = evox_json_get_array (display, "hidden-layers");
  guint scale = index_scale (root, evox_document_get_volume (document));
  double range[2];
  gsize dims[3];

  for (guint i = 0; i < G_N_ELEMENTS (display_properties); i++)
    if (scale == 1 || !g_str_has_prefix (display_properties[i], "slice-"))
      property_from_json (G_OBJECT (document), display_properties[i], display);
  for (guint axis = 0; axis < 3 && scale > 1; axis++)
    {
      double number, index;

      /* The file's plane lies in the blocks of plane index. */
      if (evox_json_get_number (display, slice_keys[axis], &number) &&
          held_index (number, scale, &index))
        evox_document_set_slice (document, axis, (guint) index);
    }
  if (get_numbers (display, "range", range, 2) && isfinite (range[0]) && isfinite (range[1]))
    evox_document_set_range (document, range[0], range[1]);
  evox_volume_get_dims (evox_document_get_volume (document), dims);
  for (guint i = 0; hidden != NULL && i < json_array_get_length (hidden); i++)
    {
      double layer;

      /* A layer held at 1:S is hidden when any file plane of its blocks was. */
      if (evox_json_node_number (json_array_get_element (hidden, i), &layer) &&
          held_index (layer, scale, &layer) && layer < dims[2])
        evox_document_set_layer_visible (document, (guint) layer, FALSE);
    }
}

static void
apply_phases (JsonObject   *root,
              EvoxDocument *document)
{
  JsonArray *array = evox_json_get_array (root, "phases");
  g_autoptr (EvoxPhaseList) list = evox_phase_list_new ();
  double selected;

  if (array == NULL)
    return;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autoptr (EvoxPhase) phase = NULL;
      g_autofree char *name = NULL;
      double range[2];

      if (entry == NULL || !get_numbers (entry, "range", range, 2) || !isfinite (range[0]) ||
          !isfinite (range[1]) || range[0] > range[1])
        continue;
      name = evox_json_get_string (entry, "name") != NULL ? g_strdup (evox_json_get_string (entry, "name")) :
             evox_phase_list_dup_unique_name (list);
      phase = evox_phase_new (name, range[0], range[1], evox_phase_list_next_color (list));
      for (guint p = 0; p < G_N_ELEMENTS (phase_properties); p++)
        if (g_strcmp0 (phase_properties[p], "color") != 0 ||
            evox_color_is_valid (evox_json_get_string (entry, "color")))
          property_from_json (G_OBJECT (phase), phase_properties[p], entry);
      evox_phase_list_append (list, phase);
    }
  evox_phase_list_assign (evox_document_get_phases (document), list);
  if (evox_json_get_number (root, "selected-phase", &selected) && selected == (int) selected)
    evox_document_set_selected_phase (document, (int) selected);
}

/* The particles the session asks for, labelled in volume; NULL without error when it asks for
 * none (or for something this volume cannot have). */
static EvoxLabels *
compute_particles (JsonObject    *root,
                   EvoxVolume    *volume,
                   GCancellable  *cancellable,
                   GError       **error)
{
  JsonObject *particles = evox_json_get_object (root, "particles");
  double range[2], channel = 0, connectivity = 26, min_size = 0;

  if (particles == NULL || !get_numbers (particles, "range", range, 2))
    return NULL;
  evox_json_get_number (particles, "channel", &channel);
  evox_json_get_number (particles, "connectivity", &connectivity);
  evox_json_get_number (particles, "min-size", &min_size);
  if (!evox_connectivity_is_valid ((int) connectivity) || channel < 0 ||
      channel >= evox_volume_get_n_channels (volume) || channel != (guint) channel ||
      min_size < 0)
    return NULL;
  return evox_labels_compute (volume, (guint) channel, evox_json_get_string (particles, "phase"),
                              range[0], range[1], (EvoxConnectivity) connectivity,
                              (guint64) min_size, NULL, cancellable, error);
}

static gboolean
apply_particles (EvoxSession   *self,
                 EvoxDocument  *document,
                 GError       **error)
{
  JsonObject *particles = evox_json_get_object (self->root, "particles");
  EvoxVolume *volume = evox_document_get_volume (document);
  g_autoptr (EvoxLabels) labels = NULL;
  GError *local = NULL;
  double selected;

  if (self->labels != NULL && evox_labels_get_volume (self->labels) == volume)
    labels = g_object_ref (self->labels);
  else
    labels = compute_particles (self->root, volume, NULL, &local);
  g_clear_object (&self->labels);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (labels == NULL || evox_labels_get_channel (labels) != evox_document_get_channel (document))
    return TRUE;
  evox_document_set_labels (document, labels);
  if (evox_json_get_number (particles, "selected", &selected) && selected >= 0 && selected <= G_MAXUINT32)
    evox_document_set_selected_particle (document, (guint) selected);
  return TRUE;
}

static void
apply_surfaces (JsonObject   *root,
                EvoxDocument *document)
{
  JsonArray *array = evox_json_get_array (root, "surfaces");
  EvoxPhaseList *phases = evox_document_get_phases (document);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *kind = evox_json_get_string (entry, "kind");
      EvoxSurface *surface = NULL;
      double number;

      if (entry == NULL || kind == NULL)
        continue;
      if (strcmp (kind, "phase") == 0 && evox_json_get_number (entry, "phase", &number) && number >= 0 &&
          number < evox_phase_list_get_n_phases (phases))
        surface = evox_document_add_phase_surface (document,
                                                   evox_phase_list_get_phase (phases,
                                                                              (guint) number));
      else if (strcmp (kind, "level") == 0 && evox_json_get_number (entry, "level", &number) &&
               isfinite (number))
        surface = evox_document_add_level_surface (document, number);
      else if (strcmp (kind, "particle") == 0 && evox_json_get_number (entry, "particle", &number) &&
               number >= 0 && evox_document_get_labels (document) != NULL &&
               number <= evox_labels_get_n_particles (evox_document_get_labels (document)))
        surface = evox_document_add_particle_surface (document, (guint32) number);
      if (surface == NULL)
        continue;
      for (guint p = 0; p < G_N_ELEMENTS (phase_properties); p++)
        if (g_strcmp0 (phase_properties[p], "color") != 0 ||
            evox_color_is_valid (evox_json_get_string (entry, "color")))
          property_from_json (G_OBJECT (surface), phase_properties[p], entry);
    }
}

static void
apply_style (JsonObject   *root,
             EvoxDocument *document)
{
  JsonObject *object = evox_json_get_object (root, "volume-style");
  EvoxVolumeStyle *style = evox_document_get_volume_style (document);
  JsonArray *points = evox_json_get_array (object, "points");
  double lo[3], hi[3];

  if (object == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (style_properties); i++)
    property_from_json (G_OBJECT (style), style_properties[i], object);
  if (points != NULL)
    {
      guint n = json_array_get_length (points), used = 0;
      g_autofree double *values = g_new (double, MAX (n, 1));
      g_autofree double *opacities = g_new (double, MAX (n, 1));

      for (guint i = 0; i < n; i++)
        {
          JsonNode *node = json_array_get_element (points, i);
          JsonArray *point = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

          if (point != NULL && json_array_get_length (point) == 2 &&
              evox_json_node_number (json_array_get_element (point, 0), &values[used]) &&
              evox_json_node_number (json_array_get_element (point, 1), &opacities[used]) &&
              isfinite (values[used]) && isfinite (opacities[used]))
            used++;
        }
      if (used > 0)
        evox_volume_style_set_points (style, values, opacities, used);
    }
  if (get_numbers (object, "clip-lo", lo, 3) && get_numbers (object, "clip-hi", hi, 3))
    evox_volume_style_set_clip (style, lo, hi);
}

static void
apply_overlays (JsonObject   *root,
                EvoxDocument *document)
{
  JsonObject *object = evox_json_get_object (root, "overlays");
  EvoxOverlays *overlays = evox_document_get_overlays (document);
  JsonArray *labels = evox_json_get_array (object, "labels");
  double number;

  if (object == NULL)
    return;
  for (guint i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    {
      JsonObject *item = evox_json_get_object (object, overlay_items[i]);
      gboolean visible;
      double at[2];

      if (get_boolean (item, "visible", &visible))
        evox_overlays_set_visible (overlays, i, visible);
      if (get_numbers (item, "position", at, 2) && isfinite (at[0]) && isfinite (at[1]))
        evox_overlays_set_position (overlays, i, at[0], at[1]);
    }
  if (evox_json_get_number (object, "font-size", &number) && number >= 6 && number <= 96)
    evox_overlays_set_font_size (overlays, number);
  if (evox_json_get_number (object, "scale-bar-length", &number) && number >= 0 && isfinite (number))
    evox_overlays_set_scale_bar_length (overlays, number);
  if (labels == NULL)
    return;
  while (evox_overlays_get_n_labels (overlays) > 0)
    evox_overlays_remove_label (overlays, 0);
  for (guint i = 0; i < json_array_get_length (labels); i++)
    {
      JsonNode *node = json_array_get_element (labels, i);
      JsonObject *label = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *text = evox_json_get_string (label, "text");
      double at[2];

      if (text != NULL && *text != '\0' && get_numbers (label, "position", at, 2) &&
          isfinite (at[0]) && isfinite (at[1]))
        evox_overlays_add_label (overlays, text, CLAMP (at[0], 0, 1), CLAMP (at[1], 0, 1));
    }
}

static void
apply_rulers (JsonObject   *root,
              EvoxDocument *document)
{
  JsonArray *array = evox_json_get_array (root, "rulers");
  EvoxMeasurementList *list = evox_document_get_measurements (document);
  guint scale = index_scale (root, evox_document_get_volume (document));
  gsize dims[3];

  if (array == NULL)
    return;
  evox_volume_get_dims (evox_document_get_volume (document), dims);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autoptr (EvoxMeasurement) ruler = NULL;
      double axis, slice, start[3], end[3];
      gboolean finite = TRUE;

      if (!evox_json_get_number (entry, "axis", &axis) || !evox_json_get_number (entry, "slice", &slice) ||
          !get_numbers (entry, "start-nm", start, 3) || !get_numbers (entry, "end-nm", end, 3))
        continue;
      for (guint a = 0; a < 3; a++)
        finite = finite && isfinite (start[a]) && isfinite (end[a]);
      /* The ends stay in nm, which a volume held at 1:S shares with the file. */
      if (!finite || (axis != 0 && axis != 1 && axis != 2) ||
          !held_index (slice, scale, &slice) || slice >= dims[(guint) axis])
        continue;
      ruler = evox_measurement_new ((guint) axis, (guint) slice, start, end);
      evox_measurement_list_append (list, ruler);
    }
}

static void
apply_composite (JsonObject   *root,
                 EvoxDocument *document)
{
  JsonObject *object = evox_json_get_object (root, "composite");
  JsonArray *slots = evox_json_get_array (object, "slots");
  guint n_channels = evox_volume_get_n_channels (evox_document_get_volume (document));
  gboolean flag;

  if (object == NULL)
    return;
  for (guint slot = 0; slots != NULL && slot < MIN (json_array_get_length (slots), 3); slot++)
    {
      JsonNode *node = json_array_get_element (slots, slot);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      double channel, range[2];

      if (!evox_json_get_number (entry, "channel", &channel) || channel < -1 || channel >= n_channels ||
          channel != (int) channel)
        continue;
      if (!get_numbers (entry, "range", range, 2) || !isfinite (range[0]) ||
          !isfinite (range[1]))
        range[0] = range[1] = NAN;
      evox_document_set_composite_slot (document, slot, (int) channel, range[0], range[1]);
    }
  if (get_boolean (object, "phases", &flag))
    evox_document_set_composite_phases (document, flag);
  if (get_boolean (object, "on", &flag))
    evox_document_set_composite (document, flag);
}

static void
apply_voxel_size (JsonObject *root,
                  EvoxVolume *volume)
{
  double spacing[3];

  if (get_numbers (root, "voxel-size-nm", spacing, 3) && spacing[0] > 0 &&
      spacing[1] > 0 && spacing[2] > 0 && isfinite (spacing[0]) && isfinite (spacing[1]) &&
      isfinite (spacing[2]))
    {
      /* A volume held at 1:S has voxels S of the file's a side. */
      for (int i = 0; i < 3; i++)
        spacing[i] *= evox_volume_get_reduction (volume);
      evox_volume_set_spacing (volume, spacing);
      evox_volume_set_spacing_known (volume, TRUE);
    }
}

double *
evox_session_dup_particle_splits (EvoxSession *self,
                                  guint       *n_splits)
{
  JsonObject *particles;
  JsonArray *array;
  g_autofree double *split_h = NULL;
  guint n;

  g_return_val_if_fail (EVOX_IS_SESSION (self), NULL);
  *n_splits = 0;
  particles = evox_json_get_object (self->root, "particles");
  array = particles != NULL ? evox_json_get_array (particles, "split-h") : NULL;
  n = array != NULL ? json_array_get_length (array) : 0;
  if (n == 0)
    return NULL;
  split_h = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      /* The watershed refuses h <= 0 or NaN itself; anything else is no number at all. */
      if (!JSON_NODE_HOLDS_VALUE (node) ||
          (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
           json_node_get_value_type (node) != G_TYPE_INT64))
        return NULL;
      split_h[i] = json_node_get_double (node);
    }
  *n_splits = n;
  return g_steal_pointer (&split_h);
}

gboolean
evox_session_get_registration_options (EvoxSession  *self,
                                       double       *reference_ev,
                                       const char  **scale,
                                       GArray      **exclude_ev,
                                       gboolean     *raw_view)
{
  JsonObject *record;
  JsonArray *excluded;
  double number;

  g_return_val_if_fail (EVOX_IS_SESSION (self), FALSE);
  record = evox_json_get_object (self->root, "registration");
  if (record == NULL)
    return FALSE;
  *reference_ev = evox_json_get_number (record, "reference-ev", &number) && isfinite (number) &&
                  number > 0 ? number : 0;
  *scale = evox_json_get_string (record, "scale");
  *exclude_ev = g_array_new (FALSE, FALSE, sizeof (double));
  excluded = evox_json_get_array (record, "exclude-ev");
  for (guint i = 0; excluded != NULL && i < json_array_get_length (excluded); i++)
    {
      JsonNode *node = json_array_get_element (excluded, i);

      if (JSON_NODE_HOLDS_VALUE (node) &&
          (json_node_get_value_type (node) == G_TYPE_DOUBLE ||
           json_node_get_value_type (node) == G_TYPE_INT64) &&
          isfinite (json_node_get_double (node)))
        {
          number = json_node_get_double (node);
          g_array_append_val (*exclude_ev, number);
        }
    }
  *raw_view = g_strcmp0 (evox_json_get_string (record, "view"), "raw") == 0;
  return TRUE;
}

void
evox_session_set_maps (EvoxSession *self,
                       EvoxVolume  *maps)
{
  g_return_if_fail (EVOX_IS_SESSION (self));
  g_return_if_fail (maps == NULL || EVOX_IS_VOLUME (maps));
  g_set_object (&self->maps, maps);
}

void
evox_session_set_elements_maps (EvoxSession *self,
                                EvoxVolume  *maps)
{
  g_return_if_fail (EVOX_IS_SESSION (self));
  g_return_if_fail (maps == NULL || EVOX_IS_VOLUME (maps));
  g_ptr_array_set_size (self->elements, 0);
  if (maps != NULL)
    g_ptr_array_add (self->elements, g_object_ref (maps));
}

GPtrArray *
evox_session_elements_runs (JsonObject *record)
{
  GPtrArray *runs = g_ptr_array_new ();
  JsonArray *list = evox_json_get_array (record, "runs");

  g_return_val_if_fail (record != NULL, runs);

  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (runs, json_node_get_object (node));
    }
  if (runs->len == 0)
    g_ptr_array_add (runs, record);
  return runs;
}

void
evox_session_add_elements_maps (EvoxSession *self,
                                EvoxVolume  *maps)
{
  g_return_if_fail (EVOX_IS_SESSION (self));
  g_return_if_fail (EVOX_IS_VOLUME (maps));
  g_ptr_array_add (self->elements, g_object_ref (maps));
}

void
evox_session_set_registration (EvoxSession      *self,
                               EvoxRegistration *registration)
{
  g_return_if_fail (EVOX_IS_SESSION (self));
  g_return_if_fail (registration == NULL || EVOX_IS_REGISTRATION (registration));
  g_set_object (&self->registration, registration);
}

EvoxLabels *
evox_session_get_prepared_labels (EvoxSession *self)
{
  g_return_val_if_fail (EVOX_IS_SESSION (self), NULL);
  return self->labels;
}

void
evox_session_set_prepared_labels (EvoxSession *self,
                                  EvoxLabels  *labels)
{
  g_return_if_fail (EVOX_IS_SESSION (self));
  g_return_if_fail (labels == NULL || EVOX_IS_LABELS (labels));
  g_set_object (&self->labels, labels);
}

gboolean
evox_session_prepare (EvoxSession   *self,
                      EvoxVolume    *volume,
                      GCancellable  *cancellable,
                      GError       **error)
{
  GError *local = NULL;

  g_return_val_if_fail (EVOX_IS_SESSION (self), FALSE);
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);

  apply_voxel_size (self->root, volume);
  g_clear_object (&self->labels);
  self->labels = compute_particles (self->root, volume, cancellable, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

/* The XANES maps and the runs of elemental maps computed again as one volume with the channels
 * in the recorded order (a fit's matrix and residual after the XANES maps when it ran after
 * them), each label from the last source that has it (a later run replaced the maps of an
 * earlier one of the same label); NULL when the record names a channel none has, or when there
 * are maps it does not name. The runs are recorded in its metadata as the document records
 * them. */
static EvoxVolume *
ordered_maps (JsonArray *labels,
              GPtrArray *from)
{
  g_autoptr (EvoxVolume) out = NULL;
  g_autoptr (GHashTable) all = g_hash_table_new (g_str_hash, g_str_equal);
  EvoxVolume *first = from->pdata[0];
  gsize dims[3];
  guint n = labels != NULL ? json_array_get_length (labels) : 0;

  for (guint m = 0; m < from->len; m++)
    for (guint c = 0; c < evox_volume_get_n_channels (from->pdata[m]); c++)
      if (evox_volume_get_channel_label (from->pdata[m], c) != NULL)
        g_hash_table_add (all, (gpointer) evox_volume_get_channel_label (from->pdata[m], c));
  if (n == 0 || n != g_hash_table_size (all))
    return NULL;
  evox_volume_get_dims (first, dims);
  out = evox_volume_new (dims[0], dims[1], dims[2], n, EVOX_SAMPLE_F32, NULL);
  if (out == NULL)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (labels, i);
      const char *label = JSON_NODE_HOLDS_VALUE (node) &&
                          json_node_get_value_type (node) == G_TYPE_STRING
                          ? json_node_get_string (node) : NULL;
      EvoxVolume *source = NULL;
      int c = -1;

      for (guint m = from->len; label != NULL && c < 0 && m-- > 0;)
        if ((c = evox_volume_find_channel (from->pdata[m], label)) >= 0)
          source = from->pdata[m];
      if (c < 0)
        return NULL;
      memcpy (evox_volume_get_data_mut (out, i), evox_volume_get_data (source, (guint) c),
              evox_volume_get_n_voxels (out) * sizeof (float));
      evox_volume_set_channel_info (out, i, label, evox_volume_get_channel_energy (source, c));
      evox_volume_set_channel_values (out, i, evox_volume_get_channel_value_scale (source, c),
                                      evox_volume_get_channel_quantity (source, c),
                                      evox_volume_get_channel_unit (source, c));
    }
  evox_volume_copy_grid (out, first);
  for (guint m = 0; m < from->len; m++)
    {
      g_auto (GStrv) keys = evox_volume_dup_metadata_keys (from->pdata[m]);

      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        evox_volume_set_metadata (out, keys[k], evox_volume_get_metadata (from->pdata[m],
                                                                          keys[k]));
    }
  for (guint m = 0; m < from->len; m++)
    if (evox_volume_get_metadata (from->pdata[m], "elements_method") != NULL)
      _evox_document_note_elements_run (out, from->pdata[m]);
  evox_volume_freeze (out);
  return g_steal_pointer (&out);
}

/* Maps the window computed again from the record `key`, merged into the document's maps; shown
 * as the record says. */
static void
add_maps_again (EvoxSession  *self,
                EvoxDocument *document,
                EvoxVolume   *maps,
                const char   *key)
{
  gboolean shown = FALSE;

  if (maps == NULL || !evox_document_add_maps (document, maps, NULL, NULL))
    return;
  if (!get_boolean (evox_json_get_object (self->root, key), "shown", &shown) || !shown)
    evox_document_set_show_maps (document, FALSE);
}

gboolean
evox_session_apply (EvoxSession   *self,
                    EvoxDocument  *document,
                    EvoxVolume    *volume,
                    GError       **error)
{
  g_autofree char *title = NULL;
  g_autoptr (EvoxVolume) both = NULL;
  g_autoptr (GPtrArray) sources = g_ptr_array_new ();

  g_return_val_if_fail (EVOX_IS_SESSION (self), FALSE);
  g_return_val_if_fail (EVOX_IS_DOCUMENT (document), FALSE);
  g_return_val_if_fail (EVOX_IS_VOLUME (volume), FALSE);

  apply_voxel_size (self->root, volume);
  if (evox_session_get_input_is_demo (self))
    evox_document_set_volume (document, volume, ("Demo SSRM stack"), NULL);
  else
    {
      title = g_filename_display_basename (self->input);
      evox_document_set_volume (document, volume, title, self->input);
    }
  /* The registration the window ran again, before anything that depends on the stack shown. */
  if (self->registration != NULL && evox_registration_get_raw (self->registration) == volume &&
      evox_document_set_registration (document, self->registration))
    {
      JsonObject *record = evox_json_get_object (self->root, "registration");

      if (g_strcmp0 (evox_json_get_string (record, "view"), "raw") == 0)
        evox_document_set_registration_view (document, EVOX_REGISTRATION_VIEW_RAW);
    }
  /* The maps too, in the channel order they had, shown when they were, so that the display and
   * phases go to their side. */
  if (self->maps != NULL)
    g_ptr_array_add (sources, self->maps);
  for (guint r = 0; r < self->elements->len; r++)
    g_ptr_array_add (sources, self->elements->pdata[r]);
  if (self->elements->len > 0 &&
      (self->maps != NULL || self->elements->len > 1) &&
      (both = ordered_maps (evox_json_get_array (evox_json_get_object (self->root,
                                                                       "elements-maps"),
                                                 "channels"), sources)) != NULL)
    add_maps_again (self, document, both, "elements-maps");
  else
    {
      add_maps_again (self, document, self->maps, "xanes-maps");
      for (guint r = 0; r < self->elements->len; r++)
        add_maps_again (self, document, self->elements->pdata[r], "elements-maps");
    }
  apply_display (self->root, document);
  apply_phases (self->root, document);
  if (!apply_particles (self, document, error))
    return FALSE;
  apply_surfaces (self->root, document);
  apply_style (self->root, document);
  apply_overlays (self->root, document);
  apply_rulers (self->root, document);
  apply_composite (self->root, document);
  return TRUE;
}

/* The subcommands' records, in the order `evox apply` runs them, but for "metrics", which the
 * window's Metrics page computes again (or says why it does not). */
static const struct
{
  const char *key;
  const char *what;
} records[] = {
  { "registration", "a registration" },
  { "xanes", "XANES maps" },
  { "elements", "elemental maps" },
  { "reconstruction", "a reconstruction" },
  { "figure", "the options of an `evox render` figure" },
};

char *
evox_session_dup_records_note (EvoxSession *self)
{
  g_autoptr (GString) list = g_string_new (NULL);
  guint n = 0, found[G_N_ELEMENTS (records)];

  g_return_val_if_fail (EVOX_IS_SESSION (self), NULL);

  for (guint i = 0; i < G_N_ELEMENTS (records); i++)
    if (evox_json_get_object (self->root, records[i].key) != NULL &&
        /* The window made this one again (evox_session_set_registration). */
        !(self->registration != NULL && strcmp (records[i].key, "registration") == 0))
      found[n++] = i;
  if (n == 0)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (list, i + 1 == n ? " and " : ", ");
      g_string_append (list, records[found[i]].what);
    }
  return g_strdup_printf ("The session also records %s, which the window does not compute "
                          "again yet: kept in the session (evox apply runs them)", list->str);
}

/* evox-cli-render.c: `evox render`, a figure of a volume drawn headless (EGL) into PNG, TIFF, SVG
 * or PDF, with its overlays (scale bar, colour bar, legend, axes, labels). */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evox-cli-private.h"
#include "evox-cli-render-volume.h"
#include "evox-curve-figure.h"
#include "evox-document.h"
#include "evox-figure.h"
#include "evox-figure-private.h"
#include "evox-gl-context.h"
#include "evox-image.h"
#include "evox-measurement.h"
#include "evox-methods.h"
#include "evox-renderer.h"
#include "evox-tiff.h"
#include "evox-units.h"
#include "evox-voxel-source.h"

#define DEFAULT_WIDTH 1600
#define DEFAULT_HEIGHT 1200
#define MAX_SIDE 16384
/* The overlays of an image up to this many pixels high are drawn at scale 1, as in a window of
 * the image's size; a taller image is this high a window enlarged, its overlays with it. */
#define VIEW_HEIGHT 800

/* What the overlay options ask for. */
typedef struct
{
  gboolean  scale_bar;
  double    scale_bar_nm;  /* 0: automatic */
  gboolean  colorbar;
  gboolean  legend;
  gboolean  axes;
  double    font_size;     /* NAN: the default */
} OverlayRequest;

/* Where --scale-bar's callback leaves what it was given (GOption's main entries have no user
 * data); _evox_cli_render takes it over right after parsing. */
static OverlayRequest *overlay_request_for_callback;
static char *scale_bar_text;

/* --scale-bar[=LENGTH]: GOption calls back with NULL when no length is given. */
static gboolean
on_scale_bar (const char  *name,
              const char  *value,
              gpointer     data,
              GError     **error)
{
  overlay_request_for_callback->scale_bar = TRUE;
  g_clear_pointer (&scale_bar_text, g_free);
  scale_bar_text = g_strdup (value);
  return TRUE;
}

static gboolean
check_overlays (GOptionContext  *context,
                const char      *scale_bar_length,
                const char      *font_size_text,
                OverlayRequest  *request,
                char           **labels,
                int             *status)
{
  g_autoptr(GError) error = NULL;

  /* The same lengths as --voxel-size takes. */
  if (scale_bar_length != NULL &&
      !evox_units_parse_length (scale_bar_length, &request->scale_bar_nm, &error))
    {
      *status = _evox_cli_usage_error (context, "--scale-bar: %s", error->message);
      return FALSE;
    }
  /* Taken as text: GOption reads "nan" as a double, which would pass for "not given". */
  if (font_size_text != NULL && !_evox_cli_parse_double (font_size_text, &request->font_size))
    request->font_size = -1;
  if (!isnan (request->font_size) && !(request->font_size >= 6 && request->font_size <= 96))
    {
      *status = _evox_cli_usage_error (context, "--font-size must be a number of pixels from 6 "
                                       "to 96");
      return FALSE;
    }
  for (guint i = 0; labels != NULL && labels[i] != NULL; i++)
    {
      g_autofree char *text = NULL;
      double fx, fy;

      if (!evox_overlays_parse_label (labels[i], &text, &fx, &fy))
        {
          *status = _evox_cli_usage_error (context, "--label must be TEXT@X,Y with X and Y from "
                                           "0 to 1 (0,0 the top left, 1,1 the bottom right), "
                                           "not '%s'", labels[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* The overlays asked for into the document's, which the figure reads. */
static void
apply_overlays (EvoxDocument         *document,
                const OverlayRequest *request,
                char                **labels)
{
  EvoxOverlays *overlays = evox_document_get_overlays (document);

  evox_overlays_set_visible (overlays, EVOX_OVERLAY_SCALE_BAR, request->scale_bar);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_COLORBAR, request->colorbar);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_LEGEND, request->legend);
  evox_overlays_set_visible (overlays, EVOX_OVERLAY_AXES, request->axes);
  evox_overlays_set_scale_bar_length (overlays, request->scale_bar_nm);
  if (!isnan (request->font_size))
    evox_overlays_set_font_size (overlays, request->font_size);
  for (guint i = 0; labels != NULL && labels[i] != NULL; i++)
    {
      g_autofree char *text = NULL;
      double fx, fy;

      if (evox_overlays_parse_label (labels[i], &text, &fx, &fy))
        evox_overlays_add_label (overlays, text, fx, fy);
    }
}

/* What the options ask for; NULL or unset fields keep the document's defaults. */
typedef struct
{
  int       width;
  int       height;
  gboolean  have_view;
  EvoxView  view;
  gboolean  have_mapping;
  EvoxMapping mapping;
  gboolean  have_range;
  double    lo;
  double    hi;
  gboolean  have_slices;
  guint     slices[3];
  double    z_exaggeration;  /* NAN: the document's choice */
} RenderRequest;

/* "WxH", each side 1..MAX_SIDE. */
static gboolean
parse_size (const char *text,
            int        *width,
            int        *height)
{
  g_auto(GStrv) parts = g_strsplit_set (text, "xX", -1);
  gint64 w, h;

  if (g_strv_length (parts) != 2 || !_evox_cli_parse_int (parts[0], 1, MAX_SIDE, &w) ||
      !_evox_cli_parse_int (parts[1], 1, MAX_SIDE, &h))
    return FALSE;
  *width = (int) w;
  *height = (int) h;
  return TRUE;
}

static gboolean
parse_range (const char *text,
             double     *lo,
             double     *hi)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);

  return g_strv_length (parts) == 2 && _evox_cli_parse_double (parts[0], lo) &&
         _evox_cli_parse_double (parts[1], hi) && *lo < *hi;
}

static char *
colormap_names (void)
{
  const char * const *names = evox_colormap_list_names ();

  return g_strjoinv (", ", (char **) names);
}

/* Checks every option that does not depend on the volume. */
static gboolean
parse_request (GOptionContext *context,
               const char     *size,
               const char     *view,
               const char     *colormap,
               const char     *range,
               const char     *mapping,
               const char     *slices,
               double          z_exaggeration,
               RenderRequest  *request,
               int            *status)
{
  *request = (RenderRequest) {
    .width = DEFAULT_WIDTH,
    .height = DEFAULT_HEIGHT,
    .z_exaggeration = z_exaggeration,
  };

  if (size != NULL && !parse_size (size, &request->width, &request->height))
    {
      *status = _evox_cli_usage_error (context, "--size must be WxH with each side 1 to %d, "
                                       "not '%s'", MAX_SIDE, size);
      return FALSE;
    }
  if (view != NULL)
    {
      if (!evox_view_from_string (view, &request->view))
        {
          *status = _evox_cli_usage_error (context, "--view must be xyz, x, y, z, stack, quad or "
                                           "volume, "
                                           "not '%s'", view);
          return FALSE;
        }
      request->have_view = TRUE;
    }
  if (colormap != NULL && !evox_colormap_exists (colormap))
    {
      g_autofree char *names = colormap_names ();

      *status = _evox_cli_usage_error (context, "unknown colour map '%s'; known maps: %s",
                                       colormap, names);
      return FALSE;
    }
  if (mapping != NULL)
    {
      if (g_str_equal (mapping, "linear"))
        request->mapping = EVOX_MAPPING_LINEAR;
      else if (g_str_equal (mapping, "log"))
        request->mapping = EVOX_MAPPING_LOG;
      else
        {
          *status = _evox_cli_usage_error (context, "--mapping must be linear or log, not '%s'",
                                           mapping);
          return FALSE;
        }
      request->have_mapping = TRUE;
    }
  if (range != NULL)
    {
      if (!parse_range (range, &request->lo, &request->hi))
        {
          *status = _evox_cli_usage_error (context, "--range must be LO:HI with finite LO < HI, "
                                           "not '%s'", range);
          return FALSE;
        }
      request->have_range = TRUE;
    }
  if (slices != NULL)
    {
      if (!evox_voxel_index_parse (slices, request->slices))
        {
          *status = _evox_cli_usage_error (context, "--slice must be X,Y,Z voxel indices, "
                                           "not '%s'", slices);
          return FALSE;
        }
      request->have_slices = TRUE;
    }
  if (!isnan (z_exaggeration) && !(isfinite (z_exaggeration) && z_exaggeration >= 0.01))
    {
      *status = _evox_cli_usage_error (context, "--z-exaggeration must be a number >= 0.01");
      return FALSE;
    }
  return TRUE;
}

/* The document picks the defaults the window would show; the options then override them, in
 * the order the window's controls would: channel, view, mapping (which may reset the range),
 * range, slices. */
static gboolean
apply_request (GOptionContext      *context,
               EvoxDocument        *document,
               const RenderRequest *request,
               const char          *colormap,
               int                 *status)
{
  EvoxVolume *volume = evox_document_get_volume (document);
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  if (request->have_view)
    evox_document_set_view (document, request->view);
  if (request->have_mapping)
    evox_document_set_mapping (document, request->mapping);
  if (colormap != NULL)
    evox_document_set_colormap (document, colormap);
  if (request->have_range)
    {
      if (evox_document_get_transfer (document) == EVOX_TRANSFER_LOG10 && request->lo <= 0)
        {
          *status = _evox_cli_usage_error (context, "--range must be positive for a log "
                                           "mapping of linear values");
          return FALSE;
        }
      evox_document_set_range (document, request->lo, request->hi);
    }
  if (request->have_slices)
    for (guint axis = 0; axis < 3; axis++)
      {
        if (request->slices[axis] >= dims[axis])
          {
            *status = _evox_cli_usage_error (context, "--slice: the %c index %u is outside "
                                             "0..%zu", "XYZ"[axis], request->slices[axis],
                                             dims[axis] - 1);
            return FALSE;
          }
        evox_document_set_slice (document, axis, request->slices[axis]);
      }
  if (!isnan (request->z_exaggeration))
    evox_document_set_z_exaggeration (document, request->z_exaggeration);
  return TRUE;
}

/* The document's composite, when on, to the renderer. */
static void
sync_rgb (EvoxRenderer *renderer,
          EvoxDocument *document)
{
  int channels[3] = { -1, -1, -1 };
  double lo[3] = { 0, 0, 0 }, hi[3] = { 1, 1, 1 };

  for (guint s = 0; s < 3 && evox_document_get_composite (document); s++)
    evox_document_get_composite_slot (document, s, &channels[s], &lo[s], &hi[s]);
  evox_renderer_set_rgb (renderer, channels, lo, hi);
}

/* --rgb CH,CH,CH and --rgb-range LO:HI,LO:HI,LO:HI: the three slots' channels as given (NULL
 * for "-") and ranges (NaN for "-": the default percentiles). Checked before the volume is read;
 * the names are looked up in it later. */
typedef struct
{
  char   *channels[3];
  double  lo[3];
  double  hi[3];
} RgbRequest;

static void
rgb_request_clear (RgbRequest *request)
{
  for (guint s = 0; s < 3; s++)
    g_clear_pointer (&request->channels[s], g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RgbRequest, rgb_request_clear)

static gboolean
parse_rgb (GOptionContext *context,
           const char     *rgb,
           const char     *ranges,
           RgbRequest     *request,
           int            *status)
{
  g_auto(GStrv) names = g_strsplit (rgb, ",", -1);
  gboolean used = FALSE;

  for (guint s = 0; s < 3; s++)
    request->lo[s] = request->hi[s] = NAN;
  if (g_strv_length (names) != 3)
    {
      *status = _evox_cli_usage_error (context, "--rgb must name three channels (label or index, "
                                       "- for none) separated by commas, not '%s'", rgb);
      return FALSE;
    }
  for (guint s = 0; s < 3; s++)
    {
      g_strstrip (names[s]);
      if (*names[s] == '\0')
        {
          *status = _evox_cli_usage_error (context, "--rgb: the %s channel is empty (use - for "
                                           "none)", (const char *[]) { "red", "green",
                                                                        "blue" }[s]);
          return FALSE;
        }
      if (!g_str_equal (names[s], "-"))
        {
          request->channels[s] = g_strdup (names[s]);
          used = TRUE;
        }
    }
  if (!used)
    {
      *status = _evox_cli_usage_error (context, "--rgb needs at least one channel, not '%s'", rgb);
      return FALSE;
    }
  if (ranges != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (ranges, ",", -1);

      if (g_strv_length (parts) != 3)
        {
          *status = _evox_cli_usage_error (context, "--rgb-range must be three LO:HI ranges (- for "
                                           "the default) separated by commas, not '%s'", ranges);
          return FALSE;
        }
      for (guint s = 0; s < 3; s++)
        {
          g_strstrip (parts[s]);
          if (g_str_equal (parts[s], "-"))
            continue;
          if (!parse_range (parts[s], &request->lo[s], &request->hi[s]))
            {
              *status = _evox_cli_usage_error (context, "--rgb-range: '%s' is not LO:HI with "
                                               "finite LO < HI", parts[s]);
              return FALSE;
            }
        }
    }
  return TRUE;
}

/* The slots into the document, the composite on. */
static gboolean
apply_rgb (GOptionContext   *context,
           EvoxDocument     *document,
           const RgbRequest *request,
           int              *status)
{
  EvoxVolume *volume = evox_document_get_volume (document);

  if (evox_volume_get_n_channels (volume) < 2)
    {
      *status = _evox_cli_usage_error (context, "--rgb needs a volume of two or more channels; "
                                       "this one has one");
      return FALSE;
    }
  for (guint s = 0; s < 3; s++)
    {
      int channel = -1;

      if (request->channels[s] != NULL &&
          (channel = _evox_cli_find_channel (volume, request->channels[s], status)) < 0)
        return FALSE;
      evox_document_set_composite_slot (document, s, channel, request->lo[s], request->hi[s]);
    }
  evox_document_set_composite (document, TRUE);
  /* Phases asked for on the command line are meant to show, composite or not. */
  evox_document_set_composite_phases (document, TRUE);
  return TRUE;
}

/* The renderer shows what the document holds, as the window's canvas does. */
static void
configure_renderer (EvoxRenderer *renderer,
                    EvoxDocument *document)
{
  EvoxVolume *volume = evox_document_get_volume (document);
  guint slices[3];
  double lo, hi;
  gsize dims[3];

  evox_volume_get_dims (volume, dims);
  evox_renderer_set_volume (renderer, volume, evox_document_get_channel (document));
  evox_renderer_set_colormap (renderer, evox_document_get_colormap (document));
  evox_renderer_set_mapping (renderer, evox_document_get_mapping (document));
  evox_document_get_range (document, &lo, &hi);
  evox_renderer_set_range (renderer, lo, hi);
  for (guint axis = 0; axis < 3; axis++)
    slices[axis] = evox_document_get_slice (document, axis);
  evox_renderer_set_slices (renderer, slices);
  for (gsize z = 0; z < dims[2]; z++)
    evox_renderer_set_layer_visible (renderer, (guint) z,
                                     evox_document_get_layer_visible (document, (guint) z));
  for (guint i = 0; i < evox_volume_get_n_scans (volume); i++)
    evox_renderer_set_scan_visible (renderer, i, evox_document_get_scan_visible (document, i));
  evox_renderer_set_stack_opacity (renderer, evox_document_get_stack_opacity (document));
  evox_renderer_set_z_exaggeration (renderer, evox_document_get_z_exaggeration (document));
  evox_renderer_set_view (renderer, evox_document_get_view (document));
  /* Phase colours over a composite only when asked for (composite-phases). */
  evox_renderer_set_phases (renderer, evox_document_get_phases (document),
                            evox_document_get_show_phases (document) &&
                            (!evox_document_get_composite (document) ||
                             evox_document_get_composite_phases (document)),
                            evox_document_get_hide_outside_phases (document));
  sync_rgb (renderer, document);
  evox_renderer_set_measurements (renderer, evox_document_get_measurements (document));
  evox_renderer_set_clusters (renderer, evox_document_get_clusters (document));
  evox_renderer_set_volume_style (renderer, evox_document_get_volume_style (document));
  evox_renderer_set_cluster_style (renderer, evox_document_get_show_clusters (document),
                                   evox_document_get_cluster_opacity (document),
                                   evox_document_get_cluster_outlines (document));
  evox_renderer_set_selected_cluster (renderer, evox_document_get_selected_cluster (document));
}

/* "1,3": cluster ids, each 1..65535, at most 65535 of them. */
static GArray *
parse_cluster_ids (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; parts[i] != NULL; i++)
    {
      gint64 id;
      guint value;

      if (!_evox_cli_parse_int (parts[i], 1, G_MAXUINT16, &id))
        return NULL;
      value = (guint) id;
      g_array_append_val (ids, value);
    }
  return ids->len > 0 ? g_steal_pointer (&ids) : NULL;
}

/* --clusters: the labels file (u8 or u16, 0 outside the mask) read as the TIFF it is, checked
 * against the volume's dims, shown at the asked opacity; --only-clusters hides the others. */
static gboolean
add_clusters (GOptionContext *context,
              EvoxDocument   *document,
              const char     *path,
              double          opacity,
              gboolean        outlines,
              GArray         *only,
              guint           selected,
              gboolean        curves,
              int            *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) labels = NULL;
  g_autoptr(EvoxClusters) clusters = NULL;
  gsize dims[3], vdims[3];
  guint k;

  labels = evox_tiff_read (path, NULL, NULL, &error);
  if (labels != NULL)
    {
      evox_volume_get_dims (labels, dims);
      evox_volume_get_dims (evox_document_get_volume (document), vdims);
      if (memcmp (dims, vdims, sizeof dims) != 0)
        {
          *status = _evox_cli_error (EVOX_EXIT_INPUT, "%s: the cluster labels are %zu x %zu x %zu "
                                     "voxels, the volume %zu x %zu x %zu", path, dims[0], dims[1],
                                     dims[2], vdims[0], vdims[1], vdims[2]);
          return FALSE;
        }
      /* The curves are the volume's channels averaged over each cluster. */
      clusters = evox_clusters_new_from_volume (labels,
                                                curves ? evox_document_get_volume (document)
                                                       : NULL, &error);
    }
  if (clusters == NULL)
    {
      /* The reader's messages name the file already. */
      *status = strstr (error->message, path) != NULL
                ? _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message)
                : _evox_cli_error (EVOX_EXIT_INPUT, "%s: %s", path, error->message);
      return FALSE;
    }
  k = evox_clusters_get_k (clusters);
  for (guint i = 0; only != NULL && i < only->len; i++)
    if (g_array_index (only, guint, i) > k)
      {
        *status = _evox_cli_usage_error (context, "--only-clusters: there is no cluster %u in "
                                         "%s (the clusters are 1 to %u)",
                                         g_array_index (only, guint, i), path, k);
        return FALSE;
      }
  if (selected > k)
    {
      *status = _evox_cli_usage_error (context, "--select-cluster: there is no cluster %u in %s "
                                       "(the clusters are 1 to %u)", selected, path, k);
      return FALSE;
    }
  if (only != NULL)
    evox_clusters_show_only (clusters, (const guint *) only->data, only->len);
  evox_document_set_clusters (document, clusters);
  evox_document_set_selected_cluster (document, selected);
  evox_document_set_cluster_opacity (document, opacity);
  evox_document_set_cluster_outlines (document, outlines);
  return TRUE;
}

/* The file's dims and the scale a volume is held at (1 and its own dims when held whole). */
static guint
file_dims (EvoxVolume *volume,
           gsize       dims[3])
{
  guint s = 1;
  EvoxVoxelSource *source = evox_voxel_source_get_attached (volume, &s);

  if (source == NULL || s <= 1)
    {
      evox_volume_get_dims (volume, dims);
      return 1;
    }
  evox_voxel_source_get_dims (source, dims);
  return s;
}

/* With --file-indices, --slice counts the file's voxels: each is taken to the plane of the
 * volume as held whose blocks hold it. */
static gboolean
slices_from_file (GOptionContext *context,
                  EvoxVolume     *volume,
                  RenderRequest  *request,
                  int            *status)
{
  gsize dims[3];
  guint s = file_dims (volume, dims);

  for (guint axis = 0; axis < 3 && request->have_slices; axis++)
    {
      if (request->slices[axis] >= dims[axis])
        {
          *status = _evox_cli_usage_error (context, "--slice: the %c index %u is outside the "
                                           "file's 0..%zu", "XYZ"[axis],
                                           request->slices[axis], dims[axis] - 1);
          return FALSE;
        }
      request->slices[axis] /= s;
    }
  return TRUE;
}

/* The ruler between the centres of the file's voxels start and end (--file-indices), on the
 * plane of the volume as held that holds their shared plane. */
static EvoxMeasurement *
ruler_from_file (EvoxVolume   *volume,
                 const guint   start[3],
                 const guint   end[3],
                 GError      **error)
{
  g_autoptr(EvoxMeasurement) held = NULL;
  double origin[3], spacing[3], a[3], b[3];
  guint held_start[3], held_end[3];
  gsize dims[3];
  guint s = file_dims (volume, dims);

  for (guint i = 0; i < 3; i++)
    if (start[i] >= dims[i] || end[i] >= dims[i])
      {
        g_set_error (error, EVOX_ERROR, EVOX_ERROR_ARGUMENT, "the voxel (%u, %u, %u) is outside "
                     "the file's %zu x %zu x %zu", start[i] >= dims[i] ? start[0] : end[0],
                     start[i] >= dims[i] ? start[1] : end[1],
                     start[i] >= dims[i] ? start[2] : end[2], dims[0], dims[1], dims[2]);
        return NULL;
      }
  for (guint i = 0; i < 3; i++)
    {
      held_start[i] = start[i] / s;
      held_end[i] = end[i] / s;
    }
  /* Its axis and slice, and the checks, as for a ruler of the volume as held. */
  held = evox_measurement_new_from_voxels (volume, held_start, held_end, error);
  if (held == NULL || s == 1)
    return g_steal_pointer (&held);
  evox_volume_get_origin (volume, origin);
  evox_volume_get_spacing (volume, spacing);
  for (guint i = 0; i < 3; i++)
    {
      a[i] = origin[i] + spacing[i] / s * start[i];
      b[i] = origin[i] + spacing[i] / s * end[i];
    }
  return evox_measurement_new (evox_measurement_get_axis (held),
                               evox_measurement_get_slice (held), a, b);
}

/* --ruler: each ruler on its slice, which is shown unless --slice chose the slices. */
static gboolean
add_rulers (GOptionContext *context,
            EvoxDocument   *document,
            char          **rulers,
            gboolean        have_slices,
            gboolean        file_indices,
            int            *status)
{
  for (guint i = 0; rulers != NULL && rulers[i] != NULL; i++)
    {
      g_autoptr(EvoxMeasurement) ruler = NULL;
      g_autoptr(GError) error = NULL;
      guint start[3], end[3];

      if (evox_ruler_spec_parse (rulers[i], start, end, &error))
        ruler = file_indices
                  ? ruler_from_file (evox_document_get_volume (document), start, end, &error)
                  : evox_measurement_new_from_voxels (evox_document_get_volume (document), start,
                                                      end, &error);
      if (ruler == NULL)
        {
          *status = _evox_cli_usage_error (context, "--ruler: %s", error->message);
          return FALSE;
        }
      if (!have_slices)
        evox_document_set_slice (document, evox_measurement_get_axis (ruler),
                                 evox_measurement_get_slice (ruler));
      evox_measurement_list_append (evox_document_get_measurements (document), ruler);
    }
  return TRUE;
}

static int
render_error (const char   *out,
              const GError *error)
{
  g_autofree char *one_line = g_strdelimit (g_strdup (error->message), "\n\r", ' ');

  fprintf (stderr, "evox: cannot render %s: %s\n", out, one_line);
  return EVOX_EXIT_INPUT;
}

static guint8 *
render (EvoxDocument        *document,
        const RenderRequest *request,
        gboolean             transparent,
        EvoxOverlayGeometry *geometry,
        GError             **error)
{
  g_autoptr(EvoxGlContext) gl = NULL;
  g_autoptr(EvoxRenderer) renderer = NULL;
  guint8 *pixels;

  gl = evox_gl_context_new_headless (error);
  if (gl == NULL)
    return NULL;
  renderer = evox_renderer_new ();
  if (!evox_renderer_realize (renderer, error))
    return NULL;
  configure_renderer (renderer, document);
  evox_renderer_get_overlay_geometry (renderer, request->width, request->height, geometry);
  /* Framed as a window of the image's own size shows it: the figure is the view, not a crop. */
  pixels = evox_renderer_render_image (renderer, request->width, request->height,
                                       request->width, request->height, transparent, error);
  /* GL objects go while the context is still current. */
  evox_renderer_unrealize (renderer);
  return pixels;
}

/* The file's index of index k of a volume held at 1:s along an axis of n file voxels: the middle
 * plane of its blocks (mid: the plane a zoomed-in slice of it reads) or the first, whose centre
 * is at the same nm as k's. */
static guint
file_index (guint    k,
            guint    s,
            gsize    n,
            gboolean mid)
{
  return (guint) MIN ((guint64) k * s + (mid ? s / 2 : 0), (guint64) n - 1);
}

/* The session's "figure" record: the options the figure was drawn with, as typed (without
 * the input, the reading options, -o, --session and --force), and its format, which
 * `evox apply` draws again for each sample. Its "voxel-indices": "file" says that --slice and
 * --ruler count the file's voxels (apply passes --file-indices): for a volume held at 1:S they
 * are written so, a slice k as the file's plane k S + S / 2, a ruler's ends at the file's
 * voxels whose centres are theirs, on that plane of their slice. */
static JsonObject *
figure_record_new (int                 argc,
                   char              **argv,
                   const GOptionEntry *entries,
                   const char         *out,
                   EvoxVolume         *volume,
                   const RenderRequest *request,
                   char              **rulers,
                   gboolean            file_indices)
{
  static const char *const drop[] = { "output", "session", "force", "file-indices", NULL };
  static const char *const drop_indices[] = { "output", "session", "force", "file-indices",
                                              "slice", "ruler", NULL };
  static const char *const formats[] = { ".png", ".tif", ".svg", ".pdf" };
  JsonObject *record = _evox_cli_record_new ();
  gsize dims[3];
  guint s = file_dims (volume, dims);
  gboolean convert = s > 1 && !file_indices;
  g_autoptr (GPtrArray) options = _evox_cli_typed_options (argc, argv, entries,
                                                           convert ? drop_indices : drop);
  JsonArray *array = json_array_new ();
  const char *format = "png";

  for (guint i = 0; i < options->len; i++)
    json_array_add_string_element (array, options->pdata[i]);
  if (convert && request->have_slices)
    {
      g_autofree char *value = g_strdup_printf ("%u,%u,%u",
                                                file_index (request->slices[0], s, dims[0], TRUE),
                                                file_index (request->slices[1], s, dims[1], TRUE),
                                                file_index (request->slices[2], s, dims[2], TRUE));

      json_array_add_string_element (array, "--slice");
      json_array_add_string_element (array, value);
    }
  for (guint r = 0; convert && rulers != NULL && rulers[r] != NULL; r++)
    {
      g_autofree char *value = NULL;
      guint start[3], end[3], a[3], b[3], axis;

      /* Checked when the ruler was drawn. */
      if (!evox_ruler_spec_parse (rulers[r], start, end, NULL))
        g_assert_not_reached ();
      axis = start[2] == end[2] ? 2 : start[1] == end[1] ? 1 : 0;
      for (guint i = 0; i < 3; i++)
        {
          a[i] = file_index (start[i], s, dims[i], i == axis);
          b[i] = file_index (end[i], s, dims[i], i == axis);
        }
      value = g_strdup_printf ("%u,%u,%u:%u,%u,%u", a[0], a[1], a[2], b[0], b[1], b[2]);
      json_array_add_string_element (array, "--ruler");
      json_array_add_string_element (array, value);
    }
  json_object_set_string_member (record, "voxel-indices", "file");
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (_evox_cli_has_suffix_nocase (out, formats[i]))
      format = formats[i] + 1;
  if (_evox_cli_has_suffix_nocase (out, ".tiff"))
    format = "tif";
  json_object_set_string_member (record, "format", format);
  json_object_set_array_member (record, "options", array);
  return record;
}

/* A volume held at 1:S: the slices (2D and in 3D) read the file's planes where a reduced voxel
 * would span more than a pixel and the rays read the file's bricks, so the picture needs no
 * warning; what the figure takes from the reduced volume (parts, which may be empty) does. */
static void
warn_reduced (EvoxVolume *volume,
              const char *name,
              GPtrArray  *parts)
{
  g_autoptr(GString) what = NULL;
  guint s = evox_volume_get_reduction (volume);

  if (s <= 1 || parts->len == 0)
    return;
  what = g_string_new (NULL);
  g_string_printf (what, "in this figure, from the 1:%u volume: ", s);
  for (guint i = 0; i < parts->len; i++)
    g_string_append_printf (what, "%s%s", i == 0 ? "" : i + 1 < parts->len ? ", " : " and ",
                            (const char *) parts->pdata[i]);
  g_string_append (what, " (the slices and rays read the file's voxels where they show them "
                   "larger than a pixel)");
  _evox_cli_warn_reduced (volume, name, what->str);
}

int
_evox_cli_render (int    argc,
                  char **argv)
{
  g_auto(EvoxCliInput) input;
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE -o OUT.png");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxDocument) document = NULL;
  g_autofree guint8 *pixels = NULL;
  g_autofree char *out = NULL;
  g_autofree char *size = NULL;
  g_autofree char *view = NULL;
  g_autofree char *colormap = NULL;
  g_autofree char *range = NULL;
  g_autofree char *mapping = NULL;
  g_autofree char *slices = NULL;
  g_autofree char *channel_name = NULL;
  g_autofree char *title = NULL;
  g_auto(GStrv) phase_specs = NULL;
  g_auto(GStrv) rulers = NULL;
  g_autofree char *clusters_path = NULL;
  g_autofree char *session = NULL;
  g_autofree char *only_clusters = NULL;
  g_autoptr(GArray) only = NULL;
  double cluster_opacity = NAN;
  int select_cluster = 0;
  gboolean cluster_outlines = FALSE;
  gboolean cluster_curves = FALSE;
  g_autoptr(EvoxCurveFigure) figure = NULL;
  g_autofree char *rgb = NULL;
  g_autofree char *rgb_range = NULL;
  gboolean no_legend = FALSE;
  OverlayRequest overlay_request = { .font_size = NAN };
  g_autofree char *scale_bar_length = NULL;
  g_autofree char *font_size_text = NULL;
  g_auto(GStrv) labels = NULL;
  g_autoptr(EvoxFigure) overlays_figure = NULL;
  EvoxOverlayGeometry geometry;
  double overlay_scale;
  g_auto(RgbRequest) rgb_request = { { NULL } };
  int out_width = 0;
  double z_exaggeration = NAN;
  gboolean transparent = FALSE, force = FALSE, hide_outside = FALSE, with_provenance = FALSE;
  gboolean file_indices = FALSE;
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  /* The options as typed, for the session's "figure" record: parsing takes them out. */
  g_auto (GStrv) typed = g_strdupv (argv);
  int typed_argc = argc;
  g_autofree char *provenance = NULL;
  RenderRequest request;
  g_auto(EvoxCliVolumeRequest) volume_request = { NULL };
  const char *in;
  int status, channel;
  gboolean parsed;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "The figure to write: .png, .tif or .tiff (the overlays in the pixels), .svg or .pdf "
      "(the picture as an image, the overlays as vector lines and text; a pixel is 1/96 inch) "
      "(required)", "OUT" },
    { "size", 's', 0, G_OPTION_ARG_STRING, &size,
      "Image size in pixels, each side 1 to 16384 (default 1600x1200)", "WxH" },
    { "view", 0, 0, G_OPTION_ARG_STRING, &view,
      "xyz (three slices in 3D), x, y, z (one flat slice), stack (every layer), quad (the "
      "z, y and x slices and the 3D view in 2x2) or volume (ray cast, see --mode)", "VIEW" },
    EVOX_CLI_VOLUME_OPTION_ENTRIES (&volume_request),
    { "colormap", 0, 0, G_OPTION_ARG_STRING, &colormap, "Colour map (default viridis)", "NAME" },
    { "range", 0, 0, G_OPTION_ARG_STRING, &range,
      "Display range in stored values, log10 numbers for log10 data (default: the data range)",
      "LO:HI" },
    { "mapping", 0, 0, G_OPTION_ARG_STRING, &mapping,
      "Colour scale (default log for log10 data and for positive data over three decades)",
      "linear|log" },
    { "slice", 0, 0, G_OPTION_ARG_STRING, &slices,
      "Voxel indices of the three slices (default the middle)", "X,Y,Z" },
    { "z-exaggeration", 0, 0, G_OPTION_ARG_DOUBLE, &z_exaggeration,
      "Stretch of the depth axis (default: enough for the depth to show)", "F" },
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel_name, "Channel label or index", "C" },
    { "phase", 0, 0, G_OPTION_ARG_STRING_ARRAY, &phase_specs,
      "Colour the voxels with LO <= value <= HI over the colour map (stored values; colour "
      "optional; OPACITY from 0 to 1, default 0.7, 1 for the colour alone; auto:N for N phases "
      "from Otsu; repeat)", "NAME=LO:HI[:#rrggbb[:OPACITY]]" },
    { "ruler", 0, 0, G_OPTION_ARG_STRING_ARRAY, &rulers,
      "A ruler (with its length) between the centres of two voxels that share an x, y or z "
      "index, drawn in the 2D views and panes and on the slice in 3D; its slice is shown unless "
      "--slice is given (repeat)", "X0,Y0,Z0:X1,Y1,Z1" },
    { "clusters", 0, 0, G_OPTION_ARG_FILENAME, &clusters_path,
      "Colour each voxel by its cluster in LABELS (a u8 or u16 TIFF of the volume's dims, 0 "
      "outside the mask, as `evox cluster --labels` writes), over the colour map and phases",
      "LABELS.tif" },
    { "cluster-opacity", 0, 0, G_OPTION_ARG_DOUBLE, &cluster_opacity,
      "How much of a cluster's colour covers its voxels, 0 to 1 (default 0.6)", "A" },
    { "cluster-outlines", 0, 0, G_OPTION_ARG_NONE, &cluster_outlines,
      "Draw the boundaries between clusters in each slice, opaque, in a darker shade of the "
      "cluster's colour", NULL },
    { "only-clusters", 0, 0, G_OPTION_ARG_STRING, &only_clusters,
      "Show these clusters only (ids from 1)", "ID,ID..." },
    { "select-cluster", 0, 0, G_OPTION_ARG_INT, &select_cluster,
      "Emphasise this cluster as the viewer shows a selected one: the others at a quarter of "
      "the opacity", "ID" },
    { "cluster-curves", 0, 0, G_OPTION_ARG_NONE, &cluster_curves,
      "Draw each shown cluster's mean curve over the volume's channels with a band of +-1 std "
      "beside the figure, as high as the figure (the image grows by the plot's width)", NULL },
    { "rgb", 0, 0, G_OPTION_ARG_STRING, &rgb,
      "An RGB composite: the channels (label or index, - for none) shown in red, green and "
      "blue, each scaled from its range; a legend goes in the top-left corner", "R,G,B" },
    { "rgb-range", 0, 0, G_OPTION_ARG_STRING, &rgb_range,
      "The composite's ranges in stored values (- for a channel's 1st to 99th percentile, the "
      "default)", "LO:HI,LO:HI,LO:HI" },
    { "no-legend", 0, 0, G_OPTION_ARG_NONE, &no_legend,
      "Leave the RGB composite's legend out (it is shown by default with --rgb)", NULL },
    { "scale-bar", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, on_scale_bar,
      "A scale bar, LENGTH long (500nm, 2um, 2.5 um, 1mm; a bare number is nm), by default "
      "the 1-2-5 length nearest a fifth of the view's width; exact in the 2D views (x, y, z, "
      "and the z pane of quad: it measures the image's horizontal), at the focal point in 3D "
      "views (labelled \"at focus\"); needs the voxel size", "LENGTH" },
    { "colorbar", 0, 0, G_OPTION_ARG_NONE, &overlay_request.colorbar,
      "A colour bar of the colour map over the range, titled with the quantity and unit, "
      "ticked at 1-2-5 steps (linear) or decades (log)", NULL },
    { "legend", 0, 0, G_OPTION_ARG_NONE, &overlay_request.legend,
      "A legend: each shown phase or cluster (colour, name, volume fraction), or the RGB "
      "composite's channels", NULL },
    { "axes", 0, 0, G_OPTION_ARG_NONE, &overlay_request.axes,
      "The orientation triad of the volume's x (red), y (green) and z (blue) axes", NULL },
    { "label", 0, 0, G_OPTION_ARG_STRING_ARRAY, &labels,
      "A text label with its box's top left at fractions X, Y of the room it has (0,0 the "
      "top-left corner, 1,1 the bottom-right; repeat)", "TEXT@X,Y" },
    { "font-size", 0, 0, G_OPTION_ARG_STRING, &font_size_text,
      "The overlays' text size in pixels of the view (default 14). The view is the image up to "
      "800 pixels high; a taller image is an 800-pixel-high view enlarged, and the overlays' "
      "text, lines and margins grow with it", "PX" },
    { "hide-outside", 0, 0, G_OPTION_ARG_NONE, &hide_outside,
      "Leave out the voxels in no phase (needs --phase)", NULL },
    { "transparent", 0, 0, G_OPTION_ARG_NONE, &transparent,
      "Leave the background transparent (alpha 0)", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace OUT if it exists", NULL },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &session,
      "Also save what was drawn as a session (input, reading options, display, phases, "
      "rulers, overlays) for the window and evox apply", "OUT.evox" },
    { "file-indices", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &file_indices,
      "--slice and --ruler count the file's voxels, also for a file held at 1:S (evox apply "
      "passes it for a figure record that says so)", NULL },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &with_provenance,
      "Put Evox's version, the input and its SHA-256 and this command in the file's metadata: "
      "PNG Description text, TIFF ImageDescription, SVG <metadata>, PDF Subject", NULL },
    { NULL }
  };

  overlay_request_for_callback = &overlay_request;
  g_clear_pointer (&scale_bar_text, g_free);
  parsed = _evox_cli_parse (context,
      "Draw a volume as the viewer shows it, without a display (EGL, Mesa's surfaceless\n"
      "platform), and write the figure as PNG or TIFF with alpha, or as SVG or PDF, with the\n"
      "overlays asked for. Options not given keep the viewer's defaults for the volume.",
      entries, &input, &argc, &argv, 0, &status);
  scale_bar_length = g_steal_pointer (&scale_bar_text);
  overlay_request_for_callback = NULL;
  if (!parsed)
    return status;
  in = input.demo ? NULL : argv[1];
  if (out == NULL)
    return _evox_cli_usage_error (context, "-o OUT is required");
  if (evox_figure_format_from_path (out) == EVOX_FIGURE_FORMAT_UNKNOWN)
    return _evox_cli_usage_error (context, "OUT must end in .png, .tif, .tiff, .svg or .pdf: "
                                  "'%s'", out);
  if (!check_overlays (context, scale_bar_length, font_size_text, &overlay_request, labels,
                       &status))
    return status;
  if (!parse_request (context, size, view, colormap, range, mapping, slices, z_exaggeration,
                      &request, &status))
    return status;
  if (!_evox_cli_volume_request_check (context, &volume_request,
                                       request.have_view && request.view == EVOX_VIEW_VOLUME,
                                       phase_specs != NULL, clusters_path != NULL, &status))
    return status;
  if (hide_outside && phase_specs == NULL)
    return _evox_cli_usage_error (context, "--hide-outside needs at least one --phase");
  if (clusters_path == NULL && (!isnan (cluster_opacity) || cluster_outlines ||
                                only_clusters != NULL || cluster_curves || select_cluster != 0))
    return _evox_cli_usage_error (context, "--cluster-opacity, --cluster-outlines, "
                                  "--only-clusters, --select-cluster and --cluster-curves need "
                                  "--clusters LABELS");
  if (rgb == NULL && (rgb_range != NULL || no_legend))
    return _evox_cli_usage_error (context, "--rgb-range and --no-legend need --rgb");
  if (rgb != NULL && !parse_rgb (context, rgb, rgb_range, &rgb_request, &status))
    return status;
  if (no_legend && overlay_request.legend)
    return _evox_cli_usage_error (context, "--legend and --no-legend contradict each other");
  /* The figure draws no colour bar over a composite: asked for, it would vanish silently. */
  if (rgb != NULL && overlay_request.colorbar)
    return _evox_cli_usage_error (context, "--colorbar: an RGB composite has no colour bar (its "
                                  "legend gives each channel's range)");
  /* The composite's legend is the legend item, shown unless --no-legend says otherwise. */
  if (rgb != NULL && !no_legend)
    overlay_request.legend = TRUE;
  if (cluster_curves && evox_figure_format_from_path (out) >= EVOX_FIGURE_FORMAT_SVG)
    return _evox_cli_usage_error (context, "--cluster-curves writes PNG or TIFF figures only");
  if (select_cluster < 0)
    return _evox_cli_usage_error (context, "--select-cluster must be a cluster id from 1");
  if (!isnan (cluster_opacity) && !(cluster_opacity >= 0 && cluster_opacity <= 1))
    return _evox_cli_usage_error (context, "--cluster-opacity must be a number from 0 to 1");
  if (only_clusters != NULL && (only = parse_cluster_ids (only_clusters)) == NULL)
    return _evox_cli_usage_error (context, "--only-clusters must be cluster ids from 1, "
                                  "separated by commas, not '%s'", only_clusters);
  for (guint i = 0; rulers != NULL && rulers[i] != NULL; i++)
    {
      guint start[3], end[3];

      if (!evox_ruler_spec_parse (rulers[i], start, end, &error))
        return _evox_cli_usage_error (context, "--ruler: %s", error->message);
    }
  if (!force && g_file_test (out, G_FILE_TEST_EXISTS))
    {
      fprintf (stderr, "evox: %s: exists already (use --force to replace it)\n", out);
      return EVOX_EXIT_INPUT;
    }
  /* Clusters from a label file have no run a session could make again. */
  if (session != NULL && clusters_path != NULL)
    return _evox_cli_usage_error (context, "--session: clusters read from a label volume cannot "
                                  "be made again from a session; leave out --clusters");
  if (session != NULL &&
      !_evox_cli_check_outputs ((EvoxCliOutput[]) { { "-o", out }, { "--session", session } },
                                2, in, force, &status))
    return status;

  input.reads_reduced = TRUE;
  volume = _evox_cli_input_load (&input, in, &status);
  if (volume == NULL)
    return status;
  if ((channel = _evox_cli_find_channel (volume, channel_name, &status)) < 0)
    return status;
  if (file_indices && !slices_from_file (context, volume, &request, &status))
    return status;

  document = evox_document_new ();
  title = in != NULL ? g_path_get_basename (in) : g_strdup ("Demo");
  evox_document_set_volume (document, volume, title, in);
  evox_document_set_channel (document, (guint) channel);
  if (!_evox_cli_parse_phases (evox_document_get_phases (document), volume, (guint) channel,
                               phase_specs, TRUE, &status))
    return status;
  if (evox_phase_list_get_n_phases (evox_document_get_phases (document)) >
      EVOX_RENDERER_MAX_PHASES)
    return _evox_cli_usage_error (context, "--phase: at most %d phases are drawn",
                                  EVOX_RENDERER_MAX_PHASES);
  evox_document_set_hide_outside_phases (document, hide_outside);
  if (!apply_request (context, document, &request, colormap, &status))
    return status;
  if (rgb != NULL && !apply_rgb (context, document, &rgb_request, &status))
    return status;
  if (!add_rulers (context, document, rulers, request.have_slices, file_indices, &status))
    return status;
  if (clusters_path != NULL &&
      !add_clusters (context, document, clusters_path,
                     isnan (cluster_opacity) ? 0.6 : cluster_opacity, cluster_outlines, only,
                     (guint) select_cluster, cluster_curves, &status))
    return status;
  if (evox_document_get_view (document) == EVOX_VIEW_VOLUME)
    _evox_cli_volume_request_apply (&volume_request, document);
  if (cluster_curves)
    {
      figure = evox_curve_figure_new_from_clusters (evox_document_get_clusters (document));
      /* new_from_volume gives every channel a curve, so only hiding every cluster leaves none. */
      if (figure == NULL)
        return _evox_cli_usage_error (context, "--cluster-curves: no cluster is shown");
    }

  apply_overlays (document, &overlay_request, labels);
  {
    g_autoptr(GPtrArray) parts = g_ptr_array_new ();
    gboolean otsu = FALSE;

    for (guint i = 0; phase_specs != NULL && phase_specs[i] != NULL; i++)
      otsu = otsu || g_str_has_prefix (phase_specs[i], "auto:");
    if (!request.have_range && rgb == NULL)
      g_ptr_array_add (parts, "the display range");
    if (rgb != NULL && rgb_range == NULL)
      g_ptr_array_add (parts, "the RGB composite's ranges");
    if (evox_document_get_view (document) == EVOX_VIEW_STACK)
      g_ptr_array_add (parts, "the layer stack");
    if (otsu)
      g_ptr_array_add (parts, "the phases of --phase auto:N");
    if (overlay_request.legend && rgb == NULL)
      g_ptr_array_add (parts, "the legend's volume fractions");
    if (clusters_path != NULL)
      g_ptr_array_add (parts, "the clusters (LABELS has its dims)");
    if ((request.have_slices || rulers != NULL) && !file_indices)
      g_ptr_array_add (parts, "the voxel indices of --slice and --ruler");
    warn_reduced (volume, in, parts);
  }

  pixels = render (document, &request, transparent, &geometry, &error);
  if (pixels == NULL)
    return render_error (out, error);
  overlays_figure = evox_figure_new_from_document (document, &geometry);
  overlay_scale = MAX (1.0, (double) request.height / VIEW_HEIGHT);
  if (overlay_request.scale_bar)
    {
      g_autofree char *label = NULL;
      double bar[4];

      if (!_evox_figure_get_scale_bar (overlays_figure, request.width, request.height,
                                       overlay_scale, NULL, &label, bar))
        return _evox_cli_usage_error (context, "--scale-bar needs the voxel size, which %s does "
                                      "not give (set it with --voxel-size)",
                                      in != NULL ? in : "the demo");
      /* A bar that leaves the image is a typo in the length (1mm for 1um), not a figure. */
      if (bar[2] > request.width)
        return _evox_cli_usage_error (context, "--scale-bar: %s is %.0f pixels long, wider than "
                                      "the %d-pixel image", label, bar[2], request.width);
    }
  if (overlay_request.legend && !(rgb != NULL && !no_legend) &&
      !evox_figure_get_item_rect (overlays_figure, EVOX_OVERLAY_LEGEND, request.width,
                                  request.height, overlay_scale, (double[4]) { 0 }))
    return _evox_cli_usage_error (context, "--legend: nothing to list (give --phase, --clusters "
                                  "or --rgb)");
  if (session != NULL &&
      !_evox_cli_save_session_with (document, "figure",
                                    figure_record_new (typed_argc, typed, entries, out, volume,
                                                       &request, rulers, file_indices),
                                    session, force, &status))
    return status;
  if (figure != NULL)
    {
      guint8 *joined;

      /* The overlays go on the picture; the curves' plot beside it has its own axes. */
      if (!_evox_figure_draw_onto (overlays_figure, pixels, request.width, request.height,
                                   overlay_scale))
        {
          fprintf (stderr, "evox: cannot render %s: out of memory for the overlays\n", out);
          return EVOX_EXIT_INPUT;
        }
      joined = evox_curve_figure_attach (figure, pixels, request.width, request.height,
                                         transparent, &out_width);
      if (joined == NULL)
        {
          fprintf (stderr, "evox: cannot render %s: the cluster curves cannot be drawn %d "
                   "pixels high (cairo's limit or memory)\n", out, request.height);
          return EVOX_EXIT_INPUT;
        }
      g_free (pixels);
      pixels = joined;
      if (with_provenance)
        {
          g_autofree char *operation = g_strconcat ("evox ", command, NULL);

          provenance = evox_provenance_record (in, operation);
        }
      if (!evox_image_write_with_provenance (out, pixels, out_width, request.height,
                                             force ? EVOX_IMAGE_WRITE_OVERWRITE
                                                   : EVOX_IMAGE_WRITE_NONE, provenance, &error))
        return _evox_cli_input_error (error);
      return EVOX_EXIT_OK;
    }
  if (with_provenance)
    {
      g_autofree char *operation = g_strconcat ("evox ", command, NULL);

      provenance = evox_provenance_record (in, operation);
      evox_figure_set_provenance (overlays_figure, provenance);
    }
  if (!evox_figure_write (overlays_figure, out, pixels, request.width, request.height,
                          overlay_scale, force ? EVOX_IMAGE_WRITE_OVERWRITE : EVOX_IMAGE_WRITE_NONE,
                          &error))
    {
      if (session != NULL)
        g_unlink (session);
      return _evox_cli_input_error (error);
    }
  return EVOX_EXIT_OK;
}

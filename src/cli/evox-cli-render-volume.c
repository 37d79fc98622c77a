/* evox-cli-render-volume.c: `evox render`'s options for the Volume view, checked and applied. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>

#include "evox-cli-render-volume.h"
#include "evox-cli-private.h"

#define DEFAULT_BOX_OPACITY 0.1

void
_evox_cli_volume_request_clear (EvoxCliVolumeRequest *request)
{
  g_clear_pointer (&request->mode, g_free);
  g_clear_pointer (&request->opacity, g_free);
  g_clear_pointer (&request->iso, g_free);
  g_clear_pointer (&request->source, g_free);
  g_clear_pointer (&request->clip, g_free);
}

/* "LO:HI" or "LO:HI:A"; *alpha is left alone without A. */
static gboolean
parse_opacity (const char *text,
               double     *lo,
               double     *hi,
               double     *alpha)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);
  guint n = g_strv_length (parts);

  return (n == 2 || n == 3) && _evox_cli_parse_double (parts[0], lo) &&
         _evox_cli_parse_double (parts[1], hi) &&
         (n == 2 || _evox_cli_parse_double (parts[2], alpha));
}

/* "X0:X1,Y0:Y1,Z0:Z1", each 0 <= lo < hi <= 1. */
static gboolean
parse_clip (const char *text,
            double      lo[3],
            double      hi[3])
{
  g_auto(GStrv) axes = g_strsplit (text, ",", -1);

  if (g_strv_length (axes) != 3)
    return FALSE;
  for (guint a = 0; a < 3; a++)
    {
      g_auto(GStrv) ends = g_strsplit (axes[a], ":", -1);

      if (g_strv_length (ends) != 2 || !_evox_cli_parse_double (ends[0], &lo[a]) ||
          !_evox_cli_parse_double (ends[1], &hi[a]) ||
          !(lo[a] >= 0 && lo[a] < hi[a] && hi[a] <= 1))
        return FALSE;
    }
  return TRUE;
}

/* The first volume option given, for the message when --view volume is missing. */
static const char *
first_given (const EvoxCliVolumeRequest *request)
{
  if (request->mode != NULL)
    return "--mode";
  if (request->opacity != NULL)
    return "--opacity";
  if (request->iso != NULL)
    return "--iso";
  if (request->source != NULL)
    return "--source";
  if (request->clip != NULL)
    return "--clip";
  if (request->show_slices)
    return "--show-slices";
  return NULL;
}

gboolean
_evox_cli_volume_request_check (GOptionContext       *context,
                                EvoxCliVolumeRequest *request,
                                gboolean              volume_view,
                                gboolean              have_phases,
                                gboolean              have_clusters,
                                int                  *status)
{
  const char *given = first_given (request);

  request->mode_value = EVOX_RAY_COMPOSITE;
  request->opacity_alpha = DEFAULT_BOX_OPACITY;
  request->iso_level = NAN;
  request->source_value = EVOX_VOLUME_SOURCE_COLORMAP;
  for (guint a = 0; a < 3; a++)
    {
      request->clip_lo[a] = 0;
      request->clip_hi[a] = 1;
    }

  /* Silently drawing slices for --mode mip would look like a bug, so these options ask for the
   * view rather than imply it. */
  if (given != NULL && !volume_view)
    {
      *status = _evox_cli_usage_error (context, "%s is an option of the Volume view: add "
                                       "--view volume", given);
      return FALSE;
    }
  if (request->mode != NULL && !evox_ray_mode_from_string (request->mode, &request->mode_value))
    {
      *status = _evox_cli_usage_error (context, "--mode must be composite, mip, minip, mean or "
                                       "iso, not '%s'", request->mode);
      return FALSE;
    }
  if (request->iso != NULL)
    {
      if (!_evox_cli_parse_double (request->iso, &request->iso_level))
        {
          *status = _evox_cli_usage_error (context, "--iso must be a finite number (a stored "
                                           "value), not '%s'", request->iso);
          return FALSE;
        }
      if (request->mode != NULL && request->mode_value != EVOX_RAY_ISO)
        {
          *status = _evox_cli_usage_error (context, "--iso is the level of --mode iso, not of "
                                           "--mode %s",
                                           evox_ray_mode_to_string (request->mode_value));
          return FALSE;
        }
      request->mode_value = EVOX_RAY_ISO;
    }
  if (request->source != NULL)
    {
      if (g_str_equal (request->source, "colormap"))
        request->source_value = EVOX_VOLUME_SOURCE_COLORMAP;
      else if (g_str_equal (request->source, "phases"))
        request->source_value = EVOX_VOLUME_SOURCE_PHASES;
      else if (g_str_equal (request->source, "clusters"))
        request->source_value = EVOX_VOLUME_SOURCE_CLUSTERS;
      else
        {
          *status = _evox_cli_usage_error (context, "--source must be colormap, phases or "
                                           "clusters, not '%s'", request->source);
          return FALSE;
        }
      if (request->source_value == EVOX_VOLUME_SOURCE_PHASES && !have_phases)
        {
          *status = _evox_cli_usage_error (context, "--source phases needs at least one --phase");
          return FALSE;
        }
      if (request->source_value == EVOX_VOLUME_SOURCE_CLUSTERS && !have_clusters)
        {
          *status = _evox_cli_usage_error (context, "--source clusters needs --clusters LABELS");
          return FALSE;
        }
    }
  if (request->opacity != NULL)
    {
      if (!parse_opacity (request->opacity, &request->opacity_lo, &request->opacity_hi,
                          &request->opacity_alpha))
        {
          *status = _evox_cli_usage_error (context, "--opacity must be LO:HI or LO:HI:A with "
                                           "finite numbers, not '%s'", request->opacity);
          return FALSE;
        }
      if (request->opacity_lo > request->opacity_hi)
        {
          *status = _evox_cli_usage_error (context, "--opacity: LO must not exceed HI in '%s'",
                                           request->opacity);
          return FALSE;
        }
      if (!(request->opacity_alpha >= 0 && request->opacity_alpha <= 1))
        {
          *status = _evox_cli_usage_error (context, "--opacity: the opacity A must be from 0 "
                                           "to 1 in '%s'", request->opacity);
          return FALSE;
        }
      /* Only composite rays absorb: the projections and iso draw no opacity, so a curve there
       * would be ignored (as --iso is refused outside iso). */
      if (request->mode_value != EVOX_RAY_COMPOSITE)
        {
          *status = _evox_cli_usage_error (context, "--opacity is the curve of --mode composite; "
                                           "--mode %s draws no opacity",
                                           evox_ray_mode_to_string (request->mode_value));
          return FALSE;
        }
      /* The curve colours nothing but the colour map; a phase or cluster brings its own. */
      if (request->source_value != EVOX_VOLUME_SOURCE_COLORMAP)
        {
          *status = _evox_cli_usage_error (context, "--opacity is the colour map's curve; "
                                           "with --source %s the %s bring their own opacities",
                                           request->source, request->source);
          return FALSE;
        }
    }
  if (request->clip != NULL && !parse_clip (request->clip, request->clip_lo, request->clip_hi))
    {
      *status = _evox_cli_usage_error (context, "--clip must be X0:X1,Y0:Y1,Z0:Z1 with 0 <= "
                                       "lo < hi <= 1 on each axis, not '%s'", request->clip);
      return FALSE;
    }
  return TRUE;
}

void
_evox_cli_volume_request_apply (const EvoxCliVolumeRequest *request,
                                EvoxDocument               *document)
{
  EvoxVolumeStyle *style = evox_document_get_volume_style (document);
  double lo, hi;

  evox_document_get_range (document, &lo, &hi);
  evox_volume_style_set_mode (style, request->mode_value);
  evox_volume_style_set_source (style, request->source_value);
  /* The default curve over the range the figure shows, --range included. */
  if (request->opacity != NULL)
    evox_volume_style_set_box (style, request->opacity_lo, request->opacity_hi,
                               request->opacity_alpha);
  else
    evox_volume_style_reset_points (style, lo, hi);
  evox_volume_style_set_iso_level (style, isnan (request->iso_level) ? 0.5 * (lo + hi)
                                                                    : request->iso_level);
  evox_volume_style_set_clip (style, request->clip_lo, request->clip_hi);
  evox_volume_style_set_show_slices (style, request->show_slices);
}

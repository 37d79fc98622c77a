/* evox-cli-render-volume.h: `evox render`'s options for the Volume view (--mode, --opacity...). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

#include "evox-document.h"
#include "evox-volume-style.h"

G_BEGIN_DECLS

/* The options as given (strings; NULL or FALSE when absent) and, once checked, their values. */
typedef struct
{
  char            *mode;
  char            *opacity;
  char            *iso;
  char            *source;
  char            *clip;
  gboolean         show_slices;

  EvoxRayMode      mode_value;
  double           opacity_lo;
  double           opacity_hi;
  double           opacity_alpha;
  double           iso_level;
  EvoxVolumeSource source_value;
  double           clip_lo[3];
  double           clip_hi[3];
} EvoxCliVolumeRequest;

/* The option entries, to put in `evox render`'s table. */
#define EVOX_CLI_VOLUME_OPTION_ENTRIES(request) \
  { "mode", 0, 0, G_OPTION_ARG_STRING, &(request)->mode, \
    "How rays of the Volume view combine samples: composite (emission and absorption through " \
    "the opacity curve, the default), mip (maximum), minip (minimum), mean or iso (the first " \
    "crossing of --iso, shaded); needs --view volume", "MODE" }, \
  { "opacity", 0, 0, G_OPTION_ARG_STRING, &(request)->opacity, \
    "The Volume view's opacity curve: A per voxel length (0 to 1, default 0.1) for LO <= value " \
    "<= HI in stored values (log10 numbers for log10 data, as --range), clear outside; without " \
    "it 0 at the display range's low end rising to 0.1 at its high end (--mode composite only)", \
    "LO:HI[:A]" }, \
  { "iso", 0, 0, G_OPTION_ARG_STRING, &(request)->iso, \
    "The level (stored value) whose first crossing --mode iso draws; implies --mode iso " \
    "(default: the middle of the display range)", "LEVEL" }, \
  { "source", 0, 0, G_OPTION_ARG_STRING, &(request)->source, \
    "Where the Volume view's colours come from: colormap (with --opacity, the default), " \
    "phases (each --phase its colour and opacity, the rest clear) or clusters (each cluster " \
    "of --clusters its colour at --cluster-opacity, the mask clear)", \
    "colormap|phases|clusters" }, \
  { "clip", 0, 0, G_OPTION_ARG_STRING, &(request)->clip, \
    "Draw only the part of the volume inside this box, as fractions 0 to 1 of its extent on " \
    "each axis", "X0:X1,Y0:Y1,Z0:Z1" }, \
  { "show-slices", 0, 0, G_OPTION_ARG_NONE, &(request)->show_slices, \
    "Draw the three slices inside the Volume view too", NULL }

void     _evox_cli_volume_request_clear (EvoxCliVolumeRequest *request);

/* Checks the options before the volume is read: their syntax and ranges, and that they come
 * with --view volume (volume_view), --phase (have_phases) and --clusters (have_clusters) as
 * they need. Prints why and sets status (usage) when not. */
gboolean _evox_cli_volume_request_check (GOptionContext       *context,
                                         EvoxCliVolumeRequest *request,
                                         gboolean              volume_view,
                                         gboolean              have_phases,
                                         gboolean              have_clusters,
                                         int                  *status);

/* Sets the document's volume style from the checked options, once the document's display range
 * is final (the default curve and iso level follow it). */
void     _evox_cli_volume_request_apply (const EvoxCliVolumeRequest *request,
                                         EvoxDocument               *document);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EvoxCliVolumeRequest, _evox_cli_volume_request_clear)

G_END_DECLS

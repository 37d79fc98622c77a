/* evox-colormap-private.h: the generated colour-map tables. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

extern const guint8 _evox_colormap_viridis[256][3];
extern const guint8 _evox_colormap_magma[256][3];
extern const guint8 _evox_colormap_plasma[256][3];
extern const guint8 _evox_colormap_inferno[256][3];
extern const guint8 _evox_colormap_cividis[256][3];
extern const guint8 _evox_colormap_grey[256][3];
extern const guint8 _evox_colormap_coolwarm[256][3];

/* evox-display.c: colour maps, value-to-colour mapping and view names shared by every view. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>
#include <string.h>

#include "evox-display.h"
#include "evox-colormap-private.h"

G_DEFINE_ENUM_TYPE (EvoxView, evox_view,
  G_DEFINE_ENUM_VALUE (EVOX_VIEW_SLICES, "slices"),
  G_DEFINE_ENUM_VALUE (EVOX_VIEW_SLICE_X, "x"),
  G_DEFINE_ENUM_VALUE (EVOX_VIEW_SLICE_Y, "y"),
  G_DEFINE_ENUM_VALUE (EVOX_VIEW_SLICE_Z, "z"),
  G_DEFINE_ENUM_VALUE (EVOX_VIEW_STACK, "stack"),
  G_DEFINE_ENUM_VALUE (EVOX_VIEW_QUAD, "quad"),
  G_DEFINE_ENUM_VALUE (EVOX_VIEW_VOLUME, "volume"))

G_DEFINE_ENUM_TYPE (EvoxMapping, evox_mapping,
  G_DEFINE_ENUM_VALUE (EVOX_MAPPING_LINEAR, "linear"),
  G_DEFINE_ENUM_VALUE (EVOX_MAPPING_LOG, "log"))

/* The command line's names for the views. */
static const char * const view_names[] = { "xyz", "x", "y", "z", "stack", "quad", "volume" };

const char *
evox_view_to_string (EvoxView view)
{
  g_return_val_if_fail (view <= EVOX_VIEW_LAST, NULL);
  return view_names[view];
}

gboolean
evox_view_from_string (const char *name,
                       EvoxView   *view)
{
  int i;

  g_return_val_if_fail (name != NULL, FALSE);

  i = _evox_name_index (view_names, G_N_ELEMENTS (view_names), name);
  if (i < 0)
    return FALSE;
  *view = (EvoxView) i;
  return TRUE;
}

EvoxTransfer
evox_transfer_for (EvoxValueScale scale,
                   EvoxMapping    mapping)
{
  if (scale == EVOX_SCALE_LOG10)
    return mapping == EVOX_MAPPING_LOG ? EVOX_TRANSFER_IDENTITY : EVOX_TRANSFER_EXP10;
  return mapping == EVOX_MAPPING_LOG ? EVOX_TRANSFER_LOG10 : EVOX_TRANSFER_IDENTITY;
}

double
evox_transfer_apply (EvoxTransfer transfer,
                     double       value)
{
  switch (transfer)
    {
    case EVOX_TRANSFER_LOG10:
      return value > 0 ? log10 (value) : NAN;
    case EVOX_TRANSFER_EXP10:
      return pow (10.0, value);
    case EVOX_TRANSFER_IDENTITY:
    default:
      return value;
    }
}

double
evox_display_coordinate (EvoxTransfer transfer,
                         double       lo,
                         double       hi,
                         double       value)
{
  double a = evox_transfer_apply (transfer, lo);
  double b = evox_transfer_apply (transfer, hi);
  double v = evox_transfer_apply (transfer, value);

  if (!isfinite (v) || !isfinite (a) || !isfinite (b))
    return NAN;
  if (b == a)
    return v < a ? 0.0 : 1.0;
  return (v - a) / (b - a);
}

double
evox_nice_ceil (double x)
{
  double decade, f;

  g_return_val_if_fail (x > 0 && isfinite (x), 1);

  decade = pow (10.0, floor (log10 (x)));
  f = x / decade;
  if (f <= 1.0 + 1e-9)
    return decade;
  if (f <= 2.0 + 1e-9)
    return 2 * decade;
  if (f <= 5.0 + 1e-9)
    return 5 * decade;
  return 10 * decade;
}

typedef struct
{
  const char   *name;
  const char   *title;
  const guint8 (*table)[3];
} Colormap;

/* Three categories (classes 1, 2, 3 over a range of 1..3 fall on entries 0, 127 and 255, the
 * middles of the bands), in Okabe and Ito's colour-blind-safe blue, orange and reddish purple:
 * the percolation classes (both faces, one face, isolated). */
static const guint8 classes_table[256][3] = {
  [0 ... 84] = { 0x00, 0x72, 0xb2 },
  [85 ... 170] = { 0xe6, 0x9f, 0x00 },
  [171 ... 255] = { 0xcc, 0x79, 0xa7 },
};

static const Colormap colormaps[] = {
  { "viridis", "Viridis", _evox_colormap_viridis },
  { "magma", "Magma", _evox_colormap_magma },
  { "plasma", "Plasma", _evox_colormap_plasma },
  { "inferno", "Inferno", _evox_colormap_inferno },
  { "cividis", "Cividis", _evox_colormap_cividis },
  { "grey", "Grey", _evox_colormap_grey },
  { "coolwarm", "Cool-warm (diverging)", _evox_colormap_coolwarm },
  { "classes3", "Three classes (categorical)", classes_table },
};

static const char * const colormap_names[] = {
  "viridis", "magma", "plasma", "inferno", "cividis", "grey", "coolwarm", "classes3", NULL
};

G_STATIC_ASSERT (G_N_ELEMENTS (colormap_names) == G_N_ELEMENTS (colormaps) + 1);

static const Colormap *
find_colormap (const char *name)
{
  if (name == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (colormaps); i++)
    if (g_ascii_strcasecmp (name, colormaps[i].name) == 0)
      return &colormaps[i];
  if (g_ascii_strcasecmp (name, "gray") == 0)
    return &colormaps[5];
  return NULL;
}

const char * const *
evox_colormap_list_names (void)
{
  return colormap_names;
}

gboolean
evox_colormap_exists (const char *name)
{
  return find_colormap (name) != NULL;
}

const guint8 (*evox_colormap_get_table (const char *name))[3]
{
  const Colormap *map = find_colormap (name);

  return map != NULL ? map->table : NULL;
}

const char *
evox_colormap_get_title (const char *name)
{
  const Colormap *map = find_colormap (name);

  return map != NULL ? map->title : NULL;
}

void
evox_colormap_sample (const char *name,
                      double      t,
                      guint8      rgb[3])
{
  const Colormap *map = find_colormap (name);
  int index;

  g_return_if_fail (map != NULL);

  if (!(t > 0))
    t = 0;
  if (t > 1)
    t = 1;
  index = (int) lround (t * 255.0);
  memcpy (rgb, map->table[index], 3);
}

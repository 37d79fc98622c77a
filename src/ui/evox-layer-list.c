/* evox-layer-list.c: the layer list's model: grid layers and measured scans merged by depth. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <math.h>

#include "evox-layer-list.h"

struct _EvoxLayerItem
{
  GObject   parent_instance;

  gboolean  scan;
  guint     index;
  double    z_nm;
  gboolean  measured;
  char     *label;
};

G_DEFINE_FINAL_TYPE (EvoxLayerItem, evox_layer_item, G_TYPE_OBJECT)

static void
evox_layer_item_finalize (GObject *object)
{
  g_free (EVOX_LAYER_ITEM (object)->label);
  G_OBJECT_CLASS (evox_layer_item_parent_class)->finalize (object);
}

static void
evox_layer_item_class_init (EvoxLayerItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_layer_item_finalize;
}

static void
evox_layer_item_init (EvoxLayerItem *self)
{
}

gboolean
evox_layer_item_is_scan (EvoxLayerItem *self)
{
  g_return_val_if_fail (EVOX_IS_LAYER_ITEM (self), FALSE);
  return self->scan;
}

guint
evox_layer_item_get_index (EvoxLayerItem *self)
{
  g_return_val_if_fail (EVOX_IS_LAYER_ITEM (self), 0);
  return self->index;
}

double
evox_layer_item_get_z_nm (EvoxLayerItem *self)
{
  g_return_val_if_fail (EVOX_IS_LAYER_ITEM (self), 0.0);
  return self->z_nm;
}

gboolean
evox_layer_item_is_measured (EvoxLayerItem *self)
{
  g_return_val_if_fail (EVOX_IS_LAYER_ITEM (self), FALSE);
  return self->measured;
}

const char *
evox_layer_item_get_label (EvoxLayerItem *self)
{
  g_return_val_if_fail (EVOX_IS_LAYER_ITEM (self), NULL);
  return self->label;
}

/* The list. */

typedef struct
{
  guint scan : 1;
  guint index : 31;
} Row;

struct _EvoxLayerList
{
  GObject     parent_instance;

  EvoxVolume *volume;
  GArray     *rows;   /* Row, by depth */
};

static void evox_layer_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (EvoxLayerList, evox_layer_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      evox_layer_list_model_init))

static GType
get_item_type (GListModel *model)
{
  return EVOX_TYPE_LAYER_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return EVOX_LAYER_LIST (model)->rows->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  EvoxLayerList *self = EVOX_LAYER_LIST (model);
  EvoxLayerItem *item;
  Row row;

  if (position >= self->rows->len)
    return NULL;
  row = g_array_index (self->rows, Row, position);
  item = g_object_new (EVOX_TYPE_LAYER_ITEM, NULL);
  item->scan = row.scan;
  item->index = row.index;
  if (row.scan)
    {
      const EvoxScan *scan = evox_volume_get_scan (self->volume, row.index);

      item->z_nm = scan->z_nm;
      item->measured = TRUE;
      item->label = g_strdup (scan->label);
    }
  else
    {
      const EvoxLayer *layer = evox_volume_get_layer (self->volume, row.index);

      item->z_nm = layer->z_nm;
      item->measured = layer->measured;
      if (layer->measured && layer->scan >= 0 &&
          (guint) layer->scan < evox_volume_get_n_scans (self->volume))
        item->label = g_strdup (evox_volume_get_scan (self->volume, layer->scan)->label);
    }
  return item;
}

static void
evox_layer_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
evox_layer_list_finalize (GObject *object)
{
  EvoxLayerList *self = EVOX_LAYER_LIST (object);

  g_clear_object (&self->volume);
  g_clear_pointer (&self->rows, g_array_unref);
  G_OBJECT_CLASS (evox_layer_list_parent_class)->finalize (object);
}

static void
evox_layer_list_class_init (EvoxLayerListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = evox_layer_list_finalize;
}

static void
evox_layer_list_init (EvoxLayerList *self)
{
  self->rows = g_array_new (FALSE, FALSE, sizeof (Row));
}

/**
 * evox_layer_list_new:
 * @volume: (nullable): the volume whose layers to list
 *
 * Every grid layer, and every scan that no measured grid layer copies, in order of depth (a
 * grid layer before a scan at the same depth). Volumes without scans list nothing: their layers
 * are all measured and there is nothing to tell apart.
 */
EvoxLayerList *
evox_layer_list_new (EvoxVolume *volume)
{
  EvoxLayerList *self = g_object_new (EVOX_TYPE_LAYER_LIST, NULL);
  g_autofree gboolean *on_grid = NULL;
  guint n_scans, next_scan = 0;
  gsize dims[3];

  g_return_val_if_fail (volume == NULL || EVOX_IS_VOLUME (volume), self);

  if (volume == NULL || (n_scans = evox_volume_get_n_scans (volume)) == 0)
    return self;
  self->volume = g_object_ref (volume);
  evox_volume_get_dims (volume, dims);
  g_return_val_if_fail (dims[2] < (1u << 31), self);

  on_grid = g_new0 (gboolean, n_scans);
  for (gsize k = 0; k < dims[2]; k++)
    {
      const EvoxLayer *layer = evox_volume_get_layer (volume, k);

      if (layer->measured && layer->scan >= 0 && (guint) layer->scan < n_scans)
        on_grid[layer->scan] = TRUE;
    }

  /* Scans are kept sorted by depth, as the grid is: one merge. */
  g_array_set_size (self->rows, 0);
  for (gsize k = 0; k <= dims[2]; k++)
    {
      double z = k < dims[2] ? evox_volume_get_layer (volume, k)->z_nm : INFINITY;

      for (; next_scan < n_scans && evox_volume_get_scan (volume, next_scan)->z_nm < z;
           next_scan++)
        if (!on_grid[next_scan])
          {
            Row row = { TRUE, next_scan };
            g_array_append_val (self->rows, row);
          }
      if (k < dims[2])
        {
          Row row = { FALSE, (guint) k };
          g_array_append_val (self->rows, row);
        }
    }
  return self;
}

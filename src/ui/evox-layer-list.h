/* evox-layer-list.h: the layer list's model: grid layers and measured scans merged by depth. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>
#include "evox-volume.h"

G_BEGIN_DECLS

/* One row: a grid layer of the volume (measured or interpolated), or a measured scan that lies
 * between grid layers and so is no grid layer itself. */
#define EVOX_TYPE_LAYER_ITEM (evox_layer_item_get_type ())
G_DECLARE_FINAL_TYPE (EvoxLayerItem, evox_layer_item, EVOX, LAYER_ITEM, GObject)

gboolean       evox_layer_item_is_scan      (EvoxLayerItem *self);
/* The grid layer's z index, or the scan's index among the volume's scans. */
guint          evox_layer_item_get_index    (EvoxLayerItem *self);
double         evox_layer_item_get_z_nm     (EvoxLayerItem *self);
gboolean       evox_layer_item_is_measured  (EvoxLayerItem *self);
/* The scan's label for scans and for grid layers that copy a scan; NULL otherwise. */
const char    *evox_layer_item_get_label    (EvoxLayerItem *self);

/* A GListModel of EvoxLayerItem that makes each item when it is asked for: a stack of 10^5
 * layers costs one small record per row, not a widget or an object. */
#define EVOX_TYPE_LAYER_LIST (evox_layer_list_get_type ())
G_DECLARE_FINAL_TYPE (EvoxLayerList, evox_layer_list, EVOX, LAYER_LIST, GObject)

EvoxLayerList *evox_layer_list_new          (EvoxVolume    *volume);

G_END_DECLS

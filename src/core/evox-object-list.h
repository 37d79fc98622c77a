/* evox-object-list.h: the list model behind EvoxPhaseList and EvoxSurfaceList. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A GListModel of GObjects of the subclass's item type. The list holds a reference on each item
 * and emits "changed" after every items-changed and after any notify of any item (one signal per
 * change), so a view that draws every item connects to one signal. Subclasses set item_type in
 * class_init and give their own typed API over the functions below. */
#define EVOX_TYPE_OBJECT_LIST (evox_object_list_get_type ())
G_DECLARE_DERIVABLE_TYPE (EvoxObjectList, evox_object_list, EVOX, OBJECT_LIST, GObject)

struct _EvoxObjectListClass
{
  GObjectClass parent_class;

  GType        item_type;
};

guint    _evox_object_list_get_n   (EvoxObjectList *self);
/* transfer none; NULL past the end. */
gpointer _evox_object_list_get     (EvoxObjectList *self,
                                    guint           index);
/* The list takes its own reference. */
void     _evox_object_list_append  (EvoxObjectList *self,
                                    gpointer        item);
/* index < n. */
void     _evox_object_list_remove  (EvoxObjectList *self,
                                    guint           index);
/* Item `from` to position `to`, both < n: one items-changed over the span between. */
void     _evox_object_list_move    (EvoxObjectList *self,
                                    guint           from,
                                    guint           to);
void     _evox_object_list_clear   (EvoxObjectList *self);
/* Replaces every item with those of items (the list takes its own references) in one
 * items-changed; nothing is emitted when the list was and stays empty. */
void     _evox_object_list_replace (EvoxObjectList *self,
                                    GPtrArray      *items);
/* Index of item, -1 when it is not in the list. */
int      _evox_object_list_find    (EvoxObjectList *self,
                                    gpointer        item);

G_END_DECLS

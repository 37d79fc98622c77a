/* evox-object-list-private.h: the items behind EvoxPhaseList and EvoxSurfaceList. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  GObject *item;
  gulong   notify_id;
} EvoxObjectListEntry;

/* The items of a GListModel of GObjects, embedded in the model's instance. The list holds a
 * reference on each item, and emits the model's "changed" signal after every items-changed it
 * emits and after any notify of any item, so the two list classes behave alike. */
typedef struct
{
  GListModel *owner;
  guint       changed_signal;
  GArray     *entries;   /* EvoxObjectListEntry */
} EvoxObjectList;

/* Creates the owner class's "changed" signal (no arguments, run last); returns its id. */
guint    _evox_object_list_new_changed_signal (GType            owner_type);
void     _evox_object_list_init               (EvoxObjectList  *list,
                                               GListModel      *owner,
                                               guint            changed_signal);
/* Drops every item without signals, for the owner's finalize. */
void     _evox_object_list_finalize           (EvoxObjectList  *list);
/* transfer full; NULL past the end (GListModel.get_item). */
gpointer _evox_object_list_dup                (EvoxObjectList  *list,
                                               guint            index);
void     _evox_object_list_append             (EvoxObjectList  *list,
                                               gpointer         item);
/* index < n. */
void     _evox_object_list_remove             (EvoxObjectList  *list,
                                               guint            index);
/* Item `from` to position `to`, both < n: one items-changed over the span between. */
void     _evox_object_list_move               (EvoxObjectList  *list,
                                               guint            from,
                                               guint            to);
void     _evox_object_list_clear              (EvoxObjectList  *list);
/* Replaces every item with those of items (GObjects; the list takes its own references) in one
 * items-changed; nothing is emitted when the list was and stays empty. */
void     _evox_object_list_replace            (EvoxObjectList  *list,
                                               GPtrArray       *items);

static inline guint
_evox_object_list_get_n (const EvoxObjectList *list)
{
  return list->entries->len;
}

/* transfer none; NULL past the end. */
static inline gpointer
_evox_object_list_get (const EvoxObjectList *list,
                       guint                 index)
{
  if (index >= list->entries->len)
    return NULL;
  return g_array_index (list->entries, EvoxObjectListEntry, index).item;
}

G_END_DECLS

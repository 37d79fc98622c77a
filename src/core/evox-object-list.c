/* evox-object-list.c: the items behind EvoxPhaseList and EvoxSurfaceList. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-object-list-private.h"

static void
item_notify_cb (GObject        *item,
                GParamSpec     *pspec,
                EvoxObjectList *list)
{
  g_signal_emit (list->owner, list->changed_signal, 0);
}

static void
entry_clear (EvoxObjectListEntry *entry)
{
  g_clear_signal_handler (&entry->notify_id, entry->item);
  g_clear_object (&entry->item);
}

static EvoxObjectListEntry
entry_make (EvoxObjectList *list,
            GObject        *item)
{
  EvoxObjectListEntry entry = { g_object_ref (item), 0 };

  entry.notify_id = g_signal_connect (item, "notify", G_CALLBACK (item_notify_cb), list);
  return entry;
}

static GArray *
entries_new (guint reserved)
{
  GArray *entries = g_array_sized_new (FALSE, FALSE, sizeof (EvoxObjectListEntry), reserved);

  g_array_set_clear_func (entries, (GDestroyNotify) entry_clear);
  return entries;
}

static void
items_changed (EvoxObjectList *list,
               guint           position,
               guint           removed,
               guint           added)
{
  g_list_model_items_changed (list->owner, position, removed, added);
  g_signal_emit (list->owner, list->changed_signal, 0);
}

guint
_evox_object_list_new_changed_signal (GType owner_type)
{
  return g_signal_new ("changed", owner_type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                       G_TYPE_NONE, 0);
}

void
_evox_object_list_init (EvoxObjectList *list,
                        GListModel     *owner,
                        guint           changed_signal)
{
  list->owner = owner;
  list->changed_signal = changed_signal;
  list->entries = entries_new (0);
}

void
_evox_object_list_finalize (EvoxObjectList *list)
{
  g_clear_pointer (&list->entries, g_array_unref);
}

gpointer
_evox_object_list_dup (EvoxObjectList *list,
                       guint           index)
{
  gpointer item = _evox_object_list_get (list, index);

  return item != NULL ? g_object_ref (item) : NULL;
}

void
_evox_object_list_append (EvoxObjectList *list,
                          gpointer        item)
{
  EvoxObjectListEntry entry = entry_make (list, item);

  g_array_append_val (list->entries, entry);
  items_changed (list, list->entries->len - 1, 0, 1);
}

void
_evox_object_list_remove (EvoxObjectList *list,
                          guint           index)
{
  g_assert (index < list->entries->len);

  g_array_remove_index (list->entries, index);
  items_changed (list, index, 1, 0);
}

void
_evox_object_list_move (EvoxObjectList *list,
                        guint           from,
                        guint           to)
{
  EvoxObjectListEntry entry;
  guint first = MIN (from, to);
  guint span = MAX (from, to) - first + 1;

  g_assert (from < list->entries->len && to < list->entries->len);

  if (from == to)
    return;
  entry = g_array_index (list->entries, EvoxObjectListEntry, from);
  /* Shift the entries between by hand: removing through the array would run the clear func. */
  if (from < to)
    memmove (&g_array_index (list->entries, EvoxObjectListEntry, from),
             &g_array_index (list->entries, EvoxObjectListEntry, from + 1),
             (to - from) * sizeof (EvoxObjectListEntry));
  else
    memmove (&g_array_index (list->entries, EvoxObjectListEntry, to + 1),
             &g_array_index (list->entries, EvoxObjectListEntry, to),
             (from - to) * sizeof (EvoxObjectListEntry));
  g_array_index (list->entries, EvoxObjectListEntry, to) = entry;
  items_changed (list, first, span, span);
}

void
_evox_object_list_clear (EvoxObjectList *list)
{
  guint removed = list->entries->len;

  if (removed == 0)
    return;
  g_array_set_size (list->entries, 0);
  items_changed (list, 0, removed, 0);
}

void
_evox_object_list_replace (EvoxObjectList *list,
                           GPtrArray      *items)
{
  GArray *entries;
  guint removed = list->entries->len;

  if (removed == 0 && items->len == 0)
    return;
  entries = entries_new (items->len);
  for (guint i = 0; i < items->len; i++)
    {
      EvoxObjectListEntry entry = entry_make (list, g_ptr_array_index (items, i));

      g_array_append_val (entries, entry);
    }
  g_array_unref (list->entries);
  list->entries = entries;
  items_changed (list, 0, removed, entries->len);
}

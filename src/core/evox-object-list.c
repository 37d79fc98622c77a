/* evox-object-list.c: the list model behind EvoxPhaseList and EvoxSurfaceList. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <string.h>

#include "evox-object-list.h"

typedef struct
{
  GObject *item;
  gulong   notify_id;
} Entry;

typedef struct
{
  GArray *entries;   /* Entry */
} EvoxObjectListPrivate;

static void evox_object_list_model_init (GListModelInterface *iface);

G_DEFINE_TYPE_WITH_CODE (EvoxObjectList, evox_object_list, G_TYPE_OBJECT,
                         G_ADD_PRIVATE (EvoxObjectList)
                         G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, evox_object_list_model_init))

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GArray *
entries_of (EvoxObjectList *self)
{
  EvoxObjectListPrivate *priv = evox_object_list_get_instance_private (self);

  return priv->entries;
}

static void
item_notify_cb (GObject        *item,
                GParamSpec     *pspec,
                EvoxObjectList *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
entry_clear (Entry *entry)
{
  g_clear_signal_handler (&entry->notify_id, entry->item);
  g_clear_object (&entry->item);
}

static Entry
entry_make (EvoxObjectList *self,
            GObject        *item)
{
  Entry entry = { g_object_ref (item), 0 };

  entry.notify_id = g_signal_connect (item, "notify", G_CALLBACK (item_notify_cb), self);
  return entry;
}

static GArray *
entries_new (guint reserved)
{
  GArray *entries = g_array_sized_new (FALSE, FALSE, sizeof (Entry), reserved);

  g_array_set_clear_func (entries, (GDestroyNotify) entry_clear);
  return entries;
}

static void
items_changed (EvoxObjectList *self,
               guint           position,
               guint           removed,
               guint           added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  g_signal_emit (self, signals[CHANGED], 0);
}

static GType
evox_object_list_get_item_type (GListModel *model)
{
  return EVOX_OBJECT_LIST_GET_CLASS (model)->item_type;
}

static guint
evox_object_list_get_n_items (GListModel *model)
{
  return _evox_object_list_get_n (EVOX_OBJECT_LIST (model));
}

static gpointer
evox_object_list_get_item (GListModel *model,
                           guint       position)
{
  gpointer item = _evox_object_list_get (EVOX_OBJECT_LIST (model), position);

  return item != NULL ? g_object_ref (item) : NULL;
}

static void
evox_object_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = evox_object_list_get_item_type;
  iface->get_n_items = evox_object_list_get_n_items;
  iface->get_item = evox_object_list_get_item;
}

static void
evox_object_list_finalize (GObject *object)
{
  EvoxObjectListPrivate *priv = evox_object_list_get_instance_private (EVOX_OBJECT_LIST (object));

  g_clear_pointer (&priv->entries, g_array_unref);

  G_OBJECT_CLASS (evox_object_list_parent_class)->finalize (object);
}

static void
evox_object_list_class_init (EvoxObjectListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = evox_object_list_finalize;
  klass->item_type = G_TYPE_OBJECT;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
evox_object_list_init (EvoxObjectList *self)
{
  EvoxObjectListPrivate *priv = evox_object_list_get_instance_private (self);

  priv->entries = entries_new (0);
}

guint
_evox_object_list_get_n (EvoxObjectList *self)
{
  return entries_of (self)->len;
}

gpointer
_evox_object_list_get (EvoxObjectList *self,
                       guint           index)
{
  GArray *entries = entries_of (self);

  if (index >= entries->len)
    return NULL;
  return g_array_index (entries, Entry, index).item;
}

void
_evox_object_list_append (EvoxObjectList *self,
                          gpointer        item)
{
  GArray *entries = entries_of (self);
  Entry entry = entry_make (self, item);

  g_array_append_val (entries, entry);
  items_changed (self, entries->len - 1, 0, 1);
}

void
_evox_object_list_remove (EvoxObjectList *self,
                          guint           index)
{
  g_assert (index < entries_of (self)->len);

  g_array_remove_index (entries_of (self), index);
  items_changed (self, index, 1, 0);
}

void
_evox_object_list_move (EvoxObjectList *self,
                        guint           from,
                        guint           to)
{
  GArray *entries = entries_of (self);
  Entry entry;
  guint first = MIN (from, to);
  guint span = MAX (from, to) - first + 1;

  g_assert (from < entries->len && to < entries->len);

  if (from == to)
    return;
  entry = g_array_index (entries, Entry, from);
  /* Shift the entries between by hand: removing through the array would run the clear func. */
  if (from < to)
    memmove (&g_array_index (entries, Entry, from), &g_array_index (entries, Entry, from + 1),
             (to - from) * sizeof (Entry));
  else
    memmove (&g_array_index (entries, Entry, to + 1), &g_array_index (entries, Entry, to),
             (from - to) * sizeof (Entry));
  g_array_index (entries, Entry, to) = entry;
  items_changed (self, first, span, span);
}

void
_evox_object_list_clear (EvoxObjectList *self)
{
  guint removed = entries_of (self)->len;

  if (removed == 0)
    return;
  g_array_set_size (entries_of (self), 0);
  items_changed (self, 0, removed, 0);
}

void
_evox_object_list_replace (EvoxObjectList *self,
                           GPtrArray      *items)
{
  EvoxObjectListPrivate *priv = evox_object_list_get_instance_private (self);
  GArray *entries;
  guint removed = priv->entries->len;

  if (removed == 0 && items->len == 0)
    return;
  entries = entries_new (items->len);
  for (guint i = 0; i < items->len; i++)
    {
      Entry entry = entry_make (self, g_ptr_array_index (items, i));

      g_array_append_val (entries, entry);
    }
  g_array_unref (priv->entries);
  priv->entries = entries;
  items_changed (self, 0, removed, entries->len);
}

int
_evox_object_list_find (EvoxObjectList *self,
                        gpointer        item)
{
  GArray *entries = entries_of (self);

  for (guint i = 0; i < entries->len; i++)
    if (g_array_index (entries, Entry, i).item == item)
      return (int) i;
  return -1;
}

/* evox-page-switcher.c: the side panel's page buttons, in rows that wrap to the panel's width. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-page-switcher.h"

/* Eight pages in one row of GtkStackSwitcher made the side panel wider than a 1280 px window
 * can spare; hiding some behind a menu or icons would make them harder to find. Rows of four at
 * the panel's narrowest keep every page one click away, by name; five where they fit (the panel
 * at 1280 px) keep nine pages to two rows, so the page below keeps a row's height. */
#define MIN_COLUMNS 4
#define MAX_COLUMNS 5

struct _EvoxPageSwitcher
{
  GtkWidget          parent_instance;

  GtkStack          *stack;
  GtkSelectionModel *pages;
  GtkFlowBox        *flow;
  /* Set while the buttons follow the stack, so their toggles do not move it. */
  gboolean           syncing;
};

G_DEFINE_FINAL_TYPE (EvoxPageSwitcher, evox_page_switcher, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_STACK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GtkToggleButton *
button_at (EvoxPageSwitcher *self,
           guint             index)
{
  GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (self->flow, (int) index);

  return child != NULL ? GTK_TOGGLE_BUTTON (gtk_flow_box_child_get_child (child)) : NULL;
}

static void
sync_buttons (EvoxPageSwitcher *self)
{
  guint n = self->pages != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->pages)) : 0;

  self->syncing = TRUE;
  for (guint i = 0; i < n; i++)
    {
      GtkToggleButton *button = button_at (self, i);

      if (button != NULL)
        gtk_toggle_button_set_active (button, gtk_selection_model_is_selected (self->pages, i));
    }
  self->syncing = FALSE;
}

static void
selection_changed (GtkSelectionModel *pages,
                   guint              position,
                   guint              n_items,
                   EvoxPageSwitcher  *self)
{
  sync_buttons (self);
}

static void
button_toggled (GtkToggleButton  *button,
                EvoxPageSwitcher *self)
{
  GtkStackPage *page = g_object_get_data (G_OBJECT (button), "evox-page");

  if (self->syncing || self->stack == NULL)
    return;
  if (gtk_toggle_button_get_active (button))
    gtk_stack_set_visible_child (self->stack, gtk_stack_page_get_child (page));
  /* Pressing the page shown keeps it shown, as in a stack switcher. */
  else if (gtk_stack_get_visible_child (self->stack) == gtk_stack_page_get_child (page))
    {
      self->syncing = TRUE;
      gtk_toggle_button_set_active (button, TRUE);
      self->syncing = FALSE;
    }
}

static GtkWidget *
create_button (gpointer item,
               gpointer user_data)
{
  EvoxPageSwitcher *self = user_data;
  GtkStackPage *page = item;
  GtkWidget *child = gtk_flow_box_child_new ();
  GtkWidget *button = gtk_toggle_button_new ();

  g_object_set_data_full (G_OBJECT (button), "evox-page", g_object_ref (page), g_object_unref);
  gtk_button_set_use_underline (GTK_BUTTON (button), TRUE);
  g_object_bind_property (page, "title", button, "label", G_BINDING_SYNC_CREATE);
  /* The child, not the button: a hidden button in a shown child would still take a cell. */
  g_object_bind_property (page, "visible", child, "visible", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (button, "toggled", G_CALLBACK (button_toggled), self, 0);
  /* The child takes no focus of its own: Tab goes from button to button. */
  gtk_widget_set_focusable (child, FALSE);
  gtk_flow_box_child_set_child (GTK_FLOW_BOX_CHILD (child), button);
  return child;
}

void
evox_page_switcher_set_stack (EvoxPageSwitcher *self,
                              GtkStack         *stack)
{
  g_return_if_fail (EVOX_IS_PAGE_SWITCHER (self));
  g_return_if_fail (stack == NULL || GTK_IS_STACK (stack));

  if (self->stack == stack)
    return;
  if (self->pages != NULL)
    g_signal_handlers_disconnect_by_func (self->pages, selection_changed, self);
  gtk_flow_box_bind_model (self->flow, NULL, NULL, NULL, NULL);
  g_clear_object (&self->pages);
  g_set_object (&self->stack, stack);
  if (stack != NULL)
    {
      self->pages = gtk_stack_get_pages (stack);
      gtk_flow_box_bind_model (self->flow, G_LIST_MODEL (self->pages), create_button, self, NULL);
      g_signal_connect (self->pages, "selection-changed", G_CALLBACK (selection_changed), self);
      sync_buttons (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STACK]);
}

GtkStack *
evox_page_switcher_get_stack (EvoxPageSwitcher *self)
{
  g_return_val_if_fail (EVOX_IS_PAGE_SWITCHER (self), NULL);

  return self->stack;
}

GtkWidget *
evox_page_switcher_get_button (EvoxPageSwitcher *self,
                               const char       *name)
{
  guint n;

  g_return_val_if_fail (EVOX_IS_PAGE_SWITCHER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  n = self->pages != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->pages)) : 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) page = g_list_model_get_item (G_LIST_MODEL (self->pages), i);

      if (g_strcmp0 (gtk_stack_page_get_name (GTK_STACK_PAGE (page)), name) == 0)
        return GTK_WIDGET (button_at (self, i));
    }
  return NULL;
}

static void
evox_page_switcher_dispose (GObject *object)
{
  EvoxPageSwitcher *self = EVOX_PAGE_SWITCHER (object);

  if (self->flow != NULL)
    {
      evox_page_switcher_set_stack (self, NULL);
      gtk_widget_unparent (GTK_WIDGET (self->flow));
      self->flow = NULL;
    }
  G_OBJECT_CLASS (evox_page_switcher_parent_class)->dispose (object);
}

static void
evox_page_switcher_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  EvoxPageSwitcher *self = EVOX_PAGE_SWITCHER (object);

  switch (prop_id)
    {
    case PROP_STACK:
      g_value_set_object (value, self->stack);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_page_switcher_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  EvoxPageSwitcher *self = EVOX_PAGE_SWITCHER (object);

  switch (prop_id)
    {
    case PROP_STACK:
      evox_page_switcher_set_stack (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
evox_page_switcher_class_init (EvoxPageSwitcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = evox_page_switcher_dispose;
  object_class->get_property = evox_page_switcher_get_property;
  object_class->set_property = evox_page_switcher_set_property;

  properties[PROP_STACK] = g_param_spec_object ("stack", NULL, NULL, GTK_TYPE_STACK,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "evox-page-switcher");
}

static void
evox_page_switcher_init (EvoxPageSwitcher *self)
{
  self->flow = GTK_FLOW_BOX (gtk_flow_box_new ());
  gtk_flow_box_set_selection_mode (self->flow, GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (self->flow, TRUE);
  gtk_flow_box_set_min_children_per_line (self->flow, MIN_COLUMNS);
  gtk_flow_box_set_max_children_per_line (self->flow, MAX_COLUMNS);
  gtk_flow_box_set_column_spacing (self->flow, 4);
  gtk_flow_box_set_row_spacing (self->flow, 2);
  gtk_widget_set_parent (GTK_WIDGET (self->flow), GTK_WIDGET (self));
}

GtkWidget *
evox_page_switcher_new (void)
{
  return g_object_new (EVOX_TYPE_PAGE_SWITCHER, NULL);
}

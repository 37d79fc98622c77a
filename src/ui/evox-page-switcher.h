/* evox-page-switcher.h: the side panel's page buttons, in rows that wrap to the panel's width. */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EVOX_TYPE_PAGE_SWITCHER (evox_page_switcher_get_type ())
G_DECLARE_FINAL_TYPE (EvoxPageSwitcher, evox_page_switcher, EVOX, PAGE_SWITCHER, GtkWidget)

/* Properties: stack (GtkStack): a toggle button per page, titled by the page's title and shown
 * while the page is visible; the button of the visible page is down, and pressing one shows its
 * page. Buttons keep to columns-per-line columns (4 unless set), so the pages stay in the same
 * places whatever the panel's width. */
GtkWidget *evox_page_switcher_new         (void);
void       evox_page_switcher_set_stack   (EvoxPageSwitcher *self,
                                           GtkStack         *stack);
GtkStack  *evox_page_switcher_get_stack   (EvoxPageSwitcher *self);
/* The button of page `name`, NULL if the stack has no such page (for tests). */
GtkWidget *evox_page_switcher_get_button  (EvoxPageSwitcher *self,
                                           const char       *name);

G_END_DECLS

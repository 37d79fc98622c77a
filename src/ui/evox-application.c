/* evox-application.c: one window per opened file (or the demo), app-wide actions and shortcuts. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>

#include "evox-application.h"
#include "evox-window.h"
#include "evox-ui-resources.h"

struct _EvoxApplication
{
  GtkApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (EvoxApplication, evox_application, GTK_TYPE_APPLICATION)

static gint64 start_time;

void
evox_application_mark_start (gint64 monotonic_us)
{
  start_time = monotonic_us;
}

gint64
evox_application_get_start (void)
{
  return start_time;
}

static void
evox_application_activate (GApplication *app)
{
  EvoxWindow *window = evox_window_new (EVOX_APPLICATION (app));

  evox_window_open_demo (window);
  gtk_window_present (GTK_WINDOW (window));
}

static void
evox_application_open (GApplication  *app,
                       GFile        **files,
                       int            n_files,
                       const char    *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      EvoxWindow *window = evox_window_new (EVOX_APPLICATION (app));

      gtk_window_present (GTK_WINDOW (window));
      evox_window_open_file (window, files[i], NULL);
    }
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* Close windows rather than quit outright, so each one cancels its work and frees itself. */
  while (windows != NULL)
    {
      GList *next = windows->next;
      gtk_window_destroy (GTK_WINDOW (windows->data));
      windows = next;
    }
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *authors[] = { "Evox developers", NULL };

  gtk_show_about_dialog (gtk_application_get_active_window (app),
                         "program-name", "Evox",
                         "logo-icon-name", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Explore, segment and measure 3D volumes of battery "
                                       "electrodes"),
                         "license-type", GTK_LICENSE_BSD_3,
                         "authors", authors,
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
};

static void
evox_application_startup (GApplication *app)
{
  static const struct
  {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.export-image", { "<Control>e", NULL } },
    { "window.close", { "<Control>w", NULL } },
  };
  g_autoptr (GtkCssProvider) provider = NULL;

  G_APPLICATION_CLASS (evox_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);
  gtk_window_set_default_icon_name (APPLICATION_ID);

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/org/evox/Evox/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
evox_application_class_init (EvoxApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = evox_application_activate;
  app_class->open = evox_application_open;
  app_class->startup = evox_application_startup;

  /* Referencing the bundle keeps its object file, whose constructor registers it, in the link
   * of a static library. */
  (void) evox_ui_get_resource ();
}

static void
evox_application_init (EvoxApplication *self)
{
}

EvoxApplication *
evox_application_new (void)
{
  /* Non-unique: each launch is its own process, so a batch of `evox FILE` calls from a script
   * or a test never hands its files to another instance. */
  return g_object_new (EVOX_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       NULL);
}

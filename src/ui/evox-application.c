/* evox-application.c: one window per opened file (or the demo), app-wide actions and shortcuts. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>

#include "evox-application.h"
#include "evox-measurement.h"
#include "evox-overlays.h"
#include "evox-phase.h"
#include "evox-ssrm-reader.h"
#include "evox-units.h"
#include "evox-window.h"
#include "evox-xanes-panel.h"
#include "evox-ui-resources.h"

struct _EvoxApplication
{
  GtkApplication   parent_instance;

  /* SSRM reading options from the command line; when given, tables open without the dialog. */
  EvoxSsrmOptions *ssrm_options;
  /* Phases to start with (--phase, --preset), applied to each window's first volume. */
  GStrv            phase_specs;
  char            *preset;
  gboolean         surfaces;
  /* --view and --ruler, applied to each window's first volume. */
  gboolean         have_view;
  EvoxView         view;
  GStrv            rulers;
  /* --voxel-size in nm, over each command-line file's own size (not remembered). */
  gboolean         have_voxel_size;
  double           voxel_size[3];
  /* --channel (a label or an index), resolved by each window on its first volume. */
  char            *channel;
  /* --bin: N x N pixel means for the files named on the command line (0: none). */
  int              bin;
  /* --coords and --features: the files given are feature files, not volumes. */
  char            *coords;
  gboolean         features;
  /* --demo-xanes: windows without a file open the XANES demo, not the SSRM one. */
  gboolean         demo_xanes;
  /* --xanes-maps: each window's first volume, a scan along energy, opens on the XANES page
   * with its maps being computed (the demo's map in one command, for users and screenshots). */
  gboolean         xanes_maps;
  /* --overlays (the items to show, by EvoxOverlayItem) and --label (TEXT@X,Y), applied to each
   * window's first volume, so a figure is one command away. */
  gboolean         overlays[EVOX_N_OVERLAY_ITEMS];
  GStrv            labels;
  /* Set by open() when the files do not fit the options (they are not among the options GLib
   * hands to handle_local_options): the run then ends with status 2. */
  gboolean         usage_error;
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

/* The names --overlays takes, in EvoxOverlayItem order (those of `evox render`'s switches). */
static const char *const overlay_names[EVOX_N_OVERLAY_ITEMS] = {
  [EVOX_OVERLAY_SCALE_BAR] = "scale-bar",
  [EVOX_OVERLAY_COLORBAR] = "colorbar",
  [EVOX_OVERLAY_LEGEND] = "legend",
  [EVOX_OVERLAY_AXES] = "axes",
};

static void
apply_startup_overlays (EvoxApplication *self,
                        EvoxDocument    *document)
{
  EvoxOverlays *overlays = evox_document_get_overlays (document);

  for (int i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    if (self->overlays[i])
      evox_overlays_set_visible (overlays, i, TRUE);
  for (guint i = 0; self->labels != NULL && self->labels[i] != NULL; i++)
    {
      g_autofree char *text = NULL;
      double fx, fy;

      /* The syntax was checked with the options. */
      if (evox_overlays_parse_label (self->labels[i], &text, &fx, &fy))
        evox_overlays_add_label (overlays, text, fx, fy);
    }
}

/* The view and rulers asked for on the command line, once the window's volume is there (a
 * volume that arrives chooses its own view, so they must come after it). */
static void
apply_startup_view (EvoxApplication *self,
                    EvoxWindow      *window)
{
  EvoxDocument *document = evox_window_get_document (window);
  EvoxVolume *volume = evox_document_get_volume (document);

  if (self->have_view)
    evox_document_set_view (document, self->view);
  /* Phases asked for with the Volume view: the volume in the phases' colours, as the slices
   * show it (a segmented volume in the colour map's fog hides which voxel is which). */
  if (self->have_view && self->view == EVOX_VIEW_VOLUME &&
      (self->phase_specs != NULL || self->preset != NULL))
    evox_volume_style_set_source (evox_document_get_volume_style (document),
                                  EVOX_VOLUME_SOURCE_PHASES);
  apply_startup_overlays (self, document);
  if (self->xanes_maps)
    {
      GtkWidget *panel = evox_window_get_xanes_panel (window);

      /* The panel follows the volume on the same notification, connected before this. */
      if (evox_xanes_panel_get_available (EVOX_XANES_PANEL (panel)))
        {
          evox_window_show_page (window, "xanes");
          gtk_widget_activate_action (panel, "xanes.compute", NULL);
        }
      else
        evox_window_show_error (window, _("--xanes-maps: the volume is not a scan along energy "
                                          "(one channel per energy)"));
    }
  for (guint i = 0; self->rulers != NULL && self->rulers[i] != NULL; i++)
    {
      g_autoptr(EvoxMeasurement) ruler = NULL;
      g_autoptr(GError) error = NULL;
      guint start[3], end[3];

      /* The syntax was checked with the options; the indices need the volume. */
      if (evox_ruler_spec_parse (self->rulers[i], start, end, &error))
        ruler = evox_measurement_new_from_voxels (volume, start, end, &error);
      if (ruler == NULL)
        {
          g_autofree char *message = g_strdup_printf (_("--ruler: %s"), error->message);

          evox_window_show_error (window, message);
          continue;
        }
      /* Shown on its own slice, not faint on another. */
      evox_document_set_slice (document, evox_measurement_get_axis (ruler),
                               evox_measurement_get_slice (ruler));
      evox_measurement_list_append (evox_document_get_measurements (document), ruler);
      /* The last ruler is selected: its profile is what to look at. */
      evox_window_show_page (window, "measure");
    }
}

static void
on_first_volume (EvoxDocument *document,
                 GParamSpec   *pspec,
                 EvoxWindow   *window)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (window)));
  EvoxVolume *volume = evox_document_get_volume (document);

  /* A big volume's coarse previews come first; the volume that replaces them chooses its own
   * view again, so the one asked for waits for it. */
  if (volume == NULL || app == NULL || evox_volume_get_metadata (volume, "preview_stride") != NULL)
    return;
  g_signal_handlers_disconnect_by_func (document, on_first_volume, window);
  apply_startup_view (EVOX_APPLICATION (app), window);
}

static void
set_startup_view (EvoxApplication *self,
                  EvoxWindow      *window)
{
  EvoxDocument *document = evox_window_get_document (window);

  gboolean overlays = self->labels != NULL;

  for (int i = 0; i < EVOX_N_OVERLAY_ITEMS; i++)
    overlays = overlays || self->overlays[i];
  if (!self->have_view && self->rulers == NULL && !self->xanes_maps && !overlays)
    return;
  if (evox_document_get_volume (document) != NULL)
    apply_startup_view (self, window);
  else
    g_signal_connect_object (document, "notify::volume", G_CALLBACK (on_first_volume), window,
                             0);
}

static gboolean
check_feature_files (EvoxApplication *self,
                     int              n_files)
{
  /* One feature matrix per coordinates file: several files would all claim the same grid. */
  if ((self->coords != NULL || self->features) && n_files != 1)
    {
      g_printerr ("evox: --%s needs exactly one feature file\n",
                  self->coords != NULL ? "coords" : "features");
      self->usage_error = TRUE;
      return FALSE;
    }
  return TRUE;
}

static void
evox_application_activate (GApplication *app)
{
  EvoxWindow *window;

  if (!check_feature_files (EVOX_APPLICATION (app), 0))
    return;
  window = evox_window_new (EVOX_APPLICATION (app));

  evox_window_set_startup_surfaces (window, EVOX_APPLICATION (app)->surfaces);
  evox_window_set_startup_phases (window, (const char * const *) EVOX_APPLICATION (app)->phase_specs,
                                  EVOX_APPLICATION (app)->preset);
  if (EVOX_APPLICATION (app)->have_voxel_size)
    evox_window_set_startup_voxel_size (window, EVOX_APPLICATION (app)->voxel_size);
  evox_window_set_startup_channel (window, EVOX_APPLICATION (app)->channel);
  if (EVOX_APPLICATION (app)->demo_xanes)
    evox_window_open_xanes_demo (window);
  else
    evox_window_open_demo (window);
  set_startup_view (EVOX_APPLICATION (app), window);
  gtk_window_present (GTK_WINDOW (window));
}

static void
evox_application_open (GApplication  *app,
                       GFile        **files,
                       int            n_files,
                       const char    *hint)
{
  if (!check_feature_files (EVOX_APPLICATION (app), n_files))
    return;
  if (EVOX_APPLICATION (app)->demo_xanes)
    {
      g_printerr ("evox: --demo-xanes opens the XANES demo: give no FILE with it\n");
      EVOX_APPLICATION (app)->usage_error = TRUE;
      return;
    }
  for (int i = 0; i < n_files; i++)
    {
      EvoxWindow *window = evox_window_new (EVOX_APPLICATION (app));

      evox_window_set_startup_surfaces (window, EVOX_APPLICATION (app)->surfaces);
      evox_window_set_startup_phases (window,
                                      (const char * const *) EVOX_APPLICATION (app)->phase_specs,
                                      EVOX_APPLICATION (app)->preset);
      if (EVOX_APPLICATION (app)->have_voxel_size)
        evox_window_set_startup_voxel_size (window, EVOX_APPLICATION (app)->voxel_size);
      evox_window_set_startup_channel (window, EVOX_APPLICATION (app)->channel);
      evox_window_set_startup_bin (window, (guint) EVOX_APPLICATION (app)->bin);
      gtk_window_present (GTK_WINDOW (window));
      set_startup_view (EVOX_APPLICATION (app), window);
      if (EVOX_APPLICATION (app)->coords != NULL)
        {
          g_autoptr (GFile) coords = g_file_new_for_commandline_arg (
                                       EVOX_APPLICATION (app)->coords);

          evox_window_open_features (window, files[i], coords);
        }
      else if (EVOX_APPLICATION (app)->features)
        evox_window_open_features (window, files[i], NULL);
      else
        evox_window_open_file (window, files[i], EVOX_APPLICATION (app)->ssrm_options);
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
    { "win.undo", { "<Control>z", NULL } },
    { "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
    { "window.close", { "<Control>w", NULL } },
  };
  G_APPLICATION_CLASS (evox_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);
  gtk_window_set_default_icon_name (APPLICATION_ID);
}

static int
evox_application_handle_local_options (GApplication *app,
                                       GVariantDict *options)
{
  EvoxApplication *self = EVOX_APPLICATION (app);
  g_autofree const char **values = NULL;
  g_autofree char *view = NULL;
  g_autofree char *voxel_size = NULL;
  g_autofree char *overlays = NULL;
  double dz = 0, pixel = 0;
  gboolean given = FALSE;

  g_variant_dict_lookup (options, "channel", "s", &self->channel);
  g_variant_dict_lookup (options, "coords", "^ay", &self->coords);
  g_variant_dict_lookup (options, "features", "b", &self->features);
  g_variant_dict_lookup (options, "demo-xanes", "b", &self->demo_xanes);
  g_variant_dict_lookup (options, "xanes-maps", "b", &self->xanes_maps);
  if (self->channel != NULL && *self->channel == '\0')
    {
      g_printerr ("evox: --channel needs a channel label or index\n");
      return 2;
    }
  if (g_variant_dict_lookup (options, "bin", "i", &self->bin) &&
      (self->bin < 0 || self->bin > 4096))
    {
      g_printerr ("evox: --bin must be a whole number from 1 to 4096\n");
      return 2;
    }
  g_variant_dict_lookup (options, "phase", "^as", &self->phase_specs);
  g_variant_dict_lookup (options, "preset", "s", &self->preset);
  g_variant_dict_lookup (options, "surfaces", "b", &self->surfaces);
  if (self->phase_specs != NULL && self->preset != NULL)
    {
      g_printerr ("evox: --phase and --preset cannot be used together\n");
      return 2;
    }
  /* What the volume is not needed for is checked now, as the commands do; auto:N and whether the
   * ranges fit the data wait for it (the banner). */
  for (guint i = 0; self->phase_specs != NULL && self->phase_specs[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!evox_phase_check_spec_syntax (self->phase_specs[i], &error))
        {
          g_printerr ("evox: --phase: %s\n", error->message);
          return 2;
        }
    }
  if (g_variant_dict_lookup (options, "voxel-size", "s", &voxel_size))
    {
      g_autoptr(GError) error = NULL;

      if (!evox_units_parse_voxel_size (voxel_size, self->voxel_size, &error))
        {
          g_printerr ("evox: --voxel-size: %s\n", error->message);
          return 2;
        }
      self->have_voxel_size = TRUE;
    }
  if (g_variant_dict_lookup (options, "view", "s", &view))
    {
      if (!evox_view_from_string (view, &self->view))
        {
          g_printerr ("evox: --view must be xyz, x, y, z, stack, quad or volume, not '%s'\n", view);
          return 2;
        }
      self->have_view = TRUE;
    }
  if (g_variant_dict_lookup (options, "overlays", "s", &overlays))
    {
      g_auto(GStrv) names = g_strsplit (overlays, ",", -1);

      for (guint i = 0; names[i] != NULL; i++)
        {
          int item = -1;

          for (int k = 0; k < EVOX_N_OVERLAY_ITEMS; k++)
            if (g_str_equal (g_strstrip (names[i]), overlay_names[k]))
              item = k;
          if (item < 0)
            {
              g_printerr ("evox: --overlays takes scale-bar, colorbar, legend and axes, "
                          "comma-separated, not '%s'\n", names[i]);
              return 2;
            }
          self->overlays[item] = TRUE;
        }
    }
  g_variant_dict_lookup (options, "label", "^as", &self->labels);
  for (guint i = 0; self->labels != NULL && self->labels[i] != NULL; i++)
    {
      double fx, fy;

      if (!evox_overlays_parse_label (self->labels[i], NULL, &fx, &fy))
        {
          g_printerr ("evox: --label must be TEXT@X,Y with X and Y from 0 to 1 (0,0 the top "
                      "left, 1,1 the bottom right), not '%s'\n", self->labels[i]);
          return 2;
        }
    }
  g_variant_dict_lookup (options, "ruler", "^as", &self->rulers);
  for (guint i = 0; self->rulers != NULL && self->rulers[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      guint start[3], end[3];

      if (!evox_ruler_spec_parse (self->rulers[i], start, end, &error))
        {
          g_printerr ("evox: --ruler: %s\n", error->message);
          return 2;
        }
    }
  if (g_variant_dict_lookup (options, "dz", "d", &dz))
    given = TRUE;
  if (g_variant_dict_lookup (options, "pixel-size", "d", &pixel))
    given = TRUE;
  if (g_variant_dict_lookup (options, "value", "^a&s", &values))
    given = TRUE;
  if (!given)
    return -1;
  if (self->have_voxel_size && pixel > 0)
    {
      g_printerr ("evox: --voxel-size and --pixel-size both set the pixel size of an SSRM "
                  "table: give one\n");
      return 2;
    }
  if (dz < 0 || pixel < 0 || (dz == 0 && g_variant_dict_contains (options, "dz")) ||
      (pixel == 0 && g_variant_dict_contains (options, "pixel-size")))
    {
      g_printerr ("evox: --dz and --pixel-size must be positive numbers of nm\n");
      return 2;
    }
  self->ssrm_options = evox_ssrm_options_new ();
  if (dz > 0)
    self->ssrm_options->dz_nm = dz;
  if (pixel > 0)
    self->ssrm_options->pixel_size_nm = pixel;
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    g_ptr_array_add (self->ssrm_options->values, g_strdup (values[i]));
  return -1;
}

static gboolean
evox_application_local_command_line (GApplication   *app,
                                     char         ***arguments,
                                     int            *exit_status)
{
  gboolean handled = G_APPLICATION_CLASS (evox_application_parent_class)->local_command_line (
                       app, arguments, exit_status);

  /* open() or activate() ran in this process (the application is not unique) and made no
   * window, so the run ends here, as wrong usage. */
  if (handled && EVOX_APPLICATION (app)->usage_error)
    *exit_status = 2;
  return handled;
}

static void
evox_application_finalize (GObject *object)
{
  EvoxApplication *self = EVOX_APPLICATION (object);

  g_clear_pointer (&self->ssrm_options, evox_ssrm_options_free);
  g_clear_pointer (&self->phase_specs, g_strfreev);
  g_clear_pointer (&self->labels, g_strfreev);
  g_clear_pointer (&self->preset, g_free);
  g_clear_pointer (&self->rulers, g_strfreev);
  g_clear_pointer (&self->channel, g_free);
  g_clear_pointer (&self->coords, g_free);
  G_OBJECT_CLASS (evox_application_parent_class)->finalize (object);
}

static void
evox_application_class_init (EvoxApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = evox_application_finalize;
  app_class->handle_local_options = evox_application_handle_local_options;
  app_class->local_command_line = evox_application_local_command_line;

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
  static const GOptionEntry entries[] = {
    { "dz", 0, 0, G_OPTION_ARG_DOUBLE, NULL,
      N_("SSRM tables: depth step of the interpolated layers in nm (default 10)"), N_("NM") },
    { "pixel-size", 0, 0, G_OPTION_ARG_DOUBLE, NULL,
      N_("SSRM tables: lateral pixel size in nm (without it, lengths are in pixels until "
         "Image Properties sets it)"), N_("NM") },
    { "value", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
      N_("SSRM tables: a scan as VALUE:DEPTH (column, and column or nm); repeat per scan"),
      N_("VALUE:DEPTH") },
    { "phase", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
      N_("Start with this phase (repeat per phase); values as in evox segment; auto:N for N "
         "phases from multi-level Otsu"),
      N_("NAME=LO:HI[:#rrggbb[:OPACITY]]|auto:N") },
    { "preset", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Start with the phases of this preset (see the Phases page)"), N_("NAME") },
    { "surfaces", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("With --phase or --preset: start with a surface of each phase"), NULL },
    { "view", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Start in this view: xyz (three slices in 3D), x, y, z (one flat slice), stack, "
         "quad (2x2) or volume (ray-cast volume rendering; with --phase or --preset, in the "
         "phases' colours)"), N_("VIEW") },
    { "overlays", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Start with these figure overlays shown, comma-separated: scale-bar, colorbar, "
         "legend, axes (each at its default place; exports carry them)"), N_("ITEM,…") },
    { "label", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
      N_("Start with a text label with its box's top left at fractions X, Y of the room it has "
         "(0,0 the top left, 1,1 the bottom right; repeat)"), N_("TEXT@X,Y") },
    { "voxel-size", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Voxel size in nm (or with um, mm): one for cubic voxels or X,Y,Z; over the size the "
         "file states or one remembered for it, and not remembered. SSRM tables take the lateral "
         "size from it; z stays the layer step"), N_("X[,Y,Z][UNIT]") },
    { "channel", 0, 0, G_OPTION_ARG_STRING, NULL,
      N_("Start on this channel of a multi-channel volume: its label or 0-based index"),
      N_("C") },
    { "coords", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("FILE is a feature matrix (.npy, N x D) and this .npy holds its voxel coordinates "
         "(N x 2 or N x 3, x first); opens one channel per feature"), N_("COORDS.npy") },
    { "features", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("FILE is a feature CSV: columns x, y[, z] (voxel indices) and one column per "
         "feature; opens one channel per feature"), NULL },
    { "bin", 0, 0, G_OPTION_ARG_INT, NULL,
      N_("Xradia, HDF5 and spectral sets: average N x N pixels of each image as it is read "
         "(what the memory check suggests for stacks that do not fit)"), N_("N") },
    { "demo-xanes", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Without FILE, open the synthetic XANES stack of an NMC cathode (Mn and Co pairs, 61 "
         "energies across the Ni edge) instead of the demo SSRM stack"), NULL },
    { "xanes-maps", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Open a scan along energy on the XANES page and compute its maps with the page's "
         "defaults (the edge-energy map is then shown)"), NULL },
    { "ruler", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
      N_("Start with a ruler between these voxels, which share an x, y or z index (repeat per "
         "ruler)"), N_("X0,Y0,Z0:X1,Y1,Z1") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self),
                                                     _("[FILE…] — no FILE opens the demo volume"));
  g_application_set_option_context_summary (
    G_APPLICATION (self),
    _("Opens SSRM tables, TIFF stacks and folders of TIFF slices, Xradia and HDF5 files, SSRL\n"
      "scan scripts, folders of .xrm or per-energy TIFF files. With any SSRM option given,\n"
      "tables open without asking; otherwise a dialog asks how to read them.\n"
      "Feature files open with --coords (a .npy matrix) or --features (a CSV).\n"
      "Headless subcommands: evox info|histogram|convert|render --help"));
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

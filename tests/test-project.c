/* test-project.c: desktop files, metainfo, icons and po/POTFILES.in follow the conventions. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "evox-test-svg.h"
#include "evox-test-util.h"

/* Pedantic hints that follow from decisions already taken: the application id is org.evox.Evox. */
static const char *const allowed_pedantic[] = {
  "cid-contains-uppercase-letter",
  NULL
};

static char *
source_root (void)
{
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");

  if (srcdir != NULL && *srcdir != '\0')
    return g_path_get_dirname (srcdir);
  return g_strdup (EVOX_SOURCE_ROOT);
}

static const char *
built_file (const char *variable,
            const char *fallback)
{
  const char *path = g_getenv (variable);

  return path != NULL && *path != '\0' ? path : fallback;
}

/* Path of the validator NAME, or NULL after failing the test with the package that provides it. */
static char *
find_tool (const char *name,
           const char *package)
{
  char *path = g_find_program_in_path (name);

  if (path == NULL)
    g_test_fail_printf ("%s is not installed; install the Debian package %s", name, package);
  return path;
}

/* Runs ARGV to completion; stdout and stderr come back together in *OUTPUT. */
static int
run_tool (const char *const *argv,
          char              **output)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;

  process = g_subprocess_newv (argv,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, output, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static gboolean
has_suffix_in (const char        *name,
               const char *const *suffixes)
{
  for (gsize i = 0; suffixes[i] != NULL; i++)
    if (g_str_has_suffix (name, suffixes[i]))
      return TRUE;
  return FALSE;
}

/* Every regular file below ROOT/RELATIVE whose name ends in one of SUFFIXES, as paths relative to
 * ROOT. Hidden files and folders (editor backups, build trees) are left out. */
static void
collect_files (const char        *root,
               const char        *relative,
               const char *const *suffixes,
               GPtrArray         *found)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (relative, name, NULL);
      g_autofree char *full = g_build_filename (root, child, NULL);

      if (name[0] == '.')
        continue;
      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        collect_files (root, child, suffixes, found);
      else if (g_file_test (full, G_FILE_TEST_IS_REGULAR) && has_suffix_in (name, suffixes))
        g_ptr_array_add (found, g_steal_pointer (&child));
    }
}

/* The first non-empty line of TEXT, cut there in place: failure messages are one line in TAP. */
static const char *
first_line (char *text)
{
  char *line = text + strspn (text, "\n");

  line[strcspn (line, "\n")] = '\0';
  return line;
}

/* The desktop file itself: desktop-file-validate must have nothing to say, not even a hint. */
static void
test_desktop_file (void)
{
  const char *desktop = built_file ("EVOX_DESKTOP_FILE", EVOX_DESKTOP_FILE);
  g_autofree char *tool = find_tool ("desktop-file-validate", "desktop-file-utils");
  g_autofree char *output = NULL;
  int status;

  if (tool == NULL)
    return;
  status = run_tool ((const char *const[]) { tool, desktop, NULL }, &output);
  if (status != 0 || *output != '\0')
    {
      g_test_message ("%s", output);
      g_test_fail_printf ("desktop-file-validate %s exited with %d and said: %s", desktop, status,
                          first_line (output));
    }
}

/* The launcher points at the program, the icon and the id that the rest of the project uses. */
static void
test_desktop_consistent (void)
{
  const char *desktop = built_file ("EVOX_DESKTOP_FILE", EVOX_DESKTOP_FILE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *basename = g_path_get_basename (desktop);
  g_autofree char *icon = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *root = source_root ();
  g_autofree char *icon_file = NULL;
  g_autofree char *icon_path = NULL;
  g_auto(GStrv) exec_argv = NULL;

  g_assert_cmpstr (basename, ==, APPLICATION_ID ".desktop");
  g_key_file_load_from_file (keys, desktop, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);

  icon = g_key_file_get_string (keys, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON,
                                &error);
  g_assert_no_error (error);
  g_assert_cmpstr (icon, ==, APPLICATION_ID);
  icon_file = g_strconcat (icon, ".svg", NULL);
  icon_path = g_build_filename (root, "resources", "icons", "hicolor", "scalable", "apps",
                                icon_file, NULL);
  if (!g_file_test (icon_path, G_FILE_TEST_IS_REGULAR))
    g_test_fail_printf ("the desktop file names the icon %s, but %s does not exist", icon,
                        icon_path);

  exec = g_key_file_get_string (keys, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC,
                                &error);
  g_assert_no_error (error);
  g_shell_parse_argv (exec, NULL, &exec_argv, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exec_argv[0], ==, "evox");
}

typedef struct
{
  GPtrArray *stack;          /* names of the open elements */
  char      *id;
  char      *launchable;
  char      *binary;
  GPtrArray *releases;
} Metainfo;

static void
metainfo_clear (Metainfo *info)
{
  g_clear_pointer (&info->stack, g_ptr_array_unref);
  g_clear_pointer (&info->id, g_free);
  g_clear_pointer (&info->launchable, g_free);
  g_clear_pointer (&info->binary, g_free);
  g_clear_pointer (&info->releases, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Metainfo, metainfo_clear)

static const char *
metainfo_parent (Metainfo *info)
{
  return info->stack->len >= 2 ? g_ptr_array_index (info->stack, info->stack->len - 2) : NULL;
}

static void
metainfo_start (GMarkupParseContext *context,
                const char          *element,
                const char         **names,
                const char         **values,
                gpointer             user_data,
                GError             **error)
{
  Metainfo *info = user_data;

  g_ptr_array_add (info->stack, g_strdup (element));
  if (g_str_equal (element, "release"))
    {
      for (gsize i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "version"))
          g_ptr_array_add (info->releases, g_strdup (values[i]));
    }
}

static void
metainfo_end (GMarkupParseContext *context,
              const char          *element,
              gpointer             user_data,
              GError             **error)
{
  Metainfo *info = user_data;

  g_ptr_array_remove_index (info->stack, info->stack->len - 1);
}

static void
metainfo_text (GMarkupParseContext *context,
               const char          *text,
               gsize                length,
               gpointer             user_data,
               GError             **error)
{
  Metainfo *info = user_data;
  const char *element = g_markup_parse_context_get_element (context);
  const char *parent = metainfo_parent (info);
  char **slot = NULL;

  if (g_strcmp0 (parent, "component") == 0 && g_str_equal (element, "id"))
    slot = &info->id;
  else if (g_strcmp0 (parent, "component") == 0 && g_str_equal (element, "launchable"))
    slot = &info->launchable;
  else if (g_strcmp0 (parent, "provides") == 0 && g_str_equal (element, "binary"))
    slot = &info->binary;
  if (slot != NULL)
    {
      g_free (*slot);
      *slot = g_strstrip (g_strndup (text, length));
    }
}

/* The metainfo passes appstreamcli's strict validation; pedantic hints only where allowed above. */
static void
test_metainfo_file (void)
{
  const char *metainfo = built_file ("EVOX_METAINFO_FILE", EVOX_METAINFO_FILE);
  g_autofree char *tool = find_tool ("appstreamcli", "appstream");
  g_autofree char *output = NULL;
  g_autoptr(GString) unexpected = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;
  int status;

  if (tool == NULL)
    return;
  status = run_tool ((const char *const[]) {
                       tool, "validate", "--no-net", "--pedantic", "--strict", "--no-color",
                       metainfo, NULL
                     },
                     &output);
  g_test_message ("appstreamcli validate %s:\n%s", metainfo, output);

  /* Issue lines read "P: org.evox.Evox:5: tag details". */
  lines = g_strsplit (output, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit (lines[i], " ", 4);

      if (g_strv_length (words) < 3 || strlen (words[0]) != 2 || words[0][1] != ':'
          || strchr ("EWIP", words[0][0]) == NULL)
        continue;
      if (words[0][0] != 'P' || !g_strv_contains (allowed_pedantic, words[2]))
        g_string_append_printf (unexpected, "%s%s", unexpected->len > 0 ? "; " : "", lines[i]);
    }
  if (status != 0 || unexpected->len > 0)
    g_test_fail_printf ("appstreamcli validate %s exited with %d and said: %s", metainfo, status,
                        unexpected->len > 0 ? unexpected->str : first_line (output));
}

/* Things no validator knows: the metainfo, the launcher, meson and the binary agree. */
static void
test_metainfo_consistent (void)
{
  const char *metainfo = built_file ("EVOX_METAINFO_FILE", EVOX_METAINFO_FILE);
  const char *desktop = built_file ("EVOX_DESKTOP_FILE", EVOX_DESKTOP_FILE);
  static const GMarkupParser parser = {
    .start_element = metainfo_start,
    .end_element = metainfo_end,
    .text = metainfo_text,
  };
  g_auto(Metainfo) info = {
    .stack = g_ptr_array_new_with_free_func (g_free),
    .releases = g_ptr_array_new_with_free_func (g_free),
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *basename = g_path_get_basename (metainfo);
  g_autofree char *desktop_id = g_path_get_basename (desktop);
  gsize length;

  g_assert_cmpstr (basename, ==, APPLICATION_ID ".metainfo.xml");
  g_file_get_contents (metainfo, &contents, &length, &error);
  g_assert_no_error (error);
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &info, NULL);
  g_markup_parse_context_parse (context, contents, length, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (info.id, ==, APPLICATION_ID);
  g_assert_cmpstr (info.launchable, ==, desktop_id);
  g_assert_cmpstr (info.binary, ==, "evox");
  if (!g_ptr_array_find_with_equal_func (info.releases, PACKAGE_VERSION, g_str_equal, NULL))
    g_test_fail_printf ("%s has no <release version=\"%s\">; add one for the version meson.build "
                        "declares", metainfo, PACKAGE_VERSION);
}

/* Icons are well-formed SVG with a viewBox; symbolic ones are named and placed as themes expect. */
static void
test_icons (void)
{
  static const char *const svg_suffix[] = { ".svg", NULL };
  g_autofree char *root = source_root ();
  g_autoptr(GPtrArray) icons = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *app_icon = g_build_filename ("resources", "icons", "hicolor", "scalable", "apps",
                                                APPLICATION_ID ".svg", NULL);

  collect_files (root, "resources/icons", svg_suffix, icons);
  g_assert_true (g_ptr_array_find_with_equal_func (icons, app_icon, g_str_equal, NULL));

  for (guint i = 0; i < icons->len; i++)
    {
      const char *relative = g_ptr_array_index (icons, i);
      g_autofree char *path = g_build_filename (root, relative, NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(EvoxTestSvg) svg = NULL;
      gsize length;
      gboolean symbolic_name = g_str_has_suffix (relative, "-symbolic.svg");
      gboolean symbolic_dir = strstr (relative, "/symbolic/") != NULL;

      g_file_get_contents (path, &contents, &length, &error);
      g_assert_no_error (error);
      svg = evox_test_svg_parse (contents, length, &error);
      if (error != NULL)
        g_test_fail_printf ("%s is not well-formed: %s", relative, error->message);
      else if (g_strcmp0 (svg->root, "svg") != 0 || !svg->has_view_box)
        g_test_fail_printf ("%s: the root element must be <svg> with a viewBox", relative);
      if (symbolic_name != symbolic_dir)
        g_test_fail_printf ("%s: symbolic icons end in -symbolic.svg and live under symbolic/",
                            relative);
    }
}

typedef struct
{
  GPtrArray *unlisted;   /* files with translatable strings that POTFILES.in lacks */
  GPtrArray *stale;      /* lines of POTFILES.in that name no file */
  GPtrArray *repeated;   /* lines of POTFILES.in that appear more than once */
} PotfilesCheck;

static void
potfiles_check_clear (PotfilesCheck *check)
{
  g_clear_pointer (&check->unlisted, g_ptr_array_unref);
  g_clear_pointer (&check->stale, g_ptr_array_unref);
  g_clear_pointer (&check->repeated, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PotfilesCheck, potfiles_check_clear)

/* Whether the file at PATH (relative to ROOT) holds strings that xgettext would extract with
 * meson's glib preset. */
static gboolean
is_translatable (const char *root,
                 const char *relative)
{
  /* Macros only count with a literal after them, so `#define _(s)` and `foo_ (` do not. */
  static const char c_pattern[] =
    "\\b(?:_|N_|C_|NC_)\\s*\\(\\s*\""
    "|\\b(?:g_dcgettext|g_dngettext|g_dpgettext2|d?c?n?p?gettext)\\s*\\(";
  static const char ui_pattern[] = "\\btranslatable\\s*=\\s*[\"'](?:yes|true|y|t|1)[\"']";
  static const char *const always[] = {
    ".desktop.in", ".metainfo.xml.in", ".appdata.xml.in", NULL
  };
  static const char *const c_like[] = { ".c", ".h", NULL };
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRegex) regex = NULL;

  if (has_suffix_in (relative, always))
    return TRUE;
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  if (has_suffix_in (relative, c_like))
    regex = g_regex_new (c_pattern, G_REGEX_RAW, 0, &error);
  else
    regex = g_regex_new (ui_pattern, G_REGEX_RAW | G_REGEX_CASELESS, 0, &error);
  g_assert_no_error (error);
  return g_regex_match (regex, contents, 0, NULL);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Compares ROOT/po/POTFILES.in with the files under src/, ui/ and resources/ that have
 * translatable strings. */
static void
potfiles_check (const char    *root,
                PotfilesCheck *check)
{
  static const char *const suffixes[] = {
    ".c", ".h", ".ui", ".desktop.in", ".metainfo.xml.in", ".appdata.xml.in", NULL
  };
  static const char *const folders[] = { "src", "ui", "resources", NULL };
  g_autofree char *potfiles = g_build_filename (root, "po", "POTFILES.in", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = NULL;

  check->unlisted = g_ptr_array_new_with_free_func (g_free);
  check->stale = g_ptr_array_new_with_free_func (g_free);
  check->repeated = g_ptr_array_new_with_free_func (g_free);

  g_file_get_contents (potfiles, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      g_autofree char *path = NULL;

      /* Comments, and the `[encoding: UTF-8]` lines of old intltool lists. */
      if (*line == '\0' || *line == '#' || *line == '[')
        continue;
      path = g_build_filename (root, line, NULL);
      if (!g_hash_table_add (listed, g_strdup (line)))
        g_ptr_array_add (check->repeated, g_strdup (line));
      else if (g_path_is_absolute (line) || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (check->stale, g_strdup (line));
    }

  for (gsize i = 0; folders[i] != NULL; i++)
    collect_files (root, folders[i], suffixes, sources);
  g_ptr_array_sort (sources, compare_paths);
  for (guint i = 0; i < sources->len; i++)
    {
      const char *relative = g_ptr_array_index (sources, i);

      if (!g_hash_table_contains (listed, relative) && is_translatable (root, relative))
        g_ptr_array_add (check->unlisted, g_strdup (relative));
    }
}

static void
append_paths (GString    *message,
              GPtrArray  *paths,
              const char *what)
{
  if (paths->len == 0)
    return;
  g_string_append_printf (message, "%s%s", message->len > 0 ? "; " : "", what);
  for (guint i = 0; i < paths->len; i++)
    g_string_append_printf (message, "%s%s", i > 0 ? ", " : " ",
                            (const char *) g_ptr_array_index (paths, i));
}

/* The project's own POTFILES.in is complete and names only files that exist. */
static void
test_potfiles (void)
{
  g_autofree char *root = source_root ();
  g_auto(PotfilesCheck) check = { NULL };

  potfiles_check (root, &check);
  if (check.unlisted->len > 0 || check.stale->len > 0 || check.repeated->len > 0)
    {
      g_autoptr(GString) message = g_string_new (NULL);

      append_paths (message, check.unlisted, "add these files with translatable strings:");
      append_paths (message, check.stale, "remove these lines that name no file:");
      append_paths (message, check.repeated, "these lines appear twice:");
      g_test_fail_printf ("po/POTFILES.in is out of date: %s", message->str);
    }
}

static void
write_file (const char *root,
            const char *relative,
            const char *contents)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static gboolean
contains (GPtrArray  *paths,
          const char *path)
{
  return g_ptr_array_find_with_equal_func (paths, path, g_str_equal, NULL);
}

/* The check itself, on a made-up tree: it must see each way of marking strings, and only those. */
static void
test_potfiles_checker (void)
{
  char *root = evox_test_tmpdir_new ();
  g_auto(PotfilesCheck) check = { NULL };

  write_file (root, "po/POTFILES.in",
              "# comment\n"
              "src/listed.c\n"
              "src/gone.c\n"
              "\n"
              "src/listed.c\n");
  write_file (root, "src/listed.c", "title = _ (\"Open\");\n");
  write_file (root, "src/ui/window.c", "label = _(\"Open\");\n");
  write_file (root, "src/ui/plural.c", "g_dngettext (GETTEXT_PACKAGE,\n  \"one\", \"many\", n);\n");
  write_file (root, "src/ui/table.c", "static const char *names[] = { N_ (\"Pore\") };\n");
  write_file (root, "src/ui/context.h", "#define TITLE C_(\"menu\", \"Open\")\n");
  write_file (root, "src/ui/plain.c",
              "#define _(s) (s)\nvalue = my_ (\"x\") + foo_N_ (\"y\");\n");
  write_file (root, "src/ui/.#window.c", "label = _(\"Open\");\n");
  write_file (root, "ui/panel.ui",
              "<property name=\"label\" translatable=\"yes\">Open</property>\n");
  write_file (root, "ui/plain.ui", "<property name=\"label\" translatable=\"no\">1:2</property>\n");
  write_file (root, "resources/x.desktop.in", "[Desktop Entry]\nName=X\n");

  potfiles_check (root, &check);

  g_assert_cmpuint (check.unlisted->len, ==, 6);
  g_assert_true (contains (check.unlisted, "src/ui/window.c"));
  g_assert_true (contains (check.unlisted, "src/ui/plural.c"));
  g_assert_true (contains (check.unlisted, "src/ui/table.c"));
  g_assert_true (contains (check.unlisted, "src/ui/context.h"));
  g_assert_true (contains (check.unlisted, "ui/panel.ui"));
  g_assert_true (contains (check.unlisted, "resources/x.desktop.in"));
  g_assert_cmpuint (check.stale->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (check.stale, 0), ==, "src/gone.c");
  g_assert_cmpuint (check.repeated->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (check.repeated, 0), ==, "src/listed.c");

  evox_test_tmpdir_free (root);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/Project/desktop-file", test_desktop_file);
  g_test_add_func ("/Evox/Project/desktop-consistent", test_desktop_consistent);
  g_test_add_func ("/Evox/Project/metainfo-file", test_metainfo_file);
  g_test_add_func ("/Evox/Project/metainfo-consistent", test_metainfo_consistent);
  g_test_add_func ("/Evox/Project/icons", test_icons);
  g_test_add_func ("/Evox/Project/potfiles", test_potfiles);
  g_test_add_func ("/Evox/Project/potfiles-checker", test_potfiles_checker);
  return g_test_run ();
}

/* main.c: one binary for the viewer and the headless subcommands. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>

#include "evox-application.h"
#include "evox-cli.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr (EvoxApplication) app = NULL;
  int status;

  evox_application_mark_start (g_get_monotonic_time ());
  /* A file-size limit (ulimit -f) would kill us mid-write with SIGXFSZ, leaving a temporary and
   * no message; ignored, the write fails with EFBIG and takes the path every failed write takes:
   * one line naming the file, the temporary removed, nothing already open lost. */
  signal (SIGXFSZ, SIG_IGN);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc > 1 && evox_cli_is_subcommand (argv[1]))
    return evox_cli_run (argc, argv);
  if (argc > 1 && evox_cli_check_first_argument (argv[1], &status))
    return status;

  g_set_application_name ("Evox");
  app = evox_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}

/* main.c: one binary for the viewer and the headless subcommands. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "evox-cli.h"

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");

  if (argc > 1 && evox_cli_is_subcommand (argv[1]))
    return evox_cli_run (argc, argv);

  /* The viewer (issue 3) is not built yet: show what it would open. */
  if (argc == 1)
    {
      char *info_argv[] = { "evox", "info", "--demo", NULL };
      fprintf (stderr, "evox: the viewer is not built yet; here is the demo volume it will open\n");
      return evox_cli_run (3, info_argv);
    }
  fprintf (stderr, "evox: the viewer is not built yet; try 'evox info %s'\n", argv[1]);
  return EVOX_EXIT_USAGE;
}

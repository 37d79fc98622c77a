/* evox-cli.h: the headless subcommands (`evox info`, `histogram`, `convert`, `render`). */
/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <glib.h>

#include "evox-loader.h"

G_BEGIN_DECLS

/* Exit statuses: 0 done, 1 bad input (a file that cannot be read or written), 2 bad usage. */
enum { EVOX_EXIT_OK = 0, EVOX_EXIT_INPUT = 1, EVOX_EXIT_USAGE = 2 };

gboolean evox_cli_is_subcommand (const char *name);
int      evox_cli_run           (int argc, char **argv);
/* TRUE when @arg, the program's first argument, is neither a subcommand, an option nor an
 * existing file: the reason is printed and @status says how to exit. */
gboolean evox_cli_check_first_argument (const char *arg,
                                        int        *status);

G_END_DECLS

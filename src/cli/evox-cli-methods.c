/* evox-cli-methods.c: `evox methods`, a session's methods paragraph as plain text. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "evox-cli-private.h"
#include "evox-csv.h"
#include "evox-methods.h"
#include "evox-session.h"

int
_evox_cli_methods (int    argc,
                   char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("SESSION.evox");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxSession) session = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree char *output = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *text = NULL;
  gboolean force = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write the text to OUT (default: standard output)", "OUT" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace OUT if it exists", NULL },
    { NULL }
  };

  g_option_context_set_summary (context,
    "Write the methods paragraph of a session: the data, the interpolation, the registration,\n"
    "the phases with their thresholds and the fraction change for a one-bin move of each, the\n"
    "particle labelling, the surface method, the clustering and the Evox version. The session's\n"
    "input is read again for its dimensions, voxel size and histogram.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return _evox_cli_usage_error (context, "%s", error->message);
  if (argc != 2)
    return _evox_cli_usage_error (context, "expected SESSION.evox");
  if (output != NULL)
    {
      EvoxCliOutput outputs[] = { { "-o", output } };

      if (output[0] == '\0')
        return _evox_cli_usage_error (context, "-o needs a file name");
      if (!_evox_cli_check_outputs (outputs, 1, argv[1], force, &status))
        return status;
    }

  session = evox_session_load (argv[1], &error);
  if (session == NULL)
    return _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message);
  if (!evox_session_get_input_is_demo (session))
    {
      if (!evox_session_check_input (session, &warning, &error))
        return _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message);
      /* The text describes what the session recorded; a changed input is named, not refused. */
      if (warning != NULL)
        _evox_cli_error (EVOX_EXIT_OK, "%s", warning);
    }
  volume = evox_session_load_input (session, NULL, NULL, &error);
  if (volume == NULL)
    return _evox_cli_error (EVOX_EXIT_INPUT, "%s", error->message);

  text = evox_methods_format (session, volume);
  if (output == NULL)
    {
      fputs (text, stdout);
      return fflush (stdout) == 0 ? EVOX_EXIT_OK : EVOX_EXIT_INPUT;
    }
  if (!evox_csv_write_text (output, text, strlen (text), force, &error))
    return _evox_cli_input_error (error);
  return EVOX_EXIT_OK;
}

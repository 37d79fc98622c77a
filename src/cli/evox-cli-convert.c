/* evox-cli-convert.c: `evox convert`, any readable volume to a TIFF stack. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <stdio.h>

#include "evox-cli-private.h"
#include "evox-tiff.h"

static gboolean
is_tiff_name (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  return g_str_has_suffix (lower, ".tif") || g_str_has_suffix (lower, ".tiff");
}

int
_evox_cli_convert (int    argc,
                   char **argv)
{
  g_auto(EvoxCliInput) input;
  g_autoptr(GOptionContext) context = g_option_context_new ("IN OUT.tif");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree char *channel_name = NULL;
  gboolean f32 = FALSE, force = FALSE, deflate = FALSE, bigtiff = FALSE;
  EvoxTiffWriteFlags flags = EVOX_TIFF_WRITE_NONE;
  const char *in, *out;
  int status, channel = -1;
  const GOptionEntry entries[] = {
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel_name,
      "Write one channel (label or index); default all, one after another", "C" },
    { "f32", 0, 0, G_OPTION_ARG_NONE, &f32, "Write 32-bit floats whatever the sample type", NULL },
    { "deflate", 0, 0, G_OPTION_ARG_NONE, &deflate, "Compress with Deflate", NULL },
    { "bigtiff", 0, 0, G_OPTION_ARG_NONE, &bigtiff, "Write BigTIFF even when not needed", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace OUT if it exists", NULL },
    { NULL }
  };

  if (!_evox_cli_parse (context,
      "Write a volume as a multi-page TIFF with ImageJ metadata (voxel size in nm), for example\n"
      "an SSRM table as its interpolated f32 stack. The value scale, quantity, unit, which layers\n"
      "were measured and the measured scans go along in Evox's own keys, so the stack reopens\n"
      "as it was.", entries, &input, &argc, &argv, 1, &status))
    return status;
  in = input.demo ? "demo" : argv[1];
  out = argv[argc - 1];
  if (!is_tiff_name (out))
    return _evox_cli_usage_error (context, "OUT must end in .tif or .tiff: '%s'", out);
  if (!force && g_file_test (out, G_FILE_TEST_EXISTS))
    {
      fprintf (stderr, "evox: %s: exists already (use --force to replace it)\n", out);
      return EVOX_EXIT_INPUT;
    }

  volume = _evox_cli_input_load (&input, input.demo ? NULL : in, &status);
  if (volume == NULL)
    return status;
  if (channel_name != NULL && (channel = _evox_cli_find_channel (volume, channel_name, &status)) < 0)
    return status;

  if (f32)
    flags |= EVOX_TIFF_WRITE_F32;
  if (force)
    flags |= EVOX_TIFF_WRITE_OVERWRITE;
  if (deflate)
    flags |= EVOX_TIFF_WRITE_DEFLATE;
  if (bigtiff)
    flags |= EVOX_TIFF_WRITE_BIGTIFF;
  if (!evox_tiff_write (volume, channel, out, flags, &error))
    return _evox_cli_input_error (error);
  return EVOX_EXIT_OK;
}

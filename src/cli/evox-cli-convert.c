/* evox-cli-convert.c: `evox convert`, any readable volume to a TIFF stack or a Data Exchange HDF5
 * file. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "evox-cli-private.h"
#include "evox-hdf5.h"
#include "evox-methods.h"
#include "evox-tiff.h"

static gboolean
is_tiff_name (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  return g_str_has_suffix (lower, ".tif") || g_str_has_suffix (lower, ".tiff");
}

static gboolean
is_hdf5_name (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  return g_str_has_suffix (lower, ".h5") || g_str_has_suffix (lower, ".hdf5");
}

/* Whether OUT comes as -o/--output rather than as the last argument: the parser counts the
 * positional arguments it expects. */
static gboolean
has_output_option (int    argc,
                   char **argv)
{
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if ((argv[i][0] == '-' && argv[i][1] == 'o') || g_str_has_prefix (argv[i], "--output"))
      return TRUE;
  return FALSE;
}

int
_evox_cli_convert (int    argc,
                   char **argv)
{
  g_auto(EvoxCliInput) input;
  g_autoptr(GOptionContext) context = g_option_context_new ("IN OUT.tif|OUT.h5");
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autofree char *channel_name = NULL;
  g_autofree char *output = NULL;
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  g_autofree char *provenance = NULL;
  gboolean with_provenance = FALSE;
  gboolean f32 = FALSE, force = FALSE, deflate = FALSE, bigtiff = FALSE;
  EvoxTiffWriteFlags flags = EVOX_TIFF_WRITE_NONE;
  const char *in, *out;
  gboolean hdf5;
  int status, channel = -1;
  const GOptionEntry entries[] = {
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel_name,
      "Write one channel (label or index); default all, one after another", "C" },
    { "f32", 0, 0, G_OPTION_ARG_NONE, &f32, "Write 32-bit floats whatever the sample type", NULL },
    { "deflate", 0, 0, G_OPTION_ARG_NONE, &deflate, "Compress with Deflate", NULL },
    { "bigtiff", 0, 0, G_OPTION_ARG_NONE, &bigtiff, "Write BigTIFF even when not needed", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace OUT if it exists", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write OUT (instead of the last argument)",
      "OUT" },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &with_provenance,
      "Put Evox's version, the input and its SHA-256 and this command in OUT: as "
      "evox_provenance= in the TIFF description, as the root attribute evox_provenance in HDF5",
      NULL },
    { NULL }
  };

  if (!_evox_cli_parse (context,
      "Write a volume as a multi-page TIFF with ImageJ metadata (voxel size in nm), for example\n"
      "an SSRM table as its interpolated f32 stack. The value scale, quantity, unit, which layers\n"
      "were measured and the measured scans go along in Evox's own keys, so the stack reopens\n"
      "as it was.\n"
      "OUT.h5 or OUT.hdf5 writes Data Exchange HDF5 instead: /exchange/data (energy first for\n"
      "several channels), /exchange/energy in eV, /exchange/pixel_size in um, the metadata as\n"
      "attributes; TXM-Sandbox, xanespy and h5py read it.\n"
      "A file larger than the memory cap is written at its full resolution, read a page at a\n"
      "time.", entries, &input, &argc, &argv,
      has_output_option (argc, argv) ? 0 : 1, &status))
    return status;
  in = input.demo ? "demo" : argv[1];
  if (output != NULL && output[0] == '\0')
    return _evox_cli_usage_error (context, "-o needs a file name");
  out = output != NULL ? output : argv[argc - 1];
  hdf5 = is_hdf5_name (out);
  if (!is_tiff_name (out) && !hdf5)
    return _evox_cli_usage_error (context, "OUT must end in .tif, .tiff, .h5 or .hdf5: '%s'",
                                  out);
  if (hdf5 && (channel_name != NULL || f32 || deflate || bigtiff))
    return _evox_cli_usage_error (context,
                                  "--channel, --f32, --deflate and --bigtiff are for TIFF output;"
                                  " HDF5 takes every channel in its sample type");
  /* As every command checks its outputs, before the input is read: OUT being IN (status 2, as
   * in register and spectrum), a missing folder, a file there without --force. */
  {
    EvoxCliOutput outputs[] = { { output != NULL ? "-o" : "OUT", out } };

    if (!_evox_cli_check_outputs (outputs, 1, input.demo ? NULL : in, force, &status))
      return status;
  }

  input.reads_reduced = TRUE;
  volume = _evox_cli_input_load (&input, input.demo ? NULL : in, &status);
  if (volume == NULL)
    return status;
  if (channel_name != NULL && (channel = _evox_cli_find_channel (volume, channel_name, &status)) < 0)
    return status;

  if (with_provenance)
    provenance = _evox_cli_provenance (input.demo ? NULL : in, command);
  if (hdf5)
    {
      if (!evox_hdf5_write_full_resolution (volume, out, force, provenance, NULL, NULL, &error))
        return _evox_cli_input_error (error);
      return EVOX_EXIT_OK;
    }
  /* A volume larger than memory is held reduced; its conversion is still the whole file. */
  flags |= EVOX_TIFF_WRITE_FULL_RESOLUTION;
  if (f32)
    flags |= EVOX_TIFF_WRITE_F32;
  if (force)
    flags |= EVOX_TIFF_WRITE_OVERWRITE;
  if (deflate)
    flags |= EVOX_TIFF_WRITE_DEFLATE;
  if (bigtiff)
    flags |= EVOX_TIFF_WRITE_BIGTIFF;
  if (!evox_tiff_write_with_provenance (volume, channel, out, flags, provenance, &error))
    return _evox_cli_input_error (error);
  return EVOX_EXIT_OK;
}

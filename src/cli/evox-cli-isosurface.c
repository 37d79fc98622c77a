/* evox-cli-isosurface.c: `evox isosurface`, a surface of a level, phase or particles as a mesh. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evox-cli-private.h"
#include "evox-isosurface.h"
#include "evox-mesh-writer.h"
#include "evox-methods.h"
#include "evox-phase.h"
#include "evox-units.h"

/* --level V and --phase LO:HI in stored values, typed as phase edges are. */
static gboolean
parse_values (EvoxVolume      *volume,
              const char      *level,
              const char      *range,
              EvoxSurfaceSpec *spec,
              int             *status)
{
  /* Typed in the meaning of the chosen channel (spec->channel is set before). */
  EvoxValueScale scale = evox_volume_get_channel_value_scale (volume, spec->channel);
  const char *unit = evox_volume_get_channel_unit (volume, spec->channel);
  EvoxSampleType type = evox_volume_get_sample_type (volume);
  g_autoptr(GError) error = NULL;
  float first, last;

  if (level != NULL)
    {
      if (!evox_phase_parse_value (level, scale, unit, &spec->level, &error))
        {
          *status = _evox_cli_error (EVOX_EXIT_USAGE, "--level %s: %s", level, error->message);
          return FALSE;
        }
      return TRUE;
    }

  {
    const char *colon = strchr (range, ':');
    g_autofree char *lo = NULL;

    if (colon == NULL || strchr (colon + 1, ':') != NULL)
      {
        *status = _evox_cli_error (EVOX_EXIT_USAGE, _("--phase %s: expected LO:HI"), range);
        return FALSE;
      }
    lo = g_strndup (range, (gsize) (colon - range));
    if (!evox_phase_parse_value (lo, scale, unit, &spec->lo, &error) ||
        !evox_phase_parse_value (colon + 1, scale, unit, &spec->hi, &error))
      {
        *status = _evox_cli_error (EVOX_EXIT_USAGE, "--phase %s: %s", range, error->message);
        return FALSE;
      }
  }
  if (spec->lo > spec->hi)
    {
      *status = _evox_cli_error (EVOX_EXIT_USAGE, _("--phase %s: LO is above HI"), range);
      return FALSE;
    }
  /* An empty surface would be a result, but a range that no stored value can fall in is a
   * mistake. */
  if (!evox_sample_type_inner_range (type, spec->lo, spec->hi, &first, &last))
    {
      *status = _evox_cli_error (EVOX_EXIT_USAGE, _("--phase %s: no %s value lies in this range"),
                                 range, evox_sample_type_to_string (type));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Build;

static void
build_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Build *build = user_data;

  build->result = g_object_ref (result);
  g_main_loop_quit (build->loop);
}

/* On a terminal the build runs in a worker while this thread shows its progress on stderr;
 * otherwise it runs here and stderr stays for errors. */
static EvoxMesh *
build_mesh (EvoxVolume            *volume,
            const EvoxSurfaceSpec *spec,
            GError               **error)
{
  g_autoptr(EvoxProgress) progress = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  Build build = { 0 };
  EvoxMesh *mesh;
  guint timer;

  if (!isatty (STDERR_FILENO))
    return evox_isosurface_build (volume, NULL, spec, NULL, NULL, error);

  progress = evox_progress_new ();
  loop = g_main_loop_new (NULL, FALSE);
  build = (Build) { loop, NULL };
  evox_isosurface_build_async (volume, NULL, spec, progress, NULL, build_done, &build);
  timer = _evox_cli_progress_start (progress, _("Building"));
  g_main_loop_run (loop);
  _evox_cli_progress_stop (timer);
  mesh = evox_isosurface_build_finish (build.result, error);
  g_object_unref (build.result);
  return mesh;
}

/* The keys say nm while the voxel size is known; otherwise px^2 and voxels, the figures divided
 * by the size Evox assumed for a voxel. */
static void
print_mesh (EvoxMesh  *mesh,
            EvoxUnits *units)
{
  gsize full_triangles;
  double full_area, full_volume;
  gboolean voxels = units->unit == EVOX_LENGTH_VOXELS;
  double per_area = voxels ? units->nm * units->nm : 1.0;
  double per_volume = per_area * (voxels ? units->nm : 1.0);
  const char *area_key = voxels ? "area_px2" : "area_nm2";
  const char *volume_key = voxels ? "volume_voxels" : "volume_nm3";
  g_autofree char *area = _evox_cli_format_number (evox_mesh_get_area (mesh) / per_area, FALSE);
  g_autofree char *volume = evox_mesh_is_closed (mesh)
                              ? _evox_cli_format_number (evox_mesh_get_volume (mesh) / per_volume,
                                                         FALSE)
                              : g_strdup ("open");

  /* Plain "key: value" lines for scripts; not translated. */
  printf ("triangles: %" G_GSIZE_FORMAT "\n", evox_mesh_get_n_triangles (mesh));
  printf ("vertices: %" G_GSIZE_FORMAT "\n", evox_mesh_get_n_vertices (mesh));
  printf ("%s: %s\n", area_key, area);
  printf ("%s: %s\n", volume_key, volume);
  /* A mesh within the budget has lost some area with the voxel steps: the full surface's
   * figures are the ones to quote. */
  if (evox_mesh_get_source_measures (mesh, &full_triangles, &full_area, &full_volume))
    {
      g_autofree char *full_area_text = _evox_cli_format_number (full_area / per_area, FALSE);
      g_autofree char *full_volume_text = evox_mesh_is_closed (mesh)
                                            ? _evox_cli_format_number (full_volume / per_volume,
                                                                       FALSE)
                                            : g_strdup ("open");

      printf ("full_triangles: %" G_GSIZE_FORMAT "\n", full_triangles);
      printf ("full_%s: %s\n", area_key, full_area_text);
      printf ("full_%s: %s\n", volume_key, full_volume_text);
    }
}

int
_evox_cli_isosurface (int    argc,
                      char **argv)
{
  g_auto(EvoxCliInput) input;
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("FILE (--level V | --phase LO:HI | --label N|all) -o OUT"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = NULL;
  g_autoptr(EvoxMesh) mesh = NULL;
  g_autofree char *level = NULL;
  g_autofree char *range = NULL;
  g_autofree char *label = NULL;
  g_autofree char *channel_name = NULL;
  g_autofree char *max_triangles = NULL;
  g_autofree char *color = NULL;
  g_autofree char *output = NULL;
  g_autofree char *session = NULL;
  g_autofree char *command = evox_provenance_join_argv (argc, argv);
  g_autofree char *provenance = NULL;
  gboolean smooth = FALSE, force = FALSE, with_provenance = FALSE;
  EvoxSurfaceSpec spec = { 0 };
  EvoxMeshFormat format;
  guint8 rgba[4] = { 0, 0, 0, 255 };
  const char *in, *surface_option;
  int status, channel;
  EvoxUnits units;
  const GOptionEntry entries[] = {
    { "level", 0, 0, G_OPTION_ARG_STRING, &level,
      N_("The surface where the values cross V (inside: v >= V), in stored values (log10 "
         "numbers for log10 data; 3.2e-5 is a quantity)"), "V" },
    { "phase", 0, 0, G_OPTION_ARG_STRING, &range,
      N_("The boundary of the phase LO <= value <= HI, values as for --level"), "LO:HI" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label,
      N_("In a label volume (as `evox segment --labels` writes): the surface of particle N, or "
         "of every particle, each in its own colour"), "N|all" },
    { "smooth", 0, 0, G_OPTION_ARG_NONE, &smooth,
      N_("Smooth before contouring (Gaussian, sigma 1 voxel): no voxel steps; phase and "
         "particle masks are contoured at the level that keeps their voxel count, so thin "
         "features stay"), NULL },
    { "channel", 0, 0, G_OPTION_ARG_STRING, &channel_name, N_("Channel label or index"), "C" },
    { "max-triangles", 0, 0, G_OPTION_ARG_STRING, &max_triangles,
      N_("At most N triangles (default 0: no limit): a surface over it is contoured on a "
         "coarser grid; the full surface's figures are printed too"),
      "N" },
    { "color", 0, 0, G_OPTION_ARG_STRING, &color,
      N_("Vertex colour in PLY and OBJ (default light grey)"), "#rrggbb" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("The mesh file, in nm (in voxel steps while the voxel size is not known): binary STL, "
         "binary PLY (normals and colours) or OBJ, by its extension"), "OUT.stl|ply|obj" },
    { "provenance", 0, 0, G_OPTION_ARG_NONE, &with_provenance,
      N_("Put Evox's version, the input and its SHA-256 and this command in PLY comments or "
         "OBJ '#' lines (STL has no room for them)"), NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, N_("Replace the output file if it exists"),
      NULL },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &session,
      N_("Also save what was done as a session (input, reading options, the surface; with "
         "--phase a phase named Phase 1) for the window and evox apply"), "OUT.evox" },
    { NULL }
  };

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!_evox_cli_parse (context,
      _("Extract a closed surface from a volume by flying edges and write it as a mesh: the\n"
        "surface of a value level, of a phase (a value range) or of particles in a label\n"
        "volume. Prints the triangles, vertices, area in nm^2 and enclosed volume in nm^3\n"
        "(px^2 and voxels while the voxel size is not known)."),
      entries, &input, &argc, &argv, 0, &status))
    return status;
  in = input.demo ? NULL : argv[1];

  /* Everything that does not need the volume is checked before reading it. */
  if ((level != NULL) + (range != NULL) + (label != NULL) != 1)
    return _evox_cli_usage_error (context, _("give exactly one of --level, --phase and --label"));
  surface_option = level != NULL ? "--level" : range != NULL ? "--phase" : "--label";
  if (output == NULL)
    return _evox_cli_usage_error (context, _("-o OUT.stl|ply|obj is required"));
  if (!evox_mesh_format_from_path (output, &format, &error))
    return _evox_cli_error (EVOX_EXIT_USAGE, "-o %s", error->message);
  if (label != NULL)
    {
      gint64 id;

      if (g_str_equal (label, "all"))
        spec.kind = EVOX_SURFACE_PARTICLES;
      else if (_evox_cli_parse_int (label, 1, G_MAXUINT32, &id))
        {
          spec.kind = EVOX_SURFACE_PARTICLE;
          spec.particle = (guint32) id;
        }
      else
        return _evox_cli_usage_error (context, _("--label must be a particle id (a whole number "
                                                 "from 1) or all, not '%s'"), label);
    }
  else
    spec.kind = level != NULL ? EVOX_SURFACE_LEVEL : EVOX_SURFACE_RANGE;
  spec.smooth = smooth;
  if (max_triangles != NULL)
    {
      gint64 n;

      if (!_evox_cli_parse_int (max_triangles, 0, G_MAXINT64, &n))
        return _evox_cli_usage_error (context, _("--max-triangles must be a whole number, 0 for "
                                                 "no limit, not '%s'"), max_triangles);
      /* Found before the volume is read and the surface built, not after. */
      if (n > 0 && n < 4)
        return _evox_cli_usage_error (context, _("--max-triangles must be 0 (no limit) or at "
                                                 "least 4 (a closed surface's fewest), not '%s'"),
                                      max_triangles);
      spec.max_triangles = (guint64) n;
    }
  if (color != NULL)
    {
      float rgb[3];

      if (!evox_color_is_valid (color))
        return _evox_cli_usage_error (context, _("--color must be #rrggbb, not '%s'"), color);
      if (format == EVOX_MESH_FORMAT_STL)
        return _evox_cli_usage_error (context, _("--color: STL files hold no colours; write PLY "
                                                 "or OBJ"));
      if (spec.kind == EVOX_SURFACE_PARTICLES)
        return _evox_cli_usage_error (context, _("--color: with --label all every particle has "
                                                 "its own colour"));
      evox_color_get_rgb (color, rgb);
      for (guint k = 0; k < 3; k++)
        rgba[k] = (guint8) lroundf (rgb[k] * 255.0f);
    }
  if (session != NULL && label != NULL)
    return _evox_cli_usage_error (context, _("--session: a session holds surfaces of levels, "
                                             "phases and the particles it finds, not of a label "
                                             "volume's values; leave out --label"));
  if (!_evox_cli_check_outputs ((EvoxCliOutput[]) { { "-o", output }, { "--session", session } },
                                session != NULL ? 2 : 1, in, force, &status))
    return status;

  volume = _evox_cli_input_load (&input, in, &status);
  if (volume == NULL)
    return status;
  if ((channel = _evox_cli_find_channel (volume, channel_name, &status)) < 0)
    return status;
  spec.channel = (guint) channel;
  if ((level != NULL || range != NULL) && !parse_values (volume, level, range, &spec, &status))
    return status;

  mesh = build_mesh (volume, &spec, &error);
  if (mesh == NULL)
    {
      if (error->domain == EVOX_ERROR && error->code == EVOX_ERROR_ARGUMENT)
        return _evox_cli_error (EVOX_EXIT_USAGE, "%s %s: %s", surface_option,
                                level != NULL ? level : range != NULL ? range : label,
                                error->message);
      return _evox_cli_input_error (error);
    }
  /* Made after the build: the document's own builder would start on a main loop that
   * build_mesh runs. */
  if (session != NULL)
    {
      g_autoptr(EvoxDocument) document = evox_document_new ();
      g_autofree char *name = in != NULL ? g_path_get_basename (in) : NULL;

      evox_document_set_volume (document, volume, name, in);
      evox_document_set_channel (document, spec.channel);
      evox_document_set_smooth_surfaces (document, spec.smooth);
      evox_document_set_triangle_budget (document, spec.max_triangles);
      if (level != NULL)
        evox_document_add_level_surface (document, spec.level);
      else
        {
          EvoxPhaseList *phases = evox_document_get_phases (document);
          g_autofree char *phase_name = evox_phase_list_dup_unique_name (phases);
          g_autoptr(EvoxPhase) phase = evox_phase_new (phase_name, spec.lo, spec.hi,
                                                       evox_phase_list_next_color (phases));

          evox_phase_list_append (phases, phase);
          evox_document_add_phase_surface (document, phase);
        }
      if (color != NULL)
        evox_surface_set_color (evox_surface_list_get_surface
                                  (evox_document_get_surfaces (document), 0), color);
      if (!_evox_cli_save_session (document, session, force, &status))
        return status;
    }
  if (with_provenance)
    {
      g_autofree char *operation = g_strconcat ("evox ", command, NULL);

      provenance = evox_provenance_record (in, operation);
    }
  if (!evox_mesh_write_with_provenance (mesh, volume, output, format,
                                        color != NULL ? rgba : NULL, provenance, force, &error))
    {
      if (session != NULL)
        g_unlink (session);
      return _evox_cli_input_error (error);
    }
  units = evox_units_for_volume (volume);
  print_mesh (mesh, &units);
  return EVOX_EXIT_OK;
}

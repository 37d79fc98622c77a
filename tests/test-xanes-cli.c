/* test-xanes-cli.c: `evox xanes` and `evox elements` run as a user would on a small synthetic Ni K
 * stack made here (two regions of known E0, empty voxels around them); their files read back
 * and compared with the maps computed in this process, their summaries with brute force, their
 * refusals checked to write nothing. */
/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <tiffio.h>
#include <unistd.h>

#include "evox-elements.h"
#include "evox-energy-tiff-writer.h"
#include "evox-hdf5.h"
#include "evox-loader.h"
#include "evox-register.h"
#include "evox-tiff.h"
#include "evox-xanes.h"
#include "evox-test-util.h"
#include "evox-test-volume.h"

typedef EvoxTestRun Run;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, evox_test_run_clear)

#define NX 16
#define NY 16
#define N_ENERGIES 30
#define N_MAPS 6
#define PIXEL_NM 30.0
/* The two regions' E0 (the arctan's centre), eV: x < NX / 2 reduced, the rest 3 eV higher. */
#define E0_LEFT 8333.0
#define E0_RIGHT 8336.0

static const char *const map_labels[N_MAPS] = {
  "edge_energy", "e0", "whiteline_energy", "whiteline_height", "edge_step", "mask",
};

/* A beamline's Ni K scan: 6 pre-edge energies 24 eV apart from E0-150, 15 across the edge 2 eV
 * apart, 9 post-edge energies 20 eV apart up to E0+210. */
static double
energy_of (guint c)
{
  if (c < 6)
    return 8183.0 + 24.0 * c;
  if (c < 21)
    return 8318.0 + 2.0 * (c - 6);
  return 8383.0 + 20.0 * (c - 21);
}

/* OD of a particle voxel: a sloping background, an arctan edge of step 1 at e0 and a Gaussian
 * white line 6 eV above it, plus noise of 0.3 % of the step. Voxels on the border (y == 0 or
 * x == 0) are empty: background and noise only, no edge. */
static double
od (gsize     x,
    gsize     y,
    double    energy,
    guint64  *state)
{
  double e0 = x < NX / 2 ? E0_LEFT : E0_RIGHT;
  double noise = 0.003 * (evox_test_uniform (state) - 0.5) * sqrt (12.0);
  double base = 0.2 + 2e-4 * (energy - 8333.0);

  if (x == 0 || y == 0)
    return base + noise;
  return base + 0.5 + atan ((energy - e0) / 2.0) / G_PI +
         0.4 * exp (-pow ((energy - e0 - 6.0) / 4.0, 2)) + noise;
}

/* The stack, channels in energy order (descending when reversed: a scan made downwards), OD,
 * with PIXEL_NM pixels; n_channels of the energies from first. */
static EvoxVolume *
make_stack (guint    first,
            guint    n_channels,
            gboolean reversed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (NX, NY, 1, n_channels, EVOX_SAMPLE_F32,
                                                  &error);
  const double spacing[3] = { PIXEL_NM, PIXEL_NM, PIXEL_NM };

  g_assert_no_error (error);
  for (guint i = 0; i < n_channels; i++)
    {
      guint c = reversed ? n_channels - 1 - i : i;
      double energy = energy_of (first + c);
      g_autofree char *label = g_strdup_printf ("%.1f eV", energy);
      float *data = evox_volume_get_data_mut (volume, i);
      /* the noise of an energy is its own, whatever the channel order */
      guint64 state = 14 + first + c;

      for (gsize y = 0; y < NY; y++)
        for (gsize x = 0; x < NX; x++)
          data[y * NX + x] = (float) od (x, y, energy, &state);
      evox_volume_set_channel_info (volume, i, label, energy);
    }
  evox_volume_set_values (volume, EVOX_SCALE_LINEAR, "optical density", NULL);
  evox_volume_set_spacing (volume, spacing);
  evox_volume_set_spacing_known (volume, TRUE);
  evox_volume_freeze (volume);
  return g_steal_pointer (&volume);
}

static char *
write_h5 (const char *dir,
          const char *name,
          EvoxVolume *volume)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (evox_hdf5_write (volume, path, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  return path;
}

static EvoxVolume *
load (const char *path)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_load (path, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  return volume;
}

/* The maps as `evox xanes --edge Ni` computes them, here. */
static EvoxVolume *
maps_here (EvoxVolume *stack,
           gboolean    with_norm)
{
  g_autoptr(GError) error = NULL;
  EvoxXanesParams params;
  EvoxEdge edge;
  EvoxVolume *maps;

  evox_xanes_params_init (&params);
  g_assert_true (evox_edge_parse ("Ni", &edge, &error));
  g_assert_no_error (error);
  params.edge = edge.energy;
  params.with_norm = with_norm;
  maps = evox_xanes_maps (stack, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  return maps;
}

/* run_command with a child setup; the arguments after command end with NULL. */
static Run
run_with_setup (GSpawnChildSetupFunc  setup,
                const char           *command,
                ...)
{
  va_list ap;
  Run run;

  va_start (ap, command);
  run = evox_test_run_evox_va (NULL, setup, command, va_arg (ap, const char *), ap);
  va_end (ap);
  return run;
}

#define run_command(...) evox_test_run_evox (__VA_ARGS__)

/* numpy.percentile's default (linear between order statistics) of the finite values, by a sort
 * written here. */
static double
percentile (EvoxVolume *maps,
            guint       channel,
            double      q)
{
  const float *v = evox_volume_get_data (maps, channel);
  g_autoptr(GArray) finite = g_array_new (FALSE, FALSE, sizeof (double));
  double position, *d;
  gsize lo;

  for (gsize i = 0; i < evox_volume_get_n_voxels (maps); i++)
    if (isfinite (v[i]))
      {
        double x = v[i];

        g_array_append_val (finite, x);
      }
  d = (double *) finite->data;
  /* insertion sort: a few hundred values */
  for (guint i = 1; i < finite->len; i++)
    for (guint j = i; j > 0 && d[j - 1] > d[j]; j--)
      {
        double t = d[j];

        d[j] = d[j - 1];
        d[j - 1] = t;
      }
  position = q / 100.0 * (finite->len - 1);
  lo = (gsize) floor (position);
  if (lo + 1 >= finite->len)
    return d[finite->len - 1];
  return d[lo] + (position - lo) * (d[lo + 1] - d[lo]);
}

static char *
format3 (double value)
{
  return g_strdup_printf ("%.3f", value);
}

/* The summary's lines: the edge and E0 the maps were made with, the ranges, the mask's count
 * and the percentiles of the edge energy, each as computed here from the maps. */
static void
check_summary (const char *out,
               EvoxVolume *maps)
{
  g_autofree char *median = format3 (percentile (maps, 0, 50));
  g_autofree char *q25 = format3 (percentile (maps, 0, 25));
  g_autofree char *q75 = format3 (percentile (maps, 0, 75));
  g_autofree char *iqr = format3 (percentile (maps, 0, 75) - percentile (maps, 0, 25));
  g_autofree char *q5 = format3 (percentile (maps, 0, 5));
  g_autofree char *q95 = format3 (percentile (maps, 0, 95));
  g_autofree char *wl = format3 (percentile (maps, 2, 50));
  g_autofree char *edge_line = g_strdup_printf ("edge_energy: median %s eV, IQR %s to %s eV (%s "
                                                "eV), 5th-95th percentile %s to %s eV\n", median,
                                                q25, q75, iqr, q5, q95);
  g_autofree char *wl_line = g_strdup_printf ("whiteline_energy: median %s eV\n", wl);
  g_autofree char *e0_line = g_strdup_printf ("e0: %.2f eV (",
                                              g_ascii_strtod (evox_volume_get_metadata (maps,
                                                              "xanes_e0"), NULL));
  const float *mask = evox_volume_get_data (maps, 5);
  gsize in = 0;
  g_autofree char *mask_line = NULL;

  for (gsize i = 0; i < NX * NY; i++)
    in += mask[i] == 1.0f;
  /* (NX - 1) (NY - 1) voxels have an edge; the empty border should mostly stay out (noise can
   * let a few through, at the rate the mask rule allows) */
  g_assert_cmpuint (in, >=, (NX - 1) * (NY - 1));
  g_assert_cmpuint (in, <, (NX - 1) * (NY - 1) + (NX + NY - 1) / 4);
  mask_line = g_strdup_printf ("mask: %" G_GSIZE_FORMAT " of %d voxels (%.2f %%) with edge step "
                               "> 3 x its noise\n", in, NX * NY, 100.0 * in / (NX * NY));
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "edge: Ni K (83"));
  g_assert_nonnull (strstr (out, e0_line));
  {
    double e0 = g_ascii_strtod (evox_volume_get_metadata (maps, "xanes_e0"), NULL);
    guint n_pre = 0, n_post = 0, first_pre = 0, first_post = 0;
    g_autofree char *pre = NULL, *post = NULL;

    /* the energies in [E0 - 150, E0 - 30] and from E0 + 50 on, counted here */
    for (guint c = N_ENERGIES; c-- > 0;)
      {
        if (energy_of (c) - e0 >= -150 && energy_of (c) - e0 <= -30)
          n_pre++, first_pre = c;
        if (energy_of (c) - e0 >= 50)
          n_post++, first_post = c;
      }
    pre = g_strdup_printf ("pre-edge: E0-150 to E0-30 eV, %u energies (%.1f to %.1f eV)\n",
                           n_pre, energy_of (first_pre), energy_of (first_pre + n_pre - 1));
    post = g_strdup_printf ("post-edge: E0+50 eV to the last energy, %u energies (%.1f to %.1f "
                            "eV)\n", n_post, energy_of (first_post), energy_of (N_ENERGIES - 1));
    g_assert_cmpuint (n_pre, >=, 2);
    g_assert_nonnull (strstr (out, pre));
    g_assert_nonnull (strstr (out, post));
  }
  /* 160 eV of post-edge span: Larch's rule gives a line */
  g_assert_nonnull (strstr (out, "nnorm: 1 (auto"));
  g_assert_nonnull (strstr (out, mask_line));
  g_assert_nonnull (strstr (out, edge_line));
  g_assert_nonnull (strstr (out, wl_line));
}

/* The maps file: every map equal to the ones computed here, its label and meaning; the
 * normalised stack's channels with their energies. */
static void
check_maps_file (EvoxVolume *read,
                 EvoxVolume *here,
                 gboolean    with_norm)
{
  guint n = evox_volume_get_n_channels (here);

  g_assert_cmpuint (evox_volume_get_n_channels (read), ==, n);
  g_assert_cmpuint (n, ==, N_MAPS + (with_norm ? N_ENERGIES : 0));
  for (guint c = 0; c < n; c++)
    {
      g_assert_cmpstr (evox_volume_get_channel_label (read, c), ==,
                       evox_volume_get_channel_label (here, c));
      if (c < N_MAPS)
        {
          g_assert_cmpstr (evox_volume_get_channel_label (read, c), ==, map_labels[c]);
          g_assert_true (isnan (evox_volume_get_channel_energy (read, c)));
        }
      else
        g_assert_cmpfloat (evox_volume_get_channel_energy (read, c), ==,
                           evox_volume_get_channel_energy (here, c));
      g_assert_cmpstr (evox_volume_get_channel_quantity (read, c), ==,
                       evox_volume_get_channel_quantity (here, c));
      g_assert_cmpstr (evox_volume_get_channel_unit (read, c), ==,
                       evox_volume_get_channel_unit (here, c));
      evox_test_assert_same_channel (read, c, here, c);
    }
  /* the regions' edges near the arctan's centre: the white line's tail lifts the normalised
   * curve a little before it, so the half step lies a few tenths of an eV lower */
  g_assert_cmpfloat (fabs (evox_volume_get_value (read, 0, 3, 8, 0) - E0_LEFT), <, 0.5);
  g_assert_cmpfloat (fabs (evox_volume_get_value (read, 0, 12, 8, 0) - E0_RIGHT), <, 0.5);
  g_assert_true (isnan (evox_volume_get_value (read, 0, 0, 8, 0)));
}

/* To HDF5: the maps and the normalised stack in one file that reads back with every channel's
 * label, energy and meaning; the summary; nothing else in the folder. */
static void
test_hdf5 (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, FALSE);
  g_autofree char *in = write_h5 (dir, "stack.h5", stack);
  g_autofree char *out = g_build_filename (dir, "maps.h5", NULL);
  g_autoptr(EvoxVolume) here = maps_here (stack, TRUE);
  g_autoptr(EvoxVolume) read = NULL;

  {
    g_auto(Run) run = run_command ("xanes", in, "--edge", "Ni", "-o", out, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.err, ==, "");
    check_summary (run.out, here);
  }
  read = load (out);
  check_maps_file (read, here, TRUE);
  g_assert_cmpstr (evox_volume_get_metadata (read, "xanes_e0"), ==,
                   evox_volume_get_metadata (here, "xanes_e0"));
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);

  /* The edge found from the energies is Ni's (the only K edge within them); --no-norm writes
   * the maps alone. */
  {
    g_autofree char *out2 = g_build_filename (dir, "maps2.h5", NULL);
    g_autoptr(EvoxVolume) here2 = maps_here (stack, FALSE);
    g_autoptr(EvoxVolume) read2 = NULL;
    g_auto(Run) run = run_command ("xanes", in, "--no-norm", "-o", out2, NULL);

    g_assert_cmpint (run.status, ==, 0);
    check_summary (run.out, here2);
    read2 = load (out2);
    check_maps_file (read2, here2, FALSE);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* PREFIX.tif from an energy TIFF (what `evox register -o X.tif` writes) whose channels run
 * downwards in energy: a TIFF per map and the normalised energy stack with its energies file. */
static void
test_tiff_prefix (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, TRUE);
  g_autofree char *in = g_build_filename (dir, "stack.tif", NULL);
  g_autofree char *sub = g_build_filename (dir, "out", NULL);
  g_autofree char *prefix = g_build_filename (sub, "m.tif", NULL);
  g_autoptr(EvoxVolume) here = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (evox_energy_tiff_write_stack (stack, in, FALSE, &error));
  g_assert_no_error (error);
  {
    /* the stack as evox reads it back: still OD, which the edge_step map carries */
    g_autoptr(EvoxVolume) read = load (in);

    g_assert_cmpstr (evox_volume_get_channel_quantity (read, 0), ==, "optical density");
    here = maps_here (read, TRUE);
  }
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  {
    g_auto(Run) run = run_command ("xanes", in, "--edge", "Ni_K", "-o", prefix, NULL);

    g_assert_cmpint (run.status, ==, 0);
    check_summary (run.out, here);
  }
  for (guint m = 0; m < N_MAPS; m++)
    {
      g_autofree char *name = g_strdup_printf ("m_%s.tif", map_labels[m]);
      g_autofree char *path = g_build_filename (sub, name, NULL);
      g_autoptr(EvoxVolume) read = load (path);

      g_assert_cmpuint (evox_volume_get_n_channels (read), ==, 1);
      g_assert_cmpstr (evox_volume_get_channel_quantity (read, 0), ==,
                       evox_volume_get_channel_quantity (here, m));
      evox_test_assert_same_channel (read, 0, here, m);
    }
  {
    g_autofree char *path = g_build_filename (sub, "m_norm.tif", NULL);
    g_autoptr(EvoxVolume) read = load (path);

    g_assert_cmpuint (evox_volume_get_n_channels (read), ==, N_ENERGIES);
    for (guint c = 0; c < N_ENERGIES; c++)
      {
        g_assert_cmpfloat (evox_volume_get_channel_energy (read, c), ==, energy_of (c));
        /* what the maps call them ("norm 8183 eV"), not the energies file's "8183.0 eV" */
        g_assert_cmpstr (evox_volume_get_channel_label (read, c), ==,
                         evox_volume_get_channel_label (here, N_MAPS + c));
        g_assert_true (g_str_has_prefix (evox_volume_get_channel_label (read, c), "norm "));
        g_assert_cmpstr (evox_volume_get_channel_quantity (read, c), ==,
                         "normalised absorption");
        evox_test_assert_same_channel (read, c, here, N_MAPS + c);
      }
  }
  /* six maps, the stack and its energies file: nothing else, no staging folder left */
  g_assert_cmpuint (evox_test_count_entries (sub), ==, N_MAPS + 2);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* An output that exists is refused before any work, and nothing else is written; --force
 * replaces it. One existing file of the prefix form refuses the whole run. */
static void
test_force (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, FALSE);
  g_autofree char *in = write_h5 (dir, "stack.h5", stack);
  g_autofree char *out = g_build_filename (dir, "maps.h5", NULL);
  g_autofree char *prefix = g_build_filename (dir, "m.tif", NULL);
  g_autofree char *e0 = g_build_filename (dir, "m_e0.tif", NULL);
  g_autoptr(EvoxVolume) here = maps_here (stack, TRUE);
  g_autoptr(EvoxVolume) read = NULL;
  g_autofree char *text = NULL;

  g_assert_true (g_file_set_contents (out, "old", -1, NULL));
  {
    g_auto(Run) run = run_command ("xanes", in, "-o", out, NULL);

    evox_test_assert_refused (&run, 1, "maps.h5: exists already (use --force to replace it)");
  }
  text = read_text (out);
  g_assert_cmpstr (text, ==, "old");
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 2);
  {
    g_auto(Run) run = run_command ("xanes", in, "-o", out, "--force", NULL);

    g_assert_cmpint (run.status, ==, 0);
  }
  read = load (out);
  check_maps_file (read, here, TRUE);

  g_assert_true (g_file_set_contents (e0, "old", -1, NULL));
  {
    g_auto(Run) run = run_command ("xanes", in, "-o", prefix, NULL);

    evox_test_assert_refused (&run, 1, "m_e0.tif: exists already");
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 3);
  {
    g_auto(Run) run = run_command ("xanes", in, "-o", prefix, "-f", NULL);

    g_assert_cmpint (run.status, ==, 0);
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 3 + N_MAPS - 1 + 2);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

typedef struct
{
  const char *args[6];
  int         status;
  const char *text;
} Refusal;

/* command IN OPTION VALUE -o out for each refusal: its status and one line, and no out (nor
 * anything else: the folder holds what it held). */
static void
assert_refusals (const char    *command,
                 const char    *in,
                 const char    *out,
                 const Refusal *refusals,
                 guint          n)
{
  g_autofree char *dir = g_path_get_dirname (out);
  guint entries = evox_test_count_entries (dir);

  for (guint i = 0; i < n; i++)
    {
      const Refusal *r = &refusals[i];
      g_auto(Run) run = run_command (command, in, r->args[0], r->args[1], "-o", out, NULL);

      g_test_message ("%s %s: %s", r->args[0], r->args[1], run.err);
      evox_test_assert_refused (&run, r->status, r->text);
      g_assert_cmpuint (evox_test_count_entries (dir), ==, entries);
    }
}

/* Each refusal: its exit status, one line naming the option or the file, nothing written. */
static void
test_refusals (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, FALSE);
  g_autoptr(EvoxVolume) three = make_stack (21, 3, FALSE);
  /* 8383..8543 eV: above Ni K, below Cu K */
  g_autoptr(EvoxVolume) above = make_stack (21, 9, FALSE);
  g_autofree char *in = write_h5 (dir, "stack.h5", stack);
  g_autofree char *in3 = write_h5 (dir, "three.h5", three);
  g_autofree char *in_above = write_h5 (dir, "above.h5", above);
  g_autofree char *out = g_build_filename (dir, "maps.h5", NULL);
  const Refusal refusals[] = {
    { { "--edge", "Xx" }, 2, "--edge Xx" },
    { { "--edge", "Ni_M5" }, 2, "--edge Ni_M5" },
    { { "--edge", "Co" }, 2, "--edge Co: " },
    { { "--edge", "9000" }, 2, "does not span 9000.0 eV" },
    { { "--pre", "-30:-150" }, 2, "--pre -30:-150: LO must be below HI" },
    { { "--pre", "abc" }, 2, "--pre must be LO:HI" },
    /* one energy, 8303 eV, between E0-40 and E0-30 */
    { { "--pre", "-40:-30" }, 2, "pre-edge range" },
    { { "--post", "200:300" }, 2, "post-edge range" },
    { { "--nnorm", "3" }, 2, "--nnorm must be auto, 0, 1 or 2" },
    { { "--e0", "-5" }, 2, "--e0 must be an energy" },
    { { "--e0", "9000" }, 2, "E0 9000" },
    { { "--step-sigma", "x" }, 2, "--step-sigma" },
  };

  assert_refusals ("xanes", in, out, refusals, G_N_ELEMENTS (refusals));
  {
    g_autofree char *png = g_build_filename (dir, "maps.png", NULL);
    g_auto(Run) run = run_command ("xanes", in, "-o", png, NULL);

    evox_test_assert_refused (&run, 2, "maps.png: OUT must end in .h5 or .hdf5");
  }
  {
    g_auto(Run) run = run_command ("xanes", in3, "-o", out, NULL);

    evox_test_assert_refused (&run, 1, "three.h5: 3 energies; XANES maps need at least 4");
  }
  {
    g_auto(Run) run = run_command ("xanes", in_above, "-o", out, NULL);

    evox_test_assert_refused (&run, 2, "above.h5: no K edge of K to Mo lies within its energies "
                                       "(8383.0 to 8543.0 eV)");
  }
  /* One energy (8303 eV) below the edge for the default ranges: the data's fault */
  {
    g_autoptr(EvoxVolume) short_pre = make_stack (5, N_ENERGIES - 5, FALSE);
    g_autofree char *in_short = write_h5 (dir, "short.h5", short_pre);
    g_auto(Run) run = run_command ("xanes", in_short, "-o", out, NULL);

    evox_test_assert_refused (&run, 1, "short.h5: XANES: 1 energy in the pre-edge range");
    g_assert_cmpint (g_unlink (in_short), ==, 0);
  }
  /* No pre-edge below the E0 given: that --e0 does not suit the stack */
  {
    g_auto(Run) run = run_command ("xanes", in_above, "--e0", "8400", "-o", out, NULL);

    evox_test_assert_refused (&run, 2, "pre-edge range");
  }
  {
    g_auto(Run) run = run_command ("xanes", in, "-o", NULL);

    g_assert_cmpint (run.status, ==, 2);
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 3);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Two channels of one energy are refused as the data's fault. */
static void
test_repeated_energy (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) volume = make_stack (0, N_ENERGIES, FALSE);
  g_autofree char *in = g_build_filename (dir, "repeated.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "maps.h5", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) copy = evox_volume_new (NX, NY, 1, N_ENERGIES, EVOX_SAMPLE_F32, &error);

  g_assert_no_error (error);
  for (guint c = 0; c < N_ENERGIES; c++)
    {
      double energy = energy_of (c == 8 ? 7 : c);

      memcpy (evox_volume_get_data_mut (copy, c), evox_volume_get_data (volume, c),
              NX * NY * sizeof (float));
      evox_volume_set_channel_info (copy, c, evox_volume_get_channel_label (volume, c), energy);
    }
  evox_volume_freeze (copy);
  g_assert_true (evox_tiff_write (copy, -1, in, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  {
    g_auto(Run) run = run_command ("xanes", in, "-o", out, NULL);

    evox_test_assert_refused (&run, 1, "repeated.tif: the energy 8320 eV is repeated");
  }
  {
    g_auto(Run) run = run_command ("elements", in, "-o", out, NULL);

    evox_test_assert_refused (&run, 1, "repeated.tif: the energy 8320 eV is repeated");
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A stack whose energies keep their own pixel sizes has not been registered: a note, and the
 * maps all the same. */
static void
test_unregistered_note (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, FALSE);
  g_autofree char *out = g_build_filename (dir, "maps.h5", NULL);
  g_autofree char *in = NULL;
  g_autoptr(EvoxVolume) raw = NULL;
  g_autoptr(GError) error = NULL;
  gsize bytes = NX * NY * sizeof (float);

  raw = evox_volume_new (NX, NY, 1, N_ENERGIES, EVOX_SAMPLE_F32, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < N_ENERGIES; c++)
    {
      memcpy (evox_volume_get_data_mut (raw, c), evox_volume_get_data (stack, c), bytes);
      evox_volume_set_channel_info (raw, c, evox_volume_get_channel_label (stack, c),
                                    energy_of (c));
      /* pixel size proportional to energy, as a TXM's zone plate gives */
      evox_volume_set_channel_pixel_size (raw, c, PIXEL_NM * energy_of (c) / 8333.0);
    }
  evox_volume_set_values (raw, EVOX_SCALE_LINEAR, "optical density", NULL);
  evox_volume_set_spacing_known (raw, TRUE);
  evox_volume_freeze (raw);
  in = write_h5 (dir, "raw.h5", raw);
  {
    g_auto(Run) run = run_command ("xanes", in, "--edge", "Ni", "-o", out, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.err, "evox: note: "));
    g_assert_nonnull (strstr (run.err, "raw.h5: its energies have different pixel sizes, so it "
                                       "has not been registered"));
    /* one line */
    g_assert_cmpint (strchr (run.err, '\n') - run.err, ==, strlen (run.err) - 1);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* --register: the maps of the stack registered as `evox register` registers it by default
 * (evox_register_stack with the default options, here), and a line saying so. */
static void
test_register (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, FALSE);
  g_autofree char *in = write_h5 (dir, "stack.h5", stack);
  g_autofree char *out = g_build_filename (dir, "maps.h5", NULL);
  g_autoptr(EvoxRegistration) registration = NULL;
  g_autoptr(EvoxVolume) here = NULL;
  g_autoptr(EvoxVolume) read = NULL;
  g_autoptr(GError) error = NULL;
  EvoxRegisterOptions options;

  evox_register_options_init (&options);
  registration = evox_register_stack (stack, &options, NULL, NULL, &error);
  g_assert_no_error (error);
  here = maps_here (evox_registration_get_registered (registration), TRUE);
  {
    g_auto(Run) run = run_command ("xanes", in, "--register", "--edge", "Ni", "-o", out, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "registered: 30 energies onto 8543.0 eV as 'evox "
                                              "register' does by default"));
  }
  read = load (out);
  g_assert_cmpuint (evox_volume_get_n_channels (read), ==, evox_volume_get_n_channels (here));
  for (guint c = 0; c < evox_volume_get_n_channels (here); c++)
    evox_test_assert_same_channel (read, c, here, c);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Ctrl-C: the run stops (status 130, as a shell reports SIGINT), says so, and leaves no file
 * and no staging folder behind. */
static void
test_interrupt (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, FALSE);
  g_autofree char *in = write_h5 (dir, "stack.h5", stack);
  g_autofree char *out = g_build_filename (dir, "maps.h5", NULL);
  g_autofree char *prefix = g_build_filename (dir, "m.tif", NULL);
  /* the last: Ctrl-C stops the registration first */
  const char *commands[][3] = {
    { "xanes", out, NULL }, { "xanes", prefix, NULL }, { "elements", out, NULL },
    { "xanes", out, "--register" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(Run) run = run_with_setup (evox_test_press_ctrl_c, commands[i][0], in, "-o",
                                        commands[i][1], commands[i][2], NULL);

      g_test_message ("%s: status %d, stderr: %s", commands[i][0], run.status, run.err);
      evox_test_assert_refused (&run, 130, "evox: cancelled; nothing written");
      /* the input alone */
      g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
    }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The elements' maps as computed here. */
static EvoxVolume *
elements_here (EvoxVolume *stack,
               const char *matrix,
               double      below,
               double      above)
{
  g_autoptr(GError) error = NULL;
  EvoxElementsParams params;
  EvoxVolume *maps;
  double energies[N_ENERGIES];

  evox_elements_params_init (&params);
  params.method = matrix != NULL ? EVOX_ELEMENTS_FIT : EVOX_ELEMENTS_PAIR;
  params.matrix = g_strdup (matrix);
  params.n_elements = 1;
  g_assert_true (evox_edge_parse ("Ni", &params.edges[0], &error));
  params.below[0] = below;
  params.above[0] = above;
  for (guint c = 0; c < N_ENERGIES; c++)
    energies[c] = energy_of (c);
  g_assert_true (evox_elements_find_pairs (energies, N_ENERGIES, &params, &error));
  g_assert_no_error (error);
  maps = evox_elements_maps (stack, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_elements_params_clear (&params);
  return maps;
}

/* The Ni map read back equals the one computed here, with the pair found (outside Ni's near-edge
 * region, 8312.8 to 8382.8 eV, as evox_elements_find_pairs chooses) or given with --pair; the
 * summary names the pair. */
static void
test_elements (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, FALSE);
  g_autofree char *in = write_h5 (dir, "stack.h5", stack);
  g_autofree char *out = g_build_filename (dir, "ni.h5", NULL);
  g_autofree char *prefix = g_build_filename (dir, "el.tif", NULL);
  g_autofree char *ni_tif = g_build_filename (dir, "el_Ni.tif", NULL);
  g_autoptr(EvoxVolume) here = elements_here (stack, NULL, NAN, NAN);
  g_autoptr(EvoxVolume) here_pair = elements_here (stack, NULL, 8183, 8543);
  g_autoptr(EvoxVolume) here_fit = elements_here (stack, "O", NAN, NAN);
  g_autoptr(EvoxVolume) read_fit = NULL;
  g_autoptr(EvoxVolume) read = NULL;
  g_autoptr(EvoxVolume) read_pair = NULL;

  {
    g_auto(Run) run = run_command ("elements", in, "--element", "Ni", "-o", out, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_test_message ("%s", run.out);
    /* the highest energy at or below Ni K (8332.8 eV) - 20 eV and the lowest at or above + 50 eV */
    g_assert_nonnull (strstr (run.out, "Ni: pair 8303.0:8383.0 eV, mu/rho jump "));
  }
  read = load (out);
  g_assert_cmpuint (evox_volume_get_n_channels (read), ==, 1);
  g_assert_cmpstr (evox_volume_get_channel_label (read, 0), ==, "Ni");
  g_assert_cmpstr (evox_volume_get_channel_unit (read, 0), ==,
                   evox_volume_get_channel_unit (here, 0));
  evox_test_assert_same_channel (read, 0, here, 0);

  /* --pair overrides it; the elements default to Ni, the one K edge within the energies */
  {
    g_auto(Run) run = run_command ("elements", in, "--pair", "Ni=8183:8543", "-o", prefix,
                                   NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Ni: pair 8183.0:8543.0 eV"));
  }
  read_pair = load (ni_tif);
  evox_test_assert_same_channel (read_pair, 0, here_pair, 0);

  /* the fit over all 30 energies with an oxygen matrix: Ni, matrix and residual */
  {
    g_auto(Run) run = run_command ("elements", in, "--method", "fit", "--matrix", "O", "-o",
                                   out, "--force", NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "method: fit over 30 energies, matrix O\nNi: "
                                              "median "));
  }
  read_fit = load (out);
  g_assert_cmpuint (evox_volume_get_n_channels (read_fit), ==, 3);
  for (guint c = 0; c < 3; c++)
    {
      g_assert_cmpstr (evox_volume_get_channel_label (read_fit, c), ==,
                       evox_volume_get_channel_label (here_fit, c));
      evox_test_assert_same_channel (read_fit, c, here_fit, c);
    }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 3);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static void
test_elements_refusals (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, FALSE);
  g_autofree char *in = write_h5 (dir, "stack.h5", stack);
  g_autofree char *out = g_build_filename (dir, "el.h5", NULL);
  const Refusal refusals[] = {
    { { "--element", "Xx" }, 2, "--element Xx" },
    { { "--element", "Ni,Ni" }, 2, "Ni is named twice" },
    { { "--element", "8333" }, 2, "name an element" },
    { { "--pair", "Ni=8543:8183" }, 2, "out of order" },
    { { "--pair", "Ni=8400:8543" }, 2, "do not bracket the Ni K" },
    { { "--pair", "Ni=8184:8543" }, 2, "has no energy 8184 eV" },
    { { "--pair", "Ni:8183-8543" }, 2, "--pair must be ELEMENT=BELOW:ABOVE" },
    { { "--method", "nnls" }, 2, "--method must be pair or fit" },
    { { "--matrix", "O" }, 2, "--matrix is a term of the fit" },
  };

  assert_refusals ("elements", in, out, refusals, G_N_ELEMENTS (refusals));
  {
    g_auto(Run) run = run_command ("elements", in, "--method", "fit", "--matrix", "Qq2", "-o",
                                   out, NULL);

    evox_test_assert_refused (&run, 2, "--matrix Qq2");
  }
  {
    g_autofree char *csv = g_build_filename (dir, "el.csv", NULL);
    g_auto(Run) run = run_command ("elements", in, "-o", csv, NULL);

    evox_test_assert_refused (&run, 2, "OUT must end in .h5");
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Every channel of two maps files equal. */
static void
assert_maps_equal (const char *a,
                   const char *b)
{
  g_autoptr(EvoxVolume) va = load (a);
  g_autoptr(EvoxVolume) vb = load (b);

  g_assert_cmpuint (evox_volume_get_n_channels (va), ==, evox_volume_get_n_channels (vb));
  for (guint c = 0; c < evox_volume_get_n_channels (va); c++)
    {
      g_assert_cmpstr (evox_volume_get_channel_label (va, c), ==,
                       evox_volume_get_channel_label (vb, c));
      g_assert_cmpstr (evox_volume_get_channel_unit (va, c), ==,
                       evox_volume_get_channel_unit (vb, c));
      evox_test_assert_same_channel (va, c, vb, c);
    }
}

/* `evox register -o R.tif` then `evox elements R.tif`: the TIFF reopens as optical density with
 * its labels, and the maps equal those of the .h5 route (register -o R.h5, elements R.h5). */
static void
test_elements_energy_tiff (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, FALSE);
  g_autofree char *in = write_h5 (dir, "stack.h5", stack);
  g_autofree char *reg_tif = g_build_filename (dir, "reg.tif", NULL);
  g_autofree char *reg_h5 = g_build_filename (dir, "reg.h5", NULL);
  g_autofree char *from_tif = g_build_filename (dir, "from-tif.h5", NULL);
  g_autofree char *from_h5 = g_build_filename (dir, "from-h5.h5", NULL);

  for (guint i = 0; i < 2; i++)
    {
      g_auto(Run) run = run_command ("register", in, "-o", i == 0 ? reg_tif : reg_h5, NULL);

      g_assert_cmpint (run.status, ==, 0);
    }
  {
    g_autoptr(EvoxVolume) read = load (reg_tif);
    g_autoptr(EvoxVolume) read_h5 = load (reg_h5);

    g_assert_cmpuint (evox_volume_get_n_channels (read), ==, N_ENERGIES);
    for (guint c = 0; c < N_ENERGIES; c++)
      {
        g_assert_cmpstr (evox_volume_get_channel_quantity (read, c), ==, "optical density");
        g_assert_cmpstr (evox_volume_get_channel_unit (read, c), ==, "");
        g_assert_cmpstr (evox_volume_get_channel_label (read, c), ==,
                         evox_volume_get_channel_label (read_h5, c));
        evox_test_assert_same_channel (read, c, read_h5, c);
      }
  }
  for (guint i = 0; i < 2; i++)
    {
      g_auto(Run) run = run_command ("elements", i == 0 ? reg_tif : reg_h5, "--element", "Ni",
                                     "-o", i == 0 ? from_tif : from_h5, NULL);

      g_assert_cmpint (run.status, ==, 0);
      g_assert_cmpstr (run.err, ==, "");
    }
  assert_maps_equal (from_tif, from_h5);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The OD stack as another program writes it: plain f32 pages (no ImageDescription) and an
 * energies file. */
static void
write_bare_tiff (const char *path,
                 EvoxVolume *stack)
{
  g_autofree char *energies_path = g_strdup_printf ("%.*s.energies.txt",
                                                    (int) strlen (path) - 4, path);
  g_autoptr(GString) energies = g_string_new (NULL);
  TIFF *tif = TIFFOpen (path, "w");

  g_assert_nonnull (tif);
  for (guint c = 0; c < evox_volume_get_n_channels (stack); c++)
    {
      const float *data = evox_volume_get_data (stack, c);

      TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, NX);
      TIFFSetField (tif, TIFFTAG_IMAGELENGTH, NY);
      TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, 32);
      TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, 1);
      TIFFSetField (tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP);
      TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
      TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
      TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, NY);
      for (guint y = 0; y < NY; y++)
        g_assert_cmpint (TIFFWriteScanline (tif, (void *) (data + y * NX), y, 0), ==, 1);
      g_assert_true (TIFFWriteDirectory (tif));
      g_string_append_printf (energies, "%.17g\n", evox_volume_get_channel_energy (stack, c));
    }
  TIFFClose (tif);
  g_assert_true (g_file_set_contents (energies_path, energies->str, -1, NULL));
}

/* --values: a bare TIFF stack says nothing of its values and is refused; --values od makes it
 * the HDF5 stack's maps; a bad value is bad usage; a file that says otherwise is overridden
 * with a note. */
static void
test_elements_values (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autoptr(EvoxVolume) stack = make_stack (0, N_ENERGIES, FALSE);
  g_autofree char *in = write_h5 (dir, "stack.h5", stack);
  g_autofree char *bare = g_build_filename (dir, "bare.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "el.h5", NULL);
  g_autofree char *from_h5 = g_build_filename (dir, "from-h5.h5", NULL);
  const Refusal refusals[] = {
    { { "--values", "absorbance" }, 2, "--values must be od (optical density) or "
                                       "attenuation[:UNIT]" },
    { { "--values", "attenuation:1/ft" }, 2, "--values attenuation:1/ft: the unit" },
    { { "--values", "od:1/cm" }, 2, "--values must be od" },
  };

  write_bare_tiff (bare, stack);
  {
    g_auto(Run) run = run_command ("elements", bare, "--element", "Ni", "-o", out, NULL);

    evox_test_assert_refused (&run, 1, "values of no stated quantity");
  }
  assert_refusals ("elements", bare, out, refusals, G_N_ELEMENTS (refusals));
  {
    g_auto(Run) run = run_command ("elements", bare, "--values", "od", "--element", "Ni", "-o",
                                   out, NULL);

    g_assert_cmpint (run.status, ==, 0);
    /* the file said nothing: nothing to note */
    g_assert_cmpstr (run.err, ==, "");
  }
  {
    g_auto(Run) run = run_command ("elements", in, "--element", "Ni", "-o", from_h5, NULL);

    g_assert_cmpint (run.status, ==, 0);
  }
  assert_maps_equal (out, from_h5);

  /* the HDF5 stack says optical density: --values attenuation overrides it, saying so once */
  {
    g_autofree char *out2 = g_build_filename (dir, "el2.h5", NULL);
    g_auto(Run) run = run_command ("elements", in, "--values", "attenuation:1/cm", "--element",
                                   "Ni", "-o", out2, NULL);

    g_test_message ("%s", run.err);
    g_assert_true (g_str_has_prefix (run.err, "evox: note: "));
    g_assert_nonnull (strstr (run.err, "its file says it holds optical density; --values takes "
                                       "it as linear attenuation (1/cm)\n"));
  }
  /* and --values od on it is no override: no note */
  {
    g_autofree char *out3 = g_build_filename (dir, "el3.h5", NULL);
    g_auto(Run) run = run_command ("elements", in, "--values", "od", "--element", "Ni", "-o",
                                   out3, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.err, ==, "");
    assert_maps_equal (out3, from_h5);
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The synthetic NMC stack (--demo-xanes): the XANES maps at the Ni edge its energies are about,
 * and the fitted Mn, Co and Ni maps with an oxygen matrix. */
static void
test_demo (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "demo.h5", NULL);
  g_autofree char *fit = g_build_filename (dir, "fit.h5", NULL);
  g_autoptr(EvoxVolume) maps = NULL;
  g_autoptr(EvoxVolume) elements = NULL;

  {
    g_auto(Run) run = run_command ("xanes", "--demo-xanes", "--no-norm", "-o", out, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "edge: Ni K ("));
  }
  maps = load (out);
  g_assert_cmpuint (evox_volume_get_n_channels (maps), ==, N_MAPS);
  {
    g_auto(Run) run = run_command ("elements", "--demo-xanes", "--method", "fit", "--matrix", "O",
                                   "-o", fit, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "\nMn: median "));
    g_assert_nonnull (strstr (run.out, "\nCo: median "));
    g_assert_nonnull (strstr (run.out, "\nNi: median "));
  }
  elements = load (fit);
  g_assert_cmpstr (evox_volume_get_channel_label (elements, 0), ==, "Mn");
  g_assert_cmpstr (evox_volume_get_channel_label (elements, 2), ==, "Ni");
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A volume without energies (a 1-channel TIFF, the SSRM demo) is refused with status 1 by both
 * commands, counting its channels as a user does; the demos are named as the user chose them. */
static void
test_no_energy (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tif = g_build_filename (dir, "one.tif", NULL);
  g_autofree char *out = g_build_filename (dir, "maps.h5", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) one = evox_volume_new (4, 4, 1, 1, EVOX_SAMPLE_U8, &error);

  g_assert_no_error (error);
  evox_volume_freeze (one);
  g_assert_true (evox_tiff_write (one, 0, tif, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  for (guint k = 0; k < 2; k++)
    {
      g_auto(Run) run = run_command (k == 0 ? "xanes" : "elements", tif, "-o", out, NULL);

      evox_test_assert_refused (&run, 1, "one.tif: a spectral stack is needed: channel 1 of 1 "
                                         "has no energy\n");
    }
  {
    g_auto(Run) run = run_command ("xanes", "--demo", "-o", out, NULL);

    evox_test_assert_refused (&run, 1, "evox: the demo volume: a spectral stack is needed: "
                                       "channel 1 of 1 (log10 R) has no energy\n");
  }
  {
    g_auto(Run) run = run_command ("xanes", "--demo-xanes", "--edge", "Cu", "-o", out, NULL);

    evox_test_assert_refused (&run, 2, "--edge Cu: the XANES demo does not span Cu K");
  }
  /* Fe's nearest energies on the demo, 6558 and 7704 eV, are 554 and 592 eV from its edge:
   * farther than a pair may reach, so no map of Mn's and Co's absorption called Fe */
  {
    g_auto(Run) run = run_command ("elements", "--demo-xanes", "--element", "Fe", "-o", out,
                                   NULL);

    evox_test_assert_refused (&run, 2, "evox: the XANES demo: Fe K (7112.0 eV): the nearest "
                                       "energy below the edge, 6558.0 eV, is 554.0 eV below it");
  }
  /* the fit uses every energy, not pairs: Fe joins it, and the demo, which has none, gets a
   * median of none */
  {
    g_autofree char *fit = g_build_filename (dir, "fit.h5", NULL);
    g_auto(Run) run = run_command ("elements", "--demo-xanes", "--method", "fit", "--element",
                                   "Mn,Fe,Co,Ni", "-o", fit, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "\nFe: median 0 ug/cm^2, 99th percentile "));
    g_assert_true (g_file_test (fit, G_FILE_TEST_EXISTS));
    g_unlink (fit);
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 1);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* A stack without an edge anywhere (every voxel flat): the mask is empty and every map NaN; the
 * summary says so in words instead of "median nan eV". */
static void
test_empty_mask (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *out = g_build_filename (dir, "maps.h5", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) flat = evox_volume_new (4, 4, 1, N_ENERGIES, EVOX_SAMPLE_F32, &error);
  g_autofree char *in = NULL;

  g_assert_no_error (error);
  for (guint c = 0; c < N_ENERGIES; c++)
    {
      float *data = evox_volume_get_data_mut (flat, c);

      for (gsize i = 0; i < 16; i++)
        data[i] = 1.0f;
      evox_volume_set_channel_info (flat, c, NULL, energy_of (c));
    }
  evox_volume_set_values (flat, EVOX_SCALE_LINEAR, "optical density", NULL);
  evox_volume_freeze (flat);
  in = write_h5 (dir, "flat.h5", flat);
  {
    g_auto(Run) run = run_command ("xanes", in, "--edge", "Ni", "-o", out, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "\nmask: 0 of 16 voxels (0.00 %)"));
    g_assert_true (g_str_has_suffix (run.out, "\nedge_energy: none (no voxel in the mask)\n"
                                              "whiteline_energy: none\n"));
    g_assert_null (strstr (run.out, "nan"));
  }
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The real SSRL scan (two energies around Ni K): a finite Ni map; XANES maps refused as the
 * data's fault. */
static void
test_ssrl (void)
{
  g_autofree char *ssrl = evox_test_data_path ("xrm/ssrl");
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL;
  g_autoptr(EvoxVolume) read = NULL;
  const float *ni;
  gsize finite = 0;

  if (ssrl == NULL)
    return;
  dir = evox_test_tmpdir_new ();
  out = g_build_filename (dir, "ni.h5", NULL);
  {
    g_auto(Run) run = run_command ("xanes", ssrl, "-o", out, NULL);

    g_assert_cmpint (run.status, ==, 1);
    g_assert_cmpstr (run.out, ==, "");
    g_assert_nonnull (strstr (run.err, "ssrl: 2 energies; XANES maps need at least 4"));
  }
  g_assert_cmpuint (evox_test_count_entries (dir), ==, 0);
  {
    g_auto(Run) run = run_command ("elements", ssrl, "--element", "Ni", "-o", out, NULL);

    g_assert_cmpint (run.status, ==, 0);
    g_test_message ("%s", run.out);
    g_assert_nonnull (strstr (run.out, "Ni: pair 8324.0:8354.0 eV"));
  }
  read = load (out);
  ni = evox_volume_get_data (read, 0);
  for (gsize i = 0; i < evox_volume_get_n_voxels (read); i++)
    finite += isfinite (ni[i]);
  g_test_message ("%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " finite", finite,
                  evox_volume_get_n_voxels (read));
  g_assert_cmpuint (finite, ==, evox_volume_get_n_voxels (read));
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Evox/XanesCli/hdf5", test_hdf5);
  g_test_add_func ("/Evox/XanesCli/tiff-prefix", test_tiff_prefix);
  g_test_add_func ("/Evox/XanesCli/force", test_force);
  g_test_add_func ("/Evox/XanesCli/refusals", test_refusals);
  g_test_add_func ("/Evox/XanesCli/repeated-energy", test_repeated_energy);
  g_test_add_func ("/Evox/XanesCli/unregistered-note", test_unregistered_note);
  g_test_add_func ("/Evox/XanesCli/register", test_register);
  g_test_add_func ("/Evox/XanesCli/interrupt", test_interrupt);
  g_test_add_func ("/Evox/ElementsCli/maps", test_elements);
  g_test_add_func ("/Evox/ElementsCli/refusals", test_elements_refusals);
  g_test_add_func ("/Evox/ElementsCli/energy-tiff", test_elements_energy_tiff);
  g_test_add_func ("/Evox/ElementsCli/values", test_elements_values);
  g_test_add_func ("/Evox/XanesCli/demo", test_demo);
  g_test_add_func ("/Evox/ElementsCli/ssrl", test_ssrl);
  g_test_add_func ("/Evox/XanesCli/no-energy", test_no_energy);
  g_test_add_func ("/Evox/XanesCli/empty-mask", test_empty_mask);
  return g_test_run ();
}

/* test-maps-ui.c: the window with maps shown beside a spectral stack under Xvfb: the Spectra page
 * stays, hovering and pinning read the stack's spectra, a phase picked on the edge-energy map pins
 * the stack's mean spectrum over it (against brute force), and going back to the stack keeps what
 * was pinned. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>

#include "evox-canvas.h"
#include "evox-spectrum-panel.h"
#include "evox-test-discs.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-window.h"

/* 32 x 32 x 1, 6 energies 8330 .. 8380 eV; two discs whose edges lie at 8345 and 8365 eV. */
#define NX EVOX_TEST_DISCS_NX
#define NY EVOX_TEST_DISCS_NY
#define NC 6

static const EvoxTestDiscs discs = { NC, { 8345, 8365 } };

/* The edge-energy map as a XANES run would give it: the disc's edge plus a little spread, NaN
 * where there is no edge. */
static float
edge (gsize x,
      gsize y)
{
  switch (evox_test_discs_at (x, y))
    {
    case 1: return 8345.0f + 0.1f * (float) ((x + y) % 4);
    case 2: return 8365.0f + 0.1f * (float) ((x * 3 + y) % 4);
    default: return NAN;
    }
}

static EvoxVolume *
make_maps (void)
{
  g_autoptr (GError) error = NULL;
  EvoxVolume *maps = evox_volume_new (NX, NY, 1, 2, EVOX_SAMPLE_F32, &error);
  float *edges, *mask;

  g_assert_no_error (error);
  edges = evox_volume_get_data_mut (maps, 0);
  mask = evox_volume_get_data_mut (maps, 1);
  for (gsize y = 0; y < NY; y++)
    for (gsize x = 0; x < NX; x++)
      {
        edges[x + NX * y] = edge (x, y);
        mask[x + NX * y] = evox_test_discs_at (x, y) != 0;
      }
  evox_volume_set_channel_info (maps, 0, "edge_energy", NAN);
  evox_volume_set_channel_values (maps, 0, EVOX_SCALE_LINEAR, "energy", "eV");
  evox_volume_set_channel_info (maps, 1, "mask", NAN);
  evox_volume_freeze (maps);
  return maps;
}

static void
test_spectra_with_maps (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *path = evox_test_discs_write (&discs, dir);
  EvoxWindow *window = evox_test_open_file (path);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  EvoxSpectrumPanel *panel = EVOX_SPECTRUM_PANEL (evox_window_get_spectrum_panel (window));
  GtkStack *stack = GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (panel), GTK_TYPE_STACK));
  g_autoptr (EvoxVolume) maps = make_maps ();
  g_autoptr (EvoxPhase) late = evox_phase_new ("late edge", 8360, 8370, "#00ff00");
  g_autoptr (GError) error = NULL;
  EvoxVolume *loaded = evox_document_get_volume (document);
  const EvoxSpectrum *hovered, *region;
  gsize voxel[3];

  evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
  evox_window_show_page (window, "spectra");
  evox_test_wait_painted (GTK_WIDGET (window));
  g_assert_true (evox_spectrum_panel_get_spectral (panel));

  g_assert_true (evox_document_add_maps (document, maps, "edge_energy", &error));
  g_assert_no_error (error);
  evox_test_wait_painted (GTK_WIDGET (window));
  g_assert_true (evox_document_get_show_maps (document));
  g_assert_true (evox_document_get_stack (document) == loaded);
  g_assert_cmpstr (evox_document_get_colormap (document), ==, "coolwarm");

  /* The Spectra page stays, and hovering the map reads the stack's spectrum at that voxel. */
  g_assert_true (evox_spectrum_panel_get_spectral (panel));
  g_assert_true (gtk_stack_page_get_visible (gtk_stack_get_page (
    stack, gtk_stack_get_child_by_name (stack, "spectra"))));
  evox_canvas_hover_at (canvas, gtk_widget_get_width (GTK_WIDGET (canvas)) * 0.4,
                        gtk_widget_get_height (GTK_WIDGET (canvas)) * 0.45);
  g_assert_true (evox_canvas_get_hover_voxel (canvas, voxel));
  hovered = evox_spectrum_panel_get_hovered (panel);
  g_assert_nonnull (hovered);
  g_assert_cmpuint (hovered->n_points, ==, NC);
  for (guint c = 0; c < NC; c++)
    {
      g_assert_cmpfloat (hovered->points[c].energy_ev, ==, evox_test_discs_energy (c));
      g_assert_cmpfloat (hovered->points[c].mean, ==,
                         evox_test_discs_od (&discs, c, voxel[0], voxel[1]));
    }
  g_signal_emit_by_name (canvas, "voxel-clicked", (guint) voxel[0], (guint) voxel[1], 0u);
  g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (panel), ==, 1);

  /* A phase on the edge-energy map: the stack's mean spectrum over the voxels it holds (disc 2,
   * whose edges lie in 8365.0 .. 8365.3 eV), NaN voxels in none. */
  evox_phase_list_append (evox_document_get_phases (document), late);
  evox_document_set_selected_phase (document, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (panel), "spectrum.pin-phase", NULL));
  evox_test_wait_pinned (panel, 2);
  region = evox_spectrum_panel_get_pinned (panel, 1);
  g_assert_cmpuint (region->n_points, ==, NC);
  for (guint c = 0; c < NC; c++)
    {
      double sum = 0;
      guint64 n = 0;

      for (gsize y = 0; y < NY; y++)
        for (gsize x = 0; x < NX; x++)
          if (evox_test_discs_at (x, y) == 2)
            {
              sum += evox_test_discs_od (&discs, c, x, y);
              n++;
            }
      g_assert_cmpuint (region->points[c].voxels, ==, n);
      g_assert_cmpfloat_with_epsilon (region->points[c].mean, sum / n, 1e-9);
    }
  evox_test_wait_painted (GTK_WIDGET (window));
  evox_test_screenshot (GTK_WIDGET (window), "maps-spectra");

  /* Back to the stack: the same stack, so what was pinned stays; the map's phase is not the
   * stack's. */
  evox_document_set_show_maps (document, FALSE);
  evox_test_wait_painted (GTK_WIDGET (window));
  g_assert_true (evox_document_get_volume (document) == loaded);
  g_assert_cmpuint (evox_spectrum_panel_get_n_pinned (panel), ==, 2);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (document)), ==, 0);
  g_assert_true (evox_spectrum_panel_get_spectral (panel));

  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/MapsUi/spectra-with-maps", test_spectra_with_maps);
  return g_test_run ();
}

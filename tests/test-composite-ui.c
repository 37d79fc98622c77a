/* test-composite-ui.c: the Display page's Composite section, the legend over the canvas and in
 * exported images, in the window under Xvfb. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <png.h>
#include <string.h>

#include "evox-composite-box.h"
#include "evox-composite-legend.h"
#include "evox-export-dialog.h"
#include "evox-hdf5.h"
#include "evox-rgb-legend.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-window.h"

#define N 12

/* Three f32 channels (Mn, Co, Ni), values 0..N-1 along x, y and z respectively plus a channel
 * offset, so each channel has its own range. */
static EvoxVolume *
three_channels (void)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (N, N, N, 3, EVOX_SAMPLE_F32, &error);
  static const char *labels[3] = { "Mn", "Co", "Ni" };

  g_assert_no_error (error);
  for (guint c = 0; c < 3; c++)
    {
      float *data = evox_volume_get_data_mut (volume, c);

      for (gsize z = 0; z < N; z++)
        for (gsize y = 0; y < N; y++)
          for (gsize x = 0; x < N; x++)
            data[(z * N + y) * N + x] = (float) ((c == 0 ? x : c == 1 ? y : z) + 10 * c);
      evox_volume_set_channel_info (volume, c, labels[c], 6539 + 800.0 * c);
    }
  return volume;
}

static const char *
entry_text (GtkWidget  *box,
            const char *name)
{
  return gtk_editable_get_text (GTK_EDITABLE (evox_test_find_named (box, name)));
}

static void
type_into (GtkWidget  *box,
           const char *name,
           const char *text)
{
  GtkWidget *entry = evox_test_find_named (box, name);

  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_signal_emit_by_name (entry, "activate");
}

static void
test_box (void)
{
  g_autoptr(EvoxVolume) volume = three_channels ();
  g_autoptr(EvoxVolume) single = NULL;
  g_autoptr(EvoxDocument) document = evox_document_new ();
  g_autoptr(GError) error = NULL;
  GtkWidget *box = g_object_new (EVOX_TYPE_COMPOSITE_BOX, NULL);
  GtkWidget *window;
  GtkDropDown *red, *green;
  GtkSwitch *toggle;
  int channel;
  double lo, hi, default_lo, default_hi;
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  evox_document_set_volume (document, volume, "three", NULL);
  evox_composite_box_set_document (EVOX_COMPOSITE_BOX (box), document);
  window = evox_test_show_in_window (box, 420, 200);
  red = GTK_DROP_DOWN (evox_test_find_named (box, "composite-red-dropdown"));
  green = GTK_DROP_DOWN (evox_test_find_named (box, "composite-green-dropdown"));
  toggle = GTK_SWITCH (evox_test_find_named (box, "composite-switch"));
  g_assert_true (gtk_widget_get_sensitive (box));
  /* "None" and the three channels. */
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (red)), ==, 4);
  g_assert_cmpuint (gtk_drop_down_get_selected (red), ==, 0);

  /* The switch is the document's "composite": on, the slots take the first three channels and
   * the entries show their default ranges. */
  gtk_switch_set_active (toggle, TRUE);
  g_assert_true (evox_document_get_composite (document));
  g_assert_cmpuint (gtk_drop_down_get_selected (green), ==, 2);
  evox_document_get_composite_default_range (document, 1, &default_lo, &default_hi);
  g_assert_cmpstr (entry_text (box, "composite-green-lo"), ==,
                   g_ascii_formatd (text, sizeof text, "%.4g", default_lo));
  g_assert_cmpstr (entry_text (box, "composite-green-hi"), ==,
                   g_ascii_formatd (text, sizeof text, "%.4g", default_hi));

  /* A channel picked in red: that channel, at its default range. */
  gtk_drop_down_set_selected (red, 3);
  evox_document_get_composite_default_range (document, 2, &default_lo, &default_hi);
  evox_document_get_composite_slot (document, 0, &channel, &lo, &hi);
  g_assert_cmpint (channel, ==, 2);
  g_assert_cmpfloat (lo, ==, default_lo);
  g_assert_cmpfloat (hi, ==, default_hi);

  /* A typed range; text that is no number is refused, nothing changes; emptied, the default. */
  type_into (box, "composite-red-lo", "21.5");
  type_into (box, "composite-red-hi", "30");
  evox_document_get_composite_slot (document, 0, &channel, &lo, &hi);
  g_assert_cmpfloat (lo, ==, 21.5);
  g_assert_cmpfloat (hi, ==, 30);
  type_into (box, "composite-red-hi", "lots");
  g_assert_true (gtk_widget_has_css_class (evox_test_find_named (box, "composite-red-hi"),
                                           "error"));
  evox_document_get_composite_slot (document, 0, &channel, &lo, &hi);
  g_assert_cmpfloat (hi, ==, 30);
  /* The bad text stays, marked, for the user to mend. */
  g_assert_cmpstr (entry_text (box, "composite-red-hi"), ==, "lots");
  type_into (box, "composite-red-hi", "30");
  type_into (box, "composite-red-lo", "");
  evox_document_get_composite_slot (document, 0, &channel, &lo, &hi);
  g_assert_cmpfloat (lo, ==, default_lo);
  g_assert_cmpfloat (hi, ==, default_hi);
  g_assert_false (gtk_widget_has_css_class (evox_test_find_named (box, "composite-red-hi"),
                                            "error"));

  /* "None" clears a slot; the slot's entries go blank and insensitive. */
  gtk_drop_down_set_selected (green, 0);
  evox_document_get_composite_slot (document, 1, &channel, NULL, NULL);
  g_assert_cmpint (channel, ==, -1);
  g_assert_cmpstr (entry_text (box, "composite-green-lo"), ==, "");
  g_assert_false (gtk_widget_get_sensitive (evox_test_find_named (box, "composite-green-lo")));

  /* "Phase colours over the composite" is the document's composite-phases. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (evox_test_find_named (box, "composite-phases")),
                               TRUE);
  g_assert_true (evox_document_get_composite_phases (document));

  /* One channel: nothing to composite, the section is insensitive and off. */
  single = evox_volume_new (4, 4, 4, 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  evox_document_set_volume (document, single, "one", NULL);
  g_assert_false (gtk_widget_get_sensitive (box));
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (red)), ==, 2);

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

static guint8 *
read_png (const char *path,
          int        *width,
          int        *height)
{
  png_image png = { .version = PNG_IMAGE_VERSION };
  guint8 *rgba;

  g_assert_true (png_image_begin_read_from_file (&png, path));
  png.format = PNG_FORMAT_RGBA;
  *width = png.width;
  *height = png.height;
  rgba = g_malloc (PNG_IMAGE_SIZE (png));
  g_assert_true (png_image_finish_read (&png, NULL, rgba, 0, NULL));
  return rgba;
}

/* The legend over the canvas while the composite is on, and in an exported image at twice the
 * canvas's size, twice as large: swatches in pure red and blue where the legend puts them. */
static void
test_window_legend (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *in = g_build_filename (dir, "three.h5", NULL);
  g_autofree char *out = g_build_filename (dir, "export.png", NULL);
  g_autoptr(EvoxVolume) volume = three_channels ();
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxRgbLegend) legend = NULL;
  EvoxWindow *window;
  EvoxDocument *document;
  GtkWidget *overlay, *canvas;
  g_autofree guint8 *pixels = NULL;
  int width, height, w, h;
  double scale;

  g_assert_true (evox_hdf5_write (volume, in, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  window = evox_test_open_file (in);
  document = evox_window_get_document (window);
  overlay = evox_test_find_descendant (GTK_WIDGET (window), EVOX_TYPE_COMPOSITE_LEGEND);
  g_assert_nonnull (overlay);
  g_assert_false (gtk_widget_get_visible (overlay));

  evox_document_set_composite (document, TRUE);
  evox_document_set_composite_slot (document, 1, -1, 0, 0);
  g_assert_true (gtk_widget_get_visible (overlay));
  g_assert_true (evox_test_wait_for (evox_test_is_drawn, overlay, 60));
  legend = evox_rgb_legend_new_from_document (document);
  evox_rgb_legend_get_size (legend, 1.0, &w, &h);
  g_assert_cmpint (gtk_widget_get_width (overlay), ==, w);
  g_assert_cmpint (gtk_widget_get_height (overlay), ==, h);

  canvas = evox_window_get_canvas (window);
  width = 2 * gtk_widget_get_width (canvas);
  height = 2 * gtk_widget_get_height (canvas);
  g_assert_true (evox_window_export_image (window, out, width, height, FALSE, &error));
  g_assert_no_error (error);
  pixels = read_png (out, &w, &h);
  g_assert_cmpint (w, ==, width);
  scale = (double) height / gtk_widget_get_height (canvas);
  for (guint s = 0; s < 3; s += 2)
    {
      double rect[4];
      double margin = round (EVOX_RGB_LEGEND_MARGIN * scale);
      const guint8 *p;

      g_assert_true (evox_rgb_legend_get_swatch (legend, s, scale, rect));
      g_assert_cmpfloat (rect[2], ==, 24);
      p = pixels + ((gsize) (margin + rect[1] + rect[3] / 2) * width +
                    (gsize) (margin + rect[0] + rect[2] / 2)) * 4;
      g_assert_cmpuint (p[0], ==, s == 0 ? 255 : 0);
      g_assert_cmpuint (p[1], ==, 0);
      g_assert_cmpuint (p[2], ==, s == 2 ? 255 : 0);
    }

  /* The export dialog offers it, ticked; unticked, the image has no legend. */
  {
    EvoxExportDialog *dialog = evox_export_dialog_new (window, 100, 100);
    GtkWidget *check = evox_test_find_named (GTK_WIDGET (dialog), "export-legend");
    double rect[4];
    double margin = round (EVOX_RGB_LEGEND_MARGIN * scale);
    const guint8 *p;

    g_assert_true (gtk_widget_get_visible (check));
    g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (check)));
    gtk_window_destroy (GTK_WINDOW (dialog));
    g_clear_pointer (&pixels, g_free);
    g_assert_true (evox_window_export_figure_full (window, out, width, height, FALSE, FALSE,
                                                   FALSE, &error));
    g_assert_no_error (error);
    pixels = read_png (out, &w, &h);
    evox_rgb_legend_get_swatch (legend, 0, scale, rect);
    p = pixels + ((gsize) (margin + rect[1] + rect[3] / 2) * width +
                  (gsize) (margin + rect[0] + rect[2] / 2)) * 4;
    g_assert_false (p[0] == 255 && p[1] == 0 && p[2] == 0);
  }

  /* Off: the legend goes from the canvas and from exports. */
  evox_document_set_composite (document, FALSE);
  g_assert_false (gtk_widget_get_visible (overlay));
  g_clear_pointer (&pixels, g_free);
  g_assert_true (evox_window_export_image (window, out, width, height, FALSE, &error));
  pixels = read_png (out, &w, &h);
  {
    double rect[4];
    double margin = round (EVOX_RGB_LEGEND_MARGIN * scale);
    const guint8 *p;

    evox_rgb_legend_get_swatch (legend, 0, scale, rect);
    p = pixels + ((gsize) (margin + rect[1] + rect[3] / 2) * width +
                  (gsize) (margin + rect[0] + rect[2] / 2)) * 4;
    g_assert_false (p[0] == 255 && p[1] == 0 && p[2] == 0);
  }
  {
    EvoxExportDialog *dialog = evox_export_dialog_new (window, 100, 100);

    g_assert_false (gtk_widget_get_visible (evox_test_find_named (GTK_WIDGET (dialog),
                                                                  "export-legend")));
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;

  g_test_add_func ("/Evox/CompositeUi/box", test_box);
  g_test_add_func ("/Evox/CompositeUi/window-legend", test_window_legend);
  return g_test_run ();
}

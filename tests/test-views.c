/* test-views.c: the 2x2 layout, rulers and line profiles in the window under Xvfb. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <epoxy/gl.h>
#include <gtk/gtk.h>
#include <math.h>
#include <glib/gstdio.h>
#include <string.h>

#include "evox-canvas.h"
#include "evox-loader.h"
#include "evox-measure-panel.h"
#include "evox-ssrm-reader.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-units.h"
#include "evox-window.h"

static const double test_spacing[3] = { 2.0, 3.0, 5.0 };

static gboolean
has_frames (gpointer data)
{
  return evox_canvas_get_frames (EVOX_CANVAS (evox_window_get_canvas (data))) > 0;
}

static gboolean
not_loading (gpointer data)
{
  return !evox_window_is_loading (data);
}

/* A u8 volume whose values change along every axis, with anisotropic voxels. */
static EvoxVolume *
gradient_volume (void)
{
  g_autoptr(GError) error = NULL;
  EvoxVolume *volume = evox_volume_new (48, 40, 32, 1, EVOX_SAMPLE_U8, &error);
  guint8 *data;

  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < 32; z++)
    for (gsize y = 0; y < 40; y++)
      for (gsize x = 0; x < 48; x++)
        data[(z * 40 + y) * 48 + x] = (guint8) ((x * 5 + y * 3 + z * 7) % 256);
  evox_volume_set_spacing (volume, test_spacing);
  evox_volume_freeze (volume);
  return volume;
}

static EvoxWindow *
open_window (EvoxVolume *volume)
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  evox_document_set_volume (document, volume, "gradient", NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (evox_test_wait_for (has_frames, window, 60));
  return window;
}

/* Pixel (x, y) of a grab, y counted from the top. */
static const guint8 *
grab_pixel (const EvoxTestGrab *grab,
            int                 x,
            int                 y)
{
  return grab->pixels + ((gsize) (grab->height - 1 - y) * grab->width + x) * 4;
}

/* Where the voxel centre (i, j, k) lands in a pane of width x height seen by camera. */
static void
project_voxel (EvoxDocument *document,
               EvoxCamera   *camera,
               int           width,
               int           height,
               double        i,
               double        j,
               double        k,
               double        pixel[2])
{
  float view[16], projection[16];
  double world[4], eye[4], clip[4];

  world[0] = test_spacing[0] * i;
  world[1] = test_spacing[1] * j;
  world[2] = test_spacing[2] * k * evox_document_get_z_exaggeration (document);
  world[3] = 1.0;
  evox_camera_get_matrices (camera, width, height, view, projection);
  for (guint r = 0; r < 4; r++)
    {
      eye[r] = 0;
      for (guint c = 0; c < 4; c++)
        eye[r] += view[c * 4 + r] * world[c];
    }
  for (guint r = 0; r < 4; r++)
    {
      clip[r] = 0;
      for (guint c = 0; c < 4; c++)
        clip[r] += projection[c * 4 + r] * eye[c];
    }
  pixel[0] = (clip[0] / clip[3] + 1.0) * 0.5 * width;
  pixel[1] = (1.0 - clip[1] / clip[3]) * 0.5 * height;
}

/* The single view drawn alone offscreen at width x height (straight RGBA, rows from the top),
 * framed with `padding` pixels around it as the panes are. */
static guint8 *
render_single (EvoxWindow *window,
               EvoxView    view,
               int         width,
               int         height,
               int         padding)
{
  EvoxDocument *document = evox_window_get_document (window);
  GtkWidget *canvas = evox_window_get_canvas (window);
  EvoxRenderer *renderer = evox_canvas_get_renderer (EVOX_CANVAS (canvas));
  g_autoptr(GError) error = NULL;
  EvoxView was = evox_document_get_view (document);
  guint8 *pixels;

  evox_document_set_view (document, view);
  evox_camera_set_padding (evox_renderer_get_camera (renderer), padding);
  gtk_gl_area_make_current (GTK_GL_AREA (canvas));
  pixels = evox_renderer_render_image (renderer, width, height, width, height, FALSE, &error);
  g_assert_no_error (error);
  evox_camera_set_padding (evox_renderer_get_camera (renderer), 0);
  evox_document_set_view (document, was);
  return pixels;
}

/* Straight RGBA rows from the top as a PNG, to look at a failure. */
static void
save_rgba (const char   *path,
           const guint8 *pixels,
           int           width,
           int           height)
{
  g_autoptr(GBytes) bytes = g_bytes_new (pixels, (gsize) width * height * 4);
  g_autoptr(GdkTexture) texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8,
                                                          bytes, (gsize) width * 4);

  gdk_texture_save_to_png (texture, path);
}

static gboolean
same_color (const guint8 *a,
            const guint8 *b)
{
  return abs (a[0] - b[0]) <= 1 && abs (a[1] - b[1]) <= 1 && abs (a[2] - b[2]) <= 1;
}

/* Pixel a is the colour of pixel (x, y) of image b, or of a neighbour's: a voxel border that
 * falls on a pixel centre may round to either side. */
static gboolean
near_color (const guint8 *a,
            const guint8 *b,
            int           width,
            int           height,
            int           x,
            int           y)
{
  static const int steps[5][2] = { { 0, 0 }, { -1, 0 }, { 1, 0 }, { 0, -1 }, { 0, 1 } };

  for (guint i = 0; i < 5; i++)
    {
      int nx = x + steps[i][0], ny = y + steps[i][1];

      if (nx >= 0 && ny >= 0 && nx < width && ny < height &&
          same_color (a, b + ((gsize) ny * width + nx) * 4))
        return TRUE;
    }
  return FALSE;
}

static void
pane_rect (EvoxWindow *window,
           EvoxPane    pane,
           int         rect[4])
{
  GtkWidget *canvas = evox_window_get_canvas (window);

  evox_renderer_get_pane_rect (gtk_widget_get_width (canvas), gtk_widget_get_height (canvas),
                               pane, rect);
}

/* Each pane shows its view as that view shows alone at the pane's size, apart from the 2D
 * panes' crosshairs and frames; the crosshairs cross at the other slices' positions. */
static void
test_quad_panes (void)
{
  g_autoptr(EvoxVolume) volume = gradient_volume ();
  EvoxWindow *window = open_window (volume);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxRenderer *renderer = evox_canvas_get_renderer (
    EVOX_CANVAS (evox_window_get_canvas (window)));
  EvoxTestGrab grab = { 0 };

  g_assert_cmpint (gtk_widget_get_scale_factor (evox_window_get_canvas (window)), ==, 1);
  evox_document_set_slice (document, 0, 12);
  evox_document_set_slice (document, 1, 27);
  evox_document_set_slice (document, 2, 9);
  evox_document_set_view (document, EVOX_VIEW_QUAD);
  evox_test_grab_next_frame (window, &grab);

  for (guint p = 0; p < EVOX_N_PANES; p++)
    {
      EvoxView view = evox_renderer_get_pane_view (p);
      EvoxCamera *camera = evox_renderer_get_pane_camera (renderer, p);
      g_autofree guint8 *single = NULL;
      guint same = 0, compared = 0, masked = 0;
      double cross[2] = { -100, -100 }, edges[4] = { -100, -100, -100, -100 };
      int rect[4];

      pane_rect (window, p, rect);
      single = render_single (window, view, rect[2], rect[3], evox_camera_get_padding (camera));
      if (view != EVOX_VIEW_SLICES)
        project_voxel (document, camera, rect[2], rect[3], 12, 27, 9, cross);
      if (view != EVOX_VIEW_SLICES)
        {
          const double n[3] = { 48, 40, 32 };
          guint axis = view - EVOX_VIEW_SLICE_X;

          /* The slice's outline: its corners half a voxel beyond the outer centres. */
          edges[0] = edges[2] = G_MAXDOUBLE;
          edges[1] = edges[3] = -G_MAXDOUBLE;
          for (guint c = 0; c < 4; c++)
            {
              double voxel[3] = { 12, 27, 9 }, corner[2];
              guint u = (axis + 1) % 3, v = (axis + 2) % 3;

              voxel[u] = (c & 1) ? n[u] - 0.5 : -0.5;
              voxel[v] = (c & 2) ? n[v] - 0.5 : -0.5;
              project_voxel (document, camera, rect[2], rect[3], voxel[0], voxel[1], voxel[2],
                             corner);
              edges[0] = MIN (edges[0], corner[0]);
              edges[1] = MAX (edges[1], corner[0]);
              edges[2] = MIN (edges[2], corner[1]);
              edges[3] = MAX (edges[3], corner[1]);
            }
        }
      for (int y = 0; y < rect[3]; y++)
        for (int x = 0; x < rect[2]; x++)
          {
            const guint8 *a = grab_pixel (&grab, rect[0] + x, rect[1] + y);
            const guint8 *b = single + ((gsize) y * rect[2] + x) * 4;

            /* Crosshairs (through the crossing) and the frame (the slice's outline) are the
             * pane's own. */
            if (view != EVOX_VIEW_SLICES &&
                (fabs (x + 0.5 - cross[0]) < 3 || fabs (y + 0.5 - cross[1]) < 3 ||
                 fabs (x + 0.5 - edges[0]) < 3 || fabs (x + 0.5 - edges[1]) < 3 ||
                 fabs (y + 0.5 - edges[2]) < 3 || fabs (y + 0.5 - edges[3]) < 3))
              {
                masked++;
                continue;
              }
            compared++;
            if (near_color (a, single, rect[2], rect[3], x, y))
              same++;
            else if (compared - same < 12)
              g_test_message ("(%d, %d): %u %u %u shown, %u %u %u alone", x, y, a[0], a[1], a[2],
                              b[0], b[1], b[2]);
          }
      if (same != compared && g_getenv ("EVOX_VIEWS_DEBUG") != NULL)
        {
          g_autofree guint8 *shown = g_malloc ((gsize) rect[2] * rect[3] * 4);
          g_autofree char *a_path = g_strdup_printf ("%s/pane-%u.png",
                                                     g_getenv ("EVOX_VIEWS_DEBUG"), p);
          g_autofree char *b_path = g_strdup_printf ("%s/single-%u.png",
                                                     g_getenv ("EVOX_VIEWS_DEBUG"), p);

          for (int y = 0; y < rect[3]; y++)
            memcpy (shown + (gsize) y * rect[2] * 4, grab_pixel (&grab, rect[0], rect[1] + y),
                    (gsize) rect[2] * 4);
          save_rgba (a_path, shown, rect[2], rect[3]);
          save_rgba (b_path, single, rect[2], rect[3]);
        }
      g_test_message ("pane %u (%s): %u of %u pixels as the view alone, %u masked", p,
                      evox_view_to_string (view), same, compared, masked);
      g_assert_cmpuint (compared, >, rect[2] * rect[3] / 2);
      g_assert_cmpuint (same, ==, compared);

      if (view != EVOX_VIEW_SLICES)
        {
          guint axis = view - EVOX_VIEW_SLICE_X;
          int cx = (int) floor (cross[0]), cy = (int) floor (cross[1]);
          /* Half way between the crossing and the slice's edge, on each crosshair. */
          int vy = (int) ((cy + edges[3]) / 2), hx = (int) ((cx + edges[1]) / 2);
          const guint8 *on_vertical = grab_pixel (&grab, rect[0] + cx, rect[1] + vy);
          const guint8 *on_horizontal = grab_pixel (&grab, rect[0] + hx, rect[1] + cy);
          const guint8 *beside = single + ((gsize) vy * rect[2] + cx + 6) * 4;

          g_test_message ("pane %u: crossing at (%.1f, %.1f); vertical line %u %u %u, "
                          "horizontal %u %u %u", p, cross[0], cross[1], on_vertical[0],
                          on_vertical[1], on_vertical[2], on_horizontal[0], on_horizontal[1],
                          on_horizontal[2]);
          g_assert_true (cx > 3 && cx < rect[2] - 3 && cy > 3 && cy < rect[3] - 3);
          g_assert_true (memcmp (on_vertical, beside, 3) != 0);
          /* The z pane's vertical line is the x slice (red), its horizontal the y slice
           * (green); each pane's lines are the other two slices' colours. */
          if (axis == 2)
            {
              g_assert_cmpuint (on_vertical[0], >, on_vertical[1] + 60);
              g_assert_cmpuint (on_horizontal[1], >, on_horizontal[0] + 60);
            }
        }
    }

  /* Hovering works in every pane: the voxel under the pointer. */
  for (guint p = 0; p < EVOX_N_PANES; p++)
    {
      GtkWidget *canvas = evox_window_get_canvas (window);
      int rect[4];

      pane_rect (window, p, rect);
      evox_canvas_hover_at (EVOX_CANVAS (canvas), rect[0] + rect[2] / 2.0,
                            rect[1] + rect[3] / 2.0);
      g_assert_nonnull (evox_canvas_get_hover_text (EVOX_CANVAS (canvas)));
      g_assert_nonnull (strstr (evox_canvas_get_hover_text (EVOX_CANVAS (canvas)), "voxel ("));
    }
  g_free (grab.pixels);
  evox_test_close_window (window);
}

/* Pixels of the 2D pane frame's colour (x red, y green, z blue; drawn opaque) along a line
 * across one side of the slice's outline: from (x, y) in steps of (dx, dy), n pixels, inside
 * the pane only. */
static guint
count_frame_pixels (const EvoxTestGrab *grab,
                    const int           rect[4],
                    guint               axis,
                    int                 x,
                    int                 y,
                    int                 dx,
                    int                 dy,
                    int                 n)
{
  static const guint8 colors[3][3] = { { 242, 89, 89 }, { 102, 217, 102 }, { 102, 153, 255 } };
  guint count = 0;

  for (int i = 0; i < n; i++, x += dx, y += dy)
    {
      const guint8 *p;

      if (x < 0 || y < 0 || x >= rect[2] || y >= rect[3])
        continue;
      p = grab_pixel (grab, rect[0] + x, rect[1] + y);
      if (abs (p[0] - colors[axis][0]) <= 3 && abs (p[1] - colors[axis][1]) <= 3 &&
          abs (p[2] - colors[axis][2]) <= 3)
        count++;
    }
  return count;
}

/* In a narrow canvas each 2D pane's slice is as wide as the pane: its frame must still show
 * whole on all four sides (it lost half its width before, 1 px left on the left and 2 on the
 * right), off the pane's outermost pixels. Two window sizes, so that some panes are
 * odd-sized. */
static void
test_quad_frames (void)
{
  static const int sizes[2][2] = { { 1000, 700 }, { 1013, 741 } };
  g_autoptr(EvoxVolume) volume = gradient_volume ();

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
      EvoxDocument *document = evox_window_get_document (window);
      GtkWidget *canvas = evox_window_get_canvas (window);
      EvoxRenderer *renderer = evox_canvas_get_renderer (EVOX_CANVAS (canvas));
      EvoxTestGrab grab = { 0 };
      guint narrow = 0;

      gtk_window_set_default_size (GTK_WINDOW (window), sizes[s][0], sizes[s][1]);
      evox_document_set_volume (document, volume, "gradient", NULL);
      gtk_window_present (GTK_WINDOW (window));
      g_assert_true (evox_test_wait_for (has_frames, window, 60));
      /* On a grey map nothing but the frames has their colours. */
      evox_document_set_colormap (document, "grey");
      evox_document_set_view (document, EVOX_VIEW_QUAD);
      evox_test_grab_next_frame (window, &grab);
      g_test_message ("canvas %d x %d", grab.width, grab.height);
      g_assert_cmpint (grab.width, ==, gtk_widget_get_width (canvas));
      g_assert_cmpint (grab.height, ==, gtk_widget_get_height (canvas));

      for (guint p = 0; p < EVOX_N_PANES; p++)
        {
          EvoxView view = evox_renderer_get_pane_view (p);
          EvoxCamera *camera = evox_renderer_get_pane_camera (renderer, p);
          const double n[3] = { 48, 40, 32 };
          double edges[4] = { G_MAXDOUBLE, -G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE };
          guint axis, u, v, sides[4];
          int rect[4], mx, my;

          if (view == EVOX_VIEW_SLICES)
            continue;
          axis = view - EVOX_VIEW_SLICE_X;
          u = (axis + 1) % 3;
          v = (axis + 2) % 3;
          pane_rect (window, p, rect);
          for (guint c = 0; c < 4; c++)
            {
              double voxel[3] = { 24, 20, 16 }, corner[2];

              voxel[u] = (c & 1) ? n[u] - 0.5 : -0.5;
              voxel[v] = (c & 2) ? n[v] - 0.5 : -0.5;
              project_voxel (document, camera, rect[2], rect[3], voxel[0], voxel[1], voxel[2],
                             corner);
              edges[0] = MIN (edges[0], corner[0]);
              edges[1] = MAX (edges[1], corner[0]);
              edges[2] = MIN (edges[2], corner[1]);
              edges[3] = MAX (edges[3], corner[1]);
            }
          /* Across each side a quarter of the way along it, clear of the crosshairs. */
          mx = (int) (0.75 * edges[0] + 0.25 * edges[1]);
          my = (int) (0.75 * edges[2] + 0.25 * edges[3]);
          sides[0] = count_frame_pixels (&grab, rect, axis, (int) edges[0] - 6, my, 1, 0, 13);
          sides[1] = count_frame_pixels (&grab, rect, axis, (int) edges[1] - 6, my, 1, 0, 13);
          sides[2] = count_frame_pixels (&grab, rect, axis, mx, (int) edges[2] - 6, 0, 1, 13);
          sides[3] = count_frame_pixels (&grab, rect, axis, mx, (int) edges[3] - 6, 0, 1, 13);
          g_test_message ("pane %u (%s) %d x %d: slice x %.1f..%.1f, y %.1f..%.1f; frame "
                          "widths left %u right %u top %u bottom %u", p,
                          evox_view_to_string (view), rect[2], rect[3], edges[0], edges[1],
                          edges[2], edges[3], sides[0], sides[1], sides[2], sides[3]);
          if (edges[0] < 8 || edges[2] < 8)
            narrow++;
          for (guint i = 0; i < 4; i++)
            g_assert_cmpuint (sides[i], >=, 2);
          g_assert_cmpint (abs ((int) sides[0] - (int) sides[1]), <=, 1);
          g_assert_cmpint (abs ((int) sides[2] - (int) sides[3]), <=, 1);
          /* The frame stays off the pane's outermost pixels. */
          g_assert_cmpuint (count_frame_pixels (&grab, rect, axis, 0, my, 0, 1, 1), ==, 0);
          g_assert_cmpuint (count_frame_pixels (&grab, rect, axis, rect[2] - 1, my, 0, 1, 1),
                            ==, 0);
          g_assert_cmpuint (count_frame_pixels (&grab, rect, axis, mx, 0, 1, 0, 1), ==, 0);
          g_assert_cmpuint (count_frame_pixels (&grab, rect, axis, mx, rect[3] - 1, 1, 0, 1),
                            ==, 0);
        }
      /* The case this is about: slices that fill their panes' width or height. */
      g_assert_cmpuint (narrow, >=, 1);
      g_free (grab.pixels);
      evox_test_close_window (window);
    }
}

/* A click in one 2D pane moves the other two slices (through the document) to the voxel
 * under it, and the crosshairs of the other panes follow. */
static void
test_click_moves_slices (void)
{
  g_autoptr(EvoxVolume) volume = gradient_volume ();
  EvoxWindow *window = open_window (volume);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  EvoxRenderer *renderer = evox_canvas_get_renderer (canvas);
  EvoxTestGrab grab = { 0 };
  double pixel[2], cross[2];
  int rect[4];

  evox_document_set_view (document, EVOX_VIEW_QUAD);
  evox_document_set_slice (document, 2, 20);

  /* In the z pane, voxel (7, 31). */
  pane_rect (window, EVOX_PANE_Z, rect);
  project_voxel (document, evox_renderer_get_pane_camera (renderer, EVOX_PANE_Z), rect[2],
                 rect[3], 7, 31, 20, pixel);
  g_assert_true (evox_canvas_point_at (canvas, rect[0] + pixel[0], rect[1] + pixel[1]));
  g_assert_cmpuint (evox_document_get_slice (document, 0), ==, 7);
  g_assert_cmpuint (evox_document_get_slice (document, 1), ==, 31);
  g_assert_cmpuint (evox_document_get_slice (document, 2), ==, 20);

  /* In the y pane (now at y = 31), voxel (40, ., 3). */
  pane_rect (window, EVOX_PANE_Y, rect);
  project_voxel (document, evox_renderer_get_pane_camera (renderer, EVOX_PANE_Y), rect[2],
                 rect[3], 40, 31, 3, pixel);
  g_assert_true (evox_canvas_point_at (canvas, rect[0] + pixel[0], rect[1] + pixel[1]));
  g_assert_cmpuint (evox_document_get_slice (document, 0), ==, 40);
  g_assert_cmpuint (evox_document_get_slice (document, 1), ==, 31);
  g_assert_cmpuint (evox_document_get_slice (document, 2), ==, 3);

  /* The 3D pane and the gaps are not 2D panes. */
  pane_rect (window, EVOX_PANE_3D, rect);
  g_assert_false (evox_canvas_point_at (canvas, rect[0] + rect[2] / 2.0, rect[1] + rect[3] / 2.0));
  g_assert_false (evox_canvas_point_at (canvas, rect[0] - 1, rect[1] + 5));

  /* The x pane's crosshairs now cross at (y 31, z 3): its horizontal line is the z slice's. */
  evox_test_grab_next_frame (window, &grab);
  pane_rect (window, EVOX_PANE_X, rect);
  project_voxel (document, evox_renderer_get_pane_camera (renderer, EVOX_PANE_X), rect[2],
                 rect[3], 40, 31, 3, cross);
  {
    const guint8 *on_z_line = grab_pixel (&grab, rect[0] + (int) (cross[0] + rect[2]) / 2,
                                          rect[1] + (int) floor (cross[1]));

    g_test_message ("x pane: z line pixel %u %u %u", on_z_line[0], on_z_line[1], on_z_line[2]);
    g_assert_cmpuint (on_z_line[2], >, on_z_line[1] + 40);
  }
  g_free (grab.pixels);
  evox_test_close_window (window);
}

static guint
count_ruler_pixels (const guint8 *pixels,
                    int           width,
                    int           height)
{
  guint n = 0;

  /* The ruler's yellow (255, 214, 46). */
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      const guint8 *p = pixels + 4 * i;

      if (p[0] > 230 && p[1] > 190 && p[1] < 235 && p[2] < 90)
        n++;
    }
  return n;
}

/* A ruler dragged in a 2D pane: its length is the spacing-scaled distance, it is listed with
 * that length, drawn (in the window and in image exports) and removable; its profile is the
 * trilinear samples along it, and exports as CSV. */
static void
test_ruler_and_profile (void)
{
  g_autoptr(EvoxVolume) volume = gradient_volume ();
  EvoxWindow *window = open_window (volume);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  EvoxRenderer *renderer = evox_canvas_get_renderer (canvas);
  EvoxMeasurePanel *panel = EVOX_MEASURE_PANEL (evox_window_get_measure_panel (window));
  EvoxMeasurementList *list = evox_document_get_measurements (document);
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *csv_path = g_build_filename (dir, "profile.csv", NULL);
  g_autofree char *csv = NULL;
  g_autofree guint8 *exported = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxProfile) expected = NULL;
  g_auto(GStrv) lines = NULL;
  const EvoxProfile *profile;
  EvoxMeasurement *ruler;
  EvoxTestGrab grab = { 0 };
  double a[2], b[2], start[3], end[3], length, nm_per_pixel;
  int rect[4];

  /* On a grey map every yellow pixel is the ruler's. */
  evox_document_set_colormap (document, "grey");
  evox_document_set_view (document, EVOX_VIEW_QUAD);
  evox_document_set_slice (document, 2, 11);
  evox_test_grab_next_frame (window, &grab);
  g_assert_cmpuint (count_ruler_pixels (grab.pixels, grab.width, grab.height), ==, 0);

  /* From voxel (4, 6) to (40, 33) of z slice 11: 72 nm by 81 nm. */
  pane_rect (window, EVOX_PANE_Z, rect);
  project_voxel (document, evox_renderer_get_pane_camera (renderer, EVOX_PANE_Z), rect[2],
                 rect[3], 4, 6, 11, a);
  project_voxel (document, evox_renderer_get_pane_camera (renderer, EVOX_PANE_Z), rect[2],
                 rect[3], 40, 33, 11, b);
  nm_per_pixel = test_spacing[0] * 36 / fabs (b[0] - a[0]);
  ruler = evox_canvas_measure (canvas, rect[0] + a[0], rect[1] + a[1], rect[0] + b[0],
                               rect[1] + b[1]);
  g_assert_nonnull (ruler);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 1);
  g_assert_cmpuint (evox_measurement_get_axis (ruler), ==, 2);
  g_assert_cmpuint (evox_measurement_get_slice (ruler), ==, 11);
  length = evox_measurement_get_length_nm (ruler);
  g_test_message ("ruler %.3f nm, expected %.3f nm (%.3f nm a pixel)", length,
                  sqrt (72.0 * 72.0 + 81.0 * 81.0), nm_per_pixel);
  g_assert_cmpfloat (fabs (length - sqrt (72.0 * 72.0 + 81.0 * 81.0)), <=, 2 * nm_per_pixel);
  evox_measurement_get_points (ruler, start, end);
  g_assert_cmpfloat (start[2], ==, 11 * test_spacing[2]);
  g_assert_cmpfloat (end[2], ==, 11 * test_spacing[2]);

  /* Listed with its length, selected, its profile plotted. */
  {
    g_autofree char *text = evox_format_segment_length (volume, start, end);

    g_test_message ("row: %s", _evox_measure_panel_get_row_text (panel, 0));
    g_assert_nonnull (strstr (_evox_measure_panel_get_row_text (panel, 0), text));
    g_assert_nonnull (strstr (_evox_measure_panel_get_row_text (panel, 0), "z = 11"));
  }
  g_assert_cmpint (evox_measure_panel_get_selected (panel), ==, 0);
  profile = evox_measure_panel_get_profile (panel);
  g_assert_nonnull (profile);
  expected = evox_profile_sample (volume, 0, start, end);
  g_assert_cmpuint (profile->n, ==, expected->n);
  /* About one sample a voxel step: sqrt(36^2 + 27^2) = 45 steps. */
  g_assert_cmpuint (profile->n, >=, 45);
  g_assert_cmpuint (profile->n, <=, 48);
  for (guint i = 0; i < profile->n; i++)
    g_assert_cmpfloat (profile->value[i], ==, expected->value[i]);
  /* At the ends, the voxels themselves (within a pixel's worth of interpolation). */
  g_assert_cmpfloat (fabs (profile->value[0] - evox_volume_get_value (volume, 0, 4, 6, 11)),
                     <=, 5 * nm_per_pixel);

  /* Drawn in the window and in image exports. */
  evox_test_grab_next_frame (window, &grab);
  g_test_message ("ruler pixels on screen: %u",
                  count_ruler_pixels (grab.pixels, grab.width, grab.height));
  g_assert_cmpuint (count_ruler_pixels (grab.pixels, grab.width, grab.height), >, 30);
  exported = evox_canvas_render_image (canvas, 2 * grab.width, 2 * grab.height, FALSE, &error);
  g_assert_no_error (error);
  g_test_message ("ruler pixels in a 2x export: %u",
                  count_ruler_pixels (exported, 2 * grab.width, 2 * grab.height));
  g_assert_cmpuint (count_ruler_pixels (exported, 2 * grab.width, 2 * grab.height), >, 60);

  /* The CSV the panel exports reads back as the profile. */
  g_assert_true (evox_measure_panel_export_profile (panel, csv_path, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, &error));
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "distance_nm,x_nm,y_nm,z_nm,value,sampling");
  g_assert_cmpuint (g_strv_length (lines), ==, profile->n + 2);
  for (guint i = 0; i < profile->n; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i + 1], ",", -1);

      g_assert_cmpfloat (g_ascii_strtod (fields[0], NULL), ==, profile->distance_nm[i]);
      g_assert_cmpfloat (g_ascii_strtod (fields[3], NULL), ==, 11 * test_spacing[2]);
      g_assert_cmpfloat (g_ascii_strtod (fields[4], NULL), ==, profile->value[i]);
      g_assert_cmpstr (fields[5], ==, evox_profile_sampling_to_string (profile->sampling));
    }
  g_assert_false (evox_measure_panel_export_profile (panel, csv_path, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);
  /* With File > Include Provenance in CSV: the record's lines, then the same profile. */
  {
    g_autofree char *with = g_strconcat (csv_path, ".with.csv", NULL);

    g_action_group_change_action_state (G_ACTION_GROUP (window), "csv-provenance",
                                        g_variant_new_boolean (TRUE));
    g_assert_true (evox_measure_panel_export_profile (panel, with, FALSE, &error));
    g_assert_no_error (error);
    evox_test_assert_csv_with_provenance (with, csv_path, "Export Profile");
    g_action_group_change_action_state (G_ACTION_GROUP (window), "csv-provenance",
                                        g_variant_new_boolean (FALSE));
    g_unlink (with);
  }

  /* A click without a drag leaves no ruler; Remove takes it off the view. */
  g_assert_null (evox_canvas_measure (canvas, rect[0] + a[0], rect[1] + a[1], rect[0] + a[0],
                                      rect[1] + a[1]));
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 1);
  gtk_widget_activate_action (GTK_WIDGET (panel), "measure.remove", "u", 0);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 0);
  g_assert_null (evox_measure_panel_get_profile (panel));
  evox_test_grab_next_frame (window, &grab);
  g_assert_cmpuint (count_ruler_pixels (grab.pixels, grab.width, grab.height), ==, 0);

  /* In a single 2D view too. */
  evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
  {
    GtkWidget *widget = GTK_WIDGET (canvas);

    project_voxel (document, evox_renderer_get_camera (renderer), gtk_widget_get_width (widget),
                   gtk_widget_get_height (widget), 4, 6, 11, a);
    project_voxel (document, evox_renderer_get_camera (renderer), gtk_widget_get_width (widget),
                   gtk_widget_get_height (widget), 40, 6, 11, b);
    ruler = evox_canvas_measure (canvas, a[0], a[1], b[0], b[1]);
    g_assert_nonnull (ruler);
    g_assert_cmpfloat (fabs (evox_measurement_get_length_nm (ruler) - 72.0), <=,
                       2 * test_spacing[0] * 36 / fabs (b[0] - a[0]));
  }
  g_free (grab.pixels);
  evox_test_close_window (window);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* The Measure page on a segmented volume (labels 0, 85, 170): its profile reads the nearest
 * voxel by default, so every sample is a label, the voxel under the sample read directly; the
 * caption says so. Trilinear, chosen on the page, mixes them as evox_profile_sample does. */
/* The 48 x 40 x 32 label volume of the sampling tests: 0, 85 and 170 in small blocks, so a line
 * crosses many label boundaries. */
static guint8
test_label (gsize x,
            gsize y,
            gsize z)
{
  return (guint8) (((x / 4 + y / 3 + z / 5) % 3) * 85);
}

/* A ruler on z slice 9 from voxel (1, 2) to (45, 37), added as the canvas adds one; its ends
 * go to start and end (nm). */
static EvoxMeasurement *
add_test_ruler (EvoxDocument *document,
                double        start[3],
                double        end[3])
{
  g_autoptr(EvoxMeasurement) ruler = NULL;

  start[0] = 1 * test_spacing[0];
  start[1] = 2 * test_spacing[1];
  end[0] = 45 * test_spacing[0];
  end[1] = 37 * test_spacing[1];
  start[2] = end[2] = 9 * test_spacing[2];
  ruler = evox_measurement_new (2, 9, start, end);
  evox_measurement_list_append (evox_document_get_measurements (document), ruler);
  return ruler;
}

static void
test_profile_sampling (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (48, 40, 32, 1, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxProfile) expected = NULL;
  EvoxWindow *window;
  EvoxDocument *document;
  EvoxMeasurePanel *panel;
  const EvoxProfile *profile;
  const guint8 *data;
  double start[3], end[3];
  guint between = 0;

  g_assert_no_error (error);
  {
    guint8 *labels = evox_volume_get_data_mut (volume, 0);

    for (gsize z = 0; z < 32; z++)
      for (gsize y = 0; y < 40; y++)
        for (gsize x = 0; x < 48; x++)
          labels[(z * 40 + y) * 48 + x] = test_label (x, y, z);
  }
  evox_volume_set_spacing (volume, test_spacing);
  evox_volume_freeze (volume);
  data = evox_volume_get_data (volume, 0);
  window = open_window (volume);
  document = evox_window_get_document (window);
  panel = EVOX_MEASURE_PANEL (evox_window_get_measure_panel (window));
  g_assert_cmpint (evox_measure_panel_get_sampling (panel), ==, EVOX_PROFILE_NEAREST);

  add_test_ruler (document, start, end);
  profile = evox_measure_panel_get_profile (panel);
  g_assert_nonnull (profile);
  g_test_message ("caption: %s", _evox_measure_panel_get_caption (panel));
  g_assert_nonnull (strstr (_evox_measure_panel_get_caption (panel), "nearest"));
  for (guint i = 0; i < profile->n; i++)
    {
      const double *p = profile->position_nm + 3 * i;
      gsize x = (gsize) lround (p[0] / test_spacing[0]), y = (gsize) lround (p[1] / test_spacing[1]);

      g_assert_cmpfloat (profile->value[i], ==, data[((gsize) 9 * 40 + y) * 48 + x]);
    }

  /* Trilinear: values between the labels, as the core samples them. */
  evox_measure_panel_set_sampling (panel, EVOX_PROFILE_TRILINEAR);
  profile = evox_measure_panel_get_profile (panel);
  g_assert_nonnull (strstr (_evox_measure_panel_get_caption (panel), "trilinear"));
  expected = evox_profile_sample (volume, 0, start, end);
  g_assert_cmpuint (profile->n, ==, expected->n);
  for (guint i = 0; i < profile->n; i++)
    {
      g_assert_cmpfloat (profile->value[i], ==, expected->value[i]);
      if (fmod (profile->value[i], 85.0) != 0.0)
        between++;
    }
  g_test_message ("%u of %u trilinear samples between labels", between, profile->n);
  g_assert_cmpuint (between, >, 0);

  /* A new volume brings its own default back. */
  {
    g_autoptr(EvoxVolume) gradient = gradient_volume ();

    evox_document_set_volume (document, gradient, "gradient", NULL);
    g_assert_cmpint (evox_measure_panel_get_sampling (panel), ==, EVOX_PROFILE_TRILINEAR);
    evox_document_set_volume (document, volume, "labels", NULL);
    g_assert_cmpint (evox_measure_panel_get_sampling (panel), ==, EVOX_PROFILE_NEAREST);
  }
  evox_test_close_window (window);
}

/* The Measure page samples its profile once for each change of the volume under a ruler: a
 * voxel size that moves the rulers and then notifies the volume, a channel whose default
 * sampling differs. The profile after each is the core's for the same ruler. */
static void
test_profile_once (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EvoxVolume) volume = evox_volume_new (48, 40, 32, 2, EVOX_SAMPLE_U8, &error);
  g_autoptr(EvoxProfile) expected = NULL;
  const double spacing[3] = { 20, 30, 50 };
  EvoxWindow *window;
  EvoxDocument *document;
  EvoxMeasurePanel *panel;
  EvoxMeasurement *ruler;
  const EvoxProfile *profile;
  double start[3], end[3];
  guint n;

  g_assert_no_error (error);
  {
    guint8 *gradient = evox_volume_get_data_mut (volume, 0);
    guint8 *labels = evox_volume_get_data_mut (volume, 1);

    for (gsize z = 0; z < 32; z++)
      for (gsize y = 0; y < 40; y++)
        for (gsize x = 0; x < 48; x++)
          {
            gsize i = (z * 40 + y) * 48 + x;

            gradient[i] = (guint8) ((x * 5 + y * 3 + z * 7) % 256);
            labels[i] = test_label (x, y, z);
          }
  }
  evox_volume_set_spacing (volume, test_spacing);
  evox_volume_freeze (volume);
  window = open_window (volume);
  document = evox_window_get_document (window);
  panel = EVOX_MEASURE_PANEL (evox_window_get_measure_panel (window));
  g_assert_cmpint (evox_measure_panel_get_sampling (panel), ==, EVOX_PROFILE_TRILINEAR);

  ruler = add_test_ruler (document, start, end);
  g_assert_nonnull (evox_measure_panel_get_profile (panel));

  /* A new voxel size: the ruler moves with its voxels, the profile is sampled once. */
  n = _evox_measure_panel_get_n_profiles (panel);
  evox_document_set_voxel_size (document, spacing);
  g_test_message ("voxel size: %u samplings", _evox_measure_panel_get_n_profiles (panel) - n);
  g_assert_cmpuint (_evox_measure_panel_get_n_profiles (panel) - n, ==, 1);
  evox_measurement_get_points (ruler, start, end);
  g_assert_cmpfloat (start[0], ==, 1 * spacing[0]);
  g_assert_cmpfloat (end[1], ==, 37 * spacing[1]);
  profile = evox_measure_panel_get_profile (panel);
  expected = evox_profile_sample_with (volume, 0, start, end, EVOX_PROFILE_TRILINEAR);
  g_assert_cmpuint (profile->n, ==, expected->n);
  for (guint i = 0; i < profile->n; i++)
    {
      g_assert_cmpfloat (profile->value[i], ==, expected->value[i]);
      g_assert_cmpfloat (profile->distance_nm[i], ==, expected->distance_nm[i]);
    }
  g_clear_pointer (&expected, evox_profile_free);

  /* The labels channel: nearest by default, sampled once. */
  n = _evox_measure_panel_get_n_profiles (panel);
  evox_document_set_channel (document, 1);
  g_test_message ("channel: %u samplings", _evox_measure_panel_get_n_profiles (panel) - n);
  g_assert_cmpuint (_evox_measure_panel_get_n_profiles (panel) - n, ==, 1);
  g_assert_cmpint (evox_measure_panel_get_sampling (panel), ==, EVOX_PROFILE_NEAREST);
  profile = evox_measure_panel_get_profile (panel);
  expected = evox_profile_sample_with (volume, 1, start, end, EVOX_PROFILE_NEAREST);
  g_assert_cmpuint (profile->n, ==, expected->n);
  for (guint i = 0; i < profile->n; i++)
    g_assert_cmpfloat (profile->value[i], ==, expected->value[i]);
  evox_test_close_window (window);
}

/* Every button, modifier and place a drag can begin, against the rules written out here. */
static void
test_drag_action (void)
{
  static const guint buttons[3] = { GDK_BUTTON_PRIMARY, GDK_BUTTON_MIDDLE, GDK_BUTTON_SECONDARY };
  static const GdkModifierType states[4] = { 0, GDK_CONTROL_MASK, GDK_SHIFT_MASK,
                                             GDK_CONTROL_MASK | GDK_SHIFT_MASK };
  static const EvoxView views[5] = { EVOX_VIEW_SLICES, EVOX_VIEW_STACK, EVOX_VIEW_SLICE_X,
                                     EVOX_VIEW_SLICE_Y, EVOX_VIEW_SLICE_Z };
  guint checked = 0;

  for (guint b = 0; b < 3; b++)
    for (guint m = 0; m < 4; m++)
      for (guint v = 0; v < 5; v++)
        for (guint flags = 0; flags < 8; flags++)
          {
            gboolean in_pane = flags & 1, tool = (flags >> 1) & 1, on_end = (flags >> 2) & 1;
            gboolean left = buttons[b] == GDK_BUTTON_PRIMARY;
            gboolean flat = views[v] != EVOX_VIEW_SLICES && views[v] != EVOX_VIEW_STACK;
            gboolean ctrl = (states[m] & GDK_CONTROL_MASK) != 0;
            gboolean shift = (states[m] & GDK_SHIFT_MASK) != 0;
            EvoxDragAction expected;

            if (buttons[b] == GDK_BUTTON_MIDDLE || shift)
              expected = EVOX_DRAG_PAN;
            else if (!flat)
              expected = EVOX_DRAG_ORBIT;
            else if (left && on_end)
              expected = EVOX_DRAG_MOVE_END;
            else if (left && (ctrl || tool))
              expected = EVOX_DRAG_MEASURE;
            else if (left && in_pane)
              expected = EVOX_DRAG_CROSSHAIR;
            else
              expected = EVOX_DRAG_PAN;
            g_assert_cmpint (_evox_canvas_drag_action (buttons[b], states[m], views[v], in_pane,
                                                       tool, on_end), ==, expected);
            checked++;
          }
  g_assert_cmpuint (checked, ==, 480);
  /* The ones people use, spelt out. */
  g_assert_cmpint (_evox_canvas_drag_action (GDK_BUTTON_PRIMARY, 0, EVOX_VIEW_SLICE_Z, TRUE,
                                             FALSE, FALSE), ==, EVOX_DRAG_CROSSHAIR);
  g_assert_cmpint (_evox_canvas_drag_action (GDK_BUTTON_PRIMARY, 0, EVOX_VIEW_SLICE_Z, FALSE,
                                             FALSE, FALSE), ==, EVOX_DRAG_PAN);
  g_assert_cmpint (_evox_canvas_drag_action (GDK_BUTTON_PRIMARY, GDK_CONTROL_MASK,
                                             EVOX_VIEW_SLICES, TRUE, FALSE, FALSE), ==,
                   EVOX_DRAG_ORBIT);
}

/* Widget point of voxel (i, j, k) in pane `pane` of the 2x2: where the renderer draws it in
 * the framebuffer (panes laid out in its pixels), in widget pixels, at any scale factor. */
static void
pane_point (EvoxWindow *window,
            EvoxPane    pane,
            double      i,
            double      j,
            double      k,
            double      point[2])
{
  GtkWidget *canvas = evox_window_get_canvas (window);
  EvoxRenderer *renderer = evox_canvas_get_renderer (EVOX_CANVAS (canvas));
  int scale = gtk_widget_get_scale_factor (canvas);
  int rect[4];

  evox_renderer_get_pane_rect (gtk_widget_get_width (canvas) * scale,
                               gtk_widget_get_height (canvas) * scale, pane, rect);
  project_voxel (evox_window_get_document (window),
                 evox_renderer_get_pane_camera (renderer, pane), rect[2], rect[3], i, j, k,
                 point);
  point[0] = (point[0] + rect[0]) / scale;
  point[1] = (point[1] + rect[1]) / scale;
}

/* Drags through the canvas's gesture code in each pane and with each modifier: what each one
 * moves, and what it leaves alone. */
static void
test_drag_modes (void)
{
  g_autoptr(EvoxVolume) volume = gradient_volume ();
  EvoxWindow *window = open_window (volume);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  EvoxRenderer *renderer = evox_canvas_get_renderer (canvas);
  EvoxMeasurementList *list = evox_document_get_measurements (document);
  EvoxCamera *z_camera = evox_renderer_get_pane_camera (renderer, EVOX_PANE_Z);
  EvoxCamera *camera_3d = evox_renderer_get_pane_camera (renderer, EVOX_PANE_3D);
  double a[2], b[2], before[3], after[3], direction[3], turned[3];
  int rect[4];

  g_test_message ("canvas scale %d, %d x %d", gtk_widget_get_scale_factor (GTK_WIDGET (canvas)),
                  gtk_widget_get_width (GTK_WIDGET (canvas)),
                  gtk_widget_get_height (GTK_WIDGET (canvas)));
  evox_document_set_view (document, EVOX_VIEW_QUAD);
  evox_document_set_slice (document, 0, 10);
  evox_document_set_slice (document, 1, 10);
  evox_document_set_slice (document, 2, 20);

  /* Left in the z pane: the crosshairs (x and y slices) follow to where it ends. */
  pane_point (window, EVOX_PANE_Z, 5, 6, 20, a);
  pane_point (window, EVOX_PANE_Z, 30, 25, 20, b);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, a[0], a[1], b[0], b[1]), ==,
                   EVOX_DRAG_CROSSHAIR);
  g_assert_cmpuint (evox_document_get_slice (document, 0), ==, 30);
  g_assert_cmpuint (evox_document_get_slice (document, 1), ==, 25);
  g_assert_cmpuint (evox_document_get_slice (document, 2), ==, 20);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 0);

  /* Shift+left pans that pane's camera alone by the drag; the slices stay. */
  evox_camera_get_center (z_camera, before);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, GDK_SHIFT_MASK, a[0], a[1],
                                     b[0], b[1]), ==, EVOX_DRAG_PAN);
  evox_camera_get_center (z_camera, after);
  g_test_message ("pan moved the centre by %.2f, %.2f nm for 25, 19 voxels", after[0] - before[0],
                  after[1] - before[1]);
  /* What was under the start is under the end: the centre moves back by the drag. */
  g_assert_cmpfloat (fabs ((before[0] - after[0]) - 25 * test_spacing[0]), <, 0.1);
  g_assert_cmpfloat (fabs ((before[1] - after[1]) - 19 * test_spacing[1]), <, 0.1);
  g_assert_cmpuint (evox_document_get_slice (document, 0), ==, 30);
  g_assert_cmpuint (evox_document_get_slice (document, 1), ==, 25);
  evox_canvas_look_along (canvas, -1);

  /* The middle button pans too; so does the right one in a 2D pane. */
  pane_point (window, EVOX_PANE_Z, 5, 6, 20, a);
  evox_camera_get_center (z_camera, before);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_MIDDLE, 0, a[0], a[1], a[0] + 10,
                                     a[1]), ==, EVOX_DRAG_PAN);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_SECONDARY, 0, a[0], a[1], a[0] + 10,
                                     a[1]), ==, EVOX_DRAG_PAN);
  evox_camera_get_center (z_camera, after);
  g_assert_cmpfloat (after[0], <, before[0]);
  g_assert_cmpuint (evox_document_get_slice (document, 0), ==, 30);
  evox_canvas_look_along (canvas, -1);

  /* Ctrl+left draws a ruler on the z slice. */
  pane_point (window, EVOX_PANE_Z, 5, 6, 20, a);
  pane_point (window, EVOX_PANE_Z, 30, 25, 20, b);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, GDK_CONTROL_MASK, a[0], a[1],
                                     b[0], b[1]), ==, EVOX_DRAG_MEASURE);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 1);
  g_assert_cmpuint (evox_measurement_get_axis (evox_measurement_list_get_measurement (list, 0)),
                    ==, 2);
  g_assert_cmpuint (evox_document_get_slice (document, 0), ==, 30);
  /* So does a plain left drag with the Measure tool, in the y pane. */
  evox_canvas_set_measure_tool (canvas, TRUE);
  pane_point (window, EVOX_PANE_Y, 5, 25, 3, a);
  pane_point (window, EVOX_PANE_Y, 40, 25, 28, b);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, a[0], a[1], b[0], b[1]), ==,
                   EVOX_DRAG_MEASURE);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 2);
  g_assert_cmpuint (evox_measurement_get_axis (evox_measurement_list_get_measurement (list, 1)),
                    ==, 1);
  evox_canvas_set_measure_tool (canvas, FALSE);

  /* Left in the 3D pane orbits its camera (not the 2D panes'); Ctrl does not make it a ruler. */
  pane_rect (window, EVOX_PANE_3D, rect);
  evox_camera_get_eye_direction (camera_3d, direction);
  evox_camera_get_center (z_camera, before);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, GDK_CONTROL_MASK,
                                     rect[0] + rect[2] / 2.0, rect[1] + rect[3] / 2.0,
                                     rect[0] + rect[2] / 2.0 + 40, rect[1] + rect[3] / 2.0), ==,
                   EVOX_DRAG_ORBIT);
  evox_camera_get_eye_direction (camera_3d, turned);
  g_assert_cmpfloat (fabs (turned[0] - direction[0]) + fabs (turned[1] - direction[1]), >, 0.05);
  evox_camera_get_center (z_camera, after);
  g_assert_cmpmem (before, sizeof before, after, sizeof after);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 2);
  /* The gap between the panes starts nothing. */
  pane_rect (window, EVOX_PANE_3D, rect);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, rect[0] - 1, rect[1] + 10,
                                     rect[0] + 30, rect[1] + 10), ==, EVOX_DRAG_NONE);

  /* In a single slice view a plain left drag pans. */
  evox_document_set_view (document, EVOX_VIEW_SLICE_Z);
  {
    GtkWidget *widget = GTK_WIDGET (canvas);
    EvoxCamera *camera = evox_renderer_get_camera (renderer);

    evox_camera_get_center (camera, before);
    g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0,
                                       gtk_widget_get_width (widget) / 2.0,
                                       gtk_widget_get_height (widget) / 2.0,
                                       gtk_widget_get_width (widget) / 2.0 + 20,
                                       gtk_widget_get_height (widget) / 2.0), ==, EVOX_DRAG_PAN);
    evox_camera_get_center (camera, after);
    g_assert_cmpfloat (after[0], <, before[0]);
    g_assert_cmpuint (evox_document_get_slice (document, 0), ==, 30);
  }
  evox_test_close_window (window);
}

/* A ruler's end grabbed within a few pixels and dragged: the ruler, its row and its profile
 * follow; a press farther away moves the crosshairs instead. */
static void
test_ruler_end_drag (void)
{
  g_autoptr(EvoxVolume) volume = gradient_volume ();
  EvoxWindow *window = open_window (volume);
  EvoxDocument *document = evox_window_get_document (window);
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  EvoxMeasurePanel *panel = EVOX_MEASURE_PANEL (evox_window_get_measure_panel (window));
  EvoxMeasurementList *list = evox_document_get_measurements (document);
  EvoxMeasurement *ruler;
  const EvoxProfile *profile;
  double a[2], b[2], c[2], start[3], end[3], moved[3], length;
  g_autofree char *row_before = NULL;

  evox_document_set_view (document, EVOX_VIEW_QUAD);
  evox_document_set_slice (document, 2, 11);
  pane_point (window, EVOX_PANE_Z, 4, 6, 11, a);
  pane_point (window, EVOX_PANE_Z, 20, 6, 11, b);
  ruler = evox_canvas_measure (canvas, a[0], a[1], b[0], b[1]);
  g_assert_nonnull (ruler);
  evox_measurement_get_points (ruler, start, end);
  row_before = g_strdup (_evox_measure_panel_get_row_text (panel, 0));
  g_assert_cmpfloat (fabs (evox_measurement_get_length_nm (ruler) - 32.0), <, 1.0);

  /* Grab the end 3 px off and drag it to voxel (20, 30): the start stays. */
  pane_point (window, EVOX_PANE_Z, 20, 30, 11, c);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, b[0] + 2, b[1] - 2,
                                     c[0] + 2, c[1] - 2), ==, EVOX_DRAG_MOVE_END);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 1);
  evox_measurement_get_points (ruler, moved, end);
  g_assert_cmpmem (moved, sizeof moved, start, sizeof start);
  g_test_message ("end moved to %.2f, %.2f, %.2f nm", end[0], end[1], end[2]);
  g_assert_cmpfloat (fabs (end[0] - 20 * test_spacing[0]), <, 1.0);
  g_assert_cmpfloat (fabs (end[1] - 30 * test_spacing[1]), <, 1.0);
  g_assert_cmpfloat (end[2], ==, 11 * test_spacing[2]);
  length = evox_measurement_get_length_nm (ruler);
  g_assert_cmpfloat (fabs (length - sqrt (32.0 * 32.0 + 72.0 * 72.0)), <, 1.5);
  /* The slices did not move: the drag was the ruler's. */
  g_assert_cmpuint (evox_document_get_slice (document, 0), ==, 24);
  g_assert_cmpuint (evox_document_get_slice (document, 1), ==, 20);
  /* The row and the profile follow. */
  g_test_message ("row %s -> %s", row_before, _evox_measure_panel_get_row_text (panel, 0));
  g_assert_cmpstr (_evox_measure_panel_get_row_text (panel, 0), !=, row_before);
  profile = evox_measure_panel_get_profile (panel);
  g_assert_nonnull (profile);
  g_assert_cmpfloat (profile->position_nm[3 * (profile->n - 1)], ==, end[0]);
  g_assert_cmpfloat (profile->position_nm[3 * (profile->n - 1) + 1], ==, end[1]);

  /* The start too, with Ctrl held (a grab wins over a new ruler). */
  pane_point (window, EVOX_PANE_Z, 10, 20, 11, c);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, GDK_CONTROL_MASK, a[0] - 1,
                                     a[1] + 1, c[0] - 1, c[1] + 1), ==, EVOX_DRAG_MOVE_END);
  g_assert_cmpuint (evox_measurement_list_get_n_measurements (list), ==, 1);
  evox_measurement_get_points (ruler, start, moved);
  g_assert_cmpmem (moved, sizeof moved, end, sizeof end);
  g_assert_cmpfloat (fabs (start[0] - 10 * test_spacing[0]), <, 1.0);
  g_assert_cmpfloat (fabs (start[1] - 20 * test_spacing[1]), <, 1.0);

  /* 15 px from both ends: the crosshairs move, the ruler stays. */
  pane_point (window, EVOX_PANE_Z, 10, 20, 11, c);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, c[0] + 15, c[1],
                                     c[0] + 15, c[1]), ==, EVOX_DRAG_CROSSHAIR);
  evox_measurement_get_points (ruler, moved, NULL);
  g_assert_cmpmem (moved, sizeof moved, start, sizeof start);

  /* On another z slice the ruler is not there to grab. */
  evox_document_set_slice (document, 2, 12);
  pane_point (window, EVOX_PANE_Z, 20, 30, 12, c);
  g_assert_cmpint (evox_canvas_drag (canvas, GDK_BUTTON_PRIMARY, 0, c[0], c[1], c[0] + 5, c[1]),
                   ==, EVOX_DRAG_CROSSHAIR);
  evox_measurement_get_points (ruler, NULL, moved);
  g_assert_cmpmem (moved, sizeof moved, end, sizeof end);
  evox_test_close_window (window);
}

/* The drags again at a scale factor of 2 (GDK_SCALE, so in a child process, on a screen of its
 * own large enough for the window at twice the size): the canvas draws in device pixels, and
 * the pointer must land where the drawing is. */
static void
test_drags_scale_2 (void)
{
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "GDK_SCALE", "2", TRUE);
  g_autofree char *xvfb_run = g_find_program_in_path ("xvfb-run");
  const char *argv[] = { xvfb_run, "-a", "-s", "-screen 0 2560x1600x24", "/proc/self/exe",
                         "--tap", "-p", "/Evox/Views/drag-modes", "-p",
                         "/Evox/Views/ruler-end-drag", NULL };
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (g_strcmp0 (g_getenv ("GDK_SCALE"), "2") == 0)
    {
      g_test_skip ("already at scale 2");
      return;
    }
  if (xvfb_run == NULL || self_path == NULL)
    {
      g_test_skip ("needs xvfb-run and /proc/self/exe");
      return;
    }
  argv[4] = self_path;
  g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  g_test_message ("child: %s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "# canvas scale 2,"));
  g_assert_nonnull (strstr (out, "ok 1 /Evox/Views/drag-modes"));
  g_assert_nonnull (strstr (out, "ok 2 /Evox/Views/ruler-end-drag"));
}

/* With EVOX_TEST_SCREENSHOTS=DIR: the window on the real tomogram and SSRM table in the 2x2
 * with a ruler and its profile, as PNG files to look at. */
static void
screenshot_of (const char *relative,
               const char *name,
               guint       axis,
               const double from[2],
               const double to[2])
{
  g_autofree char *path = evox_test_data_path (relative);
  g_autoptr(GFile) file = NULL;
  EvoxWindow *window;
  EvoxDocument *document;
  EvoxCanvas *canvas;
  EvoxRenderer *renderer;
  EvoxVolume *volume;
  double spacing[3], origin[3], a[2], b[2];
  gsize dims[3];
  int rect[4];
  EvoxTestGrab grab = { 0 };
  EvoxPane pane = axis == 2 ? EVOX_PANE_Z : axis == 1 ? EVOX_PANE_Y : EVOX_PANE_X;

  if (path == NULL)
    return;
  file = g_file_new_for_path (path);
  window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  {
    EvoxSsrmOptions *options = evox_ssrm_options_new ();

    /* The A19 scan is 1 x 1 um over 128 x 128 pixels; tomograms ignore the options. */
    options->pixel_size_nm = 7.8125;
    evox_window_open_file (window, file, options);
    evox_ssrm_options_free (options);
  }
  g_assert_true (evox_test_wait_for (not_loading, window, 120));
  document = evox_window_get_document (window);
  canvas = EVOX_CANVAS (evox_window_get_canvas (window));
  renderer = evox_canvas_get_renderer (canvas);
  volume = evox_document_get_volume (document);
  g_assert_nonnull (volume);
  evox_volume_get_dims (volume, dims);
  evox_volume_get_spacing (volume, spacing);
  evox_volume_get_origin (volume, origin);
  evox_document_set_view (document, EVOX_VIEW_QUAD);
  evox_window_show_page (window, "measure");
  evox_test_grab_next_frame (window, &grab);
  pane_rect (window, pane, rect);
  {
    EvoxCamera *camera = evox_renderer_get_pane_camera (renderer, pane);
    float view[16], projection[16];
    double ends[2][2] = { { from[0], from[1] }, { to[0], to[1] } };
    double *out_points[2] = { a, b };

    evox_camera_get_matrices (camera, rect[2], rect[3], view, projection);
    for (guint e = 0; e < 2; e++)
      {
        double voxel[3], world[4], eye[4], clip[4];
        guint u = axis == 2 ? 0 : axis == 1 ? 0 : 1, v = axis == 2 ? 1 : 2;

        voxel[axis] = evox_document_get_slice (document, axis);
        voxel[u] = ends[e][0] * (dims[u] - 1);
        voxel[v] = ends[e][1] * (dims[v] - 1);
        for (guint c = 0; c < 3; c++)
          world[c] = (origin[c] + spacing[c] * voxel[c]) *
                     (c == 2 ? evox_document_get_z_exaggeration (document) : 1.0);
        world[3] = 1;
        for (guint r = 0; r < 4; r++)
          {
            eye[r] = 0;
            for (guint c = 0; c < 4; c++)
              eye[r] += view[c * 4 + r] * world[c];
          }
        for (guint r = 0; r < 4; r++)
          {
            clip[r] = 0;
            for (guint c = 0; c < 4; c++)
              clip[r] += projection[c * 4 + r] * eye[c];
          }
        out_points[e][0] = rect[0] + (clip[0] / clip[3] + 1.0) * 0.5 * rect[2];
        out_points[e][1] = rect[1] + (1.0 - clip[1] / clip[3]) * 0.5 * rect[3];
      }
  }
  g_assert_nonnull (evox_canvas_measure (canvas, a[0], a[1], b[0], b[1]));
  evox_test_grab_next_frame (window, &grab);
  /* Let the page's crossfade end and the panel's plot lay out and draw. */
  {
    gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC;

    while (g_get_monotonic_time () < end)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (2000);
      }
  }
  evox_test_screenshot (GTK_WIDGET (window), name);
  g_free (grab.pixels);
  evox_test_close_window (window);
}

static void
test_screenshots (void)
{
  if (g_getenv ("EVOX_TEST_SCREENSHOTS") == NULL)
    {
      g_test_skip ("set EVOX_TEST_SCREENSHOTS=DIR to write the screenshots");
      return;
    }
  screenshot_of ("tomo/electrode.tiff", "quad-electrode", 2, (double[2]) { 0.15, 0.2 },
                 (double[2]) { 0.8, 0.65 });
  screenshot_of ("ssrm/A19_GrSi_Anode_1x1.csv", "quad-ssrm", 2, (double[2]) { 0.1, 0.5 },
                 (double[2]) { 0.9, 0.5 });
}

/* What `evox --phase ... --ruler ...` does when the volume arrives: the application opens the
 * Measure page for its rulers, and the window's startup phases must not take it away. */
static void
open_measure_page (EvoxDocument *document,
                   GParamSpec   *pspec,
                   EvoxWindow   *window)
{
  if (evox_document_get_volume (document) != NULL)
    evox_window_show_page (window, "measure");
}

static void
test_startup_ruler_page (void)
{
  const char *specs[] = { "graphite=-7:-3.5", NULL };
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);
  EvoxDocument *document = evox_window_get_document (window);

  evox_window_set_startup_phases (window, specs, NULL);
  g_signal_connect (document, "notify::volume", G_CALLBACK (open_measure_page), window);
  evox_window_open_demo (window);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (document)), ==, 1);
  g_assert_cmpstr (evox_window_get_page (window), ==, "measure");
  g_signal_handlers_disconnect_by_func (document, open_measure_page, window);

  /* Without rulers the phases asked for are what to look at. */
  evox_window_show_page (window, "display");
  evox_window_set_startup_phases (window, specs, NULL);
  g_assert_cmpstr (evox_window_get_page (window), ==, "phases");
  evox_test_close_window (window);
}

int
main (int    argc,
      char **argv)
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/Views/quad-panes", test_quad_panes);
  g_test_add_func ("/Evox/Views/quad-frames", test_quad_frames);
  g_test_add_func ("/Evox/Views/click-moves-slices", test_click_moves_slices);
  g_test_add_func ("/Evox/Views/ruler-and-profile", test_ruler_and_profile);
  g_test_add_func ("/Evox/Views/profile-sampling", test_profile_sampling);
  g_test_add_func ("/Evox/Views/profile-once", test_profile_once);
  g_test_add_func ("/Evox/Views/drag-action", test_drag_action);
  g_test_add_func ("/Evox/Views/drag-modes", test_drag_modes);
  g_test_add_func ("/Evox/Views/ruler-end-drag", test_ruler_end_drag);
  g_test_add_func ("/Evox/Views/drags-scale-2", test_drags_scale_2);
  g_test_add_func ("/Evox/Views/startup-ruler-page", test_startup_ruler_page);
  g_test_add_func ("/Evox/Views/screenshots", test_screenshots);
  return g_test_run ();
}

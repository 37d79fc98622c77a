/* test-session-ui.c: a session saved from one window and opened in another gives the same
 * settings, the same exported numbers and the same picture; bad sessions keep what is shown. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "evox-canvas.h"
#include "evox-clustering.h"
#include "evox-document.h"
#include "evox-test-ui.h"
#include "evox-test-util.h"
#include "evox-tiff.h"
#include "evox-register.h"
#include "evox-registration-panel.h"
#include "evox-session.h"
#include "evox-test-registration.h"
#include "evox-types.h"
#include "evox-watershed.h"
#include "evox-xanes-panel.h"
#include "evox-xanes-phantom.h"
#include "evox-xanes.h"
#include "evox-window-private.h"

static const char * const compared[] = {
  "channel", "colormap", "mapping", "range-lo", "range-hi", "view", "slice-x", "slice-y",
  "slice-z", "active-axis", "z-exaggeration", "basis", "show-phases", "hide-outside-phases",
  "particle-colors", "selected-phase", "smooth-surfaces", "triangle-budget",
};

/* Two balls (centre x, y, z and squared radius each) 150 brighter than a noisy background. */
static void
write_balls (const char   *path,
             guint64       seed,
             const gsize   n[3],
             const double  balls[2][4])
{
  g_autoptr (EvoxVolume) volume = NULL;
  g_autoptr (GError) error = NULL;
  guint64 state = seed;
  guint8 *data;

  volume = evox_volume_new (n[0], n[1], n[2], 1, EVOX_SAMPLE_U8, &error);
  g_assert_no_error (error);
  data = evox_volume_get_data_mut (volume, 0);
  for (gsize z = 0; z < n[2]; z++)
    for (gsize y = 0; y < n[1]; y++)
      for (gsize x = 0; x < n[0]; x++)
        {
          guint8 v = (guint8) (evox_test_random (&state) % 60);

          for (guint b = 0; b < 2; b++)
            if ((x - balls[b][0]) * (x - balls[b][0]) + (y - balls[b][1]) * (y - balls[b][1]) +
                (z - balls[b][2]) * (z - balls[b][2]) < balls[b][3])
              {
                v += 150;
                break;
              }
          data[(z * n[1] + y) * n[0] + x] = v;
        }
  g_assert_true (evox_tiff_write (volume, 0, path, EVOX_TIFF_WRITE_OVERWRITE, &error));
  g_assert_no_error (error);
}

/* Balls on a noisy background: particles and surfaces worth seeing. */
static void
write_blobs (const char *path,
             guint64     seed)
{
  const gsize n[3] = { 40, 36, 30 };
  const double balls[2][4] = { { 12, 12, 10, 64 }, { 28, 24, 18, 49 } };

  write_balls (path, seed, n, balls);
}

/* The fractions and particles CSV files both windows export, byte for byte. */
static void
assert_same_exports (EvoxWindow *first,
                     EvoxWindow *second,
                     const char *dir)
{
  const EvoxExportKind kinds[] = { EVOX_EXPORT_FRACTIONS, EVOX_EXPORT_PARTICLES };
  const char *names[] = { "fractions", "particles" };
  g_autoptr (GError) error = NULL;

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autofree char *pa = g_strdup_printf ("%s/a-%s.csv", dir, names[k]);
      g_autofree char *pb = g_strdup_printf ("%s/b-%s.csv", dir, names[k]);
      g_autofree char *ta = NULL;
      g_autofree char *tb = NULL;

      g_assert_true (evox_window_export_data (first, kinds[k], pa, TRUE, &error));
      g_assert_no_error (error);
      g_assert_true (evox_window_export_data (second, kinds[k], pb, TRUE, &error));
      g_assert_no_error (error);
      g_file_get_contents (pa, &ta, NULL, NULL);
      g_file_get_contents (pb, &tb, NULL, NULL);
      g_assert_nonnull (ta);
      g_assert_cmpstr (ta, ==, tb);
    }
}

static EvoxCamera *
pane_camera (EvoxWindow *window)
{
  EvoxCanvas *canvas = EVOX_CANVAS (evox_window_get_canvas (window));

  return evox_renderer_get_pane_camera (evox_canvas_get_renderer (canvas), EVOX_PANE_3D);
}

static gboolean
restored (gpointer data)
{
  EvoxDocument *document = evox_window_get_document (data);

  return evox_document_get_volume (document) != NULL &&
         evox_document_get_labels (document) != NULL &&
         !evox_document_get_surfaces_busy (document);
}

/* A new window of the size the picture comparisons use, opening session through File > Open's
 * path (`evox FILE.evox` comes through it too), once ready says so, with no error shown. */
static EvoxWindow *
open_in_new_window (GFile    *session,
                    gboolean (*ready) (gpointer data))
{
  EvoxWindow *window = g_object_new (EVOX_TYPE_WINDOW, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  evox_window_open_file (window, session, NULL);
  g_assert_true (evox_test_wait_for (ready, window, 60));
  g_assert_null (evox_window_get_error (window));
  return window;
}

static gboolean
has_clusters (gpointer data)
{
  return evox_document_get_clusters (evox_window_get_document (data)) != NULL;
}

static gboolean
surfaces_idle (gpointer data)
{
  return !evox_document_get_surfaces_busy (evox_window_get_document (data));
}

/* The question the window asks about a changed input: a message dialog over it. */
static GtkWidget *
find_question (EvoxWindow *window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) top = g_list_model_get_item (toplevels, i);

      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      if (GTK_IS_MESSAGE_DIALOG (top) &&
          gtk_window_get_transient_for (top) == GTK_WINDOW (window) &&
          gtk_widget_get_visible (GTK_WIDGET (top)))
        return GTK_WIDGET (top);
      G_GNUC_END_IGNORE_DEPRECATIONS
    }
  return NULL;
}

static gboolean
has_question (gpointer data)
{
  return find_question (data) != NULL;
}

static gboolean
no_question (gpointer data)
{
  return find_question (data) == NULL;
}

static const char *
question_text (EvoxWindow *window)
{
  GtkWidget *dialog = find_question (window);
  static char *text;

  g_assert_nonnull (dialog);
  g_free (text);
  g_object_get (dialog, "secondary-text", &text, NULL);
  return text;
}

static void
answer_question (EvoxWindow *window,
                 int         response)
{
  GtkWidget *dialog = find_question (window);

  g_assert_nonnull (dialog);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_dialog_response (GTK_DIALOG (dialog), response);
  G_GNUC_END_IGNORE_DEPRECATIONS
  /* Gone before the next question is looked for, which must not find this one. */
  g_assert_true (evox_test_wait_for (no_question, window, 60));
}

static char *
read_text (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
test_save_and_open (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "blobs.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "blobs.evox", NULL);
  g_autoptr (GFile) session_file = g_file_new_for_path (session);
  g_autoptr (EvoxPhase) pores = evox_phase_new ("Pores", 0, 100, "#1f77b4");
  g_autoptr (EvoxPhase) solid = evox_phase_new ("Solid", 140, 255, "#d62728");
  g_autoptr (EvoxLabels) labels = NULL;
  g_autoptr (GError) error = NULL;
  EvoxWindow *first, *second;
  EvoxDocument *a, *b;
  const char *shot = g_getenv ("EVOX_SESSION_SCREENSHOT");

  write_blobs (tiff, 3);
  first = evox_test_open_file (tiff);
  a = evox_window_get_document (first);
  evox_document_set_colormap (a, "inferno");
  evox_document_set_view (a, EVOX_VIEW_QUAD);
  evox_document_set_slice (a, 2, 12);
  evox_document_set_range (a, 10, 230);
  evox_phase_set_opacity (solid, 0.8);
  evox_phase_list_append (evox_document_get_phases (a), pores);
  evox_phase_list_append (evox_document_get_phases (a), solid);
  evox_document_set_selected_phase (a, 1);
  labels = evox_labels_compute (evox_document_get_volume (a), 0, "Solid", 140, 255,
                                EVOX_CONNECTIVITY_6, 5, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_labels (a, labels);
  evox_document_add_phase_surface (a, solid);
  g_assert_true (evox_test_wait_for (surfaces_idle, first, 60));
  /* Clusters of the values inside the volume's middle range, renamed and recoloured. */
  {
    EvoxClusteringParams params;
    EvoxVolume *volume = evox_document_get_volume (a);
    g_autoptr (EvoxClusteringResult) run = NULL;

    evox_clustering_params_init (&params);
    params.k = 3;
    params.kmeans.seed = 11;
    params.mask.channel = 0;
    params.mask.lo = 5;
    params.mask.hi = 250;
    run = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (evox_document_set_clusters (a, run->clusters[0]));
    evox_clusters_set_name (run->clusters[0], 2, "Middle");
    evox_clusters_set_color (run->clusters[0], 3, "#123456");
    evox_clusters_set_visible (run->clusters[0], 1, FALSE);
  }
  /* The side panel on another page than the first: it comes back too. */
  evox_window_show_page (first, "particles");
  /* Turned and zoomed away from where the view puts it: the camera comes back too. */
  evox_camera_orbit (pane_camera (first), 60, -25);
  evox_camera_zoom_at (pane_camera (first), 1.5, 100, 80, 400, 300);

  g_assert_true (evox_window_save_session (first, session, FALSE, &error));
  g_assert_no_error (error);
  /* Saved once: no overwriting unasked. */
  g_assert_false (evox_window_save_session (first, session, FALSE, &error));
  g_assert_error (error, EVOX_ERROR, EVOX_ERROR_EXISTS);
  g_clear_error (&error);

  /* `evox FILE.evox` and File > Open both come through open_file. */
  second = open_in_new_window (session_file, restored);
  b = evox_window_get_document (second);

  for (guint i = 0; i < G_N_ELEMENTS (compared); i++)
    {
      g_auto (GValue) va = G_VALUE_INIT;
      g_auto (GValue) vb = G_VALUE_INIT;
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (a), compared[i]);

      g_value_init (&va, pspec->value_type);
      g_value_init (&vb, pspec->value_type);
      g_object_get_property (G_OBJECT (a), compared[i], &va);
      g_object_get_property (G_OBJECT (b), compared[i], &vb);
      g_assert_cmpint (g_param_values_cmp (pspec, &va, &vb), ==, 0);
    }
  g_assert_cmpstr (evox_document_get_path (b), ==, tiff);
  g_assert_cmpstr (evox_window_get_page (second), ==, "particles");
  /* The clusters made again: the same labels, names, colours and visibility. */
  g_assert_true (evox_test_wait_for (has_clusters, second, 60));
  {
    EvoxClusters *ca = evox_document_get_clusters (a), *cb = evox_document_get_clusters (b);
    gsize dims[3];

    evox_clusters_get_dims (ca, dims);
    g_assert_cmpuint (evox_clusters_get_k (ca), ==, evox_clusters_get_k (cb));
    g_assert_cmpmem (evox_clusters_get_data (ca), dims[0] * dims[1] * dims[2] * 2,
                     evox_clusters_get_data (cb), dims[0] * dims[1] * dims[2] * 2);
    for (guint id = 1; id <= evox_clusters_get_k (ca); id++)
      {
        g_assert_cmpstr (evox_clusters_get_name (ca, id), ==, evox_clusters_get_name (cb, id));
        g_assert_cmpstr (evox_clusters_get_color (ca, id), ==, evox_clusters_get_color (cb, id));
        g_assert_cmpint (evox_clusters_get_visible (ca, id), ==,
                         evox_clusters_get_visible (cb, id));
      }
    g_assert_cmpstr (evox_clusters_get_name (cb, 2), ==, "Middle");
  }
  g_assert_cmpuint (evox_labels_get_n_particles (evox_document_get_labels (b)), ==,
                    evox_labels_get_n_particles (labels));

  {
    EvoxCameraPose pa, pb;

    evox_camera_get_pose (pane_camera (first), &pa);
    evox_camera_get_pose (pane_camera (second), &pb);
    for (guint i = 0; i < 3; i++)
      g_assert_cmpfloat (pa.center[i], ==, pb.center[i]);
    g_assert_cmpfloat (pa.azimuth, ==, pb.azimuth);
    g_assert_cmpfloat (pa.elevation, ==, pb.elevation);
    g_assert_cmpfloat (pa.frame[0], ==, pb.frame[0]);
    g_assert_cmpfloat (pa.frame[1], ==, pb.frame[1]);
    g_assert_cmpint (pa.orthographic, ==, pb.orthographic);
  }

  /* The numbers the windows export are the same, byte for byte. */
  assert_same_exports (first, second, dir);

  /* The same picture, pixel for pixel (both windows draw the same size offscreen). */
  {
    g_autofree char *pa = g_build_filename (dir, "a.png", NULL);
    g_autofree char *pb = g_build_filename (dir, "b.png", NULL);
    g_autoptr (GdkTexture) ta = NULL;
    g_autoptr (GdkTexture) tb = NULL;
    g_autofree guchar *da = g_malloc (640 * 480 * 4);
    g_autofree guchar *db = g_malloc (640 * 480 * 4);

    g_assert_true (evox_window_export_image (first, pa, 640, 480, FALSE, &error));
    g_assert_no_error (error);
    g_assert_true (evox_window_export_image (second, pb, 640, 480, FALSE, &error));
    g_assert_no_error (error);
    ta = gdk_texture_new_from_filename (pa, &error);
    g_assert_no_error (error);
    tb = gdk_texture_new_from_filename (pb, &error);
    g_assert_no_error (error);
    gdk_texture_download (ta, da, 640 * 4);
    gdk_texture_download (tb, db, 640 * 4);
    g_assert_cmpmem (da, 640 * 480 * 4, db, 640 * 480 * 4);
  }

  /* For the README: the session as saved, and the restored window's picture. */
  if (g_getenv ("EVOX_SESSION_KEEP") != NULL)
    {
      g_autofree char *text = read_text (session);

      g_assert_true (g_file_set_contents (g_getenv ("EVOX_SESSION_KEEP"), text, -1, NULL));
    }
  if (shot != NULL)
    {
      g_assert_true (evox_window_export_image (second, shot, 1000, 700, FALSE, &error));
      g_assert_no_error (error);
    }

  /* A session cut short: an error naming it, and the window keeps what it shows. */
  {
    g_autofree char *text = read_text (session);
    g_autofree char *cut = g_build_filename (dir, "cut.evox", NULL);
    g_autoptr (GFile) cut_file = g_file_new_for_path (cut);

    g_assert_true (g_file_set_contents (cut, text, (gssize) (strlen (text) / 2), NULL));
    evox_window_open_file (second, cut_file, NULL);
    g_assert_nonnull (evox_window_get_error (second));
    g_assert_nonnull (strstr (evox_window_get_error (second), "cut.evox"));
    g_assert_nonnull (evox_document_get_labels (b));
    g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (b)), ==, 2);
  }

  /* A changed input (other noise, the same size): a question naming it before anything is
   * replaced; Cancel keeps the window as it was, Open Anyway restores with the banner's
   * warning. */
  {
    EvoxLabels *before = evox_document_get_labels (b);

    write_blobs (tiff, 4);
    evox_window_show_error (second, NULL);
    evox_window_open_file (second, session_file, NULL);
    g_assert_true (evox_test_wait_for (has_question, second, 60));
    g_assert_nonnull (strstr (question_text (second), "blobs.tif"));
    g_assert_nonnull (strstr (question_text (second), "changed"));
    g_assert_true (evox_document_get_labels (b) == before);
    answer_question (second, GTK_RESPONSE_CANCEL);
    g_assert_true (evox_document_get_labels (b) == before);
    g_assert_nonnull (strstr (evox_window_get_error (second), "was not opened"));

    evox_window_open_file (second, session_file, NULL);
    g_assert_true (evox_test_wait_for (has_question, second, 60));
    answer_question (second, GTK_RESPONSE_ACCEPT);
    g_assert_true (evox_document_get_labels (b) != before);
    g_assert_true (evox_test_wait_for (restored, second, 60));
    g_assert_nonnull (strstr (evox_window_get_error (second), "blobs.tif"));
    g_assert_nonnull (strstr (evox_window_get_error (second), "changed"));
  }

  evox_test_close_window (second);
  evox_test_close_window (first);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

/* Two balls of radius 7 whose centres are 12 voxels apart: one particle until the watershed
 * splits it in two. */
static void
write_touching (const char *path)
{
  const gsize n[3] = { 36, 30, 30 };
  const double balls[2][4] = { { 12, 15, 15, 49 }, { 24, 15, 15, 49 } };

  write_balls (path, 7, n, balls);
}

/* Particles split by the watershed and clusters merged twice come back from a session as they
 * were: the same labels and clusters voxel for voxel, the same names, the same particles CSV,
 * and the restore is where the new window's history starts. */
static void
test_merged_split (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "touching.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "touching.evox", NULL);
  g_autoptr (GFile) session_file = g_file_new_for_path (session);
  g_autoptr (EvoxPhase) solid = evox_phase_new ("Solid", 140, 255, "#d62728");
  g_autoptr (EvoxLabels) labels = NULL;
  g_autoptr (EvoxLabels) split = NULL;
  g_autoptr (EvoxClusteringResult) run = NULL;
  g_autoptr (EvoxClusters) once = NULL;
  g_autoptr (EvoxClusters) twice = NULL;
  g_autoptr (GError) error = NULL;
  EvoxClusteringParams params;
  EvoxWindow *first, *second;
  EvoxDocument *a, *b;
  EvoxVolume *volume;
  EvoxLabels *restored_labels;
  EvoxClusters *ca, *cb;
  const double *ha, *hb;
  guint na, nb;
  gsize dims[3];

  write_touching (tiff);
  first = evox_test_open_file (tiff);
  a = evox_window_get_document (first);
  volume = evox_document_get_volume (a);
  evox_phase_list_append (evox_document_get_phases (a), solid);
  labels = evox_labels_compute (volume, 0, "Solid", 140, 255, EVOX_CONNECTIVITY_26, 0, NULL,
                                NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (labels), ==, 1);
  split = evox_watershed_split (labels, 1.0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (evox_labels_get_n_particles (split), ==, 2);
  evox_document_set_labels (a, split);
  evox_document_set_selected_particle (a, 2);

  evox_clustering_params_init (&params);
  params.k = 4;
  params.kmeans.seed = 5;
  run = evox_clustering_run (&volume, 1, &params, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  once = evox_clusters_merge (run->clusters[0], 1, 2, &error);
  g_assert_no_error (error);
  twice = evox_clusters_merge (once, 3, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (evox_clusters_get_info (twice, "merge-pairs"), ==, "1:2,3:1");
  g_assert_true (evox_document_set_clusters (a, twice));
  evox_clusters_set_name (twice, 1, "Joined");
  evox_clusters_set_color (twice, 2, "#abcdef");

  g_assert_true (evox_window_save_session (first, session, FALSE, &error));
  g_assert_no_error (error);

  second = open_in_new_window (session_file, restored);
  g_assert_true (evox_test_wait_for (has_clusters, second, 60));
  g_assert_null (evox_window_get_error (second));
  b = evox_window_get_document (second);

  /* The particles: split again with the same h, voxel for voxel. */
  restored_labels = evox_document_get_labels (b);
  g_assert_cmpuint (evox_labels_get_n_particles (restored_labels), ==, 2);
  ha = evox_labels_get_split_h (split, &na);
  hb = evox_labels_get_split_h (restored_labels, &nb);
  g_assert_cmpuint (na, ==, 1);
  g_assert_cmpuint (nb, ==, 1);
  g_assert_cmpfloat (ha[0], ==, hb[0]);
  evox_labels_get_dims (split, dims);
  g_assert_cmpmem (evox_labels_get_data (split), dims[0] * dims[1] * dims[2] * 4,
                   evox_labels_get_data (restored_labels), dims[0] * dims[1] * dims[2] * 4);
  g_assert_cmpuint (evox_document_get_selected_particle (b), ==, 2);

  /* The clusters: the run merged again in the same order. */
  ca = evox_document_get_clusters (a);
  cb = evox_document_get_clusters (b);
  g_assert_cmpuint (evox_clusters_get_k (cb), ==, 2);
  g_assert_cmpmem (evox_clusters_get_data (ca), dims[0] * dims[1] * dims[2] * 2,
                   evox_clusters_get_data (cb), dims[0] * dims[1] * dims[2] * 2);
  g_assert_cmpstr (evox_clusters_get_info (cb, "merge-pairs"), ==, "1:2,3:1");
  g_assert_cmpstr (evox_clusters_get_info (cb, "unmerged-k"), ==, "4");
  for (guint id = 1; id <= evox_clusters_get_k (ca); id++)
    {
      g_assert_cmpstr (evox_clusters_get_name (ca, id), ==, evox_clusters_get_name (cb, id));
      g_assert_cmpstr (evox_clusters_get_color (ca, id), ==, evox_clusters_get_color (cb, id));
    }
  g_assert_cmpstr (evox_clusters_get_name (cb, 1), ==, "Joined");

  /* The tables exported by both windows, byte for byte. */
  assert_same_exports (first, second, dir);

  /* Nothing the restore did is a step to undo, the clusters that came later included. */
  evox_history_flush (second->history);
  g_assert_cmpuint (evox_history_get_n_undo (second->history), ==, 0);

  evox_test_close_window (second);
  evox_test_close_window (first);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static gboolean
registered_and_labelled (gpointer data)
{
  EvoxDocument *document = evox_window_get_document (data);

  return evox_document_get_registration (document) != NULL && restored (data);
}

/* A registration other than the one the window showed when the test marked it (the window's
 * "evox-test-before" data), with everything else restored. */
static gboolean
registered_anew (gpointer data)
{
  EvoxDocument *document = evox_window_get_document (data);

  return registered_and_labelled (data) &&
         evox_document_get_registration (document) !=
         g_object_get_data (G_OBJECT (data), "evox-test-before");
}

/* A registration (an energy left out, no scaling) with a phase, particles and a channel of the
 * registered stack: opening the session registers the stack read again with the same options
 * before anything else, so the registration (every energy's shift, exactly), the registered
 * voxels, the channel and range shown, the particles and both CSV exports are the same, and the
 * Registration page shows the settings. */
static void
test_registration (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "stack.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "stack.evox", NULL);
  g_autoptr (GFile) session_file = g_file_new_for_path (session);
  g_autoptr (EvoxVolume) raw = NULL;
  g_autoptr (EvoxRegistration) made = evox_test_registration_new_3d (48, 40, 1, 0, &raw);
  g_autoptr (EvoxRegistration) registration = NULL;
  g_autoptr (EvoxPhase) disc = evox_phase_new ("Disc", 500, 1500, "#d62728");
  g_autoptr (EvoxLabels) labels = NULL;
  g_autoptr (GError) error = NULL;
  const double exclude[] = { evox_test_reg_energies[1] };
  EvoxRegisterOptions options;
  EvoxWindow *first, *second;
  EvoxDocument *a, *b;
  EvoxRegistration *again;
  EvoxVolume *ra, *rb;
  g_autofree char *excluded = NULL;
  double lo[2], hi[2];
  int scale;

  g_assert_true (evox_tiff_write (raw, -1, tiff, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  first = evox_test_open_file (tiff);
  a = evox_window_get_document (first);
  evox_register_options_init (&options);
  options.exclude_ev = exclude;
  options.n_exclude = 1;
  options.scale = EVOX_REGISTER_SCALE_NONE;
  registration = evox_register_stack (evox_document_get_volume (a), &options, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_document_set_registration (a, registration));
  evox_document_set_channel (a, 2);
  evox_document_set_range (a, 90, 1100);
  evox_phase_list_append (evox_document_get_phases (a), disc);
  labels = evox_labels_compute (evox_document_get_volume (a), 2, "Disc", 500, 1500,
                                EVOX_CONNECTIVITY_6, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_labels (a, labels);
  g_assert_true (evox_window_save_session (first, session, FALSE, &error));
  g_assert_no_error (error);

  second = open_in_new_window (session_file, registered_and_labelled);
  b = evox_window_get_document (second);

  again = evox_document_get_registration (b);
  g_assert_cmpuint (evox_registration_get_n_entries (again), ==,
                    evox_registration_get_n_entries (registration));
  for (guint i = 0; i < evox_registration_get_n_entries (again); i++)
    {
      const EvoxRegistrationEntry *x = evox_registration_get_entry (registration, i);
      const EvoxRegistrationEntry *y = evox_registration_get_entry (again, i);

      g_assert_cmpfloat (x->energy_ev, ==, y->energy_ev);
      g_assert_cmpint (x->excluded, ==, y->excluded);
      g_assert_cmpint (x->is_reference, ==, y->is_reference);
      g_assert_cmpmem (x->shift, sizeof x->shift, y->shift, sizeof y->shift);
    }
  g_assert_true (evox_registration_get_entry (again, 1)->excluded);
  g_assert_cmpstr (evox_registration_get_scale_mode (again), ==, "none");
  ra = evox_document_get_volume (a);
  rb = evox_document_get_volume (b);
  g_assert_true (rb == evox_registration_get_registered (again));
  g_assert_cmpuint (evox_volume_get_n_channels (rb), ==, evox_volume_get_n_channels (ra));
  for (guint c = 0; c < evox_volume_get_n_channels (ra); c++)
    g_assert_cmpmem (evox_volume_get_data (ra, c), evox_volume_get_n_voxels (ra) * 4,
                     evox_volume_get_data (rb, c), evox_volume_get_n_voxels (rb) * 4);
  g_assert_cmpuint (evox_document_get_channel (b), ==, 2);
  evox_document_get_range (a, &lo[0], &hi[0]);
  evox_document_get_range (b, &lo[1], &hi[1]);
  g_assert_cmpfloat (lo[0], ==, lo[1]);
  g_assert_cmpfloat (hi[0], ==, hi[1]);
  g_assert_true (evox_labels_get_volume (evox_document_get_labels (b)) == rb);
  g_assert_cmpuint (evox_labels_get_n_particles (evox_document_get_labels (b)), ==,
                    evox_labels_get_n_particles (labels));

  assert_same_exports (first, second, dir);

  /* The page's settings are the registration's; the restore is no step to undo. */
  g_object_get (second->registration_panel, "excluded", &excluded, "scale", &scale, NULL);
  g_assert_cmpstr (excluded, ==, "7712.5");
  g_assert_cmpint (scale, ==, EVOX_REGISTER_SCALE_NONE);
  evox_history_flush (second->history);
  g_assert_cmpuint (evox_history_get_n_undo (second->history), ==, 0);

  /* Reverted and saved again: the record goes (a null), so opening does not register again. */
  {
    g_autofree char *resaved = g_build_filename (dir, "reverted.evox", NULL);
    g_autoptr (EvoxSession) loaded = NULL;
    JsonNode *record;

    g_assert_true (evox_document_set_registration (b, NULL));
    g_assert_true (evox_window_save_session (second, resaved, FALSE, &error));
    g_assert_no_error (error);
    loaded = evox_session_load (resaved, &error);
    g_assert_no_error (error);
    record = json_object_get_member (evox_session_get_root (loaded), "registration");
    g_assert_nonnull (record);
    g_assert_true (JSON_NODE_HOLDS_NULL (record));
  }

  /* A page this window does not have, or no string: the page shown stays, quietly. */
  {
    const char *pages[] = { "\"nonsense\"", "42", "null", "[\"display\"]" };
    g_autofree char *text = read_text (session);

    evox_window_show_page (second, "measure");
    for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
      {
        g_autofree char *path = g_strdup_printf ("%s/page%u.evox", dir, i);
        g_autoptr (GFile) file = g_file_new_for_path (path);
        g_autofree char *edited = NULL;
        const char *at = strstr (text, "\"page\"");

        g_assert_nonnull (at);
        at = strchr (at, ':') + 1;
        edited = g_strdup_printf ("%.*s %s%s", (int) (at - text), text, pages[i],
                                  strchr (at, ',') != NULL && strchr (at, ',') < strchr (at, '\n') ?
                                  strchr (at, ',') : strchr (at, '\n'));
        g_assert_true (g_file_set_contents (path, edited, -1, NULL));
        /* Held, so that a new one cannot come at its address. */
        if (evox_document_get_registration (b) != NULL)
          g_object_set_data_full (G_OBJECT (second), "evox-test-before",
                                  g_object_ref (evox_document_get_registration (b)),
                                  g_object_unref);
        evox_window_open_file (second, file, NULL);
        /* Restored: a registration made again, not the one shown before. */
        g_assert_true (evox_test_wait_for (registered_anew, second, 60));
        g_assert_cmpstr (evox_window_get_page (second), ==, "measure");
      }
    g_object_set_data (G_OBJECT (second), "evox-test-before", NULL);
  }

  evox_test_close_window (second);
  evox_test_close_window (first);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static gboolean
mapped_and_labelled (gpointer data)
{
  return evox_document_get_maps (evox_window_get_document (data)) != NULL && restored (data);
}

/* Both windows hold the same maps voxel for voxel, in the same channel order, and show the same
 * channel at the same range. */
static void
assert_same_maps (EvoxDocument *a,
                  EvoxDocument *b)
{
  EvoxVolume *ma = evox_document_get_maps (a);
  EvoxVolume *mb = evox_document_get_maps (b);
  double lo[2], hi[2];

  g_assert_nonnull (mb);
  g_assert_cmpuint (evox_volume_get_n_channels (mb), ==, evox_volume_get_n_channels (ma));
  for (guint c = 0; c < evox_volume_get_n_channels (ma); c++)
    {
      g_assert_cmpstr (evox_volume_get_channel_label (ma, c), ==,
                       evox_volume_get_channel_label (mb, c));
      g_assert_cmpmem (evox_volume_get_data (ma, c), evox_volume_get_n_voxels (ma) * 4,
                       evox_volume_get_data (mb, c), evox_volume_get_n_voxels (mb) * 4);
    }
  g_assert_cmpuint (evox_document_get_channel (b), ==, evox_document_get_channel (a));
  evox_document_get_range (a, &lo[0], &hi[0]);
  evox_document_get_range (b, &lo[1], &hi[1]);
  g_assert_cmpfloat (lo[0], ==, lo[1]);
  g_assert_cmpfloat (hi[0], ==, hi[1]);
}

/* XANES maps shown with a phase on the edge-energy map and its particles: opening the session
 * computes the maps again from the numbers they recorded, so every map is the same voxel for
 * voxel, shown at the same map with the same range, and both CSV exports are the same. */
static void
test_xanes_maps (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "xanes.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "xanes.evox", NULL);
  g_autoptr (GFile) session_file = g_file_new_for_path (session);
  g_autoptr (EvoxVolume) stack = NULL;
  g_autoptr (EvoxVolume) maps = NULL;
  g_autoptr (EvoxPhase) ni3 = evox_phase_new ("Ni3+", 8344, 8346, "#d62728");
  g_autoptr (EvoxLabels) labels = NULL;
  g_autoptr (GError) error = NULL;
  EvoxXanesPhantomParams phantom;
  EvoxXanesParams params;
  EvoxWindow *first, *second;
  EvoxDocument *a, *b;

  evox_xanes_phantom_params_init (&phantom);
  phantom.nx = phantom.ny = 48;
  phantom.n_ni = 24;
  phantom.mn_pair = phantom.co_pair = FALSE;
  stack = evox_xanes_phantom_new (&phantom, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_tiff_write (stack, -1, tiff, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  first = evox_test_open_file (tiff);
  a = evox_window_get_document (first);
  evox_xanes_params_init (&params);
  maps = evox_xanes_maps (evox_document_get_volume (a), &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_document_add_maps (a, maps, "edge_energy", &error));
  g_assert_no_error (error);
  evox_document_set_range (a, 8341, 8347);
  evox_phase_list_append (evox_document_get_phases (a), ni3);
  labels = evox_labels_compute (evox_document_get_volume (a), evox_document_get_channel (a),
                                "Ni3+", 8344, 8346, EVOX_CONNECTIVITY_6, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  evox_document_set_labels (a, labels);
  g_assert_true (evox_window_save_session (first, session, FALSE, &error));
  g_assert_no_error (error);

  second = open_in_new_window (session_file, mapped_and_labelled);
  b = evox_window_get_document (second);
  g_assert_true (evox_document_get_show_maps (b));
  g_assert_true (evox_document_get_volume (b) == evox_document_get_maps (b));
  assert_same_maps (a, b);
  g_assert_cmpuint (evox_phase_list_get_n_phases (evox_document_get_phases (b)), ==, 1);
  g_assert_cmpuint (evox_labels_get_n_particles (evox_document_get_labels (b)), ==,
                    evox_labels_get_n_particles (labels));
  assert_same_exports (first, second, dir);

  evox_test_close_window (second);
  evox_test_close_window (first);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

static gboolean
mapped (gpointer data)
{
  return evox_document_get_maps (evox_window_get_document (data)) != NULL;
}

static gboolean
panel_idle (gpointer panel)
{
  return !evox_xanes_panel_is_busy (panel);
}

/* The XANES page's Compute Elements with what its fields say, waited for. */
static void
compute_elements (GtkWidget *panel)
{
  g_assert_true (gtk_widget_activate_action (panel, "xanes.compute-elements", NULL));
  g_assert_true (evox_test_wait_for (panel_idle, panel, 60));
  g_assert_null (evox_xanes_panel_get_error (EVOX_XANES_PANEL (panel)));
}

/* Elemental maps made on the XANES page (pairs found from the energies), then XANES maps beside
 * them, a Ni map shown with a range: opening the session computes both again from their records,
 * so every map is the same voxel for voxel, in the same channel order, with the same map shown
 * at the same range. Then the fit with an oxygen matrix, shown on the stack side: the same
 * again; and after a second Compute Elements (Mn alone by its pair), both runs. */
static void
test_elements_maps (void)
{
  g_autofree char *dir = evox_test_tmpdir_new ();
  g_autofree char *tiff = g_build_filename (dir, "elements.tif", NULL);
  g_autofree char *session = g_build_filename (dir, "elements.evox", NULL);
  g_autofree char *fit_session = g_build_filename (dir, "fit.evox", NULL);
  g_autoptr (GFile) session_file = g_file_new_for_path (session);
  g_autoptr (GFile) fit_file = g_file_new_for_path (fit_session);
  g_autofree char *runs_session = g_build_filename (dir, "runs.evox", NULL);
  g_autoptr (GFile) runs_file = g_file_new_for_path (runs_session);
  g_autofree char *broken_session = g_build_filename (dir, "broken.evox", NULL);
  g_autoptr (GFile) broken_file = g_file_new_for_path (broken_session);
  g_autoptr (EvoxVolume) stack = NULL;
  g_autoptr (EvoxVolume) maps = NULL;
  g_autoptr (GError) error = NULL;
  EvoxXanesPhantomParams phantom;
  EvoxXanesParams params;
  EvoxWindow *first, *second;
  EvoxDocument *a, *b;
  GtkWidget *panel;
  int ni;

  evox_xanes_phantom_params_init (&phantom);
  phantom.nx = phantom.ny = 24;
  phantom.n_ni = 24;
  stack = evox_xanes_phantom_new (&phantom, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_tiff_write (stack, -1, tiff, EVOX_TIFF_WRITE_NONE, &error));
  g_assert_no_error (error);
  first = evox_test_open_file (tiff);
  a = evox_window_get_document (first);
  panel = evox_window_get_xanes_panel (first);
  compute_elements (panel);
  g_assert_nonnull (evox_document_get_maps (a));
  evox_xanes_params_init (&params);
  maps = evox_xanes_maps (evox_document_get_stack (a), &params, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (evox_document_add_maps (a, maps, "edge_energy", &error));
  g_assert_no_error (error);
  ni = evox_volume_find_channel (evox_document_get_maps (a), "Ni");
  g_assert_cmpint (ni, ==, 2);
  evox_document_set_channel (a, (guint) ni);
  evox_document_set_range (a, 1, 40);
  g_assert_true (evox_window_save_session (first, session, FALSE, &error));
  g_assert_no_error (error);

  second = open_in_new_window (session_file, mapped);
  b = evox_window_get_document (second);
  g_assert_true (evox_document_get_show_maps (b));
  assert_same_maps (a, b);
  evox_window_show_page (second, "xanes");
  evox_test_screenshot (GTK_WIDGET (second), "session-elements-maps");
  evox_test_close_window (second);

  /* A record that does not read (an unknown element, pairs of the wrong type, no method string)
   * opens without the elemental maps: the XANES maps alone. */
  {
    g_autoptr (EvoxSession) broken = evox_session_load (session, &error);
    JsonObject *record;
    JsonArray *pairs = json_array_new ();

    g_assert_no_error (error);
    record = json_object_get_object_member (evox_session_get_root (broken), "elements-maps");
    json_object_set_string_member (record, "element", "Xx,Mn_K");
    json_array_add_int_element (pairs, 3);
    json_array_add_object_element (pairs, json_object_new ());
    json_object_set_array_member (record, "pairs", pairs);
    json_object_set_int_member (record, "method", 5);
    g_assert_true (evox_session_save (broken, broken_session, FALSE, &error));
    g_assert_no_error (error);
    second = open_in_new_window (broken_file, mapped);
    b = evox_window_get_document (second);
    g_assert_cmpint (evox_volume_find_channel (evox_document_get_maps (b), "Mn"), <, 0);
    g_assert_cmpint (evox_volume_find_channel (evox_document_get_maps (b), "edge_energy"), ==, 0);
    evox_test_close_window (second);
  }

  /* The fit with a matrix replaces the elements' channels in place; the stack shown. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (first),
                                                                   "xanes-method")), 1);
  gtk_editable_set_text (GTK_EDITABLE (evox_test_find_named (GTK_WIDGET (first),
                                                             "xanes-matrix")), "O");
  compute_elements (panel);
  g_assert_cmpstr (evox_volume_get_metadata (evox_document_get_maps (a), "elements_method"), ==,
                   "fit");
  evox_document_set_show_maps (a, FALSE);
  g_assert_true (evox_window_save_session (first, fit_session, FALSE, &error));
  g_assert_no_error (error);
  second = open_in_new_window (fit_file, mapped);
  b = evox_window_get_document (second);
  g_assert_false (evox_document_get_show_maps (b));
  assert_same_maps (a, b);
  evox_test_close_window (second);

  /* A second Compute Elements of Mn alone by its pair: the session records the fit and this
   * run, and opening computes both again, Mn the pair's and the others the fit's. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (evox_test_find_named (GTK_WIDGET (first),
                                                                   "xanes-method")), 0);
  gtk_editable_set_text (GTK_EDITABLE (evox_test_find_named (GTK_WIDGET (first),
                                                             "xanes-elements")), "Mn");
  gtk_editable_set_text (GTK_EDITABLE (evox_test_find_named (GTK_WIDGET (first),
                                                             "xanes-pairs")), "");
  compute_elements (panel);
  g_assert_cmpstr (evox_volume_get_metadata (evox_document_get_maps (a), "elements_method"), ==,
                   "pair");
  g_assert_true (evox_window_save_session (first, runs_session, FALSE, &error));
  g_assert_no_error (error);
  {
    g_autoptr (EvoxSession) saved = evox_session_load (runs_session, &error);
    JsonObject *record;
    JsonArray *runs;

    g_assert_no_error (error);
    record = json_object_get_object_member (evox_session_get_root (saved), "elements-maps");
    runs = json_object_get_array_member (record, "runs");
    g_assert_cmpuint (json_array_get_length (runs), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (runs, 0),
                                                    "method"), ==, "fit");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (runs, 1),
                                                    "element"), ==, "Mn_K");
  }
  second = open_in_new_window (runs_file, mapped);
  b = evox_window_get_document (second);
  assert_same_maps (a, b);

  evox_test_close_window (second);
  evox_test_close_window (first);
  evox_test_tmpdir_free (g_steal_pointer (&dir));
}

int
main (int   argc,
      char *argv[])
{
  if (!evox_test_ui_init (&argc, &argv))
    return 0;
  g_test_add_func ("/Evox/SessionUI/save-and-open", test_save_and_open);
  g_test_add_func ("/Evox/SessionUI/merged-split", test_merged_split);
  g_test_add_func ("/Evox/SessionUI/registration", test_registration);
  g_test_add_func ("/Evox/SessionUI/xanes-maps", test_xanes_maps);
  g_test_add_func ("/Evox/SessionUI/elements-maps", test_elements_maps);
  return g_test_run ();
}

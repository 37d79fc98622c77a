/* evox-slice-pass.c: the slice program; draws the three slices in 3D and the single 2D slice. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-renderer-state.h"

#include <math.h>
#include <string.h>

static const LineStyle slice_styles[3] = {
  { { 0.95f, 0.35f, 0.35f, 1.0f }, 1.5f },
  { { 0.40f, 0.85f, 0.40f, 1.0f }, 1.5f },
  { { 0.40f, 0.60f, 1.00f, 1.0f }, 1.5f },
};

/* Bricked, the channels' tiles are bound with each tile of the values. */
static void
use_rgb (EvoxRenderer       *self,
         const SliceUniforms *su,
         gboolean             bricked)
{
  guint n_channels = evox_volume_get_n_channels (self->volume);
  float used[3];

  for (guint s = 0; s < 3; s++)
    {
      if (bricked)
        {
          used[s] = self->rgb.channels[s] >= 0 && self->rgb.channels[s] < (int) n_channels;
          continue;
        }
      used[s] = self->rgb.uploaded[s] >= 0 ? 1.0f : 0.0f;
      glActiveTexture (GL_TEXTURE0 + RGB_TEXTURE_UNIT + s);
      glBindTexture (GL_TEXTURE_3D, self->rgb.textures[s]);
    }
  glUniform1i (su->rgb_on, TRUE);
  glUniform3fv (su->rgb_used, 1, used);
  glUniform3fv (su->rgb_lo, 1, self->rgb.lo);
  glUniform3fv (su->rgb_hi, 1, self->rgb.hi);
}

void
_evox_slice_pass_use_program (EvoxRenderer *self,
                              const Frame  *frame,
                              float         alpha)
{
  EvoxTransfer transfer = evox_transfer_for (evox_volume_get_channel_value_scale (self->volume,
                                                                                 self->channel),
                                             self->mapping);
  static const float highlight_rgb[3] = EVOX_RENDERER_HIGHLIGHT_RGB;
  double a, b, m = 0.0;
  float value_scale = 1.0f;
  gboolean integer = FALSE;
  /* Tiles bring what their overlays have (none for the full-resolution planes). */
  gboolean bricked = self->res.drawing_tiles;
  EvoxBrickOverlayFlags overlays = bricked ? self->res.tile_overlays : 0;
  /* _evox_render_resources_prepare () has uploaded the current labels, so their dims are the
   * texture's. */
  gboolean highlight = bricked ? (overlays & EVOX_BRICK_OVERLAY_LABELS) != 0
                       : self->res.label_texture != 0 &&
                         memcmp (self->res.label_dims, self->dims, sizeof self->dims) == 0;
  gboolean colouring;
  /* _evox_render_resources_prepare () has packed the current clusters' ids into the volume
   * texture when they match. */
  gboolean clusters = _evox_renderer_clusters_shown (self) &&
                      (bricked ? (overlays & EVOX_BRICK_OVERLAY_CLUSTERS) != 0
                               : self->res.cluster_format != 0);
  gboolean rgb = bricked ? (overlays & EVOX_BRICK_OVERLAY_RGB) != 0
                         : _evox_render_resources_rgb_on_gpu (self);
  guint variant;
  GLuint program;
  SliceUniforms *su;

  if (transfer == EVOX_TRANSFER_EXP10)
    {
      /* 10^v overflows floats near v = 38; scaled by 10^-max (lo, hi) it stays in range and
       * the coordinate (10^v - 10^lo) / (10^hi - 10^lo) is unchanged. */
      m = MAX (self->lo, self->hi);
      a = pow (10.0, self->lo - m);
      b = pow (10.0, self->hi - m);
    }
  else
    {
      a = evox_transfer_apply (transfer, self->lo);
      b = evox_transfer_apply (transfer, self->hi);
    }

  switch (evox_volume_get_sample_type (self->volume))
    {
    case EVOX_SAMPLE_U8:
      value_scale = 255.0f;
      integer = TRUE;
      break;
    case EVOX_SAMPLE_U16:
      value_scale = 65535.0f;
      integer = TRUE;
      break;
    case EVOX_SAMPLE_F32:
    default:
      break;
    }

  colouring = highlight && self->res.label_color_width > 0;
  variant = (colouring ? SLICE_PARTICLE_COLORS : 0) | (clusters ? SLICE_CLUSTERS : 0) |
            (clusters && self->cluster_outlines ? SLICE_CLUSTER_OUTLINES : 0) |
            (rgb ? SLICE_RGB : 0) | (bricked ? SLICE_BRICKED : 0);
  program = _evox_render_resources_slice_program (self, variant);
  if (program == 0)
    {
      /* A bricked build that did not link: the values alone. */
      variant = SLICE_BRICKED;
      highlight = colouring = clusters = FALSE;
      program = self->res.slice_programs[variant];
    }
  self->res.slice_variant = variant;
  su = &self->res.su[variant];
  glUseProgram (program);
  glUniformMatrix4fv (su->mvp, 1, GL_FALSE, (const float *) frame->mvp);
  glUniform1i (su->volume, 0);
  glUniform1i (su->colormap, 1);
  glUniform1f (su->value_scale, value_scale);
  glUniform1i (su->integer, integer);
  glUniform1i (su->transfer, (int) transfer);
  glUniform1f (su->a, (float) a);
  glUniform1f (su->b, (float) b);
  glUniform1f (su->m, (float) m);
  glUniform1i (su->valid, isfinite ((float) a) && isfinite ((float) b));
  glUniform1f (su->alpha, alpha);
  glUniform1i (su->phase_mode,
               _evox_renderer_phases_shown (self) ? (self->hide_outside ? 2 : 1) : 0);
  glUniform1i (su->n_phases, (int) self->res.n_phase_rows);
  glUniform1ui (su->selected, highlight ? self->selected_particle : 0u);
  glUniform3fv (su->highlight, 1, highlight_rgb);
  glUniform1f (su->dim, EVOX_RENDERER_DIM);
  glUniform1i (su->label_color_width, colouring ? self->res.label_color_width : 0);
  glUniform1i (su->label_color_shift, self->res.label_color_shift);
  if (clusters)
    {
      glUniform1f (su->cluster_opacity, (float) self->cluster_opacity);
      glUniform1i (su->clusters_on, TRUE);
      /* The tiles' ids are R16 whatever the values' type. */
      glUniform1f (su->cluster_scale, bricked ? 65535.0f : self->res.cluster_scale);
      glActiveTexture (GL_TEXTURE7);
      glBindTexture (GL_TEXTURE_2D, self->res.cluster_color_texture);
    }
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, self->res.volume_texture);
  glActiveTexture (GL_TEXTURE1);
  glBindTexture (GL_TEXTURE_2D, self->res.colormap_texture);
  glActiveTexture (GL_TEXTURE2);
  glBindTexture (GL_TEXTURE_2D, self->res.phase_texture);
  glActiveTexture (GL_TEXTURE3);
  glBindTexture (GL_TEXTURE_3D, self->res.label_texture);
  glActiveTexture (GL_TEXTURE4);
  glBindTexture (GL_TEXTURE_2D, self->res.label_color_texture);
  if (variant & SLICE_RGB)
    use_rgb (self, su, bricked);
  if (highlight && bricked)
    glUniform1f (su->label_scale, _evox_brick_overlays_get_label_scale (self->res.brick_overlays));
  glActiveTexture (GL_TEXTURE0);
}
void
_evox_slice_pass_draw_slices (EvoxRenderer *self,
                              const Frame  *frame)
{
  guint planes[3], outlines[3], box;

  for (guint a = 0; a < 3; a++)
    planes[a] = _evox_renderer_push_plane (self, a, self->slices[a]);
  for (guint a = 0; a < 3; a++)
    outlines[a] = _evox_renderer_push_plane_outline (self, a, self->slices[a]);
  box = _evox_renderer_push_box (self);
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);

  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LEQUAL);
  glDepthMask (GL_TRUE);
  if (self->res.volume_on_gpu || self->res.bricks != NULL)
    {
      /* Pushed back a little so their outlines, in the same planes, win the depth test. */
      glEnable (GL_POLYGON_OFFSET_FILL);
      glPolygonOffset (1.0f, 1.0f);
      glDisable (GL_BLEND);
      if (self->res.bricks != NULL)
        for (guint a = 0; a < 3; a++)
          _evox_slice_pass_draw_bricked (self, frame, a, self->slices[a], planes[a], 1.0f);
      else
        {
          _evox_slice_pass_use_program (self, frame, 1.0f);
          for (guint a = 0; a < 3; a++)
            glDrawArrays (GL_TRIANGLES, (GLint) planes[a], 6);
        }
      /* The same quads at the same depth: LEQUAL lets them over the reduced slices. */
      _evox_slice_pass_draw_full_resolution (self, frame, planes);
      glDisable (GL_POLYGON_OFFSET_FILL);
    }
  _evox_mesh_pass_draw_opaque (self, frame, self->clip_surfaces);

  glEnable (GL_BLEND);
  _evox_renderer_use_line_program (self, frame);
  _evox_renderer_draw_lines (self, frame, &box_style, box, 24);
  for (guint a = 0; a < 3; a++)
    _evox_renderer_draw_lines (self, frame, &slice_styles[a], outlines[a], 8);

  _evox_mesh_pass_draw_translucent (self, frame, self->clip_surfaces);
}

/* One tile of a level with the BRICKED program in use: p = texture coordinate x level_scale,
 * drawn where tile_lo <= p < tile_hi from the texel p - tile_first. */
static void
draw_tile (SliceUniforms *su,
           const float    level_scale[3],
           const int      tile_first[3],
           const float    tile_lo[3],
           const float    tile_hi[3],
           GLuint         texture,
           guint          plane)
{
  glUniform3fv (su->level_scale, 1, level_scale);
  glUniform3iv (su->tile_first, 1, tile_first);
  glUniform3fv (su->tile_lo, 1, tile_lo);
  glUniform3fv (su->tile_hi, 1, tile_hi);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, texture);
  glDrawArrays (GL_TRIANGLES, (GLint) plane, 6);
}

/* Full resolution over a reduced slice */

/* Texture coordinates (0..1 over the volume's box) to window pixels. */
static void
project (const Frame  *frame,
         const double  lo[3],
         const double  hi[3],
         const double  t[3],
         double        pixel[2])
{
  vec4 point, clip;

  for (guint a = 0; a < 3; a++)
    point[a] = (float) (lo[a] + t[a] * (hi[a] - lo[a]));
  point[3] = 1.0f;
  glm_mat4_mulv ((vec4 *) frame->mvp, point, clip);
  pixel[0] = (clip[0] / clip[3] + 1.0) * 0.5 * frame->viewport[0];
  pixel[1] = (clip[1] / clip[3] + 1.0) * 0.5 * frame->viewport[1];
}

/* The part of plane `axis` in view, in texture coordinates along u and v: the viewport's
 * corners taken back through the (orthographic) 2D camera. */
static void
visible_part (const Frame  *frame,
              const double  lo[3],
              const double  hi[3],
              guint         axis,
              double        t_lo[3],
              double        t_hi[3])
{
  mat4 inverse;

  glm_mat4_inv ((vec4 *) frame->mvp, inverse);
  for (guint a = 0; a < 3; a++)
    {
      t_lo[a] = 1.0;
      t_hi[a] = 0.0;
    }
  for (guint c = 0; c < 4; c++)
    {
      vec4 ndc = { (c & 1) ? 1.0f : -1.0f, (c & 2) ? 1.0f : -1.0f, 0.0f, 1.0f }, world;

      glm_mat4_mulv (inverse, ndc, world);
      for (guint a = 0; a < 3; a++)
        {
          double t = (world[a] / world[3] - lo[a]) / (hi[a] - lo[a]);

          t_lo[a] = MIN (t_lo[a], CLAMP (t, 0.0, 1.0));
          t_hi[a] = MAX (t_hi[a], CLAMP (t, 0.0, 1.0));
        }
    }
}

/* Plane `axis` of the file under the reduced slice: plane k of a volume held at 1:S is plane
 * k S + S / 2 of the file, the one at the centre of its blocks. */
static gsize
file_plane (EvoxRenderer *self,
            guint         axis,
            guint         scale,
            const gsize   full[3])
{
  return MIN ((gsize) self->slices[axis] * scale + scale / 2, full[axis] - 1);
}

/* The file's voxels under the texture coordinates [t_lo, t_hi) along a, at most
 * EVOX_FULLRES_MAX_SIDE of them: beyond that the ones around t_centre, inside the range. */
static void
file_range (EvoxRenderer *self,
            guint         a,
            guint         scale,
            const gsize   full[3],
            double        t_lo,
            double        t_hi,
            double        t_centre,
            gsize         box_lo[3],
            gsize         box_hi[3])
{
  double n = (double) self->dims[a] * scale;
  gsize centre = (gsize) CLAMP (t_centre * n, 0.0, (double) full[a]);

  box_lo[a] = MIN ((gsize) floor (t_lo * n), full[a] - 1);
  box_hi[a] = CLAMP ((gsize) ceil (t_hi * n), box_lo[a] + 1, full[a]);
  if (box_hi[a] - box_lo[a] > EVOX_FULLRES_MAX_SIDE)
    {
      gsize first = centre > EVOX_FULLRES_MAX_SIDE / 2 ? centre - EVOX_FULLRES_MAX_SIDE / 2 : 0;

      box_lo[a] = CLAMP (first, box_lo[a], box_hi[a] - EVOX_FULLRES_MAX_SIDE);
      box_hi[a] = box_lo[a] + EVOX_FULLRES_MAX_SIDE;
    }
}

/* The full-resolution plane holding the box, drawn over the reduced slice's quad (vertices
 * `plane`) with the current depth state: the BRICKED program draws it as a tile of a level with
 * S times the reduced voxels. Nothing while the plane is read. */
static void
draw_file_plane (EvoxRenderer *self,
                 const Frame  *frame,
                 guint         axis,
                 guint         plane,
                 guint         scale,
                 const gsize   full[3],
                 const gsize   box_lo[3],
                 const gsize   box_hi[3])
{
  const EvoxFullResPlane *tile;
  float level_scale[3], tile_lo[3], tile_hi[3];
  int tile_first[3];

  tile = _evox_fullres_lookup (self->res.fullres, axis, box_lo, box_hi, self->res.brick_frame,
                               self->res.wait_for_bricks);
  if (tile == NULL)
    return;

  for (guint a = 0; a < 3; a++)
    {
      level_scale[a] = (float) ((double) self->dims[a] * scale);
      tile_first[a] = (int) tile->origin[a];
      /* Open at the volume's far faces, which the reduced grid overhangs (ceil (n / S)). */
      tile_lo[a] = a == axis || tile->origin[a] == 0 ? -G_MAXFLOAT : (float) tile->origin[a];
      tile_hi[a] = a == axis || tile->origin[a] + tile->size[a] >= full[a]
                   ? G_MAXFLOAT : (float) (tile->origin[a] + tile->size[a]);
    }
  self->res.drawing_tiles = TRUE;
  _evox_slice_pass_use_program (self, frame, 1.0f);
  self->res.drawing_tiles = FALSE;
  draw_tile (&self->res.su[SLICE_BRICKED], level_scale, tile_first, tile_lo, tile_hi,
             tile->texture, plane);
  glBindTexture (GL_TEXTURE_3D, 0);
}

/* The source of a volume held reduced whose full-resolution planes the renderer reads, or NULL
 * (a volume held whole, or a channel other than the first: the file has one). */
static EvoxVoxelSource *
fullres_source (EvoxRenderer *self,
                guint        *scale,
                gsize         full[3])
{
  EvoxVoxelSource *source;

  *scale = 1;
  if (self->volume == NULL || self->res.fullres == NULL || self->channel != 0)
    return NULL;
  source = evox_voxel_source_get_attached (self->volume, scale);
  if (source != NULL)
    evox_voxel_source_get_dims (source, full);
  return source;
}

/* A 2D pane zoomed in past one screen pixel per voxel of a volume held reduced draws the
 * full-resolution plane over the part in view, read from the source in a thread (the reduced
 * slice stays meanwhile and around it). */
static void
draw_full_resolution (EvoxRenderer *self,
                      const Frame  *frame,
                      guint         axis,
                      guint         plane)
{
  guint u = (axis + 1) % 3, v = (axis + 2) % 3, scale;
  double lo[3], hi[3], t[3], a_px[2], b_px[2], t_lo[3], t_hi[3];
  gsize full[3], box_lo[3], box_hi[3];

  if (fullres_source (self, &scale, full) == NULL)
    return;
  _evox_renderer_get_box (self, lo, hi);
  /* Screen pixels per reduced voxel, across the plane's u axis at its centre. */
  t[axis] = ((double) self->slices[axis] + 0.5) / (double) self->dims[axis];
  t[u] = 0.5;
  t[v] = 0.5;
  project (frame, lo, hi, t, a_px);
  t[u] += 1.0 / (double) self->dims[u];
  project (frame, lo, hi, t, b_px);
  if (hypot (b_px[0] - a_px[0], b_px[1] - a_px[1]) <= 1.0)
    return;

  visible_part (frame, lo, hi, axis, t_lo, t_hi);
  box_lo[axis] = file_plane (self, axis, scale, full);
  box_hi[axis] = box_lo[axis] + 1;
  /* Too large a part (a big pane just past the threshold): its centre, the rest reduced. */
  file_range (self, u, scale, full, t_lo[u], t_hi[u], 0.5 * (t_lo[u] + t_hi[u]), box_lo, box_hi);
  file_range (self, v, scale, full, t_lo[v], t_hi[v], 0.5 * (t_lo[v] + t_hi[v]), box_lo, box_hi);
  draw_file_plane (self, frame, axis, plane, scale, full, box_lo, box_hi);
}

/* Full resolution over the 3D view's slices */

/* A point of a plane: its texture coordinates and its clip coordinates. */
typedef struct
{
  double t[3];
  double clip[4];
} ClipPoint;

/* At most the quad's 4 corners and one more for each of the 6 planes it is cut by. */
#define MAX_CLIPPED 10

static void
to_clip (const Frame  *frame,
         const double  lo[3],
         const double  hi[3],
         ClipPoint    *point)
{
  double world[4];

  for (guint a = 0; a < 3; a++)
    world[a] = lo[a] + point->t[a] * (hi[a] - lo[a]);
  world[3] = 1.0;
  for (guint r = 0; r < 4; r++)
    {
      point->clip[r] = 0.0;
      for (guint c = 0; c < 4; c++)
        point->clip[r] += (double) frame->mvp[c][r] * world[c];
    }
}

/* The polygon's part on the inner side of the clip plane w + sign clip[i] >= 0 (Sutherland and
 * Hodgman): its number of points. */
static guint
clip_polygon (const ClipPoint *in,
              guint            n,
              guint            i,
              double           sign,
              ClipPoint       *out)
{
  guint n_out = 0;

  for (guint k = 0; k < n; k++)
    {
      const ClipPoint *a = &in[k], *b = &in[(k + 1) % n];
      double da = a->clip[3] + sign * a->clip[i], db = b->clip[3] + sign * b->clip[i];

      if (da >= 0.0)
        out[n_out++] = *a;
      if ((da >= 0.0) != (db >= 0.0))
        {
          double s = da / (da - db);
          ClipPoint *cut = &out[n_out++];

          for (guint c = 0; c < 3; c++)
            cut->t[c] = a->t[c] + s * (b->t[c] - a->t[c]);
          for (guint c = 0; c < 4; c++)
            cut->clip[c] = a->clip[c] + s * (b->clip[c] - a->clip[c]);
        }
    }
  return n_out;
}

/* Window pixels one reduced voxel along u or v spans at the point, the larger of the two:
 * the derivative of the perspective division along the voxel's edge. */
static double
voxel_pixels (EvoxRenderer    *self,
              const Frame     *frame,
              const double     lo[3],
              const double     hi[3],
              guint            axis,
              const ClipPoint *point)
{
  double w = point->clip[3], largest = 0.0;

  for (guint i = 1; i < 3; i++)
    {
      guint a = (axis + i) % 3;
      double step = (hi[a] - lo[a]) / (double) self->dims[a], d[4], px[2];

      for (guint r = 0; r < 4; r++)
        d[r] = (double) frame->mvp[a][r] * step;
      for (guint r = 0; r < 2; r++)
        px[r] = 0.5 * frame->viewport[r] * (d[r] * w - point->clip[r] * d[3]) / (w * w);
      largest = MAX (largest, hypot (px[0], px[1]));
    }
  return largest;
}

/* The part of the slice on `axis` inside the 3D view's frustum: its quad clipped to the view
 * volume. Its bounds in texture coordinates, the point of it where the reduced voxels show
 * largest (the nearest to the eye) and how many window pixels one spans there; FALSE when the
 * slice is out of view. */
static gboolean
plane_in_view (EvoxRenderer *self,
               const Frame  *frame,
               guint         axis,
               double        t_lo[3],
               double        t_hi[3],
               double        t_largest[3],
               double       *pixels)
{
  guint u = (axis + 1) % 3, v = (axis + 2) % 3, n = 4;
  ClipPoint polygon[2][MAX_CLIPPED];
  double lo[3], hi[3];
  guint current = 0;

  _evox_renderer_get_box (self, lo, hi);
  for (guint c = 0; c < 4; c++)
    {
      ClipPoint *corner = &polygon[0][c];

      corner->t[axis] = ((double) self->slices[axis] + 0.5) / (double) self->dims[axis];
      corner->t[u] = c == 1 || c == 2 ? 1.0 : 0.0;
      corner->t[v] = c >= 2 ? 1.0 : 0.0;
      to_clip (frame, lo, hi, corner);
    }
  for (guint i = 0; i < 3 && n > 0; i++)
    for (guint side = 0; side < 2 && n > 0; side++)
      {
        n = clip_polygon (polygon[current], n, i, side == 0 ? 1.0 : -1.0, polygon[1 - current]);
        current = 1 - current;
      }
  if (n == 0)
    return FALSE;

  *pixels = 0.0;
  for (guint a = 0; a < 3; a++)
    {
      t_lo[a] = 1.0;
      t_hi[a] = 0.0;
    }
  for (guint k = 0; k < n; k++)
    {
      const ClipPoint *point = &polygon[current][k];
      double p = point->clip[3] > 0.0 ? voxel_pixels (self, frame, lo, hi, axis, point) : 0.0;

      for (guint a = 0; a < 3; a++)
        {
          t_lo[a] = MIN (t_lo[a], CLAMP (point->t[a], 0.0, 1.0));
          t_hi[a] = MAX (t_hi[a], CLAMP (point->t[a], 0.0, 1.0));
        }
      if (k == 0 || p > *pixels)
        {
          *pixels = p;
          memcpy (t_largest, point->t, sizeof point->t);
        }
    }
  return TRUE;
}

/* The 3D view's slices of a volume held reduced: each whose reduced voxels show at more than
 * one window pixel somewhere in view gets the file's plane over the part in view (the bounds
 * of its quad clipped to the frustum; beyond EVOX_FULLRES_MAX_SIDE voxels a side, those around
 * the point nearest the eye), drawn on the reduced slice's quad (vertices planes[a]) with the
 * depth state the caller set for the slices. */
void
_evox_slice_pass_draw_full_resolution (EvoxRenderer *self,
                                       const Frame  *frame,
                                       const guint   planes[3])
{
  guint scale;
  gsize full[3];

  if (fullres_source (self, &scale, full) == NULL)
    return;
  for (guint axis = 0; axis < 3; axis++)
    {
      guint u = (axis + 1) % 3, v = (axis + 2) % 3;
      double t_lo[3], t_hi[3], t_largest[3], pixels;
      gsize box_lo[3], box_hi[3];

      if (!plane_in_view (self, frame, axis, t_lo, t_hi, t_largest, &pixels) || pixels <= 1.0)
        continue;
      box_lo[axis] = file_plane (self, axis, scale, full);
      box_hi[axis] = box_lo[axis] + 1;
      file_range (self, u, scale, full, t_lo[u], t_hi[u], t_largest[u], box_lo, box_hi);
      file_range (self, v, scale, full, t_lo[v], t_hi[v], t_largest[v], box_lo, box_hi);
      draw_file_plane (self, frame, axis, planes[axis], scale, full, box_lo, box_hi);
    }
}

void
_evox_slice_pass_draw_slice (EvoxRenderer *self,
                             const Frame  *frame,
                             guint         axis)
{
  guint plane;

  if (!self->res.volume_on_gpu && self->res.bricks == NULL)
    {
      /* Without the voxels, at least show where the slice would be. */
      guint outline = _evox_renderer_push_plane_outline (self, axis, self->slices[axis]);

      glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex),
                    self->vertices->data, GL_STREAM_DRAW);
      glEnable (GL_BLEND);
      _evox_renderer_use_line_program (self, frame);
      _evox_renderer_draw_lines (self, frame, &box_style, outline, 8);
      return;
    }

  plane = _evox_renderer_push_plane (self, axis, self->slices[axis]);
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);
  glDisable (GL_DEPTH_TEST);
  glDisable (GL_BLEND);
  if (self->res.bricks != NULL)
    _evox_slice_pass_draw_bricked (self, frame, axis, self->slices[axis], plane, 1.0f);
  else
    {
      _evox_slice_pass_use_program (self, frame, 1.0f);
      glDrawArrays (GL_TRIANGLES, (GLint) plane, 6);
    }
  draw_full_resolution (self, frame, axis, plane);
}


/* Bricked slices */

/* The window rectangle (x, y, width, height, in framebuffer pixels) that holds the tile's
 * voxels and one voxel of the level around them, a pixel wider each side; FALSE when a corner
 * lies behind the camera (the tile then gets the whole view). */
static gboolean
tile_rectangle (EvoxRenderer        *self,
                const Frame         *frame,
                const EvoxBrickTile *tile,
                gsize                index,
                int                  rect[4])
{
  guint axis = tile->axis, u = (axis + 1) % 3, v = (axis + 2) % 3;
  double lo[3], hi[3], t_lo[3], t_hi[3], x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE;
  double x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
  double step = (double) ((gsize) 1 << tile->level);

  _evox_renderer_get_box (self, lo, hi);
  for (guint i = 0; i < 2; i++)
    {
      guint a = i == 0 ? u : v;
      double n = (double) self->dims[a];

      t_lo[a] = CLAMP (((double) tile->owned_lo[a] - 1.0) * step, 0.0, n) / n;
      t_hi[a] = CLAMP (((double) tile->owned_hi[a] + 1.0) * step, 0.0, n) / n;
    }
  for (guint c = 0; c < 4; c++)
    {
      vec4 point, clip;

      point[axis] = (float) _evox_renderer_plane_position (self, axis, index);
      point[u] = (float) (lo[u] + ((c & 1) ? t_hi[u] : t_lo[u]) * (hi[u] - lo[u]));
      point[v] = (float) (lo[v] + ((c & 2) ? t_hi[v] : t_lo[v]) * (hi[v] - lo[v]));
      point[3] = 1.0f;
      glm_mat4_mulv ((vec4 *) frame->mvp, point, clip);
      if (clip[3] <= 1e-6f)
        return FALSE;
      x0 = MIN (x0, clip[0] / clip[3]);
      x1 = MAX (x1, clip[0] / clip[3]);
      y0 = MIN (y0, clip[1] / clip[3]);
      y1 = MAX (y1, clip[1] / clip[3]);
    }
  x0 = frame->offset[0] + (x0 + 1.0) * 0.5 * frame->viewport[0] - 1.0;
  x1 = frame->offset[0] + (x1 + 1.0) * 0.5 * frame->viewport[0] + 1.0;
  y0 = frame->offset[1] + (y0 + 1.0) * 0.5 * frame->viewport[1] - 1.0;
  y1 = frame->offset[1] + (y1 + 1.0) * 0.5 * frame->viewport[1] + 1.0;
  x0 = CLAMP (x0, frame->offset[0], frame->offset[0] + frame->viewport[0]);
  x1 = CLAMP (x1, frame->offset[0], frame->offset[0] + frame->viewport[0]);
  y0 = CLAMP (y0, frame->offset[1], frame->offset[1] + frame->viewport[1]);
  y1 = CLAMP (y1, frame->offset[1], frame->offset[1] + frame->viewport[1]);
  rect[0] = (int) floor (x0);
  rect[1] = (int) floor (y0);
  rect[2] = (int) ceil (x1) - rect[0];
  rect[3] = (int) ceil (y1) - rect[1];
  return TRUE;
}

/* The overlays the plane's tiles need beside the values, at the values' level: labels only while
 * a particle is selected or coloured (their tiles cost as much as the values'), clusters while
 * shown, the composite's channels while a slot is used. */
static EvoxBrickOverlayFlags
prepare_overlays (EvoxRenderer *self,
                  guint         level,
                  guint         axis,
                  gsize         index)
{
  gboolean labels = _evox_renderer_labels_match_volume (self) &&
                    (self->selected_particle != 0 || self->res.label_color_width > 0);

  return _evox_brick_overlays_prepare (self->res.brick_overlays, labels ? self->labels : NULL,
                                       _evox_renderer_clusters_shown (self) ? self->clusters
                                                                            : NULL,
                                       _evox_render_resources_rgb_wanted (self)
                                       ? self->rgb.channels : NULL,
                                       level, axis, index, self->res.brick_frame,
                                       self->res.wait_for_bricks);
}

/* Each tile draws the whole plane's quad, the very vertices of the unbricked drawing (a quad
 * of its own would interpolate texture coordinates a rounding apart, and a pixel whose centre
 * lies on a voxel boundary could show the neighbour), with a scissor around the tile so only
 * its pixels cost anything; the shader discards what other tiles own. */
void
_evox_slice_pass_draw_bricked (EvoxRenderer *self,
                               const Frame  *frame,
                               guint         axis,
                               gsize         index,
                               guint         plane,
                               float         alpha)
{
  EvoxBrickTile **tiles;
  SliceUniforms *su;
  guint n = 0;
  gboolean scissor = glIsEnabled (GL_SCISSOR_TEST);
  GLint saved[4] = { 0, 0, 0, 0 };

  g_return_if_fail (self->res.bricks != NULL);

  tiles = _evox_bricks_prepare_slice (self->res.bricks, axis, index, self->res.brick_frame, &n);
  if (n == 0)
    return;
  glGetIntegerv (GL_SCISSOR_BOX, saved);

  self->res.tile_overlays = prepare_overlays (self, tiles[0]->level, axis, index);
  self->res.drawing_tiles = TRUE;
  _evox_slice_pass_use_program (self, frame, alpha);
  self->res.drawing_tiles = FALSE;
  su = &self->res.su[self->res.slice_variant];
  for (guint i = 0; i < n; i++)
    {
      const EvoxBrickTile *tile = tiles[i];
      float scale[3], lo[3], hi[3];
      int tile_first[3], rect[4];

      for (guint a = 0; a < 3; a++)
        {
          scale[a] = (float) ((double) self->dims[a] / (double) ((gsize) 1 << tile->level));
          tile_first[a] = (int) tile->first[a];
          /* Open at the volume's faces, so the edges draw what the unbricked texture's
           * clamping draws; along the slice's axis the tile is the whole plane. */
          lo[a] = a == axis || tile->owned_lo[a] == 0 ? -G_MAXFLOAT : (float) tile->owned_lo[a];
          hi[a] = a == axis || tile->owned_hi[a] * ((gsize) 1 << tile->level) >= self->dims[a]
                  ? G_MAXFLOAT : (float) tile->owned_hi[a];
        }
      if (tile_rectangle (self, frame, tile, index, rect))
        {
          if (scissor)
            {
              int x1 = MIN (rect[0] + rect[2], saved[0] + saved[2]);
              int y1 = MIN (rect[1] + rect[3], saved[1] + saved[3]);

              rect[0] = MAX (rect[0], saved[0]);
              rect[1] = MAX (rect[1], saved[1]);
              rect[2] = x1 - rect[0];
              rect[3] = y1 - rect[1];
            }
          if (rect[2] <= 0 || rect[3] <= 0)
            continue;
          glEnable (GL_SCISSOR_TEST);
          glScissor (rect[0], rect[1], rect[2], rect[3]);
        }
      else if (scissor)
        glScissor (saved[0], saved[1], saved[2], saved[3]);
      else
        glDisable (GL_SCISSOR_TEST);
      _evox_brick_overlays_bind (self->res.brick_overlays, self->res.tile_overlays, tile);
      draw_tile (su, scale, tile_first, lo, hi, tile->texture, plane);
    }
  self->res.tile_overlays = 0;
  glBindTexture (GL_TEXTURE_3D, 0);
  glScissor (saved[0], saved[1], saved[2], saved[3]);
  if (scissor)
    glEnable (GL_SCISSOR_TEST);
  else
    glDisable (GL_SCISSOR_TEST);
}

/* evox-mesh-pass.c: surfaces: their buffers on the GPU, opaque drawing and weighted blended OIT. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-renderer-state.h"

#include <string.h>

/* Opacity from which a surface is drawn as opaque, and below which it is not drawn at all. */
#define OPAQUE_OPACITY 0.999
#define INVISIBLE_OPACITY (1.0 / 512.0)

/* The CPU side only: delete_mesh_buffers deletes the GL objects, with the context current. */
void
_evox_mesh_buffers_free (gpointer data)
{
  MeshBuffers *buffers = data;

  g_clear_pointer (&buffers->mesh, evox_mesh_unref);
  g_free (buffers);
}

/* Meshes */

static void
delete_mesh_buffers (EvoxRenderer *self,
                     MeshBuffers  *buffers)
{
  glDeleteVertexArrays (1, &buffers->vao);
  for (guint i = 0; i < G_N_ELEMENTS (buffers->buffers); i++)
    if (buffers->buffers[i] != 0)
      glDeleteBuffers (1, &buffers->buffers[i]);
  buffers->vao = 0;
  memset (buffers->buffers, 0, sizeof buffers->buffers);
  self->res.uploads.meshes_freed++;
}

void
_evox_mesh_pass_delete_all (EvoxRenderer *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->meshes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((MeshBuffers *) value)->vao != 0)
      delete_mesh_buffers (self, value);
  g_hash_table_remove_all (self->meshes);
}

/* A vertex buffer on `location` of the bound vertex array. */
static GLuint
upload_attribute (GLuint         location,
                  GLint          size,
                  GLenum         type,
                  gsize          bytes,
                  gconstpointer  data)
{
  GLuint buffer = 0;

  glGenBuffers (1, &buffer);
  glBindBuffer (GL_ARRAY_BUFFER, buffer);
  glBufferData (GL_ARRAY_BUFFER, (GLsizeiptr) bytes, data, GL_STATIC_DRAW);
  glEnableVertexAttribArray (location);
  glVertexAttribPointer (location, size, type, type == GL_UNSIGNED_BYTE, 0, NULL);
  return buffer;
}

/* One copy of each array straight from the mesh (no interleaving pass on the CPU), so a mesh of
 * millions of triangles costs its copy and nothing more. */
static MeshBuffers *
upload_mesh (EvoxRenderer *self,
             EvoxMesh     *mesh)
{
  MeshBuffers *buffers = g_new0 (MeshBuffers, 1);
  gsize n_vertices = evox_mesh_get_n_vertices (mesh);
  gsize n_triangles = evox_mesh_get_n_triangles (mesh);
  const float *normals = evox_mesh_get_normals (mesh);
  const guint8 *colors = evox_mesh_get_colors (mesh);
  GLenum status;

  buffers->mesh = evox_mesh_ref (mesh);
  if (n_triangles > (gsize) G_MAXINT32 / 3 || n_vertices > G_MAXSIZE / 12)
    {
      g_warning ("A surface of %" G_GSIZE_FORMAT " triangles is more than one OpenGL draw can "
                 "hold; it is not drawn", n_triangles);
      return buffers;
    }

  _evox_gl_drain_errors ();
  glGenVertexArrays (1, &buffers->vao);
  glBindVertexArray (buffers->vao);
  buffers->buffers[0] = upload_attribute (0, 3, GL_FLOAT, n_vertices * 12,
                                          evox_mesh_get_positions (mesh));
  /* Without normals the vertex normal reads as zero and the shader uses the face's. */
  if (normals != NULL)
    buffers->buffers[1] = upload_attribute (1, 3, GL_FLOAT, n_vertices * 12, normals);
  if (colors != NULL)
    buffers->buffers[2] = upload_attribute (2, 4, GL_UNSIGNED_BYTE, n_vertices * 4, colors);
  glGenBuffers (1, &buffers->buffers[3]);
  glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, buffers->buffers[3]);
  glBufferData (GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr) (n_triangles * 12),
                evox_mesh_get_triangles (mesh), GL_STATIC_DRAW);
  /* The element buffer stays with the vertex array: unbind the array first. */
  glBindVertexArray (0);
  glBindBuffer (GL_ARRAY_BUFFER, 0);
  glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, 0);
  self->res.uploads.meshes++;

  status = glGetError ();
  if (status != GL_NO_ERROR)
    {
      g_warning ("The GPU could not take a surface of %" G_GSIZE_FORMAT " triangles (%s); it "
                 "is not drawn", n_triangles,
                 status == GL_OUT_OF_MEMORY ? "out of memory" : "rejected");
      delete_mesh_buffers (self, buffers);
      return buffers;
    }
  buffers->n_indices = (GLsizei) (n_triangles * 3);
  buffers->has_colors = colors != NULL;
  buffers->on_gpu = TRUE;
  return buffers;
}

static gboolean
surface_shown (EvoxSurface *surface)
{
  EvoxMesh *mesh = evox_surface_get_mesh (surface);

  return evox_surface_get_visible (surface) && mesh != NULL && !evox_mesh_is_empty (mesh) &&
         evox_surface_get_opacity (surface) >= INVISIBLE_OPACITY;
}

/* Uploads the meshes of shown surfaces that are not on the GPU yet and frees the buffers of
 * meshes no surface holds any more. A hidden surface keeps its mesh's buffers, so showing it
 * again costs nothing; a mesh that arrives while its surface is hidden goes up when it shows. */
void
_evox_mesh_pass_sync (EvoxRenderer *self)
{
  guint n = self->surfaces != NULL ? evox_surface_list_get_n_surfaces (self->surfaces) : 0;
  GHashTableIter iter;
  gpointer value;

  self->surfaces_dirty = FALSE;
  self->mesh_generation++;
  for (guint i = 0; i < n; i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (self->surfaces, i);
      EvoxMesh *mesh = evox_surface_get_mesh (surface);
      MeshBuffers *buffers;

      if (mesh == NULL)
        continue;
      buffers = g_hash_table_lookup (self->meshes, mesh);
      if (buffers == NULL)
        {
          if (!surface_shown (surface))
            continue;
          buffers = upload_mesh (self, mesh);
          g_hash_table_insert (self->meshes, mesh, buffers);
        }
      buffers->generation = self->mesh_generation;
    }

  g_hash_table_iter_init (&iter, self->meshes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      MeshBuffers *buffers = value;

      if (buffers->generation == self->mesh_generation)
        continue;
      if (buffers->vao != 0)
        delete_mesh_buffers (self, buffers);
      g_hash_table_iter_remove (&iter);
    }
}
/* Surfaces */

/* The side of each slice plane the camera is on (+1 or -1 along the axis): the eye's side in
 * perspective, the side the eye direction points to in orthographic views. */
static void
get_clip_side (EvoxRenderer *self,
               const float   planes[3],
               float         side[3])
{
  double origin[3], dir[3];

  if (evox_camera_get_orthographic (self->draw_camera))
    {
      evox_camera_get_eye_direction (self->draw_camera, dir);
      for (guint a = 0; a < 3; a++)
        side[a] = dir[a] >= 0 ? 1.0f : -1.0f;
    }
  else
    {
      evox_camera_get_ray (self->draw_camera, 0.5, 0.5, 1, 1, origin, dir);
      for (guint a = 0; a < 3; a++)
        side[a] = origin[a] >= planes[a] ? 1.0f : -1.0f;
    }
}

/* Program `variant` (MESH_ flags) with the per-frame uniforms every surface shares: a few
 * matrices, nothing per vertex. Returns its uniforms' locations. */
static const MeshUniforms *
use_mesh_program (EvoxRenderer *self,
                  const Frame  *frame,
                  int           pass,
                  guint         variant)
{
  const MeshUniforms *mu = &self->res.mu[variant];
  mat4 model = GLM_MAT4_IDENTITY_INIT, view, mvp, modelview, modelview_projection, view_to_world;
  mat3 normal_matrix;
  double lo[3], hi[3];
  float planes[3], side[3] = { 1, 1, 1 }, near = G_MAXFLOAT, far = -G_MAXFLOAT;

  memcpy (view, frame->view, sizeof view);
  memcpy (mvp, frame->mvp, sizeof mvp);
  model[2][2] = (float) self->z_exaggeration;
  glm_mat4_inv (view, view_to_world);
  glm_mat4_mul (view, model, modelview);
  glm_mat4_mul (mvp, model, modelview_projection);
  /* Normals take the inverse transpose: the exaggeration stretches z, so normals shrink in z. */
  glm_mat4_pick3 (modelview, normal_matrix);
  glm_mat3_inv (normal_matrix, normal_matrix);
  glm_mat3_transpose (normal_matrix);

  for (guint a = 0; a < 3; a++)
    planes[a] = (float) _evox_renderer_plane_position (self, a, self->slices[a]);
  if (variant & MESH_CLIP)
    get_clip_side (self, planes, side);

  /* The depths the box spans, over which the OIT weights fall from near to far. */
  _evox_renderer_get_box (self, lo, hi);
  for (guint c = 0; c < 8; c++)
    {
      vec4 corner = { (float) (c & 1 ? hi[0] : lo[0]), (float) (c & 2 ? hi[1] : lo[1]),
                      (float) (c & 4 ? hi[2] : lo[2]), 1.0f }, eye;

      glm_mat4_mulv (view, corner, eye);
      near = MIN (near, -eye[2]);
      far = MAX (far, -eye[2]);
    }

  glUseProgram (self->res.mesh_programs[variant]);
  glUniformMatrix4fv (mu->mvp, 1, GL_FALSE, (const float *) modelview_projection);
  glUniformMatrix4fv (mu->modelview, 1, GL_FALSE, (const float *) modelview);
  glUniformMatrix3fv (mu->normal_matrix, 1, GL_FALSE, (const float *) normal_matrix);
  glUniformMatrix4fv (mu->view_to_world, 1, GL_FALSE, (const float *) view_to_world);
  glUniform1i (mu->orthographic, evox_camera_get_orthographic (self->draw_camera));
  glUniform3fv (mu->clip_planes, 1, planes);
  glUniform3fv (mu->clip_side, 1, side);
  glUniform1i (mu->pass, pass);
  glUniform2f (mu->depth_range, near, far);
  return mu;
}

/* The surface's mesh on the GPU, or NULL when it is not to be drawn in this pass (0: opaque,
 * 1: translucent). */
static MeshBuffers *
surface_buffers (EvoxRenderer *self,
                 EvoxSurface  *surface,
                 int           pass)
{
  MeshBuffers *buffers;
  gboolean opaque;

  if (!surface_shown (surface))
    return NULL;
  opaque = evox_surface_get_opacity (surface) >= OPAQUE_OPACITY;
  if (opaque != (pass == 0))
    return NULL;
  buffers = g_hash_table_lookup (self->meshes, evox_surface_get_mesh (surface));
  return buffers != NULL && buffers->on_gpu ? buffers : NULL;
}

static gboolean
has_surfaces (EvoxRenderer *self,
              int           pass)
{
  guint n = self->surfaces != NULL ? evox_surface_list_get_n_surfaces (self->surfaces) : 0;

  for (guint i = 0; i < n; i++)
    if (surface_buffers (self, evox_surface_list_get_surface (self->surfaces, i), pass) != NULL)
      return TRUE;
  return FALSE;
}

/* The surfaces of one pass in list order, with the blending and depth state already set. */
static void
draw_surfaces (EvoxRenderer *self,
               const Frame  *frame,
               int           pass,
               gboolean      clip)
{
  guint n = self->surfaces != NULL ? evox_surface_list_get_n_surfaces (self->surfaces) : 0;
  const MeshUniforms *mu = NULL;
  guint variant = G_MAXUINT;

  for (guint i = 0; i < n; i++)
    {
      EvoxSurface *surface = evox_surface_list_get_surface (self->surfaces, i);
      MeshBuffers *buffers = surface_buffers (self, surface, pass);
      guint wanted;
      float rgba[4];

      if (buffers == NULL)
        continue;
      wanted = (clip ? MESH_CLIP : 0) | (buffers->has_colors ? MESH_VERTEX_COLORS : 0);
      if (wanted != variant)
        mu = use_mesh_program (self, frame, pass, wanted);
      variant = wanted;
      evox_surface_get_rgba (surface, rgba);
      rgba[3] = CLAMP (rgba[3], 0.0f, 1.0f);
      glUniform4fv (mu->color, 1, rgba);
      glBindVertexArray (buffers->vao);
      glDrawElements (GL_TRIANGLES, buffers->n_indices, GL_UNSIGNED_INT, NULL);
    }
  glBindVertexArray (self->res.vao);
}

/* Opaque surfaces write depth like the opaque slices, so they hide and are hidden exactly. */
void
_evox_mesh_pass_draw_opaque (EvoxRenderer *self,
                             const Frame  *frame,
                             gboolean      clip)
{
  if (!has_surfaces (self, 0))
    return;
  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LEQUAL);
  glDepthMask (GL_TRUE);
  glDisable (GL_BLEND);
  draw_surfaces (self, frame, 0, clip);
}

void
_evox_mesh_pass_delete_targets (EvoxRenderer *self)
{
  if (self->oit_framebuffer != 0)
    glDeleteFramebuffers (1, &self->oit_framebuffer);
  if (self->oit_accum != 0)
    glDeleteTextures (1, &self->oit_accum);
  if (self->oit_weight != 0)
    glDeleteTextures (1, &self->oit_weight);
  if (self->oit_depth != 0)
    glDeleteRenderbuffers (1, &self->oit_depth);
  self->oit_framebuffer = self->oit_accum = self->oit_weight = self->oit_depth = 0;
  self->oit_depth_format = 0;
  self->oit_size[0] = self->oit_size[1] = 0;
}

static GLuint
new_target_texture (GLint   internal_format,
                    GLenum  format,
                    int     width,
                    int     height)
{
  GLuint texture = 0;

  glGenTextures (1, &texture);
  glBindTexture (GL_TEXTURE_2D, texture);
  _evox_gl_set_texture_parameters (GL_TEXTURE_2D);
  glTexImage2D (GL_TEXTURE_2D, 0, internal_format, width, height, 0, format, GL_HALF_FLOAT,
                NULL);
  glBindTexture (GL_TEXTURE_2D, 0);
  return texture;
}

/* Binds the OIT framebuffer for drawing, (re)made when the viewport or the depth format changed.
 * FALSE when this GL cannot make it. */
static gboolean
bind_oit_targets (EvoxRenderer *self,
                  int           width,
                  int           height,
                  GLenum        depth_format)
{
  static const GLenum draw_buffers[2] = { GL_COLOR_ATTACHMENT0, GL_COLOR_ATTACHMENT1 };
  GLenum status;

  if (self->oit_framebuffer != 0 && self->oit_size[0] == width && self->oit_size[1] == height &&
      self->oit_depth_format == depth_format)
    {
      glBindFramebuffer (GL_DRAW_FRAMEBUFFER, self->oit_framebuffer);
      return TRUE;
    }

  _evox_mesh_pass_delete_targets (self);
  _evox_gl_drain_errors ();
  glActiveTexture (GL_TEXTURE4);
  self->oit_accum = new_target_texture (GL_RGBA16F, GL_RGBA, width, height);
  self->oit_weight = new_target_texture (GL_R16F, GL_RED, width, height);
  glActiveTexture (GL_TEXTURE0);
  glGenRenderbuffers (1, &self->oit_depth);
  glBindRenderbuffer (GL_RENDERBUFFER, self->oit_depth);
  glRenderbufferStorage (GL_RENDERBUFFER, depth_format, width, height);
  glBindRenderbuffer (GL_RENDERBUFFER, 0);

  glGenFramebuffers (1, &self->oit_framebuffer);
  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, self->oit_framebuffer);
  glFramebufferTexture2D (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
                          self->oit_accum, 0);
  glFramebufferTexture2D (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT1, GL_TEXTURE_2D,
                          self->oit_weight, 0);
  glFramebufferRenderbuffer (GL_DRAW_FRAMEBUFFER,
                             depth_format == GL_DEPTH24_STENCIL8 ||
                             depth_format == GL_DEPTH32F_STENCIL8 ? GL_DEPTH_STENCIL_ATTACHMENT
                                                                  : GL_DEPTH_ATTACHMENT,
                             GL_RENDERBUFFER, self->oit_depth);
  glDrawBuffers (2, draw_buffers);
  status = glCheckFramebufferStatus (GL_DRAW_FRAMEBUFFER);
  if (status != GL_FRAMEBUFFER_COMPLETE || glGetError () != GL_NO_ERROR)
    {
      _evox_mesh_pass_delete_targets (self);
      return FALSE;
    }
  self->oit_size[0] = width;
  self->oit_size[1] = height;
  self->oit_depth_format = depth_format;
  return TRUE;
}

/* Translucent surfaces by weighted blended order-independent transparency (McGuire and Bavoil,
 * 2013) rather than depth peeling. Peeling is exact but draws every translucent triangle again
 * for each layer it peels (a closed surface seen through another is four layers deep, a noisy
 * phase tens), and on llvmpipe one draw of a 500,000-triangle mesh takes a few hundred ms;
 * WBOIT draws each triangle once, whatever the depth complexity, then one full-screen pass.
 * What it gives up: overlapping layers' colours are mixed by weights that favour the nearer
 * (depth_weight in mesh.frag) instead of strictly in order. How much shows through (the
 * product of (1 - opacity)) stays exact, and the result never depends on the list's order.
 *
 * GL 3.3 has one blend function for all draw buffers, so the revealage product rides in the
 * accumulation target's alpha (colour blended ONE, ONE; alpha ZERO, ONE_MINUS_SRC_ALPHA) and
 * the weight sum gets an R16F target of its own (32-bit floats cost llvmpipe the same CPU time
 * in evox-bench mesh-render, so the half-size ones stay). The targets share the opaque scene's
 * depth: the caller's depth buffer is copied into one of the same format (a depth blit needs
 * equal formats), then tested but not written. The composite blends over the caller's
 * framebuffer as "over", so a transparent background keeps the coverage in alpha. */
void
_evox_mesh_pass_draw_translucent (EvoxRenderer *self,
                                  const Frame  *frame,
                                  gboolean      clip)
{
  static const float clear_accum[4] = { 0.0f, 0.0f, 0.0f, 1.0f };
  static const float clear_weight[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
  static const float clear_depth = 1.0f;
  int width = frame->viewport[0], height = frame->viewport[1];
  int ox = frame->offset[0], oy = frame->offset[1];
  GLint caller_draw = 0, caller_read = 0;
  GLenum depth_format;
  gboolean have_depth = FALSE;
  gboolean scissor = glIsEnabled (GL_SCISSOR_TEST);

  if (!has_surfaces (self, 1))
    return;
  /* The targets are the viewport's size: drawn into at 0, 0, composited back at the offset. */
  glDisable (GL_SCISSOR_TEST);

  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &caller_draw);
  glGetIntegerv (GL_READ_FRAMEBUFFER_BINDING, &caller_read);
  _evox_gl_drain_errors ();
  depth_format = _evox_gl_draw_framebuffer_depth_format (caller_draw);
  /* A default framebuffer that does not exist (surfaceless EGL) may answer with an error. */
  _evox_gl_drain_errors ();

  if (!bind_oit_targets (self, width, height,
                         depth_format != 0 ? depth_format : GL_DEPTH_COMPONENT24))
    {
      if (!self->warned_oit)
        g_warning ("This OpenGL cannot make the buffers for translucent surfaces; they are "
                   "not drawn");
      self->warned_oit = TRUE;
      glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) caller_draw);
      if (scissor)
        glEnable (GL_SCISSOR_TEST);
      return;
    }
  glViewport (0, 0, width, height);

  if (depth_format != 0)
    {
      glBindFramebuffer (GL_READ_FRAMEBUFFER, (GLuint) caller_draw);
      glBlitFramebuffer (ox, oy, ox + width, oy + height, 0, 0, width, height,
                         GL_DEPTH_BUFFER_BIT, GL_NEAREST);
      have_depth = glGetError () == GL_NO_ERROR;
    }
  if (!have_depth)
    {
      if (!self->warned_oit)
        g_warning ("The framebuffer's depth cannot be shared with translucent surfaces; they "
                   "are drawn over everything opaque");
      self->warned_oit = TRUE;
      glClearBufferfv (GL_DEPTH, 0, &clear_depth);
    }
  glClearBufferfv (GL_COLOR, 0, clear_accum);
  glClearBufferfv (GL_COLOR, 1, clear_weight);

  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LEQUAL);
  glDepthMask (GL_FALSE);
  glEnable (GL_BLEND);
  glBlendEquation (GL_FUNC_ADD);
  glBlendFuncSeparate (GL_ONE, GL_ONE, GL_ZERO, GL_ONE_MINUS_SRC_ALPHA);
  draw_surfaces (self, frame, 1, clip);

  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) caller_draw);
  glBindFramebuffer (GL_READ_FRAMEBUFFER, (GLuint) caller_read);
  glViewport (ox, oy, width, height);
  if (scissor)
    glEnable (GL_SCISSOR_TEST);
  glDisable (GL_DEPTH_TEST);
  glBlendFuncSeparate (GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
  glUseProgram (self->res.composite_program);
  glUniform2i (self->res.cu.offset, ox, oy);
  glActiveTexture (GL_TEXTURE4);
  glBindTexture (GL_TEXTURE_2D, self->oit_accum);
  glActiveTexture (GL_TEXTURE5);
  glBindTexture (GL_TEXTURE_2D, self->oit_weight);
  glBindVertexArray (self->res.empty_vao);
  glDrawArrays (GL_TRIANGLES, 0, 3);
  glBindVertexArray (self->res.vao);
  glBindTexture (GL_TEXTURE_2D, 0);
  glActiveTexture (GL_TEXTURE4);
  glBindTexture (GL_TEXTURE_2D, 0);
  glActiveTexture (GL_TEXTURE0);
  glDepthMask (GL_TRUE);
}


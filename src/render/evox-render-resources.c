/* evox-render-resources.c: GL resources the passes share (programs, textures), and their uploads. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-renderer-state.h"
#include "evox-file-bricks.h"

#include <string.h>

/* Declared by the resource bundle glib-compile-resources generates from
 * resources/evox-shaders.gresource.xml. Looking shaders up through it (rather than through the
 * global resource table) also keeps the linker from dropping the bundle out of the static library. */
GResource *evox_shaders_get_resource (void);

static gboolean
slice_variant_exists (guint variant)
{
  return !(variant & SLICE_CLUSTER_OUTLINES) || (variant & SLICE_CLUSTERS);
}

/* The bricked builds with overlays are linked when first drawn: most sessions never brick a
 * volume, and each build costs the realize of every renderer. */
static gboolean
slice_variant_at_realize (guint variant)
{
  return slice_variant_exists (variant) &&
         (!(variant & SLICE_BRICKED) || variant == SLICE_BRICKED);
}

void
_evox_renderer_get_uploads (EvoxRenderer        *self,
                            EvoxRendererUploads *uploads)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  g_return_if_fail (uploads != NULL);

  *uploads = self->res.uploads;
}

GLenum
_evox_renderer_get_label_format (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 0);
  return self->res.label_texture != 0 ? self->res.label_format : 0;
}

GLenum
_evox_renderer_get_cluster_format (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 0);
  return self->res.volume_on_gpu ? self->res.cluster_format : 0;
}

guint
_evox_renderer_get_n_meshes (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 0);
  return g_hash_table_size (self->meshes);
}

void
_evox_renderer_set_skipping (EvoxRenderer *self,
                             gboolean      skip)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  _evox_volume_pass_set_skipping (self->volume_pass, skip);
  g_signal_emit_by_name (self, "changed");
}

guint
_evox_renderer_get_empty_bricks (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), 0);
  return _evox_volume_pass_count_empty (self->volume_pass);
}

void
_evox_renderer_set_brick_limits (EvoxRenderer *self,
                                 guint         max_texture_size,
                                 guint         brick_size,
                                 gsize         budget)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));
  self->forced_max_texture = max_texture_size;
  self->forced_brick_size = brick_size;
  self->forced_budget = budget;
  self->res.volume_dirty = TRUE;
  g_signal_emit_by_name (self, "changed");
}

gboolean
_evox_renderer_is_bricked (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  return self->res.bricks != NULL;
}

struct _EvoxFullRes *
_evox_renderer_get_fullres (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  return self->res.fullres;
}

int
_evox_renderer_get_ray_level (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), -1);
  if (self->res.bricks == NULL)
    return self->res.volume_on_gpu ? 0 : -1;
  return _evox_bricks_get_ray_level (self->res.bricks);
}

EvoxBricks *
_evox_renderer_get_bricks (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  return self->res.bricks;
}

EvoxBricks *
_evox_renderer_get_ray_bricks (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), NULL);
  return self->res.bricks != NULL ? self->res.bricks : self->res.ray_bricks;
}

/* GL programs */

/* defines (may be NULL) goes right after the #version line. */
/* The compiler's or linker's message for a shader or program that failed, stripped; never NULL. */
static char *
info_log (GLuint   object,
          gboolean is_program)
{
  GLint length = 0;
  char *log;

  if (is_program)
    glGetProgramiv (object, GL_INFO_LOG_LENGTH, &length);
  else
    glGetShaderiv (object, GL_INFO_LOG_LENGTH, &length);
  log = g_malloc0 (MAX (length, 1));
  if (is_program)
    glGetProgramInfoLog (object, MAX (length, 1), NULL, log);
  else
    glGetShaderInfoLog (object, MAX (length, 1), NULL, log);
  return g_strstrip (log);
}

static GLuint
compile_shader (GLenum       type,
                const char  *name,
                const char  *defines,
                GError     **error)
{
  g_autofree char *path = g_strconcat ("/org/evox/Evox/shaders/", name, NULL);
  g_autoptr(GBytes) bytes = NULL;
  const char *source, *version, *parts[3];
  GLint length, lengths[3], status = GL_FALSE;
  GLuint shader;

  bytes = g_resource_lookup_data (evox_shaders_get_resource (), path,
                                  G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return 0;

  source = g_bytes_get_data (bytes, NULL);
  length = (GLint) g_bytes_get_size (bytes);
  shader = glCreateShader (type);
  version = defines != NULL ? g_strstr_len (source, length, "#version") : NULL;
  if (version != NULL)
    {
      const char *line_end = memchr (version, '\n', length - (version - source));
      GLint head = line_end != NULL ? (GLint) (line_end + 1 - source) : length;

      parts[0] = source;
      lengths[0] = head;
      parts[1] = defines;
      lengths[1] = (GLint) strlen (defines);
      parts[2] = source + head;
      lengths[2] = length - head;
      glShaderSource (shader, 3, parts, lengths);
    }
  else
    glShaderSource (shader, 1, &source, &length);
  glCompileShader (shader);
  glGetShaderiv (shader, GL_COMPILE_STATUS, &status);
  if (status != GL_TRUE)
    {
      g_autofree char *log = info_log (shader, FALSE);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                   "The shader %s does not compile on this system: %s", name, log);
      glDeleteShader (shader);
      return 0;
    }
  return shader;
}

static GLuint
link_program (const char  *name,
              const char  *vertex,
              const char  *geometry,
              const char  *fragment,
              const char  *defines,
              GError     **error)
{
  const char *names[3] = { vertex, geometry, fragment };
  const GLenum types[3] = { GL_VERTEX_SHADER, GL_GEOMETRY_SHADER, GL_FRAGMENT_SHADER };
  GLuint shaders[3] = { 0, 0, 0 };
  GLint status = GL_FALSE;
  GLuint program;

  for (guint i = 0; i < 3; i++)
    {
      if (names[i] == NULL)
        continue;
      shaders[i] = compile_shader (types[i], names[i], defines, error);
      if (shaders[i] == 0)
        {
          for (guint j = 0; j < i; j++)
            if (shaders[j] != 0)
              glDeleteShader (shaders[j]);
          return 0;
        }
    }

  program = glCreateProgram ();
  for (guint i = 0; i < 3; i++)
    if (shaders[i] != 0)
      glAttachShader (program, shaders[i]);
  glLinkProgram (program);
  for (guint i = 0; i < 3; i++)
    if (shaders[i] != 0)
      {
        glDetachShader (program, shaders[i]);
        glDeleteShader (shaders[i]);
      }

  glGetProgramiv (program, GL_LINK_STATUS, &status);
  if (status != GL_TRUE)
    {
      g_autofree char *log = info_log (program, TRUE);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_FAILED,
                   "The %s program does not link on this system: %s", name, log);
      glDeleteProgram (program);
      return 0;
    }
  return program;
}

GLuint
_evox_gl_link_program (const char  *name,
                       const char  *vertex,
                       const char  *geometry,
                       const char  *fragment,
                       const char  *defines,
                       GError     **error)
{
  return link_program (name, vertex, geometry, fragment, defines, error);
}

static void
delete_programs (EvoxRenderer *self)
{
  GLuint *programs[] = { &self->res.line_program, &self->res.composite_program };

  for (guint v = 0; v < N_SLICE_PROGRAMS; v++)
    {
      if (self->res.slice_programs[v] != 0)
        glDeleteProgram (self->res.slice_programs[v]);
      self->res.slice_programs[v] = 0;
      self->res.slice_failed[v] = FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    if (*programs[i] != 0)
      {
        glDeleteProgram (*programs[i]);
        *programs[i] = 0;
      }
  for (guint i = 0; i < N_MESH_PROGRAMS; i++)
    if (self->res.mesh_programs[i] != 0)
      {
        glDeleteProgram (self->res.mesh_programs[i]);
        self->res.mesh_programs[i] = 0;
      }
}

static void delete_rgb_textures (EvoxRenderer *self);
static void delete_bricks (EvoxRenderer *self);
static void delete_fullres (EvoxRenderer *self);
static void prepare_rgb (EvoxRenderer *self);

/* Builds slice program `variant` and finds its uniforms; 0 with error set when it does not
 * link. */
static GLuint
link_slice_program (EvoxRenderer *self,
                    guint         variant,
                    GError      **error)
{
  g_autofree char *defines = NULL;
  SliceUniforms *su = &self->res.su[variant];
  GLuint program;

  defines = g_strconcat (variant & SLICE_PARTICLE_COLORS ? "#define PARTICLE_COLORS 1\n" : "",
                         variant & SLICE_CLUSTERS ? "#define CLUSTERS 1\n" : "",
                         variant & SLICE_CLUSTER_OUTLINES ? "#define CLUSTER_OUTLINES 1\n" : "",
                         variant & SLICE_RGB ? "#define RGB 1\n" : "",
                         variant & SLICE_BRICKED ? "#define BRICKED 1\n" : "",
                         NULL);
  program = link_program ("slice", "slice.vert", NULL, "slice.frag", defines, error);
  self->res.slice_programs[variant] = program;
  if (program == 0)
    return 0;
#define SLICE_UNIFORM(field, name) su->field = glGetUniformLocation (program, name)
  SLICE_UNIFORM (mvp, "u_mvp");
  SLICE_UNIFORM (volume, "u_volume");
  SLICE_UNIFORM (colormap, "u_colormap");
  SLICE_UNIFORM (value_scale, "u_value_scale");
  SLICE_UNIFORM (integer, "u_integer");
  SLICE_UNIFORM (transfer, "u_transfer");
  SLICE_UNIFORM (a, "u_a");
  SLICE_UNIFORM (b, "u_b");
  SLICE_UNIFORM (m, "u_m");
  SLICE_UNIFORM (valid, "u_valid");
  SLICE_UNIFORM (alpha, "u_alpha");
  SLICE_UNIFORM (phase_mode, "u_phase_mode");
  SLICE_UNIFORM (n_phases, "u_n_phases");
  SLICE_UNIFORM (phases, "u_phases");
  SLICE_UNIFORM (selected, "u_selected");
  SLICE_UNIFORM (labels, "u_labels");
  SLICE_UNIFORM (highlight, "u_highlight");
  SLICE_UNIFORM (dim, "u_dim");
  SLICE_UNIFORM (label_colors, "u_label_colors");
  SLICE_UNIFORM (label_color_width, "u_label_color_width");
  SLICE_UNIFORM (label_color_shift, "u_label_color_shift");
  SLICE_UNIFORM (cluster_colors, "u_cluster_colors");
  SLICE_UNIFORM (cluster_opacity, "u_cluster_opacity");
  SLICE_UNIFORM (clusters_on, "u_clusters_on");
  SLICE_UNIFORM (cluster_scale, "u_cluster_scale");
  SLICE_UNIFORM (rgb_on, "u_rgb_on");
  SLICE_UNIFORM (rgb_red, "u_rgb_red");
  SLICE_UNIFORM (rgb_green, "u_rgb_green");
  SLICE_UNIFORM (rgb_blue, "u_rgb_blue");
  SLICE_UNIFORM (rgb_used, "u_rgb_used");
  SLICE_UNIFORM (rgb_lo, "u_rgb_lo");
  SLICE_UNIFORM (rgb_hi, "u_rgb_hi");
  SLICE_UNIFORM (level_scale, "u_level_scale");
  SLICE_UNIFORM (tile_first, "u_tile_first");
  SLICE_UNIFORM (tile_lo, "u_tile_lo");
  SLICE_UNIFORM (tile_hi, "u_tile_hi");
  SLICE_UNIFORM (label_tile, "u_label_tile");
  SLICE_UNIFORM (label_scale, "u_label_scale");
  SLICE_UNIFORM (cluster_tile, "u_cluster_tile");
#undef SLICE_UNIFORM
  /* Each sampler on its own unit for good: samplers of different types (the float volume
   * and the integer labels) must never share one, not even while unused. */
  glUseProgram (program);
  glUniform1i (su->volume, 0);
  glUniform1i (su->colormap, 1);
  glUniform1i (su->phases, 2);
  glUniform1i (su->labels, 3);
  glUniform1i (su->label_colors, 4);
  glUniform1i (su->cluster_colors, 7);
  glUniform1i (su->rgb_red, RGB_TEXTURE_UNIT);
  glUniform1i (su->rgb_green, RGB_TEXTURE_UNIT + 1);
  glUniform1i (su->rgb_blue, RGB_TEXTURE_UNIT + 2);
  glUniform1i (su->label_tile, EVOX_BRICK_OVERLAYS_LABEL_UNIT);
  glUniform1i (su->cluster_tile, EVOX_BRICK_OVERLAYS_CLUSTER_UNIT);
  glUseProgram (0);
  return program;
}

GLuint
_evox_render_resources_slice_program (EvoxRenderer *self,
                                      guint         variant)
{
  g_autoptr(GError) error = NULL;

  g_assert (variant < N_SLICE_PROGRAMS && slice_variant_exists (variant));
  if (self->res.slice_programs[variant] != 0 || self->res.slice_failed[variant])
    return self->res.slice_programs[variant];
  if (link_slice_program (self, variant, &error) == 0)
    {
      /* Once: the plain bricked build still draws the values. */
      g_warning ("%s", error->message);
      self->res.slice_failed[variant] = TRUE;
    }
  return self->res.slice_programs[variant];
}

static gboolean
check_gl_version (GError **error)
{
  int version = epoxy_gl_version ();

  if (!epoxy_is_desktop_gl () || version < 33)
    {
      const char *renderer = (const char *) glGetString (GL_RENDERER);

      g_set_error (error, EVOX_ERROR, EVOX_ERROR_UNSUPPORTED,
                   "OpenGL 3.3 is needed to draw volumes; this system offers %s%d.%d (%s)",
                   epoxy_is_desktop_gl () ? "" : "OpenGL ES ", version / 10, version % 10,
                   renderer != NULL ? renderer : "unknown renderer");
      return FALSE;
    }
  return TRUE;
}

gboolean
evox_renderer_realize (EvoxRenderer  *self,
                       GError       **error)
{
  gboolean linked = TRUE;

  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->realized)
    return TRUE;
  if (!check_gl_version (error))
    return FALSE;

  for (guint v = 0; v < N_SLICE_PROGRAMS && linked; v++)
    if (slice_variant_at_realize (v))
      linked = link_slice_program (self, v, error) != 0;
  if (!linked)
    {
      delete_programs (self);
      return FALSE;
    }
  self->res.line_program = link_program ("line", "line.vert", "line.geom", "line.frag", NULL,
                                         error);
  /* Variants rather than uniforms that switch code: a shader that may discard fragments loses
   * llvmpipe's early depth test (opaque surfaces took about twice as long), and every output
   * of the vertex stage is interpolated for every fragment (a colour output that is not used
   * cost 10%). */
  for (guint v = 0; v < N_MESH_PROGRAMS && self->res.line_program != 0; v++)
    {
      g_autofree char *defines = g_strconcat (v & MESH_CLIP ? "#define CLIP 1\n" : "",
                                              v & MESH_VERTEX_COLORS ? "#define VERTEX_COLORS 1\n"
                                                                     : "", NULL);

      self->res.mesh_programs[v] = link_program ("mesh", "mesh.vert", NULL, "mesh.frag", defines,
                                                 error);
      if (self->res.mesh_programs[v] == 0)
        break;
    }
  if (self->res.mesh_programs[N_MESH_PROGRAMS - 1] != 0)
    self->res.composite_program = link_program ("composite", "composite.vert", NULL,
                                                "composite.frag", NULL, error);
  if (self->res.composite_program == 0)
    {
      delete_programs (self);
      return FALSE;
    }

  glUseProgram (0);
  self->res.lu.mvp = glGetUniformLocation (self->res.line_program, "u_mvp");
  self->res.lu.viewport = glGetUniformLocation (self->res.line_program, "u_viewport");
  self->res.lu.width = glGetUniformLocation (self->res.line_program, "u_width");
  self->res.lu.color = glGetUniformLocation (self->res.line_program, "u_color");
  for (guint p = 0; p < N_MESH_PROGRAMS; p++)
    {
#define MESH_UNIFORM(field, name) \
  self->res.mu[p].field = glGetUniformLocation (self->res.mesh_programs[p], name)
      MESH_UNIFORM (mvp, "u_mvp");
      MESH_UNIFORM (modelview, "u_modelview");
      MESH_UNIFORM (normal_matrix, "u_normal_matrix");
      MESH_UNIFORM (view_to_world, "u_view_to_world");
      MESH_UNIFORM (color, "u_color");
      MESH_UNIFORM (orthographic, "u_orthographic");
      MESH_UNIFORM (clip_planes, "u_clip_planes");
      MESH_UNIFORM (clip_side, "u_clip_side");
      MESH_UNIFORM (pass, "u_pass");
      MESH_UNIFORM (depth_range, "u_depth_range");
#undef MESH_UNIFORM
    }
  /* The OIT targets on units of their own, after the slice program's four. */
  self->res.cu.accum = glGetUniformLocation (self->res.composite_program, "u_accum");
  self->res.cu.weight = glGetUniformLocation (self->res.composite_program, "u_weight");
  self->res.cu.offset = glGetUniformLocation (self->res.composite_program, "u_offset");
  glUseProgram (self->res.composite_program);
  glUniform1i (self->res.cu.accum, 4);
  glUniform1i (self->res.cu.weight, 5);
  glUseProgram (0);
  /* Core profiles draw nothing without a vertex array, even a full-screen triangle whose
   * vertices come from gl_VertexID. */
  glGenVertexArrays (1, &self->res.empty_vao);

  glGenVertexArrays (1, &self->res.vao);
  glGenBuffers (1, &self->res.vbo);
  glBindVertexArray (self->res.vao);
  glBindBuffer (GL_ARRAY_BUFFER, self->res.vbo);
  glEnableVertexAttribArray (0);
  glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, sizeof (Vertex),
                         (const void *) G_STRUCT_OFFSET (Vertex, position));
  glEnableVertexAttribArray (1);
  glVertexAttribPointer (1, 3, GL_FLOAT, GL_FALSE, sizeof (Vertex),
                         (const void *) G_STRUCT_OFFSET (Vertex, texcoord));
  glBindVertexArray (0);
  glBindBuffer (GL_ARRAY_BUFFER, 0);

  self->res.volume_dirty = TRUE;
  self->res.colormap_dirty = TRUE;
  self->res.phases_dirty = TRUE;
  self->res.labels_dirty = TRUE;
  self->res.cluster_colors_dirty = TRUE;
  self->surfaces_dirty = TRUE;
  for (guint s = 0; s < 3; s++)
    self->rgb.uploaded[s] = -1;
  self->realized = TRUE;
  return TRUE;
}

void
evox_renderer_unrealize (EvoxRenderer *self)
{
  g_return_if_fail (EVOX_IS_RENDERER (self));

  if (!self->realized)
    return;

  delete_programs (self);
  _evox_volume_pass_unrealize (self->volume_pass);
  glDeleteVertexArrays (1, &self->res.vao);
  glDeleteVertexArrays (1, &self->res.empty_vao);
  glDeleteBuffers (1, &self->res.vbo);
  _evox_mesh_pass_delete_all (self);
  _evox_mesh_pass_delete_targets (self);
  delete_rgb_textures (self);
  delete_bricks (self);
  delete_fullres (self);
  if (self->res.volume_texture != 0)
    glDeleteTextures (1, &self->res.volume_texture);
  if (self->res.scan_texture != 0)
    glDeleteTextures (1, &self->res.scan_texture);
  if (self->res.colormap_texture != 0)
    glDeleteTextures (1, &self->res.colormap_texture);
  if (self->res.phase_texture != 0)
    glDeleteTextures (1, &self->res.phase_texture);
  if (self->res.label_texture != 0)
    glDeleteTextures (1, &self->res.label_texture);
  if (self->res.label_color_texture != 0)
    glDeleteTextures (1, &self->res.label_color_texture);
  if (self->res.cluster_color_texture != 0)
    glDeleteTextures (1, &self->res.cluster_color_texture);
  self->res.cluster_color_texture = 0;
  self->res.cluster_format = 0;
  self->res.cluster_colors_dirty = TRUE;

  self->res.vao = self->res.vbo = self->res.empty_vao = 0;
  self->res.volume_texture = self->res.colormap_texture = 0;
  self->res.scan_texture = 0;
  self->res.phase_texture = self->res.label_texture = 0;
  self->res.label_format = 0;
  self->res.n_phase_rows = 0;
  self->res.volume_on_gpu = FALSE;
  self->res.volume_dirty = TRUE;
  self->res.colormap_dirty = TRUE;
  self->res.phases_dirty = TRUE;
  self->res.labels_dirty = TRUE;
  self->res.label_color_texture = 0;
  self->res.label_color_width = 0;
  self->res.label_colors_dirty = TRUE;
  self->surfaces_dirty = TRUE;
  self->realized = FALSE;
}

gboolean
evox_renderer_is_realized (EvoxRenderer *self)
{
  g_return_val_if_fail (EVOX_IS_RENDERER (self), FALSE);
  return self->realized;
}

/* Textures */

/* Texture upload */

void
_evox_gl_drain_errors (void)
{
  for (guint i = 0; i < 16 && glGetError () != GL_NO_ERROR; i++)
    ;
}

/* Nearest sampling, clamped at the edges, a single level: what every texture here wants. */
void
_evox_gl_set_texture_parameters (GLenum target)
{
  glTexParameteri (target, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri (target, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri (target, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (target, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  if (target == GL_TEXTURE_3D)
    {
      glTexParameteri (target, GL_TEXTURE_WRAP_R, GL_CLAMP_TO_EDGE);
      glTexParameteri (target, GL_TEXTURE_BASE_LEVEL, 0);
    }
  glTexParameteri (target, GL_TEXTURE_MAX_LEVEL, 0);
}

/* The internal format of the depth buffer of the bound draw framebuffer `framebuffer`, 0 when
 * it has none. */
GLenum
_evox_gl_draw_framebuffer_depth_format (GLint framebuffer)
{
  GLenum depth = framebuffer == 0 ? GL_DEPTH : GL_DEPTH_ATTACHMENT;
  GLenum stencil = framebuffer == 0 ? GL_STENCIL : GL_STENCIL_ATTACHMENT;
  GLint type = GL_NONE, depth_bits = 0, stencil_bits = 0, component = GL_NONE;

  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, depth,
                                         GL_FRAMEBUFFER_ATTACHMENT_OBJECT_TYPE, &type);
  if (type == GL_NONE)
    return 0;
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, depth,
                                         GL_FRAMEBUFFER_ATTACHMENT_DEPTH_SIZE, &depth_bits);
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, depth,
                                         GL_FRAMEBUFFER_ATTACHMENT_COMPONENT_TYPE, &component);
  type = GL_NONE;
  glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, stencil,
                                         GL_FRAMEBUFFER_ATTACHMENT_OBJECT_TYPE, &type);
  if (type != GL_NONE)
    glGetFramebufferAttachmentParameteriv (GL_DRAW_FRAMEBUFFER, stencil,
                                           GL_FRAMEBUFFER_ATTACHMENT_STENCIL_SIZE, &stencil_bits);

  if (depth_bits <= 0)
    return 0;
  if (component == GL_FLOAT)
    return stencil_bits > 0 ? GL_DEPTH32F_STENCIL8 : GL_DEPTH_COMPONENT32F;
  if (depth_bits <= 16)
    return GL_DEPTH_COMPONENT16;
  if (depth_bits <= 24)
    return stencil_bits > 0 ? GL_DEPTH24_STENCIL8 : GL_DEPTH_COMPONENT24;
  return GL_DEPTH_COMPONENT32;
}

/* A new nearest-sampled, edge-clamped 3D texture on texture unit `unit`, from tightly packed
 * single-channel `pixels`. Returns the upload's GL error (GL_NO_ERROR on success); the texture is
 * kept either way. Leaves unit 0 active and nothing bound. */
static GLenum
upload_texture_3d (GLenum         unit,
                   GLuint        *texture,
                   GLint          internal_format,
                   const gsize    dims[3],
                   GLenum         format,
                   GLenum         type,
                   gconstpointer  pixels)
{
  GLint alignment = 4;
  GLenum status;

  _evox_gl_drain_errors ();
  glGenTextures (1, texture);
  glActiveTexture (unit);
  glBindTexture (GL_TEXTURE_3D, *texture);
  _evox_gl_set_texture_parameters (GL_TEXTURE_3D);
  glGetIntegerv (GL_UNPACK_ALIGNMENT, &alignment);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage3D (GL_TEXTURE_3D, 0, internal_format, (GLsizei) dims[0], (GLsizei) dims[1],
                (GLsizei) dims[2], 0, format, type, pixels);
  glPixelStorei (GL_UNPACK_ALIGNMENT, alignment);
  status = glGetError ();
  glBindTexture (GL_TEXTURE_3D, 0);
  glActiveTexture (GL_TEXTURE0);
  return status;
}

GLenum
_evox_gl_upload_texture_3d (GLenum         unit,
                            GLuint        *texture,
                            GLint          internal_format,
                            const gsize    dims[3],
                            GLenum         format,
                            GLenum         type,
                            gconstpointer  pixels)
{
  return upload_texture_3d (unit, texture, internal_format, dims, format, type, pixels);
}

/* (Re)fills the nearest-sampled, edge-clamped 2D RGBA texture `*texture` on texture unit `unit`
 * (made on first use) from `pixels`, whose rows are aligned to `unpack_alignment` bytes. Leaves
 * unit 0 active and nothing bound. */
static void
upload_texture_2d (GLenum         unit,
                   GLuint        *texture,
                   GLint          internal_format,
                   GLsizei        width,
                   GLsizei        height,
                   GLenum         type,
                   gconstpointer  pixels,
                   GLint          unpack_alignment)
{
  GLint alignment = 4;

  if (*texture == 0)
    glGenTextures (1, texture);
  glActiveTexture (unit);
  glBindTexture (GL_TEXTURE_2D, *texture);
  _evox_gl_set_texture_parameters (GL_TEXTURE_2D);
  glGetIntegerv (GL_UNPACK_ALIGNMENT, &alignment);
  glPixelStorei (GL_UNPACK_ALIGNMENT, unpack_alignment);
  glTexImage2D (GL_TEXTURE_2D, 0, internal_format, width, height, 0, GL_RGBA, type, pixels);
  glPixelStorei (GL_UNPACK_ALIGNMENT, alignment);
  glBindTexture (GL_TEXTURE_2D, 0);
  glActiveTexture (GL_TEXTURE0);
}

/* The volume with the cluster ids as a second component, so the overlay costs no texture fetch
 * of its own (a second 3D fetch per fragment made overlay frames half again as slow as phase
 * colouring on llvmpipe). u8 values with k <= 255 go as RG8; u8 values with more clusters (each
 * value v stored as 257 v, the same normalized number) and u16 values as RG16; f32 as RG32F
 * with the ids as floats. Interleaved and sent a slab of layers at a time, so the CPU side
 * needs a few MB whatever the volume. */
static GLenum
upload_volume_with_ids (EvoxRenderer *self)
{
  EvoxSampleType sample = evox_volume_get_sample_type (self->volume);
  gconstpointer values = evox_volume_get_data (self->volume, self->channel);
  const guint16 *ids = evox_clusters_get_data (self->clusters);
  gboolean wide = sample == EVOX_SAMPLE_U16 ||
                  (sample == EVOX_SAMPLE_U8 && evox_clusters_get_k (self->clusters) > G_MAXUINT8);
  GLenum format = sample == EVOX_SAMPLE_F32 ? GL_RG32F : wide ? GL_RG16 : GL_RG8;
  GLenum type = sample == EVOX_SAMPLE_F32 ? GL_FLOAT
                : wide ? GL_UNSIGNED_SHORT : GL_UNSIGNED_BYTE;
  gsize texel = sample == EVOX_SAMPLE_F32 ? 8 : wide ? 4 : 2;
  gsize layer = self->dims[0] * self->dims[1];
  gsize slab = MAX ((gsize) 1, ((gsize) 4 << 20) / layer);
  g_autofree guint8 *buffer = g_try_malloc (MIN (slab, self->dims[2]) * layer * texel);
  GLint alignment = 4;
  GLenum status;

  if (buffer == NULL)
    return GL_OUT_OF_MEMORY;
  _evox_gl_drain_errors ();
  glGenTextures (1, &self->res.volume_texture);
  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, self->res.volume_texture);
  _evox_gl_set_texture_parameters (GL_TEXTURE_3D);
  glTexImage3D (GL_TEXTURE_3D, 0, (GLint) format, (GLsizei) self->dims[0],
                (GLsizei) self->dims[1], (GLsizei) self->dims[2], 0, GL_RG, type, NULL);
  status = glGetError ();
  glGetIntegerv (GL_UNPACK_ALIGNMENT, &alignment);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  for (gsize z0 = 0; z0 < self->dims[2] && status == GL_NO_ERROR; z0 += slab)
    {
      gsize nz = MIN (slab, self->dims[2] - z0), first = z0 * layer, n = nz * layer;

      switch (sample)
        {
        case EVOX_SAMPLE_U8:
          for (gsize i = 0; i < n && wide; i++)
            {
              ((guint16 *) buffer)[2 * i] = (guint16) (((const guint8 *) values)[first + i] * 257);
              ((guint16 *) buffer)[2 * i + 1] = ids[first + i];
            }
          for (gsize i = 0; i < n && !wide; i++)
            {
              buffer[2 * i] = ((const guint8 *) values)[first + i];
              buffer[2 * i + 1] = (guint8) ids[first + i];
            }
          break;
        case EVOX_SAMPLE_U16:
          for (gsize i = 0; i < n; i++)
            {
              ((guint16 *) buffer)[2 * i] = ((const guint16 *) values)[first + i];
              ((guint16 *) buffer)[2 * i + 1] = ids[first + i];
            }
          break;
        case EVOX_SAMPLE_F32:
        default:
          for (gsize i = 0; i < n; i++)
            {
              ((float *) buffer)[2 * i] = ((const float *) values)[first + i];
              ((float *) buffer)[2 * i + 1] = ids[first + i];
            }
          break;
        }
      glTexSubImage3D (GL_TEXTURE_3D, 0, 0, 0, (GLint) z0, (GLsizei) self->dims[0],
                       (GLsizei) self->dims[1], (GLsizei) nz, GL_RG, type, buffer);
      status = glGetError ();
    }
  glPixelStorei (GL_UNPACK_ALIGNMENT, alignment);
  glBindTexture (GL_TEXTURE_3D, 0);
  if (status == GL_NO_ERROR)
    {
      self->res.cluster_format = format;
      self->res.cluster_scale = sample == EVOX_SAMPLE_F32 ? 1.0f : wide ? 65535.0f : 255.0f;
      self->res.uploads.clusters++;
    }
  return status;
}

/* A positive integer from the environment, 0 when unset or not one. */
static guint
env_limit (const char *name)
{
  const char *text = g_getenv (name);
  guint64 value = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT32, &value, NULL))
    return 0;
  return (guint) value;
}

/* The largest texture side the volume may use: the GPU's 3D limit, or a smaller one forced
 * (by the renderer's setter first, then EVOX_MAX_TEXTURE_SIZE) so tests can brick tiny
 * volumes. */
static guint
max_texture_size (EvoxRenderer *self)
{
  GLint gpu = 0;
  guint forced = self->forced_max_texture != 0 ? self->forced_max_texture
                                               : env_limit ("EVOX_MAX_TEXTURE_SIZE");

  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &gpu);
  if (forced >= 3 && (gpu <= 0 || forced < (guint) gpu))
    return forced;
  return (guint) MAX (gpu, 3);
}

static void
delete_bricks (EvoxRenderer *self)
{
  _evox_bricks_unrealize (self->res.bricks);
  g_clear_pointer (&self->res.bricks, _evox_bricks_free);
  _evox_bricks_unrealize (self->res.ray_bricks);
  g_clear_pointer (&self->res.ray_bricks, _evox_bricks_free);
  _evox_brick_overlays_unrealize (self->res.brick_overlays);
  g_clear_pointer (&self->res.brick_overlays, _evox_brick_overlays_free);
}

/* Levels computed in a thread are in: the rays can be cast. */
static void
bricks_ready (gpointer data,
              gpointer unused)
{
  g_signal_emit_by_name (EVOX_RENDERER (data), "changed");
}

/* A brick or a plane read from the file failed: the window says why. */
static void
source_read_failed (gpointer data,
                    gpointer message)
{
  g_signal_emit_by_name (EVOX_RENDERER (data), "read-failed", (const char *) message);
}

/* The bricks of self->volume within the budget (forced or EVOX_GPU_BUDGET_MB). */
static EvoxBricks *
new_bricks (EvoxRenderer *self,
            guint         max_size)
{
  guint brick = self->forced_brick_size != 0 ? self->forced_brick_size
                                             : env_limit ("EVOX_BRICK_SIZE");
  guint budget_mb = env_limit ("EVOX_GPU_BUDGET_MB");
  EvoxBricks *bricks;
  gsize budget;

  if (brick == 0)
    brick = EVOX_BRICKS_DEFAULT_SIZE;
  /* Down to a power of two. */
  while (brick & (brick - 1))
    brick &= brick - 1;
  if (budget_mb == 0)
    budget_mb = EVOX_BRICKS_DEFAULT_BUDGET_MB;
  budget = self->forced_budget != 0 ? self->forced_budget : (gsize) budget_mb << 20;
  bricks = _evox_bricks_new (self->volume, self->channel, brick, max_size, budget);
  _evox_bricks_set_ready_func (bricks, bricks_ready, self);
  return bricks;
}

/* Draws the volume from bricks from now on: tiles of its slices at full resolution (or the
 * level the budget allows) and bricks of the pyramid at the levels each view needs for the
 * rays. */
static void
start_bricks (EvoxRenderer *self,
              guint         max_size,
              const char   *why)
{
  self->res.bricks = new_bricks (self, max_size);
  /* The overlays' tiles take the volume's layout: the same brick size, texture size and
   * budget. */
  self->res.brick_overlays =
    _evox_brick_overlays_new (self->volume, _evox_bricks_get_brick_size (self->res.bricks),
                              max_size, _evox_bricks_get_budget (self->res.bricks));
  /* Labels and cluster ids copied in a thread: the canvas draws again when they are in. */
  _evox_brick_overlays_set_ready_func (self->res.brick_overlays, bricks_ready, self);
  g_debug ("A volume of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
           " voxels is %s; it is drawn from bricks of %u voxels (slices in tiles of %"
           G_GSIZE_FORMAT ")", self->dims[0], self->dims[1], self->dims[2], why,
           _evox_bricks_get_brick_size (self->res.bricks),
           _evox_bricks_get_tile_size (self->res.bricks));
}

static void
delete_fullres (EvoxRenderer *self)
{
  if (self->res.fullres == NULL)
    return;
  _evox_fullres_unrealize (self->res.fullres);
  g_clear_pointer (&self->res.fullres, _evox_fullres_free);
}

/* A volume held reduced reads its full-resolution planes for the 2D panes that zoom past it. */
static void
start_fullres (EvoxRenderer *self)
{
  EvoxVoxelSource *source = evox_voxel_source_get_attached (self->volume, NULL);
  guint budget_mb = env_limit ("EVOX_FULLRES_BUDGET_MB");

  if (source == NULL)
    return;
  self->res.fullres = _evox_fullres_new (source, (gsize) (budget_mb != 0
                                                          ? budget_mb
                                                          : EVOX_FULLRES_DEFAULT_BUDGET_MB) << 20);
  /* The same "changed" as levels computed in a thread: the canvas draws again. */
  _evox_fullres_set_ready_func (self->res.fullres, bricks_ready, self);
  _evox_fullres_set_failed_func (self->res.fullres, source_read_failed);
}

/* A volume held reduced at 1:S (S a power of two): its rays take bricks finer than it from the
 * file where the view wants them, through the bricks that draw it, or bricks for the rays
 * alone when it is on the GPU whole (its slices and overlays keep that texture). */
static void
start_file_bricks (EvoxRenderer *self,
                   guint         max_size)
{
  guint scale = 1, levels = 0;
  EvoxVoxelSource *source = evox_voxel_source_get_attached (self->volume, &scale);
  guint budget_mb = env_limit ("EVOX_FILE_BRICKS_BUDGET_MB");
  gboolean modes = g_strcmp0 (evox_volume_get_reduction_kind (self->volume), "modes") == 0;
  EvoxBricks *bricks;
  gsize budget;

  if (source == NULL || scale < 2 || (scale & (scale - 1)) != 0 ||
      (!self->res.volume_on_gpu && self->res.bricks == NULL))
    return;
  while ((1u << levels) < scale)
    levels++;
  if (self->res.bricks == NULL)
    self->res.ray_bricks = new_bricks (self, max_size);
  bricks = self->res.bricks != NULL ? self->res.bricks : self->res.ray_bricks;
  budget = (gsize) (budget_mb != 0 ? budget_mb : EVOX_FILE_BRICKS_DEFAULT_BUDGET_MB) << 20;
  _evox_bricks_set_file (bricks, _evox_file_bricks_new (source, levels, modes,
                                                        _evox_bricks_get_ray_size (bricks),
                                                        budget));
  _evox_file_bricks_set_funcs (_evox_bricks_get_file (bricks), bricks_ready, source_read_failed,
                               self);
}

static void upload_volume_or_bricks (EvoxRenderer *self,
                                     guint        *max_size);

static void
upload_volume (EvoxRenderer *self)
{
  guint max_size = 0;

  upload_volume_or_bricks (self, &max_size);
  if (self->volume != NULL)
    start_file_bricks (self, max_size);
}

static void
upload_volume_or_bricks (EvoxRenderer *self,
                         guint        *max_size_out)
{
  GLint internal_format;
  guint max_size;
  GLenum type, status;

  self->res.volume_dirty = FALSE;
  self->res.volume_on_gpu = FALSE;
  self->res.cluster_format = 0;
  delete_bricks (self);
  delete_fullres (self);
  if (self->res.volume_texture != 0)
    {
      glDeleteTextures (1, &self->res.volume_texture);
      self->res.volume_texture = 0;
    }
  if (self->volume == NULL)
    return;
  start_fullres (self);

  max_size = *max_size_out = max_texture_size (self);
  /* For benchmarks: bricks where one texture would do, the GPU's own limits kept. */
  if (env_limit ("EVOX_FORCE_BRICKS") != 0 || self->forced_max_texture == G_MAXUINT)
    {
      start_bricks (self, max_size, "forced (EVOX_FORCE_BRICKS)");
      return;
    }
  for (guint a = 0; a < 3; a++)
    if (self->dims[a] > (gsize) max_size)
      {
        start_bricks (self, max_size, "larger than the 3D texture size");
        return;
      }

  switch (evox_volume_get_sample_type (self->volume))
    {
    case EVOX_SAMPLE_U8:
      internal_format = GL_R8;
      type = GL_UNSIGNED_BYTE;
      break;
    case EVOX_SAMPLE_U16:
      internal_format = GL_R16;
      type = GL_UNSIGNED_SHORT;
      break;
    case EVOX_SAMPLE_F32:
    default:
      internal_format = GL_R32F;
      type = GL_FLOAT;
      break;
    }

  status = GL_INVALID_OPERATION;
  if (_evox_renderer_clusters_match_volume (self) &&
      (status = upload_volume_with_ids (self)) != GL_NO_ERROR)
    {
      /* Twice the volume's size may not fit where the volume does: show it without clusters. */
      g_warning ("The GPU could not take the volume of %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                 " x %" G_GSIZE_FORMAT " voxels with its cluster labels (%s); clusters are not "
                 "drawn", self->dims[0], self->dims[1], self->dims[2],
                 status == GL_OUT_OF_MEMORY ? "out of memory" : "rejected");
      if (self->res.volume_texture != 0)
        glDeleteTextures (1, &self->res.volume_texture);
      self->res.volume_texture = 0;
    }
  if (status != GL_NO_ERROR)
    status = upload_texture_3d (GL_TEXTURE0, &self->res.volume_texture, internal_format, self->dims,
                                GL_RED, type, evox_volume_get_data (self->volume, self->channel));
  if (status != GL_NO_ERROR)
    {
      glDeleteTextures (1, &self->res.volume_texture);
      self->res.volume_texture = 0;
      _evox_gl_drain_errors ();
      start_bricks (self, max_size, status == GL_OUT_OF_MEMORY ? "more than the GPU's memory"
                                                               : "rejected by the GPU");
      return;
    }
  self->res.volume_on_gpu = TRUE;
  self->res.uploads.volume++;
}

/* The measured scans as one f32 texture, a layer each, so the stack view can draw the ones
 * between grid layers at their own depth. Nothing when the volume has no scans or the GPU
 * refuses: those planes then get their outline only. */
static void
upload_scans (EvoxRenderer *self)
{
  guint n_scans = self->volume != NULL ? evox_volume_get_n_scans (self->volume) : 0;
  gsize layer_size = self->dims[0] * self->dims[1];
  gsize dims[3] = { self->dims[0], self->dims[1], n_scans };
  g_autofree float *values = NULL;
  GLint max_size = 0;

  if (self->res.scan_texture != 0)
    {
      glDeleteTextures (1, &self->res.scan_texture);
      self->res.scan_texture = 0;
    }
  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &max_size);
  /* A bricked volume's scans still go up when they fit: the stack view draws them whole. */
  if (n_scans == 0 || (!self->res.volume_on_gpu && self->res.bricks == NULL) ||
      n_scans > (guint) max_size || self->dims[0] > (gsize) max_size ||
      self->dims[1] > (gsize) max_size)
    return;
  values = g_new (float, layer_size * n_scans);
  for (guint i = 0; i < n_scans; i++)
    memcpy (values + i * layer_size, evox_volume_get_scan (self->volume, i)->values,
            layer_size * sizeof (float));
  if (upload_texture_3d (GL_TEXTURE0, &self->res.scan_texture, GL_R32F, dims, GL_RED, GL_FLOAT,
                         values) != GL_NO_ERROR)
    {
      glDeleteTextures (1, &self->res.scan_texture);
      self->res.scan_texture = 0;
    }
}

static void
upload_colormap (EvoxRenderer *self)
{
  const guint8 (*table)[3] = evox_colormap_get_table (self->colormap);
  guint8 rgba[256 * 4];

  g_assert (table != NULL);
  for (guint i = 0; i < 256; i++)
    {
      memcpy (rgba + 4 * i, table[i], 3);
      rgba[4 * i + 3] = 255;
    }

  upload_texture_2d (GL_TEXTURE1, &self->res.colormap_texture, GL_RGBA8, 256, 1, GL_UNSIGNED_BYTE,
                     rgba, 1);
  self->res.colormap_dirty = FALSE;
  self->res.uploads.colormap++;
}

/* Row i: (lo, hi, visible, 0), (r, g, b, opacity). Always at least one row, so the texture is
 * complete even for an empty list. */
static void
upload_phases (EvoxRenderer *self)
{
  EvoxSampleType type = self->volume != NULL ? evox_volume_get_sample_type (self->volume)
                                             : EVOX_SAMPLE_F32;
  float table[EVOX_RENDERER_MAX_PHASES * 8];
  guint n = self->phases != NULL ? evox_phase_list_get_n_phases (self->phases) : 0;

  self->res.phases_dirty = FALSE;
  if (n > EVOX_RENDERER_MAX_PHASES)
    {
      if (!self->warned_phase_limit)
        g_warning ("Only the first %d of %u phases are shown in the canvas",
                   EVOX_RENDERER_MAX_PHASES, n);
      self->warned_phase_limit = TRUE;
      n = EVOX_RENDERER_MAX_PHASES;
    }

  memset (table, 0, sizeof table);
  for (guint i = 0; i < n; i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (self->phases, i);
      float *row = table + 8 * i;

      /* An empty range comes out with first > last, which no texel matches. */
      evox_sample_type_inner_range (type, evox_phase_get_lo (phase), evox_phase_get_hi (phase),
                                    &row[0], &row[1]);
      row[2] = evox_phase_get_visible (phase) ? 1.0f : 0.0f;
      evox_phase_get_rgba (phase, row + 4);
      row[7] = CLAMP (row[7], 0.0f, 1.0f);
    }
  self->res.n_phase_rows = n;

  upload_texture_2d (GL_TEXTURE2, &self->res.phase_texture, GL_RGBA32F, 2, (GLsizei) MAX (n, 1),
                     GL_FLOAT, table, 4);
  self->res.uploads.phases++;
}

/* The labels in the narrowest unsigned integer format that holds the largest; a copy narrowed
 * on the CPU (one pass) costs less than GPU memory for 32 bits a voxel. */
static void
upload_labels (EvoxRenderer *self)
{
  g_autofree gpointer narrow = NULL;
  const guint32 *data;
  gconstpointer pixels;
  GLint max_size = 0;
  GLenum internal_format = GL_R32UI, type = GL_UNSIGNED_INT, status;
  gsize dims[3], n_voxels;
  guint n_labels;

  self->res.labels_dirty = FALSE;
  if (self->res.label_texture != 0)
    {
      glDeleteTextures (1, &self->res.label_texture);
      self->res.label_texture = 0;
    }
  self->res.label_format = 0;
  memset (self->res.label_dims, 0, sizeof self->res.label_dims);
  /* A bricked volume's labels go up in tiles beside its own (evox-brick-overlays.h). */
  if (self->labels == NULL || self->res.bricks != NULL)
    return;

  evox_labels_get_dims (self->labels, dims);
  glGetIntegerv (GL_MAX_3D_TEXTURE_SIZE, &max_size);
  for (guint a = 0; a < 3; a++)
    if (dims[a] > (gsize) max_size || dims[a] == 0)
      {
        g_warning ("Particles of a %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT
                   " volume cannot be highlighted: larger than this GPU's 3D texture limit "
                   "(%d per side)", dims[0], dims[1], dims[2], max_size);
        return;
      }

  data = evox_labels_get_data (self->labels);
  n_voxels = dims[0] * dims[1] * dims[2];
  n_labels = evox_labels_get_n_particles (self->labels);
  pixels = data;
  if (n_labels <= G_MAXUINT8 && (narrow = g_try_malloc (n_voxels)) != NULL)
    {
      guint8 *out = narrow;

      for (gsize i = 0; i < n_voxels; i++)
        out[i] = (guint8) data[i];
      internal_format = GL_R8UI;
      type = GL_UNSIGNED_BYTE;
      pixels = narrow;
    }
  else if (n_labels <= G_MAXUINT16 && (narrow = g_try_malloc (n_voxels * 2)) != NULL)
    {
      guint16 *out = narrow;

      for (gsize i = 0; i < n_voxels; i++)
        out[i] = (guint16) data[i];
      internal_format = GL_R16UI;
      type = GL_UNSIGNED_SHORT;
      pixels = narrow;
    }

  status = upload_texture_3d (GL_TEXTURE3, &self->res.label_texture, (GLint) internal_format, dims,
                              GL_RED_INTEGER, type, pixels);

  if (status != GL_NO_ERROR)
    {
      g_warning ("The GPU could not take the particle labels of %" G_GSIZE_FORMAT " x %"
                 G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT " voxels (%s); particles are not "
                 "highlighted", dims[0], dims[1], dims[2],
                 status == GL_OUT_OF_MEMORY ? "out of memory" : "rejected");
      glDeleteTextures (1, &self->res.label_texture);
      self->res.label_texture = 0;
      return;
    }
  self->res.label_format = internal_format;
  memcpy (self->res.label_dims, dims, sizeof dims);
  self->res.uploads.labels++;
}

/* The per-label colour table as rows of at most GL_MAX_TEXTURE_SIZE texels. */
static void
upload_label_colors (EvoxRenderer *self)
{
  g_autofree guint8 *table = NULL;
  g_autofree guint8 *padded = NULL;
  gsize n = 0;
  GLint max_size = 0;
  int width, height, shift;

  self->res.label_colors_dirty = FALSE;
  self->res.label_color_width = 0;
  if (self->labels == NULL || self->particle_colors == EVOX_PARTICLE_COLOR_NONE)
    return;
  table = evox_labels_dup_colors (self->labels, self->particle_colors, self->colormap, &n);
  glGetIntegerv (GL_MAX_TEXTURE_SIZE, &max_size);
  /* A power of two wide, so the shader finds a label's texel with a mask and a shift. */
  for (shift = 0; shift < 30 && ((gsize) 1 << shift) < n && (2 << shift) <= max_size; shift++)
    ;
  width = 1 << shift;
  height = (int) ((n + (gsize) width - 1) / (gsize) width);
  if (height > max_size)
    {
      g_warning ("%" G_GSIZE_FORMAT " particle colours do not fit a texture; particles keep the "
                 "colour map", n);
      return;
    }
  padded = g_new0 (guint8, (gsize) width * height * 4);
  memcpy (padded, table, n * 4);
  if (self->res.label_color_texture == 0)
    glGenTextures (1, &self->res.label_color_texture);
  glActiveTexture (GL_TEXTURE4);
  glBindTexture (GL_TEXTURE_2D, self->res.label_color_texture);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, padded);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glActiveTexture (GL_TEXTURE0);
  self->res.label_color_width = width;
  self->res.label_color_shift = shift;
}

/* Colour and weight of every id, 256 a row: id 0 (outside the mask) and hidden clusters have
 * alpha 0 and keep the colour map; while a cluster of this result is selected the others get
 * EVOX_RENDERER_CLUSTER_DIM of the opacity, else every shown cluster gets all of it (255, so
 * nothing selected draws exactly what it drew before selection existed). */
static void
upload_cluster_colors (EvoxRenderer *self)
{
  g_autofree guint8 *table = NULL;
  guint k, rows, selected;

  self->res.cluster_colors_dirty = FALSE;
  if (self->clusters == NULL)
    return;
  k = evox_clusters_get_k (self->clusters);
  selected = self->selected_cluster <= k ? self->selected_cluster : 0;
  rows = (k + 1 + 255) / 256;
  table = g_new0 (guint8, (gsize) rows * 256 * 4);
  for (guint id = 1; id <= k; id++)
    {
      float rgb[3];

      evox_clusters_get_rgb (self->clusters, id, rgb);
      for (guint c = 0; c < 3; c++)
        table[4 * id + c] = (guint8) lrintf (rgb[c] * 255.0f);
      if (!evox_clusters_get_visible (self->clusters, id))
        table[4 * id + 3] = 0;
      else
        table[4 * id + 3] = selected == 0 || selected == id ? 255
                            : (guint8) lrintf (EVOX_RENDERER_CLUSTER_DIM * 255.0f);
    }
  upload_texture_2d (GL_TEXTURE7, &self->res.cluster_color_texture, GL_RGBA8, 256, (GLsizei) rows,
                     GL_UNSIGNED_BYTE, table, 1);
  self->res.uploads.cluster_colors++;
}

void
_evox_render_resources_prepare (EvoxRenderer *self)
{
  /* The bricks' LRU keeps the tiles this frame draws. */
  self->res.brick_frame++;
  if (self->res.volume_dirty)
    {
      gboolean was_bricked = self->res.bricks != NULL;

      upload_volume (self);
      upload_scans (self);
      /* The labels go up whole or in tiles, as the volume does. */
      if (was_bricked != (self->res.bricks != NULL))
        self->res.labels_dirty = TRUE;
    }
  if (self->res.colormap_dirty)
    upload_colormap (self);
  if (self->res.phases_dirty)
    upload_phases (self);
  if (self->res.labels_dirty)
    upload_labels (self);
  if (self->res.label_colors_dirty)
    upload_label_colors (self);
  if (self->res.cluster_colors_dirty)
    upload_cluster_colors (self);
  if (self->surfaces_dirty)
    _evox_mesh_pass_sync (self);
  prepare_rgb (self);
}

/* RGB composite */

gboolean
_evox_render_resources_rgb_wanted (EvoxRenderer *self)
{
  if (self->volume == NULL)
    return FALSE;
  for (guint s = 0; s < 3; s++)
    if (self->rgb.channels[s] >= 0)
      return TRUE;
  return FALSE;
}

/* _evox_render_resources_prepare () has uploaded every used slot's channel. */
gboolean
_evox_render_resources_rgb_on_gpu (EvoxRenderer *self)
{
  return _evox_render_resources_rgb_wanted (self) && !self->rgb.refused &&
         self->rgb.source == self->volume &&
         (self->rgb.uploaded[0] >= 0 || self->rgb.uploaded[1] >= 0 ||
          self->rgb.uploaded[2] >= 0);
}

static void
delete_rgb_textures (EvoxRenderer *self)
{
  for (guint s = 0; s < 3; s++)
    {
      if (self->rgb.textures[s] != 0)
        glDeleteTextures (1, &self->rgb.textures[s]);
      self->rgb.textures[s] = 0;
      self->rgb.uploaded[s] = -1;
    }
}

/* Textures only while the composite is shown, so a volume does not cost three more copies on
 * the GPU the rest of the time; a range change uploads nothing. */
static void
prepare_rgb (EvoxRenderer *self)
{
  EvoxSampleType sample;
  GLint internal_format;
  GLenum type;

  /* A bricked volume's channels go up in tiles beside its own (evox-brick-overlays.h). */
  if (!_evox_render_resources_rgb_wanted (self) || self->res.bricks != NULL)
    {
      delete_rgb_textures (self);
      g_clear_object (&self->rgb.source);
      self->rgb.refused = FALSE;
      return;
    }
  if (self->rgb.source != self->volume)
    {
      delete_rgb_textures (self);
      g_set_object (&self->rgb.source, self->volume);
      self->rgb.refused = FALSE;
    }
  if (self->rgb.refused)
    return;

  sample = evox_volume_get_sample_type (self->volume);
  internal_format = sample == EVOX_SAMPLE_U8 ? GL_R8 : sample == EVOX_SAMPLE_U16 ? GL_R16
                                                                                 : GL_R32F;
  type = sample == EVOX_SAMPLE_U8 ? GL_UNSIGNED_BYTE : sample == EVOX_SAMPLE_U16
                                                       ? GL_UNSIGNED_SHORT : GL_FLOAT;
  for (guint s = 0; s < 3; s++)
    {
      int channel = self->rgb.channels[s];
      GLenum status;

      /* Set for an earlier volume, until the caller sets the slots of this one. */
      if (channel >= (int) evox_volume_get_n_channels (self->volume))
        channel = -1;

      if (self->rgb.uploaded[s] == channel)
        continue;
      if (self->rgb.textures[s] != 0)
        glDeleteTextures (1, &self->rgb.textures[s]);
      self->rgb.textures[s] = 0;
      self->rgb.uploaded[s] = -1;
      if (channel < 0)
        continue;
      status = upload_texture_3d (GL_TEXTURE0 + RGB_TEXTURE_UNIT + s, &self->rgb.textures[s],
                                  internal_format, self->dims, GL_RED, type,
                                  evox_volume_get_data (self->volume, (guint) channel));
      if (status != GL_NO_ERROR)
        {
          g_warning ("The GPU could not take channel %d of the volume for the RGB composite "
                     "(%s); the colour map is drawn instead", channel,
                     status == GL_OUT_OF_MEMORY ? "out of memory" : "rejected");
          delete_rgb_textures (self);
          self->rgb.refused = TRUE;
          return;
        }
      self->rgb.uploaded[s] = channel;
      self->res.uploads.rgb++;
    }
}


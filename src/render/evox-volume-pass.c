/* evox-volume-pass.c: ray casting for the Volume view: programs, opacity table, min/max grid. */
/* SPDX-License-Identifier: BSD-3-Clause */
#define G_LOG_DOMAIN "evox"

#include "config.h"

#include "evox-volume-pass.h"
#include "evox-renderer-state.h"

#include <math.h>
#include <string.h>

/* Decisions:
 *
 * - One full-viewport triangle; each fragment intersects its own ray with the clip box (so a
 *   camera inside the box starts at the near plane), reads the opaque scene's depth and marches
 *   from t0 in fixed steps. Samples sit at t0 + i dt whatever is skipped, so skipping never
 *   moves a sample and cannot change the picture.
 * - Lengths are in nm of the data, not of the z-exaggerated world: the opacity of a layer does
 *   not change when the user stretches the stack to see it.
 * - The volume texture is shared with the slices (nearest sampling); rays bind a sampler object
 *   over it on unit 0, linear for values (smooth iso surfaces and projections), nearest for
 *   phases and cluster ids, which must not be blended across voxels.
 * - The opacity table, the min/max grid and the bricks' "nothing to see" flags are made on the
 *   CPU: the grid once per volume and channel (one pass over the voxels), the table and flags
 *   when what they depend on changed (a few thousand texels and one flag a brick). */

#define CLUSTER_IDS_UNIT 3
#define LUT_UNIT 11
#define BRICKS_UNIT 12
#define EMPTY_UNIT 13
#define DEPTH_UNIT 14
#define PAGES_UNIT 15
/* Interactive frames cast a ray per LOW_RES x LOW_RES pixels and stretch the picture. */
#define LOW_RES 2
/* The opacity table goes up in rows of LUT_WIDTH texels (up to 65536 texels for u16). */
#define LUT_WIDTH 256
#define FLOAT_LUT 4096

#define N_MODES (EVOX_RAY_MODE_LAST + 1)
#define N_SOURCES (EVOX_VOLUME_SOURCE_LAST + 1)

typedef struct
{
  GLint ndc_to_texture, viewport, clip_lo, clip_hi, extent, world_extent, dims, step, unit;
  GLint volume, value_scale, integer, colormap, transfer, a, b, m, valid;
  GLint lut, lut_lo, lut_scale, lut_n, phases, n_phases, cluster_colors, cluster_scale;
  GLint cluster_opacity, opacity_scale, iso_level, saturate, skip, bricks, empty, depth;
  GLint depth_scale, pages, atlas_size, page, brick, grid_offset, cluster_ids;
} RayUniforms;

struct _EvoxVolumePass
{
  /* [bricked]: rays that read the bricks' atlas through its page table (volume.frag's
   * BRICKED), or the volume's one texture. */
  GLuint      programs[N_MODES][N_SOURCES][2];
  gboolean    failed[N_MODES][N_SOURCES][2];
  RayUniforms uniforms[N_MODES][N_SOURCES][2];
  GLuint      empty_vao;
  GLuint      linear_sampler;
  GLuint      nearest_sampler;

  /* The min/max grid and the volume it was made for (a reference, so the pointer cannot be
   * reused by another volume while it is compared). */
  EvoxVolume *bricks_volume;
  guint       bricks_channel;
  float      *bricks;
  gsize       brick_dims[3];
  GLuint      bricks_texture;
  gboolean    bricks_dirty;
  /* Bricked: the grid is one per level from bricks_finest to bricks_coarsest, stacked along z
   * (level l's from grid_offset[l]); the levels' own grids are kept while the volume is. */
  gboolean    bricks_bricked;
  guint       bricks_finest;
  guint       bricks_coarsest;
  int         grid_offset[EVOX_VOLUME_MAX_LEVELS];
  float      *level_grids[EVOX_VOLUME_MAX_LEVELS];
  gsize       level_grid_dims[EVOX_VOLUME_MAX_LEVELS][3];

  /* The opacity table as last uploaded. */
  float      *lut;
  guint       lut_n;
  double      lut_lo;
  double      lut_hi;
  GLuint      lut_texture;

  /* Flags for composite rays: what they were computed from (source, table or phases). */
  guint8     *empty;
  GLuint      empty_texture;
  int         empty_source;     /* -1: not computed */
  double     *empty_phases;     /* lo, hi, visible, opacity of each phase */
  guint       empty_n_phases;
  double      empty_scale;

  GLuint      depth_framebuffer;
  GLuint      depth_texture;
  GLenum      depth_format;
  int         depth_size[2];

  /* The low-resolution picture of interactive frames and the program that stretches it. */
  GLuint      low_framebuffer;
  GLuint      low_texture;
  int         low_size[2];
  GLuint      resolve_program;
  GLint       resolve_image;
  GLint       resolve_viewport;
  gboolean    resolve_failed;

  gboolean    no_skipping;
  gboolean    warned;
};

EvoxVolumePass *
_evox_volume_pass_new (void)
{
  EvoxVolumePass *pass = g_new0 (EvoxVolumePass, 1);

  pass->empty_source = -1;
  pass->bricks_dirty = TRUE;
  return pass;
}

void
_evox_volume_pass_free (EvoxVolumePass *pass)
{
  if (pass == NULL)
    return;
  g_clear_object (&pass->bricks_volume);
  g_free (pass->bricks);
  for (guint l = 0; l < EVOX_VOLUME_MAX_LEVELS; l++)
    g_free (pass->level_grids[l]);
  g_free (pass->lut);
  g_free (pass->empty);
  g_free (pass->empty_phases);
  g_free (pass);
}

static void
delete_texture (GLuint *texture)
{
  if (*texture != 0)
    glDeleteTextures (1, texture);
  *texture = 0;
}

void
_evox_volume_pass_unrealize (EvoxVolumePass *pass)
{
  for (guint m = 0; m < N_MODES; m++)
    for (guint s = 0; s < N_SOURCES; s++)
      for (guint b = 0; b < 2; b++)
        {
          if (pass->programs[m][s][b] != 0)
            glDeleteProgram (pass->programs[m][s][b]);
          pass->programs[m][s][b] = 0;
          pass->failed[m][s][b] = FALSE;
        }
  if (pass->empty_vao != 0)
    glDeleteVertexArrays (1, &pass->empty_vao);
  if (pass->linear_sampler != 0)
    glDeleteSamplers (1, &pass->linear_sampler);
  if (pass->nearest_sampler != 0)
    glDeleteSamplers (1, &pass->nearest_sampler);
  if (pass->depth_framebuffer != 0)
    glDeleteFramebuffers (1, &pass->depth_framebuffer);
  if (pass->low_framebuffer != 0)
    glDeleteFramebuffers (1, &pass->low_framebuffer);
  if (pass->resolve_program != 0)
    glDeleteProgram (pass->resolve_program);
  pass->empty_vao = pass->linear_sampler = pass->nearest_sampler = 0;
  pass->depth_framebuffer = pass->low_framebuffer = pass->resolve_program = 0;
  pass->resolve_failed = FALSE;
  pass->low_size[0] = pass->low_size[1] = 0;
  delete_texture (&pass->low_texture);
  delete_texture (&pass->bricks_texture);
  delete_texture (&pass->lut_texture);
  delete_texture (&pass->empty_texture);
  delete_texture (&pass->depth_texture);
  pass->depth_format = 0;
  pass->depth_size[0] = pass->depth_size[1] = 0;
  /* Everything goes up again into the next context. */
  pass->bricks_dirty = TRUE;
  pass->lut_n = 0;
  pass->empty_source = -1;
}

/* CPU side: the min/max grid, the opacity table's domain */

/* Widens range[0..1] (min, max) by lo, hi. */
static inline void
widen (float *range,
       float  lo,
       float  hi)
{
  range[0] = MIN (range[0], lo);
  range[1] = MAX (range[1], hi);
}

float *
_evox_volume_bricks_new (EvoxVolume *volume,
                         guint       channel,
                         gsize       bricks[3])
{
  const gsize B = EVOX_VOLUME_BRICK;
  EvoxSampleType type = evox_volume_get_sample_type (volume);
  gconstpointer data = evox_volume_get_data (volume, channel);
  gsize dims[3], layer;
  g_autofree float *rows = NULL;
  g_autofree float *plane = NULL;
  float *grid;

  evox_volume_get_dims (volume, dims);
  for (guint a = 0; a < 3; a++)
    bricks[a] = (dims[a] + B - 1) / B;
  layer = bricks[0] * bricks[1];

  /* A trilinear sample in a brick reads voxels from one before the brick to one after it on
   * each axis: the box of those voxels is reduced one axis at a time, a z plane at a time (x
   * from the voxels into `rows`, then y into `plane`, which widens the bricks of the layers that
   * plane belongs to). Non-finite voxels count as -inf and +inf at once. */
  rows = g_new (float, 2 * dims[1] * bricks[0]);
  plane = g_new (float, 2 * layer);
  grid = g_new (float, 2 * layer * bricks[2]);
  for (gsize i = 0; i < layer * bricks[2]; i++)
    {
      grid[2 * i] = INFINITY;
      grid[2 * i + 1] = -INFINITY;
    }
  for (gsize z = 0; z < dims[2]; z++)
    {
      for (gsize y = 0; y < dims[1]; y++)
        for (gsize b = 0; b < bricks[0]; b++)
          {
            gsize first = b * B > 0 ? b * B - 1 : 0, last = MIN ((b + 1) * B, dims[0] - 1);
            gsize row = (z * dims[1] + y) * dims[0];
            float lo = INFINITY, hi = -INFINITY;

            for (gsize x = first; x <= last; x++)
              {
                float v = (float) evox_sample_get (data, type, row + x);

                if (!isfinite (v))
                  {
                    lo = -INFINITY;
                    hi = INFINITY;
                    break;
                  }
                lo = MIN (lo, v);
                hi = MAX (hi, v);
              }
            rows[2 * (y * bricks[0] + b)] = lo;
            rows[2 * (y * bricks[0] + b) + 1] = hi;
          }
      for (gsize b = 0; b < bricks[1]; b++)
        {
          gsize first = b * B > 0 ? b * B - 1 : 0, last = MIN ((b + 1) * B, dims[1] - 1);
          float *out = plane + 2 * b * bricks[0];

          for (gsize i = 0; i < bricks[0]; i++)
            {
              out[2 * i] = INFINITY;
              out[2 * i + 1] = -INFINITY;
            }
          for (gsize y = first; y <= last; y++)
            for (gsize i = 0; i < bricks[0]; i++)
              widen (out + 2 * i, rows[2 * (y * bricks[0] + i)],
                     rows[2 * (y * bricks[0] + i) + 1]);
        }
      /* Plane z belongs to its own layer, to the next one when it is the last of its layer and
       * to the previous one when it is the first. */
      for (gsize k = z / B > 0 ? z / B - 1 : 0; k <= MIN (z / B + 1, bricks[2] - 1); k++)
        {
          if (z + 1 < k * B || z > (k + 1) * B)
            continue;
          for (gsize i = 0; i < layer; i++)
            widen (grid + 2 * (k * layer + i), plane[2 * i], plane[2 * i + 1]);
        }
    }
  return grid;
}

void
_evox_volume_lut_domain (EvoxVolume *volume,
                         guint       channel,
                         double     *lo,
                         double     *hi,
                         guint      *n)
{
  const EvoxStats *stats = evox_volume_get_stats (volume, channel);
  double min = 0.0, max = 1.0;

  if (stats != NULL && stats->n_finite > 0)
    {
      min = stats->min;
      max = stats->max;
    }
  if (evox_volume_get_sample_type (volume) != EVOX_SAMPLE_F32)
    {
      /* One texel per stored value, so the table is the curve itself at every value (at most
       * 65536 for u16). */
      *lo = min;
      *hi = MAX (max, min + 1);
      *n = (guint) (*hi - *lo) + 1;
      return;
    }
  *lo = min;
  *hi = max > min ? max : min + 1;
  *n = FLOAT_LUT;
}

/* GL side */

static GLuint
get_program (EvoxVolumePass *pass,
             EvoxRayMode     mode,
             EvoxVolumeSource source,
             gboolean        bricked)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *defines = NULL;
  RayUniforms *u = &pass->uniforms[mode][source][bricked];
  GLuint program;

  if (pass->programs[mode][source][bricked] != 0 || pass->failed[mode][source][bricked])
    return pass->programs[mode][source][bricked];

  defines = g_strdup_printf ("#define MODE %d\n#define SOURCE %d\n#define BRICKED %d\n",
                             (int) mode, (int) source, (int) bricked);
  program = _evox_gl_link_program ("volume", "volume.vert", NULL, "volume.frag", defines,
                                   &error);
  if (program == 0)
    {
      pass->failed[mode][source][bricked] = TRUE;
      if (!pass->warned)
        g_warning ("Volume rendering is not available: %s", error->message);
      pass->warned = TRUE;
      return 0;
    }
  pass->programs[mode][source][bricked] = program;

#define RAY_UNIFORM(field, name) u->field = glGetUniformLocation (program, name)
  RAY_UNIFORM (ndc_to_texture, "u_ndc_to_texture");
  RAY_UNIFORM (viewport, "u_viewport");
  RAY_UNIFORM (clip_lo, "u_clip_lo");
  RAY_UNIFORM (clip_hi, "u_clip_hi");
  RAY_UNIFORM (extent, "u_extent");
  RAY_UNIFORM (world_extent, "u_world_extent");
  RAY_UNIFORM (dims, "u_dims");
  RAY_UNIFORM (step, "u_step");
  RAY_UNIFORM (unit, "u_unit");
  RAY_UNIFORM (volume, "u_volume");
  RAY_UNIFORM (value_scale, "u_value_scale");
  RAY_UNIFORM (integer, "u_integer");
  RAY_UNIFORM (colormap, "u_colormap");
  RAY_UNIFORM (transfer, "u_transfer");
  RAY_UNIFORM (a, "u_a");
  RAY_UNIFORM (b, "u_b");
  RAY_UNIFORM (m, "u_m");
  RAY_UNIFORM (valid, "u_valid");
  RAY_UNIFORM (lut, "u_lut");
  RAY_UNIFORM (lut_lo, "u_lut_lo");
  RAY_UNIFORM (lut_scale, "u_lut_scale");
  RAY_UNIFORM (lut_n, "u_lut_n");
  RAY_UNIFORM (phases, "u_phases");
  RAY_UNIFORM (n_phases, "u_n_phases");
  RAY_UNIFORM (cluster_colors, "u_cluster_colors");
  RAY_UNIFORM (cluster_scale, "u_cluster_scale");
  RAY_UNIFORM (cluster_opacity, "u_cluster_opacity");
  RAY_UNIFORM (opacity_scale, "u_opacity_scale");
  RAY_UNIFORM (iso_level, "u_iso_level");
  RAY_UNIFORM (saturate, "u_saturate");
  RAY_UNIFORM (skip, "u_skip");
  RAY_UNIFORM (bricks, "u_bricks");
  RAY_UNIFORM (empty, "u_empty");
  RAY_UNIFORM (depth, "u_depth");
  RAY_UNIFORM (depth_scale, "u_depth_scale");
  RAY_UNIFORM (pages, "u_pages");
  RAY_UNIFORM (cluster_ids, "u_cluster_ids");
  RAY_UNIFORM (atlas_size, "u_atlas_size");
  RAY_UNIFORM (page, "u_page");
  RAY_UNIFORM (brick, "u_brick");
  RAY_UNIFORM (grid_offset, "u_grid_offset");
#undef RAY_UNIFORM
  glUseProgram (program);
  glUniform1i (u->volume, 0);
  glUniform1i (u->colormap, 1);
  glUniform1i (u->phases, 2);
  glUniform1i (u->cluster_colors, 7);
  glUniform1i (u->lut, LUT_UNIT);
  glUniform1i (u->bricks, BRICKS_UNIT);
  glUniform1i (u->empty, EMPTY_UNIT);
  glUniform1i (u->depth, DEPTH_UNIT);
  glUniform1i (u->pages, PAGES_UNIT);
  glUniform1i (u->cluster_ids, CLUSTER_IDS_UNIT);
  glUseProgram (0);
  return program;
}

/* (Re)fills `*texture` on `unit`, made on first use; leaves unit 0 active. */
static void
upload_texture (GLenum         target,
                guint          unit,
                GLuint        *texture,
                GLint          internal_format,
                const gsize    size[3],
                GLenum         format,
                GLenum         type,
                gconstpointer  pixels,
                gboolean       linear)
{
  GLint alignment = 4;
  GLint filter = linear ? GL_LINEAR : GL_NEAREST;

  if (*texture == 0)
    glGenTextures (1, texture);
  glActiveTexture (GL_TEXTURE0 + unit);
  glBindTexture (target, *texture);
  glTexParameteri (target, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri (target, GL_TEXTURE_MAG_FILTER, filter);
  glTexParameteri (target, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (target, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexParameteri (target, GL_TEXTURE_WRAP_R, GL_CLAMP_TO_EDGE);
  glTexParameteri (target, GL_TEXTURE_BASE_LEVEL, 0);
  glTexParameteri (target, GL_TEXTURE_MAX_LEVEL, 0);
  glGetIntegerv (GL_UNPACK_ALIGNMENT, &alignment);
  glPixelStorei (GL_UNPACK_ALIGNMENT, 1);
  if (target == GL_TEXTURE_3D)
    glTexImage3D (target, 0, internal_format, (GLsizei) size[0], (GLsizei) size[1],
                  (GLsizei) size[2], 0, format, type, pixels);
  else
    glTexImage2D (target, 0, internal_format, (GLsizei) size[0], (GLsizei) size[1], 0, format,
                  type, pixels);
  glPixelStorei (GL_UNPACK_ALIGNMENT, alignment);
  glBindTexture (target, 0);
  glActiveTexture (GL_TEXTURE0);
}

static void
upload_bricks (EvoxVolumePass *pass)
{
  upload_texture (GL_TEXTURE_3D, BRICKS_UNIT, &pass->bricks_texture, GL_RG32F, pass->brick_dims,
                  GL_RG, GL_FLOAT, pass->bricks, FALSE);
  pass->bricks_dirty = FALSE;
}

/* Forgets the levels' grids when the volume or channel changes. */
static void
set_bricks_volume (EvoxVolumePass *pass,
                   EvoxVolume     *volume,
                   guint           channel)
{
  if (pass->bricks_volume != volume || pass->bricks_channel != channel)
    for (guint l = 0; l < EVOX_VOLUME_MAX_LEVELS; l++)
      g_clear_pointer (&pass->level_grids[l], g_free);
  g_set_object (&pass->bricks_volume, volume);
  pass->bricks_channel = channel;
  pass->empty_source = -1;
}

static void
sync_bricks (EvoxVolumePass *pass,
             EvoxVolume     *volume,
             guint           channel)
{
  if (pass->bricks_volume == volume && pass->bricks_channel == channel && pass->bricks != NULL &&
      !pass->bricks_bricked)
    {
      if (pass->bricks_dirty)
        upload_bricks (pass);
      return;
    }
  set_bricks_volume (pass, volume, channel);
  pass->bricks_bricked = FALSE;
  g_free (pass->bricks);
  pass->bricks = _evox_volume_bricks_new (volume, channel, pass->brick_dims);
  upload_bricks (pass);
}

/* A bricked volume's min/max grids: level l's made from the level itself (so it bounds every
 * trilinear sample the rays take from that level's bricks), those of the levels the view uses
 * stacked along z over the finest one's x and y; cells a coarser level lacks hold nothing
 * (+inf, -inf) and are never read. */
static void
sync_level_bricks (EvoxVolumePass      *pass,
                   EvoxVolume          *volume,
                   guint                channel,
                   EvoxBricks          *bricks,
                   const EvoxBrickRays *rays)
{
  gsize *first, layer, depth = 0;

  if (pass->bricks_volume == volume && pass->bricks_channel == channel && pass->bricks != NULL &&
      pass->bricks_bricked && pass->bricks_finest == rays->finest &&
      pass->bricks_coarsest == rays->coarsest)
    {
      if (pass->bricks_dirty)
        upload_bricks (pass);
      return;
    }
  set_bricks_volume (pass, volume, channel);
  pass->bricks_bricked = TRUE;
  pass->bricks_finest = rays->finest;
  pass->bricks_coarsest = rays->coarsest;
  memset (pass->grid_offset, 0, sizeof pass->grid_offset);
  /* (Levels below file_levels have no grid: their plans cast rays without skipping.) */
  for (guint l = rays->finest; l <= rays->coarsest; l++)
    {
      if (pass->level_grids[l] == NULL)
        pass->level_grids[l] =
          _evox_volume_bricks_new (_evox_bricks_get_level (bricks, l - rays->file_levels),
                                   l == rays->file_levels ? channel : 0,
                                   pass->level_grid_dims[l]);
      pass->grid_offset[l] = (int) depth;
      depth += pass->level_grid_dims[l][2];
    }
  first = pass->level_grid_dims[rays->finest];
  pass->brick_dims[0] = first[0];
  pass->brick_dims[1] = first[1];
  pass->brick_dims[2] = depth;
  layer = first[0] * first[1];
  g_free (pass->bricks);
  pass->bricks = g_new (float, 2 * layer * depth);
  for (gsize i = 0; i < layer * depth; i++)
    {
      pass->bricks[2 * i] = INFINITY;
      pass->bricks[2 * i + 1] = -INFINITY;
    }
  for (guint l = rays->finest; l <= rays->coarsest; l++)
    {
      const gsize *d = pass->level_grid_dims[l];

      for (gsize k = 0; k < d[2]; k++)
        for (gsize j = 0; j < d[1]; j++)
          memcpy (pass->bricks + 2 * (((gsize) pass->grid_offset[l] + k) * layer + j * first[0]),
                  pass->level_grids[l] + 2 * (k * d[1] + j) * d[0], 2 * d[0] * sizeof (float));
    }
  upload_bricks (pass);
}

/* The opacity table of the style over the data's range; TRUE when it changed. */
static gboolean
sync_lut (EvoxVolumePass  *pass,
          EvoxVolume      *volume,
          guint            channel,
          EvoxVolumeStyle *style)
{
  double lo, hi;
  guint n;
  g_autofree float *lut = NULL;
  gsize size[3];

  _evox_volume_lut_domain (volume, channel, &lo, &hi, &n);
  lut = g_new (float, n);
  evox_volume_style_sample (style, lo, hi, n, lut);
  if (pass->lut_texture != 0 && pass->lut_n == n && pass->lut_lo == lo && pass->lut_hi == hi &&
      memcmp (pass->lut, lut, n * sizeof (float)) == 0)
    return FALSE;
  g_free (pass->lut);
  pass->lut = g_steal_pointer (&lut);
  pass->lut_n = n;
  pass->lut_lo = lo;
  pass->lut_hi = hi;
  {
    /* Rows of LUT_WIDTH texels (see volume.frag), the last one padded. */
    g_autofree float *rows = NULL;

    size[0] = LUT_WIDTH;
    size[1] = (n + LUT_WIDTH - 1) / LUT_WIDTH;
    size[2] = 1;
    rows = g_new0 (float, size[0] * size[1]);
    memcpy (rows, pass->lut, n * sizeof (float));
    upload_texture (GL_TEXTURE_2D, LUT_UNIT, &pass->lut_texture, GL_R32F, size, GL_RED,
                    GL_FLOAT, rows, FALSE);
  }
  return TRUE;
}

/* The phases as the flags see them; TRUE when they differ from the last flags' phases. */
static gboolean
phases_changed (EvoxVolumePass *pass,
                EvoxPhaseList  *phases)
{
  guint n = phases != NULL ? evox_phase_list_get_n_phases (phases) : 0;
  g_autofree double *key = g_new0 (double, 4 * MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      EvoxPhase *phase = evox_phase_list_get_phase (phases, i);

      key[4 * i] = evox_phase_get_lo (phase);
      key[4 * i + 1] = evox_phase_get_hi (phase);
      key[4 * i + 2] = evox_phase_get_visible (phase);
      key[4 * i + 3] = evox_phase_get_opacity (phase);
    }
  if (pass->empty_phases != NULL && pass->empty_n_phases == n &&
      memcmp (pass->empty_phases, key, 4 * n * sizeof (double)) == 0)
    return FALSE;
  g_free (pass->empty_phases);
  pass->empty_phases = g_steal_pointer (&key);
  pass->empty_n_phases = n;
  return TRUE;
}

/* Whether composite rays see nothing in each brick: for the colour map, no table texel that
 * a value in the brick's range reads (with its neighbour, for the linear lookup) is above 0;
 * for phases, no visible phase of some opacity overlaps the range. */
static void
sync_empty (EvoxVolumePass   *pass,
            EvoxVolumeSource  source,
            gboolean          lut_changed,
            EvoxPhaseList    *phases,
            double            opacity_scale)
{
  gsize n = pass->brick_dims[0] * pass->brick_dims[1] * pass->brick_dims[2];
  gboolean phases_new = source == EVOX_VOLUME_SOURCE_PHASES && phases_changed (pass, phases);

  if (pass->empty_source == (int) source && !lut_changed && !phases_new &&
      (source != EVOX_VOLUME_SOURCE_PHASES || pass->empty_scale == opacity_scale))
    return;
  pass->empty_source = (int) source;
  pass->empty_scale = opacity_scale;
  g_free (pass->empty);
  pass->empty = g_new0 (guint8, MAX (n, 1));

  if (source == EVOX_VOLUME_SOURCE_COLORMAP)
    {
      /* nonzero[i]: texels above 0 before index i. */
      g_autofree guint *nonzero = g_new (guint, pass->lut_n + 1);
      double scale = (pass->lut_n - 1) / (pass->lut_hi - pass->lut_lo);

      nonzero[0] = 0;
      for (guint i = 0; i < pass->lut_n; i++)
        nonzero[i + 1] = nonzero[i] + (pass->lut[i] > 0.0f);
      for (gsize b = 0; b < n; b++)
        {
          double lo = pass->bricks[2 * b], hi = pass->bricks[2 * b + 1];
          double first, last;

          if (lo > hi)
            {
              pass->empty[b] = 255;   /* nothing finite at all */
              continue;
            }
          first = floor ((lo - pass->lut_lo) * scale) - 1;
          last = ceil ((hi - pass->lut_lo) * scale) + 1;
          first = CLAMP (first, 0.0, (double) pass->lut_n - 1);
          last = CLAMP (last, 0.0, (double) pass->lut_n - 1);
          pass->empty[b] = nonzero[(guint) last + 1] == nonzero[(guint) first] ? 255 : 0;
        }
    }
  else if (source == EVOX_VOLUME_SOURCE_PHASES)
    {
      for (gsize b = 0; b < n; b++)
        {
          double lo = pass->bricks[2 * b], hi = pass->bricks[2 * b + 1];
          gboolean seen = FALSE;

          for (guint i = 0; i < pass->empty_n_phases && !seen && lo <= hi; i++)
            {
              const double *phase = pass->empty_phases + 4 * i;

              seen = phase[2] > 0.5 && phase[3] * opacity_scale > 0 &&
                     phase[0] <= hi && lo <= phase[1];
            }
          pass->empty[b] = seen ? 0 : 255;
        }
    }
  upload_texture (GL_TEXTURE_3D, EMPTY_UNIT, &pass->empty_texture, GL_R8, pass->brick_dims,
                  GL_RED, GL_UNSIGNED_BYTE, pass->empty, FALSE);
}

static void
depth_texture_format (GLenum  internal_format,
                      GLenum *format,
                      GLenum *type,
                      GLenum *attachment)
{
  *attachment = GL_DEPTH_ATTACHMENT;
  *format = GL_DEPTH_COMPONENT;
  switch (internal_format)
    {
    case GL_DEPTH24_STENCIL8:
      *format = GL_DEPTH_STENCIL;
      *type = GL_UNSIGNED_INT_24_8;
      *attachment = GL_DEPTH_STENCIL_ATTACHMENT;
      break;
    case GL_DEPTH32F_STENCIL8:
      *format = GL_DEPTH_STENCIL;
      *type = GL_FLOAT_32_UNSIGNED_INT_24_8_REV;
      *attachment = GL_DEPTH_STENCIL_ATTACHMENT;
      break;
    case GL_DEPTH_COMPONENT32F:
      *type = GL_FLOAT;
      break;
    case GL_DEPTH_COMPONENT16:
      *type = GL_UNSIGNED_SHORT;
      break;
    default:
      *type = GL_UNSIGNED_INT;
      break;
    }
}

/* Copies the opaque scene's depth under the view into the pass's depth texture (1 everywhere
 * when the framebuffer has none or it cannot be copied). Leaves the caller's framebuffers
 * bound. */
static void
grab_depth (EvoxVolumePass *pass,
            const int       offset[2],
            const int       viewport[2],
            GLenum          depth_format)
{
  static const float far = 1.0f;
  GLenum internal_format = depth_format != 0 ? depth_format : GL_DEPTH_COMPONENT24;
  GLint caller_draw = 0, caller_read = 0;
  gboolean scissor = glIsEnabled (GL_SCISSOR_TEST);
  gboolean copied = FALSE;

  glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &caller_draw);
  glGetIntegerv (GL_READ_FRAMEBUFFER_BINDING, &caller_read);
  if (pass->depth_texture == 0 || pass->depth_format != internal_format ||
      pass->depth_size[0] != viewport[0] || pass->depth_size[1] != viewport[1])
    {
      GLenum format, type, attachment;

      depth_texture_format (internal_format, &format, &type, &attachment);
      delete_texture (&pass->depth_texture);
      if (pass->depth_framebuffer == 0)
        glGenFramebuffers (1, &pass->depth_framebuffer);
      glGenTextures (1, &pass->depth_texture);
      glActiveTexture (GL_TEXTURE0 + DEPTH_UNIT);
      glBindTexture (GL_TEXTURE_2D, pass->depth_texture);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
      glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, 0);
      glTexImage2D (GL_TEXTURE_2D, 0, (GLint) internal_format, viewport[0], viewport[1], 0,
                    format, type, NULL);
      glBindTexture (GL_TEXTURE_2D, 0);
      glActiveTexture (GL_TEXTURE0);
      /* Both bindings: glReadBuffer sets the read framebuffer's. */
      glBindFramebuffer (GL_FRAMEBUFFER, pass->depth_framebuffer);
      glFramebufferTexture2D (GL_FRAMEBUFFER, GL_DEPTH_STENCIL_ATTACHMENT, GL_TEXTURE_2D, 0, 0);
      glFramebufferTexture2D (GL_FRAMEBUFFER, attachment, GL_TEXTURE_2D, pass->depth_texture, 0);
      glDrawBuffer (GL_NONE);
      glReadBuffer (GL_NONE);
      glBindFramebuffer (GL_READ_FRAMEBUFFER, (GLuint) caller_read);
      pass->depth_format = internal_format;
      pass->depth_size[0] = viewport[0];
      pass->depth_size[1] = viewport[1];
    }

  /* The blit and the clear are clipped by the scissor, which is the caller's view. */
  glDisable (GL_SCISSOR_TEST);
  while (glGetError () != GL_NO_ERROR)
    ;
  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, pass->depth_framebuffer);
  if (depth_format != 0 &&
      glCheckFramebufferStatus (GL_DRAW_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE)
    {
      glBindFramebuffer (GL_READ_FRAMEBUFFER, (GLuint) caller_draw);
      glBlitFramebuffer (offset[0], offset[1], offset[0] + viewport[0], offset[1] + viewport[1],
                         0, 0, viewport[0], viewport[1], GL_DEPTH_BUFFER_BIT, GL_NEAREST);
      copied = glGetError () == GL_NO_ERROR;
    }
  if (!copied)
    glClearBufferfv (GL_DEPTH, 0, &far);
  while (glGetError () != GL_NO_ERROR)
    ;
  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) caller_draw);
  glBindFramebuffer (GL_READ_FRAMEBUFFER, (GLuint) caller_read);
  if (scissor)
    glEnable (GL_SCISSOR_TEST);
}

/* Binds the low-resolution target of a view of `size` pixels for drawing, (re)made when the
 * size changed; its size goes to low_size. FALSE when this GL cannot make it. */
static gboolean
bind_low_target (EvoxVolumePass *pass,
                 const int       size[2],
                 int             low_size[2])
{
  static const GLenum colour = GL_COLOR_ATTACHMENT0;

  low_size[0] = (size[0] + LOW_RES - 1) / LOW_RES;
  low_size[1] = (size[1] + LOW_RES - 1) / LOW_RES;
  if (pass->low_framebuffer != 0 && pass->low_size[0] == low_size[0] &&
      pass->low_size[1] == low_size[1])
    {
      glBindFramebuffer (GL_DRAW_FRAMEBUFFER, pass->low_framebuffer);
      return TRUE;
    }
  delete_texture (&pass->low_texture);
  if (pass->low_framebuffer == 0)
    glGenFramebuffers (1, &pass->low_framebuffer);
  glGenTextures (1, &pass->low_texture);
  glBindTexture (GL_TEXTURE_2D, pass->low_texture);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexParameteri (GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, 0);
  glTexImage2D (GL_TEXTURE_2D, 0, GL_RGBA8, low_size[0], low_size[1], 0, GL_RGBA,
                GL_UNSIGNED_BYTE, NULL);
  glBindTexture (GL_TEXTURE_2D, 0);
  glBindFramebuffer (GL_DRAW_FRAMEBUFFER, pass->low_framebuffer);
  glFramebufferTexture2D (GL_DRAW_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D,
                          pass->low_texture, 0);
  glDrawBuffers (1, &colour);
  if (glCheckFramebufferStatus (GL_DRAW_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
    {
      pass->low_size[0] = pass->low_size[1] = 0;
      return FALSE;
    }
  pass->low_size[0] = low_size[0];
  pass->low_size[1] = low_size[1];
  return TRUE;
}

static GLuint
get_resolve_program (EvoxVolumePass *pass)
{
  g_autoptr(GError) error = NULL;

  if (pass->resolve_program != 0 || pass->resolve_failed)
    return pass->resolve_program;
  pass->resolve_program = _evox_gl_link_program ("volume-resolve", "composite.vert", NULL,
                                                 "volume-resolve.frag", NULL, &error);
  if (pass->resolve_program == 0)
    {
      g_warning ("Interactive volume frames are drawn at full resolution: %s", error->message);
      pass->resolve_failed = TRUE;
      return 0;
    }
  pass->resolve_image = glGetUniformLocation (pass->resolve_program, "u_image");
  pass->resolve_viewport = glGetUniformLocation (pass->resolve_program, "u_viewport");
  return pass->resolve_program;
}

/* Inverse of a column-major 4x4 matrix in doubles (Gauss-Jordan with partial pivoting): float
 * inverses of perspective matrices over boxes of tens of micrometres lose the rays' ends. */
static gboolean
invert (const double m[16],
        double       inverse[16])
{
  double a[4][8];

  for (guint r = 0; r < 4; r++)
    for (guint c = 0; c < 4; c++)
      {
        a[r][c] = m[c * 4 + r];
        a[r][c + 4] = r == c ? 1.0 : 0.0;
      }
  for (guint c = 0; c < 4; c++)
    {
      guint pivot = c;

      for (guint r = c + 1; r < 4; r++)
        if (fabs (a[r][c]) > fabs (a[pivot][c]))
          pivot = r;
      if (a[pivot][c] == 0.0)
        return FALSE;
      for (guint k = 0; k < 8; k++)
        {
          double t = a[c][k];

          a[c][k] = a[pivot][k];
          a[pivot][k] = t;
        }
      for (guint k = 7; k != G_MAXUINT; k--)
        a[c][k] /= a[c][c];
      for (guint r = 0; r < 4; r++)
        if (r != c && a[r][c] != 0.0)
          {
            double f = a[r][c];

            for (guint k = 0; k < 8; k++)
              a[r][k] -= f * a[c][k];
          }
    }
  for (guint r = 0; r < 4; r++)
    for (guint c = 0; c < 4; c++)
      inverse[c * 4 + r] = a[r][c + 4];
  return TRUE;
}

static double
smallest_spacing (EvoxVolume *volume)
{
  double spacing[3], unit = G_MAXDOUBLE;

  evox_volume_get_spacing (volume, spacing);
  for (guint a = 0; a < 3; a++)
    if (spacing[a] > 0 && isfinite (spacing[a]))
      unit = MIN (unit, spacing[a]);
  return unit == G_MAXDOUBLE ? 1.0 : unit;
}

static void
get_extent (EvoxVolume *volume,
            double      extent[3])
{
  gsize dims[3];
  double spacing[3];

  evox_volume_get_dims (volume, dims);
  evox_volume_get_spacing (volume, spacing);
  for (guint a = 0; a < 3; a++)
    extent[a] = (double) dims[a] * (spacing[a] > 0 && isfinite (spacing[a]) ? spacing[a] : 1.0);
}

/* The source the rays use: clusters without ids on the GPU fall back to the colour map. */
static EvoxVolumeSource
effective_source (const EvoxVolumeScene *scene)
{
  EvoxVolumeSource source = evox_volume_style_get_source (scene->style);

  if (source == EVOX_VOLUME_SOURCE_CLUSTERS && scene->clusters == NULL)
    return EVOX_VOLUME_SOURCE_COLORMAP;
  return source;
}

/* Where mip (minip) rays may stop: the smallest (largest) value from which on every larger
 * (smaller) value takes the colour it takes, or the volume's largest (smallest) value. a and b
 * are the colour map's ends on the transfer's axis, as the shader gets them; the colour index is
 * floor (t 255 + 1/2), constant for t from 254.5/255 up and 0.5/255 down: the stop leaves a
 * quarter of an index of margin, so float rounding in the shader cannot tell the values apart. */
static double
saturation (const EvoxVolumeScene *scene,
            EvoxRayMode            mode,
            EvoxVolumeSource       source,
            EvoxTransfer           transfer,
            double                 a,
            double                 b,
            double                 m,
            gboolean               beyond_stats)
{
  const EvoxStats *stats = evox_volume_get_stats (scene->volume, scene->channel);
  gboolean top = mode == EVOX_RAY_MIP;
  double limit = top ? INFINITY : -INFINITY, w, t, v;

  /* A reduced volume's statistics do not bound its file's voxels (block means narrow the
   * range), which the rays read beyond_stats. */
  if (stats != NULL && stats->n_finite > 0 && !beyond_stats)
    limit = top ? stats->max : stats->min;
  /* Phases have no colour map; the log axis hides values <= 0 that a minip could still reach. */
  if (source == EVOX_VOLUME_SOURCE_PHASES || !isfinite (a) || !isfinite (b) ||
      (!top && transfer == EVOX_TRANSFER_LOG10))
    return limit;
  /* t grows with the value when b > a: the top end saturates at t = 1, the bottom at 0. */
  if (b == a)
    return limit;
  t = (top == (b > a)) ? 254.75 / 255.0 : 0.25 / 255.0;
  w = a + (b - a) * t;
  if (transfer == EVOX_TRANSFER_LOG10)
    v = pow (10.0, w);
  else if (transfer == EVOX_TRANSFER_EXP10)
    {
      if (!(w > 0))
        return limit;
      v = log10 (w) + m;
    }
  else
    v = w;
  if (!isfinite (v))
    return limit;
  return top ? MIN (limit, v) : MAX (limit, v);
}

gboolean
_evox_volume_pass_draw (EvoxVolumePass           *pass,
                        const EvoxVolumeScene    *scene,
                        const EvoxVolumeTextures *textures,
                        const float               mvp[16],
                        const int                 offset[2],
                        const int                 viewport[2],
                        GLenum                    depth_format)
{
  EvoxVolumeStyle *style = scene->style;
  EvoxRayMode mode = evox_volume_style_get_mode (style);
  EvoxVolumeSource source = effective_source (scene);
  EvoxSampleType sample = evox_volume_get_sample_type (scene->volume);
  EvoxTransfer transfer = evox_transfer_for (evox_volume_get_channel_value_scale (scene->volume,
                                                                                 scene->channel),
                                             scene->mapping);
  gboolean nearest = mode == EVOX_RAY_COMPOSITE && source != EVOX_VOLUME_SOURCE_COLORMAP;
  gboolean lut_changed = FALSE, skip;
  double mvp_d[16], inverse[16], to_texture[16], ndc_to_texture[16];
  float matrix[16], extent_f[3], world_f[3], dims_f[3], clip_lo_f[3], clip_hi_f[3];
  double clip_lo[3], clip_hi[3], extent[3], a, b, m = 0.0, unit;
  gsize dims[3];
  GLint caller_vao = 0, caller_draw = 0;
  int low_size[2] = { 0, 0 };
  gboolean low = FALSE, scissor = glIsEnabled (GL_SCISSOR_TEST);
  const EvoxBrickRays *rays = textures->rays;
  gboolean bricked = rays != NULL;
  const RayUniforms *u;
  GLuint program, resolve = 0;
  /* Rays reading the file's levels of a volume held reduced: voxels that many times finer. */
  guint file_scale = bricked ? 1u << rays->file_levels : 1;
  gboolean file_bricks = bricked && rays->finest < rays->file_levels;
  double step;

  /* (Levels beyond the shader's table would take a volume of millions of voxels a side.) */
  if (bricked && rays->coarsest >= EVOX_VOLUME_MAX_LEVELS)
    return TRUE;
  program = get_program (pass, mode, source, bricked);
  if (program == 0)
    return FALSE;
  u = &pass->uniforms[mode][source][bricked];

  for (guint i = 0; i < 16; i++)
    mvp_d[i] = mvp[i];
  if (!invert (mvp_d, inverse))
    return TRUE;
  /* world -> texture coordinates, then after the inverse of projection x view. */
  memset (to_texture, 0, sizeof to_texture);
  for (guint i = 0; i < 3; i++)
    {
      double size = scene->box_hi[i] - scene->box_lo[i];

      to_texture[i * 4 + i] = 1.0 / size;
      to_texture[12 + i] = -scene->box_lo[i] / size;
    }
  to_texture[15] = 1.0;
  for (guint c = 0; c < 4; c++)
    for (guint r = 0; r < 4; r++)
      {
        double sum = 0.0;

        for (guint k = 0; k < 4; k++)
          sum += to_texture[k * 4 + r] * inverse[c * 4 + k];
        ndc_to_texture[c * 4 + r] = sum;
      }
  for (guint i = 0; i < 16; i++)
    matrix[i] = (float) ndc_to_texture[i];

  evox_volume_get_dims (scene->volume, dims);
  get_extent (scene->volume, extent);
  evox_volume_style_get_clip (style, clip_lo, clip_hi);
  unit = smallest_spacing (scene->volume) / file_scale;
  for (guint i = 0; i < 3; i++)
    {
      dims[i] *= file_scale;
      extent_f[i] = (float) extent[i];
      world_f[i] = (float) (scene->box_hi[i] - scene->box_lo[i]);
      dims_f[i] = (float) dims[i];
      clip_lo_f[i] = (float) clip_lo[i];
      clip_hi_f[i] = (float) clip_hi[i];
    }

  if (transfer == EVOX_TRANSFER_EXP10)
    {
      /* As the slices do: scaled by 10^-max (lo, hi) to stay inside float range. */
      m = MAX (scene->lo, scene->hi);
      a = pow (10.0, scene->lo - m);
      b = pow (10.0, scene->hi - m);
    }
  else
    {
      a = evox_transfer_apply (transfer, scene->lo);
      b = evox_transfer_apply (transfer, scene->hi);
    }

  if (bricked && !file_bricks)
    sync_level_bricks (pass, scene->volume, scene->channel, textures->bricks, rays);
  else if (!bricked)
    sync_bricks (pass, scene->volume, scene->channel);
  if (mode == EVOX_RAY_COMPOSITE && source == EVOX_VOLUME_SOURCE_COLORMAP)
    lut_changed = sync_lut (pass, scene->volume, scene->channel, style);
  skip = !pass->no_skipping && mode != EVOX_RAY_MEAN && !file_bricks &&
         !(mode == EVOX_RAY_COMPOSITE && source == EVOX_VOLUME_SOURCE_CLUSTERS);
  if (mode == EVOX_RAY_COMPOSITE && skip)
    sync_empty (pass, source, lut_changed, scene->phases,
                evox_volume_style_get_opacity_scale (style));
  grab_depth (pass, offset, viewport, depth_format);

  /* Interactive frames cast a quarter of the rays when the GL can take the extra target. */
  if (scene->interactive && (resolve = get_resolve_program (pass)) != 0)
    {
      glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &caller_draw);
      low = bind_low_target (pass, viewport, low_size);
      if (!low)
        glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) caller_draw);
    }

  glUseProgram (program);
  glUniformMatrix4fv (u->ndc_to_texture, 1, GL_FALSE, matrix);
  if (low)
    {
      glUniform4f (u->viewport, 0.0f, 0.0f, (float) low_size[0], (float) low_size[1]);
      glUniform2f (u->depth_scale, (float) viewport[0] / low_size[0],
                   (float) viewport[1] / low_size[1]);
    }
  else
    {
      glUniform4f (u->viewport, (float) offset[0], (float) offset[1], (float) viewport[0],
                   (float) viewport[1]);
      glUniform2f (u->depth_scale, 1.0f, 1.0f);
    }
  glUniform3fv (u->clip_lo, 1, clip_lo_f);
  glUniform3fv (u->clip_hi, 1, clip_hi_f);
  glUniform3fv (u->extent, 1, extent_f);
  glUniform3fv (u->world_extent, 1, world_f);
  glUniform3fv (u->dims, 1, dims_f);
  step = unit * (scene->interactive ? EVOX_VOLUME_INTERACTIVE_STEP : EVOX_VOLUME_STEP);
  /* Bricks of level l or coarser everywhere: voxels 2^l wide, steps as many times longer. */
  if (bricked)
    step *= (double) (1u << rays->finest);
  glUniform1f (u->step, (float) step);
  glUniform1f (u->unit, (float) unit);
  glUniform1f (u->value_scale, sample == EVOX_SAMPLE_U8 ? 255.0f
                               : sample == EVOX_SAMPLE_U16 ? 65535.0f : 1.0f);
  /* Interpolated values are not stored values; nearest ones are, rounded back exactly. */
  glUniform1i (u->integer, nearest && sample != EVOX_SAMPLE_F32);
  glUniform1i (u->transfer, (int) transfer);
  glUniform1f (u->a, (float) a);
  glUniform1f (u->b, (float) b);
  glUniform1f (u->m, (float) m);
  glUniform1i (u->valid, isfinite ((float) a) && isfinite ((float) b));
  glUniform1f (u->lut_lo, (float) pass->lut_lo);
  glUniform1f (u->lut_scale, pass->lut_n > 1 ? (float) ((pass->lut_n - 1) /
                                                        (pass->lut_hi - pass->lut_lo)) : 0.0f);
  glUniform1f (u->lut_n, (float) MAX (pass->lut_n, 1));
  glUniform1i (u->n_phases, (int) textures->n_phase_rows);
  glUniform1f (u->cluster_scale, textures->cluster_scale);
  glUniform1f (u->cluster_opacity, (float) scene->cluster_opacity);
  glUniform1f (u->opacity_scale, (float) evox_volume_style_get_opacity_scale (style));
  glUniform1f (u->iso_level, (float) evox_volume_style_get_iso_level (style));
  if (mode == EVOX_RAY_MIP || mode == EVOX_RAY_MINIP)
    glUniform1f (u->saturate, (float) saturation (scene, mode, source, transfer, a, b, m,
                                                    file_scale > 1));
  glUniform1i (u->skip, skip);
  if (bricked)
    {
      glUniform3f (u->atlas_size, (float) rays->atlas_size[0], (float) rays->atlas_size[1],
                   (float) rays->atlas_size[2]);
      glUniform1f (u->page, (float) rays->page);
      glUniform1f (u->brick, (float) rays->brick);
      glUniform1iv (u->grid_offset, EVOX_VOLUME_MAX_LEVELS, pass->grid_offset);
    }

  if (pass->linear_sampler == 0)
    {
      glGenSamplers (1, &pass->linear_sampler);
      glGenSamplers (1, &pass->nearest_sampler);
      for (guint i = 0; i < 2; i++)
        {
          GLuint sampler = i == 0 ? pass->linear_sampler : pass->nearest_sampler;
          GLint filter = i == 0 ? GL_LINEAR : GL_NEAREST;

          glSamplerParameteri (sampler, GL_TEXTURE_MIN_FILTER, filter);
          glSamplerParameteri (sampler, GL_TEXTURE_MAG_FILTER, filter);
          glSamplerParameteri (sampler, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
          glSamplerParameteri (sampler, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
          glSamplerParameteri (sampler, GL_TEXTURE_WRAP_R, GL_CLAMP_TO_EDGE);
        }
      glGenVertexArrays (1, &pass->empty_vao);
    }

  glActiveTexture (GL_TEXTURE0);
  glBindTexture (GL_TEXTURE_3D, textures->volume);
  glBindSampler (0, nearest ? pass->nearest_sampler : pass->linear_sampler);
  glActiveTexture (GL_TEXTURE1);
  glBindTexture (GL_TEXTURE_2D, textures->colormap);
  glActiveTexture (GL_TEXTURE2);
  glBindTexture (GL_TEXTURE_2D, textures->phases);
  glActiveTexture (GL_TEXTURE7);
  glBindTexture (GL_TEXTURE_2D, textures->cluster_colors);
  glActiveTexture (GL_TEXTURE0 + LUT_UNIT);
  glBindTexture (GL_TEXTURE_2D, pass->lut_texture);
  glActiveTexture (GL_TEXTURE0 + BRICKS_UNIT);
  glBindTexture (GL_TEXTURE_3D, pass->bricks_texture);
  glActiveTexture (GL_TEXTURE0 + EMPTY_UNIT);
  glBindTexture (GL_TEXTURE_3D, pass->empty_texture);
  glActiveTexture (GL_TEXTURE0 + DEPTH_UNIT);
  glBindTexture (GL_TEXTURE_2D, pass->depth_texture);
  glActiveTexture (GL_TEXTURE0 + PAGES_UNIT);
  glBindTexture (GL_TEXTURE_3D, bricked ? rays->pages : 0);
  glActiveTexture (GL_TEXTURE0 + CLUSTER_IDS_UNIT);
  glBindTexture (GL_TEXTURE_3D, textures->cluster_ids);
  glActiveTexture (GL_TEXTURE0);

  glDisable (GL_DEPTH_TEST);
  glDepthMask (GL_FALSE);
  glEnable (GL_BLEND);
  /* The ray's colour is premultiplied; "over" the straight-alpha blending of the rest. */
  glBlendFuncSeparate (GL_ONE, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
  glGetIntegerv (GL_VERTEX_ARRAY_BINDING, &caller_vao);
  glBindVertexArray (pass->empty_vao);
  if (low)
    {
      static const float clear[4] = { 0, 0, 0, 0 };

      /* Rays into the low-resolution picture (its own viewport, no scissor, no blending), then
       * the picture stretched over the view. */
      glDisable (GL_SCISSOR_TEST);
      glDisable (GL_BLEND);
      glViewport (0, 0, low_size[0], low_size[1]);
      glClearBufferfv (GL_COLOR, 0, clear);
      glDrawArrays (GL_TRIANGLES, 0, 3);
      glBindFramebuffer (GL_DRAW_FRAMEBUFFER, (GLuint) caller_draw);
      glViewport (offset[0], offset[1], viewport[0], viewport[1]);
      if (scissor)
        glEnable (GL_SCISSOR_TEST);
      glEnable (GL_BLEND);
      glUseProgram (resolve);
      glUniform1i (pass->resolve_image, LUT_UNIT);
      glUniform4f (pass->resolve_viewport, (float) offset[0], (float) offset[1],
                   (float) viewport[0], (float) viewport[1]);
      glActiveTexture (GL_TEXTURE0 + LUT_UNIT);
      glBindTexture (GL_TEXTURE_2D, pass->low_texture);
      glActiveTexture (GL_TEXTURE0);
    }
  glDrawArrays (GL_TRIANGLES, 0, 3);
  glBindVertexArray ((GLuint) caller_vao);

  glBlendFuncSeparate (GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
  glDepthMask (GL_TRUE);
  glBindSampler (0, 0);
  for (guint unit_index = LUT_UNIT; unit_index <= PAGES_UNIT; unit_index++)
    {
      glActiveTexture (GL_TEXTURE0 + unit_index);
      glBindTexture (GL_TEXTURE_2D, 0);
      glBindTexture (GL_TEXTURE_3D, 0);
    }
  glActiveTexture (GL_TEXTURE7);
  glBindTexture (GL_TEXTURE_2D, 0);
  glActiveTexture (GL_TEXTURE0 + CLUSTER_IDS_UNIT);
  glBindTexture (GL_TEXTURE_3D, 0);
  glActiveTexture (GL_TEXTURE0);
  return TRUE;
}

void
_evox_volume_pass_set_skipping (EvoxVolumePass *pass,
                                gboolean        skip)
{
  pass->no_skipping = !skip;
}

guint
_evox_volume_pass_count_empty (EvoxVolumePass *pass)
{
  gsize n = pass->brick_dims[0] * pass->brick_dims[1] * pass->brick_dims[2];
  guint count = 0;

  for (gsize b = 0; b < n && pass->empty != NULL; b++)
    count += pass->empty[b] != 0;
  return count;
}

/* The view: the renderer's state in, the opaque scene, the rays, translucent surfaces */

/* The slice pass's and the stack pass's colours, so the slices and measured layers read the
 * same in every view. */
static const LineStyle slice_styles[3] = {
  { { 0.95f, 0.35f, 0.35f, 1.0f }, 1.5f },
  { { 0.40f, 0.85f, 0.40f, 1.0f }, 1.5f },
  { { 0.40f, 0.60f, 1.00f, 1.0f }, 1.5f },
};
static const LineStyle measured_style = { { 1.0f, 1.0f, 1.0f, 1.0f }, 3.0f };

/* The style the rays follow: the caller's, or the default curve over the display range. */
static EvoxVolumeStyle *
volume_style (EvoxRenderer *self)
{
  if (self->volume_style != NULL)
    return self->volume_style;
  if (self->default_style == NULL)
    self->default_style = evox_volume_style_new ();
  evox_volume_style_reset_points (self->default_style, MIN (self->lo, self->hi),
                                  MAX (self->lo, self->hi));
  return self->default_style;
}

void
_evox_volume_pass_get_scene (EvoxRenderer    *self,
                             EvoxVolumeScene *scene)
{
  memset (scene, 0, sizeof *scene);
  scene->volume = self->volume;
  scene->channel = self->channel;
  scene->style = volume_style (self);
  scene->mapping = self->mapping;
  scene->lo = self->lo;
  scene->hi = self->hi;
  _evox_renderer_get_box (self, scene->box_lo, scene->box_hi);
  scene->phases = self->phases;
  /* A bricked volume's ids go up beside its bricks when the rays want them. */
  scene->clusters = self->res.cluster_format != 0 ||
                    (self->res.bricks != NULL && _evox_renderer_clusters_match_volume (self))
                    ? self->clusters : NULL;
  scene->cluster_opacity = self->cluster_opacity;
  scene->interactive = self->interactive;
}

/* Outlines of the measured scans of an SSRM stack at their depth (nothing for volumes without
 * scans, whose every layer is a measurement). Returns the number of vertices pushed. */
static guint
push_measured_layers (EvoxRenderer *self)
{
  guint n_scans = evox_volume_get_n_scans (self->volume), first = self->vertices->len;

  for (guint i = 0; i < n_scans; i++)
    {
      double z = evox_volume_get_scan (self->volume, i)->z_nm * _evox_renderer_axis_scale (self, 2);

      for (guint c = 0; c < 4; c++)
        for (guint end = 0; end < 2; end++)
          {
            double point[3], texcoord[3];

            _evox_renderer_plane_corner (self, 2, z, 0.0, (c + end) % 4, point, texcoord);
            _evox_renderer_push_vertex (self->vertices, point, texcoord);
          }
    }
  return self->vertices->len - first;
}

/* The opaque scene first (slices when the style shows them, opaque surfaces, the box and the
 * layer outlines), writing depth; the rays end at that depth and blend over it; translucent
 * surfaces last, over the volume (approximate: a translucent surface inside the volume shows
 * in front of all of it). */
void
_evox_volume_pass_draw_view (EvoxRenderer *self,
                             const Frame  *frame)
{
  EvoxVolumeScene scene;
  EvoxVolumeTextures textures = { self->res.volume_texture, self->res.colormap_texture,
                                  self->res.phase_texture, self->res.n_phase_rows,
                                  self->res.cluster_color_texture, self->res.cluster_scale,
                                  NULL, NULL, 0 };
  EvoxBrickRays rays;
  EvoxBricks *ray_bricks;
  gboolean slices;
  guint planes[3], outlines[3], box, layers = 0, n_layer_vertices = 0;
  GLint framebuffer = 0;
  GLenum depth_format;

  _evox_volume_pass_get_scene (self, &scene);
  slices = evox_volume_style_get_show_slices (scene.style);
  box = _evox_renderer_push_box (self);
  for (guint a = 0; a < 3 && slices; a++)
    {
      planes[a] = _evox_renderer_push_plane (self, a, self->slices[a]);
      outlines[a] = _evox_renderer_push_plane_outline (self, a, self->slices[a]);
    }
  if (evox_volume_style_get_mark_layers (scene.style))
    {
      layers = self->vertices->len;
      n_layer_vertices = push_measured_layers (self);
    }
  glBufferData (GL_ARRAY_BUFFER, self->vertices->len * sizeof (Vertex), self->vertices->data,
                GL_STREAM_DRAW);

  glEnable (GL_DEPTH_TEST);
  glDepthFunc (GL_LEQUAL);
  glDepthMask (GL_TRUE);
  if (slices && (self->res.volume_on_gpu || self->res.bricks != NULL))
    {
      /* Pushed back a little so their outlines win the depth test, as in the slices view. */
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
      _evox_slice_pass_draw_full_resolution (self, frame, planes);
      glDisable (GL_POLYGON_OFFSET_FILL);
    }
  _evox_mesh_pass_draw_opaque (self, frame, FALSE);
  glEnable (GL_BLEND);
  _evox_renderer_use_line_program (self, frame);
  _evox_renderer_draw_lines (self, frame, &box_style, box, 24);
  for (guint a = 0; a < 3 && slices; a++)
    _evox_renderer_draw_lines (self, frame, &slice_styles[a], outlines[a], 8);
  if (n_layer_vertices > 0)
    _evox_renderer_draw_lines (self, frame, &measured_style, layers, n_layer_vertices);

  /* A volume held reduced and on the GPU whole casts its rays through bricks too, for the
   * file's finer ones, unless they show its clusters (whose ids ride in its texture). */
  ray_bricks = self->res.bricks;
  if (ray_bricks == NULL && scene.clusters == NULL)
    ray_bricks = self->res.ray_bricks;
  if (ray_bricks != NULL)
    {
      /* A bricked volume's rays read the bricks of its pyramid this view needs, planned for
       * the pixels they are cast for (half of them each way while the user drags). */
      int pixels[2] = { frame->viewport[0], frame->viewport[1] };

      if (scene.interactive)
        for (guint a = 0; a < 2; a++)
          pixels[a] = MAX (1, pixels[a] / 2);
      if (_evox_bricks_prepare_rays (ray_bricks, (const float *) frame->mvp, pixels,
                                     scene.box_lo, scene.box_hi, self->res.wait_for_bricks,
                                     &rays))
        {
          textures.volume = rays.atlas;
          textures.bricks = ray_bricks;
          textures.rays = &rays;
        }
      /* A bricked volume's ids come in an atlas of the same slots, when the rays show them. */
      if (self->res.bricks != NULL && textures.rays != NULL && scene.clusters != NULL &&
          evox_volume_style_get_source (scene.style) == EVOX_VOLUME_SOURCE_CLUSTERS)
        textures.cluster_ids = _evox_brick_overlays_prepare_rays (self->res.brick_overlays,
                                                                  scene.clusters,
                                                                  self->res.bricks,
                                                                  self->res.wait_for_bricks);
      if (self->res.bricks != NULL)
        textures.cluster_scale = 65535.0f;
      if (self->res.bricks != NULL && textures.cluster_ids == 0)
        scene.clusters = NULL;
    }
  if (self->res.volume_on_gpu || (self->res.bricks != NULL && textures.volume != 0))
    {
      glGetIntegerv (GL_DRAW_FRAMEBUFFER_BINDING, &framebuffer);
      depth_format = _evox_gl_draw_framebuffer_depth_format (framebuffer);
      /* A default framebuffer that does not exist (surfaceless EGL) may answer with an error. */
      _evox_gl_drain_errors ();
      _evox_volume_pass_draw (self->volume_pass, &scene, &textures, (const float *) frame->mvp,
                              frame->offset, frame->viewport, depth_format);
    }
  _evox_mesh_pass_draw_translucent (self, frame, FALSE);
}

/* Picking (GL-free): the rays as the shader casts them, on the CPU */

typedef struct
{
  const EvoxVolumeScene *scene;
  EvoxSampleType         type;
  gconstpointer          data;
  gsize                  dims[3];
  const guint16         *ids;
} Sampler;

static double
voxel (const Sampler *s,
       gssize         x,
       gssize         y,
       gssize         z)
{
  x = CLAMP (x, 0, (gssize) s->dims[0] - 1);
  y = CLAMP (y, 0, (gssize) s->dims[1] - 1);
  z = CLAMP (z, 0, (gssize) s->dims[2] - 1);
  return evox_sample_get (s->data, s->type, ((gsize) z * s->dims[1] + (gsize) y) * s->dims[0] +
                                            (gsize) x);
}

/* GL's linear filtering with clamped edges: voxel centres at (i + 0.5) / dims. */
static double
sample_linear (const Sampler *s,
               const double   p[3])
{
  gssize i0[3];
  double f[3], sum = 0.0;

  for (guint a = 0; a < 3; a++)
    {
      double x = p[a] * (double) s->dims[a] - 0.5;

      i0[a] = (gssize) floor (x);
      f[a] = x - floor (x);
    }
  for (guint c = 0; c < 8; c++)
    {
      double w = ((c & 1) ? f[0] : 1 - f[0]) * ((c & 2) ? f[1] : 1 - f[1]) *
                 ((c & 4) ? f[2] : 1 - f[2]);

      if (w != 0.0)
        sum += w * voxel (s, i0[0] + (c & 1), i0[1] + ((c >> 1) & 1), i0[2] + ((c >> 2) & 1));
    }
  return sum;
}

static gsize
nearest_index (const Sampler *s,
               const double   p[3])
{
  gsize index[3];

  for (guint a = 0; a < 3; a++)
    index[a] = (gsize) CLAMP (floor (p[a] * (double) s->dims[a]), 0.0, (double) s->dims[a] - 1);
  return (index[2] * s->dims[1] + index[1]) * s->dims[0] + index[0];
}

/* Opacity per unit length of a composite sample, as the shader's classify () has it. */
static double
sample_opacity (const Sampler    *s,
                EvoxVolumeSource  source,
                const double      p[3])
{
  const EvoxVolumeScene *scene = s->scene;
  double scale = evox_volume_style_get_opacity_scale (scene->style);

  if (source == EVOX_VOLUME_SOURCE_CLUSTERS)
    {
      gsize i = nearest_index (s, p);
      guint16 id = s->ids[i];

      if (id == 0 || id > evox_clusters_get_k (scene->clusters) ||
          !evox_clusters_get_visible (scene->clusters, id) ||
          !isfinite (evox_sample_get (s->data, s->type, i)))
        return 0.0;
      return scene->cluster_opacity * scale;
    }
  if (source == EVOX_VOLUME_SOURCE_PHASES)
    {
      double v = evox_sample_get (s->data, s->type, nearest_index (s, p));
      guint n = scene->phases != NULL ? evox_phase_list_get_n_phases (scene->phases) : 0;

      if (!isfinite (v))
        return 0.0;
      for (guint i = 0; i < n; i++)
        {
          EvoxPhase *phase = evox_phase_list_get_phase (scene->phases, i);

          if (evox_phase_get_visible (phase) && evox_phase_contains (phase, v))
            return evox_phase_get_opacity (phase) * scale;
        }
      return 0.0;
    }
  {
    double v = sample_linear (s, p);

    return isfinite (v) ? evox_volume_style_opacity_at (scene->style, v) * scale : 0.0;
  }
}

gboolean
_evox_volume_pass_pick (const EvoxVolumeScene *scene,
                        const double           origin[3],
                        const double           dir[3],
                        double                 texture_point[3])
{
  EvoxVolumeStyle *style = scene->style;
  EvoxRayMode mode = evox_volume_style_get_mode (style);
  EvoxVolumeSource source = effective_source (scene);
  double o[3], d[3], clip_lo[3], clip_hi[3], extent[3], t0 = 0.0, t1 = G_MAXDOUBLE;
  double length_nm = 0.0, unit, dt, transmitted = 1.0, previous_t = -1.0;
  gboolean previous_below = FALSE;
  Sampler s = { scene, evox_volume_get_sample_type (scene->volume),
                evox_volume_get_data (scene->volume, scene->channel), { 0, 0, 0 },
                scene->clusters != NULL ? evox_clusters_get_data (scene->clusters) : NULL };

  evox_volume_get_dims (scene->volume, s.dims);
  evox_volume_style_get_clip (style, clip_lo, clip_hi);
  get_extent (scene->volume, extent);
  for (guint a = 0; a < 3; a++)
    {
      double size = scene->box_hi[a] - scene->box_lo[a];

      o[a] = (origin[a] - scene->box_lo[a]) / size;
      d[a] = dir[a] / size;
      if (fabs (d[a]) < 1e-300)
        {
          if (o[a] < clip_lo[a] || o[a] > clip_hi[a])
            return FALSE;
          continue;
        }
      {
        double ta = (clip_lo[a] - o[a]) / d[a], tb = (clip_hi[a] - o[a]) / d[a];

        t0 = MAX (t0, MIN (ta, tb));
        t1 = MIN (t1, MAX (ta, tb));
      }
      length_nm += (d[a] * extent[a]) * (d[a] * extent[a]);
    }
  if (!(t1 > t0))
    return FALSE;
  if (mode == EVOX_RAY_MIP || mode == EVOX_RAY_MINIP || mode == EVOX_RAY_MEAN)
    {
      for (guint a = 0; a < 3; a++)
        texture_point[a] = o[a] + t0 * d[a];
      return TRUE;
    }

  length_nm = sqrt (length_nm);
  unit = smallest_spacing (scene->volume);
  dt = unit * EVOX_VOLUME_STEP / length_nm;
  for (gsize i = 0; t0 + (double) i * dt < t1; i++)
    {
      double t = t0 + (double) i * dt, p[3];

      for (guint a = 0; a < 3; a++)
        p[a] = o[a] + t * d[a];
      if (mode == EVOX_RAY_COMPOSITE)
        {
          double opacity = sample_opacity (&s, source, p);
          double segment = MIN (dt, t1 - t) * length_nm / unit;

          if (opacity <= 0)
            continue;
          transmitted *= opacity >= 1 ? 0.0 : pow (1 - opacity, segment);
          if (transmitted < 0.5)
            {
              memcpy (texture_point, p, sizeof p);
              return TRUE;
            }
        }
      else
        {
          double level = evox_volume_style_get_iso_level (style);
          double v = sample_linear (&s, p);
          gboolean below;

          if (!isfinite (v))
            {
              previous_t = -1.0;
              continue;
            }
          below = v < level;
          if (previous_t >= 0 && below != previous_below)
            {
              double lo = previous_t, hi = t;

              for (guint k = 0; k < 8; k++)
                {
                  double middle = 0.5 * (lo + hi), q[3];

                  for (guint a = 0; a < 3; a++)
                    q[a] = o[a] + middle * d[a];
                  if ((sample_linear (&s, q) < level) == previous_below)
                    lo = middle;
                  else
                    hi = middle;
                }
              for (guint a = 0; a < 3; a++)
                texture_point[a] = o[a] + 0.5 * (lo + hi) * d[a];
              return TRUE;
            }
          previous_t = t;
          previous_below = below;
        }
    }
  return FALSE;
}

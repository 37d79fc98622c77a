// volume.frag: a ray through the pixel, from where it enters the clip box (or the near plane) to
// where it leaves it or meets opaque geometry, sampled at fixed steps; composite, maximum,
// minimum and mean intensity projection, or the first crossing of an iso level.
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

// Built once per (MODE, SOURCE, BRICKED), on first use, with these defined after the #version line:
//   MODE    0 composite, 1 mip, 2 minip, 3 mean, 4 iso (EvoxRayMode)
//   SOURCE  0 colour map and opacity curve, 1 phases, 2 clusters (EvoxVolumeSource)
//   BRICKED 1: the volume is a bricked one's atlas, read through its page table (below)
// A uniform switch would make llvmpipe run every mode's code for every sample.
#ifndef MODE
#define MODE 0
#endif
#ifndef SOURCE
#define SOURCE 0
#endif
#ifndef BRICKED
#define BRICKED 0
#endif

// Texture coordinates (0..1 over the volume's box) of a point in normalized device coordinates:
// (world to texture) x inverse (projection x view), applied homogeneously.
uniform mat4 u_ndc_to_texture;
uniform vec4 u_viewport;        // lower-left corner and size of the view in framebuffer pixels
uniform vec3 u_clip_lo;         // the style's clip box, in texture coordinates
uniform vec3 u_clip_hi;
uniform vec3 u_extent;          // the box in nm (dims x spacing): lengths along the ray
uniform vec3 u_world_extent;    // the box in world units (z exaggerated): shading
uniform vec3 u_dims;            // voxels a side
uniform float u_step;           // nm between samples
uniform float u_unit;           // nm of the opacity's unit length (the smallest spacing)

uniform sampler3D u_volume;     // value in .r (normalized for R8/R16), cluster id in .g

// A bricked volume (evox-bricks.h): u_volume is an atlas of bricks of u_brick^3 texels, each
// one level's voxels [j P - 1, (j + 1) P + 1) (P = u_page: what the brick owns and a voxel of
// border, so trilinear samples are seamless between bricks of a level). The page table has a
// texel per P^3 voxels of level 0: the brick's slot in the atlas (in bricks) and its level l,
// whose voxels are 2^l level-0 voxels wide; a level-l brick j covers pages [j 2^l, (j + 1) 2^l).
// u_dims stays level 0's. u_grid_offset[l]: where level l's min/max grid starts in u_bricks.
uniform usampler3D u_pages;
uniform vec3 u_atlas_size;
uniform float u_page;
uniform float u_brick;
uniform int u_grid_offset[16];   // EVOX_VOLUME_MAX_LEVELS entries
#if BRICKED && SOURCE == 2
// The cluster ids (R16) in an atlas of the same slots, read through the same page table.
uniform sampler3D u_cluster_ids;
#endif
uniform float u_value_scale;    // 255 for R8, 65535 for R16, 1 for R32F
uniform bool u_integer;         // nearest samples: round back to the stored integer

// The colour map exactly as slice.frag applies it (see there).
uniform sampler2D u_colormap;
uniform int u_transfer;
uniform float u_a;
uniform float u_b;
uniform float u_m;
uniform bool u_valid;

// Opacity curve: n texels over [lo, lo + (n - 1) / scale], in rows of 256 (texel i at
// (i % 256, i / 256)), interpolated here: two nearest fetches cost llvmpipe less than one
// filtered fetch of the float texture.
uniform sampler2D u_lut;
uniform float u_lut_lo;
uniform float u_lut_scale;
uniform float u_lut_n;

uniform sampler2D u_phases;     // as in slice.frag: (lo, hi, visible, 0), (r, g, b, opacity)
uniform int u_n_phases;
uniform sampler2D u_cluster_colors;
uniform float u_cluster_scale;
uniform float u_cluster_opacity;
uniform float u_opacity_scale;

uniform float u_iso_level;

// mip and minip rays stop once the running extreme reaches this value: beyond it every value
// takes the same colour (or no value of the volume goes further).
uniform float u_saturate;

// Empty-space skipping: per brick of BRICK^3 voxels the min and max value of the voxels any
// sample inside it interpolates (one voxel beyond each side; +-inf where one is NaN), and for
// composite rays whether the transfer function is zero over that range.
const float BRICK = 8.0;
uniform bool u_skip;
uniform sampler3D u_bricks;     // RG32F: min, max
uniform sampler3D u_empty;      // R8: 1 where the transfer function is zero over the brick

// The depth of the opaque scene, the size of the view (1 where nothing was drawn); rays cast at
// a lower resolution than the view's (while the user drags) read it u_depth_scale apart.
uniform sampler2D u_depth;
uniform vec2 u_depth_scale;

out vec4 frag_color;

const float LOG10_OF_2 = 0.30102999566398120;
const float LOG2_OF_10 = 3.32192809488736235;
const int MAX_STEPS = 16384;

bool
is_finite (float x)
{
  return (floatBitsToUint (x) & 0x7f800000u) != 0x7f800000u;
}

#if BRICKED
// The page table's entry for the point p (texture coordinates of the whole volume) and, in
// page, which page it is.
uvec4
page_entry (vec3 p,
            out ivec3 page)
{
  page = clamp (ivec3 (floor (p * u_dims / u_page)), ivec3 (0), textureSize (u_pages, 0) - 1);
  return texelFetch (u_pages, page, 0);
}

// Where p lies in the atlas: its level's voxel coordinate less the brick's first texel (exact:
// both are floats of the same magnitude), plus the slot's corner.
vec3
atlas_point (vec3 p)
{
  ivec3 page;
  uvec4 entry = page_entry (p, page);
  int level = int (entry.w);
  vec3 first = vec3 (page >> level) * u_page - 1.0;
  vec3 local = p * u_dims * exp2 (-float (level)) - first;

  // Points beyond the volume (the iso shading's neighbours at its faces) read the brick's last
  // texels, copies of the face's voxels, as the volume's clamped edges would; never the next
  // slot's.
  local = clamp (local, vec3 (0.5), vec3 (u_brick - 0.5));
  return (vec3 (entry.xyz) * u_brick + local) / u_atlas_size;
}
#define VOLUME_POINT(p) atlas_point (p)
#else
#define VOLUME_POINT(p) (p)
#endif

float
value_at (vec3 p)
{
  float v = texture (u_volume, VOLUME_POINT (p)).r * u_value_scale;

  if (u_integer)
    v = floor (v + 0.5);
  return v;
}

// The colour-map colour of value v, alpha 0 where the mapping cannot show it (slice.frag's
// mapped_colour, which discards there).
vec4
mapped_colour (float v)
{
  bool drawable = u_valid && is_finite (v);
  float w, t;

  if (u_transfer == 1)
    {
      drawable = drawable && v > 0.0;
      w = drawable ? log2 (v) * LOG10_OF_2 : 0.0;
    }
  else if (u_transfer == 2)
    w = exp2 ((v - u_m) * LOG2_OF_10);
  else
    w = v;
  if (!drawable)
    return vec4 (0.0);
  if (u_b == u_a)
    t = w < u_a ? 0.0 : 1.0;
  else
    t = clamp ((w - u_a) / (u_b - u_a), 0.0, 1.0);
  return vec4 (texelFetch (u_colormap, ivec2 (int (floor (t * 255.0 + 0.5)), 0), 0).rgb, 1.0);
}

// The opacity curve at value v.
float
opacity_at (float v)
{
  float x = clamp ((v - u_lut_lo) * u_lut_scale, 0.0, u_lut_n - 1.0);
  float i = floor (x);
  int k = int (i), k1 = min (k + 1, int (u_lut_n) - 1);
  float lo = texelFetch (u_lut, ivec2 (k & 255, k >> 8), 0).r;
  float hi = texelFetch (u_lut, ivec2 (k1 & 255, k1 >> 8), 0).r;

  return mix (lo, hi, x - i);
}

// Index of the first visible phase with lo <= v <= hi, -1 when there is none.
int
find_phase (float v)
{
  for (int i = 0; i < u_n_phases; i++)
    {
      vec4 range = texelFetch (u_phases, ivec2 (0, i), 0);

      if (range.z > 0.5 && range.x <= v && v <= range.y)
        return i;
    }
  return -1;
}

// The colour a projection (mip, minip, mean) gives its value.
vec4
projected_colour (float v)
{
#if SOURCE == 1
  int phase = find_phase (v);

  if (phase < 0)
    return vec4 (0.0);
  return vec4 (texelFetch (u_phases, ivec2 (1, phase), 0).rgb, 1.0);
#else
  return mapped_colour (v);
#endif
}

// Colour (straight) and opacity per unit length of the sample at p, for composite rays.
vec4
classify (vec3 p)
{
#if SOURCE == 2
#if BRICKED
  vec3 q = atlas_point (p);
  vec2 texel = vec2 (texture (u_volume, q).r, texture (u_cluster_ids, q).r);
#else
  vec2 texel = texture (u_volume, p).rg;
#endif
  float v = texel.r * u_value_scale;
  uint id = uint (texel.g * u_cluster_scale + 0.5);
  vec4 tint;

  if (!is_finite (v) || id == 0u)
    return vec4 (0.0);
  tint = texelFetch (u_cluster_colors, ivec2 (int (id & 255u), int (id >> 8u)), 0);
  return vec4 (tint.rgb, u_cluster_opacity * tint.a * u_opacity_scale);
#elif SOURCE == 1
  float v = value_at (p);
  int phase;

  if (!is_finite (v))
    return vec4 (0.0);
  phase = find_phase (v);
  if (phase < 0)
    return vec4 (0.0);
  vec4 c = texelFetch (u_phases, ivec2 (1, phase), 0);
  return vec4 (c.rgb, c.a * u_opacity_scale);
#else
  float v = value_at (p);
  vec4 c;
  float a;

  if (!is_finite (v))
    return vec4 (0.0);
  a = opacity_at (v);
  if (a <= 0.0)
    return vec4 (0.0);
  c = mapped_colour (v);
  return vec4 (c.rgb, c.a * a);
#endif
}

// The ray parameter where the ray leaves the cell of `size` level-0 voxels a side that holds p.
float
cell_exit (vec3 p,
           vec3 origin,
           vec3 inverse_dir,
           float size)
{
  vec3 cell = floor (p * u_dims / size);
  vec3 lo = cell * size / u_dims, hi = (cell + 1.0) * size / u_dims;
  vec3 t_lo = (lo - origin) * inverse_dir, t_hi = (hi - origin) * inverse_dir;
  vec3 t_far = max (t_lo, t_hi);

  return min (t_far.x, min (t_far.y, t_far.z));
}

#if BRICKED
// A bricked volume's skipping cells are its levels' (BRICK voxels of the level a side, so
// BRICK 2^l of level 0), and a cell ends where the level's brick does too (the next page may
// be of another level).
int
level_at (vec3 p)
{
  ivec3 page;

  return int (page_entry (p, page).w);
}

float
brick_exit (vec3 p,
            vec3 origin,
            vec3 inverse_dir)
{
  float scale = exp2 (float (level_at (p)));

  return min (cell_exit (p, origin, inverse_dir, BRICK * scale),
              cell_exit (p, origin, inverse_dir, u_page * scale));
}

ivec3
brick_of (vec3 p)
{
  int level = level_at (p);
  float scale = exp2 (-float (level));
  ivec3 size = ivec3 (ceil (ceil (u_dims * scale) / BRICK));

  return clamp (ivec3 (floor (p * u_dims * scale / BRICK)), ivec3 (0), size - 1) +
         ivec3 (0, 0, u_grid_offset[level]);
}
#else
// The ray parameter where the ray leaves the brick that holds p.
float
brick_exit (vec3 p,
            vec3 origin,
            vec3 inverse_dir)
{
  return cell_exit (p, origin, inverse_dir, BRICK);
}

ivec3
brick_of (vec3 p)
{
  return clamp (ivec3 (floor (p * u_dims / BRICK)), ivec3 (0), textureSize (u_bricks, 0) - 1);
}
#endif

#if MODE == 4
// Headlight shading of the iso surface at p, seen along dir (texture coordinates).
vec3
shade (vec3 p,
       vec3 dir,
       vec3 base)
{
  vec3 h = 1.0 / u_dims;
  vec3 gradient = vec3 (value_at (p + vec3 (h.x, 0, 0)) - value_at (p - vec3 (h.x, 0, 0)),
                        value_at (p + vec3 (0, h.y, 0)) - value_at (p - vec3 (0, h.y, 0)),
                        value_at (p + vec3 (0, 0, h.z)) - value_at (p - vec3 (0, 0, h.z)));
  vec3 view = normalize (dir * u_world_extent);
  float d;

  // df/dworld = df/dtexture / world extent (per axis); the step of 2h cancels in normalize.
  gradient = gradient / (2.0 * h * u_world_extent);
  if (!(dot (gradient, gradient) > 0.0) || !is_finite (dot (gradient, gradient)))
    d = 1.0;
  else
    d = abs (dot (normalize (gradient), view));
  return min (base * (0.25 + 0.75 * d) + 0.25 * pow (d, 40.0), vec3 (1.0));
}
#endif

void
main ()
{
  vec2 ndc = (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw * 2.0 - 1.0;
  vec4 near_h = u_ndc_to_texture * vec4 (ndc, -1.0, 1.0);
  vec4 far_h = u_ndc_to_texture * vec4 (ndc, 1.0, 1.0);
  vec3 origin = near_h.xyz / near_h.w;
  vec3 dir = far_h.xyz / far_h.w - origin;
  vec3 inverse_dir, t_lo, t_hi;
  float t0, t1, depth, length_nm, dt;
  int n_steps;

  // A ray parallel to an axis gets a huge inverse rather than a division by zero.
  inverse_dir = 1.0 / mix (dir, vec3 (1e-30), lessThan (abs (dir), vec3 (1e-30)));
  t_lo = (u_clip_lo - origin) * inverse_dir;
  t_hi = (u_clip_hi - origin) * inverse_dir;
  t0 = max (max (min (t_lo.x, t_hi.x), min (t_lo.y, t_hi.y)), max (min (t_lo.z, t_hi.z), 0.0));
  t1 = min (min (max (t_lo.x, t_hi.x), max (t_lo.y, t_hi.y)), min (max (t_lo.z, t_hi.z), 1.0));

  // Opaque geometry in front of the exit ends the ray there.
  depth = texelFetch (u_depth, ivec2 ((gl_FragCoord.xy - u_viewport.xy) * u_depth_scale), 0).r;
  if (depth < 1.0)
    {
      vec4 hit_h = u_ndc_to_texture * vec4 (ndc, depth * 2.0 - 1.0, 1.0);
      vec3 hit = hit_h.xyz / hit_h.w;

      t1 = min (t1, dot (hit - origin, dir) / dot (dir, dir));
    }
  if (!(t1 > t0))
    discard;

  // Samples at t0 + i dt (i = 0, 1, ...) with dt one step; each stands for the length from it to
  // the next sample or the exit, so a ray of any length integrates exactly that length.
  length_nm = length (dir * u_extent);
  dt = u_step / length_nm;
  n_steps = min (int (ceil ((t1 - t0) / dt)), MAX_STEPS);

  // The brick the last samples lay in: read once per brick, not once per sample.
  float brick_end = -1.0;
  vec2 brick_range = vec2 (0.0);
  bool brick_empty = false;

#if MODE == 0
  // Each ray starts a fixed per-pixel fraction of a step in (interleaved gradient noise of the
  // pixel): equal starts draw the steps of a sharp opacity curve as wood-grain rings. Samples
  // sit at t0 + (i + jitter) dt, each standing for the half step either side of it (the first
  // from t0, the last to t1), so a ray integrates exactly t1 - t0, and an edge of the curve
  // that the samples cross is, on average over the pixels, where the curve puts it.
  vec2 pixel = floor (gl_FragCoord.xy - u_viewport.xy);
  float jitter = fract (52.9829189 * fract (dot (pixel, vec2 (0.06711056, 0.00583715))));
  vec4 sum = vec4 (0.0);   // premultiplied colour, opacity
  float unit_scale = length_nm / u_unit;

  if (t0 + jitter * dt >= t1)
    jitter = 0.0;
  n_steps = min (int (ceil ((t1 - t0) / dt - jitter)), MAX_STEPS);
  for (int i = 0; i < n_steps; i++)
    {
      float t = t0 + (float (i) + jitter) * dt;
      vec3 p = origin + t * dir;
      vec4 c;
      float segment, alpha;

      if (u_skip && t >= brick_end)
        {
          brick_empty = texelFetch (u_empty, brick_of (p), 0).r > 0.5;
          brick_end = brick_exit (p, origin, inverse_dir);
        }
      if (u_skip && brick_empty)
        {
          // Resume at the first sample past the brick: the samples inside would add nothing,
          // and the ones after it sit where they would have anyway.
          i = max (int (ceil ((brick_end - t0) / dt - jitter)), i + 1) - 1;
          continue;
        }
      c = classify (p);
      if (c.a <= 0.0)
        continue;
      // (t1 <= t + dt for the last sample, unless MAX_STEPS cut the ray short.)
      segment = ((i == n_steps - 1 ? min (t1, t + dt) : t + 0.5 * dt) -
                 (i == 0 ? t0 : t - 0.5 * dt)) * unit_scale;
      alpha = c.a >= 1.0 ? 1.0 : 1.0 - exp2 (segment * log2 (1.0 - c.a));
      sum += (1.0 - sum.a) * vec4 (c.rgb * alpha, alpha);
      if (sum.a >= 0.99)
        break;
    }
  if (sum.a <= 0.0)
    discard;
  frag_color = sum;
#elif MODE == 1 || MODE == 2
  // The extreme of the samples at t0 + i dt. With skipping, a first walk over the bricks finds
  // the one whose range reaches furthest and samples it and the bricks before and after it on
  // the ray first, so the running extreme starts near the ray's and the march skips every brick
  // that cannot beat it: the samples that could matter are all taken, so the extreme is the
  // same. (Neighbours: 10% less time on the benchmark's blobs; two a side gained nothing.)
  float best = MODE == 1 ? -3.4e38 : 3.4e38;
  bool seen = false, done = false;
  int first_i = 0, first_end = 0;

  if (u_skip)
    {
      float reach = best;
      int previous = 0;
      bool extend = false;

      for (int i = 0; i < n_steps;)
        {
          vec3 p = origin + (t0 + float (i) * dt) * dir;
          vec2 range = texelFetch (u_bricks, brick_of (p), 0).rg;
          int next = max (int (ceil ((brick_exit (p, origin, inverse_dir) - t0) / dt)), i + 1);

          if (extend)
            first_end = min (next, n_steps);
          extend = false;
          if (MODE == 1 ? range.y > reach : range.x < reach)
            {
              reach = MODE == 1 ? range.y : range.x;
              first_i = previous;
              first_end = min (next, n_steps);
              extend = true;
            }
          previous = i;
          i = next;
        }
      for (int i = first_i; i < first_end; i++)
        {
          float v = value_at (origin + (t0 + float (i) * dt) * dir);

          if (!is_finite (v))
            continue;
          best = MODE == 1 ? max (best, v) : min (best, v);
          seen = true;
        }
      done = seen && (MODE == 1 ? best >= u_saturate : best <= u_saturate);
    }

  for (int i = 0; i < n_steps && !done; i++)
    {
      float t = t0 + float (i) * dt;
      vec3 p = origin + t * dir;
      float v;

      // Sampled already.
      if (i >= first_i && i < first_end)
        {
          i = first_end - 1;
          continue;
        }
      if (u_skip && t >= brick_end)
        {
          brick_range = texelFetch (u_bricks, brick_of (p), 0).rg;
          brick_end = brick_exit (p, origin, inverse_dir);
        }
      // Nothing in the brick can beat the running extreme.
      if (u_skip && seen && (MODE == 1 ? brick_range.y <= best : brick_range.x >= best))
        {
          i = max (int (ceil ((brick_end - t0) / dt)), i + 1) - 1;
          continue;
        }
      v = value_at (p);
      if (!is_finite (v))
        continue;
      best = MODE == 1 ? max (best, v) : min (best, v);
      seen = true;
      if (MODE == 1 ? best >= u_saturate : best <= u_saturate)
        break;
    }
  if (!seen)
    discard;
  frag_color = projected_colour (best);
  if (frag_color.a <= 0.0)
    discard;
#elif MODE == 3
  // Trapezoids between consecutive samples and the exit: exact for values that change linearly
  // between samples, as trilinear ones do between voxel centres on an axis-aligned ray.
  float total = 0.0, weight = 0.0, previous = 0.0, previous_t = t0;
  bool have_previous = false;

  for (int i = 0; i <= n_steps; i++)
    {
      float t = min (t0 + float (i) * dt, t1);
      float v = value_at (origin + t * dir);
      bool finite = is_finite (v);

      if (finite && have_previous)
        {
          total += 0.5 * (previous + v) * (t - previous_t);
          weight += t - previous_t;
        }
      have_previous = finite;
      previous = v;
      previous_t = t;
    }
  if (!(weight > 0.0))
    discard;
  frag_color = projected_colour (total / weight);
  if (frag_color.a <= 0.0)
    discard;
#else
  // The first sign change of v - level between two samples, refined by bisection.
  float previous_t = -1.0;
  bool previous_below = false;
  bool hit = false;
  float hit_t = 0.0;

  for (int i = 0; i < n_steps; i++)
    {
      float t = t0 + float (i) * dt;
      vec3 p = origin + t * dir;
      float v;
      bool below;

      if (u_skip && t >= brick_end)
        {
          brick_range = texelFetch (u_bricks, brick_of (p), 0).rg;
          brick_end = brick_exit (p, origin, inverse_dir);
        }
      // Every value in the brick on the side of the level the previous sample was on.
      if (u_skip && previous_t >= 0.0 &&
          (previous_below ? brick_range.y < u_iso_level : brick_range.x >= u_iso_level))
        {
          int next = max (int (ceil ((brick_end - t0) / dt)), i + 1);

          previous_t = t0 + float (min (next, n_steps) - 1) * dt;
          i = next - 1;
          continue;
        }
      v = value_at (p);
      if (!is_finite (v))
        {
          previous_t = -1.0;
          continue;
        }
      below = v < u_iso_level;
      if (previous_t >= 0.0 && below != previous_below)
        {
          float a = previous_t, b = t;

          for (int k = 0; k < 8; k++)
            {
              float middle = 0.5 * (a + b);
              float w = value_at (origin + middle * dir);

              if ((w < u_iso_level) == previous_below)
                a = middle;
              else
                b = middle;
            }
          hit = true;
          hit_t = 0.5 * (a + b);
          break;
        }
      previous_t = t;
      previous_below = below;
    }
  if (!hit)
    discard;
  {
    vec4 base = mapped_colour (u_iso_level);

    if (base.a <= 0.0)
      discard;
    frag_color = vec4 (shade (origin + hit_t * dir, dir, base.rgb), 1.0);
  }
#endif
}

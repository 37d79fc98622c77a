// slice.frag: stored value -> transfer -> [lo, hi] -> colour-map entry, tinted by the phase that
// owns the value and by the particle highlight, or in its particle's colour, then by the voxel's
// cluster; holes are discarded. The RGB build colours voxels from three channels instead of the
// colour map.
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

// The CPU reference is evox_display_coordinate () followed by evox_colormap_sample ().

in vec3 v_texcoord;

uniform sampler3D u_volume;
uniform sampler2D u_colormap;   // 256 x 1, RGBA8, nearest
uniform float u_value_scale;    // 255 for R8, 65535 for R16, 1 for R32F
uniform bool u_integer;         // round normalized samples back to the stored integer
uniform int u_transfer;         // 0 identity, 1 log10, 2 exp10 (EvoxTransfer)
uniform float u_a;              // transfer (lo); for exp10: 10^(lo - u_m)
uniform float u_b;              // transfer (hi); for exp10: 10^(hi - u_m)
uniform float u_m;              // max (lo, hi), keeps exp10 inside float range
uniform bool u_valid;           // FALSE when lo or hi has no transfer (log10 of <= 0)
uniform float u_alpha;

// Phases: row i of the 2 x n texture is (lo, hi, visible, 0) and (r, g, b, opacity), with lo and
// hi already rounded on the CPU to the stored type (the smallest integer or float >= lo, the
// largest <= hi), so comparing the stored value with them is exactly lo <= v <= hi in doubles.
uniform int u_phase_mode;       // 0 off, 1 colour, 2 colour and discard voxels in no phase
uniform int u_n_phases;
uniform sampler2D u_phases;     // RGBA32F, texelFetch only

// Particle highlight: u_selected != 0 paints that label's voxels u_highlight and dims the rest.
uniform uint u_selected;
uniform usampler3D u_labels;    // R8UI, R16UI or R32UI, texelFetch only
uniform vec3 u_highlight;
uniform float u_dim;

// Particle colouring, built only into the PARTICLE_COLORS variant (llvmpipe runs a branch's code
// for every fragment whether or not any takes it: the block cost the layer stack 12%): label l's
// RGBA at (l mod width, l / width), width = 2^shift so both are bit operations; alpha 0 keeps the
// usual colour, in grey. Width 0 turns it off.
uniform sampler2D u_label_colors;   // RGBA8, texelFetch only
uniform int u_label_color_width;
uniform int u_label_color_shift;

// Cluster overlay, built only into the CLUSTERS variants (a frame without clusters costs what it
// did), outlines only into CLUSTER_OUTLINES ones (their four extra fetches would cost every
// fragment, outlines or not). The ids come with the value, in the volume texture's second
// component (RG8, RG16 or RG32F: one fetch for both); id i's colour is at (i mod 256, i / 256),
// alpha 0 for id 0 and hidden clusters. Textures without ids (the scans) read id 0.
#ifdef CLUSTERS
uniform float u_cluster_scale;      // 255 for RG8, 65535 for RG16, 1 for RG32F
uniform sampler2D u_cluster_colors; // RGBA8, texelFetch only
uniform float u_cluster_opacity;
uniform bool u_clusters_on;         // FALSE for planes the ids do not belong to (scans)
#endif
#ifdef CLUSTER_OUTLINES
const float OUTLINE_SHADE = 0.5;    // EVOX_RENDERER_OUTLINE_SHADE
// How the texture coordinate changes across the screen, taken first thing in main (derivatives
// are undefined in branches some fragments of a 2 x 2 quad skip).
vec3 plane_change;
#endif

// RGB composite, built only into the RGB variants: three channels of the volume (same sample
// type, so u_value_scale and u_integer hold for them too), each scaled from its own [lo, hi]
// into one colour; u_rgb_used is 1 for a used slot, 0 for an unused one.
#ifdef RGB
uniform bool u_rgb_on;              // FALSE for planes the channels do not belong to (scans)
uniform sampler3D u_rgb_red;
uniform sampler3D u_rgb_green;
uniform sampler3D u_rgb_blue;
uniform vec3 u_rgb_used;
uniform vec3 u_rgb_lo;
uniform vec3 u_rgb_hi;
#endif

// Bricked drawing, built only into the BRICKED variant: the plane is drawn a tile at a time, each
// tile's texture holding the voxels it owns at one level of the pyramid and a border of one voxel
// (so a sample that rounds to the neighbouring voxel reads the right value). The fragment's voxel
// is found from the whole volume's texture coordinate, so the picture is the unbricked one pixel
// for pixel at level 0.
#ifdef BRICKED
uniform vec3 u_level_scale;     // level voxels per unit of texture coordinate (dims / 2^level)
uniform ivec3 u_tile_first;     // the level voxel at the tile texture's texel 0
uniform vec3 u_tile_lo;         // the voxels this tile draws: lo <= p < hi, open at the faces
uniform vec3 u_tile_hi;
// What the tile's plane draws besides the values, in textures of the same layout (texel for
// texel): the particle labels (R8, R16 or R32F: label = normalized x u_label_scale) and the
// cluster ids (R16; u_cluster_scale 65535); the RGB channels come on u_rgb_*.
uniform sampler3D u_label_tile;
uniform float u_label_scale;
#ifdef CLUSTERS
uniform sampler3D u_cluster_tile;
#endif
// The tile texel of the fragment's voxel (fetch_volume () sets it).
ivec3 tile_texel;
#endif

out vec4 frag_color;

const float LOG10_OF_2 = 0.30102999566398120;
const float LOG2_OF_10 = 3.32192809488736235;

bool
is_finite (float x)
{
  // Bit test rather than isnan()/isinf(), which optimizers may assume away.
  return (floatBitsToUint (x) & 0x7f800000u) != 0x7f800000u;
}

#ifdef RGB
// One slot's share: 0 for an unused slot or a NaN value; `seen` turns TRUE for a finite value of
// a used slot.
float
rgb_component (float used,
               float normalized,
               float lo,
               float hi,
               inout bool seen)
{
  float v = normalized * u_value_scale;

  if (used == 0.0 || !is_finite (v))
    return 0.0;
  seen = true;
  if (u_integer)
    v = floor (v + 0.5);
  if (hi == lo)
    return v < lo ? 0.0 : 1.0;
  return clamp ((v - lo) / (hi - lo), 0.0, 1.0);
}

#ifdef BRICKED
#define RGB_FETCH(channel) texelFetch (channel, tile_texel, 0).r
#else
#define RGB_FETCH(channel) texture (channel, v_texcoord).r
#endif

// FALSE when the voxel is NaN in every used slot.
bool
rgb_colour (out vec3 colour)
{
  bool seen = false;

  colour.r = rgb_component (u_rgb_used.r, RGB_FETCH (u_rgb_red), u_rgb_lo.r, u_rgb_hi.r, seen);
  colour.g = rgb_component (u_rgb_used.g, RGB_FETCH (u_rgb_green), u_rgb_lo.g, u_rgb_hi.g,
                            seen);
  colour.b = rgb_component (u_rgb_used.b, RGB_FETCH (u_rgb_blue), u_rgb_lo.b, u_rgb_hi.b, seen);
  return seen;
}
#endif

// The colour map's colour of stored value v; discards what the mapping cannot show.
vec3
mapped_colour (float v)
{
  bool drawable = u_valid;
  float w, t;
  int index;

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
    discard;

  if (u_b == u_a)
    t = w < u_a ? 0.0 : 1.0;
  else
    t = (w - u_a) / (u_b - u_a);
  t = clamp (t, 0.0, 1.0);

  // Entry round (t * 255), the same as sampling the 256-texel map at (t * 255 + 0.5) / 256.
  index = int (floor (t * 255.0 + 0.5));
  return texelFetch (u_colormap, ivec2 (index, 0), 0).rgb;
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

// The label of the voxel the volume's nearest sample came from; 0 without labels.
uint
label_here ()
{
  ivec3 size;
  ivec3 voxel;

#ifdef PARTICLE_COLORS
  if (u_selected == 0u && u_label_color_width == 0)
#else
  if (u_selected == 0u)
#endif
    return 0u;
#ifdef BRICKED
  return uint (texelFetch (u_label_tile, tile_texel, 0).r * u_label_scale + 0.5);
#else
  size = textureSize (u_labels, 0);
  voxel = clamp (ivec3 (floor (v_texcoord * vec3 (size))), ivec3 (0), size - 1);
  return texelFetch (u_labels, voxel, 0).r;
#endif
}

#ifdef CLUSTERS
// The colour with the voxel's cluster over it; outline voxels (a neighbour in the slice plane
// with another id) opaque in a darker shade of their cluster's colour.
uint
cluster_id (float normalized)
{
  return uint (normalized * u_cluster_scale + 0.5);
}

vec3
cluster_overlay (vec3 colour,
                 float normalized)
{
  uint id;
  vec4 tint;

  if (!u_clusters_on)
    return colour;
  id = cluster_id (normalized);
  if (id == 0u)
    return colour;
  tint = texelFetch (u_cluster_colors, ivec2 (int (id & 255u), int (id >> 8u)), 0);
  // alpha: the cluster's share of the opacity (0 hidden, below 1 dimmed beside a selected one)
  if (tint.a == 0.0)
    return colour;
#ifdef CLUSTER_OUTLINES
    {
#ifdef BRICKED
      // The tile holds one voxel of border where the level has one, so a neighbour lies
      // outside the tile's texture exactly where it lies outside the volume.
      ivec3 size = textureSize (u_cluster_tile, 0);
      ivec3 voxel = tile_texel;
#define CLUSTER_AT(n) texelFetch (u_cluster_tile, n, 0).r
#else
      ivec3 size = textureSize (u_volume, 0);
      ivec3 voxel = clamp (ivec3 (floor (v_texcoord * vec3 (size))), ivec3 (0), size - 1);
#define CLUSTER_AT(n) texelFetch (u_volume, n, 0).g
#endif
      // The plane's normal is the axis along which the texture coordinate does not change
      // across the screen; its two other axes span the slice.
      vec3 change = plane_change;
      int normal = change.x <= change.y && change.x <= change.z ? 0
                   : change.y <= change.z ? 1 : 2;
      ivec3 u = ivec3 (0), v = ivec3 (0);
      bool edge = false;

      u[(normal + 1) % 3] = 1;
      v[(normal + 2) % 3] = 1;
      ivec3 around[4] = ivec3[4] (voxel + u, voxel - u, voxel + v, voxel - v);
      for (int i = 0; i < 4; i++)
        {
          ivec3 n = around[i];

          if (all (greaterThanEqual (n, ivec3 (0))) && all (lessThan (n, size)) &&
              cluster_id (CLUSTER_AT (n)) != id)
            edge = true;
        }
      if (edge)
        return mix (colour, tint.rgb * OUTLINE_SHADE, tint.a);
    }
#endif
  return mix (colour, tint.rgb, u_cluster_opacity * tint.a);
}
#endif

vec4
fetch_volume ()
{
#ifdef BRICKED
  vec3 p = v_texcoord * u_level_scale;
  ivec3 size = textureSize (u_volume, 0);

  // Another tile draws this fragment.
  if (any (lessThan (p, u_tile_lo)) || any (greaterThanEqual (p, u_tile_hi)))
    discard;
  vec4 texel;

  tile_texel = clamp (ivec3 (floor (p)) - u_tile_first, ivec3 (0), size - 1);
  texel = texelFetch (u_volume, tile_texel, 0);
#ifdef CLUSTERS
  texel.g = texelFetch (u_cluster_tile, tile_texel, 0).r;
#endif
  return texel;
#else
  return texture (u_volume, v_texcoord);
#endif
}

void
main ()
{
  vec4 texel = fetch_volume ();
  float v = texel.r * u_value_scale;
  uint label;
  int phase = -1;
  vec3 colour = vec3 (0.0);
#ifdef RGB
  vec3 composite = vec3 (0.0);
#endif

#ifdef CLUSTER_OUTLINES
  plane_change = abs (dFdx (v_texcoord)) + abs (dFdy (v_texcoord));
#endif
#ifdef RGB
  // The composite's channels decide what is a hole, not the channel the colour map shows.
  if (u_rgb_on)
    {
      if (!rgb_colour (composite))
        discard;
    }
  else if (!is_finite (v))
    discard;
#else
  if (!is_finite (v))
    discard;
#endif
  if (u_integer)
    v = floor (v + 0.5);

  label = label_here ();
  if (u_selected != 0u && label == u_selected)
    {
      // Always drawn, whatever the mapping or the phases hide: it is what the user asked to see.
      frag_color = vec4 (u_highlight, u_alpha);
      return;
    }

  if (u_phase_mode != 0)
    {
      phase = find_phase (v);
      if (phase < 0 && u_phase_mode == 2)
        discard;
    }

#ifdef PARTICLE_COLORS
  if (u_label_color_width > 0 && label != 0u)
    {
      uint mask = uint (u_label_color_width) - 1u;
      vec4 particle = texelFetch (u_label_colors, ivec2 (int (label & mask),
                                                         int (label >> uint (u_label_color_shift))),
                                  0);

      if (particle.a > 0.5)
        {
          colour = particle.rgb;
#ifdef CLUSTERS
          colour = cluster_overlay (colour, texel.g);
#endif
          if (u_selected != 0u)
            colour *= u_dim;
          frag_color = vec4 (colour, u_alpha);
          return;
        }
    }
#endif

#ifdef RGB
  if (u_rgb_on)
    colour = composite;
  else
    colour = mapped_colour (v);
#else
  colour = mapped_colour (v);
#endif

  if (phase >= 0)
    {
      vec4 tint = texelFetch (u_phases, ivec2 (1, phase), 0);

      colour = mix (colour, tint.rgb, tint.a);
    }
#ifdef PARTICLE_COLORS
  // While particles are coloured, the rest is grey so that no value's colour reads as a
  // particle's; a composite's colours are the point of it and stay.
#ifdef RGB
  if (u_label_color_width > 0 && !u_rgb_on)
#else
  if (u_label_color_width > 0)
#endif
    colour = vec3 (dot (colour, vec3 (0.2126, 0.7152, 0.0722)));
#endif
#ifdef CLUSTERS
  colour = cluster_overlay (colour, texel.g);
#endif
  if (u_selected != 0u)
    colour *= u_dim;

  frag_color = vec4 (colour, u_alpha);
}

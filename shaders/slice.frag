// slice.frag: stored value -> transfer -> [lo, hi] -> colour-map entry; holes are discarded.
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

out vec4 frag_color;

const float LOG10_OF_2 = 0.30102999566398120;
const float LOG2_OF_10 = 3.32192809488736235;

bool
is_finite (float x)
{
  // Bit test rather than isnan()/isinf(), which optimizers may assume away.
  return (floatBitsToUint (x) & 0x7f800000u) != 0x7f800000u;
}

void
main ()
{
  float v = texture (u_volume, v_texcoord).r * u_value_scale;
  float w, t;
  int index;

  if (!u_valid || !is_finite (v))
    discard;
  if (u_integer)
    v = floor (v + 0.5);

  if (u_transfer == 1)
    {
      if (!(v > 0.0))
        discard;
      w = log2 (v) * LOG10_OF_2;
    }
  else if (u_transfer == 2)
    w = exp2 ((v - u_m) * LOG2_OF_10);
  else
    w = v;

  if (u_b == u_a)
    t = w < u_a ? 0.0 : 1.0;
  else
    t = (w - u_a) / (u_b - u_a);
  t = clamp (t, 0.0, 1.0);

  // Entry round (t * 255), the same as sampling the 256-texel map at (t * 255 + 0.5) / 256.
  index = int (floor (t * 255.0 + 0.5));
  frag_color = vec4 (texelFetch (u_colormap, ivec2 (index, 0), 0).rgb, u_alpha);
}

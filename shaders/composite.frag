// composite.frag: resolves weighted blended OIT sums into one straight colour and its coverage,
// blended over the framebuffer as "over".
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

uniform sampler2D u_accum;      // RGBA16F: (sum of c a w, product of (1 - a))
uniform sampler2D u_weight;     // R16F: sum of a w
uniform ivec2 u_offset;         // the viewport's corner: the targets are the viewport's size

out vec4 frag_color;

void
main ()
{
  ivec2 p = ivec2 (gl_FragCoord.xy) - u_offset;
  vec4 accum = texelFetch (u_accum, p, 0);
  float revealage = accum.a;
  float weight = texelFetch (u_weight, p, 0).r;

  // Nothing translucent here: leave the pixel exactly as it is.
  if (revealage >= 1.0)
    discard;
  frag_color = vec4 (min (accum.rgb / max (weight, 1e-6), vec3 (1.0)), 1.0 - revealage);
}

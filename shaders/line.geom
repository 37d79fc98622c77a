// line.geom: turns each line into a screen-aligned quad u_width pixels wide (core GL has no wide lines).
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

layout (lines) in;
layout (triangle_strip, max_vertices = 4) out;

uniform vec2 u_viewport;  // pixels
uniform float u_width;    // pixels

void
main ()
{
  vec4 p0 = gl_in[0].gl_Position;
  vec4 p1 = gl_in[1].gl_Position;
  // Signed distance to the near plane (z = -w in clip space); clip there before dividing by w.
  float d0 = p0.z + p0.w;
  float d1 = p1.z + p1.w;

  if (d0 < 0.0 && d1 < 0.0)
    return;
  if (d0 < 0.0)
    p0 = mix (p0, p1, d0 / (d0 - d1));
  else if (d1 < 0.0)
    p1 = mix (p1, p0, d1 / (d1 - d0));

  vec2 s0 = p0.xy / p0.w * u_viewport * 0.5;
  vec2 s1 = p1.xy / p1.w * u_viewport * 0.5;
  vec2 along = s1 - s0;
  float length_px = length (along);
  along = length_px > 1e-4 ? along / length_px : vec2 (1.0, 0.0);
  // Half a width sideways, and half a width past each end so that corners close.
  vec2 side = vec2 (-along.y, along.x) * (0.5 * u_width);
  vec2 ahead = along * (0.5 * u_width);
  vec2 to_ndc = 2.0 / u_viewport;

  gl_Position = p0 + vec4 ((-ahead - side) * to_ndc * p0.w, 0.0, 0.0);
  EmitVertex ();
  gl_Position = p0 + vec4 ((-ahead + side) * to_ndc * p0.w, 0.0, 0.0);
  EmitVertex ();
  gl_Position = p1 + vec4 ((ahead - side) * to_ndc * p1.w, 0.0, 0.0);
  EmitVertex ();
  gl_Position = p1 + vec4 ((ahead + side) * to_ndc * p1.w, 0.0, 0.0);
  EmitVertex ();
  EndPrimitive ();
}

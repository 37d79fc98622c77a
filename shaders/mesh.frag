// mesh.frag: Blinn-Phong with a headlight, two-sided, clipped by the slice planes when built with
// CLIP defined, in the mesh's colours when built with VERTEX_COLORS; writes a plain colour
// (opaque pass) or weighted blended OIT sums (translucent pass). Only the CLIP build discards
// fragments: a shader that can discard loses llvmpipe's early depth test.
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

in vec3 v_view_position;
in vec3 v_view_normal;
#ifdef VERTEX_COLORS
in vec4 v_color;                // the mesh's own colours
#endif

uniform vec4 u_color;           // straight RGB of the surface (unless VERTEX_COLORS); alpha is
                                // its opacity
uniform bool u_orthographic;
// CLIP: discard the octant on the camera's side of the three slice planes.
uniform mat4 u_view_to_world;   // inverse of the view matrix: world is nm, z exaggerated
uniform vec3 u_clip_planes;     // world position of the x, y and z slice planes
uniform vec3 u_clip_side;       // +1 or -1: the side of each plane the camera is on
uniform int u_pass;             // 0 opaque, 1 translucent (weighted blended OIT)
uniform vec2 u_depth_range;     // view depth of the scene's nearest and farthest point

// Target 0: opaque colour, or (sum of c a w, product of (1 - a)) with blending
// (ONE, ONE) for colour and (ZERO, ONE_MINUS_SRC_ALPHA) for alpha; target 1: sum of a w.
layout (location = 0) out vec4 frag_color;
layout (location = 1) out vec4 frag_weight;

const float AMBIENT = 0.25;
const float DIFFUSE = 0.75;
const float SPECULAR = 0.25;
const float SHININESS = 40.0;
// The inside of an open or clipped surface reads as inside: lit with the flipped normal, darker.
const float BACK_DIM = 0.7;

// A depth weight of the kind McGuire and Bavoil propose, on the depth t normalised over the
// scene (0 nearest, 1 farthest) so that it does not depend on the scene's size in nm: nearer
// layers count more, up to 10^4 times. Range [0.01, 100] keeps sums of many layers within
// half floats.
float
depth_weight ()
{
  float span = max (u_depth_range.y - u_depth_range.x, 1e-30);
  float t = clamp ((-v_view_position.z - u_depth_range.x) / span, 0.0, 1.0);
  float s = 1.0 - t;

  return clamp (100.0 * s * s * s, 0.01, 100.0);
}

void
main ()
{
  vec3 n = v_view_normal;
  vec3 v, base, colour;
  float dim = 1.0, d, s;

#ifdef CLIP
  vec3 world = (u_view_to_world * vec4 (v_view_position, 1.0)).xyz;

  if (all (greaterThan ((world - u_clip_planes) * u_clip_side, vec3 (0.0))))
    discard;
#endif

  // A vertex without a usable normal falls back to the face's own.
  if (dot (n, n) < 1e-24)
    n = cross (dFdx (v_view_position), dFdy (v_view_position));
  n = normalize (n);
  v = u_orthographic ? vec3 (0.0, 0.0, 1.0) : normalize (-v_view_position);
  if (!gl_FrontFacing)
    {
      n = -n;
      dim = BACK_DIM;
    }

  // The light is at the eye, so the half vector is the view vector itself.
  d = max (dot (n, v), 0.0);
  s = d > 0.0 ? pow (d, SHININESS) : 0.0;
#ifdef VERTEX_COLORS
  base = v_color.rgb;
#else
  base = u_color.rgb;
#endif
  colour = min (dim * (base * (AMBIENT + DIFFUSE * d) + SPECULAR * s), vec3 (1.0));

  if (u_pass == 0)
    {
      frag_color = vec4 (colour, 1.0);
      frag_weight = vec4 (0.0);
    }
  else
    {
      float w = depth_weight ();

      frag_color = vec4 (colour * u_color.a * w, u_color.a);
      frag_weight = vec4 (u_color.a * w);
    }
}

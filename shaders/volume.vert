// volume.vert: one triangle over the viewport; volume.frag casts a ray through each pixel.
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

// The box's own faces would do as well, but which side of them faces the camera depends on the
// camera's handedness; a pixel that misses the box leaves after a few arithmetic operations.
void
main ()
{
  vec2 corner = vec2 (gl_VertexID == 1 ? 3.0 : -1.0, gl_VertexID == 2 ? 3.0 : -1.0);

  gl_Position = vec4 (corner, 0.0, 1.0);
}

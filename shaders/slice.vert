// slice.vert: places a textured plane (slice or stack layer) in world space (nm, z exaggerated).
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

layout (location = 0) in vec3 a_position;
layout (location = 1) in vec3 a_texcoord;

uniform mat4 u_mvp;

out vec3 v_texcoord;

void
main ()
{
  v_texcoord = a_texcoord;
  gl_Position = u_mvp * vec4 (a_position, 1.0);
}

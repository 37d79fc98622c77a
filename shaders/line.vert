// line.vert: box edges and plane outlines in world space (nm, z exaggerated).
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

layout (location = 0) in vec3 a_position;

uniform mat4 u_mvp;

void
main ()
{
  gl_Position = u_mvp * vec4 (a_position, 1.0);
}

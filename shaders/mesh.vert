// mesh.vert: places a surface's vertices (nm of the volume's frame) in the world (z exaggerated)
// and hands the fragment stage what lighting needs. Few outputs: llvmpipe interpolates every one
// of them for every fragment, so the colour is there only in the VERTEX_COLORS build.
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

layout (location = 0) in vec3 a_position;   // nm
layout (location = 1) in vec3 a_normal;     // unit, pointing out
#ifdef VERTEX_COLORS
layout (location = 2) in vec4 a_color;      // straight RGBA
#endif

uniform mat4 u_mvp;             // projection * view * model
uniform mat4 u_modelview;       // view * model
uniform mat3 u_normal_matrix;   // inverse transpose of the upper 3 x 3 of u_modelview

out vec3 v_view_position;
out vec3 v_view_normal;
#ifdef VERTEX_COLORS
out vec4 v_color;
#endif

void
main ()
{
  v_view_position = (u_modelview * vec4 (a_position, 1.0)).xyz;
  v_view_normal = u_normal_matrix * a_normal;
#ifdef VERTEX_COLORS
  v_color = a_color;
#endif
  gl_Position = u_mvp * vec4 (a_position, 1.0);
}

// mesh.vert: places a surface's vertices (nm of the volume's frame) in the world (z exaggerated)
// and hands the fragment stage what lighting needs. Few outputs: llvmpipe sets up every one of
// them for every triangle.
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

layout (location = 0) in vec3 a_position;   // nm
layout (location = 1) in vec3 a_normal;     // unit, pointing out
layout (location = 2) in vec4 a_color;      // straight RGBA, when the mesh has colours

uniform mat4 u_mvp;             // projection * view * model
uniform mat4 u_modelview;       // view * model
uniform mat3 u_normal_matrix;   // inverse transpose of the upper 3 x 3 of u_modelview

out vec3 v_view_position;
out vec3 v_view_normal;
out vec4 v_color;

void
main ()
{
  v_view_position = (u_modelview * vec4 (a_position, 1.0)).xyz;
  v_view_normal = u_normal_matrix * a_normal;
  v_color = a_color;
  gl_Position = u_mvp * vec4 (a_position, 1.0);
}

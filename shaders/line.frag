// line.frag: one flat colour per draw (box, slice outline, measured or interpolated layer).
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

uniform vec4 u_color;  // straight alpha

out vec4 frag_color;

void
main ()
{
  frag_color = u_color;
}

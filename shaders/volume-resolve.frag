// volume-resolve.frag: the rays of an interactive frame, cast at a lower resolution, stretched
// over the view and blended "over" it (premultiplied colours, linear filtering).
// SPDX-License-Identifier: BSD-3-Clause
#version 330 core

uniform sampler2D u_image;
uniform vec4 u_viewport;   // the view's lower-left corner and size in framebuffer pixels

out vec4 frag_color;

void
main ()
{
  frag_color = texture (u_image, (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw);
}

#!/usr/bin/python3
# interface_mesh_ref.py: the reference for evox_interface_area_mesh that tests/test-metrics-thickness.c quotes.
# SPDX-License-Identifier: BSD-3-Clause
# Usage: /usr/bin/python3 bench/interface_mesh_ref.py [ELECTRODE.tiff]
# What: on the corner x < 64, y < 56, z < 48, scipy's Gaussian (sigma 1, mode reflect =
# mirrored about the faces, truncate 3) of each mask x 255 in floats, the level keeping the voxel
# count, skimage's marching cubes on the grid padded by one mirrored voxel, triangles clipped to
# the volume's box [-0.5, n - 0.5] (Sutherland-Hodgman), areas summed; a/b = (S(a) + S(b) - S(a or b)) / 2.
import sys
import numpy as np, tifffile
from scipy import ndimage
from skimage import measure
v = tifffile.imread(sys.argv[1] if len(sys.argv) > 1 else '../shared/data/tomo/electrode.tiff')[:48, :56, :64]
def clip(poly, axis, bound, sign):
    out = []
    for i in range(len(poly)):
        p, q = poly[i], poly[(i + 1) % len(poly)]
        dp, dq = sign * (p[axis] - bound), sign * (q[axis] - bound)
        if dp >= 0: out.append(p)
        if (dp >= 0) != (dq >= 0):
            t = dp / (dp - dq); out.append(p + t * (q - p))
    return out
def parea(poly):
    s = np.zeros(3)
    for i in range(1, len(poly) - 1):
        s += np.cross(poly[i] - poly[0], poly[i + 1] - poly[0])
    return 0.5 * np.linalg.norm(s)
def S(mask):
    n = int(mask.sum())
    if n == 0 or n == mask.size: return 0.0
    f = ndimage.gaussian_filter(mask.astype(np.float64) * 255, sigma=1, mode='reflect', truncate=3.0)
    s = np.sort(f.ravel())[::-1]
    level = 0.5 * (s[n - 1] + s[n])
    g = np.pad(f, 1, mode='symmetric')
    verts, faces, _, _ = measure.marching_cubes(g, level)
    verts = verts - 1.0   # voxel 0 at 0
    lo = np.full(3, -0.5); hi = np.array(mask.shape) - 0.5
    tri = verts[faces]
    inside = np.all((tri >= lo) & (tri <= hi), axis=(1, 2))
    a = 0.5 * np.linalg.norm(np.cross(tri[inside, 1] - tri[inside, 0], tri[inside, 2] - tri[inside, 0]), axis=1).sum()
    for t in tri[~inside]:
        poly = list(t)
        for k in range(3):
            if len(poly) >= 3: poly = clip(poly, k, lo[k], 1.0)
            if len(poly) >= 3: poly = clip(poly, k, hi[k], -1.0)
        if len(poly) >= 3: a += parea(poly)
    return a
pore, am = v == 0, v == 85
for name, a, b in (('pore/solid', pore, ~pore), ('pore/AM', pore, am)):
    area = 0.5 * (S(a) + S(b) - S(a | b))
    print(name, repr(area), 'per voxel of the sample', repr(area / v.size))

#!/usr/bin/python3
# tortuosity_aniso_ref.py: the tortuosity factor of a small labelled volume with anisotropic voxels by a sparse direct solve, in physical units.
# SPDX-License-Identifier: BSD-3-Clause
"""Assembles the finite-volume diffusion system of a small u8 TIFF with voxels hx x hy x hz (any
one unit) straight from the geometry and solves it with scipy's spsolve: value 0 conducts with
D = 1, value 170 with D2 (when given), everything else not at all. Two voxels adjacent along an
axis of edge h are joined by (area of their face) / h times the harmonic mean of their D; a
boundary voxel is joined to the fixed concentration (1 before the first layer, 0 after the
last) by (face area) / (h / 2) times its D. The unknowns are the 6-connected parts of the
conductors touching both faces. D_eff / D = F L / (A dC) with F the mean of the fluxes in and
out, L and A the volume's length and cross-section in the same unit; tau = D_mean / D_eff with
D_mean = eps0 + D2 eps170. Nothing here uses Evox's scaling by (h_a / h_d)^2, so it checks it.
Usage: tortuosity_aniso_ref.py FILE HX HY HZ x|y|z [D2]   (x is the fastest axis, as in Evox)
"""
import sys

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl
import tifffile
from scipy import ndimage


def solve(d, h, axis):
    """d: diffusivities (z, y, x); h: edges (z, y, x); axis: numpy axis of the flow."""
    labels, _ = ndimage.label(d > 0)
    first = np.take(labels, 0, axis=axis)
    last = np.take(labels, -1, axis=axis)
    spanning = np.intersect1d(np.unique(first[first > 0]), np.unique(last[last > 0]))
    kept = np.isin(labels, spanning)
    index = -np.ones(d.shape, int)
    index[kept] = np.arange(kept.sum())
    n = int(kept.sum())
    volume = h[0] * h[1] * h[2]
    rows, cols, vals = [], [], []
    diag = np.zeros(n)
    b = np.zeros(n)
    for a in range(3):
        area_over_h = volume / h[a] ** 2
        low = [slice(None)] * 3
        high = [slice(None)] * 3
        low[a] = slice(0, -1)
        high[a] = slice(1, None)
        i, j = index[tuple(low)], index[tuple(high)]
        di, dj = d[tuple(low)], d[tuple(high)]
        both = (i >= 0) & (j >= 0)
        w = area_over_h * 2 * di[both] * dj[both] / (di[both] + dj[both])
        rows += [i[both], j[both]]
        cols += [j[both], i[both]]
        vals += [-w, -w]
        np.add.at(diag, i[both], w)
        np.add.at(diag, j[both], w)
    fixed = volume / h[axis] ** 2 * 2.0
    i0, d0 = np.take(index, 0, axis=axis), np.take(d, 0, axis=axis)
    i1, d1 = np.take(index, -1, axis=axis), np.take(d, -1, axis=axis)
    m0, m1 = i0 >= 0, i1 >= 0
    np.add.at(diag, i0[m0], fixed * d0[m0])
    np.add.at(b, i0[m0], fixed * d0[m0])
    np.add.at(diag, i1[m1], fixed * d1[m1])
    matrix = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(n, n)) + sp.diags(diag)
    c = spl.spsolve(matrix.tocsc(), b)
    flux_in = np.sum(fixed * d0[m0] * (1 - c[i0[m0]]))
    flux_out = np.sum(fixed * d1[m1] * c[i1[m1]])
    length = d.shape[axis] * h[axis]
    area = np.prod([d.shape[k] * h[k] for k in range(3) if k != axis])
    return 0.5 * (flux_in + flux_out) * length / area


def main():
    volume = tifffile.imread(sys.argv[1])
    hx, hy, hz = (float(v) for v in sys.argv[2:5])
    axis_name = sys.argv[5]
    d2 = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
    d = np.zeros(volume.shape)
    d[volume == 170] = d2
    d[volume == 0] = 1.0
    d_mean = (np.sum(volume == 0) + d2 * np.sum(volume == 170)) / volume.size
    d_eff = solve(d, (hz, hy, hx), {'x': 2, 'y': 1, 'z': 0}[axis_name])
    print(f"spacing {hx:g} {hy:g} {hz:g} axis {axis_name} D2 {d2:g}: tau {d_mean / d_eff:.9f} "
          f"D_eff {d_eff:.9f}")


if __name__ == '__main__':
    main()

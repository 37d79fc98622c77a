#!/usr/bin/python3
# tortuosity_two_phase_ref.py: the two-phase tortuosity factor of a small labelled volume by a
# sparse direct solve, in Evox's convention and in TauFactor MultiPhaseSolver's.
# SPDX-License-Identifier: BSD-3-Clause
"""Solves the two-phase diffusion system of a small u8 TIFF (value 0 conducts with D = 1, value
170 with D2, everything else not at all) with scipy's spsolve, along one axis, twice:

  evox       the fixed concentrations half a voxel outside the volume (conductance 2 D_i), length L
  taufactor  the fixed concentrations on a ghost layer one voxel outside, with the boundary
             voxel's own conductivity (conductance D_i), length L + 1, as MultiPhaseSolver sets it

Faces between voxels conduct 2 D_i D_j / (D_i + D_j) in both; the unknowns are the 6-connected
parts of the union touching both faces; tau = D_mean / D_eff with D_mean = eps0 + D2 eps170.
Usage: tortuosity_two_phase_ref.py FILE D2 x|y|z (the axis as Evox names it: x is the fastest).
"""
import sys

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl
import tifffile
from scipy import ndimage


def solve(volume, d, axis, ghost, h=(1.0, 1.0, 1.0)):
    """h: the voxel's edges along the numpy axes (z, y, x), for anisotropic voxels: a face
    conducts its area over the distance between the centres, h_z h_y h_x / h_a^2, times the
    harmonic mean of D; lengths and areas are physical."""
    conducting = d > 0
    labels, _ = ndimage.label(conducting)
    first = np.take(labels, 0, axis=axis)
    last = np.take(labels, -1, axis=axis)
    spanning = np.intersect1d(np.unique(first[first > 0]), np.unique(last[last > 0]))
    kept = np.isin(labels, spanning)
    index = -np.ones(volume.shape, int)
    index[kept] = np.arange(kept.sum())
    n = int(kept.sum())
    voxel = h[0] * h[1] * h[2]
    rows, cols, vals = [], [], []
    diag = np.zeros(n)
    b = np.zeros(n)
    for a in range(3):
        low = [slice(None)] * 3
        high = [slice(None)] * 3
        low[a] = slice(0, -1)
        high[a] = slice(1, None)
        i, j = index[tuple(low)], index[tuple(high)]
        di, dj = d[tuple(low)], d[tuple(high)]
        both = (i >= 0) & (j >= 0)
        w = voxel / h[a] ** 2 * 2 * di[both] * dj[both] / (di[both] + dj[both])
        rows += [i[both], j[both]]
        cols += [j[both], i[both]]
        vals += [-w, -w]
        np.add.at(diag, i[both], w)
        np.add.at(diag, j[both], w)
    g = (1.0 if ghost else 2.0) * voxel / h[axis] ** 2
    i0, d0 = np.take(index, 0, axis=axis), np.take(d, 0, axis=axis)
    i1, d1 = np.take(index, -1, axis=axis), np.take(d, -1, axis=axis)
    m0, m1 = i0 >= 0, i1 >= 0
    np.add.at(diag, i0[m0], g * d0[m0])
    np.add.at(b, i0[m0], g * d0[m0])
    np.add.at(diag, i1[m1], g * d1[m1])
    matrix = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(n, n)) + sp.diags(diag)
    c = spl.spsolve(matrix.tocsc(), b)
    flux_in = np.sum(g * d0[m0] * (1 - c[i0[m0]]))
    flux_out = np.sum(g * d1[m1] * c[i1[m1]])
    length = volume.shape[axis]
    area = volume.size / length * voxel / h[axis]
    d_eff = 0.5 * (flux_in + flux_out) * (length + 1 if ghost else length) * h[axis] / area
    return d_eff, flux_in, flux_out


def main():
    volume = tifffile.imread(sys.argv[1])
    d2 = float(sys.argv[2])
    axis_name = sys.argv[3]
    axis = {'x': 2, 'y': 1, 'z': 0}[axis_name]
    d = np.zeros(volume.shape)
    d[volume == 170] = d2
    d[volume == 0] = 1.0
    d_mean = (np.sum(volume == 0) + d2 * np.sum(volume == 170)) / volume.size
    for ghost in (False, True):
        d_eff, flux_in, flux_out = solve(volume, d, axis, ghost)
        print(f"{'taufactor' if ghost else 'evox'} axis {axis_name} D2 {d2}: "
              f"tau {d_mean / d_eff:.9f} D_eff {d_eff:.9f} flux in {flux_in:.9g} "
              f"out {flux_out:.9g}")


if __name__ == '__main__':
    main()

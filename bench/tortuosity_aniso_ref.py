#!/usr/bin/python3
# tortuosity_aniso_ref.py: the tortuosity factor of a small labelled volume with anisotropic voxels by a sparse direct solve, in physical units.
# SPDX-License-Identifier: BSD-3-Clause
"""Solves the diffusion system of a small u8 TIFF with voxels hx x hy x hz (any one unit) with
scipy's spsolve (tortuosity_two_phase_ref.solve, Evox's half-voxel convention): value 0 conducts
with D = 1, value 170 with D2 (when given), everything else not at all. The system comes from
the geometry: two voxels adjacent along an axis of edge h are joined by (area of their face) / h
times the harmonic mean of their D, a boundary voxel to the fixed concentration (1 before the
first layer, 0 after the last) by (face area) / (h / 2) times its D; D_eff / D = F L / (A dC)
with L and A the volume's length and cross-section in the same unit; tau = D_mean / D_eff with
D_mean = eps0 + D2 eps170. Nothing here uses Evox's scaling by (h_a / h_d)^2, so it checks it.
Usage: tortuosity_aniso_ref.py FILE HX HY HZ x|y|z [D2]   (x is the fastest axis, as in Evox)
"""
import sys

import numpy as np
import tifffile

from tortuosity_two_phase_ref import solve


def main():
    volume = tifffile.imread(sys.argv[1])
    hx, hy, hz = (float(v) for v in sys.argv[2:5])
    axis_name = sys.argv[5]
    d2 = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
    d = np.zeros(volume.shape)
    d[volume == 170] = d2
    d[volume == 0] = 1.0
    d_mean = (np.sum(volume == 0) + d2 * np.sum(volume == 170)) / volume.size
    d_eff, _, _ = solve(volume, d, {'x': 2, 'y': 1, 'z': 0}[axis_name], False, (hz, hy, hx))
    print(f"spacing {hx:g} {hy:g} {hz:g} axis {axis_name} D2 {d2:g}: tau {d_mean / d_eff:.9f} "
          f"D_eff {d_eff:.9f}")


if __name__ == '__main__':
    main()

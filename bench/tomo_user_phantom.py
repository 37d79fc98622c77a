#!/usr/bin/python3
# tomo_user_phantom.py: a tilt series as a microscope would write it, for running
# `evox reconstruct` as a user does, and the check of the shifts it recovers.
# SPDX-License-Identifier: BSD-3-Clause
"""Writes OUT.h5 (Data Exchange: /exchange/data u16 (180, 256, 256), data_white (10 frames),
data_dark (5), theta in degrees, pixel_size 30 nm) of a 3D phantom of seven ellipsoids whose line
integrals are computed in closed form (a body, dense particles, a pore, a rod along the axis, a
small dot), each projection displaced by a stage jitter (Gaussian, 2 px RMS across, 1.5 px along
the axis, clipped at 5 px, then zero mean), counts dark + (white - dark) exp (-OD) with Poisson
noise, a flat field with a smooth bump and stripes. Beside it OUT.h5.truth.npz (the jitter jx, jy
in detector pixels, theta) and OUT.h5.phantom_bin2.npy (the phantom voxelised (z, y, x) on the
128^3 grid of --bin 2, in linear attenuation per nm).

  /usr/bin/python3 bench/tomo_user_phantom.py phantom.h5
  evox reconstruct phantom.h5 -o rec.tif --bin 2 --align reproject:5 --report qc.csv
  /usr/bin/python3 bench/tomo_user_phantom.py --check qc.csv phantom.h5 2

--check compares the report's per-angle shifts with the jitter divided by the bin: Evox's dx, dy
are corrections, so they should be -jitter / bin (up to a constant).
"""
import io
import sys

import h5py
import numpy as np


def check(report, truth, bin_):
    t = np.load(truth)
    text = open(report).read().split("\n\n\n")
    table = [s for s in text if s.startswith("index")][0]
    d = np.genfromtxt(io.StringIO(table), delimiter=",", names=True)
    for name, j in (("dx", t["jx"]), ("dy", t["jy"])):
        e = d[name] + j / bin_
        e -= e.mean()
        print(f"{name}: RMS error {np.sqrt((e ** 2).mean()):.3f} px, largest {abs(e).max():.3f} px"
              f" (jitter RMS {np.sqrt(((j / bin_) ** 2).mean()):.3f} px)")


if len(sys.argv) == 5 and sys.argv[1] == "--check":
    check(sys.argv[2], sys.argv[3] + ".truth.npz", float(sys.argv[4]))
    sys.exit(0)

N = 256; NA = 180; PIX = 30.0
rng = np.random.default_rng(16)
# ellipsoids: centre (x, y, z) in voxels from the volume centre (x column, y row, z slice = detector
# row), semi-axes (ax, ay, az), in-plane rotation phi (deg), attenuation per pixel length
ell = [
  (0, 0, 0, 100, 80, 110, 0, 0.004),       # body
  (-40, -20, -30, 25, 15, 20, 30, 0.010),  # dense particle, off-centre
  (45, 25, 20, 18, 30, 25, -20, 0.008),
  (10, 45, -50, 12, 12, 12, 0, 0.015),     # small dense sphere
  (-20, 30, 60, 30, 10, 15, 60, -0.003),   # pore
  (30, -45, -60, 8, 8, 40, 0, 0.02),       # rod along the axis
  (0, 0, 0, 6, 6, 6, 0, 0.03),             # tiny centre dot
]
theta = np.arange(NA) * 180.0 / NA
u = np.arange(N) - (N - 1) / 2.0
v = np.arange(N) - (N - 1) / 2.0
U, V = np.meshgrid(u, v)  # V: detector row = z
jx = np.clip(rng.normal(0, 2.0, NA), -5, 5)
jy = np.clip(rng.normal(0, 1.5, NA), -5, 5)
jx -= jx.mean(); jy -= jy.mean()
proj = np.zeros((NA, N, N))
for a, t in enumerate(np.deg2rad(theta)):
    # detector pixel at u sees the object at u - jx (the stage moved by +jx)
    uu = U - jx[a]; vv = V - jy[a]
    # point on the ray in slice coords: p = u (cos, sin) ; direction d = (-sin, cos)
    px = uu * np.cos(t); py = uu * np.sin(t); pz = vv
    dx, dy = -np.sin(t), np.cos(t)
    tot = np.zeros_like(U)
    for (cx, cy, cz, ax, ay, az, phi, mu) in ell:
        f = np.deg2rad(phi); c, s = np.cos(f), np.sin(f)
        qx, qy, qz = px - cx, py - cy, pz - cz
        # rotate into the ellipsoid's frame, scale to the unit sphere
        rx = (c * qx + s * qy) / ax; ry = (-s * qx + c * qy) / ay; rz = qz / az
        ex = (c * dx + s * dy) / ax; ey = (-s * dx + c * dy) / ay
        A = ex * ex + ey * ey; B = rx * ex + ry * ey; C = rx * rx + ry * ry + rz * rz - 1
        disc = B * B - A * C
        tot += mu * np.where(disc > 0, 2 * np.sqrt(np.maximum(disc, 0)) / A, 0)
    proj[a] = tot
white0 = 4000 * (1 + 0.15 * np.exp(-((U - 40) ** 2 + (V + 30) ** 2) / (2 * 90 ** 2))) \
         * (1 + 0.05 * np.sin(U / 17.0))
dark0 = 100 + 5 * np.cos(V / 30.0)
data = dark0 + (white0 - dark0) * np.exp(-proj)
data = rng.poisson(data).astype(np.uint16)
white = rng.poisson(np.broadcast_to(white0, (10, N, N))).astype(np.uint16)
dark = rng.poisson(np.broadcast_to(dark0, (5, N, N))).astype(np.uint16)
out = sys.argv[1]
with h5py.File(out, "w") as h:
    h["/exchange/data"] = data
    h["/exchange/data_white"] = white
    h["/exchange/data_dark"] = dark
    h["/exchange/theta"] = theta; h["/exchange/theta"].attrs["units"] = "degrees"
    h["/exchange/pixel_size"] = np.array([PIX]); h["/exchange/pixel_size"].attrs["units"] = "nm"
np.savez(out + ".truth.npz", jx=jx, jy=jy, theta=theta, proj_max=proj.max())
print("OD max", proj.max(), "jitter x rms", np.sqrt((jx**2).mean()), "max", abs(jx).max(),
      "y rms", np.sqrt((jy**2).mean()), "max", abs(jy).max())
# the phantom itself, voxelised (z, y, x) at the bin-2 grid for comparison
M = N // 2
g = (np.arange(M) - (M - 1) / 2.0) * 2
Z, Y, X = np.meshgrid(g, g, g, indexing="ij")
vol = np.zeros((M, M, M), np.float32)
for (cx, cy, cz, ax, ay, az, phi, mu) in ell:
    f = np.deg2rad(phi); c, s = np.cos(f), np.sin(f)
    qx, qy, qz = X - cx, Y - cy, Z - cz
    rx = (c * qx + s * qy) / ax; ry = (-s * qx + c * qy) / ay; rz = qz / az
    vol += np.where(rx * rx + ry * ry + rz * rz <= 1, mu / PIX, 0).astype(np.float32)
np.save(out + ".phantom_bin2.npy", vol)

#!/usr/bin/python3
# watershed-skimage.py: `evox segment --split` against scipy + scikit-image on the integer blobs of
# tests/test-watershed.c (the numbers noted in test_skimage_counts come from here).
# SPDX-License-Identifier: BSD-3-Clause
# Usage: watershed-skimage.py EVOX [WORKDIR]; needs python3-scipy, python3-skimage, python3-tifffile.
import os, sys, subprocess, tempfile, numpy as np, tifffile
from scipy import ndimage as ndi
from skimage.morphology import reconstruction, local_maxima, h_maxima
from skimage.segmentation import watershed
from skimage.measure import label

NX, NY, NZ = 30, 26, 20
def blobs():
    # LCG noise 0..999, x fastest, then a 5x5x5 box sum clipped at the faces; solid where the
    # mean is above 500 (sum > 500 * count, all integers).
    state = 12345
    noise = np.zeros(NX * NY * NZ, dtype=np.int64)
    for i in range(noise.size):
        state = (state * 1103515245 + 12345) % 2**31
        noise[i] = (state >> 8) % 1000
    noise = noise.reshape(NZ, NY, NX)
    s = np.zeros_like(noise); c = np.zeros_like(noise)
    for dz in range(-2, 3):
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                z0, z1 = max(0, -dz), NZ - max(0, dz)
                y0, y1 = max(0, -dy), NY - max(0, dy)
                x0, x1 = max(0, -dx), NX - max(0, dx)
                s[z0:z1, y0:y1, x0:x1] += noise[z0+dz:z1+dz, y0+dy:y1+dy, x0+dx:x1+dx]
                c[z0:z1, y0:y1, x0:x1] += 1
    return (s > 500 * c)

m = blobs()
print("solid voxels", m.sum())
evox = sys.argv[1]
work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp()
blobs_tif = os.path.join(work, 'blobs.tif')
out_tif = os.path.join(work, 'out.tif')
tifffile.imwrite(blobs_tif, m.astype(np.uint8))
for spacing in [(1.0, 1.0, 1.0)]:
    d = ndi.distance_transform_edt(m, sampling=spacing[::-1]).astype(np.float32)
    for conn, c in [(6, 1), (18, 2), (26, 3)]:
        fp = ndi.generate_binary_structure(3, c)
        comps, ncomp = ndi.label(m, structure=fp)
        for h in [0.5, 1.0, 2.0]:
            seed = np.where(m, d - np.float32(h), -1e9).astype(np.float32)
            mask = np.where(m, d, -1e9).astype(np.float32)
            rec = reconstruction(seed, mask, method='dilation', footprint=fp).astype(np.float32)
            lm = local_maxima(rec, connectivity=c) & m
            markers = label(lm, connectivity=c)
            ws = watershed(-d, markers, mask=m, connectivity=c)
            hm = label(h_maxima(d, h, footprint=fp) & m, connectivity=c).max()
            out = subprocess.run([evox, 'segment', blobs_tif, '--phase', 'b=1:1',
                                  '--connectivity', str(conn), '--split', str(h), '--labels',
                                  out_tif, '-f'], capture_output=True, text=True)
            assert out.returncode == 0, out.stderr
            ev = tifffile.imread(out_tif).astype(np.int64)
            # Same partition: the pairs (evox label, skimage label) are one to one.
            pairs = set(zip(ev[m].tolist(), ws[m].tolist()))
            same = len(pairs) == len(set(p[0] for p in pairs)) == len(set(p[1] for p in pairs)) \
                   and (ev[~m] == 0).all()
            sizes = sorted(np.bincount(ws[m])[1:].tolist(), reverse=True)
            print(f"conn {conn} h {h}: components {ncomp}, skimage pieces {ws.max()} "
                  f"(h_maxima markers {hm}), evox pieces {ev.max()}, same partition {same}, "
                  f"largest {sizes[:3]}")

# Where the partitions differ: voxels outside the majority pairing, and whether they sit on ties
# (a voxel whose distance equals that of a neighbour in the other piece).
print("---")
d = ndi.distance_transform_edt(m).astype(np.float32)
for conn, c in [(18, 2), (26, 3)]:
    fp = ndi.generate_binary_structure(3, c)
    for h in [0.5, 1.0]:
        seed = np.where(m, d - np.float32(h), -1e9).astype(np.float32)
        mask = np.where(m, d, -1e9).astype(np.float32)
        rec = reconstruction(seed, mask, method='dilation', footprint=fp).astype(np.float32)
        markers = label(local_maxima(rec, connectivity=c) & m, connectivity=c)
        ws = watershed(-d, markers, mask=m, connectivity=c)
        subprocess.run([evox, 'segment', blobs_tif, '--phase', 'b=1:1', '--connectivity',
                        str(conn), '--split', str(h), '--labels', out_tif, '-f'], check=True,
                       capture_output=True)
        ev = tifffile.imread(out_tif).astype(np.int64)
        # each evox piece contains exactly one skimage marker
        pairs = {}
        for e, s_ in zip(ev[markers > 0].tolist(), markers[markers > 0].tolist()):
            pairs.setdefault(e, set()).add(s_)
        one_marker = all(len(v) == 1 for v in pairs.values()) and len(pairs) == markers.max()
        mapping = {e: next(iter(v)) for e, v in pairs.items()}
        mapped = np.vectorize(lambda e: mapping.get(e, 0))(ev)
        diff = (mapped != ws) & m
        print(f"conn {conn} h {h}: markers inside one evox piece each {one_marker}, "
              f"voxels assigned differently {diff.sum()} of {m.sum()}")

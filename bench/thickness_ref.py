#!/usr/bin/python3
# thickness_ref.py: the local-thickness benchmark: Evox (evox-bench-thickness) beside
# scipy.ndimage.distance_transform_edt plus a numpy sphere-painting pass with the same definition.
# SPDX-License-Identifier: BSD-3-Clause
"""Times Evox's local thickness beside scipy's exact EDT and a numpy ball-painting pass.

run-bench.py --thickness runs this (`/usr/bin/python3 bench/run-bench.py --thickness [--runs 1]
[--threads 2] [--markdown] [EVOX_BENCH]`); it can run alone with the same options and
--data FILE.

Data: ../shared/data/tomo/electrode.tiff (256^3 u8, 0 pore, 85 active material, 170 carbon
binder); the pore phase is v == 0 and the solid phase 85 <= v <= 170, unit spacing (voxels).

Definition (both sides): D(c) = distance from voxel c to the nearest voxel centre outside the
phase (voxels outside the volume are not background), and thickness(p) = 2 max { D(c) : |p - c|
< D(c) } over the phase's voxels c; NaN outside the phase.

Evox: `evox-bench-thickness FILE LO HI RUNS MAP`, evox_local_thickness (exact squared EDT,
lattice distance ridge, balls painted per z slice), OMP_NUM_THREADS=THREADS, best of --runs.
Reference, single-threaded as scipy and numpy are: D = distance_transform_edt(phase), squared
and rounded to the whole numbers they are; the ridge with Evox's lattice test written in numpy
(c is dropped when every voxel of its ball lies in the ball of a 26-neighbour c' with D(c') >
D(c), from a table of running maxima over the ball's offsets sorted by length; --ridge real uses
the plain test D(c') >= D(c) + |c - c'| instead, which keeps about 90 % of the voxels and is
several times slower; neither changes the maximum); then for
each distinct D^2, every ridge ball of that size at once: the ball's voxel offsets (|o|^2 <
D^2) added to the centres' flat indices (centres whose ball leaves the volume clipped per axis)
and out[idx] = max(out[idx], D^2) by fancy indexing, in chunks. Timed once (it is slow).
Agreement: the two maps must be equal voxel for voxel (float32 2 sqrt(D^2)); the report gives
the number of differing voxels and the largest difference.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.join(SOURCE_ROOT, '..', 'shared', 'data', 'tomo', 'electrode.tiff')
PHASES = (('pore', 0, 0), ('solid', 85, 170))
TARGET_RATIO = 5.0
CHUNK = 1 << 24


def lattice_table(max_sq):
    """The offsets o >= 0 with |o|^2 < max_sq sorted by length, and for each neighbour type t
    (bit 0 x, 1 y, 2 z) the running maximum of |o + t|^2 over them: the farthest a voxel of a
    ball of squared radius s (the offsets before searchsorted(norm, s)) lies from a neighbour
    of type t, so the ball is inside that neighbour's ball when this is below its D^2."""
    k = int(np.ceil(np.sqrt(max_sq)))
    o = np.arange(0, k + 1)
    z, y, x = (a.ravel() for a in np.meshgrid(o, o, o, indexing='ij'))
    norm = z * z + y * y + x * x
    inside = norm < max_sq
    z, y, x, norm = z[inside], y[inside], x[inside], norm[inside]
    order = np.argsort(norm, kind='stable')
    z, y, x, norm = z[order], y[order], x[order], norm[order]
    far = [None]
    for t in range(1, 8):
        tx, ty, tz = t & 1, (t >> 1) & 1, (t >> 2) & 1
        far.append(np.maximum.accumulate((z + tz) ** 2 + (y + ty) ** 2 + (x + tx) ** 2))
    return norm.astype(np.float64), far


def reference_thickness(phase, ridge='lattice'):
    """The same map as evox_local_thickness, with scipy's EDT and numpy painting."""
    from scipy import ndimage
    nz, ny, nx = phase.shape
    d = ndimage.distance_transform_edt(phase)
    sq = np.rint(d * d)
    keep = phase.copy()
    if ridge == 'real':
        r = np.sqrt(sq)
        padded = np.pad(r, 1, constant_values=0.0)
    else:
        norm, far = lattice_table(sq.max())
        last = np.searchsorted(norm, sq, side='left') - 1
        padded = np.pad(sq, 1, constant_values=0.0)
    for dz in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dx == dy == dz == 0:
                    continue
                other = padded[1 + dz:1 + dz + nz, 1 + dy:1 + dy + ny, 1 + dx:1 + dx + nx]
                if ridge == 'real':
                    keep &= ~(other >= r + np.sqrt(dx * dx + dy * dy + dz * dz))
                else:
                    t = abs(dx) | (abs(dy) << 1) | (abs(dz) << 2)
                    keep &= ~((other > sq) & (far[t][np.maximum(last, 0)] < other))
    zc, yc, xc = np.nonzero(keep)
    values = sq[zc, yc, xc]
    out = np.zeros(nz * ny * nx, dtype=np.float64)
    order = np.argsort(-values, kind='stable')
    zc, yc, xc, values = zc[order], yc[order], xc[order], values[order]
    bounds = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(values)]))
    for s, e in zip(starts, ends):
        v = values[s]
        k = int(np.ceil(np.sqrt(v)))
        o = np.arange(-k, k + 1)
        oz, oy, ox = np.meshgrid(o, o, o, indexing='ij')
        inside = oz * oz + oy * oy + ox * ox < v
        oz, oy, ox = oz[inside], oy[inside], ox[inside]
        step = max(1, CHUNK // len(oz))
        for c0 in range(s, e, step):
            c1 = min(e, c0 + step)
            z = zc[c0:c1, None] + oz[None, :]
            y = yc[c0:c1, None] + oy[None, :]
            x = xc[c0:c1, None] + ox[None, :]
            ok = (z >= 0) & (z < nz) & (y >= 0) & (y < ny) & (x >= 0) & (x < nx)
            idx = ((z * ny + y) * nx + x)[ok]
            out[idx] = np.maximum(out[idx], v)
    t = (2.0 * np.sqrt(out.reshape(nz, ny, nx))).astype(np.float32)
    t[~phase] = np.nan
    return t


def find_program(given=None):
    """evox-bench-thickness: the path given, or beside an evox-bench given, or in build/bench."""
    if given and os.path.basename(given) != 'evox-bench-thickness':
        given = os.path.join(os.path.dirname(given), 'evox-bench-thickness')
    return os.path.abspath(given or os.path.join(SOURCE_ROOT, 'build', 'bench',
                                                 'evox-bench-thickness'))


def bench(rb, program, data, runs, threads, ridge='lattice'):
    import tifffile
    volume = tifffile.imread(data)
    if not os.access(program, os.X_OK):
        sys.exit('thickness_ref.py: no %s; build it with `ninja -C build '
                 'bench/evox-bench-thickness`' % program)
    results = []
    for name, lo, hi in PHASES:
        phase = (volume >= lo) & (volume <= hi)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'map.f32')
            records = rb.evox_bench(program, data, lo, hi, runs, path,
                                    env={'OMP_NUM_THREADS': str(threads)})
            evox_map = np.fromfile(path, dtype=np.float32).reshape(volume.shape)
        rb.log('  reference (scipy EDT + numpy painting), %s phase' % name)
        t0, c0 = time.perf_counter(), time.process_time()
        ref = reference_thickness(phase, ridge)
        ref_seconds = time.perf_counter() - t0
        ref_cpu = time.process_time() - c0
        both = np.isfinite(ref) & np.isfinite(evox_map)
        nan_differ = int((np.isnan(ref) != np.isnan(evox_map)).sum())
        diff = np.abs(ref[both] - evox_map[both])
        th = records['thickness'][0]
        results.append({
            'phase': name, 'lo': lo, 'hi': hi, 'voxels': int(phase.sum()),
            'evox': float(th['seconds']), 'reference': ref_seconds,
            'evox_cpu': float(th['cpu_seconds']), 'reference_cpu': ref_cpu,
            'differ': int((diff > 0).sum()) + nan_differ,
            'max_diff': float(diff.max()) if diff.size else 0.0,
            'mean': float(th['mean']), 'd10': float(th['d10']), 'd50': float(th['d50']),
            'd90': float(th['d90']), 'max': float(th['max']),
            'ref_mean': float(np.nanmean(ref)),
            'percolation': float(records['percolation'][0]['seconds']),
            'interface': float(records['interface'][0]['seconds']),
        })
    return results


def report(rb, results, binary, threads, argv, markdown, loads, ridge):
    out = []
    out.append('# Local thickness, Evox beside scipy EDT + numpy painting')
    out.append('')
    out.append('- command: %s' % ' '.join(argv))
    out.append(rb.machine_line(loads))
    out.append('- CPU model: %s' % rb.cpu_model())
    out.append('- Evox threads: %d (OMP_NUM_THREADS); scipy/numpy single-threaded, %s ridge'
               % (threads, ridge))
    out.append('')
    out.append('| phase | voxels | Evox s | scipy+numpy s | ratio | target | Evox CPU s | '
               'reference CPU s | differing voxels | max diff | mean | d10 | d50 | d90 | '
               'max (voxels) |')
    out.append('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for r in results:
        ratio = r['reference'] / r['evox']
        out.append('| %s (%d..%d) | %d | %.2f | %.2f | %.1fx | >= %.0fx %s | %.2f | %.2f | %d | '
                   '%g | %.3f | %.3f | %.3f | %.3f | %.3f |'
                   % (r['phase'], r['lo'], r['hi'], r['voxels'], r['evox'], r['reference'],
                      ratio, TARGET_RATIO, 'met' if ratio >= TARGET_RATIO else 'NOT met',
                      r['evox_cpu'], r['reference_cpu'], r['differ'], r['max_diff'], r['mean'], r['d10'], r['d50'], r['d90'],
                      r['max']))
    out.append('')
    out.append('Ratios are of wall times; CPU times (all threads, user + system) are given '
               'because other work on a shared machine stretches wall times.')
    out.append('')
    out.append('Also timed once by evox-bench-thickness on the same phase: 6-connected '
               'percolation %s s, interface area (phase / rest) %s s.'
               % (', '.join('%.2f' % r['percolation'] for r in results),
                  ', '.join('%.2f' % r['interface'] for r in results)))
    return '\n'.join(out)


def run(rb, given, runs, threads, markdown, argv, data=None, ridge='lattice'):
    loads = [rb.load_average()]
    binary = find_program(given)
    results = bench(rb, binary, data or DEFAULT_DATA, runs, threads, ridge)
    loads.append(rb.load_average())
    return report(rb, results, binary, threads, argv, markdown, loads, ridge)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('binary', nargs='?')
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--data', default=DEFAULT_DATA)
    parser.add_argument('--markdown', action='store_true')
    parser.add_argument('--ridge', choices=('lattice', 'real'), default='lattice')
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location('run_bench', os.path.join(HERE, 'run-bench.py'))
    rb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rb)
    print(run(rb, args.binary, args.runs, args.threads, args.markdown, sys.argv, args.data,
              args.ridge))

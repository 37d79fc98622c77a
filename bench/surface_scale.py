#!/usr/bin/python3
# surface_scale.py: a phase surface of a 500^3 electrode within the 2,000,000-triangle budget,
# Evox beside VTK's vtkQuadricDecimation; PLY writing beside a plain write (issue 17).
# SPDX-License-Identifier: BSD-3-Clause
"""Surfaces at scale (issue 17), run through `run-bench.py --surface-scale` or alone:

    /usr/bin/python3 bench/surface_scale.py [--size 500] [--budget 2000000] [--markdown]
                                            [--no-vtk] [EVOX_BENCH_SURFACE]

The volume (bench/data/spheres-SIZE.tif, written once) is an electrode-like random packing of
spheres, u8: 0 pore, 85 active material (overlapping spheres of radius 5 to 12 voxels, about
half the volume), 170 carbon-binder (small spheres of radius 1.5 to 3.5 centred on particle
surfaces, painted only into pore). The case is the active material's phase surface (85:85).

evox-bench-surface (bench/evox-bench-surface.c) loads it, then in one process:
  1. builds the phase surface with max_triangles = BUDGET, unsmoothed and (in a second run)
     smoothed as the window's default is, then (in two more runs) the level surface at 42.5
     (every voxel of active material or binder inside) the same two ways
     (evox_isosurface_build, what the
     window's surface row and `evox isosurface --max-triangles` run), timed, with VmHWM before
     and after (the difference is the extra memory of the build);
  2. builds the full-resolution surface (max_triangles 0), writes it as binary PLY (timed, MB/s)
     and writes the same number of bytes from one buffer with write(2) + fsync the same way
     (the `dd` line), both to bench/data/;
  3. compares the budgeted mesh with the full one: triangle counts, area and enclosed volume,
     and the distance between the surfaces, sampled: POINTS points uniform by area on each
     mesh, each point's exact distance to the other mesh (a grid of its triangles), reported as
     max (the sampled Hausdorff distance), 99th percentile and mean, in voxels.
The reference, in this process (python3-vtk9): vtkQuadricDecimation of the same full PLY to the
same budget (TargetReduction = 1 - budget / full, VolumePreservation on), timed, VmHWM of its
process, and its result compared with the full mesh by the same evox-bench-surface code
(`distance FULL OTHER`).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
DATA_DIR = os.path.join(HERE, 'data')
SEED = 20261206
POINTS = 200000
# The level surface's level: voxels >= LEVEL (active material 85 and binder 170) inside.
LEVEL = 42.5


def log(message):
    print(message, file=sys.stderr, flush=True)


def paint(vol, centres, radii, value, only_zero):
    n = vol.shape[0]
    for (cz, cy, cx), r in zip(centres, radii):
        lo = [max(int(np.floor(c - r)), 0) for c in (cz, cy, cx)]
        hi = [min(int(np.ceil(c + r)) + 1, n) for c in (cz, cy, cx)]
        if any(h <= l for l, h in zip(lo, hi)):
            continue
        z, y, x = np.ogrid[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        inside = (z - cz) ** 2 + (y - cy) ** 2 + (x - cx) ** 2 <= r * r
        box = vol[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        if only_zero:
            inside &= box == 0
        box[inside] = value


def make_volume(size):
    rng = np.random.default_rng(SEED + size)
    vol = np.zeros((size, size, size), np.uint8)
    # Overlapping spheres until about half the volume is active material: sum of sphere
    # volumes -ln(1 - 0.5) of the box.
    target = -np.log(0.5) * size ** 3
    radii, total = [], 0.0
    while total < target:
        r = rng.uniform(5.0, 12.0)
        radii.append(r)
        total += 4.0 / 3.0 * np.pi * r ** 3
    centres = rng.uniform(0, size - 1, (len(radii), 3))
    paint(vol, centres, radii, 85, False)
    # Binder: small spheres centred on particle surfaces, into pore only.
    n_binder = len(radii) * 2
    which = rng.integers(0, len(radii), n_binder)
    d = rng.normal(size=(n_binder, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    bc = centres[which] + d * np.asarray(radii)[which][:, None]
    br = rng.uniform(1.5, 3.5, n_binder)
    paint(vol, bc, br, 170, True)
    return vol


def ensure_volume(size, regenerate):
    import tifffile
    path = os.path.join(DATA_DIR, 'spheres-%d.tif' % size)
    if not regenerate and os.path.exists(path):
        return path
    os.makedirs(DATA_DIR, exist_ok=True)
    log('generating %s' % path)
    vol = make_volume(size)
    tmp = path + '.tmp'
    tifffile.imwrite(tmp, vol, photometric='minisblack', contiguous=True)
    os.replace(tmp, path)
    return path


def status_kib(key):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return -1


def vtk_child(full_ply, budget, out_raw, method):
    """Child mode: VTK simplifies the full PLY to the budget; prints JSON with the time of the
    filter alone, the VmRSS before it and the VmHWM after it; writes the result as raw."""
    import vtk
    from vtk.util import numpy_support
    reader = vtk.vtkPLYReader()
    reader.SetFileName(full_ply)
    reader.Update()
    mesh = reader.GetOutput()
    n_full = mesh.GetNumberOfCells()
    rss_before = status_kib('VmRSS:')
    if method == 'quadric':
        dec = vtk.vtkQuadricDecimation()
        dec.VolumePreservationOn()
    else:
        dec = vtk.vtkDecimatePro()
        dec.PreserveTopologyOn()
    dec.SetInputData(mesh)
    dec.SetTargetReduction(max(0.0, 1.0 - budget / float(n_full)))
    start = time.perf_counter()
    dec.Update()
    seconds = time.perf_counter() - start
    out = dec.GetOutput()
    points = numpy_support.vtk_to_numpy(out.GetPoints().GetData()).astype(np.float32)
    polys = numpy_support.vtk_to_numpy(out.GetPolys().GetConnectivityArray()).astype(np.uint32)
    with open(out_raw + '.tmp', 'wb') as f:
        f.write(np.array([len(points), len(polys) // 3], np.uint64).tobytes())
        f.write(points.tobytes())
        f.write(polys.tobytes())
    os.replace(out_raw + '.tmp', out_raw)
    print(json.dumps({'seconds': seconds, 'triangles': len(polys) // 3, 'full': n_full,
                      'rss_before_kib': rss_before, 'hwm_after_kib': status_kib('VmHWM:'),
                      'method': method, 'version': vtk.vtkVersion.GetVTKVersion()}))


def parse(line):
    words = line.split()
    return words[0], {k: v for k, v in (w.split('=', 1) for w in words[1:])}


def find_binary(given):
    path = given or os.path.join(SOURCE_ROOT, 'build', 'bench', 'evox-bench-surface')
    if not os.path.exists(path):
        sys.exit('surface_scale.py: %s is missing; build it with ninja -C build' % path)
    return os.path.abspath(path)


def evox_case(binary, size, budget, points, env, regenerate, smooth=False, level=False):
    """The phase 85:85, or with level the level surface at LEVEL (active material and binder
    against pore)."""
    path = ensure_volume(size, regenerate)
    full_ply = os.path.join(DATA_DIR, 'spheres-%d-full.ply' % size)
    simple_ply = os.path.join(DATA_DIR, 'spheres-%d-budget.ply' % size)
    mode = ('level' if level else 'surface') + ('-smooth' if smooth else '')
    values = [str(LEVEL), '-'] if level else ['85', '85']
    log('evox-bench-surface %s on %s, budget %d' % (mode, path, budget))
    text = subprocess.run([binary, mode, path] + values + [str(budget), full_ply,
                           simple_ply, os.path.join(DATA_DIR, 'dd.bin'), str(points)],
                          check=True, capture_output=True, text=True, env=env).stdout
    result = dict(parse(line) for line in text.splitlines() if line.strip())
    result.update(size=size, budget=budget, full_ply=full_ply, smooth=smooth, level=level)
    return result


def run(binary, size, budget, points, threads, with_vtk, vtk_size, method, regenerate):
    """Evox at SIZE; with VTK, both again at VTK_SIZE with the budget scaled by the volume
    (the packing is homogeneous, so the full surface's triangles scale with the voxels): VTK's
    quadric decimation of the 500^3 surface's 40 million triangles grew past 20 GiB here."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    results = [evox_case(binary, size, budget, points, env, regenerate),
               evox_case(binary, size, budget, points, env, regenerate, smooth=True),
               evox_case(binary, size, budget, points, env, regenerate, level=True),
               evox_case(binary, size, budget, points, env, regenerate, smooth=True,
                         level=True)]
    if with_vtk:
        small_budget = int(round(budget * (vtk_size / float(size)) ** 3))
        r = evox_case(binary, vtk_size, small_budget, points, env, regenerate)
        raw = os.path.join(DATA_DIR, 'spheres-%d-vtk.raw' % vtk_size)
        log('vtk %s decimation of %s' % (method, r['full_ply']))
        child = subprocess.run([sys.executable, os.path.abspath(__file__), '--vtk-child',
                                r['full_ply'], str(small_budget), raw, method],
                               check=True, capture_output=True, text=True, env=env).stdout
        r['vtk'] = json.loads(child.strip().splitlines()[-1])
        text = subprocess.run([binary, 'distance', r['full_ply'], raw, str(points)], check=True,
                              capture_output=True, text=True, env=env).stdout
        r['vtk_errors'] = parse(text.strip().splitlines()[-1])[1]
        os.unlink(raw)
        results.append(r)
    return results


def rows(r):
    b, f, e = r['build'], r['full'], r['evox']
    smooth = (', level %g' % LEVEL if r['level'] else '') + (', smoothed' if r['smooth'] else '')
    out = ['| %d^3 | Evox full surface%s | %s | %s s | | | | | | |'
           % (r['size'], smooth, f['triangles'], f['seconds']),
           '| %d^3 | Evox within %d%s | %s | %s s | %.0f MiB | %+.2f%% | %+.3f%% | %s px | '
           '%s / %s px | %s / %s px |'
           % (r['size'], r['budget'], smooth, b['triangles'], b['seconds'],
              float(b['extra_mib']),
              100 * float(e['area_error']), 100 * float(e['volume_error']), e['hausdorff'],
              e['to_full_p99'], e['to_full_mean'], e['from_full_p99'], e['from_full_mean'])]
    if 'vtk' in r:
        v, ve = r['vtk'], r['vtk_errors']
        out.append('| %d^3 | VTK %s %s | %d | %.2f s | %.0f MiB | %+.2f%% | %+.3f%% | %s px | '
                   '%s / %s px | %s / %s px |'
                   % (r['size'], v['version'], 'vtkQuadricDecimation' if v['method'] == 'quadric'
                      else 'vtkDecimatePro', v['triangles'], v['seconds'],
                      (v['hwm_after_kib'] - v['rss_before_kib']) / 1024.0,
                      100 * float(ve['area_error']), 100 * float(ve['volume_error']),
                      ve['hausdorff'], ve['to_full_p99'], ve['to_full_mean'],
                      ve['from_full_p99'], ve['from_full_mean']))
    return out


def report(results, argv, markdown):
    out = []
    if markdown:
        out.append('## surfaces at scale (issue 17)\n')
        out.append('Command (from the source root): `/usr/bin/python3 %s`\n' % ' '.join(argv))
    out.append('- volumes: bench/data/spheres-SIZE.tif (u8 packing of spheres), phase 85:85 '
               'or level %g, ' % LEVEL +
               '%s threads' % results[0]['build']['threads'])
    out.append('')
    out.append('| volume | surface | triangles | time | extra memory (VmHWM - VmRSS before) | '
               'area error | volume error | Hausdorff (sampled) | p99 / mean distance to full | '
               'p99 / mean distance from full |')
    out.append('|---|---|---|---|---|---|---|---|---|---|')
    for r in results:
        out.extend(rows(r))
    out.append('')
    for r in results:
        if r['smooth'] or r['level']:
            continue
        p = r['ply']
        out.append('- %d^3: PLY of the full surface, %s bytes in %s s (%s MB/s); the same bytes '
                   'written from one buffer with write(2) and fsync: %s s (%s MB/s); ratio %.2f'
                   % (r['size'], p['bytes'], p['seconds'], p['mb_s'], p['dd_seconds'],
                      p['dd_mb_s'], float(p['mb_s']) / float(p['dd_mb_s'])))
    out.append('- Smoothed: the mask blurred by a Gaussian of one voxel first, as the window '
               'does by default (its Smooth switch); the full surface is then the smoothed one.')
    out.append('- Level %g: the level surface of the values (inside: v >= %g, active material '
               'and binder against pore), interpolated and closed on the border voxels\' '
               'centres; smoothed, the values (as f32) blurred by the same Gaussian first.'
               % (LEVEL, LEVEL))
    out.append('- Distances in voxels between %s points sampled uniformly by area on each mesh '
               'and the other mesh (exact point-triangle distances); Hausdorff is the larger of '
               'the two maxima. Time and memory of Evox: `evox_isosurface_build` with '
               'max_triangles after the volume is loaded (mask, measuring the full surface, '
               'resampling, contouring), of VTK: `Update()` of the filter on the full mesh read '
               'from the PLY.' % results[0]['evox']['points'])
    return '\n'.join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('binary', nargs='?', help='evox-bench-surface')
    parser.add_argument('--size', type=int, default=500)
    parser.add_argument('--budget', type=int, default=2000000)
    parser.add_argument('--points', type=int, default=POINTS)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--no-vtk', action='store_true')
    parser.add_argument('--vtk-size', type=int, default=250)
    parser.add_argument('--vtk-method', choices=('quadric', 'pro'), default='quadric')
    parser.add_argument('--regenerate', action='store_true')
    parser.add_argument('--markdown', action='store_true')
    parser.add_argument('--vtk-child', nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.vtk_child:
        vtk_child(args.vtk_child[0], int(args.vtk_child[1]), args.vtk_child[2],
                  args.vtk_child[3])
        return
    results = run(find_binary(args.binary), args.size, args.budget, args.points, args.threads,
                  not args.no_vtk, args.vtk_size, args.vtk_method, args.regenerate)
    print(report(results, sys.argv, args.markdown))


if __name__ == '__main__':
    main()

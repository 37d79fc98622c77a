#!/usr/bin/python3
# tortuosity_ref.py: the tortuosity benchmark: evox-bench-tortuosity beside scipy.sparse.linalg.cg
# on the same finite-volume system.
# SPDX-License-Identifier: BSD-3-Clause
"""Times Evox's tortuosity factor beside scipy.sparse.linalg.cg on the same system.

run-bench.py --tortuosity runs this (`/usr/bin/python3 bench/run-bench.py --tortuosity [--runs 1]
[--threads 2] [--tortuosity-size 500] [--tortuosity-axis z] [--tolerance 1e-6] [--regenerate]
[--markdown] [EVOX_BENCH]`); it can run alone with the same options.

Data: the pore phase (value 0) of ../shared/data/tomo/electrode.tiff (256^3, labels 0/85/170)
and of bench/data/tortuosity-SIZE.tif (SIZE^3 u8, written once; --regenerate writes it again):
Gaussian-filtered noise (sigma 3 voxels, seed fixed) cut at its 35 % quantile, so 35 % pores in
a connected sponge, 0 pore and 255 solid.

Evox: `evox-bench-tortuosity --axis AXIS --range 0:0 --tolerance T FILE` with OMP_NUM_THREADS =
THREADS, i.e. evox_tortuosity_compute end to end (phase mask, 6-connected parts joined to both
faces, Jacobi-preconditioned CG, fluxes), best of --runs.

Reference, in this process: the same system (see src/analysis/evox-tortuosity.c) built with
numpy and scipy: scipy.ndimage.label (6-connected) and the parts touching both faces, unknowns
numbered in raster order (x fastest), a CSR matrix with 1 per phase neighbour and 2 per fixed
face on the diagonal and -1 per neighbour, b = 2 on the inlet face, x0 the linear profile, and
scipy.sparse.linalg.cg with the Jacobi preconditioner (a LinearOperator r / diag) and the same
relative tolerance (atol 0). scipy's sparse product is single-threaded. The time of cg alone and
of the whole (label + assembly + cg) are reported; the ratio is taken against cg alone, the
smaller of the two. tau is computed from both solutions as Evox defines it and must agree within
0.5 %.
"""

import argparse
import os
import platform
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
DATA_DIR = os.path.join(HERE, 'data')
ELECTRODE = os.path.join(SOURCE_ROOT, '..', 'shared', 'data', 'tomo', 'electrode.tiff')
TARGET_RATIO = 5.0
TARGET_TAU = 0.005
# Generated volumes larger than CAP_FROM^3 stop scipy's cg once it has taken CAP_RATIO times
# Evox's whole solve: at 500^3 its Jacobi-preconditioned cg would run for hours, and a cg stopped
# short of the tolerance already bounds the ratio from below.
CAP_FROM = 256
CAP_RATIO = 20.0
NP_AXIS = {'x': 2, 'y': 1, 'z': 0}


def log(message):
    print(message, file=sys.stderr, flush=True)


def ensure_generated(size, regenerate):
    import tifffile
    from scipy import ndimage
    path = os.path.join(DATA_DIR, 'tortuosity-%d.tif' % size)
    if os.path.exists(path) and not regenerate:
        return path
    os.makedirs(DATA_DIR, exist_ok=True)
    log('generating %s' % path)
    rng = np.random.default_rng(20261206)
    field = ndimage.gaussian_filter(rng.standard_normal((size, size, size), dtype=np.float32),
                                    sigma=3.0, output=np.float32)
    cut = np.quantile(field[::4, ::4, ::4], 0.35)
    data = np.where(field < cut, np.uint8(0), np.uint8(255))
    del field
    tmp = path + '.tmp'
    tifffile.imwrite(tmp, data, photometric='minisblack', contiguous=True)
    os.replace(tmp, path)
    return path


def spanning(phase, np_axis):
    """The 6-connected parts of phase that touch both faces normal to np_axis."""
    from scipy import ndimage
    labels, n = ndimage.label(phase)
    first = np.unique(labels.take(0, axis=np_axis))
    last = np.unique(labels.take(-1, axis=np_axis))
    keep = np.zeros(n + 1, dtype=bool)
    keep[np.intersect1d(first, last)] = True
    keep[0] = False
    return keep[labels]


def assemble(keep, np_axis):
    """The CSR matrix, b, x0 and the axis coordinate of every unknown (raster order)."""
    import scipy.sparse
    nz, ny, nx = keep.shape
    length = keep.shape[np_axis]
    flat = keep.ravel()
    pos = np.flatnonzero(flat)
    n = pos.size
    idx = np.full(flat.size, -1, dtype=np.int32)
    idx[pos] = np.arange(n, dtype=np.int32)
    coords = (pos // (nx * ny), (pos // nx) % ny, pos % nx)   # z, y, x
    sizes = (nz, ny, nx)
    steps = (nx * ny, nx, 1)

    def neighbours(d, sign):
        out = np.full(n, -1, dtype=np.int32)
        ok = coords[d] > 0 if sign < 0 else coords[d] < sizes[d] - 1
        out[ok] = idx[pos[ok] + sign * steps[d]]
        return out

    # Columns in increasing order: z-1, y-1, x-1, the diagonal, x+1, y+1, z+1.
    order = ((0, -1), (1, -1), (2, -1), None, (2, 1), (1, 1), (0, 1))
    degree = np.zeros(n, dtype=np.int32)
    for entry in order:
        if entry is not None:
            degree += neighbours(*entry) >= 0
    a = coords[np_axis]
    diag = degree + 2 * (a == 0) + 2 * (a == length - 1)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(degree + 1, out=indptr[1:])
    nnz = int(indptr[-1])
    index_type = np.int32 if nnz < 2**31 else np.int64
    indices = np.empty(nnz, dtype=index_type)
    data = np.empty(nnz, dtype=np.float64)
    offset = indptr[:-1].copy()
    rows = np.arange(n)
    for entry in order:
        if entry is None:
            indices[offset] = rows
            data[offset] = diag
            offset += 1
            continue
        nb = neighbours(*entry)
        has = np.flatnonzero(nb >= 0)
        indices[offset[has]] = nb[has]
        data[offset[has]] = -1.0
        offset[has] += 1
    matrix = scipy.sparse.csr_matrix((data, indices, indptr.astype(index_type)), shape=(n, n))
    b = np.where(a == 0, 2.0, 0.0)
    x0 = 1.0 - (a + 0.5) / length
    return matrix, b, x0, a, diag.astype(np.float64)


class _OverTime(Exception):
    """Raised from cg's callback when the time cap is spent."""


def scipy_tortuosity(phase, axis, tolerance, cap_s=0.0):
    """tau as Evox defines it, from scipy.sparse.linalg.cg; returns the numbers and times.
    With cap_s > 0, cg is stopped at its first iteration ending after cap_s seconds: 'capped'
    is then True, the solution is the iterate reached (its residual says how far it was) and
    cg_s is a lower bound on scipy's time to the tolerance."""
    import scipy.sparse.linalg
    np_axis = NP_AXIS[axis]
    t0 = time.perf_counter()
    keep = spanning(phase, np_axis)
    matrix, b, x0, a, diag = assemble(keep, np_axis)
    del keep
    t1 = time.perf_counter()
    inverse = 1.0 / diag
    jacobi = scipy.sparse.linalg.LinearOperator(matrix.shape, matvec=lambda r: r * inverse,
                                                dtype=np.float64)
    iterations = [0]
    last = [x0]
    deadline = t1 + cap_s if cap_s > 0 else None

    def count(xk):
        iterations[0] += 1
        if deadline is not None and time.perf_counter() > deadline:
            last[0] = xk.copy()
            raise _OverTime()

    capped = False
    try:
        try:
            x, info = scipy.sparse.linalg.cg(matrix, b, x0=x0, rtol=tolerance, atol=0.0,
                                             maxiter=100000, M=jacobi, callback=count)
        except TypeError:   # scipy < 1.12 names it tol
            x, info = scipy.sparse.linalg.cg(matrix, b, x0=x0, tol=tolerance, atol=0.0,
                                             maxiter=100000, M=jacobi, callback=count)
    except _OverTime:
        x, info, capped = last[0], -1, True
    t2 = time.perf_counter()
    length = phase.shape[np_axis]
    flux_in = float(np.sum(2.0 * (1.0 - x[a == 0])))
    flux_out = float(np.sum(2.0 * x[a == length - 1]))
    area = phase.size / length
    d_rel = 0.5 * (flux_in + flux_out) * length / area
    porosity = np.count_nonzero(phase) / phase.size
    residual = float(np.linalg.norm(b - matrix @ x) / np.linalg.norm(b))
    return {'tau': porosity / d_rel, 'deff': d_rel, 'porosity': porosity, 'unknowns': x.size,
            'nnz': matrix.nnz, 'iterations': iterations[0], 'info': info,
            'residual': residual, 'setup_s': t1 - t0, 'cg_s': t2 - t1, 'total_s': t2 - t0,
            'capped': capped}


def evox_run(binary, path, axis, tolerance, runs, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    args = [binary, '--runs', str(runs), '--axis', axis, '--range', '0:0', '--tolerance',
            repr(tolerance), path]
    out = subprocess.run(args, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith('tortuosity '):
            return dict(field.split('=', 1) for field in line.split()[1:])
    raise RuntimeError('no tortuosity record from %s' % ' '.join(args))


def bench(binary, runs, threads, sizes, axis, tolerance, regenerate, skip_scipy=False,
          cap_ratio=CAP_RATIO):
    import tifffile
    cases = []
    if os.path.exists(ELECTRODE):
        cases.append(('electrode.tiff pores (256^3)', os.path.abspath(ELECTRODE), False))
    else:
        log('%s is absent; skipped' % ELECTRODE)
    for size in sizes:
        cases.append(('generated sponge, 35 %% pores (%d^3)' % size,
                      ensure_generated(size, regenerate), size > CAP_FROM))
    results = []
    for name, path, capped in cases:
        log('%s: Evox, %d threads' % (name, threads))
        evox = evox_run(binary, path, axis, tolerance, runs, threads)
        r = {'name': name, 'path': path, 'evox': evox}
        if not skip_scipy:
            cap_s = cap_ratio * float(evox['s']) if capped and cap_ratio > 0 else 0.0
            log('%s: scipy.sparse.linalg.cg%s' % (name, ' (stopped after %.0f s)' % cap_s
                                                 if cap_s > 0 else ''))
            phase = tifffile.imread(path) == 0
            r['scipy'] = scipy_tortuosity(phase, axis, tolerance, cap_s)
            del phase
        results.append(r)
    return results


def report(rb, results, binary, threads, axis, tolerance, argv, markdown, loads):
    import scipy
    out = rb.report_head('tortuosity factor', argv, markdown, loads)
    out.append('- CPU model: %s' % rb.cpu_model())
    out.append('- Evox: `%s` (%s), %d threads, axis %s, relative residual %g'
               % (os.path.relpath(binary, SOURCE_ROOT), rb.build_type(binary), threads, axis,
                  tolerance))
    out.append('- Evox sources: %s' % rb.source_fingerprint(('src/core', 'src/analysis')))
    out.append('- reference: scipy %s `scipy.sparse.linalg.cg` with a Jacobi preconditioner on '
               'the same matrix (CSR, assembled with numpy), single-threaded, numpy %s, Python '
               '%s (bench/tortuosity_ref.py)' % (scipy.__version__, np.__version__,
                                                 platform.python_version()))
    out.append('')
    header = ('data', 'unknowns', 'Evox tau (iterations)', 'scipy tau (iterations)', 'Evox',
              'scipy cg (+ label, assembly)', 'ratio', 'target', 'result')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in results:
        e = r['evox']
        s = r.get('scipy')
        evox_s = float(e['s'])
        if s is None:
            lines.append('| %s | %s | %.5f (%s) | - | %.2f s | - | - | - | - |'
                         % (r['name'], e['unknowns'], float(e['tau']), e['iterations'], evox_s))
            continue
        ratio = s['cg_s'] / evox_s
        if s['capped']:
            lines.append('| ' + ' | '.join((
                r['name'], e['unknowns'], '%.5f (%s)' % (float(e['tau']), e['iterations']),
                'not reached: stopped after %d iterations at relative residual %.2g'
                % (s['iterations'], s['residual']), '%.2f s' % evox_s,
                '> %.2f s (+ %.2f s)' % (s['cg_s'], s['setup_s']),
                '> %.1fx (lower bound)' % ratio,
                '>= %gx, tau within %g %%' % (TARGET_RATIO, 100 * TARGET_TAU),
                rb.verdict(ratio >= TARGET_RATIO) + ' (ratio; tau not comparable)')) + ' |')
            continue
        diff = abs(float(e['tau']) - s['tau']) / s['tau']
        lines.append('| ' + ' | '.join((
            r['name'], e['unknowns'], '%.5f (%s)' % (float(e['tau']), e['iterations']),
            '%.5f (%d)' % (s['tau'], s['iterations']), '%.2f s' % evox_s,
            '%.2f s (+ %.2f s)' % (s['cg_s'], s['setup_s']), '%.1fx' % ratio,
            '>= %gx, tau within %g %%' % (TARGET_RATIO, 100 * TARGET_TAU),
            rb.verdict(ratio >= TARGET_RATIO and diff <= TARGET_TAU)
            + ' (tau differs by %.3g %%)' % (100 * diff))) + ' |')
    out.append('\n'.join(lines))
    out.append('')
    out.append('Times are the best of the runs for Evox (end to end from the loaded volume) and '
               'one run for scipy; the ratio is scipy\'s cg alone over Evox\'s whole solve.')
    if any(r.get('scipy', {}).get('capped') for r in results):
        out.append('A row marked "lower bound" stopped scipy\'s cg once it had taken %g times '
                   'Evox\'s whole solve, short of the tolerance: its time is a measured lower '
                   'bound on scipy\'s time to the tolerance, so the ratio is one on the true '
                   'ratio; its tau is not compared.' % CAP_RATIO)
    return '\n'.join(out)


def run(rb, binary, runs, threads, sizes, axis, tolerance, regenerate, markdown, argv,
        skip_scipy=False, cap_ratio=CAP_RATIO):
    loads = [rb.load_average()]
    results = bench(binary, runs, threads, sizes, axis, tolerance, regenerate, skip_scipy,
                    cap_ratio)
    loads.append(rb.load_average())
    return report(rb, results, binary, threads, axis, tolerance, argv, markdown, loads)


def default_binary():
    return os.path.join(SOURCE_ROOT, 'build', 'bench', 'evox-bench-tortuosity')


if __name__ == '__main__':
    import importlib.util
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('binary', nargs='?', default=default_binary())
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--tortuosity-size', default='256,500',
                        help='edges of the generated sponges, comma-separated (default 256,500)')
    parser.add_argument('--scipy-cap-ratio', type=float, default=CAP_RATIO,
                        help='stop scipy on sponges beyond %d^3 after this many times Evox\'s '
                        'time (0: never)' % CAP_FROM)
    parser.add_argument('--tortuosity-axis', choices=('x', 'y', 'z'), default='z')
    parser.add_argument('--tolerance', type=float, default=1e-6)
    parser.add_argument('--no-scipy', action='store_true')
    parser.add_argument('--regenerate', action='store_true')
    parser.add_argument('--markdown', action='store_true')
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location('run_bench', os.path.join(HERE, 'run-bench.py'))
    rb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rb)
    print(run(rb, args.binary, args.runs, args.threads,
              rb.tortuosity_sizes(args.tortuosity_size),
              args.tortuosity_axis, args.tolerance, args.regenerate, args.markdown, sys.argv,
              args.no_scipy, args.scipy_cap_ratio))

#!/usr/bin/python3
# xanes_ref.py: the XANES maps benchmark: synthetic Ni K-edge stacks, normalised and mapped by a
# vectorised numpy implementation (the reference) and by evox-bench xanes (evox_xanes_maps).
# SPDX-License-Identifier: BSD-3-Clause
"""Times Evox's per-voxel XANES maps beside the same computation vectorised in numpy.

run-bench.py --xanes runs this (`/usr/bin/python3 bench/run-bench.py --xanes [--runs 3]
[--threads 2] [--regenerate] [--markdown] [EVOX_BENCH]`); it can run alone with the same options.

The data (written once under bench/data/, --regenerate writes it again): xanes-2d-1024.npy
(61 x 1024 x 1024) and xanes-3d-128.npy (61 x 128 x 128 x 128), float32, energies first, with
xanes-61.energies.txt: 61 energies around the Ni K edge (E0 = 8340 eV), 8 pre-edge ones from
E0 - 100 to E0 - 30 eV every 10 eV, 40 through the edge from E0 - 20 eV every 1.5 eV, 13
post-edge ones from E0 + 50 to E0 + 290 eV every 20 eV. Particles (discs, or balls in 3D) of
random thickness t (0.3..1.5) hold a spectrum t * (linear background + arctan edge of half width
1.5 eV + Gaussian white line 10 eV above the edge, height 0.4, sigma 4 eV) whose edge is shifted
by a smooth field of 0..3 eV (oxidation); outside them only noise. Noise is Gaussian, 0.01 per
sample.

The reference (numpy, float64, all voxels at once; BLAS limited to THREADS by threadpoolctl):
the E0 Evox found on the mean spectrum (printed by evox-bench; the reference does not search for
E0 itself), moved onto the nearest energy; Larch's default ranges (pre E0 - 150..E0 - 30 eV
clipped to the data, post E0 + 50 eV to the end, the post-edge degree by its span); the pre-edge
line by numpy.linalg.lstsq on all voxels at once, the post-edge polynomial by lstsq on mu - pre;
the step at E0; norm = (mu - pre) / step; the white line as the vertex of the parabola through
the maximum of norm at or above E0 and its neighbours; the half-step energy as the last upward
crossing of 0.5 at or below that maximum, linearly interpolated; the mask as Evox defines it
(step > 3 standard errors, noise from the residuals with n - 2 degrees of freedom, pooled with
the post-edge fit's below 10). The e0 map, timed apart: Larch's
find_e0 of each voxel in the mask, vectorised across voxels (numpy_e0): the rough pass on numpy's
gradient and Larch's choice as array operations; then per rough E0 index the smoothed derivative
of the voxels sharing it as one matrix product, the matrix being Larch's smooth (interpolate onto
the fine grid, mirror, convolve with the Lorentzian, interpolate back) applied to the unit vectors
times numpy's gradient as a matrix; then the same choice.
Evox: `evox-bench xanes --energies FILE --maps-out MAPS STACK`, evox_xanes_maps with its defaults
(all maps, the e0 map included), and again with every voxel out of the mask (which leaves only
the e0 map out). The report gives both pairs of times and ratios, the largest difference of the
half-step and white-line energies over the voxels both masks hold (target 0.05 eV), the masks'
agreement, and on how many of those voxels the e0 maps differ and by how much.
"""

import argparse
import os
import platform
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
DATA_DIR = os.path.join(HERE, 'data')
SEED = 20261206
E0 = 8340.0
NOISE = 0.01
MASK_K = 3.0
POOL_BELOW_DOF = 10
TARGET_RATIO = 10.0
TARGET_EV = 0.05
CASES = (('2d', 1024), ('3d', 128))


def log(message):
    print(message, file=sys.stderr, flush=True)


def energies():
    return E0 + np.concatenate([np.arange(-100, -29, 10.0), -20 + 1.5 * np.arange(40),
                                np.arange(50, 291, 20.0)])


def spectrum(d, shift, t):
    """The model, d = E - E0 (n x 1), per voxel shift and thickness (1 x m)."""
    x = d - shift
    g = (x - 10.0) / 4.0
    return t * (0.3 - 2e-4 * d + 0.5 + np.arctan(x / 1.5) / np.pi + 0.4 * np.exp(-0.5 * g * g))


def phantom(kind, size, rng):
    """Thickness (0 outside particles) and edge shift fields of the stack's voxels."""
    axes = np.meshgrid(*([np.arange(size, dtype=np.float32)] * (2 if kind == '2d' else 3)),
                       indexing='ij')
    thick = np.zeros(axes[0].shape, np.float32)
    n_particles = 60 if kind == '2d' else 25
    for _ in range(n_particles):
        centre = rng.uniform(0.1, 0.9, len(axes)) * size
        radius = rng.uniform(0.03, 0.12) * size
        r2 = sum((a - c) ** 2 for a, c in zip(axes, centre))
        inside = r2 < radius * radius
        thick[inside] = rng.uniform(0.3, 1.5)
    # oxidised towards one corner and towards particle surfaces
    shift = 3.0 * sum(axes) / (len(axes) * (size - 1))
    return thick.ravel(), shift.astype(np.float32).ravel()


def data_paths(kind, size):
    stack = os.path.join(DATA_DIR, 'xanes-%s-%d.npy' % (kind, size))
    return stack, os.path.join(DATA_DIR, 'xanes-61.energies.txt')


def ensure_data(kind, size, regenerate):
    os.makedirs(DATA_DIR, exist_ok=True)
    stack, epath = data_paths(kind, size)
    e = energies()
    if not os.path.exists(epath):
        with open(epath + '.tmp', 'w') as f:
            f.write('\n'.join('%.4f' % x for x in e) + '\n')
        os.replace(epath + '.tmp', epath)
    if regenerate or not os.path.exists(stack):
        log('writing %s' % stack)
        rng = np.random.default_rng(SEED)
        thick, shift = phantom(kind, size, rng)
        shape = (len(e),) + (size,) * (2 if kind == '2d' else 3)
        out = np.lib.format.open_memmap(stack + '.tmp.npy', mode='w+', dtype=np.float32,
                                        shape=shape)
        flat = out.reshape(len(e), -1)
        chunk = 1 << 18
        for start in range(0, flat.shape[1], chunk):
            end = min(flat.shape[1], start + chunk)
            mu = spectrum((e - E0)[:, None], shift[None, start:end], thick[None, start:end])
            mu += rng.normal(0, NOISE, mu.shape)
            flat[:, start:end] = mu
        out.flush()
        del out, flat
        os.replace(stack + '.tmp.npy', stack)
    return stack, epath


def numpy_maps(X, e, e0, k=MASK_K):
    """The reference: X is energies x voxels. Returns half-step energy, white-line energy and
    height, step and mask (NaN outside the mask but for the step)."""
    n = len(e)
    ie0 = int(np.argmin(np.abs(e - e0)))
    e0 = e[ie0]
    d = e - e0
    P = (d >= max(-150.0, d[0])) & (d <= -30.0)
    Q = (d >= 50.0) & (d <= d[-1])
    span = d[-1] - 50.0
    nnorm = 0 if span < 30 else 1 if span < 300 else 2
    Vp = np.vander(d[P], 2, increasing=True)
    Vq = np.vander(d[Q], nnorm + 1, increasing=True)
    Xd = X.astype(np.float64)
    line = np.linalg.lstsq(Vp, Xd[P], rcond=None)[0]
    Y = Xd - (line[0] + d[:, None] * line[1])
    del Xd
    post = np.linalg.lstsq(Vq, Y[Q], rcond=None)[0]
    step = post[0]
    # the mask: noise from the residuals, the step's standard error from its weights
    ss_pre = (Y[P] ** 2).sum(axis=0)
    ss_post = ((Y[Q] - Vq @ post) ** 2).sum(axis=0)
    dof_pre, dof_post = int(P.sum()) - 2, int(Q.sum()) - (nnorm + 1)
    if dof_pre >= POOL_BELOW_DOF:
        noise = np.sqrt(ss_pre / dof_pre)
    else:
        noise = np.sqrt((ss_pre + ss_post) / max(1, dof_pre + dof_post))
    pinv_p, pinv_q = np.linalg.pinv(Vp), np.linalg.pinv(Vq)
    w = np.zeros(n)
    w[Q] += pinv_q[0]
    w[P] -= pinv_q[0].sum() * pinv_p[0] + (pinv_q[0] * d[Q]).sum() * pinv_p[1]
    mask = (step > 0) & (step > k * noise * np.linalg.norm(w))

    norm = Y / step
    del Y
    imax = ie0 + np.argmax(norm[ie0:], axis=0)
    cols = np.arange(norm.shape[1])
    inner = (imax > 0) & (imax < n - 1)
    i0, i1, i2 = np.clip(imax - 1, 0, n - 1), imax, np.clip(imax + 1, 0, n - 1)
    x0, x1, x2 = e[i0], e[i1], e[i2]
    y0, y1, y2 = norm[i0, cols], norm[i1, cols], norm[i2, cols]
    with np.errstate(divide='ignore', invalid='ignore'):
        d01, d12 = (y1 - y0) / (x1 - x0), (y2 - y1) / (x2 - x1)
        c2 = (d12 - d01) / (x2 - x0)
        vertex = inner & (c2 < 0)
        xv = np.where(vertex, 0.5 * (x0 + x1) - d01 / (2 * c2), x1)
        wl_e = xv
        wl_h = np.where(vertex, y0 + d01 * (xv - x0) + c2 * (xv - x0) * (xv - x1), y1)
        # the last upward crossing of 0.5 between i and i + 1 with i + 1 <= imax
        cross = (norm[:-1] < 0.5) & (norm[1:] >= 0.5) & (np.arange(n - 1)[:, None] < imax)
        found = cross.any(axis=0) & (y1 >= 0.5)
        i = (n - 2) - np.argmax(cross[::-1], axis=0)
        a, b = norm[i, cols], norm[i + 1, cols]
        half = e[i] + (0.5 - a) / (b - a) * (e[i + 1] - e[i])
    half = np.where(found & mask, half, np.nan)
    return {'edge_energy': half, 'whiteline_energy': np.where(mask, wl_e, np.nan),
            'whiteline_height': np.where(mask, wl_h, np.nan),
            'edge_step': np.where(np.isfinite(step), step, np.nan), 'mask': mask}


def finde0_pick(D):
    """Larch's _finde0 choice on the derivatives D (points x voxels, modified): per voxel the
    index of the largest point whose scaled derivative and both neighbours' exceed dhigh (0.6,
    0.3 on 20 points or fewer; halved up to twice when under 3 points pass, then every point),
    the max(3, 2 %) points at each end ignored; 0 when none qualifies."""
    n = D.shape[0]
    nmin = max(3, int(n * 0.02))
    D[~np.isfinite(D)] = -1.0
    inner = D[nmin:n - nmin]
    lo = inner.min(axis=0)
    D -= lo
    D /= np.maximum(1e-10, inner.max(axis=0))       # inner is a view: now shifted by lo
    t0 = 0.6 if n > 20 else 0.3
    c0, c1, c2 = ((D > t) .sum(axis=0) for t in (t0, t0 / 2, t0 / 4))
    dh = np.where(c0 >= 3, t0, np.where(c1 > 3, t0 / 2, t0 / 4))
    every = np.where(c0 >= 3, c0, np.where(c1 > 3, c1, c2)) < 3
    high = (D > dh) | every
    i = np.arange(n)
    ok = high[1:-1] & high[:-2] & high[2:] & ((i[1:-1] >= nmin) & (i[1:-1] <= n - nmin))[:, None]
    cand = np.where(ok, D[1:-1], 0.0)
    best = np.argmax(cand, axis=0)
    return np.where(cand[best, np.arange(D.shape[1])] > 0, best + 1, 0)


def smooth_matrix(x, estep):
    """Larch's smooth (lorentzian, sigma = xstep = estep) as the matrix it applies to a
    derivative on the energies x: its columns are the smoothed unit vectors (it is linear)."""
    m = len(x)
    xmin = estep * int((x[0] - 5 * estep) / estep)
    xmax = estep * int((x[-1] + 5 * estep) / estep)
    npts = min(1 + int(abs(xmax - xmin + estep * 0.1) / estep), 50 * m)
    x0 = np.linspace(xmin, xmax, npts)
    wx = np.arange(2 * npts)
    win = (1 / np.pi) / ((wx - npts) ** 2 + 1.0)
    win /= win.sum()
    S = np.empty((m, m))
    for j in range(m):
        y0 = np.interp(x0, x, np.eye(m)[j])
        y1 = np.concatenate((y0[npts:0:-1], y0, y0[-1:-npts - 1:-1]))
        y2 = np.convolve(win, y1, mode='valid')
        if len(y2) > len(x0):
            nex = int((len(y2) - len(x0)) / 2)
            y2 = (y2[nex:])[:len(x0)]
        S[:, j] = np.interp(x, x0, y2)
    return S


def numpy_e0(X, e):
    """Larch's find_e0 of every column of X (energies x voxels): the rough pass on numpy's
    gradient, then, voxels grouped by their rough E0 index, the smoothed derivative of the 75
    points either side as one matrix product per group (the smoothing matrix built once per
    index through Larch's interpolate / mirror / convolve / interpolate back) and the same
    choice on it."""
    n = len(e)
    ge = np.gradient(e)
    rough = finde0_pick(np.gradient(X, axis=0) / ge[:, None])
    nskip = int(0.01 * n)
    es1 = np.sort(np.diff(e[nskip:n - nskip]))[nskip:nskip + 10].mean() if nskip else np.nan
    es1 = 1.0 if np.isnan(es1) else min(1.0, max(0.01, es1))
    out = np.empty(X.shape[1])
    for ie0 in np.unique(rough):
        sel = np.nonzero(rough == ie0)[0]
        e1, istart, istop = e[ie0], max(3, ie0 - 75), min(ie0 + 75, n - 3)
        if ie0 < 0.05 * n:
            e1, istart, istop = e.mean(), max(3, ie0 - 20), n - 3
        x = e[istart:istop]
        estep = 0.5 * (es1 + min(1.0, max(0.01, e1 / 25000.0)))
        m = len(x)
        G = np.zeros((m, m))       # numpy's gradient as a matrix
        G[0, :2], G[-1, -2:] = (-1, 1), (-1, 1)
        G[0] /= x[1] - x[0]
        G[-1] /= x[-1] - x[-2]
        for k in range(1, m - 1):
            G[k, k - 1], G[k, k + 1] = -1 / (x[k + 1] - x[k - 1]), 1 / (x[k + 1] - x[k - 1])
        ix = finde0_pick((smooth_matrix(x, estep) @ G) @ X[istart:istop][:, sel])
        out[sel] = np.where(ix >= 1, e[istart + ix], e[istart + 2])
    return out


def compare(evox, ref):
    both = (evox['mask'] != 0) & ref['mask']
    out = {'mask_agree': float(np.mean((evox['mask'] != 0) == ref['mask'])),
           'in_both': int(both.sum())}
    for name in ('edge_energy', 'whiteline_energy', 'whiteline_height'):
        a, b = evox[name][both].astype(np.float64), ref[name][both]
        finite = np.isfinite(a) & np.isfinite(b)
        out[name + '_nan_differ'] = int((np.isfinite(a) != np.isfinite(b)).sum())
        out[name + '_max'] = float(np.max(np.abs(a[finite] - b[finite]))) if finite.any() else 0
    if 'e0' in ref:
        a, b = evox['e0'][both].astype(np.float64), ref['e0'][both]
        out['e0_differ'] = int((a != b.astype(np.float32)).sum())
        out['e0_max'] = float(np.max(np.abs(a - b))) if both.any() else 0.0
    s_e, s_r = evox['edge_step'].astype(np.float64), ref['edge_step']
    fin = np.isfinite(s_e) & np.isfinite(s_r)
    out['step_rel_max'] = float(np.max(np.abs(s_e[fin] - s_r[fin]) / np.maximum(np.abs(s_r[fin]),
                                                                                 1e-3)))
    return out


def bench_case(rb, binary, kind, size, runs, threads, regenerate):
    from threadpoolctl import threadpool_limits
    stack, epath = ensure_data(kind, size, regenerate)
    maps_path = os.path.join(DATA_DIR, 'xanes-%s-%d.evox-maps.f32' % (kind, size))
    rec = rb.evox_bench(binary, 'xanes', '--runs', runs, '--energies', epath, '--maps-out',
                        maps_path, stack, env={'OMP_NUM_THREADS': str(threads)})['xanes'][0]
    e = np.loadtxt(epath)
    X = np.load(stack, mmap_mode='r').reshape(len(e), -1)
    X = np.ascontiguousarray(X)
    nv = X.shape[1]
    e0 = float(rec['e0'])
    times, times_e0 = [], []
    with threadpool_limits(limits=threads):
        for _ in range(runs):
            log('  reference: numpy maps of %d voxels x %d energies' % (nv, len(e)))
            t0 = time.perf_counter()
            ref = numpy_maps(X, e, e0)
            t1 = time.perf_counter()
            # the e0 map, as Evox computes it: each voxel's own find_e0, in the mask
            e0_map = np.full(nv, np.nan)
            e0_map[ref['mask']] = numpy_e0(X[:, ref['mask']].astype(np.float64), e)
            times.append(t1 - t0)
            times_e0.append(time.perf_counter() - t1)
    ref['e0'] = e0_map
    raw = np.fromfile(maps_path, dtype=np.float32).reshape(6, nv)
    evox = dict(zip(('edge_energy', 'e0', 'whiteline_energy', 'whiteline_height', 'edge_step',
                     'mask'), raw))
    r = {'kind': kind, 'size': size, 'voxels': nv, 'energies': len(e), 'e0': e0,
         'threads': int(rec['threads']), 'evox_s': float(rec['s']),
         'evox_no_e0_s': float(rec['s_without_e0_map']), 'numpy_no_e0_s': min(times),
         'numpy_s': min(times) + min(times_e0),
         'in_mask': int(rec['in_mask'])}
    r.update(compare(evox, ref))
    return r


def report(rb, results, binary, argv, markdown, loads):
    out = rb.report_head('XANES maps', argv, markdown, loads)
    out.append('- Evox: `%s` (%s), %s threads'
               % (os.path.relpath(binary, SOURCE_ROOT), rb.build_type(binary),
                  results[0]['threads'] if results else '?'))
    out.append('- Evox sources: %s%s' % (rb.source_fingerprint(('src/core', 'src/analysis')),
                                         '; **the binary is older than these sources**'
                                         if rb.binary_is_stale(binary) else ''))
    out.append('- reference: numpy %s (bench/xanes_ref.py), BLAS limited to %s threads, '
               'Python %s' % (np.__version__, results[0]['threads'] if results else '?',
                              platform.python_version()))
    out.append('')
    header = ('data', 'measurement', 'Evox', 'numpy', 'ratio', 'target', 'result')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in results:
        dims = ('%d^2' if r['kind'] == '2d' else '%d^3') % r['size']
        data = '%s x %d energies' % (dims, r['energies'])
        same = (r['edge_energy_max'] <= TARGET_EV and r['whiteline_energy_max'] <= TARGET_EV)
        same_e0 = same and r['e0_max'] <= TARGET_EV
        ratio = r['numpy_s'] / r['evox_s']
        ratio_no = r['numpy_no_e0_s'] / r['evox_no_e0_s']
        check = ('half-step and white line within %.2g / %.2g eV on the %d voxels both masks '
                 'hold; masks agree on %.4f %% of voxels'
                 % (r['edge_energy_max'], r['whiteline_energy_max'], r['in_both'],
                    100 * r['mask_agree']))
        lines.append('| ' + ' | '.join((
            data, 'the maps the issue names (half step, white line, step, mask; E0 on the mean '
            'spectrum); ' + check, '%.3f s' % r['evox_no_e0_s'], '%.3f s' % r['numpy_no_e0_s'],
            '%.1fx' % ratio_no, '>= %gx, <= %g eV' % (TARGET_RATIO, TARGET_EV),
            rb.verdict(ratio_no >= TARGET_RATIO and same))) + ' |')
        lines.append('| ' + ' | '.join((
            data, 'the same and the e0 map (each voxel\'s own find_e0 in the mask); e0 differs '
            'on %d voxels, by at most %.2g eV' % (r['e0_differ'], r['e0_max']),
            '%.3f s' % r['evox_s'], '%.3f s' % r['numpy_s'], '%.1fx' % ratio,
            '>= %gx, <= %g eV' % (TARGET_RATIO, TARGET_EV),
            rb.verdict(ratio >= TARGET_RATIO and same_e0))) + ' |')
    out.append('\n'.join(lines))
    out.append('')
    out.append('Times are the best of the runs (numpy: the best maps time plus the best e0 time); '
               'ratios are numpy\'s time over Evox\'s. Both use the E0 Evox found on the '
               'stack\'s mean spectrum for the normalisation; Evox\'s time without the e0 map is '
               'a run with every voxel out of the mask. The largest relative difference of the '
               'edge steps is %s.' % ', '.join('%.2g' % r['step_rel_max'] for r in results))
    return '\n'.join(out)


def run(rb, binary, runs, threads, regenerate, markdown, argv):
    loads = [rb.load_average()]
    results = [bench_case(rb, binary, kind, size, runs, threads, regenerate)
               for kind, size in CASES]
    loads.append(rb.load_average())
    return report(rb, results, binary, argv, markdown, loads)


if __name__ == '__main__':
    import importlib.util
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('binary', nargs='?')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--regenerate', action='store_true')
    parser.add_argument('--markdown', action='store_true')
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location('run_bench', os.path.join(HERE, 'run-bench.py'))
    rb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rb)
    print(run(rb, rb.find_binary(args.binary), args.runs, args.threads, args.regenerate,
              args.markdown, sys.argv))

#!/usr/bin/python3
# tomo_ref.py: the reconstruction benchmark: sinograms of an ellipsoid phantom, reconstructed by
# filtered back-projection in evox-bench reconstruct (evox_tomo_reconstruct) and by skimage's iradon.
# SPDX-License-Identifier: BSD-3-Clause
"""Times Evox's filtered back-projection beside skimage.transform.iradon on the same sinograms.

run-bench.py --reconstruct runs this (`/usr/bin/python3 bench/run-bench.py --reconstruct
[--runs 3] [--threads 2] [--tomo-slices 32] [--regenerate] [--markdown] [EVOX_BENCH]`); it can
run alone with the same options.

The data (written once under bench/data/, --regenerate writes it again): tomo-256x180.npy,
float32 of shape (180, 256, 256) = (angles, rows, detector pixels), the layout of an
EvoxTiltSeries: 256 sinograms of 180 angles pi a / 180 over [0, pi) and 256 detector pixels, of
a phantom of six ellipsoids (one axis along the rotation axis, turned about it) projected
analytically: the line integral through each ellipsoid's cross-section at the row's height (an
ellipse), in pixel lengths, sampled at the detector pixels' centres. The rotation axis is at
detector pixel 128 (skimage's n // 2), and Evox is told so (--center 128).

Evox: `evox-bench reconstruct --center 128 SINOGRAMS`, evox_tomo_reconstruct with the ramp
filter, every row a slice of 256 x 256, OMP_NUM_THREADS=THREADS, best of --runs, the whole
volume. skimage 0.19: per slice `iradon(sinogram.T, theta=-degrees(theta), filter_name='ramp',
interpolation='linear', circle=False, output_size=256)`: circle=False because Evox reconstructs
the whole square (no mask outside the inscribed circle); theta negated because iradon's y axis
points up where Evox's points down (tests/tomo-iradon.py). iradon is single-threaded (numpy's
FFT and interp), timed as it is in this process: --tomo-slices slices spread evenly over the
volume (default 32; 0 = all 256), best of --runs, the time scaled to 256 slices.

Agreement: Evox's slice grid is centred at (n - 1) / 2 and iradon's at n // 2, half a pixel apart
when n is even, so four rows of the sinograms (64, 100, 128, 170) are padded with one zero column
to 257 pixels, where both centres are pixel 128, and reconstructed by both (Evox through the same
subcommand, --center 128; both pad rows to 1024 for the filter); the report gives the relative
RMSE ||evox - iradon|| / ||iradon|| over each whole slice, and the worst of them against 1 %.
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
N, N_ANGLES, N_ROWS = 256, 180, 256
CENTER = N // 2
CHECK_ROWS = (64, 100, 128, 170)
TARGET_RATIO = 20.0
TARGET_RMSE = 0.01
# (x0, y0, z0, a, b, c, phi, mu): centre relative to the axis (x right, y down in the slice, z
# along the axis, pixels), semi-axes along x, y (before turning by phi about the axis) and z,
# attenuation per pixel length.
ELLIPSOIDS = (
    (0.0, 0.0, 0.0, 95.0, 70.0, 110.0, 0.0, 0.010),
    (-30.0, 10.0, -20.0, 30.0, 18.0, 50.0, 0.5, 0.015),
    (35.0, -20.0, 25.0, 22.0, 35.0, 40.0, -0.3, 0.020),
    (10.0, 35.0, 50.0, 12.0, 12.0, 20.0, 0.0, -0.008),
    (-15.0, -35.0, -60.0, 25.0, 8.0, 30.0, 1.1, 0.025),
    (50.0, 30.0, -40.0, 6.0, 6.0, 6.0, 0.0, 0.040),
)


def log(message):
    print(message, file=sys.stderr, flush=True)


def angles():
    return np.pi * np.arange(N_ANGLES) / N_ANGLES


def sinograms():
    """(angles, rows, pixels) float32: each ellipsoid's cross-section at row z is an ellipse of
    semi-axes (a s, b s), s = sqrt(1 - (z - z0)^2 / c^2), whose projection at angle theta and
    detector offset t is 2 mu A B sqrt(w^2 - u^2) / w^2 with w^2 = (A cos(theta - phi))^2 +
    (B sin(theta - phi))^2 and u = t - (x0 cos theta + y0 sin theta), 0 for |u| > w."""
    theta = angles()[:, None]
    t = (np.arange(N) - CENTER)[None, :]
    z = np.arange(N_ROWS) - (N_ROWS - 1) / 2
    out = np.zeros((N_ANGLES, N_ROWS, N), np.float64)
    for x0, y0, z0, a, b, c, phi, mu in ELLIPSOIDS:
        u = t - (x0 * np.cos(theta) + y0 * np.sin(theta))
        for row in np.nonzero(np.abs(z - z0) < c)[0]:
            s = np.sqrt(1 - ((z[row] - z0) / c) ** 2)
            A, B = a * s, b * s
            w2 = (A * np.cos(theta - phi)) ** 2 + (B * np.sin(theta - phi)) ** 2
            out[:, row, :] += 2 * mu * A * B * np.sqrt(np.maximum(w2 - u * u, 0)) / w2
    return out.astype(np.float32)


def ensure_data(regenerate):
    os.makedirs(DATA_DIR, exist_ok=True)
    path = os.path.join(DATA_DIR, 'tomo-%dx%d.npy' % (N, N_ANGLES))
    if regenerate or not os.path.exists(path):
        log('writing %s' % path)
        np.save(path + '.tmp.npy', sinograms())
        os.replace(path + '.tmp.npy', path)
    return path


def iradon_slice(sino, output_size):
    """One row's reconstruction by skimage: sino is (angles, pixels)."""
    from skimage.transform import iradon
    return iradon(sino.T.astype(np.float64), theta=-np.degrees(angles()), filter_name='ramp',
                  interpolation='linear', circle=False, output_size=output_size)


def bench(rb, binary, runs, threads, n_slices, regenerate):
    path = ensure_data(regenerate)
    log('  evox-bench reconstruct, %d threads' % threads)
    rec = rb.evox_bench(binary, 'reconstruct', '--runs', runs, '--center', CENTER, path,
                        env={'OMP_NUM_THREADS': str(threads)})['reconstruct'][0]
    data = np.load(path)
    rows = (np.arange(N_ROWS) if n_slices <= 0 or n_slices >= N_ROWS
            else np.linspace(0, N_ROWS - 1, n_slices).round().astype(int))
    # one untimed slice first: skimage's import and numpy's FFT set-up are not iradon's work
    iradon_slice(data[:, rows[0], :], N)
    best = np.inf
    for _ in range(runs):
        log('  iradon of %d slices' % len(rows))
        t0 = time.perf_counter()
        for row in rows:
            iradon_slice(data[:, row, :], N)
        best = min(best, time.perf_counter() - t0)

    # agreement on the padded rows, where both tools' slice grids are centred on pixel 128
    check = np.zeros((N_ANGLES, len(CHECK_ROWS), N + 1), np.float32)
    check[:, :, :N] = data[:, list(CHECK_ROWS), :]
    check_path = os.path.join(DATA_DIR, 'tomo-check-%d.npy' % (N + 1))
    out_path = os.path.join(DATA_DIR, 'tomo-check-%d.evox.f32' % (N + 1))
    np.save(check_path, check)
    rb.evox_bench(binary, 'reconstruct', '--runs', 1, '--center', CENTER, '--recon-out', out_path,
                  check_path, env={'OMP_NUM_THREADS': str(threads)})
    evox = np.fromfile(out_path, np.float32).reshape(len(CHECK_ROWS), N + 1, N + 1)
    rmse = []
    for k in range(len(CHECK_ROWS)):
        ref = iradon_slice(check[:, k, :], N + 1)
        rmse.append(float(np.linalg.norm(evox[k] - ref) / np.linalg.norm(ref)))
    return {'threads': int(rec['threads']), 'evox_s': float(rec['s']), 'slices_timed': len(rows),
            'iradon_subset_s': best, 'iradon_s': best * N_ROWS / len(rows), 'rmse': rmse}


def report(rb, r, binary, argv, markdown, loads):
    import skimage
    out = rb.report_head('reconstruction', argv, markdown, loads)
    out.append('- Evox: `%s` (%s), %d threads'
               % (os.path.relpath(binary, SOURCE_ROOT), rb.build_type(binary), r['threads']))
    out.append('- Evox sources: %s%s' % (rb.source_fingerprint(('src/core', 'src/analysis')),
                                         '; **the binary is older than these sources**'
                                         if rb.binary_is_stale(binary) else ''))
    out.append('- reference: skimage %s `iradon` (filter ramp, linear interpolation, '
               'circle=False), single-threaded, numpy %s, Python %s (bench/tomo_ref.py)'
               % (skimage.__version__, np.__version__, platform.python_version()))
    out.append('')
    header = ('data', 'measurement', 'Evox', 'iradon', 'ratio', 'target', 'result')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    ratio = r['iradon_s'] / r['evox_s']
    worst = max(r['rmse'])
    scaled = ('' if r['slices_timed'] == N_ROWS else
              ' (iradon: %.2f s for %d slices, scaled)' % (r['iradon_subset_s'], r['slices_timed']))
    lines.append('| ' + ' | '.join((
        '%d slices of %d^2 from %d angles' % (N_ROWS, N, N_ANGLES),
        'FBP, ramp, of every slice%s; relative RMSE Evox against iradon on rows %s: %s'
        % (scaled, ', '.join(map(str, CHECK_ROWS)), ', '.join('%.2g %%' % (100 * e)
                                                          for e in r['rmse'])),
        '%.3f s' % r['evox_s'], '%.2f s' % r['iradon_s'], '%.1fx' % ratio,
        '>= %gx, RMSE <= %g %%' % (TARGET_RATIO, 100 * TARGET_RMSE),
        rb.verdict(ratio >= TARGET_RATIO and worst <= TARGET_RMSE))) + ' |')
    out.append('\n'.join(lines))
    out.append('')
    out.append('Times are the best of the runs; the ratio is iradon\'s time over Evox\'s. Evox '
               'reconstructs the volume with evox_tomo_reconstruct on %d threads; iradon runs '
               'one slice at a time on one core, as it is.' % r['threads'])
    return '\n'.join(out)


def run(rb, binary, runs, threads, n_slices, regenerate, markdown, argv):
    loads = [rb.load_average()]
    r = bench(rb, binary, runs, threads, n_slices, regenerate)
    loads.append(rb.load_average())
    return report(rb, r, binary, argv, markdown, loads)


if __name__ == '__main__':
    import importlib.util
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('binary', nargs='?')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--tomo-slices', type=int, default=32)
    parser.add_argument('--regenerate', action='store_true')
    parser.add_argument('--markdown', action='store_true')
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location('run_bench', os.path.join(HERE, 'run-bench.py'))
    rb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rb)
    print(run(rb, rb.find_binary(args.binary), args.runs, args.threads, args.tomo_slices,
              args.regenerate, args.markdown, sys.argv))

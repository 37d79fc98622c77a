#!/usr/bin/python3
# register-ref.py: the registration benchmark: stacks with known scales and sub-pixel shifts,
# registered by scikit-image + scipy (the reference) and by evox-bench register.
# SPDX-License-Identifier: BSD-3-Clause
"""Times registration across energies beside scikit-image and scipy on the same images.

Usage:
    /usr/bin/python3 bench/register-ref.py [--images 67] [--size 1024] [--dims 2|3] [--runs 1]
                                           [--threads 2] [--regenerate] [--markdown]
                                           [--reference-only] [EVOX_BENCH]

The data (written once under bench/data/, `--regenerate` writes it again): IMAGES images of
SIZE x SIZE (or volumes of SIZE^3 with --dims 3) of one synthetic particle seen at energies
spread evenly over 8250..8570 eV. The highest energy is the reference; every other image is the
particle magnified by E / E_ref about the image centre and moved by a random sub-pixel shift
(uniform in +-4 px on each axis), exactly the model of src/core/evox-registration.h:

    reference position = c + (E / E_ref) (raw position - c) + shift,   c = (n - 1) / 2

The raw images are cubic-spline samples (scipy.ndimage.map_coordinates, order 3) of a smooth
textured particle on a zero background, so neither tool meets an edge at the border. Files:
register-{2d,3d}-SIZE-IMAGES.npy (float32, images x [z x] y x x), the same name with
.energies.txt (one energy a line) and .truth.json (energies, scales, shifts).

The reference, per image: scipy.ndimage.zoom(image, E / E_ref, order=3) of the image with 0 to 8
border pixels cropped (chosen so that zoom's whole-pixel output applies the scale s nearly
exactly; see exact_crop), placed in the middle of a SIZE frame (zero outside),
skimage.registration.phase_cross_correlation(reference, zoomed, upsample_factor=20), then
scipy.ndimage.shift(zoomed, shift, order=3): the registered image.
The reference's shifts are put in Evox's frame (about the centre c = (SIZE - 1) / 2, x first):
zoom of the n' = SIZE - k pixels left after cropping k (lead = k // 2 before) makes m pixels and
maps output pixel i to input i (n' - 1) / (m - 1), placed at offset o in the frame, so frame
position p shows raw position (p - o) / e + lead with e = (m - 1) / (n' - 1); the shift compared
is the one found plus o - lead e + c e - c. Without the crop, zoom's scale e is off s by up to
0.5 / SIZE, which moved texture off the centre by up to 0.25 px at 128^3 and put the reference's
shifts 0.062 px RMS (0.114 px at most) off the truth; with it, e is within about 0.05 / SIZE of s,
and what is left is mostly skimage's rounding to 1/20 px.
Evox: `evox-bench register --energies ENERGIES --runs R FILE.npy`, per image exactly what
evox_register_stack does with `--scale energy` to register an image to its target
(_evox_register_translate) and the one resampling with scale and shift; it prints a
`register-image` record per image (index, energy_ev, scale, shift_x, shift_y, shift_z) and a
`register` record with the time s. The report gives both times, the ratio, and the largest and
RMS length of the difference of the shift vectors: Evox against the reference (target: RMS <=
0.05 px), and each tool against the shifts the data was made with (the truth), and the CPU
model. Once per case, untimed, the reference's steps also run with skimage's plain
cross-correlation (normalization=None) and those shifts are compared too: whitening the
spectrum costs skimage's phase correlation about as much accuracy as it cost Evox's first
version, so this line says how much of the reference's own error is the whitening.

The reference runs single-threaded in this process (numpy's FFT and scipy.ndimage use one
thread); Evox gets OMP_NUM_THREADS=THREADS. run-bench.py --register runs this.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
DATA_DIR = os.path.join(HERE, 'data')
SEED = 20240613
E_LO, E_HI = 8250.0, 8570.0
MAX_SHIFT = 4.0
UPSAMPLE = 20
TARGET_RATIO = 5.0
TARGET_SHIFT_PX = 0.05
# evox-bench register: what evox_register_stack does per image (so `evox register`), and with
# --stack the whole evox_register_stack (--scale energy: the headline figure)
EVOX_VARIANTS = (('as evox_register_stack', ('--stack', '--scale', 'energy')),)


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Data


def particle(size, dims, rng):
    """A textured particle on a zero background: smoothed noise plus a few blobs inside a soft
    disk (ball) of radius 0.3 size, with a margin of 16 px around the size^dims frame so that
    every raw image samples inside it. Returns the spline coefficients (order 3) and the margin.
    """
    from scipy import ndimage
    margin = 16
    n = size + 2 * margin
    shape = (n,) * dims
    texture = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32),
                                      max(1.5, size / 256))
    texture /= np.abs(texture).max()
    grids = np.ogrid[tuple(slice(0, n) for _ in range(dims))]
    centre = (n - 1) / 2
    r = np.sqrt(sum((g - centre) ** 2 for g in grids))
    radius = 0.3 * size
    disk = 1.0 / (1.0 + np.exp((r - radius) / (size / 128)))
    field = disk * (0.6 + 0.4 * texture)
    for _ in range(6):
        c = rng.uniform(centre - radius / 2, centre + radius / 2, dims)
        sigma = rng.uniform(size / 40, size / 15)
        field += 0.5 * np.exp(-sum((g - ci) ** 2 for g, ci in zip(grids, c)) / (2 * sigma ** 2))
    field = field.astype(np.float32)
    return ndimage.spline_filter(field, order=3, output=np.float32), margin


def raw_image(coeffs, margin, size, dims, scale, shift_xyz):
    """The raw image at pixel p: the particle at c + scale (p - c) + shift (x, y, z order)."""
    from scipy import ndimage
    c = (size - 1) / 2
    axis = np.arange(size, dtype=np.float64)
    # array axes are z, y, x (slowest first); shift_xyz is x first
    shift_axes = list(shift_xyz[:dims])[::-1]
    coords = np.meshgrid(*[c + scale * (axis - c) + s + margin for s in shift_axes],
                         indexing='ij')
    return ndimage.map_coordinates(coeffs, coords, order=3, prefilter=False,
                                   output=np.float32)


def data_paths(images, size, dims):
    stem = os.path.join(DATA_DIR, 'register-%dd-%d-%d' % (dims, size, images))
    return stem + '.npy', stem + '.energies.txt', stem + '.truth.json'


def ensure_data(images, size, dims, regenerate):
    npy, energies_path, truth_path = data_paths(images, size, dims)
    if not regenerate and all(os.path.exists(p) for p in (npy, energies_path, truth_path)):
        with open(truth_path) as f:
            return npy, energies_path, json.load(f)
    os.makedirs(DATA_DIR, exist_ok=True)
    log('writing %s (%d %s of %d^%d)' % (npy, images, 'volumes' if dims == 3 else 'images',
                                         size, dims))
    rng = np.random.default_rng(SEED + 7 * size + dims)
    coeffs, margin = particle(size, dims, rng)
    energies = np.linspace(E_LO, E_HI, images)
    scales = energies / energies[-1]
    shifts = rng.uniform(-MAX_SHIFT, MAX_SHIFT, (images, 3))
    shifts[:, dims:] = 0
    shifts[-1] = 0
    # image by image into the file, so the stack is never twice in memory
    out = np.lib.format.open_memmap(npy + '.tmp', mode='w+', dtype=np.float32,
                                    shape=(images,) + (size,) * dims)
    for i in range(images):
        out[i] = raw_image(coeffs, margin, size, dims, scales[i], shifts[i])
    out.flush()
    del out
    os.replace(npy + '.tmp', npy)
    with open(energies_path + '.tmp', 'w') as f:
        f.write(''.join('%r\n' % float(e) for e in energies))
    os.replace(energies_path + '.tmp', energies_path)
    truth = {'images': images, 'size': size, 'dims': dims, 'energies_ev': energies.tolist(),
             'scales': scales.tolist(), 'shifts_xyz': shifts.tolist()}
    with open(truth_path + '.tmp', 'w') as f:
        json.dump(truth, f)
    os.replace(truth_path + '.tmp', truth_path)
    return npy, energies_path, truth


# ---------------------------------------------------------------------------------------------
# The reference


def exact_crop(n, scale, most=8):
    """How many border pixels to crop so that zoom scales by (nearly) exactly `scale`: zoom maps
    output pixel i to input i (n' - 1) / (m - 1) with m whole, so the scale it applies is
    (m - 1) / (n' - 1), off s by up to 0.5 / n' for n' = n; of the crops 0..most, the one that
    makes s (n' - 1) nearest a whole number (the particle lies on a zero background, so the
    crop takes nothing away)."""
    return min(range(most + 1),
               key=lambda k: abs(scale * (n - k - 1) - round(scale * (n - k - 1))))


def reference_register(reference, moving, scale, normalization='phase'):
    """crop, zoom, centre in the frame, phase correlation, shift: (registered image, shift
    (x, y, z) in the model's convention, seconds). normalization None: skimage's plain
    cross-correlation instead of the phase correlation (for the comparison of shifts only)."""
    from scipy import ndimage
    from skimage.registration import phase_cross_correlation
    t0 = time.perf_counter()
    n = moving.shape[0]
    k = exact_crop(n, scale)
    lead = k // 2
    cropped = moving[tuple(slice(lead, n - (k - lead)) for _ in moving.shape)]
    m = 1 + round(scale * (n - k - 1))
    zoomed = ndimage.zoom(cropped, m / (n - k), order=3)
    frame = np.zeros_like(moving)
    offset = (n - m) // 2
    frame[tuple(slice(offset, offset + m) for _ in zoomed.shape)] = zoomed
    shift, _, _ = phase_cross_correlation(reference, frame, upsample_factor=UPSAMPLE,
                                          normalization=normalization)
    registered = ndimage.shift(frame, shift, order=3)
    seconds = time.perf_counter() - t0
    # frame position p shows raw position (p - offset) (n' - 1) / (m - 1) + lead; the model's
    # registered p shows raw c + (p - c - shift) / s, with the shift found applied first
    effective = (m - 1) / (n - k - 1)
    c = (n - 1) / 2
    d = offset - lead * effective + c * effective - c
    model = [sh + d for sh in shift][::-1]  # axes z, y, x -> x, y, z
    return registered, model + [0.0] * (3 - len(model)), seconds


def run_reference(stack, truth, runs):
    """Every moving image registered to the reference (the last, highest energy); the best
    total of `runs` passes, the shifts, and (untimed, once) the shifts that skimage's plain
    cross-correlation (normalization=None) finds in the same frame."""
    best, shifts = None, None
    for r in range(runs):
        total, found = 0.0, []
        for i in range(truth['images'] - 1):
            _, shift, seconds = reference_register(stack[-1], stack[i], truth['scales'][i])
            total += seconds
            found.append(shift)
        log('  reference pass %d: %.2f s' % (r + 1, total))
        if best is None or total < best:
            best, shifts = total, found
    plain = [reference_register(stack[-1], stack[i], truth['scales'][i], None)[1]
             for i in range(truth['images'] - 1)]
    return best, np.array(shifts), np.array(plain)


# ---------------------------------------------------------------------------------------------
# Evox


def parse_records(text):
    records = {}
    for line in text.splitlines():
        words = line.split()
        if words:
            records.setdefault(words[0], []).append(
                dict(word.partition('=')[::2] for word in words[1:]))
    return records


def run_evox(binary, npy, energies_path, truth, runs, threads, extra=()):
    command = ([binary, 'register', '--energies', energies_path, '--runs', str(runs)]
               + list(extra) + [npy])
    log('  $ OMP_NUM_THREADS=%d %s' % (threads, ' '.join(shlex.quote(c) for c in command)))
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    if result.stderr.strip():
        log('    ' + result.stderr.strip().replace('\n', '\n    '))
    if result.returncode != 0:
        raise RuntimeError('%s failed with status %d' % (' '.join(command), result.returncode))
    records = parse_records(result.stdout)
    per_image = {int(r['index']): [float(r.get('shift_' + a, 0)) for a in 'xyz']
                 for r in records.get('register-image', [])}
    total = records['register'][0]
    shifts = np.array([per_image[i] for i in range(truth['images'] - 1)])
    if 'register-stack' in records:
        # The stack's entries are in ascending energy, as the images; the last is the reference.
        stack = [[float(r['shift_' + a]) for a in 'xyz'] for r in records['register-stack-image']]
        total = dict(total, stack_s=records['register-stack'][0]['s'],
                     stack_shifts=np.array(stack[:truth['images'] - 1]))
    return float(total['s']), shifts, total


# ---------------------------------------------------------------------------------------------
# The comparison


def differences(a, b, dims):
    """The largest and the RMS length of the difference vectors, in pixels."""
    length = np.sqrt((((a - b)[:, :dims]) ** 2).sum(axis=1))
    return float(length.max()), float(np.sqrt((length ** 2).mean()))


def bench_case(binary, images, size, dims, runs, threads, regenerate, reference_only=False):
    npy, energies_path, truth = ensure_data(images, size, dims, regenerate)
    truth_shifts = np.array(truth['shifts_xyz'][:-1])
    log('%d %s of %d^%d: reference' % (images, 'volumes' if dims == 3 else 'images', size, dims))
    stack = np.load(npy, mmap_mode='r')
    ref_s, ref_shifts, plain_shifts = run_reference(stack, truth, runs)
    del stack
    r = {'images': images, 'size': size, 'dims': dims, 'ref_s': ref_s,
         'ref_vs_truth': differences(ref_shifts, truth_shifts, dims),
         'plain_vs_truth': differences(plain_shifts, truth_shifts, dims)}
    if reference_only:
        return r
    r['evox'] = []
    for name, extra in EVOX_VARIANTS:
        evox_s, evox_shifts, record = run_evox(binary, npy, energies_path, truth, runs, threads,
                                               extra)
        r['threads'] = int(record.get('threads', threads))
        e = {'name': name, 's': evox_s,
             'vs_truth': differences(evox_shifts, truth_shifts, dims),
             'vs_ref': differences(evox_shifts, ref_shifts, dims),
             'vs_plain': differences(evox_shifts, plain_shifts, dims)}
        if 'stack_s' in record:
            e['stack_s'] = float(record['stack_s'])
            e['stack_vs_truth'] = differences(record['stack_shifts'], truth_shifts, dims)
        r['evox'].append(e)
    return r


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def load_average():
    with open('/proc/loadavg') as f:
        return f.read().split()[0]


def report(results, argv, markdown, loads):
    import scipy
    import skimage
    out = []
    if markdown:
        out.append('## %s, registration across energies\n' % datetime.date.today().isoformat())
        out.append('Command (from the source root): `/usr/bin/python3 %s`\n'
                   % ' '.join(shlex.quote(a) for a in argv))
    out.append('- machine: %d processors (`nproc`), %s, Linux %s; load average %s before the '
               'run, %s after' % (len(os.sched_getaffinity(0)), cpu_model(), platform.release(),
                                  loads[0], loads[1]))
    out.append('- reference: scikit-image %s phase_cross_correlation(upsample_factor=%d) with '
               'scipy %s ndimage.zoom and ndimage.shift (order 3), one thread; numpy %s, '
               'Python %s' % (skimage.__version__, UPSAMPLE, scipy.__version__, np.__version__,
                              platform.python_version()))
    if results and 'threads' in results[0]:
        out.append('- Evox: evox-bench register, %d threads' % results[0]['threads'])
    out.append('')
    header = ('data', 'measurement', 'Evox', 'reference', 'ratio', 'target', 'result')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in results:
        data = '%d x %d^%d' % (r['images'], r['size'], r['dims'])
        ref_truth = 'max %.3f, RMS %.3f px' % r['ref_vs_truth']
        if 'evox' not in r:
            lines.append('| %s | shifts against the data\'s | | %s | | | |' % (data, ref_truth))
            lines.append('| %s | time | | %.2f s | | | |' % (data, r['ref_s']))
            continue
        for e in r['evox']:
            ratio = r['ref_s'] / e['s']
            same = e['vs_ref'][1] <= TARGET_SHIFT_PX
            if 'stack_s' in e:
                stack_ratio = r['ref_s'] / e['stack_s']
                lines.append('| %s | time of the whole stack (evox_register_stack --scale energy: '
                             'chain, anchors, registered stack, report) | %.2f s | %.2f s | %.1fx '
                             '| >= %gx | %s |'
                             % (data, e['stack_s'], r['ref_s'], stack_ratio, TARGET_RATIO,
                                'pass' if stack_ratio >= TARGET_RATIO else '**fail**'))
                lines.append('| %s | shifts of the whole stack against the truth | max %.3f, '
                             'RMS %.3f px | | | | |' % ((data,) + e['stack_vs_truth']))
            lines.append('| %s | time of %d registrations (%s: scale, translation, one '
                         'resampling) | %.2f s | %.2f s | %.1fx | >= %gx | %s |'
                         % (data, r['images'] - 1, e['name'], e['s'], r['ref_s'], ratio,
                            TARGET_RATIO, 'pass' if ratio >= TARGET_RATIO else '**fail**'))
            lines.append('| %s | shifts, Evox against the reference | max %.3f, RMS %.3f px '
                         '| | | RMS <= %g px | %s |'
                         % ((data,) + e['vs_ref'] +
                            (TARGET_SHIFT_PX, 'pass' if same else '**fail**')))
            lines.append('| %s | shifts, each tool against the truth (the data\'s) | max %.3f, '
                         'RMS %.3f px | %s | | | |' % ((data,) + e['vs_truth'] + (ref_truth,)))
            lines.append('| %s | shifts, Evox against skimage\'s plain cross-correlation '
                         '(normalization=None, untimed) | max %.3f, RMS %.3f px | | | | |'
                         % ((data,) + e['vs_plain']))
            lines.append('| %s | shifts, skimage\'s plain cross-correlation against the truth '
                         '| | max %.3f, RMS %.3f px | | | |' % ((data,) + r['plain_vs_truth']))
    out.append('\n'.join(lines))
    out.append('')
    out.append('Times are the best of the runs, each the sum over the moving images (the '
               'highest energy is the reference); the ratio is the reference\'s time over '
               'Evox\'s. Shifts are in reference pixels, as the length of the difference '
               'vectors; the reference\'s are put in Evox\'s frame (about the centre, where '
               'zoom\'s whole-pixel output sits in the frame; the image cropped by 0..8 pixels '
               'so zoom applies the scale nearly exactly; see bench/register-ref.py). The '
               'reference is phase correlation as the issue names it; its own error against the '
               'truth is most of its difference from Evox, and skimage\'s plain '
               'cross-correlation on the same frames shows how much of that is the whitening.')
    return '\n'.join(out)


def find_binary(given):
    candidates = [given] if given else [os.path.join(SOURCE_ROOT, 'build', 'bench', 'evox-bench')]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    sys.exit('register-ref.py: no evox-bench binary (tried %s)' % ', '.join(candidates))


def run(binary, cases, runs, threads, regenerate, markdown, argv, reference_only=False):
    """Every (images, size, dims) case; returns the report's text."""
    loads = [load_average()]
    results = [bench_case(binary, images, size, dims, runs, threads, regenerate, reference_only)
               for images, size, dims in cases]
    loads.append(load_average())
    return report(results, argv, markdown, loads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('binary', nargs='?', help='evox-bench (default: build/bench/evox-bench)')
    parser.add_argument('--images', type=int, default=67, help='images per stack (default 67)')
    parser.add_argument('--size', type=int,
                        help='edge in pixels (default 1024 for 2D, 128 for 3D)')
    parser.add_argument('--dims', type=int, choices=(2, 3),
                        help='2 or 3; default both (67 x 1024^2 and 67 x 128^3)')
    parser.add_argument('--runs', type=int, default=1, help='timed passes, best kept')
    parser.add_argument('--threads', type=int, default=2, help='OMP_NUM_THREADS for Evox')
    parser.add_argument('--regenerate', action='store_true', help='write the data again')
    parser.add_argument('--markdown', action='store_true', help='print a RESULTS.md section')
    parser.add_argument('--reference-only', action='store_true',
                        help='time the reference alone (no evox-bench)')
    args = parser.parse_args()
    if args.images < 2 or args.runs < 1 or args.threads < 1:
        parser.error('--images must be at least 2, --runs and --threads at least 1')
    if args.dims is None:
        cases = [(args.images, args.size or 1024, 2), (args.images, args.size or 128, 3)]
    else:
        cases = [(args.images, args.size or (1024 if args.dims == 2 else 128), args.dims)]
    binary = None if args.reference_only else find_binary(args.binary)
    print(run(binary, cases, args.runs, args.threads, args.regenerate, args.markdown, sys.argv,
              args.reference_only))


if __name__ == '__main__':
    main()

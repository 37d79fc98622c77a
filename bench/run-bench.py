#!/usr/bin/python3
# run-bench.py: Evox's load, histograms, frames, labels and k-means beside tifffile, numpy, VTK,
# scipy and scikit-learn.
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmarks Evox against a bare libtiff loop, tifffile and numpy on the same data in one run.

Usage:
    /usr/bin/python3 bench/run-bench.py [--size 512] [--runs 3] [--markdown] [EVOX_BENCH]

It writes two generated volumes (u16 and f32, SIZE^3, uncompressed, contiguous) under
bench/data/ unless they are there already, runs every evox-bench measurement in its own
process, times the reference tools in this process, and prints a table of Evox against the
references with the targets of the performance issue:

  * TIFF load of uncompressed data at least 0.8x the rate of a bare libtiff strip-reading loop;
  * full fine histogram (statistics + binning) at least 1 Gvox/s on 2 cores (f32: 1.2, issue 17);
  * a range count after load under 1 ms at any volume size;
  * peak RSS while loading an N-byte volume at most N + 64 MiB.

Files are read warm from the page cache (dropping it needs root); every load is best of RUNS.
With --markdown the output is a section for bench/RESULTS.md. Use the Debian packages
(python3-numpy, python3-tifffile) through /usr/bin/python3.

    /usr/bin/python3 bench/run-bench.py --render [--size 256] [--frames 100] [--markdown]

measures frames instead, on Mesa's llvmpipe at 800x600: Evox's three-slice and layer-stack views
(evox-bench render, headless EGL) and VTK drawing the same three slices of the same f32 volume
(python3-vtk9, offscreen under `xvfb-run -a`), with the goal Evox / VTK <= 1; and the window's
launch to first frame of the demo volume (build/src/evox under `xvfb-run -a` with
EVOX_BENCH_FIRST_FRAME=1).

    /usr/bin/python3 bench/run-bench.py --volume-render [--volume-frames 20] [--markdown]

measures frames of the ray-cast Volume view instead (bench/volume_ref.py says exactly what): a
256^3 u8 volume, composite and MIP, Evox at full quality and interactive beside VTK's
vtkGPUVolumeRayCastMapper and vtkSmartVolumeMapper on llvmpipe at 800x600, with the goals Evox /
VTK <= 1 and Evox interactive / Evox full <= 1/3.

    /usr/bin/python3 bench/run-bench.py --mesh-render [--mesh-frames 30] [--markdown]

measures frames of surfaces instead, on llvmpipe at 800x600: evox-bench mesh-render (the
flying-edges surface of a gyroid, about 500,000 triangles, opaque and at opacity 0.5 through
weighted blended OIT) beside VTK drawing the same mesh, read from the PLY evox-bench writes
(python3-vtk9, offscreen under `xvfb-run -a`), the same frames with the same camera turn.

    /usr/bin/python3 bench/run-bench.py --surface-scale [--threads 2] [--markdown]

measures surfaces at scale instead (issue 17), through bench/surface_scale.py (which says
exactly what): a phase surface of a 500^3 packing of spheres (40 million triangles at full
resolution) brought to the 2,000,000-triangle budget by evox_isosurface_build (time, VmHWM over
the RSS before, area, volume and sampled Hausdorff distance against the full surface), the full
surface written as PLY beside a plain write of the same bytes, and VTK's vtkQuadricDecimation
of the same kind of surface at 250^3 (at 500^3 it grew past 20 GiB), with the goals of under
5 s and 1 GiB.

    /usr/bin/python3 bench/run-bench.py --labels [--runs 3] [--markdown]

measures connected-component labelling instead: evox-bench labels (on all threads and on one)
beside scipy.ndimage.label (python3-scipy) on the same masks, written once under bench/data/
(256^3 uniform noise p = 0.3, 256^3 and 512^3 smooth blobs, ../shared/data/tomo/electrode.tiff
when present), checking that both find the same number of components, with the goals of at
least 3x scipy's throughput on 2 cores and 300 Mvox/s on smooth masks; and
evox_labels_compute end to end on about 10^5 particles beside scipy's labelling and per-label
statistics.

    /usr/bin/python3 bench/run-bench.py --big [--size 2048] [--big-formats tiff,hdf5]
                                        [--big-moves 20] [--big-first-only] [--big-keep]
                                        [--big-ondemand LIMIT] [--big-repeat N] [--markdown]
    /usr/bin/python3 bench/run-bench.py --big-clean

measures opening a big volume instead (issue 17, "Open and look"): it writes a SIZE^3 u16
volume (default 2048^3, 16 GiB) under bench/data/, one format at a time, deleted after its
measurement: an uncompressed BigTIFF (one strip a page) and a chunked HDF5 /exchange/data
(chunks of 1 x 256 x 256, uncompressed). On each, evox-bench big-load opens it as the window
does (previews on, then the exact histograms) and prints when the first coarse preview came,
when the whole volume was read, when its histograms were done, and the peak resident memory
(VmHWM) over the volume's size; beside it, in a child process each, tifffile.imread or h5py
reading the same file whole, timed the same way. Before each tool the file's pages are dropped
from the page cache (posix_fadvise DONTNEED on that file alone), so both open it cold. With
--big-first-only Evox stops at its first preview (twice, cold each time) and no reference runs:
for a machine where the whole volume would not fit beside other jobs. After the load (unless
--big-moves 0) the same process draws the three slices at 800x600 on llvmpipe through headless
EGL while the z slice moves by 1 and by 100 (BIG_MOVES times each; bricked when the volume is
beyond the GPU budget): the frame showing each new slice and the steady frames after it, with
the target of a new slice within 100 ms (90th percentile). It prints the free disk and memory
first and stops, writing nothing, when either is short of what the size needs (2048^3: 16.3
GiB of disk, 18.6 GiB available); files are removed after their measurement, also when the run
fails or is stopped (Ctrl-C, SIGTERM, SIGHUP), unless --big-keep; --big-clean removes leftovers.
With --big-ondemand LIMIT (1G, say) evox-bench ondemand opens each file with
EVOX_MEMORY_LIMIT=LIMIT instead, held reduced (one pass over the cold file) with automatic
previews as the window asks for them (it prints when the first came, and each preview's stride in
the file's voxels), then reads, each cold again, the first full-resolution z plane (what a zoomed pane of the z slice reads) and x
plane (a column of every page) from it; no reference, no frames. With --big-repeat N each
tool reads each file N times, cold each time, taking turns, the reference first in every other
round (the frames only in the first); the table gives the median, fastest and slowest of each.
On a virtual machine that gives freed memory back to its host (this one: Firecracker with free
page reporting), a read's time depends on when the run before it freed its memory, by 10x and
more, so single runs in a fixed order compare the order, not the tools.

    /usr/bin/python3 bench/run-bench.py --label-memory [--markdown]

measures the peak memory of labelling several phases instead: evox-bench label-memory on
../shared/data/tomo/electrode.tiff with two phases (85, 170) and three (0, 85, 170), labelled
and written as one label TIFF the way `evox segment --labels` does, once with a label volume per
phase (--separate, as before issue 17) and once into one shared label volume; it prints each
peak (VmHWM from before the load) as a multiple of the volume's size and checks that both write
the same TIFF, with issue 17's goal of at most the volume plus one u32 label volume (5x for u8).

    /usr/bin/python3 bench/run-bench.py --kmeans [--runs 3] [--threads 2] [--markdown]

measures k-means instead: evox-bench kmeans beside scikit-learn's KMeans(algorithm="lloyd")
(python3-sklearn, limited to the same THREADS through threadpoolctl; Evox gets
OMP_NUM_THREADS=THREADS) on the same float32 points, written once under bench/data/ (Gaussian
blobs: 10^6 x 16 with 8 centres and 10^5 x 512 with 13): the time per Lloyd iteration from the
same start centres (max_iter 20, tol 0, time / n_iter) and the whole run from k-means++ (n_init
1, tol 1e-4), with the goals of at least 2x scikit-learn on both; and Evox's sweep k = 1..12 of
the 10^6 points (on its default 100,000-point sample, and on all of them), with the goal of
under 10 s.

    /usr/bin/python3 bench/run-bench.py --register [--runs 3] [--threads 2] [--markdown]
                                        [--register-images 67] [--register-dims 2|3]

measures registration across energies instead (issue 13): evox-bench register beside
scikit-image's phase_cross_correlation(upsample_factor=20) with scipy.ndimage.zoom and shift, on
67 images of 1024^2 and 67 volumes of 128^3 with known scales and sub-pixel shifts, written once
under bench/data/ by bench/register-ref.py (which says exactly what is done), with the goals of
at least 5x the reference's time on 2 cores and the same shifts within 0.05 px.

    /usr/bin/python3 bench/run-bench.py --xanes [--runs 3] [--threads 2] [--markdown]

measures per-voxel XANES maps instead (issue 14): evox-bench xanes (evox_xanes_maps) beside the
same normalisation, half-step and white-line maps and each voxel's find_e0 (the e0 map)
vectorised in numpy, on 1024^2 pixels x 61
energies and 128^3 voxels x 61 energies around the Ni K edge, written once under bench/data/
by bench/xanes_ref.py (which says exactly what is done), with the goals of at least 10x numpy's
time on 2 cores and the same maps within 0.05 eV.

    /usr/bin/python3 bench/run-bench.py --reconstruct [--runs 3] [--threads 2] [--tomo-slices 32]
                                        [--markdown]

measures filtered back-projection instead (issue 16): evox-bench reconstruct
(evox_tomo_reconstruct, ramp filter) beside skimage's iradon(filter_name='ramp', circle=False)
per slice, single-threaded, on 256 sinograms of 256 pixels from 180 angles of an ellipsoid
phantom written once under bench/data/ by bench/tomo_ref.py (which says exactly what is done);
iradon is timed on TOMO_SLICES slices (0: all) and scaled to 256. The goals: at least 20x
iradon's time on 2 cores and a relative RMSE of at most 1 % between the two.

    /usr/bin/python3 bench/run-bench.py --align [--threads 2] [--tomo-slices 32] [--markdown]

measures the jitter alignment instead (issue 16): evox-bench align (the fast pass, then 5
reprojection iterations at each of 3 levels, 64 to 256 pixels) on 180 projections of 256^2
of tomo_ref.py's phantom moved by a known jitter of up to 5 px, beside one iteration of the same
loop in skimage (iradon + radon per row, phase_cross_correlation with upsample_factor=20 per
projection), written once under bench/data/ by bench/align_ref.py (which says exactly what is
done); the goal: the whole alignment in under a minute on 2 cores.

    /usr/bin/python3 bench/run-bench.py --cluster [--runs 1] [--threads 2] [--markdown]

measures the whole clustering job instead: `evox cluster ELECTRODE --features local --k auto`
on ../shared/data/tomo/electrode.tiff (256^3 u8, 16.7 M voxels; OMP_NUM_THREADS=THREADS), its
stages from G_MESSAGES_DEBUG=evox (features, scaling, the sweep k = 1..12 on 100,000 voxels, the
final k-means over all voxels, labels and curves), beside the same steps in Python: the four
local features computed with numpy/scipy.ndimage (value, 3^3 mean and population std of the part
inside the volume, numpy.gradient magnitude: the same definitions, not Evox's code), then
scikit-learn's StandardScaler, KMeans(k-means++, n_init 4 = Evox's restarts) for k = 1..12 on a
100,000-point sample, and KMeans(k = the k Evox chose, n_init 4) on all points, limited to
THREADS. It prints both, the ratio and the CPU model, with the goals of the whole job in
seconds and the sweep under 10 s.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import time

import numpy as np
import tifffile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
DATA_DIR = os.path.join(HERE, 'data')
MIB = 1 << 20
RSS_ALLOWANCE = 64 * MIB
FINE_BINS = 65536
SEED = 20240601


def log(message):
    """Progress goes to stderr, so stdout holds only the results."""
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Data


def smooth_field(size, rng, n_blobs=16, slab=16):
    """A sum of Gaussian blobs in [0, 1], float32, shape (size, size, size), z slowest."""
    axis = np.arange(size, dtype=np.float32)
    centres = rng.uniform(0, size, (n_blobs, 3)).astype(np.float32)
    sigmas = rng.uniform(size / 16, size / 5, n_blobs).astype(np.float32)
    amplitudes = rng.uniform(0.3, 1.0, n_blobs).astype(np.float32)
    profiles = np.exp(-(axis[None, None, :] - centres[:, :, None]) ** 2
                      / (2 * sigmas[:, None, None] ** 2))  # (blob, axis z/y/x, coordinate)
    planes = [amplitudes[b] * np.outer(profiles[b, 1], profiles[b, 2]) for b in range(n_blobs)]
    field = np.empty((size, size, size), dtype=np.float32)
    for z0 in range(0, size, slab):
        z1 = min(size, z0 + slab)
        out = field[z0:z1]
        out[...] = 0
        for b in range(n_blobs):
            out += profiles[b, 0, z0:z1, None, None] * planes[b][None]
    field /= field.max()
    return field


def add_noise(field, rng, sigma, slab=16):
    """Adds Gaussian noise in place, slab by slab, to keep temporaries small."""
    for z0 in range(0, field.shape[0], slab):
        part = field[z0:z0 + slab]
        part += sigma * rng.standard_normal(part.shape, dtype=np.float32)


def make_volume(dtype, size):
    """Deterministic, smooth-ish content: blobs plus noise over a wide range of values.

    f32 looks like log10 of a resistance spanning eight decades (-6..2); u16 spans nearly the
    whole 16-bit range.
    """
    rng = np.random.default_rng(SEED + (1 if dtype == 'f32' else 2))
    field = smooth_field(size, rng)
    if dtype == 'f32':
        field *= 7.4
        field -= 5.5
        add_noise(field, rng, 0.15)
        np.clip(field, -6.0, 2.0, out=field)
        return field
    field *= 62000.0
    field += 1500.0
    add_noise(field, rng, 600.0)
    np.clip(field, 0, 65535, out=field)
    return np.rint(field, out=field).astype(np.uint16)


def data_path(dtype, size):
    suffix = '' if size == 512 else '-%d' % size
    return os.path.join(DATA_DIR, 'vol-%s%s.tif' % (dtype, suffix))


def ensure_volume(dtype, size, regenerate):
    """Path of the generated volume, written (atomically) only when missing or wrong."""
    path = data_path(dtype, size)
    want = np.dtype(np.float32 if dtype == 'f32' else np.uint16)
    if not regenerate and os.path.exists(path):
        try:
            with tifffile.TiffFile(path) as tif:
                series = tif.series[0]
                if series.shape == (size, size, size) and series.dtype == want:
                    return path
        except Exception as error:  # a broken file is simply written again
            log('%s: %s; writing it again' % (path, error))
    os.makedirs(DATA_DIR, exist_ok=True)
    log('generating %s (%d^3 %s)' % (path, size, dtype))
    data = make_volume(dtype, size)
    tmp = path + '.tmp'
    tifffile.imwrite(tmp, data, photometric='minisblack', contiguous=True,
                     bigtiff=data.nbytes > (1 << 31))
    os.replace(tmp, path)
    return path


def describe_layout(path):
    """Pages, strips per page and bytes per strip, as libtiff will see them."""
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        return {
            'pages': len(tif.pages),
            'strips': len(page.dataoffsets),
            'strip_bytes': int(page.databytecounts[0]),
            'bigtiff': tif.is_bigtiff,
        }


# ---------------------------------------------------------------------------------------------
# evox-bench


def find_binary(given):
    candidates = [given] if given else [
        os.path.join(SOURCE_ROOT, 'build', 'bench', 'evox-bench'),
        os.path.join(os.getcwd(), 'build', 'bench', 'evox-bench'),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    sys.exit('run-bench.py: no evox-bench binary (tried %s); build it with '
             '`ninja -C build bench/evox-bench` or pass its path' % ', '.join(candidates))


def parse_records(text):
    """evox-bench lines are `record key=value ...`; returns {record: [fields, ...]}."""
    records = {}
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        fields = {}
        for word in words[1:]:
            key, _, value = word.partition('=')
            fields[key] = value
        records.setdefault(words[0], []).append(fields)
    return records


def evox_bench(binary, *args, env=None):
    """Runs one measurement in a fresh process and returns its records; env adds variables."""
    command = [binary] + [str(a) for a in args]
    log('  $ ' + ''.join('%s=%s ' % item for item in (env or {}).items())
        + ' '.join(shlex.quote(os.path.relpath(c) if os.path.exists(c) else c)
                   for c in command))
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **env) if env else None)
    if result.stderr.strip():
        log('    ' + result.stderr.strip().replace('\n', '\n    '))
    if result.returncode != 0:
        raise RuntimeError('%s failed with status %d' % (' '.join(command), result.returncode))
    return parse_records(result.stdout)


def build_type(binary):
    """The meson buildtype of the build folder holding the binary, when it says."""
    info = os.path.join(os.path.dirname(os.path.dirname(binary)), 'meson-info',
                        'intro-buildoptions.json')
    try:
        with open(info) as f:
            options = {o['name']: o['value'] for o in json.load(f)}
        return '%s, b_ndebug=%s' % (options.get('buildtype'), options.get('b_ndebug'))
    except (OSError, ValueError, KeyError):
        return 'unknown'


# ---------------------------------------------------------------------------------------------
# References


def status_bytes(key):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) * 1024
    return 0


BIG_CHUNK = 256


def write_big(fmt, size, path):
    """A size^3 u16 volume, a page at a time (never the whole array in memory): smooth
    structures plus noise, so neither compression nor a constant page flatters anything."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    rng = np.random.default_rng(17)
    tmp = path + '.part'

    def page(z):
        base = 20000 + 15000 * np.sin(6.3 * x + 3.1 * z / size) * np.cos(5.1 * y)
        return (base + rng.integers(0, 4000, (size, size))).astype(np.uint16)

    if fmt == 'tiff':
        with tifffile.TiffWriter(tmp, bigtiff=True) as tw:
            for z in range(size):
                tw.write(page(z), contiguous=True, photometric='minisblack')
    else:
        import h5py
        chunk = (1, min(size, BIG_CHUNK), min(size, BIG_CHUNK))
        with h5py.File(tmp, 'w') as f:
            d = f.create_dataset('/exchange/data', (size, size, size), dtype='uint16',
                                 chunks=chunk)
            for z in range(size):
                d[z] = page(z)
    os.replace(tmp, path)


def evict(path):
    """Drops the file's pages from the page cache (its own pages only: no root needed, nothing
    else on the machine is touched), so each tool opens it cold, as a user opening it does."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def big_reference(path):
    """Child mode: tifffile or h5py reading the whole file, its time and peak RSS as JSON."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        reset = True
    except OSError:
        reset = False
    base = status_bytes('VmRSS')
    t0 = time.perf_counter()
    if path.endswith('.h5'):
        import h5py
        with h5py.File(path, 'r') as f:
            data = f['/exchange/data'][...]
        tool = 'h5py ' + h5py.__version__
    else:
        data = tifffile.imread(path)
        tool = 'tifffile ' + tifffile.__version__
    seconds = time.perf_counter() - t0
    peak = status_bytes('VmHWM')
    print(json.dumps({'tool': tool, 'bytes': data.nbytes, 'seconds': seconds, 'base_bytes': base,
                      'peak_bytes': peak, 'hwm_reset': reset}))


def free_disk(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def mem_available():
    """MemAvailable: what the kernel can hand out without swapping (free plus reclaimable
    page cache), in bytes."""
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1]) * 1024
    return 0


# A big file: the volume's bytes plus the TIFF's page directories or HDF5's chunk index.
BIG_DISK_FACTOR = 1.02
# A whole load may peak at 1.10x the volume (issue 17's target, checked in the report); the
# frames add llvmpipe's textures (at most half the 1 GiB GPU budget in tiles, or the whole
# volume when it is not bricked) and the reference reads in a process of its own afterwards.
BIG_MEMORY_FACTOR = 1.10
BIG_FRAMES_MEMORY = 1 << 30
# The first preview alone holds 1/64 of the volume at most, plus its histograms.
BIG_FIRST_MEMORY = 1 << 30


def big_paths(size=None):
    """The files --big writes under bench/data (all sizes when size is None), with their
    temporaries."""
    names = os.listdir(DATA_DIR) if os.path.isdir(DATA_DIR) else []
    prefix = 'big-' if size is None else 'big-%d.' % size
    return sorted(os.path.join(DATA_DIR, n) for n in names
                  if n.startswith(prefix) and n.split('.')[-1] in ('tif', 'h5', 'part'))


def remove_big_files(size=None):
    removed = []
    for path in big_paths(size):
        os.unlink(path)
        removed.append(path)
    return removed


def big_needs(size, formats, first_only, frames):
    """(disk, memory) in bytes a --big run needs at once: one file at a time; the memory of the
    largest process (a fresh file's pages are reclaimable, so they do not count)."""
    volume_bytes = size ** 3 * 2
    disk = volume_bytes * BIG_DISK_FACTOR
    if first_only:
        memory = BIG_FIRST_MEMORY
    else:
        memory = volume_bytes * BIG_MEMORY_FACTOR + (BIG_FRAMES_MEMORY if frames else 0)
        if frames and volume_bytes <= BIG_FRAMES_MEMORY:
            memory += volume_bytes
    return disk, memory


def check_big_room(size, formats, first_only, frames, keep):
    """Prints the free disk and memory against what the run needs; exits when either is short,
    before anything is written."""
    os.makedirs(DATA_DIR, exist_ok=True)
    disk_need, memory_need = big_needs(size, formats, first_only, frames)
    # A file kept from an earlier run with --big-keep is used again, not written beside itself.
    kept = sum(os.path.getsize(p) for p in big_paths(size) if not p.endswith('.part'))
    disk, memory = free_disk(DATA_DIR) + (kept if keep else 0), mem_available()
    log('--big at %d^3 u16 (%.1f GiB a file, %s): free disk under %s %.1f GiB (needs %.1f), '
        'available memory %.1f GiB (needs %.1f)'
        % (size, size ** 3 * 2 / 2 ** 30, ', '.join(formats), os.path.relpath(DATA_DIR),
           disk / 2 ** 30, disk_need / 2 ** 30, memory / 2 ** 30, memory_need / 2 ** 30))
    short = []
    if disk < disk_need:
        short.append('%.1f GiB of free disk under %s (it has %.1f)'
                     % (disk_need / 2 ** 30, DATA_DIR, disk / 2 ** 30))
    if memory < memory_need:
        short.append('%.1f GiB of available memory (MemAvailable is %.1f; other jobs hold the '
                     'rest, or try --big-first-only)' % (memory_need / 2 ** 30, memory / 2 ** 30))
    if short:
        sys.exit('run-bench.py: --big --size %d needs %s' % (size, ' and '.join(short)))


def big_file_ok(fmt, size, path):
    """A file kept by --big-keep is reused only when it is whole: the right size on disk."""
    if not os.path.exists(path):
        return False
    return os.path.getsize(path) >= size ** 3 * 2


def bench_big(binary, size, formats, first_only=False, moves=20, keep=False,
              ondemand_limit=None, repeat=1):
    """Writes each format in turn, opens it with Evox (then times its slices, moves > 0, in the
    first round) and with the reference, repeat rounds, deletes it unless keep; with first_only, Evox stops at its first preview
    (twice, cold each time) and no reference runs; with ondemand_limit, Evox opens it over that
    memory cap, reduced, and reads full-resolution planes on demand (no reference)."""
    results = []
    volume_bytes = size ** 3 * 2
    for fmt in formats:
        path = os.path.join(DATA_DIR, 'big-%d.%s' % (size, 'tif' if fmt == 'tiff' else 'h5'))
        try:
            write_s = None
            if keep and big_file_ok(fmt, size, path):
                log('using %s, kept from an earlier --big-keep run' % path)
            else:
                log('writing %s (%d^3 u16, %.1f GiB)' % (path, size, volume_bytes / 2 ** 30))
                t0 = time.perf_counter()
                write_big(fmt, size, path)
                write_s = time.perf_counter() - t0
            if ondemand_limit:
                evict(path)
                run = evox_bench(binary, 'ondemand', path,
                                 env={'EVOX_MEMORY_LIMIT': ondemand_limit})['ondemand'][0]
                results.append({'format': fmt, 'size': size, 'write_s': write_s,
                                'ondemand': run, 'limit': ondemand_limit})
                continue
            if first_only:
                runs = []
                for _ in range(2):
                    evict(path)
                    runs.append(evox_bench(binary, 'big-load', '--first-preview-only',
                                           path)['big-load'][0])
                results.append({'format': fmt, 'size': size, 'write_s': write_s, 'first': runs})
                continue
            # Each round reads the file cold with both tools, the reference first in every
            # other round: on a virtual machine that hands freed memory back to its host, a
            # process that starts right after another freed gigabytes reads faster than one
            # that starts later, so one run of each in a fixed order measures their order.
            evox_runs, ref_runs, frames = [], [], []
            for i in range(repeat):
                for tool in (('ref', 'evox') if i % 2 else ('evox', 'ref')):
                    evict(path)
                    if tool == 'evox':
                        slice_moves = moves if i == 0 else 0
                        records = evox_bench(binary, 'big-load', '--slice-moves', slice_moves,
                                             path, env=SOFTWARE_GL if slice_moves > 0 else None)
                        evox_runs.append(records['big-load'][0])
                        frames = frames or records.get('big-frames', [])
                    else:
                        ref = subprocess.run([sys.executable, __file__, '--big-reference', path],
                                             stdout=subprocess.PIPE, text=True, check=True)
                        ref_runs.append(json.loads(ref.stdout))
            results.append({'format': fmt, 'size': size, 'write_s': write_s,
                            'evox': evox_runs[0], 'evox_runs': evox_runs, 'frames': frames,
                            'ref': ref_runs[0], 'ref_runs': ref_runs})
        finally:
            for p in ([] if keep else [path]) + [path + '.part']:
                if os.path.exists(p):
                    os.unlink(p)
    return results


def on_signal(signum, frame):
    """SIGTERM and SIGHUP end the run as Ctrl-C does, so the big files are removed on the way
    out (the finally blocks run)."""
    raise KeyboardInterrupt


def big_report(results, binary, argv, markdown, loads):
    lines = []
    if markdown:
        lines.append('## %s, opening a big volume' % datetime.date.today().isoformat())
        lines.append('')
        lines.append('Command (from the source root): `%s`'
                     % ' '.join(shlex.quote(a) for a in argv))
        lines.append('')
        lines.append(machine_line(loads))
        if results and 'ondemand' in results[0]:
            lines.append('- Evox = evox-bench ondemand with EVOX_MEMORY_LIMIT: evox_volume_load_with '
                         'holding the file reduced (one pass over it, cold) with automatic '
                         'previews as the window asks for them (first preview: when the first '
                         'came; stride in the file\'s voxels), then one z plane '
                         'and one x plane read at full resolution through its voxel source, '
                         'each cold (the file\'s pages dropped with posix_fadvise before); '
                         'peak = VmHWM')
        else:
            lines.append('- each file read cold by each tool (its pages dropped from the page '
                         'cache with posix_fadvise before each); '
                         'Evox = evox-bench big-load: evox_volume_load_with with automatic '
                         'previews, then the statistics and fine histograms ("with histograms": '
                         'when the exact histogram is there); peak = VmHWM over the volume\'s '
                         'bytes (the reference: its own process, VmHWM over the array\'s '
                         'bytes); frames: the same process afterwards, the three slices at '
                         '800x600 (evox-bench big-load --slice-moves)')
        lines.append('')
    if results and 'ondemand' in results[0]:
        lines.append('| file | memory cap | held at | first preview | previews (stride:s) | '
                     'open (one pass, cold) | first full-resolution z plane, cold | x plane, '
                     'cold | peak |')
        lines.append('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
        for r in results:
            e = r['ondemand']
            first = float(e.get('first_preview_s', -1))
            previews = e.get('previews', 'none')
            lines.append('| %d^3 u16 %s (%.1f GiB) | %s | 1:%s | %s | %s | %.2f s | %.3f s | '
                         '%.2f s | %.0f MB |'
                         % (r['size'], 'TIFF' if r['format'] == 'tiff' else 'HDF5',
                            r['size'] ** 3 * 2 / 2 ** 30, r['limit'], e['scale'],
                            '%.2f s' % first if first >= 0 else 'none',
                            ', '.join(':'.join(p.split(':')[:2]) + ' s'
                                      for p in previews.split(',')) if previews != 'none'
                            else 'none',
                            float(e['open_s']), float(e['z_plane_s']), float(e['x_plane_s']),
                            int(e['peak_bytes']) / 1e6))
        return '\n'.join(lines)
    if results and 'first' in results[0]:
        lines.append('| file | first preview, cold (two runs) | stride | peak then | target |')
        lines.append('| --- | --- | --- | --- | --- |')
        for r in results:
            times = [float(e['first_preview_s']) for e in r['first']]
            stride = r['first'][0]['previews'].split(':')[0]
            lines.append('| %d^3 u16 %s (%.1f GiB) | %s | %s | %.0f MB | <= 3 s: %s |'
                         % (r['size'], 'TIFF' if r['format'] == 'tiff' else 'HDF5',
                            r['size'] ** 3 * 2 / 2 ** 30, ', '.join('%.2f s' % t for t in times),
                            stride, max(int(e['peak_bytes']) for e in r['first']) / 1e6,
                            'n/a (no preview: under 256 MiB)' if min(times) < 0
                            else 'pass' if max(times) <= 3.0 else 'FAIL'))
        return '\n'.join(lines)
    lines.append('| file | first preview | previews (stride:s) | whole volume read | with '
                 'histograms | Evox peak | reference read | reference peak | Evox / reference '
                 'time | targets (issue 17) |')
    lines.append('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for r in results:
        runs = r.get('evox_runs', [r['evox']])
        refs = r.get('ref_runs', [r['ref']])
        e, ref = r['evox'], r['ref']
        firsts = [float(x['first_preview_s']) for x in runs]
        peak = max(float(x['peak_over_volume']) for x in runs)
        ref_peak = max(x['peak_bytes'] / x['bytes'] for x in refs)
        previews = ', '.join(':'.join(p.split(':')[:2]) + ' s'
                             for p in e['previews'].split(',')) if e['previews'] != 'none' else 'none'
        reads = [float(x['read_s']) for x in runs]
        ref_reads = [x['seconds'] for x in refs]
        ok = 0 <= min(firsts) and max(firsts) <= 3.0 and peak <= 1.10
        lines.append('| %d^3 u16 %s (%.1f GiB) | %s | %s | %s | %s | %.3fx | %s (%s) | %.3fx | '
                     '%.2f | preview <= 3 s, peak <= 1.10x: %s |'
                     % (r['size'], 'TIFF' if r['format'] == 'tiff' else 'HDF5',
                        int(e['bytes']) / 2 ** 30, spread(firsts, 2), previews, spread(reads),
                        spread([float(x['total_s']) for x in runs]), peak, spread(ref_reads),
                        ref['tool'], ref_peak, statistics.median(reads) /
                        statistics.median(ref_reads), 'pass' if ok else 'FAIL'))
    if any(len(r.get('evox_runs', [])) > 1 for r in results):
        lines.append('')
        lines.append('Several rounds (--big-repeat): the median, then the fastest and slowest '
                     'in brackets; previews (stride:s) of the first round; Evox / reference: '
                     'the ratio of the medians. The whole reads round by round, in the order '
                     'they ran:')
        lines.append('')
        for r in results:
            rounds = []
            for i, (x, ref) in enumerate(zip(r['evox_runs'], r['ref_runs'])):
                pair = ['Evox %.1f s' % float(x['read_s']), 'reference %.1f s' % ref['seconds']]
                rounds.append(', '.join(pair[::-1] if i % 2 else pair))
            lines.append('- %d^3 %s: %s' % (r['size'], 'TIFF' if r['format'] == 'tiff' else 'HDF5',
                                            '; '.join(rounds)))
    if any(r.get('frames') for r in results):
        lines.extend(big_frames_rows(results))
    return '\n'.join(lines)


def spread(values, digits=1):
    """One run: its value in seconds; several: the median, then the fastest and slowest."""
    if len(values) == 1:
        return '%.*f s' % (digits, values[0])
    return '%.*f s (%.*f-%.*f)' % (digits, statistics.median(values), digits, min(values),
                                   digits, max(values))


# "Interactive" for issue 17's slices: the frame that shows a new slice, 90th percentile of the
# moves, within 100 ms (ten new slices a second while a slider is dragged).
NEW_SLICE_MS = 100.0


def big_frames_rows(results):
    """The frames table: the loaded volume's three slices at 800x600 on llvmpipe (evox-bench
    big-load --slice-moves), the z slice moved by 1 and by 100."""
    lines = ['',
             '| file | bricked | first frame (upload) | z by 1: new slice median / p90 / max '
             '| steady | z by 100: new slice median / p90 / max | steady | peak with the '
             'frames | target (new slice p90 <= %.0f ms) |' % NEW_SLICE_MS,
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for r in results:
        frames = {int(f['step']): f for f in r.get('frames', [])}
        if not frames:
            continue
        one, hundred = frames[1], frames[100]
        ok = all(float(f['new_p90_ms']) <= NEW_SLICE_MS for f in (one, hundred))
        lines.append('| %d^3 u16 %s, %s moves | %s | %.0f ms | %s | %.1f ms | %s | %.1f ms | '
                     '%.3fx | %s |'
                     % (r['size'], 'TIFF' if r['format'] == 'tiff' else 'HDF5', one['moves'],
                        'yes' if one['bricked'] == '1' else 'no', float(one['first_frame_ms']),
                        ' / '.join('%.1f' % float(one[k]) for k in
                                   ('new_median_ms', 'new_p90_ms', 'new_max_ms')) + ' ms',
                        float(one['steady_median_ms']),
                        ' / '.join('%.1f' % float(hundred[k]) for k in
                                   ('new_median_ms', 'new_p90_ms', 'new_max_ms')) + ' ms',
                        float(hundred['steady_median_ms']),
                        float(hundred['peak_over_volume']), 'pass' if ok else 'FAIL'))
    lines.append('')
    lines.append('GL: %s (LIBGL_ALWAYS_SOFTWARE=1), headless EGL; the peak with the frames '
                 'includes llvmpipe\'s copies of what was uploaded.'
                 % results[0]['frames'][0]['gl_renderer'].replace('_', ' '))
    return lines


def reference_rss(path):
    """Child mode: peak RSS of tifffile.imread over the RSS just before it, as JSON on stdout."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        reset = True
    except OSError:
        reset = False
    base = status_bytes('VmRSS')
    data = tifffile.imread(path)
    peak = status_bytes('VmHWM')
    print(json.dumps({'bytes': data.nbytes, 'base_bytes': base, 'peak_bytes': peak,
                      'delta_bytes': peak - min(base, peak), 'hwm_reset': reset}))


def best_time(function, runs):
    """Best wall time of `runs` calls, in seconds."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
    return min(times)


def pick_ranges(data, is_float, n=5):
    """A few lo:hi ranges between quantiles, as exact strings both tools read identically."""
    sample = data.ravel()[::97]
    quantiles = [(0.02, 0.35), (0.1, 0.9), (0.4, 0.6), (0.5, 0.999), (0.0, 1.0)][:n]
    ranges = []
    for qa, qb in quantiles:
        lo, hi = np.quantile(sample, [qa, qb])
        if is_float:
            lo, hi = float(np.float32(lo)), float(np.float32(hi))
            ranges.append((lo, hi, '%r:%r' % (lo, hi)))
        else:
            lo, hi = int(np.floor(lo)), int(np.ceil(hi))
            ranges.append((lo, hi, '%d:%d' % (lo, hi)))
    return ranges


# ---------------------------------------------------------------------------------------------
# One volume


def bench_volume(binary, dtype, path, runs, counts):
    """All measurements for one file; returns a dict of figures."""
    r = {'dtype': dtype, 'path': path, 'layout': describe_layout(path)}
    log('%s: %s' % (dtype, path))

    load = evox_bench(binary, 'load', '--runs', runs, path)['load'][0]
    r['bytes'] = int(load['bytes'])
    r['voxels'] = int(load['voxels'])
    r['shape'] = (int(load['nz']), int(load['ny']), int(load['nx']))
    r['evox_type'] = load['type']
    r['evox_load_s'] = float(load['best_s'])
    r['evox_load_runs'] = load['runs_s']
    bare = evox_bench(binary, 'bare', '--runs', runs, path)['bare'][0]
    bare_rm = evox_bench(binary, 'bare', '--runs', runs, '--no-mmap', path)['bare'][0]
    r['bare_r_s'] = float(bare['best_s'])
    r['bare_rm_s'] = float(bare_rm['best_s'])
    # Not a target: how much of a load is page faults on the fresh buffer (numpy avoids most).
    for mode, extra in (('r', []), ('rm', ['--no-mmap'])):
        huge = evox_bench(binary, 'bare', '--runs', runs, '--hugepages', *(extra + [path]))
        r['bare_huge_%s_s' % mode] = float(huge['bare'][0]['best_s'])
    if int(bare['bytes']) != r['bytes']:
        log('  warning: the bare loop read %s bytes, Evox holds %d' % (bare['bytes'], r['bytes']))

    log('  reference: tifffile.imread x %d' % runs)
    r['tifffile_load_s'] = best_time(lambda: tifffile.imread(path), runs)
    data = tifffile.imread(path)
    is_float = data.dtype.kind == 'f'
    ranges = pick_ranges(data, is_float)

    args = ['hist', '--runs', runs, '--counts', counts]
    for _, _, text in ranges:
        args += ['--range', text]
    hist = evox_bench(binary, *(args + [path]))
    full = hist['hist-full'][0]
    binning = hist['hist-bin'][0]
    r['threads'] = int(full['threads'])
    r['evox_hist_full_s'] = float(full['best_s'])
    r['evox_stats_s'] = float(full['stats_s'])
    r['evox_fine_s'] = float(full['fine_s'])
    r['evox_hist_bin_s'] = float(binning['best_s'])
    r['evox_first_count_us'] = float(hist['first-count'][0]['us'])
    rng = hist['range'][0]
    r['evox_count_mean_us'] = float(rng['mean_us'])
    r['evox_count_max_us'] = float(rng['max_us'])
    r['counts'] = int(rng['n'])

    log('  reference: numpy.histogram(bins=%d) x %d, with and without range' % (FINE_BINS, runs))
    r['numpy_hist_full_s'] = best_time(lambda: np.histogram(data, bins=FINE_BINS), runs)
    lo, hi = data.min(), data.max()
    r['numpy_hist_bin_s'] = best_time(
        lambda: np.histogram(data, bins=FINE_BINS, range=(lo, hi)), runs)

    log('  reference: numpy range counts')
    times = []
    diffs = []
    for (lo, hi, _), check in zip(ranges, hist['range-check']):
        t0 = time.perf_counter()
        exact = int(np.count_nonzero((data >= lo) & (data <= hi)))
        times.append(time.perf_counter() - t0)
        diffs.append(abs(int(check['count']) - exact) / max(exact, 1))
    r['numpy_count_mean_us'] = 1e6 * sum(times) / len(times)
    r['count_max_rel_diff'] = max(diffs)
    r['count_checks'] = len(diffs)
    data = None  # frees the array before the RSS runs

    rss = evox_bench(binary, 'rss', path)['rss'][0]
    r['evox_rss_delta'] = int(rss['delta_bytes'])
    r['evox_rss_hist_delta'] = int(rss['peak_with_hist_delta_bytes'])
    r['evox_rss_file_after'] = int(rss['file_after_bytes'])
    r['hwm_reset'] = rss['hwm_reset'] == '1'
    for mode, extra in (('bare_r', []), ('bare_rm', ['--no-mmap'])):
        bare_rss = evox_bench(binary, 'rss', '--bare', *(extra + [path]))['rss'][0]
        r[mode + '_rss_delta'] = int(bare_rss['delta_bytes'])
    log('  reference: tifffile.imread peak RSS in a fresh process')
    child = subprocess.run([sys.executable, os.path.abspath(__file__), '--reference-rss', path],
                           stdout=subprocess.PIPE, check=True, text=True)
    r['tifffile_rss_delta'] = json.loads(child.stdout)['delta_bytes']
    return r


# ---------------------------------------------------------------------------------------------
# Labelling: Evox's connected components and particle statistics beside scipy.ndimage

ELECTRODE = os.path.join(SOURCE_ROOT, '..', 'shared', 'data', 'tomo', 'electrode.tiff')
# scipy's structuring element for each connectivity: faces, + edges, + corners.
STRUCTURE_RANK = {6: 1, 18: 2, 26: 3}
SPARSE_DENSITY = 0.0065
# (name, volume, lo, hi, connectivity, smooth, statistics)
LABEL_CASES = (
    ('random p=0.3', 'random-256', 1, 1, 26, False, False),
    ('smooth blobs', 'blobs-256', 1, 1, 6, True, False),
    ('smooth blobs', 'blobs-256', 1, 1, 26, True, False),
    ('smooth blobs', 'blobs-512', 1, 1, 6, True, False),
    ('smooth blobs', 'blobs-512', 1, 1, 26, True, False),
    ('electrode.tiff value 85', 'electrode', 85, 85, 26, False, False),
    ('electrode.tiff value 170', 'electrode', 170, 170, 26, False, False),
    ('sparse p=%g, values 1..255' % SPARSE_DENSITY, 'sparse-256', 1, 255, 6, False, True),
)


def make_label_volume(kind):
    """Deterministic u8 masks: uniform noise, Gaussian-filtered noise cut at half its standard
    deviation (about 31% foreground in smooth blobs), and isolated voxels with values."""
    from scipy import ndimage
    name, size = kind.rsplit('-', 1)
    size = int(size)
    rng = np.random.default_rng(SEED + 10 + ('random', 'blobs', 'sparse').index(name))
    shape = (size, size, size)
    if name == 'random':
        return (rng.random(shape, dtype=np.float32) < 0.3).astype(np.uint8)
    if name == 'sparse':
        where = rng.random(shape, dtype=np.float32) < SPARSE_DENSITY
        values = rng.integers(1, 256, size=shape, dtype=np.uint8)
        return np.where(where, values, np.uint8(0))
    field = ndimage.gaussian_filter(rng.standard_normal(shape, dtype=np.float32), sigma=4.0,
                                    output=np.float32)
    return (field > 0.5 * field.std()).astype(np.uint8)


def ensure_label_volume(kind, regenerate):
    if kind == 'electrode':
        return os.path.abspath(ELECTRODE) if os.path.exists(ELECTRODE) else None
    path = os.path.join(DATA_DIR, 'labels-%s.tif' % kind)
    if not regenerate and os.path.exists(path):
        return path
    os.makedirs(DATA_DIR, exist_ok=True)
    log('generating %s' % path)
    data = make_label_volume(kind)
    tmp = path + '.tmp'
    tifffile.imwrite(tmp, data, photometric='minisblack', contiguous=True)
    os.replace(tmp, path)
    return path


def scipy_statistics(data, lo, hi, structure):
    """What scipy.ndimage offers of Evox's statistics: threshold, label, voxel counts,
    centroids, bounding boxes, mean, standard deviation, min and max of the values (no surface
    area, sphericity or border flag)."""
    from scipy import ndimage
    mask = (data >= lo) & (data <= hi)
    labels, n = ndimage.label(mask, structure)
    index = np.arange(1, n + 1)
    np.bincount(labels.ravel(), minlength=n + 1)
    ndimage.center_of_mass(mask, labels, index)
    ndimage.find_objects(labels)
    ndimage.mean(data, labels, index)
    ndimage.standard_deviation(data, labels, index)
    ndimage.minimum(data, labels, index)
    ndimage.maximum(data, labels, index)
    return n


def bench_labels(binary, runs, regenerate):
    """Every labelling case: Evox (all threads, then one), scipy, and Evox on all threads again,
    on the same file."""
    import scipy
    from scipy import ndimage
    results = []
    for name, kind, lo, hi, connectivity, smooth, statistics in LABEL_CASES:
        path = ensure_label_volume(kind, regenerate)
        if path is None:
            log('%s: %s is absent; skipped' % (name, ELECTRODE))
            continue
        log('%s, %d-connected: %s' % (name, connectivity, path))
        args = ['labels', '--runs', runs, '--connectivity', connectivity,
                '--range', '%g:%g' % (lo, hi), path]
        evox = evox_bench(binary, *args)['labels'][0]
        single = evox_bench(binary, *args, env={'OMP_NUM_THREADS': '1'})['labels'][0]
        data = tifffile.imread(path)
        structure = ndimage.generate_binary_structure(3, STRUCTURE_RANK[connectivity])
        r = {'name': name, 'kind': kind, 'path': path, 'lo': lo, 'hi': hi,
             'connectivity': connectivity, 'smooth': smooth, 'statistics': statistics,
             'shape': data.shape, 'voxels': data.size, 'threads': int(evox['threads']),
             'evox_kernel_s': float(evox['kernel_s']),
             'evox_single_s': float(single['kernel_s']),
             'evox_compute_s': float(evox['compute_s']),
             'evox_compute_single_s': float(single['compute_s']),
             'evox_components': int(evox['components']), 'scipy_version': scipy.__version__}
        if statistics:
            log('  reference: threshold, ndimage.label and per-label statistics x %d' % runs)
            r['scipy_components'] = scipy_statistics(data, lo, hi, structure)
            r['scipy_s'] = best_time(lambda: scipy_statistics(data, lo, hi, structure), runs)
        else:
            mask = (data >= lo) & (data <= hi)
            log('  reference: ndimage.label x %d' % runs)
            r['scipy_components'] = ndimage.label(mask, structure)[1]
            r['scipy_s'] = best_time(lambda: ndimage.label(mask, structure), runs)
        # Evox on all threads again after scipy, and the better of the two stands: a burst of
        # other work (or the kernel reclaiming the last case's memory) then hits both tools.
        again = evox_bench(binary, *args)['labels'][0]
        for key in ('kernel', 'compute'):
            r['evox_%s_s' % key] = min(r['evox_%s_s' % key], float(again[key + '_s']))
        r['foreground'] = float(np.count_nonzero((data >= lo) & (data <= hi))) / data.size
        if r['scipy_components'] != r['evox_components']:
            log('  warning: Evox found %d components, scipy %d'
                % (r['evox_components'], r['scipy_components']))
        results.append(r)
    return results


def mvox_s(voxels, seconds):
    return voxels / seconds / 1e6


def labels_rows(r):
    """(mask, components, Evox, Evox 1 thread, scipy, ratio, target, result)."""
    shape = 'x'.join(str(d) for d in reversed(r['shape']))
    name = '%s %s, %d-conn. (%.0f%% fg)' % (r['name'], shape, r['connectivity'],
                                            100 * r['foreground'])
    same = r['evox_components'] == r['scipy_components']
    components = '%d %s' % (r['evox_components'],
                            '= scipy' if same else '**scipy %d**' % r['scipy_components'])
    if r['statistics']:
        evox_rate = r['evox_components'] / r['evox_compute_s']
        ratio = r['scipy_s'] / r['evox_compute_s']
        return (name + '; statistics', components,
                '%.2f Mparticles/s (%.3f s)' % (evox_rate / 1e6, r['evox_compute_s']),
                '%.3f s' % r['evox_compute_single_s'],
                'threshold + label + statistics %.3f s' % r['scipy_s'], '%.1fx' % ratio,
                'well under 1 s', verdict(same and r['evox_compute_s'] < 0.5))
    rate = mvox_s(r['voxels'], r['evox_kernel_s'])
    ratio = r['scipy_s'] / r['evox_kernel_s']
    ok = same and ratio >= 3.0 and (not r['smooth'] or rate >= 300.0)
    return (name, components, '%.0f Mvox/s' % rate,
            '%.0f Mvox/s' % mvox_s(r['voxels'], r['evox_single_s']),
            'ndimage.label %.0f Mvox/s' % mvox_s(r['voxels'], r['scipy_s']), '%.1fx' % ratio,
            '>= 3x' + (', >= 300 Mvox/s' if r['smooth'] else ''), verdict(ok))


def labels_report(results, info, binary, argv, markdown, loads):
    command = '/usr/bin/python3 ' + ' '.join(shlex.quote(a) for a in argv)
    out = []
    if markdown:
        out.append('## %s, labelling\n' % datetime.date.today().isoformat())
        out.append('Command (from the source root): `%s`\n' % command)
    out.append(machine_line(loads))
    out.append('- Evox: `%s` (%s), OpenMP %s, %s threads'
               % (os.path.relpath(binary, SOURCE_ROOT), build_type(binary),
                  'on' if info.get('openmp') == '1' else 'off', info.get('threads', '?')))
    out.append('- Evox sources: %s%s' % (source_fingerprint(),
                                         '; **the binary is older than these sources**'
                                         if binary_is_stale(binary) else ''))
    if results:
        out.append('- reference: scipy %s (single-threaded), numpy %s, Python %s'
                   % (results[0]['scipy_version'], np.__version__, platform.python_version()))
    out.append('')
    header = ('mask', 'components', 'Evox', 'Evox, 1 thread', 'scipy', 'ratio', 'target',
              'result')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in results:
        lines.append('| ' + ' | '.join(labels_rows(r)) + ' |')
    out.append('\n'.join(lines))
    out.append('')
    ends = '; '.join('%s %s %d-conn. %.0f Mvox/s (1 thread %.0f)'
                     % (r['name'], 'x'.join(str(d) for d in reversed(r['shape'])),
                        r['connectivity'], mvox_s(r['voxels'], r['evox_compute_s']),
                        mvox_s(r['voxels'], r['evox_compute_single_s']))
                     for r in results if not r['statistics'])
    out.append('Evox is `evox_label_components` on the prebuilt u8 mask, its label volume '
               'allocated in the timed region, best of the runs of two processes (before and '
               'after scipy); scipy is '
               '`ndimage.label(mask, generate_binary_structure(3, 1|2|3))` on the prebuilt '
               'bool mask, best of the runs. Ratios are scipy\'s time over Evox\'s. The '
               'statistics row times `evox_labels_compute` end to end (range test, labelling, '
               'every particle\'s voxels, centroid, box, values, Crofton area, border flag, and '
               'the label volume) against threshold, `ndimage.label`, `bincount`, '
               '`center_of_mass`, `find_objects`, `mean`, `standard_deviation`, `minimum` and '
               '`maximum`. `evox_labels_compute` end to end on the other masks: %s.' % ends)
    return '\n'.join(out)


# ---------------------------------------------------------------------------------------------
# k-means: Evox beside scikit-learn's KMeans

# (name, points, features, clusters, spread of the centres; the points scatter with sigma 1)
KMEANS_CASES = (
    ('1e6x16', 1000000, 16, 8, 1.0),
    ('1e5x512', 100000, 512, 13, 0.25),
)
KMEANS_MAX_ITER = 20
KMEANS_SWEEP_KMAX = 12
KMEANS_SWEEP_SAMPLE = 100000


def ensure_kmeans_data(name, n, d, k, spread, regenerate):
    """Raw float32 points (row-major, numpy's tofile) and k start centres (float64, random rows
    of the points), written once."""
    os.makedirs(DATA_DIR, exist_ok=True)
    points = os.path.join(DATA_DIR, 'kmeans-%s.f32' % name)
    init = os.path.join(DATA_DIR, 'kmeans-%s-init%d.f64' % (name, k))
    if regenerate or not (os.path.exists(points) and os.path.exists(init)):
        log('writing %s and %s' % (points, init))
        rng = np.random.default_rng(SEED)
        centres = rng.normal(size=(k, d)) * spread * 2.0
        labels = rng.integers(0, k, n)
        x = np.empty((n, d), dtype=np.float32)
        for start in range(0, n, 65536):
            end = min(n, start + 65536)
            x[start:end] = centres[labels[start:end]] + rng.normal(size=(end - start, d))
        x.tofile(points + '.tmp')
        os.replace(points + '.tmp', points)
        x[rng.choice(n, k, replace=False)].astype(np.float64).tofile(init + '.tmp')
        os.replace(init + '.tmp', init)
    return points, init


def bench_kmeans(binary, runs, threads, regenerate):
    import sklearn
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits
    env = {'OMP_NUM_THREADS': str(threads)}
    results = []
    for name, n, d, k, spread in KMEANS_CASES:
        points, init_path = ensure_kmeans_data(name, n, d, k, spread, regenerate)
        shape = '%dx%d' % (n, d)
        log('%s, k = %d: %s' % (name, k, points))
        it = evox_bench(binary, 'kmeans', '--runs', runs, '--shape', shape, '--k', k,
                        '--init', init_path, '--max-iter', KMEANS_MAX_ITER, '--tol', -1,
                        points, env=env)['kmeans-iter'][0]
        run = evox_bench(binary, 'kmeans', '--runs', runs, '--shape', shape, '--k', k, points,
                         env=env)['kmeans-run'][0]
        x = np.fromfile(points, dtype=np.float32).reshape(n, d)
        init = np.fromfile(init_path, dtype=np.float64).reshape(k, d)
        r = {'name': name, 'n': n, 'd': d, 'k': k, 'threads': int(it['threads']),
             'sklearn_version': sklearn.__version__,
             'evox_iter_s': float(it['s_per_iter']), 'evox_iter_n': int(it['n_iter']),
             'evox_iter_inertia': float(it['inertia']),
             'evox_run_s': float(run['s']), 'evox_run_n': int(run['n_iter']),
             'evox_run_inertia': float(run['inertia']),
             'evox_init_sample': int(run['init_sample'])}
        with threadpool_limits(limits=threads):
            per_iter = []
            for _ in range(runs):
                log('  reference: KMeans(init=centres, n_init=1, max_iter=%d, tol=0)'
                    % KMEANS_MAX_ITER)
                t0 = time.perf_counter()
                km = KMeans(k, init=init.astype(np.float32), n_init=1, max_iter=KMEANS_MAX_ITER,
                            tol=0.0, algorithm='lloyd').fit(x)
                per_iter.append((time.perf_counter() - t0) / km.n_iter_)
            r['sklearn_iter_s'] = min(per_iter)
            r['sklearn_iter_n'] = int(km.n_iter_)
            r['sklearn_iter_inertia'] = float(km.inertia_)
            whole = []
            for seed in range(runs):
                log('  reference: KMeans(init="k-means++", n_init=1, random_state=%d)' % seed)
                t0 = time.perf_counter()
                km = KMeans(k, init='k-means++', n_init=1, random_state=seed,
                            algorithm='lloyd').fit(x)
                whole.append((time.perf_counter() - t0, int(km.n_iter_), float(km.inertia_)))
            r['sklearn_run_s'], r['sklearn_run_n'], r['sklearn_run_inertia'] = min(whole)
        results.append(r)

    name, n, d, k, spread = KMEANS_CASES[0]
    points, _ = ensure_kmeans_data(name, n, d, k, spread, False)
    sweeps = []
    for sample in (KMEANS_SWEEP_SAMPLE, 0):
        s = evox_bench(binary, 'kmeans', '--runs', 1, '--shape', '%dx%d' % (n, d), '--sweep',
                       KMEANS_SWEEP_KMAX, '--sweep-sample', sample, points,
                       env=env)['kmeans-sweep'][0]
        sweeps.append({'n': n, 'd': d, 'sample': int(s['sample']),
                       'restarts': int(s['restarts']), 's': float(s['s']),
                       'knee': int(s['knee'])})
    return results, sweeps


def kmeans_rows(r):
    """(data, measurement, Evox, scikit-learn, ratio, target, result) rows of one case."""
    data = '%d x %d, k = %d' % (r['n'], r['d'], r['k'])
    same = (abs(r['evox_iter_inertia'] - r['sklearn_iter_inertia'])
            <= 1e-5 * r['sklearn_iter_inertia'] and r['evox_iter_n'] == r['sklearn_iter_n'])
    ratio_iter = r['sklearn_iter_s'] / r['evox_iter_s']
    ratio_run = r['sklearn_run_s'] / r['evox_run_s']
    if same:
        check = 'inertia equal within 1e-5'
    else:
        check = '**inertia %.9g, scikit-learn %.9g in %d**' % (
            r['evox_iter_inertia'], r['sklearn_iter_inertia'], r['sklearn_iter_n'])
    return [
        (data, 'Lloyd iteration from the same centres (%d iterations; %s)'
         % (r['evox_iter_n'], check),
         '%.2f ms' % (1e3 * r['evox_iter_s']), '%.2f ms' % (1e3 * r['sklearn_iter_s']),
         '%.1fx' % ratio_iter, '>= 2x', verdict(ratio_iter >= 2.0 and same)),
        (data, 'whole run from k-means++, n_init 1 (Evox seeds on %d points); iterations '
         '%d / %d, inertia %.6g / %.6g' % (r['evox_init_sample'], r['evox_run_n'],
                                           r['sklearn_run_n'], r['evox_run_inertia'],
                                           r['sklearn_run_inertia']),
         '%.3f s' % r['evox_run_s'], '%.3f s' % r['sklearn_run_s'], '%.1fx' % ratio_run,
         '>= 2x', verdict(ratio_run >= 2.0)),
    ]


def kmeans_report(results, sweeps, info, binary, argv, markdown, loads):
    command = '/usr/bin/python3 ' + ' '.join(shlex.quote(a) for a in argv)
    out = []
    if markdown:
        out.append('## %s, k-means\n' % datetime.date.today().isoformat())
        out.append('Command (from the source root): `%s`\n' % command)
    out.append(machine_line(loads))
    out.append('- Evox: `%s` (%s), OpenMP %s, %s threads'
               % (os.path.relpath(binary, SOURCE_ROOT), build_type(binary),
                  'on' if info.get('openmp') == '1' else 'off',
                  results[0]['threads'] if results else '?'))
    out.append('- Evox sources: %s%s' % (source_fingerprint(('src/core', 'src/analysis')),
                                         '; **the binary is older than these sources**'
                                         if binary_is_stale(binary) else ''))
    if results:
        out.append('- reference: scikit-learn %s KMeans(algorithm="lloyd") on the float32 '
                   'points, limited to %d threads; numpy %s, Python %s'
                   % (results[0]['sklearn_version'], results[0]['threads'], np.__version__,
                      platform.python_version()))
    out.append('')
    header = ('data', 'measurement', 'Evox', 'scikit-learn', 'ratio', 'target', 'result')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in results:
        for row in kmeans_rows(r):
            lines.append('| ' + ' | '.join(row) + ' |')
    for s in sweeps:
        default = s['sample'] == KMEANS_SWEEP_SAMPLE
        row = ('%d x %d' % (s['n'], s['d']),
               'sweep k = 1..%d, %d restarts, on %d points (knee at %d)'
               % (KMEANS_SWEEP_KMAX, s['restarts'], s['sample'], s['knee']),
               '%.2f s' % s['s'], '', '', '< 10 s' if default else 'none',
               verdict(s['s'] < 10.0) if default else '')
        lines.append('| ' + ' | '.join(row) + ' |')
    out.append('\n'.join(lines))
    out.append('')
    out.append('Times are the best of the runs; ratios are scikit-learn\'s time over Evox\'s. '
               'The time per iteration is the whole fit from the same start centres (max_iter '
               '%d, tol 0: both stop only when no label changes) over its iterations; '
               'scikit-learn computes distances in float32 through BLAS, Evox in doubles, so '
               'the inertias agree to about 1e-6. The whole run is one k-means++ start and '
               'Lloyd to tol 1e-4; scikit-learn\'s is the fastest of random_state 0..runs-1. '
               'The sweep is evox_kmeans_sweep: k-means for k = 1..%d with Evox\'s default '
               'restarts, and the silhouette of 10,000 of the points.'
               % (KMEANS_MAX_ITER, KMEANS_SWEEP_KMAX))
    return '\n'.join(out)


# ---------------------------------------------------------------------------------------------
# The whole clustering job: evox cluster beside numpy + scikit-learn doing the same steps

CLUSTER_VOLUME = os.path.join(SOURCE_ROOT, '..', 'shared', 'data', 'tomo', 'electrode.tiff')
CLUSTER_KMAX = 12
CLUSTER_SAMPLE = 100000
CLUSTER_RESTARTS = 4


def evox_cluster_once(program, path, threads):
    """One `evox cluster` run: wall seconds, its stage times and the k it chose."""
    import re
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), G_MESSAGES_DEBUG='evox')
    t0 = time.perf_counter()
    result = subprocess.run([program, 'cluster', path, '--features', 'local', '--k', 'auto'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.perf_counter() - t0
    if result.returncode != 0:
        raise RuntimeError('evox cluster failed (status %d): %s'
                           % (result.returncode, result.stderr.strip()[-2000:]))
    stages = {}
    # GLib's default handler writes debug messages to stdout
    for m in re.finditer(r'clustering: (.+?) took ([0-9.]+) s', result.stdout + result.stderr):
        stages[m.group(1)] = float(m.group(2))
    k = int(re.search(r'^k: (\d+)', result.stdout, re.M).group(1))
    inertia = float(re.search(r'^inertia: (\S+)', result.stdout, re.M).group(1))
    return wall, stages, k, inertia


def numpy_local_features(v):
    """value, local mean, local population std (3^3, the part inside the volume) and gradient
    magnitude, as evox-features.h defines them, with scipy.ndimage and numpy."""
    from scipy import ndimage
    v = v.astype(np.float64)
    inside = ndimage.uniform_filter(np.ones_like(v), 3, mode='constant', cval=0.0)
    mean = ndimage.uniform_filter(v, 3, mode='constant', cval=0.0) / inside
    square = ndimage.uniform_filter(v * v, 3, mode='constant', cval=0.0) / inside
    std = np.sqrt(np.maximum(square - mean * mean, 0.0))
    grad = np.sqrt(sum(g * g for g in np.gradient(v)))
    return np.stack([v, mean, std, grad], axis=-1).reshape(-1, 4).astype(np.float32)


def bench_cluster(binary, runs, threads):
    import sklearn
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits
    program = find_program(binary)
    path = os.path.normpath(CLUSTER_VOLUME)
    if not os.path.exists(path):
        raise RuntimeError('%s is not there' % path)
    evox = []
    for _ in range(runs):
        log('evox cluster %s --features local --k auto' % path)
        evox.append(evox_cluster_once(program, path, threads))
    wall, stages, k, inertia = min(evox, key=lambda r: r[0])
    r = {'threads': threads, 'sklearn_version': sklearn.__version__, 'k': k,
         'evox_s': wall, 'evox_stages': stages, 'evox_inertia': inertia}

    volume = tifffile.imread(path)
    r['voxels'] = volume.size
    ref = {}
    with threadpool_limits(limits=threads):
        log('  reference: numpy/scipy local features')
        t0 = time.perf_counter()
        x = numpy_local_features(volume)
        ref['features'] = time.perf_counter() - t0
        log('  reference: StandardScaler')
        t0 = time.perf_counter()
        x = StandardScaler().fit_transform(x).astype(np.float32)
        ref['scaling'] = time.perf_counter() - t0
        log('  reference: KMeans for k = 1..%d on %d points' % (CLUSTER_KMAX, CLUSTER_SAMPLE))
        rng = np.random.default_rng(SEED)
        sample = x[rng.choice(len(x), CLUSTER_SAMPLE, replace=False)]
        t0 = time.perf_counter()
        for kk in range(1, CLUSTER_KMAX + 1):
            KMeans(kk, init='k-means++', n_init=CLUSTER_RESTARTS, random_state=0,
                   algorithm='lloyd').fit(sample)
        ref['sweep'] = time.perf_counter() - t0
        log('  reference: KMeans(k = %d, n_init %d) on %d points' % (k, CLUSTER_RESTARTS, len(x)))
        t0 = time.perf_counter()
        km = KMeans(k, init='k-means++', n_init=CLUSTER_RESTARTS, random_state=0,
                    algorithm='lloyd').fit(x)
        ref['k-means'] = time.perf_counter() - t0
        r['sklearn_inertia'] = float(km.inertia_)
    r['reference_stages'] = ref
    r['reference_s'] = sum(ref.values())
    return r


def cluster_report(r, binary, argv, markdown, loads):
    command = '/usr/bin/python3 ' + ' '.join(shlex.quote(a) for a in argv)
    out = []
    if markdown:
        out.append('## %s, clustering job\n' % datetime.date.today().isoformat())
        out.append('Command (from the source root): `%s`\n' % command)
    out.append(machine_line(loads))
    out.append('- CPU model: %s' % cpu_model())
    out.append('- Evox: `%s cluster electrode.tiff --features local --k auto` (%s), '
               'OMP_NUM_THREADS=%d; sources %s'
               % (os.path.relpath(find_program(binary), SOURCE_ROOT), build_type(binary),
                  r['threads'], source_fingerprint(('src/analysis',))))
    out.append('- reference: numpy %s + scipy local features, scikit-learn %s StandardScaler '
               'and KMeans(k-means++, n_init %d, lloyd), %d threads'
               % (np.__version__, r['sklearn_version'], CLUSTER_RESTARTS, r['threads']))
    out.append('')
    header = ('stage', 'Evox', 'numpy + scikit-learn', 'ratio')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    names = (('features', 'features (4 local, %d voxels)' % r['voxels']),
             ('scaling', 'z-score scaling'),
             ('sweep', 'sweep k = 1..%d on %d points, %d restarts'
              % (CLUSTER_KMAX, CLUSTER_SAMPLE, CLUSTER_RESTARTS)),
             ('k-means', 'k-means k = %d on all points, %d restarts' % (r['k'], CLUSTER_RESTARTS)),
             ('labels and curves', 'labels and per-cluster curves'))
    for key, label in names:
        e = r['evox_stages'].get(key)
        s = r['reference_stages'].get(key)
        lines.append('| %s | %s | %s | %s |'
                     % (label, '%.2f s' % e if e is not None else '',
                        '%.2f s' % s if s is not None else '',
                        '%.1fx' % (s / e) if e and s else ''))
    lines.append('| **whole job** (Evox: the command\'s wall time, reading included) | '
                 '**%.2f s** | **%.2f s** | **%.1fx** |'
                 % (r['evox_s'], r['reference_s'], r['reference_s'] / r['evox_s']))
    out.append('\n'.join(lines))
    out.append('')
    out.append('Ratios are the reference\'s time over Evox\'s. The goals: the whole job in '
               'seconds (%s: %.1f s) and the sweep under 10 s (%s: %.2f s). The reference '
               'features are the same definitions computed with numpy, not the same numbers to '
               'the last bit; Evox seeds k-means++ on 100,000 points, scikit-learn on all. '
               'Inertia (scaled features): Evox %.6g, scikit-learn %.6g.'
               % (verdict(r['evox_s'] < 10.0), r['evox_s'],
                  verdict(r['evox_stages'].get('sweep', 1e9) < 10.0),
                  r['evox_stages'].get('sweep', float('nan')), r['evox_inertia'],
                  r['sklearn_inertia']))
    return '\n'.join(out)


# ---------------------------------------------------------------------------------------------
# Frames: Evox's renderer beside VTK, and the window's launch to first frame

RENDER_WIDTH, RENDER_HEIGHT = 800, 600
# 1.25 px of Evox's orbit drag (0.4 degree per pixel) is the 0.5 degree VTK turns per frame.
AZIMUTH_STEP_DEG = 0.5
XVFB_SERVER_ARGS = '-screen 0 1280x1024x24'


SOFTWARE_GL = {'LIBGL_ALWAYS_SOFTWARE': '1', 'GALLIUM_DRIVER': 'llvmpipe'}


def software_gl_env():
    """Mesa's llvmpipe for every GL user in this run, whatever the machine has."""
    env = dict(os.environ, **SOFTWARE_GL)
    env.pop('WAYLAND_DISPLAY', None)
    return env


def xvfb_command(command):
    """VTK's offscreen window and GTK need an X server here; a private Xvfb gives one to each."""
    return ['xvfb-run', '-a', '-s', XVFB_SERVER_ARGS] + command


def vtk_time_frames(renderer, data, frames, warmup, dump=None, orbit=None):
    """In a child mode: adds the bounding box of data to renderer, draws it offscreen at 800x600
    with the camera turning as evox-bench turns it, and returns the frame times (wall and CPU,
    ms), the first frame's time, the share of pixels drawn and the GL strings; dump: a PNG to
    write the last frame to; orbit(camera, i): places the camera for frame i (0 the first) after
    ResetCamera, instead of VTK's elevation and azimuth turns."""
    import vtk
    from vtk.util import numpy_support

    outline = vtk.vtkOutlineFilter()
    outline.SetInputData(data)
    outline_mapper = vtk.vtkPolyDataMapper()
    outline_mapper.SetInputConnection(outline.GetOutputPort())
    outline_actor = vtk.vtkActor()
    outline_actor.SetMapper(outline_mapper)
    renderer.AddActor(outline_actor)

    window = vtk.vtkRenderWindow()
    window.SetOffScreenRendering(1)
    window.SetSize(RENDER_WIDTH, RENDER_HEIGHT)
    window.AddRenderer(renderer)
    camera = renderer.GetActiveCamera()
    renderer.ResetCamera()
    if orbit is None:
        camera.Elevation(30)
        camera.Azimuth(-120)
        camera.OrthogonalizeViewUp()
    else:
        orbit(camera, 0)
    renderer.ResetCameraClippingRange()
    turns = [0]

    t0 = time.perf_counter()
    window.Render()
    window.WaitForCompletion()  # glFinish
    first_ms = (time.perf_counter() - t0) * 1e3

    def frame():
        turns[0] += 1
        if orbit is None:
            camera.Azimuth(AZIMUTH_STEP_DEG)
        else:
            orbit(camera, turns[0])
        renderer.ResetCameraClippingRange()
        window.Render()
        window.WaitForCompletion()

    for _ in range(warmup):
        frame()
    times, cpu = [], []
    for _ in range(frames):
        t0 = time.perf_counter()
        c0 = time.process_time()
        frame()
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)

    grab = vtk.vtkWindowToImageFilter()
    grab.SetInput(window)
    grab.SetInputBufferTypeToRGBA()
    grab.ShouldRerenderOff()
    grab.Update()
    if dump:
        writer = vtk.vtkPNGWriter()
        writer.SetFileName(dump)
        writer.SetInputConnection(grab.GetOutputPort())
        writer.Write()
    pixels = numpy_support.vtk_to_numpy(grab.GetOutput().GetPointData().GetScalars())
    drawn = float(np.mean(np.any(pixels != pixels[0], axis=1)))
    caps = {}
    for line in window.ReportCapabilities().splitlines():
        key, _, value = line.partition(':')
        caps[key.strip()] = value.strip()
    times.sort()
    cpu.sort()
    return {
        'frames': frames, 'warmup': warmup, 'first_ms': first_ms,
        'cpu_median_ms': cpu[len(cpu) // 2],
        'median_ms': times[len(times) // 2], 'mean_ms': sum(times) / len(times),
        'min_ms': times[0], 'p90_ms': times[len(times) * 9 // 10], 'max_ms': times[-1],
        'drawn': drawn, 'vtk_version': vtk.vtkVersion.GetVTKVersion(),
        'gl_renderer': caps.get('OpenGL renderer string', 'unknown'),
        'gl_version': caps.get('OpenGL version string', 'unknown'),
    }


def vtk_render(path, frames, warmup):
    """Child mode (under Xvfb): VTK draws three textured slices of the volume with the same
    camera motion as evox-bench render; prints the frame times as JSON on stdout."""
    import vtk
    from vtk.util import numpy_support

    data = np.ascontiguousarray(tifffile.imread(path), dtype=np.float32)  # (z, y, x)
    nz, ny, nx = data.shape
    image = vtk.vtkImageData()
    image.SetDimensions(nx, ny, nz)
    scalars = numpy_support.numpy_to_vtk(data.ravel(), deep=False, array_type=vtk.VTK_FLOAT)
    image.GetPointData().SetScalars(scalars)
    lo, hi = float(data.min()), float(data.max())

    lut = vtk.vtkLookupTable()
    lut.SetNumberOfTableValues(256)
    lut.SetRange(lo, hi)
    lut.Build()
    renderer = vtk.vtkRenderer()
    renderer.SetBackground(0.1, 0.1, 0.12)
    for orientation, index in ((0, nx // 2), (1, ny // 2), (2, nz // 2)):
        mapper = vtk.vtkImageSliceMapper()
        mapper.SetInputData(image)
        mapper.SetOrientation(orientation)
        mapper.SetSliceNumber(index)
        prop = vtk.vtkImageProperty()
        prop.SetLookupTable(lut)
        prop.UseLookupTableScalarRangeOn()
        prop.SetInterpolationTypeToLinear()
        slice_ = vtk.vtkImageSlice()
        slice_.SetMapper(mapper)
        slice_.SetProperty(prop)
        renderer.AddViewProp(slice_)
    # Evox's three-slice view draws the bounding box too.
    print(json.dumps(vtk_time_frames(renderer, image, frames, warmup)))


def run_vtk(path, frames, warmup, env):
    command = xvfb_command([sys.executable, os.path.abspath(__file__), '--vtk-render', path,
                            '--frames', str(frames), '--warmup', str(warmup)])
    log('  $ ' + ' '.join(shlex.quote(c) for c in command))
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    if result.returncode != 0:
        raise RuntimeError('the VTK reference failed (status %d): %s'
                           % (result.returncode, result.stderr.strip()[-2000:]))
    return json.loads(result.stdout.strip().splitlines()[-1])


def find_program(binary):
    """build/src/evox beside the evox-bench binary's build folder."""
    return os.path.join(os.path.dirname(os.path.dirname(binary)), 'src', 'evox')


def first_frame(program, runs, env):
    """Launch to first drawn frame of the demo volume in the window, as the program reports it
    with EVOX_BENCH_FIRST_FRAME=1; None with a reason when it does not."""
    if not os.access(program, os.X_OK):
        return None, '%s is not built' % os.path.relpath(program, SOURCE_ROOT)
    env = dict(env, EVOX_BENCH_FIRST_FRAME='1', GDK_BACKEND='x11')
    times = []
    for _ in range(runs):
        command = xvfb_command([program])
        log('  $ EVOX_BENCH_FIRST_FRAME=1 ' + ' '.join(shlex.quote(c) for c in command))
        try:
            result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=env, timeout=120)
        except subprocess.TimeoutExpired:
            return None, 'the window did not report a first frame within 120 s'
        found = [line.split()[1] for line in result.stdout.splitlines()
                 if line.startswith('first-frame-ms ')]
        if not found:
            return None, ('no `first-frame-ms` line from the window (status %d)'
                          % result.returncode)
        times.append(float(found[0]))
    return times, None


def bench_render(binary, size, frames, warmup, rounds, first_runs, regenerate):
    env = software_gl_env()
    os.environ.update({k: env[k] for k in ('LIBGL_ALWAYS_SOFTWARE', 'GALLIUM_DRIVER')})
    os.environ.pop('WAYLAND_DISPLAY', None)
    path = ensure_volume('f32', size, regenerate)
    geometry = '%dx%d' % (RENDER_WIDTH, RENDER_HEIGHT)
    r = {'path': path, 'size': size, 'rounds': rounds}
    log('frames: %s at %s' % (path, geometry))

    # Evox and VTK take turns, so a burst of other work on the machine hits both; the round with
    # the lowest median stands for each.
    evox_rounds, vtk_rounds = [], []
    for i in range(rounds):
        log('  round %d of %d' % (i + 1, rounds))
        evox_rounds.append(evox_bench(binary, 'render', '--frames', frames, '--warmup', warmup,
                                      '--size', geometry, '--view', 'xyz', path)['render'][0])
        vtk_rounds.append(run_vtk(path, frames, warmup, env))
    r['evox_xyz'] = min(evox_rounds, key=lambda rec: float(rec['median_ms']))
    r['vtk'] = min(vtk_rounds, key=lambda rec: rec['median_ms'])
    r['evox_xyz_medians'] = [float(rec['median_ms']) for rec in evox_rounds]
    r['vtk_medians'] = [rec['median_ms'] for rec in vtk_rounds]

    r['evox_stack'] = evox_bench(binary, 'render', '--frames', frames, '--warmup', warmup,
                                 '--size', geometry, '--view', 'stack', path)['render'][0]
    # The layer stack is made for SSRM stacks: the demo's 14 layers are what users see.
    r['evox_demo_stack'] = evox_bench(binary, 'render', '--frames', frames, '--warmup', warmup,
                                      '--size', geometry, '--view', 'stack',
                                      '--demo')['render'][0]
    log('  launch to first frame of the window')
    r['first_frame'], r['first_frame_note'] = first_frame(find_program(binary), first_runs, env)
    return r


def register_report(binary, args):
    """bench/register-ref.py's cases through this script's options: 67 images of 1024^2 and 67
    volumes of 128^3 (or --register-dims), best of --runs, Evox on --threads threads."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('register_ref',
                                                  os.path.join(HERE, 'register-ref.py'))
    register_ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(register_ref)
    cases = [(args.register_images, 1024, 2), (args.register_images, 128, 3)]
    if args.register_dims is not None:
        cases = [c for c in cases if c[2] == args.register_dims]
    return register_ref.run(binary, cases, args.runs, args.threads, args.regenerate,
                            args.markdown, sys.argv)


def surface_scale_report(args):
    """bench/surface_scale.py (issue 17): a phase surface of a 500^3 packing of spheres within
    the 2,000,000-triangle budget beside VTK's vtkQuadricDecimation; PLY writing beside a plain
    write."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('surface_scale',
                                                  os.path.join(HERE, 'surface_scale.py'))
    surface_scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(surface_scale)
    binary = surface_scale.find_binary(None)
    results = surface_scale.run(binary, 500, 2000000, surface_scale.POINTS, args.threads, True,
                                250, 'quadric', args.regenerate)
    return surface_scale.report(results, sys.argv, args.markdown)


def xanes_report(binary, args):
    """bench/xanes_ref.py's two cases, best of --runs, Evox on --threads threads."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('xanes_ref', os.path.join(HERE, 'xanes_ref.py'))
    xanes_ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(xanes_ref)
    return xanes_ref.run(sys.modules[__name__], binary, args.runs, args.threads,
                         args.regenerate, args.markdown, sys.argv)


def reconstruct_report(binary, args):
    """bench/tomo_ref.py's FBP beside iradon through this script's options."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('tomo_ref', os.path.join(HERE, 'tomo_ref.py'))
    tomo_ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tomo_ref)
    return tomo_ref.run(sys.modules[__name__], binary, args.runs, args.threads, args.tomo_slices,
                        args.regenerate, args.markdown, sys.argv)


def tortuosity_sizes(text):
    """--tortuosity-size: comma-separated edges of at least 8 (ValueError otherwise)."""
    sizes = [int(v) for v in str(text).split(',') if v.strip()]
    if not sizes or min(sizes) < 8:
        raise ValueError('sizes must be at least 8: %s' % text)
    return sizes


def tortuosity_report(args):
    """bench/tortuosity_ref.py's tortuosity beside scipy's cg through this script's options;
    the binary is evox-bench-tortuosity (beside evox-bench)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('tortuosity_ref',
                                                  os.path.join(HERE, 'tortuosity_ref.py'))
    tortuosity_ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tortuosity_ref)
    binary = os.path.abspath(args.binary or tortuosity_ref.default_binary())
    if not os.access(binary, os.X_OK):
        sys.exit('run-bench.py: no %s; build it with `ninja -C build '
                 'bench/evox-bench-tortuosity` or pass its path' % binary)
    return tortuosity_ref.run(sys.modules[__name__], binary, args.runs, args.threads,
                              tortuosity_sizes(args.tortuosity_size),
                              args.tortuosity_axis, args.tolerance, args.regenerate,
                              args.markdown, sys.argv, cap_ratio=args.scipy_cap_ratio)


def align_report(binary, args):
    """bench/align_ref.py's jitter alignment beside one skimage iteration."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('align_ref', os.path.join(HERE, 'align_ref.py'))
    align_ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(align_ref)
    return align_ref.run(sys.modules[__name__], binary, args.threads, args.tomo_slices,
                         args.regenerate, args.markdown, sys.argv)


def thickness_report(args):
    """bench/thickness_ref.py: local thickness of electrode.tiff's pores and solid beside scipy's
    EDT plus a numpy ball-painting pass."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('thickness_ref',
                                                  os.path.join(HERE, 'thickness_ref.py'))
    thickness_ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(thickness_ref)
    return thickness_ref.run(sys.modules[__name__], args.binary, args.runs, args.threads,
                             args.markdown, sys.argv)


def volume_render_report(binary, args):
    """bench/volume_ref.py's composite and MIP frames beside VTK through this script's options."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('volume_ref', os.path.join(HERE, 'volume_ref.py'))
    volume_ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(volume_ref)
    return volume_ref.run(sys.modules[__name__], binary, args.size, args.volume_frames,
                          args.volume_warmup, args.volume_rounds, args.volume_sample,
                          args.regenerate, args.markdown, sys.argv)


LABEL_MEMORY_CASES = [
    ('active material and carbon-binder', ['85:85', '170:170']),
    ('pores, active material and carbon-binder', ['0:0', '85:85', '170:170']),
]


def bench_label_memory(binary, connectivity=26):
    """Peak memory (VmHWM from before the load) of labelling several phases of
    ../shared/data/tomo/electrode.tiff and writing their label volume, as `evox segment --labels`
    does: each phase with a label volume of its own (--separate, the path before issue 17) and
    one after the other into one shared label volume."""
    if not os.path.exists(ELECTRODE):
        sys.exit('run-bench.py: --label-memory needs %s' % ELECTRODE)
    os.makedirs(DATA_DIR, exist_ok=True)
    out = os.path.join(DATA_DIR, 'label-memory-out.tif')
    results = []
    try:
        for name, ranges in LABEL_MEMORY_CASES:
            row = {'name': name, 'ranges': ranges}
            for mode in ('separate', 'shared'):
                args = ['label-memory', '--connectivity', connectivity, '--labels-out', out]
                if mode == 'separate':
                    args.append('--separate')
                for r in ranges:
                    args += ['--range', r]
                record = evox_bench(binary, *args, ELECTRODE)['label-memory'][0]
                with open(out, 'rb') as f:
                    written = f.read()
                row[mode] = record
                row[mode + '_file'] = written
            row['same_file'] = row['separate_file'] == row['shared_file']
            del row['separate_file'], row['shared_file']
            results.append(row)
    finally:
        if os.path.exists(out):
            os.unlink(out)
    return results


def label_memory_report(results, binary, argv, markdown, loads):
    lines = []
    if markdown:
        lines.append('## %s, labelling memory' % datetime.date.today().isoformat())
        lines.append('')
        lines.append('Command (from the source root): `%s`' % ' '.join(shlex.quote(a) for a in argv))
        lines.append('')
        lines.append(machine_line(loads))
        lines.append('- data: ../shared/data/tomo/electrode.tiff, 256^3 u8 (16 MiB); 26-connected; '
                     'the label volume written to a TIFF as `evox segment --labels` does; peak = '
                     'VmHWM after labelling and writing minus VmRSS before the load, over the '
                     'volume\'s bytes')
        lines.append('')
    lines.append('| phases | particles | one label volume per phase | one shared label volume '
                 '| same TIFF | target (issue 17) | result |')
    lines.append('| --- | --- | --- | --- | --- | --- | --- |')
    for r in results:
        sep = float(r['separate']['peak_over_volume'])
        shared = float(r['shared']['peak_over_volume'])
        lines.append('| %s (%s) | %s | %.2fx the volume | %.2fx the volume | %s | <= 5x '
                     '(volume + one u32 label volume) | %s |'
                     % (r['name'], ', '.join(r['ranges']), r['shared']['particles'], sep, shared,
                        'yes' if r['same_file'] else 'NO',
                        'pass' if shared <= 5.0 and r['same_file'] else 'FAIL'))
    return '\n'.join(lines)


def machine_line(loads):
    return ('- machine: %d processors (`nproc`), %s, %s RAM, Linux %s; '
            'load average %s before the run, %s after'
            % (len(os.sched_getaffinity(0)), cpu_model(), mem_total(), platform.release(),
               loads[0], loads[1]))


def report_head(title, argv, markdown, loads):
    """The first lines of a *_ref.py report: with --markdown a dated heading on title and the
    command that made it, then the machine line."""
    out = []
    if markdown:
        out.append('## %s, %s\n' % (datetime.date.today().isoformat(), title))
        out.append('Command (from the source root): `%s`\n'
                   % ('/usr/bin/python3 ' + ' '.join(shlex.quote(a) for a in argv)))
    out.append(machine_line(loads))
    return out


def evox_gl_lines(binary, record):
    """The report lines on the Evox binary that drew frames, its GL and its sources."""
    return [
        '- Evox: `%s` (%s), headless EGL (surfaceless), %s, OpenGL %s'
        % (os.path.relpath(binary, SOURCE_ROOT), build_type(binary),
           record['gl_renderer'].replace('_', ' '), record['gl_version'].replace('_', ' ')),
        '- Evox sources: %s%s' % (source_fingerprint(('src/core', 'src/io', 'src/render',
                                                      'shaders')),
                                  '; **the binary is older than these sources**'
                                  if binary_is_stale(binary) else ''),
    ]


def render_report(r, binary, argv, markdown, loads):
    command = '/usr/bin/python3 ' + ' '.join(shlex.quote(a) for a in argv)
    xyz, stack, ref = r['evox_xyz'], r['evox_stack'], r['vtk']
    out = []
    if markdown:
        out.append('## %s, frames at %dx%d, %d^3 f32\n'
                   % (datetime.date.today().isoformat(), RENDER_WIDTH, RENDER_HEIGHT, r['size']))
        out.append('Command (from the source root): `%s`\n' % command)
    out.append(machine_line(loads))
    out.extend(evox_gl_lines(binary, xyz))
    out.append('- reference: VTK %s (Python %s), offscreen vtkRenderWindow under `xvfb-run -a` '
               '(GLX), %s, OpenGL %s' % (ref['vtk_version'], platform.python_version(),
                                         ref['gl_renderer'], ref['gl_version']))
    out.append('- data: `%s`, %d^3 f32 (the generated blobs volume), colour map over its min..max; '
               'LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe for both'
               % (os.path.relpath(r['path'], SOURCE_ROOT), r['size']))
    out.append('')
    header = ('measurement', 'Evox', 'VTK', 'Evox / VTK', 'target', 'result')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    ratio = float(xyz['median_ms']) / ref['median_ms']
    lines.append('| three slices + box, median frame of %s (min, p90), best of %d rounds | '
                 '%.2f ms (%.2f, %.2f) | %.2f ms (%.2f, %.2f) | %.2f | <= 1 | %s |'
                 % (xyz['frames'], r['rounds'], float(xyz['median_ms']), float(xyz['min_ms']),
                    float(xyz['p90_ms']), ref['median_ms'], ref['min_ms'], ref['p90_ms'], ratio,
                    verdict(ratio <= 1.0)))
    lines.append('| three slices: median of each round | %s ms | %s ms |  |  |  |'
                 % (', '.join('%.2f' % m for m in r['evox_xyz_medians']),
                    ', '.join('%.2f' % m for m in r['vtk_medians'])))
    lines.append('| share of the frame drawn (not background) | %.0f%% | %.0f%% |  |  |  |'
                 % (100 * float(xyz['drawn']), 100 * ref['drawn']))
    lines.append('| layer stack (%d translucent planes), median frame (min, p90) | %.2f ms '
                 '(%.2f, %.2f) |  |  |  |  |'
                 % (r['size'], float(stack['median_ms']), float(stack['min_ms']),
                    float(stack['p90_ms'])))
    demo = r['evox_demo_stack']
    lines.append('| layer stack of the demo SSRM volume (%sx%sx%s), median frame (min, p90) | '
                 '%.2f ms (%.2f, %.2f) |  |  |  |  |'
                 % (demo['nx'], demo['ny'], demo['nz'], float(demo['median_ms']),
                    float(demo['min_ms']), float(demo['p90_ms'])))
    lines.append('| first frame: upload + programs + draw | %.1f ms (stack view %.1f ms) | '
                 '%.1f ms |  |  |  |' % (float(xyz['first_ms']), float(stack['first_ms']),
                                         ref['first_ms']))
    if r['first_frame']:
        times = sorted(r['first_frame'])
        lines.append('| window: launch to first frame of the demo volume, median of %d (all) | '
                     '%.0f ms (%s) |  |  |  |  |'
                     % (len(times), times[len(times) // 2],
                        ', '.join('%.0f' % t for t in r['first_frame'])))
    else:
        lines.append('| window: launch to first frame of the demo volume | not measured: %s |  '
                     '|  |  |  |' % r['first_frame_note'])
    out.append('\n'.join(lines))
    out.append('')
    out.append('Frames are %dx%d, drawn into a framebuffer object (Evox) or VTK\'s offscreen '
               'window, the camera turning %.1f degree of azimuth before each frame; each frame '
               'ends with glFinish (VTK: WaitForCompletion) and is timed from the camera change '
               'to the end of glFinish; %s frames after %s of warm-up. The first frame includes '
               'the volume\'s upload to a texture. The window\'s time is from process start to '
               'the end of the first frame the canvas drew, as the program reports it, under '
               '`xvfb-run -a` with llvmpipe.'
               % (RENDER_WIDTH, RENDER_HEIGHT, AZIMUTH_STEP_DEG, xyz['frames'], xyz['warmup']))
    return '\n'.join(out)


# ---------------------------------------------------------------------------------------------
# Isosurfaces: Evox's flying edges beside vtkFlyingEdges3D

ISO_THREADS = 2
ISO_RATIO_GOAL = 1.2
ISO_COUNT_TOLERANCE = 0.001
ISO_NOISE_SIGMA = 0.05
# (name, volume, level); blobs and noise are f32 in [0, 1], electrode.tiff u8 labels 0/85/170.
ISO_CASES = (
    ('Gaussian blobs', 'blobs-256', 0.3),
    ('Gaussian blobs', 'blobs-512', 0.3),
    ('blobs + noise (sigma %g)' % ISO_NOISE_SIGMA, 'noise-256', 0.3),
    ('electrode.tiff', 'electrode', 42.5),
    ('electrode.tiff', 'electrode', 127.5),
)


def make_iso_volume(kind):
    """Sixteen Gaussian blobs in [0, 1] (smooth_field), f32; with noise, Gaussian noise of
    ISO_NOISE_SIGMA added, which wrinkles the surfaces into millions of triangles."""
    name, size = kind.rsplit('-', 1)
    size = int(size)
    rng = np.random.default_rng(SEED + 20 + size)
    field = smooth_field(size, rng)
    if name == 'noise':
        add_noise(field, rng, ISO_NOISE_SIGMA)
    return field


def ensure_iso_volume(kind, regenerate):
    if kind == 'electrode':
        return os.path.abspath(ELECTRODE) if os.path.exists(ELECTRODE) else None
    path = os.path.join(DATA_DIR, 'iso-%s.tif' % kind)
    if not regenerate and os.path.exists(path):
        return path
    os.makedirs(DATA_DIR, exist_ok=True)
    log('generating %s' % path)
    data = make_iso_volume(kind)
    tmp = path + '.tmp'
    tifffile.imwrite(tmp, data, photometric='minisblack', contiguous=True,
                     bigtiff=data.nbytes > (1 << 31))
    os.replace(tmp, path)
    return path


def vtk_flying_edges(data, level, runs):
    """vtkFlyingEdges3D on the array (z, y, x) as Evox sees it: normals on (Evox always computes
    them), gradients and scalars off, ISO_THREADS threads of VTK's SMP backend. Best of runs."""
    import vtk
    from vtk.util import numpy_support
    vtk.vtkSMPTools.Initialize(ISO_THREADS)
    nz, ny, nx = data.shape
    image = vtk.vtkImageData()
    image.SetDimensions(nx, ny, nz)
    image.GetPointData().SetScalars(numpy_support.numpy_to_vtk(data.ravel(), deep=False))
    contour = vtk.vtkFlyingEdges3D()
    contour.SetInputData(image)
    contour.SetValue(0, level)
    contour.ComputeNormalsOn()
    contour.ComputeGradientsOff()
    contour.ComputeScalarsOff()

    def run():
        contour.Modified()
        contour.Update()

    seconds = best_time(run, runs)
    output = contour.GetOutput()
    result = {'triangles': output.GetNumberOfCells(), 'vertices': output.GetNumberOfPoints(),
              'seconds': seconds, 'normals': output.GetPointData().GetNormals() is not None,
              'backend': vtk.vtkSMPTools.GetBackend(),
              'threads': vtk.vtkSMPTools.GetEstimatedNumberOfThreads(),
              'version': vtk.vtkVersion.GetVTKVersion()}
    contour.SetInputData(None)
    return result


def bench_isosurface(binary, runs, regenerate):
    """Every case: Evox, VTK, and Evox again on the same file; the better Evox run stands."""
    results = []
    env = {'OMP_NUM_THREADS': str(ISO_THREADS)}
    for name, kind, level in ISO_CASES:
        path = ensure_iso_volume(kind, regenerate)
        if path is None:
            log('%s: %s is absent; skipped' % (name, ELECTRODE))
            continue
        log('%s at %g: %s' % (name, level, path))
        args = ['isosurface', '--runs', runs, '--level', repr(level), path]
        evox = evox_bench(binary, *args, env=env)['isosurface'][0]
        data = tifffile.imread(path)
        log('  reference: vtkFlyingEdges3D x %d' % runs)
        ref = vtk_flying_edges(data, level, runs)
        again = evox_bench(binary, *args, env=env)['isosurface'][0]
        results.append({
            'name': name, 'path': path, 'level': level, 'shape': data.shape,
            'dtype': str(data.dtype), 'voxels': data.size, 'threads': int(evox['threads']),
            'evox_s': min(float(evox['kernel_s']), float(again['kernel_s'])),
            'evox_mesh_s': min(float(evox['mesh_new_s']), float(again['mesh_new_s'])),
            'evox_triangles': int(evox['triangles']), 'evox_vertices': int(evox['vertices']),
            'vtk_s': ref['seconds'], 'vtk_triangles': ref['triangles'],
            'vtk_vertices': ref['vertices'], 'vtk_normals': ref['normals'],
            'vtk_backend': ref['backend'], 'vtk_threads': ref['threads'],
            'vtk_version': ref['version']})
        data = None
    return results


def isosurface_row(r):
    """(volume, level, triangles, Evox, of which EvoxMesh, VTK, ratio, ratio without EvoxMesh's
    construction, target, result)."""
    shape = 'x'.join(str(d) for d in reversed(r['shape']))
    dtype = {'float32': 'f32', 'uint8': 'u8', 'uint16': 'u16'}.get(r['dtype'], r['dtype'])
    diff = (r['evox_triangles'] - r['vtk_triangles']) / max(r['vtk_triangles'], 1)
    ratio = r['vtk_s'] / r['evox_s']
    same = abs(diff) <= ISO_COUNT_TOLERANCE
    triangles = '%d (VTK %d, %+.3f%%)' % (r['evox_triangles'], r['vtk_triangles'], 100 * diff)
    return ('%s %s %s' % (r['name'], shape, dtype), '%g' % r['level'], triangles,
            '%.0f Mvox/s (%.3f s)' % (mvox_s(r['voxels'], r['evox_s']), r['evox_s']),
            '%.3f s' % r['evox_mesh_s'],
            '%.0f Mvox/s (%.3f s)' % (mvox_s(r['voxels'], r['vtk_s']), r['vtk_s']),
            '%.2fx' % ratio, '%.2fx' % (r['vtk_s'] / max(r['evox_s'] - r['evox_mesh_s'], 1e-9)),
            '>= %.1fx, triangles within %.1f%%'
            % (ISO_RATIO_GOAL, 100 * ISO_COUNT_TOLERANCE),
            verdict(same and ratio >= ISO_RATIO_GOAL))


def isosurface_report(results, info, binary, argv, markdown, loads):
    command = '/usr/bin/python3 ' + ' '.join(shlex.quote(a) for a in argv)
    out = []
    if markdown:
        out.append('## %s, isosurfaces\n' % datetime.date.today().isoformat())
        out.append('Command (from the source root): `%s`\n' % command)
    out.append(machine_line(loads))
    out.append('- Evox: `%s` (%s), OpenMP %s, %d threads (`OMP_NUM_THREADS=%d`)'
               % (os.path.relpath(binary, SOURCE_ROOT), build_type(binary),
                  'on' if info.get('openmp') == '1' else 'off',
                  results[0]['threads'] if results else ISO_THREADS, ISO_THREADS))
    out.append('- Evox sources: %s%s' % (source_fingerprint(),
                                         '; **the binary is older than these sources**'
                                         if binary_is_stale(binary) else ''))
    if results:
        r = results[0]
        out.append('- reference: VTK %s `vtkFlyingEdges3D`, SMP backend %s with %d threads, '
                   'normals %s, gradients and scalars off; numpy %s, Python %s'
                   % (r['vtk_version'], r['vtk_backend'], r['vtk_threads'],
                      'on' if r['vtk_normals'] else '**off**', np.__version__,
                      platform.python_version()))
    out.append('')
    header = ('volume', 'level', 'triangles: Evox (VTK, difference)', 'Evox',
              'of which `evox_mesh_new_take`', 'VTK', 'ratio', 'ratio without it', 'target',
              'result')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in results:
        lines.append('| ' + ' | '.join(isosurface_row(r)) + ' |')
    out.append('\n'.join(lines))
    out.append('')
    out.append('Evox is `evox-bench isosurface`: `evox_flying_edges` with flags DEFAULT (no '
               'closing at the border, as VTK) on the volume loaded by `evox_tiff_read`, mesh, normals '
               'and its area and enclosed volume (computed when the mesh is made) included, '
               'best of the runs of two processes (before and after VTK). VTK is '
               '`vtkFlyingEdges3D.Update()` on a `vtkImageData` sharing the array tifffile read, '
               'best of the runs. Rates are voxels of the volume per second; the ratio is VTK\'s '
               'time over Evox\'s. The `evox_mesh_new_take` column is the part of Evox\'s time '
               'that the mesh type spends on construction (index check, then area and '
               'enclosed volume summed in doubles), timed again on copies of the same arrays; VTK '
               'computes no area or volume, and "ratio without it" is VTK\'s time over Evox\'s '
               'less that part. Gaussian blobs are `smooth_field` (sixteen blobs, '
               'max 1); the noise volume adds Gaussian noise of sigma %g to 256^3 blobs; '
               'electrode.tiff holds labels 0, 85 and 170, so its levels are between values.'
               % ISO_NOISE_SIGMA)
    return '\n'.join(out)


# ---------------------------------------------------------------------------------------------
# Surface frames: Evox drawing one mesh beside VTK drawing the same mesh

# evox-bench mesh-render contours a gyroid on MESH_GRID^3 voxels (period MESH_PERIOD voxels)
# with flying edges: about 500,000 triangles, filling the box like an electrode's phase.
MESH_GRID = 108
MESH_PERIOD = 24
MESH_OPACITIES = (1.0, 0.5)
MESH_COLOR = (0xd9 / 255.0, 0xa6 / 255.0, 0x40 / 255.0)


def mesh_ply_path():
    return os.path.join(DATA_DIR, 'gyroid-%d-%d.ply' % (MESH_GRID, MESH_PERIOD))


def vtk_mesh_render(path, opacity, frames, warmup):
    """Child mode (under Xvfb): VTK draws the PLY mesh (vtkPLYReader, vtkPolyDataMapper with the
    file's normals, one colour, lit as Evox lights it: ambient 0.25, diffuse 0.75, specular 0.25
    of power 40, VTK's default headlight and two-sided lighting) and its box's outline, with the
    camera motion of evox-bench mesh-render; prints the frame times as JSON on stdout. With
    depth peeling off (VTK's default) translucent actors go through
    vtkOrderIndependentTranslucentPass, weighted blended OIT as in Evox."""
    import vtk

    reader = vtk.vtkPLYReader()
    reader.SetFileName(path)
    reader.Update()
    mesh = reader.GetOutput()
    mapper = vtk.vtkPolyDataMapper()
    mapper.SetInputData(mesh)
    mapper.ScalarVisibilityOff()
    actor = vtk.vtkActor()
    actor.SetMapper(mapper)
    prop = actor.GetProperty()
    prop.SetColor(*MESH_COLOR)
    prop.SetAmbient(0.25)
    prop.SetDiffuse(0.75)
    prop.SetSpecular(0.25)
    prop.SetSpecularPower(40)
    prop.SetOpacity(opacity)
    renderer = vtk.vtkRenderer()
    renderer.SetBackground(0.16, 0.16, 0.17)
    renderer.AddActor(actor)
    result = vtk_time_frames(renderer, mesh, frames, warmup)
    result.update({'triangles': mesh.GetNumberOfCells(), 'opacity': opacity})
    print(json.dumps(result))


def run_vtk_mesh(path, opacity, frames, warmup, env):
    command = xvfb_command([sys.executable, os.path.abspath(__file__), '--vtk-mesh-render', path,
                            '--mesh-opacity', repr(opacity), '--mesh-frames', str(frames),
                            '--mesh-warmup', str(warmup)])
    log('  $ ' + ' '.join(shlex.quote(c) for c in command))
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    if result.returncode != 0:
        raise RuntimeError('the VTK mesh reference failed (status %d): %s'
                           % (result.returncode, result.stderr.strip()[-2000:]))
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_mesh_render(binary, frames, warmup, rounds):
    env = software_gl_env()
    os.environ.update({k: env[k] for k in ('LIBGL_ALWAYS_SOFTWARE', 'GALLIUM_DRIVER')})
    os.environ.pop('WAYLAND_DISPLAY', None)
    os.makedirs(DATA_DIR, exist_ok=True)
    ply = mesh_ply_path()
    geometry = '%dx%d' % (RENDER_WIDTH, RENDER_HEIGHT)
    results = []
    log('surface frames: gyroid %d^3, period %d, at %s' % (MESH_GRID, MESH_PERIOD, geometry))
    for opacity in MESH_OPACITIES:
        evox_rounds, vtk_rounds = [], []
        # Evox and VTK take turns; the round with the lowest median stands for each. Evox's
        # first run writes the PLY that VTK reads, from the same mesh it draws.
        for i in range(rounds):
            log('  opacity %g, round %d of %d' % (opacity, i + 1, rounds))
            args = ['mesh-render', '--frames', frames, '--warmup', warmup, '--size', geometry,
                    '--mesh-grid', MESH_GRID, '--mesh-period', MESH_PERIOD,
                    '--opacity', repr(opacity)]
            if not evox_rounds and opacity == MESH_OPACITIES[0]:
                args += ['--ply', ply]
            evox_rounds.append(evox_bench(binary, *args)['mesh-render'][0])
            vtk_rounds.append(run_vtk_mesh(ply, opacity, frames, warmup, env))
        r = {'opacity': opacity, 'rounds': rounds,
             'evox': min(evox_rounds, key=lambda rec: float(rec['median_ms'])),
             'vtk': min(vtk_rounds, key=lambda rec: rec['median_ms']),
             'evox_medians': [float(rec['median_ms']) for rec in evox_rounds],
             'vtk_medians': [rec['median_ms'] for rec in vtk_rounds]}
        if int(r['evox']['triangles']) != r['vtk']['triangles']:
            raise RuntimeError('Evox drew %s triangles, VTK read %d from %s'
                               % (r['evox']['triangles'], r['vtk']['triangles'], ply))
        results.append(r)
    return results


def mesh_render_report(results, binary, argv, markdown, loads):
    command = '/usr/bin/python3 ' + ' '.join(shlex.quote(a) for a in argv)
    first = results[0]
    evox, ref = first['evox'], first['vtk']
    out = []
    if markdown:
        out.append('## %s, surface frames at %dx%d, %s triangles\n'
                   % (datetime.date.today().isoformat(), RENDER_WIDTH, RENDER_HEIGHT,
                      evox['triangles']))
        out.append('Command (from the source root): `%s`\n' % command)
    out.append(machine_line(loads))
    out.extend(evox_gl_lines(binary, evox))
    out.append('- reference: VTK %s (Python %s): vtkPLYReader + vtkPolyDataMapper, offscreen '
               'vtkRenderWindow under `xvfb-run -a` (GLX), %s, OpenGL %s'
               % (ref['vtk_version'], platform.python_version(), ref['gl_renderer'],
                  ref['gl_version']))
    out.append('- data: the flying-edges surface of a gyroid on %d^3 voxels (period %d voxels): '
               '%s triangles, %s vertices, as binary PLY with normals for VTK (`%s`); '
               'LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe for both'
               % (MESH_GRID, MESH_PERIOD, evox['triangles'], evox['vertices'],
                  os.path.relpath(mesh_ply_path(), SOURCE_ROOT)))
    out.append('')
    header = ('measurement', 'Evox', 'VTK', 'Evox / VTK')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in results:
        e, v = r['evox'], r['vtk']
        kind = 'opaque' if r['opacity'] >= 1 else 'translucent (opacity %g, OIT)' % r['opacity']
        lines.append('| %s, median frame of %s (min, p90), best of %d rounds | %.1f ms '
                     '(%.1f, %.1f) | %.1f ms (%.1f, %.1f) | %.2f |'
                     % (kind, e['frames'], r['rounds'], float(e['median_ms']),
                        float(e['min_ms']), float(e['p90_ms']), v['median_ms'], v['min_ms'],
                        v['p90_ms'], float(e['median_ms']) / v['median_ms']))
        lines.append('| %s: median of each round | %s ms | %s ms |  |'
                     % (kind, ', '.join('%.1f' % m for m in r['evox_medians']),
                        ', '.join('%.1f' % m for m in r['vtk_medians'])))
        lines.append('| %s: CPU time of a frame, all threads (median, same rounds) | %.1f ms | '
                     '%.1f ms | %.2f |'
                     % (kind, float(e['cpu_median_ms']), v['cpu_median_ms'],
                        float(e['cpu_median_ms']) / v['cpu_median_ms']))
        lines.append('| %s: first frame (upload + draw) | %.0f ms | %.0f ms |  |'
                     % (kind, float(e['first_ms']), v['first_ms']))
        lines.append('| %s: share of the frame drawn (not background) | %.0f%% | %.0f%% |  |'
                     % (kind, 100 * float(e['drawn']), 100 * v['drawn']))
    lines.append('| a new colour: one frame, no upload (opaque) | %.1f ms |  |  |'
                 % float(evox['recolour_ms']))
    out.append('\n'.join(lines))
    out.append('')
    out.append('Frames are %dx%d, the camera turning %.1f degree of azimuth before each; each ends '
               'with glFinish (VTK: WaitForCompletion) and is timed from the camera change to its '
               'end; %s frames after %s of warm-up, Evox and VTK taking turns. The CPU time is '
               'the process\'s (every thread, llvmpipe\'s included) over the same frames, which '
               'other work on the machine disturbs less than the wall clock. The first frame '
               'includes the mesh\'s upload. Evox draws the three-slice view of an empty volume '
               'with the mesh\'s box, so only the surface and the box\'s lines are drawn, as in '
               'VTK.' % (RENDER_WIDTH, RENDER_HEIGHT, AZIMUTH_STEP_DEG, evox['frames'],
                         evox['warmup']))
    return '\n'.join(out)


# ---------------------------------------------------------------------------------------------
# Report


def verdict(ok):
    return 'pass' if ok else '**FAIL**'


def mb_s(nbytes, seconds):
    return '%.0f MB/s' % (nbytes / seconds / 1e6)


def mib(nbytes):
    return '%.1f MiB' % (nbytes / MIB)


def rows_for(r):
    """Table rows: (volume, measurement, Evox, reference, ratio, target, result)."""
    n = r['bytes']
    name = '%s %s' % (r['dtype'], 'x'.join(str(d) for d in reversed(r['shape'])))
    # Issue 17 raised the float target to 1.2 Gvox/s (extent, moments and binning together).
    full_target = 1.2 if str(r['dtype']) in ('f32', 'float32') else 1.0
    bare_s = min(r['bare_r_s'], r['bare_rm_s'])
    bare_mode = 'r' if r['bare_r_s'] <= r['bare_rm_s'] else 'rm'
    load_ratio = bare_s / r['evox_load_s']
    full_gvox = r['voxels'] / r['evox_hist_full_s'] / 1e9
    bin_gvox = r['voxels'] / r['evox_hist_bin_s'] / 1e9
    np_full_gvox = r['voxels'] / r['numpy_hist_full_s'] / 1e9
    np_bin_gvox = r['voxels'] / r['numpy_hist_bin_s'] / 1e9
    rss_limit = n + RSS_ALLOWANCE
    check = ('%d/%d ranges equal to numpy' % (r['count_checks'], r['count_checks'])
             if r['count_max_rel_diff'] == 0 else
             'max rel. diff. %.2g from numpy over %d ranges' % (r['count_max_rel_diff'],
                                                                r['count_checks']))
    return [
        (name, 'TIFF load (best of %s)' % len(r['evox_load_runs'].split(',')),
         mb_s(n, r['evox_load_s']),
         'bare libtiff loop ("%s") %s' % (bare_mode, mb_s(n, bare_s)),
         '%.2fx' % load_ratio, '>= 0.8x bare', verdict(load_ratio >= 0.8)),
        ('', 'TIFF load', mb_s(n, r['evox_load_s']),
         'tifffile.imread %s' % mb_s(n, r['tifffile_load_s']),
         '%.2fx' % (r['tifffile_load_s'] / r['evox_load_s']), '', ''),
        ('', 'TIFF load', mb_s(n, r['evox_load_s']),
         'bare loop into a huge-page buffer: "r" %s, "rm" %s'
         % (mb_s(n, r['bare_huge_r_s']), mb_s(n, r['bare_huge_rm_s'])),
         '%.2fx' % (r['bare_huge_rm_s'] / r['evox_load_s']), '', ''),
        ('', 'full fine histogram (stats %.3f s + bins %.3f s, %d threads)'
         % (r['evox_stats_s'], r['evox_fine_s'], r['threads']),
         '%.2f Gvox/s' % full_gvox,
         'numpy.histogram(bins=65536) %.3f Gvox/s' % np_full_gvox,
         '%.1fx' % (full_gvox / np_full_gvox), '>= %g Gvox/s' % full_target,
         verdict(full_gvox >= full_target)),
        ('', 'fine histogram binning only', '%.2f Gvox/s' % bin_gvox,
         'numpy.histogram(bins=65536, range=) %.3f Gvox/s' % np_bin_gvox,
         '%.1fx' % (bin_gvox / np_bin_gvox), '', ''),
        ('', 'range count on the cached histogram (%d random lo/hi; mean, max)' % r['counts'],
         '%.2f µs, %.2f µs' % (r['evox_count_mean_us'], r['evox_count_max_us']),
         'numpy count_nonzero((a>=lo)&(a<=hi)) %.0f µs (%s)' % (r['numpy_count_mean_us'], check),
         '%.0fx' % (r['numpy_count_mean_us'] / r['evox_count_mean_us']), '< 1 ms',
         verdict(r['evox_count_max_us'] < 1000.0)),
        ('', 'first range count right after evox_tiff_read%s'
         % (' (builds the histogram)' if r['evox_first_count_us'] >= 1000.0 else ''),
         '%.1f µs' % r['evox_first_count_us'], '', '', '', ''),
        ('', 'peak RSS of load above start (N = %s)' % mib(n),
         'N + %s' % mib(r['evox_rss_delta'] - n),
         'tifffile N + %s; bare "r" N + %s, "rm" N + %s'
         % (mib(r['tifffile_rss_delta'] - n), mib(r['bare_r_rss_delta'] - n),
            mib(r['bare_rm_rss_delta'] - n)),
         '%.2fx' % (r['tifffile_rss_delta'] / r['evox_rss_delta']), '<= N + 64 MiB',
         verdict(r['evox_rss_delta'] <= rss_limit)),
        ('', 'peak RSS of load + stats + fine histogram', 'N + %s'
         % mib(r['evox_rss_hist_delta'] - n), '', '', '', ''),
    ]


def table(results):
    header = ('volume', 'measurement', 'Evox', 'reference', 'ratio', 'target', 'result')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for r in results:
        for row in rows_for(r):
            lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def mem_total():
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemTotal:'):
                return '%.1f GiB' % (int(line.split()[1]) / (1 << 20))
    return 'unknown'


def source_fingerprint(folders=('src/core', 'src/io')):
    """Names the code measured: the commit, or a hash of the folders if they changed."""
    import hashlib
    digest = hashlib.sha1()
    for folder in folders:
        root = os.path.join(SOURCE_ROOT, folder)
        for name in sorted(os.listdir(root)):
            if name.endswith(('.c', '.h')):
                with open(os.path.join(root, name), 'rb') as f:
                    digest.update(name.encode() + b'\0' + f.read())
    try:
        commit = subprocess.run(['git', '-C', SOURCE_ROOT, 'rev-parse', '--short', 'HEAD'],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(['git', '-C', SOURCE_ROOT, 'status', '--porcelain', '--']
                               + list(folders), stdout=subprocess.PIPE, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = None, True
    if commit and not dirty:
        return 'commit %s' % commit
    return '%s%s sha1 %s' % ('commit %s with changes, ' % commit if commit else '',
                             ' + '.join(folders), digest.hexdigest()[:12])


def binary_is_stale(binary):
    """True when ninja would rebuild the binary, i.e. it does not match the sources measured."""
    build_dir = os.path.dirname(os.path.dirname(binary))
    if not os.path.exists(os.path.join(build_dir, 'build.ninja')):
        return False
    try:
        plan = subprocess.run(['ninja', '-C', build_dir, '-n', 'bench/evox-bench'],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    except OSError:
        return False
    return 'Linking' in plan or 'Compiling' in plan


def load_average():
    """The 1-minute load average: other work on the machine shows in every timing."""
    with open('/proc/loadavg') as f:
        return f.read().split()[0]


def report(results, info, binary, argv, markdown, loads):
    command = '/usr/bin/python3 ' + ' '.join(shlex.quote(a) for a in argv)
    out = []
    if markdown:
        out.append('## %s, %d^3\n' % (datetime.date.today().isoformat(), results[0]['shape'][0]))
        out.append('Command (from the source root): `%s`\n' % command)
    out.append(machine_line(loads))
    out.append('- Evox: `%s` (%s), OpenMP %s, %s threads; libtiff %s'
               % (os.path.relpath(binary, SOURCE_ROOT), build_type(binary),
                  'on' if info.get('openmp') == '1' else 'off', info.get('threads', '?'),
                  info.get('libtiff', '?')))
    out.append('- Evox sources: %s%s' % (source_fingerprint(),
                                         '; **the binary is older than these sources**'
                                         if binary_is_stale(binary) else ''))
    out.append('- references: Python %s, numpy %s, tifffile %s (single-threaded numpy)'
               % (platform.python_version(), np.__version__, tifffile.__version__))
    for r in results:
        layout = r['layout']
        out.append('- %s data: %d pages, %d strip(s) per page of %d bytes, %s, uncompressed, '
                   'read warm from the page cache' % (r['dtype'], layout['pages'],
                                                       layout['strips'], layout['strip_bytes'],
                                                       'BigTIFF' if layout['bigtiff'] else
                                                       'classic TIFF'))
    if results and not all(r['hwm_reset'] for r in results):
        out.append('- note: VmHWM could not be reset; peak RSS includes the start-up peak')
    out.append('')
    out.append(table(results))
    out.append('')
    out.append('Ratios are Evox over the reference for rates and reference over Evox for times '
               '(above 1 means Evox is faster or leaner). The bare loop is the faster of '
               'libtiff\'s mapped ("r") and read() ("rm") modes; every loop allocates its '
               'buffer inside the timed region; the huge-page rows (ratio against "rm", the mode '
               'Evox uses) show what the same loop does when its buffer is 2 MiB-aligned and '
               'madvise(MADV_HUGEPAGE)d, as numpy does for large arrays. For integer data the '
               'statistics are derived from the exact fine histogram, so the histogram\'s time '
               'shows under "stats". RSS is VmHWM after the load minus VmRSS just before it, '
               'each tool in a fresh process.')
    return '\n'.join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('binary', nargs='?', help='evox-bench (default: build/bench/evox-bench)')
    parser.add_argument('--size', type=int,
                        help='edge of the cubes (default 512; 256 with --render and '
                        '--volume-render)')
    parser.add_argument('--runs', type=int, default=3, help='timed repetitions, best kept')
    parser.add_argument('--counts', type=int, default=1000, help='random range counts timed')
    parser.add_argument('--types', default='u16,f32', help='comma-separated: u16, f32')
    parser.add_argument('--regenerate', action='store_true', help='write the volumes again')
    parser.add_argument('--markdown', action='store_true', help='print a RESULTS.md section')
    parser.add_argument('--render', action='store_true',
                        help='frame times beside VTK and the window\'s first frame instead')
    parser.add_argument('--frames', type=int, default=100, help='timed frames (--render)')
    parser.add_argument('--warmup', type=int, default=10, help='frames before timing (--render)')
    parser.add_argument('--rounds', type=int, default=3,
                        help='Evox/VTK three-slice rounds, taking turns; best kept (--render)')
    parser.add_argument('--first-frame-runs', type=int, default=3,
                        help='launches of the window timed (--render)')
    parser.add_argument('--isosurface', action='store_true',
                        help='flying edges beside vtkFlyingEdges3D instead')
    parser.add_argument('--kmeans', action='store_true',
                        help='k-means beside scikit-learn instead (python3-sklearn)')
    parser.add_argument('--threads', type=int, default=2,
                        help='threads for both tools (--kmeans; default 2)')
    parser.add_argument('--cluster', action='store_true',
                        help='the whole clustering job (evox cluster) beside numpy and '
                        'scikit-learn doing the same steps instead')
    parser.add_argument('--register', action='store_true',
                        help='registration across energies beside scikit-image + scipy '
                             '(bench/register-ref.py)')
    parser.add_argument('--register-images', type=int, default=67,
                        help='images per stack (--register; default 67)')
    parser.add_argument('--register-dims', type=int, choices=(2, 3),
                        help='only 2D (1024^2) or 3D (128^3) stacks (--register; default both)')
    parser.add_argument('--xanes', action='store_true',
                        help='XANES maps beside numpy instead (bench/xanes_ref.py)')
    parser.add_argument('--reconstruct', action='store_true',
                        help='FBP beside skimage\'s iradon instead (bench/tomo_ref.py)')
    parser.add_argument('--thickness', action='store_true',
                        help='local thickness of electrode.tiff beside scipy EDT + numpy '
                             '(bench/thickness_ref.py)')
    parser.add_argument('--align', action='store_true',
                        help='jitter alignment beside one skimage iteration (bench/align_ref.py)')
    parser.add_argument('--tomo-slices', type=int, default=32,
                        help='slices iradon (and radon) are timed on, scaled to 256; 0: all '
                             '(--reconstruct, --align)')
    parser.add_argument('--tortuosity', action='store_true',
                        help='tortuosity factor of a pore phase beside scipy.sparse.linalg.cg '
                        'instead (bench/tortuosity_ref.py; binary: evox-bench-tortuosity)')
    parser.add_argument('--tortuosity-size', default='256,500',
                        help='edges of the generated sponges, comma-separated (--tortuosity; '
                        'default 256,500)')
    parser.add_argument('--scipy-cap-ratio', type=float, default=20.0,
                        help='stop scipy on sponges beyond 256^3 once it has taken this many '
                        'times Evox\'s time, giving a lower bound (--tortuosity; 0: never)')
    parser.add_argument('--tortuosity-axis', choices=('x', 'y', 'z'), default='z',
                        help='flow axis (--tortuosity; default z)')
    parser.add_argument('--tolerance', type=float, default=1e-6,
                        help='relative residual for both solvers (--tortuosity; default 1e-6)')
    parser.add_argument('--surface-scale', action='store_true',
                        help='a 500^3 phase surface within 2,000,000 triangles beside VTK '
                        '(bench/surface_scale.py)')
    parser.add_argument('--labels', action='store_true',
                        help='connected components and particle statistics beside '
                        'scipy.ndimage instead')
    parser.add_argument('--label-memory', action='store_true',
                        help='peak memory of labelling two and three phases of '
                        '../shared/data/tomo/electrode.tiff, a label volume each against one '
                        'shared label volume, instead')
    parser.add_argument('--mesh-render', action='store_true',
                        help='frames of a 500,000-triangle surface, opaque and translucent, '
                        'beside VTK drawing the same mesh instead')
    parser.add_argument('--mesh-frames', type=int, default=30, help='timed frames (--mesh-render)')
    parser.add_argument('--mesh-warmup', type=int, default=3,
                        help='frames before timing (--mesh-render)')
    parser.add_argument('--mesh-rounds', type=int, default=2,
                        help='Evox/VTK rounds, taking turns; best kept (--mesh-render)')
    parser.add_argument('--mesh-opacity', type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument('--vtk-mesh-render', metavar='FILE', help=argparse.SUPPRESS)
    parser.add_argument('--reference-rss', metavar='FILE', help=argparse.SUPPRESS)
    parser.add_argument('--big', action='store_true',
                        help='open a big u16 volume (TIFF, chunked HDF5): previews, peak memory')
    parser.add_argument('--big-formats', default='tiff,hdf5',
                        help='comma-separated: tiff, hdf5 (--big)')
    parser.add_argument('--big-first-only', action='store_true',
                        help='stop at the first preview (--big): where the volume would not fit')
    parser.add_argument('--big-moves', type=int, default=20,
                        help='slice moves timed after the load, each of 1 and 100 (--big; '
                        '0: no frames)')
    parser.add_argument('--big-keep', action='store_true',
                        help='keep the big files under bench/data, and use kept ones again '
                        '(--big; remove them with --big-clean)')
    parser.add_argument('--big-clean', action='store_true',
                        help='remove the files --big left under bench/data, and stop')
    parser.add_argument('--big-ondemand', metavar='LIMIT',
                        help='open over EVOX_MEMORY_LIMIT=LIMIT (--big): reduced, then the first '
                             'full-resolution planes read on demand')
    parser.add_argument('--big-repeat', type=int, default=1, metavar='N',
                        help='rounds of Evox and the reference, taking turns (--big; median, '
                        'fastest and slowest reported)')
    parser.add_argument('--big-reference', metavar='FILE', help=argparse.SUPPRESS)
    parser.add_argument('--vtk-render', metavar='FILE', help=argparse.SUPPRESS)
    parser.add_argument('--volume-render', action='store_true',
                        help='ray-cast volume frames (composite, MIP; full and interactive) '
                        'beside VTK\'s GPU ray caster instead (bench/volume_ref.py)')
    parser.add_argument('--volume-frames', type=int, default=20,
                        help='timed frames (--volume-render)')
    parser.add_argument('--volume-warmup', type=int, default=3,
                        help='frames before timing (--volume-render)')
    parser.add_argument('--volume-rounds', type=int, default=2,
                        help='Evox/VTK rounds, taking turns; best kept (--volume-render)')
    parser.add_argument('--volume-sample', type=float, default=0.5,
                        help='vtkGPUVolumeRayCastMapper\'s sample distance in voxels '
                        '(--volume-render; default 0.5)')
    args = parser.parse_args()

    if args.reference_rss:
        reference_rss(args.reference_rss)
        return
    if args.big_reference:
        big_reference(args.big_reference)
        return
    if args.big_clean:
        for path in remove_big_files():
            log('removed %s' % path)
        return
    if args.big:
        formats = args.big_formats.split(',')
        if any(f not in ('tiff', 'hdf5') for f in formats) or args.size is not None and args.size < 8:
            parser.error('--big-formats takes tiff and hdf5; --size must be at least 8')
        if args.big_moves < 0 or args.big_repeat < 1:
            parser.error('--big-moves must be at least 0, --big-repeat at least 1')
        size = args.size or 2048
        binary = find_binary(args.binary)
        # Held reduced, a run takes about the cap, as one stopped at its first preview does.
        check_big_room(size, formats, args.big_first_only or bool(args.big_ondemand),
                       args.big_moves > 0 and not args.big_ondemand, args.big_keep)
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGHUP, on_signal)
        load_before = load_average()
        try:
            results = bench_big(binary, size, formats, args.big_first_only, args.big_moves,
                                args.big_keep, args.big_ondemand, args.big_repeat)
        except KeyboardInterrupt:
            log('run-bench.py: interrupted; the big files it wrote are removed%s'
                % (' (but for kept ones)' if args.big_keep else ''))
            sys.exit(130)
        print(big_report(results, binary, sys.argv, args.markdown, (load_before, load_average())))
        return
    if args.vtk_render:
        vtk_render(args.vtk_render, args.frames, args.warmup)
        return
    if args.vtk_mesh_render:
        vtk_mesh_render(args.vtk_mesh_render, args.mesh_opacity, args.mesh_frames,
                        args.mesh_warmup)
        return
    if args.size is None:
        args.size = 256 if args.render or args.volume_render else 512
    if args.size < 8:
        parser.error('--size must be at least 8')

    if args.tortuosity:
        try:
            sizes_ok = bool(tortuosity_sizes(args.tortuosity_size))
        except ValueError:
            sizes_ok = False
        if args.threads < 1 or not sizes_ok or not 0 < args.tolerance < 1:
            parser.error('--threads must be at least 1, --tortuosity-size edges at least 8, '
                         '--tolerance in (0, 1)')
        print(tortuosity_report(args))
        return
    if args.surface_scale:
        print(surface_scale_report(args))
        return
    if args.thickness:
        if args.threads < 1 or args.runs < 1:
            parser.error('--threads and --runs must be at least 1')
        print(thickness_report(args))
        return
    binary = find_binary(args.binary)
    load_before = load_average()
    if args.render:
        if args.frames < 1 or args.warmup < 0 or args.rounds < 1 or args.first_frame_runs < 1:
            parser.error('--frames, --rounds and --first-frame-runs must be at least 1, '
                         '--warmup at least 0')
        result = bench_render(binary, args.size, args.frames, args.warmup, args.rounds,
                              args.first_frame_runs, args.regenerate)
        print(render_report(result, binary, sys.argv, args.markdown,
                            (load_before, load_average())))
        return
    if args.mesh_render:
        if args.mesh_frames < 1 or args.mesh_warmup < 0 or args.mesh_rounds < 1:
            parser.error('--mesh-frames and --mesh-rounds must be at least 1, --mesh-warmup at '
                         'least 0')
        results = bench_mesh_render(binary, args.mesh_frames, args.mesh_warmup, args.mesh_rounds)
        print(mesh_render_report(results, binary, sys.argv, args.markdown,
                                 (load_before, load_average())))
        return
    if args.label_memory:
        results = bench_label_memory(binary)
        print(label_memory_report(results, binary, sys.argv, args.markdown,
                                  (load_before, load_average())))
        return
    if args.register:
        if args.register_images < 2 or args.threads < 1:
            parser.error('--register-images must be at least 2, --threads at least 1')
        print(register_report(binary, args))
        return
    if args.volume_render:
        if args.volume_frames < 1 or args.volume_warmup < 0 or args.volume_rounds < 1:
            parser.error('--volume-frames and --volume-rounds must be at least 1, '
                         '--volume-warmup at least 0')
        print(volume_render_report(binary, args))
        return
    if args.xanes:
        if args.threads < 1:
            parser.error('--threads must be at least 1')
        print(xanes_report(binary, args))
        return
    if args.reconstruct:
        if args.threads < 1 or args.tomo_slices < 0:
            parser.error('--threads must be at least 1, --tomo-slices at least 0')
        print(reconstruct_report(binary, args))
        return
    if args.align:
        if args.threads < 1 or args.tomo_slices < 0:
            parser.error('--threads must be at least 1, --tomo-slices at least 0')
        print(align_report(binary, args))
        return
    info = evox_bench(binary, 'info')['info'][0]
    if args.isosurface:
        results = bench_isosurface(binary, args.runs, args.regenerate)
        print(isosurface_report(results, info, binary, sys.argv, args.markdown,
                                (load_before, load_average())))
        return
    if args.kmeans:
        if args.threads < 1:
            parser.error('--threads must be at least 1')
        results, sweeps = bench_kmeans(binary, args.runs, args.threads, args.regenerate)
        print(kmeans_report(results, sweeps, info, binary, sys.argv, args.markdown,
                            (load_before, load_average())))
        return
    if args.cluster:
        if args.threads < 1:
            parser.error('--threads must be at least 1')
        result = bench_cluster(binary, args.runs, args.threads)
        print(cluster_report(result, binary, sys.argv, args.markdown,
                             (load_before, load_average())))
        return
    if args.labels:
        results = bench_labels(binary, args.runs, args.regenerate)
        print(labels_report(results, info, binary, sys.argv, args.markdown,
                            (load_before, load_average())))
        return
    results = []
    for dtype in args.types.split(','):
        if dtype not in ('u16', 'f32'):
            parser.error('unknown type %r' % dtype)
        path = ensure_volume(dtype, args.size, args.regenerate)
        results.append(bench_volume(binary, dtype, path, args.runs, args.counts))
    loads = (load_before, load_average())
    print(report(results, info, binary, sys.argv, args.markdown, loads))


if __name__ == '__main__':
    main()

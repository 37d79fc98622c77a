#!/usr/bin/python3
# volume_ref.py: the volume rendering benchmark: Evox's ray-cast Volume view beside VTK's GPU ray
# caster on Mesa's llvmpipe, the same 256^3 u8 volume, camera and transfer function.
# SPDX-License-Identifier: BSD-3-Clause
"""Times frames of Evox's Volume view beside VTK's vtkGPUVolumeRayCastMapper and
vtkSmartVolumeMapper on llvmpipe at 800x600.

run-bench.py --volume-render runs this (`/usr/bin/python3 bench/run-bench.py --volume-render
[--size 256] [--volume-frames 20] [--volume-warmup 3] [--volume-rounds 2] [--regenerate]
[--markdown] [EVOX_BENCH]`); it can run alone with the same options (without the `volume-`).

The data (written once under bench/data/, --regenerate writes it again): volrender-u8-SIZE.tif,
SIZE^3 u8 (256^3 by default, 16.8 MB), uncompressed: run-bench.py's sixteen Gaussian blobs
(smooth_field, its own seed) scaled to 10..240 plus Gaussian noise of sigma 6, rounded and clipped
to 0..255. Both tools read the same file (VTK through tifffile into a vtkImageData of unsigned
char, spacing 1, so VTK's unit distance is Evox's voxel length).

Both draw at 800x600, every GL user with LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe, the
camera framing the whole box from azimuth -120 and elevation 30 degrees about Evox's world up (-z,
depth downward), turning 0.5 degree of azimuth before each frame (Evox: evox_camera_orbit by
1.25 px; VTK: the camera placed by evox_orbit below with Evox's formulas at the distance of VTK's
ResetCamera, so both see the same side of the data), each frame ended by glFinish
(evox_renderer_finish; VTK's WaitForCompletion); FRAMES frames timed after WARMUP, the mean
reported (with the median, minimum and 90th percentile). The transfer function: the colour map viridis over the data's 0..255 (VTK:
a vtkColorTransferFunction through eight viridis samples), linear interpolation, no shading, the
box's outline in both.

- composite: opacity 0 at RAMP_LO (64) rising linearly to RAMP_ALPHA (0.1) per voxel length at
  255 (Evox: the volume style's two points; VTK: a vtkPiecewiseFunction with the same two points
  and SetScalarOpacityUnitDistance(1), which is the same per-unit-length opacity), 0 below;
  front-to-back, rays stopping once nearly opaque in both.
- mip: the colour of the largest value on each ray (VTK: blend mode MaximumIntensity with opacity
  1 everywhere, so VTK's MIP shows the colour of the maximum as Evox's does).

Evox: `evox-bench render --view volume --mode MODE --ramp LO:HI:A [--interactive] --size 800x600
FILE`: the headless EGL context and framebuffer object of `render`, the renderer's Volume view at
full quality and with evox_renderer_set_interactive (TRUE), the sampling it uses while the user
drags. VTK, offscreen under `xvfb-run -a` (VTK 9.1 on Debian is built for X only):
vtkGPUVolumeRayCastMapper with AutoAdjustSampleDistances off and SampleDistance SAMPLE (0.5 by
default, in voxel lengths: set it to Evox's full-quality step) and, as a user gets it without
tuning, vtkSmartVolumeMapper with its defaults (it picks the GPU ray caster; its sample distance
adjusts to the window's still update rate). Evox and VTK take turns for ROUNDS rounds; the round
with the lowest mean stands for each. The report gives the CPU model, both frame times, Evox full
/ VTK (target <= 1) and Evox interactive / Evox full (target <= 1/3).
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(HERE)
DATA_DIR = os.path.join(HERE, 'data')
SEED = 20261215
MODES = ('composite', 'mip')
RAMP_LO, RAMP_ALPHA = 64.0, 0.1
DEFAULT_SAMPLE = 0.5
TARGET_VTK_RATIO = 1.0
TARGET_INTERACTIVE_RATIO = 1.0 / 3.0
# matplotlib's viridis at 0, 1/7, ..., 1: enough for a colour ramp that costs what a full one does
# (VTK samples its transfer functions into a texture either way).
VIRIDIS = ((0.267, 0.005, 0.329), (0.275, 0.194, 0.496), (0.213, 0.359, 0.552),
           (0.153, 0.497, 0.558), (0.122, 0.633, 0.531), (0.288, 0.762, 0.428),
           (0.626, 0.854, 0.224), (0.993, 0.906, 0.144))


def data_path(size):
    return os.path.join(DATA_DIR, 'volrender-u8-%d.tif' % size)


def make_volume(rb, size):
    """Blobs in 10..240 plus noise, u8: not empty anywhere, so nothing is trivially skipped, and
    three quarters of the voxels under the ramp's foot (64), so empty-space skipping has
    something to do."""
    rng = np.random.default_rng(SEED)
    field = rb.smooth_field(size, rng)
    field *= 230.0
    field += 10.0
    rb.add_noise(field, rng, 6.0)
    np.clip(field, 0, 255, out=field)
    return np.rint(field, out=field).astype(np.uint8)


def ensure_volume(rb, size, regenerate):
    import tifffile
    path = data_path(size)
    if not regenerate and os.path.exists(path):
        try:
            with tifffile.TiffFile(path) as tif:
                series = tif.series[0]
                if series.shape == (size, size, size) and series.dtype == np.uint8:
                    return path
        except Exception as error:  # a broken file is simply written again
            rb.log('%s: %s; writing it again' % (path, error))
    os.makedirs(DATA_DIR, exist_ok=True)
    rb.log('generating %s (%d^3 u8)' % (path, size))
    data = make_volume(rb, size)
    tmp = path + '.tmp'
    tifffile.imwrite(tmp, data, photometric='minisblack', contiguous=True)
    os.replace(tmp, path)
    return path


def evox_orbit(rb, camera, i):
    """The camera of Evox's turntable (src/render/evox-camera.c) for frame i: world up is -z,
    azimuth -120 degrees less 0.5 degree a frame, elevation 30 degrees, so VTK sees the same side
    of the data as Evox; at the distance of VTK's ResetCamera (the report gives each tool's share
    of the frame drawn)."""
    az = np.radians(-120.0 - rb.AZIMUTH_STEP_DEG * i)
    el = np.radians(30.0)
    back = np.array([np.cos(el) * np.cos(az), -np.cos(el) * np.sin(az), -np.sin(el)])
    right = np.array([-np.sin(az), -np.cos(az), 0.0])
    up = np.cross(back, right)
    focus = np.array(camera.GetFocalPoint())
    camera.SetPosition(*(focus + camera.GetDistance() * back))
    camera.SetViewUp(*up)


def vtk_volume_render(rb, path, mode, mapper_kind, sample, frames, warmup, dump=None):
    """Child mode (under Xvfb): VTK ray casts the volume with the camera motion of evox-bench
    render; prints the frame times as JSON on stdout."""
    import tifffile
    import vtk
    from vtk.util import numpy_support

    data = np.ascontiguousarray(tifffile.imread(path), dtype=np.uint8)  # (z, y, x)
    nz, ny, nx = data.shape
    image = vtk.vtkImageData()
    image.SetDimensions(nx, ny, nz)
    scalars = numpy_support.numpy_to_vtk(data.ravel(), deep=False,
                                         array_type=vtk.VTK_UNSIGNED_CHAR)
    image.GetPointData().SetScalars(scalars)

    colour = vtk.vtkColorTransferFunction()
    for i, rgb in enumerate(VIRIDIS):
        colour.AddRGBPoint(255.0 * i / (len(VIRIDIS) - 1), *rgb)
    opacity = vtk.vtkPiecewiseFunction()
    if mode == 'mip':
        opacity.AddPoint(0.0, 1.0)
        opacity.AddPoint(255.0, 1.0)
    else:
        opacity.AddPoint(RAMP_LO, 0.0)
        opacity.AddPoint(255.0, RAMP_ALPHA)
    prop = vtk.vtkVolumeProperty()
    prop.SetColor(colour)
    prop.SetScalarOpacity(opacity)
    prop.SetScalarOpacityUnitDistance(1.0)
    prop.SetInterpolationTypeToLinear()
    prop.ShadeOff()

    if mapper_kind == 'gpu':
        mapper = vtk.vtkGPUVolumeRayCastMapper()
        mapper.AutoAdjustSampleDistancesOff()
        mapper.SetSampleDistance(sample)
    else:
        mapper = vtk.vtkSmartVolumeMapper()
    mapper.SetInputData(image)
    if mode == 'mip':
        mapper.SetBlendModeToMaximumIntensity()
    else:
        mapper.SetBlendModeToComposite()
    volume = vtk.vtkVolume()
    volume.SetMapper(mapper)
    volume.SetProperty(prop)

    renderer = vtk.vtkRenderer()
    renderer.SetBackground(0.1, 0.1, 0.12)
    renderer.AddVolume(volume)
    result = rb.vtk_time_frames(renderer, image, frames, warmup, dump,
                                lambda camera, i: evox_orbit(rb, camera, i))
    result.update({'mode': mode, 'mapper': mapper_kind,
                   'sample': sample if mapper_kind == 'gpu' else None})
    if mapper_kind == 'smart':
        # 0 default, 1 CPU ray cast, 2 GPU, 3 OSPRay..., as vtkSmartVolumeMapper numbers them.
        result['smart_mode'] = mapper.GetLastUsedRenderMode()
    print(json.dumps(result))


def run_vtk(rb, path, mode, mapper_kind, sample, frames, warmup, env, dump=None):
    command = rb.xvfb_command([sys.executable, os.path.abspath(__file__), '--vtk', path,
                               '--vtk-mode', mode, '--vtk-mapper', mapper_kind,
                               '--sample', repr(sample), '--frames', str(frames),
                               '--warmup', str(warmup)]
                              + (['--vtk-dump', dump] if dump else []))
    rb.log('  $ ' + ' '.join(shlex.quote(c) for c in command))
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError('the VTK volume reference failed (status %d): %s'
                           % (result.returncode, result.stderr.strip()[-2000:]))
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_evox(rb, binary, path, mode, interactive, frames, warmup, dump=None):
    args = ['render', '--view', 'volume', '--mode', mode,
            '--ramp', '%g:%g:%g' % (RAMP_LO, 255.0, RAMP_ALPHA),
            '--frames', frames, '--warmup', warmup,
            '--size', '%dx%d' % (rb.RENDER_WIDTH, rb.RENDER_HEIGHT), path]
    if interactive:
        args.insert(1, '--interactive')
    if dump:
        args[1:1] = ['--dump', dump]
    return rb.evox_bench(binary, *args)['render'][0]


def dump_path(dump_dir, name, i):
    """Where round i's last frame goes: the first round only, when --dump asks for frames."""
    if not dump_dir or i > 0:
        return None
    os.makedirs(dump_dir, exist_ok=True)
    return os.path.join(dump_dir, name + '.png')


def bench(rb, binary, size, frames, warmup, rounds, sample, regenerate, dump_dir=None):
    env = rb.software_gl_env()
    os.environ.update({k: env[k] for k in ('LIBGL_ALWAYS_SOFTWARE', 'GALLIUM_DRIVER')})
    os.environ.pop('WAYLAND_DISPLAY', None)
    path = ensure_volume(rb, size, regenerate)
    results = []
    for mode in MODES:
        runs = {'full': [], 'interactive': [], 'gpu': [], 'smart': []}
        # Each takes its turn in every round, so a burst of other work hits all of them.
        for i in range(rounds):
            rb.log('volume frames, %s, round %d of %d' % (mode, i + 1, rounds))
            runs['full'].append(run_evox(rb, binary, path, mode, False, frames, warmup,
                                         dump_path(dump_dir, 'evox-%s-full' % mode, i)))
            runs['interactive'].append(run_evox(rb, binary, path, mode, True, frames, warmup,
                                                dump_path(dump_dir, 'evox-%s-interactive' % mode,
                                                          i)))
            for kind in ('gpu', 'smart'):
                runs[kind].append(run_vtk(rb, path, mode, kind, sample, frames, warmup, env,
                                          dump_path(dump_dir, 'vtk-%s-%s' % (mode, kind), i)))
        r = {'mode': mode, 'rounds': rounds, 'path': path, 'size': size}
        for key, records in runs.items():
            r[key] = min(records, key=lambda rec: float(rec['mean_ms']))
            r[key + '_means'] = [float(rec['mean_ms']) for rec in records]
        results.append(r)
    return results


def report(rb, results, binary, argv, markdown, loads, sample):
    command = '/usr/bin/python3 ' + ' '.join(shlex.quote(a) for a in argv)
    first = results[0]
    ref = first['gpu']
    out = []
    if markdown:
        out.append('## %s, volume rendering at %dx%d, %d^3 u8\n'
                   % (datetime.date.today().isoformat(), rb.RENDER_WIDTH, rb.RENDER_HEIGHT,
                      first['size']))
        out.append('Command (from the source root): `%s`\n' % command)
    out.append(rb.machine_line(loads))
    out.extend(rb.evox_gl_lines(binary, first['full']))
    out.append('- reference: VTK %s (Python %s): vtkGPUVolumeRayCastMapper (sample distance %g '
               'voxel, no automatic adjustment) and vtkSmartVolumeMapper (defaults; it used render '
               'mode %s), offscreen vtkRenderWindow under `xvfb-run -a` (GLX), %s, OpenGL %s'
               % (ref['vtk_version'], platform.python_version(), sample,
                  first['smart'].get('smart_mode'), ref['gl_renderer'], ref['gl_version']))
    out.append('- data: `%s`, %d^3 u8 (Gaussian blobs in 10..240 plus noise), viridis over '
               '0..255; composite: opacity 0 at %g rising to %g per voxel length at 255; mip: '
               'the colour of the maximum; LIBGL_ALWAYS_SOFTWARE=1 GALLIUM_DRIVER=llvmpipe for '
               'both' % (os.path.relpath(first['path'], SOURCE_ROOT), first['size'], RAMP_LO,
                         RAMP_ALPHA))
    out.append('')
    header = ('mode', 'measurement', 'Evox', 'VTK', 'ratio', 'target', 'result')
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]

    def frame(rec):
        return '%.1f ms (%.1f, %.1f, %.1f)' % (float(rec['mean_ms']), float(rec['median_ms']),
                                               float(rec['min_ms']), float(rec['p90_ms']))

    for r in results:
        full, inter, gpu, smart = r['full'], r['interactive'], r['gpu'], r['smart']
        vtk_ratio = float(full['mean_ms']) / gpu['mean_ms']
        smart_ratio = float(full['mean_ms']) / smart['mean_ms']
        inter_ratio = float(inter['mean_ms']) / float(full['mean_ms'])
        mode = r['mode']
        lines.append('| %s | full quality, mean frame of %s (median, min, p90), best of %d '
                     'rounds; VTK: vtkGPUVolumeRayCastMapper | %s | %s | %.2f | <= %g | %s |'
                     % (mode, full['frames'], r['rounds'], frame(full), frame(gpu), vtk_ratio,
                        TARGET_VTK_RATIO, rb.verdict(vtk_ratio <= TARGET_VTK_RATIO)))
        lines.append('| %s | full quality; VTK: vtkSmartVolumeMapper | %s | %s | %.2f |  |  |'
                     % (mode, frame(full), frame(smart), smart_ratio))
        lines.append('| %s | interactive (dragging), mean frame (median, min, p90); ratio: Evox '
                     'interactive / Evox full | %s |  | %.2f | <= 0.33 | %s |'
                     % (mode, frame(inter), inter_ratio,
                        rb.verdict(inter_ratio <= TARGET_INTERACTIVE_RATIO)))
        lines.append('| %s | mean of each round: Evox full; interactive / VTK GPU; smart | %s; '
                     '%s | %s; %s |  |  |  |'
                     % (mode, ', '.join('%.1f' % m for m in r['full_means']),
                        ', '.join('%.1f' % m for m in r['interactive_means']),
                        ', '.join('%.1f' % m for m in r['gpu_means']),
                        ', '.join('%.1f' % m for m in r['smart_means'])))
        lines.append('| %s | CPU time of a frame, all threads (median): full / VTK GPU | %.1f ms '
                     '| %.1f ms | %.2f |  |  |'
                     % (mode, float(full['cpu_median_ms']), gpu['cpu_median_ms'],
                        float(full['cpu_median_ms']) / gpu['cpu_median_ms']))
        lines.append('| %s | first frame (upload + programs + draw) | %.0f ms | %.0f ms |  |  |  |'
                     % (mode, float(full['first_ms']), gpu['first_ms']))
        lines.append('| %s | share of the frame drawn (not background): full, interactive / GPU, '
                     'smart | %.0f%%, %.0f%% | %.0f%%, %.0f%% |  |  |  |'
                     % (mode, 100 * float(full['drawn']), 100 * float(inter['drawn']),
                        100 * gpu['drawn'], 100 * smart['drawn']))
    out.append('\n'.join(lines))
    out.append('')
    out.append('Frames are %dx%d, the camera turning %.1f degree of azimuth before each; each ends '
               'with glFinish (VTK: WaitForCompletion) and is timed from the camera change to its '
               'end; %s frames after %s of warm-up, Evox and VTK taking turns, the round with '
               'the lowest mean standing for each. The CPU time is the process\'s (every thread, '
               'llvmpipe\'s included). The first frame includes the volume\'s upload.'
               % (rb.RENDER_WIDTH, rb.RENDER_HEIGHT, rb.AZIMUTH_STEP_DEG, first['full']['frames'],
                  first['full']['warmup']))
    return '\n'.join(out)


def run(rb, binary, size, frames, warmup, rounds, sample, regenerate, markdown, argv,
        dump_dir=None):
    loads = [rb.load_average()]
    results = bench(rb, binary, size, frames, warmup, rounds, sample, regenerate, dump_dir)
    loads.append(rb.load_average())
    return report(rb, results, binary, argv, markdown, loads, sample)


def load_run_bench():
    import importlib.util
    spec = importlib.util.spec_from_file_location('run_bench', os.path.join(HERE, 'run-bench.py'))
    rb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rb)
    return rb


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('binary', nargs='?')
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--frames', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--sample', type=float, default=DEFAULT_SAMPLE,
                        help='vtkGPUVolumeRayCastMapper\'s sample distance in voxels')
    parser.add_argument('--regenerate', action='store_true')
    parser.add_argument('--markdown', action='store_true')
    parser.add_argument('--dump', metavar='DIR',
                        help='write the last frame of each first round here as PNG, to look at')
    parser.add_argument('--vtk', metavar='FILE', help=argparse.SUPPRESS)
    parser.add_argument('--vtk-dump', metavar='FILE', help=argparse.SUPPRESS)
    parser.add_argument('--vtk-mode', choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument('--vtk-mapper', choices=('gpu', 'smart'), help=argparse.SUPPRESS)
    args = parser.parse_args()
    rb = load_run_bench()
    if args.vtk:
        vtk_volume_render(rb, args.vtk, args.vtk_mode, args.vtk_mapper, args.sample,
                          args.frames, args.warmup, args.vtk_dump)
        sys.exit(0)
    if args.size < 8 or args.frames < 1 or args.warmup < 0 or args.rounds < 1:
        parser.error('--size must be at least 8, --frames and --rounds at least 1, --warmup at '
                     'least 0')
    print(run(rb, rb.find_binary(args.binary), args.size, args.frames, args.warmup, args.rounds,
              args.sample, args.regenerate, args.markdown, sys.argv, args.dump))

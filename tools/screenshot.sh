#!/bin/bash
# screenshot.sh: the README's screenshots under Xvfb: the window on the real SSRM table with the
# Gr/Si preset's phases, the surfaces of the real segmented tomogram's phases, and its 2x2 view
# with a ruler and the ruler's profile, the XANES demo's edge-energy map on the XANES page, the
# tomogram's z slice with the figure overlays, the tomogram in the Volume view, and the
# Reconstruction dialog after a run on test-recon-ui's phantom tilt series, and the Metrics page's
# table for the tomogram's pores (needs xdotool).
# SPDX-License-Identifier: BSD-3-Clause
#
#   tools/screenshot.sh [TABLE] [OUT.png]
#   tools/screenshot.sh --surfaces [TOMOGRAM] [OUT.png]
#   tools/screenshot.sh --quad [TOMOGRAM] [OUT.png]
#   tools/screenshot.sh --xanes [OUT.png]
#   tools/screenshot.sh --figure [TOMOGRAM] [OUT.png]
#   tools/screenshot.sh --volume [TOMOGRAM] [OUT.png]
#   tools/screenshot.sh --recon [OUT.png]
#   tools/screenshot.sh --metrics [TOMOGRAM] [OUT.png]
# Needs a built tree (./dev run or ./dev test once), xvfb and imagemagick (apt-get install
# xvfb xauth imagemagick; --volume also xdotool, to open the Display page's Volume section, and
# without it the window is taken as it opens). The table defaults to ../shared/data/ssrm/A19_GrSi_Anode_1x1.csv,
# a 1 x 1 um scan of 128 x 128 pixels, hence 7.8125 nm pixels.
set -euo pipefail
cd "$(dirname "$0")/.."

# shoot OUT WAIT [--then SCRIPT] ARGS...: build/src/evox ARGS on a 1280x800 Xvfb screen, WAIT
# seconds for it to open, then SCRIPT (bash, e.g. xdotool steps), then the screen into OUT
# (written beside it first, so a failed run leaves no half file).
shoot () {
  local out=$1 wait=$2 then=:
  shift 2
  if [ "${1:-}" = --then ]; then
    then=$2
    shift 2
  fi
  GTK_A11Y=none xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    out=$1 wait=$2 then=$3
    shift 3
    build/src/evox "$@" 2>/dev/null &
    pid=$!
    sleep "$wait"
    eval "$then"
    import -window root "$out.tmp.png"
    kill $pid
  ' _ "$out" "$wait" "$then" "$@"
  mv "$out.tmp.png" "$out"
  echo "wrote $out"
}

if [ "${1:-}" = --surfaces ]; then
  tomogram=${2:-../shared/data/tomo/electrode.tiff}
  out=${3:-docs/surfaces.png}
  [ -f "$tomogram" ] || { echo "screenshot.sh: no tomogram at $tomogram" >&2; exit 1; }
  [ -x build/src/evox ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }
  # Two phases of the segmented electrode (85 active material, 170 carbon-binder), each with its
  # smoothed surface; building and simplifying them takes a while on two cores.
  shoot "$out" "${EVOX_SCREENSHOT_WAIT:-90}" \
    --phase "Active material=85:85" --phase "Carbon-binder=170:170" --surfaces "$tomogram"
  exit 0
fi

if [ "${1:-}" = --quad ]; then
  tomogram=${2:-../shared/data/tomo/electrode.tiff}
  out=${3:-docs/four-views.png}
  [ -f "$tomogram" ] || { echo "screenshot.sh: no tomogram at $tomogram" >&2; exit 1; }
  [ -x build/src/evox ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }
  # The window in its 2x2 layout on the segmented electrode (256^3), with a ruler across the
  # z slice through pores, active material and carbon-binder, and its profile on the Measure
  # page (nearest-voxel samples: the volume is labels).
  shoot "$out" "${EVOX_SCREENSHOT_WAIT:-12}" --view quad --ruler 40,50,128:220,160,128 "$tomogram"
  exit 0
fi

if [ "${1:-}" = --figure ]; then
  tomogram=${2:-../shared/data/tomo/electrode.tiff}
  out=${3:-docs/figure.png}
  [ -f "$tomogram" ] || { echo "screenshot.sh: no tomogram at $tomogram" >&2; exit 1; }
  [ -x build/src/evox ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }
  # The segmented electrode's z slice (50 nm voxels) in its three phases with every figure
  # overlay at its default place and a panel letter, as a paper figure starts.
  shoot "$out" "${EVOX_SCREENSHOT_WAIT:-10}" --voxel-size 50nm --view z --phase "Pore=0:0" \
    --phase "Active material=85:85" --phase "Carbon-binder=170:170" \
    --overlays scale-bar,colorbar,legend,axes --label "(a)@0.5,0" "$tomogram"
  exit 0
fi

if [ "${1:-}" = --volume ]; then
  tomogram=${2:-../shared/data/tomo/electrode.tiff}
  out=${3:-docs/volume.png}
  [ -f "$tomogram" ] || { echo "screenshot.sh: no tomogram at $tomogram" >&2; exit 1; }
  [ -x build/src/evox ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }
  # The electrode ray-cast with its active material and carbon-binder as the transfer function
  # (the pores, in no phase, clear); the Display page scrolled to the Volume section by a click
  # on Display and wheel steps over the panel (which scroll it without changing any value).
  shoot "$out" "${EVOX_SCREENSHOT_WAIT:-12}" --then '
    if command -v xdotool >/dev/null; then
      xdotool mousemove 868 396 click 1
      sleep 1
      xdotool mousemove 1050 650
      for step in $(seq 12); do xdotool click 5; sleep 0.2; done
      xdotool mousemove 700 790
      sleep 2
    fi' \
    --voxel-size 50nm --view volume --phase "Active material=85:85:#ff7f0e" \
    --phase "Carbon-binder=170:170:#2ca02c" "$tomogram"
  exit 0
fi

if [ "${1:-}" = --metrics ]; then
  tomogram=${2:-../shared/data/tomo/electrode.tiff}
  out=${3:-docs/metrics.png}
  [ -f "$tomogram" ] || { echo "screenshot.sh: no tomogram at $tomogram" >&2; exit 1; }
  [ -x build/src/evox ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }
  command -v xdotool >/dev/null || { echo "screenshot.sh: --metrics needs xdotool" >&2; exit 1; }
  # The Metrics page (its button in the second row of pages at 1280 x 800), Surface area with
  # the active material ticked beside the default tortuosity x, y, z and percolation of the
  # pores (below the Also conducting row), two wheel steps to bring Compute into view (below
  # Area from), Compute,
  # EVOX_METRICS_WAIT seconds for the solves (256^3 on two cores), then wheel steps over the
  # panel to bring the table into view.
  shoot "$out" "${EVOX_SCREENSHOT_WAIT:-10}" --then '
    xdotool mousemove 1044 432 click 1
    sleep 1
    xdotool mousemove 838 730 click 1
    sleep 0.5
    xdotool mousemove 1050 650 click 5
    sleep 0.2
    xdotool click 5
    sleep 0.5
    xdotool mousemove 1216 749 click 1
    sleep "${EVOX_METRICS_WAIT:-150}"
    xdotool mousemove 1050 650
    for step in $(seq 6); do xdotool click 5; sleep 0.2; done
    sleep 1' \
    --voxel-size 50nm --view z --phase "Pore=0:0" --phase "Active material=85:85" \
    --phase "Carbon-binder=170:170" "$tomogram"
  exit 0
fi

if [ "${1:-}" = --xanes ]; then
  out=${2:-docs/screenshot-xanes.png}
  [ -x build/src/evox ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }
  # The synthetic NMC cathode stack (no data file needed), its XANES maps computed with the
  # page's defaults as the window opens, and the edge-energy map shown in its diverging colours.
  shoot "$out" "${EVOX_SCREENSHOT_WAIT:-10}" --demo-xanes --xanes-maps
  exit 0
fi

if [ "${1:-}" = --recon ]; then
  out=${2:-docs/recon.png}
  [ -x build/tests/test-recon-ui ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }
  # The dialog as test-recon-ui's run leaves it: three cylinders projected at 90 angles with up to
  # 2 px of jitter (a Data Exchange file the test writes), fast alignment, automatic centre, FBP
  # with the Hann window; the test saves the dialog's own drawing.
  shots=$(mktemp -d)
  trap 'rm -rf "$shots"' EXIT
  GTK_A11Y=none NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory EVOX_TEST_SCREENSHOTS="$shots" \
    xvfb-run -a -s "-screen 0 1280x1024x24" build/tests/test-recon-ui -p /Evox/ReconUI/run \
    >/dev/null
  cp "$shots/recon-dialog.png" "$out.tmp.png"
  mv "$out.tmp.png" "$out"
  echo "wrote $out"
  exit 0
fi

table=${1:-../shared/data/ssrm/A19_GrSi_Anode_1x1.csv}
out=${2:-docs/screenshot.png}
[ -f "$table" ] || { echo "screenshot.sh: no table at $table" >&2; exit 1; }
[ -x build/src/evox ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }
shoot "$out" 8 --pixel-size 7.8125 --dz 10 --preset "Gr/Si anode (SSRM)" "$table"

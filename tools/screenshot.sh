#!/bin/bash
# screenshot.sh: the README's screenshots under Xvfb: the window on the real SSRM table with the
# Gr/Si preset's phases, the surfaces of the real segmented tomogram's phases, and its 2x2 view
# with a ruler and the ruler's profile, and the XANES demo's edge-energy map on the XANES page.
# SPDX-License-Identifier: BSD-3-Clause
#
#   tools/screenshot.sh [TABLE] [OUT.png]
#   tools/screenshot.sh --surfaces [TOMOGRAM] [OUT.png]
#   tools/screenshot.sh --quad [TOMOGRAM] [OUT.png]
#   tools/screenshot.sh --xanes [OUT.png]
# Needs a built tree (./dev run or ./dev test once), xvfb and imagemagick (apt-get install
# xvfb xauth imagemagick). The table defaults to ../shared/data/ssrm/A19_GrSi_Anode_1x1.csv,
# a 1 x 1 um scan of 128 x 128 pixels, hence 7.8125 nm pixels.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = --surfaces ]; then
  tomogram=${2:-../shared/data/tomo/electrode.tiff}
  out=${3:-docs/surfaces.png}
  [ -f "$tomogram" ] || { echo "screenshot.sh: no tomogram at $tomogram" >&2; exit 1; }
  [ -x build/src/evox ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }
  # Two phases of the segmented electrode (85 active material, 170 carbon-binder), each with its
  # smoothed surface; building and simplifying them takes a while on two cores.
  GTK_A11Y=none xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    build/src/evox --phase "Active material=85:85" --phase "Carbon-binder=170:170" --surfaces \
      "$1" 2>/dev/null &
    pid=$!
    sleep ${EVOX_SCREENSHOT_WAIT:-90}
    import -window root "$2.tmp.png"
    kill $pid
  ' _ "$tomogram" "$out"
  mv "$out.tmp.png" "$out"
  echo "wrote $out"
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
  GTK_A11Y=none xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    build/src/evox --view quad --ruler 40,50,128:220,160,128 "$1" 2>/dev/null &
    pid=$!
    sleep ${EVOX_SCREENSHOT_WAIT:-12}
    import -window root "$2.tmp.png"
    kill $pid
  ' _ "$tomogram" "$out"
  mv "$out.tmp.png" "$out"
  echo "wrote $out"
  exit 0
fi

if [ "${1:-}" = --xanes ]; then
  out=${2:-docs/screenshot-xanes.png}
  [ -x build/src/evox ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }
  # The synthetic NMC cathode stack (no data file needed), its XANES maps computed with the
  # page's defaults as the window opens, and the edge-energy map shown in its diverging colours.
  GTK_A11Y=none xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    build/src/evox --demo-xanes --xanes-maps 2>/dev/null &
    pid=$!
    sleep ${EVOX_SCREENSHOT_WAIT:-10}
    import -window root "$1.tmp.png"
    kill $pid
  ' _ "$out"
  mv "$out.tmp.png" "$out"
  echo "wrote $out"
  exit 0
fi

table=${1:-../shared/data/ssrm/A19_GrSi_Anode_1x1.csv}
out=${2:-docs/screenshot.png}
[ -f "$table" ] || { echo "screenshot.sh: no table at $table" >&2; exit 1; }
[ -x build/src/evox ] || { echo "screenshot.sh: build first (./dev test)" >&2; exit 1; }

GTK_A11Y=none xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  build/src/evox --pixel-size 7.8125 --dz 10 --preset "Gr/Si anode (SSRM)" "$1" 2>/dev/null &
  pid=$!
  sleep 8
  import -window root "$2.tmp.png"
  kill $pid
' _ "$table" "$out"
mv "$out.tmp.png" "$out"
echo "wrote $out"

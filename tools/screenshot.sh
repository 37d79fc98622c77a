#!/bin/bash
# screenshot.sh: the README's screenshot: the window on the real SSRM table with the Gr/Si
# preset's phases, under Xvfb.
# SPDX-License-Identifier: BSD-3-Clause
#
#   tools/screenshot.sh [TABLE] [OUT.png]
# Needs a built tree (./dev run or ./dev test once), xvfb and imagemagick (apt-get install
# xvfb xauth imagemagick). The table defaults to ../shared/data/ssrm/A19_GrSi_Anode_1x1.csv,
# a 1 x 1 um scan of 128 x 128 pixels, hence 7.8125 nm pixels.
set -euo pipefail
cd "$(dirname "$0")/.."

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

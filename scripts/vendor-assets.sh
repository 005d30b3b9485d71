#!/bin/sh
# Copy the pinned front-end libraries (package.json / package-lock.json) into static/vendor/.
#
# The copied files are committed, so running the portal needs no Node; only whoever bumps a
# version runs this (`npm run vendor` or `sh scripts/vendor-assets.sh`). Packages are installed
# into a throw-away directory, never into the repository's node_modules.
# If package-lock.json is missing it is generated (npm install) and written back.
set -eu

ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
VENDOR="$ROOT/static/vendor"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

cp "$ROOT/package.json" "$WORK/"
if [ -f "$ROOT/package-lock.json" ]; then
    cp "$ROOT/package-lock.json" "$WORK/"
    (cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund)
else
    (cd "$WORK" && npm install --ignore-scripts --no-audit --no-fund)
    cp "$WORK/package-lock.json" "$ROOT/package-lock.json"
fi
NM="$WORK/node_modules"

# copy SRC_DIR FILE DEST_DIR: copy one file, failing loudly if the package no longer ships it.
copy() {
    if [ ! -f "$1/$2" ]; then
        echo "vendor-assets: missing $1/$2" >&2
        exit 1
    fi
    mkdir -p "$3"
    cp "$1/$2" "$3/$2"
}

rm -rf "$VENDOR/chart.js" "$VENDOR/chartjs-chart-geo" "$VENDOR/world-atlas"
rm -f "$VENDOR/chart.umd.js" "$VENDOR/chart.umd.js.map" "$VENDOR/chart.umd.min.js" \
    "$VENDOR/chart.umd.min.js.map" "$VENDOR/chart.js-LICENSE.md"
mkdir -p "$VENDOR"

# chart.js: dist/chart.umd.js (+ source map when shipped), licence beside it.
for f in chart.umd.js chart.umd.js.map; do
    if [ -f "$NM/chart.js/dist/$f" ]; then
        cp "$NM/chart.js/dist/$f" "$VENDOR/$f"
    fi
done
[ -f "$VENDOR/chart.umd.js" ] || { echo "vendor-assets: chart.umd.js not found" >&2; exit 1; }
cp "$NM/chart.js/LICENSE.md" "$VENDOR/chart.js-LICENSE.md"

# chartjs-chart-geo: UMD build (bundles its d3 / topojson-client dependencies; exposes ChartGeo).
for f in index.umd.min.js index.umd.min.js.map; do
    if [ -f "$NM/chartjs-chart-geo/build/$f" ]; then
        mkdir -p "$VENDOR/chartjs-chart-geo"
        cp "$NM/chartjs-chart-geo/build/$f" "$VENDOR/chartjs-chart-geo/$f"
    fi
done
[ -f "$VENDOR/chartjs-chart-geo/index.umd.min.js" ] || {
    echo "vendor-assets: chartjs-chart-geo UMD build not found" >&2
    exit 1
}
copy "$NM/chartjs-chart-geo" LICENSE "$VENDOR/chartjs-chart-geo"

# world-atlas: Natural Earth 1:110m countries (TopoJSON, ids = ISO 3166-1 numeric).
copy "$NM/world-atlas" countries-110m.json "$VENDOR/world-atlas"
copy "$NM/world-atlas" LICENSE "$VENDOR/world-atlas"

# Record exactly what was copied.
(cd "$NM" && node -e '
const names = ["chart.js", "chartjs-chart-geo", "world-atlas"];
const lines = names.map((n) => n + " " + require("./" + n + "/package.json").version);
process.stdout.write(lines.join("\n") + "\n");
') > "$VENDOR/VERSIONS.txt"

echo "vendor-assets: copied into $VENDOR:"
(cd "$VENDOR" && find . -type f | sort | while read -r f; do
    printf '  %8s  %s\n' "$(wc -c < "$f")" "$f"
done)

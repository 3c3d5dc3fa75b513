#!/usr/bin/env bash
# Pack the package, install the tarball into an empty folder as a user would, and run every subcommand from there
# (CI runs this; so can anyone: bash scripts/smoke-pack.sh). Fails on the first command that does not exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "smoke: packed $tarball ($(du -k "$work/$tarball" | cut -f1) kB)"
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
# --prefer-offline: the dependencies usually sit in npm's cache already (CI has just run npm ci)
npm install --no-audit --no-fund --prefer-offline "$work/$tarball" >/dev/null 2>"$work/install.log" || { cat "$work/install.log"; exit 1; }
bin="$work/app/node_modules/.bin/dlm-watch"
# nothing from the source tree: run from an unrelated folder, with a HOME of its own (calibrate writes there)
export HOME="$work/home" NO_COLOR=1
mkdir -p "$HOME" "$work/cwd"
cd "$work/cwd"
run() {
  local t0=$SECONDS
  "$bin" "$@" >"$work/out.txt" 2>"$work/err.txt" || { echo "smoke: FAILED: dlm-watch $*"; cat "$work/err.txt"; tail -5 "$work/out.txt"; exit 1; }
  echo "smoke: ok   dlm-watch $* ($((SECONDS - t0)) s, $(wc -l <"$work/out.txt") lines)"
}
expect() { grep -q -- "$1" "$work/out.txt" || { echo "smoke: FAILED: output lacks \"$1\""; cat "$work/out.txt"; exit 1; }; }
run --help;                                   expect 'Exit codes'
run --version;                                expect '^[0-9]'
run calc;                                     expect 'break-even'
run calc --tokens 200 --json;                 expect '"schema": "dlm-watch/calc@1"'
run "It is a truth universally acknowledged" --plain --length 16 --steps 8;  expect 'Summary'
run "It is a truth" --json --length 8 --steps 4;                             expect '"type":"summary"'
run "It is a truth" --record "$work/demo.cast" --length 8 --steps 4 --delay 20;  test -s "$work/demo.cast"
run sweep "It is a truth universally acknowledged" --steps 8;                expect 'AUP'
run --model code --plain --length 32;         expect 'block diffusion'
run calibrate --quick --no-save;              expect 'ridge'
# a bad flag is one line and exit 2, from the installed package too
set +e; "$bin" --bogus 2>"$work/err.txt"; code=$?; set -e
[ "$code" = 2 ] && [ "$(wc -l <"$work/err.txt")" = 1 ] || { echo "smoke: FAILED: --bogus exited $code"; cat "$work/err.txt"; exit 1; }
echo "smoke: ok   dlm-watch --bogus (exit 2, one line)"
echo "smoke: the installed package runs every subcommand"

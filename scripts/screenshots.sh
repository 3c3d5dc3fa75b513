#!/usr/bin/env bash
# Screenshots of the default run for the README: the live view in tmux at 160×48, 100×30 and 80×24, captured with colours
# (tmux capture-pane -e) once every lane is done, turned into SVG (scripts/ansi-to-svg.mjs) and PNG (rsvg-convert).
# Needs: tmux, rsvg-convert (Debian: apt-get install tmux librsvg2-bin), the DejaVu Sans Mono font
# (fonts-dejavu-core), and the built CLI (npm run build). Writes docs/screenshot-160x48.png, -100x30.png and -80x24.png
# (the default run), and docs/screenshot-code-160x48.png and -prose-block-160x48.png (the two families, block lane in).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in tmux rsvg-convert node; do
  command -v "$tool" >/dev/null || { echo "screenshots.sh: $tool is missing (apt-get install tmux librsvg2-bin)" >&2; exit 1; }
done
npm run build >/dev/null
mkdir -p docs
SOCKET="dlm-watch-shots-$$"
trap 'tmux -L "$SOCKET" kill-server 2>/dev/null || true' EXIT
# name, size, flags
SHOTS=(
  "160x48|160x48|"
  "100x30|100x30|"
  "80x24|80x24|"
  "code-160x48|160x48|--model code"
  "prose-block-160x48|160x48|--lanes ar,speculative,diffusion,block"
)
for shot in "${SHOTS[@]}"; do
  IFS='|' read -r name size flags <<<"$shot"
  cols=${size%x*} rows=${size#*x}
  tmux -L "$SOCKET" new-session -d -s "s$name" -x "$cols" -y "$rows" \
    "env -u CI -u NO_COLOR COLORTERM=truecolor FORCE_COLOR=3 node bin/dlm-watch.js $flags; sleep 60"
  # the default run decodes every pass first (a few seconds), then races for about 20 s; wait until every lane is
  # done (header "✓ done"), at most 120 s
  for _ in $(seq 1 240); do
    if tmux -L "$SOCKET" capture-pane -p -t "s$name" | grep -q '✓ done'; then break; fi
    sleep 0.5
  done
  sleep 0.5
  tmux -L "$SOCKET" capture-pane -p -e -t "s$name" > "docs/screenshot-$name.ansi"
  node scripts/ansi-to-svg.mjs < "docs/screenshot-$name.ansi" > "docs/screenshot-$name.svg"
  rsvg-convert "docs/screenshot-$name.svg" -o "docs/screenshot-$name.png"
  rm "docs/screenshot-$name.ansi" "docs/screenshot-$name.svg"
  echo "wrote docs/screenshot-$name.png"
  tmux -L "$SOCKET" send-keys -t "s$name" q
done

#!/usr/bin/env bash
# The Space build, simulated: bundle -> fresh virtualenv installed in the Hub's order -> `python app.py`
# with a Space's environment and no GPU -> HTTP 200 -> a generate and an edit turn over gradio_client.
#
#   tests/space/build.sh [WORKDIR]       (from the repository root; prints the time of each stage)
#
# Like the Hub: gradio at the README's sdk_version and spaces first, then requirements.txt installed
# on its own from outside the bundle (the repository is copied in only afterwards), then the app runs
# from the bundle folder with SPACE_ID, PORT and GRADIO_SERVER_PORT set. torch comes from this
# machine's CPU build (the pip find-links); a CUDA torch or any nvidia-* package fails the check.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
WORK=${1:-$(mktemp -d /tmp/space-build.XXXXXX)}
mkdir -p "$WORK"
PORT=${SPACE_BUILD_PORT:-7871}
PYTHON=${PYTHON:-python}
export PIP_DISABLE_PIP_VERSION_CHECK=1 GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1
stage() { echo "[space-build] $1: $(( $(date +%s) - T0 )) s"; T0=$(date +%s); }
T0=$(date +%s); START=$T0

"$PYTHON" -m hidream_studio.cli space-bundle "$WORK/space" >/dev/null
stage "bundle"

SDK=$(sed -n 's/^sdk_version: *//p' "$WORK/space/README.md" | tr -d "'\"")
"$PYTHON" -m venv "$WORK/venv"
pip_install() {  # quiet, without the warnings this machine's partial local indexes print for every package
  "$WORK/venv/bin/python" -m pip install -q --no-cache-dir "$@" 2> >(grep -v "is ignored: it is neither" >&2)
}
pip_install "gradio[oauth]==$SDK" spaces
mkdir -p "$WORK/req" && cp "$WORK/space/requirements.txt" "$WORK/req/"
(cd "$WORK/req" && pip_install -r requirements.txt)
stage "install (gradio $SDK, spaces, requirements.txt)"

TORCH=$("$WORK/venv/bin/python" -c "import torch; print(torch.__version__, torch.version.cuda)")
if [[ "$TORCH" != *"+cpu None" ]] || "$WORK/venv/bin/python" -m pip list 2>/dev/null | grep -qi '^nvidia-'; then
  echo "[space-build] a CUDA torch was installed ($TORCH): requirements.txt must not pull one here" >&2
  exit 1
fi

mkdir -p "$WORK/home"
(cd "$WORK/space" && exec env -u PYTHONPATH HOME="$WORK/home" SPACE_ID=ci/hidream-studio SYSTEM=spaces \
   PORT="$PORT" GRADIO_SERVER_PORT="$PORT" CUDA_VISIBLE_DEVICES="" "$WORK/venv/bin/python" app.py \
   >"$WORK/app.log" 2>&1) &
APP=$!
trap 'kill $APP 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  if curl -fs -o /dev/null "http://127.0.0.1:$PORT/"; then break; fi
  if ! kill -0 $APP 2>/dev/null; then cat "$WORK/app.log" >&2; echo "[space-build] app.py exited" >&2; exit 1; fi
  sleep 0.5
done
curl -fs -o /dev/null "http://127.0.0.1:$PORT/" || { tail -50 "$WORK/app.log" >&2; exit 1; }
stage "start to HTTP 200"

env -u PYTHONPATH "$WORK/venv/bin/python" "$REPO/tests/space/turns.py" "http://127.0.0.1:$PORT"
stage "two turns"
echo "[space-build] ok in $(( $(date +%s) - START )) s (workdir $WORK)"

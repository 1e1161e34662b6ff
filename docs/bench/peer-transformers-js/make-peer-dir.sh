#!/usr/bin/env bash
# The transformers.js layout over the Optimum export, as symlinks (the export itself is not touched).
# transformers.js looks for <dir>/config.json, <dir>/generation_config.json and <dir>/onnx/model.onnx
# (dtype fp32 -> no file suffix); ONNX Runtime then opens model.onnx_data next to onnx/model.onnx.
set -euo pipefail
SRC=${1:-/tmp/big/gptjt6b-int4}; DST=${2:-/tmp/tjs/model}
mkdir -p "$DST/onnx"
for f in config.json generation_config.json special_tokens_map.json vocab.json merges.txt; do ln -sfn "$SRC/$f" "$DST/$f"; done
ln -sfn "$SRC/model.onnx" "$DST/onnx/model.onnx"
ln -sfn "$SRC/model.onnx_data" "$DST/onnx/model.onnx_data"

#!/usr/bin/env bash
# Regenerates src/onnx/gen/ from proto/onnx.proto (ONNX 1.23.0's onnx.proto3, Apache-2.0).
# The generated file is committed; run this only when the schema changes.
set -euo pipefail
cd "$(dirname "$0")/.."
npx buf generate
npx prettier --write src/onnx/gen >/dev/null

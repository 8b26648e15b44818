#!/usr/bin/env bash
# Fails when libocopsdk_jni.so exports anything but the JNI entry points (Java_*, JNI_OnLoad):
# the SDK, core, sync, Poco and nlohmann-json must stay inside it (jni/exports.map).
# usage: check_jni_exports.sh LIBOCOPSDK_JNI.so
set -euo pipefail
lib=$1
all=$(nm -D --defined-only "$lib" | awk '{print $3}')
jni=$(grep -c '^Java_vn_ocop_sdk_' <<<"$all" || true)
other=$(grep -v -e '^Java_vn_ocop_sdk_' -e '^JNI_OnLoad$' <<<"$all" || true)
echo "$lib: $jni JNI entry points exported"
if [ -n "$other" ]; then
  echo "also exported (must not be):" >&2
  echo "$other" | head -20 >&2
  exit 1
fi
[ "$jni" -gt 0 ] || { echo "no JNI entry point exported" >&2; exit 1; }

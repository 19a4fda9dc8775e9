#!/usr/bin/env bash
# Prints the JVM flags every JVM running our code needs (the add-opens list spark-submit adds on
# JDK 17, plus --add-modules=jdk.incubator.vector), read from their one home: the
# sparkcnn.jvm.flags property of the parent pom.xml. No Maven run needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
flags="$(sed -n 's:.*<sparkcnn.jvm.flags>\(.*\)</sparkcnn.jvm.flags>.*:\1:p' "$ROOT/pom.xml")"
[ -n "$flags" ] || { echo "spark-cnn: error: no <sparkcnn.jvm.flags> line in $ROOT/pom.xml" >&2; exit 1; }
echo "$flags"

#!/usr/bin/env bash
# Prints the java command every script uses, chosen in this one place:
#   $SPARK_CNN_JAVA if set, else $JAVA_HOME/bin/java if JAVA_HOME is set, else java on PATH.
# To try another JDK for everything (e.g. Temurin 25): export SPARK_CNN_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
set -euo pipefail
if [ -n "${SPARK_CNN_JAVA:-}" ]; then
  echo "$SPARK_CNN_JAVA"
elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  echo "$JAVA_HOME/bin/java"
else
  command -v java || { echo "spark-cnn: error: no java on PATH; install JDK 17+ or set JAVA_HOME" >&2; exit 1; }
fi

# Sourced by scripts/import-keras, export-keras and export-onnx: runs one of the interop module's
# mains in a plain JVM (no Spark).
#
#   interop_run MAIN_CLASS APP_ARGS...
#
# The interop jar is (re)built with `mvn -q -DskipTests package` when missing or older than the
# sources; interop/target/classpath.txt lists its runtime jars. Environment: SPARK_CNN_JAVA (see
# lib/java.sh), MVN (default mvn).

SPARK_CNN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SPARK_CNN_LIB="$SPARK_CNN_ROOT/scripts/lib"

spark_cnn_die() { echo "spark-cnn: error: $*" >&2; exit 2; }

# Prints the interop jar's path, building it first when needed.
spark_cnn_interop_jar() {
  local target="$SPARK_CNN_ROOT/interop/target" jar
  jar="$(ls "$target"/spark-cnn-interop-*.jar 2>/dev/null | head -n 1 || true)"
  if [ -z "$jar" ] || [ ! -f "$target/classpath.txt" ] \
      || [ -n "$(find "$SPARK_CNN_ROOT"/{core,interop}/src/main "$SPARK_CNN_ROOT"/{pom.xml,core/pom.xml,interop/pom.xml} -newer "$jar" -print -quit 2>/dev/null)" ]; then
    echo "spark-cnn: building the interop jar (mvn -q -DskipTests package)..." >&2
    (cd "$SPARK_CNN_ROOT" && ${MVN:-mvn} -q -B -DskipTests -pl interop -am package >&2) \
      || spark_cnn_die "the build failed; run 'mvn -DskipTests -pl interop -am package' to see why"
    jar="$(ls "$target"/spark-cnn-interop-*.jar | head -n 1)"
  fi
  echo "$jar"
}

interop_run() {
  local main="$1"; shift
  local jar flags java
  jar="$(spark_cnn_interop_jar)"
  flags="$("$SPARK_CNN_LIB/jvm-flags.sh")"
  java="$("$SPARK_CNN_LIB/java.sh")"
  # shellcheck disable=SC2086 # the flags are one space-separated list
  exec "$java" $flags -cp "$jar:$(cat "$SPARK_CNN_ROOT/interop/target/classpath.txt")" "$main" "$@"
}

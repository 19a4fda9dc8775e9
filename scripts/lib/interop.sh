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

source "$SPARK_CNN_LIB/module-jar.sh"

# Prints the interop jar's path, building it first when needed.
spark_cnn_interop_jar() {
  spark_cnn_module_jar interop interop "-pl interop -am" core interop
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

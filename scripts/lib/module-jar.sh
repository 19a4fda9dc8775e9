# Sourced by scripts/lib/spark-submit.sh and scripts/lib/interop.sh, after they set SPARK_CNN_ROOT
# and spark_cnn_die: the jar of a module that the scripts run, (re)built when needed.
#
#   spark_cnn_module_jar MODULE NAME MVN_ARGS SOURCE_MODULE...
#
# Prints MODULE/target/spark-cnn-MODULE-<version>.jar (not the shade plugin's original-*.jar).
# First builds it with `mvn -q -DskipTests MVN_ARGS package` ("building the NAME jar") when the jar
# or MODULE/target/classpath.txt is missing, or the jar is older than the sources or poms of the
# SOURCE_MODULEs or the parent pom. MVN_ARGS is one space-separated string, may be empty.

spark_cnn_module_jar() {
  local module="$1" name="$2" mvn_args="$3"; shift 3
  local target="$SPARK_CNN_ROOT/$module/target" jar m sources=()
  for m in "$@"; do
    sources+=("$SPARK_CNN_ROOT/$m/src/main" "$SPARK_CNN_ROOT/$m/pom.xml")
  done
  jar="$(ls "$target"/spark-cnn-"$module"-*.jar 2>/dev/null | grep -v '/original-' | head -n 1 || true)"
  if [ -z "$jar" ] || [ ! -f "$target/classpath.txt" ] \
      || [ -n "$(find "${sources[@]}" "$SPARK_CNN_ROOT/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
    echo "spark-cnn: building the $name jar (mvn -q -DskipTests package)..." >&2
    # shellcheck disable=SC2086 # MVN_ARGS is a space-separated list of options
    (cd "$SPARK_CNN_ROOT" && ${MVN:-mvn} -q -B -DskipTests $mvn_args package >&2) \
      || spark_cnn_die "the build failed; run 'mvn -DskipTests ${mvn_args:+$mvn_args }package' to see why"
    jar="$(ls "$target"/spark-cnn-"$module"-*.jar | grep -v '/original-' | head -n 1)"
  fi
  echo "$jar"
}

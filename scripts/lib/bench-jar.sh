# Sourced after scripts/lib/spark-submit.sh by scripts/bench and scripts/bench-score: the
# benchmarks live in their own module (bench/), outside the product jars.
#
#   spark_cnn_bench_jar   prints bench/target/spark-cnn-bench-<version>.jar (the benchmark classes
#                         only), building the modules first (mvn -q -DskipTests package -pl bench
#                         -am) when it is missing or older than any module's sources or poms.
#                         Run the benchmarks with it beside core's classes (CoreBench) or beside
#                         the job jar: on a classpath, or as spark-submit --jars.

spark_cnn_bench_jar() {
  local target="$SPARK_CNN_ROOT/bench/target" jar
  jar="$(ls "$target"/spark-cnn-bench-*.jar 2>/dev/null | head -n 1 || true)"
  if [ -z "$jar" ] || [ -n "$(find "$SPARK_CNN_ROOT"/{core,datasets,spark-job,bench}/src/main \
      "$SPARK_CNN_ROOT"/{pom.xml,core/pom.xml,datasets/pom.xml,spark-job/pom.xml,bench/pom.xml} \
      -newer "$jar" -print -quit 2>/dev/null)" ]; then
    echo "spark-cnn: building the benchmarks (mvn -q -DskipTests package -pl bench -am)..." >&2
    (cd "$SPARK_CNN_ROOT" && { ${MVN:-mvn} -q -B -o -DskipTests package -pl bench -am \
        || ${MVN:-mvn} -q -B -DskipTests package -pl bench -am; } >&2) \
      || spark_cnn_die "the build failed; run 'mvn -DskipTests package -pl bench -am' to see why"
    jar="$(ls "$target"/spark-cnn-bench-*.jar | head -n 1)"
  fi
  echo "$jar"
}

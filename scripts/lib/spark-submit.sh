# Sourced by scripts/train, scripts/evaluate, scripts/score and scripts/quickstart: checks a job's
# arguments, config, model spec and local paths on a plain JVM (spark_cnn_preflight), then runs the
# job jar's main through spark-submit.
#
#   spark_submit MAIN_CLASS SPARK_ARGS... -- APP_ARGS...
#
# With $SPARK_HOME set: $SPARK_HOME/bin/spark-submit. Otherwise Spark from the Maven build:
# java <jvm flags> -cp <job jar>:<Spark jars> org.apache.spark.deploy.SparkSubmit, which runs the
# driver in this JVM (so --driver-memory becomes its -Xmx). The job jar is (re)built with
# `mvn -q -DskipTests package` when missing or older than the sources.
#
# SPARK_ARGS are spark-submit options (--master URL, --driver-memory M, --executor-memory M,
# --conf k=v, ...); --master defaults to local[*]. The jobs add their own Spark settings unless
# given (org.sparkcnn.spark.SparkSettings). When --master is scripts/local-cluster's master, its
# secret goes along on its own: the cluster's 0600 client.conf becomes the --properties-file
# (unless one is given), so the secret is on no command line, and the driver binds to 127.0.0.1
# like the cluster.
# Environment: SPARK_HOME, SPARK_CNN_JAVA (see lib/java.sh), MVN (default mvn), SPARK_CNN_LOG
# (the log file with every stack trace; default runs/spark-cnn.log), SPARK_CNN_CLUSTER_STATE
# (scripts/local-cluster's state directory).

SPARK_CNN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SPARK_CNN_LIB="$SPARK_CNN_ROOT/scripts/lib"

spark_cnn_die() { echo "spark-cnn: error: $*" >&2; exit 2; }

source "$SPARK_CNN_LIB/module-jar.sh"

# scripts/local-cluster's state directory (secret, logs, master URL).
spark_cnn_cluster_state() {
  echo "${SPARK_CNN_CLUSTER_STATE:-$SPARK_CNN_ROOT/spark-job/target/local-cluster}"
}

# Prints the job jar's path, building it first when needed.
spark_cnn_job_jar() {
  spark_cnn_module_jar spark-job job "" core datasets spark-job
}

# spark-submit's options that take a value: they go to spark-submit, everything else to the main.
# (spark-submit's --verbose takes none and is not here: --verbose N is the config key.)
SPARK_CNN_SUBMIT_OPTIONS=" --master --deploy-mode --name --jars --packages --exclude-packages
  --repositories --files --archives --conf --properties-file --driver-memory --driver-java-options
  --driver-library-path --driver-class-path --executor-memory --proxy-user --driver-cores
  --total-executor-cores --executor-cores --num-executors --queue --principal --keytab "

# Splits a script's arguments: spark-submit's options (with their values) into SPARK_CNN_SPARK_ARGS,
# the rest, in order, into SPARK_CNN_APP_ARGS for the main, whose own parser checks them.
spark_cnn_split_args() {
  SPARK_CNN_SPARK_ARGS=() SPARK_CNN_APP_ARGS=()
  while [ $# -gt 0 ]; do
    if [[ "$SPARK_CNN_SUBMIT_OPTIONS" == *[[:space:]]"$1"[[:space:]]* ]]; then
      [ $# -ge 2 ] || spark_cnn_die "$1 needs a value"
      SPARK_CNN_SPARK_ARGS+=("$1" "$2"); shift 2
    else
      SPARK_CNN_APP_ARGS+=("$1"); shift
    fi
  done
}

# Whether the arguments ask for help (none at all, -h or --help).
spark_cnn_wants_help() {
  [ $# -eq 0 ] && return 0
  local a
  for a in "$@"; do case "$a" in -h|--help) return 0 ;; esac; done
  return 1
}

# JVM flags for the short plain-JVM runs (help, checks): start-up only, nothing is computed.
SPARK_CNN_QUICK_JVM=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto)

# Prints a job main's own help (its options, declared once in the main): spark_cnn_help MAIN_CLASS
spark_cnn_help() {
  local jar java
  jar="$(spark_cnn_job_jar)"
  java="$("$SPARK_CNN_LIB/java.sh")"
  "$java" "${SPARK_CNN_QUICK_JVM[@]}" \
    -cp "$jar:$(cat "$SPARK_CNN_ROOT/spark-job/target/classpath.txt")" "$1" --help
}

# Runs the job's own checks (org.sparkcnn.spark.job.Preflight) on a plain JVM, without Spark: a
# command line, job config, model spec or local data path that cannot work ends here, in the job's
# own one-line error, within about a second instead of after Spark's 10-20 s start-up. Exits with
# the check's status when it fails.
#
#   spark_cnn_preflight train|evaluate|score APP_ARGS...
spark_cnn_preflight() {
  local jar java status=0
  jar="$(spark_cnn_job_jar)"
  java="$("$SPARK_CNN_LIB/java.sh")"
  "$java" "${SPARK_CNN_QUICK_JVM[@]}" \
    -cp "$jar:$(cat "$SPARK_CNN_ROOT/spark-job/target/classpath.txt")" \
    org.sparkcnn.spark.job.Preflight "$@" || status=$?
  [ "$status" -eq 0 ] || exit "$status"
}

spark_submit() {
  local main="$1"; shift
  local spark_args=() app_args=() master="local[*]" driver_memory="" props=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --) shift; app_args=("$@"); break ;;
      --master) master="$2"; shift 2 ;;
      --properties-file) props="$2"; shift 2 ;;
      --driver-memory) driver_memory="$2"; shift 2 ;;
      --conf) spark_args+=(--conf "$2"); shift 2 ;;
      *) spark_args+=("$1"); shift ;;
    esac
  done
  local state
  state="$(spark_cnn_cluster_state)"
  if [ -z "$props" ] && [ -f "$state/client.conf" ] \
      && [ "$master" = "$(cat "$state/master-url" 2>/dev/null)" ]; then
    props="$state/client.conf"
    export SPARK_LOCAL_IP=127.0.0.1
  fi
  [ -z "$props" ] || spark_args+=(--properties-file "$props")
  case "$main" in
    *.TrainJob) spark_cnn_preflight train "${app_args[@]}" ;;
    *.EvaluateJob) spark_cnn_preflight evaluate "${app_args[@]}" ;;
    *.ScoreJob) spark_cnn_preflight score "${app_args[@]}" ;;
  esac
  local jar flags log4j log_file
  jar="$(spark_cnn_job_jar)"
  flags="$("$SPARK_CNN_LIB/jvm-flags.sh")"
  # Stack traces go to this file, not the console (conf/log4j2.properties).
  mkdir -p "$SPARK_CNN_ROOT/runs"
  log4j="-Dlog4j2.configurationFile=file:$SPARK_CNN_ROOT/conf/log4j2.properties"
  log_file="-Dsparkcnn.log.file=${SPARK_CNN_LOG:-$SPARK_CNN_ROOT/runs/spark-cnn.log}"
  if [ -n "${SPARK_HOME:-}" ]; then
    [ -x "$SPARK_HOME/bin/spark-submit" ] || spark_cnn_die "SPARK_HOME=$SPARK_HOME has no bin/spark-submit"
    [ -z "$driver_memory" ] || spark_args+=(--driver-memory "$driver_memory")
    exec "$SPARK_HOME/bin/spark-submit" --master "$master" \
      --conf "spark.driver.extraJavaOptions=$flags $log4j $log_file" \
      --conf "spark.executor.extraJavaOptions=$flags" \
      "${spark_args[@]}" --class "$main" "$jar" "${app_args[@]}"
  fi
  local java
  java="$("$SPARK_CNN_LIB/java.sh")"
  # shellcheck disable=SC2086 # the flags are one space-separated list
  exec "$java" $flags ${driver_memory:+-Xmx$driver_memory} "$log4j" "$log_file" \
    -cp "$jar:$(cat "$SPARK_CNN_ROOT/spark-job/target/classpath.txt")" \
    org.apache.spark.deploy.SparkSubmit --master "$master" \
    --conf "spark.executor.extraJavaOptions=$flags" \
    "${spark_args[@]}" --class "$main" "$jar" "${app_args[@]}"
}

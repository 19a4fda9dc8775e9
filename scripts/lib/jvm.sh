# Shared by scripts/: which java to run, and with which flags. Source it; needs ROOT set to the
# repository root.
#
#   jvm_flags          the JVM flags every JVM running our code needs; read from the parent pom's
#                      <sparkcnn.jvm.flags> property, their one home
#   find_java [17|25]  path of a java binary of that major version, or of the default one
#                      (scripts/lib/java.sh: $SPARK_CNN_JAVA, $JAVA_HOME/bin/java or java). JDK 17 is preferred by
#                      default: on this project's benchmark machine (AVX2) the Vector API
#                      kernels ran ~1.5x faster on 17 than on 25 (see docs/performance.md).

jvm_flags() {
  "$ROOT/scripts/lib/jvm-flags.sh"
}

find_java() {
  local want="${1:-}"
  if [[ -z "$want" ]]; then
    "$ROOT/scripts/lib/java.sh"
    return
  fi
  local candidate
  for candidate in /usr/lib/jvm/*-"$want"-* /usr/lib/jvm/*-"$want" /usr/lib/jvm/*"$want"*; do
    if [[ -x "$candidate/bin/java" ]] \
        && "$candidate/bin/java" -version 2>&1 | grep -qE "version \"$want[.\"]"; then
      echo "$candidate/bin/java"
      return
    fi
  done
  echo "no JDK $want found under /usr/lib/jvm; install it or drop --jdk" >&2
  return 1
}

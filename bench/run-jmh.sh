#!/usr/bin/env bash
# Runs the JMH benchmarks (SoftmaxBenchmark: scalar vs simd vs onnxruntime; ExpBenchmark: the SIMD
# exp against lanewise(EXP) and Math.exp), writes JMH's JSON results and
# prints the SIMD/scalar and SIMD/ORT ratio table from them. Arguments go to JMH, e.g.
#   bench/run-jmh.sh SoftmaxBenchmark -p shape=4096x1024 -p threads=1
#   bench/run-jmh.sh ExpBenchmark
# Results: $BENCH_RESULTS, default bench/target/jmh-results.json. Build the jar first with
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -pl bench -am package -DskipTests
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
jar="$here/target/benchmarks.jar"
results="${BENCH_RESULTS:-$here/target/jmh-results.json}"
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)

# shellcheck source=../bin/lib/find-jdk.sh
. "$here/../bin/lib/find-jdk.sh"
java_home=$(find_jdk)
if [[ ! -f "$jar" ]]; then
    echo "run-jmh.sh: $jar is missing; build it with" >&2
    echo "  JAVA_HOME=$java_home mvn -B -pl bench -am package -DskipTests" >&2
    exit 2
fi

mkdir -p "$(dirname "$results")"
rm -f "$results"
# The forks get these flags from @Fork(jvmArgsAppend); the harness gets them too so that -f 0
# (everything in the harness JVM) also works.
"$java_home/bin/java" "${flags[@]}" -jar "$jar" -rf json -rff "$results" "$@"

# -l, -h and friends run nothing and write no results: then there is nothing to tabulate.
if [[ -s "$results" ]]; then
    echo
    "$java_home/bin/java" -cp "$jar" dev.softmaxengine.bench.RatioReport "$results"
    echo "raw results: $results"
fi

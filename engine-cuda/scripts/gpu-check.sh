#!/usr/bin/env bash
# The GPU checks of the CUDA backend in one short run on a host that has a GPU but no JDK or Maven.
# Run from the project root.
#
#   engine-cuda/scripts/gpu-check.sh --prepare   on the build host (JDK 25, Maven): builds engine-cuda,
#                                                puts its jars, the test jars and the JUnit console
#                                                launcher in .device/lib and a jlinked JRE in .device/jre
#                                                (../shared/tools/device-jre.sh); about 55 MB to take along
#   engine-cuda/scripts/gpu-check.sh [OUT]       on the GPU host: nvidia-smi, the probe, CudaParityTest,
#                                                CudaMemoryFlatTest, then CudaBench and, where torch is
#                                                installed, torch_softmax_bench.py with the time ratios;
#                                                everything lands in OUT (default $OUT, else gpu-check-out)
#
# Exit status: 0 when the tests passed (and ran: a GPU-less host fails here, it does not skip).
set -uo pipefail

dev=.device
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
console=org.junit.platform:junit-platform-console-standalone:1.14.1

prepare() {
    set -e
    export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
    mvn -q -B -o -pl engine-cuda -am install -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip
    rm -rf "$dev/lib"
    mkdir -p "$dev/lib"
    # JUnit comes with the console launcher; the rest is engine-cuda's runtime and test class path.
    mvn -q -B -o -pl engine-cuda dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$PWD/$dev/lib" \
        -DexcludeGroupIds=org.junit,org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian
    mvn -q -B -o dependency:copy -Dartifact="$console" -DoutputDirectory="$PWD/$dev/lib"
    find engine-cuda/target -maxdepth 1 -name 'softmax-engine-cuda-*.jar' ! -name '*-sources.jar' ! -name '*-javadoc.jar' \
        -exec cp {} "$dev/lib/" \;
    (cd engine-cuda/target/test-classes && jar cf "$OLDPWD/$dev/lib/engine-cuda-tests.jar" .)
    # JCuda's natives jar carries four libraries (26 MB); the driver API needs one of them.
    natives=$(ls "$dev"/lib/jcuda-natives-*.jar)
    tmp=$(mktemp -d)
    (cd "$tmp" && jar xf "$OLDPWD/$natives" lib/libJCudaDriver-12.6.0-linux-x86_64.so && jar cf natives.jar lib)
    mv "$tmp/natives.jar" "$natives"
    rm -rf "$tmp"
    ../shared/tools/device-jre.sh "$dev"
    du -sh "$dev" | awk '{print "gpu-check: " $2 " is " $1 " (jre + lib)"}'
}

check() {
    out=${1:-${OUT:-gpu-check-out}}
    mkdir -p "$out"
    java=$dev/jre/bin/java
    [ -x "$java" ] || { echo "gpu-check: no $java; run engine-cuda/scripts/gpu-check.sh --prepare on a build host" >&2; exit 2; }
    cp=$dev/lib/'*'
    summary=$out/summary.txt
    : >"$summary"
    note() { echo "$*" | tee -a "$summary"; }

    (nvidia-smi; nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv) >"$out/nvidia-smi.txt" 2>&1
    note "gpu: $(nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader 2>/dev/null | head -1)"

    # The JRE has no java.xml, so the launcher reports as text (no --reports-dir).
    timeout 360 "$java" "${flags[@]}" -Dtests.seed="${TESTS_SEED:-}" -cp "$cp" \
        org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors --details=tree \
        --fail-if-no-tests \
        --select-class=dev.softmaxengine.cuda.CudaProbeTest \
        --select-class=dev.softmaxengine.cuda.CudaParityTest \
        --select-class=dev.softmaxengine.cuda.CudaMemoryFlatTest >"$out/tests.txt" 2>&1
    tests=$?
    grep -E 'tests (successful|failed|aborted|skipped)' "$out/tests.txt" | sed 's/^/tests: /' | tee -a "$summary"
    # Without a GPU the parity suite aborts in @BeforeAll and "passes": that is a failure here.
    if grep -q 'not usable here' "$out/tests.txt"; then
        note "tests: cuda is not usable on this host: $(grep -m1 -o 'not usable here: .*' "$out/tests.txt")"
        tests=3
    fi
    note "tests: exit status $tests"

    compare=()
    if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
        timeout 150 python3 bench/scripts/torch_softmax_bench.py --csv "$out/bench-torch.csv" >"$out/bench-torch.txt" 2>&1
        note "torch bench: exit status $?"
        [ -s "$out/bench-torch.csv" ] && compare=(--compare "$out/bench-torch.csv")
    else
        note "torch bench: skipped, no torch with CUDA here"
    fi
    timeout 150 "$java" "${flags[@]}" -cp "$cp" dev.softmaxengine.cuda.CudaBench --csv "$out/bench-cuda.csv" \
        "${compare[@]}" >"$out/bench-cuda.txt" 2>&1
    note "cuda bench: exit status $?"
    exit "$tests"
}

case "${1:-}" in
--prepare) prepare ;;
-*) echo "usage: gpu-check.sh [--prepare | OUT]" >&2; exit 2 ;;
*) check "${1:-}" ;;
esac

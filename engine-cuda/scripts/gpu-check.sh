#!/usr/bin/env bash
# The GPU checks in one short run on a host that has a GPU but no JDK or Maven: the CUDA backend's
# tests, then the bench suite (bin/softmax-engine-bench's BenchCli) on the device backends, with
# torch merged where it is installed. Run from the project root.
#
#   engine-cuda/scripts/gpu-check.sh --prepare   on the build host (JDK 25, Maven): builds the bench and
#                                                engine-cuda, puts the suite's jars (without ONNX Runtime,
#                                                JMH and XChart, which it runs without), engine-cuda's test
#                                                jars and the JUnit console launcher in .device/lib and a
#                                                jlinked JRE in .device/jre (../shared/tools/device-jre.sh);
#                                                fails if .device is not under 64 MiB. Maven flags such as
#                                                -Dmaven.repo.local=DIR go in MAVEN_ARGS.
#   engine-cuda/scripts/gpu-check.sh [OUT]       on the GPU host: nvidia-smi, the probe, CudaParityTest,
#                                                CudaMemoryFlatTest, then the bench suite with --backend cuda
#                                                (and opencl where an OpenCL driver is installed; a backend
#                                                that cannot run is noted with its reason and left out), then,
#                                                where torch sees a GPU, torch_softmax_bench.py over the same
#                                                cases, merged with --merge for the time ratios. Everything
#                                                lands in OUT (default $OUT, else gpu-check-out): summary.txt,
#                                                tests.txt, bench.txt (roofs, GB/s, fractions), bench/results.json
#                                                and report.html, torch.json and bench-torch.txt (with torch).
#                                                BENCH_ARGS replaces the sweep's options (default: --quick).
#
# Exit status: 0 when the tests passed (and ran: a GPU-less host fails here, it does not skip).
set -uo pipefail

dev=.device
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
    '-Djava.util.logging.SimpleFormatter.format=%4$s: %5$s%n')
console=org.junit.platform:junit-platform-console-standalone:1.14.1
limit_mib=64
# What the suite runs without (OptionalLibraries): ONNX Runtime's jar alone is 75 MB; XChart needs
# java.desktop, which the jlinked JRE lacks; JMH is the bench's other harness. And their own dependencies.
optional=onnxruntime,jmh-core,jopt-simple,commons-math3,xchart,VectorGraphics2D,graphics2d,pdfbox,pdfbox-io,fontbox,commons-logging,animated-gif-lib
junit=org.junit,org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian

prepare() {
    set -e
    export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
    read -r -a mvn_args <<< "${MAVEN_ARGS:-}"
    mvn=(mvn -q -B -o "${mvn_args[@]}")
    "${mvn[@]}" -pl bench,engine-cuda -am install -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip
    "${mvn[@]}" -pl engine-cuda test-compile
    rm -rf "$dev/lib"
    mkdir -p "$dev/lib"
    "${mvn[@]}" -pl bench dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$PWD/$dev/lib" \
        -DexcludeArtifactIds="$optional"
    # engine-cuda's test class path (testkit); JUnit comes with the console launcher.
    "${mvn[@]}" -pl engine-cuda dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$PWD/$dev/lib" \
        -DexcludeGroupIds="$junit"
    "${mvn[@]}" dependency:copy -Dartifact="$console" -DoutputDirectory="$PWD/$dev/lib"
    cp bench/target/softmax-engine-bench-*.jar "$dev/lib/"
    (cd engine-cuda/target/test-classes && jar cf "$OLDPWD/$dev/lib/engine-cuda-tests.jar" .)
    # JCuda's natives jar carries four libraries (26 MB); the driver API needs one of them.
    natives=$(ls "$dev"/lib/jcuda-natives-*.jar)
    tmp=$(mktemp -d)
    (cd "$tmp" && jar xf "$OLDPWD/$natives" lib/libJCudaDriver-12.6.0-linux-x86_64.so && jar cf natives.jar lib)
    mv "$tmp/natives.jar" "$natives"
    rm -rf "$tmp"
    # device-jre.sh appends to GIT_DIR/info/exclude, which a linked worktree does not have yet.
    if git rev-parse --git-dir >/dev/null 2>&1; then
        mkdir -p "$(git rev-parse --git-dir)/info"
    fi
    ../shared/tools/device-jre.sh "$dev"
    mib=$(du -sm "$dev" | cut -f1)
    echo "gpu-check: $dev is $mib MiB (jre $(du -sm "$dev/jre" | cut -f1) MiB + lib $(du -sm "$dev/lib" | cut -f1) MiB)"
    if [ "$mib" -ge "$limit_mib" ]; then
        echo "gpu-check: $dev must stay under $limit_mib MiB to be carried to a GPU host" >&2
        exit 1
    fi
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

    bench "$out"
    exit "$tests"
}

# The suite on cuda and, where an OpenCL driver is installed, opencl; a named backend that cannot run
# makes BenchCli fail with its reason: noted, left out, and the rest measured.
bench() {
    local out=$1 backends=cuda status reason name
    compgen -G '/etc/OpenCL/vendors/*.icd' >/dev/null && backends=cuda,opencl
    read -r -a sweep <<< "${BENCH_ARGS:---quick}"
    while [ -n "$backends" ]; do
        timeout 300 "$java" "${flags[@]}" -cp "$cp" dev.softmaxengine.bench.cli.BenchCli "${sweep[@]}" \
            --backend "$backends" --out "$out/bench" >"$out/bench.txt" 2>&1
        status=$?
        reason=$(grep -m1 -o 'backend [a-z]* cannot run here: .*' "$out/bench.txt")
        [ "$status" -eq 2 ] && [ -n "$reason" ] || break
        note "bench: $reason"
        name=$(echo "$reason" | cut -d' ' -f2)
        backends=$(echo ",$backends," | sed "s/,$name,/,/; s/^,//; s/,$//")
    done
    if [ -z "$backends" ]; then
        note "bench: no device backend can run here"
        return
    fi
    grep -E '^(memory|compute) roof:|^note:' "$out/bench.txt" | sed 's/^/bench: /' | tee -a "$summary"
    note "bench ($backends): exit status $status; the table is in $out/bench.txt"

    if [ ! -s "$out/bench/results.json" ]; then
        return
    elif python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
        timeout 240 python3 bench/scripts/torch_softmax_bench.py --shapes-from "$out/bench/results.json" \
            --out "$out/torch.json" >"$out/torch.txt" 2>&1
        note "torch bench: exit status $?"
        if [ -s "$out/torch.json" ]; then
            "$java" "${flags[@]}" -cp "$cp" dev.softmaxengine.bench.cli.BenchCli --from "$out/bench/results.json" \
                --merge "$out/torch.json" --out "$out/bench" >"$out/bench-torch.txt" 2>&1
            note "bench with torch merged: exit status $?; the ratios are in $out/bench-torch.txt"
        fi
    else
        note "torch bench: skipped, no torch with CUDA here"
    fi
}

case "${1:-}" in
--prepare) prepare ;;
-*) echo "usage: gpu-check.sh [--prepare | OUT]" >&2; exit 2 ;;
*) check "${1:-}" ;;
esac

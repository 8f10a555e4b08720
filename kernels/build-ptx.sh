#!/usr/bin/env bash
# Compiles kernels/src/main/cuda/*.cu (one file per strategy) to PTX for compute_75, the oldest
# architecture the CUDA backend supports; the driver JIT-compiles it for the GPU it runs on.
# The PTX is committed under src/main/resources/dev/softmaxengine/kernels/cuda/ so that builds
# without nvcc still ship the kernels, with sources.sha256, the digests of the sources it was
# made from.
#
#   kernels/build-ptx.sh --update   regenerate the committed PTX and sources.sha256
#   kernels/build-ptx.sh --check    (the Maven profile cuda-ptx) fail when the committed PTX is stale:
#                                   sources changed since it was made, or, where this nvcc is the
#                                   release that made it, its output differs byte for byte; then
#                                   assemble each file with ptxas -arch=sm_90
#
# nvcc writes no paths or dates into PTX (no -lineinfo / -G here), so its output is deterministic;
# the header names the compiler release, which is how --check knows whether bytes can be compared.
# nvcc 13 declares PTX ISA 9.0, which only CUDA 13 drivers load; the kernels use nothing newer
# than ISA 7.0 (CUDA 11.0), so the declaration is lowered to that, and ptxas, which rejects any
# feature the declared version lacks, checks the claim on every --check.
set -euo pipefail

mode=${1:---update}
here=$(cd "$(dirname "$0")" && pwd)
src=$here/src/main/cuda
res=$here/src/main/resources/dev/softmaxengine/kernels/cuda
gen=$here/target/ptx
nvcc=${NVCC:-nvcc}
ptxas=${PTXAS:-ptxas}
flags=(-ptx -arch=compute_75 -std=c++17 -O3 --Werror all-warnings)
isa=7.0  # CudaDriver.MIN_DRIVER_VERSION is the CUDA release that introduced it

die() { echo "build-ptx: $*" >&2; exit 1; }

command -v "$nvcc" >/dev/null || die "no nvcc on PATH (set NVCC=/path/to/nvcc)"
release=$("$nvcc" --version | sed -n 's/^Cuda compilation tools, \(.*\)$/\1/p')

manifest() { (cd "$src" && sha256sum -- *.cu *.cuh | LC_ALL=C sort -k2); }

generate() {  # into $1
    mkdir -p "$1"
    for cu in "$src"/*.cu; do
        name=$(basename "$cu" .cu)
        (cd "$src" && "$nvcc" "${flags[@]}" "$name.cu" -o "$1/$name.ptx")
        sed -i "s/^\.version [0-9.]*\$/.version $isa/" "$1/$name.ptx"
    done
}

case "$mode" in
--update)
    mkdir -p "$res"
    rm -f "$res"/*.ptx
    generate "$res"
    manifest >"$res/sources.sha256"
    echo "build-ptx: wrote $(ls "$res"/*.ptx | wc -l) PTX files to $res ($release)"
    ;;
--check)
    stale=()
    [ -f "$res/sources.sha256" ] || die "no $res/sources.sha256; run kernels/build-ptx.sh --update"
    if ! diff -u "$res/sources.sha256" <(manifest) >&2; then
        stale+=("sources changed since the PTX was generated (sources.sha256 differs, above)")
    fi
    rm -rf "$gen"
    generate "$gen"
    expected=$(cd "$gen" && ls *.ptx)
    present=$(cd "$res" && ls *.ptx 2>/dev/null || true)
    [ "$expected" = "$present" ] || stale+=("PTX files [$(echo $present)] do not match the sources [$(echo $expected)]")
    for ptx in "$gen"/*.ptx; do
        name=$(basename "$ptx")
        [ -f "$res/$name" ] || continue
        made_by=$(sed -n 's|^// Cuda compilation tools, \(.*\)$|\1|p' "$res/$name")
        if [ "$made_by" != "$release" ]; then
            echo "build-ptx: $name was made by nvcc $made_by, this is $release: compared by source digests only" >&2
        elif ! cmp -s "$ptx" "$res/$name"; then
            stale+=("$name differs from the output of this nvcc ($release)")
        fi
    done
    if [ ${#stale[@]} -gt 0 ]; then
        printf 'build-ptx: committed PTX is stale: %s\n' "${stale[@]}" >&2
        die "run kernels/build-ptx.sh --update and commit the result (or build with -P '!cuda-ptx' to skip this check)"
    fi
    command -v "$ptxas" >/dev/null || die "no ptxas on PATH (set PTXAS=/path/to/ptxas)"
    for ptx in "$res"/*.ptx; do
        "$ptxas" -arch=sm_90 "$ptx" -o /dev/null || die "ptxas -arch=sm_90 rejects $(basename "$ptx")"
    done
    echo "build-ptx: $(echo $present | wc -w) PTX files are current and assemble for sm_90 ($release)"
    ;;
*)
    die "usage: build-ptx.sh [--update|--check], was '$mode'"
    ;;
esac

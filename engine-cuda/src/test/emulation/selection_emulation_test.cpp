// Runs selection.cu's top_k and sample kernels on the host (cuda_emulation.h) for the requests
// SelectionEmulationTest writes, and prints their outputs; the Java test compares them with the
// oracle (ScalarSoftmaxKernel), so no port of the oracle lives here.
//
//   selection_emulation_test REQUESTS
//
// REQUESTS, one request per two lines, values as the hex bits of fp64 (float32, bfloat16 and float16
// inputs widen exactly):
//   top_k <f32|f64|bf16|f16> <outer> <n> <inner> <k> <grid>
//   sample <f32|f64|bf16|f16> <rows> <n> <temperature bits> <top_k> <top_p bits> <min_p bits> <seed> <log_probs 0|1> <grid>
//   <outer * n * inner input values>
// Output, per request: the values (top-k) or log-probabilities (sample) widened to fp64, as hex
// bits, one line, then the indices, one line.
#include "cuda_emulation.h"

#include "selection.cu"

#include <cinttypes>
#include <fstream>
#include <string>
#include <vector>

namespace {

double from_bits(uint64_t b) {
    double d;
    std::memcpy(&d, &b, sizeof d);
    return d;
}

uint64_t to_bits(double d) {
    uint64_t b;
    std::memcpy(&b, &d, sizeof b);
    return b;
}

template <typename T> std::vector<T> read_values(std::istream& in, size_t count) {
    std::vector<T> v(count ? count : 1);
    for (size_t i = 0; i < count; i++) {
        std::string hex;
        in >> hex;
        v[i] = T(from_bits(std::stoull(hex, nullptr, 16)));
    }
    return v;
}

template <typename T> void print_values(const std::vector<T>& v, size_t count) {
    for (size_t i = 0; i < count; i++) {
        std::printf("%s%" PRIx64, i ? " " : "", to_bits(double(v[i])));
    }
    std::printf("\n");
}

void print_indices(const std::vector<int>& v, size_t count) {
    for (size_t i = 0; i < count; i++) {
        std::printf("%s%d", i ? " " : "", v[i]);
    }
    std::printf("\n");
}

template <typename T> void top_k(std::istream& in, void (*fn)(const T*, T*, int*, long long, long long, long long, long long)) {
    long long outer, n, inner, k;
    unsigned grid;
    in >> outer >> n >> inner >> k >> grid;
    std::vector<T> x = read_values<T>(in, size_t(outer * n * inner));
    const size_t out = size_t(outer * k * inner);
    std::vector<T> values(out + 1, T(-4242.5));
    std::vector<int> indices(out + 1, -7);
    emu::launch(fn, dim3{grid}, dim3{unsigned(sme::kSelectionBlock)}, 0, (const T*)x.data(), values.data(),
                indices.data(), outer, n, inner, k);
    print_values(values, out);
    print_indices(indices, out);
}

template <typename T>
void sample(std::istream& in, void (*fn)(const T*, int*, T*, int, long long, long long, double, long long, double, double,
                                         unsigned long long)) {
    long long rows, n, top_k;
    std::string t, p, m;
    unsigned long long seed;
    int log_probs;
    unsigned grid;
    in >> rows >> n >> t >> top_k >> p >> m >> seed >> log_probs >> grid;
    std::vector<T> x = read_values<T>(in, size_t(rows * n));
    std::vector<T> lp(size_t(rows) + 1, T(-4242.5));
    std::vector<int> indices(size_t(rows) + 1, -7);
    emu::launch(fn, dim3{grid}, dim3{unsigned(sme::kSelectionBlock)}, 0, (const T*)x.data(), indices.data(), lp.data(),
                log_probs, rows, n, from_bits(std::stoull(t, nullptr, 16)), top_k, from_bits(std::stoull(p, nullptr, 16)),
                from_bits(std::stoull(m, nullptr, 16)), seed);
    print_values(lp, size_t(rows));
    print_indices(indices, size_t(rows));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: selection_emulation_test REQUESTS\n");
        return 2;
    }
    std::ifstream in(argv[1]);
    std::string op, dtype;
    while (in >> op >> dtype) {
        if (dtype != "f32" && dtype != "f64" && dtype != "bf16" && dtype != "f16") {
            std::fprintf(stderr, "unknown dtype '%s'\n", dtype.c_str());
            return 2;
        }
        if (op == "top_k") {
            dtype == "f64"    ? top_k<double>(in, top_k_f64)
            : dtype == "bf16" ? top_k<__nv_bfloat16>(in, top_k_bf16)
            : dtype == "f16"  ? top_k<__half>(in, top_k_f16)
                              : top_k<float>(in, top_k_f32);
        } else if (op == "sample") {
            dtype == "f64"    ? sample<double>(in, sample_f64)
            : dtype == "bf16" ? sample<__nv_bfloat16>(in, sample_bf16)
            : dtype == "f16"  ? sample<__half>(in, sample_f16)
                              : sample<float>(in, sample_f32);
        } else {
            std::fprintf(stderr, "unknown request '%s'\n", op.c_str());
            return 2;
        }
    }
    return 0;
}

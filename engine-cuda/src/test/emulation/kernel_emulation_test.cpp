// Checks every CUDA entry point of kernels/src/main/cuda against an fp64 port of
// ScalarSoftmaxKernel (the contract's oracle), on the host through cuda_emulation.h, with the
// error bounds CudaSoftmaxKernel.tolerance promises. Adversarial slices (NaN, +-inf, all -inf,
// ties, values near the type's maximum), ragged lengths, several rows per warp, grid-stride
// tails, in-place calls. Two modes, exit status 0 when all pass:
//   kernel_emulation_test SEED TOLS              every entry point over configurations of its own
//   kernel_emulation_test SEED TOLS PLANS_FILE   the launches LaunchPlan chose
// TOLS and PLANS_FILE are written by KernelEmulationTest (the bounds of CudaSoftmaxKernel).
#include "cuda_emulation.h"

#include "sigmoid_elementwise.cu"
#include "softmax_block_smem.cu"
#include "softmax_online_two_pass.cu"
#include "softmax_strided.cu"
#include "softmax_warp_per_row.cu"

#include <cinttypes>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Elementwise ops in the plan files, next to the row op codes of common.cuh.
constexpr int kSigmoid = -1;
constexpr int kLogSigmoid = -2;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* kOpNames[] = {"softmax", "log-softmax", "logsumexp", "hardmax", "argmax"};

long failures = 0;
long checks = 0;

struct Tol {
    double rtol, atol;
};

// The table of CudaSoftmaxKernel.tolerance, read from the file KernelEmulationTest writes
// ("op-code dtype-code rtol atol" per line; dtype codes as dtype_code): the Java table is the one source.
std::map<std::pair<int, int>, Tol> g_tolerances;

// 0 float, 1 double, 2 bfloat16, 3 float16: the dtype codes of the tolerance file.
template <typename T> constexpr int dtype_code();
template <> constexpr int dtype_code<float>() { return 0; }
template <> constexpr int dtype_code<double>() { return 1; }
template <> constexpr int dtype_code<__nv_bfloat16>() { return 2; }
template <> constexpr int dtype_code<__half>() { return 3; }

// What an output element is compared with: the oracle rounded once to the dtype; for the 16-bit
// dtypes the oracle itself (their bound covers the rounding of a float result), unless it rounds
// past the dtype's range, where only that infinity is right.
template <typename T> double expected(double ref) {
    const double rounded = double(T(ref));
    return sizeof(T) > 2 || std::isinf(rounded) ? rounded : ref;
}

void read_tolerances(const char* path) {
    std::ifstream in(path);
    int op;
    int dtype;
    std::string rtol;
    std::string atol;
    while (in >> op >> dtype >> rtol >> atol) {
        g_tolerances[{op, dtype}] = Tol{std::strtod(rtol.c_str(), nullptr), std::strtod(atol.c_str(), nullptr)};
    }
    if (g_tolerances.empty()) {
        std::fprintf(stderr, "no tolerances read from %s\n", path);
        std::exit(2);
    }
}

Tol tolerance(int op, int dtype) {
    const auto it = g_tolerances.find({op, dtype});
    if (it == g_tolerances.end()) {
        std::fprintf(stderr, "no tolerance for op %d dtype %d\n", op, dtype);
        std::exit(2);
    }
    return it->second;
}

bool accepts(Tol t, double actual, double ref) {
    if (std::isnan(ref) || std::isinf(ref)) {
        return (std::isnan(ref) && std::isnan(actual)) || actual == ref;
    }
    return std::fabs(actual - ref) <= t.atol + t.rtol * std::fabs(ref);
}

// --- the oracle: ScalarSoftmaxKernel in C++ ---------------------------------------------------

double scaled(double x, double max, double inv_t) {
    double d = x - max;
    return std::isinf(d) && !std::isinf(x) ? x * inv_t - max * inv_t : d * inv_t;
}

double sigmoid_ref(double x) {
    return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
}

double log_sigmoid_ref(double x) {
    return x != x ? kNaN : std::min(x, 0.0) - std::log1p(std::exp(-std::fabs(x)));
}

// Neumaier's compensated sum, as the Java oracle's: its own error is about one rounding, so the
// kernels' bounds need not absorb the reference's drift over long rows.
struct Sum {
    double sum = 0;
    double c = 0;
    void add(double x) {
        const double t = sum + x;
        c += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
    }
    double value() const { return sum + c; }
};

template <typename T>
void reference(int op, const std::vector<T>& x, long outer, long n, long inner, double inv_t, std::vector<double>& out,
               std::vector<int>& idx) {
    if (op < 0) {
        out.resize(x.size());
        for (size_t k = 0; k < x.size(); ++k) {
            out[k] = op == kSigmoid ? sigmoid_ref(double(x[k])) : log_sigmoid_ref(double(x[k]));
        }
        return;
    }
    out.assign(op == sme::LOGSUMEXP ? outer * inner : outer * n * inner, kNaN);
    idx.assign(outer * inner, -1);
    for (long o = 0; o < outer; ++o) {
        for (long i = 0; i < inner; ++i) {
            const long base = o * n * inner + i;
            auto at = [&](long k) { return double(x[base + k * inner]); };
            if (op == sme::HARDMAX || op == sme::ARGMAX) {
                long best = 0;
                double bv = -kInf;
                for (long k = 0; k < n; ++k) {
                    double v = at(k);
                    if (v != v) {
                        best = k;
                        break;
                    }
                    if (k == 0 || v > bv) {
                        best = k;
                        bv = v;
                    }
                }
                if (op == sme::ARGMAX) {
                    idx[o * inner + i] = int(best);
                } else {
                    for (long k = 0; k < n; ++k) {
                        out[base + k * inner] = k == best ? 1.0 : 0.0;
                    }
                }
                continue;
            }
            double max = -kInf;
            bool nan = false;
            for (long k = 0; k < n; ++k) {
                double v = at(k);
                if (v > max) {
                    max = v;
                } else if (v != v) {
                    nan = true;
                }
            }
            if (op == sme::LOGSUMEXP) {
                double r;
                if (nan) {
                    r = kNaN;
                } else if (std::isinf(max)) {
                    r = max;
                } else {
                    Sum s;
                    for (long k = 0; k < n; ++k) {
                        s.add(std::exp(at(k) - max));
                    }
                    r = max + std::log(s.value());
                }
                out[o * inner + i] = r;
                continue;
            }
            if (n > 0 && (nan || std::isinf(max))) {
                for (long k = 0; k < n; ++k) {
                    out[base + k * inner] = kNaN;
                }
                continue;
            }
            Sum terms;
            for (long k = 0; k < n; ++k) {
                terms.add(std::exp(scaled(at(k), max, inv_t)));
            }
            const double s = terms.value();
            for (long k = 0; k < n; ++k) {
                double z = scaled(at(k), max, inv_t);
                out[base + k * inner] = op == sme::LOG_SOFTMAX ? z - std::log(s) : std::exp(z) / s;
            }
        }
    }
}

// --- inputs ----------------------------------------------------------------------------------

template <typename T>
std::vector<T> make_input(std::mt19937_64& rng, long outer, long n, long inner) {
    std::vector<T> x(outer * n * inner);
    std::normal_distribution<double> normal(0.0, 3.0);
    std::uniform_int_distribution<int> kind_of(0, 11);
    std::uniform_int_distribution<long> pos(0, n > 0 ? n - 1 : 0);
    const double big = 0.9 * double(std::numeric_limits<T>::max());
    for (long o = 0; o < outer; ++o) {
        for (long i = 0; i < inner; ++i) {
            auto at = [&](long k) -> T& { return x[(o * n + k) * inner + i]; };
            const int kind = kind_of(rng);
            for (long k = 0; k < n; ++k) {
                double v = normal(rng);
                switch (kind) {
                    case 5: v = -kInf; break;                                   // all -inf
                    case 6: v = (k % 2) ? -kInf : v; break;                     // half -inf
                    case 7: v = double(long(std::fabs(v)) % 3); break;          // many ties
                    case 8: v = (v > 0 ? big : -big) * std::fabs(v) / 10; break; // near the maximum
                    default: break;
                }
                at(k) = T(v);
            }
            if (n == 0) {
                continue;
            }
            if (kind == 2) {
                at(pos(rng)) = T(kNaN);
            } else if (kind == 3) {
                at(pos(rng)) = T(kInf);
            } else if (kind == 4) {
                at(pos(rng)) = T(kInf);
                at(pos(rng)) = T(kNaN);
            } else if (kind == 9) {
                at(n - 1) = T(kNaN);  // a NaN after the maximum still wins argmax
            }
        }
    }
    return x;
}

// --- comparison -------------------------------------------------------------------------------

template <typename T>
void compare(const std::string& what, int op, const std::vector<T>& in, long outer, long n, long inner, double inv_t,
             const std::vector<T>& out, const std::vector<int>& idx) {
    std::vector<double> ref;
    std::vector<int> ref_idx;
    reference(op, in, outer, n, inner, inv_t, ref, ref_idx);
    const Tol t = tolerance(op, dtype_code<T>());
    long bad = 0;
    if (op == sme::ARGMAX) {
        for (size_t j = 0; j < ref_idx.size(); ++j) {
            ++checks;
            if (idx[j] != ref_idx[j] && bad++ < 3) {
                std::printf("FAIL %s argmax [%zu]: got %d, want %d\n", what.c_str(), j, idx[j], ref_idx[j]);
            }
        }
    } else {
        for (size_t j = 0; j < ref.size(); ++j) {
            ++checks;
            const double want = expected<T>(ref[j]);
            if (!accepts(t, double(out[j]), want) && bad++ < 3) {
                std::printf("FAIL %s %s [%zu]: got %.17g, want %.17g (rtol %g, atol %g)\n", what.c_str(),
                            op < 0 ? (op == kSigmoid ? "sigmoid" : "log-sigmoid") : kOpNames[op], j, double(out[j]),
                            want, t.rtol, t.atol);
            }
        }
    }
    failures += bad;
}

template <typename T> T sentinel() {
    return T(12345.5);
}

// Runs `run(in, out, idx)` for op, out of place and (shape-preserving ops) in place.
template <typename T, typename Run>
void check_op(const std::string& what, int op, std::mt19937_64& rng, long outer, long n, long inner, double inv_t,
              Run run) {
    std::vector<T> in = make_input<T>(rng, outer, n, inner);
    const long out_size = op == sme::LOGSUMEXP ? outer * inner : op == sme::ARGMAX ? 0 : outer * n * inner;
    std::vector<T> out(out_size, sentinel<T>());
    std::vector<int> idx(outer * inner, -7);
    run(in.data(), out.data(), idx.data());
    compare(what, op, in, outer, n, inner, inv_t, out, idx);
    if (op == sme::SOFTMAX || op == sme::LOG_SOFTMAX || op == sme::HARDMAX || op < 0) {
        std::vector<T> io = in;
        run(io.data(), io.data(), idx.data());
        compare(what + " in place", op, in, outer, n, inner, inv_t, io, idx);
    }
}

double inv_t_for(int op, std::mt19937_64& rng) {
    if (op == sme::LOGSUMEXP || op == sme::HARDMAX || op == sme::ARGMAX) {
        return 1.0;
    }
    const double temps[] = {1.0, 0.7, 2.5};
    return 1.0 / temps[rng() % 3];
}

// --- strategies -------------------------------------------------------------------------------

template <typename T> using WarpFn = void (*)(int, const T*, T*, int*, long long, int, sme::Real<T>);

template <typename T> struct WarpEntry {
    int vec, packs, width;
    WarpFn<T> fn;
};

#define E(T, TN, V, P, W) WarpEntry<T>{V, P, W, softmax_warp_##TN##_v##V##_p##P##_w##W}
#define NARROW(T, TN, V) E(T, TN, V, 1, 1), E(T, TN, V, 1, 2), E(T, TN, V, 1, 4), E(T, TN, V, 1, 8), \
                         E(T, TN, V, 1, 16), E(T, TN, V, 1, 32)

const WarpEntry<float> kWarpF32[] = {
    NARROW(float, f32, 1), E(float, f32, 1, 2, 32), E(float, f32, 1, 4, 32), E(float, f32, 1, 8, 32),
    E(float, f32, 1, 16, 32), E(float, f32, 1, 32, 32), NARROW(float, f32, 4), E(float, f32, 4, 2, 32),
    E(float, f32, 4, 4, 32), E(float, f32, 4, 8, 32)};
const WarpEntry<double> kWarpF64[] = {
    NARROW(double, f64, 1), E(double, f64, 1, 2, 32), E(double, f64, 1, 4, 32), E(double, f64, 1, 8, 32),
    E(double, f64, 1, 16, 32), E(double, f64, 1, 32, 32), NARROW(double, f64, 2), E(double, f64, 2, 2, 32),
    E(double, f64, 2, 4, 32), E(double, f64, 2, 8, 32), E(double, f64, 2, 16, 32)};
#define HALVES(T, TN)                                                                                            \
    NARROW(T, TN, 1), E(T, TN, 1, 2, 32), E(T, TN, 1, 4, 32), E(T, TN, 1, 8, 32), E(T, TN, 1, 16, 32),         \
        E(T, TN, 1, 32, 32), NARROW(T, TN, 8), E(T, TN, 8, 2, 32), E(T, TN, 8, 4, 32)
const WarpEntry<__nv_bfloat16> kWarpBF16[] = {HALVES(__nv_bfloat16, bf16)};
const WarpEntry<__half> kWarpF16[] = {HALVES(__half, f16)};
#undef HALVES
#undef NARROW
#undef E

template <typename T, size_t N> void warp_tests(const char* tn, const WarpEntry<T> (&table)[N], std::mt19937_64& rng) {
    for (const WarpEntry<T>& e : table) {
        const int cap = e.vec * e.packs * e.width;
        const int lower = e.width < 32 ? e.vec * e.width / 2 : cap / 2;  // exclusive: the next entry down
        std::vector<int> lengths = {cap};
        int mid = (lower + cap) / 2 / e.vec * e.vec;
        if (mid > lower && mid < cap) {
            lengths.push_back(mid);
        }
        if (e.vec == 1 && e.packs == 1 && e.width == 1) {
            lengths.push_back(0);
        }
        const long rows = 2 * (128 / e.width) + 3;  // two grid-stride rounds, the second partly empty
        for (int n : lengths) {
            for (int op = 0; op < 5; ++op) {
                if (n == 0 && op != sme::LOGSUMEXP) {
                    continue;
                }
                const double inv_t = inv_t_for(op, rng);
                std::string what = std::string("warp ") + tn + " v" + std::to_string(e.vec) + " p" +
                                   std::to_string(e.packs) + " w" + std::to_string(e.width) + " n" + std::to_string(n);
                check_op<T>(what, op, rng, rows, n, 1, inv_t, [&](T* in, T* out, int* idx) {
                    emu::launch(e.fn, dim3{2}, dim3{128}, 0, op, (const T*)in, out, idx, (long long)rows, n, sme::Real<T>(inv_t));
                });
            }
        }
    }
}

template <typename T, int VEC>
void smem_tests(const char* tn, void (*fn)(int, const T*, T*, long long, int, sme::Real<T>), std::mt19937_64& rng) {
    const int lengths[] = {1028, 3000, 4100};
    for (int n : lengths) {
        if (n % VEC != 0) {
            continue;
        }
        for (int op = 0; op < 2; ++op) {
            for (unsigned threads : {128u, n == 4100 ? 1024u : 256u}) {
                const double inv_t = inv_t_for(op, rng);
                std::string what = std::string("block_smem ") + tn + " v" + std::to_string(VEC) + " n" +
                                   std::to_string(n) + " threads " + std::to_string(threads);
                check_op<T>(what, op, rng, 3, n, 1, inv_t, [&](T* in, T* out, int*) {
                    emu::launch(fn, dim3{2}, dim3{threads}, size_t(n) * sizeof(sme::Real<T>), op, (const T*)in, out, 3LL, n,
                                sme::Real<T>(inv_t));
                });
            }
        }
    }
}

template <typename T, int VEC>
void online_tests(const char* tn, void (*online)(int, const T*, T*, int*, long long, long long, sme::Real<T>),
                  void (*partial)(int, const T*, double*, long long, long long, sme::Real<T>),
                  void (*finish)(int, const T*, T*, int*, const double*, int, long long, long long, sme::Real<T>),
                  std::mt19937_64& rng) {
    // Whole packs only: the planner picks VEC > 1 only for rows of whole packs.
    const long lengths[] = {1028, 1032, 5000};
    for (long n : lengths) {
        if (n % VEC != 0) {
            continue;
        }
        for (int op = 0; op < 5; ++op) {
            const double inv_t = inv_t_for(op, rng);
            for (unsigned threads : {128u, n == 5000 ? 1024u : 256u}) {
                std::string what = std::string("online ") + tn + " v" + std::to_string(VEC) + " n" + std::to_string(n) +
                                   " threads " + std::to_string(threads);
                check_op<T>(what, op, rng, 3, n, 1, inv_t, [&](T* in, T* out, int* idx) {
                    emu::launch(online, dim3{2}, dim3{threads}, 0, op, (const T*)in, out, idx, 3LL, (long long)n,
                                sme::Real<T>(inv_t));
                });
            }
        }
    }
    const long n = 10000;
    const int splits = 3;
    const long chunk = ((n + splits - 1) / splits + VEC - 1) / VEC * VEC;
    const long rows = 2;
    for (int op = 0; op < 5; ++op) {
        const double inv_t = inv_t_for(op, rng);
        std::string what = std::string("split ") + tn + " v" + std::to_string(VEC) + " n" + std::to_string(n);
        std::vector<double> ws(2 * rows * splits, kNaN);
        check_op<T>(what, op, rng, rows, n, 1, inv_t, [&](T* in, T* out, int* idx) {
            emu::launch(partial, dim3{unsigned(splits), unsigned(rows)}, dim3{128}, 0, op, (const T*)in, ws.data(),
                        (long long)n, (long long)chunk, sme::Real<T>(inv_t));
            const unsigned fx = op == sme::LOGSUMEXP || op == sme::ARGMAX ? 1u : unsigned(splits);
            emu::launch(finish, dim3{fx, unsigned(rows)}, dim3{64}, 0, op, (const T*)in, out, idx,
                        (const double*)ws.data(), splits, (long long)n, (long long)chunk, sme::Real<T>(inv_t));
        });
    }
}

unsigned pow2_ceil(long v) {
    unsigned p = 1;
    while (p < v) {
        p <<= 1;
    }
    return p;
}

template <typename T>
void strided_tests(const char* tn, void (*fn)(int, const T*, T*, int*, long long, long long, long long, sme::Real<T>),
                   std::mt19937_64& rng) {
    const long shapes[][3] = {{3, 5, 7}, {2, 100, 33}, {4, 1, 3}, {2, 0, 3}, {1, 50, 2}, {2, 700, 40}};
    for (const auto& s : shapes) {
        const long outer = s[0], n = s[1], inner = s[2];
        for (int op = 0; op < 5; ++op) {
            if (n == 0 && op != sme::LOGSUMEXP) {
                continue;
            }
            const unsigned x = std::min(pow2_ceil(inner), 32u);
            const unsigned y = std::max(1u, std::min(pow2_ceil(n), 256u / x));
            const unsigned tiles = unsigned(outer * ((inner + x - 1) / x));
            const double inv_t = inv_t_for(op, rng);
            std::string what = std::string("strided ") + tn + " [" + std::to_string(outer) + "," + std::to_string(n) +
                               "," + std::to_string(inner) + "] block " + std::to_string(x) + "x" + std::to_string(y);
            check_op<T>(what, op, rng, outer, n, inner, inv_t, [&](T* in, T* out, int* idx) {
                emu::launch(fn, dim3{std::min(tiles, 3u)}, dim3{x, y}, 0, op, (const T*)in, out, idx,
                            (long long)outer, (long long)n, (long long)inner, sme::Real<T>(inv_t));
            });
        }
    }
}

template <typename T>
void sigmoid_tests(const char* tn, int vec, void (*fn)(int, const T*, T*, long long), std::mt19937_64& rng) {
    const double special[] = {0.0, -0.0, 1e-3, -1e-3, 20, -20, 100, -100, 800, -800, kInf, -kInf, kNaN};
    std::normal_distribution<double> normal(0.0, 8.0);
    for (long count : {0L, 1L, 3L, 1001L}) {
        std::vector<T> in(count);
        for (long k = 0; k < count; ++k) {
            in[k] = T(k < 13 ? special[k] : normal(rng));
        }
        for (int log = 0; log < 2; ++log) {
            std::vector<T> out(count, sentinel<T>());
            emu::launch(fn, dim3{2}, dim3{64}, 0, log, (const T*)in.data(), out.data(), (long long)count);
            for (long k = 0; k < count; ++k) {
                ++checks;
                const double x = double(in[k]);
                const double want = expected<T>(log ? log_sigmoid_ref(x) : sigmoid_ref(x));
                if (!accepts(tolerance(kSigmoid, dtype_code<T>()), double(out[k]), want) && failures++ < 20) {
                    std::printf("FAIL sigmoid %s v%d log=%d x=%.17g: got %.17g, want %.17g\n", tn, vec, log, x,
                                double(out[k]), want);
                }
            }
        }
    }
}

// --- plans: the launches LaunchPlan chose -------------------------------------------------------

struct PlannedLaunch {
    std::string function;
    unsigned gx, gy, bx, by;
    size_t shared;
};

// One request and its launches, as KernelEmulationTest writes them:
//   request <f32|f64> <op> <outer> <n> <inner> <inv_t> <strategy> <splits> <chunk>
//   launch <function> <grid x> <grid y> <block x> <block y> <shared bytes>   (one or two)
//   end
struct Plan {
    std::string dt;
    int op = 0;
    long outer = 0, n = 0, inner = 0;
    double inv_t = 1;
    std::string strategy;
    int splits = 1;
    long chunk = 0;
    std::vector<PlannedLaunch> launches;
};

template <typename T> struct Operands {
    const T* in;
    T* out;
    int* idx;
    double* ws;
    const Plan* plan;
};

// The arguments CudaSoftmaxKernel.parameters passes, by entry point.
template <typename T> using Invoker = std::function<void(const PlannedLaunch&, const Operands<T>&)>;

template <typename T, size_t N>
std::map<std::string, Invoker<T>> invokers(const char* tn, const WarpEntry<T> (&warp)[N],
                                           void (*smem[2])(int, const T*, T*, long long, int, sme::Real<T>),
                                           void (*online[2])(int, const T*, T*, int*, long long, long long, sme::Real<T>),
                                           void (*partial[2])(int, const T*, double*, long long, long long, sme::Real<T>),
                                           void (*finish[2])(int, const T*, T*, int*, const double*, int, long long,
                                                             long long, sme::Real<T>),
                                           void (*strided)(int, const T*, T*, int*, long long, long long, long long, sme::Real<T>),
                                           void (*sigmoid[2])(int, const T*, T*, long long), int wide) {
    std::map<std::string, Invoker<T>> m;
    auto grid = [](const PlannedLaunch& l) { return dim3{l.gx, l.gy}; };
    auto block = [](const PlannedLaunch& l) { return dim3{l.bx, l.by}; };
    for (const WarpEntry<T>& e : warp) {
        const std::string name = std::string("softmax_warp_") + tn + "_v" + std::to_string(e.vec) + "_p" +
                                 std::to_string(e.packs) + "_w" + std::to_string(e.width);
        auto fn = e.fn;
        m[name] = [=](const PlannedLaunch& l, const Operands<T>& a) {
            emu::launch(fn, grid(l), block(l), l.shared, a.plan->op, a.in, a.out, a.idx, (long long)a.plan->outer,
                        int(a.plan->n), sme::Real<T>(a.plan->inv_t));
        };
    }
    for (int v = 0; v < 2; ++v) {
        const std::string suffix = std::string(tn) + "_v" + std::to_string(v == 0 ? 1 : wide);
        auto s = smem[v];
        m["softmax_block_smem_" + suffix] = [=](const PlannedLaunch& l, const Operands<T>& a) {
            emu::launch(s, grid(l), block(l), l.shared, a.plan->op, a.in, a.out, (long long)a.plan->outer, int(a.plan->n),
                        sme::Real<T>(a.plan->inv_t));
        };
        auto o = online[v];
        m["softmax_online_" + suffix] = [=](const PlannedLaunch& l, const Operands<T>& a) {
            emu::launch(o, grid(l), block(l), l.shared, a.plan->op, a.in, a.out, a.idx, (long long)a.plan->outer,
                        (long long)a.plan->n, sme::Real<T>(a.plan->inv_t));
        };
        auto p = partial[v];
        m["softmax_split_partial_" + suffix] = [=](const PlannedLaunch& l, const Operands<T>& a) {
            emu::launch(p, grid(l), block(l), l.shared, a.plan->op, a.in, a.ws, (long long)a.plan->n,
                        (long long)a.plan->chunk, sme::Real<T>(a.plan->inv_t));
        };
        auto f = finish[v];
        m["softmax_split_finish_" + suffix] = [=](const PlannedLaunch& l, const Operands<T>& a) {
            emu::launch(f, grid(l), block(l), l.shared, a.plan->op, a.in, a.out, a.idx, (const double*)a.ws,
                        a.plan->splits, (long long)a.plan->n, (long long)a.plan->chunk, sme::Real<T>(a.plan->inv_t));
        };
        auto g = sigmoid[v];
        m["sigmoid_" + suffix] = [=](const PlannedLaunch& l, const Operands<T>& a) {
            emu::launch(g, grid(l), block(l), l.shared, a.plan->op == kLogSigmoid ? 1 : 0, a.in, a.out,
                        (long long)a.plan->n);
        };
    }
    m[std::string("softmax_strided_") + tn] = [=](const PlannedLaunch& l, const Operands<T>& a) {
        emu::launch(strided, grid(l), block(l), l.shared, a.plan->op, a.in, a.out, a.idx, (long long)a.plan->outer,
                    (long long)a.plan->n, (long long)a.plan->inner, sme::Real<T>(a.plan->inv_t));
    };
    return m;
}

template <typename T>
void run_plan(const Plan& q, const std::map<std::string, Invoker<T>>& table, std::mt19937_64& rng) {
    std::string what = "plan " + q.strategy + " " + q.dt + " (" + std::to_string(q.outer) + ", " +
                       std::to_string(q.n) + ", " + std::to_string(q.inner) + ")";
    for (const PlannedLaunch& l : q.launches) {
        if (table.find(l.function) == table.end()) {
            std::printf("FAIL %s: no entry point %s\n", what.c_str(), l.function.c_str());
            ++failures;
            return;
        }
        what += " " + l.function;
    }
    // An elementwise op is one row of all elements.
    check_op<T>(what, q.op, rng, q.outer, q.n, q.inner, q.inv_t, [&](T* in, T* out, int* idx) {
        std::vector<double> ws(size_t(2) * q.splits * q.outer, kNaN);
        const Operands<T> a{in, out, idx, ws.data(), &q};
        for (const PlannedLaunch& l : q.launches) {
            table.at(l.function)(l, a);
        }
    });
}

std::vector<Plan> read_plans(const char* file) {
    std::ifstream f(file);
    if (!f) {
        std::fprintf(stderr, "cannot read %s\n", file);
        std::exit(2);
    }
    std::vector<Plan> plans;
    std::string line;
    while (std::getline(f, line)) {
        std::istringstream in(line);
        std::string kind;
        in >> kind;
        if (kind == "request") {
            Plan p;
            std::string dt;
            in >> dt >> p.op >> p.outer >> p.n >> p.inner >> p.inv_t >> p.strategy >> p.splits >> p.chunk;
            p.dt = dt;
            plans.push_back(p);
        } else if (kind == "launch") {
            PlannedLaunch l;
            in >> l.function >> l.gx >> l.gy >> l.bx >> l.by >> l.shared;
            plans.back().launches.push_back(l);
        }
    }
    return plans;
}

}  // namespace

// The invoker table of a 16-bit dtype (entry points with packs of 1 and 8).
#define HALF_TABLE(S, TN)                                                                                          \
    void (*smem##TN[2])(int, const S*, S*, long long, int, float) = {softmax_block_smem_##TN##_v1,                 \
                                                                      softmax_block_smem_##TN##_v8};               \
    void (*online##TN[2])(int, const S*, S*, int*, long long, long long, float) = {softmax_online_##TN##_v1,       \
                                                                                    softmax_online_##TN##_v8};     \
    void (*partial##TN[2])(int, const S*, double*, long long, long long, float) = {softmax_split_partial_##TN##_v1, \
                                                                                    softmax_split_partial_##TN##_v8}; \
    void (*finish##TN[2])(int, const S*, S*, int*, const double*, int, long long, long long, float) = {             \
        softmax_split_finish_##TN##_v1, softmax_split_finish_##TN##_v8};                                           \
    void (*sigmoid##TN[2])(int, const S*, S*, long long) = {sigmoid_##TN##_v1, sigmoid_##TN##_v8};                 \
    const auto t##TN = invokers<S>(#TN, kWarp##TN##_TABLE, smem##TN, online##TN, partial##TN, finish##TN,          \
                                   softmax_strided_##TN, sigmoid##TN, 8)

#define kWarpbf16_TABLE kWarpBF16
#define kWarpf16_TABLE kWarpF16

// Every entry point of a 16-bit dtype over the configurations of its own.
template <typename S>
void half_tests(const char* tn, const WarpEntry<S> (&warp)[sizeof(kWarpBF16) / sizeof(kWarpBF16[0])],
                void (*smem[2])(int, const S*, S*, long long, int, float),
                void (*online[2])(int, const S*, S*, int*, long long, long long, float),
                void (*partial[2])(int, const S*, double*, long long, long long, float),
                void (*finish[2])(int, const S*, S*, int*, const double*, int, long long, long long, float),
                void (*strided)(int, const S*, S*, int*, long long, long long, long long, float),
                void (*sigmoid[2])(int, const S*, S*, long long), std::mt19937_64& rng) {
    warp_tests(tn, warp, rng);
    smem_tests<S, 1>(tn, smem[0], rng);
    smem_tests<S, 8>(tn, smem[1], rng);
    online_tests<S, 1>(tn, online[0], partial[0], finish[0], rng);
    online_tests<S, 8>(tn, online[1], partial[1], finish[1], rng);
    strided_tests<S>(tn, strided, rng);
    sigmoid_tests<S>(tn, 1, sigmoid[0], rng);
    sigmoid_tests<S>(tn, 8, sigmoid[1], rng);
}

int main(int argc, char** argv) {
    const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 42;
    std::printf("kernel emulation, seed %" PRIu64 "\n", seed);
    std::mt19937_64 rng(seed);
    if (argc < 3) {
        std::fprintf(stderr, "usage: kernel_emulation_test SEED TOLERANCES [PLANS]\n");
        return 2;
    }
    read_tolerances(argv[2]);
    if (argc > 3) {
        void (*smem32[2])(int, const float*, float*, long long, int, float) = {softmax_block_smem_f32_v1, softmax_block_smem_f32_v4};
        void (*online32[2])(int, const float*, float*, int*, long long, long long, float) = {softmax_online_f32_v1, softmax_online_f32_v4};
        void (*partial32[2])(int, const float*, double*, long long, long long, float) = {softmax_split_partial_f32_v1, softmax_split_partial_f32_v4};
        void (*finish32[2])(int, const float*, float*, int*, const double*, int, long long, long long, float) = {softmax_split_finish_f32_v1, softmax_split_finish_f32_v4};
        void (*sigmoid32[2])(int, const float*, float*, long long) = {sigmoid_f32_v1, sigmoid_f32_v4};
        void (*smem64[2])(int, const double*, double*, long long, int, double) = {softmax_block_smem_f64_v1, softmax_block_smem_f64_v2};
        void (*online64[2])(int, const double*, double*, int*, long long, long long, double) = {softmax_online_f64_v1, softmax_online_f64_v2};
        void (*partial64[2])(int, const double*, double*, long long, long long, double) = {softmax_split_partial_f64_v1, softmax_split_partial_f64_v2};
        void (*finish64[2])(int, const double*, double*, int*, const double*, int, long long, long long, double) = {softmax_split_finish_f64_v1, softmax_split_finish_f64_v2};
        void (*sigmoid64[2])(int, const double*, double*, long long) = {sigmoid_f64_v1, sigmoid_f64_v2};
        const auto t32 = invokers<float>("f32", kWarpF32, smem32, online32, partial32, finish32, softmax_strided_f32, sigmoid32, 4);
        const auto t64 = invokers<double>("f64", kWarpF64, smem64, online64, partial64, finish64, softmax_strided_f64, sigmoid64, 2);
        HALF_TABLE(__nv_bfloat16, bf16);
        HALF_TABLE(__half, f16);
        const std::vector<Plan> plans = read_plans(argv[3]);
        for (const Plan& p : plans) {
            if (p.dt == "f64") {
                run_plan<double>(p, t64, rng);
            } else if (p.dt == "bf16") {
                run_plan<__nv_bfloat16>(p, tbf16, rng);
            } else if (p.dt == "f16") {
                run_plan<__half>(p, tf16, rng);
            } else {
                run_plan<float>(p, t32, rng);
            }
        }
        std::printf("%zu plans, %ld checks, %ld failures\n", plans.size(), checks, failures);
        return failures == 0 && !plans.empty() ? 0 : 1;
    }
    warp_tests("f32", kWarpF32, rng);
    warp_tests("f64", kWarpF64, rng);
    smem_tests<float, 1>("f32", softmax_block_smem_f32_v1, rng);
    smem_tests<float, 4>("f32", softmax_block_smem_f32_v4, rng);
    smem_tests<double, 1>("f64", softmax_block_smem_f64_v1, rng);
    smem_tests<double, 2>("f64", softmax_block_smem_f64_v2, rng);
    online_tests<float, 1>("f32", softmax_online_f32_v1, softmax_split_partial_f32_v1, softmax_split_finish_f32_v1, rng);
    online_tests<float, 4>("f32", softmax_online_f32_v4, softmax_split_partial_f32_v4, softmax_split_finish_f32_v4, rng);
    online_tests<double, 1>("f64", softmax_online_f64_v1, softmax_split_partial_f64_v1, softmax_split_finish_f64_v1, rng);
    online_tests<double, 2>("f64", softmax_online_f64_v2, softmax_split_partial_f64_v2, softmax_split_finish_f64_v2, rng);
    strided_tests<float>("f32", softmax_strided_f32, rng);
    strided_tests<double>("f64", softmax_strided_f64, rng);
    sigmoid_tests<float>("f32", 1, sigmoid_f32_v1, rng);
    sigmoid_tests<float>("f32", 4, sigmoid_f32_v4, rng);
    sigmoid_tests<double>("f64", 1, sigmoid_f64_v1, rng);
    sigmoid_tests<double>("f64", 2, sigmoid_f64_v2, rng);
    {
        HALF_TABLE(__nv_bfloat16, bf16);
        HALF_TABLE(__half, f16);
        (void)tbf16;
        (void)tf16;
        half_tests<__nv_bfloat16>("bf16", kWarpBF16, smembf16, onlinebf16, partialbf16, finishbf16, softmax_strided_bf16,
                                  sigmoidbf16, rng);
        half_tests<__half>("f16", kWarpF16, smemf16, onlinef16, partialf16, finishf16, softmax_strided_f16, sigmoidf16,
                           rng);
    }
    std::printf("%ld checks, %ld failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}

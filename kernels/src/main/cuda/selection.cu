// Top-k and sample, one thread per slice (grid-stride), following the rules of the Java class
// dev.softmaxengine.api.spi.Selection so every backend keeps the same entries and draws the same
// index: entries ordered by key (below), ties to the lower index; no sort of the row, only
// bisections over the keys (at most 64 counting passes) and a heap sort of the k kept entries.
// The same algorithm as the OpenCL selection.cl. Not tuned for speed: a slice is one thread's loop.
//
// Error: sample's probabilities and sums are fp64 for every dtype (exp / log within 1 ulp), so its
// draws match the oracle's but where a uniform falls within rounding of a boundary.
//
// Storage S: float, double, or the 16-bit __nv_bfloat16 / __half, which are widened exactly
// (widened), so they rank and draw as their float32 widening does. Top-k copies elements of S, the
// 16-bit bits included; sample rounds its fp64 log-probability once into S (from_double).
#include "common.cuh"

#include <stdint.h>
#include <string.h>

namespace sme {

constexpr int kSelectionBlock = 256;
// Selection.SLACK: a top-p or min-p boundary within this relative distance counts as reached.
constexpr double kSlack = 1e-12;

// An integer that orders values as the ops do: -0.0 equal to 0.0, NaN above +inf.
__device__ __forceinline__ long long key_of(double x) {
    if (x != x) {
        return LLONG_MAX;
    }
    if (x == 0) {
        x = 0;
    }
    long long b;
    memcpy(&b, &x, sizeof b);
    return b ^ ((b >> 63) & LLONG_MAX);
}

// An element of storage S as a double, exactly.
template <typename S> __device__ __forceinline__ double widened(S v) {
    return double(Store<S>::load(v));
}

// v rounded once to S, to nearest even (the 16-bit ones straight from double, not through float).
template <typename S> __device__ __forceinline__ S from_double(double v) {
    return S(v);
}
template <> __device__ __forceinline__ __nv_bfloat16 from_double<__nv_bfloat16>(double v) {
    return __double2bfloat16(v);
}
template <> __device__ __forceinline__ __half from_double<__half>(double v) {
    return __double2half(v);
}

template <typename T> __device__ __forceinline__ long long key_at(const T* x, long long k, long long stride) {
    return key_of(widened(x[k * stride]));
}

template <typename T>
__device__ __forceinline__ void key_range(const T* x, long long n, long long stride, long long* lo, long long* hi) {
    *lo = LLONG_MAX;
    *hi = LLONG_MIN;
    for (long long k = 0; k < n; k++) {
        const long long key = key_at(x, k, stride);
        *lo = key < *lo ? key : *lo;
        *hi = key > *hi ? key : *hi;
    }
}

// The midpoint of lo < hi rounded up, without overflow (the difference is taken as unsigned).
__device__ __forceinline__ long long upper_mid(long long lo, long long hi) {
    return lo + (long long)(((unsigned long long)hi - (unsigned long long)lo) >> 1) + 1;
}

// The largest key t with at least `count` entries of key >= t: the count-th largest key.
template <typename T> __device__ long long kth_key(const T* x, long long n, long long stride, long long count) {
    long long lo, hi;
    key_range(x, n, stride, &lo, &hi);
    while (lo < hi) {
        const long long mid = upper_mid(lo, hi);
        long long c = 0;
        for (long long k = 0; k < n; k++) {
            c += key_at(x, k, stride) >= mid;
        }
        if (c >= count) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return lo;
}

// Whether (ka, ia) ranks below (kb, ib): a lower key, or the same key at a higher index.
__device__ __forceinline__ bool worse(long long ka, int ia, long long kb, int ib) {
    return ka < kb || (ka == kb && ia > ib);
}

template <typename T> __device__ __forceinline__ void swap_entries(T* v, int* idx, long long inner, long long a, long long b) {
    const T tv = v[a * inner];
    v[a * inner] = v[b * inner];
    v[b * inner] = tv;
    const int ti = idx[a * inner];
    idx[a * inner] = idx[b * inner];
    idx[b * inner] = ti;
}

// Restores the heap (every parent worse than its children) below c, in the first `size` entries.
template <typename T> __device__ void sift_down(T* v, int* idx, long long inner, long long c, long long size) {
    while (true) {
        const long long l = 2 * c + 1;
        if (l >= size) {
            return;
        }
        long long m = l;
        if (l + 1 < size && worse(key_at(v, l + 1, inner), idx[(l + 1) * inner], key_at(v, l, inner), idx[l * inner])) {
            m = l + 1;
        }
        if (!worse(key_at(v, m, inner), idx[m * inner], key_at(v, c, inner), idx[c * inner])) {
            return;
        }
        swap_entries(v, idx, inner, m, c);
        c = m;
    }
}

template <typename T>
__device__ void top_k_slices(const T* in, T* values, int* indices, long long outer, long long n, long long inner,
                             long long k) {
    for (long long s = (long long)blockIdx.x * blockDim.x + threadIdx.x; s < outer * inner;
         s += (long long)gridDim.x * blockDim.x) {
        const long long o = s / inner;
        const long long i = s - o * inner;
        const T* x = in + o * n * inner + i;
        T* v = values + o * k * inner + i;
        int* idx = indices + o * k * inner + i;
        const long long t = kth_key(x, n, inner, k);
        long long above = 0;
        for (long long j = 0; j < n; j++) {
            above += key_at(x, j, inner) > t;
        }
        // The kept entries in index order: every key above t, and the first k - above equal to it.
        long long ties = k - above;
        long long w = 0;
        for (long long j = 0; j < n && w < k; j++) {
            const long long key = key_at(x, j, inner);
            if (key > t || (key == t && ties-- > 0)) {
                v[w * inner] = x[j * inner];
                idx[w * inner] = int(j);
                w++;
            }
        }
        // Heap sort, best first: a heap whose root is the worst, moved to the end one at a time.
        for (long long c = k / 2 - 1; c >= 0; c--) {
            sift_down(v, idx, inner, c, k);
        }
        for (long long end = k - 1; end > 0; end--) {
            swap_entries(v, idx, inner, 0, end);
            sift_down(v, idx, inner, 0, end);
        }
    }
}

// Philox4x32-10 (Salmon et al. 2011) at counter (row, 0) under key seed: Philox.uniform(seed, row).
__device__ __forceinline__ double philox_uniform(unsigned long long seed, unsigned long long row) {
    uint32_t c0 = uint32_t(row), c1 = uint32_t(row >> 32), c2 = 0, c3 = 0;
    uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
    for (int round = 0; round < 10; round++) {
        const uint64_t p0 = uint64_t(0xD2511F53u) * c0;
        const uint64_t p1 = uint64_t(0xCD9E8D57u) * c2;
        const uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0;
        const uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
        c1 = uint32_t(p1);
        c3 = uint32_t(p0);
        c0 = n0;
        c2 = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return double((uint64_t(c0) << 21) | (c1 >> 11)) * 0x1p-53;
}

// A candidate set: keys above t, and the first `ties` entries of key t in index order; *seen
// counts the ties a walk has passed.
__device__ __forceinline__ bool in_set(long long key, long long t, long long ties, long long* seen) {
    return key > t || (key == t && (*seen)++ < ties);
}

template <typename T>
__device__ void sample_rows(const T* in, int* indices, T* log_probs, int with_log_probs, long long rows, long long n,
                            double temperature, long long top_k, double top_p, double min_p,
                            unsigned long long seed) {
    for (long long row = (long long)blockIdx.x * blockDim.x + threadIdx.x; row < rows;
         row += (long long)gridDim.x * blockDim.x) {
        const T* x = in + row * n;
        double top = -INFINITY;
        long long argmax = 0;
        bool nan = false;
        for (long long k = 0; k < n; k++) {
            const double v = widened(x[k]);
            nan |= v != v;
            if (v > top) {
                top = v;
                argmax = k;
            }
        }
        int drawn = -1;
        double lp = NAN;
        if (!nan && temperature == 0) {
            drawn = int(argmax);
            lp = 0;
        } else if (!nan && !isinf(top)) {
            const double t = temperature;
            // The top-k set (every entry without top-k) and its mass.
            long long tk = LLONG_MIN;
            long long ties_k = LLONG_MAX;
            if (top_k > 0 && top_k < n) {
                tk = kth_key(x, n, 1, top_k);
                long long above = 0;
                for (long long k = 0; k < n; k++) {
                    above += key_at(x, k, 1) > tk;
                }
                ties_k = top_k - above;
            }
            const double least = min_p * (1 - kSlack);
            double mass_k = 0;
            double mass_least = 0;
            long long seen = 0;
            for (long long k = 0; k < n; k++) {
                if (in_set(key_at(x, k, 1), tk, ties_k, &seen)) {
                    const double p = exp((widened(x[k]) - top) / t);
                    mass_k += p;
                    mass_least += p >= least ? p : 0;
                }
            }
            const double target = (top_p - kSlack) * mass_k;
            // The kept set: (tf, ties_f) for a top-p prefix; else the top-k set's entries with p >= least.
            long long tf = LLONG_MIN;
            long long ties_f = LLONG_MAX;
            const bool by_min_p = !(top_p < 1 && mass_least >= target);
            if (!by_min_p) {
                long long lo, hi;
                key_range(x, n, 1, &lo, &hi);
                while (lo < hi) {
                    const long long mid = upper_mid(lo, hi);
                    double m = 0;
                    seen = 0;
                    for (long long k = 0; k < n; k++) {
                        const long long key = key_at(x, k, 1);
                        if (in_set(key, tk, ties_k, &seen) && key >= mid) {
                            m += exp((widened(x[k]) - top) / t);
                        }
                    }
                    if (m >= target) {
                        lo = mid;
                    } else {
                        hi = mid - 1;
                    }
                }
                tf = lo;
                double cum = 0;
                seen = 0;
                for (long long k = 0; k < n; k++) {
                    const long long key = key_at(x, k, 1);
                    if (in_set(key, tk, ties_k, &seen) && key > tf) {
                        cum += exp((widened(x[k]) - top) / t);
                    }
                }
                ties_f = 0;
                seen = 0;
                for (long long k = 0; k < n && cum < target; k++) {
                    const long long key = key_at(x, k, 1);
                    if (in_set(key, tk, ties_k, &seen) && key == tf) {
                        cum += exp((widened(x[k]) - top) / t);
                        ties_f++;
                    }
                }
                ties_f = ties_f > 0 ? ties_f : 1;
            }
            // Its mass (Kahan-compensated, so the log-probability is exact to a few ulp at any
            // length), then the draw: the first kept index whose running sum passes u * mass.
            double mass = 0;
            double comp = 0;
            long long seen_k = 0;
            long long seen_f = 0;
            for (long long k = 0; k < n; k++) {
                const long long key = key_at(x, k, 1);
                if (!in_set(key, tk, ties_k, &seen_k)) {
                    continue;
                }
                const double p = exp((widened(x[k]) - top) / t);
                if (by_min_p ? p >= least : in_set(key, tf, ties_f, &seen_f)) {
                    const double y = p - comp;
                    const double s = mass + y;
                    comp = (s - mass) - y;
                    mass = s;
                }
            }
            const double threshold = philox_uniform(seed, (unsigned long long)row) * mass;
            double run = 0;
            seen_k = 0;
            seen_f = 0;
            for (long long k = 0; k < n; k++) {
                const long long key = key_at(x, k, 1);
                if (!in_set(key, tk, ties_k, &seen_k)) {
                    continue;
                }
                const double p = exp((widened(x[k]) - top) / t);
                if ((by_min_p ? p >= least : in_set(key, tf, ties_f, &seen_f)) && p > 0) {
                    run += p;
                    drawn = int(k);
                    if (run > threshold) {
                        break;
                    }
                }
            }
            lp = (widened(x[drawn]) - top) / t - log(mass);
        }
        indices[row] = drawn;
        if (with_log_probs) {
            log_probs[row] = from_double<T>(lp);
        }
    }
}

}  // namespace sme

#define SME_SELECTION(T, TN)                                                                                    \
    extern "C" __global__ void __launch_bounds__(sme::kSelectionBlock) top_k_##TN(                             \
        const T* in, T* values, int* indices, long long outer, long long n, long long inner, long long k) {      \
        sme::top_k_slices<T>(in, values, indices, outer, n, inner, k);                                          \
    }                                                                                                           \
    extern "C" __global__ void __launch_bounds__(sme::kSelectionBlock) sample_##TN(                            \
        const T* in, int* indices, T* log_probs, int with_log_probs, long long rows, long long n,              \
        double temperature, long long top_k, double top_p, double min_p, unsigned long long seed) {            \
        sme::sample_rows<T>(in, indices, log_probs, with_log_probs, rows, n, temperature, top_k, top_p, min_p,  \
                            seed);                                                                              \
    }

SME_SELECTION(float, f32)
SME_SELECTION(double, f64)
SME_SELECTION(__nv_bfloat16, bf16)
SME_SELECTION(__half, f16)

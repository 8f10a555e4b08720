// Any op over a non-last axis (inner > 1): element (o, k, i) sits at (o * n + k) * inner + i.
// Block (X, Y): the X threads of a row of the block take X consecutive inner indices, so each
// load of a k is coalesced; the Y rows split the axis (k = y, y + Y, ...) and are combined
// through shared memory. Same passes as the online kernels: one read for the reductions, a second
// read and the write for softmax / log-softmax / hardmax.
//
// Error: per-thread partial sums in fp64 (for fp32 data too), then a tree over Y.
#include "common.cuh"

namespace sme {

constexpr int kStridedBlock = 256;

template <typename T, typename S>
__device__ __forceinline__ void strided_slices(int op, const S* in, S* out, int* idx, long long outer, long long n,
                                               long long inner, T inv_t) {
    // Partial results of the Y threads of each column, combined by a tree over y (Y is a power of two).
    __shared__ double part_a[kStridedBlock];
    __shared__ double part_b[kStridedBlock];
    const int X = blockDim.x;
    const int Y = blockDim.y;
    const int tx = threadIdx.x;
    const int ty = threadIdx.y;
    const int slot = ty * X + tx;
    const long long tiles = (inner + X - 1) / X;
    for (long long t = blockIdx.x; t < outer * tiles; t += gridDim.x) {
        const long long o = t / tiles;
        const long long i = (t % tiles) * X + tx;
        const bool live = i < inner;
        const S* x = in + o * n * inner + i;
        S* y = out + o * n * inner + i;
        if (op == HARDMAX || op == ARGMAX) {
            ArgBest<T, long long> best = arg_identity<T, long long>();
            if (live) {
                for (long long k = ty; k < n; k += Y) {
                    const T v = load_one(x + k * inner);
                    if (arg_better(v, k, best)) {
                        best = ArgBest<T, long long>{v, k};
                    }
                }
            }
            part_a[slot] = double(best.v);
            part_b[slot] = double(best.i);
            __syncthreads();
            for (int h = Y / 2; h > 0; h >>= 1) {
                if (ty < h) {
                    const int other = slot + h * X;
                    const ArgBest<T, long long> b = {T(part_a[other]), (long long)part_b[other]};
                    best = arg_combine(best, b);
                    part_a[slot] = double(best.v);
                    part_b[slot] = double(best.i);
                }
                __syncthreads();
            }
            const long long k_best = (long long)part_b[tx];
            if (live) {
                if (op == ARGMAX) {
                    if (ty == 0) {
                        idx[o * inner + i] = int(k_best);
                    }
                } else {
                    for (long long k = ty; k < n; k += Y) {
                        store_one(y + k * inner, k == k_best ? T(1) : T(0));
                    }
                }
            }
            __syncthreads();  // part_* is rewritten by the next tile
            continue;
        }
        MaxSum<T, double> st = max_sum_identity<T, double>();
        if (live) {
            for (long long k = ty; k < n; k += Y) {
                max_sum_add(st, load_one(x + k * inner), inv_t);
            }
        }
        part_a[slot] = double(st.m);
        part_b[slot] = st.s;
        __syncthreads();
        for (int h = Y / 2; h > 0; h >>= 1) {
            if (ty < h) {
                const int other = slot + h * X;
                st = max_sum_combine(st, MaxSum<T, double>{T(part_a[other]), part_b[other]}, inv_t);
                part_a[slot] = double(st.m);
                part_b[slot] = st.s;
            }
            __syncthreads();
        }
        st = MaxSum<T, double>{T(part_a[tx]), part_b[tx]};
        if (live) {
            const bool finite = isfinite(st.m);
            if (op == LOGSUMEXP) {
                if (ty == 0) {
                    store_one(out + o * inner + i, finite ? T(double(st.m) + ::log(st.s)) : st.m);
                }
            } else {
                const T sum = T(st.s);
                const T log_s = T(::log(st.s));
                for (long long k = ty; k < n; k += Y) {
                    const T z = scaled(load_one(x + k * inner), st.m, inv_t);
                    store_one(y + k * inner, !finite ? quiet_nan<T>() : op == SOFTMAX ? Math<T>::exp(z) / sum : z - log_s);
                }
            }
        }
        __syncthreads();
    }
}

}  // namespace sme

// Entry points softmax_strided_<dtype>; block (X, Y) with X * Y <= 256, both powers of two.
#define SME_STRIDED(S, TN)                                                                                          \
    extern "C" __global__ void __launch_bounds__(sme::kStridedBlock) softmax_strided_##TN(                          \
        int op, const S* in, S* out, int* idx, long long outer, long long n, long long inner, sme::Real<S> inv_t) { \
        sme::strided_slices<sme::Real<S>, S>(op, in, out, idx, outer, n, inner, inv_t);                             \
    }

SME_STRIDED(float, f32)
SME_STRIDED(double, f64)
SME_STRIDED(__nv_bfloat16, bf16)
SME_STRIDED(__half, f16)

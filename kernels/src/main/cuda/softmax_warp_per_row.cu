// Rows of at most 1024 elements, contiguous (inner == 1): each row lives in the registers of a
// group of W lanes (W = 32, or fewer so that one warp handles 32 / W short rows), loaded in packs
// of VEC elements (128-bit when the row length keeps every row aligned). Reductions are register
// shuffles; the row is read once and written once (after OneFlow's SoftmaxWarpImpl).
//
// Error: each lane sums its VEC * PACKS <= 32 terms in order, then a tree of log2(W) shuffles:
// relative error of the row sum <= (VEC * PACKS + 5) ulp before the exp errors.
#include "common.cuh"

namespace sme {

constexpr int kWarpBlock = 128;

template <typename T, int VEC, int PACKS, int W, typename S>
__device__ __forceinline__ void warp_rows(int op, const S* in, S* out, int* idx, long long rows, int n, T inv_t) {
    constexpr int CPT = VEC * PACKS;
    const int lane = threadIdx.x % W;
    const int group = threadIdx.x / W;
    const int groups = blockDim.x / W;
    // The loop bound depends on the block only, so every lane of a warp reaches every shuffle.
    for (long long first = (long long)blockIdx.x * groups; first < rows; first += (long long)gridDim.x * groups) {
        const long long row = first + group;
        const bool live = row < rows;
        const S* x = in + row * n;
        T v[CPT];
#pragma unroll
        for (int p = 0; p < PACKS; ++p) {
            const int col = (p * W + lane) * VEC;
            if (live && col < n) {
                Pack<T, VEC> pk = load_real<S, VEC>(x + col);
#pragma unroll
                for (int j = 0; j < VEC; ++j) {
                    v[p * VEC + j] = pk.v[j];
                }
            } else {
#pragma unroll
                for (int j = 0; j < VEC; ++j) {
                    v[p * VEC + j] = neg_inf<T>();
                }
            }
        }
        S* y = out + row * n;

        if (op == HARDMAX || op == ARGMAX) {
            ArgBest<T, int> best = arg_identity<T, int>();
#pragma unroll
            for (int p = 0; p < PACKS; ++p) {
#pragma unroll
                for (int j = 0; j < VEC; ++j) {
                    const int col = (p * W + lane) * VEC + j;
                    if (col < n && arg_better(v[p * VEC + j], col, best)) {
                        best = ArgBest<T, int>{v[p * VEC + j], col};
                    }
                }
            }
            best = group_reduce<W>(best, ArgOp());
            if (!live) {
                continue;
            }
            if (op == ARGMAX) {
                if (lane == 0) {
                    idx[row] = best.i;
                }
                continue;
            }
#pragma unroll
            for (int p = 0; p < PACKS; ++p) {
                const int col = (p * W + lane) * VEC;
                if (col < n) {
                    Pack<T, VEC> pk;
#pragma unroll
                    for (int j = 0; j < VEC; ++j) {
                        pk.v[j] = col + j == best.i ? T(1) : T(0);
                    }
                    store_real<S, VEC>(y + col, pk);
                }
            }
            continue;
        }

        T m = neg_inf<T>();
#pragma unroll
        for (int i = 0; i < CPT; ++i) {
            m = nan_max(m, v[i]);
        }
        m = group_reduce<W>(m, MaxOp());
        // NaN, +inf or an all -inf (or empty) row: decided by m alone, see the contract.
        const bool finite = isfinite(m);
        T s = T(0);
#pragma unroll
        for (int i = 0; i < CPT; ++i) {
            // Masked slots hold -inf and contribute exp(-inf) = 0.
            const T e = finite ? Math<T>::exp(scaled(v[i], m, inv_t)) : T(0);
            s += e;
            if (op == SOFTMAX) {
                v[i] = e;
            }
        }
        s = group_reduce<W>(s, SumOp());
        if (!live) {
            continue;
        }
        if (op == LOGSUMEXP) {
            if (lane == 0) {
                store_one(out + row, finite ? m + Math<T>::log(s) : m);
            }
            continue;
        }
        const T log_s = Math<T>::log(s);
#pragma unroll
        for (int p = 0; p < PACKS; ++p) {
            const int col = (p * W + lane) * VEC;
            if (col < n) {
                Pack<T, VEC> pk;
#pragma unroll
                for (int j = 0; j < VEC; ++j) {
                    const T t = v[p * VEC + j];
                    pk.v[j] = !finite ? quiet_nan<T>() : op == SOFTMAX ? t / s : scaled(t, m, inv_t) - log_s;
                }
                store_real<S, VEC>(y + col, pk);
            }
        }
    }
}

}  // namespace sme

// Entry points softmax_warp_<dtype>_v<VEC>_p<PACKS>_w<W>, as named by LaunchPlan.warpFunction:
// W < 32 only with one pack per lane (rows of at most W * VEC elements); W = 32 with 1..32 / VEC packs.
#define SME_WARP(S, TN, VEC, PACKS, W)                                                                   \
    extern "C" __global__ void __launch_bounds__(sme::kWarpBlock)                                          \
        softmax_warp_##TN##_v##VEC##_p##PACKS##_w##W(int op, const S* in, S* out, int* idx, long long rows, \
                                                      int n, sme::Real<S> inv_t) {                                     \
        sme::warp_rows<sme::Real<S>, VEC, PACKS, W, S>(op, in, out, idx, rows, n, inv_t);                                \
    }

#define SME_WARP_NARROW(S, TN, VEC) \
    SME_WARP(S, TN, VEC, 1, 1)      \
    SME_WARP(S, TN, VEC, 1, 2)      \
    SME_WARP(S, TN, VEC, 1, 4)      \
    SME_WARP(S, TN, VEC, 1, 8)      \
    SME_WARP(S, TN, VEC, 1, 16)     \
    SME_WARP(S, TN, VEC, 1, 32)

SME_WARP_NARROW(float, f32, 1)
SME_WARP(float, f32, 1, 2, 32)
SME_WARP(float, f32, 1, 4, 32)
SME_WARP(float, f32, 1, 8, 32)
SME_WARP(float, f32, 1, 16, 32)
SME_WARP(float, f32, 1, 32, 32)
SME_WARP_NARROW(float, f32, 4)
SME_WARP(float, f32, 4, 2, 32)
SME_WARP(float, f32, 4, 4, 32)
SME_WARP(float, f32, 4, 8, 32)

SME_WARP_NARROW(double, f64, 1)
SME_WARP(double, f64, 1, 2, 32)
SME_WARP(double, f64, 1, 4, 32)
SME_WARP(double, f64, 1, 8, 32)
SME_WARP(double, f64, 1, 16, 32)
SME_WARP(double, f64, 1, 32, 32)
SME_WARP_NARROW(double, f64, 2)
SME_WARP(double, f64, 2, 2, 32)
SME_WARP(double, f64, 2, 4, 32)
SME_WARP(double, f64, 2, 8, 32)
SME_WARP(double, f64, 2, 16, 32)

// bfloat16 and float16 storage, computed in float: packs of 1 or 8 (16 bytes).
#define SME_WARP_HALF(S, TN)     \
    SME_WARP_NARROW(S, TN, 1)    \
    SME_WARP(S, TN, 1, 2, 32)    \
    SME_WARP(S, TN, 1, 4, 32)    \
    SME_WARP(S, TN, 1, 8, 32)    \
    SME_WARP(S, TN, 1, 16, 32)   \
    SME_WARP(S, TN, 1, 32, 32)   \
    SME_WARP_NARROW(S, TN, 8)    \
    SME_WARP(S, TN, 8, 2, 32)    \
    SME_WARP(S, TN, 8, 4, 32)

SME_WARP_HALF(__nv_bfloat16, bf16)
SME_WARP_HALF(__half, f16)

// Contiguous rows too long for shared memory, and the single-read ops (logsumexp, hardmax, argmax)
// of any row longer than a warp's registers. Pass 1 reduces the row with the online normalizer
// (running max and rescaled sum in one read, Milakov & Gimelshein 2018) or the first-maximum
// argmax; pass 2, where the op has an output row, reads the input again and writes it.
//
// softmax_online_*: one block per row. softmax_split_*: a few rows too long for one block each;
// every row is cut into `splits` chunks, the partial kernel leaves one (max, sum) or (value, index)
// per chunk in a workspace of double pairs, and the finish kernel combines them and writes.
//
// Error: per-thread partial sums in fp64 (for fp32 data too), then block and chunk trees.
#include "common.cuh"

namespace sme {

template <typename T, int VEC, typename S>
__device__ __forceinline__ MaxSum<T, double> row_max_sum(const S* x, long long begin, long long end, T inv_t) {
    MaxSum<T, double> st = max_sum_identity<T, double>();
    for (long long k = begin + (long long)threadIdx.x * VEC; k < end; k += (long long)blockDim.x * VEC) {
        Pack<T, VEC> pk = load_real<S, VEC>(x + k);
#pragma unroll
        for (int j = 0; j < VEC; ++j) {
            max_sum_add(st, pk.v[j], inv_t);
        }
    }
    return block_allreduce(st, MaxSumOp<T>{inv_t}, max_sum_identity<T, double>());
}

template <typename T, int VEC, typename S>
__device__ __forceinline__ ArgBest<T, long long> row_argmax(const S* x, long long begin, long long end) {
    ArgBest<T, long long> best = arg_identity<T, long long>();
    for (long long k = begin + (long long)threadIdx.x * VEC; k < end; k += (long long)blockDim.x * VEC) {
        Pack<T, VEC> pk = load_real<S, VEC>(x + k);
#pragma unroll
        for (int j = 0; j < VEC; ++j) {
            if (arg_better(pk.v[j], k + j, best)) {
                best = ArgBest<T, long long>{pk.v[j], k + j};
            }
        }
    }
    return block_allreduce(best, ArgOp(), arg_identity<T, long long>());
}

// Pass 2 of softmax / log-softmax over [begin, end) of one row.
template <typename T, int VEC, typename S>
__device__ __forceinline__ void write_softmax(int op, const S* x, S* y, long long begin, long long end,
                                              MaxSum<T, double> st, T inv_t) {
    const bool finite = isfinite(st.m);
    const T sum = T(st.s);
    const T log_s = T(::log(st.s));
    for (long long k = begin + (long long)threadIdx.x * VEC; k < end; k += (long long)blockDim.x * VEC) {
        Pack<T, VEC> pk = load_real<S, VEC>(x + k);
#pragma unroll
        for (int j = 0; j < VEC; ++j) {
            const T z = scaled(pk.v[j], st.m, inv_t);
            pk.v[j] = !finite ? quiet_nan<T>() : op == SOFTMAX ? Math<T>::exp(z) / sum : z - log_s;
        }
        store_real<S, VEC>(y + k, pk);
    }
}

template <typename T, int VEC, typename S>
__device__ __forceinline__ void write_one_hot(S* y, long long begin, long long end, long long best) {
    for (long long k = begin + (long long)threadIdx.x * VEC; k < end; k += (long long)blockDim.x * VEC) {
        Pack<T, VEC> pk;
#pragma unroll
        for (int j = 0; j < VEC; ++j) {
            pk.v[j] = k + j == best ? T(1) : T(0);
        }
        store_real<S, VEC>(y + k, pk);
    }
}

template <typename T>
__device__ __forceinline__ T log_sum_exp(MaxSum<T, double> st) {
    return isfinite(st.m) ? T(double(st.m) + ::log(st.s)) : st.m;
}

template <typename T, int VEC, typename S>
__device__ __forceinline__ void online_rows(int op, const S* in, S* out, int* idx, long long rows, long long n,
                                            T inv_t) {
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        const S* x = in + row * n;
        if (op == HARDMAX || op == ARGMAX) {
            const ArgBest<T, long long> best = row_argmax<T, VEC, S>(x, 0, n);
            if (op == ARGMAX) {
                if (threadIdx.x == 0) {
                    idx[row] = int(best.i);
                }
            } else {
                write_one_hot<T, VEC, S>(out + row * n, 0, n, best.i);
            }
            continue;
        }
        const MaxSum<T, double> st = row_max_sum<T, VEC, S>(x, 0, n, inv_t);
        if (op == LOGSUMEXP) {
            if (threadIdx.x == 0) {
                store_one(out + row, log_sum_exp(st));
            }
            continue;
        }
        write_softmax<T, VEC, S>(op, x, out + row * n, 0, n, st, inv_t);
    }
}

// Grid (splits, rows); block b.x covers [b.x * chunk, min(n, (b.x + 1) * chunk)) of row b.y.
template <typename T, int VEC, typename S>
__device__ __forceinline__ void split_partial(int op, const S* in, double* ws, long long n, long long chunk, T inv_t) {
    const long long row = blockIdx.y;
    const long long begin = (long long)blockIdx.x * chunk;
    const long long end = begin + chunk < n ? begin + chunk : n;
    const S* x = in + row * n;
    double a;
    double b;
    if (op == HARDMAX || op == ARGMAX) {
        const ArgBest<T, long long> best = row_argmax<T, VEC, S>(x, begin, end);
        a = double(best.v);
        b = double(best.i);  // exact: indices stay below 2^53
    } else {
        const MaxSum<T, double> st = row_max_sum<T, VEC, S>(x, begin, end, inv_t);
        a = double(st.m);
        b = st.s;
    }
    if (threadIdx.x == 0) {
        double* slot = ws + 2 * (row * gridDim.x + blockIdx.x);
        slot[0] = a;
        slot[1] = b;
    }
}

// Same grid as the partial kernel (x = 1 for logsumexp and argmax, which write one value per row).
template <typename T, int VEC, typename S>
__device__ __forceinline__ void split_finish(int op, const S* in, S* out, int* idx, const double* ws, int splits,
                                             long long n, long long chunk, T inv_t) {
    const long long row = blockIdx.y;
    const double* slots = ws + 2 * row * splits;
    const long long begin = (long long)blockIdx.x * chunk;
    const long long end = begin + chunk < n ? begin + chunk : n;
    if (op == HARDMAX || op == ARGMAX) {
        ArgBest<T, long long> best = arg_identity<T, long long>();
        for (int c = threadIdx.x; c < splits; c += blockDim.x) {
            best = arg_combine(best, ArgBest<T, long long>{T(slots[2 * c]), (long long)slots[2 * c + 1]});
        }
        best = block_allreduce(best, ArgOp(), arg_identity<T, long long>());
        if (op == ARGMAX) {
            if (threadIdx.x == 0) {
                idx[row] = int(best.i);
            }
        } else {
            write_one_hot<T, VEC, S>(out + row * n, begin, end, best.i);
        }
        return;
    }
    MaxSum<T, double> st = max_sum_identity<T, double>();
    for (int c = threadIdx.x; c < splits; c += blockDim.x) {
        st = max_sum_combine(st, MaxSum<T, double>{T(slots[2 * c]), slots[2 * c + 1]}, inv_t);
    }
    st = block_allreduce(st, MaxSumOp<T>{inv_t}, max_sum_identity<T, double>());
    if (op == LOGSUMEXP) {
        if (threadIdx.x == 0) {
            store_one(out + row, log_sum_exp(st));
        }
        return;
    }
    write_softmax<T, VEC, S>(op, in + row * n, out + row * n, begin, end, st, inv_t);
}

}  // namespace sme

#define SME_ONLINE(S, TN, VEC)                                                                             \
    extern "C" __global__ void __launch_bounds__(1024) softmax_online_##TN##_v##VEC(                       \
        int op, const S* in, S* out, int* idx, long long rows, long long n, sme::Real<S> inv_t) {          \
        sme::online_rows<sme::Real<S>, VEC, S>(op, in, out, idx, rows, n, inv_t);                          \
    }                                                                                                      \
    extern "C" __global__ void __launch_bounds__(1024) softmax_split_partial_##TN##_v##VEC(                \
        int op, const S* in, double* ws, long long n, long long chunk, sme::Real<S> inv_t) {               \
        sme::split_partial<sme::Real<S>, VEC, S>(op, in, ws, n, chunk, inv_t);                             \
    }                                                                                                      \
    extern "C" __global__ void __launch_bounds__(1024) softmax_split_finish_##TN##_v##VEC(                 \
        int op, const S* in, S* out, int* idx, const double* ws, int splits, long long n, long long chunk, \
        sme::Real<S> inv_t) {                                                                              \
        sme::split_finish<sme::Real<S>, VEC, S>(op, in, out, idx, ws, splits, n, chunk, inv_t);            \
    }

SME_ONLINE(float, f32, 1)
SME_ONLINE(float, f32, 4)
SME_ONLINE(double, f64, 1)
SME_ONLINE(double, f64, 2)
SME_ONLINE(__nv_bfloat16, bf16, 1)
SME_ONLINE(__nv_bfloat16, bf16, 8)
SME_ONLINE(__half, f16, 1)
SME_ONLINE(__half, f16, 8)

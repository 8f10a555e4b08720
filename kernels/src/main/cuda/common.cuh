// Numerics shared by every CUDA strategy: the NaN/inf rules of the SoftmaxKernel contract, the
// online normalizer, first-index argmax and the warp/block reductions built on them.
//
// Accuracy: expf/logf/log1pf (not the __expf intrinsics, which lose accuracy away from 0): CUDA
// documents a 2 ulp bound for expf, 1 ulp for exp/log/log1p. Row sums accumulate in per-thread
// partial sums combined by a tree; the block-wide strategies keep them in fp64 for fp32 data.
#pragma once

#include <limits.h>
#include <math.h>

#if defined(__CUDACC__)
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif

namespace sme {

// Op codes, in the order of CudaSoftmaxKernel.opCode().
enum Op { SOFTMAX = 0, LOG_SOFTMAX = 1, LOGSUMEXP = 2, HARDMAX = 3, ARGMAX = 4 };

template <typename T> struct Math;

template <> struct Math<float> {
    static __device__ __forceinline__ float exp(float x) { return expf(x); }
    static __device__ __forceinline__ float log(float x) { return logf(x); }
    static __device__ __forceinline__ float log1p(float x) { return log1pf(x); }
};

template <> struct Math<double> {
    static __device__ __forceinline__ double exp(double x) { return ::exp(x); }
    static __device__ __forceinline__ double log(double x) { return ::log(x); }
    static __device__ __forceinline__ double log1p(double x) { return ::log1p(x); }
};

template <typename T> __device__ __forceinline__ T neg_inf() { return -static_cast<T>(INFINITY); }
template <typename T> __device__ __forceinline__ T quiet_nan() { return static_cast<T>(NAN); }

// n elements of T in one 128-bit (or narrower) access; the caller guarantees the alignment.
template <typename T, int VEC> struct alignas(sizeof(T) * VEC) Pack {
    T v[VEC];
};

template <typename T, int VEC> __device__ __forceinline__ Pack<T, VEC> load_pack(const T* p) {
    return *reinterpret_cast<const Pack<T, VEC>*>(p);
}

template <typename T, int VEC> __device__ __forceinline__ void store_pack(T* p, const Pack<T, VEC>& v) {
    *reinterpret_cast<Pack<T, VEC>*>(p) = v;
}

// Storage: in and out hold S, the kernels compute in Real<S>. float and double are their own; the
// 16-bit __nv_bfloat16 and __half are widened exactly to float on load and rounded to nearest even
// on store (cuda_bf16.h / cuda_fp16.h; before sm_80 the bf16 rounding is integer code in the header).
template <typename S> struct Store {
    using T = S;
    static __device__ __forceinline__ T load(S v) { return v; }
    static __device__ __forceinline__ S store(T v) { return v; }
};

template <> struct Store<__nv_bfloat16> {
    using T = float;
    static __device__ __forceinline__ float load(__nv_bfloat16 v) { return __bfloat162float(v); }
    static __device__ __forceinline__ __nv_bfloat16 store(float v) { return __float2bfloat16_rn(v); }
};

template <> struct Store<__half> {
    using T = float;
    static __device__ __forceinline__ float load(__half v) { return __half2float(v); }
    static __device__ __forceinline__ __half store(float v) { return __float2half_rn(v); }
};

template <typename S> using Real = typename Store<S>::T;

// One element of S, widened; one element rounded into S.
template <typename S> __device__ __forceinline__ Real<S> load_one(const S* p) {
    return Store<S>::load(*p);
}

template <typename S> __device__ __forceinline__ void store_one(S* p, Real<S> v) {
    *p = Store<S>::store(v);
}

// A pack of VEC elements of S (one access of VEC * sizeof(S) bytes), widened to Real<S>; and back.
template <typename S, int VEC> __device__ __forceinline__ Pack<Real<S>, VEC> load_real(const S* p) {
    const Pack<S, VEC> pk = load_pack<S, VEC>(p);
    Pack<Real<S>, VEC> r;
#pragma unroll
    for (int j = 0; j < VEC; ++j) {
        r.v[j] = Store<S>::load(pk.v[j]);
    }
    return r;
}

template <typename S, int VEC> __device__ __forceinline__ void store_real(S* p, const Pack<Real<S>, VEC>& v) {
    Pack<S, VEC> pk;
#pragma unroll
    for (int j = 0; j < VEC; ++j) {
        pk.v[j] = Store<S>::store(v.v[j]);
    }
    store_pack<S, VEC>(p, pk);
}

// max that propagates NaN (fmax drops it): a NaN anywhere makes the row's maximum NaN.
template <typename T> __device__ __forceinline__ T nan_max(T a, T b) {
    return (b > a || b != b) ? b : a;
}

// (x - m) / T for finite m, as x * inv_t - m * inv_t when the difference overflows although the
// scaled value need not (opposite-sign inputs near the type's maximum, temperature > 1).
template <typename T> __device__ __forceinline__ T scaled(T x, T m, T inv_t) {
    T d = x - m;
    return (isinf(d) && isfinite(x)) ? x * inv_t - m * inv_t : d * inv_t;
}

// Online normalizer (Milakov & Gimelshein 2018): running max m and s = sum exp((x - m) / T).
// While m is not finite (NaN, +inf, or -inf before the first finite element) s is 0 or irrelevant:
// the result is decided by m alone.
template <typename T, typename A> struct MaxSum {
    T m;
    A s;
};

template <typename T, typename A> __device__ __forceinline__ MaxSum<T, A> max_sum_identity() {
    return MaxSum<T, A>{neg_inf<T>(), A(0)};
}

template <typename T, typename A> __device__ __forceinline__ void max_sum_add(MaxSum<T, A>& st, T x, T inv_t) {
    if (x > st.m) {
        if (isfinite(x)) {
            // exp(-inf) = 0 discards the empty state's s = 0; a previous +inf cannot be below x.
            st.s = isfinite(st.m) ? st.s * A(Math<T>::exp(scaled(st.m, x, inv_t))) + A(1) : A(1);
        }
        st.m = x;
    } else if (x != x) {
        st.m = x;
    } else if (x > neg_inf<T>() && isfinite(st.m)) {
        st.s += A(Math<T>::exp(scaled(x, st.m, inv_t)));
    }
}

template <typename T, typename A>
__device__ __forceinline__ MaxSum<T, A> max_sum_combine(MaxSum<T, A> a, MaxSum<T, A> b, T inv_t) {
    T m = nan_max(a.m, b.m);
    if (!isfinite(m)) {
        return MaxSum<T, A>{m, A(0)};
    }
    // Both maxima are finite or -inf (with s = 0); one of the two factors is exactly 1.
    A sa = a.m == neg_inf<T>() ? A(0) : a.s * A(Math<T>::exp(scaled(a.m, m, inv_t)));
    A sb = b.m == neg_inf<T>() ? A(0) : b.s * A(Math<T>::exp(scaled(b.m, m, inv_t)));
    return MaxSum<T, A>{m, sa + sb};
}

// Argmax candidate: the first maximum, where the first NaN counts as the maximum (numpy, torch).
template <typename T, typename I> struct ArgBest {
    T v;
    I i;
};

// An index past every row, so that the identity loses to every element. The 64-bit one, 2^62,
// survives the round trip through the double pairs of the shared-memory and workspace reductions.
template <typename I> struct NoIndex;
template <> struct NoIndex<int> {
    static constexpr int value = INT_MAX;
};
template <> struct NoIndex<long long> {
    static constexpr long long value = 1LL << 62;
};

template <typename T, typename I> __device__ __forceinline__ ArgBest<T, I> arg_identity() {
    return ArgBest<T, I>{neg_inf<T>(), NoIndex<I>::value};
}

template <typename T, typename I> __device__ __forceinline__ bool arg_better(T x, I k, const ArgBest<T, I>& b) {
    if (b.v != b.v) {
        return x != x && k < b.i;
    }
    if (x != x) {
        return true;
    }
    return x > b.v || (x == b.v && k < b.i);
}

template <typename T, typename I> __device__ __forceinline__ ArgBest<T, I> arg_combine(ArgBest<T, I> a, ArgBest<T, I> b) {
    return arg_better(b.v, b.i, a) ? b : a;
}

// 1 / (1 + e^-x) without overflow: e^x / (1 + e^x) below 0. NaN falls through to e = NaN.
template <typename T> __device__ __forceinline__ T sigmoid(T x) {
    if (x >= T(0)) {
        return T(1) / (T(1) + Math<T>::exp(-x));
    }
    T e = Math<T>::exp(x);
    return e / (T(1) + e);
}

// log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|): exact in both tails, NaN stays NaN.
template <typename T> __device__ __forceinline__ T log_sigmoid(T x) {
    return (x < T(0) ? x : T(0)) - Math<T>::log1p(Math<T>::exp(-fabs(x)));
}

#if defined(__CUDACC__)
// Device primitives; the host emulation used by the engine-cuda tests supplies its own.
template <typename V> __device__ __forceinline__ V shfl_xor(V v, int lane_mask, int width) {
    return __shfl_xor_sync(0xffffffffu, v, lane_mask, width);
}

template <typename T> __device__ __forceinline__ T* dynamic_smem() {
    extern __shared__ __align__(16) unsigned char smem_bytes[];
    return reinterpret_cast<T*>(smem_bytes);
}
#endif

template <typename T, typename A> __device__ __forceinline__ MaxSum<T, A> shfl_xor(MaxSum<T, A> v, int lane_mask, int width) {
    return MaxSum<T, A>{shfl_xor(v.m, lane_mask, width), shfl_xor(v.s, lane_mask, width)};
}

template <typename T, typename I> __device__ __forceinline__ ArgBest<T, I> shfl_xor(ArgBest<T, I> v, int lane_mask, int width) {
    return ArgBest<T, I>{shfl_xor(v.v, lane_mask, width), shfl_xor(v.i, lane_mask, width)};
}

// Reductions over groups of W lanes (W a power of two <= 32); every lane of the warp must call.
struct MaxOp {
    template <typename T> __device__ __forceinline__ T operator()(T a, T b) const { return nan_max(a, b); }
};
struct SumOp {
    template <typename T> __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};
template <typename T> struct MaxSumOp {
    T inv_t;
    template <typename A> __device__ __forceinline__ MaxSum<T, A> operator()(MaxSum<T, A> a, MaxSum<T, A> b) const {
        return max_sum_combine(a, b, inv_t);
    }
};
struct ArgOp {
    template <typename T, typename I> __device__ __forceinline__ ArgBest<T, I> operator()(ArgBest<T, I> a, ArgBest<T, I> b) const {
        return arg_combine(a, b);
    }
};

template <int W, typename V, typename F> __device__ __forceinline__ V group_reduce(V v, F f) {
#pragma unroll
    for (int o = W / 2; o > 0; o >>= 1) {
        v = f(v, shfl_xor(v, o, W));
    }
    return v;
}

// Block-wide reduction whose result every thread receives. blockDim.x is a multiple of 32 and at
// most 1024; every thread of the block must call (it synchronizes).
template <typename V, typename F> __device__ __forceinline__ V block_allreduce(V v, F f, V identity) {
    __shared__ V partial[32];
    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;
    v = group_reduce<32>(v, f);
    if (lane == 0) {
        partial[warp] = v;
    }
    __syncthreads();
    if (warp == 0) {
        v = lane < int(blockDim.x / 32) ? partial[lane] : identity;
        v = group_reduce<32>(v, f);
        if (lane == 0) {
            partial[0] = v;
        }
    }
    __syncthreads();
    V r = partial[0];
    __syncthreads();  // partial is reused by the next call
    return r;
}

}  // namespace sme

// Softmax and log-softmax of contiguous rows too long for registers but short enough for shared
// memory: one block per row keeps the row in dynamic shared memory, so global memory is read once
// and written once (after OneFlow's SoftmaxBlockSMemImpl). Each thread touches only its own packs,
// so the block synchronizes only inside the two reductions.
//
// Error: per-thread partial sums in fp64 (for fp32 data too), then a block tree: the row sum is
// accurate to a few fp32 ulp whatever the row length.
#include "common.cuh"

namespace sme {

template <typename T, int VEC, typename S>
__device__ __forceinline__ void block_smem_rows(int op, const S* in, S* out, long long rows, int n, T inv_t) {
    T* cache = dynamic_smem<T>();
    const int packs = n / VEC;
    for (long long row = blockIdx.x; row < rows; row += gridDim.x) {
        const S* x = in + row * n;
        T m = neg_inf<T>();
        for (int p = threadIdx.x; p < packs; p += blockDim.x) {
            Pack<T, VEC> pk = load_real<S, VEC>(x + p * VEC);
            store_pack<T, VEC>(cache + p * VEC, pk);
#pragma unroll
            for (int j = 0; j < VEC; ++j) {
                m = nan_max(m, pk.v[j]);
            }
        }
        m = block_allreduce(m, MaxOp(), neg_inf<T>());
        const bool finite = isfinite(m);
        double s = 0.0;
        if (finite) {
            for (int p = threadIdx.x; p < packs; p += blockDim.x) {
                Pack<T, VEC> pk = load_pack<T, VEC>(cache + p * VEC);
#pragma unroll
                for (int j = 0; j < VEC; ++j) {
                    const T e = Math<T>::exp(scaled(pk.v[j], m, inv_t));
                    s += double(e);
                    pk.v[j] = e;
                }
                if (op == SOFTMAX) {
                    store_pack<T, VEC>(cache + p * VEC, pk);
                }
            }
        }
        s = block_allreduce(s, SumOp(), 0.0);
        const T sum = T(s);
        const T log_s = T(::log(s));
        S* y = out + row * n;
        for (int p = threadIdx.x; p < packs; p += blockDim.x) {
            Pack<T, VEC> pk = load_pack<T, VEC>(cache + p * VEC);
#pragma unroll
            for (int j = 0; j < VEC; ++j) {
                pk.v[j] = !finite ? quiet_nan<T>() : op == SOFTMAX ? pk.v[j] / sum : scaled(pk.v[j], m, inv_t) - log_s;
            }
            store_real<S, VEC>(y + p * VEC, pk);
        }
    }
}

}  // namespace sme

// Entry points softmax_block_smem_<dtype>_v<VEC>; dynamic shared memory: n * sizeof(T) bytes.
#define SME_BLOCK_SMEM(S, TN, VEC)                                                                                 \
    extern "C" __global__ void __launch_bounds__(1024)                                                             \
        softmax_block_smem_##TN##_v##VEC(int op, const S* in, S* out, long long rows, int n, sme::Real<S> inv_t) { \
        sme::block_smem_rows<sme::Real<S>, VEC, S>(op, in, out, rows, n, inv_t);                                   \
    }

SME_BLOCK_SMEM(float, f32, 1)
SME_BLOCK_SMEM(float, f32, 4)
SME_BLOCK_SMEM(double, f64, 1)
SME_BLOCK_SMEM(double, f64, 2)
SME_BLOCK_SMEM(__nv_bfloat16, bf16, 1)
SME_BLOCK_SMEM(__nv_bfloat16, bf16, 8)
SME_BLOCK_SMEM(__half, f16, 1)
SME_BLOCK_SMEM(__half, f16, 8)

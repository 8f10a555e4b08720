// Sigmoid and log-sigmoid, elementwise over the whole tensor: a grid-stride loop over packs of VEC
// elements (128-bit when the base is aligned), then the tail one element at a time.
#include "common.cuh"

namespace sme {

template <typename T> __device__ __forceinline__ T sigmoid_op(int log, T x) {
    return log ? log_sigmoid(x) : sigmoid(x);
}

template <typename T, int VEC, typename S>
__device__ __forceinline__ void sigmoid_all(int log, const S* in, S* out, long long count) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    const long long first = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long packs = count / VEC;
    for (long long p = first; p < packs; p += stride) {
        Pack<T, VEC> pk = load_real<S, VEC>(in + p * VEC);
#pragma unroll
        for (int j = 0; j < VEC; ++j) {
            pk.v[j] = sigmoid_op(log, pk.v[j]);
        }
        store_real<S, VEC>(out + p * VEC, pk);
    }
    for (long long k = packs * VEC + first; k < count; k += stride) {
        store_one(out + k, sigmoid_op(log, load_one(in + k)));
    }
}

}  // namespace sme

// Entry points sigmoid_<dtype>_v<VEC>; log != 0 selects log-sigmoid.
#define SME_SIGMOID(S, TN, VEC)                                                                       \
    extern "C" __global__ void sigmoid_##TN##_v##VEC(int log, const S* in, S* out, long long count) { \
        sme::sigmoid_all<sme::Real<S>, VEC, S>(log, in, out, count);                                  \
    }

SME_SIGMOID(float, f32, 1)
SME_SIGMOID(float, f32, 4)
SME_SIGMOID(double, f64, 1)
SME_SIGMOID(double, f64, 2)
SME_SIGMOID(__nv_bfloat16, bf16, 1)
SME_SIGMOID(__nv_bfloat16, bf16, 8)
SME_SIGMOID(__half, f16, 1)
SME_SIGMOID(__half, f16, 8)

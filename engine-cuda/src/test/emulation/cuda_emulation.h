// Runs the CUDA kernels of kernels/src/main/cuda on the host, so that their logic (masks, reductions,
// NaN/inf rules, in-place safety) is tested on machines without a GPU. Each CUDA thread of a block
// is a fiber (ucontext) on one OS thread; blocks run one after another, so `__shared__` becomes a
// function-local static shared by the fibers of the running block. __syncthreads and warp shuffles
// are barriers: a kernel whose threads do not all reach one is reported as a deadlock and aborts,
// where a GPU would hang or read garbage. Host libm stands in for CUDA's expf/logf (both <= 2 ulp).
#pragma once

#include <ucontext.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

// One OS thread runs every fiber, so the built-ins are plain globals switched with the fiber.
inline dim3 threadIdx;
inline dim3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define __align__(n) alignas(n)

using std::isfinite;
using std::isinf;

// cuda_bf16.h / cuda_fp16.h stand-ins: the 16-bit storage types as their bits, with the conversions
// the kernels call, rounding once to nearest even (NaN stays NaN), as CUDA's do. The harness also
// makes them from doubles (explicitly, rounding once) and reads them back as doubles.
namespace emu {
// v rounded once to the binary format with `mant` stored bits and exponent bias `bias`, as its bits.
inline uint16_t round_bits(double v, int mant, int bias) {
    const int all_ones = 2 * bias + 1;
    const uint16_t sign = std::signbit(v) ? 0x8000 : 0;
    if (std::isnan(v)) {
        return uint16_t(sign | (all_ones << mant) | (1 << (mant - 1)));
    }
    const double a = std::fabs(v);
    if (std::isinf(a)) {
        return uint16_t(sign | (all_ones << mant));
    }
    const int emin = 1 - bias;
    if (a < std::ldexp(1.0, emin)) {
        // Subnormal (or the smallest normal, when it rounds up to 2^mant: the same encoding).
        return uint16_t(sign | uint16_t(std::nearbyint(std::ldexp(a, mant - emin))));
    }
    int ex;
    std::frexp(a, &ex);
    int e = ex - 1;  // a in [2^e, 2^(e+1))
    double m = std::nearbyint(std::ldexp(a, mant - e));
    if (m == std::ldexp(1.0, mant + 1)) {
        m /= 2;
        ++e;
    }
    if (e + bias >= all_ones) {
        return uint16_t(sign | (all_ones << mant));
    }
    return uint16_t(sign | ((e + bias) << mant) | uint16_t(m - std::ldexp(1.0, mant)));
}

// The value of bits of that format, exactly.
inline double bits_value(uint16_t b, int mant, int bias) {
    const int all_ones = 2 * bias + 1;
    const double sign = (b & 0x8000) ? -1.0 : 1.0;
    const int e = (b >> mant) & all_ones;
    const double m = b & ((1 << mant) - 1);
    if (e == all_ones) {
        return m == 0 ? sign * HUGE_VAL : NAN;
    }
    return e == 0 ? sign * std::ldexp(m, 1 - bias - mant) : sign * std::ldexp(m + std::ldexp(1.0, mant), e - bias - mant);
}
}  // namespace emu

struct __nv_bfloat16 {
    uint16_t bits;
    __nv_bfloat16() = default;
    explicit __nv_bfloat16(double v) : bits(emu::round_bits(v, 7, 127)) {}
    explicit operator double() const { return emu::bits_value(bits, 7, 127); }
};

struct __half {
    uint16_t bits;
    __half() = default;
    explicit __half(double v) : bits(emu::round_bits(v, 10, 15)) {}
    explicit operator double() const { return emu::bits_value(bits, 10, 15); }
};

inline float __bfloat162float(__nv_bfloat16 v) { return float(double(v)); }
inline __nv_bfloat16 __float2bfloat16_rn(float v) { return __nv_bfloat16(double(v)); }
inline float __half2float(__half v) { return float(double(v)); }
inline __half __float2half_rn(float v) { return __half(double(v)); }
inline __nv_bfloat16 __double2bfloat16(double v) { return __nv_bfloat16(v); }
inline __half __double2half(double v) { return __half(v); }

namespace std {
template <> struct numeric_limits<__nv_bfloat16> {
    static __nv_bfloat16 max() { return __nv_bfloat16(0x1.fep127); }
};
template <> struct numeric_limits<__half> {
    static __half max() { return __half(65504.0); }
};
}  // namespace std

namespace emu {

constexpr size_t kStackBytes = 64 * 1024;

struct Barrier {
    int expected = 0;
    int arrived = 0;
    long generation = 0;
};

struct Fiber {
    ucontext_t context;
    dim3 index;
    bool done = false;
};

struct Block {
    std::vector<Fiber> fibers;
    Barrier all;
    std::vector<Barrier> warps;
    std::vector<uint64_t> exchange;
    std::vector<unsigned char> smem;
    ucontext_t scheduler;
    int running = -1;
    long progress = 0;
    std::function<void()> body;
};

inline Block* current = nullptr;

inline std::vector<std::unique_ptr<char[]>>& stacks() {
    static std::vector<std::unique_ptr<char[]>> pool;
    return pool;
}

inline void yield() {
    swapcontext(&current->fibers[current->running].context, &current->scheduler);
}

inline void wait(Barrier& b) {
    const long g = b.generation;
    ++current->progress;
    if (++b.arrived == b.expected) {
        b.arrived = 0;
        ++b.generation;
        return;
    }
    while (b.generation == g) {
        yield();
    }
}

inline void fiber_main() {
    current->body();
    current->fibers[current->running].done = true;
    ++current->progress;
}  // returns to uc_link, the scheduler

inline int flat_thread() {
    return int(threadIdx.y * blockDim.x + threadIdx.x);
}

// Launches fn on grid x block, one block at a time.
template <typename... P, typename... Args>
void launch(void (*fn)(P...), dim3 grid, dim3 block, size_t smem_bytes, Args... args) {
    gridDim = grid;
    blockDim = block;
    const int threads = int(block.x * block.y);
    while (int(stacks().size()) < threads) {
        stacks().push_back(std::make_unique<char[]>(kStackBytes));
    }
    for (unsigned by = 0; by < grid.y; ++by) {
        for (unsigned bx = 0; bx < grid.x; ++bx) {
            Block b;
            b.fibers.resize(threads);
            b.all.expected = threads;
            for (int w = 0; w * 32 < threads; ++w) {
                Barrier wb;
                wb.expected = threads - w * 32 < 32 ? threads - w * 32 : 32;
                b.warps.push_back(wb);
            }
            b.exchange.assign(b.warps.size() * 32, 0);
            b.smem.assign(smem_bytes + 16, 0);
            b.body = [=] { fn(P(args)...); };
            current = &b;
            blockIdx = dim3{bx, by, 1};
            for (int t = 0; t < threads; ++t) {
                Fiber& f = b.fibers[t];
                f.index = dim3{unsigned(t % block.x), unsigned(t / block.x), 1};
                getcontext(&f.context);
                f.context.uc_stack.ss_sp = stacks()[t].get();
                f.context.uc_stack.ss_size = kStackBytes;
                f.context.uc_link = &b.scheduler;
                makecontext(&f.context, fiber_main, 0);
            }
            for (int remaining = threads; remaining > 0;) {
                const long before = b.progress;
                // Odd blocks run their threads in reverse order, so that a missing barrier shows up
                // as a stale or early read in one order or the other.
                for (int i = 0; i < threads; ++i) {
                    const int t = (bx + by) % 2 ? threads - 1 - i : i;
                    if (b.fibers[t].done) {
                        continue;
                    }
                    b.running = t;
                    threadIdx = b.fibers[t].index;
                    swapcontext(&b.scheduler, &b.fibers[t].context);
                    remaining -= b.fibers[t].done ? 1 : 0;
                }
                if (remaining > 0 && b.progress == before) {
                    std::fprintf(stderr, "deadlock: %d threads of block (%u, %u) wait at a barrier others never reach\n",
                                 remaining, bx, by);
                    std::abort();
                }
            }
            current = nullptr;
        }
    }
}

}  // namespace emu

inline void __syncthreads() {
    emu::wait(emu::current->all);
}

namespace sme {

template <typename V> V shfl_xor(V v, int lane_mask, int width) {
    static_assert(sizeof(V) <= sizeof(uint64_t), "one register per lane");
    const int t = emu::flat_thread();
    const int warp = t / 32;
    const int lane = t % 32;
    emu::Block& b = *emu::current;
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(V));
    b.exchange[warp * 32 + lane] = bits;
    emu::wait(b.warps[warp]);
    const int src = (lane & ~(width - 1)) | ((lane ^ lane_mask) & (width - 1));
    bits = b.exchange[warp * 32 + src];
    emu::wait(b.warps[warp]);
    V r;
    std::memcpy(&r, &bits, sizeof(V));
    return r;
}

template <typename T> T* dynamic_smem() {
    return reinterpret_cast<T*>(emu::current->smem.data());
}

}  // namespace sme

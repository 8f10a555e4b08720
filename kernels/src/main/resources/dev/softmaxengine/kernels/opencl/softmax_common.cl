// Helpers shared by every OpenCL strategy; the host prepends this file to each strategy's source.
// Built with -D REAL=float, or -D REAL=double -D USE_FP64 on devices that report cl_khr_fp64.
// No -cl-fast-relaxed-math: the Kahan sums below rely on IEEE evaluation order, and exp/log are the
// full-precision builtins (native_exp is implementation-defined and often a few hundred ulp off).

#ifdef USE_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

// Storage of in and out: REAL, or a 16-bit dtype computed in float (-D REAL=float and -D STORE_BF16
// or -D STORE_F16). LD widens element i exactly; ST rounds to nearest even. float16 uses
// vload_half / vstore_half_rte, core OpenCL 1.2 on every device: the half type as a pointer needs
// no cl_khr_fp16. bfloat16 is the top half of a float, rounded with add-and-shift, NaN kept quiet.
#if defined(STORE_BF16)
#define STORE ushort
#define LD(p, i) as_float(((uint) (p)[i]) << 16)
#define ST(p, i, v) ((p)[i] = bf16_rne(v))
inline ushort bf16_rne(float v) {
    uint b = as_uint(v);
    return (b & 0x7fffffffu) > 0x7f800000u ? (ushort) ((b >> 16) | 0x40u)
                                           : (ushort) ((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
}
#elif defined(STORE_F16)
#define STORE half
#define LD(p, i) vload_half((i), (p))
#define ST(p, i, v) vstore_half_rte((v), (i), (p))
#else
#define STORE REAL
#define LD(p, i) ((p)[i])
#define ST(p, i, v) ((p)[i] = (v))
#endif

// Output modes of the softmax-family kernels.
#define MODE_SOFTMAX 0
#define MODE_LOG_SOFTMAX 1
#define MODE_LOGSUMEXP 2

// (x - m) / T as (x/2 - m/2) * (2/T): halving is exact, so this rounds exactly like (x - m) * (1/T)
// but cannot overflow when x and m are huge and of opposite sign (-3e38 - 3e38) while T > 1 brings
// the quotient back into range (twoOverT = 2 / T).
inline REAL scaled_diff(REAL x, REAL m, REAL twoOverT) {
    return (x * (REAL) 0.5 - m * (REAL) 0.5) * twoOverT;
}

// Maximum that propagates NaN, so one value carries "the row has a NaN" through a reduction.
inline REAL max_nan(REAL a, REAL b) {
    return (a > b || isnan(a)) ? a : b;
}

// Kahan step: *s - *c is the sum, *c the low-order part the last add dropped, so a work-item's
// share of a long row sums with ~2 ulp error whatever its length.
inline void kahan_add(REAL *s, REAL *c, REAL v) {
    REAL y = v - *c;
    REAL t = *s + y;
    *c = (t - *s) - y;
    *s = t;
}

// Online normalizer (Milakov & Gimelshein 2018) with a lagged reference: *m is the running max
// (NaN once a NaN is seen), and *s - *c the sum of exp((x - *r) / T) against a reference *r <= *m.
// Rescaling the sum costs an exp's rounding, so it happens only when a value climbs RESCALE_AT
// above *r, not at every new maximum: each rescale then shrinks the older part of the sum by at
// least e^-RESCALE_AT, so the rescale errors form a geometric series (<= 6u / (1 - e^-2), about
// 7u) however many maxima a row has, where rescaling at every maximum of a sorted row would add
// them up. The terms' exponents stay <= RESCALE_AT, so their own rounding stays small too.
#define RESCALE_AT 2

inline void online_add(REAL *m, REAL *r, REAL *s, REAL *c, REAL x, REAL twoOverT) {
    *m = max_nan(*m, x);
    // -inf adds nothing; a NaN is carried by *m alone.
    if (!(x > -INFINITY)) {
        return;
    }
    REAL z = scaled_diff(x, *r, twoOverT);
    // Also taken by the first finite value (*r = -inf makes z +inf) and by +inf.
    if (z > RESCALE_AT) {
        REAL f = exp(scaled_diff(*r, x, twoOverT));
        *s *= f;
        *c *= f;
        *r = x;
        z = 0;
    }
    kahan_add(s, c, exp(z));
}

// A work-item's online sum moved onto the row max mx (>= its reference r; 0 if it saw no finite value).
inline REAL online_rebase(REAL r, REAL s, REAL c, REAL mx, REAL twoOverT) {
    return (s - c) * exp(scaled_diff(r, mx, twoOverT));
}

// Logsumexp from a reduced max and sum: NaN for a NaN row, +-inf for an infinite max (an empty or
// all -inf slice gives -inf, as ONNX ReduceLogSumExp), else max + log(sum).
inline REAL lse_of(REAL m, REAL s) {
    return (isnan(m) || isinf(m)) ? m : m + log(s);
}

// Whether (va, ia) beats (vb, ib) as the first maximum: the first NaN wins (numpy / torch argmax),
// then the larger value, then the lower index. Index -1 marks a work-item that saw no element.
inline bool arg_better(REAL va, int ia, REAL vb, int ib) {
    if (ia < 0) {
        return false;
    }
    if (ib < 0) {
        return true;
    }
    bool na = isnan(va);
    bool nb = isnan(vb);
    if (na || nb) {
        return na && (!nb || ia < ib);
    }
    return va > vb || (va == vb && ia < ib);
}

// Tree reductions over aligned segments of `width` work-items (a power of two) in local memory.
// Every work-item of the work-group must call them the same number of times: they hold barriers.
inline REAL segment_max(__local REAL *buf, REAL v, int width) {
    int lid = get_local_id(0);
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = width >> 1; off > 0; off >>= 1) {
        if ((lid & (width - 1)) < off) {
            buf[lid] = max_nan(buf[lid], buf[lid + off]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    REAL r = buf[lid & ~(width - 1)];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

inline REAL segment_sum(__local REAL *buf, REAL v, int width) {
    int lid = get_local_id(0);
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = width >> 1; off > 0; off >>= 1) {
        if ((lid & (width - 1)) < off) {
            buf[lid] += buf[lid + off];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    REAL r = buf[lid & ~(width - 1)];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// The first maximum's index over each segment; returns it to every work-item of the segment.
inline int segment_argmax(__local REAL *vals, __local int *idxs, REAL v, int i, int width) {
    int lid = get_local_id(0);
    vals[lid] = v;
    idxs[lid] = i;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = width >> 1; off > 0; off >>= 1) {
        if ((lid & (width - 1)) < off && arg_better(vals[lid + off], idxs[lid + off], vals[lid], idxs[lid])) {
            vals[lid] = vals[lid + off];
            idxs[lid] = idxs[lid + off];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    int r = idxs[lid & ~(width - 1)];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

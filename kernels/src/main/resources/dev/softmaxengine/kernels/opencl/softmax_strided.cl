// A non-last axis (inner > 1): element (o, k, i) sits at (o * n + k) * inner + i. One work-item per
// slice (o, i) walks k; neighbouring work-items take neighbouring i, so every step of the walk is
// one contiguous, coalesced load across the work-group, and no transpose is needed. The online
// normalizer (online_add) gives max and sum in one read; a second read writes.
// The global size is padded to a multiple of the work-group size (PoCL and OpenCL 1.2 need uniform
// work-groups), so work-items past outer * inner return at once; there are no barriers here.

__kernel void softmax_strided(__global const STORE *in, __global STORE *out, long outer, long n, long inner,
                              REAL twoOverT, int mode) {
    long gid = get_global_id(0);
    if (gid >= outer * inner) {
        return;
    }
    long o = gid / inner;
    long i = gid - o * inner;
    __global const STORE *x = in + o * n * inner + i;

    REAL m = -INFINITY;
    REAL ref = -INFINITY;
    REAL s = 0;
    REAL c = 0;
    for (long k = 0; k < n; k++) {
        online_add(&m, &ref, &s, &c, LD(x, k * inner), twoOverT);
    }
    bool special = isnan(m) || isinf(m);
    s = special ? 0 : online_rebase(ref, s, c, m, twoOverT);
    if (mode == MODE_LOGSUMEXP) {
        ST(out, gid, lse_of(m, s));
        return;
    }
    __global STORE *y = out + o * n * inner + i;
    REAL logS = log(s);
    for (long k = 0; k < n; k++) {
        REAL z = scaled_diff(LD(x, k * inner), m, twoOverT);
        ST(y, k * inner, special ? NAN : (mode == MODE_SOFTMAX ? exp(z) / s : z - logS));
    }
}

// Index of the first maximum of slice gid = o * inner + i.
inline int strided_argmax(__global const STORE *x, long n, long inner) {
    REAL best = LD(x, 0);
    int bestIdx = 0;
    for (long k = 1; k < n && !isnan(best); k++) {
        REAL v = LD(x, k * inner);
        if (v > best || isnan(v)) {
            best = v;
            bestIdx = (int) k;
        }
    }
    return bestIdx;
}

// n >= 1 here: the contract rejects argmax over an empty axis, and hardmax of one is empty.
__kernel void argmax_strided(__global const STORE *in, __global int *idx, long outer, long n, long inner) {
    long gid = get_global_id(0);
    if (gid >= outer * inner) {
        return;
    }
    long o = gid / inner;
    long i = gid - o * inner;
    idx[gid] = strided_argmax(in + o * n * inner + i, n, inner);
}

__kernel void hardmax_strided(__global const STORE *in, __global STORE *out, long outer, long n, long inner) {
    long gid = get_global_id(0);
    if (gid >= outer * inner) {
        return;
    }
    long o = gid / inner;
    long i = gid - o * inner;
    long base = o * n * inner + i;
    int best = strided_argmax(in + base, n, inner);
    for (long k = 0; k < n; k++) {
        ST(out, base + k * inner, k == best ? (REAL) 1 : (REAL) 0);
    }
}

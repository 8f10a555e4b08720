// Long contiguous rows that do not fit local memory: one work-group per row, two passes over global
// memory. Pass one keeps an online normalizer per work-item (running max, and a Kahan-compensated
// sum against a lagged reference; see online_add), so the max and the sum come out of a single
// read. Pass two reads again and writes. Logsumexp needs only pass one: any row longer than a
// lane group's takes it here, reading every element exactly once.

__kernel void softmax_online(__global const STORE *in, __global STORE *out, long n, REAL twoOverT, int mode,
                             __local REAL *buf) {
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    long r = get_group_id(0);
    __global const STORE *x = in + r * n;

    REAL m = -INFINITY;
    REAL ref = -INFINITY;
    REAL s = 0;
    REAL c = 0;
    for (long k = lid; k < n; k += wg) {
        online_add(&m, &ref, &s, &c, LD(x, k), twoOverT);
    }
    // The exact row max first, then every work-item moves its sum onto it: one exp each, rather
    // than one per level of a tree of online merges.
    m = segment_max(buf, m, wg);
    bool special = isnan(m) || isinf(m);
    s = segment_sum(buf, special ? 0 : online_rebase(ref, s, c, m, twoOverT), wg);

    if (mode == MODE_LOGSUMEXP) {
        if (lid == 0) {
            ST(out, r, lse_of(m, s));
        }
        return;
    }
    __global STORE *y = out + r * n;
    if (special) {
        for (long k = lid; k < n; k += wg) {
            ST(y, k, NAN);
        }
        return;
    }
    REAL logS = log(s);
    for (long k = lid; k < n; k += wg) {
        REAL z = scaled_diff(LD(x, k), m, twoOverT);
        ST(y, k, mode == MODE_SOFTMAX ? exp(z) / s : z - logS);
    }
}

// Index of the first maximum of row r; every work-item of the group gets it.
inline int group_argmax(__global const STORE *x, long n, __local REAL *vals, __local int *idxs) {
    REAL best = -INFINITY;
    int bestIdx = -1;
    for (long k = get_local_id(0); k < n; k += get_local_size(0)) {
        REAL v = LD(x, k);
        if (arg_better(v, (int) k, best, bestIdx)) {
            best = v;
            bestIdx = (int) k;
        }
    }
    return segment_argmax(vals, idxs, best, bestIdx, get_local_size(0));
}

__kernel void argmax_group(__global const STORE *in, __global int *idx, long n,
                           __local REAL *vals, __local int *idxs) {
    long r = get_group_id(0);
    int best = group_argmax(in + r * n, n, vals, idxs);
    if (get_local_id(0) == 0) {
        idx[r] = best;
    }
}

__kernel void hardmax_group(__global const STORE *in, __global STORE *out, long n,
                            __local REAL *vals, __local int *idxs) {
    long r = get_group_id(0);
    int best = group_argmax(in + r * n, n, vals, idxs);
    __global STORE *y = out + r * n;
    for (long k = get_local_id(0); k < n; k += get_local_size(0)) {
        ST(y, k, k == best ? (REAL) 1 : (REAL) 0);
    }
}

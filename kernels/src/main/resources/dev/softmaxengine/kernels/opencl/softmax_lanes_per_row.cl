// Short contiguous rows (n <= LANES_MAX * MAX_COLS_PER_LANE): a group of `lanes` work-items per
// row, the OpenCL form of OneFlow's warp-per-row kernel. Each work-item keeps its ceil(n / lanes)
// elements in private memory, so the row is read once and written once. The lane reductions go
// through local memory: OpenCL 1.2 has no sub-group shuffles, and neither PoCL nor NVIDIA's
// runtime offers cl_khr_subgroups.
//
// Work-group: lanes * (rows per group) work-items; `lanes` is a power of two <= 32, chosen by the
// host as the smallest that covers the row (OneFlow's thread-group width), so 3-element rows do not
// leave 29 work-items idle. Rows past `rows` (padding of the last group) still join every barrier.

#define MAX_COLS_PER_LANE 32

__kernel void softmax_lanes(__global const STORE *in, __global STORE *out, long rows, int n, int lanes,
                            REAL twoOverT, int mode, __local REAL *buf) {
    int lane = get_local_id(0) & (lanes - 1);
    long row = get_group_id(0) * (long) (get_local_size(0) / lanes) + get_local_id(0) / lanes;
    bool active = row < rows;
    __global const STORE *x = in + (active ? row : 0) * (long) n;

    REAL v[MAX_COLS_PER_LANE];
    REAL m = -INFINITY;
#pragma unroll
    for (int j = 0; j < MAX_COLS_PER_LANE; j++) {
        int k = lane + j * lanes;
        v[j] = (active && k < n) ? LD(x, k) : -INFINITY;
        m = max_nan(m, v[j]);
    }
    m = segment_max(buf, m, lanes);

    // NaN, +inf, or only -inf: softmax and log-softmax are NaN, logsumexp is the max itself.
    bool special = isnan(m) || isinf(m);
    REAL s = 0;
    if (!special) {
#pragma unroll
        for (int j = 0; j < MAX_COLS_PER_LANE; j++) {
            if (lane + j * lanes < n) {
                REAL z = scaled_diff(v[j], m, twoOverT);
                REAL e = exp(z);
                s += e;
                v[j] = mode == MODE_SOFTMAX ? e : z;
            }
        }
    }
    s = segment_sum(buf, s, lanes);
    if (!active) {
        return;
    }
    if (mode == MODE_LOGSUMEXP) {
        if (lane == 0) {
            ST(out, row, lse_of(m, s));
        }
        return;
    }
    __global STORE *y = out + row * (long) n;
    REAL logS = log(s);
#pragma unroll
    for (int j = 0; j < MAX_COLS_PER_LANE; j++) {
        int k = lane + j * lanes;
        if (k < n) {
            ST(y, k, special ? NAN : (mode == MODE_SOFTMAX ? v[j] / s : v[j] - logS));
        }
    }
}

// Index of the first maximum of the row; every lane of the row's segment gets it.
inline int lanes_argmax(__global const STORE *x, bool active, int n, int lane, int lanes,
                        __local REAL *vals, __local int *idxs) {
    REAL best = -INFINITY;
    int bestIdx = -1;
    for (int k = lane; active && k < n; k += lanes) {
        REAL v = LD(x, k);
        if (arg_better(v, k, best, bestIdx)) {
            best = v;
            bestIdx = k;
        }
    }
    return segment_argmax(vals, idxs, best, bestIdx, lanes);
}

__kernel void argmax_lanes(__global const STORE *in, __global int *idx, long rows, int n, int lanes,
                           __local REAL *vals, __local int *idxs) {
    int lane = get_local_id(0) & (lanes - 1);
    long row = get_group_id(0) * (long) (get_local_size(0) / lanes) + get_local_id(0) / lanes;
    bool active = row < rows;
    int best = lanes_argmax(in + (active ? row : 0) * (long) n, active, n, lane, lanes, vals, idxs);
    if (active && lane == 0) {
        idx[row] = best;
    }
}

__kernel void hardmax_lanes(__global const STORE *in, __global STORE *out, long rows, int n, int lanes,
                            __local REAL *vals, __local int *idxs) {
    int lane = get_local_id(0) & (lanes - 1);
    long row = get_group_id(0) * (long) (get_local_size(0) / lanes) + get_local_id(0) / lanes;
    bool active = row < rows;
    int best = lanes_argmax(in + (active ? row : 0) * (long) n, active, n, lane, lanes, vals, idxs);
    if (!active) {
        return;
    }
    __global STORE *y = out + row * (long) n;
    for (int k = lane; k < n; k += lanes) {
        ST(y, k, k == best ? (REAL) 1 : (REAL) 0);
    }
}

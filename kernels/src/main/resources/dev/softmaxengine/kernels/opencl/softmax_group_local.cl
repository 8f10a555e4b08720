// Medium contiguous rows: one work-group per row with the whole row staged in local memory
// (OneFlow's block-smem kernel), so global memory sees one read and one write per element. The
// host picks it only while n elements fit the local-memory budget. Each work-item sums its strided
// share (at most budget / work-group size terms, 32 for fp32 at 256 work-items), then a tree
// combines the partial sums.

__kernel void softmax_group_local(__global const STORE *in, __global STORE *out, int n, REAL twoOverT, int mode,
                                  __local REAL *row, __local REAL *buf) {
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    long r = get_group_id(0);
    __global const STORE *x = in + r * (long) n;

    REAL m = -INFINITY;
    for (int k = lid; k < n; k += wg) {
        REAL v = LD(x, k);
        row[k] = v;
        m = max_nan(m, v);
    }
    m = segment_max(buf, m, wg);

    __global STORE *y = out + r * (long) n;
    // NaN, +inf, or only -inf: the whole row is NaN. The branch is uniform: m came from local memory.
    if (isnan(m) || isinf(m)) {
        for (int k = lid; k < n; k += wg) {
            ST(y, k, NAN);
        }
        return;
    }
    REAL s = 0;
    for (int k = lid; k < n; k += wg) {
        REAL z = scaled_diff(row[k], m, twoOverT);
        REAL e = exp(z);
        s += e;
        row[k] = mode == MODE_SOFTMAX ? e : z;
    }
    s = segment_sum(buf, s, wg);
    REAL logS = log(s);
    for (int k = lid; k < n; k += wg) {
        ST(y, k, mode == MODE_SOFTMAX ? row[k] / s : row[k] - logS);
    }
}

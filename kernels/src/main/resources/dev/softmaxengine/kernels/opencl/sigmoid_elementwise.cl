// Sigmoid and log-sigmoid, one element per work-item (the global size is padded to whole
// work-groups). Both forms avoid overflow: e^x / (1 + e^x) below zero, and
// log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|), which stays exact for large |x| either way.

__kernel void sigmoid(__global const STORE *in, __global STORE *out, long size, int logOut) {
    long i = get_global_id(0);
    if (i >= size) {
        return;
    }
    REAL x = LD(in, i);
    if (logOut) {
        // fmin drops a NaN, but log1p(exp(NaN)) brings it back.
        ST(out, i, fmin(x, (REAL) 0) - log1p(exp(-fabs(x))));
    } else if (x >= 0) {
        ST(out, i, (REAL) 1 / ((REAL) 1 + exp(-x)));
    } else {
        REAL e = exp(x);
        ST(out, i, e / ((REAL) 1 + e));
    }
}

// Top-k and sample, one work-item per slice, following the rules of the Java class
// dev.softmaxengine.api.spi.Selection so every backend keeps the same entries and draws the same
// index: entries ordered by key (below), ties to the lower index; no sort of the row, only
// bisections over the keys (at most 64 counting passes) and a heap sort of the k kept entries.
// Sample needs fp64 (its probabilities and sums are fp64 on every backend): without cl_khr_fp64
// the host does not call it. Not tuned for speed: a slice is one work-item's sequential loop.
//
// bfloat16 and float16 (-D STORE_BF16 / -D STORE_F16, REAL float) are read as their bits and
// widened exactly (VAL), so they rank and draw as their float32 widening does; top-k copies the
// bits themselves into values (a NaN's payload too), and sample rounds its fp64 log-probability
// once to the 16-bit dtype.

#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define HAS_FP64 1
#endif

// ELEM is how an input element is stored; VAL(p, i) is element i as REAL, exactly.
#if defined(STORE_BF16) || defined(STORE_F16)
#define ELEM ushort
#else
#define ELEM REAL
#endif
#if defined(STORE_F16)
#define VAL(p, i) vload_half((i), (__global const half *) (p))
#elif defined(STORE_BF16)
#define VAL(p, i) as_float(((uint) (p)[i]) << 16)
#else
#define VAL(p, i) ((p)[i])
#endif

// Selection.SLACK: a top-p or min-p boundary within this relative distance counts as reached.
#define SLACK 1e-12

// An integer that orders values as the ops do: -0.0 equal to 0.0, NaN above +inf.
inline long key_of(REAL x) {
    if (isnan(x)) {
        return LONG_MAX;
    }
    if (x == (REAL) 0) {
        x = (REAL) 0;
    }
#ifdef USE_FP64
    long b = as_long(x);
    return b ^ ((b >> 63) & LONG_MAX);
#else
    int b = as_int(x);
    return (long) (b ^ ((b >> 31) & INT_MAX));
#endif
}

// The least and greatest key of a slice.
inline void key_range(__global const ELEM *x, long n, long stride, long *lo, long *hi) {
    *lo = LONG_MAX;
    *hi = LONG_MIN;
    for (long k = 0; k < n; k++) {
        long key = key_of(VAL(x, k * stride));
        *lo = min(*lo, key);
        *hi = max(*hi, key);
    }
}

// The midpoint of lo < hi rounded up, without overflow (the difference is taken as unsigned).
inline long upper_mid(long lo, long hi) {
    return lo + (long) (((ulong) hi - (ulong) lo) >> 1) + 1;
}

// The largest key t with at least `count` entries of key >= t: the count-th largest key.
inline long kth_key(__global const ELEM *x, long n, long stride, long count) {
    long lo, hi;
    key_range(x, n, stride, &lo, &hi);
    while (lo < hi) {
        long mid = upper_mid(lo, hi);
        long c = 0;
        for (long k = 0; k < n; k++) {
            c += key_of(VAL(x, k * stride)) >= mid;
        }
        if (c >= count) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return lo;
}

// Whether (ka, ia) ranks below (kb, ib): a lower key, or the same key at a higher index.
inline bool worse(long ka, int ia, long kb, int ib) {
    return ka < kb || (ka == kb && ia > ib);
}

inline void swap_entries(__global ELEM *v, __global int *idx, long inner, long a, long b) {
    ELEM tv = v[a * inner];
    v[a * inner] = v[b * inner];
    v[b * inner] = tv;
    int ti = idx[a * inner];
    idx[a * inner] = idx[b * inner];
    idx[b * inner] = ti;
}

// Restores the heap (every parent worse than its children) below c, in the first `size` entries.
inline void sift_down(__global ELEM *v, __global int *idx, long inner, long c, long size) {
    while (true) {
        long l = 2 * c + 1;
        if (l >= size) {
            return;
        }
        long m = l;
        if (l + 1 < size && worse(key_of(VAL(v, (l + 1) * inner)), idx[(l + 1) * inner], key_of(VAL(v, l * inner)),
                                  idx[l * inner])) {
            m = l + 1;
        }
        if (!worse(key_of(VAL(v, m * inner)), idx[m * inner], key_of(VAL(v, c * inner)), idx[c * inner])) {
            return;
        }
        swap_entries(v, idx, inner, m, c);
        c = m;
    }
}

__kernel void top_k(__global const ELEM *in, __global ELEM *values, __global int *indices, long outer, long n,
                    long inner, long k) {
    long gid = get_global_id(0);
    if (gid >= outer * inner) {
        return;
    }
    long o = gid / inner;
    long i = gid - o * inner;
    __global const ELEM *x = in + o * n * inner + i;
    __global ELEM *v = values + o * k * inner + i;
    __global int *idx = indices + o * k * inner + i;
    long t = kth_key(x, n, inner, k);
    long above = 0;
    for (long j = 0; j < n; j++) {
        above += key_of(VAL(x, j * inner)) > t;
    }
    // The kept entries in index order: every key above t, and the first k - above equal to it.
    long ties = k - above;
    long w = 0;
    for (long j = 0; j < n && w < k; j++) {
        long key = key_of(VAL(x, j * inner));
        if (key > t || (key == t && ties-- > 0)) {
            v[w * inner] = x[j * inner];
            idx[w * inner] = (int) j;
            w++;
        }
    }
    // Heap sort, best first: a heap whose root is the worst, moved to the end one at a time.
    for (long c = k / 2 - 1; c >= 0; c--) {
        sift_down(v, idx, inner, c, k);
    }
    for (long end = k - 1; end > 0; end--) {
        swap_entries(v, idx, inner, 0, end);
        sift_down(v, idx, inner, 0, end);
    }
}

#ifdef HAS_FP64

// Philox4x32-10 (Salmon et al. 2011) at counter (c0..c3) under key (k0, k1): the first two words.
inline void philox(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint *w0, uint *w1) {
    for (int round = 0; round < 10; round++) {
        uint hi0 = mul_hi(0xD2511F53u, c0);
        uint lo0 = 0xD2511F53u * c0;
        uint hi1 = mul_hi(0xCD9E8D57u, c2);
        uint lo1 = 0xCD9E8D57u * c2;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    *w0 = c0;
    *w1 = c1;
}

// Philox.uniform(seed, row): 53 bits of the first two words, in [0, 1).
inline double uniform(ulong seed, ulong row) {
    uint w0, w1;
    philox((uint) row, (uint) (row >> 32), 0, 0, (uint) seed, (uint) (seed >> 32), &w0, &w1);
    return (double) (((ulong) w0 << 21) | (w1 >> 11)) * 0x1p-53;
}

// A candidate set: keys above t, and the first `ties` entries of key t in index order. The walks
// below count the ties they have seen in *seen.
inline bool in_set(long key, long t, long ties, long *seen) {
    return key > t || (key == t && (*seen)++ < ties);
}

#if defined(STORE_BF16)
// v rounded once to bfloat16: toward zero to float with the last bit set where that was inexact
// (rounding to odd, 16 bits to spare), then to nearest even, as Java's Half.fromDouble.
inline ushort bf16_of_double(double v) {
    float f = convert_float_rtz(v);
    if (!isnan(v) && (double) f != v) {
        f = as_float(as_uint(f) | 1u);
    }
    return bf16_rne(f);
}
#endif

__kernel void sample(__global const ELEM *in, __global int *indices, __global ELEM *log_probs, int with_log_probs,
                     long rows, long n, double temperature, long top_k, double top_p, double min_p, ulong seed) {
    long row = get_global_id(0);
    if (row >= rows) {
        return;
    }
    __global const ELEM *x = in + row * n;
    double top = -INFINITY;
    long argmax = 0;
    bool nan = false;
    for (long k = 0; k < n; k++) {
        double v = (double) VAL(x, k);
        nan |= isnan(v);
        if (v > top) {
            top = v;
            argmax = k;
        }
    }
    int drawn = -1;
    double lp = NAN;
    if (!nan && temperature == 0) {
        drawn = (int) argmax;
        lp = 0;
    } else if (!nan && !isinf(top)) {
        double t = temperature;
        // The top-k set (every entry without top-k) and its mass.
        long tk = LONG_MIN;
        long tiesK = LONG_MAX;
        if (top_k > 0 && top_k < n) {
            tk = kth_key(x, n, 1, top_k);
            long above = 0;
            for (long k = 0; k < n; k++) {
                above += key_of(VAL(x, k)) > tk;
            }
            tiesK = top_k - above;
        }
        double least = min_p * (1 - SLACK);
        double massK = 0;
        double massLeast = 0;
        long seen = 0;
        for (long k = 0; k < n; k++) {
            if (in_set(key_of(VAL(x, k)), tk, tiesK, &seen)) {
                double p = exp(((double) VAL(x, k) - top) / t);
                massK += p;
                massLeast += p >= least ? p : 0;
            }
        }
        double target = (top_p - SLACK) * massK;
        // The kept set: (tf, tiesF) for a top-p prefix; else the entries of the top-k set with p >= least.
        long tf = LONG_MIN;
        long tiesF = LONG_MAX;
        bool byMinP = !(top_p < 1 && massLeast >= target);
        if (!byMinP) {
            long lo, hi;
            key_range(x, n, 1, &lo, &hi);
            while (lo < hi) {
                long mid = upper_mid(lo, hi);
                double m = 0;
                seen = 0;
                for (long k = 0; k < n; k++) {
                    long key = key_of(VAL(x, k));
                    if (in_set(key, tk, tiesK, &seen) && key >= mid) {
                        m += exp(((double) VAL(x, k) - top) / t);
                    }
                }
                if (m >= target) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            tf = lo;
            double cum = 0;
            seen = 0;
            for (long k = 0; k < n; k++) {
                long key = key_of(VAL(x, k));
                if (in_set(key, tk, tiesK, &seen) && key > tf) {
                    cum += exp(((double) VAL(x, k) - top) / t);
                }
            }
            tiesF = 0;
            seen = 0;
            for (long k = 0; k < n && cum < target; k++) {
                long key = key_of(VAL(x, k));
                if (in_set(key, tk, tiesK, &seen) && key == tf) {
                    cum += exp(((double) VAL(x, k) - top) / t);
                    tiesF++;
                }
            }
            tiesF = tiesF > 0 ? tiesF : 1;
        }
        // Its mass (Kahan-compensated, so the log-probability is exact to a few ulp at any length),
        // then the draw: the first kept index whose running sum passes u * mass.
        double mass = 0;
        double comp = 0;
        long seenK = 0;
        long seenF = 0;
        for (long k = 0; k < n; k++) {
            long key = key_of(VAL(x, k));
            if (!in_set(key, tk, tiesK, &seenK)) {
                continue;
            }
            double p = exp(((double) VAL(x, k) - top) / t);
            if (byMinP ? p >= least : in_set(key, tf, tiesF, &seenF)) {
                double y = p - comp;
                double s = mass + y;
                comp = (s - mass) - y;
                mass = s;
            }
        }
        double threshold = uniform(seed, (ulong) row) * mass;
        double run = 0;
        seenK = 0;
        seenF = 0;
        for (long k = 0; k < n; k++) {
            long key = key_of(VAL(x, k));
            if (!in_set(key, tk, tiesK, &seenK)) {
                continue;
            }
            double p = exp(((double) VAL(x, k) - top) / t);
            if ((byMinP ? p >= least : in_set(key, tf, tiesF, &seenF)) && p > 0) {
                run += p;
                drawn = (int) k;
                if (run > threshold) {
                    break;
                }
            }
        }
        lp = ((double) VAL(x, drawn) - top) / t - log(mass);
    }
    indices[row] = drawn;
    if (with_log_probs) {
#if defined(STORE_F16)
        vstore_half_rte(lp, row, (__global half *) log_probs);
#elif defined(STORE_BF16)
        log_probs[row] = bf16_of_double(lp);
#else
        log_probs[row] = (REAL) lp;
#endif
    }
}

#endif

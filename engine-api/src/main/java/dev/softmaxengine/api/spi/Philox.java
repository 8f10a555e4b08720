package dev.softmaxengine.api.spi;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
 * counter-based generator, so the random number of any (seed, row) is computed directly, without
 * state shared between threads, batches or devices. The OpenCL and CUDA kernels implement the
 * same rounds; the known-answer vectors of Random123 test all three.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private Philox() {
    }

    /**
     * Ten rounds of Philox4x32 on {@code counter} under {@code key}.
     *
     * @param counter four 32-bit words; not modified
     * @param key two 32-bit words; not modified
     * @return the four output words
     * @throws IllegalArgumentException when the arrays do not have 4 and 2 words
     */
    public static int[] philox4x32(int[] counter, int[] key) {
        if (counter == null || counter.length != 4 || key == null || key.length != 2) {
            throw new IllegalArgumentException("counter must have 4 words and key 2");
        }
        int c0 = counter[0];
        int c1 = counter[1];
        int c2 = counter[2];
        int c3 = counter[3];
        int k0 = key[0];
        int k1 = key[1];
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xffffffffL) * (c0 & 0xffffffffL);
            long p1 = (M1 & 0xffffffffL) * (c2 & 0xffffffffL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            c1 = (int) p1;
            c3 = (int) p0;
            c0 = n0;
            c2 = n2;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /**
     * The uniform of one row: Philox4x32-10 keyed by the seed's two halves (low word first) at
     * counter (row low, row high, 0, 0), its first two output words made into 53 bits.
     *
     * @param seed the key
     * @param row the counter, the row's index in the call
     * @return a double in {@code [0, 1)}, a multiple of 2^-53
     */
    public static double uniform(long seed, long row) {
        int[] w = philox4x32(new int[] {(int) row, (int) (row >>> 32), 0, 0}, new int[] {(int) seed, (int) (seed >>> 32)});
        long bits = ((w[0] & 0xffffffffL) << 21) | ((w[1] & 0xffffffffL) >>> 11);
        return bits * 0x1p-53;
    }
}

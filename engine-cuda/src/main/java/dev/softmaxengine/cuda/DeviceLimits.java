package dev.softmaxengine.cuda;

/**
 * What the launch planner needs to know about a GPU, read once from the driver
 * ({@code cuDeviceGetAttribute}) or made up in tests.
 *
 * @param multiprocessors streaming multiprocessors (SMs)
 * @param sharedPerBlock dynamic shared memory a block gets without opting in (48 KiB on every GPU since Volta)
 * @param sharedPerBlockOptIn the most a block can opt in to ({@code MAX_SHARED_MEMORY_PER_BLOCK_OPTIN}:
 *     64 KiB on sm_75, 99 KiB on sm_86, 227 KiB on sm_90)
 */
public record DeviceLimits(int multiprocessors, int sharedPerBlock, int sharedPerBlockOptIn) {
    public DeviceLimits {
        if (multiprocessors < 1) {
            throw new IllegalArgumentException("multiprocessors must be >= 1, was " + multiprocessors);
        }
        if (sharedPerBlock < 16 * 1024) {
            throw new IllegalArgumentException("sharedPerBlock must be >= 16384, was " + sharedPerBlock);
        }
        if (sharedPerBlockOptIn < sharedPerBlock) {
            throw new IllegalArgumentException("sharedPerBlockOptIn must be >= sharedPerBlock (" + sharedPerBlock
                    + "), was " + sharedPerBlockOptIn);
        }
    }
}

package dev.softmaxengine.bench.suite;

/**
 * A host-device copy of a device backend, timed apart from compute with the host clock around
 * {@link dev.softmaxengine.api.DeviceBuffer#write} or {@code read} (both return once the copy is done).
 *
 * @param direction {@link #HOST_TO_DEVICE} or {@link #DEVICE_TO_HOST}
 * @param bytes bytes copied (one way, counted once)
 */
public record TransferResult(String label, String backend, String device, String direction, String dtype, long rows,
                             long cols, long bytes, Samples timing, double gbps) {
    public static final String HOST_TO_DEVICE = "host-to-device";
    public static final String DEVICE_TO_HOST = "device-to-host";

    public static TransferResult of(String label, String backend, String device, String direction, String dtype,
                                    long rows, long cols, long bytes, Samples timing) {
        return new TransferResult(label, backend, device, direction, dtype, rows, cols, bytes, timing,
                Traffic.gigabytesPerSecond(bytes, timing.medianMs()));
    }
}

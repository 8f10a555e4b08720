package dev.softmaxengine.opencl;

import dev.softmaxengine.api.SoftmaxEngineException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * The boundary to JOCL: JOCL runs with exceptions enabled, and every failing call leaves here as a
 * {@link SoftmaxEngineException} naming the call and the CL error, never as a bare status code.
 */
final class Cl {
    private Cl() {
    }

    /** Turns JOCL's status codes into exceptions; idempotent, global to JOCL. */
    static void enableExceptions() {
        CL.setExceptionsEnabled(true);
    }

    /**
     * A fault to raise before a CL call, for tests of device failures (a failed build, an
     * allocation the device refuses, a device lost after a launch); null outside tests.
     */
    @FunctionalInterface
    interface Fault {
        /** Throws a {@link CLException} to fail the call named {@code call}, or returns to let it run. */
        void before(String call);
    }

    static volatile Fault fault;

    /** Raises the injected fault, if any, for {@code call}. */
    static void inject(String call) {
        Fault f = fault;
        if (f != null) {
            f.before(call);
        }
    }

    static <T> T call(String name, Supplier<T> call) {
        try {
            inject(name);
            return call.get();
        } catch (CLException e) {
            throw failure(name, e);
        }
    }

    static void run(String name, Runnable call) {
        try {
            inject(name);
            call.run();
        } catch (CLException e) {
            throw failure(name, e);
        }
    }

    static SoftmaxEngineException failure(String call, CLException e) {
        return new SoftmaxEngineException("opencl: " + call + " failed with " + errorName(e), e);
    }

    static String errorName(CLException e) {
        return CL.stringFor_errorCode(e.getStatus()) + " (" + e.getStatus() + ")";
    }

    static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        run("clGetPlatformInfo", () -> CL.clGetPlatformInfo(platform, param, 0, null, size));
        byte[] bytes = new byte[(int) size[0]];
        run("clGetPlatformInfo", () -> CL.clGetPlatformInfo(platform, param, bytes.length, Pointer.to(bytes), null));
        return cString(bytes);
    }

    static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        run("clGetDeviceInfo", () -> CL.clGetDeviceInfo(device, param, 0, null, size));
        byte[] bytes = new byte[(int) size[0]];
        run("clGetDeviceInfo", () -> CL.clGetDeviceInfo(device, param, bytes.length, Pointer.to(bytes), null));
        return cString(bytes);
    }

    /** A cl_ulong or size_t device property (both 8 bytes on the 64-bit hosts JOCL ships for). */
    static long deviceLong(cl_device_id device, int param) {
        long[] value = new long[1];
        run("clGetDeviceInfo", () -> CL.clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(value), null));
        return value[0];
    }

    /** A cl_uint or cl_bool device property. */
    static int deviceInt(cl_device_id device, int param) {
        int[] value = new int[1];
        run("clGetDeviceInfo", () -> CL.clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(value), null));
        return value[0];
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8).trim();
    }
}

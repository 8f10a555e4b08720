package dev.softmaxengine.api;

/** A failure inside a backend (a device, driver or kernel error), as opposed to bad arguments. */
public class SoftmaxEngineException extends RuntimeException {
    /**
     * A backend failure without an underlying exception.
     *
     * @param message what failed, for the user; may be null
     */
    public SoftmaxEngineException(String message) {
        super(message);
    }

    /**
     * A backend failure caused by another exception.
     *
     * @param message what failed, for the user; may be null
     * @param cause the exception that caused it (a driver or native error), or null if unknown
     */
    public SoftmaxEngineException(String message, Throwable cause) {
        super(message, cause);
    }
}

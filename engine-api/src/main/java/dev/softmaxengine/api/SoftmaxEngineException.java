package dev.softmaxengine.api;

/** A failure inside a backend (a device, driver or kernel error), as opposed to bad arguments. */
public class SoftmaxEngineException extends RuntimeException {
    public SoftmaxEngineException(String message) {
        super(message);
    }

    public SoftmaxEngineException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.gptjt.schema.wire;

/** The schemas module's boundary exception: bytes that are not a readable record of the expected kind. */
public final class WireFormatException extends RuntimeException {
    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    public WireFormatException(String message) {
        super(message);
    }
}

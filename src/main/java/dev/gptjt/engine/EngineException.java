package dev.gptjt.engine;

/**
 * The one exception type at the engine module's boundary. {@code OrtException} and I/O errors are
 * wrapped in it; {@link #code()} says what kind of failure it is, so callers can react without
 * parsing messages.
 */
public final class EngineException extends RuntimeException {
    private final ErrorCode code;

    public EngineException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public EngineException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /** Unwraps {@code CompletionException}/{@code ExecutionException} chains to the engine's error, if any. */
    public static EngineException from(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof EngineException e) {
                return e;
            }
        }
        return new EngineException(ErrorCode.INFERENCE_FAILED, String.valueOf(t), t);
    }
}

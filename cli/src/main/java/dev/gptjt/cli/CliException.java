package dev.gptjt.cli;

/** A mistake or an unavailable dependency, told to the user in one line (exit code 2). */
public final class CliException extends RuntimeException {
    public CliException(String message) {
        super(message);
    }

    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}

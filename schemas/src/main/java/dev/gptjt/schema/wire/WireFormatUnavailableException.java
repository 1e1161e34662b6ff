package dev.gptjt.schema.wire;

/**
 * A record could not be encoded or decoded for now: the schema registry did not answer (refused, timed out, a
 * server error). Nothing is wrong with the record; the same call may succeed once the registry is back. Not a
 * {@link WireFormatException}, which says the bytes themselves are unreadable.
 */
public class WireFormatUnavailableException extends RuntimeException {
    public WireFormatUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

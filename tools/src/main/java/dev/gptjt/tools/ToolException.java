package dev.gptjt.tools;

/**
 * A benchmark's or task tool's run that cannot go on for a reason its user can mend (an input line that is not a
 * record, a prompt that cannot be built, a service that did not answer): the launcher tells it in one line and exits
 * 2, as it does a usage mistake.
 */
public final class ToolException extends RuntimeException {
    public ToolException(String message) {
        super(message);
    }
}

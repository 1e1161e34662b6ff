package dev.gptjt.engine.internal;

import dev.gptjt.engine.EngineResult;
import java.util.List;

/**
 * What one backend's step produced.
 *
 * @param done         requests that ended in the step, with their results
 * @param stopped      requests of the step's {@link StepWork#stop} and the tokens each had generated when dropped
 * @param rows         rows the step computed (prompt-pass rows, decoding rows, scored rows)
 * @param promptTokens prompt tokens its passes read (cached prefixes not counted)
 * @param decodeTokens tokens fed to decoding rows
 * @param handedBack   requests the backend gave up on without a result, for the general backend (the Java loop) to
 *                     run from their prompts: constrained rows decoded in-graph past their corrections' bound
 */
public record StepOutput(
        List<Done> done,
        List<Stopped> stopped,
        int rows,
        int promptTokens,
        int decodeTokens,
        List<PreparedRequest> handedBack) {
    /** A step that computed nothing. */
    public static final StepOutput NOTHING = new StepOutput(List.of(), List.of(), 0, 0, 0);

    /** A step that handed nothing back. */
    public StepOutput(List<Done> done, List<Stopped> stopped, int rows, int promptTokens, int decodeTokens) {
        this(done, stopped, rows, promptTokens, decodeTokens, List.of());
    }

    /** A request that ended, and its result (queue time not yet set). */
    public record Done(PreparedRequest request, EngineResult result) {}

    /** A dropped request and the tokens it had generated. */
    public record Stopped(PreparedRequest request, int generated) {}
}

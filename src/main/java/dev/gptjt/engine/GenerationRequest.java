package dev.gptjt.engine;

import java.util.Objects;

/**
 * One prompt to complete.
 *
 * @param id         the caller's identifier, echoed in the result
 * @param prompt     the prompt text, always encoded as ordinary text (no special-token parsing)
 * @param params     decoding parameters
 * @param constraint what the completion may be, byte by byte; {@code null} for free generation. A constrained
 *                   request runs on the Java token loop (ONNX Runtime's GreedySearch takes no per-step mask),
 *                   in the same batches as the others
 */
public record GenerationRequest(String id, String prompt, GenerationParams params, ByteAutomaton constraint) {
    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        params = Objects.requireNonNullElse(params, GenerationParams.DEFAULTS);
    }

    /** A request generating freely. */
    public GenerationRequest(String id, String prompt, GenerationParams params) {
        this(id, prompt, params, null);
    }

    public static GenerationRequest of(String id, String prompt) {
        return new GenerationRequest(id, prompt, GenerationParams.DEFAULTS);
    }
}

package dev.gptjt.engine;

import java.util.Objects;

/**
 * One prompt to complete.
 *
 * @param id     the caller's identifier, echoed in the result
 * @param prompt the prompt text, always encoded as ordinary text (no special-token parsing)
 * @param params decoding parameters
 */
public record GenerationRequest(String id, String prompt, GenerationParams params) {
    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        params = Objects.requireNonNullElse(params, GenerationParams.DEFAULTS);
    }

    public static GenerationRequest of(String id, String prompt) {
        return new GenerationRequest(id, prompt, GenerationParams.DEFAULTS);
    }
}

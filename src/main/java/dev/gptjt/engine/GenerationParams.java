package dev.gptjt.engine;

import java.util.List;
import java.util.Objects;

/**
 * Per-request decoding parameters. Defaults are the GPT-JT model card's widget: greedy
 * ({@code top_k} 1), {@code max_new_tokens} 5.
 *
 * @param maxNewTokens tokens to generate at most (≥ 1)
 * @param temperature  logits are divided by it before sampling (finite, ≥ 0; 0 means greedy, as in OpenAI-style APIs)
 * @param topK         keep the k most likely tokens; 1 is greedy, 0 disables the filter
 * @param topP         nucleus filter: keep the smallest set whose probability reaches it (0, 1]
 * @param seed         seed of the row's random generator; {@code null} draws a fresh one
 * @param stop         stop sequences: generation ends at the first one, which is cut from the text
 * @param ignoreEos    keep generating after EOS (as Hugging Face does with {@code eos_token_id=None})
 */
public record GenerationParams(
        int maxNewTokens, double temperature, int topK, double topP, Long seed, List<String> stop, boolean ignoreEos) {

    public static final int DEFAULT_MAX_NEW_TOKENS = 5;
    public static final GenerationParams DEFAULTS =
            new GenerationParams(DEFAULT_MAX_NEW_TOKENS, 1.0, 1, 1.0, null, List.of(), false);

    public GenerationParams {
        stop = List.copyOf(Objects.requireNonNullElse(stop, List.of()));
    }

    /** Greedy decoding: the arg-max token at every step, no randomness. */
    public boolean greedy() {
        return topK == 1 || temperature == 0;
    }

    /**
     * Checks every range.
     *
     * @param maxNewTokensCap the largest {@code max_new_tokens} this deployment accepts
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER} naming the first offending field
     */
    public GenerationParams validate(int maxNewTokensCap) {
        if (maxNewTokens < 1 || maxNewTokens > maxNewTokensCap) {
            throw invalid("max_new_tokens must be between 1 and " + maxNewTokensCap + ", was " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw invalid("temperature must be a finite number >= 0, was " + temperature);
        }
        if (topK < 0) {
            throw invalid("top_k must be >= 0 (0 = no filter, 1 = greedy), was " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw invalid("top_p must be in (0, 1], was " + topP);
        }
        for (String s : stop) {
            if (s == null || s.isEmpty()) {
                throw invalid("stop sequences must be non-empty strings");
            }
        }
        return this;
    }

    private static EngineException invalid(String message) {
        return new EngineException(ErrorCode.INVALID_PARAMETER, message);
    }

    public GenerationParams withMaxNewTokens(int n) {
        return new GenerationParams(n, temperature, topK, topP, seed, stop, ignoreEos);
    }

    public GenerationParams withIgnoreEos(boolean ignore) {
        return new GenerationParams(maxNewTokens, temperature, topK, topP, seed, stop, ignore);
    }

    public GenerationParams withSampling(double temperature, int topK, double topP, Long seed) {
        return new GenerationParams(maxNewTokens, temperature, topK, topP, seed, stop, ignoreEos);
    }

    public GenerationParams withStop(List<String> stop) {
        return new GenerationParams(maxNewTokens, temperature, topK, topP, seed, stop, ignoreEos);
    }
}

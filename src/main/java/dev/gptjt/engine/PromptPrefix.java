package dev.gptjt.engine;

/**
 * Text that many prompts start with — a task's few-shot instructions and examples — whose KV cache
 * the engine computed once ({@link InferenceEngine#cachePrefix}). A prompt that starts with
 * {@link #text()} and whose tokens start with {@link #tokens()} has only the rest run through the model.
 *
 * @param text   the prompt text the prefix was cut from
 * @param tokens the cached tokens: those of {@code text} that no continuation can change (every
 *               pre-tokenized word but the last, see {@link dev.gptjt.engine.tokenizer.Gpt2Tokenizer#encodeFixedPrefix})
 * @param state  the backend's cache of those tokens (opaque: only the engine reads it)
 */
public record PromptPrefix(String text, int[] tokens, CacheState state) {

    /** The backend's cache of a prefix's tokens, opaque to callers: what it holds, and closing frees it. */
    public interface CacheState extends AutoCloseable {
        /** Bytes it holds. */
        long bytes();

        @Override
        void close();
    }

    /** Bytes the cached KV takes (keys and values of every layer for {@link #tokens()}). */
    public long cacheBytes() {
        return state.bytes();
    }
}

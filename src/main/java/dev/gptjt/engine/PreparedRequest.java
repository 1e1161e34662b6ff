package dev.gptjt.engine;

/**
 * A validated request with its prompt already tokenized.
 *
 * @param id             the caller's id
 * @param promptIds      prompt token ids (non-empty; ids + max_new_tokens fit the context)
 * @param params         validated decoding parameters
 * @param submittedNanos {@link System#nanoTime()} at submission
 * @param labelIds       for a classification: each label's token ids, to be scored rather than
 *                       generating; null for a generation
 * @param deadlineNanos  {@link System#nanoTime()} after which the request is not started
 *                       ({@link Long#MAX_VALUE}: none)
 * @param prefix         a cached prefix {@code promptIds} start with (its KV cache replaces their first
 *                       {@link #prefixLength()} tokens in the prompt pass), or null
 */
public record PreparedRequest(String id, int[] promptIds, GenerationParams params, long submittedNanos, int[][] labelIds,
                              long deadlineNanos, PromptPrefix prefix) {

    /** True when the request's deadline passed by {@code nowNanos}. */
    public boolean expired(long nowNanos) {
        return deadlineNanos != Long.MAX_VALUE && nowNanos - deadlineNanos > 0;
    }

    /**
     * The {@code index}-th of a backend's warm-up requests: 16 prompt tokens ("\n" repeated; any ids
     * will do), no deadline.
     */
    public static PreparedRequest warmUp(int index, GenerationParams params) {
        int[] prompt = new int[16];
        java.util.Arrays.fill(prompt, 198);
        return new PreparedRequest("warm-up-" + index, prompt, params, System.nanoTime(), null, Long.MAX_VALUE, null);
    }

    /** Tokens of the prompt covered by the cached {@link #prefix()}; 0 without one. */
    public int prefixLength() {
        return prefix == null ? 0 : prefix.tokens().length;
    }

    public PreparedRequest withDeadline(long nanos) {
        return new PreparedRequest(id, promptIds, params, submittedNanos, labelIds, nanos, prefix);
    }

    /** The same request run whole, as a backend that keeps no prefixes runs it. */
    public PreparedRequest withoutPrefix() {
        return new PreparedRequest(id, promptIds, params, submittedNanos, labelIds, deadlineNanos, null);
    }

    public PreparedRequest withLabels(int[][] labels) {
        return new PreparedRequest(id, promptIds, params, submittedNanos, labels, deadlineNanos, prefix);
    }

    /** True when this request scores labels instead of generating. */
    public boolean scoring() {
        return labelIds != null;
    }
}

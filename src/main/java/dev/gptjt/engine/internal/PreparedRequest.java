package dev.gptjt.engine.internal;

import dev.gptjt.engine.ByteAutomaton;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.PromptPrefix;
import java.util.Arrays;
import java.util.List;

/**
 * A validated request with its prompt already tokenized, as the scheduler queues it and backends run
 * it: a {@link Generation} produces tokens, a {@link Classification} scores labels.
 */
public sealed interface PreparedRequest permits PreparedRequest.Generation, PreparedRequest.Classification {

    /** The caller's id. */
    String id();

    /** Prompt token ids (non-empty; with what the request adds after them, they fit the context). */
    int[] promptIds();

    /** {@link System#nanoTime()} at submission. */
    long submittedNanos();

    /** {@link System#nanoTime()} after which the request is not started ({@link Long#MAX_VALUE}: none). */
    long deadlineNanos();

    /**
     * A cached prefix {@link #promptIds()} start with (its KV cache replaces their first
     * {@link #prefixLength()} tokens in the prompt pass), or null.
     */
    PromptPrefix prefix();

    /** Most tokens the request reads after its prompt: {@code max_new_tokens}, or its longest label. */
    int continuationTokens();

    PreparedRequest withDeadline(long nanos);

    /** The same request run whole, as a backend that keeps no prefixes runs it. */
    PreparedRequest withoutPrefix();

    /** The generations among {@code requests}, in order. */
    static List<Generation> generations(List<PreparedRequest> requests) {
        return requests.stream()
                .filter(Generation.class::isInstance)
                .map(Generation.class::cast)
                .toList();
    }

    /** The classifications among {@code requests}, in order. */
    static List<Classification> classifications(List<PreparedRequest> requests) {
        return requests.stream()
                .filter(Classification.class::isInstance)
                .map(Classification.class::cast)
                .toList();
    }

    /** True when the request's deadline passed by {@code nowNanos}. */
    default boolean expired(long nowNanos) {
        return deadlineNanos() != Long.MAX_VALUE && nowNanos - deadlineNanos() > 0;
    }

    /** Tokens of the prompt covered by the cached {@link #prefix()}; 0 without one. */
    default int prefixLength() {
        return prefix() == null ? 0 : prefix().tokens().length;
    }

    /**
     * A prompt to continue.
     *
     * @param params     validated decoding parameters
     * @param constraint what the completion may be; {@code null} for free generation
     */
    record Generation(
            String id,
            int[] promptIds,
            GenerationParams params,
            long submittedNanos,
            long deadlineNanos,
            PromptPrefix prefix,
            ByteAutomaton constraint)
            implements PreparedRequest {

        /** A free generation. */
        public Generation(
                String id,
                int[] promptIds,
                GenerationParams params,
                long submittedNanos,
                long deadlineNanos,
                PromptPrefix prefix) {
            this(id, promptIds, params, submittedNanos, deadlineNanos, prefix, null);
        }

        /**
         * The {@code index}-th of a backend's warm-up requests: 16 prompt tokens ("\n" repeated; any ids
         * will do), no deadline.
         */
        public static Generation warmUp(int index, GenerationParams params) {
            int[] prompt = new int[16];
            Arrays.fill(prompt, 198);
            return new Generation("warm-up-" + index, prompt, params, System.nanoTime(), Long.MAX_VALUE, null);
        }

        @Override
        public int continuationTokens() {
            return params.maxNewTokens();
        }

        @Override
        public Generation withDeadline(long nanos) {
            return new Generation(id, promptIds, params, submittedNanos, nanos, prefix, constraint);
        }

        @Override
        public Generation withoutPrefix() {
            return new Generation(id, promptIds, params, submittedNanos, deadlineNanos, null, constraint);
        }

        /** The same prompt, scoring {@code labelIds} instead of generating. */
        public Classification scoring(int[][] labelIds) {
            return new Classification(id, promptIds, labelIds, submittedNanos, deadlineNanos, prefix);
        }
    }

    /**
     * A prompt whose allowed continuations are scored.
     *
     * @param labelIds each label's token ids (at least one label, none empty)
     */
    record Classification(
            String id, int[] promptIds, int[][] labelIds, long submittedNanos, long deadlineNanos, PromptPrefix prefix)
            implements PreparedRequest {

        @Override
        public int continuationTokens() {
            return Arrays.stream(labelIds).mapToInt(l -> l.length).max().orElse(0);
        }

        @Override
        public Classification withDeadline(long nanos) {
            return new Classification(id, promptIds, labelIds, submittedNanos, nanos, prefix);
        }

        @Override
        public Classification withoutPrefix() {
            return new Classification(id, promptIds, labelIds, submittedNanos, deadlineNanos, null);
        }
    }
}

package dev.gptjt.engine;

import java.util.Locale;

/**
 * Which backend decodes greedy generations and scores classifications. Sampling and {@code ignore_eos}
 * always run on the Java token loop. Where greedy search runs in-graph, it runs constrained rows (an output shape)
 * too, by guessing and checking: free in-graph, each token checked against the shape on the host, a refused one
 * corrected from that position's logits alone — the Java loop's answers token for token, without the KV cache
 * crossing PCIe at every token.
 */
public enum DecodingBackend {
    /**
     * The one-pass classification graph whenever the model directory has {@code classify.onnx} (it shares the
     * decoder's session, so its weights, and beats the prefix-cached Java loop on the CPU too); in-graph greedy
     * search on CUDA when the directory has {@code greedy_search.onnx}, free and constrained greedy rows alike.
     * Everything else on the Java loop: on the
     * CPU it is the faster one for generations (no PCIe to save, and the operator's split/stack of the KV cache
     * costs a copy per step that the loop's pass-by-handle avoids), and there the greedy graph would need a
     * second copy of the weights.
     */
    AUTO,
    /** The Java token loop for everything (one {@code session.run} per token, KV cache copied each step). */
    JAVA_LOOP,
    /**
     * In-graph greedy search for greedy generations, constrained ones included (on the CPU too, where the Java loop is
     * the faster: this is how the CUDA path is tested here); the engine refuses to start without
     * {@code greedy_search.onnx}.
     */
    IN_GRAPH;

    /** The name users write: {@code auto}, {@code java-loop}, {@code in-graph}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The backend a user's name denotes (case and {@code -}/{@code _} ignored).
     *
     * @throws IllegalArgumentException when it names none
     */
    public static DecodingBackend parse(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}

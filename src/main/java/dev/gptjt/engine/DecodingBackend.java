package dev.gptjt.engine;

import java.util.Locale;

/**
 * Which backend decodes greedy generations. Sampling, {@code ignore_eos} and label scoring always run
 * on the Java token loop.
 */
public enum DecodingBackend {
    /**
     * In-graph greedy search on CUDA when the model directory has {@code greedy_search.onnx}, else the
     * Java loop. On the CPU the Java loop is the faster one (no PCIe to save, and the operator's
     * split/stack of the KV cache costs a copy per step that the loop's pass-by-handle avoids).
     */
    AUTO,
    /** The Java token loop for everything (one {@code session.run} per token, KV cache copied each step). */
    JAVA_LOOP,
    /** In-graph greedy search for greedy generations; the engine refuses to start without {@code greedy_search.onnx}. */
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

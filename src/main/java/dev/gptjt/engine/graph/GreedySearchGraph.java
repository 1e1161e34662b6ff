package dev.gptjt.engine.graph;

/**
 * The contract of {@code greedy_search.onnx} as {@link GreedySearchConverter} writes it and the in-graph
 * greedy backend runs it: input and output names, and the metadata keys the converter records.
 */
public final class GreedySearchGraph {
    /** Metadata key holding the padding token id the converted model expects. */
    public static final String PAD_TOKEN_KEY = "gptjt.pad_token_id";
    /** Metadata key holding the end-of-sequence id compiled into the operator. */
    public static final String EOS_TOKEN_KEY = "gptjt.eos_token_id";

    public static final String INPUT_IDS = "input_ids";
    public static final String MAX_LENGTH = "max_length";
    public static final String SEQUENCES = "sequences";

    private GreedySearchGraph() {}
}

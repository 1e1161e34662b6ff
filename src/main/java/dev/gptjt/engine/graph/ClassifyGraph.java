package dev.gptjt.engine.graph;

/**
 * The contract of {@code classify.onnx} as {@link ClassifyGraphConverter} writes it and the in-graph
 * classification backend runs it: input and output names, the cached prefix's inputs, and the format
 * marker a graph of an earlier format is refused by.
 */
public final class ClassifyGraph {
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String LABEL_IDS = "label_ids";
    public static final String LABEL0_IDS = "label0_ids";
    public static final String LABEL0_NEXT = "label0_next";
    public static final String LABEL_FIRST = "label_first";
    public static final String LABEL_NEXT = "label_next";
    public static final String LABEL_NEXT_MASK = "label_next_mask";
    public static final String LABEL_LOG_PROBS = "label_log_probs";
    /** Metadata key marking a graph written by the converter; its value is {@link #FORMAT_VERSION}. */
    public static final String FORMAT_KEY = "gptjt.classify_graph";
    /** 2: label 0 read in the prompt pass (1: every label in the label pass). */
    public static final String FORMAT_VERSION = "2";

    private ClassifyGraph() {}

    /** The input holding layer {@code layer}'s cached prefix keys. */
    public static String prefixKey(int layer) {
        return "prefix." + layer + ".key";
    }

    /** The input holding layer {@code layer}'s cached prefix values. */
    public static String prefixValue(int layer) {
        return "prefix." + layer + ".value";
    }
}

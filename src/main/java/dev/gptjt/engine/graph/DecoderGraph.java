package dev.gptjt.engine.graph;

/**
 * The input and output names of an Optimum GPT-J decoder-with-past export ({@code model.onnx}): what the
 * converters rewrite and the runtime feeds. The cache's inputs are {@code past_key_values.N.key|value}
 * and its outputs {@code present.N.key|value}, one pair per layer.
 */
public final class DecoderGraph {
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String POSITION_IDS = "position_ids";
    public static final String LOGITS = "logits";

    private DecoderGraph() {}
}

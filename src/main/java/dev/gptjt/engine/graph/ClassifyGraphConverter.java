package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Builds {@value ModelDirectory#CLASSIFY_FILE}: label scoring in one {@code session.run}. The graph
 * holds the Optimum decoder twice — its nodes copied, its weights shared by name (never copied; external
 * data stays where it is) — and returns only each row's label log-probabilities, so on a GPU the KV
 * cache never crosses to the host and the task's prefix crosses once per batch, at batch 1.
 *
 * <pre>
 *   inputs:  input_ids, attention_mask [b, s]        each row's prompt after the prefix, left-padded
 *            prefix.i.key / .value [1, heads, p, d]  the task's cached prefix (p may be 0)
 *            label_first [L]                         each label's first token
 *            label0_ids [n], label0_next [n]         label 0's tokens but its last, and the token after each
 *            label_ids [L − 1, M]                    every further label's tokens but its last, right-padded
 *            label_next [L − 1, M], label_next_mask [L − 1, M]  token k + 1 of each, and whether there is one
 *
 *   prompt pass:  input = [input_ids | label0_ids]; past = prefix expanded to b rows; mask = [1 × p |
 *                 attention_mask | 1 × n]; positions = p + max(cumsum(mask after p) − 1, 0); lm_head at the
 *                 prompt's last position and label 0's n (causal attention: the prompt does not see label 0)
 *   label pass:   every (row, further label) pair as a row of its own (b·(L − 1) rows): past = the prompt
 *                 pass's cache repeated per label with label 0's columns masked, input = the label's tokens,
 *                 positions after each row's real tokens
 *   scores:       log_softmax(prompt pass at the prompt's end)[label_first]
 *                 + [Σ_k log_softmax(prompt pass at label 0's k)[label0_next_k] | Σ_k label_next_mask ·
 *                    log_softmax(label pass)[label_next]]
 *   output:       label_log_probs float [b, L]
 * </pre>
 */
public final class ClassifyGraphConverter {
    private ClassifyGraphConverter() {}

    /**
     * Converts the directory's {@code model.onnx} and writes {@value ModelDirectory#CLASSIFY_FILE} into
     * {@code outDir} (another directory becomes a complete model directory, as for the greedy graph).
     *
     * @return the written file
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when the graph is not an Optimum GPT-J
     *     decoder with past of opset 13 or later, or a file cannot be read or written (the message names it)
     */
    public static Path convert(ModelDirectory source, Path outDir) {
        try {
            OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(source.modelFile()));
            OnnxMl.ModelProto converted = classifyModel(model, source.config());
            return GreedySearchConverter.write(source, outDir, ModelDirectory.CLASSIFY_FILE, converted);
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, "cannot convert " + source.modelFile() + ": " + e, e);
        }
    }

    /** The classify graph over {@code model}'s decoder, built in the steps the class comment draws. */
    static OnnxMl.ModelProto classifyModel(OnnxMl.ModelProto model, ModelConfig config) {
        OnnxMl.GraphProto decoder = model.getGraph();
        int lmHead = checkDecoder(model);
        DataType kvType = kvType(decoder);
        Graph g = new Graph(decoder);
        Sizes sizes = sizes(g);
        Map<String, String> prompt = promptPass(g, sizes, decoder, lmHead, config.nLayer());
        Map<String, String> labels = labelPass(g, sizes, decoder, prompt, config.nLayer());
        scores(g, sizes, prompt.get(DecoderGraph.LOGITS), labels.get(DecoderGraph.LOGITS));
        declareInputsAndOutput(g.graph(), config, kvType);
        return model.toBuilder()
                .setGraph(g.graph())
                .setProducerName("gptjt convert --classify-in-graph")
                .addMetadataProps(GraphBuilder.entry(ClassifyGraph.FORMAT_KEY, ClassifyGraph.FORMAT_VERSION))
                .build();
    }

    /**
     * Checks that {@code model} is a decoder the graph can be built over: opset 13 or later, the decoder's inputs, no
     * subgraph, logits out of an lm_head MatMul.
     *
     * @return the lm_head MatMul's index
     */
    private static int checkDecoder(OnnxMl.ModelProto model) {
        OnnxMl.GraphProto decoder = model.getGraph();
        require(
                OnnxProtos.defaultOpset(model) >= 13,
                "opset " + OnnxProtos.defaultOpset(model) + " (13 or later needed)");
        Set<String> inputs = new HashSet<>();
        decoder.getInputList().forEach(i -> inputs.add(i.getName()));
        for (String name :
                new String[] {DecoderGraph.INPUT_IDS, DecoderGraph.ATTENTION_MASK, DecoderGraph.POSITION_IDS}) {
            require(inputs.contains(name), "input '" + name + "' is missing");
        }
        for (OnnxMl.NodeProto n : decoder.getNodeList()) {
            for (OnnxMl.AttributeProto a : n.getAttributeList()) {
                require(
                        a.getType() != OnnxMl.AttributeProto.AttributeType.GRAPH
                                && a.getType() != OnnxMl.AttributeProto.AttributeType.GRAPHS,
                        "node '" + n.getName() + "' has a subgraph");
            }
        }
        var matMul = OnnxProtos.lmHeadMatMul(decoder);
        require(matMul.isPresent(), "the logits are not a MatMul (+ bias)");
        return matMul.get();
    }

    /** The KV cache's element type: the prefix inputs take it. */
    private static DataType kvType(OnnxMl.GraphProto decoder) {
        return DataType.forNumber(decoder.getInputList().stream()
                .filter(i -> i.getName().equals("past_key_values.0.key"))
                .findFirst()
                .orElseThrow(() -> invalid("input 'past_key_values.0.key' is missing"))
                .getType()
                .getTensorType()
                .getElemType());
    }

    /**
     * The names of the 1-D sizes the passes are shaped with.
     *
     * @param b   prompts in the batch
     * @param p   the prefix's positions
     * @param l   further labels (all but label 0)
     * @param m   tokens of the longest further label but its last
     * @param bl  {@code b · l}: rows of the label pass
     * @param n   label 0's tokens but its last
     * @param one the constant 1
     */
    private record Sizes(String b, String p, String l, String m, String bl, String n, String one) {}

    private static Sizes sizes(Graph g) {
        String b = dim(g, "b", g.op("Shape", "ids_shape", ClassifyGraph.INPUT_IDS), 0);
        String p = dim(g, "p", g.op("Shape", "prefix_shape", ClassifyGraph.prefixKey(0)), 2);
        String labelShape = g.op("Shape", "label_shape", ClassifyGraph.LABEL_IDS);
        String l = dim(g, "l", labelShape, 0);
        String m = dim(g, "m", labelShape, 1);
        String bl = g.op("Mul", "bl", b, l);
        String one = g.ints("one", 1);
        String n = g.op("Shape", "n", ClassifyGraph.LABEL0_IDS);
        return new Sizes(b, p, l, m, bl, n, one);
    }

    /** Dimension {@code axis} of {@code shape}, as a 1-D size. */
    private static String dim(Graph g, String name, String shape, long axis) {
        return g.op("Gather", name, new String[] {shape, g.ints("i" + axis, axis)}, g.axis(0));
    }

    /**
     * The prompt pass: each row's prompt then label 0's tokens (read by nothing before them: attention is causal),
     * after the prefix expanded to b rows, its columns unmasked before each row's own mask; the lm_head only at the
     * prompt's last position and label 0's.
     *
     * @return the copy's outputs by the decoder's output names
     */
    private static Map<String, String> promptPass(Graph g, Sizes s, OnnxMl.GraphProto decoder, int lmHead, int layers) {
        String ids1 = g.op(
                "Concat",
                "ids1",
                new String[] {
                    ClassifyGraph.INPUT_IDS,
                    g.op("Expand", "label0_b", g.unsqueeze(ClassifyGraph.LABEL0_IDS, 0), g.dims("b_n", s.b(), s.n()))
                },
                g.axis(1));
        String ownMask = g.op(
                "Concat",
                "own_mask1",
                new String[] {ClassifyGraph.ATTENTION_MASK, g.ones("ones_bn", s.b(), s.n())},
                g.axis(1));
        String mask1 = g.op("Concat", "mask1", new String[] {g.ones("ones_bp", s.b(), s.p()), ownMask}, g.axis(1));
        String cumsum = g.op("CumSum", "cumsum", ownMask, g.scalar("axis1", 1));
        String positions1 = g.op(
                "Add",
                "positions1",
                g.op("Max", "clipped", g.op("Sub", "cumsum_1", cumsum, g.scalar("one_s", 1)), g.scalar("zero_s", 0)),
                s.p());
        Map<String, String> pass1 = new HashMap<>(Map.of(
                DecoderGraph.INPUT_IDS,
                ids1,
                DecoderGraph.ATTENTION_MASK,
                mask1,
                DecoderGraph.POSITION_IDS,
                positions1));
        String rows = g.dims("b111", s.b(), s.one(), s.one(), s.one());
        for (int i = 0; i < layers; i++) {
            pass1.put(
                    "past_key_values." + i + ".key",
                    g.op("Expand", "past1_" + i + "_key", ClassifyGraph.prefixKey(i), rows));
            pass1.put(
                    "past_key_values." + i + ".value",
                    g.op("Expand", "past1_" + i + "_value", ClassifyGraph.prefixValue(i), rows));
        }
        OnnxMl.GraphProto.Builder lastOnly = decoder.toBuilder();
        // lm_head at the prompt's last position and label 0's: the last n + 1
        String lastPositions = g.op("Neg", "minus_n1", g.op("Add", "n1", s.n(), s.one()));
        OnnxProtos.sliceBeforeLmHead(
                lastOnly,
                lmHead,
                lastPositions,
                g.ints("max_end", Long.MAX_VALUE),
                g.ints("i1", 1),
                "gptjt_last_hidden");
        pass1.put(lastPositions, lastPositions); // a value of the main graph that the copy reads as it is
        return g.inline("p1/", lastOnly.build(), pass1);
    }

    /**
     * The label pass: every (row, further label) pair as a row of its own, its past the prompt pass's cache with label
     * 0's columns masked, its input the label's tokens at the positions after the row's real tokens.
     *
     * @return the copy's outputs by the decoder's output names
     */
    private static Map<String, String> labelPass(
            Graph g, Sizes s, OnnxMl.GraphProto decoder, Map<String, String> prompt, int layers) {
        Map<String, String> pass2 = new HashMap<>(Map.of(
                DecoderGraph.ATTENTION_MASK, labelPassMask(g, s), DecoderGraph.POSITION_IDS, labelPassPositions(g, s)));
        String blm = g.dims("blm", s.bl(), s.m());
        String perRow = perRow3(g, s);
        String ids2 = g.op(
                "Reshape", "ids2", g.op("Expand", "label_ids_b", g.unsqueeze(ClassifyGraph.LABEL_IDS, 0), perRow), blm);
        pass2.put(DecoderGraph.INPUT_IDS, ids2);
        String perLabel5 = g.dims("1l111", s.one(), s.l(), s.one(), s.one(), s.one());
        for (int i = 0; i < layers; i++) {
            for (String kind : new String[] {"key", "value"}) {
                String present = prompt.get("present." + i + "." + kind);
                String shape = g.dims(
                        "past2_shape_" + i + "_" + kind,
                        s.bl(),
                        g.op(
                                "Slice",
                                "present_dims_" + i + "_" + kind,
                                g.op("Shape", "present_shape_" + i + "_" + kind, present),
                                g.ints("i1", 1),
                                g.ints("i4", 4)));
                pass2.put(
                        "past_key_values." + i + "." + kind,
                        g.op(
                                "Reshape",
                                "past2_" + i + "_" + kind,
                                g.op("Expand", "present_l_" + i + "_" + kind, g.unsqueeze(present, 1), perLabel5),
                                shape));
            }
        }
        return g.inline("p2/", decoder, pass2);
    }

    /** [b, 1, 1], the shape a per-label input is expanded to, once per row. */
    private static String perRow3(Graph g, Sizes s) {
        return g.dims("b11", s.b(), s.one(), s.one());
    }

    /** Each pair's mask: its row's prefix and prompt, label 0's columns closed, then its own label's m tokens. */
    private static String labelPassMask(Graph g, Sizes s) {
        String byPair = g.dims("bl_1", s.bl(), g.ints("minus1", -1));
        return g.op(
                "Concat",
                "mask2",
                new String[] {
                    g.op(
                            "Reshape",
                            "mask1_pairs",
                            g.op(
                                    "Expand",
                                    "mask1_l",
                                    g.unsqueeze(
                                            g.op(
                                                    "Concat",
                                                    "mask1_closed",
                                                    new String[] {
                                                        g.ones("ones_bp2", s.b(), s.p()),
                                                        ClassifyGraph.ATTENTION_MASK,
                                                        g.zeros("zeros_bn", s.b(), s.n())
                                                    },
                                                    g.axis(1)),
                                            1),
                                    g.dims("1l1", s.one(), s.l(), s.one())),
                            byPair),
                    g.ones("ones_blm", s.bl(), s.m())
                },
                g.axis(1));
    }

    /** Each pair's positions: p + its row's real tokens, counting on. */
    private static String labelPassPositions(Graph g, Sizes s) {
        String real = g.op(
                "Add",
                "real",
                g.op(
                        "ReduceSum",
                        "suffix_len",
                        new String[] {ClassifyGraph.ATTENTION_MASK, g.ints("axes1", 1)},
                        GraphBuilder.intAttribute("keepdims", 1)),
                s.p());
        String realPairs = g.op(
                "Reshape",
                "real_pairs",
                g.op("Expand", "real_l", g.unsqueeze(real, 1), g.dims("1l1b", s.one(), s.l(), s.one())),
                g.dims("bl_1b", s.bl(), s.one()));
        String range = g.op(
                "Range",
                "range",
                g.scalar("zero_r", 0),
                g.op("Reshape", "m_scalar", s.m(), g.ints("scalar_shape")),
                g.scalar("one_r", 1));
        return g.op("Add", "positions2", realPairs, range);
    }

    /**
     * The output, in float32 whatever the model's type: each label's first token scored at the prompt's end, label
     * 0's further tokens in the prompt pass, every other label's in the label pass.
     */
    private static void scores(Graph g, Sizes s, String promptLogits, String labelLogits) {
        String lsm1 = g.op("LogSoftmax", "lsm1", new String[] {g.toFloat(promptLogits)}, g.axis(-1));
        String first = firstTokens(g, lsm1);
        String rest0 = label0Tokens(g, s, lsm1);
        String rest = furtherLabelTokens(g, s, labelLogits);
        g.output(
                "Add",
                "gc_scores",
                ClassifyGraph.LABEL_LOG_PROBS,
                first,
                g.op("Concat", "rest_all", new String[] {rest0, rest}, g.axis(1)));
    }

    /** [b, L]: each label's first token's log-probability after the prompt (position 0 of the prompt pass's). */
    private static String firstTokens(Graph g, String lsm1) {
        return g.op(
                "Gather",
                "first",
                new String[] {
                    g.op(
                            "Reshape",
                            "lsm1_2d",
                            g.op("Slice", "lsm1_end", lsm1, g.ints("i0", 0), g.ints("i1", 1), g.ints("i1", 1)),
                            g.ints("b_v", 0, -1)),
                    ClassifyGraph.LABEL_FIRST
                },
                g.axis(1));
    }

    /** [b, 1]: the sum of label 0's further tokens' log-probabilities, read off the prompt pass. */
    private static String label0Tokens(Graph g, Sizes s, String lsm1) {
        return g.op(
                "ReduceSum",
                "rest0",
                new String[] {
                    g.op(
                            "GatherElements",
                            "label0_logp",
                            new String[] {
                                g.op(
                                        "Slice",
                                        "lsm1_label0",
                                        lsm1,
                                        g.ints("i1", 1),
                                        g.ints("max_end", Long.MAX_VALUE),
                                        g.ints("i1", 1)),
                                g.op(
                                        "Expand",
                                        "label0_next_b",
                                        g.op(
                                                "Reshape",
                                                "label0_next_3d",
                                                ClassifyGraph.LABEL0_NEXT,
                                                g.ints("one_n_one", 1, -1, 1)),
                                        g.dims("b_n_1", s.b(), s.n(), s.one()))
                            },
                            g.axis(2)),
                    g.ints("axes1", 1)
                },
                GraphBuilder.intAttribute("keepdims", 0));
    }

    /** [b, L − 1]: each further label's further tokens' log-probabilities, masked past its end, summed. */
    private static String furtherLabelTokens(Graph g, Sizes s, String labelLogits) {
        String lsm2 = g.op("LogSoftmax", "lsm2", new String[] {g.toFloat(labelLogits)}, g.axis(-1));
        String next = g.op(
                "Reshape",
                "next_pairs",
                g.op("Expand", "label_next_b", g.unsqueeze(ClassifyGraph.LABEL_NEXT, 0), perRow3(g, s)),
                g.dims("blm1", s.bl(), s.m(), s.one()));
        String gathered = g.op(
                "Reshape",
                "next_logp",
                g.op("GatherElements", "next_logp_pairs", new String[] {lsm2, next}, g.axis(2)),
                g.dims("blm_3d", s.b(), s.l(), s.m()));
        return g.op(
                "ReduceSum",
                "rest",
                new String[] {g.op("Mul", "masked", gathered, ClassifyGraph.LABEL_NEXT_MASK), g.ints("axes2", 2)},
                GraphBuilder.intAttribute("keepdims", 0));
    }

    /** The graph's contract ({@link ClassifyGraph}): its inputs, the prefix's in the KV cache's type, and its output. */
    private static void declareInputsAndOutput(OnnxMl.GraphProto.Builder main, ModelConfig config, DataType kvType) {
        main.addInput(GraphBuilder.tensor(ClassifyGraph.INPUT_IDS, DataType.INT64, "batch", "sequence"))
                .addInput(GraphBuilder.tensor(ClassifyGraph.ATTENTION_MASK, DataType.INT64, "batch", "sequence"));
        for (int i = 0; i < config.nLayer(); i++) {
            for (String prefix : new String[] {ClassifyGraph.prefixKey(i), ClassifyGraph.prefixValue(i)}) {
                main.addInput(GraphBuilder.tensor(
                        prefix, kvType, 1L, (long) config.nHead(), "prefix", (long) config.headSize()));
            }
        }
        main.addInput(GraphBuilder.tensor(ClassifyGraph.LABEL_FIRST, DataType.INT64, "labels"))
                .addInput(GraphBuilder.tensor(ClassifyGraph.LABEL0_IDS, DataType.INT64, "label0_tokens"))
                .addInput(GraphBuilder.tensor(ClassifyGraph.LABEL0_NEXT, DataType.INT64, "label0_tokens"))
                .addInput(
                        GraphBuilder.tensor(ClassifyGraph.LABEL_IDS, DataType.INT64, "further_labels", "label_tokens"))
                .addInput(
                        GraphBuilder.tensor(ClassifyGraph.LABEL_NEXT, DataType.INT64, "further_labels", "label_tokens"))
                .addInput(GraphBuilder.tensor(
                        ClassifyGraph.LABEL_NEXT_MASK, DataType.FLOAT, "further_labels", "label_tokens"))
                .addOutput(GraphBuilder.tensor(ClassifyGraph.LABEL_LOG_PROBS, DataType.FLOAT, "batch", "labels"));
    }

    /**
     * The main graph being built: the decoder's weights, then its own nodes and constants (each named {@code
     * gc_<name>}) and copies of the decoder's nodes.
     */
    private static final class Graph {
        private final GraphBuilder builder;
        private final Map<String, String> dims = new HashMap<>();

        Graph(OnnxMl.GraphProto decoder) {
            builder = new GraphBuilder(OnnxMl.GraphProto.newBuilder()
                    .setName("gptjt_classify")
                    .addAllInitializer(decoder.getInitializerList()));
        }

        /** A node of one output named {@code gc_<name>}. */
        String op(String op, String name, String... inputs) {
            return op(op, name, inputs, new OnnxMl.AttributeProto[0]);
        }

        String op(String op, String name, String[] inputs, OnnxMl.AttributeProto... attributes) {
            return builder.op(op, "gc_" + name, "gc_" + name, inputs, attributes);
        }

        /** A node whose one output is {@code output}, a name of the graph's contract. */
        void output(String op, String name, String output, String... inputs) {
            builder.op(op, name, output, inputs);
        }

        OnnxMl.GraphProto.Builder graph() {
            return builder.graph();
        }

        /** An int64 constant of these values, 1-D (none: a 1-D tensor of no elements, the shape of a scalar). */
        String ints(String name, long... values) {
            return builder.vector("gc_" + name, values);
        }

        String scalar(String name, long value) {
            return builder.scalar("gc_" + name, value);
        }

        /**
         * A 1-D shape of 1-D sizes (a Concat on axis 0), made once by name: the label pass and the scores share [b,
         * 1, 1].
         */
        String dims(String name, String... sizes) {
            return dims.computeIfAbsent(name, n -> op("Concat", n, sizes, axis(0)));
        }

        OnnxMl.AttributeProto axis(long axis) {
            return GraphBuilder.intAttribute("axis", axis);
        }

        String unsqueeze(String input, long axis) {
            return op("Unsqueeze", "unsq_" + input.replace('/', '_') + "_" + axis, input, ints("axes_" + axis, axis));
        }

        String toFloat(String input) {
            return op(
                    "Cast",
                    "float_" + input.replace('/', '_'),
                    new String[] {input},
                    GraphBuilder.intAttribute("to", DataType.FLOAT.getNumber()));
        }

        /** int64 ones of shape [rows, cols] ({@code rows}, {@code cols}: 1-D size tensors). */
        String ones(String name, String rows, String cols) {
            return filled(name, rows, cols, 1);
        }

        /** int64 zeros of shape [rows, cols]. */
        String zeros(String name, String rows, String cols) {
            return filled(name, rows, cols, 0);
        }

        private String filled(String name, String rows, String cols, long value) {
            return op(
                    "ConstantOfShape",
                    name,
                    new String[] {op("Concat", name + "_shape", new String[] {rows, cols}, axis(0))},
                    GraphBuilder.tensorAttribute("value", GraphBuilder.int64s("", new long[] {value}, 1)));
        }

        /**
         * Appends a copy of {@code decoder}'s nodes: its inputs read the values {@code inputs} names, every other
         * value it makes is renamed with {@code scope}, weights are shared.
         *
         * @return the copy's output names by the decoder's output names
         */
        Map<String, String> inline(String scope, OnnxMl.GraphProto decoder, Map<String, String> inputs) {
            // weights and constants are read by every copy as they are
            UnaryOperator<String> rename = name ->
                    name.isEmpty() || builder.hasInitializer(name) ? name : inputs.getOrDefault(name, scope + name);
            for (OnnxMl.NodeProto n : decoder.getNodeList()) {
                OnnxMl.NodeProto.Builder copy = n.toBuilder().setName(scope + n.getName());
                for (int k = 0; k < copy.getInputCount(); k++) {
                    copy.setInput(k, rename.apply(copy.getInput(k)));
                }
                for (int k = 0; k < copy.getOutputCount(); k++) {
                    copy.setOutput(k, rename.apply(copy.getOutput(k)));
                }
                builder.graph().addNode(copy.build());
            }
            Map<String, String> outputs = new HashMap<>();
            decoder.getOutputList().forEach(o -> outputs.put(o.getName(), rename.apply(o.getName())));
            return outputs;
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw invalid(message);
        }
    }

    private static EngineException invalid(String message) {
        return new EngineException(ErrorCode.MODEL_INVALID, "not an Optimum GPT-J decoder with past: " + message);
    }
}

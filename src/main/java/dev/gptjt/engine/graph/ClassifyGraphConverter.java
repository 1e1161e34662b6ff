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

    static OnnxMl.ModelProto classifyModel(OnnxMl.ModelProto model, ModelConfig config) {
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
        DataType kvType = DataType.forNumber(decoder.getInputList().stream()
                .filter(i -> i.getName().equals("past_key_values.0.key"))
                .findFirst()
                .orElseThrow(() -> invalid("input 'past_key_values.0.key' is missing"))
                .getType()
                .getTensorType()
                .getElemType());

        Graph g = new Graph(decoder);
        int layers = config.nLayer();
        // sizes
        String b = g.op(
                "Gather",
                "b",
                new String[] {g.op("Shape", "ids_shape", ClassifyGraph.INPUT_IDS), g.ints("i0", 0)},
                g.axis(0));
        String p = g.op(
                "Gather",
                "p",
                new String[] {g.op("Shape", "prefix_shape", ClassifyGraph.prefixKey(0)), g.ints("i2", 2)},
                g.axis(0));
        String labelShape = g.op("Shape", "label_shape", ClassifyGraph.LABEL_IDS);
        String l = g.op("Gather", "l", new String[] {labelShape, g.ints("i0", 0)}, g.axis(0));
        String m = g.op("Gather", "m", new String[] {labelShape, g.ints("i1", 1)}, g.axis(0));
        String bl = g.op("Mul", "bl", b, l);
        String one = g.ints("one", 1);

        // prompt pass: the prefix expanded to b rows, its columns unmasked before each row's own mask; label 0's
        // tokens after each row's prompt (read by nothing before them: attention is causal)
        String n = g.op("Shape", "n", ClassifyGraph.LABEL0_IDS);
        String ids1 = g.op(
                "Concat",
                "ids1",
                new String[] {
                    ClassifyGraph.INPUT_IDS,
                    g.op(
                            "Expand",
                            "label0_b",
                            g.unsqueeze(ClassifyGraph.LABEL0_IDS, 0),
                            g.op("Concat", "b_n", new String[] {b, n}, g.axis(0)))
                },
                g.axis(1));
        String ownMask = g.op(
                "Concat", "own_mask1", new String[] {ClassifyGraph.ATTENTION_MASK, g.ones("ones_bn", b, n)}, g.axis(1));
        String mask1 = g.op("Concat", "mask1", new String[] {g.ones("ones_bp", b, p), ownMask}, g.axis(1));
        String cumsum = g.op("CumSum", "cumsum", ownMask, g.scalar("axis1", 1));
        String positions1 = g.op(
                "Add",
                "positions1",
                g.op("Max", "clipped", g.op("Sub", "cumsum_1", cumsum, g.scalar("one_s", 1)), g.scalar("zero_s", 0)),
                p);
        Map<String, String> pass1 = new HashMap<>(Map.of(
                DecoderGraph.INPUT_IDS,
                ids1,
                DecoderGraph.ATTENTION_MASK,
                mask1,
                DecoderGraph.POSITION_IDS,
                positions1));
        String rows = g.op("Concat", "b111", new String[] {b, one, one, one}, g.axis(0));
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
        String lastPositions = g.op("Neg", "minus_n1", g.op("Add", "n1", n, one));
        OnnxProtos.sliceBeforeLmHead(
                lastOnly,
                matMul.get(),
                lastPositions,
                g.ints("max_end", Long.MAX_VALUE),
                g.ints("i1", 1),
                "gptjt_last_hidden");
        pass1.put(lastPositions, lastPositions); // a value of the main graph that the copy reads as it is
        Map<String, String> out1 = g.inline("p1/", lastOnly.build(), pass1);

        // label pass: (row, label) pairs as rows of their own
        String byPair = g.op("Concat", "bl_1", new String[] {bl, g.ints("minus1", -1)}, g.axis(0));
        String mask2 = g.op(
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
                                                        g.ones("ones_bp2", b, p),
                                                        ClassifyGraph.ATTENTION_MASK,
                                                        g.zeros("zeros_bn", b, n)
                                                    },
                                                    g.axis(1)),
                                            1),
                                    g.op("Concat", "1l1", new String[] {one, l, one}, g.axis(0))),
                            byPair),
                    g.ones("ones_blm", bl, m)
                },
                g.axis(1));
        String real = g.op(
                "Add",
                "real",
                g.op(
                        "ReduceSum",
                        "suffix_len",
                        new String[] {ClassifyGraph.ATTENTION_MASK, g.ints("axes1", 1)},
                        GraphBuilder.intAttribute("keepdims", 1)),
                p);
        String realPairs = g.op(
                "Reshape",
                "real_pairs",
                g.op(
                        "Expand",
                        "real_l",
                        g.unsqueeze(real, 1),
                        g.op("Concat", "1l1b", new String[] {one, l, one}, g.axis(0))),
                g.op("Concat", "bl_1b", new String[] {bl, one}, g.axis(0)));
        String range = g.op(
                "Range",
                "range",
                g.scalar("zero_r", 0),
                g.op("Reshape", "m_scalar", m, g.ints("scalar_shape")),
                g.scalar("one_r", 1));
        String positions2 = g.op("Add", "positions2", realPairs, range);
        String blm = g.op("Concat", "blm", new String[] {bl, m}, g.axis(0));
        String b11 = g.op("Concat", "b11", new String[] {b, one, one}, g.axis(0));
        String ids2 = g.op(
                "Reshape", "ids2", g.op("Expand", "label_ids_b", g.unsqueeze(ClassifyGraph.LABEL_IDS, 0), b11), blm);
        Map<String, String> pass2 = new HashMap<>(Map.of(
                DecoderGraph.INPUT_IDS,
                ids2,
                DecoderGraph.ATTENTION_MASK,
                mask2,
                DecoderGraph.POSITION_IDS,
                positions2));
        String perLabel5 = g.op("Concat", "1l111", new String[] {one, l, one, one, one}, g.axis(0));
        for (int i = 0; i < layers; i++) {
            for (String kind : new String[] {"key", "value"}) {
                String present = out1.get("present." + i + "." + kind);
                String shape = g.op(
                        "Concat",
                        "past2_shape_" + i + "_" + kind,
                        new String[] {
                            bl,
                            g.op(
                                    "Slice",
                                    "present_dims_" + i + "_" + kind,
                                    g.op("Shape", "present_shape_" + i + "_" + kind, present),
                                    g.ints("i1", 1),
                                    g.ints("i4", 4))
                        },
                        g.axis(0));
                pass2.put(
                        "past_key_values." + i + "." + kind,
                        g.op(
                                "Reshape",
                                "past2_" + i + "_" + kind,
                                g.op("Expand", "present_l_" + i + "_" + kind, g.unsqueeze(present, 1), perLabel5),
                                shape));
            }
        }
        Map<String, String> out2 = g.inline("p2/", decoder, pass2);

        // scores, in float32 whatever the model's type
        OnnxMl.AttributeProto lastAxis = g.axis(-1);
        String lsm1 = g.op("LogSoftmax", "lsm1", new String[] {g.toFloat(out1.get(DecoderGraph.LOGITS))}, lastAxis);
        String first = g.op(
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
        String rest0 = g.op(
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
                                        g.op("Concat", "b_n_1", new String[] {b, n, one}, g.axis(0)))
                            },
                            g.axis(2)),
                    g.ints("axes1", 1)
                },
                GraphBuilder.intAttribute("keepdims", 0));
        String lsm2 = g.op("LogSoftmax", "lsm2", new String[] {g.toFloat(out2.get(DecoderGraph.LOGITS))}, lastAxis);
        String next = g.op(
                "Reshape",
                "next_pairs",
                g.op("Expand", "label_next_b", g.unsqueeze(ClassifyGraph.LABEL_NEXT, 0), b11),
                g.op("Concat", "blm1", new String[] {bl, m, one}, g.axis(0)));
        String gathered = g.op(
                "Reshape",
                "next_logp",
                g.op("GatherElements", "next_logp_pairs", new String[] {lsm2, next}, g.axis(2)),
                g.op("Concat", "blm_3d", new String[] {b, l, m}, g.axis(0)));
        String rest = g.op(
                "ReduceSum",
                "rest",
                new String[] {g.op("Mul", "masked", gathered, ClassifyGraph.LABEL_NEXT_MASK), g.ints("axes2", 2)},
                GraphBuilder.intAttribute("keepdims", 0));
        g.output(
                "Add",
                "gc_scores",
                ClassifyGraph.LABEL_LOG_PROBS,
                first,
                g.op("Concat", "rest_all", new String[] {rest0, rest}, g.axis(1)));

        OnnxMl.GraphProto.Builder main = g.graph()
                .addInput(GraphBuilder.tensor(ClassifyGraph.INPUT_IDS, DataType.INT64, "batch", "sequence"))
                .addInput(GraphBuilder.tensor(ClassifyGraph.ATTENTION_MASK, DataType.INT64, "batch", "sequence"));
        for (int i = 0; i < layers; i++) {
            main.addInput(GraphBuilder.tensor(
                    ClassifyGraph.prefixKey(i), kvType, 1L, (long) config.nHead(), "prefix", (long) config.headSize()));
            main.addInput(GraphBuilder.tensor(
                    ClassifyGraph.prefixValue(i), kvType, 1L, (long) config.nHead(), "prefix", (long)
                            config.headSize()));
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
        return model.toBuilder()
                .setGraph(main)
                .setProducerName("gptjt convert --classify-in-graph")
                .addMetadataProps(GraphBuilder.entry(ClassifyGraph.FORMAT_KEY, ClassifyGraph.FORMAT_VERSION))
                .build();
    }

    /**
     * The main graph being built: the decoder's weights, then its own nodes and constants (each named {@code
     * gc_<name>}) and copies of the decoder's nodes.
     */
    private static final class Graph {
        private final GraphBuilder builder;

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

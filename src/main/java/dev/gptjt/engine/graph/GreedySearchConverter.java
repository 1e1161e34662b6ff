package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds {@value ModelDirectory#GREEDY_SEARCH_FILE}: ONNX Runtime's {@code com.microsoft.GreedySearch}
 * operator over an adapted copy of an Optimum GPT-J decoder, so that the whole greedy decoding loop
 * runs inside one {@code session.run} and the KV cache never leaves the device.
 *
 * <pre>
 *   main graph:  input_ids int32 [b, s] ─┐
 *                max_length int32 [1] ───┼─ GreedySearch(model_type 0, eos, pad, decoder) ─▶ sequences int32 [b, max_length]
 *                attention_mask int32 [b, s] ┘
 *
 *   decoder subgraph (ORT's GPT contract, subgraph_gpt.cc):
 *     input_ids, position_ids, attention_mask int32 ─ Cast(int64) ─▶ the export's int64 inputs
 *     past_i [2, b, heads, past, head_size] ─ Gather(0) / Gather(1) ─▶ past_key_values.i.key / .value
 *     present.i.key / .value ─ Unsqueeze(0), Concat(axis 0) ─▶ present_i [2, b, heads, past + s, head_size]
 *     hidden ─ Gather(axis 1, [-1]) ─ lm_head ─▶ logits [b, 1, vocab]   (only the last position is read)
 * </pre>
 *
 * The padding id is one the tokenizer never produces (GPT-J's ids past the BPE vocabulary), and the
 * attention mask is always passed, since the operator also infers padding from token ids. Weights in
 * external data files stay where they are and are referenced by name, never copied: ORT refuses
 * external data reached through symbolic or hard links, so the backend loads the graph with ORT's
 * external-initializer folder set to the directory that really holds the weights.
 */
public final class GreedySearchConverter {
    private static final String[] INT_INPUTS = {
        DecoderGraph.INPUT_IDS, DecoderGraph.POSITION_IDS, DecoderGraph.ATTENTION_MASK
    };

    private GreedySearchConverter() {}

    /**
     * Converts the model directory's {@code model.onnx} and writes {@value ModelDirectory#GREEDY_SEARCH_FILE}
     * into {@code outDir}. When {@code outDir} is another directory it becomes a complete model directory:
     * small files (config, tokenizer) are copied and {@code model.onnx} is linked, so that the weights
     * are found through it.
     *
     * @return the written file
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when the graph is not an Optimum GPT-J
     *     decoder with past, or the vocabulary leaves no unused id for padding; also when a file cannot
     *     be read or written (the message names it)
     */
    public static Path convert(ModelDirectory source, Path outDir) {
        try {
            OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(source.modelFile()));
            Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(source.vocabFile(), source.mergesFile());
            int pad = padTokenId(source.config(), tokenizer);
            return write(
                    source, outDir, ModelDirectory.GREEDY_SEARCH_FILE, greedySearchModel(model, source.config(), pad));
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, "cannot convert " + source.modelFile() + ": " + e, e);
        }
    }

    /**
     * Writes a converted graph as {@code outDir/fileName} (atomically); an {@code outDir} other than the
     * source becomes a complete model directory first.
     */
    static Path write(ModelDirectory source, Path outDir, String fileName, OnnxMl.ModelProto converted)
            throws IOException {
        Files.createDirectories(outDir);
        if (!Files.isSameFile(source.root(), outDir)) {
            populate(source, outDir);
        }
        Path out = outDir.resolve(fileName);
        Path tmp = outDir.resolve(fileName + ".tmp");
        Files.write(tmp, converted.toByteArray());
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return out;
    }

    /** The highest id the model knows but the tokenizer never emits (GPT-J pads its vocabulary to 50 400). */
    public static int padTokenId(ModelConfig config, Gpt2Tokenizer tokenizer) {
        int pad = config.vocabSize() - 1;
        if (pad < tokenizer.vocabSize() || pad == config.eosTokenId()) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID,
                    "vocab_size " + config.vocabSize() + " leaves no token id unused by the tokenizer's "
                            + tokenizer.vocabSize() + " entries: in-graph decoding needs one for padding");
        }
        return pad;
    }

    static OnnxMl.ModelProto greedySearchModel(OnnxMl.ModelProto model, ModelConfig config, int pad) {
        OnnxMl.GraphProto decoder = decoderSubgraph(model, config);
        OnnxMl.AttributeProto decoderAttribute = GraphBuilder.graphAttribute("decoder", decoder);
        OnnxMl.NodeProto search = GraphBuilder.node(
                        "GreedySearch",
                        "gptjt_greedy_search",
                        // optional inputs absent: min_length, repetition_penalty, vocab_mask, prefix_vocab_mask
                        new String[] {
                            GreedySearchGraph.INPUT_IDS,
                            GreedySearchGraph.MAX_LENGTH,
                            "",
                            "",
                            "",
                            "",
                            DecoderGraph.ATTENTION_MASK
                        },
                        new String[] {GreedySearchGraph.SEQUENCES},
                        decoderAttribute,
                        GraphBuilder.intAttribute("model_type", 0),
                        GraphBuilder.intAttribute("eos_token_id", config.eosTokenId()),
                        GraphBuilder.intAttribute("pad_token_id", pad))
                .toBuilder()
                .setDomain("com.microsoft")
                .build();
        OnnxMl.GraphProto main = OnnxMl.GraphProto.newBuilder()
                .setName("gptjt_greedy_search")
                .addNode(search)
                .addInput(GraphBuilder.tensor(GreedySearchGraph.INPUT_IDS, DataType.INT32, "batch", "sequence"))
                .addInput(GraphBuilder.tensor(GreedySearchGraph.MAX_LENGTH, DataType.INT32, 1L))
                .addInput(GraphBuilder.tensor(DecoderGraph.ATTENTION_MASK, DataType.INT32, "batch", "sequence"))
                .addOutput(GraphBuilder.tensor(GreedySearchGraph.SEQUENCES, DataType.INT32, "batch", "max_length"))
                .build();
        OnnxMl.ModelProto.Builder out =
                model.toBuilder().setGraph(main).setProducerName("gptjt convert --greedy-in-graph");
        if (model.getOpsetImportList().stream().noneMatch(o -> o.getDomain().equals("com.microsoft"))) {
            out.addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder()
                    .setDomain("com.microsoft")
                    .setVersion(1));
        }
        out.addMetadataProps(GraphBuilder.entry(GreedySearchGraph.PAD_TOKEN_KEY, Integer.toString(pad)));
        out.addMetadataProps(
                GraphBuilder.entry(GreedySearchGraph.EOS_TOKEN_KEY, Integer.toString(config.eosTokenId())));
        return out.build();
    }

    /** The export's graph with its inputs and outputs adapted to ORT's GPT subgraph contract. */
    static OnnxMl.GraphProto decoderSubgraph(OnnxMl.ModelProto model, ModelConfig config) {
        OnnxMl.GraphProto graph = model.getGraph();
        Map<String, OnnxMl.ValueInfoProto> inputs = byName(graph.getInputList());
        Map<String, OnnxMl.ValueInfoProto> outputs = byName(graph.getOutputList());
        int layers = config.nLayer();
        for (String name : INT_INPUTS) {
            require(inputs.containsKey(name), "input '" + name + "' is missing");
        }
        require(outputs.containsKey(DecoderGraph.LOGITS), "output 'logits' is missing");
        require(inputs.size() == 3 + 2 * layers, "expected 3 + 2 × " + layers + " inputs, has " + inputs.size());
        DataType kvType = DataType.forNumber(
                inputs.get(pastName(0, "key")).getType().getTensorType().getElemType());
        DataType logitsType = DataType.forNumber(
                outputs.get(DecoderGraph.LOGITS).getType().getTensorType().getElemType());
        require(
                kvType == logitsType,
                "KV cache type " + kvType + " differs from logits type " + logitsType
                        + " (GreedySearch needs them equal)");

        OnnxMl.GraphProto.Builder g =
                graph.toBuilder().clearInput().clearOutput().clearValueInfo().setName("gptjt_decoder");
        // The export's int64 inputs become internal values computed from the operator's int32 ones.
        Map<String, String> renamed = Map.of(
                DecoderGraph.INPUT_IDS, "gptjt_input_ids_int64",
                DecoderGraph.POSITION_IDS, "gptjt_position_ids_int64",
                DecoderGraph.ATTENTION_MASK, "gptjt_attention_mask_int64");
        for (int i = 0; i < g.getNodeCount(); i++) {
            OnnxMl.NodeProto.Builder n = g.getNode(i).toBuilder();
            boolean changed = false;
            for (int k = 0; k < n.getInputCount(); k++) {
                String to = renamed.get(n.getInput(k));
                if (to != null) {
                    n.setInput(k, to);
                    changed = true;
                }
            }
            if (changed) {
                g.setNode(i, n);
            }
        }
        List<OnnxMl.NodeProto> prologue = new ArrayList<>();
        for (String name : INT_INPUTS) {
            prologue.add(GraphBuilder.node(
                    "Cast",
                    "gptjt_cast_" + name,
                    new String[] {name},
                    new String[] {renamed.get(name)},
                    GraphBuilder.intAttribute("to", DataType.INT64.getNumber())));
        }
        g.addInput(GraphBuilder.tensor(DecoderGraph.INPUT_IDS, DataType.INT32, "batch", "sequence"));
        g.addInput(GraphBuilder.tensor(DecoderGraph.POSITION_IDS, DataType.INT32, "batch", "sequence"));
        g.addInput(GraphBuilder.tensor(DecoderGraph.ATTENTION_MASK, DataType.INT32, "batch", "total_sequence"));
        g.addInitializer(GraphBuilder.int64s("gptjt_index_key", new long[] {0}));
        g.addInitializer(GraphBuilder.int64s("gptjt_index_value", new long[] {1}));
        boolean axesAsInput =
                OnnxProtos.defaultOpset(model) >= 13; // Unsqueeze took 'axes' as an attribute before opset 13
        if (axesAsInput) {
            g.addInitializer(GraphBuilder.int64s("gptjt_axes_0", new long[] {0}, 1));
        }
        g.addOutput(GraphBuilder.tensor(
                DecoderGraph.LOGITS, logitsType, "batch", "logits_sequence", (long) config.vocabSize()));
        List<OnnxMl.NodeProto> epilogue = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            String past = "past_" + i;
            require(
                    inputs.containsKey(pastName(i, "key")) && inputs.containsKey(pastName(i, "value")),
                    "input '" + pastName(i, "key") + "' or its value is missing");
            g.addInput(GraphBuilder.tensor(
                    past, kvType, 2L, "batch", (long) config.nHead(), "past_sequence", (long) config.headSize()));
            String[] halves = new String[2];
            int h = 0;
            for (String kind : new String[] {"key", "value"}) {
                prologue.add(GraphBuilder.node(
                        "Gather",
                        "gptjt_split_" + past + "_" + kind,
                        new String[] {past, "gptjt_index_" + kind},
                        new String[] {pastName(i, kind)},
                        GraphBuilder.intAttribute("axis", 0)));
                String present = "present." + i + "." + kind;
                require(outputs.containsKey(present), "output '" + present + "' is missing");
                halves[h] = "gptjt_present_" + i + "_" + kind + "_5d";
                epilogue.add(
                        axesAsInput
                                ? GraphBuilder.node(
                                        "Unsqueeze",
                                        "gptjt_unsqueeze_" + i + "_" + kind,
                                        new String[] {present, "gptjt_axes_0"},
                                        new String[] {halves[h]})
                                : GraphBuilder.node(
                                        "Unsqueeze",
                                        "gptjt_unsqueeze_" + i + "_" + kind,
                                        new String[] {present},
                                        new String[] {halves[h]},
                                        GraphBuilder.intsAttribute("axes", 0)));
                h++;
            }
            epilogue.add(GraphBuilder.node(
                    "Concat",
                    "gptjt_stack_present_" + i,
                    halves,
                    new String[] {"present_" + i},
                    GraphBuilder.intAttribute("axis", 0)));
            g.addOutput(GraphBuilder.tensor(
                    "present_" + i, kvType, 2L, "batch", (long) config.nHead(), "total_sequence", (long)
                            config.headSize()));
        }
        Optional<Integer> matMul = OnnxProtos.lmHeadMatMul(graph);
        if (matMul.isPresent()) {
            // ORT reads only logits[:, -1, :]; with left padding that is every row's newest token.
            g.addInitializer(GraphBuilder.int64s("gptjt_last_position", new long[] {-1}, 1));
            OnnxProtos.gatherBeforeLmHead(g, matMul.get(), "gptjt_last_position", "gptjt_last_hidden");
        }
        for (int i = prologue.size() - 1; i >= 0; i--) {
            g.addNode(0, prologue.get(i));
        }
        epilogue.forEach(g::addNode);
        return g.build();
    }

    /**
     * Makes {@code outDir} a complete model directory beside the converted graph: a symbolic link to
     * {@code model.onnx} (through which both backends find the external weights, see
     * {@link ModelDirectory#weightsDir()}), copies of the small files. Weights are never copied.
     */
    private static void populate(ModelDirectory source, Path outDir) throws IOException {
        Path link = outDir.resolve(ModelDirectory.MODEL_FILE);
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, source.modelFile().toRealPath());
        copySmallFiles(source, outDir);
    }

    /** Copies the model directory's small files (config, tokenizer; no graph, no weights) into {@code outDir}. */
    static void copySmallFiles(ModelDirectory source, Path outDir) throws IOException {
        try (var files = Files.list(source.root())) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (Files.isRegularFile(f)
                        && !name.endsWith(".onnx")
                        && !name.endsWith(".onnx_data")
                        && !name.endsWith(".onnx.data")
                        && Files.size(f) < (64L << 20)) {
                    Files.copy(f, outDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static String pastName(int layer, String kind) {
        return "past_key_values." + layer + "." + kind;
    }

    private static Map<String, OnnxMl.ValueInfoProto> byName(List<OnnxMl.ValueInfoProto> infos) {
        Map<String, OnnxMl.ValueInfoProto> map = new LinkedHashMap<>();
        infos.forEach(v -> map.put(v.getName(), v));
        return map;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new EngineException(ErrorCode.MODEL_INVALID, "not an Optimum GPT-J decoder with past: " + message);
        }
    }
}

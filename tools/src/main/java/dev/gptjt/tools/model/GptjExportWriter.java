package dev.gptjt.tools.model;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.gptjt.engine.graph.DecoderGraph;
import dev.gptjt.engine.graph.Fp16;
import dev.gptjt.engine.graph.GraphBuilder;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a GPT-J decoder-with-past in the layout of an Optimum export: {@code model.onnx} with the same
 * inputs and outputs ({@code input_ids}, {@code attention_mask}, {@code position_ids},
 * {@code past_key_values.N.key|value} → {@code logits}, {@code present.N.key|value}), the Linear weights
 * stored as {@code [in, out]} for {@code MatMul} as the exporter's constant folding leaves them, every weight
 * in one {@code model.onnx_data} (page-aligned, so ORT can map it), plus {@code config.json},
 * {@code generation_config.json} and the tokenizer files.
 *
 * <p>Weights are written tensor by tensor in chunks: memory stays at one chunk whatever the model's size,
 * so GPT-JT-6B's shape (24 GB in fp32) is written on a machine that could not hold it. The forward pass is
 * Hugging Face's {@code GPTJModel}: interleaved rotary on the first {@code rotary} dimensions of each head,
 * attention and MLP in parallel off one LayerNorm, {@code gelu_new}, a causal and padding mask, an lm_head
 * with bias (tied to the embedding when the shape says so).
 */
public final class GptjExportWriter {
    /** Data file the weights go to (what Optimum names it). */
    public static final String DATA_FILE = "model.onnx_data";

    private static final int ALIGN = 4096;
    private static final int CHUNK = 4 << 20; // floats per write

    private GptjExportWriter() {}

    /**
     * A GPT-J architecture.
     *
     * @param tiedLmHead the lm_head is the embedding's transpose (no weight of its own)
     */
    public record Shape(
            int layers, int embd, int heads, int rotary, int inner, int vocab, int positions, boolean tiedLmHead) {
        /** GPT-JT-6B-v1's (GPT-J 6B's) shape: 6.05 B parameters. */
        public static final Shape GPT_JT_6B = new Shape(28, 4096, 16, 64, 16384, 50400, 2048, false);

        public Shape {
            if (layers < 1 || heads < 1 || embd % heads != 0 || rotary % 2 != 0 || rotary > embd / heads) {
                throw new IllegalArgumentException("not a GPT-J shape: " + this);
            }
        }

        public int headSize() {
            return embd / heads;
        }

        /** Parameters, as Hugging Face counts them. */
        public long parameters() {
            long e = embd;
            long perLayer = 2 * e + 4 * e * e + e * inner + inner + inner * e + e;
            return (long) vocab * e + layers * perLayer + 2 * e + (tiedLmHead ? 0 : (long) vocab * e) + vocab;
        }

        public Shape withLayers(int n) {
            return new Shape(n, embd, heads, rotary, inner, vocab, positions, tiedLmHead);
        }
    }

    /**
     * One weight as Hugging Face names it.
     *
     * @param shape its Hugging Face shape ({@code [out, in]} for a Linear)
     * @param transposed stored as {@code [in, out]} (a Linear feeding MatMul)
     */
    public record Weight(String name, long[] shape, boolean transposed) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /** The shape as stored. */
        long[] stored() {
            return transposed ? new long[] {shape[1], shape[0]} : shape.clone();
        }
    }

    /** Where the weights' values come from. */
    @FunctionalInterface
    public interface Values {
        /**
         * Fills {@code chunk} (its remaining elements) with the stored elements of {@code weight} from {@code start}
         * on, in the stored layout (row-major over {@link Weight#stored()}).
         */
        void fill(Weight weight, long start, FloatBuffer chunk);
    }

    /**
     * Random weights like a freshly initialised model: Linear and embedding weights uniform with standard
     * deviation {@code std}, LayerNorm weights 1, biases 0; the same seed gives the same bytes.
     */
    public static Values random(long seed, double std) {
        float half = (float) (std * Math.sqrt(3));
        return (weight, start, chunk) -> {
            String n = weight.name();
            if (n.endsWith(".bias")) {
                while (chunk.hasRemaining()) {
                    chunk.put(0f);
                }
            } else if (n.contains(".ln_")) {
                while (chunk.hasRemaining()) {
                    chunk.put(1f);
                }
            } else {
                java.util.SplittableRandom r =
                        new java.util.SplittableRandom(seed * 31 + n.hashCode() * 1_000_003L + start);
                while (chunk.hasRemaining()) {
                    chunk.put((float) ((r.nextDouble() * 2 - 1) * half));
                }
            }
        };
    }

    /**
     * Writes the model into {@code dir} (created if needed), taking the tokenizer files from {@code tokenizer}.
     *
     * @return the bytes of weights written
     * @throws IOException when a file cannot be written or the tokenizer files read
     */
    public static long write(Path dir, Shape shape, Values values, Path tokenizer, float layerNormEpsilon)
            throws IOException {
        return write(dir, shape, values, tokenizer, layerNormEpsilon, Precision.FP32);
    }

    /** Element type of the weights, the KV cache and the logits. */
    public enum Precision {
        FP32(DataType.FLOAT, Float.BYTES),
        /** As {@code optimum-cli export onnx --dtype fp16} writes for GPUs; rotary angles and attention in fp32. */
        FP16(DataType.FLOAT16, 2);

        final DataType type;
        final int bytes;

        Precision(DataType type, int bytes) {
            this.type = type;
            this.bytes = bytes;
        }
    }

    /**
     * As {@link #write(Path, Shape, Values, Path, float)}, in {@code precision}.
     *
     * @return the bytes of weights written
     * @throws IOException when a file cannot be written or the tokenizer files read
     */
    public static long write(
            Path dir, Shape shape, Values values, Path tokenizer, float layerNormEpsilon, Precision precision)
            throws IOException {
        Files.createDirectories(dir);
        Graph g = new Graph(shape, layerNormEpsilon, precision);
        long bytes;
        Path data = dir.resolve(DATA_FILE);
        try (FileChannel out = FileChannel.open(
                data, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Weight w : g.weights) {
                long offset = align(out);
                long total = w.elements();
                for (long start = 0; start < total; start += CHUNK) {
                    int n = (int) Math.min(CHUNK, total - start);
                    buffer.clear();
                    FloatBuffer floats = buffer.asFloatBuffer();
                    floats.limit(n);
                    values.fill(w, start, floats);
                    if (precision == Precision.FP16) { // in place: element i's two bytes never pass element i's four
                        for (int i = 0; i < n; i++) {
                            buffer.putShort(i * 2, Fp16.bits(buffer.getFloat(i * 4)));
                        }
                    }
                    buffer.limit(n * precision.bytes);
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                }
                g.initializer(w, offset, total * precision.bytes);
            }
            bytes = out.size();
        }
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("gptjt GptjExportWriter")
                .addOpsetImport(
                        OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g.build())
                .build();
        Path tmp = dir.resolve(ModelDirectory.MODEL_FILE + ".tmp");
        Files.write(tmp, model.toByteArray());
        Files.move(tmp, dir.resolve(ModelDirectory.MODEL_FILE), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve(ModelDirectory.CONFIG_FILE), config(shape, layerNormEpsilon, precision));
        Files.writeString(
                dir.resolve("generation_config.json"), "{\"bos_token_id\": 50256, \"eos_token_id\": 50256}\n");
        for (String f : new String[] {"vocab.json", "merges.txt", "special_tokens_map.json"}) {
            Path from = tokenizer.resolve(f);
            if (Files.exists(from)) {
                Files.copy(from, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return bytes;
    }

    private static long align(FileChannel out) throws IOException {
        long at = out.size();
        long pad = (ALIGN - at % ALIGN) % ALIGN;
        if (pad > 0) {
            out.write(ByteBuffer.allocate((int) pad), at);
        }
        out.position(at + pad);
        return at + pad;
    }

    private static String config(Shape s, float eps, Precision precision) {
        return String.format(
                Locale.ROOT,
                """
                {
                  "architectures": ["GPTJForCausalLM"],
                  "model_type": "gptj",
                  "activation_function": "gelu_new",
                  "bos_token_id": 50256,
                  "eos_token_id": 50256,
                  "layer_norm_epsilon": %s,
                  "n_embd": %d,
                  "n_head": %d,
                  "n_inner": %d,
                  "n_layer": %d,
                  "n_positions": %d,
                  "rotary": true,
                  "rotary_dim": %d,
                  "tie_word_embeddings": %s,
                  "torch_dtype": "%s",
                  "use_cache": true,
                  "vocab_size": %d
                }
                """,
                Float.toString(eps),
                s.embd(),
                s.heads(),
                s.inner(),
                s.layers(),
                s.positions(),
                s.rotary(),
                s.tiedLmHead(),
                precision == Precision.FP16 ? "float16" : "float32",
                s.vocab());
    }

    /** The graph under construction: nodes in topological order, weights in the order they are written. */
    private static final class Graph {
        private static final float MASKED = -3.4028234663852886e38f; // torch.finfo(float32).min, as GPT-J masks

        final List<Weight> weights = new ArrayList<>();
        private final Shape shape;
        private final float eps;
        private final DataType type;
        private final GraphBuilder g =
                new GraphBuilder(OnnxMl.GraphProto.newBuilder().setName("gptj"));
        private int next;

        Graph(Shape shape, float eps, Precision precision) {
            this.shape = shape;
            this.eps = eps;
            this.type = precision.type;
            declare();
        }

        void initializer(Weight w, long offset, long length) {
            OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder()
                    .setName(w.name())
                    .setDataType(type.getNumber())
                    .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(GraphBuilder.entry("location", DATA_FILE))
                    .addExternalData(GraphBuilder.entry("offset", Long.toString(offset)))
                    .addExternalData(GraphBuilder.entry("length", Long.toString(length)));
            for (long d : w.stored()) {
                t.addDims(d);
            }
            g.graph().addInitializer(t);
        }

        OnnxMl.GraphProto build() {
            return g.graph().build();
        }

        private String weight(String name, boolean transposed, long... hfShape) {
            weights.add(new Weight(name, hfShape, transposed));
            return name;
        }

        /** A node named as the exporter names them: {@code /Type_N}, its output {@code /Type_N_output_0}. */
        private String op(String type, String[] inputs, OnnxMl.AttributeProto... attributes) {
            String name = "/" + type + "_" + next++;
            return g.op(type, name, name + "_output_0", inputs, attributes);
        }

        private String op(String type, String... inputs) {
            return op(type, inputs, new OnnxMl.AttributeProto[0]);
        }

        private String longs(long... values) {
            return g.vector("/const_" + next++, values);
        }

        private String scalar(long value) {
            return g.scalar("/const_" + next++, value);
        }

        /** A constant in the model's precision. */
        private String floats(float... values) {
            return floats(type, values);
        }

        /** One value makes a scalar, several a 1-D constant. */
        private String floats(DataType as, float... values) {
            return g.floats(
                    "/const_" + next++, as, values, values.length == 1 ? new long[0] : new long[] {values.length});
        }

        private String cast(String x, DataType to) {
            return op("Cast", new String[] {x}, GraphBuilder.intAttribute("to", to.getNumber()));
        }

        /** {@code x} (fp32) in the model's precision. */
        private String inPrecision(String x) {
            return type == DataType.FLOAT ? x : cast(x, type);
        }

        private void declare() {
            int h = shape.heads();
            int d = shape.headSize();
            int r = shape.rotary();
            long e = shape.embd();
            g.graph()
                    .addInput(GraphBuilder.tensor(
                            DecoderGraph.INPUT_IDS, DataType.INT64, "batch_size", "sequence_length"));
            g.graph()
                    .addInput(GraphBuilder.tensor(
                            DecoderGraph.ATTENTION_MASK,
                            DataType.INT64,
                            "batch_size",
                            "past_sequence_length + sequence_length"));
            g.graph()
                    .addInput(GraphBuilder.tensor(
                            DecoderGraph.POSITION_IDS, DataType.INT64, "batch_size", "sequence_length"));
            for (int i = 0; i < shape.layers(); i++) {
                for (String kind : new String[] {"key", "value"}) {
                    g.graph()
                            .addInput(GraphBuilder.tensor(
                                    "past_key_values." + i + "." + kind,
                                    type,
                                    "batch_size",
                                    (long) h,
                                    "past_sequence_length",
                                    (long) d));
                }
            }
            g.graph().addOutput(GraphBuilder.tensor(DecoderGraph.LOGITS, type, "batch_size", "sequence_length", (long)
                    shape.vocab()));

            String wte = weight("transformer.wte.weight", false, shape.vocab(), e);
            String x = op("Gather", new String[] {wte, DecoderGraph.INPUT_IDS}, GraphBuilder.intAttribute("axis", 0));

            // rotary: angle = position × inv_freq, each sin and cos repeated twice in place (interleaved)
            float[] invFreq = new float[r / 2];
            for (int i = 0; i < r / 2; i++) {
                invFreq[i] = (float) (1.0 / Math.pow(10000, (2.0 * i) / r));
            }
            String positions = op(
                    "Cast",
                    new String[] {DecoderGraph.POSITION_IDS},
                    GraphBuilder.intAttribute("to", DataType.FLOAT.getNumber()));
            String angle = op("Mul", op("Unsqueeze", positions, longs(-1)), floats(DataType.FLOAT, invFreq));
            String sin = interleaved(inPrecision(op("Sin", angle)), r);
            String cos = interleaved(inPrecision(op("Cos", angle)), r);

            // mask [b, 1, s, total]: key j seen by query i when j <= past + i and attention_mask[j] is 1
            String s = op("Gather", op("Shape", DecoderGraph.INPUT_IDS), scalar(1));
            String total = op("Gather", op("Shape", DecoderGraph.ATTENTION_MASK), scalar(1));
            String queries = op("Add", op("Range", scalar(0), s, scalar(1)), op("Sub", total, s));
            String keys = op("Range", scalar(0), total, scalar(1));
            String causal = op("LessOrEqual", op("Unsqueeze", keys, longs(0)), op("Unsqueeze", queries, longs(1)));
            String padding = op("Unsqueeze", op("Greater", DecoderGraph.ATTENTION_MASK, scalar(0)), longs(1, 2));
            String allowed = op("And", causal, padding);

            for (int i = 0; i < shape.layers(); i++) {
                x = layer(i, x, sin, cos, allowed);
            }
            String lnF = op(
                    "LayerNormalization",
                    new String[] {
                        x, weight("transformer.ln_f.weight", false, e), weight("transformer.ln_f.bias", false, e)
                    },
                    GraphBuilder.intAttribute("axis", -1),
                    GraphBuilder.floatAttribute("epsilon", eps));
            String head = shape.tiedLmHead()
                    ? op("Transpose", new String[] {wte}, GraphBuilder.intsAttribute("perm", 1, 0))
                    : weight("lm_head.weight", true, shape.vocab(), e);
            String product = op("MatMul", lnF, head);
            String bias = weight("lm_head.bias", false, shape.vocab());
            g.op("Add", "/lm_head/Add", DecoderGraph.LOGITS, new String[] {product, bias});
        }

        /** [b, s, r/2] → [b, s, 1, r]: each element twice in a row, broadcast over heads. */
        private String interleaved(String half, int r) {
            String pair = op("Unsqueeze", half, longs(-1));
            String twice = op("Concat", new String[] {pair, pair}, GraphBuilder.intAttribute("axis", -1));
            return op("Unsqueeze", op("Reshape", twice, longs(0, 0, r)), longs(2));
        }

        private String layer(int i, String x, String sin, String cos, String allowed) {
            long e = shape.embd();
            int h = shape.heads();
            int d = shape.headSize();
            String p = "transformer.h." + i + ".";
            String ln = op(
                    "LayerNormalization",
                    new String[] {x, weight(p + "ln_1.weight", false, e), weight(p + "ln_1.bias", false, e)},
                    GraphBuilder.intAttribute("axis", -1),
                    GraphBuilder.floatAttribute("epsilon", eps));
            String heads = longs(0, 0, h, d);
            String q = op("Reshape", op("MatMul", ln, weight(p + "attn.q_proj.weight", true, e, e)), heads);
            String k = op("Reshape", op("MatMul", ln, weight(p + "attn.k_proj.weight", true, e, e)), heads);
            String v = op("Reshape", op("MatMul", ln, weight(p + "attn.v_proj.weight", true, e, e)), heads);
            q = rotate(q, sin, cos);
            k = rotate(k, sin, cos);
            String[] cache = new String[2];
            String[] kinds = {"key", "value"};
            String[] fresh = {k, v};
            for (int c = 0; c < 2; c++) {
                String present = "present." + i + "." + kinds[c];
                String bhsd = op("Transpose", new String[] {fresh[c]}, GraphBuilder.intsAttribute("perm", 0, 2, 1, 3));
                g.op(
                        "Concat",
                        "/h." + i + "/" + kinds[c] + "/Concat",
                        present,
                        new String[] {"past_key_values." + i + "." + kinds[c], bhsd},
                        GraphBuilder.intAttribute("axis", 2));
                g.graph()
                        .addOutput(GraphBuilder.tensor(
                                present, type, "batch_size", (long) h, "past_sequence_length + sequence_length", (long)
                                        d));
                cache[c] = present;
            }
            String query = op("Transpose", new String[] {q}, GraphBuilder.intsAttribute("perm", 0, 2, 1, 3));
            String keysT = op("Transpose", new String[] {cache[0]}, GraphBuilder.intsAttribute("perm", 0, 1, 3, 2));
            // attention weights in fp32 whatever the precision, as Hugging Face's GPT-J computes them
            String scores = type == DataType.FLOAT
                    ? op("MatMul", query, keysT)
                    : op("MatMul", cast(query, DataType.FLOAT), cast(keysT, DataType.FLOAT));
            String masked = op("Where", allowed, scores, floats(DataType.FLOAT, MASKED));
            String scaled = op("Div", masked, floats(DataType.FLOAT, (float) Math.sqrt(d)));
            String probs = inPrecision(op("Softmax", new String[] {scaled}, GraphBuilder.intAttribute("axis", -1)));
            String context = op("MatMul", probs, cache[1]);
            String merged = op(
                    "Reshape",
                    op("Transpose", new String[] {context}, GraphBuilder.intsAttribute("perm", 0, 2, 1, 3)),
                    longs(0, 0, e));
            String attention = op("MatMul", merged, weight(p + "attn.out_proj.weight", true, e, e));

            String up = op(
                    "Add",
                    op("MatMul", ln, weight(p + "mlp.fc_in.weight", true, shape.inner(), e)),
                    weight(p + "mlp.fc_in.bias", false, shape.inner()));
            String down = op(
                    "Add",
                    op("MatMul", geluNew(up), weight(p + "mlp.fc_out.weight", true, e, shape.inner())),
                    weight(p + "mlp.fc_out.bias", false, e));
            return op("Add", op("Add", attention, down), x);
        }

        /** Rotary on the first {@code rotary} dimensions of each head: x·cos + rotate_every_two(x)·sin. */
        private String rotate(String t, String sin, String cos) {
            int h = shape.heads();
            int d = shape.headSize();
            int r = shape.rotary();
            String rot = t;
            String pass = null;
            if (r < d) {
                rot = op("Slice", t, longs(0), longs(r), longs(3));
                pass = op("Slice", t, longs(r), longs(d), longs(3));
            }
            String pairs = op("Reshape", rot, longs(0, 0, h, r / 2, 2));
            String x1 = op("Slice", pairs, longs(0), longs(1), longs(4));
            String x2 = op("Slice", pairs, longs(1), longs(2), longs(4));
            String swapped = op("Concat", new String[] {op("Neg", x2), x1}, GraphBuilder.intAttribute("axis", 4));
            String everyTwo = op("Reshape", swapped, longs(0, 0, h, r));
            String out = op("Add", op("Mul", rot, cos), op("Mul", everyTwo, sin));
            return pass == null ? out : op("Concat", new String[] {out, pass}, GraphBuilder.intAttribute("axis", 3));
        }

        /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), GPT-J's activation. */
        private String geluNew(String x) {
            String cube = op("Mul", op("Mul", x, x), x);
            String inner =
                    op("Mul", op("Add", x, op("Mul", cube, floats(0.044715f))), floats((float) Math.sqrt(2 / Math.PI)));
            String half = op("Mul", x, floats(0.5f));
            return op("Mul", half, op("Add", op("Tanh", inner), floats(1f)));
        }
    }
}

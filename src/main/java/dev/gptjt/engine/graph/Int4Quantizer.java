package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites every MatMul whose weight is a constant initializer {@code [K, N]} (directly, or through a
 * {@code Transpose} of one) into ONNX Runtime's {@code com.microsoft.MatMulNBits}: 4-bit weights in
 * blocks of {@code block_size} along K, one scale per block (float, or fp16 for an fp16 export's weights: the
 * operator's scales have its activations' type), symmetric around the operator's
 * default zero point 8 ({@code w ≈ (q − 8) · scale}, the block's scale the one of least squared error
 * from {@code max|w| / 7} down to half of it). Layout as
 * ORT documents it: {@code B} uint8 {@code [N, ceil(K / block), block / 2]}, two values a byte (the even
 * k in the low nibble), a block past K padded with zeros; {@code scales} {@code [N · blocks]}.
 * Embeddings, norms and biases stay as they are (fp16 ones fp16). Weights are read as fp32 or fp16
 * ({@code optimum-cli … --dtype fp16}, what GPUs are served from) and quantized from their float values.
 */
public final class Int4Quantizer {
    private static final String MS_DOMAIN = "com.microsoft";

    /**
     * @param blockSize     weights per scale along K (a power of two, 16 to 256)
     * @param accuracyLevel ORT's minimum accuracy of the activations' compute: 0 (unset: fp32), 1 fp32,
     *                      2 fp16, 3 bf16, 4 int8 (the fastest on CPU)
     * @param zeroPoints    asymmetric blocks: each block's 16 levels span its own [min, max] with a 4-bit
     *                      zero point (the operator's {@code zero_points} input), instead of ±max around 8
     */
    public record Options(int blockSize, int accuracyLevel, boolean zeroPoints) {
        public static final Options DEFAULTS = new Options(128, 4, false);

        public Options {
            if (blockSize < 16 || blockSize > 256 || Integer.bitCount(blockSize) != 1) {
                throw new IllegalArgumentException(
                        "block size must be a power of two from 16 to 256, was " + blockSize);
            }
            if (accuracyLevel < 0 || accuracyLevel > 4) {
                throw new IllegalArgumentException("accuracy level must be 0 to 4, was " + accuracyLevel);
            }
        }
    }

    /**
     * What a conversion did.
     *
     * @param matMuls     MatMuls made 4-bit
     * @param bytesBefore bytes of their weights before (fp32 or fp16)
     * @param bytesAfter  bytes of their 4-bit weights and scales
     * @param modelBytes  bytes of every initializer of the written model
     */
    public record Report(int matMuls, long bytesBefore, long bytesAfter, long modelBytes) {}

    /** Reads an initializer's floats, wherever they are stored. */
    @FunctionalInterface
    interface Floats {
        float[] of(OnnxMl.TensorProto tensor) throws IOException;
    }

    private Int4Quantizer() {}

    /**
     * Writes the 4-bit conversion of {@code source} as a model directory {@code outDir}: {@code model.onnx}
     * with its initializers in {@code model.onnx_data}, and copies of the small files (config, tokenizer).
     *
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER} when {@code outDir} is the source, or the
     *     model is already quantized; {@link ErrorCode#MODEL_INVALID} when a file cannot be read or written
     */
    public static Report convert(ModelDirectory source, Path outDir, Options options) {
        try {
            Files.createDirectories(outDir);
            if (Files.isSameFile(source.root(), outDir)) {
                throw new EngineException(
                        ErrorCode.INVALID_PARAMETER,
                        "--out must be another directory than --model: the model is rewritten");
            }
            OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(source.modelFile()));
            Path weights = source.weightsDir();
            Floats floats = t -> readFloats(t, weights);
            Result r = plan(model, options);
            Report report = write(r, floats, weights, outDir);
            GreedySearchConverter.copySmallFiles(source, outDir);
            return report;
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, "cannot quantize " + source.modelFile() + ": " + e, e);
        }
    }

    /** Which part of a MatMul's 4-bit form an initializer holds. */
    private enum Part {
        Q,
        SCALES,
        ZERO_POINTS
    }

    /**
     * One MatMul weight to make 4-bit: the fp32 or fp16 initializer, read only when its 4-bit form is written.
     */
    private record Job(OnnxMl.TensorProto weight, int k, int cols, boolean transposed) {
        boolean fp16() {
            return weight.getDataType() == OnnxMl.TensorProto.DataType.FLOAT16.getNumber();
        }
    }

    /** A new initializer of the rewritten graph, its data not made yet: part {@code part} of job {@code job}. */
    private record Pending(int job, Part part) {}

    /**
     * The rewritten model, its new initializers without data until {@link #write} (or {@link #materialize})
     * makes them one MatMul at a time, and what was done.
     */
    record Result(
            OnnxMl.ModelProto model,
            int matMuls,
            long bytesBefore,
            long bytesAfter,
            Options options,
            List<Job> jobs,
            Map<String, Pending> pending) {}

    /** {@link #plan} with every new initializer's data made and inline: a runnable model (small models, tests). */
    static Result quantize(OnnxMl.ModelProto model, Floats floats, Options options) throws IOException {
        Result r = plan(model, options);
        return new Result(
                materialize(r, floats), r.matMuls(), r.bytesBefore(), r.bytesAfter(), options, r.jobs(), Map.of());
    }

    /**
     * The rewritten graph: which MatMuls become {@code MatMulNBits} and the shapes of their new initializers,
     * decided from the graph alone; no weight is read.
     */
    static Result plan(OnnxMl.ModelProto model, Options options) {
        OnnxMl.GraphProto graph = model.getGraph();
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("MatMulNBits")) {
                throw new EngineException(
                        ErrorCode.INVALID_PARAMETER, "the model is already quantized (it has MatMulNBits nodes)");
            }
        }
        Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        Map<String, OnnxMl.NodeProto> producers = new HashMap<>();
        graph.getNodeList().forEach(n -> n.getOutputList().forEach(o -> producers.put(o, n)));

        OnnxMl.GraphProto.Builder g = graph.toBuilder();
        Set<String> replaced = new HashSet<>();
        List<Job> jobs = new ArrayList<>();
        Map<String, Pending> pending = new HashMap<>();
        int count = 0;
        long before = 0;
        long after = 0;
        Set<String> otherTypes = new java.util.TreeSet<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            OnnxMl.NodeProto n = g.getNode(i);
            if (!n.getOpType().equals("MatMul") || !n.getDomain().isEmpty()) {
                continue;
            }
            String b = n.getInput(1);
            boolean transposed = false;
            OnnxMl.TensorProto w = initializers.get(b);
            if (w == null
                    && producers.containsKey(b)
                    && producers.get(b).getOpType().equals("Transpose")) {
                w = initializers.get(producers.get(b).getInput(0)); // a [N, K] weight used transposed
                transposed = true;
            }
            if (w != null && w.getDimsCount() == 2 && !quantizable(w)) {
                otherTypes.add(OnnxMl.TensorProto.DataType.forNumber(w.getDataType()) + "");
            }
            if (w == null || w.getDimsCount() != 2 || !quantizable(w)) {
                continue;
            }
            int valueBytes = w.getDataType() == OnnxMl.TensorProto.DataType.FLOAT16.getNumber() ? 2 : 4;
            int k = (int) (transposed ? w.getDims(1) : w.getDims(0));
            int cols = (int) (transposed ? w.getDims(0) : w.getDims(1));
            int blocks = (k + options.blockSize() - 1) / options.blockSize();
            int job = jobs.size();
            jobs.add(new Job(w, k, cols, transposed));
            String base = n.getName().isEmpty() ? "matmul_" + i : n.getName().replace('/', '_');
            String qName = base + "_Q4";
            String sName = base + "_scales";
            String zName = base + "_zero_points";
            g.addInitializer(
                    placeholder(qName, OnnxMl.TensorProto.DataType.UINT8, cols, blocks, options.blockSize() / 2));
            pending.put(qName, new Pending(job, Part.Q));
            // the scales take the activations' type (the operator's T1), which is the weight's
            g.addInitializer(
                    placeholder(sName, OnnxMl.TensorProto.DataType.forNumber(w.getDataType()), (long) cols * blocks));
            pending.put(sName, new Pending(job, Part.SCALES));
            long zeroPointBytes = (long) cols * ((blocks + 1) / 2);
            if (options.zeroPoints()) {
                g.addInitializer(placeholder(zName, OnnxMl.TensorProto.DataType.UINT8, zeroPointBytes));
                pending.put(zName, new Pending(job, Part.ZERO_POINTS));
            }
            g.setNode(
                    i,
                    OnnxMl.NodeProto.newBuilder()
                            .setOpType("MatMulNBits")
                            .setDomain(MS_DOMAIN)
                            .setName(n.getName())
                            .addInput(n.getInput(0))
                            .addInput(qName)
                            .addInput(sName)
                            .addAllInput(options.zeroPoints() ? List.of(zName) : List.of())
                            .addOutput(n.getOutput(0))
                            .addAttribute(OnnxProtos.intAttribute("K", k))
                            .addAttribute(OnnxProtos.intAttribute("N", cols))
                            .addAttribute(OnnxProtos.intAttribute("bits", 4))
                            .addAttribute(OnnxProtos.intAttribute("block_size", options.blockSize()))
                            .addAttribute(OnnxProtos.intAttribute("accuracy_level", options.accuracyLevel()))
                            .build());
            replaced.add(w.getName());
            count++;
            before += (long) k * cols * valueBytes;
            after += (long) cols * blocks * (options.blockSize() / 2)
                    + (long) cols * blocks * valueBytes
                    + (options.zeroPoints() ? zeroPointBytes : 0);
        }
        if (count == 0 && !otherTypes.isEmpty()) {
            // an fp16 export (what GPUs are served from) would otherwise come out "quantized" with nothing 4-bit
            throw new EngineException(
                    ErrorCode.INVALID_PARAMETER,
                    "the model's MatMul weights are " + String.join(", ", otherTypes)
                            + ", not fp32 or fp16: --quantize int4 reads fp32 and fp16 weights; quantize an fp32 "
                            + "or fp16 export");
        }
        // drop the Transposes whose weights went into a MatMulNBits, then the fp32 weights nothing reads any
        // more (a tied embedding still read by a Gather stays)
        Set<String> read = inputsRead(g);
        for (int i = g.getNodeCount() - 1; i >= 0; i--) {
            OnnxMl.NodeProto n = g.getNode(i);
            if (n.getOpType().equals("Transpose") && !read.contains(n.getOutput(0))) {
                g.removeNode(i);
            }
        }
        read = inputsRead(g);
        for (int i = g.getInitializerCount() - 1; i >= 0; i--) {
            String name = g.getInitializer(i).getName();
            if (replaced.contains(name) && !read.contains(name)) {
                g.removeInitializer(i);
            }
        }
        OnnxMl.ModelProto.Builder m = model.toBuilder().setGraph(g);
        if (m.getOpsetImportList().stream().noneMatch(o -> o.getDomain().equals(MS_DOMAIN))) {
            m.addOpsetImport(
                    OnnxMl.OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1));
        }
        return new Result(m.build(), count, before, after, options, List.copyOf(jobs), Map.copyOf(pending));
    }

    private static boolean quantizable(OnnxMl.TensorProto w) {
        return w.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber()
                || w.getDataType() == OnnxMl.TensorProto.DataType.FLOAT16.getNumber();
    }

    private static OnnxMl.TensorProto placeholder(String name, OnnxMl.TensorProto.DataType type, long... dims) {
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /**
     * Makes the new initializers' bytes in graph order, one MatMul at a time: only the weight being quantized and
     * its 4-bit form are held, whatever the model's size.
     */
    private static final class Maker {
        private final Result plan;
        private final Floats floats;
        private int job = -1;
        private Packed packed;

        Maker(Result plan, Floats floats) {
            this.plan = plan;
            this.floats = floats;
        }

        /** The bytes of {@code name}, a pending initializer. */
        byte[] bytes(String name) throws IOException {
            Pending p = plan.pending().get(name);
            if (p.job() != job) {
                Job j = plan.jobs().get(p.job());
                packed = null; // let the previous MatMul's arrays go before this one's are made
                packed = pack(
                        floats.of(j.weight()),
                        j.k(),
                        j.cols(),
                        j.transposed(),
                        plan.options().blockSize(),
                        plan.options().zeroPoints());
                job = p.job();
            }
            return switch (p.part()) {
                case Q -> packed.q();
                case SCALES -> {
                    boolean fp16 = plan.jobs().get(p.job()).fp16();
                    ByteBuffer scales = ByteBuffer.allocate(packed.scales().length * (fp16 ? 2 : 4))
                            .order(ByteOrder.LITTLE_ENDIAN);
                    for (float s : packed.scales()) {
                        if (fp16) {
                            scales.putShort(OnnxProtos.fp16(s));
                        } else {
                            scales.putFloat(s);
                        }
                    }
                    yield scales.array();
                }
                case ZERO_POINTS -> packed.packedZeroPoints();
            };
        }
    }

    /** The planned model with every pending initializer's data inline. */
    private static OnnxMl.ModelProto materialize(Result plan, Floats floats) throws IOException {
        Maker maker = new Maker(plan, floats);
        OnnxMl.GraphProto.Builder g = plan.model().getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            OnnxMl.TensorProto t = g.getInitializer(i);
            if (plan.pending().containsKey(t.getName())) {
                g.setInitializer(i, t.toBuilder().setRawData(ByteString.copyFrom(maker.bytes(t.getName()))));
            }
        }
        return plan.model().toBuilder().setGraph(g).build();
    }

    private static Set<String> inputsRead(OnnxMl.GraphProto.Builder g) {
        Set<String> read = new HashSet<>();
        g.getNodeList().forEach(n -> read.addAll(n.getInputList()));
        g.getOutputList().forEach(o -> read.add(o.getName()));
        return read;
    }

    /** 4-bit weights, scales, zero points (8 for every symmetric block) and blocks per column. */
    record Packed(byte[] q, float[] scales, int[] zeroPoints, int blocks) {
        /** The zero points as the operator takes them: two a byte, low nibble first, each column padded to a byte. */
        byte[] packedZeroPoints() {
            int perColumn = (blocks + 1) / 2;
            int columns = zeroPoints.length / blocks;
            byte[] out = new byte[columns * perColumn];
            for (int col = 0; col < columns; col++) {
                for (int b = 0; b < blocks; b++) {
                    out[col * perColumn + b / 2] |= (byte) (zeroPoints[col * blocks + b] << (b % 2 == 0 ? 0 : 4));
                }
            }
            return out;
        }
    }

    /** Quantizes a {@code [K, N]} weight ({@code [N, K]} when {@code transposed}) column by column. */
    static Packed pack(float[] w, int k, int n, boolean transposed, int block, boolean asymmetric) {
        int blocks = (k + block - 1) / block;
        int blob = block / 2;
        byte[] q = new byte[n * blocks * blob];
        float[] scales = new float[n * blocks];
        int[] zeros = new int[n * blocks];
        float[] values = new float[block];
        int[] codes = new int[block];
        for (int col = 0; col < n; col++) {
            for (int b = 0; b < blocks; b++) {
                int valid = Math.min(block, k - b * block);
                for (int j = 0; j < block; j++) {
                    int row = b * block + j;
                    values[j] = row < k ? (transposed ? w[col * k + row] : w[row * n + col]) : 0f;
                }
                Level level = asymmetric ? asymmetric(values, valid) : symmetric(values);
                scales[col * blocks + b] = level.scale();
                zeros[col * blocks + b] = level.zero();
                for (int j = 0; j < block; j++) {
                    codes[j] = code(values[j], level);
                }
                int offset = (col * blocks + b) * blob;
                for (int j = 0; j < block; j += 2) {
                    q[offset + j / 2] = (byte) (codes[j] | (codes[j + 1] << 4));
                }
            }
        }
        return new Packed(q, scales, zeros, blocks);
    }

    /** A block's step and zero point: {@code w ≈ (q − zero) · scale}. */
    private record Level(float scale, int zero) {}

    /**
     * Around zero point 8, the scale of least squared error among {@code max|w|/7} shrunk in 5% steps to
     * half of it: clipping the block's largest values a little buys every other value a finer step.
     */
    private static Level symmetric(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        Level best = new Level(max / 7f, 8);
        double bestError = Double.MAX_VALUE;
        for (int step = 0; step <= 10 && max > 0; step++) {
            Level l = new Level(max / 7f * (1f - 0.05f * step), 8);
            double error = error(values, l);
            if (error < bestError) {
                bestError = error;
                best = l;
            }
        }
        return best;
    }

    /** The block's own [min, max] in 15 steps (the padding past K is not part of it). */
    private static Level asymmetric(float[] values, int valid) {
        float min = 0;
        float max = 0;
        for (int j = 0; j < valid; j++) {
            min = Math.min(min, values[j]);
            max = Math.max(max, values[j]);
        }
        float scale = (max - min) / 15f;
        if (scale == 0) {
            return new Level(0, 8);
        }
        return new Level(scale, Math.max(0, Math.min(15, Math.round(-min / scale))));
    }

    private static double error(float[] values, Level l) {
        double error = 0;
        for (float v : values) {
            double d = v - (code(v, l) - l.zero()) * l.scale();
            error += d * d;
        }
        return error;
    }

    private static int code(float v, Level l) {
        if (l.scale() == 0) {
            return l.zero();
        }
        return Math.max(0, Math.min(15, Math.round(v / l.scale()) + l.zero()));
    }

    /** What the 4-bit weights stand for, {@code [K, N]}: {@code (q − zero) · scale}. */
    static float[] dequantize(Packed p, int k, int n, int block) {
        float[] w = new float[k * n];
        int blob = block / 2;
        for (int col = 0; col < n; col++) {
            for (int row = 0; row < k; row++) {
                int b = row / block;
                int j = row % block;
                int bits = p.q()[(col * p.blocks() + b) * blob + j / 2] & 0xff;
                int code = j % 2 == 0 ? bits & 0x0f : bits >>> 4;
                w[row * n + col] = (code - p.zeroPoints()[col * p.blocks() + b]) * p.scales()[col * p.blocks() + b];
            }
        }
        return w;
    }

    /**
     * An fp32 or fp16 initializer's values as floats: inline (raw, float_data, or int32_data holding fp16 bits)
     * or in an external data file beside the model.
     */
    static float[] readFloats(OnnxMl.TensorProto t, Path weightsDir) throws IOException {
        boolean fp16 = t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT16.getNumber();
        int valueBytes = fp16 ? 2 : 4;
        long count = 1;
        for (long d : t.getDimsList()) {
            count *= d;
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw new IOException(t.getName() + " has " + count + " values, more than one Java array holds");
        }
        float[] out = new float[(int) count];
        if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
            Map<String, String> ext = OnnxProtos.externalData(t);
            long offset = Long.parseLong(ext.getOrDefault("offset", "0"));
            try (FileChannel ch = FileChannel.open(weightsDir.resolve(ext.get("location")), StandardOpenOption.READ)) {
                // in chunks, straight into the floats: a 6 B model's lm_head is 825 MB, held once, not twice
                ByteBuffer chunk = ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
                int done = 0;
                long position = offset;
                while (done < out.length) {
                    chunk.clear().limit((int) Math.min(chunk.capacity(), (long) valueBytes * (out.length - done)));
                    while (chunk.hasRemaining()) {
                        int read = ch.read(chunk, position);
                        if (read < 0) {
                            throw new IOException("external data of " + t.getName() + " ends early");
                        }
                        position += read;
                    }
                    chunk.flip();
                    done = take(chunk, fp16, out, done);
                }
            }
        } else if (!t.getRawData().isEmpty()) {
            take(t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN), fp16, out, 0);
        } else if (fp16) {
            for (int i = 0; i < out.length; i++) {
                out[i] = OnnxProtos.fromFp16((short) t.getInt32Data(i)); // ONNX keeps fp16 bits in int32_data
            }
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
    }

    /** Puts {@code bytes}' values (fp32, or fp16 bits) into {@code out} from {@code at}; the index after the last. */
    private static int take(ByteBuffer bytes, boolean fp16, float[] out, int at) {
        if (!fp16) {
            int floats = bytes.remaining() / 4;
            bytes.asFloatBuffer().get(out, at, floats);
            return at + floats;
        }
        while (bytes.remaining() >= 2) {
            out[at++] = OnnxProtos.fromFp16(bytes.getShort());
        }
        return at;
    }

    /**
     * Writes the graph as {@code model.onnx} and every initializer of 1 KB or more into {@code model.onnx_data}
     * (a 6 B model's 4-bit weights are over protobuf's 2 GB limit): each MatMul's 4-bit form as soon as it is
     * made, untouched external weights copied file to file, never loaded whole.
     */
    private static Report write(Result r, Floats floats, Path weightsDir, Path outDir) throws IOException {
        String dataName = ModelDirectory.MODEL_FILE + "_data";
        OnnxMl.ModelProto model = r.model();
        OnnxMl.GraphProto.Builder g = model.getGraph().toBuilder();
        Maker maker = new Maker(r, floats);
        long offset = 0;
        Path data = outDir.resolve(dataName);
        try (FileChannel out = FileChannel.open(
                data, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (int i = 0; i < g.getInitializerCount(); i++) {
                OnnxMl.TensorProto t = g.getInitializer(i);
                long length;
                if (r.pending().containsKey(t.getName())) {
                    // made now and written at once: the 4-bit weights are never all in memory together
                    byte[] bytes = maker.bytes(t.getName());
                    if (bytes.length < 1024) {
                        g.setInitializer(i, t.toBuilder().setRawData(ByteString.copyFrom(bytes)));
                        continue;
                    }
                    length = bytes.length;
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                } else if (t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL) {
                    Map<String, String> ext = OnnxProtos.externalData(t);
                    long from = Long.parseLong(ext.getOrDefault("offset", "0"));
                    length = Long.parseLong(ext.get("length"));
                    try (FileChannel in =
                            FileChannel.open(weightsDir.resolve(ext.get("location")), StandardOpenOption.READ)) {
                        long done = 0;
                        while (done < length) {
                            done += in.transferTo(from + done, length - done, out);
                        }
                    }
                } else if (t.getRawData().size() >= 1024) {
                    length = t.getRawData().size();
                    out.write(t.getRawData().asReadOnlyByteBuffer());
                } else {
                    continue;
                }
                g.setInitializer(
                        i,
                        t.toBuilder()
                                .clearRawData()
                                .clearExternalData()
                                .setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL)
                                .addExternalData(entry("location", dataName))
                                .addExternalData(entry("offset", Long.toString(offset)))
                                .addExternalData(entry("length", Long.toString(length))));
                offset += length;
            }
        }
        Path graphFile = outDir.resolve(ModelDirectory.MODEL_FILE);
        try (OutputStream os = Files.newOutputStream(graphFile)) {
            model.toBuilder().setGraph(g).build().writeTo(os);
        }
        return new Report(r.matMuls(), r.bytesBefore(), r.bytesAfter(), offset);
    }

    private static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder()
                .setKey(key)
                .setValue(value)
                .build();
    }
}

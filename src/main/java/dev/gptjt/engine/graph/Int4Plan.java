package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The 4-bit graph, decided from the graph alone, no weight read: which MatMuls become {@code MatMulNBits}, the
 * names and shapes of their new initializers (placeholders without data until {@link Int4Weights} makes them one
 * MatMul at a time), and what was done.
 *
 * @param model       the rewritten model, its new initializers without data
 * @param matMuls     MatMuls made 4-bit
 * @param bytesBefore bytes of their weights before (fp32 or fp16)
 * @param bytesAfter  bytes of their 4-bit weights, scales and zero points
 * @param options     the block size, accuracy level and zero points asked for
 * @param jobs        the weights to quantize, in graph order
 * @param pending     each new initializer's job and part, by name
 */
record Int4Plan(
        OnnxMl.ModelProto model,
        int matMuls,
        long bytesBefore,
        long bytesAfter,
        Int4Quantizer.Options options,
        List<Job> jobs,
        Map<String, Pending> pending) {
    private static final String MS_DOMAIN = "com.microsoft";

    /** Which part of a MatMul's 4-bit form an initializer holds. */
    enum Part {
        Q,
        SCALES,
        ZERO_POINTS
    }

    /** One MatMul weight to make 4-bit: the fp32 or fp16 initializer {@code [K, N]} ({@code [N, K]} transposed). */
    record Job(OnnxMl.TensorProto weight, int k, int cols, boolean transposed) {
        boolean fp16() {
            return weight.getDataType() == OnnxMl.TensorProto.DataType.FLOAT16.getNumber();
        }
    }

    /** A new initializer of the rewritten graph, its data not made yet: part {@code part} of job {@code job}. */
    record Pending(int job, Part part) {}

    /**
     * Plans the rewrite of {@code model}.
     *
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER} when the model is already quantized, or its MatMul
     *     weights are of another type than fp32 or fp16
     */
    static Int4Plan of(OnnxMl.ModelProto model, Int4Quantizer.Options options) {
        OnnxMl.GraphProto graph = model.getGraph();
        refuseQuantized(graph);
        Map<String, OnnxMl.TensorProto> initializers = new HashMap<>();
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        Map<String, OnnxMl.NodeProto> producers = new HashMap<>();
        graph.getNodeList().forEach(n -> n.getOutputList().forEach(o -> producers.put(o, n)));

        OnnxMl.GraphProto.Builder g = graph.toBuilder();
        Set<String> replaced = new HashSet<>();
        List<Job> jobs = new ArrayList<>();
        Map<String, Pending> pending = new HashMap<>();
        long before = 0;
        long after = 0;
        Set<String> otherTypes = new TreeSet<>();
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
            Job job = new Job(
                    w,
                    (int) (transposed ? w.getDims(1) : w.getDims(0)),
                    (int) (transposed ? w.getDims(0) : w.getDims(1)),
                    transposed);
            String base = n.getName().isEmpty() ? "matmul_" + i : n.getName().replace('/', '_');
            g.setNode(i, matMulNBits(g, n, base, job, jobs.size(), options, pending));
            jobs.add(job);
            replaced.add(w.getName());
            int valueBytes = job.fp16() ? 2 : 4;
            int blocks = blocks(job.k(), options);
            before += (long) job.k() * job.cols() * valueBytes;
            after += (long) job.cols() * blocks * (options.blockSize() / 2)
                    + (long) job.cols() * blocks * valueBytes
                    + (options.zeroPoints() ? zeroPointBytes(job, options) : 0);
        }
        if (jobs.isEmpty() && !otherTypes.isEmpty()) {
            // an fp16 export (what GPUs are served from) would otherwise come out "quantized" with nothing 4-bit
            throw new EngineException(
                    ErrorCode.INVALID_PARAMETER,
                    "the model's MatMul weights are " + String.join(", ", otherTypes)
                            + ", not fp32 or fp16: --quantize int4 reads fp32 and fp16 weights; quantize an fp32 "
                            + "or fp16 export");
        }
        dropUnread(g, replaced);
        OnnxMl.ModelProto.Builder m = model.toBuilder().setGraph(g);
        if (m.getOpsetImportList().stream().noneMatch(o -> o.getDomain().equals(MS_DOMAIN))) {
            m.addOpsetImport(
                    OnnxMl.OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1));
        }
        return new Int4Plan(m.build(), jobs.size(), before, after, options, List.copyOf(jobs), Map.copyOf(pending));
    }

    private static void refuseQuantized(OnnxMl.GraphProto graph) {
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("MatMulNBits")) {
                throw new EngineException(
                        ErrorCode.INVALID_PARAMETER, "the model is already quantized (it has MatMulNBits nodes)");
            }
        }
    }

    private static boolean quantizable(OnnxMl.TensorProto w) {
        return w.getDataType() == OnnxMl.TensorProto.DataType.FLOAT.getNumber()
                || w.getDataType() == OnnxMl.TensorProto.DataType.FLOAT16.getNumber();
    }

    private static int blocks(int k, Int4Quantizer.Options options) {
        return (k + options.blockSize() - 1) / options.blockSize();
    }

    private static long zeroPointBytes(Job job, Int4Quantizer.Options options) {
        return (long) job.cols() * ((blocks(job.k(), options) + 1) / 2);
    }

    /**
     * The {@code MatMulNBits} that replaces MatMul {@code n}, its weight, scales and zero points added to {@code g} as
     * placeholders named after {@code base} and recorded in {@code pending} as parts of job {@code index}.
     */
    private static OnnxMl.NodeProto matMulNBits(
            OnnxMl.GraphProto.Builder g,
            OnnxMl.NodeProto n,
            String base,
            Job job,
            int index,
            Int4Quantizer.Options options,
            Map<String, Pending> pending) {
        int blocks = blocks(job.k(), options);
        String qName = base + "_Q4";
        String sName = base + "_scales";
        String zName = base + "_zero_points";
        g.addInitializer(
                placeholder(qName, OnnxMl.TensorProto.DataType.UINT8, job.cols(), blocks, options.blockSize() / 2));
        pending.put(qName, new Pending(index, Part.Q));
        // the scales take the activations' type (the operator's T1), which is the weight's
        g.addInitializer(placeholder(
                sName, OnnxMl.TensorProto.DataType.forNumber(job.weight().getDataType()), (long) job.cols() * blocks));
        pending.put(sName, new Pending(index, Part.SCALES));
        if (options.zeroPoints()) {
            g.addInitializer(placeholder(zName, OnnxMl.TensorProto.DataType.UINT8, zeroPointBytes(job, options)));
            pending.put(zName, new Pending(index, Part.ZERO_POINTS));
        }
        return OnnxMl.NodeProto.newBuilder()
                .setOpType("MatMulNBits")
                .setDomain(MS_DOMAIN)
                .setName(n.getName())
                .addInput(n.getInput(0))
                .addInput(qName)
                .addInput(sName)
                .addAllInput(options.zeroPoints() ? List.of(zName) : List.of())
                .addOutput(n.getOutput(0))
                .addAttribute(GraphBuilder.intAttribute("K", job.k()))
                .addAttribute(GraphBuilder.intAttribute("N", job.cols()))
                .addAttribute(GraphBuilder.intAttribute("bits", 4))
                .addAttribute(GraphBuilder.intAttribute("block_size", options.blockSize()))
                .addAttribute(GraphBuilder.intAttribute("accuracy_level", options.accuracyLevel()))
                .build();
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
     * Drops the Transposes whose weights went into a MatMulNBits, then the {@code replaced} weights nothing reads any
     * more (a tied embedding still read by a Gather stays).
     */
    private static void dropUnread(OnnxMl.GraphProto.Builder g, Set<String> replaced) {
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
    }

    private static Set<String> inputsRead(OnnxMl.GraphProto.Builder g) {
        Set<String> read = new HashSet<>();
        g.getNodeList().forEach(n -> read.addAll(n.getInputList()));
        g.getOutputList().forEach(o -> read.add(o.getName()));
        return read;
    }
}

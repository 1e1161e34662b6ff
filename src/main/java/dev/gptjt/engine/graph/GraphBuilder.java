package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.HashSet;
import java.util.Set;

/**
 * Builds ONNX graphs: the nodes, attributes, constants and value infos that the converters and the tools'
 * {@code GptjExportWriter} (benchmark models) write. Each static method makes one protobuf; an instance appends nodes and constants to one
 * graph in the order they are asked for, each constant once however often its name is asked for, and leaves the
 * naming of values to its caller (each graph has its own scheme, and the names are part of its bytes).
 */
public final class GraphBuilder {
    private final OnnxMl.GraphProto.Builder graph;
    private final Set<String> initializers = new HashSet<>();

    /** Builds on {@code graph}: what it holds stays, new nodes and constants come after. */
    public GraphBuilder(OnnxMl.GraphProto.Builder graph) {
        this.graph = graph;
        graph.getInitializerList().forEach(t -> initializers.add(t.getName()));
    }

    /** The graph being built, for its inputs, outputs and anything else this builder does not add. */
    public OnnxMl.GraphProto.Builder graph() {
        return graph;
    }

    /** Appends a node of one output, {@code output}, and returns that output's name. */
    public String op(String type, String name, String output, String[] inputs, OnnxMl.AttributeProto... attributes) {
        graph.addNode(node(type, name, inputs, new String[] {output}, attributes));
        return output;
    }

    /** Adds initializer {@code constant} unless the graph has one of its name; its name. */
    public String constant(OnnxMl.TensorProto constant) {
        if (initializers.add(constant.getName())) {
            graph.addInitializer(constant);
        }
        return constant.getName();
    }

    /** Whether the graph has an initializer (a weight or a constant) called {@code name}. */
    public boolean hasInitializer(String name) {
        return initializers.contains(name);
    }

    /** A 1-D int64 constant of {@code values} (none: a 1-D tensor of no elements, the shape of a scalar). */
    public String vector(String name, long... values) {
        return constant(int64s(name, values, values.length));
    }

    /** An int64 scalar constant. */
    public String scalar(String name, long value) {
        return constant(int64s(name, new long[] {value}));
    }

    /**
     * A float constant of type {@code type} (fp32, or fp16 kept as bits in {@code int32_data} as ONNX keeps them);
     * {@code dims} empty makes a scalar.
     */
    public String floats(String name, DataType type, float[] values, long... dims) {
        if (type != DataType.FLOAT && type != DataType.FLOAT16) {
            throw new IllegalArgumentException("float constants are FLOAT or FLOAT16, not " + type);
        }
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            if (type == DataType.FLOAT16) {
                t.addInt32Data(Fp16.bits(v) & 0xffff);
            } else {
                t.addFloatData(v);
            }
        }
        return constant(t.build());
    }

    public static OnnxMl.NodeProto node(
            String op, String name, String[] inputs, String[] outputs, OnnxMl.AttributeProto... attributes) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (String out : outputs) {
            n.addOutput(out);
        }
        for (OnnxMl.AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        return n.build();
    }

    /** An int64 constant; {@code dims} empty makes a scalar. */
    public static OnnxMl.TensorProto int64s(String name, long[] values, long... dims) {
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder().setName(name).setDataType(DataType.INT64.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    /** A value's name, element type and shape: a {@link Long} dimension is a fixed size, a {@link String} a symbolic one. */
    public static OnnxMl.ValueInfoProto tensor(String name, DataType type, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Number n) {
                dim.setDimValue(n.longValue());
            } else {
                dim.setDimParam(d.toString());
            }
            shape.addDim(dim);
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(type.getNumber())
                                .setShape(shape)))
                .build();
    }

    public static OnnxMl.AttributeProto intAttribute(String name, long value) {
        return attribute(name, OnnxMl.AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    public static OnnxMl.AttributeProto intsAttribute(String name, long... values) {
        OnnxMl.AttributeProto.Builder a = attribute(name, OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    public static OnnxMl.AttributeProto floatAttribute(String name, float value) {
        return attribute(name, OnnxMl.AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    public static OnnxMl.AttributeProto tensorAttribute(String name, OnnxMl.TensorProto value) {
        return attribute(name, OnnxMl.AttributeProto.AttributeType.TENSOR)
                .setT(value)
                .build();
    }

    public static OnnxMl.AttributeProto graphAttribute(String name, OnnxMl.GraphProto value) {
        return attribute(name, OnnxMl.AttributeProto.AttributeType.GRAPH)
                .setG(value)
                .build();
    }

    private static OnnxMl.AttributeProto.Builder attribute(String name, OnnxMl.AttributeProto.AttributeType type) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(type);
    }

    /** A key and value: a model's metadata, or an initializer's external-data location, offset or length. */
    public static OnnxMl.StringStringEntryProto entry(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder()
                .setKey(key)
                .setValue(value)
                .build();
    }
}

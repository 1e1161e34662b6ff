package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts several graphs over one model's weights into one graph, so that one ONNX Runtime session holds
 * the weights once for every path (ORT gives each session its own copy of every initializer, and on a GPU
 * its own device copy): the decoder, {@code greedy_search.onnx}, {@code classify.onnx}.
 *
 * <pre>
 *   main graph:  the first path's initializers (the weights), every path's inputs and outputs
 *                gptjt_path int64 [1] ─ Equal(k) ─▶ If ─ then: path k's nodes
 *                                                     └ else: If ... (the next path)
 * </pre>
 *
 * Only the chosen branch runs; it reads the weights from the outer scope (ORT prepacks and places an
 * outer-scope initializer once, as {@code convert_generation.py} relies on when it moves subgraph
 * initializers to the main graph). Every branch yields every output of the combined graph: its own, and
 * an empty tensor of the right type and rank for each other path's, which a caller never requests.
 *
 * <p>The first path keeps its input and output names; every other path's are prefixed
 * ({@link Path#prefix()}), since the converted graphs reuse the decoder's names with other types. A later
 * path's initializer named like one of the first path's must be that same tensor (same external-data
 * entries, or the same bytes): it is dropped, and the branch reads the shared one.
 */
public final class SharedWeightsGraph {
    /** The input choosing the path: int64 [1], the path's index in the list given to {@link #combine}. */
    public static final String PATH_INPUT = "gptjt_path";

    private SharedWeightsGraph() {}

    /**
     * One graph to combine.
     *
     * @param prefix put before each of its input and output names in the combined graph ("" for none)
     * @param source what it was read from, for messages
     */
    public record Path(String prefix, OnnxMl.ModelProto model, String source) {}

    /**
     * Combines {@code paths} (at least two; the first holds the weights, usually the decoder).
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when a later path has an initializer of the
     *     first path's name with other contents (it was converted from another model), or two paths' input or
     *     output names meet after prefixing
     */
    public static OnnxMl.ModelProto combine(List<Path> paths) {
        if (paths.size() < 2) {
            throw new IllegalArgumentException("combine needs at least two paths, got " + paths.size());
        }
        OnnxMl.GraphProto first = paths.get(0).model().getGraph();
        Map<String, OnnxMl.TensorProto> shared = new HashMap<>();
        first.getInitializerList().forEach(t -> shared.put(t.getName(), t));

        OnnxMl.GraphProto.Builder main = OnnxMl.GraphProto.newBuilder()
                .setName("gptjt_shared_weights")
                .addAllInitializer(first.getInitializerList());
        main.addInput(GraphBuilder.tensor(PATH_INPUT, DataType.INT64, 1L));
        Set<String> mainNames = new HashSet<>(shared.keySet());
        mainNames.add(PATH_INPUT);
        List<OnnxMl.ValueInfoProto> outputs = new ArrayList<>();
        List<List<Integer>> ownOutputs = new ArrayList<>();
        for (Path path : paths) {
            OnnxMl.GraphProto g = path.model().getGraph();
            for (OnnxMl.ValueInfoProto in : g.getInputList()) {
                if (shared.containsKey(in.getName())) {
                    continue; // an initializer listed as an input (IR < 4)
                }
                String name = path.prefix() + in.getName();
                unique(mainNames, name, path);
                main.addInput(in.toBuilder().setName(name));
            }
            List<Integer> own = new ArrayList<>();
            for (OnnxMl.ValueInfoProto out : g.getOutputList()) {
                String name = path.prefix() + out.getName();
                unique(mainNames, name, path);
                own.add(outputs.size());
                outputs.add(out.toBuilder().setName(name).build());
            }
            ownOutputs.add(own);
        }

        Hoist hoist = new Hoist(shared);
        List<OnnxMl.GraphProto> branches = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            branches.add(branch(i, paths.get(i), ownOutputs.get(i), outputs, hoist, mainNames));
        }
        main.addAllNode(hoist.nodes);
        for (int i = 0; i < paths.size() - 1; i++) {
            main.addInitializer(GraphBuilder.int64s("gptjt_path_" + i, new long[] {i}, 1));
            main.addNode(GraphBuilder.node(
                    "Equal", "gptjt_is_path_" + i, new String[] {PATH_INPUT, "gptjt_path_" + i}, new String[] {
                        "gptjt_is_path_" + i
                    }));
        }
        // If(path 0, branch 0, If(path 1, branch 1, ... branch n-1)), built from the innermost out
        OnnxMl.GraphProto otherwise = branches.get(paths.size() - 1);
        for (int i = paths.size() - 2; i >= 0; i--) {
            boolean outermost = i == 0;
            List<String> names = new ArrayList<>();
            for (OnnxMl.ValueInfoProto out : outputs) {
                names.add(outermost ? out.getName() : "gptjt_choice_" + i + "/" + out.getName());
            }
            OnnxMl.NodeProto choose = GraphBuilder.node(
                    "If",
                    "gptjt_choose_" + i,
                    new String[] {"gptjt_is_path_" + i},
                    names.toArray(String[]::new),
                    GraphBuilder.graphAttribute("then_branch", branches.get(i)),
                    GraphBuilder.graphAttribute("else_branch", otherwise));
            if (outermost) {
                main.addNode(choose);
            } else {
                OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder()
                        .setName("gptjt_choice_" + i)
                        .addNode(choose);
                for (int k = 0; k < outputs.size(); k++) {
                    g.addOutput(outputs.get(k).toBuilder().setName(names.get(k)));
                }
                otherwise = g.build();
            }
        }
        main.addAllOutput(outputs);

        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setGraph(main)
                .setProducerName("gptjt shared weights")
                .setIrVersion(paths.stream()
                        .mapToLong(p -> p.model().getIrVersion())
                        .max()
                        .orElseThrow());
        Map<String, Long> opsets = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Path path : paths) {
            path.model().getOpsetImportList().forEach(o -> opsets.merge(o.getDomain(), o.getVersion(), Math::max));
            path.model().getMetadataPropsList().forEach(m -> metadata.putIfAbsent(m.getKey(), m.getValue()));
        }
        opsets.forEach((domain, version) -> model.addOpsetImport(
                OnnxMl.OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version)));
        metadata.forEach((k, v) -> model.addMetadataProps(GraphBuilder.entry(k, v)));
        return model.build();
    }

    /**
     * Path {@code index}'s graph as an If branch: no inputs (its inputs are the main graph's, prefixed), the
     * shared weights dropped, names it defines that the main graph also has renamed apart, and every
     * combined output — its own, and empty ones for the others.
     */
    private static OnnxMl.GraphProto branch(
            int index,
            Path path,
            List<Integer> own,
            List<OnnxMl.ValueInfoProto> outputs,
            Hoist hoist,
            Set<String> mainNames) {
        Map<String, OnnxMl.TensorProto> shared = hoist.shared;
        OnnxMl.GraphProto g = path.model().getGraph();
        String local = "gptjt_branch_" + index + "/";
        Map<String, String> renamed = new HashMap<>();
        for (OnnxMl.ValueInfoProto in : g.getInputList()) {
            if (!shared.containsKey(in.getName())) {
                renamed.put(in.getName(), path.prefix() + in.getName());
            }
        }
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (String out : n.getOutputList()) {
                if (mainNames.contains(out)) {
                    renamed.put(out, local + out);
                }
            }
        }
        for (OnnxMl.ValueInfoProto out : g.getOutputList()) {
            if (!renamed.containsKey(out.getName())) {
                renamed.put(out.getName(), local + out.getName());
            }
        }
        OnnxMl.GraphProto.Builder b = OnnxMl.GraphProto.newBuilder().setName(local + g.getName());
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            if (!isShared(t, shared, path)) {
                b.addInitializer(t.toBuilder().setName(renamed.getOrDefault(t.getName(), t.getName())));
            }
        }
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            OnnxMl.NodeProto node = renameNode(n, renamed, hoist, path);
            if (!hoist.offer(node, renamed)) {
                b.addNode(node);
            }
        }
        int k = 0;
        for (int o = 0; o < outputs.size(); o++) {
            OnnxMl.ValueInfoProto out = outputs.get(o);
            if (own.contains(o)) {
                String name = g.getOutput(k++).getName();
                b.addOutput(out.toBuilder().setName(renamed.getOrDefault(name, name)));
            } else {
                String empty = local + "empty/" + out.getName();
                b.addNode(emptyConstant(empty, out));
                b.addOutput(out.toBuilder().setName(empty));
            }
        }
        return b.build();
    }

    /** A node with {@code renamed} applied, and its subgraphs' references to renamed names and shared weights. */
    private static OnnxMl.NodeProto renameNode(
            OnnxMl.NodeProto n, Map<String, String> renamed, Hoist hoist, Path path) {
        OnnxMl.NodeProto.Builder b = n.toBuilder();
        for (int i = 0; i < b.getInputCount(); i++) {
            b.setInput(i, renamed.getOrDefault(b.getInput(i), b.getInput(i)));
        }
        for (int i = 0; i < b.getOutputCount(); i++) {
            b.setOutput(i, renamed.getOrDefault(b.getOutput(i), b.getOutput(i)));
        }
        for (int a = 0; a < b.getAttributeCount(); a++) {
            OnnxMl.AttributeProto.Builder attribute = b.getAttribute(a).toBuilder();
            if (attribute.hasG()) {
                attribute.setG(nested(attribute.getG(), renamed, hoist, path));
            }
            for (int i = 0; i < attribute.getGraphsCount(); i++) {
                attribute.setGraphs(i, nested(attribute.getGraphs(i), renamed, hoist, path));
            }
            b.setAttribute(a, attribute);
        }
        return b.build();
    }

    /** A subgraph: its own names stay (they shadow the outer ones); outer references follow {@code renamed}. */
    private static OnnxMl.GraphProto nested(OnnxMl.GraphProto g, Map<String, String> renamed, Hoist hoist, Path path) {
        Set<String> defined = new HashSet<>();
        g.getInputList().forEach(v -> defined.add(v.getName()));
        g.getNodeList().forEach(n -> defined.addAll(n.getOutputList()));
        Map<String, String> outer = new HashMap<>(renamed);
        defined.forEach(outer::remove);
        OnnxMl.GraphProto.Builder b = g.toBuilder().clearInitializer().clearNode();
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            if (!isShared(t, hoist.shared, path)) {
                b.addInitializer(t);
                outer.remove(t.getName());
            }
        }
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            OnnxMl.NodeProto node = renameNode(n, outer, hoist, path);
            if (!hoist.offer(node, outer)) {
                b.addNode(node);
            }
        }
        for (int i = 0; i < b.getOutputCount(); i++) {
            String name = b.getOutput(i).getName();
            b.setOutput(i, b.getOutput(i).toBuilder().setName(outer.getOrDefault(name, name)));
        }
        return b.build();
    }

    /** True when {@code t} is one of the shared weights, which it must then equal. */
    private static boolean isShared(OnnxMl.TensorProto t, Map<String, OnnxMl.TensorProto> shared, Path path) {
        OnnxMl.TensorProto weight = shared.get(t.getName());
        if (weight == null) {
            return false;
        }
        if (!weight.equals(t)) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID,
                    path.source() + ": its initializer '" + t.getName()
                            + "' differs from the model's: it was converted from another model.onnx; convert again");
        }
        return true;
    }

    private static void unique(Set<String> names, String name, Path path) {
        if (!names.add(name)) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID,
                    path.source() + ": its input or output '" + name + "' is also another graph's or a weight's name");
        }
    }

    /**
     * A Constant node yielding an empty tensor of {@code like}'s element type and rank: its fixed dimensions
     * kept, its first symbolic one 0 (so that ORT's shape inference merges the branches' outputs quietly).
     */
    private static OnnxMl.NodeProto emptyConstant(String name, OnnxMl.ValueInfoProto like) {
        OnnxMl.TypeProto.Tensor type = like.getType().getTensorType();
        OnnxMl.TensorProto.Builder value =
                OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type.getElemType());
        List<OnnxMl.TensorShapeProto.Dimension> dims = type.getShape().getDimList();
        boolean empty = false;
        for (OnnxMl.TensorShapeProto.Dimension d : dims) {
            boolean fixed = d.hasDimValue() || empty;
            value.addDims(d.hasDimValue() ? d.getDimValue() : fixed ? 1 : 0);
            empty |= !fixed;
        }
        if (!empty) { // every dimension fixed (or none known): empty along the first
            value.clearDims();
            for (int d = 0; d < Math.max(1, dims.size()); d++) {
                value.addDims(d == 0 ? 0 : dims.get(d).getDimValue());
            }
        }
        return GraphBuilder.node(
                "Constant",
                name,
                new String[0],
                new String[] {name},
                GraphBuilder.tensorAttribute("value", value.build()));
    }

    /**
     * Nodes of any path that read only the shared weights (a {@code Transpose} of a weight, say), moved to
     * the main graph once each: ORT folds a constant expression per graph, so each branch folding its own
     * would hold its own copy of the result.
     */
    private static final class Hoist {
        final Map<String, OnnxMl.TensorProto> shared;
        final List<OnnxMl.NodeProto> nodes = new ArrayList<>();
        /** Names of the main graph that hold constants: the weights and the hoisted nodes' outputs. */
        private final Set<String> constants;

        private final Map<String, List<String>> outputsByNode = new HashMap<>();

        Hoist(Map<String, OnnxMl.TensorProto> shared) {
            this.shared = shared;
            this.constants = new HashSet<>(shared.keySet());
        }

        /**
         * Moves {@code node} to the main graph (or finds the same node already there) when it reads only
         * constants of the main graph, recording its outputs' new names in {@code renamed}.
         *
         * @return true when the node was taken
         */
        boolean offer(OnnxMl.NodeProto node, Map<String, String> renamed) {
            if (node.getInputCount() == 0 || !constants.containsAll(node.getInputList())) {
                return false;
            }
            StringBuilder key = new StringBuilder(node.getDomain()).append('|').append(node.getOpType());
            node.getInputList().forEach(in -> key.append('|').append(in));
            for (OnnxMl.AttributeProto a : node.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) {
                    return false;
                }
                key.append('|').append(java.util.Base64.getEncoder().encodeToString(a.toByteArray()));
            }
            List<String> outs = outputsByNode.get(key.toString());
            if (outs == null) {
                outs = new ArrayList<>();
                OnnxMl.NodeProto.Builder moved = node.toBuilder().setName("gptjt_shared_" + nodes.size());
                for (int i = 0; i < node.getOutputCount(); i++) {
                    String name = "gptjt_shared_" + nodes.size() + "/" + node.getOutput(i);
                    moved.setOutput(i, name);
                    outs.add(name);
                }
                nodes.add(moved.build());
                constants.addAll(outs);
                outputsByNode.put(key.toString(), outs);
            }
            for (int i = 0; i < node.getOutputCount(); i++) {
                renamed.put(node.getOutput(i), outs.get(i));
            }
            return true;
        }
    }
}

package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.graph.SharedWeightsGraph;
import dev.gptjt.engine.internal.Closing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One graph a backend runs, by its own input and output names: a session of its own, or one path of a
 * {@link SharedWeightsGraph} session that several backends share (then each run also feeds the path's
 * index and, for the other paths' inputs, empty tensors made once). Closing the last path of a session
 * closes the session.
 */
final class GraphPath implements AutoCloseable {
    private final SharedSession owner;
    private final String prefix;
    private final List<String> inputs;
    private final List<String> outputs;
    /** What a run feeds besides the caller's inputs: the path index and the other paths' fillers. */
    private final Map<String, OnnxTensor> fixed;

    private GraphPath(
            SharedSession owner,
            String prefix,
            List<String> inputs,
            List<String> outputs,
            Map<String, OnnxTensor> fixed) {
        this.owner = owner;
        this.prefix = prefix;
        this.inputs = inputs;
        this.outputs = outputs;
        this.fixed = fixed;
    }

    /** The only path of a session of its own. */
    static GraphPath whole(SharedSession owner) throws OrtException {
        return new GraphPath(
                owner,
                "",
                List.copyOf(owner.session().getInputNames()),
                List.copyOf(owner.session().getOutputNames()),
                Map.of());
    }

    /**
     * Path {@code index} of a combined session whose paths have {@code inputsByPath} (unprefixed names).
     *
     * @throws OrtException when a tensor cannot be made
     */
    static GraphPath of(SharedSession owner, int index, List<SharedWeightsGraph.Path> paths) throws OrtException {
        OrtSession session = owner.session();
        SharedWeightsGraph.Path path = paths.get(index);
        Map<String, OnnxTensor> fixed = new HashMap<>();
        try {
            fixed.put(SharedWeightsGraph.PATH_INPUT, OnnxTensor.createTensor(owner.env(), new long[] {index}));
            List<String> own = new ArrayList<>();
            path.model().getGraph().getInputList().forEach(v -> own.add(v.getName()));
            Set<String> ownPrefixed = new HashSet<>();
            own.forEach(n -> ownPrefixed.add(path.prefix() + n));
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                if (!e.getKey().equals(SharedWeightsGraph.PATH_INPUT) && !ownPrefixed.contains(e.getKey())) {
                    fixed.put(e.getKey(), filler(owner.env(), (TensorInfo)
                            e.getValue().getInfo()));
                }
            }
            List<String> outs = new ArrayList<>();
            path.model().getGraph().getOutputList().forEach(v -> outs.add(v.getName()));
            return new GraphPath(owner, path.prefix(), List.copyOf(own), List.copyOf(outs), fixed);
        } catch (OrtException | RuntimeException e) {
            fixed.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    /** An input no path run reads: its fixed dimensions kept, every symbolic one 0, zeros throughout. */
    private static OnnxTensor filler(OrtEnvironment env, TensorInfo info) throws OrtException {
        long[] shape = info.getShape().clone();
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = Math.max(0, shape[i]);
            elements *= shape[i];
        }
        OnnxJavaType type = info.type;
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) elements * type.size).order(ByteOrder.nativeOrder());
        return OnnxTensor.createTensor(env, zeros, shape, type);
    }

    /** What a backend makes of a path. */
    @FunctionalInterface
    interface Use<T> {
        T on(GraphPath graph) throws OrtException;
    }

    /**
     * {@code use} applied to this path, which is closed when that fails.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} naming {@code source} when ORT fails; what
     *     {@code use} throws otherwise
     */
    <T> T closingOnFailure(String source, Use<T> use) {
        try {
            return use.on(this);
        } catch (OrtException e) {
            close();
            throw new EngineException(ErrorCode.MODEL_INVALID, source + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    OrtEnvironment env() {
        return owner.env();
    }

    /** This path's inputs by its own names. */
    Map<String, NodeInfo> inputInfo() throws OrtException {
        return own(owner.session().getInputInfo(), inputs);
    }

    /** This path's outputs by its own names. */
    Map<String, NodeInfo> outputInfo() throws OrtException {
        return own(owner.session().getOutputInfo(), outputs);
    }

    /** The graph's custom metadata (a combined graph carries every path's). */
    Map<String, String> metadata() throws OrtException {
        return owner.session().getMetadata().getCustomMetadata();
    }

    /** The name a run's result holds this path's output {@code name} under. */
    String output(String name) {
        return prefix + name;
    }

    private Map<String, NodeInfo> own(Map<String, NodeInfo> all, List<String> names) {
        Map<String, NodeInfo> mine = new LinkedHashMap<>();
        for (String n : names) {
            NodeInfo info = all.get(prefix + n);
            if (info != null) {
                mine.put(n, info);
            }
        }
        return Collections.unmodifiableMap(mine);
    }

    /**
     * Runs the path: {@code feeds} by the path's own input names; the result holds this path's outputs in
     * its own order ({@code result.get(0)} is its first), under the combined graph's names.
     *
     * @throws OrtException when ONNX Runtime fails or the run is terminated
     */
    OrtSession.Result run(Map<String, ? extends OnnxTensorLike> feeds, OrtSession.RunOptions options)
            throws OrtException {
        if (fixed.isEmpty()) {
            return owner.session().run(feeds, options);
        }
        Set<String> requested = new java.util.LinkedHashSet<>();
        outputs.forEach(o -> requested.add(prefix + o));
        return owner.session().run(feedsOf(feeds), requested, options);
    }

    /**
     * Runs the path fetching only its output {@code output} (by the path's own name): the result holds that one, and
     * no other output is copied off the device.
     *
     * @throws OrtException when ONNX Runtime fails or the run is terminated
     */
    OrtSession.Result runFor(Map<String, ? extends OnnxTensorLike> feeds, String output, OrtSession.RunOptions options)
            throws OrtException {
        return owner.session().run(feedsOf(feeds), Set.of(prefix + output), options);
    }

    /**
     * Runs the path with ORT writing the {@code pinned} outputs (by the path's own names) into the given
     * tensors; the result holds no other outputs.
     *
     * @throws OrtException when ONNX Runtime fails or the run is terminated
     */
    OrtSession.Result run(
            Map<String, ? extends OnnxTensorLike> feeds,
            Map<String, ? extends OnnxValue> pinned,
            OrtSession.RunOptions options)
            throws OrtException {
        Map<String, OnnxValue> into = new HashMap<>();
        pinned.forEach((k, v) -> into.put(prefix + k, v));
        return owner.session().run(feedsOf(feeds), Set.of(), into, options);
    }

    private Map<String, OnnxTensorLike> feedsOf(Map<String, ? extends OnnxTensorLike> feeds) {
        Map<String, OnnxTensorLike> all = new HashMap<>(fixed);
        feeds.forEach((k, v) -> all.put(prefix + k, v));
        return all;
    }

    @Override
    public void close() {
        List<AutoCloseable> parts = new ArrayList<>(fixed.values());
        parts.add(owner::release); // the session too, when this was its last path
        Closing.all(parts);
    }
}

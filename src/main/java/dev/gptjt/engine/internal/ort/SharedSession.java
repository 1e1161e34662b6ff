package dev.gptjt.engine.internal.ort;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.graph.SharedWeightsGraph;
import dev.gptjt.engine.internal.Closing;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An ONNX Runtime session and its options, closed when the last {@link GraphPath} over it is: one per
 * graph, or one for all of a model's paths ({@link SharedWeightsGraph}) so that the weights are loaded,
 * prepacked and placed on the device once.
 */
final class SharedSession {
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private int open;
    private boolean closed;

    private SharedSession(OrtEnvironment env, OrtSession.SessionOptions options, OrtSession session) {
        this.env = env;
        this.options = options;
        this.session = session;
    }

    /**
     * A session of its own over {@code model} (a graph in memory whose external weights are in the model
     * directory's weights folder).
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when ORT cannot load it ({@code source} named);
     *     {@link ErrorCode#PROVIDER_UNAVAILABLE} when CUDA is asked for but cannot start
     */
    static GraphPath alone(byte[] model, String source, ModelDirectory dir, EngineConfig config) {
        SharedSession s = create(model, source, dir, config);
        try {
            s.open = 1;
            return GraphPath.whole(s);
        } catch (OrtException | RuntimeException e) {
            throw s.closedAfter(new EngineException(ErrorCode.MODEL_INVALID, source + ": " + e.getMessage(), e));
        }
    }

    /**
     * One session over {@code paths} combined; the i-th returned path runs {@code paths.get(i)}.
     *
     * @throws EngineException as {@link SharedWeightsGraph#combine} and {@link #alone} do
     */
    static List<GraphPath> combined(List<SharedWeightsGraph.Path> paths, ModelDirectory dir, EngineConfig config) {
        OnnxMl.ModelProto model = SharedWeightsGraph.combine(paths);
        StringBuilder source = new StringBuilder();
        paths.forEach(p -> source.append(source.isEmpty() ? "" : " + ").append(p.source()));
        SharedSession s = create(model.toByteArray(), source.toString(), dir, config);
        List<GraphPath> out = new ArrayList<>();
        try {
            s.open = paths.size();
            for (int i = 0; i < paths.size(); i++) {
                out.add(GraphPath.of(s, i, paths));
            }
            return out;
        } catch (OrtException | RuntimeException e) {
            EngineException failure = new EngineException(ErrorCode.MODEL_INVALID, source + ": " + e.getMessage(), e);
            try {
                Closing.all(out);
            } catch (RuntimeException closing) {
                failure.addSuppressed(closing);
            }
            throw s.closedAfter(failure);
        }
    }

    private static SharedSession create(byte[] model, String source, ModelDirectory dir, EngineConfig config) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options;
        try {
            options = DecoderSession.sessionOptions(config);
        } catch (OrtException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, source + ": " + e.getMessage(), e);
        }
        try {
            return new SharedSession(env, options, DecoderSession.createSession(env, model, dir.weightsDir(), options));
        } catch (OrtException e) {
            options.close();
            throw new EngineException(
                    ErrorCode.MODEL_INVALID, source + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            options.close();
            throw e;
        }
    }

    /**
     * The bytes of a graph file.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} naming the file when it cannot be read
     */
    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * A graph file parsed.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} naming the file when it cannot be read or parsed
     */
    static OnnxMl.ModelProto read(Path file) {
        try {
            return OnnxMl.ModelProto.parseFrom(bytes(file));
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, file + ": cannot read: " + e.getMessage(), e);
        }
    }

    OrtEnvironment env() {
        return env;
    }

    OrtSession session() {
        return session;
    }

    /** One path is done with the session; the last closes it. */
    synchronized void release() {
        if (open > 0 && --open == 0) {
            closeNow();
        }
    }

    /**
     * Frees the session and then its options, both whatever the other throws.
     *
     * @throws RuntimeException the first failure ({@code OrtException} as {@link ErrorCode#INFERENCE_FAILED})
     */
    private synchronized void closeNow() {
        open = 0;
        if (closed) {
            return; // ORT throws on a session closed twice
        }
        closed = true;
        Closing.all(session, options);
    }

    /** Frees the session on a failure path: what freeing throws is added to {@code failure}, which is returned. */
    private EngineException closedAfter(EngineException failure) {
        try {
            closeNow();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }
}

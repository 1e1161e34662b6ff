package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A session over a graph {@code gptjt convert} wrote beside a model ({@code greedy_search.onnx},
 * {@code classify.onnx}): created from its bytes with the weights' real directory (ORT refuses external
 * weights reached through a link), with the engine's provider and threads. Closing frees the session and
 * its options.
 */
record ConvertedGraph(OrtEnvironment env, OrtSession.SessionOptions options, OrtSession session)
        implements AutoCloseable {

    /** Makes a backend from an opened graph, checking that the graph is what it expects. */
    @FunctionalInterface
    interface Backend<T> {
        /** @throws EngineException {@link ErrorCode#MODEL_INVALID} when the graph is not the expected one */
        T from(ConvertedGraph graph) throws OrtException;
    }

    /**
     * Opens {@code file} on the loader thread and hands it to {@code backend}; the graph is closed if that fails.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when the file cannot be read or loaded, or the
     *     backend refuses it; {@link ErrorCode#PROVIDER_UNAVAILABLE} when CUDA is asked for but cannot start
     */
    static <T> T open(Path file, ModelDirectory model, EngineConfig config, Backend<T> backend) {
        return DecoderSession.onLoaderThread(file, () -> {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options;
            try {
                options = DecoderSession.sessionOptions(config);
            } catch (OrtException e) {
                throw new EngineException(ErrorCode.MODEL_INVALID, file + ": " + e.getMessage(), e);
            }
            OrtSession session = null;
            try {
                try {
                    session = DecoderSession.createSession(env, Files.readAllBytes(file), model.weightsDir(), options);
                } catch (OrtException e) {
                    throw new EngineException(
                            ErrorCode.MODEL_INVALID, file + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
                } catch (IOException e) {
                    throw new EngineException(ErrorCode.MODEL_INVALID, file + ": cannot read: " + e.getMessage(), e);
                }
                return backend.from(new ConvertedGraph(env, options, session));
            } catch (OrtException e) {
                DecoderSession.closeQuietly(session, options);
                throw new EngineException(ErrorCode.MODEL_INVALID, file + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                DecoderSession.closeQuietly(session, options);
                throw e;
            }
        });
    }

    @Override
    public void close() {
        DecoderSession.closeQuietly(session, options);
    }
}

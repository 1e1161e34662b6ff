package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;

/**
 * A backend's termination state: the {@code RunOptions} of the batch that is running, so that
 * {@link #terminate()} from any thread ends it inside ORT, and a flag that ends every later one.
 */
final class RunControl {
    private volatile boolean terminated;
    private OrtSession.RunOptions current; // guarded by this: set while a batch runs

    /**
     * Options for a batch about to run; pass them to {@link #end} when it is over.
     *
     * @throws EngineException {@link ErrorCode#CLOSED} once terminated
     * @throws OrtException when ORT cannot create the options
     */
    OrtSession.RunOptions begin() throws OrtException {
        OrtSession.RunOptions options = new OrtSession.RunOptions();
        synchronized (this) {
            if (terminated) {
                options.close();
                throw closed();
            }
            current = options;
        }
        return options;
    }

    /** Forgets and frees the batch's options (null: nothing began). */
    void end(OrtSession.RunOptions options) {
        synchronized (this) {
            current = null;
        }
        if (options != null) {
            options.close();
        }
    }

    /** Throws {@link ErrorCode#CLOSED} once terminated: the check a loop makes between ORT calls. */
    void check() {
        if (terminated) {
            throw closed();
        }
    }

    /** What an ORT failure means to callers: CLOSED when it was our termination, else INFERENCE_FAILED. */
    EngineException failure(OrtException e) {
        return terminated
                ? closed()
                : new EngineException(ErrorCode.INFERENCE_FAILED, "ONNX Runtime failed: " + e.getMessage(), e);
    }

    /** Ends the running batch inside ORT, and every later one before it starts. */
    void terminate() {
        synchronized (this) {
            terminated = true;
            if (current != null) {
                try {
                    current.setTerminate(true);
                } catch (OrtException ignored) {
                    // the flag alone stops a Java loop before its next step
                }
            }
        }
    }

    private static EngineException closed() {
        return new EngineException(ErrorCode.CLOSED, "engine closed while the batch was running");
    }
}

package dev.gptjt.engine.internal;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.util.Arrays;

/**
 * Closes several parts that each hold native memory (sessions, their options, tensors, backends): every
 * part is closed whatever the ones before it throw, so that one failing close does not leak the rest,
 * and the first failure surfaces with the later ones added to it as suppressed.
 */
public final class Closing {
    private Closing() {}

    /**
     * Closes each part in order (null parts skipped).
     *
     * @throws RuntimeException the first part's unchecked exception, as it was thrown; a checked one (ORT's
     *     {@code OrtException}) as {@link ErrorCode#INFERENCE_FAILED}
     */
    public static void all(AutoCloseable... parts) {
        all(Arrays.asList(parts));
    }

    /** As {@link #all(AutoCloseable...)}, over {@code parts}. */
    public static void all(Iterable<? extends AutoCloseable> parts) {
        Throwable first = null;
        for (AutoCloseable part : parts) {
            if (part == null) {
                continue;
            }
            try {
                part.close();
            } catch (Exception | Error e) {
                if (first == null) {
                    first = e;
                } else if (first != e) {
                    first.addSuppressed(e);
                }
            }
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
        if (first != null) {
            throw new EngineException(
                    ErrorCode.INFERENCE_FAILED,
                    "ONNX Runtime failed to free a native object: " + first.getMessage(),
                    first);
        }
    }
}

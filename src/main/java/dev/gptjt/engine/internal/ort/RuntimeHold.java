package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A reference of the engine's own on ONNX Runtime's native environment, released when the engine has closed
 * its sessions: so that the environment is freed only after them, whatever order the JVM's shutdown hooks run in.
 *
 * <p>Why: ORT's Java binding (1.29) frees the environment in a shutdown hook of its own ({@code
 * OrtEnvironment$OrtEnvCloser}, registered as an anonymous {@code Thread} that nothing keeps, so {@code
 * Runtime.removeShutdownHook} cannot reach it without opening {@code java.base}; no system property turns it
 * off; {@code OrtEnvironment.close()} is a no-op). The JVM starts every hook at once, so that hook freed the
 * environment beside the service's own shutdown, under an {@code OrtSession.run} still going: the SIGSEGV in
 * {@code libonnxruntime.so} at exit during warm-up. The native environment is counted ({@code CreateEnv}
 * takes a reference, {@code ReleaseEnv} drops one, the last frees it): holding a second reference makes the
 * hook's release a decrement, and the engine's release after its sessions close is what frees it.
 *
 * <p>The binding has no public call for a second reference, so this calls its own private natives ({@code
 * createHandle}, {@code close}) reflectively — allowed, the binding's package is not in a named module —
 * and checks that the handle it gets is the environment's. Where that fails (another binding version), it
 * holds nothing and the engine runs as before: {@link #held()} says which.
 */
public final class RuntimeHold implements AutoCloseable {
    private final Method release;
    private final long api;
    private final long handle;
    private boolean released;

    private RuntimeHold(Method release, long api, long handle) {
        this.release = release;
        this.api = api;
        this.handle = handle;
    }

    /** Native stack for the thread that first makes ORT's environment: far more than it was seen to need. */
    private static final long ENVIRONMENT_THREAD_STACK = 64L << 20;

    /**
     * A new reference on the process's environment (creating it, and ORT's hook, if need be).
     *
     * <p>Taken on a thread of its own with a large stack: ORT's first environment creation needs more native stack
     * than a JVM thread's default (1 MB) leaves under a deep caller. A command's main thread, a picocli call
     * chain down, died of it with SIGSEGV and no crash log ({@code gptjt generate}; {@code -Xss4m} cured it), so
     * the engine no longer makes the environment on whatever thread opens it.
     *
     * @throws IllegalStateException when ONNX Runtime's native library cannot be loaded
     */
    public static RuntimeHold take() {
        FutureTask<RuntimeHold> taking = new FutureTask<>(RuntimeHold::takeHere);
        new Thread(null, taking, "gptjt-ort-environment", ENVIRONMENT_THREAD_STACK).start();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return taking.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the environment is being made: wait for it, then say so
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    throw (Error) e.getCause();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static RuntimeHold takeHere() {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try {
            Field apiField = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("ortApiHandle");
            apiField.setAccessible(true);
            long api = apiField.getLong(null);
            Field handleField = OrtEnvironment.class.getDeclaredField("nativeHandle");
            handleField.setAccessible(true);
            Method create = OrtEnvironment.class.getDeclaredMethod("createHandle", long.class, int.class, String.class);
            create.setAccessible(true);
            Method release = OrtEnvironment.class.getDeclaredMethod("close", long.class, long.class);
            release.setAccessible(true);
            long handle = (long) create.invoke(
                    null, api, OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING.getValue(), OrtEnvironment.DEFAULT_NAME);
            RuntimeHold hold = new RuntimeHold(release, api, handle);
            if (handle != handleField.getLong(env)) {
                hold.close(); // not the counted singleton this relies on: give it back, hold nothing
                return none();
            }
            return hold;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return none();
        }
    }

    private static RuntimeHold none() {
        RuntimeHold none = new RuntimeHold(null, 0, 0);
        none.released = true;
        return none;
    }

    /** True while this holds a reference (false where the binding did not allow one). */
    public synchronized boolean held() {
        return !released;
    }

    /** Drops the reference; the last one frees the environment. Idempotent. */
    @Override
    public synchronized void close() throws ReflectiveOperationException {
        if (released) {
            return;
        }
        released = true;
        release.invoke(null, api, handle);
    }
}

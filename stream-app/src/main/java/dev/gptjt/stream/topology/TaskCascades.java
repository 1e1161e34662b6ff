package dev.gptjt.stream.topology;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.cascade.CascadeSettings;
import dev.gptjt.tasks.cascade.TaskCascade;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The configured tasks' cascades and the one thread that scores them. Scoring is not done on a stream
 * thread: it is ONNX Runtime work (which wants more stack than a JVM thread's default, as the engine's
 * does), and a stream thread never waits on inference. One thread is plenty: a record costs ~0.1 ms.
 */
public final class TaskCascades implements AutoCloseable {
    public static final TaskCascades NONE = new TaskCascades(Map.of());

    private final Map<String, TaskCascade> byTask;
    private final ExecutorService scorer;

    public TaskCascades(Map<String, TaskCascade> byTask) {
        this.byTask = Map.copyOf(byTask);
        this.scorer = byTask.isEmpty()
                ? null
                : Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(null, r, "gptjt-cascade", 16L << 20);
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Loads every configured cascade for its task.
     *
     * @throws IllegalArgumentException naming the task's {@code cascade.model} key and why it does not load
     */
    public static TaskCascades open(Map<String, TaskDefinition> tasks, Map<String, CascadeSettings> settings) {
        Map<String, TaskCascade> loaded = new TreeMap<>();
        try {
            settings.forEach((name, s) -> {
                try {
                    loaded.put(name, TaskCascade.open(tasks.get(name), s));
                } catch (EngineException e) {
                    throw new IllegalArgumentException(
                            "gptjt.tasks." + name + ".cascade.model=" + s.model() + ": " + e.getMessage(), e);
                }
            });
        } catch (RuntimeException e) {
            loaded.values().forEach(TaskCascade::close);
            throw e;
        }
        return new TaskCascades(loaded);
    }

    /** The task's cascade, if it has one. */
    public Optional<TaskCascade> of(String task) {
        return Optional.ofNullable(byTask.get(task));
    }

    public Map<String, TaskCascade> all() {
        return byTask;
    }

    /**
     * Runs {@code work} on the cascade thread. Once closed (shutdown), the future fails with
     * {@link ErrorCode#CLOSED}, which leaves the record pending for whoever runs next.
     */
    <T> CompletableFuture<T> score(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, scorer);
        } catch (RejectedExecutionException closed) {
            return CompletableFuture.failedFuture(new EngineException(ErrorCode.CLOSED, "cascades closed"));
        }
    }

    @Override
    public void close() {
        if (scorer != null) {
            scorer.shutdownNow();
        }
        byTask.values().forEach(TaskCascade::close);
    }
}

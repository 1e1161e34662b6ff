package dev.gptjt.engine.internal;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.ExecutionProvider;
import dev.gptjt.engine.MemoryPlan;
import dev.gptjt.engine.graph.DecoderWeights;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Works out an engine's {@link MemoryPlan} from its model directory and configuration, before anything loads. */
public final class MemoryPlanner {
    private static final Path CGROUP_V2_LIMIT = Path.of("/sys/fs/cgroup/memory.max");
    private static final Path CGROUP_V1_LIMIT = Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes");

    private MemoryPlanner() {}

    /**
     * The plan of {@code config} on {@code model}. The weights count once whichever backends are open (the
     * decoder and the in-graph graphs share one session, {@code SharedWeightsGraph}), twice where the greedy
     * graph keeps a session of its own (on the CPU).
     */
    public static MemoryPlan plan(ModelDirectory model, EngineConfig config) {
        DecoderWeights weights = DecoderWeights.read(model.modelFile());
        int copies = BackendFactory.weightCopies(model, config);
        Map<String, Long> byType = new HashMap<>();
        weights.bytesByType()
                .forEach((type, bytes) -> byType.put(
                        copies == 1 ? type : type + " x" + copies + " (greedy graph's own session)", bytes * copies));
        ModelConfig shape = model.config();
        Budget budget = budget(config);
        return MemoryPlan.of(
                shape,
                byType,
                weights.kvValueBytes(),
                config.maxBatchSize(),
                config.contextOn(shape.nPositions()),
                budget.bytes(),
                budget.source());
    }

    private record Budget(long bytes, String source) {}

    private static Budget budget(EngineConfig config) {
        if (config.memoryBudget() != EngineConfig.AUTO_MEMORY_BUDGET) {
            return new Budget(config.memoryBudget(), "memory-budget");
        }
        if (config.provider() == ExecutionProvider.CUDA) {
            return new Budget(0, "not checked: set memory-budget to the GPU's memory");
        }
        long host = hostMemory();
        String from = "host memory";
        long limit = cgroupLimit();
        if (limit > 0 && limit < host) {
            host = limit;
            from = "container limit";
        }
        long heap = Runtime.getRuntime().maxMemory();
        return new Budget(
                Math.max(1, host - heap),
                String.format(
                        Locale.ROOT,
                        "%s %.1f GiB less the JVM heap %.1f GiB",
                        from,
                        host / (double) (1L << 30),
                        heap / (double) (1L << 30)));
    }

    private static long hostMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Long.MAX_VALUE;
    }

    /** The container's memory limit (cgroup v2, else v1); 0 when there is none. */
    private static long cgroupLimit() {
        for (Path file : new Path[] {CGROUP_V2_LIMIT, CGROUP_V1_LIMIT}) {
            try {
                String value = Files.readString(file).trim();
                if (!value.equals("max")) {
                    return Long.parseLong(value);
                }
            } catch (IOException | NumberFormatException e) {
                // not this cgroup version, or unreadable: try the other
            }
        }
        return 0;
    }
}

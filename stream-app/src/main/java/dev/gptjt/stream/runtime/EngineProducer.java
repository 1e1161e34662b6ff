package dev.gptjt.stream.runtime;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.schema.wire.RegistryWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.stream.config.ConfigValidator;
import dev.gptjt.stream.config.GptjtConfig;
import dev.gptjt.stream.config.Tasks;
import dev.gptjt.tasks.TaskDefinition;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/** The instance's one shared engine and wire format, built from validated configuration. */
@ApplicationScoped
public class EngineProducer {
    private static final Logger LOG = Logger.getLogger(EngineProducer.class);

    @Produces
    @ApplicationScoped
    InferenceEngine engine(GptjtConfig config, GptjtMetrics metrics) {
        ConfigValidator.validate(config);
        GptjtConfig.Engine e = config.engine();
        EngineConfig engineConfig = GptjtConfig.engineConfig(config);
        long start = System.nanoTime();
        LOG.infof(
                "loading model %s on %s (%.1f MB of weights)…",
                engineConfig.modelDir(),
                engineConfig.provider(),
                ModelDirectory.open(engineConfig.modelDir()).weightBytes() / 1e6);
        InferenceEngine engine = InferenceEngine.open(engineConfig, metrics);
        LOG.info(engine.memoryPlan().table());
        if (e.warmUp()) {
            long warm = System.nanoTime();
            try {
                engine.warmUp();
            } catch (RuntimeException ex) {
                engine.close();
                throw ex;
            }
            LOG.infof(
                    "engine warmed up in %d ms (batch sizes 1 to %d)",
                    (System.nanoTime() - warm) / 1_000_000, e.maxBatchSize());
        }
        if (e.prefixCache()) {
            cachePrefixes(engine, config);
        }
        metrics.watchQueue(engine::queued);
        metrics.watchPrefixCache(engine);
        LOG.infof(
                "model %s loaded in %d ms (backend %s, max batch %d, max wait %s)",
                engine.model().name(),
                (System.nanoTime() - start) / 1_000_000,
                engine.backendName(),
                e.maxBatchSize(),
                e.maxWait());
        return engine;
    }

    /** Caches every task's template text before its input, logging what each costs. */
    private static void cachePrefixes(InferenceEngine engine, GptjtConfig config) {
        try {
            for (TaskDefinition task : Tasks.fromConfig(config).values()) {
                engine.cachePrefix(task.prefix())
                        .ifPresentOrElse(
                                p -> LOG.infof(
                                        "task %s: prefix of %d tokens cached (%.1f KB of KV cache, %d bytes per token)",
                                        task.name(),
                                        p.tokens().length,
                                        p.cacheBytes() / 1024.0,
                                        p.cacheBytes() / p.tokens().length),
                                () -> LOG.infof(
                                        "task %s: no prefix to cache (no text before {input} but one word)",
                                        task.name()));
            }
        } catch (RuntimeException ex) {
            engine.close();
            throw ex;
        }
    }

    /**
     * Runs after Kafka Streams has closed (its tasks no longer wait for results): the running batch is
     * given {@code gptjt.engine.shutdown-grace}, then aborted; unanswered prompts stay in the store.
     */
    void close(@Disposes InferenceEngine engine, GptjtConfig config) {
        long start = System.nanoTime();
        engine.close(config.engine().shutdownGrace());
        LOG.infof("engine closed in %d ms", (System.nanoTime() - start) / 1_000_000);
    }

    @Produces
    @ApplicationScoped
    WireFormat wire(GptjtConfig config, GptjtMetrics metrics) {
        Map<String, Object> registry = new HashMap<>();
        config.wire().registry().forEach((k, v) -> registry.put("apicurio.registry." + k, v));
        WireFormat wire = WireFormat.create(config.wire().format(), registry);
        if (wire instanceof RegistryWireFormat registryWire) {
            metrics.watchRegistry(registryWire);
        }
        return wire;
    }

    void close(@Disposes WireFormat wire) {
        wire.close();
    }
}

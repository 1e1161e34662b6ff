package dev.gptjt.stream.runtime;

import dev.gptjt.engine.EngineListener;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.Lane;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.wire.RegistryWireFormat;
import dev.gptjt.stream.topology.TopologyMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The service's own metrics, exported at {@code /q/metrics} (Prometheus names in brackets):
 * batch size [gptjt_batch_size], queue wait [gptjt_queue_wait_seconds], inference time per batch
 * [gptjt_batch_inference_seconds], generated tokens [gptjt_tokens_generated_total] (rate = tokens/s),
 * prompts in [gptjt_prompts_in_total], results out [gptjt_results_out_total{kind}], failures
 * [gptjt_failures_total{reason}], pending prompts [gptjt_pending_prompts], engine queue depth
 * [gptjt_scheduler_queue_depth], task prompts run from a cached prefix or whole
 * [gptjt_prefix_cache_requests_total{outcome}], task records answered by the task's cascade or passed on to
 * GPT-JT [gptjt_cascade_records_total{task,path}], audited cascade answers [gptjt_cascade_audits_total{task,outcome}]
 * and their share that GPT-JT answered alike [gptjt_cascade_agreement{task}]; with the registry wire format, prompts
 * parked until the schema registry answers [gptjt_registry_parked_prompts], calls it did not answer
 * [gptjt_registry_errors_total] and writer-schema lookups answered from the cache or fetched
 * [gptjt_registry_schema_lookups_total{outcome}].
 */
@ApplicationScoped
public class GptjtMetrics implements TopologyMetrics, EngineListener {
    private final MeterRegistry registry;
    private final DistributionSummary batchSize;
    private final Timer queueWait;
    private final Timer inference;
    private final Counter tokens;
    private final Counter promptsIn;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong parked = new AtomicLong();
    /** Per task: audited cascade answers, and those GPT-JT agreed with. */
    private final Map<String, AtomicLong[]> audits = new ConcurrentHashMap<>();

    public GptjtMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("gptjt.batch.size")
                .description("Rows of the engine batch each prompt finished in (recorded per prompt)")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry);
        this.queueWait = Timer.builder("gptjt.queue.wait")
                .description("Time from submission to the prompt's start (its batch, or the step it joined at)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry);
        this.inference = Timer.builder("gptjt.batch.inference")
                .description("Wall time from a prompt's start to its result (recorded per prompt)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
        this.tokens = Counter.builder("gptjt.tokens.generated")
                .description("Tokens generated")
                .register(registry);
        this.promptsIn = Counter.builder("gptjt.prompts.in")
                .description("Prompt records read")
                .register(registry);
        registry.gauge("gptjt.pending.prompts", pending);
        Gauge.builder("gptjt.registry.parked.prompts", parked, AtomicLong::get)
                .description("Prompt records kept undecoded until the schema registry answers")
                .register(registry);
    }

    /**
     * Also exports the registry wire format's calls: those the registry did not answer, and writer-schema lookups
     * answered from the serdes' cache or fetched. (Held weakly: the wire format lives as long as the service.)
     */
    void watchRegistry(RegistryWireFormat wire) {
        FunctionCounter.builder("gptjt.registry.errors", wire, RegistryWireFormat::registryErrors)
                .description("Encodes and decodes the schema registry did not answer (retried later)")
                .register(registry);
        FunctionCounter.builder("gptjt.registry.schema.lookups", wire, RegistryWireFormat::schemaCacheHits)
                .tag("outcome", "cached")
                .description("Prompt decodes whose writer schema was already cached")
                .register(registry);
        FunctionCounter.builder("gptjt.registry.schema.lookups", wire, RegistryWireFormat::schemaCacheMisses)
                .tag("outcome", "fetched")
                .description("Prompt decodes that fetched their writer schema from the registry")
                .register(registry);
    }

    /** Also exports the engine's queue depth. */
    void watchQueue(Supplier<Number> depth) {
        Gauge.builder("gptjt.scheduler.queue.depth", depth)
                .description("Prompts waiting in the engine for a batch")
                .register(registry);
    }

    /**
     * Also exports how prompts met the cached task prefixes: ran from one, or ran whole after a token
     * boundary mismatch. (Micrometer holds a function counter's object weakly: the engine, which lives
     * as long as the service, is that object.)
     */
    void watchPrefixCache(InferenceEngine engine) {
        FunctionCounter.builder(
                        "gptjt.prefix.cache.requests",
                        engine,
                        e -> e.prefixStats().hits())
                .tag("outcome", "hit")
                .description("Task prompts whose pass started from a cached prefix")
                .register(registry);
        FunctionCounter.builder(
                        "gptjt.prefix.cache.requests",
                        engine,
                        e -> e.prefixStats().fallbacks())
                .tag("outcome", "fallback")
                .description(
                        "Task prompts that ran whole: their tokens differ from the cached prefix's at the boundary")
                .register(registry);
    }

    @Override
    public void onFinished(Lane lane, EngineResult r) {
        batchSize.record(r.batchSize());
        inference.record(r.inferenceNanos(), TimeUnit.NANOSECONDS);
        queueWait.record(r.queuedNanos(), TimeUnit.NANOSECONDS);
        tokens.increment(r.generatedTokens());
    }

    @Override
    public void promptIn() {
        promptsIn.increment();
    }

    @Override
    public void resultOut(String kind) {
        registry.counter("gptjt.results.out", "kind", kind).increment();
    }

    @Override
    public void failure(FailureReason reason) {
        registry.counter("gptjt.failures", "reason", reason.name().toLowerCase(Locale.ROOT))
                .increment();
    }

    @Override
    public void cascade(String task, boolean answered) {
        registry.counter("gptjt.cascade.records", "task", task, "path", answered ? "cascade" : "gptjt")
                .increment();
    }

    @Override
    public void cascadeAudit(String task, boolean agreed) {
        registry.counter("gptjt.cascade.audits", "task", task, "outcome", agreed ? "agree" : "disagree")
                .increment();
        AtomicLong[] counts = audits.computeIfAbsent(task, t -> {
            AtomicLong[] c = {new AtomicLong(), new AtomicLong()};
            Gauge.builder("gptjt.cascade.agreement", c, x -> (double) x[1].get() / Math.max(1, x[0].get()))
                    .tag("task", t)
                    .description("Share of audited cascade answers that GPT-JT answered alike")
                    .strongReference(true)
                    .register(registry);
            return c;
        });
        counts[0].incrementAndGet();
        if (agreed) {
            counts[1].incrementAndGet();
        }
    }

    @Override
    public void parked(int delta) {
        parked.addAndGet(delta);
    }

    @Override
    public void pending(int delta) {
        pending.addAndGet(delta);
    }
}

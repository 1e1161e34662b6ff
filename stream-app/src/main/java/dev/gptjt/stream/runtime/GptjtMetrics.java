package dev.gptjt.stream.runtime;

import dev.gptjt.engine.EngineListener;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.StepStats;
import dev.gptjt.engine.StopCause;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.wire.RegistryWireFormat;
import dev.gptjt.stream.topology.CacheOutcome;
import dev.gptjt.stream.topology.SharedResults;
import dev.gptjt.stream.topology.TopologyMetrics;
import dev.gptjt.tasks.decision.DecisionPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The service's own metrics, exported at {@code /q/metrics} (Prometheus names in brackets).
 *
 * <p>The engine's loop, per step ({@link #onStep}): rows computed [gptjt_batch_size], step wall time
 * [gptjt_step_seconds], tokens read [gptjt_step_tokens{kind=prompt|decode}], and after it rows generating and
 * requests queued per lane [gptjt_rows_running{lane}, gptjt_rows_waiting{lane}]. Per request: time queued in its lane
 * before it started, again after a preemption [gptjt_queue_wait_seconds{lane}], requests the engine ended with a result
 * [gptjt_requests_finished_total{lane}], stopped before their end [gptjt_requests_stopped_total{lane,cause,where}]
 * (cause cancelled|deadline|closed|preempted, where queued|running), wall time from start to result
 * [gptjt_batch_inference_seconds], generated tokens [gptjt_tokens_generated_total] (rate = tokens/s). Per constrained
 * greedy row decoded in-graph (guessed and checked): the corrections it took [gptjt_engine_corrections{lane}], and rows
 * handed to the Java loop past gptjt.engine.max-corrections [gptjt_engine_handed_back_total{lane}].
 *
 * <p>The topology: prompts in [gptjt_prompts_in_total], results out [gptjt_results_out_total{kind}], failures
 * [gptjt_failures_total{reason}], pending prompts [gptjt_pending_prompts], engine queue depth, both lanes
 * [gptjt_scheduler_queue_depth], task prompts run from a cached prefix or whole
 * [gptjt_prefix_cache_requests_total{outcome}], task records answered by the task's cascade or passed on to
 * GPT-JT [gptjt_cascade_records_total{task,path}], audited cascade answers [gptjt_cascade_audits_total{task,outcome}]
 * and their share that GPT-JT answered alike [gptjt_cascade_agreement{task}], records decided by their task's policy
 * [gptjt_decisions_total{task,action}] and those of them in its audit sample [gptjt_audit_sampled_total{task}]; with the registry wire format, prompts
 * parked until the schema registry answers [gptjt_registry_parked_prompts], calls it did not answer
 * [gptjt_registry_errors_total] and writer-schema lookups answered from the cache or fetched
 * [gptjt_registry_schema_lookups_total{outcome}]; the result cache's lookups
 * [gptjt_cache_requests_total{outcome=hit|shared|miss|uncacheable}] and the answers it keeps [gptjt_cache_entries].
 *
 * <p>Every lane, cause and place is registered at start, so a dashboard's series exist before the first event.
 */
@ApplicationScoped
public class GptjtMetrics implements TopologyMetrics, EngineListener {
    private final MeterRegistry registry;
    private final DistributionSummary batchSize;
    private final Timer step;
    private final DistributionSummary promptTokens;
    private final DistributionSummary decodeTokens;
    private final Map<Lane, Timer> queueWait = new EnumMap<>(Lane.class);
    private final Map<Lane, Counter> finished = new EnumMap<>(Lane.class);
    private final Map<Lane, DistributionSummary> corrections = new EnumMap<>(Lane.class);
    private final Map<Lane, Counter> handedBack = new EnumMap<>(Lane.class);
    /** By lane, cause, and running (1) or queued (0). */
    private final Map<Lane, Map<StopCause, Counter[]>> stopped = new EnumMap<>(Lane.class);
    /** The last step's rows running and requests waiting, by lane: the gauges read them. */
    private volatile StepStats lastStep = new StepStats(0, 0, 0, 0, 0, 0, 0, 0);

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
                .description("Rows each step of the engine's loop computed (recorded per step)")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry);
        this.step = Timer.builder("gptjt.step")
                .description("Wall time of one step of the engine's loop (schedule, model calls, update)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry);
        this.promptTokens = stepTokens(registry, "prompt", "Prompt tokens one step's prompt passes read");
        this.decodeTokens = stepTokens(registry, "decode", "Tokens one step fed to decoding rows");
        for (CacheOutcome outcome : CacheOutcome.values()) {
            registry.counter("gptjt.cache.requests", "outcome", outcome.label());
        }
        for (Lane lane : Lane.values()) {
            queueWait.put(
                    lane,
                    Timer.builder("gptjt.queue.wait")
                            .tag("lane", lane.label())
                            .description("Time a request waited in its lane's queue before it started (again after a"
                                    + " preemption)")
                            .publishPercentileHistogram()
                            .minimumExpectedValue(Duration.ofMillis(1))
                            .maximumExpectedValue(Duration.ofMinutes(1))
                            .register(registry));
            finished.put(
                    lane,
                    Counter.builder("gptjt.requests.finished")
                            .tag("lane", lane.label())
                            .description("Requests the engine ended with a result")
                            .register(registry));
            corrections.put(
                    lane,
                    DistributionSummary.builder("gptjt.engine.corrections")
                            .tag("lane", lane.label())
                            .description("Corrections a constrained row decoded in-graph took: its model's picks the"
                                    + " shape refused (recorded per row that ended in-graph)")
                            // whole numbers: le=0.5 holds the rows that needed none (Micrometer refuses a 0 bound)
                            .serviceLevelObjectives(0.5, 1, 2, 4, 8, 16)
                            .register(registry));
            handedBack.put(
                    lane,
                    Counter.builder("gptjt.engine.handed.back")
                            .tag("lane", lane.label())
                            .description("Constrained rows decoded in-graph that needed more corrections than"
                                    + " gptjt.engine.max-corrections allows, decoded again by the Java loop")
                            .register(registry));
            Map<StopCause, Counter[]> byCause = new EnumMap<>(StopCause.class);
            for (StopCause cause : StopCause.values()) {
                byCause.put(cause, new Counter[] {
                    stoppedCounter(registry, lane, cause, "queued"), stoppedCounter(registry, lane, cause, "running")
                });
            }
            stopped.put(lane, byCause);
            Gauge.builder("gptjt.rows.running", this, m -> m.lastStep.running(lane))
                    .tag("lane", lane.label())
                    .description("Rows generating in the engine's running batch after the last step")
                    .strongReference(true)
                    .register(registry);
            Gauge.builder("gptjt.rows.waiting", this, m -> m.lastStep.waiting(lane))
                    .tag("lane", lane.label())
                    .description("Requests queued in the engine after the last step")
                    .strongReference(true)
                    .register(registry);
        }
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
                .description("Requests waiting in the engine to start, both lanes")
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

    private static DistributionSummary stepTokens(MeterRegistry registry, String kind, String description) {
        return DistributionSummary.builder("gptjt.step.tokens")
                .tag("kind", kind)
                .description(description)
                .serviceLevelObjectives(1, 4, 16, 64, 256, 512, 1024, 2048, 4096)
                .register(registry);
    }

    private static Counter stoppedCounter(MeterRegistry registry, Lane lane, StopCause cause, String where) {
        return Counter.builder("gptjt.requests.stopped")
                .tag("lane", lane.label())
                .tag("cause", cause.label())
                .tag("where", where)
                .description("Requests the engine stopped before their end (preempted ones start again later)")
                .register(registry);
    }

    @Override
    public void onStep(StepStats s) {
        batchSize.record(s.rows());
        step.record(s.nanos(), TimeUnit.NANOSECONDS);
        promptTokens.record(s.promptTokens());
        decodeTokens.record(s.decodeTokens());
        lastStep = s;
    }

    @Override
    public void onStarted(Lane lane, long queuedNanos) {
        queueWait.get(lane).record(queuedNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onFinished(Lane lane, EngineResult r) {
        finished.get(lane).increment();
        inference.record(r.inferenceNanos(), TimeUnit.NANOSECONDS);
        tokens.increment(r.generatedTokens());
    }

    @Override
    public void onStopped(Lane lane, StopCause cause, boolean running) {
        stopped.get(lane).get(cause)[running ? 1 : 0].increment();
    }

    @Override
    public void onCheckedRow(Lane lane, int corrections, int runs) {
        this.corrections.get(lane).record(corrections);
    }

    @Override
    public void onHandedBack(Lane lane) {
        handedBack.get(lane).increment();
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

    /** Registers every policy's decision and audit counters at zero, so their series exist before a decision. */
    void watchPolicies(Map<String, DecisionPolicy> policies) {
        policies.forEach((task, policy) -> {
            policy.actions().forEach(action -> decisions(task, action));
            auditSample(task);
        });
    }

    private Counter decisions(String task, String action) {
        return Counter.builder("gptjt.decisions")
                .tag("task", task)
                .tag("action", action)
                .description(
                        "Records decided by their task's policy, by action (each counted once, whatever its copies)")
                .register(registry);
    }

    private Counter auditSample(String task) {
        return Counter.builder("gptjt.audit.sampled")
                .tag("task", task)
                .description("Decided records in their task's audit sample, also written to the audit topic")
                .register(registry);
    }

    @Override
    public void decision(String task, String action) {
        decisions(task, action).increment();
    }

    @Override
    public void auditSampled(String task) {
        auditSample(task).increment();
    }

    @Override
    public void cacheLookup(CacheOutcome outcome) {
        registry.counter("gptjt.cache.requests", "outcome", outcome.label()).increment();
    }

    /** Reports how many answers {@code shared}'s caches keep. */
    public void watch(SharedResults shared) {
        Gauge.builder("gptjt.cache.entries", shared, SharedResults::entries)
                .description("Answers the result cache keeps, over this instance's prompts partitions")
                .strongReference(true)
                .register(registry);
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

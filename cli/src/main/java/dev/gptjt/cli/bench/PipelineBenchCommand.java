package dev.gptjt.cli.bench;

import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.EngineOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tools.bench.EngineBench;
import dev.gptjt.tools.bench.PipelineBench;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt bench pipeline}: end-to-end throughput and latency through Kafka, the batch sizes the
 * service formed, and the ratio to the raw engine at the service's mean batch size. With
 * {@code --load F} it first measures the capacity (a max-rate run), then runs at F × that capacity
 * and compares the p99 latency with max-wait + the time of one full batch, all in one invocation.
 */
@OptionDefaults({
    "--bootstrap=" + PipelineBenchCommand.EMBEDDED,
    "--topic=" + DefaultTopics.PROMPTS,
    "--count=512",
    "--max-new-tokens=32",
    "--rate=0"
})
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        description = {
            "The Kafka path end to end, against the raw engine.",
            "Throughput and latency (in the engine and outside it), the batches the service formed, and the ratio to the raw",
            "engine at the same batch; with --load, the capacity first, then p99 at that share of it.",
            "--bootstrap embedded (the default) starts a broker and the service here, with",
            "--model (default: the demo model) and the batching options; --topic is where",
            "prompts go, --count how many are measured."
        })
public final class PipelineBenchCommand extends IoCommand {
    @Mixin
    Workload workload;

    /** A running service's Kafka, or {@value #EMBEDDED}. */
    @Mixin
    KafkaOptions.Bootstrap bootstrapOption;

    @Mixin
    ModelOption modelOption;

    @Mixin
    PipelineOptions.Rate rateOption;

    @Option(names = "--max", description = "As fast as the service takes prompts (the default).")
    boolean max;

    @Mixin
    PipelineOptions.Load loadOption;

    /** Prompts measured. */
    @Mixin
    CommonOptions.Count countOption;

    /** The embedded service's batching. */
    @Mixin
    EngineOptions.Batching batching;

    @Mixin
    PipelineOptions.WarmUp warmUp;

    /** The prompts topic. */
    @Mixin
    KafkaOptions.Topic topicOption;

    @Mixin
    PipelineOptions.CompletionsTopic completionsTopic;

    @Option(
            names = "--latencies",
            paramLabel = "FILE.csv",
            converter = Cli.PathConverter.class,
            description = "Every prompt's figures, as CSV.")
    Path latencies;

    @Mixin
    CommonOptions.Json jsonOption;

    /** {@code --bootstrap}'s default: start a broker and the service here. */
    static final String EMBEDDED = "embedded";

    @Override
    public Integer call() throws Exception {
        int promptTokens = workload.promptTokens();
        int newTokens = workload.newTokens();
        int threads = workload.threads();
        Path model = modelOption.orDemoModel();
        int maxBatch = batching.maxBatchSize();
        int maxWaitMs = (int) batching.maxWait().toMillis();
        int count = countOption.count();
        if (count == Integer.MAX_VALUE) {
            throw usage("--count: the pipeline bench measures a number of prompts, at least 1");
        }
        String topic = topicOption.name();
        boolean json = jsonOption.json();
        String completions = completionsTopic.name();
        double load = loadOption.load() == null ? 0 : loadOption.load();
        if (loadOption.load() != null && (load <= 0 || load > 1)) {
            throw usage("--load is a fraction of the measured capacity, in (0, 1]; got " + load);
        }
        if (rateOption.rate() < 0) {
            throw usage("--rate: prompts per second, 0 or more; got " + rateOption.rate());
        }
        if (load > 0 && (max || rateOption.rate() > 0)) {
            throw usage("--load sets the rate from the measured capacity: leave out --rate and --max");
        }
        double rate = max ? 0 : rateOption.rate();
        String[] bootstrap = {bootstrapOption.servers().equals(EMBEDDED) ? null : bootstrapOption.servers()};
        AutoCloseable embedded = null;
        if (bootstrap[0] == null) {
            if (!json) {
                out.println("no --bootstrap: starting an embedded broker and service with " + model.getFileName()
                        + ", max batch " + maxBatch + ", max-wait " + maxWaitMs + " ms…");
            }
            embedded = PipelineBench.embedded(model, batching.serviceSettings(), bootstrap);
        }
        try {
            List<String> prompts = new ArrayList<>();
            try (InferenceEngine tokenizerOnly =
                    InferenceEngine.open(batching.applyTo(EngineConfig.defaults(model), 1))) {
                for (int i = 0; i < count; i++) {
                    prompts.add(EngineBench.prompt(tokenizerOnly, promptTokens, i % 10));
                }
            }
            long warmUpSeconds = warmUp.time().toSeconds();
            PipelineBench.Result capacity = null;
            if (load > 0) {
                // the capacity first: a max-rate run, whose completions also time one full batch in the service
                PipelineBench.run(
                        bootstrap[0], topic, completions, prompts.subList(0, Math.min(32, count)), newTokens, 0);
                capacity = PipelineBench.run(bootstrap[0], topic, completions, prompts, newTokens, 0);
                rate = load * capacity.reqPerS();
                if (!json) {
                    out.printf(
                            "capacity: %.2f req/s at max rate (%s); running at %.0f%% of it: %.2f req/s%n",
                            capacity.reqPerS(), capacity.batchSizes(), load * 100, rate);
                }
            }
            // Warm-up, unmeasured: at the run's own rate for --warm-up-seconds (JIT of the broker, the service
            // and this client settles; a just-started broker alone takes a third of a core for its first minute),
            // or 32 prompts for a max-rate run.
            int warm = rate > 0 ? (int) Math.ceil(rate * warmUpSeconds) : 32;
            List<String> warmUp = new ArrayList<>();
            for (int i = 0; i < warm; i++) {
                warmUp.add(prompts.get(i % prompts.size()));
            }
            PipelineBench.run(bootstrap[0], topic, completions, warmUp, newTokens, rate);
            PipelineBench.Result r =
                    PipelineBench.run(bootstrap[0], topic, completions, prompts, newTokens, rate, latencies);
            if (capacity != null) {
                // the target: p99 at that load within max-wait + the time of one full batch, timed two ways: a
                // row's
                // inference at max rate in the service, and (stricter: no Kafka beside it) a full batch of the raw
                // engine
                double fullInService = capacity.inferenceP50Ms();
                double fullAlone = EngineBench.run(model, maxBatch, promptTokens, newTokens, 3, threads)
                        .p50Ms();
                if (json) {
                    out.println(r.json()
                            .put("load", load)
                            .put("capacity_req_per_s", capacity.reqPerS())
                            .put("max_wait_ms", maxWaitMs)
                            .put("full_batch_in_service_ms", fullInService)
                            .put("full_batch_engine_ms", fullAlone));
                } else {
                    PipelineBench.print(out, r, promptTokens, newTokens, rate);
                    out.printf(
                            "p99 at %.0f%% of capacity: %.0f ms; max-wait + one full batch = %d + %.0f = %.0f ms (in the service at max rate) → %s; "
                                    + "%d + %.0f = %.0f ms (the raw engine, batch %d) → %s%n",
                            load * 100,
                            r.p99Ms(),
                            maxWaitMs,
                            fullInService,
                            maxWaitMs + fullInService,
                            r.p99Ms() <= maxWaitMs + fullInService ? "within" : "over",
                            maxWaitMs,
                            fullAlone,
                            maxWaitMs + fullAlone,
                            maxBatch,
                            r.p99Ms() <= maxWaitMs + fullAlone ? "within" : "over");
                }
                return 0;
            }
            int sameBatch = Math.max(1, (int) Math.round(r.meanBatch()));
            EngineBench.Row engine = EngineBench.run(model, sameBatch, promptTokens, newTokens, 3, threads);
            double ratio = r.newTokPerS() / engine.newTokPerS();
            if (json) {
                out.println(r.json()
                        .put("engine_batch_size", sameBatch)
                        .put("engine_new_tok_per_s", engine.newTokPerS())
                        .put("ratio_to_engine", ratio));
            } else {
                PipelineBench.print(out, r, promptTokens, newTokens, rate);
                out.printf(
                        "raw engine at batch %d: %.1f new tok/s → pipeline / engine = %.2f%n",
                        sameBatch, engine.newTokPerS(), ratio);
            }
            return 0;
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }
}

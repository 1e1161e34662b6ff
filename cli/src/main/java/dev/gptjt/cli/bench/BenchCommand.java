package dev.gptjt.cli;

import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.cli.Cli;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.task.DefaultTopics;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gptjt bench}: the engine, the Kafka path, a task, and the GPU transfer arithmetic. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks; results are written down in BENCHMARKS.md with their commands.",
        subcommands = {
            BenchCommand.Engine.class,
            BenchCommand.Pipeline.class,
            TaskBench.class,
            BenchCommand.Transfer.class
        })
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** No target: exit 2 naming them. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "bench needs a target: engine, pipeline, task or transfer");
    }

    @Command(
            name = "engine",
            mixinStandardHelpOptions = true,
            description =
                    "The engine's throughput, latency and share of time inside ONNX Runtime per batch size, each backend side by side (interleaved).")
    static final class Engine extends KafkaSideCommand {
        @Mixin
        Workload workload;

        @Option(
                names = "--model",
                required = true,
                paramLabel = "DIR",
                converter = Cli.PathConverter.class,
                description = "Model directory.")
        Path model;

        @Option(
                names = "--batch-sizes",
                paramLabel = "N,N",
                split = ",",
                defaultValue = "1,4,16,32",
                description = "Batch sizes, in order (default: ${DEFAULT-VALUE}).")
        List<Integer> sizes;

        @Option(
                names = "--repeat",
                paramLabel = "N",
                defaultValue = "3",
                description = "Batches timed per size (default: ${DEFAULT-VALUE}).")
        int repeat;

        @Option(
                names = "--backends",
                paramLabel = "java-loop,in-graph",
                split = ",",
                converter = Cli.BackendConverter.class,
                description =
                        "Backends to compare (default: the Java loop, and in-graph when the directory has greedy_search.onnx).")
        List<DecodingBackend> backendsOption;

        @Option(
                names = "--ort-profile",
                paramLabel = "DIR",
                converter = Cli.PathConverter.class,
                description =
                        "Write ONNX Runtime's profile per backend and batch size here and print operator shares (slows every run).")
        Path profilesOption;

        @Option(
                names = "--plots",
                paramLabel = "DIR",
                converter = Cli.PathConverter.class,
                description = "Write throughput and latency charts and a table here.")
        Path plotsOption;

        @Option(names = "--json", description = "One JSON object per row instead of the table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            int promptTokens = workload.promptTokens;
            int newTokens = workload.newTokens;
            int threads = workload.threads;
            List<DecodingBackend> backends = backends(backendsOption, model);
            Path profiles = profilesOption == null ? null : Files.createDirectories(profilesOption);
            int vocab = profiles == null
                    ? 0
                    : ModelDirectory.open(model).config().vocabSize(); // names the lm_head in profiles
            if (!json) {
                out.printf(
                        "engine bench: %s, %d prompt tokens, %d new tokens, %d batches per size%n",
                        model.getFileName(), promptTokens, newTokens, repeat);
                if (profiles != null) {
                    out.println(
                            "ORT profiling is on: it slows every run, batch 1 most; read the operator shares, not the throughput");
                }
                out.printf(
                        "%10s %10s %10s %12s %10s %10s %10s%n",
                        "backend", "batch", "req/s", "new tok/s", "p50 ms", "p99 ms", "ORT share");
            }
            List<EngineBench.Row> rows = new ArrayList<>();
            // interleaved: each batch size runs on every backend before the next size, so drift hits both alike
            for (int b : sizes) {
                for (DecodingBackend backend : backends) {
                    Path profile = profiles == null ? null : profiles.resolve(backend.label() + "-b" + b);
                    EngineBench.Row r =
                            EngineBench.run(model, backend, b, promptTokens, newTokens, repeat, threads, profile);
                    rows.add(r);
                    if (json) {
                        out.println(r.json());
                    } else {
                        out.printf(
                                "%10s %10d %10.2f %12.1f %10.1f %10.1f %9.1f%%%n",
                                r.backend(),
                                r.batchSize(),
                                r.reqPerS(),
                                r.newTokPerS(),
                                r.p50Ms(),
                                r.p99Ms(),
                                100 * r.ortShare());
                    }
                    if (profile != null && !json) {
                        // the profiler's own cost inflates the figures above; the shares are what it is for
                        out.println("    ORT profile: "
                                + OrtProfile.readAll(profile, vocab).summary(6));
                    }
                    out.flush();
                }
            }
            if (!json && sizes.size() > 1) {
                for (DecodingBackend backend : backends) {
                    List<EngineBench.Row> mine = rows.stream()
                            .filter(r -> r.backend().equals(backend.label()))
                            .toList();
                    out.printf(
                            "%s: batch %d throughput = %.2f× batch %d%n",
                            backend.label(),
                            mine.get(mine.size() - 1).batchSize(),
                            mine.get(mine.size() - 1).newTokPerS() / mine.get(0).newTokPerS(),
                            mine.get(0).batchSize());
                }
            }
            if (!json && backends.size() > 1) {
                for (int b : sizes) {
                    double[] perBackend = rows.stream()
                            .filter(r -> r.batchSize() == b)
                            .mapToDouble(EngineBench.Row::newTokPerS)
                            .toArray();
                    out.printf(
                            "batch %d: %s / %s = %.2f%n",
                            b, backends.get(1).label(), backends.get(0).label(), perBackend[1] / perBackend[0]);
                }
            }
            if (plotsOption != null) {
                Path dir = Files.createDirectories(plotsOption);
                String title = model.getFileName() + ": " + promptTokens + " prompt + " + newTokens + " new tokens";
                Charts.throughput(rows, title, dir.resolve("engine-throughput.png"));
                Charts.latency(rows, title, dir.resolve("engine-latency.png"));
                StringBuilder md = new StringBuilder(
                        "| backend | batch | req/s | new tok/s | p50 ms | p99 ms | ORT share |\n|---|---|---|---|---|---|---|\n");
                for (EngineBench.Row r : rows) {
                    md.append(String.format(
                            Locale.ROOT,
                            "| %s | %d | %.2f | %.1f | %.1f | %.1f | %.1f%% |%n",
                            r.backend(),
                            r.batchSize(),
                            r.reqPerS(),
                            r.newTokPerS(),
                            r.p50Ms(),
                            r.p99Ms(),
                            100 * r.ortShare()));
                }
                Files.writeString(dir.resolve("engine.md"), md.toString());
                if (!json) {
                    out.println("plots and table written to " + dir);
                }
            }
            return 0;
        }
    }

    /**
     * {@code gptjt bench pipeline}: end-to-end throughput and latency through Kafka, the batch sizes the
     * service formed, and the ratio to the raw engine at the service's mean batch size. With
     * {@code --load F} it first measures the capacity (a max-rate run), then runs at F × that capacity
     * and compares the p99 latency with max-wait + the time of one full batch, all in one invocation.
     */
    @Command(
            name = "pipeline",
            mixinStandardHelpOptions = true,
            description = {
                "The Kafka path end to end, against the raw engine.",
                "Throughput and latency (in the engine and outside it), the batches the service formed, and the ratio to the raw",
                "engine at the same batch; with --load, the capacity first, then p99 at that share of it."
            })
    static final class Pipeline extends KafkaSideCommand {
        @Mixin
        Workload workload;

        @Option(
                names = "--bootstrap",
                paramLabel = "HOST:PORT",
                description = "A running service's Kafka (default: an embedded broker and service).")
        String bootstrapOption;

        @Option(
                names = "--model",
                paramLabel = "DIR",
                converter = Cli.PathConverter.class,
                description = "Model directory, also for the embedded service (default: models/demo-gptj).")
        Path modelOption;

        @Option(
                names = "--rate",
                paramLabel = "R",
                description = "Prompts per second (default: as fast as it takes them).")
        Double rateOption;

        @Option(names = "--max", description = "As fast as the service takes prompts (the default).")
        boolean max;

        @Option(
                names = "--load",
                paramLabel = "F",
                description = "Measure the capacity, then run at this fraction of it, in (0, 1].")
        Double loadOption;

        @Option(
                names = "--count",
                paramLabel = "N",
                defaultValue = "512",
                description = "Prompts measured (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(
                names = "--max-batch-size",
                paramLabel = "N",
                defaultValue = "16",
                description = "The embedded service's batch size (default: ${DEFAULT-VALUE}).")
        int maxBatch;

        @Option(
                names = "--max-wait",
                paramLabel = "DURATION",
                defaultValue = "10ms",
                converter = Cli.DurationConverter.class,
                description = "The embedded service's max-wait (default: ${DEFAULT-VALUE}).")
        Duration maxWait;

        @Option(
                names = "--warm-up",
                paramLabel = "DURATION",
                defaultValue = "20s",
                converter = Cli.DurationConverter.class,
                description = "Unmeasured warm-up at the run's rate (default: ${DEFAULT-VALUE}).")
        Duration warmUpTime;

        @Option(
                names = "--topic",
                paramLabel = "TOPIC",
                defaultValue = DefaultTopics.PROMPTS,
                description = "Prompts topic (default: ${DEFAULT-VALUE}).")
        String topic;

        @Option(
                names = "--completions-topic",
                paramLabel = "TOPIC",
                defaultValue = DefaultTopics.COMPLETIONS,
                description = "Completions topic (default: ${DEFAULT-VALUE}).")
        String completions;

        @Option(
                names = "--latencies",
                paramLabel = "FILE.csv",
                converter = Cli.PathConverter.class,
                description = "Every prompt's figures, as CSV.")
        Path latencies;

        @Option(names = "--json", description = "One JSON object instead of the table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            int promptTokens = workload.promptTokens;
            int newTokens = workload.newTokens;
            int threads = workload.threads;
            Path model = modelOption != null ? modelOption : Cli.homePath("models/demo-gptj");
            int maxWaitMs = (int) maxWait.toMillis();
            double load = loadOption == null ? 0 : loadOption;
            if (loadOption != null && (load <= 0 || load > 1)) {
                throw usage("--load is a fraction of the measured capacity, in (0, 1]; got " + load);
            }
            if (load > 0 && (max || rateOption != null)) {
                throw usage("--load sets the rate from the measured capacity: leave out --rate and --max");
            }
            double rate = max || rateOption == null ? 0 : rateOption;
            String[] bootstrap = {bootstrapOption};
            AutoCloseable embedded = null;
            if (bootstrap[0] == null) {
                if (!json) {
                    out.println("no --bootstrap: starting an embedded broker and service with " + model.getFileName()
                            + ", max batch " + maxBatch + ", max-wait " + maxWaitMs + " ms…");
                }
                embedded = PipelineBench.embedded(model, maxBatch, maxWaitMs, bootstrap);
            }
            try {
                List<String> prompts = new ArrayList<>();
                try (InferenceEngine tokenizerOnly = InferenceEngine.open(EngineConfig.defaults(model))) {
                    for (int i = 0; i < count; i++) {
                        prompts.add(EngineBench.prompt(tokenizerOnly, promptTokens, i % 10));
                    }
                }
                long warmUpSeconds = warmUpTime.toSeconds();
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
                        printPipeline(out, r, promptTokens, newTokens, rate);
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
                    printPipeline(out, r, promptTokens, newTokens, rate);
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

    private static void printPipeline(
            PrintStream out, PipelineBench.Result r, int promptTokens, int newTokens, double rate) {
        out.printf(
                "pipeline: %d prompts (%d prompt + %d new tokens) at %s in %.1f s: %.2f req/s, %.1f new tok/s%n",
                r.count(),
                promptTokens,
                newTokens,
                rate <= 0 ? "max rate" : String.format(Locale.ROOT, "%.2f/s", rate),
                r.seconds(),
                r.reqPerS(),
                r.newTokPerS());
        out.printf("end-to-end latency (created_at → completion): p50 %.0f ms, p99 %.0f ms%n", r.p50Ms(), r.p99Ms());
        out.printf(
                "  in the engine (queued + inference): p50 %.0f ms, p99 %.0f ms; outside it (Kafka, store, punctuator): "
                        + "p50 %.0f ms, p99 %.0f ms; inference alone p50 %.0f ms%n",
                r.inEngineP50Ms(), r.inEngineP99Ms(), r.outsideP50Ms(), r.outsideP99Ms(), r.inferenceP50Ms());
        out.printf("batch sizes formed (size: prompts): %s, mean %.2f%n", r.batchSizes(), r.meanBatch());
    }

    /**
     * The backends to compare: as listed ({@code java-loop,in-graph}), or by default the Java loop, and
     * the in-graph backend too when the model directory has {@code greedy_search.onnx}.
     */
    static List<DecodingBackend> backends(List<DecodingBackend> listed, Path model) {
        if (listed == null) {
            return Files.isRegularFile(model.resolve(ModelDirectory.GREEDY_SEARCH_FILE))
                    ? List.of(DecodingBackend.JAVA_LOOP, DecodingBackend.IN_GRAPH)
                    : List.of(DecodingBackend.JAVA_LOOP);
        }
        if (listed.contains(DecodingBackend.AUTO)) {
            throw new CliException("--backends takes java-loop and/or in-graph (auto is no backend of its own)");
        }
        return listed;
    }

    /**
     * {@code gptjt bench transfer --config config.json [--context 200] [--batch-sizes 1,16,64] [--value-bytes 2]}:
     * the host↔device bytes per decoding step of each backend, from the model's shapes.
     */
    @Command(
            name = "transfer",
            mixinStandardHelpOptions = true,
            description =
                    "Host-device bytes of each backend on a GPU, computed from a model's shapes: per decoding step, and per classification batch.")
    static final class Transfer extends KafkaSideCommand {
        @Option(
                names = "--model-config",
                required = true,
                paramLabel = "config.json",
                converter = Cli.PathConverter.class,
                description = "A Hugging Face config.json (docs/gpt-jt-6b-v1.config.json: GPT-JT-6B).")
        Path file;

        @Option(
                names = "--context",
                paramLabel = "N",
                defaultValue = "200",
                description = "Tokens already cached at the step (default: ${DEFAULT-VALUE}).")
        int context;

        @Option(
                names = "--batch-sizes",
                paramLabel = "N,N",
                split = ",",
                defaultValue = "1,16,64",
                description = "Batch sizes (default: ${DEFAULT-VALUE}).")
        List<Integer> batchSizes;

        @Option(
                names = "--value-bytes",
                paramLabel = "N",
                defaultValue = "2",
                description = "Bytes per cache value: 2 fp16, 4 fp32 (default: ${DEFAULT-VALUE}).")
        int valueBytes;

        @Option(
                names = "--prefix-tokens",
                paramLabel = "N",
                defaultValue = "81",
                description = "Classification: a task's cached prefix (default: ${DEFAULT-VALUE}, tweet-hate's).")
        int prefixTokens;

        @Option(
                names = "--input-tokens",
                paramLabel = "N",
                defaultValue = "29",
                description = "Classification: tokens after the prefix (default: ${DEFAULT-VALUE}).")
        int inputTokens;

        @Option(
                names = "--label-tokens",
                paramLabel = "N,N",
                split = ",",
                defaultValue = "2,3",
                description = "Classification: each label's tokens (default: ${DEFAULT-VALUE}).")
        List<Integer> labelTokens;

        @Override
        public Integer call() {
            TransferEstimate t = new TransferEstimate(ModelConfig.read(file), valueBytes);
            out.printf(
                    Locale.ROOT,
                    "%s: KV cache %d bytes per token per sequence; one decoding step at %d tokens of context:%n",
                    file.getFileName(),
                    t.kvBytesPerToken(),
                    context);
            out.printf("%8s %26s %22s%n", "batch", "java-loop bytes/step", "in-graph bytes/step");
            for (int b : batchSizes) {
                out.printf(
                        Locale.ROOT,
                        "%8d %16d (%5.2f GB) %22d%n",
                        b,
                        t.javaLoopBytesPerStep(b, context),
                        t.javaLoopBytesPerStep(b, context) / 1e9,
                        t.inGraphBytesPerStep(b));
            }
            // classification: tweet-hate's shape by default (81 cached prefix tokens, ~29 more, labels of 2 and 3
            // tokens)
            int prefix = prefixTokens;
            int prompt = prefix + inputTokens;
            int[] labels = labelTokens.stream().mapToInt(Integer::intValue).toArray();
            out.printf(
                    Locale.ROOT,
                    "one classification batch: %d prompt tokens (%d of them a task's cached prefix), labels of %s tokens:%n",
                    prompt,
                    prefix,
                    Arrays.toString(labels));
            out.printf(
                    "%8s %26s %26s %22s%n",
                    "batch", "java-loop, whole prompt", "java-loop, prefix cache", "in-graph classify");
            for (int b : batchSizes) {
                long whole = t.javaLoopClassifyBytes(b, prompt, 0, labels);
                long cached = t.javaLoopClassifyBytes(b, prompt, prefix, labels);
                long inGraph = t.inGraphClassifyBytes(b, prompt, prefix, labels);
                out.printf(
                        Locale.ROOT,
                        "%8d %16d (%5.2f GB) %16d (%5.2f GB) %12d (%5.3f GB)%n",
                        b,
                        whole,
                        whole / 1e9,
                        cached,
                        cached / 1e9,
                        inGraph,
                        inGraph / 1e9);
            }
            return 0;
        }
    }

    /** What the benches run: synthetic prompts of a fixed length, each generating a fixed number of tokens. */
    static final class Workload {
        @Option(
                names = "--prompt-tokens",
                paramLabel = "N",
                defaultValue = "32",
                description = "Tokens per prompt (default: ${DEFAULT-VALUE}).")
        int promptTokens;

        @Option(
                names = "--max-new-tokens",
                paramLabel = "N",
                defaultValue = "32",
                description = "Tokens generated per prompt (EOS ignored) (default: ${DEFAULT-VALUE}).")
        int newTokens;

        @Option(
                names = "--threads",
                paramLabel = "N",
                defaultValue = "0",
                description = "The engine's ORT intra-op threads; 0 lets ORT choose (default: ${DEFAULT-VALUE}).")
        int threads;
    }
}

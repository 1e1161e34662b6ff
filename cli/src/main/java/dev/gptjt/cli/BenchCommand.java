package dev.gptjt.cli;

import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.cli.Args;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code gptjt bench engine}: the engine's throughput, latency and ORT share per batch size. */
final class BenchCommand {
    static final List<String> ENGINE_OPTIONS = List.of("model", "prompt-tokens", "new-tokens", "batch-sizes", "repeat", "json", "plots", "threads",
            "backends", "ort-profile");

    private BenchCommand() {}

    /**
     * {@code gptjt bench pipeline}: end-to-end throughput and latency through Kafka, the batch sizes the
     * service formed, and the ratio to the raw engine at the service's mean batch size. With
     * {@code --load F} it first measures the capacity (a max-rate run), then runs at F × that capacity
     * and compares the p99 latency with max-wait + the time of one full batch, all in one invocation.
     */
    static int pipeline(Args args, PrintStream out) throws Exception {
        args.allow(PIPELINE_OPTIONS);
        Path model = Path.of(args.get("model", "models/demo-gptj"));
        int count = args.intValue("count", 512);
        int promptTokens = args.intValue("prompt-tokens", 32);
        int newTokens = args.intValue("new-tokens", 32);
        int maxBatch = args.intValue("max-batch", 16);
        int maxWaitMs = args.intValue("max-wait-ms", 10);
        double load = args.doubleValue("load", 0);
        if (load < 0 || load > 1) {
            throw new Args.UsageException("--load is a fraction of the measured capacity, in (0, 1]; got " + load);
        }
        if (load > 0 && (args.flag("max") || args.get("rate", null) != null)) {
            throw new Args.UsageException("--load sets the rate from the measured capacity: leave out --rate and --max");
        }
        double rate = args.flag("max") ? 0 : args.doubleValue("rate", 0);
        boolean json = args.flag("json");
        String[] bootstrap = {args.get("bootstrap", null)};
        AutoCloseable embedded = null;
        if (bootstrap[0] == null) {
            if (!json) {
                out.println("no --bootstrap: starting an embedded broker and service with " + model.getFileName() + ", max batch " + maxBatch
                        + ", max-wait " + maxWaitMs + " ms…");
            }
            embedded = PipelineBench.embedded(model, maxBatch, maxWaitMs, bootstrap);
        }
        try {
            List<String> prompts = new ArrayList<>();
            try (dev.gptjt.engine.InferenceEngine tokenizerOnly = dev.gptjt.engine.InferenceEngine.open(dev.gptjt.engine.EngineConfig.defaults(model))) {
                for (int i = 0; i < count; i++) {
                    prompts.add(EngineBench.prompt(tokenizerOnly, promptTokens, i % 10));
                }
            }
            String topic = args.get("topic", "gptjt.prompts");
            String completions = args.get("completions-topic", "gptjt.completions");
            Path latencies = args.get("latencies", null) == null ? null : Path.of(args.get("latencies", null));
            int warmUpSeconds = args.intValue("warm-up-seconds", 20);
            PipelineBench.Result capacity = null;
            if (load > 0) {
                // the capacity first: a max-rate run, whose completions also time one full batch in the service
                PipelineBench.run(bootstrap[0], topic, completions, prompts.subList(0, Math.min(32, count)), newTokens, 0);
                capacity = PipelineBench.run(bootstrap[0], topic, completions, prompts, newTokens, 0);
                rate = load * capacity.reqPerS();
                if (!json) {
                    out.printf("capacity: %.2f req/s at max rate (%s); running at %.0f%% of it: %.2f req/s%n", capacity.reqPerS(),
                            capacity.batchSizes(), load * 100, rate);
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
            PipelineBench.Result r = PipelineBench.run(bootstrap[0], topic, completions, prompts, newTokens, rate, latencies);
            if (capacity != null) {
                // the target: p99 at that load within max-wait + the time of one full batch, timed two ways: a row's
                // inference at max rate in the service, and (stricter: no Kafka beside it) a full batch of the raw engine
                double fullInService = capacity.inferenceP50Ms();
                double fullAlone = EngineBench.run(model, maxBatch, promptTokens, newTokens, 3, args.intValue("threads", 0)).p50Ms();
                if (json) {
                    out.println(r.json().substring(0, r.json().length() - 1) + String.format(java.util.Locale.ROOT,
                            ", \"load\": %.3f, \"capacity_req_per_s\": %.3f, \"max_wait_ms\": %d, \"full_batch_in_service_ms\": %.1f, "
                                    + "\"full_batch_engine_ms\": %.1f}", load, capacity.reqPerS(), maxWaitMs, fullInService, fullAlone));
                } else {
                    printPipeline(out, r, promptTokens, newTokens, rate);
                    out.printf("p99 at %.0f%% of capacity: %.0f ms; max-wait + one full batch = %d + %.0f = %.0f ms (in the service at max rate) → %s; "
                                    + "%d + %.0f = %.0f ms (the raw engine, batch %d) → %s%n", load * 100, r.p99Ms(), maxWaitMs, fullInService,
                            maxWaitMs + fullInService, r.p99Ms() <= maxWaitMs + fullInService ? "within" : "over", maxWaitMs, fullAlone,
                            maxWaitMs + fullAlone, maxBatch, r.p99Ms() <= maxWaitMs + fullAlone ? "within" : "over");
                }
                return 0;
            }
            int sameBatch = Math.max(1, (int) Math.round(r.meanBatch()));
            EngineBench.Row engine = EngineBench.run(model, sameBatch, promptTokens, newTokens, 3, args.intValue("threads", 0));
            double ratio = r.newTokPerS() / engine.newTokPerS();
            if (json) {
                out.println(r.json().substring(0, r.json().length() - 1) + String.format(java.util.Locale.ROOT,
                        ", \"engine_batch_size\": %d, \"engine_new_tok_per_s\": %.1f, \"ratio_to_engine\": %.3f}", sameBatch, engine.newTokPerS(), ratio));
            } else {
                printPipeline(out, r, promptTokens, newTokens, rate);
                out.printf("raw engine at batch %d: %.1f new tok/s → pipeline / engine = %.2f%n", sameBatch, engine.newTokPerS(), ratio);
            }
            return 0;
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    private static void printPipeline(PrintStream out, PipelineBench.Result r, int promptTokens, int newTokens, double rate) {
        out.printf("pipeline: %d prompts (%d prompt + %d new tokens) at %s in %.1f s: %.2f req/s, %.1f new tok/s%n", r.count(),
                promptTokens, newTokens, rate <= 0 ? "max rate" : String.format(java.util.Locale.ROOT, "%.2f/s", rate), r.seconds(),
                r.reqPerS(), r.newTokPerS());
        out.printf("end-to-end latency (created_at → completion): p50 %.0f ms, p99 %.0f ms%n", r.p50Ms(), r.p99Ms());
        out.printf("  in the engine (queued + inference): p50 %.0f ms, p99 %.0f ms; outside it (Kafka, store, punctuator): "
                + "p50 %.0f ms, p99 %.0f ms; inference alone p50 %.0f ms%n", r.inEngineP50Ms(), r.inEngineP99Ms(), r.outsideP50Ms(),
                r.outsideP99Ms(), r.inferenceP50Ms());
        out.printf("batch sizes formed (size: prompts): %s, mean %.2f%n", r.batchSizes(), r.meanBatch());
    }

    static final List<String> PIPELINE_OPTIONS = List.of("bootstrap", "model", "rate", "max", "count", "prompt-tokens", "new-tokens",
            "max-batch", "max-wait-ms", "load", "json", "topic", "completions-topic", "threads", "warm-up-seconds", "latencies");

    /**
     * The backends to compare: as listed ({@code java-loop,in-graph}), or by default the Java loop, and
     * the in-graph backend too when the model directory has {@code greedy_search.onnx}.
     */
    static List<DecodingBackend> backends(String listed, Path model) {
        if (listed == null) {
            return Files.isRegularFile(model.resolve(dev.gptjt.engine.model.ModelDirectory.GREEDY_SEARCH_FILE))
                    ? List.of(DecodingBackend.JAVA_LOOP, DecodingBackend.IN_GRAPH) : List.of(DecodingBackend.JAVA_LOOP);
        }
        List<DecodingBackend> out = new ArrayList<>();
        for (String s : listed.split(",")) {
            DecodingBackend b = List.of(DecodingBackend.JAVA_LOOP, DecodingBackend.IN_GRAPH).stream()
                    .filter(known -> known.label().equals(s.trim())).findFirst()
                    .orElseThrow(() -> new Args.UsageException("--backends takes java-loop and/or in-graph, got '" + s.trim() + "'"));
            out.add(b);
        }
        return out;
    }

    /**
     * {@code gptjt bench transfer --config config.json [--context 200] [--batch-sizes 1,16,64] [--value-bytes 2]}:
     * the host↔device bytes per decoding step of each backend, from the model's shapes.
     */
    static int transfer(Args args, PrintStream out) {
        args.allow(List.of("config", "context", "batch-sizes", "value-bytes", "prefix-tokens", "input-tokens", "label-tokens"));
        Path file = Path.of(args.required("config"));
        TransferEstimate t = new TransferEstimate(dev.gptjt.engine.model.ModelConfig.read(file), args.intValue("value-bytes", 2));
        int context = args.intValue("context", 200);
        out.printf(java.util.Locale.ROOT, "%s: KV cache %d bytes per token per sequence; one decoding step at %d tokens of context:%n",
                file.getFileName(), t.kvBytesPerToken(), context);
        out.printf("%8s %26s %22s%n", "batch", "java-loop bytes/step", "in-graph bytes/step");
        for (String s : args.get("batch-sizes", "1,16,64").split(",")) {
            int b = Integer.parseInt(s.trim());
            out.printf(java.util.Locale.ROOT, "%8d %16d (%5.2f GB) %22d%n", b, t.javaLoopBytesPerStep(b, context),
                    t.javaLoopBytesPerStep(b, context) / 1e9, t.inGraphBytesPerStep(b));
        }
        // classification: tweet-hate's shape by default (81 cached prefix tokens, ~29 more, labels of 2 and 3 tokens)
        int prefix = args.intValue("prefix-tokens", 81);
        int prompt = prefix + args.intValue("input-tokens", 29);
        int[] labels = java.util.Arrays.stream(args.get("label-tokens", "2,3").split(",")).mapToInt(l -> Integer.parseInt(l.trim())).toArray();
        out.printf(java.util.Locale.ROOT, "one classification batch: %d prompt tokens (%d of them a task's cached prefix), labels of %s tokens:%n",
                prompt, prefix, java.util.Arrays.toString(labels));
        out.printf("%8s %26s %26s %22s%n", "batch", "java-loop, whole prompt", "java-loop, prefix cache", "in-graph classify");
        for (String s : args.get("batch-sizes", "1,16,64").split(",")) {
            int b = Integer.parseInt(s.trim());
            long whole = t.javaLoopClassifyBytes(b, prompt, 0, labels);
            long cached = t.javaLoopClassifyBytes(b, prompt, prefix, labels);
            long inGraph = t.inGraphClassifyBytes(b, prompt, prefix, labels);
            out.printf(java.util.Locale.ROOT, "%8d %16d (%5.2f GB) %16d (%5.2f GB) %12d (%5.3f GB)%n", b, whole, whole / 1e9, cached, cached / 1e9,
                    inGraph, inGraph / 1e9);
        }
        return 0;
    }

    static int run(String[] argv, PrintStream out) throws Exception {
        if (argv.length >= 2 && argv[1].equals("transfer")) {
            return transfer(Args.parse(argv, 2, List.of()), out);
        }
        if (argv.length >= 2 && argv[1].equals("pipeline")) {
            return pipeline(Args.parse(argv, 2, List.of("json", "max")), out);
        }
        if (argv.length >= 2 && argv[1].equals("task")) {
            return TaskBench.run(Args.parse(argv, 2, List.of("json")), out);
        }
        if (argv.length < 2 || !argv[1].equals("engine")) {
            throw new Args.UsageException("bench needs a target: engine, pipeline, task or transfer");
        }
        Args args = Args.parse(argv, 2, List.of("json"));
        args.allow(ENGINE_OPTIONS);
        Path model = Path.of(args.required("model"));
        int promptTokens = args.intValue("prompt-tokens", 32);
        int newTokens = args.intValue("new-tokens", 32);
        int repeat = args.intValue("repeat", 3);
        int threads = args.intValue("threads", 0);
        boolean json = args.flag("json");
        List<Integer> sizes = new ArrayList<>();
        for (String s : args.get("batch-sizes", "1,4,16,32").split(",")) {
            sizes.add(Integer.parseInt(s.trim()));
        }
        List<DecodingBackend> backends = backends(args.get("backends", null), model);
        Path profiles = args.get("ort-profile", null) == null ? null : Files.createDirectories(Path.of(args.get("ort-profile", null)));
        int vocab = profiles == null ? 0 : dev.gptjt.engine.model.ModelDirectory.open(model).config().vocabSize(); // names the lm_head in profiles
        if (!json) {
            out.printf("engine bench: %s, %d prompt tokens, %d new tokens, %d batches per size%n", model.getFileName(), promptTokens, newTokens, repeat);
            if (profiles != null) {
                out.println("ORT profiling is on: it slows every run, batch 1 most; read the operator shares, not the throughput");
            }
            out.printf("%10s %10s %10s %12s %10s %10s %10s%n", "backend", "batch", "req/s", "new tok/s", "p50 ms", "p99 ms", "ORT share");
        }
        List<EngineBench.Row> rows = new ArrayList<>();
        // interleaved: each batch size runs on every backend before the next size, so drift hits both alike
        for (int b : sizes) {
            for (DecodingBackend backend : backends) {
                Path profile = profiles == null ? null : profiles.resolve(backend.label() + "-b" + b);
                EngineBench.Row r = EngineBench.run(model, backend, b, promptTokens, newTokens, repeat, threads, profile);
                rows.add(r);
                if (json) {
                    out.println(r.json());
                } else {
                    out.printf("%10s %10d %10.2f %12.1f %10.1f %10.1f %9.1f%%%n", r.backend(), r.batchSize(), r.reqPerS(), r.newTokPerS(),
                            r.p50Ms(), r.p99Ms(), 100 * r.ortShare());
                }
                if (profile != null && !json) {
                    // the profiler's own cost inflates the figures above; the shares are what it is for
                    out.println("    ORT profile: " + OrtProfile.readAll(profile, vocab).summary(6));
                }
                out.flush();
            }
        }
        if (!json && sizes.size() > 1) {
            for (DecodingBackend backend : backends) {
                List<EngineBench.Row> mine = rows.stream().filter(r -> r.backend().equals(backend.label())).toList();
                out.printf("%s: batch %d throughput = %.2f× batch %d%n", backend.label(), mine.get(mine.size() - 1).batchSize(),
                        mine.get(mine.size() - 1).newTokPerS() / mine.get(0).newTokPerS(), mine.get(0).batchSize());
            }
        }
        if (!json && backends.size() > 1) {
            for (int b : sizes) {
                double[] perBackend = rows.stream().filter(r -> r.batchSize() == b).mapToDouble(EngineBench.Row::newTokPerS).toArray();
                out.printf("batch %d: %s / %s = %.2f%n", b, backends.get(1).label(), backends.get(0).label(),
                        perBackend[1] / perBackend[0]);
            }
        }
        String plots = args.get("plots", null);
        if (plots != null) {
            Path dir = Files.createDirectories(Path.of(plots));
            String title = model.getFileName() + ": " + promptTokens + " prompt + " + newTokens + " new tokens";
            Charts.throughput(rows, title, dir.resolve("engine-throughput.png"));
            Charts.latency(rows, title, dir.resolve("engine-latency.png"));
            StringBuilder md = new StringBuilder("| backend | batch | req/s | new tok/s | p50 ms | p99 ms | ORT share |\n|---|---|---|---|---|---|---|\n");
            for (EngineBench.Row r : rows) {
                md.append(String.format(java.util.Locale.ROOT, "| %s | %d | %.2f | %.1f | %.1f | %.1f | %.1f%% |%n",
                        r.backend(), r.batchSize(), r.reqPerS(), r.newTokPerS(), r.p50Ms(), r.p99Ms(), 100 * r.ortShare()));
            }
            Files.writeString(dir.resolve("engine.md"), md.toString());
            if (!json) {
                out.println("plots and table written to " + dir);
            }
        }
        return 0;
    }
}

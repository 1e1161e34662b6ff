package dev.gptjt.engine.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ExecutionProvider;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.ort.ClassifyGraphConverter;
import dev.gptjt.engine.ort.GreedySearchConverter;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/** {@code gptjt generate}, {@code gptjt tokenize} and {@code gptjt convert}: the engine without Kafka. */
public final class Main {
    static final String USAGE = """
            usage: gptjt generate --model DIR [--max-new-tokens N] [--batch-size B] [--max-wait-ms MS]
                                  [--temperature T] [--top-k K] [--top-p P] [--seed S] [--stop TEXT]...
                                  [--ignore-eos] [--provider cpu|cuda] [--device-id N] [--threads N]
                                  [--backend auto|java-loop|in-graph]
                     reads {"id": "...", "prompt": "..."} lines (a line may set max_new_tokens, temperature,
                     top_k, top_p, seed, stop) and writes one result line per input, in input order
                   gptjt tokenize --model DIR
                     reads {"text": "..."} lines and writes {"ids": [...]} lines
                   gptjt convert --model DIR --out DIR2 [--greedy-in-graph] [--classify-in-graph]
                     writes DIR2/greedy_search.onnx: greedy decoding inside ONNX Runtime (GreedySearch), used
                     automatically for greedy requests when DIR2 is the model directory; weights are not copied""";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> GENERATE_OPTIONS = List.of("model", "max-new-tokens", "batch-size", "max-wait-ms",
            "temperature", "top-k", "top-p", "seed", "stop", "ignore-eos", "provider", "device-id", "threads", "backend");

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.in, System.out, System.err));
    }

    /** @return the process exit code: 0 done, 2 usage or setup error */
    static int run(String[] argv, java.io.InputStream in, PrintStream out, PrintStream err) {
        try {
            if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("help")) {
                out.println(USAGE);
                return argv.length == 0 ? 2 : 0;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            switch (argv[0]) {
                case "generate" -> generate(Args.parse(argv, 1, List.of("ignore-eos")), reader, writer);
                case "tokenize" -> tokenize(Args.parse(argv, 1, List.of()), reader, writer);
                case "convert" -> convert(Args.parse(argv, 1, List.of("greedy-in-graph", "classify-in-graph")), err);
                default -> throw new Args.UsageException("unknown command '" + argv[0] + "'");
            }
            writer.flush();
            return 0;
        } catch (Args.UsageException e) {
            err.println("gptjt: " + e.getMessage());
            err.println(USAGE);
            return 2;
        } catch (EngineException e) {
            err.println("gptjt: " + e.getMessage());
            return 2;
        } catch (IOException | UncheckedIOException e) {
            err.println("gptjt: I/O error: " + e.getMessage());
            return 1;
        }
    }

    private static void generate(Args args, BufferedReader in, BufferedWriter out) throws IOException {
        args.allow(GENERATE_OPTIONS);
        int batchSize = args.intValue("batch-size", EngineConfig.DEFAULT_MAX_BATCH_SIZE);
        if (batchSize < 1) {
            throw new Args.UsageException("--batch-size must be >= 1");
        }
        GenerationParams defaults = new GenerationParams(
                args.intValue("max-new-tokens", GenerationParams.DEFAULT_MAX_NEW_TOKENS),
                args.doubleValue("temperature", 1.0),
                args.intValue("top-k", 1),
                args.doubleValue("top-p", 1.0),
                args.longValue("seed"),
                args.all("stop"),
                args.flag("ignore-eos"));
        defaults.validate(Integer.MAX_VALUE);
        ExecutionProvider provider = parseProvider(args.get("provider", "cpu"));
        int window = Math.max(4 * batchSize, 64);
        EngineConfig config = EngineConfig.defaults(Path.of(args.required("model")))
                .withBatching(batchSize, Duration.ofMillis(args.intValue("max-wait-ms", 10)), window)
                .withProvider(provider, args.intValue("device-id", 0))
                .withThreads(args.intValue("threads", 0), 0)
                .withBackend(parseBackend(args.get("backend", "auto")));
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            // Results are written in input order; at most `window` lines are in flight, so memory stays bounded.
            ArrayDeque<CompletableFuture<String>> inFlight = new ArrayDeque<>();
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                inFlight.addLast(submitLine(engine, line, lineNo, defaults));
                while (inFlight.size() >= window) {
                    writeLine(out, inFlight.pollFirst().join());
                }
            }
            while (!inFlight.isEmpty()) {
                writeLine(out, inFlight.pollFirst().join());
            }
        }
    }

    private static CompletableFuture<String> submitLine(InferenceEngine engine, String line, int lineNo, GenerationParams defaults) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return CompletableFuture.completedFuture(error(null, "BAD_JSON", "line " + lineNo + " is not JSON: " + e.getOriginalMessage()));
        }
        if (node == null || !node.isObject()) {
            return CompletableFuture.completedFuture(error(null, "BAD_JSON", "line " + lineNo + " is not a JSON object"));
        }
        JsonNode idNode = node.get("id");
        String id = idNode == null || idNode.isNull() ? String.valueOf(lineNo) : idNode.asText();
        JsonNode prompt = node.get("prompt");
        if (prompt == null || !prompt.isTextual()) {
            return CompletableFuture.completedFuture(error(id, "MISSING_PROMPT", "line " + lineNo + " has no string \"prompt\""));
        }
        GenerationParams params;
        try {
            params = lineParams(node, defaults);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(error(id, "INVALID_PARAMETER", e.getMessage()));
        }
        return engine.submit(new GenerationRequest(id, prompt.asText(), params)).handle((r, failure) -> {
            if (failure != null) {
                EngineException e = EngineException.from(failure);
                return error(id, e.code().name(), e.getMessage());
            }
            return resultLine(r);
        });
    }

    private static GenerationParams lineParams(JsonNode node, GenerationParams d) {
        List<String> stop = d.stop();
        JsonNode stopNode = node.get("stop");
        if (stopNode != null && !stopNode.isNull()) {
            stop = new ArrayList<>();
            if (stopNode.isTextual()) {
                stop.add(stopNode.asText());
            } else if (stopNode.isArray()) {
                for (JsonNode s : stopNode) {
                    if (!s.isTextual()) {
                        throw new IllegalArgumentException("stop must be a string or an array of strings");
                    }
                    stop.add(s.asText());
                }
            } else {
                throw new IllegalArgumentException("stop must be a string or an array of strings");
            }
        }
        JsonNode seed = node.get("seed");
        return new GenerationParams(
                intField(node, "max_new_tokens", d.maxNewTokens()),
                doubleField(node, "temperature", d.temperature()),
                intField(node, "top_k", d.topK()),
                doubleField(node, "top_p", d.topP()),
                seed == null || seed.isNull() ? d.seed() : Long.valueOf(longField(node, "seed")),
                stop,
                d.ignoreEos());
    }

    private static int intField(JsonNode node, String name, int fallback) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(name + " must be an integer, was " + v);
        }
        return v.intValue();
    }

    private static long longField(JsonNode node, String name) {
        JsonNode v = node.get(name);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(name + " must be an integer, was " + v);
        }
        return v.longValue();
    }

    private static double doubleField(JsonNode node, String name, double fallback) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException(name + " must be a number, was " + v);
        }
        return v.doubleValue();
    }

    private static String resultLine(GenerationResult r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.id());
        o.put("prompt_tokens", r.promptTokens());
        var ids = o.putArray("output_ids");
        for (int id : r.outputIds()) {
            ids.add(id);
        }
        o.put("text", r.text());
        o.put("finish_reason", r.finishReason().name().toLowerCase(Locale.ROOT));
        o.put("backend", r.backend());
        return o.toString();
    }

    private static String error(String id, String code, String message) {
        ObjectNode o = JSON.createObjectNode();
        if (id == null) {
            o.putNull("id");
        } else {
            o.put("id", id);
        }
        ObjectNode e = o.putObject("error");
        e.put("code", code);
        e.put("message", message);
        return o.toString();
    }

    private static void tokenize(Args args, BufferedReader in, BufferedWriter out) throws IOException {
        args.allow(List.of("model"));
        ModelDirectory dir = ModelDirectory.open(Path.of(args.required("model")));
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(dir.vocabFile(), dir.mergesFile());
        int lineNo = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                writeLine(out, error(null, "BAD_JSON", "line " + lineNo + " is not JSON: " + e.getOriginalMessage()));
                continue;
            }
            JsonNode text = node == null ? null : node.get("text");
            if (text == null || !text.isTextual()) {
                writeLine(out, error(null, "MISSING_TEXT", "line " + lineNo + " has no string \"text\""));
                continue;
            }
            ObjectNode o = JSON.createObjectNode();
            var ids = o.putArray("ids");
            for (int id : tokenizer.encode(text.asText())) {
                ids.add(id);
            }
            writeLine(out, o.toString());
        }
    }

    private static void convert(Args args, PrintStream err) {
        args.allow(List.of("model", "out", "greedy-in-graph", "classify-in-graph"));
        if (!args.flag("greedy-in-graph") && !args.flag("classify-in-graph")) {
            throw new Args.UsageException("convert needs --greedy-in-graph, --classify-in-graph or both");
        }
        ModelDirectory source = ModelDirectory.open(Path.of(args.required("model")));
        Path out = Path.of(args.required("out"));
        if (args.flag("greedy-in-graph")) {
            long start = System.nanoTime();
            Path written = GreedySearchConverter.convert(source, out);
            err.printf(Locale.ROOT, "gptjt: wrote %s in %d ms; serve or generate with --model %s to decode greedy requests in-graph%n",
                    written, (System.nanoTime() - start) / 1_000_000, written.getParent());
        }
        if (args.flag("classify-in-graph")) {
            long start = System.nanoTime();
            Path written = ClassifyGraphConverter.convert(source, out);
            err.printf(Locale.ROOT, "gptjt: wrote %s in %d ms; serve with --model %s to score classifications in one pass%n",
                    written, (System.nanoTime() - start) / 1_000_000, written.getParent());
        }
    }

    private static DecodingBackend parseBackend(String value) {
        try {
            return DecodingBackend.parse(value);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--backend must be auto, java-loop or in-graph, got '" + value + "'");
        }
    }

    private static ExecutionProvider parseProvider(String value) {
        try {
            return ExecutionProvider.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--provider must be cpu or cuda, got '" + value + "'");
        }
    }

    private static void writeLine(BufferedWriter out, String line) throws IOException {
        out.write(line);
        out.newLine();
        out.flush();
    }
}

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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gptjt generate}: JSONL prompts in, JSONL completions out, in input order. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Completes prompts with the engine alone.",
            "Reads {\"id\", \"prompt\"} lines (a line may set max_new_tokens, temperature, top_k, top_p, seed, stop) and writes",
            "{\"id\", \"prompt_tokens\", \"output_ids\", \"text\", \"finish_reason\", \"backend\"} lines in input order,",
            "or {\"id\", \"error\": {\"code\", \"message\"}} for a line it cannot run."
        })
final class GenerateCommand implements Callable<Integer>, Cli.UsesIo {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description = "Optimum export directory (model.onnx, config.json, vocab.json, merges.txt).")
    Path model;

    @Option(
            names = "--max-new-tokens",
            paramLabel = "N",
            defaultValue = "" + GenerationParams.DEFAULT_MAX_NEW_TOKENS,
            description =
                    "Most tokens generated per prompt, unless a line sets max_new_tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(
            names = "--max-batch-size",
            paramLabel = "N",
            defaultValue = "" + EngineConfig.DEFAULT_MAX_BATCH_SIZE,
            description = "Most prompts in one batch (default: ${DEFAULT-VALUE}).")
    int maxBatchSize;

    @Option(
            names = "--max-wait",
            paramLabel = "DURATION",
            defaultValue = "10ms",
            converter = Cli.DurationConverter.class,
            description =
                    "Longest the first queued prompt waits for others to join its batch (default: ${DEFAULT-VALUE}).")
    Duration maxWait;

    @Option(
            names = "--temperature",
            paramLabel = "T",
            defaultValue = "1.0",
            description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(
            names = "--top-k",
            paramLabel = "K",
            defaultValue = "1",
            description = "Top-k; 1 is greedy decoding (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(
            names = "--top-p",
            paramLabel = "P",
            defaultValue = "1.0",
            description = "Nucleus sampling mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed (default: none).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "A stop sequence; repeat for several.")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Go on past the end-of-sequence token, up to max-new-tokens.")
    boolean ignoreEos;

    @Option(
            names = "--provider",
            paramLabel = "cpu|cuda",
            defaultValue = "cpu",
            description = "Execution provider (cuda needs the -Pgpu build) (default: ${DEFAULT-VALUE}).")
    ExecutionProvider provider;

    @Option(
            names = "--device-id",
            paramLabel = "N",
            defaultValue = "0",
            description = "CUDA device ordinal (default: ${DEFAULT-VALUE}).")
    int deviceId;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "0",
            description = "ONNX Runtime intra-op threads; 0 lets it choose (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--backend",
            paramLabel = "auto|java-loop|in-graph",
            defaultValue = "auto",
            converter = Cli.BackendConverter.class,
            description = "Who decodes greedy requests (default: ${DEFAULT-VALUE}).")
    DecodingBackend backend;

    private InputStream stdin = System.in;

    @Override
    public void io(InputStream in, PrintStream out, PrintStream err) {
        this.stdin = in;
    }

    @Override
    public Integer call() throws IOException {
        if (maxBatchSize < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--max-batch-size must be >= 1, was " + maxBatchSize);
        }
        GenerationParams defaults = new GenerationParams(maxNewTokens, temperature, topK, topP, seed, stop, ignoreEos);
        try {
            defaults.validate(Integer.MAX_VALUE);
        } catch (EngineException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        int window = Math.max(4 * maxBatchSize, 64);
        EngineConfig config = EngineConfig.defaults(model)
                .withBatching(maxBatchSize, maxWait, window)
                .withProvider(provider, deviceId)
                .withThreads(threads, 0)
                .withBackend(backend);
        BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        PrintWriter out = spec.commandLine().getOut();
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
        return 0;
    }

    private static CompletableFuture<String> submitLine(
            InferenceEngine engine, String line, int lineNo, GenerationParams defaults) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return CompletableFuture.completedFuture(
                    error(null, "BAD_JSON", "line " + lineNo + " is not JSON: " + e.getOriginalMessage()));
        }
        if (node == null || !node.isObject()) {
            return CompletableFuture.completedFuture(
                    error(null, "BAD_JSON", "line " + lineNo + " is not a JSON object"));
        }
        JsonNode idNode = node.get("id");
        String id = idNode == null || idNode.isNull() ? String.valueOf(lineNo) : idNode.asText();
        JsonNode prompt = node.get("prompt");
        if (prompt == null || !prompt.isTextual()) {
            return CompletableFuture.completedFuture(
                    error(id, "MISSING_PROMPT", "line " + lineNo + " has no string \"prompt\""));
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
        return new GenerationParams(
                JsonFields.integer(node, "max_new_tokens").orElse(d.maxNewTokens()),
                JsonFields.number(node, "temperature").orElse(d.temperature()),
                JsonFields.integer(node, "top_k").orElse(d.topK()),
                JsonFields.number(node, "top_p").orElse(d.topP()),
                JsonFields.longInteger(node, "seed").orElse(d.seed()),
                JsonFields.texts(node, "stop").orElse(d.stop()),
                d.ignoreEos());
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

    static String error(String id, String code, String message) {
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

    static void writeLine(PrintWriter out, String line) {
        out.println(line);
        out.flush();
    }
}

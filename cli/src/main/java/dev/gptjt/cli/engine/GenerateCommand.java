package dev.gptjt.cli.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.EngineOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.JsonFields;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
public final class GenerateCommand extends IoCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ModelOption model;

    @Mixin
    CommonOptions.MaxNewTokens maxNewTokens;

    @Mixin
    EngineOptions.Batching batching;

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

    @Mixin
    CommonOptions.Seed seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "A stop sequence; repeat for several.")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Go on past the end-of-sequence token, up to max-new-tokens.")
    boolean ignoreEos;

    @Mixin
    EngineOptions.Session session;

    @Mixin
    EngineOptions.Backend backend;

    @Override
    public Integer call() throws IOException {
        int maxBatchSize = batching.maxBatchSize();
        if (maxBatchSize < 1) {
            throw usage("--max-batch-size must be >= 1, was " + maxBatchSize);
        }
        GenerationParams defaults = new GenerationParams(
                maxNewTokens.maxNewTokens(), temperature, topK, topP, seed.seed(), stop, ignoreEos);
        try {
            defaults.validate(Integer.MAX_VALUE);
        } catch (EngineException e) {
            throw usage(e.getMessage());
        }
        int window = Math.max(4 * maxBatchSize, 64);
        EngineConfig config = session.applyTo(batching.applyTo(EngineConfig.defaults(model.required()), window))
                .withBackend(backend.backend());
        BufferedReader in = lines();
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

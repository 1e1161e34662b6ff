package dev.gptjt.tools.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.engine.ClassificationRequest;
import dev.gptjt.engine.ClassificationResult;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.tasks.EntityParser;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.decision.DecisionPolicy;
import dev.gptjt.tasks.decision.PolicyDecision;
import dev.gptjt.tools.ToolException;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a task's records through an engine without Kafka, as the service would (its template, labels and
 * defaults), each result as one JSON object: what {@code gptjt run} prints and {@code gptjt bench task} times. A
 * classification of a task with a decision policy carries its {@code decision} as the service's record would.
 */
public final class TaskRunner {
    public static final ObjectMapper JSON = new ObjectMapper();

    /** One input: {@code {"id": …, "text": …}} ({@code prompt} is accepted for {@code text}). */
    public record Input(String id, String text) {}

    private final InferenceEngine engine;
    private final TaskDefinition task;
    /** The task's decision policy; null when it has none. */
    private final DecisionPolicy policy;
    /** As the service's result cache: a text seen earlier in the run is answered with its first answer. */
    private boolean resultCache;

    public TaskRunner(InferenceEngine engine, TaskDefinition task) {
        this(engine, task, null);
    }

    /** @param policy the task's decision policy, or null for none */
    public TaskRunner(InferenceEngine engine, TaskDefinition task, DecisionPolicy policy) {
        this.engine = engine;
        this.task = task;
        this.policy = policy;
    }

    /**
     * How many results took each action, the policy's actions in order (those no result took at 0); empty when no
     * result carries a decision.
     */
    public static Map<String, Integer> actionCounts(List<String> actions, List<? extends JsonNode> results) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        actions.forEach(a -> counts.put(a, 0));
        boolean any = false;
        for (JsonNode r : results) {
            JsonNode action = r.at("/decision/action");
            if (action.isTextual()) {
                counts.merge(action.asText(), 1, Integer::sum);
                any = true;
            }
        }
        return any ? counts : Map.of();
    }

    /** {@code remove 3, review 5, allow 12}. */
    public static String describe(Map<String, Integer> counts) {
        List<String> parts = new ArrayList<>();
        counts.forEach((action, n) -> parts.add(action + " " + n));
        return String.join(", ", parts);
    }

    /**
     * Reads input lines; a line without text is a one-line error naming it.
     *
     * @throws ToolException for a line that is not a JSON object with {@code text} (or {@code prompt})
     */
    public static List<Input> read(BufferedReader in) throws IOException {
        List<Input> inputs = new ArrayList<>();
        int lineNo = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                throw new ToolException("line " + lineNo + " is not JSON: "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
            JsonNode text = n.hasNonNull("text") ? n.get("text") : n.get("prompt");
            if (!n.isObject() || text == null || !text.isTextual()) {
                throw new ToolException("line " + lineNo + " needs \"text\" (or \"prompt\") as a string");
            }
            inputs.add(new Input(n.hasNonNull("id") ? n.get("id").asText() : String.valueOf(lineNo), text.asText()));
        }
        return inputs;
    }

    /** The label the (classify) task gives each text, in order; all are submitted at once. */
    public List<String> labels(List<String> texts) {
        List<CompletableFuture<ClassificationResult>> futures = texts.stream()
                .map(text -> engine.classify(new ClassificationRequest(
                        "label", task.prompt(text), task.continuations(), task.lengthNormalized())))
                .toList();
        return futures.stream()
                .map(f -> task.labels().get(f.join().labelIndex()))
                .toList();
    }

    /**
     * The same runner answering, as the service's result cache does, every text it has already answered in a run
     * (the task, model and parameters are the run's) with that answer, marked {@code "answered_by": "cache"}
     * (the others {@code "model"}); the engine computes each distinct text once.
     */
    public TaskRunner withResultCache() {
        TaskRunner cached = new TaskRunner(engine, task, policy);
        cached.resultCache = true;
        return cached;
    }

    /** How many results were answered from the result cache ({@link #withResultCache}). */
    public static long cacheHits(List<? extends JsonNode> results) {
        return results.stream()
                .filter(r -> "cache".equals(r.path("answered_by").asText()))
                .count();
    }

    /** Submits every input at once (the engine batches them); the futures complete in any order. */
    public List<CompletableFuture<ObjectNode>> submitAll(List<Input> inputs) {
        if (!resultCache) {
            return inputs.stream().map(this::submit).toList();
        }
        Map<String, CompletableFuture<ObjectNode>> first = new java.util.HashMap<>();
        List<CompletableFuture<ObjectNode>> out = new ArrayList<>();
        for (Input input : inputs) {
            CompletableFuture<ObjectNode> earlier = first.get(input.text());
            if (earlier == null) {
                CompletableFuture<ObjectNode> ran =
                        submit(input).thenApply(o -> o.has("error") ? o : o.put("answered_by", "model"));
                first.put(input.text(), ran);
                out.add(ran);
            } else {
                out.add(earlier.thenApply(o -> o.has("error") ? error(input, o) : resent(input, o)));
            }
        }
        return out;
    }

    /** The first answer of a text, for a later input of the same text. */
    private static ObjectNode resent(Input input, ObjectNode answer) {
        ObjectNode copy = answer.deepCopy();
        copy.put("id", input.id());
        return copy.put("answered_by", "cache");
    }

    /** A failed text fails every input of it alike (the same input fails the same way), under its own id. */
    private static ObjectNode error(Input input, ObjectNode failed) {
        ObjectNode copy = failed.deepCopy();
        return copy.put("id", input.id());
    }

    /** Never fails: an engine refusal becomes {@code {"id", "error": {"code", "message"}}}. */
    public CompletableFuture<ObjectNode> submit(Input input) {
        return submitKeepingResult(input).thenApply(Answered::answer);
    }

    /**
     * An answer as {@link #submit} gives it, and the engine's result it was made from.
     *
     * @param answer     the answer's JSON, as {@code run} prints it
     * @param generation for an extract or generate task, the engine's result (its figures — corrections, operator
     *                   runs, backend — are the engine's, not the answer's); null for a classification or a refusal
     */
    public record Answered(ObjectNode answer, GenerationResult generation) {}

    /**
     * Submits every input at once as {@link #submitAll} does (without the result cache), keeping each answer's engine
     * result beside it: what {@code bench task} reads the engine's figures from.
     */
    public List<CompletableFuture<Answered>> submitAllKeepingResults(List<Input> inputs) {
        return inputs.stream().map(this::submitKeepingResult).toList();
    }

    /** Never fails: an engine refusal becomes an answer {@code {"id", "error": {"code", "message"}}}. */
    public CompletableFuture<Answered> submitKeepingResult(Input input) {
        String prompt = task.prompt(input.text());
        CompletableFuture<Answered> result = switch (task.mode()) {
            case CLASSIFY ->
                engine.classify(new ClassificationRequest(
                                input.id(), prompt, task.continuations(), task.lengthNormalized()))
                        .thenApply(r -> new Answered(classification(r), null));
            case EXTRACT ->
                engine.submit(task.generation(input.id(), input.text(), params()))
                        .thenApply(r -> new Answered(extraction(r), r));
            case GENERATE ->
                engine.submit(task.generation(input.id(), input.text(), params()))
                        .thenApply(r -> new Answered(completion(r), r));
        };
        return result.exceptionally(e ->
                new Answered(error(input.id(), e.getCause() != null ? e.getCause() : e), null));
    }

    private GenerationParams params() {
        return GenerationParams.DEFAULTS.withMaxNewTokens(task.maxNewTokens()).withStop(task.stop());
    }

    private ObjectNode classification(ClassificationResult r) {
        ObjectNode o =
                JSON.createObjectNode().put("id", r.id()).put("label", r.label().strip());
        ArrayNode scores = o.putArray("scores");
        r.scores()
                .forEach(s -> scores.addObject().put("label", s.label().strip()).put("probability", s.probability()));
        if (policy != null) {
            decision(o.putObject("decision"), r);
        }
        return path(o, r.promptTokens(), r.prefixTokens(), r.backend());
    }

    /** The policy's decision, in the fields of the service's Decision record (audited: the service's to pick). */
    private void decision(ObjectNode o, ClassificationResult r) {
        PolicyDecision d = policy.decide(
                task.labels(),
                r.scores().stream()
                        .map(ClassificationResult.LabelScore::probability)
                        .toList());
        o.put("action", d.action()).put("policy_version", policy.version());
        if (d.isDefault()) {
            o.putNull("rule").putNull("label").putNull("probability");
        } else {
            o.put("rule", d.rule()).put("label", d.label()).put("probability", d.probability());
        }
        o.put("automated", true);
    }

    private ObjectNode extraction(GenerationResult r) {
        ObjectNode o = JSON.createObjectNode().put("id", r.id());
        ArrayNode entities = o.putArray("entities");
        EntityParser.parse(r.text()).forEach(e -> {
            ObjectNode entity = entities.addObject().put("text", e.text());
            if (e.type() != null) {
                entity.put("type", e.type());
            }
        });
        o.put("raw", r.text());
        return path(o, r.promptTokens(), r.prefixTokens(), r.backend());
    }

    private ObjectNode completion(GenerationResult r) {
        ObjectNode o = JSON.createObjectNode()
                .put("id", r.id())
                .put("text", r.text())
                .put("finish_reason", r.finishReason().name().toLowerCase());
        ArrayNode ids = o.putArray("output_ids");
        for (int id : r.outputIds()) {
            ids.add(id);
        }
        return path(o, r.promptTokens(), r.prefixTokens(), r.backend());
    }

    /** Which path ran: the backend, and whether the prompt pass started from the task's cached prefix. */
    private static ObjectNode path(ObjectNode o, int promptTokens, int prefixTokens, String backend) {
        return o.put("prompt_tokens", promptTokens)
                .put("prefix_tokens", prefixTokens)
                .put("path", prefixTokens > 0 ? "prefix-cache" : "whole-prompt")
                .put("backend", backend);
    }

    private static ObjectNode error(String id, Throwable e) {
        ObjectNode o = JSON.createObjectNode().put("id", id);
        o.putObject("error")
                .put("code", e instanceof EngineException ee ? ee.code().name() : "INTERNAL")
                .put("message", String.valueOf(e.getMessage()));
        return o;
    }
}

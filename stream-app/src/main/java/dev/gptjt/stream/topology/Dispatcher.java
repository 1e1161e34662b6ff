package dev.gptjt.stream.topology;

import dev.gptjt.engine.ClassificationRequest;
import dev.gptjt.engine.ClassificationResult;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.Lane;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.internal.PendingPrompt;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.cascade.TaskCascade;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.specific.SpecificRecord;

/**
 * Turns a pending prompt into engine work in its lane and its eventual result record: a raw prompt or a
 * generate task gives a Completion, a classify task a Classification, an extract task an Extraction.
 *
 * <p>Cancelling a returned future cancels the engine's ({@link Stages}): the engine drops the request from its
 * queue or frees its row at the next step, and the result stage never runs, so nothing of it can be forwarded.
 */
final class Dispatcher {
    /** A finished result and where it goes. */
    record Outcome(String topic, SpecificRecord value) {}

    private final Inference engine;
    private final TaskCascades cascades;
    private final TopologyMetrics metrics;
    private final Map<String, TaskDefinition> tasks;
    private final ResultFactory results;
    private final String completionsTopic;
    private final Clock clock;

    Dispatcher(
            Inference engine,
            TaskCascades cascades,
            TopologyMetrics metrics,
            Map<String, TaskDefinition> tasks,
            ResultFactory results,
            String completionsTopic,
            Clock clock) {
        this.engine = engine;
        this.cascades = cascades;
        this.metrics = metrics;
        this.tasks = tasks;
        this.results = results;
        this.completionsTopic = completionsTopic;
        this.clock = clock;
    }

    /** Never blocks; the future fails with the engine's {@code EngineException}. */
    CompletableFuture<Outcome> submit(PendingPrompt pending, Lane lane) {
        PromptRequest request = pending.getRequest();
        if (request.getTask() == null) {
            String topic = request.getReplyTopic() != null ? request.getReplyTopic() : completionsTopic;
            return Stages.then(
                    engine.submit(
                            new GenerationRequest(request.getId(), request.getPrompt(), params(request, null)),
                            request.getDeadlineAt(),
                            lane),
                    r -> new Outcome(topic, results.completion(pending, null, r, clock.instant())));
        }
        TaskDefinition task = tasks.get(request.getTask());
        String topic = request.getReplyTopic() != null ? request.getReplyTopic() : task.topic();
        String prompt = task.prompt(request.getPrompt());
        return switch (task.mode()) {
            case GENERATE ->
                Stages.then(
                        engine.submit(
                                task.generation(request.getId(), request.getPrompt(), params(request, task)),
                                request.getDeadlineAt(),
                                lane),
                        r -> new Outcome(topic, results.completion(pending, task, r, clock.instant())));
            case EXTRACT ->
                Stages.then(
                        engine.submit(
                                task.generation(request.getId(), request.getPrompt(), params(request, task)),
                                request.getDeadlineAt(),
                                lane),
                        r -> new Outcome(topic, results.extraction(pending, task, r, clock.instant())));
            case CLASSIFY -> {
                ClassificationRequest classify = new ClassificationRequest(
                        request.getId(), prompt, task.continuations(), task.lengthNormalized());
                Optional<TaskCascade> cascade = cascades.of(task.name());
                yield cascade.isEmpty()
                        ? classify(pending, task, topic, classify, lane)
                        : cascaded(pending, task, topic, classify, lane, cascade.get());
            }
        };
    }

    private CompletableFuture<Outcome> classify(
            PendingPrompt pending, TaskDefinition task, String topic, ClassificationRequest classify, Lane lane) {
        return Stages.then(
                engine.classify(classify, pending.getRequest().getDeadlineAt(), lane),
                r -> new Outcome(topic, results.classification(pending, task, r, clock.instant())));
    }

    /**
     * The task's cascade first (on its own thread), scoring the request's text; GPT-JT for what it is not
     * sure of. An audited answer is also classified by GPT-JT, only to count agreement: its result is not sent, so it
     * runs in the bulk lane, in the capacity realtime work leaves.
     */
    private CompletableFuture<Outcome> cascaded(
            PendingPrompt pending,
            TaskDefinition task,
            String topic,
            ClassificationRequest classify,
            Lane lane,
            TaskCascade cascade) {
        String text = pending.getRequest().getPrompt();
        return Stages.compose(cascades.score(() -> cascade.answer(classify.id(), text)), answer -> {
            metrics.cascade(task.name(), answer.isPresent());
            if (answer.isEmpty()) {
                return classify(pending, task, topic, classify, lane);
            }
            ClassificationResult a = answer.get();
            if (cascade.audit()) {
                engine.classify(classify, null, Lane.BULK)
                        .thenAccept(r -> metrics.cascadeAudit(task.name(), r.labelIndex() == a.labelIndex()));
            }
            return CompletableFuture.completedFuture(
                    new Outcome(topic, results.classification(pending, task, a, clock.instant(), cascade)));
        });
    }

    /** Where a request's result goes: its reply topic, else its task's result topic, else the completions topic. */
    String topicOf(PromptRequest request) {
        if (request.getReplyTopic() != null) {
            return request.getReplyTopic();
        }
        return request.getTask() == null
                ? completionsTopic
                : tasks.get(request.getTask()).topic();
    }

    /**
     * The key of the answer {@link #submit} would give {@code pending} with the model whose sha256 is
     * {@code modelSha256}; empty when the answer is drawn anew each time (sampling).
     */
    Optional<ResultKey> resultKey(PendingPrompt pending, String modelSha256) {
        PromptRequest request = pending.getRequest();
        TaskDefinition task = request.getTask() == null ? null : tasks.get(request.getTask());
        return ResultKey.of(
                request,
                task,
                params(request, task),
                modelSha256,
                results.policyVersion(task),
                task == null ? null : cascades.of(task.name()).orElse(null));
    }

    /** Waits at most {@code timeout} for room in {@code lane}'s engine queue; true when there is room. */
    boolean awaitCapacity(Duration timeout, Lane lane) {
        return engine.awaitCapacity(timeout, lane);
    }

    /**
     * The request's parameters; for a task, its defaults fill what the request leaves at the schema's
     * defaults ({@code max_new_tokens} 5, no stop sequences).
     */
    static GenerationParams params(PromptRequest request, TaskDefinition task) {
        var p = request.getParams();
        int maxNewTokens = p.getMaxNewTokens();
        List<String> stop = p.getStop();
        if (task != null) {
            if (maxNewTokens == GenerationParams.DEFAULT_MAX_NEW_TOKENS) {
                maxNewTokens = task.maxNewTokens();
            }
            if (stop.isEmpty()) {
                stop = task.stop();
            }
        }
        return new GenerationParams(
                maxNewTokens, p.getTemperature(), p.getTopK(), p.getTopP(), p.getSeed(), stop, false);
    }
}

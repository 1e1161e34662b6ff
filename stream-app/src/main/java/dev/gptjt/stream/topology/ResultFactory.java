package dev.gptjt.stream.topology;

import dev.gptjt.engine.ClassificationResult;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.schema.AnswerPath;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.Decision;
import dev.gptjt.schema.Entity;
import dev.gptjt.schema.Extraction;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.FinishReason;
import dev.gptjt.schema.LabelProbability;
import dev.gptjt.schema.ModelInfo;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.internal.PendingPrompt;
import dev.gptjt.tasks.EntityParser;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.cascade.TaskCascade;
import dev.gptjt.tasks.decision.DecisionPolicy;
import dev.gptjt.tasks.decision.PolicyDecision;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** Builds the Avro result records; knows which model answers and each task's decision policy. */
public final class ResultFactory {
    private final ModelInfo model;
    /** By task name; a task absent has no policy. */
    private final Map<String, DecisionPolicy> policies;

    public ResultFactory(String modelName, String modelSha256, String backend) {
        this(
                ModelInfo.newBuilder()
                        .setName(modelName)
                        .setSha256(modelSha256)
                        .setBackend(backend)
                        .build(),
                Map.of());
    }

    private ResultFactory(ModelInfo model, Map<String, DecisionPolicy> policies) {
        this.model = model;
        this.policies = Map.copyOf(policies);
    }

    /** The same factory deciding each classification of a task in {@code policies} by that task's policy. */
    public ResultFactory withPolicies(Map<String, DecisionPolicy> policies) {
        return new ResultFactory(model, policies);
    }

    /** The version of {@code task}'s decision policy; null for a raw prompt ({@code task} null) or a task without one. */
    String policyVersion(TaskDefinition task) {
        DecisionPolicy policy = task == null ? null : policies.get(task.name());
        return policy == null ? null : policy.version();
    }

    /** The sha256 of the model whose answers these are. */
    String modelSha256() {
        return model.getSha256();
    }

    /**
     * An earlier answer sent again for {@code pending} (an identical request's, from the result cache or shared while
     * both ran): this request's id, attributes and times, no inference of its own, {@code answered_by = CACHE}; the
     * model named is the one that gave the answer. A decision's audit pick is this request's own, made when routed.
     */
    SpecificRecord resent(PendingPrompt pending, SpecificRecord answer, Instant now) {
        PromptRequest request = pending.getRequest();
        long queuedMs = queuedMs(pending, now, 0);
        if (answer instanceof Classification c) {
            Classification.Builder b = Classification.newBuilder(c);
            if (c.getDecision() != null) {
                b.setDecision(
                        Decision.newBuilder(c.getDecision()).setAudited(false).build());
            }
            return b.setId(request.getId())
                    .setRequestCreatedAt(request.getCreatedAt())
                    .setCreatedAt(now)
                    .setQueuedMs(queuedMs)
                    .setInferenceMs(0)
                    .setBatchSize(0)
                    .setAnsweredBy(AnswerPath.CACHE)
                    .setAttributes(request.getAttributes())
                    .build();
        }
        if (answer instanceof Extraction x) {
            return Extraction.newBuilder(x)
                    .setId(request.getId())
                    .setRequestCreatedAt(request.getCreatedAt())
                    .setCreatedAt(now)
                    .setQueuedMs(queuedMs)
                    .setInferenceMs(0)
                    .setBatchSize(0)
                    .setAnsweredBy(AnswerPath.CACHE)
                    .setAttributes(request.getAttributes())
                    .build();
        }
        return Completion.newBuilder((Completion) answer)
                .setId(request.getId())
                .setRequestCreatedAt(request.getCreatedAt())
                .setCreatedAt(now)
                .setQueuedMs(queuedMs)
                .setInferenceMs(0)
                .setBatchSize(0)
                .setAnsweredBy(AnswerPath.CACHE)
                .setAttributes(request.getAttributes())
                .build();
    }

    /** A raw prompt's ({@code task} null) or a generate task's completion. */
    Completion completion(PendingPrompt pending, TaskDefinition task, GenerationResult result, Instant now) {
        PromptRequest request = pending.getRequest();
        long inferenceMs = result.inferenceNanos() / 1_000_000;
        return Completion.newBuilder()
                .setId(request.getId())
                .setTask(request.getTask())
                .setText(result.text())
                .setFinishReason(FinishReason.valueOf(result.finishReason().name()))
                .setPromptTokens(result.promptTokens())
                .setCompletionTokens(result.outputIds().length)
                .setModel(
                        ModelInfo.newBuilder(model).setBackend(result.backend()).build())
                .setRequestCreatedAt(request.getCreatedAt())
                .setCreatedAt(now)
                .setQueuedMs(queuedMs(pending, now, inferenceMs))
                .setInferenceMs(inferenceMs)
                .setBatchSize(result.batchSize())
                .setAnsweredBy(AnswerPath.MODEL)
                .setTemplateSha256(task == null ? null : task.templateSha256())
                .setAttributes(request.getAttributes())
                .build();
    }

    Classification classification(
            PendingPrompt pending, TaskDefinition task, ClassificationResult result, Instant now) {
        return classification(
                pending,
                task,
                result,
                now,
                ModelInfo.newBuilder(model).setBackend(result.backend()).build(),
                AnswerPath.MODEL);
    }

    /** A classification the task's cascade answered: its model, not GPT-JT, is named. */
    Classification classification(
            PendingPrompt pending, TaskDefinition task, ClassificationResult result, Instant now, TaskCascade cascade) {
        return classification(
                pending,
                task,
                result,
                now,
                ModelInfo.newBuilder()
                        .setName(cascade.model().name())
                        .setSha256(cascade.model().sha256())
                        .setBackend(TaskCascade.BACKEND)
                        .build(),
                AnswerPath.CASCADE);
    }

    private Classification classification(
            PendingPrompt pending,
            TaskDefinition task,
            ClassificationResult result,
            Instant now,
            ModelInfo by,
            AnswerPath path) {
        PromptRequest request = pending.getRequest();
        long inferenceMs = result.inferenceNanos() / 1_000_000;
        List<LabelProbability> scores = new ArrayList<>();
        for (int i = 0; i < result.scores().size(); i++) {
            ClassificationResult.LabelScore s = result.scores().get(i);
            scores.add(LabelProbability.newBuilder()
                    .setLabel(task.labels().get(i))
                    .setProbability(s.probability())
                    .setLogProb(s.logProb())
                    .setTokens(s.tokens())
                    .build());
        }
        DecisionPolicy policy = policies.get(task.name());
        return Classification.newBuilder()
                .setId(request.getId())
                .setTask(task.name())
                .setLabel(task.labels().get(result.labelIndex()))
                .setScores(scores)
                .setPolicyVersion(policy == null ? null : policy.version())
                .setDecision(policy == null ? null : decision(policy, task, scores))
                .setPromptTokens(result.promptTokens())
                .setModel(by)
                .setRequestCreatedAt(request.getCreatedAt())
                .setCreatedAt(now)
                .setQueuedMs(queuedMs(pending, now, inferenceMs))
                .setInferenceMs(inferenceMs)
                .setBatchSize(result.batchSize())
                .setAnsweredBy(path)
                .setTemplateSha256(task.templateSha256())
                .setAttributes(request.getAttributes())
                .build();
    }

    Extraction extraction(PendingPrompt pending, TaskDefinition task, GenerationResult result, Instant now) {
        PromptRequest request = pending.getRequest();
        long inferenceMs = result.inferenceNanos() / 1_000_000;
        return Extraction.newBuilder()
                .setId(request.getId())
                .setTask(task.name())
                .setEntities(EntityParser.parse(result.text()).stream()
                        .map(e -> Entity.newBuilder()
                                .setText(e.text())
                                .setType(e.type())
                                .build())
                        .toList())
                .setRaw(result.text())
                .setFinishReason(FinishReason.valueOf(result.finishReason().name()))
                .setPromptTokens(result.promptTokens())
                .setCompletionTokens(result.outputIds().length)
                .setModel(
                        ModelInfo.newBuilder(model).setBackend(result.backend()).build())
                .setRequestCreatedAt(request.getCreatedAt())
                .setCreatedAt(now)
                .setQueuedMs(queuedMs(pending, now, inferenceMs))
                .setInferenceMs(inferenceMs)
                .setBatchSize(result.batchSize())
                .setAnsweredBy(AnswerPath.MODEL)
                .setTemplateSha256(task.templateSha256())
                .setAttributes(request.getAttributes())
                .build();
    }

    /**
     * What the policy does with these scores; not yet in the audit sample: {@link ResultRouting} says, per record id,
     * when it forwards the record.
     */
    private static Decision decision(DecisionPolicy policy, TaskDefinition task, List<LabelProbability> scores) {
        PolicyDecision d = policy.decide(
                task.labels(),
                scores.stream().map(LabelProbability::getProbability).toList());
        return Decision.newBuilder()
                .setAction(d.action())
                .setPolicyVersion(policy.version())
                .setRule(d.rule())
                .setLabel(d.label())
                .setProbability(d.probability())
                .setAutomated(true)
                .setAudited(false)
                .build();
    }

    private static long queuedMs(PendingPrompt pending, Instant now, long inferenceMs) {
        return Math.max(0, now.toEpochMilli() - pending.getReceivedAt().toEpochMilli() - inferenceMs);
    }

    static PromptFailure failure(PendingPrompt pending, Rejection rejection, Instant now) {
        PromptRequest request = pending.getRequest();
        return PromptFailure.newBuilder()
                .setId(request.getId())
                .setReason(rejection.reason())
                .setMessage(rejection.message())
                .setTopic(pending.getTopic())
                .setPartition(pending.getPartition())
                .setOffset(pending.getOffset())
                .setTask(request.getTask())
                .setCreatedAt(now)
                .setAttributes(request.getAttributes())
                .build();
    }

    static PromptFailure unreadable(
            String topic, int partition, long offset, byte[] original, String message, Instant now) {
        return PromptFailure.newBuilder()
                .setId(null)
                .setReason(FailureReason.UNREADABLE)
                .setMessage(message)
                .setTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setOriginal(original == null ? null : ByteBuffer.wrap(original))
                .setCreatedAt(now)
                .setAttributes(Map.of())
                .build();
    }
}

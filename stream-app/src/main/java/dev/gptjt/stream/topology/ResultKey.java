package dev.gptjt.stream.topology;

import dev.gptjt.engine.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.cascade.TaskCascade;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What decides a request's answer exactly, as one SHA-256: the task (or none), the exact input text, the model's
 * sha256, the task definition's hash, the decoding parameters, the decision policy's version and, for a task with a
 * cascade, the cascade model and its threshold. Two requests with one key get the same answer from the model, so
 * the second may be sent the first's; nothing near-equal shares a key.
 *
 * @param hex the key, lowercase hex
 */
record ResultKey(String hex) {
    ResultKey {
        Objects.requireNonNull(hex);
    }

    /**
     * The key of {@code request}, empty when its answer is not a function of these inputs: sampling (temperature
     * above 0 and top-k other than 1) draws another answer each time.
     *
     * @param task          the request's task; null for a raw prompt
     * @param params        the decoding parameters the request runs with (the task's defaults applied)
     * @param modelSha256   the served model's sha256
     * @param policyVersion the task's decision policy version; null when it has none
     * @param cascade       the task's cascade; null when it has none
     */
    static Optional<ResultKey> of(
            PromptRequest request,
            TaskDefinition task,
            GenerationParams params,
            String modelSha256,
            String policyVersion,
            TaskCascade cascade) {
        boolean classify = task != null && task.mode() == TaskDefinition.Mode.CLASSIFY;
        if (!classify && !params.greedy()) {
            return Optional.empty();
        }
        List<String> fields = new ArrayList<>();
        fields.add(task == null ? "" : task.name());
        fields.add(request.getPrompt());
        fields.add(modelSha256);
        fields.add(task == null ? "" : task.templateSha256());
        if (!classify) { // a classification reads no decoding parameter
            fields.add(Integer.toString(params.maxNewTokens()));
            fields.add(Integer.toString(params.stop().size()));
            fields.addAll(params.stop());
            fields.add(Boolean.toString(params.ignoreEos()));
        }
        fields.add(Objects.requireNonNullElse(policyVersion, ""));
        fields.add(
                cascade == null
                        ? ""
                        : cascade.model().sha256() + "@" + cascade.settings().minProbability());
        return Optional.of(new ResultKey(sha256(fields)));
    }

    private static String sha256(List<String> fields) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String field : fields) {
                byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
                // length-prefixed, so no two field lists hash the same bytes
                digest.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
                digest.update(bytes);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}

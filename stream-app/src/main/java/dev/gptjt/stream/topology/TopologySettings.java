package dev.gptjt.stream.topology;

import dev.gptjt.engine.Lane;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.decision.DecisionPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the prompt topology needs to know, independent of Quarkus.
 *
 * @param promptsTopic       where PromptRequest records arrive
 * @param completionsTopic   default destination of Completion records
 * @param failuresTopic      destination of PromptFailure (dead-letter) records
 * @param allowedReplyTopics topics a request's {@code reply_topic} may name; others are refused
 * @param flushInterval      wall-clock period of the punctuator that forwards finished results
 * @param persistentStore    RocksDB pending store (true) or in-memory (false); both are changelogged
 * @param reconcileInterval  wall-clock period of the scan that resubmits stored prompts nothing tracks
 * @param tasks              the configured tasks by name
 * @param maxBlock           longest the stream thread waits for room in a full realtime lane (a bulk record never
 *                           waits)
 * @param bulkPromptsTopic   where backfills' PromptRequest records arrive; they run in the bulk lane
 * @param taskLanes          the lane of each task's prompts that ask for none (tasks absent here: realtime)
 * @param policies           each classify task's decision policy by task name (tasks absent here decide nothing)
 * @param auditTopic         where the decisions in a policy's audit sample are also written
 * @param cache              the result cache (repeated requests answered once)
 */
public record TopologySettings(
        String promptsTopic,
        String completionsTopic,
        String failuresTopic,
        Set<String> allowedReplyTopics,
        Duration flushInterval,
        boolean persistentStore,
        Duration reconcileInterval,
        Map<String, TaskDefinition> tasks,
        Duration maxBlock,
        String bulkPromptsTopic,
        Map<String, Lane> taskLanes,
        Map<String, DecisionPolicy> policies,
        String auditTopic,
        CacheSettings cache) {

    public TopologySettings {
        Objects.requireNonNull(promptsTopic);
        Objects.requireNonNull(completionsTopic);
        Objects.requireNonNull(failuresTopic);
        allowedReplyTopics = Set.copyOf(allowedReplyTopics);
        Objects.requireNonNull(flushInterval);
        Objects.requireNonNull(reconcileInterval);
        tasks = Map.copyOf(tasks);
        Objects.requireNonNull(maxBlock);
        Objects.requireNonNull(bulkPromptsTopic);
        taskLanes = Map.copyOf(taskLanes);
        Objects.requireNonNull(cache);
        policies = Map.copyOf(policies);
        Objects.requireNonNull(auditTopic);
    }

    /** Settings without decision policies. */
    public TopologySettings(
            String promptsTopic,
            String completionsTopic,
            String failuresTopic,
            Set<String> allowedReplyTopics,
            Duration flushInterval,
            boolean persistentStore,
            Duration reconcileInterval,
            Map<String, TaskDefinition> tasks,
            Duration maxBlock,
            String bulkPromptsTopic,
            Map<String, Lane> taskLanes) {
        this(
                promptsTopic,
                completionsTopic,
                failuresTopic,
                allowedReplyTopics,
                flushInterval,
                persistentStore,
                reconcileInterval,
                tasks,
                maxBlock,
                bulkPromptsTopic,
                taskLanes,
                Map.of(),
                DefaultTopics.AUDIT,
                CacheSettings.defaults());
    }

    public static TopologySettings defaults() {
        return new TopologySettings(
                DefaultTopics.PROMPTS,
                DefaultTopics.COMPLETIONS,
                DefaultTopics.FAILURES,
                Set.of(),
                Duration.ofMillis(20),
                true,
                Duration.ofSeconds(10),
                Map.of(),
                Duration.ofSeconds(2),
                DefaultTopics.BULK_PROMPTS,
                Map.of(),
                Map.of(),
                DefaultTopics.AUDIT,
                CacheSettings.defaults());
    }

    public TopologySettings withTasks(Map<String, TaskDefinition> tasks) {
        Copy c = new Copy(this);
        c.tasks = tasks;
        return c.build();
    }

    public TopologySettings withAllowedReplyTopics(Set<String> topics) {
        Copy c = new Copy(this);
        c.allowedReplyTopics = topics;
        return c.build();
    }

    /** The same settings with {@code lanes} for the tasks' prompts that ask for no lane. */
    public TopologySettings withTaskLanes(Map<String, Lane> lanes) {
        Copy c = new Copy(this);
        c.taskLanes = lanes;
        return c.build();
    }

    /** The same settings waiting at most {@code maxBlock} for room in a full realtime lane. */
    public TopologySettings withMaxBlock(Duration maxBlock) {
        Copy c = new Copy(this);
        c.maxBlock = maxBlock;
        return c.build();
    }

    /** The same settings deciding the tasks' classifications by {@code policies}, auditing to {@code auditTopic}. */
    public TopologySettings withPolicies(Map<String, DecisionPolicy> policies, String auditTopic) {
        Copy c = new Copy(this);
        c.policies = policies;
        c.auditTopic = auditTopic;
        return c.build();
    }

    /** The same settings with {@code cache} as the result cache. */
    public TopologySettings withCache(CacheSettings cache) {
        Copy c = new Copy(this);
        c.cache = cache;
        return c.build();
    }

    /** These settings' components, for a {@code with…} method to change some and build the rest as they were. */
    private static final class Copy {
        private final String promptsTopic;
        private final String completionsTopic;
        private final String failuresTopic;
        private Set<String> allowedReplyTopics;
        private final Duration flushInterval;
        private final boolean persistentStore;
        private final Duration reconcileInterval;
        private Map<String, TaskDefinition> tasks;
        private Duration maxBlock;
        private final String bulkPromptsTopic;
        private Map<String, Lane> taskLanes;
        private Map<String, DecisionPolicy> policies;
        private String auditTopic;
        private CacheSettings cache;

        Copy(TopologySettings s) {
            promptsTopic = s.promptsTopic;
            completionsTopic = s.completionsTopic;
            failuresTopic = s.failuresTopic;
            allowedReplyTopics = s.allowedReplyTopics;
            flushInterval = s.flushInterval;
            persistentStore = s.persistentStore;
            reconcileInterval = s.reconcileInterval;
            tasks = s.tasks;
            maxBlock = s.maxBlock;
            bulkPromptsTopic = s.bulkPromptsTopic;
            taskLanes = s.taskLanes;
            policies = s.policies;
            auditTopic = s.auditTopic;
            cache = s.cache;
        }

        TopologySettings build() {
            return new TopologySettings(
                    promptsTopic,
                    completionsTopic,
                    failuresTopic,
                    allowedReplyTopics,
                    flushInterval,
                    persistentStore,
                    reconcileInterval,
                    tasks,
                    maxBlock,
                    bulkPromptsTopic,
                    taskLanes,
                    policies,
                    auditTopic,
                    cache);
        }
    }
}

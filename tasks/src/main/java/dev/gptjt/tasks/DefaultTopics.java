package dev.gptjt.tasks;

/**
 * The topic names of a deployment that sets none, defined once for the service, the launcher and the
 * benches (the service's {@code gptjt.topics.*} and {@code gptjt.tasks.NAME.topic} override them).
 */
public final class DefaultTopics {
    /** Where PromptRequest records are read. */
    public static final String PROMPTS = "gptjt.prompts";
    /** Where backfills' PromptRequest records arrive: read too, each run in the engine's bulk lane. */
    public static final String BULK_PROMPTS = "gptjt.bulk-prompts";
    /** Where Completion records go when a request names no reply topic. */
    public static final String COMPLETIONS = "gptjt.completions";
    /** Where PromptFailure dead letters go. */
    public static final String FAILURES = "gptjt.failures";
    /** Where the audit sample of decisions is copied (gptjt.tasks.NAME.decisions.audit-fraction). */
    public static final String AUDIT = "gptjt.audit";
    /** Where reviewers write ReviewVerdict records back; 'gptjt distill --from-topic' reads them. */
    public static final String VERDICTS = "gptjt.verdicts";
    /** Before a task's name and an action, the topic of that action's decisions. */
    public static final String DECISIONS_PREFIX = "gptjt.decisions.";
    /** Before a task's name, its result topic. */
    public static final String RESULTS_PREFIX = "gptjt.results.";

    private DefaultTopics() {}

    /** A task's result topic when it sets none. */
    public static String results(String task) {
        return RESULTS_PREFIX + task;
    }

    /** The topic of a task's decisions with {@code action} when the policy names none. */
    public static String decisions(String task, String action) {
        return DECISIONS_PREFIX + task + "." + action;
    }
}

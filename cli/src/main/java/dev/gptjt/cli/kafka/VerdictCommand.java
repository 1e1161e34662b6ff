package dev.gptjt.cli.kafka;

import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.cli.task.TaskChoice;
import dev.gptjt.schema.ReviewVerdict;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tasks.TaskDefinition;
import java.time.Instant;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt verdict}: one reviewer's verdict on a classified request, written back as a ReviewVerdict record
 * ({@link ReviewVerdicts}) for {@code gptjt distill --from-topic} to train on over GPT-JT's label. For review tools
 * that shell out, and for trying the review loop by hand.
 */
@OptionDefaults("--topic=" + DefaultTopics.VERDICTS)
@Command(
        name = "verdict",
        mixinStandardHelpOptions = true,
        description = {
            "A reviewer's label for a classified request, as a ReviewVerdict record.",
            "The label must be one of the task's; decided_at is now. 'gptjt distill",
            "--from-topic' takes it over GPT-JT's label for that id (of two verdicts on one",
            "id, the later decided_at). Creates the topic, with the broker's defaults, when",
            "it does not exist."
        })
public final class VerdictCommand extends IoCommand {
    @Mixin
    TaskChoice task;

    @Option(
            names = "--id",
            required = true,
            paramLabel = "ID",
            description = "The request's id (its Classification's id, as on the review topic).")
    String id;

    @Option(
            names = "--label",
            required = true,
            paramLabel = "LABEL",
            description = "The label the reviewer chose: one of the task's labels.")
    String label;

    @Option(
            names = "--reviewer",
            required = true,
            paramLabel = "WHO",
            description = "Who decided: a person's or a team's id.")
    String reviewer;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    KafkaOptions.Topic topicOption;

    @Override
    public Integer call() {
        if (id.isBlank()) {
            throw usage("--id: the request's id, not blank");
        }
        if (reviewer.isBlank()) {
            throw usage("--reviewer: who decided, not blank");
        }
        TaskDefinition definition = task.definition();
        if (definition.mode() != TaskDefinition.Mode.CLASSIFY) {
            throw usage("--task: " + definition.name() + " does not classify (its mode is "
                    + definition.mode().name().toLowerCase(Locale.ROOT) + "); verdicts label classify tasks");
        }
        ReviewVerdict verdict;
        try {
            verdict = ReviewVerdicts.of(definition, id, label, reviewer, Instant.now());
        } catch (IllegalArgumentException e) {
            throw usage("--label: " + e.getMessage());
        }
        String topic = topicOption.name();
        boolean created;
        try (WireFormat wire = KafkaClients.wire(kafka.wire(), kafka.registryUrl())) {
            created = ReviewVerdicts.write(kafka.bootstrap(), wire, topic, verdict);
        }
        if (created) {
            out.println("created topic " + topic + " (the broker's default partitions and replication)");
        }
        out.println("verdict on " + id + ": " + label + " by " + reviewer + ", written to " + topic);
        return 0;
    }
}

package dev.gptjt.cli.kafka;

import dev.gptjt.cli.CliException;
import dev.gptjt.schema.ReviewVerdict;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.tasks.TaskDefinition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * ReviewVerdict records as a reviewer's tool writes them back: checked against the task's labels before anything
 * is sent, keyed by the request's id (so that every verdict on one id lands on one partition, in order) and
 * acknowledged by the broker before the call returns.
 */
public final class ReviewVerdicts {
    private ReviewVerdicts() {}

    /**
     * A verdict on {@code id} of {@code task}, decided at {@code decidedAt}.
     *
     * @throws IllegalArgumentException when {@code label} is not one of the task's labels (a task that does not
     *     classify has none)
     */
    public static ReviewVerdict of(TaskDefinition task, String id, String label, String reviewer, Instant decidedAt) {
        if (!task.labels().contains(label)) {
            throw new IllegalArgumentException(
                    "'" + label + "' is not one of task " + task.name() + "'s labels " + task.labels());
        }
        return ReviewVerdict.newBuilder()
                .setId(id)
                .setTask(task.name())
                .setLabel(label)
                .setReviewer(reviewer)
                .setDecidedAt(decidedAt)
                .build();
    }

    /**
     * Writes {@code verdict} to {@code topic}, creating the topic with the broker's defaults first when it does
     * not exist (a first verdict on a new deployment).
     *
     * @return true when the topic was created here
     * @throws CliException when the broker is unreachable or does not take the record
     */
    public static boolean write(String bootstrap, WireFormat wire, String topic, ReviewVerdict verdict) {
        KafkaClients.requireReachable(bootstrap);
        boolean created = createIfMissing(bootstrap, topic);
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap)) {
            producer.send(new ProducerRecord<>(
                            topic, verdict.getId().getBytes(StandardCharsets.UTF_8), wire.encode(topic, verdict)))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while writing the verdict to " + topic);
        } catch (Exception e) {
            throw new CliException("the verdict was not written to " + topic + ": " + e.getMessage(), e);
        }
        return created;
    }

    private static boolean createIfMissing(String bootstrap, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                return false;
            }
            admin.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false; // another tool created it meanwhile
            }
            throw new CliException(
                    "cannot create topic " + topic + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while creating topic " + topic);
        } catch (TimeoutException e) {
            throw new CliException("topic " + topic + " not listed or created within 30 s");
        }
    }
}

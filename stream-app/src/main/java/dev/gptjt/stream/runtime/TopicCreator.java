package dev.gptjt.stream.runtime;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/** Creates the service's topics that do not exist yet; existing topics are left as they are. */
final class TopicCreator {
    private static final Logger LOG = Logger.getLogger(TopicCreator.class);

    private TopicCreator() {}

    /**
     * @param clientSettings the service's {@code kafka-streams.*} settings (security among them), of
     *     which those an admin client knows are used: a SASL/SSL cluster is reached the same way
     */
    /** The admin client's settings: the known client settings of the service, then bootstrap and a timeout. */
    static Map<String, Object> adminSettings(String bootstrap, Map<String, String> clientSettings) {
        Map<String, Object> settings = new HashMap<>();
        clientSettings.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                settings.put(k, v);
            }
        });
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        settings.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        return settings;
    }

    static void ensure(
            String bootstrap,
            Map<String, String> clientSettings,
            Set<String> topics,
            int partitions,
            short replicationFactor) {
        try (Admin admin = Admin.create(adminSettings(bootstrap, clientSettings))) {
            Set<String> missing = new HashSet<>(topics);
            missing.removeAll(admin.listTopics().names().get(60, TimeUnit.SECONDS));
            if (missing.isEmpty()) {
                return;
            }
            LOG.infof("creating topics %s with %d partitions", missing, partitions);
            for (String topic : missing) {
                try {
                    admin.createTopics(Set.of(new NewTopic(topic, partitions, replicationFactor)))
                            .all()
                            .get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "cannot reach Kafka at " + bootstrap + " to create topics " + topics + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }
}

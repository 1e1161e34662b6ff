package dev.gptjt.stream.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.stream.config.GptjtConfig;
import dev.gptjt.stream.config.Tasks;
import dev.gptjt.stream.config.TestConfig;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicCreatorTest {

    @Test
    void shouldReachTheClusterWithTheServicesSecuritySettings() {
        Map<String, Object> admin = TopicCreator.adminSettings(
                "broker:9093",
                Map.of(
                        "security.protocol", "SASL_SSL",
                        "sasl.mechanism", "SCRAM-SHA-512",
                        "sasl.jaas.config",
                                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
                        "ssl.truststore.location", "/etc/kafka/truststore.jks",
                        "processing.guarantee", "exactly_once_v2"));
        assertEquals("SASL_SSL", admin.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", admin.get("sasl.mechanism"));
        assertEquals("/etc/kafka/truststore.jks", admin.get("ssl.truststore.location"));
        assertEquals("broker:9093", admin.get("bootstrap.servers"));
        assertFalse(
                admin.containsKey("processing.guarantee"), "Streams-only settings are not passed to the admin client");
    }

    @Test
    void shouldCreateEveryActionTopicTheAuditAndTheVerdictsTopics() {
        GptjtConfig config = TestConfig.load(Map.of("gptjt.tasks.tweet-hate.decisions.topics.review", "people.review"));
        Set<String> topics = TopologyProducer.topicsToCreate(
                config.topics(), Tasks.fromConfig(config), Tasks.policiesFromConfig(config));
        assertTrue(
                topics.containsAll(Set.of(
                        "gptjt.prompts",
                        "gptjt.bulk-prompts",
                        "gptjt.completions",
                        "gptjt.failures",
                        "gptjt.results.tweet-hate",
                        "gptjt.decisions.tweet-hate.remove",
                        "people.review",
                        "gptjt.decisions.tweet-hate.allow",
                        "gptjt.audit",
                        "gptjt.verdicts")),
                topics.toString());
        assertFalse(topics.contains("gptjt.decisions.tweet-hate.review"), "overridden");
    }
}

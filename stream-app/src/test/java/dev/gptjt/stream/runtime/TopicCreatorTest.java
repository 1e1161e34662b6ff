package dev.gptjt.stream.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
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
}

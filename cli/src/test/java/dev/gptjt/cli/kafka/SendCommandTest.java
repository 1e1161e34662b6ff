package dev.gptjt.cli.kafka;

import static dev.gptjt.cli.CliRun.gptjt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cli.CliRun;
import dev.gptjt.cluster.KafkaBroker;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gptjt send} over a real broker: what it counts as sent is what the broker took. */
class SendCommandTest {
    private static KafkaBroker broker;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(tmp.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() throws InterruptedException {
        broker.close();
    }

    @Test
    void shouldSayWhichPromptsTheBrokerRefusedAndNotCountThemAsSent() throws Exception {
        String topic = "small-records";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                            .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1000"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        // larger than the producer's batch.size, so it travels alone: a batch of several records the broker
        // finds too large is split and resent, and the client's split of one that still does not fit loops
        String lines = "{\"id\": \"short\", \"prompt\": \"Input: hi\\nOutput:\"}\n"
                + "{\"id\": \"long\", \"prompt\": \"" + "x".repeat(20_000) + "\"}\n";

        CliRun send = gptjt(lines, "send", "--bootstrap", broker.bootstrap(), "--topic", topic);

        assertEquals(1, send.code(), send.out() + send.err());
        assertTrue(send.out().contains("sent 1 prompts to " + topic), send.out());
        assertTrue(
                send.err().contains("gptjt send: 1 prompts not delivered to " + topic + ": RecordTooLargeException"),
                send.err());
    }
}

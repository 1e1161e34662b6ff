package dev.gptjt.testing;

import dev.gptjt.cluster.KafkaBroker;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of the delivery tests: one real KRaft broker (its own JVM) per test class. */
public abstract class BrokerIT {
    protected static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        Files.createDirectories(TestServices.WORK);
        broker = KafkaBroker.start(Files.createTempDirectory(TestServices.WORK, "broker-"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }
}

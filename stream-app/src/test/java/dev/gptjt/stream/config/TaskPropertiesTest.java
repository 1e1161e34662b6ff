package dev.gptjt.stream.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptjt.tasks.TaskProperties;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tools that read the task keys without Quarkus (eval) see exactly the service's tasks. */
class TaskPropertiesTest {

    @Test
    void shouldReadTheSameTasksAsTheService() throws Exception {
        Path file = Path.of(
                TaskPropertiesTest.class.getResource("/application.properties").toURI());
        assertEquals(Tasks.fromConfig(TestConfig.load(Map.of())), TaskProperties.load(file));
    }
}

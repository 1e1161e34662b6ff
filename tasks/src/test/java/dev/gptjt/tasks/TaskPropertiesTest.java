package dev.gptjt.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher reads tasks as the service does: typed, with profiles and overrides. */
class TaskPropertiesTest {

    @Test
    void shouldReadTasksWithTheirDefaultsProfilesAndOverrides(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("application.properties"), """
                gptjt.model.dir=elsewhere
                gptjt.tasks.spam.mode=classify
                gptjt.tasks.spam.labels=spam,not\\\\, really
                gptjt.tasks.spam.template=Is this spam?\\n{input}\\nAnswer:
                gptjt.tasks.echo.template=Say: {input}
                %short.gptjt.tasks.echo.max-new-tokens=4
                """);
        Map<String, TaskDefinition> tasks = TaskProperties.load(file);
        assertEquals(List.of("spam", "not, really"), tasks.get("spam").labels());
        assertEquals("Is this spam?\n", tasks.get("spam").prefix());
        assertEquals(TaskDefinition.Mode.GENERATE, tasks.get("echo").mode());
        assertEquals(16, tasks.get("echo").maxNewTokens());
        assertEquals("gptjt.results.echo", tasks.get("echo").topic());
        System.setProperty("quarkus.profile", "short");
        System.setProperty("gptjt.tasks.echo.topic", "echoes");
        try {
            TaskDefinition echo = TaskProperties.load(file).get("echo");
            assertEquals(4, echo.maxNewTokens(), "the profile's value");
            assertEquals("echoes", echo.topic(), "a system property over the file");
        } finally {
            System.clearProperty("quarkus.profile");
            System.clearProperty("gptjt.tasks.echo.topic");
        }
    }

    @Test
    void shouldNameTheFileAndTheTaskOfABadValue(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.properties"), "gptjt.tasks.x.template=no placeholder\n");
        EngineException e = assertThrows(EngineException.class, () -> TaskProperties.load(file));
        assertTrue(
                e.getMessage().contains("bad.properties") && e.getMessage().contains("gptjt.tasks.x"), e.getMessage());
        Path mode = Files.writeString(
                dir.resolve("mode.properties"), "gptjt.tasks.y.template={input}\ngptjt.tasks.y.mode=chat\n");
        EngineException m = assertThrows(EngineException.class, () -> TaskProperties.load(mode));
        assertTrue(
                m.getMessage().contains("gptjt.tasks.y.mode") && m.getMessage().contains("classify"), m.getMessage());
    }
}

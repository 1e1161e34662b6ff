package dev.gptjt.architecture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.gptjt.cli.violation.CliImportsEngineInternal;
import dev.gptjt.cli.violation.CliImportsStream;
import dev.gptjt.cluster.violation.ClusterImportsTools;
import dev.gptjt.engine.LeakyRootType;
import dev.gptjt.engine.UnusedRootType;
import dev.gptjt.engine.allowed.EngineUsesOnnxProtos;
import dev.gptjt.engine.graph.violation.GraphImportsOnnxRuntime;
import dev.gptjt.engine.graph.violation.GraphImportsRuntime;
import dev.gptjt.engine.violation.EngineImportsKafka;
import dev.gptjt.engine.violation.EngineImportsPicocli;
import dev.gptjt.engine.violation.EngineImportsTribuo;
import dev.gptjt.schema.violation.SchemaImportsEngine;
import dev.gptjt.stream.violation.StreamImportsCli;
import dev.gptjt.stream.violation.StreamImportsCommands;
import dev.gptjt.stream.violation.StreamImportsTools;
import dev.gptjt.tasks.violation.TasksImportsKafka;
import dev.gptjt.tools.violation.ToolsImportsCli;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each rule of {@link Layering} fails on a fixture that breaks it (this module's test classes, which
 * {@link LayeringTest} does not import): a rule that cannot fail would pass whatever the code does.
 */
class DeliberateViolationsTest {

    @Test
    void shouldFailTheEngineRuleOnKafka() {
        assertViolates(Layering.ENGINE_USES_NO_FRAMEWORK, EngineImportsKafka.class, "ProducerRecord");
    }

    @Test
    void shouldFailTheEngineRuleOnPicocli() {
        assertViolates(Layering.ENGINE_USES_NO_FRAMEWORK, EngineImportsPicocli.class, "picocli.CommandLine");
    }

    @Test
    void shouldFailTheEngineRuleOnTribuo() {
        assertViolates(Layering.ENGINE_USES_NO_FRAMEWORK, EngineImportsTribuo.class, "org.tribuo.classification.Label");
    }

    @Test
    void shouldAllowTheEngineTheOnnxProtobufsThatShipInATribuoJar() {
        EvaluationResult result = Layering.ENGINE_USES_NO_FRAMEWORK.evaluate(
                new ClassFileImporter().importClasses(EngineUsesOnnxProtos.class));
        assertFalse(
                result.hasViolation(),
                () -> String.join("\n", result.getFailureReport().getDetails()));
    }

    @Test
    void shouldFailTheInternalsRuleOnACommandUsingBackendFactory() {
        assertViolates(
                Layering.ENGINE_INTERNALS_STAY_IN_ENGINE, CliImportsEngineInternal.class, "internal.BackendFactory");
    }

    @Test
    void shouldFailTheGraphRuleOnAnEngineInternal() {
        assertViolates(
                Layering.GRAPH_SURGERY_IS_BYTES_IN_BYTES_OUT, GraphImportsRuntime.class, "internal.ort.DecoderSession");
    }

    @Test
    void shouldFailTheGraphRuleOnOnnxRuntime() {
        assertViolates(Layering.GRAPH_SURGERY_IS_BYTES_IN_BYTES_OUT, GraphImportsOnnxRuntime.class, "ai.onnxruntime");
    }

    @Test
    void shouldFailTheSchemaRuleOnTheEngine() {
        assertViolates(Layering.SCHEMAS_USE_NO_OTHER_MODULE, SchemaImportsEngine.class, "engine.GenerationParams");
    }

    @Test
    void shouldFailTheServiceRuleOnTheLauncher() {
        assertViolates(Layering.SERVICE_USES_NO_LAUNCHER, StreamImportsCli.class, "cluster.KafkaBroker");
    }

    @Test
    void shouldFailTheServiceRuleOnTheLaunchersCommands() {
        assertViolates(Layering.SERVICE_USES_NO_LAUNCHER, StreamImportsCommands.class, "cli.CliException");
    }

    @Test
    void shouldFailTheServiceRuleOnTheLaunchersTools() {
        assertViolates(Layering.SERVICE_USES_NO_LAUNCHER, StreamImportsTools.class, "tools.task.TaskRunner");
    }

    @Test
    void shouldFailTheLauncherRuleOnTheService() {
        assertViolates(Layering.LAUNCHER_USES_NO_SERVICE, CliImportsStream.class, "stream.topology.Outbound");
    }

    @Test
    void shouldFailTheToolsRuleOnACommandsException() {
        assertViolates(Layering.TOOLS_ARE_BELOW_THE_COMMANDS, ToolsImportsCli.class, "cli.CliException");
    }

    @Test
    void shouldFailTheClusterRuleOnTheTools() {
        assertViolates(Layering.CLUSTER_RUNS_PROCESSES_ONLY, ClusterImportsTools.class, "tools.ToolException");
    }

    @Test
    void shouldFailTheTasksRuleOnKafka() {
        assertViolates(Layering.TASKS_USE_NO_TRANSPORT_OR_FRONT_END, TasksImportsKafka.class, "ProducerRecord");
    }

    @Test
    void shouldFailTheApiRuleOnARootTypeNoCallerUses() {
        assertViolates(Layering.ENGINE_API_IS_WHAT_CALLERS_USE, UnusedRootType.class, "no caller outside");
    }

    @Test
    void shouldFailTheApiSignatureRuleOnAPublicMethodReturningAnInternalType() {
        assertViolates(Layering.ENGINE_API_EXPOSES_NO_INTERNALS, LeakyRootType.class, "BackendFactory");
        EvaluationResult result = Layering.ENGINE_API_EXPOSES_NO_INTERNALS.evaluate(
                new ClassFileImporter().importClasses(LeakyRootType.class));
        assertTrue(
                result.getFailureReport().getDetails().stream().anyMatch(d -> d.contains("LeakyRootType.all()")),
                "a type argument counts: " + result.getFailureReport().getDetails());
    }

    private static void assertViolates(ArchRule rule, Class<?> fixture, String target) {
        EvaluationResult result = rule.evaluate(new ClassFileImporter().importClasses(fixture));
        assertTrue(result.hasViolation(), () -> rule.getDescription() + " passed on " + fixture.getName());
        List<String> details = result.getFailureReport().getDetails();
        String first = details.get(0);
        System.out.println("deliberate violation detected: " + first);
        assertTrue(first.contains(fixture.getName()) && first.contains(target), first);
    }
}

package dev.gptjt.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The layering rules of {@link Layering}, checked on the production classes of every module. */
class LayeringTest {

    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = Layering.productionClasses();
    }

    @Test
    void shouldKeepTheEngineFreeOfKafkaAvroQuarkusPicocliTribuoAndOtherModules() {
        Layering.ENGINE_USES_NO_FRAMEWORK.check(production);
    }

    @Test
    void shouldKeepEngineInternalsInsideTheEngine() {
        Layering.ENGINE_INTERNALS_STAY_IN_ENGINE.check(production);
    }

    @Test
    void shouldKeepGraphSurgeryOffTheRuntime() {
        Layering.GRAPH_SURGERY_IS_BYTES_IN_BYTES_OUT.check(production);
    }

    @Test
    void shouldKeepSchemasIndependentOfOtherModules() {
        Layering.SCHEMAS_USE_NO_OTHER_MODULE.check(production);
    }

    @Test
    void shouldKeepTheServiceOffTheLauncher() {
        Layering.SERVICE_USES_NO_LAUNCHER.check(production);
    }

    @Test
    void shouldKeepTheLauncherOffTheService() {
        Layering.LAUNCHER_USES_NO_SERVICE.check(production);
    }

    @Test
    void shouldKeepTheToolsBelowTheCommands() {
        Layering.TOOLS_ARE_BELOW_THE_COMMANDS.check(production);
    }

    @Test
    void shouldKeepTheLocalClusterToProcesses() {
        Layering.CLUSTER_RUNS_PROCESSES_ONLY.check(production);
    }

    @Test
    void shouldKeepTasksFreeOfKafkaAvroQuarkusPicocliAndFrontEnds() {
        Layering.TASKS_USE_NO_TRANSPORT_OR_FRONT_END.check(production);
    }

    @Test
    void shouldKeepOnlyWhatCallersUseInTheEnginesRootPackage() {
        Layering.ENGINE_API_IS_WHAT_CALLERS_USE.check(production);
    }

    @Test
    void shouldNameNoEngineInternalInThePublicApi() {
        Layering.ENGINE_API_EXPOSES_NO_INTERNALS.check(production);
    }

    @Test
    void shouldCheckEveryRuleOfLayeringHere() {
        // a rule added to Layering.ALL without a test method above would never meet the production classes
        for (var rule : Layering.ALL) {
            rule.check(production);
        }
    }

    @Test
    void shouldCheckAtLeastOneClassWithEveryRule() {
        // ArchUnit's default: a rule whose that() matches no class fails instead of passing vacuously
        assertEquals("true", ArchConfiguration.get().getPropertyOrDefault("archRule.failOnEmptyShould", "true"));
        JavaClasses none = new ClassFileImporter().importClasses(List.of());
        for (ArchRule rule : Layering.ALL) {
            AssertionError empty = assertThrows(AssertionError.class, () -> rule.evaluate(none), rule::getDescription);
            assertTrue(empty.getMessage().contains("failed to check any classes"), empty::getMessage);
        }
        // and every rule's subjects are there to check (the rules above would fail on none, this says which)
        for (String pkg : List.of(
                Layering.ENGINE,
                Layering.ENGINE_INTERNAL,
                Layering.ENGINE_GRAPH,
                Layering.SCHEMA,
                Layering.STREAM,
                Layering.CLI,
                Layering.TASKS)) {
            assertFalse(production.that(resideInAPackage(pkg)).isEmpty(), "no production class in " + pkg);
        }
        assertFalse(
                production.that(resideOutsideOfPackage(Layering.ENGINE)).isEmpty(),
                "no production class outside " + Layering.ENGINE);
    }

    @Test
    void shouldNotSeeTheViolationFixtures() {
        assertTrue(production.that(resideInAPackage("..violation..")).isEmpty());
    }
}

package dev.gptjt.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.PackageMatcher;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The layering of the modules, as ArchUnit rules: {@link LayeringTest} checks them on the production classes,
 * {@link DeliberateViolationsTest} shows each one failing on a fixture that breaks it.
 */
public final class Layering {

    static final String ENGINE = "dev.gptjt.engine..";
    static final String ENGINE_INTERNAL = "dev.gptjt.engine.internal..";
    static final String ENGINE_GRAPH = "dev.gptjt.engine.graph..";
    static final String TASKS = "dev.gptjt.tasks..";
    static final String SCHEMA = "dev.gptjt.schema..";
    static final String CLI = "dev.gptjt.cli..";
    static final String TOOLS = "dev.gptjt.tools..";
    static final String CLUSTER = "dev.gptjt.cluster..";
    static final String STREAM = "dev.gptjt.stream..";

    static final String KAFKA = "org.apache.kafka..";
    static final String AVRO = "org.apache.avro..";
    static final String QUARKUS = "io.quarkus..";
    static final String SMALLRYE = "io.smallrye..";
    static final String PICOCLI = "picocli..";
    /**
     * Tribuo's own packages only: the ONNX protobufs the engine rewrites graphs with ({@code ai.onnx.proto}) ship in a
     * Tribuo jar but are not Tribuo, and stay allowed.
     */
    static final String TRIBUO = "org.tribuo..";

    static final String ONNX_RUNTIME = "ai.onnxruntime..";

    /** Rule 1: the engine is a library any JVM program can embed. */
    public static final ArchRule ENGINE_USES_NO_FRAMEWORK = noClasses()
            .that()
            .resideInAPackage(ENGINE)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    KAFKA,
                    AVRO,
                    QUARKUS,
                    SMALLRYE,
                    PICOCLI,
                    TRIBUO,
                    "io.apicurio..",
                    "jakarta.enterprise..",
                    "jakarta.inject..",
                    "org.eclipse.microprofile..",
                    TASKS,
                    SCHEMA,
                    CLI,
                    TOOLS,
                    CLUSTER,
                    STREAM)
            .because("the engine knows prompts, token ids and label sequences only: Kafka, Avro, Quarkus, SmallRye,"
                    + " picocli and Tribuo belong to the modules that use it, and it depends on none of them");

    /** Rule 2: callers use the engine's API packages, never its internals. */
    public static final ArchRule ENGINE_INTERNALS_STAY_IN_ENGINE = noClasses()
            .that()
            .resideOutsideOfPackage(ENGINE)
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ENGINE_INTERNAL)
            .because("callers use dev.gptjt.engine and its model, tokenizer and graph packages; the backends,"
                    + " scheduler and sampling behind them may change without touching any caller");

    /** Rule 3: graph surgery reads and writes ONNX bytes; the runtime imports it, never the reverse. */
    public static final ArchRule GRAPH_SURGERY_IS_BYTES_IN_BYTES_OUT = noClasses()
            .that()
            .resideInAPackage(ENGINE_GRAPH)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(ENGINE_INTERNAL, ONNX_RUNTIME)
            .because("graph surgery is bytes in, bytes out: the runtime (engine.internal, ONNX Runtime) imports the"
                    + " graph contracts, never the reverse, so converting a model needs no session");

    /** Rule 4: the schemas are the wire contract, below every other module. */
    public static final ArchRule SCHEMAS_USE_NO_OTHER_MODULE = noClasses()
            .that()
            .resideInAPackage(SCHEMA)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(ENGINE, TASKS, CLI, TOOLS, CLUSTER, STREAM)
            .because("the Avro records and wire formats are the contract between the service and its clients, and"
                    + " a client must be able to use them without the engine, the tasks or either front end");

    /** Rule 5a: the service uses none of the launcher's modules: its commands, its tools, the local cluster. */
    public static final ArchRule SERVICE_USES_NO_LAUNCHER = noClasses()
            .that()
            .resideInAPackage(STREAM)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CLI, TOOLS, CLUSTER)
            .because("the service and the launcher are two front ends over the same engine and tasks; what they"
                    + " share belongs in those modules, and the service's image carries neither the commands, the"
                    + " benchmarks and model makers, nor the local cluster");

    /** Rule 5b: the launcher does not use the service. */
    public static final ArchRule LAUNCHER_USES_NO_SERVICE = noClasses()
            .that()
            .resideInAPackage(CLI)
            .should()
            .dependOnClassesThat()
            .resideInAPackage(STREAM)
            .because("the launcher runs the packaged service as a process, never its classes; what both need"
                    + " belongs in the engine, the tasks or the schemas");

    /** Rule 6: tasks run with or without Kafka, in the service and in the launcher. */
    public static final ArchRule TASKS_USE_NO_TRANSPORT_OR_FRONT_END = noClasses()
            .that()
            .resideInAPackage(TASKS)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(KAFKA, AVRO, QUARKUS, PICOCLI, CLI, TOOLS, CLUSTER, STREAM, SCHEMA)
            .because("a task is a template, labels and settings over the engine: the service and the launcher both"
                    + " run it, so it knows neither them nor Kafka, Avro, Quarkus or picocli");

    /** Rule 7: the engine's root package is its API: every type there has a caller outside the engine. */
    public static final ArchRule ENGINE_API_IS_WHAT_CALLERS_USE = classes()
            .that()
            .resideInAPackage("dev.gptjt.engine")
            .and()
            .areTopLevelClasses()
            .and()
            .doNotHaveSimpleName("package-info")
            .should(haveACallerOutside(ENGINE))
            .because("dev.gptjt.engine holds only what callers use; a type no caller outside the engine needs is an"
                    + " internal and belongs under dev.gptjt.engine.internal");

    /** Rule 8: the engine's API names no internal type in what it makes public. */
    public static final ArchRule ENGINE_API_EXPOSES_NO_INTERNALS = codeUnits()
            .that()
            .arePublic()
            .and()
            .areDeclaredInClassesThat()
            .resideInAPackage("dev.gptjt.engine")
            .should(nameNoTypeIn(ENGINE_INTERNAL))
            .because("a caller of dev.gptjt.engine must never need a type of dev.gptjt.engine.internal: the API"
                    + " line holds only if public signatures stay on its side");

    /** Rule 9: the tools are library code under the commands: no picocli, no command, no service. */
    public static final ArchRule TOOLS_ARE_BELOW_THE_COMMANDS = noClasses()
            .that()
            .resideInAPackage(TOOLS)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CLI, PICOCLI, STREAM, QUARKUS)
            .because("benchmarks, model makers and task tools are what the launcher's thin commands call; options and"
                    + " exit codes belong to the commands, and the service is run as a process, never as classes");

    /** Rule 10: the local cluster is processes from real parts, below the launcher, the tools and the tests. */
    public static final ArchRule CLUSTER_RUNS_PROCESSES_ONLY = noClasses()
            .that()
            .resideInAPackage(CLUSTER)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CLI, TOOLS, STREAM, TASKS, SCHEMA, PICOCLI, QUARKUS, AVRO)
            .because("the broker, the registry and the packaged service run in child JVMs: the launcher, the"
                    + " benchmarks and the service's tests all start them, so they know none of those");

    /** Every rule, in the order above. */
    public static final List<ArchRule> ALL = List.of(
            ENGINE_USES_NO_FRAMEWORK,
            ENGINE_INTERNALS_STAY_IN_ENGINE,
            GRAPH_SURGERY_IS_BYTES_IN_BYTES_OUT,
            SCHEMAS_USE_NO_OTHER_MODULE,
            SERVICE_USES_NO_LAUNCHER,
            LAUNCHER_USES_NO_SERVICE,
            TASKS_USE_NO_TRANSPORT_OR_FRONT_END,
            ENGINE_API_IS_WHAT_CALLERS_USE,
            ENGINE_API_EXPOSES_NO_INTERNALS,
            TOOLS_ARE_BELOW_THE_COMMANDS,
            CLUSTER_RUNS_PROCESSES_ONLY);

    /** A method or constructor whose return and parameter types all lie outside {@code packages}. */
    private static ArchCondition<JavaCodeUnit> nameNoTypeIn(String packages) {
        PackageMatcher internal = PackageMatcher.of(packages);
        return new ArchCondition<>("name no type in " + packages) {
            @Override
            public void check(JavaCodeUnit unit, ConditionEvents events) {
                // every type a signature names, type arguments included (List<RowState> names RowState)
                Set<JavaClass> named = new HashSet<>(unit.getReturnType().getAllInvolvedRawTypes());
                unit.getParameterTypes().forEach(p -> named.addAll(p.getAllInvolvedRawTypes()));
                for (JavaClass type : named) {
                    JavaClass base = type.isArray() ? type.getBaseComponentType() : type;
                    if (internal.matches(base.getPackageName())) {
                        events.add(
                                SimpleConditionEvent.violated(unit, unit.getFullName() + " exposes " + base.getName()));
                    }
                }
            }
        };
    }

    /** A class some class outside {@code packages} depends on (calls, extends, names in a signature...). */
    private static ArchCondition<JavaClass> haveACallerOutside(String packages) {
        PackageMatcher inside = PackageMatcher.of(packages);
        return new ArchCondition<>("have a caller outside " + packages) {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                boolean used = type.getDirectDependenciesToSelf().stream()
                        .anyMatch(d -> !inside.matches(d.getOriginClass().getPackageName()));
                if (!used) {
                    events.add(
                            SimpleConditionEvent.violated(type, type.getName() + " has no caller outside " + packages));
                }
            }
        };
    }

    private static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar!/.*");

    private Layering() {}

    /**
     * The project's production classes: every {@code dev.gptjt} class on the test class path, from the modules'
     * jars or the reactor's {@code target/classes}, without test classes (this module's fixtures among them) or a
     * module's test jar.
     */
    public static JavaClasses productionClasses() {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(Layering::isProduction)
                .importPackages("dev.gptjt");
    }

    private static boolean isProduction(Location location) {
        return !location.contains("/violation/") && !location.matches(TEST_JAR);
    }
}

package dev.gptjt.stream.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.FileReader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The manifests in deploy/ agree with the application: probe paths are its health endpoints, ports
 * line up, KEDA watches the configured topic and consumer group, replicas never exceed partitions.
 * (That every metric the dashboard queries is exported is checked against a live scrape in OpsIT.)
 */
class DeployWiringTest {
    private static final Path DEPLOY =
            Path.of(System.getProperty("gptjt.models")).getParent().resolve("deploy");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> HEALTH = Set.of("/q/health/live", "/q/health/ready", "/q/health/started");

    private static JsonNode yaml(String file) throws Exception {
        return YAML.readTree(DEPLOY.resolve(file).toFile());
    }

    private static Properties deployedConfig() throws Exception {
        Properties p = new Properties();
        try (FileReader in =
                new FileReader(DEPLOY.resolve("base/application.properties").toFile())) {
            p.load(in);
        }
        return p;
    }

    private static JsonNode container(JsonNode deployment) {
        return deployment.at("/spec/template/spec/containers/0");
    }

    @Test
    void shouldProbeTheHealthEndpointsOnTheHttpPort() throws Exception {
        JsonNode c = container(yaml("base/deployment.yaml"));
        int appPort = Integer.parseInt(deployedConfig().getProperty("quarkus.http.port"));
        assertEquals("http", c.at("/ports/0/name").asText());
        assertEquals(appPort, c.at("/ports/0/containerPort").asInt());
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertTrue(HEALTH.contains(c.at("/" + probe + "/httpGet/path").asText()), probe);
            assertEquals("http", c.at("/" + probe + "/httpGet/port").asText(), probe);
        }
        assertEquals("/q/health/ready", c.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/q/health/live", c.at("/livenessProbe/httpGet/path").asText());
    }

    /**
     * The CPU Deployment's settings for GPT-JT-6B fp32 (6.051 B parameters, 24.2 GB) pass the engine's memory plan
     * within its pod: the memory limit less the JVM heap its JAVA_OPTS_APPEND sets.
     */
    @Test
    void shouldFitTheCpuDeploymentsMemoryPlanInItsPod() throws Exception {
        Properties config = deployedConfig();
        JsonNode c = container(yaml("base/deployment.yaml"));
        long limit = new io.quarkus.runtime.configuration.MemorySizeConverter()
                .convert(c.at("/resources/limits/memory").asText().replace("Gi", "G"))
                .asLongValue();
        String javaOpts = "";
        for (JsonNode env : c.at("/env")) {
            if (env.at("/name").asText().equals("JAVA_OPTS_APPEND")) {
                javaOpts = env.at("/value").asText();
            }
        }
        java.util.regex.Matcher xmx =
                java.util.regex.Pattern.compile("-Xmx(\\d+)g").matcher(javaOpts);
        assertTrue(xmx.find(), javaOpts);
        long heap = Long.parseLong(xmx.group(1)) << 30;
        dev.gptjt.engine.model.ModelConfig gptJt =
                dev.gptjt.engine.model.ModelConfig.read(DEPLOY.getParent().resolve("docs/gpt-jt-6b-v1.config.json"));
        dev.gptjt.engine.MemoryPlan plan = dev.gptjt.engine.MemoryPlan.of(
                gptJt,
                Map.of("FLOAT", 6_050_863_104L * 4),
                4,
                Integer.parseInt(config.getProperty("gptjt.engine.max-batch-size")),
                Integer.parseInt(config.getProperty("gptjt.engine.max-context")),
                limit - heap,
                "the pod's limit less the heap");
        assertTrue(plan.fits(), plan.table());
    }

    @Test
    void shouldExposeAndScrapeTheSamePort() throws Exception {
        JsonNode service = yaml("base/service.yaml");
        assertEquals("http", service.at("/spec/ports/0/targetPort").asText());
        JsonNode monitor = yaml("components/monitoring/podmonitor.yaml");
        assertEquals("http", monitor.at("/spec/podMetricsEndpoints/0/port").asText());
        assertEquals(
                "/q/metrics", monitor.at("/spec/podMetricsEndpoints/0/path").asText());
    }

    @Test
    void shouldScaleOnTheConfiguredTopicAndGroupUpToThePartitionCount() throws Exception {
        Properties config = deployedConfig();
        JsonNode scaled = yaml("components/keda/scaledobject.yaml");
        JsonNode kafka = scaled.at("/spec/triggers/0");
        assertEquals("kafka", kafka.at("/type").asText());
        assertEquals(
                config.getProperty("gptjt.topics.prompts"),
                kafka.at("/metadata/topic").asText());
        assertEquals(
                config.getProperty("quarkus.kafka-streams.application-id"),
                kafka.at("/metadata/consumerGroup").asText());
        JsonNode bulk = scaled.at("/spec/triggers/1");
        assertEquals("kafka", bulk.at("/type").asText());
        assertEquals(
                config.getProperty("gptjt.topics.bulk-prompts"),
                bulk.at("/metadata/topic").asText(),
                "a backfill's lag scales out too");
        assertEquals(
                kafka.at("/metadata/consumerGroup").asText(),
                bulk.at("/metadata/consumerGroup").asText());
        // the brokers are named once, in the base's gptjt-kafka ConfigMap: the service reads it from its
        // environment, KEDA's trigger gets it by a kustomize replacement (rendered in DeployManifestsTest)
        assertTrue(config.getProperty("quarkus.kafka-streams.bootstrap-servers") == null);
        JsonNode env = container(yaml("base/deployment.yaml")).at("/env/0");
        assertEquals("QUARKUS_KAFKA_STREAMS_BOOTSTRAP_SERVERS", env.at("/name").asText());
        assertEquals("gptjt-kafka", env.at("/valueFrom/configMapKeyRef/name").asText());
        assertEquals(
                "bootstrap-servers", env.at("/valueFrom/configMapKeyRef/key").asText());
        JsonNode replacement = yaml("components/keda/kustomization.yaml").at("/replacements/0");
        assertEquals(
                "data.bootstrap-servers", replacement.at("/source/fieldPath").asText());
        assertEquals("gptjt-kafka", replacement.at("/source/name").asText());
        assertEquals(
                "spec.triggers.0.metadata.bootstrapServers",
                replacement.at("/targets/0/fieldPaths/0").asText());
        assertEquals(
                "spec.triggers.1.metadata.bootstrapServers",
                replacement.at("/targets/0/fieldPaths/1").asText());
        assertTrue(scaled.at("/spec/maxReplicaCount").asInt()
                <= Integer.parseInt(config.getProperty("gptjt.topics.partitions")));
        assertEquals(
                yaml("base/deployment.yaml").at("/metadata/name").asText(),
                scaled.at("/spec/scaleTargetRef/name").asText());
        assertEquals(
                yaml("base/deployment.yaml").at("/metadata/name").asText(),
                yaml("base/pdb.yaml").at("/metadata/name").asText());
    }

    @Test
    void shouldMountTheModelWhereTheConfigurationLooksForIt() throws Exception {
        JsonNode c = container(yaml("base/deployment.yaml"));
        Set<String> mounts = new HashSet<>();
        c.at("/volumeMounts").forEach(m -> mounts.add(m.at("/mountPath").asText()));
        Properties config = deployedConfig();
        assertTrue(mounts.contains(config.getProperty("gptjt.model.dir")), "model volume at gptjt.model.dir");
        assertTrue(
                mounts.contains(config.getProperty("kafka-streams.state.dir")),
                "state volume at kafka-streams.state.dir");
        assertTrue(mounts.contains("/deployments/config"), "application.properties where Quarkus reads it");
        // the deployed configuration passes the service's own rules
        Map<String, String> overrides = new HashMap<>();
        config.stringPropertyNames().forEach(k -> overrides.put(k, config.getProperty(k)));
        ConfigValidator.validate(TestConfig.load(overrides));
    }

    @Test
    void shouldGiveTheGpuOverlayOneGpuAndTheCudaProvider() throws Exception {
        JsonNode patch = yaml("overlays/gpu/gpu-patch.yaml");
        JsonNode c = patch.at("/spec/template/spec/containers/0");
        assertEquals(1, c.at("/resources/limits").get("nvidia.com/gpu").asInt());
        boolean cuda = false;
        for (JsonNode env : c.at("/env")) {
            cuda |= env.at("/name").asText().equals("GPTJT_MODEL_PROVIDER")
                    && env.at("/value").asText().equals("cuda");
        }
        assertTrue(cuda, "GPTJT_MODEL_PROVIDER=cuda");
        assertEquals(
                "gpu",
                yaml("overlays/gpu/kustomization.yaml").at("/images/0/newTag").asText());
        assertTrue(patch.at("/spec/template/spec/tolerations/0/key").asText().equals("nvidia.com/gpu"));
    }

    /** Gibibytes of a JVM size option ({@code -Xmx2g}) or a Kubernetes quantity ({@code 40Gi}). */
    private static long gib(String size) {
        String digits = size.replaceAll("[^0-9]", "");
        return Long.parseLong(digits);
    }

    private static String javaOption(JsonNode container, String prefix) {
        for (JsonNode env : container.at("/env")) {
            if (env.at("/name").asText().equals("JAVA_OPTS_APPEND")) {
                for (String o : env.at("/value").asText().split("\\s+")) {
                    if (o.startsWith(prefix)) {
                        return o.substring(prefix.length());
                    }
                }
            }
        }
        throw new AssertionError("JAVA_OPTS_APPEND sets no " + prefix);
    }

    @Test
    void shouldRunAsProductionNeedsLockedDownSizedAndSpread() throws Exception {
        JsonNode deployment = yaml("base/deployment.yaml");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode c = container(deployment);
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertTrue(c.at("/securityContext/readOnlyRootFilesystem").asBoolean());
        assertEquals(false, c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true));
        assertEquals("ALL", c.at("/securityContext/capabilities/drop/0").asText());
        Set<String> mounts = new HashSet<>();
        c.at("/volumeMounts").forEach(m -> mounts.add(m.at("/mountPath").asText()));
        assertTrue(mounts.contains("/tmp"), "a writable /tmp (ONNX Runtime and RocksDB unpack their natives there)");
        assertEquals(
                "kubernetes.io/hostname",
                pod.at("/topologySpreadConstraints/0/topologyKey").asText());
        // CPU: fp32 weights (24 GB) outside the heap, plus heap and direct memory, fit the limit
        long cpuLimit = gib(c.at("/resources/limits/memory").asText());
        assertTrue(cpuLimit >= 24 + gib(javaOption(c, "-Xmx")) + gib(javaOption(c, "-XX:MaxDirectMemorySize=")));
        // GPU: a rollout never asks for a spare GPU
        JsonNode gpu = yaml("overlays/gpu/gpu-patch.yaml");
        assertEquals(0, gpu.at("/spec/strategy/rollingUpdate/maxSurge").asInt(-1));
        JsonNode gpuContainer = gpu.at("/spec/template/spec/containers/0");
        assertTrue(gib(gpuContainer.at("/resources/limits/memory").asText())
                > gib(javaOption(gpuContainer, "-Xmx")) + gib(javaOption(gpuContainer, "-XX:MaxDirectMemorySize=")));
        assertEquals("3", deployedConfig().getProperty("gptjt.topics.replication-factor"));
    }

    @Test
    void shouldBeAValidDashboard() throws Exception {
        JsonNode dashboard = new ObjectMapper()
                .readTree(DEPLOY.resolve("grafana/gptjt-dashboard.json").toFile());
        assertTrue(dashboard.at("/panels").size() >= 8);
        for (JsonNode panel : dashboard.at("/panels")) {
            assertTrue(panel.at("/targets").size() > 0, panel.at("/title").asText());
        }
    }
}

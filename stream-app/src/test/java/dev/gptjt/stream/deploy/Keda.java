package dev.gptjt.stream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * KEDA's custom resources as typed records (keda.sh/v1alpha1, the fields of its CRDs' schemas as KEDA
 * 2.x documents them), for manifest validation: an unknown field fails to read.
 */
final class Keda {
    private Keda() {}

    /** Metadata keys of the kafka scaler (keda.sh/docs, "Apache Kafka" scaler). */
    static final Set<String> KAFKA_METADATA = Set.of(
            "bootstrapServers",
            "bootstrapServersFromEnv",
            "consumerGroup",
            "consumerGroupFromEnv",
            "topic",
            "topicFromEnv",
            "lagThreshold",
            "activationLagThreshold",
            "offsetResetPolicy",
            "allowIdleConsumers",
            "excludePersistentLag",
            "scaleToZeroOnInvalidOffset",
            "limitToPartitionsWithLag",
            "ensureEvenDistributionOfPartitions",
            "partitionLimitation",
            "version",
            "sasl",
            "tls",
            "unsafeSsl");

    record ScaledObject(String apiVersion, String kind, ObjectMeta metadata, ScaledObjectSpec spec) {}

    record ScaledObjectSpec(
            ScaleTargetRef scaleTargetRef,
            Integer pollingInterval,
            Integer cooldownPeriod,
            Integer initialCooldownPeriod,
            Integer idleReplicaCount,
            Integer minReplicaCount,
            Integer maxReplicaCount,
            JsonNode advanced,
            JsonNode fallback,
            List<Trigger> triggers) {}

    record ScaleTargetRef(String apiVersion, String kind, String name, String envSourceContainerName) {}

    record Trigger(
            String type,
            String name,
            Boolean useCachedMetrics,
            String metricType,
            Map<String, String> metadata,
            AuthenticationRef authenticationRef) {}

    record AuthenticationRef(String name, String kind) {}

    record TriggerAuthentication(String apiVersion, String kind, ObjectMeta metadata, TriggerAuthenticationSpec spec) {}

    record TriggerAuthenticationSpec(
            List<SecretTargetRef> secretTargetRef,
            List<ConfigMapTargetRef> configMapTargetRef,
            List<EnvRef> env,
            JsonNode podIdentity,
            JsonNode hashiCorpVault,
            JsonNode azureKeyVault,
            JsonNode awsSecretManager,
            JsonNode gcpSecretManager) {}

    record SecretTargetRef(String parameter, String name, String key) {}

    record ConfigMapTargetRef(String parameter, String name, String key) {}

    record EnvRef(String parameter, String name, String containerName) {}
}

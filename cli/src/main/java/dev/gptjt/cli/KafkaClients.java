package dev.gptjt.cli;

import dev.gptjt.schema.wire.WireFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Shared bits of the Kafka commands: reachability check with a clear message, wire format choice. */
final class KafkaClients {
    private KafkaClients() {}

    /** @throws CliException when no broker answers at {@code bootstrap} within 15 s */
    static void requireReachable(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15000))) {
            admin.describeCluster().nodes().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new CliException("cannot reach Kafka at " + bootstrap
                    + " (is 'bin/gptjt broker' running? pass --bootstrap HOST:PORT)");
        }
    }

    static WireFormat wire(String format, String registryUrl) {
        WireFormat.Kind kind;
        try {
            kind = WireFormat.Kind.parse(format);
        } catch (IllegalArgumentException e) {
            throw new CliException("--wire must be single-object or registry, got '" + format + "'");
        }
        if (kind == WireFormat.Kind.REGISTRY && registryUrl == null) {
            throw new CliException("--wire registry needs --registry-url URL");
        }
        Map<String, Object> config = new HashMap<>();
        if (registryUrl != null) {
            config.put("apicurio.registry.url", registryUrl);
        }
        return WireFormat.create(kind, config);
    }
}

package dev.gptjt.stream.runtime;

import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.stream.config.GptjtConfig;
import dev.gptjt.stream.config.PendingStore;
import dev.gptjt.stream.config.Tasks;
import dev.gptjt.stream.topology.PromptTopology;
import dev.gptjt.stream.topology.ResultFactory;
import dev.gptjt.stream.topology.TaskCascades;
import dev.gptjt.stream.topology.TopologySettings;
import dev.gptjt.tasks.TaskDefinition;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Hands Quarkus the production topology, after making sure its topics exist. */
@ApplicationScoped
public class TopologyProducer {

    @Produces
    Topology topology(
            GptjtConfig config,
            InferenceEngine engine,
            TaskCascades cascades,
            WireFormat wire,
            GptjtMetrics metrics,
            @ConfigProperty(name = "quarkus.kafka-streams.bootstrap-servers") String bootstrap) {
        GptjtConfig.Topics topics = config.topics();
        Map<String, TaskDefinition> tasks = Tasks.fromConfig(config);
        if (topics.create()) {
            Set<String> names = new HashSet<>(Set.of(topics.prompts(), topics.completions(), topics.failures()));
            tasks.values().forEach(t -> names.add(t.topic()));
            TopicCreator.ensure(
                    bootstrap, kafkaStreamsSettings(), names, topics.partitions(), topics.replicationFactor());
        }
        TopologySettings settings = new TopologySettings(
                topics.prompts(),
                topics.completions(),
                topics.failures(),
                topics.allowedReplyTopics().orElse(Set.of()),
                config.stream().flushInterval(),
                config.stream().store() == PendingStore.ROCKSDB,
                config.stream().reconcileInterval(),
                tasks,
                config.stream().maxBlock());
        ResultFactory results =
                new ResultFactory(engine.model().name(), engine.model().contentHash(), engine.backendName());
        return PromptTopology.build(settings, engine, cascades, wire, results, Clock.systemUTC(), metrics);
    }

    /** Every {@code kafka-streams.*} setting, prefix removed (client security settings among them). */
    static Map<String, String> kafkaStreamsSettings() {
        Config config = ConfigProvider.getConfig();
        Map<String, String> out = new HashMap<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith("kafka-streams.")) {
                config.getOptionalValue(name, String.class)
                        .ifPresent(v -> out.put(name.substring("kafka-streams.".length()), v));
            }
        }
        return out;
    }
}

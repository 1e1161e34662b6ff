package dev.gptjt.stream.runtime;

import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.Extraction;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.schema.wire.WireFormatException;
import dev.gptjt.schema.wire.WireFormatUnavailableException;
import dev.gptjt.stream.config.GptjtConfig;
import dev.gptjt.stream.config.PendingStore;
import dev.gptjt.stream.config.Tasks;
import dev.gptjt.stream.topology.PromptTopology;
import dev.gptjt.stream.topology.ResultFactory;
import dev.gptjt.stream.topology.SharedResults;
import dev.gptjt.stream.topology.TaskCascades;
import dev.gptjt.stream.topology.TopologySettings;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.decision.DecisionPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Hands Quarkus the production topology, after making sure its topics exist. */
@ApplicationScoped
public class TopologyProducer {
    private static final Logger LOG = Logger.getLogger(TopologyProducer.class);

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
        Map<String, DecisionPolicy> policies = Tasks.policiesFromConfig(config);
        if (topics.create()) {
            TopicCreator.ensure(
                    bootstrap,
                    kafkaStreamsSettings(),
                    topicsToCreate(topics, tasks, policies),
                    topics.partitions(),
                    topics.replicationFactor());
        }
        prepareOutputSchemas(wire, topics, tasks, policies);
        metrics.watchPolicies(policies);
        TopologySettings settings = new TopologySettings(
                topics.prompts(),
                topics.completions(),
                topics.failures(),
                topics.allowedReplyTopics().orElse(Set.of()),
                config.stream().flushInterval(),
                config.stream().store() == PendingStore.ROCKSDB,
                config.stream().reconcileInterval(),
                tasks,
                config.stream().maxBlock(),
                topics.bulkPrompts(),
                Tasks.lanesFromConfig(config),
                policies,
                topics.audit(),
                GptjtConfig.cacheSettings(config));
        ResultFactory results =
                new ResultFactory(engine.model().name(), engine.model().contentHash(), engine.backendName());
        SharedResults shared = new SharedResults();
        metrics.watch(shared);
        return PromptTopology.build(settings, engine, cascades, wire, results, Clock.systemUTC(), metrics, shared);
    }

    /**
     * Registers (or, with auto-register off, looks up) the schema of every record the service writes, per topic,
     * before it reads a prompt: a missing one stops the start naming its subject; an unreachable registry is
     * logged, and results wait for it.
     *
     * @throws IllegalStateException when the registry refuses a schema or does not hold one
     */
    /**
     * Every topic the service reads or writes: the prompts topics, completions, failures, each task's result topic,
     * each policy's action topics, the audit topic, and the verdicts topic reviewers write to.
     */
    static Set<String> topicsToCreate(
            GptjtConfig.Topics topics, Map<String, TaskDefinition> tasks, Map<String, DecisionPolicy> policies) {
        Set<String> names = new TreeSet<>(List.of(
                topics.prompts(),
                topics.bulkPrompts(),
                topics.completions(),
                topics.failures(),
                topics.audit(),
                topics.verdicts()));
        tasks.values().forEach(t -> names.add(t.topic()));
        policies.values().forEach(p -> names.addAll(p.topics().values()));
        return names;
    }

    static void prepareOutputSchemas(
            WireFormat wire,
            GptjtConfig.Topics topics,
            Map<String, TaskDefinition> tasks,
            Map<String, DecisionPolicy> policies) {
        Map<String, Schema> outputs = new LinkedHashMap<>();
        outputs.put(topics.completions(), Completion.getClassSchema());
        outputs.put(topics.failures(), PromptFailure.getClassSchema());
        topics.allowedReplyTopics().orElse(Set.of()).forEach(t -> outputs.put(t, Completion.getClassSchema()));
        tasks.values()
                .forEach(t -> outputs.put(
                        t.topic(),
                        switch (t.mode()) {
                            case CLASSIFY -> Classification.getClassSchema();
                            case EXTRACT -> Extraction.getClassSchema();
                            case GENERATE -> Completion.getClassSchema();
                        }));
        policies.values()
                .forEach(p -> p.topics().values().forEach(t -> outputs.put(t, Classification.getClassSchema())));
        if (!policies.isEmpty()) {
            outputs.put(topics.audit(), Classification.getClassSchema());
        }
        for (Map.Entry<String, Schema> output : outputs.entrySet()) {
            try {
                wire.prepare(output.getKey(), output.getValue());
            } catch (WireFormatUnavailableException e) {
                LOG.warnf("%s; results to %s wait until it answers", e.getMessage(), output.getKey());
            } catch (WireFormatException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
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

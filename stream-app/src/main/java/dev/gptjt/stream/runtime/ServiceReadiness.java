package dev.gptjt.stream.runtime;

import dev.gptjt.engine.InferenceEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the model is loaded and Kafka Streams is RUNNING. REBALANCING is reported in the data
 * but does not fail readiness: a rebalance is routine (an instance joined or left) and taking the pod
 * out of service for it would only slow the group down.
 */
@Readiness
@ApplicationScoped
public class ServiceReadiness implements HealthCheck {
    private final Instance<InferenceEngine> engine;
    private final Instance<KafkaStreams> streams;

    ServiceReadiness(Instance<InferenceEngine> engine, Instance<KafkaStreams> streams) {
        this.engine = engine;
        this.streams = streams;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("gptjt");
        boolean modelLoaded = engine.isResolvable() && !engine.get().isClosed();
        KafkaStreams.State state = streams.isResolvable() ? streams.get().state() : null;
        boolean streaming = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        response.withData("model", modelLoaded ? engine.get().model().name() : "not loaded");
        response.withData("kafka-streams", String.valueOf(state));
        return response.status(modelLoaded && streaming).build();
    }
}

package dev.gptjt.stream.topology;

import dev.gptjt.engine.ClassificationRequest;
import dev.gptjt.engine.ClassificationResult;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.Lane;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * What the topology asks of the engine. In production the shared {@link InferenceEngine} itself ({@link #of}); a
 * test may wrap the real engine to see the futures it returns (whether the topology cancelled them).
 */
interface Inference {
    /** As {@link InferenceEngine#submit(GenerationRequest, Instant, Lane)}. */
    CompletableFuture<GenerationResult> submit(GenerationRequest request, Instant deadline, Lane lane);

    /** As {@link InferenceEngine#classify(ClassificationRequest, Instant, Lane)}. */
    CompletableFuture<ClassificationResult> classify(ClassificationRequest request, Instant deadline, Lane lane);

    /** As {@link InferenceEngine#awaitCapacity(Duration, Lane)}. */
    boolean awaitCapacity(Duration timeout, Lane lane);

    /** As {@link InferenceEngine#maxPromptChars()}. */
    int maxPromptChars();

    static Inference of(InferenceEngine engine) {
        return new Inference() {
            @Override
            public CompletableFuture<GenerationResult> submit(GenerationRequest request, Instant deadline, Lane lane) {
                return engine.submit(request, deadline, lane);
            }

            @Override
            public CompletableFuture<ClassificationResult> classify(
                    ClassificationRequest request, Instant deadline, Lane lane) {
                return engine.classify(request, deadline, lane);
            }

            @Override
            public boolean awaitCapacity(Duration timeout, Lane lane) {
                return engine.awaitCapacity(timeout, lane);
            }

            @Override
            public int maxPromptChars() {
                return engine.maxPromptChars();
            }
        };
    }
}

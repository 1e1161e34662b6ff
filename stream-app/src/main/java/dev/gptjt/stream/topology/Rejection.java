package dev.gptjt.stream.topology;

import dev.gptjt.schema.FailureReason;

/** Why a prompt is answered with a dead letter instead of a completion. */
public record Rejection(FailureReason reason, String message) {}

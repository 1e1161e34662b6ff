package dev.gptjt.stream.topology;

/**
 * A result leaving the topology: its destination topic (completions, failures, or an allowed reply
 * topic) and its already-encoded value. One sink serves every destination.
 */
public record Outbound(String topic, byte[] value) {}

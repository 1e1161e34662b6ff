/**
 * Decision policies: what a classification's label probabilities make a task do (an action such as remove, review or
 * allow), and which of those decisions are kept in the audit sample. Plain values, no Kafka or Quarkus: the service
 * routes by them, the launcher shows them.
 */
package dev.gptjt.tasks.decision;

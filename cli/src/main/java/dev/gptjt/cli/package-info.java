/**
 * The launcher {@code bin/gptjt}: the single picocli root command {@code gptjt} and what every subcommand shares,
 * namely the option mixins declared once (model, engine, Kafka, output and timeout options, with per-command
 * defaults), the mapping of outcomes to exit codes (0 done, 1 failed, 2 a usage or setup mistake told in one line),
 * the option converters (durations, paths against the user's working directory) and strict reads of JSON lines. The
 * subcommands live in {@code engine}, {@code kafka}, {@code task} and {@code bench}. Commands are thin: the work is
 * the engine's, the tools' ({@code dev.gptjt.tools}: benchmarks, model makers, task runs) and the local cluster's
 * ({@code dev.gptjt.cluster}: broker, registry, service process). The launcher uses the engine's API packages, the
 * tasks and the schemas, never {@code engine.internal}, and runs the service as a process, never its classes
 * ({@code dev.gptjt.stream}).
 */
package dev.gptjt.cli;

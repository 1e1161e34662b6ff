/**
 * A local cluster on one machine, from real parts: {@link KafkaBroker}, a single-node KRaft broker from the Kafka
 * jars in a child JVM; {@link RegistryServer}, a real Apicurio Registry server from its Maven distribution; and
 * {@link ServiceProcess}, the packaged Quarkus service in its own JVM. What {@code gptjt broker}, {@code registry},
 * {@code demo}, the pipeline benchmark and the service's integration tests share. Uses the Kafka admin client and
 * the engine's model configuration (to size a service's memory); runs the service as a process, never its classes.
 */
package dev.gptjt.cluster;

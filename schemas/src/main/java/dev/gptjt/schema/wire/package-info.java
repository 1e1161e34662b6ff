/**
 * How records travel as Kafka record values. {@link WireFormat} has two implementations:
 * {@link SingleObjectWireFormat}, the default, Avro single-object encoding with the writer schema's fingerprint in the
 * header and no registry, and {@link RegistryWireFormat}, Apicurio Registry serdes in Confluent-compatible framing.
 * {@link KnownSchemas} lists every record schema written to Kafka, and {@link WireFormatException} is thrown for bytes
 * that are not a readable record of the expected kind. Uses Avro, the Apicurio serdes and the generated records; no
 * other module of this project.
 */
package dev.gptjt.schema.wire;

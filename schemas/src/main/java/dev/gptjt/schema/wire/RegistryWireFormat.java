package dev.gptjt.schema.wire;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * Apicurio Registry serdes in Confluent-compatible framing: magic byte 0, a 4-byte schema (content)
 * id, then the binary datum; schemas are registered under the topic's {@code <topic>-value} artifact
 * on first use. Works against Apicurio Registry and, through its compatibility API, Confluent Schema
 * Registry clients' framing.
 */
public final class RegistryWireFormat implements WireFormat {
    private final AvroKafkaSerializer<SpecificRecord> serializer = new AvroKafkaSerializer<>();
    private final AvroKafkaDeserializer<Object> deserializer = new AvroKafkaDeserializer<>();

    public RegistryWireFormat(Map<String, ?> registryConfig) {
        if (registryConfig == null || registryConfig.get("apicurio.registry.url") == null) {
            throw new IllegalArgumentException("the registry wire format needs apicurio.registry.url");
        }
        Map<String, Object> config = new HashMap<>();
        config.put("apicurio.registry.auto-register", "true");
        config.put("apicurio.registry.id-handler", "io.apicurio.registry.serde.Default4ByteIdHandler");
        config.put("apicurio.registry.use-specific-avro-reader", "true");
        config.putAll(registryConfig);
        serializer.configure(config, false);
        deserializer.configure(config, false);
    }

    @Override
    public byte[] encode(String topic, SpecificRecord record) {
        try {
            return serializer.serialize(topic, record);
        } catch (RuntimeException e) {
            throw new WireFormatException(
                    "cannot encode " + record.getSchema().getName() + " through the registry: " + e.getMessage(), e);
        }
    }

    @Override
    public SpecificRecord decode(String topic, byte[] bytes) {
        if (bytes == null) {
            throw new WireFormatException("record has no value");
        }
        Object value;
        try {
            value = deserializer.deserialize(topic, bytes);
        } catch (RuntimeException e) {
            throw new WireFormatException("not a registry-framed Avro record: " + e.getMessage(), e);
        }
        if (value instanceof SpecificRecord record) {
            return record;
        }
        throw new WireFormatException("registry schema is not one of this project's records: "
                + (value == null ? "null" : value.getClass().getName()));
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}

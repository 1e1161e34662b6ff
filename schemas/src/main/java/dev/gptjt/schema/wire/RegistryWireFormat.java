package dev.gptjt.schema.wire;

import com.microsoft.kiota.ApiException;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
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
    private final Set<Integer> seen = ConcurrentHashMap.newKeySet();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder errors = new LongAdder();

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
            if (unreachable(e)) {
                errors.increment();
                throw new WireFormatUnavailableException(
                        "the schema registry did not answer encoding "
                                + record.getSchema().getName() + " for " + topic + ": " + rootMessage(e),
                        e);
            }
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
        Integer id = bytes.length >= 5 && bytes[0] == 0
                ? ByteBuffer.wrap(bytes, 1, 4).getInt()
                : null;
        try {
            value = deserializer.deserialize(topic, bytes);
        } catch (RuntimeException e) {
            if (unreachable(e)) {
                errors.increment();
                throw new WireFormatUnavailableException(
                        "the schema registry did not answer for schema id " + id + ": " + rootMessage(e), e);
            }
            if (id != null && status(e) == 404) {
                throw new WireFormatException("schema id " + id + " is not in the registry", e);
            }
            throw new WireFormatException("not a registry-framed Avro record: " + e.getMessage(), e);
        }
        if (id != null) {
            (seen.add(id) ? misses : hits).increment(); // the serdes cache a schema once fetched
        }
        if (value instanceof SpecificRecord record) {
            return record;
        }
        throw new WireFormatException("registry schema is not one of this project's records: "
                + (value == null ? "null" : value.getClass().getName()));
    }

    /** Decodes whose writer schema this instance had fetched before: answered from the serdes' cache. */
    public long schemaCacheHits() {
        return hits.sum();
    }

    /** Decodes that fetched their writer schema from the registry. */
    public long schemaCacheMisses() {
        return misses.sum();
    }

    /** Encodes and decodes the registry did not answer ({@link WireFormatUnavailableException}). */
    public long registryErrors() {
        return errors.sum();
    }

    /**
     * Whether {@code e} says the registry could not be reached: a connection or I/O failure, a timeout, or a server
     * error (5xx) anywhere in its causes.
     */
    static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException) {
                return true;
            }
            if (t instanceof ApiException api && api.getResponseStatusCode() >= 500) {
                return true;
            }
        }
        return false;
    }

    /** The registry's HTTP status in {@code e}'s causes, or 0. */
    private static int status(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ApiException api) {
                return api.getResponseStatusCode();
            }
        }
        return 0;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}

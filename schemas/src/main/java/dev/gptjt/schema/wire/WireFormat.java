package dev.gptjt.schema.wire;

import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * How records travel as Kafka record values. Two implementations:
 * <ul>
 *   <li>{@link SingleObjectWireFormat} ({@code single-object}, the default): Avro single-object
 *       encoding, the writer schema's fingerprint in a 10-byte header; needs no registry.</li>
 *   <li>{@link RegistryWireFormat} ({@code registry}): Apicurio Registry serdes with
 *       Confluent-compatible framing (magic byte 0 and a 4-byte schema id), working against Apicurio
 *       or Confluent Schema Registry.</li>
 * </ul>
 * Implementations are thread-safe.
 */
public interface WireFormat extends AutoCloseable {

    /**
     * Encodes a generated record for a topic.
     *
     * @throws WireFormatUnavailableException when the schema registry did not answer: the same call may succeed later
     */
    byte[] encode(String topic, SpecificRecord record);

    /**
     * Decodes a record of any schema this project defines.
     *
     * @throws WireFormatException when the bytes are not such a record (random bytes, truncated data,
     *     another schema, a schema id the registry does not hold)
     * @throws WireFormatUnavailableException when the schema registry did not answer: the same bytes may decode
     *     later
     */
    SpecificRecord decode(String topic, byte[] bytes);

    /**
     * Decodes a record that must be of {@code type}.
     *
     * @throws WireFormatException when unreadable or of another type
     */
    default <T extends SpecificRecord> T decode(String topic, byte[] bytes, Class<T> type) {
        SpecificRecord record = decode(topic, bytes);
        if (!type.isInstance(record)) {
            throw new WireFormatException("expected a " + type.getSimpleName() + " record, got "
                    + record.getSchema().getFullName());
        }
        return type.cast(record);
    }

    /**
     * Readies writing records of {@code schema} to {@code topic}: a registry format registers its schema under the
     * topic's subject now (or, with auto-register off, looks it up), so that a service finds out at start, not at its
     * first result. Nothing for formats without a registry.
     *
     * @throws WireFormatException when the registry refuses the schema or, with auto-register off, does not hold it
     * @throws WireFormatUnavailableException when the registry did not answer
     */
    default void prepare(String topic, org.apache.avro.Schema schema) {}

    @Override
    default void close() {}

    /** Names accepted by {@link #create}. */
    enum Kind {
        SINGLE_OBJECT,
        REGISTRY;

        /** Parses {@code single-object} or {@code registry}. */
        public static Kind parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("wire format must be single-object or registry, got '" + name + "'");
            }
        }
    }

    /**
     * @param registryConfig {@code apicurio.registry.*} settings (at least {@code apicurio.registry.url})
     *     for {@link Kind#REGISTRY}; ignored otherwise
     */
    static WireFormat create(Kind kind, Map<String, ?> registryConfig) {
        return switch (kind) {
            case SINGLE_OBJECT -> new SingleObjectWireFormat();
            case REGISTRY -> new RegistryWireFormat(registryConfig);
        };
    }
}

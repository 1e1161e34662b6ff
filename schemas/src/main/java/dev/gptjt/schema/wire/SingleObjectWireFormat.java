package dev.gptjt.schema.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding ({@code C3 01}, the writer schema's CRC-64-AVRO fingerprint, then the
 * binary datum), using Avro's own {@link BinaryMessageEncoder}/{@link BinaryMessageDecoder}. The
 * fingerprint selects the record type among {@link KnownSchemas}, so {@link #decode(String, byte[])}
 * returns whichever record the bytes hold; bytes of any other schema are refused.
 */
public final class SingleObjectWireFormat implements WireFormat {
    private static final int HEADER = 10;

    /** Writer fingerprint → decoder into that record's generated class. */
    private final Map<Long, BinaryMessageDecoder<SpecificRecord>> decoders = new HashMap<>();

    private final Map<Schema, BinaryMessageEncoder<SpecificRecord>> encoders = new HashMap<>();

    public SingleObjectWireFormat() {
        for (Schema schema : KnownSchemas.RECORDS) {
            // When a schema evolves, its released versions are added to this decoder (addSchema) so that
            // records written with them resolve into the current class.
            BinaryMessageDecoder<SpecificRecord> decoder = new BinaryMessageDecoder<>(KnownSchemas.model(), schema);
            decoders.put(SchemaNormalization.parsingFingerprint64(schema), decoder);
            encoders.put(schema, new BinaryMessageEncoder<>(KnownSchemas.model(), schema));
        }
    }

    @Override
    public byte[] encode(String topic, SpecificRecord record) {
        BinaryMessageEncoder<SpecificRecord> encoder = encoders.get(record.getSchema());
        if (encoder == null) {
            throw new WireFormatException(
                    "not a record of this project: " + record.getSchema().getFullName());
        }
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | AvroRuntimeException e) {
            throw new WireFormatException("cannot encode " + record.getSchema().getName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public SpecificRecord decode(String topic, byte[] bytes) {
        if (bytes == null) {
            throw new WireFormatException("record has no value");
        }
        if (bytes.length < HEADER || bytes[0] != (byte) 0xC3 || bytes[1] != (byte) 0x01) {
            throw new WireFormatException("not an Avro single-object record (no C3 01 header)");
        }
        long fingerprint =
                ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        BinaryMessageDecoder<SpecificRecord> decoder = decoders.get(fingerprint);
        if (decoder == null) {
            throw new WireFormatException(
                    String.format("Avro single-object record of an unknown schema (fingerprint %016x)", fingerprint));
        }
        try {
            return decoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw new WireFormatException("unreadable Avro single-object record: " + e.getMessage(), e);
        }
    }
}

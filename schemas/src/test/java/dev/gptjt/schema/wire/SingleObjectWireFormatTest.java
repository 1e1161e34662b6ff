package dev.gptjt.schema.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptjt.schema.Completion;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.PromptRequest;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingSupplier;

class SingleObjectWireFormatTest {
    private final WireFormat wire = new SingleObjectWireFormat();

    static PromptRequest request() {
        return PromptRequest.newBuilder()
                .setId("p-1")
                .setPrompt("\"I love this!\" Is it positive? A:")
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setParams(GenerationParams.newBuilder().setStop(List.of("\n")).build())
                .setAttributes(Map.of("tenant", "acme"))
                .build();
    }

    @Test
    void shouldApplyTheModelCardDefaults() {
        GenerationParams p = GenerationParams.newBuilder().build();
        assertEquals(5, p.getMaxNewTokens());
        assertEquals(1, p.getTopK());
        assertEquals(1.0, p.getTemperature());
        assertEquals(1.0, p.getTopP());
        assertEquals(null, p.getSeed());
        assertEquals(List.of(), p.getStop());
    }

    @Test
    void shouldRoundTripEachRecordType() {
        PromptRequest request = request();
        assertEquals(request, wire.decode("t", wire.encode("t", request), PromptRequest.class));
        PromptFailure failure = PromptFailure.newBuilder()
                .setReason(FailureReason.UNREADABLE)
                .setMessage("m")
                .setTopic("t")
                .setPartition(1)
                .setOffset(2)
                .setOriginal(ByteBuffer.wrap(new byte[] {1, 2}))
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
        assertEquals(failure, wire.decode("t", wire.encode("t", failure)));
    }

    @Test
    void shouldRefuseRandomTruncatedAndForeignBytes() {
        byte[] random = new byte[64];
        new Random(1).nextBytes(random);
        assertThrows(WireFormatException.class, () -> wire.decode("t", random));
        byte[] valid = wire.encode("t", request());
        assertThrows(WireFormatException.class, () -> wire.decode("t", Arrays.copyOf(valid, valid.length / 2)));
        assertThrows(WireFormatException.class, () -> wire.decode("t", new byte[0]));
        assertThrows(WireFormatException.class, () -> wire.decode("t", null));
        // a valid single-object record of a schema this project does not know
        Schema other =
                SchemaBuilder.record("Other").fields().requiredString("x").endRecord();
        GenericRecord r = new GenericData.Record(other);
        r.put("x", "y");
        byte[] foreign = assertDoesNotThrow(() -> new BinaryMessageEncoder<GenericRecord>(GenericData.get(), other)
                .encode(r)
                .array());
        assertThrows(WireFormatException.class, () -> wire.decode("t", foreign));
        assertThrows(WireFormatException.class, () -> wire.decode("t", wire.encode("t", request()), Completion.class));
    }

    private static <T> T assertDoesNotThrow(ThrowingSupplier<T> s) {
        return Assertions.assertDoesNotThrow(s);
    }
}

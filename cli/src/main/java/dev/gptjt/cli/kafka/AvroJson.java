package dev.gptjt.cli.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * Renders an Avro record as JSON with every field under its Avro name: timestamps as ISO-8601,
 * bytes as base64, enums as their symbol, unions as the value itself.
 */
public final class AvroJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private AvroJson() {}

    public static ObjectNode toJson(IndexedRecord record) {
        ObjectNode o = F.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            o.set(field.name(), value(record.get(field.pos())));
        }
        return o;
    }

    private static JsonNode value(Object v) {
        if (v == null) {
            return F.nullNode();
        } else if (v instanceof IndexedRecord r) {
            return toJson(r);
        } else if (v instanceof CharSequence s) {
            return F.textNode(s.toString());
        } else if (v instanceof Integer i) {
            return F.numberNode(i);
        } else if (v instanceof Long l) {
            return F.numberNode(l);
        } else if (v instanceof Double d) {
            return Double.isFinite(d) ? F.numberNode(d) : F.textNode(d.toString());
        } else if (v instanceof Float f) {
            return F.numberNode(f);
        } else if (v instanceof Boolean b) {
            return F.booleanNode(b);
        } else if (v instanceof Instant t) {
            return F.textNode(t.toString());
        } else if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            return F.textNode(Base64.getEncoder().encodeToString(bytes));
        } else if (v instanceof Enum<?> e) {
            return F.textNode(e.name());
        } else if (v instanceof Map<?, ?> m) {
            ObjectNode o = F.objectNode();
            m.forEach((k, x) -> o.set(k.toString(), value(x)));
            return o;
        } else if (v instanceof Collection<?> c) {
            var a = F.arrayNode();
            c.forEach(x -> a.add(value(x)));
            return a;
        }
        return F.textNode(v.toString());
    }
}
